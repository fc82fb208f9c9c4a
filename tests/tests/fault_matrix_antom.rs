//! Fault matrix, Antom N950 over the LAN: every fault the issue lists, scripted into the N950
//! simulator, one sale each through the real `kassactl`. For each row: the exit code, the
//! attempt's state in the ledger, whether the terminal charged, the reason the attempt went
//! through *unknown* (from its journal) and key words of what the cashier is told; and on
//! every row the ledger-versus-terminal invariants.
//!
//! Run: `cargo test -p kassa-acceptance --test fault_matrix_antom -- --nocapture` (prints the
//! table as observed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[allow(dead_code)]
mod reliability;

use kassa_acceptance::fault::Outcome;
use kassa_acceptance::fault_row;
use kassa_sim::antom::{Behaviour, Final};
use reliability::matrix::{run, NotApplicable, Row, GIVE_UP_SOON};
use reliability::rig::{Kind, Rig, Sim, SALE};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(120);
/// Further in the past than the driver's 5-minute clock-skew allowance.
const STALE: Duration = Duration::from_secs(10 * 60);
/// A pay call that gives up long before the simulator answers.
const PAY_300MS: &[(&str, &str)] = &[("--pay-timeout", "300ms")];
/// As [`PAY_300MS`], against a terminal that never says how the payment ended.
const PAY_300MS_GIVE_UP: &[(&str, &str)] = &[("--pay-timeout", "300ms"), GIVE_UP_SOON];

fn sim(rig: &Rig) -> &kassa_sim::antom::AntomSimHandle {
    match &rig.sim {
        Sim::Antom(s) => s,
        other => panic!("not the N950 simulator: {other:?}"),
    }
}

const ROWS: &[Row] = &[
    Row {
        timing: PAY_300MS,
        ..fault_row!(
            "delay past the timeout (charged, answer late)",
            |r| sim(r).push(Behaviour::DelayAnswer(LONG)),
            Outcome::approved_after("timeout"),
        )
    },
    // "No record" is final only once the recovery window is spent (a late request could
    // still arrive), so this row sets a short one.
    Row {
        timing: &[GIVE_UP_SOON],
        ..fault_row!(
            "connection reset before the terminal charges",
            |r| sim(r).push(Behaviour::ResetBeforeCharge),
            Outcome::failed(
                Some("connection-lost"),
                &["not charged", "no record", "try again"]
            ),
        )
    },
    fault_row!(
        "connection reset after the terminal charges",
        |r| sim(r).push(Behaviour::DropAfterCharge),
        Outcome::approved_after("connection-lost"),
    ),
    Row {
        timing: PAY_300MS_GIVE_UP,
        ..fault_row!(
            "a response that never comes (payment never settles)",
            |r| sim(r).push(Behaviour::Hang),
            Outcome::needs_manager(false, "timeout"),
        )
    },
    fault_row!(
        "garbage body (signed, sealed, not JSON)",
        |r| sim(r).push(Behaviour::GarbageBody),
        Outcome::approved_after("malformed"),
    ),
    fault_row!(
        "truncated body",
        |r| sim(r).push(Behaviour::TruncatedBody),
        Outcome::approved_after("bad-signature"),
    ),
    fault_row!(
        "bad signature",
        |r| sim(r).push(Behaviour::BadSignature),
        Outcome::approved_after("bad-signature"),
    ),
    fault_row!(
        "tampered body (one byte changed after signing)",
        |r| sim(r).push(Behaviour::TamperedBody),
        Outcome::approved_after("bad-signature"),
    ),
    fault_row!(
        "wrong amount in the answer",
        |r| sim(r).push(Behaviour::WrongAmount),
        Outcome::approved_after("mismatch"),
    ),
    fault_row!(
        "wrong currency in the answer",
        |r| sim(r).push(Behaviour::WrongCurrency),
        Outcome::approved_after("mismatch"),
    ),
    Row {
        earlier_sale: true,
        ..fault_row!(
            "replayed earlier response (another payment's signed answer)",
            |r| sim(r).push(Behaviour::ReplayPrevious),
            Outcome::approved_after("mismatch"),
        )
    },
    // The pay answer echoes neither request id nor amount: another sale's signed SUCCESS,
    // played back while the terminal charged nothing, must be confirmed by inquiry and is not.
    Row {
        earlier_sale: true,
        timing: &[GIVE_UP_SOON],
        ..fault_row!(
            "replayed approval of another payment (this one charged nothing)",
            |r| sim(r).push(Behaviour::ReplayLastApproval),
            Outcome::failed(Some("mismatch"), &["not charged", "no record"]),
        )
    },
    fault_row!(
        "replayed earlier decline (signed, names no request; this payment was charged)",
        |r| {
            sim(r).push(Behaviour::Decline("USER_BALANCE_NOT_ENOUGH".into()));
            let declined = r.ctl.run(SALE);
            assert_eq!(
                declined.code, 3,
                "the earlier, declined sale: {:?}",
                declined.lines
            );
            sim(r).push(Behaviour::ReplayPrevious);
        },
        Outcome::approved_after("mismatch"),
    ),
    fault_row!(
        "Response-Time far in the past (10 min, validly signed)",
        |r| sim(r).push(Behaviour::StaleResponseTime(STALE)),
        Outcome::approved_after("mismatch"),
    ),
    fault_row!(
        "Request-Time far in the past (answer without Response-Time, 10 min old)",
        |r| sim(r).push(Behaviour::StaleRequestTime(STALE)),
        Outcome::approved_after("mismatch"),
    ),
    fault_row!(
        "busy (F TERMINAL_BUSY)",
        |r| sim(r).push(Behaviour::TerminalBusy),
        Outcome::failed(
            None,
            &[
                "not charged",
                "TERMINAL_BUSY",
                "wait a moment and try again"
            ]
        ),
    ),
    fault_row!(
        "in progress (U PAYMENT_IN_PROGRESS, then PROCESSING x3, then SUCCESS)",
        |r| {
            sim(r).push(Behaviour::InProgress {
                n: 3,
                then: Final::Approve,
            })
        },
        Outcome::approved_after("not-final"),
    ),
    fault_row!(
        "diagnosis not ready (globalStatus N)",
        |r| sim(r).set_diagnosis_ready(false),
        Outcome::refused(&["not charged", "not ready", "check it"]),
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n950_fault_matrix() {
    let na: &[NotApplicable] = &[];
    run(Kind::Antom, kassa_acceptance::kassactl_path(), ROWS, na).await;
}
