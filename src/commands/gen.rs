//! `gen --entries N --out DIR [--seed S] [--projects P]`: write a deterministic, valid
//! city-scale dataset — projects, sub-projects, appropriations, entries — for scale tests.
//!
//! The directory is the global `--out`. Nothing in it is ever replaced: if any of the four
//! files exists, nothing is written. The ledger is not opened; the command prints how to
//! import the files. The generator itself is developer tooling, in `dev::gen`.

use super::Ctx;
use crate::dev::gen::{self, Options};
use crate::error::{Check, Error, Problem, Result};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many entries to write, exactly. The four files go into the directory named by --out DIR.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=gen::MAX_ENTRIES))]
    pub entries: u64,
    /// The generator's seed: the same seed and sizes write the same files, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Projects in the register (about 12.5 sub-projects each); fewer make a small city.
    #[arg(
        long,
        default_value_t = gen::DEFAULT_PROJECTS,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(gen::MAX_PROJECTS))
    )]
    pub projects: u32,
    /// Also write the entries as an hledger journal, `city.journal`, each entry posted to its
    /// line's account for its kind (`hledger -f DIR/city.journal bal -N` sums what `balances` does).
    #[arg(long)]
    pub journal: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let Some(dir) = ctx.out_path() else {
        let message = crate::lang::pick(
            "gen 把四个 CSV 文件写入一个目录：请用 --out DIR 指定",
            "gen writes four CSV files into a directory: name it with --out DIR",
        );
        return Err(Error::rejected(Problem::new(Check::File, message).column("--out")));
    };
    if dir.exists() && !dir.is_dir() {
        let d = crate::error::shown_path(dir);
        let message = crate::tr!(
            "{d} 是文件；--out 应指定 gen 写入四个 CSV 文件的目录",
            "{d} is a file; --out names the directory gen writes its four CSV files into"
        );
        return Err(Error::rejected(Problem::new(Check::File, message).column("--out")));
    }
    let options = Options { entries: args.entries, projects: args.projects, seed: args.seed };
    let journal = dir.join("city.journal");
    if args.journal && journal.exists() {
        let j = crate::error::shown_path(&journal);
        let message =
            crate::tr!("{j} 已存在；gen 从不覆盖文件", "{j} already exists; gen never overwrites a file");
        return Err(Error::rejected(Problem::new(Check::File, message).column("--journal")));
    }
    let summary = gen::generate(dir, &options)?;
    gen::print_summary(dir, &options, &summary);
    if args.journal {
        let n = crate::dev::derive::write_journal(&dir.join("entries.csv"), &journal)?;
        let j = crate::error::shown_path(&journal);
        println!("{}", crate::tr!("已写入 {j}（{n} 笔交易）", "wrote {j} ({n} transactions)"));
    }
    Ok(0)
}
