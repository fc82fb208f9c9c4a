//! Whole messages: encrypt-then-sign on the way out, verify-then-decrypt on the way in.
//! The same [`Codec`] serves both ends: the POS holds its private key and the terminal's public
//! key, the simulator the reverse, so there is one implementation of the crypto.

use super::envelope::{self, Envelope, EnvelopeError};
use super::header::{HeaderError, SignatureHeader};
use super::keys::{PrivateKey, PublicKey};
use super::sign::{self, content_to_sign, SignError};

/// What the signature covers besides the body: method, path, Client-Id and the time header
/// (`Request-Time` for requests, `Response-Time` for responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageMeta<'a> {
    /// HTTP method, `POST`.
    pub method: &'a str,
    /// URI path only, e.g. `/v2/payments/pay`.
    pub path: &'a str,
    /// The terminal's serial number.
    pub client_id: &'a str,
    /// The time header's exact text.
    pub time: &'a str,
}

impl MessageMeta<'_> {
    fn content(&self, body: &[u8]) -> Vec<u8> {
        content_to_sign(self.method, self.path, self.client_id, self.time, body)
    }
}

/// A message ready for the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedMessage {
    /// `Signature` header value.
    pub signature: String,
    /// `Encrypt` header value.
    pub encrypt: String,
    /// The exact body bytes (the Base64 envelope text) the signature covers.
    pub body: Vec<u8>,
}

/// Why a message could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Encrypting or wrapping failed.
    #[error("{0}")]
    Envelope(#[from] EnvelopeError),
    /// Signing failed.
    #[error("{0}")]
    Sign(#[from] SignError),
}

/// Why a received message is not trusted. The split matters: a bad signature means the message
/// may not be from the peer at all; an unreadable body means it is, but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// `Signature` header missing, unreadable, or not matching.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// Signed correctly, but the envelope cannot be opened.
    #[error("cannot decrypt: {0}")]
    Undecryptable(String),
}

impl From<HeaderError> for OpenError {
    fn from(e: HeaderError) -> OpenError {
        OpenError::BadSignature(e.to_string())
    }
}

/// One end of the protocol: our private key, the peer's public key, and the envelope profile.
#[derive(Debug, Clone)]
pub struct Codec {
    own: PrivateKey,
    peer: PublicKey,
    envelope: Envelope,
}

impl Codec {
    /// `own` signs and unwraps; `peer` verifies and receives wrapped keys.
    pub fn new(own: PrivateKey, peer: PublicKey, envelope: Envelope) -> Codec {
        Codec {
            own,
            peer,
            envelope,
        }
    }

    /// The envelope profile in use.
    pub fn envelope(&self) -> Envelope {
        self.envelope
    }

    /// Encrypts `plaintext` for the peer, then signs the encrypted body.
    pub fn seal(
        &self,
        meta: &MessageMeta<'_>,
        plaintext: &[u8],
    ) -> Result<SealedMessage, SealError> {
        let sealed = envelope::seal(self.envelope, &self.peer, plaintext)?;
        let body = sealed.body.into_bytes();
        let signature = self.sign_body(meta, &body)?;
        Ok(SealedMessage {
            signature,
            encrypt: sealed.encrypt_header,
            body,
        })
    }

    /// The `Signature` header value for `body` (already encrypted) under `meta`.
    pub fn sign_body(&self, meta: &MessageMeta<'_>, body: &[u8]) -> Result<String, SignError> {
        let sig = sign::sign(&self.own, &meta.content(body))?;
        Ok(SignatureHeader::new(sig).to_header())
    }

    /// Verifies the signature (fail closed: a missing header is a bad signature), and only
    /// then unwraps the key and decrypts the body.
    pub fn open(
        &self,
        meta: &MessageMeta<'_>,
        signature: Option<&str>,
        encrypt: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<u8>, OpenError> {
        self.verify(meta, signature, body)?;
        let encrypt =
            encrypt.ok_or_else(|| OpenError::Undecryptable("no Encrypt header".into()))?;
        envelope::open(self.envelope, &self.own, encrypt, body)
            .map_err(|e| OpenError::Undecryptable(e.to_string()))
    }

    /// Checks only the signature of a received message.
    pub fn verify(
        &self,
        meta: &MessageMeta<'_>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), OpenError> {
        let header =
            signature.ok_or_else(|| OpenError::BadSignature("no Signature header".into()))?;
        let parsed = SignatureHeader::parse(header)?;
        sign::verify(&self.peer, &meta.content(body), &parsed.signature)
            .map_err(|e| OpenError::BadSignature(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_keys::*;

    fn pair(envelope: Envelope) -> (Codec, Codec) {
        let pos = PrivateKey::from_pem(&read(POS_PRIVATE)).unwrap();
        let term = PrivateKey::from_pem(&read(TERMINAL_PRIVATE)).unwrap();
        let pos_side = Codec::new(pos.clone(), term.public_key(), envelope);
        let term_side = Codec::new(term, pos.public_key(), envelope);
        (pos_side, term_side)
    }

    const META: MessageMeta<'static> = MessageMeta {
        method: "POST",
        path: "/v2/payments/pay",
        client_id: "N950SN0001",
        time: "2026-11-21T10:15:30.123+09:00",
    };

    #[test]
    fn pos_to_terminal_and_back_in_both_profiles() {
        for env in [Envelope::Gcm, Envelope::Ecb] {
            let (pos, term) = pair(env);
            let m = pos.seal(&META, b"{\"a\":1}").unwrap();
            let got = term
                .open(&META, Some(&m.signature), Some(&m.encrypt), &m.body)
                .unwrap();
            assert_eq!(got, b"{\"a\":1}");
            // The POS cannot open its own message: the key was wrapped for the terminal.
            assert!(matches!(
                pos.open(&META, Some(&m.signature), Some(&m.encrypt), &m.body),
                Err(OpenError::BadSignature(_))
            ));
        }
    }

    #[test]
    fn signature_is_checked_before_anything_else() {
        let (pos, term) = pair(Envelope::Gcm);
        let m = pos.seal(&META, b"{}").unwrap();
        let mut tampered = m.body.clone();
        tampered[3] ^= 0x01;
        let err = term
            .open(&META, Some(&m.signature), Some(&m.encrypt), &tampered)
            .unwrap_err();
        assert!(matches!(err, OpenError::BadSignature(_)), "{err:?}");
        // Missing signature: refused even though the envelope itself is fine.
        let err = term
            .open(&META, None, Some(&m.encrypt), &m.body)
            .unwrap_err();
        assert_eq!(err, OpenError::BadSignature("no Signature header".into()));
        // A different time or path is a different message.
        let other = MessageMeta {
            time: "2026-11-21T10:15:30.124+09:00",
            ..META
        };
        assert!(term
            .open(&other, Some(&m.signature), Some(&m.encrypt), &m.body)
            .is_err());
        // Signed but no Encrypt header: readable signature, unreadable body.
        let err = term
            .open(&META, Some(&m.signature), None, &m.body)
            .unwrap_err();
        assert!(matches!(err, OpenError::Undecryptable(_)));
    }
}
