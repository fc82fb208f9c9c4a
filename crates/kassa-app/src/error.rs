//! The service's error type. Each variant has a stable `code` so front ends (the CLI's exit
//! codes, the window's `{code, message}`) can tell a usage mistake from a broken setup or a
//! ledger problem; every message says what happened and what to do next.

use kassa_ledger::LedgerError;
use serde::Serialize;

/// Errors of the application service. Payment outcomes (declined, unknown) are not errors:
/// they come back as [`crate::PaymentReport`].
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input from the person using the app.
    #[error("{0}")]
    Usage(String),
    /// Settings or files the app needs are missing or wrong.
    #[error("{0}")]
    Config(String),
    /// Something asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The action is not allowed now (e.g. a sale while an attempt is unresolved).
    #[error("{0}")]
    Conflict(String),
    /// The ledger refused or failed.
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// A printer did not print; the document's job stays queued where there is one.
    #[error("{message}")]
    Printer {
        /// The printer back-end's stable code (`printer-unreachable`, `print-queue-failed`).
        code: &'static str,
        /// What happened and what to do.
        message: String,
    },
}

impl AppError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Usage(_) => "usage",
            AppError::Config(_) => "config",
            AppError::NotFound(_) => "not-found",
            AppError::Conflict(_) => "conflict",
            AppError::Printer { code, .. } => code,
            AppError::Ledger(e) => match e {
                LedgerError::AttemptInProgress { .. }
                | LedgerError::AlreadyPaid
                | LedgerError::RefundInProgress
                | LedgerError::AttemptFinal { .. }
                | LedgerError::TerminalInUse { .. }
                | LedgerError::TerminalIdentityLocked { .. }
                | LedgerError::RunningElsewhere { .. }
                | LedgerError::Illegal(_) => "conflict",
                LedgerError::ExceedsRefundable { .. } | LedgerError::PartialRefundLimit => {
                    "refund-limit"
                }
                LedgerError::NotFound { .. } => "not-found",
                LedgerError::Order(_)
                | LedgerError::InvalidAmount(_)
                | LedgerError::CurrencyMismatch { .. }
                | LedgerError::TerminalRefRequired
                | LedgerError::BadFilter(_) => "usage",
                LedgerError::NewerVersion { .. }
                | LedgerError::NotALedger { .. }
                | LedgerError::Open { .. }
                | LedgerError::SecretNotAllowed { .. } => "config",
                _ => "ledger",
            },
        }
    }

    /// The `{code, message}` pair front ends show.
    pub fn to_view(&self) -> ErrorView {
        ErrorView {
            code: self.code().to_string(),
            message: self.to_string(),
        }
    }
}

/// What a front end shows for an error.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorView {
    /// Stable code.
    pub code: String,
    /// Sentence for people.
    pub message: String,
}

/// Result of the service.
pub type AppResult<T> = Result<T, AppError>;
