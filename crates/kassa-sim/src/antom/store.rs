//! The simulated terminal's own transaction store and its rules (docs/protocols.md §1.4–§1.6):
//! idempotent payments by `paymentRequestId`, inquiries, refunds with Customer Mode limits and
//! one refund in flight per payment. Pure logic over Antom's wire types: it decides each answer
//! and how it is delivered; the server signs, encrypts and sends it.

use super::behaviour::{Behaviour, Final};
use kassa_antom::wire::{self, Amount, ResultInfo};
use kassa_core::{Currency, RequestId};
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

/// A payment as the terminal recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimPayment {
    /// The POS's idempotency key.
    pub payment_request_id: String,
    /// The terminal's id.
    pub payment_id: String,
    /// Charged amount, minor units.
    pub amount: i64,
    /// Its currency.
    pub currency: String,
    /// Where it stands.
    pub status: SimPaymentStatus,
    /// Total refunded so far.
    pub refunded: i64,
    /// Partial refunds made (Customer Mode allows one).
    pub partial_refunds: u32,
    /// When it was created.
    pub created_at: String,
}

/// A payment's state in the simulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SimPaymentStatus {
    /// The card was charged.
    Success,
    /// Not charged, with the decline code.
    Fail(String),
    /// Running: `remaining` more inquiries say PROCESSING, then `then`.
    Processing {
        /// Inquiries still answered PROCESSING.
        remaining: u32,
        /// How it ends.
        then: Final,
    },
}

/// How an answer leaves the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Signed and sent at once.
    Now,
    /// Held this long, then sent.
    After(Duration),
    /// The connection is closed without a response.
    Drop,
    /// Sent with a signature that does not verify.
    BadSignature,
    /// Signed, then one byte of the body changed.
    Tampered,
    /// The plaintext replaced by bytes that are not JSON, then sealed and signed properly.
    Garbage,
    /// Signed, then only the first half of the body sent.
    Truncated,
    /// The previous `pay` answer sent again byte for byte.
    Replay,
    /// The last approving `pay` answer sent again byte for byte (nothing was charged).
    ReplayApproval,
    /// Signed with a `Response-Time` this far in the past.
    StaleResponseTime(Duration),
    /// Sent without `Response-Time`, with a `Request-Time` this far in the past, signed over it.
    StaleRequestTime(Duration),
}

/// How long a `Hang` answer is held: longer than any client waits.
const HANG: Duration = Duration::from_secs(24 * 60 * 60);

/// An answer and its delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The JSON body before encryption.
    pub body: Value,
    /// How to send it.
    pub delivery: Delivery,
    /// A refund to settle as SUCCESS once the answer has been held (`Hold`).
    pub settle_refund: Option<String>,
}

impl Reply {
    /// `body`, sent at once.
    pub fn now<T: Serialize>(body: T) -> Reply {
        Reply::with(body, Delivery::Now)
    }

    /// The same answer, delivered as `delivery` says.
    pub fn delivered(self, delivery: Delivery) -> Reply {
        Reply { delivery, ..self }
    }

    /// `body`, delivered as `delivery` says.
    pub fn with<T: Serialize>(body: T, delivery: Delivery) -> Reply {
        let body = serde_json::to_value(body).unwrap_or_else(|e| json!({"result": {
            "resultStatus": "U", "resultCode": "UNKNOWN_EXCEPTION", "resultMessage": e.to_string()}}));
        Reply {
            body,
            delivery,
            settle_refund: None,
        }
    }
}

/// `result` of a call.
pub fn result(status: &str, code: &str, message: &str) -> ResultInfo {
    ResultInfo {
        result_status: status.into(),
        result_code: code.into(),
        result_message: message.into(),
    }
}

/// An answer that is only a `result`.
pub fn failure(status: &str, code: &str, message: &str) -> Reply {
    Reply::now(json!({ "result": result(status, code, message) }))
}

fn success() -> ResultInfo {
    result("S", "SUCCESS", "success")
}

/// All transactions of one simulated terminal.
#[derive(Debug, Default)]
pub struct Store {
    payments: Vec<SimPayment>,
    refunds: Vec<refunds::SimRefund>,
    seq: u64,
    customer_mode: bool,
}

impl Store {
    /// An empty store; `customer_mode` decides the refund rules.
    pub fn new(customer_mode: bool) -> Store {
        Store {
            customer_mode,
            ..Store::default()
        }
    }

    /// Every payment recorded, oldest first.
    pub fn payments(&self) -> Vec<SimPayment> {
        self.payments.clone()
    }

    /// Every refund recorded, oldest first.
    pub fn refunds(&self) -> Vec<SimRefund> {
        self.refunds.clone()
    }

