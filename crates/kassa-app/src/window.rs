//! The desktop window's contract: the shapes its commands take and return, in one place, so
//! the TypeScript types of the UI can be generated from them (`ts` feature, see
//! [`typescript`]). Kassa-core's types (events, money, declines, receipts) are used as they
//! are; the service's and the ledger's reports are mirrored here field by field (each `From`
//! destructures its source completely, so a new field there is a compile error here).

mod orders;

pub use orders::{
    AttemptView, JournalView, OrderDetailView, OrderLineView, OrderQuery, OrderRow, PaymentView,
};

use crate::accounts::{Operator, Pin, Role};
use crate::checkout::PaymentReport;
use crate::dayclose::OpenAttempt;
use crate::refunds::RefundReport;
use crate::store::StoreSettings;
use crate::terminals::TerminalView;
use kassa_core::{AttemptState, Capabilities, CardReceipt, Decline, Money};
use kassa_ledger::Order;
use serde::{Deserialize, Serialize};

/// What the window needs to draw itself.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppStatus {
    /// Kassa's version.
    pub version: String,
    /// Demo mode: simulated terminals, demo catalog, demo PINs.
    pub demo: bool,
    /// Start-up reconciliation is still asking terminals about unfinished payments; no sale
    /// starts until it is done.
    pub recovering: bool,
    /// The store's settings.
    pub store: StoreSettings,
    /// Terminals, the default first.
    pub terminals: Vec<TerminalInfo>,
    /// Payments and refunds that are not final (unknown, waiting for a manager, running).
    pub attention: Vec<OpenAttempt>,
}

/// A terminal as the window lists it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TerminalInfo {
    /// Its name.
    pub name: String,
    /// Driver kind (`antom-lan`, `kicc`, `iotpay`).
    pub kind: String,
    /// Sales use it when none is chosen.
    pub is_default: bool,
    /// Its stored driver settings (addresses, ids, key file paths; never keys), for editing.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub config: serde_json::Value,
    /// What it can do, when its driver could be built.
    pub capabilities: Option<Capabilities>,
    /// Why it cannot be used, if so.
    pub problem: Option<String>,
}

impl TerminalInfo {
    /// A terminal's view with its stored settings.
    pub fn new(v: TerminalView, config: serde_json::Value) -> TerminalInfo {
        let TerminalView {
            name,
            kind,
            is_default,
            capabilities,
            problem,
        } = v;
        TerminalInfo {
            name,
            kind,
            is_default,
            config,
            capabilities,
            problem,
        }
    }
}

/// The outcome of a payment (mirrors [`PaymentReport`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentResult {
    /// The order.
    pub order_id: String,
    /// The attempt's request id.
    pub payment_request_id: String,
    /// The terminal used.
    pub terminal: String,
    /// Where the attempt ended.
    pub status: AttemptState,
    /// The terminal's payment id when paid.
    pub payment_id: Option<String>,
    /// Amount in major units as text (`12500`, `12.50`).
    pub amount: String,
    /// Currency code.
    pub currency: String,
    /// The terminal's decline.
    pub decline: Option<Decline>,
    /// Receipt fields when paid.
    pub receipt: Option<CardReceipt>,
    /// What the cashier should do now.
    pub message: String,
}

impl From<PaymentReport> for PaymentResult {
    fn from(r: PaymentReport) -> PaymentResult {
        let PaymentReport {
            order_id,
            payment_request_id,
            terminal,
            status,
            payment_id,
            amount,
            currency,
            decline,
            receipt,
            message,
        } = r;
        PaymentResult {
            order_id,
            payment_request_id,
            terminal,
            status,
            payment_id,
            amount,
            currency,
            decline,
            receipt,
            message,
        }
    }
}

/// The outcome of a refund (mirrors [`RefundReport`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefundResult {
    /// The refund's request id.
    pub refund_request_id: String,
    /// The payment refunded.
    pub payment_request_id: String,
    /// The order.
    pub order_id: String,
    /// Where the refund ended.
    pub status: AttemptState,
    /// The terminal's refund id.
    pub refund_id: Option<String>,
    /// Amount in major units.
    pub amount: String,
    /// Currency code.
    pub currency: String,
    /// Still refundable afterwards, in major units.
    pub refundable_after: String,
    /// The terminal's decline.
    pub decline: Option<Decline>,
    /// What the manager should do now.
    pub message: String,
}

impl From<RefundReport> for RefundResult {
    fn from(r: RefundReport) -> RefundResult {
        let RefundReport {
            refund_request_id,
            payment_request_id,
            order_id,
            status,
            refund_id,
            amount,
            currency,
            refundable_after,
            decline,
            message,
        } = r;
        RefundResult {
            refund_request_id,
            payment_request_id,
            order_id,
            status,
            refund_id,
            amount,
            currency,
            refundable_after,
            decline,
            message,
        }
    }
}

