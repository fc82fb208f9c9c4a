//! `kassa-sim`: runs one simulated terminal until interrupted.

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "kassa-sim", about = "Simulated payment terminals for Kassa")]
struct Cli {
    #[command(subcommand)]
    vendor: Vendor,
}

#[derive(Subcommand, Debug)]
enum Vendor {
    /// Antom N950 over LAN (signed, encrypted HTTP).
    #[cfg(feature = "antom")]
    Antom(kassa_sim::antom::Args),
    /// KICC EDC bridge (TCP JSON lines, callback mode).
    #[cfg(feature = "kicc")]
    Kicc(kassa_sim::kicc::Args),
    /// IOT Pay cloud for PAX terminals (CC_PAX).
    #[cfg(feature = "iotpay")]
    Iotpay(kassa_sim::iotpay::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().vendor {
        #[cfg(feature = "antom")]
        Vendor::Antom(a) => kassa_sim::antom::run(a).await,
        #[cfg(feature = "kicc")]
        Vendor::Kicc(a) => kassa_sim::kicc::run(a).await,
        #[cfg(feature = "iotpay")]
        Vendor::Iotpay(a) => kassa_sim::iotpay::run(a).await,
    }
}
