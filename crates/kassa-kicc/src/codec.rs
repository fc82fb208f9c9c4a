//! Line framing of the bridge: one `\n`-terminated line per frame, at most [`MAX_LINE`]
//! bytes, each line `SEQ SP MAC SP JSON` (see `crate::auth`) around one UTF-8 JSON object.
//! Used by the driver and by the device emulator alike.

use crate::auth::{AuthError, Opener, Sealer};
use crate::wire::{Frame, MAX_LINE};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

/// The most `SEQ SP MAC SP` adds to a frame's JSON (20 digits, a space, 44 base64 characters,
/// a space).
pub const SEAL_OVERHEAD: usize = 20 + 1 + 44 + 1;

/// Why a line could not be read as a frame.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// The peer closed the connection (cleanly or mid-line).
    #[error("the connection was closed")]
    Closed,
    /// The socket failed.
    #[error("the connection failed: {0}")]
    Io(#[from] std::io::Error),
    /// A line longer than the protocol allows; the stream cannot be trusted any more.
    #[error("a line longer than {MAX_LINE} bytes arrived")]
    TooLong,
    /// The line is not JSON of a frame (a frame with an unknown `type` is not an error).
    #[error("a line is not a bridge frame: {0}")]
    Malformed(String),
    /// The line's MAC is missing or wrong, or it is not the next line: it is dropped and the
    /// link must be closed.
    #[error("a line failed authentication: {0}")]
    Unauthenticated(#[from] AuthError),
}

/// Reads one line of at most `max` bytes (newline excluded) into `buf`, which is cleared
/// first. Blank lines are skipped. A line over `max` is an error rather than a huge buffer.
pub async fn read_line_limited<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> Result<(), LineError> {
    buf.clear();
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Err(LineError::Closed);
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if buf.len() + chunk.len() > max {
            return Err(LineError::TooLong);
        }
        buf.extend_from_slice(chunk);
        let used = done.unwrap_or(chunk.len());
        reader.consume(used);
        if done.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                buf.clear();
                continue;
            }
            return Ok(());
        }
    }
}

/// Reads a frame from its JSON. Unknown `type`s come back as [`Frame::Other`].
pub fn parse_frame(json: &[u8]) -> Result<Frame, LineError> {
    serde_json::from_slice(json).map_err(|e| LineError::Malformed(e.to_string()))
}

/// Reads the next line as bare JSON, without authentication: only for checking the JSON
/// layer on its own (the link always uses [`read_sealed`]).
pub async fn read_frame<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
) -> Result<Frame, LineError> {
    read_line_limited(reader, buf, MAX_LINE).await?;
    parse_frame(buf)
}

/// Reads the next line, checks it with `opener` and reads its frame. An `Unauthenticated`
/// error means the link must be closed.
pub async fn read_sealed<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    opener: &mut Opener,
) -> Result<Frame, LineError> {
    read_line_limited(reader, buf, MAX_LINE).await?;
    let json = opener.open(buf)?;
    parse_frame(json)
}

/// A frame's JSON as it will be sealed, refusing one whose line the peer would reject as
/// too long.
pub fn frame_json(frame: &Frame) -> Result<Vec<u8>, LineError> {
    let json = serde_json::to_vec(frame).map_err(|e| LineError::Malformed(e.to_string()))?;
    if json.len() + SEAL_OVERHEAD > MAX_LINE {
        return Err(LineError::TooLong);
    }
    Ok(json)
}

/// A frame's bare JSON line (with its line feed), unauthenticated: see [`read_frame`].
pub fn encode_frame(frame: &Frame) -> Result<Vec<u8>, LineError> {
    let mut line = frame_json(frame)?;
    line.push(b'\n');
    Ok(line)
}

/// Seals `json` as `sealer`'s next line, with its line feed.
pub fn seal_line(sealer: &mut Sealer, json: &[u8]) -> Vec<u8> {
    let mut line = sealer.seal(json);
    line.push(b'\n');
    line
}

