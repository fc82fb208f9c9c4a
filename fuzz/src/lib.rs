//! Shared pieces of Kassa's fuzz targets: the throwaway keys, a small runtime for the async
//! driver calls, and the invariant checks more than one target asserts (masked card numbers,
//! JSON equality that tolerates serde_json's last-digit float rounding).
//!
//! A fuzz target fails by panicking, so the checks here panic with a message saying which
//! invariant broke; that is the only place in Kassa where a panic is the intended signal.

use serde_json::Value;
use std::path::PathBuf;

/// The throwaway keys of `tests/vectors`.
pub mod keys {
    /// POS private key (PKCS#8): signs requests, unwraps the terminal's answers.
    pub const POS_PRIVATE: &str = include_str!("../../tests/vectors/pos_private_key_pkcs8.pem");
    /// POS public key (SPKI).
    pub const POS_PUBLIC: &str = include_str!("../../tests/vectors/pos_public_key.pem");
    /// Terminal private key (PKCS#8): what a fake terminal signs its answers with.
    pub const TERMINAL_PRIVATE: &str = include_str!("../../tests/vectors/terminal_private_key_pkcs8.pem");
    /// Terminal public key (SPKI): what the driver verifies answers with.
    pub const TERMINAL_PUBLIC: &str = include_str!("../../tests/vectors/terminal_public_key.pem");

    /// The path of one key file, for settings that name a file rather than hold a key.
    pub fn path(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors")
            .join(name)
    }
}

/// The folder of the committed seed corpus of `target`.
pub fn seeds(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target)
}

/// Runs `fut` to completion on a single-threaded Tokio runtime kept per thread, so a target
/// pays for the runtime once, not once per input.
pub fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime for the fuzz target");
    }
    RT.with(|rt| rt.block_on(fut))
}

/// Digits a person could read off `text`: ASCII digits and every other Unicode digit
/// (full-width `４`, Arabic-Indic `٤`), since a receipt printer or a screen shows those too.
pub fn visible_digits(text: &str) -> usize {
    text.chars().filter(|c| c.is_numeric()).count()
}

/// Asserts that a masked card number shows at most `max` digits.
pub fn assert_masked(pan: Option<&str>, max: usize, origin: &str) {
    if let Some(p) = pan {
        let shown = visible_digits(p);
        assert!(
            shown <= max,
            "{origin}: masked card number {p:?} shows {shown} digits (at most {max} allowed)"
        );
    }
}

/// JSON equality where two floats count as equal when they differ only in the last bits:
/// serde_json's default float parser is "best effort" and may land one ULP off after a
/// write/read round trip. Everything else (keys, strings, integers, order of arrays) must
/// be identical.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x == y {
                return true;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) if x.is_f64() || y.is_f64() => {
                    let scale = p.abs().max(q.abs()).max(f64::MIN_POSITIVE);
                    (p - q).abs() / scale < 1e-12
                }
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Asserts that `value` reads back as itself after being written as JSON and read again as
/// `T` (the property every stored or re-sent wire struct needs).
pub fn assert_round_trip<T>(value: &T, what: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let first = serde_json::to_value(value).expect("a parsed value serialises");
    let text = serde_json::to_string(value).expect("a parsed value serialises");
    let back: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{what}: its own JSON {text} does not read back: {e}"));
    let second = serde_json::to_value(&back).expect("a parsed value serialises");
    assert!(
        json_eq(&first, &second),
        "{what}: round trip changed the value\n first: {first}\nsecond: {second}"
    );
}

/// Splits fuzz input into a selector byte and the rest.
pub fn split_first(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((b, rest)) => (*b, rest),
        None => (0, data),
    }
}

/// Checks shared by every reader of IOT Pay's `payOrder.extra` (docs/protocols.md §4.3).
pub mod iotpay {
    use super::{assert_masked, visible_digits};
    use kassa_iotpay::receipt::{card_receipt_from_extra, mask_pan, receipt_text};
    use serde_json::Value;

    /// `extra` written back through `serde_json::Value`, with `expireDate` replaced by
    /// `expiry` (or removed when `None`); `None` when `extra` is not a JSON object.
    fn rewrite(extra: &str, expiry: Option<&str>) -> Option<String> {
        let mut v: Value = serde_json::from_str(extra).ok()?;
        let obj = v.as_object_mut()?;
        obj.remove("expireDate");
        if let Some(e) = expiry {
            obj.insert("expireDate".into(), Value::String(e.into()));
        }
        Some(v.to_string())
    }

    /// No panic; the masked card number shows at most four digits; no expiry date survives:
    /// the receipt and the decline text are the same whatever `expireDate` holds, or whether
    /// it is there at all.
    pub fn check_extra(extra: &str) {
        let receipt = card_receipt_from_extra(Some(extra));
        assert_masked(receipt.masked_pan.as_deref(), 4, "iotpay receipt");
        // A field of that name never reaches the receipt (its value is checked below: a
        // card number may contain any text, even the word itself).
        assert!(
            !receipt
                .extra
                .keys()
                .any(|k| k.eq_ignore_ascii_case("expireDate")),
            "expireDate reached the receipt: {receipt:?}"
        );
        let Some(canonical) = rewrite(extra, None) else {
            return;
        };
        let base = card_receipt_from_extra(Some(&canonical));
        let base_text = receipt_text(Some(&canonical));
        for expiry in ["2912", "1022", "12/29", "  ", "4111111111111111"] {
            let with = rewrite(extra, Some(expiry)).expect("still an object");
            assert_eq!(
                card_receipt_from_extra(Some(&with)),
                base,
                "expireDate {expiry:?} changed the receipt"
            );
            assert_eq!(
                receipt_text(Some(&with)),
                base_text,
                "expireDate changed the text"
            );
        }
    }

    /// `mask_pan` on any text: at most four digits visible, length kept.
    pub fn check_mask(text: &str) {
        let masked = mask_pan(text);
        assert!(
            visible_digits(&masked) <= 4,
            "mask_pan({text:?}) = {masked:?} shows more than four digits"
        );
        assert_eq!(
            masked.chars().count(),
            text.chars().count(),
            "masking keeps the length"
        );
    }
}
