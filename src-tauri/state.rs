//! What the shell keeps between commands: the service once it has started (commands wait for
//! it), whether start-up recovery still runs, who is signed in at each window, and the demo
//! simulators while demo mode is on.

use kassa_app::window::PinEntry;
use kassa_app::{AppError, Demo, ErrorView, Operator, Role, Service};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tauri::WebviewWindow;
use tokio::sync::watch;

/// Label of the cashier and manager window.
pub const MAIN: &str = "main";
/// Label of the self-service kiosk window.
pub const KIOSK: &str = "kiosk";

/// Where start-up stands.
#[derive(Debug, Clone)]
pub enum Boot {
    /// Opening the ledger and starting demo mode.
    Starting,
    /// The service is open.
    Ready(Arc<Service>),
    /// It could not start; every command answers with this.
    Failed(ErrorView),
}

/// The result of a command as the window receives it.
pub type CmdResult<T> = Result<T, ErrorView>;

/// Shared state of the shell.
#[derive(Debug)]
pub struct AppState {
    boot: watch::Sender<Boot>,
    recovering: AtomicBool,
    sessions: Mutex<HashMap<String, Operator>>,
    demo: tokio::sync::Mutex<Option<Demo>>,
    started: std::time::Instant,
}

impl AppState {
    /// Nothing started yet.
    pub fn new() -> AppState {
        AppState {
            started: std::time::Instant::now(),
            boot: watch::Sender::new(Boot::Starting),
            recovering: AtomicBool::new(true),
            sessions: Mutex::new(HashMap::new()),
            demo: tokio::sync::Mutex::new(None),
        }
    }

    /// Records the outcome of start-up and wakes the commands waiting for it.
    pub fn set_boot(&self, b: Boot) {
        self.boot.send_replace(b);
    }

    /// The service, waiting while it starts.
    pub async fn service(&self) -> CmdResult<Arc<Service>> {
        let mut rx = self.boot.subscribe();
        loop {
            match &*rx.borrow_and_update() {
                Boot::Ready(s) => return Ok(s.clone()),
                Boot::Failed(e) => return Err(e.clone()),
                Boot::Starting => {}
            }
            if rx.changed().await.is_err() {
                return Err(internal("the service stopped while starting"));
            }
        }
    }

    /// Whether start-up recovery still runs.
    pub fn recovering(&self) -> bool {
        self.recovering.load(Ordering::SeqCst)
    }

    /// Marks start-up recovery as done (or running).
    pub fn set_recovering(&self, on: bool) {
        self.recovering.store(on, Ordering::SeqCst);
    }

    /// Refuses a new sale while start-up recovery is still asking terminals.
    pub fn refuse_while_recovering(&self) -> CmdResult<()> {
        if self.recovering() {
            Err(ErrorView {
                code: "recovering".into(),
                message: "Kassa is still checking unfinished payments with the terminals: wait \
                          a moment, then try again"
                    .into(),
            })
        } else {
            Ok(())
        }
    }

    fn lock_sessions(&self) -> MutexGuard<'_, HashMap<String, Operator>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Who acts at `window`: the kiosk's own identity in the kiosk window, else whoever
    /// signed in there.
    pub fn operator(&self, window: &WebviewWindow) -> CmdResult<Operator> {
        if window.label() == KIOSK {
            return Ok(Operator::kiosk());
        }
        self.lock_sessions()
            .get(window.label())
            .cloned()
            .ok_or_else(|| ErrorView {
                code: "signed-out".into(),
                message: "the till is locked: sign in with your PIN first".into(),
            })
    }

    /// Records who signed in at `window`.
    pub fn sign_in(&self, window: &WebviewWindow, op: Operator) {
        self.lock_sessions().insert(window.label().to_string(), op);
    }

    /// Forgets who signed in at `window`.
    pub fn sign_out(&self, window: &WebviewWindow) {
        self.lock_sessions().remove(window.label());
    }

    /// The service, and who acts for a privileged command: a manager whose PIN came with it
    /// (an override for this one action), else whoever is signed in. The service checks the
    /// role.
    pub async fn authorised(
        &self,
        window: &WebviewWindow,
        manager: Option<PinEntry>,
    ) -> CmdResult<(Arc<Service>, Operator)> {
        let svc = self.service().await?;
        let op = match manager {
            Some(entry) => verify_pin(&svc, entry).await?,
            None => self.operator(window)?,
        };
        Ok((svc, op))
    }

    /// When the shell started (for the start-up figures in the log).
    pub fn started(&self) -> std::time::Instant {
        self.started
    }

    /// The running simulators (demo mode only).
    pub fn demo(&self) -> &tokio::sync::Mutex<Option<Demo>> {
        &self.demo
    }
}

/// Checks a PIN off the async runtime (Argon2 takes a while on purpose).
pub async fn verify_pin(svc: &Arc<Service>, entry: PinEntry) -> CmdResult<Operator> {
    let svc = svc.clone();
    let result =
        tauri::async_runtime::spawn_blocking(move || svc.sign_in(&entry.account_id, &entry.pin.0))
            .await
            .map_err(|e| internal(&format!("the PIN check stopped: {e}")))?;
    result.map_err(pin_error)
}

/// Checks a PIN against every manager account (leaving the kiosk, where nobody picks a name).
pub async fn verify_any_manager(svc: &Arc<Service>, pin: PinEntry) -> CmdResult<Operator> {
    let managers: Vec<String> = svc
        .accounts()
        .map_err(|e| e.to_view())?
        .into_iter()
        .filter(|a| a.role == Role::Manager)
        .map(|a| a.id)
        .collect();
    let mut last = ErrorView {
        code: "wrong-pin".into(),
        message: "wrong PIN".into(),
    };
    for id in managers {
        match verify_pin(
            svc,
            PinEntry {
                account_id: id,
                pin: pin.pin.clone(),
            },
        )
        .await
        {
            Ok(op) => return Ok(op),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A refused PIN: `wrong-pin` or `pin-locked`, so the PIN pad can stay open and say why.
fn pin_error(e: AppError) -> ErrorView {
    let code = match &e {
        AppError::Conflict(_) => "pin-locked",
        AppError::Usage(_) | AppError::NotFound(_) => "wrong-pin",
        _ => return e.to_view(),
    };
    ErrorView {
        code: code.into(),
        message: e.to_string(),
    }
}

/// An error of the shell itself.
pub fn internal(what: &str) -> ErrorView {
    ErrorView {
        code: "internal".into(),
        message: format!("{what}. Restart Kassa; check the Orders screen before charging again"),
    }
}
