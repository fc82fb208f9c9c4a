//! Moving an attempt through [`AttemptMachine`]: one transition is one transaction that
//! updates the attempt, appends its journal entry, writes the `payments` or `refunds` row when
//! the attempt succeeds, writes an audit entry for a manager's decision, and recomputes the
//! order's status. An illegal move writes nothing.

use crate::attempts::{self, Attempt, AttemptKind, Change};
use crate::audit;
use crate::codec::Stamp;
use crate::error::{LedgerError, Result};
use crate::leases;
use crate::orders;
use crate::payments::{self, Payment};
use crate::refunds;
use kassa_core::{
    Approval, AttemptMachine, AttemptState, CardReceipt, Decline, IllegalTransition, Money,
    RefundApproval, UnknownReason,
};
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One event in an attempt's life; each maps to one [`AttemptMachine`] method.
// An approval is large next to the other variants; a transition is built once per event and
// moved into the ledger, never stored in bulk, so boxing it would only burden the callers.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Transition {
    /// The terminal is ready: `created` → `sending`. Commit this before sending.
    DiagnosedOk,
    /// The terminal is not ready: `created` → `refused`.
    DiagnoseFailed {
        /// What the terminal reported.
        detail: String,
    },
    /// The driver is about to write the request: `sending` → `awaiting`; sets `sent_at`.
    Sent,
    /// Nothing left the machine: `sending` → `failed`.
    RequestFailed {
        /// Why.
        detail: String,
    },
    /// After `Sent`, the driver reported that nothing of the request left the machine after
    /// all (a `RequestError` is its promise of that): `awaiting` → `failed`, not charged; a new
    /// attempt may follow.
    NotDelivered {
        /// Why.
        detail: String,
    },
    /// A trustworthy payment approval: → `succeeded`, and the `payments` row is written.
    Approved(Approval),
    /// A trustworthy refund approval: → `succeeded`, and the `refunds` row is written.
    RefundApproved(RefundApproval),
    /// A trustworthy decline: → `failed`.
    Declined(Decline),
    /// Sent, but no trustworthy answer: → `unknown` (also from `unknown`, to record a retry).
    /// Entering `unknown` sets `unknown_since`, from which the recovery window counts.
    Lost(UnknownReason),
    /// Recovery's window is spent: `unknown` → `needs-manager`.
    Escalated,
    /// A manager settles an unknown attempt from what the terminal shows: → `succeeded` or
    /// `failed`. Writes an audit entry; when `paid`, a terminal reference is required (typed
    /// here, or recorded earlier with `set_terminal_ref`).
    ManagerResolved {
        /// True when the terminal shows the payment (or refund) as done.
        paid: bool,
        /// The manager's login.
        actor: String,
        /// What the manager saw (slip number, terminal screen, call to the acquirer).
        evidence: String,
        /// The terminal's payment or refund id, as the manager typed it.
        terminal_ref: Option<String>,
    },
    /// Refunds only: a manager made this refund on the terminal itself (terminals whose API
    /// does not refund): `created` → `succeeded`, with the terminal's reference (required)
    /// and an audit entry `manual_refund`. [`AttemptMachine`] has no method for this move,
    /// since no terminal call is involved; the ledger allows it only from `created`.
    /// `Ledger::record_manual_refund` does the begin and this step in one transaction.
    RecordedOnTerminal {
        /// The manager's login.
        actor: String,
        /// The refund's reference as the terminal shows or printed it.
        terminal_ref: String,
        /// What the manager noted (slip number, reason).
        note: String,
    },
}

