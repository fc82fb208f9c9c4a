//! Every KICC emulator scenario through the application service in-process (real clock, short
//! configured timeouts, the emulator on loopback): the events the payment dialog receives with
//! their countdowns and cancel button, the ledger rows written, and after every test the
//! invariant that the ledger never records a success the device did not report, nor a failure
//! for a charge the device made.

use kassa_app::{OpenOptions, PaymentReport, RefundCommand, SaleItem, SaleRequest, Service};
use kassa_core::{
    AttemptState, CancelAck, Countdown, Currency, EventSink, Instruction, Phase, TaxRate,
    TerminalEvent, Timing,
};
use kassa_kicc::codes::BusinessCode;
use kassa_kicc::KiccConfig;
use kassa_ledger::Attempt;
use kassa_sim::kicc::{KiccSim, Scenario, SimTiming, TxRecord, TxResult};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

#[path = "recovery.rs"]
mod recovery;

/// A device, a service with it as its default terminal `counter`, and the ledger's folder.
struct Rig {
    sim: KiccSim,
    svc: Service,
    dir: tempfile::TempDir,
}

/// Short timeouts: the emulator answers in milliseconds, a silent one is given up on after
/// 5 s, and recovery asks every 50 ms for 3 s before a manager must decide (margins for a
/// busy machine; nothing passes by waiting them out).
fn timing() -> Timing {
    Timing {
        pay: Duration::from_secs(5),
        poll_interval: Duration::from_millis(50),
        recovery_window: Duration::from_secs(3),
        ..KiccConfig::default_timing()
    }
}

fn config(sim: &KiccSim, timing: Timing) -> serde_json::Value {
    serde_json::to_value(KiccConfig {
        host: "127.0.0.1".into(),
        port: sim.addr().port(),
        merchant_id: "M-KASSA-01".into(),
        acquirer_terminal_id: "0788888".into(),
        registration_no: "0216001234".into(),
        payment_expiry_secs: 30,
        timing,
    })
    .expect("settings as JSON")
}

