//! Money in integer minor units, with ISO 4217 exponents.
//!
//! No float ever touches an amount: parsing and formatting work on decimal text and `i64`
//! minor units, and every currency carries its own exponent (KRW 0, USD 2, KWD 3), so nothing
//! multiplies by a hard-coded 100.

use serde::{Deserialize, Serialize};
use std::fmt;

/// ISO 4217 currencies this product knows, with their minor-unit exponent.
const CURRENCIES: &[(&str, u8)] = &[
    ("KRW", 0),
    ("JPY", 0),
    ("VND", 0),
    ("CLP", 0),
    ("ISK", 0),
    ("USD", 2),
    ("CAD", 2),
    ("SGD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("HKD", 2),
    ("CNY", 2),
    ("CHF", 2),
    ("THB", 2),
    ("MYR", 2),
    ("PHP", 2),
    ("TWD", 2),
    ("IDR", 2),
    ("INR", 2),
    ("KWD", 3),
    ("BHD", 3),
    ("OMR", 3),
    ("JOD", 3),
    ("TND", 3),
];

/// Errors from reading money as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The currency code is not a known ISO 4217 code.
    #[error("unknown currency {0:?}: use an ISO 4217 code such as KRW, USD or EUR")]
    UnknownCurrency(String),
    /// The text is not a decimal amount.
    #[error(
        "{0:?} is not an amount: write digits with at most one decimal point, e.g. 4500 or 12.50"
    )]
    NotANumber(String),
    /// More decimals than the currency has minor units.
    #[error("{text:?} has more decimals than {currency} allows ({exponent})")]
    TooManyDecimals {
        /// The text given.
        text: String,
        /// The currency.
        currency: String,
        /// Its exponent.
        exponent: u8,
    },
    /// A comma or `_` that is not a thousands separator in its right place.
    #[error("{text:?} is not an amount: {expected}")]
    MisplacedSeparator {
        /// The text given.
        text: String,
        /// The form expected instead.
        expected: String,
    },
    /// The amount does not fit in the integer range used for money.
    #[error("amount {0:?} is too large")]
    Overflow(String),
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(String, String),
}

/// An ISO 4217 currency: its three-letter code and its minor-unit exponent.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

impl Currency {
    /// Korean won, exponent 0.
    pub const KRW: Currency = Currency {
        code: *b"KRW",
        exponent: 0,
    };
    /// US dollar, exponent 2.
    pub const USD: Currency = Currency {
        code: *b"USD",
        exponent: 2,
    };

    /// Looks a code up (case-insensitive); unknown codes are an error, never a guess.
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|(c, e)| {
                let b = c.as_bytes();
                Currency {
                    code: [b[0], b[1], b[2]],
                    exponent: *e,
                }
            })
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_string()))
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Codes come only from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Number of decimal digits of the minor unit (KRW 0, USD 2, KWD 3).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::from_code(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount in integer minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Money {
    /// Minor units (won, cents, fils).
    pub minor: i64,
    /// The currency the units belong to.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub currency: Currency,
}

impl Money {
    /// An amount from minor units.
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// Parses an amount written in major units as people write it (`4500`, `12.50`, `1,250`).
    ///
    /// The decimal mark is a point, always. A comma (or `_`) is read only as a thousands
    /// separator standing in its right place: groups of exactly three digits to the left of
    /// the point (`1,250.00`, `12,500`, `1_000`). Anything else is refused with the form to
    /// type, never guessed: `12,50` is someone writing 12.50 with a decimal comma, and
    /// dropping the comma would charge a hundred times too much. For a currency with three
    /// decimals (KWD) a comma without a point is refused too: `1,250` reads as 1.250 to half
    /// the world and as 1250 to the other half, a factor of a thousand. More decimals than the
    /// currency has minor units are refused rather than rounded.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (grouped_int, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let separator_error = || MoneyError::MisplacedSeparator {
            text: text.to_string(),
            expected: separator_hint(body, currency),
        };
        if frac_part.contains([',', '_']) {
            return Err(separator_error());
        }
        let int_part = ungroup(grouped_int).ok_or_else(separator_error)?;
        if int_part.len() != grouped_int.len() && currency.exponent == 3 && !body.contains('.') {
            return Err(separator_error());
        }
        let int_part = int_part.as_str();
        let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !digits_ok(int_part)
            || !digits_ok(frac_part)
            || (body.contains('.') && frac_part.is_empty())
        {
            return Err(MoneyError::NotANumber(text.to_string()));
        }
        let exp = currency.exponent as usize;
        if frac_part.len() > exp {
            return Err(MoneyError::TooManyDecimals {
                text: text.to_string(),
                currency: currency.code().to_string(),
                exponent: currency.exponent,
            });
        }
        let mut all = String::with_capacity(int_part.len() + exp);
        all.push_str(if int_part.is_empty() { "0" } else { int_part });
        all.push_str(frac_part);
        for _ in frac_part.len()..exp {
            all.push('0');
        }
        let minor: i64 = all
            .parse()
            .map_err(|_| MoneyError::Overflow(text.to_string()))?;
        Ok(Money {
            minor: if neg { -minor } else { minor },
            currency,
        })
    }

    /// Parses minor units sent as either a JSON integer or a decimal string of an integer
    /// (vendors disagree); anything else is an error.
    pub fn minor_from_json(value: &serde_json::Value) -> Option<i64> {
        match value {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => {
                let s = s.trim();
                if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                    s.parse().ok()
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The amount in major units without grouping (`12.50`, `4500`), as machines read it.
    pub fn to_major_string(&self) -> String {
        let exp = self.currency.exponent as u32;
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let div = 10u64.pow(exp);
        format!(
            "{sign}{}.{:0width$}",
            abs / div,
            abs % div,
            width = exp as usize
        )
    }

    /// The amount as a person reads it: grouped thousands and the code (`₩`-free, so receipts
    /// and logs stay unambiguous): `12,500 KRW`, `1,234.50 USD`.
    pub fn display(&self) -> String {
        let plain = self.to_major_string();
        let (sign, rest) = match plain.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", plain.as_str()),
        };
        let (int_part, frac) = match rest.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (rest, None),
        };
        let mut grouped = String::new();
        for (i, c) in int_part.chars().enumerate() {
            if i > 0 && (int_part.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        match frac {
            Some(f) => format!("{sign}{grouped}.{f} {}", self.currency),
            None => format!("{sign}{grouped} {}", self.currency),
        }
    }

    /// Sum of two amounts of the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money {
                minor,
                currency: self.currency,
            })
            .ok_or_else(|| MoneyError::Overflow(format!("{} + {}", self.minor, other.minor)))
    }

    /// Difference of two amounts of the same currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money {
                minor,
                currency: self.currency,
            })
            .ok_or_else(|| MoneyError::Overflow(format!("{} - {}", self.minor, other.minor)))
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.code().to_string(),
                other.currency.code().to_string(),
            ))
        }
    }
}

