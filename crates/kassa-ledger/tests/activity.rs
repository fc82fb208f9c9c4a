//! `settled_between`: the payments and refunds that ended in a period, what a Z report counts.
//! Only final attempts, the lower bound exclusive and the upper inclusive, a refund of an
//! older sale counted when the refund ends in the period, and times written by a till in
//! another UTC offset placed by their instant, not by their text.

// Test code: a failed setup should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::DateTime;
use common::*;
use kassa_core::{AttemptState, Decline, ManualClock, UnknownReason};
use kassa_ledger::{AttemptKind, Ledger, Transition};
use std::sync::Arc;
use std::time::Duration;

fn t(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// A ledger on the same file whose clock says `at` (another till, maybe another offset).
fn till_at(path: &std::path::Path, at: &str) -> (Ledger, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(at));
    (Ledger::open(path, clock.clone()).unwrap(), clock)
}

#[test]
fn what_ended_in_the_period_and_nothing_else() {
    let (_first, _c, path, _dir) = file();
    // 10:00 +09:00, before the period: a sale.
    let (before, c) = till_at(&path, "2026-11-21T10:00:00.000+09:00");
    paid_order(&before, &c, "O1", "P1", 10_000);
    // In the period (from 12:00 +09:00): a sale, a decline, a refund of the 10:00 sale, and
    // a payment whose outcome is unknown.
    let (during, c) = till_at(&path, "2026-11-21T13:00:00.000+09:00");
    paid_order(&during, &c, "O2", "P2", 4_500);
    order(&during, "O3", 5_000);
    begin_pay(&during, "P3", "O3", 5_000);
    during.transition("P3", Transition::DiagnosedOk).unwrap();
    during.transition("P3", Transition::Sent).unwrap();
    let decline = Decline {
        code: "USER_BALANCE_NOT_ENOUGH".into(),
        message: "declined".into(),
        retryable: false,
    };
    during
        .transition("P3", Transition::Declined(decline))
        .unwrap();
    during
        .begin_refund_attempt(&refund("R1", "P1", 2_000, false))
        .unwrap();
    send_refund(&during, "R1");
    during
        .transition(
            "R1",
            Transition::RefundApproved(refund_approval("TR1", 2_000)),
        )
        .unwrap();
    order(&during, "O4", 3_000);
    begin_pay(&during, "P4", "O4", 3_000);
    during.transition("P4", Transition::DiagnosedOk).unwrap();
    during.transition("P4", Transition::Sent).unwrap();
    during
        .transition("P4", Transition::Lost(UnknownReason::Timeout))
        .unwrap();
    // A till at +01:00: 05:30 there is 13:30 +09:00, in the period although its text sorts
    // before "12:00"; 02:30 there is 10:30 +09:00, before the period.
    let (west, c) = till_at(&path, "2026-11-21T05:30:00.000+01:00");
    paid_order(&west, &c, "O5", "P5", 7_000);
    let (west_early, c) = till_at(&path, "2026-11-21T02:30:00.000+01:00");
    paid_order(&west_early, &c, "O6", "P6", 8_000);

    let ledger = during;
    let from = t("2026-11-21T12:00:00+09:00");
    let to = t("2026-11-21T15:00:00+09:00");
    let got = ledger.settled_between(Some(from), to).unwrap();
    let mut ids: Vec<&str> = got.iter().map(|s| s.attempt.request_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["P2", "P3", "P5", "R1"]);

    let p2 = got.iter().find(|s| s.attempt.request_id == "P2").unwrap();
    assert_eq!(p2.attempt.state, AttemptState::Succeeded);
    let pay = p2
        .payment
        .as_ref()
        .expect("a succeeded payment comes with its row");
    assert_eq!(
        (pay.amount, pay.paid_at.as_str()),
        (krw(4_500), p2.attempt.updated_at.as_str())
    );
    assert_eq!(p2.order_tax, krw(409), "VAT contained in 4 500 KRW at 10 %");
    let r1 = got.iter().find(|s| s.attempt.request_id == "R1").unwrap();
    assert_eq!(
        (r1.attempt.kind, r1.payment.is_none()),
        (AttemptKind::Refund, true)
    );
    let p3 = got.iter().find(|s| s.attempt.request_id == "P3").unwrap();
    assert_eq!(p3.attempt.state, AttemptState::Failed);

    // No lower bound: everything final up to `to`, the early +01:00 sale included.
    let all = ledger.settled_between(None, to).unwrap();
    assert_eq!(all.len(), 6, "P1, P2, P3, R1, P5, P6");
}

