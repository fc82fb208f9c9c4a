//! Acceptance: a PAX terminal through the simulated IOT Pay cloud (real HTTP on loopback, real
//! MD5 signatures) and the real `kassactl` binary, one fresh ledger per test. Each test checks
//! what the cashier is told, what the ledger recorded and what the cloud holds; and, across
//! them, that no expiry date and never the merchant key reaches the ledger or kassactl's
//! output and logs. The in-process service tests of every behaviour are in
//! `iotpay/service.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

#[path = "iotpay/service.rs"]
mod service;

use kassa_acceptance::{ledger_cells, AddTerminal, Ctl, Run};
use kassa_sim::iotpay::{Behaviour, IotPaySim, SimConfig, CANCELLED_TEXT, DECLINED_TEXT};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

const EXIT_DECLINED: i32 = 3;
const EXIT_UNKNOWN: i32 = 4;
const EXIT_CONFLICT: i32 = 5;

/// The merchant of the seed's samples.
pub const MCH_ID: &str = "10000576";
/// A merchant key distinctive enough to search output, logs and files for.
pub const KEY: &str = "Kassa-Acceptance-Merchant-Key-5e1d";
/// The expiry date the seed's approved sample (and the simulator) sends in `extra`.
pub const SEED_EXPIRY: &str = "1022";

pub async fn cloud() -> IotPaySim {
    IotPaySim::start(SimConfig::new(MCH_ID, KEY))
        .await
        .expect("start the IOT Pay simulator")
}

/// A file holding the merchant key, as a store would keep it.
pub fn key_file() -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("key file");
    writeln!(f, "{KEY}").expect("write the key");
    f
}

/// Adds the simulator as terminal `pax` through `terminal add iotpay` (logged at TRACE, so its
/// logs can be searched for the key); returns the run.
async fn add_terminal(c: &Ctl, sim: &IotPaySim, key: &Path, extra: &[(&str, &str)]) -> Run {
    let add = AddTerminal::iotpay(&sim.base_url(), MCH_ID, key).with(extra);
    let r = c.run_logged_async(&add.args(), "trace").await;
    assert_eq!(r.code, 0, "terminal add failed: {:?} {}", r.lines, r.stderr);
    assert_eq!(r.result()["kind"], "iotpay");
    assert_eq!(r.result()["capabilities"]["refunds"], "manual-only");
    r
}

async fn sale(c: &Ctl) -> Run {
    c.run_logged_async(
        &["sale", "--currency", "CAD", "--item", "Latte:6.25x2"],
        "trace",
    )
    .await
}

