//! Acceptance: receipts, printing and the Z report through the real `kassactl` against the
//! N950 simulator on loopback. The PDFs are read back with `pdftotext` (poppler-utils); the
//! thermal printer is a TCP listener on 127.0.0.1; a printer that is off is a port where
//! nothing listens. A sale is complete whatever the printer does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[cfg(target_os = "linux")]
#[path = "printing/cups.rs"]
mod cups;

use kassa_acceptance::{vector, AddTerminal, Ctl, Run};
use kassa_antom::protocol::{PrivateKey, PublicKey};
use kassa_sim::antom::{AntomSim, AntomSimHandle, SimConfig};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

const EXIT_PRINTER: i32 = 7;
/// `ESC @`, then `GS v 0`: the start of a raster job.
const RASTER_START: [u8; 6] = [0x1B, 0x40, 0x1D, 0x76, 0x30, 0x00];
/// `GS V 66 0`: the cut that ends a job.
const CUT: [u8; 4] = [0x1D, 0x56, 0x42, 0x00];

async fn sim() -> AntomSimHandle {
    let cfg = SimConfig::new(
        "N950SN0001",
        PublicKey::from_pem(&vector("pos_public_key.pem")).expect("pos public key"),
        PrivateKey::from_pem(&vector("terminal_private_key_pkcs8.pem")).expect("terminal key"),
    );
    AntomSim::start(cfg).await.expect("start simulator")
}

async fn ok(c: &Ctl, args: &[&str]) -> Run {
    let r = c.run_async(args).await;
    assert_eq!(r.code, 0, "kassactl {args:?}: {:?} {}", r.lines, r.stderr);
    r
}

/// The simulator as terminal `front`, and a Korean café sale of 14,000 KRW on it.
async fn rig() -> (AntomSimHandle, Ctl) {
    let s = sim().await;
    let c = Ctl::new();
    c.add_terminal(&AddTerminal::n950(s.addr().port())).await;
    (s, c)
}

async fn sale(c: &Ctl) -> (Run, String) {
    let r = c
        .run_async(&[
            "sale",
            "--currency",
            "KRW",
            "--item",
            "아메리카노:4500x2",
            "--item",
            "카페라떼 (L):5000",
            "--vat",
            "10",
        ])
        .await;
    assert_eq!(
        r.code, 0,
        "the sale is approved: {:?} {}",
        r.lines, r.stderr
    );
    assert_eq!(r.result()["status"], "succeeded");
    let order = r.result()["order_id"].as_str().unwrap().to_string();
    (r, order)
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs of 5 or more digits in `text`: a card number showing more than its last four would
/// show up here (order and request ids are letter-prefixed and excluded by the caller).
fn long_digit_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|r| r.len() >= 5)
        .map(String::from)
        .collect()
}

#[tokio::test]
async fn the_receipt_pdf_has_the_orders_lines_in_hangul_and_never_more_than_four_card_digits() {
    let (_s, c) = rig().await;
    let (_, order) = sale(&c).await;
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("receipt.pdf");
    let out = pdf.display().to_string();
    let r = ok(&c, &["receipt", &order, "--out", &out]).await;
    assert_eq!(r.result()["out"], out.as_str());

    let text = pdftotext(&pdf);
    for needle in [
        "아메리카노",
        "카페라떼 (L)",
        "9,000",
        "14,000 KRW",
        "영수증",
        "************0042",
        order.as_str(),
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF:\n{text}"
        );
    }
    // The simulator sends the card as 541333******0042: the BIN must not print.
    assert!(!text.contains("541333"), "{text}");
    let without_ids: String = text
        .split_whitespace()
        .filter(|w| !w.starts_with(['O', 'P', 'R']))
        .collect::<Vec<_>>()
        .join(" ");
    for run in long_digit_runs(&without_ids) {
        assert!(
            !run.ends_with("0042") || run.len() <= 4,
            "a card number with more than its last four digits: {run}"
        );
    }

    // The merchant copy on 58 mm, in English.
    let pdf58 = dir.path().join("merchant.pdf");
    let out58 = pdf58.display().to_string();
    ok(
        &c,
        &[
            "receipt", &order, "--copy", "merchant", "--width", "58", "--lang", "en", "--out",
            &out58,
        ],
    )
    .await;
    let text = pdftotext(&pdf58);
    assert!(
        text.contains("Merchant copy") && text.contains("Signature") && text.contains("아메리카노"),
        "{text}"
    );
}

