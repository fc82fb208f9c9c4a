//! Fault matrix, IOT Pay (CC_PAX) cloud with the PAX terminal behind it: every fault the issue
//! lists that the protocol can carry, scripted into the cloud simulator, one sale each through
//! the real `kassactl`. IOT Pay asks to keep querying for at least 60 s (docs/protocols.md §4.3), so
//! the rows that end "not found" or with a manager take that long. For each row: the exit code,
//! the attempt's state in the ledger, whether the terminal charged, the reason the attempt went
//! through *unknown* and key words of what the cashier is told; on every row the
//! ledger-versus-cloud invariants.
//!
//! Run: `cargo test -p kassa-acceptance --test fault_matrix_iotpay -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[allow(dead_code)]
mod reliability;

use kassa_acceptance::fault::Outcome;
use kassa_acceptance::fault_row;
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

/// `row` on the [`IOT`] timing.
const fn iot(row: Row) -> Row {
    Row { timing: IOT, ..row }
}

const ROWS: &[Row] = &[
    Row {
        timing: IOT_SHORT,
        ..fault_row!(
            "delay past the timeout (paid, answer held 10 min)",
            |r| sim(r).push(Behaviour::Timeout { hold_ms: 600_000 }),
            Outcome::approved_after("timeout"),
        )
    },
    iot(fault_row!(
        "connection reset before the terminal charges",
        |r| sim(r).push(Behaviour::ResetBeforeCharge),
        Outcome::failed(
            Some("connection-lost"),
            &["not charged", "no record", "try again"]
        ),
    )),
    iot(fault_row!(
        "connection reset after the terminal charges",
        |r| sim(r).push(Behaviour::ResetAfterCharge),
        Outcome::approved_after("connection-lost"),
    )),
    Row {
        timing: IOT_SHORT,
        ..fault_row!(
            "a response that never comes (order stays paying)",
            |r| sim(r).push(Behaviour::Hang),
            Outcome::needs_manager(false, "timeout"),
        )
    },
    iot(fault_row!(
        "connection reset after the charge, then every query fails (resCode FAIL, SYSTEMERROR)",
        |r| {
            sim(r).push(Behaviour::ResetAfterCharge);
            sim(r).fail_queries(u64::MAX);
        },
        Outcome::needs_manager(true, "connection-lost"),
    )),
    iot(fault_row!(
        "garbage body (an HTML error page)",
        |r| sim(r).push(Behaviour::GarbageBody),
        Outcome::approved_after("malformed"),
    )),
    iot(fault_row!(
        "truncated body",
        |r| sim(r).push(Behaviour::TruncatedBody),
        Outcome::approved_after("malformed"),
    )),
    iot(fault_row!(
        "bad signature (on every answer)",
        |r| sim(r).push(Behaviour::BadSignature),
        Outcome::approved_after("bad-signature"),
    )),
    iot(fault_row!(
        "tampered body (status 2 changed to 9 after signing)",
        |r| sim(r).push(Behaviour::TamperedBody),
        Outcome::approved_after("bad-signature"),
    )),
    iot(fault_row!(
        "wrong amount (charged 100 more; every answer says so)",
        |r| sim(r).push(Behaviour::WrongAmount),
        Outcome::needs_manager(true, "mismatch"),
    )),
    iot(fault_row!(
        "wrong currency (every answer)",
        |r| sim(r).push(Behaviour::WrongCurrency),
        Outcome::needs_manager(true, "mismatch"),
    )),
    Row {
        earlier_sale: true,
        ..iot(fault_row!(
            "replayed earlier response (the previous order's signed answer)",
            |r| sim(r).push(Behaviour::ReplayPrevious),
            Outcome::approved_after("mismatch"),
        ))
    },
    iot(fault_row!(
        "busy (retCode FAIL: the PAX terminal is busy)",
        |r| sim(r).push(Behaviour::Busy),
        Outcome::failed(
            None,
            &["not charged", "busy", "wait a moment and try again"]
        ),
    )),
    iot(fault_row!(
        "in progress (status 1 answered, paid by the first query)",
        |r| sim(r).push(Behaviour::InProgress),
        Outcome::approved_after("not-final"),
    )),
    iot(fault_row!(
        "diagnosis not ready (the cloud answers HTTP 503)",
        |r| sim(r).set_unavailable(true),
        Outcome::refused(&["not charged", "not ready", "503"]),
    )),
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
