//! Refunds and a manager's settlements. Limits come from the ledger (counting refunds whose
//! outcome is still unknown) and the terminal's rules; both are checked before anything is
//! sent. Every action here is audited.

use crate::checkout::PaymentReport;
use crate::error::{AppError, AppResult};
use crate::Service;
use kassa_core::{
    AttemptState, Decline, Money, PaymentRef, RefundOutcome, RefundRequest, RefundRule, RequestId,
};
use kassa_ledger::{Attempt, NewRefundAttempt, Payment, Transition};
use serde::Serialize;

/// A refund a manager asks for.
#[derive(Debug, Clone)]
pub struct RefundCommand {
    /// Order id, payment request id or the terminal's payment id.
    pub payment: String,
    /// Amount in minor units; `None` = everything still refundable.
    pub amount_minor: Option<i64>,
    /// Why, as the manager typed it.
    pub reason: String,
    /// Who asks (audited).
    pub actor: String,
}

/// A refund already done on the terminal itself, to be recorded.
#[derive(Debug, Clone)]
pub struct ManualRefund {
    /// Order id, payment request id or the terminal's payment id.
    pub payment: String,
    /// Amount in minor units; `None` = everything still refundable.
    pub amount_minor: Option<i64>,
    /// The terminal's reference for the refund.
    pub terminal_ref: String,
    /// Why.
    pub reason: String,
    /// Who records it (audited).
    pub actor: String,
}

/// The outcome of a refund.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RefundReport {
    /// The refund's request id.
    pub refund_request_id: String,
    /// The payment refunded (its request id).
    pub payment_request_id: String,
    /// The order.
    pub order_id: String,
    /// Where the refund ended.
    pub status: AttemptState,
    /// The terminal's refund id, when known.
    pub refund_id: Option<String>,
    /// Amount in major units.
    pub amount: String,
    /// Currency code.
    pub currency: String,
    /// Still refundable afterwards, in major units.
    pub refundable_after: String,
    /// The terminal's decline, if any.
    pub decline: Option<Decline>,
    /// What the manager should do now.
    pub message: String,
}

/// The refund request a driver needs, rebuilt from the ledger.
pub(crate) fn refund_request(a: &Attempt, p: &Payment) -> Option<RefundRequest> {
    Some(RefundRequest {
        refund_request_id: RequestId::parse(&a.request_id).ok()?,
        payment: PaymentRef {
            request_id: RequestId::parse(&p.request_id).ok()?,
            terminal_payment_id: p.terminal_payment_id.clone(),
            amount: p.amount,
            vendor_data: p.vendor_data.clone(),
        },
        amount: a.amount,
        reason: a.reason.clone().unwrap_or_default(),
    })
}

/// The sentence a manager sees for a refund. "Nothing was refunded" is said only where it is
/// proven: the terminal declined it, it never left the machine, or the terminal had no record
/// of it for a whole recovery window (all `failed`); an outcome that is not known says so and
/// keeps the amount reserved.
pub(crate) fn refund_message(
    state: AttemptState,
    decline: Option<&Decline>,
    reason: Option<&str>,
) -> String {
    match state {
        AttemptState::Succeeded => "Refunded.".to_string(),
        AttemptState::Failed => {
            let why = match decline {
                Some(d) if !d.message.trim().is_empty() && !d.code.trim().is_empty() => {
                    format!("Refund refused: {} ({}).", d.message.trim(), d.code.trim())
                }
                Some(d) if !d.message.trim().is_empty() => {
                    format!("Refund refused: {}.", d.message.trim())
                }
                Some(d) if !d.code.trim().is_empty() => {
                    format!("Refund refused by the terminal ({}).", d.code.trim())
                }
                Some(_) => "Refund refused by the terminal.".to_string(),
                None => match reason {
                    Some(r) if !r.trim().is_empty() => format!("Refund not sent: {}.", r.trim()),
                    _ => "Refund not done.".to_string(),
                },
            };
            format!("{why} Nothing was refunded.")
        }
        AttemptState::Refused => "Refund not sent: the terminal was not ready. Nothing was \
             refunded; check the terminal and try again."
            .to_string(),
        AttemptState::NeedsManager | AttemptState::Unknown => {
            "Refund outcome unknown: check the terminal and settle it with `kassactl \
             resolve`. Its amount stays reserved until then."
                .to_string()
        }
        AttemptState::Created | AttemptState::Sending | AttemptState::Awaiting => {
            "Refund in progress: its amount stays reserved until the terminal answers.".to_string()
        }
    }
}

