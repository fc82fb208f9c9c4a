//! The `print_jobs` table: the print queue as ledger rows, so a sale is complete when its
//! payment commits and printing happens afterwards, survives a restart, and leaves a visible
//! trail when the printer fails.
//!
//! A job names a document by reference (order, refund, attempt or business day), never its
//! content: the receipt is built from the ledger again each time it prints. States:
//!
//! ```text
//!   queued ──claim──▶ printing ──printed──▶ printed
//!     ▲                  │ failed, retry later
//!     └──────────────────┤
//!                        │ failed, gave up            retry
//!                        └─────────────────▶ failed ─────────▶ queued
//!   queued / failed ──cancel──▶ cancelled
//! ```
//!
//! A claim is a lease: `printing` with `next_try` at the lease's end. A worker that dies
//! mid-print leaves the job `printing` until the lease runs out, then it is due again (the
//! receipt may print twice, never not at all). A failure never overwrites `printed`.

use crate::codec::Stamp;
use crate::error::{LedgerError, Result};
use crate::ledger::Ledger;
use chrono::DateTime;
use kassa_core::clock::iso_millis;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// First version of `print_jobs` (schema version 3).
pub(crate) const V1: &str = "
CREATE TABLE print_jobs (
    id               INTEGER PRIMARY KEY,
    doc_kind         TEXT NOT NULL CHECK (doc_kind IN ('sale', 'refund', 'kiosk-wait', 'z-report')),
    doc_ref          TEXT NOT NULL CHECK (doc_ref <> ''),
    copy             TEXT CHECK (copy IN ('customer', 'merchant')),
    printer          TEXT NOT NULL CHECK (printer <> ''),
    state            TEXT NOT NULL CHECK (state IN
                         ('queued', 'printing', 'printed', 'failed', 'cancelled')),
    tries            INTEGER NOT NULL DEFAULT 0 CHECK (tries >= 0),
    last_error_code  TEXT,
    last_error       TEXT,
    next_try_at      TEXT,
    next_try_ms      INTEGER,
    detail           TEXT,
    requested_by     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    printed_at       TEXT,
    CHECK ((doc_kind IN ('sale', 'refund')) = (copy IS NOT NULL))
) STRICT;
CREATE INDEX print_jobs_due ON print_jobs (next_try_ms) WHERE state IN ('queued', 'printing');
CREATE INDEX print_jobs_by_doc ON print_jobs (doc_kind, doc_ref, id);
CREATE INDEX print_jobs_open ON print_jobs (id) WHERE state IN ('queued', 'printing', 'failed');
";

/// Which copy of a slip a job prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrintCopy {
    /// The customer's copy.
    Customer,
    /// The copy the store keeps.
    Merchant,
}

impl PrintCopy {
    fn as_str(self) -> &'static str {
        match self {
            PrintCopy::Customer => "customer",
            PrintCopy::Merchant => "merchant",
        }
    }
}

/// The document a job prints, by reference into the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PrintDocument {
    /// The sale receipt of an order.
    Sale {
        /// The order.
        order_id: String,
        /// Which copy.
        copy: PrintCopy,
    },
    /// The slip of a succeeded refund.
    Refund {
        /// The refund attempt's request id.
        refund_id: String,
        /// Which copy.
        copy: PrintCopy,
    },
    /// The kiosk's "please wait for staff" slip of an unresolved payment attempt.
    KioskWait {
        /// The payment attempt's request id.
        attempt_id: String,
    },
    /// The Z report of one business day.
    ZReport {
        /// The day, `YYYY-MM-DD`.
        day: String,
    },
}

impl PrintDocument {
    /// The `(doc_kind, doc_ref, copy)` columns.
    fn columns(&self) -> (&'static str, &str, Option<&'static str>) {
        match self {
            PrintDocument::Sale { order_id, copy } => ("sale", order_id, Some(copy.as_str())),
            PrintDocument::Refund { refund_id, copy } => ("refund", refund_id, Some(copy.as_str())),
            PrintDocument::KioskWait { attempt_id } => ("kiosk-wait", attempt_id, None),
            PrintDocument::ZReport { day } => ("z-report", day, None),
        }
    }

