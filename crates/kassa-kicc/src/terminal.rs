//! [`Terminal`] for KICC: Purchase, CommandCancel, PurchaseCancel and GetLastTransaction,
//! each mapped to Kassa's phase-split outcomes (see `map` for what each code means).

use crate::codes::{CommandErrorCode, EventCode};
use crate::driver::{Kicc, Running, Sent};
use crate::exchange::{End, LogOnly, Progress};
use crate::map::{
    approval_from, business_failure, command_verdict, last_cancel_status, last_purchase_status,
    refund_approval_from, BusinessVerdict, CommandVerdict, KiccVendorData,
};
use crate::rules::{purchase_timeout, EventTracker, COMMAND_CANCEL_TIMEOUT, SIGNATURE_EXTRA};
use crate::wire::{
    AmountValue, CreditPayPlan, PurchaseCancelParams, PurchaseParams, RequestAcquirerInfo,
    ResponseData, CMD_COMMAND_CANCEL, CMD_GET_LAST_TRANSACTION, CMD_PURCHASE, CMD_PURCHASE_CANCEL,
};
use async_trait::async_trait;
use kassa_core::{
    CancelAck, Capabilities, Diagnosis, EventSink, InquiryError, Money, PayOutcome, PayRequest,
    PaymentQuery, PaymentStatus, RefundOutcome, RefundQuery, RefundRequest, RefundRule,
    RefundStatus, RequestError, RequestId, Terminal, Timing, UnknownReason,
};
use std::collections::BTreeMap;

/// Forwards a purchase's events to the UI through the tracker.
struct PurchaseProgress<'a> {
    tracker: EventTracker,
    sink: &'a dyn EventSink,
}

impl Progress for PurchaseProgress<'_> {
    fn event(&mut self, code: &str) {
        match EventCode::parse(code) {
            Some(e) => self.sink.emit(self.tracker.on_event(e)),
            None => tracing::info!(code, "ignoring an unknown KICC event code"),
        }
    }

    fn cancel_accepted(&mut self) {
        if let Some(e) = self.tracker.on_cancel_accepted() {
            self.sink.emit(e);
        }
    }
}

/// The code a closing countdown-stop carries.
fn end_code(end: &End) -> String {
    match end {
        End::Success(_) => "SUCCESS".into(),
        End::CommandFailed { code, .. } => code.clone(),
        End::BusinessFailed(v) => {
            let r: ResponseData = serde_json::from_value(v.clone()).unwrap_or_default();
            r.result.map(|x| x.result_code).unwrap_or_default()
        }
        End::Lost(UnknownReason::Timeout) => "POS_TIMEOUT".into(),
        End::Lost(_) => "CONNECTION_LOST".into(),
    }
}

/// A command failure: `Ok(reason)` when the outcome is unknown, `Err` when nothing was done.
fn command_failed(code: &str, message: &str) -> Result<UnknownReason, RequestError> {
    match CommandErrorCode::parse(code) {
        Some(c) => match command_verdict(c, message) {
            CommandVerdict::NotDone(e) => Err(e),
            CommandVerdict::NotNow(m) => Err(RequestError::Busy(m)),
            CommandVerdict::Unknown(r) => Ok(r),
        },
        None => Ok(UnknownReason::Malformed(format!(
            "unrecognised command error {code:?}: {message}"
        ))),
    }
}

fn krw_only(what: &str, m: Money) -> Result<(), RequestError> {
    if m.currency.code() != "KRW" {
        return Err(RequestError::Config(format!(
            "KICC terminals take KRW only; the {what} is in {}",
            m.currency
        )));
    }
    if m.minor < 0 {
        return Err(RequestError::Config(format!("the {what} is negative")));
    }
    Ok(())
}

/// A business failure that names another request is not this command's outcome (a device
/// answering with an earlier transaction's failure): `Some` reason to treat it as unknown.
/// One that names no request is taken as this command's.
fn about_another_request(v: &serde_json::Value, request_id: &str) -> Option<UnknownReason> {
    let named = v.get("requestId").and_then(serde_json::Value::as_str)?;
    (!named.is_empty() && named != request_id).then(|| {
        UnknownReason::Mismatch(format!(
            "the failure is about request {named:?}, not {request_id:?}"
        ))
    })
}

fn response(v: serde_json::Value) -> Result<ResponseData, UnknownReason> {
    serde_json::from_value(v).map_err(|e| UnknownReason::Malformed(format!("responseData: {e}")))
}

