//! IOT Pay's MD5 signature (docs/protocols.md §4.2), for requests and responses alike.
//!
//! Drop `sign` and every field whose value is null or an empty string; sort the rest by name
//! (byte order); join `k=v` with `&` using raw values (numbers in decimal text, nested objects
//! as compact JSON in received order); append `&key={merchant key}`; MD5 over the UTF-8
//! bytes; uppercase hex. The string to sign contains the key, so it is handed out only as a
//! [`Secret`].

use crate::json::OrderedJson;
use kassa_core::Secret;
use md5::{Digest, Md5};

/// Name of the signature field.
pub const SIGN_FIELD: &str = "sign";

/// The text a field contributes, or `None` when the rule drops it.
fn field_text(value: &OrderedJson) -> Option<String> {
    match value {
        OrderedJson::Null => None,
        OrderedJson::String(s) if s.is_empty() => None,
        OrderedJson::String(s) => Some(s.clone()),
        OrderedJson::Bool(b) => Some(b.to_string()),
        OrderedJson::Number(n) => Some(n.to_string()),
        OrderedJson::Array(_) | OrderedJson::Object(_) => Some(value.to_compact()),
    }
}

/// The exact string that is hashed, `...&key=KEY` included.
pub fn string_to_sign(fields: &[(String, OrderedJson)], key: &Secret<String>) -> Secret<String> {
    let mut kept: Vec<(&str, String)> = fields
        .iter()
        .filter(|(k, _)| k != SIGN_FIELD)
        .filter_map(|(k, v)| field_text(v).map(|t| (k.as_str(), t)))
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::new();
    for (k, v) in kept {
        out.push_str(k);
        out.push('=');
        out.push_str(&v);
        out.push('&');
    }
    out.push_str("key=");
    out.push_str(key.expose());
    Secret::new(out)
}

/// The signature of `fields`: 32 uppercase hex digits.
pub fn sign(fields: &[(String, OrderedJson)], key: &Secret<String>) -> String {
    let text = string_to_sign(fields, key);
    hex::encode_upper(Md5::digest(text.expose().as_bytes()))
}

/// What checking a received object's `sign` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignCheck {
    /// The signature matches.
    Valid,
    /// No `sign` field (or not a string).
    Missing,
    /// A signature that does not match what the key gives.
    Mismatch,
}

impl SignCheck {
    /// True only for [`SignCheck::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, SignCheck::Valid)
    }

    /// A short description for logs and `UnknownReason::BadSignature` (never the key).
    pub fn describe(&self) -> &'static str {
        match self {
            SignCheck::Valid => "signature valid",
            SignCheck::Missing => "the answer carries no signature",
            SignCheck::Mismatch => "the answer's signature does not match the merchant key",
        }
    }
}

/// Checks the `sign` field of a received object (request or response) against `key`.
pub fn verify(fields: &[(String, OrderedJson)], key: &Secret<String>) -> SignCheck {
    let received = fields.iter().find(|(k, _)| k == SIGN_FIELD).map(|(_, v)| v);
    match received {
        Some(OrderedJson::String(s)) if !s.is_empty() => {
            if s.eq_ignore_ascii_case(&sign(fields, key)) {
                SignCheck::Valid
            } else {
                SignCheck::Mismatch
            }
        }
        _ => SignCheck::Missing,
    }
}

/// Adds (or replaces) the `sign` field of an object's pairs.
pub fn attach_sign(fields: &mut Vec<(String, OrderedJson)>, key: &Secret<String>) {
    fields.retain(|(k, _)| k != SIGN_FIELD);
    let s = sign(fields, key);
    fields.push((SIGN_FIELD.to_string(), OrderedJson::String(s)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Secret<String> {
        Secret::new("TESTKEY".to_string())
    }

    #[test]
    fn nulls_empties_and_sign_are_dropped_and_names_sorted_bytewise() {
        let v =
            OrderedJson::parse(r#"{"b":"2","B":"1","a":null,"c":"","sign":"X","n":7}"#).unwrap();
        let s = string_to_sign(v.as_object().unwrap(), &key());
        assert_eq!(s.expose(), "B=1&b=2&n=7&key=TESTKEY");
    }

    #[test]
    fn attached_signature_verifies_and_tampering_is_caught() {
        let v = OrderedJson::parse(r#"{"mchId":"1","amount":100}"#).unwrap();
        let mut pairs = v.as_object().unwrap().to_vec();
        attach_sign(&mut pairs, &key());
        assert_eq!(verify(&pairs, &key()), SignCheck::Valid);
        assert_eq!(
            verify(&pairs, &Secret::new("OTHER".into())),
            SignCheck::Mismatch
        );
        pairs[1].1 = OrderedJson::Number(101.into());
        assert_eq!(verify(&pairs, &key()), SignCheck::Mismatch);
        pairs.retain(|(k, _)| k != SIGN_FIELD);
        assert_eq!(verify(&pairs, &key()), SignCheck::Missing);
    }

    #[test]
    fn a_signed_float_still_verifies_after_the_trip_through_json_text() {
        // Found by fuzzing (iotpay_response): the compact text of a float did not always read
        // back as the same float, so the receiver computed another signature.
        let v =
            OrderedJson::parse(r#"{"mchId":"1","rateValue":2222222222222222222222222222222220}"#)
                .unwrap();
        let mut pairs = v.as_object().unwrap().to_vec();
        attach_sign(&mut pairs, &key());
        let wire = OrderedJson::Object(pairs).to_compact();
        let received = OrderedJson::parse(&wire).unwrap();
        assert_eq!(
            verify(received.as_object().unwrap(), &key()),
            SignCheck::Valid,
            "{wire}"
        );
    }
}
