//! The real [`UsbBackend`]: libusb through `rusb` (built from source, the `vendored` feature).
//! This is the only file in the workspace that names `rusb`.
//!
//! The libusb context is created on first use with `rusb::Context::new()`, which returns an
//! error where libusb cannot start (no `/dev/bus/usb`, as in CI) — unlike `rusb::devices()`,
//! which panics there. Creating a backend therefore never fails, and a terminal can be
//! configured on a machine without USB; using it then says USB is unavailable.

use super::backend::{
    BusAddress, DeviceInfo, DeviceStrings, Direction, EndpointInfo, InterfaceInfo, TransferType,
    UsbBackend, UsbError, UsbHandle,
};
use rusb::UsbContext;
use std::sync::Mutex;
use std::time::Duration;

/// libusb on this computer.
#[derive(Debug, Default)]
pub struct RusbBackend {
    context: Mutex<Option<rusb::Context>>,
}

impl RusbBackend {
    /// A backend whose libusb context starts at the first call.
    pub fn new() -> RusbBackend {
        RusbBackend::default()
    }

    fn context(&self) -> Result<rusb::Context, UsbError> {
        let mut slot = self.context.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = rusb::Context::new().map_err(|e| {
            UsbError::Unavailable(format!(
                "libusb could not start: {e}; on Linux this means /dev/bus/usb is missing"
            ))
        })?;
        *slot = Some(c.clone());
        Ok(c)
    }

    fn find(&self, at: BusAddress) -> Result<rusb::Device<rusb::Context>, UsbError> {
        let list = self.context()?.devices().map_err(map)?;
        let found = list
            .iter()
            .find(|d| d.bus_number() == at.bus && d.address() == at.address);
        found.ok_or(UsbError::NoDevice)
    }
}

/// libusb's error in the categories the USB code decides on.
fn map(e: rusb::Error) -> UsbError {
    match e {
        rusb::Error::Access => UsbError::Access,
        rusb::Error::NoDevice => UsbError::NoDevice,
        rusb::Error::Busy => UsbError::Busy,
        rusb::Error::Timeout => UsbError::Timeout,
        rusb::Error::Pipe => UsbError::Pipe,
        rusb::Error::NotFound | rusb::Error::NotSupported => UsbError::NotSupported(e.to_string()),
        rusb::Error::Io
        | rusb::Error::InvalidParam
        | rusb::Error::Overflow
        | rusb::Error::Interrupted
        | rusb::Error::NoMem
        | rusb::Error::BadDescriptor
        | rusb::Error::Other => UsbError::Other(e.to_string()),
    }
}

fn info(d: &rusb::Device<rusb::Context>) -> Result<DeviceInfo, UsbError> {
    let desc = d.device_descriptor().map_err(map)?;
    Ok(DeviceInfo {
        at: BusAddress {
            bus: d.bus_number(),
            address: d.address(),
        },
        vendor_id: desc.vendor_id(),
        product_id: desc.product_id(),
        class: desc.class_code(),
    })
}

impl UsbBackend for RusbBackend {
    fn devices(&self) -> Result<Vec<DeviceInfo>, UsbError> {
        let list = self.context()?.devices().map_err(map)?;
        // A device whose descriptor cannot be read is skipped, as `lsusb` does.
        Ok(list.iter().filter_map(|d| info(&d).ok()).collect())
    }

    fn open(&self, at: BusAddress) -> Result<Box<dyn UsbHandle>, UsbError> {
        let device = self.find(at)?;
        let info = info(&device)?;
        let handle = device.open().map_err(map)?;
        Ok(Box::new(RusbHandle {
            device,
            handle,
            info,
            claimed: None,
        }))
    }
}

/// An open libusb device.
#[derive(Debug)]
struct RusbHandle {
    device: rusb::Device<rusb::Context>,
    handle: rusb::DeviceHandle<rusb::Context>,
    info: DeviceInfo,
    claimed: Option<u8>,
}

