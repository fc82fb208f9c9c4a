//! One API call: serialise once, seal (encrypt then sign), hand to the transport, and on the
//! way back verify the signature *before* touching the envelope, then decrypt and parse.
//! Failures come back in two kinds: nothing was sent ([`CallError::NotSent`]), or it was
//! sent and there is no trustworthy answer ([`CallError::Unknown`]).

use crate::driver::Antom;
use crate::protocol::{MessageMeta, OpenError};
use crate::transport::{header, NoAnswer, OutboundRequest, Transport, TransportError};
use kassa_core::clock::iso_millis;
use kassa_core::{RequestError, UnknownReason};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// A call that produced no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallError {
    /// Nothing left the machine.
    NotSent(RequestError),
    /// Sent; the answer is missing or cannot be trusted.
    Unknown(UnknownReason),
}

impl<T: Transport> Antom<T> {
    /// Builds the sealed request for `path` (nothing is sent yet).
    pub(crate) fn prepare<B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<OutboundRequest, RequestError> {
        let plaintext = serde_json::to_vec(body)
            .map_err(|e| RequestError::Config(format!("the request could not be encoded: {e}")))?;
        let request_time = iso_millis(&self.clock.now());
        let meta = MessageMeta {
            method: "POST",
            path,
            client_id: &self.client_id,
            time: &request_time,
        };
        let sealed = self.codec.seal(&meta, &plaintext).map_err(|e| {
            RequestError::Config(format!("the request could not be signed or encrypted: {e}"))
        })?;
        Ok(OutboundRequest {
            path: path.to_string(),
            client_id: self.client_id.clone(),
            request_time,
            signature: sealed.signature,
            encrypt: sealed.encrypt,
            body: sealed.body,
        })
    }

    /// Sends a prepared request and reads a trustworthy answer of type `R`.
    pub(crate) async fn exchange<R: DeserializeOwned>(
        &self,
        request: &OutboundRequest,
        timeout: Duration,
    ) -> Result<R, CallError> {
        let path = request.path.as_str();
        let response = match self.transport.send(request, timeout).await {
            Ok(r) => r,
            Err(TransportError::NotSent(why)) => {
                tracing::warn!(path, error = %why, "antom request not sent");
                return Err(CallError::NotSent(RequestError::Unreachable(why)));
            }
            Err(TransportError::NoAnswer(no)) => {
                tracing::warn!(path, error = %no, "antom request sent, no answer");
                return Err(CallError::Unknown(match no {
                    NoAnswer::Timeout => UnknownReason::Timeout,
                    NoAnswer::ConnectionLost(why) => UnknownReason::ConnectionLost(why),
                }));
            }
        };
        // Responses are signed over Response-Time, falling back to Request-Time (§1.2).
        let time = response
            .header(header::RESPONSE_TIME)
            .or_else(|| response.header(header::REQUEST_TIME));
        let Some(time) = time else {
            tracing::warn!(
                path,
                status = response.status,
                "antom answer without a time header"
            );
            return Err(CallError::Unknown(UnknownReason::BadSignature(
                "the answer has no Response-Time header to verify against".into(),
            )));
        };
        let meta = MessageMeta {
            method: "POST",
            path,
            client_id: &self.client_id,
            time,
        };
        let plaintext = self
            .codec
            .open(
                &meta,
                response.header(header::SIGNATURE),
                response.header(header::ENCRYPT),
                &response.body,
            )
            .map_err(|e| {
                tracing::warn!(path, status = response.status, error = %e, "antom answer refused");
                CallError::Unknown(match e {
                    OpenError::BadSignature(why) => UnknownReason::BadSignature(why),
                    OpenError::Undecryptable(why) => UnknownReason::Malformed(why),
                })
            })?;
        serde_json::from_slice(&plaintext).map_err(|e| {
            // The error's position only: the body may hold card data.
            tracing::warn!(
                path,
                line = e.line(),
                column = e.column(),
                "antom answer unparsable"
            );
            CallError::Unknown(UnknownReason::Malformed(format!(
                "the answer is not the expected JSON (line {}, column {}: {})",
                e.line(),
                e.column(),
                classify_json_error(&e)
            )))
        })
    }

    /// [`Self::prepare`] then [`Self::exchange`].
    pub(crate) async fn call<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        timeout: Duration,
    ) -> Result<R, CallError> {
        let request = self.prepare(path, body).map_err(CallError::NotSent)?;
        self.exchange(&request, timeout).await
    }
}

/// The kind of a JSON error without its text (serde's messages may quote the input).
fn classify_json_error(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "a field is missing or has the wrong type",
        serde_json::error::Category::Eof => "cut short",
    }
}
