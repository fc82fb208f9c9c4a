//! The Z report as a printed document and as CSV.
//!
//! Without a date it is the report of the open period, with the figures of
//! [`Service::z_report`] (the day close's own numbers: what closing now would record). For
//! a past business day the same rules are applied to that calendar day (read with
//! [`kassa_ledger::Ledger::settled_between`]): payments approved that day, refunds that
//! succeeded that day (whenever their sale was), and attempts started that day that are
//! still not final.
//!
//! A calendar day is the store's, in its IANA time zone with that zone's DST rules
//! ([`day_bounds`]): from its first instant to the next day's, 23 or 25 hours on the days the
//! clocks change — never the offset in force today applied to another day.

use crate::error::{AppError, AppResult};
use crate::receipts::ledger_time;
use crate::Service;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use chrono_tz::Tz;
use kassa_core::{AttemptState, Currency, Money};
use kassa_ledger::{Attempt, AttemptKind};
use kassa_receipt::{Document, Language, Receipt, Tender, UnresolvedAttempt, ZReport, ZTotal};
use std::collections::BTreeMap;

/// Reads a business day written `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::Usage(format!(
            "{text:?} is not a date: write the business day as YYYY-MM-DD, e.g. 2026-11-21"
        ))
    })
}

/// The first instant of `day` in `tz`. Midnight itself may not exist (a zone that springs
/// forward at 00:00): the day then starts at the first local time after the gap; where
/// midnight happens twice, at the first.
fn start_of(day: NaiveDate, tz: Tz) -> AppResult<DateTime<FixedOffset>> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    (0..=24 * 60)
        .map(|m| midnight + chrono::Duration::minutes(m))
        .find_map(|local| tz.from_local_datetime(&local).earliest())
        .map(|t| t.fixed_offset())
        .ok_or_else(|| {
            AppError::Usage(format!("{day} has no start in the time zone {}", tz.name()))
        })
}

/// The instants a calendar day of the store covers: `[start, end)`, from its first instant
/// in `tz` to the next day's (24 hours, or 23 and 25 on the days DST begins and ends).
pub fn day_bounds(
    day: NaiveDate,
    tz: Tz,
) -> AppResult<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let next = day
        .succ_opt()
        .ok_or_else(|| AppError::Usage(format!("{day} has no next day")))?;
    Ok((start_of(day, tz)?, start_of(next, tz)?))
}

fn unresolved(a: &Attempt) -> AppResult<UnresolvedAttempt> {
    Ok(UnresolvedAttempt {
        kind: match a.kind {
            AttemptKind::Payment => kassa_receipt::AttemptKind::Payment,
            AttemptKind::Refund => kassa_receipt::AttemptKind::Refund,
        },
        request_id: kassa_core::RequestId::parse(&a.request_id)
            .map_err(|e| AppError::Config(format!("attempt id in the ledger: {e}")))?,
        terminal: a.terminal.clone(),
        amount: a.amount,
        at: ledger_time(&a.created_at)?,
        state: a.state,
    })
}

/// Adds one payment or refund to a terminal's row.
fn tally(rows: &mut BTreeMap<String, ZTotal>, terminal: &str, amount: Money) {
    let row = rows.entry(terminal.to_string()).or_insert_with(|| ZTotal {
        terminal: terminal.to_string(),
        tender: Tender::Card,
        count: 0,
        amount: Money::zero(amount.currency),
    });
    row.count += 1;
    row.amount.minor = row.amount.minor.saturating_add(amount.minor);
}

impl Service {
    /// The Z report document: of the open period when `day` is `None` (the day close's
    /// figures), else of that calendar day. Payments through a terminal count as card
    /// payments (the ledger records no cash).
    pub fn z_report_receipt(
        &self,
        day: Option<NaiveDate>,
        printed_by: &str,
        language: Option<Language>,
    ) -> AppResult<Receipt> {
        let report = match day {
            None => self.open_period_z(printed_by)?,
            Some(d) => self.day_z(d, printed_by)?,
        };
        Ok(Receipt {
            store: self.receipt_header()?,
            language: match language {
                Some(l) => l,
                None => self.receipt_language()?,
            },
            document: Document::ZReport(report),
        })
    }

