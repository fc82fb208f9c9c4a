//! What the simulated N950 does with the coming requests: a FIFO queue of [`Behaviour`]s,
//! one consumed by each *new* payment (a repeated `paymentRequestId` is answered from the
//! store, per Antom's idempotency), and one of [`RefundBehaviour`]s per new refund. An empty
//! queue approves. The same values come from Rust, from JSON (`POST /_sim/behaviour`) and from
//! the command line (`--behaviour decline=CODE`).

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::time::Duration;

/// The code a scripted decline uses when none is given.
pub const DEFAULT_DECLINE: &str = "USER_BALANCE_NOT_ENOUGH";

/// How a payment that was *in progress* ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Final {
    /// `paymentStatus` SUCCESS.
    Approve,
    /// `paymentStatus` FAIL, with this code as the message.
    Decline(String),
}

/// What the next new payment does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    /// Charge and answer `S SUCCESS` at once.
    Approve,
    /// Record a failed payment and answer `F` with this code.
    Decline(String),
    /// Charge at once (the store says SUCCESS immediately) but hold the HTTP answer this long:
    /// a client that times out then recovers success by inquiry, with no timing race.
    DelayAnswer(#[serde(with = "millis")] Duration),
    /// As [`Behaviour::DelayAnswer`], with a failed payment.
    DelayThenDecline(#[serde(with = "millis")] Duration),
    /// Answer `U PAYMENT_IN_PROGRESS`; the next `n` inquiries say PROCESSING, then `then`.
    InProgress {
        /// Inquiries answered PROCESSING.
        n: u32,
        /// The final status after them.
        then: Final,
    },
    /// Charge, then close the TCP connection without any HTTP response.
    DropAfterCharge,
    /// Charge and answer with a signature that does not verify.
    BadSignature,
    /// Charge, sign the answer, then change one byte of its body.
    TamperedBody,
    /// Charge the requested amount but answer a different one (one minor unit more).
    WrongAmount,
    /// Answer `F TERMINAL_BUSY`; nothing is recorded.
    TerminalBusy,
    /// Close the connection without any response *before* charging: nothing is recorded.
    ResetBeforeCharge,
    /// Never answer, and never finish: the payment stays PROCESSING for every inquiry.
    Hang,
    /// Charge, then answer a correctly signed and encrypted body whose content is not JSON.
    GarbageBody,
    /// Charge, sign the answer, then send only the first half of its body.
    TruncatedBody,
    /// Charge the requested amount but answer it in another currency.
    WrongCurrency,
    /// Charge, then answer with the previous `pay` answer exactly as it was sent (headers,
    /// signature and body: it verifies, but is about another payment). With no previous
    /// answer it approves normally.
    ReplayPrevious,
    /// Charge nothing, and answer with the last approving `pay` answer exactly as it was sent
    /// (the signed SUCCESS of another payment, replayed within the freshness window). With no
    /// earlier approval the connection is closed without an answer.
    ReplayLastApproval,
    /// Charge and answer, signed, with a `Response-Time` this far in the past.
    StaleResponseTime(#[serde(with = "millis")] Duration),
    /// Charge and answer with no `Response-Time` but a `Request-Time` header this far in the
    /// past, signed over it (the fallback a client verifies against).
    StaleRequestTime(#[serde(with = "millis")] Duration),
}

/// What the next new refund does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefundBehaviour {
    /// Refund and answer `S SUCCESS`.
    Approve,
    /// Record a failed refund and answer `F` with this code.
    Decline(String),
    /// Refund, then close the connection without a response.
    DropAfterRefund,
    /// As [`RefundBehaviour::DropAfterRefund`], and every repeat of the same
    /// `refundRequestId` is answered `F DPOS_PAYMENT_ORDER_IS_CLOSED`, as a terminal without
    /// refund idempotency would (the first refund took the money).
    DropThenRefuseRepeats,
    /// Keep the refund PENDING (in flight) for this long, holding the answer; it succeeds
    /// afterwards. Lets tests see "one refund in flight per payment".
    Hold(#[serde(with = "millis")] Duration),
}

/// One instruction to the control endpoint (`POST /_sim/behaviour`), e.g.
/// `{"pay":"drop-after-charge"}`, `{"pay":{"decline":"CARD_EXPIRED"}}`,
/// `{"refund":{"hold":60000}}`, `{"diagnosis-ready":false}`; a JSON list of them is taken too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Control {
    /// Queue a payment behaviour.
    Pay(Behaviour),
    /// Queue a refund behaviour.
    Refund(RefundBehaviour),
    /// Set what diagnosis reports as `globalStatus`.
    DiagnosisReady(bool),
    /// Set whether the USB side takes refunds.
    UsbRefunds(bool),
}

/// Durations as integer milliseconds in JSON.
mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// Reads `500ms`, `30s`, `2m` or a bare number of milliseconds.
fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "ms"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 500ms or 30s"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("{text:?}: use ms, s or m")),
    }
}

