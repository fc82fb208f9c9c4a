//! IOT Pay answers through the whole driver (docs/protocols.md §4.2–§4.3): a loopback HTTP server in
//! this process answers `create_order` and `query_order` with the fuzzed text, and the real
//! `IotPay` driver (reqwest, signature check, wire struct, order matching, status mapping,
//! the memory of unverified answers) turns it into an outcome.
//!
//! Input: byte 0 holds flags (first call `pay` or `inquire_payment`; sign answer 1 and/or 2
//! with the merchant key as the cloud would; answer 1 as HTTP 500), the rest is one or two
//! answers separated by a 0xFF byte (never part of UTF-8 text). A second answer is read by
//! an inquiry after the first call. The order is the one of the vendor's own sample
//! (`mchOrderNo` 1632338577033, 0.01 CAD), so its answers match out of the box.
//!
//! Invariants: no panic; an approval or a settled inquiry means `retCode` and `resCode` were
//! `SUCCESS`, the order, amount and currency are the attempt's, and the status is 2 or 3
//! (paid) or 4 or 9 (not paid); `create_order` is only ever trusted with a valid signature;
//! an unsigned `query_order` answer settles nothing unless the answer before it, also
//! unverified, claimed the same; "no such order" needs a valid signature; a receipt shows at
//! most four digits of the card number.
#![no_main]

use kassa_core::{
    Clock, Currency, InquiryError, ManualClock, Money, NullSink, PayOutcome, PayRequest,
    PaymentQuery, PaymentStatus, RequestId, Secret, Terminal,
};
use kassa_fuzz::{assert_masked, block_on};
use kassa_iotpay::sign::{attach_sign, verify, SignCheck};
use kassa_iotpay::{IotPay, IotPayConfig, OrderedJson};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};

const KEY: &str = "TESTKEY";
const ORDER: &str = "1632338577033";

/// One scripted HTTP answer.
struct Reply {
    status: u16,
    body: Vec<u8>,
}

struct Rig {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    driver: IotPay,
}

fn serve(stream: TcpStream, replies: Arc<Mutex<VecDeque<Reply>>>) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let reply = replies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
            .unwrap_or(Reply {
                status: 500,
                body: b"no reply scripted".to_vec(),
            });
        let mut message = format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            reply.status,
            reply.body.len()
        )
        .into_bytes();
        message.extend_from_slice(&reply.body);
        // One write, no Nagle delay: the client is waiting for exactly this.
        out.write_all(&message)?;
        out.flush()?;
    }
}

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let replies: Arc<Mutex<VecDeque<Reply>>> = Arc::default();
        let shared = replies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || serve(stream, shared));
            }
        });
        let key_file =
            std::env::temp_dir().join(format!("kassa-fuzz-iotpay-{}.key", std::process::id()));
        std::fs::write(&key_file, KEY).expect("the merchant key file");
        let cfg = IotPayConfig {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            mch_id: "10000576".into(),
            job_no: "testpax".into(),
            device: "V1-B25".into(),
            key_file,
            currency: None,
            timing: kassa_iotpay::default_timing(),
        };
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::at("2021-09-22T19:23:14.000-04:00"));
        let driver = IotPay::new(cfg, clock).expect("the IOT Pay driver");
        Rig { replies, driver }
    })
}

/// The answer text, signed with the merchant key when `sign` is set and it is a JSON object.
fn answer(text: &[u8], sign: bool) -> Vec<u8> {
    if !sign {
        return text.to_vec();
    }
    let Some(tree) = std::str::from_utf8(text)
        .ok()
        .and_then(|t| OrderedJson::parse(t).ok())
    else {
        return text.to_vec();
    };
    let Some(pairs) = tree.as_object() else {
        return text.to_vec();
    };
    let mut pairs = pairs.to_vec();
    attach_sign(&mut pairs, &Secret::new(KEY.to_string()));
    OrderedJson::Object(pairs).to_compact().into_bytes()
}

/// What the harness reads off an answer, independently of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    Paid,
    NotPaid,
    Other,
}

struct Seen {
    signed: bool,
    ret_ok: bool,
    res_ok: bool,
    /// The order matches the attempt (number, amount, currency).
    matches: bool,
    claim: Claim,
}

fn amount() -> Money {
    Money::new(1, Currency::from_code("CAD").expect("CAD"))
}

fn seen(body: &[u8], status: u16) -> Seen {
    // As reqwest's `text()` reads it: UTF-8 with invalid bytes replaced.
    let text = String::from_utf8_lossy(body);
    let text = text.as_ref();
    let signed = status == 200
        && OrderedJson::parse(text)
            .ok()
            .and_then(|t| t.as_object().map(|p| verify(p, &Secret::new(KEY.into()))))
            == Some(SignCheck::Valid);
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    // Either shape (docs/protocols.md §4.3): nested in payOrder, or flat with a top-level status.
    let order = if v["payOrder"].is_object() || v.get("status").is_none() {
        &v["payOrder"]
    } else {
        &v
    };
    let code = order["status"].as_i64();
    let matches = status == 200
        && order["mchOrderNo"].as_str() == Some(ORDER)
        && order["currency"]
            .as_str()
            .is_some_and(|c| c.eq_ignore_ascii_case("CAD"))
        && Money::minor_from_json(&order["amount"]) == Some(amount().minor);
    Seen {
        signed,
        ret_ok: v["retCode"].as_str() == Some("SUCCESS"),
        res_ok: v["resCode"].as_str() == Some("SUCCESS"),
        matches,
        claim: match code {
            Some(2 | 3) => Claim::Paid,
            Some(4 | 9) => Claim::NotPaid,
            _ => Claim::Other,
        },
    }
}

