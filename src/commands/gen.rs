//! `gen --entries N --out DIR [--seed S] [--projects P]`: write a deterministic, valid
//! city-scale dataset — projects, sub-projects, appropriations, entries — for scale tests.
//!
//! The directory is the global `--out`. Nothing in it is ever replaced: if any of the four
//! files exists, nothing is written. The ledger is not opened; the command prints how to
//! import the files.

use super::Ctx;
use crate::error::{Check, Error, Problem, Result};
use crate::gen::{self, Options, Summary, FILES};
use crate::model::Kind;
use std::path::Path;

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
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let Some(dir) = ctx.out_path() else {
        let message = "gen writes four CSV files into a directory: name it with --out DIR";
        return Err(Error::rejected(Problem::new(Check::File, message).column("--out")));
    };
    if dir.exists() && !dir.is_dir() {
        let message = format!(
            "{} is a file; --out names the directory gen writes its four CSV files into",
            crate::error::shown_path(dir)
        );
        return Err(Error::rejected(Problem::new(Check::File, message).column("--out")));
    }
    let options = Options { entries: args.entries, projects: args.projects, seed: args.seed };
    let summary = gen::generate(dir, &options)?;
    print_summary(dir, &options, &summary);
    Ok(0)
}

fn print_summary(dir: &Path, options: &Options, s: &Summary) {
    let path = |name: &str| shell_word(&crate::error::shown_path(&dir.join(name)).to_string());
    crate::outln!("wrote {}: {} projects", path(FILES[0]), s.projects);
    crate::outln!("wrote {}: {} sub-projects ({} excluded)", path(FILES[1]), s.subprojects, s.excluded);
    crate::outln!("wrote {}: {} appropriation lines", path(FILES[2]), s.appropriations);
    let dates = match (s.first_date, s.last_date) {
        (Some(first), Some(last)) => format!(", dated {first} to {last}"),
        _ => String::new(),
    };
    crate::outln!("wrote {}: {} entries on {} lines{dates}", path(FILES[3]), s.entries, s.lines);
    let mix: Vec<String> = Kind::ALL
        .iter()
        .zip(s.kinds)
        .map(|(kind, n)| format!("{kind} {n} ({})", percent(n, s.entries)))
        .collect();
    crate::outln!("entries by kind: {}", mix.join(", "));
    crate::outln!("seed {}; the figures are illustrative, not real.", options.seed);
    crate::outln!("\nImport them into a fresh ledger, in this order:");
    crate::outln!("  fundledger init");
    for (what, name) in ["projects", "subprojects", "appropriations", "entries"].iter().zip(FILES) {
        crate::outln!("  fundledger import {what} {}", path(name));
    }
}

/// `n` of `total` as a percentage with one decimal, in integer arithmetic.
fn percent(n: u64, total: u64) -> String {
    if total == 0 {
        return "0.0%".to_string();
    }
    let tenths = (u128::from(n) * 1000 + u128::from(total) / 2) / u128::from(total);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// Quotes a path for a POSIX shell when it holds anything but plain characters.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || "/._-+:,@".contains(c) || !c.is_ascii();
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::{percent, shell_word};

    #[test]
    fn percentages_round_to_one_decimal_without_floats() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(0, 0), "0.0%");
    }

    #[test]
    fn paths_with_spaces_are_quoted_for_the_shell() {
        assert_eq!(shell_word("/tmp/city/entries.csv"), "/tmp/city/entries.csv");
        assert_eq!(shell_word("/tmp/my city/it's.csv"), r"'/tmp/my city/it'\''s.csv'");
    }
}