#[tokio::test]
async fn a_folder_printer_prints_the_sale_by_itself_and_again_on_request() {
    let (_s, c) = rig().await;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().display().to_string();
    ok(
        &c,
        &[
            "printer", "add", "office", "--kind", "folder", "--folder", &folder, "--paper", "80",
        ],
    )
    .await;
    let t = ok(&c, &["printer", "test", "office"]).await;
    let test_page = t.result()["file"].as_str().unwrap().to_string();
    assert!(pdftotext(Path::new(&test_page)).contains("office") || Path::new(&test_page).is_file());

    let (r, order) = sale(&c).await;
    assert!(r.stderr.contains("printed: job"), "{}", r.stderr);
    let auto = dir.path().join(format!("sale_{order}_customer.pdf"));
    assert!(
        auto.is_file(),
        "auto-print saved the customer copy: {}",
        r.stderr
    );
    assert!(pdftotext(&auto).contains("아메리카노"));

    let p = ok(&c, &["print", &order, "--copy", "merchant"]).await;
    assert_eq!(p.result()["state"], "printed");
    assert!(dir
        .path()
        .join(format!("sale_{order}_merchant.pdf"))
        .is_file());

    let list = ok(&c, &["printer", "list"]).await;
    assert_eq!(list.result()["status"]["health"], "ready");
    assert_eq!(list.result()["printers"][0]["name"], "office");
    assert_eq!(list.result()["jobs"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_printer_that_is_off_leaves_the_sale_complete_and_the_job_queued_until_a_retry() {
    let (_s, c) = rig().await;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    drop(l); // switched off: connections are refused
    ok(
        &c,
        &[
            "printer", "add", "counter", "--kind", "escpos", "--addr", &addr, "--paper", "58",
        ],
    )
    .await;

    let (r, order) = sale(&c).await;
    assert!(
        r.stderr.contains("not printed") && r.stderr.contains("switched on"),
        "the cashier hears about the printer: {}",
        r.stderr
    );
    let o = ok(&c, &["order", &order]).await;
    assert_eq!(
        o.result()["order"]["status"],
        "paid",
        "the sale is complete"
    );

    let list = ok(&c, &["printer", "list"]).await;
    let status = &list.result()["status"];
    assert_eq!(status["health"], "failing");
    assert_eq!(status["error_code"], "printer-unreachable");
    assert!(status["message"].as_str().unwrap().contains("switched on"));
    let jobs = list.result()["jobs"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["state"], "queued");
    assert_eq!(jobs[0]["tries"], 1);
    assert!(jobs[0]["next_try_at"].is_string());

    // Printing on request while it is still off: exit 7, still queued.
    let again = c.run_async(&["printer", "retry"]).await;
    assert_eq!(again.code, EXIT_PRINTER, "{:?}", again.lines);
    assert_eq!(again.result()["state"], "queued");
    assert_eq!(again.result()["tries"], 2);

    // Switched on: the retry prints it.
    let printer = TcpListener::bind(&addr).unwrap();
    let port = std::thread::spawn(move || {
        let (mut conn, _) = printer.accept().unwrap();
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let retry = ok(&c, &["printer", "retry"]).await;
    assert_eq!(retry.result()["state"], "printed");
    let bytes = port.join().unwrap();
    assert!(bytes.starts_with(&RASTER_START), "ESC @ then GS v 0");
    assert!(bytes.ends_with(&CUT), "ends with the cut");
    let list = ok(&c, &["printer", "list"]).await;
    assert_eq!(list.result()["status"]["health"], "ready");
    assert!(list.result()["jobs"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn report_z_writes_the_pdf_and_the_csv_of_the_day() {
    let (_s, c) = rig().await;
    let (_, first) = sale(&c).await;
    sale(&c).await;
    // Customer Mode off: the N950 refunds whole payments.
    ok(
        &c,
        &["refund", "--payment", &first, "--reason", "wrong order"],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("z.pdf");
    let csv = dir.path().join("z.csv");
    let (pdf_s, csv_s) = (pdf.display().to_string(), csv.display().to_string());
    let r = ok(&c, &["report", "z", "--out", &pdf_s, "--csv", &csv_s]).await;
    let v = r.result();
    assert_eq!(v["sales"]["count"], 2);
    assert_eq!(v["sales"]["minor"], 28_000);
    assert_eq!(v["refunds"]["minor"], 14_000);
    let text = pdftotext(&pdf);
    assert!(
        text.contains("일일 정산 (Z)") && text.contains("28,000") && text.contains("14,000 KRW"),
        "{text}"
    );
    let day = v["day"].as_str().unwrap().to_string();
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(
        rows.contains(&format!("sale,{day},front,card,2,28000,KRW")),
        "{rows}"
    );
    assert!(
        rows.contains(&format!("refund,{day},front,card,1,14000,KRW")),
        "{rows}"
    );
    assert!(rows.contains(&format!("net,{day},,,,14000,KRW")), "{rows}");

    // The same calendar day by date gives the same figures; another day has none.
    let by_day = ok(&c, &["report", "z", "--date", &day, "--out", &pdf_s]).await;
    assert_eq!(by_day.result()["sales"], v["sales"]);
    let other = ok(
        &c,
        &["report", "z", "--date", "2001-01-01", "--out", &pdf_s],
    )
    .await;
    assert_eq!(other.result()["sales"]["count"], 0);
    let bad = c
        .run_async(&["report", "z", "--date", "21/11", "--out", &pdf_s])
        .await;
    assert_eq!(bad.code, 2, "a date that cannot be read is a usage error");
}
