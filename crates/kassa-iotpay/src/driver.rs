//! [`IotPay`]: the CC_PAX cloud driver behind [`kassa_core::Terminal`].
//!
//! `pay` is one synchronous `create_order`: the cloud holds the call while the customer pays
//! on the PAX terminal. Anything short of a trustworthy final answer is `Unknown`, and the
//! app's recovery asks `query_order` by `mchOrderNo` (= the attempt's request id).
//!
//! Signature policy (docs/protocols.md §4.2, whose nested-object rule is unconfirmed): a create_order
//! answer with a bad signature is never trusted — it is logged and remembered. A query_order
//! answer with a bad signature settles the attempt only when it matches the attempt (order,
//! amount, currency) and claims the same outcome as the previous answer seen about that order;
//! otherwise the inquiry is `Untrustworthy` and recovery asks again.
//!
//! "Not found" (docs/protocols.md §4.3): a `query_order` `resCode` FAIL says the call failed,
//! not that the order does not exist. Only a signed answer whose words say so
//! ([`crate::wire::ORDER_NOT_EXIST_CODES`]) is [`PaymentStatus::NotFound`] — which recovery
//! may end as a retryable decline. Any other FAIL is `InquiryError::Untrustworthy`: recovery
//! keeps the attempt unknown, asks again, and hands it to a manager when the window is spent
//! (`Pending` would keep it unknown too, but would claim the order is still running, which
//! the answer does not say).
//!
//! The sent moment: `events.sent()` runs right before the create_order request is handed to
//! the connection, and nothing that implies "sent" is emitted before it. Only a connection
//! that was never made is a [`RequestError`] after it; everything later is `Unknown`.

