//! Turning verified Antom answers into core outcomes. Pure functions, no I/O: this is where
//! the money rules live (§1.5, §1.7), so each is tested on its own.
//!
//! The rule throughout: a definite answer must be *about this request* — an echoed request id,
//! amount or currency that differs makes the outcome unknown, never approved or declined.

use crate::codes::{classify, CallClass, PaymentStatusCode, RefundStatusCode, ResultCode};
use crate::receipt::card_receipt;
use crate::wire;
use kassa_core::{
    Approval, Decline, Diagnosis, InquiryError, Money, PayOutcome, PaymentQuery, PaymentStatus,
    RefundApproval, RefundOutcome, RefundRequest, RefundStatus, UnknownReason,
};
use serde_json::json;
use std::collections::BTreeMap;

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// A decline from `result`. A terminal that gives no message leaves the code as the message,
/// so no one is ever shown an empty reason.
fn decline(result: &wire::ResultInfo, retryable: bool) -> Decline {
    let code = result.result_code.to_string();
    let message = result.result_message.trim();
    Decline {
        message: if message.is_empty() {
            format!("the terminal gave no reason (code {code})")
        } else {
            message.to_string()
        },
        code,
        retryable,
    }
}

fn not_final(result: &wire::ResultInfo) -> UnknownReason {
    UnknownReason::NotFinal(format!(
        "{} {}: {}",
        result.result_status, result.result_code, result.result_message
    ))
}

/// `Err` with a reason when `echo` is present and names another id.
fn same_id(what: &str, echo: &Option<String>, expected: &str) -> Result<(), UnknownReason> {
    match echo {
        Some(got) if got != expected => Err(UnknownReason::Mismatch(format!(
            "the answer is about {what} {got}, not {expected}"
        ))),
        _ => Ok(()),
    }
}

/// `Err` with a reason when `echo` is present and differs from `expected`.
fn same_amount(echo: &Option<wire::Amount>, expected: &Money) -> Result<(), UnknownReason> {
    match echo {
        Some(a)
            if a.value != expected.minor
                || !a.currency.eq_ignore_ascii_case(expected.currency.code()) =>
        {
            Err(UnknownReason::Mismatch(format!(
                "the answer is about {} {}, not {}",
                a.value, a.currency, expected
            )))
        }
        _ => Ok(()),
    }
}

/// Diagnosis: ready only when `globalStatus` and `networkStatus` are both `Y`.
pub(crate) fn diagnosis(resp: &wire::DiagnosisResponse) -> Diagnosis {
    let yes = |s: &Option<String>| s.as_deref().map(str::trim) == Some("Y");
    let checks = BTreeMap::from([
        ("global".to_string(), yes(&resp.global_status)),
        ("network".to_string(), yes(&resp.network_status)),
        ("printer".to_string(), yes(&resp.printer_status)),
    ]);
    let answered = classify(&resp.result.result_status, &resp.result.result_code);
    if answered != CallClass::Success {
        return Diagnosis {
            ready: false,
            checks,
            detail: format!(
                "The terminal refused the status check ({} {}). Check the terminal's serial \
                 number and keys in the settings, then try again.",
                resp.result.result_code, resp.result.result_message
            ),
        };
    }
    let ready = checks["global"] && checks["network"];
    let detail = if ready {
        String::new()
    } else {
        let word = |ok: bool| if ok { "ready" } else { "not ready" };
        format!(
            "The terminal is not ready (terminal {}, network {}). Check its screen and its \
             network connection, then try again.",
            word(checks["global"]),
            word(checks["network"])
        )
    };
    Diagnosis {
        ready,
        checks,
        detail,
    }
}

