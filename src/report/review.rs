//! The annual performance review (年度绩效评价) as data, per county and for the city.
//!
//! - Projects in the year: approved on or before 31 December and not through city acceptance
//!   before 1 January; *new* if approved in the year, *continuing* otherwise.
//! - Mode coverage (policy 二): a project counts toward 农 when its mode is 农, 地 or 人 and
//!   toward 地 when it is 地 or 人 (modes are nested), provided it integrates at least one
//!   non-excluded sub-project; targets 100% and 50% of the projects in the year.
//! - Flagships: 人-mode projects marked 精品示范工程 among the projects in the year; target
//!   1–2 per county.
//! - Funds are cumulative to 31 December over every line of the county (so the totals equal
//!   `statement --to Y-12-31`): appropriated = lines issued by then; the balance columns as
//!   in `balances`; entitled = the standalone entitlements of the sub-projects of projects
//!   approved by then; arrived = received (allocated − withdrawn − returned).
//! - Rates: 资金到位率 = arrived ÷ entitled; 支出进度 = paid ÷ arrived; 结余率 =
//!   (appropriated − paid) ÷ appropriated.

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::{Level, LineBalance, Mode, Status};
use crate::money::Fen;
use crate::report::acceptance::{self, Progress};
use crate::report::entitlements;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Coverage targets (policy 二（一）（二）) and the flagship range (二（三）).
pub const AGRI_TARGET_PERCENT: u32 = 100;
pub const LAND_TARGET_PERCENT: u32 = 50;
pub const FLAGSHIP_MIN: usize = 1;
pub const FLAGSHIP_MAX: usize = 2;

/// Money of a group of lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Funds {
    pub appropriated: Fen,
    pub lines: LineBalance,
}

impl Funds {
    pub fn add(&mut self, other: &Funds) {
        self.appropriated += other.appropriated;
        self.lines.add(&other.lines);
    }
}

/// One county's (or the city's) review figures.
#[derive(Clone, Debug, Default)]
pub struct CountyReview {
    /// The county's name; empty for the city total.
    pub county: String,
    pub projects: usize,
    pub new: usize,
    pub agri: usize,
    pub land: usize,
    pub flagships: usize,
    pub funds: Funds,
    pub by_level: BTreeMap<Level, Funds>,
    /// Keyed by the channel's catalogue position, then code.
    pub by_channel: BTreeMap<(usize, String), Funds>,
    pub entitled: Fen,
    /// Sub-project × channel rows of projects in the year whose received is below their
    /// entitlement, and the sum of the gaps.
    pub shrinkage_flags: usize,
    pub shrinkage_gap: Fen,
    pub acceptance: Vec<Progress>,
}

impl CountyReview {
    pub fn continuing(&self) -> usize {
        self.projects - self.new
    }

    pub fn arrived(&self) -> Fen {
        self.funds.lines.drawn()
    }

    fn absorb(&mut self, other: &CountyReview) {
        self.projects += other.projects;
        self.new += other.new;
        self.agri += other.agri;
        self.land += other.land;
        self.flagships += other.flagships;
        self.funds.add(&other.funds);
        for (k, v) in &other.by_level {
            self.by_level.entry(*k).or_default().add(v);
        }
        for (k, v) in &other.by_channel {
            self.by_channel.entry(k.clone()).or_default().add(v);
        }
        self.entitled += other.entitled;
        self.shrinkage_flags += other.shrinkage_flags;
        self.shrinkage_gap += other.shrinkage_gap;
        self.acceptance.extend(other.acceptance.iter().cloned());
    }
}

#[derive(Clone, Debug)]
pub struct Review {
    pub year: i32,
    pub counties: Vec<CountyReview>,
    /// The sum over `counties` (the city, or the one county asked for).
    pub city: CountyReview,
}

