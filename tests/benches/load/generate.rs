//! Builds a ledger file with a year of a busy store's orders (one million by default) for the
//! load benchmarks, fast: the schema comes from `Ledger::open` (so it is exactly what Kassa
//! writes, at the current version), then every row is inserted in one transaction through
//! prepared statements with the secondary indexes dropped and rebuilt afterwards. About a
//! minute on the project's 2-core machines; the file is cached next to the build output and
//! reused while [`GENERATOR_VERSION`] and the order count stay the same.
//!
//! The year: 365 days ending on the day before [`end_of_data`], orders spread evenly over
//! 08:00–22:00 (+09:00), all in KRW on three terminals (N950 `front`, KICC `counter`, IOT Pay
//! `pax`). Of every 1000 orders: 20 stay open after a decline, 10 are paid after a first
//! decline, 20 are refunded in full, 20 partly, 10 with three partial refunds; the rest are
//! simply paid. The payment of the middle order ([`many_refunds`]) has five partial refunds. Each attempt
//! has the journal rows a real one has (begin, diagnosed_ok, sent, approved/declined).

use chrono::{DateTime, Duration as Days, FixedOffset, TimeZone};
use kassa_core::{CardReceipt, ManualClock};
use kassa_ledger::Ledger;
use rusqlite::{params, Connection};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bump when the generated data changes shape, so a cached file is rebuilt.
pub const GENERATOR_VERSION: u32 = 3;
/// The order whose payment has five partial refunds: the middle one.
pub fn many_refunds(total: u64) -> u64 {
    total / 2
}
/// Days of data.
pub const DAYS: i64 = 365;

fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// The first instant after the data: 2026-11-21T00:00:00+09:00. The last day of orders is
/// 2026-11-20.
pub fn end_of_data() -> DateTime<FixedOffset> {
    kst()
        .with_ymd_and_hms(2026, 11, 21, 0, 0, 0)
        .single()
        .expect("a fixed, valid date")
}

/// The order id of order number `n` at time `t`: `O{yyyymmddHHMMSS}KS{n:07}`.
pub fn order_id(n: u64, t: &DateTime<FixedOffset>) -> String {
    format!("O{}KS{n:07}", t.format("%Y%m%d%H%M%S"))
}

/// When order `n` of `total` was created: evenly spread over the opening hours of every day.
pub fn order_time(n: u64, total: u64) -> DateTime<FixedOffset> {
    let open_secs: u64 = 14 * 3600;
    let at = n * (DAYS as u64 * open_secs) / total.max(1);
    let (day, secs) = ((at / open_secs) as i64, (at % open_secs) as i64);
    end_of_data() - Days::days(DAYS) + Days::days(day) + Days::seconds(8 * 3600 + secs)
}

/// The cached file for `total` orders, generated first if missing.
pub fn ledger_file(total: u64) -> PathBuf {
    let dir = std::env::var_os("KASSA_LOAD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/kassa-load"));
    let path = dir.join(format!("ledger-{total}-g{GENERATOR_VERSION}.db"));
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create the load folder");
        let partial = dir.join(format!("ledger-{total}-g{GENERATOR_VERSION}.partial.db"));
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
        }
        let started = std::time::Instant::now();
        generate(&partial, total);
        std::fs::rename(&partial, &path).expect("move the generated ledger in place");
        eprintln!(
            "generated {total} orders in {:.1} s: {} ({} MB)",
            started.elapsed().as_secs_f64(),
            path.display(),
            std::fs::metadata(&path)
                .map(|m| m.len() / 1_000_000)
                .unwrap_or(0)
        );
    }
    path
}

/// Simple deterministic mixing of `n` into 0..1000, so the mix is the same on every run.
fn bucket(n: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) % 1000
}

/// What happens to one order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Declined,
    PaidAfterDecline,
    Paid,
    Refunds(u32, bool),
}

fn fate(n: u64, total: u64) -> Fate {
    if n == many_refunds(total) {
        return Fate::Refunds(5, false);
    }
    match bucket(n) {
        0..=19 => Fate::Declined,
        20..=29 => Fate::PaidAfterDecline,
        30..=49 => Fate::Refunds(1, true),
        50..=69 => Fate::Refunds(1, false),
        70..=79 => Fate::Refunds(3, false),
        _ => Fate::Paid,
    }
}

