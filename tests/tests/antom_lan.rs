//! Acceptance: the real `kassactl` binary against the N950 simulator over loopback, one fresh
//! ledger per test. Each test scripts the simulated terminal, runs a command, and checks three
//! things: what the cashier is told (status, exit code), what the ledger recorded, and what the
//! terminal actually did (how many cards were charged).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use kassa_acceptance::{vector, AddTerminal, Ctl, Run, SALE};
use kassa_antom::protocol::{PrivateKey, PublicKey};
use kassa_sim::antom::{AntomSim, AntomSimHandle, Behaviour, Final, SimConfig, SimPaymentStatus};
use std::time::Duration;

const EXIT_DECLINED: i32 = 3;
const EXIT_UNKNOWN: i32 = 4;
const EXIT_CONFLICT: i32 = 5;

async fn sim(customer_mode: bool) -> AntomSimHandle {
    let mut cfg = SimConfig::new(
        "N950SN0001",
        PublicKey::from_pem(&vector("pos_public_key.pem")).expect("pos public key"),
        PrivateKey::from_pem(&vector("terminal_private_key_pkcs8.pem")).expect("terminal key"),
    );
    cfg.customer_mode = customer_mode;
    AntomSim::start(cfg).await.expect("start simulator")
}

/// The simulator (in Customer Mode or not) as terminal `front` of a fresh ledger, with the
/// short test timeouts save those `timing` changes.
async fn rig(customer_mode: bool, timing: &[(&str, &str)]) -> (AntomSimHandle, Ctl) {
    let s = sim(customer_mode).await;
    let c = Ctl::new();
    let mode = if customer_mode { "on" } else { "off" };
    let add = AddTerminal::n950(s.addr().port())
        .with(&[("--customer-mode", mode)])
        .with(timing);
    c.add_terminal(&add).await;
    (s, c)
}

async fn sale(c: &Ctl) -> Run {
    c.run_async(SALE).await
}

/// A fresh rig (see [`rig`]) with one approved sale on it, and the sale's result.
async fn paid_sale(customer_mode: bool) -> (AntomSimHandle, Ctl, serde_json::Value) {
    let (s, c) = rig(customer_mode, &[]).await;
    let paid = sale(&c).await;
    assert_eq!(paid.code, 0, "the sale to refund: {:?}", paid.lines);
    (s, c, paid.result().clone())
}

/// `kassactl refund --payment <payment>` with `flags`.
async fn refund(c: &Ctl, payment: &str, flags: &[&str]) -> Run {
    let mut args = vec!["refund", "--payment", payment];
    args.extend_from_slice(flags);
    c.run_async(&args).await
}

fn successes(s: &AntomSimHandle) -> usize {
    s.payments()
        .iter()
        .filter(|p| p.status == SimPaymentStatus::Success)
        .count()
}

