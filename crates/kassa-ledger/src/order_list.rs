//! Listing orders for the order history screen and `kassactl orders`: one row per order with
//! the payment attempt that represents it (the succeeded one, else the latest).
//!
//! An id search (`text`) first looks the prefix up in three case-insensitive indexes (order
//! ids, payment request ids, terminal payment ids; schema version 4) and, when that finds a
//! few thousand orders or fewer, lists only those; a prefix that matches more (a customer
//! typing the first letters) is left to the newest-first scan, which meets 50 matches soon.
//! Either way the same filter decides what matches.

use crate::codec::{self, like_prefix};
use crate::error::{LedgerError, Result};
use crate::orders::{self, OrderStatus};
use chrono::{DateTime, FixedOffset, NaiveDate};
use kassa_core::Money;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// Schema version 4: case-insensitive indexes for id prefix searches (`LIKE 'x%'` can use an
/// index only when it collates with NOCASE).
pub(crate) const SEARCH_INDEXES: &str = "
CREATE INDEX orders_id_nocase ON orders (id COLLATE NOCASE);
CREATE INDEX attempts_payment_id_nocase ON attempts (request_id COLLATE NOCASE)
    WHERE kind = 'payment';
CREATE INDEX payments_terminal_id_nocase ON payments (terminal_payment_id COLLATE NOCASE);
";

/// Up to this many orders found by the indexes are listed through them; more go to the scan.
const INDEXED_SEARCH_LIMIT: i64 = 5_000;

/// Ids of the orders whose id, payment request id or terminal payment id starts with the
/// escaped `pattern`, or `None` when there are more than [`INDEXED_SEARCH_LIMIT`].
fn search_candidates(conn: &Connection, pattern: &str) -> Result<Option<Vec<String>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM orders WHERE id LIKE ?1 ESCAPE '\\'
         UNION SELECT order_id FROM attempts
               WHERE kind = 'payment' AND request_id LIKE ?1 ESCAPE '\\'
         UNION SELECT order_id FROM payments WHERE terminal_payment_id LIKE ?1 ESCAPE '\\'
         LIMIT ?2",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![pattern, INDEXED_SEARCH_LIMIT + 1], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok((ids.len() as i64 <= INDEXED_SEARCH_LIMIT).then_some(ids))
}

/// Which orders to list. Every field narrows the list; `Default` lists everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderFilter {
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Created at or after: RFC 3339 (`2026-11-21T09:00:00+09:00`) or a date (`2026-11-21`,
    /// the start of that day at the clock's current offset).
    pub from: Option<String>,
    /// Created at or before: RFC 3339, or a date meaning up to the end of that day.
    pub to: Option<String>,
    /// Only orders whose representative payment went to this terminal.
    pub terminal: Option<String>,
    /// Id prefix, case-insensitive: matches the order id, the payment request id or the
    /// terminal's payment id.
    pub text: Option<String>,
    /// Total at least this many minor units.
    pub min_minor: Option<i64>,
    /// Total at most this many minor units.
    pub max_minor: Option<i64>,
    /// At most this many orders, newest first; 0 means no limit.
    pub limit: usize,
}

/// One order in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSummary {
    /// The order's id.
    pub id: String,
    /// When it was recorded.
    pub created_at: String,
    /// Where it stands.
    pub status: OrderStatus,
    /// Its total.
    pub total: Money,
    /// Terminal of its representative payment attempt, if any.
    pub terminal: Option<String>,
    /// The succeeded payment attempt, else the latest payment attempt.
    pub payment_request_id: Option<String>,
    /// The terminal's payment id, once paid.
    pub terminal_payment_id: Option<String>,
}

