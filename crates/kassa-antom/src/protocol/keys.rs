//! RSA keys of the two ends of the N950 protocol: the POS key pair (merchant-generated, PKCS#8
//! private key) and the terminal's (Antom's) public key, X.509 SPKI. Private keys live inside
//! [`kassa_core::Secret`], so neither `Debug` nor a log line can show them.

use kassa_core::Secret;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use std::fmt;
use std::sync::Arc;

/// Antom requires 2048-bit keys; shorter keys are refused rather than used.
pub const MIN_KEY_BITS: usize = 2048;

/// Why PEM text is not a usable key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text is not a PEM key of the expected kind.
    #[error("not a {expected} in PEM form ({detail})")]
    NotAKey {
        /// What was expected, in words.
        expected: &'static str,
        /// The parser's complaint (never contains key material).
        detail: String,
    },
    /// The key is shorter than Antom accepts.
    #[error("the key has {bits} bits; Antom requires at least {MIN_KEY_BITS}")]
    TooShort {
        /// Size of the key given.
        bits: usize,
    },
}

/// An RSA private key (ours for signing and unwrapping). Never printed; cheap to clone.
#[derive(Clone)]
pub struct PrivateKey(Secret<Arc<SigningKey<Sha256>>>);

impl PrivateKey {
    /// Reads a PKCS#8 PEM private key (`BEGIN PRIVATE KEY`); a PKCS#1 `BEGIN RSA PRIVATE KEY`,
    /// which older OpenSSL `genrsa` writes, is accepted too.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, KeyError> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem).or_else(|e8| {
            RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| KeyError::NotAKey {
                expected: "PKCS#8 RSA private key",
                detail: e8.to_string(),
            })
        })?;
        check_bits(key.size() * 8)?;
        Ok(PrivateKey(Secret::new(Arc::new(SigningKey::new(key)))))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.rsa().to_public_key())
    }

    /// The PKCS#1 v1.5 / SHA-256 signer, for this crate's signing code only.
    pub(crate) fn signer(&self) -> &SigningKey<Sha256> {
        self.0.expose()
    }

    /// The RSA key itself, for this crate's unwrapping code only.
    pub(crate) fn rsa(&self) -> &RsaPrivateKey {
        self.0.expose().as_ref().as_ref()
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(***)")
    }
}

/// An RSA public key (the peer's, for verifying and wrapping).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(RsaPublicKey);

impl PublicKey {
    /// Reads an X.509 SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`); a PKCS#1
    /// `BEGIN RSA PUBLIC KEY` is accepted too.
    pub fn from_pem(pem: &str) -> Result<PublicKey, KeyError> {
        let key = RsaPublicKey::from_public_key_pem(pem).or_else(|e| {
            RsaPublicKey::from_pkcs1_pem(pem).map_err(|_| KeyError::NotAKey {
                expected: "SPKI RSA public key",
                detail: e.to_string(),
            })
        })?;
        check_bits(key.size() * 8)?;
        Ok(PublicKey(key))
    }

    /// The RSA key itself, for this crate's verifying and wrapping code.
    pub(crate) fn rsa(&self) -> &RsaPublicKey {
        &self.0
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(RSA-{})", self.0.size() * 8)
    }
}

fn check_bits(bits: usize) -> Result<(), KeyError> {
    if bits < MIN_KEY_BITS {
        Err(KeyError::TooShort { bits })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_keys::{read, POS_PRIVATE, POS_PUBLIC};

    #[test]
    fn loads_the_vector_keys_and_never_prints_the_private_one() {
        let private = PrivateKey::from_pem(&read(POS_PRIVATE)).unwrap();
        let public = PublicKey::from_pem(&read(POS_PUBLIC)).unwrap();
        assert_eq!(private.public_key(), public, "the pair belongs together");
        let shown = format!("{private:?}");
        assert_eq!(shown, "PrivateKey(***)");
        assert_eq!(format!("{public:?}"), "PublicKey(RSA-2048)");
    }

    #[test]
    fn refuses_the_wrong_kind_of_pem() {
        let public_pem = read(POS_PUBLIC);
        assert!(matches!(
            PrivateKey::from_pem(&public_pem),
            Err(KeyError::NotAKey { .. })
        ));
        assert!(matches!(
            PublicKey::from_pem("garbage"),
            Err(KeyError::NotAKey { .. })
        ));
        let private_pem = read(POS_PRIVATE);
        let err = PublicKey::from_pem(&private_pem).unwrap_err();
        assert!(
            !err.to_string().contains("MII"),
            "errors never echo key material: {err}"
        );
    }
}
