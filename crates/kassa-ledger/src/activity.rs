//! What ended in a period: the payments and refunds that reached a final state (succeeded,
//! failed, refused) between two instants, with the payment row and the order's tax — what a
//! Z report counts — read through an index on `attempts.updated_at` instead of through every
//! order of the last weeks.
//!
//! Times are stored as RFC 3339 text in the clock's offset when written, so text order is
//! time order only within one offset. The index range is therefore widened by two days on
//! both sides (more than any two UTC offsets differ), and the exact bounds are applied to the
//! parsed times.

use crate::attempts::{self, Attempt, AttemptKind};
use crate::codec;
use crate::error::Result;
use crate::payments::{self, Payment};
use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};
use kassa_core::{AttemptState, Money};
use rusqlite::{Connection, OptionalExtension};

/// Schema version 5: attempts by the time they last changed.
pub(crate) const V5: &str = "CREATE INDEX attempts_by_updated_at ON attempts (updated_at);";

/// A payment or refund that ended in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// The attempt, in its final state; `updated_at` is when it got there.
    pub attempt: Attempt,
    /// For a succeeded payment: its `payments` row (`paid_at` is the same instant).
    pub payment: Option<Payment>,
    /// The tax contained in the attempt's order, in the order's currency.
    pub order_tax: Money,
}

/// `t` as text that sorts with the stored times of any offset after widening.
fn bound(t: DateTime<FixedOffset>, shift_days: i64) -> String {
    (t + Duration::days(shift_days))
        .naive_local()
        .and_utc()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
        .trim_end_matches('Z')
        .to_string()
}

/// Final attempts with `from < updated_at <= to` (no lower bound when `from` is `None`),
/// oldest first.
pub(crate) fn settled_between(
    conn: &Connection,
    from: Option<DateTime<FixedOffset>>,
    to: DateTime<FixedOffset>,
) -> Result<Vec<Settled>> {
    let lo = from.map(|f| bound(f, -2)).unwrap_or_default();
    let hi = format!("{}~", bound(to, 2));
    let mut out = Vec::new();
    for attempt in attempts::updated_between(conn, &lo, &hi)? {
        let final_state = matches!(
            attempt.state,
            AttemptState::Succeeded | AttemptState::Failed | AttemptState::Refused
        );
        let Ok(at) = DateTime::parse_from_rfc3339(&attempt.updated_at) else {
            continue;
        };
        if !final_state || at > to || from.is_some_and(|f| at <= f) {
            continue;
        }
        let payment = match (attempt.kind, attempt.state) {
            (AttemptKind::Payment, AttemptState::Succeeded) => {
                payments::by_request_id(conn, &attempt.request_id)?
            }
            _ => None,
        };
        let (tax, currency): (i64, String) = conn
            .prepare_cached("SELECT tax_minor, currency FROM orders WHERE id = ?1")?
            .query_row([&attempt.order_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, attempt.amount.currency.code().to_string()));
        out.push(Settled {
            order_tax: codec::money(tax, &currency)?,
            attempt,
            payment,
        });
    }
    Ok(out)
}
