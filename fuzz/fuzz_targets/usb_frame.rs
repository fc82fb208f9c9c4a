//! N950 USB framing (docs/protocols.md §2.2 [D]): `parse_frame` on raw bulk bytes, and the
//! `FrameReader` that reassembles frames from reads of any size and resynchronises after
//! damage.
//!
//! Byte 0 picks the mode: raw bytes to `parse_frame`; a frame built around the input with
//! correct lengths and CRC (so the fuzzer reaches the header JSON instead of stopping at the
//! CRC); or a stream pushed into a `FrameReader` in pieces whose size byte 1 sets.
//!
//! Invariants: no panic; a parsed frame used no more bytes than it was given and encodes to
//! bytes that parse back to the same frame; "incomplete" always asks for more than it has and
//! never for more than one maximal frame; a frame with a correct CRC parses exactly when its
//! header is a JSON object of strings; the reader yields the same frames however the stream
//! is cut, and never holds a maximal frame's worth of bytes once drained.
#![no_main]

use kassa_antom::usb::frame::{
    encode_frame, parse_frame, Frame, FrameError, FrameKind, MAX_FRAME, MAX_HEADER, PREFIX_LEN,
};
use kassa_antom::usb::reader::FrameReader;
use kassa_fuzz::split_first;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

fn check_parse(input: &[u8]) -> Option<Frame> {
    match parse_frame(input) {
        Ok((frame, used)) => {
            assert!(used <= input.len(), "used {used} of {}", input.len());
            assert!(used <= MAX_FRAME);
            let bytes = encode_frame(&frame).expect("a parsed frame is within the limits");
            assert_eq!(
                parse_frame(&bytes),
                Ok((frame.clone(), bytes.len())),
                "encode → parse changed the frame"
            );
            Some(frame)
        }
        Err(FrameError::Incomplete { needed }) => {
            assert!(
                needed > input.len(),
                "asks for {needed} while holding {}",
                input.len()
            );
            assert!(
                needed <= MAX_FRAME,
                "asks for {needed}, beyond one maximal frame"
            );
            None
        }
        Err(_) => None,
    }
}

/// A frame with correct magic, lengths and CRC around `data`: kind and seq from the first
/// five bytes, the header up to the first NUL byte, the body after it.
fn framed(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let (head, rest) = data.split_at_checked(5)?;
    let split = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
    let header = rest[..split].to_vec();
    let body = rest.get(split + 1..).unwrap_or_default().to_vec();
    if header.len() > MAX_HEADER {
        return None;
    }
    let mut out = b"KS\x01".to_vec();
    out.push(head[0] % 4 + 1);
    out.extend_from_slice(&head[1..5]);
    out.extend_from_slice(&u32::try_from(header.len()).ok()?.to_be_bytes());
    out.extend_from_slice(&u32::try_from(body.len()).ok()?.to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&body);
    let crc = crc32fast_hash(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    Some((out, header, body))
}

/// IEEE CRC-32, bit by bit: an independent check of the crate's `crc32fast`.
fn crc32fast_hash(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn drain(reader: &mut FrameReader, frames: &mut Vec<Frame>) {
    let mut guard = 0;
    while let Some(next) = reader.next_frame() {
        if let Ok(f) = next {
            frames.push(f);
        }
        guard += 1;
        assert!(guard < 1_000_000, "the reader does not make progress");
    }
    assert!(
        reader.buffered() < MAX_FRAME,
        "{} bytes held after draining",
        reader.buffered()
    );
}

fuzz_target!(|data: &[u8]| {
    let (mode, rest) = split_first(data);
    match mode % 3 {
        0 => {
            check_parse(rest);
        }
        1 => {
            let Some((bytes, header, body)) = framed(rest) else {
                return;
            };
            let expected: Option<BTreeMap<String, String>> = serde_json::from_slice(&header).ok();
            match (parse_frame(&bytes), expected) {
                (Ok((f, used)), Some(h)) => {
                    assert_eq!(used, bytes.len());
                    assert_eq!(f.header, h);
                    assert_eq!(f.body, body);
                    assert_eq!(f.kind.code(), bytes[3]);
                    check_parse(&bytes);
                }
                (Err(FrameError::BadHeader(_)), None) => {}
                (got, expected) => {
                    panic!("a frame with a correct CRC: got {got:?}, header parses to {expected:?}")
                }
            }
        }
        _ => {
            let (size, stream) = split_first(rest);
            let size = usize::from(size).max(1);
            let mut whole = FrameReader::new();
            whole.push(stream);
            let mut at_once = Vec::new();
            drain(&mut whole, &mut at_once);
            let mut pieces = FrameReader::new();
            let mut piecewise = Vec::new();
            for piece in stream.chunks(size) {
                pieces.push(piece);
                drain(&mut pieces, &mut piecewise);
            }
            assert_eq!(
                at_once, piecewise,
                "cutting the stream into {size}-byte reads changed it"
            );
            for f in &at_once {
                assert!(matches!(
                    f.kind,
                    FrameKind::Request | FrameKind::Response | FrameKind::Ping | FrameKind::Pong
                ));
                assert!(PREFIX_LEN + f.body.len() <= MAX_FRAME);
            }
        }
    }
});
