//! Acceptance: a full day of sales with logging at its most verbose, then a search of every
//! log line, every line kassactl printed, every text cell of the ledger and the ledger file's
//! raw bytes for what must never be there: the PEM private keys (their base64 lines), the
//! IOT Pay merchant key, any full card number (a 13–19 digit run passing Luhn), the expiry
//! dates the seed's card data carries, and the PINs used. It must find none.
//!
//! The day: on an N950 (simulator) an approval, a decline, a payment whose answer is lost and
//! recovered by inquiry, and a refund; on a PAX terminal through IOT Pay (simulator) an
//! approval carrying the seed's `extra` (with `expireDate`) and a refund recorded by hand; on
//! a KICC device (emulator) an approval and its refund. Each runs as a `kassactl` child with
//! `KASSA_LOG=trace`. Then, in this process under a tracing subscriber that records
//! everything at TRACE, managers and cashiers sign in with their PINs (one wrong), a PIN is
//! changed, the store settings are saved, the day is closed and kiosk mode is left.
//!
//! The key-file permission warning is checked here too: a merchant key file others can read
//! is reported when the terminal is added (without its contents), an owner-only one is not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use kassa_acceptance::{kassactl_path, ledger_cells, vector, AddTerminal, Ctl, Run};
use kassa_antom::protocol::{PrivateKey, PublicKey};
use kassa_app::{keyfiles, AccountInput, OpenOptions, Role, Service, StoreSettings};
use kassa_core::Secret;
use kassa_sim::antom::{AntomSim, AntomSimHandle, Behaviour};
use kassa_sim::iotpay::{IotPaySim, SimConfig as IotSimConfig};
use kassa_sim::kicc::{KiccSim, Scenario, SimTiming};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The merchant key of the simulated IOT Pay account.
const MERCHANT_KEY: &str = "Kassa-Secrets-Test-Merchant-Key-7f3a9c";
/// The KICC bridge's pairing key, as the bridge shows it (base32).
const KICC_PAIRING_KEY: &str = "JNQXG43BFVJWKY3SMV2HGLKUMVZXILKLJFBUGLKQMFUXE2LOM4QQ";
/// The expiry date in the seed's approved `extra` sample (and the simulator's).
const SEED_EXPIRY: &str = "1022";
/// PINs used during the day.
const PINS: [&str; 3] = ["583920", "274615", "90817364"];
/// A wrong PIN typed once.
const WRONG_PIN: &str = "111999";

/// Every base64 line of a PEM's body and the whole body joined: the forms a key would take
/// in a log line or a JSON value.
fn pem_fragments(pem: &str) -> Vec<String> {
    let lines: Vec<String> = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .map(str::to_string)
        .collect();
    let mut out: Vec<String> = lines.iter().filter(|l| l.len() >= 16).cloned().collect();
    out.push(lines.concat());
    out
}

/// Digit runs of 13 to 19 digits (single spaces or dashes between groups allowed) that pass
/// the Luhn check and stand alone (not part of a longer word or id). Millisecond timestamps
/// of today (13 digits, within a day of now) are not card numbers and are skipped.
fn card_numbers(text: &str) -> Vec<String> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && word(b[i - 1])) {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut digits = String::new();
        while j < b.len() {
            if b[j].is_ascii_digit() {
                digits.push(b[j] as char);
                j += 1;
            } else if (b[j] == b' ' || b[j] == b'-')
                && j + 1 < b.len()
                && b[j + 1].is_ascii_digit()
                && j > i
                && b[j - 1].is_ascii_digit()
            {
                j += 1;
            } else {
                break;
            }
        }
        let standalone = j >= b.len() || !word(b[j]);
        let timestamp = digits.len() == 13
            && digits
                .parse::<i64>()
                .is_ok_and(|ms| (ms - now_ms).abs() < 86_400_000);
        if standalone && (13..=19).contains(&digits.len()) && !timestamp && luhn(&digits) {
            found.push(digits);
        }
        i = j.max(i + 1);
    }
    found
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, c)| {
            let d = u32::from(c - b'0');
            if k % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether `needle` (digits) occurs in `text` as a whole number, not inside a longer one.
fn has_number(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].bytes().next_back();
        let after = text[at + needle.len()..].bytes().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// What must never appear, each with a name for the failure message.
fn forbidden_strings() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in [
        "pos_private_key_pkcs8.pem",
        "terminal_private_key_pkcs8.pem",
    ] {
        for f in pem_fragments(&vector(name)) {
            out.push((format!("a line of {name}"), f));
        }
    }
    out.push(("the IOT Pay merchant key".into(), MERCHANT_KEY.into()));
    out.push(("the KICC pairing key".into(), KICC_PAIRING_KEY.into()));
    out.push(("the expireDate field".into(), "expireDate".into()));
    out.push(("the expiry date as MM/YY".into(), "10/22".into()));
    out
}

