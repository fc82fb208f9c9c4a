//! The Tauri builder: command list, the window for this run, and start-up in the background
//! so the window appears at once and shows progress while the ledger opens, demo mode starts
//! and unfinished payments are reconciled.

use crate::commands::{manage, print, sale, session, settings};
use crate::state::{AppState, Boot, KIOSK, MAIN};
use kassa_app::{Demo, OpenOptions, Service};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

/// Command-line options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Args {
    /// Open the full-screen self-service kiosk instead of the cashier window.
    pub kiosk: bool,
}

const USAGE: &str =
    "usage: kassa [--kiosk]\n\n  --kiosk   open the full-screen self-service kiosk\n\n\
Data lives in KASSA_DATA_DIR, or the platform's data directory. KASSA_LOG sets the log filter.";

impl Args {
    /// Reads the arguments after the program name.
    pub fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut out = Args { kiosk: false };
        for a in args {
            match a.as_str() {
                "--kiosk" => out.kiosk = true,
                "--help" | "-h" => return Err(USAGE.to_string()),
                "--version" | "-V" => return Err(format!("kassa {}", env!("CARGO_PKG_VERSION"))),
                // Launchers and WebDriver may add their own switches; ignore what is not ours.
                other if other.starts_with("--") => tracing::debug!(arg = other, "ignored"),
                other => return Err(format!("unexpected argument {other:?}\n\n{USAGE}")),
            }
        }
        Ok(out)
    }
}

/// Builds and runs the application until its window closes.
pub fn run(args: Args) -> Result<(), tauri::Error> {
    tauri::Builder::default()
        .manage(AppState::new())
        .invoke_handler(tauri::generate_handler![
            sale::app_status,
            sale::catalog,
            sale::create_order,
            sale::pay,
            sale::cancel_payment,
            session::accounts,
            session::sign_in,
            session::sign_out,
            session::current_operator,
            session::kiosk_exit,
            session::ui_ready,
            manage::orders,
            manage::order_detail,
            manage::refund,
            manage::resolve_attempt,
            manage::recover_attempt,
            manage::z_report,
            manage::close_day,
            settings::diagnose_terminal,
            settings::usb_terminals,
            settings::save_terminal,
            settings::remove_terminal,
            settings::save_store,
            settings::save_product,
            settings::remove_product,
            settings::save_account,
            settings::remove_account,
            settings::demo_status,
            settings::demo_queue,
            print::printer_status,
            print::printers,
            print::print_settings,
            print::print,
            print::retry_print,
            print::cancel_print,
            print::save_printer,
            print::remove_printer,
            print::save_print_settings,
            print::print_test_page,
            print::print_z_report,
            print::export_z_report,
        ])
        .setup(move |app| {
            let url = WebviewUrl::App("index.html".into());
            if args.kiosk {
                WebviewWindowBuilder::new(app, KIOSK, url)
                    .title("Kassa kiosk")
                    .inner_size(1280.0, 800.0)
                    .fullscreen(true)
                    .decorations(false)
                    .build()?;
            } else {
                WebviewWindowBuilder::new(app, MAIN, url)
                    .title("Kassa")
                    .inner_size(1280.0, 800.0)
                    .min_inner_size(1024.0, 680.0)
                    .center()
                    .build()?;
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(start(handle));
            Ok(())
        })
        .run(tauri::generate_context!("tauri.conf.json"))
}

/// Opens the service, starts demo mode when there is no terminal, then reconciles every
/// unfinished payment before sales are allowed.
async fn start(app: AppHandle) {
    let state = app.state::<AppState>();
    let svc = match open(&state).await {
        Ok(svc) => svc,
        Err(e) => {
            tracing::error!(code = %e.code, message = %e.message, "start-up failed");
            state.set_boot(Boot::Failed(e));
            return;
        }
    };
    state.set_boot(Boot::Ready(svc.clone()));
    let _ = app.emit(settings::STATUS_CHANGED, ());
    spawn_print_queue(&app, svc.clone());
    match svc.recover_all().await {
        Ok(report) => tracing::info!(
            examined = report.examined,
            needs_manager = report.needs_manager.len(),
            running_elsewhere = report.running_elsewhere.len(),
            errors = report.errors.len(),
            "start-up recovery done"
        ),
        Err(e) => tracing::error!(error = %e, "start-up recovery failed"),
    }
    state.set_recovering(false);
    let _ = app.emit(settings::STATUS_CHANGED, ());
    // Attempts still unknown or waiting for a manager are asked about again for the app's
    // whole life: a terminal that comes back later settles them itself.
    tauri::async_runtime::spawn(async move {
        svc.run_recovery_checks(std::future::pending()).await;
    });
}

/// Starts the background printer for the life of the app; each job that ends tells the
/// windows to refresh their printer status.
fn spawn_print_queue(app: &AppHandle, svc: Arc<Service>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let on_job = move |job: &kassa_ledger::PrintJob| {
            tracing::debug!(job = job.id, state = job.state.as_str(), "print job ended");
            let _ = app.emit(print::PRINTER_CHANGED, ());
        };
        svc.run_print_queue(std::future::pending(), on_job).await;
    });
}

async fn open(state: &AppState) -> Result<Arc<Service>, kassa_app::ErrorView> {
    let env = std::env::var("KASSA_DATA_DIR").ok();
    let dir = kassa_app::paths::data_dir(env.as_deref()).map_err(|e| e.to_view())?;
    let db = dir.join(kassa_app::paths::LEDGER_FILE);
    tracing::info!(ledger = %db.display(), "opening the ledger");
    let svc = Arc::new(Service::open(OpenOptions::new(db)).map_err(|e| e.to_view())?);
    if svc.should_start_demo().map_err(|e| e.to_view())? {
        let demo = Demo::start(&svc, &dir).await.map_err(|e| e.to_view())?;
        *state.demo().lock().await = Some(demo);
    }
    Ok(svc)
}
