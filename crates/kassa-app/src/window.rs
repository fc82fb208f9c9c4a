//! The desktop window's contract: the shapes its commands take and return, in one place, so
//! the TypeScript types of the UI can be generated from them (`ts` feature, see
//! [`typescript`]). Kassa-core's types (events, money, declines, receipts) are used as they
//! are; the service's and the ledger's reports are mirrored here field by field (each `From`
//! destructures its source completely, so a new field there is a compile error here).

use crate::accounts::{Operator, Pin, Role};
use crate::checkout::PaymentReport;
use crate::dayclose::OpenAttempt;
use crate::error::{AppError, AppResult};
use crate::refunds::RefundReport;
use crate::store::StoreSettings;
use crate::terminals::TerminalView;
use crate::views::{AttemptTimeline, OrderDetail};
use crate::Service;
use kassa_core::{
    AttemptState, Capabilities, CardReceipt, Decline, Money, OrderLine, RefundRule, TaxRate,
};
use kassa_ledger::{Attempt, JournalEntry, Order, OrderFilter, OrderStatus, OrderSummary, Payment};
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

/// Which orders to list.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderQuery {
    /// `open`, `paying`, `paid`, `unknown`, `partially-refunded`, `refunded`.
    pub status: Option<String>,
    /// From this date (`2026-11-21`) or time (RFC 3339).
    pub from: Option<String>,
    /// Up to this date or time.
    pub to: Option<String>,
    /// Only this terminal.
    pub terminal: Option<String>,
    /// Order id, payment request id or the terminal's payment id (prefix).
    pub text: Option<String>,
    /// Total at least this many minor units.
    pub min_minor: Option<i64>,
    /// Total at most this many minor units.
    pub max_minor: Option<i64>,
    /// At most this many (0 = 200).
    pub limit: u32,
}

/// One order in the list (mirrors [`OrderSummary`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderRow {
    /// Order id.
    pub id: String,
    /// When it was recorded.
    pub created_at: String,
    /// `open`, `paying`, `paid`, `unknown`, `partially-refunded` or `refunded`.
    pub status: String,
    /// Its total.
    pub total: Money,
    /// Terminal of its payment.
    pub terminal: Option<String>,
    /// Its payment attempt.
    pub payment_request_id: Option<String>,
    /// The terminal's payment id once paid.
    pub terminal_payment_id: Option<String>,
}

impl From<OrderSummary> for OrderRow {
    fn from(s: OrderSummary) -> OrderRow {
        let OrderSummary {
            id,
            created_at,
            status,
            total,
            terminal,
            payment_request_id,
            terminal_payment_id,
        } = s;
        OrderRow {
            id,
            created_at,
            status: status.as_str().to_string(),
            total,
            terminal,
            payment_request_id,
            terminal_payment_id,
        }
    }
}

/// One line of an order with its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderLineView {
    /// Name.
    pub name: String,
    /// Quantity.
    pub quantity: u32,
    /// Price of one, minor units.
    pub unit_price_minor: i64,
    /// Tax rule.
    pub tax: TaxRate,
    /// Line total, minor units.
    pub total_minor: i64,
    /// Tax part, minor units.
    pub tax_minor: i64,
}

impl From<OrderLine> for OrderLineView {
    fn from(l: OrderLine) -> OrderLineView {
        let figures = l.totals();
        let OrderLine {
            name,
            quantity,
            unit_price_minor,
            tax,
        } = l;
        OrderLineView {
            name,
            quantity,
            unit_price_minor,
            tax,
            total_minor: figures.map_or(0, |f| f.total_minor),
            tax_minor: figures.map_or(0, |f| f.tax_minor),
        }
    }
}

/// One state change of an attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JournalView {
    /// When.
    pub at: String,
    /// Before.
    pub from: AttemptState,
    /// After.
    pub to: AttemptState,
    /// The event (`sent`, `approved`, `lost`, `manager_resolved`...).
    pub event: String,
    /// What came with it, as compact JSON text.
    pub detail: String,
}

impl From<JournalEntry> for JournalView {
    fn from(j: JournalEntry) -> JournalView {
        let JournalEntry {
            at,
            from,
            to,
            event,
            detail,
        } = j;
        let detail = if detail.is_null() {
            String::new()
        } else {
            detail.to_string()
        };
        JournalView {
            at,
            from,
            to,
            event,
            detail,
        }
    }
}

/// A payment or refund attempt with its journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AttemptView {
    /// Request id on the wire.
    pub request_id: String,
    /// `payment` or `refund`.
    pub kind: String,
    /// For refunds, the payment refunded.
    pub payment_request_id: Option<String>,
    /// Terminal.
    pub terminal: String,
    /// Amount.
    pub amount: Money,
    /// State.
    pub state: AttemptState,
    /// The terminal's id for it.
    pub terminal_ref: Option<String>,
    /// Refund reason, or why it failed.
    pub reason: Option<String>,
    /// Who asked (refunds).
    pub actor: Option<String>,
    /// Recorded at.
    pub created_at: String,
    /// Sent at.
    pub sent_at: Option<String>,
    /// Last change.
    pub updated_at: String,
    /// State changes, oldest first.
    pub journal: Vec<JournalView>,
}

