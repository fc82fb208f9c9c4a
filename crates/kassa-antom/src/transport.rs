//! The seam between the driver and the wire. A transport carries one already signed and
//! encrypted request to the terminal and brings back the raw answer; it knows nothing of
//! keys or JSON. LAN (HTTP, [`crate::lan`]) and USB (Android Open Accessory framing, §2,
//! [`crate::usb`]) implement it; the whole driver above is shared.
//!
//! Its error keeps the distinction money depends on: [`TransportError::NotSent`] means
//! nothing left the machine (the sale may be retried as a new attempt);
//! [`TransportError::NoAnswer`] means the request may have reached the terminal, so its
//! outcome is unknown.

use async_trait::async_trait;
use std::fmt;
use std::time::Duration;

/// Header names of the N950 API (case-insensitive on the wire).
pub mod header {
    /// The terminal's serial number.
    pub const CLIENT_ID: &str = "Client-Id";
    /// Request timestamp, ISO-8601 with milliseconds and offset.
    pub const REQUEST_TIME: &str = "Request-Time";
    /// Response timestamp; responses are signed over it.
    pub const RESPONSE_TIME: &str = "Response-Time";
    /// `algorithm=RSA256,keyVersion=1,signature=…`.
    pub const SIGNATURE: &str = "Signature";
    /// `algorithm=RSA_AES,keyVersion=1,symmetricKey=…`.
    pub const ENCRYPT: &str = "Encrypt";
    /// Content type name.
    pub const CONTENT_TYPE: &str = "Content-Type";
    /// The content type every message carries.
    pub const JSON_UTF8: &str = "application/json; charset=UTF-8";
}

/// One request, sealed and signed, ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// URI path, e.g. `/v2/payments/pay`.
    pub path: String,
    /// `Client-Id` header.
    pub client_id: String,
    /// `Request-Time` header (the signature covers it).
    pub request_time: String,
    /// `Signature` header.
    pub signature: String,
    /// `Encrypt` header.
    pub encrypt: String,
    /// The exact body bytes the signature covers.
    pub body: Vec<u8>,
}

/// The terminal's raw answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundResponse {
    /// HTTP status (or the framing's equivalent); not trusted by itself.
    pub status: u16,
    /// Headers as received.
    pub headers: Vec<(String, String)>,
    /// The exact body bytes.
    pub body: Vec<u8>,
}

impl InboundResponse {
    /// The first header named `name`, compared without regard to ASCII case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How a sent request went unanswered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoAnswer {
    /// Nothing came back within the call's timeout.
    Timeout,
    /// The connection broke after (part of) the request was sent.
    ConnectionLost(String),
    /// Something came back that is not read as an answer at all (a redirect, a body beyond
    /// the size bound).
    Refused(String),
}

/// Why a transport returned no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Nothing left the machine: connection refused, no route, bad address.
    #[error("not sent: {0}")]
    NotSent(String),
    /// The request may have reached the terminal; no answer came back.
    #[error("sent, but no answer: {0}")]
    NoAnswer(NoAnswer),
}

impl fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoAnswer::Timeout => f.write_str("timed out"),
            NoAnswer::ConnectionLost(why) => write!(f, "connection lost ({why})"),
            NoAnswer::Refused(why) => write!(f, "answer refused ({why})"),
        }
    }
}

/// Called once, at the last moment before a request's bytes are written (the driver marks
/// the attempt sent there; `kassa_core::EventSink::sent`).
pub type OnSent<'a> = &'a (dyn Fn() + Send + Sync);

/// Carries one request to the terminal and its answer back.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// The driver kind this transport makes (`antom-lan`, `antom-usb`).
    fn kind(&self) -> &'static str;

    /// Whether this is Antom's "USB cable communication mode", where a refund carries
    /// `originalMerchantRefundId` (docs/protocols.md §1.4, §1.6).
    fn is_cable(&self) -> bool {
        false
    }

    /// Where refund calls go when this transport's terminal refuses them (a USB terminal's
    /// LAN address, §1.6); `None` when there is no other way.
    fn refund_fallback(&self) -> Option<&dyn Transport> {
        None
    }

    /// Sends `request` and waits at most `timeout` for the whole answer.
    async fn send(
        &self,
        request: &OutboundRequest,
        timeout: Duration,
    ) -> Result<InboundResponse, TransportError>;

    /// [`Transport::send`], calling `on_sent` exactly once if and when the request is about
    /// to be written — after any connection or device set-up, right before the first byte —
    /// and never when nothing is written. The LAN and USB transports do exactly that; this
    /// default (for test stand-ins) calls it before `send`.
    async fn deliver(
        &self,
        request: &OutboundRequest,
        timeout: Duration,
        on_sent: OnSent<'_>,
    ) -> Result<InboundResponse, TransportError> {
        on_sent();
        self.send(request, timeout).await
    }
}
