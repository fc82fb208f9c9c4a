//! Checkout commands, shared by the cashier window and the kiosk: status, catalog, order from
//! a cart, pay (in a spawned task, its events forwarded to the window), cancel.

use super::view;
use crate::state::{internal, AppState, CmdResult};
use kassa_app::window::{AppStatus, OrderCreated, PaymentResult};
use kassa_app::{CartInput, Product};
use kassa_core::{CancelAck, TerminalEvent};
use tauri::{Emitter, State, WebviewWindow};

/// Event carrying each [`TerminalEvent`] of the payment running for this window.
pub const PAYMENT_EVENT: &str = "payment-event";

/// Everything the window draws: store, terminals, demo flag, unresolved attempts.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let svc = state.service().await?;
    svc.app_status(state.recovering()).map_err(view)
}

/// The catalog.
#[tauri::command]
pub async fn catalog(state: State<'_, AppState>) -> CmdResult<Vec<Product>> {
    state.service().await?.catalog().map_err(view)
}

/// Records an order for the cart (prices from the catalog).
#[tauri::command]
pub async fn create_order(
    window: WebviewWindow,
    state: State<'_, AppState>,
    cart: CartInput,
) -> CmdResult<OrderCreated> {
    let svc = state.service().await?;
    let op = state.operator(&window)?;
    svc.order_from_cart(&op, &cart)
        .map(|o| OrderCreated::from(&o))
        .map_err(view)
}

/// Pays an order. The payment runs in its own task (it finishes even if the window goes
/// away); its events go to this window as `payment-event`, its outcome is the answer.
#[tauri::command]
pub async fn pay(
    window: WebviewWindow,
    state: State<'_, AppState>,
    order_id: String,
    terminal: Option<String>,
) -> CmdResult<PaymentResult> {
    let svc = state.service().await?;
    state.refuse_while_recovering()?;
    let op = state.operator(&window)?;
    let task = tauri::async_runtime::spawn(async move {
        let label = window.label().to_string();
        let sink = move |e: TerminalEvent| {
            if let Err(err) = window.emit_to(label.as_str(), PAYMENT_EVENT, &e) {
                tracing::warn!(error = %err, "payment event not delivered to the window");
            }
        };
        svc.pay_as(&op, &order_id, terminal.as_deref(), &sink).await
    });
    let report = task
        .await
        .map_err(|e| internal(&format!("the payment task stopped: {e}")))?;
    report.map(PaymentResult::from).map_err(view)
}

/// Asks the terminal to stop a payment still waiting for a card.
#[tauri::command]
pub async fn cancel_payment(
    window: WebviewWindow,
    state: State<'_, AppState>,
    terminal: String,
    request_id: String,
) -> CmdResult<CancelAck> {
    let svc = state.service().await?;
    let op = state.operator(&window)?;
    svc.cancel_as(&op, &terminal, &request_id)
        .await
        .map_err(view)
}
