//! Sale receipts and refund slips: items, tax, totals and the tender section with the
//! terminal's card data.

use super::{amount, datetime, Sheet};
use crate::labels::Labels;
use crate::model::{
    CardDetails, CopyFor, Payment, RefundSlip, Sale, StoreHeader, Tender, TenderDetails,
};
use crate::text;
use kassa_core::{Currency, Money, OrderLine, TaxRate};

/// Widths of the figure columns on papers of 48 columns and more.
const QTY_W: usize = 4;
const UNIT_W: usize = 9;
const AMOUNT_W: usize = 10;

/// Lays out a sale receipt.
pub(super) fn sale(sh: &mut Sheet, l: &Labels, store: &StoreHeader, s: &Sale) {
    sh.store_header(l, store);
    title(sh, l.sale_title, Some(l.copy(s.copy)));
    sh.kv(l.date, &super::datetime(&s.at));
    sh.kv(l.receipt_no, s.order_id.as_str());
    sh.kv(l.cashier, &s.cashier);
    sh.rule('-');
    items(sh, l, s.currency, &s.lines);
    sh.rule('-');
    taxes(sh, l, s.currency, &s.lines);
    sh.kv(l.total, &s.totals.total.display());
    for p in &s.payments {
        sh.rule('=');
        payment(sh, l, p, None);
    }
    finish(
        sh,
        l,
        store,
        s.copy,
        s.payments.iter().any(|p| p.tender() != Tender::Cash),
    );
}

/// Lays out a refund slip.
pub(super) fn refund(sh: &mut Sheet, l: &Labels, store: &StoreHeader, r: &RefundSlip) {
    sh.store_header(l, store);
    title(sh, l.refund_title, Some(l.copy(r.copy)));
    sh.kv(l.refund_no, r.refund_id.as_str());
    sh.kv(l.date, &datetime(&r.at));
    sh.kv(l.manager, &r.cashier);
    sh.rule('-');
    sh.left(l.original_sale);
    sh.kv(l.receipt_no, r.original.order_id.as_str());
    sh.kv(l.sale_date, &datetime(&r.original.at));
    sh.kv(l.sale_amount, &r.original.amount.display());
    sh.kv_opt(
        l.payment_ref,
        r.original.payment_request_id.as_ref().map(|id| id.as_str()),
    );
    sh.kv_opt(l.terminal_ref, r.original.terminal_ref.as_deref());
    if !r.lines.is_empty() {
        sh.rule('-');
        items(sh, l, r.refund.amount.currency, &r.lines);
    }
    if let Some(reason) = r.reason.as_deref().filter(|s| !s.trim().is_empty()) {
        sh.rule('-');
        sh.kv(l.reason, reason);
    }
    sh.rule('=');
    sh.kv(l.refunded, &r.refund.amount.display());
    payment(sh, l, &r.refund, Some(l.refunded_to));
    finish(sh, l, store, r.copy, r.refund.tender() != Tender::Cash);
}

/// The document title and, when given, the copy it is.
fn title(sh: &mut Sheet, title: &str, copy: Option<&str>) {
    sh.center(title);
    if let Some(c) = copy {
        sh.center(&format!("[{c}]"));
    }
    sh.rule('-');
}

/// Items: on narrow paper the name on its own line and `qty x price` under it; from 48
/// columns a table with quantity, unit price and amount beside the name.
fn items(sh: &mut Sheet, l: &Labels, currency: Currency, lines: &[OrderLine]) {
    let cols = sh.cols;
    let wide = cols >= 48;
    let name_w = cols.saturating_sub(QTY_W + UNIT_W + AMOUNT_W + 3);
    if wide {
        sh.lines.push(format!(
            "{} {} {} {}",
            text::pad_right(l.item, name_w),
            text::pad_left(l.qty, QTY_W),
            text::pad_left(l.unit_price, UNIT_W),
            text::pad_left(l.amount, AMOUNT_W)
        ));
    }
    for line in lines {
        let unit = amount(&Money::new(line.unit_price_minor, currency));
        let total = match line.totals() {
            Some(t) => amount(&Money::new(t.gross_minor, currency)),
            None => "?".to_string(),
        };
        let qty = line.quantity.to_string();
        let fits = text::width(&qty) <= QTY_W
            && text::width(&unit) <= UNIT_W
            && text::width(&total) <= AMOUNT_W;
        if wide && fits {
            let mut names = text::wrap(&line.name, name_w).into_iter();
            let first = names.next().unwrap_or_default();
            sh.lines.push(format!(
                "{} {} {} {}",
                text::pad_right(&first, name_w),
                text::pad_left(&qty, QTY_W),
                text::pad_left(&unit, UNIT_W),
                text::pad_left(&total, AMOUNT_W)
            ));
            sh.lines.extend(names);
        } else {
            // Narrow paper, or figures too long for their columns: never cut a number.
            sh.left(&line.name);
            sh.kv(&format!("  {qty} x {unit}"), &total);
        }
    }
}

