//! N950 answer bodies after decryption (docs/protocols.md §1.4–§1.5): every response wire struct,
//! the result-code classification and the receipt reader, without the crypto (the
//! `n950_driver` target covers the whole path through `Codec::open` and the mapping).
//!
//! Invariants: no panic; every struct that parses writes back to JSON that reads as the same
//! struct; a call classifies as success only with status `S` and failed only with `F`; the
//! receipt's card number shows at most four digits; the receipt depends only on the fields
//! a receipt may show (an expiry date or track data next to them changes nothing).
#![no_main]

use kassa_antom::codes::{classify, CallClass, ResultCode, ResultStatus};
use kassa_antom::receipt::{card_receipt, mask_pan};
use kassa_antom::wire::{
    DiagnosisResponse, InquiryPaymentResponse, InquiryRefundResponse, PayResponse, PaymentReceipt,
    RefundResponse, ResultInfo,
};
use kassa_fuzz::{assert_masked, assert_round_trip, visible_digits};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check_result(r: &ResultInfo) {
    let class = classify(&r.result_status, &r.result_code);
    match class {
        CallClass::Success => assert_eq!(r.result_status, ResultStatus::S, "{r:?}"),
        CallClass::Failed { .. } => assert_eq!(r.result_status, ResultStatus::F, "{r:?}"),
        CallClass::Unknown => {}
    }
    // Codes keep their text whatever it is.
    assert_eq!(ResultCode::from(r.result_code.as_str()), r.result_code);
    assert_eq!(
        ResultStatus::from(r.result_status.as_str()),
        r.result_status
    );
}

/// Keys that a terminal might put into a receipt copy and that must never matter.
const NEVER_READ: &[&str] = &[
    "expiryDate",
    "expireDate",
    "cardExpiry",
    "track2",
    "track2Data",
];

/// The copy re-written through `serde_json::Value`, with the never-read keys removed when
/// `strip` is set; text that is not a JSON object stays as it is.
fn canonical(copy: &str, strip: bool) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(copy) else {
        return copy.to_string();
    };
    if let (true, Some(obj)) = (strip, v.as_object_mut()) {
        for k in NEVER_READ {
            obj.remove(*k);
        }
    }
    v.to_string()
}

fn check_receipt(receipt: &PaymentReceipt) {
    let r = card_receipt(Some(receipt));
    assert_masked(r.masked_pan.as_deref(), 4, "antom receipt");
    // Fields a receipt may not show never influence it.
    let rewrite = |strip: bool| PaymentReceipt {
        cashier_receipt: canonical(&receipt.cashier_receipt, strip),
        customer_receipt: canonical(&receipt.customer_receipt, strip),
    };
    assert_eq!(
        card_receipt(Some(&rewrite(false))),
        card_receipt(Some(&rewrite(true))),
        "an expiry date or track data changed the receipt"
    );
}

fuzz_target!(|data: &[u8]| {
    // mask_pan on any text: never more than four digits visible.
    if let Ok(text) = std::str::from_utf8(data) {
        let masked = mask_pan(text);
        assert!(
            visible_digits(&masked) <= 4,
            "mask_pan({text:?}) = {masked:?} shows more than four digits"
        );
        assert_eq!(
            masked.chars().count(),
            text.chars().count(),
            "masking keeps the length"
        );
    }
    if let Ok(r) = serde_json::from_slice::<DiagnosisResponse>(data) {
        check_result(&r.result);
        assert_round_trip(&r, "DiagnosisResponse");
    }
    if let Ok(r) = serde_json::from_slice::<PayResponse>(data) {
        check_result(&r.result);
        assert_round_trip(&r, "PayResponse");
        if let Some(receipt) = &r.payment_receipt {
            check_receipt(receipt);
        }
    }
    if let Ok(r) = serde_json::from_slice::<InquiryPaymentResponse>(data) {
        check_result(&r.result);
        assert_round_trip(&r, "InquiryPaymentResponse");
    }
    if let Ok(r) = serde_json::from_slice::<RefundResponse>(data) {
        check_result(&r.result);
        assert_round_trip(&r, "RefundResponse");
    }
    if let Ok(r) = serde_json::from_slice::<InquiryRefundResponse>(data) {
        check_result(&r.result);
        assert_round_trip(&r, "InquiryRefundResponse");
    }
    // A receipt copy straight from the input, too.
    if let Ok(text) = std::str::from_utf8(data) {
        check_receipt(&PaymentReceipt {
            cashier_receipt: String::new(),
            customer_receipt: text.to_string(),
        });
    }
});
