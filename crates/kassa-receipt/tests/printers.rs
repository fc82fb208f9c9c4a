//! The printer back-ends against real peers: a TCP listener on 127.0.0.1 standing in for a
//! thermal printer's port 9100, a real folder, and `lp` programs.
//!
//! The `lp` used here are small shell scripts that behave as CUPS's `lp` does at its
//! interface (arguments in, a spooled copy of the file, CUPS's own messages and exit codes
//! on failure): they check the command line Kassa builds and how each failure is explained.
//! A real `cupsd` round trip is `real_cups_round_trip`, ignored unless a queue is given.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_receipt::escpos::{CUT, INIT, RASTER_HEADER};
use kassa_receipt::*;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn korean_sale() -> Receipt {
    receipt(Language::Ko, Document::Sale(sale(CopyFor::Customer)))
}

/// A one-connection "printer": accepts, reads until the client closes, returns the bytes.
fn one_job_listener() -> (String, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).unwrap();
        bytes
    });
    (addr, handle)
}

/// Walks the `GS v 0` bands of an ESC/POS job; returns (bytes per row, total rows, rest).
fn parse_raster(job: &[u8]) -> (usize, usize, &[u8]) {
    let mut rest = job
        .strip_prefix(&INIT[..])
        .expect("the job starts with ESC @");
    let (mut row_bytes, mut rows) = (0, 0);
    while let Some(band) = rest.strip_prefix(&RASTER_HEADER[..]) {
        let x = u16::from_le_bytes([band[0], band[1]]) as usize;
        let y = u16::from_le_bytes([band[2], band[3]]) as usize;
        assert!(
            row_bytes == 0 || row_bytes == x,
            "every band has the same width"
        );
        row_bytes = x;
        rows += y;
        rest = &band[4 + x * y..];
    }
    (row_bytes, rows, rest)
}

#[test]
fn an_escpos_job_reaches_the_printer_port_as_raster_bands_then_feed_and_cut() {
    let (addr, printer_side) = one_job_listener();
    let printer = EscPosPrinter::new(&addr, Paper::Mm58).unwrap();
    let printed = printer.print(&korean_sale()).unwrap();
    let received = printer_side.join().unwrap();

    let expected = printer
        .job_bytes(&layout(&korean_sale(), Paper::Mm58))
        .unwrap();
    assert_eq!(
        received, expected,
        "the listener got exactly the job, nothing cut off"
    );
    let (row_bytes, rows, tail) = parse_raster(&received);
    assert_eq!(row_bytes, 48, "384 dots of a 58 mm head");
    assert!(rows > 1000, "a long receipt: {rows} rows");
    assert_eq!(
        tail,
        &[0x1B, 0x64, 3, CUT[0], CUT[1], CUT[2], CUT[3]],
        "feed, then GS V cut"
    );
    let black = received.iter().map(|b| b.count_ones()).sum::<u32>();
    assert!(black > 10_000, "the image has ink on it ({black} bits set)");
    assert!(printed.detail.contains(&addr), "{}", printed.detail);
}

#[test]
fn a_printer_that_refuses_the_connection_gives_an_error_saying_what_to_check() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener); // nothing listens there any more: the connection is refused
    let printer = EscPosPrinter::new(&addr, Paper::Mm80)
        .unwrap()
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(2));
    let err = printer.print(&korean_sale()).unwrap_err();
    assert!(matches!(err, PrintError::Unreachable { .. }), "{err:?}");
    assert_eq!(err.code(), "printer-unreachable");
    let msg = err.to_string();
    for needle in [
        addr.as_str(),
        "switched on",
        "cable",
        "IP address",
        "print again",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }
}

#[test]
fn thermal_printers_take_58_or_80_mm_and_default_to_port_9100() {
    let err = EscPosPrinter::new("192.168.0.50", Paper::A4).unwrap_err();
    assert_eq!(err.code(), "paper-not-supported");
    assert!(err.to_string().contains("58 mm or 80 mm"));
    assert_eq!(
        EscPosPrinter::new("192.168.0.50", Paper::Mm80)
            .unwrap()
            .addr(),
        "192.168.0.50:9100"
    );
    assert_eq!(
        EscPosPrinter::new("pos.local:9101", Paper::Mm80)
            .unwrap()
            .addr(),
        "pos.local:9101"
    );
    assert_eq!(
        EscPosPrinter::new("[::1]:9100", Paper::Mm58)
            .unwrap()
            .addr(),
        "[::1]:9100"
    );
    assert_eq!(
        EscPosPrinter::new("fe80::1", Paper::Mm58).unwrap().addr(),
        "[fe80::1]:9100"
    );
}

