//! Acceptance: a KICC EDC device (the emulator behind its bridge, on loopback) through the real
//! `kassactl` binary, one fresh ledger per test. Each test checks what the cashier is told (the
//! event lines and the outcome, the exit code), what the ledger recorded, and what the device
//! did (its command list and transaction log). The in-process service tests of every emulator
//! scenario are in `kicc/service.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

#[path = "kicc/service.rs"]
mod service;

use kassa_acceptance::{ledger_cells, Ctl, Run};
use kassa_kicc::codes::BusinessCode;
use kassa_sim::kicc::{KiccSim, Scenario, SimTiming, TxRecord, TxResult};
use serde_json::{json, Value};
use std::time::Duration;

const EXIT_DECLINED: i32 = 3;
const EXIT_CONFLICT: i32 = 5;

/// How long a test waits for a child's line or its end before it fails (never a pass
/// condition: the emulator answers in milliseconds).
const PATIENCE: Duration = Duration::from_secs(30);

async fn device() -> KiccSim {
    KiccSim::start(SimTiming::instant())
        .await
        .expect("start the KICC emulator")
}

/// Runs kassactl off the async runtime so the emulator keeps serving meanwhile.
async fn ctl(c: &Ctl, args: &[&str]) -> Run {
    let db = c.db();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Ctl::at(db).run(&refs)
    })
    .await
    .expect("kassactl task")
}

/// Adds the emulator as terminal `counter` (the default), with `extra` flags appended.
async fn add_terminal(c: &Ctl, sim: &KiccSim, extra: &[&str]) {
    let port = sim.addr().port().to_string();
    let mut args = vec![
        "terminal",
        "add",
        "kicc",
        "--name",
        "counter",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--merchant-id",
        "M-KASSA-01",
        "--acquirer-terminal-id",
        "0788888",
        "--registration-no",
        "0216001234",
    ];
    args.extend_from_slice(extra);
    let r = ctl(c, &args).await;
    assert_eq!(r.code, 0, "terminal add failed: {:?} {}", r.lines, r.stderr);
    assert_eq!(r.result()["kind"], "kicc");
    assert_eq!(r.result()["capabilities"]["refunds"], "full-only");
    assert_eq!(r.result()["capabilities"]["cancel_before_card"], true);
}

async fn sale(c: &Ctl, item: &str, extra: &[&str]) -> Run {
    let mut args = vec!["sale", "--currency", "KRW", "--item", item, "--vat", "10"];
    args.extend_from_slice(extra);
    ctl(c, &args).await
}

/// The event lines of a run (everything before the outcome object).
fn event_lines(lines: &[Value]) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| l.get("event").is_some())
        .cloned()
        .collect()
}

fn ev(code: &str, secs: Option<u32>) -> Value {
    json!({"event": code, "countdownSeconds": secs})
}

/// The device's purchases of `request_id` that charged the card.
fn charges(sim: &KiccSim, request_id: &str) -> Vec<TxRecord> {
    sim.transactions()
        .into_iter()
        .filter(|t| t.command == "Purchase" && t.request_id == request_id)
        .filter(|t| matches!(t.result, TxResult::Approved { .. }))
        .collect()
}

/// The `acquirerMetaData` the device handed out with a purchase.
fn meta_of(t: &TxRecord) -> String {
    let info = t.response.acquirer_info.as_ref().expect("acquirerInfo");
    info.acquirer_meta_data.clone().expect("acquirerMetaData")
}

fn commands(sim: &KiccSim, name: &str) -> Vec<Value> {
    sim.commands()
        .into_iter()
        .filter(|c| c.command == name)
        .map(|c| json!({"params": c.params, "timeoutSeconds": c.timeout_seconds}))
        .collect()
}

fn order_detail(c: &Ctl, order: &str) -> Value {
    let r = c.run(&["order", order]);
    assert_eq!(r.code, 0, "{:?}", r.lines);
    r.result().clone()
}

