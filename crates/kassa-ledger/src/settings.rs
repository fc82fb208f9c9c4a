//! The `settings` table: application settings as key → JSON value. Keys, passwords and PINs
//! are refused, as in terminal configs.

use crate::codec::{self, Stamp};
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;

/// Schema version 1 of `settings`.
pub(crate) const V1: &str = "
CREATE TABLE settings (
    key         TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
";

/// The value stored under `key`.
pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<Value>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    text.map(|t| codec::from_json(&t)).transpose()
}

/// Stores `value` under `key`, replacing what was there.
pub(crate) fn set(tx: &Transaction<'_>, now: &Stamp, key: &str, value: &Value) -> Result<()> {
    // The key is the field name: `{"manager_pin": ...}` is refused like a config field.
    codec::refuse_secrets(&serde_json::json!({ key: value }), "settings")?;
    tx.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, codec::to_json(value)?, now.text],
    )?;
    Ok(())
}
