//! A blocking call on a thread of its own, awaited from async code: the tests' simulators run
//! on the test's async runtime, so a kassactl run that talks to them must not block it. Needs
//! no runtime of its own (this library does not depend on tokio).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// The call's result once it is in, and whom to wake for it.
struct Slot<T> {
    done: Option<std::thread::Result<T>>,
    waker: Option<Waker>,
}

/// A call running on its own thread. Awaiting it yields what the call returned, or goes on
/// with the call's panic (so a failed assertion inside fails the test).
pub struct Background<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T: Send + 'static> Background<T> {
    /// Starts `call` on a new thread.
    pub fn spawn(call: impl FnOnce() -> T + Send + 'static) -> Background<T> {
        let slot = Arc::new(Mutex::new(Slot {
            done: None,
            waker: None,
        }));
        let theirs = Arc::clone(&slot);
        std::thread::spawn(move || {
            // Caught, so that the waiting test hears of a panic instead of waiting forever.
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
            let mut slot = theirs.lock().expect("background slot");
            slot.done = Some(done);
            if let Some(waker) = slot.waker.take() {
                waker.wake();
            }
        });
        Background { slot }
    }
}

impl<T> Future for Background<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.lock().expect("background slot");
        match slot.done.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> std::fmt::Debug for Background<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background").finish_non_exhaustive()
    }
}