struct Stmts<'c> {
    order: rusqlite::Statement<'c>,
    line: rusqlite::Statement<'c>,
    attempt: rusqlite::Statement<'c>,
    journal: rusqlite::Statement<'c>,
    payment: rusqlite::Statement<'c>,
    refund: rusqlite::Statement<'c>,
}

fn iso(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

/// Writes `total` orders into a new ledger at `path`.
pub fn generate(path: &Path, total: u64) {
    // The schema exactly as this build writes it.
    let clock = Arc::new(ManualClock::at("2025-11-20T00:00:00+09:00"));
    drop(Ledger::open(path, clock).expect("create the ledger"));

    let mut conn = Connection::open(path).expect("open the ledger raw");
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
    )
    .expect("bulk-load settings");
    let indexes: Vec<(String, String)> = {
        let mut st = conn
            .prepare(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL
                 AND tbl_name IN ('orders', 'order_lines', 'attempts', 'attempt_journal',
                                  'payments', 'refunds')",
            )
            .expect("list indexes");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("list indexes")
            .collect::<Result<_, _>>()
            .expect("index rows")
    };
    let tx = conn.transaction().expect("begin");
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\";"))
            .expect("drop index");
    }
    {
        let mut s = Stmts {
            order: tx.prepare("INSERT INTO orders (id, currency, total_minor, tax_minor, status, cashier, created_at, created_ms, updated_at) VALUES (?1, 'KRW', ?2, ?3, ?4, ?5, ?6, ?7, ?8)").expect("prepare"),
            line: tx.prepare("INSERT INTO order_lines (order_id, line_no, name, quantity, unit_price_minor, tax_basis_points, tax_inclusive) VALUES (?1, ?2, ?3, ?4, ?5, 1000, 1)").expect("prepare"),
            attempt: tx.prepare("INSERT INTO attempts (request_id, kind, order_id, payment_request_id, terminal, amount_minor, currency, state, terminal_ref, reason, actor, outcome, created_at, sent_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'KRW', ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)").expect("prepare"),
            journal: tx.prepare("INSERT INTO attempt_journal (request_id, at, from_state, to_state, event, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").expect("prepare"),
            payment: tx.prepare("INSERT INTO payments (request_id, order_id, terminal, terminal_payment_id, amount_minor, currency, paid_at, terminal_paid_at, receipt, vendor_data) VALUES (?1, ?2, ?3, ?4, ?5, 'KRW', ?6, NULL, ?7, '{}')").expect("prepare"),
            refund: tx.prepare("INSERT INTO refunds (request_id, payment_request_id, terminal, terminal_refund_id, amount_minor, currency, refunded_at, vendor_data) VALUES (?1, ?2, ?3, ?4, ?5, 'KRW', ?6, '{}')").expect("prepare"),
        };
        for n in 0..total {
            write_order(&mut s, n, total);
        }
    }
    for (_, sql) in &indexes {
        tx.execute_batch(sql).expect("rebuild index");
    }
    tx.commit().expect("commit");
    // No ANALYZE: Kassa never runs it, so the planner sees what it sees in a store.
    conn.execute_batch("PRAGMA journal_mode = WAL;")
        .expect("back to WAL");
}

const TERMINALS: [&str; 3] = ["front", "counter", "pax"];
const ITEMS: [(&str, i64); 5] = [
    ("Americano", 4_500),
    ("Latte", 5_000),
    ("Bibimbap", 12_000),
    ("Cheesecake", 6_500),
    ("Cold brew", 5_500),
];

fn receipt(n: u64, terminal: &str) -> String {
    let r = CardReceipt {
        card_brand: Some(["VISA", "MASTERCARD", "BC"][(n % 3) as usize].into()),
        masked_pan: Some(format!("************{:04}", n % 10_000)),
        approval_code: Some(format!("{:08}", n % 100_000_000)),
        reference: Some(format!("{terminal}-{n:012}")),
        ..CardReceipt::default()
    };
    serde_json::to_string(&r).unwrap_or_default()
}

