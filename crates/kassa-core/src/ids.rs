//! Identifiers that every vendor accepts: `[A-Za-z0-9_]{1,64}`, unique per store.
//!
//! Generated ids are `{P}{yyMMddHHmmss}{store:4}{till:3}{random:10}`, exactly [`ID_LEN`] (30)
//! characters of `[A-Z0-9]`: the tightest limit of every driver (IOT Pay's `mchOrderNo` ≤ 30;
//! the N950's request ids 1–64 of `[A-Za-z0-9_]`; KICC states none), with no lower-case letter
//! a vendor might fold. The store code (1–4) and till code (1–3) are the store's settings,
//! zero-padded on the left to a fixed width so every part has its place: two tills whose
//! codes differ can never make the same id (`1` and `001` are the same code). The random tail,
//! 10 base-36 characters (≈ 51.7 bits) from the OS, makes a collision negligible even between
//! tills given the same codes, across restarts and a clock set back: the figures are in
//! docs/RELIABILITY.md ("Request ids").

use crate::clock::Clock;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

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

/// Length of every generated id: IOT Pay's `mchOrderNo` limit, the shortest of all drivers.
pub const ID_LEN: usize = 30;
/// Longest store code (shorter ones are zero-padded to this width).
pub const STORE_CODE_MAX: usize = 4;
/// Longest till code.
pub const TILL_CODE_MAX: usize = 3;
/// Random base-36 characters in an id: 1 prefix + 12 time + 4 + 3 + 10 = 30.
pub const RANDOM_LEN: usize = 10;

/// Why a store or till code cannot be used in ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} {code:?} is not valid: use 1 to {max} letters or digits (A-Z, 0-9), e.g. {example}"
)]
pub struct InvalidCode {
    /// `store code` or `till code`.
    pub what: &'static str,
    /// What was given.
    pub code: String,
    /// Its longest length.
    pub max: usize,
    /// A valid example.
    pub example: &'static str,
}

/// The store and till codes that ids carry, validated and upper-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCodes {
    store: String,
    till: String,
}

impl IdCodes {
    /// Validates a store code (1–4) and a till code (1–3) of ASCII letters and digits;
    /// letters are upper-cased. Anything else is refused, never silently cut or dropped, so
    /// two tills cannot end up with the same code by accident.
    pub fn new(store: &str, till: &str) -> Result<IdCodes, InvalidCode> {
        Ok(IdCodes {
            store: code("store code", store, STORE_CODE_MAX, "ST01")?,
            till: code("till code", till, TILL_CODE_MAX, "1")?,
        })
    }

    /// The store code.
    pub fn store(&self) -> &str {
        &self.store
    }

    /// The till code.
    pub fn till(&self) -> &str {
        &self.till
    }
}

fn code(
    what: &'static str,
    text: &str,
    max: usize,
    example: &'static str,
) -> Result<String, InvalidCode> {
    let t = text.trim();
    if t.is_empty() || t.len() > max || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(InvalidCode {
            what,
            code: text.to_string(),
            max,
            example,
        });
    }
    Ok(t.to_ascii_uppercase())
}

const BASE36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Makes ids from the clock, the store's codes and entropy.
#[derive(Debug, Clone)]
pub struct IdGen {
    codes: Arc<RwLock<IdCodes>>,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
}

impl IdGen {
    /// A generator for these codes.
    pub fn new(codes: IdCodes, clock: Arc<dyn Clock>, entropy: Arc<dyn Entropy>) -> IdGen {
        IdGen {
            codes: Arc::new(RwLock::new(codes)),
            clock,
            entropy,
        }
    }

    /// Uses other codes from now on (the store settings were saved).
    pub fn set_codes(&self, codes: IdCodes) {
        *self.codes.write().unwrap_or_else(|p| p.into_inner()) = codes;
    }

