//! Checkout and recovery on a real ledger file with a manual clock, against a small scripted
//! terminal that plays what the simulators cannot play in virtual time: a call held for
//! minutes, a request refused after the driver said it was sent, a terminal that stays
//! unreachable, then answers. Two services on one ledger file stand for two processes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod scripted;

use kassa_app::{OpenOptions, RefundCommand, SaleItem, SaleRequest, Service};
use kassa_core::ids::SeqEntropy;
use kassa_core::{
    AttemptState, Clock, Currency, Decline, ManualClock, NullSink, RefundOutcome, TaxRate,
    UnknownReason,
};
use kassa_ledger::{NewPaymentAttempt, Transition};
use scripted::{Ask, Pay, Scripted};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const START: &str = "2026-11-21T10:15:30+09:00";

fn open(db: &Path, clock: Arc<ManualClock>, seed: u32) -> Service {
    Service::open(OpenOptions {
        db_path: db.to_path_buf(),
        clock,
        entropy: Arc::new(SeqEntropy::new(seed)),
        store_code: "ST".into(),
    })
    .unwrap()
}

struct Rig {
    svc: Service,
    clock: Arc<ManualClock>,
    term: Arc<Scripted>,
    _dir: tempfile::TempDir,
}

fn rig(window: u64, poll: u64) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::at(START));
    let svc = open(&dir.path().join("kassa.db"), clock.clone(), 1);
    let term = Arc::new(Scripted::new(clock.clone(), window, poll));
    svc.set_driver("t", term.clone());
    Rig {
        svc,
        clock,
        term,
        _dir: dir,
    }
}