fn write_order(s: &mut Stmts<'_>, n: u64, total: u64) {
    let t = order_time(n, total);
    let at = iso(&t);
    let later = |secs: i64| iso(&(t + Days::seconds(secs)));
    let id = order_id(n, &t);
    let stamp = &id[1..15];
    let terminal = TERMINALS[match n % 10 {
        0..=5 => 0,
        6..=8 => 1,
        _ => 2,
    }];
    let lines = 1 + (n % 3) as usize;
    let mut sum = 0i64;
    for i in 0..lines {
        let (name, price) = ITEMS[((n as usize) + i * 7) % ITEMS.len()];
        let qty = 1 + ((n as usize + i) % 2) as i64;
        sum += price * qty;
        s.line
            .execute(params![id, i as i64 + 1, name, qty, price])
            .expect("line");
    }
    let tax = sum - (sum * 100 + 55) / 110;
    let f = fate(n, total);
    let status = match f {
        Fate::Declined => "open",
        Fate::Paid | Fate::PaidAfterDecline => "paid",
        Fate::Refunds(_, true) => "refunded",
        Fate::Refunds(_, false) => "partially-refunded",
    };
    s.order
        .execute(params![
            id,
            sum,
            tax,
            status,
            "kim",
            at,
            t.timestamp_millis(),
            later(60)
        ])
        .expect("order");
    let attempt = |s: &mut Stmts<'_>,
                   rid: &str,
                   kind: &str,
                   pay: Option<&str>,
                   amount: i64,
                   state: &str,
                   tref: Option<&str>,
                   outcome: &str,
                   secs: i64| {
        let (begin, end) = (later(secs), later(secs + 15));
        s.attempt
            .execute(params![
                rid,
                kind,
                id,
                pay,
                terminal,
                amount,
                state,
                tref,
                None::<String>,
                (kind == "refund").then_some("manager_lee"),
                outcome,
                begin,
                end
            ])
            .expect("attempt");
        let last = if state == "succeeded" {
            "approved"
        } else {
            "declined"
        };
        for (from, to, event, when) in [
            ("created", "created", "begin", &begin),
            ("created", "sending", "diagnosed_ok", &begin),
            ("sending", "awaiting", "sent", &begin),
            ("awaiting", state, last, &end),
        ] {
            s.journal
                .execute(params![rid, when, from, to, event, "{}"])
                .expect("journal");
        }
    };
    let declined =
        r#"{"kind":"declined","decline":{"code":"USER_BALANCE_NOT_ENOUGH","message":"declined"}}"#;
    if matches!(f, Fate::Declined | Fate::PaidAfterDecline) {
        let rid = format!("P{stamp}KS{n:07}D");
        attempt(s, &rid, "payment", None, sum, "failed", None, declined, 5);
    }
    if f == Fate::Declined {
        return;
    }
    let pid = format!("P{stamp}KS{n:07}");
    let tpi = format!("T{n:010}");
    let approved = format!(
        r#"{{"kind":"approved","terminal_payment_id":"{tpi}","amount":{{"currency":"KRW","minor":{sum}}}}}"#
    );
    attempt(
        s,
        &pid,
        "payment",
        None,
        sum,
        "succeeded",
        Some(&tpi),
        &approved,
        30,
    );
    s.payment
        .execute(params![
            pid,
            id,
            terminal,
            tpi,
            sum,
            later(45),
            receipt(n, terminal)
        ])
        .expect("payment");
    let Fate::Refunds(count, full) = f else {
        return;
    };
    for k in 0..count {
        let amount = if full { sum } else { (sum / 10).max(1) };
        let rid = format!("R{stamp}KS{n:07}{k}");
        let trid = format!("TR{n:010}{k}");
        let secs = 3600 * (k as i64 + 1);
        let outcome = format!(r#"{{"kind":"approved","terminal_refund_id":"{trid}"}}"#);
        attempt(
            s,
            &rid,
            "refund",
            Some(&pid),
            amount,
            "succeeded",
            Some(&trid),
            &outcome,
            secs,
        );
        s.refund
            .execute(params![rid, pid, terminal, trid, amount, later(secs + 15)])
            .expect("refund");
    }
}
