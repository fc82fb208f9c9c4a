//! Payment attempts on real SQLite: written before the wire, one transaction per transition,
//! illegal moves refused, a double click harmless, payments found by every key.

// Test helpers outside #[test] functions may unwrap: a failed setup should stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_core::{AttemptState, Decline, UnknownReason};
use kassa_ledger::{LedgerError, NewPaymentAttempt, OrderStatus, Transition};
use rusqlite::Connection;
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// What another process sees of an attempt: its state and how many journal entries it has.
fn seen_from_outside(path: &std::path::Path, request_id: &str) -> Option<(String, i64)> {
    let c = Connection::open(path).unwrap();
    let state: Option<String> = c
        .query_row(
            "SELECT state FROM attempts WHERE request_id = ?1",
            [request_id],
            |r| r.get(0),
        )
        .ok();
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM attempt_journal WHERE request_id = ?1",
            [request_id],
            |r| r.get(0),
        )
        .unwrap();
    state.map(|s| (s, n))
}

#[test]
fn the_attempt_is_committed_before_anything_goes_to_the_terminal() {
    let (ledger, clock, path, _dir) = file();
    order(&ledger, "O1", 4500);
    begin_pay(&ledger, "P1", "O1", 4500);
    // A second connection (as after a crash, or another process) sees the row at once: if the
    // till dies right after this call, recovery knows the attempt exists.
    assert_eq!(seen_from_outside(&path, "P1"), Some(("created".into(), 1)));

    ledger.transition("P1", Transition::DiagnosedOk).unwrap();
    assert_eq!(seen_from_outside(&path, "P1"), Some(("sending".into(), 2)));

    clock.advance(Duration::from_secs(2));
    let a = ledger.transition("P1", Transition::Sent).unwrap();
    assert_eq!(seen_from_outside(&path, "P1"), Some(("awaiting".into(), 3)));
    // sent_at is the clock's time at Sent: the recovery window counts from it.
    assert_eq!(a.sent_at.as_deref(), Some("2026-11-21T10:15:32.123+09:00"));
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Paying
    );
}

#[test]
fn every_transition_writes_its_journal_entry() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 4500);
    let j = ledger.journal("P1").unwrap();
    let moves: Vec<_> = j.iter().map(|e| (e.from, e.to, e.event.as_str())).collect();
    use AttemptState::*;
    assert_eq!(
        moves,
        vec![
            (Created, Created, "begin"),
            (Created, Sending, "diagnosed_ok"),
            (Sending, Awaiting, "sent"),
            (Awaiting, Succeeded, "approved"),
        ],
        "one entry for the attempt's creation, then one per transition, in order"
    );
    assert_eq!(j[3].detail["terminal_payment_id"], "TP1");
    assert_eq!(
        j[1].at, "2026-11-21T10:15:31.123+09:00",
        "entries carry the clock's time"
    );
    let a = ledger.attempt("P1").unwrap().unwrap();
    assert_eq!(a.state, Succeeded);
    assert_eq!(a.terminal_ref.as_deref(), Some("TP1"));
    assert_eq!(a.outcome["kind"], "approved");
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Paid
    );
}

#[test]
fn a_transition_that_fails_halfway_leaves_no_trace() {
    let (ledger, _clock, path, _dir) = file();
    order(&ledger, "O1", 4500);
    begin_pay(&ledger, "P1", "O1", 4500);
    ledger.transition("P1", Transition::DiagnosedOk).unwrap();
    ledger.transition("P1", Transition::Sent).unwrap();
    // Make the last step of the approval (the order's status update) fail, as a full disk
    // would: the attempt update, the journal entry and the payments row written before it
    // must all roll back with it, because they are one transaction.
    let outside = Connection::open(&path).unwrap();
    outside
        .execute_batch(
            "CREATE TRIGGER injected BEFORE UPDATE OF status ON orders
             WHEN NEW.status = 'paid' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let err = ledger
        .transition("P1", Transition::Approved(approval("TP1", 4500)))
        .unwrap_err();
    assert!(matches!(err, LedgerError::Sqlite(_)), "{err}");
    assert_eq!(seen_from_outside(&path, "P1"), Some(("awaiting".into(), 3)));
    let payments: i64 = outside
        .query_row("SELECT count(*) FROM payments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        payments, 0,
        "no payment row without its attempt's move to succeeded"
    );
    assert_eq!(ledger.payment("P1").unwrap(), None);

    outside.execute_batch("DROP TRIGGER injected").unwrap();
    ledger
        .transition("P1", Transition::Approved(approval("TP1", 4500)))
        .unwrap();
    assert_eq!(
        seen_from_outside(&path, "P1"),
        Some(("succeeded".into(), 4))
    );
}

#[test]
fn illegal_transitions_are_refused_and_write_nothing() {
    let (ledger, clock) = memory();
    order(&ledger, "O1", 4500);
    begin_pay(&ledger, "P1", "O1", 4500);
    let before = (ledger.attempt("P1").unwrap(), ledger.journal("P1").unwrap());
    clock.advance(Duration::from_secs(5));
    // Sent before the terminal was checked, and an approval for an attempt never sent.
    for t in [
        Transition::Sent,
        Transition::Approved(approval("TP1", 4500)),
        Transition::Escalated,
    ] {
        let err = ledger.transition("P1", t).unwrap_err();
        assert!(matches!(err, LedgerError::Illegal(ref e) if e.from == AttemptState::Created));
    }
    let after = (ledger.attempt("P1").unwrap(), ledger.journal("P1").unwrap());
    assert_eq!(before, after, "not even updated_at moved");
    assert_eq!(ledger.payment("P1").unwrap(), None);

    paid_order(&ledger, &clock, "O2", "P2", 4500);
    let err = ledger
        .transition("P2", Transition::Lost(UnknownReason::Timeout))
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::Illegal(_)),
        "a succeeded payment cannot become unknown"
    );
    assert_eq!(
        ledger.attempt("P2").unwrap().unwrap().state,
        AttemptState::Succeeded
    );
}

