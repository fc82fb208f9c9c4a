//! Identifiers that every vendor accepts: `[A-Za-z0-9_]{1,64}`, unique per store.
//!
//! Generated ids are `{prefix}{yyyymmddHHMMSS}{store}{seq}{random}`: sortable by time, unique
//! across restarts (the random tail covers a clock set back), and short enough for IOT Pay's
//! 30-character `mchOrderNo` when the prefix and store code are short.

use crate::clock::Clock;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A request or order id valid for every terminal vendor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestId(String);

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid id: use 1 to 64 letters, digits or underscores")]
pub struct InvalidId(pub String);

impl RequestId {
    /// Validates `s` against `[A-Za-z0-9_]{1,64}`.
    pub fn parse(s: &str) -> Result<RequestId, InvalidId> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if ok {
            Ok(RequestId(s.to_string()))
        } else {
            Err(InvalidId(s.to_string()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RequestId {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RequestId::parse(&s)
    }
}

impl From<RequestId> for String {
    fn from(id: RequestId) -> String {
        id.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Source of randomness for ids: the one seam tests replace to make ids deterministic.
pub trait Entropy: Send + Sync + fmt::Debug {
    /// A random `u32`.
    fn next_u32(&self) -> u32;
}

/// Operating-system randomness.
#[derive(Debug, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn next_u32(&self) -> u32 {
        rand::random()
    }
}

/// Deterministic entropy for tests: counts up from a seed.
#[derive(Debug)]
pub struct SeqEntropy(AtomicU32);

impl SeqEntropy {
    /// Starts counting at `seed`.
    pub fn new(seed: u32) -> SeqEntropy {
        SeqEntropy(AtomicU32::new(seed))
    }
}

impl Entropy for SeqEntropy {
    fn next_u32(&self) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
}

/// Makes ids from the clock, a per-process sequence and entropy.
#[derive(Debug, Clone)]
pub struct IdGen {
    store: String,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    seq: Arc<AtomicU32>,
}

impl IdGen {
    /// `store` is a short store code (letters and digits; anything else is dropped, and it is
    /// cut to 8 characters to keep ids within the shortest vendor limit).
    pub fn new(store: &str, clock: Arc<dyn Clock>, entropy: Arc<dyn Entropy>) -> IdGen {
        let store: String = store
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(8)
            .collect();
        IdGen {
            store,
            clock,
            entropy,
            seq: Arc::new(AtomicU32::new(0)),
        }
    }

    /// A new id with a one- or two-letter `prefix` (e.g. `O` order, `P` payment, `R` refund).
    pub fn next(&self, prefix: &str) -> RequestId {
        let ts = self.clock.now().format("%Y%m%d%H%M%S");
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) % 1000;
        let rnd = self.entropy.next_u32() % 10_000;
        let prefix: String = prefix
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        // Every part is ASCII alphanumeric by construction and the length is at most
        // 2 + 14 + 8 + 3 + 4 = 31 for the prefixes used here.
        RequestId(format!("{prefix}{ts}{}{seq:03}{rnd:04}", self.store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn accepts_only_the_vendor_alphabet() {
        assert!(RequestId::parse("KS20261121A0001").is_ok());
        assert!(RequestId::parse("a_b").is_ok());
        assert!(RequestId::parse(&"x".repeat(64)).is_ok());
        for bad in ["", "a-b", "a b", "가", &"x".repeat(65)] {
            assert!(RequestId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<RequestId>("\"a-b\"").is_err());
    }

    #[test]
    fn generated_ids_are_valid_unique_and_deterministic_under_test_seams() {
        let clock = Arc::new(ManualClock::at("2026-11-21T10:15:30.123+09:00"));
        let gen = IdGen::new("ST-01", clock, Arc::new(SeqEntropy::new(7)));
        let a = gen.next("P");
        let b = gen.next("P");
        assert_eq!(a.as_str(), "P20261121101530ST010000007");
        assert_ne!(a, b, "the sequence makes two ids in the same second differ");
        assert!(a.as_str().len() <= 30, "fits IOT Pay's mchOrderNo");
    }
}
