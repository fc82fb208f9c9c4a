//! The `attempts` table (payment and refund attempts, keyed by the request id sent on the
//! wire) and `attempt_journal`, the append-only history of every state change.
//!
//! An attempt row commits before a byte goes to a terminal; every later change is one
//! transaction that updates the row and appends its journal entry together. Partial unique
//! indexes make a second open payment per order, a second succeeded payment per order and a
//! second open refund per payment impossible, whatever the code above them does.

use crate::codec::{self, Stamp};
use crate::error::{LedgerError, Result};
use kassa_core::{AttemptState, Money, RequestId};
use rusqlite::{params, Connection, OptionalExtension, Params, Row, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The attempt states that are not final, as an SQL list.
macro_rules! open_states {
    () => {
        "('created', 'sending', 'awaiting', 'unknown', 'needs-manager')"
    };
}
pub(crate) use open_states;

/// Schema version 1 of `attempts` and `attempt_journal`.
pub(crate) const V1: &str = concat!(
    "
CREATE TABLE attempts (
    seq                 INTEGER PRIMARY KEY,
    request_id          TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    order_id            TEXT NOT NULL REFERENCES orders (id),
    payment_request_id  TEXT REFERENCES payments (request_id),
    terminal            TEXT NOT NULL,
    amount_minor        INTEGER NOT NULL CHECK (amount_minor > 0),
    currency            TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('created', 'sending', 'awaiting',
                            'succeeded', 'failed', 'refused', 'unknown', 'needs-manager')),
    terminal_ref        TEXT,
    reason              TEXT,
    actor               TEXT,
    outcome             TEXT NOT NULL DEFAULT 'null',
    created_at          TEXT NOT NULL,
    sent_at             TEXT,
    updated_at          TEXT NOT NULL,
    CHECK ((kind = 'refund') = (payment_request_id IS NOT NULL))
) STRICT;
CREATE INDEX attempts_by_order ON attempts (order_id, seq);
CREATE INDEX attempts_by_payment ON attempts (payment_request_id, seq)
    WHERE payment_request_id IS NOT NULL;
CREATE INDEX attempts_open ON attempts (seq) WHERE state IN ",
    open_states!(),
    ";
CREATE UNIQUE INDEX attempts_one_open_payment ON attempts (order_id)
    WHERE kind = 'payment' AND state IN ",
    open_states!(),
    ";
CREATE UNIQUE INDEX attempts_one_paid ON attempts (order_id)
    WHERE kind = 'payment' AND state = 'succeeded';
CREATE UNIQUE INDEX attempts_one_open_refund ON attempts (payment_request_id)
    WHERE kind = 'refund' AND state IN ",
    open_states!(),
    ";
CREATE TABLE attempt_journal (
    seq         INTEGER PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES attempts (request_id),
    at          TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    event       TEXT NOT NULL,
    detail      TEXT NOT NULL
) STRICT;
CREATE INDEX attempt_journal_by_attempt ON attempt_journal (request_id, seq);
CREATE TRIGGER attempt_journal_no_update BEFORE UPDATE ON attempt_journal
    BEGIN SELECT RAISE(ABORT, 'the attempt journal is append-only'); END;
CREATE TRIGGER attempt_journal_no_delete BEFORE DELETE ON attempt_journal
    BEGIN SELECT RAISE(ABORT, 'the attempt journal is append-only'); END;
"
);

/// Schema version 6: when the attempt became unknown (the recovery window counts from the
/// moment the call gave up, not from `sent_at`: a call may be held far longer than the
/// window) and when the terminal first answered an inquiry about it (time during which the
/// terminal could not be reached does not spend the window). Attempts already unknown when the
/// file is upgraded count from their last change, the moment they became unknown.
pub(crate) const V6: &str = "
ALTER TABLE attempts ADD COLUMN unknown_since TEXT;
ALTER TABLE attempts ADD COLUMN answered_since TEXT;
UPDATE attempts SET unknown_since = updated_at WHERE state IN ('unknown', 'needs-manager');
";

/// Whether an attempt charges or refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttemptKind {
    /// Charges the order.
    Payment,
    /// Gives back (part of) a succeeded payment.
    Refund,
}

