//! Checkout: create the order, check the terminal, commit the attempt, charge, record the
//! outcome — and hand anything uncertain to recovery before returning.

use crate::error::{AppError, AppResult};
use crate::Service;
use kassa_core::{
    AttemptState, CardReceipt, Currency, Decline, EventSink, Money, OrderLine, PayOutcome,
    PayRequest, Phase, TaxRate, TerminalEvent,
};
use kassa_ledger::{Attempt, Ledger, NewOrder, NewPaymentAttempt, Payment, Transition};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One item of a sale as a front end sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleItem {
    /// Name printed on the receipt.
    pub name: String,
    /// Price of one, in minor units.
    pub unit_price_minor: i64,
    /// How many.
    pub quantity: u32,
    /// Tax of the line.
    pub tax: TaxRate,
}

/// A sale to ring up.
#[derive(Debug, Clone)]
pub struct SaleRequest {
    /// Terminal name; `None` = the default terminal.
    pub terminal: Option<String>,
    /// The store currency.
    pub currency: Currency,
    /// The cart.
    pub items: Vec<SaleItem>,
    /// Who rings it up.
    pub cashier: String,
    /// Card installments (0 = lump sum).
    pub installments: u8,
}

/// The outcome of a payment, for people and scripts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PaymentReport {
    /// The order.
    pub order_id: String,
    /// The attempt's request id on the wire.
    pub payment_request_id: String,
    /// The terminal used.
    pub terminal: String,
    /// Where the attempt ended: succeeded, failed, refused, unknown or needs-manager.
    pub status: AttemptState,
    /// The terminal's payment id when paid.
    pub payment_id: Option<String>,
    /// Amount in major units as text (`12500`, `12.50`).
    pub amount: String,
    /// Currency code.
    pub currency: String,
    /// The terminal's decline, when declined.
    pub decline: Option<Decline>,
    /// Receipt fields, when paid.
    pub receipt: Option<CardReceipt>,
    /// What the cashier should do now.
    pub message: String,
}

impl PaymentReport {
    pub(crate) fn from_attempt(a: &Attempt, payment: Option<Payment>) -> PaymentReport {
        let decline = decline_of(a);
        let (terminal_payment_id, receipt) = match payment {
            Some(p) => (Some(p.terminal_payment_id), Some(p.receipt)),
            None => (None, None),
        };
        PaymentReport {
            order_id: a.order_id.clone(),
            payment_request_id: a.request_id.clone(),
            terminal: a.terminal.clone(),
            status: a.state,
            payment_id: terminal_payment_id.or_else(|| a.terminal_ref.clone()),
            amount: a.amount.to_major_string(),
            currency: a.amount.currency.code().to_string(),
            message: cashier_message(a.state, decline.as_ref(), a.reason.as_deref()),
            decline,
            receipt,
        }
    }
}

/// The terminal's decline recorded on an attempt, if it was declined.
pub(crate) fn decline_of(a: &Attempt) -> Option<Decline> {
    if a.outcome["kind"] == "declined" {
        serde_json::from_value(a.outcome["decline"].clone()).ok()
    } else {
        None
    }
}

/// The sentence a cashier sees for an attempt's state.
pub(crate) fn cashier_message(
    state: AttemptState,
    decline: Option<&Decline>,
    reason: Option<&str>,
) -> String {
    match state {
        AttemptState::Succeeded => "Approved.".into(),
        AttemptState::Failed => match decline {
            Some(d) if d.retryable => {
                format!(
                    "Not charged: {} ({}). Wait a moment and try again.",
                    d.message, d.code
                )
            }
            Some(d) => format!(
                "Declined: {} ({}). Ask for another card or try another terminal.",
                d.message, d.code
            ),
            None => format!(
                "Not charged: {}. Check the terminal and try again.",
                reason.unwrap_or("the request could not be sent")
            ),
        },
        AttemptState::Refused => format!(
            "Not charged: the terminal is not ready ({}). Check it, then try again.",
            reason.unwrap_or("diagnosis failed")
        ),
        AttemptState::Unknown => "Outcome unknown: check the terminal screen. Recovery is still \
             running; do not charge again."
            .into(),
        AttemptState::NeedsManager => "Outcome unknown: check the terminal screen and call a \
             manager to confirm what it shows. Do not charge again."
            .into(),
        AttemptState::Created | AttemptState::Sending | AttemptState::Awaiting => {
            "Payment in progress.".into()
        }
    }
}

