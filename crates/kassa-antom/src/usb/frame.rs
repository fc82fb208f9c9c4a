//! The frame that carries one N950 message over the bulk endpoints (docs/protocols.md §2.2, the
//! project's own decision):
//!
//! ```text
//! "KS" | version u8 = 1 | kind u8 | seq u32 BE | header_len u32 BE | body_len u32 BE
//!      | header (JSON object of strings) | body (the exact HTTP body bytes) | crc32 u32 BE
//! ```
//!
//! The CRC is IEEE CRC-32 over everything before it. A header above 16 KiB or a body above
//! 1 MiB is rejected as soon as the 16-byte prefix is seen, so a reader never waits for (or
//! buffers) more than one maximal frame. [`parse_frame`] is pure and total — any input gives
//! a frame, "need more bytes" or a reason — so it is the fuzzing target
//! (`fuzz_target!(|d: &[u8]| { let _ = parse_frame(d); })`).
//!
//! This is the project's own framing until Antom publishes the SDK's; it sits behind
//! [`encode_frame`] / [`parse_frame`] so the vendor's can replace it in one place.

use std::collections::BTreeMap;

/// The two magic bytes that start every frame.
pub const MAGIC: [u8; 2] = *b"KS";
/// The only version there is.
pub const VERSION: u8 = 1;
/// Bytes before the header: magic, version, kind, seq, two lengths.
pub const PREFIX_LEN: usize = 16;
/// Bytes of the trailing CRC.
pub const CRC_LEN: usize = 4;
/// Largest header accepted.
pub const MAX_HEADER: usize = 16 * 1024;
/// Largest body accepted.
pub const MAX_BODY: usize = 1024 * 1024;
/// Largest frame on the wire.
pub const MAX_FRAME: usize = PREFIX_LEN + MAX_HEADER + MAX_BODY + CRC_LEN;

/// What a frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// Host to terminal: one API call.
    Request,
    /// Terminal to host: the answer to the request with the same `seq`.
    Response,
    /// Either way: are you there?
    Ping,
    /// The answer to the ping with the same `seq`.
    Pong,
}

impl FrameKind {
    /// The byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            FrameKind::Request => 1,
            FrameKind::Response => 2,
            FrameKind::Ping => 3,
            FrameKind::Pong => 4,
        }
    }

    fn from_code(b: u8) -> Option<FrameKind> {
        match b {
            1 => Some(FrameKind::Request),
            2 => Some(FrameKind::Response),
            3 => Some(FrameKind::Ping),
            4 => Some(FrameKind::Pong),
            _ => None,
        }
    }
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// What it is.
    pub kind: FrameKind,
    /// Sequence number; a response or pong repeats its request's.
    pub seq: u32,
    /// The header fields (`path`, `Client-Id`, `Request-Time` or `Response-Time`,
    /// `Signature`, `Encrypt`, `Content-Type`), by name.
    pub header: BTreeMap<String, String>,
    /// The body bytes exactly as signed.
    pub body: Vec<u8>,
}

impl Frame {
    /// A header field, by name without regard to ASCII case.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why bytes are not (yet) a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not enough bytes yet: at least this many in all are needed.
    #[error("incomplete frame: {needed} bytes needed")]
    Incomplete {
        /// Total length the frame needs so far.
        needed: usize,
    },
    /// Does not start with `KS`.
    #[error("no frame magic")]
    BadMagic,
    /// A version this code does not speak.
    #[error("frame version {0} is not supported")]
    BadVersion(u8),
    /// A kind outside 1–4.
    #[error("unknown frame kind {0}")]
    BadKind(u8),
    /// Header longer than 16 KiB.
    #[error("frame header of {0} bytes exceeds 16 KiB")]
    HeaderTooLarge(u32),
    /// Body longer than 1 MiB.
    #[error("frame body of {0} bytes exceeds 1 MiB")]
    BodyTooLarge(u32),
    /// The CRC does not match: the frame was damaged.
    #[error("frame CRC mismatch (sent {sent:08x}, computed {computed:08x})")]
    BadCrc {
        /// CRC in the frame.
        sent: u32,
        /// CRC of the bytes received.
        computed: u32,
    },
    /// The header is not a JSON object of strings.
    #[error("frame header is not a JSON object of strings: {0}")]
    BadHeader(String),
}