impl AttemptKind {
    /// The ledger's text form (the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptKind::Payment => "payment",
            AttemptKind::Refund => "refund",
        }
    }

    pub(crate) fn from_column(s: &str) -> Result<AttemptKind> {
        match s {
            "payment" => Ok(AttemptKind::Payment),
            "refund" => Ok(AttemptKind::Refund),
            other => Err(LedgerError::Corrupt(format!("attempt kind {other:?}"))),
        }
    }
}

/// A payment attempt to record before anything is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPaymentAttempt {
    /// The id the terminal will see (`paymentRequestId`, `mchOrderNo`); never reused.
    pub request_id: RequestId,
    /// The order it pays.
    pub order_id: String,
    /// Name of the terminal it goes to.
    pub terminal: String,
    /// Amount to charge, in the order's currency (may differ from the total, e.g. a tip).
    pub amount: Money,
}

/// One payment or refund attempt as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// The id sent on the wire.
    pub request_id: String,
    /// Payment or refund.
    pub kind: AttemptKind,
    /// The order it belongs to (a refund's is its payment's order).
    pub order_id: String,
    /// For refunds: the payment attempt refunded.
    pub payment_request_id: Option<String>,
    /// Name of the terminal it went to.
    pub terminal: String,
    /// Amount asked for.
    pub amount: Money,
    /// Where it stands.
    pub state: AttemptState,
    /// The terminal's id for it once known (payment id, refund id), even from an answer that
    /// was not trusted.
    pub terminal_ref: Option<String>,
    /// For refunds: why, as the manager typed it. For payments: why it was refused or could
    /// not be sent (the diagnosis or request-phase detail); `None` otherwise.
    pub reason: Option<String>,
    /// When it was recorded (RFC 3339 with offset).
    pub created_at: String,
    /// When the driver said the request was about to leave the machine.
    pub sent_at: Option<String>,
    /// When it became unknown (the call gave up, or recovery found it interrupted after a
    /// restart): the recovery window counts from here.
    pub unknown_since: Option<String>,
    /// When the terminal first answered an inquiry about it after it became unknown; `None`
    /// while the terminal could not be reached. Settling "no such request" as not charged
    /// needs a full window counted from here.
    pub answered_since: Option<String>,
    /// When it last changed.
    pub updated_at: String,
    /// Summary of the last outcome, or `null` while there is none. Always has `kind`:
    /// `approved` (`terminal_payment_id` or `terminal_refund_id`, `amount`; payments also
    /// `paid_at` and `receipt`, a `CardReceipt`), `declined` (`decline`, a `Decline`),
    /// `unknown` (`reason`, an `UnknownReason`, and `message`), `refused` / `request-failed`
    /// (`detail`), `manager-resolved` (`paid`, `actor`, `evidence`, `terminal_ref`),
    /// `recorded-on-terminal` (`actor`, `terminal_ref`, `note`).
    pub outcome: Value,
    /// For refunds: who asked for it.
    pub actor: Option<String>,
}

/// One line of an attempt's history. The first entry of every attempt is `begin`
/// (from `created` to `created`), written with the row itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// When (RFC 3339 with offset).
    pub at: String,
    /// State before.
    pub from: AttemptState,
    /// State after.
    pub to: AttemptState,
    /// The state machine's event name (`sent`, `approved`, `lost`, ...), or `begin` /
    /// `terminal_ref` for entries that do not move the state.
    pub event: String,
    /// What came with the event (decline code, unknown reason, manager's evidence...).
    pub detail: Value,
}

/// What a new attempt row holds.
pub(crate) struct NewRow<'a> {
    pub request_id: &'a str,
    pub kind: AttemptKind,
    pub order_id: &'a str,
    pub payment_request_id: Option<&'a str>,
    pub terminal: &'a str,
    pub amount: Money,
    pub reason: Option<&'a str>,
    pub actor: Option<&'a str>,
}

