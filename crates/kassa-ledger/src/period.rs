//! Reading a report's period and closing it in one transaction.
//!
//! A day close must count exactly what it records as closed: the totals it reads and the
//! close record it writes (its setting and its audit entry) are one IMMEDIATE transaction, so
//! two closes at once (two windows, the window and `kassactl`) are serialised by SQLite's
//! write lock. The second reads the first's record and finds an empty period; it can never
//! count the same sales again or lose the ones in between.

use crate::activity::{self, Settled};
use crate::attempts::{self, Attempt};
use crate::audit;
use crate::error::Result;
use crate::ledger::Ledger;
use crate::settings;
use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;
use serde_json::Value;

/// A read-only view of the ledger inside one transaction: everything read through it is one
/// snapshot.
#[derive(Debug)]
pub struct PeriodView<'a> {
    conn: &'a Connection,
}

impl PeriodView<'_> {
    /// The JSON value of a setting.
    pub fn setting(&self, key: &str) -> Result<Option<Value>> {
        settings::get(self.conn, key)
    }

    /// The last ledger sequence: a period read now ends here.
    pub fn head(&self) -> Result<i64> {
        activity::journal_head(self.conn)
    }

    /// Payments and refunds that reached a final state at a ledger sequence in
    /// `(after, through]`, in that order, each with its payment row and its order's tax.
    pub fn settled_after(&self, after: i64, through: i64) -> Result<Vec<Settled>> {
        activity::settled_after(self.conn, after, through)
    }

    /// The last ledger sequence of a move to a final state recorded at or before `t`: where
    /// a close that recorded only its time ended.
    pub fn sequence_at(&self, t: DateTime<FixedOffset>) -> Result<i64> {
        activity::journal_seq_at(self.conn, t)
    }

    /// Payments and refunds that are not final, oldest first.
    pub fn non_final_attempts(&self) -> Result<Vec<Attempt>> {
        attempts::non_final(self.conn)
    }
}

/// What closing a period writes: the close record under a setting key and its audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodClose {
    /// The setting that records the last close.
    pub key: String,
    /// Its new value.
    pub record: Value,
    /// Who closed.
    pub actor: String,
    /// The audit action (`day_closed`).
    pub action: String,
    /// The audit detail: the close's figures.
    pub detail: Value,
}

impl Ledger {
    /// Runs `f` on one read snapshot.
    pub fn period_view<T>(&self, f: impl FnOnce(&PeriodView<'_>) -> Result<T>) -> Result<T> {
        self.read(|conn| f(&PeriodView { conn }))
    }

    /// Closes a period atomically: in one IMMEDIATE transaction `build` reads the period
    /// through the view and returns what to write (or refuses with its own error, and nothing
    /// is written); the close record and the audit entry are then written before the
    /// transaction commits. The outer `Result` is the ledger's, the inner one `build`'s.
    pub fn close_period<T, E>(
        &self,
        build: impl FnOnce(&PeriodView<'_>) -> std::result::Result<(PeriodClose, T), E>,
    ) -> Result<std::result::Result<T, E>> {
        self.write(|tx, now| {
            // `build` only reads: when it refuses, the transaction commits nothing.
            match build(&PeriodView { conn: tx }) {
                Ok((close, out)) => {
                    settings::set(tx, now, &close.key, &close.record)?;
                    audit::insert(tx, now, &close.actor, &close.action, &close.detail)?;
                    Ok(Ok(out))
                }
                Err(e) => Ok(Err(e)),
            }
        })
    }
}
