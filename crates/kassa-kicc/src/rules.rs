//! The timing and countdown rules of KICC callback mode (docs/protocols.md §3.1) as pure functions:
//! which timeout a command gets, what each event means for the cashier's dialog and its
//! countdown, and when a cancel can still work. No I/O here, so every rule is tested
//! directly.

use crate::codes::EventCode;
use crate::config::KiccConfig;
use kassa_core::{Countdown, Instruction, Money, Phase, TerminalEvent, Timing};
use std::time::Duration;

/// Purchases above this many won need the customer's signature (and a longer timeout).
pub const SIGNATURE_THRESHOLD_KRW: i64 = 50_000;
/// Extra time a signed purchase gets over the plain one (vendor: 95 s → 115 s).
pub const SIGNATURE_EXTRA: Duration = Duration::from_secs(20);
/// Seconds the customer has to sign once `PENDING_SIGNATURE` arrives.
pub const SIGNATURE_SECS: u32 = 20;
/// Device timeout of `CommandCancel` (vendor default).
pub const COMMAND_CANCEL_TIMEOUT: Duration = Duration::from_secs(5);

/// True when the device will ask for a signature: more than 50,000 KRW.
pub fn needs_signature(amount: Money) -> bool {
    amount.currency.code() == "KRW" && amount.minor > SIGNATURE_THRESHOLD_KRW
}

/// The device-side timeout of a Purchase of `amount`: `timing.pay` (95 s by default), plus
/// [`SIGNATURE_EXTRA`] when a signature is needed (115 s by default).
pub fn purchase_timeout(amount: Money, timing: &Timing) -> Duration {
    if needs_signature(amount) {
        timing.pay + SIGNATURE_EXTRA
    } else {
        timing.pay
    }
}

/// How long the POS waits for an outcome of a command whose device timeout is `device`:
/// 5 % longer, so the bridge's own `CommandResponseTimeout` (or a late success) can still
/// arrive. Past it the outcome is unknown.
pub fn local_wait(device: Duration) -> Duration {
    device + device / 20
}

/// `timeoutSeconds` on the wire: whole seconds, rounded up, at least 1.
pub fn wire_timeout_secs(device: Duration) -> u64 {
    let secs = device.as_secs() + u64::from(device.subsec_nanos() > 0);
    secs.max(1)
}

/// What the countdown does on `event`: READY starts it at `paymentExpiryTime`, a signature
/// restarts it at 20 s, authorising or cancelling stops it, device initialisation has none,
/// everything else keeps it running.
pub fn countdown_for(event: EventCode, cfg: &KiccConfig) -> Countdown {
    countdown_with_expiry(event, cfg.payment_expiry_secs)
}

fn countdown_with_expiry(event: EventCode, payment_expiry_secs: u32) -> Countdown {
    match event {
        EventCode::Ready => Countdown::Start(payment_expiry_secs),
        EventCode::CardDetected | EventCode::CardReadCompleted => Countdown::Keep,
        EventCode::PendingSignature => Countdown::Restart(SIGNATURE_SECS),
        EventCode::StartTransaction | EventCode::Cancelling => Countdown::Stop,
        EventCode::FallbackMagcardreader
        | EventCode::RequireCardInsert
        | EventCode::CardTryAgain
        | EventCode::CardMissing => Countdown::Keep,
        EventCode::DeviceInitialize => Countdown::None,
    }
}

/// The driver-neutral phase of `event`.
pub fn phase_for(event: EventCode) -> Phase {
    let instruction = |instruction| Phase::Instruction { instruction };
    match event {
        EventCode::Ready => Phase::WaitingForCard,
        EventCode::CardDetected => Phase::CardDetected,
        EventCode::CardReadCompleted => Phase::CardRead,
        EventCode::PendingSignature => Phase::Signature,
        EventCode::StartTransaction => Phase::Authorising,
        EventCode::Cancelling => Phase::Cancelling,
        EventCode::FallbackMagcardreader => instruction(Instruction::FallbackMagstripe),
        EventCode::RequireCardInsert => instruction(Instruction::InsertCard),
        EventCode::CardTryAgain => instruction(Instruction::TryAgain),
        EventCode::CardMissing => instruction(Instruction::CardMissing),
        EventCode::DeviceInitialize => Phase::DeviceInitialising,
    }
}

