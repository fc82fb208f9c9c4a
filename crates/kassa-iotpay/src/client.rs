//! The HTTP leg: signs parameters, posts them as `params=<JSON>`, and reads the answer into
//! both its ordered tree (for the signature) and the wire struct (for the mapping).
//!
//! Failures are classified by phase: [`PostError::Unreachable`] means the connection was never
//! made, so nothing left the machine; everything after that is a response-phase failure.

use crate::json::OrderedJson;
use crate::sign::{self, SignCheck};
use crate::wire::{OrderResponse, FORM_FIELD};
use kassa_core::Secret;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Serialize;
use std::time::Duration;

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
}

/// A parsed answer and how its signature checked out.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// The wire struct.
    pub response: OrderResponse,
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
    let response: OrderResponse =
        serde_json::from_str(text).map_err(|e| format!("unexpected shape: {e}"))?;
    Ok(Answer { response, sign })
}

/// Posts a signed form to `url` and returns the body text of a 2xx answer.
pub(crate) async fn post(
    http: &reqwest::Client,
    url: &str,
    body: String,
    timeout: Duration,
) -> Result<String, PostError> {
    let sent = http
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .timeout(timeout)
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => return Err(classify(&e)),
    };
    let status = resp.status();
    let text = resp.text().await.map_err(|e| classify(&e))?;
    if !status.is_success() {
        return Err(PostError::Status(status.as_u16()));
    }
    Ok(text)
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
