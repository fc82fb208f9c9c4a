//! Printer set-up: the printers this till prints on and what prints by itself, kept as
//! settings (`printers`, `printing`; addresses and queue names only, never a secret), the
//! back-end each one builds, and its test page.

use crate::error::{AppError, AppResult};
use crate::Service;
use kassa_receipt::{
    CupsPrinter, EscPosPrinter, FolderPrinter, Language, Paper, PrintError, Printer,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// Setting that lists the printers.
const PRINTERS_KEY: &str = "printers";
/// Setting that holds the auto-print choices and the receipt language.
const PRINTING_KEY: &str = "printing";

/// Where a printer's documents go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PrinterTarget {
    /// The operating system's print system: `lp [-h server] -d queue`.
    Cups {
        /// The CUPS queue (`lpstat -p` lists them).
        queue: String,
        /// Another scheduler than the system's (`host:port` or a socket path); empty for the
        /// default.
        #[serde(default)]
        server: String,
        /// The `lp` program; empty for `lp` on `PATH`.
        #[serde(default)]
        lp: String,
    },
    /// Saves each document as a PDF in a folder.
    Folder {
        /// The folder (must exist).
        dir: PathBuf,
    },
    /// A network thermal printer speaking ESC/POS (raw TCP, port 9100 by default).
    Escpos {
        /// `host` or `host:port`.
        addr: String,
    },
}

/// One printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterConfig {
    /// The name people and print jobs use; unique.
    pub name: String,
    /// Where documents go.
    pub target: PrinterTarget,
    /// The paper it holds; documents are laid out for it.
    pub paper: Paper,
    /// Whether documents print here when no printer is named.
    #[serde(default)]
    pub is_default: bool,
}

impl PrinterConfig {
    /// The back-end for this printer; fails only on settings it cannot use (a thermal
    /// printer on A4).
    pub fn build(&self) -> AppResult<Arc<dyn Printer>> {
        let cfg_err = |e: PrintError| {
            AppError::Config(format!("printer {:?} cannot be used: {e}", self.name))
        };
        Ok(match &self.target {
            PrinterTarget::Cups { queue, server, lp } => {
                let lp = if lp.trim().is_empty() {
                    "lp"
                } else {
                    lp.trim()
                };
                Arc::new(
                    CupsPrinter::new(lp, queue, self.paper)
                        .map_err(cfg_err)?
                        .with_server(server),
                )
            }
            PrinterTarget::Folder { dir } => {
                Arc::new(FolderPrinter::new(dir, self.paper).map_err(cfg_err)?)
            }
            PrinterTarget::Escpos { addr } => {
                Arc::new(EscPosPrinter::new(addr, self.paper).map_err(cfg_err)?)
            }
        })
    }

    /// Refuses settings that cannot work, saying which to fix.
    fn validate(&self) -> AppResult<()> {
        if self.name.trim().is_empty() {
            return Err(AppError::Usage("give the printer a name".into()));
        }
        match &self.target {
            PrinterTarget::Cups { queue, .. } if queue.trim().is_empty() => Err(AppError::Usage(
                "name the CUPS queue (`lpstat -p` lists them)".into(),
            )),
            PrinterTarget::Folder { dir } if dir.as_os_str().is_empty() => {
                Err(AppError::Usage("choose a folder for the PDF files".into()))
            }
            PrinterTarget::Escpos { addr } if addr.trim().is_empty() => Err(AppError::Usage(
                "give the printer's IP address (its self-test page shows it)".into(),
            )),
            PrinterTarget::Cups { .. } | PrinterTarget::Folder { .. } => Ok(()),
            PrinterTarget::Escpos { .. } if self.paper == Paper::A4 => Err(AppError::Usage(
                "a thermal printer takes 58 mm or 80 mm paper, not A4".into(),
            )),
            PrinterTarget::Escpos { .. } => Ok(()),
        }
    }
}

/// Which documents print by themselves when they come about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoPrint {
    /// The customer's receipt after an approved payment.
    pub sale_customer: bool,
    /// The store's copy after an approved payment.
    pub sale_merchant: bool,
    /// The customer's slip after a refund.
    pub refund: bool,
    /// The kiosk's wait slip when a kiosk payment's outcome is unknown.
    pub kiosk_wait: bool,
    /// The Z report when the day is closed.
    pub z_report: bool,
}

impl Default for AutoPrint {
    fn default() -> Self {
        AutoPrint {
            sale_customer: true,
            sale_merchant: false,
            refund: true,
            kiosk_wait: true,
            z_report: false,
        }
    }
}

/// The print settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintSettings {
    /// What prints by itself (on the default printer).
    #[serde(default)]
    pub auto_print: AutoPrint,
    /// Label language; `None` = Korean for a KRW store, else English.
    #[serde(default)]
    pub language: Option<Language>,
}

/// What a direct print (a test page) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintOutcome {
    /// The printer.
    pub printer: String,
    /// How it describes itself.
    pub describe: String,
    /// What happened, in one sentence.
    pub detail: String,
    /// The file written, for a folder printer.
    pub file: Option<PathBuf>,
}

