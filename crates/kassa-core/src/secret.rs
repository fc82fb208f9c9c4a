//! A wrapper for secrets (private keys, merchant keys, PINs) whose `Debug` and `Display` never
//! show the value, so a secret cannot reach a log line by accident.

use std::fmt;

/// A secret value. Read it with [`Secret::expose`], only where it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Secret<T> {
        Secret(value)
    }

    /// The value itself: call only at the point of use.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("TESTKEY".to_string());
        assert!(!format!("{s:?} {s}").contains("TESTKEY"));
        assert_eq!(s.expose(), "TESTKEY");
    }
}
