//! Payments, inquiries and diagnosis against the simulator, one test per behaviour.

use crate::common::*;
use kassa_antom::protocol::Envelope;
use kassa_core::{
    Countdown, InquiryError, NullSink, PayOutcome, PaymentQuery, PaymentStatus, Phase,
    RequestError, RequestId, Terminal, UnknownReason, VecSink,
};
use kassa_sim::antom::{Behaviour, Final, SimPaymentStatus};

const INQUIRY: &str = "/v2/payments/inquiryPayment";

fn query(id: &str, minor: i64) -> PaymentQuery {
    PaymentQuery {
        request_id: RequestId::parse(id).unwrap(),
        amount: krw(minor),
    }
}

fn unknown(o: PayOutcome) -> UnknownReason {
    match o {
        PayOutcome::Unknown { reason } => reason,
        other => panic!("expected unknown, got {other:?}"),
    }
}

/// Exactly one charge, successful, for `id`.
fn charged_once(r: &Rig, id: &str, minor: i64) {
    let p = r.sim.payments();
    assert_eq!(p.len(), 1, "one charge: {p:?}");
    assert_eq!((p[0].payment_request_id.as_str(), p[0].amount), (id, minor));
    assert_eq!(p[0].status, SimPaymentStatus::Success);
}

#[tokio::test]
async fn approve_in_both_profiles_with_receipt_and_the_countdown_event() {
    for envelope in [Envelope::Gcm, Envelope::Ecb] {
        let r = rig(envelope, false).await;
        let sink = VecSink::default();
        let out = r.driver.pay(&pay_req("P1", 12500), &sink).await.unwrap();
        let PayOutcome::Approved(a) = out else {
            panic!("{envelope:?}: {out:?}")
        };
        assert_eq!(a.amount, krw(12500));
        assert_eq!(a.terminal_payment_id, r.sim.payments()[0].payment_id);
        assert_eq!(a.receipt.masked_pan.as_deref(), Some("************0042"));
        assert_eq!(a.receipt.card_brand.as_deref(), Some("MASTERCARD"));
        assert!(a.receipt.approval_code.is_some() && a.receipt.aid.is_some());
        assert_eq!(
            a.receipt
                .extra
                .get("acquirerTerminalId")
                .map(String::as_str),
            Some("T0042")
        );
        let ev = sink.events();
        assert_eq!(ev.len(), 1);
        assert_eq!(
            (ev[0].phase.clone(), ev[0].countdown, ev[0].can_cancel),
            (Phase::OnTerminal, Countdown::Start(120), false)
        );
        charged_once(&r, "P1", 12500);
        // The answer echoed neither request id nor amount (as the N950's): one inquiry
        // confirmed it before it was booked.
        assert_eq!(r.sim.calls(INQUIRY), 1, "{envelope:?}");
        // Asking again finds the same payment.
        let s = r.driver.inquire_payment(&query("P1", 12500)).await.unwrap();
        assert!(
            matches!(s, PaymentStatus::Succeeded(ref b) if b.terminal_payment_id == a.terminal_payment_id)
        );
        r.sim.shutdown().await;
    }
}

#[tokio::test]
async fn the_same_request_id_is_answered_from_the_first_charge() {
    let r = rig(Envelope::Gcm, false).await;
    let first = r.driver.pay(&pay_req("P1", 5000), &NullSink).await.unwrap();
    let again = r.driver.pay(&pay_req("P1", 5000), &NullSink).await.unwrap();
    assert_eq!(first, again, "same outcome, same paymentId");
    charged_once(&r, "P1", 5000);
    let other = r.driver.pay(&pay_req("P1", 5001), &NullSink).await.unwrap();
    assert!(
        matches!(other, PayOutcome::Declined(ref d) if d.code == "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT")
    );
    charged_once(&r, "P1", 5000);
    r.sim.shutdown().await;
}

#[tokio::test]
async fn decline_is_declined_and_stays_declined() {
    let r = rig(Envelope::Gcm, false).await;
    r.sim.push(Behaviour::Decline("CARD_EXPIRED".into()));
    let out = r.driver.pay(&pay_req("P1", 100), &NullSink).await.unwrap();
    assert!(
        matches!(out, PayOutcome::Declined(ref d) if d.code == "CARD_EXPIRED" && !d.retryable),
        "{out:?}"
    );
    let again = r.driver.pay(&pay_req("P1", 100), &NullSink).await.unwrap();
    assert!(matches!(again, PayOutcome::Declined(ref d) if d.code == "PAYMENT_FAIL"));
    assert!(matches!(
        r.driver.inquire_payment(&query("P1", 100)).await,
        Ok(PaymentStatus::Failed(_))
    ));
    assert!(matches!(
        r.sim.payments()[0].status,
        SimPaymentStatus::Fail(_)
    ));
    r.sim.shutdown().await;
}

