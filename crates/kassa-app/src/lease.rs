//! Keeping an attempt's lease alive while this process works on it (see `kassa_ledger`'s
//! leases): a heartbeat every [`HEARTBEAT`] from a background task, and the lease let go when
//! the work ends, however it ends (the keeper is dropped).

use kassa_ledger::Ledger;
use std::sync::Arc;
use std::time::Duration;

/// How often a running attempt's lease is refreshed: far below `kassa_ledger::LEASE_TTL`, so
/// a busy machine that misses a few beats still keeps it.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(5);

/// Holds the lease on one attempt until dropped.
#[derive(Debug)]
pub(crate) struct LeaseKeeper {
    ledger: Arc<Ledger>,
    request_id: String,
    beat: Option<tokio::task::JoinHandle<()>>,
}

impl LeaseKeeper {
    /// Starts refreshing the lease this ledger handle already holds on `request_id`. The
    /// heartbeat runs on real time (a test's manual clock does not stop a process from being
    /// alive). Outside a tokio runtime there is no heartbeat; the lease still lasts its TTL.
    pub(crate) fn keep(ledger: Arc<Ledger>, request_id: &str) -> LeaseKeeper {
        let beat = tokio::runtime::Handle::try_current().ok().map(|rt| {
            let (ledger, rid) = (ledger.clone(), request_id.to_string());
            rt.spawn(async move {
                loop {
                    tokio::time::sleep(HEARTBEAT).await;
                    match ledger.heartbeat(&rid) {
                        Ok(true) => {}
                        // Final (lease cleared) or let go: nothing left to keep.
                        Ok(false) => break,
                        Err(e) => {
                            tracing::warn!(request_id = %rid, error = %e, "lease heartbeat failed")
                        }
                    }
                }
            })
        });
        LeaseKeeper {
            ledger,
            request_id: request_id.to_string(),
            beat,
        }
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        if let Some(b) = self.beat.take() {
            b.abort();
        }
        if let Err(e) = self.ledger.release(&self.request_id) {
            // The lease expires on its own after its TTL.
            tracing::warn!(request_id = %self.request_id, error = %e, "could not let the lease go");
        }
    }
}
