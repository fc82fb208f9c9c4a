//! The emulated device's memory, shared by every connection (a device outlives the POS's
//! connections): its transaction log, the request ids it has seen, the scenario queue and
//! the purchase it is running. Tests read the log to check what was really charged.

use super::scenario::{Scenario, SimTiming};
use kassa_kicc::auth::LineKey;
use kassa_kicc::wire::{
    AmountValue, CreditPayPlan, Frame, PaymentResultInfo, ResponseAcquirerInfo, ResponseData,
    ResultInfo, CMD_PURCHASE, CMD_PURCHASE_CANCEL,
};
use serde_json::Value;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{mpsc, Notify};

/// What a connection's writer sends (see `line.rs`). Every line is numbered and MACed unless
/// the variant says otherwise.
#[derive(Debug)]
pub(crate) enum Out {
    /// A frame.
    Frame(Frame),
    /// Raw text as a line's JSON (for frames this protocol does not define, or garbage).
    Raw(String),
    /// `initResult` under the pairing key, then the session key for every later line.
    Handshake(Frame, LineKey),
    /// The first half of a frame's line, then the connection closes.
    Truncated(Frame),
    /// A frame from a peer without the pairing key: the next number, a MAC under another key.
    Forged(Frame),
    /// A frame as a bare JSON line, without number or MAC.
    Unsigned(Frame),
    /// A frame MACed under the pairing key where the session key is due.
    WrongKey(Frame),
    /// A frame numbered one past the next line (one number left out).
    SkipSeq(Frame),
    /// The line of the first frame with the second frame's JSON in it: changed after its MAC
    /// was made.
    Tampered(Frame, Frame),
    /// The last line written, again, byte for byte.
    ReplayLast,
    /// Close the connection.
    Close,
}

/// How a recorded transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxResult {
    /// Approved: the card was charged (or the purchase cancelled, for a PurchaseCancel).
    Approved {
        /// `acquirerApprovalNum`.
        approval_num: String,
        /// `acquirerTransactionId`.
        transaction_id: String,
    },
    /// Not approved, with the business code the device reported.
    Failed {
        /// `result.resultCode`.
        code: String,
    },
}

/// One Purchase or PurchaseCancel the device processed.
#[derive(Debug, Clone, PartialEq)]
pub struct TxRecord {
    /// `Purchase` or `PurchaseCancel`.
    pub command: &'static str,
    /// The command's `requestId`.
    pub request_id: String,
    /// Total in won.
    pub amount: i64,
    /// `acquirerTerminalId` the POS sent.
    pub terminal_id: String,
    /// `acquirerRegistrationNo` the POS sent.
    pub registration_no: String,
    /// How it ended.
    pub result: TxResult,
    /// For an approved purchase: the PurchaseCancel request that cancelled it.
    pub cancelled_by: Option<String>,
    /// For a cancel: the purchase it cancelled.
    pub original: Option<String>,
    /// The `responseData` the device produced (what GetLastTransaction returns).
    pub response: ResponseData,
}

impl TxRecord {
    /// True for a purchase that charged the card and was not cancelled since.
    pub fn is_live_charge(&self) -> bool {
        self.command == CMD_PURCHASE
            && matches!(self.result, TxResult::Approved { .. })
            && self.cancelled_by.is_none()
    }
}

/// A command as the device received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// Command name.
    pub command: String,
    /// Its parameters.
    pub params: Value,
    /// Its `timeoutSeconds`.
    pub timeout_seconds: u64,
}

/// The purchase in progress.
#[derive(Debug)]
pub(crate) struct RunningTx {
    pub(crate) command_id: String,
    pub(crate) out: mpsc::UnboundedSender<Out>,
    pub(crate) card_read: bool,
    pub(crate) cancelled: bool,
    /// Woken when a cancel is accepted.
    pub(crate) wake: Arc<Notify>,
    /// Woken when a cancel is refused.
    pub(crate) refused: Arc<Notify>,
}

/// The device's memory.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) log: Vec<TxRecord>,
    pub(crate) seen: HashSet<String>,
    pub(crate) queue: VecDeque<Scenario>,
    pub(crate) default_scenario: Scenario,
    pub(crate) timing: SimTiming,
    pub(crate) running: Option<RunningTx>,
    /// A command other than a purchase is being processed.
    pub(crate) busy: bool,
    pub(crate) received: Vec<Received>,
    /// The only merchant id `init` accepts, when set.
    pub(crate) merchant: Option<String>,
    /// Writers of the open connections.
    pub(crate) conns: Vec<mpsc::UnboundedSender<Out>>,
    /// Pings go unanswered (the bridge app is frozen): diagnosis reports not ready.
    pub(crate) ping_silent: bool,
    /// Plays a bridge without the pairing key: takes any `init` and answers under a key of
    /// its own.
    pub(crate) impostor: bool,
    /// Every approval carries the same approval number and no acquirer serial.
    pub(crate) repeat_approval: bool,
    serial: u64,
}

/// The device, shared by its connections.
#[derive(Debug)]
pub(crate) struct Device(Mutex<State>);

