//! Orders, the order list's filters, terminals, settings and the audit log.

// Test helpers outside #[test] functions may unwrap: a failed setup should stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_core::{Currency, OrderLine, TaxRate, UnknownReason};
use kassa_ledger::{
    LedgerError, NewOrder, NewPaymentAttempt, OrderFilter, OrderStatus, TerminalRow, Transition,
};
use serde_json::json;
use std::time::Duration;

#[test]
fn an_order_is_stored_with_its_lines_and_computed_totals() {
    let (ledger, _clock) = memory();
    let lines = vec![
        OrderLine {
            name: "Latte".into(),
            quantity: 2,
            unit_price_minor: 1250,
            tax: TaxRate {
                basis_points: 1000,
                inclusive: false,
            },
        },
        OrderLine {
            name: "Cookie".into(),
            quantity: 3,
            unit_price_minor: 199,
            tax: TaxRate::NONE,
        },
    ];
    let o = ledger
        .create_order(&NewOrder {
            id: id("O1"),
            currency: Currency::USD,
            lines: lines.clone(),
            cashier: "kim".into(),
        })
        .unwrap();
    // 2 × 12.50 + 10 % = 27.50, plus 3 × 1.99 = 5.97: the total is the sum of line totals.
    assert_eq!(o.totals.total.minor, 3347);
    assert_eq!(o.totals.tax.minor, 250);
    assert_eq!(o.created_at, START);
    let stored = ledger.order("O1").unwrap().unwrap();
    assert_eq!(stored, o, "what is read back is what was recorded");
    assert_eq!(stored.lines, lines, "lines keep their order");
    assert_eq!(stored.status, OrderStatus::Open);
    assert_eq!(ledger.order("O2").unwrap(), None);
}

#[test]
fn invalid_orders_and_reused_ids_are_refused() {
    let (ledger, _clock) = memory();
    let empty = NewOrder {
        id: id("O1"),
        currency: Currency::KRW,
        lines: vec![],
        cashier: "kim".into(),
    };
    let err = ledger.create_order(&empty).unwrap_err();
    assert!(matches!(err, LedgerError::Order(_)), "{err}");
    assert_eq!(ledger.order("O1").unwrap(), None, "nothing half-written");
    order(&ledger, "O1", 4500);
    let err = ledger
        .create_order(&NewOrder {
            lines: vec![OrderLine {
                name: "Tea".into(),
                quantity: 1,
                unit_price_minor: 100,
                tax: TaxRate::NONE,
            }],
            ..empty
        })
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::DuplicateId(ref d) if d == "O1"),
        "{err}"
    );
    // A payment attempt may not reuse an order's... or another attempt's id.
    begin_pay(&ledger, "P1", "O1", 4500);
    order(&ledger, "O2", 100);
    let again = NewPaymentAttempt {
        request_id: id("P1"),
        order_id: "O2".into(),
        terminal: "front".into(),
        amount: krw(100),
    };
    assert!(matches!(
        ledger.begin_payment_attempt(&again),
        Err(LedgerError::DuplicateId(_))
    ));
    let usd = NewPaymentAttempt {
        request_id: id("P2"),
        amount: kassa_core::Money::new(100, Currency::USD),
        ..again.clone()
    };
    assert!(matches!(
        ledger.begin_payment_attempt(&usd),
        Err(LedgerError::CurrencyMismatch { .. })
    ));
    let missing = NewPaymentAttempt {
        request_id: id("P3"),
        order_id: "O9".into(),
        ..again
    };
    assert!(matches!(
        ledger.begin_payment_attempt(&missing),
        Err(LedgerError::NotFound { what: "order", .. })
    ));
}

