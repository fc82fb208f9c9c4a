//! Simulated kicc device (being built).

/// Command-line options of `kassa-sim kicc`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
}

/// Runs the simulator until interrupted.
pub async fn run(args: Args) -> anyhow::Result<()> {
    anyhow::bail!("the kicc simulator is not built yet (listen {})", args.listen)
}