    fn from_columns(kind: &str, reference: String, copy: Option<&str>) -> Result<PrintDocument> {
        let read_copy = |c: Option<&str>| match c {
            Some("customer") => Ok(PrintCopy::Customer),
            Some("merchant") => Ok(PrintCopy::Merchant),
            other => Err(LedgerError::Corrupt(format!("print copy {other:?}"))),
        };
        Ok(match kind {
            "sale" => PrintDocument::Sale {
                order_id: reference,
                copy: read_copy(copy)?,
            },
            "refund" => PrintDocument::Refund {
                refund_id: reference,
                copy: read_copy(copy)?,
            },
            "kiosk-wait" => PrintDocument::KioskWait {
                attempt_id: reference,
            },
            "z-report" => PrintDocument::ZReport { day: reference },
            other => return Err(LedgerError::Corrupt(format!("print document {other:?}"))),
        })
    }
}

/// Where a print job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrintJobState {
    /// Waiting for its first try, or for a retry after a failure (see `next_try_at`).
    Queued,
    /// A worker holds it until `next_try_at`; after that it is due again.
    Printing,
    /// Printed.
    Printed,
    /// Retries gave up; a person must retry or cancel it.
    Failed,
    /// Cancelled by a person; never printed by the queue.
    Cancelled,
}

impl PrintJobState {
    /// The ledger's text form.
    pub fn as_str(self) -> &'static str {
        match self {
            PrintJobState::Queued => "queued",
            PrintJobState::Printing => "printing",
            PrintJobState::Printed => "printed",
            PrintJobState::Failed => "failed",
            PrintJobState::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Result<PrintJobState> {
        Ok(match s {
            "queued" => PrintJobState::Queued,
            "printing" => PrintJobState::Printing,
            "printed" => PrintJobState::Printed,
            "failed" => PrintJobState::Failed,
            "cancelled" => PrintJobState::Cancelled,
            other => return Err(LedgerError::Corrupt(format!("print job state {other:?}"))),
        })
    }
}

/// A job to queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPrintJob {
    /// What to print.
    pub document: PrintDocument,
    /// The printer's name in the printer settings.
    pub printer: String,
    /// Who asked (a login, or `auto` for auto-print).
    pub requested_by: String,
}

/// A print job as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintJob {
    /// Increasing with time.
    pub id: i64,
    /// What it prints.
    pub document: PrintDocument,
    /// The printer's name.
    pub printer: String,
    /// Where it stands.
    pub state: PrintJobState,
    /// How many times printing was tried (claims).
    pub tries: u32,
    /// The last failure's stable code (`printer-unreachable`), until it prints.
    pub last_error_code: Option<String>,
    /// The last failure, as a sentence saying what to do.
    pub last_error: Option<String>,
    /// When it is due (queued) or when the current claim expires (printing).
    pub next_try_at: Option<String>,
    /// What printing did (`saved /x/sale_O1.pdf`), once printed.
    pub detail: Option<String>,
    /// Who asked for it.
    pub requested_by: String,
    /// When it was queued.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When it printed.
    pub printed_at: Option<String>,
}

/// How a claimed job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintResult {
    /// The printer took it; `detail` says what happened.
    Printed {
        /// One sentence from the back-end.
        detail: String,
    },
    /// It failed.
    Failed {
        /// Stable error code.
        code: String,
        /// The error as a sentence.
        message: String,
        /// Try again after this long; `None` gives up (state `failed`).
        retry_in: Option<Duration>,
    },
}

const COLUMNS: &str = "id, doc_kind, doc_ref, copy, printer, state, tries, last_error_code,
    last_error, next_try_at, detail, requested_by, created_at, updated_at, printed_at";

type Raw = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    [Option<String>; 4],
    [String; 3],
    Option<String>,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        [r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
        [r.get(11)?, r.get(12)?, r.get(13)?],
        r.get(14)?,
    ))
}

fn decode(raw: Raw) -> Result<PrintJob> {
    let (id, kind, reference, copy, printer, state, tries, opt, text, printed_at) = raw;
    let [last_error_code, last_error, next_try_at, detail] = opt;
    let [requested_by, created_at, updated_at] = text;
    Ok(PrintJob {
        id,
        document: PrintDocument::from_columns(&kind, reference, copy.as_deref())?,
        printer,
        state: PrintJobState::parse(&state)?,
        tries: u32::try_from(tries).unwrap_or(u32::MAX),
        last_error_code,
        last_error,
        next_try_at,
        detail,
        requested_by,
        created_at,
        updated_at,
        printed_at,
    })
}

