//! A byte-level fake USB bus behind [`UsbBackend`], for tests (there is no USB bus on the build
//! machines). It behaves like the parts of a real bus the code depends on:
//!
//! - devices in normal mode answer (or stall) `ACCESSORY_GET_PROTOCOL`; SEND_STRING and START
//!   are recorded byte for byte; after START the device drops off the bus (open handles get
//!   [`UsbError::NoDevice`]) and re-enumerates as `18D1:2D0x` at a new address after a given
//!   number of bus scans — counted, not timed, so tests stay deterministic;
//! - in accessory mode, interface 0 has a bulk IN and a bulk OUT endpoint; every OUT transfer
//!   (zero-length packets included) is logged and handed to the device's far side, and what
//!   the far side sends is delivered to bulk reads in the chunk sizes the test chose;
//! - unplug and re-plug (now, or after N scans), open and claim errors on demand.
//!
//! The far side — whoever plays the terminal — holds a [`DeviceEnd`]: a channel of host
//! transfers and a [`HostSide`] to send bytes back or pull the cable. The simulator's
//! `kassa_sim::antom::usb_device` is one; a test's own closure is another. Its channel closes
//! at [`FakeBus::shutdown`], which ends whatever serves it.

mod handle;

use super::accessory::ACCESSORY_VID;
use super::backend::{BusAddress, DeviceInfo, DeviceStrings, UsbBackend, UsbError, UsbHandle};
use handle::FakeHandle;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// Bulk IN endpoint address of the fake accessory interface.
pub const EP_IN: u8 = 0x81;
/// Bulk OUT endpoint address of the fake accessory interface.
pub const EP_OUT: u8 = 0x01;

/// A device to plug into the fake bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeDevice {
    /// Vendor id in normal mode.
    pub vendor_id: u16,
    /// Product id in normal mode.
    pub product_id: u16,
    /// `bDeviceClass`.
    pub class: u8,
    /// Its strings (kept in accessory mode too).
    pub strings: DeviceStrings,
    /// What GET_PROTOCOL answers; `None` stalls it (no accessory support).
    pub protocol: Option<u16>,
    /// The product id it takes in accessory mode.
    pub accessory_pid: u16,
    /// Plugged in already in accessory mode (the seed's sample device).
    pub starts_in_accessory: bool,
    /// The endpoints' `wMaxPacketSize`.
    pub max_packet: u16,
    /// Sizes of successive bulk IN deliveries, cycled; empty delivers all that is queued.
    pub chunks: Vec<usize>,
    /// The bus scan, counted from START, on which it reappears in accessory mode.
    pub reenumerate_after_scans: u32,
    /// What opening it fails with, if anything.
    pub open_error: Option<UsbError>,
    /// What claiming its interface fails with, if anything.
    pub claim_error: Option<UsbError>,
    /// Whether accessory mode has the bulk endpoints on interface 0.
    pub bulk_endpoints: bool,
    /// When unplugged, it is plugged back in (in the mode it started in) on this bus scan,
    /// counted from the unplug; `None` keeps it away until [`FakeBus::replug`].
    pub comes_back_after_scans: Option<u32>,
}

impl FakeDevice {
    /// An N950 in normal mode, as described by the seed: maker `newland`, the SN in the
    /// product string. Its normal-mode ids are invented (the seed shows only accessory mode).
    pub fn n950(serial: &str) -> FakeDevice {
        FakeDevice {
            vendor_id: ACCESSORY_VID,
            product_id: 0x4EE7,
            class: 0,
            strings: DeviceStrings {
                manufacturer: Some("newland".into()),
                product: Some(format!("QCM2290-IDP _SN: {serial}")),
                serial: Some(serial.to_string()),
            },
            protocol: Some(2),
            accessory_pid: 0x2D00,
            starts_in_accessory: false,
            max_packet: 512,
            chunks: Vec::new(),
            reenumerate_after_scans: 2,
            open_error: None,
            claim_error: None,
            bulk_endpoints: true,
            comes_back_after_scans: None,
        }
    }

    /// An N950 already in accessory mode with product id `pid` (the seed's sample: `2D00`).
    pub fn n950_in_accessory(serial: &str, pid: u16) -> FakeDevice {
        FakeDevice {
            product_id: pid,
            accessory_pid: pid,
            starts_in_accessory: true,
            ..FakeDevice::n950(serial)
        }
    }

    /// An Android phone: speaks the accessory protocol, but is not a terminal.
    pub fn android_phone() -> FakeDevice {
        FakeDevice {
            product_id: 0x4EE1,
            strings: DeviceStrings {
                manufacturer: Some("Google".into()),
                product: Some("Pixel".into()),
                serial: Some("PHONE123".into()),
            },
            ..FakeDevice::n950("unused")
        }
    }

    /// A device that stalls GET_PROTOCOL (a keyboard, a printer).
    pub fn without_accessory(vendor_id: u16, manufacturer: &str) -> FakeDevice {
        FakeDevice {
            vendor_id,
            product_id: 0x0001,
            strings: DeviceStrings {
                manufacturer: Some(manufacturer.into()),
                product: Some("USB device".into()),
                serial: None,
            },
            protocol: None,
            ..FakeDevice::n950("unused")
        }
    }
}

