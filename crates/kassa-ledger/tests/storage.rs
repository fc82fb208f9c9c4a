//! The ledger file itself: WAL on disk, everything back after a reopen, and files this build
//! must not touch refused with a clear error and left byte for byte as they were.

// Test helpers outside #[test] functions may unwrap: a failed setup should stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_ledger::{Ledger, LedgerError, OrderStatus, TerminalRow, Transition};
use rusqlite::Connection;
use serde_json::json;
use std::path::Path;

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn reopening_a_file_keeps_everything() {
    let (ledger, clock, path, _dir) = file();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    ledger
        .begin_refund_attempt(&refund("R1", "P1", 2_000, false))
        .unwrap();
    send_refund(&ledger, "R1");
    ledger
        .upsert_terminal(&TerminalRow {
            name: "front".into(),
            kind: "antom-lan".into(),
            config: json!({"host": "10.0.0.7", "key_file": "pos.pem"}),
            is_default: true,
        })
        .unwrap();
    ledger
        .set_setting("store", &json!({"name": "Kassa Café", "code": "ST01"}))
        .unwrap();
    ledger
        .audit("manager_lee", "refund", &json!({"request_id": "R1"}))
        .unwrap();
    let before = (
        ledger.order("O1").unwrap(),
        ledger.attempts_for_order("O1").unwrap(),
        ledger.journal("P1").unwrap(),
        ledger.payment("P1").unwrap(),
        ledger.terminals().unwrap(),
        ledger.setting("store").unwrap(),
        ledger.audit_log().unwrap(),
    );
    drop(ledger);

    let again = Ledger::open(&path, clock.clone()).unwrap();
    let after = (
        again.order("O1").unwrap(),
        again.attempts_for_order("O1").unwrap(),
        again.journal("P1").unwrap(),
        again.payment("P1").unwrap(),
        again.terminals().unwrap(),
        again.setting("store").unwrap(),
        again.audit_log().unwrap(),
    );
    assert_eq!(
        before, after,
        "a reopened ledger holds exactly what was committed"
    );
    // The refund that was in flight is still there for recovery, with what it needs.
    let open = again.non_final_attempts().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].request_id.as_str(), open[0].state),
        ("R1", kassa_core::AttemptState::Awaiting)
    );
    assert_eq!(again.refundable("P1").unwrap(), krw(8_000));
    again
        .transition(
            "R1",
            Transition::RefundApproved(refund_approval("TR1", 2_000)),
        )
        .unwrap();
    assert_eq!(
        again.order("O1").unwrap().unwrap().status,
        OrderStatus::PartiallyRefunded
    );

    // WAL is a property of the file: any connection sees it.
    let raw = Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let v: u32 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, Ledger::schema_version());
}

#[test]
fn a_ledger_from_a_newer_kassa_is_refused_and_left_untouched() {
    let (ledger, clock, path, _dir) = file();
    paid_order(&ledger, &clock, "O1", "P1", 4500);
    drop(ledger);
    let newer = Ledger::schema_version() + 1;
    {
        let raw = Connection::open(&path).unwrap();
        raw.pragma_update(None, "user_version", newer).unwrap();
    }
    let before = bytes(&path);
    let err = Ledger::open(&path, clock).unwrap_err();
    assert!(
        matches!(err, LedgerError::NewerVersion { found, supported }
            if found == newer && supported == Ledger::schema_version()),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("Update Kassa") && msg.contains("not changed"),
        "{msg}"
    );
    assert_eq!(bytes(&path), before, "the newer file was not modified");
}

#[test]
fn a_newer_file_in_rollback_journal_mode_is_not_switched_to_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    {
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch(
            "PRAGMA application_id = 1262572371; PRAGMA user_version = 999;
             CREATE TABLE future (x INTEGER);",
        )
        .unwrap();
    }
    let before = bytes(&path);
    let err = Ledger::open(&path, clock()).unwrap_err();
    assert!(
        matches!(err, LedgerError::NewerVersion { found: 999, .. }),
        "{err}"
    );
    // Switching to WAL would rewrite the header: the check runs before any pragma that writes.
    assert_eq!(bytes(&path), before);
    assert!(!dir.path().join("newer.db-wal").exists());
}

#[test]
fn a_file_that_is_not_sqlite_gets_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.db");
    let garbage: Vec<u8> = b"this is a spreadsheet, not a database\n".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let err = Ledger::open(&path, clock()).unwrap_err();
    assert!(matches!(err, LedgerError::NotALedger { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "the message names the file: {msg}"
    );
    assert!(msg.contains("not a SQLite database"), "{msg}");
    assert_eq!(bytes(&path), garbage, "the file was not modified");
}

#[test]
fn a_database_of_another_program_is_not_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch("CREATE TABLE orders (id TEXT); INSERT INTO orders VALUES ('x');")
            .unwrap();
    }
    let before = bytes(&path);
    let err = Ledger::open(&path, clock()).unwrap_err();
    assert!(matches!(err, LedgerError::NotALedger { .. }), "{err}");
    assert!(err.to_string().contains("another program"), "{err}");
    assert_eq!(bytes(&path), before);
}

#[test]
fn a_missing_folder_is_a_clear_open_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no").join("such").join("ledger.db");
    let err = Ledger::open(&path, clock()).unwrap_err();
    assert!(matches!(err, LedgerError::Open { .. }), "{err}");
    assert!(err.to_string().contains("ledger.db"), "{err}");
    assert_eq!(err.code(), "ledger-open");
}

#[test]
fn the_journal_and_audit_log_are_append_only() {
    let (ledger, clock, path, _dir) = file();
    paid_order(&ledger, &clock, "O1", "P1", 4500);
    ledger.audit("kim", "login", &json!({})).unwrap();
    let raw = Connection::open(&path).unwrap();
    for sql in [
        "UPDATE attempt_journal SET event = 'x'",
        "DELETE FROM attempt_journal",
        "UPDATE audit SET actor = 'someone else'",
        "DELETE FROM audit",
    ] {
        let err = raw.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(ledger.journal("P1").unwrap().len(), 4);
}

#[test]
fn the_ledger_can_be_shared_across_threads_and_tasks() {
    fn shareable<T: Send + Sync + 'static>() {}
    // Compile-time check: `Arc<Ledger>` can go into tokio tasks and `spawn_blocking`.
    shareable::<Ledger>();
    let (ledger, _clock) = memory();
    let ledger = std::sync::Arc::new(ledger);
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let l = ledger.clone();
            std::thread::spawn(move || order(&l, &format!("O{n}"), 1_000))
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(ledger.list_orders(&Default::default()).unwrap().len(), 4);
}
