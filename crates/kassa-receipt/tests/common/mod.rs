//! Sample documents shared by the snapshot, PDF and printer tests and the bench: a Korean
//! coffee shop with mixed Korean and English item names, a card payment whose terminal sent
//! a full card number by mistake, and a day's Z report.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, FixedOffset, NaiveDate};
use kassa_core::{AttemptState, CardReceipt, Currency, Money, OrderLine, RequestId, TaxRate};
use kassa_receipt::*;

pub const VAT_INCL: TaxRate = TaxRate {
    basis_points: 1000,
    inclusive: true,
};

pub fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

pub fn id(s: &str) -> RequestId {
    RequestId::parse(s).unwrap()
}

pub fn krw(minor: i64) -> Money {
    Money::new(minor, Currency::KRW)
}

pub fn store() -> StoreHeader {
    StoreHeader {
        name: "Kassa Coffee 강남점".into(),
        address: "서울특별시 강남구 테헤란로 123, 1층 (역삼동)".into(),
        business_number: "123-45-67890".into(),
        representative: "홍길동".into(),
        phone: "02-555-0100".into(),
        footer: "교환 및 환불은 7일 이내, 영수증을 지참해 주세요\nExchanges and refunds within 7 days with this receipt".into(),
    }
}

fn line(name: &str, qty: u32, price: i64) -> OrderLine {
    OrderLine {
        name: name.into(),
        quantity: qty,
        unit_price_minor: price,
        tax: VAT_INCL,
    }
}

/// What the terminal returned: the card number is a full PAN, sent by mistake.
pub fn terminal_card_data() -> CardReceipt {
    let mut r = CardReceipt {
        card_brand: Some("VISA".into()),
        masked_pan: Some("4111 1111 1111 1111".into()),
        approval_code: Some("30012345".into()),
        aid: Some("A0000000031010".into()),
        application_label: Some("VISA CREDIT".into()),
        cryptogram: Some("8A1B2C3D4E5F6071".into()),
        entry_mode: Some("CHIP".into()),
        reference: Some("612345678901".into()),
        notice: Some("000 Approved 00 Thank You 정상승인 되었습니다".into()),
        ..CardReceipt::default()
    };
    r.extra.insert("expireDate".into(), "2812".into());
    r
}

pub fn card_payment(amount: Money) -> Payment {
    let mut card = CardDetails::from_terminal(&terminal_card_data());
    card.installments = Some(0);
    Payment {
        amount,
        terminal: Some("Counter 1 (N950)".into()),
        request_id: Some(id("P20261121101530ST010000007")),
        terminal_ref: Some("202611211015300001".into()),
        details: TenderDetails::Card(card),
    }
}

pub fn sale(copy: CopyFor) -> Sale {
    let lines = vec![
        line("아메리카노", 2, 4_500),
        line("Caffè Latte 카페라떼 (L)", 1, 5_500),
        line(
            "Seasonal Strawberry Cream Frappuccino 딸기 크림 프라푸치노",
            1,
            6_900,
        ),
        line("초코 머핀", 3, 3_800),
    ];
    let total = 9_000 + 5_500 + 6_900 + 11_400;
    Sale::new(
        copy,
        id("O20261121101530ST010000003"),
        at("2026-11-21T10:15:42+09:00"),
        "kim",
        Currency::KRW,
        lines,
        vec![card_payment(krw(total))],
    )
    .unwrap()
}

/// A dollar sale with an exclusive tax, paid in cash.
pub fn cash_sale_usd() -> Sale {
    let tax = TaxRate {
        basis_points: 888,
        inclusive: false,
    };
    let lines = vec![
        OrderLine {
            name: "Bagel".into(),
            quantity: 2,
            unit_price_minor: 325,
            tax,
        },
        OrderLine {
            name: "Drip coffee".into(),
            quantity: 1,
            unit_price_minor: 250,
            tax,
        },
    ];
    let usd = Currency::USD;
    let total = kassa_core::order_totals(usd, &lines).unwrap().total;
    Sale::new(
        CopyFor::Customer,
        id("O20261121183000ST010000041"),
        at("2026-11-21T18:30:05-05:00"),
        "alex",
        usd,
        lines,
        vec![Payment {
            amount: total,
            terminal: None,
            request_id: None,
            terminal_ref: None,
            details: TenderDetails::Cash {
                received: Money::new(1_000, usd),
            },
        }],
    )
    .unwrap()
}