fn events(r: &Run) -> Vec<Value> {
    r.lines
        .iter()
        .filter(|l| l.get("event").is_some())
        .cloned()
        .collect()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn order_detail(c: &Ctl, order: &str) -> Value {
    let r = c.run(&["order", order]);
    assert_eq!(r.code, 0, "{:?}", r.lines);
    r.result().clone()
}

fn journal_events(detail: &Value) -> Vec<String> {
    detail["attempts"][0]["journal"]
        .as_array()
        .expect("journal")
        .iter()
        .map(|j| text(&j["event"]))
        .collect()
}

/// Neither the key itself nor anything but its file's path is in any run's output or logs.
fn assert_no_key_in(runs: &[&Run]) {
    for r in runs {
        assert!(!r.stdout.contains(KEY), "key on stdout: {}", r.stdout);
        assert!(!r.stderr.contains(KEY), "key in the logs");
    }
}

/// Nothing the ledger holds carries an expiry date: no `expireDate` key anywhere, and no
/// value that is the seed's expiry on its own (the four digits may appear inside longer ids
/// and timestamps, so whole words are compared).
pub fn assert_no_expiry_in_ledger(db: &Path) {
    let cells = ledger_cells(db);
    assert!(!cells.is_empty());
    for cell in &cells {
        assert!(
            !cell.text.to_ascii_lowercase().contains("expiredate"),
            "expireDate in {}.{}: {}",
            cell.table,
            cell.column,
            cell.text
        );
        let words = cell.text.split(|c: char| !c.is_ascii_alphanumeric());
        for w in words {
            assert_ne!(
                w, SEED_EXPIRY,
                "an expiry date in {}.{}: {}",
                cell.table, cell.column, cell.text
            );
        }
    }
}

/// The key is in no cell of the ledger and nowhere in its files' bytes (the database, its
/// write-ahead log), so not even a freed page holds it.
pub fn assert_no_key_in_ledger(db: &Path) {
    for cell in ledger_cells(db) {
        assert!(
            !cell.text.contains(KEY),
            "the key in {}.{}",
            cell.table,
            cell.column
        );
    }
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.display());
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "the key's bytes are in {path}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_sale_with_trace_logs_never_shows_the_merchant_key() {
    let sim = cloud().await;
    let key = key_file();
    let c = Ctl::new();
    let added = add_terminal(&c, &sim, key.path(), &[]).await;
    let listed = c.run_logged_async(&["terminal", "list"], "trace").await;
    assert_eq!(listed.result()[0]["name"], "pax");
    assert!(
        listed.result()[0]["problem"].is_null(),
        "{:?}",
        listed.lines
    );

    let r = sale(&c).await;
    assert_eq!(r.code, 0, "{:?} {}", r.lines, r.stderr);
    assert_eq!(
        events(&r),
        vec![
            json!({"event": "DIAGNOSING", "countdownSeconds": null}),
            json!({"event": "CC_PAX", "countdownSeconds": null}),
        ]
    );
    let out = r.result();
    assert_eq!(out["status"], "succeeded");
    assert_eq!(out["amount"], "12.50");
    assert_eq!(out["currency"], "CAD");
    let order = text(&out["order_id"]);
    let rid = text(&out["payment_request_id"]);
    let o = sim.order(&rid).expect("the cloud has the order");
    assert_eq!(out["payment_id"], o.pay_order_id.as_str());
    assert_eq!((o.amount, o.currency.as_str(), o.status), (1250, "CAD", 2));
    assert_eq!(o.job_no, "testpax");
    assert_eq!(o.device.as_deref(), Some("V1-B25"));
    assert_eq!(sim.paid_count(), 1);
    let receipt = &out["receipt"];
    assert_eq!(receipt["masked_pan"], "XXXXXXXXXXXX1166");
    assert_eq!(receipt["application_label"], "MASTERCARD");
    assert_eq!(receipt["aid"], "A0000000041010");
    assert_eq!(receipt["notice"], "000 Approved 00 Thank You");

    let detail = order_detail(&c, &order);
    assert_eq!(detail["order"]["status"], "paid");
    assert_eq!(
        journal_events(&detail),
        ["begin", "diagnosed_ok", "sent", "approved"]
    );
    let shown = c.run_logged_async(&["order", &order], "trace").await;
    let audit = c.run_logged_async(&["audit"], "trace").await;
    assert!(
        r.stderr.contains("TRACE") || r.stderr.contains("DEBUG"),
        "the logs were on: {}",
        r.stderr
    );
    assert_no_key_in(&[&added, &listed, &r, &shown, &audit]);
    assert_no_key_in_ledger(&c.db());
    let config = ledger_cells(&c.db())
        .into_iter()
        .find(|cell| cell.table == "terminals" && cell.column == "config")
        .expect("the terminal's settings");
    assert!(
        config.text.contains(&key.path().display().to_string()),
        "the settings name the key file: {}",
        config.text
    );
    sim.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_that_cannot_work_are_refused_before_anything_is_stored() {
    let key = key_file();
    let c = Ctl::new();
    let add = |base: &str, key: &Path| AddTerminal::iotpay(base, MCH_ID, key);
    let plain = add("http://10.0.0.5:8080/v1", key.path());
    let r = c.run(&plain.args());
    assert_eq!(r.code, 2, "{:?}", r.lines);
    assert!(
        text(&r.result()["error"]["message"]).contains("https"),
        "{:?}",
        r.lines
    );
    let missing = add(
        "https://api.iotpaycloud.com/v1",
        Path::new("/nonexistent/iotpay.key"),
    );
    let r = c.run(&missing.args());
    assert_eq!(r.code, 2, "{:?}", r.lines);
    assert!(
        text(&r.result()["error"]["message"]).contains("/nonexistent/iotpay.key"),
        "names the file: {:?}",
        r.lines
    );
    let list = c.run(&["terminal", "list"]);
    assert_eq!(list.result(), &json!([]), "nothing was stored");
}

/// How a sale under one scripted behaviour ends.
enum End {
    /// Not paid (exit 3): the decline's code and the terminal's text, whether a new attempt
    /// may work, words of the cashier's message and the order's status in the cloud.
    Declined {
        code: &'static str,
        text: &'static str,
        retryable: bool,
        words: &'static [&'static str],
        status: i64,
    },
    /// Paid, but the answer was not taken as it came (`lost`): recovery's query found the
    /// payment. `logged`: what the logs must say about it, if anything in particular.
    Recovered {
        lost: &'static str,
        logged: Option<&'static str>,
    },
}