impl Kicc {
    async fn get_last_transaction(&self) -> Result<ResponseData, InquiryError> {
        let link = self.link().await.map_err(|e| e.into_inquiry())?;
        let t = self.cfg.timing.inquiry;
        let (_, sent) = self
            .send_command(
                &link,
                CMD_GET_LAST_TRANSACTION,
                serde_json::json!({}),
                t,
                None,
                None,
            )
            .await;
        let mut route = match sent {
            Sent::Yes(r) => r,
            Sent::No(e) => return Err(e.into_inquiry()),
            Sent::Maybe(r) => return Err(InquiryError::Unreachable(r.to_string())),
        };
        match self
            .wait(&mut route, t, &mut LogOnly(CMD_GET_LAST_TRANSACTION))
            .await
        {
            End::Success(v) => response(v).map_err(InquiryError::Untrustworthy),
            End::CommandFailed { code, message } => Err(match command_failed(&code, &message) {
                Err(RequestError::Busy(m)) => {
                    InquiryError::Unreachable(format!("{m}; asking again later"))
                }
                Err(e) => InquiryError::Unreachable(e.to_string()),
                Ok(r) => InquiryError::Untrustworthy(r),
            }),
            End::BusinessFailed(v) => {
                let r: ResponseData = serde_json::from_value(v).unwrap_or_default();
                let res = r.result.unwrap_or_default();
                Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(
                    format!(
                    "the terminal has no last transaction to show ({} {}): a manager must check it",
                    res.result_code, res.result_message
                ),
                )))
            }
            End::Lost(r) => Err(InquiryError::Unreachable(r.to_string())),
        }
    }
}

