//! Managers' settings: terminals (with diagnosis), store details, catalog, accounts; and the
//! demo controls, which answer only in demo mode.

use super::view;
use crate::state::{AppState, CmdResult};
use kassa_app::registry::UsbTerminalView;
use kassa_app::window::{PinEntry, TerminalInfo, TerminalInput};
use kassa_app::{
    AccountInput, AccountView, DemoBehaviour, DemoStatus, ErrorView, Product, StoreSettings,
};
use kassa_core::Diagnosis;
use tauri::{AppHandle, Emitter, State, WebviewWindow};

/// Event telling every window to reload the status (demo mode ended, recovery finished).
pub const STATUS_CHANGED: &str = "status-changed";

/// Tests a terminal.
#[tauri::command]
pub async fn diagnose_terminal(
    window: WebviewWindow,
    state: State<'_, AppState>,
    name: String,
) -> CmdResult<Diagnosis> {
    let svc = state.service().await?;
    svc.diagnose_as(&state.operator(&window)?, &name)
        .await
        .map_err(view)
}

/// USB devices that are, or may be, N950 terminals, for the terminal settings.
#[tauri::command]
pub async fn usb_terminals(
    window: WebviewWindow,
    state: State<'_, AppState>,
) -> CmdResult<Vec<UsbTerminalView>> {
    let svc = state.service().await?;
    svc.usb_terminals_as(&state.operator(&window)?)
        .await
        .map_err(view)
}

/// Adds or changes a terminal; a real terminal ends demo mode and stops the simulators.
#[tauri::command]
pub async fn save_terminal(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    input: TerminalInput,
    manager: Option<PinEntry>,
) -> CmdResult<TerminalInfo> {
    let (svc, op) = state.authorised(&window, manager).await?;
    let saved = svc.save_terminal_as(&op, input).map_err(view)?;
    if !svc.is_demo().map_err(view)? {
        if let Some(demo) = state.demo().lock().await.take() {
            demo.stop().await;
            tracing::info!("demo mode ended: simulators stopped");
        }
    }
    let _ = app.emit(STATUS_CHANGED, ());
    Ok(saved)
}

/// Removes a terminal.
#[tauri::command]
pub async fn remove_terminal(
    window: WebviewWindow,
    state: State<'_, AppState>,
    name: String,
    manager: Option<PinEntry>,
) -> CmdResult<()> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.remove_terminal_as(&op, &name).map_err(view)
}

/// Saves the store's details, currency and tax rates.
#[tauri::command]
pub async fn save_store(
    window: WebviewWindow,
    state: State<'_, AppState>,
    settings: StoreSettings,
    manager: Option<PinEntry>,
) -> CmdResult<StoreSettings> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.save_store_settings(&op, settings).map_err(view)
}

/// Adds or changes a product.
#[tauri::command]
pub async fn save_product(
    window: WebviewWindow,
    state: State<'_, AppState>,
    product: Product,
    manager: Option<PinEntry>,
) -> CmdResult<Product> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.save_product(&op, product).map_err(view)
}

/// Removes a product.
#[tauri::command]
pub async fn remove_product(
    window: WebviewWindow,
    state: State<'_, AppState>,
    id: String,
    manager: Option<PinEntry>,
) -> CmdResult<()> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.remove_product(&op, &id).map_err(view)
}

/// Adds or changes an account and its PIN.
#[tauri::command]
pub async fn save_account(
    window: WebviewWindow,
    state: State<'_, AppState>,
    input: AccountInput,
    manager: Option<PinEntry>,
) -> CmdResult<AccountView> {
    let (svc, op) = state.authorised(&window, manager).await?;
    let svc2 = svc.clone();
    // Hashing a new PIN takes a moment: keep it off the async workers.
    tauri::async_runtime::spawn_blocking(move || svc2.save_account(&op, input))
        .await
        .map_err(|e| crate::state::internal(&format!("saving the account stopped: {e}")))?
        .map_err(view)
}

/// Removes an account.
#[tauri::command]
pub async fn remove_account(
    window: WebviewWindow,
    state: State<'_, AppState>,
    id: String,
    manager: Option<PinEntry>,
) -> CmdResult<()> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.remove_account(&op, &id).map_err(view)
}

/// Demo mode's state (inactive outside demo mode).
#[tauri::command]
pub async fn demo_status(state: State<'_, AppState>) -> CmdResult<DemoStatus> {
    state.service().await?;
    Ok(match state.demo().lock().await.as_ref() {
        Some(demo) => demo.status(),
        None => DemoStatus::inactive(),
    })
}

/// Chooses what a demo terminal does with its next payment: demo mode only.
#[tauri::command]
pub async fn demo_queue(
    window: WebviewWindow,
    state: State<'_, AppState>,
    terminal: String,
    behaviour: DemoBehaviour,
) -> CmdResult<DemoStatus> {
    let svc = state.service().await?;
    state.operator(&window)?;
    let guard = state.demo().lock().await;
    match guard.as_ref() {
        Some(demo) if svc.is_demo().map_err(view)? => {
            demo.queue(&terminal, behaviour).map_err(view)
        }
        _ => Err(ErrorView {
            code: "not-demo".into(),
            message: "demo controls work only in demo mode".into(),
        }),
    }
}
