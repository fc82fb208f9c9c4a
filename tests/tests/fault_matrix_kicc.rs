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

use kassa_acceptance::fault::Outcome;
use kassa_acceptance::fault_row;
use kassa_kicc::codes::BusinessCode;
use kassa_sim::kicc::{KiccSim, Scenario};
use reliability::matrix::{run, NotApplicable, Row, GIVE_UP_SOON};
use reliability::rig::{Kind, Rig, Sim, SALE};

fn sim(rig: &Rig) -> &KiccSim {
    match &rig.sim {
        Sim::Kicc(s) => s,
        other => panic!("not the KICC emulator: {other:?}"),
    }
}

/// The POS waits the device timeout plus 5 %: short here, against a device that holds its
/// answer for two minutes.
const SHORT_WAIT: &[(&str, &str)] = &[("--pay-timeout", "1s")];
/// As [`SHORT_WAIT`], against a device that never says how the purchase ended.
const SHORT_WAIT_GIVE_UP: &[(&str, &str)] = &[("--pay-timeout", "1s"), GIVE_UP_SOON];

const ROWS: &[Row] = &[
    Row {
        timing: SHORT_WAIT,
        ..fault_row!(
            "delay past the timeout (charged, success 120 s late)",
            |r| sim(r).push_scenario(Scenario::LateAnswer),
            Outcome::approved_after("timeout"),
        )
    },
    fault_row!(
        "connection reset before the device charges",
        |r| sim(r).push_scenario(Scenario::DropBeforeCharge),
        Outcome::failed(Some("connection-lost"), &["declined", "ORDER_IS_CANCELED"]),
    ),
    fault_row!(
        "connection reset after the device charges",
        |r| sim(r).push_scenario(Scenario::DropAfterCharge),
        Outcome::approved_after("connection-lost"),
    ),
    Row {
        timing: SHORT_WAIT,
        ..fault_row!(
            "a response that never comes (charged, silent)",
            |r| sim(r).push_scenario(Scenario::Silent),
            Outcome::approved_after("timeout"),
        )
    },
    Row {
        timing: SHORT_WAIT_GIVE_UP,
        ..fault_row!(
            "a response that never comes (purchase never ends, device busy)",
            |r| sim(r).push_scenario(Scenario::Hang),
            Outcome::needs_manager(false, "timeout"),
        )
    },
    fault_row!(
        "garbage line instead of the answer",
        |r| sim(r).push_scenario(Scenario::GarbageLine),
        Outcome::approved_after("malformed"),
    ),
    fault_row!(
        "truncated answer line, then the connection closes",
        |r| sim(r).push_scenario(Scenario::TruncatedLine),
        Outcome::approved_after("connection-lost"),
    ),
    fault_row!(
        "wrong amount in the success",
        |r| sim(r).push_scenario(Scenario::WrongAmount),
        Outcome::approved_after("mismatch"),
    ),
    fault_row!(
        "wrong currency in the success",
        |r| sim(r).push_scenario(Scenario::WrongCurrency),
        Outcome::approved_after("malformed"),
    ),
    Row {
        earlier_sale: true,
        ..fault_row!(
            "replayed earlier response (the previous purchase's success)",
            |r| sim(r).push_scenario(Scenario::ReplayPrevious),
            Outcome::approved_after("mismatch"),
        )
    },
    fault_row!(
        "replayed earlier decline (the previous purchase's failure; this one charged)",
        |r| {
            sim(r).push_scenario(Scenario::BusinessFail(BusinessCode::UserBalanceNotEnough));
            let declined = r.ctl.run(SALE);
            assert_eq!(
                declined.code, 3,
                "the earlier, declined sale: {:?}",
                declined.lines
            );
            sim(r).push_scenario(Scenario::ReplayPrevious);
        },
        Outcome::approved_after("mismatch"),
    ),
    fault_row!(
        "busy (CommandDeviceBusy)",
        |r| sim(r).push_scenario(Scenario::Busy),
        Outcome::failed(None, &["not charged", "busy"]),
    ),
    fault_row!(
        "in progress, no result (CommandResponseTimeout after charging)",
        |r| sim(r).push_scenario(Scenario::ResponseTimeout),
        // The bridge's own timeout code: executed, answer lost.
        Outcome::approved_after("timeout"),
    ),
    fault_row!(
        "forged success from a peer without the pairing key (nothing charged)",
        |r| sim(r).push_scenario(Scenario::ForgeSuccess),
        Outcome::failed(Some("bad-signature"), &["declined", "ORDER_IS_CANCELED"]),
    ),
    fault_row!(
        "success without a MAC (a bare JSON line; nothing charged)",
        |r| sim(r).push_scenario(Scenario::UnsignedSuccess),
        Outcome::failed(Some("bad-signature"), &["declined", "ORDER_IS_CANCELED"]),
    ),
    fault_row!(
        "bad signature (the success MACed under the pairing key, not the session key)",
        |r| sim(r).push_scenario(Scenario::WrongMac),
        Outcome::approved_after("bad-signature"),
    ),
    fault_row!(
        "tampered body (the success's amount changed after its MAC)",
        |r| sim(r).push_scenario(Scenario::TamperedBody),
        Outcome::approved_after("bad-signature"),
    ),
    fault_row!(
        "skipped sequence number on the success",
        |r| sim(r).push_scenario(Scenario::SkipSeq),
        Outcome::approved_after("bad-signature"),
    ),
    fault_row!(
        "replayed line (the previous line re-sent instead of the success)",
        |r| sim(r).push_scenario(Scenario::ReplayLine),
        Outcome::approved_after("bad-signature"),
    ),
    Row {
        timing: &[("--diagnose-timeout", "500ms")],
        ..fault_row!(
            "diagnosis not ready (the bridge stops answering pings)",
            |r| sim(r).set_ping_silent(true),
            Outcome::refused(&["not charged", "not ready", "bridge"]),
        )
    },
];

const NOT_APPLICABLE: &[NotApplicable] = &[NotApplicable {
    fault: "Request-Time far in the past",
    why: "the bridge protocol carries no timestamps; a stale line is a replay, refused by its \
          sequence number and by the per-connection session key (rows above)",
}];

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
