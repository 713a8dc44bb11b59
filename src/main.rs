use clap::Parser;
use pactwire::config::{Cli, Command};
use pactwire::{app, store, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => app::serve(args).await,
        Command::Migrate(args) => {
            telemetry::init("info", false);
            let (url, local) = app::database(&args).await?;
            let applied = store::migrate(&url).await;
            if let Some(local) = local {
                local.stop().await?;
            }
            println!("applied {} migration(s)", applied?);
            Ok(())
        }
    }
}
