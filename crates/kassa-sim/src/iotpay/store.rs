//! The simulated cloud's memory: the orders it holds and the script of behaviours for the
//! next `create_order` calls (first in, first out; an empty script approves).

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// Default hold of the `timeout` behaviour: far beyond any client's timeout.
pub const DEFAULT_HOLD: Duration = Duration::from_secs(600);

/// What the simulated cloud and PAX terminal do with one `create_order`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Behaviour {
    /// Status 2 with realistic card data (including an `expireDate` the driver must drop).
    Approve,
    /// Status 9, `receiptDisp` "Transaction Not Completed 05".
    Decline,
    /// Status 4: cancelled by the system.
    Cancel,
    /// The order is paid at once but the HTTP answer is held for `hold_ms`.
    Timeout {
        /// How long the answer is held, in milliseconds.
        hold_ms: u64,
    },
    /// The order stays at status 1 (paying) forever.
    StuckPaying,
    /// Paid, but every answer about this order carries a wrong `sign`.
    BadSignature,
    /// Paid, but for 100 minor units more than asked; every answer says so.
    WrongAmount,
    /// Refused at once (`retCode` FAIL): the PAX terminal is busy; no order is created.
    Busy,
    /// The connection is cut before the order reaches the terminal: no order is created and
    /// the answer breaks off.
    ResetBeforeCharge,
    /// Paid, then the answer breaks off.
    ResetAfterCharge,
    /// The order stays at status 1 and the answer never comes.
    Hang,
    /// Answered at once with status 1 (paying); the terminal completes it (status 2) by the
    /// time the first `query_order` arrives.
    InProgress,
    /// Paid, but the answer is an HTML error page, not JSON.
    GarbageBody,
    /// Paid, but only the first half of the signed answer arrives.
    TruncatedBody,
    /// Paid, but the answer's status was changed to 9 after signing (queries are intact).
    TamperedBody,
    /// Paid, but every answer reports another currency.
    WrongCurrency,
    /// Paid, but the answer is the previous `create_order` answer (another order), as sent.
    ReplayPrevious,
}

impl FromStr for Behaviour {
    type Err = String;

    /// `approve`, `decline`, `cancel`, `timeout` or `timeout:SECONDS`, `stuck-paying`,
    /// `bad-signature`, `wrong-amount`, `busy`, `reset-before-charge`, `reset-after-charge`,
    /// `hang`, `in-progress`, `garbage-body`, `truncated-body`, `tampered-body`,
    /// `wrong-currency`, `replay-previous`.
    fn from_str(s: &str) -> Result<Behaviour, String> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let b = match (name.trim(), arg) {
            ("approve", None) => Behaviour::Approve,
            ("decline", None) => Behaviour::Decline,
            ("cancel", None) => Behaviour::Cancel,
            ("timeout", None) => Behaviour::Timeout { hold_ms: DEFAULT_HOLD.as_millis() as u64 },
            ("timeout", Some(secs)) => {
                let secs: u64 = secs
                    .trim()
                    .parse()
                    .map_err(|_| format!("{secs:?} is not a number of seconds (timeout:SECONDS)"))?;
                Behaviour::Timeout { hold_ms: secs.saturating_mul(1000) }
            }
            ("stuck-paying", None) => Behaviour::StuckPaying,
            ("bad-signature", None) => Behaviour::BadSignature,
            ("wrong-amount", None) => Behaviour::WrongAmount,
            ("busy", None) => Behaviour::Busy,
            ("reset-before-charge", None) => Behaviour::ResetBeforeCharge,
            ("reset-after-charge", None) => Behaviour::ResetAfterCharge,
            ("hang", None) => Behaviour::Hang,
            ("in-progress", None) => Behaviour::InProgress,
            ("garbage-body", None) => Behaviour::GarbageBody,
            ("truncated-body", None) => Behaviour::TruncatedBody,
            ("tampered-body", None) => Behaviour::TamperedBody,
            ("wrong-currency", None) => Behaviour::WrongCurrency,
            ("replay-previous", None) => Behaviour::ReplayPrevious,
            _ => {
                return Err(format!(
                    "unknown behaviour {s:?}: use approve, decline, cancel, timeout[:SECONDS], stuck-paying, bad-signature, wrong-amount, busy, reset-before-charge, reset-after-charge, hang, in-progress, garbage-body, truncated-body, tampered-body, wrong-currency or replay-previous"
                ))
            }
        };
        Ok(b)
    }
}

