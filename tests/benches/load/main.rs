//! Load: the queries a store with a year of orders runs every day, on a ledger file of one
//! million orders (see `generate.rs`; `KASSA_LOAD_ORDERS` changes the count): the order
//! search as the Orders screen and `kassactl orders` use it (newest first, 50 a page, by id
//! prefix, by status, by date range), the refund limit of a payment with several refunds, and
//! the Z report of one day through `kassa-app`'s day-close API.
//!
//! Not part of `cargo test`: run `cargo bench -p kassa-acceptance --bench load`. The first
//! run generates the file (about a minute) under `target/kassa-load/`.

// A bench that cannot set up its ledger should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod generate;

use criterion::{criterion_group, criterion_main, Criterion};
use generate::{end_of_data, many_refunds, order_id, order_time};
use kassa_app::{OpenOptions, Service};
use kassa_core::ManualClock;
use kassa_ledger::{Ledger, OrderFilter, OrderStatus};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

fn total_orders() -> u64 {
    std::env::var("KASSA_LOAD_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// The clock of the benches: the evening of the last day of data.
fn evening() -> Arc<ManualClock> {
    let t = end_of_data() - chrono::Duration::minutes(30);
    Arc::new(ManualClock::at(&t.to_rfc3339()))
}

/// A named search and the check of how many orders it must list.
type Case = (&'static str, OrderFilter, Box<dyn Fn(usize)>);

fn page(f: OrderFilter) -> OrderFilter {
    OrderFilter { limit: 50, ..f }
}

fn list_orders(c: &mut Criterion) {
    let total = total_orders();
    let path = generate::ledger_file(total);
    let ledger = Ledger::open(&path, evening()).expect("open the load ledger");
    let mid = order_time(total / 2, total);
    let day = mid.format("%Y-%m-%d").to_string();
    let week_end = (mid + chrono::Duration::days(6))
        .format("%Y-%m-%d")
        .to_string();
    let one = order_id(123_456 % total, &order_time(123_456 % total, total));
    let cases: Vec<Case> = vec![
        (
            "first page",
            page(OrderFilter::default()),
            Box::new(|n| assert_eq!(n, 50)),
        ),
        (
            "text: one day's order id prefix",
            page(OrderFilter {
                text: Some(format!("O{}", mid.format("%Y%m%d"))),
                ..Default::default()
            }),
            Box::new(|n| assert_eq!(n, 50)),
        ),
        (
            "text: one month's prefix (over 5 000 matches: scan)",
            page(OrderFilter {
                text: Some(format!("O{}", mid.format("%Y%m"))),
                ..Default::default()
            }),
            Box::new(|n| assert_eq!(n, 50)),
        ),
        (
            "text: a full order id",
            page(OrderFilter {
                text: Some(one.to_lowercase()),
                ..Default::default()
            }),
            Box::new(|n| assert_eq!(n, 1)),
        ),
        (
            "text: a terminal payment id",
            page(OrderFilter {
                text: Some(format!("T{:010}", 654_321 % total)),
                ..Default::default()
            }),
            Box::new(|n| assert_eq!(n, 1)),
        ),
        (
            "status: refunded",
            page(OrderFilter {
                status: Some(OrderStatus::Refunded),
                ..Default::default()
            }),
            Box::new(|n| assert_eq!(n, 50)),
        ),
        (
            "date range: one day",
            page(OrderFilter {
                from: Some(day.clone()),
                to: Some(day.clone()),
                ..Default::default()
            }),
            Box::new(|n| assert_eq!(n, 50)),
        ),
        (
            "status + date range: open in one week",
            page(OrderFilter {
                status: Some(OrderStatus::Open),
                from: Some(day.clone()),
                to: Some(week_end),
                ..Default::default()
            }),
            Box::new(|n| assert!(n > 0 && n <= 50, "{n}")),
        ),
        (
            "status + text: paid with a day's prefix",
            page(OrderFilter {
                status: Some(OrderStatus::Paid),
                text: Some(format!("O{}", mid.format("%Y%m%d"))),
                ..Default::default()
            }),
            Box::new(|n| assert_eq!(n, 50)),
        ),
    ];
    let mut g = c.benchmark_group("list_orders (1M orders, limit 50)");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, filter, check) in &cases {
        check(ledger.list_orders(filter).expect("list").len());
        g.bench_function(*name, |b| {
            b.iter(|| black_box(ledger.list_orders(filter).expect("list")))
        });
    }
    g.finish();
}

fn refundable(c: &mut Criterion) {
    let total = total_orders();
    let ledger = Ledger::open(&generate::ledger_file(total), evening()).expect("open");
    let pid = |n: u64| {
        let id = order_id(n, &order_time(n, total));
        format!("P{}", &id[1..])
    };
    let many = pid(many_refunds(total));
    assert_eq!(ledger.refunds_for_payment(&many).expect("refunds").len(), 5);
    let left = ledger.refundable(&many).expect("refundable");
    let paid = ledger
        .payment(&many)
        .expect("payment")
        .expect("paid")
        .amount;
    assert_eq!(left.minor, paid.minor - 5 * (paid.minor / 10).max(1));
    let mut g = c.benchmark_group("refundable (1M orders)");
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    g.bench_function("payment with five refunds", |b| {
        b.iter(|| black_box(ledger.refundable(&many).expect("refundable")))
    });
    g.finish();
}

fn z_report(c: &mut Criterion) {
    let total = total_orders();
    let path = generate::ledger_file(total);
    let svc = Service::open(OpenOptions {
        clock: evening(),
        ..OpenOptions::new(path)
    })
    .expect("open the service");
    let day_start = end_of_data() - chrono::Duration::days(1);
    svc.ledger()
        .set_setting(
            "day_close",
            &serde_json::json!({"number": 364, "closed_at": day_start.to_rfc3339()}),
        )
        .expect("last close");
    let z = svc.z_report().expect("z report");
    let per_day = total / generate::DAYS as u64;
    assert!(
        (z.sales.count as u64) * 100 >= per_day * 90 && (z.sales.count as u64) <= per_day + 1,
        "one day's sales: {} of about {per_day}",
        z.sales.count
    );
    eprintln!(
        "Z report of {}: {} sales {}, {} refunds {}, {} declined",
        day_start.format("%Y-%m-%d"),
        z.sales.count,
        z.sales.total,
        z.refunds.count,
        z.refunds.total,
        z.declined
    );
    let mut g = c.benchmark_group("z_report (1M orders)");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("one day through Service::z_report", |b| {
        b.iter(|| black_box(svc.z_report().expect("z report")))
    });
    g.finish();
}

criterion_group!(load, list_orders, refundable, z_report);
criterion_main!(load);