/// The outcome of a `pay` answer for `request_id` / `amount`.
pub(crate) fn pay(
    request_id: &str,
    amount: &Money,
    payment_method: &str,
    resp: &wire::PayResponse,
) -> PayOutcome {
    if let Err(reason) = same_id("payment request", &resp.payment_request_id, request_id) {
        return PayOutcome::Unknown { reason };
    }
    match classify(&resp.result.result_status, &resp.result.result_code) {
        CallClass::Success => {
            let Some(payment_id) = non_empty(&resp.payment_id) else {
                return PayOutcome::Unknown {
                    reason: UnknownReason::Malformed("approved without a paymentId".into()),
                };
            };
            if let Err(reason) = same_amount(&resp.payment_amount, amount) {
                return PayOutcome::Unknown { reason };
            }
            PayOutcome::Approved(Approval {
                terminal_payment_id: payment_id.clone(),
                amount: *amount,
                paid_at: non_empty(&resp.payment_time),
                receipt: card_receipt(resp.payment_receipt.as_ref()),
                vendor_data: json!({ "paymentId": payment_id, "paymentMethod": payment_method }),
            })
        }
        CallClass::Failed { retryable } => PayOutcome::Declined(decline(&resp.result, retryable)),
        CallClass::Unknown => PayOutcome::Unknown {
            reason: not_final(&resp.result),
        },
    }
}

/// The payment's state from an `inquiryPayment` answer.
pub(crate) fn inquiry(
    q: &PaymentQuery,
    payment_method: &str,
    resp: &wire::InquiryPaymentResponse,
) -> Result<PaymentStatus, InquiryError> {
    let untrusted = InquiryError::Untrustworthy;
    match classify(&resp.result.result_status, &resp.result.result_code) {
        CallClass::Success => {}
        CallClass::Failed { .. } if resp.result.result_code == ResultCode::OrderNotExist => {
            return Ok(PaymentStatus::NotFound)
        }
        CallClass::Failed { .. } => {
            return Err(InquiryError::Unreachable(format!(
                "the terminal refused the inquiry ({} {})",
                resp.result.result_code, resp.result.result_message
            )))
        }
        CallClass::Unknown => return Err(untrusted(not_final(&resp.result))),
    }
    same_id(
        "payment request",
        &resp.payment_request_id,
        q.request_id.as_str(),
    )
    .map_err(untrusted)?;
    let Some(status) = &resp.payment_status else {
        return Err(untrusted(UnknownReason::Malformed(
            "no paymentStatus".into(),
        )));
    };
    match status {
        PaymentStatusCode::Success => {
            // A success must prove it is this payment: id and amount are required, not optional.
            if resp.payment_request_id.is_none() || resp.payment_amount.is_none() {
                return Err(untrusted(UnknownReason::Mismatch(
                    "a success without the request id and amount cannot be matched".into(),
                )));
            }
            same_amount(&resp.payment_amount, &q.amount).map_err(untrusted)?;
            let Some(payment_id) = non_empty(&resp.payment_id) else {
                return Err(untrusted(UnknownReason::Malformed(
                    "success without a paymentId".into(),
                )));
            };
            let method = resp.payment_method.as_deref().unwrap_or(payment_method);
            Ok(PaymentStatus::Succeeded(Approval {
                terminal_payment_id: payment_id.clone(),
                amount: q.amount,
                paid_at: non_empty(&resp.payment_time),
                receipt: Default::default(),
                vendor_data: json!({ "paymentId": payment_id, "paymentMethod": method }),
            }))
        }
        PaymentStatusCode::Fail | PaymentStatusCode::Cancelled => {
            Ok(PaymentStatus::Failed(Decline {
                code: status.to_string(),
                message: resp.result.result_message.clone(),
                retryable: false,
            }))
        }
        PaymentStatusCode::Processing
        | PaymentStatusCode::Pending
        | PaymentStatusCode::Unknown(_) => Ok(PaymentStatus::Pending),
    }
}

/// The outcome of a `refund` answer.
pub(crate) fn refund(req: &RefundRequest, resp: &wire::RefundResponse) -> RefundOutcome {
    let refund_id = non_empty(&resp.refund_id);
    let unknown = |reason| RefundOutcome::Unknown {
        reason,
        terminal_refund_id: refund_id.clone(),
    };
    if let Err(reason) = same_id(
        "refund request",
        &resp.refund_request_id,
        req.refund_request_id.as_str(),
    ) {
        return unknown(reason);
    }
    match classify(&resp.result.result_status, &resp.result.result_code) {
        CallClass::Success => {
            let Some(id) = refund_id.clone() else {
                return unknown(UnknownReason::Malformed(
                    "refunded without a refundId".into(),
                ));
            };
            if let Err(reason) = same_amount(&resp.refund_amount, &req.amount) {
                return unknown(reason);
            }
            RefundOutcome::Approved(refund_approval(req, id))
        }
        CallClass::Failed { retryable } => {
            RefundOutcome::Declined(decline(&resp.result, retryable))
        }
        CallClass::Unknown => unknown(not_final(&resp.result)),
    }
}

