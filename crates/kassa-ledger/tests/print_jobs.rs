//! The print queue as ledger rows: jobs survive a reopen, failures are recorded with their
//! retry time on the ledger's clock, claims are leases, and a success is never overwritten.

// Test helpers outside #[test] functions may unwrap: a failed setup should stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_ledger::{Ledger, NewPrintJob, PrintCopy, PrintDocument, PrintJobState, PrintResult};
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(120);

fn sale_job(order_id: &str) -> NewPrintJob {
    NewPrintJob {
        document: PrintDocument::Sale {
            order_id: order_id.into(),
            copy: PrintCopy::Customer,
        },
        printer: "counter".into(),
        requested_by: "auto".into(),
    }
}

fn refused(retry_in: Option<Duration>) -> PrintResult {
    PrintResult::Failed {
        code: "printer-unreachable".into(),
        message: "the printer at 10.0.0.9:9100 cannot be reached".into(),
        retry_in,
    }
}

#[test]
fn a_queued_job_is_due_at_once_and_prints_once() {
    let (ledger, _clock) = memory();
    let job = ledger.enqueue_print(&sale_job("O1")).unwrap();
    assert_eq!(job.state, PrintJobState::Queued);
    assert_eq!(job.tries, 0);
    assert_eq!(
        ledger.next_print_due().unwrap(),
        Some(job.created_at.clone())
    );

    let claimed = ledger.claim_due_prints(10, LEASE).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].state, PrintJobState::Printing);
    assert_eq!(claimed[0].tries, 1, "a claim counts as a try");
    assert!(
        ledger.claim_due_prints(10, LEASE).unwrap().is_empty(),
        "a claimed job is not handed to a second worker while its lease runs"
    );

    let done = ledger
        .finish_print(
            job.id,
            &PrintResult::Printed {
                detail: "saved /x/sale_O1_customer.pdf".into(),
            },
        )
        .unwrap();
    assert_eq!(done.state, PrintJobState::Printed);
    assert!(done.printed_at.is_some());
    assert_eq!(done.next_try_at, None);
    assert!(ledger.open_prints().unwrap().is_empty());
    assert_eq!(ledger.next_print_due().unwrap(), None, "nothing waits");
}

#[test]
fn a_failure_is_recorded_and_retried_after_the_backoff_on_the_ledgers_clock() {
    let (ledger, clock) = memory();
    let job = ledger.enqueue_print(&sale_job("O1")).unwrap();
    ledger.claim_due_prints(10, LEASE).unwrap();
    let failed = ledger
        .finish_print(job.id, &refused(Some(Duration::from_secs(30))))
        .unwrap();
    assert_eq!(
        failed.state,
        PrintJobState::Queued,
        "still queued, with its error"
    );
    assert_eq!(
        failed.last_error_code.as_deref(),
        Some("printer-unreachable")
    );
    assert!(failed.last_error.as_deref().unwrap().contains("10.0.0.9"));
    assert_eq!(
        failed.next_try_at.as_deref(),
        Some("2026-11-21T10:16:00.123+09:00"),
        "30 s after the failure, in the clock's offset"
    );

    clock.advance(Duration::from_secs(29));
    assert!(
        ledger.claim_due_prints(10, LEASE).unwrap().is_empty(),
        "not before the backoff has passed"
    );
    clock.advance(Duration::from_secs(1));
    let again = ledger.claim_due_prints(10, LEASE).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].tries, 2);
    let done = ledger
        .finish_print(
            job.id,
            &PrintResult::Printed {
                detail: "sent".into(),
            },
        )
        .unwrap();
    assert_eq!(done.state, PrintJobState::Printed);
    assert_eq!(done.last_error, None, "a printed job shows no stale error");
}

#[test]
fn a_worker_that_died_mid_print_leaves_the_job_due_again_when_its_lease_runs_out() {
    let (ledger, clock) = memory();
    let job = ledger.enqueue_print(&sale_job("O1")).unwrap();
    ledger.claim_due_prints(10, LEASE).unwrap();
    assert_eq!(
        ledger.claim_print(job.id, LEASE).unwrap(),
        None,
        "held by the first worker"
    );
    clock.advance(LEASE);
    let reclaimed = ledger.claim_due_prints(10, LEASE).unwrap();
    assert_eq!(
        reclaimed.len(),
        1,
        "the lease ran out: the job is due again"
    );
    assert_eq!(reclaimed[0].tries, 2);
}