impl Transition {
    /// The event name written to the journal, as [`AttemptMachine`] names it.
    pub fn event(&self) -> &'static str {
        match self {
            Transition::DiagnosedOk => "diagnosed_ok",
            Transition::DiagnoseFailed { .. } => "diagnose_failed",
            Transition::Sent => "sent",
            Transition::RequestFailed { .. } => "request_failed",
            Transition::NotDelivered { .. } => "not_delivered",
            Transition::Approved(_) | Transition::RefundApproved(_) => "approved",
            Transition::Declined(_) => "declined",
            Transition::Lost(_) => "lost",
            Transition::Escalated => "escalate",
            Transition::ManagerResolved { .. } => "manager_resolved",
            Transition::RecordedOnTerminal { .. } => "recorded_on_terminal",
        }
    }

    fn run(&self, m: &mut AttemptMachine) -> std::result::Result<AttemptState, LedgerError> {
        Ok(match self {
            Transition::DiagnosedOk => m.diagnosed_ok(),
            Transition::DiagnoseFailed { .. } => m.diagnose_failed(),
            Transition::Sent => m.sent(),
            Transition::RequestFailed { .. } => m.request_failed(),
            Transition::NotDelivered { .. } => m.not_delivered(),
            Transition::Approved(_) | Transition::RefundApproved(_) => m.approved(),
            Transition::Declined(_) => m.declined(),
            Transition::Lost(_) => m.lost(),
            Transition::Escalated => m.escalate(),
            Transition::ManagerResolved { paid, .. } => m.manager_resolved(*paid),
            Transition::RecordedOnTerminal { .. } => match m.state() {
                AttemptState::Created => Ok(AttemptState::Succeeded),
                from => Err(IllegalTransition {
                    from,
                    event: self.event(),
                }),
            },
        }?)
    }
}

fn require_kind(a: &Attempt, kind: AttemptKind, event: &'static str) -> Result<()> {
    if a.kind == kind {
        Ok(())
    } else {
        Err(LedgerError::WrongKind {
            request_id: a.request_id.clone(),
            kind: a.kind.as_str(),
            event,
        })
    }
}

fn require_amount(a: &Attempt, got: Money) -> Result<()> {
    if got == a.amount {
        Ok(())
    } else {
        Err(LedgerError::AmountMismatch {
            expected: a.amount,
            got,
        })
    }
}

/// For a payment that was refused or could not be sent, the detail becomes its `reason` (a
/// refund's reason is the manager's memo and stays).
fn failure_reason(a: &Attempt, detail: &str) -> Option<String> {
    (a.kind == AttemptKind::Payment).then(|| detail.to_string())
}

/// An audit entry's detail: the outcome plus what identifies the attempt.
fn audit_detail(outcome: &Value, a: &Attempt) -> Value {
    let mut d = outcome.clone();
    if let Value::Object(m) = &mut d {
        m.insert("request_id".into(), json!(a.request_id));
        m.insert("attempt_kind".into(), json!(a.kind));
        m.insert("order_id".into(), json!(a.order_id));
        m.insert("payment_request_id".into(), json!(a.payment_request_id));
        m.insert("amount".into(), json!(a.amount));
        m.insert("from".into(), json!(a.state));
    }
    d
}

