//! Kassa's application service: what the desktop shell and `kassactl` call. It owns the
//! ledger, builds terminal drivers from stored settings, runs checkout, recovery and refunds,
//! and never depends on a GUI.
//!
//! The rule it exists to keep: the ledger is written before the wire, a missing or
//! untrustworthy answer is *unknown* and reconciled with the terminal, and what cannot be
//! proven waits for a manager. [`Service::start`] reconciles every non-final attempt before
//! it returns; with [`Service::open`], sales and refunds on a terminal that has unfinished
//! attempts are refused until [`Service::recover_all`] has been through that terminal's
//! attempts, so no new sale or refund can start ahead of an old one's recovery.

#[macro_use]
pub mod crashpoints;
mod audit;
mod checkout;
mod error;
pub mod keyfiles;
mod lease;
pub mod paths;
mod print_actions;
pub mod printers;
pub mod printing;
pub mod receipts;
mod recovery;
mod refunds;
pub mod registry;
pub mod reports;
mod terminals;
mod views;

pub mod accounts;
pub mod catalog;
pub mod dayclose;
pub mod demo;
pub mod store;
mod till;
pub mod window;

pub use checkout::{PaymentReport, SaleItem, SaleRequest};
pub use error::{AppError, AppResult, ErrorView};
pub use recovery::{RecoveryFailure, RecoveryReport, RECHECK_INTERVAL};
pub use refunds::{ManualRefund, RefundCommand, RefundReport};
pub use terminals::TerminalView;
pub use views::{AttemptTimeline, OrderDetail};

pub use accounts::{AccountInput, AccountView, Operator, Permission, Role};
pub use catalog::{CartInput, CartLineInput, Product};
pub use dayclose::ZReport;
#[cfg(feature = "demo")]
pub use demo::Demo;
pub use demo::{DemoBehaviour, DemoStatus};
pub use store::{StoreSettings, TaxRateSetting};

pub use print_actions::ZExport;
pub use printers::{AutoPrint, PrintOutcome, PrintSettings, PrinterConfig, PrinterTarget};
pub use printing::{PrinterHealth, PrinterStatus};

use kassa_core::{Clock, IdGen, SystemClock, Terminal};
use kassa_ledger::{Ledger, TerminalRow};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How to open the service.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// The ledger file.
    pub db_path: PathBuf,
    /// Time and waiting (tests pass a manual clock).
    pub clock: Arc<dyn Clock>,
    /// Randomness for ids (tests pass a deterministic source).
    pub entropy: Arc<dyn kassa_core::ids::Entropy>,
    /// Store code in request ids while the store settings have none saved (the unsaved
    /// settings show it); saved settings' store and till codes take over (`store.rs`).
    pub store_code: String,
}

impl OpenOptions {
    /// Production options for a ledger file.
    pub fn new(db_path: PathBuf) -> OpenOptions {
        OpenOptions {
            db_path,
            clock: Arc::new(SystemClock),
            entropy: Arc::new(kassa_core::ids::OsEntropy),
            store_code: store::DEFAULT_STORE_CODE.into(),
        }
    }
}

/// The application service. Cheap to share behind an `Arc`; all methods take `&self`.
#[derive(Debug)]
pub struct Service {
    ledger: Arc<Ledger>,
    clock: Arc<dyn Clock>,
    ids: IdGen,
    drivers: Mutex<HashMap<String, CachedDriver>>,
    /// Attempts whose recovery runs in this process, so two callers never poll one attempt.
    recovering: Mutex<HashSet<String>>,
    /// Terminals with unfinished attempts whose start-up recovery has not run yet: no sale or
    /// refund starts on them until it has.
    startup_pending: Mutex<HashSet<String>>,
    /// Wakes the background printer when a job is queued.
    print_wake: tokio::sync::Notify,
    /// The USB bus that N950 USB drivers and the USB scan use: libusb, or demo mode's
    /// simulated bus while demo mode runs.
    usb: Mutex<Arc<dyn kassa_antom::usb::UsbBackend>>,
}

/// A driver with the terminal row it was built from: a row changed since (by this process or
/// another one on the same ledger) builds a new driver. `None`: injected, kept as is.
#[derive(Debug, Clone)]
struct CachedDriver {
    row: Option<TerminalRow>,
    driver: Arc<dyn Terminal>,
}

