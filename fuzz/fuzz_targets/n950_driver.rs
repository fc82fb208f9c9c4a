//! N950 answers through the whole driver (docs/protocols.md §1.2–§1.7): a fake terminal seals the
//! fuzzed plaintext exactly as a real one would (encrypt with a fresh AES key wrapped for the
//! POS, sign with the terminal's key over method, path, Client-Id, Response-Time and body), and
//! the real driver verifies it with `Codec::open`, parses the wire struct and maps it with its
//! money rules (`diagnose`, `pay`, `inquire_payment`, `refund`, `inquire_refund`).
//!
//! Input: byte 0 picks the call, byte 1 the settings, an optional forgery (body byte
//! flipped, no signature, signed with the wrong key, no Response-Time) and the signed
//! Response-Time (fresh, or dated too early or too late for the request: a replay), the rest
//! is the answer's plaintext. Real RSA makes each run cost a few milliseconds.
//!
//! Invariants: no panic; a forged or stale answer is never approved or declined, only
//! unknown (a forgery as a bad signature); an approval means the answer said `S` with a
//! success code (`SUCCESS`, or a code the driver does not know, which follows its status)
//! about this request id and this amount and currency; a decline means it said `F`; a settled
//! inquiry means its status said so about this request and amount; a ready diagnosis means the
//! global and network checks said `Y`; a receipt shows at most four digits of the card number.
#![no_main]

use async_trait::async_trait;
use kassa_antom::codes::{classify, CallClass, ResultCode, ResultStatus};
use kassa_antom::protocol::{Codec, Envelope, MessageMeta, PrivateKey};
use kassa_antom::transport::header;
use kassa_antom::{
    Antom, AntomConfig, InboundResponse, OutboundRequest, Transport, TransportError,
};
use kassa_core::{
    Clock, Currency, InquiryError, ManualClock, Money, NullSink, PayOutcome, PayRequest,
    PaymentQuery, PaymentRef, PaymentStatus, RefundOutcome, RefundQuery, RefundRequest,
    RefundStatus, RequestId, Terminal, UnknownReason,
};
use kassa_fuzz::{assert_masked, block_on, keys};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const CLIENT_ID: &str = "N950SN0001";
/// Response times the fake terminal signs: two fresh ones (the same instant in two offsets),
/// one too early and one too late for the request sent at 10:15:30.123+09:00.
const RESPONSE_TIMES: [&str; 4] = [
    "2026-11-21T10:15:41.007+09:00",
    "2026-11-21T01:15:41.007Z",
    "2026-11-21T10:10:29.000+09:00",
    "2026-11-21T10:25:00.000+09:00",
];
const PAY_ID: &str = "KS20261121A0001";
const REFUND_ID: &str = "KR20261121A0001";
const PAYMENT_ID: &str = "2026112119074101000000001";
const TERMINAL_REFUND_ID: &str = "2026112119074101000000009";

/// How the fake terminal spoils its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Forgery {
    None,
    FlipBodyByte(usize),
    NoSignature,
    WrongKey,
    NoTime,
}

#[derive(Debug, Default)]
struct Script {
    plaintext: Vec<u8>,
    forgery: Option<Forgery>,
    time: &'static str,
    sent: usize,
}

/// A terminal that answers every request with the scripted plaintext, sealed for real.
#[derive(Debug)]
struct FakeTerminal {
    honest: Codec,
    impostor: Codec,
    script: Arc<Mutex<Script>>,
}

#[async_trait]
impl Transport for FakeTerminal {
    fn kind(&self) -> &'static str {
        "antom-fuzz"
    }

    async fn send(
        &self,
        request: &OutboundRequest,
        _timeout: Duration,
    ) -> Result<InboundResponse, TransportError> {
        let mut script = self.script.lock().unwrap_or_else(|p| p.into_inner());
        script.sent += 1;
        let forgery = script.forgery.unwrap_or(Forgery::None);
        let time = script.time;
        let meta = MessageMeta {
            method: "POST",
            path: &request.path,
            client_id: &request.client_id,
            time,
        };
        let signer = if forgery == Forgery::WrongKey {
            &self.impostor
        } else {
            &self.honest
        };
        let mut m = signer
            .seal(&meta, &script.plaintext)
            .expect("the fake terminal seals");
        if let Forgery::FlipBodyByte(i) = forgery {
            let i = i % m.body.len();
            m.body[i] ^= 0x01;
        }
        let mut headers = vec![(header::ENCRYPT.to_string(), m.encrypt)];
        if forgery != Forgery::NoSignature {
            headers.push((header::SIGNATURE.to_string(), m.signature));
        }
        if forgery != Forgery::NoTime {
            headers.push((header::RESPONSE_TIME.to_string(), time.to_string()));
        }
        Ok(InboundResponse {
            status: 200,
            headers,
            body: m.body,
        })
    }
}

