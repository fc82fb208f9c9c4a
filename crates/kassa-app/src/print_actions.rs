//! What the window's print buttons call, each behind its role check (as [`crate::till`] does
//! for payments): print and reprint from the outcome screen and the order detail (anyone who
//! sells), printer settings and test pages (managers), the Z report's print and export
//! (whoever may close the day).

use crate::accounts::{Operator, Permission};
use crate::error::AppResult;
use crate::printers::{PrintOutcome, PrintSettings, PrinterConfig};
use crate::receipts::receipt_pdf;
use crate::reports::{parse_day, z_report_csv};
use crate::Service;
use kassa_ledger::{PrintCopy, PrintDocument, PrintJob};
use kassa_receipt::{Document, Paper};
use serde::Serialize;

/// A Z report ready to save: the PDF and the CSV, with a file name stem for both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZExport {
    /// `z-report_2026-11-21`.
    pub file_stem: String,
    /// The PDF (A4).
    pub pdf: Vec<u8>,
    /// The figures as CSV.
    pub csv: String,
}

impl Service {
    /// Prints the document `id` names (order, refund, unresolved attempt; see
    /// [`Service::document_for`]) on `printer` or the default one: queued, and printed in the
    /// background. A cashier may print and reprint.
    pub fn print_as(
        &self,
        by: &Operator,
        id: &str,
        copy: PrintCopy,
        printer: Option<&str>,
    ) -> AppResult<PrintJob> {
        by.require(Permission::Sell)?;
        let doc = self.document_for(id, copy)?;
        self.queue_print(doc, printer, by.name())
    }

    /// Retries a job now (the status bar's Retry).
    pub async fn retry_print_as(&self, by: &Operator, job: i64) -> AppResult<PrintJob> {
        by.require(Permission::Sell)?;
        self.print_job_now(job).await
    }

    /// Cancels a job that has not printed.
    pub fn cancel_print_as(&self, by: &Operator, job: i64) -> AppResult<PrintJob> {
        by.require(Permission::Sell)?;
        self.cancel_print_job(job)
    }

    /// Adds or replaces a printer (managers).
    pub fn save_printer_as(&self, by: &Operator, p: PrinterConfig) -> AppResult<PrinterConfig> {
        by.require(Permission::Settings)?;
        self.save_printer(p, by.name())
    }

    /// Removes a printer (managers).
    pub fn remove_printer_as(&self, by: &Operator, name: &str) -> AppResult<()> {
        by.require(Permission::Settings)?;
        self.remove_printer(name, by.name())
    }

    /// Saves what prints by itself and the receipt language (managers).
    pub fn save_print_settings_as(&self, by: &Operator, s: &PrintSettings) -> AppResult<()> {
        by.require(Permission::Settings)?;
        self.save_print_settings(s, by.name())
    }

    /// Prints a printer's test page now (managers, while setting a printer up).
    pub async fn print_test_page_as(&self, by: &Operator, name: &str) -> AppResult<PrintOutcome> {
        by.require(Permission::Settings)?;
        self.print_test_page(name).await
    }

    /// Queues the Z report of a business day (`YYYY-MM-DD`) on `printer` or the default.
    pub fn print_z_report_as(
        &self,
        by: &Operator,
        day: &str,
        printer: Option<&str>,
    ) -> AppResult<PrintJob> {
        by.require(Permission::DayClose)?;
        let day = parse_day(day)?.format("%Y-%m-%d").to_string();
        self.queue_print(PrintDocument::ZReport { day }, printer, by.name())
    }

    /// The Z report as PDF and CSV, of a business day or (`None`) of the open period.
    pub fn export_z_report_as(&self, by: &Operator, day: Option<&str>) -> AppResult<ZExport> {
        by.require(Permission::DayClose)?;
        let day = day.map(parse_day).transpose()?;
        let receipt = self.z_report_receipt(day, by.name(), None)?;
        let csv = match &receipt.document {
            Document::ZReport(z) => z_report_csv(z),
            other => {
                return Err(crate::AppError::Config(format!(
                    "the Z report came back as {other:?}"
                )))
            }
        };
        Ok(ZExport {
            file_stem: receipt.file_stem(),
            pdf: receipt_pdf(&receipt, Paper::A4)?,
            csv,
        })
    }
}
