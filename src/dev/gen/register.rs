//! The register: projects (county, approval, mode, area, name, implementing body) and their
//! sub-projects (admissible types only, R7), with confirmation status and the rare approved
//! standalone subsidy.

use super::calendar::{date, random_weekday, ymd};
use super::city::{Profile, CHINESE_NUMBERS, COASTAL_TYPES, DEPARTMENT_DOC};
use super::rng::{sample, SplitMix64};
use super::world::{mode_index, World};
use super::{FIRST_YEAR, LAST_YEAR, YUAN};
use crate::model::{Mode, Scope, Status};
use chrono::Datelike;
use std::collections::HashMap;

pub(super) struct Project {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) place: usize,
    pub(super) scope: Scope,
    pub(super) towns: Vec<&'static str>,
    pub(super) villages: Vec<&'static str>,
    pub(super) body: String,
    pub(super) mode: Mode,
    pub(super) approved: i32,
    pub(super) flagship: bool,
}

pub(super) struct Subproject {
    pub(super) code: String,
    pub(super) project: usize,
    pub(super) type_index: usize,
    pub(super) status: Status,
    pub(super) quantity: String,
    pub(super) investment: i64,
    pub(super) letter: String,
    pub(super) standalone: Option<(i64, String)>,
    /// Whether the type is one of the project's anchors (never excluded).
    pub(super) anchor: bool,
}

/// Builds the projects: county, approval date, mode, area, name, implementing body.
pub(super) fn make_projects(rng: &mut SplitMix64, world: &World, n: u32) -> Vec<Project> {
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

pub(super) fn make_project(
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

/// The types a project always has, by mode: its core works.
pub(super) fn anchors(rng: &mut SplitMix64, world: &World, mode: Mode) -> Vec<usize> {
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
pub(super) fn make_subprojects(rng: &mut SplitMix64, world: &World, projects: &[Project]) -> Vec<Subproject> {
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
pub(super) fn size(rng: &mut SplitMix64, profile: &Profile) -> (String, i64) {
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
pub(super) fn confirm(rng: &mut SplitMix64, world: &World, projects: &[Project], subs: &mut [Subproject]) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::gen::city::PROFILES;

    #[test]
    fn investments_are_whole_hundreds_of_yuan() {
        let mut rng = SplitMix64::new(3);
        for profile in PROFILES {
            let (quantity, investment) = size(&mut rng, profile);
            assert!(investment >= 200_000 * YUAN && investment % (100 * YUAN) == 0, "{investment}");
            assert!(!quantity.ends_with('0') || !quantity.contains('.'), "{quantity}");
        }
    }
}
