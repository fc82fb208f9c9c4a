//! The `orders` table: one row per sale, its totals as computed when it was created, and a
//! status that follows its attempts (recomputed in every transaction that changes them).

use crate::attempts::AttemptKind;
use crate::codec::{self, Stamp};
use crate::error::{LedgerError, Result};
use crate::order_lines;
use kassa_core::order::order_totals;
use kassa_core::{AttemptState, Currency, Money, OrderLine, OrderTotals, RequestId};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

/// Schema version 1 of `orders`. `created_ms` (Unix ms) sorts and filters across changes of
/// the local offset; `created_at` is what people read.
pub(crate) const V1: &str = "
CREATE TABLE orders (
    id          TEXT PRIMARY KEY NOT NULL,
    currency    TEXT NOT NULL,
    total_minor INTEGER NOT NULL CHECK (total_minor > 0),
    tax_minor   INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN
                    ('open', 'paying', 'paid', 'unknown', 'partially-refunded', 'refunded')),
    cashier     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX orders_by_time ON orders (created_ms);
CREATE INDEX orders_by_status ON orders (status, created_ms);
";

/// An order to record. Its totals are computed here with [`order_totals`], never taken from
/// the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrder {
    /// The order's id (also sent to terminals as the order reference).
    pub id: RequestId,
    /// Currency of every line price.
    pub currency: Currency,
    /// What was sold; prices in minor units of `currency`.
    pub lines: Vec<OrderLine>,
    /// Login of the cashier who rang it up.
    pub cashier: String,
}

/// An order as recorded, with its lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The order's id.
    pub id: String,
    /// Currency of the order and of every payment against it.
    pub currency: Currency,
    /// Lines in the order they were entered.
    pub lines: Vec<OrderLine>,
    /// Totals computed when the order was recorded.
    pub totals: OrderTotals,
    /// Where the order stands, derived from its attempts.
    pub status: OrderStatus,
    /// Login of the cashier who rang it up.
    pub cashier: String,
    /// When it was recorded (RFC 3339 with offset).
    pub created_at: String,
}

/// Where an order stands. It follows the order's attempts; see [`derive_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrderStatus {
    /// Nothing paid and nothing running: it can be paid.
    Open,
    /// A payment attempt is created, sending or awaiting the terminal.
    Paying,
    /// Paid, nothing refunded.
    Paid,
    /// A payment's outcome is unknown or waits for a manager.
    Unknown,
    /// Paid, and part of it refunded.
    PartiallyRefunded,
    /// Paid and refunded in full.
    Refunded,
}

impl OrderStatus {
    /// The ledger's text form (the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::Paying => "paying",
            OrderStatus::Paid => "paid",
            OrderStatus::Unknown => "unknown",
            OrderStatus::PartiallyRefunded => "partially-refunded",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// Reads the text form.
    pub fn parse(s: &str) -> Option<OrderStatus> {
        Some(match s {
            "open" => OrderStatus::Open,
            "paying" => OrderStatus::Paying,
            "paid" => OrderStatus::Paid,
            "unknown" => OrderStatus::Unknown,
            "partially-refunded" => OrderStatus::PartiallyRefunded,
            "refunded" => OrderStatus::Refunded,
            _ => return None,
        })
    }
}

pub(crate) fn status(text: &str) -> Result<OrderStatus> {
    OrderStatus::parse(text).ok_or_else(|| LedgerError::Corrupt(format!("order status {text:?}")))
}

/// The order's status from its attempts, oldest first: `(kind, state, amount_minor)`.
///
/// A succeeded payment makes it paid, then refunds that succeeded make it partially refunded
/// or refunded. Otherwise an open payment attempt makes it paying, an unresolved one unknown,
/// and failed or refused ones leave it open.
pub(crate) fn derive_status(attempts: &[(AttemptKind, AttemptState, i64)]) -> OrderStatus {
    use AttemptState::*;
    let payments = attempts.iter().filter(|a| a.0 == AttemptKind::Payment);
    let paid: Option<i64> = payments.clone().find(|a| a.1 == Succeeded).map(|a| a.2);
    if let Some(paid) = paid {
        let refunded: i64 = attempts
            .iter()
            .filter(|a| a.0 == AttemptKind::Refund && a.1 == Succeeded)
            .map(|a| a.2)
            .sum();
        return if refunded >= paid {
            OrderStatus::Refunded
        } else if refunded > 0 {
            OrderStatus::PartiallyRefunded
        } else {
            OrderStatus::Paid
        };
    }
    if payments
        .clone()
        .any(|a| matches!(a.1, Created | Sending | Awaiting))
    {
        OrderStatus::Paying
    } else if payments
        .clone()
        .any(|a| matches!(a.1, Unknown | NeedsManager))
    {
        OrderStatus::Unknown
    } else {
        OrderStatus::Open
    }
}

