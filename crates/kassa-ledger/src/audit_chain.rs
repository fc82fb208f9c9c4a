//! The audit log's hash chain: the canonical form an entry is hashed in, the hash itself, and
//! the verifier that walks the log and reports the first entry that does not hold.
//!
//! Canonical JSON here means: objects with their keys sorted by their UTF-8 bytes, no
//! whitespace, strings escaped as `serde_json` writes them, numbers as `serde_json` prints
//! them. An entry is hashed as the object `{"action","actor","at","detail","id"}` in that
//! canonical form, prefixed by the previous entry's hash in lower-case hex:
//! `hash = hex(SHA-256(prev_hash || canonical))`.
//!
//! The chain proves the log was not changed *by anyone without Kassa's code*: whoever can
//! rewrite the file and recompute every hash can forge a consistent log, so keep backups (or
//! a copy of the head hash elsewhere) where the till cannot write.

use crate::audit::{self, RawEntry};
use crate::codec;
use crate::error::Result;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

/// `prev_hash` of the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Appends `v` to `out` in canonical JSON.
fn canonical_into(v: &Value, out: &mut String) -> Result<()> {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            out.push_str(&serde_json::to_string(v)?);
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_into(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k)?);
                out.push(':');
                if let Some(item) = map.get(k) {
                    canonical_into(item, out)?;
                }
            }
            out.push('}');
        }
    }
    Ok(())
}

/// `v` in canonical JSON.
pub(crate) fn canonical(v: &Value) -> Result<String> {
    let mut out = String::new();
    canonical_into(v, &mut out)?;
    Ok(out)
}

/// The hash of one entry chained to `prev_hash`.
pub(crate) fn entry_hash(
    prev_hash: &str,
    id: i64,
    at: &str,
    actor: &str,
    action: &str,
    detail: &Value,
) -> Result<String> {
    let body = serde_json::json!({
        "id": id, "at": at, "actor": actor, "action": action, "detail": detail,
    });
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical(&body)?.as_bytes());
    Ok(hex::encode(h.finalize()))
}

/// What is wrong at the first entry that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "kebab-case")]
pub enum AuditFault {
    /// The entry's contents no longer match its hash: it was changed after it was written.
    Edited,
    /// Ids jump over `expected`: that entry (and any up to the one found) was removed.
    Missing {
        /// The id that should have come next.
        expected: i64,
    },
    /// The entry is not chained to the one before it (its `prev_hash` is another entry's
    /// hash): entries were reordered, or one was removed or slipped in and renumbered.
    OutOfOrder,
    /// The log ends before the recorded head: entries were removed from the end.
    Truncated {
        /// Entries the head records.
        recorded: i64,
        /// Entries present.
        found: i64,
    },
    /// The log goes on past the recorded head, or its last hash is not the recorded one:
    /// entries were added or rewritten outside Kassa.
    HeadMismatch,
    /// The head record itself is gone while the log has entries.
    HeadMissing,
    /// The entry's detail is not JSON any more.
    Unreadable,
}

/// The first entry that does not hold, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditBreak {
    /// The entry's id (for a truncated log: the last id the head records).
    pub id: i64,
    /// What is wrong there.
    #[serde(flatten)]
    pub fault: AuditFault,
}

impl fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id;
        match &self.fault {
            AuditFault::Edited => write!(
                f,
                "audit entry {id} was changed after it was written (its contents do not match its hash)"
            ),
            AuditFault::Missing { expected } => write!(
                f,
                "audit entry {expected} is missing: the log jumps from {} to {id}",
                expected - 1
            ),
            AuditFault::OutOfOrder => write!(
                f,
                "audit entry {id} does not follow the entry before it: entries were reordered, removed or inserted"
            ),
            AuditFault::Truncated { recorded, found } => write!(
                f,
                "the audit log was cut short: {recorded} entries were written (up to {id}) but {found} are left"
            ),
            AuditFault::HeadMismatch => write!(
                f,
                "the audit log does not end where Kassa last wrote it (entry {id}): entries were added or rewritten outside Kassa"
            ),
            AuditFault::HeadMissing => {
                write!(f, "the audit log's head record was removed (log has entries up to {id})")
            }
            AuditFault::Unreadable => write!(f, "audit entry {id} no longer holds readable JSON"),
        }
    }
}

/// What verifying the log found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    /// Entries checked (up to the first break).
    pub entries: i64,
    /// The hash of the last entry that held ([`GENESIS`]-like zeros for an empty log).
    pub head_hash: String,
    /// The first broken link; `None` when the whole log holds.
    pub first_break: Option<AuditBreak>,
}

