//! Power loss: a child process writes to a real ledger file as fast as it can (orders and
//! payment attempts through every state, each step one transaction with WAL and
//! `synchronous=FULL`), and the test freezes it with SIGSTOP at arbitrary moments, copies the
//! database file and its `-wal` as they are at that instant (what a power cut leaves), lets it
//! run on, and finally kills it with SIGKILL and copies once more. Every copy must open, pass
//! `PRAGMA integrity_check`, and hold every attempt the writer had reported committed before
//! the freeze, in a state at least as far along as reported.
//!
//! A freeze lands inside a transaction's WAL writes only by chance (the ledger's transactions
//! are small), so a second test makes it certain: the writer commits attempts through the
//! ledger, then opens a write transaction of its own that spills uncommitted pages into the
//! WAL and stops there; the copy taken then must still open intact with every committed
//! attempt and none of the uncommitted rows.
//!
//! The writer is this test binary run again (the ignored test `power_loss_writer`), so it is
//! the real `kassa-ledger` code that writes. The copies skip `-shm`, which SQLite rebuilds.
//!
//! Run: `cargo test -p kassa-acceptance --test power_loss -- --nocapture` (prints how many
//! copies caught a transaction half-written).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kassa_core::{
    Approval, CardReceipt, Currency, Money, OrderLine, RequestId, SystemClock, TaxRate,
};
use kassa_ledger::{Ledger, NewOrder, NewPaymentAttempt, Transition};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the writer writes (set only for the child).
const DB_ENV: &str = "KASSA_POWER_LOSS_DB";
/// Set for a writer that stops inside an open write transaction after a few attempts.
const HOLD_ENV: &str = "KASSA_POWER_LOSS_HOLD";
/// Attempts the holding writer commits before it opens its never-committed transaction.
const HOLD_AFTER: u64 = 10;
/// Rows the never-committed transaction inserts (ids start with `U`).
const UNCOMMITTED_ROWS: usize = 400;
/// How many times the writer is frozen and copied.
const SNAPSHOTS: usize = 100;
/// States in the order an approved payment passes them.
const STATES: [&str; 4] = ["created", "sending", "awaiting", "succeeded"];

/// The writer half: only does something when started by the test below with [`DB_ENV`].
#[test]
#[ignore = "the writer half of the power-loss test; the test starts it as a child process"]
fn power_loss_writer() {
    let Ok(db) = std::env::var(DB_ENV) else {
        return;
    };
    let ledger = Ledger::open(Path::new(&db), Arc::new(SystemClock)).expect("open the ledger");
    let tag = std::process::id();
    let hold = std::env::var(HOLD_ENV).is_ok();
    for n in 0u64.. {
        if hold && n == HOLD_AFTER {
            hold_open_transaction(Path::new(&db));
        }
        let order = ledger
            .create_order(&NewOrder {
                id: RequestId::parse(&format!("O{tag}x{n}")).unwrap(),
                currency: Currency::KRW,
                lines: vec![OrderLine {
                    name: "Americano".into(),
                    quantity: 1,
                    unit_price_minor: 4500 + n as i64 % 7,
                    tax: TaxRate::NONE,
                }],
                cashier: "power".into(),
            })
            .expect("create order");
        let rid = format!("P{tag}x{n}");
        ledger
            .begin_payment_attempt(&NewPaymentAttempt {
                request_id: RequestId::parse(&rid).unwrap(),
                order_id: order.id.clone(),
                terminal: "front".into(),
                amount: order.totals.total,
            })
            .expect("begin attempt");
        report(&rid, "created");
        ledger
            .transition(&rid, Transition::DiagnosedOk)
            .expect("sending");
        report(&rid, "sending");
        ledger.transition(&rid, Transition::Sent).expect("awaiting");
        report(&rid, "awaiting");
        let approval = Approval {
            terminal_payment_id: format!("T{tag}x{n}"),
            amount: Money::new(order.totals.total.minor, Currency::KRW),
            paid_at: None,
            receipt: CardReceipt::default(),
            vendor_data: serde_json::json!({}),
        };
        ledger
            .transition(&rid, Transition::Approved(approval))
            .expect("succeeded");
        report(&rid, "succeeded");
    }
}