/// Five orders an hour apart: O1 paid on `front`, O2 paid on `back`, O3 unknown, O4 open,
/// O5 paying. O1 is at 10:15:30.123+09:00; paying it moves the clock 2 s, then each next
/// order comes an hour later (O2 at 11:15:32.123, O3 at 12:15:32.123, ...).
fn history() -> kassa_ledger::Ledger {
    let (ledger, clock) = memory();
    let step = Duration::from_secs(3600);
    paid_order(&ledger, &clock, "O1", "P1", 1_000);
    clock.advance(step);
    order(&ledger, "O2", 2_000);
    ledger
        .begin_payment_attempt(&NewPaymentAttempt {
            request_id: id("P2"),
            order_id: "O2".into(),
            terminal: "back".into(),
            amount: krw(2_000),
        })
        .unwrap();
    ledger.transition("P2", Transition::DiagnosedOk).unwrap();
    ledger
        .transition("P2", Transition::Approved(approval("X_77", 2_000)))
        .unwrap();
    clock.advance(step);
    order(&ledger, "O3", 3_000);
    begin_pay(&ledger, "P3", "O3", 3_000);
    ledger.transition("P3", Transition::DiagnosedOk).unwrap();
    ledger
        .transition("P3", Transition::Lost(UnknownReason::Timeout))
        .unwrap();
    clock.advance(step);
    order(&ledger, "O4", 4_000);
    clock.advance(step);
    order(&ledger, "O5", 5_000);
    begin_pay(&ledger, "P5", "O5", 5_000);
    ledger
}

fn ids(ledger: &kassa_ledger::Ledger, f: OrderFilter) -> Vec<String> {
    ledger
        .list_orders(&f)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect()
}

#[test]
fn list_orders_filters_narrow_the_list() {
    let ledger = history();
    assert_eq!(
        ids(&ledger, OrderFilter::default()),
        ["O5", "O4", "O3", "O2", "O1"],
        "newest first"
    );
    let f = |g: fn(&mut OrderFilter)| {
        let mut f = OrderFilter::default();
        g(&mut f);
        f
    };
    assert_eq!(
        ids(&ledger, f(|f| f.status = Some(OrderStatus::Paid))),
        ["O2", "O1"]
    );
    assert_eq!(
        ids(&ledger, f(|f| f.status = Some(OrderStatus::Unknown))),
        ["O3"]
    );
    assert_eq!(
        ids(&ledger, f(|f| f.terminal = Some("back".into()))),
        ["O2"]
    );
    assert_eq!(
        ids(&ledger, f(|f| f.min_minor = Some(2_000))),
        ["O5", "O4", "O3", "O2"]
    );
    assert_eq!(
        ids(
            &ledger,
            f(|f| {
                f.min_minor = Some(2_000);
                f.max_minor = Some(3_000)
            })
        ),
        ["O3", "O2"]
    );
    assert_eq!(ids(&ledger, f(|f| f.limit = 2)), ["O5", "O4"]);
    // Text matches an id prefix: the order's, its payment's, or the terminal's payment id —
    // and `_` in the text is a character, not a wildcard.
    assert_eq!(ids(&ledger, f(|f| f.text = Some("o3".into()))), ["O3"]);
    assert_eq!(ids(&ledger, f(|f| f.text = Some("P5".into()))), ["O5"]);
    assert_eq!(ids(&ledger, f(|f| f.text = Some("X_7".into()))), ["O2"]);
    assert!(ids(&ledger, f(|f| f.text = Some("X%".into()))).is_empty());
    // O2 and O3 exactly on the bounds, `to` written in UTC: both bounds are inclusive.
    let window = f(|f| {
        f.from = Some("2026-11-21T11:15:32.123+09:00".into());
        f.to = Some("2026-11-21T03:15:32.123Z".into());
    });
    assert_eq!(
        ids(&ledger, window),
        ["O3", "O2"],
        "bounds in any offset, both inclusive"
    );
    assert_eq!(
        ids(&ledger, f(|f| f.from = Some("2026-11-21".into()))).len(),
        5
    );
    assert!(ids(&ledger, f(|f| f.to = Some("2026-11-20".into()))).is_empty());
    assert_eq!(
        ids(&ledger, f(|f| f.to = Some("2026-11-21".into()))).len(),
        5,
        "a date `to` means the whole day"
    );
    let bad = ledger
        .list_orders(&f(|f| f.from = Some("yesterday".into())))
        .unwrap_err();
    assert!(matches!(bad, LedgerError::BadFilter(_)), "{bad}");

    let rows = ledger
        .list_orders(&f(|f| f.text = Some("O2".into())))
        .unwrap();
    let s = &rows[0];
    assert_eq!(s.total, krw(2_000));
    assert_eq!(s.terminal.as_deref(), Some("back"));
    assert_eq!(s.payment_request_id.as_deref(), Some("P2"));
    assert_eq!(s.terminal_payment_id.as_deref(), Some("X_77"));
    let o4 = &ledger
        .list_orders(&f(|f| f.text = Some("O4".into())))
        .unwrap()[0];
    assert_eq!(
        (o4.terminal.clone(), o4.payment_request_id.clone()),
        (None, None)
    );
}

