//! The simulated IOT Pay cloud: `POST /v1/create_order` and `POST /v1/query_order` over real
//! HTTP on loopback, checking the form and the signature the way the cloud does, plus a
//! control endpoint (`/_sim/behaviours`, `/_sim/query-faults`, `/_sim/orders`) for scripting
//! from other processes.
//!
//! `create_order` answers nest the order in `payOrder`; `query_order` answers are flat, as IOT
//! Pay's order-query page shows (docs/protocols.md §4.3). Stricter than the cloud is known to
//! be, the simulator refuses parameters that are not JSON strings (§4.2: send every value as
//! a string).

use super::answers::{
    approved_extra, business_fail, corrupts_sign, flat_answer, no_such_order, order_answer,
    refused, signed_text, system_error, unpaid_extra, CANCELLED_TEXT, DECLINED_TEXT,
};
use super::store::{Behaviour, SimOrder, Store, DEFAULT_HOLD};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kassa_core::Secret;
use kassa_iotpay::sign::{verify, SignCheck};
use kassa_iotpay::wire::{
    CreateOrderParams, OrderResponse, QueryOrderParams, CHANNEL_CC_PAX, FORM_FIELD,
    MCH_ORDER_NO_MAX, NOTIFY_URL_CC_PAX, SUCCESS,
};
use kassa_iotpay::OrderedJson;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the simulated cloud is set up.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; must be a loopback address (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The one merchant this cloud knows.
    pub mch_id: String,
    /// That merchant's key.
    pub key: Secret<String>,
    /// How long the simulated customer takes on the PAX terminal (zero in tests).
    pub terminal_wait: Duration,
    /// Whether failure answers (`retCode` or `resCode` FAIL) carry a `sign`. IOT Pay does not
    /// say that it signs them; `false` plays a cloud that does not.
    pub sign_failures: bool,
}

impl SimConfig {
    /// Loopback on a free port, no terminal wait.
    pub fn new(mch_id: &str, key: &str) -> SimConfig {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            mch_id: mch_id.to_string(),
            key: Secret::new(key.to_string()),
            terminal_wait: Duration::ZERO,
            sign_failures: true,
        }
    }
}

struct Shared {
    cfg: SimConfig,
    store: Store,
    /// The last `create_order` answer as sent (for `replay-previous`).
    last_create: std::sync::Mutex<Option<String>>,
    /// Every call is answered HTTP 503 (the cloud is down for maintenance).
    unavailable: std::sync::atomic::AtomicBool,
    /// How many coming `query_order` calls fail with `SYSTEMERROR`.
    failing_queries: AtomicU64,
    seq: AtomicU64,
    shutdown: watch::Receiver<bool>,
}

/// A running simulated cloud. Dropping it (or [`IotPaySim::stop`]) shuts the server down.
#[derive(Debug)]
pub struct IotPaySim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("mch_id", &self.cfg.mch_id)
            .finish_non_exhaustive()
    }
}

