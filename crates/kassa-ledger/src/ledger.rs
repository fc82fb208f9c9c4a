//! [`Ledger`], the handle the application holds: a write connection behind a mutex (every
//! write is one IMMEDIATE transaction) and, for files, a separate read-only connection that
//! WAL lets read while a write is in progress.

use crate::activity::{self, Settled};
use crate::attempts::{self, Attempt, AttemptKind, JournalEntry, NewPaymentAttempt, NewRow};
use crate::audit::{self, AuditEntry};
use crate::audit_chain::{self, AuditVerification};
use crate::codec::Stamp;
use crate::error::{LedgerError, Result};
use crate::leases::{self, LeaseOwner};
use crate::order_list::{self, OrderFilter, OrderSummary};
use crate::orders::{self, NewOrder, Order};
use crate::payments::{self, Payment};
use crate::refunds::{self, NewRefundAttempt};
use crate::schema;
use crate::settings;
use crate::terminals::{self, TerminalRow};
use crate::transition::{self, Transition};
use chrono::{DateTime, FixedOffset};
use kassa_core::{AttemptState, Clock, Money};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The ledger. `Send + Sync`: share it as `Arc<Ledger>`; every method takes `&self` and
/// blocks for at most one SQLite transaction (a write waits for an fsync, a few ms), so async
/// callers may call it directly or through `spawn_blocking`.
#[derive(Debug)]
pub struct Ledger {
    write: Mutex<Connection>,
    /// A second connection for reads on files; `None` for `:memory:`, where reads share the
    /// write connection (an in-memory database is private to its connection).
    read: Option<Mutex<Connection>>,
    clock: Arc<dyn Clock>,
    path: Option<PathBuf>,
    /// Who this handle's attempt leases name (see `leases`).
    owner: LeaseOwner,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock dropped its transaction, which rolled back: the
    // connection is still sound.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Ledger {
    /// Opens the ledger file at `path`, creating it if missing, and migrates it to this
    /// build's schema. Refuses, without changing the file, one that is not a SQLite
    /// database, one of another program, or one written by a newer Kassa.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        let open_err = |e: rusqlite::Error| LedgerError::Open {
            path: path.to_path_buf(),
            detail: e.to_string(),
        };
        let mut write = Connection::open(path).map_err(open_err)?;
        schema::check(&write, path)?;
        schema::configure(&write)?;
        schema::migrate(&mut write)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let read = Connection::open_with_flags(path, flags).map_err(open_err)?;
        schema::configure(&read)?;
        read.pragma_update(None, "query_only", true)?;
        tracing::info!(path = %path.display(), "ledger opened");
        Ok(Ledger {
            write: Mutex::new(write),
            read: Some(Mutex::new(read)),
            clock,
            path: Some(path.to_path_buf()),
            owner: LeaseOwner::new(),
        })
    }

    /// A fresh ledger in memory, for tests and dry runs.
    pub fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Ledger> {
        let mut conn = Connection::open_in_memory()?;
        schema::check(&conn, Path::new(":memory:"))?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn)?;
        Ok(Ledger {
            write: Mutex::new(conn),
            read: None,
            clock,
            path: None,
            owner: LeaseOwner::new(),
        })
    }

    /// The schema version this build writes (`PRAGMA user_version`).
    pub fn schema_version() -> u32 {
        schema::latest()
    }

    /// The file this ledger lives in; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f` in one read transaction, so a read of several tables sees one snapshot.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut conn = lock(self.read.as_ref().unwrap_or(&self.write));
        let tx = conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in one IMMEDIATE transaction (the write lock is taken before the first read,
    /// so a read-check-write cannot race another writer) stamped with one clock reading.
    /// An error from `f` rolls everything back.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>, &Stamp) -> Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.write);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = Stamp::now(self.clock.as_ref());
        let out = f(&tx, &now)?;
        tx.commit()?;
        Ok(out)
    }

    /// Records an order in status `open`, its totals computed by `kassa_core::order_totals`.
    pub fn create_order(&self, o: &NewOrder) -> Result<Order> {
        self.write(|tx, now| orders::insert(tx, now, o))
    }

    /// The order with its lines.
    pub fn order(&self, id: &str) -> Result<Option<Order>> {
        self.read(|c| orders::get(c, id))
    }

    /// Orders matching `f`, newest first.
    pub fn list_orders(&self, f: &OrderFilter) -> Result<Vec<OrderSummary>> {
        let offset = *self.clock.now().offset();
        self.read(|c| order_list::list(c, f, offset))
    }

    /// Records a payment attempt in state `created`, leased to this handle (see
    /// [`Ledger::claim`]). In the same IMMEDIATE transaction it
    /// refuses an order that is already paid (`AlreadyPaid`) or has a payment attempt that is
    /// not final (`AttemptInProgress`): a double click on Pay starts one payment.
    pub fn begin_payment_attempt(&self, a: &NewPaymentAttempt) -> Result<Attempt> {
        self.write(|tx, now| {
            let order = orders::get(tx, &a.order_id)?.ok_or_else(|| LedgerError::NotFound {
                what: "order",
                id: a.order_id.clone(),
            })?;
            if a.amount.currency != order.currency {
                return Err(LedgerError::CurrencyMismatch {
                    expected: order.currency,
                    got: a.amount.currency,
                });
            }
            let earlier = attempts::for_order(tx, &a.order_id)?;
            let payments = earlier.iter().filter(|x| x.kind == AttemptKind::Payment);
            if payments.clone().any(|x| x.state == AttemptState::Succeeded) {
                return Err(LedgerError::AlreadyPaid);
            }
            if let Some(open) = payments.clone().find(|x| !x.state.is_final()) {
                return Err(LedgerError::AttemptInProgress {
                    request_id: open.request_id.clone(),
                });
            }
            let attempt = attempts::insert(
                tx,
                now,
                &NewRow {
                    request_id: a.request_id.as_str(),
                    kind: AttemptKind::Payment,
                    order_id: &a.order_id,
                    payment_request_id: None,
                    terminal: &a.terminal,
                    amount: a.amount,
                    reason: None,
                    actor: None,
                },
            )?;
            leases::take(tx, &attempt.request_id, &self.owner)?;
            orders::refresh_status(tx, now, &a.order_id)?;
            Ok(attempt)
        })
    }

    /// Who this handle's leases name.
    pub fn lease_owner(&self) -> &LeaseOwner {
        &self.owner
    }

    /// Takes the lease on a non-final attempt for this handle before working on it: refused
    /// with `RunningElsewhere` while another live process holds it; a dead owner's lease
    /// (process gone, or no heartbeat for `LEASE_TTL`) is taken over. Returns the attempt as
    /// it is now, read under the same write lock, so a caller never works from a stale copy.
    pub fn claim(&self, request_id: &str) -> Result<Attempt> {
        self.write(|tx, _| {
            let a = attempts::require(tx, request_id)?;
            if !a.state.is_final() {
                leases::take(tx, request_id, &self.owner)?;
            }
            Ok(a)
        })
    }

    /// Refreshes the heartbeat of this handle's lease; false when it no longer holds it.
    pub fn heartbeat(&self, request_id: &str) -> Result<bool> {
        self.write(|tx, _| leases::refresh(tx, request_id, &self.owner))
    }

    /// Lets go of this handle's lease on the attempt (nothing when it holds none).
    pub fn release(&self, request_id: &str) -> Result<()> {
        self.write(|tx, _| leases::release(tx, request_id, &self.owner))
    }

    /// The process id of another live process working on the attempt, if any.
    pub fn running_elsewhere(&self, request_id: &str) -> Result<Option<u32>> {
        let now = leases::wall_ms();
        self.read(|c| {
            Ok(leases::get(c, request_id)?
                .filter(|l| l.held_by_other(&self.owner, now))
                .map(|l| l.pid))
        })
    }

    /// True when this handle holds the lease on the attempt (its own work runs it).
    pub fn holds_lease(&self, request_id: &str) -> Result<bool> {
        self.read(|c| Ok(leases::get(c, request_id)?.is_some_and(|l| l.token == self.owner.token)))
    }

    /// Records, the first time only, that the terminal answered an inquiry about the attempt
    /// (`answered_since`, with a journal entry): from then on the recovery window is spent.
    pub fn mark_answered(&self, request_id: &str) -> Result<Attempt> {
        self.write(|tx, now| attempts::mark_answered(tx, now, request_id))
    }

    /// Applies one state-machine transition in one transaction: the attempt row, its journal
    /// entry, the `payments`/`refunds` row on success, the audit entry of a manager's
    /// decision and the order's status. An illegal move (`Illegal`) writes nothing.
    pub fn transition(&self, request_id: &str, t: Transition) -> Result<Attempt> {
        self.write(|tx, now| transition::apply(tx, now, request_id, t))
    }

    /// One attempt by its request id.
    pub fn attempt(&self, request_id: &str) -> Result<Option<Attempt>> {
        self.read(|c| attempts::get(c, request_id))
    }

    /// Every attempt of the order, payments and refunds, oldest first.
    pub fn attempts_for_order(&self, order_id: &str) -> Result<Vec<Attempt>> {
        self.read(|c| attempts::for_order(c, order_id))
    }

    /// Payments and refunds that are not final, oldest first: what recovery must settle
    /// before the till takes a new sale.
    pub fn non_final_attempts(&self) -> Result<Vec<Attempt>> {
        self.read(attempts::non_final)
    }

    /// The attempt's history, oldest first, starting with its `begin` entry.
    pub fn journal(&self, request_id: &str) -> Result<Vec<JournalEntry>> {
        self.read(|c| attempts::journal(c, request_id))
    }

    /// Records the terminal's id for a non-final attempt (e.g. a refund id that came with an
    /// untrustworthy answer), with a journal entry; the state does not change.
    pub fn set_terminal_ref(&self, request_id: &str, terminal_ref: &str) -> Result<()> {
        self.write(|tx, now| {
            let a = attempts::require(tx, request_id)?;
            if a.state.is_final() {
                return Err(LedgerError::AttemptFinal {
                    request_id: a.request_id,
                    state: a.state,
                });
            }
            let change = attempts::Change {
                terminal_ref: Some(terminal_ref.to_string()),
                ..Default::default()
            };
            attempts::update(tx, now, request_id, a.state, &change)?;
            let detail = serde_json::json!({ "terminal_ref": terminal_ref });
            attempts::append_journal(
                tx,
                now,
                request_id,
                a.state,
                a.state,
                "terminal_ref",
                &detail,
            )
        })
    }

    /// A succeeded payment, found by the order id, the payment request id or the terminal's
    /// payment id.
    pub fn payment(&self, key: &str) -> Result<Option<Payment>> {
        self.read(|c| payments::find(c, key))
    }

    /// Payments and refunds that reached a final state (succeeded, failed, refused) after
    /// `from` (from the beginning when `None`) and up to `to`, oldest first, each with its
    /// payment row (succeeded payments) and its order's tax: what a Z report counts, read
    /// through an index on when attempts last changed.
    pub fn settled_between(
        &self,
        from: Option<DateTime<FixedOffset>>,
        to: DateTime<FixedOffset>,
    ) -> Result<Vec<Settled>> {
        self.read(|c| activity::settled_between(c, from, to))
    }

    /// What may still be refunded of a payment: paid − refunds succeeded − refunds not final.
    pub fn refundable(&self, payment_request_id: &str) -> Result<Money> {
        self.read(|c| {
            let p = refunds::payment(c, payment_request_id)?;
            refunds::refundable_of(c, &p)
        })
    }

    /// Records a refund attempt in state `created` after checking the refund limits in the
    /// same IMMEDIATE transaction: `RefundInProgress`, `PartialRefundLimit` (with
    /// `one_partial_only`), `ExceedsRefundable`, in that order.
    pub fn begin_refund_attempt(&self, r: &NewRefundAttempt) -> Result<Attempt> {
        self.write(|tx, now| {
            let a = refunds::begin(tx, now, r)?;
            leases::take(tx, &a.request_id, &self.owner)?;
            Ok(a)
        })
    }

    /// Records a refund a manager already made on the terminal (for terminals that refund
    /// only by hand): the limits of [`Ledger::begin_refund_attempt`] apply, the attempt is
    /// recorded as `succeeded` with `terminal_ref` (required), and an audit entry
    /// `manual_refund` is written, all in one transaction.
    pub fn record_manual_refund(
        &self,
        r: &NewRefundAttempt,
        terminal_ref: &str,
        note: &str,
    ) -> Result<Attempt> {
        self.write(|tx, now| refunds::record_manual(tx, now, r, terminal_ref, note))
    }

    /// Refund attempts of a payment, oldest first.
    pub fn refunds_for_payment(&self, payment_request_id: &str) -> Result<Vec<Attempt>> {
        self.read(|c| attempts::refunds_of(c, payment_request_id))
    }

    /// Adds or replaces a terminal; refuses a config that holds a key or PIN, and a change of
    /// an existing terminal's identity while an attempt on it is not final
    /// (`TerminalIdentityLocked`).
    pub fn upsert_terminal(&self, t: &TerminalRow) -> Result<()> {
        self.write(|tx, now| terminals::upsert(tx, now, t))
    }

    /// One terminal by name.
    pub fn terminal(&self, name: &str) -> Result<Option<TerminalRow>> {
        self.read(|c| terminals::get(c, name))
    }

    /// Every terminal, by name.
    pub fn terminals(&self) -> Result<Vec<TerminalRow>> {
        self.read(terminals::all)
    }

    /// Removes a terminal; refused (`TerminalInUse`) while one of its attempts is not final.
    pub fn remove_terminal(&self, name: &str) -> Result<()> {
        self.write(|tx, _| terminals::remove(tx, name))
    }

    /// The JSON value of a setting.
    pub fn setting(&self, key: &str) -> Result<Option<Value>> {
        self.read(|c| settings::get(c, key))
    }

    /// Stores a setting; refuses a value that holds a key or PIN.
    pub fn set_setting(&self, key: &str, value: &Value) -> Result<()> {
        self.write(|tx, now| settings::set(tx, now, key, value))
    }

    /// Appends an entry to the audit log of privileged actions, chained to the entry before
    /// it (its hash is computed and the chain's head moved in the same transaction).
    pub fn audit(&self, actor: &str, action: &str, detail: &Value) -> Result<()> {
        self.write(|tx, now| audit::insert(tx, now, actor, action, detail))
    }

    /// The audit log, oldest first, with each entry's `prev_hash` and `hash`.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        self.read(audit::all)
    }

    /// Walks the audit log's hash chain in one read snapshot and returns the first entry that
    /// does not hold — edited, removed, reordered, or the log cut short of its recorded head —
    /// or an intact verdict with the number of entries and the last hash. Reads every entry
    /// once, without holding the whole log in memory.
    pub fn verify_audit(&self) -> Result<AuditVerification> {
        self.read(audit_chain::verify)
    }
}
