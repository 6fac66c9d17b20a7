//! A deterministic generator of city-scale data in the public CSV formats, for scale tests.
//!
//! `generate` writes `projects.csv`, `subprojects.csv`, `appropriations.csv` and
//! `entries.csv` (English headers, INTERFACE.md) into a directory: by default the seven
//! counties of the built-in catalogue, about 2,000 projects with 12.5 sub-projects each,
//! appropriation lines per county × channel × year (2016–2025, one or two budget levels), and
//! exactly the number of entries asked for. Every row keeps the rules the importer checks, so
//! the four files, imported in that order into a fresh ledger, meet no refusal.
//!
//! How the entries stay valid. Money moves on *lines* (appropriation × sub-project) chosen so
//! that the county matches (R1), the channel designates the type (R2), no excluded sub-project
//! is funded, and every type is admissible for its project's mode (R7). Each line gets a
//! budget of entries and a window of dates that opens after both the appropriation's issue
//! and the project's approval; a heap merges the lines' entries into date order while each
//! line keeps its own balances and plans only movements its undisbursed and held money allow
//! (R3). A reversal always names the line's latest entry, which undoes exactly what that
//! entry did, so it is valid too (R4). The one rule across lines, that an appropriation is
//! never over-allocated, holds by construction: the generator records each appropriation's
//! highest draw and writes the appropriation afterwards with an amount at or above it.
//!
//! Memory grows with the number of lines, never with the number of entries, which are
//! streamed. Randomness is a hand-written splitmix64 (`rng`), so a seed gives the same bytes
//! whatever the versions of the dependencies. County, town and channel names are real;
//! villages, bodies, document numbers, dates and amounts are invented (`city`). The catalogue
//! comes from `init`'s own loader, run in memory; this module never opens a ledger file.
//!
//! The steps, in the order `write_dataset` runs them: `world` (what there is to pick from),
//! `register` (projects and sub-projects), `funding` (claims and appropriations), `lines`
//! (appropriation × sub-project, with budgets of entries), `plan` (each line's next entry),
//! `entries` and `write` (the CSV files), and `summary` (what the command prints).

mod calendar;
mod city;
mod entries;
mod funding;
mod lines;
mod plan;
mod register;
mod rng;
mod summary;
mod world;
mod write;

pub use rng::SplitMix64;
pub use summary::{print_summary, Summary};

use crate::error::{Check, Error, Problem, Result};
use crate::import;
use crate::model::Status;
use crate::money::Fen;
use std::path::{Path, PathBuf};

/// The files written, in the order they must be imported.
pub const FILES: [&str; 4] = ["projects.csv", "subprojects.csv", "appropriations.csv", "entries.csv"];
/// Projects of a city-scale dataset.
pub const DEFAULT_PROJECTS: u32 = 2_000;
/// The most projects one dataset holds.
pub const MAX_PROJECTS: u32 = 20_000;
/// The most entries one dataset holds: what one import accepts.
pub const MAX_ENTRIES: u64 = import::MAX_ROWS;
/// The first year of the dataset: projects, appropriations and entries.
pub const FIRST_YEAR: i32 = 2016;
/// The last year of the dataset; no entry is dated after its 31 December, so a fixed seed
/// never depends on the clock.
pub const LAST_YEAR: i32 = 2025;

/// Entries per line aimed at; with fewer entries than that allows, fewer lines carry money.
const ENTRIES_PER_LINE: u64 = 12;
const YUAN: i64 = 100;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Exactly this many entries.
    pub entries: u64,
    /// Projects in the register (sub-projects are about 12.5 times as many).
    pub projects: u32,
    /// The same seed gives the same files, byte for byte.
    pub seed: u64,
}

/// Refuses options outside the limits, naming the limit.
fn check_options(options: &Options) -> Result<()> {
    let mut problems = Vec::new();
    if options.entries > MAX_ENTRIES {
        let message =
            format!("at most {MAX_ENTRIES} entries (what one import accepts), not {}", options.entries);
        problems.push(Problem::new(Check::File, message).column("--entries"));
    }
    if !(1..=MAX_PROJECTS).contains(&options.projects) {
        let message = format!("between 1 and {MAX_PROJECTS} projects, not {}", options.projects);
        problems.push(Problem::new(Check::File, message).column("--projects"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Rejected(problems))
    }
}

/// The four files' paths in `dir`, refusing if any of them exists; creates `dir` if missing.
fn target_paths(dir: &Path) -> Result<[PathBuf; 4]> {
    let paths = FILES.map(|f| dir.join(f));
    let existing: Vec<Problem> = paths
        .iter()
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .map(|p| {
            let message = format!(
                "{} already exists; gen never overwrites a file (choose another directory or remove it)",
                crate::error::shown_path(p)
            );
            Problem::new(Check::File, message).column("--out")
        })
        .collect();
    if !existing.is_empty() {
        return Err(Error::Rejected(existing));
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::Internal(format!("cannot create directory {}: {e}", crate::error::shown_path(dir)))
    })?;
    Ok(paths)
}

