//! The print queue against real printers' peers: a folder, an ESC/POS listener on
//! 127.0.0.1, a port where nothing listens. Failures are recorded on the job and shown on the
//! status bar with what to do; retries wait on the manual clock, never on real time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kassa_app::{PrinterConfig, PrinterHealth, PrinterTarget};
use kassa_ledger::{PrintCopy, PrintDocument, PrintJobState};
use kassa_receipt::escpos::{CUT, INIT, RASTER_HEADER};
use kassa_receipt::Paper;
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

const ORDER: &str = "O20261121101530ST01000";
const PAY: &str = "P20261121101530ST01001";
const REFUND: &str = "R20261121101600ST01002";

fn folder_printer(r: &Rig) -> PrinterConfig {
    let dir = r.dir.path().join("receipts");
    std::fs::create_dir_all(&dir).unwrap();
    PrinterConfig {
        name: "office".into(),
        target: PrinterTarget::Folder { dir },
        paper: Paper::Mm80,
        is_default: false,
    }
}

fn escpos(addr: &str) -> PrinterConfig {
    PrinterConfig {
        name: "counter".into(),
        target: PrinterTarget::Escpos { addr: addr.into() },
        paper: Paper::Mm58,
        is_default: true,
    }
}

/// A port on 127.0.0.1 where nothing listens (connections are refused).
fn dead_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    drop(l);
    addr
}

/// A one-job thermal printer: accepts once, reads until the client closes.
fn printer_port(addr: &str) -> std::thread::JoinHandle<Vec<u8>> {
    let l = TcpListener::bind(addr).unwrap();
    std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut bytes = Vec::new();
        c.read_to_end(&mut bytes).unwrap();
        bytes
    })
}

#[tokio::test]
async fn a_reprint_goes_through_the_queue_into_the_folder() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    r.svc.save_printer(folder_printer(&r), "manager").unwrap();
    let job = r
        .svc
        .reprint(ORDER, PrintCopy::Merchant, None, "kim")
        .unwrap();
    assert_eq!(job.state, PrintJobState::Queued);
    assert_eq!(job.printer, "office", "the only printer is the default");
    let done = r.svc.print_due().await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].state, PrintJobState::Printed);
    let file = r
        .dir
        .path()
        .join(format!("receipts/sale_{ORDER}_merchant.pdf"));
    assert!(file.is_file(), "{:?}", done[0].detail);
    assert!(done[0].detail.as_deref().unwrap().contains("saved"));
    assert_eq!(r.svc.printer_status().unwrap().health, PrinterHealth::Ready);
}

#[tokio::test]
async fn a_document_that_cannot_print_is_refused_before_it_is_queued() {
    let r = rig();
    unknown_payment(&r, ORDER, PAY);
    r.svc.save_printer(folder_printer(&r), "manager").unwrap();
    let err = r
        .svc
        .reprint(ORDER, PrintCopy::Customer, None, "kim")
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert!(r.svc.print_jobs(true).unwrap().is_empty(), "nothing queued");
}

#[tokio::test]
async fn an_escpos_job_reaches_the_listener_as_raster_then_cut() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    let addr = dead_port();
    let port = printer_port(&addr);
    r.svc.save_printer(escpos(&addr), "manager").unwrap();
    r.svc
        .queue_print(
            PrintDocument::Sale {
                order_id: ORDER.into(),
                copy: PrintCopy::Customer,
            },
            None,
            "kim",
        )
        .unwrap();
    let done = r.svc.print_due().await.unwrap();
    assert_eq!(done[0].state, PrintJobState::Printed, "{:?}", done[0]);
    let bytes = port.join().unwrap();
    assert!(bytes.starts_with(&INIT), "ESC @ first");
    assert_eq!(&bytes[2..6], &RASTER_HEADER, "then GS v 0");
    assert_eq!(&bytes[6..8], &[48, 0], "384 dots = 48 bytes per row");
    assert!(bytes.ends_with(&CUT), "the job ends with the cut");
}

