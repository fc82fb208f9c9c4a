//! The N950 LAN API's JSON bodies (docs/protocols.md §1.4), as plain serde structs in Antom's own
//! vocabulary. No mapping lives here: the driver turns these into core types. Everything the
//! terminal may omit is optional, so a sparse answer parses and the driver decides what is
//! missing.

use crate::codes::{PaymentStatusCode, RefundStatusCode, ResultCode, ResultStatus};
use serde::{Deserialize, Deserializer, Serialize};

/// API paths, relative to `http://{host}:{port}`.
pub mod path {
    /// Terminal status.
    pub const DIAGNOSIS: &str = "/v2/device/diagnosis";
    /// Start a payment.
    pub const PAY: &str = "/v2/payments/pay";
    /// Ask about a payment by `paymentRequestId`.
    pub const INQUIRY_PAYMENT: &str = "/v2/payments/inquiryPayment";
    /// Refund a payment.
    pub const REFUND: &str = "/v2/payments/refund";
    /// Ask about a refund by `refundId`.
    pub const INQUIRY_REFUND: &str = "/v2/payments/inquiryRefund";
}

/// An amount: `value` in integer minor units. Read from an integer or a string of digits
/// (other Antom APIs send strings); always written as an integer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// Minor units.
    #[serde(deserialize_with = "minor_units")]
    pub value: i64,
    /// ISO 4217 code.
    pub currency: String,
}

fn minor_units<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    kassa_core::Money::minor_from_json(&v).ok_or_else(|| {
        serde::de::Error::custom(format!("amount value {v} is not integer minor units"))
    })
}

/// `result`: the outcome of the call (not of the payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultInfo {
    /// `S`, `F` or `U`.
    pub result_status: ResultStatus,
    /// The code.
    pub result_code: ResultCode,
    /// Text for troubleshooting.
    #[serde(default)]
    pub result_message: String,
}

/// Body of `diagnosis` (and the minimum of every request).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisRequest {
    /// Merchant's free text; empty.
    pub extend_info: String,
}

/// Answer to `diagnosis`: each status `Y` or `N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisResponse {
    /// Outcome of the call.
    pub result: ResultInfo,
    /// Network to the payment platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_status: Option<String>,
    /// Receipt printer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer_status: Option<String>,
    /// The terminal as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_status: Option<String>,
}

/// Body of `pay`. Field order is the order on the wire (it matches the vectors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayRequest {
    /// Idempotency key: the same id never charges twice.
    pub payment_request_id: String,
    /// e.g. `CARD`; the N950 table is not public, so it is configured.
    pub payment_method: String,
    /// What to charge.
    pub payment_amount: Amount,
    /// Original merchant order, when the merchant wants it on the terminal's record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_merchant_order_id: Option<String>,
    /// Original merchant store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_merchant_store_id: Option<String>,
    /// Merchant's free text; empty.
    #[serde(default)]
    pub extend_info: String,
}

/// `paymentReceipt`: each side is a JSON object *serialised into a string* (empty for QR).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentReceipt {
    /// The merchant's copy.
    #[serde(default)]
    pub cashier_receipt: String,
    /// The customer's copy.
    #[serde(default)]
    pub customer_receipt: String,
}

/// Answer to `pay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayResponse {
    /// Outcome of the call.
    pub result: ResultInfo,
    /// Echo of the request id, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_request_id: Option<String>,
    /// Antom's id for the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// Echo of the amount, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_amount: Option<Amount>,
    /// When it was paid, as the terminal writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_time: Option<String>,
    /// Receipt data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_receipt: Option<PaymentReceipt>,
}

/// Body of `inquiryPayment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryPaymentRequest {
    /// The id the payment was sent with.
    pub payment_request_id: String,
    /// Merchant's free text; empty.
    #[serde(default)]
    pub extend_info: String,
}

/// Answer to `inquiryPayment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryPaymentResponse {
    /// Outcome of the call.
    pub result: ResultInfo,
    /// Echo of the request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_request_id: Option<String>,
    /// Antom's id for the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The payment's own state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<PaymentStatusCode>,
    /// The amount of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_amount: Option<Amount>,
    /// The method used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_create_time: Option<String>,
    /// When it was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_time: Option<String>,
}

/// Body of `refund`. No `refundAmount` means a full refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    /// Idempotency key of the refund.
    pub refund_request_id: String,
    /// Antom's id of the payment refunded.
    pub payment_id: String,
    /// Partial amount; absent for a full refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Amount>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// The refund request id again, "required for USB cable communication mode" (Antom's
    /// refund page, docs/protocols.md §1.4); absent over the LAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_merchant_refund_id: Option<String>,
    /// Merchant's free text; empty.
    #[serde(default)]
    pub extend_info: String,
}