impl Service {
    /// The configured printers, the default first.
    pub fn printers(&self) -> AppResult<Vec<PrinterConfig>> {
        let mut list: Vec<PrinterConfig> = match self.ledger.setting(PRINTERS_KEY)? {
            Some(v) => serde_json::from_value(v).map_err(|e| {
                AppError::Config(format!(
                    "the saved printers cannot be read ({e}): add them again in Settings"
                ))
            })?,
            None => Vec::new(),
        };
        list.sort_by_key(|p| !p.is_default);
        Ok(list)
    }

    /// The printer called `name`, or the default one when `name` is `None`.
    pub fn printer(&self, name: Option<&str>) -> AppResult<PrinterConfig> {
        let list = self.printers()?;
        match name {
            Some(n) => list.into_iter().find(|p| p.name == n).ok_or_else(|| {
                AppError::NotFound(format!(
                    "no printer named {n:?}: list them with `kassactl printer list`"
                ))
            }),
            None => list.into_iter().find(|p| p.is_default).ok_or_else(|| {
                AppError::Config(
                    "no printer is set up: add one with `kassactl printer add` or in Settings"
                        .into(),
                )
            }),
        }
    }

    /// Adds or replaces a printer (audited). The first printer, or one saved with
    /// `is_default`, becomes the default.
    pub fn save_printer(&self, mut p: PrinterConfig, actor: &str) -> AppResult<PrinterConfig> {
        p.validate()?;
        p.build()?;
        let mut list = self.printers()?;
        list.retain(|x| x.name != p.name);
        p.is_default = p.is_default || list.iter().all(|x| !x.is_default);
        if p.is_default {
            list.iter_mut().for_each(|x| x.is_default = false);
        }
        list.push(p.clone());
        self.put_printers(&list)?;
        self.ledger.audit(
            actor,
            "printer.save",
            &serde_json::json!({"name": p.name, "target": p.target, "paper": p.paper,
                "default": p.is_default}),
        )?;
        Ok(p)
    }

    /// Removes a printer (audited); its queued jobs stay queued and show the problem.
    pub fn remove_printer(&self, name: &str, actor: &str) -> AppResult<()> {
        let mut list = self.printers()?;
        let before = list.len();
        list.retain(|x| x.name != name);
        if list.len() == before {
            return Err(AppError::NotFound(format!("no printer named {name:?}")));
        }
        if !list.is_empty() && list.iter().all(|x| !x.is_default) {
            list[0].is_default = true;
        }
        self.put_printers(&list)?;
        self.ledger
            .audit(actor, "printer.remove", &serde_json::json!({"name": name}))?;
        Ok(())
    }

    fn put_printers(&self, list: &[PrinterConfig]) -> AppResult<()> {
        let v = serde_json::to_value(list)
            .map_err(|e| AppError::Config(format!("the printers cannot be saved: {e}")))?;
        Ok(self.ledger.set_setting(PRINTERS_KEY, &v)?)
    }

    /// The print settings, or the defaults.
    pub fn print_settings(&self) -> AppResult<PrintSettings> {
        match self.ledger.setting(PRINTING_KEY)? {
            Some(v) => serde_json::from_value(v).map_err(|e| {
                AppError::Config(format!(
                    "the saved print settings cannot be read ({e}): save them again in Settings"
                ))
            }),
            None => Ok(PrintSettings::default()),
        }
    }

    /// Saves the print settings (audited).
    pub fn save_print_settings(&self, s: &PrintSettings, actor: &str) -> AppResult<()> {
        let v = serde_json::to_value(s)
            .map_err(|e| AppError::Config(format!("the print settings cannot be saved: {e}")))?;
        self.ledger.set_setting(PRINTING_KEY, &v)?;
        self.ledger.audit(actor, "print_settings.save", &v)?;
        Ok(())
    }

    /// Prints the printer's test page now (not through the queue) and says what happened;
    /// a failure comes back as the printer's own explanation.
    pub async fn print_test_page(&self, name: &str) -> AppResult<PrintOutcome> {
        let cfg = self.printer(Some(name))?;
        let printer = cfg.build()?;
        let page = printer.test_page(
            &self.receipt_header()?,
            self.receipt_language()?,
            self.clock.now(),
        );
        let describe = printer.describe();
        let printed = run_blocking(move || printer.print(&page))
            .await?
            .map_err(|e| print_failed(&cfg.name, &e))?;
        Ok(PrintOutcome {
            printer: cfg.name,
            describe,
            detail: printed.detail,
            file: printed.file,
        })
    }
}

/// A printer's failure as the service's error: the printer's name and its explanation.
pub(crate) fn print_failed(printer: &str, e: &PrintError) -> AppError {
    AppError::Printer {
        code: e.code(),
        message: format!("printer {printer:?}: {e}"),
    }
}

/// Runs blocking printer I/O off the async threads.
pub(crate) async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Config(format!("printing stopped unexpectedly: {e}")))
}
