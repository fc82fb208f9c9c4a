//! Everything the ledger can refuse, each with a sentence that says what happened and what to
//! do next, and a stable [`LedgerError::code`] for the UI's `{code, message}`.

use kassa_core::order::OrderError;
use kassa_core::{AttemptState, Currency, IllegalTransition, Money};
use std::path::PathBuf;

/// Why a ledger call did not do what was asked. Whenever one of these is returned, the
/// transaction was rolled back: nothing of the call was written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database file could not be opened at all.
    #[error("cannot open the ledger at {path}: {detail}. Check that the folder exists and Kassa may write to it")]
    Open {
        /// The file asked for.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The file exists but is not a SQLite database, or is one that Kassa did not write.
    #[error("{path} is not a Kassa ledger ({detail}). Choose the right ledger file, or move this one away so Kassa can start a new ledger; the file was not changed")]
    NotALedger {
        /// The file asked for.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The file was written by a newer Kassa whose schema this build does not know.
    #[error("this ledger was written by a newer version of Kassa (schema {found}; this build knows up to {supported}). Update Kassa to open it; the file was not changed")]
    NewerVersion {
        /// The file's `user_version`.
        found: u32,
        /// The newest schema this build writes.
        supported: u32,
    },
    /// The order's lines or totals are not valid.
    #[error("the order cannot be recorded: {0}")]
    Order(#[from] OrderError),
    /// An id is already used by another order or attempt.
    #[error("the id {0} is already used in the ledger: generate a new id and try again")]
    DuplicateId(String),
    /// A row the call refers to does not exist.
    #[error("no {what} {id} in the ledger: check the id")]
    NotFound {
        /// What was looked for (`order`, `attempt`, `payment`, `terminal`).
        what: &'static str,
        /// The id or name given.
        id: String,
    },
    /// The order already has a payment attempt that is not final.
    #[error("a payment ({request_id}) is already running or unresolved for this order: wait for it, or resolve it, before starting another")]
    AttemptInProgress {
        /// The attempt that is still open.
        request_id: String,
    },
    /// The order already has a succeeded payment.
    #[error("this order is already paid: nothing more to charge")]
    AlreadyPaid,
    /// The attempt's state machine does not allow this move; nothing was written.
    #[error("{0}: the attempt was not changed")]
    Illegal(#[from] IllegalTransition),
    /// A payment event for a refund, or the other way round.
    #[error(
        "{event} does not apply to {request_id}, which is a {kind}: this is a bug in the caller"
    )]
    WrongKind {
        /// The attempt.
        request_id: String,
        /// `payment` or `refund`.
        kind: &'static str,
        /// The transition asked for.
        event: &'static str,
    },
    /// An amount that is zero or negative.
    #[error("the amount {0} is not positive: enter an amount above zero")]
    InvalidAmount(Money),
    /// An amount in another currency than the order or payment it belongs to.
    #[error("the amount is in {got} but the order is in {expected}: use the order's currency")]
    CurrencyMismatch {
        /// The order's or payment's currency.
        expected: Currency,
        /// The currency given.
        got: Currency,
    },
    /// An approval for another amount than the attempt asked for; treat the answer as
    /// untrustworthy (record it as lost) so recovery or a manager settles it.
    #[error("the terminal approved {got} but {expected} was asked for: the answer cannot be recorded as is; treat it as unknown and let recovery or a manager settle it")]
    AmountMismatch {
        /// The attempt's amount.
        expected: Money,
        /// The approved amount.
        got: Money,
    },
    /// A refund larger than what is left to refund.
    #[error("cannot refund {requested}: only {refundable} of this payment can still be refunded (refunds that are still open count too)")]
    ExceedsRefundable {
        /// The amount asked for.
        requested: Money,
        /// What may still be refunded.
        refundable: Money,
    },
    /// Another refund of the same payment is not final yet.
    #[error("another refund of this payment is still running or unresolved: wait for it, or resolve it, first")]
    RefundInProgress,
    /// The terminal allows one partial refund per payment and it was used.
    #[error("this terminal allows only one partial refund per payment and it has been used: refund the rest on the terminal by a manager")]
    PartialRefundLimit,
    /// A manager marked an attempt as paid without the terminal's reference.
    #[error(
        "to mark it as done, type the reference the terminal shows (payment or refund number)"
    )]
    TerminalRefRequired,
    /// The terminal's payment id is already recorded for another payment.
    #[error("terminal {terminal} payment id {terminal_payment_id} is already recorded for {request_id}: check the terminal's reference")]
    DuplicateTerminalPayment {
        /// The terminal.
        terminal: String,
        /// Its payment id.
        terminal_payment_id: String,
        /// The payment that has it.
        request_id: String,
    },
    /// The attempt is final; its references can no longer change.
    #[error("attempt {request_id} is already {state}: it can no longer change")]
    AttemptFinal {
        /// The attempt.
        request_id: String,
        /// Its final state.
        state: AttemptState,
    },
    /// A terminal cannot be removed while an attempt on it is open.
    #[error("terminal {name} has an open attempt ({request_id}): resolve it before removing the terminal")]
    TerminalInUse {
        /// The terminal.
        name: String,
        /// The open attempt.
        request_id: String,
    },
    /// A terminal's identity (kind, address, serial, client or merchant id, key files) cannot
    /// change while an attempt or refund on it is not final: recovery would ask another device
    /// and could take its "no such payment" for this one.
    #[error("terminal {name} has an unresolved attempt ({request_id}), so its kind, address, serial, ids and key files cannot change now (recovery must ask the same device): let recovery finish (`kassactl recover`) or have a manager settle it (`kassactl resolve`), then change the terminal; to use another device now, add it under a new name")]
    TerminalIdentityLocked {
        /// The terminal.
        name: String,
        /// The attempt that is not final.
        request_id: String,
        /// The identity settings that would change.
        fields: Vec<String>,
    },
    /// Another running process works on this attempt now.
    #[error("attempt {request_id} is being run by another Kassa process (pid {pid}) on this ledger: it is left to that process; try again when it has finished")]
    RunningElsewhere {
        /// The attempt.
        request_id: String,
        /// The process that holds it.
        pid: u32,
    },
    /// A terminal config or setting that looks like it holds a key, password or PIN.
    #[error("{field} looks like a key, password or PIN, and the ledger never stores those: keep it in the key store and record only a reference to it")]
    SecretNotAllowed {
        /// The offending field, as a JSON path.
        field: String,
    },
    /// A list filter that cannot be read.
    #[error("{0}")]
    BadFilter(String),
    /// A stored value this build cannot read back.
    #[error("the ledger holds a value this build cannot read ({0}): the file may have been edited by hand; restore a backup or contact support")]
    Corrupt(String),
    /// A JSON value could not be written or read.
    #[error("a JSON value in the ledger could not be handled: {0}")]
    Json(#[from] serde_json::Error),
    /// Any other SQLite failure (disk full, I/O error, locked for more than 5 s).
    #[error("the ledger database failed: {0}. Check free disk space and that no other program holds the file, then try again")]
    Sqlite(#[from] rusqlite::Error),
}

impl LedgerError {
    /// A short stable code for the UI and the CLI, independent of the wording.
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::Open { .. } => "ledger-open",
            LedgerError::NotALedger { .. } => "not-a-ledger",
            LedgerError::NewerVersion { .. } => "ledger-newer-version",
            LedgerError::Order(_) => "invalid-order",
            LedgerError::DuplicateId(_) => "duplicate-id",
            LedgerError::NotFound { .. } => "not-found",
            LedgerError::AttemptInProgress { .. } => "attempt-in-progress",
            LedgerError::AlreadyPaid => "already-paid",
            LedgerError::Illegal(_) => "illegal-transition",
            LedgerError::WrongKind { .. } => "wrong-kind",
            LedgerError::InvalidAmount(_) => "invalid-amount",
            LedgerError::CurrencyMismatch { .. } => "currency-mismatch",
            LedgerError::AmountMismatch { .. } => "amount-mismatch",
            LedgerError::ExceedsRefundable { .. } => "exceeds-refundable",
            LedgerError::RefundInProgress => "refund-in-progress",
            LedgerError::PartialRefundLimit => "partial-refund-limit",
            LedgerError::TerminalRefRequired => "terminal-ref-required",
            LedgerError::DuplicateTerminalPayment { .. } => "duplicate-terminal-payment",
            LedgerError::AttemptFinal { .. } => "attempt-final",
            LedgerError::TerminalInUse { .. } => "terminal-in-use",
            LedgerError::TerminalIdentityLocked { .. } => "terminal-identity-locked",
            LedgerError::RunningElsewhere { .. } => "running-elsewhere",
            LedgerError::SecretNotAllowed { .. } => "secret-not-allowed",
            LedgerError::BadFilter(_) => "bad-filter",
            LedgerError::Corrupt(_) => "ledger-corrupt",
            LedgerError::Json(_) => "ledger-json",
            LedgerError::Sqlite(_) => "ledger-db",
        }
    }
}

/// The ledger's result type.
pub type Result<T> = std::result::Result<T, LedgerError>;
