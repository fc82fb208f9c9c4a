//! Android Open Accessory, as the N950 guide prescribes it (docs/protocols.md §2.1, seed 000): the ids
//! of a device already in accessory mode, the protocol query, and the switch — four identity
//! strings at indices 0, 1, 2 and 5, then START — byte for byte what the vendor's
//! `checkAccessoryProtocol` and `initAccessory` send.

use super::backend::{UsbError, UsbHandle};
use std::time::Duration;

/// Google's vendor id, which every device in accessory mode takes.
pub const ACCESSORY_VID: u16 = 0x18D1;
/// First accessory product id (`2D00` accessory).
pub const FIRST_ACCESSORY_PID: u16 = 0x2D00;
/// Last accessory product id (`2D05` accessory + audio + ADB).
pub const LAST_ACCESSORY_PID: u16 = 0x2D05;

/// `bmRequestType` of GET_PROTOCOL: device to host, vendor, device.
pub const REQUEST_TYPE_IN: u8 = 0xC0;
/// `bmRequestType` of SEND_STRING and START: host to device, vendor, device.
pub const REQUEST_TYPE_OUT: u8 = 0x40;
/// `ACCESSORY_GET_PROTOCOL`.
pub const GET_PROTOCOL: u8 = 51;
/// `ACCESSORY_SEND_STRING`.
pub const SEND_STRING: u8 = 52;
/// `ACCESSORY_START`.
pub const START: u8 = 53;

/// The identity strings, by index: manufacturer, model, description, serial. Version (3) and
/// URI (4) are not sent. No trailing NUL: the vendor sends `"alipay".toByteArray()`.
pub const IDENTITY: [(u16, &str); 4] = [
    (0, "alipay"),
    (1, "terminal"),
    (2, "Payment Terminal"),
    (5, "42"),
];

/// How long GET_PROTOCOL may take (the vendor's 200 ms).
pub const PROTOCOL_TIMEOUT: Duration = Duration::from_millis(200);
/// How long each string and START may take (the vendor's 1000 ms).
pub const SWITCH_TIMEOUT: Duration = Duration::from_millis(1000);

/// True for `18D1:2D00`–`18D1:2D05`: already in accessory mode.
pub fn is_accessory(vendor_id: u16, product_id: u16) -> bool {
    vendor_id == ACCESSORY_VID && (FIRST_ACCESSORY_PID..=LAST_ACCESSORY_PID).contains(&product_id)
}

/// What an accessory product id adds to accessory mode, for listings.
pub fn accessory_variant(product_id: u16) -> &'static str {
    match product_id {
        0x2D00 => "accessory",
        0x2D01 => "accessory + ADB",
        0x2D02 => "audio",
        0x2D03 => "audio + ADB",
        0x2D04 => "accessory + audio",
        0x2D05 => "accessory + audio + ADB",
        _ => "not accessory mode",
    }
}

/// The device's accessory protocol version: 0 when it answers with fewer than 2 bytes, an
/// error (usually a stall, [`UsbError::Pipe`]) when it does not know the request.
pub fn protocol_version(handle: &mut dyn UsbHandle) -> Result<u16, UsbError> {
    let mut buf = [0u8; 2];
    let n = handle.control_in(
        REQUEST_TYPE_IN,
        GET_PROTOCOL,
        0,
        0,
        &mut buf,
        PROTOCOL_TIMEOUT,
    )?;
    Ok(if n == 2 { u16::from_le_bytes(buf) } else { 0 })
}

/// Sends the identity strings and START. The device then leaves the bus and comes back in
/// accessory mode; `handle` is useless afterwards.
pub fn switch_to_accessory(handle: &mut dyn UsbHandle) -> Result<(), UsbError> {
    for (index, text) in IDENTITY {
        handle.control_out(
            REQUEST_TYPE_OUT,
            SEND_STRING,
            0,
            index,
            text.as_bytes(),
            SWITCH_TIMEOUT,
        )?;
    }
    match handle.control_out(REQUEST_TYPE_OUT, START, 0, 0, &[], SWITCH_TIMEOUT) {
        // Some devices drop off the bus before the status stage completes.
        Ok(_) | Err(UsbError::NoDevice) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessory_ids_are_exactly_the_six_google_products() {
        for pid in 0x2D00..=0x2D05 {
            assert!(is_accessory(0x18D1, pid), "{pid:04x}");
        }
        assert!(!is_accessory(0x18D1, 0x2D06));
        assert!(!is_accessory(0x18D1, 0x4EE7));
        assert!(!is_accessory(0x05C6, 0x2D00));
        // The seed's sample device: mVendorId 6353, mProductId 11520.
        assert!(is_accessory(6353, 11520));
        assert_eq!(accessory_variant(0x2D01), "accessory + ADB");
    }
}
