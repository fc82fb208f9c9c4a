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
                cable: true,
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
            | Delivery::ReplayApproval
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::antom::{AntomSim, SimConfig};
    use kassa_antom::protocol::{Codec, Envelope, MessageMeta, PrivateKey, PublicKey};
    use kassa_antom::usb::fake::{FakeBus, FakeDevice, EP_IN, EP_OUT};
    use kassa_antom::usb::frame::parse_frame;
    use kassa_antom::usb::{UsbBackend, UsbHandle};
    use std::time::Duration;

    fn key(name: &str) -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    fn frame(kind: FrameKind, seq: u32, header: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        encode_frame(&Frame {
            kind,
            seq,
            header: header
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_vec(),
        })
        .unwrap()
    }

    /// Reads until one whole frame is in.
    fn read_frame(h: &mut dyn UsbHandle) -> Frame {
        let mut got = Vec::new();
        let mut buf = [0u8; 512];
        loop {
            // Generous: the answer is sealed with RSA-2048 in a debug build, maybe on a loaded
            // machine; it comes at once otherwise.
            let n = h
                .bulk_read(EP_IN, &mut buf, Duration::from_secs(60))
                .unwrap();
            got.extend_from_slice(&buf[..n]);
            if let Ok((f, _)) = parse_frame(&got) {
                return f;
            }
        }
    }

    #[tokio::test]
    async fn damaged_host_frames_are_dropped_and_answers_are_sealed_like_the_lan_ones() {
        let pos_private = PrivateKey::from_pem(&key("pos_private_key_pkcs8.pem")).unwrap();
        let terminal_public = PublicKey::from_pem(&key("terminal_public_key.pem")).unwrap();
        let sim = AntomSim::start(SimConfig::new(
            "N950SN0001",
            PublicKey::from_pem(&key("pos_public_key.pem")).unwrap(),
            PrivateKey::from_pem(&key("terminal_private_key_pkcs8.pem")).unwrap(),
        ))
        .await
        .unwrap();
        let bus = FakeBus::new();
        let usb = sim.attach_usb(bus.plug(FakeDevice {
            chunks: vec![3, 17],
            ..FakeDevice::n950_in_accessory("35000001", 0x2D00)
        }));
        let host = bus.clone();
        let (pong, answer) = tokio::task::spawn_blocking(move || {
            let at = host.devices().unwrap()[0].at;
            let mut h = host.open(at).unwrap();
            h.claim(0).unwrap();
            let write = |h: &mut Box<dyn UsbHandle>, b: &[u8]| {
                h.bulk_write(EP_OUT, b, Duration::from_secs(1)).unwrap();
            };
            // A ping with a broken CRC, line noise, then a good ping: only the last is answered.
            let mut broken = frame(FrameKind::Ping, 1, &[], b"");
            let n = broken.len();
            broken[n - 1] ^= 1;
            write(&mut h, &broken);
            write(&mut h, b"\x00noise");
            write(&mut h, &frame(FrameKind::Ping, 2, &[], b""));
            let pong = read_frame(h.as_mut());
            // A request the terminal must refuse (no valid signature), split over two writes.
            let req = frame(
                FrameKind::Request,
                7,
                &[
                    ("path", "/v2/device/diagnosis"),
                    ("Client-Id", "N950SN0001"),
                    ("Request-Time", "2026-11-21T10:15:30.123+09:00"),
                    ("Signature", "algorithm=RSA256,keyVersion=1,signature=AAAA"),
                ],
                b"{}",
            );
            let (a, b) = req.split_at(20);
            write(&mut h, a);
            write(&mut h, b);
            (pong, read_frame(h.as_mut()))
        })
        .await
        .unwrap();
        assert_eq!((pong.kind, pong.seq), (FrameKind::Pong, 2));
        assert_eq!((answer.kind, answer.seq), (FrameKind::Response, 7));
        assert_eq!(answer.field("path"), Some("/v2/device/diagnosis"));
        // Sealed for the POS exactly as over HTTP: it verifies and opens with the POS's keys.
        let pos = Codec::new(pos_private, terminal_public, Envelope::default());
        let meta = MessageMeta {
            method: "POST",
            path: "/v2/device/diagnosis",
            client_id: "N950SN0001",
            time: answer.field("Response-Time").unwrap(),
        };
        let plain = pos
            .open(
                &meta,
                answer.field("Signature"),
                answer.field("Encrypt"),
                &answer.body,
            )
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&plain).unwrap();
        assert_eq!(body["result"]["resultCode"], "INVALID_SIGNATURE");
        assert_eq!(usb.rejected(), 1, "the broken ping");
        assert_eq!(usb.requests(), 1);
        assert!(sim.payments().is_empty());
        bus.shutdown();
        usb.shutdown().await;
        sim.shutdown().await;
    }
}
