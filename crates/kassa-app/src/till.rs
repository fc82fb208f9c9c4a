//! What a till does on behalf of someone: every action a window offers, with the role check
//! in front of the service call it wraps. The window and the CLI may hide buttons, but the
//! rule lives here: a cashier's [`Operator`] cannot refund, settle, change settings or close
//! the day, and the kiosk's can only sell.

use crate::accounts::{Operator, Permission, Role};
use crate::checkout::PaymentReport;
use crate::error::{AppError, AppResult};
use crate::refunds::{ManualRefund, RefundCommand, RefundReport};
use crate::window::{AppStatus, RefundInput, ResolveInput, TerminalInfo, TerminalInput};
use crate::Service;
use kassa_core::{AttemptState, CancelAck, Diagnosis, EventSink};

impl Service {
    /// Pays an order; the ledger refuses a second attempt while one runs or after it is paid.
    pub async fn pay_as(
        &self,
        by: &Operator,
        order_id: &str,
        terminal: Option<&str>,
        events: &dyn EventSink,
    ) -> AppResult<PaymentReport> {
        by.require(Permission::Sell)?;
        let report = self
            .pay_order(order_id, terminal, by.name(), 0, events)
            .await?;
        let open = matches!(
            report.status,
            AttemptState::Unknown | AttemptState::NeedsManager
        );
        if by.role() == Role::Kiosk && open {
            // The customer was told to wait for staff; the attempt is on the attention list of
            // every till, and this entry says a kiosk customer is waiting.
            self.ledger.audit(
                by.name(),
                "kiosk_flagged",
                &serde_json::json!({"request_id": report.payment_request_id,
                    "order_id": report.order_id, "status": report.status}),
            )?;
            self.auto_print_kiosk_wait(&report.payment_request_id);
        }
        Ok(report)
    }

    /// Asks the terminal to stop a payment still waiting for a card.
    pub async fn cancel_as(
        &self,
        by: &Operator,
        terminal: &str,
        request_id: &str,
    ) -> AppResult<CancelAck> {
        by.require(Permission::Sell)?;
        self.cancel(terminal, request_id).await
    }

    /// Refunds through the terminal, or records a refund done on the terminal when the input
    /// carries the terminal's reference (managers only; audited).
    pub async fn refund_as(&self, by: &Operator, input: RefundInput) -> AppResult<RefundReport> {
        by.require(Permission::Refund)?;
        if input.reason.trim().is_empty() {
            return Err(AppError::Usage("give a reason for the refund".into()));
        }
        match input.terminal_ref.filter(|r| !r.trim().is_empty()) {
            Some(terminal_ref) => self.record_manual_refund(ManualRefund {
                payment: input.payment,
                amount_minor: input.amount_minor,
                terminal_ref,
                reason: input.reason,
                actor: by.name().to_string(),
            }),
            None => {
                self.refund(RefundCommand {
                    payment: input.payment,
                    amount_minor: input.amount_minor,
                    reason: input.reason,
                    actor: by.name().to_string(),
                })
                .await
            }
        }
    }

    /// Settles an attempt recovery could not prove, from the terminal's evidence (managers
    /// only). The ledger journals who and why and writes the one `manager_resolved` audit
    /// entry in the same transaction.
    pub fn resolve_as(&self, by: &Operator, input: ResolveInput) -> AppResult<PaymentReport> {
        by.require(Permission::Resolve)?;
        self.resolve(
            &input.request_id,
            input.paid,
            input.terminal_ref.filter(|r| !r.trim().is_empty()),
            input.evidence,
            by.name(),
        )
    }

    /// Asks the terminal again about an attempt that is unknown or waits for a manager.
    pub async fn recover_as(
        &self,
        by: &Operator,
        request_id: &str,
        events: &dyn EventSink,
    ) -> AppResult<PaymentReport> {
        by.require(Permission::Sell)?;
        let a = self
            .ledger
            .attempt(request_id)?
            .ok_or_else(|| AppError::NotFound(format!("no attempt {request_id:?}")))?;
        let end = self.recover_attempt(&a, events).await?;
        self.report_for(&end)
    }

    /// Adds or changes a terminal (managers only). Adding a real terminal ends demo mode.
    pub fn save_terminal_as(&self, by: &Operator, t: TerminalInput) -> AppResult<TerminalInfo> {
        by.require(Permission::Settings)?;
        let config = t.config.clone();
        let view = self.add_terminal(&t.name, &t.kind, t.config, t.make_default, by.name())?;
        if self.is_demo()? && !crate::demo::is_demo_terminal(&t.name) {
            self.end_demo(by.name())?;
        }
        Ok(TerminalInfo::new(view, config))
    }

    /// Removes a terminal (managers only); refused while one of its attempts is open.
    pub fn remove_terminal_as(&self, by: &Operator, name: &str) -> AppResult<()> {
        by.require(Permission::Settings)?;
        self.remove_terminal(name, by.name())
    }

    /// USB devices that are, or may be, N950 terminals (anyone signed in: looking changes
    /// nothing; adding one still takes a manager).
    pub async fn usb_terminals_as(
        &self,
        by: &Operator,
    ) -> AppResult<Vec<crate::registry::UsbTerminalView>> {
        by.require(Permission::Sell)?;
        self.usb_terminals().await
    }

    /// Tests a terminal (anyone signed in: the status light is for cashiers too).
    pub async fn diagnose_as(&self, by: &Operator, name: &str) -> AppResult<Diagnosis> {
        by.require(Permission::Sell)?;
        self.diagnose(name).await
    }

    /// Everything the window draws at start and after changes.
    pub fn app_status(&self, recovering: bool) -> AppResult<AppStatus> {
        let rows = self.ledger.terminals()?;
        let mut terminals: Vec<TerminalInfo> = self
            .list_terminals()?
            .into_iter()
            .map(|v| {
                let config = rows
                    .iter()
                    .find(|r| r.name == v.name)
                    .map_or(serde_json::Value::Null, |r| r.config.clone());
                TerminalInfo::new(v, config)
            })
            .collect();
        terminals.sort_by_key(|t| !t.is_default);
        Ok(AppStatus {
            version: env!("CARGO_PKG_VERSION").to_string(),
            demo: self.is_demo()?,
            recovering,
            store: self.store_settings()?,
            terminals,
            attention: self
                .ledger
                .non_final_attempts()?
                .iter()
                .map(crate::dayclose::OpenAttempt::from)
                .collect(),
        })
    }
}

#[cfg(test)]
#[cfg(feature = "demo")]
#[path = "till_tests.rs"]
mod tests;
