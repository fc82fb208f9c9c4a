//! Layout: a pure function from a [`Receipt`] to the lines a given paper width prints.
//!
//! Nothing here does I/O or reads the clock, so the same model always gives the same lines;
//! the text snapshots under `tests/snapshots/` pin them. All column arithmetic counts display
//! cells ([`crate::text`]): Hangul takes two, Latin one, and no line is wider than
//! [`Paper::columns`]. The PDF and the raster image draw these lines on the same grid.

mod sale;
mod slips;
mod zreport;

use crate::labels::{labels, Labels};
use crate::model::{Document, Receipt, StoreHeader};
use crate::text;
use chrono::{DateTime, FixedOffset};
use kassa_core::Money;
use serde::{Deserialize, Serialize};

/// Paper the document is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Paper {
    /// 58 mm thermal roll: 32 columns (384 dots at 203 dpi).
    #[serde(rename = "58mm")]
    Mm58,
    /// 80 mm thermal roll: 48 columns (576 dots at 203 dpi).
    #[serde(rename = "80mm")]
    Mm80,
    /// A4 sheet (office printer, saved PDF): 80 columns.
    #[serde(rename = "a4")]
    A4,
}

impl Paper {
    /// Character cells per line.
    pub fn columns(self) -> usize {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80 => 48,
            Paper::A4 => 80,
        }
    }

    /// Width of the paper itself, in millimetres.
    pub fn width_mm(self) -> f32 {
        match self {
            Paper::Mm58 => 58.0,
            Paper::Mm80 => 80.0,
            Paper::A4 => 210.0,
        }
    }

    /// Width the text may use, in millimetres (the printable area of a thermal head, or the
    /// sheet less 20 mm margins).
    pub fn printable_mm(self) -> f32 {
        match self {
            Paper::Mm58 => 48.0,
            Paper::Mm80 => 72.0,
            Paper::A4 => 170.0,
        }
    }

    /// Short name for people (`58 mm`).
    pub fn label(self) -> &'static str {
        match self {
            Paper::Mm58 => "58 mm",
            Paper::Mm80 => "80 mm",
            Paper::A4 => "A4",
        }
    }
}

/// A laid-out document: lines of at most `paper.columns()` display cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The paper it was laid out for.
    pub paper: Paper,
    /// The lines, without newlines; an empty string is a blank line.
    pub lines: Vec<String>,
}

impl Layout {
    /// The lines joined with `\n`, ending with one: the snapshot format.
    pub fn to_text(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
}

/// Lays `receipt` out for `paper`.
pub fn layout(receipt: &Receipt, paper: Paper) -> Layout {
    let mut sheet = Sheet {
        cols: paper.columns(),
        lines: Vec::new(),
    };
    let l = labels(receipt.language);
    match &receipt.document {
        Document::Sale(s) => sale::sale(&mut sheet, l, &receipt.store, s),
        Document::Refund(r) => sale::refund(&mut sheet, l, &receipt.store, r),
        Document::KioskWait(w) => slips::kiosk_wait(&mut sheet, l, &receipt.store, w),
        Document::ZReport(z) => zreport::z_report(&mut sheet, l, &receipt.store, z),
        Document::TestPage(t) => slips::test_page(&mut sheet, l, &receipt.store, t, paper),
    }
    Layout {
        paper,
        lines: sheet.lines,
    }
}

/// Lines being built for one width.
#[derive(Debug)]
pub(crate) struct Sheet {
    pub cols: usize,
    pub lines: Vec<String>,
}

impl Sheet {
    /// `s`, wrapped and centred.
    fn center(&mut self, s: &str) {
        for l in text::wrap(s, self.cols) {
            self.lines.push(text::center(&l, self.cols));
        }
    }

    /// `s`, wrapped, flush left.
    fn left(&mut self, s: &str) {
        self.lines.extend(text::wrap(s, self.cols));
    }

    /// `s` flush left with a two-cell indent on every wrapped line.
    fn indented(&mut self, s: &str) {
        for l in text::wrap(s, self.cols.saturating_sub(2)) {
            self.lines.push(format!("  {l}"));
        }
    }

    /// A label and a value, on one line when they fit.
    fn kv(&mut self, label: &str, value: &str) {
        self.lines
            .extend(text::label_value(label, value, self.cols));
    }

    /// A label and an optional value; prints nothing for `None`.
    fn kv_opt(&mut self, label: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.kv(label, v);
        }
    }

    /// A full-width rule.
    fn rule(&mut self, c: char) {
        self.lines.push(text::rule(c, self.cols));
    }

    /// A blank line.
    fn blank(&mut self) {
        self.lines.push(String::new());
    }

    /// The store header, then a double rule.
    fn store_header(&mut self, l: &Labels, store: &StoreHeader) {
        if !store.name.trim().is_empty() {
            self.center(&store.name);
        }
        if !store.address.trim().is_empty() {
            self.center(&store.address);
        }
        if !store.business_number.trim().is_empty() {
            self.center(&format!("{} {}", l.business_no, store.business_number));
        }
        let mut contact = Vec::new();
        if !store.representative.trim().is_empty() {
            contact.push(format!("{} {}", l.representative, store.representative));
        }
        if !store.phone.trim().is_empty() {
            contact.push(format!("{} {}", l.tel, store.phone));
        }
        if !contact.is_empty() {
            let joined = contact.join("  ");
            if text::width(&joined) <= self.cols {
                self.center(&joined);
            } else {
                for c in contact {
                    self.center(&c);
                }
            }
        }
        self.rule('=');
    }
}

/// `YYYY/MM/DD HH:MM`, 24-hour, in the timestamp's own offset.
pub(crate) fn datetime(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y/%m/%d %H:%M").to_string()
}

/// An amount grouped in thousands without the currency code (`12,500`, `13.61`).
pub(crate) fn amount(m: &Money) -> String {
    let d = m.display();
    match d.rsplit_once(' ') {
        Some((num, _code)) => num.to_string(),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kassa_core::Currency;

    #[test]
    fn dates_are_24_hour_with_slashes() {
        let t = DateTime::parse_from_rfc3339("2026-11-21T21:05:09+09:00").unwrap();
        assert_eq!(datetime(&t), "2026/11/21 21:05");
    }

    #[test]
    fn amounts_group_without_the_code() {
        assert_eq!(amount(&Money::new(1_234_567, Currency::KRW)), "1,234,567");
        assert_eq!(amount(&Money::new(-1361, Currency::USD)), "-13.61");
    }
}
