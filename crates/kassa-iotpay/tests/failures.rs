//! Broken answers and what reaches the logs: an HTTP error, a hang-up and a non-JSON answer
//! are all *unknown* (never failed), and no key, expiry date or card number is ever logged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

mod common;

use common::{pay_request, rig, RawPeer, Reply, KEY, MCH_ID};
use kassa_core::{PayOutcome, Terminal, UnknownReason, VecSink};
use kassa_sim::iotpay::{Behaviour, IotPaySim, SimConfig};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn http_errors_hangups_and_junk_are_unknown() {
    let cases = [
        (Reply::Http(502, "Bad Gateway".into()), "malformed"),
        (
            Reply::Http(200, "<html>maintenance</html>".into()),
            "malformed",
        ),
        (Reply::Hangup, "connection-lost"),
    ];
    for (reply, want) in cases {
        let peer = RawPeer::start(reply.clone()).await;
        let r = rig(&peer.base_url());
        let out = r
            .driver
            .pay(&pay_request("F1", 100), &VecSink::default())
            .await
            .unwrap();
        let PayOutcome::Unknown { reason } = &out else {
            panic!("{reply:?}: expected unknown, got {out:?}")
        };
        let kind = serde_json::to_value(reason).unwrap()["kind"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(kind, want, "{reply:?}: {reason:?}");
        assert_eq!(
            peer.bodies.lock().unwrap().len(),
            1,
            "the request was sent once"
        );
        peer.stop();
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_warn_about_signatures_without_the_key_or_card_data() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = IotPaySim::start(SimConfig::new(MCH_ID, KEY)).await.unwrap();
    sim.push(Behaviour::BadSignature);
    sim.push(Behaviour::Approve);
    let r = rig(&sim.base_url());
    let bad = r
        .driver
        .pay(&pay_request("L1", 100), &VecSink::default())
        .await
        .unwrap();
    assert!(matches!(
        bad,
        PayOutcome::Unknown {
            reason: UnknownReason::BadSignature(_)
        }
    ));
    let good = r
        .driver
        .pay(&pay_request("L2", 100), &VecSink::default())
        .await
        .unwrap();
    assert!(matches!(good, PayOutcome::Approved(_)));
    sim.stop().await.unwrap();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let warning = text
        .lines()
        .find(|l| l.contains("WARN") && l.contains("signature"))
        .unwrap_or_default();
    assert!(
        warning.contains("L1"),
        "the warning names the order: {text}"
    );
    for secret in [KEY, "expireDate", "1022", "1166", "ARQC"] {
        assert!(
            !text.contains(secret),
            "{secret:?} reached the logs:\n{text}"
        );
    }
    assert!(
        !format!("{:?}", r.driver).contains(KEY),
        "Debug shows the key"
    );
}
