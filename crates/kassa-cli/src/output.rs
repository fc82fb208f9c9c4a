//! How kassactl prints: plain sentences for people, or one JSON value per line with `--json`.

use kassa_app::{OrderDetail, PaymentReport, RecoveryReport, RefundReport, TerminalView};
use kassa_app::{PrinterConfig, PrinterStatus, PrinterTarget, StoreSettings};
use kassa_core::{Phase, TerminalEvent};
use kassa_ledger::{AuditEntry, AuditVerification, OrderSummary};
use kassa_ledger::{PrintDocument, PrintJob, PrintJobState};
use serde::Serialize;
use std::sync::Mutex;

/// Output mode.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// JSON lines instead of text.
    pub json: bool,
}

fn print_json<T: Serialize>(v: &T) {
    match serde_json::to_string(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("cannot print the result as JSON: {e}"),
    }
}

impl Out {
    /// An error: JSON `{"error": {code, message}}` on stdout with --json, else a sentence on
    /// stderr.
    pub fn error(&self, code: &str, message: &str) {
        if self.json {
            print_json(&serde_json::json!({"error": {"code": code, "message": message}}));
        } else {
            eprintln!("error: {message}");
        }
    }

    /// Any value with its text form.
    pub fn value(&self, v: &serde_json::Value, text: &str) {
        if self.json {
            print_json(v);
        } else {
            println!("{text}");
        }
    }

    /// A payment outcome.
    pub fn payment(&self, r: &PaymentReport) {
        if self.json {
            return print_json(r);
        }
        println!("order            {}", r.order_id);
        println!("payment request  {}", r.payment_request_id);
        println!("terminal         {}", r.terminal);
        println!("status           {}", r.status);
        if let Some(p) = &r.payment_id {
            println!("payment id       {p}");
        }
        println!("amount           {} {}", r.amount, r.currency);
        println!("{}", r.message);
    }

    /// A refund outcome.
    pub fn refund(&self, r: &RefundReport) {
        if self.json {
            return print_json(r);
        }
        println!("refund request   {}", r.refund_request_id);
        println!("payment request  {}", r.payment_request_id);
        println!("status           {}", r.status);
        if let Some(id) = &r.refund_id {
            println!("refund id        {id}");
        }
        println!("amount           {} {}", r.amount, r.currency);
        println!("still refundable {} {}", r.refundable_after, r.currency);
        println!("{}", r.message);
    }

    /// What a reconciliation pass did.
    pub fn recovery(&self, r: &RecoveryReport) {
        if self.json {
            return print_json(&serde_json::json!({"recovery": r}));
        }
        println!(
            "reconciled {} attempt(s): {} succeeded, {} failed, {} need a manager{}",
            r.examined,
            r.succeeded.len(),
            r.failed.len(),
            r.needs_manager.len(),
            if r.needs_manager.is_empty() {
                String::new()
            } else {
                format!(
                    " ({}): check the terminal, then `kassactl resolve`",
                    r.needs_manager.join(", ")
                )
            }
        );
        if !r.running_elsewhere.is_empty() {
            println!(
                "running in another Kassa process, left to it: {}",
                r.running_elsewhere.join(", ")
            );
        }
        for f in &r.errors {
            println!("could not recover {} now: {}", f.request_id, f.message);
        }
    }

    /// Terminals.
    /// The store settings ids and reports use.
    pub fn store_settings(&self, s: &StoreSettings) {
        let v = serde_json::json!({
            "name": s.name,
            "currency": s.currency,
            "store_code": s.store_code,
            "till_code": s.till_code,
            "time_zone": s.time_zone,
        });
        let text = format!(
            "store {} ({})\nstore code {}\ntill code  {}\ntime zone  {}",
            s.name, s.currency, s.store_code, s.till_code, s.time_zone
        );
        self.value(&v, &text);
    }

    pub fn terminals(&self, list: &[TerminalView]) {
        if self.json {
            return print_json(&list);
        }
        if list.is_empty() {
            println!("no terminals: add one with `kassactl terminal add`");
        }
        for t in list {
            let mark = if t.is_default { "*" } else { " " };
            let note = t.problem.as_deref().unwrap_or("");
            println!("{mark} {:<16} {:<10} {note}", t.name, t.kind);
        }
    }

    /// Orders.
    pub fn orders(&self, list: &[OrderSummary]) {
        if self.json {
            return print_json(&list);
        }
        for o in list {
            println!(
                "{:<28} {:<19} {:<18} {:>16} {}",
                o.id,
                o.created_at.get(..19).unwrap_or(&o.created_at),
                serde_json::to_value(o.status)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                o.total.display(),
                o.terminal.as_deref().unwrap_or("-")
            );
        }
    }

    /// One order with its journal.
    pub fn order_detail(&self, d: &OrderDetail) {
        if self.json {
            return print_json(d);
        }
        println!(
            "order {} — {} — {}",
            d.order.id,
            d.order.totals.total.display(),
            serde_json::to_value(d.order.status)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        );
        for l in &d.order.lines {
            println!(
                "  {} x{} @ {}",
                l.name,
                l.quantity,
                kassa_core::Money::new(l.unit_price_minor, d.order.currency).display()
            );
        }
        for t in &d.attempts {
            println!(
                "attempt {} ({:?}) on {}: {}",
                t.attempt.request_id, t.attempt.kind, t.attempt.terminal, t.attempt.state
            );
            for j in &t.journal {
                println!("  {}  {} → {}  {}", j.at, j.from, j.to, j.event);
            }
        }
        if let Some(r) = &d.refundable {
            println!("still refundable: {r}");
        }
    }

