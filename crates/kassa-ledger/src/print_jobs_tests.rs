//! Unit tests of the print queue's table: the upgrade of an old file and the constraints
//! that hold whatever the code does.

use super::*;
use crate::{attempts, audit, order_lines, orders, payments, refunds, schema, settings};
use kassa_core::ManualClock;
use std::sync::Arc;

/// A ledger file as the first release wrote it (schema version 1), with an order.
fn version_1_file(path: &std::path::Path) {
    let conn = Connection::open(path).unwrap();
    for sql in [
        orders::V1,
        order_lines::V1,
        attempts::V1,
        payments::V1,
        refunds::V1,
        crate::terminals::V1,
        settings::V1,
        audit::V1,
    ] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "application_id", schema::APPLICATION_ID)
        .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute(
        "INSERT INTO orders (id, currency, total_minor, tax_minor, status, cashier,
                             created_at, created_ms, updated_at)
         VALUES ('O1', 'KRW', 4500, 409, 'open', 'kim', '2026-11-20T09:00:00.000+09:00',
                 1795651200000, '2026-11-20T09:00:00.000+09:00')",
        [],
    )
    .unwrap();
}

#[test]
fn a_file_from_before_the_print_queue_upgrades_and_keeps_its_orders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    version_1_file(&path);
    let clock = Arc::new(ManualClock::at("2026-11-21T10:00:00+09:00"));
    let ledger = Ledger::open(&path, clock).unwrap();
    let version: u32 = ledger
        .read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(version, schema::latest(), "upgraded to this build's schema");
    assert!(
        ledger.order("O1").unwrap().is_some(),
        "the old order is kept"
    );
    let job = ledger
        .enqueue_print(&NewPrintJob {
            document: PrintDocument::Sale {
                order_id: "O1".into(),
                copy: PrintCopy::Customer,
            },
            printer: "counter".into(),
            requested_by: "auto".into(),
        })
        .unwrap();
    assert_eq!(job.state, PrintJobState::Queued, "the new table works");
}

#[test]
fn the_database_refuses_a_sale_job_without_a_copy() {
    let clock = Arc::new(ManualClock::at("2026-11-21T10:00:00+09:00"));
    let ledger = Ledger::open_in_memory(clock).unwrap();
    let err = ledger.write(|tx, now| {
        tx.execute(
            "INSERT INTO print_jobs (doc_kind, doc_ref, printer, state, requested_by,
                                     created_at, updated_at)
             VALUES ('sale', 'O1', 'counter', 'queued', 'auto', ?1, ?1)",
            [&now.text],
        )?;
        Ok(())
    });
    assert!(
        err.is_err(),
        "the CHECK constraint holds whatever the code does"
    );
}
