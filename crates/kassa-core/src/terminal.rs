//! The `Terminal` trait every driver implements, and the driver-neutral types it speaks.
//!
//! Errors are split by phase in the types: [`RequestError`] means nothing left the machine, so
//! the sale may be aborted or retried; once a request is sent, a driver must answer with a
//! [`PayOutcome`] / [`RefundOutcome`], whose `Unknown` variant sends the attempt to recovery.
//! A driver therefore cannot report "failed" for a request whose fate it does not know.

use crate::events::EventSink;
use crate::ids::RequestId;
use crate::money::Money;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// What the terminal reported about its readiness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Diagnosis {
    /// True when a payment may be started.
    pub ready: bool,
    /// Each check the terminal reported, by name, with its result.
    pub checks: BTreeMap<String, bool>,
    /// A sentence for the cashier when not ready.
    pub detail: String,
}

/// Which refunds a terminal performs through its API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RefundRule {
    /// Refunds are done on the terminal by a manager and recorded in the ledger.
    ManualOnly,
    /// Only the whole payment can be refunded.
    FullOnly,
    /// Full refunds, or at most one partial refund per payment (N950 Customer Mode).
    FullOrOnePartial,
    /// Any number of partial refunds up to the paid amount.
    Partial,
}

/// What a driver can do beyond the mandatory calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Capabilities {
    /// A running payment can be cancelled before the card is read.
    pub cancel_before_card: bool,
    /// Refund rule of this terminal as configured.
    pub refunds: RefundRule,
    /// Re-sending the same request id returns the first outcome instead of charging again.
    pub idempotent_pay: bool,
    /// How long the customer has on the terminal once a payment is sent (for the dialog).
    pub pay_window_secs: u32,
}

/// A payment to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayRequest {
    /// The attempt's id on the wire (`paymentRequestId`, `requestId`, `mchOrderNo`).
    pub request_id: RequestId,
    /// The order it pays for.
    pub order_id: RequestId,
    /// Amount to charge.
    pub amount: Money,
    /// Tax contained in the amount (some terminals print or report it).
    pub tax: Money,
    /// Tip contained in the amount.
    pub tip: Money,
    /// Card installments (0 or 1 = lump sum).
    pub installments: u8,
    /// Short description (IOT Pay `subject`).
    pub description: String,
    /// Cashier login, where a vendor wants it.
    pub cashier: String,
}

/// Receipt fields a terminal may return; every field is what a receipt may show.
/// Card numbers are masked by the terminal; expiry dates are never kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardReceipt {
    /// Card brand or type (`VISA`, `BC`).
    pub card_brand: Option<String>,
    /// Masked card number as the terminal printed it.
    pub masked_pan: Option<String>,
    /// Approval (authorisation) number.
    pub approval_code: Option<String>,
    /// EMV application id.
    pub aid: Option<String>,
    /// EMV application label.
    pub application_label: Option<String>,
    /// Application cryptogram / TC.
    pub cryptogram: Option<String>,
    /// How the card was read (chip, contactless, swipe).
    pub entry_mode: Option<String>,
    /// Retrieval reference number or transaction serial.
    pub reference: Option<String>,
    /// Acquirer or issuer notice text to print.
    pub notice: Option<String>,
    /// Other receipt-safe vendor fields, by vendor name.
    pub extra: BTreeMap<String, String>,
}

/// A trustworthy approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The terminal's or acquirer's id for the payment (`paymentId`, `payOrderId`, approval no.).
    pub terminal_payment_id: String,
    /// The amount the terminal says it charged (checked against the request).
    pub amount: Money,
    /// When the terminal says it was paid, as it sent it.
    pub paid_at: Option<String>,
    /// What the receipt may show.
    pub receipt: CardReceipt,
    /// Vendor data needed later (e.g. KICC `acquirerMetaData` to cancel); never card data.
    pub vendor_data: serde_json::Value,
}

