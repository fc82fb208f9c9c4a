//! Refund limits computed from the ledger, counting refunds whose outcome is not known yet.

// Test helpers outside #[test] functions may unwrap: a failed setup should stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_core::{AttemptState, Decline, UnknownReason};
use kassa_ledger::{LedgerError, OrderStatus, Transition};

#[test]
fn refundable_counts_refunds_whose_outcome_is_unknown() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    assert_eq!(ledger.refundable("P1").unwrap(), krw(10_000));

    ledger
        .begin_refund_attempt(&refund("R1", "P1", 3_000, false))
        .unwrap();
    // Created and not sent yet: it may still go out, so its amount is held back.
    assert_eq!(ledger.refundable("P1").unwrap(), krw(7_000));
    send_refund(&ledger, "R1");
    ledger
        .transition("R1", Transition::Lost(UnknownReason::Timeout))
        .unwrap();
    // Unknown: the terminal may have paid it out; counting it prevents refunding twice.
    assert_eq!(ledger.refundable("P1").unwrap(), krw(7_000));
    ledger.transition("R1", Transition::Escalated).unwrap();
    assert_eq!(
        ledger.refundable("P1").unwrap(),
        krw(7_000),
        "needs-manager still counts"
    );

    ledger
        .transition(
            "R1",
            Transition::ManagerResolved {
                paid: false,
                actor: "manager_lee".into(),
                evidence: "terminal shows no refund".into(),
                terminal_ref: None,
            },
        )
        .unwrap();
    assert_eq!(
        ledger.refundable("P1").unwrap(),
        krw(10_000),
        "a failed refund gives it back"
    );

    ledger
        .begin_refund_attempt(&refund("R2", "P1", 4_000, false))
        .unwrap();
    send_refund(&ledger, "R2");
    ledger
        .transition(
            "R2",
            Transition::RefundApproved(refund_approval("TR2", 4_000)),
        )
        .unwrap();
    assert_eq!(ledger.refundable("P1").unwrap(), krw(6_000));
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::PartiallyRefunded
    );
    let r2 = ledger.attempt("R2").unwrap().unwrap();
    assert_eq!(
        r2.terminal_ref.as_deref(),
        Some("TR2"),
        "the terminal's refund id is kept"
    );
    assert_eq!(r2.actor.as_deref(), Some("manager_lee"));
    assert_eq!(r2.order_id, "O1", "a refund belongs to its payment's order");
}

#[test]
fn a_refund_larger_than_what_is_left_is_refused() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    let err = ledger
        .begin_refund_attempt(&refund("R1", "P1", 10_001, false))
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::ExceedsRefundable { requested, refundable }
            if requested == krw(10_001) && refundable == krw(10_000)),
        "{err}"
    );
    ledger
        .begin_refund_attempt(&refund("R2", "P1", 6_000, false))
        .unwrap();
    send_refund(&ledger, "R2");
    ledger
        .transition(
            "R2",
            Transition::RefundApproved(refund_approval("TR2", 6_000)),
        )
        .unwrap();
    let err = ledger
        .begin_refund_attempt(&refund("R3", "P1", 4_001, false))
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::ExceedsRefundable { refundable, .. } if refundable == krw(4_000))
    );
    ledger
        .begin_refund_attempt(&refund("R4", "P1", 4_000, false))
        .unwrap();
    send_refund(&ledger, "R4");
    ledger
        .transition(
            "R4",
            Transition::RefundApproved(refund_approval("TR4", 4_000)),
        )
        .unwrap();
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::Refunded
    );
    assert!(matches!(
        ledger.begin_refund_attempt(&refund("R5", "P1", 1, false)),
        Err(LedgerError::ExceedsRefundable { .. })
    ));
    let recorded: Vec<_> = ledger
        .refunds_for_payment("P1")
        .unwrap()
        .into_iter()
        .map(|a| a.request_id)
        .collect();
    assert_eq!(
        recorded,
        ["R2", "R4"],
        "refused refunds leave no attempt behind"
    );
}

