//! The fault-matrix runner: each row scripts one fault into a fresh simulator, rings up one
//! sale through the real `kassactl`, and checks what the cashier is told (exit code, status,
//! key words of the message), what the ledger holds (the attempt's state, the reason it went
//! through *unknown*, the invariants) and what the terminal did (charged or not).

use super::ledger::assert_invariants;
use super::rig::{Kind, Rig, SALE};
use std::path::PathBuf;

/// One fault and what must come of it.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The fault, as the table names it.
    pub fault: &'static str,
    /// Scripts the simulator (after the terminal is added, before the sale).
    pub script: fn(&Rig),
    /// Timing flags that differ from [`DEFAULT_TIMING`].
    pub timing: &'static [(&'static str, &'static str)],
    /// Ring up one approved sale first (a replay needs an earlier answer).
    pub earlier_sale: bool,
    /// kassactl's exit code.
    pub exit: i32,
    /// The attempt's final state in the ledger (and the status the cashier sees).
    pub state: &'static str,
    /// Whether the terminal charged the card.
    pub charged: bool,
    /// The reason the attempt went through *unknown* (`lost` in its journal), if it did.
    pub lost: Option<&'static str>,
    /// Words the cashier's message must contain (case-insensitive).
    pub words: &'static [&'static str],
}

/// A fault that does not apply to a protocol, and why.
#[derive(Debug, Clone, Copy)]
pub struct NotApplicable {
    /// The fault.
    pub fault: &'static str,
    /// Why it cannot happen on this protocol (or which row covers it).
    pub why: &'static str,
}

/// Timing every row starts from: quick polling, and limits long enough that no outcome
/// depends on how loaded the machine is — an answer that comes is never cut off, and
/// recovery ends as soon as the terminal says how the payment ended. A row whose fault needs
/// a limit to pass (a timeout, a terminal that never says) sets its own, and expects the
/// same outcome however late the limit falls.
pub const DEFAULT_TIMING: &[(&str, &str)] = &[
    ("--pay-timeout", "30s"),
    ("--poll-interval", "20ms"),
    ("--recovery-window", "60s"),
];

/// For a terminal that never says how the payment ended: recovery gives up soon, and a
/// manager decides.
pub const GIVE_UP_SOON: (&str, &str) = ("--recovery-window", "2s");

/// What one row produced.
#[derive(Debug, Clone)]
struct Seen {
    exit: i32,
    state: String,
    charged: bool,
    lost: Option<String>,
    message: String,
}

fn timing(row: &Row) -> Vec<(&'static str, &'static str)> {
    let mut t: Vec<_> = DEFAULT_TIMING.to_vec();
    for (flag, value) in row.timing {
        match t.iter_mut().find(|(f, _)| f == flag) {
            Some(slot) => slot.1 = value,
            None => t.push((flag, value)),
        }
    }
    t
}

async fn run_row(kind: Kind, exe: PathBuf, row: &Row) -> Seen {
    let rig = Rig::start(kind, exe).await;
    rig.add_terminal(&timing(row));
    if row.earlier_sale {
        let first = rig.ctl.run(SALE);
        assert_eq!(
            first.code, 0,
            "{}: the earlier sale {:?}",
            row.fault, first.lines
        );
    }
    (row.script)(&rig);
    let r = rig.ctl.run(SALE);
    let out = r.result().clone();
    let rid = out["payment_request_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no payment in {:?} {}", row.fault, r.lines, r.stderr))
        .to_string();
    let order = out["order_id"].as_str().unwrap_or_default().to_string();
    let detail = rig.ctl.run(&["order", &order]);
    let journal = detail.result()["attempts"][0]["journal"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let lost = journal.iter().find(|j| j["event"] == "lost").map(|j| {
        j["detail"]["reason"]["kind"]
            .as_str()
            .unwrap_or("?")
            .to_string()
    });
    let charges = rig.charges();
    let books = assert_invariants(&rig.db(), &charges, &rig.refunds());
    assert_eq!(
        books.state(&rid),
        out["status"].as_str().unwrap_or_default(),
        "{}: the cashier sees the ledger's state",
        row.fault
    );
    let seen = Seen {
        exit: r.code,
        state: books.state(&rid).to_string(),
        charged: charges.contains_key(&rid),
        lost,
        message: out["message"].as_str().unwrap_or_default().to_string(),
    };
    rig.stop().await;
    seen
}

fn mismatches(row: &Row, s: &Seen) -> Vec<String> {
    let mut bad = Vec::new();
    if s.exit != row.exit {
        bad.push(format!("exit {} (want {})", s.exit, row.exit));
    }
    if s.state != row.state {
        bad.push(format!("state {} (want {})", s.state, row.state));
    }
    if s.charged != row.charged {
        bad.push(format!("charged {} (want {})", s.charged, row.charged));
    }
    if s.lost.as_deref() != row.lost {
        bad.push(format!("lost {:?} (want {:?})", s.lost, row.lost));
    }
    let message = s.message.to_lowercase();
    for w in row.words {
        if !message.contains(&w.to_lowercase()) {
            bad.push(format!("message {:?} lacks {w:?}", s.message));
        }
    }
    bad
}

/// Runs every row (each on its own simulator and ledger), prints the table as observed, and
/// fails listing every row that did not come out as its expectation says.
pub async fn run(kind: Kind, exe: PathBuf, rows: &[Row], not_applicable: &[NotApplicable]) {
    let mut table = vec![format!(
        "| {} fault | exit | ledger | charged | went through unknown as | cashier is told |",
        kind.label()
    )];
    table.push("|---|---|---|---|---|---|".into());
    let mut failures = Vec::new();
    for row in rows {
        let s = run_row(kind, exe.clone(), row).await;
        table.push(format!(
            "| {} | {} | {} | {} | {} | {} |",
            row.fault,
            s.exit,
            s.state,
            if s.charged { "yes" } else { "no" },
            s.lost.as_deref().unwrap_or("—"),
            s.message
        ));
        let bad = mismatches(row, &s);
        if !bad.is_empty() {
            failures.push(format!("{}: {}", row.fault, bad.join("; ")));
        }
    }
    for na in not_applicable {
        table.push(format!("| {} | n/a: {} | | | | |", na.fault, na.why));
    }
    eprintln!("{}", table.join("\n"));
    assert!(
        failures.is_empty(),
        "rows that failed:\n{}",
        failures.join("\n")
    );
}
