//! The `audit` table: an append-only log of privileged actions (refunds, manager
//! resolutions, settings changes) with who did them. Triggers refuse updates and deletes.

use crate::codec::{self, Stamp};
use crate::error::Result;
use rusqlite::{params, Connection, Transaction};
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

/// One privileged action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Increasing with time; the log's order.
    pub id: i64,
    /// When (RFC 3339 with offset).
    pub at: String,
    /// Who (login).
    pub actor: String,
    /// What, as a short verb (`manager_resolved`, `refund`, `settings_changed`).
    pub action: String,
    /// The action's particulars.
    pub detail: Value,
}

/// Appends an entry.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    now: &Stamp,
    actor: &str,
    action: &str,
    detail: &Value,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
        params![now.text, actor, action, codec::to_json(detail)?],
    )?;
    Ok(())
}

/// The whole log, oldest first.
pub(crate) fn all(conn: &Connection) -> Result<Vec<AuditEntry>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, at, actor, action, detail FROM audit ORDER BY id")?;
    let raws = stmt
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
    raws.into_iter()
        .map(|(id, at, actor, action, detail)| {
            Ok(AuditEntry {
                id,
                at,
                actor,
                action,
                detail: codec::from_json(&detail)?,
            })
        })
        .collect()
}
