//! Terminal settings as stored in the ledger, and the factory that turns them into drivers.
//! This is the only place that knows every driver; the rest of the service sees
//! `dyn Terminal`.

use crate::error::{AppError, AppResult};
use crate::keyfiles;
use kassa_antom::usb::{UsbBackend, UsbOptions};
use kassa_core::{Clock, Terminal};
use kassa_ledger::TerminalRow;
use std::sync::Arc;

/// Kind of the Antom N950 LAN driver.
pub const ANTOM_LAN: &str = "antom-lan";
/// Kind of the Antom N950 USB (Android Open Accessory) driver.
pub const ANTOM_USB: &str = "antom-usb";
/// Kind of the KICC bridge driver.
pub const KICC: &str = "kicc";
/// Kind of the IOT Pay CC_PAX driver.
pub const IOTPAY: &str = "iotpay";

/// Builds the driver a stored terminal row describes. Fails with a message naming the
/// terminal when its settings are unreadable or its key files are missing; warns (without
/// reading it out) when a private, merchant or pairing key file can be read by other users.
pub fn build_terminal(
    row: &TerminalRow,
    clock: Arc<dyn Clock>,
    usb: Arc<dyn UsbBackend>,
) -> AppResult<Arc<dyn Terminal>> {
    let bad = |e: String| {
        AppError::Config(format!(
            "terminal {:?} ({}) cannot be used: {e}. Fix it with `kassactl terminal add` or in Settings",
            row.name, row.kind
        ))
    };
    match row.kind.as_str() {
        ANTOM_LAN => {
            let cfg: kassa_antom::AntomConfig =
                serde_json::from_value(row.config.clone()).map_err(|e| bad(e.to_string()))?;
            keyfiles::warn_if_readable_by_others(&row.name, "POS private key", &cfg.pos_key_path);
            let t = kassa_antom::AntomLan::new(cfg, clock).map_err(|e| bad(e.to_string()))?;
            Ok(Arc::new(t))
        }
        ANTOM_USB => {
            // Nothing is opened here: the terminal may be unplugged while it is set up.
            let cfg: kassa_antom::usb::AntomUsbConfig =
                serde_json::from_value(row.config.clone()).map_err(|e| bad(e.to_string()))?;
            let t = kassa_antom::Antom::usb_with_backend(cfg, usb, UsbOptions::default(), clock)
                .map_err(|e| bad(e.to_string()))?;
            Ok(Arc::new(t))
        }
        KICC => {
            let cfg: kassa_kicc::KiccConfig =
                serde_json::from_value(row.config.clone()).map_err(|e| bad(e.to_string()))?;
            keyfiles::warn_if_readable_by_others(&row.name, "pairing key", &cfg.pairing_key_file);
            let t = kassa_kicc::Kicc::new(cfg, clock).map_err(|e| bad(e.to_string()))?;
            Ok(Arc::new(t))
        }
        IOTPAY => {
            let cfg: kassa_iotpay::IotPayConfig =
                serde_json::from_value(row.config.clone()).map_err(|e| bad(e.to_string()))?;
            keyfiles::warn_if_readable_by_others(&row.name, "merchant key", &cfg.key_file);
            let t = kassa_iotpay::IotPay::new(cfg, clock).map_err(|e| bad(e.to_string()))?;
            Ok(Arc::new(t))
        }
        other => Err(bad(format!("unknown terminal kind {other:?}"))),
    }
}

/// A USB device that is, or may be, an N950: what `kassactl usb list` prints and the terminal
/// settings offer.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UsbTerminalView {
    /// `18d1:2d00`.
    pub ids: String,
    /// `bus 001 device 042` (changes when the device re-enumerates).
    pub location: String,
    /// Maker string, when the device could be opened.
    pub manufacturer: Option<String>,
    /// Product string.
    pub product: Option<String>,
    /// Serial number string (what `--serial` matches).
    pub serial: Option<String>,
    /// `accessory` (ready), `switchable` (an N950 in normal mode), `unidentified` (speaks the
    /// accessory protocol, not known as an N950) or `unopened` (see `detail`).
    pub state: String,
    /// Whether it is in accessory mode now.
    pub accessory_mode: bool,
    /// A sentence for people.
    pub detail: String,
}

/// Lists USB devices that are, or may be, N950 terminals, on libusb. A machine without USB
/// gets a configuration error saying so.
pub async fn usb_terminals() -> AppResult<Vec<UsbTerminalView>> {
    usb_terminals_on(Arc::new(kassa_antom::usb::RusbBackend::new())).await
}

/// As [`usb_terminals`], on the given bus. The scan runs on the blocking pool, never on the
/// async workers.
pub async fn usb_terminals_on(backend: Arc<dyn UsbBackend>) -> AppResult<Vec<UsbTerminalView>> {
    use kassa_antom::usb::{scan_async, FoundMode};
    let found = scan_async(backend)
        .await
        .map_err(|e| AppError::Config(e.to_string()))?;
    Ok(found
        .into_iter()
        .map(|d| UsbTerminalView {
            ids: d.info.ids(),
            location: d.info.at.to_string(),
            manufacturer: d.strings.manufacturer.clone(),
            product: d.strings.product.clone(),
            serial: d.strings.serial.clone(),
            state: d.state().to_string(),
            accessory_mode: matches!(d.mode, FoundMode::Accessory),
            detail: d.detail(),
        })
        .collect())
}
