//! Waiting for one command's outcome: events are handed to the caller as they come, the first
//! outcome frame ends the wait, and the wait is bounded by the command's timeout measured on
//! the [`Clock`] seam (so tests run it in virtual time). A timeout or a lost connection is an
//! unknown outcome, never a failure.

use crate::link::{Incoming, Route};
use crate::wire::Frame;
use kassa_core::{Clock, UnknownReason};
use serde_json::Value;
use std::time::Duration;

/// How a command ended, before any vendor meaning is given to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum End {
    /// `onSuccess` with its `responseData`.
    Success(Value),
    /// `onCommandFailed`.
    CommandFailed {
        /// The raw error code.
        code: String,
        /// The SDK's message.
        message: String,
    },
    /// `onBusinessFailed` with its `responseData`.
    BusinessFailed(Value),
    /// No outcome: timed out or the connection ended.
    Lost(UnknownReason),
}

/// What the wait reports along the way.
pub(crate) trait Progress: Send {
    /// An event frame with its raw code.
    fn event(&mut self, code: &str);
    /// A `CommandCancel` for this command was accepted.
    fn cancel_accepted(&mut self) {}
}

/// Ignores progress (commands other than Purchase).
pub(crate) struct LogOnly<'a>(pub &'a str);

impl Progress for LogOnly<'_> {
    fn event(&mut self, code: &str) {
        tracing::info!(command = self.0, code, "event during a command");
    }
}

/// Waits up to `wait` (on `clock`) for the outcome of the command behind `route`.
pub(crate) async fn await_end(
    route: &mut Route,
    clock: &dyn Clock,
    wait: Duration,
    progress: &mut dyn Progress,
) -> End {
    let timer = clock.sleep(wait);
    tokio::pin!(timer);
    loop {
        let msg = tokio::select! {
            biased;
            m = route.recv() => m,
            _ = &mut timer => return End::Lost(UnknownReason::Timeout),
        };
        match msg {
            Incoming::Frame(Frame::Event { code, .. }) => progress.event(&code),
            Incoming::Frame(Frame::Success { response_data, .. }) => {
                return End::Success(response_data)
            }
            Incoming::Frame(Frame::CommandFailed {
                error_code,
                error_message,
                ..
            }) => {
                return End::CommandFailed {
                    code: error_code,
                    message: error_message,
                }
            }
            Incoming::Frame(Frame::BusinessFailed { response_data, .. }) => {
                return End::BusinessFailed(response_data)
            }
            Incoming::Frame(other) => {
                tracing::info!(?other, "ignoring an unexpected frame for a command")
            }
            Incoming::CancelAccepted => progress.cancel_accepted(),
            Incoming::Closed(reason) => return End::Lost(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_core::ManualClock;

    #[derive(Default)]
    struct Seen(Vec<String>, u32);
    impl Progress for Seen {
        fn event(&mut self, code: &str) {
            self.0.push(code.to_string());
        }
        fn cancel_accepted(&mut self) {
            self.1 += 1;
        }
    }

    #[tokio::test]
    async fn silence_is_an_unknown_outcome_after_exactly_the_wait() {
        let clock = ManualClock::at("2026-11-21T10:00:00+09:00");
        let before = clock.now();
        let mut route = Route::detached("c1");
        let end = await_end(
            &mut route,
            &clock,
            Duration::from_millis(99_750),
            &mut Seen::default(),
        )
        .await;
        assert_eq!(end, End::Lost(UnknownReason::Timeout));
        assert_eq!(
            (clock.now() - before).num_milliseconds(),
            99_750,
            "virtual time, no sleeping"
        );
    }

    #[tokio::test]
    async fn events_flow_until_the_first_outcome() {
        let clock = ManualClock::at("2026-11-21T10:00:00+09:00");
        let mut route = Route::detached("c1");
        let post = route.poster();
        let ev = |code: &str| {
            Incoming::Frame(Frame::Event {
                id: "c1".into(),
                code: code.into(),
            })
        };
        post.send(ev("READY")).unwrap();
        post.send(Incoming::CancelAccepted).unwrap();
        post.send(ev("CANCELLING")).unwrap();
        post.send(Incoming::Frame(Frame::BusinessFailed {
            id: "c1".into(),
            response_data: serde_json::json!({"result": {"resultCode": "ORDER_IS_CANCELED"}}),
        }))
        .unwrap();
        post.send(Incoming::Frame(Frame::Success {
            id: "c1".into(),
            response_data: Value::Null,
        }))
        .unwrap();
        let mut seen = Seen::default();
        let end = await_end(&mut route, &clock, Duration::from_secs(95), &mut seen).await;
        assert!(
            matches!(end, End::BusinessFailed(_)),
            "the first outcome wins: {end:?}"
        );
        assert_eq!(seen.0, ["READY", "CANCELLING"]);
        assert_eq!(seen.1, 1);
    }

    #[tokio::test]
    async fn a_closed_link_ends_the_wait_as_lost() {
        let clock = ManualClock::at("2026-11-21T10:00:00+09:00");
        let mut route = Route::detached("c1");
        route
            .poster()
            .send(Incoming::Closed(UnknownReason::ConnectionLost(
                "reset".into(),
            )))
            .unwrap();
        let end = await_end(
            &mut route,
            &clock,
            Duration::from_secs(5),
            &mut Seen::default(),
        )
        .await;
        assert_eq!(
            end,
            End::Lost(UnknownReason::ConnectionLost("reset".into()))
        );
    }
}