/// `text` without ANSI colour sequences (`ESC [ … m`), which could otherwise split or hide a
/// value in a log line.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks one body of text; returns the findings.
fn scan(label: &str, text: &str) -> Vec<String> {
    let text = &strip_ansi(text);
    let mut hits = Vec::new();
    for (what, s) in forbidden_strings() {
        if text.contains(&s) {
            hits.push(format!("{what} in {label}"));
        }
    }
    for pin in PINS.iter().chain([&WRONG_PIN]) {
        if has_number(text, pin) {
            hits.push(format!("PIN {pin} in {label}"));
        }
    }
    if has_number(text, SEED_EXPIRY) {
        hits.push(format!("the seed's expiry date {SEED_EXPIRY} in {label}"));
    }
    for pan in card_numbers(text) {
        hits.push(format!("a full card number {pan} in {label}"));
    }
    hits
}

/// Everything a run showed: its output and its logs.
fn shown(r: &Run) -> String {
    format!("{}\n{}", r.stdout, r.stderr)
}

/// Runs kassactl with `KASSA_LOG=trace` off the async runtime (the simulators keep serving).
async fn ctl(c: &Ctl, args: &[&str]) -> Run {
    c.run_logged_async(args, "trace").await
}

fn ok(r: &Run, what: &str) {
    assert_eq!(r.code, 0, "{what}: {:?}\n{}", r.lines, tail(&r.stderr));
}

