//! Recovery: find out from the terminal what became of an attempt whose answer was lost.
//!
//! Policy (docs/protocols.md §1.7, §3.1, §4.3):
//! - The window counts from the moment the attempt became *unknown* (`unknown_since`): when
//!   the call gave up, whatever driver, however long the terminal held it; for an attempt
//!   interrupted by a crash, when recovery finds it after the restart (the earliest moment the
//!   app knows). A terminal that cannot be reached does not spend it: once the terminal first
//!   answers an inquiry trustworthily (`answered_since`), the window starts again from that
//!   answer. Ask every `poll_interval` until a final answer or until the window is spent; then
//!   a manager is called.
//! - An attempt interrupted in `created` never left the machine and is refused; one
//!   interrupted in `sending` or `awaiting` may have, so it is treated as unknown.
//! - "No such payment" settles as not charged only when it is the terminal's answer at the
//!   end of a full window of answers — a request still in flight could yet appear.
//! - `needs-manager` is not the end of asking: recovery asks again every
//!   [`RECHECK_INTERVAL`] in the background ([`Service::run_recovery_checks`]), once at every
//!   `kassactl recover` and at every "Ask the terminal again"; the terminal's final answer
//!   settles it (journaled as settled by the terminal after escalation) unless a manager did
//!   first.
//! - An attempt another live process runs (its lease, see `kassa_ledger`) is left alone and
//!   reported as running elsewhere; a dead process's attempt is taken over.

use crate::error::{AppError, AppResult};
use crate::lease::LeaseKeeper;
use crate::Service;
use kassa_core::{
    AttemptState, Countdown, Decline, EventSink, InquiryError, NullSink, PaymentQuery,
    PaymentStatus, Phase, RefundQuery, RefundStatus, RequestId, Terminal, TerminalEvent,
    UnknownReason,
};
use kassa_ledger::{Attempt, AttemptKind, LedgerError, Transition};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;

/// How often attempts that wait for a manager (or stayed unknown) are asked about again in
/// the background: slow, so a terminal is not kept busy by old questions.
pub const RECHECK_INTERVAL: Duration = Duration::from_secs(45);

/// An attempt whose recovery failed; the others went on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RecoveryFailure {
    /// The attempt.
    pub request_id: String,
    /// What went wrong.
    pub message: String,
}

/// What a reconciliation pass did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Attempts examined.
    pub examined: usize,
    /// Settled as succeeded.
    pub succeeded: Vec<String>,
    /// Settled as failed or refused.
    pub failed: Vec<String>,
    /// Handed to a manager, or still unknown.
    pub needs_manager: Vec<String>,
    /// Being run by another live Kassa process on this ledger: left to it.
    pub running_elsewhere: Vec<String>,
    /// Could not be recovered now (logged); they stay as they were.
    pub errors: Vec<RecoveryFailure>,
}

impl RecoveryReport {
    fn count(&mut self, end: &Attempt) {
        let id = end.request_id.clone();
        match end.state {
            AttemptState::Succeeded => self.succeeded.push(id),
            AttemptState::Failed | AttemptState::Refused => self.failed.push(id),
            _ => self.needs_manager.push(id),
        }
    }

    fn failed_on(&mut self, request_id: &str, e: &AppError) {
        match e {
            AppError::Ledger(LedgerError::RunningElsewhere { .. }) => {
                self.running_elsewhere.push(request_id.to_string())
            }
            _ => {
                tracing::error!(request_id, error = %e, "recovery of this attempt failed");
                self.errors.push(RecoveryFailure {
                    request_id: request_id.to_string(),
                    message: e.to_string(),
                });
            }
        }
    }
}

/// Recovery window used when a terminal's driver cannot be built.
const DEFAULT_WINDOW: Duration = Duration::from_secs(180);

enum Verdict {
    Paid(Box<Transition>),
    NotPaid(Decline),
    /// The terminal answered trustworthily but not finally (`not_found`: it has no record).
    Pending {
        not_found: bool,
    },
    /// No trustworthy answer (unreachable, untrustworthy, cannot ask).
    Silent,
}

impl Service {
    /// Start-up reconciliation of every non-final attempt, oldest first, each on its own: an
    /// error on one is logged and reported, the rest go on. Attempts waiting for a manager are
    /// asked about once more; attempts another live process runs are left to it. When it
    /// returns, every terminal is open for sales and refunds again.
    pub async fn recover_all(&self) -> AppResult<RecoveryReport> {
        let mut report = RecoveryReport::default();
        let attempts = match self.ledger.non_final_attempts() {
            Ok(a) => a,
            Err(e) => {
                self.startup_lock().clear();
                return Err(e.into());
            }
        };
        let mut left: HashMap<String, usize> = HashMap::new();
        for a in &attempts {
            *left.entry(a.terminal.clone()).or_default() += 1;
        }
        for a in attempts {
            report.examined += 1;
            let result = if a.state == AttemptState::NeedsManager {
                self.ask_again(&a).await
            } else {
                self.recover_attempt(&a, &NullSink).await
            };
            match result {
                Ok(end) => report.count(&end),
                Err(e) => report.failed_on(&a.request_id, &e),
            }
            let n = left.entry(a.terminal.clone()).or_default();
            *n = n.saturating_sub(1);
            if *n == 0 {
                // This terminal's start-up pass is over: it may take sales and refunds.
                self.startup_lock().remove(&a.terminal);
            }
        }
        self.startup_lock().clear();
        Ok(report)
    }

