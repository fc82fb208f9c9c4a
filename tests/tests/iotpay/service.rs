//! Every IOT Pay simulator behaviour through the application service in-process, on a manual
//! clock: the cloud and HTTP are real (so the client's pay timeout is real time: the vendor's
//! 150 s, which never cuts an answer off, or 3 s for the answer held 10 minutes), while
//! recovery's 2 s pauses and its 90 s window pass in virtual time. Checks the events the
//! payment dialog receives (the PAX prompt, then recovery progress), the ledger rows, that the
//! ledger agrees with the cloud's orders, and that neither an expiry date nor the merchant key
//! is stored.

use super::{assert_no_expiry_in_ledger, assert_no_key_in_ledger, cloud, key_file, KEY};
use kassa_app::{OpenOptions, SaleItem, SaleRequest, Service};
use kassa_core::ids::SeqEntropy;
use kassa_core::{
    AttemptState, Countdown, Currency, ManualClock, Phase, TaxRate, TerminalEvent, VecSink,
};
use kassa_iotpay::{default_timing, IotPayConfig};
use kassa_sim::iotpay::{Behaviour, IotPaySim, CANCELLED_TEXT, DECLINED_TEXT};
use std::sync::Arc;
use std::time::Duration;

/// How one behaviour must end.
struct Expect {
    state: AttemptState,
    /// The decline's code and text, for a decline.
    decline: Option<(&'static str, &'static str)>,
    /// Why the answer was not trusted, when recovery had to ask.
    lost: Option<&'static str>,
}

fn expect(state: AttemptState, lost: Option<&'static str>) -> Expect {
    Expect {
        state,
        decline: None,
        lost,
    }
}

fn cad() -> Currency {
    Currency::from_code("CAD").unwrap()
}

fn sale_request() -> SaleRequest {
    SaleRequest {
        terminal: None,
        currency: cad(),
        items: vec![SaleItem {
            name: "Latte".into(),
            unit_price_minor: 625,
            quantity: 2,
            tax: TaxRate::NONE,
        }],
        cashier: "anna".into(),
        installments: 0,
    }
}

/// The cloud and the ledger agree: a success is a paid order for exactly the attempt's
/// amount, a failure an order that was not paid.
fn assert_ledger_agrees_with_cloud(svc: &Service, sim: &IotPaySim) {
    for o in sim.orders() {
        let a = svc
            .ledger()
            .attempt(&o.mch_order_no)
            .unwrap()
            .expect("every order the cloud holds is an attempt in the ledger");
        match a.state {
            AttemptState::Succeeded => {
                assert!(o.is_paid(), "{} succeeded but is not paid", a.request_id);
                assert_eq!(o.charged_amount, a.amount.minor, "{}", a.request_id);
                let p = svc.ledger().payment(&a.request_id).unwrap().unwrap();
                // The create_order answer names it by payOrderId; a flat query_order answer
                // (recovery) has none and names it by mchOrderNo.
                assert!(
                    p.terminal_payment_id == o.pay_order_id
                        || p.terminal_payment_id == o.mch_order_no,
                    "{}: {}",
                    a.request_id,
                    p.terminal_payment_id
                );
            }
            AttemptState::Failed | AttemptState::Refused => {
                assert!(
                    !o.is_paid(),
                    "{} recorded {} but paid",
                    a.request_id,
                    a.state
                )
            }
            AttemptState::Unknown | AttemptState::NeedsManager => {}
            other => panic!("{} left in {other}", a.request_id),
        }
    }
}

