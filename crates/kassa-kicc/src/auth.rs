//! Authentication of the bridge link (docs/protocols.md §3.2), shared by the driver and the
//! emulator so both make and check the same bytes.
//!
//! - The pairing key: 32 random bytes the bridge shows once as base32; the POS keeps it in a
//!   key file (owner-only), never in the ledger, the UI or a log ([`Secret`] inside).
//! - The handshake: `init` carries the POS's 16-byte nonce, `initResult` the bridge's; both
//!   lines are MACed under the pairing key itself, every later line under the session key
//!   HMAC-SHA256(pairing key, `kassa-bridge-v1` ‖ POS nonce ‖ bridge nonce).
//! - Each line on the wire is `SEQ SP MAC SP JSON`: `SEQ` counts the lines of one direction
//!   (0 for `init`/`initResult`, then 1, 2, 3 …), `MAC` is base64 of HMAC-SHA256 over the
//!   exact bytes `SEQ SP JSON`. The JSON is checked as received: nothing is re-serialised.
//!
//! A line is checked before its JSON is read. A missing or wrong MAC, or a `SEQ` that is not
//! exactly the next one, makes [`Opener::open`] fail; the caller must then drop the line and
//! close the link (the stream can no longer be trusted), so a command in flight ends
//! *unknown* and goes to recovery. MACs are compared in constant time (`hmac`'s verify).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use kassa_core::Secret;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the pairing key and of every line key.
pub const KEY_LEN: usize = 32;
/// Bytes of a handshake nonce.
pub const NONCE_LEN: usize = 16;
/// What the session key derivation starts with.
pub const SESSION_LABEL: &[u8] = b"kassa-bridge-v1";
/// RFC 4648 base32 alphabet, the form the bridge shows the pairing key in.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why a pairing key could not be read. Never contains the key or any part of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key file cannot be read.
    #[error("cannot read the KICC pairing key file {path}: {why}. Check the path and that Kassa may read it")]
    File {
        /// The file.
        path: String,
        /// The system's reason.
        why: String,
    },
    /// The text is not a pairing key.
    #[error("{0}")]
    Format(String),
}

/// The secret shared by the POS and its bridge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingKey(Secret<[u8; KEY_LEN]>);

impl PairingKey {
    /// The key from its raw bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> PairingKey {
        PairingKey(Secret::new(bytes))
    }

    /// A fresh random key, as a bridge makes when it is paired.
    pub fn generate() -> PairingKey {
        let mut b = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut b);
        PairingKey::from_bytes(b)
    }

    /// Reads the key as the bridge shows it: base32 (RFC 4648), any case, with or without
    /// `=` padding; spaces, line breaks and `-` (as a person may group it) are ignored.
    pub fn from_base32(text: &str) -> Result<PairingKey, KeyError> {
        let bad = || {
            KeyError::Format(format!(
                "not a KICC pairing key: expected the {KEY_LEN}-byte key the bridge shows, as \
                 base32 (letters A-Z and digits 2-7)"
            ))
        };
        let (mut acc, mut bits, mut out) = (0u32, 0u32, Vec::with_capacity(KEY_LEN));
        let body = text.trim().trim_end_matches('=');
        for c in body.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = u8::try_from(c.to_ascii_uppercase()).map_err(|_| bad())?;
            let v = BASE32.iter().position(|a| *a == c).ok_or_else(bad)?;
            acc = (acc << 5) | u32::try_from(v).map_err(|_| bad())?;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push(u8::try_from((acc >> bits) & 0xff).map_err(|_| bad())?);
                acc &= (1 << bits) - 1;
            }
            if out.len() > KEY_LEN {
                return Err(bad());
            }
        }
        let bytes: [u8; KEY_LEN] = out.try_into().map_err(|_| bad())?;
        if acc != 0 {
            return Err(bad());
        }
        Ok(PairingKey::from_bytes(bytes))
    }

    /// The key as the bridge shows it (unpadded base32, upper case), for writing a key file.
    pub fn to_base32(&self) -> Secret<String> {
        let mut out = String::new();
        let (mut acc, mut bits) = (0u32, 0u32);
        let alphabet = |v: u32| char::from(BASE32[(v & 31) as usize]);
        for b in self.0.expose() {
            acc = (acc << 8) | u32::from(*b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(alphabet(acc >> bits));
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(alphabet(acc << (5 - bits)));
        }
        Secret::new(out)
    }

    /// Reads a key file (the base32 text, surrounding whitespace ignored). The error names
    /// the file, never its contents.
    pub fn read_file(path: &Path) -> Result<PairingKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| KeyError::File {
            path: path.display().to_string(),
            why: e.to_string(),
        })?;
        PairingKey::from_base32(&text).map_err(|e| {
            KeyError::Format(format!(
                "the KICC pairing key file {} holds no usable key ({e}); copy the key the bridge \
                 app shows into it",
                path.display()
            ))
        })
    }
}

/// A key lines are MACed with: the pairing key during the handshake, the session key after.
#[derive(Clone, Debug)]
pub struct LineKey(Secret<[u8; KEY_LEN]>);

impl LineKey {
    /// The pairing key itself, for `init` and `initResult`.
    pub fn pairing(key: &PairingKey) -> LineKey {
        LineKey(key.0.clone())
    }