fn tail(s: &str) -> &str {
    &s[s.len().saturating_sub(3000)..]
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

async fn n950() -> AntomSimHandle {
    let cfg = kassa_sim::antom::SimConfig::new(
        "N950SN0001",
        PublicKey::from_pem(&vector("pos_public_key.pem")).unwrap(),
        PrivateKey::from_pem(&vector("terminal_private_key_pkcs8.pem")).unwrap(),
    );
    AntomSim::start(cfg).await.unwrap()
}

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The in-process part of the day, under a TRACE subscriber: PINs, settings, day close,
/// kiosk exit. Returns what was logged.
fn back_office(db: PathBuf) -> String {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let svc = Service::open(OpenOptions::new(db)).unwrap();
        assert!(svc
            .seed_accounts(&[
                ("Mina", Role::Manager, PINS[0]),
                ("Jun", Role::Cashier, PINS[1])
            ])
            .unwrap());
        let id = |name: &str| {
            svc.accounts()
                .unwrap()
                .into_iter()
                .find(|a| a.name == name)
                .unwrap()
                .id
        };
        let pin = |p: &str| Secret::new(p.to_string());
        assert!(svc.sign_in(&id("Jun"), &pin(WRONG_PIN)).is_err());
        let jun = svc.sign_in(&id("Jun"), &pin(PINS[1])).unwrap();
        let mina = svc.sign_in(&id("Mina"), &pin(PINS[0])).unwrap();
        let changed: AccountInput = serde_json::from_value(serde_json::json!({
            "id": id("Jun"), "name": "Jun", "role": "cashier", "pin": PINS[2],
        }))
        .unwrap();
        svc.save_account(&mina, changed).unwrap();
        svc.sign_in(&id("Jun"), &pin(PINS[2])).unwrap();
        assert!(
            svc.close_day(&jun).is_err(),
            "a cashier cannot close the day"
        );
        svc.save_store_settings(&mina, StoreSettings::default())
            .unwrap();
        let z = svc.close_day(&mina).unwrap();
        assert!(
            z.sales.count >= 3,
            "the day's KRW sales are in the Z report: {z:?}"
        );
        svc.kiosk_exit(&mina).unwrap();
        assert!(svc.verify_audit().unwrap().is_intact());
    });
    logs.text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_day_at_trace_level_leaks_no_key_pin_card_number_or_expiry_date() {
    let front = n950().await;
    let keys = tempfile::tempdir().unwrap();
    let pairing_key = keys.path().join("kicc-bridge.key");
    keyfiles::write_private_key_file(&pairing_key, KICC_PAIRING_KEY.as_bytes()).unwrap();
    let counter = KiccSim::bind(
        "127.0.0.1:0",
        SimTiming::instant(),
        Scenario::Happy,
        &pairing_key,
    )
    .await
    .unwrap();
    let cloud = IotPaySim::start(IotSimConfig::new("10000576", MERCHANT_KEY))
        .await
        .unwrap();
    let c = Ctl::new();
    let db = c.db();
    // Key files as Kassa writes them: owner-only.
    let pos_key = keys.path().join("pos.pem");
    keyfiles::write_private_key_file(&pos_key, vector("pos_private_key_pkcs8.pem").as_bytes())
        .unwrap();
    let merchant_key = keys.path().join("merchant.key");
    keyfiles::write_private_key_file(&merchant_key, MERCHANT_KEY.as_bytes()).unwrap();

    let mut runs: Vec<(String, Run)> = Vec::new();
    let n950 = AddTerminal::n950(front.addr().port())
        .with(&[("--pos-key", &pos_key.display().to_string())])
        .flag("--default");
    let r = ctl(&c, &n950.args()).await;
    ok(&r, "add the N950");
    runs.push(("terminal add antom-lan".into(), r));
    let kicc = AddTerminal::kicc(counter.addr().port(), counter.pairing_key_file());
    let r = ctl(&c, &kicc.args()).await;
    ok(&r, "add the KICC device");
    runs.push(("terminal add kicc".into(), r));
    let pax = AddTerminal::iotpay(&cloud.base_url(), "10000576", &merchant_key);
    let r = ctl(&c, &pax.args()).await;
    ok(&r, "add the PAX terminal");
    runs.push(("terminal add iotpay".into(), r));

    let krw = |item: &'static str, terminal: &'static str| {
        vec![
            "sale",
            "--terminal",
            terminal,
            "--currency",
            "KRW",
            "--item",
            item,
            "--vat",
            "10",
        ]
    };
    // N950: approve, decline, answer lost then recovered, refund.
    let r = ctl(&c, &krw("Americano:4500x2", "front")).await;
    ok(&r, "N950 approval");
    let approved = text(&r.result()["order_id"]);
    runs.push(("N950 approval".into(), r));
    front.push(Behaviour::Decline("USER_BALANCE_NOT_ENOUGH".into()));
    let r = ctl(&c, &krw("Latte:5000", "front")).await;
    assert_eq!(r.code, 3, "declined: {:?}", r.lines);
    runs.push(("N950 decline".into(), r));
    // Only the held answer gets a short pay timeout: the approval and decline above must
    // never be cut off, however slow the machine.
    let short = n950.clone().with(&[("--pay-timeout", "500ms")]);
    let r = ctl(&c, &short.args()).await;
    ok(&r, "give the N950 a short pay timeout");
    runs.push(("terminal add antom-lan (short pay timeout)".into(), r));
    front.push(Behaviour::DelayAnswer(Duration::from_secs(60)));
    let r = ctl(&c, &krw("Mocha:5500", "front")).await;
    ok(&r, "N950 lost answer recovered");
    let journal = ctl(&c, &["order", &text(&r.result()["order_id"])]).await;
    assert!(
        journal.stdout.contains("\"lost\""),
        "the answer really was lost and recovered: {}",
        journal.stdout
    );
    runs.push(("N950 recovered".into(), r));
    runs.push(("order (recovered)".into(), journal));
    let r = ctl(
        &c,
        &["refund", "--payment", &approved, "--reason", "spilled"],
    )
    .await;
    ok(&r, "N950 refund");
    runs.push(("N950 refund".into(), r));

    // IOT Pay: approval with the seed's card data, then a refund recorded by hand.
    let r = ctl(
        &c,
        &[
            "sale",
            "--terminal",
            "pax",
            "--currency",
            "CAD",
            "--item",
            "Latte:6.25x2",
        ],
    )
    .await;
    ok(&r, "IOT Pay approval");
    let pax_order = text(&r.result()["order_id"]);
    runs.push(("IOT Pay approval".into(), r));
    let extra = cloud
        .orders()
        .iter()
        .map(|o| format!("{o:?}"))
        .collect::<String>();
    assert!(
        extra.contains(SEED_EXPIRY),
        "the cloud really sent the expiry date"
    );
    let r = ctl(
        &c,
        &[
            "refund",
            "--payment",
            &pax_order,
            "--terminal-ref",
            "PAX-RF-1",
            "--reason",
            "return",
        ],
    )
    .await;
    ok(&r, "IOT Pay manual refund record");
    runs.push(("IOT Pay manual refund".into(), r));

    // KICC: approval and refund.
    let r = ctl(&c, &krw("Bibimbap:12000", "counter")).await;
    ok(&r, "KICC approval");
    let kicc_order = text(&r.result()["order_id"]);
    runs.push(("KICC approval".into(), r));
    let r = ctl(&c, &["refund", "--payment", &kicc_order]).await;
    ok(&r, "KICC refund");
    runs.push(("KICC refund".into(), r));

    // What a manager looks at afterwards.
    for args in [
        vec!["orders"],
        vec!["order", approved.as_str()],
        vec!["order", pax_order.as_str()],
        vec!["order", kicc_order.as_str()],
        vec!["terminal", "list"],
        vec!["audit"],
    ] {
        let r = ctl(&c, &args).await;
        ok(&r, &args.join(" "));
        runs.push((args.join(" "), r));
    }

    let office = tokio::task::spawn_blocking({
        let db = db.clone();
        move || back_office(db)
    })
    .await
    .unwrap();
    let r = ctl(&c, &["audit", "verify"]).await;
    ok(&r, "audit verify");
    runs.push(("audit verify".into(), r));

    // The search is not vacuous: the logs are at TRACE, carry the day's ids, and the ledger
    // holds the card data Kassa may keep (masked).
    let all_logs: String = runs.iter().map(|(_, r)| shown(r)).collect();
    assert!(all_logs.contains("TRACE"), "kassactl logged at TRACE");
    assert!(all_logs.contains(&approved) && all_logs.contains(&pax_order));
    assert!(office.contains("TRACE") || office.contains("DEBUG") || office.contains("INFO"));
    assert!(
        office.contains("kiosk mode ended"),
        "the back office was logged"
    );
    let cells = ledger_cells(&db);
    assert!(
        cells.iter().any(|c| c.text.contains("************0042")),
        "the N950's card number is kept masked to its last four digits"
    );
    assert!(
        cells.iter().any(|c| c.text.contains("01046Z")),
        "the PAX terminal's card data (from `extra`) was recorded"
    );
    assert!(
        cells.iter().any(|c| c.text.contains("$argon2id$")),
        "PINs are kept as hashes"
    );

    let mut hits = Vec::new();
    for (label, r) in &runs {
        hits.extend(scan(&format!("kassactl {label}"), &shown(r)));
    }
    hits.extend(scan("the in-process TRACE log", &office));
    for cell in &cells {
        hits.extend(scan(
            &format!("ledger {}.{}", cell.table, cell.column),
            &cell.text,
        ));
    }
    // The file's bytes (and its write-ahead log), freed pages included.
    for suffix in ["", "-wal"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        if let Ok(bytes) = std::fs::read(&path) {
            let raw = String::from_utf8_lossy(&bytes);
            for (what, s) in forbidden_strings() {
                if raw.contains(&s) {
                    hits.push(format!("{what} in the raw bytes of {}", path.display()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "secrets found:\n{}", hits.join("\n"));

    front.shutdown().await;
    counter.stop().await;
    cloud.stop().await.unwrap();
}

#[test]
fn a_key_file_others_can_read_is_warned_about_without_its_contents() {
    use std::os::unix::fs::PermissionsExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cloud = rt
        .block_on(IotPaySim::start(IotSimConfig::new(
            "10000576",
            MERCHANT_KEY,
        )))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("merchant.key");
    std::fs::write(&key, MERCHANT_KEY).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = Ctl::new();
    let add = || {
        // The default log level (warn), as a store would run it.
        let out = std::process::Command::new(kassactl_path())
            .arg("--db")
            .arg(c.db())
            .args(AddTerminal::iotpay(&cloud.base_url(), "10000576", &key).args())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let shared = add();
    assert!(
        shared.contains("WARN") && shared.contains("can be read by other users"),
        "a shared key file is reported: {shared}"
    );
    assert!(
        shared.contains("merchant.key"),
        "the warning names the file: {shared}"
    );
    assert!(!shared.contains(MERCHANT_KEY), "never the key itself");

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let private = add();
    assert!(
        !private.contains("can be read by other users"),
        "an owner-only key file is not reported: {private}"
    );
    rt.block_on(cloud.stop()).unwrap();
}

#[test]
fn the_card_number_search_finds_card_numbers_and_not_ids() {
    // Test numbers of the card schemes, bare, grouped and inside JSON.
    assert_eq!(
        card_numbers("pan 4111111111111111 ok"),
        ["4111111111111111"]
    );
    assert_eq!(card_numbers(r#"{"cardNo":"5555-5555-5555-4444"}"#).len(), 1);
    assert_eq!(card_numbers("4111 1111 1111 1111"), ["4111111111111111"]);
    assert_eq!(card_numbers("amex 378282246310005."), ["378282246310005"]);
    // Not card numbers: masked, failing Luhn, inside ids, too short.
    assert!(card_numbers("541333******0042").is_empty());
    assert!(card_numbers("4111111111111112").is_empty());
    assert!(card_numbers("O_4111111111111111 X4111111111111111").is_empty());
    assert!(card_numbers("000001000061").is_empty());
    assert!(has_number("exp 1022.", "1022") && !has_number("71022", "1022"));
    // Every kind of secret the day is searched for is found when it is there.
    let key_line = pem_fragments(&vector("pos_private_key_pkcs8.pem"))[1].clone();
    let leaky = format!(
        "{key_line} {MERCHANT_KEY} pin={} exp 1022 expireDate pan 4111111111111111",
        PINS[2]
    );
    let hits = scan("a leaky line", &leaky);
    for what in [
        "pos_private_key",
        "merchant key",
        "PIN",
        "expiry date",
        "expireDate",
        "card",
    ] {
        assert!(
            hits.iter().any(|h| h.contains(what)),
            "{what} not found in {hits:?}"
        );
    }
    assert_eq!(
        card_numbers(&strip_ansi(
            "card\u{1b}[0m=\u{1b}[2m4111111111111111\u{1b}[0m"
        )),
        ["4111111111111111"],
        "colour codes do not hide a number"
    );
}
