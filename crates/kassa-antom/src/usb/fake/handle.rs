//! An open device on the fake bus: descriptors, the accessory control requests, and the bulk
//! pipes, each failing with [`UsbError::NoDevice`] once the device has left the bus (START, an
//! unplug) — as a real handle does.

use super::super::accessory::{GET_PROTOCOL, REQUEST_TYPE_IN, SEND_STRING, START};
use super::super::backend::{
    DeviceInfo, DeviceStrings, Direction, EndpointInfo, InterfaceInfo, TransferType, UsbError,
    UsbHandle,
};
use super::{BusState, ControlTransfer, DeviceId, Inner, Presence, Slot, EP_IN, EP_OUT};
use std::sync::Arc;
use std::time::Duration;

/// An open fake device; dies when the device leaves the bus.
#[derive(Debug)]
pub(super) struct FakeHandle {
    inner: Arc<Inner>,
    id: DeviceId,
    generation: u64,
    info: DeviceInfo,
}

impl FakeHandle {
    pub(super) fn new(
        inner: Arc<Inner>,
        id: DeviceId,
        generation: u64,
        info: DeviceInfo,
    ) -> FakeHandle {
        FakeHandle {
            inner,
            id,
            generation,
            info,
        }
    }

    fn slot<R>(&self, f: impl FnOnce(&mut Slot) -> Result<R, UsbError>) -> Result<R, UsbError> {
        let mut s = self.inner.lock();
        let slot = s.slots.get_mut(self.id.0).ok_or(UsbError::NoDevice)?;
        if slot.generation != self.generation || !slot.present() {
            return Err(UsbError::NoDevice);
        }
        let r = f(slot);
        drop(s);
        self.inner.changed.notify_all();
        r
    }
}

impl UsbHandle for FakeHandle {
    fn info(&self) -> DeviceInfo {
        self.info
    }

    fn strings(&mut self, _timeout: Duration) -> DeviceStrings {
        self.slot(|s| Ok(s.spec.strings.clone()))
            .unwrap_or_default()
    }

    fn interfaces(&mut self) -> Result<Vec<InterfaceInfo>, UsbError> {
        self.slot(|s| {
            let ep = |address, direction| EndpointInfo {
                address,
                direction,
                transfer: TransferType::Bulk,
                max_packet_size: s.spec.max_packet,
            };
            let endpoints = if s.spec.bulk_endpoints {
                vec![ep(EP_IN, Direction::In), ep(EP_OUT, Direction::Out)]
            } else {
                Vec::new()
            };
            let class = if s.presence == Presence::Accessory {
                0xFF
            } else {
                0x06
            };
            Ok(vec![InterfaceInfo {
                number: 0,
                alt_setting: 0,
                class,
                endpoints,
            }])
        })
    }

    fn claim(&mut self, interface: u8) -> Result<(), UsbError> {
        self.slot(|s| {
            if let Some(e) = &s.spec.claim_error {
                return Err(e.clone());
            }
            if interface != 0 {
                return Err(UsbError::NotSupported(format!("no interface {interface}")));
            }
            s.claimed = true;
            Ok(())
        })
    }

    fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.slot(|s| {
            s.control.push(ControlTransfer {
                request_type,
                request,
                value,
                index,
                data: Vec::new(),
                length: u16::try_from(buf.len()).unwrap_or(u16::MAX),
            });
            match (request_type, request, s.spec.protocol) {
                (REQUEST_TYPE_IN, GET_PROTOCOL, Some(v)) if buf.len() >= 2 => {
                    buf[..2].copy_from_slice(&v.to_le_bytes());
                    Ok(2)
                }
                _ => Err(UsbError::Pipe),
            }
        })
    }

    fn control_out(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.slot(|s| {
            s.control.push(ControlTransfer {
                request_type,
                request,
                value,
                index,
                data: data.to_vec(),
                length: u16::try_from(data.len()).unwrap_or(u16::MAX),
            });
            match (request, s.spec.protocol, s.presence) {
                (SEND_STRING, Some(_), Presence::Normal) => Ok(data.len()),
                (START, Some(_), Presence::Normal) => {
                    let n = s.spec.reenumerate_after_scans.max(1);
                    s.leave(Presence::Switching(n));
                    Ok(0)
                }
                _ => Err(UsbError::Pipe),
            }
        })
    }

    fn bulk_read(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        if endpoint != EP_IN {
            return Err(UsbError::Other(format!("no IN endpoint {endpoint:#04x}")));
        }
        let s = self.inner.lock();
        let stale = |st: &BusState| {
            st.slots
                .get(self.id.0)
                .is_none_or(|x| x.generation != self.generation || !x.present())
        };
        let (mut s, _) = self
            .inner
            .changed
            .wait_timeout_while(s, timeout, |st| {
                !stale(st)
                    && st
                        .slots
                        .get(self.id.0)
                        .is_some_and(|x| x.to_host.is_empty())
            })
            .unwrap_or_else(|p| p.into_inner());
        if stale(&s) {
            return Err(UsbError::NoDevice);
        }
        let slot = s.slots.get_mut(self.id.0).ok_or(UsbError::NoDevice)?;
        if !slot.claimed {
            return Err(UsbError::Other("interface 0 is not claimed".into()));
        }
        if slot.to_host.is_empty() {
            return Err(UsbError::Timeout);
        }
        let plan = slot
            .spec
            .chunks
            .get(slot.chunk % slot.spec.chunks.len().max(1))
            .copied()
            .unwrap_or(usize::MAX)
            .max(1);
        slot.chunk += 1;
        let n = buf.len().min(plan).min(slot.to_host.len());
        for (dst, src) in buf.iter_mut().zip(slot.to_host.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }

    fn bulk_write(
        &mut self,
        endpoint: u8,
        data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, UsbError> {
        if endpoint != EP_OUT {
            return Err(UsbError::Other(format!("no OUT endpoint {endpoint:#04x}")));
        }
        self.slot(|s| {
            if !s.claimed {
                return Err(UsbError::Other("interface 0 is not claimed".into()));
            }
            s.bulk_out.push(data.to_vec());
            // A far side that stopped listening is a device that ignores the data.
            if let Some(tx) = &s.from_host {
                let _ = tx.send(data.to_vec());
            }
            Ok(data.len())
        })
    }
}
