//! IOT Pay's wire types in its own vocabulary (`mchOrderNo`, `payOrder`, `retCode`), and the
//! vendor constants beside them. No mapping to Kassa's types happens here; the simulator
//! speaks the same structs from the other side.

use serde::{Deserialize, Deserializer, Serialize};

/// Path of the create-order call under the base URL.
pub const CREATE_ORDER_PATH: &str = "create_order";
/// Path of the query-order call under the base URL.
pub const QUERY_ORDER_PATH: &str = "query_order";
/// The form field carrying the JSON parameters.
pub const FORM_FIELD: &str = "params";
/// The PAX semi-integration channel.
pub const CHANNEL_CC_PAX: &str = "CC_PAX";
/// `notifyUrl` the vendor requires for `CC_PAX`.
pub const NOTIFY_URL_CC_PAX: &str = "http://localhost";
/// The value of `retCode` / `resCode` that means success.
pub const SUCCESS: &str = "SUCCESS";
/// The value of `retCode` / `resCode` that means failure.
pub const FAIL: &str = "FAIL";
/// Longest `mchOrderNo` the cloud accepts.
pub const MCH_ORDER_NO_MAX: usize = 30;

/// `errCode` values that say the order asked about does not exist.
///
/// IOT Pay documents `errCode`/`errCodeDes` on `query_order` (sample: `SYSTEMERROR`, "system
/// error") but not the code of a missing order; this list and [`ORDER_NOT_EXIST_TEXTS`] are
/// the only answers read as "no such order" (docs/protocols.md §4.3). Every other `resCode`
/// FAIL leaves the attempt unknown: a busy or failing cloud must never look like an order
/// that was never made, or recovery would end the attempt as failed and the sale be charged
/// twice. The simulator answers a missing order with the first of each list.
pub const ORDER_NOT_EXIST_CODES: &[&str] = &["ORDERNOTEXIST", "ORDER_NOT_EXIST"];

/// `errCodeDes` / `retMsg` texts (compared without case, surrounding space or a final `.`)
/// that say the order does not exist; see [`ORDER_NOT_EXIST_CODES`].
pub const ORDER_NOT_EXIST_TEXTS: &[&str] = &[
    "order not exist",
    "order does not exist",
    "order not found",
    "pay order not exist",
];

/// Whether a `resCode` FAIL answer says, in so many words, that the order does not exist:
/// a recognised `errCode`, or no `errCode` (or an empty one) and a recognised text. An
/// `errCode` of anything else (e.g. `SYSTEMERROR`) wins over any text.
pub fn says_order_does_not_exist(resp: &OrderResponse) -> bool {
    let norm = |t: &str| t.trim().trim_end_matches('.').trim().to_ascii_lowercase();
    let code = resp.err_code.as_deref().map(str::trim).unwrap_or_default();
    if !code.is_empty() {
        return ORDER_NOT_EXIST_CODES
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code));
    }
    [&resp.err_code_des, &resp.ret_msg]
        .into_iter()
        .flatten()
        .any(|t| ORDER_NOT_EXIST_TEXTS.contains(&norm(t).as_str()))
}

/// Writes minor units as decimal text: every parameter goes out as a string
/// (docs/protocols.md §4.2), so clients that drop "falsy" values sign the same text.
pub fn decimal_text<S: serde::Serializer>(minor: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&minor.to_string())
}

/// Reads minor units sent either as a JSON integer or as a decimal string (the seed's request
/// sample sends `"amount": "1"`, its response `"amount": 1`).
pub fn minor_units<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    kassa_core::Money::minor_from_json(&v)
        .ok_or_else(|| serde::de::Error::custom(format!("{v} is not an amount in minor units")))
}

/// Reads a field that should be text but may arrive as a number, bool or null.
fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    })
}

