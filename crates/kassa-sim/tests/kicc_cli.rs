//! `kassa-sim kicc` as a process: it announces its address on the first stdout line and
//! serves the driver there.
#![cfg(feature = "kicc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kicc_common;

use kassa_core::{NullSink, PayOutcome, SystemClock, Terminal};
use kassa_kicc::Kicc;
use kicc_common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

/// Kills the emulator process when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_address_first_and_serves_purchases() {
    // The emulator writes a fresh pairing key into a file that does not exist yet; the POS
    // is given the same file.
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("bridge.key");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kassa-sim"))
        .args([
            "kicc",
            "--listen",
            "127.0.0.1:0",
            "--scenario",
            "happy",
            "--instant",
            "--pairing-key",
            key_file.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let addr: std::net::SocketAddr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line was {first:?}"))
        .parse()
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is the owner's only");
    }
    let kicc = Kicc::new(
        config_for_port(addr.port(), &key_file),
        Arc::new(SystemClock),
    )
    .unwrap();
    let out = kicc.pay(&pay_req("P1", 4_500), &NullSink).await.unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    drop(running);
}

#[test]
fn an_unknown_scenario_is_refused_with_the_list_of_known_ones() {
    let out = Command::new(env!("CARGO_BIN_EXE_kassa-sim"))
        .args([
            "kicc",
            "--scenario",
            "card-on-fire",
            "--pairing-key",
            "unused.key",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("card-on-fire") && err.contains("no-card"),
        "{err}"
    );
}