/// A sale under one scripted cloud behaviour.
struct Case {
    name: &'static str,
    behaviour: Behaviour,
    /// `terminal add` flags.
    terminal: &'static [(&'static str, &'static str)],
    end: End,
}

fn cases() -> Vec<Case> {
    vec![
        // The terminal's text is the reason.
        Case {
            name: "decline",
            behaviour: Behaviour::Decline,
            terminal: &[],
            end: End::Declined {
                code: "status 9",
                text: DECLINED_TEXT,
                retryable: false,
                words: &[DECLINED_TEXT],
                status: 9,
            },
        },
        // Cancelled by the system: the order may be tried again.
        Case {
            name: "cancelled by the system",
            behaviour: Behaviour::Cancel,
            terminal: &[],
            end: End::Declined {
                code: "status 4",
                text: CANCELLED_TEXT,
                retryable: true,
                words: &["try again"],
                status: 4,
            },
        },
        // The terminal is paid at once; the cloud's answer is held for ten minutes, longer
        // than the client waits.
        Case {
            name: "answer later than the client waits",
            behaviour: Behaviour::Timeout { hold_ms: 600_000 },
            terminal: &[("--pay-timeout", "2s")],
            end: End::Recovered {
                lost: "timeout",
                logged: None,
            },
        },
        // The create_order answer alone is not trusted: query_order confirms it first.
        Case {
            name: "wrongly signed answer",
            behaviour: Behaviour::BadSignature,
            terminal: &[],
            end: End::Recovered {
                lost: "bad-signature",
                logged: Some("signature"),
            },
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_scripted_answer_ends_as_the_cloud_says() {
    for case in cases() {
        let name = case.name;
        let sim = cloud().await;
        let key = key_file();
        let c = Ctl::new();
        add_terminal(&c, &sim, key.path(), case.terminal).await;
        sim.push(case.behaviour);
        let r = sale(&c).await;
        let out = r.result();
        let order = text(&out["order_id"]);
        match case.end {
            End::Declined {
                code,
                text: reason,
                retryable,
                words,
                status,
            } => {
                assert_eq!(r.code, EXIT_DECLINED, "{name}: {:?}", r.lines);
                assert_eq!(out["status"], "failed", "{name}");
                assert_eq!(out["decline"]["code"], code, "{name}");
                assert_eq!(out["decline"]["message"], reason, "{name}");
                assert_eq!(out["decline"]["retryable"], retryable, "{name}");
                for w in words {
                    assert!(text(&out["message"]).contains(w), "{name}: {out}");
                }
                let rid = text(&out["payment_request_id"]);
                assert_eq!(sim.order(&rid).unwrap().status, status, "{name}");
                assert_eq!(sim.paid_count(), 0, "{name}");
                let detail = order_detail(&c, &order);
                assert_eq!(
                    detail["order"]["status"], "open",
                    "{name}: it can be paid again"
                );
                let again = c.run_async(&["pay", &order]).await;
                assert_eq!(again.code, 0, "{name}: {:?}", again.lines);
                assert_eq!(sim.paid_count(), 1, "{name}");
                assert_eq!(
                    sim.orders().len(),
                    2,
                    "{name}: a new order for the new attempt"
                );
            }
            End::Recovered { lost, logged } => {
                assert_eq!(r.code, 0, "{name}: {:?} {}", r.lines, r.stderr);
                assert_eq!(out["status"], "succeeded", "{name}");
                assert_eq!(
                    events(&r).last(),
                    Some(&json!({"event": "RECOVERING", "countdownSeconds": null})),
                    "{name}"
                );
                let detail = order_detail(&c, &order);
                assert_eq!(
                    journal_events(&detail),
                    ["begin", "diagnosed_ok", "sent", "lost", "approved"],
                    "{name}"
                );
                assert_eq!(
                    detail["attempts"][0]["journal"][3]["detail"]["reason"]["kind"], lost,
                    "{name}: the first answer alone was not trusted"
                );
                if let Some(logged) = logged {
                    assert!(
                        r.stderr.contains(logged),
                        "{name}: the logs say so: {}",
                        r.stderr
                    );
                }
                assert_eq!(sim.orders().len(), 1, "{name}: never created twice");
                assert_eq!(sim.paid_count(), 1, "{name}");
                // Found by query_order, whose flat answer has no payOrderId: the order's
                // own number (the attempt's request id) names it.
                assert_eq!(
                    out["payment_id"],
                    sim.orders()[0].mch_order_no.as_str(),
                    "{name}"
                );
            }
        }
        assert_no_key_in(&[&r]);
        assert_no_expiry_in_ledger(&c.db());
        sim.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_are_done_on_the_pax_terminal_and_recorded_with_its_reference() {
    let sim = cloud().await;
    let key = key_file();
    let c = Ctl::new();
    add_terminal(&c, &sim, key.path(), &[]).await;
    let paid = sale(&c).await;
    assert_eq!(paid.code, 0);
    let order = text(&paid.result()["order_id"]);

    let refused = c.run_async(&["refund", "--payment", &order]).await;
    assert_eq!(refused.code, EXIT_CONFLICT, "{:?}", refused.lines);
    let msg = text(&refused.result()["error"]["message"]);
    assert!(
        msg.contains("PAX terminal") && msg.contains("--terminal-ref"),
        "say where to refund and how to record it: {msg}"
    );
    // The command it suggests is one kassactl has.
    let paid_rid = text(&paid.result()["payment_request_id"]);
    assert!(
        msg.contains(&format!(
            "kassactl refund --payment {paid_rid} --terminal-ref"
        )),
        "{msg}"
    );
    let blank = c
        .run_async(&["refund", "--payment", &order, "--terminal-ref", " "])
        .await;
    assert_eq!(blank.code, 2, "{:?}", blank.lines);

    let part = c
        .run_async(&[
            "refund",
            "--payment",
            &order,
            "--amount",
            "6.25",
            "--terminal-ref",
            "PAX-INV-724173",
            "--reason",
            "one latte returned",
        ])
        .await;
    assert_eq!(part.code, 0, "{:?} {}", part.lines, part.stderr);
    assert_eq!(part.result()["status"], "succeeded");
    assert_eq!(part.result()["refund_id"], "PAX-INV-724173");
    assert_eq!(part.result()["amount"], "6.25");
    assert_eq!(part.result()["refundable_after"], "6.25");
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(orders.result()[0]["status"], "partially-refunded");

    let rest = c
        .run_async(&[
            "refund",
            "--payment",
            &order,
            "--terminal-ref",
            "PAX-INV-724174",
        ])
        .await;
    assert_eq!(rest.code, 0, "{:?}", rest.lines);
    assert_eq!(rest.result()["refundable_after"], "0.00");
    let orders = c.run_async(&["orders"]).await;
    assert_eq!(orders.result()[0]["status"], "refunded");

    let audit = c.audit().await;
    let manual: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "manual_refund")
        .collect();
    assert_eq!(manual.len(), 2, "{audit:?}");
    assert!(
        manual[0].to_string().contains("PAX-INV-724173"),
        "{}",
        manual[0]
    );
    assert_eq!(sim.orders().len(), 1, "nothing more was sent to the cloud");
    assert_eq!(sim.paid_count(), 1);
    sim.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_expiry_date_from_any_answer_reaches_the_ledger() {
    let sim = cloud().await;
    let key = key_file();
    let c = Ctl::new();
    add_terminal(&c, &sim, key.path(), &[]).await;
    let mut runs = Vec::new();
    for b in [
        Behaviour::Approve,
        Behaviour::Decline,
        Behaviour::BadSignature,
        Behaviour::Timeout { hold_ms: 600_000 },
    ] {
        if matches!(b, Behaviour::Timeout { .. }) {
            // Only the held answer gets a short wait; the others are never cut off.
            add_terminal(&c, &sim, key.path(), &[("--pay-timeout", "2s")]).await;
        }
        sim.push(b);
        runs.push(sale(&c).await);
    }
    let codes: Vec<i32> = runs.iter().map(|r| r.code).collect();
    assert_eq!(codes, [0, EXIT_DECLINED, 0, 0], "{runs:?}");
    // The cloud did send expiry data, so the check below is not vacuous.
    for o in sim.orders() {
        assert!(o.extra.unwrap().contains("expireDate"));
    }
    assert!(sim.orders()[0].extra.clone().unwrap().contains(SEED_EXPIRY));
    // The receipt data around it did reach the ledger.
    let cells = ledger_cells(&c.db());
    assert!(cells.iter().any(|c| c.text.contains("A0000000041010")));
    assert_no_expiry_in_ledger(&c.db());
    for r in &runs {
        assert!(!r.stdout.contains("expireDate"), "{}", r.stdout);
        assert!(!r.stderr.contains("expireDate"), "the logs: {}", r.stderr);
    }
    sim.stop().await.unwrap();
}

/// The slowest test here: recovery must keep asking for at least 60 s (docs/protocols.md §4.3), so
/// the shortest window the settings accept is spent in real time. Both endings that can
/// never be settled run at once, each against its own cloud.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_polling_window_an_unsettled_payment_waits_for_a_manager() {
    let (stuck_cloud, wrong_cloud) = (cloud().await, cloud().await);
    stuck_cloud.push(Behaviour::StuckPaying);
    wrong_cloud.push(Behaviour::WrongAmount);
    let key = key_file();
    let window = [("--recovery-window", "60s"), ("--poll-interval", "20s")];
    let (stuck, wrong) = (Ctl::new(), Ctl::new());
    add_terminal(&stuck, &stuck_cloud, key.path(), &window).await;
    add_terminal(&wrong, &wrong_cloud, key.path(), &window).await;
    let (a, b) = tokio::join!(sale(&stuck), sale(&wrong));
    for (c, r, reason) in [(&stuck, &a, "not-final"), (&wrong, &b, "mismatch")] {
        assert_eq!(r.code, EXIT_UNKNOWN, "{:?} {}", r.lines, r.stderr);
        let out = r.result();
        assert_eq!(out["status"], "needs-manager");
        assert!(text(&out["message"]).contains("manager"), "{out}");
        assert!(out["payment_id"].is_null(), "never recorded as paid");
        let recovering = events(r)
            .iter()
            .filter(|e| e["event"] == "RECOVERING")
            .count();
        assert_eq!(recovering, 4, "asked at 0, 20, 40 and 60 s: {:?}", r.lines);
        let detail = order_detail(c, &text(&out["order_id"]));
        // A cloud that answers "paying" is a trustworthy answer (the window restarts from
        // it); a wrong amount is not an answer at all.
        let answered: &[&str] = if reason == "mismatch" {
            &[]
        } else {
            &["terminal_answered"]
        };
        let want: Vec<&str> = ["begin", "diagnosed_ok", "sent", "lost"]
            .into_iter()
            .chain(answered.iter().copied())
            .chain(["escalate"])
            .collect();
        assert_eq!(journal_events(&detail), want, "{reason}");
        assert_eq!(
            detail["attempts"][0]["journal"][3]["detail"]["reason"]["kind"],
            reason
        );
        assert!(detail["payment"].is_null());
        let recover = c.run_async(&["recover"]).await;
        assert_eq!(
            recover.code, EXIT_UNKNOWN,
            "still the manager's: {:?}",
            recover.lines
        );
    }
    let stuck_order = &stuck_cloud.orders()[0];
    assert_eq!(stuck_order.status, 1, "still paying on the terminal");
    let wrong_order = &wrong_cloud.orders()[0];
    assert_eq!(
        (wrong_order.status, wrong_order.charged_amount),
        (2, wrong_order.amount + 100),
        "charged a different amount: never a success in the ledger"
    );
    stuck_cloud.stop().await.unwrap();
    wrong_cloud.stop().await.unwrap();
}
