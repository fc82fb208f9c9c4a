//! Support shared by the reliability tests (`crash.rs`, `power_loss.rs`, the fault matrices):
//! a simulated terminal of each kind set up as a `kassactl` terminal ([`rig`]), a runner for
//! a `kassactl` binary that can stop a child at a crash point and kill it ([`proc`]), and the
//! invariants read straight from the ledger file and compared with what the simulated terminal
//! recorded ([`ledger`]).

pub mod ledger;
pub mod matrix;
pub mod proc;
pub mod rig;

use std::time::Duration;

/// How long a test waits for a child's line, a simulator's record or a process's end before it
/// fails. Never a pass condition: every wait ends on an event long before this.
pub const PATIENCE: Duration = Duration::from_secs(180);

/// Polls `done` (every 20 ms, blocking) until it holds or [`PATIENCE`] runs out.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(
            std::time::Instant::now() < end,
            "gave up waiting for {what} after {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
