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
    Approval, CancelAck, Capabilities, Clock, Countdown, Decline, Diagnosis, EventSink,
    InquiryError, PayOutcome, PayRequest, PaymentQuery, PaymentStatus, Phase, RefundOutcome,
    RefundQuery, RefundRequest, RefundRule, RefundStatus, RequestError, RequestId, TerminalEvent,
    Timing, UnknownReason,
};
use std::sync::Arc;

/// An N950 terminal behind transport `T`.
#[derive(Debug)]
pub struct Antom<T> {
    pub(crate) client_id: String,
    pub(crate) codec: Codec,
    pub(crate) transport: T,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) customer_mode: bool,
    payment_method: String,
    pub(crate) timing: Timing,
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

    /// [D] An approval whose answer does not echo both this request's `paymentRequestId` and
    /// its `paymentAmount` (Antom's pay answer documents neither, §1.4) could be another
    /// payment's signed SUCCESS replayed within the freshness window: nothing in it ties it to
    /// this request. It is booked only once one `inquiryPayment` for this request id shows
    /// SUCCESS with this amount (`map::inquiry` requires both echoed) and the very paymentId
    /// the approval named. A record that disagrees, or no usable answer, makes the outcome
    /// unknown — recovery asks again — never approved.
    async fn confirm_approval(&self, req: &PayRequest, a: Approval) -> PayOutcome {
        let unconfirmed = |why: String| PayOutcome::Unknown {
            reason: UnknownReason::Mismatch(format!(
                "the terminal approved payment {}, but {why}",
                a.terminal_payment_id
            )),
        };
        let q = PaymentQuery {
            request_id: req.request_id.clone(),
            amount: req.amount,
        };
        match self.query_payment(&q).await {
            Ok(PaymentStatus::Succeeded(record))
                if record.terminal_payment_id == a.terminal_payment_id =>
            {
                PayOutcome::Approved(Approval {
                    paid_at: a.paid_at.clone().or(record.paid_at),
                    ..a
                })
            }
            Ok(PaymentStatus::Succeeded(record)) => unconfirmed(format!(
                "its record of this request is payment {}",
                record.terminal_payment_id
            )),
            Ok(PaymentStatus::Failed(d)) => unconfirmed(format!(
                "its record of this request says failed ({})",
                d.code
            )),
            Ok(PaymentStatus::NotFound) => unconfirmed("it has no record of this request".into()),
            Ok(PaymentStatus::Pending) => {
                unconfirmed("its record of this request is still running".into())
            }
            Err(e) => unconfirmed(format!("the approval could not be confirmed ({e})")),
        }
    }

    /// One `inquiryPayment` for `q`.
    async fn query_payment(&self, q: &PaymentQuery) -> Result<PaymentStatus, InquiryError> {
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
}

pub(crate) fn amount(m: &kassa_core::Money) -> wire::Amount {
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
            // Every transport offers API refunds; a USB terminal that refuses them with no LAN
            // address to fall back on says so when asked (see `refund.rs`).
            refunds: if self.customer_mode {
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
        // The sent moment, then the countdown: nothing says "on the terminal" before it.
        let on_sent = || {
            events.sent();
            tracing::info!(request_id = %req.request_id, "antom pay sent");
            events.emit(TerminalEvent {
                request_id: req.request_id.to_string(),
                phase: Phase::OnTerminal,
                countdown: Countdown::Start(self.pay_window_secs()),
                can_cancel: false,
                vendor_code: "pay".into(),
            });
        };
        let outcome = match self
            .exchange::<wire::PayResponse>(&request, self.timing.pay, &on_sent)
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
                let echoed = resp.payment_request_id.is_some() && resp.payment_amount.is_some();
                match mapped {
                    PayOutcome::Declined(d) if resp.payment_request_id.is_none() => {
                        self.confirm_decline(req, d).await
                    }
                    PayOutcome::Approved(a) if !echoed => self.confirm_approval(req, a).await,
                    other => other,
                }
            }
        };
        tracing::info!(request_id = %req.request_id, outcome = outcome_name(&outcome), "antom pay outcome");
        Ok(outcome)
    }

    async fn inquire_payment(&self, q: &PaymentQuery) -> Result<PaymentStatus, InquiryError> {
        self.query_payment(q).await
    }

    async fn cancel(&self, _request_id: &RequestId) -> Result<CancelAck, RequestError> {
        Err(RequestError::Unsupported(
            "cancelling a running payment from the till: cancel it on the terminal".into(),
        ))
    }

    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, RequestError> {
        self.send_refund(req).await
    }

    async fn inquire_refund(&self, q: &RefundQuery) -> Result<RefundStatus, InquiryError> {
        self.query_refund(q).await
    }
}

pub(crate) fn inquiry_error(e: CallError) -> InquiryError {
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

pub(crate) fn refund_outcome_name(o: &RefundOutcome) -> &'static str {
    match o {
        RefundOutcome::Approved(_) => "approved",
        RefundOutcome::Declined(_) => "declined",
        RefundOutcome::Unknown { .. } => "unknown",
    }
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;
