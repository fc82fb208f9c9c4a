//! The bulk link against the byte-level fake device: answers delivered in arbitrary pieces,
//! writes of exact packet multiples followed by a zero-length packet, damaged and foreign
//! frames dropped with the link resynchronised, a silent terminal, and a cable pulled mid-call.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod usb_common;

use kassa_antom::usb::fake::{FakeBus, FakeDevice};
use kassa_antom::usb::frame::{encode_frame, Frame, FrameKind};
use kassa_antom::usb::transport::request_frame;
use kassa_antom::{NoAnswer, Transport, TransportError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use usb_common::{answer_bytes, request, transport, FarSide, PATIENT};

const PAY: &str = "/v2/payments/pay";
const INQUIRY: &str = "/v2/payments/inquiryPayment";

fn body(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[i % 32])
        .collect()
}

#[tokio::test]
async fn answers_delivered_in_any_pieces_come_out_whole() {
    let plans: [&[usize]; 7] = [&[1], &[3, 1, 7], &[2, 511], &[512], &[513, 5], &[1000], &[]];
    for plan in plans {
        let bus = FakeBus::new();
        let end = bus.plug(FakeDevice {
            chunks: plan.to_vec(),
            ..FakeDevice::n950_in_accessory("35000001", 0x2D00)
        });
        let big = body(3000);
        let reply = big.clone();
        let far = FarSide::start(end, move |req, host| {
            host.send(&answer_bytes(req, &reply));
        });
        let t = transport(&bus, None);
        let answer = t.send(&request(PAY, b"{}"), PATIENT).await.unwrap();
        assert_eq!(answer.body, big, "pieces {plan:?}");
        assert_eq!(answer.status, 200);
        let header = |k: &str| {
            answer
                .headers
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            header("Response-Time").as_deref(),
            Some("2026-11-21T10:15:31.000+09:00")
        );
        assert_eq!(answer.header("signature"), Some("sig"));
        drop(t);
        bus.shutdown();
        far.join();
    }
}

/// A body length that makes the request frame exactly `target` bytes long.
fn body_len_for_frame_of(target: usize) -> usize {
    let bare = encode_frame(&request_frame(&request(PAY, b""), 1))
        .unwrap()
        .len();
    target - bare
}

#[tokio::test]
async fn writes_of_an_exact_packet_multiple_end_with_a_zero_length_packet() {
    for (max_packet, frame_len) in [(512u16, 1024usize), (1024, 2048), (512, 1000)] {
        let bus = FakeBus::new();
        let end = bus.plug(FakeDevice {
            max_packet,
            ..FakeDevice::n950_in_accessory("35000001", 0x2D00)
        });
        let id = end.id;
        let far = FarSide::echo(end);
        let t = transport(&bus, None);
        let req = request(PAY, &body(body_len_for_frame_of(frame_len)));
        t.send(&req, PATIENT).await.unwrap();
        let log = bus.bulk_out_log(id);
        // [ping, request, (zero-length packet)]
        let at = log.iter().position(|w| w.len() == frame_len).unwrap();
        let zlp_follows = log.get(at + 1).is_some_and(|w| w.is_empty());
        assert_eq!(
            zlp_follows,
            frame_len % usize::from(max_packet) == 0,
            "{frame_len} bytes at {max_packet}: {:?}",
            log.iter().map(Vec::len).collect::<Vec<_>>()
        );
        assert_eq!(log.len(), if zlp_follows { 3 } else { 2 });
        drop(t);
        bus.shutdown();
        far.join();
    }
}

