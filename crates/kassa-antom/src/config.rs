//! The N950 LAN terminal's settings, as stored (JSON) in the ledger, and loading its keys.

use crate::protocol::{Envelope, KeyError, PrivateKey, PublicKey};
use kassa_core::Timing;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The N950's LAN API port (docs/protocols.md §1.1).
pub const DEFAULT_PORT: u16 = 8344;

/// One N950 terminal reached over the store LAN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AntomConfig {
    /// The terminal's static IP address or host name.
    pub host: String,
    /// API port, 8344 on a real terminal.
    #[serde(default = "default_port")]
    pub port: u16,
    /// The terminal's serial number (SN), sent as `Client-Id`.
    pub client_id: String,
    /// The POS private key (PKCS#8 PEM) exchanged with Antom.
    pub pos_key_path: PathBuf,
    /// Antom's / the terminal's public key (SPKI PEM) received in the key exchange.
    pub terminal_key_path: PathBuf,
    /// Body cipher profile, `ecb` (default) or `gcm` (docs/protocols.md §1.3).
    #[serde(default)]
    pub envelope: Envelope,
    /// Whether the terminal has Customer Mode enabled (D-store console): it decides whether
    /// partial refunds can go through the API.
    #[serde(default)]
    pub customer_mode: bool,
    /// `paymentMethod` sent with each payment.
    #[serde(default = "default_payment_method")]
    pub payment_method: String,
    /// Timeouts and recovery policy.
    #[serde(default = "AntomConfig::default_timing")]
    pub timing: Timing,
}

fn default_port() -> u16 {
    DEFAULT_PORT
}

fn default_payment_method() -> String {
    "CARD".to_string()
}

impl AntomConfig {
    /// The vendor's timeouts (§1.4) and the recovery policy (§1.7): diagnosis 15 s, pay 120 s,
    /// inquiry 15 s, refund 120 s, an inquiry every 3 s for up to 180 s.
    pub fn default_timing() -> Timing {
        Timing {
            diagnose: Duration::from_secs(15),
            pay: Duration::from_secs(120),
            inquiry: Duration::from_secs(15),
            refund: Duration::from_secs(120),
            poll_interval: Duration::from_secs(3),
            recovery_window: Duration::from_secs(180),
        }
    }

    /// Checks the fields that need no file access, the LAN address included.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.host.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "the terminal's IP address is empty".into(),
            ));
        }
        self.validate_terminal()
    }

    /// Checks what every transport needs (serial number, payment method); the address is
    /// the transport's business (a USB terminal may have none).
    pub fn validate_terminal(&self) -> Result<(), ConfigError> {
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "the terminal's serial number (Client-Id) is empty".into(),
            ));
        }
        if self.payment_method.trim().is_empty() {
            return Err(ConfigError::Invalid("the payment method is empty".into()));
        }
        Ok(())
    }

    /// Reads both keys.
    pub fn load_keys(&self) -> Result<(PrivateKey, PublicKey), ConfigError> {
        let pos = load(&self.pos_key_path, "POS private key", PrivateKey::from_pem)?;
        let terminal = load(
            &self.terminal_key_path,
            "terminal public key",
            PublicKey::from_pem,
        )?;
        Ok((pos, terminal))
    }
}

/// Why a terminal's settings cannot be used. Messages name the file and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A key file does not exist.
    #[error("the {which} file {path} does not exist: check the path in the terminal settings")]
    Missing {
        /// Which key.
        which: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// A key file exists but cannot be read.
    #[error("the {which} file {path} cannot be read ({reason}): check its permissions")]
    Unreadable {
        /// Which key.
        which: &'static str,
        /// The path given.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A key file is not the expected key.
    #[error("the {which} file {path} is not a usable key ({reason}): use the PEM file from the key exchange")]
    NotAKey {
        /// Which key.
        which: &'static str,
        /// The path given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting is invalid.
    #[error("{0}: correct the terminal settings")]
    Invalid(String),
}

fn load<T>(
    path: &Path,
    which: &'static str,
    parse: fn(&str) -> Result<T, KeyError>,
) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ConfigError::Missing {
                which,
                path: path.to_path_buf(),
            }
        } else {
            ConfigError::Unreadable {
                which,
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        }
    })?;
    parse(&text).map_err(|e| ConfigError::NotAKey {
        which,
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_keys::{dir, POS_PRIVATE, POS_PUBLIC, TERMINAL_PUBLIC};

    fn cfg() -> AntomConfig {
        AntomConfig {
            host: "127.0.0.1".into(),
            port: DEFAULT_PORT,
            client_id: "N950SN0001".into(),
            pos_key_path: dir().join(POS_PRIVATE),
            terminal_key_path: dir().join(TERMINAL_PUBLIC),
            envelope: Envelope::Gcm,
            customer_mode: false,
            payment_method: "CARD".into(),
            timing: AntomConfig::default_timing(),
        }
    }

    #[test]
    fn minimal_json_takes_the_documented_defaults() {
        let c: AntomConfig = serde_json::from_value(serde_json::json!({
            "host": "192.168.71.58", "client_id": "SN1",
            "pos_key_path": "/k/pos.pem", "terminal_key_path": "/k/term.pem"
        }))
        .unwrap();
        assert_eq!(c.port, 8344);
        assert_eq!(c.envelope, Envelope::Ecb);
        assert!(!c.customer_mode);
        assert_eq!(c.payment_method, "CARD");
        assert_eq!(c.timing.pay, Duration::from_secs(120));
        assert_eq!(c.timing.recovery_window, Duration::from_secs(180));
        let back: AntomConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        let ecb: AntomConfig = serde_json::from_value(serde_json::json!({
            "host": "h", "client_id": "SN1", "pos_key_path": "a", "terminal_key_path": "b",
            "envelope": "ecb"
        }))
        .unwrap();
        assert_eq!(ecb.envelope, Envelope::Ecb);
        let gcm: AntomConfig = serde_json::from_value(serde_json::json!({
            "host": "h", "client_id": "SN1", "pos_key_path": "a", "terminal_key_path": "b",
            "envelope": "gcm"
        }))
        .unwrap();
        assert_eq!(gcm.envelope, Envelope::Gcm);
    }

    #[test]
    fn key_errors_say_which_file_and_what_is_wrong() {
        assert!(cfg().load_keys().is_ok());
        let missing = AntomConfig {
            pos_key_path: "/nonexistent/pos.pem".into(),
            ..cfg()
        };
        let e = missing.load_keys().unwrap_err();
        assert!(
            matches!(
                e,
                ConfigError::Missing {
                    which: "POS private key",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("/nonexistent/pos.pem"));
        // The POS *public* key where the terminal's is expected parses, but a public key where
        // the private one belongs does not.
        let swapped = AntomConfig {
            pos_key_path: dir().join(POS_PUBLIC),
            ..cfg()
        };
        let e = swapped.load_keys().unwrap_err();
        assert!(
            matches!(
                e,
                ConfigError::NotAKey {
                    which: "POS private key",
                    ..
                }
            ),
            "{e}"
        );
        let folder = AntomConfig {
            terminal_key_path: dir(),
            ..cfg()
        };
        let e = folder.load_keys().unwrap_err();
        assert!(
            matches!(
                e,
                ConfigError::Unreadable {
                    which: "terminal public key",
                    ..
                }
            ),
            "{e}"
        );
        let blank = AntomConfig {
            client_id: " ".into(),
            ..cfg()
        };
        assert!(matches!(blank.validate(), Err(ConfigError::Invalid(_))));
    }
}
