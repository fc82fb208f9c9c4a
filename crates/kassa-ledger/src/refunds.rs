//! The `refunds` table (one row per succeeded refund, written with the attempt's move to
//! `succeeded`) and the refund limits, which are computed here from the ledger, counting
//! refunds whose outcome is still unknown as if they had succeeded.

use crate::attempts::{self, open_states, Attempt, AttemptKind, NewRow};
use crate::codec::{self, Stamp};
use crate::error::{LedgerError, Result};
use crate::payments::{self, Payment};
use crate::transition::{self, Transition};
use kassa_core::{AttemptState, Money, RequestId};
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Schema version 1 of `refunds`.
pub(crate) const V1: &str = "
CREATE TABLE refunds (
    request_id          TEXT PRIMARY KEY NOT NULL REFERENCES attempts (request_id),
    payment_request_id  TEXT NOT NULL REFERENCES payments (request_id),
    terminal            TEXT NOT NULL,
    terminal_refund_id  TEXT NOT NULL CHECK (terminal_refund_id <> ''),
    amount_minor        INTEGER NOT NULL CHECK (amount_minor > 0),
    currency            TEXT NOT NULL,
    refunded_at         TEXT NOT NULL,
    vendor_data         TEXT NOT NULL,
    UNIQUE (terminal, terminal_refund_id)
) STRICT;
CREATE INDEX refunds_by_payment ON refunds (payment_request_id);
";

/// A refund attempt to record before anything is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRefundAttempt {
    /// The refund's own id on the wire (`refundRequestId`); never reused.
    pub request_id: RequestId,
    /// The payment attempt refunded.
    pub payment_request_id: String,
    /// Name of the terminal it goes to.
    pub terminal: String,
    /// Amount to refund, in the payment's currency.
    pub amount: Money,
    /// Why, as the manager typed it.
    pub reason: String,
    /// Who asked for it.
    pub actor: String,
    /// The terminal allows at most one partial refund per payment (N950 Customer Mode).
    pub one_partial_only: bool,
}

/// Records a succeeded refund.
pub(crate) fn insert_succeeded(
    tx: &Transaction<'_>,
    now: &Stamp,
    attempt: &Attempt,
    terminal_refund_id: &str,
    vendor_data: &Value,
) -> Result<()> {
    tx.execute(
        "INSERT INTO refunds (request_id, payment_request_id, terminal, terminal_refund_id,
                              amount_minor, currency, refunded_at, vendor_data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            attempt.request_id,
            attempt.payment_request_id,
            attempt.terminal,
            terminal_refund_id,
            attempt.amount.minor,
            attempt.amount.currency.code(),
            now.text,
            codec::to_json(vendor_data)?
        ],
    )?;
    Ok(())
}

/// What may still be refunded of `p`: paid, minus refunds that succeeded, minus refunds that
/// are not final (their money may already be gone).
pub(crate) fn refundable_of(conn: &Connection, p: &Payment) -> Result<Money> {
    let taken: i64 = conn.query_row(
        concat!(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM attempts
             WHERE kind = 'refund' AND payment_request_id = ?1
               AND (state = 'succeeded' OR state IN ",
            open_states!(),
            ")"
        ),
        [&p.request_id],
        |r| r.get(0),
    )?;
    Ok(Money::new(
        p.amount.minor.saturating_sub(taken).max(0),
        p.amount.currency,
    ))
}

/// The payment `payment_request_id`, or `NotFound`.
pub(crate) fn payment(conn: &Connection, payment_request_id: &str) -> Result<Payment> {
    payments::by_request_id(conn, payment_request_id)?.ok_or_else(|| LedgerError::NotFound {
        what: "payment",
        id: payment_request_id.to_string(),
    })
}

/// Checks the refund limits and records the refund attempt in state `created`.
///
/// The checks, in this order: another refund of the payment still open →
/// `RefundInProgress`; with `one_partial_only`, a partial refund that succeeded or is still
/// open → `PartialRefundLimit`; more than what is left → `ExceedsRefundable`.
pub(crate) fn begin(tx: &Transaction<'_>, now: &Stamp, r: &NewRefundAttempt) -> Result<Attempt> {
    let p = payment(tx, &r.payment_request_id)?;
    if r.amount.currency != p.amount.currency {
        return Err(LedgerError::CurrencyMismatch {
            expected: p.amount.currency,
            got: r.amount.currency,
        });
    }
    if r.amount.minor <= 0 {
        return Err(LedgerError::InvalidAmount(r.amount));
    }
    let earlier = attempts::refunds_of(tx, &p.request_id)?;
    if earlier.iter().any(|a| !a.state.is_final()) {
        return Err(LedgerError::RefundInProgress);
    }
    if r.one_partial_only {
        let counts = |a: &&Attempt| a.state == AttemptState::Succeeded;
        if earlier
            .iter()
            .filter(counts)
            .any(|a| a.amount.minor < p.amount.minor)
        {
            return Err(LedgerError::PartialRefundLimit);
        }
    }
    let refundable = refundable_of(tx, &p)?;
    if r.amount.minor > refundable.minor {
        return Err(LedgerError::ExceedsRefundable {
            requested: r.amount,
            refundable,
        });
    }
    attempts::insert(
        tx,
        now,
        &NewRow {
            request_id: r.request_id.as_str(),
            kind: AttemptKind::Refund,
            order_id: &p.order_id,
            payment_request_id: Some(&p.request_id),
            terminal: &r.terminal,
            amount: r.amount,
            reason: Some(&r.reason),
            actor: Some(&r.actor),
        },
    )
}

/// Records a refund a manager already made on the terminal itself: [`begin`] with its
/// limits, then `Transition::RecordedOnTerminal`, in the caller's one transaction, so no
/// unsent refund attempt is ever left behind.
pub(crate) fn record_manual(
    tx: &Transaction<'_>,
    now: &Stamp,
    r: &NewRefundAttempt,
    terminal_ref: &str,
    note: &str,
) -> Result<Attempt> {
    if terminal_ref.trim().is_empty() {
        return Err(LedgerError::TerminalRefRequired);
    }
    let a = begin(tx, now, r)?;
    let t = Transition::RecordedOnTerminal {
        actor: r.actor.clone(),
        terminal_ref: terminal_ref.to_string(),
        note: note.to_string(),
    };
    transition::apply(tx, now, &a.request_id, t)
}
