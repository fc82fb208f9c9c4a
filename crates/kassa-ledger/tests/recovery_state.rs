//! What recovery needs the ledger to hold across processes: when an attempt became unknown,
//! when the terminal first answered, which process runs an attempt (its lease), and a
//! terminal whose identity cannot change under an unresolved attempt.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kassa_core::{AttemptState, Decline, UnknownReason};
use kassa_ledger::{Ledger, LedgerError, TerminalRow, Transition};
use serde_json::json;
use std::time::Duration;

fn unknown(ledger: &Ledger, rid: &str) {
    ledger.transition(rid, Transition::DiagnosedOk).unwrap();
    ledger.transition(rid, Transition::Sent).unwrap();
    ledger
        .transition(rid, Transition::Lost(UnknownReason::Timeout))
        .unwrap();
}

#[test]
fn the_window_starts_when_the_call_gave_up_not_when_it_was_sent() {
    let (ledger, clock) = memory();
    order(&ledger, "O1", 5000);
    begin_pay(&ledger, "P1", "O1", 5000);
    ledger.transition("P1", Transition::DiagnosedOk).unwrap();
    ledger.transition("P1", Transition::Sent).unwrap();
    // The terminal held the call for 150 s before the driver gave up.
    clock.advance(Duration::from_secs(150));
    ledger
        .transition("P1", Transition::Lost(UnknownReason::Timeout))
        .unwrap();
    let a = ledger.attempt("P1").unwrap().unwrap();
    assert_eq!(a.sent_at.as_deref(), Some("2026-11-21T10:15:30.123+09:00"));
    assert_eq!(
        a.unknown_since.as_deref(),
        Some("2026-11-21T10:18:00.123+09:00")
    );
    // A later retry recorded as lost keeps the moment it first became unknown.
    clock.advance(Duration::from_secs(20));
    ledger
        .transition("P1", Transition::Lost(UnknownReason::Timeout))
        .unwrap();
    let again = ledger.attempt("P1").unwrap().unwrap();
    assert_eq!(again.unknown_since, a.unknown_since);
    assert_eq!(again.answered_since, None);

    // The first answer is recorded once, with a journal entry.
    clock.advance(Duration::from_secs(5));
    let answered = ledger.mark_answered("P1").unwrap();
    assert_eq!(
        answered.answered_since.as_deref(),
        Some("2026-11-21T10:18:25.123+09:00")
    );
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        ledger.mark_answered("P1").unwrap().answered_since,
        answered.answered_since
    );
    let marks = ledger
        .journal("P1")
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "terminal_answered")
        .count();
    assert_eq!(marks, 1);
}

#[test]
fn a_request_that_never_left_after_sent_fails_and_frees_the_order() {
    let (ledger, _clock) = memory();
    order(&ledger, "O1", 5000);
    begin_pay(&ledger, "P1", "O1", 5000);
    ledger.transition("P1", Transition::DiagnosedOk).unwrap();
    ledger.transition("P1", Transition::Sent).unwrap();
    let a = ledger
        .transition(
            "P1",
            Transition::NotDelivered {
                detail: "connection refused".into(),
            },
        )
        .unwrap();
    assert_eq!(a.state, AttemptState::Failed);
    assert_eq!(a.outcome["kind"], "request-failed");
    assert_eq!(
        a.reason.as_deref(),
        Some("never delivered: connection refused")
    );
    // A new attempt on the same order may follow.
    begin_pay(&ledger, "P2", "O1", 5000);
}

#[test]
fn the_terminal_settles_what_waits_for_a_manager_and_the_journal_says_so() {
    let (ledger, _clock) = memory();
    order(&ledger, "O1", 5000);
    begin_pay(&ledger, "P1", "O1", 5000);
    unknown(&ledger, "P1");
    ledger.transition("P1", Transition::Escalated).unwrap();
    let a = ledger
        .transition("P1", Transition::Approved(approval("TP1", 5000)))
        .unwrap();
    assert_eq!(a.state, AttemptState::Succeeded);
    let last = ledger.journal("P1").unwrap().pop().unwrap();
    assert_eq!(last.from, AttemptState::NeedsManager);
    assert_eq!(last.detail["settled_by"], "terminal-after-escalation");

    order(&ledger, "O2", 5000);
    begin_pay(&ledger, "P2", "O2", 5000);
    unknown(&ledger, "P2");
    ledger.transition("P2", Transition::Escalated).unwrap();
    let d = Decline {
        code: "NOT_FOUND".into(),
        message: "no record".into(),
        retryable: true,
    };
    let a = ledger.transition("P2", Transition::Declined(d)).unwrap();
    assert_eq!(a.state, AttemptState::Failed);
}