/// Forwards events, and records `awaiting` when the driver says the request is about to leave
/// the machine (`EventSink::sent`). Events before that mark nothing: a driver may report
/// "connecting" or "waiting for card" before it has sent a byte.
struct MarkSent<'a> {
    ledger: Arc<Ledger>,
    request_id: String,
    marked: AtomicBool,
    inner: &'a dyn EventSink,
}

impl MarkSent<'_> {
    /// Records `awaiting` once; later calls do nothing.
    fn mark(&self) {
        if !self.marked.swap(true, Ordering::SeqCst) {
            if let Err(e) = self.ledger.transition(&self.request_id, Transition::Sent) {
                tracing::warn!(request_id = %self.request_id, error = %e, "could not record sent");
            }
            // `awaiting` is committed; the driver is about to write the request.
            crash_point!("pay.after_send");
        }
    }
}

impl EventSink for MarkSent<'_> {
    fn emit(&self, event: TerminalEvent) {
        self.inner.emit(event);
    }

    fn sent(&self) {
        self.mark();
        self.inner.sent();
    }
}

impl Service {
    /// Rings up a sale: creates the order and pays it on the chosen terminal.
    pub async fn sale(&self, req: SaleRequest, events: &dyn EventSink) -> AppResult<PaymentReport> {
        let terminal = self.resolve_terminal(req.terminal.as_deref())?;
        let lines: Vec<OrderLine> = req
            .items
            .iter()
            .map(|i| OrderLine {
                name: i.name.clone(),
                quantity: i.quantity,
                unit_price_minor: i.unit_price_minor,
                tax: i.tax,
            })
            .collect();
        kassa_core::order_totals(req.currency, &lines)
            .map_err(|e| AppError::Usage(e.to_string()))?;
        let order = self.ledger.create_order(&NewOrder {
            id: self.ids.next("O"),
            currency: req.currency,
            lines,
            cashier: req.cashier.clone(),
        })?;
        tracing::info!(order_id = %order.id, total = %order.totals.total, "order created");
        self.pay_order(
            &order.id,
            Some(&terminal),
            &req.cashier,
            req.installments,
            events,
        )
        .await
    }

