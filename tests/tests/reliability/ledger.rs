//! The ledger read straight from its SQLite file (read-only, no kassa code in between), and the
//! money invariants every reliability test checks against what the terminal recorded.

use std::collections::BTreeMap;
use std::path::Path;

/// What the ledger holds, as far as money goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Books {
    /// Every attempt: request id → state.
    pub attempts: BTreeMap<String, String>,
    /// Successful payments: request id → amount (minor units).
    pub payments: BTreeMap<String, i64>,
    /// Successful refunds: refund request id → amount.
    pub refunds: BTreeMap<String, i64>,
    /// Orders with more than one successful payment.
    pub paid_twice: Vec<String>,
    /// Payments whose refunds add up to more than was paid.
    pub over_refunded: Vec<String>,
}

impl Books {
    /// Attempts in a state that start-up recovery must have settled (created, sending,
    /// awaiting, unknown).
    pub fn unsettled(&self) -> Vec<(String, String)> {
        self.attempts
            .iter()
            .filter(|(_, s)| matches!(s.as_str(), "created" | "sending" | "awaiting" | "unknown"))
            .map(|(r, s)| (r.clone(), s.clone()))
            .collect()
    }

    /// The state of one attempt.
    pub fn state(&self, request_id: &str) -> &str {
        self.attempts
            .get(request_id)
            .map(String::as_str)
            .unwrap_or("(no such attempt)")
    }
}

fn pairs<T: rusqlite::types::FromSql>(c: &rusqlite::Connection, sql: &str) -> Vec<(String, T)> {
    let mut st = c.prepare(sql).expect("prepare");
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Reads the books of the ledger file at `db`.
pub fn books(db: &Path) -> Books {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the ledger read-only");
    let firsts =
        |sql: &str| -> Vec<String> { pairs::<i64>(&c, sql).into_iter().map(|(k, _)| k).collect() };
    Books {
        attempts: pairs(&c, "SELECT request_id, state FROM attempts")
            .into_iter()
            .collect(),
        payments: pairs(&c, "SELECT request_id, amount_minor FROM payments")
            .into_iter()
            .collect(),
        refunds: pairs(&c, "SELECT request_id, amount_minor FROM refunds")
            .into_iter()
            .collect(),
        paid_twice: firsts(
            "SELECT order_id, COUNT(*) FROM payments GROUP BY order_id HAVING COUNT(*) > 1",
        ),
        over_refunded: firsts(
            "SELECT p.request_id, SUM(r.amount_minor) FROM payments p
             JOIN refunds r ON r.payment_request_id = p.request_id
             GROUP BY p.request_id HAVING SUM(r.amount_minor) > MAX(p.amount_minor)",
        ),
    }
}

/// Checks the invariants after start-up recovery: no attempt left unsettled (final or
/// waiting for a manager); the terminal's successful charges and refunds equal the ledger's,
/// one for one with the same amounts; no order paid twice; no payment refunded beyond what
/// was paid. `charges` and `refunds` are the terminal's own records (request id → amount).
///
/// An attempt waiting for a manager is the one case where the two may differ: the ledger
/// records nothing until the manager settles it. Such attempts are left out of the comparison
/// (and must have no payment or refund row); callers assert which attempts they expect there.
pub fn assert_invariants(
    db: &Path,
    charges: &BTreeMap<String, i64>,
    refunds: &BTreeMap<String, i64>,
) -> Books {
    let b = books(db);
    assert_eq!(b.unsettled(), vec![], "attempts left unsettled: {b:#?}");
    let open = |id: &String| b.state(id) == "needs-manager";
    let settled = |m: &BTreeMap<String, i64>| -> BTreeMap<String, i64> {
        m.iter()
            .filter(|(id, _)| !open(id))
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    assert!(
        !b.payments.keys().chain(b.refunds.keys()).any(open),
        "an attempt waiting for a manager has a payment or refund row: {b:#?}"
    );
    assert_eq!(
        b.payments,
        settled(charges),
        "the terminal's charges and the ledger's payments differ"
    );
    assert_eq!(
        b.refunds,
        settled(refunds),
        "the terminal's refunds and the ledger's differ"
    );
    assert_eq!(b.paid_twice, Vec::<String>::new(), "orders paid twice");
    assert_eq!(
        b.over_refunded,
        Vec::<String>::new(),
        "payments refunded beyond the amount"
    );
    b
}
