//! Deciding an answer once a request has been verified and opened: the API paths, the
//! terminal's refusals of refund calls over the cable, and diagnosis.

use super::{lock, Behaviour, RefundBehaviour, Reply, Shared};
use crate::antom::store::failure;
use kassa_antom::wire::{self, path};
use kassa_core::clock::iso_millis;
use kassa_core::Clock;
use serde::de::DeserializeOwned;
use std::sync::atomic::Ordering;

fn parse<T: DeserializeOwned>(plain: &[u8]) -> Result<T, Reply> {
    serde_json::from_slice(plain).map_err(|e| failure("F", "PARAM_ILLEGAL", &e.to_string()))
}

/// Refund calls over the cable: refused when the terminal takes refunds over the LAN only,
/// and a refund without `originalMerchantRefundId` is refused as Antom's refund page says.
fn cable_refund_refusal(shared: &Shared, path: &str, plain: &[u8]) -> Option<Reply> {
    if path != path::REFUND && path != path::INQUIRY_REFUND {
        return None;
    }
    if !shared.usb_refunds.load(Ordering::SeqCst) {
        return Some(failure(
            "F",
            "INVALID_API",
            "refunds are taken over Wi-Fi/LAN only",
        ));
    }
    if path == path::REFUND {
        let named = parse::<wire::RefundRequest>(plain).ok().is_some_and(|r| {
            r.original_merchant_refund_id.as_deref() == Some(r.refund_request_id.as_str())
        });
        if !named {
            return Some(failure(
                "F",
                "PARAM_ILLEGAL",
                "originalMerchantRefundId is required for USB cable communication mode",
            ));
        }
    }
    None
}

pub(super) fn dispatch(shared: &Shared, path: &str, plain: &[u8], cable: bool) -> Reply {
    if let Some(refusal) = cable
        .then(|| cable_refund_refusal(shared, path, plain))
        .flatten()
    {
        return refusal;
    }
    let now = shared.clock.now();
    let stamp = now.format("%Y%m%d%H%M%S").to_string();
    let now = iso_millis(&now);
    let result = match path {
        path::DIAGNOSIS => Ok(diagnosis(shared)),
        path::PAY => parse::<wire::PayRequest>(plain).map(|r| {
            let next = || {
                lock(&shared.pay_queue)
                    .pop_front()
                    .unwrap_or(Behaviour::Approve)
            };
            lock(&shared.store).pay(&r, next, &now, &stamp)
        }),
        path::INQUIRY_PAYMENT => parse(plain).map(|r| lock(&shared.store).inquiry(&r)),
        path::REFUND => parse::<wire::RefundRequest>(plain).map(|r| {
            let next = || {
                lock(&shared.refund_queue)
                    .pop_front()
                    .unwrap_or(RefundBehaviour::Approve)
            };
            lock(&shared.store).refund(&r, next, &stamp)
        }),
        path::INQUIRY_REFUND => parse(plain).map(|r| lock(&shared.store).inquiry_refund(&r)),
        _ => Ok(failure("F", "INVALID_API", "no such API")),
    };
    result.unwrap_or_else(|refusal| refusal)
}

fn diagnosis(shared: &Shared) -> Reply {
    let ready = shared.diagnosis_ready.load(Ordering::SeqCst);
    let yn = |b: bool| Some(if b { "Y" } else { "N" }.to_string());
    let body = wire::DiagnosisResponse {
        result: crate::antom::store::result("S", "SUCCESS", "success"),
        network_status: yn(true),
        printer_status: yn(true),
        global_status: yn(ready),
    };
    Reply::now(body)
}