/// An order just recorded from the cart, ready to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderCreated {
    /// Its id.
    pub order_id: String,
    /// What to charge.
    pub total: Money,
    /// Tax contained in it.
    pub tax: Money,
}

impl From<&Order> for OrderCreated {
    fn from(o: &Order) -> OrderCreated {
        OrderCreated {
            order_id: o.id.clone(),
            total: o.totals.total,
            tax: o.totals.tax,
        }
    }
}

/// Who is signed in at a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OperatorView {
    /// Account id.
    pub account_id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
}

impl From<&Operator> for OperatorView {
    fn from(o: &Operator) -> OperatorView {
        OperatorView {
            account_id: o.account_id().into(),
            name: o.name().into(),
            role: o.role(),
        }
    }
}

/// A manager's PIN given for one action (a manager override at a cashier's till).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PinEntry {
    /// The account whose PIN it is.
    pub account_id: String,
    /// The PIN.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub pin: Pin,
}

/// The `{code, message}` every command error reaches the window as ([`crate::ErrorView`]),
/// declared for TypeScript; a test checks the two serialize alike.
#[cfg(feature = "ts")]
#[derive(ts_rs::TS)]
#[ts(rename = "ErrorView")]
#[allow(dead_code)]
struct ErrorViewDecl {
    code: String,
    message: String,
}

/// A refund a manager asks for, or records when it was done on the terminal.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefundInput {
    /// Order id or payment request id.
    pub payment: String,
    /// Amount in minor units; `None` = all that is still refundable.
    pub amount_minor: Option<i64>,
    /// Why.
    pub reason: String,
    /// Set when the refund was done on the terminal itself: the terminal's reference.
    pub terminal_ref: Option<String>,
}

/// A manager's settlement of an attempt recovery could not prove.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResolveInput {
    /// The attempt.
    pub request_id: String,
    /// What the terminal shows: paid (approved) or not.
    pub paid: bool,
    /// The terminal's reference (required when paid).
    pub terminal_ref: Option<String>,
    /// What the terminal's screen or slip shows.
    pub evidence: String,
}

/// A terminal to add or change.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TerminalInput {
    /// Name cashiers see.
    pub name: String,
    /// Driver kind.
    pub kind: String,
    /// Driver settings as the driver reads them (host, port, key *files*...).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub config: serde_json::Value,
    /// Make it the default.
    pub make_default: bool,
}

/// The TypeScript declarations of every type in the window's contract, as one file.
#[cfg(feature = "ts")]
pub fn typescript() -> String {
    use ts_rs::{Config, TS};
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from Rust by `scripts/check-ts-types.sh` (kassa-app's `ts` feature).\n\
         // Do not edit: change the Rust types and regenerate.\n\n",
    );
    macro_rules! decl {
        ($($t:ty),* $(,)?) => {$(
            if let Some(docs) = <$t as TS>::docs() {
                out.push_str(&docs);
            }
            out.push_str("export ");
            out.push_str(&<$t as TS>::decl(&cfg));
            out.push_str("\n\n");
        )*};
    }
    decl!(
        kassa_core::Money,
        kassa_core::AttemptState,
        kassa_core::Instruction,
        kassa_core::Phase,
        kassa_core::Countdown,
        kassa_core::TerminalEvent,
        kassa_core::Decline,
        kassa_core::CardReceipt,
        kassa_core::RefundRule,
        kassa_core::Capabilities,
        kassa_core::Diagnosis,
        kassa_core::TaxRate,
        kassa_core::CancelAck,
        ErrorViewDecl,
        crate::accounts::Role,
        crate::accounts::AccountView,
        crate::accounts::AccountInput,
        crate::store::TaxRateSetting,
        crate::store::StoreSettings,
        crate::catalog::Product,
        crate::catalog::CartLineInput,
        crate::catalog::CartInput,
        crate::dayclose::Tally,
        crate::dayclose::TerminalTally,
        crate::dayclose::TenderTally,
        crate::dayclose::OpenAttempt,
        crate::dayclose::ZReport,
        crate::demo::DemoBehaviour,
        crate::demo::DemoTerminal,
        crate::demo::DemoStatus,
        AppStatus,
        TerminalInfo,
        PaymentResult,
        RefundResult,
        OrderCreated,
        OrderQuery,
        OrderRow,
        OrderLineView,
        JournalView,
        AttemptView,
        PaymentView,
        OrderDetailView,
        OperatorView,
        PinEntry,
        RefundInput,
        ResolveInput,
        TerminalInput,
        crate::registry::UsbTerminalView,
    );
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