#[test]
fn the_folder_printer_saves_readable_pdfs_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let printer = FolderPrinter::new(dir.path(), Paper::Mm80).unwrap();
    let first = printer.print(&korean_sale()).unwrap();
    let second = printer.print(&korean_sale()).unwrap();
    let (a, b) = (first.file.unwrap(), second.file.unwrap());
    assert_eq!(
        a.file_name().unwrap(),
        "sale_O20261121101530ST010000003_customer.pdf"
    );
    assert_eq!(
        b.file_name().unwrap(),
        "sale_O20261121101530ST010000003_customer-2.pdf"
    );
    let text = pdftotext(&a);
    assert!(
        text.contains("아메리카노") && text.contains("************1111"),
        "{text}"
    );
}

#[test]
fn a_missing_folder_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("receipts");
    let err = FolderPrinter::new(&gone, Paper::A4)
        .unwrap()
        .print(&korean_sale())
        .unwrap_err();
    assert_eq!(err.code(), "folder-missing");
    assert!(
        err.to_string().contains(&gone.display().to_string()),
        "{err}"
    );
}

#[test]
fn every_printer_makes_a_test_page_naming_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, printer_side) = one_job_listener();
    let printers: Vec<Box<dyn Printer>> = vec![
        Box::new(FolderPrinter::new(dir.path(), Paper::A4).unwrap()),
        Box::new(CupsPrinter::new("/usr/bin/lp", "front", Paper::Mm80).unwrap()),
        Box::new(EscPosPrinter::new(&addr, Paper::Mm58).unwrap()),
    ];
    let now = at("2026-11-21T09:00:00+09:00");
    for p in &printers {
        let page = p.test_page(&store(), Language::Ko, now);
        let text = layout(&page, p.paper()).to_text();
        assert!(text.contains("프린터 테스트 페이지"), "{text}");
        let described = p.describe();
        assert!(
            text.contains(described.split(' ').next().unwrap()),
            "{described}\n{text}"
        );
    }
    // The network printer prints its own test page end to end.
    let page = printers[2].test_page(&store(), Language::En, now);
    printers[2].print(&page).unwrap();
    let job = printer_side.join().unwrap();
    let (row_bytes, _, tail) = parse_raster(&job);
    assert_eq!(row_bytes, 48);
    assert!(tail.ends_with(&CUT));
    // The folder printer saves its own.
    let saved = printers[0]
        .print(&printers[0].test_page(&store(), Language::En, now))
        .unwrap();
    assert!(pdftotext(&saved.file.unwrap()).contains("PRINTER TEST PAGE"));
}

fn pdftotext(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Writes an executable `lp` script into `dir`.
fn fake_lp(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("lp");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn cups_gets_lp_dash_d_queue_and_a_pdf_it_can_spool() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spooled.pdf");
    let args = dir.path().join("args");
    // As lp does: take the file, say the request id on stdout.
    let lp = fake_lp(
        dir.path(),
        &format!(
            "printf '%s\\n' \"$@\" > {args}\nfor last; do :; done\ncp \"$last\" {spool}\n\
             echo \"request id is $2-17 (1 file(s))\"",
            args = args.display(),
            spool = spool.display()
        ),
    );
    let printer = CupsPrinter::new(&lp, "front_counter", Paper::Mm80).unwrap();
    let printed = printer.print(&korean_sale()).unwrap();
    assert!(
        printed.detail.contains("request id is front_counter-17"),
        "{}",
        printed.detail
    );
    let argv: Vec<String> = std::fs::read_to_string(&args)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        &argv[..4],
        [
            "-d",
            "front_counter",
            "-t",
            "sale_O20261121101530ST010000003_customer"
        ]
    );
    assert!(argv[4].ends_with(".pdf"), "{argv:?}");
    assert!(
        !Path::new(&argv[4]).exists(),
        "the temporary PDF is removed after spooling"
    );
    let text = pdftotext(&spool);
    assert!(
        text.contains("정상승인 되었습니다") && text.contains("32,800 KRW"),
        "{text}"
    );
}