impl IotPaySim {
    /// Binds and starts serving.
    pub async fn start(cfg: SimConfig) -> anyhow::Result<IotPaySim> {
        if !cfg.listen.ip().is_loopback() {
            anyhow::bail!("the IOT Pay simulator listens on loopback only; {} is not loopback (use 127.0.0.1:PORT)", cfg.listen);
        }
        let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            cfg,
            store: Store::default(),
            last_create: std::sync::Mutex::new(None),
            unavailable: std::sync::atomic::AtomicBool::new(false),
            failing_queries: AtomicU64::new(0),
            seq: AtomicU64::new(0),
            shutdown: rx.clone(),
        });
        let app = Router::new()
            .route("/v1/create_order", post(create_order))
            .route("/v1/query_order", post(query_order))
            .route("/_sim/behaviours", post(push_behaviours))
            .route("/_sim/query-faults", post(set_query_faults))
            .route("/_sim/orders", get(list_orders))
            .with_state(shared.clone());
        let mut stop = rx;
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
        });
        Ok(IotPaySim {
            addr,
            shared,
            shutdown: tx,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL a driver uses: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues a behaviour for the next `create_order` that has none yet.
    pub fn push(&self, b: Behaviour) {
        self.shared.store.push(b);
    }

    /// Every order received, oldest first.
    pub fn orders(&self) -> Vec<SimOrder> {
        self.shared.store.orders()
    }

    /// One order by `mchOrderNo`.
    pub fn order(&self, mch_order_no: &str) -> Option<SimOrder> {
        self.shared.store.get(mch_order_no)
    }

    /// Makes every call answer HTTP 503 (`true`), as a cloud down for maintenance does: the
    /// terminal's diagnosis then reports it not ready.
    pub fn set_unavailable(&self, down: bool) {
        self.shared.unavailable.store(down, Ordering::SeqCst);
    }

    /// Makes the next `count` `query_order` calls (any order) fail with `resCode` FAIL,
    /// `errCode` `SYSTEMERROR` (signed unless failures go unsigned): a cloud too busy to look
    /// the order up.
    pub fn fail_queries(&self, count: u64) {
        self.shared.failing_queries.store(count, Ordering::SeqCst);
    }

    /// How many orders are paid (status 2 or 3).
    pub fn paid_count(&self) -> usize {
        self.orders().iter().filter(|o| o.is_paid()).count()
    }

    /// Releases held answers, stops accepting, and waits for the server to finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.task.await??;
        Ok(())
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// An answer that breaks off: the headers promise more body than is sent, so the client's
/// read fails as on a connection reset.
fn cut_off() -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json;charset=UTF-8"),
            (header::CONTENT_LENGTH, "4096"),
        ],
        "{\"retCode\":",
    )
        .into_response()
}

fn maintenance() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response()
}

fn json_text(text: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        text,
    )
        .into_response()
}

impl Shared {
    /// An answer, signed unless it is a failure and failures go unsigned.
    fn answer(&self, resp: &OrderResponse, corrupt: bool) -> Response {
        let failed = resp.ret_code != SUCCESS || resp.res_code.as_deref() != Some(SUCCESS);
        let key = (!failed || self.cfg.sign_failures).then_some(&self.cfg.key);
        json_text(signed_text(resp, key, corrupt))
    }

    /// Takes one scripted query failure, if any is left.
    fn take_query_fault(&self) -> bool {
        self.failing_queries
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// A signed `retCode` FAIL answer, boxed for `Err`.
    fn reject(&self, msg: &str) -> Box<Response> {
        Box::new(self.answer(&refused(msg), false))
    }

    /// Reads and authenticates `params`; the error is the answer to send.
    fn read_params(
        &self,
        form: Result<Form<HashMap<String, String>>, FormRejection>,
    ) -> Result<String, Box<Response>> {
        let Ok(Form(form)) = form else {
            return Err(self.reject("the body must be a form (application/x-www-form-urlencoded)"));
        };
        let Some(params) = form.get(FORM_FIELD) else {
            return Err(self.reject("missing form field params"));
        };
        let tree = match OrderedJson::parse(params) {
            Ok(t @ OrderedJson::Object(_)) => t,
            _ => return Err(self.reject("params is not a JSON object")),
        };
        let mch = tree.get("mchId").and_then(|v| match v {
            OrderedJson::String(s) => Some(s.as_str()),
            _ => None,
        });
        if mch != Some(self.cfg.mch_id.as_str()) {
            // The cloud cannot sign for a merchant it does not know.
            let unsigned = signed_text(&refused("merchant does not exist"), None, false);
            return Err(Box::new(json_text(unsigned)));
        }
        let fields = tree.as_object().unwrap_or_default();
        if let SignCheck::Missing | SignCheck::Mismatch = verify(fields, &self.cfg.key) {
            return Err(self.reject("signature fail"));
        }
        if let Some((name, _)) = fields
            .iter()
            .find(|(_, v)| !matches!(v, OrderedJson::String(_)))
        {
            return Err(self.reject(&format!(
                "invalid parameters: {name} must be sent as a string"
            )));
        }
        Ok(params.clone())
    }

    /// Waits `d` unless the server is shutting down; false when it is.
    async fn wait(&self, d: Duration) -> bool {
        if d.is_zero() {
            return true;
        }
        let mut stop = self.shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = stop.wait_for(|s| *s) => false,
        }
    }
}

