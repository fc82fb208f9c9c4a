//! The documents: sale receipt, refund slip, kiosk wait slip, Z report and test page.

use super::{CopyFor, Payment, Tender};
use chrono::{DateTime, FixedOffset, NaiveDate};
use kassa_core::order::OrderError;
use kassa_core::{order_totals, AttemptState, Currency, Money, OrderLine, OrderTotals, RequestId};
use serde::{Deserialize, Serialize};

/// A sale receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    /// Customer or merchant copy.
    pub copy: CopyFor,
    /// The order id, printed as the receipt number.
    pub order_id: RequestId,
    /// When the sale completed (local time; printed `YYYY/MM/DD HH:MM`).
    pub at: DateTime<FixedOffset>,
    /// Cashier's login or name; for a kiosk, the kiosk's name.
    pub cashier: String,
    /// Currency of every amount on the receipt.
    pub currency: Currency,
    /// What was sold.
    pub lines: Vec<OrderLine>,
    /// Totals, computed from `lines` by [`kassa_core::order_totals`].
    pub totals: OrderTotals,
    /// How it was paid (usually one payment).
    pub payments: Vec<Payment>,
}

impl Sale {
    /// A sale whose totals are computed from its lines with kassa-core's tax rule, so the
    /// receipt always adds up; refuses an order kassa-core would refuse.
    pub fn new(
        copy: CopyFor,
        order_id: RequestId,
        at: DateTime<FixedOffset>,
        cashier: &str,
        currency: Currency,
        lines: Vec<OrderLine>,
        payments: Vec<Payment>,
    ) -> Result<Sale, OrderError> {
        let totals = order_totals(currency, &lines)?;
        Ok(Sale {
            copy,
            order_id,
            at,
            cashier: cashier.to_string(),
            currency,
            lines,
            totals,
            payments,
        })
    }

    /// The same receipt as the other copy.
    pub fn as_copy(&self, copy: CopyFor) -> Sale {
        Sale {
            copy,
            ..self.clone()
        }
    }
}

/// The sale a refund goes against, as printed on the refund slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalSale {
    /// The original order id (its receipt number).
    pub order_id: RequestId,
    /// When it was sold.
    pub at: DateTime<FixedOffset>,
    /// What was paid.
    pub amount: Money,
    /// The original payment's request id.
    pub payment_request_id: Option<RequestId>,
    /// The terminal's id for the original payment (approval or payment id).
    pub terminal_ref: Option<String>,
}

/// A refund slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundSlip {
    /// Customer or merchant copy.
    pub copy: CopyFor,
    /// The refund's own id.
    pub refund_id: RequestId,
    /// When the refund completed.
    pub at: DateTime<FixedOffset>,
    /// Who did it (the manager who approved).
    pub cashier: String,
    /// The sale refunded.
    pub original: OriginalSale,
    /// Items returned, if the refund is by item; empty for an amount-only refund.
    pub lines: Vec<OrderLine>,
    /// The money returned: amount, tender, terminal and the terminal's refund id.
    pub refund: Payment,
    /// The reason as the manager typed it.
    pub reason: Option<String>,
}

/// The kiosk's slip for a payment whose outcome is not known yet: the customer keeps it and
/// shows it to staff, who resolve the attempt by its reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskWaitSlip {
    /// When the slip printed.
    pub at: DateTime<FixedOffset>,
    /// The kiosk's name.
    pub kiosk: String,
    /// The order being paid.
    pub order_id: RequestId,
    /// The unresolved payment attempt's request id: what staff look up.
    pub attempt_id: RequestId,
    /// The amount asked for.
    pub amount: Money,
    /// The terminal the attempt went to.
    pub terminal: String,
}

/// Count and sum of one terminal and tender, for the Z report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZTotal {
    /// Terminal display name (or `Cash` drawer).
    pub terminal: String,
    /// Tender.
    pub tender: Tender,
    /// Number of payments (or refunds).
    pub count: u32,
    /// Their sum, in the report's currency.
    pub amount: Money,
}

/// Whether an unresolved attempt was a payment or a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptKind {
    /// A payment.
    Payment,
    /// A refund.
    Refund,
}

/// An attempt of the day whose outcome is still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnresolvedAttempt {
    /// Payment or refund.
    pub kind: AttemptKind,
    /// Its request id.
    pub request_id: RequestId,
    /// Terminal display name.
    pub terminal: String,
    /// Amount asked for.
    pub amount: Money,
    /// When it was sent.
    pub at: DateTime<FixedOffset>,
    /// Its state (`unknown` or `needs-manager` in practice).
    pub state: AttemptState,
}

/// The end-of-day (Z) report: totals by terminal and tender, refunds, unresolved attempts.
///
/// Every amount must be in `currency`; the layout adds minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZReport {
    /// The business day reported.
    pub day: NaiveDate,
    /// When the report printed.
    pub printed_at: DateTime<FixedOffset>,
    /// Who printed it.
    pub printed_by: String,
    /// Currency of every amount.
    pub currency: Currency,
    /// Successful payments by terminal and tender.
    pub sales: Vec<ZTotal>,
    /// Successful refunds by terminal and tender.
    pub refunds: Vec<ZTotal>,
    /// Attempts of the day still not final.
    pub unresolved: Vec<UnresolvedAttempt>,
}

/// A printer's test page: what a person checks when setting a printer up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestPage {
    /// The printer as its back-end describes itself (`ESC/POS 192.168.0.50:9100, 80 mm`).
    pub printer: String,
    /// When it printed.
    pub at: DateTime<FixedOffset>,
}
