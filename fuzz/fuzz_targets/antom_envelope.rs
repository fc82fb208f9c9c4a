//! The N950 body envelope (docs/protocols.md §1.3): what the POS does with the `Encrypt` header and
//! body of an answer once its signature has verified, with the throwaway POS key of
//! `tests/vectors`.
//!
//! The first byte picks the path:
//! - `0..=239`: `Encrypt` header and body through `envelope::open` with the POS key, in both
//!   profiles (input = header text, a `\n`, then the body);
//! - `240..=255`: seal the input for the POS key and open it again, bare and as whole
//!   messages through two `Codec`s (RSA sign, verify, wrap and unwrap: the slowest path).
//!
//! The body alone, without RSA, is the `antom_envelope_body` target.
//!
//! Invariants: no panic; opening is deterministic; seal → open is the identity for any
//! plaintext, in both profiles; only the receiver's key opens it.
#![no_main]

use kassa_antom::protocol::envelope;
use kassa_antom::protocol::{Codec, Envelope, MessageMeta, OpenError, PrivateKey, PublicKey};
use kassa_fuzz::{keys, split_first};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Keys {
    pos: PrivateKey,
    pos_public: PublicKey,
    terminal: PrivateKey,
}

fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| Keys {
        pos: PrivateKey::from_pem(keys::POS_PRIVATE).expect("the vector POS key"),
        pos_public: PublicKey::from_pem(keys::POS_PUBLIC).expect("the vector POS public key"),
        terminal: PrivateKey::from_pem(keys::TERMINAL_PRIVATE).expect("the vector terminal key"),
    })
}

fn header_and_body(input: &[u8]) {
    let (header, body) = match input.iter().position(|b| *b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &b""[..]),
    };
    let Ok(header) = std::str::from_utf8(header) else {
        return;
    };
    for profile in [Envelope::Gcm, Envelope::Ecb] {
        // Errors are fine; panics are not. A success must be reproducible.
        if let Ok(plain) = envelope::open(profile, &keys().pos, header, body) {
            let twice = envelope::open(profile, &keys().pos, header, body);
            assert_eq!(twice.as_ref(), Ok(&plain), "opening is deterministic");
        }
    }
}

fn seal_and_open(selector: u8, plain: &[u8]) {
    let k = keys();
    let profile = if selector & 1 == 0 {
        Envelope::Gcm
    } else {
        Envelope::Ecb
    };
    // Bare envelope for the POS key.
    let sealed = envelope::seal(profile, &k.pos_public, plain).expect("sealing works");
    let opened = envelope::open(
        profile,
        &k.pos,
        &sealed.encrypt_header,
        sealed.body.as_bytes(),
    );
    assert_eq!(
        opened.as_deref(),
        Ok(plain),
        "{profile:?}: seal → open is the identity"
    );
    // Whole message, terminal → POS, with the meta taken from the input as well.
    let text = String::from_utf8_lossy(plain);
    let mut parts = text.splitn(3, '\n');
    let meta = MessageMeta {
        method: "POST",
        path: parts.next().unwrap_or(""),
        client_id: parts.next().unwrap_or(""),
        time: parts.next().unwrap_or(""),
    };
    let terminal = Codec::new(k.terminal.clone(), k.pos_public.clone(), profile);
    let pos = Codec::new(k.pos.clone(), k.terminal.public_key(), profile);
    let m = terminal
        .seal(&meta, plain)
        .expect("sealing a message works");
    let got = pos.open(&meta, Some(&m.signature), Some(&m.encrypt), &m.body);
    assert_eq!(got.as_deref(), Ok(plain), "{profile:?}: Codec seal → open");
    // The sender cannot open its own message: the key was wrapped for the POS and the
    // signature verifies only with the terminal's public key.
    assert!(matches!(
        terminal.open(&meta, Some(&m.signature), Some(&m.encrypt), &m.body),
        Err(OpenError::BadSignature(_))
    ));
}

fuzz_target!(|data: &[u8]| {
    let (selector, rest) = split_first(data);
    match selector {
        0..=239 => header_and_body(rest),
        240..=255 => seal_and_open(selector, rest),
    }
});
