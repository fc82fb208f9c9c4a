//! Tests of the answer-to-outcome rules in `map.rs`.

use super::*;
use kassa_core::{Currency, PaymentRef, RequestId};

fn krw(minor: i64) -> Money {
    Money::new(minor, Currency::KRW)
}

fn result(status: &str, code: &str) -> wire::ResultInfo {
    wire::ResultInfo {
        result_status: status.into(),
        result_code: code.into(),
        result_message: format!("{code} message"),
    }
}

fn amt(value: i64, currency: &str) -> Option<wire::Amount> {
    Some(wire::Amount {
        value,
        currency: currency.into(),
    })
}

fn pay_resp(status: &str, code: &str) -> wire::PayResponse {
    wire::PayResponse {
        result: result(status, code),
        payment_request_id: Some("P1".into()),
        payment_id: Some("2026112119074101000000001".into()),
        payment_amount: amt(12500, "KRW"),
        payment_time: Some("2026-11-21T10:15:41+09:00".into()),
        payment_receipt: Some(wire::PaymentReceipt {
            cashier_receipt: String::new(),
            customer_receipt: r#"{"cardNo":"411111******1111","approvalCode":"30012345"}"#.into(),
        }),
    }
}

fn pay(resp: &wire::PayResponse) -> PayOutcome {
    super::pay("P1", &krw(12500), "CARD", resp)
}

fn unknown_reason(o: PayOutcome) -> UnknownReason {
    match o {
        PayOutcome::Unknown { reason } => reason,
        other => panic!("expected unknown, got {other:?}"),
    }
}

#[test]
fn pay_success_is_approved_with_receipt() {
    let PayOutcome::Approved(a) = pay(&pay_resp("S", "SUCCESS")) else {
        panic!("not approved")
    };
    assert_eq!(a.terminal_payment_id, "2026112119074101000000001");
    assert_eq!(a.amount, krw(12500));
    assert_eq!(a.receipt.masked_pan.as_deref(), Some("************1111"));
    assert_eq!(a.receipt.approval_code.as_deref(), Some("30012345"));
    assert_eq!(a.vendor_data["paymentId"], "2026112119074101000000001");
}

#[test]
fn pay_success_that_is_not_about_this_request_is_unknown() {
    let mut r = pay_resp("S", "SUCCESS");
    r.payment_request_id = Some("P2".into());
    assert!(matches!(
        unknown_reason(pay(&r)),
        UnknownReason::Mismatch(_)
    ));
    let mut r = pay_resp("S", "SUCCESS");
    r.payment_amount = amt(12501, "KRW");
    assert!(matches!(
        unknown_reason(pay(&r)),
        UnknownReason::Mismatch(_)
    ));
    let mut r = pay_resp("S", "SUCCESS");
    r.payment_amount = amt(12500, "JPY");
    assert!(matches!(
        unknown_reason(pay(&r)),
        UnknownReason::Mismatch(_)
    ));
    let mut r = pay_resp("S", "SUCCESS");
    r.payment_id = Some(" ".into());
    assert!(matches!(
        unknown_reason(pay(&r)),
        UnknownReason::Malformed(_)
    ));
    // Echoes are optional: a success without them is still this payment's.
    let mut r = pay_resp("S", "SUCCESS");
    r.payment_request_id = None;
    r.payment_amount = None;
    assert!(matches!(pay(&r), PayOutcome::Approved(_)));
}

#[test]
fn pay_failures_decline_and_busy_is_retryable() {
    let PayOutcome::Declined(d) = pay(&pay_resp("F", "PAYMENT_FAIL")) else {
        panic!()
    };
    assert_eq!((d.code.as_str(), d.retryable), ("PAYMENT_FAIL", false));
    let PayOutcome::Declined(d) = pay(&pay_resp("F", "TERMINAL_BUSY")) else {
        panic!()
    };
    assert!(d.retryable);
    let PayOutcome::Declined(d) = pay(&pay_resp("F", "SOME_NEW_DECLINE")) else {
        panic!()
    };
    assert_eq!(d.code, "SOME_NEW_DECLINE");
}

#[test]
fn pay_not_final_answers_are_unknown() {
    for (s, c) in [
        ("U", "PAYMENT_IN_PROGRESS"),
        ("U", "UNKNOWN_EXCEPTION"),
        ("U", "NEW"),
        ("F", "SUCCESS"),
    ] {
        assert!(
            matches!(
                unknown_reason(pay(&pay_resp(s, c))),
                UnknownReason::NotFinal(_)
            ),
            "{s} {c}"
        );
    }
}

fn query() -> PaymentQuery {
    PaymentQuery {
        request_id: RequestId::parse("P1").unwrap(),
        amount: krw(12500),
    }
}