    /// The audit log.
    pub fn audit(&self, log: &[AuditEntry]) {
        if self.json {
            return print_json(&log);
        }
        for e in log {
            println!("{} {} {} {}", e.at, e.actor, e.action, e.detail);
        }
    }

    /// The verdict of `audit verify`: `{intact, entries, head_hash, first_break, message}`
    /// with --json; with text, one line on stdout when intact, else the first bad entry and
    /// what to do on stderr.
    pub fn audit_verification(&self, v: &AuditVerification) {
        let message = match &v.first_break {
            None => format!(
                "the audit log is intact: {} entries, last hash {}",
                v.entries, v.head_hash
            ),
            Some(b) => format!(
                "the audit log is NOT intact: {b}. Keep this ledger file as evidence, restore \
                 the last backup that verifies, and tell the store owner"
            ),
        };
        if self.json {
            return print_json(&serde_json::json!({
                "intact": v.is_intact(),
                "entries": v.entries,
                "head_hash": v.head_hash,
                "first_break": v.first_break,
                "message": message,
            }));
        }
        if v.is_intact() {
            println!("{message}");
        } else {
            eprintln!("{message}");
        }
    }

    /// A print job as it stands.
    pub fn print_job(&self, j: &PrintJob) {
        if self.json {
            return print_json(j);
        }
        let doc = match &j.document {
            PrintDocument::Sale { order_id, copy } => format!("receipt {order_id} ({copy:?})"),
            PrintDocument::Refund { refund_id, copy } => format!("refund {refund_id} ({copy:?})"),
            PrintDocument::KioskWait { attempt_id } => format!("wait slip {attempt_id}"),
            PrintDocument::ZReport { day } => format!("Z report {day}"),
        };
        println!(
            "job {} {doc} on {:?}: {}",
            j.id,
            j.printer,
            j.state.as_str()
        );
        if let Some(d) = j
            .detail
            .as_deref()
            .filter(|_| j.state == PrintJobState::Printed)
        {
            println!("  {d}");
        } else if let Some(e) = &j.last_error {
            println!("  {e}");
            if let Some(at) = &j.next_try_at {
                println!("  next try {at} (or `kassactl printer retry {}`)", j.id);
            }
        }
    }

    /// Printers, the queue's status and the jobs still waiting.
    pub fn printers(&self, list: &[PrinterConfig], status: &PrinterStatus, jobs: &[PrintJob]) {
        if self.json {
            // The jobs are listed once, beside the status, not inside it as well.
            let mut status = serde_json::to_value(status).unwrap_or_default();
            if let Some(o) = status.as_object_mut() {
                o.remove("jobs");
            }
            return print_json(
                &serde_json::json!({"printers": list, "status": status, "jobs": jobs}),
            );
        }
        if list.is_empty() {
            println!("no printers: add one with `kassactl printer add`");
        }
        for p in list {
            let mark = if p.is_default { "*" } else { " " };
            let target = match &p.target {
                PrinterTarget::Cups { queue, server, .. } if server.is_empty() => {
                    format!("cups {queue}")
                }
                PrinterTarget::Cups { queue, server, .. } => format!("cups {queue} on {server}"),
                PrinterTarget::Folder { dir } => format!("folder {}", dir.display()),
                PrinterTarget::Escpos { addr } => format!("escpos {addr}"),
            };
            println!("{mark} {:<16} {:<6} {target}", p.name, p.paper.label());
        }
        println!("{}", status.message);
        for j in jobs {
            self.print_job(j);
        }
    }

    /// A sink printing each terminal event as it arrives, with the seconds left on the
    /// countdown: `{"event": CODE, "countdownSeconds": N|null}` per line with --json.
    pub fn event_sink(&self) -> EventPrinter {
        EventPrinter {
            json: self.json,
            left: Mutex::new(None),
        }
    }
}

/// Prints events; keeps the countdown the way the payment dialog does.
#[derive(Debug)]
pub struct EventPrinter {
    json: bool,
    left: Mutex<Option<u32>>,
}

impl kassa_core::EventSink for EventPrinter {
    fn emit(&self, e: TerminalEvent) {
        let left = {
            let mut g = self.left.lock().unwrap_or_else(|p| p.into_inner());
            *g = e.countdown.apply(*g);
            *g
        };
        let code = if e.vendor_code.is_empty() {
            phase_code(&e.phase)
        } else {
            e.vendor_code.clone()
        };
        if self.json {
            print_json(&serde_json::json!({"event": code, "countdownSeconds": left}));
        } else {
            let secs = left.map(|s| format!(" ({s} s)")).unwrap_or_default();
            eprintln!("… {}{secs}", phase_text(&e.phase));
        }
    }
}

fn phase_code(p: &Phase) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| {
            v.get("phase")
                .and_then(|s| s.as_str())
                .map(|s| s.to_uppercase().replace('-', "_"))
        })
        .unwrap_or_default()
}

fn phase_text(p: &Phase) -> String {
    match p {
        Phase::Diagnosing => "checking the terminal".into(),
        Phase::OnTerminal => "complete the payment on the terminal".into(),
        Phase::WaitingForCard => "insert or tap card".into(),
        Phase::CardDetected => "card detected".into(),
        Phase::CardRead => "card read".into(),
        Phase::Signature => "customer signing".into(),
        Phase::Authorising => "authorising".into(),
        Phase::Cancelling => "cancelling".into(),
        Phase::Instruction { instruction } => format!("terminal asks: {instruction:?}"),
        Phase::DeviceInitialising => "terminal initialising".into(),
        Phase::Recovering {
            tries,
            elapsed_secs,
            window_secs,
        } => format!(
            "answer lost — asking the terminal (try {tries}, {elapsed_secs}/{window_secs} s)"
        ),
    }
}
