//! Running a real `kassactl` on one ledger: to completion, or as a child stopped at a crash
//! point (or anywhere the test chooses) and killed with SIGKILL.

use super::PATIENCE;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

/// What `kassa_app::crashpoints` prints on stderr when a point stops the process.
pub const MARKER: &str = "KASSA-CRASH-POINT";

/// The `kassactl` built with the `failpoints` feature, in its own target folder
/// (`target/failpoints`) so it never replaces the normal binary other tests run. Built once
/// per test process; the first build compiles the dependencies once more.
pub fn failpoints_kassactl() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("test binary path");
            // target/<profile>/deps/<test> → target
            let target = exe
                .parent()
                .and_then(Path::parent)
                .and_then(Path::parent)
                .expect("target dir");
            let dir = target.join("failpoints");
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "-p", "kassa-cli", "--bin", "kassactl"])
                .args(["--features", "failpoints", "--target-dir"])
                .arg(&dir)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("run cargo build");
            assert!(status.success(), "building kassactl with failpoints failed");
            dir.join("debug")
                .join(format!("kassactl{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// What one finished run printed and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Each stdout line as JSON (other lines as strings).
    pub lines: Vec<serde_json::Value>,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// The last JSON line: the command's result.
    pub fn result(&self) -> &serde_json::Value {
        self.lines.last().expect("kassactl printed nothing")
    }
}

/// A `kassactl` binary and a ledger file.
#[derive(Debug, Clone)]
pub struct Kassactl {
    /// The binary.
    pub exe: PathBuf,
    /// The ledger.
    pub db: PathBuf,
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or(serde_json::Value::String(l.to_string())))
        .collect()
}

impl Kassactl {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.exe);
        c.arg("--json")
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("KASSA_LOG", "warn")
            .env_remove("FAILPOINTS");
        c
    }

    /// Runs to completion (bounded by [`PATIENCE`]; the test fails past it).
    pub fn run(&self, args: &[&str]) -> Output {
        let child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kassactl");
        finish(child, args)
    }

    /// Starts a run that the test will kill; its output is discarded.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kassactl")
    }

    /// Starts a run with crash point `point` armed and returns once the child has stopped
    /// there (it printed the marker and blocks for good). Fails the test if the child ends or
    /// [`PATIENCE`] passes first.
    pub fn stop_at(&self, point: &str, args: &[&str]) -> Stopped {
        let mut child = self
            .command(args)
            .env("FAILPOINTS", format!("{point}=return"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kassactl");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        // Reads stderr to its end so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let want = format!("{MARKER} {point}");
        let end = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.trim() == want => break,
                Ok(line) => seen.push(line),
                Err(_) => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    panic!(
                        "kassactl {args:?} never reached crash point {point} (exit {status:?}); \
                         stderr: {seen:#?}"
                    );
                }
            }
        }
        Stopped { child }
    }
}

/// A child stopped at a crash point.
#[derive(Debug)]
pub struct Stopped {
    child: Child,
}

impl Stopped {
    /// The child's process id (to freeze it or copy files while it waits).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, and reap it.
    pub fn kill(self) {
        kill(self.child);
    }
}

/// SIGKILL (what `Child::kill` sends on Unix) and reap; the child must not have ended on its
/// own before (that would mean the crash point did not hold it).
pub fn kill(mut child: Child) {
    assert!(
        matches!(child.try_wait(), Ok(None)),
        "the child ended before it was killed"
    );
    child.kill().expect("SIGKILL kassactl");
    let status = child.wait().expect("reap kassactl");
    assert!(!status.success(), "killed, not exited: {status:?}");
}

fn finish(mut child: Child, args: &[&str]) -> Output {
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let end = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(s) = child.try_wait().expect("poll kassactl") {
            break s;
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kassactl {args:?} did not finish in {PATIENCE:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let stdout = out.join().unwrap_or_default();
    Output {
        code: status.code().unwrap_or(-1),
        lines: json_lines(&stdout),
        stderr: err.join().unwrap_or_default(),
    }
}
