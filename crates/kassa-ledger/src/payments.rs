//! The `payments` table: one row per succeeded payment attempt, written in the same
//! transaction that moves the attempt to `succeeded`. It holds what refunds and receipts need
//! later: the terminal's payment id, the receipt fields the terminal returned (masked card
//! number at most, never an expiry date) and vendor data.

use crate::codec;
use crate::error::{LedgerError, Result};
use kassa_core::{CardReceipt, Money};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Schema version 1 of `payments`. A terminal's payment id is unique per terminal: the same
/// id twice means a confused answer, never a second sale.
pub(crate) const V1: &str = "
CREATE TABLE payments (
    request_id           TEXT PRIMARY KEY NOT NULL REFERENCES attempts (request_id),
    order_id             TEXT NOT NULL REFERENCES orders (id),
    terminal             TEXT NOT NULL,
    terminal_payment_id  TEXT NOT NULL CHECK (terminal_payment_id <> ''),
    amount_minor         INTEGER NOT NULL CHECK (amount_minor > 0),
    currency             TEXT NOT NULL,
    paid_at              TEXT NOT NULL,
    terminal_paid_at     TEXT,
    receipt              TEXT NOT NULL,
    vendor_data          TEXT NOT NULL,
    UNIQUE (terminal, terminal_payment_id)
) STRICT;
CREATE INDEX payments_by_order ON payments (order_id);
CREATE INDEX payments_by_terminal_id ON payments (terminal_payment_id);
";

/// A succeeded payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment attempt's request id.
    pub request_id: String,
    /// The order paid.
    pub order_id: String,
    /// Name of the terminal that took it.
    pub terminal: String,
    /// The terminal's or acquirer's id for it; for a payment a manager confirmed, the
    /// reference the manager typed.
    pub terminal_payment_id: String,
    /// What was charged.
    pub amount: Money,
    /// When the ledger recorded the approval (RFC 3339 with offset, from the ledger's clock).
    pub paid_at: String,
    /// When the terminal says it was paid, exactly as it sent it (formats differ by vendor).
    pub terminal_paid_at: Option<String>,
    /// Receipt fields from the terminal (empty for a manager-confirmed payment).
    pub receipt: CardReceipt,
    /// Vendor data needed later, e.g. to refund; for a manager-confirmed payment, who
    /// confirmed it and on what evidence.
    pub vendor_data: Value,
}

/// Inserts the payment row; refuses a terminal payment id already recorded on that terminal.
pub(crate) fn insert(tx: &Transaction<'_>, p: &Payment) -> Result<()> {
    let existing: Option<String> = tx
        .query_row(
            "SELECT request_id FROM payments WHERE terminal = ?1 AND terminal_payment_id = ?2",
            params![p.terminal, p.terminal_payment_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(request_id) = existing {
        return Err(LedgerError::DuplicateTerminalPayment {
            terminal: p.terminal.clone(),
            terminal_payment_id: p.terminal_payment_id.clone(),
            request_id,
        });
    }
    tx.execute(
        "INSERT INTO payments (request_id, order_id, terminal, terminal_payment_id,
                               amount_minor, currency, paid_at, terminal_paid_at, receipt,
                               vendor_data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            p.request_id,
            p.order_id,
            p.terminal,
            p.terminal_payment_id,
            p.amount.minor,
            p.amount.currency.code(),
            p.paid_at,
            p.terminal_paid_at,
            codec::to_json(&p.receipt)?,
            codec::to_json(&p.vendor_data)?
        ],
    )?;
    Ok(())
}

const COLUMNS: &str = "request_id, order_id, terminal, terminal_payment_id, amount_minor,
    currency, paid_at, terminal_paid_at, receipt, vendor_data";

type Raw = (
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn decode(raw: Raw) -> Result<Payment> {
    let (request_id, order_id, terminal, terminal_payment_id, minor, cur, paid_at, tpa, rc, vd) =
        raw;
    Ok(Payment {
        request_id,
        order_id,
        terminal,
        terminal_payment_id,
        amount: codec::money(minor, &cur)?,
        paid_at,
        terminal_paid_at: tpa,
        receipt: codec::from_json(&rc)?,
        vendor_data: codec::from_json(&vd)?,
    })
}

fn one_by(conn: &Connection, column: &str, key: &str) -> Result<Option<Payment>> {
    // Newest first: a terminal payment id may repeat across terminals.
    let sql = format!("SELECT {COLUMNS} FROM payments WHERE {column} = ?1 ORDER BY rowid DESC");
    let raw = conn
        .prepare_cached(&sql)?
        .query_row([key], raw)
        .optional()?;
    raw.map(decode).transpose()
}

/// The payment whose attempt is `request_id`.
pub(crate) fn by_request_id(conn: &Connection, request_id: &str) -> Result<Option<Payment>> {
    one_by(conn, "request_id", request_id)
}

/// The payment found by `key`, tried as the payment request id, then the order id, then the
/// terminal's payment id (the newest if several terminals used the same id).
pub(crate) fn find(conn: &Connection, key: &str) -> Result<Option<Payment>> {
    for column in ["request_id", "order_id", "terminal_payment_id"] {
        if let Some(p) = one_by(conn, column, key)? {
            return Ok(Some(p));
        }
    }
    Ok(None)
}
