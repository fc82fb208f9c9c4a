//! What the simulated cloud says: signed answers (docs/protocols.md §4.2) and the PAX terminal's card
//! data, shaped after the samples in seed 004 (expiry date included, as a real terminal sends
//! it — dropping it is the driver's job).

use super::store::{Behaviour, SimOrder};
use kassa_core::Secret;
use kassa_iotpay::sign::{attach_sign, SIGN_FIELD};
use kassa_iotpay::wire::{
    FlatOrderResponse, OrderResponse, PayOrder, CHANNEL_CC_PAX, FAIL, ORDER_NOT_EXIST_CODES,
    ORDER_NOT_EXIST_TEXTS, SUCCESS,
};
use kassa_iotpay::OrderedJson;
use serde::Serialize;

/// The card data of an approved payment; `n` varies the numbers per order.
pub fn approved_extra(n: u64) -> String {
    serde_json::json!({
        "cardType": "M",
        "cardNum": "XXXXXXXXXXXX1166",
        "expireDate": "1022",
        "emvLabel": "MASTERCARD",
        "emvAID": "A0000000041010",
        "emvTVR": "0000008000",
        "emvTSI": "0000",
        "emvTC": "ARQC: 3D36ACBD44BE512B",
        "termNum": "25957",
        "bankTermNum": "40880013",
        "termInvoiceNum": format!("{:06}", 724_172 + n),
        "seqNum": format!("{:012}", 1_000_061 + n),
        "authNum": format!("{:05}Z", 1_046 + n),
        "batchNum": "0008",
        "trxMethod": "T",
        "accountType": "",
        "receiptDisp": "000 Approved 00 Thank You",
        "cashbackAmount": "",
        "timeStamp": "20210120-19402057",
        "surchargeAmount": "",
        "langCode": "E",
        "trxDate": "01202021",
        "trxTime": "164033",
        "cvmResults": "1F0302",
        "trxCode": "00"
    })
    .to_string()
}

/// The card data of a payment that did not complete, with the terminal's `receiptDisp`.
pub fn unpaid_extra(n: u64, receipt_disp: &str) -> String {
    serde_json::json!({
        "cardType": " ",
        "cardNum": "",
        "expireDate": "    ",
        "emvLabel": "",
        "emvAID": "",
        "emvTVR": "",
        "emvTSI": "",
        "emvTC": "",
        "termNum": "25957",
        "bankTermNum": "40880013",
        "termInvoiceNum": format!("{:06}", 167_339 + n),
        "seqNum": "000000000000",
        "authNum": "",
        "batchNum": "0000",
        "trxMethod": "",
        "accountType": "",
        "receiptDisp": receipt_disp,
        "cashbackAmount": "",
        "timeStamp": "20210922-15231494",
        "surchargeAmount": "",
        "langCode": "E",
        "trxDate": "",
        "trxTime": "",
        "cvmResults": "",
        "trxCode": "00"
    })
    .to_string()
}

/// The `receiptDisp` of a declined card (the seed's sample).
pub const DECLINED_TEXT: &str = "Transaction Not Completed 05";
/// The `receiptDisp` of an order the system cancelled.
pub const CANCELLED_TEXT: &str = "Transaction Cancelled By System";

/// The `create_order` answer about one order: the order nested in `payOrder`.
pub fn order_answer(o: &SimOrder, mch_id: &str) -> OrderResponse {
    let pay_order = PayOrder {
        pay_order_id: Some(o.pay_order_id.clone()),
        mch_id: mch_id.to_string(),
        mch_order_no: o.mch_order_no.clone(),
        channel_id: CHANNEL_CC_PAX.to_string(),
        currency: o.currency.clone(),
        amount: o.charged_amount,
        status: o.status,
        extra: Some(o.extra.clone().unwrap_or_default()),
        user_name: Some(o.job_no.clone()),
        device_id: Some(o.device.clone().unwrap_or_default()),
        pay_succ_time: Some(if o.is_paid() {
            o.updated_ms.to_string()
        } else {
            String::new()
        }),
        remarks: Some(o.remarks.clone().unwrap_or_default()),
        channel_order_no: Some(String::new()),
        create_date: Some(o.created_ms),
        update_date: Some(o.updated_ms),
    };
    OrderResponse {
        ret_code: SUCCESS.to_string(),
        res_code: Some(SUCCESS.to_string()),
        ret_msg: None,
        ret_detail: Some(String::new()),
        err_code: None,
        err_code_des: None,
        pay_order_id: Some(o.pay_order_id.clone()),
        mch_order_no: Some(o.mch_order_no.clone()),
        pay_order: Some(pay_order),
        sign: None,
    }
}