fn code(arg: Option<&str>) -> String {
    arg.map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(DEFAULT_DECLINE)
        .to_string()
}

impl FromStr for Final {
    type Err = String;
    fn from_str(s: &str) -> Result<Final, String> {
        let (name, arg) = s.split_once('=').map_or((s, None), |(n, a)| (n, Some(a)));
        match name.trim() {
            "approve" => Ok(Final::Approve),
            "decline" => Ok(Final::Decline(code(arg))),
            other => Err(format!(
                "{other:?}: an in-progress payment ends in approve or decline[=CODE]"
            )),
        }
    }
}

impl FromStr for Behaviour {
    type Err = String;
    /// `approve`, `decline[=CODE]`, `delay-answer=30s`, `delay-then-decline=30s`,
    /// `in-progress=N:approve|decline[=CODE]`, `drop-after-charge`, `bad-signature`,
    /// `tampered-body`, `wrong-amount`, `terminal-busy`, `reset-before-charge`, `hang`,
    /// `garbage-body`, `truncated-body`, `wrong-currency`, `replay-previous`,
    /// `replay-last-approval`, `stale-response-time=DURATION`, `stale-request-time=DURATION`.
    fn from_str(s: &str) -> Result<Behaviour, String> {
        let (name, arg) = s.split_once('=').map_or((s, None), |(n, a)| (n, Some(a)));
        let need = |what: &str| arg.ok_or_else(|| format!("{name} needs ={what}"));
        Ok(match name.trim() {
            "approve" => Behaviour::Approve,
            "decline" => Behaviour::Decline(code(arg)),
            "delay-answer" => Behaviour::DelayAnswer(duration(need("DURATION")?)?),
            "delay-then-decline" => Behaviour::DelayThenDecline(duration(need("DURATION")?)?),
            "in-progress" => {
                let (n, then) = need("N:approve")?
                    .split_once(':')
                    .ok_or("in-progress=N:approve|decline")?;
                let n = n
                    .trim()
                    .parse()
                    .map_err(|_| format!("{n:?} is not a count"))?;
                Behaviour::InProgress {
                    n,
                    then: then.parse()?,
                }
            }
            "drop-after-charge" => Behaviour::DropAfterCharge,
            "bad-signature" => Behaviour::BadSignature,
            "tampered-body" => Behaviour::TamperedBody,
            "wrong-amount" => Behaviour::WrongAmount,
            "terminal-busy" => Behaviour::TerminalBusy,
            "reset-before-charge" => Behaviour::ResetBeforeCharge,
            "hang" => Behaviour::Hang,
            "garbage-body" => Behaviour::GarbageBody,
            "truncated-body" => Behaviour::TruncatedBody,
            "wrong-currency" => Behaviour::WrongCurrency,
            "replay-previous" => Behaviour::ReplayPrevious,
            "replay-last-approval" => Behaviour::ReplayLastApproval,
            "stale-response-time" => Behaviour::StaleResponseTime(duration(need("DURATION")?)?),
            "stale-request-time" => Behaviour::StaleRequestTime(duration(need("DURATION")?)?),
            other => return Err(format!("unknown behaviour {other:?}")),
        })
    }
}

