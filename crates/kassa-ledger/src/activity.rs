//! What ended in a period: the payments and refunds that reached a final state (succeeded,
//! failed, refused) between two instants, with the payment row and the order's tax — what a
//! Z report counts — read through an index on `attempts.updated_at` instead of through every
//! order of the last weeks.
//!
//! A day close reads its period by ledger sequence instead ([`settled_after`]): each move to
//! a final state appends an `attempt_journal` row, whose `seq` only grows, whatever the wall
//! clock says. A close records the last sequence it covered and the next period starts after
//! it, so a clock set back can neither hide a sale nor count it twice.
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
        out.push(settled(conn, attempt)?);
    }
    Ok(out)
}

/// A final attempt with its payment row and its order's tax.
fn settled(conn: &Connection, attempt: Attempt) -> Result<Settled> {
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
    Ok(Settled {
        order_tax: codec::money(tax, &currency)?,
        attempt,
        payment,
    })
}

/// The journal rows that moved an attempt to a final state, as an SQL condition.
const FINAL_MOVE: &str =
    "to_state IN ('succeeded', 'failed', 'refused') AND from_state <> to_state";

/// The last ledger sequence (`attempt_journal.seq`), 0 for an empty ledger.
pub(crate) fn journal_head(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM attempt_journal")?
        .query_row([], |r| r.get(0))?)
}

/// Attempts that reached a final state at a ledger sequence in `(after, through]`, in the
/// order they got there. Reads only the journal rows since `after` (a range of its primary
/// key), not the wall-clock times.
pub(crate) fn settled_after(conn: &Connection, after: i64, through: i64) -> Result<Vec<Settled>> {
    let sql = format!(
        "SELECT request_id FROM attempt_journal WHERE seq > ?1 AND seq <= ?2 AND {FINAL_MOVE} \
         ORDER BY seq"
    );
    let ids: Vec<String> = conn
        .prepare_cached(&sql)?
        .query_map([after, through], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(a) = attempts::get(conn, &id)? {
            out.push(settled(conn, a)?);
        }
    }
    Ok(out)
}

/// The last ledger sequence of a move to a final state at or before `t` by its recorded
/// time: where a close recorded before closes carried a sequence ended. Walks the journal
/// back from its head and stops two days of recorded time before `t` (more than any two UTC
/// offsets differ), so it reads about one period, not the whole journal.
pub(crate) fn journal_seq_at(conn: &Connection, t: DateTime<FixedOffset>) -> Result<i64> {
    let sql = format!("SELECT seq, at FROM attempt_journal WHERE {FINAL_MOVE} ORDER BY seq DESC");
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let stop = t - Duration::days(2);
    let mut last = 0;
    while let Some(r) = rows.next()? {
        let (seq, at): (i64, String) = (r.get(0)?, r.get(1)?);
        let Ok(at) = DateTime::parse_from_rfc3339(&at) else {
            continue;
        };
        if at <= t {
            last = last.max(seq);
        }
        if at < stop {
            break;
        }
    }
    Ok(last)
}