impl FrameError {
    /// True when more bytes may still complete the frame.
    pub fn is_incomplete(&self) -> bool {
        matches!(self, FrameError::Incomplete { .. })
    }
}

/// Why a frame cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// Header above [`MAX_HEADER`].
    #[error("the frame header would be {0} bytes, above the 16 KiB limit")]
    HeaderTooLarge(usize),
    /// Body above [`MAX_BODY`].
    #[error("the message body is {0} bytes, above the 1 MiB limit of the USB framing")]
    BodyTooLarge(usize),
}

/// The bytes of `frame` on the wire.
pub fn encode_frame(frame: &Frame) -> Result<Vec<u8>, EncodeError> {
    // A map of strings always serialises.
    let header = serde_json::to_vec(&frame.header).unwrap_or_else(|_| b"{}".to_vec());
    let header_len = u32::try_from(header.len())
        .ok()
        .filter(|&n| n as usize <= MAX_HEADER)
        .ok_or(EncodeError::HeaderTooLarge(header.len()))?;
    let body_len = u32::try_from(frame.body.len())
        .ok()
        .filter(|&n| n as usize <= MAX_BODY)
        .ok_or(EncodeError::BodyTooLarge(frame.body.len()))?;
    let mut out = Vec::with_capacity(PREFIX_LEN + header.len() + frame.body.len() + CRC_LEN);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(frame.kind.code());
    out.extend_from_slice(&frame.seq.to_be_bytes());
    out.extend_from_slice(&header_len.to_be_bytes());
    out.extend_from_slice(&body_len.to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&frame.body);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(out)
}

fn be32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_be_bytes(w)
}