#[tokio::test]
async fn delayed_answer_times_out_then_recovers_success_without_a_second_charge() {
    let r = rig_with(Envelope::Gcm, false, |c| c.timing.pay = SHORT).await;
    r.sim.push(Behaviour::DelayAnswer(LONG));
    let out = r
        .driver
        .pay(&pay_req("P1", 12500), &NullSink)
        .await
        .unwrap();
    assert_eq!(unknown(out), UnknownReason::Timeout);
    until("the charge", || !r.sim.payments().is_empty()).await;
    let s = r.driver.inquire_payment(&query("P1", 12500)).await.unwrap();
    assert!(matches!(s, PaymentStatus::Succeeded(_)), "{s:?}");
    charged_once(&r, "P1", 12500);
    r.sim.shutdown().await;
}

#[tokio::test]
async fn delayed_decline_times_out_then_recovers_the_failure() {
    let r = rig_with(Envelope::Gcm, false, |c| c.timing.pay = SHORT).await;
    r.sim.push(Behaviour::DelayThenDecline(LONG));
    assert_eq!(
        unknown(r.driver.pay(&pay_req("P1", 100), &NullSink).await.unwrap()),
        UnknownReason::Timeout
    );
    until("the declined payment", || !r.sim.payments().is_empty()).await;
    assert!(matches!(
        r.driver.inquire_payment(&query("P1", 100)).await,
        Ok(PaymentStatus::Failed(_))
    ));
    r.sim.shutdown().await;
}

