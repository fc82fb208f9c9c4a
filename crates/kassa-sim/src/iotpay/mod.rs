//! The IOT Pay cloud as the CC_PAX driver sees it, with the PAX terminal behind it simulated:
//! a real HTTP server on loopback that checks forms and MD5 signatures, holds each
//! `create_order` while the "customer" pays, and answers signed per docs/protocols.md §4.2 — or, as
//! scripted, declines, cancels, answers too late, never finishes, signs wrongly or reports a
//! different amount.
//!
//! In-process use: [`IotPaySim::start`], [`IotPaySim::push`] a [`Behaviour`] per coming order,
//! [`IotPaySim::orders`] to see what was paid, [`IotPaySim::fail_queries`] for a cloud too busy
//! to answer queries. From another process: `kassa-sim iotpay`, then `POST /_sim/behaviours`
//! (`{"kind":"decline"}` or a list), `POST /_sim/query-faults` (`{"count":3}`) and
//! `GET /_sim/orders`.

mod answers;
mod server;
mod store;

pub use answers::{approved_extra, unpaid_extra, CANCELLED_TEXT, DECLINED_TEXT};
pub use server::{IotPaySim, SimConfig};
pub use store::{Behaviour, SimOrder, DEFAULT_HOLD};

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Command-line options of `kassa-sim iotpay`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on (loopback only).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// The merchant id the cloud accepts (`mchId`).
    #[arg(long)]
    pub mch_id: String,
    /// File holding that merchant's key.
    #[arg(long)]
    pub key_file: PathBuf,
    /// Behaviours for the coming orders, in order (repeatable): approve, decline, cancel,
    /// timeout[:SECONDS], stuck-paying, bad-signature, wrong-amount. Afterwards: approve.
    #[arg(long = "behaviour")]
    pub behaviours: Vec<Behaviour>,
    /// How long the simulated customer takes on the terminal, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    pub terminal_wait_ms: u64,
    /// Send failure answers (`retCode` or `resCode` FAIL) without a `sign`.
    #[arg(long)]
    pub unsigned_failures: bool,
}

/// Runs the simulator until interrupted. Prints `listening on ADDR` first on stdout.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let listen = args.listen.parse().map_err(|e| {
        anyhow::anyhow!(
            "--listen {:?} is not an address like 127.0.0.1:8080: {e}",
            args.listen
        )
    })?;
    let key = std::fs::read_to_string(&args.key_file).map_err(|e| {
        anyhow::anyhow!("cannot read the key file {}: {e}", args.key_file.display())
    })?;
    let key = key.trim();
    if key.is_empty() {
        anyhow::bail!("the key file {} is empty", args.key_file.display());
    }
    let mut cfg = SimConfig::new(&args.mch_id, key);
    cfg.listen = listen;
    cfg.terminal_wait = Duration::from_millis(args.terminal_wait_ms);
    cfg.sign_failures = !args.unsigned_failures;
    let sim = IotPaySim::start(cfg).await?;
    for b in args.behaviours {
        sim.push(b);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", sim.addr())?;
    out.flush()?;
    drop(out);
    tracing::info!(base_url = %sim.base_url(), "IOT Pay simulator ready");
    tokio::signal::ctrl_c().await?;
    sim.stop().await
}
