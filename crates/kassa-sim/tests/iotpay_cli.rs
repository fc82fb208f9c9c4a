//! `kassa-sim iotpay` as another process sees it: `listening on ADDR` first on stdout, the
//! cloud's endpoints and the control endpoint on that address.
#![cfg(feature = "iotpay")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// One HTTP/1.1 request with `Connection: close`; returns the whole answer.
fn http(addr: &str, method: &str, path: &str, content_type: &str, body: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Starts `kassa-sim iotpay` with `extra` arguments; returns the child, its address and the
/// key file to remove.
fn spawn(tag: &str, extra: &[&str]) -> (std::process::Child, String, std::path::PathBuf) {
    let key_path = std::env::temp_dir().join(format!(
        "kassa-sim-iotpay-cli-{tag}-{}.key",
        std::process::id()
    ));
    std::fs::write(&key_path, "CLI-TEST-KEY\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kassa-sim"))
        .args([
            "iotpay",
            "--listen",
            "127.0.0.1:0",
            "--mch-id",
            "10000576",
            "--key-file",
        ])
        .arg(&key_path)
        .args(["--terminal-wait-ms", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    (child, addr, key_path)
}

/// A query for order X signed with the wrong key, as a form body.
const BADLY_SIGNED_QUERY: &str = "params=%7B%22mchId%22%3A%2210000576%22%2C%22mchOrderNo%22%3A%22X%22%2C%22sign%22%3A%22BAD%22%7D";

#[test]
fn failures_go_unsigned_when_asked() {
    let (mut child, addr, key_path) = spawn("unsigned", &["--unsigned-failures"]);
    let form = "application/x-www-form-urlencoded";
    let refused = http(&addr, "POST", "/v1/query_order", form, BADLY_SIGNED_QUERY);
    assert!(refused.contains("signature fail"), "{refused}");
    assert!(!refused.contains("\"sign\""), "{refused}");
    let faults = http(
        &addr,
        "POST",
        "/_sim/query-faults",
        "application/json",
        r#"{"count":2}"#,
    );
    assert!(faults.contains("\"failing_queries\":2"), "{faults}");
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_file(&key_path).unwrap();
}

#[test]
fn prints_its_address_first_and_serves_there() {
    let (mut child, addr, key_path) = spawn("signed", &["--behaviour", "decline"]);

    let form = "application/x-www-form-urlencoded";
    // A badly signed query is refused by the cloud.
    let refused = http(&addr, "POST", "/v1/query_order", form, BADLY_SIGNED_QUERY);
    assert!(refused.starts_with("HTTP/1.1 200"), "{refused}");
    assert!(
        refused.contains("\"retCode\":\"FAIL\"") && refused.contains("signature fail"),
        "{refused}"
    );
    assert!(refused.contains("\"sign\""), "signed by default: {refused}");
    // The control endpoint answers on the same address: one scripted behaviour is queued.
    let queued = http(
        &addr,
        "POST",
        "/_sim/behaviours",
        "application/json",
        r#"{"kind":"approve"}"#,
    );
    assert!(queued.contains("\"queued\":2"), "{queued}");
    let orders = http(&addr, "GET", "/_sim/orders", "text/plain", "");
    assert!(orders.ends_with("[]"), "{orders}");

    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_file(&key_path).unwrap();
}
