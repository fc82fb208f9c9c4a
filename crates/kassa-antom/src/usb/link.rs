//! An open accessory link: the bulk endpoint pair of interface 0, claimed, and the exchange of
//! one frame for its answer.
//!
//! Writing: at most 16 KiB per transfer (the device reads no more at once), and a zero-length
//! packet after every transfer that is an exact multiple of the endpoint's packet size, so the
//! device's read completes. Reading: 16 KiB transfers whatever the device's pieces, reassembled
//! by [`FrameReader`]; frames for another `seq` (a late answer to an abandoned call) and
//! damaged frames are dropped and counted, never taken as the answer.
//!
//! Errors keep the distinction the money rules need: [`LinkError::NotSent`] when not a byte of
//! the request was taken by the device, otherwise [`LinkError::Timeout`] or
//! [`LinkError::Lost`].

use super::backend::{Direction, TransferType, UsbError, UsbHandle};
use super::errors::{DeviceLabel, UsbSetupError};
use super::frame::{encode_frame, Frame, FrameKind};
use super::reader::FrameReader;
use std::time::{Duration, Instant};

/// The most the device reads per transfer, and so the most the host writes per transfer.
pub const DEVICE_READ_MAX: usize = 16 * 1024;
/// The size of each host bulk read.
pub const HOST_READ_SIZE: usize = 16 * 1024;
/// The interface the accessory's bulk endpoints are on.
pub const ACCESSORY_INTERFACE: u8 = 0;

/// Why an exchange produced no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// The device took none of the request.
    NotSent(String),
    /// The request went; nothing came back in time.
    Timeout,
    /// The link broke after (part of) the request went.
    Lost(String),
}

/// A claimed accessory interface.
#[derive(Debug)]
pub struct Link {
    handle: Box<dyn UsbHandle>,
    label: DeviceLabel,
    ep_in: u8,
    ep_out: u8,
    max_packet: usize,
    reader: FrameReader,
    rejected: u64,
    broken: bool,
}

impl Link {
    /// Finds the bulk IN and OUT endpoints of interface 0 and claims it.
    pub fn open(mut handle: Box<dyn UsbHandle>, label: DeviceLabel) -> Result<Link, UsbSetupError> {
        let interfaces = handle
            .interfaces()
            .map_err(|e| UsbSetupError::from_usb(label.clone(), e))?;
        let bulk = |dir: Direction| {
            interfaces
                .iter()
                .filter(|i| i.number == ACCESSORY_INTERFACE)
                .flat_map(|i| i.endpoints.iter())
                .find(|e| e.transfer == TransferType::Bulk && e.direction == dir)
                .copied()
        };
        let (Some(ep_in), Some(ep_out)) = (bulk(Direction::In), bulk(Direction::Out)) else {
            return Err(UsbSetupError::NoEndpoints(label));
        };
        handle
            .claim(ACCESSORY_INTERFACE)
            .map_err(|e| UsbSetupError::from_usb(label.clone(), e))?;
        // 512 at high speed, 1024 at super speed; a descriptor saying 0 would be broken.
        let max_packet = usize::from(ep_out.max_packet_size.max(1));
        tracing::info!(device = %label, ep_in = ep_in.address, ep_out = ep_out.address, max_packet, "usb accessory link open");
        Ok(Link {
            handle,
            label,
            ep_in: ep_in.address,
            ep_out: ep_out.address,
            max_packet,
            reader: FrameReader::new(),
            rejected: 0,
            broken: false,
        })
    }

    /// The device, for messages.
    pub fn label(&self) -> &DeviceLabel {
        &self.label
    }

    /// Damaged or foreign frames dropped so far.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// True once the device went away or the byte stream can no longer be trusted; the link
    /// must then be reopened.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Sends `frame` and waits until `deadline` for the frame of kind `reply` with its `seq`.
    pub fn exchange(
        &mut self,
        frame: &Frame,
        reply: FrameKind,
        deadline: Instant,
    ) -> Result<Frame, LinkError> {
        let bytes = encode_frame(frame).map_err(|e| LinkError::NotSent(e.to_string()))?;
        // Leftovers of an abandoned exchange must not hold this one up.
        self.reader.clear();
        self.write(&bytes, deadline)?;
        self.read(reply, frame.seq, deadline)
    }

    fn write(&mut self, bytes: &[u8], deadline: Instant) -> Result<(), LinkError> {
        let mut sent = 0usize;
        for chunk in bytes.chunks(DEVICE_READ_MAX) {
            let mut done = 0usize;
            while done < chunk.len() {
                let Some(left) = remaining(deadline) else {
                    return Err(self.write_failed(sent, UsbError::Timeout));
                };
                match self.handle.bulk_write(self.ep_out, &chunk[done..], left) {
                    Ok(n) => {
                        done += n;
                        sent += n;
                    }
                    Err(e) => return Err(self.write_failed(sent, e)),
                }
            }
            if chunk.len() % self.max_packet == 0 {
                // The device's read of an exact multiple ends only at a short packet.
                let left = remaining(deadline).unwrap_or(Duration::from_millis(1));
                if let Err(e) = self.handle.bulk_write(self.ep_out, &[], left) {
                    return Err(self.write_failed(sent, e));
                }
            }
        }
        Ok(())
    }

    fn write_failed(&mut self, sent: usize, e: UsbError) -> LinkError {
        if matches!(e, UsbError::NoDevice | UsbError::Pipe | UsbError::Other(_)) {
            self.broken = true;
        }
        if sent == 0 {
            return LinkError::NotSent(format!("the terminal took none of the request ({e})"));
        }
        // A frame cut short leaves the device's stream out of step: start afresh next time.
        self.broken = true;
        LinkError::Lost(format!(
            "the terminal stopped taking the request after {sent} bytes ({e})"
        ))
    }

    fn read(&mut self, kind: FrameKind, seq: u32, deadline: Instant) -> Result<Frame, LinkError> {
        let mut buf = vec![0u8; HOST_READ_SIZE];
        loop {
            while let Some(next) = self.reader.next_frame() {
                match next {
                    Ok(f) if f.kind == kind && f.seq == seq => return Ok(f),
                    Ok(f) => {
                        self.rejected += 1;
                        tracing::debug!(device = %self.label, kind = ?f.kind, seq = f.seq, want = seq, "usb frame for another exchange dropped");
                    }
                    Err(e) => {
                        self.rejected += 1;
                        tracing::warn!(device = %self.label, error = %e, "usb frame rejected, resynchronising");
                    }
                }
            }
            let Some(left) = remaining(deadline) else {
                return Err(LinkError::Timeout);
            };
            match self.handle.bulk_read(self.ep_in, &mut buf, left) {
                Ok(n) => self.reader.push(buf.get(..n).unwrap_or_default()),
                Err(UsbError::Timeout) => {}
                Err(e) => {
                    self.broken = true;
                    return Err(LinkError::Lost(match e {
                        UsbError::NoDevice => "the terminal was disconnected".to_string(),
                        other => format!("reading from the terminal failed ({other})"),
                    }));
                }
            }
        }
    }
}

/// Time left until `deadline`, or `None` when it has passed.
fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}
