//! The audit log's hash chain on real SQLite files: every entry (including those the ledger
//! writes itself for manager decisions and manual refunds) is chained, and each way of
//! tampering with the file behind Kassa's back — editing a row, deleting one, swapping two
//! rows' ids, cutting the tail — is found by `verify_audit` at the right entry. (The upgrade
//! of a file from before the chain is tested in `schema.rs`, on a genuine version-1 file.)

// Test code: a failed setup should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_core::UnknownReason;
use kassa_ledger::{AuditFault, Ledger, Transition};
use rusqlite::Connection;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Duration;

const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A file ledger with five entries: three through `audit`, one manager decision and one
/// manual refund record written by the ledger itself.
fn five_entries() -> (Ledger, std::path::PathBuf, tempfile::TempDir) {
    let (ledger, clock, path, dir) = file();
    ledger
        .audit(
            "manager_lee",
            "settings_changed",
            &json!({"key": "store", "name": "Café"}),
        )
        .unwrap();
    clock.advance(Duration::from_secs(1));
    ledger
        .audit(
            "manager_lee",
            "terminal.add",
            &json!({"name": "front", "kind": "antom-lan"}),
        )
        .unwrap();
    // A manual refund record (audited by the ledger in the refund's transaction).
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    ledger
        .record_manual_refund(&refund("R1", "P1", 2_000, false), "TR-1", "done on the PAX")
        .unwrap();
    // A manager's decision on an unknown payment.
    order(&ledger, "O2", 4_500);
    begin_pay(&ledger, "P2", "O2", 4_500);
    for t in [Transition::DiagnosedOk, Transition::Sent] {
        ledger.transition("P2", t).unwrap();
    }
    ledger
        .transition(
            "P2",
            Transition::Lost(UnknownReason::BadSignature("bad".into())),
        )
        .unwrap();
    ledger.transition("P2", Transition::Escalated).unwrap();
    ledger
        .transition(
            "P2",
            Transition::ManagerResolved {
                paid: false,
                actor: "manager_lee".into(),
                evidence: "terminal shows no payment".into(),
                terminal_ref: None,
            },
        )
        .unwrap();
    clock.advance(Duration::from_secs(1));
    ledger
        .audit(
            "manager_lee",
            "day_closed",
            &json!({"number": 1, "sales_minor": 10000}),
        )
        .unwrap();
    assert_eq!(ledger.audit_log().unwrap().len(), 5);
    (ledger, path, dir)
}

/// A raw connection on the file with the append-only triggers dropped, as someone editing
/// the file by hand would do.
fn tamper(path: &Path) -> Connection {
    let c = Connection::open(path).unwrap();
    c.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    c
}

#[test]
fn an_untouched_log_is_intact_and_every_entry_links_to_the_one_before() {
    let (ledger, _path, _dir) = five_entries();
    let log = ledger.audit_log().unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "settings_changed",
            "terminal.add",
            "manual_refund",
            "manager_resolved",
            "day_closed"
        ]
    );
    assert_eq!(
        log[0].prev_hash, ZEROS,
        "the first entry links to the genesis value"
    );
    for pair in log.windows(2) {
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "entry {} links to {}",
            pair[1].id, pair[0].id
        );
        assert_eq!(pair[1].id, pair[0].id + 1, "ids have no gaps");
    }
    let v = ledger.verify_audit().unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.entries, 5);
    assert_eq!(v.head_hash, log[4].hash);
}

#[test]
fn the_stored_hash_is_sha256_of_prev_hash_and_the_canonical_entry() {
    let (ledger, _clock) = memory();
    ledger
        .audit("kim", "refund", &json!({"z": 1, "a": "x"}))
        .unwrap();
    let e = &ledger.audit_log().unwrap()[0];
    // Computed here from the documented formula, independently of the ledger's code.
    let body = format!(
        r#"{{"action":"refund","actor":"kim","at":"{}","detail":{{"a":"x","z":1}},"id":1}}"#,
        e.at
    );
    let expected = hex::encode(Sha256::digest(format!("{ZEROS}{body}").as_bytes()));
    assert_eq!(e.hash, expected);
}

#[test]
fn an_edited_detail_is_found_at_that_entry() {
    let (ledger, path, _dir) = five_entries();
    tamper(&path)
        .execute(
            "UPDATE audit SET detail = '{\"number\":1,\"sales_minor\":1}' WHERE id = 5",
            [],
        )
        .unwrap();
    let b = ledger
        .verify_audit()
        .unwrap()
        .first_break
        .expect("an edit must be found");
    assert_eq!((b.id, b.fault.clone()), (5, AuditFault::Edited));
    assert!(b.to_string().contains("entry 5 was changed"), "{b}");

    // An edit of the actor of an earlier entry is found there, before anything later.
    tamper_again(&path, "UPDATE audit SET actor = 'cashier_kim' WHERE id = 2");
    let b = ledger.verify_audit().unwrap().first_break.unwrap();
    assert_eq!((b.id, b.fault), (2, AuditFault::Edited));
}