/// Opens a write transaction on the ledger that spills uncommitted pages into the WAL (a
/// one-page cache forces it), says so, and waits there to be killed.
fn hold_open_transaction(db: &Path) -> ! {
    let mut c = rusqlite::Connection::open(db).expect("second connection");
    c.pragma_update(None, "cache_size", 1).expect("tiny cache");
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("begin");
    for i in 0..UNCOMMITTED_ROWS {
        tx.execute(
            "INSERT INTO orders (id, currency, total_minor, tax_minor, status, cashier,
                                 created_at, created_ms, updated_at)
             VALUES (?1, 'KRW', 1000, 0, 'open', 'uncommitted', '2026-11-21T10:00:00+09:00',
                     0, '2026-11-21T10:00:00+09:00')",
            [format!("U{i}-{}", "x".repeat(200))],
        )
        .expect("insert");
    }
    println!("holding");
    loop {
        std::thread::park();
    }
}

/// Printed only after the transaction returned, i.e. committed.
fn report(rid: &str, state: &str) {
    println!("committed {rid} {state}");
}

fn rank(state: &str) -> usize {
    STATES
        .iter()
        .position(|s| *s == state)
        .unwrap_or_else(|| panic!("unexpected state {state:?}"))
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success(), "kill {sig} {pid}");
}

/// Frames at the end of a WAL file that belong to no committed transaction (a transaction was
/// being written when the copy was taken). Frames of an older WAL generation do not count.
fn uncommitted_tail(wal: &[u8]) -> usize {
    if wal.len() < 32 {
        return 0;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let page = be(&wal[8..12]) as usize;
    let salt = &wal[16..24];
    let (mut frames, mut last_commit) = (0usize, None);
    let mut at = 32;
    while at + 24 + page <= wal.len() && &wal[at + 8..at + 16] == salt {
        if be(&wal[at + 4..at + 8]) != 0 {
            last_commit = Some(frames);
        }
        frames += 1;
        at += 24 + page;
    }
    frames - last_commit.map_or(0, |i| i + 1)
}

/// Copies the ledger and its WAL to `to` (+ `-wal`); returns the uncommitted tail found.
fn copy(db: &Path, to: &Path) -> usize {
    std::fs::copy(db, to).expect("copy the database file");
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    match std::fs::read(&wal) {
        Ok(bytes) => {
            std::fs::write(format!("{}-wal", to.display()), &bytes).expect("copy the WAL");
            uncommitted_tail(&bytes)
        }
        Err(_) => 0,
    }
}

/// Opens a copy as SQLite would after a power cut and checks it against what was reported.
fn check_copy(copy: &Path, reported: &BTreeMap<String, String>) -> usize {
    let c = rusqlite::Connection::open(copy).expect("the copy opens");
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs");
    assert_eq!(integrity, "ok", "{}", copy.display());
    let mut st = c
        .prepare("SELECT request_id, state FROM attempts")
        .expect("read attempts");
    let held: BTreeMap<String, String> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("attempts")
        .collect::<Result<_, _>>()
        .expect("attempt rows");
    for (rid, state) in reported {
        let got = held
            .get(rid)
            .unwrap_or_else(|| panic!("{}: committed attempt {rid} is missing", copy.display()));
        assert!(
            rank(got) >= rank(state),
            "{}: {rid} is {got}, but {state} was committed",
            copy.display()
        );
    }
    let payments: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM payments p JOIN attempts a ON a.request_id = p.request_id
             WHERE a.state = 'succeeded'",
            [],
            |r| r.get(0),
        )
        .expect("count payments");
    let succeeded = held.values().filter(|s| *s == "succeeded").count();
    assert_eq!(
        payments as usize, succeeded,
        "every succeeded attempt has its payment"
    );
    let uncommitted: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM orders WHERE cashier = 'uncommitted'",
            [],
            |r| r.get(0),
        )
        .expect("count uncommitted");
    assert_eq!(uncommitted, 0, "rows of a transaction that never committed");
    held.len()
}

