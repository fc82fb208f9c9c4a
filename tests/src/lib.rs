//! Shared helpers of the acceptance tests: where the published test keys are, how to run the
//! real `kassactl` binary against a fresh ledger (to completion, or as a child whose output is
//! read line by line as it arrives, or on a thread of its own awaited from a test's async
//! runtime), how to add the simulators as terminals, and how to read every text cell of a
//! ledger file.
// Test support: a failed setup step should stop the test loudly.
#![allow(clippy::expect_used, clippy::panic)]

pub mod background;
pub mod fault;
pub mod terminal;

pub use background::Background;
pub use terminal::AddTerminal;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The folder of throwaway keys and vectors (`tests/vectors` beside the repository).
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// `kassactl` arguments of a sale of 14,000 KRW (VAT included) on the default terminal.
pub const SALE: &[&str] = &[
    "sale",
    "--currency",
    "KRW",
    "--item",
    "Americano:4500x2",
    "--item",
    "Latte:5000",
    "--vat",
    "10",
];

/// The text of a file in [`vectors_dir`] (a PEM key).
pub fn vector(name: &str) -> String {
    std::fs::read_to_string(vectors_dir().join(name)).expect("test key")
}

/// Path of the `kassactl` binary, (re)built once per test process so a test never runs a
/// stale binary when only this package was asked to test.
pub fn kassactl_path() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "-p", "kassa-cli", "--bin", "kassactl"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("run cargo build");
            assert!(status.success(), "building kassactl failed");
            let exe = std::env::current_exe().expect("test binary path");
            // target/<profile>/deps/<test> → target/<profile>/kassactl
            let dir = exe.parent().and_then(Path::parent).expect("target dir");
            dir.join(format!("kassactl{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// What one kassactl run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Each stdout line parsed as JSON (non-JSON lines are kept as strings).
    pub lines: Vec<serde_json::Value>,
    /// Standard error, for failure messages (and the logs, with `KASSA_LOG`).
    pub stderr: String,
    /// Standard output as printed.
    pub stdout: String,
}

impl Run {
    /// The last JSON line: the command's result object.
    pub fn result(&self) -> &serde_json::Value {
        self.lines.last().expect("kassactl printed nothing")
    }
}

/// A fresh ledger in a temporary folder, and a way to run kassactl on it.
#[derive(Debug)]
pub struct Ctl {
    /// Keeps the folder alive for the test (absent for a handle on another's ledger).
    _dir: Option<tempfile::TempDir>,
    db: PathBuf,
}

impl Ctl {
    /// A new empty data folder.
    pub fn new() -> Ctl {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("kassa.db");
        Ctl {
            _dir: Some(dir),
            db,
        }
    }

    /// A handle on an existing ledger file (the folder is owned elsewhere).
    pub fn at(db: PathBuf) -> Ctl {
        Ctl { _dir: None, db }
    }

    /// The ledger file.
    pub fn db(&self) -> PathBuf {
        self.db.clone()
    }

    /// Runs `kassactl --json --db <db> ARGS`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_logged(args, "warn")
    }

    /// Runs `kassactl --json --db <db> ARGS` with `KASSA_LOG=<log>` (logs go to stderr).
    pub fn run_logged(&self, args: &[&str], log: &str) -> Run {
        let out = self
            .command(args)
            .env("KASSA_LOG", log)
            .output()
            .expect("run kassactl");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        Run {
            code: out.status.code().unwrap_or(-1),
            lines: stdout.lines().filter_map(json_line).collect(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            stdout,
        }
    }

    /// [`Ctl::run`] on a thread of its own: awaiting it leaves the async runtime free, so the
    /// simulators the test runs on it keep serving kassactl meanwhile.
    pub fn run_async(&self, args: &[&str]) -> Background<Run> {
        self.run_logged_async(args, "warn")
    }

    /// [`Ctl::run_logged`] on a thread of its own (see [`Ctl::run_async`]).
    pub fn run_logged_async(&self, args: &[&str], log: &str) -> Background<Run> {
        let ctl = Ctl::at(self.db());
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let log = log.to_string();
        Background::spawn(move || {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            ctl.run_logged(&refs, &log)
        })
    }

    /// Runs `terminal add` (see [`Ctl::run_async`]) and checks it succeeded.
    pub async fn add_terminal(&self, add: &AddTerminal) -> Run {
        let r = self.run_async(&add.args()).await;
        assert_eq!(r.code, 0, "terminal add failed: {:?} {}", r.lines, r.stderr);
        r
    }

    /// The audit log's entries, oldest first (`kassactl audit`, see [`Ctl::run_async`]).
    pub async fn audit(&self) -> Vec<serde_json::Value> {
        let r = self.run_async(&["audit"]).await;
        assert_eq!(r.code, 0, "audit failed: {:?} {}", r.lines, r.stderr);
        r.result()
            .as_array()
            .expect("the log as a JSON array")
            .clone()
    }

    /// Starts `kassactl --json --db <db> ARGS` as a child whose stdout lines can be read as
    /// they are printed. The child is killed when the handle drops.
    pub fn spawn(&self, args: &[&str]) -> Running {
        let mut child = self
            .command(args)
            .env("KASSA_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kassactl");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(v) = json_line(&line) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        Running {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(kassactl_path());
        c.arg("--json").arg("--db").arg(self.db()).args(args);
        c
    }
}

fn json_line(l: &str) -> Option<serde_json::Value> {
    if l.trim().is_empty() {
        return None;
    }
    Some(serde_json::from_str(l).unwrap_or(serde_json::Value::String(l.to_string())))
}

/// A kassactl child process, its stdout read line by line as it arrives.
#[derive(Debug)]
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<serde_json::Value>,
    /// Every line read so far.
    pub seen: Vec<serde_json::Value>,
}

impl Running {
    /// Reads lines until one satisfies `want`, for at most `limit`; returns it, or `None` if
    /// the limit passed or the output ended first. Blocking: call it off the async runtime.
    pub fn wait_for_line(
        &mut self,
        limit: Duration,
        want: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<serde_json::Value> {
        let end = Instant::now() + limit;
        loop {
            let left = end.checked_duration_since(Instant::now())?;
            let line = self.lines.recv_timeout(left).ok()?;
            self.seen.push(line.clone());
            if want(&line) {
                return Some(line);
            }
        }
    }

    /// Waits (at most `limit`) for the process to end and returns its exit code with every
    /// line it printed; kills it and panics if it does not end in time.
    pub fn finish(mut self, limit: Duration) -> (i32, Vec<serde_json::Value>) {
        let end = Instant::now() + limit;
        loop {
            match self.child.try_wait().expect("poll kassactl") {
                Some(status) => {
                    // The reader thread ends with the pipe; collect what it still holds. The
                    // channel disconnects at once then: the bound only stops a pipe some other
                    // process holds open, and is generous so a slow reader loses no line.
                    while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(60)) {
                        self.seen.push(l);
                    }
                    let seen = std::mem::take(&mut self.seen);
                    return (status.code().unwrap_or(-1), seen);
                }
                None if Instant::now() >= end => {
                    panic!(
                        "kassactl did not finish in {limit:?}; it printed {:?}",
                        self.seen
                    )
                }
                None => {
                    while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(50)) {
                        self.seen.push(l);
                    }
                }
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One text value stored in the ledger: where it is and what it says.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// The value as text.
    pub text: String,
}

/// Every non-null value of every column of every table of the ledger file at `db`, read as
/// text through SQLite (so what sits in the write-ahead log is included).
pub fn ledger_cells(db: &Path) -> Vec<Cell> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the ledger read-only");
    let tables: Vec<String> = {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
            .expect("list tables");
        st.query_map([], |r| r.get(0))
            .expect("list tables")
            .collect::<Result<_, _>>()
            .expect("table names")
    };
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<String> = {
            let mut st = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .expect("list columns");
            st.query_map([], |r| r.get(0))
                .expect("list columns")
                .collect::<Result<_, _>>()
                .expect("column names")
        };
        for column in columns {
            let sql = format!(
                "SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\" WHERE \"{column}\" IS NOT NULL"
            );
            let mut st = conn.prepare(&sql).expect("read column");
            let texts: Vec<String> = st
                .query_map([], |r| r.get(0))
                .expect("read column")
                .collect::<Result<_, _>>()
                .expect("column values");
            out.extend(texts.into_iter().map(|text| Cell {
                table: table.clone(),
                column: column.clone(),
                text,
            }));
        }
    }
    out
}

impl Default for Ctl {
    fn default() -> Self {
        Ctl::new()
    }
}