impl Device {
    pub(crate) fn new(timing: SimTiming, default_scenario: Scenario) -> Device {
        Device(Mutex::new(State {
            log: Vec::new(),
            seen: HashSet::new(),
            queue: VecDeque::new(),
            default_scenario,
            timing,
            running: None,
            busy: false,
            received: Vec::new(),
            merchant: None,
            conns: Vec::new(),
            ping_silent: false,
            impostor: false,
            repeat_approval: false,
            serial: 0,
        }))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl State {
    /// The scenario for the next Purchase or PurchaseCancel.
    pub(crate) fn next_scenario(&mut self) -> Scenario {
        self.queue.pop_front().unwrap_or(self.default_scenario)
    }

    /// True while a command other than CommandCancel is being processed.
    pub(crate) fn is_busy(&self) -> bool {
        self.busy || self.running.is_some()
    }

    /// Fresh approval number and transaction serial (or the repeated number and no serial).
    pub(crate) fn next_ids(&mut self) -> (String, String) {
        self.serial += 1;
        if self.repeat_approval {
            return (REPEATED_APPROVAL.into(), String::new());
        }
        (
            format!("{:08}", 16_263_484 + self.serial),
            format!("T{:011}", self.serial),
        )
    }

    /// The newest transaction, for GetLastTransaction.
    pub(crate) fn last(&self) -> Option<&TxRecord> {
        self.log.last()
    }
}

/// The approval number of [`super::KiccSim::repeat_approval_number`].
pub const REPEATED_APPROVAL: &str = "16263485";

/// `acquirerMetaData` the emulator hands out: hex of a small JSON naming the purchase.
pub(crate) fn meta_for(request_id: &str, transaction_id: &str) -> String {
    let json = serde_json::json!({"requestId": request_id, "transactionId": transaction_id});
    json.to_string()
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads back [`meta_for`]: the purchase's request id.
pub(crate) fn purchase_of_meta(meta: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = meta
        .as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => std::str::from_utf8(&[*hi, *lo])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok()),
            _ => None,
        })
        .collect();
    let v: Value = serde_json::from_slice(&bytes?).ok()?;
    v.get("requestId")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Fields of a request that go into a response.
#[derive(Debug, Clone)]
pub(crate) struct Asked {
    pub(crate) request_id: String,
    pub(crate) amount: i64,
    pub(crate) tax: i64,
    pub(crate) tip: i64,
    pub(crate) installments: String,
    pub(crate) terminal_id: String,
    pub(crate) registration_no: String,
}

/// The responseData of an approved purchase or cancel.
pub(crate) fn approved_response(
    command: &str,
    a: &Asked,
    approval_num: &str,
    transaction_id: &str,
    meta: Option<String>,
) -> ResponseData {
    let mut r = base_response(command, a, "SUCCESS", "정상승인");
    r.acquirer_info = Some(ResponseAcquirerInfo {
        acquirer_result_code: Some("0000".into()),
        acquirer_result_message: Some("정상승인".into()),
        acquirer_transaction_id: (!transaction_id.is_empty()).then(|| transaction_id.into()),
        acquirer_terminal_id: Some(a.terminal_id.clone()),
        acquirer_registration_no: Some(a.registration_no.clone()),
        acquirer_merchant_id: Some("608525310521".into()),
        acquirer_approval_num: Some(approval_num.into()),
        acquirer_name: Some("KICC".into()),
        notice: Some(" 매입사제출테스트 거래임".into()),
        acquirer_meta_data: meta,
        sign_data: (a.amount > 50_000).then(|| "SIGNDATA-BASE64".into()),
    });
    if command == CMD_PURCHASE {
        r.payment_result_info = Some(PaymentResultInfo {
            card_bin: Some("52364979".into()),
            payment_method_id: Some(String::new()),
            issuer_code: Some("BC".into()),
            funding: Some("CREDIT".into()),
            payment_method_region: Some("KR".into()),
            payment_method_type: Some("CARD".into()),
        });
    }
    r
}

/// The responseData of a business failure.
pub(crate) fn failed_response(command: &str, a: &Asked, code: &str, message: &str) -> ResponseData {
    let mut r = base_response(command, a, code, message);
    r.acquirer_info = Some(ResponseAcquirerInfo::default());
    r
}

fn base_response(command: &str, a: &Asked, code: &str, message: &str) -> ResponseData {
    ResponseData {
        response_command: None,
        request_id: Some(a.request_id.clone()),
        payment_amount: Some(AmountValue::krw(a.amount)),
        tax_amount: Some(AmountValue::krw(a.tax)),
        tip_amount: Some(AmountValue::krw(a.tip)),
        credit_pay_plan: Some(CreditPayPlan {
            installment_num: a.installments.clone(),
        }),
        result: Some(ResultInfo {
            result_code: code.into(),
            result_message: message.into(),
        }),
        acquirer_info: None,
        payment_result_info: None,
        extend_info: (command == CMD_PURCHASE_CANCEL)
            .then(|| serde_json::json!({"AD1": "", "AD2": ""})),
    }
}

/// Serialises a responseData (never fails for these plain structs).
pub(crate) fn to_value(r: &ResponseData) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_names_its_purchase() {
        let m = meta_for("P123", "T00000000001");
        assert_eq!(purchase_of_meta(&m).as_deref(), Some("P123"));
        assert_eq!(purchase_of_meta("zz"), None);
        assert_eq!(purchase_of_meta("abc"), None);
    }
}
