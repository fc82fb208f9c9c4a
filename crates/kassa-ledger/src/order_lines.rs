//! The `order_lines` table: an order's lines in the order they were entered. Prices are minor
//! units of the order's currency (the `orders.currency` column), so a line cannot disagree
//! with its order about the currency.

use crate::error::{LedgerError, Result};
use kassa_core::{OrderLine, TaxRate};
use rusqlite::{params, Connection, Transaction};

/// Schema version 1 of `order_lines`.
pub(crate) const V1: &str = "
CREATE TABLE order_lines (
    order_id          TEXT NOT NULL REFERENCES orders (id),
    line_no           INTEGER NOT NULL,
    name              TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor  INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    tax_basis_points  INTEGER NOT NULL CHECK (tax_basis_points >= 0),
    tax_inclusive     INTEGER NOT NULL CHECK (tax_inclusive IN (0, 1)),
    PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;
";

/// Stores `lines` under `order_id`, numbered from 1.
pub(crate) fn insert_all(tx: &Transaction<'_>, order_id: &str, lines: &[OrderLine]) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO order_lines (order_id, line_no, name, quantity, unit_price_minor,
                                  tax_basis_points, tax_inclusive)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (i, l) in lines.iter().enumerate() {
        stmt.execute(params![
            order_id,
            i as i64 + 1,
            l.name,
            l.quantity,
            l.unit_price_minor,
            l.tax.basis_points,
            l.tax.inclusive
        ])?;
    }
    Ok(())
}

/// The order's lines, in entry order.
pub(crate) fn for_order(conn: &Connection, order_id: &str) -> Result<Vec<OrderLine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, quantity, unit_price_minor, tax_basis_points, tax_inclusive
         FROM order_lines WHERE order_id = ?1 ORDER BY line_no",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    let mut lines = Vec::new();
    for row in rows {
        let (name, quantity, unit_price_minor, bp, inclusive) = row?;
        let bad = |what: &str| LedgerError::Corrupt(format!("order {order_id} line {what}"));
        lines.push(OrderLine {
            name,
            quantity: u32::try_from(quantity).map_err(|_| bad("quantity"))?,
            unit_price_minor,
            tax: TaxRate {
                basis_points: u32::try_from(bp).map_err(|_| bad("tax rate"))?,
                inclusive,
            },
        });
    }
    Ok(lines)
}
