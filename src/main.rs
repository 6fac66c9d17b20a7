//! The `fundledger` binary: parse arguments, run, map the result to an exit code.

#![forbid(unsafe_code)]

use fundledger::cli;
use std::process::ExitCode;

/// mimalloc, not the system's allocator: the reports' many small strings made glibc's malloc
/// and free about a quarter of their time (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match cli::run(cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