async fn rig_with(timing: Timing) -> Rig {
    let sim = KiccSim::start(SimTiming::instant())
        .await
        .expect("start the KICC emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, _) = Service::start(OpenOptions::new(dir.path().join("kassa.db")))
        .await
        .expect("service");
    svc.add_terminal("counter", "kicc", config(&sim, timing), true, "manager")
        .expect("add the terminal");
    Rig { sim, svc, dir }
}

async fn rig() -> Rig {
    rig_with(timing()).await
}

/// Records every event and tells the test each vendor code as it arrives.
#[derive(Clone)]
struct Screen {
    all: Arc<Mutex<Vec<TerminalEvent>>>,
    tx: tokio::sync::mpsc::UnboundedSender<TerminalEvent>,
}

impl EventSink for Screen {
    fn emit(&self, e: TerminalEvent) {
        self.all.lock().unwrap().push(e.clone());
        let _ = self.tx.send(e);
    }
}

fn screen() -> (Screen, UnboundedReceiver<TerminalEvent>) {
    let (tx, rx) = unbounded_channel();
    let s = Screen {
        all: Arc::default(),
        tx,
    };
    (s, rx)
}

impl Screen {
    /// What the dialog showed: vendor code, phase, countdown and whether cancel was offered.
    fn seen(&self) -> Vec<Seen> {
        self.all
            .lock()
            .unwrap()
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
}

type Seen = (String, Phase, Countdown, bool);

fn ev(code: &str, phase: Phase, countdown: Countdown, can_cancel: bool) -> Seen {
    (code.to_string(), phase, countdown, can_cancel)
}

fn diagnosing() -> Seen {
    ev("", Phase::Diagnosing, Countdown::None, false)
}

/// Checking the terminal, then READY … START_TRANSACTION of an unsigned purchase.
fn happy() -> Vec<Seen> {
    vec![
        diagnosing(),
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

async fn wait_for(rx: &mut UnboundedReceiver<TerminalEvent>, code: &str) -> TerminalEvent {
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(e) = rx.recv().await {
            if e.vendor_code == code {
                return Some(e);
            }
        }
        None
    })
    .await;
    found
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("{code} never came"))
}

fn sale_of(won: i64) -> SaleRequest {
    SaleRequest {
        terminal: None,
        currency: Currency::KRW,
        items: vec![SaleItem {
            name: "Gukbap".into(),
            unit_price_minor: won,
            quantity: 1,
            tax: TaxRate {
                basis_points: 1000,
                inclusive: true,
            },
        }],
        cashier: "kim".into(),
        installments: 0,
    }
}

async fn sale(r: &Rig, won: i64) -> (PaymentReport, Screen) {
    let (s, _rx) = screen();
    let report = r.svc.sale(sale_of(won), &s).await.expect("sale");
    (report, s)
}

fn attempt(r: &Rig, request_id: &str) -> Attempt {
    r.svc
        .ledger()
        .attempt(request_id)
        .expect("ledger")
        .expect("attempt recorded")
}

fn journal(r: &Rig, request_id: &str) -> Vec<String> {
    r.svc
        .ledger()
        .journal(request_id)
        .expect("journal")
        .into_iter()
        .map(|j| j.event)
        .collect()
}

fn approved(t: &TxRecord) -> bool {
    matches!(t.result, TxResult::Approved { .. })
}

fn count(r: &Rig, command: &str) -> usize {
    r.sim
        .commands()
        .iter()
        .filter(|c| c.command == command)
        .count()
}

/// The ledger agrees with the device about every payment attempt: a success is exactly one
/// charge the device made (same amount, same transaction serial), and a failure is no charge.
/// Unknown and needs-manager attempts claim neither. Every purchase the device saw is in the
/// ledger.
fn assert_ledger_agrees_with_device(r: &Rig) {
    let log = r.sim.transactions();
    let purchases: Vec<&TxRecord> = log.iter().filter(|t| t.command == "Purchase").collect();
    let mut attempts = Vec::new();
    for o in r.svc.orders(None, None, None, 10_000).expect("orders") {
        for a in r.svc.ledger().attempts_for_order(&o.id).expect("attempts") {
            if a.kind == kassa_ledger::AttemptKind::Payment {
                attempts.push(a);
            }
        }
    }
    for a in &attempts {
        let charged: Vec<&&TxRecord> = purchases
            .iter()
            .filter(|t| t.request_id == a.request_id && approved(t))
            .collect();
        match a.state {
            AttemptState::Succeeded => {
                assert_eq!(
                    charged.len(),
                    1,
                    "{} succeeded without one charge",
                    a.request_id
                );
                assert_eq!(charged[0].amount, a.amount.minor);
                let p = r.svc.ledger().payment(&a.request_id).unwrap().unwrap();
                let TxResult::Approved { transaction_id, .. } = &charged[0].result else {
                    unreachable!()
                };
                assert_eq!(&p.terminal_payment_id, transaction_id);
            }
            AttemptState::Failed | AttemptState::Refused => assert!(
                charged.is_empty(),
                "{} recorded {} but the device charged it",
                a.request_id,
                a.state
            ),
            AttemptState::Unknown | AttemptState::NeedsManager => {}
            other => panic!("{} left in {other}", a.request_id),
        }
    }
    for t in &purchases {
        assert!(
            attempts.iter().any(|a| a.request_id == t.request_id),
            "the device ran {} which the ledger does not know",
            t.request_id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_records_the_payment_with_what_a_refund_needs() {
    let r = rig().await;
    let (report, screen) = sale(&r, 15_000).await;
    assert_eq!(report.status, AttemptState::Succeeded);
    assert_eq!(screen.seen(), happy());
    let rid = report.payment_request_id.clone();
    assert_eq!(
        journal(&r, &rid),
        ["begin", "diagnosed_ok", "sent", "approved"]
    );
    let p = r.svc.ledger().payment(&rid).unwrap().unwrap();
    assert_eq!(p.amount.minor, 15_000);
    assert_eq!(p.receipt.masked_pan.as_deref(), Some("523649**"));
    assert_eq!(p.receipt.card_brand.as_deref(), Some("BC"));
    assert!(p.vendor_data["acquirerMetaData"].is_string());
    assert_eq!(
        report.payment_id.as_deref(),
        Some(p.terminal_payment_id.as_str())
    );
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signature_path_restarts_the_countdown_and_extends_the_device_timeout() {
    let r = rig().await;
    let (report, screen) = sale(&r, 60_000).await;
    assert_eq!(report.status, AttemptState::Succeeded);
    let mut want = happy();
    want.insert(
        4,
        ev(
            "PENDING_SIGNATURE",
            Phase::Signature,
            Countdown::Restart(20),
            false,
        ),
    );
    assert_eq!(screen.seen(), want);
    let purchase = &r.sim.commands()[0];
    assert_eq!(purchase.command, "Purchase");
    assert_eq!(
        purchase.timeout_seconds, 25,
        "the configured 5 s plus 20 s to sign"
    );
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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
    for (scenario, code, instruction) in cases {
        r.sim.push_scenario(scenario);
        let (report, screen) = sale(&r, 8_000).await;
        assert_eq!(report.status, AttemptState::Succeeded, "{scenario}");
        let mut want = happy();
        want.insert(
            3,
            ev(
                code,
                Phase::Instruction { instruction },
                Countdown::Keep,
                true,
            ),
        );
        want.insert(
            4,
            ev("CARD_DETECTED", Phase::CardDetected, Countdown::Keep, true),
        );
        assert_eq!(screen.seen(), want, "{scenario}");
    }
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_event_codes_and_frames_are_ignored() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::Noise);
    let (report, screen) = sale(&r, 8_000).await;
    assert_eq!(report.status, AttemptState::Succeeded);
    assert_eq!(screen.seen(), happy());
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_card_before_the_expiry_is_a_decline_that_stops_the_countdown() {
    let r = rig().await;
    r.sim.set_timing(SimTiming {
        card_timeout: Some(Duration::ZERO),
        ..SimTiming::instant()
    });
    r.sim.push_scenario(Scenario::NoCard);
    let (report, screen) = sale(&r, 8_000).await;
    assert_eq!(report.status, AttemptState::Failed);
    assert_eq!(report.decline.as_ref().unwrap().code, "PROCESS_FAIL");
    assert_eq!(
        screen.seen(),
        vec![
            diagnosing(),
            ev("READY", Phase::WaitingForCard, Countdown::Start(30), true),
            ev(
                "PROCESS_FAIL",
                Phase::WaitingForCard,
                Countdown::Stop,
                false
            ),
        ]
    );
    assert_eq!(
        journal(&r, &report.payment_request_id).last().unwrap(),
        "declined"
    );
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_device_fails_the_attempt_unsent_and_a_new_one_pays() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::Busy);
    let (report, screen) = sale(&r, 8_000).await;
    assert_eq!(report.status, AttemptState::Failed);
    assert!(report.decline.is_none());
    assert!(report.message.contains("busy"), "{}", report.message);
    assert_eq!(screen.seen(), vec![diagnosing()]);
    let a = attempt(&r, &report.payment_request_id);
    assert!(a.reason.unwrap().contains("CommandDeviceBusy"));
    assert_eq!(
        journal(&r, &report.payment_request_id),
        ["begin", "diagnosed_ok", "request_failed"]
    );
    assert!(r.sim.transactions().is_empty());
    let again = r
        .svc
        .pay_order(&report.order_id, None, "kim", 0, &kassa_core::NullSink)
        .await
        .unwrap();
    assert_eq!(again.status, AttemptState::Succeeded);
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_business_failure_is_a_decline_or_waits_for_a_manager() {
    let r = rig().await;
    for code in BusinessCode::ALL {
        r.sim.push_scenario(Scenario::BusinessFail(*code));
        let (report, screen) = sale(&r, 9_000).await;
        let seen = screen.seen();
        let early = matches!(
            code,
            BusinessCode::InvalidContract | BusinessCode::AccessDenied | BusinessCode::ParamIllegal
        );
        if early {
            assert_eq!(seen, vec![diagnosing()], "{code} is refused before READY");
        } else {
            assert_eq!(seen[..5], happy()[..], "{code}");
        }
        match code {
            // These prove nothing about the charge: recovery asks, and cannot settle them.
            BusinessCode::RepeatReqReject | BusinessCode::Unknown => {
                assert_eq!(report.status, AttemptState::NeedsManager, "{code}");
                assert!(
                    matches!(seen[5].1, Phase::Recovering { tries: 1, .. }),
                    "{code}: {seen:?}"
                );
                let j = journal(&r, &report.payment_request_id);
                assert_eq!(j[j.len() - 2..], ["lost", "escalate"], "{code}");
            }
            _ => {
                assert_eq!(report.status, AttemptState::Failed, "{code}");
                let d = report.decline.as_ref().unwrap();
                assert_eq!(d.code, code.as_str());
                assert!(report.message.contains(&d.message), "{}", report.message);
                assert_eq!(seen.len(), if early { 1 } else { 5 }, "{code}: {seen:?}");
            }
        }
    }
    assert!(r.sim.transactions().iter().all(|t| !approved(t)));
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_while_waiting_for_the_card_ends_as_the_device_reports() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::NoCard); // waits 30 s for a card unless cancelled
    let (s, mut rx) = screen();
    let (report, ack) = tokio::join!(r.svc.sale(sale_of(8_000), &s), async {
        let ready = wait_for(&mut rx, "READY").await;
        assert!(ready.can_cancel, "the dialog offers cancel once READY");
        r.svc.cancel("counter", &ready.request_id).await
    });
    assert_eq!(ack.unwrap(), CancelAck::Accepted);
    let report = report.unwrap();
    assert_eq!(report.status, AttemptState::Failed);
    assert_eq!(report.decline.as_ref().unwrap().code, "ORDER_IS_CANCELED");
    assert_eq!(
        s.seen(),
        vec![
            diagnosing(),
            ev("READY", Phase::WaitingForCard, Countdown::Start(30), true),
            ev("CANCELLING", Phase::Cancelling, Countdown::Stop, false),
        ]
    );
    assert_eq!(
        journal(&r, &report.payment_request_id).last().unwrap(),
        "declined"
    );
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_after_the_card_read_is_too_late_and_the_charge_is_recorded() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::HoldAfterRead);
    let (s, mut rx) = screen();
    let (report, ack) = tokio::join!(r.svc.sale(sale_of(8_000), &s), async {
        let read = wait_for(&mut rx, "CARD_READ_COMPLETED").await;
        assert!(!read.can_cancel, "cancel is no longer offered");
        r.svc.cancel("counter", &read.request_id).await
    });
    assert_eq!(ack.unwrap(), CancelAck::TooLate);
    let report = report.unwrap();
    assert_eq!(report.status, AttemptState::Succeeded, "the device charged");
    assert_eq!(s.seen(), happy());
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}