    /// Asks again, once, about every attempt that waits for a manager or stayed unknown and
    /// that nobody is recovering now (not this process, not another live one). An attempt
    /// left mid-call by a process that has since died (its lease expired) is taken over here
    /// too. What the terminal settles is settled; the rest stays for the next pass or a
    /// manager.
    pub async fn recheck_unresolved(&self) -> AppResult<RecoveryReport> {
        let mut report = RecoveryReport::default();
        for a in self.ledger.non_final_attempts()? {
            if self.recovering_lock().contains(&a.request_id) {
                continue;
            }
            let in_call = matches!(
                a.state,
                AttemptState::Created | AttemptState::Sending | AttemptState::Awaiting
            );
            // This process's own running sale or refund holds the lease: never touched here.
            if in_call && self.ledger.holds_lease(&a.request_id)? {
                continue;
            }
            report.examined += 1;
            match self.ask_again(&a).await {
                Ok(end) => report.count(&end),
                Err(e) => report.failed_on(&a.request_id, &e),
            }
        }
        Ok(report)
    }

    /// Runs [`Service::recheck_unresolved`] every [`RECHECK_INTERVAL`] until `stop` completes
    /// (the desktop app runs it for its whole life).
    pub async fn run_recovery_checks(&self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = self.clock.sleep(RECHECK_INTERVAL) => {}
            }
            match self.recheck_unresolved().await {
                Ok(r) if r.examined > 0 => tracing::info!(
                    examined = r.examined,
                    settled = r.succeeded.len() + r.failed.len(),
                    "background recovery pass"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "background recovery pass failed"),
            }
        }
    }

    /// Drives one attempt to a final state or to `needs-manager`, emitting recovery progress.
    /// An attempt waiting for a manager is asked about once more. Refused with
    /// `RunningElsewhere` when another live process runs it.
    pub async fn recover_attempt(&self, a: &Attempt, events: &dyn EventSink) -> AppResult<Attempt> {
        let rid = a.request_id.clone();
        if !self.recovering_lock().insert(rid.clone()) {
            // Another task of this process is already on it.
            return Ok(a.clone());
        }
        let result = self.recover_claimed(&rid, events, false).await;
        self.recovering_lock().remove(&rid);
        result
    }

    /// One inquiry about an attempt (unknown or waiting for a manager), settling it when the
    /// terminal gives a final answer.
    pub(crate) async fn ask_again(&self, a: &Attempt) -> AppResult<Attempt> {
        let rid = a.request_id.clone();
        if !self.recovering_lock().insert(rid.clone()) {
            return Ok(a.clone());
        }
        let result = self.recover_claimed(&rid, &NullSink, true).await;
        self.recovering_lock().remove(&rid);
        result
    }

    /// Takes the attempt's lease (refused while another live process holds it), then works
    /// from the attempt as the ledger has it now.
    async fn recover_claimed(
        &self,
        rid: &str,
        events: &dyn EventSink,
        once: bool,
    ) -> AppResult<Attempt> {
        let current = self.ledger.claim(rid)?;
        let _lease = LeaseKeeper::keep(self.ledger.clone(), rid);
        let current = match current.state {
            AttemptState::Created => {
                let detail = "interrupted before anything was sent".to_string();
                return self.record(rid, Transition::DiagnoseFailed { detail });
            }
            AttemptState::Sending | AttemptState::Awaiting => {
                // The call's process is gone: the window counts from now, when we learn it.
                let reason = UnknownReason::ConnectionLost("the app stopped mid-attempt".into());
                self.record(rid, Transition::Lost(reason))?
            }
            AttemptState::Unknown => current,
            AttemptState::NeedsManager if once => current,
            AttemptState::NeedsManager => {
                return self.recover_step(&current, events, 1).await;
            }
            _ => return Ok(current),
        };
        let mut tries = 0u32;
        let mut current = current;
        loop {
            tries += 1;
            let end = self.recover_step(&current, events, tries).await?;
            if end.state != AttemptState::Unknown || once {
                return Ok(end);
            }
            current = end;
            let poll = match self.driver(&current.terminal) {
                Ok(d) => d.timing().poll_interval,
                Err(_) => return Ok(current),
            };
            self.clock.sleep(poll).await;
        }
    }

    /// One inquiry and what follows from it: settled, escalated, or still unknown.
    async fn recover_step(
        &self,
        a: &Attempt,
        events: &dyn EventSink,
        tries: u32,
    ) -> AppResult<Attempt> {
        let rid = a.request_id.as_str();
        let driver = match self.driver(&a.terminal) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(request_id = rid, error = %e, "cannot recover: no driver");
                // Without a driver nobody can ask; after the longest vendor window a manager decides.
                return self.escalate_if_window_spent(a, DEFAULT_WINDOW);
            }
        };
        let window = driver.timing().recovery_window;
        events.emit(TerminalEvent {
            request_id: rid.to_string(),
            phase: Phase::Recovering {
                tries,
                elapsed_secs: self.elapsed_since(self.window_start(a)).as_secs(),
                window_secs: window.as_secs(),
            },
            countdown: Countdown::None,
            can_cancel: false,
            vendor_code: String::new(),
        });
        let verdict = self.ask(a, driver.as_ref()).await;
        let not_found = matches!(verdict, Verdict::Pending { not_found: true });
        let a = match verdict {
            Verdict::Paid(t) => return self.record(rid, *t),
            Verdict::NotPaid(d) => return self.record(rid, Transition::Declined(d)),
            Verdict::Pending { .. } => self.ledger.mark_answered(rid)?,
            Verdict::Silent => a.clone(),
        };
        let spent = self.elapsed_since(self.window_start(&a)) >= window;
        if !spent {
            return Ok(a);
        }
        if not_found {
            let d = Decline {
                code: "NOT_FOUND".into(),
                message: "the terminal has no record of this request".into(),
                retryable: true,
            };
            return self.record(rid, Transition::Declined(d));
        }
        if a.state == AttemptState::Unknown {
            tracing::warn!(
                request_id = rid,
                tries,
                "recovery window spent: needs a manager"
            );
            return self.record(rid, Transition::Escalated);
        }
        Ok(a)
    }

    async fn ask(&self, a: &Attempt, driver: &dyn Terminal) -> Verdict {
        let Ok(request_id) = RequestId::parse(&a.request_id) else {
            return Verdict::Silent;
        };
        match a.kind {
            AttemptKind::Payment => {
                let q = PaymentQuery {
                    request_id,
                    amount: a.amount,
                };
                match driver.inquire_payment(&q).await {
                    Ok(PaymentStatus::Succeeded(approval)) => {
                        Verdict::Paid(Box::new(Transition::Approved(approval)))
                    }
                    Ok(PaymentStatus::Failed(d)) => Verdict::NotPaid(d),
                    Ok(PaymentStatus::Pending) => Verdict::Pending { not_found: false },
                    Ok(PaymentStatus::NotFound) => Verdict::Pending { not_found: true },
                    Err(e) => self.silent(a, &e),
                }
            }
            AttemptKind::Refund => {
                let Some(q) = self.refund_query(a) else {
                    return Verdict::Silent;
                };
                match driver.inquire_refund(&q).await {
                    Ok(RefundStatus::Succeeded(r)) => {
                        Verdict::Paid(Box::new(Transition::RefundApproved(r)))
                    }
                    Ok(RefundStatus::Failed(d)) => Verdict::NotPaid(d),
                    Ok(RefundStatus::Pending) => Verdict::Pending { not_found: false },
                    Ok(RefundStatus::NotFound) => Verdict::Pending { not_found: true },
                    Err(e) => self.silent(a, &e),
                }
            }
        }
    }

    fn silent(&self, a: &Attempt, e: &InquiryError) -> Verdict {
        tracing::warn!(request_id = %a.request_id, error = %e, "inquiry gave no usable answer");
        Verdict::Silent
    }

    /// Where the recovery window of an attempt starts: the terminal's first trustworthy answer
    /// after it became unknown, else the moment it became unknown (older rows: sent, then
    /// created).
    fn window_start(&self, a: &Attempt) -> chrono::DateTime<chrono::FixedOffset> {
        let t = a
            .answered_since
            .as_deref()
            .or(a.unknown_since.as_deref())
            .or(a.sent_at.as_deref())
            .unwrap_or(&a.created_at);
        chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|_| self.clock.now())
    }

    fn elapsed_since(&self, t: chrono::DateTime<chrono::FixedOffset>) -> Duration {
        (self.clock.now() - t).to_std().unwrap_or(Duration::ZERO)
    }

    fn escalate_if_window_spent(&self, a: &Attempt, window: Duration) -> AppResult<Attempt> {
        if a.state == AttemptState::Unknown && self.elapsed_since(self.window_start(a)) >= window {
            self.record(&a.request_id, Transition::Escalated)
        } else {
            Ok(a.clone())
        }
    }

    /// Every ledger write of recovery goes through here (one crash point before each).
    fn record(&self, request_id: &str, t: Transition) -> AppResult<Attempt> {
        crash_point!("recovery.before_write");
        Ok(self.ledger.transition(request_id, t)?)
    }

    fn recovering_lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.recovering.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Rebuilds the refund as it was requested, for the driver's inquiry.
    pub(crate) fn refund_query(&self, a: &Attempt) -> Option<RefundQuery> {
        let payment = self
            .ledger
            .payment(a.payment_request_id.as_deref()?)
            .ok()??;
        let request = crate::refunds::refund_request(a, &payment)?;
        Some(RefundQuery {
            request,
            terminal_refund_id: a.terminal_ref.clone(),
        })
    }
}
