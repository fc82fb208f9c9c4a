//! The `audit` table: an append-only, hash-chained log of privileged actions (refunds, manager
//! resolutions, manual refund records, settings changes, terminals added or removed, day
//! closes, kiosk exits) with who did them. Triggers refuse updates and deletes; the chain
//! ([`crate::audit_chain`]) makes any change made around them (an edited, removed, reordered
//! or cut-off entry) visible to [`crate::Ledger::verify_audit`].
//!
//! Each entry stores `prev_hash` (the previous entry's `hash`, 64 zeros for the first) and
//! `hash = SHA-256(prev_hash || canonical JSON of {action, actor, at, detail, id})`, written in
//! the same transaction as the entry. The single row of `audit_head` records how many entries
//! there are and the last one's id and hash, so removing entries from the end shows too.

use crate::audit_chain::{self, GENESIS};
use crate::codec::{self, Stamp};
use crate::error::{LedgerError, Result};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Schema version 1 of `audit`.
pub(crate) const V1: &str = "
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// Schema version 2: the hash chain and its head. The update trigger is dropped here so
/// [`chain_existing`] can fill in the hashes of entries written before, and created again
/// there, in the same migration transaction.
pub(crate) const V2: &str = "
DROP TRIGGER audit_no_update;
ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_head (
    only       INTEGER PRIMARY KEY CHECK (only = 1),
    count      INTEGER NOT NULL CHECK (count >= 0),
    last_id    INTEGER NOT NULL,
    last_hash  TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    BEGIN SELECT RAISE(ABORT, 'the audit head cannot be removed'); END;
";

/// Recreates the update trigger once the existing entries are chained.
const V2_TRIGGER: &str = "
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// One privileged action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, … with no gaps; the log's order.
    pub id: i64,
    /// When (RFC 3339 with offset).
    pub at: String,
    /// Who (login).
    pub actor: String,
    /// What, as a short verb (`manager_resolved`, `refund`, `day_closed`, `terminal.add`).
    pub action: String,
    /// The action's particulars.
    pub detail: Value,
    /// The previous entry's `hash` (64 zeros for the first entry).
    pub prev_hash: String,
    /// SHA-256 of `prev_hash` and this entry's canonical JSON, lower-case hex.
    pub hash: String,
}

/// The chain's head as recorded in `audit_head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// How many entries were written.
    pub count: i64,
    /// The last entry's id (0 before the first).
    pub last_id: i64,
    /// The last entry's hash ([`GENESIS`] before the first).
    pub last_hash: String,
}

/// The recorded head; `None` if its row is missing (only by tampering).
pub(crate) fn head(conn: &Connection) -> Result<Option<Head>> {
    Ok(conn
        .prepare_cached("SELECT count, last_id, last_hash FROM audit_head WHERE only = 1")?
        .query_row([], |r| {
            Ok(Head {
                count: r.get(0)?,
                last_id: r.get(1)?,
                last_hash: r.get(2)?,
            })
        })
        .optional()?)
}

/// Appends an entry, chained to the one before, and moves the head, in the caller's
/// transaction.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    now: &Stamp,
    actor: &str,
    action: &str,
    detail: &Value,
) -> Result<()> {
    let h = head(tx)?
        .ok_or_else(|| LedgerError::Corrupt("the audit log's head record is missing".into()))?;
    let id = h.last_id + 1;
    let text = codec::to_json(detail)?;
    // Hash what will be read back, so a verifier parsing the stored text gets the same bytes.
    let stored: Value = codec::from_json(&text)?;
    let hash = audit_chain::entry_hash(&h.last_hash, id, &now.text, actor, action, &stored)?;
    tx.prepare_cached(
        "INSERT INTO audit (id, at, actor, action, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id,
        now.text,
        actor,
        action,
        text,
        h.last_hash,
        hash
    ])?;
    tx.prepare_cached(
        "UPDATE audit_head SET count = count + 1, last_id = ?1, last_hash = ?2 WHERE only = 1",
    )?
    .execute(params![id, hash])?;
    Ok(())
}

/// Migration step of version 2: chains the entries an older build wrote, in id order, writes
/// the head, and restores the update trigger.
pub(crate) fn chain_existing(tx: &Transaction<'_>) -> Result<()> {
    let rows = {
        let mut stmt = tx.prepare("SELECT id, at, actor, action, detail FROM audit ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let mut prev = GENESIS.to_string();
    let mut last_id = 0;
    for (id, at, actor, action, detail) in &rows {
        let value: Value = codec::from_json(detail)?;
        let hash = audit_chain::entry_hash(&prev, *id, at, actor, action, &value)?;
        tx.execute(
            "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE id = ?3",
            params![prev, hash, id],
        )?;
        prev = hash;
        last_id = *id;
    }
    tx.execute(
        "INSERT INTO audit_head (only, count, last_id, last_hash) VALUES (1, ?1, ?2, ?3)",
        params![rows.len() as i64, last_id, prev],
    )?;
    tx.execute_batch(V2_TRIGGER)?;
    Ok(())
}

/// One stored row as text, before its detail is parsed.
pub(crate) struct RawEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Calls `f` with every stored row in id order, without holding them all in memory; stops at
/// the first `Some` that `f` returns.
pub(crate) fn scan<T>(
    conn: &Connection,
    mut f: impl FnMut(RawEntry) -> Result<Option<T>>,
) -> Result<Option<T>> {
    let mut stmt = conn
        .prepare("SELECT id, at, actor, action, detail, prev_hash, hash FROM audit ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let raw = RawEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            detail: r.get(4)?,
            prev_hash: r.get(5)?,
            hash: r.get(6)?,
        };
        if let Some(out) = f(raw)? {
            return Ok(Some(out));
        }
    }
    Ok(None)
}

/// The whole log, oldest first.
pub(crate) fn all(conn: &Connection) -> Result<Vec<AuditEntry>> {
    let mut out = Vec::new();
    scan(conn, |r| {
        out.push(AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor,
            action: r.action,
            detail: codec::from_json(&r.detail)?,
            prev_hash: r.prev_hash,
            hash: r.hash,
        });
        Ok(None::<()>)
    })?;
    Ok(out)
}