    /// The codes in use.
    pub fn codes(&self) -> IdCodes {
        self.codes.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A new id with a one-letter `prefix` (`O` order, `P` payment, `R` refund; only the
    /// first letter or digit is used, `X` when there is none), always [`ID_LEN`] long.
    pub fn next(&self, prefix: &str) -> RequestId {
        let codes = self.codes();
        let p = prefix
            .chars()
            .find(|c| c.is_ascii_alphanumeric())
            .map_or('X', |c| c.to_ascii_uppercase());
        let ts = self.clock.now().format("%y%m%d%H%M%S");
        let (store, till) = (&codes.store, &codes.till);
        let mut id = format!("{p}{ts}{store:0>STORE_CODE_MAX$}{till:0>TILL_CODE_MAX$}");
        // Two draws give 64 bits; 36^10 < 2^64 / 5000, so the modulo bias is below 0.02 %.
        let mut r = (u64::from(self.entropy.next_u32()) << 32) | u64::from(self.entropy.next_u32());
        for _ in 0..RANDOM_LEN {
            id.push(char::from(BASE36[(r % 36) as usize]));
            r /= 36;
        }
        RequestId(id)
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

    fn gen(store: &str, till: &str, seed: u32) -> IdGen {
        let clock = Arc::new(ManualClock::at("2026-11-21T10:15:30.123+09:00"));
        let codes = IdCodes::new(store, till).unwrap();
        IdGen::new(codes, clock, Arc::new(SeqEntropy::new(seed)))
    }

    #[test]
    fn generated_ids_carry_the_store_and_till_codes_and_fit_every_driver() {
        let g = gen("st01", "2", 7);
        let a = g.next("P");
        let b = g.next("P");
        assert!(a.as_str().starts_with("P261121101530ST01002"), "{a}");
        assert_ne!(
            a, b,
            "the random tail makes two ids in the same second differ"
        );
        for id in [&a, &b, &gen("A", "1", 0).next("Order")] {
            assert_eq!(
                id.as_str().len(),
                ID_LEN,
                "{id}: IOT Pay's mchOrderNo is at most 30"
            );
            assert!(
                RequestId::parse(id.as_str()).is_ok(),
                "{id}: the N950's alphabet"
            );
            assert!(id
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        }
        // Codes are zero-padded to their place: the shortest and the longest give one layout.
        assert!(gen("A", "1", 0)
            .next("O")
            .as_str()
            .starts_with("O261121101530000A001"));
        let long = gen("ABCD", "XYZ", 1).next("R");
        assert!(long.as_str().starts_with("R261121101530ABCDXYZ"), "{long}");
        assert_eq!(1 + 12 + STORE_CODE_MAX + TILL_CODE_MAX + RANDOM_LEN, ID_LEN);
    }

    #[test]
    fn two_tills_in_the_same_second_with_the_same_entropy_never_collide() {
        // The same seed stands for the worst luck: only the codes tell the ids apart.
        let till1 = gen("ST01", "1", 42).next("P");
        let till2 = gen("ST01", "2", 42).next("P");
        assert_ne!(till1, till2);
        // Codes have fixed places, so a code that is a prefix of another ("1" and "12") can
        // never line up with the other's random tail.
        assert!(gen("KS", "1", 0)
            .next("P")
            .as_str()
            .starts_with("P26112110153000KS001"));
        assert!(gen("KS", "12", 0)
            .next("P")
            .as_str()
            .starts_with("P26112110153000KS012"));
    }

    #[test]
    fn saved_codes_apply_to_the_next_id() {
        let g = gen("ST01", "1", 3);
        g.set_codes(IdCodes::new("ST02", "9").unwrap());
        assert!(g.next("O").as_str().starts_with("O261121101530ST02009"));
    }

    #[test]
    fn the_random_tail_is_wide_and_spread() {
        let g = IdGen::new(
            IdCodes::new("ST01", "1").unwrap(),
            Arc::new(ManualClock::at("2026-11-21T10:15:30.123+09:00")),
            Arc::new(OsEntropy),
        );
        let ids: std::collections::HashSet<_> = (0..10_000).map(|_| g.next("P")).collect();
        assert_eq!(
            ids.len(),
            10_000,
            "10,000 ids in one second are all distinct"
        );
        // The old tail was 4 decimal digits: 10,000 ids in one second always collided.
        assert!(ids
            .iter()
            .all(|id| id.as_str().starts_with("P261121101530ST01001")));
    }

    #[test]
    fn codes_are_validated_not_cut() {
        assert_eq!(IdCodes::new(" st1 ", "a").unwrap().store(), "ST1");
        for (store, till) in [
            ("", "1"),
            ("ST-1", "1"),
            ("STORE", "1"),
            ("ST", ""),
            ("ST", "1234"),
            ("ST", "t_1"),
            ("가", "1"),
        ] {
            let err = IdCodes::new(store, till).unwrap_err();
            assert!(err.to_string().contains("letters or digits"), "{err}");
        }
    }
}