/// Answer to `refund`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundResponse {
    /// Outcome of the call.
    pub result: ResultInfo,
    /// Echo of the refund request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_request_id: Option<String>,
    /// Antom's id for the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// The refunded amount, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Amount>,
}

/// Body of `inquiryRefund` (by Antom's refund id, not the request id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryRefundRequest {
    /// Antom's id for the refund.
    pub refund_id: String,
    /// Merchant's free text; empty.
    #[serde(default)]
    pub extend_info: String,
}

/// Answer to `inquiryRefund`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryRefundResponse {
    /// Outcome of the call.
    pub result: ResultInfo,
    /// Echo of the refund id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// The refund's own state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<RefundStatusCode>,
    /// When it was refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_time: Option<String>,
    /// The payment refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The refunded amount, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Amount>,
}

/// The fields of a receipt JSON string (`customerReceipt`/`cashierReceipt`) that a receipt
/// may show. Anything else the terminal puts there is dropped on parse; a number where text
/// was expected is taken as its digits, anything else as absent, so one odd field never costs
/// the rest of the receipt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptFields {
    /// Acquirer's merchant number.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub acquirer_merchant_id: Option<String>,
    /// When the acquirer processed it.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub acquirer_process_time: Option<String>,
    /// Acquirer's terminal number.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub acquirer_terminal_id: Option<String>,
    /// EMV application id.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub aid: Option<String>,
    /// EMV application cryptogram.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub application_cryptogram: Option<String>,
    /// EMV application label.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub application_label: Option<String>,
    /// Approval number.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub approval_code: Option<String>,
    /// Card brand.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub card_brand: Option<String>,
    /// Masked card number.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub card_no: Option<String>,
    /// Cardholder verification method.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub cvm: Option<String>,
    /// How the card was read.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub pos_entry_mode: Option<String>,
    /// Retrieval reference number.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub rrn: Option<String>,
    /// Terminal verification results.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub tvr: Option<String>,
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_request_serialises_as_in_the_vectors() {
        let req = PayRequest {
            payment_request_id: "KS20261121A0001".into(),
            payment_method: "CARD".into(),
            payment_amount: Amount {
                value: 12500,
                currency: "KRW".into(),
            },
            original_merchant_order_id: None,
            original_merchant_store_id: None,
            extend_info: String::new(),
        };
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"paymentRequestId":"KS20261121A0001","paymentMethod":"CARD","paymentAmount":{"value":12500,"currency":"KRW"},"extendInfo":""}"#
        );
    }

    #[test]
    fn amount_value_reads_integer_or_string_and_writes_integer() {
        for text in [
            r#"{"value":12500,"currency":"KRW"}"#,
            r#"{"value":"12500","currency":"KRW"}"#,
        ] {
            let a: Amount = serde_json::from_str(text).unwrap();
            assert_eq!(
                a,
                Amount {
                    value: 12500,
                    currency: "KRW".into()
                }
            );
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                r#"{"value":12500,"currency":"KRW"}"#
            );
        }
        for bad in [
            r#"{"value":"12.5","currency":"USD"}"#,
            r#"{"value":12.5,"currency":"USD"}"#,
            r#"{"value":null,"currency":"USD"}"#,
        ] {
            assert!(serde_json::from_str::<Amount>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sparse_and_unknown_answers_parse() {
        let r: PayResponse = serde_json::from_str(
            r#"{"result":{"resultStatus":"U","resultCode":"NEW_CODE"},"somethingNew":1}"#,
        )
        .unwrap();
        assert_eq!(r.result.result_status, ResultStatus::U);
        assert_eq!(r.result.result_code, ResultCode::Unknown("NEW_CODE".into()));
        assert_eq!(r.payment_id, None);
        assert!(
            serde_json::from_str::<PayResponse>("{}").is_err(),
            "result is required"
        );
    }

    #[test]
    fn receipt_fields_keep_only_what_a_receipt_may_show() {
        let f: ReceiptFields = serde_json::from_str(
            r#"{"cardNo":"4111********1111","approvalCode":123456,"aid":{"x":1},"expiryDate":"2912","track2":"x"}"#,
        )
        .unwrap();
        assert_eq!(f.card_no.as_deref(), Some("4111********1111"));
        assert_eq!(
            f.approval_code.as_deref(),
            Some("123456"),
            "a number is read as its digits"
        );
        assert_eq!(
            f.aid, None,
            "an object where text belongs is dropped, not fatal"
        );
        let back = serde_json::to_string(&f).unwrap();
        assert!(!back.contains("2912") && !back.contains("track2"), "{back}");
    }
}
