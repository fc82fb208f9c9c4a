//! The KICC driver's plumbing: the connection to the bridge (connect and `init` on demand,
//! reconnect after a loss), the one-command-at-a-time rule, the never-resend rule, and the
//! running purchase a `CommandCancel` refers to. The [`kassa_core::Terminal`] calls built on
//! it are in `terminal.rs`.

use crate::codec::LineError;
use crate::codes::InitCode;
use crate::config::{ConfigError, KiccConfig};
use crate::exchange::{await_end, End, Progress};
use crate::link::{Incoming, Link, Route};
use crate::rules::{local_wait, wire_timeout_secs};
use crate::wire::{Frame, PROVIDER};
use kassa_core::{Clock, InquiryError, RequestError, UnknownReason};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// A KICC EDC terminal behind its bridge. Cheap to create: it connects on first use.
#[derive(Debug)]
pub struct Kicc {
    pub(crate) cfg: KiccConfig,
    pub(crate) clock: Arc<dyn Clock>,
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
    /// A driver for `cfg`, checked before anything is sent. `clock` measures every timeout.
    pub fn new(cfg: KiccConfig, clock: Arc<dyn Clock>) -> Result<Kicc, ConfigError> {
        cfg.validate()?;
        Ok(Kicc {
            cfg,
            clock,
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
        let link = Link::connect(&self.cfg.host, self.cfg.port, t, &*self.clock)
            .await
            .map_err(|e| {
                LinkError::Unreachable(format!(
                    "cannot reach the KICC bridge ({e}); check the Android device is on, the bridge app runs and the address is right"
                ))
            })?;
        let link = Arc::new(link);
        self.init(&link).await?;
        *slot = Some(link.clone());
        Ok(link)
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

    async fn init(&self, link: &Link) -> Result<(), LinkError> {
        let id = uuid::Uuid::new_v4().to_string();
        let lost =
            |m: String| LinkError::Unreachable(format!("the KICC bridge did not initialise: {m}"));
        let mut route = link
            .register(&id)
            .ok_or_else(|| lost("the connection closed".into()))?;
        let frame = Frame::Init {
            id: id.clone(),
            provider: PROVIDER.into(),
            merchant_id: self.cfg.merchant_id.clone(),
        };
        link.send(&frame).await.map_err(|e| lost(e.to_string()))?;
        let timer = self.clock.sleep(self.cfg.timing.diagnose);
        tokio::pin!(timer);
        loop {
            let msg = tokio::select! {
                biased;
                m = route.recv() => m,
                _ = &mut timer => return Err(lost("no initResult in time".into())),
            };
            let (code, message) = match msg {
                Incoming::Frame(Frame::InitResult { code, message, .. }) => (code, message),
                Incoming::Closed(r) => return Err(lost(r.to_string())),
                Incoming::Frame(_) | Incoming::CancelAccepted => continue,
            };
            return match InitCode::parse(&code) {
                Some(InitCode::InitSuccess) => Ok(()),
                Some(InitCode::InitFailed) => {
                    Err(lost(format!("INIT_FAILED ({message}); check the device, then try again")))
                }
                Some(InitCode::InitParamError) => Err(LinkError::Config(format!(
                    "the KICC bridge rejected the merchant id {:?} (INIT_PARAM_ERROR: {message}); check the settings",
                    self.cfg.merchant_id
                ))),
                None => Err(lost(format!("unrecognised init result {code:?} ({message})"))),
            };
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
    /// before the first byte leaves.
    pub(crate) async fn send_command(
        &self,
        link: &Arc<Link>,
        command: &str,
        params: serde_json::Value,
        device_timeout: Duration,
        request_id: Option<&str>,
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
        let sent = match link.send(&frame).await {
            Ok(()) => Sent::Yes(route),
            Err(e @ (LineError::TooLong | LineError::Malformed(_))) => {
                if let Some(rid) = request_id {
                    lock(&self.sent).remove(rid);
                }
                Sent::No(LinkError::Config(format!(
                    "the {command} request could not be encoded: {e}"
                )))
            }
            Err(e @ (LineError::Io(_) | LineError::Closed)) => {
                Sent::Maybe(UnknownReason::ConnectionLost(e.to_string()))
            }
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