/// One control transfer as the device saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlTransfer {
    /// `bmRequestType`.
    pub request_type: u8,
    /// `bRequest`.
    pub request: u8,
    /// `wValue`.
    pub value: u16,
    /// `wIndex`.
    pub index: u16,
    /// The data stage: what the host sent (OUT), or nothing (IN).
    pub data: Vec<u8>,
    /// `wLength`.
    pub length: u16,
}

/// A device's handle on the fake bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceId(pub(super) usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Presence {
    Normal,
    Accessory,
    /// Left the bus after START; reappears in accessory mode on this many more scans.
    Switching(u32),
    /// Unplugged; reappears (in its starting mode) after this many scans, if ever.
    Gone(Option<u32>),
}

#[derive(Debug)]
pub(super) struct Slot {
    pub(super) spec: FakeDevice,
    pub(super) presence: Presence,
    pub(super) address: u8,
    pub(super) generation: u64,
    pub(super) to_host: VecDeque<u8>,
    pub(super) chunk: usize,
    pub(super) claimed: bool,
    pub(super) from_host: Option<UnboundedSender<Vec<u8>>>,
    pub(super) control: Vec<ControlTransfer>,
    pub(super) bulk_out: Vec<Vec<u8>>,
}

impl Slot {
    pub(super) fn present(&self) -> bool {
        matches!(self.presence, Presence::Normal | Presence::Accessory)
    }

    pub(super) fn info(&self) -> DeviceInfo {
        let accessory = self.presence == Presence::Accessory;
        DeviceInfo {
            at: BusAddress {
                bus: 1,
                address: self.address,
            },
            vendor_id: if accessory {
                ACCESSORY_VID
            } else {
                self.spec.vendor_id
            },
            product_id: if accessory {
                self.spec.accessory_pid
            } else {
                self.spec.product_id
            },
            class: self.spec.class,
        }
    }

    fn starting_mode(&self) -> Presence {
        if self.spec.starts_in_accessory {
            Presence::Accessory
        } else {
            Presence::Normal
        }
    }

    /// Leaves the bus: handles die, bytes in flight are lost.
    pub(super) fn leave(&mut self, presence: Presence) {
        self.presence = presence;
        self.generation += 1;
        self.to_host.clear();
        self.claimed = false;
    }

    fn arrive(&mut self, presence: Presence, address: u8) {
        self.presence = presence;
        self.address = address;
        self.generation += 1;
    }
}

#[derive(Debug, Default)]
pub(super) struct BusState {
    pub(super) slots: Vec<Slot>,
    next_address: u8,
    scans: u64,
    unavailable: Option<String>,
}

impl BusState {
    fn address(&mut self) -> u8 {
        self.next_address = self.next_address.wrapping_add(1).max(2);
        self.next_address
    }
}

#[derive(Debug, Default)]
pub(super) struct Inner {
    state: Mutex<BusState>,
    pub(super) changed: Condvar,
}

impl Inner {
    pub(super) fn lock(&self) -> MutexGuard<'_, BusState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The fake bus. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct FakeBus {
    inner: Arc<Inner>,
}

/// The far side of a plugged device: what the host writes, and a way to answer.
#[derive(Debug)]
pub struct DeviceEnd {
    /// The device on the bus.
    pub id: DeviceId,
    /// Every bulk OUT transfer from the host, in order (a zero-length packet is empty).
    pub from_host: UnboundedReceiver<Vec<u8>>,
    /// Sends bytes to the host, or pulls the cable.
    pub host: HostSide,
}

/// The device's side of the bulk IN pipe and of the cable.
#[derive(Debug, Clone)]
pub struct HostSide {
    inner: Arc<Inner>,
    id: DeviceId,
}

impl HostSide {
    /// Queues bytes for the host's bulk reads. False (bytes lost) unless the device is on the
    /// bus in accessory mode.
    pub fn send(&self, bytes: &[u8]) -> bool {
        let mut s = self.inner.lock();
        let Some(slot) = s.slots.get_mut(self.id.0) else {
            return false;
        };
        if slot.presence != Presence::Accessory {
            return false;
        }
        slot.to_host.extend(bytes);
        drop(s);
        self.inner.changed.notify_all();
        true
    }

    /// Pulls the cable (see [`FakeDevice::comes_back_after_scans`]).
    pub fn unplug(&self) {
        FakeBus {
            inner: self.inner.clone(),
        }
        .unplug(self.id);
    }
}

impl FakeBus {
    /// An empty bus.
    pub fn new() -> FakeBus {
        FakeBus::default()
    }

    /// A bus where USB cannot be used at all (as on a machine without `/dev/bus/usb`).
    pub fn unavailable(reason: &str) -> FakeBus {
        let bus = FakeBus::new();
        bus.inner.lock().unavailable = Some(reason.to_string());
        bus
    }

