//! `bench`: the performance figures of README's performance section, in one run. The
//! benchmark itself is developer tooling, in `dev::bench`.

use super::Ctx;
use crate::dev::bench::{self, Options};
use crate::error::Result;
use crate::render::{self, Unit};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many entries to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub entries: u64,
    /// How many runs (the median is reported).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub runs: u32,
    /// The generator's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to keep the data and the ledgers (default: a new directory under the system's
    /// temporary directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let options = Options { entries: args.entries, runs: args.runs, seed: args.seed, dir: args.dir.clone() };
    let report = bench::run(&options)?;
    render::print(&report, ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
