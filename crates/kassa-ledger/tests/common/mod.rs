//! Helpers shared by the ledger's tests: a manual clock, real ledgers on `:memory:` and on
//! temporary files, orders and approvals.

// Test helpers outside #[test] functions may unwrap: a failed setup should stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use kassa_core::{
    Approval, CardReceipt, Currency, ManualClock, Money, OrderLine, RefundApproval, RequestId,
    TaxRate,
};
use kassa_ledger::{Ledger, NewOrder, NewPaymentAttempt, NewRefundAttempt, Transition};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub const START: &str = "2026-11-21T10:15:30.123+09:00";

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::at(START))
}

pub fn memory() -> (Ledger, Arc<ManualClock>) {
    let c = clock();
    (Ledger::open_in_memory(c.clone()).unwrap(), c)
}

/// A ledger on a file in a fresh temporary directory (kept alive by the returned guard).
pub fn file() -> (Ledger, Arc<ManualClock>, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let c = clock();
    (Ledger::open(&path, c.clone()).unwrap(), c, path, dir)
}

pub fn id(s: &str) -> RequestId {
    RequestId::parse(s).unwrap()
}

pub fn krw(minor: i64) -> Money {
    Money::new(minor, Currency::KRW)
}

/// An order of `total` KRW (one line, VAT 10 % included).
pub fn order(ledger: &Ledger, order_id: &str, total: i64) {
    let line = OrderLine {
        name: "Americano".into(),
        quantity: 1,
        unit_price_minor: total,
        tax: TaxRate {
            basis_points: 1000,
            inclusive: true,
        },
    };
    ledger
        .create_order(&NewOrder {
            id: id(order_id),
            currency: Currency::KRW,
            lines: vec![line],
            cashier: "kim".into(),
        })
        .unwrap();
}

pub fn begin_pay(ledger: &Ledger, request_id: &str, order_id: &str, amount: i64) {
    ledger
        .begin_payment_attempt(&NewPaymentAttempt {
            request_id: id(request_id),
            order_id: order_id.into(),
            terminal: "front".into(),
            amount: krw(amount),
        })
        .unwrap();
}

pub fn approval(terminal_payment_id: &str, amount: i64) -> Approval {
    Approval {
        terminal_payment_id: terminal_payment_id.into(),
        amount: krw(amount),
        paid_at: Some("20261121101545".into()),
        receipt: CardReceipt {
            card_brand: Some("VISA".into()),
            masked_pan: Some("4111-11**-****-1111".into()),
            approval_code: Some("30012345".into()),
            ..CardReceipt::default()
        },
        vendor_data: serde_json::json!({"acquirerMetaData": "m-1"}),
    }
}

/// An order paid in full through the normal path.
pub fn paid_order(
    ledger: &Ledger,
    clock: &ManualClock,
    order_id: &str,
    request_id: &str,
    total: i64,
) {
    order(ledger, order_id, total);
    begin_pay(ledger, request_id, order_id, total);
    for t in [Transition::DiagnosedOk, Transition::Sent] {
        clock.advance(Duration::from_secs(1));
        ledger.transition(request_id, t).unwrap();
    }
    let tpi = format!("T{request_id}");
    ledger
        .transition(request_id, Transition::Approved(approval(&tpi, total)))
        .unwrap();
}

pub fn refund(
    request_id: &str,
    payment_request_id: &str,
    amount: i64,
    one_partial_only: bool,
) -> NewRefundAttempt {
    NewRefundAttempt {
        request_id: id(request_id),
        payment_request_id: payment_request_id.into(),
        terminal: "front".into(),
        amount: krw(amount),
        reason: "customer changed mind".into(),
        actor: "manager_lee".into(),
        one_partial_only,
    }
}

/// Takes a refund attempt to `awaiting` (sent, no answer yet).
pub fn send_refund(ledger: &Ledger, request_id: &str) {
    ledger
        .transition(request_id, Transition::DiagnosedOk)
        .unwrap();
    ledger.transition(request_id, Transition::Sent).unwrap();
}

pub fn refund_approval(terminal_refund_id: &str, amount: i64) -> RefundApproval {
    RefundApproval {
        terminal_refund_id: terminal_refund_id.into(),
        amount: krw(amount),
        vendor_data: serde_json::json!({}),
    }
}