impl Service {
    /// Finds a payment by order id, payment request id or terminal payment id.
    pub fn find_payment(&self, key: &str) -> AppResult<Payment> {
        self.ledger.payment(key)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "no successful payment matches {key:?}: give an order id, a payment request id \
                 or the terminal's payment id (see `kassactl orders`)"
            ))
        })
    }

    fn refund_amount(&self, p: &Payment, amount_minor: Option<i64>) -> AppResult<Money> {
        let refundable = self.ledger.refundable(&p.request_id)?;
        let amount = match amount_minor {
            Some(m) => Money::new(m, p.amount.currency),
            None => refundable,
        };
        if amount.minor <= 0 {
            return Err(AppError::Usage(format!(
                "nothing to refund: {} is still refundable on payment {}",
                refundable, p.request_id
            )));
        }
        Ok(amount)
    }

    /// Refunds through the terminal, within the ledger's limits and the terminal's rules.
    pub async fn refund(&self, cmd: RefundCommand) -> AppResult<RefundReport> {
        let p = self.find_payment(&cmd.payment)?;
        self.refuse_before_startup_recovery(&p.terminal)?;
        let driver = self.driver(&p.terminal)?;
        let amount = self.refund_amount(&p, cmd.amount_minor)?;
        let full = amount == p.amount;
        let rule = driver.capabilities().refunds;
        match rule {
            RefundRule::ManualOnly => {
                let on = match driver.kind() {
                    crate::registry::IOTPAY => "the PAX terminal",
                    _ => "the terminal itself",
                };
                return Err(AppError::Conflict(format!(
                    "terminal {:?} cannot refund through its API: a manager refunds on {on}, \
                     then records it here with `kassactl refund --payment {} --terminal-ref REF` \
                     (REF: the terminal's reference for the refund)",
                    p.terminal, p.request_id
                )));
            }
            RefundRule::FullOnly if !full => {
                return Err(AppError::Conflict(format!(
                    "terminal {:?} only refunds a whole payment ({}); a partial refund must be \
                     done on the terminal by a store manager and recorded here",
                    p.terminal, p.amount
                )))
            }
            RefundRule::FullOnly | RefundRule::FullOrOnePartial | RefundRule::Partial => {}
        }
        let attempt = self.ledger.begin_refund_attempt(&NewRefundAttempt {
            request_id: self.ids.next("R"),
            payment_request_id: p.request_id.clone(),
            terminal: p.terminal.clone(),
            amount,
            reason: cmd.reason.clone(),
            actor: cmd.actor.clone(),
            one_partial_only: rule == RefundRule::FullOrOnePartial,
        })?;
        let rid = attempt.request_id.clone();
        let _lease = crate::lease::LeaseKeeper::keep(self.ledger.clone(), &rid);
        crash_point!("refund.after_attempt_commit");
        self.ledger.audit(
            &cmd.actor,
            "refund",
            &serde_json::json!({"refund_request_id": rid, "payment_request_id": p.request_id,
                "amount": amount.to_major_string(), "currency": amount.currency.code(),
                "reason": cmd.reason}),
        )?;
        let Some(req) = refund_request(&attempt, &p) else {
            let detail = "the stored payment ids are not valid request ids".to_string();
            self.ledger
                .transition(&rid, Transition::DiagnoseFailed { detail })?;
            return Err(AppError::Config(
                "the payment's stored ids are not valid".into(),
            ));
        };
        // Committed as `sending` before the refund goes out.
        self.ledger.transition(&rid, Transition::DiagnosedOk)?;
        crash_point!("refund.after_sending_commit");
        let answer = driver.refund(&req).await;
        crash_point!("refund.after_answer");
        let end = match answer {
            Err(e) => self.ledger.transition(
                &rid,
                Transition::RequestFailed {
                    detail: e.to_string(),
                },
            )?,
            Ok(RefundOutcome::Approved(r)) => self
                .ledger
                .transition(&rid, Transition::RefundApproved(r))?,
            Ok(RefundOutcome::Declined(d)) => {
                self.ledger.transition(&rid, Transition::Declined(d))?
            }
            Ok(RefundOutcome::Unknown {
                reason,
                terminal_refund_id,
            }) => {
                if let Some(r) = terminal_refund_id {
                    self.ledger.set_terminal_ref(&rid, &r)?;
                }
                let a = self.ledger.transition(&rid, Transition::Lost(reason))?;
                crash_point!("refund.after_outcome_commit");
                self.recover_attempt(&a, &kassa_core::NullSink).await?
            }
        };
        crash_point!("refund.after_outcome_commit");
        self.auto_print_after(&end);
        self.refund_report(&end)
    }

    /// Records a refund a manager did on the terminal itself (terminals without a refund API,
    /// or partial refunds the API does not allow), with the terminal's reference.
    pub fn record_manual_refund(&self, m: ManualRefund) -> AppResult<RefundReport> {
        if m.terminal_ref.trim().is_empty() {
            return Err(AppError::Usage(
                "give the terminal's reference for the refund (--terminal-ref)".into(),
            ));
        }
        let p = self.find_payment(&m.payment)?;
        self.refuse_before_startup_recovery(&p.terminal)?;
        let amount = self.refund_amount(&p, m.amount_minor)?;
        let end = self.ledger.record_manual_refund(
            &NewRefundAttempt {
                request_id: self.ids.next("R"),
                payment_request_id: p.request_id.clone(),
                terminal: p.terminal.clone(),
                amount,
                reason: m.reason.clone(),
                actor: m.actor.clone(),
                one_partial_only: false,
            },
            &m.terminal_ref,
            &m.reason,
        )?;
        self.auto_print_after(&end);
        self.refund_report(&end)
    }

    /// A manager settles an attempt recovery could not prove, from what the terminal shows.
    pub fn resolve(
        &self,
        request_id: &str,
        paid: bool,
        terminal_ref: Option<String>,
        evidence: String,
        actor: &str,
    ) -> AppResult<PaymentReport> {
        let a = self
            .ledger
            .attempt(request_id)?
            .ok_or_else(|| AppError::NotFound(format!("no attempt {request_id:?}")))?;
        if paid && terminal_ref.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(AppError::Usage(
                "to confirm a payment, give the terminal's reference shown on its screen or slip"
                    .into(),
            ));
        }
        if evidence.trim().is_empty() {
            return Err(AppError::Usage(
                "describe what the terminal shows (the evidence) before settling".into(),
            ));
        }
        let end = self.ledger.transition(
            &a.request_id,
            Transition::ManagerResolved {
                paid,
                actor: actor.to_string(),
                evidence,
                terminal_ref,
            },
        )?;
        self.report_for(&end)
    }

    fn refund_report(&self, a: &Attempt) -> AppResult<RefundReport> {
        let pid = a.payment_request_id.clone().unwrap_or_default();
        let refundable = self.ledger.refundable(&pid)?;
        let decline = crate::checkout::decline_of(a);
        let message = refund_message(a.state, decline.as_ref(), a.reason.as_deref());
        Ok(RefundReport {
            refund_request_id: a.request_id.clone(),
            payment_request_id: pid,
            order_id: a.order_id.clone(),
            status: a.state,
            refund_id: a.terminal_ref.clone(),
            amount: a.amount.to_major_string(),
            currency: a.amount.currency.code().to_string(),
            refundable_after: refundable.to_major_string(),
            decline,
            message,
        })
    }
}
