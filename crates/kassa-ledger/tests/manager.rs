//! A manager settling unknown attempts: the payment or refund row it creates, the terminal
//! reference it requires, and the audit entry written in the same transaction.

// Test helpers outside #[test] functions may unwrap: a failed setup should stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_core::{AttemptState, UnknownReason};
use kassa_ledger::{LedgerError, OrderStatus, Transition};

fn unknown_payment(ledger: &kassa_ledger::Ledger, order_id: &str, request_id: &str) {
    order(ledger, order_id, 4500);
    begin_pay(ledger, request_id, order_id, 4500);
    ledger
        .transition(request_id, Transition::DiagnosedOk)
        .unwrap();
    ledger.transition(request_id, Transition::Sent).unwrap();
    ledger
        .transition(
            request_id,
            Transition::Lost(UnknownReason::BadSignature("bad".into())),
        )
        .unwrap();
    ledger
        .transition(request_id, Transition::Escalated)
        .unwrap();
}

fn resolve(paid: bool, terminal_ref: Option<&str>) -> Transition {
    Transition::ManagerResolved {
        paid,
        actor: "manager_lee".into(),
        evidence: "terminal screen shows approval 30012345".into(),
        terminal_ref: terminal_ref.map(str::to_string),
    }
}

#[test]
fn a_manager_confirmed_payment_creates_the_payment_and_an_audit_entry() {
    let (ledger, _clock) = memory();
    unknown_payment(&ledger, "O1", "P1");
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Unknown
    );
    let a = ledger
        .transition("P1", resolve(true, Some("A-778899")))
        .unwrap();
    assert_eq!(a.state, AttemptState::Succeeded);
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Paid
    );

    // The typed reference becomes the terminal payment id, so a later refund can use it.
    let p = ledger.payment("A-778899").unwrap().unwrap();
    assert_eq!((p.request_id.as_str(), p.amount), ("P1", krw(4500)));
    assert_eq!(p.vendor_data["resolved_by"], "manager_lee");

    let log = ledger.audit_log().unwrap();
    assert_eq!(log.len(), 1, "exactly one audit entry for one decision");
    let e = &log[0];
    assert_eq!(
        (e.actor.as_str(), e.action.as_str()),
        ("manager_lee", "manager_resolved")
    );
    assert_eq!(e.detail["request_id"], "P1");
    assert_eq!(e.detail["paid"], true);
    assert_eq!(e.detail["terminal_ref"], "A-778899");
    assert_eq!(e.detail["from"], "needs-manager");
    assert_eq!(
        e.at, a.updated_at,
        "audit and attempt were written by one transaction"
    );
    let last = ledger.journal("P1").unwrap().pop().unwrap();
    assert_eq!(last.event, "manager_resolved");
    assert_eq!(
        last.detail["evidence"],
        "terminal screen shows approval 30012345"
    );
}

#[test]
fn marking_paid_without_the_terminal_reference_is_refused_and_writes_nothing() {
    let (ledger, _clock) = memory();
    unknown_payment(&ledger, "O1", "P1");
    for t in [resolve(true, None), resolve(true, Some("  "))] {
        let err = ledger.transition("P1", t).unwrap_err();
        assert!(matches!(err, LedgerError::TerminalRefRequired), "{err}");
    }
    assert_eq!(
        ledger.attempt("P1").unwrap().unwrap().state,
        AttemptState::NeedsManager
    );
    assert!(
        ledger.audit_log().unwrap().is_empty(),
        "a refused decision leaves no audit entry"
    );

    // A reference recorded earlier (e.g. from an untrustworthy answer) is enough.
    ledger.set_terminal_ref("P1", "A-1").unwrap();
    ledger.transition("P1", resolve(true, None)).unwrap();
    assert_eq!(
        ledger.payment("O1").unwrap().unwrap().terminal_payment_id,
        "A-1"
    );
}

#[test]
fn a_manager_declining_leaves_the_order_payable_and_is_audited() {
    let (ledger, _clock) = memory();
    unknown_payment(&ledger, "O1", "P1");
    let a = ledger.transition("P1", resolve(false, None)).unwrap();
    assert_eq!(a.state, AttemptState::Failed);
    assert_eq!(a.outcome["kind"], "manager-resolved");
    assert_eq!(ledger.payment("P1").unwrap(), None);
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Open
    );
    assert_eq!(ledger.audit_log().unwrap()[0].detail["paid"], false);
}

#[test]
fn a_manager_cannot_settle_a_payment_that_is_still_running() {
    let (ledger, _clock) = memory();
    order(&ledger, "O1", 4500);
    begin_pay(&ledger, "P1", "O1", 4500);
    ledger.transition("P1", Transition::DiagnosedOk).unwrap();
    ledger.transition("P1", Transition::Sent).unwrap();
    let err = ledger
        .transition("P1", resolve(true, Some("A-1")))
        .unwrap_err();
    assert!(matches!(err, LedgerError::Illegal(_)), "{err}");
    assert!(ledger.audit_log().unwrap().is_empty());
    assert_eq!(ledger.payment("P1").unwrap(), None);
}

#[test]
fn an_unknown_refund_resolved_by_a_manager_uses_the_refund_id_kept_earlier() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    ledger
        .begin_refund_attempt(&refund("R1", "P1", 10_000, false))
        .unwrap();
    send_refund(&ledger, "R1");
    ledger.set_terminal_ref("R1", "RF-55").unwrap();
    ledger
        .transition(
            "R1",
            Transition::Lost(UnknownReason::Malformed("cut".into())),
        )
        .unwrap();
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Paid
    );
    ledger.transition("R1", resolve(true, None)).unwrap();
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Refunded
    );
    assert_eq!(ledger.refundable("P1").unwrap(), krw(0));
    let journal = ledger.journal("R1").unwrap();
    let events: Vec<_> = journal.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "begin",
            "diagnosed_ok",
            "sent",
            "terminal_ref",
            "lost",
            "manager_resolved"
        ]
    );
    // A final attempt's reference can no longer change.
    assert!(matches!(
        ledger.set_terminal_ref("R1", "other"),
        Err(LedgerError::AttemptFinal { .. })
    ));
}
