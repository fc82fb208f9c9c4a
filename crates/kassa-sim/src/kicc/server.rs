//! The bridge side of the protocol on a real TCP socket: accepts POS connections, checks the
//! authenticated `init` and answers it (docs/protocols.md §3.2), answers pings, and hands each
//! command to the device (`purchase` for Purchase and CommandCancel, `refund` for
//! PurchaseCancel, the log for GetLastTransaction). A line from the POS that fails
//! authentication is dropped and the connection closed, as the real bridge does.

use super::device::{to_value, Device, Out, Received, RunningTx, TxRecord};
use super::line::{LineWriter, Then};
use super::purchase::{self, Ctx};
use super::refund;
use super::scenario::{Scenario, SimTiming};
use kassa_kicc::auth::{self, LineKey, Opener, PairingKey};
use kassa_kicc::codec::{read_sealed, LineError};
use kassa_kicc::codes::InitCode;
use kassa_kicc::wire::{
    Frame, CMD_COMMAND_CANCEL, CMD_GET_LAST_TRANSACTION, CMD_PURCHASE, CMD_PURCHASE_CANCEL,
    PROVIDER,
};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::AbortHandle;

/// A running emulated KICC device with its bridge, for tests and the `kassa-sim` binary.
/// Stops (closing every connection) on [`KiccSim::stop`] or when dropped.
#[derive(Debug)]
pub struct KiccSim {
    addr: SocketAddr,
    dev: Arc<Device>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
    key_file: PathBuf,
    /// Holds the key file of [`KiccSim::start`] (removed with it).
    _key_dir: Option<tempfile::TempDir>,
}

impl KiccSim {
    /// Starts on 127.0.0.1 with a free port, running [`Scenario::Happy`] unless told otherwise,
    /// paired with a fresh key written (owner-only) to [`KiccSim::pairing_key_file`].
    pub async fn start(timing: SimTiming) -> std::io::Result<KiccSim> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("kicc-bridge.key");
        write_key_file(&path, &PairingKey::generate())?;
        let mut sim = KiccSim::bind("127.0.0.1:0", timing, Scenario::Happy, &path).await?;
        sim._key_dir = Some(dir);
        Ok(sim)
    }

    /// Starts on `addr` with `default` for every command no scenario was pushed for, paired
    /// with the key in `key_file` (the file the POS is given too).
    pub async fn bind(
        addr: &str,
        timing: SimTiming,
        default: Scenario,
        key_file: &Path,
    ) -> std::io::Result<KiccSim> {
        let key = PairingKey::read_file(key_file)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let dev = Arc::new(Device::new(timing, default));
        let tasks = Arc::new(Mutex::new(Vec::new()));
        let accept = tokio::spawn(accept_loop(listener, dev.clone(), tasks.clone(), key));
        track(&tasks, accept.abort_handle());
        Ok(KiccSim {
            addr,
            dev,
            tasks,
            key_file: key_file.to_path_buf(),
            _key_dir: None,
        })
    }

    /// The file holding the pairing key this bridge shows; give it to the POS.
    pub fn pairing_key_file(&self) -> &Path {
        &self.key_file
    }

    /// Makes every approval carry the same approval number
    /// ([`super::device::REPEATED_APPROVAL`]) and no acquirer serial, as acquirers whose
    /// numbers repeat do.
    pub fn repeat_approval_number(&self, on: bool) {
        self.dev.lock().repeat_approval = on;
    }

    /// Plays a bridge without the pairing key (`true`): it takes any `init` and answers
    /// under a key of its own, which the POS must refuse before it sends anything.
    pub fn set_impostor(&self, impostor: bool) {
        self.dev.lock().impostor = impostor;
    }

    /// Where the bridge listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues `s` for the next Purchase or PurchaseCancel (first in, first used).
    pub fn push_scenario(&self, s: Scenario) {
        self.dev.lock().queue.push_back(s);
    }

    /// The scenario used when the queue is empty.
    pub fn set_default_scenario(&self, s: Scenario) {
        self.dev.lock().default_scenario = s;
    }

    /// Changes how fast the emulated customer and acquirer are.
    pub fn set_timing(&self, t: SimTiming) {
        self.dev.lock().timing = t;
    }

    /// Makes `init` accept only `merchant_id` (others get `INIT_PARAM_ERROR`).
    pub fn require_merchant(&self, merchant_id: &str) {
        self.dev.lock().merchant = Some(merchant_id.to_string());
    }

    /// Leaves pings unanswered (`true`), as a frozen bridge app would: diagnosis then reports
    /// the terminal not ready.
    pub fn set_ping_silent(&self, silent: bool) {
        self.dev.lock().ping_silent = silent;
    }

    /// Closes every open connection, as a restarted bridge app would; the device keeps its
    /// state and a running purchase goes on.
    pub fn disconnect_all(&self) {
        for c in self.dev.lock().conns.drain(..) {
            let _ = c.send(Out::Close);
        }
    }

    /// Every Purchase and PurchaseCancel the device processed, oldest first.
    pub fn transactions(&self) -> Vec<TxRecord> {
        self.dev.lock().log.clone()
    }

    /// Every command received, oldest first.
    pub fn commands(&self) -> Vec<Received> {
        self.dev.lock().received.clone()
    }

    /// Stops listening and closes every connection.
    pub async fn stop(self) {
        // Drop does the work; this makes the end of a test explicit.
    }
}

