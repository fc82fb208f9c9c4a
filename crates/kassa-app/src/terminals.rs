//! Terminal set-up: add (validated by building the driver first), list, diagnose, remove.

use crate::error::{AppError, AppResult};
use crate::{registry, Service};
use kassa_core::{Capabilities, Diagnosis};
use kassa_ledger::TerminalRow;
use serde::Serialize;

/// A terminal as front ends list it (settings without secrets: keys live in files).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TerminalView {
    /// Its name.
    pub name: String,
    /// Driver kind.
    pub kind: String,
    /// Whether sales use it when none is named.
    pub is_default: bool,
    /// What it can do, when its driver could be built.
    pub capabilities: Option<Capabilities>,
    /// Why its driver cannot be built, if so.
    pub problem: Option<String>,
}

impl Service {
    /// Stores a terminal after checking that its settings build a working driver (key files
    /// readable, addresses valid). The first terminal becomes the default.
    pub fn add_terminal(
        &self,
        name: &str,
        kind: &str,
        config: serde_json::Value,
        make_default: bool,
        actor: &str,
    ) -> AppResult<TerminalView> {
        if name.trim().is_empty() {
            return Err(AppError::Usage("give the terminal a name (--name)".into()));
        }
        let first = self.ledger.terminals()?.is_empty();
        let row = TerminalRow {
            name: name.to_string(),
            kind: kind.to_string(),
            config,
            is_default: make_default || first,
        };
        let driver = registry::build_terminal(&row, self.clock.clone(), self.usb_backend())?;
        self.ledger.upsert_terminal(&row)?;
        self.ledger.audit(
            actor,
            "terminal.add",
            &serde_json::json!({"name": name, "kind": kind, "default": row.is_default}),
        )?;
        self.forget_driver(name);
        Ok(TerminalView {
            name: row.name,
            kind: row.kind,
            is_default: row.is_default,
            capabilities: Some(driver.capabilities()),
            problem: None,
        })
    }

    /// Every stored terminal, with what it can do or why it cannot be used.
    pub fn list_terminals(&self) -> AppResult<Vec<TerminalView>> {
        Ok(self
            .ledger
            .terminals()?
            .into_iter()
            .map(|row| {
                let (capabilities, problem) = match self.driver(&row.name) {
                    Ok(d) => (Some(d.capabilities()), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                TerminalView {
                    name: row.name,
                    kind: row.kind,
                    is_default: row.is_default,
                    capabilities,
                    problem,
                }
            })
            .collect())
    }

    /// Asks a terminal whether it can take a payment now.
    pub async fn diagnose(&self, name: &str) -> AppResult<Diagnosis> {
        let driver = self.driver(name)?;
        driver
            .diagnose()
            .await
            .map_err(|e| AppError::Config(e.to_string()))
    }

    /// USB devices on the bus in use that are, or may be, N950 terminals (the terminal
    /// settings offer them). libusb runs on the blocking pool, never on the async workers.
    pub async fn usb_terminals(&self) -> AppResult<Vec<registry::UsbTerminalView>> {
        registry::usb_terminals_on(self.usb_backend()).await
    }

    /// Removes a terminal; the ledger refuses while one of its attempts is unresolved.
    pub fn remove_terminal(&self, name: &str, actor: &str) -> AppResult<()> {
        self.ledger.remove_terminal(name)?;
        self.ledger
            .audit(actor, "terminal.remove", &serde_json::json!({"name": name}))?;
        self.forget_driver(name);
        Ok(())
    }
}