fn recovering(events: &[TerminalEvent]) -> Vec<(u32, u64, u64)> {
    events
        .iter()
        .filter_map(|e| match e.phase {
            Phase::Recovering {
                tries,
                elapsed_secs,
                window_secs,
            } => Some((tries, elapsed_secs, window_secs)),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cloud_behaviour_ends_as_the_cloud_says_or_waits_for_a_manager() {
    let sim = cloud().await;
    let key = key_file();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kassa.db");
    let clock = Arc::new(ManualClock::at("2026-11-21T09:05:00.000-05:00"));
    let (svc, _) = Service::start(OpenOptions {
        db_path: db.clone(),
        clock: clock.clone(),
        entropy: Arc::new(SeqEntropy::new(1)),
        store_code: "KS".into(),
    })
    .await
    .unwrap();
    // The terminal, with the vendor's long pay timeout, or a short one for the held answer
    // (an answer that comes is never cut off, however slow the machine).
    let add_pax = |pay: Duration| {
        let cfg = IotPayConfig {
            base_url: sim.base_url(),
            mch_id: super::MCH_ID.into(),
            job_no: "testpax".into(),
            device: "V1-B25".into(),
            key_file: key.path().to_path_buf(),
            currency: Some(cad()),
            timing: kassa_core::Timing {
                pay,
                ..default_timing()
            },
        };
        svc.add_terminal(
            "pax",
            "iotpay",
            serde_json::to_value(&cfg).unwrap(),
            true,
            "manager",
        )
        .unwrap();
    };

    let declined = |code, text| Expect {
        state: AttemptState::Failed,
        decline: Some((code, text)),
        lost: None,
    };
    let cases = [
        (Behaviour::Approve, expect(AttemptState::Succeeded, None)),
        (Behaviour::Decline, declined("status 9", DECLINED_TEXT)),
        (Behaviour::Cancel, declined("status 4", CANCELLED_TEXT)),
        (
            Behaviour::Timeout { hold_ms: 600_000 },
            expect(AttemptState::Succeeded, Some("timeout")),
        ),
        (
            Behaviour::BadSignature,
            expect(AttemptState::Succeeded, Some("bad-signature")),
        ),
        (
            Behaviour::StuckPaying,
            expect(AttemptState::NeedsManager, Some("not-final")),
        ),
        (
            Behaviour::WrongAmount,
            expect(AttemptState::NeedsManager, Some("mismatch")),
        ),
    ];
    for (behaviour, want) in cases {
        let held = matches!(behaviour, Behaviour::Timeout { .. });
        add_pax(if held {
            Duration::from_secs(3)
        } else {
            default_timing().pay
        });
        sim.push(behaviour.clone());
        let screen = VecSink::default();
        let report = svc.sale(sale_request(), &screen).await.unwrap();
        let rid = report.payment_request_id.clone();
        assert_eq!(
            report.status, want.state,
            "{behaviour:?}: {}",
            report.message
        );

        // The dialog: checking, then "complete the payment on the PAX terminal" (no
        // countdown, no cancel), then recovery's progress when the answer was not trusted.
        let events = screen.events();
        assert_eq!(events[0].phase, Phase::Diagnosing);
        let on_terminal = &events[1];
        assert_eq!(
            (
                &on_terminal.phase,
                on_terminal.countdown,
                on_terminal.can_cancel
            ),
            (&Phase::OnTerminal, Countdown::None, false),
            "{behaviour:?}"
        );
        assert_eq!(on_terminal.vendor_code, "CC_PAX");
        let asks = recovering(&events);
        assert_eq!(events.len(), 2 + asks.len(), "{behaviour:?}: {events:?}");

        let journal: Vec<String> = svc
            .ledger()
            .journal(&rid)
            .unwrap()
            .into_iter()
            .map(|j| j.event)
            .collect();
        match (want.lost, want.state) {
            (None, _) => {
                assert!(asks.is_empty(), "{behaviour:?}");
                assert_eq!(journal.len(), 4, "{behaviour:?}: {journal:?}");
            }
            (Some(kind), AttemptState::Succeeded) => {
                assert_eq!(asks, [(1, 0, 90)], "one query settled it: {behaviour:?}");
                assert_eq!(journal[3..], ["lost", "approved"], "{behaviour:?}");
                let lost = &svc.ledger().journal(&rid).unwrap()[3];
                assert_eq!(lost.detail["reason"]["kind"], kind, "{behaviour:?}");
            }
            (Some(kind), _) => {
                // query_order every 2 s across the whole 90 s window (at least the 60 s
                // IOT Pay asks for), then a manager.
                assert_eq!(asks.len(), 46, "{behaviour:?}");
                assert!(asks
                    .iter()
                    .enumerate()
                    .all(|(i, a)| *a == (i as u32 + 1, 2 * i as u64, 90)));
                // A cloud that answers "paying" is a trustworthy answer: the window ran from
                // it. Answers about another amount or currency are no answer at all.
                let want: &[&str] = if kind == "mismatch" {
                    &["lost", "escalate"]
                } else {
                    &["lost", "terminal_answered", "escalate"]
                };
                assert_eq!(journal[3..], *want, "{behaviour:?}");
                let lost = &svc.ledger().journal(&rid).unwrap()[3];
                assert_eq!(lost.detail["reason"]["kind"], kind, "{behaviour:?}");
                assert!(svc.ledger().payment(&rid).unwrap().is_none());
            }
        }
        match want.decline {
            Some((code, text)) => {
                let d = report.decline.as_ref().unwrap();
                assert_eq!((d.code.as_str(), d.message.as_str()), (code, text));
            }
            None => assert!(report.decline.is_none(), "{behaviour:?}"),
        }
        if want.state == AttemptState::Succeeded {
            let p = svc.ledger().payment(&rid).unwrap().unwrap();
            assert_eq!(p.receipt.masked_pan.as_deref(), Some("XXXXXXXXXXXX1166"));
            assert_eq!(
                p.receipt.cryptogram.as_deref(),
                Some("ARQC: 3D36ACBD44BE512B")
            );
        }
        assert_ledger_agrees_with_cloud(&svc, &sim);
    }
    assert_eq!(
        sim.orders().len(),
        7,
        "each attempt created one order, once"
    );
    assert_no_expiry_in_ledger(&db);
    assert_no_key_in_ledger(&db);
    assert!(
        !format!("{svc:?}").contains(KEY),
        "not even in Debug output"
    );
    sim.stop().await.unwrap();
}
