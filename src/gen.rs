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
//! streamed. Randomness is a hand-written splitmix64, so a seed gives the same bytes whatever
//! the versions of the dependencies. County, town and channel names are real; villages,
//! bodies, document numbers, dates and amounts are invented. This module never opens a ledger.

use crate::catalog::{builtin, Catalog};
use crate::error::{Check, Error, Problem, Result};
use crate::import::{self, CsvInput};
use crate::ledger::Outcome;
use crate::model::{Direction, Kind, Level, LineBalance, Mode, Scope, Status};
use crate::money::Fen;
use crate::pipeline::{self, Keyed};
use chrono::{Datelike, NaiveDate, Weekday};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

mod city;
use city::{
    Funding, Geography, Profile, CHINESE_NUMBERS, COASTAL_TYPES, DEFAULT_FUNDING, DEFAULT_PROFILE,
    DEPARTMENT_DOC, FUNDING, GEOGRAPHY, PAY_MEMOS, PROFILES, RETURN_MEMOS, WITHDRAW_MEMOS,
};

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

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub projects: usize,
    pub subprojects: usize,
    /// Sub-projects confirmed as excluded (不开展); they receive no entry.
    pub excluded: usize,
    pub appropriations: usize,
    /// Lines (appropriation × sub-project) that carry at least one entry.
    pub lines: usize,
    pub entries: u64,
    /// Entries per kind, in `Kind::ALL` order.
    pub kinds: [u64; 6],
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
}

// ---------------------------------------------------------------- randomness