/// A trustworthy decline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Decline {
    /// The vendor's code (`PAYMENT_FAIL`, `USER_BALANCE_NOT_ENOUGH`, status `9`).
    pub code: String,
    /// The vendor's message, or the receipt text it sent.
    pub message: String,
    /// True when trying again later may work (busy terminal); a new attempt, never a resend.
    pub retryable: bool,
}

/// Why an answer could not be trusted. Any of these makes the attempt *unknown*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum UnknownReason {
    /// No answer within the call's timeout.
    #[error("no answer from the terminal in time")]
    Timeout,
    /// The connection broke after the request was sent.
    #[error("connection lost after the request was sent: {0}")]
    ConnectionLost(String),
    /// Signature missing or invalid.
    #[error("the answer's signature is missing or invalid: {0}")]
    BadSignature(String),
    /// The body could not be decrypted or parsed.
    #[error("the answer could not be read: {0}")]
    Malformed(String),
    /// The answer is about a different amount, currency or request.
    #[error("the answer does not match the request: {0}")]
    Mismatch(String),
    /// The terminal itself said the outcome is not known yet (`U`, in progress).
    #[error("the terminal reports the outcome as not final: {0}")]
    NotFinal(String),
}

/// Outcome of a payment that was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
// One value per payment, matched everywhere: boxing the approval would cost clarity, not memory.
#[allow(clippy::large_enum_variant)]
pub enum PayOutcome {
    /// Paid.
    Approved(Approval),
    /// Not paid.
    Declined(Decline),
    /// Not known: recovery must ask the terminal.
    Unknown {
        /// Why.
        reason: UnknownReason,
    },
}

/// A failure before anything left the machine: safe to abort or retry as a new attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum RequestError {
    /// The terminal could not be reached at all (connection refused, no route, not plugged in).
    #[error("the terminal cannot be reached: {0}. Check it is on and connected, then try again")]
    Unreachable(String),
    /// The request could not be built (bad key, bad settings).
    #[error("the request could not be prepared: {0}. Check the terminal's settings")]
    Config(String),
    /// The driver does not do this.
    #[error("this terminal does not support {0}")]
    Unsupported(String),
    /// Busy with another command; nothing was done.
    #[error("the terminal is busy: wait a moment and try again ({0})")]
    Busy(String),
}

/// The terminal's view of a payment, from recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
// One value per payment, matched everywhere: boxing the approval would cost clarity, not memory.
#[allow(clippy::large_enum_variant)]
pub enum PaymentStatus {
    /// Paid, with the terminal's data.
    Succeeded(Approval),
    /// Not paid.
    Failed(Decline),
    /// Still running or not final.
    Pending,
    /// The terminal has no record of this request id.
    NotFound,
}

/// Why an inquiry gave no usable answer (the attempt stays as it is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum InquiryError {
    /// Could not ask.
    #[error("could not ask the terminal: {0}")]
    Unreachable(String),
    /// Asked, but the answer cannot be trusted.
    #[error("the terminal's answer cannot be trusted: {0}")]
    Untrustworthy(UnknownReason),
    /// The driver has no way to ask.
    #[error("this terminal cannot be asked about {0}")]
    Unsupported(String),
}

/// What recovery knows about the attempt it asks after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentQuery {
    /// The attempt's request id.
    pub request_id: RequestId,
    /// The amount the attempt asked for: an answer about another amount is untrustworthy.
    pub amount: Money,
}

/// The payment a refund goes against, as the ledger recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRef {
    /// The original attempt's request id.
    pub request_id: RequestId,
    /// The terminal's id for the payment.
    pub terminal_payment_id: String,
    /// What was paid.
    pub amount: Money,
    /// Vendor data recorded with the approval.
    pub vendor_data: serde_json::Value,
}

/// A refund to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// The refund's own request id (`refundRequestId`).
    pub refund_request_id: RequestId,
    /// The payment refunded.
    pub payment: PaymentRef,
    /// Amount to refund; equal to the payment's amount for a full refund.
    pub amount: Money,
    /// Why (memo), as the manager typed it.
    pub reason: String,
}

