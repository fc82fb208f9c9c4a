//! The `Signature` and `Encrypt` header grammar (docs/protocols.md §1.2, §1.3):
//! `algorithm=RSA256,keyVersion=1,signature={value}` and
//! `algorithm=RSA_AES,keyVersion=1,symmetricKey={value}`, where each value is standard Base64,
//! then percent-encoded. Parsing splits on `,`, trims (Antom's own samples put a space after
//! each comma), splits each pair on the first `=`, and accepts upper- or lower-case escapes.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};

/// The only signature algorithm Antom uses (RSASSA-PKCS1-v1_5 with SHA-256).
pub const SIGNATURE_ALGORITHM: &str = "RSA256";
/// The only envelope algorithm Antom uses (AES body, RSA-wrapped key).
pub const ENCRYPT_ALGORITHM: &str = "RSA_AES";
/// The key version this project sends; received versions are accepted as given.
pub const KEY_VERSION: &str = "1";

/// Why a `Signature` or `Encrypt` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A required key is absent.
    #[error("the header has no {0}")]
    Missing(&'static str),
    /// An algorithm other than the one this protocol uses.
    #[error("unsupported algorithm {found:?} (expected {expected})")]
    Algorithm {
        /// What the header said.
        found: String,
        /// What this protocol uses.
        expected: &'static str,
    },
    /// The value is not percent-encoded Base64.
    #[error("the {0} value is not percent-encoded Base64")]
    Encoding(&'static str),
}

/// Percent-encodes binary data as Base64 the way Antom headers carry it (`+`→`%2B`, `/`→`%2F`,
/// `=`→`%3D`).
pub fn encode_value(bytes: &[u8]) -> String {
    utf8_percent_encode(&B64.encode(bytes), NON_ALPHANUMERIC).to_string()
}

/// Reverses [`encode_value`]; raw (not percent-encoded) Base64 is accepted as well.
pub fn decode_value(value: &str, what: &'static str) -> Result<Vec<u8>, HeaderError> {
    let text = percent_decode_str(value.trim())
        .decode_utf8()
        .map_err(|_| HeaderError::Encoding(what))?;
    B64.decode(text.trim().as_bytes())
        .map_err(|_| HeaderError::Encoding(what))
}

/// The `key=value` pairs of one header, values still percent-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderParams(Vec<(String, String)>);

impl HeaderParams {
    /// Splits `text` into pairs; pieces without `=` are ignored.
    pub fn parse(text: &str) -> HeaderParams {
        let pairs = text
            .split(',')
            .filter_map(|piece| {
                let (k, v) = piece.trim().split_once('=')?;
                Some((k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        HeaderParams(pairs)
    }

    /// The raw value of `key` (key names compared without regard to ASCII case).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    fn algorithm(&self, expected: &'static str) -> Result<(), HeaderError> {
        let found = self
            .get("algorithm")
            .ok_or(HeaderError::Missing("algorithm"))?;
        if found.eq_ignore_ascii_case(expected) {
            Ok(())
        } else {
            Err(HeaderError::Algorithm {
                found: found.to_string(),
                expected,
            })
        }
    }

    fn key_version(&self) -> String {
        self.get("keyVersion").unwrap_or(KEY_VERSION).to_string()
    }
}

/// A parsed or to-be-sent `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// `keyVersion` (defaults to `1` when absent).
    pub key_version: String,
    /// The raw signature bytes (256 for RSA-2048).
    pub signature: Vec<u8>,
}

impl SignatureHeader {
    /// A header for `signature` with this project's key version.
    pub fn new(signature: Vec<u8>) -> SignatureHeader {
        SignatureHeader {
            key_version: KEY_VERSION.to_string(),
            signature,
        }
    }

    /// The header value, exactly as Antom's samples write it (no spaces).
    pub fn to_header(&self) -> String {
        format!(
            "algorithm={SIGNATURE_ALGORITHM},keyVersion={},signature={}",
            self.key_version,
            encode_value(&self.signature)
        )
    }

    /// Reads a header value; the algorithm must be `RSA256`.
    pub fn parse(text: &str) -> Result<SignatureHeader, HeaderError> {
        let p = HeaderParams::parse(text);
        p.algorithm(SIGNATURE_ALGORITHM)?;
        let value = p
            .get("signature")
            .ok_or(HeaderError::Missing("signature"))?;
        let signature = decode_value(value, "signature")?;
        Ok(SignatureHeader {
            key_version: p.key_version(),
            signature,
        })
    }
}

/// A parsed or to-be-sent `Encrypt` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptHeader {
    /// `keyVersion` (defaults to `1` when absent).
    pub key_version: String,
    /// The RSA-wrapped one-time AES key.
    pub wrapped_key: Vec<u8>,
}

impl EncryptHeader {
    /// A header carrying `wrapped_key` with this project's key version.
    pub fn new(wrapped_key: Vec<u8>) -> EncryptHeader {
        EncryptHeader {
            key_version: KEY_VERSION.to_string(),
            wrapped_key,
        }
    }

    /// The header value (no spaces).
    pub fn to_header(&self) -> String {
        format!(
            "algorithm={ENCRYPT_ALGORITHM},keyVersion={},symmetricKey={}",
            self.key_version,
            encode_value(&self.wrapped_key)
        )
    }

    /// Reads a header value; the algorithm must be `RSA_AES`.
    pub fn parse(text: &str) -> Result<EncryptHeader, HeaderError> {
        let p = HeaderParams::parse(text);
        p.algorithm(ENCRYPT_ALGORITHM)?;
        let value = p
            .get("symmetricKey")
            .ok_or(HeaderError::Missing("symmetricKey"))?;
        let wrapped_key = decode_value(value, "symmetricKey")?;
        Ok(EncryptHeader {
            key_version: p.key_version(),
            wrapped_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_documented_shape() {
        let h = SignatureHeader::new(vec![0xfb, 0xff, 0xfe]);
        // Base64 "+//+" → every non-alphanumeric character escaped in upper case.
        assert_eq!(
            h.to_header(),
            "algorithm=RSA256,keyVersion=1,signature=%2B%2F%2F%2B"
        );
        let e = EncryptHeader::new(vec![1, 2]);
        assert_eq!(
            e.to_header(),
            "algorithm=RSA_AES,keyVersion=1,symmetricKey=AQI%3D"
        );
    }

    #[test]
    fn parses_spaces_lower_case_escapes_and_raw_base64() {
        for text in [
            "algorithm=RSA256,keyVersion=1,signature=%2B%2F%2F%2B",
            "algorithm=RSA256, keyVersion=1, signature=%2b%2f%2f%2b",
            " signature = +//+ ,algorithm=RSA256",
        ] {
            let h = SignatureHeader::parse(text).unwrap();
            assert_eq!(h.signature, vec![0xfb, 0xff, 0xfe], "{text}");
            assert_eq!(h.key_version, "1");
        }
        let h = SignatureHeader::parse("algorithm=RSA256,keyVersion=7,signature=AQI%3D").unwrap();
        assert_eq!((h.key_version.as_str(), h.signature), ("7", vec![1, 2]));
        // Only the first `=` separates key and value: padding stays in the value.
        let e = EncryptHeader::parse("algorithm=RSA_AES,keyVersion=1,symmetricKey=AQI=").unwrap();
        assert_eq!(e.wrapped_key, vec![1, 2]);
    }

    #[test]
    fn refuses_what_is_not_there_or_not_ours() {
        assert_eq!(
            SignatureHeader::parse("algorithm=RSA256,keyVersion=1"),
            Err(HeaderError::Missing("signature"))
        );
        assert_eq!(
            SignatureHeader::parse(""),
            Err(HeaderError::Missing("algorithm"))
        );
        assert!(matches!(
            SignatureHeader::parse("algorithm=RSA1,signature=AQI%3D"),
            Err(HeaderError::Algorithm { .. })
        ));
        assert!(matches!(
            EncryptHeader::parse("algorithm=RSA256,symmetricKey=AQI%3D"),
            Err(HeaderError::Algorithm { .. })
        ));
        assert_eq!(
            SignatureHeader::parse("algorithm=RSA256,signature=%%%"),
            Err(HeaderError::Encoding("signature"))
        );
        assert_eq!(
            SignatureHeader::parse("algorithm=RSA256,signature=not base64!"),
            Err(HeaderError::Encoding("signature"))
        );
    }
}
