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

use kassa_sim::antom::{Behaviour, Final};
use reliability::matrix::{run, NotApplicable, Row};
use reliability::rig::{Kind, Rig, Sim, SALE};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(120);
/// Further in the past than the driver's 5-minute clock-skew allowance.
const STALE: Duration = Duration::from_secs(10 * 60);

fn sim(rig: &Rig) -> &kassa_sim::antom::AntomSimHandle {
    match &rig.sim {
        Sim::Antom(s) => s,
        other => panic!("not the N950 simulator: {other:?}"),
    }
}

const APPROVED: &[&str] = &["approved"];

const ROWS: &[Row] = &[
    Row {
        fault: "delay past the timeout (charged, answer late)",
        script: |r| sim(r).push(Behaviour::DelayAnswer(LONG)),
        timing: &[("--pay-timeout", "300ms")],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("timeout"),
        words: APPROVED,
    },
    Row {
        fault: "connection reset before the terminal charges",
        script: |r| sim(r).push(Behaviour::ResetBeforeCharge),
        timing: &[],
        earlier_sale: false,
        exit: 3,
        state: "failed",
        charged: false,
        lost: Some("connection-lost"),
        words: &["not charged", "no record", "try again"],
    },
    Row {
        fault: "connection reset after the terminal charges",
        script: |r| sim(r).push(Behaviour::DropAfterCharge),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("connection-lost"),
        words: APPROVED,
    },
    Row {
        fault: "a response that never comes (payment never settles)",
        script: |r| sim(r).push(Behaviour::Hang),
        timing: &[("--pay-timeout", "300ms")],
        earlier_sale: false,
        exit: 4,
        state: "needs-manager",
        charged: false,
        lost: Some("timeout"),
        words: &[
            "outcome unknown",
            "check the terminal screen",
            "manager",
            "do not charge again",
        ],
    },
    Row {
        fault: "garbage body (signed, sealed, not JSON)",
        script: |r| sim(r).push(Behaviour::GarbageBody),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("malformed"),
        words: APPROVED,
    },
    Row {
        fault: "truncated body",
        script: |r| sim(r).push(Behaviour::TruncatedBody),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("bad-signature"),
        words: APPROVED,
    },
    Row {
        fault: "bad signature",
        script: |r| sim(r).push(Behaviour::BadSignature),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("bad-signature"),
        words: APPROVED,
    },
    Row {
        fault: "tampered body (one byte changed after signing)",
        script: |r| sim(r).push(Behaviour::TamperedBody),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("bad-signature"),
        words: APPROVED,
    },
    Row {
        fault: "wrong amount in the answer",
        script: |r| sim(r).push(Behaviour::WrongAmount),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "wrong currency in the answer",
        script: |r| sim(r).push(Behaviour::WrongCurrency),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "replayed earlier response (another payment's signed answer)",
        script: |r| sim(r).push(Behaviour::ReplayPrevious),
        timing: &[],
        earlier_sale: true,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "replayed earlier decline (signed, names no request; this payment was charged)",
        script: |r| {
            sim(r).push(Behaviour::Decline("USER_BALANCE_NOT_ENOUGH".into()));
            let declined = r.ctl.run(SALE);
            assert_eq!(
                declined.code, 3,
                "the earlier, declined sale: {:?}",
                declined.lines
            );
            sim(r).push(Behaviour::ReplayPrevious);
        },
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "Response-Time far in the past (10 min, validly signed)",
        script: |r| sim(r).push(Behaviour::StaleResponseTime(STALE)),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "Request-Time far in the past (answer without Response-Time, 10 min old)",
        script: |r| sim(r).push(Behaviour::StaleRequestTime(STALE)),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "busy (F TERMINAL_BUSY)",
        script: |r| sim(r).push(Behaviour::TerminalBusy),
        timing: &[],
        earlier_sale: false,
        exit: 3,
        state: "failed",
        charged: false,
        lost: None,
        words: &[
            "not charged",
            "TERMINAL_BUSY",
            "wait a moment and try again",
        ],
    },
    Row {
        fault: "in progress (U PAYMENT_IN_PROGRESS, then PROCESSING x3, then SUCCESS)",
        script: |r| {
            sim(r).push(Behaviour::InProgress {
                n: 3,
                then: Final::Approve,
            })
        },
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("not-final"),
        words: APPROVED,
    },
    Row {
        fault: "diagnosis not ready (globalStatus N)",
        script: |r| sim(r).set_diagnosis_ready(false),
        timing: &[],
        earlier_sale: false,
        exit: 3,
        state: "refused",
        charged: false,
        lost: None,
        words: &["not charged", "not ready", "check it"],
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n950_fault_matrix() {
    let na: &[NotApplicable] = &[];
    run(Kind::Antom, kassa_acceptance::kassactl_path(), ROWS, na).await;
}
