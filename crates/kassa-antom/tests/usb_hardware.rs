//! Opt-in test against a real N950 cabled by USB (docs/OPERATOR.md, "Testing a real terminal
//! on USB"). Ignored by default and skipped unless `KASSA_N950_USB=1`, so `cargo test --
//! --ignored` on a machine without the terminal does not fail:
//!
//! ```sh
//! KASSA_N950_USB=1 KASSA_N950_SN=<SN from Antom> \
//!   KASSA_N950_POS_KEY=/path/pos_private_key.pem KASSA_N950_TERMINAL_KEY=/path/antom_public_key.pem \
//!   cargo test -p kassa-antom --test usb_hardware -- --ignored --nocapture
//! ```
//!
//! Optional: `KASSA_N950_USB_SERIAL` (pick one of several devices), `KASSA_N950_ENVELOPE=ecb`.
//! It moves no money: it lists the bus, switches the terminal into accessory mode, asks for
//! its diagnosis and asks about a payment id that does not exist — which proves the framing,
//! the signatures both ways and the envelope against the real device.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kassa_antom::protocol::Envelope;
use kassa_antom::usb::{scan, AntomUsbConfig, RusbBackend};
use kassa_antom::{Antom, AntomConfig};
use kassa_core::{
    Currency, InquiryError, Money, PaymentQuery, PaymentStatus, RequestId, SystemClock, Terminal,
};
use std::sync::Arc;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name} (see docs/OPERATOR.md)"))
}

#[tokio::test]
#[ignore = "needs a real N950 on USB: KASSA_N950_USB=1, see docs/OPERATOR.md"]
async fn a_real_n950_answers_over_usb() {
    if std::env::var("KASSA_N950_USB").as_deref() != Ok("1") {
        eprintln!("skipped: set KASSA_N950_USB=1 with a terminal plugged in (docs/OPERATOR.md)");
        return;
    }
    let found = tokio::task::spawn_blocking(|| scan(&RusbBackend::new()))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}"));
    for d in &found {
        eprintln!(
            "{}  {}  {}  {:?}",
            d.info.ids(),
            d.info.at,
            d.state(),
            d.strings
        );
    }
    assert!(
        found
            .iter()
            .any(|d| matches!(d.state(), "accessory" | "switchable" | "unidentified")),
        "no candidate terminal on the bus: {found:?}"
    );
    let cfg = AntomUsbConfig {
        serial: std::env::var("KASSA_N950_USB_SERIAL").ok(),
        client_id: env("KASSA_N950_SN"),
        pos_key_path: env("KASSA_N950_POS_KEY").into(),
        terminal_key_path: env("KASSA_N950_TERMINAL_KEY").into(),
        envelope: match std::env::var("KASSA_N950_ENVELOPE").as_deref() {
            Ok("gcm") => Envelope::Gcm,
            _ => Envelope::Ecb,
        },
        customer_mode: false,
        payment_method: "CARD".into(),
        timing: AntomConfig::default_timing(),
        lan_host: None,
        lan_port: 8344,
    };
    let driver = Antom::usb(cfg, Arc::new(SystemClock)).unwrap();
    let d = driver
        .diagnose()
        .await
        .unwrap_or_else(|e| panic!("diagnosis over USB: {e}"));
    eprintln!("diagnosis: {d:?}");
    assert!(
        !d.checks.is_empty(),
        "the diagnosis carried no checks: {d:?}"
    );
    let q = PaymentQuery {
        request_id: RequestId::parse("KASSA_USB_HW_TEST_0001").unwrap(),
        amount: Money::new(1, Currency::KRW),
    };
    match driver.inquire_payment(&q).await {
        Ok(status) => {
            eprintln!("inquiry of an unknown id: {status:?}");
            assert!(
                !matches!(status, PaymentStatus::Succeeded(_)),
                "a made-up id cannot have been paid"
            );
        }
        // A signed refusal (another F code) also proves the round trip.
        Err(InquiryError::Unreachable(why)) if why.contains("refused the inquiry") => {
            eprintln!("inquiry of an unknown id: {why}");
        }
        Err(InquiryError::Untrustworthy(why)) => panic!("the answer did not verify: {why}"),
        Err(e) => panic!("inquiry over USB: {e}"),
    }
}