impl Drop for KiccSim {
    fn drop(&mut self) {
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Keeps `h` to abort on stop, forgetting tasks that already ended.
fn track(tasks: &Mutex<Vec<AbortHandle>>, h: AbortHandle) {
    let mut t = lock(tasks);
    t.retain(|h| !h.is_finished());
    t.push(h);
}

/// Writes `key` as the bridge shows it (base32) to a new owner-only file.
pub fn write_key_file(path: &Path, key: &PairingKey) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    std::io::Write::write_all(&mut f, format!("{}\n", key.to_base32().expose()).as_bytes())?;
    f.sync_all()
}

async fn accept_loop(
    listener: TcpListener,
    dev: Arc<Device>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
    key: PairingKey,
) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                tracing::info!(%peer, "KICC bridge: POS connected");
                let t = tokio::spawn(serve(stream, dev.clone(), tasks.clone(), key.clone()));
                track(&tasks, t.abort_handle());
            }
            Err(e) => tracing::warn!(error = %e, "KICC bridge: accept failed"),
        }
    }
}

async fn serve(
    stream: TcpStream,
    dev: Arc<Device>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
    key: PairingKey,
) {
    // An impostor has a key of its own: its lines cannot be checked by the POS.
    let key = if dev.lock().impostor {
        PairingKey::generate()
    } else {
        key
    };
    let (read, mut write) = stream.into_split();
    let (out, mut rx) = mpsc::unbounded_channel::<Out>();
    {
        let mut st = dev.lock();
        st.conns.retain(|c| !c.is_closed());
        st.conns.push(out.clone());
    }
    let (closed_tx, mut closed) = oneshot::channel::<()>();
    let mut lines = LineWriter::new(key.clone());
    let writer = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            let (bytes, close) = match lines.render(msg) {
                Then::Write(b) => (b, false),
                Then::WriteAndClose(b) => (b, true),
            };
            if write.write_all(&bytes).await.is_err() || write.flush().await.is_err() || close {
                break;
            }
        }
        let _ = write.shutdown().await;
        let _ = closed_tx.send(());
    });
    track(&tasks, writer.abort_handle());
    let mut reader = BufReader::new(read);
    let mut buf = Vec::new();
    let mut opener = Opener::new(&key);
    let mut initialised = None;
    loop {
        let frame = tokio::select! {
            f = next_line(&mut reader, &mut buf, &mut opener, &dev, initialised.is_none()) => f,
            _ = &mut closed => break,
        };
        match frame {
            Ok(Frame::Init {
                id,
                provider,
                merchant_id,
                nonce,
            }) if initialised.is_none() => {
                let Some(session) = init(&dev, &out, &key, id, &provider, &merchant_id, &nonce)
                else {
                    tracing::warn!("KICC bridge: an init without a usable nonce: closing");
                    let _ = out.send(Out::Close);
                    break;
                };
                opener.rekey(session.1);
                initialised = Some(session.0);
            }
            Ok(_) if initialised.is_none() => {
                tracing::warn!("KICC bridge: the first line is not init: closing");
                let _ = out.send(Out::Close);
                break;
            }
            Ok(f) => handle(f, &dev, &out, &tasks, initialised == Some(true)),
            Err(LineError::Malformed(e)) => {
                tracing::warn!(error = e, "KICC bridge: ignoring a bad line")
            }
            Err(LineError::Unauthenticated(e)) => {
                tracing::warn!(error = %e, "KICC bridge: a line failed authentication: dropping it and the connection");
                let _ = out.send(Out::Close);
                break;
            }
            Err(e) => {
                tracing::info!(error = %e, "KICC bridge: POS connection ended");
                break;
            }
        }
    }
}

