//! The Antom N950 as a real peer on loopback: signed and encrypted HTTP (docs/protocols.md §1), its
//! own transaction store with Antom's idempotency and refund rules, and scriptable faults.
//!
//! In-process: [`AntomSim::start`] a [`SimConfig`], then [`AntomSimHandle::push`] a
//! [`Behaviour`] per coming payment (an empty queue approves), [`AntomSimHandle::payments`] to
//! see how often a card was charged, and [`AntomSimHandle::shutdown`]. From another process:
//! `kassa-sim antom ...` prints `listening on ADDR` first, then takes
//! `POST /_sim/behaviour` (`{"pay":"drop-after-charge"}`, a list, `{"refund":...}`,
//! `{"diagnosis-ready":false}`) and answers `GET /_sim/payments`, from loopback only.
//!
//! Over USB: [`AntomSimHandle::attach_usb`] serves the same terminal (same store and queues)
//! on the far side of a fake USB device (`kassa_antom::usb::fake`), framed as docs/protocols.md §2.2.

mod behaviour;
mod server;
mod store;
mod usb_device;

pub use behaviour::{Behaviour, Control, Final, RefundBehaviour, DEFAULT_DECLINE};
pub use server::{AntomSim, AntomSimHandle, SimConfig};
pub use store::{SimPayment, SimPaymentStatus, SimRefund};
pub use usb_device::UsbTerminal;

use anyhow::Context;
use kassa_antom::protocol::{Envelope, PrivateKey, PublicKey};
use std::io::Write;
use std::path::PathBuf;

/// Command-line options of `kassa-sim antom`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// The terminal's serial number, expected as `Client-Id`.
    #[arg(long, default_value = "N950SN0001")]
    pub client_id: String,
    /// The POS public key (SPKI PEM): verifies requests and encrypts answers.
    #[arg(long)]
    pub pos_public_key: PathBuf,
    /// The terminal private key (PKCS#8 PEM): signs answers and opens requests.
    #[arg(long)]
    pub terminal_private_key: PathBuf,
    /// Envelope profile: ecb (default) or gcm.
    #[arg(long, default_value = "ecb")]
    pub envelope: Envelope,
    /// Customer Mode: on allows one partial refund per payment; off, full refunds only.
    #[arg(long, default_value = "off", value_parser = on_off, action = clap::ArgAction::Set)]
    pub customer_mode: bool,
    /// Behaviours of the coming payments, in order (repeatable): approve, decline[=CODE],
    /// delay-answer=30s, delay-then-decline=30s, in-progress=N:approve|decline[=CODE],
    /// drop-after-charge, bad-signature, tampered-body, wrong-amount, terminal-busy,
    /// reset-before-charge, hang, garbage-body, truncated-body, wrong-currency,
    /// replay-previous, replay-last-approval, stale-response-time=10m, stale-request-time=10m.
    #[arg(long = "behaviour")]
    pub behaviours: Vec<Behaviour>,
    /// Behaviours of the coming refunds (repeatable): approve, decline[=CODE],
    /// drop-after-refund, drop-then-refuse-repeats, hold=DURATION.
    #[arg(long = "refund-behaviour")]
    pub refund_behaviours: Vec<RefundBehaviour>,
    /// Diagnosis reports the terminal as not ready.
    #[arg(long)]
    pub diagnosis_not_ready: bool,
}

fn on_off(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        other => Err(format!("{other:?}: use on or off")),
    }
}

/// Runs the simulator until interrupted. Prints `listening on ADDR` as the first stdout line.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let listen = args.listen.parse().with_context(|| {
        format!(
            "--listen {:?} is not an address like 127.0.0.1:8344",
            args.listen
        )
    })?;
    let pos_pem = std::fs::read_to_string(&args.pos_public_key).with_context(|| {
        format!(
            "cannot read the POS public key {}",
            args.pos_public_key.display()
        )
    })?;
    let term_pem = std::fs::read_to_string(&args.terminal_private_key).with_context(|| {
        format!(
            "cannot read the terminal private key {}",
            args.terminal_private_key.display()
        )
    })?;
    let pos = PublicKey::from_pem(&pos_pem).with_context(|| {
        format!(
            "{} is not the POS public key",
            args.pos_public_key.display()
        )
    })?;
    let term = PrivateKey::from_pem(&term_pem).with_context(|| {
        format!(
            "{} is not the terminal private key",
            args.terminal_private_key.display()
        )
    })?;
    let mut cfg = SimConfig::new(&args.client_id, pos, term);
    cfg.listen = listen;
    cfg.envelope = args.envelope;
    cfg.customer_mode = args.customer_mode;
    cfg.diagnosis_ready = !args.diagnosis_not_ready;
    let sim = AntomSim::start(cfg)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    args.behaviours.into_iter().for_each(|b| sim.push(b));
    args.refund_behaviours
        .into_iter()
        .for_each(|b| sim.push_refund(b));
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", sim.addr())?;
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
