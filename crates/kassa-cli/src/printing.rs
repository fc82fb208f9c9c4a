//! kassactl's receipt, print, report and printer commands, and the printing that follows a
//! sale or refund. Documents are built by the service from the ledger; this module only
//! turns options into calls and files.

use crate::args::{
    CopyArg, LangArg, PrintArgs, PrinterAddArgs, PrinterCmd, PrinterKind, ReceiptArgs, ReportCmd,
    WidthArg,
};
use crate::output::Out;
use crate::EXIT_PRINTER;
use kassa_app::receipts::receipt_pdf;
use kassa_app::reports::{parse_day, z_report_csv};
use kassa_app::{AppError, PrinterConfig, PrinterTarget, Service};
use kassa_ledger::{PrintCopy, PrintJob, PrintJobState};
use kassa_receipt::{Document, Language, Paper};
use std::path::Path;

fn copy(c: CopyArg) -> PrintCopy {
    match c {
        CopyArg::Customer => PrintCopy::Customer,
        CopyArg::Merchant => PrintCopy::Merchant,
    }
}

fn paper(w: WidthArg) -> Paper {
    match w {
        WidthArg::W58 => Paper::Mm58,
        WidthArg::W80 => Paper::Mm80,
        WidthArg::A4 => Paper::A4,
    }
}