/// Writes one whole line and flushes it.
pub async fn write_line<W: AsyncWrite + Unpin>(
    writer: &mut W,
    line: &[u8],
) -> Result<(), LineError> {
    writer.write_all(line).await?;
    writer.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    #[tokio::test]
    async fn reads_lines_split_across_reads_and_skips_blank_ones() {
        let (mut tx, rx) = tokio::io::duplex(16);
        let writer = tokio::spawn(async move {
            tx.write_all(b"\n{\"type\":\"ping\"}\r\n{\"type\":\"po")
                .await
                .unwrap();
            tx.write_all(b"ng\"}\n").await.unwrap();
        });
        let mut r = BufReader::with_capacity(8, rx);
        let mut buf = Vec::new();
        assert_eq!(read_frame(&mut r, &mut buf).await.unwrap(), Frame::Ping);
        assert_eq!(read_frame(&mut r, &mut buf).await.unwrap(), Frame::Pong);
        writer.await.unwrap();
        assert!(matches!(
            read_frame(&mut r, &mut buf).await,
            Err(LineError::Closed)
        ));
    }

    #[tokio::test]
    async fn a_line_over_the_limit_is_refused_not_buffered() {
        let mut big = vec![b'x'; MAX_LINE + 1];
        big.push(b'\n');
        let mut r = BufReader::new(&big[..]);
        let mut buf = Vec::new();
        assert!(matches!(
            read_frame(&mut r, &mut buf).await,
            Err(LineError::TooLong)
        ));
        assert!(buf.len() <= MAX_LINE);

        let mut exact = vec![b' '; MAX_LINE - 15];
        exact.extend_from_slice(b"{\"type\":\"ping\"}\n");
        let mut r = BufReader::new(&exact[..]);
        assert_eq!(
            read_frame(&mut r, &mut buf).await.unwrap(),
            Frame::Ping,
            "64 KiB exactly is fine"
        );
    }

    #[tokio::test]
    async fn garbage_is_malformed_and_a_cut_line_is_closed() {
        let mut r = BufReader::new(&b"not json\n{\"type\":\"pi"[..]);
        let mut buf = Vec::new();
        assert!(matches!(
            read_frame(&mut r, &mut buf).await,
            Err(LineError::Malformed(_))
        ));
        assert!(matches!(
            read_frame(&mut r, &mut buf).await,
            Err(LineError::Closed)
        ));
    }

    #[test]
    fn encoding_refuses_frames_whose_sealed_line_is_too_long() {
        let sized = |n: usize| Frame::Success {
            id: "x".into(),
            response_data: serde_json::json!("y".repeat(n)),
        };
        let wrapper = frame_json(&sized(0)).unwrap().len();
        let fits = sized(MAX_LINE - SEAL_OVERHEAD - wrapper);
        assert!(matches!(
            frame_json(&sized(MAX_LINE - SEAL_OVERHEAD - wrapper + 1)),
            Err(LineError::TooLong)
        ));
        let mut sealer = Sealer::new(&crate::auth::PairingKey::generate());
        for _ in 0..3 {
            sealer.skip();
        }
        let line = seal_line(&mut sealer, &frame_json(&fits).unwrap());
        assert!(line.len() - 1 <= MAX_LINE);
        let line = encode_frame(&Frame::Ping).unwrap();
        assert_eq!(line, b"{\"type\":\"ping\"}\n");
    }

    #[tokio::test]
    async fn sealed_lines_read_back_and_a_bare_one_is_unauthenticated() {
        let key = crate::auth::PairingKey::generate();
        let (mut out, mut inn) = (Sealer::new(&key), Opener::new(&key));
        let mut bytes = seal_line(&mut out, &frame_json(&Frame::Ping).unwrap());
        bytes.extend(seal_line(&mut out, &frame_json(&Frame::Pong).unwrap()));
        bytes.extend(encode_frame(&Frame::Ping).unwrap());
        let mut r = BufReader::new(&bytes[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_sealed(&mut r, &mut buf, &mut inn).await.unwrap(),
            Frame::Ping
        );
        assert_eq!(
            read_sealed(&mut r, &mut buf, &mut inn).await.unwrap(),
            Frame::Pong
        );
        assert!(matches!(
            read_sealed(&mut r, &mut buf, &mut inn).await,
            Err(LineError::Unauthenticated(AuthError::Unsigned))
        ));
    }
}
