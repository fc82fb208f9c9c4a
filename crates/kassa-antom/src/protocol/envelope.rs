//! The body envelope (docs/protocols.md §1.3): a fresh 32-byte AES key per message, wrapped with RSA
//! PKCS#1 v1.5 under the receiver's public key into the `Encrypt` header; the body encrypted
//! with that key under one of two profiles:
//!
//! | profile | body on the wire |
//! |---|---|
//! | `ecb` (default) | Base64(AES-ECB ciphertext, PKCS#7 padding) |
//! | `gcm` | Base64(nonce(12) ‖ AES-256-GCM ciphertext ‖ tag(16)), no AAD |
//!
//! `ecb` is the default because it is the only mode any Ant Group code uses with this header
//! [M]; `gcm` is our own authenticated option [D]. We always send a 32-byte key; a received key
//! of 16, 24 or 32 bytes is taken for `ecb` (Ant's samples send 16-byte keys), `gcm` needs 32.
//! ECB has no integrity of its own: the signature, verified before anything is unwrapped,
//! is what protects the body.
//!
//! Unwrapping uses the blinded RSA decryption (RUSTSEC-2023-0071).

use super::header::{EncryptHeader, HeaderError};
use super::keys::{PrivateKey, PublicKey};
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit};
use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kassa_core::Secret;
use rand::rngs::OsRng;
use rand::RngCore;
use rsa::Pkcs1v15Encrypt;
use serde::{Deserialize, Serialize};

/// Length of the one-time AES-256 key this end sends.
pub const KEY_LEN: usize = 32;
/// Key lengths a receiver takes (AES-128, -192, -256; docs/protocols.md §1.3).
pub const RECEIVED_KEY_LENS: [usize; 3] = [16, 24, 32];
/// Length of the GCM nonce at the start of a `gcm` body.
pub const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Which body cipher a terminal uses; chosen per terminal in its settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Envelope {
    /// AES-ECB with PKCS#7 padding, as every Ant Group implementation of the header does [M]:
    /// the default.
    #[default]
    Ecb,
    /// AES-256-GCM with a random 12-byte nonce, authenticated [D]: for a terminal confirmed
    /// to use it.
    Gcm,
}

impl Envelope {
    /// The settings name (`gcm`, `ecb`).
    pub fn as_str(self) -> &'static str {
        match self {
            Envelope::Gcm => "gcm",
            Envelope::Ecb => "ecb",
        }
    }
}

impl std::str::FromStr for Envelope {
    type Err = String;
    fn from_str(s: &str) -> Result<Envelope, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gcm" => Ok(Envelope::Gcm),
            "ecb" => Ok(Envelope::Ecb),
            other => Err(format!(
                "unknown envelope profile {other:?}: use gcm or ecb"
            )),
        }
    }
}

/// A one-time AES key as this end makes it; never printed.
pub type AesKey = Secret<[u8; KEY_LEN]>;
/// A one-time AES key as received: 16, 24 or 32 bytes; never printed.
pub type ReceivedKey = Secret<Vec<u8>>;

/// Why an envelope could not be made or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The `Encrypt` header could not be read.
    #[error("Encrypt header: {0}")]
    Header(#[from] HeaderError),
    /// The wrapped key could not be unwrapped with our private key, or has the wrong length.
    #[error("the symmetric key cannot be unwrapped with this key")]
    Unwrap,
    /// The body is not Base64, too short, fails authentication or has bad padding.
    #[error("the body cannot be decrypted ({0})")]
    Body(&'static str),
    /// RSA wrapping failed (should not happen with a valid public key).
    #[error("the symmetric key could not be wrapped: {0}")]
    Wrap(String),
}

/// A sealed body and the `Encrypt` header that opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The `Encrypt` header value.
    pub encrypt_header: String,
    /// The body on the wire (Base64 text).
    pub body: String,
}

/// Wraps `key` for `receiver` (RSA PKCS#1 v1.5 encryption; randomised).
pub fn wrap_key(receiver: &PublicKey, key: &AesKey) -> Result<Vec<u8>, EnvelopeError> {
    receiver
        .rsa()
        .encrypt(&mut OsRng, Pkcs1v15Encrypt, key.expose())
        .map_err(|e| EnvelopeError::Wrap(e.to_string()))
}

