//! Refunds on the N950 (docs/protocols.md §1.4–§1.6): the rules checked before anything is
//! sent, the way a refund call travels, and what recovery may learn about a refund whose
//! answer was lost.
//!
//! Route [D] (§1.6: vendor pages disagree on refunds over USB). Every refund call goes over
//! the terminal's own transport; over the USB cable the `refund` body carries
//! `originalMerchantRefundId` (= the refund request id), which Antom's refund page requires in
//! "USB cable communication mode". Where the USB terminal refuses the call — it answers `F`
//! with `INVALID_API`, `METHOD_NOT_SUPPORTED` or `PROCESS_FAIL` (how the N950 reports a call
//! or data it does not take over USB, §1.5), or the cable could not carry it at all — the call
//! goes again over the terminal's LAN address if one is set. Without one, the refund is
//! unsupported: a manager refunds on the terminal and records it. A refusal is a definitive
//! first answer (nothing was refunded), so trying the LAN with the same `refundRequestId`
//! cannot refund twice.

use crate::call::CallError;
use crate::codes::{ResultCode, ResultStatus};
use crate::driver::{amount, inquiry_error, refund_outcome_name, Antom};
use crate::map::{self, Resent};
use crate::transport::Transport;
use crate::wire;
use kassa_core::{
    InquiryError, RefundOutcome, RefundQuery, RefundRequest, RefundStatus, RequestError,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An answer with a `result`, whichever call it answers.
pub(crate) trait Answered {
    fn result(&self) -> &wire::ResultInfo;
}

impl Answered for wire::RefundResponse {
    fn result(&self) -> &wire::ResultInfo {
        &self.result
    }
}

impl Answered for wire::InquiryRefundResponse {
    fn result(&self) -> &wire::ResultInfo {
        &self.result
    }
}

/// Where a refund call ended up.
enum Routed<R> {
    /// An answer, over the cable or the LAN.
    Answer(R),
    /// The USB terminal refused the call and there is no LAN address; why, for people.
    Refused(String),
}

/// Whether a USB terminal's answer refuses the call itself rather than answering it.
fn refused_over_cable(r: &wire::ResultInfo) -> bool {
    r.result_status == ResultStatus::F
        && matches!(
            r.result_code,
            ResultCode::InvalidApi | ResultCode::MethodNotSupported | ResultCode::ProcessFail
        )
}

const MANAGER: &str = "A store manager refunds on the terminal; record that refund here \
                       afterwards, or add the terminal's LAN address to its settings";

impl<T: Transport> Antom<T> {
    /// What this terminal accepts as a refund, checked before anything is sent.
    pub(crate) fn check_refund(&self, req: &RefundRequest) -> Result<(), RequestError> {
        let (amount, paid) = (req.amount, req.payment.amount);
        if amount.currency != paid.currency {
            return Err(RequestError::Unsupported(format!(
                "refunding in {} a payment made in {}",
                amount.currency, paid.currency
            )));
        }
        if amount.minor <= 0 || amount.minor > paid.minor {
            return Err(RequestError::Unsupported(format!(
                "a refund of {amount} on a payment of {paid}: refund between 1 minor unit and \
                 the amount paid"
            )));
        }
        if !self.customer_mode && amount != paid {
            return Err(RequestError::Unsupported(format!(
                "partial refunds through the API while Customer Mode is off ({amount} of \
                 {paid}). A store manager does partial refunds in the D-store app on the \
                 terminal; record that refund here afterwards"
            )));
        }
        Ok(())
    }

    /// The `refund` body for `req`. A full refund carries no `refundAmount`; over the cable
    /// it carries `originalMerchantRefundId`.
    pub(crate) fn refund_body(&self, req: &RefundRequest, cable: bool) -> wire::RefundRequest {
        let full = req.amount == req.payment.amount;
        wire::RefundRequest {
            refund_request_id: req.refund_request_id.to_string(),
            payment_id: req.payment.terminal_payment_id.clone(),
            refund_amount: (!full).then(|| amount(&req.amount)),
            memo: Some(req.reason.trim().to_string()).filter(|m| !m.is_empty()),
            original_merchant_refund_id: cable.then(|| req.refund_request_id.to_string()),
            extend_info: String::new(),
        }
    }

    /// One call over `via`, nothing to mark as sent (refunds have no event sink).
    async fn call_via<B: Serialize, R: DeserializeOwned>(
        &self,
        via: &dyn Transport,
        path: &str,
        body: &B,
    ) -> Result<R, CallError> {
        let timeout = if path == wire::path::REFUND {
            self.timing.refund
        } else {
            self.timing.inquiry
        };
        let request = self.prepare(path, body).map_err(CallError::NotSent)?;
        self.exchange_via(via, &request, timeout, &|| {}).await
    }

    /// A refund call routed as the module comment says; `body(cable)` builds its body.
    async fn refund_call<B, R>(
        &self,
        path: &str,
        body: impl Fn(bool) -> B + Send + Sync,
    ) -> Result<Routed<R>, CallError>
    where
        B: Serialize + Send + Sync,
        R: DeserializeOwned + Answered + Send,
    {
        let cable = self.transport.is_cable();
        let first = self
            .call_via::<B, R>(&self.transport, path, &body(cable))
            .await;
        if !cable {
            return first.map(Routed::Answer);
        }
        let why = match &first {
            Ok(r) if refused_over_cable(r.result()) => {
                let r = r.result();
                format!("{} {}", r.result_code, r.result_message)
            }
            Err(CallError::NotSent(e)) => e.to_string(),
            _ => return first.map(Routed::Answer),
        };
        match self.transport.refund_fallback() {
            Some(lan) => {
                tracing::info!(path, refused = %why, "antom refund call refused over usb, trying the lan");
                self.call_via(lan, path, &body(false))
                    .await
                    .map(Routed::Answer)
            }
            None => first.map(|_| Routed::Refused(why)),
        }
    }

    /// `refund`: checked, sent, mapped.
    pub(crate) async fn send_refund(
        &self,
        req: &RefundRequest,
    ) -> Result<RefundOutcome, RequestError> {
        self.check_refund(req)?;
        tracing::info!(refund_request_id = %req.refund_request_id,
            payment_id = %req.payment.terminal_payment_id, full = req.amount == req.payment.amount, "antom refund sent");
        let outcome = match self
            .refund_call::<_, wire::RefundResponse>(wire::path::REFUND, |cable| {
                self.refund_body(req, cable)
            })
            .await
        {
            Err(CallError::NotSent(e)) => return Err(e),
            Err(CallError::Unknown(reason)) => RefundOutcome::Unknown {
                reason,
                terminal_refund_id: None,
            },
            Ok(Routed::Refused(why)) => {
                return Err(RequestError::Unsupported(format!(
                    "refunds over the USB cable: the terminal refused the refund ({why}), and \
                     there is no LAN address to send it to. {MANAGER}"
                )))
            }
            Ok(Routed::Answer(resp)) => map::refund(req, &resp),
        };
        tracing::info!(refund_request_id = %req.refund_request_id, outcome = refund_outcome_name(&outcome), "antom refund outcome");
        Ok(outcome)
    }

    /// `inquiryRefund` by the terminal's refund id.
    async fn refund_by_id(
        &self,
        req: &RefundRequest,
        refund_id: &str,
    ) -> Result<RefundStatus, InquiryError> {
        let body = wire::InquiryRefundRequest {
            refund_id: refund_id.to_string(),
            extend_info: String::new(),
        };
        let resp: wire::InquiryRefundResponse = match self
            .refund_call(wire::path::INQUIRY_REFUND, |_| body.clone())
            .await
        {
            Ok(Routed::Answer(resp)) => resp,
            Ok(Routed::Refused(why)) => return Err(unasked(&why)),
            Err(e) => return Err(inquiry_error(e)),
        };
        tracing::info!(refund_id, code = %resp.result.result_code, "antom refund inquiry");
        map::inquiry_refund(req, refund_id, &resp)
    }

    /// What the terminal says about a refund recovery asks after.
    ///
    /// [D] Without a refund id (the refund's answer was lost) there is nothing to put in
    /// `inquiryRefund`, which takes only `refundId`. So `refund` is re-sent with the SAME
    /// `refundRequestId` and amount, only to learn the id: an `S` answer carries it, and then
    /// `inquiryRefund` by that id decides. Anything else settles nothing (`map::resent_refund`):
    /// an `F` to a repeated request id proves nothing about the first refund (§1.5), so the
    /// refund stays unknown, its amount reserved, until `inquiryRefund` or a manager settles
    /// it. If the first request never arrived, the re-send performs the refund the ledger
    /// already committed to. The Customer Mode check is not repeated: this is the same
    /// request, already accepted.
    pub(crate) async fn query_refund(&self, q: &RefundQuery) -> Result<RefundStatus, InquiryError> {
        if let Some(refund_id) = &q.terminal_refund_id {
            return self.refund_by_id(&q.request, refund_id).await;
        }
        tracing::info!(refund_request_id = %q.request.refund_request_id, "antom refund re-sent to learn its refund id");
        let resp: wire::RefundResponse = match self
            .refund_call(wire::path::REFUND, |cable| {
                self.refund_body(&q.request, cable)
            })
            .await
        {
            Ok(Routed::Answer(resp)) => resp,
            Ok(Routed::Refused(why)) => return Err(unasked(&why)),
            Err(e) => return Err(inquiry_error(e)),
        };
        match map::resent_refund(map::refund(&q.request, &resp))? {
            Resent::RefundId(refund_id) => self.refund_by_id(&q.request, &refund_id).await,
            Resent::Pending => Ok(RefundStatus::Pending),
        }
    }
}

/// A USB terminal that refuses refund calls, with no LAN address: nobody can be asked.
fn unasked(why: &str) -> InquiryError {
    InquiryError::Unsupported(format!(
        "refunds over the USB cable (the terminal refused: {why}) without a LAN address: \
         check the terminal's screen"
    ))
}
