//! `measure -- ARGS…` (hidden): runs one fundledger command in this process, then prints the
//! process's peak resident memory to stderr. `bench` runs its timed child processes through
//! it, so no other run of fundledger ever looks at memory. `cli` parses and runs the command
//! (this module never calls back up into it); this module holds the arguments and the reading
//! of the peak.

use std::ffi::OsString;

/// How the peak is printed, on its own line of stderr; `bench` reads it back.
pub const PEAK_PREFIX: &str = "peak memory KiB: ";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The fundledger command to run, with its arguments and global options, after `--`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true, value_name = "ARGS")]
    pub command: Vec<OsString>,
}

/// Prints this process's peak memory on its own line of stderr, for `bench` to read back.
pub fn print_peak() {
    if let Some(kib) = peak_kib() {
        eprintln!("{PEAK_PREFIX}{kib}");
    }
}

/// This process's peak resident memory in KiB (Linux: VmHWM in /proc/self/status); `None`
/// where the kernel does not say.
fn peak_kib() -> Option<u64> {
    vm_hwm(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// The peak resident memory (VmHWM, KiB) a /proc/PID/status text gives.
pub fn vm_hwm(status: &str) -> Option<u64> {
    let value = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    value.trim().trim_end_matches("kB").trim().parse().ok()
}
