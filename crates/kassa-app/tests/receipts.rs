//! Receipts built from the ledger: what each document shows comes from the order, payment,
//! refund and attempt rows and from the store settings, and card data never shows more than
//! the last four digits, nor an expiry date.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use chrono::NaiveDate;
use common::*;
use kassa_app::reports::z_report_csv;
use kassa_app::PrintSettings;
use kassa_ledger::{PrintCopy, PrintDocument};
use kassa_receipt::{layout, Document, Language, Paper};

const ORDER: &str = "O20261121101530ST01000";
const PAY: &str = "P20261121101530ST01001";

fn text(r: &kassa_receipt::Receipt, paper: Paper) -> String {
    layout(r, paper).to_text()
}

#[test]
fn a_sale_receipt_has_the_orders_lines_the_stores_header_and_the_masked_card() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    let receipt = r.svc.receipt_for(ORDER, PrintCopy::Customer, None).unwrap();
    assert_eq!(receipt.language, Language::Ko, "a KRW store prints Korean");
    let Document::Sale(sale) = &receipt.document else {
        panic!("{receipt:?}")
    };
    assert_eq!(sale.totals.total, krw(14_000));
    assert_eq!(sale.cashier, "kim");
    assert_eq!(
        sale.at.to_rfc3339(),
        "2026-11-21T10:15:31+09:00",
        "the time the ledger recorded the approval"
    );
    let t = text(&receipt, Paper::Mm80);
    for needle in [
        "Kassa Coffee 강남점",
        "123-45-67890",
        "아메리카노",
        "카페라떼 Latte",
        "14,000 KRW",
        "************0042",
        "A12345",
        "정상승인 되었습니다",
        PAY,
    ] {
        assert!(t.contains(needle), "{needle:?} missing:\n{t}");
    }
    assert!(!t.contains("541333"), "the BIN never prints:\n{t}");
    assert!(!t.contains("2812"), "the expiry date never prints:\n{t}");

    // The payment's request id names the same sale; the merchant copy signs.
    let merchant = r.svc.receipt_for(PAY, PrintCopy::Merchant, None).unwrap();
    let Document::Sale(m) = &merchant.document else {
        panic!()
    };
    assert_eq!(m.order_id.as_str(), ORDER);
    assert!(text(&merchant, Paper::Mm58).contains("서명"));
}

#[test]
fn an_order_without_an_approved_payment_has_no_receipt_but_its_attempt_has_a_wait_slip() {
    let r = rig();
    unknown_payment(&r, ORDER, PAY);
    let err = r
        .svc
        .sale_receipt(ORDER, kassa_receipt::CopyFor::Customer, None)
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert!(err.to_string().contains("no approved payment"), "{err}");

    let doc = r.svc.document_for(PAY, PrintCopy::Customer).unwrap();
    assert_eq!(
        doc,
        PrintDocument::KioskWait {
            attempt_id: PAY.into()
        }
    );
    let slip = r.svc.receipt_of(&doc, Some(Language::En)).unwrap();
    let t = text(&slip, Paper::Mm58);
    assert!(
        t.contains(PAY) && t.contains(ORDER) && t.contains("14,000"),
        "{t}"
    );
    assert!(t.to_lowercase().contains("staff"), "{t}");
}

#[test]
fn a_refund_slip_references_the_original_sale() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    refund(&r, "R20261121101600ST01002", PAY, 4_500);
    let slip = r
        .svc
        .receipt_for(
            "R20261121101600ST01002",
            PrintCopy::Customer,
            Some(Language::En),
        )
        .unwrap();
    let Document::Refund(rs) = &slip.document else {
        panic!("{slip:?}")
    };
    assert_eq!(rs.original.order_id.as_str(), ORDER);
    assert_eq!(rs.original.amount, krw(14_000));
    assert_eq!(rs.refund.amount, krw(4_500));
    assert_eq!(rs.cashier, "park");
    let t = text(&slip, Paper::Mm80);
    for needle in [
        ORDER,
        "4,500",
        "14,000",
        "TR20261121101600ST01002",
        "주문 착오",
    ] {
        assert!(t.contains(needle), "{needle:?} missing:\n{t}");
    }
    assert!(
        t.contains("************0042") && !t.contains("541333"),
        "{t}"
    );
    assert!(
        !t.contains("A12345"),
        "the sale's approval number is not the refund's:\n{t}"
    );
}