/// `create_order` parameters (without `sign`, which is added over the serialized fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderParams {
    /// Merchant id assigned by IOT Pay.
    pub mch_id: String,
    /// The merchant's unique order id (≤ 30): Kassa's attempt request id.
    pub mch_order_no: String,
    /// Always [`CHANNEL_CC_PAX`] here.
    pub channel_id: String,
    /// Three-letter currency code.
    pub currency: String,
    /// Amount in minor units, the whole sum to charge (sent as decimal text).
    #[serde(deserialize_with = "minor_units", serialize_with = "decimal_text")]
    pub amount: i64,
    /// The client's IP address.
    pub client_ip: String,
    /// Device info (optional for the vendor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// [`NOTIFY_URL_CC_PAX`] for this channel.
    pub notify_url: String,
    /// Product title (≤ 64).
    pub subject: String,
    /// Product description (≤ 255).
    pub body: String,
    /// Free text the vendor requires to be non-empty.
    pub extra: String,
    /// The merchant's IOT Pay login name (docs/protocols.md §4.1), not a cashier's.
    pub job_no: String,
    /// Optional remarks (≤ 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// Tip in minor units as decimal text. Kassa sends `"0"`, as the seed's sample does: the
    /// tip is already inside `amount`, and IOT Pay does not say whether its `tip` is added on
    /// top, so the driver never splits it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
}

/// `query_order` parameters (without `sign`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryOrderParams {
    /// Merchant id.
    pub mch_id: String,
    /// The order asked about.
    pub mch_order_no: String,
}

/// The answer of both calls. Fields Kassa does not need are ignored when reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderResponse {
    /// Communication result: [`SUCCESS`] or [`FAIL`].
    pub ret_code: String,
    /// Business result: [`SUCCESS`] or [`FAIL`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub res_code: Option<String>,
    /// Error text, only when something went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret_msg: Option<String>,
    /// Extra error detail (often empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret_detail: Option<String>,
    /// Business error code of a `resCode` FAIL (`SYSTEMERROR`; see [`ORDER_NOT_EXIST_CODES`]).
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub err_code: Option<String>,
    /// Its description.
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub err_code_des: Option<String>,
    /// The cloud's order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_order_id: Option<String>,
    /// The merchant's order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mch_order_no: Option<String>,
    /// Everything about the order, in `create_order` answers (`query_order` answers carry the
    /// order's fields at the top level instead: [`FlatOrderResponse`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_order: Option<PayOrder>,
    /// The response signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<String>,
}

/// The order as the cloud holds it: `payOrder` of a `create_order` answer, or the top level
/// of a flat `query_order` answer (which has no `payOrderId`; fields it lacks stay `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayOrder {
    /// The cloud's order id (`CP…`); absent from flat `query_order` answers.
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub pay_order_id: Option<String>,
    /// Merchant id.
    pub mch_id: String,
    /// The merchant's order id.
    pub mch_order_no: String,
    /// Channel, `CC_PAX`.
    pub channel_id: String,
    /// Three-letter currency code.
    pub currency: String,
    /// Amount in minor units.
    #[serde(deserialize_with = "minor_units")]
    pub amount: i64,
    /// Order status code; see [`PayOrderStatus`].
    pub status: i64,
    /// Card data as a JSON string (see [`CardExtra`]).
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub extra: Option<String>,
    /// The cashier login the order was made under.
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_name: Option<String>,
    /// Device info as sent.
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub device_id: Option<String>,
    /// When it was paid (often empty; epoch milliseconds, as text or a number).
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub pay_succ_time: Option<String>,
    /// The payment channel's own reference (often empty for `CC_PAX`).
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_order_no: Option<String>,
    /// Remarks as sent.
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub remarks: Option<String>,
    /// Creation time, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<i64>,
    /// Last update, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_date: Option<i64>,
}

/// A `query_order` answer in the flat shape IOT Pay's order-query page documents: the order's
/// fields next to `retCode`/`resCode` (docs/protocols.md §4.3). The simulator writes it; the
/// driver reads both shapes on both calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlatOrderResponse {
    /// Communication result.
    pub ret_code: String,
    /// Error text (empty on success).
    pub ret_msg: String,
    /// Business result.
    pub res_code: String,
    /// Business error code (empty on success).
    pub err_code: String,
    /// Its description (empty on success).
    pub err_code_des: String,
    /// Merchant id.
    pub mch_id: String,
    /// The merchant's order id.
    pub mch_order_no: String,
    /// Channel, `CC_PAX`.
    pub channel_id: String,
    /// Three-letter currency code.
    pub currency: String,
    /// Amount in minor units.
    #[serde(deserialize_with = "minor_units")]
    pub amount: i64,
    /// The client's IP address as sent.
    pub client_ip: String,
    /// Device info as sent.
    pub device: String,
    /// Product title.
    pub subject: String,
    /// Product description.
    pub body: String,
    /// Merchant's free field.
    pub param1: String,
    /// Merchant's free field.
    pub param2: String,
    /// Card data as a JSON string (see [`CardExtra`]).
    pub extra: String,
    /// When it was paid, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_succ_time: Option<i64>,
    /// The channel's reference.
    pub channel_order_no: String,
    /// Order status code; see [`PayOrderStatus`].
    pub status: i64,
}

