//! Settings of one KICC terminal as stored in the ledger (JSON), with their checks.

use kassa_core::Timing;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Default `paymentExpiryTime`: seconds the customer has to present a card (vendor default).
pub const DEFAULT_PAYMENT_EXPIRY_SECS: u32 = 30;

/// How one KICC terminal is reached and identified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KiccConfig {
    /// Host of the bridge app on the Android device.
    pub host: String,
    /// TCP port of the bridge.
    pub port: u16,
    /// Merchant id the SDK is initialised with (`init.merchantId`).
    pub merchant_id: String,
    /// `acquirerInfo.acquirerTerminalId` (TID) sent with every purchase.
    pub acquirer_terminal_id: String,
    /// `acquirerInfo.acquirerRegistrationNo`, the business registration number.
    pub registration_no: String,
    /// File holding the bridge's pairing key (docs/protocols.md §3.2), base32 as the bridge
    /// shows it. The key itself is never a setting: it stays in this owner-only file, out of
    /// the ledger, the UI and the logs. Required: without it no line can be trusted.
    pub pairing_key_file: PathBuf,
    /// `paymentExpiryTime`: seconds the customer has to present a card.
    #[serde(default = "default_expiry")]
    pub payment_expiry_secs: u32,
    /// Timeouts: `pay` is the Purchase timeout without a signature (a signed purchase gets
    /// [`crate::rules::SIGNATURE_EXTRA`] more), `refund` PurchaseCancel, `inquiry`
    /// GetLastTransaction, `diagnose` connecting and initialising the bridge.
    #[serde(default = "KiccConfig::default_timing")]
    pub timing: Timing,
}

fn default_expiry() -> u32 {
    DEFAULT_PAYMENT_EXPIRY_SECS
}

/// Settings that cannot work, found before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("KICC settings: {0}")]
pub struct ConfigError(pub String);

impl KiccConfig {
    /// The vendor's default timeouts (docs/protocols.md §3.1) and Kassa's recovery policy: GetLastTransaction
    /// every 3 s for 3 minutes, longer than the longest purchase (115 s) can still be running.
    pub fn default_timing() -> Timing {
        Timing {
            diagnose: Duration::from_secs(5),
            pay: Duration::from_secs(95),
            inquiry: Duration::from_secs(5),
            refund: Duration::from_secs(85),
            poll_interval: Duration::from_secs(3),
            recovery_window: Duration::from_secs(180),
        }
    }

    /// Checks every field, naming the one to fix.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError(m.to_string()));
        if self.host.trim().is_empty() {
            return bad("the bridge host is empty: enter the Android device's address");
        }
        if self.port == 0 {
            return bad("the bridge port is 0: enter the port the bridge app listens on");
        }
        if self.merchant_id.trim().is_empty() {
            return bad("the merchant id is empty: enter the id KICC issued for this store");
        }
        if self.pairing_key_file.as_os_str().is_empty() {
            return bad(
                "the pairing key file is empty: name the file holding the key the bridge app shows",
            );
        }
        if self.acquirer_terminal_id.trim().is_empty() {
            return bad("the acquirer terminal id (TID) is empty: copy it from the terminal");
        }
        let reg = self.registration_no.trim();
        if reg.is_empty() || !reg.chars().all(|c| c.is_ascii_digit()) {
            return bad("the business registration number must be digits only (e.g. 0216001234)");
        }
        if !(1..=600).contains(&self.payment_expiry_secs) {
            return bad("the card wait (payment expiry) must be between 1 and 600 seconds");
        }
        let t = &self.timing;
        for (name, d) in [
            ("pay", t.pay),
            ("refund", t.refund),
            ("inquiry", t.inquiry),
            ("diagnose", t.diagnose),
        ] {
            if d.is_zero() {
                return Err(ConfigError(format!(
                    "the {name} timeout is 0: use the default"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> KiccConfig {
        KiccConfig {
            host: "10.0.0.7".into(),
            port: 7800,
            merchant_id: "M100".into(),
            acquirer_terminal_id: "0788888".into(),
            registration_no: "0216001234".into(),
            pairing_key_file: "/etc/kassa/kicc-bridge.key".into(),
            payment_expiry_secs: 30,
            timing: KiccConfig::default_timing(),
        }
    }

    #[test]
    fn stored_json_may_omit_the_defaults() {
        let c: KiccConfig = serde_json::from_value(serde_json::json!({
            "host": "10.0.0.7", "port": 7800, "merchant_id": "M100",
            "acquirer_terminal_id": "0788888", "registration_no": "0216001234",
            "pairing_key_file": "/etc/kassa/kicc-bridge.key"
        }))
        .unwrap();
        assert_eq!(c, cfg());
        let back: KiccConfig =
            serde_json::from_value(serde_json::to_value(cfg()).unwrap()).unwrap();
        assert_eq!(back, cfg(), "what is stored reads back the same");
        let mut old = serde_json::to_value(cfg()).unwrap();
        old.as_object_mut().unwrap().remove("pairing_key_file");
        assert!(
            serde_json::from_value::<KiccConfig>(old).is_err(),
            "settings without a pairing key file are refused, never used unauthenticated"
        );
    }

    #[test]
    fn each_unusable_field_is_named() {
        assert!(cfg().validate().is_ok());
        type Breaker = fn(&mut KiccConfig);
        let cases: [(Breaker, &str); 6] = [
            (|c| c.host.clear(), "host"),
            (|c| c.pairing_key_file.clear(), "pairing key"),
            (|c| c.port = 0, "port"),
            (|c| c.registration_no = "021-600".into(), "registration"),
            (|c| c.payment_expiry_secs = 0, "expiry"),
            (|c| c.timing.pay = Duration::ZERO, "pay timeout"),
        ];
        for (break_it, word) in cases {
            let mut c = cfg();
            break_it(&mut c);
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(word), "{e:?} should name {word}");
        }
    }
}
