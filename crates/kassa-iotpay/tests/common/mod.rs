//! Shared test helpers: a driver wired to a base URL with a key file, a pay request, the app's
//! recovery loop reproduced on the manual clock, and a raw HTTP peer for byte-exact answers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kassa_core::{
    Currency, EventSink, InquiryError, ManualClock, Money, PayRequest, PaymentQuery, PaymentStatus,
    RequestId, Secret, Terminal, TerminalEvent, Timing,
};
use kassa_iotpay::{default_timing, IotPay, IotPayConfig, OrderedJson};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The merchant of the seed's samples.
pub const MCH_ID: &str = "10000576";
/// A key distinctive enough to search logs for.
pub const KEY: &str = "Kassa-Test-Merchant-Key-7f3a";

pub fn cad() -> Currency {
    Currency::from_code("CAD").unwrap()
}

pub fn key_file(key: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "{key}").unwrap();
    f
}

pub fn config(base_url: &str, key_file: &std::path::Path, timing: Timing) -> IotPayConfig {
    IotPayConfig {
        base_url: base_url.to_string(),
        mch_id: MCH_ID.to_string(),
        job_no: "testpax".to_string(),
        device: "V1-B25".to_string(),
        key_file: key_file.to_path_buf(),
        currency: Some(cad()),
        timing,
    }
}

/// A driver, the key file it reads (kept alive with it) and its manual clock.
pub struct Rig {
    pub driver: IotPay,
    pub clock: Arc<ManualClock>,
    pub _key: tempfile::NamedTempFile,
}

pub fn rig_with(base_url: &str, key: &str, timing: Timing) -> Rig {
    let key_file = key_file(key);
    let clock = Arc::new(ManualClock::at("2026-11-21T10:15:30.000-05:00"));
    let driver = IotPay::new(config(base_url, key_file.path(), timing), clock.clone()).unwrap();
    Rig {
        driver,
        clock,
        _key: key_file,
    }
}

pub fn rig(base_url: &str) -> Rig {
    rig_with(base_url, KEY, default_timing())
}

pub fn pay_request(id: &str, minor: i64) -> PayRequest {
    PayRequest {
        request_id: RequestId::parse(id).unwrap(),
        order_id: RequestId::parse("O1").unwrap(),
        amount: Money::new(minor, cad()),
        tax: Money::zero(cad()),
        tip: Money::zero(cad()),
        installments: 0,
        description: "커피 2잔".to_string(),
        cashier: "anna".to_string(),
    }
}

pub fn query(id: &str, minor: i64) -> PaymentQuery {
    PaymentQuery {
        request_id: RequestId::parse(id).unwrap(),
        amount: Money::new(minor, cad()),
    }
}

/// How the app's recovery ended.
#[derive(Debug)]
pub enum Recovered {
    /// A final answer.
    Settled { status: PaymentStatus, tries: u32 },
    /// The window was spent; a manager decides.
    NeedsManager {
        last: Result<PaymentStatus, InquiryError>,
        tries: u32,
    },
}

/// The app's generic recovery (kassa-app `recover_inner`), on the manual clock: ask every
/// `poll_interval` until a final answer or until `recovery_window` is spent.
pub async fn recover(r: &Rig, q: &PaymentQuery) -> Recovered {
    use kassa_core::Clock;
    let timing = r.driver.timing();
    let started = r.clock.now();
    let mut tries = 0;
    loop {
        tries += 1;
        let answer = r.driver.inquire_payment(q).await;
        if let Ok(status @ (PaymentStatus::Succeeded(_) | PaymentStatus::Failed(_))) = answer {
            return Recovered::Settled { status, tries };
        }
        let elapsed = (r.clock.now() - started).to_std().unwrap();
        if elapsed >= timing.recovery_window {
            return Recovered::NeedsManager {
                last: answer,
                tries,
            };
        }
        r.clock.sleep(timing.poll_interval).await;
    }
}

/// What [`RawPeer`] does with each connection.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with this HTTP status and body, byte for byte.
    Http(u16, String),
    /// Read the request, then close without a word.
    Hangup,
    /// Answer `302 Found` pointing at this URL.
    Redirect(String),
}

/// A minimal HTTP/1.1 peer on loopback that answers every request the same way and keeps
/// the request bodies it saw.
pub struct RawPeer {
    pub addr: SocketAddr,
    pub bodies: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RawPeer {
    pub async fn start(reply: Reply) -> RawPeer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let seen = bodies.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let body = read_request(&mut sock).await;
                seen.lock().unwrap().push(body);
                match &reply {
                    Reply::Http(status, text) => {
                        let head = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            text.len()
                        );
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(text.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    Reply::Hangup => drop(sock),
                    Reply::Redirect(to) => {
                        let head = format!(
                            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                }
            }
        });
        RawPeer { addr, bodies, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

/// Reads one request (head and `Content-Length` body) and returns the body.
async fn read_request(sock: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
            }
        }
    }
    String::new()
}

/// Timing with a short pay timeout, for answers held far longer.
pub fn short_pay_timing() -> Timing {
    Timing {
        pay: Duration::from_millis(400),
        ..default_timing()
    }
}

/// `fields` as the cloud would send them, signed with `key`.
pub fn signed_body(fields: serde_json::Value, key: &str) -> String {
    let OrderedJson::Object(mut pairs) = OrderedJson::from_serialize(&fields).unwrap() else {
        panic!("not an object: {fields}")
    };
    kassa_iotpay::sign::attach_sign(&mut pairs, &Secret::new(key.to_string()));
    OrderedJson::Object(pairs).to_compact()
}

/// The JSON parameters of a form body `params=<percent-encoded JSON>`.
pub fn sent_params(body: &str) -> serde_json::Value {
    let json = percent_encoding::percent_decode_str(body.strip_prefix("params=").unwrap())
        .decode_utf8()
        .unwrap()
        .to_string();
    serde_json::from_str(&json).unwrap()
}

/// A sink that records, in order, the `sent()` call ("sent") and each event's phase.
#[derive(Debug, Default)]
pub struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    pub fn seen(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl EventSink for Recorder {
    fn emit(&self, event: TerminalEvent) {
        let phase = serde_json::to_value(&event.phase).unwrap()["phase"]
            .as_str()
            .unwrap()
            .to_string();
        self.0.lock().unwrap().push(phase);
    }

    fn sent(&self) {
        self.0.lock().unwrap().push("sent".into());
    }
}
