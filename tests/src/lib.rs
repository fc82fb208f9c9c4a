//! Shared helpers of the acceptance tests: where the published test keys are, and how to run
//! the real `kassactl` binary against a fresh ledger and read its JSON output.
// Test support: a failed setup step should stop the test loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder of throwaway keys and vectors (`../shared/spec/vectors` beside the repository).
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/vectors")
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
    /// Standard error, for failure messages.
    pub stderr: String,
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
        let out = Command::new(kassactl_path())
            .arg("--json")
            .arg("--db")
            .arg(self.db())
            .args(args)
            .env("KASSA_LOG", "warn")
            .output()
            .expect("run kassactl");
        let stdout = String::from_utf8_lossy(&out.stdout);
        Run {
            code: out.status.code().unwrap_or(-1),
            lines: stdout
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    serde_json::from_str(l).unwrap_or(serde_json::Value::String(l.to_string()))
                })
                .collect(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Default for Ctl {
    fn default() -> Self {
        Ctl::new()
    }
}