#[test]
fn the_language_follows_the_print_settings_then_the_currency() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    assert_eq!(r.svc.receipt_language().unwrap(), Language::Ko);
    let s = PrintSettings {
        language: Some(Language::En),
        ..PrintSettings::default()
    };
    r.svc.save_print_settings(&s, "manager").unwrap();
    let receipt = r.svc.receipt_for(ORDER, PrintCopy::Customer, None).unwrap();
    assert_eq!(receipt.language, Language::En);
    assert!(text(&receipt, Paper::Mm80).contains("RECEIPT"));
}

#[test]
fn the_z_report_of_a_day_counts_that_days_payments_refunds_and_open_attempts() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    paid_order(&r, "O20261121101700ST01003", "P20261121101700ST01004");
    refund(&r, "R20261121101800ST01005", PAY, 4_500);
    unknown_payment(&r, "O20261121101900ST01006", "P20261121101900ST01007");
    // The next day: a sale that must not count for the 21st.
    r.clock.advance(std::time::Duration::from_secs(24 * 3600));
    paid_order(&r, "O20261122101530ST01008", "P20261122101530ST01009");

    let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let receipt = r.svc.z_report_receipt(Some(day), "park", None).unwrap();
    let Document::ZReport(z) = &receipt.document else {
        panic!()
    };
    assert_eq!(z.day, day);
    assert_eq!(z.sales.len(), 1);
    assert_eq!((z.sales[0].count, z.sales[0].amount), (2, krw(28_000)));
    assert_eq!((z.refunds[0].count, z.refunds[0].amount), (1, krw(4_500)));
    assert_eq!(z.unresolved.len(), 1);
    assert_eq!(
        z.unresolved[0].request_id.as_str(),
        "P20261121101900ST01007"
    );

    let csv = z_report_csv(z);
    let rows: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        rows[0],
        "section,business_day,terminal,tender,count,amount,currency,request_id,state,at"
    );
    assert_eq!(rows[1], "sale,2026-11-21,counter,card,2,28000,KRW,,,");
    assert_eq!(rows[2], "refund,2026-11-21,counter,card,1,4500,KRW,,,");
    assert_eq!(rows[3], "net,2026-11-21,,,,23500,KRW,,,");
    assert!(rows[4].starts_with(
        "unresolved-payment,2026-11-21,counter,,1,14000,KRW,P20261121101900ST01007,unknown,"
    ));
    assert_eq!(rows.len(), 5);

    // A refund on the 22nd of a sale of the 21st counts on the 22nd.
    refund(
        &r,
        "R20261122101600ST01010",
        "P20261121101700ST01004",
        14_000,
    );
    let next = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let receipt = r.svc.z_report_receipt(Some(next), "park", None).unwrap();
    let Document::ZReport(z2) = &receipt.document else {
        panic!()
    };
    assert_eq!((z2.sales[0].count, z2.sales[0].amount), (1, krw(14_000)));
    assert_eq!(
        (z2.refunds[0].count, z2.refunds[0].amount),
        (1, krw(14_000))
    );
    assert!(
        z2.unresolved.is_empty(),
        "the 21st's open attempt belongs to the 21st"
    );
}

#[test]
fn the_open_periods_z_report_has_the_day_closes_figures() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    refund(&r, "R20261121101600ST01002", PAY, 4_500);
    let figures = r.svc.z_report().unwrap();
    let receipt = r
        .svc
        .z_report_receipt(None, "park", Some(Language::En))
        .unwrap();
    let Document::ZReport(z) = &receipt.document else {
        panic!()
    };
    let sold: u32 = z.sales.iter().map(|t| t.count).sum();
    let refunded: i64 = z.refunds.iter().map(|t| t.amount.minor).sum();
    assert_eq!(sold, figures.sales.count);
    assert_eq!(refunded, figures.refunds.total.minor);
    let t = text(&receipt, Paper::A4);
    assert!(
        t.contains("14,000") && t.contains("4,500") && t.contains("park"),
        "{t}"
    );
}
