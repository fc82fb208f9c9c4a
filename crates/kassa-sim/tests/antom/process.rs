//! The `kassa-sim antom` binary: spawned on port 0, scripted over its control endpoint.

use crate::common::*;
use kassa_antom::protocol::Envelope;
use kassa_antom::AntomLan;
use kassa_core::{NullSink, PayOutcome, SystemClock, Terminal, UnknownReason};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

/// Kills the simulator process however the test ends.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_scripted_behaviours() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kassa-sim"))
        .args([
            "antom",
            "--listen",
            "127.0.0.1:0",
            "--client-id",
            SN,
            "--envelope",
            "ecb",
            "--customer-mode",
            "on",
        ])
        .arg("--pos-public-key")
        .arg(vectors().join("pos_public_key.pem"))
        .arg("--terminal-private-key")
        .arg(vectors().join("terminal_private_key_pkcs8.pem"))
        .args(["--behaviour", "decline=CARD_EXPIRED"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let sim = Sim(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr: std::net::SocketAddr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .parse()
        .unwrap();

    let driver = AntomLan::new(
        driver_config(addr.port(), Envelope::Ecb, true),
        Arc::new(SystemClock),
    )
    .unwrap();
    let out = driver.pay(&pay_req("P1", 100), &NullSink).await.unwrap();
    assert!(
        matches!(out, PayOutcome::Declined(ref d) if d.code == "CARD_EXPIRED"),
        "{out:?}"
    );

    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let res = http
        .post(format!("{base}/_sim/behaviour"))
        .body(r#"[{"pay":"drop-after-charge"},{"diagnosis-ready":false}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let out = driver.pay(&pay_req("P2", 200), &NullSink).await.unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::ConnectionLost(_)
            }
        ),
        "{out:?}"
    );
    assert!(!driver.diagnose().await.unwrap().ready);
    let bad = http
        .post(format!("{base}/_sim/behaviour"))
        .body("{\"pay\":\"explode\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let all: serde_json::Value = serde_json::from_str(
        &http
            .get(format!("{base}/_sim/payments"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let payments = all["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 2);
    assert_eq!(payments[1]["paymentRequestId"], "P2");
    assert_eq!(
        payments[1]["status"], "success",
        "the dropped answer still charged once"
    );
    drop(sim);
}