fn check_create(p: &CreateOrderParams) -> Result<(), String> {
    let n = p.mch_order_no.len();
    if n == 0 || n > MCH_ORDER_NO_MAX {
        return Err(format!(
            "mchOrderNo must have 1 to {MCH_ORDER_NO_MAX} characters"
        ));
    }
    if p.channel_id != CHANNEL_CC_PAX {
        return Err(format!(
            "channelId {} is not enabled for this merchant",
            p.channel_id
        ));
    }
    if p.currency.len() != 3 || !p.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("currency must be 3 capital letters".into());
    }
    if p.amount <= 0 {
        return Err("amount must be a positive integer".into());
    }
    if p.notify_url != NOTIFY_URL_CC_PAX {
        return Err(format!("notifyUrl must be {NOTIFY_URL_CC_PAX} for CC_PAX"));
    }
    let limits = [
        ("subject", &p.subject, 64),
        ("body", &p.body, 255),
        ("extra", &p.extra, 512),
        ("jobNo", &p.job_no, 50),
        ("clientIp", &p.client_ip, 32),
    ];
    for (name, value, max) in limits {
        if value.is_empty() || value.chars().count() > max {
            return Err(format!("{name} must have 1 to {max} characters"));
        }
    }
    Ok(())
}

async fn create_order(
    State(s): State<Arc<Shared>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    if s.unavailable.load(Ordering::SeqCst) {
        return maintenance();
    }
    let params = match s.read_params(form) {
        Ok(p) => p,
        Err(answer) => return *answer,
    };
    let p: CreateOrderParams = match serde_json::from_str(&params) {
        Ok(p) => p,
        Err(e) => return s.answer(&refused(&format!("invalid parameters: {e}")), false),
    };
    if let Err(msg) = check_create(&p) {
        return s.answer(&refused(&msg), false);
    }
    let n = s.seq.fetch_add(1, Ordering::SeqCst);
    let behaviour = s.store.next_behaviour();
    match behaviour {
        Behaviour::Busy => {
            let busy = "the PAX terminal is busy with another transaction";
            return s.answer(&refused(busy), false);
        }
        Behaviour::ResetBeforeCharge => return cut_off(),
        _ => {}
    }
    let now = now_ms();
    let order = SimOrder {
        pay_order_id: format!("CP{now}{n:06}"),
        mch_order_no: p.mch_order_no.clone(),
        amount: p.amount,
        charged_amount: p.amount,
        currency: p.currency.clone(),
        status: 1,
        behaviour: behaviour.clone(),
        job_no: p.job_no.clone(),
        client_ip: p.client_ip.clone(),
        subject: p.subject.clone(),
        body: p.body.clone(),
        tip: p.tip.clone(),
        device: p.device.clone(),
        remarks: p.remarks.clone(),
        extra: None,
        created_ms: now,
        updated_ms: now,
    };
    if !s.store.insert(order) {
        return s.answer(&business_fail("mchOrderNo already exists"), false);
    }
    tracing::info!(mch_order_no = %p.mch_order_no, amount = p.amount, ?behaviour, "iotpay sim: create_order");
    let settle = |status: i64, extra: String, charged: i64| {
        s.store.update(&p.mch_order_no, |o| {
            o.status = status;
            o.extra = Some(extra);
            o.charged_amount = charged;
            o.updated_ms = now_ms();
        })
    };
    let hold = match &behaviour {
        // Paid at once; only the answer is late.
        Behaviour::Timeout { hold_ms } => {
            settle(2, approved_extra(n), p.amount);
            Duration::from_millis(*hold_ms)
        }
        Behaviour::Hang => DEFAULT_HOLD,
        _ => s.cfg.terminal_wait,
    };
    if !s.wait(hold).await {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    let done = match behaviour {
        Behaviour::Approve
        | Behaviour::BadSignature
        | Behaviour::ResetAfterCharge
        | Behaviour::GarbageBody
        | Behaviour::TruncatedBody
        | Behaviour::TamperedBody
        | Behaviour::ReplayPrevious => settle(2, approved_extra(n), p.amount),
        Behaviour::WrongAmount => settle(2, approved_extra(n), p.amount + 100),
        Behaviour::WrongCurrency => s.store.update(&p.mch_order_no, |o| {
            o.status = 2;
            o.extra = Some(approved_extra(n));
            o.currency = if o.currency == "USD" { "EUR" } else { "USD" }.into();
            o.updated_ms = now_ms();
        }),
        Behaviour::Decline => settle(9, unpaid_extra(n, DECLINED_TEXT), p.amount),
        Behaviour::Cancel => settle(4, unpaid_extra(n, CANCELLED_TEXT), p.amount),
        Behaviour::Timeout { .. }
        | Behaviour::StuckPaying
        | Behaviour::Hang
        | Behaviour::InProgress
        | Behaviour::Busy
        | Behaviour::ResetBeforeCharge => s.store.get(&p.mch_order_no),
    };
    let Some(o) = done else {
        return s.answer(&business_fail("order vanished"), false);
    };
    let text = signed_text(
        &order_answer(&o, &s.cfg.mch_id),
        Some(&s.cfg.key),
        corrupts_sign(&o),
    );
    let previous = s
        .last_create
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .replace(text.clone());
    match behaviour {
        Behaviour::ResetAfterCharge => cut_off(),
        Behaviour::GarbageBody => json_text("<html><body>502 Bad Gateway</body></html>".into()),
        Behaviour::TruncatedBody => json_text(text.chars().take(text.len() / 2).collect()),
        Behaviour::TamperedBody => json_text(text.replacen("\"status\":2", "\"status\":9", 1)),
        Behaviour::ReplayPrevious => json_text(previous.unwrap_or(text)),
        _ => json_text(text),
    }
}

async fn query_order(
    State(s): State<Arc<Shared>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    if s.unavailable.load(Ordering::SeqCst) {
        return maintenance();
    }
    let params = match s.read_params(form) {
        Ok(p) => p,
        Err(answer) => return *answer,
    };
    let p: QueryOrderParams = match serde_json::from_str(&params) {
        Ok(p) => p,
        Err(e) => return s.answer(&refused(&format!("invalid parameters: {e}")), false),
    };
    // An order answered "in progress" has been completed on the terminal meanwhile.
    s.store.update(&p.mch_order_no, |o| {
        if o.behaviour == Behaviour::InProgress && o.status == 1 {
            o.status = 2;
            o.extra = Some(approved_extra(0));
            o.updated_ms = now_ms();
        }
    });
    if s.take_query_fault() {
        return s.answer(&system_error(), false);
    }
    match s.store.get(&p.mch_order_no) {
        Some(o) => json_text(signed_text(
            &flat_answer(&o, &s.cfg.mch_id),
            Some(&s.cfg.key),
            corrupts_sign(&o),
        )),
        None => s.answer(&no_such_order(), false),
    }
}

/// Accepts one behaviour or a list, as JSON (`{"kind":"decline"}`).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Behaviour),
    Many(Vec<Behaviour>),
}

async fn push_behaviours(State(s): State<Arc<Shared>>, Json(b): Json<OneOrMany>) -> Response {
    let list = match b {
        OneOrMany::One(b) => vec![b],
        OneOrMany::Many(v) => v,
    };
    for b in list {
        s.store.push(b);
    }
    Json(serde_json::json!({ "queued": s.store.queued() })).into_response()
}

/// `{"count": N}`: the next N `query_order` calls fail (see [`IotPaySim::fail_queries`]).
#[derive(serde::Deserialize)]
struct QueryFaults {
    count: u64,
}

async fn set_query_faults(State(s): State<Arc<Shared>>, Json(q): Json<QueryFaults>) -> Response {
    s.failing_queries.store(q.count, Ordering::SeqCst);
    Json(serde_json::json!({ "failing_queries": q.count })).into_response()
}

async fn list_orders(State(s): State<Arc<Shared>>) -> Response {
    Json(s.store.orders()).into_response()
}
