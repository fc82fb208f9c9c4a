//! One authenticated TCP connection to the bridge (docs/protocols.md §3.2): the handshake
//! (`init` with the POS's nonce, `initResult` with the bridge's, both MACed under the pairing
//! key, then the session key both ways), then a reader task that routes each incoming frame to
//! the command it belongs to (by `id`), answers pings, and tells every waiting command when the
//! connection dies. Frames for nobody (late answers) and unknown `type`s are logged and
//! dropped; a line that fails authentication (missing or wrong MAC, not the next sequence
//! number), is not a frame, or is over 64 KiB ends the connection, because the stream can no
//! longer be trusted: whatever command was in flight ends *unknown* and goes to recovery.

use crate::auth::{self, LineKey, Opener, PairingKey, Sealer};
use crate::codec::{frame_json, read_sealed, seal_line, write_line, LineError};
use crate::codes::InitCode;
use crate::wire::{Frame, PROVIDER};
use kassa_core::{Clock, UnknownReason};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

/// What a waiting command receives.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A frame with the command's id.
    Frame(Frame),
    /// The connection ended; nothing more will come.
    Closed(UnknownReason),
    /// A `CommandCancel` for this purchase was accepted by the device.
    CancelAccepted,
}

#[derive(Debug, Default)]
struct Routes {
    closed: Option<UnknownReason>,
    by_id: HashMap<String, mpsc::UnboundedSender<Incoming>>,
    pongs: Vec<oneshot::Sender<()>>,
}

/// Why no link could be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnectError {
    /// No connection, or a handshake that failed or could not be trusted.
    Unreachable(String),
    /// The bridge answered `init` with a code other than `INIT_SUCCESS`.
    Init {
        /// The `initResult` code.
        code: String,
        /// The SDK's message.
        message: String,
    },
}

/// The sending half: lines are numbered and MACed in the order they are written.
#[derive(Debug)]
struct Writer {
    half: OwnedWriteHalf,
    sealer: Sealer,
}

impl Writer {
    async fn send_json(&mut self, json: &[u8]) -> Result<(), LineError> {
        let line = seal_line(&mut self.sealer, json);
        write_line(&mut self.half, &line).await
    }

    async fn send(&mut self, frame: &Frame) -> Result<(), LineError> {
        let json = frame_json(frame)?;
        self.send_json(&json).await
    }
}

/// A live connection to the bridge.
#[derive(Debug)]
pub(crate) struct Link {
    writer: Arc<tokio::sync::Mutex<Writer>>,
    routes: Arc<Mutex<Routes>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn lock(routes: &Mutex<Routes>) -> std::sync::MutexGuard<'_, Routes> {
    routes.lock().unwrap_or_else(|p| p.into_inner())
}

