//! Read-only views for front ends: order lists and an order with its attempt journal.

use crate::error::{AppError, AppResult};
use crate::Service;
use kassa_core::{AttemptState, CancelAck, RequestId};
use kassa_ledger::{
    Attempt, AttemptKind, JournalEntry, Order, OrderFilter, OrderStatus, OrderSummary, Payment,
};
use serde::Serialize;

/// One attempt with its journal, for an order's timeline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttemptTimeline {
    /// The attempt.
    pub attempt: Attempt,
    /// Its state changes, oldest first.
    pub journal: Vec<JournalEntry>,
}

/// An order with everything that happened to it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrderDetail {
    /// The order and its lines.
    pub order: Order,
    /// Payment and refund attempts with their journals.
    pub attempts: Vec<AttemptTimeline>,
    /// The successful payment, if any.
    pub payment: Option<Payment>,
    /// Still refundable, in major units, when paid.
    pub refundable: Option<String>,
}

impl Service {
    /// Orders, newest first, filtered.
    pub fn orders(
        &self,
        status: Option<&str>,
        terminal: Option<String>,
        text: Option<String>,
        limit: usize,
    ) -> AppResult<Vec<OrderSummary>> {
        let status = match status {
            Some(s) => Some(
                serde_json::from_value::<OrderStatus>(serde_json::Value::String(s.to_string()))
                    .map_err(|_| {
                        AppError::Usage(format!(
                            "unknown status {s:?}: use open, paying, paid, unknown, \
                             partially-refunded or refunded"
                        ))
                    })?,
            ),
            None => None,
        };
        let filter = OrderFilter {
            status,
            terminal,
            text,
            limit,
            ..OrderFilter::default()
        };
        Ok(self.ledger.list_orders(&filter)?)
    }

    /// One order with its attempts, journal, payment and what is still refundable.
    pub fn order_detail(&self, id: &str) -> AppResult<OrderDetail> {
        let order = self
            .ledger
            .order(id)?
            .ok_or_else(|| AppError::NotFound(format!("no order {id:?}")))?;
        let mut attempts = Vec::new();
        for attempt in self.ledger.attempts_for_order(id)? {
            let journal = self.ledger.journal(&attempt.request_id)?;
            attempts.push(AttemptTimeline { attempt, journal });
        }
        let payment = self.ledger.payment(id)?;
        let refundable = match &payment {
            Some(p) => Some(self.ledger.refundable(&p.request_id)?.to_major_string()),
            None => None,
        };
        Ok(OrderDetail {
            order,
            attempts,
            payment,
            refundable,
        })
    }

    /// Asks the terminal to stop a payment still waiting for a card. The payment's own outcome
    /// decides what happened; a cancel never marks it cancelled by itself.
    ///
    /// Only a payment the ledger shows in progress on `terminal` is cancelled: a terminal's
    /// cancel command may name no payment (KICC), so one for a finished attempt could stop
    /// whatever the terminal runs next.
    pub async fn cancel(&self, terminal: &str, request_id: &str) -> AppResult<CancelAck> {
        let id = RequestId::parse(request_id).map_err(|e| AppError::Usage(e.to_string()))?;
        let a = self
            .ledger
            .attempt(request_id)?
            .ok_or_else(|| AppError::NotFound(format!("no attempt {request_id:?}")))?;
        if a.kind != AttemptKind::Payment || a.terminal != terminal {
            return Err(AppError::Usage(format!(
                "{request_id} is not a payment on terminal {terminal:?}: give the running \
                 payment's request id"
            )));
        }
        if !matches!(a.state, AttemptState::Sending | AttemptState::Awaiting) {
            return Err(AppError::Conflict(format!(
                "payment {request_id} is {}: there is nothing to cancel",
                a.state
            )));
        }
        let driver = self.driver(terminal)?;
        driver
            .cancel(&id)
            .await
            .map_err(|e| AppError::Conflict(e.to_string()))
    }
}