impl FromStr for RefundBehaviour {
    type Err = String;
    /// `approve`, `decline[=CODE]`, `drop-after-refund`, `drop-then-refuse-repeats`,
    /// `hold=DURATION`.
    fn from_str(s: &str) -> Result<RefundBehaviour, String> {
        let (name, arg) = s.split_once('=').map_or((s, None), |(n, a)| (n, Some(a)));
        Ok(match name.trim() {
            "approve" => RefundBehaviour::Approve,
            "decline" => RefundBehaviour::Decline(code(arg)),
            "drop-after-refund" => RefundBehaviour::DropAfterRefund,
            "drop-then-refuse-repeats" => RefundBehaviour::DropThenRefuseRepeats,
            "hold" => RefundBehaviour::Hold(duration(arg.ok_or("hold needs =DURATION")?)?),
            other => return Err(format!("unknown refund behaviour {other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_forms() {
        assert_eq!("approve".parse(), Ok(Behaviour::Approve));
        assert_eq!(
            "decline".parse(),
            Ok(Behaviour::Decline(DEFAULT_DECLINE.into()))
        );
        assert_eq!(
            "decline=CARD_EXPIRED".parse(),
            Ok(Behaviour::Decline("CARD_EXPIRED".into()))
        );
        assert_eq!(
            "delay-answer=30s".parse(),
            Ok(Behaviour::DelayAnswer(Duration::from_secs(30)))
        );
        assert_eq!(
            "delay-then-decline=250".parse(),
            Ok(Behaviour::DelayThenDecline(Duration::from_millis(250)))
        );
        assert_eq!(
            "in-progress=2:decline=X".parse(),
            Ok(Behaviour::InProgress {
                n: 2,
                then: Final::Decline("X".into())
            })
        );
        assert_eq!(
            "drop-then-refuse-repeats".parse(),
            Ok(RefundBehaviour::DropThenRefuseRepeats)
        );
        assert_eq!(
            "hold=1m".parse(),
            Ok(RefundBehaviour::Hold(Duration::from_secs(60)))
        );
        assert_eq!("replay-previous".parse(), Ok(Behaviour::ReplayPrevious));
        assert_eq!(
            "replay-last-approval".parse(),
            Ok(Behaviour::ReplayLastApproval)
        );
        assert_eq!(
            "stale-response-time=10m".parse(),
            Ok(Behaviour::StaleResponseTime(Duration::from_secs(600)))
        );
        let c: Control = serde_json::from_str(r#"{"pay":{"stale-request-time":600000}}"#).unwrap();
        assert_eq!(
            c,
            Control::Pay(Behaviour::StaleRequestTime(Duration::from_secs(600)))
        );
        for bad in [
            "explode",
            "delay-answer",
            "delay-answer=5h",
            "in-progress=x:approve",
            "in-progress=2:maybe",
        ] {
            assert!(bad.parse::<Behaviour>().is_err(), "{bad}");
        }
    }

    #[test]
    fn json_forms() {
        let c: Vec<Control> = serde_json::from_str(
            r#"[{"pay":"drop-after-charge"},{"pay":{"decline":"X"}},{"pay":{"delay-answer":1500}},
                {"pay":{"in-progress":{"n":1,"then":"approve"}}},{"refund":{"hold":60000}},
                {"diagnosis-ready":false}]"#,
        )
        .unwrap();
        assert_eq!(c[0], Control::Pay(Behaviour::DropAfterCharge));
        assert_eq!(
            c[2],
            Control::Pay(Behaviour::DelayAnswer(Duration::from_millis(1500)))
        );
        assert_eq!(
            c[3],
            Control::Pay(Behaviour::InProgress {
                n: 1,
                then: Final::Approve
            })
        );
        assert_eq!(
            c[4],
            Control::Refund(RefundBehaviour::Hold(Duration::from_secs(60)))
        );
        assert_eq!(c[5], Control::DiagnosisReady(false));
        let back = serde_json::to_string(&c[2]).unwrap();
        assert_eq!(back, r#"{"pay":{"delay-answer":1500}}"#);
    }
}
