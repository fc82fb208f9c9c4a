//! JSON-lines framing of the bridge: one UTF-8 JSON object per `\n`-terminated line, at most
//! [`MAX_LINE`] bytes. Used by the driver and by the device emulator alike.

use crate::wire::{Frame, MAX_LINE};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

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

/// Reads the next frame. Unknown `type`s come back as [`Frame::Other`].
pub async fn read_frame<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
) -> Result<Frame, LineError> {
    read_line_limited(reader, buf, MAX_LINE).await?;
    serde_json::from_slice(buf).map_err(|e| LineError::Malformed(e.to_string()))
}

/// Encodes a frame as one line, refusing one the peer would reject as too long.
pub fn encode_frame(frame: &Frame) -> Result<Vec<u8>, LineError> {
    let mut line = serde_json::to_vec(frame).map_err(|e| LineError::Malformed(e.to_string()))?;
    if line.len() > MAX_LINE {
        return Err(LineError::TooLong);
    }
    line.push(b'\n');
    Ok(line)
}

/// Writes one frame and flushes it.
pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    frame: &Frame,
) -> Result<(), LineError> {
    let line = encode_frame(frame)?;
    writer.write_all(&line).await?;
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
    fn encoding_refuses_oversized_frames() {
        let f = Frame::Success {
            id: "x".into(),
            response_data: serde_json::json!("y".repeat(MAX_LINE)),
        };
        assert!(matches!(encode_frame(&f), Err(LineError::TooLong)));
        let line = encode_frame(&Frame::Ping).unwrap();
        assert_eq!(line, b"{\"type\":\"ping\"}\n");
    }
}
