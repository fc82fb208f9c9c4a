//! `attempt_leases`: which process is working on a non-final attempt, so that a second process
//! on the same ledger (a `kassactl` beside the open window, a second window) leaves it alone
//! instead of taking it for an interrupted one.
//!
//! A lease names its owner by process id and a token unique to one [`crate::Ledger`] handle,
//! and carries a heartbeat the owner refreshes while its call runs (the application refreshes
//! every few seconds). Another owner's lease is *live* while its heartbeat is younger than
//! [`LEASE_TTL`], far above a refresh, and — where the platform lets us see it — its process
//! still exists. A dead owner's lease (process gone, or heartbeat expired) may be taken over.
//!
//! Heartbeats are the machine's real time, never the ledger's injected clock: they are about
//! whether a process is alive, which a test's manual clock does not change. A lease is written
//! with the attempt's row (so no other process ever sees a fresh attempt without its owner)
//! and removed with the attempt's move to a final state, or when its owner lets it go.

use crate::error::{LedgerError, Result};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Schema version 6 of `attempt_leases`.
pub(crate) const V6: &str = "
CREATE TABLE attempt_leases (
    request_id    TEXT PRIMARY KEY NOT NULL REFERENCES attempts (request_id),
    pid           INTEGER NOT NULL,
    token         TEXT NOT NULL,
    heartbeat_ms  INTEGER NOT NULL
) STRICT;
";

/// How long a lease stays live without a heartbeat: far above the application's refresh
/// (a few seconds), so a busy machine never loses a lease it still uses.
pub const LEASE_TTL: Duration = Duration::from_secs(60);

/// Who holds leases through one ledger handle: this process and a token no other handle (in
/// this process or another) has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseOwner {
    /// The process id.
    pub pid: u32,
    /// Unique to one ledger handle.
    pub token: String,
}

impl LeaseOwner {
    /// A fresh owner for this process: pid, start time in nanoseconds and a counter, so two
    /// handles in one process differ and a later process with a reused pid differs too.
    pub(crate) fn new() -> LeaseOwner {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        LeaseOwner {
            pid,
            token: format!("{pid}-{nanos}-{n}"),
        }
    }
}

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lease {
    pub pid: u32,
    pub token: String,
    pub heartbeat_ms: i64,
}

/// The machine's real time in Unix milliseconds.
pub(crate) fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Whether process `pid` may still exist. Linux answers through `/proc`; elsewhere the answer
/// is "maybe" and the heartbeat alone decides.
fn process_may_exist(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

impl Lease {
    /// True when the lease belongs to someone else who is still at work.
    pub(crate) fn held_by_other(&self, me: &LeaseOwner, now_ms: i64) -> bool {
        if self.token == me.token {
            return false;
        }
        let ttl = i64::try_from(LEASE_TTL.as_millis()).unwrap_or(i64::MAX);
        let fresh = now_ms.saturating_sub(self.heartbeat_ms) < ttl;
        let alive = self.pid == me.pid || process_may_exist(self.pid);
        fresh && alive
    }
}

/// The lease on `request_id`, if any.
pub(crate) fn get(conn: &Connection, request_id: &str) -> Result<Option<Lease>> {
    Ok(conn
        .prepare_cached(
            "SELECT pid, token, heartbeat_ms FROM attempt_leases WHERE request_id = ?1",
        )?
        .query_row([request_id], |r| {
            Ok(Lease {
                pid: r.get(0)?,
                token: r.get(1)?,
                heartbeat_ms: r.get(2)?,
            })
        })
        .optional()?)
}

/// Takes the lease on `request_id` for `me`, unless another live owner holds it
/// (`RunningElsewhere`). Taking over a dead owner's lease is logged.
pub(crate) fn take(tx: &Transaction<'_>, request_id: &str, me: &LeaseOwner) -> Result<()> {
    let now = wall_ms();
    if let Some(l) = get(tx, request_id)? {
        if l.held_by_other(me, now) {
            return Err(LedgerError::RunningElsewhere {
                request_id: request_id.to_string(),
                pid: l.pid,
            });
        }
        if l.token != me.token {
            tracing::warn!(
                request_id,
                dead_pid = l.pid,
                "taking over the attempt of a process that stopped"
            );
        }
    }
    tx.execute(
        "INSERT INTO attempt_leases (request_id, pid, token, heartbeat_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (request_id) DO UPDATE SET pid = excluded.pid, token = excluded.token,
             heartbeat_ms = excluded.heartbeat_ms",
        params![request_id, me.pid, me.token, now],
    )?;
    Ok(())
}

/// Refreshes the heartbeat of `me`'s lease on `request_id`; false when `me` no longer holds it
/// (another process took it over after `me` stopped refreshing).
pub(crate) fn refresh(tx: &Transaction<'_>, request_id: &str, me: &LeaseOwner) -> Result<bool> {
    let n = tx.execute(
        "UPDATE attempt_leases SET heartbeat_ms = ?3 WHERE request_id = ?1 AND token = ?2",
        params![request_id, me.token, wall_ms()],
    )?;
    Ok(n > 0)
}

/// Lets go of `me`'s lease on `request_id` (another owner's stays).
pub(crate) fn release(tx: &Transaction<'_>, request_id: &str, me: &LeaseOwner) -> Result<()> {
    tx.execute(
        "DELETE FROM attempt_leases WHERE request_id = ?1 AND token = ?2",
        params![request_id, me.token],
    )?;
    Ok(())
}

/// Removes any lease on `request_id`: the attempt is final, nobody works on it any more.
pub(crate) fn clear(tx: &Transaction<'_>, request_id: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM attempt_leases WHERE request_id = ?1",
        [request_id],
    )?;
    Ok(())
}