/// A trustworthy refund approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundApproval {
    /// The terminal's id for the refund.
    pub terminal_refund_id: String,
    /// The refunded amount.
    pub amount: Money,
    /// Vendor data worth keeping.
    pub vendor_data: serde_json::Value,
}

/// Outcome of a refund that was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum RefundOutcome {
    /// Refunded.
    Approved(RefundApproval),
    /// Not refunded.
    Declined(Decline),
    /// Not known: recovery must ask.
    Unknown {
        /// Why.
        reason: UnknownReason,
        /// The terminal's refund id, when the answer carried one before it went wrong.
        terminal_refund_id: Option<String>,
    },
}

/// The terminal's view of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum RefundStatus {
    /// Refunded.
    Succeeded(RefundApproval),
    /// Not refunded.
    Failed(Decline),
    /// Not final yet.
    Pending,
    /// No record.
    NotFound,
}

/// What recovery knows about a refund it asks after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundQuery {
    /// The refund as it was requested.
    pub request: RefundRequest,
    /// The terminal's refund id, if one was received.
    pub terminal_refund_id: Option<String>,
}

/// Result of asking a terminal to stop a running payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CancelAck {
    /// The terminal accepted the cancel; the payment's own outcome still decides.
    Accepted,
    /// Too late: the card was already read; the payment goes on.
    TooLate,
}

/// Per-call timeouts and the recovery policy of a terminal; defaults come from the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// Diagnosis call.
    pub diagnose: Duration,
    /// Pay call.
    pub pay: Duration,
    /// One inquiry call.
    pub inquiry: Duration,
    /// Refund call.
    pub refund: Duration,
    /// Pause between inquiries during recovery.
    pub poll_interval: Duration,
    /// How long recovery keeps asking before a manager must decide: counted from when the call
    /// gave up (the attempt became unknown) and restarted when the terminal first answers, so
    /// time in which it cannot be reached is not spent.
    pub recovery_window: Duration,
}

/// A payment terminal, whatever its vendor and transport.
///
/// Drivers emit [`crate::events::TerminalEvent`]s while a payment runs. Optional capabilities
/// have defaults that refuse with `Unsupported`.
#[async_trait]
pub trait Terminal: Send + Sync + std::fmt::Debug {
    /// The driver's kind, as stored in settings (`antom-lan`, `kicc`, `iotpay`).
    fn kind(&self) -> &'static str;

    /// What this terminal can do as configured.
    fn capabilities(&self) -> Capabilities;

    /// Timeouts and recovery policy in force.
    fn timing(&self) -> Timing;

    /// Asks whether the terminal can take a payment now.
    async fn diagnose(&self) -> Result<Diagnosis, RequestError>;

    /// Charges. Must only be called after the attempt is committed to the ledger.
    async fn pay(
        &self,
        req: &PayRequest,
        events: &dyn EventSink,
    ) -> Result<PayOutcome, RequestError>;

    /// Asks the terminal what became of a payment.
    async fn inquire_payment(&self, q: &PaymentQuery) -> Result<PaymentStatus, InquiryError>;

    /// Asks the terminal to stop the payment `request_id` while it waits for a card.
    async fn cancel(&self, request_id: &RequestId) -> Result<CancelAck, RequestError> {
        let _ = request_id;
        Err(RequestError::Unsupported(
            "cancelling a running payment".into(),
        ))
    }

    /// Refunds. Must only be called after the refund is committed to the ledger.
    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, RequestError> {
        let _ = req;
        Err(RequestError::Unsupported("refunds through its API".into()))
    }

    /// Asks the terminal what became of a refund.
    async fn inquire_refund(&self, q: &RefundQuery) -> Result<RefundStatus, InquiryError> {
        let _ = q;
        Err(InquiryError::Unsupported("refunds".into()))
    }
}