struct Rig {
    script: Arc<Mutex<Script>>,
    /// Indexed by `customer_mode as usize * 2 + ecb as usize`.
    drivers: Vec<Antom<FakeTerminal>>,
}

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let script = Arc::new(Mutex::new(Script::default()));
        let terminal = PrivateKey::from_pem(keys::TERMINAL_PRIVATE).expect("terminal key");
        let pos = PrivateKey::from_pem(keys::POS_PRIVATE).expect("POS key");
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::at("2026-11-21T10:15:30.123+09:00"));
        let mut drivers = Vec::new();
        for customer_mode in [false, true] {
            for envelope in [Envelope::Gcm, Envelope::Ecb] {
                let cfg = AntomConfig {
                    host: "127.0.0.1".into(),
                    port: 8344,
                    client_id: CLIENT_ID.into(),
                    pos_key_path: keys::path("pos_private_key_pkcs8.pem"),
                    terminal_key_path: keys::path("terminal_public_key.pem"),
                    envelope,
                    customer_mode,
                    payment_method: "CARD".into(),
                    timing: AntomConfig::default_timing(),
                };
                let fake = FakeTerminal {
                    honest: Codec::new(terminal.clone(), pos.public_key(), envelope),
                    // Right envelope, wrong signer: the POS's own key.
                    impostor: Codec::new(pos.clone(), pos.public_key(), envelope),
                    script: script.clone(),
                };
                drivers.push(Antom::with_transport(cfg, fake, clock.clone()).expect("driver"));
            }
        }
        Rig { script, drivers }
    })
}

fn id(s: &str) -> RequestId {
    RequestId::parse(s).expect("a valid id")
}

fn krw(minor: i64) -> Money {
    Money::new(minor, Currency::KRW)
}

/// The answer as JSON, to check the driver's verdict against what it was told.
struct Said(Value);

impl Said {
    fn text(&self, path: &[&str]) -> Option<&str> {
        let mut v = &self.0;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str()
    }

    fn status(&self) -> Option<&str> {
        self.text(&["result", "resultStatus"])
    }

    /// The call succeeded by Antom's rules (§1.5): status `S` with `SUCCESS` (an unrecognised
    /// code with `S` is unknown), as `codes::classify` decides; the `n950_response` target
    /// checks that `classify` never says success without `S`.
    fn success(&self) -> bool {
        let (Some(status), Some(code)) = (self.status(), self.text(&["result", "resultCode"]))
        else {
            return false;
        };
        status == "S"
            && classify(&ResultStatus::from(status), &ResultCode::from(code)) == CallClass::Success
    }

    /// `None` when absent; `Some(matches)` when present.
    fn amount_matches(&self, field: &str, want: Money) -> Option<bool> {
        let a = self.0.get(field)?;
        let value = a.get("value").and_then(Money::minor_from_json);
        let currency = a.get("currency").and_then(Value::as_str);
        Some(
            value == Some(want.minor)
                && currency.is_some_and(|c| c.eq_ignore_ascii_case(want.currency.code())),
        )
    }

    fn echo_ok(&self, field: &str, want: &str) -> bool {
        match self.0.get(field) {
            None | Some(Value::Null) => true,
            Some(v) => v.as_str() == Some(want),
        }
    }
}

