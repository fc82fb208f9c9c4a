//! Finding the terminal on the bus and bringing up the accessory link (docs/protocols.md §2.1).
//!
//! A candidate is a device already in accessory mode (`18D1:2D00`–`2D05`) or one answering
//! `ACCESSORY_GET_PROTOCOL` with version ≥ 1. Only a device identified as the terminal is
//! switched — its serial number when one is configured, otherwise its maker string (`newland`
//! on the seed's N950) — so an Android phone charging on the till is never flipped into
//! accessory mode. After START the device leaves the bus; the new accessory device is waited
//! for (bounded), opened, its interface 0 claimed and the link checked with a ping.

use super::accessory::{self, is_accessory};
use super::backend::{BusAddress, DeviceInfo, DeviceStrings, UsbBackend, UsbError, UsbHandle};
use super::errors::{DeviceLabel, UsbSetupError};
use super::frame::{Frame, FrameKind};
use super::link::{Link, LinkError};
use super::UsbOptions;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// How long string descriptors may take to read.
const STRING_TIMEOUT: Duration = Duration::from_millis(500);
/// `bDeviceClass` of a hub, never a terminal.
const HUB_CLASS: u8 = 9;

/// Which terminal to use when several devices are attached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// The terminal's serial number; `None` takes the only terminal there is.
    pub serial: Option<String>,
}

impl Selector {
    /// True when `strings` may be this terminal: the serial matches the serial string, or the
    /// product string carries it (the seed's N950 says `QCM2290-IDP _SN: 35…`). Without a
    /// serial to look for, anything may be.
    pub fn accepts(&self, strings: &DeviceStrings) -> bool {
        let Some(want) = self
            .serial
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return true;
        };
        strings.serial.as_deref().map(str::trim) == Some(want)
            || strings.product.as_deref().is_some_and(|p| p.contains(want))
    }

    /// True unless `strings` name another terminal: for a device in accessory mode, which
    /// may not repeat its serial number there.
    fn may_be(&self, strings: &DeviceStrings) -> bool {
        let names_one = strings.serial.is_some()
            || strings
                .product
                .as_deref()
                .is_some_and(|p| p.contains("_SN:"));
        self.accepts(strings) || !names_one
    }

    /// True when a device in normal mode may be switched: it matches the serial asked for, or,
    /// with none asked for, its maker is the N950's.
    fn may_switch(&self, strings: &DeviceStrings) -> bool {
        if self.serial.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            return self.accepts(strings);
        }
        is_terminal_maker(strings)
    }
}

/// The N950's maker string, as the seed's sample device reports it.
fn is_terminal_maker(strings: &DeviceStrings) -> bool {
    strings
        .manufacturer
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().contains("newland"))
}

/// What `usb list` reports about one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDevice {
    /// Its descriptor.
    pub info: DeviceInfo,
    /// Its strings, when it could be opened.
    pub strings: DeviceStrings,
    /// What it is, as far as could be learnt.
    pub mode: FoundMode,
}

/// The accessory state of a found device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundMode {
    /// Already in accessory mode (`18D1:2D0x`): ready to use.
    Accessory,
    /// In normal mode, answering the accessory protocol at this version: it can be switched.
    Capable {
        /// `ACCESSORY_GET_PROTOCOL` answer.
        version: u16,
        /// Whether it identifies as an N950 (maker `newland`); others are switched only when
        /// their serial number is configured.
        identified: bool,
    },
    /// Could not be opened to ask (the reason says why: permission, driver, another program).
    Unopened(UsbError),
}

impl FoundDevice {
    /// `accessory` (ready), `switchable` (an N950 in normal mode), `unidentified` (speaks the
    /// accessory protocol, not known as an N950) or `unopened`.
    pub fn state(&self) -> &'static str {
        match self.mode {
            FoundMode::Accessory => "accessory",
            FoundMode::Capable {
                identified: true, ..
            } => "switchable",
            FoundMode::Capable {
                identified: false, ..
            } => "unidentified",
            FoundMode::Unopened(_) => "unopened",
        }
    }

    /// A sentence for people: what it is and what to do about it.
    pub fn detail(&self) -> String {
        match &self.mode {
            FoundMode::Accessory => format!(
                "in accessory mode ({}): ready",
                accessory::accessory_variant(self.info.product_id)
            ),
            FoundMode::Capable {
                version,
                identified: true,
            } => format!(
                "an N950 in normal mode (accessory protocol {version}): switched at first use"
            ),
            FoundMode::Capable {
                version,
                identified: false,
            } => format!(
                "speaks the accessory protocol {version} but does not identify as an N950: \
                 if it is the terminal, choose it by its serial number (Use in the terminal \
                 settings, or --serial) to use it"
            ),
            FoundMode::Unopened(e) => {
                UsbSetupError::from_usb(DeviceLabel::new(&self.info, &self.strings), e.clone())
                    .to_string()
            }
        }
    }
}

