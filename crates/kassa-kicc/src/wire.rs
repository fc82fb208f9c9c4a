//! Wire types of the KICC bridge (docs/protocols.md §3.2) and of the KICC command parameters and
//! `responseData` (§3.1, seed 003), in the vendor's own vocabulary. Plain serde structs: the
//! meaning of the fields is decided in `map`, never here. Shared with the device emulator in
//! `kassa-sim`, so both sides speak exactly the same bytes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `provider` sent in `init`.
pub const PROVIDER: &str = "KICC";
/// Command: charge a card.
pub const CMD_PURCHASE: &str = "Purchase";
/// Command: cancel (refund) a whole purchase.
pub const CMD_PURCHASE_CANCEL: &str = "PurchaseCancel";
/// Command: the device's most recent Purchase or PurchaseCancel.
pub const CMD_GET_LAST_TRANSACTION: &str = "GetLastTransaction";
/// Command: stop a running Purchase before the card is read.
pub const CMD_COMMAND_CANCEL: &str = "CommandCancel";
/// The only currency KICC devices take.
pub const CURRENCY_KRW: &str = "KRW";
/// Longest line either side may send, newline excluded (64 KiB).
pub const MAX_LINE: usize = 64 * 1024;

/// One line of the bridge protocol. `type` selects the variant; a `type` this side does not
/// know becomes [`Frame::Other`] and is logged and ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Frame {
    /// POS → bridge: initialise the SDK for a merchant.
    Init {
        /// Correlates the `initResult`.
        id: String,
        /// Always [`PROVIDER`].
        provider: String,
        /// The merchant id the SDK is initialised with.
        merchant_id: String,
        /// The POS's handshake nonce: base64 of 16 random bytes (see `crate::auth`).
        #[serde(default)]
        nonce: String,
    },
    /// POS → bridge: run one command.
    Command {
        /// Correlates events and the outcome.
        id: String,
        /// `Purchase`, `PurchaseCancel`, `GetLastTransaction`, `CommandCancel`.
        command: String,
        /// `commandRequestParams`.
        params: Value,
        /// The command's timeout on the device side.
        timeout_seconds: u64,
    },
    /// Bridge → POS: the `onInitResult` callback.
    InitResult {
        /// The `init`'s id.
        id: String,
        /// `INIT_SUCCESS`, `INIT_FAILED`, `INIT_PARAM_ERROR`.
        code: String,
        /// The SDK's message.
        #[serde(default)]
        message: String,
        /// The bridge's handshake nonce: base64 of 16 random bytes (see `crate::auth`).
        #[serde(default)]
        nonce: String,
    },
    /// Bridge → POS: an `EDCServiceEvent` of a running command.
    Event {
        /// The command's id.
        id: String,
        /// The event code (see [`crate::codes::EventCode`]).
        code: String,
    },
    /// Bridge → POS: `onSuccess`.
    Success {
        /// The command's id.
        id: String,
        /// The command's `responseData`.
        #[serde(default)]
        response_data: Value,
    },
    /// Bridge → POS: `onCommandFailed`.
    CommandFailed {
        /// The command's id.
        id: String,
        /// See [`crate::codes::CommandErrorCode`].
        error_code: String,
        /// The SDK's message.
        #[serde(default)]
        error_message: String,
    },
    /// Bridge → POS: `onBusinessFailed`.
    BusinessFailed {
        /// The command's id.
        id: String,
        /// `responseData` with at least `result.resultCode`.
        #[serde(default)]
        response_data: Value,
    },
    /// Either side: are you there?
    Ping,
    /// Either side: yes.
    Pong,
    /// A `type` this side does not know.
    #[serde(other)]
    Other,
}

/// An amount as KICC writes it: whole won as a decimal string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmountValue {
    /// Whole won. Sent as a string; a number is accepted when reading.
    pub value: Value,
    /// Always `KRW`.
    pub currency: String,
}

impl AmountValue {
    /// Whole won in the string form KICC sends.
    pub fn krw(won: i64) -> AmountValue {
        AmountValue {
            value: Value::String(won.to_string()),
            currency: CURRENCY_KRW.into(),
        }
    }
}

/// `creditPayPlan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditPayPlan {
    /// Installment months as a string; `"0"` is a lump sum.
    pub installment_num: String,
}

/// `acquirerInfo` as a request carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestAcquirerInfo {
    /// Terminal id at the acquirer (TID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acquirer_terminal_id: Option<String>,
    /// Business registration number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acquirer_registration_no: Option<String>,
    /// The purchase's `acquirerMetaData` (PurchaseCancel only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acquirer_meta_data: Option<String>,
}

/// `Purchase` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseParams {
    /// Merchant transaction number; never reused.
    pub request_id: String,
    /// Total to charge.
    pub payment_amount: AmountValue,
    /// VAT contained in the total.
    pub tax_amount: AmountValue,
    /// Service fee contained in the total.
    pub tip_amount: AmountValue,
    /// Installments.
    pub credit_pay_plan: CreditPayPlan,
    /// Seconds the customer has to present a card, as a string.
    pub payment_expiry_time: String,
    /// TID and registration number.
    pub acquirer_info: RequestAcquirerInfo,
}