    /// The open period's report, from the day close's figures.
    fn open_period_z(&self, printed_by: &str) -> AppResult<ZReport> {
        let z = self.z_report()?;
        let tz = self.store_settings()?.tz()?;
        let to = ledger_time(&z.to)?;
        let row = |terminal: &str, t: &crate::dayclose::Tally| ZTotal {
            terminal: terminal.to_string(),
            tender: Tender::Card,
            count: t.count,
            amount: t.total,
        };
        Ok(ZReport {
            day: to.with_timezone(&tz).date_naive(),
            printed_at: to,
            printed_by: printed_by.to_string(),
            currency: z.sales.total.currency,
            sales: z
                .by_terminal
                .iter()
                .filter(|t| t.sales.count > 0)
                .map(|t| row(&t.terminal, &t.sales))
                .collect(),
            refunds: z
                .by_terminal
                .iter()
                .filter(|t| t.refunds.count > 0)
                .map(|t| row(&t.terminal, &t.refunds))
                .collect(),
            unresolved: self
                .ledger
                .non_final_attempts()?
                .iter()
                .map(unresolved)
                .collect::<AppResult<_>>()?,
        })
    }

    /// One calendar day's report: what the ledger says ended that day in the store's time
    /// zone, with the day close's rules.
    fn day_z(&self, day: NaiveDate, printed_by: &str) -> AppResult<ZReport> {
        let store = self.store_settings()?;
        let currency: Currency = store.currency()?;
        let tz = store.tz()?;
        let on_day = |t: &str| -> AppResult<bool> {
            Ok(ledger_time(t)?.with_timezone(&tz).date_naive() == day)
        };
        let (first, next) = day_bounds(day, tz)?;
        // `settled_between` excludes its lower bound and includes its upper one.
        let tick = chrono::Duration::milliseconds(1);
        let (start, end) = (first - tick, next - tick);
        let mut sales = BTreeMap::new();
        let mut refunds = BTreeMap::new();
        for s in self.ledger.settled_between(Some(start), end)? {
            let a = &s.attempt;
            if a.amount.currency != currency || a.state != AttemptState::Succeeded {
                continue;
            }
            match (a.kind, &s.payment) {
                (AttemptKind::Payment, Some(p)) if on_day(&p.paid_at)? => {
                    tally(&mut sales, &p.terminal, p.amount);
                }
                (AttemptKind::Refund, _) if on_day(&a.updated_at)? => {
                    tally(&mut refunds, &a.terminal, a.amount);
                }
                _ => {}
            }
        }
        let mut open = Vec::new();
        for a in self.ledger.non_final_attempts()? {
            if a.amount.currency == currency && on_day(&a.created_at)? {
                open.push(unresolved(&a)?);
            }
        }
        Ok(ZReport {
            day,
            printed_at: self.clock.now(),
            printed_by: printed_by.to_string(),
            currency,
            sales: sales.into_values().collect(),
            refunds: refunds.into_values().collect(),
            unresolved: open,
        })
    }
}

