//! The LAN transport: `POST http://{host}:{port}/v2/{path}` with the N950 headers (§1.1),
//! over reqwest. Plain HTTP is what the terminal speaks; the signature and the envelope
//! protect the content.
//!
//! Every call opens a fresh connection (no idle pool): a pooled connection the terminal
//! closed in the meantime could swallow a request and blur "not sent" into "no answer".

use crate::transport::{
    header, InboundResponse, NoAnswer, OutboundRequest, Transport, TransportError,
};
use async_trait::async_trait;
use std::error::Error as _;
use std::time::Duration;

/// How long connecting may take before the terminal counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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
        let url = format!("{}{}", self.base, request.path);
        let exchange = async {
            let response = self
                .client
                .post(&url)
                .timeout(timeout)
                .header(header::CLIENT_ID, &request.client_id)
                .header(header::REQUEST_TIME, &request.request_time)
                .header(header::CONTENT_TYPE, header::JSON_UTF8)
                .header(header::SIGNATURE, &request.signature)
                .header(header::ENCRYPT, &request.encrypt)
                .body(request.body.clone())
                .send()
                .await
                .map_err(|e| classify(&e))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect();
            let body = response.bytes().await.map_err(|e| classify(&e))?.to_vec();
            Ok(InboundResponse {
                status,
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
        let e = t.send(&request(), PATIENT).await.unwrap_err();
        assert!(matches!(e, TransportError::NotSent(_)), "{e:?}");
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