/// Inserts an attempt in state `created` with its `begin` journal entry.
pub(crate) fn insert(tx: &Transaction<'_>, now: &Stamp, row: &NewRow<'_>) -> Result<Attempt> {
    if exists(tx, row.request_id)? {
        return Err(LedgerError::DuplicateId(row.request_id.to_string()));
    }
    if row.amount.minor <= 0 {
        return Err(LedgerError::InvalidAmount(row.amount));
    }
    tx.execute(
        "INSERT INTO attempts (request_id, kind, order_id, payment_request_id, terminal,
                               amount_minor, currency, state, reason, actor,
                               created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'created', ?8, ?9, ?10, ?10)",
        params![
            row.request_id,
            row.kind.as_str(),
            row.order_id,
            row.payment_request_id,
            row.terminal,
            row.amount.minor,
            row.amount.currency.code(),
            row.reason,
            row.actor,
            now.text
        ],
    )?;
    let detail = serde_json::json!({
        "kind": row.kind, "order_id": row.order_id, "terminal": row.terminal,
        "amount": row.amount, "payment_request_id": row.payment_request_id,
        "reason": row.reason, "actor": row.actor,
    });
    let created = AttemptState::Created;
    append_journal(tx, now, row.request_id, created, created, "begin", &detail)?;
    get(tx, row.request_id)?.ok_or_else(|| LedgerError::NotFound {
        what: "attempt",
        id: row.request_id.to_string(),
    })
}

fn exists(conn: &Connection, request_id: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM attempts WHERE request_id = ?1",
            [request_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

const COLUMNS: &str = "request_id, kind, order_id, payment_request_id, terminal, amount_minor,
    currency, state, terminal_ref, reason, created_at, sent_at, updated_at, outcome, actor,
    unknown_since, answered_since";

/// A row as stored, before its text columns are read into types.
struct Raw {
    request_id: String,
    kind: String,
    order_id: String,
    payment_request_id: Option<String>,
    terminal: String,
    amount_minor: i64,
    currency: String,
    state: String,
    terminal_ref: Option<String>,
    reason: Option<String>,
    created_at: String,
    sent_at: Option<String>,
    updated_at: String,
    outcome: String,
    actor: Option<String>,
    unknown_since: Option<String>,
    answered_since: Option<String>,
}

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        request_id: r.get(0)?,
        kind: r.get(1)?,
        order_id: r.get(2)?,
        payment_request_id: r.get(3)?,
        terminal: r.get(4)?,
        amount_minor: r.get(5)?,
        currency: r.get(6)?,
        state: r.get(7)?,
        terminal_ref: r.get(8)?,
        reason: r.get(9)?,
        created_at: r.get(10)?,
        sent_at: r.get(11)?,
        updated_at: r.get(12)?,
        outcome: r.get(13)?,
        actor: r.get(14)?,
        unknown_since: r.get(15)?,
        answered_since: r.get(16)?,
    })
}

fn decode(r: Raw) -> Result<Attempt> {
    Ok(Attempt {
        kind: AttemptKind::from_column(&r.kind)?,
        amount: codec::money(r.amount_minor, &r.currency)?,
        state: codec::state(&r.state)?,
        outcome: codec::from_json(&r.outcome)?,
        request_id: r.request_id,
        order_id: r.order_id,
        payment_request_id: r.payment_request_id,
        terminal: r.terminal,
        terminal_ref: r.terminal_ref,
        reason: r.reason,
        created_at: r.created_at,
        sent_at: r.sent_at,
        updated_at: r.updated_at,
        actor: r.actor,
        unknown_since: r.unknown_since,
        answered_since: r.answered_since,
    })
}

