//! One API call: serialise once, seal (encrypt then sign), hand to the transport, and on the
//! way back verify the signature *before* touching the envelope, then decrypt and parse.
//! Failures come back in two kinds: nothing was sent ([`CallError::NotSent`]), or it was
//! sent and there is no trustworthy answer ([`CallError::Unknown`]).
//!
//! Replays [D]. The response signature covers the path, `Client-Id`, the response's time and
//! its body — nothing that names the request — so a genuine earlier answer replayed on the LAN
//! verifies. Two checks stop it from settling a payment it is not about: the mapping refuses an
//! answer whose echoed request id, amount or currency differs (`map`), and this module refuses
//! an answer whose signed time (`Response-Time`, else `Request-Time`) lies more than
//! [`MAX_CLOCK_SKEW`] before the request's `Request-Time`, or more than the call's timeout plus
//! that skew after it. Either makes the attempt *unknown*, so recovery asks the terminal. An
//! answer that echoes no request id (Antom's `F` answers carry only `result`) escapes the id
//! check, and a recent one the time check too, so the driver confirms a pay decline with one
//! `inquiryPayment` before it trusts it (`Antom::confirm_decline`). A terminal whose clock drifts more than the skew from
//! the POS's makes every answer unknown until the clocks are set right.

use crate::driver::Antom;
use crate::protocol::{MessageMeta, OpenError};
use crate::transport::{header, NoAnswer, OnSent, OutboundRequest, Transport, TransportError};
use kassa_core::clock::iso_millis;
use kassa_core::{RequestError, UnknownReason};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// How far the terminal's clock may be from the POS's before its answers are not trusted
/// (see the module comment).
pub(crate) const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// `Err` when the signed answer time `answered` is not plausible for a request sent at
/// `requested` with `timeout`: unreadable, too early or too late (a stale or replayed answer).
pub(crate) fn fresh(
    answered: &str,
    requested: &str,
    timeout: Duration,
) -> Result<(), UnknownReason> {
    let parse = chrono::DateTime::parse_from_rfc3339;
    let (Ok(answered_at), Ok(requested_at)) = (parse(answered), parse(requested)) else {
        return Err(UnknownReason::Malformed(format!(
            "the answer's time {answered:?} is not an ISO-8601 time"
        )));
    };
    let gap = answered_at.signed_duration_since(requested_at);
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let skew = ms(MAX_CLOCK_SKEW);
    let late = ms(timeout).saturating_add(skew);
    if gap.num_milliseconds() < -skew || gap.num_milliseconds() > late {
        return Err(UnknownReason::Mismatch(format!(
            "the answer is dated {answered}, {} s from the request's {requested}: a stale or \
             replayed answer is not trusted (if the terminal's clock is wrong, set it right)",
            gap.num_seconds()
        )));
    }
    Ok(())
}

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

    /// Sends a prepared request over this terminal's transport and reads a trustworthy
    /// answer of type `R`; `on_sent` runs right before the request's bytes are written.
    pub(crate) async fn exchange<R: DeserializeOwned>(
        &self,
        request: &OutboundRequest,
        timeout: Duration,
        on_sent: OnSent<'_>,
    ) -> Result<R, CallError> {
        self.exchange_via(&self.transport, request, timeout, on_sent)
            .await
    }

    /// [`Self::exchange`] over `via` (the refund fallback, or the transport itself).
    pub(crate) async fn exchange_via<R: DeserializeOwned>(
        &self,
        via: &dyn Transport,
        request: &OutboundRequest,
        timeout: Duration,
        on_sent: OnSent<'_>,
    ) -> Result<R, CallError> {
        let path = request.path.as_str();
        let response = match via.deliver(request, timeout, on_sent).await {
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
                    NoAnswer::Refused(why) => UnknownReason::Malformed(why),
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
        // The signature proves who dated the answer, not that it answers this request.
        fresh(time, &request.request_time, timeout).map_err(|reason| {
            tracing::warn!(path, answered = time, requested = %request.request_time,
                "antom answer refused: not dated for this request");
            CallError::Unknown(reason)
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
        self.exchange(&request, timeout, &|| {}).await
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

#[cfg(test)]
mod tests {
    use super::*;

    const SENT: &str = "2026-11-21T10:15:30.123+09:00";

    #[test]
    fn answers_dated_within_the_call_and_the_skew_are_fresh() {
        let t = Duration::from_secs(120);
        for ok in [
            SENT,
            "2026-11-21T10:17:30.000+09:00",
            // The terminal's clock a few minutes behind or ahead.
            "2026-11-21T10:11:00.000+09:00",
            "2026-11-21T10:22:00.000+09:00",
            // The same instant in another offset.
            "2026-11-21T01:15:31.000+00:00",
        ] {
            assert_eq!(fresh(ok, SENT, t), Ok(()), "{ok}");
        }
    }

    #[test]
    fn stale_replayed_or_unreadable_answer_times_are_not_trusted() {
        let t = Duration::from_secs(120);
        for stale in [
            "2026-11-21T10:10:00.000+09:00",
            "2026-11-20T10:15:30.123+09:00",
            "2026-11-21T10:22:31.000+09:00",
        ] {
            assert!(
                matches!(fresh(stale, SENT, t), Err(UnknownReason::Mismatch(_))),
                "{stale}"
            );
        }
        assert!(matches!(
            fresh("yesterday", SENT, t),
            Err(UnknownReason::Malformed(_))
        ));
    }
}
