//! The state machine of one payment or refund attempt.
//!
//! ```text
//!            diagnose ok            sent               approved
//!  created ───────────▶ sending ──────────▶ awaiting ───────────────▶ succeeded
//!     │ diagnose fails     │ request-phase     │ declined, or not delivered
//!     ▼                    ▼ error             ▼
//!  refused              failed            failed
//!                                           │ no trustworthy answer
//!                                           ▼
//!                                        unknown ──recovery──▶ succeeded | failed
//!                                           │ recovery window spent
//!                                           ▼
//!                                    needs-manager ──manager, or the terminal──▶ succeeded | failed
//! ```
//!
//! (`sending` may also go straight to `unknown`: a connection that dies after the request
//! left the machine.) `awaiting` means the driver said the request is about to leave the
//! machine (`EventSink::sent`); a driver that then reports a request-phase error promises
//! nothing left, so `awaiting` → `failed` ("not delivered") is legal. `needs-manager` is not
//! final: recovery keeps asking, and a later final answer from the terminal settles it.
//! Payments and refunds share this shape; each transition is a named method and every other
//! move is an [`IllegalTransition`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an attempt stands. Final states are `succeeded`, `failed` and `refused`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AttemptState {
    /// Recorded; terminal not yet checked.
    Created,
    /// Committed to the ledger; the request is about to go (or went) on the wire.
    Sending,
    /// The terminal took the request; waiting for its answer.
    Awaiting,
    /// The terminal approved it.
    Succeeded,
    /// The terminal declined it, or it never left the machine.
    Failed,
    /// The terminal was not ready; nothing was sent.
    Refused,
    /// Sent, but no trustworthy answer: recovery must find out.
    Unknown,
    /// Recovery could not prove the outcome; a manager settles it.
    NeedsManager,
}

impl AttemptState {
    /// True when nothing can change the state any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            AttemptState::Succeeded | AttemptState::Failed | AttemptState::Refused
        )
    }

    /// The ledger's text form.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Created => "created",
            AttemptState::Sending => "sending",
            AttemptState::Awaiting => "awaiting",
            AttemptState::Succeeded => "succeeded",
            AttemptState::Failed => "failed",
            AttemptState::Refused => "refused",
            AttemptState::Unknown => "unknown",
            AttemptState::NeedsManager => "needs-manager",
        }
    }

    /// Reads the ledger's text form.
    pub fn parse(s: &str) -> Option<AttemptState> {
        Some(match s {
            "created" => AttemptState::Created,
            "sending" => AttemptState::Sending,
            "awaiting" => AttemptState::Awaiting,
            "succeeded" => AttemptState::Succeeded,
            "failed" => AttemptState::Failed,
            "refused" => AttemptState::Refused,
            "unknown" => AttemptState::Unknown,
            "needs-manager" => AttemptState::NeedsManager,
            _ => return None,
        })
    }
}

impl fmt::Display for AttemptState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("illegal transition {event} from {from}")]
pub struct IllegalTransition {
    /// The state the attempt was in.
    pub from: AttemptState,
    /// The transition that was asked for.
    pub event: &'static str,
}

/// An attempt's state with its transitions. The state is private: it only moves through the
/// methods below, each of which names the event that causes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptMachine {
    state: AttemptState,
}

impl AttemptMachine {
    /// A fresh attempt.
    pub fn new() -> AttemptMachine {
        AttemptMachine {
            state: AttemptState::Created,
        }
    }

    /// Resumes a machine from a state read back from the ledger.
    pub fn resume(state: AttemptState) -> AttemptMachine {
        AttemptMachine { state }
    }

    /// The current state.
    pub fn state(&self) -> AttemptState {
        self.state
    }

    fn go(
        &mut self,
        event: &'static str,
        allowed: &[AttemptState],
        to: AttemptState,
    ) -> Result<AttemptState, IllegalTransition> {
        if allowed.contains(&self.state) {
            self.state = to;
            Ok(to)
        } else {
            Err(IllegalTransition {
                from: self.state,
                event,
            })
        }
    }

    /// The terminal is ready: the attempt is about to be sent.
    pub fn diagnosed_ok(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go(
            "diagnosed_ok",
            &[AttemptState::Created],
            AttemptState::Sending,
        )
    }

    /// The terminal is not ready: nothing will be sent.
    pub fn diagnose_failed(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go(
            "diagnose_failed",
            &[AttemptState::Created],
            AttemptState::Refused,
        )
    }

    /// The request is about to leave the machine (the driver called `EventSink::sent`).
    pub fn sent(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go("sent", &[AttemptState::Sending], AttemptState::Awaiting)
    }

    /// The request could not leave the machine (connection refused, request not built).
    pub fn request_failed(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go(
            "request_failed",
            &[AttemptState::Sending],
            AttemptState::Failed,
        )
    }

    /// After `sent`, the driver reported that nothing of the request left the machine after
    /// all (its `RequestError` is that promise): not charged, a new attempt may follow.
    pub fn not_delivered(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go(
            "not_delivered",
            &[AttemptState::Awaiting],
            AttemptState::Failed,
        )
    }

