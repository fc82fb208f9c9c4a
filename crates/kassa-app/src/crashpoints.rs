//! Crash points: named places in pay, refund and recovery where the crash-at-every-step harness
//! (`tests/tests/crash.rs`) stops a real `kassactl` and kills it. They exist only in a build
//! with the `failpoints` feature; in every other build [`crash_point!`] expands to nothing.
//!
//! A point is armed through the `FAILPOINTS` environment variable read by [`setup`] (the `fail`
//! crate's syntax, e.g. `FAILPOINTS=pay.after_answer=return`). The `return` action means *stop
//! here*: the process prints [`MARKER`] and the point's name on stderr, then blocks forever, so
//! the harness knows exactly where it is before it sends SIGKILL — no timing guess. The `fail`
//! crate's own `panic`, `pause`, `sleep(ms)` and `print` actions work as that crate defines.
//!
//! The points (see where each sits in checkout, refunds and recovery):
//! `pay.after_attempt_commit`, `pay.after_sending_commit`, `pay.after_send`,
//! `pay.after_answer`, `pay.after_outcome_commit`, `refund.after_attempt_commit`,
//! `refund.after_sending_commit`, `refund.after_answer`, `refund.after_outcome_commit`,
//! `recovery.before_write`. There is no `refund.after_send`: a driver's refund reports no
//! progress, so the harness kills a refund in flight from the terminal's side instead. There is
//! no receipt-printing point: kassa-app has no print step (the front ends print).

/// The start of the stderr line a stopped crash point prints, followed by its name.
pub const MARKER: &str = "KASSA-CRASH-POINT";

/// Marks a crash point named `$name` (a string literal). Nothing at all without the
/// `failpoints` feature.
macro_rules! crash_point {
    ($name:literal) => {
        #[cfg(feature = "failpoints")]
        $crate::crashpoints::reach($name);
    };
}

/// Arms the crash points named in `FAILPOINTS`; keep the guard for the life of the process.
/// Panics on a malformed `FAILPOINTS` (a test set-up error, never a production path).
#[cfg(feature = "failpoints")]
pub fn setup() -> fail::FailScenario<'static> {
    fail::FailScenario::setup()
}

/// Evaluates the point `name`: with `return` armed, stops the process here for good.
#[cfg(feature = "failpoints")]
pub fn reach(name: &str) {
    fail::fail_point!(name, |_| stop_here(name));
}

#[cfg(feature = "failpoints")]
fn stop_here(name: &str) -> ! {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{MARKER} {name}");
    let _ = err.flush();
    drop(err);
    // Nothing after this point may run: the harness kills the process while it waits here.
    loop {
        std::thread::park();
    }
}