/// Records a new order with its lines; refuses invalid lines and ids already used.
pub(crate) fn insert(tx: &Transaction<'_>, now: &Stamp, o: &NewOrder) -> Result<Order> {
    let totals = order_totals(o.currency, &o.lines)?;
    if exists(tx, o.id.as_str())? {
        return Err(LedgerError::DuplicateId(o.id.to_string()));
    }
    tx.execute(
        "INSERT INTO orders (id, currency, total_minor, tax_minor, status, cashier,
                             created_at, created_ms, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?6)",
        params![
            o.id.as_str(),
            o.currency.code(),
            totals.total.minor,
            totals.tax.minor,
            o.cashier,
            now.text,
            now.ms
        ],
    )?;
    order_lines::insert_all(tx, o.id.as_str(), &o.lines)?;
    Ok(Order {
        id: o.id.to_string(),
        currency: o.currency,
        lines: o.lines.clone(),
        totals,
        status: OrderStatus::Open,
        cashier: o.cashier.clone(),
        created_at: now.text.clone(),
    })
}

fn exists(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM orders WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The order with its lines.
pub(crate) fn get(conn: &Connection, id: &str) -> Result<Option<Order>> {
    let row = conn
        .query_row(
            "SELECT id, currency, total_minor, tax_minor, status, cashier, created_at
             FROM orders WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((id, cur, total, tax, st, cashier, created_at)) = row else {
        return Ok(None);
    };
    let currency = codec::currency(&cur)?;
    Ok(Some(Order {
        lines: order_lines::for_order(conn, &id)?,
        id,
        currency,
        totals: OrderTotals {
            total: Money::new(total, currency),
            tax: Money::new(tax, currency),
        },
        status: status(&st)?,
        cashier,
        created_at,
    }))
}

/// Recomputes and stores the order's status from its attempts.
pub(crate) fn refresh_status(
    tx: &Transaction<'_>,
    now: &Stamp,
    order_id: &str,
) -> Result<OrderStatus> {
    let mut stmt = tx.prepare_cached(
        "SELECT kind, state, amount_minor FROM attempts WHERE order_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([order_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut attempts = Vec::with_capacity(rows.len());
    for (kind, state, amount) in rows {
        attempts.push((
            AttemptKind::from_column(&kind)?,
            codec::state(&state)?,
            amount,
        ));
    }
    let status = derive_status(&attempts);
    tx.execute(
        "UPDATE orders SET status = ?1, updated_at = ?2 WHERE id = ?3",
        params![status.as_str(), now.text, order_id],
    )?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptKind::{Payment as P, Refund as R};
    use AttemptState::*;

    #[test]
    fn status_follows_the_attempts() {
        assert_eq!(derive_status(&[]), OrderStatus::Open, "no attempt yet");
        assert_eq!(derive_status(&[(P, Awaiting, 100)]), OrderStatus::Paying);
        assert_eq!(
            derive_status(&[(P, NeedsManager, 100)]),
            OrderStatus::Unknown
        );
        assert_eq!(
            derive_status(&[(P, Failed, 100), (P, Refused, 100)]),
            OrderStatus::Open,
            "failed and refused attempts leave the order payable"
        );
        assert_eq!(
            derive_status(&[(P, Failed, 100), (P, Succeeded, 100)]),
            OrderStatus::Paid
        );
        assert_eq!(
            derive_status(&[(P, Succeeded, 100), (R, Succeeded, 30), (R, Unknown, 70)]),
            OrderStatus::PartiallyRefunded,
            "only refunds that succeeded count towards the status"
        );
        assert_eq!(
            derive_status(&[(P, Succeeded, 100), (R, Succeeded, 30), (R, Succeeded, 70)]),
            OrderStatus::Refunded
        );
    }

    #[test]
    fn status_text_round_trips_and_matches_serde() {
        use OrderStatus::*;
        for s in [Open, Paying, Paid, Unknown, PartiallyRefunded, Refunded] {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
    }
}
