//! The refund half of the simulated terminal's store (docs/protocols.md §1.6): idempotent refunds by
//! `refundRequestId`, Customer Mode limits, one refund in flight per payment, never more than
//! was paid.

use super::{failure, result, success, Delivery, Reply, SimPayment, SimPaymentStatus, Store};
use crate::antom::behaviour::RefundBehaviour;
use kassa_antom::wire::{self, Amount};
use serde::Serialize;
use serde_json::json;

/// A refund as the terminal recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimRefund {
    /// The POS's idempotency key.
    pub refund_request_id: String,
    /// The terminal's id.
    pub refund_id: String,
    /// The payment refunded.
    pub payment_id: String,
    /// Amount, minor units.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// Whether the request carried a `refundAmount`.
    pub partial: bool,
    /// `SUCCESS`, `FAILED` or `PENDING`.
    pub status: String,
    /// Repeats of its `refundRequestId` are refused (`DropThenRefuseRepeats`).
    #[serde(skip)]
    pub refuse_repeats: bool,
}

impl Store {
    /// `refund`. `next` is asked for a behaviour only when this is a new, acceptable refund.
    pub fn refund(
        &mut self,
        req: &wire::RefundRequest,
        next: impl FnOnce() -> RefundBehaviour,
        stamp: &str,
    ) -> Reply {
        let Some(pi) = self
            .payments
            .iter()
            .position(|p| p.payment_id == req.payment_id)
        else {
            return failure("F", "DPOS_PAYMENT_ORDER_NOT_EXIST", "no such payment");
        };
        let paid = self.payments[pi].clone();
        let partial = req.refund_amount.is_some();
        let amount = req.refund_amount.as_ref().map_or(paid.amount, |a| a.value);
        if let Some(r) = self
            .refunds
            .iter()
            .find(|r| r.refund_request_id == req.refund_request_id)
        {
            if r.refuse_repeats {
                return failure("F", "DPOS_PAYMENT_ORDER_IS_CLOSED", "");
            }
            if r.payment_id != req.payment_id || r.amount != amount {
                return failure(
                    "F",
                    "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT",
                    "same refundRequestId, different refund",
                );
            }
            return match r.status.as_str() {
                "SUCCESS" => Reply::now(refund_answer(r)),
                "PENDING" => {
                    let mut a = refund_answer(r);
                    a.result = result("U", "REFUND_IN_PROCESS", "refund in process");
                    Reply::now(a)
                }
                code => failure("F", code, "refund failed"),
            };
        }
        if let Err((code, why)) = self.refund_allowed(&paid, req, partial, amount) {
            return failure("F", code, &why);
        }
        let behaviour = next();
        let status = match &behaviour {
            RefundBehaviour::Approve
            | RefundBehaviour::DropAfterRefund
            | RefundBehaviour::DropThenRefuseRepeats => "SUCCESS",
            RefundBehaviour::Hold(_) => "PENDING",
            RefundBehaviour::Decline(_) => "FAILED",
        };
        let refund = SimRefund {
            refund_request_id: req.refund_request_id.clone(),
            refund_id: self.next_id(stamp, 2),
            payment_id: req.payment_id.clone(),
            amount,
            currency: paid.currency.clone(),
            partial,
            status: status.to_string(),
            refuse_repeats: behaviour == RefundBehaviour::DropThenRefuseRepeats,
        };
        if status != "FAILED" {
            // A pending refund counts against the payment at once: nothing may exceed it.
            let p = &mut self.payments[pi];
            p.refunded += amount;
            p.partial_refunds += u32::from(partial && amount != p.amount);
        }
        self.refunds.push(refund.clone());
        match behaviour {
            RefundBehaviour::Approve => Reply::now(refund_answer(&refund)),
            RefundBehaviour::Decline(code) => failure("F", &code, "refund declined"),
            RefundBehaviour::DropAfterRefund | RefundBehaviour::DropThenRefuseRepeats => {
                Reply::with(json!({}), Delivery::Drop)
            }
            RefundBehaviour::Hold(d) => {
                let mut reply = Reply::with(refund_answer(&refund), Delivery::After(d));
                reply.settle_refund = Some(refund.refund_request_id.clone());
                reply
            }
        }
    }

    fn refund_allowed(
        &self,
        paid: &SimPayment,
        req: &wire::RefundRequest,
        partial: bool,
        amount: i64,
    ) -> Result<(), (&'static str, String)> {
        if paid.status != SimPaymentStatus::Success {
            return Err((
                "DPOS_PAYMENT_ORDER_STATUS_INVALID",
                "the payment did not succeed".into(),
            ));
        }
        if let Some(a) = &req.refund_amount {
            if !a.currency.eq_ignore_ascii_case(&paid.currency) {
                return Err((
                    "DPOS_PAYMENT_CURRENCY_NOT_SUPPORT",
                    "refund currency differs".into(),
                ));
            }
        }
        if self
            .refunds
            .iter()
            .any(|r| r.payment_id == paid.payment_id && r.status == "PENDING")
        {
            return Err((
                "DPOS_PAYMENT_ORDER_STATUS_INVALID",
                "a refund is already in flight".into(),
            ));
        }
        if amount <= 0 {
            return Err(("PARAM_ILLEGAL", "the refund amount must be positive".into()));
        }
        if paid.refunded >= paid.amount {
            return Err((
                "DPOS_PAYMENT_ORDER_IS_CLOSED",
                "the payment is fully refunded".into(),
            ));
        }
        if paid.refunded + amount > paid.amount {
            return Err(("PARAM_ILLEGAL", "the refund exceeds the amount paid".into()));
        }
        let is_partial = partial && amount != paid.amount;
        if is_partial && !self.customer_mode {
            return Err(("PARAM_ILLEGAL", "partial refunds need Customer Mode".into()));
        }
        if is_partial && paid.partial_refunds >= 1 {
            return Err((
                "DPOS_PAYMENT_ORDER_STATUS_INVALID",
                "only one partial refund per payment".into(),
            ));
        }
        Ok(())
    }

    /// Ends a held refund as SUCCESS.
    pub fn settle_refund(&mut self, refund_request_id: &str) {
        if let Some(r) = self
            .refunds
            .iter_mut()
            .find(|r| r.refund_request_id == refund_request_id)
        {
            if r.status == "PENDING" {
                r.status = "SUCCESS".into();
            }
        }
    }

    /// `inquiryRefund` by the terminal's refund id.
    pub fn inquiry_refund(&self, req: &wire::InquiryRefundRequest) -> Reply {
        let Some(r) = self.refunds.iter().find(|r| r.refund_id == req.refund_id) else {
            return failure("F", "DPOS_PAYMENT_ORDER_NOT_EXIST", "no such refund");
        };
        Reply::now(wire::InquiryRefundResponse {
            result: success(),
            refund_id: Some(r.refund_id.clone()),
            refund_status: Some(r.status.as_str().into()),
            refund_time: None,
            payment_id: Some(r.payment_id.clone()),
            refund_amount: Some(Amount {
                value: r.amount,
                currency: r.currency.clone(),
            }),
        })
    }
}

fn refund_answer(r: &SimRefund) -> wire::RefundResponse {
    wire::RefundResponse {
        result: success(),
        refund_request_id: Some(r.refund_request_id.clone()),
        refund_id: Some(r.refund_id.clone()),
        refund_amount: Some(Amount {
            value: r.amount,
            currency: r.currency.clone(),
        }),
    }
}
