//! Recovery: find out from the terminal what became of an attempt whose answer was lost.
//!
//! Policy (docs/protocols.md §1.7, §3.1, §4.3): ask every `poll_interval` until a final answer or
//! until `recovery_window` after the request was sent; then a manager decides. An attempt
//! interrupted in `created` never left the machine and is refused; one interrupted in
//! `sending` may have, so it is treated as unknown. "No such payment" settles as not charged
//! only once the window is spent — a request still in flight could yet appear.

use crate::error::AppResult;
use crate::Service;
use kassa_core::{
    AttemptState, Countdown, Decline, EventSink, InquiryError, NullSink, PaymentQuery,
    PaymentStatus, Phase, RefundQuery, RefundStatus, RequestId, TerminalEvent, UnknownReason,
};
use kassa_ledger::{Attempt, AttemptKind, Transition};
use serde::Serialize;
use std::time::Duration;

/// What a reconciliation pass did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Attempts examined.
    pub examined: usize,
    /// Settled as succeeded.
    pub succeeded: Vec<String>,
    /// Settled as failed or refused.
    pub failed: Vec<String>,
    /// Handed to a manager (or still running elsewhere).
    pub needs_manager: Vec<String>,
}

/// Recovery window used when a terminal's driver cannot be built.
const DEFAULT_WINDOW: Duration = Duration::from_secs(180);

enum Verdict {
    Paid(Box<Transition>),
    NotPaid(Decline),
    Undecided,
}

impl Service {
    /// Reconciles every non-final attempt, oldest first. Attempts already waiting for a
    /// manager are left to the manager.
    pub async fn recover_all(&self) -> AppResult<RecoveryReport> {
        let mut report = RecoveryReport::default();
        for a in self.ledger.non_final_attempts()? {
            report.examined += 1;
            let end = if a.state == AttemptState::NeedsManager {
                a
            } else {
                self.recover_attempt(&a, &NullSink).await?
            };
            match end.state {
                AttemptState::Succeeded => report.succeeded.push(end.request_id),
                AttemptState::Failed | AttemptState::Refused => report.failed.push(end.request_id),
                _ => report.needs_manager.push(end.request_id),
            }
        }
        Ok(report)
    }

    /// Drives one attempt to a final state or to `needs-manager`, emitting recovery progress.
    pub async fn recover_attempt(&self, a: &Attempt, events: &dyn EventSink) -> AppResult<Attempt> {
        let rid = a.request_id.clone();
        if !self.recovering_lock().insert(rid.clone()) {
            // Another task of this process is already on it.
            return Ok(a.clone());
        }
        let result = self.recover_inner(a, events).await;
        self.recovering_lock().remove(&rid);
        result
    }

    async fn recover_inner(&self, a: &Attempt, events: &dyn EventSink) -> AppResult<Attempt> {
        let rid = a.request_id.as_str();
        let mut current = a.clone();
        match current.state {
            AttemptState::Created => {
                let detail = "interrupted before anything was sent".to_string();
                return self.record(rid, Transition::DiagnoseFailed { detail });
            }
            AttemptState::Sending | AttemptState::Awaiting => {
                let reason = UnknownReason::ConnectionLost("the app stopped mid-attempt".into());
                current = self.record(rid, Transition::Lost(reason))?;
            }
            AttemptState::Unknown => {}
            _ => return Ok(current),
        }
        let driver = match self.driver(&current.terminal) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(request_id = rid, error = %e, "cannot recover: no driver");
                // Without a driver nobody can ask; after the longest vendor window a manager decides.
                return self.escalate_if_window_spent(&current, DEFAULT_WINDOW);
            }
        };
        let timing = driver.timing();
        let started = self.sent_time(&current);
        let mut tries = 0u32;
        let mut last_not_found = false;
        loop {
            tries += 1;
            let elapsed = self.elapsed_since(started);
            events.emit(TerminalEvent {
                request_id: rid.to_string(),
                phase: Phase::Recovering {
                    tries,
                    elapsed_secs: elapsed.as_secs(),
                    window_secs: timing.recovery_window.as_secs(),
                },
                countdown: Countdown::None,
                can_cancel: false,
                vendor_code: String::new(),
            });
            let verdict = self
                .ask(&current, driver.as_ref(), &mut last_not_found)
                .await;
            match verdict {
                Verdict::Paid(t) => return self.record(rid, *t),
                Verdict::NotPaid(d) => return self.record(rid, Transition::Declined(d)),
                Verdict::Undecided => {}
            }
            if self.elapsed_since(started) >= timing.recovery_window {
                if last_not_found {
                    let d = Decline {
                        code: "NOT_FOUND".into(),
                        message: "the terminal has no record of this request".into(),
                        retryable: true,
                    };
                    return self.record(rid, Transition::Declined(d));
                }
                tracing::warn!(
                    request_id = rid,
                    tries,
                    "recovery window spent: needs a manager"
                );
                return self.record(rid, Transition::Escalated);
            }
            self.clock.sleep(timing.poll_interval).await;
        }
    }

    async fn ask(
        &self,
        a: &Attempt,
        driver: &dyn kassa_core::Terminal,
        last_not_found: &mut bool,
    ) -> Verdict {
        *last_not_found = false;
        let Ok(request_id) = RequestId::parse(&a.request_id) else {
            return Verdict::Undecided;
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
                    Ok(PaymentStatus::Pending) => Verdict::Undecided,
                    Ok(PaymentStatus::NotFound) => {
                        *last_not_found = true;
                        Verdict::Undecided
                    }
                    Err(e) => self.undecided(a, &e),
                }
            }
            AttemptKind::Refund => {
                let Some(q) = self.refund_query(a) else {
                    return Verdict::Undecided;
                };
                match driver.inquire_refund(&q).await {
                    Ok(RefundStatus::Succeeded(r)) => {
                        Verdict::Paid(Box::new(Transition::RefundApproved(r)))
                    }
                    Ok(RefundStatus::Failed(d)) => Verdict::NotPaid(d),
                    Ok(RefundStatus::Pending) => Verdict::Undecided,
                    Ok(RefundStatus::NotFound) => {
                        *last_not_found = true;
                        Verdict::Undecided
                    }
                    Err(e) => self.undecided(a, &e),
                }
            }
        }
    }

    fn undecided(&self, a: &Attempt, e: &InquiryError) -> Verdict {
        tracing::warn!(request_id = %a.request_id, error = %e, "inquiry gave no usable answer");
        Verdict::Undecided
    }

    /// When recovery's window started: the attempt's send time, else its creation.
    fn sent_time(&self, a: &Attempt) -> chrono::DateTime<chrono::FixedOffset> {
        let t = a.sent_at.as_deref().unwrap_or(&a.created_at);
        chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|_| self.clock.now())
    }

    fn elapsed_since(&self, t: chrono::DateTime<chrono::FixedOffset>) -> Duration {
        (self.clock.now() - t).to_std().unwrap_or(Duration::ZERO)
    }

    fn escalate_if_window_spent(&self, a: &Attempt, window: Duration) -> AppResult<Attempt> {
        if self.elapsed_since(self.sent_time(a)) >= window {
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
