//! End of day: the Z report (sales and refunds since the last close, by terminal and by
//! tender, and every attempt still unresolved) and closing the day, which is refused while any
//! payment or refund is unknown, waiting for a manager or still running. A close is recorded in
//! the `day_close` setting and audited with its figures.
//!
//! Sales count payments approved since the last close; refunds count refunds that succeeded
//! since then, whenever their sale was. Both are read with
//! [`kassa_ledger::Ledger::settled_between`] (through an index on when attempts ended), so a
//! report reads one period's attempts, not every recent order.

use crate::accounts::{Operator, Permission};
use crate::error::{AppError, AppResult};
use crate::Service;
use chrono::{DateTime, FixedOffset};
use kassa_core::{AttemptState, Currency, Money};
use kassa_ledger::{Attempt, AttemptKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Setting that records the last close.
const DAY_CLOSE_KEY: &str = "day_close";
/// How far before a past day refunds are looked for by the printed day report
/// (`reports.rs`); the open period's report finds every refund that ended in it.
pub const REFUND_LOOKBACK_DAYS: i64 = 60;

/// A count and a sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Tally {
    /// How many.
    pub count: u32,
    /// Their sum.
    pub total: Money,
}

impl Tally {
    fn zero(c: Currency) -> Tally {
        Tally {
            count: 0,
            total: Money::zero(c),
        }
    }
    fn add(&mut self, m: Money) {
        self.count += 1;
        self.total.minor = self.total.minor.saturating_add(m.minor);
    }
}

/// One terminal's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TerminalTally {
    /// Terminal name.
    pub terminal: String,
    /// Approved payments.
    pub sales: Tally,
    /// Succeeded refunds.
    pub refunds: Tally,
}

/// One tender's figures (card brand as the terminal reported it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TenderTally {
    /// `VISA`, `BC`, `Card`, or `Confirmed by manager`.
    pub tender: String,
    /// Approved payments.
    pub sales: Tally,
}

/// An attempt that keeps the day open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OpenAttempt {
    /// Its request id.
    pub request_id: String,
    /// Its order.
    pub order_id: String,
    /// `payment` or `refund`.
    pub kind: String,
    /// Terminal.
    pub terminal: String,
    /// Amount.
    pub amount: Money,
    /// `unknown`, `needs-manager`, or still running.
    pub state: AttemptState,
    /// When it was recorded.
    pub created_at: String,
}

impl From<&Attempt> for OpenAttempt {
    fn from(a: &Attempt) -> OpenAttempt {
        OpenAttempt {
            request_id: a.request_id.clone(),
            order_id: a.order_id.clone(),
            kind: a.kind.as_str().to_string(),
            terminal: a.terminal.clone(),
            amount: a.amount,
            state: a.state,
            created_at: a.created_at.clone(),
        }
    }
}

/// The Z report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ZReport {
    /// This close's number (the last one's plus one).
    pub number: u32,
    /// Start of the period: the last close, or `None` for the first day.
    pub from: Option<String>,
    /// End of the period: now.
    pub to: String,
    /// Approved payments.
    pub sales: Tally,
    /// Succeeded refunds.
    pub refunds: Tally,
    /// Sales minus refunds.
    pub net: Money,
    /// Tax contained in the sold orders.
    pub tax: Money,
    /// Failed or refused payment attempts (for information).
    pub declined: u32,
    /// Figures per terminal.
    pub by_terminal: Vec<TerminalTally>,
    /// Figures per tender.
    pub by_tender: Vec<TenderTally>,
    /// Attempts not yet final; the day cannot close while there are any.
    pub unresolved: Vec<OpenAttempt>,
    /// Whether [`Service::close_day`] would succeed now.
    pub can_close: bool,
    /// When the report was closed, once it is.
    pub closed_at: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct LastClose {
    number: u32,
    closed_at: Option<String>,
}

fn parse_time(t: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(t).ok()
}

impl Service {
    fn last_close(&self) -> AppResult<LastClose> {
        Ok(match self.ledger.setting(DAY_CLOSE_KEY)? {
            Some(v) => serde_json::from_value(v).unwrap_or_default(),
            None => LastClose::default(),
        })
    }

