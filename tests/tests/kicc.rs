//! Acceptance: a KICC EDC device (the emulator behind its bridge, on loopback) through the real
//! `kassactl` binary, one fresh ledger per test. Each test checks what the cashier is told (the
//! event lines and the outcome, the exit code), what the ledger recorded, and what the device
//! did (its command list and transaction log). The in-process service tests of every emulator
//! scenario are in `kicc/service.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

#[path = "kicc/service.rs"]
mod service;

use kassa_acceptance::{ledger_cells, AddTerminal, Ctl, Run};
use kassa_kicc::codes::BusinessCode;
use kassa_sim::kicc::{KiccSim, Scenario, SimTiming, TxRecord, TxResult};
use serde_json::{json, Value};
use std::time::Duration;

const EXIT_DECLINED: i32 = 3;
const EXIT_CONFLICT: i32 = 5;

/// How long a test waits for a child's line or its end before it fails (never a pass
/// condition: the emulator answers in milliseconds).
const PATIENCE: Duration = Duration::from_secs(30);

/// The emulator as terminal `counter` (the default) of a fresh ledger, with `extra` flags.
async fn rig(extra: &[(&str, &str)]) -> (KiccSim, Ctl) {
    let sim = KiccSim::start(SimTiming::instant())
        .await
        .expect("start the KICC emulator");
    let c = Ctl::new();
    let r = c
        .add_terminal(&AddTerminal::kicc(sim.addr().port(), sim.pairing_key_file()).with(extra))
        .await;
    assert_eq!(r.result()["kind"], "kicc");
    assert_eq!(r.result()["capabilities"]["refunds"], "full-only");
    assert_eq!(r.result()["capabilities"]["cancel_before_card"], true);
    (sim, c)
}

