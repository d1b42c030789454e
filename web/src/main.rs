//! `sendpanel`: see `sendpanel --help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: rendering a page is many small
/// allocations, and under load glibc's malloc and free took a third of the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = sendpanel_web::cli::Cli::parse();
    match sendpanel_web::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, outermost context first: what an operator reads in a unit log.
            eprintln!(
                "sendpanel: error: {}",
                format!("{error:#}").replace('\n', " ")
            );
            ExitCode::FAILURE
        }
    }
}