/// The reason an untrusted answer must carry: a bad signature for a forgery, a mismatch
/// for a genuine but stale answer.
fn names_it(reason: &UnknownReason, signature_forged: bool) -> bool {
    if signature_forged {
        matches!(reason, UnknownReason::BadSignature(_))
    } else {
        matches!(reason, UnknownReason::Mismatch(_))
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (call, flags, plaintext) = (data[0] % 6, data[1], &data[2..]);
    let customer_mode = flags & 0x08 != 0;
    let ecb = flags & 0x10 != 0;
    let partial = flags & 0x20 != 0;
    let forgery = match flags & 0x07 {
        0..=2 => Forgery::None,
        3 => Forgery::FlipBodyByte(plaintext.len() * 7),
        4 => Forgery::NoSignature,
        5 => Forgery::WrongKey,
        6 => Forgery::NoTime,
        _ => Forgery::None,
    };
    let rig = rig();
    {
        let mut s = rig.script.lock().unwrap_or_else(|p| p.into_inner());
        *s = Script {
            plaintext: plaintext.to_vec(),
            forgery: Some(forgery),
            time: RESPONSE_TIMES[usize::from(flags >> 6)],
            sent: 0,
        };
    }
    let driver = &rig.drivers[usize::from(customer_mode) * 2 + usize::from(ecb)];
    let said = Said(serde_json::from_slice(plaintext).unwrap_or(Value::Null));
    // What the driver must not trust: a forgery, or a genuine answer dated for another time.
    let forged = forgery != Forgery::None || flags >> 6 >= 2;
    let signature_forged = forgery != Forgery::None;
    let paid = krw(12500);
    let payment = PaymentRef {
        request_id: id(PAY_ID),
        terminal_payment_id: PAYMENT_ID.into(),
        amount: paid,
        vendor_data: json!({ "paymentId": PAYMENT_ID, "paymentMethod": "CARD" }),
    };
    let refund = RefundRequest {
        refund_request_id: id(REFUND_ID),
        payment,
        amount: if partial { krw(5000) } else { paid },
        reason: "fuzz".into(),
    };

    match call {
        0 => match block_on(driver.diagnose()) {
            Ok(d) => {
                assert!(!forged, "a forged diagnosis was trusted: {d:?}");
                if d.ready {
                    assert!(said.success(), "ready without S and a success code");
                    assert_eq!(said.text(&["globalStatus"]).map(str::trim), Some("Y"));
                    assert_eq!(said.text(&["networkStatus"]).map(str::trim), Some("Y"));
                }
            }
            Err(e) => assert!(
                !matches!(e, kassa_core::RequestError::Unsupported(_)),
                "{e:?}"
            ),
        },
        1 => {
            let req = PayRequest {
                request_id: id(PAY_ID),
                order_id: id("O20261121A0001"),
                amount: paid,
                tax: krw(1136),
                tip: krw(0),
                installments: 0,
                description: "fuzz".into(),
                cashier: "fuzz".into(),
            };
            let outcome = block_on(driver.pay(&req, &NullSink)).expect("a sent pay has an outcome");
            match &outcome {
                PayOutcome::Approved(a) => {
                    assert!(!forged, "a forged answer was approved");
                    assert!(said.success(), "approved without S and a success code");
                    assert!(
                        said.echo_ok("paymentRequestId", PAY_ID),
                        "approved for another id"
                    );
                    assert_ne!(said.amount_matches("paymentAmount", paid), Some(false));
                    assert_eq!(a.amount, paid);
                    assert!(!a.terminal_payment_id.trim().is_empty());
                    assert_masked(a.receipt.masked_pan.as_deref(), 4, "antom approval");
                }
                PayOutcome::Declined(_) => {
                    assert!(!forged, "a forged answer was declined");
                    assert_eq!(said.status(), Some("F"), "declined without F");
                    assert!(
                        said.echo_ok("paymentRequestId", PAY_ID),
                        "declined for another id"
                    );
                }
                PayOutcome::Unknown { reason } => {
                    if forged {
                        assert!(
                            names_it(reason, signature_forged),
                            "forgery not named: {reason:?}"
                        );
                    }
                }
            }
        }
        2 => {
            let q = PaymentQuery {
                request_id: id(PAY_ID),
                amount: paid,
            };
            match block_on(driver.inquire_payment(&q)) {
                Ok(status) => {
                    assert!(!forged, "a forged inquiry answer was trusted: {status:?}");
                    match status {
                        PaymentStatus::Succeeded(a) => {
                            assert!(said.success());
                            assert_eq!(said.text(&["paymentStatus"]), Some("SUCCESS"));
                            assert_eq!(said.text(&["paymentRequestId"]), Some(PAY_ID));
                            assert_eq!(said.amount_matches("paymentAmount", paid), Some(true));
                            assert_eq!(a.amount, paid);
                        }
                        PaymentStatus::Failed(_) => {
                            assert!(said.success());
                            assert!(matches!(
                                said.text(&["paymentStatus"]),
                                Some("FAIL" | "CANCELLED")
                            ));
                            assert!(said.echo_ok("paymentRequestId", PAY_ID));
                        }
                        PaymentStatus::NotFound => {
                            assert_eq!(said.status(), Some("F"));
                            assert_eq!(
                                said.text(&["result", "resultCode"]),
                                Some("DPOS_PAYMENT_ORDER_NOT_EXIST")
                            );
                        }
                        PaymentStatus::Pending => {}
                    }
                }
                Err(InquiryError::Untrustworthy(reason)) if forged => {
                    assert!(
                        names_it(&reason, signature_forged),
                        "forgery not named: {reason:?}"
                    )
                }
                Err(e) => assert!(!forged, "forgery reported as {e:?}"),
            }
        }
        3 => match block_on(driver.refund(&refund)) {
            Err(e) => {
                // Only the Customer Mode rule refuses before sending.
                assert!(partial && !customer_mode, "refund refused: {e:?}");
                let sent = rig.script.lock().unwrap_or_else(|p| p.into_inner()).sent;
                assert_eq!(sent, 0, "a refused refund must not reach the terminal");
            }
            Ok(RefundOutcome::Approved(a)) => {
                assert!(!forged, "a forged refund answer was approved");
                assert!(said.success());
                assert!(said.echo_ok("refundRequestId", REFUND_ID));
                assert_ne!(
                    said.amount_matches("refundAmount", refund.amount),
                    Some(false)
                );
                assert_eq!(a.amount, refund.amount);
                assert!(!a.terminal_refund_id.trim().is_empty());
            }
            Ok(RefundOutcome::Declined(_)) => {
                assert!(!forged, "a forged refund answer was declined");
                assert_eq!(said.status(), Some("F"));
                assert!(said.echo_ok("refundRequestId", REFUND_ID));
            }
            Ok(RefundOutcome::Unknown { reason, .. }) => {
                if forged {
                    assert!(
                        names_it(&reason, signature_forged),
                        "forgery not named: {reason:?}"
                    );
                }
            }
        },
        _ => {
            let by_id = call == 4;
            let q = RefundQuery {
                request: refund.clone(),
                terminal_refund_id: by_id.then(|| TERMINAL_REFUND_ID.to_string()),
            };
            match block_on(driver.inquire_refund(&q)) {
                Ok(status) => {
                    assert!(!forged, "a forged refund inquiry was trusted: {status:?}");
                    match status {
                        RefundStatus::Succeeded(a) => {
                            assert!(said.success());
                            assert_eq!(a.amount, refund.amount);
                            if by_id {
                                assert_eq!(said.text(&["refundStatus"]), Some("SUCCESS"));
                                assert!(said.echo_ok("refundId", TERMINAL_REFUND_ID));
                                assert!(said.echo_ok("paymentId", PAYMENT_ID));
                                assert_ne!(
                                    said.amount_matches("refundAmount", refund.amount),
                                    Some(false)
                                );
                            } else {
                                assert!(said.echo_ok("refundRequestId", REFUND_ID));
                            }
                        }
                        RefundStatus::Failed(_) => {
                            if by_id {
                                assert!(said.success());
                                assert_eq!(said.text(&["refundStatus"]), Some("FAILED"));
                            } else {
                                assert_eq!(said.status(), Some("F"));
                            }
                        }
                        RefundStatus::NotFound => {
                            assert!(by_id);
                            assert_eq!(said.status(), Some("F"));
                        }
                        RefundStatus::Pending => {}
                    }
                }
                Err(InquiryError::Untrustworthy(reason)) if forged => {
                    assert!(
                        names_it(&reason, signature_forged),
                        "forgery not named: {reason:?}"
                    )
                }
                Err(e) => assert!(!forged, "forgery reported as {e:?}"),
            }
        }
    }
});
