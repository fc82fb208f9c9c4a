//! What goes on the wire and when: every parameter as a string with the merchant's login as
//! `jobNo` (docs/protocols.md §4.1–4.2), the exact "sent" moment, and the answers the client
//! refuses to read (too long, redirected).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

mod common;

use common::{pay_request, rig, sent_params, signed_body, RawPeer, Recorder, Reply, KEY, MCH_ID};
use kassa_core::{PayOutcome, RequestError, Terminal, UnknownReason};
use kassa_sim::iotpay::{IotPaySim, SimConfig};
use serde_json::json;

async fn sim() -> IotPaySim {
    IotPaySim::start(SimConfig::new(MCH_ID, KEY)).await.unwrap()
}

/// An approval for order `id` of `minor` CAD, nested as create_order answers it, signed.
fn approval(id: &str, minor: i64) -> String {
    signed_body(
        json!({
            "retCode": "SUCCESS", "resCode": "SUCCESS", "payOrderId": "CP1", "mchOrderNo": id,
            "payOrder": {"payOrderId": "CP1", "mchId": MCH_ID, "mchOrderNo": id,
                "channelId": "CC_PAX", "currency": "CAD", "amount": minor, "status": 2}
        }),
        KEY,
    )
}

#[tokio::test]
async fn every_parameter_is_a_string_and_job_no_is_the_merchants_login() {
    let peer = RawPeer::start(Reply::Http(200, approval("W1", 2865))).await;
    let r = rig(&peer.base_url());
    let req = pay_request("W1", 2865);
    assert_eq!(req.cashier, "anna");
    let out = r
        .driver
        .pay(&req, &kassa_core::VecSink::default())
        .await
        .unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    let sent = sent_params(&peer.bodies.lock().unwrap()[0]);
    for (name, value) in sent.as_object().unwrap() {
        assert!(value.is_string(), "{name} is sent as {value}");
    }
    assert_eq!(sent["amount"], "2865");
    assert_eq!(sent["tip"], "0");
    assert_eq!(sent["jobNo"], "testpax", "the configured merchant login");
    peer.stop();

    // The simulated cloud refuses anything but strings, and records the order as sent.
    let sim = sim().await;
    let r = rig(&sim.base_url());
    let out = r
        .driver
        .pay(&pay_request("W2", 2865), &kassa_core::VecSink::default())
        .await
        .unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    let o = sim.order("W2").unwrap();
    assert_eq!((o.amount, o.job_no.as_str()), (2865, "testpax"));
    assert_eq!(o.tip.as_deref(), Some("0"));
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn sent_comes_right_before_the_request_and_before_any_event() {
    let sim = sim().await;
    let r = rig(&sim.base_url());
    let events = Recorder::default();
    let out = r
        .driver
        .pay(&pay_request("W3", 100), &events)
        .await
        .unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    assert_eq!(events.seen(), ["sent", "on-terminal"]);

    // Refused before anything is sent: no "sent", no event.
    let events = Recorder::default();
    let err = r
        .driver
        .pay(&pay_request(&"W".repeat(31), 100), &events)
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Config(_)), "{err:?}");
    assert!(events.seen().is_empty(), "{:?}", events.seen());
    assert_eq!(sim.orders().len(), 1);
    sim.stop().await.unwrap();
}

/// A closed loopback port: the connection is never made, so nothing of the request left the
/// machine — `Unreachable` although "sent" was announced (the contract allows exactly this).
#[tokio::test]
async fn a_connection_never_made_is_unreachable_even_after_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let r = rig(&format!("http://{addr}/v1"));
    let events = Recorder::default();
    let err = r
        .driver
        .pay(&pay_request("W4", 100), &events)
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Unreachable(_)), "{err:?}");
    assert_eq!(events.seen().first().map(String::as_str), Some("sent"));

    // Connected, then hung up without an answer: unknown.
    let peer = RawPeer::start(Reply::Hangup).await;
    let r = rig(&peer.base_url());
    let events = Recorder::default();
    let out = r
        .driver
        .pay(&pay_request("W5", 100), &events)
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::ConnectionLost(_)
            }
        ),
        "{out:?}"
    );
    assert_eq!(events.seen(), ["sent", "on-terminal"]);
    peer.stop();
}

/// A valid, signed approval padded far beyond any real answer is not read: unknown.
#[tokio::test]
async fn an_oversized_answer_is_not_read() {
    let body = approval("W6", 100);
    let padded = format!("{}{body}", " ".repeat(400 * 1024));
    let peer = RawPeer::start(Reply::Http(200, padded)).await;
    let r = rig(&peer.base_url());
    let out = r
        .driver
        .pay(&pay_request("W6", 100), &kassa_core::VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::Malformed(ref m)
            } if m.contains("too long")
        ),
        "{out:?}"
    );
    peer.stop();

    // The same answer at its real size is read.
    let peer = RawPeer::start(Reply::Http(200, body)).await;
    let r = rig(&peer.base_url());
    let out = r
        .driver
        .pay(&pay_request("W6", 100), &kassa_core::VecSink::default())
        .await
        .unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    peer.stop();
}

/// A redirect is not followed, even to a peer with a valid approval: unknown.
#[tokio::test]
async fn a_redirect_is_not_followed() {
    let target = RawPeer::start(Reply::Http(200, approval("W7", 100))).await;
    let peer = RawPeer::start(Reply::Redirect(format!(
        "{}/create_order",
        target.base_url()
    )))
    .await;
    let r = rig(&peer.base_url());
    let out = r
        .driver
        .pay(&pay_request("W7", 100), &kassa_core::VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::Malformed(ref m)
            } if m.contains("302")
        ),
        "{out:?}"
    );
    assert!(target.bodies.lock().unwrap().is_empty());
    peer.stop();
    target.stop();
}
