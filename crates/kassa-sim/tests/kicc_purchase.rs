//! KICC driver ↔ emulated device over loopback: purchases, what the UI sees while they run,
//! cancels, and every way a purchase can end.
#![cfg(feature = "kicc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kicc_common;

use kassa_core::{
    CancelAck, Countdown, EventSink, Instruction, PayOutcome, Phase, RequestError, Terminal,
    TerminalEvent, UnknownReason, VecSink,
};
use kassa_kicc::codes::BusinessCode;
use kassa_sim::kicc::{Scenario, SimTiming};
use kicc_common::*;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn happy_path_sends_the_settings_and_shows_every_step() {
    let r = rig().await;
    let sink = VecSink::default();
    let out = r.kicc.pay(&pay_req("P1", 15_000), &sink).await.unwrap();
    let PayOutcome::Approved(a) = &out else {
        panic!("approved expected: {out:?}")
    };
    assert_eq!(a.amount, krw(15_000));
    assert_eq!(a.receipt.masked_pan.as_deref(), Some("523649**"));
    assert!(
        a.vendor_data["acquirerMetaData"].is_string(),
        "kept for the refund"
    );
    assert_eq!(seen(&sink.events()), happy_events());
    assert!(sink.events().iter().all(|e| e.request_id == "P1"));
    assert_agrees(&r.sim, "P1", &out);

    let sent = r.sim.commands();
    let purchase = sent.iter().find(|c| c.command == "Purchase").unwrap();
    assert_eq!(purchase.timeout_seconds, 95);
    let p = &purchase.params;
    assert_eq!(p["requestId"], "P1");
    assert_eq!(
        p["paymentAmount"],
        serde_json::json!({"value": "15000", "currency": "KRW"})
    );
    assert_eq!(p["taxAmount"]["value"], "1363");
    assert_eq!(p["tipAmount"]["value"], "0");
    assert_eq!(p["creditPayPlan"]["installmentNum"], "0");
    assert_eq!(p["paymentExpiryTime"], "30");
    assert_eq!(p["acquirerInfo"]["acquirerTerminalId"], "0788888");
    assert_eq!(p["acquirerInfo"]["acquirerRegistrationNo"], "0216001234");
    r.sim.stop().await;
}

#[tokio::test]
async fn above_fifty_thousand_won_the_customer_signs_with_a_fresh_countdown() {
    let r = rig().await;
    let sink = VecSink::default();
    let out = r.kicc.pay(&pay_req("P1", 60_000), &sink).await.unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)));
    let mut want = happy_events();
    want.insert(
        3,
        ev(
            "PENDING_SIGNATURE",
            Phase::Signature,
            Countdown::Restart(20),
            false,
        ),
    );
    assert_eq!(seen(&sink.events()), want);
    assert_eq!(
        r.sim.commands()[0].timeout_seconds,
        115,
        "signed purchases get 115 s"
    );
    assert_agrees(&r.sim, "P1", &out);
    r.sim.stop().await;
}

#[tokio::test]
async fn card_reading_instructions_keep_the_countdown_and_the_cancel_button() {
    let r = rig().await;
    let cases = [
        (Scenario::TryAgain, "CARD_TRY_AGAIN", Instruction::TryAgain),
        (
            Scenario::FallbackMagstripe,
            "FALLBACK_MAGCARDREADER",
            Instruction::FallbackMagstripe,
        ),
        (
            Scenario::RequireInsert,
            "REQUIRE_CARD_INSERT",
            Instruction::InsertCard,
        ),
    ];
    for (i, (scenario, code, instruction)) in cases.into_iter().enumerate() {
        r.sim.push_scenario(scenario);
        let rid = format!("P{i}");
        let sink = VecSink::default();
        let out = r.kicc.pay(&pay_req(&rid, 8_000), &sink).await.unwrap();
        assert!(
            matches!(out, PayOutcome::Approved(_)),
            "{scenario}: {out:?}"
        );
        let mut want = happy_events();
        want.insert(
            2,
            ev(
                code,
                Phase::Instruction { instruction },
                Countdown::Keep,
                true,
            ),
        );
        want.insert(
            3,
            ev("CARD_DETECTED", Phase::CardDetected, Countdown::Keep, true),
        );
        assert_eq!(seen(&sink.events()), want, "{scenario}");
        assert_agrees(&r.sim, &rid, &out);
    }
    r.sim.stop().await;
}