/// `PurchaseCancel` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseCancelParams {
    /// The cancel's own id; never the purchase's.
    pub request_id: String,
    /// The purchase's total.
    pub payment_amount: AmountValue,
    /// The purchase's tip.
    pub tip_amount: AmountValue,
    /// The purchase's installments.
    pub credit_pay_plan: CreditPayPlan,
    /// The purchase's `acquirerMetaData`, TID and registration number.
    pub acquirer_info: RequestAcquirerInfo,
}

/// `result`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultInfo {
    /// `SUCCESS` or a business code.
    #[serde(default)]
    pub result_code: String,
    /// The vendor's message.
    #[serde(default)]
    pub result_message: String,
}

/// `acquirerInfo` as a response carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseAcquirerInfo {
    /// Acquirer's result code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_result_code: Option<String>,
    /// Acquirer's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_result_message: Option<String>,
    /// Acquirer's transaction serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_transaction_id: Option<String>,
    /// TID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_terminal_id: Option<String>,
    /// Business registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_registration_no: Option<String>,
    /// The store's merchant id at the acquirer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_merchant_id: Option<String>,
    /// KICC approval number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_approval_num: Option<String>,
    /// Acquirer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_name: Option<String>,
    /// Text the receipt should print.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// Opaque acquirer data, required to cancel the purchase later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_meta_data: Option<String>,
    /// Signature image data (signed purchases); never stored by Kassa.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_data: Option<String>,
}

/// `paymentResultInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResultInfo {
    /// First eight digits of the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_bin: Option<String>,
    /// Wallet bar code number; never stored by Kassa.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_id: Option<String>,
    /// Issuer code / card name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_code: Option<String>,
    /// `DEBIT`, `CREDIT`, `PREPAID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<String>,
    /// ISO country of the payment method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_region: Option<String>,
    /// `CARD`, `CONNECT_WALLET`, `SAMSUNGPAY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_type: Option<String>,
}

/// `responseData` of Purchase, PurchaseCancel, GetLastTransaction and business failures.
/// Everything is optional here; `map` decides what a trustworthy answer must contain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseData {
    /// `Purchase` or `PurchaseCancel` (GetLastTransaction only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_command: Option<String>,
    /// The request this answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_amount: Option<AmountValue>,
    /// VAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_amount: Option<AmountValue>,
    /// Tip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip_amount: Option<AmountValue>,
    /// Installments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_pay_plan: Option<CreditPayPlan>,
    /// Result code and message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultInfo>,
    /// Acquirer data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_info: Option<ResponseAcquirerInfo>,
    /// Card data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_result_info: Option<PaymentResultInfo>,
    /// `AD1`, `AD2` notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_info: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_use_the_bridge_spelling() {
        let f = Frame::Command {
            id: "c1".into(),
            command: CMD_PURCHASE.into(),
            params: json!({}),
            timeout_seconds: 95,
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(
            v,
            json!({"type": "command", "id": "c1", "command": "Purchase", "params": {},
                   "timeoutSeconds": 95})
        );
        let init = Frame::Init {
            id: "i".into(),
            provider: PROVIDER.into(),
            merchant_id: "M".into(),
            nonce: "AAECAwQFBgcICQoLDA0ODw==".into(),
        };
        assert_eq!(serde_json::to_value(&init).unwrap()["merchantId"], "M");
        let failed: Frame = serde_json::from_str(
            r#"{"type":"commandFailed","id":"c1","errorCode":"CommandDeviceBusy","errorMessage":"x"}"#,
        )
        .unwrap();
        assert!(matches!(failed, Frame::CommandFailed { ref error_code, .. }
            if error_code == "CommandDeviceBusy"));
        assert_eq!(
            serde_json::from_str::<Frame>(r#"{"type":"ping"}"#).unwrap(),
            Frame::Ping
        );
    }

    #[test]
    fn unknown_types_are_recognisable_not_errors() {
        let f: Frame = serde_json::from_str(r#"{"type":"telemetry","battery":80}"#).unwrap();
        assert_eq!(f, Frame::Other);
        assert!(
            serde_json::from_str::<Frame>(r#"{"id":"x"}"#).is_err(),
            "no type at all"
        );
    }

    #[test]
    fn the_seed_response_sample_parses() {
        let sample = json!({
            "requestId": "123456XXXX",
            "paymentAmount": {"value": "104", "currency": "KRW"},
            "taxAmount": {"value": "9", "currency": "KRW"},
            "tipAmount": {"value": "0", "currency": "KRW"},
            "creditPayPlan": {"installmentNum": "0"},
            "result": {"resultCode": "SUCCESS", "resultMessage": "XXX"},
            "acquirerInfo": {"acquirerTransactionId": "T1", "acquirerApprovalNum": "A1",
                             "acquirerName": "KICC", "notice": " 매입사제출테스트 거래임",
                             "acquirerMetaData": "ImNyZWRp"},
            "paymentResultInfo": {"cardBin": "52364979", "paymentMethodId": "",
                                  "issuerCode": "BC", "funding": "CREDIT",
                                  "paymentMethodRegion": "KR", "paymentMethodType": "CARD"}
        });
        let r: ResponseData = serde_json::from_value(sample).unwrap();
        assert_eq!(r.request_id.as_deref(), Some("123456XXXX"));
        assert_eq!(r.result.unwrap().result_code, "SUCCESS");
        assert_eq!(
            r.acquirer_info.unwrap().acquirer_meta_data.as_deref(),
            Some("ImNyZWRp")
        );
    }
}