#[test]
fn terminals_have_one_default_and_are_kept_while_in_use() {
    let (ledger, _clock) = memory();
    let row = |name: &str, default: bool| TerminalRow {
        name: name.into(),
        kind: "kicc".into(),
        config: json!({"host": "127.0.0.1", "port": 9000}),
        is_default: default,
    };
    ledger.upsert_terminal(&row("front", true)).unwrap();
    ledger.upsert_terminal(&row("back", true)).unwrap();
    let all = ledger.terminals().unwrap();
    let defaults: Vec<_> = all
        .iter()
        .filter(|t| t.is_default)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(defaults, ["back"], "making one default clears the others");
    assert_eq!(
        ledger.terminal("front").unwrap().unwrap().config["port"],
        9000
    );

    let secret = TerminalRow {
        config: json!({"host": "h", "merchant_key": "abc123"}),
        ..row("x", false)
    };
    let err = ledger.upsert_terminal(&secret).unwrap_err();
    assert!(
        matches!(err, LedgerError::SecretNotAllowed { ref field } if field == "config.merchant_key"),
        "{err}"
    );
    assert_eq!(ledger.terminal("x").unwrap(), None);

    order(&ledger, "O1", 4500);
    begin_pay(&ledger, "P1", "O1", 4500);
    let err = ledger.remove_terminal("front").unwrap_err();
    assert!(
        matches!(err, LedgerError::TerminalInUse { ref request_id, .. } if request_id == "P1"),
        "{err}"
    );
    ledger
        .transition(
            "P1",
            Transition::DiagnoseFailed {
                detail: "offline".into(),
            },
        )
        .unwrap();
    ledger.remove_terminal("front").unwrap();
    assert_eq!(ledger.terminal("front").unwrap(), None);
    assert!(matches!(
        ledger.remove_terminal("front"),
        Err(LedgerError::NotFound { .. })
    ));
}

#[test]
fn settings_hold_json_but_never_a_pin() {
    let (ledger, _clock) = memory();
    assert_eq!(ledger.setting("receipt").unwrap(), None);
    ledger
        .set_setting("receipt", &json!({"width_mm": 58, "logo": true}))
        .unwrap();
    ledger
        .set_setting("receipt", &json!({"width_mm": 80}))
        .unwrap();
    assert_eq!(
        ledger.setting("receipt").unwrap(),
        Some(json!({"width_mm": 80}))
    );
    let err = ledger
        .set_setting("manager_pin", &json!("1234"))
        .unwrap_err();
    assert!(matches!(err, LedgerError::SecretNotAllowed { .. }), "{err}");
    assert_eq!(ledger.setting("manager_pin").unwrap(), None);
}

#[test]
fn the_audit_log_keeps_order_time_and_actor() {
    let (ledger, clock) = memory();
    ledger
        .audit("lee", "settings_changed", &json!({"key": "receipt"}))
        .unwrap();
    clock.advance(Duration::from_secs(60));
    ledger
        .audit("kim", "refund", &json!({"request_id": "R1"}))
        .unwrap();
    let log = ledger.audit_log().unwrap();
    let rows: Vec<_> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.at.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("lee", "settings_changed", START),
            ("kim", "refund", "2026-11-21T10:16:30.123+09:00")
        ]
    );
    assert!(log[0].id < log[1].id);
}