/// Attempts matching `filter` (an SQL condition on `attempts`), oldest first.
fn select<P: Params>(conn: &Connection, filter: &str, p: P) -> Result<Vec<Attempt>> {
    let sql = format!("SELECT {COLUMNS} FROM attempts WHERE {filter} ORDER BY seq");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(p, raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(decode).collect()
}

/// One attempt by request id.
pub(crate) fn get(conn: &Connection, request_id: &str) -> Result<Option<Attempt>> {
    Ok(select(conn, "request_id = ?1", [request_id])?
        .into_iter()
        .next())
}

/// One attempt by request id, or `NotFound`.
pub(crate) fn require(conn: &Connection, request_id: &str) -> Result<Attempt> {
    get(conn, request_id)?.ok_or_else(|| LedgerError::NotFound {
        what: "attempt",
        id: request_id.to_string(),
    })
}

/// Every attempt of the order, payments and refunds, oldest first.
pub(crate) fn for_order(conn: &Connection, order_id: &str) -> Result<Vec<Attempt>> {
    select(conn, "order_id = ?1", [order_id])
}

/// Attempts that are not final, oldest first.
pub(crate) fn non_final(conn: &Connection) -> Result<Vec<Attempt>> {
    select(conn, concat!("state IN ", open_states!()), [])
}

/// Refund attempts of one payment, oldest first.
pub(crate) fn refunds_of(conn: &Connection, payment_request_id: &str) -> Result<Vec<Attempt>> {
    select(
        conn,
        "kind = 'refund' AND payment_request_id = ?1",
        [payment_request_id],
    )
}

/// Final attempts whose `updated_at` text lies in `[lo, hi]`, oldest first (through the
/// index of schema version 5).
pub(crate) fn updated_between(conn: &Connection, lo: &str, hi: &str) -> Result<Vec<Attempt>> {
    select(
        conn,
        "updated_at >= ?1 AND updated_at <= ?2 AND state IN ('succeeded', 'failed', 'refused')",
        [lo, hi],
    )
}

/// Non-final attempts that use the terminal `name`.
pub(crate) fn open_on_terminal(conn: &Connection, name: &str) -> Result<Vec<Attempt>> {
    select(
        conn,
        concat!("terminal = ?1 AND state IN ", open_states!()),
        [name],
    )
}

/// What a transition changes on the row besides its state; `None` keeps the stored value.
#[derive(Debug, Default)]
pub(crate) struct Change {
    pub sent_at: Option<String>,
    pub unknown_since: Option<String>,
    pub reason: Option<String>,
    pub terminal_ref: Option<String>,
    pub outcome: Option<Value>,
}

/// Moves the attempt to `to` and applies `change`.
pub(crate) fn update(
    tx: &Transaction<'_>,
    now: &Stamp,
    request_id: &str,
    to: AttemptState,
    change: &Change,
) -> Result<()> {
    let outcome = change.outcome.as_ref().map(codec::to_json).transpose()?;
    tx.execute(
        "UPDATE attempts SET state = ?2, updated_at = ?3,
                sent_at = COALESCE(?4, sent_at),
                terminal_ref = COALESCE(?5, terminal_ref),
                outcome = COALESCE(?6, outcome),
                reason = COALESCE(?7, reason),
                unknown_since = COALESCE(?8, unknown_since)
         WHERE request_id = ?1",
        params![
            request_id,
            to.as_str(),
            now.text,
            change.sent_at,
            change.terminal_ref,
            outcome,
            change.reason,
            change.unknown_since
        ],
    )?;
    Ok(())
}

/// Records that the terminal answered an inquiry about a non-final attempt, the first time
/// only (with a journal entry `terminal_answered`); later answers change nothing. Returns the
/// attempt as it now is.
pub(crate) fn mark_answered(
    tx: &Transaction<'_>,
    now: &Stamp,
    request_id: &str,
) -> Result<Attempt> {
    let a = require(tx, request_id)?;
    if a.answered_since.is_some() || a.state.is_final() {
        return Ok(a);
    }
    tx.execute(
        "UPDATE attempts SET answered_since = ?2 WHERE request_id = ?1",
        params![request_id, now.text],
    )?;
    let detail = serde_json::json!({ "window_from": now.text });
    append_journal(
        tx,
        now,
        request_id,
        a.state,
        a.state,
        "terminal_answered",
        &detail,
    )?;
    require(tx, request_id)
}

/// Appends one journal entry.
pub(crate) fn append_journal(
    tx: &Transaction<'_>,
    now: &Stamp,
    request_id: &str,
    from: AttemptState,
    to: AttemptState,
    event: &str,
    detail: &Value,
) -> Result<()> {
    tx.execute(
        "INSERT INTO attempt_journal (request_id, at, from_state, to_state, event, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            request_id,
            now.text,
            from.as_str(),
            to.as_str(),
            event,
            codec::to_json(detail)?
        ],
    )?;
    Ok(())
}

/// The attempt's journal, oldest first.
pub(crate) fn journal(conn: &Connection, request_id: &str) -> Result<Vec<JournalEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, from_state, to_state, event, detail FROM attempt_journal
         WHERE request_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([request_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(at, from, to, event, detail)| {
            Ok(JournalEntry {
                at,
                from: codec::state(&from)?,
                to: codec::state(&to)?,
                event,
                detail: codec::from_json(&detail)?,
            })
        })
        .collect()
}
