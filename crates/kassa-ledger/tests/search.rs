//! The id search of `list_orders` on a ledger with more orders than the indexed path takes:
//! a narrow prefix is found through the case-insensitive indexes, a broad one by the
//! newest-first scan, and both give exactly what the filter says — the same orders a plain
//! scan would give. The indexes are really used (the query plan names them).

// Test code: a failed setup should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_ledger::{Ledger, OrderFilter, OrderStatus, Transition};
use rusqlite::Connection;
use std::time::Duration;

/// `count` orders `O_00000`, `O_00001`, … (more than the indexed path's limit of 5 000 for
/// the broad prefixes), orders 7, 4 321 and 5 199 paid.
fn orders(ledger: &Ledger, clock: &kassa_core::ManualClock, count: i64) {
    for n in 0..count {
        clock.advance(Duration::from_millis(10));
        order(ledger, &format!("O_{n:05}"), 1_000 + n);
    }
    for n in [7, 4_321, 5_199].into_iter().filter(|n| *n < count) {
        let (o, p) = (format!("O_{n:05}"), format!("P_{n:05}"));
        begin_pay(ledger, &p, &o, 1_000 + n);
        ledger.transition(&p, Transition::DiagnosedOk).unwrap();
        ledger.transition(&p, Transition::Sent).unwrap();
        ledger
            .transition(
                &p,
                Transition::Approved(approval(&format!("TX{n}"), 1_000 + n)),
            )
            .unwrap();
    }
}

fn ids(ledger: &Ledger, text: &str, limit: usize) -> Vec<String> {
    ledger
        .list_orders(&OrderFilter {
            text: Some(text.into()),
            limit,
            ..OrderFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect()
}

#[test]
fn narrow_and_broad_prefixes_find_exactly_the_matching_orders_newest_first() {
    let (ledger, clock) = memory();
    orders(&ledger, &clock, 5_200);
    // Narrow: through the indexes, any of the three ids, any case.
    assert_eq!(
        ids(&ledger, "o_0432", 0),
        (4_320..4_330)
            .rev()
            .map(|n| format!("O_{n:05}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(ids(&ledger, "P_04321", 50), ["O_04321"]);
    assert_eq!(ids(&ledger, "tx7", 50), ["O_00007"]);
    assert!(ids(&ledger, "O_9", 50).is_empty());
    assert!(
        ids(&ledger, "O%", 50).is_empty(),
        "% is a character, not a wildcard"
    );
    // Broad: more than 5 000 orders match; the newest 50 come first, and with no limit all.
    let broad = ids(&ledger, "O_", 50);
    assert_eq!(broad.len(), 50);
    assert_eq!(broad[0], "O_05199");
    assert_eq!(broad[49], "O_05150");
    assert_eq!(ids(&ledger, "o_", 0).len(), 5_200);
    // Combined with another filter, through the indexed path (1 000 match "O_04") and the
    // scan (all 5 200 match "O_0").
    let paid = |text: &str| -> Vec<String> {
        ledger
            .list_orders(&OrderFilter {
                text: Some(text.into()),
                status: Some(OrderStatus::Paid),
                ..OrderFilter::default()
            })
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect()
    };
    assert_eq!(paid("O_04"), ["O_04321"]);
    assert_eq!(paid("O_0"), ["O_05199", "O_04321", "O_00007"]);
}

#[test]
fn the_prefix_lookups_use_the_nocase_indexes() {
    let (ledger, clock, path, _dir) = file();
    orders(&ledger, &clock, 20);
    let conn = Connection::open(&path).unwrap();
    for (sql, index) in [
        ("SELECT id FROM orders WHERE id LIKE ?1 ESCAPE '\\'", "orders_id_nocase"),
        (
            "SELECT order_id FROM attempts WHERE kind = 'payment' AND request_id LIKE ?1 ESCAPE '\\'",
            "attempts_payment_id_nocase",
        ),
        (
            "SELECT order_id FROM payments WHERE terminal_payment_id LIKE ?1 ESCAPE '\\'",
            "payments_terminal_id_nocase",
        ),
    ] {
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(["O\\_1%"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|p| p.contains(index)),
            "{sql} should search {index}: {plan:?}"
        );
    }
}
