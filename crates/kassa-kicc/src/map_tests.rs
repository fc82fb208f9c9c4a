//! Unit tests of the vendor-to-core mapping.

use super::*;
use kassa_core::{RefundRequest, RequestId};
use serde_json::json;

fn krw(won: i64) -> Money {
    Money::new(won, Currency::KRW)
}

fn success(request_id: &str, amount: &str) -> ResponseData {
    serde_json::from_value(json!({
        "requestId": request_id,
        "paymentAmount": {"value": amount, "currency": "KRW"},
        "taxAmount": {"value": "9", "currency": "KRW"},
        "tipAmount": {"value": "0", "currency": "KRW"},
        "creditPayPlan": {"installmentNum": "0"},
        "result": {"resultCode": "SUCCESS", "resultMessage": ""},
        "acquirerInfo": {
            "acquirerTransactionId": "T0001", "acquirerApprovalNum": "16263485",
            "acquirerMerchantId": "608525310521", "acquirerName": "KICC",
            "acquirerTerminalId": "0788888", "notice": " 매입사제출테스트 거래임",
            "acquirerMetaData": "META==", "signData": "SIGNATURE-IMAGE"
        },
        "paymentResultInfo": {"cardBin": "52364979", "paymentMethodId": "WALLET-BARCODE-1",
                              "issuerCode": "BC", "funding": "CREDIT",
                              "paymentMethodRegion": "KR", "paymentMethodType": "CARD"}
    }))
    .unwrap()
}

#[test]
fn command_errors_split_into_nothing_done_not_now_and_unknown() {
    use CommandErrorCode as C;
    for code in C::ALL {
        let v = command_verdict(*code, "msg");
        match code {
            C::CommandDeviceBusy => {
                assert!(matches!(v, CommandVerdict::NotDone(RequestError::Busy(_))))
            }
            C::CommandNotSupport => {
                assert!(matches!(
                    v,
                    CommandVerdict::NotDone(RequestError::Unsupported(_))
                ))
            }
            C::CommandParamError => assert!(matches!(
                v,
                CommandVerdict::NotDone(RequestError::Config(_))
            )),
            C::CommandInvalid => assert!(matches!(v, CommandVerdict::NotNow(_))),
            C::CommandResponseTimeout => {
                assert_eq!(
                    v,
                    CommandVerdict::Unknown(UnknownReason::Timeout),
                    "sent, no answer"
                )
            }
            C::CommandInvalidResponse => {
                assert!(matches!(
                    v,
                    CommandVerdict::Unknown(UnknownReason::Malformed(_))
                ))
            }
        }
    }
    let CommandVerdict::NotDone(busy) = command_verdict(C::CommandDeviceBusy, "") else {
        panic!()
    };
    assert!(
        busy.to_string().contains("wait a moment and try again"),
        "{busy}"
    );
    assert!(busy.to_string().contains("nothing was charged"), "{busy}");
}

#[test]
fn business_failures_are_declines_with_the_vendor_reason_except_the_two_that_prove_nothing() {
    for code in BusinessCode::ALL {
        let v = business_verdict(*code, "카드 잔액 부족");
        match code {
            BusinessCode::RepeatReqReject | BusinessCode::Unknown => {
                assert!(
                    matches!(v, BusinessVerdict::Unknown(_)),
                    "{code} must go to recovery"
                )
            }
            _ => {
                let BusinessVerdict::Declined(d) = v else {
                    panic!("{code} is a decline")
                };
                assert_eq!(d.code, code.as_str());
                assert_eq!(d.message, "카드 잔액 부족", "the vendor's reason is kept");
            }
        }
    }
    let BusinessVerdict::Declined(d) = business_verdict(BusinessCode::UserBalanceNotEnough, " ")
    else {
        panic!()
    };
    assert!(d.retryable && d.message.contains("another card"), "{d:?}");
    let BusinessVerdict::Declined(d) = business_verdict(BusinessCode::ProcessFail, "") else {
        panic!()
    };
    assert!(!d.retryable, "PROCESS_FAIL: do not retry");
}

#[test]
fn unrecognised_business_codes_are_not_taken_as_declines() {
    let v =
        business_failure(&json!({"result": {"resultCode": "CARD_ON_FIRE", "resultMessage": "?"}}));
    assert!(matches!(
        v,
        BusinessVerdict::Unknown(UnknownReason::Malformed(_))
    ));
    let v = business_failure(
        &json!({"requestId": "x", "result": {"resultCode": "PROCESS_FAIL",
                                      "resultMessage": "Please check network"}}),
    );
    assert!(matches!(v, BusinessVerdict::Declined(ref d) if d.message == "Please check network"));
}

#[test]
fn an_approval_keeps_receipt_safe_fields_and_what_a_cancel_needs_only() {
    let a = approval_from(&success("P1", "104"), "P1", krw(104)).unwrap();
    assert_eq!(
        a.terminal_payment_id, "P1",
        "the request id, unique by construction"
    );
    assert_eq!(a.amount, krw(104));
    let r = &a.receipt;
    assert_eq!(r.approval_code.as_deref(), Some("16263485"));
    assert_eq!(r.reference.as_deref(), Some("T0001"));
    assert_eq!(
        r.masked_pan.as_deref(),
        Some("523649**"),
        "the BIN is masked past six digits"
    );
    assert_eq!(r.card_brand.as_deref(), Some("BC"));
    assert_eq!(r.notice.as_deref(), Some("매입사제출테스트 거래임"));
    assert_eq!(r.extra.get("funding").map(String::as_str), Some("CREDIT"));
    let vd: KiccVendorData = serde_json::from_value(a.vendor_data.clone()).unwrap();
    assert_eq!(vd.acquirer_meta_data.as_deref(), Some("META=="));
    assert_eq!(
        (vd.payment_amount, vd.tax_amount, vd.tip_amount),
        (104, 9, 0)
    );
    let all = serde_json::to_string(&a).unwrap();
    for secret in ["52364979", "SIGNATURE-IMAGE", "WALLET-BARCODE-1"] {
        assert!(!all.contains(secret), "{secret} must not be stored: {all}");
    }
}