#[tokio::test]
async fn a_printer_that_is_off_leaves_the_job_queued_with_a_visible_error_until_a_retry_prints_it()
{
    let r = rig();
    paid_order(&r, ORDER, PAY);
    let addr = dead_port();
    r.svc.save_printer(escpos(&addr), "manager").unwrap();
    let job = r
        .svc
        .reprint(ORDER, PrintCopy::Customer, None, "kim")
        .unwrap();

    let failed = r.svc.print_due().await.unwrap();
    assert_eq!(failed.len(), 1);
    let j = &failed[0];
    assert_eq!(
        j.state,
        PrintJobState::Queued,
        "still queued: it will be retried"
    );
    assert_eq!(j.tries, 1);
    assert_eq!(j.last_error_code.as_deref(), Some("printer-unreachable"));
    assert!(j.last_error.as_deref().unwrap().contains("switched on"));
    assert_eq!(
        j.next_try_at.as_deref(),
        Some("2026-11-21T10:15:36.000+09:00"),
        "5 s after the failure on the service's clock"
    );
    let order = r.svc.ledger().order(ORDER).unwrap().unwrap();
    assert_eq!(order.status.as_str(), "paid", "the sale stays complete");

    let status = r.svc.printer_status().unwrap();
    assert_eq!(status.health, PrinterHealth::Failing);
    assert_eq!(status.waiting, 1);
    assert_eq!(status.error_code.as_deref(), Some("printer-unreachable"));
    assert!(
        status.message.contains("switched on") && status.message.contains("tries again"),
        "{}",
        status.message
    );

    // Not due before the backoff has passed on the clock.
    r.clock.advance(Duration::from_secs(4));
    assert!(r.svc.print_due().await.unwrap().is_empty());
    // The printer comes back; the retry prints it.
    let port = printer_port(&addr);
    r.clock.advance(Duration::from_secs(1));
    let done = r.svc.print_due().await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].id, job.id);
    assert_eq!(done[0].state, PrintJobState::Printed);
    assert_eq!(done[0].tries, 2);
    assert!(port.join().unwrap().ends_with(&CUT));
    assert_eq!(r.svc.printer_status().unwrap().health, PrinterHealth::Ready);
}

#[tokio::test]
async fn after_the_last_try_the_job_waits_for_a_person_and_print_now_ignores_the_backoff() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    let addr = dead_port();
    r.svc.save_printer(escpos(&addr), "manager").unwrap();
    let job = r
        .svc
        .reprint(ORDER, PrintCopy::Customer, None, "kim")
        .unwrap();
    for _ in 0..kassa_app::printing::MAX_TRIES {
        r.svc.print_due().await.unwrap();
        r.clock.advance(kassa_app::printing::MAX_RETRY);
    }
    let j = r.svc.ledger().print_job(job.id).unwrap().unwrap();
    assert_eq!(j.state, PrintJobState::Failed);
    assert_eq!(j.tries, kassa_app::printing::MAX_TRIES);
    let status = r.svc.printer_status().unwrap();
    assert_eq!((status.health, status.failed), (PrinterHealth::Failing, 1));
    assert!(status.message.contains("press Retry"), "{}", status.message);

    let port = printer_port(&addr);
    let printed = r.svc.print_job_now(job.id).await.unwrap();
    assert_eq!(printed.state, PrintJobState::Printed);
    port.join().unwrap();
}

#[tokio::test]
async fn the_background_worker_prints_a_queued_job_and_reports_it() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    r.svc.save_printer(folder_printer(&r), "manager").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let svc = &r.svc;
    let worker = svc.run_print_queue(
        async {
            let _ = stop_rx.await;
        },
        move |j| {
            let _ = tx.send(j.clone());
        },
    );
    let test = async {
        let job = svc
            .reprint(ORDER, PrintCopy::Customer, None, "kim")
            .unwrap();
        let seen = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("the worker printed within a minute")
            .unwrap();
        assert_eq!(seen.id, job.id);
        assert_eq!(seen.state, PrintJobState::Printed);
        stop_tx.send(()).unwrap();
    };
    tokio::join!(worker, test);
}

