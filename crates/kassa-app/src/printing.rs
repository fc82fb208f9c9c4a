//! The print queue: jobs are ledger rows ([`kassa_ledger::PrintJob`]) queued after the
//! payment or refund has committed, printed in the background, retried with backoff on the
//! [`kassa_core::Clock`] when the printer fails, and reprinted on request. A sale is complete
//! when its payment is: nothing here can fail or delay it.
//!
//! Every failure is recorded on its job (tries, last error, next try), and
//! [`Service::printer_status`] turns the queue into one line for the window's status bar that
//! says what to do.

use crate::error::{AppError, AppResult};
use crate::printers::{print_failed, run_blocking};
use crate::Service;
use kassa_core::AttemptState;
use kassa_ledger::{
    Attempt, AttemptKind, NewPrintJob, PrintCopy, PrintDocument, PrintJob, PrintJobState,
    PrintResult,
};
use serde::Serialize;
use std::future::Future;
use std::time::Duration;

/// How long a worker holds a job it is printing; longer than any back-end's own time limit
/// (`lp` 30 s, a network printer's connect and write timeouts), after which a job whose
/// worker died is due again.
pub const LEASE: Duration = Duration::from_secs(120);
/// The wait after a job's first failure; it doubles with each further failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(5);
/// The longest wait between tries.
pub const MAX_RETRY: Duration = Duration::from_secs(300);
/// After this many tries the queue gives up and the job waits for a person (retry, cancel
/// or reprint); with the waits above that is about half an hour of trying.
pub const MAX_TRIES: u32 = 12;
/// How long the background worker waits at most before looking at the queue again.
const IDLE_WAIT: Duration = Duration::from_secs(30);
/// Jobs claimed at once.
const BATCH: usize = 8;

/// The wait before the next try after `tries` failed tries, or `None` to give up.
pub fn backoff(tries: u32) -> Option<Duration> {
    if tries >= MAX_TRIES {
        return None;
    }
    let doublings = tries.saturating_sub(1).min(16);
    Some(FIRST_RETRY.saturating_mul(1 << doublings).min(MAX_RETRY))
}

/// Where printing stands, for the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrinterHealth {
    /// No printer is set up; nothing prints.
    NotConfigured,
    /// Nothing is waiting, or what waits has not failed.
    Ready,
    /// A job failed and will be retried, or the queue gave up on one.
    Failing,
}

/// The print queue in one line: what the status bar shows, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrinterStatus {
    /// The overall state.
    pub health: PrinterHealth,
    /// The default printer, if one is set up.
    pub printer: Option<String>,
    /// Jobs waiting (queued or printing).
    pub waiting: u32,
    /// Jobs the queue gave up on.
    pub failed: u32,
    /// The most recent failure's code (`printer-unreachable`), while it is unresolved.
    pub error_code: Option<String>,
    /// One sentence: what is wrong and what to do, or that all is well.
    pub message: String,
    /// The jobs not yet printed (queued, printing, failed), oldest first: what a person may
    /// retry now or cancel.
    pub jobs: Vec<PrintJob>,
}

impl Service {
    /// Queues `document` on `printer` (the default when `None`) and wakes the background
    /// worker. The document is built once first, so a request that cannot print (an order
    /// without a payment) is refused now rather than failing in the queue.
    pub fn queue_print(
        &self,
        document: PrintDocument,
        printer: Option<&str>,
        requested_by: &str,
    ) -> AppResult<PrintJob> {
        let printer = self.printer(printer)?;
        self.document_receipt(&document)?;
        let job = self.ledger.enqueue_print(&NewPrintJob {
            document,
            printer: printer.name,
            requested_by: requested_by.to_string(),
        })?;
        tracing::info!(job = job.id, printer = %job.printer, "print job queued");
        self.print_wake.notify_one();
        Ok(job)
    }

    /// Queues the sale receipt of a paid order again (reprint from the order screen).
    pub fn reprint(
        &self,
        order_id: &str,
        copy: PrintCopy,
        printer: Option<&str>,
        requested_by: &str,
    ) -> AppResult<PrintJob> {
        let doc = PrintDocument::Sale {
            order_id: order_id.to_string(),
            copy,
        };
        self.queue_print(doc, printer, requested_by)
    }

