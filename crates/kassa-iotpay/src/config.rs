//! The driver's public settings (stored as JSON in the ledger) and their checks.
//!
//! The merchant key is not a setting: the config names the file it is read from, and
//! `deny_unknown_fields` refuses a config that tries to carry a `key` inline.

use kassa_core::{Currency, Secret, Timing};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The shortest recovery window docs/protocols.md §4.3 allows (query for at least a minute).
pub const MIN_RECOVERY_WINDOW: Duration = Duration::from_secs(60);

/// Settings of one IOT Pay CC_PAX terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IotPayConfig {
    /// API base, e.g. `https://api.iotpaycloud.com/v1`; plain `http` only on loopback.
    pub base_url: String,
    /// Merchant id assigned by IOT Pay (`mchId`).
    pub mch_id: String,
    /// The merchant's IOT Pay login name, sent as `jobNo` (docs/protocols.md §4.1): one per
    /// merchant account, not the cashier's name (which IOT Pay does not know).
    pub job_no: String,
    /// Device info sent as `device` (which PAX terminal); may be empty.
    #[serde(default)]
    pub device: String,
    /// File holding the merchant key (its first line; surrounding whitespace is ignored).
    pub key_file: PathBuf,
    /// When set, payments in any other currency are refused before sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Timeouts and recovery policy; [`default_timing`] when absent.
    #[serde(default = "default_timing")]
    pub timing: Timing,
}

impl IotPayConfig {
    /// The same as [`default_timing`], where the other drivers keep theirs.
    pub fn default_timing() -> Timing {
        default_timing()
    }
}

/// IOT Pay's defaults (docs/protocols.md §4.1, §4.3): the pay call waits well beyond the PAX
/// terminal's own timeout (150 s), and recovery queries `query_order` every 2 s for 90 s —
/// above the vendor's minute.
///
/// The recovery window counts from the moment the create_order call *ended* (answered, broke
/// off or was given up after `pay`), not from when it was sent: the cloud may hold the call
/// for the whole `pay` time while the customer is still at the terminal, so a window counted
/// from the send could be spent before the first query is asked.
pub fn default_timing() -> Timing {
    Timing {
        diagnose: Duration::from_secs(10),
        pay: Duration::from_secs(150),
        inquiry: Duration::from_secs(10),
        refund: Duration::from_secs(10),
        poll_interval: Duration::from_secs(2),
        recovery_window: Duration::from_secs(90),
    }
}

/// Why the settings cannot make a driver. Each message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The base URL is unusable or insecure.
    #[error("the IOT Pay base URL {url:?} cannot be used: {why}. Use https://… (plain http:// only for a simulator on this computer: 127.0.0.1, localhost or [::1])")]
    BaseUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// The key file cannot be read.
    #[error("cannot read the IOT Pay merchant key file {path}: {why}. Check the path and that Kassa may read it")]
    KeyFile {
        /// The file.
        path: String,
        /// The system's reason.
        why: String,
    },
    /// A required setting is missing or too long.
    #[error("the IOT Pay setting {field} {why}")]
    Field {
        /// The setting's name.
        field: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// Timeouts that cannot work.
    #[error("the IOT Pay timing is not usable: {0}")]
    Timing(String),
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be set up: {0}")]
    Http(String),
}

/// Checks `url` and returns it without a trailing slash.
pub fn check_base_url(url: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| ConfigError::BaseUrl {
        url: url.to_string(),
        why: why.to_string(),
    };
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| bad(&e.to_string()))?;
    match parsed.scheme() {
        "https" => {}
        "http" => {
            let host = parsed.host_str().unwrap_or_default();
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(bad("plain http is allowed only on loopback"));
            }
        }
        _ => return Err(bad("the scheme must be https")),
    }
    if parsed.host().is_none() {
        return Err(bad("it has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("it must not carry a query or fragment"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// Reads the merchant key: the file's content without surrounding whitespace.
pub fn read_key(path: &Path) -> Result<Secret<String>, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::KeyFile {
        path: shown.clone(),
        why: e.to_string(),
    })?;
    let key = text.trim();
    if key.is_empty() {
        return Err(ConfigError::KeyFile {
            path: shown,
            why: "the file is empty".into(),
        });
    }
    Ok(Secret::new(key.to_string()))
}

fn check_text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), ConfigError> {
    if required && value.trim().is_empty() {
        return Err(ConfigError::Field {
            field,
            why: "is empty: copy it from the IOT Pay merchant portal".into(),
        });
    }
    if value.chars().count() > max {
        return Err(ConfigError::Field {
            field,
            why: format!("is longer than IOT Pay's {max} characters"),
        });
    }
    Ok(())
}

