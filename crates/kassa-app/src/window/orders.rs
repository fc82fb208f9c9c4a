//! The order screens' shapes: the list's rows and filters, and one order with its lines,
//! payment and attempt journal (mirrors of the ledger's types, see the parent module).

use crate::accounts::{Operator, Permission};
use crate::error::{AppError, AppResult};
use crate::views::{AttemptTimeline, OrderDetail};
use crate::Service;
use kassa_core::{AttemptState, CardReceipt, Money, OrderLine, RefundRule, TaxRate};
use kassa_ledger::{Attempt, JournalEntry, Order, OrderFilter, OrderStatus, OrderSummary, Payment};
use serde::{Deserialize, Serialize};

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
            unknown_since: _,
            answered_since: _,
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
        by.require(Permission::ViewOrders)?;
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
        by.require(Permission::ViewOrders)?;
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