    /// Plugs a device in; returns its far side.
    pub fn plug(&self, spec: FakeDevice) -> DeviceEnd {
        let (tx, rx) = unbounded_channel();
        let mut s = self.inner.lock();
        let address = s.address();
        let id = DeviceId(s.slots.len());
        s.slots.push(Slot {
            presence: if spec.starts_in_accessory {
                Presence::Accessory
            } else {
                Presence::Normal
            },
            spec,
            address,
            generation: 0,
            to_host: VecDeque::new(),
            chunk: 0,
            claimed: false,
            from_host: Some(tx),
            control: Vec::new(),
            bulk_out: Vec::new(),
        });
        DeviceEnd {
            id,
            from_host: rx,
            host: HostSide {
                inner: self.inner.clone(),
                id,
            },
        }
    }

    fn with_slot<R>(&self, id: DeviceId, f: impl FnOnce(&mut Slot) -> R) -> Option<R> {
        let r = self.inner.lock().slots.get_mut(id.0).map(f);
        self.inner.changed.notify_all();
        r
    }

    /// Pulls the cable (see [`FakeDevice::comes_back_after_scans`]).
    pub fn unplug(&self, id: DeviceId) {
        self.with_slot(id, |s| {
            let back = s.spec.comes_back_after_scans;
            s.leave(Presence::Gone(back));
        });
    }

    /// Plugs it back in now, in the mode it started in (a real N950 comes back in normal
    /// mode and must be switched again). A device on the bus is left alone.
    pub fn replug(&self, id: DeviceId) {
        let mut s = self.inner.lock();
        let address = s.address();
        if let Some(slot) = s.slots.get_mut(id.0).filter(|x| !x.present()) {
            let mode = slot.starting_mode();
            slot.arrive(mode, address);
        }
        drop(s);
        self.inner.changed.notify_all();
    }

    /// An unplugged device comes back, in the mode it started in, on the `n`-th bus scan
    /// from now (0 or 1: the next one) — hot-plug without timing.
    pub fn replug_after_scans(&self, id: DeviceId, n: u32) {
        self.with_slot(id, |s| {
            if !s.present() {
                s.presence = Presence::Gone(Some(n));
            }
        });
    }

    /// Every control transfer the device received, in order.
    pub fn control_log(&self, id: DeviceId) -> Vec<ControlTransfer> {
        self.with_slot(id, |s| s.control.clone())
            .unwrap_or_default()
    }

    /// Every bulk OUT transfer the device received, in order (zero-length packets as empty).
    pub fn bulk_out_log(&self, id: DeviceId) -> Vec<Vec<u8>> {
        self.with_slot(id, |s| s.bulk_out.clone())
            .unwrap_or_default()
    }

    /// Whether the device is on the bus in accessory mode.
    pub fn in_accessory_mode(&self, id: DeviceId) -> bool {
        self.with_slot(id, |s| s.presence == Presence::Accessory)
            .unwrap_or(false)
    }

    /// Unplugs every device and closes every far side's channel, so the tasks serving them
    /// end (they would otherwise wait for the host forever).
    pub fn shutdown(&self) {
        let mut s = self.inner.lock();
        for slot in &mut s.slots {
            slot.leave(Presence::Gone(None));
            slot.from_host = None;
        }
        drop(s);
        self.inner.changed.notify_all();
    }

    /// How many times the bus was listed.
    pub fn scans(&self) -> u64 {
        self.inner.lock().scans
    }
}

impl UsbBackend for FakeBus {
    fn devices(&self) -> Result<Vec<DeviceInfo>, UsbError> {
        let mut s = self.inner.lock();
        if let Some(why) = &s.unavailable {
            return Err(UsbError::Unavailable(why.clone()));
        }
        s.scans += 1;
        for i in 0..s.slots.len() {
            let next = s.slots.get(i).and_then(|slot| match slot.presence {
                Presence::Switching(n) => Some((n, Presence::Accessory)),
                Presence::Gone(Some(n)) => Some((n, slot.starting_mode())),
                Presence::Normal | Presence::Accessory | Presence::Gone(None) => None,
            });
            let Some((n, mode)) = next else { continue };
            if n <= 1 {
                let address = s.address();
                if let Some(slot) = s.slots.get_mut(i) {
                    slot.arrive(mode, address);
                }
            } else if let Some(slot) = s.slots.get_mut(i) {
                slot.presence = match slot.presence {
                    Presence::Switching(_) => Presence::Switching(n - 1),
                    _ => Presence::Gone(Some(n - 1)),
                };
            }
        }
        Ok(s.slots
            .iter()
            .filter(|x| x.present())
            .map(Slot::info)
            .collect())
    }

    fn open(&self, at: BusAddress) -> Result<Box<dyn UsbHandle>, UsbError> {
        let s = self.inner.lock();
        let (i, slot) = s
            .slots
            .iter()
            .enumerate()
            .find(|(_, x)| x.present() && x.address == at.address && at.bus == 1)
            .ok_or(UsbError::NoDevice)?;
        if let Some(e) = &slot.spec.open_error {
            return Err(e.clone());
        }
        Ok(Box::new(FakeHandle::new(
            self.inner.clone(),
            DeviceId(i),
            slot.generation,
            slot.info(),
        )))
    }
}