fn push(reply: Reply) {
    rig()
        .replies
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push_back(reply);
}

fn inquire(body: Vec<u8>, status: u16, before: Option<&Seen>) {
    let s = seen(&body, status);
    push(Reply { status, body });
    let q = PaymentQuery {
        request_id: RequestId::parse(ORDER).expect("valid id"),
        amount: amount(),
    };
    let result = block_on(rig().driver.inquire_payment(&q));
    let settled = |claim: Claim| {
        assert!(s.ret_ok && s.res_ok, "settled without SUCCESS/SUCCESS");
        assert!(s.matches, "settled on another order, amount or currency");
        assert_eq!(s.claim, claim, "settled against the status");
        if !s.signed {
            let b = before.expect("an unverified first answer never settles");
            assert!(
                !b.signed && b.ret_ok && b.res_ok && b.matches && b.claim == claim,
                "an unverified answer settled without an agreeing unverified one before it"
            );
        }
    };
    match result {
        Ok(PaymentStatus::Succeeded(a)) => {
            settled(Claim::Paid);
            assert_eq!(a.amount, amount());
            assert_masked(a.receipt.masked_pan.as_deref(), 4, "iotpay inquiry");
        }
        Ok(PaymentStatus::Failed(_)) => settled(Claim::NotPaid),
        Ok(PaymentStatus::NotFound) => {
            assert!(s.signed, "no such order on an unverified answer");
            assert!(s.ret_ok && !s.res_ok);
        }
        Ok(PaymentStatus::Pending) | Err(InquiryError::Untrustworthy(_)) => {}
        Err(InquiryError::Unreachable(_)) => assert!(status != 200 || !s.ret_ok),
        Err(InquiryError::Unsupported(e)) => panic!("inquiry unsupported: {e}"),
    }
}

fn pay(body: Vec<u8>, status: u16) {
    let s = seen(&body, status);
    push(Reply { status, body });
    let req = PayRequest {
        request_id: RequestId::parse(ORDER).expect("valid id"),
        order_id: RequestId::parse("O1").expect("valid id"),
        amount: amount(),
        tax: Money::new(0, amount().currency),
        tip: Money::new(0, amount().currency),
        installments: 0,
        description: "IOTPay".into(),
        cashier: "testpax".into(),
    };
    match block_on(rig().driver.pay(&req, &NullSink)).expect("a sent payment has an outcome") {
        PayOutcome::Approved(a) => {
            assert!(s.signed, "approved on an unverified answer");
            assert!(s.ret_ok && s.res_ok && s.matches && s.claim == Claim::Paid);
            assert_eq!(a.amount, amount());
            assert_masked(a.receipt.masked_pan.as_deref(), 4, "iotpay approval");
        }
        PayOutcome::Declined(_) => {
            assert!(s.signed, "declined on an unverified answer");
            assert!(
                !s.ret_ok || !s.res_ok || (s.matches && s.claim == Claim::NotPaid),
                "declined although the answer says otherwise"
            );
        }
        PayOutcome::Unknown { .. } => {}
    }
}

/// Ends every run the same way: a signed final answer makes the driver forget what it
/// remembered about unverified answers, so runs do not depend on each other.
fn reset() {
    let v = serde_json::json!({"retCode": "SUCCESS", "resCode": "SUCCESS", "payOrder": {
        "payOrderId": "CP1", "mchId": "10000576", "mchOrderNo": ORDER, "channelId": "CC_PAX",
        "currency": "CAD", "amount": 1, "status": 9}});
    push(Reply {
        status: 200,
        body: answer(v.to_string().as_bytes(), true),
    });
    let q = PaymentQuery {
        request_id: RequestId::parse(ORDER).expect("valid id"),
        amount: amount(),
    };
    let r = block_on(rig().driver.inquire_payment(&q));
    assert!(
        matches!(r, Ok(PaymentStatus::Failed(_))),
        "reset answer: {r:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (first, second) = match rest.iter().position(|b| *b == 0xFF) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let status1 = if flags & 0x08 != 0 { 500 } else { 200 };
    let body1 = answer(first, flags & 0x02 != 0);
    let seen1 = seen(&body1, status1);
    if flags & 0x01 == 0 {
        pay(body1, status1);
    } else {
        inquire(body1, status1, None);
    }
    if let Some(second) = second {
        // The driver remembers an unverified claim from `pay` and from inquiries alike.
        let before = (seen1.matches && !seen1.signed).then_some(&seen1);
        inquire(answer(second, flags & 0x04 != 0), 200, before);
    }
    reset();
});