#[test]
fn cups_on_another_scheduler_gets_lp_dash_h_first() {
    let dir = tempfile::tempdir().unwrap();
    let args = dir.path().join("args");
    let lp = fake_lp(
        dir.path(),
        &format!(
            "printf '%s\\n' \"$@\" > {args}\necho \"request id is front-3 (1 file(s))\"",
            args = args.display()
        ),
    );
    let printer = CupsPrinter::new(&lp, "front", Paper::Mm58)
        .unwrap()
        .with_server("/run/kassa/cups.sock");
    assert_eq!(
        printer.describe(),
        "CUPS queue \"front\" on /run/kassa/cups.sock"
    );
    printer.print(&korean_sale()).unwrap();
    let argv: Vec<String> = std::fs::read_to_string(&args)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(&argv[..4], ["-h", "/run/kassa/cups.sock", "-d", "front"]);
    // An empty server is the system's default scheduler: no -h at all.
    let printer = CupsPrinter::new(&lp, "front", Paper::Mm58)
        .unwrap()
        .with_server("  ");
    printer.print(&korean_sale()).unwrap();
    let argv = std::fs::read_to_string(&args).unwrap();
    assert!(argv.starts_with("-d\nfront\n"), "{argv}");
}

#[test]
fn cups_failures_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    // CUPS 2.4's own message for an unknown queue.
    let lp = fake_lp(
        dir.path(),
        "echo 'lp: The printer or class does not exist.' >&2; exit 1",
    );
    let err = CupsPrinter::new(&lp, "kitchen", Paper::Mm80)
        .unwrap()
        .print(&korean_sale())
        .unwrap_err();
    assert_eq!(
        err,
        PrintError::QueueMissing {
            queue: "kitchen".into()
        }
    );
    assert!(
        err.to_string().contains("\"kitchen\" does not exist")
            && err.to_string().contains("lpstat -p")
    );

    let lp = fake_lp(
        dir.path(),
        "echo 'lp: Unable to connect to server' >&2; exit 1",
    );
    let err = CupsPrinter::new(&lp, "front", Paper::Mm80)
        .unwrap()
        .print(&korean_sale())
        .unwrap_err();
    assert_eq!(err.code(), "print-service-down");
    assert!(err.to_string().contains("systemctl start cups"), "{err}");

    let lp = fake_lp(
        dir.path(),
        "echo 'lp: Destination \"front\" is not accepting jobs.' >&2; exit 1",
    );
    let err = CupsPrinter::new(&lp, "front", Paper::Mm80)
        .unwrap()
        .print(&korean_sale())
        .unwrap_err();
    assert_eq!(err.code(), "print-queue-failed");
    assert!(err.to_string().contains("not accepting jobs"), "{err}");

    let missing = dir.path().join("no-such-lp");
    let err = CupsPrinter::new(&missing, "front", Paper::Mm80)
        .unwrap()
        .print(&korean_sale())
        .unwrap_err();
    assert_eq!(err.code(), "print-command-missing");
    assert!(err.to_string().contains("no-such-lp") && err.to_string().contains("cups-client"));
}

#[test]
fn an_lp_that_hangs_is_stopped_at_the_configured_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Far longer than the limit; `exec` so that stopping the script stops the sleep.
    let lp = fake_lp(dir.path(), "exec sleep 600");
    let printer = CupsPrinter::new(&lp, "front", Paper::Mm58)
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    let err = printer.print(&korean_sale()).unwrap_err();
    assert_eq!(err.code(), "print-command-timeout");
}

/// Prints through a real CUPS: `KASSA_CUPS_QUEUE=<queue> [KASSA_LP=/usr/bin/lp]
/// cargo test -p kassa-receipt --test printers -- --ignored real_cups`.
#[test]
#[ignore = "needs a running cupsd and a queue named in KASSA_CUPS_QUEUE"]
fn real_cups_round_trip() {
    let queue = std::env::var("KASSA_CUPS_QUEUE").expect("set KASSA_CUPS_QUEUE");
    let lp = std::env::var("KASSA_LP").unwrap_or_else(|_| "lp".into());
    let printer = CupsPrinter::new(lp, &queue, Paper::Mm80).unwrap();
    let printed = printer.print(&korean_sale()).unwrap();
    assert!(
        printed.detail.contains("request id is"),
        "{}",
        printed.detail
    );
}
