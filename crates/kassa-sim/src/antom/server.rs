//! The simulated N950 on the wire: an HTTP/1.1 server (hyper) that checks each request the
//! way the terminal does — POST only, `Client-Id` is the SN, the POS signature verifies with
//! the POS public key, the envelope opens with the terminal private key — and answers signed
//! with the terminal key and encrypted to the POS key, with a `Response-Time` header. The
//! crypto is kassa-antom's own [`Codec`]; only the roles are reversed.
//!
//! hyper is used directly (not through axum) because one behaviour needs to close a
//! connection without any response, which a service does by returning an error.

use super::behaviour::{Behaviour, Control, RefundBehaviour};
use super::store::{failure, Delivery, Reply, SimPayment, SimRefund, Store};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use kassa_antom::protocol::{Codec, Envelope, MessageMeta, OpenError, PrivateKey, PublicKey};
use kassa_antom::transport::header;
use kassa_antom::wire;
use kassa_core::clock::iso_millis;
use kassa_core::{Clock, SystemClock};
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How the simulated terminal is set up.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The terminal's serial number; requests must carry it as `Client-Id`.
    pub client_id: String,
    /// The POS public key: verifies requests, receives the answers' AES keys.
    pub pos_public_key: PublicKey,
    /// The terminal private key: signs answers, unwraps the requests' AES keys.
    pub terminal_private_key: PrivateKey,
    /// Envelope profile, as configured on the POS.
    pub envelope: Envelope,
    /// Customer Mode (decides the refund rules).
    pub customer_mode: bool,
    /// What diagnosis reports at start.
    pub diagnosis_ready: bool,
    /// Whether refunds are taken over the USB cable (docs/protocols.md §1.6: the vendor's
    /// pages disagree); when not, the USB side answers them `F INVALID_API`.
    pub usb_refunds: bool,
}

impl SimConfig {
    /// Loopback on a free port, the default envelope (`ecb`), Customer Mode off, ready.
    pub fn new(
        client_id: &str,
        pos_public_key: PublicKey,
        terminal_private_key: PrivateKey,
    ) -> SimConfig {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            client_id: client_id.to_string(),
            pos_public_key,
            terminal_private_key,
            envelope: Envelope::default(),
            customer_mode: false,
            diagnosis_ready: true,
            usb_refunds: true,
        }
    }
}

/// The closing of a connection without a response (returned by the service to hyper).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// The terminal's state, shared by the LAN server and the USB device side.
pub(super) struct Shared {
    codec: Codec,
    client_id: String,
    clock: SystemClock,
    store: Mutex<Store>,
    pay_queue: Mutex<VecDeque<Behaviour>>,
    refund_queue: Mutex<VecDeque<RefundBehaviour>>,
    diagnosis_ready: AtomicBool,
    usb_refunds: AtomicBool,
    /// Requests received per path, over either carrier.
    calls: Mutex<BTreeMap<String, u64>>,
    /// The last `pay` answer the LAN server sent, as sent (for `ReplayPrevious`).
    last_pay: Mutex<Option<SentAnswer>>,
    /// The last approving `pay` answer the LAN server sent, as sent (`ReplayLastApproval`).
    last_approval: Mutex<Option<SentAnswer>>,
    /// Refunds held `PENDING` that settle later; aborted at shutdown.
    settlements: Mutex<JoinSet<()>>,
}

/// Locks, taking the data even if a panicking thread poisoned it (the sim keeps answering).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts simulated terminals.
#[derive(Debug)]
pub struct AntomSim;

impl AntomSim {
    /// Binds `cfg.listen` and serves until the handle is shut down or dropped.
    pub async fn start(cfg: SimConfig) -> std::io::Result<AntomSimHandle> {
        let listener = TcpListener::bind(cfg.listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            codec: Codec::new(cfg.terminal_private_key, cfg.pos_public_key, cfg.envelope),
            client_id: cfg.client_id,
            clock: SystemClock,
            store: Mutex::new(Store::new(cfg.customer_mode)),
            pay_queue: Mutex::new(VecDeque::new()),
            refund_queue: Mutex::new(VecDeque::new()),
            diagnosis_ready: AtomicBool::new(cfg.diagnosis_ready),
            usb_refunds: AtomicBool::new(cfg.usb_refunds),
            calls: Mutex::new(BTreeMap::new()),
            last_pay: Mutex::new(None),
            last_approval: Mutex::new(None),
            settlements: Mutex::new(JoinSet::new()),
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, shared.clone(), stop_rx));
        tracing::info!(%addr, envelope = cfg.envelope.as_str(), "antom simulator listening");
        Ok(AntomSimHandle {
            addr,
            shared,
            stop: stop_tx,
            task: Some(task),
        })
    }
}

