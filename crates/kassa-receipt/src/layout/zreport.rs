//! The Z report: a day's successful payments and refunds by terminal and tender, the net,
//! and every attempt still unresolved (which a manager must settle before closing).

use super::{amount, datetime, Sheet};
use crate::labels::Labels;
use crate::model::{StoreHeader, ZReport, ZTotal};
use crate::text;
use kassa_core::{Currency, Money};

/// Cells for the count column (`  12 tx`, `  12건`).
const COUNT_W: usize = 7;
/// Cells for the amount column.
const AMOUNT_W: usize = 13;

/// Lays out a Z report.
pub(super) fn z_report(sh: &mut Sheet, l: &Labels, store: &StoreHeader, z: &ZReport) {
    sh.store_header(l, store);
    sh.center(l.z_title);
    sh.rule('-');
    sh.kv(l.business_day, &z.day.format("%Y/%m/%d").to_string());
    sh.kv(l.printed, &datetime(&z.printed_at));
    sh.kv(l.printed_by, &z.printed_by);
    sh.rule('-');
    let sales = section(sh, l, l.sales, z.currency, &z.sales);
    sh.rule('-');
    let refunds = section(sh, l, l.refunds, z.currency, &z.refunds);
    sh.rule('=');
    sh.kv(
        l.net,
        &Money::new(sales.saturating_sub(refunds), z.currency).display(),
    );
    sh.rule('=');
    sh.left(l.unresolved);
    if z.unresolved.is_empty() {
        sh.indented(l.none);
    }
    for u in &z.unresolved {
        sh.kv(l.attempt_kind(u.kind), l.state(u.state));
        sh.indented(u.request_id.as_str());
        sh.kv(&format!("  {}", u.terminal), &u.amount.display());
        sh.indented(&datetime(&u.at));
    }
    sh.rule('=');
}

/// One section (sales or refunds) grouped by terminal in the order first seen; returns its
/// sum in minor units.
fn section(sh: &mut Sheet, l: &Labels, title: &str, currency: Currency, rows: &[ZTotal]) -> i64 {
    sh.left(title);
    let mut terminals: Vec<&str> = Vec::new();
    for r in rows {
        if !terminals.contains(&r.terminal.as_str()) {
            terminals.push(&r.terminal);
        }
    }
    let (mut count, mut sum) = (0u32, 0i64);
    for t in terminals {
        sh.left(t);
        for r in rows.iter().filter(|r| r.terminal == t) {
            count = count.saturating_add(r.count);
            sum = sum.saturating_add(r.amount.minor);
            let tender = format!("  {}", l.tender(r.tender));
            let count = format!("{}{}", r.count, l.count_suffix);
            let figure = amount(&r.amount);
            let name_w = sh.cols.saturating_sub(COUNT_W + AMOUNT_W);
            if text::width(&tender) <= name_w
                && text::width(&count) <= COUNT_W
                && text::width(&figure) <= AMOUNT_W
            {
                sh.lines.push(format!(
                    "{}{}{}",
                    text::pad_right(&tender, name_w),
                    text::pad_left(&count, COUNT_W),
                    text::pad_left(&figure, AMOUNT_W)
                ));
            } else {
                // Too long for the columns: never cut a figure.
                sh.kv(&tender, &format!("{count} {figure}"));
            }
        }
    }
    if rows.is_empty() {
        sh.indented(l.none);
    }
    let total_label = format!("{} {}{}", l.total, count, l.count_suffix);
    sh.kv(&total_label, &Money::new(sum, currency).display());
    sum
}
