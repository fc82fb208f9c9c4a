//! What the emulated KICC device does with the next command, and how fast it does it.

use kassa_kicc::codes::BusinessCode;
use std::fmt;
use std::time::Duration;

/// One device behaviour, chosen per command (see [`super::KiccSim::push_scenario`]). Purchase
/// and PurchaseCancel consume one; GetLastTransaction and CommandCancel answer from the
/// device's state. A purchase over 50,000 KRW always asks for a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// READY, CARD_DETECTED, CARD_READ_COMPLETED, (PENDING_SIGNATURE,) START_TRANSACTION,
    /// success.
    Happy,
    /// The first read fails: CARD_TRY_AGAIN, then the card is read.
    TryAgain,
    /// The swipe fails: FALLBACK_MAGCARDREADER, then the card is inserted.
    FallbackMagstripe,
    /// A tap is refused: REQUIRE_CARD_INSERT, then the card is inserted.
    RequireInsert,
    /// No card before `paymentExpiryTime`: business failure `PROCESS_FAIL`.
    NoCard,
    /// The card is read, then the device waits for a CommandCancel (which it refuses) before
    /// it goes on and completes the purchase.
    HoldAfterRead,
    /// `CommandDeviceBusy` at once; nothing is charged.
    Busy,
    /// A business failure with this code (after authorisation, or at once for the codes a
    /// device checks before it shows READY: INVALID_CONTRACT, ACCESS_DENIED, PARAM_ILLEGAL).
    BusinessFail(BusinessCode),
    /// The device charges, but the bridge reports `CommandResponseTimeout`.
    ResponseTimeout,
    /// The device charges, then the connection drops before the success is sent.
    DropAfterCharge,
    /// The device charges and the answer is never sent.
    Silent,
    /// The happy path with an unknown event code and an unknown frame type mixed in.
    Noise,
    /// The device charges at once but sends the success only after [`LATE_ANSWER`].
    LateAnswer,
    /// READY, then the purchase never ends: the device stays busy with it.
    Hang,
    /// READY, then the connection drops before the card is read; the device abandons the
    /// purchase and logs it as cancelled (`ORDER_IS_CANCELED`).
    DropBeforeCharge,
    /// The device charges, then sends a line that is not JSON instead of the success.
    GarbageLine,
    /// The device charges, then sends the first half of the success line and closes.
    TruncatedLine,
    /// The device charges the amount asked but reports one won more.
    WrongAmount,
    /// The device charges but reports the amount in another currency.
    WrongCurrency,
    /// The device charges, then sends the previous transaction's outcome (another requestId):
    /// its success, or its business failure.
    ReplayPrevious,
    /// READY, then a peer without the pairing key sends a `success` for the purchase (the
    /// right request id, amount and line number, a MAC under another key). The card is never
    /// read: when the POS drops the connection the device abandons the purchase
    /// (`ORDER_IS_CANCELED`, logged before the forged line so recovery finds it).
    ForgeSuccess,
    /// As [`Scenario::ForgeSuccess`], the forged `success` a bare JSON line without number or
    /// MAC.
    UnsignedSuccess,
    /// The device charges, then its `success` is MACed under the pairing key where the
    /// session key is due.
    WrongMac,
    /// The device charges, then its `success` leaves out one line number.
    SkipSeq,
    /// The device charges, then its `success` line is changed on the way (the amount, 100 won
    /// less) after its MAC was made.
    TamperedBody,
    /// The device charges, then re-sends its previous line (START_TRANSACTION) byte for byte
    /// instead of the `success`.
    ReplayLine,
}

/// How long [`Scenario::LateAnswer`] holds the success: longer than any client waits.
pub const LATE_ANSWER: Duration = Duration::from_secs(120);