use crate::client::{form_body, post, read_answer, PostError};
use crate::config::{read_key, validate, ConfigError, IotPayConfig};
use crate::mapping::{check_order, message, said, verdict, Claim, Said, Verdict};
use crate::sign::SignCheck;
use crate::wire::{
    CreateOrderParams, QueryOrderParams, CHANNEL_CC_PAX, CREATE_ORDER_PATH, MCH_ORDER_NO_MAX,
    NOTIFY_URL_CC_PAX, QUERY_ORDER_PATH, SUCCESS,
};
use async_trait::async_trait;
use kassa_core::{
    Capabilities, Clock, Countdown, Decline, Diagnosis, EventSink, InquiryError, PayOutcome,
    PayRequest, PaymentQuery, PaymentStatus, Phase, RefundRule, RequestError, Secret, Terminal,
    TerminalEvent, Timing, UnknownReason,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The driver's kind as stored in settings.
pub const KIND: &str = "iotpay";
/// `clientIp` sent with every order: the cloud only records it, and a cashier PC behind NAT
/// has no meaningful address of its own to give.
const CLIENT_IP: &str = "127.0.0.1";
/// The order id diagnose asks about: a query that proves reachability and the key.
const DIAGNOSE_ORDER_NO: &str = "KASSA_DIAGNOSE";
/// How many unverified answers are remembered before the memory is reset.
const MEMORY_LIMIT: usize = 1024;

/// An IOT Pay CC_PAX terminal reached through the IOT Pay cloud.
#[derive(Debug)]
pub struct IotPay {
    cfg: IotPayConfig,
    base: String,
    key: Secret<String>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    /// The last claim of an answer whose signature failed, by `mchOrderNo`.
    unverified: Mutex<HashMap<String, Claim>>,
}

impl IotPay {
    /// Checks the settings, reads the merchant key from `cfg.key_file` and builds the client.
    pub fn new(cfg: IotPayConfig, clock: Arc<dyn Clock>) -> Result<IotPay, ConfigError> {
        let base = validate(&cfg)?;
        let key = read_key(&cfg.key_file)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::Http(e.to_string()))?;
        Ok(IotPay {
            cfg,
            base,
            key,
            http,
            clock,
            unverified: Mutex::new(HashMap::new()),
        })
    }

    /// The settings in force (no key in them).
    pub fn config(&self) -> &IotPayConfig {
        &self.cfg
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// Records `claim` for `order` and returns the one recorded before.
    fn remember(&self, order: &str, claim: Claim) -> Option<Claim> {
        let mut m = self.unverified.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= MEMORY_LIMIT && !m.contains_key(order) {
            m.clear();
        }
        m.insert(order.to_string(), claim)
    }

    fn forget(&self, order: &str) {
        self.unverified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(order);
    }

    fn create_params(&self, req: &PayRequest) -> CreateOrderParams {
        let subject: String = match req.description.trim() {
            "" => "Kassa payment".to_string(),
            d => d.chars().take(64).collect(),
        };
        CreateOrderParams {
            mch_id: self.cfg.mch_id.clone(),
            mch_order_no: req.request_id.as_str().to_string(),
            channel_id: CHANNEL_CC_PAX.to_string(),
            currency: req.amount.currency.code().to_string(),
            amount: req.amount.minor,
            client_ip: CLIENT_IP.to_string(),
            device: Some(self.cfg.device.clone()).filter(|d| !d.is_empty()),
            notify_url: NOTIFY_URL_CC_PAX.to_string(),
            subject,
            body: format!("Kassa order {}", req.order_id),
            extra: serde_json::json!({ "pos_flag": "yes" }).to_string(),
            job_no: self.cfg.job_no.clone(),
            remarks: Some(req.order_id.as_str().to_string()),
            tip: Some("0".to_string()),
        }
    }

    /// Judges a create_order answer.
    fn judge_create(&self, text: &str, order_no: &str, req: &PayRequest) -> PayOutcome {
        let unknown = |reason| PayOutcome::Unknown { reason };
        let answer = match read_answer(text, &self.key) {
            Ok(a) => a,
            Err(why) => return unknown(UnknownReason::Malformed(why)),
        };
        let sign = &answer.sign;
        let said = said(&answer);
        if !sign.is_valid() {
            tracing::warn!(
                mch_order_no = order_no,
                problem = sign.describe(),
                "IOT Pay create_order answer not trusted: its signature check failed; query_order will confirm the outcome"
            );
            if let Ok(Said::Order(o)) = &said {
                if check_order(o, order_no, req.amount).is_ok() {
                    self.remember(order_no, verdict(o, req.amount).claim());
                }
            }
            return unknown(UnknownReason::BadSignature(sign.describe().to_string()));
        }
        match said {
            Err(reason) => unknown(reason),
            Ok(Said::Refused(msg)) => PayOutcome::Declined(Decline {
                code: "retCode FAIL".into(),
                message: format!(
                    "IOT Pay refused the payment before it reached the card network: {msg}"
                ),
                retryable: true,
            }),
            Ok(Said::BusinessFail { message, .. }) => PayOutcome::Declined(Decline {
                code: "resCode FAIL".into(),
                message: format!("IOT Pay did not accept the payment: {message}"),
                retryable: false,
            }),
            Ok(Said::Order(o)) => {
                if let Err(reason) = check_order(o, order_no, req.amount) {
                    tracing::warn!(mch_order_no = order_no, %reason, "IOT Pay answer does not match the attempt");
                    return unknown(reason);
                }
                tracing::info!(
                    mch_order_no = order_no,
                    status = o.status,
                    "IOT Pay create_order answered"
                );
                match verdict(o, req.amount) {
                    Verdict::Paid(a) => PayOutcome::Approved(*a),
                    Verdict::NotPaid(d) => PayOutcome::Declined(d),
                    Verdict::NotFinal(why) => unknown(UnknownReason::NotFinal(why)),
                }
            }
        }
    }

    /// Judges a query_order answer.
    fn judge_query(&self, text: &str, q: &PaymentQuery) -> Result<PaymentStatus, InquiryError> {
        let order_no = q.request_id.as_str();
        let answer = read_answer(text, &self.key)
            .map_err(|w| InquiryError::Untrustworthy(UnknownReason::Malformed(w)))?;
        let sign = &answer.sign;
        let bad_sign = || {
            InquiryError::Untrustworthy(UnknownReason::BadSignature(sign.describe().to_string()))
        };
        if !sign.is_valid() {
            tracing::warn!(
                mch_order_no = order_no,
                problem = sign.describe(),
                "IOT Pay query_order answer's signature check failed"
            );
        }
        match said(&answer).map_err(InquiryError::Untrustworthy)? {
            Said::Refused(msg) => Err(InquiryError::Unreachable(format!(
                "IOT Pay refused the query: {msg}"
            ))),
            Said::BusinessFail {
                message,
                no_such_order: true,
            } if sign.is_valid() => {
                tracing::info!(mch_order_no = order_no, %message, "IOT Pay has no such order");
                Ok(PaymentStatus::NotFound)
            }
            Said::BusinessFail {
                no_such_order: true,
                ..
            } => Err(bad_sign()),
            Said::BusinessFail { message, .. } => {
                tracing::warn!(mch_order_no = order_no, %message, "IOT Pay could not answer the query; the order stays unknown");
                Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(format!(
                    "IOT Pay could not answer the query ({message}); it did not say the order does not exist"
                ))))
            }
            Said::Order(o) => {
                check_order(o, order_no, q.amount).map_err(InquiryError::Untrustworthy)?;
                let v = verdict(o, q.amount);
                let claim = v.claim();
                if !sign.is_valid() {
                    let before = self.remember(order_no, claim);
                    match claim {
                        Claim::NotFinal => return Ok(PaymentStatus::Pending),
                        Claim::Paid | Claim::NotPaid if before == Some(claim) => {
                            tracing::warn!(
                                mch_order_no = order_no,
                                status = o.status,
                                "settling on two agreeing IOT Pay answers although their signatures did not check"
                            );
                        }
                        Claim::Paid | Claim::NotPaid => return Err(bad_sign()),
                    }
                }
                if claim != Claim::NotFinal {
                    self.forget(order_no);
                }
                Ok(match v {
                    Verdict::Paid(a) => PaymentStatus::Succeeded(*a),
                    Verdict::NotPaid(d) => PaymentStatus::Failed(d),
                    Verdict::NotFinal(_) => PaymentStatus::Pending,
                })
            }
        }
    }

    fn query_body(&self, order_no: &str) -> Result<String, String> {
        let params = QueryOrderParams {
            mch_id: self.cfg.mch_id.clone(),
            mch_order_no: order_no.to_string(),
        };
        form_body(&params, &self.key)
    }
}