#[test]
fn one_refund_at_a_time_per_payment() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    ledger
        .begin_refund_attempt(&refund("R1", "P1", 1_000, false))
        .unwrap();
    send_refund(&ledger, "R1");
    let err = ledger
        .begin_refund_attempt(&refund("R2", "P1", 1_000, false))
        .unwrap_err();
    assert!(matches!(err, LedgerError::RefundInProgress), "{err}");
    ledger
        .transition(
            "R1",
            Transition::Lost(UnknownReason::ConnectionLost("reset".into())),
        )
        .unwrap();
    assert!(matches!(
        ledger.begin_refund_attempt(&refund("R2", "P1", 1_000, false)),
        Err(LedgerError::RefundInProgress)
    ));
    let decline = Decline {
        code: "F".into(),
        message: "no".into(),
        retryable: false,
    };
    ledger
        .transition("R1", Transition::Declined(decline))
        .unwrap();
    ledger
        .begin_refund_attempt(&refund("R2", "P1", 1_000, false))
        .unwrap();
}

#[test]
fn one_partial_refund_only_when_the_terminal_says_so() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    ledger
        .begin_refund_attempt(&refund("R1", "P1", 3_000, true))
        .unwrap();
    send_refund(&ledger, "R1");
    ledger
        .transition(
            "R1",
            Transition::RefundApproved(refund_approval("TR1", 3_000)),
        )
        .unwrap();
    // The partial refund is used: neither a second partial nor "the rest" may go through the
    // terminal's API.
    for (rid, amount) in [("R2", 1_000), ("R3", 7_000)] {
        let err = ledger
            .begin_refund_attempt(&refund(rid, "P1", amount, true))
            .unwrap_err();
        assert!(
            matches!(err, LedgerError::PartialRefundLimit),
            "{rid}: {err}"
        );
    }
    // Without the limit (another terminal mode) the rest may be refunded.
    ledger
        .begin_refund_attempt(&refund("R4", "P1", 7_000, false))
        .unwrap();

    // A failed partial refund does not use the allowance.
    paid_order(&ledger, &clock, "O2", "P2", 10_000);
    ledger
        .begin_refund_attempt(&refund("R5", "P2", 3_000, true))
        .unwrap();
    ledger
        .transition(
            "R5",
            Transition::DiagnoseFailed {
                detail: "busy".into(),
            },
        )
        .unwrap();
    ledger
        .begin_refund_attempt(&refund("R6", "P2", 3_000, true))
        .unwrap();
    // A full refund is not partial: after a full one nothing is left anyway.
    paid_order(&ledger, &clock, "O3", "P3", 10_000);
    ledger
        .begin_refund_attempt(&refund("R7", "P3", 10_000, true))
        .unwrap();
}

#[test]
fn refunds_need_a_real_payment_and_its_currency() {
    let (ledger, clock) = memory();
    let err = ledger
        .begin_refund_attempt(&refund("R1", "P404", 1_000, false))
        .unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::NotFound {
                what: "payment",
                ..
            }
        ),
        "{err}"
    );
    order(&ledger, "O1", 4500);
    begin_pay(&ledger, "P1", "O1", 4500);
    assert!(
        matches!(ledger.refundable("P1"), Err(LedgerError::NotFound { .. })),
        "an attempt that has not succeeded cannot be refunded"
    );
    paid_order(&ledger, &clock, "O2", "P2", 4500);
    let mut usd = refund("R2", "P2", 100, false);
    usd.amount = kassa_core::Money::new(100, kassa_core::Currency::USD);
    assert!(matches!(
        ledger.begin_refund_attempt(&usd),
        Err(LedgerError::CurrencyMismatch { .. })
    ));
    assert!(matches!(
        ledger.begin_refund_attempt(&refund("R3", "P2", 0, false)),
        Err(LedgerError::InvalidAmount(_))
    ));
    ledger
        .begin_refund_attempt(&refund("R4", "P2", 100, false))
        .unwrap();
    assert!(
        matches!(
            ledger.begin_refund_attempt(&refund("R4", "P2", 100, false)),
            Err(LedgerError::RefundInProgress | LedgerError::DuplicateId(_))
        ),
        "the same refund id twice is never a second refund"
    );
    let r4 = ledger.attempt("R4").unwrap().unwrap();
    assert_eq!(r4.state, AttemptState::Created);
    assert_eq!(r4.payment_request_id.as_deref(), Some("P2"));
}