impl AuditVerification {
    /// True when no entry was edited, removed, reordered or cut off.
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Walks the whole log in id order and checks each link, then the head.
pub(crate) fn verify(conn: &Connection) -> Result<AuditVerification> {
    let mut prev_hash = GENESIS.to_string();
    let mut prev_id = 0i64;
    let mut count = 0i64;
    let broken = audit::scan(conn, |r: RawEntry| {
        if r.id != prev_id + 1 {
            let fault = if r.id > prev_id + 1 {
                AuditFault::Missing {
                    expected: prev_id + 1,
                }
            } else {
                AuditFault::OutOfOrder
            };
            return Ok(Some(AuditBreak { id: r.id, fault }));
        }
        if r.prev_hash != prev_hash {
            return Ok(Some(AuditBreak {
                id: r.id,
                fault: AuditFault::OutOfOrder,
            }));
        }
        let Ok(detail) = codec::from_json::<Value>(&r.detail) else {
            return Ok(Some(AuditBreak {
                id: r.id,
                fault: AuditFault::Unreadable,
            }));
        };
        let hash = entry_hash(&r.prev_hash, r.id, &r.at, &r.actor, &r.action, &detail)?;
        if hash != r.hash {
            return Ok(Some(AuditBreak {
                id: r.id,
                fault: AuditFault::Edited,
            }));
        }
        prev_hash = hash;
        prev_id = r.id;
        count += 1;
        Ok(None)
    })?;
    let first_break = match broken {
        Some(b) => Some(b),
        None => check_head(conn, count, prev_id, &prev_hash)?,
    };
    Ok(AuditVerification {
        entries: count,
        head_hash: prev_hash,
        first_break,
    })
}

/// Compares the end of an intact walk with the recorded head.
fn check_head(
    conn: &Connection,
    count: i64,
    last_id: i64,
    last_hash: &str,
) -> Result<Option<AuditBreak>> {
    let Some(head) = audit::head(conn)? else {
        return Ok((count > 0).then_some(AuditBreak {
            id: last_id,
            fault: AuditFault::HeadMissing,
        }));
    };
    if count < head.count {
        return Ok(Some(AuditBreak {
            id: head.last_id,
            fault: AuditFault::Truncated {
                recorded: head.count,
                found: count,
            },
        }));
    }
    if count > head.count || head.last_id != last_id || head.last_hash != last_hash {
        return Ok(Some(AuditBreak {
            id: last_id,
            fault: AuditFault::HeadMismatch,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_drops_whitespace() {
        let v: Value = serde_json::from_str(
            r#"{ "b": 1, "a": { "z": [1, {"y": true, "x": null}], "m": "é\"" } }"#,
        )
        .unwrap();
        assert_eq!(
            canonical(&v).unwrap(),
            r#"{"a":{"m":"é\"","z":[1,{"x":null,"y":true}]},"b":1}"#
        );
    }

    #[test]
    fn the_hash_covers_every_field_and_the_previous_hash() {
        let d = json!({"request_id": "R1"});
        let base = entry_hash(GENESIS, 1, "t", "lee", "refund", &d).unwrap();
        assert_eq!(base.len(), 64);
        let variants = [
            entry_hash(&"1".repeat(64), 1, "t", "lee", "refund", &d).unwrap(),
            entry_hash(GENESIS, 2, "t", "lee", "refund", &d).unwrap(),
            entry_hash(GENESIS, 1, "u", "lee", "refund", &d).unwrap(),
            entry_hash(GENESIS, 1, "t", "kim", "refund", &d).unwrap(),
            entry_hash(GENESIS, 1, "t", "lee", "resolve", &d).unwrap(),
            entry_hash(
                GENESIS,
                1,
                "t",
                "lee",
                "refund",
                &json!({"request_id": "R2"}),
            )
            .unwrap(),
        ];
        for v in variants {
            assert_ne!(v, base, "changing any part must change the hash");
        }
    }

    #[test]
    fn the_hash_is_independent_of_key_order() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":2}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y":2,"x":1}"#).unwrap();
        assert_eq!(
            entry_hash(GENESIS, 1, "t", "a", "b", &a).unwrap(),
            entry_hash(GENESIS, 1, "t", "a", "b", &b).unwrap()
        );
    }

    #[test]
    fn the_hash_is_sha256_of_prev_and_canonical_body() {
        // An independent computation of the documented formula.
        let d = json!({"n": 1});
        let body = r#"{"action":"a","actor":"b","at":"c","detail":{"n":1},"id":7}"#;
        let expect = hex::encode(Sha256::digest(format!("{GENESIS}{body}").as_bytes()));
        assert_eq!(entry_hash(GENESIS, 7, "c", "b", "a", &d).unwrap(), expect);
    }
}