/// `payOrder.status` as the vendor defines it (docs/protocols.md §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayOrderStatus {
    /// 0: created.
    Created,
    /// 1: paying (on the terminal).
    Paying,
    /// 2: paid.
    Paid,
    /// 3: paid and finished (notified).
    Finished,
    /// 4: cancelled by the system.
    Cancelled,
    /// 9: cancelled by the user, or declined.
    Failed,
    /// Any other code.
    Other(i64),
}

impl PayOrderStatus {
    /// The status a code stands for.
    pub fn from_code(code: i64) -> PayOrderStatus {
        match code {
            0 => PayOrderStatus::Created,
            1 => PayOrderStatus::Paying,
            2 => PayOrderStatus::Paid,
            3 => PayOrderStatus::Finished,
            4 => PayOrderStatus::Cancelled,
            9 => PayOrderStatus::Failed,
            other => PayOrderStatus::Other(other),
        }
    }

    /// The code on the wire.
    pub fn code(self) -> i64 {
        match self {
            PayOrderStatus::Created => 0,
            PayOrderStatus::Paying => 1,
            PayOrderStatus::Paid => 2,
            PayOrderStatus::Finished => 3,
            PayOrderStatus::Cancelled => 4,
            PayOrderStatus::Failed => 9,
            PayOrderStatus::Other(c) => c,
        }
    }
}

/// The card data in `payOrder.extra` that a receipt may show (docs/protocols.md §4.3). Every other
/// field of that JSON — `expireDate` above all — is never read into memory as a field: serde
/// skips it while parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardExtra {
    /// Card type letter (`M`, `V`).
    #[serde(default, deserialize_with = "lenient_text")]
    pub card_type: Option<String>,
    /// Masked card number.
    #[serde(default, deserialize_with = "lenient_text")]
    pub card_num: Option<String>,
    /// EMV application label.
    #[serde(default, deserialize_with = "lenient_text")]
    pub emv_label: Option<String>,
    /// EMV application id.
    #[serde(default, rename = "emvAID", deserialize_with = "lenient_text")]
    pub emv_aid: Option<String>,
    /// Terminal verification results.
    #[serde(default, rename = "emvTVR", deserialize_with = "lenient_text")]
    pub emv_tvr: Option<String>,
    /// Transaction status information.
    #[serde(default, rename = "emvTSI", deserialize_with = "lenient_text")]
    pub emv_tsi: Option<String>,
    /// Application cryptogram (`ARQC: …`).
    #[serde(default, rename = "emvTC", deserialize_with = "lenient_text")]
    pub emv_tc: Option<String>,
    /// Authorisation code.
    #[serde(default, deserialize_with = "lenient_text")]
    pub auth_num: Option<String>,
    /// Batch number.
    #[serde(default, deserialize_with = "lenient_text")]
    pub batch_num: Option<String>,
    /// Sequence number.
    #[serde(default, deserialize_with = "lenient_text")]
    pub seq_num: Option<String>,
    /// The terminal's invoice number.
    #[serde(default, deserialize_with = "lenient_text")]
    pub term_invoice_num: Option<String>,
    /// Entry method (`T` tap, `C` chip, `S` swipe).
    #[serde(default, deserialize_with = "lenient_text")]
    pub trx_method: Option<String>,
    /// The text to print (`000 Approved 00 Thank You`).
    #[serde(default, deserialize_with = "lenient_text")]
    pub receipt_disp: Option<String>,
    /// Transaction date, `MMDDYYYY`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub trx_date: Option<String>,
    /// Transaction time, `HHMMSS`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub trx_time: Option<String>,
    /// CVM results.
    #[serde(default, deserialize_with = "lenient_text")]
    pub cvm_results: Option<String>,
    /// Transaction code.
    #[serde(default, deserialize_with = "lenient_text")]
    pub trx_code: Option<String>,
}