fn query(conn: &Connection, filter: &str, args: impl rusqlite::Params) -> Result<Vec<PrintJob>> {
    let sql = format!("SELECT {COLUMNS} FROM print_jobs {filter}");
    let raws = conn
        .prepare_cached(&sql)?
        .query_map(args, raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter().map(decode).collect()
}

fn get(conn: &Connection, id: i64) -> Result<Option<PrintJob>> {
    Ok(query(conn, "WHERE id = ?1", [id])?.into_iter().next())
}

fn require(conn: &Connection, id: i64) -> Result<PrintJob> {
    get(conn, id)?.ok_or_else(|| LedgerError::NotFound {
        what: "print job",
        id: id.to_string(),
    })
}

/// `now + d` as a stamp in `now`'s offset.
fn later(now: &Stamp, d: Duration) -> Stamp {
    let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2);
    let text = DateTime::parse_from_rfc3339(&now.text)
        .ok()
        .and_then(|t| t.checked_add_signed(chrono::Duration::milliseconds(ms)))
        .map_or_else(|| now.text.clone(), |t| iso_millis(&t));
    Stamp {
        text,
        ms: now.ms.saturating_add(ms),
    }
}

/// Moves a claimable job to `printing` for `lease`, counting a try.
fn claim(tx: &Transaction<'_>, now: &Stamp, id: i64, lease: Duration) -> Result<PrintJob> {
    let until = later(now, lease);
    tx.execute(
        "UPDATE print_jobs SET state = 'printing', tries = tries + 1, next_try_at = ?1,
             next_try_ms = ?2, updated_at = ?3
         WHERE id = ?4",
        params![until.text, until.ms, now.text, id],
    )?;
    require(tx, id)
}