/// Where `event` leaves the cancel window: opened by READY, closed for good once the card is
/// read (or a signature or authorisation shows it was) or a cancel is under way.
fn window_after(event: EventCode) -> Option<bool> {
    match event {
        EventCode::Ready => Some(true),
        EventCode::CardReadCompleted
        | EventCode::PendingSignature
        | EventCode::StartTransaction
        | EventCode::Cancelling => Some(false),
        EventCode::CardDetected
        | EventCode::FallbackMagcardreader
        | EventCode::RequireCardInsert
        | EventCode::CardTryAgain
        | EventCode::CardMissing
        | EventCode::DeviceInitialize => None,
    }
}

/// Turns one purchase's events into [`TerminalEvent`]s, remembering whether a countdown runs
/// and whether a cancel can still work.
#[derive(Debug, Clone)]
pub struct EventTracker {
    request_id: String,
    cfg_expiry: u32,
    countdown: Option<u32>,
    window_open: bool,
    window_closed_for_good: bool,
    last_phase: Phase,
}

impl EventTracker {
    /// A tracker for the purchase `request_id` under `cfg`.
    pub fn new(request_id: &str, cfg: &KiccConfig) -> EventTracker {
        EventTracker {
            request_id: request_id.to_string(),
            cfg_expiry: cfg.payment_expiry_secs,
            countdown: None,
            window_open: false,
            window_closed_for_good: false,
            last_phase: Phase::OnTerminal,
        }
    }

    /// The event the UI receives for a device event.
    pub fn on_event(&mut self, event: EventCode) -> TerminalEvent {
        let countdown = countdown_with_expiry(event, self.cfg_expiry);
        self.countdown = countdown.apply(self.countdown);
        match window_after(event) {
            Some(true) if !self.window_closed_for_good => self.window_open = true,
            Some(true) => {}
            Some(false) => {
                self.window_open = false;
                self.window_closed_for_good = true;
            }
            None => {}
        }
        self.last_phase = phase_for(event);
        self.make(countdown, event.as_str())
    }

    /// A successful `CommandCancel`: stops a running countdown (as the device's CANCELLING
    /// would). `None` when nothing needs telling.
    pub fn on_cancel_accepted(&mut self) -> Option<TerminalEvent> {
        self.window_open = false;
        self.window_closed_for_good = true;
        self.countdown?;
        self.countdown = None;
        self.last_phase = Phase::Cancelling;
        Some(self.make(Countdown::Stop, crate::wire::CMD_COMMAND_CANCEL))
    }

    /// The command ended with `vendor_code` (an outcome, a timeout, a lost link): stops a
    /// countdown that is still running. `None` when none runs.
    pub fn on_end(&mut self, vendor_code: &str) -> Option<TerminalEvent> {
        self.window_open = false;
        self.window_closed_for_good = true;
        self.countdown?;
        self.countdown = None;
        Some(self.make(Countdown::Stop, vendor_code))
    }

    /// Whether a `CommandCancel` can still work.
    pub fn can_cancel(&self) -> bool {
        self.window_open
    }

    /// Seconds the countdown was last set to, if one runs.
    pub fn countdown(&self) -> Option<u32> {
        self.countdown
    }