#[test]
fn giving_up_marks_it_failed_until_a_person_retries_or_cancels_it() {
    let (ledger, clock) = memory();
    let job = ledger.enqueue_print(&sale_job("O1")).unwrap();
    ledger.claim_due_prints(10, LEASE).unwrap();
    let failed = ledger.finish_print(job.id, &refused(None)).unwrap();
    assert_eq!(failed.state, PrintJobState::Failed);
    assert_eq!(failed.next_try_at, None);
    clock.advance(Duration::from_secs(3600));
    assert!(ledger.claim_due_prints(10, LEASE).unwrap().is_empty());
    assert_eq!(ledger.open_prints().unwrap().len(), 1, "still visible");

    let retried = ledger.retry_print(job.id).unwrap();
    assert_eq!(retried.state, PrintJobState::Queued);
    assert_eq!(ledger.claim_due_prints(10, LEASE).unwrap().len(), 1);
    ledger.finish_print(job.id, &refused(None)).unwrap();

    let cancelled = ledger.cancel_print(job.id).unwrap();
    assert_eq!(cancelled.state, PrintJobState::Cancelled);
    assert!(ledger.open_prints().unwrap().is_empty());
    assert_eq!(ledger.claim_print(job.id, LEASE).unwrap(), None);
}

#[test]
fn a_late_failure_never_overwrites_a_print_that_succeeded() {
    let (ledger, clock) = memory();
    let job = ledger.enqueue_print(&sale_job("O1")).unwrap();
    ledger.claim_due_prints(10, LEASE).unwrap();
    clock.advance(LEASE);
    // A second worker takes over after the lease and prints it ...
    ledger.claim_due_prints(10, LEASE).unwrap();
    ledger
        .finish_print(
            job.id,
            &PrintResult::Printed {
                detail: "ok".into(),
            },
        )
        .unwrap();
    // ... then the first one reports its failure.
    let after = ledger
        .finish_print(job.id, &refused(Some(Duration::from_secs(5))))
        .unwrap();
    assert_eq!(after.state, PrintJobState::Printed);
    assert_eq!(after.last_error, None);
}

#[test]
fn claiming_one_job_ignores_its_backoff_so_print_now_prints_now() {
    let (ledger, _clock) = memory();
    let job = ledger.enqueue_print(&sale_job("O1")).unwrap();
    ledger.claim_due_prints(10, LEASE).unwrap();
    ledger
        .finish_print(job.id, &refused(Some(Duration::from_secs(600))))
        .unwrap();
    let now = ledger.claim_print(job.id, LEASE).unwrap().unwrap();
    assert_eq!(now.state, PrintJobState::Printing);
    assert_eq!(now.tries, 2);
}

#[test]
fn jobs_are_listed_by_document_and_survive_a_reopen() {
    let (ledger, clock, path, _dir) = file();
    paid_order(&ledger, &clock, "O1", "P1", 10_000);
    let first = ledger.enqueue_print(&sale_job("O1")).unwrap();
    let merchant = NewPrintJob {
        document: PrintDocument::Sale {
            order_id: "O1".into(),
            copy: PrintCopy::Merchant,
        },
        ..sale_job("O1")
    };
    ledger.enqueue_print(&merchant).unwrap();
    let z = NewPrintJob {
        document: PrintDocument::ZReport {
            day: "2026-11-21".into(),
        },
        printer: "office".into(),
        requested_by: "manager_lee".into(),
    };
    ledger.enqueue_print(&z).unwrap();
    drop(ledger);

    let ledger = Ledger::open(&path, clock).unwrap();
    let customer = ledger.prints_of(&sale_job("O1").document).unwrap();
    assert_eq!(customer, vec![first], "the customer copy only, as it was");
    assert_eq!(ledger.open_prints().unwrap().len(), 3);
    let recent = ledger.recent_prints(2).unwrap();
    assert_eq!(recent.len(), 2);
    assert_eq!(
        recent[0].document,
        PrintDocument::ZReport {
            day: "2026-11-21".into()
        },
        "newest first"
    );
}

#[test]
fn an_unknown_job_is_not_found() {
    let (ledger, _clock) = memory();
    let err = ledger.retry_print(42).unwrap_err();
    assert_eq!(err.code(), "not-found");
    assert_eq!(ledger.print_job(42).unwrap(), None);
}