fn tamper_again(path: &Path, sql: &str) {
    Connection::open(path).unwrap().execute(sql, []).unwrap();
}

#[test]
fn a_deleted_entry_is_found_where_the_ids_jump() {
    let (ledger, path, _dir) = five_entries();
    tamper(&path)
        .execute("DELETE FROM audit WHERE id = 3", [])
        .unwrap();
    let b = ledger
        .verify_audit()
        .unwrap()
        .first_break
        .expect("a removal must be found");
    assert_eq!(
        (b.id, b.fault.clone()),
        (4, AuditFault::Missing { expected: 3 })
    );
    assert!(b.to_string().contains("entry 3 is missing"), "{b}");
}

#[test]
fn a_deleted_and_renumbered_entry_is_found_by_its_broken_link() {
    let (ledger, path, _dir) = five_entries();
    let c = tamper(&path);
    c.execute("DELETE FROM audit WHERE id = 3", []).unwrap();
    c.execute("UPDATE audit SET id = id - 1 WHERE id > 3", [])
        .unwrap();
    let b = ledger.verify_audit().unwrap().first_break.unwrap();
    assert_eq!((b.id, b.fault), (3, AuditFault::OutOfOrder));
}

#[test]
fn two_swapped_entries_are_found_at_the_first_of_them() {
    let (ledger, path, _dir) = five_entries();
    let c = tamper(&path);
    c.execute_batch(
        "UPDATE audit SET id = -1 WHERE id = 2;
         UPDATE audit SET id = 2 WHERE id = 3;
         UPDATE audit SET id = 3 WHERE id = -1;",
    )
    .unwrap();
    let log = ledger.audit_log().unwrap();
    assert_eq!(log[1].action, "manual_refund", "the swap really happened");
    let b = ledger
        .verify_audit()
        .unwrap()
        .first_break
        .expect("a reorder must be found");
    assert_eq!((b.id, b.fault), (2, AuditFault::OutOfOrder));
}

#[test]
fn a_cut_off_tail_is_found_against_the_head() {
    let (ledger, path, _dir) = five_entries();
    tamper(&path)
        .execute("DELETE FROM audit WHERE id >= 4", [])
        .unwrap();
    let v = ledger.verify_audit().unwrap();
    let b = v.first_break.expect("a truncation must be found");
    assert_eq!(
        (b.id, b.fault.clone()),
        (
            5,
            AuditFault::Truncated {
                recorded: 5,
                found: 3
            }
        )
    );
    assert_eq!(v.entries, 3, "the three entries left still hold");
    assert!(b.to_string().contains("cut short"), "{b}");
}

#[test]
fn an_entry_forged_outside_kassa_does_not_match_the_head() {
    let (ledger, path, _dir) = five_entries();
    let last = ledger.audit_log().unwrap().pop().unwrap();
    // A well-formed entry, correctly chained, but not written through the ledger.
    let at = "2026-11-21T23:00:00.000+09:00";
    let body = format!(r#"{{"action":"refund","actor":"x","at":"{at}","detail":{{}},"id":6}}"#);
    let hash = hex::encode(Sha256::digest(format!("{}{body}", last.hash).as_bytes()));
    tamper(&path)
        .execute(
            "INSERT INTO audit (id, at, actor, action, detail, prev_hash, hash)
             VALUES (6, ?1, 'x', 'refund', '{}', ?2, ?3)",
            rusqlite::params![at, last.hash, hash],
        )
        .unwrap();
    let b = ledger.verify_audit().unwrap().first_break.unwrap();
    assert_eq!((b.id, b.fault), (6, AuditFault::HeadMismatch));
}

#[test]
fn the_triggers_still_refuse_edits_through_sql() {
    let (ledger, path, _dir) = five_entries();
    let c = Connection::open(&path).unwrap();
    assert!(c
        .execute("UPDATE audit SET actor = 'x' WHERE id = 1", [])
        .is_err());
    assert!(c.execute("DELETE FROM audit WHERE id = 1", []).is_err());
    assert!(c.execute("DELETE FROM audit_head", []).is_err());
    assert!(ledger.verify_audit().unwrap().is_intact());
}

#[test]
fn an_empty_log_is_intact() {
    let (ledger, _clock) = memory();
    let v = ledger.verify_audit().unwrap();
    assert!(v.is_intact());
    assert_eq!((v.entries, v.head_hash.as_str()), (0, ZEROS));
}