/// The next line's frame; an impostor reads the first line without checking it.
async fn next_line(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    buf: &mut Vec<u8>,
    opener: &mut Opener,
    dev: &Device,
    first: bool,
) -> Result<Frame, LineError> {
    if first && dev.lock().impostor {
        kassa_kicc::codec::read_line_limited(reader, buf, kassa_kicc::wire::MAX_LINE).await?;
        let json = buf.splitn(3, |b| *b == b' ').nth(2).unwrap_or_default();
        return kassa_kicc::codec::parse_frame(json);
    }
    read_sealed(reader, buf, opener).await
}

/// Answers a checked `init`: `initResult` under the pairing key with the bridge's nonce, then
/// the session key both ways. `None` when the POS's nonce is unusable; else whether the SDK
/// initialised and the session key.
fn init(
    dev: &Device,
    out: &mpsc::UnboundedSender<Out>,
    key: &PairingKey,
    id: String,
    provider: &str,
    merchant_id: &str,
    nonce: &str,
) -> Option<(bool, LineKey)> {
    let pos_nonce = auth::decode_nonce(nonce)?;
    let bridge_nonce = auth::new_nonce();
    let session = LineKey::session(key, &pos_nonce, &bridge_nonce);
    let expected = dev.lock().merchant.clone();
    let ok = provider == PROVIDER
        && !merchant_id.trim().is_empty()
        && expected.is_none_or(|m| m == merchant_id);
    let code = if ok {
        InitCode::InitSuccess
    } else {
        InitCode::InitParamError
    };
    let answer = Frame::InitResult {
        id,
        code: code.as_str().into(),
        message: String::new(),
        nonce: auth::encode_nonce(&bridge_nonce),
    };
    let _ = out.send(Out::Handshake(answer, session.clone()));
    Some((ok, session))
}