/// Checks every setting but the key file.
pub fn validate(cfg: &IotPayConfig) -> Result<String, ConfigError> {
    let base = check_base_url(&cfg.base_url)?;
    check_text("mch_id", &cfg.mch_id, 30, true)?;
    check_text("job_no", &cfg.job_no, 50, true)?;
    check_text("device", &cfg.device, 64, false)?;
    let t = &cfg.timing;
    for (name, d) in [
        ("pay", t.pay),
        ("inquiry", t.inquiry),
        ("diagnose", t.diagnose),
        ("poll_interval", t.poll_interval),
    ] {
        if d.is_zero() {
            return Err(ConfigError::Timing(format!(
                "{name} must be longer than zero"
            )));
        }
    }
    if t.recovery_window < MIN_RECOVERY_WINDOW {
        return Err(ConfigError::Timing(format!(
            "recovery_window is {} s; IOT Pay asks to keep querying for at least {} s",
            t.recovery_window.as_secs(),
            MIN_RECOVERY_WINDOW.as_secs()
        )));
    }
    if t.poll_interval > t.recovery_window {
        return Err(ConfigError::Timing(
            "poll_interval is longer than recovery_window".into(),
        ));
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://api.iotpaycloud.com/v1",
            "https://api.iotpaycloud.com/v1/",
            "http://127.0.0.1:8080/v1",
            "http://127.1.2.3/v1",
            "http://localhost:9/v1",
            "http://LOCALHOST/v1",
            "http://[::1]:8080/v1",
        ] {
            let base = check_base_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!base.ends_with('/'), "{base}");
        }
        for bad in [
            "http://api.iotpaycloud.com/v1",
            "http://10.0.0.5/v1",
            "http://128.0.0.1/v1",
            "http://[::2]/v1",
            "http://localhost.evil.com/v1",
            "ftp://127.0.0.1/v1",
            "api.iotpaycloud.com/v1",
            "",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(ConfigError::BaseUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn config_round_trips_without_a_key_and_refuses_one_inline() {
        let json = serde_json::json!({
            "base_url": "https://api.iotpaycloud.com/v1",
            "mch_id": "10000576",
            "job_no": "testpax",
            "device": "V1-B25",
            "key_file": "/etc/kassa/iotpay.key",
            "currency": "CAD"
        });
        let cfg: IotPayConfig = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(cfg.timing, default_timing());
        assert!(cfg.timing.pay >= Duration::from_secs(120));
        assert_eq!(
            serde_json::from_value::<IotPayConfig>(serde_json::to_value(&cfg).unwrap()).unwrap(),
            cfg
        );
        let mut with_key = json;
        with_key["key"] = "TESTKEY".into();
        let err = serde_json::from_value::<IotPayConfig>(with_key)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `key`"), "{err}");
    }

    #[test]
    fn default_timing_polls_every_two_seconds_for_at_least_a_minute() {
        let t = default_timing();
        assert_eq!(t.poll_interval, Duration::from_secs(2));
        assert!(t.recovery_window >= MIN_RECOVERY_WINDOW, "{t:?}");
        assert!(t.pay >= Duration::from_secs(120), "{t:?}");
    }

    #[test]
    fn short_recovery_windows_and_empty_ids_are_refused() {
        let mut cfg: IotPayConfig = serde_json::from_value(serde_json::json!({
            "base_url": "https://api.iotpaycloud.com/v1", "mch_id": "1", "job_no": "j",
            "key_file": "k"
        }))
        .unwrap();
        assert!(validate(&cfg).is_ok());
        cfg.timing.recovery_window = Duration::from_secs(59);
        assert!(matches!(validate(&cfg), Err(ConfigError::Timing(_))));
        cfg.timing = default_timing();
        cfg.mch_id = " ".into();
        assert!(matches!(
            validate(&cfg),
            Err(ConfigError::Field {
                field: "mch_id",
                ..
            })
        ));
    }
}
