//! [`UsbTransport`]: the N950 [`Transport`] over the accessory link.
//!
//! libusb calls block, so the link lives on its own thread (`kassa-usb`), which takes one job
//! at a time from a channel; the async side waits for the answer on a oneshot and never
//! touches USB itself. One request is in flight at a time (an async mutex holds the turn for the
//! whole call). The link is opened on first use and reopened after the terminal went away — an
//! unplug surfaces as [`NoAnswer::ConnectionLost`] for the call that was running, and the next
//! call (recovery's inquiry) finds the terminal again, switching it back into accessory mode.
//!
//! The sent moment: once the link is open, the thread tells the async side it is about to
//! write and waits for its go-ahead; the async side calls `on_sent` then answers. A caller
//! that has gone by then never gets its request written (it is [`TransportError::NotSent`]).
//!
//! Every call travels over the cable, refunds included (docs/protocols.md §1.6: a refund
//! carries `originalMerchantRefundId` there). The optional [`LanTransport`] to the same
//! terminal is the [`Transport::refund_fallback`] the driver uses when the terminal refuses a
//! refund over USB.

use super::backend::UsbBackend;
use super::discovery::{connect, Selector};
use super::frame::{Frame, FrameKind};
use super::link::{Link, LinkError};
use super::UsbOptions;
use crate::lan::LanTransport;
use crate::transport::{
    header, InboundResponse, NoAnswer, OnSent, OutboundRequest, Transport, TransportError,
};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, Mutex};

const QUEUED: u8 = 0;
const STARTED: u8 = 1;
const ABANDONED: u8 = 2;

/// The `path` field of a frame header.
pub const PATH: &str = "path";

type Answer = Result<InboundResponse, TransportError>;

struct Job {
    request: OutboundRequest,
    timeout: Duration,
    state: Arc<AtomicU8>,
    reply: oneshot::Sender<Answer>,
    /// "The link is open, about to write": one message per write the thread is ready for.
    writing: tokio::sync::mpsc::UnboundedSender<()>,
    /// The caller's go-ahead, sent after its `on_sent`; dropped if the caller has gone.
    go: mpsc::Receiver<()>,
}

impl Job {
    /// Asks the caller whether to write now; `false` when it has gone (nothing is written).
    fn may_write(&self) -> bool {
        self.writing.send(()).is_ok() && self.go.recv_timeout(self.timeout).is_ok()
    }
}

/// An N950 on USB (Android Open Accessory), with an optional LAN path for refunds.
#[derive(Debug)]
pub struct UsbTransport {
    jobs: mpsc::Sender<Job>,
    turn: Mutex<()>,
    lan: Option<LanTransport>,
    opts: UsbOptions,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("path", &self.request.path)
            .finish_non_exhaustive()
    }
}

impl UsbTransport {
    /// Starts the USB thread (it opens nothing until the first call). `lan` carries refunds.
    pub fn new(
        backend: Arc<dyn UsbBackend>,
        selector: Selector,
        opts: UsbOptions,
        lan: Option<LanTransport>,
    ) -> Result<UsbTransport, String> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let mut worker = Worker {
            backend,
            selector,
            opts: opts.clone(),
            link: None,
            seq: 0,
        };
        std::thread::Builder::new()
            .name("kassa-usb".into())
            .spawn(move || worker.run(rx))
            .map_err(|e| format!("the USB thread could not start: {e}"))?;
        Ok(UsbTransport {
            jobs,
            turn: Mutex::new(()),
            lan,
            opts,
        })
    }

    /// The LAN transport refunds fall back to, if any.
    pub fn lan(&self) -> Option<&LanTransport> {
        self.lan.as_ref()
    }
}

