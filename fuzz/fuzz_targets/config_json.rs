//! Configuration JSON (what `kassactl terminal add` and the Settings screen store, and what
//! start-up reads back): the three terminal configs `AntomConfig`, `KiccConfig` and
//! `IotPayConfig`, and the ledger's terminal rows and settings, which must refuse anything
//! that holds a key, password or PIN; and the PEM text of the N950 key files.
//!
//! Key files named in a config are never opened here: a fuzzed path could name any file.
//!
//! Invariants: no panic; a config that parses round-trips through its own JSON and validates
//! the same way after it; IOT Pay's base-URL check is idempotent and never lets plain `http`
//! out of the loopback; the ledger stores a terminal config or setting only when it holds no
//! PEM private key, and gives back exactly what it stored.
#![no_main]

use kassa_antom::protocol::{PrivateKey, PublicKey};
use kassa_antom::AntomConfig;
use kassa_core::{Clock, ManualClock};
use kassa_fuzz::{assert_round_trip, json_eq};
use kassa_iotpay::config::{check_base_url, validate};
use kassa_iotpay::IotPayConfig;
use kassa_kicc::KiccConfig;
use kassa_ledger::{Ledger, LedgerError, TerminalRow};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::cell::RefCell;
use std::sync::Arc;

/// Inputs per ledger before a fresh one is opened, so memory stays flat in long runs.
const LEDGER_REUSE: u32 = 5_000;

thread_local! {
    static LEDGER: RefCell<(u32, Option<Ledger>)> = const { RefCell::new((0, None)) };
}

fn with_ledger(f: impl FnOnce(&Ledger)) {
    LEDGER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.1.is_none() || slot.0 >= LEDGER_REUSE {
            let clock: Arc<dyn Clock> = Arc::new(ManualClock::at("2026-11-21T10:15:30.123+09:00"));
            *slot = (
                0,
                Some(Ledger::open_in_memory(clock).expect("an in-memory ledger")),
            );
        }
        slot.0 += 1;
        if let Some(ledger) = &slot.1 {
            f(ledger);
        }
    });
}

fn holds_pem_private_key(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("PRIVATE KEY"),
        Value::Array(items) => items.iter().any(holds_pem_private_key),
        Value::Object(map) => map.values().any(holds_pem_private_key),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

fn check_base(url: &str) {
    if let Ok(base) = check_base_url(url) {
        assert_eq!(
            check_base_url(&base).as_deref(),
            Ok(base.as_str()),
            "not idempotent"
        );
        assert!(!base.ends_with('/'), "{base}");
        let lower = base.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("http://") {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            let loopback = host.starts_with("127.")
                || host.starts_with("localhost")
                || host.starts_with("[::1]");
            assert!(loopback, "plain http off the loopback: {base}");
        } else {
            assert!(lower.starts_with("https://"), "{base}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check_base(text);
        // The key files a config names: PEM parsing of both keys, refused below 2048 bits.
        if let Ok(k) = PrivateKey::from_pem(text) {
            let _ = k.public_key();
        }
        let _ = PublicKey::from_pem(text);
    }
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };

    if let Ok(c) = serde_json::from_value::<AntomConfig>(value.clone()) {
        assert_round_trip(&c, "AntomConfig");
        let _ = c.validate();
    }
    if let Ok(c) = serde_json::from_value::<KiccConfig>(value.clone()) {
        assert_round_trip(&c, "KiccConfig");
        let verdict = c.validate().is_ok();
        let back: KiccConfig =
            serde_json::from_value(serde_json::to_value(&c).expect("serialises")).expect("reads");
        assert_eq!(
            back.validate().is_ok(),
            verdict,
            "validation changed after a round trip"
        );
    }
    if let Ok(c) = serde_json::from_value::<IotPayConfig>(value.clone()) {
        assert_round_trip(&c, "IotPayConfig");
        check_base(&c.base_url);
        if let Ok(base) = validate(&c) {
            assert_eq!(check_base_url(&c.base_url).as_deref(), Ok(base.as_str()));
        }
    }

    with_ledger(|ledger| {
        let row = TerminalRow {
            name: "fuzz".into(),
            kind: "antom-lan".into(),
            config: value.clone(),
            is_default: true,
        };
        match ledger.upsert_terminal(&row) {
            Ok(()) => {
                assert!(
                    !holds_pem_private_key(&value),
                    "a PEM private key was stored"
                );
                let back = ledger
                    .terminal("fuzz")
                    .expect("reads")
                    .expect("just stored");
                assert!(
                    json_eq(&back.config, &value),
                    "stored {value}, read {}",
                    back.config
                );
            }
            Err(LedgerError::SecretNotAllowed { .. }) => {}
            Err(e) => panic!("storing a terminal config failed: {e}"),
        }
        match ledger.set_setting("fuzz", &value) {
            Ok(()) => {
                assert!(
                    !holds_pem_private_key(&value),
                    "a PEM private key was stored"
                );
                let back = ledger.setting("fuzz").expect("reads").expect("just stored");
                assert!(json_eq(&back, &value), "stored {value}, read {back}");
            }
            Err(LedgerError::SecretNotAllowed { .. }) => {}
            Err(e) => panic!("storing a setting failed: {e}"),
        }
    });
});
