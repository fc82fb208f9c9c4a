//! What one card payment costs the ledger: `begin_payment_attempt` and the three transitions
//! of a normal sale (diagnosed, sent, approved), each its own committed transaction. On a
//! file with WAL and `synchronous=FULL` every commit waits for an fsync, so this is four
//! fsyncs; the in-memory figure shows the cost without the disk.

// A bench that cannot set up its ledger should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kassa_core::{
    Approval, CardReceipt, Currency, ManualClock, Money, OrderLine, RequestId, TaxRate,
};
use kassa_ledger::{Ledger, NewOrder, NewPaymentAttempt, Transition};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

static SEQ: AtomicU64 = AtomicU64::new(0);

/// Records a fresh order (setup, not measured) and returns its id and the attempt's id.
fn new_order(ledger: &Ledger) -> (String, String) {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let order_id = format!("O{n}");
    ledger
        .create_order(&NewOrder {
            id: RequestId::parse(&order_id).unwrap(),
            currency: Currency::KRW,
            lines: vec![OrderLine {
                name: "Americano".into(),
                quantity: 1,
                unit_price_minor: 4500,
                tax: TaxRate {
                    basis_points: 1000,
                    inclusive: true,
                },
            }],
            cashier: "bench".into(),
        })
        .unwrap();
    (order_id, format!("P{n}"))
}

/// The measured part: one payment from begin to approved.
fn pay(ledger: &Ledger, order_id: &str, request_id: &str) {
    let amount = Money::new(4500, Currency::KRW);
    ledger
        .begin_payment_attempt(&NewPaymentAttempt {
            request_id: RequestId::parse(request_id).unwrap(),
            order_id: order_id.into(),
            terminal: "front".into(),
            amount,
        })
        .unwrap();
    ledger
        .transition(request_id, Transition::DiagnosedOk)
        .unwrap();
    ledger.transition(request_id, Transition::Sent).unwrap();
    let approval = Approval {
        terminal_payment_id: format!("T{request_id}"),
        amount,
        paid_at: None,
        receipt: CardReceipt {
            approval_code: Some("30012345".into()),
            ..CardReceipt::default()
        },
        vendor_data: serde_json::json!({}),
    };
    ledger
        .transition(request_id, Transition::Approved(approval))
        .unwrap();
}

fn bench(c: &mut Criterion) {
    let clock = Arc::new(ManualClock::at("2026-11-21T10:15:30.123+09:00"));
    let dir = tempfile::tempdir().unwrap();
    let on_file = Ledger::open(&dir.path().join("bench.db"), clock.clone()).unwrap();
    let in_memory = Ledger::open_in_memory(clock).unwrap();

    let mut g = c.benchmark_group("one_payment_begin_to_approved");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("tempfile_wal_sync_full", |b| {
        b.iter_batched(
            || new_order(&on_file),
            |(o, p)| pay(&on_file, &o, &p),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("in_memory", |b| {
        b.iter_batched(
            || new_order(&in_memory),
            |(o, p)| pay(&in_memory, &o, &p),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
