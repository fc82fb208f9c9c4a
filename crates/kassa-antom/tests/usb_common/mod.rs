//! Shared pieces of the USB tests: quick set-up waits, a request, and a far side for the fake
//! device that answers pings and hands each request frame to the test.

#![allow(dead_code)] // each test file uses its own subset

use kassa_antom::usb::fake::{DeviceEnd, FakeBus, HostSide};
use kassa_antom::usb::frame::{encode_frame, Frame, FrameKind};
use kassa_antom::usb::reader::FrameReader;
use kassa_antom::usb::{Selector, UsbOptions, UsbTransport};
use kassa_antom::OutboundRequest;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Quick polling; the fake re-enumerates on a bus scan, not after real time, so the waits are
/// only bounds no outcome depends on (a test of giving up sets its own short one).
pub fn fast() -> UsbOptions {
    UsbOptions {
        reenumerate_wait: Duration::from_secs(30),
        poll_interval: Duration::from_millis(1),
        ping_timeout: Duration::from_secs(30),
    }
}

/// A call timeout far beyond anything the fake needs (never a pass condition).
pub const PATIENT: Duration = Duration::from_secs(30);

/// A transport over `bus`, without LAN refunds.
pub fn transport(bus: &FakeBus, serial: Option<&str>) -> UsbTransport {
    UsbTransport::new(
        Arc::new(bus.clone()),
        Selector {
            serial: serial.map(str::to_string),
        },
        fast(),
        None,
    )
    .unwrap()
}

/// A sealed-looking request (the transport never looks inside).
pub fn request(path: &str, body: &[u8]) -> OutboundRequest {
    OutboundRequest {
        path: path.into(),
        client_id: "N950SN0001".into(),
        request_time: "2026-11-21T10:15:30.123+09:00".into(),
        signature: "algorithm=RSA256,keyVersion=1,signature=AQI%3D".into(),
        encrypt: "algorithm=RSA_AES,keyVersion=1,symmetricKey=AQI%3D".into(),
        body: body.to_vec(),
    }
}

/// The answer frame's bytes for `req`, with `body`.
pub fn answer_bytes(req: &Frame, body: &[u8]) -> Vec<u8> {
    encode_frame(&Frame {
        kind: FrameKind::Response,
        seq: req.seq,
        header: BTreeMap::from([
            (
                "path".to_string(),
                req.field("path").unwrap_or("").to_string(),
            ),
            (
                "Response-Time".to_string(),
                "2026-11-21T10:15:31.000+09:00".to_string(),
            ),
            ("Signature".to_string(), "sig".to_string()),
        ]),
        body: body.to_vec(),
    })
    .unwrap()
}

/// The terminal's side of the cable in a test: answers pings, records request frames, and
/// lets `on_request` answer (or not, or with damaged bytes).
pub struct FarSide {
    /// Request frames in arrival order.
    pub requests: Arc<Mutex<Vec<Frame>>>,
    thread: Option<JoinHandle<()>>,
}

impl FarSide {
    /// Starts serving `end` on a thread of its own (it ends when the bus is dropped).
    pub fn start(
        end: DeviceEnd,
        mut on_request: impl FnMut(&Frame, &HostSide) + Send + 'static,
    ) -> FarSide {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let DeviceEnd {
            mut from_host,
            host,
            ..
        } = end;
        let thread = std::thread::spawn(move || {
            let mut reader = FrameReader::new();
            while let Some(transfer) = from_host.blocking_recv() {
                reader.push(&transfer);
                while let Some(next) = reader.next_frame() {
                    let Ok(frame) = next else { continue };
                    match frame.kind {
                        FrameKind::Ping => {
                            let pong = Frame {
                                kind: FrameKind::Pong,
                                body: Vec::new(),
                                ..frame
                            };
                            host.send(&encode_frame(&pong).unwrap());
                        }
                        FrameKind::Request => {
                            seen.lock().unwrap().push(frame.clone());
                            on_request(&frame, &host);
                        }
                        FrameKind::Response | FrameKind::Pong => {}
                    }
                }
            }
        });
        FarSide {
            requests,
            thread: Some(thread),
        }
    }

    /// Echoes each request's body back.
    pub fn echo(end: DeviceEnd) -> FarSide {
        FarSide::start(end, |req, host| {
            host.send(&answer_bytes(req, &req.body));
        })
    }

    /// Waits for the thread (call after dropping the transport and the bus).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}
