//! From KICC answers to Kassa's outcomes: one exhaustive `match` per vendor code enum, and the
//! checks that make a `responseData` trustworthy (same request id, same amount, `SUCCESS`).
//! Only receipt-safe card data leaves this module: the masked BIN, issuer and funding go to
//! the receipt, `acquirerMetaData` and the amounts a cancel needs go to `vendor_data`.

use crate::codes::{BusinessCode, CommandErrorCode, RESULT_SUCCESS};
use crate::wire::{AmountValue, ResponseData, CMD_PURCHASE, CMD_PURCHASE_CANCEL, CURRENCY_KRW};
use kassa_core::{
    Approval, CardReceipt, Currency, Decline, InquiryError, Money, PaymentQuery, PaymentStatus,
    RefundApproval, RefundQuery, RefundStatus, RequestError, UnknownReason,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an `onCommandFailed` means for the attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandVerdict {
    /// The device did not run the command: nothing was charged, the cashier can act.
    NotDone(RequestError),
    /// The command is not valid at this moment (for `CommandCancel`: the card was read).
    NotNow(String),
    /// The command may have run: the outcome is unknown.
    Unknown(UnknownReason),
}

/// Maps a command error code.
pub fn command_verdict(code: CommandErrorCode, message: &str) -> CommandVerdict {
    let msg = if message.trim().is_empty() {
        code.as_str()
    } else {
        message.trim()
    };
    match code {
        CommandErrorCode::CommandInvalidResponse => {
            CommandVerdict::Unknown(UnknownReason::Malformed(format!("{code}: {msg}")))
        }
        CommandErrorCode::CommandResponseTimeout => CommandVerdict::Unknown(UnknownReason::Timeout),
        CommandErrorCode::CommandNotSupport => CommandVerdict::NotDone(RequestError::Unsupported(
            format!("this command (the bridge says {msg}); update the bridge app"),
        )),
        CommandErrorCode::CommandDeviceBusy => {
            CommandVerdict::NotDone(RequestError::Busy(format!("{code}: {msg}; nothing was charged")))
        }
        CommandErrorCode::CommandParamError => CommandVerdict::NotDone(RequestError::Config(
            format!("the terminal rejected the parameters ({msg}); check the TID and registration number"),
        )),
        CommandErrorCode::CommandInvalid => CommandVerdict::NotNow(format!("{code}: {msg}")),
    }
}

/// What an `onBusinessFailed` means for the attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusinessVerdict {
    /// A trustworthy "no": nothing was charged (or refunded).
    Declined(Decline),
    /// The code does not prove that nothing happened: recovery must ask.
    Unknown(UnknownReason),
}

/// Maps a business result code with the vendor's message. `REPEAT_REQ_REJECT` is not a
/// decline of the attempt: the device holds an earlier transaction under the same request id,
/// which may be charged. `UNKNOWN` says nothing either way.
pub fn business_verdict(code: BusinessCode, message: &str) -> BusinessVerdict {
    let decline = |retryable: bool, advice: &str| {
        let m = message.trim();
        BusinessVerdict::Declined(Decline {
            code: code.as_str().to_string(),
            message: if m.is_empty() {
                advice.to_string()
            } else {
                m.to_string()
            },
            retryable,
        })
    };
    match code {
        BusinessCode::RepeatReqReject => BusinessVerdict::Unknown(UnknownReason::Mismatch(
            "the terminal already has a transaction with this request id; it is asked what became of it"
                .into(),
        )),
        BusinessCode::InvalidContract => {
            decline(false, "The merchant contract is invalid: check the merchant id in the settings")
        }
        BusinessCode::AccessDenied => decline(false, "KICC denied access: contact KICC support"),
        BusinessCode::ProcessFail => decline(
            false,
            "The terminal could not process it: do not retry; contact Antom support if it repeats",
        ),
        BusinessCode::ParamIllegal => {
            decline(false, "The terminal rejected the request: check the TID and registration number")
        }
        BusinessCode::OrderStatusInvalid => {
            decline(false, "The order's status does not allow this: check it on the terminal")
        }
        BusinessCode::OrderIsCanceled => decline(false, "The transaction is cancelled"),
        BusinessCode::UserAmountExceedLimit => {
            decline(true, "Over the card's limit: use another card or a smaller amount")
        }
        BusinessCode::UserBalanceNotEnough => {
            decline(true, "Not enough balance: use another card or payment method")
        }
        BusinessCode::InvalidCardNumber => decline(true, "The card number is invalid: use another card"),
        BusinessCode::IdentityVerifyFailed => {
            decline(true, "Identity verification failed: check the details and try again")
        }
        BusinessCode::Unknown => BusinessVerdict::Unknown(UnknownReason::NotFinal(format!(
            "the terminal reported UNKNOWN ({})",
            message.trim()
        ))),
    }
}