    /// Queues what auto-print asks for after an attempt ended: the receipt(s) of an approved
    /// payment, the slip of a succeeded refund. Never fails: the payment is complete whatever
    /// happens here, so a problem is only logged (and shows on the status bar once a job
    /// fails).
    pub(crate) fn auto_print_after(&self, a: &Attempt) {
        if a.state != AttemptState::Succeeded {
            return;
        }
        let auto = match self.print_settings() {
            Ok(s) => s.auto_print,
            Err(e) => {
                tracing::warn!(error = %e, "auto-print skipped: print settings unreadable");
                return;
            }
        };
        let docs: Vec<PrintDocument> = match a.kind {
            AttemptKind::Payment => [
                (auto.sale_customer, PrintCopy::Customer),
                (auto.sale_merchant, PrintCopy::Merchant),
            ]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, copy)| PrintDocument::Sale {
                order_id: a.order_id.clone(),
                copy,
            })
            .collect(),
            AttemptKind::Refund if auto.refund => vec![PrintDocument::Refund {
                refund_id: a.request_id.clone(),
                copy: PrintCopy::Customer,
            }],
            AttemptKind::Refund => Vec::new(),
        };
        self.auto_queue(docs);
    }

    /// Queues the kiosk's wait slip for an attempt whose outcome is open, when auto-print
    /// asks for it. Never fails (see [`Service::auto_print_after`]).
    pub fn auto_print_kiosk_wait(&self, attempt_id: &str) {
        match self.print_settings() {
            Ok(s) if s.auto_print.kiosk_wait => self.auto_queue(vec![PrintDocument::KioskWait {
                attempt_id: attempt_id.to_string(),
            }]),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "auto-print skipped: print settings unreadable"),
        }
    }

    /// Queues the Z report of the business day a close ended (`closed_at`, RFC 3339) when
    /// auto-print asks for it. Never fails (see [`Service::auto_print_after`]).
    pub(crate) fn auto_print_z_report(&self, closed_at: &str) {
        let day = match crate::receipts::ledger_time(closed_at) {
            Ok(t) => t.date_naive().format("%Y-%m-%d").to_string(),
            Err(e) => {
                return tracing::warn!(error = %e, "auto-print skipped: close time unreadable")
            }
        };
        match self.print_settings() {
            Ok(s) if s.auto_print.z_report => self.auto_queue(vec![PrintDocument::ZReport { day }]),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "auto-print skipped: print settings unreadable"),
        }
    }

    fn auto_queue(&self, docs: Vec<PrintDocument>) {
        if docs.is_empty() {
            return;
        }
        match self.printers() {
            Ok(list) if list.iter().any(|p| p.is_default) => {}
            Ok(_) => return, // no printer set up: auto-print has nowhere to go
            Err(e) => {
                tracing::warn!(error = %e, "auto-print skipped: printers unreadable");
                return;
            }
        }
        for doc in docs {
            if let Err(e) = self.queue_print(doc, None, "auto") {
                tracing::warn!(error = %e, "auto-print could not queue a document");
            }
        }
    }

    /// Prints every job that is due, one after another, and returns each as it ended. A job
    /// that fails is queued again after [`backoff`] or, after [`MAX_TRIES`], left `failed`.
    pub async fn print_due(&self) -> AppResult<Vec<PrintJob>> {
        let mut done = Vec::new();
        // Bounded: a pass only re-claims jobs that became due while it ran.
        for _ in 0..64 {
            let claimed = self.ledger.claim_due_prints(BATCH, LEASE)?;
            if claimed.is_empty() {
                break;
            }
            for job in claimed {
                done.push(self.print_claimed(job).await?);
            }
        }
        Ok(done)
    }

    /// Prints one job now, whatever its retry time (a person pressed Print or Retry).
    pub async fn print_job_now(&self, id: i64) -> AppResult<PrintJob> {
        match self.ledger.claim_print(id, LEASE)? {
            Some(job) => self.print_claimed(job).await,
            None => {
                let job = self
                    .ledger
                    .print_job(id)?
                    .ok_or_else(|| AppError::NotFound(format!("no print job {id}")))?;
                match job.state {
                    PrintJobState::Printed => Ok(job),
                    PrintJobState::Printing => Err(AppError::Conflict(format!(
                        "print job {id} is printing right now: wait for it"
                    ))),
                    PrintJobState::Cancelled => Err(AppError::Conflict(format!(
                        "print job {id} was cancelled: reprint the document instead"
                    ))),
                    PrintJobState::Queued | PrintJobState::Failed => Err(AppError::Conflict(
                        format!("print job {id} could not be taken: try again"),
                    )),
                }
            }
        }
    }

    /// Prints a job this process has claimed and records how it ended.
    async fn print_claimed(&self, job: PrintJob) -> AppResult<PrintJob> {
        let prepared = self.printer(Some(&job.printer)).and_then(|cfg| {
            let receipt = self.document_receipt(&job.document)?;
            Ok((cfg.build()?, receipt))
        });
        let result = match prepared {
            Err(e) => {
                // The printer was removed or the document cannot be built: trying again
                // only helps once someone fixes the settings, so keep backing off.
                PrintResult::Failed {
                    code: e.code().to_string(),
                    message: e.to_string(),
                    retry_in: backoff(job.tries),
                }
            }
            Ok((printer, receipt)) => match run_blocking(move || printer.print(&receipt)).await? {
                Ok(printed) => PrintResult::Printed {
                    detail: printed.detail,
                },
                Err(e) => {
                    let err = print_failed(&job.printer, &e);
                    PrintResult::Failed {
                        code: err.code().to_string(),
                        message: err.to_string(),
                        retry_in: backoff(job.tries),
                    }
                }
            },
        };
        match &result {
            PrintResult::Printed { detail } => {
                tracing::info!(job = job.id, %detail, "print job printed");
            }
            PrintResult::Failed { code, retry_in, .. } => {
                tracing::warn!(job = job.id, code = %code, tries = job.tries,
                    retry_in_secs = retry_in.map(|d| d.as_secs()), "print job failed");
            }
        }
        Ok(self.ledger.finish_print(job.id, &result)?)
    }

    /// Makes a queued or failed job due now and wakes the worker.
    pub fn retry_print_job(&self, id: i64) -> AppResult<PrintJob> {
        let job = self.ledger.retry_print(id)?;
        self.print_wake.notify_one();
        Ok(job)
    }

    /// Cancels a job that has not printed.
    pub fn cancel_print_job(&self, id: i64) -> AppResult<PrintJob> {
        Ok(self.ledger.cancel_print(id)?)
    }

    /// Jobs not yet printed (`open`), or the 50 most recent.
    pub fn print_jobs(&self, open: bool) -> AppResult<Vec<PrintJob>> {
        Ok(if open {
            self.ledger.open_prints()?
        } else {
            self.ledger.recent_prints(50)?
        })
    }

    /// The print queue in one line for the status bar, with what to do.
    pub fn printer_status(&self) -> AppResult<PrinterStatus> {
        let printer = self.printers()?.into_iter().find(|p| p.is_default);
        let open = self.ledger.open_prints()?;
        let count = |s: PrintJobState| open.iter().filter(|j| j.state == s).count() as u32;
        let waiting = count(PrintJobState::Queued) + count(PrintJobState::Printing);
        let failed = count(PrintJobState::Failed);
        let last = open
            .iter()
            .filter(|j| j.last_error.is_some())
            .max_by(|a, b| a.updated_at.cmp(&b.updated_at));
        let (health, message) = match (&printer, last) {
            (None, _) if open.is_empty() => (
                PrinterHealth::NotConfigured,
                "No printer is set up: receipts are not printed. Add one in Settings → Printers."
                    .to_string(),
            ),
            (_, Some(job)) => {
                let what = job.last_error.clone().unwrap_or_default();
                let next = match (job.state, &job.next_try_at) {
                    (PrintJobState::Failed, _) => format!(
                        " Printing gave up after {} tries: fix the printer, then press Retry \
                         in Settings → Printers (or reprint from the order).",
                        job.tries
                    ),
                    (_, Some(at)) => format!(
                        " Kassa tries again by itself (next at {}); sales are not affected.",
                        at.get(11..19).unwrap_or(at)
                    ),
                    (_, None) => String::new(),
                };
                (
                    PrinterHealth::Failing,
                    format!("{waiting} receipt(s) waiting, {failed} failed. {what}.{next}"),
                )
            }
            (Some(p), None) => (
                PrinterHealth::Ready,
                if waiting == 0 {
                    format!("Printer {:?} ready.", p.name)
                } else {
                    format!("Printing {waiting} receipt(s) on {:?}.", p.name)
                },
            ),
            (None, None) => (
                PrinterHealth::NotConfigured,
                format!(
                    "{waiting} receipt(s) wait for a printer that is no longer set up: add it \
                     again in Settings → Printers, or cancel them."
                ),
            ),
        };
        let error_code = last.and_then(|j| j.last_error_code.clone());
        Ok(PrinterStatus {
            health,
            printer: printer.map(|p| p.name),
            waiting,
            failed,
            error_code,
            message,
            jobs: open,
        })
    }

    /// The background printer: prints what is due, then waits until the next job falls due,
    /// a new job is queued, or `stop` completes. `on_job` sees every job as it ends (the
    /// window refreshes its status bar from it). A ledger error is logged and retried after
    /// a pause rather than ending the worker.
    pub async fn run_print_queue<F: Fn(&PrintJob)>(
        &self,
        stop: impl Future<Output = ()>,
        on_job: F,
    ) {
        tokio::pin!(stop);
        loop {
            match self.print_due().await {
                Ok(jobs) => jobs.iter().for_each(&on_job),
                Err(e) => tracing::warn!(error = %e, "print queue pass failed"),
            }
            let wait = self.until_next_print().unwrap_or(IDLE_WAIT);
            tokio::select! {
                () = &mut stop => return,
                () = self.print_wake.notified() => {}
                () = self.clock.sleep(wait) => {}
            }
        }
    }

    /// Time until the next job falls due, at most [`IDLE_WAIT`].
    fn until_next_print(&self) -> Option<Duration> {
        let due = self.ledger.next_print_due().ok()??;
        let due = crate::receipts::ledger_time(&due).ok()?;
        let left = (due - self.clock.now()).to_std().unwrap_or(Duration::ZERO);
        Some(left.min(IDLE_WAIT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_five_minutes_then_gives_up() {
        assert_eq!(backoff(1), Some(Duration::from_secs(5)));
        assert_eq!(backoff(2), Some(Duration::from_secs(10)));
        assert_eq!(backoff(4), Some(Duration::from_secs(40)));
        assert_eq!(backoff(7), Some(Duration::from_secs(300)), "capped");
        assert_eq!(backoff(MAX_TRIES - 1), Some(MAX_RETRY));
        assert_eq!(backoff(MAX_TRIES), None);
    }
}