/// Lists devices that are, or may be, terminals. Probing sends `ACCESSORY_GET_PROTOCOL` to
/// each device this program may open; devices that refuse it are left out, as are hubs and
/// devices that cannot be opened unless they carry Google's vendor id.
pub fn scan(backend: &dyn UsbBackend) -> Result<Vec<FoundDevice>, UsbSetupError> {
    let devices = backend.devices().map_err(setup_error)?;
    let mut found = Vec::new();
    for info in devices.into_iter().filter(|d| d.class != HUB_CLASS) {
        let mut handle = match backend.open(info.at) {
            Ok(h) => h,
            Err(e) => {
                if is_accessory(info.vendor_id, info.product_id)
                    || info.vendor_id == accessory::ACCESSORY_VID
                {
                    found.push(FoundDevice {
                        info,
                        strings: DeviceStrings::default(),
                        mode: FoundMode::Unopened(e),
                    });
                }
                continue;
            }
        };
        let strings = handle.strings(STRING_TIMEOUT);
        let mode = if is_accessory(info.vendor_id, info.product_id) {
            FoundMode::Accessory
        } else {
            match accessory::protocol_version(handle.as_mut()) {
                Ok(version) if version >= 1 => FoundMode::Capable {
                    version,
                    identified: is_terminal_maker(&strings),
                },
                Ok(_) | Err(_) => continue,
            }
        };
        found.push(FoundDevice {
            info,
            strings,
            mode,
        });
    }
    Ok(found)
}

fn setup_error(e: UsbError) -> UsbSetupError {
    match e {
        UsbError::Unavailable(why) => UsbSetupError::Unavailable(why),
        other => UsbSetupError::Unavailable(other.to_string()),
    }
}

/// Everything that went wrong on the way, to pick the most useful message at the end.
#[derive(Default)]
struct Trouble {
    no_permission: Vec<DeviceLabel>,
    other: Option<UsbSetupError>,
    unsupported: Option<DeviceLabel>,
    unidentified: Option<DeviceLabel>,
}

impl Trouble {
    fn opening(&mut self, info: &DeviceInfo, e: UsbError) {
        let label = DeviceLabel::new(info, &DeviceStrings::default());
        match UsbSetupError::from_usb(label, e) {
            UsbSetupError::NoPermission(mut d) => self.no_permission.append(&mut d),
            other => {
                self.other.get_or_insert(other);
            }
        }
    }

    fn into_error(self, selector: &Selector) -> UsbSetupError {
        if !self.no_permission.is_empty() {
            UsbSetupError::NoPermission(self.no_permission)
        } else if let Some(e) = self.other {
            e
        } else if let Some(d) = self.unsupported {
            UsbSetupError::AccessoryUnsupported(d)
        } else if let Some(d) = self.unidentified {
            UsbSetupError::Unidentified(d)
        } else {
            UsbSetupError::NotFound {
                serial: selector.serial.clone(),
            }
        }
    }
}