/// Maps a `businessFailed` frame's `responseData`; a code this driver does not know is not
/// taken as a decline.
pub fn business_failure(response: &serde_json::Value) -> BusinessVerdict {
    let r: ResponseData = serde_json::from_value(response.clone()).unwrap_or_default();
    let result = r.result.unwrap_or_default();
    match BusinessCode::parse(&result.result_code) {
        Some(code) => business_verdict(code, &result.result_message),
        None => BusinessVerdict::Unknown(UnknownReason::Malformed(format!(
            "business failure with unrecognised result code {:?}: {}",
            result.result_code, result.result_message
        ))),
    }
}

/// What Kassa keeps to cancel (refund) a purchase later; never card data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KiccVendorData {
    /// The purchase's `requestId`.
    pub request_id: String,
    /// `acquirerInfo.acquirerMetaData`, required by PurchaseCancel.
    pub acquirer_meta_data: Option<String>,
    /// Total in won.
    pub payment_amount: i64,
    /// VAT in won.
    pub tax_amount: i64,
    /// Tip in won.
    pub tip_amount: i64,
    /// `creditPayPlan.installmentNum`.
    pub installment_num: String,
    /// `acquirerTransactionId`.
    pub acquirer_transaction_id: Option<String>,
    /// `acquirerApprovalNum`.
    pub acquirer_approval_num: Option<String>,
}

/// Reads a KICC amount: whole won, currency `KRW`.
pub fn krw_amount(a: &AmountValue) -> Option<Money> {
    if a.currency != CURRENCY_KRW {
        return None;
    }
    Money::minor_from_json(&a.value).map(|won| Money::new(won, Currency::KRW))
}

fn won(a: &Option<AmountValue>) -> i64 {
    a.as_ref()
        .and_then(krw_amount)
        .map(|m| m.minor)
        .unwrap_or(0)
}