    fn next_id(&mut self, stamp: &str, kind: u8) -> String {
        self.seq += 1;
        format!("{stamp}{kind}{:010}", self.seq)
    }

    /// `pay`. `next` is asked for a behaviour only when this is a new payment.
    pub fn pay(
        &mut self,
        req: &wire::PayRequest,
        next: impl FnOnce() -> Behaviour,
        now: &str,
        stamp: &str,
    ) -> Reply {
        if let Err(why) = valid_pay(req) {
            return failure("F", "PARAM_ILLEGAL", &why);
        }
        let amount = &req.payment_amount;
        if let Some(p) = self
            .payments
            .iter()
            .find(|p| p.payment_request_id == req.payment_request_id)
        {
            if p.amount != amount.value || !p.currency.eq_ignore_ascii_case(&amount.currency) {
                return failure(
                    "F",
                    "DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT",
                    "same paymentRequestId, different amount",
                );
            }
            return match &p.status {
                SimPaymentStatus::Success => Reply::now(pay_answer(p, success(), None)),
                SimPaymentStatus::Processing { .. } => {
                    failure("U", "PAYMENT_IN_PROGRESS", "payment in progress")
                }
                SimPaymentStatus::Fail(_) => failure("F", "PAYMENT_FAIL", "payment failed"),
            };
        }
        let behaviour = next();
        if behaviour == Behaviour::TerminalBusy {
            return failure("F", "TERMINAL_BUSY", "terminal busy, try later");
        }
        if behaviour == Behaviour::ResetBeforeCharge {
            return Reply::with(json!({}), Delivery::Drop);
        }
        if behaviour == Behaviour::ReplayLastApproval {
            // Nothing is charged; the answer is swapped for the last approval as it was sent.
            return Reply::with(json!({}), Delivery::ReplayApproval);
        }
        let status = match &behaviour {
            Behaviour::Decline(code) => SimPaymentStatus::Fail(code.clone()),
            Behaviour::DelayThenDecline(_) => SimPaymentStatus::Fail("PAYMENT_FAIL".into()),
            Behaviour::InProgress { n, then } => SimPaymentStatus::Processing {
                remaining: *n,
                then: then.clone(),
            },
            Behaviour::Hang => SimPaymentStatus::Processing {
                remaining: u32::MAX,
                then: Final::Approve,
            },
            Behaviour::Approve
            | Behaviour::DelayAnswer(_)
            | Behaviour::DropAfterCharge
            | Behaviour::BadSignature
            | Behaviour::TamperedBody
            | Behaviour::WrongAmount
            | Behaviour::TerminalBusy
            | Behaviour::ResetBeforeCharge
            | Behaviour::GarbageBody
            | Behaviour::TruncatedBody
            | Behaviour::WrongCurrency
            | Behaviour::ReplayPrevious
            | Behaviour::ReplayLastApproval
            | Behaviour::StaleResponseTime(_)
            | Behaviour::StaleRequestTime(_) => SimPaymentStatus::Success,
        };
        let payment = SimPayment {
            payment_request_id: req.payment_request_id.clone(),
            payment_id: self.next_id(stamp, 1),
            amount: amount.value,
            currency: amount.currency.to_ascii_uppercase(),
            status,
            refunded: 0,
            partial_refunds: 0,
            created_at: now.to_string(),
        };
        self.payments.push(payment.clone());
        let p = &payment;
        let approved = |delivery| Reply::with(pay_answer(p, success(), None), delivery);
        match behaviour {
            Behaviour::Approve
            | Behaviour::TerminalBusy
            | Behaviour::ResetBeforeCharge
            | Behaviour::ReplayLastApproval => Reply::now(pay_answer(p, success(), None)),
            Behaviour::Hang => failure("U", "PAYMENT_IN_PROGRESS", "payment in progress")
                .delivered(Delivery::After(HANG)),
            Behaviour::GarbageBody => approved(Delivery::Garbage),
            Behaviour::TruncatedBody => approved(Delivery::Truncated),
            Behaviour::ReplayPrevious => approved(Delivery::Replay),
            Behaviour::StaleResponseTime(d) => approved(Delivery::StaleResponseTime(d)),
            Behaviour::StaleRequestTime(d) => approved(Delivery::StaleRequestTime(d)),
            Behaviour::WrongCurrency => {
                let mut a = pay_answer(p, success(), Some(p.amount));
                if let Some(amount) = a.payment_amount.as_mut() {
                    amount.currency = if amount.currency == "USD" {
                        "EUR"
                    } else {
                        "USD"
                    }
                    .into();
                }
                Reply::now(a)
            }
            Behaviour::Decline(code) => failure("F", &code, "declined by the issuer"),
            Behaviour::DelayAnswer(d) => {
                Reply::with(pay_answer(p, success(), None), Delivery::After(d))
            }
            Behaviour::DelayThenDecline(d) => Reply::with(
                json!({ "result": result("F", "PAYMENT_FAIL", "declined by the issuer") }),
                Delivery::After(d),
            ),
            Behaviour::InProgress { .. } => {
                failure("U", "PAYMENT_IN_PROGRESS", "payment in progress")
            }
            Behaviour::DropAfterCharge => Reply::with(json!({}), Delivery::Drop),
            Behaviour::BadSignature => {
                Reply::with(pay_answer(p, success(), None), Delivery::BadSignature)
            }
            Behaviour::TamperedBody => {
                Reply::with(pay_answer(p, success(), None), Delivery::Tampered)
            }
            Behaviour::WrongAmount => Reply::now(pay_answer(p, success(), Some(p.amount + 1))),
        }
    }

