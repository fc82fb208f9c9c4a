//! Emulated KICC EDC device behind its bridge (docs/protocols.md §3): speaks the bridge protocol
//! (TCP, JSON lines) as the Android side would, driven by [`Scenario`]s — the happy path with
//! realistic timing, the signature path, card retries, no card, cancels before and after the
//! card read, a busy device, every business failure, repeated request ids, lost answers — and
//! keeps a transaction log so tests can check what was really charged.
//!
//! In-process: [`KiccSim::start`], then [`KiccSim::push_scenario`] per command and
//! [`KiccSim::transactions`] to assert. From a shell:
//! `kassa-sim kicc --listen 127.0.0.1:7800 --pairing-key bridge.key --scenario happy` (the
//! key file is created with a fresh key when it does not exist; give the same file to
//! `kassactl terminal add kicc --pairing-key`).

mod device;
mod line;
mod purchase;
mod refund;
mod scenario;
mod server;

pub use device::{Received, TxRecord, TxResult, REPEATED_APPROVAL};
pub use scenario::{Scenario, SimTiming};
pub use server::{write_key_file, KiccSim};

use std::io::Write;

/// Command-line options of `kassa-sim kicc`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// What the device does with every command: happy, try-again, fallback-magstripe,
    /// require-insert, no-card, hold-after-read, busy, response-timeout, drop-after-charge,
    /// silent, noise, late-answer, hang, drop-before-charge, garbage-line, truncated-line,
    /// wrong-amount, wrong-currency, replay-previous, forge-success, unsigned-success,
    /// wrong-mac, skip-seq, tampered-body, replay-line, or business-fail:CODE (e.g.
    /// business-fail:USER_BALANCE_NOT_ENOUGH).
    #[arg(long, default_value = "happy")]
    pub scenario: String,
    /// File holding the pairing key (base32). Created owner-only with a fresh key when it
    /// does not exist: the bridge "shows" its key that way.
    #[arg(long)]
    pub pairing_key: std::path::PathBuf,
    /// Answer at once instead of at a customer's pace.
    #[arg(long)]
    pub instant: bool,
}

/// Runs the emulator until interrupted. The first line on stdout is `listening on ADDR`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let scenario = Scenario::parse(&args.scenario).map_err(anyhow::Error::msg)?;
    let timing = if args.instant {
        SimTiming::instant()
    } else {
        SimTiming::realistic()
    };
    let key_file = &args.pairing_key;
    if !key_file.exists() {
        write_key_file(key_file, &kassa_kicc::PairingKey::generate()).map_err(|e| {
            anyhow::anyhow!(
                "cannot write the pairing key file {}: {e}",
                key_file.display()
            )
        })?;
        tracing::info!(file = %key_file.display(), "KICC bridge: new pairing key written");
    }
    let sim = KiccSim::bind(&args.listen, timing, scenario, key_file)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start on {}: {e}", args.listen))?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on {}", sim.addr())?;
        stdout.flush()?;
    }
    tracing::info!(scenario = %scenario, "KICC device emulator running; Ctrl-C stops it");
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