    /// The Z report of the period since the last close.
    pub fn z_report(&self) -> AppResult<ZReport> {
        let currency = self.store_settings()?.currency()?;
        let last = self.last_close()?;
        let now = self.clock.now();
        let start = last.closed_at.as_deref().and_then(parse_time);
        let in_period = |t: Option<&str>| -> bool {
            match (t.and_then(parse_time), start) {
                (Some(t), Some(s)) => t > s && t <= now,
                (Some(t), None) => t <= now,
                (None, _) => false,
            }
        };
        let settled = self.ledger.settled_between(start, now)?;

        let mut sales = Tally::zero(currency);
        let mut refunds = Tally::zero(currency);
        let mut tax = Money::zero(currency);
        let mut declined = 0u32;
        let mut by_terminal: BTreeMap<String, TerminalTally> = BTreeMap::new();
        let mut by_tender: BTreeMap<String, Tally> = BTreeMap::new();
        let terminal_entry = |m: &mut BTreeMap<String, TerminalTally>, name: &str| {
            m.entry(name.to_string())
                .or_insert_with(|| TerminalTally {
                    terminal: name.to_string(),
                    sales: Tally::zero(currency),
                    refunds: Tally::zero(currency),
                })
                .clone()
        };
        for s in &settled {
            let a = &s.attempt;
            if a.amount.currency != currency {
                continue;
            }
            match (a.kind, a.state) {
                (AttemptKind::Payment, AttemptState::Succeeded) => {
                    let Some(p) = &s.payment else {
                        continue;
                    };
                    if !in_period(Some(&p.paid_at)) {
                        continue;
                    }
                    sales.add(p.amount);
                    let mut t = terminal_entry(&mut by_terminal, &p.terminal);
                    t.sales.add(p.amount);
                    by_terminal.insert(p.terminal.clone(), t);
                    let tender = match p.receipt.card_brand.as_deref().map(str::trim) {
                        Some(b) if !b.is_empty() => b.to_uppercase(),
                        _ if p.vendor_data.get("confirmed_by").is_some() => {
                            "Confirmed by manager".to_string()
                        }
                        _ => "Card".to_string(),
                    };
                    by_tender
                        .entry(tender)
                        .or_insert_with(|| Tally::zero(currency))
                        .add(p.amount);
                    if s.order_tax.currency == currency {
                        tax.minor = tax.minor.saturating_add(s.order_tax.minor);
                    }
                }
                (AttemptKind::Refund, AttemptState::Succeeded) => {
                    if !in_period(Some(&a.updated_at)) {
                        continue;
                    }
                    refunds.add(a.amount);
                    let mut t = terminal_entry(&mut by_terminal, &a.terminal);
                    t.refunds.add(a.amount);
                    by_terminal.insert(a.terminal.clone(), t);
                }
                (AttemptKind::Payment, AttemptState::Failed | AttemptState::Refused)
                    if in_period(Some(&a.updated_at)) =>
                {
                    declined += 1;
                }
                _ => {}
            }
        }
        let unresolved: Vec<OpenAttempt> = self
            .ledger
            .non_final_attempts()?
            .iter()
            .map(OpenAttempt::from)
            .collect();
        Ok(ZReport {
            number: last.number + 1,
            from: last.closed_at,
            to: now.to_rfc3339(),
            net: Money::new(
                sales.total.minor.saturating_sub(refunds.total.minor),
                currency,
            ),
            sales,
            refunds,
            tax,
            declined,
            by_terminal: by_terminal.into_values().collect(),
            by_tender: by_tender
                .into_iter()
                .map(|(tender, sales)| TenderTally { tender, sales })
                .collect(),
            can_close: unresolved.is_empty(),
            unresolved,
            closed_at: None,
        })
    }

    /// Closes the day (managers only): refused while any attempt is not final; records the
    /// close and audits its figures.
    pub fn close_day(&self, by: &Operator) -> AppResult<ZReport> {
        by.require(Permission::DayClose)?;
        let mut report = self.z_report()?;
        if !report.unresolved.is_empty() {
            return Err(AppError::Conflict(format!(
                "the day cannot be closed: {} payment(s) or refund(s) are still unresolved. \
                 Settle them from the Orders screen first",
                report.unresolved.len()
            )));
        }
        let closed_at = report.to.clone();
        let record = LastClose {
            number: report.number,
            closed_at: Some(closed_at.clone()),
        };
        let v = serde_json::to_value(&record)
            .map_err(|e| AppError::Config(format!("the close cannot be saved: {e}")))?;
        self.ledger.set_setting(DAY_CLOSE_KEY, &v)?;
        self.ledger.audit(
            by.name(),
            "day_closed",
            &serde_json::json!({
                "number": report.number,
                "from": report.from,
                "to": report.to,
                "sales_count": report.sales.count,
                "sales_minor": report.sales.total.minor,
                "refunds_count": report.refunds.count,
                "refunds_minor": report.refunds.total.minor,
                "currency": report.sales.total.currency.code(),
            }),
        )?;
        self.auto_print_z_report(&closed_at);
        report.closed_at = Some(closed_at);
        report.can_close = false;
        Ok(report)
    }
}