fn refund_approval(req: &RefundRequest, refund_id: String) -> RefundApproval {
    RefundApproval {
        terminal_refund_id: refund_id.clone(),
        amount: req.amount,
        vendor_data: json!({
            "refundId": refund_id,
            "refundRequestId": req.refund_request_id.as_str(),
            "paymentId": req.payment.terminal_payment_id,
        }),
    }
}

/// The refund's state from an `inquiryRefund` answer.
pub(crate) fn inquiry_refund(
    req: &RefundRequest,
    refund_id: &str,
    resp: &wire::InquiryRefundResponse,
) -> Result<RefundStatus, InquiryError> {
    let untrusted = InquiryError::Untrustworthy;
    match classify(&resp.result.result_status, &resp.result.result_code) {
        CallClass::Success => {}
        CallClass::Failed { .. }
            if matches!(
                resp.result.result_code,
                ResultCode::OrderNotExist | ResultCode::RefundKeyNotFound
            ) =>
        {
            return Ok(RefundStatus::NotFound)
        }
        CallClass::Failed { .. } => {
            return Err(InquiryError::Unreachable(format!(
                "the terminal refused the inquiry ({} {})",
                resp.result.result_code, resp.result.result_message
            )))
        }
        CallClass::Unknown => return Err(untrusted(not_final(&resp.result))),
    }
    same_id("refund", &resp.refund_id, refund_id).map_err(untrusted)?;
    same_id(
        "payment",
        &resp.payment_id,
        &req.payment.terminal_payment_id,
    )
    .map_err(untrusted)?;
    let Some(status) = &resp.refund_status else {
        return Err(untrusted(UnknownReason::Malformed(
            "no refundStatus".into(),
        )));
    };
    match status {
        RefundStatusCode::Success => {
            same_amount(&resp.refund_amount, &req.amount).map_err(untrusted)?;
            Ok(RefundStatus::Succeeded(refund_approval(
                req,
                refund_id.to_string(),
            )))
        }
        RefundStatusCode::Failed => Ok(RefundStatus::Failed(Decline {
            code: status.to_string(),
            message: resp.result.result_message.clone(),
            retryable: false,
        })),
        RefundStatusCode::Pending | RefundStatusCode::Unknown(_) => Ok(RefundStatus::Pending),
    }
}

/// What re-sending `refund` with the same `refundRequestId` tells (used when the first answer,
/// and with it the refund id, was lost; see the driver's `[D]` note).
///
/// Only an `S` answer teaches something: the refund id, which the driver then asks
/// `inquiryRefund` about ([`Resent::RefundId`]). An `F` answer to a *repeated* request id
/// proves nothing about the first refund (docs/protocols.md §1.5: refund idempotency is not
/// documented; a terminal may refuse the repeat because the first refund already took the
/// money), so it is `Err(Untrustworthy(NotFinal))`: recovery keeps the refund unknown and its
/// amount reserved until `inquiryRefund` or a manager settles it. `Untrustworthy` rather than
/// `RefundStatus::Pending`, because the log then says why. `U` is `Pending`.
pub(crate) fn resent_refund(outcome: RefundOutcome) -> Result<Resent, InquiryError> {
    match outcome {
        RefundOutcome::Approved(a) => Ok(Resent::RefundId(a.terminal_refund_id)),
        RefundOutcome::Declined(d) if d.code == ResultCode::RepeatReqInconsistent.as_str() => {
            Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(
                "the terminal holds this refund request id with a different amount".into(),
            )))
        }
        RefundOutcome::Declined(d) => Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(
            format!(
                "the terminal refused the repeated refund request ({}: {}), which says nothing \
                 about the first one; check the terminal's screen",
                d.code, d.message
            ),
        ))),
        RefundOutcome::Unknown {
            reason: UnknownReason::NotFinal(_),
            ..
        } => Ok(Resent::Pending),
        RefundOutcome::Unknown { reason, .. } => Err(InquiryError::Untrustworthy(reason)),
    }
}

/// What a re-sent refund taught.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resent {
    /// The terminal has the refund under this id: ask `inquiryRefund` how it stands.
    RefundId(String),
    /// The terminal says the refund is still running.
    Pending,
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