fn inq(status: &str) -> wire::InquiryPaymentResponse {
    wire::InquiryPaymentResponse {
        result: result("S", "SUCCESS"),
        payment_request_id: Some("P1".into()),
        payment_id: Some("PID1".into()),
        payment_status: Some(status.into()),
        payment_amount: amt(12500, "KRW"),
        payment_method: Some("CARD".into()),
        payment_create_time: None,
        payment_time: Some("2026-11-21T10:15:41+09:00".into()),
    }
}

#[test]
fn inquiry_statuses_map_as_documented() {
    let Ok(PaymentStatus::Succeeded(a)) = inquiry(&query(), "CARD", &inq("SUCCESS")) else {
        panic!()
    };
    assert_eq!(
        (a.terminal_payment_id.as_str(), a.amount),
        ("PID1", krw(12500))
    );
    for s in ["FAIL", "CANCELLED"] {
        assert!(
            matches!(
                inquiry(&query(), "CARD", &inq(s)),
                Ok(PaymentStatus::Failed(_))
            ),
            "{s}"
        );
    }
    for s in ["PROCESSING", "PENDING", "SOMETHING_NEW"] {
        assert_eq!(
            inquiry(&query(), "CARD", &inq(s)),
            Ok(PaymentStatus::Pending),
            "{s}"
        );
    }
    let mut r = inq("SUCCESS");
    r.result = result("F", "DPOS_PAYMENT_ORDER_NOT_EXIST");
    assert_eq!(inquiry(&query(), "CARD", &r), Ok(PaymentStatus::NotFound));
    r.result = result("F", "INVALID_SIGNATURE");
    assert!(matches!(
        inquiry(&query(), "CARD", &r),
        Err(InquiryError::Unreachable(_))
    ));
    r.result = result("U", "UNKNOWN_EXCEPTION");
    assert!(matches!(
        inquiry(&query(), "CARD", &r),
        Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(_)))
    ));
}

#[test]
fn inquiry_success_must_match_the_query_exactly() {
    let mismatch = |r: &wire::InquiryPaymentResponse| {
        matches!(
            inquiry(&query(), "CARD", r),
            Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
        )
    };
    let mut r = inq("SUCCESS");
    r.payment_amount = amt(1250, "KRW");
    assert!(mismatch(&r));
    let mut r = inq("SUCCESS");
    r.payment_amount = amt(12500, "USD");
    assert!(mismatch(&r));
    let mut r = inq("SUCCESS");
    r.payment_request_id = Some("P9".into());
    assert!(mismatch(&r));
    let mut r = inq("SUCCESS");
    r.payment_request_id = None;
    assert!(mismatch(&r), "a success must name its request");
    let mut r = inq("SUCCESS");
    r.payment_amount = None;
    assert!(mismatch(&r), "a success must state its amount");
    let mut r = inq("SUCCESS");
    r.payment_status = None;
    assert!(matches!(
        inquiry(&query(), "CARD", &r),
        Err(InquiryError::Untrustworthy(UnknownReason::Malformed(_)))
    ));
}

fn diag(global: &str, network: &str, printer: Option<&str>) -> Diagnosis {
    diagnosis(&wire::DiagnosisResponse {
        result: result("S", "SUCCESS"),
        network_status: Some(network.into()),
        printer_status: printer.map(str::to_string),
        global_status: Some(global.into()),
    })
}

#[test]
fn diagnosis_needs_global_and_network() {
    let d = diag("Y", "Y", Some("N"));
    assert!(d.ready, "the printer does not stop a payment");
    assert_eq!(d.checks.len(), 3);
    assert!(!d.checks["printer"]);
    assert!(d.detail.is_empty());
    for (g, n) in [("N", "Y"), ("Y", "N"), ("N", "N")] {
        let d = diag(g, n, Some("Y"));
        assert!(!d.ready, "{g}{n}");
        assert!(d.detail.contains("not ready"), "{}", d.detail);
    }
    let d = diag("Y", "Y", None);
    assert!(d.ready && d.checks.contains_key("printer") && !d.checks["printer"]);
    let refused = diagnosis(&wire::DiagnosisResponse {
        result: result("F", "CLIENT_INVALID"),
        network_status: None,
        printer_status: None,
        global_status: None,
    });
    assert!(!refused.ready && refused.detail.contains("CLIENT_INVALID"));
}

fn refund_req(amount: i64) -> RefundRequest {
    RefundRequest {
        refund_request_id: RequestId::parse("R1").unwrap(),
        payment: PaymentRef {
            request_id: RequestId::parse("P1").unwrap(),
            terminal_payment_id: "PID1".into(),
            amount: krw(12500),
            vendor_data: serde_json::Value::Null,
        },
        amount: krw(amount),
        reason: String::new(),
    }
}

fn refund_resp(status: &str, code: &str, refund_id: Option<&str>) -> wire::RefundResponse {
    wire::RefundResponse {
        result: result(status, code),
        refund_request_id: Some("R1".into()),
        refund_id: refund_id.map(str::to_string),
        refund_amount: None,
    }
}

