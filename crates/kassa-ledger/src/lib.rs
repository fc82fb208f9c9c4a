//! Kassa's ledger: the SQLite file that is the source of truth for orders, payment and refund
//! attempts (with their journal), payments, refunds, terminals, settings and the audit log.
//!
//! Rules it keeps:
//! - An attempt row commits before anything goes to a terminal, and every state change is one
//!   transaction together with its journal entry ([`Ledger::transition`]).
//! - WAL with `synchronous=FULL`, foreign keys on: a committed payment survives power loss.
//! - The schema version is `PRAGMA user_version`; a file from a newer Kassa, or a file that is
//!   not a Kassa ledger, is refused without being changed.
//! - Money is integer minor units beside a currency code; times are RFC 3339 with offset from
//!   the [`kassa_core::Clock`] given at open, so tests are deterministic.
//! - No card data beyond [`kassa_core::CardReceipt`], never keys or PINs.
//! - The audit log is a hash chain written in the same transaction as the action it records;
//!   [`Ledger::verify_audit`] finds an entry edited, removed, reordered or cut off outside
//!   Kassa.
//!
//! One module per table, each with its migration SQL: `orders`, `order_lines`, `attempts`
//! (and the journal), `payments`, `refunds`, `terminals`, `settings`, `audit`, `print_jobs`
//! (the print queue), `leases` (which process runs an attempt); `schema`
//! applies them in order.

mod activity;
mod attempts;
mod audit;
mod audit_chain;
mod codec;
mod error;
mod leases;
mod ledger;
mod order_lines;
mod order_list;
mod orders;
mod payments;
mod period;
mod print_jobs;
mod refunds;
mod schema;
mod settings;
mod terminals;
mod transition;

pub use activity::Settled;
pub use attempts::{Attempt, AttemptKind, JournalEntry, NewPaymentAttempt};
pub use audit::AuditEntry;
pub use audit_chain::{AuditBreak, AuditFault, AuditVerification};
pub use error::{LedgerError, Result};
pub use leases::{LeaseOwner, LEASE_TTL};
pub use ledger::Ledger;
pub use order_list::{OrderFilter, OrderSummary};
pub use orders::{NewOrder, Order, OrderStatus};
pub use payments::Payment;
pub use period::{PeriodClose, PeriodView};
pub use print_jobs::{NewPrintJob, PrintCopy, PrintDocument, PrintJob, PrintJobState, PrintResult};
pub use refunds::NewRefundAttempt;
pub use terminals::TerminalRow;
pub use transition::Transition;
