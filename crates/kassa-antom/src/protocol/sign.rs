//! Message signatures (docs/protocols.md §1.2): the content to sign is
//! `{METHOD} {path}\n{Client-Id}.{time}.{body}` over the exact body bytes on the wire, signed
//! with RSASSA-PKCS1-v1_5 / SHA-256 (`RSA256`). Signing uses the blinded private-key operation
//! (RUSTSEC-2023-0071); PKCS#1 v1.5 signatures are deterministic, so blinding does not change
//! the bytes and the vectors reproduce exactly.

use super::keys::{PrivateKey, PublicKey};
use rand::rngs::OsRng;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use sha2::Sha256;

/// Why signing or verifying failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The signature does not match the content under this key.
    #[error("the signature does not match the message")]
    Mismatch,
    /// The RSA operation itself failed (should not happen with a valid key).
    #[error("signing failed: {0}")]
    Rsa(String),
}

/// The bytes that are signed: `{method} {path}\n{client_id}.{time}.{body}`.
pub fn content_to_sign(
    method: &str,
    path: &str,
    client_id: &str,
    time: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(method.len() + path.len() + client_id.len() + body.len() + 40);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(client_id.as_bytes());
    out.push(b'.');
    out.extend_from_slice(time.as_bytes());
    out.push(b'.');
    out.extend_from_slice(body);
    out
}

/// Signs `content` with `key` (blinded RSA). Returns the raw signature bytes.
pub fn sign(key: &PrivateKey, content: &[u8]) -> Result<Vec<u8>, SignError> {
    let sig = key
        .signer()
        .try_sign_with_rng(&mut OsRng, content)
        .map_err(|e| SignError::Rsa(e.to_string()))?;
    Ok(sig.to_vec())
}

/// Checks `signature` over `content` with the peer's public key.
pub fn verify(key: &PublicKey, content: &[u8], signature: &[u8]) -> Result<(), SignError> {
    let verifier = VerifyingKey::<Sha256>::new(key.rsa().clone());
    let sig = Signature::try_from(signature).map_err(|_| SignError::Mismatch)?;
    verifier
        .verify(content, &sig)
        .map_err(|_| SignError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_keys::{read, POS_PRIVATE, POS_PUBLIC};

    #[test]
    fn content_has_one_space_one_lf_two_dots() {
        let c = content_to_sign("POST", "/v2/x", "SN1", "T", b"{}");
        assert_eq!(c, b"POST /v2/x\nSN1.T.{}");
    }

    #[test]
    fn sign_then_verify_and_any_change_fails() {
        let key = PrivateKey::from_pem(&read(POS_PRIVATE)).unwrap();
        let public = PublicKey::from_pem(&read(POS_PUBLIC)).unwrap();
        let content = content_to_sign("POST", "/v2/payments/pay", "SN", "T", b"body");
        let sig = sign(&key, &content).unwrap();
        assert_eq!(sig.len(), 256);
        assert_eq!(
            sig,
            sign(&key, &content).unwrap(),
            "PKCS#1 v1.5 is deterministic"
        );
        verify(&public, &content, &sig).unwrap();
        let other = content_to_sign("POST", "/v2/payments/pay", "SN", "T", b"bodY");
        assert_eq!(verify(&public, &other, &sig), Err(SignError::Mismatch));
        assert_eq!(
            verify(&public, &content, &sig[1..]),
            Err(SignError::Mismatch)
        );
    }
}
