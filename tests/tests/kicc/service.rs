//! Every KICC emulator scenario through the application service in-process (real clock,
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

/// How long a test waits for something the emulator does at once (only stops a hang).
const PATIENCE: Duration = Duration::from_secs(30);

/// Limits no outcome depends on, however slow the machine: an answer that comes is never cut
/// off, and recovery (asking every 50 ms) ends as soon as the device tells. A test whose
/// outcome needs a limit to pass shortens it: [`silent_timing`], [`give_up_soon`].
fn timing() -> Timing {
    Timing {
        diagnose: Duration::from_secs(30),
        pay: Duration::from_secs(30),
        inquiry: Duration::from_secs(30),
        poll_interval: Duration::from_millis(50),
        recovery_window: Duration::from_secs(60),
        ..KiccConfig::default_timing()
    }
}

/// For a device that never answers the purchase: given up on after 5 s.
fn silent_timing() -> Timing {
    Timing {
        pay: Duration::from_secs(5),
        ..timing()
    }
}

/// For a purchase recovery can never settle: a manager decides after 3 s.
fn give_up_soon() -> Timing {
    Timing {
        recovery_window: Duration::from_secs(3),
        ..timing()
    }
}

fn config(sim: &KiccSim, timing: Timing) -> serde_json::Value {
    serde_json::to_value(KiccConfig {
        host: "127.0.0.1".into(),
        port: sim.addr().port(),
        merchant_id: "M-KASSA-01".into(),
        acquirer_terminal_id: "0788888".into(),
        registration_no: "0216001234".into(),
        pairing_key_file: sim.pairing_key_file().to_path_buf(),
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
    let found = tokio::time::timeout(PATIENCE, async {
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
                let TxResult::Approved { approval_num, .. } = &charged[0].result else {
                    unreachable!()
                };
                assert_eq!(
                    p.terminal_payment_id, a.request_id,
                    "the request id, unique"
                );
                assert_eq!(p.receipt.approval_code.as_ref(), Some(approval_num));
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

/// `happy()` with an instruction to the customer (`code`) after the first card detection,
/// then the card detected again.
fn with_instruction(code: &str, instruction: Instruction) -> Vec<Seen> {
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
    want
}

/// A cancel sent while the sale runs: on which event, whether the dialog offers cancel then,
/// and the device's answer.
type CancelOn = (&'static str, bool, CancelAck);

/// One scripted sale and what must come of it.
struct Case {
    name: &'static str,
    won: i64,
    scenario: Scenario,
    /// How long the device waits for a card, if not the emulator's default.
    card_timeout: Option<Duration>,
    cancel: Option<CancelOn>,
    status: AttemptState,
    /// The decline's code, for a decline.
    decline: Option<&'static str>,
    /// What the dialog showed.
    seen: Vec<Seen>,
    /// The Purchase's `timeoutSeconds` on the device.
    device_timeout: u64,
    journal: &'static [&'static str],
}

const APPROVED: &[&str] = &["begin", "diagnosed_ok", "sent", "approved"];
const DECLINED: &[&str] = &["begin", "diagnosed_ok", "sent", "declined"];

fn cases() -> Vec<Case> {
    let approved = |name, scenario| Case {
        name,
        won: 8_000,
        scenario,
        card_timeout: None,
        cancel: None,
        status: AttemptState::Succeeded,
        decline: None,
        seen: happy(),
        device_timeout: 30,
        journal: APPROVED,
    };
    let mut signed = happy();
    signed.insert(
        4,
        ev(
            "PENDING_SIGNATURE",
            Phase::Signature,
            Countdown::Restart(20),
            false,
        ),
    );
    let waiting = |last: Seen| {
        vec![
            diagnosing(),
            ev("READY", Phase::WaitingForCard, Countdown::Start(30), true),
            last,
        ]
    };
    vec![
        // The payment is recorded with what a refund needs.
        Case {
            won: 15_000,
            ..approved("happy path", Scenario::Happy)
        },
        // The signature restarts the countdown and extends the device timeout: the configured
        // 30 s plus 20 s to sign.
        Case {
            won: 60_000,
            seen: signed,
            device_timeout: 50,
            ..approved("signature", Scenario::Happy)
        },
        // Card-reading instructions keep the countdown and the cancel button.
        Case {
            seen: with_instruction("CARD_TRY_AGAIN", Instruction::TryAgain),
            ..approved("try again", Scenario::TryAgain)
        },
        Case {
            seen: with_instruction("FALLBACK_MAGCARDREADER", Instruction::FallbackMagstripe),
            ..approved("fallback to the stripe", Scenario::FallbackMagstripe)
        },
        Case {
            seen: with_instruction("REQUIRE_CARD_INSERT", Instruction::InsertCard),
            ..approved("insert the card", Scenario::RequireInsert)
        },
        // Unknown event codes and frames are ignored.
        approved("noise", Scenario::Noise),
        // No card before the expiry is a decline that stops the countdown.
        Case {
            card_timeout: Some(Duration::ZERO),
            status: AttemptState::Failed,
            decline: Some("PROCESS_FAIL"),
            seen: waiting(ev(
                "PROCESS_FAIL",
                Phase::WaitingForCard,
                Countdown::Stop,
                false,
            )),
            journal: DECLINED,
            ..approved("no card", Scenario::NoCard)
        },
        // A cancel while waiting for the card (the dialog offers it once READY) ends as the
        // device reports. The device waits 30 s for a card unless cancelled.
        Case {
            cancel: Some(("READY", true, CancelAck::Accepted)),
            status: AttemptState::Failed,
            decline: Some("ORDER_IS_CANCELED"),
            seen: waiting(ev("CANCELLING", Phase::Cancelling, Countdown::Stop, false)),
            journal: DECLINED,
            ..approved("cancel while waiting for the card", Scenario::NoCard)
        },
        // A cancel after the card read (no longer offered) is too late, and the charge is
        // recorded.
        Case {
            cancel: Some(("CARD_READ_COMPLETED", false, CancelAck::TooLate)),
            ..approved("cancel after the card read", Scenario::HoldAfterRead)
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_scripted_sale_ends_as_the_device_reports_and_the_dialog_shows_how() {
    for case in cases() {
        let name = case.name;
        let r = rig().await;
        if let Some(wait) = case.card_timeout {
            r.sim.set_timing(SimTiming {
                card_timeout: Some(wait),
                ..SimTiming::instant()
            });
        }
        r.sim.push_scenario(case.scenario);
        let (s, mut rx) = screen();
        let report = match case.cancel {
            None => r.svc.sale(sale_of(case.won), &s).await,
            Some((code, offered, want)) => {
                let (report, ack) = tokio::join!(r.svc.sale(sale_of(case.won), &s), async {
                    let e = wait_for(&mut rx, code).await;
                    assert_eq!(e.can_cancel, offered, "{name}: cancel offered on {code}");
                    r.svc.cancel("counter", &e.request_id).await
                });
                assert_eq!(ack.unwrap(), want, "{name}");
                report
            }
        };
        let report = report.expect("sale");
        assert_eq!(report.status, case.status, "{name}");
        assert_eq!(
            report.decline.as_ref().map(|d| d.code.as_str()),
            case.decline,
            "{name}"
        );
        assert_eq!(s.seen(), case.seen, "{name}");
        let purchase = &r.sim.commands()[0];
        assert_eq!(purchase.command, "Purchase", "{name}");
        assert_eq!(
            purchase.timeout_seconds, case.device_timeout,
            "{name}: the device's timeout"
        );
        let rid = report.payment_request_id.clone();
        assert_eq!(journal(&r, &rid), case.journal, "{name}");
        if case.status == AttemptState::Succeeded {
            let p = r.svc.ledger().payment(&rid).unwrap().unwrap();
            assert_eq!(p.amount.minor, case.won, "{name}");
            assert_eq!(p.receipt.masked_pan.as_deref(), Some("523649**"), "{name}");
            assert_eq!(p.receipt.card_brand.as_deref(), Some("BC"), "{name}");
            assert!(p.vendor_data["acquirerMetaData"].is_string(), "{name}");
            assert_eq!(
                report.payment_id.as_deref(),
                Some(p.terminal_payment_id.as_str()),
                "{name}"
            );
        }
        assert_ledger_agrees_with_device(&r);
        r.sim.stop().await;
    }
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
        ["begin", "diagnosed_ok", "sent", "not_delivered"]
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
async fn two_approvals_with_the_same_approval_number_are_both_recorded() {
    // Approval numbers repeat and some answers carry no acquirer serial: the ledger's one
    // payment per terminal payment id must not refuse the second, real approval.
    let r = rig().await;
    r.sim.repeat_approval_number(true);
    let (first, _) = sale(&r, 8_000).await;
    let (second, _) = sale(&r, 9_000).await;
    for report in [&first, &second] {
        assert_eq!(report.status, AttemptState::Succeeded, "{}", report.message);
        let p = r
            .svc
            .ledger()
            .payment(&report.payment_request_id)
            .unwrap()
            .unwrap();
        assert_eq!(p.terminal_payment_id, report.payment_request_id);
        assert_eq!(
            p.receipt.approval_code.as_deref(),
            Some(kassa_sim::kicc::REPEATED_APPROVAL)
        );
    }
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_business_failure_is_a_decline_or_waits_for_a_manager() {
    // Two codes can never be settled: their window must end for the manager to decide.
    let r = rig_with(give_up_soon()).await;
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
