//! The seam for time: wall-clock timestamps and waiting.
//!
//! Production uses [`SystemClock`]; tests use [`ManualClock`], whose `sleep` advances virtual
//! time at once, so timeouts and recovery windows are tested without real waiting.

use async_trait::async_trait;
use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Local};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

/// Wall-clock time and waiting, behind one trait.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time with the local offset (vendors want the offset in timestamps).
    fn now(&self) -> DateTime<FixedOffset>;
    /// Waits for `d` of this clock's time.
    async fn sleep(&self, d: Duration);
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Local::now().fixed_offset()
    }
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }
}

/// A clock that only moves when told to, or when something sleeps on it.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<FixedOffset>>,
}

impl ManualClock {
    /// Starts at `rfc3339`; an unparsable start falls back to the Unix epoch (tests only).
    pub fn at(rfc3339: &str) -> ManualClock {
        let t = DateTime::parse_from_rfc3339(rfc3339).unwrap_or_default();
        ManualClock { now: Mutex::new(t) }
    }

    /// Moves time forward.
    pub fn advance(&self, d: Duration) {
        let step = ChronoDuration::from_std(d).unwrap_or(ChronoDuration::zero());
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += step;
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
    async fn sleep(&self, d: Duration) {
        self.advance(d);
        tokio::task::yield_now().await;
    }
}

/// Formats a timestamp as vendors want it: ISO-8601 with milliseconds and offset.
pub fn iso_millis(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_sleeps_in_virtual_time() {
        let c = ManualClock::at("2026-11-21T10:15:30.123+09:00");
        c.sleep(Duration::from_secs(180)).await;
        assert_eq!(iso_millis(&c.now()), "2026-11-21T10:18:30.123+09:00");
    }
}
