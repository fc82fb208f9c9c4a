//! A small terminal whose every call plays a scripted step, on the test's manual clock: what
//! the recovery tests need that no simulator can play in virtual time.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use async_trait::async_trait;
use kassa_core::{
    Approval, Capabilities, CardReceipt, Countdown, Decline, Diagnosis, EventSink, InquiryError,
    ManualClock, Money, PayOutcome, PayRequest, PaymentQuery, PaymentStatus, Phase, RefundOutcome,
    RefundQuery, RefundRequest, RefundRule, RefundStatus, RequestError, Terminal, TerminalEvent,
    Timing, UnknownReason,
};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What one pay call does.
#[derive(Debug, Clone)]
pub enum Pay {
    /// `sent()`, then approved.
    Approve,
    /// Approved without ever calling `sent()`.
    ApproveWithoutSent,
    /// `sent()`, the call held this long on the manual clock, then no answer.
    HoldThenLost(Duration),
    /// `sent()`, then a request-phase error: nothing left the machine after all.
    SentThenRefused,
    /// An event ("waiting for card") before anything is sent, then the connection is refused.
    EventThenRefused,
    /// `sent()`, then waits until notified, then approved.
    SentThenWait(Arc<tokio::sync::Notify>),
}

/// What one inquiry answers.
#[derive(Debug, Clone, Copy)]
pub enum Ask {
    Pending,
    NotFound,
    Unreachable,
    Paid,
    PaidWrongAmount,
    Declined,
}

#[derive(Debug)]
pub struct Scripted {
    clock: Arc<ManualClock>,
    timing: Timing,
    pays: Mutex<VecDeque<Pay>>,
    asks: Mutex<VecDeque<Ask>>,
    then: Mutex<Ask>,
    refunds: Mutex<VecDeque<RefundOutcome>>,
    asked: AtomicU32,
}

impl Scripted {
    pub fn new(clock: Arc<ManualClock>, window_secs: u64, poll_secs: u64) -> Scripted {
        Scripted {
            clock,
            timing: Timing {
                diagnose: Duration::from_secs(5),
                pay: Duration::from_secs(150),
                inquiry: Duration::from_secs(5),
                refund: Duration::from_secs(30),
                poll_interval: Duration::from_secs(poll_secs),
                recovery_window: Duration::from_secs(window_secs),
            },
            pays: Mutex::new(VecDeque::new()),
            asks: Mutex::new(VecDeque::new()),
            then: Mutex::new(Ask::Pending),
            refunds: Mutex::new(VecDeque::new()),
            asked: AtomicU32::new(0),
        }
    }

    pub fn pay(&self, p: Pay) {
        self.pays.lock().unwrap().push_back(p);
    }

    /// The next inquiry's answer (before the standing one).
    pub fn ask(&self, a: Ask) {
        self.asks.lock().unwrap().push_back(a);
    }

    /// The answer of every inquiry once the queued ones are used.
    pub fn then(&self, a: Ask) {
        *self.then.lock().unwrap() = a;
    }

    pub fn refund(&self, r: RefundOutcome) {
        self.refunds.lock().unwrap().push_back(r);
    }

    /// Inquiries answered so far.
    pub fn asked(&self) -> u32 {
        self.asked.load(Ordering::SeqCst)
    }

    fn approval(amount: Money, id: &str) -> Approval {
        Approval {
            terminal_payment_id: format!("TP-{id}"),
            amount,
            paid_at: None,
            receipt: CardReceipt::default(),
            vendor_data: serde_json::json!({}),
        }
    }
}

fn event(req: &PayRequest) -> TerminalEvent {
    TerminalEvent {
        request_id: req.request_id.to_string(),
        phase: Phase::WaitingForCard,
        countdown: Countdown::Start(30),
        can_cancel: true,
        vendor_code: "WAIT".into(),
    }
}

#[async_trait]
impl Terminal for Scripted {
    fn kind(&self) -> &'static str {
        "scripted"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            cancel_before_card: false,
            refunds: RefundRule::Partial,
            idempotent_pay: false,
            pay_window_secs: 30,
        }
    }

    fn timing(&self) -> Timing {
        self.timing
    }

    async fn diagnose(&self) -> Result<Diagnosis, RequestError> {
        Ok(Diagnosis {
            ready: true,
            checks: BTreeMap::new(),
            detail: String::new(),
        })
    }

    async fn pay(
        &self,
        req: &PayRequest,
        events: &dyn EventSink,
    ) -> Result<PayOutcome, RequestError> {
        let step = self
            .pays
            .lock()
            .unwrap()
            .pop_front()
            .expect("a scripted pay");
        let approved = || PayOutcome::Approved(Self::approval(req.amount, req.request_id.as_str()));
        match step {
            Pay::Approve => {
                events.sent();
                events.emit(event(req));
                Ok(approved())
            }
            Pay::ApproveWithoutSent => Ok(approved()),
            Pay::HoldThenLost(d) => {
                events.sent();
                self.clock.advance(d);
                Ok(PayOutcome::Unknown {
                    reason: UnknownReason::Timeout,
                })
            }
            Pay::SentThenRefused => {
                events.sent();
                Err(RequestError::Unreachable("connection refused".into()))
            }
            Pay::EventThenRefused => {
                events.emit(event(req));
                Err(RequestError::Unreachable("connection refused".into()))
            }
            Pay::SentThenWait(n) => {
                events.sent();
                n.notified().await;
                Ok(approved())
            }
        }
    }

    async fn inquire_payment(&self, q: &PaymentQuery) -> Result<PaymentStatus, InquiryError> {
        let next = self.asks.lock().unwrap().pop_front();
        let a = next.unwrap_or(*self.then.lock().unwrap());
        if !matches!(a, Ask::Unreachable) {
            self.asked.fetch_add(1, Ordering::SeqCst);
        }
        Ok(match a {
            Ask::Pending => PaymentStatus::Pending,
            Ask::NotFound => PaymentStatus::NotFound,
            Ask::Unreachable => return Err(InquiryError::Unreachable("connection refused".into())),
            Ask::Paid => PaymentStatus::Succeeded(Self::approval(q.amount, q.request_id.as_str())),
            Ask::PaidWrongAmount => {
                let wrong = Money::new(q.amount.minor + 1, q.amount.currency);
                PaymentStatus::Succeeded(Self::approval(wrong, q.request_id.as_str()))
            }
            Ask::Declined => PaymentStatus::Failed(Decline {
                code: "DECLINED".into(),
                message: "card declined".into(),
                retryable: false,
            }),
        })
    }

    async fn refund(&self, _req: &RefundRequest) -> Result<RefundOutcome, RequestError> {
        Ok(self
            .refunds
            .lock()
            .unwrap()
            .pop_front()
            .expect("a scripted refund"))
    }

    async fn inquire_refund(&self, _q: &RefundQuery) -> Result<RefundStatus, InquiryError> {
        let next = self.asks.lock().unwrap().pop_front();
        let a = next.unwrap_or(*self.then.lock().unwrap());
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(match a {
            Ask::NotFound => RefundStatus::NotFound,
            Ask::Unreachable => return Err(InquiryError::Unreachable("connection refused".into())),
            _ => RefundStatus::Pending,
        })
    }
}
