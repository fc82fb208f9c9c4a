//! The till's actions against the real simulators of demo mode (KICC bridge over TCP, N950
//! over signed and encrypted HTTP, both on loopback) and a real ledger file: a second Pay on
//! the same order, the Z report and day close, kiosk flagging, and leaving demo mode.

use super::*;
use crate::catalog::{CartInput, CartLineInput};
use crate::demo::{Demo, DemoBehaviour, DEMO_KICC, DEMO_N950, DEMO_N950_USB};
use crate::window::{RefundInput, ResolveInput, TerminalInput};
use crate::OpenOptions;
use kassa_core::{Money, Phase, RequestId, Secret, TerminalEvent, UnknownReason};
use kassa_ledger::{NewPaymentAttempt, Transition};
use kassa_sim::kicc::SimTiming;
use std::sync::Arc;
use tokio::sync::mpsc;

struct Fixture {
    svc: Arc<Service>,
    demo: Demo,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    fixture_with(OpenOptions::new).await
}

/// Demo mode on a fresh ledger; `opts` may swap the clock for a manual one.
async fn fixture_with(opts: impl FnOnce(std::path::PathBuf) -> OpenOptions) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let svc = Arc::new(Service::open(opts(dir.path().join("kassa.db"))).unwrap());
    let demo = Demo::start_with(&svc, dir.path(), SimTiming::instant())
        .await
        .unwrap();
    Fixture {
        svc,
        demo,
        _dir: dir,
    }
}

fn sign_in(svc: &Service, name: &str, pin: &str) -> Operator {
    let id = svc
        .accounts()
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
        .id;
    svc.sign_in(&id, &Secret::new(pin.to_string())).unwrap()
}

