//! Printing: print and reprint from the outcome screen and the order detail, the status
//! bar's retry and cancel, printer settings with the test page, and the Z report's print and
//! export. The service checks each role; the background queue prints what these queue.

use super::view;
use crate::state::{AppState, CmdResult};
use kassa_app::window::PinEntry;
use kassa_app::{PrintOutcome, PrintSettings, PrinterConfig, PrinterStatus, ZExport};
use kassa_ledger::{PrintCopy, PrintJob};
use tauri::{AppHandle, Emitter, State, WebviewWindow};

/// Event telling the windows a print job ended or the printers changed (refresh the status
/// bar).
pub const PRINTER_CHANGED: &str = "printer-changed";

/// The print queue in one line, for the status bar.
#[tauri::command]
pub async fn printer_status(state: State<'_, AppState>) -> CmdResult<PrinterStatus> {
    state.service().await?.printer_status().map_err(view)
}

/// The configured printers, the default first.
#[tauri::command]
pub async fn printers(
    window: WebviewWindow,
    state: State<'_, AppState>,
) -> CmdResult<Vec<PrinterConfig>> {
    let svc = state.service().await?;
    state.operator(&window)?;
    svc.printers().map_err(view)
}

/// What prints by itself, and the receipt language.
#[tauri::command]
pub async fn print_settings(
    window: WebviewWindow,
    state: State<'_, AppState>,
) -> CmdResult<PrintSettings> {
    let svc = state.service().await?;
    state.operator(&window)?;
    svc.print_settings().map_err(view)
}

/// Prints (or reprints) the document `id` names: an order, a refund, an unresolved attempt.
#[tauri::command]
pub async fn print(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    id: String,
    copy: Option<PrintCopy>,
    printer: Option<String>,
) -> CmdResult<PrintJob> {
    let svc = state.service().await?;
    let copy = copy.unwrap_or(PrintCopy::Customer);
    let job = svc
        .print_as(&state.operator(&window)?, &id, copy, printer.as_deref())
        .map_err(view)?;
    let _ = app.emit(PRINTER_CHANGED, ());
    Ok(job)
}

/// Retries a print job now (the status bar's Retry).
#[tauri::command]
pub async fn retry_print(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    job: i64,
) -> CmdResult<PrintJob> {
    let svc = state.service().await?;
    let job = svc
        .retry_print_as(&state.operator(&window)?, job)
        .await
        .map_err(view)?;
    let _ = app.emit(PRINTER_CHANGED, ());
    Ok(job)
}

/// Cancels a print job that has not printed.
#[tauri::command]
pub async fn cancel_print(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    job: i64,
) -> CmdResult<PrintJob> {
    let svc = state.service().await?;
    let job = svc
        .cancel_print_as(&state.operator(&window)?, job)
        .map_err(view)?;
    let _ = app.emit(PRINTER_CHANGED, ());
    Ok(job)
}

/// Adds or replaces a printer: managers only.
#[tauri::command]
pub async fn save_printer(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    printer: PrinterConfig,
    manager: Option<PinEntry>,
) -> CmdResult<PrinterConfig> {
    let (svc, op) = state.authorised(&window, manager).await?;
    let saved = svc.save_printer_as(&op, printer).map_err(view)?;
    let _ = app.emit(PRINTER_CHANGED, ());
    Ok(saved)
}

/// Removes a printer: managers only.
#[tauri::command]
pub async fn remove_printer(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    name: String,
    manager: Option<PinEntry>,
) -> CmdResult<()> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.remove_printer_as(&op, &name).map_err(view)?;
    let _ = app.emit(PRINTER_CHANGED, ());
    Ok(())
}

/// Saves the auto-print choices and the receipt language: managers only.
#[tauri::command]
pub async fn save_print_settings(
    window: WebviewWindow,
    state: State<'_, AppState>,
    settings: PrintSettings,
    manager: Option<PinEntry>,
) -> CmdResult<PrintSettings> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.save_print_settings_as(&op, &settings).map_err(view)?;
    Ok(settings)
}

/// Prints a printer's test page now: managers only.
#[tauri::command]
pub async fn print_test_page(
    window: WebviewWindow,
    state: State<'_, AppState>,
    name: String,
    manager: Option<PinEntry>,
) -> CmdResult<PrintOutcome> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.print_test_page_as(&op, &name).await.map_err(view)
}

/// Queues the Z report of a business day (`YYYY-MM-DD`): whoever may close the day.
#[tauri::command]
pub async fn print_z_report(
    app: AppHandle,
    window: WebviewWindow,
    state: State<'_, AppState>,
    day: String,
    printer: Option<String>,
    manager: Option<PinEntry>,
) -> CmdResult<PrintJob> {
    let (svc, op) = state.authorised(&window, manager).await?;
    let job = svc
        .print_z_report_as(&op, &day, printer.as_deref())
        .map_err(view)?;
    let _ = app.emit(PRINTER_CHANGED, ());
    Ok(job)
}

/// The Z report as PDF and CSV (of a day, or of the open period), for the window to save.
#[tauri::command]
pub async fn export_z_report(
    window: WebviewWindow,
    state: State<'_, AppState>,
    day: Option<String>,
    manager: Option<PinEntry>,
) -> CmdResult<ZExport> {
    let (svc, op) = state.authorised(&window, manager).await?;
    svc.export_z_report_as(&op, day.as_deref()).map_err(view)
}
