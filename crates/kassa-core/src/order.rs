//! Orders: lines with quantity, unit price and tax, and their totals.
//!
//! Tax rule: a rate is in basis points (1000 = 10 %). Tax is computed **per line**, on the
//! line's gross amount (unit price × quantity), rounded **half away from zero** to the
//! currency's minor unit; order totals are sums of line figures, so a receipt always adds up.
//! - *Exclusive* rate: tax = round(gross × rate / 10000); line total = gross + tax.
//! - *Inclusive* rate (price already contains tax, e.g. Korean VAT): tax =
//!   round(gross × rate / (10000 + rate)); line total = gross.

use crate::money::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};

/// A tax rate and whether prices already include it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaxRate {
    /// Rate in basis points: 1000 = 10 %.
    pub basis_points: u32,
    /// True when the unit price already contains the tax.
    pub inclusive: bool,
}

impl TaxRate {
    /// No tax.
    pub const NONE: TaxRate = TaxRate {
        basis_points: 0,
        inclusive: true,
    };

    /// The tax part of a gross line amount, per the rule in the module comment; `None` when
    /// it does not fit in an `i64` (a huge rate), so it is refused instead of wrapping.
    pub fn tax_on(&self, gross_minor: i64) -> Option<i64> {
        // An i64 times a u32 always fits in an i128; only the result may not fit an i64.
        let bp = i128::from(self.basis_points);
        let num = i128::from(gross_minor).checked_mul(bp)?;
        let den = if self.inclusive { 10_000 + bp } else { 10_000 };
        i64::try_from(round_half_away(num, den)).ok()
    }
}

/// Integer division rounding half away from zero.
fn round_half_away(num: i128, den: i128) -> i128 {
    if den == 0 {
        return 0;
    }
    let q = num / den;
    let r = num % den;
    if (r.abs() * 2) >= den.abs() {
        q + num.signum() * den.signum()
    } else {
        q
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// What was sold, as printed on the receipt.
    pub name: String,
    /// How many.
    pub quantity: u32,
    /// Price of one, in minor units of the order's currency.
    pub unit_price_minor: i64,
    /// Tax applied to this line.
    pub tax: TaxRate,
}

/// Figures of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotals {
    /// unit price × quantity.
    pub gross_minor: i64,
    /// Tax part (contained in gross for inclusive rates, added for exclusive ones).
    pub tax_minor: i64,
    /// What the customer pays for the line.
    pub total_minor: i64,
}

impl OrderLine {
    /// The line's figures; `None` if they overflow.
    pub fn totals(&self) -> Option<LineTotals> {
        let gross = self
            .unit_price_minor
            .checked_mul(i64::from(self.quantity))?;
        let tax = self.tax.tax_on(gross)?;
        let total = if self.tax.inclusive {
            gross
        } else {
            gross.checked_add(tax)?
        };
        Some(LineTotals {
            gross_minor: gross,
            tax_minor: tax,
            total_minor: total,
        })
    }
}

/// Why an order cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// No lines.
    #[error("the order has no items: add at least one item")]
    Empty,
    /// A line with quantity 0, a negative price or an empty name.
    #[error("item {0:?} is not valid: it needs a name, a quantity of at least 1 and a price of 0 or more")]
    BadLine(String),
    /// A line's price × quantity, its tax or its total does not fit the money range.
    #[error("item {0:?} is too large to compute: check its price, quantity and tax rate")]
    LineTooLarge(String),
    /// Totals overflow.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// The total is below zero. Lines are never negative, so this is a defect upstream; it is
    /// refused here rather than left for the ledger's constraint to catch.
    #[error("the order total {0} is negative: an order cannot pay money out")]
    NegativeTotal(Money),
    /// The total is zero: there is nothing to charge.
    #[error("the order total is zero: there is nothing to charge")]
    ZeroTotal,
}

/// An order's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTotals {
    /// Sum of line totals: the amount to charge.
    pub total: Money,
    /// Sum of line taxes.
    pub tax: Money,
}

/// Computes an order's totals, validating each line.
pub fn order_totals(currency: Currency, lines: &[OrderLine]) -> Result<OrderTotals, OrderError> {
    if lines.is_empty() {
        return Err(OrderError::Empty);
    }
    let mut total = Money::zero(currency);
    let mut tax = Money::zero(currency);
    for l in lines {
        if l.quantity == 0 || l.unit_price_minor < 0 || l.name.trim().is_empty() {
            return Err(OrderError::BadLine(l.name.clone()));
        }
        let t = l
            .totals()
            .ok_or_else(|| OrderError::LineTooLarge(l.name.clone()))?;
        total = total.checked_add(Money::new(t.total_minor, currency))?;
        tax = tax.checked_add(Money::new(t.tax_minor, currency))?;
    }
    refuse_negative(total, tax)?;
    if total.minor == 0 {
        return Err(OrderError::ZeroTotal);
    }
    Ok(OrderTotals { total, tax })
}