/// The review of `year`, for every county of the catalogue or only `county` (a name).
pub fn review(db: &Db, catalog: &Catalog, year: i32, county: Option<&str>) -> Result<Review> {
    let (Some(start), Some(end)) =
        (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
    else {
        return Err(crate::error::Error::BadRequest(vec![crate::error::Problem::new(
            crate::error::Check::Format,
            format!("'{year}' is not a year"),
        )
        .column("--year")]));
    };
    let projects = db.projects()?;
    let subprojects = db.subprojects()?;
    let all_progress = acceptance::progress(&projects, &subprojects, &db.acceptances(None)?, Some(end));
    let city_accepted_before: HashSet<&str> = all_progress
        .iter()
        .filter(|p| p.city.as_ref().is_some_and(|c| c.0 < start))
        .map(|p| p.project.as_str())
        .collect();
    let integrates: HashSet<&str> = subprojects
        .iter()
        .filter(|s| s.status != Status::Excluded)
        .map(|s| s.project_code.as_str())
        .collect();

    let mut counties: Vec<CountyReview> = catalog
        .counties
        .iter()
        .filter(|c| county.is_none_or(|n| n == c.name))
        .map(|c| CountyReview { county: c.name.clone(), ..CountyReview::default() })
        .collect();
    let index: HashMap<String, usize> =
        counties.iter().enumerate().map(|(i, c)| (c.county.clone(), i)).collect();

    let mut in_year: HashSet<&str> = HashSet::new();
    for p in &projects {
        let Some(&i) = index.get(&p.row.county) else { continue };
        if p.row.approved_on > end || city_accepted_before.contains(p.row.code.as_str()) {
            continue;
        }
        in_year.insert(&p.row.code);
        let c = &mut counties[i];
        c.projects += 1;
        if p.row.approved_on >= start {
            c.new += 1;
        }
        if integrates.contains(p.row.code.as_str()) {
            c.agri += 1;
            if matches!(p.row.mode, Mode::Land | Mode::People) {
                c.land += 1;
            }
        }
        if p.row.flagship && p.row.mode == Mode::People {
            c.flagships += 1;
        }
    }
    for g in all_progress.into_iter().filter(|g| in_year.contains(g.project.as_str())) {
        if let Some(&i) = index.get(&g.county) {
            counties[i].acceptance.push(g);
        }
    }

    let channel_seq: HashMap<&str, usize> =
        catalog.channels.iter().enumerate().map(|(i, c)| (c.code.as_str(), i)).collect();
    let channel_key = |code: &str| (channel_seq.get(code).copied().unwrap_or(usize::MAX), code.to_string());
    let appropriations = db.appropriations()?;
    let level_of: HashMap<&str, Level> = appropriations.iter().map(|a| (a.code.as_str(), a.level)).collect();
    for a in appropriations.iter().filter(|a| a.issued_on <= end) {
        let Some(&i) = index.get(&a.county) else { continue };
        let c = &mut counties[i];
        let money = Funds { appropriated: a.amount, lines: LineBalance::default() };
        c.funds.add(&money);
        c.by_level.entry(a.level).or_default().add(&money);
        c.by_channel.entry(channel_key(&a.channel)).or_default().add(&money);
    }
    let lines = db.balance_lines_as_of(Some(end))?;
    for l in &lines {
        let Some(&i) = index.get(&l.county) else { continue };
        let c = &mut counties[i];
        let money = Funds { appropriated: Fen(0), lines: l.balance };
        c.funds.add(&money);
        let level = level_of.get(l.appropriation.as_str()).copied().unwrap_or(Level::County);
        c.by_level.entry(level).or_default().add(&money);
        c.by_channel.entry(channel_key(&l.channel)).or_default().add(&money);
    }
    let approved: HashMap<&str, NaiveDate> =
        projects.iter().map(|p| (p.row.code.as_str(), p.row.approved_on)).collect();
    for e in entitlements::entitlements_with(db, catalog, &lines)? {
        let Some(&i) = index.get(&e.county) else { continue };
        if approved.get(e.project.as_str()).is_none_or(|d| *d > end) {
            continue;
        }
        let c = &mut counties[i];
        c.entitled += e.entitlement.amount;
        if in_year.contains(e.project.as_str()) && e.gap().is_positive() {
            c.shrinkage_flags += 1;
            c.shrinkage_gap += e.gap();
        }
    }

    let mut city = CountyReview::default();
    for c in &counties {
        city.absorb(c);
    }
    Ok(Review { year, counties, city })
}