impl Ledger {
    /// Queues a job, due at once.
    pub fn enqueue_print(&self, job: &NewPrintJob) -> Result<PrintJob> {
        self.write(|tx, now| {
            let (kind, reference, copy) = job.document.columns();
            tx.execute(
                "INSERT INTO print_jobs (doc_kind, doc_ref, copy, printer, state, next_try_at,
                                         next_try_ms, requested_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?5, ?5)",
                params![
                    kind,
                    reference,
                    copy,
                    job.printer,
                    now.text,
                    now.ms,
                    job.requested_by
                ],
            )?;
            require(tx, tx.last_insert_rowid())
        })
    }

    /// Claims up to `limit` jobs that are due (queued and due, or printing with an expired
    /// lease), oldest due first, each for `lease`.
    pub fn claim_due_prints(&self, limit: usize, lease: Duration) -> Result<Vec<PrintJob>> {
        self.write(|tx, now| {
            let ids: Vec<i64> = tx
                .prepare_cached(
                    "SELECT id FROM print_jobs
                     WHERE state IN ('queued', 'printing') AND next_try_ms <= ?1
                     ORDER BY next_try_ms, id LIMIT ?2",
                )?
                .query_map(params![now.ms, limit as i64], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            ids.into_iter()
                .map(|id| claim(tx, now, id, lease))
                .collect()
        })
    }

    /// Claims one job now, whatever its retry time: a queued or failed job, or a printing
    /// one whose lease ran out. `None` when another worker holds it or it is printed or
    /// cancelled.
    pub fn claim_print(&self, id: i64, lease: Duration) -> Result<Option<PrintJob>> {
        self.write(|tx, now| {
            let job = require(tx, id)?;
            let expired = job.state == PrintJobState::Printing
                && tx.query_row(
                    "SELECT next_try_ms <= ?1 FROM print_jobs WHERE id = ?2",
                    params![now.ms, id],
                    |r| r.get::<_, bool>(0),
                )?;
            match job.state {
                PrintJobState::Queued | PrintJobState::Failed => {
                    claim(tx, now, id, lease).map(Some)
                }
                PrintJobState::Printing if expired => claim(tx, now, id, lease).map(Some),
                PrintJobState::Printing | PrintJobState::Printed | PrintJobState::Cancelled => {
                    Ok(None)
                }
            }
        })
    }

    /// Records how a claimed job ended. A success marks it printed whatever happened
    /// meanwhile; a failure is recorded unless the job printed or was cancelled meanwhile.
    pub fn finish_print(&self, id: i64, result: &PrintResult) -> Result<PrintJob> {
        self.write(|tx, now| {
            let job = require(tx, id)?;
            match result {
                PrintResult::Printed { detail } => {
                    tx.execute(
                        "UPDATE print_jobs SET state = 'printed', detail = ?1, printed_at = ?2,
                             updated_at = ?2, next_try_at = NULL, next_try_ms = NULL,
                             last_error_code = NULL, last_error = NULL
                         WHERE id = ?3",
                        params![detail, now.text, id],
                    )?;
                }
                PrintResult::Failed { .. }
                    if matches!(job.state, PrintJobState::Printed | PrintJobState::Cancelled) => {}
                PrintResult::Failed {
                    code,
                    message,
                    retry_in,
                } => {
                    let (state, next) = match retry_in {
                        Some(d) => ("queued", Some(later(now, *d))),
                        None => ("failed", None),
                    };
                    tx.execute(
                        "UPDATE print_jobs SET state = ?1, last_error_code = ?2, last_error = ?3,
                             next_try_at = ?4, next_try_ms = ?5, updated_at = ?6
                         WHERE id = ?7",
                        params![
                            state,
                            code,
                            message,
                            next.as_ref().map(|s| &s.text),
                            next.as_ref().map(|s| s.ms),
                            now.text,
                            id
                        ],
                    )?;
                }
            }
            require(tx, id)
        })
    }

    /// Makes a queued or failed job due now (a person pressed Retry). Other states are
    /// returned unchanged.
    pub fn retry_print(&self, id: i64) -> Result<PrintJob> {
        self.write(|tx, now| {
            tx.execute(
                "UPDATE print_jobs SET state = 'queued', next_try_at = ?1, next_try_ms = ?2,
                     updated_at = ?1
                 WHERE id = ?3 AND state IN ('queued', 'failed')",
                params![now.text, now.ms, id],
            )?;
            require(tx, id)
        })
    }

    /// Cancels a job that has not printed; a printed job is returned unchanged.
    pub fn cancel_print(&self, id: i64) -> Result<PrintJob> {
        self.write(|tx, now| {
            tx.execute(
                "UPDATE print_jobs SET state = 'cancelled', next_try_at = NULL,
                     next_try_ms = NULL, updated_at = ?1
                 WHERE id = ?2 AND state IN ('queued', 'printing', 'failed')",
                params![now.text, id],
            )?;
            require(tx, id)
        })
    }

    /// One job.
    pub fn print_job(&self, id: i64) -> Result<Option<PrintJob>> {
        self.read(|c| get(c, id))
    }

    /// Jobs not yet printed or cancelled (queued, printing, failed), oldest first.
    pub fn open_prints(&self) -> Result<Vec<PrintJob>> {
        self.read(|c| {
            query(
                c,
                "WHERE state IN ('queued', 'printing', 'failed') ORDER BY id",
                [],
            )
        })
    }

    /// Every job of one document, oldest first.
    pub fn prints_of(&self, document: &PrintDocument) -> Result<Vec<PrintJob>> {
        let (kind, reference, copy) = document.columns();
        self.read(|c| {
            query(
                c,
                "WHERE doc_kind = ?1 AND doc_ref = ?2 AND copy IS ?3 ORDER BY id",
                params![kind, reference, copy],
            )
        })
    }

    /// The most recent jobs, newest first (for a printer's history).
    pub fn recent_prints(&self, limit: usize) -> Result<Vec<PrintJob>> {
        self.read(|c| query(c, "ORDER BY id DESC LIMIT ?1", [limit as i64]))
    }

    /// When the next queued job falls due, or a claim runs out (RFC 3339); `None` when
    /// nothing waits.
    pub fn next_print_due(&self) -> Result<Option<String>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT next_try_at FROM print_jobs WHERE state IN ('queued', 'printing')
                 ORDER BY next_try_ms LIMIT 1",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
        })
    }
}

#[cfg(test)]
#[path = "print_jobs_tests.rs"]
mod tests;
