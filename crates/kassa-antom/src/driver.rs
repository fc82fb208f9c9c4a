//! The [`kassa_core::Terminal`] implementation for the N950, over any [`Transport`].
//!
//! Money rules enforced here (docs/protocols.md §1.5–§1.7):
//! - once a request may have left the machine, `pay` and `refund` always return an outcome;
//!   only [`RequestError`]s from before sending abort;
//! - responses are verified before they are opened, and an answer that is not about this
//!   request (id, amount, currency) is *unknown*, never approved or declined;
//! - Customer Mode is enforced before a refund is sent, so a partial refund the terminal would
//!   refuse never leaves the machine.

use crate::call::CallError;
use crate::codes::ResultStatus;
use crate::config::{AntomConfig, ConfigError};
use crate::lan::LanTransport;
use crate::protocol::Codec;
use crate::transport::Transport;
use crate::{map, wire};
use async_trait::async_trait;
use kassa_core::{
    CancelAck, Capabilities, Clock, Countdown, Decline, Diagnosis, EventSink, InquiryError,
    PayOutcome, PayRequest, PaymentQuery, PaymentStatus, Phase, RefundOutcome, RefundQuery,
    RefundRequest, RefundRule, RefundStatus, RequestError, RequestId, TerminalEvent, Timing,
    UnknownReason,
};
use std::sync::Arc;

/// An N950 terminal behind transport `T`.
#[derive(Debug)]
pub struct Antom<T> {
    pub(crate) client_id: String,
    pub(crate) codec: Codec,
    pub(crate) transport: T,
    pub(crate) clock: Arc<dyn Clock>,
    customer_mode: bool,
    payment_method: String,
    timing: Timing,
}

/// The N950 over the store LAN (HTTP on port 8344).
pub type AntomLan = Antom<LanTransport>;

impl Antom<LanTransport> {
    /// Loads both keys and prepares the LAN transport; `Request-Time` comes from `clock`.
    pub fn new(cfg: AntomConfig, clock: Arc<dyn Clock>) -> Result<AntomLan, ConfigError> {
        cfg.validate()?;
        let transport = LanTransport::new(&cfg.host, cfg.port).map_err(ConfigError::Invalid)?;
        Antom::with_transport(cfg, transport, clock)
    }
}

impl<T: Transport> Antom<T> {
    /// A driver over any transport (LAN, USB, a test fake). The host and port of `cfg` are
    /// the transport's business and are not read here.
    pub fn with_transport(
        cfg: AntomConfig,
        transport: T,
        clock: Arc<dyn Clock>,
    ) -> Result<Antom<T>, ConfigError> {
        cfg.validate_terminal()?;
        let (pos_key, terminal_key) = cfg.load_keys()?;
        Ok(Antom {
            client_id: cfg.client_id.trim().to_string(),
            codec: Codec::new(pos_key, terminal_key, cfg.envelope),
            transport,
            clock,
            customer_mode: cfg.customer_mode,
            payment_method: cfg.payment_method,
            timing: cfg.timing,
        })
    }

    /// The transport, e.g. to log where it points.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    fn pay_window_secs(&self) -> u32 {
        u32::try_from(self.timing.pay.as_secs()).unwrap_or(u32::MAX)
    }

    /// The `refund` body for `req`. A full refund carries no `refundAmount`.
    fn refund_body(&self, req: &RefundRequest) -> wire::RefundRequest {
        let full = req.amount == req.payment.amount;
        wire::RefundRequest {
            refund_request_id: req.refund_request_id.to_string(),
            payment_id: req.payment.terminal_payment_id.clone(),
            refund_amount: (!full).then(|| amount(&req.amount)),
            memo: Some(req.reason.trim().to_string()).filter(|m| !m.is_empty()),
            extend_info: String::new(),
        }
    }

    /// [D] A decline that names no request (Antom's `F` answers carry only `result`) could be
    /// another payment's answer replayed on the LAN: its signature verifies and nothing in it
    /// ties it to this request. It is taken only once one `inquiryPayment` agrees: the
    /// terminal has this request as failed, has no such payment, has it under another amount
    /// (the id was used before: this attempt charged nothing), or refuses the inquiry with the
    /// same code (it refuses this POS, e.g. `CLIENT_INVALID`). A record that says paid or still
    /// running, or no usable answer, makes the outcome unknown and recovery settles it.
    async fn confirm_decline(&self, req: &PayRequest, d: Decline) -> PayOutcome {
        let rid = req.request_id.as_str();
        let unconfirmed = |why: String| PayOutcome::Unknown {
            reason: UnknownReason::Mismatch(format!(
                "the terminal answered {} ({}), but {why}",
                d.code, d.message
            )),
        };
        let body = wire::InquiryPaymentRequest {
            payment_request_id: rid.to_string(),
            extend_info: String::new(),
        };
        let resp: wire::InquiryPaymentResponse = match self
            .call(wire::path::INQUIRY_PAYMENT, &body, self.timing.inquiry)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let e = inquiry_error(e);
                return unconfirmed(format!("the decline could not be confirmed ({e})"));
            }
        };
        let refused_alike = resp.result.result_status == ResultStatus::F
            && resp.result.result_code.as_str() == d.code;
        let other_amount = resp.payment_request_id.as_deref() == Some(rid)
            && resp.payment_amount.as_ref().is_some_and(|a| {
                a.value != req.amount.minor
                    || !a.currency.eq_ignore_ascii_case(req.amount.currency.code())
            });
        if refused_alike || other_amount {
            return PayOutcome::Declined(d);
        }
        let q = PaymentQuery {
            request_id: req.request_id.clone(),
            amount: req.amount,
        };
        match map::inquiry(&q, &self.payment_method, &resp) {
            Ok(PaymentStatus::Failed(_) | PaymentStatus::NotFound) => PayOutcome::Declined(d),
            Ok(PaymentStatus::Succeeded(_)) => {
                unconfirmed("its record of this payment says paid".into())
            }
            Ok(PaymentStatus::Pending) => {
                unconfirmed("its record of this payment is still running".into())
            }
            Err(e) => unconfirmed(format!("the decline could not be confirmed ({e})")),
        }
    }

    /// What this terminal accepts as a refund, checked before anything is sent.
    fn check_refund(&self, req: &RefundRequest) -> Result<(), RequestError> {
        if !self.transport.carries_refunds() {
            return Err(RequestError::Unsupported(
                "refunds through the API without the terminal's LAN address (the N950 takes \
                 refunds over Wi-Fi/LAN only). A store manager refunds on the terminal; record \
                 that refund here afterwards, or add the terminal's LAN address to its settings"
                    .into(),
            ));
        }
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
}

