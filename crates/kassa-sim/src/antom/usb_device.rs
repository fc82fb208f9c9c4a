//! The simulated N950's USB side: the device end of the §2.2 framing, serving the far side of
//! a fake USB device (`kassa_antom::usb::fake`). It is the *same* terminal as the LAN
//! simulator it is attached to — one store, one behaviour queue, one codec — and answers with
//! the same signed, encrypted responses; only the carrier differs.
//!
//! It reassembles frames from the host's transfers (dropping damaged ones, as the real device
//! would), answers pings with pongs, and each request with a response frame carrying the
//! request's `seq`. Scripted behaviours map onto the cable: a held answer is sent later (other
//! requests are still answered meanwhile), and "drop" — the LAN's closed connection — pulls
//! the cable after the charge, which is how a payment's answer is lost on USB.

use super::server::{answer, dispatched, seal_reply, Received, Shared};
use super::store::{Delivery, Reply};
use super::AntomSimHandle;
use kassa_antom::transport::header;
use kassa_antom::usb::fake::{DeviceEnd, HostSide};
use kassa_antom::usb::frame::{encode_frame, Frame, FrameKind};
use kassa_antom::usb::reader::FrameReader;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::{JoinHandle, JoinSet};

/// The `path` field of a frame header.
const PATH: &str = "path";

/// A running USB device side. Dropping it stops it too.
#[derive(Debug)]
pub struct UsbTerminal {
    rejected: Arc<AtomicU64>,
    requests: Arc<AtomicU64>,
    task: Option<JoinHandle<()>>,
}

impl AntomSimHandle {
    /// Serves this terminal over USB on the far side `end` of a fake device, until the fake
    /// bus shuts down or the returned handle is stopped.
    pub fn attach_usb(&self, end: DeviceEnd) -> UsbTerminal {
        let rejected = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(AtomicU64::new(0));
        let device = Device {
            shared: self.shared(),
            host: end.host,
            rejected: rejected.clone(),
            requests: requests.clone(),
        };
        let task = tokio::spawn(device.serve(end.from_host));
        UsbTerminal {
            rejected,
            requests,
            task: Some(task),
        }
    }
}

impl UsbTerminal {
    /// Frames the device dropped as damaged (bad magic, size, CRC).
    pub fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::SeqCst)
    }

    /// Request frames the device took.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Stops serving and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for UsbTerminal {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

struct Device {
    shared: Arc<Shared>,
    host: HostSide,
    rejected: Arc<AtomicU64>,
    requests: Arc<AtomicU64>,
}

impl Device {
    async fn serve(self, mut from_host: UnboundedReceiver<Vec<u8>>) {
        let mut reader = FrameReader::new();
        let mut held = JoinSet::new();
        loop {
            tokio::select! {
                transfer = from_host.recv() => {
                    let Some(bytes) = transfer else { break };
                    reader.push(&bytes);
                    while let Some(next) = reader.next_frame() {
                        match next {
                            Ok(frame) => self.on_frame(frame, &mut held),
                            Err(e) => {
                                self.rejected.fetch_add(1, Ordering::SeqCst);
                                tracing::warn!(error = %e, "antom usb simulator dropped a damaged frame");
                            }
                        }
                    }
                }
                Some(_) = held.join_next(), if !held.is_empty() => {}
            }
        }
        held.abort_all();
    }

    fn on_frame(&self, frame: Frame, held: &mut JoinSet<()>) {
        match frame.kind {
            FrameKind::Ping => {
                let pong = Frame {
                    kind: FrameKind::Pong,
                    seq: frame.seq,
                    header: BTreeMap::new(),
                    body: Vec::new(),
                };
                send(&self.host, &pong);
            }
            FrameKind::Request => {
                self.requests.fetch_add(1, Ordering::SeqCst);
                self.on_request(frame, held);
            }
            FrameKind::Response | FrameKind::Pong => {
                tracing::debug!(kind = ?frame.kind, "antom usb simulator ignores a host frame");
            }
        }
    }

    fn on_request(&self, frame: Frame, held: &mut JoinSet<()>) {
        let field = |name: &str| frame.field(name).map(str::to_string);
        let path = field(PATH).unwrap_or_default();
        let client_id = field(header::CLIENT_ID).unwrap_or_default();
        let time = field(header::REQUEST_TIME).unwrap_or_default();
        let (sig, enc) = (field(header::SIGNATURE), field(header::ENCRYPT));
        let reply = answer(
            &self.shared,
            &Received {
                post: true,
                path: &path,
                client_id: &client_id,
                time: &time,
                signature: sig.as_deref(),
                encrypt: enc.as_deref(),
                body: &frame.body,
            },
        );
        dispatched(&self.shared, &path, &reply);
        let answer = Answer {
            shared: self.shared.clone(),
            host: self.host.clone(),
            seq: frame.seq,
            path,
            client_id,
        };
        match reply.delivery {
            Delivery::Drop => {
                tracing::info!(path = %answer.path, "antom usb simulator pulls the cable instead of answering");
                self.host.unplug();
            }
            Delivery::After(d) => {
                held.spawn(async move {
                    tokio::time::sleep(d).await;
                    answer.send(&reply);
                });
            }
            // Replays are a LAN fault; over USB the answer goes out fresh.
            Delivery::Now
            | Delivery::BadSignature
            | Delivery::Tampered
            | Delivery::Garbage
            | Delivery::Truncated
            | Delivery::Replay
            | Delivery::StaleResponseTime(_)
            | Delivery::StaleRequestTime(_) => answer.send(&reply),
        }
    }
}

/// Where an answer goes: the request's seq, path and client id, and the cable.
struct Answer {
    shared: Arc<Shared>,
    host: HostSide,
    seq: u32,
    path: String,
    client_id: String,
}

impl Answer {
    fn send(&self, reply: &Reply) {
        let sealed = match seal_reply(&self.shared, &self.path, &self.client_id, reply) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "antom usb simulator cannot seal its answer");
                return;
            }
        };
        let frame = Frame {
            kind: FrameKind::Response,
            seq: self.seq,
            header: BTreeMap::from([
                (PATH.to_string(), self.path.clone()),
                (header::CLIENT_ID.to_string(), self.client_id.clone()),
                (sealed.time_header.to_string(), sealed.time),
                (header::SIGNATURE.to_string(), sealed.signature),
                (header::ENCRYPT.to_string(), sealed.encrypt),
                (
                    header::CONTENT_TYPE.to_string(),
                    header::JSON_UTF8.to_string(),
                ),
            ]),
            body: sealed.body,
        };
        send(&self.host, &frame);
    }
}

/// Puts a frame on the cable; a frame sent while the cable is out is lost, as on a real bus.
fn send(host: &HostSide, frame: &Frame) {
    match encode_frame(frame) {
        Ok(bytes) => {
            if !host.send(&bytes) {
                tracing::info!(
                    seq = frame.seq,
                    "antom usb simulator: cable out, answer lost"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "antom usb simulator cannot frame its answer"),
    }
}
