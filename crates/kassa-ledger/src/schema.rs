//! Opening a ledger file safely and bringing its schema up to date.
//!
//! The schema version lives in `PRAGMA user_version`; `PRAGMA application_id` marks the file as
//! Kassa's. Each table's migration SQL sits beside the table's code; [`MIGRATIONS`] lists them
//! in order. Opening checks the file *before* writing anything: a file that is not SQLite, a
//! SQLite file of another program, or a ledger from a newer Kassa is refused untouched.

use crate::error::{LedgerError, Result};
use crate::{
    activity, attempts, audit, leases, order_lines, order_list, orders, payments, print_jobs,
    refunds, settings, terminals,
};
use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// `PRAGMA application_id` of a Kassa ledger: "KASS" in ASCII.
pub(crate) const APPLICATION_ID: i32 = 0x4B41_5353;

/// How long a connection waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One schema version: the SQL that takes the file from the previous version to this one,
/// and what SQL cannot do (computing hashes), run after it in the same transaction.
struct Migration {
    version: u32,
    steps: &'static [&'static str],
    then: Option<fn(&Transaction<'_>) -> Result<()>>,
}

/// Every schema version this build knows, oldest first. A schema change is a new version
/// here: files written by earlier builds are upgraded step by step when opened.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        steps: &[
            orders::V1,
            order_lines::V1,
            attempts::V1,
            payments::V1,
            refunds::V1,
            terminals::V1,
            settings::V1,
            audit::V1,
        ],
        then: None,
    },
    // The audit log becomes a hash chain; entries already written are chained in id order.
    Migration {
        version: 2,
        steps: &[audit::V2],
        then: Some(audit::chain_existing),
    },
    // The print queue: print jobs become ledger rows.
    Migration {
        version: 3,
        steps: &[print_jobs::V1],
        then: None,
    },
    // Id prefix searches through indexes instead of a scan of every order (load figures in
    // docs/RELIABILITY.md).
    Migration {
        version: 4,
        steps: &[order_list::SEARCH_INDEXES],
        then: None,
    },
    // The Z report reads what ended in its period through an index, not every recent order.
    Migration {
        version: 5,
        steps: &[activity::V5],
        then: None,
    },
    // Recovery windows count from when an attempt became unknown; attempts carry the lease
    // of the process working on them.
    Migration {
        version: 6,
        steps: &[attempts::V6, leases::V6],
        then: None,
    },
];

/// The schema version this build writes.
pub(crate) fn latest() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// What the file is, read without writing: its `user_version`, its `application_id`, and
/// whether it holds any tables at all.
struct Identity {
    version: u32,
    application_id: i32,
    has_tables: bool,
}

fn identify(conn: &Connection) -> rusqlite::Result<Identity> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let application_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    Ok(Identity {
        version: u32::try_from(version).unwrap_or(u32::MAX),
        application_id,
        has_tables: tables > 0,
    })
}

/// Refuses, before anything is written, a file this build must not touch. `path` is only
/// used in messages.
pub(crate) fn check(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let id = identify(conn).map_err(|e| match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => LedgerError::NotALedger {
            path: path.to_path_buf(),
            detail: "it is not a SQLite database".into(),
        },
        _ => LedgerError::Open {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
    })?;
    let ours = id.application_id == APPLICATION_ID;
    let fresh = id.version == 0 && id.application_id == 0 && !id.has_tables;
    if !ours && !fresh {
        return Err(LedgerError::NotALedger {
            path: path.to_path_buf(),
            detail: "it is a SQLite database of another program".into(),
        });
    }
    if id.version > latest() {
        return Err(LedgerError::NewerVersion {
            found: id.version,
            supported: latest(),
        });
    }
    Ok(())
}

/// Sets the connection's durability and integrity rules: WAL, `synchronous=FULL` (a commit
/// survives power loss), foreign keys enforced, and a 5 s wait on another writer's lock.
pub(crate) fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Returns the mode now in force: `wal` for files, `memory` for `:memory:`.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Applies every migration newer than the file, each in one IMMEDIATE transaction together
/// with its `user_version`, so a crash leaves the file at one version or the next.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    for m in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read again under the write lock: another process may have migrated meanwhile.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current >= i64::from(m.version) {
            continue;
        }
        for sql in m.steps {
            tx.execute_batch(sql)?;
        }
        if let Some(then) = m.then {
            then(&tx)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", m.version)?;
        tx.commit()?;
        tracing::info!(version = m.version, "ledger schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_so_user_version_means_one_thing() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
        }
        assert_eq!(latest(), MIGRATIONS.len() as u32);
    }

    #[test]
    fn migrating_twice_changes_nothing_the_second_time() {
        let mut conn = Connection::open_in_memory().unwrap();
        check(&conn, Path::new(":memory:")).unwrap();
        configure(&conn).unwrap();
        migrate(&mut conn).unwrap();
        let count = |c: &Connection| -> i64 {
            c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
                .unwrap()
        };
        let before = count(&conn);
        migrate(&mut conn).unwrap();
        assert_eq!(
            count(&conn),
            before,
            "a second migrate must not re-run any step"
        );
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest());
        // The migrated file now identifies as a Kassa ledger.
        check(&conn, Path::new(":memory:")).unwrap();
    }

    #[test]
    fn a_version_1_file_with_audit_entries_is_upgraded_and_its_entries_chained() {
        // A genuine version-1 file: only the first migration, entries written the old way.
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in MIGRATIONS[0].steps {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        let rows = [
            (
                "2026-11-21T09:00:00.000+09:00",
                "lee",
                "refund",
                r#"{"b":1,"a":"x"}"#,
            ),
            (
                "2026-11-21T09:01:00.000+09:00",
                "lee",
                "manager_resolved",
                r#"{"paid":true}"#,
            ),
            (
                "2026-11-21T09:02:00.000+09:00",
                "kim",
                "terminal.add",
                r#"{"name":"front"}"#,
            ),
        ];
        for (at, actor, action, detail) in rows {
            conn.execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![at, actor, action, detail],
            )
            .unwrap();
        }

        migrate(&mut conn).unwrap();

        let v = crate::audit_chain::verify(&conn).unwrap();
        assert!(v.is_intact(), "{v:?}");
        assert_eq!(v.entries, 3);
        // The chain is the documented one, computed here entry by entry.
        let mut prev = crate::audit_chain::GENESIS.to_string();
        for (e, (at, actor, action, detail)) in crate::audit::all(&conn).unwrap().iter().zip(rows) {
            let d: serde_json::Value = serde_json::from_str(detail).unwrap();
            let h = crate::audit_chain::entry_hash(&prev, e.id, at, actor, action, &d).unwrap();
            assert_eq!((&e.prev_hash, &e.hash), (&prev, &h));
            prev = h;
        }
        assert_eq!(v.head_hash, prev);
        assert!(
            conn.execute("UPDATE audit SET actor = 'x' WHERE id = 1", [])
                .is_err(),
            "the upgrade puts the append-only trigger back"
        );
    }
}