fn journal_events(detail: &Value, attempt: usize) -> Vec<String> {
    detail["attempts"][attempt]["journal"]
        .as_array()
        .expect("journal")
        .iter()
        .map(|j| j["event"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_prints_each_event_with_its_countdown_then_the_outcome() {
    let sim = device().await;
    let c = Ctl::new();
    add_terminal(&c, &sim, &[]).await;
    let r = sale(&c, "Bibimbap:12000", &[]).await;
    assert_eq!(r.code, 0, "{:?} {}", r.lines, r.stderr);
    assert_eq!(
        event_lines(&r.lines),
        vec![
            ev("DIAGNOSING", None),
            ev("READY", Some(30)),
            ev("CARD_DETECTED", Some(30)),
            ev("CARD_READ_COMPLETED", Some(30)),
            ev("START_TRANSACTION", None),
        ]
    );
    assert_eq!(r.lines.len(), 6, "events, then one outcome: {:?}", r.lines);
    let out = r.result();
    assert_eq!(out["status"], "succeeded");
    assert_eq!(out["amount"], "12000");
    assert_eq!(out["currency"], "KRW");
    assert_eq!(out["message"], "Approved.");

    // The device: one charge of this request, with the store's TID and registration number.
    let rid = text(&out["payment_request_id"]);
    let charged = charges(&sim, &rid);
    assert_eq!(charged.len(), 1, "{:?}", sim.transactions());
    assert_eq!(charged[0].amount, 12_000);
    assert_eq!(charged[0].terminal_id, "0788888");
    assert_eq!(charged[0].registration_no, "0216001234");
    let TxResult::Approved {
        approval_num,
        transaction_id,
    } = &charged[0].result
    else {
        unreachable!()
    };
    assert_eq!(out["payment_id"], transaction_id.as_str());
    assert_eq!(out["receipt"]["approval_code"], approval_num.as_str());
    assert_eq!(out["receipt"]["masked_pan"], "523649**");
    let purchase = &commands(&sim, "Purchase")[0];
    assert_eq!(purchase["timeoutSeconds"], 95);
    assert_eq!(purchase["params"]["paymentExpiryTime"], "30");
    assert_eq!(purchase["params"]["creditPayPlan"]["installmentNum"], "0");

    // The ledger: the order is paid, with what a refund needs and the tax the device got.
    let detail = order_detail(&c, &text(&out["order_id"]));
    assert_eq!(detail["order"]["status"], "paid");
    assert_eq!(
        journal_events(&detail, 0),
        ["begin", "diagnosed_ok", "sent", "approved"]
    );
    let vendor = &detail["payment"]["vendor_data"];
    assert_eq!(vendor["acquirerMetaData"], meta_of(&charged[0]));
    let tax = detail["order"]["totals"]["tax"]["minor"].clone();
    assert_eq!(
        purchase["params"]["taxAmount"]["value"],
        tax.to_string(),
        "the device got the order's VAT"
    );
    // Nothing of the card beyond the masked BIN: not the full BIN, not the signature.
    for cell in ledger_cells(&c.db()) {
        assert!(
            !cell.text.contains("52364979"),
            "full BIN in {}.{}",
            cell.table,
            cell.column
        );
    }
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn above_fifty_thousand_won_the_signature_restarts_the_countdown_at_twenty() {
    let sim = device().await;
    let c = Ctl::new();
    add_terminal(&c, &sim, &[]).await;
    let r = sale(&c, "Hanwoo set:60000", &[]).await;
    assert_eq!(r.code, 0, "{:?} {}", r.lines, r.stderr);
    assert_eq!(
        event_lines(&r.lines),
        vec![
            ev("DIAGNOSING", None),
            ev("READY", Some(30)),
            ev("CARD_DETECTED", Some(30)),
            ev("CARD_READ_COMPLETED", Some(30)),
            ev("PENDING_SIGNATURE", Some(20)),
            ev("START_TRANSACTION", None),
        ]
    );
    assert_eq!(r.result()["status"], "succeeded");
    assert_eq!(
        commands(&sim, "Purchase")[0]["timeoutSeconds"],
        115,
        "a signed purchase gets 115 s on the device"
    );
    let rid = text(&r.result()["payment_request_id"]);
    assert_eq!(charges(&sim, &rid).len(), 1);
    for cell in ledger_cells(&c.db()) {
        assert!(
            !cell.text.contains("SIGNDATA"),
            "the signature image reached {}.{}",
            cell.table,
            cell.column
        );
    }
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installments_and_the_card_wait_reach_the_device() {
    let sim = device().await;
    let c = Ctl::new();
    add_terminal(&c, &sim, &["--payment-expiry", "45"]).await;
    let r = sale(&c, "Fridge:30000", &["--installments", "3"]).await;
    assert_eq!(r.code, 0, "{:?} {}", r.lines, r.stderr);
    assert_eq!(event_lines(&r.lines)[1], ev("READY", Some(45)));
    let p = &commands(&sim, "Purchase")[0]["params"];
    assert_eq!(p["creditPayPlan"]["installmentNum"], "3");
    assert_eq!(p["paymentExpiryTime"], "45");
    let detail = order_detail(&c, &text(&r.result()["order_id"]));
    assert_eq!(detail["payment"]["vendor_data"]["installmentNum"], "3");
    assert_eq!(detail["payment"]["receipt"]["extra"]["installmentNum"], "3");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_decline_exits_3_with_the_device_reason_and_charges_nothing() {
    let sim = device().await;
    let c = Ctl::new();
    add_terminal(&c, &sim, &[]).await;
    sim.push_scenario(Scenario::BusinessFail(BusinessCode::UserBalanceNotEnough));
    let r = sale(&c, "Bibimbap:12000", &[]).await;
    assert_eq!(r.code, EXIT_DECLINED, "{:?}", r.lines);
    let out = r.result();
    assert_eq!(out["status"], "failed");
    assert_eq!(out["decline"]["code"], "USER_BALANCE_NOT_ENOUGH");
    assert_eq!(
        out["decline"]["message"], "USER_BALANCE_NOT_ENOUGH (emulated)",
        "the device's own reason"
    );
    assert!(
        text(&out["message"]).contains("USER_BALANCE_NOT_ENOUGH (emulated)"),
        "{}",
        out["message"]
    );
    assert!(out["payment_id"].is_null());
    let rid = text(&out["payment_request_id"]);
    assert!(charges(&sim, &rid).is_empty());
    assert!(matches!(
        &sim.transactions()[0].result,
        TxResult::Failed { code } if code == "USER_BALANCE_NOT_ENOUGH"
    ));
    let detail = order_detail(&c, &text(&out["order_id"]));
    assert_eq!(detail["order"]["status"], "open", "it can be paid again");
    assert_eq!(
        journal_events(&detail, 0).last().map(String::as_str),
        Some("declined")
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_purchase_is_recovered_by_get_last_transaction_once() {
    let sim = device().await;
    let c = Ctl::new();
    add_terminal(&c, &sim, &[]).await;
    sim.push_scenario(Scenario::DropAfterCharge);
    let r = sale(&c, "Bibimbap:12000", &[]).await;
    assert_eq!(r.code, 0, "{:?} {}", r.lines, r.stderr);
    let out = r.result();
    assert_eq!(out["status"], "succeeded");
    let events = event_lines(&r.lines);
    assert_eq!(
        events.last(),
        Some(&ev("RECOVERING", None)),
        "the cashier sees the recovery: {events:?}"
    );
    let rid = text(&out["payment_request_id"]);
    let charged = charges(&sim, &rid);
    assert_eq!(charged.len(), 1, "charged once");
    assert_eq!(commands(&sim, "Purchase").len(), 1, "never sent twice");
    assert_eq!(
        commands(&sim, "GetLastTransaction").len(),
        1,
        "one GetLastTransaction settled it"
    );
    let TxResult::Approved { transaction_id, .. } = &charged[0].result else {
        unreachable!()
    };
    assert_eq!(out["payment_id"], transaction_id.as_str());
    let detail = order_detail(&c, &text(&out["order_id"]));
    assert_eq!(
        journal_events(&detail, 0),
        ["begin", "diagnosed_ok", "sent", "lost", "approved"]
    );
    assert_eq!(
        detail["attempts"][0]["journal"][3]["detail"]["reason"]["kind"],
        "connection-lost"
    );
    let orders = ctl(&c, &["orders"]).await;
    assert_eq!(orders.result().as_array().unwrap().len(), 1);
    assert_eq!(orders.result()[0]["status"], "paid");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_device_says_so_charges_nothing_and_the_order_can_be_paid_after() {
    let sim = device().await;
    let c = Ctl::new();
    add_terminal(&c, &sim, &[]).await;
    sim.push_scenario(Scenario::Busy);
    let r = sale(&c, "Bibimbap:12000", &[]).await;
    assert_eq!(r.code, EXIT_DECLINED, "{:?}", r.lines);
    let out = r.result();
    assert_eq!(out["status"], "failed");
    let msg = text(&out["message"]);
    assert!(
        msg.contains("busy") && msg.contains("try again") && msg.contains("Not charged"),
        "{msg}"
    );
    assert!(sim.transactions().is_empty(), "nothing charged");
    let order = text(&out["order_id"]);
    let detail = order_detail(&c, &order);
    assert_eq!(detail["order"]["status"], "open");
    assert_eq!(detail["attempts"][0]["attempt"]["state"], "failed");
    let again = ctl(&c, &["pay", &order]).await;
    assert_eq!(again.code, 0, "{:?}", again.lines);
    assert_eq!(sim.transactions().len(), 1);
    assert_eq!(
        sim.transactions()[0].request_id,
        text(&again.result()["payment_request_id"]),
        "a new request id for the new attempt"
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_go_through_purchase_cancel_whole_only() {
    let sim = device().await;
    let c = Ctl::new();
    add_terminal(&c, &sim, &[]).await;
    let paid = sale(&c, "Bibimbap:12000", &[]).await;
    assert_eq!(paid.code, 0);
    let order = text(&paid.result()["order_id"]);
    let rid = text(&paid.result()["payment_request_id"]);

    let partial = ctl(&c, &["refund", "--payment", &order, "--amount", "2000"]).await;
    assert_eq!(partial.code, EXIT_CONFLICT, "{:?}", partial.lines);
    assert!(
        text(&partial.result()["error"]["message"]).contains("only refunds a whole payment"),
        "{:?}",
        partial.lines
    );
    assert!(
        commands(&sim, "PurchaseCancel").is_empty(),
        "refused before sending"
    );

    let full = ctl(
        &c,
        &["refund", "--payment", &order, "--reason", "cold soup"],
    )
    .await;
    assert_eq!(full.code, 0, "{:?} {}", full.lines, full.stderr);
    let out = full.result();
    assert_eq!(out["status"], "succeeded");
    assert_eq!(out["amount"], "12000");
    assert_eq!(out["refundable_after"], "0");
    let cancel = &commands(&sim, "PurchaseCancel")[0]["params"];
    let purchase = &sim.transactions()[0];
    assert_eq!(
        cancel["acquirerInfo"]["acquirerMetaData"],
        meta_of(purchase),
        "the stored acquirerMetaData identifies the purchase"
    );
    assert_eq!(cancel["paymentAmount"]["value"], "12000");
    assert_eq!(purchase.request_id, rid);
    assert_eq!(
        purchase.cancelled_by.as_deref(),
        Some(text(&out["refund_request_id"]).as_str())
    );
    let TxResult::Approved { transaction_id, .. } = &sim.transactions()[1].result else {
        panic!("the cancel was not approved: {:?}", sim.transactions())
    };
    assert_eq!(out["refund_id"], transaction_id.as_str());
    let orders = ctl(&c, &["orders"]).await;
    assert_eq!(orders.result()[0]["status"], "refunded");
    let audit = ctl(&c, &["audit"]).await;
    assert!(audit
        .result()
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "refund" && e["detail"]["reason"] == "cold soup"));
    let again = ctl(&c, &["refund", "--payment", &order]).await;
    assert_ne!(again.code, 0, "nothing left to refund");
    assert_eq!(commands(&sim, "PurchaseCancel").len(), 1);
    sim.stop().await;
}

/// Starts `sale` as a child and waits (bounded) until it has printed `code`, checking with the
/// emulator that its purchase is the one the device is running. Returns the child, the
/// attempt's request id (as a cashier finds it: from the ledger) and the order id.
async fn sale_until(
    c: &Ctl,
    sim: &KiccSim,
    code: &'static str,
    countdown: u32,
) -> (kassa_acceptance::Running, String, String) {
    let db = c.db();
    let child = tokio::task::spawn_blocking(move || {
        let mut child =
            Ctl::at(db).spawn(&["sale", "--currency", "KRW", "--item", "Bibimbap:12000"]);
        let seen = child.wait_for_line(PATIENCE, |l| l["event"] == code);
        assert!(seen.is_some(), "no {code} line: {:?}", child.seen);
        child
    })
    .await
    .expect("sale child");
    assert_eq!(
        child.seen.last(),
        Some(&ev(code, Some(countdown))),
        "printed while the purchase runs"
    );
    let paying = ctl(c, &["orders", "--status", "paying"]).await;
    let order = text(&paying.result()[0]["id"]);
    let detail = order_detail(c, &order);
    let attempt = &detail["attempts"][0]["attempt"];
    assert_eq!(attempt["state"], "awaiting");
    let rid = text(&attempt["request_id"]);
    let running = commands(sim, "Purchase");
    assert_eq!(running.len(), 1);
    assert_eq!(running[0]["params"]["requestId"], rid.as_str());
    assert!(
        sim.transactions().is_empty(),
        "the device has not finished it"
    );
    (child, rid, order)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_from_another_kassactl_stops_a_purchase_waiting_for_the_card() {
    let sim = device().await;
    let c = Ctl::new();
    // The device waits paymentExpiryTime for a card: long enough for any machine to cancel.
    add_terminal(&c, &sim, &["--payment-expiry", "120"]).await;
    sim.push_scenario(Scenario::NoCard);
    let (child, rid, order) = sale_until(&c, &sim, "READY", 120).await;

    let cancel = ctl(&c, &["cancel", &rid]).await;
    assert_eq!(cancel.code, 0, "{:?} {}", cancel.lines, cancel.stderr);
    assert_eq!(cancel.result()["cancel"], "accepted");

    let (code, lines) = tokio::task::spawn_blocking(move || child.finish(PATIENCE))
        .await
        .expect("sale child");
    assert_eq!(code, EXIT_DECLINED, "{lines:?}");
    assert_eq!(
        event_lines(&lines),
        vec![
            ev("DIAGNOSING", None),
            ev("READY", Some(120)),
            ev("CANCELLING", None),
        ]
    );
    let out = lines.last().unwrap();
    assert_eq!(out["status"], "failed");
    assert_eq!(
        out["decline"]["code"], "ORDER_IS_CANCELED",
        "the device's own outcome, not an assumption"
    );
    assert!(charges(&sim, &rid).is_empty());
    assert!(matches!(
        &sim.transactions()[0].result,
        TxResult::Failed { code } if code == "ORDER_IS_CANCELED"
    ));
    assert_eq!(commands(&sim, "CommandCancel").len(), 1);
    let detail = order_detail(&c, &order);
    assert_eq!(detail["order"]["status"], "open");
    let journal = detail["attempts"][0]["journal"].as_array().unwrap();
    let last = journal.last().unwrap();
    assert_eq!(last["event"], "declined");
    assert_eq!(
        last["detail"]["decline"]["code"], "ORDER_IS_CANCELED",
        "{last}"
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_after_the_card_was_read_is_too_late_and_the_sale_ends_as_the_device_says() {
    let sim = device().await;
    let c = Ctl::new();
    add_terminal(&c, &sim, &[]).await;
    sim.push_scenario(Scenario::HoldAfterRead); // holds after the read until a cancel is refused
    let (child, rid, order) = sale_until(&c, &sim, "CARD_READ_COMPLETED", 30).await;

    let cancel = ctl(&c, &["cancel", &rid]).await;
    assert_eq!(cancel.code, 0, "{:?} {}", cancel.lines, cancel.stderr);
    assert_eq!(cancel.result()["cancel"], "too-late");

    let (code, lines) = tokio::task::spawn_blocking(move || child.finish(PATIENCE))
        .await
        .expect("sale child");
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines.last().unwrap()["status"], "succeeded");
    assert_eq!(charges(&sim, &rid).len(), 1, "the device charged");
    assert_eq!(order_detail(&c, &order)["order"]["status"], "paid");

    // Once it is over, a cancel sends nothing and says so.
    let late = ctl(&c, &["cancel", &rid]).await;
    assert_eq!(late.code, EXIT_CONFLICT, "{:?}", late.lines);
    assert!(text(&late.result()["error"]["message"]).contains("nothing to cancel"));
    assert_eq!(commands(&sim, "CommandCancel").len(), 1);
    sim.stop().await;
}