#[test]
fn refund_answers_map_with_their_refund_id() {
    let RefundOutcome::Approved(a) = refund(
        &refund_req(12500),
        &refund_resp("S", "SUCCESS", Some("RID")),
    ) else {
        panic!()
    };
    assert_eq!(
        (a.terminal_refund_id.as_str(), a.amount),
        ("RID", krw(12500))
    );
    assert!(matches!(
        refund(&refund_req(12500), &refund_resp("S", "SUCCESS", None)),
        RefundOutcome::Unknown {
            reason: UnknownReason::Malformed(_),
            terminal_refund_id: None
        }
    ));
    assert!(matches!(
        refund(
            &refund_req(12500),
            &refund_resp("F", "DPOS_PAYMENT_ORDER_IS_CLOSED", None)
        ),
        RefundOutcome::Declined(_)
    ));
    let RefundOutcome::Unknown {
        terminal_refund_id, ..
    } = refund(
        &refund_req(12500),
        &refund_resp("U", "UNKNOWN_EXCEPTION", Some("RID")),
    )
    else {
        panic!()
    };
    assert_eq!(
        terminal_refund_id.as_deref(),
        Some("RID"),
        "the id is kept for the inquiry"
    );
    let mut wrong = refund_resp("S", "SUCCESS", Some("RID"));
    wrong.refund_amount = amt(100, "KRW");
    assert!(matches!(
        refund(&refund_req(5000), &wrong),
        RefundOutcome::Unknown {
            reason: UnknownReason::Mismatch(_),
            ..
        }
    ));
    let mut other = refund_resp("S", "SUCCESS", Some("RID"));
    other.refund_request_id = Some("R2".into());
    assert!(matches!(
        refund(&refund_req(12500), &other),
        RefundOutcome::Unknown {
            reason: UnknownReason::Mismatch(_),
            ..
        }
    ));
}

fn inq_refund(status: &str) -> wire::InquiryRefundResponse {
    wire::InquiryRefundResponse {
        result: result("S", "SUCCESS"),
        refund_id: Some("RID".into()),
        refund_status: Some(status.into()),
        refund_time: None,
        payment_id: Some("PID1".into()),
        refund_amount: None,
    }
}

#[test]
fn refund_inquiry_statuses_and_checks() {
    let req = refund_req(12500);
    assert!(matches!(
        inquiry_refund(&req, "RID", &inq_refund("SUCCESS")),
        Ok(RefundStatus::Succeeded(_))
    ));
    assert!(matches!(
        inquiry_refund(&req, "RID", &inq_refund("FAILED")),
        Ok(RefundStatus::Failed(_))
    ));
    assert_eq!(
        inquiry_refund(&req, "RID", &inq_refund("PENDING")),
        Ok(RefundStatus::Pending)
    );
    let mut r = inq_refund("SUCCESS");
    r.payment_id = Some("PID2".into());
    assert!(matches!(
        inquiry_refund(&req, "RID", &r),
        Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
    ));
    let mut r = inq_refund("SUCCESS");
    r.result = result("F", "DPOS_REFUND_KEY_NOT_FOUND");
    assert_eq!(inquiry_refund(&req, "RID", &r), Ok(RefundStatus::NotFound));
}

#[test]
fn a_resent_refund_teaches_only_its_refund_id_and_an_f_to_the_repeat_proves_nothing() {
    let req = refund_req(12500);
    assert_eq!(
        resent_refund(refund(&req, &refund_resp("S", "SUCCESS", Some("RID")))),
        Ok(Resent::RefundId("RID".into()))
    );
    assert!(matches!(
        resent_refund(refund(
            &req,
            &refund_resp("F", "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT", None)
        )),
        Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
    ));
    // The first refund may have taken the money: an F to the repeat keeps it unknown.
    for code in [
        "DPOS_PAYMENT_ORDER_IS_CLOSED",
        "PROCESS_FAIL",
        "SOMETHING_NEW",
    ] {
        let got = resent_refund(refund(&req, &refund_resp("F", code, None)));
        assert!(
            matches!(got, Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(ref m))) if m.contains(code)),
            "{code}: {got:?}"
        );
    }
    assert_eq!(
        resent_refund(refund(&req, &refund_resp("U", "X", None))),
        Ok(Resent::Pending)
    );
}

#[test]
fn a_decline_without_a_message_still_says_something() {
    let mut resp = refund_resp("F", "PROCESS_FAIL", None);
    resp.result.result_message = " ".into();
    let RefundOutcome::Declined(d) = refund(&refund_req(12500), &resp) else {
        panic!()
    };
    assert_eq!(d.code, "PROCESS_FAIL");
    assert!(
        !d.message.trim().is_empty() && d.message.contains("PROCESS_FAIL"),
        "{d:?}"
    );
    resp.result.result_message = "refund not allowed".into();
    let RefundOutcome::Declined(d) = refund(&refund_req(12500), &resp) else {
        panic!()
    };
    assert_eq!(d.message, "refund not allowed");
}
