//! IOT Pay answers → Kassa's outcomes (docs/protocols.md §4.3): `retCode` and `resCode` first, then
//! the order's identity, amount and currency against the attempt, then its `status` through
//! one exhaustive match. The order may come nested (`payOrder`) or flat; both read the same.

use crate::client::Answer;
use crate::receipt::{card_receipt_from_extra, receipt_text};
use crate::wire::{says_order_does_not_exist, OrderResponse, PayOrder, PayOrderStatus, SUCCESS};
use kassa_core::{Approval, Decline, Money, UnknownReason};

/// What an answer says before its order is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Said<'a> {
    /// `retCode` is not SUCCESS: the cloud refused the call before the bank saw it.
    Refused(String),
    /// `resCode` is not SUCCESS: the call was understood but the business step failed.
    BusinessFail {
        /// The cloud's words (`errCode`, `errCodeDes`, `retMsg`).
        message: String,
        /// Whether those words say the order does not exist
        /// ([`crate::wire::ORDER_NOT_EXIST_CODES`]); nothing else may count as "not found".
        no_such_order: bool,
    },
    /// Both SUCCESS, with the order.
    Order(&'a PayOrder),
}

/// The cloud's words about a failure: `errCode`, `errCodeDes` and `retMsg`, those present.
pub(crate) fn message(resp: &OrderResponse) -> String {
    let words: Vec<&str> = [&resp.err_code, &resp.err_code_des, &resp.ret_msg]
        .into_iter()
        .flatten()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    if words.is_empty() {
        "no message".to_string()
    } else {
        words.join(": ")
    }
}

/// Reads the two result codes; both SUCCESS without an order (nested or flat) is malformed.
pub(crate) fn said(answer: &Answer) -> Result<Said<'_>, UnknownReason> {
    let resp = &answer.response;
    let message = message(resp);
    if resp.ret_code != SUCCESS {
        return Ok(Said::Refused(message));
    }
    if resp.res_code.as_deref() != Some(SUCCESS) {
        return Ok(Said::BusinessFail {
            message,
            no_such_order: says_order_does_not_exist(resp),
        });
    }
    match &answer.order {
        Ok(Some(o)) => Ok(Said::Order(o)),
        Ok(None) => Err(UnknownReason::Malformed(
            "SUCCESS without an order (no payOrder and no status)".into(),
        )),
        Err(why) => Err(UnknownReason::Malformed(why.clone())),
    }
}

/// Checks that the order is the attempt's: same `mchOrderNo`, amount and currency.
pub(crate) fn check_order(
    order: &PayOrder,
    mch_order_no: &str,
    amount: Money,
) -> Result<(), UnknownReason> {
    if order.mch_order_no != mch_order_no {
        return Err(UnknownReason::Mismatch(format!(
            "the answer is about order {:?}, not {mch_order_no:?}",
            order.mch_order_no
        )));
    }
    if !order.currency.eq_ignore_ascii_case(amount.currency.code()) || order.amount != amount.minor
    {
        return Err(UnknownReason::Mismatch(format!(
            "the answer says {} {} (minor units), the attempt asked for {} {}",
            order.amount,
            order.currency,
            amount.minor,
            amount.currency.code()
        )));
    }
    Ok(())
}

/// Where an order stands, from its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Status 2 or 3.
    Paid(Box<Approval>),
    /// Status 4 or 9.
    NotPaid(Decline),
    /// Anything else: keep asking.
    NotFinal(String),
}

/// The three things an answer can claim, for comparing two answers about one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Paid.
    Paid,
    /// Not paid.
    NotPaid,
    /// Not final.
    NotFinal,
}

impl Verdict {
    /// What it claims.
    pub(crate) fn claim(&self) -> Claim {
        match self {
            Verdict::Paid(_) => Claim::Paid,
            Verdict::NotPaid(_) => Claim::NotPaid,
            Verdict::NotFinal(_) => Claim::NotFinal,
        }
    }
}

/// The verdict of an order already checked with [`check_order`].
pub(crate) fn verdict(order: &PayOrder, amount: Money) -> Verdict {
    let status = PayOrderStatus::from_code(order.status);
    match status {
        PayOrderStatus::Paid | PayOrderStatus::Finished => Verdict::Paid(Box::new(approval(order, amount))),
        PayOrderStatus::Cancelled => Verdict::NotPaid(decline(
            order,
            "the order was cancelled by IOT Pay before it was paid (status 4). Try again as a new payment",
            true,
        )),
        PayOrderStatus::Failed => Verdict::NotPaid(decline(
            order,
            "the payment was cancelled or declined on the PAX terminal (status 9)",
            false,
        )),
        PayOrderStatus::Created => Verdict::NotFinal("the order is created but not yet on the terminal (status 0)".into()),
        PayOrderStatus::Paying => Verdict::NotFinal("the payment is still running on the terminal (status 1)".into()),
        PayOrderStatus::Other(code) => Verdict::NotFinal(format!("IOT Pay reports status {code}, which Kassa does not know")),
    }
}

/// The payment's reference: the cloud's `payOrderId`, which flat `query_order` answers lack;
/// then the channel's reference; then the merchant's own order id, which names the order in
/// IOT Pay's portal as well.
fn payment_id(order: &PayOrder) -> String {
    [&order.pay_order_id, &order.channel_order_no]
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .unwrap_or(&order.mch_order_no)
        .clone()
}

fn approval(order: &PayOrder, amount: Money) -> Approval {
    Approval {
        terminal_payment_id: payment_id(order),
        amount,
        paid_at: order.pay_succ_time.clone().filter(|t| !t.trim().is_empty()),
        receipt: card_receipt_from_extra(order.extra.as_deref()),
        vendor_data: serde_json::json!({
            "payOrderId": order.pay_order_id,
            "mchOrderNo": order.mch_order_no,
            "mchId": order.mch_id,
            "channelId": order.channel_id,
            "status": order.status,
        }),
    }
}

fn decline(order: &PayOrder, fallback: &str, retryable: bool) -> Decline {
    Decline {
        code: format!("status {}", order.status),
        message: receipt_text(order.extra.as_deref()).unwrap_or_else(|| fallback.to_string()),
        retryable,
    }
}
