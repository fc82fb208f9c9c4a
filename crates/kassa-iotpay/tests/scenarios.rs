//! Every scripted behaviour of the IOT Pay simulator, through the driver over loopback: the
//! outcome the driver reports, what recovery then finds, and what the cloud's order store
//! says was charged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

mod common;

use common::{
    pay_request, query, recover, rig, rig_with, short_pay_timing, Recovered, Rig, KEY, MCH_ID,
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

/// What recovery makes of the attempt after `pay`.
enum Then {
    /// The outcome is final: there is nothing to recover.
    Final,
    /// Recovery's `tries`-th query finds the payment, for the amount asked.
    FoundPaid { tries: u32 },
    /// Every query across the window leaves it open and a manager decides; `last` checks the
    /// last answer.
    Manager {
        last: fn(&Result<PaymentStatus, InquiryError>) -> bool,
    },
}

/// One scripted behaviour: what `pay` reports, what recovery then finds, and what the
/// cloud's order store holds afterwards.
struct Scenario {
    name: &'static str,
    behaviour: Behaviour,
    /// The driver gives up on `pay` sooner than the simulator answers.
    short_pay_timeout: bool,
    id: &'static str,
    minor: i64,
    outcome: fn(&PayOutcome) -> bool,
    then: Then,
    /// Orders the cloud charged.
    paid: usize,
    /// The order's `status` in the cloud.
    status: i64,
    /// What the terminal charged for it.
    charged: i64,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        // The terminal's own text reaches the cashier.
        Scenario {
            name: "decline",
            behaviour: Behaviour::Decline,
            short_pay_timeout: false,
            id: "P2",
            minor: 500,
            outcome: |o| {
                matches!(o, PayOutcome::Declined(d)
                    if d.code == "status 9" && d.message == DECLINED_TEXT && !d.retryable)
            },
            then: Then::Final,
            paid: 0,
            status: 9,
            charged: 500,
        },
        // Cancelled by the system: a new attempt may work.
        Scenario {
            name: "cancel",
            behaviour: Behaviour::Cancel,
            short_pay_timeout: false,
            id: "P3",
            minor: 500,
            outcome: |o| {
                matches!(o, PayOutcome::Declined(d)
                    if d.code == "status 4" && d.message == CANCELLED_TEXT && d.retryable)
            },
            then: Then::Final,
            paid: 0,
            status: 4,
            charged: 500,
        },
        // The cloud charges at once but answers long after the client gave up: unknown, and
        // the first query finds it paid.
        Scenario {
            name: "timeout",
            behaviour: Behaviour::Timeout { hold_ms: 120_000 },
            short_pay_timeout: true,
            id: "P4",
            minor: 1250,
            outcome: |o| {
                *o == PayOutcome::Unknown {
                    reason: UnknownReason::Timeout,
                }
            },
            then: Then::FoundPaid { tries: 1 },
            paid: 1,
            status: 2,
            charged: 1250,
        },
        // An order stuck paying goes to a manager after the window.
        Scenario {
            name: "stuck-paying",
            behaviour: Behaviour::StuckPaying,
            short_pay_timeout: false,
            id: "P5",
            minor: 700,
            outcome: |o| {
                matches!(
                    o,
                    PayOutcome::Unknown {
                        reason: UnknownReason::NotFinal(_)
                    }
                )
            },
            then: Then::Manager {
                last: |l| matches!(l, Ok(PaymentStatus::Pending)),
            },
            paid: 0,
            status: 1,
            charged: 700,
        },
        // Every answer about the order is wrongly signed: create_order is not trusted; the
        // first query agrees with it (status and amount) and settles, with a warning.
        Scenario {
            name: "bad-signature",
            behaviour: Behaviour::BadSignature,
            short_pay_timeout: false,
            id: "P6",
            minor: 990,
            outcome: |o| {
                matches!(
                    o,
                    PayOutcome::Unknown {
                        reason: UnknownReason::BadSignature(_)
                    }
                )
            },
            then: Then::FoundPaid { tries: 1 },
            paid: 1,
            status: 2,
            charged: 990,
        },
        // The terminal charged another amount: never approved; every query disagrees with
        // the attempt, so a manager decides.
        Scenario {
            name: "wrong-amount",
            behaviour: Behaviour::WrongAmount,
            short_pay_timeout: false,
            id: "P7",
            minor: 1000,
            outcome: |o| {
                matches!(
                    o,
                    PayOutcome::Unknown {
                        reason: UnknownReason::Mismatch(_)
                    }
                )
            },
            then: Then::Manager {
                last: |l| {
                    matches!(
                        l,
                        Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
                    )
                },
            },
            paid: 1,
            status: 2,
            charged: 1100,
        },
    ]
}

