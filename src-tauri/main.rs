//! Kassa's desktop shell: a thin Tauri 2 layer over `kassa-app`. It opens the cashier window
//! (`kassa`) or the self-service kiosk (`kassa --kiosk`), starts the service in the background
//! (ledger in `KASSA_DATA_DIR` or the platform's data directory; demo simulators when no
//! terminal is configured; recovery of unfinished payments), and exposes the commands in
//! `commands/` to the windows their capability files allow.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod shell;
mod state;

fn main() {
    let args = match shell::Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KASSA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = shell::run(args) {
        eprintln!("Kassa could not start: {e}");
        std::process::exit(1);
    }
}
