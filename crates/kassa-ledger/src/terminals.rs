//! The `terminals` table: the payment terminals this till uses, each with its driver kind and
//! a JSON config. The config holds addresses and options, never keys or PINs: those stay in
//! the key store, and a config that looks like it holds one is refused.

use crate::attempts;
use crate::codec::{self, Stamp};
use crate::error::{LedgerError, Result};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Schema version 1 of `terminals`. At most one row is the default.
pub(crate) const V1: &str = "
CREATE TABLE terminals (
    name        TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
    kind        TEXT NOT NULL,
    config      TEXT NOT NULL,
    is_default  INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX terminals_one_default ON terminals (is_default) WHERE is_default = 1;
";

/// A configured terminal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminalRow {
    /// The name cashiers see and attempts refer to; unique.
    pub name: String,
    /// The driver (`antom-lan`, `kicc`, `iotpay`), as `Terminal::kind` reports it.
    pub kind: String,
    /// Driver settings (host, port, merchant id, key *file*); never keys or PINs.
    pub config: Value,
    /// Whether new sales use this terminal; setting it clears it on every other terminal.
    pub is_default: bool,
}

/// Inserts or replaces the terminal `t.name`.
pub(crate) fn upsert(tx: &Transaction<'_>, now: &Stamp, t: &TerminalRow) -> Result<()> {
    codec::refuse_secrets(&t.config, "config")?;
    if t.is_default {
        tx.execute(
            "UPDATE terminals SET is_default = 0 WHERE name <> ?1",
            [&t.name],
        )?;
    }
    tx.execute(
        "INSERT INTO terminals (name, kind, config, is_default, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, config = excluded.config,
             is_default = excluded.is_default, updated_at = excluded.updated_at",
        params![
            t.name,
            t.kind,
            codec::to_json(&t.config)?,
            t.is_default,
            now.text
        ],
    )?;
    Ok(())
}

fn decode(r: &Row<'_>) -> rusqlite::Result<(String, String, String, bool)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn row((name, kind, config, is_default): (String, String, String, bool)) -> Result<TerminalRow> {
    Ok(TerminalRow {
        name,
        kind,
        config: codec::from_json(&config)?,
        is_default,
    })
}

/// One terminal by name.
pub(crate) fn get(conn: &Connection, name: &str) -> Result<Option<TerminalRow>> {
    let raw = conn
        .prepare_cached("SELECT name, kind, config, is_default FROM terminals WHERE name = ?1")?
        .query_row([name], decode)
        .optional()?;
    raw.map(row).transpose()
}

/// Every terminal, by name.
pub(crate) fn all(conn: &Connection) -> Result<Vec<TerminalRow>> {
    let mut stmt =
        conn.prepare_cached("SELECT name, kind, config, is_default FROM terminals ORDER BY name")?;
    let raws = stmt
        .query_map([], decode)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter().map(row).collect()
}

/// Removes a terminal; refused while an attempt on it is not final, since recovery needs the
/// terminal to settle it.
pub(crate) fn remove(tx: &Transaction<'_>, name: &str) -> Result<()> {
    if let Some(open) = attempts::open_on_terminal(tx, name)?.into_iter().next() {
        return Err(LedgerError::TerminalInUse {
            name: name.to_string(),
            request_id: open.request_id,
        });
    }
    let n = tx.execute("DELETE FROM terminals WHERE name = ?1", [name])?;
    if n == 0 {
        return Err(LedgerError::NotFound {
            what: "terminal",
            id: name.to_string(),
        });
    }
    Ok(())
}