#[test]
fn the_lower_bound_is_exclusive_and_the_upper_inclusive() {
    let (ledger, clock) = memory();
    paid_order(&ledger, &clock, "O1", "P1", 1_000);
    let at = t(&ledger.attempt("P1").unwrap().unwrap().updated_at);
    assert!(ledger.settled_between(Some(at), at).unwrap().is_empty());
    let just_before = at - chrono::Duration::milliseconds(1);
    assert_eq!(
        ledger.settled_between(Some(just_before), at).unwrap().len(),
        1
    );
    clock.advance(Duration::from_secs(1));
    assert!(ledger
        .settled_between(Some(just_before), at - chrono::Duration::milliseconds(1))
        .unwrap()
        .is_empty());
}

#[test]
fn a_period_by_sequence_holds_what_ended_after_it_whatever_the_clocks_said() {
    let (first, c, path, _dir) = file();
    paid_order(&first, &c, "O1", "P1", 1_000);
    let through = first.period_view(|v| v.head()).unwrap();
    // A close recorded only with its time ends at the last final move at or before it.
    let p1_at = t(&first.attempt("P1").unwrap().unwrap().updated_at);
    assert_eq!(
        first.period_view(|v| v.sequence_at(p1_at)).unwrap(),
        through
    );
    assert_eq!(
        first
            .period_view(|v| v.sequence_at(p1_at - chrono::Duration::seconds(1)))
            .unwrap(),
        0
    );
    // A till whose clock is a day behind settles a sale after that point.
    let (behind, c) = till_at(&path, "2026-11-20T10:00:00.000+09:00");
    paid_order(&behind, &c, "O2", "P2", 2_000);
    order(&behind, "O3", 3_000);
    begin_pay(&behind, "P3", "O3", 3_000);
    let (ids, head) = first
        .period_view(|v| {
            let head = v.head()?;
            let ids: Vec<String> = v
                .settled_after(through, head)?
                .into_iter()
                .map(|s| s.attempt.request_id)
                .collect();
            Ok((ids, head))
        })
        .unwrap();
    assert_eq!(
        ids,
        ["P2"],
        "the open P3 is not settled; P1 was before the period"
    );
    assert!(first
        .period_view(|v| v.settled_after(head, head))
        .unwrap()
        .is_empty());
}

#[test]
fn a_refused_close_writes_nothing() {
    let (ledger, _c) = memory();
    let before = ledger.audit_log().unwrap().len();
    let out: Result<(), &str> = ledger
        .close_period(|_v| Err::<(kassa_ledger::PeriodClose, ()), _>("unresolved"))
        .unwrap();
    assert_eq!(out, Err("unresolved"));
    assert_eq!(ledger.setting("day_close").unwrap(), None);
    assert_eq!(ledger.audit_log().unwrap().len(), before);
    let close = kassa_ledger::PeriodClose {
        key: "day_close".into(),
        record: serde_json::json!({"number": 1, "through_seq": 0}),
        actor: "mina".into(),
        action: "day_closed".into(),
        detail: serde_json::json!({"number": 1}),
    };
    ledger
        .close_period(|_v| Ok::<_, ()>((close, ())))
        .unwrap()
        .unwrap();
    assert_eq!(ledger.setting("day_close").unwrap().unwrap()["number"], 1);
    assert_eq!(ledger.audit_log().unwrap().len(), before + 1);
}
