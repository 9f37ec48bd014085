//! The `tandem` command: see `tandem --help`.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = tandem::cli::Cli::parse();
    tandem::telemetry::init(cli.log_format);
    match tandem::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tandem: {error:#}");
            ExitCode::FAILURE
        }
    }
}