/// splitmix64 (Steele, Lea and Flood, 2014): a small, well-mixed generator whose output for a
/// seed is fixed by this code alone.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` by multiply-shift; the bias, below n / 2^64, is immaterial here.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no value to return");
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        assert!(lo <= hi, "empty range {lo}..={hi}");
        lo + self.below(hi.abs_diff(lo) + 1) as i64
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items` (not empty), each as likely.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn in proportion to `weights` (not all zero).
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        unreachable!("x < total, the sum of the weights")
    }
}

// ---------------------------------------------------------------- the world

/// A county of the catalogue with its geography.
struct Place {
    name: String,
    code: String,
    geo: &'static Geography,
}

/// A sub-project type of the catalogue, with the channels that may pay it (R2).
struct TypeInfo {
    code: String,
    name: String,
    department: String,
    department_name: String,
    modes: [bool; 3],
    channels: Vec<usize>,
    profile: &'static Profile,
}

struct ChannelInfo {
    name: String,
    funding: &'static Funding,
}

/// What the generator needs of the catalogue.
struct World {
    places: Vec<Place>,
    types: Vec<TypeInfo>,
    channels: Vec<ChannelInfo>,
}

/// The built-in catalogue (Annexes 1 and 3) as `init` loads it, read from the embedded CSVs.
pub fn builtin_catalog() -> Result<Catalog> {
    fn rows<T: Keyed + Clone>(
        name: &str,
        text: &'static str,
        columns: &'static [import::Column],
        parse: fn(&import::Row<'_>) -> std::result::Result<T, Vec<Problem>>,
    ) -> Result<Vec<T>> {
        let mut input = CsvInput::from_text(name, text, columns)?;
        let mut out = Vec::new();
        pipeline::run(&mut input, parse, |row| {
            out.push(row.clone());
            Ok(Ok(Outcome::Added))
        })?;
        Ok(out)
    }
    Ok(Catalog::new(
        rows("departments.csv", builtin::DEPARTMENTS, import::DEPARTMENT_COLUMNS, import::parse_department)?,
        rows("counties.csv", builtin::COUNTIES, import::COUNTY_COLUMNS, import::parse_county)?,
        rows("types.csv", builtin::TYPES, import::TYPE_COLUMNS, import::parse_type)?,
        rows("channels.csv", builtin::CHANNELS, import::CHANNEL_COLUMNS, import::parse_channel)?,
        rows(
            "designations.csv",
            builtin::DESIGNATIONS,
            import::DESIGNATION_COLUMNS,
            import::parse_designation,
        )?,
    ))
}

impl World {
    fn new(catalog: &Catalog) -> Result<World> {
        let mut places = Vec::new();
        for c in &catalog.counties {
            let geo = GEOGRAPHY.iter().find(|g| g.county == c.code).ok_or_else(|| {
                Error::Internal(format!("gen has no towns for county {} ({})", c.name, c.code))
            })?;
            places.push(Place { name: c.name.clone(), code: c.code.clone(), geo });
        }
        let channels: Vec<ChannelInfo> = catalog
            .channels
            .iter()
            .map(|c| ChannelInfo {
                name: c.name.clone(),
                funding: FUNDING.iter().find(|f| f.channel == c.code).unwrap_or(&DEFAULT_FUNDING),
            })
            .collect();
        let types = catalog
            .types
            .iter()
            .map(|t| TypeInfo {
                code: t.code.clone(),
                name: t.name.clone(),
                department: t.department.clone(),
                department_name: catalog
                    .department(&t.department)
                    .map_or_else(|| t.department.clone(), |d| d.name.clone()),
                modes: [t.agri, t.land, t.people],
                channels: (0..catalog.channels.len())
                    .filter(|&i| catalog.designates(&catalog.channels[i].code, &t.code))
                    .collect(),
                profile: PROFILES.iter().find(|p| p.type_code == t.code).unwrap_or(&DEFAULT_PROFILE),
            })
            .collect();
        Ok(World { places, types, channels })
    }

    fn type_index(&self, code: &str) -> Option<usize> {
        self.types.iter().position(|t| t.code == code)
    }
}

fn mode_index(mode: Mode) -> usize {
    match mode {
        Mode::Agri => 0,
        Mode::Land => 1,
        Mode::People => 2,
    }
}

// ---------------------------------------------------------------- dates

/// Dates are handled as day numbers (days since 0001-01-01, day 1) for cheap arithmetic.
fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).expect("day numbers stay within the years generated")
}

fn ymd(y: i32, m: u32, d: u32) -> i32 {
    day(NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date"))
}

/// The last day an entry may carry: 31 December of the last year, a Wednesday, so moving a
/// weekend day to the next Monday never passes it.
fn last_day() -> i32 {
    ymd(LAST_YEAR, 12, 31)
}

/// Finance bureaus work on weekdays: a Saturday or Sunday becomes the next Monday.
fn weekday_from(n: i32) -> i32 {
    match date(n).weekday() {
        Weekday::Sat => n + 2,
        Weekday::Sun => n + 1,
        _ => n,
    }
}

/// A weekday in `lo..=hi`'s neighbourhood: a random day in the range, moved off the weekend.
fn random_weekday(rng: &mut SplitMix64, lo: i32, hi: i32) -> i32 {
    weekday_from(rng.range(i64::from(lo), i64::from(hi)) as i32)
}

// ---------------------------------------------------------------- the register

struct Project {
    code: String,
    name: String,
    place: usize,
    scope: Scope,
    towns: Vec<&'static str>,
    villages: Vec<&'static str>,
    body: String,
    mode: Mode,
    approved: i32,
    flagship: bool,
}

struct Subproject {
    code: String,
    project: usize,
    type_index: usize,
    status: Status,
    quantity: String,
    investment: i64,
    letter: String,
    standalone: Option<(i64, String)>,
    /// Whether the type is one of the project's anchors (never excluded).
    anchor: bool,
}

/// Builds the projects: county, approval date, mode, area, name, implementing body.
fn make_projects(rng: &mut SplitMix64, world: &World, n: u32) -> Vec<Project> {
    // More projects each year as the reform spreads (illustrative).
    let year_weights: Vec<u64> = (0..=(LAST_YEAR - FIRST_YEAR) as u64).map(|i| 5 + i).collect();
    let approval_end = ymd(LAST_YEAR, 11, 28);
    let mut drafts: Vec<(usize, i32, usize)> = (0..n as usize)
        .map(|i| {
            let place = rng.below(world.places.len() as u64) as usize;
            let year = FIRST_YEAR + rng.weighted(&year_weights) as i32;
            let end = ymd(year, 12, 31).min(approval_end);
            (place, random_weekday(rng, ymd(year, 1, 4), end), i)
        })
        .collect();
    drafts.sort_unstable();
    let mut seq: HashMap<(usize, i32), u32> = HashMap::new();
    let mut phases: HashMap<String, u32> = HashMap::new();
    drafts
        .into_iter()
        .map(|(place, approved, _)| {
            let year = date(approved).year();
            let s = seq.entry((place, year)).or_insert(0);
            *s += 1;
            let code = format!("{}-{year}-{:03}", world.places[place].code, s);
            make_project(rng, world, place, approved, code, &mut phases)
        })
        .collect()
}

fn make_project(
    rng: &mut SplitMix64,
    world: &World,
    place: usize,
    approved: i32,
    code: String,
    phases: &mut HashMap<String, u32>,
) -> Project {
    let p = &world.places[place];
    let mode = [Mode::Agri, Mode::Land, Mode::People][rng.weighted(&[45, 30, 25])];
    let scope = match (mode, rng.chance(60)) {
        (_, true) => Scope::WholeTownship,
        (Mode::Agri, false) => Scope::SingleTownship,
        (_, false) => Scope::CrossTownship,
    };
    let first = rng.below(p.geo.towns.len() as u64) as usize;
    let (town, villages) = p.geo.towns[first];
    let (towns, chosen, base) = match scope {
        Scope::SingleTownship => {
            let k = rng.range(2, 3) as usize;
            let chosen = sample(rng, villages, k);
            let stem = chosen[0].trim_end_matches('村');
            (vec![town], chosen.clone(), format!("{}{town}{stem}片区土地综合整治项目", p.name))
        }
        Scope::WholeTownship => {
            (vec![town], villages.to_vec(), format!("{}{town}全域土地综合整治项目", p.name))
        }
        Scope::CrossTownship => {
            let second = (first + 1 + rng.below(p.geo.towns.len() as u64 - 1) as usize) % p.geo.towns.len();
            let (town2, villages2) = p.geo.towns[second];
            let mut chosen = sample(rng, villages, 3);
            chosen.extend(sample(rng, villages2, 3));
            (vec![town, town2], chosen, format!("{}{town}、{town2}跨乡镇全域土地综合整治项目", p.name))
        }
    };
    let phase = phases.entry(base.clone()).or_insert(0);
    *phase += 1;
    let name = match *phase {
        1 => base,
        n @ 2..=10 => format!("{base}（{}期）", CHINESE_NUMBERS[n as usize - 1]),
        n => format!("{base}（第{n}期）"),
    };
    let body = if scope == Scope::CrossTownship || (mode != Mode::Agri && rng.chance(30)) {
        p.geo.company.to_string()
    } else if town.ends_with("街道") {
        format!("{town}办事处")
    } else {
        format!("{town}人民政府")
    };
    let flagship = mode == Mode::People && rng.chance(40);
    Project { code, name, place, scope, towns, villages: chosen, body, mode, approved, flagship }
}

/// `k` distinct items in their original order.
fn sample<T: Copy>(rng: &mut SplitMix64, items: &[T], k: usize) -> Vec<T> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    for i in 0..k.min(idx.len()) {
        let j = i + rng.below((idx.len() - i) as u64) as usize;
        idx.swap(i, j);
    }
    let mut chosen: Vec<usize> = idx.into_iter().take(k).collect();
    chosen.sort_unstable();
    chosen.into_iter().map(|i| items[i]).collect()
}

/// The types a project always has, by mode: its core works.
fn anchors(rng: &mut SplitMix64, world: &World, mode: Mode) -> Vec<usize> {
    let codes: Vec<&str> = match mode {
        Mode::Agri => vec!["high_standard_farmland"],
        Mode::Land => vec![
            "construction_land_reclamation",
            rng.pick(&["high_standard_farmland", "high_standard_farmland", "grain_production_zone"]),
        ],
        Mode::People => vec![
            rng.pick(&["future_community", "old_community_renovation", "beautiful_town"]),
            "harmonious_village",
            "high_standard_farmland",
        ],
    };
    codes
        .into_iter()
        .filter_map(|c| world.type_index(c))
        .filter(|&t| world.types[t].modes[mode_index(mode)])
        .collect()
}

/// Builds each project's sub-projects: admissible types only (R7), 8 to 17 per project.
fn make_subprojects(rng: &mut SplitMix64, world: &World, projects: &[Project]) -> Vec<Subproject> {
    let mut letters: HashMap<(usize, String, i32), u32> = HashMap::new();
    let mut subs = Vec::new();
    for (pi, p) in projects.iter().enumerate() {
        let coastal = world.places[p.place].geo.coastal;
        let pool: Vec<usize> = (0..world.types.len())
            .filter(|&t| world.types[t].modes[mode_index(p.mode)])
            .filter(|&t| coastal || !COASTAL_TYPES.contains(&world.types[t].code.as_str()))
            .collect();
        let weights: Vec<u64> = pool.iter().map(|&t| world.types[t].profile.weight).collect();
        let mut chosen = anchors(rng, world, p.mode);
        let n_anchors = chosen.len();
        let n = rng.range(8, 17) as usize;
        while chosen.len() < n {
            chosen.push(pool[rng.weighted(&weights)]);
        }
        let year = date(p.approved).year();
        let mut project_letters: HashMap<String, String> = HashMap::new();
        for (i, &t) in chosen.iter().enumerate() {
            let ty = &world.types[t];
            let letter = project_letters
                .entry(ty.department.clone())
                .or_insert_with(|| {
                    let counter = letters.entry((p.place, ty.department.clone(), year)).or_insert(0);
                    *counter += rng.range(1, 3) as u32;
                    let department = ty.department_name.trim_start_matches('市');
                    format!("{}{department}子项目确认书〔{year}〕{counter}号", world.places[p.place].name)
                })
                .clone();
            let (quantity, investment) = size(rng, ty.profile);
            subs.push(Subproject {
                code: format!("{}-{:02}", p.code, i + 1),
                project: pi,
                type_index: t,
                status: Status::Ongoing,
                quantity,
                investment,
                letter,
                standalone: None,
                anchor: i < n_anchors,
            });
        }
    }
    confirm(rng, world, projects, &mut subs);
    subs
}

/// A quantity (as written, up to two decimals) and the planned investment in fen.
fn size(rng: &mut SplitMix64, profile: &Profile) -> (String, i64) {
    let (lo, hi) = profile.quantity;
    let hundredths = if profile.decimals && rng.chance(60) {
        rng.range(lo * 100, hi * 100)
    } else {
        rng.range(lo, hi) * 100
    };
    let cost = rng.range(profile.cost_yuan.0, profile.cost_yuan.1);
    // hundredths of a unit × yuan per unit = fen; whole hundreds of yuan, at least 200,000 yuan.
    let investment = (hundredths * cost / (100 * YUAN) * (100 * YUAN)).max(200_000 * YUAN);
    let quantity = match hundredths % 100 {
        0 => (hundredths / 100).to_string(),
        f => format!("{}.{:02}", hundredths / 100, f).trim_end_matches('0').to_string(),
    };
    (quantity, investment)
}

/// Sets each sub-project's confirmation status (about 6% excluded, never an anchor) and gives
/// about 3% of the fundable ones an approved standalone subsidy.
fn confirm(rng: &mut SplitMix64, world: &World, projects: &[Project], subs: &mut [Subproject]) {
    let mut docs: HashMap<(String, i32), u32> = HashMap::new();
    for s in subs.iter_mut() {
        let p = &projects[s.project];
        let year = date(p.approved).year();
        if !s.anchor && rng.chance(6) {
            s.status = Status::Excluded;
            s.investment = 0;
            continue;
        }
        let ongoing = if year <= LAST_YEAR - 2 { 80 } else { 50 };
        s.status = if rng.chance(ongoing) { Status::Ongoing } else { Status::Planned };
        let ty = &world.types[s.type_index];
        if ty.channels.is_empty() || !rng.chance(3) {
            continue;
        }
        let amount = s.investment * rng.range(25, 50) / 100 / (1000 * YUAN) * (1000 * YUAN);
        if amount == 0 {
            continue;
        }
        let short = DEPARTMENT_DOC.iter().find(|(d, _)| *d == ty.department).map_or("农", |(_, s)| s);
        let issuer = if rng.chance(60) {
            "嘉".to_string()
        } else {
            world.places[p.place].geo.doc_prefix.chars().take(1).collect()
        };
        let prefix = format!("{issuer}{short}");
        let counter = docs.entry((prefix.clone(), year)).or_insert_with(|| rng.range(3, 12) as u32);
        *counter += rng.range(1, 9) as u32;
        s.standalone = Some((amount, format!("{prefix}〔{year}〕{counter}号")));
    }
}

// ---------------------------------------------------------------- appropriations and lines

struct Appropriation {
    code: String,
    doc_no: String,
    channel: usize,
    level: Level,
    place: usize,
    issued: i32,
    /// Σ (allocated − withdrawn − returned) over its lines, now and at its highest.
    drawn: i64,
    peak: i64,
    /// Set once the entries are written: at or above `peak`.
    amount: i64,
}

/// One sub-project's claim on a (county, channel, year) appropriation.
struct Claim {
    subproject: usize,
    place: usize,
    channel: usize,
    year: i32,
}

/// Which (channel, year) appropriations each fundable sub-project draws on: each designated
/// channel (when a type has two, one or both), in one to three years from its approval.
fn make_claims(rng: &mut SplitMix64, world: &World, projects: &[Project], subs: &[Subproject]) -> Vec<Claim> {
    let mut claims = Vec::new();
    for (si, s) in subs.iter().enumerate() {
        let channels = &world.types[s.type_index].channels;
        if s.status == Status::Excluded || channels.is_empty() {
            continue;
        }
        let mut chosen: Vec<usize> = channels.iter().copied().filter(|_| rng.chance(65)).collect();
        if chosen.is_empty() {
            chosen.push(rng.pick(channels));
        }
        let first = date(projects[s.project].approved).year();
        let years: Vec<i32> = (first..=(first + 3).min(LAST_YEAR)).collect();
        let k = [1, 2, 3][rng.weighted(&[60, 30, 10])];
        for channel in chosen {
            for year in sample(rng, &years, k) {
                claims.push(Claim { subproject: si, place: projects[s.project].place, channel, year });
            }
        }
    }
    claims
}

/// Issues one or two appropriation lines (budget levels) for every (county, channel, year)
/// claimed. Central, provincial and city documents cover several counties on one date.
fn make_appropriations(rng: &mut SplitMix64, world: &World, claims: &[Claim]) -> Vec<Appropriation> {
    let keys: BTreeSet<(usize, usize, i32)> = claims.iter().map(|c| (c.place, c.channel, c.year)).collect();
    let mut shared: BTreeMap<(Level, usize, i32), i32> = BTreeMap::new();
    let mut apprs = Vec::new();
    for &(place, channel, year) in &keys {
        let levels = world.channels[channel].funding.levels;
        let k = if levels.len() > 1 && rng.chance(30) { 2 } else { 1 };
        for level in sample(rng, levels, k) {
            let issued = match level {
                Level::County => random_weekday(rng, ymd(year, 3, 1), ymd(year, 12, 15)),
                _ => *shared
                    .entry((level, channel, year))
                    .or_insert_with(|| random_weekday(rng, ymd(year, 1, 5), ymd(year, 10, 31))),
            };
            apprs.push(Appropriation {
                code: String::new(),
                doc_no: String::new(),
                channel,
                level,
                place,
                issued,
                drawn: 0,
                peak: 0,
                amount: 0,
            });
        }
    }
    number_documents(rng, world, &mut apprs);
    apprs
}

fn level_rank(level: Level) -> usize {
    Level::ALL.iter().position(|l| *l == level).expect("every level is in Level::ALL")
}

/// The level as a memo says it: 中央, 省级, 市级, 县级.
fn level_label(level: Level) -> &'static str {
    match level {
        Level::Central => "中央",
        Level::Provincial => "省级",
        Level::City => "市级",
        Level::County => "县级",
    }
}

/// Gives each appropriation its document number (one per issuing office, year, date and channel, and
/// county for county documents, numbered in date order) and its code (ZB-2024-NH-007, in date
/// order per county and year).
fn number_documents(rng: &mut SplitMix64, world: &World, apprs: &mut [Appropriation]) {
    apprs.sort_by_key(|a| (a.place, a.issued, level_rank(a.level), a.channel));
    type DocKey = (String, i32, i32, usize, Option<usize>);
    let key = |a: &Appropriation| -> DocKey {
        let office = match a.level {
            Level::Central => "财",
            Level::Provincial => "浙财",
            Level::City => "嘉财",
            Level::County => world.places[a.place].geo.doc_prefix,
        };
        let prefix = format!("{office}{}", world.channels[a.channel].funding.class);
        let county = (a.level == Level::County).then_some(a.place);
        (prefix, date(a.issued).year(), a.issued, a.channel, county)
    };
    let mut docs: BTreeMap<DocKey, String> = apprs.iter().map(|a| (key(a), String::new())).collect();
    let mut counters: HashMap<(String, i32), u32> = HashMap::new();
    for ((prefix, year, ..), doc) in docs.iter_mut() {
        let counter = counters.entry((prefix.clone(), *year)).or_insert_with(|| rng.range(2, 20) as u32);
        *counter += rng.range(1, 12) as u32;
        *doc = format!("{prefix}〔{year}〕{counter}号");
    }
    let mut seq: HashMap<(usize, i32), u32> = HashMap::new();
    for a in apprs.iter_mut() {
        a.doc_no = docs[&key(a)].clone();
        let year = date(a.issued).year();
        let n = seq.entry((a.place, year)).or_insert(0);
        *n += 1;
        a.code = format!("ZB-{year}-{}-{:03}", world.places[a.place].code, n);
    }
}

/// One planned or posted movement's memo.
#[derive(Clone, Copy, Debug)]
enum Memo {
    Text(&'static str),
    /// 分配省级补助指标: the line's first allocation names its appropriation's level.
    FirstAllocation,
    /// 按进度拨付第三期.
    Tranche(u8),
}

/// An entry the line will post next; its voucher is numbered when it is written.
#[derive(Clone, Copy, Debug)]
struct Planned {
    kind: Kind,
    amount: i64,
    reverses: Option<Posted>,
    memo: Memo,
    /// The most days it may wait after the line's previous entry (a correction comes soon).
    within_days: i64,
}

/// A posted entry a reversal may name: its voucher (year and number), kind and amount.
#[derive(Clone, Copy, Debug)]
struct Posted {
    year: i32,
    number: u32,
    kind: Kind,
    amount: i64,
}

/// An appropriation × sub-project line: its balances, its budget of entries and dates, and
/// what it posts next.
struct Line {
    appropriation: usize,
    subproject: usize,
    balance: LineBalance,
    /// What the line is meant to receive, in fen; allocations are drawn from it.
    target: i64,
    start: i32,
    end: i32,
    /// Entries still to write, the planned one included.
    remaining: u32,
    next: Planned,
    /// The line's latest entry, while it is neither a reversal nor reversed.
    reversible: Option<Posted>,
    /// After a reversal for a wrong amount, the corrected entry to post.
    repost: Option<(Kind, i64)>,
    tranches: u8,
}

/// Turns claims into lines: each claim takes one of its (county, channel, year)
/// appropriations; its dates open after the issue and the approval, for half a year to three.
fn make_lines(
    rng: &mut SplitMix64,
    projects: &[Project],
    subs: &[Subproject],
    claims: &[Claim],
    apprs: &[Appropriation],
) -> Vec<Line> {
    let mut by_key: BTreeMap<(usize, usize, i32), Vec<usize>> = BTreeMap::new();
    for (i, a) in apprs.iter().enumerate() {
        by_key.entry((a.place, a.channel, date(a.issued).year())).or_default().push(i);
    }
    let mut claims_of = vec![0i64; subs.len()];
    for c in claims {
        claims_of[c.subproject] += 1;
    }
    // What each sub-project should receive in all: its approved standalone subsidy, else 30–60%
    // of its planned investment.
    let receivable: Vec<i64> = subs
        .iter()
        .map(|s| match &s.standalone {
            Some((amount, _)) => *amount,
            None => s.investment * rng.range(30, 60) / 100,
        })
        .collect();
    let mut lines = Vec::with_capacity(claims.len());
    for c in claims {
        let appropriation = rng.pick(&by_key[&(c.place, c.channel, c.year)]);
        let approved = projects[subs[c.subproject].project].approved;
        let start = weekday_from(apprs[appropriation].issued.max(approved + 1));
        let end = (start + rng.range(180, 1095) as i32).min(last_day());
        assert!(start <= last_day(), "approvals and issues end in early December of the last year");
        let share = receivable[c.subproject] / claims_of[c.subproject];
        let mut line = Line {
            appropriation,
            subproject: c.subproject,
            balance: LineBalance::default(),
            target: (share / (1000 * YUAN) * (1000 * YUAN)).max(10_000 * YUAN),
            start,
            end,
            remaining: 0,
            next: Planned {
                kind: Kind::Allocate,
                amount: 0,
                reverses: None,
                memo: Memo::FirstAllocation,
                within_days: 0,
            },
            reversible: None,
            repost: None,
            tranches: 0,
        };
        // An empty line can only be allocated to; the first allocation comes within a month.
        line.next = Planned { within_days: 30, ..plan(rng, &mut line) };
        lines.push(line);
    }
    lines
}

/// Shares `entries` among the lines, in proportion to their windows: all lines when there are
/// entries enough for `ENTRIES_PER_LINE` each, else a random subset of that many lines.
fn assign_budgets(rng: &mut SplitMix64, lines: &mut [Line], entries: u64) -> Result<()> {
    if entries == 0 {
        return Ok(());
    }
    if lines.is_empty() {
        return Err(Error::Internal("no sub-project of the generated register can be funded".into()));
    }
    let n = lines.len() as u64;
    let active = if entries >= ENTRIES_PER_LINE * n { n } else { entries.div_ceil(ENTRIES_PER_LINE) };
    let mut order: Vec<usize> = (0..lines.len()).collect();
    for i in 0..active as usize {
        let j = i + rng.below((order.len() - i) as u64) as usize;
        order.swap(i, j);
    }
    let chosen = &order[..active as usize];
    let weights: Vec<u64> = chosen
        .iter()
        .map(|&i| (lines[i].end - lines[i].start + 30) as u64 * rng.range(50, 150) as u64)
        .collect();
    for (&i, part) in chosen.iter().zip(split(entries, &weights)) {
        lines[i].remaining = u32::try_from(part).expect("entries are at most MAX_ENTRIES, which fits u32");
    }
    Ok(())
}

/// Splits `total` in proportion to `weights` (not all zero), exact to the unit by largest
/// remainder, ties to the earlier index.
fn split(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    assert!(sum > 0, "split needs a positive weight");
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let exact = u128::from(total) * u128::from(w);
        parts.push((exact / sum) as u64);
        remainders.push((exact % sum, i));
    }
    let short = total - parts.iter().sum::<u64>();
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take(short as usize) {
        parts[i] += 1;
    }
    parts
}

// ---------------------------------------------------------------- planning entries

/// `percent` (a random value in `lo..=hi`) of `pool`, rounded down to `step`; the whole pool
/// when that rounds to nothing.
fn share_of(rng: &mut SplitMix64, pool: i64, lo: i64, hi: i64, step: i64) -> i64 {
    let part = pool * rng.range(lo, hi) / 100 / step * step;
    if part > 0 {
        part
    } else {
        pool
    }
}

/// The line's next entry, chosen among the movements its balances allow: mostly
/// disbursements and payments, an allocation when the money is spent (or now and then a top-up),
/// and a few withdrawals, returns and reversals of the latest entry.
fn plan(rng: &mut SplitMix64, line: &mut Line) -> Planned {
    let undisbursed = fen64(line.balance.undisbursed());
    let held = fen64(line.balance.held());
    if let Some((kind, amount)) = line.repost.take() {
        if let Some(p) = repost(rng, kind, amount, undisbursed, held) {
            return p;
        }
    }
    let idle = undisbursed == 0 && held == 0;
    let weights = [
        if idle { 100 } else { 3 },
        if undisbursed > 0 { 30 } else { 0 },
        if held > 0 { 48 } else { 0 },
        if undisbursed > 0 { 3 } else { 0 },
        if held > 0 { 2 } else { 0 },
        if line.reversible.is_some() { 2 } else { 0 },
    ];
    let normal = |kind, amount, memo| Planned { kind, amount, reverses: None, memo, within_days: i64::MAX };
    match Kind::ALL[rng.weighted(&weights)] {
        Kind::Allocate => {
            let (lo, hi, memo) = if line.balance.allocated.0 == 0 {
                (60, 100, Memo::FirstAllocation)
            } else {
                (10, 40, Memo::Text(rng.pick(&["追加分配", "追加分配", "调整追加分配"])))
            };
            let step = 1000 * YUAN;
            normal(Kind::Allocate, (line.target * rng.range(lo, hi) / 100 / step * step).max(step), memo)
        }
        Kind::Disburse => {
            line.tranches = line.tranches.saturating_add(1);
            let amount = if undisbursed <= 50_000 * YUAN || rng.chance(30) {
                undisbursed
            } else {
                share_of(rng, undisbursed, 20, 70, 100 * YUAN)
            };
            normal(Kind::Disburse, amount, Memo::Tranche(line.tranches))
        }
        Kind::Pay => {
            let amount = if held <= 20_000 * YUAN || rng.chance(30) {
                held
            } else {
                // Contractors' invoices come to the fen.
                (held * rng.range(10, 80) / 100 - rng.range(0, 99)).max(1)
            };
            normal(Kind::Pay, amount, Memo::Text(rng.pick(&PAY_MEMOS)))
        }
        Kind::Withdraw => {
            let amount =
                if rng.chance(35) { undisbursed } else { share_of(rng, undisbursed, 20, 70, 1000 * YUAN) };
            normal(Kind::Withdraw, amount, Memo::Text(rng.pick(&WITHDRAW_MEMOS)))
        }
        Kind::Return => {
            let (amount, memo) = if rng.chance(40) {
                (held, RETURN_MEMOS[0])
            } else {
                (share_of(rng, held, 10, 50, 100 * YUAN), rng.pick(&RETURN_MEMOS[1..]))
            };
            normal(Kind::Return, amount, Memo::Text(memo))
        }
        Kind::Reverse => reversal(rng, line),
    }
}

/// Reverses the line's latest entry: undoing it returns the line to the balances it had
/// before that entry, which were valid. A wrong amount is posted again, corrected.
fn reversal(rng: &mut SplitMix64, line: &mut Line) -> Planned {
    let original = line.reversible.expect("a reversal is planned only when the latest entry is reversible");
    let memo = if rng.chance(60) {
        line.repost = Some((original.kind, original.amount));
        "冲销：金额录入错误"
    } else {
        rng.pick(&["冲销：重复录入", "冲销：凭证作废"])
    };
    Planned {
        kind: Kind::Reverse,
        amount: original.amount,
        reverses: Some(original),
        memo: Memo::Text(memo),
        within_days: 10,
    }
}

/// The corrected entry after a reversal: the same kind, an amount within 20% of the reversed
/// one, as far as the line's balances allow.
fn repost(rng: &mut SplitMix64, kind: Kind, amount: i64, undisbursed: i64, held: i64) -> Option<Planned> {
    let (room, step) = match kind {
        Kind::Allocate => (i64::MAX, 1000 * YUAN),
        Kind::Disburse => (undisbursed, 100 * YUAN),
        Kind::Pay => (held, 1),
        Kind::Withdraw => (undisbursed, 100 * YUAN),
        Kind::Return => (held, YUAN),
        Kind::Reverse => unreachable!("a reversal is never reversed"),
    };
    let corrected = (amount * rng.range(80, 120) / 100).min(room) / step * step;
    let corrected = if corrected > 0 { corrected } else { amount.min(room) };
    (corrected > 0).then_some(Planned {
        kind,
        amount: corrected,
        reverses: None,
        memo: Memo::Text("更正后重新录入"),
        within_days: 3,
    })
}

/// The day of the line's next entry: spread so that the entries still to come fit before the
/// line's window closes, and never after the last day.
fn next_day(rng: &mut SplitMix64, line: &Line, today: i32) -> i32 {
    let room = i64::from((line.end - today).max(0));
    let gap = (2 * room / (i64::from(line.remaining) + 1)).min(line.next.within_days);
    let next = weekday_from(today + rng.range(0, gap) as i32);
    assert!(next <= last_day(), "a weekday on or before the last day exists after every earlier day");
    next
}

// ---------------------------------------------------------------- writing

const PROJECT_HEADER: [&str; 10] = [
    "project",
    "name",
    "county",
    "scope",
    "towns",
    "villages",
    "implementing_body",
    "mode",
    "approved_on",
    "flagship",
];
const SUBPROJECT_HEADER: [&str; 10] = [
    "subproject",
    "project",
    "type",
    "status",
    "quantity",
    "unit",
    "investment",
    "letter",
    "standalone_amount",
    "standalone_doc",
];
const APPROPRIATION_HEADER: [&str; 7] =
    ["appropriation", "doc_no", "channel", "level", "county", "issued_on", "amount"];
const ENTRY_HEADER: [&str; 8] =
    ["voucher", "date", "kind", "appropriation", "subproject", "amount", "reverses", "memo"];

type CsvOut = csv::Writer<BufWriter<File>>;

fn write_failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("cannot write {}: {e}", crate::error::shown_path(path)))
}

/// Creates a new file (never replacing one) for CSV with `header`; records it in `created`
/// so that a failed run can remove what it wrote.
fn create_csv(path: &Path, header: &[&str], created: &mut Vec<PathBuf>) -> Result<CsvOut> {
    let file =
        OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| write_failed(path, e))?;
    created.push(path.to_path_buf());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 20, file));
    w.write_record(header).map_err(|e| write_failed(path, e))?;
    Ok(w)
}

fn finish_csv(path: &Path, mut w: CsvOut) -> Result<()> {
    w.flush().map_err(|e| write_failed(path, e))?;
    let inner = w.into_inner().map_err(|e| write_failed(path, e.error()))?;
    inner
        .into_inner()
        .map_err(|e| write_failed(path, e.error()))?
        .sync_all()
        .map_err(|e| write_failed(path, e))
}

fn write_projects(
    path: &Path,
    world: &World,
    projects: &[Project],
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut w = create_csv(path, &PROJECT_HEADER, created)?;
    for p in projects {
        let approved = date(p.approved).to_string();
        w.write_record([
            p.code.as_str(),
            &p.name,
            &world.places[p.place].name,
            p.scope.code(),
            &p.towns.join(";"),
            &p.villages.join(";"),
            &p.body,
            p.mode.code(),
            &approved,
            if p.flagship { "yes" } else { "no" },
        ])
        .map_err(|e| write_failed(path, e))?;
    }
    finish_csv(path, w)
}

fn write_subprojects(
    path: &Path,
    world: &World,
    projects: &[Project],
    subs: &[Subproject],
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut w = create_csv(path, &SUBPROJECT_HEADER, created)?;
    for s in subs {
        let ty = &world.types[s.type_index];
        let investment = Fen::from(s.investment).to_string();
        let (standalone, doc) = match &s.standalone {
            Some((amount, doc)) => (Fen::from(*amount).to_string(), doc.as_str()),
            None => (String::new(), ""),
        };
        w.write_record([
            s.code.as_str(),
            &projects[s.project].code,
            &ty.name,
            s.status.code(),
            &s.quantity,
            ty.profile.unit,
            &investment,
            &s.letter,
            &standalone,
            doc,
        ])
        .map_err(|e| write_failed(path, e))?;
    }
    finish_csv(path, w)
}

/// Sets each appropriation's amount: at or above the most its lines ever drew at once,
/// rounded up to 10,000 yuan, with 0–25% left unallocated; an appropriation no line drew on
/// gets a plausible amount of its own.
fn settle_amounts(rng: &mut SplitMix64, apprs: &mut [Appropriation]) {
    let step = 10_000 * YUAN;
    for a in apprs.iter_mut() {
        a.amount = if a.peak > 0 {
            let slack = if rng.chance(20) { 0 } else { rng.range(1, 25) };
            let unit = 100 * step;
            (a.peak * (100 + slack) + unit - 1) / unit * step
        } else {
            rng.range(50, 500) * step
        };
        assert!(
            a.amount >= a.peak && i128::from(a.amount) <= crate::money::MAX_AMOUNT_FEN,
            "amount within range"
        );
    }
}

fn write_appropriations(
    path: &Path,
    world: &World,
    apprs: &[Appropriation],
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut w = create_csv(path, &APPROPRIATION_HEADER, created)?;
    for a in apprs {
        let issued = date(a.issued).to_string();
        let amount = Fen::from(a.amount).to_string();
        w.write_record([
            a.code.as_str(),
            &a.doc_no,
            &world.channels[a.channel].name,
            a.level.code(),
            &world.places[a.place].name,
            &issued,
            &amount,
        ])
        .map_err(|e| write_failed(path, e))?;
    }
    finish_csv(path, w)
}

/// Reusable text of the row being written, so the loop allocates nothing per entry.
#[derive(Default)]
struct RowText {
    day: i32,
    year: i32,
    date: String,
    voucher: String,
    amount: String,
    reverses: String,
    memo: String,
}

/// Streams every line's entries into `path` in date order (a heap of the lines' next entries),
/// applying each to its line and appropriation as the ledger will.
fn write_entries(
    path: &Path,
    rng: &mut SplitMix64,
    subs: &[Subproject],
    apprs: &mut [Appropriation],
    mut lines: Vec<Line>,
    created: &mut Vec<PathBuf>,
) -> Result<Summary> {
    let mut heap: BinaryHeap<Reverse<(i32, u64, usize)>> = BinaryHeap::with_capacity(lines.len());
    let mut summary = Summary::default();
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.remaining > 0) {
        let first = next_day(rng, line, line.start);
        heap.push(Reverse((first, rng.next_u64(), i)));
        summary.lines += 1;
    }
    let mut w = create_csv(path, &ENTRY_HEADER, created)?;
    let mut text = RowText { day: -1, ..RowText::default() };
    let mut voucher_number = 0u32;
    while let Some(Reverse((today, _, i))) = heap.pop() {
        if today != text.day {
            let d = date(today);
            if d.year() != text.year {
                voucher_number = 0;
            }
            (text.day, text.year) = (today, d.year());
            text.date.clear();
            write!(text.date, "{d}").expect("writing to a String cannot fail");
            summary.first_date.get_or_insert(d);
            summary.last_date = Some(d);
        }
        voucher_number += 1;
        let line = &mut lines[i];
        let (p, a) = (line.next, line.appropriation);
        post(line, &mut apprs[a], &p, text.year, voucher_number);
        text.fill(&p, apprs[a].level, voucher_number);
        w.write_record([
            text.voucher.as_str(),
            &text.date,
            p.kind.code(),
            &apprs[a].code,
            &subs[line.subproject].code,
            &text.amount,
            &text.reverses,
            &text.memo,
        ])
        .map_err(|e| write_failed(path, e))?;
        summary.entries += 1;
        summary.kinds[kind_index(p.kind)] += 1;
        line.remaining -= 1;
        if line.remaining > 0 {
            line.next = plan(rng, line);
            let next = next_day(rng, line, today);
            heap.push(Reverse((next, rng.next_u64(), i)));
        }
    }
    finish_csv(path, w)?;
    Ok(summary)
}

impl RowText {
    fn fill(&mut self, p: &Planned, level: Level, number: u32) {
        let failed = "writing to a String cannot fail";
        self.voucher.clear();
        write!(self.voucher, "记-{}-{number:06}", self.year).expect(failed);
        self.amount.clear();
        write!(self.amount, "{}", Fen::from(p.amount)).expect(failed);
        self.reverses.clear();
        if let Some(o) = p.reverses {
            write!(self.reverses, "记-{}-{:06}", o.year, o.number).expect(failed);
        }
        self.memo.clear();
        match p.memo {
            Memo::Text(t) => self.memo.push_str(t),
            Memo::FirstAllocation => write!(self.memo, "分配{}补助指标", level_label(level)).expect(failed),
            Memo::Tranche(n @ 1..=10) => {
                write!(self.memo, "按进度拨付第{}期", CHINESE_NUMBERS[usize::from(n) - 1]).expect(failed)
            }
            Memo::Tranche(_) => self.memo.push_str("按进度拨付"),
        }
    }
}

fn kind_index(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).expect("every kind is in Kind::ALL")
}

/// Applies a planned entry to its line and appropriation, as the ledger does (a reversal as
/// its original's kind, negated), and checks the balances the importer will check.
fn post(line: &mut Line, a: &mut Appropriation, p: &Planned, year: i32, number: u32) {
    let (kind, direction) = match p.reverses {
        Some(original) => (original.kind, Direction::Back),
        None => (p.kind, Direction::Forward),
    };
    let before = line.balance;
    let after = before
        .checked_apply(
            kind.flow().expect("a planned entry and its original move money"),
            Fen::from(p.amount),
            direction,
        )
        .expect("generated running totals stay far below MAX_RUNNING_FEN");
    assert!(p.amount > 0, "every entry moves a positive amount");
    assert!(
        after.undisbursed() >= Fen::ZERO && after.held() >= Fen::ZERO,
        "the plan keeps the line's balances valid"
    );
    line.balance = after;
    a.drawn += fen64(after.drawn() - before.drawn());
    a.peak = a.peak.max(a.drawn);
    line.reversible = match p.reverses {
        Some(_) => None,
        None => Some(Posted { year, number, kind: p.kind, amount: p.amount }),
    };
}

// ---------------------------------------------------------------- the whole run

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
    let world = World::new(&builtin_catalog()?)?;
    let mut rng = SplitMix64::new(options.seed);
    let projects = make_projects(&mut rng, &world, options.projects);
    let subs = make_subprojects(&mut rng, &world, &projects);
    let claims = make_claims(&mut rng, &world, &projects, &subs);
    let mut apprs = make_appropriations(&mut rng, &world, &claims);
    let mut lines = make_lines(&mut rng, &projects, &subs, &claims, &apprs);
    assign_budgets(&mut rng, &mut lines, options.entries)?;
    write_projects(&paths[0], &world, &projects, created)?;
    write_subprojects(&paths[1], &world, &projects, &subs, created)?;
    let mut summary = write_entries(&paths[3], &mut rng, &subs, &mut apprs, lines, created)?;
    settle_amounts(&mut rng, &mut apprs);
    write_appropriations(&paths[2], &world, &apprs, created)?;
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

    #[test]
    fn splitmix64_gives_the_reference_sequence() {
        // The published splitmix64 outputs for seed 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let (mut a, mut b) = (SplitMix64::new(42), SplitMix64::new(42));
        assert!((0..1000).all(|_| a.next_u64() == b.next_u64()));
    }

    #[test]
    fn draws_stay_in_range_and_skip_zero_weights() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..10_000 {
            assert!((-3..=3).contains(&rng.range(-3, 3)));
            assert!(rng.below(5) < 5);
            assert_ne!(rng.weighted(&[2, 0, 5, 0]) % 2, 1);
        }
    }

    #[test]
    fn split_is_exact_and_proportional() {
        assert_eq!(split(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(split(7, &[0, 5, 2]), vec![0, 5, 2]);
        let parts = split(1_000_003, &[3, 999, 17, 250_000, 1]);
        assert_eq!(parts.iter().sum::<u64>(), 1_000_003);
        assert_eq!(split(0, &[4, 2]), vec![0, 0]);
    }

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
    fn investments_are_whole_hundreds_of_yuan() {
        let mut rng = SplitMix64::new(3);
        for profile in PROFILES {
            let (quantity, investment) = size(&mut rng, profile);
            assert!(investment >= 200_000 * YUAN && investment % (100 * YUAN) == 0, "{investment}");
            assert!(!quantity.ends_with('0') || !quantity.contains('.'), "{quantity}");
        }
    }

    fn test_line(target: i64) -> Line {
        let next = Planned {
            kind: Kind::Allocate,
            amount: 0,
            reverses: None,
            memo: Memo::FirstAllocation,
            within_days: 0,
        };
        Line {
            appropriation: 0,
            subproject: 0,
            balance: LineBalance::default(),
            target,
            start: ymd(2020, 1, 6),
            end: last_day(),
            remaining: 100_000,
            next,
            reversible: None,
            repost: None,
            tranches: 0,
        }
    }

    #[test]
    fn a_lines_plans_keep_its_balances_valid_and_amounts_in_whole_fen() {
        let mut rng = SplitMix64::new(11);
        let mut line = test_line(1_234_000 * YUAN);
        let mut a = Appropriation {
            code: String::new(),
            doc_no: String::new(),
            channel: 0,
            level: Level::City,
            place: 0,
            issued: 0,
            drawn: 0,
            peak: 0,
            amount: 0,
        };
        let mut kinds = [0u64; 6];
        let mut latest: Option<(u32, Kind, i64)> = None;
        for number in 1..=100_000u32 {
            let p = plan(&mut rng, &mut line);
            assert!(p.amount > 0 && Fen::from(p.amount).to_string().parse::<Fen>().is_ok());
            if p.kind == Kind::Allocate {
                assert_eq!(p.amount % (1000 * YUAN), 0, "allocations are whole thousands of yuan");
            }
            if let Some(original) = p.reverses {
                let (n, kind, amount) = latest.expect("a reversal follows a posted entry");
                assert_eq!((original.number, original.kind, original.amount), (n, kind, amount));
            }
            post(&mut line, &mut a, &p, 2020, number);
            latest = (p.kind != Kind::Reverse).then_some((number, p.kind, p.amount));
            kinds[kind_index(p.kind)] += 1;
            assert!(fen64(line.balance.undisbursed()) >= 0 && fen64(line.balance.held()) >= 0);
            assert!(a.drawn <= a.peak && a.drawn == fen64(line.balance.drawn()));
        }
        assert!(kinds.iter().all(|&n| n > 0), "every kind occurs: {kinds:?}");
    }

    #[test]
    fn next_days_are_weekdays_in_order_and_never_after_the_last_day() {
        let mut rng = SplitMix64::new(5);
        let mut line = test_line(100_000 * YUAN);
        line.next.within_days = i64::MAX;
        let mut today = line.start;
        for remaining in (1..=2000u32).rev() {
            line.remaining = remaining;
            let next = next_day(&mut rng, &line, today);
            assert!(next >= today && next <= last_day());
            assert!(!matches!(date(next).weekday(), Weekday::Sat | Weekday::Sun));
            today = next;
        }
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