impl From<AttemptTimeline> for AttemptView {
    fn from(t: AttemptTimeline) -> AttemptView {
        let AttemptTimeline { attempt, journal } = t;
        let Attempt {
            request_id,
            kind,
            order_id: _,
            payment_request_id,
            terminal,
            amount,
            state,
            terminal_ref,
            reason,
            created_at,
            sent_at,
            updated_at,
            outcome: _,
            actor,
        } = attempt;
        AttemptView {
            request_id,
            kind: kind.as_str().to_string(),
            payment_request_id,
            terminal,
            amount,
            state,
            terminal_ref,
            reason,
            actor,
            created_at,
            sent_at,
            updated_at,
            journal: journal.into_iter().map(JournalView::from).collect(),
        }
    }
}

/// The approved payment of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentView {
    /// Request id.
    pub request_id: String,
    /// Terminal.
    pub terminal: String,
    /// The terminal's payment id.
    pub terminal_payment_id: String,
    /// Amount charged.
    pub amount: Money,
    /// When the ledger recorded it.
    pub paid_at: String,
    /// Receipt fields.
    pub receipt: CardReceipt,
}

impl From<Payment> for PaymentView {
    fn from(p: Payment) -> PaymentView {
        let Payment {
            request_id,
            order_id: _,
            terminal,
            terminal_payment_id,
            amount,
            paid_at,
            terminal_paid_at: _,
            receipt,
            vendor_data: _,
        } = p;
        PaymentView {
            request_id,
            terminal,
            terminal_payment_id,
            amount,
            paid_at,
            receipt,
        }
    }
}

/// An order with everything that happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderDetailView {
    /// Order id.
    pub id: String,
    /// Recorded at.
    pub created_at: String,
    /// Status (as in [`OrderRow`]).
    pub status: String,
    /// Who rang it up.
    pub cashier: String,
    /// Lines.
    pub lines: Vec<OrderLineView>,
    /// Total.
    pub total: Money,
    /// Tax in it.
    pub tax: Money,
    /// Payment and refund attempts, oldest first.
    pub attempts: Vec<AttemptView>,
    /// The approved payment.
    pub payment: Option<PaymentView>,
    /// Still refundable.
    pub refundable: Option<Money>,
    /// How the payment's terminal refunds, when it can be asked.
    pub refund_rule: Option<RefundRule>,
}

impl Service {
    /// Orders for the list screen (cashiers and managers).
    pub fn order_rows(&self, by: &Operator, q: &OrderQuery) -> AppResult<Vec<OrderRow>> {
        by.require(crate::accounts::Permission::ViewOrders)?;
        let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                OrderStatus::parse(s)
                    .ok_or_else(|| AppError::Usage(format!("unknown status {s:?}")))?,
            ),
            None => None,
        };
        let blank = |s: &Option<String>| s.clone().filter(|t| !t.trim().is_empty());
        let filter = OrderFilter {
            status,
            from: blank(&q.from),
            to: blank(&q.to),
            terminal: blank(&q.terminal),
            text: blank(&q.text),
            min_minor: q.min_minor,
            max_minor: q.max_minor,
            limit: if q.limit == 0 { 200 } else { q.limit as usize },
        };
        Ok(self
            .ledger
            .list_orders(&filter)?
            .into_iter()
            .map(OrderRow::from)
            .collect())
    }

    /// One order for the detail screen (cashiers and managers).
    pub fn order_view(&self, by: &Operator, id: &str) -> AppResult<OrderDetailView> {
        by.require(crate::accounts::Permission::ViewOrders)?;
        let OrderDetail {
            order,
            attempts,
            payment,
            refundable,
        } = self.order_detail(id)?;
        let refund_rule = payment
            .as_ref()
            .and_then(|p| self.driver(&p.terminal).ok())
            .map(|d| d.capabilities().refunds);
        let Order {
            id,
            currency,
            lines,
            totals,
            status,
            cashier,
            created_at,
        } = order;
        let refundable = refundable.and_then(|r| Money::parse_major(&r, currency).ok());
        Ok(OrderDetailView {
            id,
            created_at,
            status: status.as_str().to_string(),
            cashier,
            lines: lines.into_iter().map(OrderLineView::from).collect(),
            total: totals.total,
            tax: totals.tax,
            attempts: attempts.into_iter().map(AttemptView::from).collect(),
            payment: payment.map(PaymentView::from),
            refundable,
            refund_rule,
        })
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
    );
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
