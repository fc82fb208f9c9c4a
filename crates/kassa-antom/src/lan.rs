//! The LAN transport: `POST http://{host}:{port}/v2/{path}` with the N950 headers (§1.1),
//! over reqwest. Plain HTTP is what the terminal speaks; the signature and the envelope
//! protect the content.
//!
//! Every call opens a fresh connection (no idle pool): a pooled connection the terminal
//! closed in the meantime could swallow a request and blur "not sent" into "no answer".
//!
//! The sent moment: `on_sent` is called right before reqwest's `send()`, which connects and
//! then writes. A connection that was never established (`is_connect()`, which fails before
//! any request byte is written) is [`TransportError::NotSent`]; every other failure after
//! that is [`TransportError::NoAnswer`]. Redirects are not followed and an answer body is
//! read up to [`MAX_BODY`]: either is refused as an answer (the outcome is unknown), so no
//! peer on the LAN can send the request elsewhere or make the till buffer without bound.

use crate::transport::{
    header, InboundResponse, NoAnswer, OnSent, OutboundRequest, Transport, TransportError,
};
use async_trait::async_trait;
use std::error::Error as _;
use std::time::Duration;

/// How long connecting may take before the terminal counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest answer body read: the USB framing's body bound (docs/protocols.md §2.2).
pub const MAX_BODY: usize = 1024 * 1024;

/// HTTP to one terminal on the store LAN.
#[derive(Debug, Clone)]
pub struct LanTransport {
    base: String,
    client: reqwest::Client,
}

impl LanTransport {
    /// A transport to `http://{host}:{port}`; fails only if the HTTP client cannot be built.
    pub fn new(host: &str, port: u16) -> Result<LanTransport, String> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("the HTTP client could not be built: {e}"))?;
        let host = host.trim();
        // A bare IPv6 address needs brackets in a URL.
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Ok(LanTransport {
            base: format!("http://{host}:{port}"),
            client,
        })
    }

    /// `http://host:port`, for logs and messages.
    pub fn base_url(&self) -> &str {
        &self.base
    }
}

/// The error and its causes in one line (reqwest's own text is only the outermost layer).
fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn classify(e: &reqwest::Error) -> TransportError {
    if e.is_builder() || e.is_connect() {
        TransportError::NotSent(chain(e))
    } else if e.is_timeout() {
        TransportError::NoAnswer(NoAnswer::Timeout)
    } else {
        TransportError::NoAnswer(NoAnswer::ConnectionLost(chain(e)))
    }
}