/// Finds the terminal, switches it into accessory mode if needed, and returns the checked
/// link. `seq` numbers the ping.
pub fn connect(
    backend: &dyn UsbBackend,
    selector: &Selector,
    opts: &UsbOptions,
    seq: u32,
) -> Result<Link, UsbSetupError> {
    let devices = backend.devices().map_err(setup_error)?;
    let mut trouble = Trouble::default();
    // 1. A device already in accessory mode.
    let mut ready: Vec<(Box<dyn UsbHandle>, DeviceLabel)> = Vec::new();
    for info in devices
        .iter()
        .filter(|d| is_accessory(d.vendor_id, d.product_id))
    {
        match backend.open(info.at) {
            Ok(mut h) => {
                let strings = h.strings(STRING_TIMEOUT);
                if selector.may_be(&strings) {
                    ready.push((h, DeviceLabel::new(info, &strings)));
                }
            }
            Err(e) => trouble.opening(info, e),
        }
    }
    if ready.len() > 1 {
        return Err(UsbSetupError::Ambiguous(
            ready.into_iter().map(|(_, l)| l).collect(),
        ));
    }
    if let Some((handle, label)) = ready.pop() {
        return checked(Link::open(handle, label)?, opts, seq);
    }
    // 2. A terminal in normal mode that answers the accessory protocol: switch it.
    let before: HashSet<BusAddress> = devices.iter().map(|d| d.at).collect();
    for info in devices
        .iter()
        .filter(|d| d.class != HUB_CLASS && !is_accessory(d.vendor_id, d.product_id))
    {
        let mut h = match backend.open(info.at) {
            Ok(h) => h,
            Err(e) => {
                // Most devices on a till are not ours to open; only Google's id may be the
                // terminal in normal mode.
                if info.vendor_id == accessory::ACCESSORY_VID {
                    trouble.opening(info, e);
                }
                continue;
            }
        };
        let strings = h.strings(STRING_TIMEOUT);
        let label = DeviceLabel::new(info, &strings);
        let wanted = selector.may_switch(&strings);
        match accessory::protocol_version(h.as_mut()) {
            Ok(v) if v >= 1 && wanted => {
                tracing::info!(device = %label, version = v, "switching the terminal to accessory mode");
                accessory::switch_to_accessory(h.as_mut()).map_err(|e| {
                    UsbSetupError::SwitchFailed {
                        device: label.clone(),
                        reason: format!("the switch request failed: {e}"),
                    }
                })?;
                drop(h);
                let (handle, new_label) = reopen(backend, selector, opts, &before, &label)?;
                return checked(Link::open(handle, new_label)?, opts, seq);
            }
            Ok(v) if v >= 1 => {
                trouble.unidentified.get_or_insert(label);
            }
            Ok(_) | Err(_) if wanted => {
                trouble.unsupported.get_or_insert(label);
            }
            Ok(_) | Err(_) => {}
        }
    }
    Err(trouble.into_error(selector))
}

/// Waits, bounded, for the switched device to come back in accessory mode, and opens it.
fn reopen(
    backend: &dyn UsbBackend,
    selector: &Selector,
    opts: &UsbOptions,
    before: &HashSet<BusAddress>,
    switched: &DeviceLabel,
) -> Result<(Box<dyn UsbHandle>, DeviceLabel), UsbSetupError> {
    let until = Instant::now() + opts.reenumerate_wait;
    let mut last = String::from("it did not reappear");
    loop {
        std::thread::sleep(opts.poll_interval);
        let devices = backend.devices().map_err(setup_error)?;
        let fresh = devices
            .iter()
            .filter(|d| is_accessory(d.vendor_id, d.product_id) && !before.contains(&d.at));
        for info in fresh {
            match backend.open(info.at) {
                Ok(mut h) => {
                    let strings = h.strings(STRING_TIMEOUT);
                    if selector.may_be(&strings) {
                        return Ok((h, DeviceLabel::new(info, &strings)));
                    }
                }
                // Without permission on the accessory id the wait is pointless.
                Err(UsbError::Access) => {
                    return Err(UsbSetupError::NoPermission(vec![DeviceLabel::new(
                        info,
                        &DeviceStrings::default(),
                    )]))
                }
                Err(e) => last = format!("opening it failed: {e}"),
            }
        }
        if Instant::now() >= until {
            return Err(UsbSetupError::SwitchFailed {
                device: switched.clone(),
                reason: format!("{last} within {} ms", opts.reenumerate_wait.as_millis()),
            });
        }
    }
}

/// Pings over a fresh link: a terminal that does not answer is not usable, and nothing of a
/// request has been sent yet.
fn checked(mut link: Link, opts: &UsbOptions, seq: u32) -> Result<Link, UsbSetupError> {
    let ping = Frame {
        kind: FrameKind::Ping,
        seq,
        header: BTreeMap::new(),
        body: Vec::new(),
    };
    match link.exchange(&ping, FrameKind::Pong, Instant::now() + opts.ping_timeout) {
        Ok(_) => Ok(link),
        Err(LinkError::Timeout) => Err(UsbSetupError::Silent(link.label().clone())),
        Err(LinkError::NotSent(why) | LinkError::Lost(why)) => Err(UsbSetupError::Usb {
            device: link.label().clone(),
            error: UsbError::Other(why),
        }),
    }
}
