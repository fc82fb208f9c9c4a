//! The N950 over a USB cable (docs/protocols.md §2): Android Open Accessory plus the project's bulk
//! framing, as a second [`crate::Transport`] under the same driver — signing, the envelope,
//! recovery and the Customer Mode rules are the LAN driver's, not copies.
//!
//! - [`backend`]: the small USB seam (list, open, descriptors, control and bulk transfers);
//!   [`RusbBackend`] is libusb, [`fake`] a byte-level stand-in for tests;
//! - [`accessory`]: the accessory ids, GET_PROTOCOL and the switch, as the vendor sends them;
//! - [`discovery`]: finding the terminal, switching it, waiting for it to come back, `usb list`;
//! - [`frame`] and [`reader`]: the §2.2 frame, its pure parser ([`parse_frame`], the fuzzing
//!   target) and reassembly with resynchronisation;
//! - [`link`]: the claimed bulk endpoints and one exchange (16 KiB writes, zero-length packets);
//! - [`transport`]: [`UsbTransport`], on its own thread, with the LAN as the refund fallback;
//! - [`config`]: [`AntomUsbConfig`] and the [`AntomUsb`] driver built from it;
//! - [`errors`]: what people are told when the terminal cannot be reached.

pub mod accessory;
pub mod backend;
pub mod config;
pub mod discovery;
pub mod errors;
pub mod fake;
pub mod frame;
pub mod link;
pub mod reader;
mod rusb_backend;
pub mod transport;

pub use backend::{BusAddress, DeviceInfo, DeviceStrings, UsbBackend, UsbError, UsbHandle};
pub use config::{AntomUsb, AntomUsbConfig};
pub use discovery::{scan, FoundDevice, FoundMode, Selector};
pub use errors::{UsbSetupError, UDEV_RULE};
pub use frame::{encode_frame, parse_frame, Frame, FrameError, FrameKind};
pub use rusb_backend::RusbBackend;
pub use transport::UsbTransport;

use std::time::Duration;

/// Waits of the USB set-up (the calls' own timeouts are the driver's, §1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbOptions {
    /// How long to wait for the terminal to come back in accessory mode after START.
    pub reenumerate_wait: Duration,
    /// How often to look for it meanwhile.
    pub poll_interval: Duration,
    /// How long a fresh link may take to answer its ping.
    pub ping_timeout: Duration,
}

impl Default for UsbOptions {
    /// 5 s to re-enumerate, looked for every 250 ms; 3 s for the ping.
    fn default() -> UsbOptions {
        UsbOptions {
            reenumerate_wait: Duration::from_secs(5),
            poll_interval: Duration::from_millis(250),
            ping_timeout: Duration::from_secs(3),
        }
    }
}

impl UsbOptions {
    /// The longest the set-up before a call can take: the wait, the ping, and the control
    /// transfers of the switch with room to spare.
    pub fn setup_budget(&self) -> Duration {
        self.reenumerate_wait + self.ping_timeout + Duration::from_secs(15)
    }
}

/// Lists what is on the bus, on the blocking pool (libusb never runs on an async worker).
pub async fn scan_async(
    backend: std::sync::Arc<dyn UsbBackend>,
) -> Result<Vec<FoundDevice>, UsbSetupError> {
    tokio::task::spawn_blocking(move || scan(backend.as_ref()))
        .await
        .unwrap_or_else(|e| {
            Err(UsbSetupError::Unavailable(format!(
                "the USB scan stopped: {e}"
            )))
        })
}
