//! Why the POS cannot talk to a USB terminal, in words that say what to do next: install the
//! udev rule, bind WinUSB, close the other program, plug the cable, name the serial number.

use super::backend::{DeviceInfo, DeviceStrings, UsbError};
use std::fmt;

/// Where the Linux udev rule lives in the repository (and in the packages).
pub const UDEV_RULE: &str = "assets/udev/70-kassa-n950.rules";

/// A device as messages name it: ids, place and, when known, its own name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceLabel(pub String);

impl DeviceLabel {
    /// `18d1:2d00 (newland QCM2290-IDP, serial 35…) at bus 001 device 042`.
    pub fn new(info: &DeviceInfo, strings: &DeviceStrings) -> DeviceLabel {
        let name: Vec<&str> = [&strings.manufacturer, &strings.product]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        let mut text = info.ids();
        match (name.is_empty(), &strings.serial) {
            (false, Some(sn)) => text.push_str(&format!(" ({}, serial {sn})", name.join(" "))),
            (false, None) => text.push_str(&format!(" ({})", name.join(" "))),
            (true, Some(sn)) => text.push_str(&format!(" (serial {sn})")),
            (true, None) => {}
        }
        text.push_str(&format!(" at {}", info.at));
        DeviceLabel(text)
    }
}

impl fmt::Display for DeviceLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn list(devices: &[DeviceLabel]) -> String {
    devices
        .iter()
        .map(|d| d.0.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What to do about a permission problem on this operating system.
fn permission_advice() -> String {
    if cfg!(windows) {
        "bind the WinUSB driver to the terminal with Zadig, for its normal id AND for its \
         accessory id 18d1:2d00 (see docs/OPERATOR.md, USB on Windows)"
            .to_string()
    } else if cfg!(target_os = "macos") {
        "close any program that uses the terminal (Android File Transfer, adb) and re-plug it \
         (see docs/OPERATOR.md, USB on macOS)"
            .to_string()
    } else {
        format!(
            "install the udev rule: sudo cp {UDEV_RULE} /etc/udev/rules.d/ && sudo udevadm \
             control --reload && sudo udevadm trigger, add this user to the plugdev group, then \
             re-plug the terminal (see docs/OPERATOR.md, USB on Linux)"
        )
    }
}

/// What else hides a terminal on this operating system.
fn not_found_advice() -> String {
    if cfg!(windows) {
        "; a terminal without the WinUSB driver is invisible to Kassa (docs/OPERATOR.md)".into()
    } else if cfg!(target_os = "macos") {
        String::new()
    } else {
        format!("; without the udev rule {UDEV_RULE} a terminal is invisible to Kassa")
    }
}

/// Why no USB link to the terminal could be made. Nothing was sent when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsbSetupError {
    /// libusb cannot run here at all.
    #[error("USB cannot be used on this computer ({0}). Connect the terminal over the LAN instead, or run Kassa where the terminal is plugged in")]
    Unavailable(String),
    /// The operating system refused to open a device that may be the terminal.
    #[error("no permission to open the USB device {}: {}", list(.0), permission_advice())]
    NoPermission(Vec<DeviceLabel>),
    /// Nothing that could be the terminal is connected.
    #[error("no N950 terminal found on USB{}: check that it is switched on, that the cable is a data cable (not charge-only) plugged into the terminal's USB-C port, and run `kassactl usb list`{}", .serial.as_ref().map(|s| format!(" with serial number {s}")).unwrap_or_default(), not_found_advice())]
    NotFound {
        /// The serial number asked for, if any.
        serial: Option<String>,
    },
    /// A device that may be the terminal does not speak the accessory protocol.
    #[error("{0} does not support the Android accessory protocol: it is not an N950 in USB mode. Check that USB communication is enabled on the terminal (D-store app) and that this is the terminal's cable")]
    AccessoryUnsupported(DeviceLabel),
    /// An Android device answers, but nothing says it is an N950.
    #[error("found {0}, which speaks the Android accessory protocol but does not identify as an N950; if it is the terminal, add its serial number to the terminal settings (--serial)")]
    Unidentified(DeviceLabel),
    /// More than one terminal, and no serial number to choose.
    #[error("several USB terminals are connected ({}): add the serial number of the one to use to the terminal settings (--serial)", list(.0))]
    Ambiguous(Vec<DeviceLabel>),
    /// Another program holds the terminal.
    #[error("{0} is claimed by another program (adb, another Kassa window, a vendor tool): close it and try again")]
    ClaimedByOther(DeviceLabel),
    /// The switch to accessory mode did not bring the terminal back.
    #[error("{device} did not come back in accessory mode ({reason}): unplug the terminal, wait five seconds, plug it in again and retry")]
    SwitchFailed {
        /// The device that was switched.
        device: DeviceLabel,
        /// What went wrong.
        reason: String,
    },
    /// Accessory mode without the bulk endpoints on interface 0.
    #[error("{0} is in accessory mode but has no bulk IN and OUT endpoints on interface 0: restart the terminal")]
    NoEndpoints(DeviceLabel),
    /// The link is up but the terminal does not answer.
    #[error("{0} does not answer on the USB link: open the D-store payment app on the terminal, then retry")]
    Silent(DeviceLabel),
    /// Any other USB failure while setting up.
    #[error("USB failure with {device}: {error}. Re-plug the terminal and retry")]
    Usb {
        /// The device.
        device: DeviceLabel,
        /// What libusb said.
        error: UsbError,
    },
}

impl UsbSetupError {
    /// The error for `error` on `device` while opening or claiming it.
    pub fn from_usb(device: DeviceLabel, error: UsbError) -> UsbSetupError {
        match error {
            UsbError::Access => UsbSetupError::NoPermission(vec![device]),
            UsbError::Busy => UsbSetupError::ClaimedByOther(device),
            UsbError::Unavailable(why) => UsbSetupError::Unavailable(why),
            // Windows says "not supported" when no WinUSB driver is bound.
            UsbError::NotSupported(_) if cfg!(windows) => UsbSetupError::NoPermission(vec![device]),
            other => UsbSetupError::Usb {
                device,
                error: other,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usb::backend::BusAddress;

    #[test]
    fn messages_name_the_device_and_the_next_step() {
        let info = DeviceInfo {
            at: BusAddress {
                bus: 1,
                address: 42,
            },
            vendor_id: 0x18D1,
            product_id: 0x2D00,
            class: 0,
        };
        let strings = DeviceStrings {
            manufacturer: Some("newland".into()),
            product: Some("QCM2290-IDP".into()),
            serial: Some("35000001".into()),
        };
        let label = DeviceLabel::new(&info, &strings);
        assert_eq!(
            label.0,
            "18d1:2d00 (newland QCM2290-IDP, serial 35000001) at bus 001 device 042"
        );
        let e = UsbSetupError::from_usb(label.clone(), UsbError::Access).to_string();
        assert!(
            e.contains("no permission") && e.contains("18d1:2d00"),
            "{e}"
        );
        if cfg!(target_os = "linux") {
            assert!(e.contains(UDEV_RULE), "{e}");
        }
        let e = UsbSetupError::from_usb(label, UsbError::Busy).to_string();
        assert!(e.contains("another program"), "{e}");
        let e = UsbSetupError::NotFound {
            serial: Some("35000001".into()),
        }
        .to_string();
        assert!(e.contains("serial number 35000001") && e.contains("kassactl usb list"));
    }
}
