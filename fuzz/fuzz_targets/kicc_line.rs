//! KICC bridge lines (docs/protocols.md §3.2) as the POS reads them: the JSON-lines codec over a
//! stream cut into reads of any size, the `Frame` wire type, and what the driver does with
//! each frame — event codes and the countdown/cancel rules, command and business failures,
//! and `responseData` mapped to approvals, refunds and GetLastTransaction verdicts.
//!
//! Input: byte 0 sets the reader's buffer size and a line limit for the raw line reader, the
//! rest is the byte stream from the bridge.
//!
//! Invariants: no panic; a line never exceeds its limit and never holds a newline; every frame
//! that parses encodes to one line that reads back as the same frame; an approval (purchase,
//! cancel or last transaction) is only ever about the asked request id, amount in KRW and a
//! `SUCCESS` code; a decline only for a known business code that proves nothing happened;
//! once the card is read, cancelling is never offered again; the receipt never shows more
//! of the card than the six-digit BIN prefix, and the wallet barcode and signature image
//! never reach the receipt or the vendor data.
#![no_main]

use kassa_core::{
    Currency, Money, PaymentQuery, PaymentRef, PaymentStatus, RefundQuery, RefundRequest,
    RefundStatus, RequestId,
};
use kassa_fuzz::{assert_masked, block_on, json_eq, split_first};
use kassa_kicc::codec::{encode_frame, read_frame, read_line_limited, LineError};
use kassa_kicc::codes::{BusinessCode, CommandErrorCode, EventCode, InitCode};
use kassa_kicc::map::{
    approval_from, business_failure, command_verdict, last_cancel_status, last_purchase_status,
    receipt_from, refund_approval_from, BusinessVerdict,
};
use kassa_kicc::wire::{Frame, ResponseData, CMD_PURCHASE, CMD_PURCHASE_CANCEL};
use kassa_kicc::{EventTracker, KiccConfig};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokio::io::BufReader;

fn cfg() -> KiccConfig {
    KiccConfig {
        host: "127.0.0.1".into(),
        port: 7800,
        merchant_id: "M100".into(),
        acquirer_terminal_id: "0788888".into(),
        registration_no: "0216001234".into(),
        pairing_key_file: "kicc-bridge.key".into(),
        payment_expiry_secs: 30,
        timing: KiccConfig::default_timing(),
    }
}

/// The request id and KRW amount the answer claims, when both are usable as a query.
fn claimed(r: &ResponseData) -> Option<(RequestId, Money)> {
    let id = RequestId::parse(r.request_id.as_deref()?).ok()?;
    let amount = kassa_kicc::map::krw_amount(r.payment_amount.as_ref()?)?;
    Some((id, amount))
}

fn code_of(r: &ResponseData) -> &str {
    r.result
        .as_ref()
        .map(|x| x.result_code.as_str())
        .unwrap_or("")
}

/// The receipt and vendor data must not depend on card data Kassa never keeps.
fn without_card_secrets(r: &ResponseData) -> ResponseData {
    let mut clean = r.clone();
    if let Some(a) = clean.acquirer_info.as_mut() {
        a.sign_data = None;
    }
    if let Some(p) = clean.payment_result_info.as_mut() {
        p.payment_method_id = None;
    }
    clean
}

fn check_response(r: &ResponseData) {
    let receipt = receipt_from(r);
    // KICC's device only reports the BIN: the receipt shows its first six digits.
    assert_masked(receipt.masked_pan.as_deref(), 6, "kicc receipt");
    let clean = without_card_secrets(r);
    assert_eq!(
        receipt,
        receipt_from(&clean),
        "card secrets changed the receipt"
    );

    // Asked about another request or amount: never an approval.
    let other_id = format!("{}X", r.request_id.as_deref().unwrap_or(""));
    assert!(approval_from(r, &other_id, Money::new(1, Currency::KRW)).is_err());
    if let Some(claimed) = r
        .payment_amount
        .as_ref()
        .and_then(kassa_kicc::map::krw_amount)
    {
        let more = Money::new(claimed.minor.wrapping_add(1), Currency::KRW);
        let id = r.request_id.as_deref().unwrap_or("");
        assert!(
            approval_from(r, id, more).is_err(),
            "approved for another amount"
        );
    }

    let Some((id, amount)) = claimed(r) else {
        return;
    };
    let success = code_of(r) == "SUCCESS";
    match approval_from(r, id.as_str(), amount) {
        Ok(a) => {
            assert!(success, "approved with code {:?}", code_of(r));
            assert_eq!(a.amount, amount);
            let again = approval_from(&clean, id.as_str(), amount).expect("same answer");
            assert_eq!(
                a.vendor_data, again.vendor_data,
                "card secrets in vendor data"
            );
            assert_eq!(a.receipt, again.receipt);
        }
        Err(_) => assert!(!success, "a matching SUCCESS was not approved: {r:?}"),
    }
    if let Ok(a) = refund_approval_from(r, id.as_str(), amount) {
        assert!(success);
        assert_eq!(a.amount, amount);
    }
    let q = PaymentQuery {
        request_id: id.clone(),
        amount,
    };
    match last_purchase_status(r, &q) {
        Ok(PaymentStatus::Succeeded(a)) => {
            assert!(success);
            assert_eq!(r.response_command.as_deref(), Some(CMD_PURCHASE));
            assert_eq!(a.amount, amount);
        }
        Ok(PaymentStatus::Failed(d)) => {
            assert_eq!(r.response_command.as_deref(), Some(CMD_PURCHASE));
            assert_declinable(&d.code);
        }
        Ok(other) => panic!("GetLastTransaction cannot say {other:?}"),
        Err(_) => {}
    }
    let refund = RefundQuery {
        request: RefundRequest {
            refund_request_id: id.clone(),
            payment: PaymentRef {
                request_id: RequestId::parse("KS1").expect("valid id"),
                terminal_payment_id: "T1".into(),
                amount,
                vendor_data: json!({}),
            },
            amount,
            reason: String::new(),
        },
        terminal_refund_id: None,
    };
    match last_cancel_status(r, &refund) {
        Ok(RefundStatus::Succeeded(a)) => {
            assert!(success);
            assert_eq!(r.response_command.as_deref(), Some(CMD_PURCHASE_CANCEL));
            assert_eq!(a.amount, amount);
        }
        Ok(RefundStatus::Failed(d)) => {
            assert_eq!(r.response_command.as_deref(), Some(CMD_PURCHASE_CANCEL));
            assert_declinable(&d.code);
        }
        Ok(other) => panic!("GetLastTransaction cannot say {other:?}"),
        Err(_) => {}
    }
}