impl Scenario {
    /// Every scenario without a parameter, for help texts and tests.
    pub const SIMPLE: &'static [Scenario] = &[
        Scenario::Happy,
        Scenario::TryAgain,
        Scenario::FallbackMagstripe,
        Scenario::RequireInsert,
        Scenario::NoCard,
        Scenario::HoldAfterRead,
        Scenario::Busy,
        Scenario::ResponseTimeout,
        Scenario::DropAfterCharge,
        Scenario::Silent,
        Scenario::Noise,
        Scenario::LateAnswer,
        Scenario::Hang,
        Scenario::DropBeforeCharge,
        Scenario::GarbageLine,
        Scenario::TruncatedLine,
        Scenario::WrongAmount,
        Scenario::WrongCurrency,
        Scenario::ReplayPrevious,
        Scenario::ForgeSuccess,
        Scenario::UnsignedSuccess,
        Scenario::WrongMac,
        Scenario::SkipSeq,
        Scenario::TamperedBody,
        Scenario::ReplayLine,
    ];

    /// The command-line name (`happy`, `no-card`, `business-fail:USER_BALANCE_NOT_ENOUGH`).
    pub fn name(&self) -> String {
        let simple = match self {
            Scenario::Happy => "happy",
            Scenario::TryAgain => "try-again",
            Scenario::FallbackMagstripe => "fallback-magstripe",
            Scenario::RequireInsert => "require-insert",
            Scenario::NoCard => "no-card",
            Scenario::HoldAfterRead => "hold-after-read",
            Scenario::Busy => "busy",
            Scenario::BusinessFail(code) => return format!("business-fail:{code}"),
            Scenario::ResponseTimeout => "response-timeout",
            Scenario::DropAfterCharge => "drop-after-charge",
            Scenario::Silent => "silent",
            Scenario::Noise => "noise",
            Scenario::LateAnswer => "late-answer",
            Scenario::Hang => "hang",
            Scenario::DropBeforeCharge => "drop-before-charge",
            Scenario::GarbageLine => "garbage-line",
            Scenario::TruncatedLine => "truncated-line",
            Scenario::WrongAmount => "wrong-amount",
            Scenario::WrongCurrency => "wrong-currency",
            Scenario::ReplayPrevious => "replay-previous",
            Scenario::ForgeSuccess => "forge-success",
            Scenario::UnsignedSuccess => "unsigned-success",
            Scenario::WrongMac => "wrong-mac",
            Scenario::SkipSeq => "skip-seq",
            Scenario::TamperedBody => "tampered-body",
            Scenario::ReplayLine => "replay-line",
        };
        simple.to_string()
    }

    /// Reads a command-line name.
    pub fn parse(name: &str) -> Result<Scenario, String> {
        if let Some(code) = name.strip_prefix("business-fail:") {
            return BusinessCode::parse(code)
                .map(Scenario::BusinessFail)
                .ok_or_else(|| {
                    let all: Vec<&str> = BusinessCode::ALL.iter().map(|c| c.as_str()).collect();
                    format!(
                        "unknown business code {code:?}; use one of {}",
                        all.join(", ")
                    )
                });
        }
        Scenario::SIMPLE
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                let all: Vec<String> = Scenario::SIMPLE.iter().map(Scenario::name).collect();
                format!(
                    "unknown scenario {name:?}; use one of {} or business-fail:CODE",
                    all.join(", ")
                )
            })
    }

    /// True for business codes a device refuses before it even shows READY.
    pub(crate) fn fails_before_ready(code: BusinessCode) -> bool {
        matches!(
            code,
            BusinessCode::InvalidContract | BusinessCode::AccessDenied | BusinessCode::ParamIllegal
        )
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// How long the emulated customer and acquirer take. All zero-able for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimTiming {
    /// Between two events.
    pub step: Duration,
    /// From READY until the customer presents the card.
    pub card_wait: Duration,
    /// From PENDING_SIGNATURE until the customer has signed.
    pub signature: Duration,
    /// From START_TRANSACTION until the acquirer answers.
    pub authorise: Duration,
    /// How long `no-card` waits; `None` uses the request's `paymentExpiryTime`.
    pub card_timeout: Option<Duration>,
    /// How long `hold-after-read` waits for a CommandCancel before it goes on.
    pub hold: Duration,
}

impl SimTiming {
    /// A plausible customer at a counter.
    pub fn realistic() -> SimTiming {
        SimTiming {
            step: Duration::from_millis(400),
            card_wait: Duration::from_millis(1500),
            signature: Duration::from_secs(3),
            authorise: Duration::from_millis(1200),
            card_timeout: None,
            hold: Duration::from_secs(30),
        }
    }

    /// No delays at all (the waits that end on an event, `no-card` and `hold-after-read`,
    /// still wait for it).
    pub fn instant() -> SimTiming {
        SimTiming {
            step: Duration::ZERO,
            card_wait: Duration::ZERO,
            signature: Duration::ZERO,
            authorise: Duration::ZERO,
            card_timeout: None,
            hold: Duration::from_secs(30),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_name_reads_back() {
        for s in Scenario::SIMPLE {
            assert_eq!(Scenario::parse(&s.name()), Ok(*s));
        }
        for c in BusinessCode::ALL {
            let s = Scenario::BusinessFail(*c);
            assert_eq!(Scenario::parse(&s.name()), Ok(s));
        }
        assert!(Scenario::parse("happy-ish")
            .unwrap_err()
            .contains("no-card"));
        assert!(Scenario::parse("business-fail:NOPE")
            .unwrap_err()
            .contains("PROCESS_FAIL"));
    }
}
