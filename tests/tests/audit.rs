//! Acceptance: `kassactl audit verify` on a real ledger file. Privileged actions are taken
//! through kassactl itself (terminals added and removed, which are audited), then the file is
//! tampered with behind Kassa's back — an entry's detail edited, an entry deleted, two entries'
//! ids swapped, the tail cut off — and `audit verify` must exit 6 naming the first bad entry,
//! while an untouched log verifies with exit 0.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use kassa_acceptance::{vectors_dir, Ctl};
use rusqlite::Connection;

const EXIT_TAMPERED: i32 = 6;

/// A ledger with four audit entries written by kassactl: two terminals added, one removed,
/// one added again.
fn audited_ledger() -> Ctl {
    let c = Ctl::new();
    let v = vectors_dir();
    let pos = v.join("pos_private_key_pkcs8.pem").display().to_string();
    let term = v.join("terminal_public_key.pem").display().to_string();
    let add = |name: &str| {
        let r = c.run(&[
            "terminal",
            "add",
            "antom-lan",
            "--name",
            name,
            "--host",
            "127.0.0.1",
            "--client-id",
            "N950SN0001",
            "--pos-key",
            &pos,
            "--terminal-key",
            &term,
        ]);
        assert_eq!(r.code, 0, "terminal add: {:?} {}", r.lines, r.stderr);
    };
    add("front");
    add("back");
    let r = c.run(&["terminal", "remove", "back"]);
    assert_eq!(r.code, 0, "terminal remove: {}", r.stderr);
    add("side");
    let r = c.run(&["audit"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let actions: Vec<&str> = r
        .result()
        .as_array()
        .expect("the log as a JSON array")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "terminal.add",
            "terminal.add",
            "terminal.remove",
            "terminal.add"
        ]
    );
    c
}

/// Opens the file as someone editing it by hand would, append-only triggers dropped.
fn tamper(c: &Ctl, sql: &str) {
    let conn = Connection::open(c.db()).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    conn.execute_batch(sql).unwrap();
}

/// Runs `audit verify` and returns its exit code and JSON verdict.
fn verify(c: &Ctl) -> (i32, serde_json::Value) {
    let r = c.run(&["audit", "verify"]);
    (r.code, r.result().clone())
}

#[test]
fn an_untouched_log_verifies_and_list_is_the_default() {
    let c = audited_ledger();
    let (code, v) = verify(&c);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["intact"], true);
    assert_eq!(v["entries"], 4);
    assert!(v["first_break"].is_null());
    // `audit list` is what plain `audit` shows, with the chain's hashes.
    let list = c.run(&["audit", "list"]);
    let plain = c.run(&["audit"]);
    assert_eq!(list.result(), plain.result());
    assert_eq!(list.result()[3]["hash"], v["head_hash"]);
}

#[test]
fn an_edited_entry_fails_verification_at_that_entry() {
    let c = audited_ledger();
    tamper(
        &c,
        "UPDATE audit SET detail = '{\"name\":\"evil\"}' WHERE id = 3",
    );
    let (code, v) = verify(&c);
    assert_eq!(code, EXIT_TAMPERED, "{v}");
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_break"]["id"], 3);
    assert_eq!(v["first_break"]["fault"], "edited");
    assert!(v["message"].as_str().unwrap().contains("entry 3"), "{v}");
}

#[test]
fn a_deleted_entry_fails_verification_where_the_log_jumps() {
    let c = audited_ledger();
    tamper(&c, "DELETE FROM audit WHERE id = 2");
    let (code, v) = verify(&c);
    assert_eq!(code, EXIT_TAMPERED, "{v}");
    assert_eq!(v["first_break"]["fault"], "missing");
    assert_eq!(v["first_break"]["expected"], 2);
    assert_eq!(v["first_break"]["id"], 3);
}

#[test]
fn swapped_entries_fail_verification() {
    let c = audited_ledger();
    tamper(
        &c,
        "UPDATE audit SET id = -1 WHERE id = 2;
         UPDATE audit SET id = 2 WHERE id = 3;
         UPDATE audit SET id = 3 WHERE id = -1;",
    );
    let (code, v) = verify(&c);
    assert_eq!(code, EXIT_TAMPERED, "{v}");
    assert_eq!(v["first_break"]["id"], 2);
    assert_eq!(v["first_break"]["fault"], "out-of-order");
}

#[test]
fn a_cut_off_tail_fails_verification() {
    let c = audited_ledger();
    tamper(&c, "DELETE FROM audit WHERE id = 4");
    let (code, v) = verify(&c);
    assert_eq!(code, EXIT_TAMPERED, "{v}");
    assert_eq!(v["first_break"]["fault"], "truncated");
    assert_eq!(v["first_break"]["recorded"], 4);
    assert_eq!(v["first_break"]["found"], 3);
}

#[test]
fn text_output_names_the_bad_entry_on_stderr() {
    let c = audited_ledger();
    tamper(&c, "UPDATE audit SET actor = 'someone' WHERE id = 1");
    let out = std::process::Command::new(kassa_acceptance::kassactl_path())
        .arg("--db")
        .arg(c.db())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(EXIT_TAMPERED));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("audit entry 1 was changed"), "{err}");
    assert!(err.contains("restore"), "says what to do next: {err}");
}
