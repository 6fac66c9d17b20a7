//! The `fundledger` binary: parse arguments, run, map the result to an exit code.

#![forbid(unsafe_code)]

use clap::Parser;
use fundledger::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    };
    if std::env::var_os(fundledger::commands::bench::PEAK_ENV).is_some() {
        fundledger::commands::bench::report_peak_memory();
    }
    code
}
