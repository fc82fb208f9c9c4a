//! End of day: the Z report (sales and refunds since the last close, by terminal and by
//! tender, and every attempt still unresolved) and closing the day, which is refused while any
//! payment or refund is unknown, waiting for a manager or still running. A close is recorded in
//! the `day_close` setting and audited with its figures.
//!
//! A period is bounded by ledger sequence, not by the wall clock: it holds the payments and
//! refunds that reached a final state after the sequence the last close covered, up to the
//! ledger's head when it is read (whenever their sale was, for refunds). A clock set back
//! therefore cannot hide a sale from the next close, and a clock set forward cannot make one
//! count twice. Closing reads the period and writes the close record and its audit entry in
//! one ledger transaction ([`kassa_ledger::Ledger::close_period`]): two closes at once are
//! serialised, and the second finds an empty period.
//!
//! A close recorded before closes carried their sequence (only `closed_at`) ends at the last
//! final move recorded at or before its time; the next close records a sequence.

use crate::accounts::{Operator, Permission};
use crate::error::{AppError, AppResult};
use crate::Service;
use chrono::{DateTime, FixedOffset};
use kassa_core::{AttemptState, Currency, Money};
use kassa_ledger::{Attempt, AttemptKind, PeriodClose, PeriodView, Settled};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Setting that records the last close.
const DAY_CLOSE_KEY: &str = "day_close";
/// How far before a past day refunds are looked for by the printed day report
/// (`reports.rs`); the open period's report finds every refund that ended in it.
pub const REFUND_LOOKBACK_DAYS: i64 = 60;

/// The tender of payments a manager confirmed by hand (no card data came with them).
pub const CONFIRMED_BY_MANAGER: &str = "Confirmed by manager";

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
    /// The last ledger sequence the close covered; absent in closes recorded before.
    #[serde(default)]
    through_seq: Option<i64>,
}

fn parse_time(t: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(t).ok()
}

/// What one snapshot of the ledger says about the open period.
struct Period {
    last: LastClose,
    through_seq: i64,
    settled: Vec<Settled>,
    unresolved: Vec<Attempt>,
}

/// Reads the open period: after the last close's sequence, up to the ledger's head.
fn read_period(v: &PeriodView<'_>) -> kassa_ledger::Result<Period> {
    let last: LastClose = match v.setting(DAY_CLOSE_KEY)? {
        Some(value) => serde_json::from_value(value).unwrap_or_default(),
        None => LastClose::default(),
    };
    let after = match (
        last.through_seq,
        last.closed_at.as_deref().and_then(parse_time),
    ) {
        (Some(seq), _) => seq,
        (None, Some(closed_at)) => v.sequence_at(closed_at)?,
        (None, None) => 0,
    };
    let through_seq = v.head()?;
    Ok(Period {
        settled: v.settled_after(after, through_seq)?,
        unresolved: v.non_final_attempts()?,
        last,
        through_seq,
    })
}

/// The tender a payment counts under: the card brand the terminal reported, "Confirmed by
/// manager" for a payment a manager settled (the ledger records who, as `resolved_by`), else
/// "Card".
fn tender_of(p: &kassa_ledger::Payment) -> String {
    if p.vendor_data.get("resolved_by").is_some() {
        return CONFIRMED_BY_MANAGER.to_string();
    }
    match p.receipt.card_brand.as_deref().map(str::trim) {
        Some(b) if !b.is_empty() => b.to_uppercase(),
        _ => "Card".to_string(),
    }
}