/// Applies `t` to the attempt `request_id` inside `tx` and returns the attempt as it now is.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    now: &Stamp,
    request_id: &str,
    t: Transition,
) -> Result<Attempt> {
    let a = attempts::require(tx, request_id)?;
    let mut machine = AttemptMachine::resume(a.state);
    let to = t.run(&mut machine)?;
    let event = t.event();
    let mut change = Change::default();
    let detail: Value = match t {
        Transition::DiagnosedOk | Transition::Escalated => json!({}),
        Transition::Sent => {
            change.sent_at = Some(now.text.clone());
            json!({})
        }
        Transition::DiagnoseFailed { detail } => {
            change.outcome = Some(json!({"kind": "refused", "detail": detail}));
            change.reason = failure_reason(&a, &detail);
            json!({ "detail": detail })
        }
        Transition::RequestFailed { detail } => {
            change.outcome = Some(json!({"kind": "request-failed", "detail": detail}));
            change.reason = failure_reason(&a, &detail);
            json!({ "detail": detail })
        }
        Transition::NotDelivered { detail } => {
            let detail = format!("never delivered: {detail}");
            change.outcome = Some(json!({"kind": "request-failed", "detail": detail}));
            change.reason = failure_reason(&a, &detail);
            json!({ "detail": detail })
        }
        Transition::Approved(ap) => {
            require_kind(&a, AttemptKind::Payment, event)?;
            require_amount(&a, ap.amount)?;
            let summary = json!({
                "kind": "approved", "terminal_payment_id": ap.terminal_payment_id,
                "amount": ap.amount, "paid_at": ap.paid_at, "receipt": ap.receipt,
            });
            change.terminal_ref = Some(ap.terminal_payment_id.clone());
            change.outcome = Some(summary.clone());
            payments::insert(
                tx,
                &Payment {
                    request_id: a.request_id.clone(),
                    order_id: a.order_id.clone(),
                    terminal: a.terminal.clone(),
                    terminal_payment_id: ap.terminal_payment_id,
                    amount: ap.amount,
                    paid_at: now.text.clone(),
                    terminal_paid_at: ap.paid_at,
                    receipt: ap.receipt,
                    vendor_data: ap.vendor_data,
                },
            )?;
            summary
        }
        Transition::RefundApproved(ra) => {
            require_kind(&a, AttemptKind::Refund, event)?;
            require_amount(&a, ra.amount)?;
            let summary = json!({
                "kind": "approved", "terminal_refund_id": ra.terminal_refund_id,
                "amount": ra.amount,
            });
            refunds::insert_succeeded(tx, now, &a, &ra.terminal_refund_id, &ra.vendor_data)?;
            change.terminal_ref = Some(ra.terminal_refund_id);
            change.outcome = Some(summary.clone());
            summary
        }
        Transition::Declined(d) => {
            let v = json!({ "kind": "declined", "decline": d });
            change.outcome = Some(v.clone());
            v
        }
        Transition::Lost(reason) => {
            let v = json!({ "kind": "unknown", "reason": reason, "message": reason.to_string() });
            if a.state != AttemptState::Unknown {
                change.unknown_since = Some(now.text.clone());
            }
            change.outcome = Some(v.clone());
            v
        }
        Transition::ManagerResolved {
            paid,
            actor,
            evidence,
            terminal_ref,
        } => {
            let typed = terminal_ref
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            let reference = typed.clone().or_else(|| a.terminal_ref.clone());
            let v = json!({
                "kind": "manager-resolved", "paid": paid, "actor": actor,
                "evidence": evidence, "terminal_ref": reference,
            });
            if paid {
                let reference = reference.ok_or(LedgerError::TerminalRefRequired)?;
                resolved_paid(tx, now, &a, &reference, &actor, &evidence)?;
            }
            change.terminal_ref = typed;
            change.outcome = Some(v.clone());
            audit::insert(tx, now, &actor, "manager_resolved", &audit_detail(&v, &a))?;
            v
        }
        Transition::RecordedOnTerminal {
            actor,
            terminal_ref,
            note,
        } => {
            require_kind(&a, AttemptKind::Refund, event)?;
            let reference = terminal_ref.trim().to_string();
            if reference.is_empty() {
                return Err(LedgerError::TerminalRefRequired);
            }
            let v = json!({
                "kind": "recorded-on-terminal", "actor": actor, "terminal_ref": reference,
                "note": note,
            });
            let vendor_data = json!({ "recorded_by": actor, "note": note });
            refunds::insert_succeeded(tx, now, &a, &reference, &vendor_data)?;
            change.terminal_ref = Some(reference);
            change.outcome = Some(v.clone());
            audit::insert(tx, now, &actor, "manual_refund", &audit_detail(&v, &a))?;
            v
        }
    };
    let mut detail = detail;
    if a.state == AttemptState::NeedsManager && matches!(event, "approved" | "declined") {
        // The terminal's own final answer, heard after a manager was called, settles it.
        if let Value::Object(m) = &mut detail {
            m.insert("settled_by".into(), json!("terminal-after-escalation"));
        }
    }
    attempts::update(tx, now, request_id, to, &change)?;
    attempts::append_journal(tx, now, request_id, a.state, to, event, &detail)?;
    if to.is_final() {
        leases::clear(tx, request_id)?;
    }
    let status = orders::refresh_status(tx, now, &a.order_id)?;
    tracing::debug!(
        request_id, kind = a.kind.as_str(), from = %a.state, to = %to, event,
        order_status = status.as_str(), "attempt transition"
    );
    attempts::require(tx, request_id)
}

/// Writes the `payments` or `refunds` row of an attempt a manager confirmed as done.
fn resolved_paid(
    tx: &Transaction<'_>,
    now: &Stamp,
    a: &Attempt,
    reference: &str,
    actor: &str,
    evidence: &str,
) -> Result<()> {
    let vendor_data = json!({ "resolved_by": actor, "evidence": evidence });
    match a.kind {
        AttemptKind::Payment => payments::insert(
            tx,
            &Payment {
                request_id: a.request_id.clone(),
                order_id: a.order_id.clone(),
                terminal: a.terminal.clone(),
                terminal_payment_id: reference.to_string(),
                amount: a.amount,
                paid_at: now.text.clone(),
                terminal_paid_at: None,
                receipt: CardReceipt::default(),
                vendor_data,
            },
        ),
        AttemptKind::Refund => refunds::insert_succeeded(tx, now, a, reference, &vendor_data),
    }
}