#[tokio::test]
async fn a_large_request_goes_in_transfers_the_device_can_read() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice::n950_in_accessory("35000001", 0x2D00));
    let id = end.id;
    let far = FarSide::echo(end);
    let t = transport(&bus, None);
    let req = request(PAY, &body(40_000));
    let answer = t.send(&req, PATIENT).await.unwrap();
    assert_eq!(answer.body, req.body);
    let log = bus.bulk_out_log(id);
    let sizes: Vec<usize> = log.iter().map(Vec::len).skip(1).collect();
    let frame = encode_frame(&request_frame(&req, 2)).unwrap();
    // 16 KiB, ZLP, 16 KiB, ZLP, the rest.
    assert_eq!(sizes, vec![16384, 0, 16384, 0, frame.len() - 32768]);
    assert_eq!(log[1..].concat(), frame);
    drop(t);
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn damaged_oversized_truncated_and_foreign_frames_are_dropped_and_the_link_resyncs() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice {
        chunks: vec![5, 64, 3],
        ..FakeDevice::n950_in_accessory("35000001", 0x2D00)
    });
    let far = FarSide::start(end, |req, host| {
        // A header claiming a 2 MiB body.
        let mut oversized = b"KS\x01\x02".to_vec();
        oversized.extend_from_slice(&req.seq.to_be_bytes());
        oversized.extend_from_slice(&2u32.to_be_bytes());
        oversized.extend_from_slice(&(2u32 << 20).to_be_bytes());
        host.send(&oversized);
        // The right seq with a forged body and a broken CRC: must never be taken.
        let mut forged = answer_bytes(req, b"FORGED-APPROVAL");
        let n = forged.len();
        forged[n - 1] ^= 0xFF;
        host.send(&forged);
        // A well-formed answer to another exchange.
        let stale = Frame {
            kind: FrameKind::Response,
            seq: req.seq.wrapping_sub(1),
            header: BTreeMap::new(),
            body: b"STALE".to_vec(),
        };
        host.send(&encode_frame(&stale).unwrap());
        // Line noise, then an answer cut 10 bytes short.
        host.send(b"\x00\xffnoiseK");
        let cut = answer_bytes(req, b"CUT-SHORT-ANSWER");
        host.send(&cut[..cut.len() - 10]);
        // The real answer.
        host.send(&answer_bytes(req, b"the real answer"));
    });
    let t = transport(&bus, None);
    let answer = t.send(&request(PAY, b"{}"), PATIENT).await.unwrap();
    assert_eq!(answer.body, b"the real answer");
    // The link is still in step: the next exchange works.
    let far_requests = far.requests.clone();
    let again = t.send(&request(INQUIRY, b"{}"), PATIENT).await.unwrap();
    assert_eq!(again.body, b"the real answer");
    assert_eq!(far_requests.lock().unwrap().len(), 2);
    drop(t);
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn a_silent_terminal_times_out_and_its_late_answer_is_not_taken_for_the_next_call() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice::n950_in_accessory("35000001", 0x2D00));
    let first: Arc<Mutex<Option<Frame>>> = Arc::default();
    let held = first.clone();
    let far = FarSide::start(end, move |req, host| {
        let mut held = held.lock().unwrap();
        match held.take() {
            // The first request: no answer now.
            None if req.field("path") == Some(PAY) => *held = Some(req.clone()),
            // The next one: the late answer to the first, then its own.
            Some(old) => {
                host.send(&answer_bytes(&old, b"late pay answer"));
                host.send(&answer_bytes(req, b"inquiry answer"));
            }
            None => {
                host.send(&answer_bytes(req, b"inquiry answer"));
            }
        }
    });
    let t = transport(&bus, None);
    let e = t
        .send(&request(PAY, b"{}"), Duration::from_millis(200))
        .await
        .unwrap_err();
    assert_eq!(e, TransportError::NoAnswer(NoAnswer::Timeout));
    let answer = t.send(&request(INQUIRY, b"{}"), PATIENT).await.unwrap();
    assert_eq!(answer.body, b"inquiry answer");
    drop(t);
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn a_cable_pulled_mid_call_is_a_lost_connection_and_the_terminal_is_found_again() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice::n950("35000001"));
    let id = end.id;
    let far = FarSide::start(end, |req, host| {
        if req.field("path") == Some(PAY) {
            host.unplug();
        } else {
            host.send(&answer_bytes(req, b"inquiry answer"));
        }
    });
    let t = transport(&bus, None);
    let e = t.send(&request(PAY, b"{}"), PATIENT).await.unwrap_err();
    assert!(
        matches!(&e, TransportError::NoAnswer(NoAnswer::ConnectionLost(why)) if why.contains("disconnected")),
        "{e:?}"
    );
    // Still unplugged: nothing can be sent, and the message says so.
    match t.send(&request(INQUIRY, b"{}"), PATIENT).await {
        Err(TransportError::NotSent(why)) => {
            assert!(why.contains("no N950 terminal found"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    // Plugged back in (normal mode, as a real N950 comes back): switched again and asked.
    bus.replug(id);
    let answer = t.send(&request(INQUIRY, b"{}"), PATIENT).await.unwrap();
    assert_eq!(answer.body, b"inquiry answer");
    assert_eq!(bus.control_log(id).len(), 12, "two full handshakes");
    drop(t);
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn a_terminal_re_plugged_between_calls_is_found_again_without_a_failed_call() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice::n950("35000001"));
    let id = end.id;
    let far = FarSide::echo(end);
    let t = transport(&bus, None);
    t.send(&request(INQUIRY, b"first"), PATIENT).await.unwrap();
    // Out and back in while idle: the open link is stale, nothing of the next call was sent
    // on it, so the call finds the terminal again and goes through.
    bus.unplug(id);
    bus.replug(id);
    let answer = t.send(&request(INQUIRY, b"second"), PATIENT).await.unwrap();
    assert_eq!(answer.body, b"second");
    assert_eq!(
        bus.control_log(id).len(),
        12,
        "switched again after the re-plug"
    );
    assert_eq!(far.requests.lock().unwrap().len(), 2);
    drop(t);
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn concurrent_calls_go_one_at_a_time_and_each_gets_its_own_answer() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice {
        chunks: vec![7],
        ..FakeDevice::n950_in_accessory("35000001", 0x2D00)
    });
    let far = FarSide::echo(end);
    let t = Arc::new(transport(&bus, None));
    let calls: Vec<_> = (0..5)
        .map(|i| {
            let t = t.clone();
            tokio::spawn(async move {
                let body = format!("call {i}").into_bytes();
                let answer = t.send(&request(INQUIRY, &body), PATIENT).await.unwrap();
                (body, answer.body)
            })
        })
        .collect();
    for c in calls {
        let (sent, got) = c.await.unwrap();
        assert_eq!(sent, got);
    }
    let seqs: Vec<u32> = far.requests.lock().unwrap().iter().map(|f| f.seq).collect();
    assert_eq!(seqs.len(), 5);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    drop(t);
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn a_body_above_the_framing_limit_is_refused_before_anything_is_sent() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice::n950_in_accessory("35000001", 0x2D00));
    let id = end.id;
    let far = FarSide::echo(end);
    let t = transport(&bus, None);
    let e = t
        .send(&request(PAY, &body(1024 * 1024 + 1)), PATIENT)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, TransportError::NotSent(why) if why.contains("1 MiB")),
        "{e:?}"
    );
    // Only the link's ping went out.
    assert_eq!(bus.bulk_out_log(id).len(), 1);
    drop(t);
    bus.shutdown();
    far.join();
}
