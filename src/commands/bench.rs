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
    /// Load the web application instead: `fundledger serve` on loopback with --clients signed-in
    /// clients (--writers of them posting entries) for --seconds, on the demo ledger and on a
    /// generated ledger of --entries entries (0: the demo only).
    #[arg(long)]
    pub serve: bool,
    #[arg(long, default_value_t = 50, requires = "serve")]
    pub clients: usize,
    #[arg(long, default_value_t = 10, requires = "serve")]
    pub writers: usize,
    #[arg(long, default_value_t = 10, requires = "serve", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub seconds: u64,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    if args.serve {
        let options = crate::dev::load::LoadOptions {
            clients: args.clients.max(1),
            writers: args.writers.min(args.clients),
            seconds: args.seconds,
            entries: args.entries,
            seed: args.seed,
            dir: args.dir.clone(),
        };
        let report = crate::dev::load::run(&options)?;
        render::print(&report, ctx.options(Unit::Yuan), ctx.out())?;
        return Ok(0);
    }
    let options = Options { entries: args.entries, runs: args.runs, seed: args.seed, dir: args.dir.clone() };
    let report = bench::run(&options)?;
    render::print(&report, ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