#[tokio::test]
async fn no_card_before_the_expiry_is_a_decline_and_stops_the_countdown() {
    let r = rig().await;
    r.sim.set_timing(SimTiming {
        card_timeout: Some(Duration::ZERO),
        ..SimTiming::instant()
    });
    r.sim.push_scenario(Scenario::NoCard);
    let sink = VecSink::default();
    let out = r.kicc.pay(&pay_req("P1", 5_000), &sink).await.unwrap();
    let PayOutcome::Declined(d) = &out else {
        panic!("{out:?}")
    };
    assert_eq!(d.code, "PROCESS_FAIL");
    assert_eq!(
        seen(&sink.events()),
        vec![
            ev("READY", Phase::WaitingForCard, Countdown::Start(30), true),
            ev(
                "PROCESS_FAIL",
                Phase::WaitingForCard,
                Countdown::Stop,
                false
            ),
        ]
    );
    assert_agrees(&r.sim, "P1", &out);
    r.sim.stop().await;
}

/// A sink that records for the assertions and tells the test when an event arrives.
fn watched() -> (
    Arc<VecSink>,
    impl EventSink,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let all = Arc::new(VecSink::default());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let keep = all.clone();
    let sink = move |e: TerminalEvent| {
        let _ = tx.send(e.vendor_code.clone());
        keep.emit(e);
    };
    (all, sink, rx)
}

async fn wait_for(rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>, code: &str) {
    while let Some(c) = rx.recv().await {
        if c == code {
            return;
        }
    }
    panic!("{code} never came");
}

#[tokio::test]
async fn a_cancel_while_waiting_for_the_card_ends_the_purchase_cancelled() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::NoCard); // waits the full 30 s for a card unless cancelled
    let (all, sink, mut rx) = watched();
    let req = pay_req("P1", 5_000);
    let (out, ack) = tokio::join!(r.kicc.pay(&req, &sink), async {
        wait_for(&mut rx, "READY").await;
        r.kicc.cancel(&req.request_id).await
    });
    assert_eq!(ack.unwrap(), CancelAck::Accepted);
    let out = out.unwrap();
    let PayOutcome::Declined(d) = &out else {
        panic!("{out:?}")
    };
    assert_eq!(
        d.code, "ORDER_IS_CANCELED",
        "the purchase's own outcome says cancelled"
    );
    assert_eq!(
        seen(&all.events()),
        vec![
            ev("READY", Phase::WaitingForCard, Countdown::Start(30), true),
            ev("CANCELLING", Phase::Cancelling, Countdown::Stop, false),
        ]
    );
    assert_agrees(&r.sim, "P1", &out);
    r.sim.stop().await;
}

/// Another process on the same bridge (a second `kassactl`, another window) has no running
/// purchase of its own: its cancel goes on its own connection and stops the device's purchase.
#[tokio::test]
async fn a_cancel_from_another_driver_on_the_same_bridge_stops_the_purchase() {
    let r = rig().await;
    let other = driver(&r.sim, patient());
    r.sim.push_scenario(Scenario::NoCard);
    let (all, sink, mut rx) = watched();
    let req = pay_req("P1", 5_000);
    let (out, ack) = tokio::join!(r.kicc.pay(&req, &sink), async {
        wait_for(&mut rx, "READY").await;
        other.cancel(&req.request_id).await
    });
    assert_eq!(ack.unwrap(), CancelAck::Accepted);
    let out = out.unwrap();
    let PayOutcome::Declined(d) = &out else {
        panic!("{out:?}")
    };
    assert_eq!(d.code, "ORDER_IS_CANCELED");
    assert_eq!(
        seen(&all.events()),
        vec![
            ev("READY", Phase::WaitingForCard, Countdown::Start(30), true),
            ev("CANCELLING", Phase::Cancelling, Countdown::Stop, false),
        ]
    );
    assert_agrees(&r.sim, "P1", &out);
    assert_eq!(
        other.cancel(&req.request_id).await.unwrap(),
        CancelAck::TooLate,
        "the device runs nothing now"
    );
    r.sim.stop().await;
}

#[tokio::test]
async fn a_cancel_after_the_card_was_read_is_refused_and_the_purchase_completes() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::HoldAfterRead);
    let (all, sink, mut rx) = watched();
    let req = pay_req("P1", 5_000);
    let (out, ack) = tokio::join!(r.kicc.pay(&req, &sink), async {
        wait_for(&mut rx, "CARD_READ_COMPLETED").await;
        r.kicc.cancel(&req.request_id).await
    });
    assert_eq!(ack.unwrap(), CancelAck::TooLate);
    let out = out.unwrap();
    assert!(
        matches!(out, PayOutcome::Approved(_)),
        "the device charged: {out:?}"
    );
    assert_eq!(seen(&all.events()), happy_events());
    assert_agrees(&r.sim, "P1", &out);
    assert_eq!(
        r.kicc.cancel(&req.request_id).await.unwrap(),
        CancelAck::TooLate,
        "nothing runs"
    );
    r.sim.stop().await;
}