#[test]
fn a_double_click_on_pay_starts_one_payment() {
    let (ledger, clock) = memory();
    order(&ledger, "O1", 4500);
    begin_pay(&ledger, "P1", "O1", 4500);
    let second = NewPaymentAttempt {
        request_id: id("P2"),
        order_id: "O1".into(),
        terminal: "front".into(),
        amount: krw(4500),
    };
    let err = ledger.begin_payment_attempt(&second).unwrap_err();
    assert!(
        matches!(err, LedgerError::AttemptInProgress { ref request_id } if request_id == "P1"),
        "{err}"
    );
    // Still refused while the first is unknown: its money may be taken.
    ledger.transition("P1", Transition::DiagnosedOk).unwrap();
    ledger
        .transition("P1", Transition::Lost(UnknownReason::Timeout))
        .unwrap();
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Unknown
    );
    assert!(matches!(
        ledger.begin_payment_attempt(&second),
        Err(LedgerError::AttemptInProgress { .. })
    ));
    // Once it is settled as declined, a new attempt may start; once paid, none may.
    let decline = Decline {
        code: "PAYMENT_FAIL".into(),
        message: "declined".into(),
        retryable: false,
    };
    ledger
        .transition("P1", Transition::Declined(decline))
        .unwrap();
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Open
    );
    ledger.begin_payment_attempt(&second).unwrap();
    for t in [Transition::DiagnosedOk, Transition::Sent] {
        ledger.transition("P2", t).unwrap();
    }
    ledger
        .transition("P2", Transition::Approved(approval("TP2", 4500)))
        .unwrap();
    let third = NewPaymentAttempt {
        request_id: id("P3"),
        ..second.clone()
    };
    assert!(matches!(
        ledger.begin_payment_attempt(&third),
        Err(LedgerError::AlreadyPaid)
    ));
    assert_eq!(ledger.attempts_for_order("O1").unwrap().len(), 2);
    let _ = clock;
}

#[test]
fn two_tills_clicking_pay_at_once_on_one_file_start_one_payment() {
    let (first, clock, path, _dir) = file();
    order(&first, "O1", 4500);
    // A second handle on the same file stands for a second process.
    let second = kassa_ledger::Ledger::open(&path, clock).unwrap();
    let ledgers = [Arc::new(first), Arc::new(second)];
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = ledgers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (l, b) = (l.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                l.begin_payment_attempt(&NewPaymentAttempt {
                    request_id: id(&format!("P{i}")),
                    order_id: "O1".into(),
                    terminal: "front".into(),
                    amount: krw(4500),
                })
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        ok, 1,
        "IMMEDIATE transactions serialise the check and the insert: {results:?}"
    );
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(LedgerError::AttemptInProgress { .. }))));
}

#[test]
fn approvals_that_do_not_match_the_attempt_are_refused() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 4500);
    order(&ledger, "O2", 9000);
    begin_pay(&ledger, "P2", "O2", 9000);
    ledger.transition("P2", Transition::DiagnosedOk).unwrap();
    ledger.transition("P2", Transition::Sent).unwrap();
    let err = ledger
        .transition("P2", Transition::Approved(approval("TP2", 900)))
        .unwrap_err();
    assert!(matches!(err, LedgerError::AmountMismatch { .. }), "{err}");
    // The terminal repeating the id of an earlier payment is a confused answer, not a sale.
    let err = ledger
        .transition("P2", Transition::Approved(approval("TP1", 9000)))
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::DuplicateTerminalPayment { ref request_id, .. } if request_id == "P1"),
        "{err}"
    );
    let refund_ok = common::refund_approval("R9", 9000);
    let err = ledger
        .transition("P2", Transition::RefundApproved(refund_ok))
        .unwrap_err();
    assert!(matches!(err, LedgerError::WrongKind { .. }), "{err}");
    assert_eq!(
        ledger.attempt("P2").unwrap().unwrap().state,
        AttemptState::Awaiting
    );
    assert_eq!(
        ledger.journal("P2").unwrap().len(),
        3,
        "refused answers leave no entry"
    );
}