    /// `inquiryPayment`: counts down in-progress payments.
    pub fn inquiry(&mut self, req: &wire::InquiryPaymentRequest) -> Reply {
        let Some(p) = self
            .payments
            .iter_mut()
            .find(|p| p.payment_request_id == req.payment_request_id)
        else {
            return failure("F", "DPOS_PAYMENT_ORDER_NOT_EXIST", "no such payment");
        };
        if let SimPaymentStatus::Processing { remaining, then } = &mut p.status {
            if *remaining > 0 {
                *remaining -= 1;
            } else {
                p.status = match then {
                    Final::Approve => SimPaymentStatus::Success,
                    Final::Decline(code) => SimPaymentStatus::Fail(code.clone()),
                };
            }
        }
        let (status, message) = match &p.status {
            SimPaymentStatus::Success => ("SUCCESS", "success".to_string()),
            SimPaymentStatus::Fail(code) => ("FAIL", code.clone()),
            SimPaymentStatus::Processing { .. } => ("PROCESSING", "success".to_string()),
        };
        Reply::now(wire::InquiryPaymentResponse {
            result: result("S", "SUCCESS", &message),
            payment_request_id: Some(p.payment_request_id.clone()),
            payment_id: Some(p.payment_id.clone()),
            payment_status: Some(status.into()),
            payment_amount: Some(Amount {
                value: p.amount,
                currency: p.currency.clone(),
            }),
            payment_method: Some("CARD".into()),
            payment_create_time: Some(p.created_at.clone()),
            payment_time: (status == "SUCCESS").then(|| p.created_at.clone()),
        })
    }
}

fn valid_pay(req: &wire::PayRequest) -> Result<(), String> {
    RequestId::parse(&req.payment_request_id).map_err(|e| e.to_string())?;
    Currency::from_code(&req.payment_amount.currency).map_err(|e| e.to_string())?;
    if req.payment_amount.value <= 0 {
        return Err("the amount must be positive".into());
    }
    if req.payment_method.trim().is_empty() {
        return Err("paymentMethod is empty".into());
    }
    Ok(())
}

/// A `pay` answer with receipts, the same each time it is asked for. As the N950 answers
/// (docs/protocols.md §1.4) it carries `paymentId` and the receipts only, echoing neither the
/// request id nor the amount; `claimed` makes it echo both, stating that amount (to script a
/// terminal that echoes, and lies).
fn pay_answer(p: &SimPayment, result: ResultInfo, claimed: Option<i64>) -> wire::PayResponse {
    let now = &p.created_at;
    let tail = |n: usize| {
        p.payment_id
            .chars()
            .skip(p.payment_id.len().saturating_sub(n))
            .collect::<String>()
    };
    let customer = json!({
        "cardNo": "541333******0042", "cardBrand": "MASTERCARD", "approvalCode": tail(6),
        "aid": "A0000000041010", "applicationLabel": "MASTERCARD",
        "applicationCryptogram": "8F1A2B3C4D5E6F70", "posEntryMode": "CHIP",
        "rrn": tail(12), "cvm": "PIN",
        "tvr": "0000008000", "acquirerProcessTime": now,
    });
    let mut cashier = customer.clone();
    if let Some(o) = cashier.as_object_mut() {
        o.insert("acquirerMerchantId".into(), json!("00123456789"));
        o.insert("acquirerTerminalId".into(), json!("T0042"));
    }
    wire::PayResponse {
        result,
        payment_request_id: claimed.map(|_| p.payment_request_id.clone()),
        payment_id: Some(p.payment_id.clone()),
        payment_amount: claimed.map(|value| Amount {
            value,
            currency: p.currency.clone(),
        }),
        payment_time: None,
        payment_receipt: Some(wire::PaymentReceipt {
            cashier_receipt: cashier.to_string(),
            customer_receipt: customer.to_string(),
        }),
    }
}

mod refunds;

pub use refunds::SimRefund;

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
