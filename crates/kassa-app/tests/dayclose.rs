//! Day close and reports on a real ledger file: periods bounded by ledger sequence (a clock
//! set back hides nothing), calendar days in the store's time zone with its DST rules,
//! manager-confirmed payments under their own tender, one transaction per close.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kassa_app::dayclose::CONFIRMED_BY_MANAGER;
use kassa_app::Operator;
use kassa_ledger::Transition;
use kassa_receipt::Document;
use std::sync::Arc;

#[test]
fn a_sale_recorded_with_a_clock_set_back_lands_in_the_next_close() {
    let r = rig();
    let mgr = manager(&r);
    paid_order(&r, "O1", "P1");
    let first = r.svc.close_day(&mgr).unwrap();
    assert_eq!((first.number, first.sales.count), (1, 1));

    // The till's clock is set back an hour (NTP fault, a wrong manual change): its sale is
    // recorded with a time before the close.
    let behind = till_at(&r, "2026-11-21T09:15:30+09:00");
    paid_order(&behind, "O2", "P2");
    let paid_at = behind.svc.ledger().payment("P2").unwrap().unwrap().paid_at;
    assert!(
        paid_at.as_str() < first.to.as_str(),
        "{paid_at} is before {}",
        first.to
    );

    let open = r.svc.z_report().unwrap();
    assert_eq!((open.sales.count, open.sales.total), (1, krw(14_000)));
    let second = r.svc.close_day(&mgr).unwrap();
    assert_eq!((second.number, second.sales.count), (2, 1));
    // And it is counted once: the period after the second close is empty.
    let third = r.svc.z_report().unwrap();
    assert_eq!((third.number, third.sales.count), (3, 0));
}

#[test]
fn a_payment_a_manager_confirmed_counts_under_its_own_tender() {
    let r = rig();
    paid_order(&r, "O1", "P1");
    unknown_payment(&r, "O2", "P2");
    r.svc
        .ledger()
        .transition(
            "P2",
            Transition::ManagerResolved {
                paid: true,
                actor: "Mina".into(),
                evidence: "the terminal's slip shows it approved".into(),
                terminal_ref: Some("SLIP-42".into()),
            },
        )
        .unwrap();
    let z = r.svc.z_report().unwrap();
    let tender = |name: &str| z.by_tender.iter().find(|t| t.tender == name);
    let confirmed = tender(CONFIRMED_BY_MANAGER).expect("a manager-confirmed tender row");
    assert_eq!(
        (confirmed.sales.count, confirmed.sales.total),
        (1, krw(14_000))
    );
    let card = tender("MASTERCARD").unwrap();
    assert_eq!(card.sales.count, 1);
    assert!(tender("Card").is_none(), "{:?}", z.by_tender);
}

#[test]
fn two_closes_at_once_count_the_sales_once() {
    let r = rig();
    let mgr = manager(&r);
    for i in 0..5 {
        paid_order(&r, &format!("O{i}"), &format!("P{i}"));
    }
    // Two processes (two ledger connections) close at the same moment, many times over.
    let a = Arc::new(till_at(&r, "2026-11-21T22:00:00+09:00"));
    let b = Arc::new(till_at(&r, "2026-11-21T22:00:00+09:00"));
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let run = |till: Arc<Rig>, mgr: Operator, barrier: Arc<std::sync::Barrier>| {
        std::thread::spawn(move || {
            barrier.wait();
            till.svc.close_day(&mgr).unwrap()
        })
    };
    let ta = run(a.clone(), mgr.clone(), barrier.clone());
    let tb = run(b.clone(), mgr.clone(), barrier);
    let (za, zb) = (ta.join().unwrap(), tb.join().unwrap());
    let mut numbers = [za.number, zb.number];
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2], "each close has its own number");
    let mut counts = [za.sales.count, zb.sales.count];
    counts.sort_unstable();
    assert_eq!(counts, [0, 5], "one close has the sales, the other none");
    let log = r.svc.ledger().audit_log().unwrap();
    let closes: Vec<_> = log.iter().filter(|e| e.action == "day_closed").collect();
    assert_eq!(closes.len(), 2);
    let sold: i64 = closes
        .iter()
        .map(|e| e.detail["sales_count"].as_i64().unwrap())
        .sum();
    assert_eq!(sold, 5, "the audit log counts each sale once");
}

#[test]
fn a_past_day_is_the_stores_calendar_day_with_its_dst_rules() {
    let r = rig();
    r.svc
        .save_store_identity("kassactl", None, None, Some("Europe/Berlin"))
        .unwrap();
    // Berlin's clocks go back on 2026-10-25: that day runs from 00:00 +02:00 to 24:00 +01:00.
    // Sales early that morning (summer time), late that night (winter time), and the minutes
    // around it.
    let cases = [
        ("2026-10-24T23:50:00+02:00", "O1", "P1", false),
        ("2026-10-25T00:30:00+02:00", "O2", "P2", true),
        ("2026-10-25T23:30:00+01:00", "O3", "P3", true),
        ("2026-10-26T00:10:00+01:00", "O4", "P4", false),
    ];
    for (at, order, pay, _) in cases {
        paid_order(&till_at(&r, at), order, pay);
    }
    // Printed weeks later, in winter time.
    let later = till_at(&r, "2026-11-21T10:00:00+01:00");
    let day = kassa_app::reports::parse_day("2026-10-25").unwrap();
    let receipt = later.svc.z_report_receipt(Some(day), "Mina", None).unwrap();
    let Document::ZReport(z) = receipt.document else {
        panic!("not a Z report")
    };
    let counted: u32 = z.sales.iter().map(|t| t.count).sum();
    let expected = cases.iter().filter(|c| c.3).count() as u32;
    assert_eq!(counted, expected, "{:?}", z.sales);
}
