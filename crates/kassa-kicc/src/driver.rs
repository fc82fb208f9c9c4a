//! The KICC driver's plumbing: the connection to the bridge (connect and the authenticated
//! `init` handshake on demand, reconnect after a loss), the one-command-at-a-time rule, the
//! never-resend rule, and the running purchase a `CommandCancel` refers to. The
//! [`kassa_core::Terminal`] calls built on it are in `terminal.rs`.

use crate::auth::PairingKey;
use crate::codec::frame_json;
use crate::codes::InitCode;
use crate::config::{ConfigError, KiccConfig};
use crate::exchange::{await_end, End, Progress};
use crate::link::{ConnectError, Incoming, Link, Route};
use crate::rules::{local_wait, wire_timeout_secs};
use crate::wire::Frame;
use kassa_core::{Clock, EventSink, InquiryError, RequestError, UnknownReason};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// A KICC EDC terminal behind its bridge. Cheap to create: it connects on first use.
#[derive(Debug)]
pub struct Kicc {
    pub(crate) cfg: KiccConfig,
    pub(crate) clock: Arc<dyn Clock>,
    /// Read from `cfg.pairing_key_file` once, when the driver is made.
    key: PairingKey,
    link: tokio::sync::Mutex<Option<Arc<Link>>>,
    /// Held by every command except `CommandCancel` (the bridge runs one at a time).
    pub(crate) command: tokio::sync::Mutex<()>,
    running: Mutex<Option<Running>>,
    sent: Mutex<HashSet<String>>,
}

/// The purchase a cancel may stop.
#[derive(Debug, Clone)]
pub(crate) struct Running {
    pub(crate) request_id: String,
    pub(crate) post: UnboundedSender<Incoming>,
    pub(crate) link: Arc<Link>,
}

/// Why no command could be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkError {
    /// The bridge cannot be reached or did not initialise.
    Unreachable(String),
    /// The bridge refused the settings.
    Config(String),
}

impl LinkError {
    pub(crate) fn into_request(self) -> RequestError {
        match self {
            LinkError::Unreachable(m) => RequestError::Unreachable(m),
            LinkError::Config(m) => RequestError::Config(m),
        }
    }

    pub(crate) fn into_inquiry(self) -> InquiryError {
        match self {
            LinkError::Unreachable(m) | LinkError::Config(m) => InquiryError::Unreachable(m),
        }
    }
}