fn language(l: Option<LangArg>) -> Option<Language> {
    l.map(|l| match l {
        LangArg::En => Language::En,
        LangArg::Ko => Language::Ko,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    std::fs::write(path, bytes).map_err(|e| {
        AppError::Usage(format!(
            "cannot write {}: {e}. Check that the folder exists and is writable",
            path.display()
        ))
    })
}

/// The exit code for a job: 0 once printed, else 7 (it stays queued).
fn exit_for_job(job: &PrintJob) -> u8 {
    match job.state {
        PrintJobState::Printed => 0,
        PrintJobState::Queued
        | PrintJobState::Printing
        | PrintJobState::Failed
        | PrintJobState::Cancelled => EXIT_PRINTER,
    }
}

/// `kassactl receipt ID --out FILE.pdf`.
pub fn receipt(svc: &Service, a: ReceiptArgs, out: &Out) -> Result<u8, AppError> {
    let receipt = svc.receipt_for(&a.id, copy(a.copy), language(a.lang))?;
    let bytes = receipt_pdf(&receipt, paper(a.width))?;
    write(&a.out, &bytes)?;
    out.value(
        &serde_json::json!({"document": receipt.file_stem(), "out": a.out, "bytes": bytes.len()}),
        &format!("{} written to {}", receipt.file_stem(), a.out.display()),
    );
    Ok(0)
}

/// `kassactl print ID`: queue the document and print it now.
pub async fn print(svc: &Service, a: PrintArgs, actor: &str, out: &Out) -> Result<u8, AppError> {
    let doc = svc.document_for(&a.id, copy(a.copy))?;
    let job = svc.queue_print(doc, a.printer.as_deref(), actor)?;
    let job = svc.print_job_now(job.id).await?;
    out.print_job(&job);
    Ok(exit_for_job(&job))
}

/// `kassactl report z [--date D] --out FILE.pdf [--csv FILE.csv]`.
pub fn report(svc: &Service, cmd: ReportCmd, actor: &str, out: &Out) -> Result<u8, AppError> {
    let ReportCmd::Z(z) = cmd;
    let day = z.date.as_deref().map(parse_day).transpose()?;
    let receipt = svc.z_report_receipt(day, actor, language(z.lang))?;
    let bytes = receipt_pdf(&receipt, paper(z.width))?;
    write(&z.out, &bytes)?;
    let Document::ZReport(report) = &receipt.document else {
        return Err(AppError::Config(
            "the Z report came back as another document".into(),
        ));
    };
    if let Some(csv) = &z.csv {
        write(csv, z_report_csv(report).as_bytes())?;
    }
    let sum = |rows: &[kassa_receipt::ZTotal]| -> (u32, i64) {
        rows.iter()
            .fold((0, 0), |(c, m), t| (c + t.count, m + t.amount.minor))
    };
    let (sales, sales_minor) = sum(&report.sales);
    let (refunds, refunds_minor) = sum(&report.refunds);
    let code = report.currency.code();
    out.value(
        &serde_json::json!({
            "day": report.day.format("%Y-%m-%d").to_string(),
            "out": z.out, "csv": z.csv,
            "sales": {"count": sales, "minor": sales_minor},
            "refunds": {"count": refunds, "minor": refunds_minor},
            "currency": code, "unresolved": report.unresolved.len(),
        }),
        &format!(
            "Z report {}: {sales} sale(s), {refunds} refund(s), {} unresolved ({code}) \
             written to {}{}",
            report.day,
            report.unresolved.len(),
            z.out.display(),
            z.csv
                .as_ref()
                .map(|c| format!(" and {}", c.display()))
                .unwrap_or_default()
        ),
    );
    Ok(0)
}

fn printer_config(a: PrinterAddArgs) -> Result<PrinterConfig, AppError> {
    let need = |v: Option<String>, flag: &str| {
        v.filter(|s| !s.trim().is_empty())
            .ok_or_else(|| AppError::Usage(format!("this kind of printer needs --{flag}")))
    };
    let target = match a.kind {
        PrinterKind::Cups => PrinterTarget::Cups {
            queue: need(a.queue, "queue")?,
            server: a.server.unwrap_or_default(),
            lp: a.lp.unwrap_or_default(),
        },
        PrinterKind::Folder => PrinterTarget::Folder {
            dir: a
                .folder
                .map(|p| std::path::absolute(&p).unwrap_or(p))
                .ok_or_else(|| AppError::Usage("a folder printer needs --folder".into()))?,
        },
        PrinterKind::Escpos => PrinterTarget::Escpos {
            addr: need(a.addr, "addr")?,
        },
    };
    Ok(PrinterConfig {
        name: a.name,
        target,
        paper: paper(a.paper),
        is_default: a.default,
    })
}

/// `kassactl printer add|list|test|remove|retry`.
pub async fn printer(
    svc: &Service,
    cmd: PrinterCmd,
    actor: &str,
    out: &Out,
) -> Result<u8, AppError> {
    match cmd {
        PrinterCmd::Add(a) => {
            let saved = svc.save_printer(printer_config(a)?, actor)?;
            out.value(
                &serde_json::to_value(&saved).unwrap_or_default(),
                &format!(
                    "printer {:?} saved{}",
                    saved.name,
                    if saved.is_default {
                        " as the default"
                    } else {
                        ""
                    }
                ),
            );
            Ok(0)
        }
        PrinterCmd::List => {
            let printers = svc.printers()?;
            let status = svc.printer_status()?;
            let jobs = svc.print_jobs(true)?;
            out.printers(&printers, &status, &jobs);
            Ok(0)
        }
        PrinterCmd::Test { name } => {
            let done = svc.print_test_page(&name).await?;
            out.value(
                &serde_json::to_value(&done).unwrap_or_default(),
                &format!("test page: {}", done.detail),
            );
            Ok(0)
        }
        PrinterCmd::Remove { name } => {
            svc.remove_printer(&name, actor)?;
            out.value(
                &serde_json::json!({"removed": name}),
                &format!("printer {name:?} removed"),
            );
            Ok(0)
        }
        PrinterCmd::Retry { job } => {
            let ids: Vec<i64> = match job {
                Some(id) => vec![id],
                None => svc
                    .print_jobs(true)?
                    .iter()
                    .filter(|j| j.state != PrintJobState::Printing)
                    .map(|j| j.id)
                    .collect(),
            };
            let mut code = 0;
            for id in ids {
                let j = svc.print_job_now(id).await?;
                code = code.max(exit_for_job(&j));
                out.print_job(&j);
            }
            Ok(code)
        }
    }
}

/// Prints what a sale or refund queued, after its outcome was shown. Messages go to standard
/// error, so the command's result stays the last line of standard output, and the exit code
/// stays the payment's: a printer problem never changes a sale's outcome.
pub async fn print_pending(svc: &Service) {
    match svc.print_due().await {
        Ok(jobs) => {
            for j in jobs {
                match j.state {
                    PrintJobState::Printed => eprintln!(
                        "printed: job {} on {:?} ({})",
                        j.id,
                        j.printer,
                        j.detail.as_deref().unwrap_or("")
                    ),
                    _ => eprintln!(
                        "not printed: job {} on {:?}: {} It stays queued: `kassactl printer \
                         retry` prints it once the printer is back.",
                        j.id,
                        j.printer,
                        j.last_error.as_deref().unwrap_or("unknown error")
                    ),
                }
            }
        }
        Err(e) => eprintln!("printing: {e}"),
    }
}
