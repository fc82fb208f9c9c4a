//! Who is at the till: accounts for the sign-in screen, sign in and out, and leaving the
//! kiosk with a manager's PIN.

use super::view;
use crate::state::{verify_any_manager, verify_pin, AppState, CmdResult};
use kassa_app::window::{OperatorView, PinEntry};
use kassa_app::AccountView;
use tauri::{AppHandle, State, WebviewWindow};

/// The accounts, for the sign-in screen (names and roles, never hashes).
#[tauri::command]
pub async fn accounts(state: State<'_, AppState>) -> CmdResult<Vec<AccountView>> {
    state.service().await?.accounts().map_err(view)
}

/// Signs in at this window with an account's PIN.
#[tauri::command]
pub async fn sign_in(
    window: WebviewWindow,
    state: State<'_, AppState>,
    entry: PinEntry,
) -> CmdResult<OperatorView> {
    let svc = state.service().await?;
    let op = verify_pin(&svc, entry).await?;
    let view = OperatorView::from(&op);
    state.sign_in(&window, op);
    Ok(view)
}

/// Signs out of this window.
#[tauri::command]
pub async fn sign_out(window: WebviewWindow, state: State<'_, AppState>) -> CmdResult<()> {
    state.sign_out(&window);
    Ok(())
}

/// Who is signed in at this window, if anyone.
#[tauri::command]
pub async fn current_operator(
    window: WebviewWindow,
    state: State<'_, AppState>,
) -> CmdResult<Option<OperatorView>> {
    Ok(state
        .operator(&window)
        .ok()
        .map(|op| OperatorView::from(&op)))
}

/// Leaves kiosk mode (quits Kassa) when a manager's PIN is entered.
#[tauri::command]
pub async fn kiosk_exit(
    app: AppHandle,
    state: State<'_, AppState>,
    entry: PinEntry,
) -> CmdResult<()> {
    let svc = state.service().await?;
    let op = if entry.account_id.is_empty() {
        verify_any_manager(&svc, entry).await?
    } else {
        verify_pin(&svc, entry).await?
    };
    svc.kiosk_exit(&op).map_err(view)?;
    app.exit(0);
    Ok(())
}

/// The window reports that a screen is ready for input; logged with the time since start so
/// `scripts/measure-startup.sh` can read cold-start figures from the log.
#[tauri::command]
pub fn ui_ready(screen: String, state: State<'_, AppState>) {
    tracing::info!(
        screen = %screen,
        since_start_ms = state.started().elapsed().as_millis() as u64,
        "window ready for input"
    );
}
