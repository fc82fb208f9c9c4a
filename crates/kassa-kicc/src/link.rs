//! One TCP connection to the bridge: a reader task routes each incoming frame to the command
//! it belongs to (by `id`), answers pings, and tells every waiting command when the
//! connection dies. Frames for nobody (late answers) and unknown `type`s are logged and
//! dropped; a line that is not a frame, or is over 64 KiB, ends the connection, because the
//! stream can no longer be trusted.

use crate::codec::{read_frame, write_frame, LineError};
use crate::wire::Frame;
use kassa_core::{Clock, UnknownReason};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::tcp::OwnedWriteHalf;
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

/// A live connection to the bridge.
#[derive(Debug)]
pub(crate) struct Link {
    writer: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
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
    /// Connects within `timeout` of `clock`'s time.
    pub(crate) async fn connect(
        host: &str,
        port: u16,
        timeout: Duration,
        clock: &dyn Clock,
    ) -> Result<Link, String> {
        let stream = tokio::select! {
            r = TcpStream::connect((host, port)) => r.map_err(|e| format!("{host}:{port}: {e}"))?,
            _ = clock.sleep(timeout) => return Err(format!("{host}:{port}: no connection within {timeout:?}")),
        };
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let writer = Arc::new(tokio::sync::Mutex::new(write));
        let routes = Arc::new(Mutex::new(Routes::default()));
        let reader = tokio::spawn(read_loop(
            BufReader::new(read),
            writer.clone(),
            routes.clone(),
        ));
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

    /// Sends one frame. An error means the bytes may or may not have left.
    pub(crate) async fn send(&self, frame: &Frame) -> Result<(), LineError> {
        let mut w = self.writer.lock().await;
        let r = write_frame(&mut *w, frame).await;
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
    mut reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
    routes: Arc<Mutex<Routes>>,
) {
    let mut buf = Vec::new();
    let reason = loop {
        let frame = match read_frame(&mut reader, &mut buf).await {
            Ok(f) => f,
            Err(LineError::Closed) => {
                break UnknownReason::ConnectionLost("the bridge closed the connection".into())
            }
            Err(LineError::Io(e)) => break UnknownReason::ConnectionLost(e.to_string()),
            Err(e @ (LineError::TooLong | LineError::Malformed(_))) => {
                tracing::warn!(error = %e, "unreadable line from the KICC bridge: dropping the connection");
                break UnknownReason::Malformed(e.to_string());
            }
        };
        match &frame {
            Frame::Ping => {
                let mut w = writer.lock().await;
                if let Err(e) = write_frame(&mut *w, &Frame::Pong).await {
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
}