    /// Pays an existing order. A second call while the first runs, or after it succeeded, is
    /// refused by the ledger in one transaction — a double click never charges twice.
    pub async fn pay_order(
        &self,
        order_id: &str,
        terminal: Option<&str>,
        cashier: &str,
        installments: u8,
        events: &dyn EventSink,
    ) -> AppResult<PaymentReport> {
        let terminal = self.resolve_terminal(terminal)?;
        let order = self
            .ledger
            .order(order_id)?
            .ok_or_else(|| AppError::NotFound(format!("no order {order_id:?}")))?;
        self.refuse_before_startup_recovery(&terminal)?;
        self.refuse_while_unresolved(&terminal)?;
        let driver = self.driver(&terminal)?;
        let request_id = self.ids.next("P");
        let attempt = self.ledger.begin_payment_attempt(&NewPaymentAttempt {
            request_id: request_id.clone(),
            order_id: order.id.clone(),
            terminal: terminal.clone(),
            amount: order.totals.total,
        })?;
        let rid = attempt.request_id.clone();
        // The attempt was leased to this process with its row; other processes leave it alone
        // while the heartbeat runs.
        let _lease = crate::lease::LeaseKeeper::keep(self.ledger.clone(), &rid);
        tracing::info!(request_id = %rid, terminal = %terminal, "payment attempt created");
        crash_point!("pay.after_attempt_commit");

        events.emit(TerminalEvent {
            request_id: rid.clone(),
            phase: Phase::Diagnosing,
            countdown: kassa_core::Countdown::None,
            can_cancel: false,
            vendor_code: String::new(),
        });
        let ready = match driver.diagnose().await {
            Ok(d) if d.ready => Ok(()),
            Ok(d) => Err(d.detail),
            Err(e) => Err(e.to_string()),
        };
        if let Err(detail) = ready {
            let a = self
                .ledger
                .transition(&rid, Transition::DiagnoseFailed { detail })?;
            return Ok(PaymentReport::from_attempt(&a, None));
        }
        // The attempt is committed as `sending` before a byte of the payment goes out.
        self.ledger.transition(&rid, Transition::DiagnosedOk)?;
        crash_point!("pay.after_sending_commit");

        let pay = PayRequest {
            request_id,
            order_id: kassa_core::RequestId::parse(&order.id)
                .map_err(|e| AppError::Usage(e.to_string()))?,
            amount: order.totals.total,
            tax: order.totals.tax,
            tip: Money::zero(order.currency),
            installments,
            description: order_description(&order.lines),
            cashier: cashier.to_string(),
        };
        let sink = MarkSent {
            ledger: self.ledger.clone(),
            request_id: rid.clone(),
            marked: AtomicBool::new(false),
            inner: events,
        };
        let outcome = driver.pay(&pay, &sink).await;
        crash_point!("pay.after_answer");
        if outcome.is_ok() {
            // An answer means the request went out, whether or not the driver said so.
            sink.mark();
        }
        let attempt = match outcome {
            Err(e) => {
                tracing::warn!(request_id = %rid, error = %e, "payment not sent");
                let detail = e.to_string();
                // After `sent()` the driver's RequestError is its promise that nothing left.
                let awaiting = self.ledger.attempt(&rid)?.map(|a| a.state);
                let t = if awaiting == Some(AttemptState::Awaiting) {
                    Transition::NotDelivered { detail }
                } else {
                    Transition::RequestFailed { detail }
                };
                self.ledger.transition(&rid, t)?
            }
            Ok(PayOutcome::Approved(approval)) => {
                let a = self
                    .ledger
                    .transition(&rid, Transition::Approved(approval))?;
                crash_point!("pay.after_outcome_commit");
                a
            }
            Ok(PayOutcome::Declined(d)) => {
                let a = self.ledger.transition(&rid, Transition::Declined(d))?;
                crash_point!("pay.after_outcome_commit");
                a
            }
            Ok(PayOutcome::Unknown { reason }) => {
                tracing::warn!(request_id = %rid, %reason, "payment outcome unknown");
                let a = self.ledger.transition(&rid, Transition::Lost(reason))?;
                crash_point!("pay.after_outcome_commit");
                self.recover_attempt(&a, events).await?
            }
        };
        tracing::info!(request_id = %rid, state = %attempt.state, "payment attempt ended");
        // After the commit, never instead of it: the receipt prints in the background.
        self.auto_print_after(&attempt);
        self.report_for(&attempt)
    }

    /// The report of an attempt as the ledger has it now.
    pub fn report_for(&self, a: &Attempt) -> AppResult<PaymentReport> {
        let payment = if a.state == AttemptState::Succeeded {
            self.ledger.payment(&a.request_id)?
        } else {
            None
        };
        Ok(PaymentReport::from_attempt(a, payment))
    }

    /// The named terminal, or the default one.
    pub(crate) fn resolve_terminal(&self, name: Option<&str>) -> AppResult<String> {
        if let Some(n) = name {
            return Ok(n.to_string());
        }
        let all = self.ledger.terminals()?;
        if let Some(t) = all.iter().find(|t| t.is_default) {
            return Ok(t.name.clone());
        }
        match all.as_slice() {
            [only] => Ok(only.name.clone()),
            [] => Err(AppError::Config(
                "no terminal is set up: add one with `kassactl terminal add` or in Settings".into(),
            )),
            _ => Err(AppError::Usage(
                "several terminals are set up and none is the default: name one with --terminal"
                    .into(),
            )),
        }
    }

    /// A terminal with an attempt whose recovery is still running takes no new payment: some
    /// terminals only report their last transaction, and a new one would hide the lost one.
    fn refuse_while_unresolved(&self, terminal: &str) -> AppResult<()> {
        let pending: Vec<_> = self
            .ledger
            .non_final_attempts()?
            .into_iter()
            .filter(|a| a.terminal == terminal && a.state == AttemptState::Unknown)
            .collect();
        if let Some(a) = pending.first() {
            return Err(AppError::Conflict(format!(
                "terminal {terminal:?} has an unresolved attempt {} : run `kassactl recover` \
                 (or wait for recovery) before a new payment",
                a.request_id
            )));
        }
        Ok(())
    }
}

fn order_description(lines: &[OrderLine]) -> String {
    match lines {
        [] => String::new(),
        [one] => one.name.clone(),
        [first, rest @ ..] => format!("{} +{}", first.name, rest.len()),
    }
}