#[test]
fn a_refund_made_on_the_terminal_by_hand_is_recorded_within_the_limits() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    let err = ledger
        .record_manual_refund(&refund("R1", "P1", 3_000, false), " ", "slip")
        .unwrap_err();
    assert!(matches!(err, LedgerError::TerminalRefRequired), "{err}");
    let a = ledger
        .record_manual_refund(
            &refund("R1", "P1", 3_000, false),
            "PAX-0042",
            "slip 0042 signed",
        )
        .unwrap();
    assert_eq!(a.state, AttemptState::Succeeded);
    assert_eq!(a.terminal_ref.as_deref(), Some("PAX-0042"));
    assert_eq!(ledger.refundable("P1").unwrap(), krw(7_000));
    assert_eq!(
        ledger.order("O1").unwrap().unwrap().status,
        OrderStatus::PartiallyRefunded
    );
    let events: Vec<_> = ledger
        .journal("R1")
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, ["begin", "recorded_on_terminal"]);
    let log = ledger.audit_log().unwrap();
    assert_eq!(
        (log.len(), log[0].action.as_str(), log[0].actor.as_str()),
        (1, "manual_refund", "manager_lee")
    );
    assert_eq!(log[0].detail["terminal_ref"], "PAX-0042");
    // The same limits as any refund: no more than what is left.
    let err = ledger
        .record_manual_refund(&refund("R2", "P1", 7_001, false), "PAX-0043", "slip")
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::ExceedsRefundable { .. }),
        "{err}"
    );
    assert_eq!(
        ledger.attempt("R2").unwrap(),
        None,
        "a refused record leaves nothing"
    );
}

#[test]
fn recorded_on_terminal_is_a_refund_only_step_from_created() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    let recorded = |reference: &str| Transition::RecordedOnTerminal {
        actor: "manager_lee".into(),
        terminal_ref: reference.into(),
        note: "done on the PAX".into(),
    };
    // On a payment it is a caller bug, whatever the state.
    let err = ledger.transition("P1", recorded("X")).unwrap_err();
    assert!(
        matches!(err, LedgerError::Illegal(_) | LedgerError::WrongKind { .. }),
        "{err}"
    );
    ledger
        .begin_refund_attempt(&refund("R1", "P1", 2_000, false))
        .unwrap();
    assert!(matches!(
        ledger.transition("R1", recorded("")),
        Err(LedgerError::TerminalRefRequired)
    ));
    let a = ledger.transition("R1", recorded("PAX-1")).unwrap();
    assert_eq!(
        (a.state, a.outcome["kind"].as_str()),
        (AttemptState::Succeeded, Some("recorded-on-terminal"))
    );
    assert_eq!(ledger.audit_log().unwrap()[0].action, "manual_refund");
    // Once a refund went to the terminal, its outcome must come from the terminal or recovery.
    ledger
        .begin_refund_attempt(&refund("R2", "P1", 2_000, false))
        .unwrap();
    send_refund(&ledger, "R2");
    let err = ledger.transition("R2", recorded("PAX-2")).unwrap_err();
    assert!(
        matches!(err, LedgerError::Illegal(ref e) if e.from == AttemptState::Awaiting),
        "{err}"
    );
    assert_eq!(ledger.refundable("P1").unwrap(), krw(6_000));
}
