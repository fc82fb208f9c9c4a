//! The HTTP leg: signs parameters, posts them as `params=<JSON>`, and reads the answer into
//! both its ordered tree (for the signature) and the wire struct (for the mapping).
//!
//! Failures are classified by phase: [`PostError::Unreachable`] means the connection was never
//! made, so nothing left the machine; everything after that is a response-phase failure. An
//! answer longer than [`MAX_ANSWER_BYTES`] is not read (a response-phase failure too), and
//! redirects are never followed (the client is built without them): a 3xx is an HTTP status
//! that is not an answer.

use crate::json::OrderedJson;
use crate::sign::{self, SignCheck};
use crate::wire::{OrderResponse, PayOrder, FORM_FIELD};
use kassa_core::Secret;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Serialize;
use std::time::Duration;

/// The longest answer read. IOT Pay's answers are a few kilobytes; anything far beyond that is
/// not an answer, and reading it without a bound would let the peer fill the memory.
pub(crate) const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Why a post gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PostError {
    /// No connection was made: nothing was sent.
    Unreachable(String),
    /// Sent, but no complete answer in time.
    Timeout,
    /// Sent, and the connection broke before a complete answer.
    Lost(String),
    /// Sent, and the answer was an HTTP error status (its body is not read as an answer).
    Status(u16),
    /// Sent, and the answer was too long to be one ([`MAX_ANSWER_BYTES`]).
    TooLong,
}

/// A parsed answer and how its signature checked out.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// The wire struct (result codes, messages, a nested `payOrder`).
    pub response: OrderResponse,
    /// The order the answer carries, in either shape (docs/protocols.md §4.3): nested in
    /// `payOrder` (create_order), or flat at the top level, recognised by a top-level
    /// `status` (query_order). `Err` when the fields are there but unreadable.
    pub order: Result<Option<PayOrder>, String>,
    /// The signature check over every field received.
    pub sign: SignCheck,
}

/// Builds the form body `params=<percent-encoded JSON including sign>`.
pub fn form_body<T: Serialize>(params: &T, key: &Secret<String>) -> Result<String, String> {
    let tree = OrderedJson::from_serialize(params).map_err(|e| e.to_string())?;
    let mut pairs = match tree {
        OrderedJson::Object(pairs) => pairs,
        _ => return Err("parameters are not a JSON object".into()),
    };
    sign::attach_sign(&mut pairs, key);
    let json = OrderedJson::Object(pairs).to_compact();
    Ok(format!(
        "{FORM_FIELD}={}",
        utf8_percent_encode(&json, NON_ALPHANUMERIC)
    ))
}

/// Reads an answer's text: its signature over the fields as received, then the wire struct.
pub(crate) fn read_answer(text: &str, key: &Secret<String>) -> Result<Answer, String> {
    let tree = OrderedJson::parse(text).map_err(|e| format!("not JSON: {e}"))?;
    let pairs = tree.as_object().ok_or("not a JSON object")?;
    let sign = sign::verify(pairs, key);
    // Read from the text, not from a map: serde then refuses a field that appears twice.
    let response: OrderResponse =
        serde_json::from_str(text).map_err(|e| format!("unexpected shape: {e}"))?;
    let order = match (&response.pay_order, tree.get("status")) {
        (Some(nested), _) => Ok(Some(nested.clone())),
        (None, Some(_)) => serde_json::from_str::<PayOrder>(text)
            .map(Some)
            .map_err(|e| format!("unexpected order fields: {e}")),
        (None, None) => Ok(None),
    };
    Ok(Answer {
        response,
        order,
        sign,
    })
}

/// Posts a signed form to `url` and returns the body text of a 2xx answer. `sending` runs
/// once, right before the request is handed to the connection (the "sent" moment).
pub(crate) async fn post(
    http: &reqwest::Client,
    url: &str,
    body: String,
    timeout: Duration,
    sending: impl FnOnce(),
) -> Result<String, PostError> {
    let request = http
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .timeout(timeout);
    sending();
    let mut resp = match request.send().await {
        Ok(r) => r,
        Err(e) => return Err(classify(&e)),
    };
    let status = resp.status();
    if !status.is_success() {
        return Err(PostError::Status(status.as_u16()));
    }
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(PostError::TooLong);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(PostError::TooLong);
        }
        bytes.extend_from_slice(&chunk);
    }
    // Invalid UTF-8 becomes U+FFFD, which then fails the parse or the signature.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn classify(e: &reqwest::Error) -> PostError {
    if e.is_connect() {
        PostError::Unreachable(error_chain(e))
    } else if e.is_timeout() {
        PostError::Timeout
    } else {
        PostError::Lost(error_chain(e))
    }
}

/// The error with its causes (reqwest's own message alone is often just "error sending
/// request"). URLs carry no secrets here: the key only ever goes into the signature.
fn error_chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::QueryOrderParams;

    #[test]
    fn body_is_one_percent_encoded_params_field_with_the_vector_sign() {
        let key = Secret::new("TESTKEY".to_string());
        let p = QueryOrderParams {
            mch_id: "10000576".into(),
            mch_order_no: "1632349674730".into(),
        };
        let body = form_body(&p, &key).unwrap();
        let encoded = body.strip_prefix("params=").unwrap();
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'%'),
            "{body}"
        );
        let json = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .unwrap();
        assert_eq!(
            json,
            r#"{"mchId":"10000576","mchOrderNo":"1632349674730","sign":"5FB1D1D557A33D210AD48910E64A1E1F"}"#
        );
    }

    #[test]
    fn answers_that_are_not_objects_are_refused() {
        let key = Secret::new("K".to_string());
        assert!(read_answer("[1]", &key).is_err());
        assert!(read_answer("<html>", &key).is_err());
        assert!(read_answer(r#"{"retCode":"SUCCESS","sign":"X"}"#, &key).is_ok());
    }
}