#[async_trait]
impl Transport for LanTransport {
    fn kind(&self) -> &'static str {
        "antom-lan"
    }

    async fn send(
        &self,
        request: &OutboundRequest,
        timeout: Duration,
    ) -> Result<InboundResponse, TransportError> {
        self.deliver(request, timeout, &|| {}).await
    }

    async fn deliver(
        &self,
        request: &OutboundRequest,
        timeout: Duration,
        on_sent: OnSent<'_>,
    ) -> Result<InboundResponse, TransportError> {
        let url = format!("{}{}", self.base, request.path);
        let exchange = async {
            let post = self
                .client
                .post(&url)
                .timeout(timeout)
                .header(header::CLIENT_ID, &request.client_id)
                .header(header::REQUEST_TIME, &request.request_time)
                .header(header::CONTENT_TYPE, header::JSON_UTF8)
                .header(header::SIGNATURE, &request.signature)
                .header(header::ENCRYPT, &request.encrypt)
                .body(request.body.clone());
            on_sent();
            let mut response = post.send().await.map_err(|e| classify(&e))?;
            let status = response.status();
            if status.is_redirection() {
                return Err(TransportError::NoAnswer(NoAnswer::Refused(format!(
                    "the terminal's address answered with a redirect (HTTP {}), which is not \
                     followed",
                    status.as_u16()
                ))));
            }
            let too_big = || {
                TransportError::NoAnswer(NoAnswer::Refused(format!(
                    "the answer is larger than {MAX_BODY} bytes"
                )))
            };
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BODY as u64)
            {
                return Err(too_big());
            }
            let headers = response
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(too_big());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(InboundResponse {
                status: status.as_u16(),
                headers,
                body,
            })
        };
        // reqwest's own timeout covers the body too; this outer bound is a second guard.
        match tokio::time::timeout(timeout + Duration::from_millis(50), exchange).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::NoAnswer(NoAnswer::Timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A call timeout no outcome here depends on: each answer (or hang-up) comes at once.
    const PATIENT: Duration = Duration::from_secs(30);

    fn request() -> OutboundRequest {
        OutboundRequest {
            path: "/v2/payments/pay".into(),
            client_id: "SN1".into(),
            request_time: "2026-11-21T10:15:30.123+09:00".into(),
            signature: "algorithm=RSA256,keyVersion=1,signature=AQI%3D".into(),
            encrypt: "algorithm=RSA_AES,keyVersion=1,symmetricKey=AQI%3D".into(),
            body: b"BODY".to_vec(),
        }
    }

    /// Reads one HTTP request (headers and a Content-Length body) from `s`.
    async fn read_request(s: &mut tokio::net::TcpStream) -> String {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            assert!(n > 0, "client closed early");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                if text[end + 4..].len() >= 4 {
                    return text;
                }
            }
        }
    }

    #[tokio::test]
    async fn refused_connection_is_not_sent() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let t = LanTransport::new("127.0.0.1", port).unwrap();
        let marks = std::sync::atomic::AtomicU32::new(0);
        let on_sent = || {
            marks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        };
        let e = t.deliver(&request(), PATIENT, &on_sent).await.unwrap_err();
        assert!(matches!(e, TransportError::NotSent(_)), "{e:?}");
        // Marked once, right before reqwest's send (which then failed to connect).
        assert_eq!(marks.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    /// Serves one connection: reads the request, writes `answer`, closes.
    async fn answer_once(answer: Vec<u8>) -> (u16, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            read_request(&mut s).await;
            // The client may hang up early on a refused answer.
            let _ = s.write_all(&answer).await;
        });
        (port, server)
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed_and_is_no_answer() {
        let (port, server) = answer_once(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://192.0.2.1:8344/v2/payments/pay\r\nContent-Length: 0\r\n\r\n".to_vec(),
        )
        .await;
        let t = LanTransport::new("127.0.0.1", port).unwrap();
        let e = t.send(&request(), PATIENT).await.unwrap_err();
        assert!(
            matches!(e, TransportError::NoAnswer(NoAnswer::Refused(ref m)) if m.contains("307")),
            "{e:?}"
        );
        server.await.unwrap();
    }

    #[tokio::test]
    async fn an_answer_beyond_the_size_bound_is_no_answer() {
        // Announced too long, and too long without an announced length.
        let mut long = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        )
        .into_bytes();
        long.extend(vec![b'a'; 16]);
        let mut unannounced = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        unannounced.extend(vec![b'a'; MAX_BODY + 1]);
        for answer in [long, unannounced] {
            let (port, server) = answer_once(answer).await;
            let t = LanTransport::new("127.0.0.1", port).unwrap();
            let e = t.send(&request(), PATIENT).await.unwrap_err();
            assert!(
                matches!(e, TransportError::NoAnswer(NoAnswer::Refused(ref m)) if m.contains("larger")),
                "{e:?}"
            );
            server.await.unwrap();
        }
    }

    #[tokio::test]
    async fn sends_the_headers_and_reads_the_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let req = read_request(&mut s).await;
            s.write_all(b"HTTP/1.1 200 OK\r\nResponse-Time: T2\r\nSignature: sig\r\nContent-Length: 3\r\n\r\nabc")
                .await
                .unwrap();
            req
        });
        let t = LanTransport::new("127.0.0.1", port).unwrap();
        let r = t.send(&request(), PATIENT).await.unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, b"abc".as_slice()));
        assert_eq!(r.header("response-time"), Some("T2"));
        let req = server.await.unwrap().to_ascii_lowercase();
        assert!(req.starts_with("post /v2/payments/pay http/1.1"), "{req}");
        for h in [
            "client-id: sn1",
            "request-time: 2026-11-21t10:15:30.123+09:00",
            "content-type: application/json; charset=utf-8",
            "signature: algorithm=rsa256,keyversion=1,signature=aqi%3d",
            "encrypt: algorithm=rsa_aes,keyversion=1,symmetrickey=aqi%3d",
        ] {
            assert!(req.contains(h), "missing {h} in {req}");
        }
        assert!(req.ends_with("body"));
    }

    #[tokio::test]
    async fn connection_closed_after_the_request_is_no_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            read_request(&mut s).await;
            drop(s);
        });
        let t = LanTransport::new("127.0.0.1", port).unwrap();
        let e = t.send(&request(), PATIENT).await.unwrap_err();
        assert!(
            matches!(e, TransportError::NoAnswer(NoAnswer::ConnectionLost(_))),
            "{e:?}"
        );
        server.await.unwrap();
    }

    #[tokio::test]
    async fn silence_is_a_timeout_not_a_failure() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            read_request(&mut s).await;
            // Hold the connection open, answering nothing, until the test is done.
            let _ = rx.await;
        });
        let t = LanTransport::new("127.0.0.1", port).unwrap();
        let e = t
            .send(&request(), Duration::from_millis(300))
            .await
            .unwrap_err();
        assert_eq!(e, TransportError::NoAnswer(NoAnswer::Timeout));
        tx.send(()).unwrap();
        server.await.unwrap();
    }
}