fn cart(id: &str, quantity: u32) -> CartInput {
    CartInput {
        lines: vec![CartLineInput {
            product_id: id.into(),
            quantity,
        }],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_pay_on_the_same_order_is_refused_while_the_first_runs() {
    let f = fixture().await;
    let cashier = sign_in(&f.svc, "Park Jun", "0000");
    f.demo.queue(DEMO_KICC, DemoBehaviour::NoCard).unwrap();
    let order = f
        .svc
        .order_from_cart(&cashier, &cart("americano", 1))
        .unwrap();

    let (tx, mut rx) = mpsc::unbounded_channel::<TerminalEvent>();
    let (svc, op, oid) = (f.svc.clone(), cashier.clone(), order.id.clone());
    let first = tokio::spawn(async move { svc.pay_as(&op, &oid, Some(DEMO_KICC), &tx).await });
    // Wait until the terminal asks for the card: the first attempt is on the wire.
    let request_id = loop {
        let e = rx.recv().await.expect("the payment emits events");
        if e.phase == Phase::WaitingForCard {
            break e.request_id;
        }
    };

    let second = f
        .svc
        .pay_as(&cashier, &order.id, Some(DEMO_KICC), &kassa_core::NullSink)
        .await;
    let err = second.expect_err("a second attempt on the same order must be refused");
    assert_eq!(err.code(), "conflict", "{err}");
    assert_eq!(f.svc.ledger.attempts_for_order(&order.id).unwrap().len(), 1);

    f.svc
        .cancel_as(&cashier, DEMO_KICC, &request_id)
        .await
        .unwrap();
    let report = first.await.unwrap().unwrap();
    assert_eq!(
        report.status,
        AttemptState::Failed,
        "a cancelled payment is not charged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn z_report_counts_sales_and_refunds_and_an_unknown_attempt_blocks_the_close() {
    let f = fixture().await;
    let cashier = sign_in(&f.svc, "Park Jun", "0000");
    let manager = sign_in(&f.svc, "Kim Minji", "1234");
    let sink = kassa_core::NullSink;

    for (product, terminal) in [("latte", DEMO_KICC), ("tiramisu", DEMO_N950)] {
        let o = f.svc.order_from_cart(&cashier, &cart(product, 2)).unwrap();
        let r = f
            .svc
            .pay_as(&cashier, &o.id, Some(terminal), &sink)
            .await
            .unwrap();
        assert_eq!(
            r.status,
            AttemptState::Succeeded,
            "{terminal}: {}",
            r.message
        );
    }
    let paid = f.svc.order_rows(&manager, &Default::default()).unwrap();
    let n950_order = paid
        .iter()
        .find(|o| o.terminal.as_deref() == Some(DEMO_N950))
        .unwrap();
    let refund = RefundInput {
        payment: n950_order.id.clone(),
        amount_minor: Some(6500),
        reason: "one tiramisu returned".into(),
        terminal_ref: None,
    };
    let r = f.svc.refund_as(&manager, refund).await.unwrap();
    assert_eq!(r.status, AttemptState::Succeeded, "{}", r.message);

    // An attempt whose answer was lost keeps the day open.
    let o = f.svc.order_from_cart(&cashier, &cart("bagel", 1)).unwrap();
    let rid = RequestId::parse("P_LOST_1").unwrap();
    f.svc
        .ledger
        .begin_payment_attempt(&NewPaymentAttempt {
            request_id: rid.clone(),
            order_id: o.id.clone(),
            terminal: DEMO_KICC.into(),
            amount: o.totals.total,
        })
        .unwrap();
    f.svc
        .ledger
        .transition(rid.as_str(), Transition::DiagnosedOk)
        .unwrap();
    f.svc
        .ledger
        .transition(rid.as_str(), Transition::Lost(UnknownReason::Timeout))
        .unwrap();

    let z = f.svc.z_report().unwrap();
    let krw = |minor| Money::new(minor, kassa_core::Currency::KRW);
    assert_eq!(
        (z.sales.count, z.sales.total),
        (2, krw(2 * 5000 + 2 * 6500))
    );
    assert_eq!((z.refunds.count, z.refunds.total), (1, krw(6500)));
    assert_eq!(z.net, krw(10_000 + 13_000 - 6500));
    assert_eq!(z.by_terminal.len(), 2);
    let n950 = z
        .by_terminal
        .iter()
        .find(|t| t.terminal == DEMO_N950)
        .unwrap();
    assert_eq!(
        (n950.sales.total, n950.refunds.total),
        (krw(13_000), krw(6500))
    );
    assert_eq!(z.unresolved.len(), 1);
    assert!(!z.can_close);

    let err = f.svc.close_day(&manager).unwrap_err();
    assert!(err.to_string().contains("still unresolved"), "{err}");
    assert!(
        f.svc.close_day(&cashier).is_err(),
        "cashiers do not close the day"
    );

    let settle = ResolveInput {
        request_id: rid.to_string(),
        paid: false,
        terminal_ref: None,
        evidence: "terminal screen shows no payment".into(),
    };
    assert!(
        f.svc.resolve_as(&cashier, settle.clone()).is_err(),
        "only managers settle"
    );
    f.svc.resolve_as(&manager, settle).unwrap();
    let closed = f.svc.close_day(&manager).unwrap();
    assert_eq!(closed.number, 1);
    assert!(closed.closed_at.is_some());
    let log = f.svc.ledger.audit_log().unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "day_closed" && e.actor == "Kim Minji"));
    // The next report starts after the close.
    let next = f.svc.z_report().unwrap();
    assert_eq!(
        (next.number, next.sales.count, next.refunds.count),
        (2, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_payment_that_ends_unknown_is_flagged_for_a_manager() {
    // A manual clock: recovery's 3 s polls and its 180 s window pass in virtual time. It
    // starts at the real time, as the simulated terminal checks request times.
    use kassa_core::Clock;
    let now = kassa_core::SystemClock.now().to_rfc3339();
    let clock = Arc::new(kassa_core::ManualClock::at(&now));
    let f = fixture_with(|db| OpenOptions {
        clock: clock.clone(),
        ..OpenOptions::new(db)
    })
    .await;
    let kiosk = Operator::kiosk();
    let sink = kassa_core::NullSink;

    f.demo.queue(DEMO_N950, DemoBehaviour::Decline).unwrap();
    let o = f
        .svc
        .order_from_cart(&kiosk, &cart("americano", 1))
        .unwrap();
    let r = f
        .svc
        .pay_as(&kiosk, &o.id, Some(DEMO_N950), &sink)
        .await
        .unwrap();
    assert_eq!(r.status, AttemptState::Failed, "{}", r.message);
    let flagged = |svc: &Service| {
        svc.ledger
            .audit_log()
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "kiosk_flagged")
            .count()
    };
    assert_eq!(
        flagged(&f.svc),
        0,
        "a declined kiosk payment is not flagged"
    );

    // The terminal never says how it ended: recovery gives up and hands it to a manager.
    f.demo.queue(DEMO_N950, DemoBehaviour::Stuck).unwrap();
    let o = f.svc.order_from_cart(&kiosk, &cart("latte", 1)).unwrap();
    let r = f
        .svc
        .pay_as(&kiosk, &o.id, Some(DEMO_N950), &sink)
        .await
        .unwrap();
    assert_eq!(r.status, AttemptState::NeedsManager, "{}", r.message);
    assert_eq!(flagged(&f.svc), 1, "the kiosk's unknown payment is flagged");
    let status = f.svc.app_status(false).unwrap();
    assert!(status
        .attention
        .iter()
        .any(|a| a.request_id == r.payment_request_id));
    assert!(
        f.svc.order_rows(&kiosk, &Default::default()).is_err(),
        "the kiosk sees no orders"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_n950_on_its_simulated_usb_cable_is_listed_sells_and_refunds() {
    let f = fixture().await;
    let cashier = sign_in(&f.svc, "Park Jun", "0000");
    let manager = sign_in(&f.svc, "Kim Minji", "1234");

    // What the terminal settings offer: the N950 found in normal mode, not yet switched.
    let found = f.svc.usb_terminals_as(&cashier).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].serial.as_deref(), Some("N950DEMO0001"));
    assert_eq!(
        (found[0].state.as_str(), found[0].accessory_mode),
        ("switchable", false)
    );

    // A sale over USB switches it to accessory mode and is paid.
    let o = f.svc.order_from_cart(&cashier, &cart("latte", 1)).unwrap();
    let r = f
        .svc
        .pay_as(&cashier, &o.id, Some(DEMO_N950_USB), &kassa_core::NullSink)
        .await
        .unwrap();
    assert_eq!(r.status, AttemptState::Succeeded, "{}", r.message);
    let found = f.svc.usb_terminals_as(&cashier).await.unwrap();
    assert_eq!(
        (found[0].state.as_str(), found[0].accessory_mode),
        ("accessory", true),
        "{found:?}"
    );

    // The refund goes over the terminal's LAN address (§1.6).
    let refund = RefundInput {
        payment: o.id.clone(),
        amount_minor: Some(5000),
        reason: "spilled".into(),
        terminal_ref: None,
    };
    let r = f.svc.refund_as(&manager, refund).await.unwrap();
    assert_eq!(r.status, AttemptState::Succeeded, "{}", r.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_real_terminal_ends_demo_mode() {
    let f = fixture().await;
    assert!(f.svc.is_demo().unwrap());
    assert!(f.svc.should_start_demo().unwrap());
    let manager = sign_in(&f.svc, "Kim Minji", "1234");
    let cashier = sign_in(&f.svc, "Park Jun", "0000");
    let pairing_key = f._dir.path().join("counter-kicc.key");
    let key = kassa_kicc::PairingKey::generate().to_base32();
    crate::keyfiles::write_private_key_file(&pairing_key, key.expose().as_bytes()).unwrap();
    let real = TerminalInput {
        name: "Counter KICC".into(),
        kind: crate::registry::KICC.into(),
        config: serde_json::json!({
            "host": "192.0.2.10", "port": 7800, "merchant_id": "M1",
            "acquirer_terminal_id": "T1", "registration_no": "1234567890",
            "pairing_key_file": pairing_key
        }),
        make_default: true,
    };
    assert!(
        f.svc.save_terminal_as(&cashier, real.clone()).is_err(),
        "managers only"
    );
    assert!(f.svc.is_demo().unwrap());
    f.svc.save_terminal_as(&manager, real).unwrap();
    assert!(!f.svc.is_demo().unwrap(), "demo mode ends");
    assert!(
        !f.svc.should_start_demo().unwrap(),
        "and does not come back at the next start"
    );
    let names: Vec<String> = f
        .svc
        .list_terminals()
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["Counter KICC"], "the demo terminals are gone");
    assert!(
        format!("{:?}", f.svc.usb_backend()).starts_with("RusbBackend"),
        "USB is the machine's bus again, not the simulated one"
    );
    let status = f.svc.app_status(false).unwrap();
    assert!(!status.demo);
    assert_eq!(
        status.store.name, "Hangang Coffee 한강커피",
        "the seeded store stays"
    );
}
