//! Terminal settings as stored in the ledger, and the factory that turns them into drivers.
//! This is the only place that knows every driver; the rest of the service sees
//! `dyn Terminal`.

use crate::error::{AppError, AppResult};
use crate::keyfiles;
use kassa_core::{Clock, Terminal};
use kassa_ledger::TerminalRow;
use std::sync::Arc;

/// Kind of the Antom N950 LAN driver.
pub const ANTOM_LAN: &str = "antom-lan";
/// Kind of the KICC bridge driver.
pub const KICC: &str = "kicc";
/// Kind of the IOT Pay CC_PAX driver.
pub const IOTPAY: &str = "iotpay";

/// Builds the driver a stored terminal row describes. Fails with a message naming the
/// terminal when its settings are unreadable or its key files are missing; warns (without
/// reading it out) when a private or merchant key file can be read by other users.
pub fn build_terminal(row: &TerminalRow, clock: Arc<dyn Clock>) -> AppResult<Arc<dyn Terminal>> {
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
        KICC => {
            let cfg: kassa_kicc::KiccConfig =
                serde_json::from_value(row.config.clone()).map_err(|e| bad(e.to_string()))?;
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
