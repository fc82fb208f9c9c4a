//! Every scripted behaviour of the IOT Pay simulator, through the driver over loopback: the
//! outcome the driver reports, what recovery then finds, and what the cloud's order store
//! says was charged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

mod common;

use common::{
    pay_request, query, recover, rig, rig_with, short_pay_timing, Recovered, KEY, MCH_ID,
};
use kassa_core::{
    Countdown, InquiryError, PayOutcome, PaymentStatus, Phase, RefundRule, RequestError, Terminal,
    UnknownReason, VecSink,
};
use kassa_sim::iotpay::{Behaviour, IotPaySim, SimConfig, CANCELLED_TEXT, DECLINED_TEXT};

async fn sim() -> IotPaySim {
    IotPaySim::start(SimConfig::new(MCH_ID, KEY)).await.unwrap()
}

#[tokio::test]
async fn approve_pays_once_with_receipt_data_and_no_expiry_date() {
    let sim = sim().await;
    let r = rig(&sim.base_url());
    let events = VecSink::default();
    let out = r
        .driver
        .pay(&pay_request("P1", 2865), &events)
        .await
        .unwrap();
    let PayOutcome::Approved(a) = &out else {
        panic!("expected approval, got {out:?}")
    };
    assert_eq!(a.amount.minor, 2865);
    assert_eq!(a.terminal_payment_id, sim.order("P1").unwrap().pay_order_id);
    assert_eq!(a.receipt.masked_pan.as_deref(), Some("XXXXXXXXXXXX1166"));
    assert_eq!(a.receipt.application_label.as_deref(), Some("MASTERCARD"));
    assert_eq!(
        a.receipt.notice.as_deref(),
        Some("000 Approved 00 Thank You")
    );
    assert!(a.receipt.approval_code.is_some());
    assert_eq!(a.vendor_data["mchOrderNo"], "P1");

    // The simulator sent an expireDate inside extra; nothing of it may survive.
    assert!(sim
        .order("P1")
        .unwrap()
        .extra
        .unwrap()
        .contains("expireDate"));
    let stored = serde_json::to_string(&out).unwrap();
    assert!(
        !stored.contains("expireDate") && !stored.contains("1022"),
        "{stored}"
    );

    let ev = events.events();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].phase, Phase::OnTerminal);
    assert_eq!(ev[0].countdown, Countdown::None);
    assert!(!ev[0].can_cancel);
    assert_eq!(ev[0].request_id, "P1");

    assert_eq!(sim.paid_count(), 1);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn decline_reports_the_terminal_text() {
    let sim = sim().await;
    sim.push(Behaviour::Decline);
    let r = rig(&sim.base_url());
    let out = r
        .driver
        .pay(&pay_request("P2", 500), &VecSink::default())
        .await
        .unwrap();
    let PayOutcome::Declined(d) = out else {
        panic!("expected decline, got {out:?}")
    };
    assert_eq!(d.code, "status 9");
    assert_eq!(d.message, DECLINED_TEXT);
    assert_eq!(sim.paid_count(), 0);
    assert_eq!(sim.order("P2").unwrap().status, 9);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn cancel_by_the_system_is_a_retryable_decline() {
    let sim = sim().await;
    sim.push(Behaviour::Cancel);
    let r = rig(&sim.base_url());
    let out = r
        .driver
        .pay(&pay_request("P3", 500), &VecSink::default())
        .await
        .unwrap();
    let PayOutcome::Declined(d) = out else {
        panic!("expected decline, got {out:?}")
    };
    assert_eq!(d.code, "status 4");
    assert_eq!(d.message, CANCELLED_TEXT);
    assert!(d.retryable);
    assert_eq!(sim.paid_count(), 0);
    sim.stop().await.unwrap();
}

/// The cloud charges at once but answers long after the client gave up: unknown, and the
/// first query finds it paid.
#[tokio::test]
async fn timeout_is_unknown_and_recovery_finds_the_payment() {
    let sim = sim().await;
    sim.push(Behaviour::Timeout { hold_ms: 120_000 });
    let r = rig_with(&sim.base_url(), KEY, short_pay_timing());
    let out = r
        .driver
        .pay(&pay_request("P4", 1250), &VecSink::default())
        .await
        .unwrap();
    assert_eq!(
        out,
        PayOutcome::Unknown {
            reason: UnknownReason::Timeout
        }
    );
    assert_eq!(
        sim.paid_count(),
        1,
        "the cloud charged although the answer was lost"
    );

    match recover(&r, &query("P4", 1250)).await {
        Recovered::Settled {
            status: PaymentStatus::Succeeded(a),
            tries,
        } => {
            assert_eq!(tries, 1);
            assert_eq!(a.amount.minor, 1250);
            assert_eq!(a.terminal_payment_id, sim.order("P4").unwrap().pay_order_id);
        }
        other => panic!("expected recovery to find the payment, got {other:?}"),
    }
    // Stopping releases the held answer rather than waiting two minutes for it.
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn an_order_stuck_paying_goes_to_a_manager_after_the_window() {
    let sim = sim().await;
    sim.push(Behaviour::StuckPaying);
    let r = rig(&sim.base_url());
    let out = r
        .driver
        .pay(&pay_request("P5", 700), &VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::NotFinal(_)
            }
        ),
        "{out:?}"
    );

    let t = r.driver.timing();
    match recover(&r, &query("P5", 700)).await {
        Recovered::NeedsManager {
            last: Ok(PaymentStatus::Pending),
            tries,
        } => {
            // Every poll_interval across the whole window, plus the first ask.
            let expected = (t.recovery_window.as_secs() / t.poll_interval.as_secs()) as u32 + 1;
            assert_eq!(tries, expected);
        }
        other => panic!("expected a manager decision, got {other:?}"),
    }
    assert_eq!(sim.paid_count(), 0);
    assert_eq!(sim.order("P5").unwrap().status, 1);
    sim.stop().await.unwrap();
}