/// The integer part without its thousands separators, or `None` when a separator is out of
/// place: one kind of separator only, a first group of one to three digits, then groups of
/// exactly three.
fn ungroup(int_part: &str) -> Option<String> {
    let sep = match (int_part.contains(','), int_part.contains('_')) {
        (false, false) => return Some(int_part.to_string()),
        (true, false) => ',',
        (false, true) => '_',
        (true, true) => return None,
    };
    let mut groups = int_part.split(sep);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    let mut out = first.to_string();
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

/// The form to type instead of a misplaced separator, for the error message.
fn separator_hint(body: &str, currency: Currency) -> String {
    let exp = usize::from(currency.exponent);
    let zeros = "0".repeat(exp);
    let grouped_ok = !body.contains('.') && ungroup(body).is_some();
    match body.rfind([',', '_']) {
        _ if exp == 0 => format!(
            "{currency} has no decimals, and a comma may only separate thousands, e.g. 12,500"
        ),
        Some(pos) if grouped_ok => {
            let plain = body.replace([',', '_'], "");
            let decimal = format!("{}.{}", body[..pos].replace([',', '_'], ""), &body[pos + 1..]);
            format!(
                "it could mean {decimal} or {plain} {currency}: write {decimal}, or {body}.{zeros}"
            )
        }
        Some(pos) if !body.contains('.') && body.len() - pos - 1 <= exp => {
            let decimal = format!("{}.{}", body[..pos].replace([',', '_'], ""), &body[pos + 1..]);
            format!(
                "use a point for decimals: {decimal} (a comma may only separate thousands, e.g. 1,250.{zeros})"
            )
        }
        _ => format!(
            "use a point for decimals and a comma only between groups of three digits, e.g. 1,250.{zeros}"
        ),
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(c: &str) -> Currency {
        Currency::from_code(c).unwrap()
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(cur("KRW").exponent(), 0);
        assert_eq!(cur("jpy").exponent(), 0);
        assert_eq!(cur("USD").exponent(), 2);
        assert_eq!(cur("KWD").exponent(), 3);
        assert!(matches!(
            Currency::from_code("XXX"),
            Err(MoneyError::UnknownCurrency(_))
        ));
    }

    #[test]
    fn parses_major_units_without_floats() {
        assert_eq!(Money::parse_major("4500", cur("KRW")).unwrap().minor, 4500);
        assert_eq!(Money::parse_major("12.50", cur("USD")).unwrap().minor, 1250);
        assert_eq!(Money::parse_major("12.5", cur("USD")).unwrap().minor, 1250);
        assert_eq!(Money::parse_major(".5", cur("USD")).unwrap().minor, 50);
        assert_eq!(Money::parse_major("1,250", cur("KRW")).unwrap().minor, 1250);
        assert_eq!(Money::parse_major("1.234", cur("KWD")).unwrap().minor, 1234);
        // 0.1 + 0.2 style drift is impossible: 0.29 dollars is exactly 29 cents.
        assert_eq!(Money::parse_major("0.29", cur("USD")).unwrap().minor, 29);
    }

    #[test]
    fn refuses_what_it_cannot_read_exactly() {
        assert!(matches!(
            Money::parse_major("12.5", cur("KRW")),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            Money::parse_major("1.005", cur("USD")),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        for bad in [
            "",
            "abc",
            "1.2.3",
            "1e3",
            "12.",
            "-",
            "99999999999999999999",
        ] {
            assert!(
                Money::parse_major(bad, cur("USD")).is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    fn refused(text: &str, c: &str) -> String {
        match Money::parse_major(text, cur(c)) {
            Err(e @ MoneyError::MisplacedSeparator { .. }) => e.to_string(),
            other => panic!("{text:?} in {c} must be refused, got {other:?}"),
        }
    }

    #[test]
    fn a_comma_only_separates_thousands_in_krw() {
        assert_eq!(
            Money::parse_major("12,500", cur("KRW")).unwrap().minor,
            12_500
        );
        assert_eq!(
            Money::parse_major("1,250,000", cur("KRW")).unwrap().minor,
            1_250_000
        );
        assert_eq!(
            Money::parse_major("1_000", cur("KRW")).unwrap().minor,
            1_000
        );
        for bad in [
            "12,50",
            "1,25,000",
            "12,5000",
            ",500",
            "1,",
            "1,,000",
            "1,000_000",
        ] {
            let msg = refused(bad, "KRW");
            assert!(msg.contains(bad), "{msg} says what was typed");
            assert!(msg.contains("12,500"), "{msg} shows the form expected");
        }
    }

    #[test]
    fn a_decimal_comma_in_usd_is_refused_not_multiplied() {
        // The reported case: "12,50" was charged as 1250.00.
        let msg = refused("12,50", "USD");
        assert!(msg.contains("\"12,50\""), "{msg}");
        assert!(msg.contains("use a point for decimals: 12.50"), "{msg}");
        assert!(refused("0,5", "USD").contains("0.5"));
        assert_eq!(
            Money::parse_major("1,250.00", cur("USD")).unwrap().minor,
            125_000
        );
        assert_eq!(
            Money::parse_major("1,250", cur("USD")).unwrap().minor,
            125_000
        );
        assert_eq!(
            Money::parse_major("-1,250.5", cur("USD")).unwrap().minor,
            -125_050
        );
        for bad in [
            "1,250,50",
            "1250,00",
            "1.250,00",
            "1,250.0,0",
            "12_50",
            "1,2345",
        ] {
            refused(bad, "USD");
        }
    }

    #[test]
    fn a_comma_without_a_point_is_ambiguous_in_kwd() {
        // 1,250 is 1.250 dinars to some and 1250 dinars to others: a factor of a thousand.
        let msg = refused("1,250", "KWD");
        assert!(msg.contains("1.250") && msg.contains("1,250.000"), "{msg}");
        assert_eq!(
            Money::parse_major("1,250.000", cur("KWD")).unwrap().minor,
            1_250_000
        );
        assert_eq!(
            Money::parse_major("1,250.5", cur("KWD")).unwrap().minor,
            1_250_500
        );
        assert_eq!(
            Money::parse_major("12.500", cur("KWD")).unwrap().minor,
            12_500
        );
        assert!(refused("12,5", "KWD").contains("use a point for decimals: 12.5"));
        refused("1,25.000", "KWD");
    }

    #[test]
    fn formats_both_ways() {
        assert_eq!(Money::new(12500, cur("KRW")).to_major_string(), "12500");
        assert_eq!(Money::new(1250, cur("USD")).to_major_string(), "12.50");
        assert_eq!(Money::new(5, cur("USD")).to_major_string(), "0.05");
        assert_eq!(Money::new(-1234, cur("KWD")).to_major_string(), "-1.234");
        assert_eq!(Money::new(1234567, cur("KRW")).display(), "1,234,567 KRW");
        assert_eq!(Money::new(123450, cur("USD")).display(), "1,234.50 USD");
        for (text, c) in [("12.50", "USD"), ("4500", "KRW"), ("0.001", "KWD")] {
            let m = Money::parse_major(text, cur(c)).unwrap();
            assert_eq!(Money::parse_major(&m.to_major_string(), cur(c)).unwrap(), m);
        }
    }

    #[test]
    fn minor_units_from_either_json_form() {
        assert_eq!(
            Money::minor_from_json(&serde_json::json!(12500)),
            Some(12500)
        );
        assert_eq!(
            Money::minor_from_json(&serde_json::json!("12500")),
            Some(12500)
        );
        assert_eq!(Money::minor_from_json(&serde_json::json!("12.5")), None);
        assert_eq!(Money::minor_from_json(&serde_json::json!(12.5)), None);
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies() {
        let a = Money::new(100, cur("USD"));
        let b = Money::new(100, cur("KRW"));
        assert!(matches!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert_eq!(a.checked_add(a).unwrap().minor, 200);
    }
}
