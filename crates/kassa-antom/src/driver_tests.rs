//! Driver tests over a byte-level fake transport: the fake is a terminal that really verifies
//! and decrypts each request (with the terminal key) and seals scripted answers, so these
//! tests check the driver's rules on real messages without a socket. Loopback HTTP tests
//! against the simulator live in `kassa-sim`.

use super::*;
use crate::protocol::test_keys::{dir, read, POS_PRIVATE, TERMINAL_PRIVATE, TERMINAL_PUBLIC};
use crate::protocol::{Envelope, MessageMeta, PrivateKey};
use crate::transport::{InboundResponse, NoAnswer, OnSent, OutboundRequest, TransportError};
use kassa_core::{Currency, ManualClock, Money, PaymentRef, Terminal, UnknownReason, VecSink};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

const TIME: &str = "2026-11-21T10:15:30.123+09:00";

/// What the fake does with the next request.
#[derive(Debug)]
enum Reply {
    Json(Value),
    NotSent,
    Timeout,
    Lost,
    Unsigned(Value),
    Garbled(Value),
}

#[derive(Debug)]
struct FakeTerminal {
    codec: Codec,
    replies: Mutex<VecDeque<Reply>>,
    seen: Mutex<Vec<(String, String, Value)>>,
}

impl FakeTerminal {
    fn new(replies: Vec<Reply>) -> FakeTerminal {
        let own = PrivateKey::from_pem(&read(TERMINAL_PRIVATE)).unwrap();
        let pos = PrivateKey::from_pem(&read(POS_PRIVATE))
            .unwrap()
            .public_key();
        FakeTerminal {
            codec: Codec::new(own, pos, Envelope::Gcm),
            replies: Mutex::new(replies.into()),
            seen: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl Transport for &'static FakeTerminal {
    fn kind(&self) -> &'static str {
        "antom-fake"
    }

    async fn send(
        &self,
        r: &OutboundRequest,
        t: Duration,
    ) -> Result<InboundResponse, TransportError> {
        self.deliver(r, t, &|| {}).await
    }

    async fn deliver(
        &self,
        r: &OutboundRequest,
        _t: Duration,
        on_sent: OnSent<'_>,
    ) -> Result<InboundResponse, TransportError> {
        let reply = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("a scripted reply");
        if matches!(reply, Reply::NotSent) {
            return Err(TransportError::NotSent("connection refused".into()));
        }
        on_sent();
        let meta = MessageMeta {
            method: "POST",
            path: &r.path,
            client_id: &r.client_id,
            time: &r.request_time,
        };
        let plain = self
            .codec
            .open(&meta, Some(&r.signature), Some(&r.encrypt), &r.body)
            .unwrap();
        let body: Value = serde_json::from_slice(&plain).unwrap();
        self.seen
            .lock()
            .unwrap()
            .push((r.path.clone(), r.request_time.clone(), body));
        let (value, sign, garble) = match reply {
            Reply::NotSent => unreachable!(),
            Reply::Timeout => return Err(TransportError::NoAnswer(NoAnswer::Timeout)),
            Reply::Lost => {
                return Err(TransportError::NoAnswer(NoAnswer::ConnectionLost(
                    "reset".into(),
                )))
            }
            Reply::Json(v) => (v, true, false),
            Reply::Unsigned(v) => (v, false, false),
            Reply::Garbled(v) => (v, true, true),
        };
        let rmeta = MessageMeta {
            time: "2026-11-21T10:15:31.000+09:00",
            ..meta
        };
        let mut sealed = self
            .codec
            .seal(&rmeta, value.to_string().as_bytes())
            .unwrap();
        if garble {
            // Signed garbage: the signature is fine, the envelope is not.
            sealed.body = b"bm90IGFuIGVudmVsb3Bl".to_vec();
            sealed.signature = self.codec.sign_body(&rmeta, &sealed.body).unwrap();
        }
        let mut headers = vec![
            ("response-time".to_string(), rmeta.time.to_string()),
            ("encrypt".to_string(), sealed.encrypt),
        ];
        if sign {
            headers.push(("signature".to_string(), sealed.signature));
        }
        Ok(InboundResponse {
            status: 200,
            headers,
            body: sealed.body,
        })
    }
}

fn driver(fake: &'static FakeTerminal, customer_mode: bool) -> Antom<&'static FakeTerminal> {
    let cfg = AntomConfig {
        host: "unused".into(),
        port: 1,
        client_id: "N950SN0001".into(),
        pos_key_path: dir().join(POS_PRIVATE),
        terminal_key_path: dir().join(TERMINAL_PUBLIC),
        envelope: Envelope::Gcm,
        customer_mode,
        payment_method: "CARD".into(),
        timing: AntomConfig::default_timing(),
    };
    Antom::with_transport(cfg, fake, Arc::new(ManualClock::at(TIME))).unwrap()
}

fn fake(replies: Vec<Reply>) -> &'static FakeTerminal {
    Box::leak(Box::new(FakeTerminal::new(replies)))
}

fn krw(minor: i64) -> Money {
    Money::new(minor, Currency::KRW)
}

fn pay_req() -> PayRequest {
    PayRequest {
        request_id: RequestId::parse("KS20261121A0001").unwrap(),
        order_id: RequestId::parse("O1").unwrap(),
        amount: krw(12500),
        tax: krw(1136),
        tip: krw(0),
        installments: 0,
        description: "coffee".into(),
        cashier: "kim".into(),
    }
}

fn ok(extra: Value) -> Value {
    let mut v = json!({"result": {"resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "success"}});
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

#[tokio::test]
async fn pay_sends_the_documented_body_emits_the_countdown_and_approves() {
    let f = fake(vec![Reply::Json(ok(
        json!({"paymentId": "PID1", "paymentRequestId": "KS20261121A0001",
        "paymentAmount": {"value": "12500", "currency": "KRW"}}),
    ))]);
    let d = driver(f, false);
    let sink = VecSink::default();
    let out = d.pay(&pay_req(), &sink).await.unwrap();
    assert!(
        matches!(out, PayOutcome::Approved(ref a) if a.terminal_payment_id == "PID1"),
        "{out:?}"
    );
    let seen = f.seen.lock().unwrap();
    assert_eq!(seen[0].0, "/v2/payments/pay");
    assert_eq!(seen[0].1, TIME, "Request-Time comes from the clock seam");
    assert_eq!(
        seen[0].2,
        json!({"paymentRequestId": "KS20261121A0001", "paymentMethod": "CARD",
            "paymentAmount": {"value": 12500, "currency": "KRW"}, "extendInfo": ""})
    );
    let events = sink.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].phase, Phase::OnTerminal);
    assert_eq!(events[0].countdown, Countdown::Start(120));
    assert!(!events[0].can_cancel);
}

#[tokio::test]
async fn pay_not_sent_is_a_request_error_and_everything_after_sending_is_an_outcome() {
    let f = fake(vec![
        Reply::NotSent,
        Reply::Timeout,
        Reply::Lost,
        Reply::Unsigned(ok(json!({"paymentId": "X"}))),
        Reply::Garbled(ok(json!({}))),
    ]);
    let d = driver(f, false);
    let sink = VecSink::default();
    assert!(matches!(
        d.pay(&pay_req(), &sink).await,
        Err(RequestError::Unreachable(_))
    ));
    let reason = |o: PayOutcome| match o {
        PayOutcome::Unknown { reason } => reason,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        reason(d.pay(&pay_req(), &sink).await.unwrap()),
        UnknownReason::Timeout
    );
    assert!(matches!(
        reason(d.pay(&pay_req(), &sink).await.unwrap()),
        UnknownReason::ConnectionLost(_)
    ));
    assert!(matches!(
        reason(d.pay(&pay_req(), &sink).await.unwrap()),
        UnknownReason::BadSignature(_)
    ));
    assert!(matches!(
        reason(d.pay(&pay_req(), &sink).await.unwrap()),
        UnknownReason::Malformed(_)
    ));
}

fn refund_req(amount: i64) -> RefundRequest {
    RefundRequest {
        refund_request_id: RequestId::parse("R1").unwrap(),
        payment: PaymentRef {
            request_id: RequestId::parse("KS20261121A0001").unwrap(),
            terminal_payment_id: "PID1".into(),
            amount: krw(12500),
            vendor_data: Value::Null,
        },
        amount: krw(amount),
        reason: "returned".into(),
    }
}

#[tokio::test]
async fn customer_mode_off_refuses_partial_refunds_before_sending() {
    let f = fake(vec![Reply::Json(ok(
        json!({"refundRequestId": "R1", "refundId": "RID1"}),
    ))]);
    let d = driver(f, false);
    assert_eq!(d.capabilities().refunds, RefundRule::FullOnly);
    let e = d.refund(&refund_req(5000)).await.unwrap_err();
    assert!(
        matches!(e, RequestError::Unsupported(ref m) if m.contains("D-store app")),
        "{e}"
    );
    assert!(f.seen.lock().unwrap().is_empty(), "nothing was sent");
    let out = d.refund(&refund_req(12500)).await.unwrap();
    assert!(matches!(out, RefundOutcome::Approved(ref a) if a.terminal_refund_id == "RID1"));
    let seen = f.seen.lock().unwrap();
    assert_eq!(
        seen[0].2,
        json!({"refundRequestId": "R1", "paymentId": "PID1", "memo": "returned", "extendInfo": ""}),
        "a full refund carries no refundAmount"
    );
}

#[tokio::test]
async fn customer_mode_on_sends_partial_refunds_with_their_amount() {
    let f = fake(vec![Reply::Json(ok(
        json!({"refundRequestId": "R1", "refundId": "RID1"}),
    ))]);
    let d = driver(f, true);
    assert_eq!(d.capabilities().refunds, RefundRule::FullOrOnePartial);
    assert!(matches!(
        d.refund(&refund_req(5000)).await.unwrap(),
        RefundOutcome::Approved(_)
    ));
    assert_eq!(
        f.seen.lock().unwrap()[0].2["refundAmount"],
        json!({"value": 5000, "currency": "KRW"})
    );
    assert!(matches!(
        d.refund(&refund_req(12501)).await,
        Err(RequestError::Unsupported(_))
    ));
}

#[tokio::test]
async fn refund_inquiry_uses_the_refund_id_or_resends_the_same_request() {
    let f = fake(vec![
        Reply::Json(ok(
            json!({"refundId": "RID1", "refundStatus": "SUCCESS", "paymentId": "PID1"}),
        )),
        Reply::Json(ok(json!({"refundRequestId": "R1", "refundId": "RID1"}))),
        Reply::Json(ok(
            json!({"refundId": "RID1", "refundStatus": "SUCCESS", "paymentId": "PID1"}),
        )),
    ]);
    let d = driver(f, true);
    let with_id = RefundQuery {
        request: refund_req(5000),
        terminal_refund_id: Some("RID1".into()),
    };
    assert!(matches!(
        d.inquire_refund(&with_id).await,
        Ok(RefundStatus::Succeeded(_))
    ));
    let without = RefundQuery {
        request: refund_req(5000),
        terminal_refund_id: None,
    };
    assert!(
        matches!(d.inquire_refund(&without).await, Ok(RefundStatus::Succeeded(ref a)) if a.terminal_refund_id == "RID1")
    );
    let seen = f.seen.lock().unwrap();
    assert_eq!(seen[0].0, "/v2/payments/inquiryRefund");
    assert_eq!(seen[0].2, json!({"refundId": "RID1", "extendInfo": ""}));
    assert_eq!(seen[1].0, "/v2/payments/refund");
    assert_eq!(seen[1].2["refundRequestId"], "R1", "the same request id");
    assert_eq!(
        seen[1].2["refundAmount"],
        json!({"value": 5000, "currency": "KRW"}),
        "and amount"
    );
    assert_eq!(
        seen[1].2.get("originalMerchantRefundId"),
        None,
        "not over the LAN"
    );
    // The re-sent request only taught the refund id: inquiryRefund by it decided.
    assert_eq!(seen[2].0, "/v2/payments/inquiryRefund");
    assert_eq!(seen[2].2, json!({"refundId": "RID1", "extendInfo": ""}));
}

#[tokio::test]
async fn an_f_to_a_resent_refund_keeps_it_unknown() {
    let f = fake(vec![Reply::Json(json!({"result": {"resultStatus": "F",
        "resultCode": "DPOS_PAYMENT_ORDER_IS_CLOSED", "resultMessage": ""}}))]);
    let d = driver(f, false);
    let got = d
        .inquire_refund(&RefundQuery {
            request: refund_req(12500),
            terminal_refund_id: None,
        })
        .await;
    assert!(
        matches!(
            got,
            Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(_)))
        ),
        "{got:?}"
    );
}

/// Records, in order, the sent moment and the events.
#[derive(Default)]
struct Order(Mutex<Vec<String>>);

impl EventSink for Order {
    fn emit(&self, e: kassa_core::TerminalEvent) {
        self.0.lock().unwrap().push(format!("{:?}", e.phase));
    }
    fn sent(&self) {
        self.0.lock().unwrap().push("sent".into());
    }
}

#[tokio::test]
async fn the_sent_moment_comes_first_and_never_when_nothing_left() {
    let echoed = ok(
        json!({"paymentId": "PID1", "paymentRequestId": "KS20261121A0001",
        "paymentAmount": {"value": 12500, "currency": "KRW"}}),
    );
    let f = fake(vec![Reply::NotSent, Reply::Json(echoed)]);
    let d = driver(f, false);
    let sink = Order::default();
    assert!(matches!(
        d.pay(&pay_req(), &sink).await,
        Err(RequestError::Unreachable(_))
    ));
    assert!(
        sink.0.lock().unwrap().is_empty(),
        "nothing left: no sent, no event"
    );
    let out = d.pay(&pay_req(), &sink).await.unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    assert_eq!(*sink.0.lock().unwrap(), vec!["sent", "OnTerminal"]);
}

#[tokio::test]
async fn an_approval_that_echoes_neither_id_nor_amount_is_booked_only_when_the_inquiry_agrees() {
    let bare = || Reply::Json(ok(json!({"paymentId": "PID1"})));
    let record = |pid: &str, value: i64| {
        Reply::Json(ok(
            json!({"paymentRequestId": "KS20261121A0001", "paymentId": pid,
            "paymentStatus": "SUCCESS", "paymentAmount": {"value": value, "currency": "KRW"},
            "paymentTime": "2026-11-21T10:15:40+09:00"}),
        ))
    };
    // The record agrees: approved, after one inquiry for this request id.
    let f = fake(vec![bare(), record("PID1", 12500)]);
    let out = driver(f, false)
        .pay(&pay_req(), &VecSink::default())
        .await
        .unwrap();
    let PayOutcome::Approved(a) = out else {
        panic!("{out:?}")
    };
    assert_eq!(a.terminal_payment_id, "PID1");
    assert_eq!(a.paid_at.as_deref(), Some("2026-11-21T10:15:40+09:00"));
    {
        let seen = f.seen.lock().unwrap();
        assert_eq!(seen[1].0, "/v2/payments/inquiryPayment");
        assert_eq!(seen[1].2["paymentRequestId"], "KS20261121A0001");
    }
    // Another payment's approval, another amount, no record, no answer: never approved.
    for second in [
        record("PID2", 12500),
        record("PID1", 3000),
        Reply::Json(json!({"result": {"resultStatus": "F",
            "resultCode": "DPOS_PAYMENT_ORDER_NOT_EXIST", "resultMessage": "none"}})),
        Reply::Timeout,
    ] {
        let f = fake(vec![bare(), second]);
        let out = driver(f, false)
            .pay(&pay_req(), &VecSink::default())
            .await
            .unwrap();
        assert!(
            matches!(
                out,
                PayOutcome::Unknown {
                    reason: UnknownReason::Mismatch(_)
                }
            ),
            "{out:?}"
        );
    }
    // Only the id echoed, not the amount: confirmed too.
    let f = fake(vec![
        Reply::Json(ok(
            json!({"paymentId": "PID1", "paymentRequestId": "KS20261121A0001"}),
        )),
        Reply::Timeout,
    ]);
    let out = driver(f, false)
        .pay(&pay_req(), &VecSink::default())
        .await
        .unwrap();
    assert!(matches!(out, PayOutcome::Unknown { .. }), "{out:?}");
}

#[tokio::test]
async fn inquiry_errors_keep_the_phase_split() {
    let f = fake(vec![
        Reply::NotSent,
        Reply::Timeout,
        Reply::Unsigned(ok(json!({}))),
    ]);
    let d = driver(f, false);
    let q = PaymentQuery {
        request_id: RequestId::parse("P1").unwrap(),
        amount: krw(12500),
    };
    assert!(matches!(
        d.inquire_payment(&q).await,
        Err(InquiryError::Unreachable(_))
    ));
    assert_eq!(
        d.inquire_payment(&q).await,
        Err(InquiryError::Untrustworthy(UnknownReason::Timeout))
    );
    assert!(matches!(
        d.inquire_payment(&q).await,
        Err(InquiryError::Untrustworthy(UnknownReason::BadSignature(_)))
    ));
}

#[tokio::test]
async fn capabilities_and_diagnosis() {
    let f = fake(vec![Reply::Json(ok(
        json!({"networkStatus": "Y", "printerStatus": "Y", "globalStatus": "Y"}),
    ))]);
    let d = driver(f, false);
    let c = d.capabilities();
    assert!(!c.cancel_before_card && c.idempotent_pay);
    assert_eq!(c.pay_window_secs, 120);
    assert_eq!(d.kind(), "antom-fake");
    let diag = d.diagnose().await.unwrap();
    assert!(diag.ready);
    assert_eq!(f.seen.lock().unwrap()[0].2, json!({"extendInfo": ""}));
    assert!(
        !format!("{d:?}").contains("BEGIN"),
        "no key material in Debug"
    );
    let f = fake(vec![
        Reply::Timeout,
        Reply::Unsigned(ok(json!({"globalStatus": "Y"}))),
    ]);
    let d = driver(f, false);
    assert!(matches!(
        d.diagnose().await,
        Err(RequestError::Unreachable(_))
    ));
    let e = d.diagnose().await.unwrap_err();
    assert!(
        matches!(e, RequestError::Config(ref m) if m.contains("public key")),
        "{e}"
    );
}

#[tokio::test]
async fn a_decline_naming_no_request_is_taken_only_when_the_terminals_record_agrees() {
    let decline = json!({"result": {"resultStatus": "F",
        "resultCode": "USER_BALANCE_NOT_ENOUGH", "resultMessage": "declined"}});
    let record = |status: &str| {
        Reply::Json(ok(
            json!({"paymentRequestId": "KS20261121A0001", "paymentId": "PID9",
            "paymentStatus": status, "paymentAmount": {"value": 12500, "currency": "KRW"}}),
        ))
    };
    // The terminal's record agrees: declined, after one inquiry.
    let f = fake(vec![Reply::Json(decline.clone()), record("FAIL")]);
    let out = driver(f, false)
        .pay(&pay_req(), &VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(out, PayOutcome::Declined(ref d) if d.code == "USER_BALANCE_NOT_ENOUGH"),
        "{out:?}"
    );
    assert_eq!(f.seen.lock().unwrap()[1].0, "/v2/payments/inquiryPayment");
    // The record says paid: the decline was another payment's answer. Unknown, for recovery.
    let f = fake(vec![Reply::Json(decline.clone()), record("SUCCESS")]);
    let out = driver(f, false)
        .pay(&pay_req(), &VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::Mismatch(_)
            }
        ),
        "{out:?}"
    );
    // No usable confirmation: unknown too.
    let f = fake(vec![Reply::Json(decline.clone()), Reply::Timeout]);
    let out = driver(f, false)
        .pay(&pay_req(), &VecSink::default())
        .await
        .unwrap();
    assert!(matches!(out, PayOutcome::Unknown { .. }), "{out:?}");
    // A decline that names this request is about it: no inquiry.
    let mut named = decline;
    named["paymentRequestId"] = json!("KS20261121A0001");
    let f = fake(vec![Reply::Json(named)]);
    let out = driver(f, false)
        .pay(&pay_req(), &VecSink::default())
        .await
        .unwrap();
    assert!(matches!(out, PayOutcome::Declined(_)), "{out:?}");
    assert_eq!(f.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_s_with_an_unrecognised_code_is_unknown_until_a_recognised_success_settles_it() {
    let odd = |extra: Value| {
        let mut v = ok(extra);
        v["result"]["resultCode"] = json!("APPROVED_PENDING_SETTLEMENT");
        Reply::Json(v)
    };
    let record = json!({"paymentRequestId": "KS20261121A0001", "paymentId": "PID1",
        "paymentStatus": "SUCCESS", "paymentAmount": {"value": 12500, "currency": "KRW"}});
    let f = fake(vec![
        odd(
            json!({"paymentId": "PID1", "paymentRequestId": "KS20261121A0001",
            "paymentAmount": {"value": 12500, "currency": "KRW"}}),
        ),
        odd(record.clone()),
        Reply::Json(ok(record)),
    ]);
    let d = driver(f, false);
    let out = d.pay(&pay_req(), &VecSink::default()).await.unwrap();
    assert!(
        matches!(out, PayOutcome::Unknown { reason: UnknownReason::NotFinal(ref m) }
            if m.contains("APPROVED_PENDING_SETTLEMENT")),
        "a complete approval but for the code is still not paid: {out:?}"
    );
    let q = PaymentQuery {
        request_id: pay_req().request_id,
        amount: krw(12500),
    };
    let first = d.inquire_payment(&q).await;
    assert!(
        matches!(
            first,
            Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(_)))
        ),
        "an inquiry with the same odd code settles nothing, recovery keeps asking: {first:?}"
    );
    let second = d.inquire_payment(&q).await;
    assert!(
        matches!(second, Ok(PaymentStatus::Succeeded(ref a)) if a.terminal_payment_id == "PID1"),
        "{second:?}"
    );
    let seen = f.seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        3,
        "the odd pay answer sent no confirming inquiry of its own"
    );
    assert_eq!(seen[1].0, "/v2/payments/inquiryPayment");
}

#[tokio::test]
async fn a_refund_answered_s_with_an_unrecognised_code_is_unknown() {
    let mut odd = ok(json!({"refundRequestId": "R1", "refundId": "RID1"}));
    odd["result"]["resultCode"] = json!("REFUND_ACCEPTED");
    let f = fake(vec![Reply::Json(odd.clone()), Reply::Json(odd)]);
    let d = driver(f, false);
    let out = d.refund(&refund_req(12500)).await.unwrap();
    assert!(
        matches!(out, RefundOutcome::Unknown { reason: UnknownReason::NotFinal(_), ref terminal_refund_id }
            if terminal_refund_id.as_deref() == Some("RID1")),
        "{out:?}"
    );
    let resent = d
        .inquire_refund(&RefundQuery {
            request: refund_req(12500),
            terminal_refund_id: None,
        })
        .await;
    assert_eq!(
        resent,
        Ok(RefundStatus::Pending),
        "the re-sent request settles nothing either"
    );
}