/// A simulator scripted with the scenario's behaviour, a driver on it, and the outcome of
/// the scenario's `pay`.
async fn pay_under(s: &Scenario) -> (IotPaySim, Rig, PayOutcome) {
    let sim = sim().await;
    sim.push(s.behaviour.clone());
    let timing = if s.short_pay_timeout {
        short_pay_timing()
    } else {
        kassa_iotpay::default_timing()
    };
    let r = rig_with(&sim.base_url(), KEY, timing);
    let out = r
        .driver
        .pay(&pay_request(s.id, s.minor), &VecSink::default())
        .await
        .unwrap();
    (sim, r, out)
}

#[tokio::test]
async fn each_scripted_behaviour_ends_as_the_money_rules_say() {
    for s in scenarios() {
        let name = s.name;
        let (sim, r, out) = pay_under(&s).await;
        assert!((s.outcome)(&out), "{name}: pay said {out:?}");

        let recovered = match s.then {
            Then::Final => None,
            _ => Some(recover(&r, &query(s.id, s.minor)).await),
        };
        let t = r.driver.timing();
        match (s.then, recovered) {
            (Then::Final, None) => {}
            (
                Then::FoundPaid { tries },
                Some(Recovered::Settled {
                    status: PaymentStatus::Succeeded(a),
                    tries: took,
                }),
            ) => {
                assert_eq!(took, tries, "{name}: queries until found");
                assert_eq!(a.amount.minor, s.minor, "{name}: amount found");
                // query_order answers flat, without payOrderId: the order's own number.
                assert_eq!(a.terminal_payment_id, s.id, "{name}: the order's id");
            }
            (Then::Manager { last }, Some(Recovered::NeedsManager { last: got, tries })) => {
                assert!(last(&got), "{name}: last answer {got:?}");
                // Every poll_interval across the whole window, plus the first ask.
                let expected = (t.recovery_window.as_secs() / t.poll_interval.as_secs()) as u32 + 1;
                assert_eq!(tries, expected, "{name}: queries across the window");
            }
            (_, other) => panic!("{name}: recovery ended {other:?}"),
        }

        assert_eq!(sim.paid_count(), s.paid, "{name}: orders the cloud charged");
        let o = sim.order(s.id).unwrap();
        assert_eq!(o.status, s.status, "{name}: order status in the cloud");
        assert_eq!(
            (o.amount, o.charged_amount),
            (s.minor, s.charged),
            "{name}: asked and charged"
        );
        // Stopping releases a held answer rather than waiting minutes for it.
        sim.stop().await.unwrap();
    }
}

/// A driver that never saw the create_order answer (e.g. after a restart) needs two
/// agreeing answers about a wrongly signed order: the first alone is untrustworthy.
#[tokio::test]
async fn a_fresh_driver_needs_two_agreeing_answers_under_bad_signatures() {
    let s = scenarios()
        .into_iter()
        .find(|s| s.name == "bad-signature")
        .unwrap();
    let (sim, _seen_the_pay, out) = pay_under(&s).await;
    assert!((s.outcome)(&out), "{out:?}");
    let fresh = rig(&sim.base_url());
    let first = fresh.driver.inquire_payment(&query(s.id, s.minor)).await;
    assert!(
        matches!(
            first,
            Err(InquiryError::Untrustworthy(UnknownReason::BadSignature(_)))
        ),
        "{first:?}"
    );
    let second = fresh.driver.inquire_payment(&query(s.id, s.minor)).await;
    assert!(
        matches!(second, Ok(PaymentStatus::Succeeded(_))),
        "{second:?}"
    );
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