    /// A trustworthy approval, from the answer or from recovery (also after a manager was
    /// called: the terminal's own final answer settles it).
    pub fn approved(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go(
            "approved",
            &[
                AttemptState::Sending,
                AttemptState::Awaiting,
                AttemptState::Unknown,
                AttemptState::NeedsManager,
            ],
            AttemptState::Succeeded,
        )
    }

    /// A trustworthy decline, from the answer or from recovery (also after a manager was
    /// called).
    pub fn declined(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go(
            "declined",
            &[
                AttemptState::Sending,
                AttemptState::Awaiting,
                AttemptState::Unknown,
                AttemptState::NeedsManager,
            ],
            AttemptState::Failed,
        )
    }

    /// Sent, but the answer is missing or untrustworthy.
    pub fn lost(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go(
            "lost",
            &[
                AttemptState::Sending,
                AttemptState::Awaiting,
                AttemptState::Unknown,
            ],
            AttemptState::Unknown,
        )
    }

    /// Recovery's window is spent without a final answer.
    pub fn escalate(&mut self) -> Result<AttemptState, IllegalTransition> {
        self.go(
            "escalate",
            &[AttemptState::Unknown],
            AttemptState::NeedsManager,
        )
    }

    /// A manager confirms what the terminal shows.
    pub fn manager_resolved(&mut self, paid: bool) -> Result<AttemptState, IllegalTransition> {
        let to = if paid {
            AttemptState::Succeeded
        } else {
            AttemptState::Failed
        };
        self.go(
            "manager_resolved",
            &[AttemptState::Unknown, AttemptState::NeedsManager],
            to,
        )
    }
}

impl Default for AttemptMachine {
    fn default() -> Self {
        AttemptMachine::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptState::*;

    type Move = fn(&mut AttemptMachine) -> Result<AttemptState, IllegalTransition>;

    const ALL: [AttemptState; 8] = [
        Created,
        Sending,
        Awaiting,
        Succeeded,
        Failed,
        Refused,
        Unknown,
        NeedsManager,
    ];

    #[test]
    fn happy_path() {
        let mut m = AttemptMachine::new();
        m.diagnosed_ok().unwrap();
        m.sent().unwrap();
        assert_eq!(m.approved().unwrap(), Succeeded);
    }

    #[test]
    fn unknown_goes_to_recovery_then_manager() {
        let mut m = AttemptMachine::resume(Awaiting);
        m.lost().unwrap();
        m.escalate().unwrap();
        assert_eq!(m.manager_resolved(true).unwrap(), Succeeded);
    }

    #[test]
    fn final_states_accept_nothing() {
        for s in [Succeeded, Failed, Refused] {
            assert!(s.is_final());
            let m = AttemptMachine::resume(s);
            let moves: [Move; 9] = [
                AttemptMachine::diagnosed_ok,
                AttemptMachine::diagnose_failed,
                AttemptMachine::sent,
                AttemptMachine::request_failed,
                AttemptMachine::not_delivered,
                AttemptMachine::approved,
                AttemptMachine::declined,
                AttemptMachine::lost,
                AttemptMachine::escalate,
            ];
            for mv in moves {
                let mut m2 = m;
                let err = mv(&mut m2).unwrap_err();
                assert_eq!(err.from, s, "a final state must not move");
                assert_eq!(m2.state(), s);
            }
            assert!(m.clone().manager_resolved(true).is_err());
        }
    }

    #[test]
    fn request_phase_failure_is_only_possible_before_the_terminal_answered() {
        assert!(AttemptMachine::resume(Sending).request_failed().is_ok());
        for s in ALL.into_iter().filter(|s| *s != Sending) {
            assert!(AttemptMachine::resume(s).request_failed().is_err(), "{s}");
        }
    }

    #[test]
    fn a_request_that_never_left_after_sent_fails_instead_of_sticking_in_awaiting() {
        let mut m = AttemptMachine::resume(Sending);
        m.sent().unwrap();
        assert_eq!(m.not_delivered().unwrap(), Failed);
        for s in ALL.into_iter().filter(|s| *s != Awaiting) {
            assert!(AttemptMachine::resume(s).not_delivered().is_err(), "{s}");
        }
    }

    #[test]
    fn the_terminal_can_still_settle_what_waits_for_a_manager() {
        assert_eq!(
            AttemptMachine::resume(NeedsManager).approved().unwrap(),
            Succeeded
        );
        assert_eq!(
            AttemptMachine::resume(NeedsManager).declined().unwrap(),
            Failed
        );
        assert!(AttemptMachine::resume(NeedsManager).lost().is_err());
    }

    #[test]
    fn a_manager_cannot_settle_what_is_still_running() {
        for s in [Created, Sending, Awaiting] {
            assert!(AttemptMachine::resume(s).manager_resolved(false).is_err());
        }
    }

    #[test]
    fn text_form_round_trips() {
        for s in ALL {
            assert_eq!(AttemptState::parse(s.as_str()), Some(s));
        }
        assert_eq!(AttemptState::parse("paid"), None);
    }
}