/// A decline must rest on a known business code that proves nothing was charged.
fn assert_declinable(code: &str) {
    let parsed = BusinessCode::parse(code);
    assert!(
        !matches!(
            parsed,
            None | Some(BusinessCode::RepeatReqReject | BusinessCode::Unknown)
        ),
        "declined on {code:?}"
    );
}

fn check_frame(frame: &Frame, tracker: &mut EventTracker, card_read: &mut bool) {
    // Re-encoding: one line, reading back as the same frame.
    if let Ok(line) = encode_frame(frame) {
        assert_eq!(line.last(), Some(&b'\n'));
        assert!(
            !line[..line.len() - 1].contains(&b'\n'),
            "one frame, one line"
        );
        let back: Frame = serde_json::from_slice(&line).expect("our own line parses");
        let (a, b) = (serde_json::to_value(frame), serde_json::to_value(&back));
        let (Ok(a), Ok(b)) = (a, b) else {
            panic!("frames serialise");
        };
        assert!(json_eq(&a, &b), "frame changed on the way back:\n{a}\n{b}");
    }
    match frame {
        Frame::Event { code, .. } => {
            if let Some(event) = EventCode::parse(code) {
                let _ = kassa_kicc::countdown_for(event, &cfg());
                tracker.on_event(event);
                *card_read |= matches!(
                    event,
                    EventCode::CardReadCompleted
                        | EventCode::PendingSignature
                        | EventCode::StartTransaction
                        | EventCode::Cancelling
                );
                if *card_read {
                    assert!(
                        !tracker.can_cancel(),
                        "cancel offered after the card was read"
                    );
                }
            }
        }
        Frame::InitResult { code, .. } => {
            if let Some(c) = InitCode::parse(code) {
                assert_eq!(c.as_str(), code);
            }
        }
        Frame::CommandFailed {
            error_code,
            error_message,
            ..
        } => {
            if let Some(c) = CommandErrorCode::parse(error_code) {
                let _ = command_verdict(c, error_message);
            }
        }
        Frame::BusinessFailed { response_data, .. } => {
            if let BusinessVerdict::Declined(d) = business_failure(response_data) {
                assert_declinable(&d.code);
            }
        }
        Frame::Success { response_data, .. } => {
            if let Ok(r) = serde_json::from_value::<ResponseData>(response_data.clone()) {
                check_response(&r);
            }
        }
        Frame::Init { .. } | Frame::Command { .. } | Frame::Ping | Frame::Pong | Frame::Other => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let (knob, stream) = split_first(data);
    let capacity = usize::from(knob % 32) + 1;
    let limit = usize::from(knob / 8) * 4;

    // The raw line reader with a small limit.
    block_on(async {
        let mut reader = BufReader::with_capacity(capacity, stream);
        let mut buf = Vec::new();
        loop {
            match read_line_limited(&mut reader, &mut buf, limit).await {
                Ok(()) => {
                    assert!(buf.len() <= limit, "line of {} over {limit}", buf.len());
                    assert!(!buf.contains(&b'\n'));
                    assert!(
                        !buf.iter().all(u8::is_ascii_whitespace),
                        "blank lines are skipped"
                    );
                }
                Err(LineError::TooLong) => {
                    assert!(
                        buf.len() <= limit,
                        "buffered {} past the limit {limit}",
                        buf.len()
                    );
                    break;
                }
                Err(_) => break,
            }
        }
    });

    // Frames as the driver reads them.
    let mut tracker = EventTracker::new("KS1", &cfg());
    let mut card_read = false;
    block_on(async {
        let mut reader = BufReader::with_capacity(capacity, stream);
        let mut buf = Vec::new();
        for _ in 0..64 {
            match read_frame(&mut reader, &mut buf).await {
                Ok(frame) => check_frame(&frame, &mut tracker, &mut card_read),
                Err(LineError::Malformed(_)) => continue,
                Err(_) => break,
            }
        }
    });

    // A responseData straight from the input as well (the shape inside success frames).
    if let Ok(v) = serde_json::from_slice::<Value>(stream) {
        if let Ok(r) = serde_json::from_value::<ResponseData>(v.clone()) {
            check_response(&r);
        }
        if let BusinessVerdict::Declined(d) = business_failure(&v) {
            assert_declinable(&d.code);
        }
    }
});