/// The Z report of a period read in one snapshot.
fn build_report(currency: Currency, now: DateTime<FixedOffset>, period: Period) -> ZReport {
    let mut sales = Tally::zero(currency);
    let mut refunds = Tally::zero(currency);
    let mut tax = Money::zero(currency);
    let mut declined = 0u32;
    let mut by_terminal: BTreeMap<String, TerminalTally> = BTreeMap::new();
    let mut by_tender: BTreeMap<String, Tally> = BTreeMap::new();
    fn terminal<'a>(
        rows: &'a mut BTreeMap<String, TerminalTally>,
        name: &str,
        currency: Currency,
    ) -> &'a mut TerminalTally {
        rows.entry(name.to_string())
            .or_insert_with(|| TerminalTally {
                terminal: name.to_string(),
                sales: Tally::zero(currency),
                refunds: Tally::zero(currency),
            })
    }
    for s in &period.settled {
        let a = &s.attempt;
        if a.amount.currency != currency {
            continue;
        }
        match (a.kind, a.state) {
            (AttemptKind::Payment, AttemptState::Succeeded) => {
                let Some(p) = &s.payment else {
                    continue;
                };
                sales.add(p.amount);
                terminal(&mut by_terminal, &p.terminal, currency)
                    .sales
                    .add(p.amount);
                by_tender
                    .entry(tender_of(p))
                    .or_insert_with(|| Tally::zero(currency))
                    .add(p.amount);
                if s.order_tax.currency == currency {
                    tax.minor = tax.minor.saturating_add(s.order_tax.minor);
                }
            }
            (AttemptKind::Refund, AttemptState::Succeeded) => {
                refunds.add(a.amount);
                terminal(&mut by_terminal, &a.terminal, currency)
                    .refunds
                    .add(a.amount);
            }
            (AttemptKind::Payment, AttemptState::Failed | AttemptState::Refused) => {
                declined += 1;
            }
            _ => {}
        }
    }
    let unresolved: Vec<OpenAttempt> = period.unresolved.iter().map(OpenAttempt::from).collect();
    ZReport {
        number: period.last.number + 1,
        from: period.last.closed_at,
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
    }
}

impl Service {
    /// The Z report of the period since the last close, read in one ledger snapshot.
    pub fn z_report(&self) -> AppResult<ZReport> {
        let currency = self.store_settings()?.currency()?;
        let period = self.ledger.period_view(read_period)?;
        Ok(build_report(currency, self.clock.now(), period))
    }

    /// Closes the day (managers only): refused while any attempt is not final; records the
    /// close with the last ledger sequence it covers and audits its figures, in the same
    /// ledger transaction that reads them.
    pub fn close_day(&self, by: &Operator) -> AppResult<ZReport> {
        by.require(Permission::DayClose)?;
        let currency = self.store_settings()?.currency()?;
        let now = self.clock.now();
        let mut report = self.ledger.close_period(|v| -> AppResult<_> {
            let period = read_period(v)?;
            let through_seq = period.through_seq;
            let report = build_report(currency, now, period);
            if !report.unresolved.is_empty() {
                return Err(AppError::Conflict(format!(
                    "the day cannot be closed: {} payment(s) or refund(s) are still unresolved. \
                     Settle them from the Orders screen first",
                    report.unresolved.len()
                )));
            }
            let record = LastClose {
                number: report.number,
                closed_at: Some(report.to.clone()),
                through_seq: Some(through_seq),
            };
            let record = serde_json::to_value(&record)
                .map_err(|e| AppError::Config(format!("the close cannot be saved: {e}")))?;
            let close = PeriodClose {
                key: DAY_CLOSE_KEY.to_string(),
                record,
                actor: by.name().to_string(),
                action: "day_closed".to_string(),
                detail: serde_json::json!({
                    "number": report.number,
                    "from": report.from,
                    "to": report.to,
                    "through_seq": through_seq,
                    "sales_count": report.sales.count,
                    "sales_minor": report.sales.total.minor,
                    "refunds_count": report.refunds.count,
                    "refunds_minor": report.refunds.total.minor,
                    "currency": report.sales.total.currency.code(),
                }),
            };
            Ok((close, report))
        })??;
        let closed_at = report.to.clone();
        self.auto_print_z_report(&closed_at);
        report.closed_at = Some(closed_at);
        report.can_close = false;
        Ok(report)
    }
}
