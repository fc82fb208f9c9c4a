//! A real CUPS round trip (Linux): the test starts its own `cupsd` in the foreground on a
//! private configuration (a temporary folder, a Unix socket, no network), adds a queue that
//! writes PDFs with Debian's `cups-pdf` backend, and points a Kassa printer at it with
//! `lp -h SOCKET`. A sale's receipt goes through the app's print path (auto-print, the queue,
//! `lp`) and must come out as a file; a queue that refuses jobs leaves the sale complete and
//! the job queued with its error until a retry prints it.
//!
//! `cups-pdf` reads its settings from `/etc/cups/cups-pdf-<queue>.conf` (the path is built
//! into the backend), so the test writes that file for its own queue, with the output folder
//! inside its temporary folder, and removes it afterwards. Without `cupsd`, the backend or
//! root (the backend runs as root and the file lives in `/etc/cups`), the test says why and
//! passes without checking anything.

use super::*;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const CUPSD: &str = "/usr/sbin/cupsd";
const BACKEND: &str = "/usr/lib/cups/backend/cups-pdf";
const PPD: &str = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd";
/// How long cupsd may take to start or to turn a job into a file on a busy machine.
const PATIENCE: Duration = Duration::from_secs(90);

/// A private cupsd with one cups-pdf queue; stopped and cleaned up on drop.
struct Cups {
    dir: tempfile::TempDir,
    child: Child,
    queue: String,
    backend_conf: PathBuf,
}

impl Cups {
    fn socket(&self) -> PathBuf {
        self.dir.path().join("cups.sock")
    }