#[async_trait]
impl Terminal for Kicc {
    fn kind(&self) -> &'static str {
        "kicc"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            cancel_before_card: true,
            refunds: RefundRule::FullOnly,
            idempotent_pay: false,
            pay_window_secs: self.cfg.payment_expiry_secs,
        }
    }

    /// The configured timing, with `pay` the longest a purchase may take (signed).
    fn timing(&self) -> Timing {
        Timing {
            pay: self.cfg.timing.pay + SIGNATURE_EXTRA,
            ..self.cfg.timing
        }
    }

    async fn diagnose(&self) -> Result<Diagnosis, RequestError> {
        let Ok(_one) = self.command.try_lock() else {
            return Ok(Diagnosis {
                ready: false,
                checks: BTreeMap::from([("idle".to_string(), false)]),
                detail: "The terminal is busy with another command: wait for it to finish".into(),
            });
        };
        let link = self.link().await.map_err(|e| e.into_request())?;
        let answered = self.answers_ping(&link).await;
        let checks = BTreeMap::from([
            ("bridge".to_string(), true),
            ("init".to_string(), true),
            ("ping".to_string(), answered),
        ]);
        Ok(Diagnosis {
            ready: answered,
            checks,
            detail: if answered {
                String::new()
            } else {
                "The KICC bridge stopped answering: check the Android device and its bridge app"
                    .into()
            },
        })
    }

    async fn pay(
        &self,
        req: &PayRequest,
        events: &dyn EventSink,
    ) -> Result<PayOutcome, RequestError> {
        krw_only("amount", req.amount)?;
        krw_only("tax", req.tax)?;
        krw_only("tip", req.tip)?;
        if req.amount.minor == 0
            || req.tax.minor > req.amount.minor
            || req.tip.minor > req.amount.minor
        {
            return Err(RequestError::Config(
                "the amount must be above 0 and cover tax and tip".into(),
            ));
        }
        let rid = req.request_id.as_str();
        self.check_fresh(rid)?;
        let Ok(_one) = self.command.try_lock() else {
            return Err(RequestError::Busy(
                "another payment or command is running on this terminal; nothing was sent".into(),
            ));
        };
        let params = PurchaseParams {
            request_id: rid.to_string(),
            payment_amount: AmountValue::krw(req.amount.minor),
            tax_amount: AmountValue::krw(req.tax.minor),
            tip_amount: AmountValue::krw(req.tip.minor),
            credit_pay_plan: CreditPayPlan {
                installment_num: req.installments.to_string(),
            },
            payment_expiry_time: self.cfg.payment_expiry_secs.to_string(),
            acquirer_info: RequestAcquirerInfo {
                acquirer_terminal_id: Some(self.cfg.acquirer_terminal_id.clone()),
                acquirer_registration_no: Some(self.cfg.registration_no.clone()),
                acquirer_meta_data: None,
            },
        };
        let params =
            serde_json::to_value(&params).map_err(|e| RequestError::Config(e.to_string()))?;
        let device_timeout = purchase_timeout(req.amount, &self.cfg.timing);
        let link = self.link().await.map_err(|e| e.into_request())?;
        let (_, sent) = self
            .send_command(
                &link,
                CMD_PURCHASE,
                params,
                device_timeout,
                Some(rid),
                Some(events),
            )
            .await;
        let mut route = match sent {
            Sent::Yes(r) => r,
            Sent::No(e) => return Err(e.into_request()),
            Sent::Maybe(reason) => return Ok(PayOutcome::Unknown { reason }),
        };
        let _running = self.set_running(Running {
            request_id: rid.to_string(),
            post: route.poster(),
            link: link.clone(),
        });
        let mut progress = PurchaseProgress {
            tracker: EventTracker::new(rid, &self.cfg),
            sink: events,
        };
        let end = self.wait(&mut route, device_timeout, &mut progress).await;
        if let Some(e) = progress.tracker.on_end(&end_code(&end)) {
            events.emit(e);
        }
        let outcome = match end {
            End::Success(v) => match response(v).and_then(|r| approval_from(&r, rid, req.amount)) {
                Ok(a) => PayOutcome::Approved(a),
                Err(reason) => PayOutcome::Unknown { reason },
            },
            End::CommandFailed { code, message } => PayOutcome::Unknown {
                reason: command_failed(&code, &message)?,
            },
            End::BusinessFailed(v) => match about_another_request(&v, rid) {
                Some(reason) => PayOutcome::Unknown { reason },
                None => match business_failure(&v) {
                    BusinessVerdict::Declined(d) => PayOutcome::Declined(d),
                    BusinessVerdict::Unknown(reason) => PayOutcome::Unknown { reason },
                },
            },
            End::Lost(reason) => PayOutcome::Unknown { reason },
        };
        let label = match &outcome {
            PayOutcome::Approved(_) => "approved",
            PayOutcome::Declined(_) => "declined",
            PayOutcome::Unknown { .. } => "unknown",
        };
        tracing::info!(request_id = rid, outcome = label, "KICC purchase ended");
        Ok(outcome)
    }

    async fn inquire_payment(&self, q: &PaymentQuery) -> Result<PaymentStatus, InquiryError> {
        let Ok(_one) = self.command.try_lock() else {
            return Ok(PaymentStatus::Pending);
        };
        let r = self.get_last_transaction().await?;
        last_purchase_status(&r, q)
    }

    /// Sends `CommandCancel` while the purchase `request_id` runs. `Accepted` only when the
    /// device confirms; the purchase's own outcome still decides what happened.
    ///
    /// A purchase this driver runs is cancelled on its own connection. One it does not run may
    /// be running from another process on the same bridge (a second `kassactl`, another
    /// window): the cancel then goes on a connection of its own, as the bridge accepts
    /// `CommandCancel` beside a running `Purchase`. `CommandCancel` names no request, so the
    /// caller must only ask for an attempt it knows to be in progress on this terminal; a
    /// device running nothing refuses it (`TooLate`).
    async fn cancel(&self, request_id: &RequestId) -> Result<CancelAck, RequestError> {
        let (link, post) = match self.running() {
            Some(r) if r.request_id == request_id.as_str() => (r.link, Some(r.post)),
            // This driver runs another purchase: a CommandCancel would stop that one.
            Some(_) => return Ok(CancelAck::TooLate),
            None => (self.link().await.map_err(|e| e.into_request())?, None),
        };
        let t = COMMAND_CANCEL_TIMEOUT;
        let (_, sent) = self
            .send_command(
                &link,
                CMD_COMMAND_CANCEL,
                serde_json::json!({}),
                t,
                None,
                None,
            )
            .await;
        let unconfirmed = |why: String| {
            RequestError::Unreachable(format!(
                "the terminal did not confirm the cancel ({why}); the payment's own outcome decides"
            ))
        };
        let mut route = match sent {
            Sent::Yes(r) => r,
            Sent::No(e) => return Err(e.into_request()),
            Sent::Maybe(r) => return Err(unconfirmed(r.to_string())),
        };
        match self
            .wait(&mut route, t, &mut LogOnly(CMD_COMMAND_CANCEL))
            .await
        {
            End::Success(_) => {
                if let Some(post) = post {
                    let _ = post.send(crate::link::Incoming::CancelAccepted);
                }
                Ok(CancelAck::Accepted)
            }
            End::CommandFailed { code, message } => {
                match CommandErrorCode::parse(&code).map(|c| command_verdict(c, &message)) {
                    Some(CommandVerdict::NotNow(_)) => Ok(CancelAck::TooLate),
                    Some(CommandVerdict::NotDone(e)) => Err(e),
                    Some(CommandVerdict::Unknown(r)) => Err(unconfirmed(r.to_string())),
                    None => Err(unconfirmed(format!("unrecognised error {code:?}"))),
                }
            }
            End::BusinessFailed(_) => Ok(CancelAck::TooLate),
            End::Lost(r) => Err(unconfirmed(r.to_string())),
        }
    }

    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, RequestError> {
        let paid = req.payment.amount;
        krw_only("refund", req.amount)?;
        if req.amount != paid {
            return Err(RequestError::Unsupported(format!(
                "partial refunds: KICC cancels whole purchases only, refund the full {paid}"
            )));
        }
        let vd: KiccVendorData =
            serde_json::from_value(req.payment.vendor_data.clone()).map_err(|e| {
                RequestError::Config(format!(
                    "the payment's KICC data is unreadable ({e}); cancel it on the terminal"
                ))
            })?;
        let Some(meta) = vd.acquirer_meta_data.clone() else {
            return Err(RequestError::Config(
                "no acquirerMetaData was recorded for this payment; cancel it on the terminal"
                    .into(),
            ));
        };
        let rid = req.refund_request_id.as_str();
        self.check_fresh(rid)?;
        let Ok(_one) = self.command.try_lock() else {
            return Err(RequestError::Busy(
                "another command is running on this terminal; nothing was sent".into(),
            ));
        };
        let params = PurchaseCancelParams {
            request_id: rid.to_string(),
            payment_amount: AmountValue::krw(paid.minor),
            tip_amount: AmountValue::krw(vd.tip_amount),
            credit_pay_plan: CreditPayPlan {
                installment_num: vd.installment_num.clone(),
            },
            acquirer_info: RequestAcquirerInfo {
                acquirer_terminal_id: Some(self.cfg.acquirer_terminal_id.clone()),
                acquirer_registration_no: Some(self.cfg.registration_no.clone()),
                acquirer_meta_data: Some(meta),
            },
        };
        let params =
            serde_json::to_value(&params).map_err(|e| RequestError::Config(e.to_string()))?;
        let t = self.cfg.timing.refund;
        let link = self.link().await.map_err(|e| e.into_request())?;
        let (_, sent) = self
            .send_command(&link, CMD_PURCHASE_CANCEL, params, t, Some(rid), None)
            .await;
        let unknown = |reason| RefundOutcome::Unknown {
            reason,
            terminal_refund_id: None,
        };
        let mut route = match sent {
            Sent::Yes(r) => r,
            Sent::No(e) => return Err(e.into_request()),
            Sent::Maybe(reason) => return Ok(unknown(reason)),
        };
        Ok(
            match self
                .wait(&mut route, t, &mut LogOnly(CMD_PURCHASE_CANCEL))
                .await
            {
                End::Success(v) => {
                    match response(v).and_then(|r| refund_approval_from(&r, rid, req.amount)) {
                        Ok(a) => RefundOutcome::Approved(a),
                        Err(reason) => unknown(reason),
                    }
                }
                End::CommandFailed { code, message } => unknown(command_failed(&code, &message)?),
                End::BusinessFailed(v) => match about_another_request(&v, rid) {
                    Some(reason) => unknown(reason),
                    None => match business_failure(&v) {
                        BusinessVerdict::Declined(d) => RefundOutcome::Declined(d),
                        BusinessVerdict::Unknown(reason) => unknown(reason),
                    },
                },
                End::Lost(reason) => unknown(reason),
            },
        )
    }

    async fn inquire_refund(&self, q: &RefundQuery) -> Result<RefundStatus, InquiryError> {
        let Ok(_one) = self.command.try_lock() else {
            return Ok(RefundStatus::Pending);
        };
        let r = self.get_last_transaction().await?;
        last_cancel_status(&r, q)
    }
}

#[cfg(test)]
mod tests {
    use super::about_another_request;
    use serde_json::json;

    #[test]
    fn a_failure_naming_another_request_is_not_this_commands() {
        let v = |rid: &str| json!({"requestId": rid, "result": {"resultCode": "PROCESS_FAIL"}});
        assert!(about_another_request(&v("P2"), "P1").is_some());
        assert!(about_another_request(&v("P1"), "P1").is_none());
        assert!(about_another_request(&v(""), "P1").is_none());
        assert!(about_another_request(&json!({"result": {}}), "P1").is_none());
    }
}