#[test]
fn approvals_sharing_an_approval_number_get_distinct_ids() {
    // Approval numbers repeat (per terminal, per day, per acquirer); some answers carry no
    // acquirer serial at all. Two such approvals must still be two payments.
    let bare = |rid: &str| {
        let mut r = success(rid, "104");
        let acq = r.acquirer_info.as_mut().unwrap();
        acq.acquirer_transaction_id = None;
        acq.acquirer_approval_num = Some("16263485".into());
        r
    };
    let a = approval_from(&bare("P1"), "P1", krw(104)).unwrap();
    let b = approval_from(&bare("P2"), "P2", krw(104)).unwrap();
    assert_ne!(a.terminal_payment_id, b.terminal_payment_id);
    for x in [&a, &b] {
        assert_ne!(
            x.terminal_payment_id, "16263485",
            "never a bare approval number"
        );
        assert_eq!(
            x.receipt.approval_code.as_deref(),
            Some("16263485"),
            "kept on the receipt"
        );
    }
    let refund = |rid: &str| {
        let mut r = bare(rid);
        r.extend_info = None;
        refund_approval_from(&r, rid, krw(104)).unwrap()
    };
    let (r1, r2) = (refund("R1"), refund("R2"));
    assert_ne!(r1.terminal_refund_id, r2.terminal_refund_id);
    assert_ne!(r1.terminal_refund_id, "16263485");
    assert_eq!(r1.vendor_data["acquirerApprovalNum"], "16263485");
}

#[test]
fn a_success_about_something_else_is_not_an_approval() {
    assert!(matches!(
        approval_from(&success("P2", "104"), "P1", krw(104)),
        Err(UnknownReason::Mismatch(_))
    ));
    assert!(matches!(
        approval_from(&success("P1", "105"), "P1", krw(104)),
        Err(UnknownReason::Mismatch(_))
    ));
    let mut r = success("P1", "104");
    r.result = Some(crate::wire::ResultInfo {
        result_code: "PROCESS_FAIL".into(),
        result_message: String::new(),
    });
    assert!(matches!(
        approval_from(&r, "P1", krw(104)),
        Err(UnknownReason::Malformed(_))
    ));
    let mut r = success("P1", "104");
    r.payment_amount = Some(AmountValue {
        value: json!("104"),
        currency: "USD".into(),
    });
    assert!(approval_from(&r, "P1", krw(104)).is_err(), "KRW only");
}

#[test]
fn masking_refuses_what_is_not_a_bin() {
    assert_eq!(mask_bin("123456").as_deref(), Some("123456"));
    assert_eq!(mask_bin("12345"), None);
    assert_eq!(mask_bin("5236-4979"), None);
}

fn last(cmd: &str, request_id: &str, amount: &str, code: &str) -> ResponseData {
    let mut r = success(request_id, amount);
    r.response_command = Some(cmd.into());
    r.result = Some(crate::wire::ResultInfo {
        result_code: code.into(),
        result_message: "m".into(),
    });
    r
}

#[test]
fn the_last_transaction_is_trusted_only_when_request_id_and_amount_match() {
    let q = PaymentQuery {
        request_id: RequestId::parse("P1").unwrap(),
        amount: krw(104),
    };
    let ok = last_purchase_status(&last("Purchase", "P1", "104", "SUCCESS"), &q).unwrap();
    assert!(matches!(ok, PaymentStatus::Succeeded(ref a) if a.terminal_payment_id == "P1"));
    let declined = last_purchase_status(
        &last("Purchase", "P1", "104", "USER_BALANCE_NOT_ENOUGH"),
        &q,
    );
    assert!(
        matches!(declined, Ok(PaymentStatus::Failed(ref d)) if d.code == "USER_BALANCE_NOT_ENOUGH")
    );
    for (cmd, id, amount) in [
        ("Purchase", "P0", "104"),
        ("Purchase", "P1", "103"),
        ("PurchaseCancel", "P1", "104"),
    ] {
        let r = last_purchase_status(&last(cmd, id, amount, "SUCCESS"), &q);
        assert!(
            matches!(
                r,
                Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
            ),
            "{cmd} {id} {amount}: {r:?}"
        );
    }
    let r = last_purchase_status(&last("Purchase", "P1", "104", "UNKNOWN"), &q);
    assert!(
        matches!(r, Err(InquiryError::Untrustworthy(_))),
        "UNKNOWN proves nothing"
    );
}

#[test]
fn the_last_cancel_answers_a_refund_query() {
    let payment = kassa_core::PaymentRef {
        request_id: RequestId::parse("P1").unwrap(),
        terminal_payment_id: "T0001".into(),
        amount: krw(104),
        vendor_data: json!({}),
    };
    let request = RefundRequest {
        refund_request_id: RequestId::parse("R1").unwrap(),
        payment,
        amount: krw(104),
        reason: String::new(),
    };
    let q = RefundQuery {
        request,
        terminal_refund_id: None,
    };
    let ok = last_cancel_status(&last("PurchaseCancel", "R1", "104", "SUCCESS"), &q).unwrap();
    assert!(matches!(ok, RefundStatus::Succeeded(ref a) if a.amount == krw(104)));
    assert!(last_cancel_status(&last("Purchase", "R1", "104", "SUCCESS"), &q).is_err());
}