    fn out_dir(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Why this machine cannot run the test, if it cannot.
    fn missing() -> Option<String> {
        if !cfg!(target_os = "linux") {
            return Some("the CUPS round trip runs on Linux only".into());
        }
        for (path, what) in [
            (CUPSD, "cupsd (apt install cups)"),
            (
                BACKEND,
                "the cups-pdf backend (apt install printer-driver-cups-pdf)",
            ),
            (
                PPD,
                "the cups-pdf PPD (apt install printer-driver-cups-pdf)",
            ),
        ] {
            if !Path::new(path).exists() {
                return Some(format!("{what} is not installed"));
            }
        }
        let root = Command::new("id").arg("-u").output().ok()?;
        if String::from_utf8_lossy(&root.stdout).trim() != "0" {
            return Some("the cups-pdf backend and its /etc/cups settings need root".into());
        }
        None
    }

    fn start() -> Cups {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // cupsd's filters run as user lp: they must reach the folder and write its tmp.
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        for sub in ["out", "spool-pdf", "log", "tmp", "cache", "state", "spool"] {
            std::fs::create_dir(d.join(sub)).unwrap();
        }
        std::fs::set_permissions(d.join("tmp"), std::fs::Permissions::from_mode(0o1777)).unwrap();
        let files = format!(
            "ServerRoot {d}\nRequestRoot {d}/spool\nTempDir {d}/tmp\nCacheDir {d}/cache\n\
             StateDir {d}/state\nAccessLog {d}/log/access_log\nErrorLog {d}/log/error_log\n\
             PageLog {d}/log/page_log\nPrintcap {d}/printcap\nSystemGroup root\n",
            d = d.display()
        );
        std::fs::write(d.join("cups-files.conf"), files).unwrap();
        let conf = format!(
            "LogLevel info\nListen {sock}\nBrowsing No\nWebInterface No\n\
             DefaultAuthType None\n<Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
             <Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n\
             <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
            sock = d.join("cups.sock").display()
        );
        std::fs::write(d.join("cupsd.conf"), conf).unwrap();
        let queue = format!("kassa_test_{}", std::process::id());
        let backend_conf = PathBuf::from(format!("/etc/cups/cups-pdf-{queue}.conf"));
        std::fs::write(
            &backend_conf,
            format!(
                "Out {d}/out\nAnonDirName {d}/out\nSpool {d}/spool-pdf\nLog {d}/log\n\
                 Grp root\nUserUMask 0022\nLabel 0\n",
                d = d.display()
            ),
        )
        .unwrap();
        let child = Command::new(CUPSD)
            .arg("-f")
            .arg("-c")
            .arg(d.join("cupsd.conf"))
            .arg("-s")
            .arg(d.join("cups-files.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let cups = Cups {
            dir,
            child,
            queue,
            backend_conf,
        };
        cups.wait_for("cupsd to listen", || {
            UnixStream::connect(cups.socket()).is_ok()
        });
        cups.admin(
            "lpadmin",
            &[
                "-p",
                &cups.queue,
                "-v",
                &format!("cups-pdf:/{}", cups.queue),
                "-P",
                PPD,
                "-E",
            ],
        );
        cups
    }

    /// Runs a CUPS admin command against this cupsd.
    fn admin(&self, program: &str, args: &[&str]) {
        let out = Command::new(program)
            .arg("-h")
            .arg(self.socket())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Waits for `ready`, checking every 50 ms, failing the test after [`PATIENCE`] with the
    /// scheduler's log.
    fn wait_for(&self, what: &str, ready: impl Fn() -> bool) {
        let start = Instant::now();
        while !ready() {
            if start.elapsed() > PATIENCE {
                let log = std::fs::read_to_string(self.dir.path().join("log/error_log"))
                    .unwrap_or_default();
                panic!("gave up waiting for {what}; cupsd's log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The PDFs cups-pdf wrote so far.
    fn outputs(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.out_dir())
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.retain(|p| p.extension().is_some_and(|e| e == "pdf"));
        v.sort();
        v
    }

    /// Waits until cups-pdf has written `n` PDFs, the last one complete.
    fn wait_for_outputs(&self, n: usize) -> Vec<PathBuf> {
        self.wait_for(&format!("{n} PDF(s) from cups-pdf"), || {
            let files = self.outputs();
            files.len() >= n
                && files
                    .iter()
                    .all(|f| std::fs::read(f).is_ok_and(|b| b.windows(5).any(|w| w == b"%%EOF")))
        });
        self.outputs()
    }
}

impl Drop for Cups {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.backend_conf);
    }
}

#[tokio::test]
async fn a_receipt_goes_through_a_real_cupsd_into_a_pdf_and_a_refusing_queue_keeps_the_job() {
    if let Some(why) = Cups::missing() {
        println!("SKIPPED the CUPS round trip: {why}");
        return;
    }
    let cups = tokio::task::spawn_blocking(Cups::start).await.unwrap();
    let (_s, c) = rig().await;
    let sock = cups.socket().display().to_string();
    ok(
        &c,
        &[
            "printer",
            "add",
            "office",
            "--kind",
            "cups",
            "--queue",
            &cups.queue,
            "--server",
            &sock,
            "--paper",
            "80",
        ],
    )
    .await;

    // Auto-print after the sale: the app's print path, lp, cupsd, cups-pdf.
    let (r, order) = sale(&c).await;
    assert!(r.stderr.contains("printed: job"), "{}", r.stderr);
    let first = cups.wait_for_outputs(1);
    assert_printed(&first[0], &order);

    // The queue refuses jobs: the sale is still complete, the job waits with the reason.
    cups.admin("cupsreject", &[&cups.queue]);
    let (r, second) = sale(&c).await;
    assert!(r.stderr.contains("not printed"), "{}", r.stderr);
    assert_eq!(
        ok(&c, &["order", &second]).await.result()["order"]["status"],
        "paid"
    );
    let list = ok(&c, &["printer", "list"]).await;
    assert_eq!(list.result()["status"]["health"], "failing");
    assert_eq!(list.result()["status"]["error_code"], "print-queue-failed");
    assert!(
        list.result()["status"]["message"]
            .as_str()
            .unwrap()
            .contains("not accepting jobs"),
        "{}",
        list.result()["status"]
    );

    // Accepting again: the retry prints it.
    cups.admin("cupsaccept", &[&cups.queue]);
    let retry = ok(&c, &["printer", "retry"]).await;
    assert_eq!(retry.result()["state"], "printed");
    let both = cups.wait_for_outputs(2);
    let retried = both.iter().find(|f| *f != &first[0]).unwrap();
    assert_printed(retried, &second);
}

/// cups-pdf re-renders the job through PostScript, so its PDF has the receipt as drawn
/// glyphs without text to extract (the text is checked on Kassa's own PDFs elsewhere). What
/// identifies it is the job title Kassa gave `lp` (`sale_<order>_customer`), kept as the
/// file's title; and the page must carry ink.
fn assert_printed(pdf: &Path, order: &str) {
    let info = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let title = format!("sale_{order}_customer");
    assert!(
        info.lines()
            .any(|l| l.starts_with("Title:") && l.contains(&title)),
        "{title} expected as the title of {}:\n{info}",
        pdf.display()
    );
    assert!(info.contains("Pages:           1"), "{info}");
    // Render the page in grey at 72 dpi and count dark pixels (a blank page has none).
    let png = Command::new("pdftoppm")
        .args(["-gray", "-r", "72", "-singlefile"])
        .arg(pdf)
        .output()
        .unwrap();
    assert!(png.status.success());
    let pgm = png.stdout;
    // Binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
    let header_end = pgm
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(2)
        .map(|(i, _)| i + 1)
        .unwrap();
    let dark = pgm[header_end..].iter().filter(|p| **p < 128).count();
    assert!(dark > 300, "the receipt page is blank ({dark} dark pixels)");
}
