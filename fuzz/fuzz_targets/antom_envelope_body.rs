//! The N950 body envelope's symmetric half (docs/protocols.md §1.3): an answer's body under the
//! fixed AES key of the vectors' response envelope, in both profiles (`gcm`: Base64 of nonce,
//! ciphertext and tag; `ecb`: Base64 of PKCS#7-padded blocks). No RSA, so it runs fast; the
//! `antom_envelope` target covers the `Encrypt` header and the RSA key unwrap.
//!
//! Invariants: no panic; whatever decrypts re-encrypts to the very same body text (the Base64
//! form is canonical and the padding strict, so no two bodies open to the same plaintext).
#![no_main]

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kassa_antom::protocol::envelope::{decrypt_body, encrypt_body, AesKey, NONCE_LEN};
use kassa_antom::protocol::Envelope;
use kassa_core::Secret;
use libfuzzer_sys::fuzz_target;

/// The AES key of the vectors' response envelope (`antom_envelope[2].aes_key_hex`), so the
/// seed bodies decrypt and the fuzzer starts from real ciphertext.
const VECTOR_KEY: [u8; 32] = [
    0xef, 0x68, 0x22, 0x13, 0x05, 0x08, 0x07, 0x7b, 0xf8, 0xa7, 0xd8, 0x13, 0xa0, 0x77, 0x54, 0x54,
    0x3a, 0x6a, 0x5a, 0x80, 0x6c, 0xce, 0x89, 0xfa, 0xba, 0x07, 0xe1, 0x42, 0xd2, 0x6f, 0x1f, 0xb5,
];

fn body_only(body: &[u8]) {
    let key: AesKey = Secret::new(VECTOR_KEY);
    for profile in [Envelope::Gcm, Envelope::Ecb] {
        let Ok(plain) = decrypt_body(profile, &key, body) else {
            continue;
        };
        let raw = B64
            .decode(body.trim_ascii())
            .expect("a body that decrypted is Base64");
        let nonce: [u8; NONCE_LEN] = match profile {
            Envelope::Gcm => raw[..NONCE_LEN].try_into().expect("a GCM body has a nonce"),
            Envelope::Ecb => [0; NONCE_LEN],
        };
        let again = encrypt_body(profile, &key, &nonce, &plain).expect("re-encryption works");
        assert_eq!(
            again.as_bytes(),
            body.trim_ascii(),
            "{profile:?}: a body that opens must be the one encryption of its plaintext"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    body_only(data);
});