impl Link {
    /// Connects and initialises the SDK for `merchant_id` with the handshake under `key`;
    /// each of the two steps must finish within `timeout` of `clock`'s time.
    pub(crate) async fn connect(
        host: &str,
        port: u16,
        key: &PairingKey,
        merchant_id: &str,
        timeout: Duration,
        clock: &dyn Clock,
    ) -> Result<Link, ConnectError> {
        let unreachable = |m: String| ConnectError::Unreachable(m);
        let stream = tokio::select! {
            r = TcpStream::connect((host, port)) => r.map_err(|e| unreachable(format!("{host}:{port}: {e}")))?,
            _ = clock.sleep(timeout) => return Err(unreachable(format!("{host}:{port}: no connection within {timeout:?}"))),
        };
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let mut reader = BufReader::new(read);
        let mut writer = Writer {
            half: write,
            sealer: Sealer::new(key),
        };
        let mut opener = Opener::new(key);
        let pos_nonce = auth::new_nonce();
        let init_id = uuid::Uuid::new_v4().to_string();
        let init = Frame::Init {
            id: init_id.clone(),
            provider: PROVIDER.into(),
            merchant_id: merchant_id.to_string(),
            nonce: auth::encode_nonce(&pos_nonce),
        };
        let hello = async {
            writer.send(&init).await?;
            let mut buf = Vec::new();
            read_sealed(&mut reader, &mut buf, &mut opener).await
        };
        let answer = tokio::select! {
            r = hello => r,
            _ = clock.sleep(timeout) => return Err(unreachable("no initResult in time".into())),
        };
        let check_key = "check that the pairing key file holds the key this bridge shows";
        let bridge_nonce = match answer {
            Ok(Frame::InitResult {
                id,
                code,
                message,
                nonce,
            }) if id == init_id => {
                if InitCode::parse(&code) != Some(InitCode::InitSuccess) {
                    return Err(ConnectError::Init { code, message });
                }
                auth::decode_nonce(&nonce).ok_or_else(|| {
                    unreachable("the bridge's initResult carries no usable nonce".into())
                })?
            }
            Ok(_) => {
                return Err(unreachable(
                    "the bridge answered init with another line".into(),
                ))
            }
            Err(LineError::Unauthenticated(e)) => {
                tracing::warn!(error = %e, "the KICC bridge's initResult failed authentication");
                return Err(unreachable(format!(
                    "its answer failed authentication ({e}); {check_key}"
                )));
            }
            Err(LineError::Closed) => {
                return Err(unreachable(format!(
                    "it closed the connection during the handshake; {check_key}"
                )))
            }
            Err(e) => {
                return Err(unreachable(format!(
                    "{e} during the handshake; {check_key}"
                )))
            }
        };
        let session = LineKey::session(key, &pos_nonce, &bridge_nonce);
        writer.sealer.rekey(session.clone());
        opener.rekey(session);
        let writer = Arc::new(tokio::sync::Mutex::new(writer));
        let routes = Arc::new(Mutex::new(Routes::default()));
        let reader = tokio::spawn(read_loop(reader, opener, writer.clone(), routes.clone()));
        Ok(Link {
            writer,
            routes,
            reader,
        })
    }

    /// True until the connection is known to be gone.
    pub(crate) fn is_open(&self) -> bool {
        lock(&self.routes).closed.is_none()
    }

    /// Starts listening for frames with `id`; `None` when the connection is already gone.
    pub(crate) fn register(&self, id: &str) -> Option<Route> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut r = lock(&self.routes);
        if r.closed.is_some() {
            return None;
        }
        r.by_id.insert(id.to_string(), tx.clone());
        Some(Route {
            id: id.to_string(),
            tx,
            rx,
            routes: self.routes.clone(),
        })
    }

    /// Waits for the next pong (register before sending the ping).
    pub(crate) fn expect_pong(&self) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        lock(&self.routes).pongs.push(tx);
        rx
    }

    /// Sends one frame. An error other than `TooLong`/`Malformed` (nothing written) means
    /// the bytes may or may not have left.
    pub(crate) async fn send(&self, frame: &Frame) -> Result<(), LineError> {
        self.send_json(&frame_json(frame)?).await
    }

    /// Sends a frame already encoded by [`frame_json`].
    pub(crate) async fn send_json(&self, json: &[u8]) -> Result<(), LineError> {
        let mut w = self.writer.lock().await;
        let r = w.send_json(json).await;
        if let Err(e) = &r {
            close_all(&self.routes, UnknownReason::ConnectionLost(e.to_string()));
        }
        r
    }
}

/// A command's mailbox; unregisters itself when dropped.
#[derive(Debug)]
pub(crate) struct Route {
    id: String,
    tx: mpsc::UnboundedSender<Incoming>,
    rx: mpsc::UnboundedReceiver<Incoming>,
    routes: Arc<Mutex<Routes>>,
}