pub fn refund(copy: CopyFor) -> RefundSlip {
    let mut refund = card_payment(krw(9_000));
    refund.request_id = Some(id("R20261121140210ST010000001"));
    refund.terminal_ref = Some("202611211402100007".into());
    if let TenderDetails::Card(c) = &mut refund.details {
        c.approval_code = Some("30019876".into());
        c.notice = None;
        c.installments = None;
    }
    RefundSlip {
        copy,
        refund_id: id("R20261121140210ST010000001"),
        at: at("2026-11-21T14:02:10+09:00"),
        cashier: "park (manager)".into(),
        original: OriginalSale {
            order_id: id("O20261121101530ST010000003"),
            at: at("2026-11-21T10:15:42+09:00"),
            amount: krw(32_800),
            payment_request_id: Some(id("P20261121101530ST010000007")),
            terminal_ref: Some("202611211015300001".into()),
        },
        lines: vec![line("아메리카노", 2, 4_500)],
        refund,
        reason: Some("주문 착오 - wrong order".into()),
    }
}

pub fn kiosk_wait() -> KioskWaitSlip {
    KioskWaitSlip {
        at: at("2026-11-21T12:31:07+09:00"),
        kiosk: "Kiosk 2 키오스크".into(),
        order_id: id("O20261121123020ST010000017"),
        attempt_id: id("P20261121123021ST010000018"),
        amount: krw(12_500),
        terminal: "Kiosk 2 (KICC)".into(),
    }
}

pub fn z_report() -> ZReport {
    let row = |terminal: &str, tender, count, amount| ZTotal {
        terminal: terminal.into(),
        tender,
        count,
        amount: krw(amount),
    };
    ZReport {
        day: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        printed_at: at("2026-11-21T22:05:00+09:00"),
        printed_by: "park (manager)".into(),
        currency: Currency::KRW,
        sales: vec![
            row("Counter 1 (N950)", Tender::Card, 42, 1_254_300),
            row("Counter 1 (N950)", Tender::Wallet, 9, 187_000),
            row("Kiosk 2 (KICC)", Tender::Card, 31, 402_500),
            row("Cash drawer 현금함", Tender::Cash, 4, 36_000),
        ],
        refunds: vec![row("Counter 1 (N950)", Tender::Card, 1, 9_000)],
        unresolved: vec![
            UnresolvedAttempt {
                kind: AttemptKind::Payment,
                request_id: id("P20261121123021ST010000018"),
                terminal: "Kiosk 2 (KICC)".into(),
                amount: krw(12_500),
                at: at("2026-11-21T12:30:21+09:00"),
                state: AttemptState::NeedsManager,
            },
            UnresolvedAttempt {
                kind: AttemptKind::Refund,
                request_id: id("R20261121194502ST010000002"),
                terminal: "Counter 1 (N950)".into(),
                amount: krw(4_500),
                at: at("2026-11-21T19:45:02+09:00"),
                state: AttemptState::Unknown,
            },
        ],
    }
}

pub fn test_page() -> TestPage {
    TestPage {
        printer: "ESC/POS 192.168.0.50:9100".into(),
        at: at("2026-11-21T09:00:00+09:00"),
    }
}

/// Every document of the snapshot matrix, by name.
pub fn documents() -> Vec<(&'static str, Document)> {
    vec![
        ("sale_customer", Document::Sale(sale(CopyFor::Customer))),
        ("sale_merchant", Document::Sale(sale(CopyFor::Merchant))),
        ("sale_cash_usd", Document::Sale(cash_sale_usd())),
        (
            "refund_customer",
            Document::Refund(refund(CopyFor::Customer)),
        ),
        (
            "refund_merchant",
            Document::Refund(refund(CopyFor::Merchant)),
        ),
        ("kiosk_wait", Document::KioskWait(kiosk_wait())),
        ("z_report", Document::ZReport(z_report())),
        ("test_page", Document::TestPage(test_page())),
    ]
}

pub fn receipt(language: Language, document: Document) -> Receipt {
    Receipt {
        store: store(),
        language,
        document,
    }
}