    fn make(&self, countdown: Countdown, vendor_code: &str) -> TerminalEvent {
        TerminalEvent {
            request_id: self.request_id.clone(),
            phase: self.last_phase.clone(),
            countdown,
            can_cancel: self.window_open,
            vendor_code: vendor_code.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_core::Currency;

    fn cfg() -> KiccConfig {
        KiccConfig {
            host: "h".into(),
            port: 1,
            merchant_id: "M".into(),
            acquirer_terminal_id: "T".into(),
            registration_no: "1".into(),
            pairing_key_file: "k".into(),
            payment_expiry_secs: 30,
            timing: KiccConfig::default_timing(),
        }
    }

    fn krw(won: i64) -> Money {
        Money::new(won, Currency::KRW)
    }

    #[test]
    fn purchase_timeouts_follow_the_vendor_table() {
        let t = KiccConfig::default_timing();
        assert_eq!(
            purchase_timeout(krw(50_000), &t),
            Duration::from_secs(95),
            "50,000 is not over"
        );
        assert_eq!(purchase_timeout(krw(50_001), &t), Duration::from_secs(115));
        assert_eq!(purchase_timeout(krw(104), &t), Duration::from_secs(95));
        let short = Timing {
            pay: Duration::from_millis(300),
            ..t
        };
        assert_eq!(
            purchase_timeout(krw(60_000), &short),
            Duration::from_millis(20_300)
        );
        assert_eq!(t.refund, Duration::from_secs(85), "PurchaseCancel");
        assert_eq!(t.inquiry, Duration::from_secs(5), "GetLastTransaction");
        assert_eq!(COMMAND_CANCEL_TIMEOUT, Duration::from_secs(5));
    }

    #[test]
    fn the_pos_waits_a_little_longer_than_the_device_and_says_whole_seconds() {
        assert_eq!(
            local_wait(Duration::from_secs(95)),
            Duration::from_millis(99_750)
        );
        assert_eq!(local_wait(Duration::ZERO), Duration::ZERO);
        assert_eq!(wire_timeout_secs(Duration::from_secs(115)), 115);
        assert_eq!(wire_timeout_secs(Duration::from_millis(300)), 1);
        assert_eq!(wire_timeout_secs(Duration::from_millis(5_001)), 6);
    }

    #[test]
    fn every_event_has_its_countdown_rule() {
        let c = cfg();
        let expect = |e: EventCode| match e {
            EventCode::Ready => Countdown::Start(30),
            EventCode::PendingSignature => Countdown::Restart(20),
            EventCode::StartTransaction | EventCode::Cancelling => Countdown::Stop,
            EventCode::DeviceInitialize => Countdown::None,
            _ => Countdown::Keep,
        };
        for e in EventCode::ALL {
            assert_eq!(countdown_for(*e, &c), expect(*e), "{e}");
        }
        let c45 = KiccConfig {
            payment_expiry_secs: 45,
            ..cfg()
        };
        assert_eq!(countdown_for(EventCode::Ready, &c45), Countdown::Start(45));
    }

    #[test]
    fn instructions_map_to_their_neutral_names() {
        assert_eq!(
            phase_for(EventCode::FallbackMagcardreader),
            Phase::Instruction {
                instruction: Instruction::FallbackMagstripe
            }
        );
        assert_eq!(
            phase_for(EventCode::RequireCardInsert),
            Phase::Instruction {
                instruction: Instruction::InsertCard
            }
        );
        assert_eq!(phase_for(EventCode::StartTransaction), Phase::Authorising);
        assert_eq!(
            phase_for(EventCode::DeviceInitialize),
            Phase::DeviceInitialising
        );
    }

    #[test]
    fn cancel_is_offered_from_ready_until_the_card_is_read() {
        let mut t = EventTracker::new("P1", &cfg());
        let seq = [
            (EventCode::DeviceInitialize, false),
            (EventCode::Ready, true),
            (EventCode::CardDetected, true),
            (EventCode::CardTryAgain, true),
            (EventCode::CardReadCompleted, false),
            (EventCode::PendingSignature, false),
            (EventCode::Ready, false),
            (EventCode::StartTransaction, false),
        ];
        for (e, can) in seq {
            assert_eq!(t.on_event(e).can_cancel, can, "after {e}");
        }
    }

    #[test]
    fn the_tracker_follows_the_countdown_and_stops_it_once_at_the_end() {
        let mut t = EventTracker::new("P1", &cfg());
        assert_eq!(t.on_event(EventCode::Ready).countdown, Countdown::Start(30));
        assert_eq!(t.countdown(), Some(30));
        assert_eq!(
            t.on_event(EventCode::CardMissing).countdown,
            Countdown::Keep
        );
        assert_eq!(t.countdown(), Some(30));
        let end = t.on_end("PROCESS_FAIL").unwrap();
        assert_eq!(end.countdown, Countdown::Stop);
        assert_eq!(end.vendor_code, "PROCESS_FAIL");
        assert!(!end.can_cancel);
        assert_eq!(
            end.phase,
            Phase::Instruction {
                instruction: Instruction::CardMissing
            }
        );
        assert!(
            t.on_end("again").is_none(),
            "a stopped countdown is not stopped twice"
        );

        let mut t = EventTracker::new("P2", &cfg());
        t.on_event(EventCode::Ready);
        t.on_event(EventCode::StartTransaction);
        assert!(
            t.on_end("SUCCESS").is_none(),
            "authorising already stopped it"
        );

        let mut t = EventTracker::new("P3", &cfg());
        t.on_event(EventCode::Ready);
        let c = t.on_cancel_accepted().unwrap();
        assert_eq!(
            (c.phase, c.countdown, c.can_cancel),
            (Phase::Cancelling, Countdown::Stop, false)
        );
        assert!(t.on_end("ORDER_IS_CANCELED").is_none());
    }
}
