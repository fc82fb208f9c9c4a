//! Shared set-up of the receipt and print-queue tests: a service on a real ledger file with a
//! manual clock, a Korean café's store settings, and orders paid, refunded or left unresolved
//! by moving their attempts through the real ledger (no terminal is needed to print).

// Test helpers may fail loudly: a failed set-up should stop the test.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kassa_app::{OpenOptions, Operator, Role, Service, StoreSettings};
use kassa_core::ids::SeqEntropy;
use kassa_core::{
    Approval, CardReceipt, Currency, ManualClock, Money, OrderLine, RefundApproval, RequestId,
    Secret, TaxRate, UnknownReason,
};
use kassa_ledger::{NewOrder, NewPaymentAttempt, NewRefundAttempt, Transition};
use std::sync::Arc;
use std::time::Duration;

pub const START: &str = "2026-11-21T10:15:30+09:00";

pub struct Rig {
    pub svc: Service,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
}

pub fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::at(START));
    let svc = Service::open(OpenOptions {
        db_path: dir.path().join("kassa.db"),
        clock: clock.clone(),
        entropy: Arc::new(SeqEntropy::new(7)),
        store_code: "ST01".into(),
    })
    .unwrap();
    let store = StoreSettings {
        name: "Kassa Coffee 강남점".into(),
        address: "서울특별시 강남구 테헤란로 123".into(),
        phone: "02-555-0100".into(),
        business_number: "123-45-67890".into(),
        ..StoreSettings::default()
    };
    svc.ledger()
        .set_setting("store", &serde_json::to_value(store).unwrap())
        .unwrap();
    Rig { svc, clock, dir }
}

/// The manager "Mina" (PIN 1234), seeded and signed in.
pub fn manager(r: &Rig) -> Operator {
    r.svc
        .seed_accounts(&[("Mina", Role::Manager, "1234")])
        .unwrap();
    r.svc
        .sign_in("u1", &Secret::new("1234".to_string()))
        .unwrap()
}

/// Another till process on the same ledger file whose clock says `at`.
pub fn till_at(r: &Rig, at: &str) -> Rig {
    let clock = Arc::new(ManualClock::at(at));
    let svc = Service::open(OpenOptions {
        db_path: r.dir.path().join("kassa.db"),
        clock: clock.clone(),
        entropy: Arc::new(SeqEntropy::new(99)),
        store_code: "ST01".into(),
    })
    .unwrap();
    Rig {
        svc,
        clock,
        dir: tempfile::tempdir().unwrap(),
    }
}

pub fn krw(minor: i64) -> Money {
    Money::new(minor, Currency::KRW)
}

fn line(name: &str, quantity: u32, price: i64) -> OrderLine {
    OrderLine {
        name: name.into(),
        quantity,
        unit_price_minor: price,
        tax: TaxRate {
            basis_points: 1000,
            inclusive: true,
        },
    }
}

/// What the N950 returns: the first six and the last four digits, plus an expiry date in the
/// vendor extras that must never print.
pub fn card() -> CardReceipt {
    let mut r = CardReceipt {
        card_brand: Some("MASTERCARD".into()),
        masked_pan: Some("541333******0042".into()),
        approval_code: Some("A12345".into()),
        aid: Some("A0000000041010".into()),
        application_label: Some("MASTERCARD".into()),
        cryptogram: Some("9F26C0FFEE".into()),
        entry_mode: Some("CHIP".into()),
        reference: Some("RRN612345".into()),
        notice: Some("정상승인 되었습니다".into()),
        ..CardReceipt::default()
    };
    r.extra.insert("expiryDate".into(), "2812".into());
    r
}

/// An order of 아메리카노 x2 and 카페라떼 on terminal `counter`, created now.
pub fn order(r: &Rig, order_id: &str) -> i64 {
    let lines = vec![
        line("아메리카노", 2, 4_500),
        line("카페라떼 Latte", 1, 5_000),
    ];
    r.svc
        .ledger()
        .create_order(&NewOrder {
            id: RequestId::parse(order_id).unwrap(),
            currency: Currency::KRW,
            lines,
            cashier: "kim".into(),
        })
        .unwrap();
    14_000
}

pub fn begin(r: &Rig, order_id: &str, request_id: &str, total: i64) {
    let l = r.svc.ledger();
    l.begin_payment_attempt(&NewPaymentAttempt {
        request_id: RequestId::parse(request_id).unwrap(),
        order_id: order_id.into(),
        terminal: "counter".into(),
        amount: krw(total),
    })
    .unwrap();
    l.transition(request_id, Transition::DiagnosedOk).unwrap();
    l.transition(request_id, Transition::Sent).unwrap();
}

/// An order paid by card one second after it was rung up.
pub fn paid_order(r: &Rig, order_id: &str, request_id: &str) -> i64 {
    let total = order(r, order_id);
    begin(r, order_id, request_id, total);
    r.clock.advance(Duration::from_secs(1));
    r.svc
        .ledger()
        .transition(
            request_id,
            Transition::Approved(Approval {
                terminal_payment_id: format!("T{request_id}"),
                amount: krw(total),
                paid_at: Some("20261121101531".into()),
                receipt: card(),
                vendor_data: serde_json::json!({}),
            }),
        )
        .unwrap();
    total
}

/// A payment whose answer was lost: `unknown`.
pub fn unknown_payment(r: &Rig, order_id: &str, request_id: &str) {
    let total = order(r, order_id);
    begin(r, order_id, request_id, total);
    r.svc
        .ledger()
        .transition(request_id, Transition::Lost(UnknownReason::Timeout))
        .unwrap();
}

/// A refund of `amount` of `payment` that went through.
pub fn refund(r: &Rig, refund_id: &str, payment: &str, amount: i64) {
    let l = r.svc.ledger();
    l.begin_refund_attempt(&NewRefundAttempt {
        request_id: RequestId::parse(refund_id).unwrap(),
        payment_request_id: payment.into(),
        terminal: "counter".into(),
        amount: krw(amount),
        reason: "주문 착오".into(),
        actor: "park".into(),
        one_partial_only: false,
    })
    .unwrap();
    l.transition(refund_id, Transition::DiagnosedOk).unwrap();
    l.transition(refund_id, Transition::Sent).unwrap();
    r.clock.advance(Duration::from_secs(1));
    l.transition(
        refund_id,
        Transition::RefundApproved(RefundApproval {
            terminal_refund_id: format!("T{refund_id}"),
            amount: krw(amount),
            vendor_data: serde_json::json!({}),
        }),
    )
    .unwrap();
}
