//! Shared set-up of the KICC driver ↔ emulator tests: a device on 127.0.0.1:0, a driver
//! pointed at it, and the checks every test repeats (events as the UI sees them, and that the
//! driver's outcome agrees with the device's transaction log).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kassa_core::{
    Countdown, Currency, Money, PayOutcome, PayRequest, Phase, RequestId, SystemClock,
    TerminalEvent, Timing,
};
use kassa_kicc::{Kicc, KiccConfig};
use kassa_sim::kicc::{KiccSim, SimTiming, TxRecord, TxResult};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A device and a driver talking to it.
pub struct Rig {
    pub sim: KiccSim,
    pub kicc: Kicc,
}

pub fn config(sim: &KiccSim, timing: Timing) -> KiccConfig {
    KiccConfig {
        timing,
        ..config_for_port(sim.addr().port(), sim.pairing_key_file())
    }
}

/// The bridge at 127.0.0.1:`port`, paired with the key in `key_file`.
pub fn config_for_port(port: u16, key_file: &Path) -> KiccConfig {
    KiccConfig {
        host: "127.0.0.1".into(),
        port,
        merchant_id: "M-KASSA-01".into(),
        acquirer_terminal_id: "0788888".into(),
        registration_no: "0216001234".into(),
        pairing_key_file: key_file.to_path_buf(),
        payment_expiry_secs: 30,
        timing: KiccConfig::default_timing(),
    }
}

/// The vendor's pay and refund timeouts (the device is told them), and 30 s rather than 5 s
/// for the ping, init and GetLastTransaction answers: nothing here times out, however slow the
/// machine, unless a test shortens a limit.
pub fn patient() -> Timing {
    Timing {
        diagnose: Duration::from_secs(30),
        inquiry: Duration::from_secs(30),
        ..KiccConfig::default_timing()
    }
}

pub async fn rig() -> Rig {
    rig_with(patient()).await
}

pub async fn rig_with(timing: Timing) -> Rig {
    let sim = KiccSim::start(SimTiming::instant())
        .await
        .expect("emulator starts");
    let kicc = driver(&sim, timing);
    Rig { sim, kicc }
}

/// Another driver for the same device (a restarted POS).
pub fn driver(sim: &KiccSim, timing: Timing) -> Kicc {
    Kicc::new(config(sim, timing), Arc::new(SystemClock)).expect("valid settings")
}

pub fn krw(won: i64) -> Money {
    Money::new(won, Currency::KRW)
}

pub fn id(s: &str) -> RequestId {
    RequestId::parse(s).expect("valid id")
}

pub fn pay_req(request_id: &str, won: i64) -> PayRequest {
    PayRequest {
        request_id: id(request_id),
        order_id: id(&format!("O{request_id}")),
        amount: krw(won),
        tax: krw(won / 11),
        tip: krw(0),
        installments: 0,
        description: "coffee".into(),
        cashier: "kim".into(),
    }
}

/// An event as the UI receives it: vendor code, phase, countdown, whether cancel is offered.
pub type Seen = (String, Phase, Countdown, bool);

pub fn seen(events: &[TerminalEvent]) -> Vec<Seen> {
    events
        .iter()
        .map(|e| {
            (
                e.vendor_code.clone(),
                e.phase.clone(),
                e.countdown,
                e.can_cancel,
            )
        })
        .collect()
}

pub fn ev(code: &str, phase: Phase, countdown: Countdown, can_cancel: bool) -> Seen {
    (code.to_string(), phase, countdown, can_cancel)
}

/// READY … START_TRANSACTION of an unsigned purchase as the UI sees it.
pub fn happy_events() -> Vec<Seen> {
    vec![
        ev("READY", Phase::WaitingForCard, Countdown::Start(30), true),
        ev("CARD_DETECTED", Phase::CardDetected, Countdown::Keep, true),
        ev(
            "CARD_READ_COMPLETED",
            Phase::CardRead,
            Countdown::Keep,
            false,
        ),
        ev(
            "START_TRANSACTION",
            Phase::Authorising,
            Countdown::Stop,
            false,
        ),
    ]
}

/// Purchases of `request_id` that charged the card, per the device.
pub fn charges(sim: &KiccSim, request_id: &str) -> Vec<TxRecord> {
    sim.transactions()
        .into_iter()
        .filter(|t| t.command == "Purchase" && t.request_id == request_id)
        .filter(|t| matches!(t.result, TxResult::Approved { .. }))
        .collect()
}

/// The driver's final word agrees with the device: an approval is a charge the device made
/// (same approval number), a decline is no charge. `Unknown` is settled by recovery instead.
pub fn assert_agrees(sim: &KiccSim, request_id: &str, outcome: &PayOutcome) {
    let charged = charges(sim, request_id);
    match outcome {
        PayOutcome::Approved(a) => {
            assert_eq!(
                charged.len(),
                1,
                "an approval must be one charge on the device"
            );
            let TxResult::Approved { approval_num, .. } = &charged[0].result else {
                unreachable!()
            };
            assert_eq!(a.receipt.approval_code.as_ref(), Some(approval_num));
        }
        PayOutcome::Declined(d) => {
            assert!(
                charged.is_empty(),
                "declined ({}) but the device charged {charged:?}",
                d.code
            )
        }
        PayOutcome::Unknown { .. } => {}
    }
}

/// A short timeout for tests where the device never answers.
pub fn short_pay() -> Timing {
    Timing {
        pay: Duration::from_millis(300),
        ..patient()
    }
}

/// The charges of `request_id` once the device has made one. The POS timeout starts after the
/// purchase was sent, and the device goes on at its own pace however soon it falls: wait for
/// the charge rather than expect it by then (the bound only stops a hang).
pub async fn charged(sim: &KiccSim, request_id: &str) -> Vec<TxRecord> {
    let wait = async {
        loop {
            let found = charges(sim, request_id);
            if !found.is_empty() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("the device never charged")
}
