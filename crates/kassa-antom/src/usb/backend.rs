//! The small seam between the USB code and the operating system's USB stack: list devices,
//! open one, read its descriptors, control transfers in and out, bulk reads and writes with
//! timeouts. [`crate::usb::RusbBackend`] (libusb) is the one real implementation; the byte-level
//! fake in [`crate::usb::fake`] is the other. Everything above it — discovery, the accessory
//! switch, framing, the transport — is written once against these traits.
//!
//! Every call blocks: they run on the USB transport's own thread, never on an async worker.

use std::fmt;
use std::time::Duration;

/// Where a device sits on the bus right now. It changes when the device re-enumerates (the
/// accessory switch, a re-plug), so it names a device only until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusAddress {
    /// Bus number.
    pub bus: u8,
    /// Device address on that bus.
    pub address: u8,
}

impl fmt::Display for BusAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bus {:03} device {:03}", self.bus, self.address)
    }
}

/// What the device descriptor says, readable without opening the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Where it is.
    pub at: BusAddress,
    /// `idVendor`.
    pub vendor_id: u16,
    /// `idProduct`.
    pub product_id: u16,
    /// `bDeviceClass` (9 is a hub).
    pub class: u8,
}

impl DeviceInfo {
    /// `18d1:2d00`, as `lsusb` prints it.
    pub fn ids(&self) -> String {
        format!("{:04x}:{:04x}", self.vendor_id, self.product_id)
    }
}

/// The device's string descriptors; any may be missing or unreadable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceStrings {
    /// `iManufacturer` (the seed's N950 says `newland`).
    pub manufacturer: Option<String>,
    /// `iProduct` (the seed's N950 says `QCM2290-IDP _SN: 35…`).
    pub product: Option<String>,
    /// `iSerialNumber`.
    pub serial: Option<String>,
}

/// Direction of an endpoint, from the host's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Device to host.
    In,
    /// Host to device.
    Out,
}

/// Transfer type of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    /// Control.
    Control,
    /// Isochronous.
    Isochronous,
    /// Bulk: what the accessory link uses.
    Bulk,
    /// Interrupt.
    Interrupt,
}

/// One endpoint descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointInfo {
    /// `bEndpointAddress` (bit 7 set for IN).
    pub address: u8,
    /// Direction.
    pub direction: Direction,
    /// Transfer type.
    pub transfer: TransferType,
    /// `wMaxPacketSize`: 512 at high speed, 1024 at super speed for bulk.
    pub max_packet_size: u16,
}

/// One interface (alternate setting) of the active configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// `bInterfaceNumber`.
    pub number: u8,
    /// `bAlternateSetting`.
    pub alt_setting: u8,
    /// `bInterfaceClass` (0xFF vendor specific for the accessory interface).
    pub class: u8,
    /// Its endpoints.
    pub endpoints: Vec<EndpointInfo>,
}

/// What the USB stack reported, in the categories the messages to people need.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsbError {
    /// USB cannot be used at all on this computer (libusb did not start).
    #[error("USB is not available on this computer ({0})")]
    Unavailable(String),
    /// The operating system denies access (Linux: no udev rule).
    #[error("access denied")]
    Access,
    /// The device is gone: unplugged, or re-enumerating.
    #[error("the device is no longer connected")]
    NoDevice,
    /// Another program holds the device or interface.
    #[error("the device is in use by another program")]
    Busy,
    /// Nothing within the timeout.
    #[error("timed out")]
    Timeout,
    /// The device refused the request (a control STALL) or the endpoint halted.
    #[error("the device refused the request (stall)")]
    Pipe,
    /// Not found or not supported (Windows: no WinUSB driver bound to the device).
    #[error("the device cannot be opened by this program ({0})")]
    NotSupported(String),
    /// Anything else, with the stack's own words.
    #[error("USB error: {0}")]
    Other(String),
}

/// Opening devices.
pub trait UsbBackend: Send + Sync + fmt::Debug {
    /// Every device on every bus, from descriptors alone (no device is opened).
    fn devices(&self) -> Result<Vec<DeviceInfo>, UsbError>;

    /// Opens the device at `at`.
    fn open(&self, at: BusAddress) -> Result<Box<dyn UsbHandle>, UsbError>;

    /// Opens the first device with these ids (what a re-enumerated accessory is found by).
    fn open_by_ids(&self, vendor_id: u16, product_id: u16) -> Result<Box<dyn UsbHandle>, UsbError> {
        let found = self
            .devices()?
            .into_iter()
            .find(|d| d.vendor_id == vendor_id && d.product_id == product_id)
            .ok_or(UsbError::NoDevice)?;
        self.open(found.at)
    }
}

/// An open device. Dropping it releases the interface and closes the device.
pub trait UsbHandle: Send + fmt::Debug {
    /// The descriptor it was opened from.
    fn info(&self) -> DeviceInfo;

    /// Manufacturer, product and serial strings, each read with `timeout`.
    fn strings(&mut self, timeout: Duration) -> DeviceStrings;

    /// Interfaces of the active configuration.
    fn interfaces(&mut self) -> Result<Vec<InterfaceInfo>, UsbError>;

    /// Claims an interface (detaching a kernel driver first where the platform allows).
    fn claim(&mut self, interface: u8) -> Result<(), UsbError>;

    /// A control transfer from the device into `buf`; returns how many bytes came.
    #[allow(clippy::too_many_arguments)]
    fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;

    /// A control transfer of `data` to the device; returns how many bytes went.
    #[allow(clippy::too_many_arguments)]
    fn control_out(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;

    /// One bulk IN transfer into `buf`: how many bytes came (0 for a zero-length packet); a
    /// timeout with nothing read is [`UsbError::Timeout`].
    fn bulk_read(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;

    /// One bulk OUT transfer of `data` (empty = a zero-length packet); returns how many
    /// bytes went, which may be fewer than asked when the timeout cut it short. An error
    /// means none of them did.
    fn bulk_write(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;
}