/// A running simulated terminal. Dropping it stops the server too.
pub struct AntomSimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for AntomSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AntomSimHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl AntomSimHandle {
    /// The terminal's state, for the USB device side of the same terminal.
    pub(super) fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues what the next new payment does.
    pub fn push(&self, b: Behaviour) {
        lock(&self.shared.pay_queue).push_back(b);
    }

    /// Queues what the next new refund does.
    pub fn push_refund(&self, b: RefundBehaviour) {
        lock(&self.shared.refund_queue).push_back(b);
    }

    /// Sets `globalStatus` of diagnosis (`false` = the DiagnosisNotReady toggle).
    pub fn set_diagnosis_ready(&self, ready: bool) {
        self.shared.diagnosis_ready.store(ready, Ordering::SeqCst);
    }

    /// Whether the USB side takes refunds (`false`: it answers them `F INVALID_API`).
    pub fn set_usb_refunds(&self, taken: bool) {
        self.shared.usb_refunds.store(taken, Ordering::SeqCst);
    }

    /// Applies one control instruction (what `POST /_sim/behaviour` does).
    pub fn apply(&self, c: Control) {
        apply(&self.shared, c);
    }

    /// Every payment the terminal recorded: how many times a card was charged.
    pub fn payments(&self) -> Vec<SimPayment> {
        lock(&self.shared.store).payments()
    }

    /// How many requests for `path` (e.g. `/v2/payments/inquiryPayment`) arrived, over the
    /// LAN and the cable together.
    pub fn calls(&self, path: &str) -> u64 {
        lock(&self.shared.calls).get(path).copied().unwrap_or(0)
    }

    /// Every refund the terminal recorded.
    pub fn refunds(&self) -> Vec<SimRefund> {
        lock(&self.shared.store).refunds()
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        lock(&self.shared.settlements).abort_all();
    }
}

impl Drop for AntomSimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
        lock(&self.shared.settlements).abort_all();
    }
}

fn apply(shared: &Shared, c: Control) {
    tracing::info!(control = ?c, "antom simulator scripted");
    match c {
        Control::Pay(b) => lock(&shared.pay_queue).push_back(b),
        Control::Refund(b) => lock(&shared.refund_queue).push_back(b),
        Control::DiagnosisReady(r) => shared.diagnosis_ready.store(r, Ordering::SeqCst),
        Control::UsbRefunds(r) => shared.usb_refunds.store(r, Ordering::SeqCst),
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let shared = shared.clone();
                    conns.spawn(async move {
                        let svc = service_fn(move |req| handle(shared.clone(), peer, req));
                        if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await {
                            tracing::debug!(%peer, error = %e, "antom simulator connection ended");
                        }
                    });
                }
                Err(e) => tracing::warn!(error = %e, "antom simulator accept failed"),
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
}

type Answer = Result<Response<Full<Bytes>>, Dropped>;

fn plain(status: StatusCode, text: String) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(text)));
    *r.status_mut() = status;
    Ok(r)
}

async fn handle(shared: Arc<Shared>, peer: SocketAddr, req: Request<Incoming>) -> Answer {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let path = parts.uri.path().to_string();
    if path.starts_with("/_sim/") {
        return control(&shared, peer, &parts.method, &path, &body);
    }
    let h = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let client_id = h(header::CLIENT_ID).unwrap_or_default();
    let time = h(header::REQUEST_TIME).unwrap_or_default();
    let (sig, enc) = (h(header::SIGNATURE), h(header::ENCRYPT));
    let reply = answer(
        &shared,
        &Received {
            post: parts.method == Method::POST,
            cable: false,
            path: &path,
            client_id: &client_id,
            time: &time,
            signature: sig.as_deref(),
            encrypt: enc.as_deref(),
            body: &body,
        },
    );
    deliver(&shared, &path, &client_id, reply).await
}

