//! The bridge's sending side of one connection: every line numbered and MACed as
//! docs/protocols.md §3.2 says, and the scripted ways a line can be wrong (a peer without the
//! pairing key, a MAC under the wrong key, a skipped or replayed sequence number, a line cut
//! short) so the POS's checks can be exercised.

use super::device::Out;
use kassa_kicc::auth::{LineKey, PairingKey, Sealer};
use kassa_kicc::codec::{frame_json, seal_line};
use kassa_kicc::wire::Frame;

/// What the writer does with the connection after a message.
pub(crate) enum Then {
    /// Write these bytes and go on.
    Write(Vec<u8>),
    /// Write these bytes (maybe none) and close.
    WriteAndClose(Vec<u8>),
}

/// Numbers, MACs and remembers the lines of one connection.
#[derive(Debug)]
pub(crate) struct LineWriter {
    pairing: PairingKey,
    sealer: Sealer,
    last: Vec<u8>,
}

impl LineWriter {
    /// Line 0 (`initResult`) will be MACed under `pairing`.
    pub(crate) fn new(pairing: PairingKey) -> LineWriter {
        LineWriter {
            sealer: Sealer::new(&pairing),
            pairing,
            last: Vec::new(),
        }
    }

    fn json(frame: &Frame) -> Vec<u8> {
        // The emulator's frames are plain serde structs: they always encode.
        frame_json(frame).unwrap_or_else(|_| b"{}".to_vec())
    }

    fn sealed(&mut self, json: &[u8]) -> Vec<u8> {
        let line = seal_line(&mut self.sealer, json);
        self.last = line.clone();
        line
    }

    /// The bytes `msg` puts on the wire.
    pub(crate) fn render(&mut self, msg: Out) -> Then {
        match msg {
            Out::Frame(f) => Then::Write(self.sealed(&Self::json(&f))),
            Out::Raw(text) => Then::Write(self.sealed(text.as_bytes())),
            Out::Handshake(f, session) => {
                let line = self.sealed(&Self::json(&f));
                self.sealer.rekey(session);
                Then::Write(line)
            }
            Out::Truncated(f) => {
                let mut line = self.sealed(&Self::json(&f));
                line.truncate(line.len() / 2);
                Then::WriteAndClose(line)
            }
            Out::Forged(f) => {
                // A peer without the pairing key: the right form and number, a MAC under a
                // key of its own.
                let stranger = LineKey::pairing(&PairingKey::generate());
                let mut line = stranger.seal(self.sealer.next_seq(), &Self::json(&f));
                line.push(b'\n');
                Then::Write(line)
            }
            Out::Unsigned(f) => {
                let mut line = Self::json(&f);
                line.push(b'\n');
                Then::Write(line)
            }
            Out::WrongKey(f) => {
                // The vectors' third rejected line: MACed under the pairing key after the
                // handshake, where the session key is due.
                let mut line =
                    LineKey::pairing(&self.pairing).seal(self.sealer.next_seq(), &Self::json(&f));
                line.push(b'\n');
                self.sealer.skip();
                Then::Write(line)
            }
            Out::SkipSeq(f) => {
                self.sealer.skip();
                Then::Write(self.sealed(&Self::json(&f)))
            }
            Out::Tampered(made, shown) => {
                let line = self.sealed(&Self::json(&made));
                let head: Vec<u8> = line
                    .splitn(3, |b| *b == b' ')
                    .take(2)
                    .flat_map(|p| {
                        let mut p = p.to_vec();
                        p.push(b' ');
                        p
                    })
                    .collect();
                let mut changed = head;
                changed.extend(Self::json(&shown));
                changed.push(b'\n');
                Then::Write(changed)
            }
            Out::ReplayLast => Then::Write(self.last.clone()),
            Out::Close => Then::WriteAndClose(Vec::new()),
        }
    }
}
