//! The bridge link's authentication (docs/protocols.md §3.2), driver ↔ emulator over TCP: the
//! right pairing key sells normally; a line a peer without the key made (or with a wrong MAC,
//! or out of turn) is never booked — the payment is unknown and recovery asks the device; a
//! POS or a bridge without the right key gets nothing sent at all. Also where the driver says
//! the request is leaving (`EventSink::sent`).
#![cfg(feature = "kicc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kicc_common;

use kassa_core::{
    EventSink, PayOutcome, PaymentQuery, PaymentStatus, RequestError, SystemClock, Terminal,
    TerminalEvent, UnknownReason,
};
use kassa_kicc::{Kicc, PairingKey};
use kassa_sim::kicc::{write_key_file, Scenario, TxResult};
use kicc_common::*;
use std::sync::{Arc, Mutex};

/// Records, in order, `sent` and every event's vendor code.
#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl EventSink for Log {
    fn emit(&self, e: TerminalEvent) {
        self.0.lock().unwrap().push(e.vendor_code);
    }
    fn sent(&self) {
        self.0.lock().unwrap().push("sent".into());
    }
}

impl Log {
    fn seen(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn query(request_id: &str, won: i64) -> PaymentQuery {
    PaymentQuery {
        request_id: id(request_id),
        amount: krw(won),
    }
}

#[tokio::test]
async fn with_the_right_key_a_purchase_is_sent_once_after_the_handshake_and_approved() {
    let r = rig().await;
    let log = Log::default();
    let out = r.kicc.pay(&pay_req("P1", 4_500), &log).await.unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    assert_agrees(&r.sim, "P1", &out);
    let seen = log.seen();
    assert_eq!(seen.iter().filter(|s| *s == "sent").count(), 1, "{seen:?}");
    assert_eq!(
        seen[0], "sent",
        "sent before the device's first event: {seen:?}"
    );
    assert_eq!(r.sim.commands().len(), 1);
}

#[tokio::test]
async fn a_forged_success_from_a_peer_without_the_key_is_never_booked() {
    for scenario in [Scenario::ForgeSuccess, Scenario::UnsignedSuccess] {
        let r = rig().await;
        r.sim.push_scenario(scenario);
        let out = r
            .kicc
            .pay(&pay_req("P1", 4_500), &Log::default())
            .await
            .unwrap();
        assert!(
            matches!(
                out,
                PayOutcome::Unknown {
                    reason: UnknownReason::BadSignature(_)
                }
            ),
            "{scenario}: {out:?}"
        );
        assert!(
            charges(&r.sim, "P1").is_empty(),
            "{scenario}: nothing was charged"
        );
        // Recovery asks the device on a fresh, authenticated link: the purchase was abandoned.
        let status = r.kicc.inquire_payment(&query("P1", 4_500)).await.unwrap();
        assert!(
            matches!(status, PaymentStatus::Failed(ref d) if d.code == "ORDER_IS_CANCELED"),
            "{scenario}: {status:?}"
        );
    }
}

#[tokio::test]
async fn a_success_with_a_wrong_mac_or_out_of_turn_is_unknown_until_recovery_asks() {
    for scenario in [
        Scenario::WrongMac,
        Scenario::SkipSeq,
        Scenario::TamperedBody,
        Scenario::ReplayLine,
    ] {
        let r = rig().await;
        r.sim.push_scenario(scenario);
        let out = r
            .kicc
            .pay(&pay_req("P1", 4_500), &Log::default())
            .await
            .unwrap();
        assert!(
            matches!(
                out,
                PayOutcome::Unknown {
                    reason: UnknownReason::BadSignature(_)
                }
            ),
            "{scenario}: {out:?}"
        );
        let charged = charged(&r.sim, "P1").await;
        let TxResult::Approved { approval_num, .. } = &charged[0].result else {
            unreachable!()
        };
        let status = r.kicc.inquire_payment(&query("P1", 4_500)).await.unwrap();
        match status {
            PaymentStatus::Succeeded(a) => {
                assert_eq!(
                    a.receipt.approval_code.as_ref(),
                    Some(approval_num),
                    "{scenario}"
                )
            }
            other => panic!("{scenario}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_pos_with_another_key_sends_nothing() {
    let r = rig().await;
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("other.key");
    write_key_file(&wrong, &PairingKey::generate()).unwrap();
    let cfg = kassa_kicc::KiccConfig {
        pairing_key_file: wrong,
        ..config(&r.sim, patient())
    };
    let kicc = Kicc::new(cfg, Arc::new(SystemClock)).unwrap();
    let log = Log::default();
    let err = kicc.pay(&pay_req("P1", 4_500), &log).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Unreachable(ref m) if m.contains("pairing key")),
        "{err:?}"
    );
    assert!(log.seen().is_empty(), "never marked sent: {:?}", log.seen());
    assert!(r.sim.commands().is_empty(), "the bridge took no command");
}

#[tokio::test]
async fn a_bridge_without_the_key_is_refused_before_anything_is_sent() {
    let r = rig().await;
    r.sim.set_impostor(true);
    let log = Log::default();
    let err = r.kicc.pay(&pay_req("P1", 4_500), &log).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Unreachable(ref m) if m.contains("authentication")),
        "{err:?}"
    );
    assert!(log.seen().is_empty(), "never marked sent: {:?}", log.seen());
    assert!(r.sim.commands().is_empty());
    // The same bridge paired again: it sells.
    r.sim.set_impostor(false);
    let out = r.kicc.pay(&pay_req("P2", 4_500), &log).await.unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
}

#[tokio::test]
async fn an_unreachable_bridge_is_a_request_error_and_never_marked_sent() {
    let sim = kassa_sim::kicc::KiccSim::start(kassa_sim::kicc::SimTiming::instant())
        .await
        .unwrap();
    let key_file = sim.pairing_key_file().to_path_buf();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let kicc = Kicc::new(config_for_port(port, &key_file), Arc::new(SystemClock)).unwrap();
    let log = Log::default();
    let err = kicc.pay(&pay_req("P1", 4_500), &log).await.unwrap_err();
    assert!(matches!(err, RequestError::Unreachable(_)), "{err:?}");
    assert!(log.seen().is_empty(), "{:?}", log.seen());
}

#[test]
fn the_key_file_is_required_and_read_when_the_driver_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.key");
    let e = Kicc::new(config_for_port(7800, &missing), Arc::new(SystemClock)).unwrap_err();
    assert!(e.to_string().contains("missing.key"), "{e}");
    let garbage = dir.path().join("garbage.key");
    std::fs::write(&garbage, "hunter2").unwrap();
    let e = Kicc::new(config_for_port(7800, &garbage), Arc::new(SystemClock)).unwrap_err();
    assert!(
        !e.to_string().contains("hunter2"),
        "never echoes the file: {e}"
    );
}
