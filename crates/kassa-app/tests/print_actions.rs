//! The window's print actions behind their role checks, the Z report's export, and the
//! documents auto-print queues when a day closes or a kiosk customer must wait.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kassa_app::{AutoPrint, Operator, PrintSettings, PrinterConfig, PrinterTarget, Role};
use kassa_core::Secret;
use kassa_ledger::{PrintCopy, PrintDocument, PrintJobState};
use kassa_receipt::Paper;

const ORDER: &str = "O20261121101530ST01000";
const PAY: &str = "P20261121101530ST01001";

fn people(r: &Rig) -> (Operator, Operator) {
    r.svc
        .seed_accounts(&[
            ("Mina", Role::Manager, "1234"),
            ("Jun", Role::Cashier, "0000"),
        ])
        .unwrap();
    let pin = |p: &str| Secret::new(p.to_string());
    (
        r.svc.sign_in("u1", &pin("1234")).unwrap(),
        r.svc.sign_in("u2", &pin("0000")).unwrap(),
    )
}

fn folder(r: &Rig) -> PrinterConfig {
    let dir = r.dir.path().join("receipts");
    std::fs::create_dir_all(&dir).unwrap();
    PrinterConfig {
        name: "office".into(),
        target: PrinterTarget::Folder { dir },
        paper: Paper::Mm80,
        is_default: true,
    }
}

fn saved(r: &Rig, name: &str) -> bool {
    r.dir.path().join("receipts").join(name).is_file()
}

#[tokio::test]
async fn a_cashier_prints_and_reprints_but_only_a_manager_sets_printers_up() {
    let r = rig();
    let (manager, cashier) = people(&r);
    paid_order(&r, ORDER, PAY);
    let err = r.svc.save_printer_as(&cashier, folder(&r)).unwrap_err();
    assert!(err.to_string().contains("manager"), "{err}");
    assert!(r.svc.printers().unwrap().is_empty(), "nothing was saved");
    r.svc.save_printer_as(&manager, folder(&r)).unwrap();

    let job = r
        .svc
        .print_as(&cashier, ORDER, PrintCopy::Customer, None)
        .unwrap();
    assert_eq!(job.requested_by, "Jun");
    r.svc.print_due().await.unwrap();
    assert!(saved(&r, &format!("sale_{ORDER}_customer.pdf")));
    let again = r
        .svc
        .print_as(&cashier, PAY, PrintCopy::Customer, None)
        .unwrap();
    let again = r.svc.retry_print_as(&cashier, again.id).await.unwrap();
    assert_eq!(again.state, PrintJobState::Printed);
    assert!(
        saved(&r, &format!("sale_{ORDER}_customer-2.pdf")),
        "a reprint never overwrites"
    );

    assert!(r.svc.print_test_page_as(&cashier, "office").await.is_err());
    assert!(r.svc.print_test_page_as(&manager, "office").await.is_ok());
}

#[test]
fn the_z_report_exports_as_pdf_and_csv_for_those_who_close_the_day() {
    let r = rig();
    let (manager, cashier) = people(&r);
    paid_order(&r, ORDER, PAY);
    assert!(r.svc.export_z_report_as(&cashier, None).is_err());
    let z = r
        .svc
        .export_z_report_as(&manager, Some("2026-11-21"))
        .unwrap();
    assert_eq!(z.file_stem, "z-report_2026-11-21");
    assert!(z.pdf.starts_with(b"%PDF"));
    assert!(
        z.csv.contains("sale,2026-11-21,counter,card,1,14000,KRW"),
        "{}",
        z.csv
    );
    let open = r.svc.export_z_report_as(&manager, None).unwrap();
    assert!(open.csv.contains(",1,14000,KRW"), "{}", open.csv);
}

#[tokio::test]
async fn closing_the_day_queues_its_z_report_when_auto_print_asks_for_it() {
    let r = rig();
    let (manager, _) = people(&r);
    paid_order(&r, ORDER, PAY);
    r.svc.save_printer_as(&manager, folder(&r)).unwrap();
    let settings = PrintSettings {
        auto_print: AutoPrint {
            z_report: true,
            ..AutoPrint::default()
        },
        language: None,
    };
    r.svc.save_print_settings_as(&manager, &settings).unwrap();
    r.svc.close_day(&manager).unwrap();
    let jobs = r.svc.print_jobs(true).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].document,
        PrintDocument::ZReport {
            day: "2026-11-21".into()
        }
    );
    r.svc.print_due().await.unwrap();
    assert!(saved(&r, "z-report_2026-11-21.pdf"));
}

#[tokio::test]
async fn a_kiosk_customer_gets_a_wait_slip_and_nothing_prints_without_a_printer() {
    let r = rig();
    unknown_payment(&r, ORDER, PAY);
    r.svc.auto_print_kiosk_wait(PAY);
    assert!(
        r.svc.print_jobs(true).unwrap().is_empty(),
        "no printer set up: auto-print has nowhere to go, and says nothing"
    );
    r.svc.save_printer(folder(&r), "manager").unwrap();
    r.svc.auto_print_kiosk_wait(PAY);
    let done = r.svc.print_due().await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].state, PrintJobState::Printed);
    assert!(saved(&r, &format!("kiosk-wait_{PAY}.pdf")));
}