fn post_failure(e: PostError, what: &str, timeout: Duration) -> String {
    match e {
        PostError::Unreachable(why) => format!("IOT Pay cannot be reached ({why})"),
        PostError::Timeout => format!(
            "IOT Pay did not answer the {what} within {} s",
            timeout.as_secs_f32()
        ),
        PostError::Lost(why) => format!("the {what} to IOT Pay failed ({why})"),
        PostError::Status(code) => format!("IOT Pay answered the {what} with HTTP {code}"),
        PostError::TooLong => format!("IOT Pay's answer to the {what} was too long to read"),
    }
}

#[async_trait]
impl Terminal for IotPay {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            cancel_before_card: false,
            refunds: RefundRule::ManualOnly,
            idempotent_pay: false,
            pay_window_secs: u32::try_from(self.cfg.timing.pay.as_secs()).unwrap_or(u32::MAX),
        }
    }

    fn timing(&self) -> Timing {
        self.cfg.timing
    }

    async fn diagnose(&self) -> Result<Diagnosis, RequestError> {
        let body = self
            .query_body(DIAGNOSE_ORDER_NO)
            .map_err(RequestError::Config)?;
        let t = self.cfg.timing.diagnose;
        let text = post(&self.http, &self.url(QUERY_ORDER_PATH), body, t, || {})
            .await
            .map_err(|e| RequestError::Unreachable(post_failure(e, "check", t)))?;
        let mut checks = BTreeMap::from([("cloud_reachable".to_string(), true)]);
        // The cloud checks the request's signature before anything else and answers a wrong
        // one with `retCode` FAIL ("signature fail", seed 004); `retCode` SUCCESS — whatever
        // `resCode` says about the made-up order — proves it accepted this merchant id and
        // key. Whether the cloud signs business failures is not documented, so the answer's
        // own signature is reported, not required.
        let (ready, detail) = match read_answer(&text, &self.key) {
            Err(why) => (
                false,
                format!("IOT Pay answered something Kassa cannot read ({why}). Check the base URL"),
            ),
            Ok(a) => {
                if a.sign != SignCheck::Missing {
                    checks.insert("answer_signature_valid".to_string(), a.sign.is_valid());
                }
                if a.response.ret_code == SUCCESS {
                    if a.sign == SignCheck::Mismatch {
                        tracing::warn!("IOT Pay accepted the check, but its answer's signature does not match the merchant key");
                    }
                    (true, String::new())
                } else {
                    let msg = message(&a.response);
                    (false, format!("IOT Pay did not accept this merchant id and key ({msg}). Check the merchant id and the key file"))
                }
            }
        };
        checks.insert("merchant_key_accepted".to_string(), ready);
        Ok(Diagnosis {
            ready,
            checks,
            detail,
        })
    }

    async fn pay(
        &self,
        req: &PayRequest,
        events: &dyn EventSink,
    ) -> Result<PayOutcome, RequestError> {
        let order_no = req.request_id.as_str();
        if order_no.len() > MCH_ORDER_NO_MAX {
            return Err(RequestError::Config(format!(
                "the request id {order_no:?} has {} characters; IOT Pay accepts at most {MCH_ORDER_NO_MAX}. Use a shorter store code",
                order_no.len()
            )));
        }
        if let Some(c) = self.cfg.currency.filter(|c| *c != req.amount.currency) {
            return Err(RequestError::Config(format!(
                "this IOT Pay terminal takes {c}, not {}",
                req.amount.currency
            )));
        }
        if req.amount.minor <= 0 {
            return Err(RequestError::Config(format!(
                "the amount {} must be above zero",
                req.amount
            )));
        }
        let body = form_body(&self.create_params(req), &self.key).map_err(RequestError::Config)?;
        let started = self.clock.now();
        let t = self.cfg.timing.pay;
        // "Sent" first, then the event that says the payment is on the terminal.
        let sending = || {
            events.sent();
            events.emit(TerminalEvent {
                request_id: order_no.to_string(),
                phase: Phase::OnTerminal,
                countdown: Countdown::None,
                can_cancel: false,
                vendor_code: CHANNEL_CC_PAX.to_string(),
            });
            tracing::info!(mch_order_no = order_no, amount = req.amount.minor, currency = %req.amount.currency, "IOT Pay create_order sent; the customer pays on the PAX terminal");
        };
        let result = post(&self.http, &self.url(CREATE_ORDER_PATH), body, t, sending).await;
        let waited_ms = (self.clock.now() - started).num_milliseconds();
        match result {
            Ok(text) => Ok(self.judge_create(&text, order_no, req)),
            Err(PostError::Unreachable(why)) => Err(RequestError::Unreachable(format!(
                "IOT Pay at {} ({why})",
                self.base
            ))),
            Err(PostError::Timeout) => {
                tracing::warn!(
                    mch_order_no = order_no,
                    waited_ms,
                    "IOT Pay create_order timed out; recovery will query the order"
                );
                Ok(PayOutcome::Unknown {
                    reason: UnknownReason::Timeout,
                })
            }
            Err(PostError::Lost(why)) => {
                tracing::warn!(mch_order_no = order_no, waited_ms, error = %why, "IOT Pay create_order lost; recovery will query the order");
                Ok(PayOutcome::Unknown {
                    reason: UnknownReason::ConnectionLost(why),
                })
            }
            Err(PostError::Status(code)) => {
                tracing::warn!(
                    mch_order_no = order_no,
                    code,
                    "IOT Pay answered create_order with an HTTP error; recovery will query the order"
                );
                Ok(PayOutcome::Unknown {
                    reason: UnknownReason::Malformed(format!("HTTP {code} instead of an answer")),
                })
            }
            Err(PostError::TooLong) => {
                tracing::warn!(
                    mch_order_no = order_no,
                    "IOT Pay's create_order answer was too long to read; recovery will query the order"
                );
                Ok(PayOutcome::Unknown {
                    reason: UnknownReason::Malformed(post_failure(
                        PostError::TooLong,
                        "payment",
                        t,
                    )),
                })
            }
        }
    }

    async fn inquire_payment(&self, q: &PaymentQuery) -> Result<PaymentStatus, InquiryError> {
        let body = self
            .query_body(q.request_id.as_str())
            .map_err(InquiryError::Unreachable)?;
        let t = self.cfg.timing.inquiry;
        let text = post(&self.http, &self.url(QUERY_ORDER_PATH), body, t, || {})
            .await
            .map_err(|e| InquiryError::Unreachable(post_failure(e, "query", t)))?;
        self.judge_query(&text, q)
    }
}