/// A command that left, or did not.
pub(crate) enum Sent {
    /// On the wire; wait on the route.
    Yes(Route),
    /// Nothing left the machine.
    No(LinkError),
    /// The write failed part-way: the device may have it.
    Maybe(UnknownReason),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Kicc {
    /// A driver for `cfg`, checked before anything is sent; reads the pairing key from
    /// `cfg.pairing_key_file`. `clock` measures every timeout.
    pub fn new(cfg: KiccConfig, clock: Arc<dyn Clock>) -> Result<Kicc, ConfigError> {
        cfg.validate()?;
        let key =
            PairingKey::read_file(&cfg.pairing_key_file).map_err(|e| ConfigError(e.to_string()))?;
        Ok(Kicc {
            cfg,
            clock,
            key,
            link: tokio::sync::Mutex::new(None),
            command: tokio::sync::Mutex::new(()),
            running: Mutex::new(None),
            sent: Mutex::new(HashSet::new()),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &KiccConfig {
        &self.cfg
    }

    /// The live connection, connecting and initialising the SDK when there is none.
    pub(crate) async fn link(&self) -> Result<Arc<Link>, LinkError> {
        let mut slot = self.link.lock().await;
        if let Some(l) = slot.as_ref().filter(|l| l.is_open()).cloned() {
            // A connection idle since the last command may be half-open (bridge restarted,
            // Wi-Fi changed): a command written into it would end *unknown*. A ping first
            // costs one round trip and turns that into a clean reconnect.
            if self.answers_ping(&l).await {
                return Ok(l);
            }
            tracing::info!("the KICC bridge connection went stale: reconnecting");
        }
        *slot = None;
        let t = self.cfg.timing.diagnose;
        let (host, port) = (&self.cfg.host, self.cfg.port);
        let link = Link::connect(
            host,
            port,
            &self.key,
            &self.cfg.merchant_id,
            t,
            &*self.clock,
        )
        .await
        .map_err(|e| self.connect_error(e))?;
        let link = Arc::new(link);
        *slot = Some(link.clone());
        Ok(link)
    }

    fn connect_error(&self, e: ConnectError) -> LinkError {
        let lost =
            |m: String| LinkError::Unreachable(format!("the KICC bridge did not initialise: {m}"));
        let (code, message) = match e {
            ConnectError::Unreachable(m) => {
                return LinkError::Unreachable(format!(
                    "cannot reach the KICC bridge ({m}); check the Android device is on, the bridge app runs and the address is right"
                ))
            }
            ConnectError::Init { code, message } => (code, message),
        };
        match InitCode::parse(&code) {
            Some(InitCode::InitFailed) => {
                lost(format!("INIT_FAILED ({message}); check the device, then try again"))
            }
            Some(InitCode::InitParamError) => LinkError::Config(format!(
                "the KICC bridge rejected the merchant id {:?} (INIT_PARAM_ERROR: {message}); check the settings",
                self.cfg.merchant_id
            )),
            Some(InitCode::InitSuccess) | None => {
                lost(format!("unrecognised init result {code:?} ({message})"))
            }
        }
    }

    /// True when the bridge answers a ping on `link` within the diagnose timeout.
    pub(crate) async fn answers_ping(&self, link: &Link) -> bool {
        let pong = link.expect_pong();
        if link.send(&Frame::Ping).await.is_err() {
            return false;
        }
        tokio::select! {
            r = pong => r.is_ok(),
            _ = self.clock.sleep(self.cfg.timing.diagnose) => false,
        }
    }

    /// Refuses a request id this driver already sent: KICC is not idempotent.
    pub(crate) fn check_fresh(&self, request_id: &str) -> Result<(), RequestError> {
        if lock(&self.sent).contains(request_id) {
            return Err(RequestError::Config(format!(
                "request {request_id} was already sent to the terminal and KICC does not accept a \
                 request twice; start a new attempt"
            )));
        }
        Ok(())
    }

    /// Sends `command` as a new frame on `link`. `request_id`, when given, is recorded as used
    /// before the first byte leaves; `events`, when given, hears `sent()` right before the
    /// line is written (the connection and the handshake are up by then).
    pub(crate) async fn send_command(
        &self,
        link: &Arc<Link>,
        command: &str,
        params: serde_json::Value,
        device_timeout: Duration,
        request_id: Option<&str>,
        events: Option<&dyn EventSink>,
    ) -> (String, Sent) {
        let id = uuid::Uuid::new_v4().to_string();
        let Some(route) = link.register(&id) else {
            return (
                id,
                Sent::No(LinkError::Unreachable(
                    "the connection to the KICC bridge closed; try again".into(),
                )),
            );
        };
        if let Some(rid) = request_id {
            lock(&self.sent).insert(rid.to_string());
        }
        let frame = Frame::Command {
            id: id.clone(),
            command: command.to_string(),
            params,
            timeout_seconds: wire_timeout_secs(device_timeout),
        };
        let json = match frame_json(&frame) {
            Ok(j) => j,
            Err(e) => {
                if let Some(rid) = request_id {
                    lock(&self.sent).remove(rid);
                }
                return (
                    id,
                    Sent::No(LinkError::Config(format!(
                        "the {command} request could not be encoded: {e}"
                    ))),
                );
            }
        };
        if let Some(events) = events {
            events.sent();
        }
        let sent = match link.send_json(&json).await {
            Ok(()) => Sent::Yes(route),
            Err(e) => Sent::Maybe(UnknownReason::ConnectionLost(e.to_string())),
        };
        (id, sent)
    }

    /// Waits for the outcome of a command whose device timeout is `device_timeout`.
    pub(crate) async fn wait(
        &self,
        route: &mut Route,
        device_timeout: Duration,
        progress: &mut dyn Progress,
    ) -> End {
        await_end(route, &*self.clock, local_wait(device_timeout), progress).await
    }

    /// Marks `running` as the purchase a cancel refers to, until the guard drops.
    pub(crate) fn set_running(&self, running: Running) -> RunningGuard<'_> {
        *lock(&self.running) = Some(running);
        RunningGuard(&self.running)
    }

    /// The purchase this driver is running, if any.
    pub(crate) fn running(&self) -> Option<Running> {
        lock(&self.running).clone()
    }
}

/// Clears the running purchase when the purchase call ends, however it ends.
pub(crate) struct RunningGuard<'a>(&'a Mutex<Option<Running>>);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        *lock(self.0) = None;
    }
}