/// The BIN as a receipt may show it: the first six digits, the rest starred (`523649**`).
pub fn mask_bin(bin: &str) -> Option<String> {
    let bin = bin.trim();
    if bin.len() < 6 || !bin.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(format!("{}{}", &bin[..6], "*".repeat(bin.len() - 6)))
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Receipt-safe fields of an answer; the wallet id, signature image and full BIN stay out.
pub fn receipt_from(r: &ResponseData) -> CardReceipt {
    let acq = r.acquirer_info.clone().unwrap_or_default();
    let card = r.payment_result_info.clone().unwrap_or_default();
    let mut extra = BTreeMap::new();
    for (k, v) in [
        ("funding", &card.funding),
        ("paymentMethodType", &card.payment_method_type),
        ("paymentMethodRegion", &card.payment_method_region),
        ("acquirerName", &acq.acquirer_name),
        ("acquirerMerchantId", &acq.acquirer_merchant_id),
        ("acquirerTerminalId", &acq.acquirer_terminal_id),
    ] {
        if let Some(v) = non_empty(v) {
            extra.insert(k.to_string(), v);
        }
    }
    if let Some(plan) = &r.credit_pay_plan {
        extra.insert("installmentNum".into(), plan.installment_num.clone());
    }
    CardReceipt {
        card_brand: non_empty(&card.issuer_code),
        masked_pan: card.card_bin.as_deref().and_then(mask_bin),
        approval_code: non_empty(&acq.acquirer_approval_num),
        reference: non_empty(&acq.acquirer_transaction_id),
        notice: non_empty(&acq.notice),
        extra,
        ..CardReceipt::default()
    }
}

/// Checks that `r` answers `request_id` for `amount` with `SUCCESS`.
fn check_success(r: &ResponseData, request_id: &str, amount: Money) -> Result<(), UnknownReason> {
    let got_id = r.request_id.as_deref().unwrap_or("");
    if got_id != request_id {
        return Err(UnknownReason::Mismatch(format!(
            "the answer is about request {got_id:?}, not {request_id:?}"
        )));
    }
    let code = r
        .result
        .as_ref()
        .map(|x| x.result_code.as_str())
        .unwrap_or("");
    if code != RESULT_SUCCESS {
        return Err(UnknownReason::Malformed(format!(
            "a success whose resultCode is {code:?}"
        )));
    }
    match r.payment_amount.as_ref().and_then(krw_amount) {
        Some(m) if m == amount => Ok(()),
        Some(m) => Err(UnknownReason::Mismatch(format!(
            "the terminal reports {m}, not {amount}"
        ))),
        None => Err(UnknownReason::Malformed(
            "the answer has no readable KRW amount".into(),
        )),
    }
}

/// A purchase success as an [`Approval`], if it is about this request and amount.
///
/// The payment id is the purchase's `requestId`: Kassa makes it unique, the device refuses a
/// repeated one, and GetLastTransaction answers under it, so pay and recovery agree. Never the
/// approval number (it repeats, and two real approvals would then collide in the ledger) nor
/// the acquirer's serial (absent from some answers); both stay on the receipt
/// (`approval_code`, `reference`) and in the vendor data.
pub fn approval_from(
    r: &ResponseData,
    request_id: &str,
    amount: Money,
) -> Result<Approval, UnknownReason> {
    check_success(r, request_id, amount)?;
    let acq = r.acquirer_info.clone().unwrap_or_default();
    let meta = non_empty(&acq.acquirer_meta_data);
    if meta.is_none() {
        tracing::warn!(
            request_id,
            "approved purchase without acquirerMetaData: it cannot be cancelled through the API"
        );
    }
    let vendor = KiccVendorData {
        request_id: request_id.to_string(),
        acquirer_meta_data: meta,
        payment_amount: amount.minor,
        tax_amount: won(&r.tax_amount),
        tip_amount: won(&r.tip_amount),
        installment_num: r
            .credit_pay_plan
            .as_ref()
            .map(|p| p.installment_num.clone())
            .unwrap_or_else(|| "0".into()),
        acquirer_transaction_id: non_empty(&acq.acquirer_transaction_id),
        acquirer_approval_num: non_empty(&acq.acquirer_approval_num),
    };
    Ok(Approval {
        terminal_payment_id: request_id.to_string(),
        amount,
        paid_at: None,
        receipt: receipt_from(r),
        vendor_data: serde_json::to_value(&vendor).unwrap_or(serde_json::Value::Null),
    })
}

/// A PurchaseCancel success as a [`RefundApproval`], if it is about this refund and amount.
/// The refund id is the cancel's own `requestId`, for the reasons [`approval_from`] gives.
pub fn refund_approval_from(
    r: &ResponseData,
    refund_request_id: &str,
    amount: Money,
) -> Result<RefundApproval, UnknownReason> {
    check_success(r, refund_request_id, amount)?;
    let acq = r.acquirer_info.clone().unwrap_or_default();
    let approval = non_empty(&acq.acquirer_approval_num);
    let serial = non_empty(&acq.acquirer_transaction_id);
    Ok(RefundApproval {
        terminal_refund_id: refund_request_id.to_string(),
        amount,
        vendor_data: serde_json::json!({
            "acquirerApprovalNum": approval,
            "acquirerTransactionId": serial,
            "notice": non_empty(&acq.notice),
        }),
    })
}

/// Checks that a GetLastTransaction answer is about `command` `request_id` for `amount`.
fn same_transaction(
    r: &ResponseData,
    command: &str,
    request_id: &str,
    amount: Money,
) -> Result<(), InquiryError> {
    let mismatch = |m: String| Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(m)));
    let cmd = r.response_command.as_deref().unwrap_or("");
    let id = r.request_id.as_deref().unwrap_or("");
    if cmd != command || id != request_id {
        return mismatch(format!(
            "the terminal's last transaction is {cmd} {id:?}, not {command} {request_id:?}: \
             a manager must check the terminal's history"
        ));
    }
    match r.payment_amount.as_ref().and_then(krw_amount) {
        Some(m) if m == amount => Ok(()),
        Some(m) => mismatch(format!(
            "the terminal's last transaction is for {m}, not {amount}"
        )),
        None => Err(InquiryError::Untrustworthy(UnknownReason::Malformed(
            "the last transaction has no readable KRW amount".into(),
        ))),
    }
}

/// How a last transaction about the right request ended: `Ok(None)` for success.
fn ended(r: &ResponseData) -> Result<Option<Decline>, InquiryError> {
    let result = r.result.clone().unwrap_or_default();
    if result.result_code == RESULT_SUCCESS {
        return Ok(None);
    }
    let raw = serde_json::json!({"result": result});
    match business_failure(&raw) {
        BusinessVerdict::Declined(d) => Ok(Some(d)),
        BusinessVerdict::Unknown(reason) => Err(InquiryError::Untrustworthy(reason)),
    }
}

/// Reads GetLastTransaction's answer for a payment query.
pub fn last_purchase_status(
    r: &ResponseData,
    q: &PaymentQuery,
) -> Result<PaymentStatus, InquiryError> {
    same_transaction(r, CMD_PURCHASE, q.request_id.as_str(), q.amount)?;
    match ended(r)? {
        None => approval_from(r, q.request_id.as_str(), q.amount)
            .map(PaymentStatus::Succeeded)
            .map_err(InquiryError::Untrustworthy),
        Some(d) => Ok(PaymentStatus::Failed(d)),
    }
}

/// Reads GetLastTransaction's answer for a refund query.
pub fn last_cancel_status(r: &ResponseData, q: &RefundQuery) -> Result<RefundStatus, InquiryError> {
    let id = q.request.refund_request_id.as_str();
    same_transaction(r, CMD_PURCHASE_CANCEL, id, q.request.amount)?;
    match ended(r)? {
        None => refund_approval_from(r, id, q.request.amount)
            .map(RefundStatus::Succeeded)
            .map_err(InquiryError::Untrustworthy),
        Some(d) => Ok(RefundStatus::Failed(d)),
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