/// A request as the terminal received it, whatever carried it (HTTP, or a USB frame).
pub(super) struct Received<'a> {
    /// Whether it came as a POST (a USB frame always counts as one).
    pub post: bool,
    /// Whether it came over the USB cable.
    pub cable: bool,
    /// URI path.
    pub path: &'a str,
    /// `Client-Id`.
    pub client_id: &'a str,
    /// `Request-Time`.
    pub time: &'a str,
    /// `Signature`.
    pub signature: Option<&'a str>,
    /// `Encrypt`.
    pub encrypt: Option<&'a str>,
    /// The body as sent.
    pub body: &'a [u8],
}

mod dispatch;
use dispatch::dispatch;

/// Checks a request the way the terminal does (POST, SN, signature, envelope) and decides the
/// answer from the store and the scripted behaviours.
pub(super) fn answer(shared: &Shared, r: &Received<'_>) -> Reply {
    *lock(&shared.calls).entry(r.path.to_string()).or_default() += 1;
    if !r.post {
        failure("F", "METHOD_NOT_SUPPORTED", "only POST is supported")
    } else if r.client_id != shared.client_id {
        failure("F", "CLIENT_INVALID", "Client-Id is not this terminal's SN")
    } else {
        let meta = MessageMeta {
            method: "POST",
            path: r.path,
            client_id: r.client_id,
            time: r.time,
        };
        match shared.codec.open(&meta, r.signature, r.encrypt, r.body) {
            Ok(plain) => dispatch(shared, r.path, &plain, r.cable),
            Err(OpenError::BadSignature(why)) => failure("F", "INVALID_SIGNATURE", &why),
            Err(OpenError::Undecryptable(why)) => failure("F", "INVALID_ENCRPT_DATA", &why),
        }
    }
}

/// Logs an answer about to leave and, for a held refund, schedules its settlement.
pub(super) fn dispatched(shared: &Arc<Shared>, path: &str, reply: &Reply) {
    let code = reply.body["result"]["resultCode"]
        .as_str()
        .unwrap_or("-")
        .to_string();
    tracing::info!(path, code, delivery = ?reply.delivery, "antom simulator answers");
    if let (Some(rid), Delivery::After(d)) = (&reply.settle_refund, &reply.delivery) {
        let (rid, d, settle) = (rid.clone(), *d, shared.clone());
        lock(&shared.settlements).spawn(async move {
            tokio::time::sleep(d).await;
            lock(&settle.store).settle_refund(&rid);
        });
    }
}

/// An answer signed with the terminal key and encrypted to the POS key, with its
/// `Response-Time`, damaged as the reply's delivery asks.
pub(super) struct SealedReply {
    /// The header carrying the signed time: `Response-Time`, or `Request-Time` for
    /// `StaleRequestTime`.
    pub time_header: &'static str,
    /// Its value.
    pub time: String,
    /// `Signature`.
    pub signature: String,
    /// `Encrypt`.
    pub encrypt: String,
    /// The body as sent.
    pub body: Vec<u8>,
}

/// Seals `reply` for the request to `path` from `client_id`, now.
pub(super) fn seal_reply(
    shared: &Shared,
    path: &str,
    client_id: &str,
    reply: &Reply,
) -> Result<SealedReply, String> {
    let (now, mut time_header) = (shared.clock.now(), header::RESPONSE_TIME);
    let time = match reply.delivery {
        Delivery::StaleResponseTime(d) => iso_millis(&(now - d)),
        Delivery::StaleRequestTime(d) => {
            time_header = header::REQUEST_TIME;
            iso_millis(&(now - d))
        }
        _ => iso_millis(&now),
    };
    let meta = MessageMeta {
        method: "POST",
        path,
        client_id,
        time: &time,
    };
    let plaintext = match reply.delivery {
        Delivery::Garbage => GARBAGE.to_vec(),
        _ => reply.body.to_string().into_bytes(),
    };
    let sealed = shared
        .codec
        .seal(&meta, &plaintext)
        .map_err(|e| format!("cannot seal: {e}"))?;
    let (signature, body) = match reply.delivery {
        Delivery::BadSignature => {
            let wrong = MessageMeta {
                time: "1970-01-01T00:00:00.000+00:00",
                ..meta
            };
            let s = shared
                .codec
                .sign_body(&wrong, &sealed.body)
                .map_err(|e| format!("cannot sign: {e}"))?;
            (s, sealed.body)
        }
        Delivery::Tampered => {
            let mut b = sealed.body;
            let i = b.len() / 2;
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            (sealed.signature, b)
        }
        Delivery::Truncated => {
            let mut b = sealed.body;
            b.truncate(b.len() / 2);
            (sealed.signature, b)
        }
        Delivery::Now
        | Delivery::After(_)
        | Delivery::Drop
        | Delivery::Garbage
        | Delivery::Replay
        | Delivery::ReplayApproval
        | Delivery::StaleResponseTime(_)
        | Delivery::StaleRequestTime(_) => (sealed.signature, sealed.body),
    };
    Ok(SealedReply {
        time_header,
        time,
        signature,
        encrypt: sealed.encrypt,
        body,
    })
}

