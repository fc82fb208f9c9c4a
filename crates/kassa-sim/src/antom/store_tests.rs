//! The simulator's own rules, without HTTP.

use super::*;
use crate::antom::behaviour::RefundBehaviour;

const NOW: &str = "2026-11-21T10:15:41.000+09:00";
const STAMP: &str = "20261121101541";

fn pay_req(id: &str, value: i64) -> wire::PayRequest {
    wire::PayRequest {
        payment_request_id: id.into(),
        payment_method: "CARD".into(),
        payment_amount: Amount {
            value,
            currency: "KRW".into(),
        },
        original_merchant_order_id: None,
        original_merchant_store_id: None,
        extend_info: String::new(),
    }
}

fn code(r: &Reply) -> (&str, &str) {
    let res = &r.body["result"];
    (
        res["resultStatus"].as_str().unwrap(),
        res["resultCode"].as_str().unwrap(),
    )
}

fn pay(s: &mut Store, id: &str, value: i64, b: Behaviour) -> Reply {
    s.pay(&pay_req(id, value), || b, NOW, STAMP)
}

fn never() -> Behaviour {
    panic!("a repeated request must not consume a behaviour")
}

#[test]
fn the_same_request_id_never_charges_twice() {
    let mut s = Store::new(false);
    let first = pay(&mut s, "P1", 12500, Behaviour::Approve);
    assert_eq!(code(&first), ("S", "SUCCESS"));
    let again = s.pay(&pay_req("P1", 12500), never, NOW, STAMP);
    assert_eq!(code(&again), ("S", "SUCCESS"));
    assert_eq!(again.body["paymentId"], first.body["paymentId"]);
    let other_amount = s.pay(&pay_req("P1", 12000), never, NOW, STAMP);
    assert_eq!(
        code(&other_amount),
        ("F", "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT")
    );
    assert_eq!(s.payments().len(), 1);
    pay(&mut s, "P2", 100, Behaviour::Decline("X".into()));
    assert_eq!(
        code(&s.pay(&pay_req("P2", 100), never, NOW, STAMP)),
        ("F", "PAYMENT_FAIL")
    );
    pay(
        &mut s,
        "P3",
        100,
        Behaviour::InProgress {
            n: 1,
            then: Final::Approve,
        },
    );
    assert_eq!(
        code(&s.pay(&pay_req("P3", 100), never, NOW, STAMP)),
        ("U", "PAYMENT_IN_PROGRESS")
    );
}

