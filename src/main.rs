//! The `fundledger` binary: parse arguments, run, map the result to an exit code.

#![forbid(unsafe_code)]

use clap::{CommandFactory, FromArgMatches};
use fundledger::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let typed = matches.value_source("operator") == Some(clap::parser::ValueSource::CommandLine);
    match cli::run(cli, typed) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
