//! How values travel between Rust and SQLite columns: timestamps, money, states, JSON text,
//! and the guard that keeps keys and PINs out of the file.

use crate::error::{LedgerError, Result};
use kassa_core::clock::iso_millis;
use kassa_core::{AttemptState, Clock, Currency, Money};
use serde_json::Value;

/// One instant, in both forms the ledger stores: RFC 3339 with the local offset (what people
/// and vendors read) and Unix milliseconds (what sorts and filters across offset changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// `2026-11-21T10:15:30.123+09:00`.
    pub text: String,
    /// Milliseconds since the Unix epoch.
    pub ms: i64,
}

impl Stamp {
    /// The clock's current time. A write transaction takes one stamp, so every row it touches
    /// carries the same time.
    pub fn now(clock: &dyn Clock) -> Stamp {
        let t = clock.now();
        Stamp {
            text: iso_millis(&t),
            ms: t.timestamp_millis(),
        }
    }
}

/// Reads a stored currency code.
pub(crate) fn currency(code: &str) -> Result<Currency> {
    Currency::from_code(code).map_err(|e| LedgerError::Corrupt(format!("currency: {e}")))
}

/// Money from its two columns.
pub(crate) fn money(minor: i64, code: &str) -> Result<Money> {
    Ok(Money::new(minor, currency(code)?))
}

/// Reads a stored attempt state.
pub(crate) fn state(text: &str) -> Result<AttemptState> {
    AttemptState::parse(text).ok_or_else(|| LedgerError::Corrupt(format!("attempt state {text:?}")))
}

/// JSON to column text.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    Ok(serde_json::to_string(v)?)
}

/// Column text to JSON.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    Ok(serde_json::from_str(text)?)
}

/// Field names (lower case, without `_` and `-`) that name a secret outright.
const SECRET_NAMES: &[&str] = &["key", "token", "accesstoken", "credential", "credentials"];

/// Endings of field names that name a secret (`merchant_key`, `manager_pin`, `api_secret`).
const SECRET_ENDINGS: &[&str] = &[
    "privatekey",
    "merchantkey",
    "secretkey",
    "signkey",
    "signingkey",
    "apikey",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "pin",
    "pincode",
];

fn is_secret_name(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-' && *c != ' ')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_NAMES.contains(&n.as_str()) || SECRET_ENDINGS.iter().any(|e| n.ends_with(e))
}

/// Refuses a JSON value that would put a key, password or PIN into the ledger: a field whose
/// name says so, or a PEM private key anywhere. `path` names the value in the error.
/// References to secrets (`key_file`, `key_id`) pass.
pub(crate) fn refuse_secrets(value: &Value, path: &str) -> Result<()> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let field = format!("{path}.{k}");
                let empty = v.is_null() || v.as_str().is_some_and(str::is_empty);
                if is_secret_name(k) && !empty {
                    return Err(LedgerError::SecretNotAllowed { field });
                }
                refuse_secrets(v, &field)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                refuse_secrets(v, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Value::String(s) if s.contains("PRIVATE KEY") => Err(LedgerError::SecretNotAllowed {
            field: path.to_string(),
        }),
        Value::String(_) | Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` prefix match (ids contain `_`).
pub(crate) fn like_prefix(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_refused_by_name_and_by_shape() {
        for bad in [
            json!({"merchant_key": "abc"}),
            json!({"privateKey": "abc"}),
            json!({"lan": {"managerPin": "1234"}}),
            json!({"key": "abc"}),
            json!({"note": "-----BEGIN PRIVATE KEY-----\nMII"}),
            json!({"list": [{"api_secret": "x"}]}),
        ] {
            assert!(
                matches!(
                    refuse_secrets(&bad, "config"),
                    Err(LedgerError::SecretNotAllowed { .. })
                ),
                "{bad} holds a secret and must be refused"
            );
        }
    }

    #[test]
    fn references_to_secrets_and_ordinary_fields_pass() {
        let ok = json!({
            "key_file": "/etc/kassa/pos.pem", "key_id": "k1", "host": "10.0.0.7",
            "pin_required": true, "merchant_key": "", "public_key": null,
            "spin_count": 3, "customer_mode": true
        });
        // `public_key` is null and `merchant_key` empty: nothing secret is stored.
        assert!(refuse_secrets(&ok, "config").is_ok());
    }

    #[test]
    fn like_prefix_escapes_the_underscore_ids_contain() {
        assert_eq!(like_prefix("A_1"), "A\\_1%");
        assert_eq!(like_prefix("50%"), "50\\%%");
    }
}