/// A running writer: the child, the attempts it reported committed (request id → state), a
/// flag set once it holds its transaction open, and the thread reading its output.
type Writer = (
    std::process::Child,
    Arc<Mutex<BTreeMap<String, String>>>,
    Arc<Mutex<bool>>,
    std::thread::JoinHandle<()>,
);

/// Starts the writer on `db` (holding an open transaction after a few attempts if `hold`).
fn start_writer(db: &Path, hold: bool) -> Writer {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args(["--exact", "power_loss_writer", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(DB_ENV, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if hold {
        cmd.env(HOLD_ENV, "1");
    }
    let mut child = cmd.spawn().expect("start the writer");
    let reported = Arc::new(Mutex::new(BTreeMap::<String, String>::new()));
    let holding = Arc::new(Mutex::new(false));
    let stdout = child.stdout.take().expect("piped stdout");
    let (sink, flag) = (reported.clone(), holding.clone());
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line == "holding" {
                *flag.lock().unwrap() = true;
            } else if let Some(rest) = line.strip_prefix("committed ") {
                if let Some((rid, state)) = rest.split_once(' ') {
                    let mut m = sink.lock().unwrap();
                    m.insert(rid.to_string(), state.to_string());
                }
            }
        }
    });
    (child, reported, holding, reader)
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let end = std::time::Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(
            std::time::Instant::now() < end,
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_copy_taken_inside_an_open_write_transaction_holds_only_what_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("kassa.db");
    let (mut child, reported, holding, reader) = start_writer(&db, true);
    wait_for("the writer to hold its transaction open", || {
        *holding.lock().unwrap()
    });
    let snapshot = reported.lock().unwrap().clone();
    assert_eq!(snapshot.len() as u64, HOLD_AFTER, "{snapshot:?}");
    let to = dir.path().join("mid-transaction.db");
    let tail = copy(&db, &to);
    assert!(
        tail > 0,
        "the WAL copy holds frames of the open transaction (found {tail})"
    );
    child.kill().expect("SIGKILL the writer");
    let _ = child.wait();
    reader.join().expect("reader thread");
    let held = check_copy(&to, &snapshot);
    assert_eq!(
        held as u64, HOLD_AFTER,
        "every committed attempt, nothing else"
    );
    // The live file, after the kill, recovers the same way.
    let after = dir.path().join("after-kill.db");
    copy(&db, &after);
    assert_eq!(check_copy(&after, &snapshot) as u64, HOLD_AFTER);
    eprintln!(
        "power loss: a copy taken inside an open transaction ({tail} uncommitted WAL frames) \
         opened intact with all {HOLD_AFTER} committed attempts and none of its rows"
    );
}

#[test]
fn copies_taken_mid_write_open_intact_with_every_committed_attempt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("kassa.db");
    let (mut child, reported, _, reader) = start_writer(&db, false);
    let pid = child.id();
    wait_for("the writer to write", || {
        reported.lock().unwrap().len() >= 5
    });

    let (mut mid_write, mut max_attempts) = (0, 0);
    for i in 0..SNAPSHOTS {
        // Let it write a varying while (pacing only; nothing depends on where it stops).
        std::thread::sleep(Duration::from_millis(3 + (i as u64 * 13) % 29));
        signal(pid, "-STOP");
        let snapshot = reported.lock().unwrap().clone();
        let to = dir.path().join(format!("copy{i}.db"));
        if copy(&db, &to) > 0 {
            mid_write += 1;
        }
        signal(pid, "-CONT");
        max_attempts = max_attempts.max(check_copy(&to, &snapshot));
    }
    child.kill().expect("SIGKILL the writer");
    let status = child.wait().expect("reap the writer");
    assert!(!status.success(), "the writer was killed: {status:?}");
    reader.join().expect("reader thread");
    let last = reported.lock().unwrap().clone();
    let to = dir.path().join("killed.db");
    copy(&db, &to);
    let held = check_copy(&to, &last);
    eprintln!(
        "power loss: {SNAPSHOTS} frozen copies, {mid_write} caught a transaction half-written \
         in the WAL, up to {max_attempts} attempts each; after SIGKILL {held} attempts held, \
         {} reported committed",
        last.len()
    );
}
