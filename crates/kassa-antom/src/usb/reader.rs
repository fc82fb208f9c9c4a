//! Reassembly of frames from bulk reads that arrive in arbitrary pieces, and
//! resynchronisation after a damaged frame.
//!
//! Bytes are appended as they come; a frame is taken off the front once it is complete. When
//! the front is not a valid frame (bad magic, version, kind, size or CRC), the reader reports
//! it, skips past that `KS` and looks for the next one. A frame whose lengths claim more than
//! arrived simply waits; if what follows is the next frame, the CRC of the (wrong) whole fails
//! and the scan finds the next frame's own `KS` inside it, so a truncated frame costs only
//! itself. The buffer never holds more than one maximal frame: the size limits are checked
//! from the 16-byte prefix.

use super::frame::{parse_frame, Frame, FrameError, MAGIC};

/// Frames out of a byte stream.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
    skipped: usize,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> FrameReader {
        FrameReader::default()
    }

    /// Appends bytes as received.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Forgets everything buffered (before a new exchange: leftovers of an abandoned one
    /// must not delay it).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Bytes held that are not a frame yet.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// How many bytes were thrown away while looking for a frame start.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The next complete frame; `Some(Err(_))` for a damaged one that was dropped (call again
    /// to continue after it); `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        self.align();
        if self.buf.is_empty() {
            return None;
        }
        match parse_frame(&self.buf) {
            Ok((frame, used)) => {
                self.buf.drain(..used);
                Some(Ok(frame))
            }
            Err(e) if e.is_incomplete() => None,
            Err(e) => {
                // Skip this `K` so the scan resumes inside the bad frame: the next real frame
                // may start there.
                self.buf.drain(..1);
                self.skipped += 1;
                Some(Err(e))
            }
        }
    }

    /// Drops bytes up to the next possible frame start (`KS`, or a lone `K` at the end).
    fn align(&mut self) {
        let start = self
            .buf
            .windows(2)
            .position(|w| w == MAGIC)
            .unwrap_or_else(|| {
                if self.buf.last() == Some(&MAGIC[0]) {
                    self.buf.len() - 1
                } else {
                    self.buf.len()
                }
            });
        if start > 0 {
            self.buf.drain(..start);
            self.skipped += start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::{encode_frame, FrameKind};
    use super::*;
    use std::collections::BTreeMap;

    fn frame(seq: u32, body: &str) -> Frame {
        Frame {
            kind: FrameKind::Response,
            seq,
            header: BTreeMap::from([("path".to_string(), "/v2/device/diagnosis".to_string())]),
            body: body.as_bytes().to_vec(),
        }
    }

    fn drain(r: &mut FrameReader) -> (Vec<Frame>, usize) {
        let (mut ok, mut bad) = (Vec::new(), 0);
        while let Some(x) = r.next_frame() {
            match x {
                Ok(f) => ok.push(f),
                Err(_) => bad += 1,
            }
        }
        (ok, bad)
    }

    #[test]
    fn frames_split_at_every_byte_boundary_come_out_whole() {
        let mut stream = encode_frame(&frame(1, "first")).unwrap();
        stream.extend(encode_frame(&frame(2, "second")).unwrap());
        for size in 1..stream.len() {
            let mut r = FrameReader::new();
            let mut got = Vec::new();
            for piece in stream.chunks(size) {
                r.push(piece);
                got.extend(drain(&mut r).0);
            }
            assert_eq!(
                got,
                vec![frame(1, "first"), frame(2, "second")],
                "pieces of {size}"
            );
            assert_eq!(r.buffered(), 0);
        }
    }

    #[test]
    fn garbage_before_a_frame_is_skipped_and_counted() {
        let mut r = FrameReader::new();
        r.push(b"\x00\xffK\x13noise K");
        assert!(r.next_frame().is_none());
        r.push(&encode_frame(&frame(3, "x")).unwrap());
        assert_eq!(drain(&mut r), (vec![frame(3, "x")], 0));
        assert_eq!(r.skipped(), 11);
    }

    #[test]
    fn a_crc_broken_frame_is_reported_and_the_next_one_still_arrives() {
        let mut bad = encode_frame(&frame(4, "damaged")).unwrap();
        let n = bad.len();
        bad[n - 6] ^= 1;
        let mut r = FrameReader::new();
        r.push(&bad);
        r.push(&encode_frame(&frame(5, "good")).unwrap());
        assert_eq!(drain(&mut r), (vec![frame(5, "good")], 1));
    }

    #[test]
    fn a_truncated_frame_costs_only_itself() {
        let whole = encode_frame(&frame(6, "this body never arrives in full")).unwrap();
        let mut r = FrameReader::new();
        r.push(&whole[..whole.len() - 20]);
        assert!(r.next_frame().is_none(), "waits for the rest");
        // The next frame's bytes complete the cut one's claimed length: its CRC fails, and
        // the scan finds the real frame behind it.
        r.push(&encode_frame(&frame(7, "next answer, long enough to fill the gap")).unwrap());
        let (ok, bad) = drain(&mut r);
        assert_eq!(
            ok,
            vec![frame(7, "next answer, long enough to fill the gap")]
        );
        assert_eq!(bad, 1);
    }

    #[test]
    fn an_oversized_frame_is_refused_without_waiting_for_it() {
        let mut prefix = encode_frame(&frame(8, "")).unwrap()[..16].to_vec();
        prefix[12..16].copy_from_slice(&(2u32 << 20).to_be_bytes());
        let mut r = FrameReader::new();
        r.push(&prefix);
        assert!(matches!(
            r.next_frame(),
            Some(Err(FrameError::BodyTooLarge(_)))
        ));
        r.push(&encode_frame(&frame(9, "ok")).unwrap());
        assert_eq!(drain(&mut r).0, vec![frame(9, "ok")]);
    }
}
