//! Orders and money after the sale: the order list and detail, refunds, settling unknown
//! payments, asking a terminal again, the Z report and closing the day.

use super::view;
use crate::state::{AppState, CmdResult};
use kassa_app::window::{
    OrderDetailView, OrderQuery, OrderRow, PaymentResult, PinEntry, RefundInput, RefundResult,
    ResolveInput,
};
use kassa_app::ZReport;
use kassa_core::TerminalEvent;
use tauri::{Emitter, State, WebviewWindow};

/// Orders matching the filters.
#[tauri::command]
pub async fn orders(
    window: WebviewWindow,
    state: State<'_, AppState>,
    query: OrderQuery,
) -> CmdResult<Vec<OrderRow>> {
    let svc = state.service().await?;
    svc.order_rows(&state.operator(&window)?, &query)
        .map_err(view)
}

/// One order with its attempts and their journal.
#[tauri::command]
pub async fn order_detail(
    window: WebviewWindow,
    state: State<'_, AppState>,
    id: String,
) -> CmdResult<OrderDetailView> {
    let svc = state.service().await?;
    svc.order_view(&state.operator(&window)?, &id).map_err(view)
}

/// Refunds a payment (or records a refund done on the terminal): managers only.
#[tauri::command]
pub async fn refund(
    window: WebviewWindow,
    state: State<'_, AppState>,
    input: RefundInput,
    manager: Option<PinEntry>,
) -> CmdResult<RefundResult> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.refund_as(&op, input)
        .await
        .map(RefundResult::from)
        .map_err(view)
}

/// Settles an unknown payment with the terminal's evidence: managers only.
#[tauri::command]
pub async fn resolve_attempt(
    window: WebviewWindow,
    state: State<'_, AppState>,
    input: ResolveInput,
    manager: Option<PinEntry>,
) -> CmdResult<PaymentResult> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.resolve_as(&op, input)
        .map(PaymentResult::from)
        .map_err(view)
}

/// Asks the terminal again about an unknown attempt; progress goes out as `payment-event`.
#[tauri::command]
pub async fn recover_attempt(
    window: WebviewWindow,
    state: State<'_, AppState>,
    request_id: String,
) -> CmdResult<PaymentResult> {
    let svc = state.service().await?;
    let op = state.operator(&window)?;
    let label = window.label().to_string();
    let sink = move |e: TerminalEvent| {
        if let Err(err) = window.emit_to(label.as_str(), super::sale::PAYMENT_EVENT, &e) {
            tracing::warn!(error = %err, "recovery event not delivered to the window");
        }
    };
    svc.recover_as(&op, &request_id, &sink)
        .await
        .map(PaymentResult::from)
        .map_err(view)
}

/// The Z report of the day so far.
#[tauri::command]
pub async fn z_report(window: WebviewWindow, state: State<'_, AppState>) -> CmdResult<ZReport> {
    let svc = state.service().await?;
    state.operator(&window)?;
    svc.z_report().map_err(view)
}

/// Closes the day: managers only, refused while any attempt is unresolved.
#[tauri::command]
pub async fn close_day(
    window: WebviewWindow,
    state: State<'_, AppState>,
    manager: Option<PinEntry>,
) -> CmdResult<ZReport> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.close_day(&op).map_err(view)
}
