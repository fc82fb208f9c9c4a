//! PurchaseCancel on the emulated device: finds the purchase by its `acquirerMetaData`,
//! refuses what a real device refuses (unknown, already cancelled, wrong amount, repeated
//! request id), and logs the cancel. Also the parameter checks both commands share.

use super::device::{
    approved_response, failed_response, purchase_of_meta, to_value, Asked, Device, Out, TxRecord,
    TxResult,
};
use super::scenario::Scenario;
use super::server::{business, failed};
use kassa_kicc::map::krw_amount;
use kassa_kicc::wire::{
    AmountValue, Frame, PurchaseCancelParams, PurchaseParams, CMD_PURCHASE, CMD_PURCHASE_CANCEL,
};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

fn won(a: &AmountValue, what: &str) -> Result<i64, String> {
    krw_amount(a)
        .map(|m| m.minor)
        .filter(|w| *w >= 0)
        .ok_or_else(|| format!("{what} must be whole KRW"))
}

fn required(v: &Option<String>, what: &str) -> Result<String, String> {
    v.clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| format!("{what} is required"))
}

/// Checks Purchase parameters; returns what the response echoes and `paymentExpiryTime`.
pub(crate) fn asked_purchase(params: &Value) -> Result<(Asked, u64), String> {
    let p: PurchaseParams = serde_json::from_value(params.clone()).map_err(|e| e.to_string())?;
    let amount = won(&p.payment_amount, "paymentAmount")?;
    let tax = won(&p.tax_amount, "taxAmount")?;
    let tip = won(&p.tip_amount, "tipAmount")?;
    if p.request_id.trim().is_empty() || amount == 0 || tax > amount || tip > amount {
        return Err(
            "requestId and a positive paymentAmount covering tax and tip are required".into(),
        );
    }
    let expiry = p
        .payment_expiry_time
        .parse::<u64>()
        .map_err(|_| "paymentExpiryTime must be seconds")?;
    let asked = Asked {
        request_id: p.request_id,
        amount,
        tax,
        tip,
        installments: p.credit_pay_plan.installment_num,
        terminal_id: required(&p.acquirer_info.acquirer_terminal_id, "acquirerTerminalId")?,
        registration_no: required(
            &p.acquirer_info.acquirer_registration_no,
            "acquirerRegistrationNo",
        )?,
    };
    Ok((asked, expiry))
}

/// Starts a PurchaseCancel; returns the task answering it, if one was started.
pub(crate) fn start(
    dev: &Arc<Device>,
    out: &mpsc::UnboundedSender<Out>,
    id: String,
    params: Value,
) -> Option<AbortHandle> {
    let send = |f: Frame| {
        let _ = out.send(Out::Frame(f));
    };
    let mut st = dev.lock();
    if st.is_busy() {
        send(failed(
            id,
            "CommandDeviceBusy",
            "The device is executing another command",
        ));
        return None;
    }
    let scenario = st.next_scenario();
    if scenario == Scenario::Busy {
        send(failed(
            id,
            "CommandDeviceBusy",
            "The device is executing another command",
        ));
        return None;
    }
    let p: PurchaseCancelParams = match serde_json::from_value(params) {
        Ok(p) => p,
        Err(e) => {
            send(business(id, "", "PARAM_ILLEGAL", &e.to_string()));
            return None;
        }
    };
    if !st.seen.insert(p.request_id.clone()) {
        let m = "There is an existing order with the same requestId";
        send(business(id, &p.request_id, "REPEAT_REQ_REJECT", m));
        return None;
    }
    st.busy = true;
    let pause = st.timing.step + st.timing.authorise;
    drop(st);
    let (dev, out) = (dev.clone(), out.clone());
    let task = tokio::spawn(async move {
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        let frame = decide(&dev, &id, &p, scenario);
        dev.lock().busy = false;
        let msg = match (scenario, frame) {
            (Scenario::ResponseTimeout, _) => Out::Frame(failed(
                id,
                "CommandResponseTimeout",
                "The command was executed, but no response was returned",
            )),
            (Scenario::DropAfterCharge, _) => Out::Close,
            (Scenario::Silent, _) => return,
            (_, f) => Out::Frame(f),
        };
        let _ = out.send(msg);
    });
    Some(task.abort_handle())
}

/// Processes the cancel against the log and records it; returns the answer frame.
fn decide(dev: &Device, id: &str, p: &PurchaseCancelParams, scenario: Scenario) -> Frame {
    let mut st = dev.lock();
    let mut asked = Asked {
        request_id: p.request_id.clone(),
        amount: krw_amount(&p.payment_amount).map(|m| m.minor).unwrap_or(-1),
        tax: 0,
        tip: krw_amount(&p.tip_amount).map(|m| m.minor).unwrap_or(0),
        installments: p.credit_pay_plan.installment_num.clone(),
        terminal_id: p
            .acquirer_info
            .acquirer_terminal_id
            .clone()
            .unwrap_or_default(),
        registration_no: p
            .acquirer_info
            .acquirer_registration_no
            .clone()
            .unwrap_or_default(),
    };
    let original = p
        .acquirer_info
        .acquirer_meta_data
        .as_deref()
        .and_then(purchase_of_meta);
    let found = original.as_ref().and_then(|rid| {
        st.log.iter().position(|t| {
            t.command == CMD_PURCHASE
                && &t.request_id == rid
                && matches!(t.result, TxResult::Approved { .. })
        })
    });
    let refuse = |code: &str, m: String| Err((code.to_string(), m));
    let verdict: Result<usize, (String, String)> = match (scenario, found) {
        (Scenario::BusinessFail(code), _) => refuse(code.as_str(), "Refused (emulated)".into()),
        (_, None) => refuse(
            "ORDER_STATUS_INVALID",
            "No approved purchase has this acquirerMetaData".into(),
        ),
        (_, Some(i)) if st.log[i].cancelled_by.is_some() => refuse(
            "ORDER_IS_CANCELED",
            "The purchase is already cancelled".into(),
        ),
        (_, Some(i)) if st.log[i].amount != asked.amount => refuse(
            "PARAM_ILLEGAL",
            format!("The purchase was for {} KRW", st.log[i].amount),
        ),
        (_, Some(i)) => Ok(i),
    };
    let (result, response) = match verdict {
        Ok(i) => {
            asked.tax = st.log[i]
                .response
                .tax_amount
                .as_ref()
                .and_then(krw_amount)
                .map_or(0, |m| m.minor);
            let (approval_num, transaction_id) = st.next_ids();
            st.log[i].cancelled_by = Some(p.request_id.clone());
            let r = approved_response(
                CMD_PURCHASE_CANCEL,
                &asked,
                &approval_num,
                &transaction_id,
                None,
            );
            (
                TxResult::Approved {
                    approval_num,
                    transaction_id,
                },
                r,
            )
        }
        Err((code, message)) => {
            let r = failed_response(CMD_PURCHASE_CANCEL, &asked, &code, &message);
            (TxResult::Failed { code }, r)
        }
    };
    let ok = matches!(result, TxResult::Approved { .. });
    st.log.push(TxRecord {
        command: CMD_PURCHASE_CANCEL,
        request_id: p.request_id.clone(),
        amount: asked.amount,
        terminal_id: asked.terminal_id.clone(),
        registration_no: asked.registration_no.clone(),
        result,
        cancelled_by: None,
        original,
        response: response.clone(),
    });
    if ok {
        Frame::Success {
            id: id.to_string(),
            response_data: to_value(&response),
        }
    } else {
        Frame::BusinessFailed {
            id: id.to_string(),
            response_data: to_value(&response),
        }
    }
}