async fn deliver(shared: &Arc<Shared>, path: &str, client_id: &str, reply: Reply) -> Answer {
    dispatched(shared, path, &reply);
    match reply.delivery {
        Delivery::Drop => return Err(Dropped),
        Delivery::After(d) => tokio::time::sleep(d).await,
        Delivery::Replay => {
            if let Some(previous) = lock(&shared.last_pay).clone() {
                return previous.response();
            }
        }
        Delivery::ReplayApproval => {
            return match lock(&shared.last_approval).clone() {
                Some(approval) => approval.response(),
                None => Err(Dropped),
            };
        }
        Delivery::Now
        | Delivery::BadSignature
        | Delivery::Tampered
        | Delivery::Garbage
        | Delivery::Truncated
        | Delivery::StaleResponseTime(_)
        | Delivery::StaleRequestTime(_) => {}
    }
    let sealed = match seal_reply(shared, path, client_id, &reply) {
        Ok(s) => s,
        Err(e) => return plain(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let sent = SentAnswer {
        headers: vec![
            (header::CONTENT_TYPE, header::JSON_UTF8.to_string()),
            (header::CLIENT_ID, client_id.to_string()),
            (sealed.time_header, sealed.time),
            (header::SIGNATURE, sealed.signature),
            (header::ENCRYPT, sealed.encrypt),
        ],
        body: sealed.body,
    };
    if path == wire::path::PAY {
        *lock(&shared.last_pay) = Some(sent.clone());
        let approved = reply.body["result"]["resultStatus"] == "S"
            && reply.body["result"]["resultCode"] == "SUCCESS";
        if approved && matches!(reply.delivery, Delivery::Now | Delivery::After(_)) {
            *lock(&shared.last_approval) = Some(sent.clone());
        }
    }
    sent.response()
}

/// What a `GarbageBody` answer carries inside its (valid) envelope.
const GARBAGE: &[u8] = b"<html><body>502 Bad Gateway</body></html>\x00\xff";

/// An answer as the LAN server put it on the wire, kept to be replayed byte for byte.
#[derive(Debug, Clone)]
struct SentAnswer {
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl SentAnswer {
    fn response(&self) -> Answer {
        let mut r = Response::builder().status(StatusCode::OK);
        for (name, value) in &self.headers {
            r = r.header(*name, value.as_str());
        }
        r.body(Full::new(Bytes::from(self.body.clone())))
            .or_else(|e| plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
    }
}

/// `POST /_sim/behaviour` (a [`Control`] or a list of them) and `GET /_sim/payments`;
/// loopback peers only.
fn control(shared: &Shared, peer: SocketAddr, method: &Method, path: &str, body: &[u8]) -> Answer {
    if !peer.ip().is_loopback() {
        return plain(
            StatusCode::FORBIDDEN,
            "the control endpoint is for loopback only".into(),
        );
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Control),
        Many(Vec<Control>),
    }
    match (method, path) {
        (&Method::POST, "/_sim/behaviour") => match serde_json::from_slice::<OneOrMany>(body) {
            Ok(OneOrMany::One(c)) => apply(shared, c),
            Ok(OneOrMany::Many(cs)) => cs.into_iter().for_each(|c| apply(shared, c)),
            Err(e) => return plain(StatusCode::BAD_REQUEST, format!("not a behaviour: {e}")),
        },
        (&Method::GET, "/_sim/payments") => {
            let store = lock(&shared.store);
            let all = serde_json::json!({"payments": store.payments(), "refunds": store.refunds()});
            return plain(StatusCode::OK, all.to_string());
        }
        _ => {
            return plain(
                StatusCode::NOT_FOUND,
                "POST /_sim/behaviour or GET /_sim/payments".into(),
            )
        }
    }
    plain(StatusCode::OK, "{\"ok\":true}".into())
}