#[tokio::test]
async fn a_busy_device_is_a_retryable_request_error_and_nothing_is_charged() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::Busy);
    let sink = VecSink::default();
    let err = r.kicc.pay(&pay_req("P1", 5_000), &sink).await.unwrap_err();
    assert!(matches!(err, RequestError::Busy(_)), "{err:?}");
    assert!(
        err.to_string().contains("wait a moment and try again"),
        "{err}"
    );
    assert!(sink.events().is_empty());
    assert!(r.sim.transactions().is_empty());
    let out = r.kicc.pay(&pay_req("P2", 5_000), &sink).await.unwrap();
    assert!(
        matches!(out, PayOutcome::Approved(_)),
        "a new attempt works once it is free"
    );
    r.sim.stop().await;
}

#[tokio::test]
async fn a_second_pay_while_one_runs_is_refused_before_sending() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::NoCard);
    let (_all, sink, mut rx) = watched();
    let first = pay_req("P1", 5_000);
    let (out, second) = tokio::join!(r.kicc.pay(&first, &sink), async {
        wait_for(&mut rx, "READY").await;
        let second = r
            .kicc
            .pay(&pay_req("P2", 5_000), &kassa_core::NullSink)
            .await;
        r.kicc.cancel(&first.request_id).await.unwrap();
        second
    });
    assert!(matches!(second, Err(RequestError::Busy(_))), "{second:?}");
    assert!(matches!(out.unwrap(), PayOutcome::Declined(_)));
    assert_eq!(
        r.sim
            .commands()
            .iter()
            .filter(|c| c.command == "Purchase")
            .count(),
        1
    );
    r.sim.stop().await;
}

#[tokio::test]
async fn every_business_failure_is_a_decline_with_the_vendor_reason() {
    let r = rig().await;
    for (i, code) in BusinessCode::ALL.iter().enumerate() {
        if matches!(code, BusinessCode::RepeatReqReject | BusinessCode::Unknown) {
            continue; // these prove nothing; see the recovery tests
        }
        r.sim.push_scenario(Scenario::BusinessFail(*code));
        let rid = format!("B{i}");
        let sink = VecSink::default();
        let out = r.kicc.pay(&pay_req(&rid, 5_000), &sink).await.unwrap();
        let PayOutcome::Declined(d) = &out else {
            panic!("{code}: {out:?}")
        };
        assert_eq!(d.code, code.as_str());
        let early = matches!(
            code,
            BusinessCode::InvalidContract | BusinessCode::AccessDenied | BusinessCode::ParamIllegal
        );
        if early {
            assert!(sink.events().is_empty(), "{code} is refused before READY");
            assert_eq!(d.message, "Rejected by KICC before the card was asked for");
        } else {
            assert_eq!(seen(&sink.events()), happy_events(), "{code}");
            assert_eq!(
                d.message,
                format!("{code} (emulated)"),
                "the vendor's reason is kept"
            );
        }
        assert_agrees(&r.sim, &rid, &out);
    }
    r.sim.stop().await;
}

#[tokio::test]
async fn unknown_event_codes_and_frame_types_are_ignored() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::Noise);
    let sink = VecSink::default();
    let out = r.kicc.pay(&pay_req("P1", 5_000), &sink).await.unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    assert_eq!(seen(&sink.events()), happy_events());
    assert_agrees(&r.sim, "P1", &out);
    r.sim.stop().await;
}

#[tokio::test]
async fn a_device_that_never_answers_leaves_the_payment_unknown() {
    let r = rig_with(short_pay()).await;
    r.sim.push_scenario(Scenario::Silent);
    let sink = VecSink::default();
    let out = r.kicc.pay(&pay_req("P1", 5_000), &sink).await.unwrap();
    assert_eq!(
        out,
        PayOutcome::Unknown {
            reason: UnknownReason::Timeout
        }
    );
    assert_eq!(
        charged(&r.sim, "P1").await.len(),
        1,
        "the device did charge: recovery must find it"
    );
    r.sim.stop().await;
}