fn amount(m: &kassa_core::Money) -> wire::Amount {
    wire::Amount {
        value: m.minor,
        currency: m.currency.code().to_string(),
    }
}

#[async_trait]
impl<T: Transport> kassa_core::Terminal for Antom<T> {
    fn kind(&self) -> &'static str {
        self.transport.kind()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            cancel_before_card: false,
            refunds: if !self.transport.carries_refunds() {
                RefundRule::ManualOnly
            } else if self.customer_mode {
                RefundRule::FullOrOnePartial
            } else {
                RefundRule::FullOnly
            },
            idempotent_pay: true,
            pay_window_secs: self.pay_window_secs(),
        }
    }

    fn timing(&self) -> Timing {
        self.timing
    }

    async fn diagnose(&self) -> Result<Diagnosis, RequestError> {
        let body = wire::DiagnosisRequest::default();
        match self
            .call::<_, wire::DiagnosisResponse>(wire::path::DIAGNOSIS, &body, self.timing.diagnose)
            .await
        {
            Ok(resp) => {
                let d = map::diagnosis(&resp);
                tracing::info!(code = %resp.result.result_code, ready = d.ready, "antom diagnosis");
                Ok(d)
            }
            Err(CallError::NotSent(e)) => Err(e),
            Err(CallError::Unknown(
                reason @ (UnknownReason::Timeout | UnknownReason::ConnectionLost(_)),
            )) => Err(RequestError::Unreachable(format!(
                "no answer to the status check ({reason})"
            ))),
            // An answer that does not verify or open points at the settings, not the network.
            Err(CallError::Unknown(reason)) => Err(RequestError::Config(format!(
                "the terminal's answer to the status check cannot be trusted ({reason}); \
                 compare the terminal public key, serial number and envelope profile with \
                 what Antom issued"
            ))),
        }
    }

    async fn pay(
        &self,
        req: &PayRequest,
        events: &dyn EventSink,
    ) -> Result<PayOutcome, RequestError> {
        if req.amount.minor <= 0 {
            return Err(RequestError::Unsupported(format!(
                "charging {}",
                req.amount
            )));
        }
        let body = wire::PayRequest {
            payment_request_id: req.request_id.to_string(),
            payment_method: self.payment_method.clone(),
            payment_amount: amount(&req.amount),
            original_merchant_order_id: None,
            original_merchant_store_id: None,
            extend_info: String::new(),
        };
        let request = self.prepare(wire::path::PAY, &body)?;
        events.emit(TerminalEvent {
            request_id: req.request_id.to_string(),
            phase: Phase::OnTerminal,
            countdown: Countdown::Start(self.pay_window_secs()),
            can_cancel: false,
            vendor_code: "pay".into(),
        });
        tracing::info!(request_id = %req.request_id, "antom pay sent");
        let outcome = match self
            .exchange::<wire::PayResponse>(&request, self.timing.pay)
            .await
        {
            Err(CallError::NotSent(e)) => return Err(e),
            Err(CallError::Unknown(reason)) => PayOutcome::Unknown { reason },
            Ok(resp) => {
                tracing::info!(request_id = %req.request_id, code = %resp.result.result_code, "antom pay answered");
                let mapped = map::pay(
                    req.request_id.as_str(),
                    &req.amount,
                    &self.payment_method,
                    &resp,
                );
                match mapped {
                    PayOutcome::Declined(d) if resp.payment_request_id.is_none() => {
                        self.confirm_decline(req, d).await
                    }
                    other => other,
                }
            }
        };
        tracing::info!(request_id = %req.request_id, outcome = outcome_name(&outcome), "antom pay outcome");
        Ok(outcome)
    }

    async fn inquire_payment(&self, q: &PaymentQuery) -> Result<PaymentStatus, InquiryError> {
        let body = wire::InquiryPaymentRequest {
            payment_request_id: q.request_id.to_string(),
            extend_info: String::new(),
        };
        let resp: wire::InquiryPaymentResponse = self
            .call(wire::path::INQUIRY_PAYMENT, &body, self.timing.inquiry)
            .await
            .map_err(inquiry_error)?;
        tracing::info!(request_id = %q.request_id, code = %resp.result.result_code,
            status = resp.payment_status.as_ref().map(|s| s.as_str()).unwrap_or("-"), "antom inquiry");
        map::inquiry(q, &self.payment_method, &resp)
    }

    async fn cancel(&self, _request_id: &RequestId) -> Result<CancelAck, RequestError> {
        Err(RequestError::Unsupported(
            "cancelling a running payment from the till: cancel it on the terminal".into(),
        ))
    }

    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, RequestError> {
        self.check_refund(req)?;
        let body = self.refund_body(req);
        tracing::info!(refund_request_id = %req.refund_request_id,
            payment_id = %req.payment.terminal_payment_id, full = body.refund_amount.is_none(), "antom refund sent");
        let outcome = match self
            .call::<_, wire::RefundResponse>(wire::path::REFUND, &body, self.timing.refund)
            .await
        {
            Err(CallError::NotSent(e)) => return Err(e),
            Err(CallError::Unknown(reason)) => RefundOutcome::Unknown {
                reason,
                terminal_refund_id: None,
            },
            Ok(resp) => map::refund(req, &resp),
        };
        tracing::info!(refund_request_id = %req.refund_request_id, outcome = refund_outcome_name(&outcome), "antom refund outcome");
        Ok(outcome)
    }

    async fn inquire_refund(&self, q: &RefundQuery) -> Result<RefundStatus, InquiryError> {
        if !self.transport.carries_refunds() {
            return Err(InquiryError::Unsupported(
                "refunds without the terminal's LAN address: check the terminal's screen".into(),
            ));
        }
        if let Some(refund_id) = &q.terminal_refund_id {
            let body = wire::InquiryRefundRequest {
                refund_id: refund_id.clone(),
                extend_info: String::new(),
            };
            let resp: wire::InquiryRefundResponse = self
                .call(wire::path::INQUIRY_REFUND, &body, self.timing.inquiry)
                .await
                .map_err(inquiry_error)?;
            tracing::info!(refund_id = %refund_id, code = %resp.result.result_code, "antom refund inquiry");
            return map::inquiry_refund(&q.request, refund_id, &resp);
        }
        // [D] Without a refund id (the refund's answer was lost) there is nothing to put in
        // inquiryRefund, which takes only `refundId`. Antom's idempotency answers instead:
        // `refund` re-sent with the SAME refundRequestId and amount returns the first refund's
        // outcome rather than refunding twice; a different amount would get
        // DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT. If the first request never arrived, the
        // re-send performs the refund the ledger already committed to — also correct. The
        // Customer Mode check is not repeated: this is the same request, already accepted.
        let body = self.refund_body(&q.request);
        tracing::info!(refund_request_id = %q.request.refund_request_id, "antom refund re-sent to learn its outcome");
        let resp: wire::RefundResponse = self
            .call(wire::path::REFUND, &body, self.timing.refund)
            .await
            .map_err(inquiry_error)?;
        map::resent_refund(map::refund(&q.request, &resp))
    }
}

fn inquiry_error(e: CallError) -> InquiryError {
    match e {
        CallError::NotSent(e) => InquiryError::Unreachable(e.to_string()),
        CallError::Unknown(reason) => InquiryError::Untrustworthy(reason),
    }
}

fn outcome_name(o: &PayOutcome) -> &'static str {
    match o {
        PayOutcome::Approved(_) => "approved",
        PayOutcome::Declined(_) => "declined",
        PayOutcome::Unknown { .. } => "unknown",
    }
}

fn refund_outcome_name(o: &RefundOutcome) -> &'static str {
    match o {
        RefundOutcome::Approved(_) => "approved",
        RefundOutcome::Declined(_) => "declined",
        RefundOutcome::Unknown { .. } => "unknown",
    }
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;
