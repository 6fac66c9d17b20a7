//! Funding: which (county, channel, year) appropriations the sub-projects claim, the
//! appropriation lines issued for them with their document numbers and codes, and — once the
//! entries are written — each appropriation's amount, at or above its highest draw.

use super::calendar::{date, random_weekday, ymd};
use super::register::{Project, Subproject};
use super::rng::{sample, SplitMix64};
use super::world::World;
use super::{LAST_YEAR, YUAN};
use crate::model::{Level, Status};
use chrono::Datelike;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(super) struct Appropriation {
    pub(super) code: String,
    pub(super) doc_no: String,
    pub(super) channel: usize,
    pub(super) level: Level,
    pub(super) place: usize,
    pub(super) issued: i32,
    /// Σ (allocated − withdrawn − returned) over its lines, now and at its highest.
    pub(super) drawn: i64,
    pub(super) peak: i64,
    /// Set once the entries are written: at or above `peak`.
    pub(super) amount: i64,
}

/// One sub-project's claim on a (county, channel, year) appropriation.
pub(super) struct Claim {
    pub(super) subproject: usize,
    pub(super) place: usize,
    pub(super) channel: usize,
    pub(super) year: i32,
}

/// Which (channel, year) appropriations each fundable sub-project draws on: each designated
/// channel (when a type has two, one or both), in one to three years from its approval.
pub(super) fn make_claims(
    rng: &mut SplitMix64,
    world: &World,
    projects: &[Project],
    subs: &[Subproject],
) -> Vec<Claim> {
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
pub(super) fn make_appropriations(
    rng: &mut SplitMix64,
    world: &World,
    claims: &[Claim],
) -> Vec<Appropriation> {
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

pub(super) fn level_rank(level: Level) -> usize {
    Level::ALL.iter().position(|l| *l == level).expect("every level is in Level::ALL")
}

/// The level as a memo says it: 中央, 省级, 市级, 县级.
pub(super) fn level_label(level: Level) -> &'static str {
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
pub(super) fn number_documents(rng: &mut SplitMix64, world: &World, apprs: &mut [Appropriation]) {
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

/// Sets each appropriation's amount: at or above the most its lines ever drew at once,
/// rounded up to 10,000 yuan, with 0–25% left unallocated; an appropriation no line drew on
/// gets a plausible amount of its own.
pub(super) fn settle_amounts(rng: &mut SplitMix64, apprs: &mut [Appropriation]) {
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