/// The report as CSV (RFC 4180, `\r\n` line ends): one row per terminal and tender for
/// sales and refunds, a net row, then one row per unresolved attempt. Amounts are in major
/// units without grouping, so spreadsheets read them as numbers.
pub fn z_report_csv(z: &ZReport) -> String {
    let mut out = String::new();
    let mut row = |cells: &[String]| {
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    };
    let head = [
        "section",
        "business_day",
        "terminal",
        "tender",
        "count",
        "amount",
        "currency",
        "request_id",
        "state",
        "at",
    ];
    row(&head.map(String::from));
    let day = z.day.format("%Y-%m-%d").to_string();
    let code = z.currency.code().to_string();
    let tender = |t: Tender| match t {
        Tender::Card => "card",
        Tender::Wallet => "wallet",
        Tender::Cash => "cash",
    };
    let mut net: i64 = 0;
    for (section, rows, sign) in [("sale", &z.sales, 1), ("refund", &z.refunds, -1)] {
        for t in rows {
            net = net.saturating_add(sign * t.amount.minor);
            row(&[
                section.into(),
                day.clone(),
                t.terminal.clone(),
                tender(t.tender).into(),
                t.count.to_string(),
                t.amount.to_major_string(),
                code.clone(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }
    let blank = String::new;
    row(&[
        "net".into(),
        day.clone(),
        blank(),
        blank(),
        blank(),
        Money::new(net, z.currency).to_major_string(),
        code.clone(),
        blank(),
        blank(),
        blank(),
    ]);
    for u in &z.unresolved {
        let kind = match u.kind {
            kassa_receipt::AttemptKind::Payment => "unresolved-payment",
            kassa_receipt::AttemptKind::Refund => "unresolved-refund",
        };
        row(&[
            kind.into(),
            day.clone(),
            u.terminal.clone(),
            blank(),
            "1".into(),
            u.amount.to_major_string(),
            u.amount.currency.code().to_string(),
            u.request_id.to_string(),
            u.state.to_string(),
            u.at.to_rfc3339(),
        ]);
    }
    out
}

/// One CSV cell, quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`
/// or `@` of text is prefixed with `'` so a spreadsheet does not run it as a formula.
fn csv_cell(c: &str) -> String {
    let numeric = c.parse::<f64>().is_ok();
    let c = if !numeric && c.starts_with(['=', '+', '-', '@']) {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("Counter 1"), "Counter 1");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(
            csv_cell("-12.50"),
            "-12.50",
            "negative amounts stay numbers"
        );
    }

    fn hours(day: &str, zone: &str) -> i64 {
        let tz: Tz = zone.parse().unwrap();
        let (start, end) = day_bounds(parse_day(day).unwrap(), tz).unwrap();
        (end - start).num_minutes()
    }

    #[test]
    fn a_calendar_day_follows_the_zones_dst_rules() {
        // Europe/Berlin: clocks go forward on 2026-03-29 and back on 2026-10-25.
        assert_eq!(hours("2026-03-29", "Europe/Berlin"), 23 * 60);
        assert_eq!(hours("2026-10-25", "Europe/Berlin"), 25 * 60);
        assert_eq!(hours("2026-10-26", "Europe/Berlin"), 24 * 60);
        // America/Toronto: 2026-03-08 and 2026-11-01.
        assert_eq!(hours("2026-03-08", "America/Toronto"), 23 * 60);
        assert_eq!(hours("2026-11-01", "America/Toronto"), 25 * 60);
        assert_eq!(hours("2026-11-21", "Asia/Seoul"), 24 * 60);
        let (start, end) = day_bounds(
            parse_day("2026-10-25").unwrap(),
            "Europe/Berlin".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(start.to_rfc3339(), "2026-10-25T00:00:00+02:00");
        assert_eq!(end.to_rfc3339(), "2026-10-26T00:00:00+01:00");
    }

    #[test]
    fn a_day_whose_midnight_does_not_exist_starts_after_the_gap() {
        // America/Santiago springs forward at 24:00 → 01:00 (2026-09-06).
        let (start, end) = day_bounds(
            parse_day("2026-09-06").unwrap(),
            "America/Santiago".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(start.to_rfc3339(), "2026-09-06T01:00:00-03:00");
        assert_eq!((end - start).num_hours(), 23);
    }

    #[test]
    fn days_are_written_year_first() {
        assert_eq!(
            parse_day("2026-11-21").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
        );
        assert_eq!(parse_day("21.11.2026").unwrap_err().code(), "usage");
    }
}