async fn sale(c: &Ctl, item: &str, extra: &[&str]) -> Run {
    let mut args = vec!["sale", "--currency", "KRW", "--item", item, "--vat", "10"];
    args.extend_from_slice(extra);
    c.run_async(&args).await
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

/// The event lines of an approved purchase: the card wait counts down from `expiry`, and a
/// signature (above 50,000 won) restarts it at twenty.
fn approval_events(expiry: u32, signed: bool) -> Vec<Value> {
    let mut events = vec![
        ev("DIAGNOSING", None),
        ev("READY", Some(expiry)),
        ev("CARD_DETECTED", Some(expiry)),
        ev("CARD_READ_COMPLETED", Some(expiry)),
    ];
    if signed {
        events.push(ev("PENDING_SIGNATURE", Some(20)));
    }
    events.push(ev("START_TRANSACTION", None));
    events
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

/// An approved sale and what must come of it.
struct Approval {
    name: &'static str,
    /// `terminal add` flags beyond the emulator's ids.
    terminal: &'static [(&'static str, &'static str)],
    item: &'static str,
    /// The sale's total in won.
    won: i64,
    /// `sale` flags beyond the item.
    sale: &'static [&'static str],
    /// The event lines the cashier sees, in order.
    events: Vec<Value>,
    /// The Purchase's `timeoutSeconds` on the device.
    device_timeout: u64,
    /// `paymentExpiryTime`: how long the device waits for a card.
    expiry: u32,
    /// `creditPayPlan.installmentNum`.
    installments: &'static str,
}

fn approvals() -> Vec<Approval> {
    vec![
        Approval {
            name: "plain sale",
            terminal: &[],
            item: "Bibimbap:12000",
            won: 12_000,
            sale: &[],
            events: approval_events(30, false),
            device_timeout: 95,
            expiry: 30,
            installments: "0",
        },
        // Above 50,000 won the customer signs, and the device gets 20 s more.
        Approval {
            name: "signed sale",
            terminal: &[],
            item: "Hanwoo set:60000",
            won: 60_000,
            sale: &[],
            events: approval_events(30, true),
            device_timeout: 115,
            expiry: 30,
            installments: "0",
        },
        // Installments and the card wait reach the device.
        Approval {
            name: "installments, longer card wait",
            terminal: &[("--payment-expiry", "45")],
            item: "Fridge:30000",
            won: 30_000,
            sale: &["--installments", "3"],
            events: approval_events(45, false),
            device_timeout: 95,
            expiry: 45,
            installments: "3",
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_sale_prints_each_event_with_its_countdown_then_the_outcome() {
    for row in approvals() {
        let name = row.name;
        let (sim, c) = rig(row.terminal).await;
        let r = sale(&c, row.item, row.sale).await;
        assert_eq!(r.code, 0, "{name}: {:?} {}", r.lines, r.stderr);
        assert_eq!(event_lines(&r.lines), row.events, "{name}");
        assert_eq!(
            r.lines.len(),
            row.events.len() + 1,
            "{name}: events, then one outcome: {:?}",
            r.lines
        );
        let out = r.result();
        assert_eq!(out["status"], "succeeded", "{name}");
        assert_eq!(out["amount"], row.won.to_string(), "{name}");
        assert_eq!(out["currency"], "KRW", "{name}");
        assert_eq!(out["message"], "Approved.", "{name}");

        // The device: one charge of this request, with the store's TID and registration number.
        let rid = text(&out["payment_request_id"]);
        let charged = charges(&sim, &rid);
        assert_eq!(charged.len(), 1, "{name}: {:?}", sim.transactions());
        assert_eq!(charged[0].amount, row.won, "{name}");
        assert_eq!(charged[0].terminal_id, "0788888", "{name}");
        assert_eq!(charged[0].registration_no, "0216001234", "{name}");
        let TxResult::Approved {
            approval_num,
            transaction_id,
        } = &charged[0].result
        else {
            unreachable!()
        };
        // The payment id is the request id (unique); the device's numbers are on the receipt.
        assert_eq!(out["payment_id"], rid.as_str(), "{name}");
        assert_eq!(
            out["receipt"]["reference"],
            transaction_id.as_str(),
            "{name}"
        );
        assert_eq!(
            out["receipt"]["approval_code"],
            approval_num.as_str(),
            "{name}"
        );
        assert_eq!(out["receipt"]["masked_pan"], "523649**", "{name}");
        let purchase = &commands(&sim, "Purchase")[0];
        assert_eq!(
            purchase["timeoutSeconds"], row.device_timeout,
            "{name}: the device's timeout"
        );
        let p = &purchase["params"];
        assert_eq!(p["paymentExpiryTime"], row.expiry.to_string(), "{name}");
        assert_eq!(
            p["creditPayPlan"]["installmentNum"], row.installments,
            "{name}"
        );

        // The ledger: the order is paid, with what a refund needs and the tax the device got.
        let detail = order_detail(&c, &text(&out["order_id"]));
        assert_eq!(detail["order"]["status"], "paid", "{name}");
        assert_eq!(
            journal_events(&detail, 0),
            ["begin", "diagnosed_ok", "sent", "approved"],
            "{name}"
        );
        let vendor = &detail["payment"]["vendor_data"];
        assert_eq!(vendor["acquirerMetaData"], meta_of(&charged[0]), "{name}");
        assert_eq!(vendor["installmentNum"], row.installments, "{name}");
        assert_eq!(
            detail["payment"]["receipt"]["extra"]["installmentNum"], row.installments,
            "{name}"
        );
        let tax = detail["order"]["totals"]["tax"]["minor"].clone();
        assert_eq!(
            p["taxAmount"]["value"],
            tax.to_string(),
            "{name}: the device got the order's VAT"
        );
        // Nothing of the card beyond the masked BIN: not the full BIN, not the signature.
        for cell in ledger_cells(&c.db()) {
            for (what, kept_out) in [("the full BIN", "52364979"), ("the signature", "SIGNDATA")] {
                assert!(
                    !cell.text.contains(kept_out),
                    "{name}: {what} in {}.{}",
                    cell.table,
                    cell.column
                );
            }
        }
        sim.stop().await;
    }
}

/// A sale the device does not charge, and what the cashier and the ledger make of it.
struct NotCharged {
    name: &'static str,
    scenario: Scenario,
    /// The decline's code and the device's own reason, if the device declined.
    decline: Option<(&'static str, &'static str)>,
    /// Words of the cashier's message.
    words: &'static [&'static str],
    /// The failure in the device's log, if the purchase reached it.
    device_failure: Option<&'static str>,
    /// The attempt's last journal entry.
    last_event: &'static str,
}

fn not_charged() -> Vec<NotCharged> {
    vec![
        NotCharged {
            name: "business decline",
            scenario: Scenario::BusinessFail(BusinessCode::UserBalanceNotEnough),
            decline: Some((
                "USER_BALANCE_NOT_ENOUGH",
                "USER_BALANCE_NOT_ENOUGH (emulated)",
            )),
            words: &["USER_BALANCE_NOT_ENOUGH (emulated)"],
            device_failure: Some("USER_BALANCE_NOT_ENOUGH"),
            last_event: "declined",
        },
        NotCharged {
            name: "busy device",
            scenario: Scenario::Busy,
            decline: None,
            words: &["busy", "try again", "Not charged"],
            device_failure: None,
            // The command line left (sent), the device refused it: failed, never delivered.
            last_event: "not_delivered",
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_the_device_does_not_charge_exits_3_says_why_and_the_order_can_be_paid_after() {
    for row in not_charged() {
        let name = row.name;
        let (sim, c) = rig(&[]).await;
        sim.push_scenario(row.scenario);
        let r = sale(&c, "Bibimbap:12000", &[]).await;
        assert_eq!(r.code, EXIT_DECLINED, "{name}: {:?}", r.lines);
        let out = r.result();
        assert_eq!(out["status"], "failed", "{name}");
        match row.decline {
            Some((code, reason)) => {
                assert_eq!(out["decline"]["code"], code, "{name}");
                assert_eq!(
                    out["decline"]["message"], reason,
                    "{name}: the device's own reason"
                );
            }
            None => assert!(out["decline"].is_null(), "{name}: {out}"),
        }
        let msg = text(&out["message"]);
        for w in row.words {
            assert!(msg.contains(w), "{name}: {w:?} not in {msg}");
        }
        assert!(out["payment_id"].is_null(), "{name}");
        let rid = text(&out["payment_request_id"]);
        assert!(charges(&sim, &rid).is_empty(), "{name}: nothing charged");
        match row.device_failure {
            Some(failure) => assert!(
                matches!(
                    &sim.transactions()[0].result,
                    TxResult::Failed { code } if code == failure
                ),
                "{name}: {:?}",
                sim.transactions()
            ),
            None => assert!(sim.transactions().is_empty(), "{name}: nothing charged"),
        }
        let order = text(&out["order_id"]);
        let detail = order_detail(&c, &order);
        assert_eq!(
            detail["order"]["status"], "open",
            "{name}: it can be paid again"
        );
        assert_eq!(
            detail["attempts"][0]["attempt"]["state"], "failed",
            "{name}"
        );
        assert_eq!(
            journal_events(&detail, 0).last().map(String::as_str),
            Some(row.last_event),
            "{name}"
        );
        let before = sim.transactions().len();
        let again = c.run_async(&["pay", &order]).await;
        assert_eq!(again.code, 0, "{name}: {:?}", again.lines);
        let log = sim.transactions();
        assert_eq!(log.len(), before + 1, "{name}: {log:?}");
        assert_eq!(
            log[before].request_id,
            text(&again.result()["payment_request_id"]),
            "{name}: a new request id for the new attempt"
        );
        sim.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_purchase_is_recovered_by_get_last_transaction_once() {
    let (sim, c) = rig(&[]).await;
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
    assert!(matches!(charged[0].result, TxResult::Approved { .. }));
    assert_eq!(out["payment_id"], rid.as_str());
    let detail = order_detail(&c, &text(&out["order_id"]));
    assert_eq!(
        journal_events(&detail, 0),
        ["begin", "diagnosed_ok", "sent", "lost", "approved"]
    );
    assert_eq!(
        detail["attempts"][0]["journal"][3]["detail"]["reason"]["kind"],
        "connection-lost"
    );
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(orders.result().as_array().unwrap().len(), 1);
    assert_eq!(orders.result()[0]["status"], "paid");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_go_through_purchase_cancel_whole_only() {
    let (sim, c) = rig(&[]).await;
    let paid = sale(&c, "Bibimbap:12000", &[]).await;
    assert_eq!(paid.code, 0);
    let order = text(&paid.result()["order_id"]);
    let rid = text(&paid.result()["payment_request_id"]);

    let partial = c
        .run_async(&["refund", "--payment", &order, "--amount", "2000"])
        .await;
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

    let full = c
        .run_async(&["refund", "--payment", &order, "--reason", "cold soup"])
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
    let TxResult::Approved { .. } = &sim.transactions()[1].result else {
        panic!("the cancel was not approved: {:?}", sim.transactions())
    };
    assert_eq!(
        out["refund_id"], out["refund_request_id"],
        "the cancel's own request id"
    );
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(orders.result()[0]["status"], "refunded");
    assert!(c
        .audit()
        .await
        .iter()
        .any(|e| e["action"] == "refund" && e["detail"]["reason"] == "cold soup"));
    let again = c.run_async(&["refund", "--payment", &order]).await;
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
    let paying = c.run_async(&["orders", "--status", "paying"]).await;
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

/// A cancel sent from another kassactl while a sale runs, and how the sale ends.
struct Cancel {
    name: &'static str,
    /// `terminal add` flags beyond the emulator's ids.
    terminal: &'static [(&'static str, &'static str)],
    scenario: Scenario,
    /// The event the cancel is sent on, and the countdown it shows.
    on: (&'static str, u32),
    /// The device's answer to the cancel.
    ack: &'static str,
    /// The sale's event lines, in order.
    events: Vec<Value>,
    /// The device's decline code if the sale ends declined; `None`: it ends charged.
    declined: Option<&'static str>,
}

fn cancels() -> Vec<Cancel> {
    vec![
        Cancel {
            name: "cancel while the device waits for the card",
            // The device waits paymentExpiryTime for a card: long enough for any machine to
            // cancel.
            terminal: &[("--payment-expiry", "120")],
            scenario: Scenario::NoCard,
            on: ("READY", 120),
            ack: "accepted",
            events: vec![
                ev("DIAGNOSING", None),
                ev("READY", Some(120)),
                ev("CANCELLING", None),
            ],
            declined: Some("ORDER_IS_CANCELED"),
        },
        Cancel {
            name: "cancel after the card was read (too late)",
            terminal: &[],
            // Holds after the read until a cancel is refused.
            scenario: Scenario::HoldAfterRead,
            on: ("CARD_READ_COMPLETED", 30),
            ack: "too-late",
            events: approval_events(30, false),
            declined: None,
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_from_another_kassactl_ends_the_sale_as_the_device_says() {
    for row in cancels() {
        let name = row.name;
        let (sim, c) = rig(row.terminal).await;
        sim.push_scenario(row.scenario);
        let (child, rid, order) = sale_until(&c, &sim, row.on.0, row.on.1).await;

        let cancel = c.run_async(&["cancel", &rid]).await;
        assert_eq!(
            cancel.code, 0,
            "{name}: {:?} {}",
            cancel.lines, cancel.stderr
        );
        assert_eq!(cancel.result()["cancel"], row.ack, "{name}");

        let (code, lines) = tokio::task::spawn_blocking(move || child.finish(PATIENCE))
            .await
            .expect("sale child");
        assert_eq!(event_lines(&lines), row.events, "{name}");
        let out = lines.last().unwrap();
        let detail = order_detail(&c, &order);
        match row.declined {
            Some(decline) => {
                assert_eq!(code, EXIT_DECLINED, "{name}: {lines:?}");
                assert_eq!(out["status"], "failed", "{name}");
                assert_eq!(
                    out["decline"]["code"], decline,
                    "{name}: the device's own outcome, not an assumption"
                );
                assert!(charges(&sim, &rid).is_empty(), "{name}");
                assert!(
                    matches!(
                        &sim.transactions()[0].result,
                        TxResult::Failed { code } if code == decline
                    ),
                    "{name}: {:?}",
                    sim.transactions()
                );
                assert_eq!(detail["order"]["status"], "open", "{name}");
                let journal = detail["attempts"][0]["journal"].as_array().unwrap();
                let last = journal.last().unwrap();
                assert_eq!(last["event"], "declined", "{name}");
                assert_eq!(last["detail"]["decline"]["code"], decline, "{name}: {last}");
            }
            None => {
                assert_eq!(code, 0, "{name}: {lines:?}");
                assert_eq!(out["status"], "succeeded", "{name}");
                assert_eq!(charges(&sim, &rid).len(), 1, "{name}: the device charged");
                assert_eq!(detail["order"]["status"], "paid", "{name}");
            }
        }
        assert_eq!(commands(&sim, "CommandCancel").len(), 1, "{name}");

        // Once it is over, a cancel sends nothing and says so.
        let late = c.run_async(&["cancel", &rid]).await;
        assert_eq!(late.code, EXIT_CONFLICT, "{name}: {:?}", late.lines);
        assert!(
            text(&late.result()["error"]["message"]).contains("nothing to cancel"),
            "{name}: {:?}",
            late.lines
        );
        assert_eq!(commands(&sim, "CommandCancel").len(), 1, "{name}");
        sim.stop().await;
    }
}