/// Every answer about the order is wrongly signed: create_order is not trusted; the first
/// query agrees with it (status and amount) and settles, with a warning.
#[tokio::test]
async fn bad_signature_is_not_trusted_but_agreeing_queries_settle() {
    let sim = sim().await;
    sim.push(Behaviour::BadSignature);
    let r = rig(&sim.base_url());
    let out = r
        .driver
        .pay(&pay_request("P6", 990), &VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::BadSignature(_)
            }
        ),
        "{out:?}"
    );
    match recover(&r, &query("P6", 990)).await {
        Recovered::Settled {
            status: PaymentStatus::Succeeded(a),
            tries: 1,
        } => assert_eq!(a.amount.minor, 990),
        other => panic!("expected the agreeing query to settle, got {other:?}"),
    }
    assert_eq!(sim.paid_count(), 1);

    // A driver that never saw the create_order answer (e.g. after a restart) needs two
    // agreeing answers: the first alone is untrustworthy.
    let fresh = rig(&sim.base_url());
    let first = fresh.driver.inquire_payment(&query("P6", 990)).await;
    assert!(
        matches!(
            first,
            Err(InquiryError::Untrustworthy(UnknownReason::BadSignature(_)))
        ),
        "{first:?}"
    );
    let second = fresh.driver.inquire_payment(&query("P6", 990)).await;
    assert!(
        matches!(second, Ok(PaymentStatus::Succeeded(_))),
        "{second:?}"
    );
    sim.stop().await.unwrap();
}