#[test]
fn in_progress_counts_down_over_inquiries() {
    let mut s = Store::new(false);
    let r = pay(
        &mut s,
        "P1",
        500,
        Behaviour::InProgress {
            n: 2,
            then: Final::Decline("NO".into()),
        },
    );
    assert_eq!(code(&r), ("U", "PAYMENT_IN_PROGRESS"));
    let q = wire::InquiryPaymentRequest {
        payment_request_id: "P1".into(),
        extend_info: String::new(),
    };
    let statuses: Vec<String> = (0..4)
        .map(|_| {
            s.inquiry(&q).body["paymentStatus"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(statuses, ["PROCESSING", "PROCESSING", "FAIL", "FAIL"]);
    let none = wire::InquiryPaymentRequest {
        payment_request_id: "P9".into(),
        extend_info: String::new(),
    };
    assert_eq!(
        code(&s.inquiry(&none)),
        ("F", "DPOS_PAYMENT_ORDER_NOT_EXIST")
    );
}

#[test]
fn scripted_deliveries_record_the_charge_first() {
    let mut s = Store::new(false);
    assert_eq!(
        pay(&mut s, "A", 1, Behaviour::DropAfterCharge).delivery,
        Delivery::Drop
    );
    assert_eq!(
        pay(
            &mut s,
            "B",
            1,
            Behaviour::DelayAnswer(Duration::from_secs(9))
        )
        .delivery,
        Delivery::After(Duration::from_secs(9))
    );
    assert_eq!(
        pay(&mut s, "C", 1, Behaviour::BadSignature).delivery,
        Delivery::BadSignature
    );
    assert_eq!(
        pay(&mut s, "D", 1, Behaviour::TamperedBody).delivery,
        Delivery::Tampered
    );
    assert!(s
        .payments()
        .iter()
        .all(|p| p.status == SimPaymentStatus::Success));
    let lie = pay(&mut s, "E", 700, Behaviour::WrongAmount);
    assert_eq!(lie.body["paymentAmount"]["value"], 701);
    assert_eq!(s.payments()[4].amount, 700, "the store keeps the truth");
    assert_eq!(
        code(&pay(&mut s, "F", 1, Behaviour::TerminalBusy)),
        ("F", "TERMINAL_BUSY")
    );
    assert_eq!(s.payments().len(), 5, "busy records nothing");
    assert_eq!(
        code(&pay(&mut s, "bad-id", 1, Behaviour::Approve)),
        ("F", "PARAM_ILLEGAL")
    );
}

fn refund_req(rid: &str, payment_id: &str, amount: Option<i64>) -> wire::RefundRequest {
    wire::RefundRequest {
        refund_request_id: rid.into(),
        payment_id: payment_id.into(),
        refund_amount: amount.map(|value| Amount {
            value,
            currency: "KRW".into(),
        }),
        memo: None,
        original_merchant_refund_id: None,
        extend_info: String::new(),
    }
}

fn paid(s: &mut Store, value: i64) -> String {
    let r = pay(
        s,
        &format!("P{}", s.payments().len()),
        value,
        Behaviour::Approve,
    );
    r.body["paymentId"].as_str().unwrap().to_string()
}

#[test]
fn customer_mode_off_allows_only_full_refunds() {
    let mut s = Store::new(false);
    let pid = paid(&mut s, 10000);
    let partial = s.refund(
        &refund_req("R1", &pid, Some(4000)),
        || RefundBehaviour::Approve,
        STAMP,
    );
    assert_eq!(code(&partial), ("F", "PARAM_ILLEGAL"));
    let full = s.refund(
        &refund_req("R2", &pid, None),
        || RefundBehaviour::Approve,
        STAMP,
    );
    assert_eq!(code(&full), ("S", "SUCCESS"));
    let twice = s.refund(
        &refund_req("R3", &pid, None),
        || RefundBehaviour::Approve,
        STAMP,
    );
    assert_eq!(code(&twice), ("F", "DPOS_PAYMENT_ORDER_IS_CLOSED"));
    let same = s.refund(
        &refund_req("R2", &pid, None),
        || panic!("idempotent"),
        STAMP,
    );
    assert_eq!(same.body["refundId"], full.body["refundId"]);
    let changed = s.refund(
        &refund_req("R2", &pid, Some(10)),
        || panic!("idempotent"),
        STAMP,
    );
    assert_eq!(
        code(&changed),
        ("F", "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT")
    );
}

#[test]
fn customer_mode_on_allows_one_partial_and_never_more_than_paid() {
    let mut s = Store::new(true);
    let pid = paid(&mut s, 10000);
    let ok = |r: &Reply| code(r) == ("S", "SUCCESS");
    assert!(ok(&s.refund(
        &refund_req("R1", &pid, Some(4000)),
        || RefundBehaviour::Approve,
        STAMP
    )));
    let second = s.refund(
        &refund_req("R2", &pid, Some(1000)),
        || RefundBehaviour::Approve,
        STAMP,
    );
    assert_eq!(code(&second), ("F", "DPOS_PAYMENT_ORDER_STATUS_INVALID"));
    let full = s.refund(
        &refund_req("R3", &pid, None),
        || RefundBehaviour::Approve,
        STAMP,
    );
    assert_eq!(
        code(&full),
        ("F", "PARAM_ILLEGAL"),
        "a full refund on top would exceed the payment"
    );
    let pid2 = paid(&mut s, 10000);
    let more = s.refund(
        &refund_req("R4", &pid2, Some(10001)),
        || RefundBehaviour::Approve,
        STAMP,
    );
    assert_eq!(code(&more), ("F", "PARAM_ILLEGAL"));
    let missing = s.refund(
        &refund_req("R5", "nope", None),
        || RefundBehaviour::Approve,
        STAMP,
    );
    assert_eq!(code(&missing), ("F", "DPOS_PAYMENT_ORDER_NOT_EXIST"));
}

#[test]
fn one_refund_in_flight_per_payment() {
    let mut s = Store::new(true);
    let pid = paid(&mut s, 10000);
    let held = s.refund(
        &refund_req("R1", &pid, Some(3000)),
        || RefundBehaviour::Hold(Duration::from_secs(60)),
        STAMP,
    );
    assert_eq!(held.settle_refund.as_deref(), Some("R1"));
    let other = s.refund(
        &refund_req("R2", &pid, None),
        || RefundBehaviour::Approve,
        STAMP,
    );
    assert_eq!(code(&other), ("F", "DPOS_PAYMENT_ORDER_STATUS_INVALID"));
    let same = s.refund(
        &refund_req("R1", &pid, Some(3000)),
        || panic!("idempotent"),
        STAMP,
    );
    assert_eq!(code(&same), ("U", "REFUND_IN_PROCESS"));
    s.settle_refund("R1");
    let q = wire::InquiryRefundRequest {
        refund_id: held.body["refundId"].as_str().unwrap().into(),
        extend_info: String::new(),
    };
    assert_eq!(s.inquiry_refund(&q).body["refundStatus"], "SUCCESS");
}