fn kicc(host: &str, pay_secs: u64) -> TerminalRow {
    TerminalRow {
        name: "front".into(),
        kind: "kicc".into(),
        config: json!({"host": host, "port": 7800, "merchant_id": "M1",
            "timing": {"pay": pay_secs}}),
        is_default: true,
    }
}

#[test]
fn a_terminal_cannot_be_re_pointed_while_an_attempt_or_refund_on_it_is_open() {
    let (ledger, clock) = memory();
    ledger.upsert_terminal(&kicc("10.0.0.7", 60)).unwrap();
    order(&ledger, "O1", 5000);
    begin_pay(&ledger, "P1", "O1", 5000);
    unknown(&ledger, "P1");

    let err = ledger.upsert_terminal(&kicc("10.0.0.8", 60)).unwrap_err();
    match &err {
        LedgerError::TerminalIdentityLocked {
            name,
            request_id,
            fields,
        } => {
            assert_eq!((name.as_str(), request_id.as_str()), ("front", "P1"));
            assert_eq!(fields, &["host".to_string()]);
        }
        other => panic!("expected TerminalIdentityLocked, got {other:?}"),
    }
    assert!(err.to_string().contains("let recovery finish"), "{err}");
    assert_eq!(
        ledger.terminal("front").unwrap().unwrap().config["host"],
        "10.0.0.7",
        "nothing was changed"
    );
    let mut other_kind = kicc("10.0.0.7", 60);
    other_kind.kind = "iotpay".into();
    assert!(ledger.upsert_terminal(&other_kind).is_err());
    // Settings that do not say which device it is may change.
    ledger.upsert_terminal(&kicc("10.0.0.7", 90)).unwrap();

    // Settled: the terminal may be re-pointed.
    ledger
        .transition("P1", Transition::Approved(approval("TP1", 5000)))
        .unwrap();
    ledger.upsert_terminal(&kicc("10.0.0.8", 90)).unwrap();

    // An open refund on it locks it as well.
    ledger
        .begin_refund_attempt(&refund("R1", "P1", 5000, false))
        .unwrap();
    send_refund(&ledger, "R1");
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        ledger.upsert_terminal(&kicc("10.0.0.9", 90)),
        Err(LedgerError::TerminalIdentityLocked { .. })
    ));
}

#[test]
fn another_live_process_keeps_its_attempt_and_a_released_one_may_be_taken() {
    let (a, _clock, path, _dir) = file();
    let b = Ledger::open(&path, clock()).unwrap();
    order(&a, "O1", 5000);
    begin_pay(&a, "P1", "O1", 5000);

    // `a` leased it with its row: `b` must leave it alone.
    let err = b.claim("P1").unwrap_err();
    assert!(
        matches!(err, LedgerError::RunningElsewhere { ref request_id, pid }
            if request_id == "P1" && pid == std::process::id()),
        "{err:?}"
    );
    assert_eq!(b.running_elsewhere("P1").unwrap(), Some(std::process::id()));
    assert_eq!(a.running_elsewhere("P1").unwrap(), None, "its own lease");
    assert!(a.heartbeat("P1").unwrap());
    assert!(!b.heartbeat("P1").unwrap(), "b holds nothing");

    a.release("P1").unwrap();
    assert_eq!(b.claim("P1").unwrap().state, AttemptState::Created);
    assert!(a.claim("P1").is_err(), "now b runs it");

    // A final attempt holds no lease.
    b.transition(
        "P1",
        Transition::DiagnoseFailed {
            detail: "not ready".into(),
        },
    )
    .unwrap();
    a.claim("P1").unwrap();
    assert_eq!(b.running_elsewhere("P1").unwrap(), None);
}

#[test]
fn a_dead_process_lease_is_taken_over() {
    let (a, _clock, path, _dir) = file();
    let b = Ledger::open(&path, clock()).unwrap();
    order(&a, "O1", 5000);
    begin_pay(&a, "P1", "O1", 5000);
    assert!(b.claim("P1").is_err());

    // The owner's process is gone (a child that has exited), its heartbeat still fresh.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE attempt_leases SET pid = ?1 WHERE request_id = 'P1'",
        [dead],
    )
    .unwrap();
    if cfg!(target_os = "linux") {
        b.claim("P1").unwrap();
    }

    // A heartbeat older than the TTL is dead whatever the pid says.
    raw.execute(
        "UPDATE attempt_leases SET pid = ?1, token = 'someone-else', heartbeat_ms = 0
         WHERE request_id = 'P1'",
        [std::process::id()],
    )
    .unwrap();
    a.claim("P1").unwrap();
    assert!(b.claim("P1").is_err(), "a holds it again");
}