#[tokio::test]
async fn in_progress_is_unknown_then_pending_then_final() {
    let r = rig(Envelope::Ecb, false).await;
    r.sim.push(Behaviour::InProgress {
        n: 2,
        then: Final::Approve,
    });
    let reason = unknown(r.driver.pay(&pay_req("P1", 700), &NullSink).await.unwrap());
    assert!(
        matches!(reason, UnknownReason::NotFinal(ref m) if m.contains("PAYMENT_IN_PROGRESS")),
        "{reason:?}"
    );
    let q = query("P1", 700);
    assert_eq!(
        r.driver.inquire_payment(&q).await,
        Ok(PaymentStatus::Pending)
    );
    assert_eq!(
        r.driver.inquire_payment(&q).await,
        Ok(PaymentStatus::Pending)
    );
    assert!(matches!(
        r.driver.inquire_payment(&q).await,
        Ok(PaymentStatus::Succeeded(_))
    ));
    charged_once(&r, "P1", 700);
    r.sim.push(Behaviour::InProgress {
        n: 0,
        then: Final::Decline("RISK".into()),
    });
    unknown(r.driver.pay(&pay_req("P2", 700), &NullSink).await.unwrap());
    assert!(matches!(
        r.driver.inquire_payment(&query("P2", 700)).await,
        Ok(PaymentStatus::Failed(_))
    ));
    r.sim.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_after_the_charge_is_unknown_and_recovers() {
    let r = rig(Envelope::Gcm, false).await;
    r.sim.push(Behaviour::DropAfterCharge);
    let reason = unknown(r.driver.pay(&pay_req("P1", 9900), &NullSink).await.unwrap());
    assert!(
        matches!(reason, UnknownReason::ConnectionLost(_)),
        "{reason:?}"
    );
    assert!(matches!(
        r.driver.inquire_payment(&query("P1", 9900)).await,
        Ok(PaymentStatus::Succeeded(_))
    ));
    charged_once(&r, "P1", 9900);
    r.sim.shutdown().await;
}

#[tokio::test]
async fn bad_signature_and_tampered_body_are_never_trusted() {
    let r = rig(Envelope::Gcm, false).await;
    r.sim.push(Behaviour::BadSignature);
    r.sim.push(Behaviour::TamperedBody);
    for id in ["P1", "P2"] {
        let reason = unknown(r.driver.pay(&pay_req(id, 100), &NullSink).await.unwrap());
        assert!(
            matches!(reason, UnknownReason::BadSignature(_)),
            "{id}: {reason:?}"
        );
        assert!(matches!(
            r.driver.inquire_payment(&query(id, 100)).await,
            Ok(PaymentStatus::Succeeded(_))
        ));
    }
    assert_eq!(r.sim.payments().len(), 2);
    r.sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_amount_is_a_mismatch_and_the_inquiry_checks_the_amount_too() {
    let r = rig(Envelope::Gcm, false).await;
    r.sim.push(Behaviour::WrongAmount);
    let reason = unknown(r.driver.pay(&pay_req("P1", 4500), &NullSink).await.unwrap());
    assert!(matches!(reason, UnknownReason::Mismatch(_)), "{reason:?}");
    // The terminal really charged 4500: recovery with the right amount succeeds...
    assert!(matches!(
        r.driver.inquire_payment(&query("P1", 4500)).await,
        Ok(PaymentStatus::Succeeded(_))
    ));
    // ...and an inquiry expecting another amount refuses to trust the answer.
    assert!(matches!(
        r.driver.inquire_payment(&query("P1", 4400)).await,
        Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
    ));
    charged_once(&r, "P1", 4500);
    r.sim.shutdown().await;
}

#[tokio::test]
async fn terminal_busy_is_a_retryable_decline_that_charges_nothing() {
    let r = rig(Envelope::Gcm, false).await;
    r.sim.push(Behaviour::TerminalBusy);
    let out = r.driver.pay(&pay_req("P1", 100), &NullSink).await.unwrap();
    assert!(
        matches!(out, PayOutcome::Declined(ref d) if d.code == "TERMINAL_BUSY" && d.retryable),
        "{out:?}"
    );
    assert!(r.sim.payments().is_empty());
    assert_eq!(
        r.driver.inquire_payment(&query("P1", 100)).await,
        Ok(PaymentStatus::NotFound)
    );
    r.sim.shutdown().await;
}

#[tokio::test]
async fn diagnosis_follows_the_toggle() {
    let r = rig(Envelope::Gcm, false).await;
    let d = r.driver.diagnose().await.unwrap();
    assert!(d.ready && d.checks.len() == 3, "{d:?}");
    r.sim.set_diagnosis_ready(false);
    let d = r.driver.diagnose().await.unwrap();
    assert!(!d.ready && !d.checks["global"] && d.checks["network"]);
    assert!(!d.detail.is_empty());
    r.sim.shutdown().await;
}

#[tokio::test]
async fn a_replayed_approval_of_another_payment_is_never_booked() {
    // Till A's 3,000 KRW approval, replayed (signed, fresh) as the answer to till B's 6,500.
    let r = rig(Envelope::Ecb, false).await;
    let a = r.driver.pay(&pay_req("PA", 3000), &NullSink).await.unwrap();
    assert!(matches!(a, PayOutcome::Approved(_)), "{a:?}");
    r.sim.push(Behaviour::ReplayLastApproval);
    let b = r.driver.pay(&pay_req("PB", 6500), &NullSink).await.unwrap();
    let reason = unknown(b);
    assert!(
        matches!(reason, UnknownReason::Mismatch(ref m) if m.contains("no record")),
        "{reason:?}"
    );
    charged_once(&r, "PA", 3000);
    assert_eq!(
        r.driver.inquire_payment(&query("PB", 6500)).await,
        Ok(PaymentStatus::NotFound),
        "the terminal charged nothing for B"
    );
    r.sim.shutdown().await;
}

#[tokio::test]
async fn a_replayed_earlier_answer_is_unknown_until_recovery_finds_this_payment() {
    let r = rig(Envelope::Ecb, false).await;
    r.driver.pay(&pay_req("PA", 3000), &NullSink).await.unwrap();
    // B is charged, but its answer is A's.
    r.sim.push(Behaviour::ReplayPrevious);
    let reason = unknown(r.driver.pay(&pay_req("PB", 6500), &NullSink).await.unwrap());
    assert!(matches!(reason, UnknownReason::Mismatch(_)), "{reason:?}");
    let s = r.driver.inquire_payment(&query("PB", 6500)).await.unwrap();
    let b_id = r.sim.payments()[1].payment_id.clone();
    assert!(
        matches!(s, PaymentStatus::Succeeded(ref x) if x.terminal_payment_id == b_id),
        "{s:?}"
    );
    r.sim.shutdown().await;
}

/// Records, in order, the sent moment and every event.
#[derive(Default)]
struct Order(std::sync::Mutex<Vec<String>>);

impl kassa_core::EventSink for Order {
    fn emit(&self, e: kassa_core::TerminalEvent) {
        self.0.lock().unwrap().push(format!("{:?}", e.phase));
    }
    fn sent(&self) {
        self.0.lock().unwrap().push("sent".into());
    }
}

#[tokio::test]
async fn a_pay_to_a_closed_port_is_a_request_error_and_nothing_claims_it_left_before_sent() {
    let r = rig(Envelope::Ecb, false).await;
    let port = r.sim.addr().port();
    r.sim.shutdown().await;
    let driver = kassa_antom::AntomLan::new(
        driver_config(port, Envelope::Ecb, false),
        std::sync::Arc::new(kassa_core::SystemClock),
    )
    .unwrap();
    let sink = Order::default();
    let out = driver.pay(&pay_req("P1", 100), &sink).await;
    assert!(matches!(out, Err(RequestError::Unreachable(_))), "{out:?}");
    let seen = sink.0.lock().unwrap().clone();
    // The contract: `sent()` at most once, right before the HTTP send; any event after it.
    assert!(
        seen.iter().filter(|s| *s == "sent").count() <= 1,
        "{seen:?}"
    );
    if let Some(first) = seen.first() {
        assert_eq!(first, "sent", "an event came before sent(): {seen:?}");
    }
    // And an answered pay: the sent moment, then the countdown, in that order.
    let r = rig(Envelope::Ecb, false).await;
    let sink = Order::default();
    r.driver.pay(&pay_req("P1", 100), &sink).await.unwrap();
    assert_eq!(*sink.0.lock().unwrap(), vec!["sent", "OnTerminal"]);
    r.sim.shutdown().await;
}

#[tokio::test]
async fn nothing_listening_is_unreachable_before_anything_is_sent() {
    let r = rig(Envelope::Gcm, false).await;
    let port = r.sim.addr().port();
    r.sim.shutdown().await;
    let driver = kassa_antom::AntomLan::new(
        driver_config(port, Envelope::Gcm, false),
        std::sync::Arc::new(kassa_core::SystemClock),
    )
    .unwrap();
    let out = driver.pay(&pay_req("P1", 100), &NullSink).await;
    assert!(matches!(out, Err(RequestError::Unreachable(_))), "{out:?}");
    assert!(matches!(
        driver.inquire_payment(&query("P1", 100)).await,
        Err(InquiryError::Unreachable(_))
    ));
}

#[tokio::test]
async fn mismatched_settings_never_approve() {
    // Wrong serial number: the terminal refuses the call; nothing is charged.
    let r = rig_with(Envelope::Gcm, false, |c| c.client_id = "OTHER_SN".into()).await;
    let out = r.driver.pay(&pay_req("P1", 100), &NullSink).await.unwrap();
    assert!(
        matches!(out, PayOutcome::Declined(ref d) if d.code == "CLIENT_INVALID"),
        "{out:?}"
    );
    assert!(r.sim.payments().is_empty());
    r.sim.shutdown().await;
    // Envelope profiles differ: the terminal cannot open the request, and its answer cannot be
    // opened either, so the outcome is unknown (recovery will find nothing), never approved.
    let r = rig_with(Envelope::Gcm, false, |c| c.envelope = Envelope::Ecb).await;
    let reason = unknown(r.driver.pay(&pay_req("P1", 100), &NullSink).await.unwrap());
    assert!(matches!(reason, UnknownReason::Malformed(_)), "{reason:?}");
    assert!(r.sim.payments().is_empty());
    r.sim.shutdown().await;
    // The wrong terminal key on the POS: every answer fails verification.
    let r = rig_with(Envelope::Gcm, false, |c| {
        c.terminal_key_path = vectors().join("pos_public_key.pem")
    })
    .await;
    let reason = unknown(r.driver.pay(&pay_req("P1", 100), &NullSink).await.unwrap());
    assert!(
        matches!(reason, UnknownReason::BadSignature(_)),
        "{reason:?}"
    );
    assert!(
        r.sim.payments().is_empty(),
        "the terminal could not open the request either"
    );
    r.sim.shutdown().await;
}
