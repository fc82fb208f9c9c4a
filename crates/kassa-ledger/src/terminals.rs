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

/// Settings that do not say which device a terminal is: timeouts and the recovery policy,
/// how long a payment waits on the terminal, the refund mode, the payment method offered, the
/// envelope profile and the currency. Everything else — the kind, addresses and ports, USB
/// serial, client, merchant, device and terminal ids, registration number, base URL, login
/// and every key or pairing-key file — identifies the device, and an unknown new field is
/// counted as identity too (fail closed). A key file rewritten in place under the same path
/// is not seen here.
const NOT_IDENTITY: &[&str] = &[
    "timing",
    "payment_expiry_secs",
    "customer_mode",
    "payment_method",
    "envelope",
    "currency",
];

/// The identity settings that differ between two rows of one terminal (`kind` first).
pub(crate) fn identity_changes(old: &TerminalRow, new: &TerminalRow) -> Vec<String> {
    let mut out = Vec::new();
    if old.kind != new.kind {
        out.push("kind".to_string());
    }
    let empty = serde_json::Map::new();
    let (a, b) = (
        old.config.as_object().unwrap_or(&empty),
        new.config.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        if !NOT_IDENTITY.contains(&k.as_str()) && a.get(k) != b.get(k) {
            out.push(k.clone());
        }
    }
    if !old.config.is_object() && old.config != new.config {
        out.push("config".to_string());
    }
    out
}

/// Inserts or replaces the terminal `t.name`. Changing the identity of an existing terminal
/// (see [`NOT_IDENTITY`]) is refused while an attempt or refund on it is not final: recovery
/// must keep asking the device that took it.
pub(crate) fn upsert(tx: &Transaction<'_>, now: &Stamp, t: &TerminalRow) -> Result<()> {
    codec::refuse_secrets(&t.config, "config")?;
    if let Some(old) = get(tx, &t.name)? {
        let fields = identity_changes(&old, t);
        if !fields.is_empty() {
            if let Some(open) = attempts::open_on_terminal(tx, &t.name)?.into_iter().next() {
                return Err(LedgerError::TerminalIdentityLocked {
                    name: t.name.clone(),
                    request_id: open.request_id,
                    fields,
                });
            }
        }
    }
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