/// Decodes the frame at the start of `input`: the frame and how many bytes it took, or why
/// not. Never panics, never allocates more than the frame's own (bounded) header and body.
pub fn parse_frame(input: &[u8]) -> Result<(Frame, usize), FrameError> {
    let need = |needed: usize| FrameError::Incomplete { needed };
    // Check what is there as early as it is there, so garbage is refused before waiting.
    for (i, &m) in MAGIC.iter().enumerate() {
        match input.get(i) {
            None => return Err(need(PREFIX_LEN)),
            Some(&b) if b != m => return Err(FrameError::BadMagic),
            Some(_) => {}
        }
    }
    match input.get(2) {
        None => return Err(need(PREFIX_LEN)),
        Some(&v) if v != VERSION => return Err(FrameError::BadVersion(v)),
        Some(_) => {}
    }
    let kind = match input.get(3) {
        None => return Err(need(PREFIX_LEN)),
        Some(&k) => FrameKind::from_code(k).ok_or(FrameError::BadKind(k))?,
    };
    if input.len() < PREFIX_LEN {
        return Err(need(PREFIX_LEN));
    }
    let seq = be32(input, 4);
    let header_len = be32(input, 8);
    let body_len = be32(input, 12);
    if header_len as usize > MAX_HEADER {
        return Err(FrameError::HeaderTooLarge(header_len));
    }
    if body_len as usize > MAX_BODY {
        return Err(FrameError::BodyTooLarge(body_len));
    }
    let body_at = PREFIX_LEN + header_len as usize;
    let crc_at = body_at + body_len as usize;
    let total = crc_at + CRC_LEN;
    let (Some(covered), Some(sent)) = (input.get(..crc_at), input.get(crc_at..total)) else {
        return Err(need(total));
    };
    let computed = crc32fast::hash(covered);
    let sent = be32(sent, 0);
    if sent != computed {
        return Err(FrameError::BadCrc { sent, computed });
    }
    let header_bytes = covered.get(PREFIX_LEN..body_at).unwrap_or_default();
    let header: BTreeMap<String, String> = serde_json::from_slice(header_bytes)
        .map_err(|e| FrameError::BadHeader(format!("line {} column {}", e.line(), e.column())))?;
    let body = covered.get(body_at..).unwrap_or_default().to_vec();
    Ok((
        Frame {
            kind,
            seq,
            header,
            body,
        },
        total,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        Frame {
            kind: FrameKind::Request,
            seq: 7,
            header: BTreeMap::from([
                ("path".to_string(), "/v2/payments/pay".to_string()),
                ("Client-Id".to_string(), "SN1".to_string()),
            ]),
            body: b"eyJib2R5Ijp0cnVlfQ==".to_vec(),
        }
    }

    #[test]
    fn a_frame_survives_the_round_trip_and_reports_its_length() {
        let bytes = encode_frame(&frame()).unwrap();
        assert_eq!(&bytes[..4], b"KS\x01\x01");
        assert_eq!(&bytes[4..8], &7u32.to_be_bytes());
        let mut more = bytes.clone();
        more.extend_from_slice(b"KS-next");
        let (f, used) = parse_frame(&more).unwrap();
        assert_eq!((f, used), (frame(), bytes.len()));
        assert_eq!(frame().field("client-id"), Some("SN1"));
    }

    #[test]
    fn every_prefix_of_a_frame_asks_for_more_and_none_is_an_error() {
        let bytes = encode_frame(&frame()).unwrap();
        for cut in 0..bytes.len() {
            let e = parse_frame(&bytes[..cut]).unwrap_err();
            assert!(e.is_incomplete(), "cut at {cut}: {e:?}");
        }
    }

    #[test]
    fn a_damaged_byte_anywhere_is_caught() {
        let bytes = encode_frame(&frame()).unwrap();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            assert!(parse_frame(&b).is_err(), "flip at {i} went unnoticed");
        }
    }

    #[test]
    fn oversized_lengths_are_refused_from_the_prefix_alone() {
        let mut b = encode_frame(&frame()).unwrap()[..PREFIX_LEN].to_vec();
        b[12..16].copy_from_slice(&(MAX_BODY as u32 + 1).to_be_bytes());
        assert_eq!(
            parse_frame(&b),
            Err(FrameError::BodyTooLarge(MAX_BODY as u32 + 1))
        );
        b[8..12].copy_from_slice(&(MAX_HEADER as u32 + 1).to_be_bytes());
        assert_eq!(
            parse_frame(&b),
            Err(FrameError::HeaderTooLarge(MAX_HEADER as u32 + 1))
        );
        let big = Frame {
            body: vec![b'A'; MAX_BODY + 1],
            ..frame()
        };
        assert_eq!(
            encode_frame(&big),
            Err(EncodeError::BodyTooLarge(MAX_BODY + 1))
        );
    }

    #[test]
    fn wrong_magic_version_kind_and_header_are_named() {
        assert_eq!(parse_frame(b"XS"), Err(FrameError::BadMagic));
        assert_eq!(parse_frame(b"KS\x02"), Err(FrameError::BadVersion(2)));
        assert_eq!(parse_frame(b"KS\x01\x09"), Err(FrameError::BadKind(9)));
        // A well-formed frame whose header is not an object of strings.
        let mut raw = b"KS\x01\x03".to_vec();
        raw.extend_from_slice(&1u32.to_be_bytes());
        raw.extend_from_slice(&8u32.to_be_bytes());
        raw.extend_from_slice(&0u32.to_be_bytes());
        raw.extend_from_slice(b"{\"a\":12}");
        let crc = crc32fast::hash(&raw);
        raw.extend_from_slice(&crc.to_be_bytes());
        assert!(matches!(parse_frame(&raw), Err(FrameError::BadHeader(_))));
    }
}