/// One order as the simulated cloud holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimOrder {
    /// The cloud's id (`CP…`).
    pub pay_order_id: String,
    /// The merchant's id for it.
    pub mch_order_no: String,
    /// The amount asked for, minor units.
    pub amount: i64,
    /// The amount the terminal charged (differs only under `wrong-amount`).
    pub charged_amount: i64,
    /// Currency code as the cloud reports it (as sent, except under `wrong-currency`).
    pub currency: String,
    /// `payOrder.status`.
    pub status: i64,
    /// The behaviour it was scripted with.
    pub behaviour: Behaviour,
    /// `jobNo` as sent.
    pub job_no: String,
    /// `clientIp` as sent.
    pub client_ip: String,
    /// `subject` as sent.
    pub subject: String,
    /// `body` as sent.
    pub body: String,
    /// `tip` as sent.
    pub tip: Option<String>,
    /// `device` as sent.
    pub device: Option<String>,
    /// `remarks` as sent.
    pub remarks: Option<String>,
    /// The card data the terminal returned (JSON text), once it is known.
    pub extra: Option<String>,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last change, epoch milliseconds.
    pub updated_ms: i64,
}

impl SimOrder {
    /// Paid (status 2 or 3), whatever amount.
    pub fn is_paid(&self) -> bool {
        matches!(self.status, 2 | 3)
    }
}

/// Orders and the behaviour script, shared by the handlers and the in-process API.
#[derive(Debug, Default)]
pub struct Store {
    orders: Mutex<Vec<SimOrder>>,
    script: Mutex<VecDeque<Behaviour>>,
}

impl Store {
    /// Queues a behaviour for a coming `create_order`.
    pub fn push(&self, b: Behaviour) {
        self.script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(b);
    }

    /// The next scripted behaviour, or approve.
    pub fn next_behaviour(&self) -> Behaviour {
        self.script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
            .unwrap_or(Behaviour::Approve)
    }

    /// Behaviours still queued.
    pub fn queued(&self) -> usize {
        self.script.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Adds an order unless its `mchOrderNo` is taken; false when it is.
    pub fn insert(&self, order: SimOrder) -> bool {
        let mut orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        if orders.iter().any(|o| o.mch_order_no == order.mch_order_no) {
            return false;
        }
        orders.push(order);
        true
    }

    /// Changes an order in place; returns the changed copy.
    pub fn update(&self, mch_order_no: &str, f: impl FnOnce(&mut SimOrder)) -> Option<SimOrder> {
        let mut orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        let o = orders.iter_mut().find(|o| o.mch_order_no == mch_order_no)?;
        f(o);
        Some(o.clone())
    }

    /// One order by `mchOrderNo`.
    pub fn get(&self, mch_order_no: &str) -> Option<SimOrder> {
        self.orders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|o| o.mch_order_no == mch_order_no)
            .cloned()
    }

    /// Every order, oldest first.
    pub fn orders(&self) -> Vec<SimOrder> {
        self.orders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviours_parse_from_the_command_line_and_json() {
        assert_eq!("decline".parse::<Behaviour>().unwrap(), Behaviour::Decline);
        assert_eq!(
            "timeout:5".parse::<Behaviour>().unwrap(),
            Behaviour::Timeout { hold_ms: 5000 }
        );
        assert!("timeout:x".parse::<Behaviour>().is_err());
        assert!("explode".parse::<Behaviour>().is_err());
        assert_eq!(
            "replay-previous".parse::<Behaviour>().unwrap(),
            Behaviour::ReplayPrevious
        );
        let b: Behaviour = serde_json::from_str(r#"{"kind":"timeout","hold_ms":250}"#).unwrap();
        assert_eq!(b, Behaviour::Timeout { hold_ms: 250 });
        assert_eq!(
            serde_json::to_string(&Behaviour::StuckPaying).unwrap(),
            r#"{"kind":"stuck-paying"}"#
        );
    }

    #[test]
    fn script_is_first_in_first_out_and_defaults_to_approve() {
        let s = Store::default();
        s.push(Behaviour::Decline);
        s.push(Behaviour::Cancel);
        assert_eq!(s.next_behaviour(), Behaviour::Decline);
        assert_eq!(s.next_behaviour(), Behaviour::Cancel);
        assert_eq!(s.next_behaviour(), Behaviour::Approve);
    }
}