/// Subtotal (sum of line amounts before exclusive tax), then one line per tax rate.
fn taxes(sh: &mut Sheet, l: &Labels, currency: Currency, lines: &[OrderLine]) {
    let mut groups: Vec<(TaxRate, i64)> = Vec::new();
    let mut subtotal: i64 = 0;
    for line in lines {
        let Some(t) = line.totals() else { continue };
        subtotal = subtotal.saturating_add(t.gross_minor);
        if line.tax.basis_points == 0 {
            continue;
        }
        match groups.iter_mut().find(|(r, _)| *r == line.tax) {
            Some((_, sum)) => *sum = sum.saturating_add(t.tax_minor),
            None => groups.push((line.tax, t.tax_minor)),
        }
    }
    sh.kv(l.subtotal, &amount(&Money::new(subtotal, currency)));
    for (rate, tax) in groups {
        let mut label = format!("{} {}", l.tax, percent(rate.basis_points));
        if rate.inclusive {
            label.push_str(&format!(" ({})", l.tax_included));
        }
        sh.kv(&label, &amount(&Money::new(tax, currency)));
    }
}

/// Basis points as a percentage without trailing zeros: 1000 → `10%`, 888 → `8.88%`.
fn percent(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}%")
    } else {
        let f = format!("{frac:02}");
        format!("{whole}.{}%", f.trim_end_matches('0'))
    }
}

/// One tender and the terminal's data. On a sale the heading is the tender with the amount;
/// on a refund slip (`refund_label` given) it is `Refunded to: tender`, the amount having
/// been printed above.
fn payment(sh: &mut Sheet, l: &Labels, p: &Payment, refund_label: Option<&str>) {
    let tender = match &p.details {
        TenderDetails::Card(CardDetails { brand: Some(b), .. }) => {
            format!("{} ({b})", l.tender(p.tender()))
        }
        TenderDetails::Card(_) | TenderDetails::Cash { .. } => l.tender(p.tender()).to_string(),
        TenderDetails::Wallet { name } => format!("{} ({name})", l.tender(p.tender())),
    };
    match refund_label {
        Some(label) => sh.kv(label, &tender),
        None => sh.kv(&tender, &p.amount.display()),
    }
    match &p.details {
        TenderDetails::Card(card) => card_lines(sh, l, card, p.terminal_ref.as_deref()),
        TenderDetails::Wallet { .. } => {}
        TenderDetails::Cash { received } => {
            sh.kv(l.received, &amount(received));
            if let Ok(change) = received.checked_sub(p.amount) {
                sh.kv(l.change, &amount(&change));
            }
        }
    }
    sh.kv_opt(l.terminal, p.terminal.as_deref());
    sh.kv_opt(l.terminal_ref, p.terminal_ref.as_deref());
    sh.kv_opt(l.payment_ref, p.request_id.as_ref().map(|id| id.as_str()));
    if let TenderDetails::Card(CardDetails {
        notice: Some(n), ..
    }) = &p.details
    {
        sh.blank();
        sh.left(n);
    }
}

/// The card fields a card-present receipt must show (docs/protocols.md §4.3).
/// The card's reference is left out when it repeats `terminal_ref`.
fn card_lines(sh: &mut Sheet, l: &Labels, c: &CardDetails, terminal_ref: Option<&str>) {
    sh.kv_opt(l.card_no, c.masked_pan.as_ref().map(|p| p.as_str()));
    if let Some(n) = c.installments {
        let v = if n <= 1 {
            l.lump_sum.to_string()
        } else {
            format!("{n} {}", l.months)
        };
        sh.kv(l.installments, &v);
    }
    sh.kv_opt(l.entry, c.entry_mode.as_deref());
    sh.kv_opt(l.approval_no, c.approval_code.as_deref());
    sh.kv_opt(l.aid, c.aid.as_deref());
    sh.kv_opt(l.app_label, c.application_label.as_deref());
    sh.kv_opt(l.cryptogram, c.cryptogram.as_deref());
    if let Some(r) = c.reference.as_deref().filter(|r| Some(*r) != terminal_ref) {
        sh.kv(l.reference, r);
    }
}

/// Signature line on the merchant copy of a non-cash slip; on the customer's, the store's
/// footer, or the built-in thanks when it has none (the footer is usually its own thanks).
fn finish(sh: &mut Sheet, l: &Labels, store: &StoreHeader, copy: CopyFor, signed: bool) {
    sh.rule('=');
    match copy {
        CopyFor::Merchant if signed => {
            sh.blank();
            let label = format!("{} ", l.signature);
            let line = text::rule('_', sh.cols.saturating_sub(text::width(&label)));
            sh.lines.push(format!("{label}{line}"));
        }
        CopyFor::Merchant => {}
        CopyFor::Customer => {
            let footer: Vec<&str> = store
                .footer
                .lines()
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect();
            if footer.is_empty() {
                sh.center(l.thanks);
            }
            footer.into_iter().for_each(|f| sh.center(f));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_drop_trailing_zeros() {
        assert_eq!(percent(1000), "10%");
        assert_eq!(percent(888), "8.88%");
        assert_eq!(percent(850), "8.5%");
        assert_eq!(percent(5), "0.05%");
    }
}
