//! The settings of an N950 cabled by USB, as stored (JSON) in the ledger, and the driver
//! built from them: the shared [`Antom`] driver over a [`UsbTransport`].

use super::backend::UsbBackend;
use super::discovery::Selector;
use super::transport::UsbTransport;
use super::{RusbBackend, UsbOptions};
use crate::config::{AntomConfig, ConfigError, DEFAULT_PORT};
use crate::driver::Antom;
use crate::lan::LanTransport;
use crate::protocol::Envelope;
use kassa_core::{Clock, Timing};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// The N950 over USB.
pub type AntomUsb = Antom<UsbTransport>;

/// One N950 on a USB cable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AntomUsbConfig {
    /// The USB serial number (or the `_SN:` in its product string) of the terminal to use
    /// when several Android devices are attached; `None` takes the one N950 found.
    #[serde(default)]
    pub serial: Option<String>,
    /// The terminal's serial number (SN) as Antom issued it, sent as `Client-Id`.
    pub client_id: String,
    /// The POS private key (PKCS#8 PEM) exchanged with Antom.
    pub pos_key_path: PathBuf,
    /// Antom's / the terminal's public key (SPKI PEM).
    pub terminal_key_path: PathBuf,
    /// Body cipher profile, `ecb` (default) or `gcm` (docs/protocols.md §1.3).
    #[serde(default)]
    pub envelope: Envelope,
    /// Whether Customer Mode is enabled on the terminal (partial refunds through the API).
    #[serde(default)]
    pub customer_mode: bool,
    /// `paymentMethod` sent with each payment.
    #[serde(default = "default_payment_method")]
    pub payment_method: String,
    /// Timeouts and recovery policy (the vendor's, §1.4, by default).
    #[serde(default = "AntomConfig::default_timing")]
    pub timing: Timing,
    /// The terminal's LAN address, where refunds go when the terminal refuses them over the
    /// cable (docs/protocols.md §1.6); without it those are done on the terminal and recorded
    /// by a manager.
    #[serde(default)]
    pub lan_host: Option<String>,
    /// The LAN API port (8344).
    #[serde(default = "default_port")]
    pub lan_port: u16,
}

fn default_payment_method() -> String {
    "CARD".to_string()
}

fn default_port() -> u16 {
    DEFAULT_PORT
}

impl AntomUsbConfig {
    /// The protocol settings the shared driver reads (the LAN address, if any, as its host).
    pub fn antom_config(&self) -> AntomConfig {
        AntomConfig {
            host: self.lan_host().unwrap_or_default().to_string(),
            port: self.lan_port,
            client_id: self.client_id.clone(),
            pos_key_path: self.pos_key_path.clone(),
            terminal_key_path: self.terminal_key_path.clone(),
            envelope: self.envelope,
            customer_mode: self.customer_mode,
            payment_method: self.payment_method.clone(),
            timing: self.timing,
        }
    }

    /// The LAN address, when one is set.
    pub fn lan_host(&self) -> Option<&str> {
        self.lan_host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
    }

    /// Which device to use.
    pub fn selector(&self) -> Selector {
        Selector {
            serial: self
                .serial
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        }
    }
}

impl Antom<UsbTransport> {
    /// The driver over libusb. Nothing is opened until the first call, so a terminal can be
    /// set up while unplugged (or on a machine without USB).
    pub fn usb(cfg: AntomUsbConfig, clock: Arc<dyn Clock>) -> Result<AntomUsb, ConfigError> {
        Antom::usb_with_backend(
            cfg,
            Arc::new(RusbBackend::new()),
            UsbOptions::default(),
            clock,
        )
    }

    /// The driver over any USB backend (the fake device in tests).
    pub fn usb_with_backend(
        cfg: AntomUsbConfig,
        backend: Arc<dyn UsbBackend>,
        opts: UsbOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<AntomUsb, ConfigError> {
        let antom = cfg.antom_config();
        antom.validate_terminal()?;
        let lan = match cfg.lan_host() {
            Some(host) => {
                Some(LanTransport::new(host, cfg.lan_port).map_err(ConfigError::Invalid)?)
            }
            None => None,
        };
        let transport =
            UsbTransport::new(backend, cfg.selector(), opts, lan).map_err(ConfigError::Invalid)?;
        Antom::with_transport(antom, transport, clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_json_takes_the_documented_defaults() {
        let c: AntomUsbConfig = serde_json::from_value(serde_json::json!({
            "client_id": "SN1", "pos_key_path": "/k/pos.pem", "terminal_key_path": "/k/t.pem"
        }))
        .unwrap();
        assert_eq!(c.serial, None);
        assert_eq!(c.lan_host(), None);
        assert_eq!(c.lan_port, 8344);
        assert_eq!(c.envelope, Envelope::Ecb);
        assert_eq!(c.timing, AntomConfig::default_timing());
        assert_eq!(c.selector(), Selector::default());
        let blank = AntomUsbConfig {
            lan_host: Some("  ".into()),
            serial: Some(" 35000001 ".into()),
            ..c
        };
        assert_eq!(blank.lan_host(), None);
        assert_eq!(blank.selector().serial.as_deref(), Some("35000001"));
        assert_eq!(blank.antom_config().host, "");
    }
}
