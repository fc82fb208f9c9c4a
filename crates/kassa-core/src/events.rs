//! The driver-neutral event a running payment sends to the cashier screen, with the countdown
//! it implies (docs/protocols.md §3.1), and the sinks that carry it.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// What the customer or cashier should be doing now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Phase {
    /// Checking the terminal before sending.
    Diagnosing,
    /// The payment is on the terminal: the customer completes it there.
    OnTerminal,
    /// Insert, tap or swipe the card now.
    WaitingForCard,
    /// The card was seen.
    CardDetected,
    /// The card was read.
    CardRead,
    /// The customer must sign.
    Signature,
    /// The acquirer is authorising.
    Authorising,
    /// A cancel is in progress.
    Cancelling,
    /// The terminal asks the customer to do something.
    Instruction {
        /// Which instruction.
        instruction: Instruction,
    },
    /// The device is initialising.
    DeviceInitialising,
    /// The answer was lost; the terminal is being asked what happened.
    Recovering {
        /// Inquiries made so far.
        tries: u32,
        /// Seconds since the request was sent.
        elapsed_secs: u64,
        /// Seconds after which a manager must decide.
        window_secs: u64,
    },
}

/// Instructions a terminal shows the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Instruction {
    /// Chip failed: swipe the card.
    FallbackMagstripe,
    /// Insert the card (no tap).
    InsertCard,
    /// Read failed: try again.
    TryAgain,
    /// The card was removed too early.
    CardMissing,
}

/// What the countdown on the dialog does on this event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "seconds", rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Countdown {
    /// Start counting down from this many seconds.
    Start(u32),
    /// Restart from this many seconds (e.g. signature: 20 s).
    Restart(u32),
    /// Keep whatever is running.
    Keep,
    /// Stop and hide it.
    Stop,
    /// This phase has no countdown.
    None,
}

impl Countdown {
    /// The seconds left right after this event, given what was left before (`None` = hidden).
    pub fn apply(self, before: Option<u32>) -> Option<u32> {
        match self {
            Countdown::Start(s) | Countdown::Restart(s) => Some(s),
            Countdown::Keep => before,
            Countdown::Stop | Countdown::None => None,
        }
    }
}

/// One event of a running payment or refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TerminalEvent {
    /// The attempt's request id.
    pub request_id: String,
    /// What is happening.
    pub phase: Phase,
    /// What the countdown does.
    pub countdown: Countdown,
    /// Whether a cancel can work now.
    pub can_cancel: bool,
    /// The vendor's own code for the event, for logs and support.
    pub vendor_code: String,
}

/// Where drivers send events. Implementations must not block.
pub trait EventSink: Send + Sync {
    /// Delivers one event.
    fn emit(&self, event: TerminalEvent);

    /// The request is about to leave the machine: called once, right before its bytes are written.
    fn sent(&self) {}
}

/// Discards events.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _event: TerminalEvent) {}
}

/// Keeps events in memory, for tests and for the CLI's summary.
#[derive(Debug, Default)]
pub struct VecSink(Mutex<Vec<TerminalEvent>>);

impl VecSink {
    /// The events received so far.
    pub fn events(&self) -> Vec<TerminalEvent> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl EventSink for VecSink {
    fn emit(&self, event: TerminalEvent) {
        if let Ok(mut v) = self.0.lock() {
            v.push(event);
        }
    }
}

impl EventSink for tokio::sync::mpsc::UnboundedSender<TerminalEvent> {
    fn emit(&self, event: TerminalEvent) {
        // A closed receiver means nobody is watching; the payment goes on regardless.
        let _ = self.send(event);
    }
}

impl<F: Fn(TerminalEvent) + Send + Sync> EventSink for F {
    fn emit(&self, event: TerminalEvent) {
        self(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_rules() {
        assert_eq!(Countdown::Start(30).apply(None), Some(30));
        assert_eq!(Countdown::Restart(20).apply(Some(3)), Some(20));
        assert_eq!(Countdown::Keep.apply(Some(12)), Some(12));
        assert_eq!(Countdown::Stop.apply(Some(12)), None);
        assert_eq!(Countdown::None.apply(Some(12)), None);
    }

    #[test]
    fn events_serialize_for_the_ui() {
        let e = TerminalEvent {
            request_id: "P1".into(),
            phase: Phase::Signature,
            countdown: Countdown::Restart(20),
            can_cancel: false,
            vendor_code: "PENDING_SIGNATURE".into(),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["phase"]["phase"], "signature");
        assert_eq!(
            v["countdown"],
            serde_json::json!({"action": "restart", "seconds": 20})
        );
    }
}
