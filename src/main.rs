//! The `tandem` command: see `tandem --help`.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: markedly faster than the system allocator for many small,
/// short-lived allocations (rendering pages), as the TechEmpower entries found.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