fn handle(
    f: Frame,
    dev: &Arc<Device>,
    out: &mpsc::UnboundedSender<Out>,
    tasks: &Arc<Mutex<Vec<AbortHandle>>>,
    initialised: bool,
) {
    let send = |f: Frame| {
        let _ = out.send(Out::Frame(f));
    };
    match f {
        Frame::Init { id, .. } => send(failed(
            id,
            "CommandInvalid",
            "The SDK is already initialised on this connection",
        )),
        Frame::Ping => {
            if !dev.lock().ping_silent {
                send(Frame::Pong)
            }
        }
        Frame::Command {
            id,
            command,
            params,
            timeout_seconds,
        } => {
            dev.lock().received.push(Received {
                command: command.clone(),
                params: params.clone(),
                timeout_seconds,
            });
            if !initialised {
                return send(failed(
                    id,
                    "CommandInvalid",
                    "Call init before sending commands",
                ));
            }
            match command.as_str() {
                CMD_PURCHASE => start_purchase(dev, out, tasks, id, params),
                CMD_COMMAND_CANCEL => purchase::command_cancel(dev, out, id),
                CMD_PURCHASE_CANCEL => {
                    if let Some(t) = refund::start(dev, out, id, params) {
                        track(tasks, t);
                    }
                }
                CMD_GET_LAST_TRANSACTION => send(last_transaction(dev, id)),
                other => send(failed(
                    id,
                    "CommandNotSupport",
                    &format!("{other} is not a KICC command"),
                )),
            }
        }
        Frame::Pong | Frame::Other => {}
        Frame::InitResult { .. }
        | Frame::Event { .. }
        | Frame::Success { .. }
        | Frame::CommandFailed { .. }
        | Frame::BusinessFailed { .. } => {
            tracing::info!("KICC bridge: ignoring a device-side frame from the POS")
        }
    }
}

/// A `commandFailed` frame.
pub(crate) fn failed(id: String, code: &str, message: &str) -> Frame {
    Frame::CommandFailed {
        id,
        error_code: code.into(),
        error_message: message.into(),
    }
}

/// A `businessFailed` frame with only a result.
pub(crate) fn business(id: String, request_id: &str, code: &str, message: &str) -> Frame {
    Frame::BusinessFailed {
        id,
        response_data: serde_json::json!({
            "requestId": request_id,
            "result": {"resultCode": code, "resultMessage": message},
            "acquirerInfo": {}
        }),
    }
}

fn start_purchase(
    dev: &Arc<Device>,
    out: &mpsc::UnboundedSender<Out>,
    tasks: &Arc<Mutex<Vec<AbortHandle>>>,
    id: String,
    params: Value,
) {
    let send = |f: Frame| {
        let _ = out.send(Out::Frame(f));
    };
    let mut st = dev.lock();
    if st.is_busy() {
        return send(failed(
            id,
            "CommandDeviceBusy",
            "The device is executing another command",
        ));
    }
    let scenario = st.next_scenario();
    if scenario == Scenario::Busy {
        return send(failed(
            id,
            "CommandDeviceBusy",
            "The device is executing another command",
        ));
    }
    let (asked, expiry) = match refund::asked_purchase(&params) {
        Ok(a) => a,
        Err(m) => {
            let rid = params
                .get("requestId")
                .and_then(Value::as_str)
                .unwrap_or("");
            return send(business(id, rid, "PARAM_ILLEGAL", &m));
        }
    };
    if !st.seen.insert(asked.request_id.clone()) {
        let m = "There is an existing order with the same requestId";
        return send(business(id, &asked.request_id, "REPEAT_REQ_REJECT", m));
    }
    let (wake, refused) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    st.running = Some(RunningTx {
        command_id: id.clone(),
        out: out.clone(),
        card_read: false,
        cancelled: false,
        wake: wake.clone(),
        refused: refused.clone(),
    });
    let ctx = Ctx {
        dev: dev.clone(),
        out: out.clone(),
        id,
        timing: st.timing,
        wake,
        refused,
    };
    drop(st);
    let t = tokio::spawn(purchase::run(ctx, asked, scenario, expiry));
    track(tasks, t.abort_handle());
}

fn last_transaction(dev: &Device, id: String) -> Frame {
    let st = dev.lock();
    if st.is_busy() {
        return failed(
            id,
            "CommandDeviceBusy",
            "The device is executing another command",
        );
    }
    match st.last() {
        Some(tx) => {
            let mut r = tx.response.clone();
            r.response_command = Some(tx.command.to_string());
            Frame::Success {
                id,
                response_data: to_value(&r),
            }
        }
        None => business(id, "", "PROCESS_FAIL", "No transaction on this device yet"),
    }
}