/// The terminal charged another amount: never approved; every query disagrees with the
/// attempt, so a manager decides.
#[tokio::test]
async fn wrong_amount_is_never_approved() {
    let sim = sim().await;
    sim.push(Behaviour::WrongAmount);
    let r = rig(&sim.base_url());
    let out = r
        .driver
        .pay(&pay_request("P7", 1000), &VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::Mismatch(_)
            }
        ),
        "{out:?}"
    );
    match recover(&r, &query("P7", 1000)).await {
        Recovered::NeedsManager {
            last: Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_))),
            ..
        } => {}
        other => panic!("expected a manager decision, got {other:?}"),
    }
    let o = sim.order("P7").unwrap();
    assert!(o.is_paid());
    assert_eq!((o.amount, o.charged_amount), (1000, 1100));
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_reused_order_number_is_refused_by_the_cloud_and_charges_nothing_more() {
    let sim = sim().await;
    let r = rig(&sim.base_url());
    assert!(!r.driver.capabilities().idempotent_pay);
    let first = r
        .driver
        .pay(&pay_request("P8", 100), &VecSink::default())
        .await
        .unwrap();
    assert!(matches!(first, PayOutcome::Approved(_)));
    let again = r
        .driver
        .pay(&pay_request("P8", 100), &VecSink::default())
        .await
        .unwrap();
    let PayOutcome::Declined(d) = again else {
        panic!("expected a refusal, got {again:?}")
    };
    assert_eq!(d.code, "resCode FAIL");
    assert_eq!(sim.paid_count(), 1);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_orders_are_not_found_and_diagnose_checks_the_key() {
    let sim = sim().await;
    let r = rig(&sim.base_url());
    assert_eq!(
        r.driver
            .inquire_payment(&query("NEVER_SENT", 100))
            .await
            .unwrap(),
        PaymentStatus::NotFound
    );
    let ok = r.driver.diagnose().await.unwrap();
    assert!(ok.ready, "{ok:?}");

    let wrong = rig_with(
        &sim.base_url(),
        "not-the-key",
        kassa_iotpay::default_timing(),
    );
    let d = wrong.driver.diagnose().await.unwrap();
    assert!(!d.ready);
    assert!(d.detail.contains("key"), "{}", d.detail);
    // A payment signed with the wrong key is refused by the cloud, whose answer this driver
    // cannot verify either: unknown, and nothing was charged.
    let out = wrong
        .driver
        .pay(&pay_request("P9", 100), &VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::BadSignature(_)
            }
        ),
        "{out:?}"
    );
    assert!(sim.orders().is_empty());
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn request_phase_refusals_send_nothing() {
    let sim = sim().await;
    let r = rig(&sim.base_url());
    let long = "P".repeat(31);
    let err = r
        .driver
        .pay(&pay_request(&long, 100), &VecSink::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Config(ref m) if m.contains("30")),
        "{err:?}"
    );
    let mut usd = pay_request("P10", 100);
    usd.amount = kassa_core::Money::new(100, kassa_core::Currency::USD);
    assert!(matches!(
        r.driver.pay(&usd, &VecSink::default()).await,
        Err(RequestError::Config(_))
    ));
    assert!(sim.orders().is_empty());

    let caps = r.driver.capabilities();
    assert_eq!(caps.refunds, RefundRule::ManualOnly);
    assert!(!caps.cancel_before_card);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn connection_refused_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let r = rig(&format!("http://{addr}/v1"));
    let err = r
        .driver
        .pay(&pay_request("P11", 100), &VecSink::default())
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Unreachable(_)), "{err:?}");
    assert!(matches!(
        r.driver.diagnose().await,
        Err(RequestError::Unreachable(_))
    ));
    assert!(matches!(
        r.driver.inquire_payment(&query("P11", 100)).await,
        Err(InquiryError::Unreachable(_))
    ));
}

#[tokio::test]
async fn the_control_endpoint_scripts_and_shows_orders() {
    let sim = sim().await;
    let http = reqwest::Client::new();
    let base = format!("http://{}", sim.addr());
    let queued: serde_json::Value = serde_json::from_str(
        &http
            .post(format!("{base}/_sim/behaviours"))
            .header("content-type", "application/json")
            .body(r#"[{"kind":"decline"},{"kind":"approve"}]"#)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(queued["queued"], 2);
    let r = rig(&sim.base_url());
    assert!(matches!(
        r.driver
            .pay(&pay_request("C1", 100), &VecSink::default())
            .await,
        Ok(PayOutcome::Declined(_))
    ));
    assert!(matches!(
        r.driver
            .pay(&pay_request("C2", 100), &VecSink::default())
            .await,
        Ok(PayOutcome::Approved(_))
    ));
    let orders: serde_json::Value = serde_json::from_str(
        &http
            .get(format!("{base}/_sim/orders"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let statuses: Vec<_> = orders
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, vec![9, 2]);
    sim.stop().await.unwrap();
}