#[test]
fn printer_settings_are_checked_and_the_first_printer_is_the_default() {
    let r = rig();
    let mut a4 = escpos("10.0.0.9");
    a4.paper = Paper::A4;
    let err = r.svc.save_printer(a4, "manager").unwrap_err();
    assert_eq!(err.code(), "usage");
    assert!(err.to_string().contains("58 mm or 80 mm"), "{err}");

    let mut office = folder_printer(&r);
    office.is_default = false;
    r.svc.save_printer(office, "manager").unwrap();
    assert!(r.svc.printer(None).unwrap().is_default, "the first one");
    r.svc.save_printer(escpos("10.0.0.9"), "manager").unwrap();
    let list = r.svc.printers().unwrap();
    assert_eq!(list[0].name, "counter", "the new default is listed first");
    assert_eq!(list.iter().filter(|p| p.is_default).count(), 1);
    let audit = r.svc.ledger().audit_log().unwrap();
    assert!(audit.iter().any(|e| e.action == "printer.save"));

    r.svc.remove_printer("counter", "manager").unwrap();
    assert_eq!(r.svc.printer(None).unwrap().name, "office");
    assert_eq!(
        r.svc.printer(Some("counter")).unwrap_err().code(),
        "not-found"
    );
}

#[tokio::test]
async fn a_test_page_prints_at_once_and_a_failure_says_what_to_check() {
    let r = rig();
    r.svc.save_printer(folder_printer(&r), "manager").unwrap();
    let out = r.svc.print_test_page("office").await.unwrap();
    let file = out.file.unwrap();
    assert!(file.is_file());
    assert!(file
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("test-page_"));

    r.svc.save_printer(escpos(&dead_port()), "manager").unwrap();
    let err = r.svc.print_test_page("counter").await.unwrap_err();
    assert_eq!(err.code(), "printer-unreachable");
    assert!(err.to_string().contains("counter") && err.to_string().contains("IP address"));
}

#[tokio::test]
async fn the_status_lists_the_jobs_waiting_so_a_person_can_retry_or_cancel_them() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    r.svc.save_printer(escpos(&dead_port()), "manager").unwrap();
    let customer = r
        .svc
        .reprint(ORDER, PrintCopy::Customer, None, "kim")
        .unwrap();
    let merchant = r
        .svc
        .reprint(ORDER, PrintCopy::Merchant, None, "kim")
        .unwrap();
    r.svc.print_due().await.unwrap();

    let status = r.svc.printer_status().unwrap();
    let ids: Vec<i64> = status.jobs.iter().map(|j| j.id).collect();
    assert_eq!(ids, [customer.id, merchant.id], "oldest first");
    let j = &status.jobs[0];
    assert_eq!(
        j.document,
        PrintDocument::Sale {
            order_id: ORDER.into(),
            copy: PrintCopy::Customer
        }
    );
    assert_eq!(j.last_error_code.as_deref(), Some("printer-unreachable"));

    r.svc.cancel_print_job(customer.id).unwrap();
    let status = r.svc.printer_status().unwrap();
    assert_eq!(status.jobs.len(), 1, "a cancelled job leaves the list");
    assert_eq!(status.jobs[0].id, merchant.id);
    r.svc.cancel_print_job(merchant.id).unwrap();
    let status = r.svc.printer_status().unwrap();
    assert!(status.jobs.is_empty());
    assert_eq!(status.health, PrinterHealth::Ready, "{}", status.message);
}

#[tokio::test]
async fn a_refund_slip_prints_from_its_refund_id() {
    let r = rig();
    paid_order(&r, ORDER, PAY);
    refund(&r, REFUND, PAY, 4_500);
    r.svc.save_printer(folder_printer(&r), "manager").unwrap();
    for copy in [PrintCopy::Customer, PrintCopy::Merchant] {
        let doc = r.svc.document_for(REFUND, copy).unwrap();
        assert_eq!(
            doc,
            PrintDocument::Refund {
                refund_id: REFUND.into(),
                copy
            }
        );
        r.svc.queue_print(doc, None, "kim").unwrap();
    }
    let done = r.svc.print_due().await.unwrap();
    assert!(
        done.iter().all(|j| j.state == PrintJobState::Printed),
        "{done:?}"
    );
    for copy in ["customer", "merchant"] {
        let file = r
            .dir
            .path()
            .join(format!("receipts/refund_{REFUND}_{copy}.pdf"));
        assert!(file.is_file(), "{file:?}");
    }
}