#[async_trait]
impl Transport for UsbTransport {
    fn kind(&self) -> &'static str {
        "antom-usb"
    }

    fn is_cable(&self) -> bool {
        true
    }

    fn refund_fallback(&self) -> Option<&dyn Transport> {
        self.lan.as_ref().map(|lan| lan as &dyn Transport)
    }

    async fn send(&self, request: &OutboundRequest, timeout: Duration) -> Answer {
        self.deliver(request, timeout, &|| {}).await
    }

    async fn deliver(
        &self,
        request: &OutboundRequest,
        timeout: Duration,
        on_sent: OnSent<'_>,
    ) -> Answer {
        let _turn = self.turn.lock().await;
        let state = Arc::new(AtomicU8::new(QUEUED));
        let (reply, mut answer) = oneshot::channel();
        let (writing_tx, mut writing) = tokio::sync::mpsc::unbounded_channel();
        let (go_tx, go) = mpsc::channel();
        let job = Job {
            request: request.clone(),
            timeout,
            state: state.clone(),
            reply,
            writing: writing_tx,
            go,
        };
        if self.jobs.send(job).is_err() {
            return Err(TransportError::NotSent("the USB thread has stopped".into()));
        }
        let announced = std::sync::atomic::AtomicBool::new(false);
        let exchange = async {
            loop {
                tokio::select! {
                    Some(()) = writing.recv() => {
                        // A reconnect after a stale link asks again: `on_sent` runs once.
                        if !announced.swap(true, Ordering::SeqCst) {
                            on_sent();
                        }
                        let _ = go_tx.send(());
                    }
                    got = &mut answer => return got,
                }
            }
        };
        // The thread bounds its own work; this only guards against a wedged USB stack.
        let guard = timeout + self.opts.setup_budget();
        match tokio::time::timeout(guard, exchange).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) | Err(_) => {
                let abandoned = state
                    .compare_exchange(QUEUED, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
                if abandoned || !announced.load(Ordering::SeqCst) {
                    Err(TransportError::NotSent(
                        "the USB link did not take the request in time".into(),
                    ))
                } else {
                    Err(TransportError::NoAnswer(NoAnswer::Timeout))
                }
            }
        }
    }
}

/// The USB thread's state: the open link, if any, and the frame counter.
struct Worker {
    backend: Arc<dyn UsbBackend>,
    selector: Selector,
    opts: UsbOptions,
    link: Option<Link>,
    seq: u32,
}

impl Worker {
    fn run(&mut self, jobs: mpsc::Receiver<Job>) {
        while let Ok(job) = jobs.recv() {
            let claimed = job
                .state
                .compare_exchange(QUEUED, STARTED, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok();
            if !claimed {
                continue;
            }
            let answer = self.serve(&job);
            // The caller may have gone; the answer is then of no use to anyone.
            let _ = job.reply.send(answer);
        }
        tracing::debug!("usb thread ends: the transport was dropped");
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn serve(&mut self, job: &Job) -> Answer {
        let reused = self.link.is_some();
        match self.send_once(job) {
            // The link died while idle (unplugged or re-plugged since): nothing was sent, so
            // finding the terminal again and sending once more is safe.
            Err(TransportError::NotSent(why)) if reused && self.link.is_none() => {
                tracing::info!(error = %why, "usb link went stale, reconnecting");
                self.send_once(job)
            }
            other => other,
        }
    }

    fn send_once(&mut self, job: &Job) -> Answer {
        let (request, timeout) = (&job.request, job.timeout);
        let mut link = match self.link.take() {
            Some(link) => link,
            None => {
                let seq = self.next_seq();
                connect(self.backend.as_ref(), &self.selector, &self.opts, seq).map_err(|e| {
                    tracing::warn!(error = %e, "usb terminal not reachable");
                    TransportError::NotSent(e.to_string())
                })?
            }
        };
        if !job.may_write() {
            self.link = Some(link);
            return Err(TransportError::NotSent(
                "the caller stopped waiting before the request was written".into(),
            ));
        }
        let seq = self.next_seq();
        let frame = request_frame(request, seq);
        let result = link.exchange(&frame, FrameKind::Response, Instant::now() + timeout);
        let label = link.label().clone();
        if !link.is_broken() {
            self.link = Some(link);
        }
        match result {
            Ok(answer) => Ok(inbound(answer)),
            Err(LinkError::NotSent(why)) => Err(TransportError::NotSent(format!("{label}: {why}"))),
            Err(LinkError::Timeout) => Err(TransportError::NoAnswer(NoAnswer::Timeout)),
            Err(LinkError::Lost(why)) => {
                Err(TransportError::NoAnswer(NoAnswer::ConnectionLost(why)))
            }
        }
    }
}

/// The request frame: the LAN headers in the frame header, the body as is.
pub fn request_frame(request: &OutboundRequest, seq: u32) -> Frame {
    let header = BTreeMap::from([
        (PATH.to_string(), request.path.clone()),
        (header::CLIENT_ID.to_string(), request.client_id.clone()),
        (
            header::REQUEST_TIME.to_string(),
            request.request_time.clone(),
        ),
        (header::SIGNATURE.to_string(), request.signature.clone()),
        (header::ENCRYPT.to_string(), request.encrypt.clone()),
        (
            header::CONTENT_TYPE.to_string(),
            header::JSON_UTF8.to_string(),
        ),
    ]);
    Frame {
        kind: FrameKind::Request,
        seq,
        header,
        body: request.body.clone(),
    }
}

/// A response frame as the driver reads answers: its header fields as headers, status 200.
fn inbound(frame: Frame) -> InboundResponse {
    InboundResponse {
        status: 200,
        headers: frame.header.into_iter().collect(),
        body: frame.body,
    }
}