/// Writes the four files into `dir` (created if missing; an existing file there is never
/// replaced). On failure, removes the files this call created.
pub fn generate(dir: &Path, options: &Options) -> Result<Summary> {
    check_options(options)?;
    let paths = target_paths(dir)?;
    let mut created = Vec::new();
    let result = write_dataset(&paths, options, &mut created);
    if result.is_err() {
        for path in &created {
            // Best effort: the error that stopped the run is the one to report.
            let _ = std::fs::remove_file(path);
        }
    }
    result
}

fn write_dataset(paths: &[PathBuf; 4], options: &Options, created: &mut Vec<PathBuf>) -> Result<Summary> {
    let world = world::World::new(&world::builtin_catalog()?)?;
    let mut rng = SplitMix64::new(options.seed);
    let projects = register::make_projects(&mut rng, &world, options.projects);
    let subs = register::make_subprojects(&mut rng, &world, &projects);
    let claims = funding::make_claims(&mut rng, &world, &projects, &subs);
    let mut apprs = funding::make_appropriations(&mut rng, &world, &claims);
    let mut lines = lines::make_lines(&mut rng, &projects, &subs, &claims, &apprs);
    lines::assign_budgets(&mut rng, &mut lines, options.entries)?;
    write::write_projects(&paths[0], &world, &projects, created)?;
    write::write_subprojects(&paths[1], &world, &projects, &subs, created)?;
    let mut summary = entries::write_entries(&paths[3], &mut rng, &subs, &mut apprs, lines, created)?;
    funding::settle_amounts(&mut rng, &mut apprs);
    write::write_appropriations(&paths[2], &world, &apprs, created)?;
    assert_eq!(summary.entries, options.entries, "the budgets add up to the entries asked for");
    summary.projects = projects.len();
    summary.subprojects = subs.len();
    summary.excluded = subs.iter().filter(|s| s.status == Status::Excluded).count();
    summary.appropriations = apprs.len();
    Ok(summary)
}

/// A generated amount as the generator's own integer: its figures stay far below i64's range.
fn fen64(f: Fen) -> i64 {
    i64::try_from(f.0).expect("generated amounts stay far inside i64")
}

#[cfg(test)]
mod tests {
    use super::*;
    use calendar::{date, last_day};
    use chrono::{Datelike, Weekday};
    use city::{FUNDING, PROFILES};
    use world::{builtin_catalog, World};
    use write::{APPROPRIATION_HEADER, ENTRY_HEADER, PROJECT_HEADER, SUBPROJECT_HEADER};

    #[test]
    fn the_tables_cover_the_builtin_catalogue_and_headers_are_the_importers() {
        let catalog = builtin_catalog().expect("the embedded catalogue parses");
        let world = World::new(&catalog).expect("every built-in county has towns");
        assert_eq!((world.places.len(), world.types.len(), world.channels.len()), (7, 28, 20));
        assert!(catalog.types.iter().all(|t| PROFILES.iter().any(|p| p.type_code == t.code)));
        assert!(catalog.channels.iter().all(|c| FUNDING.iter().any(|f| f.channel == c.code)));
        assert_eq!(date(last_day()).weekday(), Weekday::Wed);
        let names = |columns: &[import::Column]| columns.iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(PROJECT_HEADER.to_vec(), names(import::PROJECT_COLUMNS));
        assert_eq!(SUBPROJECT_HEADER.to_vec(), names(import::SUBPROJECT_COLUMNS));
        assert_eq!(APPROPRIATION_HEADER.to_vec(), names(import::APPROPRIATION_COLUMNS));
        assert_eq!(ENTRY_HEADER.to_vec(), names(import::ENTRY_COLUMNS)[..8].to_vec());
    }

    #[test]
    fn options_outside_the_limits_are_refused_naming_the_limit() {
        let err = check_options(&Options { entries: MAX_ENTRIES + 1, projects: 0, seed: 1 }).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("at most 20000000 entries") && text.contains("between 1 and 20000 projects"),
            "{text}"
        );
    }
}