impl Service {
    /// Opens the ledger without reconciling; use [`Service::start`] unless you are about to
    /// call [`Service::recover_all`] yourself. Until you do, a terminal with an unfinished
    /// attempt takes no sale and no refund.
    pub fn open(opts: OpenOptions) -> AppResult<Service> {
        if let Some(dir) = opts.db_path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    AppError::Config(format!(
                        "cannot create the data folder {}: {e}. Check its permissions or pass --db",
                        dir.display()
                    ))
                })?;
            }
        }
        let ledger = Ledger::open(&opts.db_path, opts.clock.clone())?;
        let startup_pending = ledger
            .non_final_attempts()?
            .into_iter()
            .map(|a| a.terminal)
            .collect();
        let codes = kassa_core::IdCodes::new(&opts.store_code, store::DEFAULT_TILL_CODE)
            .map_err(|e| AppError::Config(e.to_string()))?;
        let svc = Service {
            ledger: Arc::new(ledger),
            ids: IdGen::new(codes, opts.clock.clone(), opts.entropy.clone()),
            clock: opts.clock,
            drivers: Mutex::new(HashMap::new()),
            recovering: Mutex::new(HashSet::new()),
            startup_pending: Mutex::new(startup_pending),
            print_wake: tokio::sync::Notify::new(),
            usb: Mutex::new(Arc::new(kassa_antom::usb::RusbBackend::new())),
        };
        // Takes the saved store and till codes for ids; unreadable settings are reported
        // where they are used, not here.
        if let Err(e) = svc.store_settings() {
            tracing::warn!(error = %e, "store settings unreadable at open");
        }
        Ok(svc)
    }

    /// Opens the ledger and reconciles every non-final attempt before returning.
    pub async fn start(opts: OpenOptions) -> AppResult<(Service, RecoveryReport)> {
        let svc = Service::open(opts)?;
        let report = svc.recover_all().await?;
        Ok((svc, report))
    }

    /// The ledger, for read-only views.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The clock in force.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The driver for a stored terminal, built from its row and cached until the row changes.
    /// The row is read again on every call, so a terminal changed by another process on the
    /// same ledger is never reached through a stale driver.
    pub fn driver(&self, name: &str) -> AppResult<Arc<dyn Terminal>> {
        let row = self.ledger.terminal(name)?;
        if let Some(c) = self.lock_drivers().get(name) {
            match (&c.row, &row) {
                (None, _) => return Ok(c.driver.clone()),
                (Some(cached), Some(now)) if cached == now => return Ok(c.driver.clone()),
                _ => {}
            }
        }
        let row = row.ok_or_else(|| {
            AppError::NotFound(format!(
                "no terminal named {name:?}: list them with `kassactl terminal list`"
            ))
        })?;
        let driver = registry::build_terminal(&row, self.clock.clone(), self.usb_backend())?;
        let cached = CachedDriver {
            row: Some(row),
            driver: driver.clone(),
        };
        self.lock_drivers().insert(name.to_string(), cached);
        Ok(driver)
    }

    /// Replaces the driver of a terminal (tests and demo mode inject pre-built drivers); an
    /// injected driver stays until forgotten, whatever the stored row says.
    pub fn set_driver(&self, name: &str, driver: Arc<dyn Terminal>) {
        let cached = CachedDriver { row: None, driver };
        self.lock_drivers().insert(name.to_string(), cached);
    }

    /// Refuses a sale or refund on `terminal` while its start-up recovery has not run.
    pub(crate) fn refuse_before_startup_recovery(&self, terminal: &str) -> AppResult<()> {
        if self.startup_lock().contains(terminal) {
            return Err(AppError::Conflict(format!(
                "Kassa is still checking unfinished payments with terminal {terminal:?}: wait \
                 for start-up recovery to finish (or run `kassactl recover`), then try again"
            )));
        }
        Ok(())
    }

    fn startup_lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.startup_pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The USB bus in use.
    pub fn usb_backend(&self) -> Arc<dyn kassa_antom::usb::UsbBackend> {
        self.usb.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Puts the N950 USB drivers and the USB scan on another bus (demo mode's simulated one,
    /// a test's fake); the cached USB drivers are rebuilt on it at their next use.
    pub fn set_usb_backend(&self, backend: Arc<dyn kassa_antom::usb::UsbBackend>) {
        *self.usb.lock().unwrap_or_else(|p| p.into_inner()) = backend;
        let usb_terminals: Vec<String> = self
            .ledger
            .terminals()
            .map(|rows| {
                rows.into_iter()
                    .filter(|r| r.kind == registry::ANTOM_USB)
                    .map(|r| r.name)
                    .collect()
            })
            .unwrap_or_default();
        for name in usb_terminals {
            self.forget_driver(&name);
        }
    }

    fn forget_driver(&self, name: &str) {
        self.lock_drivers().remove(name);
    }

    fn lock_drivers(&self) -> std::sync::MutexGuard<'_, HashMap<String, CachedDriver>> {
        self.drivers.lock().unwrap_or_else(|p| p.into_inner())
    }
}