/// The `query_order` answer about one order: flat, the order's fields at the top level and
/// no `payOrderId`, as IOT Pay's order-query page documents it (docs/protocols.md §4.3).
pub fn flat_answer(o: &SimOrder, mch_id: &str) -> FlatOrderResponse {
    FlatOrderResponse {
        ret_code: SUCCESS.to_string(),
        ret_msg: String::new(),
        res_code: SUCCESS.to_string(),
        err_code: String::new(),
        err_code_des: String::new(),
        mch_id: mch_id.to_string(),
        mch_order_no: o.mch_order_no.clone(),
        channel_id: CHANNEL_CC_PAX.to_string(),
        currency: o.currency.clone(),
        amount: o.charged_amount,
        client_ip: o.client_ip.clone(),
        device: o.device.clone().unwrap_or_default(),
        subject: o.subject.clone(),
        body: o.body.clone(),
        param1: String::new(),
        param2: String::new(),
        extra: o.extra.clone().unwrap_or_default(),
        pay_succ_time: o.is_paid().then_some(o.updated_ms),
        channel_order_no: String::new(),
        status: o.status,
    }
}

/// The `query_order` answer about an order the cloud does not have: `resCode` FAIL with the
/// words the driver reads as "no such order".
pub fn no_such_order() -> OrderResponse {
    OrderResponse {
        err_code: ORDER_NOT_EXIST_CODES.first().map(|c| c.to_string()),
        err_code_des: ORDER_NOT_EXIST_TEXTS.first().map(|t| t.to_string()),
        ..business_fail("")
    }
}

/// A `query_order` answer of a cloud that failed to look the order up: `resCode` FAIL,
/// `errCode` `SYSTEMERROR` (the sample of IOT Pay's order-query page). It says nothing about
/// whether the order exists.
pub fn system_error() -> OrderResponse {
    OrderResponse {
        err_code: Some("SYSTEMERROR".into()),
        err_code_des: Some("system busy, please try again later".into()),
        ..business_fail("")
    }
}

/// A `retCode` FAIL answer (the call was refused before the bank).
pub fn refused(msg: &str) -> OrderResponse {
    failure(FAIL, None, msg)
}

/// A `resCode` FAIL answer (understood, but the business step failed).
pub fn business_fail(msg: &str) -> OrderResponse {
    failure(SUCCESS, Some(FAIL), msg)
}

fn failure(ret: &str, res: Option<&str>, msg: &str) -> OrderResponse {
    OrderResponse {
        ret_code: ret.to_string(),
        res_code: res.map(str::to_string),
        ret_msg: Some(msg.to_string()).filter(|m| !m.is_empty()),
        ret_detail: Some(String::new()),
        err_code: None,
        err_code_des: None,
        pay_order_id: None,
        mch_order_no: None,
        pay_order: None,
        sign: None,
    }
}

/// Whether an answer about this order carries a wrong signature.
pub fn corrupts_sign(o: &SimOrder) -> bool {
    o.behaviour == Behaviour::BadSignature
}

/// The answer's JSON text, signed with `key` (or with a wrong signature when `corrupt`), or
/// unsigned when `key` is `None`.
pub fn signed_text<T: Serialize>(resp: &T, key: Option<&Secret<String>>, corrupt: bool) -> String {
    let Ok(OrderedJson::Object(mut pairs)) = OrderedJson::from_serialize(resp) else {
        return String::from("{}");
    };
    if let Some(key) = key {
        attach_sign(&mut pairs, key);
        if corrupt {
            for (k, v) in pairs.iter_mut() {
                if k == SIGN_FIELD {
                    // A well-formed signature that belongs to other content.
                    *v = OrderedJson::String("0123456789ABCDEF0123456789ABCDEF".into());
                }
            }
        }
    }
    OrderedJson::Object(pairs).to_compact()
}