impl Drop for RusbHandle {
    fn drop(&mut self) {
        if let Some(i) = self.claimed.take() {
            // The device may already be gone; closing the handle is all that is left to do.
            let _ = self.handle.release_interface(i);
        }
    }
}

impl UsbHandle for RusbHandle {
    fn info(&self) -> DeviceInfo {
        self.info
    }

    fn strings(&mut self, timeout: Duration) -> DeviceStrings {
        let Ok(desc) = self.device.device_descriptor() else {
            return DeviceStrings::default();
        };
        let Ok(lang) = self
            .handle
            .read_languages(timeout)
            .map(|l| l.first().copied())
        else {
            return DeviceStrings::default();
        };
        let Some(lang) = lang else {
            return DeviceStrings::default();
        };
        let h = &self.handle;
        DeviceStrings {
            manufacturer: h.read_manufacturer_string(lang, &desc, timeout).ok(),
            product: h.read_product_string(lang, &desc, timeout).ok(),
            serial: h.read_serial_number_string(lang, &desc, timeout).ok(),
        }
    }

    fn interfaces(&mut self) -> Result<Vec<InterfaceInfo>, UsbError> {
        let config = self.device.active_config_descriptor().map_err(map)?;
        let mut out = Vec::new();
        for interface in config.interfaces() {
            for d in interface.descriptors() {
                let endpoints = d
                    .endpoint_descriptors()
                    .map(|e| EndpointInfo {
                        address: e.address(),
                        direction: match e.direction() {
                            rusb::Direction::In => Direction::In,
                            rusb::Direction::Out => Direction::Out,
                        },
                        transfer: match e.transfer_type() {
                            rusb::TransferType::Control => TransferType::Control,
                            rusb::TransferType::Isochronous => TransferType::Isochronous,
                            rusb::TransferType::Bulk => TransferType::Bulk,
                            rusb::TransferType::Interrupt => TransferType::Interrupt,
                        },
                        max_packet_size: e.max_packet_size(),
                    })
                    .collect();
                out.push(InterfaceInfo {
                    number: d.interface_number(),
                    alt_setting: d.setting_number(),
                    class: d.class_code(),
                    endpoints,
                });
            }
        }
        Ok(out)
    }

    fn claim(&mut self, interface: u8) -> Result<(), UsbError> {
        // Linux only; elsewhere libusb says "not supported", which is fine.
        let _ = self.handle.set_auto_detach_kernel_driver(true);
        self.handle.claim_interface(interface).map_err(map)?;
        self.claimed = Some(interface);
        Ok(())
    }

    fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.handle
            .read_control(
                request_type,
                request,
                value,
                index,
                buf,
                at_least_1ms(timeout),
            )
            .map_err(map)
    }

    fn control_out(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.handle
            .write_control(
                request_type,
                request,
                value,
                index,
                data,
                at_least_1ms(timeout),
            )
            .map_err(map)
    }

    fn bulk_read(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.handle
            .read_bulk(endpoint, buf, at_least_1ms(timeout))
            .map_err(map)
    }

    fn bulk_write(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.handle
            .write_bulk(endpoint, data, at_least_1ms(timeout))
            .map_err(map)
    }
}

/// libusb reads a timeout of 0 as "wait forever": never pass it.
fn at_least_1ms(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_without_usb_gets_an_error_not_a_panic() {
        // Whatever this machine has: either a device list or a clear "unavailable".
        let b = RusbBackend::new();
        match b.devices() {
            Ok(list) => assert!(list.iter().all(|d| d.ids().len() == 9)),
            Err(e) => assert!(matches!(e, UsbError::Unavailable(_)), "{e:?}"),
        }
    }

    #[test]
    fn zero_never_reaches_libusb_as_a_timeout() {
        assert_eq!(at_least_1ms(Duration::ZERO), Duration::from_millis(1));
        assert_eq!(at_least_1ms(Duration::from_secs(2)), Duration::from_secs(2));
    }
}