/// A KICC bridge pairing key file (owner-only) in `dir`.
fn pairing_key(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("bridge.key");
    let key = kassa_kicc::PairingKey::generate().to_base32();
    std::fs::write(&path, key.expose().as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// A KICC terminal's settings at `host`, authenticated with the key file `key`.
fn kicc_settings(host: &str, key: &Path) -> serde_json::Value {
    serde_json::json!({"host": host, "port": 7800, "merchant_id": "M1",
        "acquirer_terminal_id": "T1", "registration_no": "1234567890",
        "pairing_key_file": key})
}

/// The attempt `request_id` as the ledger has it now.
fn attempt(r: &Rig, request_id: &str) -> kassa_ledger::Attempt {
    r.svc.ledger().attempt(request_id).unwrap().unwrap()
}

fn sale() -> SaleRequest {
    SaleRequest {
        terminal: Some("t".into()),
        currency: Currency::KRW,
        items: vec![SaleItem {
            name: "Americano".into(),
            unit_price_minor: 5000,
            quantity: 1,
            tax: TaxRate::NONE,
        }],
        cashier: "kim".into(),
        installments: 0,
    }
}

fn secs_between(a: &str, b: &str) -> i64 {
    let a = chrono::DateTime::parse_from_rfc3339(a).unwrap();
    let b = chrono::DateTime::parse_from_rfc3339(b).unwrap();
    (b - a).num_seconds()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_held_150_s_still_gets_a_whole_window_of_inquiries() {
    let r = rig(90, 20);
    r.term.pay(Pay::HoldThenLost(Duration::from_secs(150)));
    r.term.then(Ask::Pending);
    let report = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(report.status, AttemptState::NeedsManager);
    let a = attempt(&r, &report.payment_request_id);
    let sent = a.sent_at.clone().unwrap();
    let unknown = a.unknown_since.clone().unwrap();
    assert_eq!(
        secs_between(&sent, &unknown),
        150,
        "unknown when it gave up"
    );
    // Asked at 0, 20, ... 80 and 100 s after the first answer: the window, not one query.
    let asked = r.term.asked();
    assert!(asked >= 5, "asked {asked} time(s) only");
    assert!(secs_between(&unknown, &a.updated_at) >= 90, "{a:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_refused_after_sent_fails_and_the_order_can_be_paid_again() {
    let r = rig(60, 10);
    r.term.pay(Pay::SentThenRefused);
    let first = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(first.status, AttemptState::Failed, "{}", first.message);
    let a = attempt(&r, &first.payment_request_id);
    assert!(a.sent_at.is_some(), "awaiting was recorded at sent()");
    let journal = r.svc.ledger().journal(&a.request_id).unwrap();
    let last = journal.last().unwrap();
    assert_eq!(
        (last.from, last.event.as_str()),
        (AttemptState::Awaiting, "not_delivered")
    );
    assert!(
        a.reason.as_deref().unwrap().starts_with("never delivered"),
        "{a:?}"
    );
    r.term.pay(Pay::Approve);
    let again = r
        .svc
        .pay_order(&first.order_id, Some("t"), "kim", 0, &NullSink)
        .await
        .unwrap();
    assert_eq!(again.status, AttemptState::Succeeded, "{}", again.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_before_a_refused_connection_marks_nothing() {
    let r = rig(60, 10);
    r.term.pay(Pay::EventThenRefused);
    let first = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(first.status, AttemptState::Failed, "{}", first.message);
    let a = attempt(&r, &first.payment_request_id);
    assert_eq!(a.sent_at, None, "an event is not the sent moment");
    let last = r
        .svc
        .ledger()
        .journal(&a.request_id)
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.from, last.event.as_str()),
        (AttemptState::Sending, "request_failed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_without_sent_is_recorded_as_sent_first() {
    let r = rig(60, 10);
    r.term.pay(Pay::ApproveWithoutSent);
    let report = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(report.status, AttemptState::Succeeded);
    let journal = r.svc.ledger().journal(&report.payment_request_id).unwrap();
    let events: Vec<&str> = journal.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["begin", "diagnosed_ok", "sent", "approved"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn needs_manager_is_asked_again_and_the_terminal_settles_it() {
    let r = rig(60, 10);
    r.term.pay(Pay::HoldThenLost(Duration::from_secs(5)));
    r.term.then(Ask::Pending);
    let report = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(report.status, AttemptState::NeedsManager);

    // Nothing new yet: the attempt waits.
    let pass = r.svc.recheck_unresolved().await.unwrap();
    assert_eq!(
        pass.needs_manager,
        std::slice::from_ref(&report.payment_request_id)
    );
    // The terminal finally has the answer: the background pass settles it.
    r.term.then(Ask::Paid);
    r.clock.advance(kassa_app::RECHECK_INTERVAL);
    let pass = r.svc.recheck_unresolved().await.unwrap();
    assert_eq!(
        pass.succeeded,
        std::slice::from_ref(&report.payment_request_id)
    );
    let last = r
        .svc
        .ledger()
        .journal(&report.payment_request_id)
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.from, AttemptState::NeedsManager);
    assert_eq!(last.detail["settled_by"], "terminal-after-escalation");
    assert!(r.svc.ledger().payment(&report.order_id).unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_again_from_the_window_reaches_an_attempt_that_waits_for_a_manager() {
    let r = rig(60, 10);
    r.term.pay(Pay::HoldThenLost(Duration::from_secs(5)));
    r.term.then(Ask::Pending);
    let report = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(report.status, AttemptState::NeedsManager);
    let before = r.term.asked();
    r.term.then(Ask::Declined);
    let a = attempt(&r, &report.payment_request_id);
    let end = r.svc.recover_attempt(&a, &NullSink).await.unwrap();
    assert_eq!(r.term.asked(), before + 1, "asked once more");
    assert_eq!(end.state, AttemptState::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_terminal_does_not_spend_the_window() {
    let r = rig(60, 10);
    r.term.pay(Pay::HoldThenLost(Duration::from_secs(1)));
    // Off for 40 s, then it answers "no such payment" every time.
    for _ in 0..5 {
        r.term.ask(Ask::Unreachable);
    }
    r.term.then(Ask::NotFound);
    let report = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(report.status, AttemptState::Failed, "{}", report.message);
    let a = attempt(&r, &report.payment_request_id);
    let unknown = a.unknown_since.clone().unwrap();
    let answered = a.answered_since.clone().unwrap();
    assert_eq!(
        secs_between(&unknown, &answered),
        50,
        "first answer at 50 s"
    );
    assert!(
        secs_between(&answered, &a.updated_at) >= 60,
        "a whole window of answers before 'not found' settles it: {a:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_that_stays_unreachable_goes_to_a_manager_and_is_settled_when_it_answers() {
    let r = rig(60, 10);
    r.term.pay(Pay::HoldThenLost(Duration::from_secs(1)));
    r.term.then(Ask::Unreachable);
    let report = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(report.status, AttemptState::NeedsManager);
    let rid = report.payment_request_id.clone();
    // It comes back and has no record: the window starts at that first answer.
    r.term.then(Ask::NotFound);
    r.clock.advance(kassa_app::RECHECK_INTERVAL);
    let pass = r.svc.recheck_unresolved().await.unwrap();
    assert_eq!(
        pass.needs_manager,
        std::slice::from_ref(&rid),
        "not settled on one answer"
    );
    r.clock.advance(kassa_app::RECHECK_INTERVAL);
    r.clock.advance(kassa_app::RECHECK_INTERVAL);
    let pass = r.svc.recheck_unresolved().await.unwrap();
    assert_eq!(pass.failed, std::slice::from_ref(&rid));
}

/// Leaves an attempt as a process that died mid-call leaves it: `awaiting`, its lease let go.
fn interrupted(svc: &Service, order_id: &str, rid: &str, amount: i64) {
    let ledger = svc.ledger();
    let line = kassa_core::OrderLine {
        name: "Latte".into(),
        quantity: 1,
        unit_price_minor: amount,
        tax: TaxRate::NONE,
    };
    ledger
        .create_order(&kassa_ledger::NewOrder {
            id: kassa_core::RequestId::parse(order_id).unwrap(),
            currency: Currency::KRW,
            lines: vec![line],
            cashier: "kim".into(),
        })
        .unwrap();
    ledger
        .begin_payment_attempt(&NewPaymentAttempt {
            request_id: kassa_core::RequestId::parse(rid).unwrap(),
            order_id: order_id.into(),
            terminal: "t".into(),
            amount: kassa_core::Money::new(amount, Currency::KRW),
        })
        .unwrap();
    ledger.transition(rid, Transition::DiagnosedOk).unwrap();
    ledger.transition(rid, Transition::Sent).unwrap();
    ledger.release(rid).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_attempt_does_not_stop_start_up_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kassa.db");
    let clock = Arc::new(ManualClock::at(START));
    let first = open(&db, clock.clone(), 1);
    interrupted(&first, "O_BAD", "P_BAD", 5000);
    interrupted(&first, "O_GOOD", "P_GOOD", 7000);
    drop(first);

    let svc = open(&db, clock.clone(), 2);
    let term = Arc::new(Scripted::new(clock.clone(), 60, 10));
    // The first attempt's answer cannot be recorded (another amount); the second is paid.
    term.ask(Ask::PaidWrongAmount);
    term.then(Ask::Paid);
    svc.set_driver("t", term.clone());
    let report = svc.recover_all().await.unwrap();
    assert_eq!(report.examined, 2);
    assert_eq!(report.errors.len(), 1, "{report:?}");
    assert_eq!(report.errors[0].request_id, "P_BAD");
    assert_eq!(report.succeeded, ["P_GOOD"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_and_refunds_wait_for_start_up_recovery_of_their_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kassa.db");
    let clock = Arc::new(ManualClock::at(START));
    let first = open(&db, clock.clone(), 1);
    let term = Arc::new(Scripted::new(clock.clone(), 60, 10));
    first.set_driver("t", term.clone());
    term.pay(Pay::Approve);
    let paid = first.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(paid.status, AttemptState::Succeeded);
    interrupted(&first, "O_LOST", "P_LOST", 7000);
    drop(first);

    let svc = open(&db, clock.clone(), 2);
    svc.set_driver("t", term.clone());
    let err = svc.sale(sale(), &NullSink).await.unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert!(err.to_string().contains("still checking"), "{err}");
    let refund = RefundCommand {
        payment: paid.order_id.clone(),
        amount_minor: None,
        reason: "returned".into(),
        actor: "lee".into(),
    };
    let err = svc.refund(refund.clone()).await.unwrap_err();
    assert!(err.to_string().contains("still checking"), "{err}");

    term.then(Ask::Declined);
    let report = svc.recover_all().await.unwrap();
    assert_eq!(report.failed, ["P_LOST"]);
    term.refund(RefundOutcome::Declined(Decline {
        code: "REFUND_FAIL".into(),
        message: String::new(),
        retryable: false,
    }));
    let r = svc.refund(refund).await.unwrap();
    assert_eq!(r.status, AttemptState::Failed);
    assert_eq!(
        r.message,
        "Refund refused by the terminal (REFUND_FAIL). Nothing was refunded."
    );
    term.pay(Pay::Approve);
    assert_eq!(
        svc.sale(sale(), &NullSink).await.unwrap().status,
        AttemptState::Succeeded
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_service_leaves_a_running_sale_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kassa.db");
    let clock = Arc::new(ManualClock::at(START));
    let window = Arc::new(open(&db, clock.clone(), 1));
    let term = Arc::new(Scripted::new(clock.clone(), 60, 10));
    window.set_driver("t", term.clone());
    let release = Arc::new(tokio::sync::Notify::new());
    term.pay(Pay::SentThenWait(release.clone()));
    term.then(Ask::Pending);
    let running = {
        let w = window.clone();
        tokio::spawn(async move { w.sale(sale(), &NullSink).await })
    };
    // Wait (on the condition, with a generous bound) until the sale is on the wire.
    let rid = {
        let end = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let open = window.ledger().non_final_attempts().unwrap();
            if let Some(a) = open.iter().find(|a| a.state == AttemptState::Awaiting) {
                break a.request_id.clone();
            }
            assert!(std::time::Instant::now() < end, "the sale never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };

    // A second process starts (kassactl sale/recover): it must not take the running sale.
    let other = open(&db, clock.clone(), 2);
    other.set_driver("t", term.clone());
    let report = other.recover_all().await.unwrap();
    assert_eq!(
        report.running_elsewhere,
        std::slice::from_ref(&rid),
        "{report:?}"
    );
    let err = other
        .recover_attempt(&other.ledger().attempt(&rid).unwrap().unwrap(), &NullSink)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    let pass = other.recheck_unresolved().await.unwrap();
    assert_eq!(
        pass.running_elsewhere,
        std::slice::from_ref(&rid),
        "{pass:?}"
    );
    assert_eq!(term.asked(), 0, "nobody asked the terminal about it");

    release.notify_one();
    let report = running.await.unwrap().unwrap();
    assert_eq!(report.status, AttemptState::Succeeded, "{}", report.message);
    let journal = window.ledger().journal(&rid).unwrap();
    assert!(
        journal.iter().all(|e| e.event != "lost"),
        "no false 'the app stopped' note: {journal:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_changed_by_another_process_is_not_reached_through_a_stale_driver() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kassa.db");
    let clock = Arc::new(ManualClock::at(START));
    let a = open(&db, clock.clone(), 1);
    let b = open(&db, clock.clone(), 2);
    let key = pairing_key(dir.path());
    let kicc = |host: &str| kicc_settings(host, &key);
    a.add_terminal("front", "kicc", kicc("192.0.2.10"), true, "lee")
        .unwrap();
    let before = a.driver("front").unwrap();
    assert!(Arc::ptr_eq(&before, &a.driver("front").unwrap()), "cached");
    b.add_terminal("front", "kicc", kicc("192.0.2.11"), true, "lee")
        .unwrap();
    let after = a.driver("front").unwrap();
    assert!(
        !Arc::ptr_eq(&before, &after),
        "the other process's change builds a new driver"
    );
    assert!(format!("{after:?}").contains("192.0.2.11"), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_pointing_a_terminal_with_an_unresolved_attempt_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kassa.db");
    let clock = Arc::new(ManualClock::at(START));
    let svc = open(&db, clock.clone(), 1);
    let key = pairing_key(dir.path());
    let kicc = |host: &str| kicc_settings(host, &key);
    svc.add_terminal("t", "kicc", kicc("192.0.2.10"), true, "lee")
        .unwrap();
    interrupted(&svc, "O1", "P1", 5000);
    svc.ledger()
        .transition("P1", Transition::Lost(UnknownReason::Timeout))
        .unwrap();
    let err = svc
        .add_terminal("t", "kicc", kicc("192.0.2.99"), true, "lee")
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert!(err.to_string().contains("P1"), "{err}");
    assert_eq!(
        svc.ledger().terminal("t").unwrap().unwrap().config["host"],
        "192.0.2.10"
    );
    let _ = clock.now();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_whose_outcome_is_not_proven_never_says_nothing_was_refunded() {
    let r = rig(60, 10);
    r.term.pay(Pay::Approve);
    let paid = r.svc.sale(sale(), &NullSink).await.unwrap();
    r.term.refund(RefundOutcome::Unknown {
        reason: UnknownReason::Timeout,
        terminal_refund_id: None,
    });
    r.term.then(Ask::Pending);
    let refund = RefundCommand {
        payment: paid.order_id.clone(),
        amount_minor: None,
        reason: "returned".into(),
        actor: "lee".into(),
    };
    let report = r.svc.refund(refund).await.unwrap();
    assert_eq!(report.status, AttemptState::NeedsManager);
    assert!(
        !report.message.contains("Nothing was refunded"),
        "{}",
        report.message
    );
    assert!(report.message.contains("unknown"), "{}", report.message);
    assert_eq!(report.refundable_after, "0", "its amount stays reserved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_settlement_writes_one_audit_entry() {
    use kassa_app::accounts::Role;
    let r = rig(60, 10);
    r.svc
        .seed_accounts(&[("Mina", Role::Manager, "1234")])
        .unwrap();
    let id = r.svc.accounts().unwrap()[0].id.clone();
    let manager = r
        .svc
        .sign_in(&id, &kassa_core::Secret::new("1234".to_string()))
        .unwrap();
    r.term.pay(Pay::HoldThenLost(Duration::from_secs(5)));
    r.term.then(Ask::Pending);
    let report = r.svc.sale(sale(), &NullSink).await.unwrap();
    assert_eq!(report.status, AttemptState::NeedsManager);
    let settled = r
        .svc
        .resolve_as(
            &manager,
            kassa_app::window::ResolveInput {
                request_id: report.payment_request_id.clone(),
                paid: false,
                terminal_ref: None,
                evidence: "the terminal shows no payment".into(),
            },
        )
        .unwrap();
    assert_eq!(settled.status, AttemptState::Failed);
    let entries = r
        .svc
        .ledger()
        .audit_log()
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "manager_resolved")
        .count();
    assert_eq!(entries, 1, "one settlement, one audit entry");
}