/// Unwraps a key sent to us (blinded RSA decryption); a key of any length but 16, 24 or 32
/// bytes is refused.
pub fn unwrap_key(own: &PrivateKey, wrapped: &[u8]) -> Result<ReceivedKey, EnvelopeError> {
    let plain = own
        .rsa()
        .decrypt_blinded(&mut OsRng, Pkcs1v15Encrypt, wrapped)
        .map_err(|_| EnvelopeError::Unwrap)?;
    if !RECEIVED_KEY_LENS.contains(&plain.len()) {
        return Err(EnvelopeError::Unwrap);
    }
    Ok(Secret::new(plain))
}

/// The GCM cipher; only a 32-byte key is taken.
fn gcm(key: &[u8]) -> Result<Aes256Gcm, EnvelopeError> {
    Aes256Gcm::new_from_slice(key).map_err(|_| EnvelopeError::Unwrap)
}

/// AES-ECB with PKCS#7 padding under a 16-, 24- or 32-byte key.
fn ecb_encrypt(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    fn run<C: BlockEncryptMut + KeyInit>(key: &[u8], p: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        Ok(C::new_from_slice(key)
            .map_err(|_| EnvelopeError::Unwrap)?
            .encrypt_padded_vec_mut::<Pkcs7>(p))
    }
    match key.len() {
        16 => run::<ecb::Encryptor<aes::Aes128>>(key, plaintext),
        24 => run::<ecb::Encryptor<aes::Aes192>>(key, plaintext),
        32 => run::<ecb::Encryptor<aes::Aes256>>(key, plaintext),
        _ => Err(EnvelopeError::Unwrap),
    }
}

fn ecb_decrypt(key: &[u8], raw: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    fn run<C: BlockDecryptMut + KeyInit>(key: &[u8], raw: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        C::new_from_slice(key)
            .map_err(|_| EnvelopeError::Unwrap)?
            .decrypt_padded_vec_mut::<Pkcs7>(raw)
            .map_err(|_| EnvelopeError::Body("bad ecb length or padding"))
    }
    match key.len() {
        16 => run::<ecb::Decryptor<aes::Aes128>>(key, raw),
        24 => run::<ecb::Decryptor<aes::Aes192>>(key, raw),
        32 => run::<ecb::Decryptor<aes::Aes256>>(key, raw),
        _ => Err(EnvelopeError::Unwrap),
    }
}

