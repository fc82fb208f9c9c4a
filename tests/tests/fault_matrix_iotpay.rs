//! Fault matrix, IOT Pay (CC_PAX) cloud with the PAX terminal behind it: every fault the issue
//! lists that the protocol can carry, scripted into the cloud simulator, one sale each through
//! the real `kassactl`. IOT Pay asks to keep querying for at least 60 s (PROTOCOLS §4.3), so
//! the rows that end "not found" or with a manager take that long. For each row: the exit code,
//! the attempt's state in the ledger, whether the terminal charged, the reason the attempt went
//! through *unknown* and key words of what the cashier is told; on every row the
//! ledger-versus-cloud invariants.
//!
//! Run: `cargo test -p kassa-acceptance --test fault_matrix_iotpay -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[allow(dead_code)]
mod reliability;

use kassa_sim::iotpay::{Behaviour, IotPaySim};
use reliability::matrix::{run, NotApplicable, Row};
use reliability::rig::{Kind, Rig, Sim};

fn sim(rig: &Rig) -> &IotPaySim {
    match &rig.sim {
        Sim::IotPay(s) => s,
        other => panic!("not the IOT Pay simulator: {other:?}"),
    }
}

/// The shortest recovery window the driver accepts, polled every half second.
const IOT: &[(&str, &str)] = &[("--recovery-window", "60s"), ("--poll-interval", "500ms")];
/// As [`IOT`], with a pay call that gives up long before the simulator answers.
const IOT_SHORT: &[(&str, &str)] = &[
    ("--recovery-window", "60s"),
    ("--poll-interval", "500ms"),
    ("--pay-timeout", "300ms"),
];
const APPROVED: &[&str] = &["approved"];
const MANAGER: &[&str] = &[
    "outcome unknown",
    "check the terminal screen",
    "manager",
    "do not charge again",
];

const ROWS: &[Row] = &[
    Row {
        fault: "delay past the timeout (paid, answer held 10 min)",
        script: |r| sim(r).push(Behaviour::Timeout { hold_ms: 600_000 }),
        timing: IOT_SHORT,
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
        timing: IOT,
        earlier_sale: false,
        exit: 3,
        state: "failed",
        charged: false,
        lost: Some("connection-lost"),
        words: &["not charged", "no record", "try again"],
    },
    Row {
        fault: "connection reset after the terminal charges",
        script: |r| sim(r).push(Behaviour::ResetAfterCharge),
        timing: IOT,
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("connection-lost"),
        words: APPROVED,
    },
    Row {
        fault: "a response that never comes (order stays paying)",
        script: |r| sim(r).push(Behaviour::Hang),
        timing: IOT_SHORT,
        earlier_sale: false,
        exit: 4,
        state: "needs-manager",
        charged: false,
        lost: Some("timeout"),
        words: MANAGER,
    },
    Row {
        fault: "garbage body (an HTML error page)",
        script: |r| sim(r).push(Behaviour::GarbageBody),
        timing: IOT,
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
        timing: IOT,
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("malformed"),
        words: APPROVED,
    },
    Row {
        fault: "bad signature (on every answer)",
        script: |r| sim(r).push(Behaviour::BadSignature),
        timing: IOT,
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("bad-signature"),
        words: APPROVED,
    },
    Row {
        fault: "tampered body (status 2 changed to 9 after signing)",
        script: |r| sim(r).push(Behaviour::TamperedBody),
        timing: IOT,
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("bad-signature"),
        words: APPROVED,
    },
    Row {
        fault: "wrong amount (charged 100 more; every answer says so)",
        script: |r| sim(r).push(Behaviour::WrongAmount),
        timing: IOT,
        earlier_sale: false,
        exit: 4,
        state: "needs-manager",
        charged: true,
        lost: Some("mismatch"),
        words: MANAGER,
    },
    Row {
        fault: "wrong currency (every answer)",
        script: |r| sim(r).push(Behaviour::WrongCurrency),
        timing: IOT,
        earlier_sale: false,
        exit: 4,
        state: "needs-manager",
        charged: true,
        lost: Some("mismatch"),
        words: MANAGER,
    },
    Row {
        fault: "replayed earlier response (the previous order's signed answer)",
        script: |r| sim(r).push(Behaviour::ReplayPrevious),
        timing: IOT,
        earlier_sale: true,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "busy (retCode FAIL: the PAX terminal is busy)",
        script: |r| sim(r).push(Behaviour::Busy),
        timing: IOT,
        earlier_sale: false,
        exit: 3,
        state: "failed",
        charged: false,
        lost: None,
        words: &["not charged", "busy", "wait a moment and try again"],
    },
    Row {
        fault: "in progress (status 1 answered, paid by the first query)",
        script: |r| sim(r).push(Behaviour::InProgress),
        timing: IOT,
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("not-final"),
        words: APPROVED,
    },
    Row {
        fault: "diagnosis not ready (the cloud answers HTTP 503)",
        script: |r| sim(r).set_unavailable(true),
        timing: IOT,
        earlier_sale: false,
        exit: 3,
        state: "refused",
        charged: false,
        lost: None,
        words: &["not charged", "not ready", "503"],
    },
];

const NOT_APPLICABLE: &[NotApplicable] = &[NotApplicable {
    fault: "Request-Time far in the past",
    why: "IOT Pay answers carry no signed request or response time; an answer is bound to its \
          order by mchOrderNo and amount (replay and wrong-amount rows)",
}];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iotpay_fault_matrix() {
    run(
        Kind::IotPay,
        kassa_acceptance::kassactl_path(),
        ROWS,
        NOT_APPLICABLE,
    )
    .await;
}