    /// The session key: HMAC-SHA256(pairing key, `kassa-bridge-v1` ‖ POS nonce ‖ bridge nonce).
    pub fn session(
        key: &PairingKey,
        pos_nonce: &[u8; NONCE_LEN],
        bridge_nonce: &[u8; NONCE_LEN],
    ) -> LineKey {
        let mut m = hmac_with(key.0.expose());
        m.update(SESSION_LABEL);
        m.update(pos_nonce);
        m.update(bridge_nonce);
        LineKey(Secret::new(m.finalize().into_bytes().into()))
    }

    fn hmac_over(&self, seq: &[u8], json: &[u8]) -> HmacSha256 {
        let mut m = hmac_with(self.0.expose());
        m.update(seq);
        m.update(b" ");
        m.update(json);
        m
    }

    /// base64 of HMAC-SHA256(key, `SEQ SP JSON`).
    pub fn mac(&self, seq: u64, json: &[u8]) -> String {
        let tag = self.hmac_over(seq.to_string().as_bytes(), json).finalize();
        B64.encode(tag.into_bytes())
    }

    /// The wire form of one line, without its line feed: `SEQ SP MAC SP JSON`.
    pub fn seal(&self, seq: u64, json: &[u8]) -> Vec<u8> {
        let mut line = format!("{seq} {} ", self.mac(seq, json)).into_bytes();
        line.extend_from_slice(json);
        line
    }

    /// The key's bytes, for tests against published vectors.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> [u8; KEY_LEN] {
        *self.0.expose()
    }
}

fn hmac_with(key: &[u8; KEY_LEN]) -> HmacSha256 {
    // HMAC takes a key of any length: this never fails.
    match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts every key length"),
    }
}

/// Why a line was refused. The line is dropped and the link closed, whatever the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Not `SEQ SP MAC SP JSON`: no MAC at all.
    #[error("a line without a sequence number and MAC")]
    Unsigned,
    /// Not the next line of this direction (replayed, reordered or skipped).
    #[error("line {got} arrived where line {expected} was due")]
    Sequence {
        /// The number due.
        expected: u64,
        /// What the line carried (cut short).
        got: String,
    },
    /// The MAC does not match the line under the key in force.
    #[error("line {seq} carries a MAC that does not match")]
    BadMac {
        /// The line's number.
        seq: u64,
    },
}

/// Checks one received line (without its line feed) as line `expected` under `key`; returns
/// its JSON bytes.
pub fn open<'a>(key: &LineKey, expected: u64, line: &'a [u8]) -> Result<&'a [u8], AuthError> {
    let mut parts = line.splitn(3, |b| *b == b' ');
    let (Some(seq), Some(mac), Some(json)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AuthError::Unsigned);
    };
    if seq.is_empty() || !seq.iter().all(u8::is_ascii_digit) || mac.is_empty() {
        return Err(AuthError::Unsigned);
    }
    if seq != expected.to_string().as_bytes() {
        let got: String = String::from_utf8_lossy(seq).chars().take(24).collect();
        return Err(AuthError::Sequence { expected, got });
    }
    let bad = AuthError::BadMac { seq: expected };
    let tag = B64.decode(mac).map_err(|_| bad.clone())?;
    key.hmac_over(seq, json)
        .verify_slice(&tag)
        .map_err(|_| bad)?;
    Ok(json)
}

/// The sending half of one direction: numbers and MACs each line.
#[derive(Debug)]
pub struct Sealer {
    key: LineKey,
    next: u64,
}

impl Sealer {
    /// Line 0 (`init` or `initResult`) under the pairing key.
    pub fn new(key: &PairingKey) -> Sealer {
        Sealer {
            key: LineKey::pairing(key),
            next: 0,
        }
    }

    /// Seals `json` as the next line (without its line feed).
    pub fn seal(&mut self, json: &[u8]) -> Vec<u8> {
        let line = self.key.seal(self.next, json);
        self.next += 1;
        line
    }

    /// Switches to the session key once the handshake is done.
    pub fn rekey(&mut self, key: LineKey) {
        self.key = key;
    }

    /// The number the next line gets.
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// Leaves a number out (the emulator's `skip-seq` fault).
    pub fn skip(&mut self) {
        self.next += 1;
    }
}

/// The receiving half of one direction: accepts exactly the next line, correctly MACed.
#[derive(Debug)]
pub struct Opener {
    key: LineKey,
    next: u64,
}

impl Opener {
    /// Expects line 0 (`init` or `initResult`) under the pairing key.
    pub fn new(key: &PairingKey) -> Opener {
        Opener {
            key: LineKey::pairing(key),
            next: 0,
        }
    }

    /// Checks the next line; its JSON on success. After an error the link must be closed.
    pub fn open<'a>(&mut self, line: &'a [u8]) -> Result<&'a [u8], AuthError> {
        let json = open(&self.key, self.next, line)?;
        self.next += 1;
        Ok(json)
    }

    /// Switches to the session key once the handshake is done.
    pub fn rekey(&mut self, key: LineKey) {
        self.key = key;
    }
}

/// A fresh handshake nonce.
pub fn new_nonce() -> [u8; NONCE_LEN] {
    let mut n = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut n);
    n
}

/// A nonce as `init` and `initResult` carry it (base64).
pub fn encode_nonce(n: &[u8; NONCE_LEN]) -> String {
    B64.encode(n)
}

/// Reads a nonce from `init` or `initResult`; `None` unless it is base64 of 16 bytes.
pub fn decode_nonce(text: &str) -> Option<[u8; NONCE_LEN]> {
    B64.decode(text).ok()?.try_into().ok()
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