/// Encrypts `plaintext` under `key` (`gcm`: 32 bytes; `ecb`: 16, 24 or 32); `nonce` is used by
/// `gcm` only. Deterministic, so tests can reproduce vectors; [`seal`] supplies fresh
/// randomness.
pub fn encrypt_body<K: AsRef<[u8]>>(
    profile: Envelope,
    key: &Secret<K>,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> Result<String, EnvelopeError> {
    let key = key.expose().as_ref();
    let raw = match profile {
        Envelope::Gcm => {
            let ct = gcm(key)?
                .encrypt(Nonce::from_slice(nonce), plaintext)
                .map_err(|_| EnvelopeError::Body("gcm encryption failed"))?;
            let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
            out.extend_from_slice(nonce);
            out.extend_from_slice(&ct);
            out
        }
        Envelope::Ecb => ecb_encrypt(key, plaintext)?,
    };
    Ok(B64.encode(raw))
}

/// Decrypts a body (Base64 text; surrounding whitespace ignored) under `key` (`gcm`: 32
/// bytes; `ecb`: 16, 24 or 32).
pub fn decrypt_body<K: AsRef<[u8]>>(
    profile: Envelope,
    key: &Secret<K>,
    body: &[u8],
) -> Result<Vec<u8>, EnvelopeError> {
    let key = key.expose().as_ref();
    let raw = B64
        .decode(body.trim_ascii())
        .map_err(|_| EnvelopeError::Body("not Base64"))?;
    match profile {
        Envelope::Gcm => {
            let cipher = gcm(key)?;
            if raw.len() < NONCE_LEN + TAG_LEN {
                return Err(EnvelopeError::Body("shorter than nonce and tag"));
            }
            let (nonce, ct) = raw.split_at(NONCE_LEN);
            cipher
                .decrypt(Nonce::from_slice(nonce), ct)
                .map_err(|_| EnvelopeError::Body("gcm authentication failed"))
        }
        Envelope::Ecb => ecb_decrypt(key, &raw),
    }
}

/// Seals `plaintext` for `receiver` with a fresh key (and nonce).
pub fn seal(
    profile: Envelope,
    receiver: &PublicKey,
    plaintext: &[u8],
) -> Result<Sealed, EnvelopeError> {
    let mut key = [0u8; KEY_LEN];
    OsRng.fill_bytes(&mut key);
    let key = Secret::new(key);
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let body = encrypt_body(profile, &key, &nonce, plaintext)?;
    let encrypt_header = EncryptHeader::new(wrap_key(receiver, &key)?).to_header();
    Ok(Sealed {
        encrypt_header,
        body,
    })
}

/// Opens a body sent to us: parses the `Encrypt` header, unwraps the key, decrypts.
/// Call only after the message's signature has been verified.
pub fn open(
    profile: Envelope,
    own: &PrivateKey,
    encrypt_header: &str,
    body: &[u8],
) -> Result<Vec<u8>, EnvelopeError> {
    let header = EncryptHeader::parse(encrypt_header)?;
    let key = unwrap_key(own, &header.wrapped_key)?;
    decrypt_body(profile, &key, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_keys::{read, POS_PRIVATE, POS_PUBLIC};

    #[test]
    fn round_trips_in_both_profiles_and_the_key_is_fresh() {
        let own = PrivateKey::from_pem(&read(POS_PRIVATE)).unwrap();
        let receiver = PublicKey::from_pem(&read(POS_PUBLIC)).unwrap();
        for profile in [Envelope::Gcm, Envelope::Ecb] {
            let a = seal(profile, &receiver, b"{\"x\":1}").unwrap();
            let b = seal(profile, &receiver, b"{\"x\":1}").unwrap();
            assert_ne!(a.body, b.body, "a fresh key per message");
            assert_eq!(
                open(profile, &own, &a.encrypt_header, a.body.as_bytes()).unwrap(),
                b"{\"x\":1}"
            );
        }
    }

    #[test]
    fn wrong_profile_or_garbage_fails_cleanly() {
        let own = PrivateKey::from_pem(&read(POS_PRIVATE)).unwrap();
        let receiver = PublicKey::from_pem(&read(POS_PUBLIC)).unwrap();
        let s = seal(Envelope::Gcm, &receiver, b"{}").unwrap();
        assert!(matches!(
            open(Envelope::Ecb, &own, &s.encrypt_header, s.body.as_bytes()),
            Err(EnvelopeError::Body(_))
        ));
        assert!(matches!(
            open(Envelope::Gcm, &own, &s.encrypt_header, b"!!"),
            Err(EnvelopeError::Body("not Base64"))
        ));
        assert!(matches!(
            open(
                Envelope::Gcm,
                &own,
                "algorithm=RSA_AES,symmetricKey=AQI%3D",
                b""
            ),
            Err(EnvelopeError::Unwrap)
        ));
        assert!(matches!(
            open(Envelope::Gcm, &own, "algorithm=RSA_AES", b""),
            Err(EnvelopeError::Header(HeaderError::Missing("symmetricKey")))
        ));
    }

    #[test]
    fn received_keys_of_16_24_32_bytes_open_ecb_and_only_32_open_gcm() {
        let own = PrivateKey::from_pem(&read(POS_PRIVATE)).unwrap();
        let receiver = PublicKey::from_pem(&read(POS_PUBLIC)).unwrap();
        let nonce = [7u8; NONCE_LEN];
        for len in [16, 24, 32] {
            let key: Vec<u8> = (0..len as u8).collect();
            let body =
                encrypt_body(Envelope::Ecb, &Secret::new(key.clone()), &nonce, b"{}").unwrap();
            let wrapped = receiver
                .rsa()
                .encrypt(&mut OsRng, Pkcs1v15Encrypt, &key)
                .unwrap();
            let header = format!(
                "algorithm=RSA_AES, symmetricKey={}",
                super::super::header::encode_value(&wrapped)
            );
            assert_eq!(
                open(Envelope::Ecb, &own, &header, body.as_bytes()).unwrap(),
                b"{}",
                "{len}-byte key"
            );
            if len != 32 {
                assert_eq!(
                    open(Envelope::Gcm, &own, &header, body.as_bytes()),
                    Err(EnvelopeError::Unwrap),
                    "gcm takes a 32-byte key only"
                );
            }
        }
        // Any other length is refused before the body is touched.
        let wrapped = receiver
            .rsa()
            .encrypt(&mut OsRng, Pkcs1v15Encrypt, &[1u8; 20])
            .unwrap();
        assert_eq!(
            unwrap_key(&own, &wrapped).map(|_| ()),
            Err(EnvelopeError::Unwrap)
        );
    }

    #[test]
    fn profile_names_parse_and_serialize_lowercase() {
        assert_eq!("ECB".parse::<Envelope>(), Ok(Envelope::Ecb));
        assert!("cbc".parse::<Envelope>().is_err());
        assert_eq!(serde_json::to_string(&Envelope::Gcm).unwrap(), "\"gcm\"");
        assert_eq!(Envelope::default(), Envelope::Ecb);
    }
}