/// Refuses a negative total or tax. Valid lines cannot sum to one (prices, quantities and
/// rates are never negative and every step is checked), so this is the last guard in core,
/// before the ledger's own constraint.
fn refuse_negative(total: Money, tax: Money) -> Result<(), OrderError> {
    if total.minor < 0 || tax.minor < 0 {
        return Err(OrderError::NegativeTotal(total));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(price: i64, qty: u32, bp: u32, inclusive: bool) -> OrderLine {
        OrderLine {
            name: "item".into(),
            quantity: qty,
            unit_price_minor: price,
            tax: TaxRate {
                basis_points: bp,
                inclusive,
            },
        }
    }

    #[test]
    fn inclusive_vat_is_extracted_from_the_price() {
        // Korean VAT 10 % inside 11,000 won is exactly 1,000 won.
        let t = line(11_000, 1, 1000, true).totals().unwrap();
        assert_eq!(
            (t.gross_minor, t.tax_minor, t.total_minor),
            (11_000, 1_000, 11_000)
        );
        // 4,500 won × 2 = 9,000; 9000/11 = 818.18 → 818.
        assert_eq!(line(4_500, 2, 1000, true).totals().unwrap().tax_minor, 818);
    }

    #[test]
    fn exclusive_tax_is_added_and_rounded_half_away_from_zero() {
        // $12.50 at 8.875 % = 110.9375 cents → 111.
        let t = line(1250, 1, 888, false).totals().unwrap();
        assert_eq!(t.tax_minor, 111);
        assert_eq!(t.total_minor, 1361);
        // Exactly half a cent rounds up: 10 cents at 5 % = 0.5 → 1.
        assert_eq!(line(10, 1, 500, false).totals().unwrap().tax_minor, 1);
        assert_eq!(round_half_away(-5, 10), -1);
    }

    #[test]
    fn totals_are_sums_of_lines() {
        let usd = Currency::USD;
        let lines = vec![line(1250, 2, 1000, false), line(199, 3, 0, false)];
        let t = order_totals(usd, &lines).unwrap();
        assert_eq!(t.tax.minor, 250);
        assert_eq!(t.total.minor, 2500 + 250 + 597);
    }

    #[test]
    fn bad_orders_are_refused_with_a_reason() {
        let krw = Currency::KRW;
        assert_eq!(order_totals(krw, &[]), Err(OrderError::Empty));
        assert!(matches!(
            order_totals(krw, &[line(100, 0, 0, true)]),
            Err(OrderError::BadLine(_))
        ));
        assert!(matches!(
            order_totals(krw, &[line(-1, 1, 0, true)]),
            Err(OrderError::BadLine(_))
        ));
        assert_eq!(
            order_totals(krw, &[line(0, 1, 0, true)]),
            Err(OrderError::ZeroTotal)
        );
        assert!(order_totals(krw, &[line(i64::MAX, 2, 0, true)]).is_err());
    }

    #[test]
    fn a_huge_tax_rate_is_refused_instead_of_wrapping() {
        // 10^16 × 4,294,967,295 bp / 10^4 ≈ 4.3 × 10^21: past i64. The old `as i64` wrapped it
        // into a tax of about -3.1 × 10^18 and the order "totalled" a negative amount.
        let huge = line(10_000_000_000_000_000, 1, u32::MAX, false);
        assert_eq!(huge.totals(), None);
        let err = order_totals(Currency::USD, &[huge]).unwrap_err();
        assert_eq!(err, OrderError::LineTooLarge("item".into()));
        assert!(err.to_string().contains("tax rate"), "{err}");
        let inclusive = line(i64::MAX, 1, u32::MAX, true).totals().unwrap();
        assert!(inclusive.tax_minor > 0 && inclusive.tax_minor < inclusive.gross_minor);
        // The largest rate on a normal price still computes exactly.
        let t = line(100, 1, u32::MAX, false).totals().unwrap();
        assert_eq!(t.tax_minor, 42_949_673);
    }

    #[test]
    fn a_negative_total_is_refused_in_core_with_a_reason() {
        // The path the ledger's CHECK used to be the only guard against: 10^15 at 4 × 10^9 bp
        // wrapped to a tax of -5.8 × 10^18.
        let err = order_totals(
            Currency::KRW,
            &[line(1_000_000_000_000_000, 1, 4_000_000_000, false)],
        )
        .unwrap_err();
        assert!(matches!(err, OrderError::LineTooLarge(_)), "{err:?}");
        // And whatever else could ever produce one is refused by the last check.
        let err =
            refuse_negative(Money::new(-1, Currency::KRW), Money::zero(Currency::KRW)).unwrap_err();
        assert!(err.to_string().contains("negative"), "{err}");
        assert!(refuse_negative(Money::new(1, Currency::KRW), Money::zero(Currency::KRW)).is_ok());
    }
}