/// Unix ms bounds `[from, to)` from the filter's text; `offset` reads plain dates.
fn bounds(f: &OrderFilter, offset: FixedOffset) -> Result<(Option<i64>, Option<i64>)> {
    let read = |text: &str, end_of_day: bool| -> Result<i64> {
        let t = text.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
            // `to` is inclusive: the first millisecond after it is the exclusive bound.
            return Ok(dt.timestamp_millis() + i64::from(end_of_day));
        }
        let day = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            LedgerError::BadFilter(format!(
                "{t:?} is not a date or time: write 2026-11-21 or 2026-11-21T09:00:00+09:00"
            ))
        })?;
        let day = if end_of_day {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        let start = day
            .and_hms_opt(0, 0, 0)
            .and_then(|n| n.and_local_timezone(offset).single())
            .ok_or_else(|| LedgerError::BadFilter(format!("{t:?} is out of range")))?;
        Ok(start.timestamp_millis())
    };
    let from = f.from.as_deref().map(|t| read(t, false)).transpose()?;
    let to = f.to.as_deref().map(|t| read(t, true)).transpose()?;
    Ok((from, to))
}

/// Orders matching `f`, newest first.
pub(crate) fn list(
    conn: &Connection,
    f: &OrderFilter,
    offset: FixedOffset,
) -> Result<Vec<OrderSummary>> {
    let (from, to) = bounds(f, offset)?;
    let text = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let pattern = text.map(like_prefix);
    let candidates = match &pattern {
        Some(p) => search_candidates(conn, p)?,
        None => None,
    };
    if candidates.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    // With a short list of candidates, reading each by its id is the fast way: a unary `+`
    // keeps SQLite from walking the status or time index instead (the ledger has no
    // statistics to tell it which is narrower).
    let plus = if candidates.is_some() { "+" } else { "" };
    let mut sql = String::from(
        "SELECT o.id, o.created_at, o.status, o.total_minor, o.currency,
                a.terminal, a.request_id, p.terminal_payment_id
         FROM orders o
         LEFT JOIN attempts a ON a.seq = (
             SELECT x.seq FROM attempts x WHERE x.order_id = o.id AND x.kind = 'payment'
             ORDER BY x.state = 'succeeded' DESC, x.seq DESC LIMIT 1)
         LEFT JOIN payments p ON p.request_id = a.request_id
         WHERE 1 = 1",
    );
    let mut args: Vec<SqlValue> = Vec::new();
    let mut cond = |sql_part: &str, v: SqlValue| {
        args.push(v);
        sql.push_str(&sql_part.replace('?', &format!("?{}", args.len())));
    };
    if let Some(s) = f.status {
        let part = format!(" AND {plus}o.status = ?");
        cond(&part, SqlValue::Text(s.as_str().into()));
    }
    if let Some(ms) = from {
        cond(
            &format!(" AND {plus}o.created_ms >= ?"),
            SqlValue::Integer(ms),
        );
    }
    if let Some(ms) = to {
        cond(
            &format!(" AND {plus}o.created_ms < ?"),
            SqlValue::Integer(ms),
        );
    }
    if let Some(t) = &f.terminal {
        cond(" AND a.terminal = ?", SqlValue::Text(t.clone()));
    }
    if let Some(ids) = &candidates {
        cond(
            " AND o.id IN (SELECT value FROM json_each(?))",
            SqlValue::Text(codec::to_json(ids)?),
        );
    }
    if let Some(pattern) = pattern {
        cond(
            " AND (o.id LIKE ? ESCAPE '\\' OR a.request_id LIKE ? ESCAPE '\\'
                   OR p.terminal_payment_id LIKE ? ESCAPE '\\')",
            SqlValue::Text(pattern),
        );
    }
    if let Some(m) = f.min_minor {
        cond(" AND o.total_minor >= ?", SqlValue::Integer(m));
    }
    if let Some(m) = f.max_minor {
        cond(" AND o.total_minor <= ?", SqlValue::Integer(m));
    }
    let limit = if f.limit == 0 {
        -1
    } else {
        i64::try_from(f.limit).unwrap_or(i64::MAX)
    };
    cond(
        " ORDER BY o.created_ms DESC, o.rowid DESC LIMIT ?",
        SqlValue::Integer(limit),
    );

    let mut stmt = conn.prepare(&sql)?;
    let raws = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter()
        .map(|(id, created_at, st, minor, cur, terminal, pri, tpi)| {
            Ok(OrderSummary {
                id,
                created_at,
                status: orders::status(&st)?,
                total: codec::money(minor, &cur)?,
                terminal,
                payment_request_id: pri,
                terminal_payment_id: tpi,
            })
        })
        .collect()
}