fn journal_events(c: &Ctl, order: &str) -> Vec<String> {
    let r = c.run(&["order", order]);
    r.result()["attempts"][0]["journal"]
        .as_array()
        .expect("journal")
        .iter()
        .map(|j| j["event"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve() {
    let (s, c) = rig(false, &[]).await;
    let r = sale(&c).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.result();
    assert_eq!(out["status"], "succeeded");
    assert_eq!(out["amount"], "14000");
    assert_eq!(out["currency"], "KRW");
    assert!(out["payment_id"].as_str().is_some_and(|p| !p.is_empty()));
    assert!(out["order_id"].as_str().is_some() && out["payment_request_id"].as_str().is_some());
    assert_eq!(successes(&s), 1, "exactly one charge on the terminal");
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(orders.result()[0]["status"], "paid");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decline_is_reported_with_the_reason_and_nothing_is_charged() {
    let (s, c) = rig(false, &[]).await;
    s.push(Behaviour::Decline("USER_BALANCE_NOT_ENOUGH".into()));
    let r = sale(&c).await;
    assert_eq!(r.code, EXIT_DECLINED);
    assert_eq!(r.result()["status"], "failed");
    assert_eq!(r.result()["decline"]["code"], "USER_BALANCE_NOT_ENOUGH");
    assert_eq!(successes(&s), 0);
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(
        orders.result()[0]["status"],
        "open",
        "a declined order can be paid again"
    );
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_then_recovery_to_success() {
    let (s, c) = rig(false, &[("--pay-timeout", "300ms")]).await;
    s.push(Behaviour::DelayAnswer(Duration::from_secs(60)));
    let r = sale(&c).await;
    assert_eq!(r.code, 0, "{:?}", r.lines);
    assert_eq!(r.result()["status"], "succeeded");
    assert_eq!(successes(&s), 1, "recovered, not charged again");
    let order = r.result()["order_id"].as_str().unwrap().to_string();
    let events = journal_events(&c, &order);
    assert!(
        events.contains(&"lost".to_string()),
        "the timeout was recorded: {events:?}"
    );
    assert_eq!(events.last().map(String::as_str), Some("approved"));
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_then_recovery_to_failure() {
    let (s, c) = rig(false, &[("--pay-timeout", "300ms")]).await;
    s.push(Behaviour::DelayThenDecline(Duration::from_secs(60)));
    let r = sale(&c).await;
    assert_eq!(r.code, EXIT_DECLINED, "{:?}", r.lines);
    assert_eq!(r.result()["status"], "failed");
    assert_eq!(successes(&s), 0);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_progress_then_settled() {
    let (s, c) = rig(false, &[]).await;
    s.push(Behaviour::InProgress {
        n: 3,
        then: Final::Approve,
    });
    let r = sale(&c).await;
    assert_eq!(r.code, 0, "{:?}", r.lines);
    assert_eq!(r.result()["status"], "succeeded");
    assert_eq!(successes(&s), 1);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_connection_after_the_charge_is_recovered_exactly_once() {
    let (s, c) = rig(false, &[]).await;
    s.push(Behaviour::DropAfterCharge);
    let r = sale(&c).await;
    assert_eq!(r.code, 0, "{:?}", r.lines);
    assert_eq!(r.result()["status"], "succeeded");
    assert_eq!(successes(&s), 1, "one charge on the terminal");
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(orders.result().as_array().unwrap().len(), 1);
    assert_eq!(
        orders.result()[0]["status"],
        "paid",
        "one payment in the ledger"
    );
    s.shutdown().await;
}

/// An answer that cannot be trusted is never taken as the result: the attempt goes through
/// `unknown`, and only the terminal's signed inquiry settles it.
async fn untrustworthy_answer_goes_through_recovery(b: Behaviour, reason: &str) {
    let (s, c) = rig(false, &[]).await;
    s.push(b);
    let r = sale(&c).await;
    assert_eq!(r.code, 0, "{:?}", r.lines);
    assert_eq!(r.result()["status"], "succeeded");
    assert_eq!(
        r.result()["amount"],
        "14000",
        "the amount charged, not the one answered"
    );
    let order = r.result()["order_id"].as_str().unwrap().to_string();
    let detail = c.run(&["order", &order]);
    let journal = detail.result()["attempts"][0]["journal"]
        .as_array()
        .unwrap()
        .clone();
    let lost = journal
        .iter()
        .find(|j| j["event"] == "lost")
        .expect("went through unknown");
    assert_eq!(lost["detail"]["reason"]["kind"], reason, "{lost}");
    assert_eq!(successes(&s), 1);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signature_is_never_trusted() {
    untrustworthy_answer_goes_through_recovery(Behaviour::BadSignature, "bad-signature").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_body_is_never_trusted() {
    // A changed byte breaks the signature, which is checked before anything is opened.
    untrustworthy_answer_goes_through_recovery(Behaviour::TamperedBody, "bad-signature").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_amount_in_the_answer_is_never_trusted() {
    untrustworthy_answer_goes_through_recovery(Behaviour::WrongAmount, "mismatch").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_terminal_and_not_ready_terminal_charge_nothing() {
    let (s, c) = rig(false, &[]).await;
    s.push(Behaviour::TerminalBusy);
    let r = sale(&c).await;
    assert_eq!(r.code, EXIT_DECLINED);
    assert_eq!(r.result()["decline"]["retryable"], true);
    s.set_diagnosis_ready(false);
    let r = sale(&c).await;
    assert_eq!(r.code, EXIT_DECLINED);
    assert_eq!(r.result()["status"], "refused");
    assert!(s.payments().is_empty(), "nothing reached the payment step");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_submit_of_the_same_order_charges_once() {
    let (s, c) = rig(false, &[]).await;
    // An open order: the first try is refused because the terminal is not ready.
    s.set_diagnosis_ready(false);
    let first = sale(&c).await;
    let order = first.result()["order_id"].as_str().unwrap().to_string();
    s.set_diagnosis_ready(true);
    // Two cashiers (or a double click) pay the same order at once.
    s.push(Behaviour::DelayAnswer(Duration::from_millis(500)));
    let pay = ["pay", order.as_str()];
    let (a, b) = tokio::join!(c.run_async(&pay), c.run_async(&pay));
    let mut codes = [a.code, b.code];
    codes.sort();
    assert_eq!(
        codes[0], 0,
        "one payment goes through: {:?} {:?}",
        a.lines, b.lines
    );
    assert_eq!(
        codes[1], EXIT_CONFLICT,
        "the other is refused: {:?} {:?}",
        a.lines, b.lines
    );
    assert_eq!(successes(&s), 1, "one charge");
    let again = c.run_async(&["pay", &order]).await;
    assert_eq!(again.code, EXIT_CONFLICT, "a paid order is not paid again");
    assert_eq!(successes(&s), 1);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_with_customer_mode_off_are_full_only() {
    let (s, c, paid) = paid_sale(false).await;
    let order = paid["order_id"].as_str().unwrap();
    let partial = refund(&c, order, &["--amount", "1000"]).await;
    assert_eq!(partial.code, EXIT_CONFLICT, "{:?}", partial.lines);
    assert!(s.refunds().is_empty(), "refused before anything was sent");
    let full = refund(&c, order, &["--reason", "returned"]).await;
    assert_eq!(full.code, 0, "{:?}", full.lines);
    assert_eq!(full.result()["status"], "succeeded");
    assert_eq!(full.result()["amount"], "14000");
    assert_eq!(full.result()["refundable_after"], "0");
    assert_eq!(s.refunds().len(), 1);
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(orders.result()[0]["status"], "refunded");
    assert!(c.audit().await.iter().any(|e| e["action"] == "refund"));
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_with_customer_mode_on_allow_one_partial() {
    let (s, c, paid) = paid_sale(true).await;
    // The terminal's payment id works as the key too.
    let pid = paid["payment_id"].as_str().unwrap();
    let partial = refund(&c, pid, &["--amount", "4500"]).await;
    assert_eq!(partial.code, 0, "{:?}", partial.lines);
    assert_eq!(partial.result()["refundable_after"], "9500");
    let second = refund(&c, pid, &["--amount", "1000"]).await;
    assert_eq!(
        second.code, EXIT_CONFLICT,
        "only one partial refund: {:?}",
        second.lines
    );
    assert_eq!(
        s.refunds().len(),
        1,
        "the second was refused before sending"
    );
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(orders.result()[0]["status"], "partially-refunded");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_larger_than_refundable_is_refused_before_sending() {
    let (s, c, paid) = paid_sale(true).await;
    let r = refund(
        &c,
        paid["order_id"].as_str().unwrap(),
        &["--amount", "20000"],
    )
    .await;
    assert_eq!(r.code, EXIT_CONFLICT, "{:?}", r.lines);
    assert_eq!(r.result()["error"]["code"], "refund-limit");
    assert!(s.refunds().is_empty());
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_that_cannot_prove_the_outcome_waits_for_a_manager() {
    let (s, c) = rig(
        false,
        &[("--recovery-window", "300ms"), ("--poll-interval", "50ms")],
    )
    .await;
    s.push(Behaviour::InProgress {
        n: u32::MAX,
        then: Final::Approve,
    });
    let r = sale(&c).await;
    assert_eq!(r.code, EXIT_UNKNOWN, "{:?}", r.lines);
    assert_eq!(r.result()["status"], "needs-manager");
    let rid = r.result()["payment_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    // A new sale on that terminal is allowed once a manager holds the case, but resolving
    // without evidence is not.
    let no_evidence = c
        .run_async(&[
            "resolve",
            &rid,
            "--paid",
            "--terminal-ref",
            "T1",
            "--evidence",
            " ",
        ])
        .await;
    assert_eq!(no_evidence.code, 2);
    let ok = c
        .run_async(&[
            "resolve",
            &rid,
            "--paid",
            "--terminal-ref",
            "T-778",
            "--evidence",
            "screen: APPROVED",
        ])
        .await;
    assert_eq!(ok.code, 0, "{:?}", ok.lines);
    assert_eq!(ok.result()["status"], "succeeded");
    assert!(c
        .audit()
        .await
        .iter()
        .any(|e| e["action"] == "manager_resolved"));
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_payment_is_reconciled_at_the_next_start() {
    let (s, c) = rig(false, &[("--pay-timeout", "120s")]).await;
    s.push(Behaviour::DelayAnswer(Duration::from_secs(120)));
    let mut child = std::process::Command::new(kassa_acceptance::kassactl_path())
        .args(["--json", "--db"])
        .arg(c.db())
        .args(["sale", "--currency", "KRW", "--item", "Americano:4500"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start kassactl");
    // Wait (bounded) until the terminal has charged the card, then pull the plug.
    for _ in 0..600 {
        if successes(&s) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(successes(&s), 1, "the terminal charged");
    child.kill().expect("kill kassactl");
    let _ = child.wait();
    let before = c.run_async(&["orders"]).await;
    assert_eq!(
        before.result()[0]["status"],
        "paying",
        "the ledger knows an attempt was running"
    );
    // The next start reconciles before doing anything else.
    let r = c.run_async(&["recover"]).await;
    assert_eq!(r.code, 0, "{:?}", r.lines);
    assert_eq!(
        r.result()["recovery"]["succeeded"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let after = c.run_async(&["orders"]).await;
    assert_eq!(after.result()[0]["status"], "paid");
    assert_eq!(successes(&s), 1, "recovered, never charged twice");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_with_an_attempt_left_in_sending_is_reconciled_at_start_up() {
    use kassa_core::{Currency, ManualClock, OrderLine, RequestId, TaxRate};
    use kassa_ledger::{Ledger, NewOrder, NewPaymentAttempt, Transition};
    let (s, c) = rig(false, &[("--recovery-window", "0s")]).await;
    {
        // The app died right after committing `sending`, before the request left.
        let clock = std::sync::Arc::new(ManualClock::at("2026-11-21T10:00:00+09:00"));
        let l = Ledger::open(&c.db(), clock).unwrap();
        let order = l
            .create_order(&NewOrder {
                id: RequestId::parse("O1").unwrap(),
                currency: Currency::KRW,
                lines: vec![OrderLine {
                    name: "Tea".into(),
                    quantity: 1,
                    unit_price_minor: 3000,
                    tax: TaxRate::NONE,
                }],
                cashier: "c".into(),
            })
            .unwrap();
        l.begin_payment_attempt(&NewPaymentAttempt {
            request_id: RequestId::parse("P1").unwrap(),
            order_id: order.id,
            terminal: "front".into(),
            amount: order.totals.total,
        })
        .unwrap();
        l.transition("P1", Transition::DiagnosedOk).unwrap();
        // The dead app's lease goes with it (its process is gone); this test process lives
        // on, so it lets the lease go itself.
        l.release("P1").unwrap();
    }
    // Any command that can start a payment reconciles first: the terminal has no record of
    // P1 and the window is spent, so it is settled as not charged, and the sale proceeds.
    let r = sale(&c).await;
    assert_eq!(r.code, 0, "{:?} {}", r.lines, r.stderr);
    assert_eq!(r.lines[0]["recovery"]["failed"][0], "P1", "{:?}", r.lines);
    let old = c.run_async(&["order", "O1"]).await;
    assert_eq!(old.result()["attempts"][0]["attempt"]["state"], "failed");
    assert_eq!(successes(&s), 1, "only the new sale was charged");
    s.shutdown().await;
}