#[test]
fn a_payment_is_found_by_order_request_and_terminal_id() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 4500);
    paid_order(&ledger, &clock, "O2", "P2", 9900);
    for key in ["O2", "P2", "TP2"] {
        let p = ledger
            .payment(key)
            .unwrap()
            .unwrap_or_else(|| panic!("{key} finds nothing"));
        assert_eq!(
            (p.request_id.as_str(), p.order_id.as_str()),
            ("P2", "O2"),
            "key {key}"
        );
        assert_eq!(p.terminal_payment_id, "TP2");
        assert_eq!(p.amount, krw(9900));
        assert_eq!(p.receipt.masked_pan.as_deref(), Some("4111-11**-****-1111"));
        assert_eq!(p.terminal_paid_at.as_deref(), Some("20261121101545"));
        assert_eq!(p.vendor_data["acquirerMetaData"], "m-1");
    }
    assert_eq!(ledger.payment("nothing").unwrap(), None);
    // An order with only a failed attempt has no payment.
    order(&ledger, "O3", 100);
    assert_eq!(ledger.payment("O3").unwrap(), None);
}

#[test]
fn a_request_failure_or_refusal_leaves_the_order_payable() {
    let (ledger, _clock) = memory();
    order(&ledger, "O1", 4500);
    begin_pay(&ledger, "P1", "O1", 4500);
    let a = ledger
        .transition(
            "P1",
            Transition::DiagnoseFailed {
                detail: "paper out".into(),
            },
        )
        .unwrap();
    assert_eq!(a.state, AttemptState::Refused);
    assert_eq!(a.outcome["detail"], "paper out");
    begin_pay(&ledger, "P2", "O1", 4500);
    ledger.transition("P2", Transition::DiagnosedOk).unwrap();
    ledger
        .transition(
            "P2",
            Transition::RequestFailed {
                detail: "connection refused".into(),
            },
        )
        .unwrap();
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Open
    );
    assert!(ledger.non_final_attempts().unwrap().is_empty());
}

#[test]
fn non_final_attempts_are_listed_oldest_first_for_recovery() {
    let (ledger, clock) = memory();
    for n in 1..=3 {
        order(&ledger, &format!("O{n}"), 1000);
        begin_pay(&ledger, &format!("P{n}"), &format!("O{n}"), 1000);
        clock.advance(Duration::from_secs(1));
    }
    ledger
        .transition(
            "P2",
            Transition::DiagnoseFailed {
                detail: "busy".into(),
            },
        )
        .unwrap();
    ledger.transition("P3", Transition::DiagnosedOk).unwrap();
    ledger
        .transition("P3", Transition::Lost(UnknownReason::Timeout))
        .unwrap();
    let open: Vec<_> = ledger
        .non_final_attempts()
        .unwrap()
        .into_iter()
        .map(|a| (a.request_id, a.state))
        .collect();
    assert_eq!(
        open,
        vec![
            ("P1".to_string(), AttemptState::Created),
            ("P3".to_string(), AttemptState::Unknown)
        ]
    );
}

#[test]
fn the_outcome_carries_the_decline_and_the_receipt_as_core_types() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 4500);
    let a = ledger.attempt("P1").unwrap().unwrap();
    let receipt: kassa_core::CardReceipt =
        serde_json::from_value(a.outcome["receipt"].clone()).unwrap();
    assert_eq!(receipt.approval_code.as_deref(), Some("30012345"));

    order(&ledger, "O2", 4500);
    begin_pay(&ledger, "P2", "O2", 4500);
    ledger.transition("P2", Transition::DiagnosedOk).unwrap();
    let d = Decline {
        code: "USER_BALANCE_NOT_ENOUGH".into(),
        message: "low".into(),
        retryable: false,
    };
    let a = ledger
        .transition("P2", Transition::Declined(d.clone()))
        .unwrap();
    let back: Decline = serde_json::from_value(a.outcome["decline"].clone()).unwrap();
    assert_eq!(back, d, "the UI reads the decline back exactly");

    begin_pay(&ledger, "P3", "O2", 4500);
    let a = ledger
        .transition(
            "P3",
            Transition::DiagnoseFailed {
                detail: "printer cover open".into(),
            },
        )
        .unwrap();
    assert_eq!(
        a.reason.as_deref(),
        Some("printer cover open"),
        "a refused payment says why"
    );
}