impl Route {
    /// A mailbox on no connection, for tests of what reads it.
    #[cfg(test)]
    pub(crate) fn detached(id: &str) -> Route {
        let (tx, rx) = mpsc::unbounded_channel();
        Route {
            id: id.to_string(),
            tx,
            rx,
            routes: Arc::new(Mutex::new(Routes::default())),
        }
    }

    /// The next message; `Closed` once the connection is gone.
    pub(crate) async fn recv(&mut self) -> Incoming {
        self.rx
            .recv()
            .await
            .unwrap_or(Incoming::Closed(UnknownReason::ConnectionLost(
                "the link was dropped".into(),
            )))
    }

    /// A handle others (a cancel) can use to post into this mailbox.
    pub(crate) fn poster(&self) -> mpsc::UnboundedSender<Incoming> {
        self.tx.clone()
    }
}

impl Drop for Route {
    fn drop(&mut self) {
        lock(&self.routes).by_id.remove(&self.id);
    }
}

fn close_all(routes: &Mutex<Routes>, reason: UnknownReason) {
    let mut r = lock(routes);
    if r.closed.is_none() {
        r.closed = Some(reason.clone());
    }
    for (_, tx) in r.by_id.drain() {
        let _ = tx.send(Incoming::Closed(reason.clone()));
    }
    r.pongs.clear();
}

fn frame_id(f: &Frame) -> Option<&str> {
    match f {
        Frame::InitResult { id, .. }
        | Frame::Event { id, .. }
        | Frame::Success { id, .. }
        | Frame::CommandFailed { id, .. }
        | Frame::BusinessFailed { id, .. } => Some(id),
        Frame::Init { .. } | Frame::Command { .. } | Frame::Ping | Frame::Pong | Frame::Other => {
            None
        }
    }
}

async fn read_loop(
    mut reader: BufReader<OwnedReadHalf>,
    mut opener: Opener,
    writer: Arc<tokio::sync::Mutex<Writer>>,
    routes: Arc<Mutex<Routes>>,
) {
    let mut buf = Vec::new();
    let reason = loop {
        let frame = match read_sealed(&mut reader, &mut buf, &mut opener).await {
            Ok(f) => f,
            Err(LineError::Closed) => {
                break UnknownReason::ConnectionLost("the bridge closed the connection".into())
            }
            Err(LineError::Io(e)) => break UnknownReason::ConnectionLost(e.to_string()),
            Err(LineError::Unauthenticated(e)) => {
                tracing::warn!(error = %e, "a line from the KICC bridge failed authentication: dropping it and the connection");
                break UnknownReason::BadSignature(format!("KICC bridge line: {e}"));
            }
            Err(e @ (LineError::TooLong | LineError::Malformed(_))) => {
                tracing::warn!(error = %e, "unreadable line from the KICC bridge: dropping the connection");
                break UnknownReason::Malformed(e.to_string());
            }
        };
        match &frame {
            Frame::Ping => {
                let mut w = writer.lock().await;
                if let Err(e) = w.send(&Frame::Pong).await {
                    break UnknownReason::ConnectionLost(e.to_string());
                }
                continue;
            }
            Frame::Pong => {
                for tx in lock(&routes).pongs.drain(..) {
                    let _ = tx.send(());
                }
                continue;
            }
            Frame::Other => {
                tracing::info!("ignoring a bridge frame of an unknown type");
                continue;
            }
            _ => {}
        }
        let Some(id) = frame_id(&frame).map(str::to_string) else {
            tracing::info!("ignoring a POS-side frame sent by the bridge");
            continue;
        };
        let target = lock(&routes).by_id.get(&id).cloned();
        match target {
            Some(tx) => {
                let _ = tx.send(Incoming::Frame(frame));
            }
            None => tracing::info!(
                id,
                "ignoring a bridge frame for no running command (late answer)"
            ),
        }
    };
    close_all(&routes, reason);
    // Close our side too: the bridge (or whoever wrote the bad line) sees the link end.
    let _ = writer.lock().await.half.shutdown().await;
}
