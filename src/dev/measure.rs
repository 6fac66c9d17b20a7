//! `measure -- ARGS…` (hidden): runs one fundledger command in this process, then prints the
//! process's peak resident memory to stderr. `bench` runs its timed child processes through
//! it, so no other run of fundledger ever looks at memory.

use crate::cli::{self, Cli};
use crate::error::Result;
use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// How the peak is printed, on its own line of stderr; `bench` reads it back.
pub const PEAK_PREFIX: &str = "peak memory KiB: ";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The fundledger command to run, with its arguments and global options, after `--`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true, value_name = "ARGS")]
    pub command: Vec<OsString>,
}

/// Parses `args.command` as a whole fundledger command line, runs it, and prints the peak
/// memory whatever the outcome; the command's result is this one's.
pub fn run(args: &Args) -> Result<u8> {
    let argv = std::iter::once(OsString::from("fundledger")).chain(args.command.iter().cloned());
    let matches = Cli::command().try_get_matches_from(argv).unwrap_or_else(|e| e.exit());
    let parsed = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let typed = matches.value_source("operator") == Some(clap::parser::ValueSource::CommandLine);
    let result = cli::run(parsed, typed);
    if let Some(kib) = peak_kib() {
        eprintln!("{PEAK_PREFIX}{kib}");
    }
    result
}

/// This process's peak resident memory in KiB (Linux: VmHWM in /proc/self/status); `None`
/// where the kernel does not say.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let value = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    value.trim().trim_end_matches("kB").trim().parse().ok()
}
