//! Fault matrix, KICC EDC behind its bridge: every fault the issue lists that the bridge
//! protocol can carry, scripted into the device emulator, one sale each through the real
//! `kassactl`; the faults it cannot carry are listed with the reason. For each row: the exit
//! code, the attempt's state in the ledger, whether the device charged, the reason the attempt
//! went through *unknown* and key words of what the cashier is told; on every row the
//! ledger-versus-device invariants.
//!
//! Run: `cargo test -p kassa-acceptance --test fault_matrix_kicc -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[allow(dead_code)]
mod reliability;

use kassa_kicc::codes::BusinessCode;
use kassa_sim::kicc::{KiccSim, Scenario};
use reliability::matrix::{run, NotApplicable, Row};
use reliability::rig::{Kind, Rig, Sim, SALE};

fn sim(rig: &Rig) -> &KiccSim {
    match &rig.sim {
        Sim::Kicc(s) => s,
        other => panic!("not the KICC emulator: {other:?}"),
    }
}

const APPROVED: &[&str] = &["approved"];
/// The POS waits the device timeout plus 5 %: short here, against a device that holds its
/// answer for two minutes.
const SHORT_WAIT: &[(&str, &str)] = &[("--pay-timeout", "1s")];

const ROWS: &[Row] = &[
    Row {
        fault: "delay past the timeout (charged, success 120 s late)",
        script: |r| sim(r).push_scenario(Scenario::LateAnswer),
        timing: SHORT_WAIT,
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("timeout"),
        words: APPROVED,
    },
    Row {
        fault: "connection reset before the device charges",
        script: |r| sim(r).push_scenario(Scenario::DropBeforeCharge),
        timing: &[],
        earlier_sale: false,
        exit: 3,
        state: "failed",
        charged: false,
        lost: Some("connection-lost"),
        words: &["declined", "ORDER_IS_CANCELED"],
    },
    Row {
        fault: "connection reset after the device charges",
        script: |r| sim(r).push_scenario(Scenario::DropAfterCharge),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("connection-lost"),
        words: APPROVED,
    },
    Row {
        fault: "a response that never comes (charged, silent)",
        script: |r| sim(r).push_scenario(Scenario::Silent),
        timing: SHORT_WAIT,
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("timeout"),
        words: APPROVED,
    },
    Row {
        fault: "a response that never comes (purchase never ends, device busy)",
        script: |r| sim(r).push_scenario(Scenario::Hang),
        timing: SHORT_WAIT,
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
        fault: "garbage line instead of the answer",
        script: |r| sim(r).push_scenario(Scenario::GarbageLine),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("malformed"),
        words: APPROVED,
    },
    Row {
        fault: "truncated answer line, then the connection closes",
        script: |r| sim(r).push_scenario(Scenario::TruncatedLine),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("connection-lost"),
        words: APPROVED,
    },
    Row {
        fault: "wrong amount in the success",
        script: |r| sim(r).push_scenario(Scenario::WrongAmount),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "wrong currency in the success",
        script: |r| sim(r).push_scenario(Scenario::WrongCurrency),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("malformed"),
        words: APPROVED,
    },
    Row {
        fault: "replayed earlier response (the previous purchase's success)",
        script: |r| sim(r).push_scenario(Scenario::ReplayPrevious),
        timing: &[],
        earlier_sale: true,
        exit: 0,
        state: "succeeded",
        charged: true,
        lost: Some("mismatch"),
        words: APPROVED,
    },
    Row {
        fault: "replayed earlier decline (the previous purchase's failure; this one charged)",
        script: |r| {
            sim(r).push_scenario(Scenario::BusinessFail(BusinessCode::UserBalanceNotEnough));
            let declined = r.ctl.run(SALE);
            assert_eq!(
                declined.code, 3,
                "the earlier, declined sale: {:?}",
                declined.lines
            );
            sim(r).push_scenario(Scenario::ReplayPrevious);
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
        fault: "busy (CommandDeviceBusy)",
        script: |r| sim(r).push_scenario(Scenario::Busy),
        timing: &[],
        earlier_sale: false,
        exit: 3,
        state: "failed",
        charged: false,
        lost: None,
        words: &["not charged", "busy"],
    },
    Row {
        fault: "in progress, no result (CommandResponseTimeout after charging)",
        script: |r| sim(r).push_scenario(Scenario::ResponseTimeout),
        timing: &[],
        earlier_sale: false,
        exit: 0,
        state: "succeeded",
        charged: true,
        // The bridge's own timeout code: executed, answer lost.
        lost: Some("timeout"),
        words: APPROVED,
    },
    Row {
        fault: "diagnosis not ready (the bridge stops answering pings)",
        script: |r| sim(r).set_ping_silent(true),
        timing: &[("--diagnose-timeout", "500ms")],
        earlier_sale: false,
        exit: 3,
        state: "refused",
        charged: false,
        lost: None,
        words: &["not charged", "not ready", "bridge"],
    },
];

const NOT_APPLICABLE: &[NotApplicable] = &[
    NotApplicable {
        fault: "bad signature",
        why: "the bridge protocol is not signed (JSON lines over TCP)",
    },
    NotApplicable {
        fault: "tampered body",
        why: "nothing to verify a line against; what a changed answer could say is covered by \
              the wrong amount, wrong currency and replay rows",
    },
    NotApplicable {
        fault: "Request-Time far in the past",
        why: "the bridge protocol carries no timestamps; a stale answer is a replay (row above)",
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kicc_fault_matrix() {
    run(
        Kind::Kicc,
        kassa_acceptance::kassactl_path(),
        ROWS,
        NOT_APPLICABLE,
    )
    .await;
}
