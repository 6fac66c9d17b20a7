//! The annual performance review (年度绩效评价) as data, per county and for the city.
//!
//! - Projects in the year: approved on or before 31 December and not through city acceptance
//!   before 1 January; *new* if approved in the year, *continuing* otherwise.
//! - Mode coverage (policy 二, DOMAIN.md §6) counts content, not declarations: a project counts
//!   toward 农 when it integrates a non-excluded sub-project of a type ticked for 农 (any mode
//!   admits it), toward 地 when its mode is 地 or 人 and it integrates one of a type ticked for
//!   地 but not for 农; targets 100% and 50% of the projects in the year. Projects whose content
//!   does not bear out their declared mode are listed (`check`'s `mode_unsubstantiated`).
//! - Flagships: 人-mode projects marked 精品示范工程 among the projects in the year; target
//!   1–2 per county.
//! - Funds are cumulative to 31 December over every line of the county (so the totals equal
//!   `statement --to Y-12-31`): appropriated = lines issued by then; the balance columns as
//!   in `balances`; entitled = the standalone entitlements of the sub-projects of projects
//!   approved by then; arrived = received (allocated − withdrawn − returned). Beside them, the
//!   year's own movements: issued in the year (with the year's adjustments) and the entries
//!   dated in it.
//! - Shrinkage and underfunding (DOMAIN.md §5) of the projects in the year, side by side:
//!   entitlement, fair share, received, shrinkage (fair share not received) and underfunding
//!   (entitlement never issued to the county on the channel).
//! - Modes, flagship designations and sub-project statuses are those in force on 31 December
//!   (the register as amended by then).
//! - Rates: 资金到位率 = arrived ÷ entitled; 支出进度 = paid ÷ arrived; 结余率 =
//!   (appropriated − paid) ÷ appropriated.

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::{Level, LineBalance, LineId, Mode};
use crate::model::{StoredAdjustment, StoredAppropriation, StoredProject, StoredSubproject};
use crate::money::Fen;
use crate::report::acceptance::{self, Progress};
use crate::report::balances::Figures as BalanceFigures;
use crate::report::entitlements;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Serialize, Serializer};
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
    /// The year's own movements, as `funds`, `by_level` and `by_channel`.
    pub year: Funds,
    pub year_by_level: BTreeMap<Level, Funds>,
    pub year_by_channel: BTreeMap<(usize, String), Funds>,
    pub entitled: Fen,
    /// Of the sub-project × channel rows of projects in the year: their entitlements, fair
    /// shares and received; how many received less than their fair share, and the sum of the
    /// shrinkage; the underfunding summed.
    pub judged_entitled: Fen,
    pub fair_share: Fen,
    pub received: Fen,
    pub shrinkage_flags: usize,
    pub shrinkage_gap: Fen,
    pub underfunding: Fen,
    /// Projects in the year whose content does not bear out their declared mode.
    pub unsubstantiated: Vec<Unsubstantiated>,
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
        self.year.add(&other.year);
        for (k, v) in &other.by_level {
            self.by_level.entry(*k).or_default().add(v);
        }
        for (k, v) in &other.year_by_level {
            self.year_by_level.entry(*k).or_default().add(v);
        }
        for (k, v) in &other.by_channel {
            self.by_channel.entry(k.clone()).or_default().add(v);
        }
        for (k, v) in &other.year_by_channel {
            self.year_by_channel.entry(k.clone()).or_default().add(v);
        }
        self.entitled += other.entitled;
        self.judged_entitled += other.judged_entitled;
        self.fair_share += other.fair_share;
        self.received += other.received;
        self.shrinkage_flags += other.shrinkage_flags;
        self.shrinkage_gap += other.shrinkage_gap;
        self.underfunding += other.underfunding;
        self.unsubstantiated.extend(other.unsubstantiated.iter().cloned());
        self.acceptance.extend(other.acceptance.iter().cloned());
    }
}

#[derive(Clone, Debug)]
pub struct Review {
    pub year: i32,
    pub counties: Vec<CountyReview>,
    /// The sum over `counties` (the city, or the one county asked for).
    pub city: CountyReview,
    /// The adjustments (追加, 调减, 上级收回) dated in the year, of the counties reviewed:
    /// `appropriated` is net of them, and a reviewer sees each.
    pub adjustments: Vec<AdjustmentRow>,
}

/// A project in the year whose content does not bear out its declared mode: what it lacks.
#[derive(Clone, Debug, Serialize)]
pub struct Unsubstantiated {
    pub county: String,
    pub project: String,
    /// The declared mode's code (`agri`, `land`, `people`).
    pub mode: String,
    /// What the mode needs and the project does not integrate, in the reader's language.
    pub missing: Vec<String>,
}

/// One adjustment of an appropriation, as the review lists it.
#[derive(Clone, Debug, Serialize)]
pub struct AdjustmentRow {
    pub county: String,
    pub appropriation: String,
    pub channel: String,
    #[serde(serialize_with = "super::ser::date")]
    pub date: NaiveDate,
    /// Signed: positive for 追加, negative for 调减 and 上级收回.
    pub amount: Fen,
    pub doc: String,
    pub reason: String,
}

/// The adjustments dated from `start` to `end` of appropriations of the counties in `index`.
fn adjustment_rows(
    appropriations: &[StoredAppropriation],
    adjustments: Vec<StoredAdjustment>,
    (start, end): (NaiveDate, NaiveDate),
    index: &HashMap<String, usize>,
) -> Vec<AdjustmentRow> {
    let appropriations: HashMap<i64, &StoredAppropriation> =
        appropriations.iter().map(|a| (a.id, a)).collect();
    adjustments
        .into_iter()
        .filter(|j| (start..=end).contains(&j.date))
        .filter_map(|j| {
            let a = appropriations.get(&j.appropriation_id).filter(|a| index.contains_key(&a.county))?;
            Some(AdjustmentRow {
                county: a.county.clone(),
                appropriation: a.code.to_string(),
                channel: a.channel.clone(),
                date: j.date,
                amount: j.amount,
                doc: j.document,
                reason: j.reason,
            })
        })
        .collect()
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
    let mut counties: Vec<CountyReview> = catalog
        .counties
        .iter()
        .filter(|c| county.is_none_or(|n| n == c.name))
        .map(|c| CountyReview { county: c.name.clone(), ..CountyReview::default() })
        .collect();
    let index: HashMap<String, usize> =
        counties.iter().enumerate().map(|(i, c)| (c.county.clone(), i)).collect();
    // Modes, flagships and statuses as amended by the end of the year.
    let projects = db.projects_as_of(end)?;
    let subprojects = db.subprojects_as_of(end)?;
    let in_year =
        count_projects(db, catalog, (&projects, &subprojects), (start, end), &index, &mut counties)?;
    let appropriations = db.appropriations()?;
    let adjustments = db.adjustments()?;
    let lines = db.line_sums_as_of(Some(end))?;
    let opening = db.appropriation_sums_as_of(start.pred_opt())?;
    let money = Money {
        appropriations: &appropriations,
        adjustments: &adjustments,
        lines: &lines,
        opening: &opening,
    };
    add_funds(catalog, (start, end), &money, &index, &mut counties);
    let approved = entitlements::approval_dates(&projects);
    let mut rows = entitlements::figure(catalog, &db.rules()?, &approved, &subprojects);
    let issued = entitlements::issued_from(&appropriations, &adjustments, end);
    entitlements::receive_by_ids(&mut rows, &lines, &appropriations, &issued);
    for e in rows {
        let Some(&i) = index.get(&e.county) else { continue };
        if approved.get(e.project.as_str()).is_none_or(|d| *d > end) {
            continue;
        }
        let c = &mut counties[i];
        c.entitled += e.entitlement.amount;
        if in_year.contains(e.project.as_str()) {
            c.judged_entitled += e.entitlement.amount;
            c.fair_share += e.fair_share;
            c.received += e.received;
            c.underfunding += e.underfunding();
            if e.shrinkage().is_positive() {
                c.shrinkage_flags += 1;
                c.shrinkage_gap += e.shrinkage();
            }
        }
    }
    let mut city = CountyReview::default();
    for c in &counties {
        city.absorb(c);
    }
    let adjustments = adjustment_rows(&appropriations, adjustments, (start, end), &index);
    Ok(Review { year, counties, city, adjustments })
}

/// The money the review sums: the appropriations and their adjustments, and every line's
/// balance at the end of the year and at its opening (the day before it), by ids.
struct Money<'a> {
    appropriations: &'a [StoredAppropriation],
    adjustments: &'a [StoredAdjustment],
    lines: &'a [(LineId, LineBalance)],
    /// Per appropriation id.
    opening: &'a [(i64, LineBalance)],
}

/// Counts the year's projects, their modes and flagships per county, and gathers their
/// acceptance progress; returns the codes of the year's projects.
fn count_projects(
    db: &Db,
    catalog: &Catalog,
    (projects, subprojects): (&[StoredProject], &[StoredSubproject]),
    (start, end): (NaiveDate, NaiveDate),
    index: &HashMap<String, usize>,
    counties: &mut [CountyReview],
) -> Result<HashSet<String>> {
    let content = crate::report::check::Content::of_projects(catalog, subprojects);
    let all_progress =
        acceptance::progress(projects, subprojects, &db.acceptances(None)?, &db.awards(None)?, Some(end));
    let city_accepted_before: HashSet<&str> = all_progress
        .iter()
        .filter(|p| p.city.as_ref().is_some_and(|c| c.0 < start))
        .map(|p| p.project.as_str())
        .collect();
    let mut in_year: HashSet<String> = HashSet::new();
    for p in projects {
        let Some(&i) = index.get(&p.row.county) else { continue };
        if p.row.approved_on > end || city_accepted_before.contains(p.row.code.as_str()) {
            continue;
        }
        in_year.insert(p.row.code.to_string());
        let c = &mut counties[i];
        c.projects += 1;
        if p.row.approved_on >= start {
            c.new += 1;
        }
        let has = content.get(p.row.code.as_str()).copied().unwrap_or_default();
        c.agri += usize::from(has.counts_agri());
        c.land += usize::from(has.counts_land(p.row.mode));
        let missing = has.missing_for(p.row.mode);
        if !missing.is_empty() {
            c.unsubstantiated.push(Unsubstantiated {
                county: c.county.clone(),
                project: p.row.code.to_string(),
                mode: p.row.mode.code().to_string(),
                missing,
            });
        }
        if p.row.flagship && p.row.mode == Mode::People {
            c.flagships += 1;
        }
    }
    for g in all_progress.into_iter().filter(|g| in_year.contains(&g.project)) {
        if let Some(&i) = index.get(&g.county) {
            counties[i].acceptance.push(g);
        }
    }
    Ok(in_year)
}

/// Adds the appropriations issued by `end` and the lines as of `end` to their county's
/// funds, by level and by channel; and the year's own (issued from `start`, with the
/// adjustments dated in the year; the lines' movements since the day before `start`).
fn add_funds(
    catalog: &Catalog,
    (start, end): (NaiveDate, NaiveDate),
    money: &Money,
    index: &HashMap<String, usize>,
    counties: &mut [CountyReview],
) {
    let channel_seq: HashMap<&str, usize> =
        catalog.channels.iter().enumerate().map(|(i, c)| (c.code.as_str(), i)).collect();
    let channel_key = |code: &str| (channel_seq.get(code).copied().unwrap_or(usize::MAX), code.to_string());
    let mut add = |a: &StoredAppropriation, money: Funds, year: bool| {
        let Some(&i) = index.get(&a.county) else { return };
        let c = &mut counties[i];
        let (total, by_level, by_channel) = if year {
            (&mut c.year, &mut c.year_by_level, &mut c.year_by_channel)
        } else {
            (&mut c.funds, &mut c.by_level, &mut c.by_channel)
        };
        total.add(&money);
        by_level.entry(a.level).or_default().add(&money);
        by_channel.entry(channel_key(&a.channel)).or_default().add(&money);
    };
    // Each appropriation's lines summed first: its county, level and channel are theirs.
    let mut lines: FxHashMap<i64, (LineBalance, LineBalance)> =
        FxHashMap::with_capacity_and_hasher(money.appropriations.len(), Default::default());
    for (line, balance) in money.lines {
        lines.entry(line.appropriation).or_default().0.add(balance);
    }
    for (appropriation, balance) in money.opening {
        lines.entry(*appropriation).or_default().1.add(balance);
    }
    // Appropriated = issued by `end`, net of the adjustments (追加, 调减, 上级收回) dated up to it.
    let before = start.pred_opt().unwrap_or(start);
    for a in money.appropriations {
        if a.issued_on <= end {
            let appropriated = crate::model::issued_as_of(a.amount, a.id, money.adjustments, end);
            add(a, Funds { appropriated, lines: LineBalance::default() }, false);
            let earlier = if a.issued_on < start {
                crate::model::issued_as_of(a.amount, a.id, money.adjustments, before)
            } else {
                Fen(0)
            };
            add(a, Funds { appropriated: appropriated - earlier, lines: LineBalance::default() }, true);
        }
        if let Some((closing, opening)) = lines.get(&a.id) {
            add(a, Funds { appropriated: Fen(0), lines: *closing }, false);
            add(a, Funds { appropriated: Fen(0), lines: closing.since(opening) }, true);
        }
    }
}

/// A section of the review: its rows, and the rows that sum others (a county's total over
/// levels or channels, the city's rows), kept apart so that summing `rows` counts nothing
/// twice.
#[derive(Clone, Debug, Serialize)]
pub struct Section<T> {
    pub rows: Vec<T>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subtotals: Vec<T>,
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Section { rows: Vec::new(), subtotals: Vec::new() }
    }
}

impl<T> Section<T> {
    fn push(&mut self, row: T, subtotal: bool) {
        if subtotal {
            self.subtotals.push(row);
        } else {
            self.rows.push(row);
        }
    }
}

/// Projects, mode coverage and flagships of a county (`county` is `null` for the city), with
/// the judgements against the targets. A coverage target is `null` when the county has no
/// project in the year: there is nothing to judge.
#[derive(Clone, Debug, Serialize)]
pub struct ProjectsRow {
    pub county: Option<String>,
    pub projects: usize,
    pub new: usize,
    pub continuing: usize,
    pub agri_projects: usize,
    #[serde(serialize_with = "super::ser::opt_percent")]
    pub agri_coverage: Option<Decimal>,
    pub agri_target_met: Option<bool>,
    pub land_projects: usize,
    #[serde(serialize_with = "super::ser::opt_percent")]
    pub land_coverage: Option<Decimal>,
    pub land_target_met: Option<bool>,
    pub flagships: usize,
    /// 1–2 flagships; for the city, every county has 1–2.
    pub flagship_target_met: bool,
    /// More flagships than the policy's 1–2 (for the city: some county has more, none fewer):
    /// above the target, which is not a shortfall.
    pub flagships_above_target: bool,
}

/// Appropriated money and the balance columns of a group of lines.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct FundFigures {
    pub appropriated: Fen,
    #[serde(flatten)]
    pub lines: BalanceFigures,
}

impl From<&Funds> for FundFigures {
    fn from(f: &Funds) -> FundFigures {
        FundFigures { appropriated: f.appropriated, lines: (&f.lines).into() }
    }
}

/// A group of lines' own movements in the year: issued (with the year's adjustments), arrived
/// (allocated − withdrawn − returned) and paid.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct YearFigures {
    pub year_appropriated: Fen,
    pub year_arrived: Fen,
    pub year_paid: Fen,
}

impl From<&Funds> for YearFigures {
    fn from(f: &Funds) -> YearFigures {
        YearFigures {
            year_appropriated: f.appropriated,
            year_arrived: f.lines.drawn(),
            year_paid: f.lines.paid,
        }
    }
}

fn level_code<S: Serializer>(l: &Option<Level>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match l {
        Some(l) => s.serialize_str(l.code()),
        None => s.serialize_none(),
    }
}

/// A county's (`null`: the city's) funds at one budget level (`null`: all levels).
#[derive(Clone, Debug, Serialize)]
pub struct LevelRow {
    pub county: Option<String>,
    #[serde(serialize_with = "level_code")]
    pub level: Option<Level>,
    #[serde(flatten)]
    pub figures: FundFigures,
    /// The year's own movements.
    #[serde(flatten)]
    pub year: YearFigures,
}

/// A county's (`null`: the city's) funds on one channel (`null`: all channels).
#[derive(Clone, Debug, Serialize)]
pub struct ChannelRow {
    pub county: Option<String>,
    /// The channel's name.
    pub channel: Option<String>,
    #[serde(flatten)]
    pub figures: FundFigures,
    /// The year's own movements.
    #[serde(flatten)]
    pub year: YearFigures,
    pub channel_code: Option<String>,
}

/// The three rates (`null` when the divisor is zero).
#[derive(Clone, Debug, Serialize)]
pub struct RatesRow {
    pub county: Option<String>,
    pub appropriated: Fen,
    pub entitled: Fen,
    pub arrived: Fen,
    pub paid: Fen,
    /// appropriated − paid.
    pub unspent: Fen,
    /// arrived ÷ entitled.
    #[serde(serialize_with = "super::ser::opt_percent")]
    pub arrival_rate: Option<Decimal>,
    /// paid ÷ arrived.
    #[serde(serialize_with = "super::ser::opt_percent")]
    pub spending_progress: Option<Decimal>,
    /// unspent ÷ appropriated.
    #[serde(serialize_with = "super::ser::opt_percent")]
    pub surplus_rate: Option<Decimal>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShrinkageRow {
    pub county: Option<String>,
    /// Sub-project × channel rows that received less than their fair share.
    pub flags: usize,
    pub entitlement: Fen,
    pub fair_share: Fen,
    pub received: Fen,
    /// Shrinkage (补助缩水): fair share not received, summed row by row, never netted.
    pub gap: Fen,
    /// Entitlement never issued to the county on the channel.
    pub underfunding: Fen,
}

#[derive(Clone, Debug, Serialize)]
pub struct AcceptanceRow {
    pub county: Option<String>,
    pub projects: usize,
    pub items_required: usize,
    pub items_passed: usize,
    pub overall_passed: usize,
    pub county_passed: usize,
    pub city_passed: usize,
    pub awards: usize,
}

/// The review as `review` prints it: per county (and the city, with several counties), every
/// figure and judgement.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewReport {
    #[serde(serialize_with = "super::ser::fingerprint")]
    pub fingerprint: crate::model::Fingerprint,
    pub year: i32,
    /// The county reviewed, when there is one; `null` for the city.
    pub county: Option<String>,
    pub projects: Section<ProjectsRow>,
    pub funds_by_level: Section<LevelRow>,
    pub funds_by_channel: Section<ChannelRow>,
    pub rates: Section<RatesRow>,
    pub shrinkage: Section<ShrinkageRow>,
    pub acceptance: Section<AcceptanceRow>,
    /// Projects in the year whose content does not bear out their declared mode.
    pub unsubstantiated: Vec<Unsubstantiated>,
    /// The year's adjustments (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<AdjustmentRow>,
}

/// `part` as a percentage of `whole` with two decimals, half away from zero.
pub fn count_percent(part: usize, whole: usize) -> Option<Decimal> {
    if whole == 0 {
        return None;
    }
    let p = Decimal::from(part as u64) * Decimal::ONE_HUNDRED / Decimal::from(whole as u64);
    Some(p.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

/// Whether `n` of `of` projects reach `target` percent; `None` with no project.
pub fn coverage_met(n: usize, of: usize, target: u32) -> Option<bool> {
    (of > 0).then(|| n * 100 >= of * target as usize)
}

pub fn flagships_met(n: usize) -> bool {
    (FLAGSHIP_MIN..=FLAGSHIP_MAX).contains(&n)
}

/// Every county's row, then the city's (with several counties), marked as such.
fn with_city(r: &Review) -> Vec<(&CountyReview, bool)> {
    let mut rows: Vec<(&CountyReview, bool)> = r.counties.iter().map(|c| (c, false)).collect();
    if r.counties.len() > 1 {
        rows.push((&r.city, true));
    }
    rows
}

/// The review's figures with their judgements, as printed.
pub fn assess(catalog: &Catalog, r: &Review, fingerprint: crate::model::Fingerprint) -> ReviewReport {
    let mut out = ReviewReport {
        fingerprint,
        year: r.year,
        county: match r.counties.as_slice() {
            [one] => Some(one.county.clone()),
            _ => None,
        },
        projects: Section::default(),
        funds_by_level: Section::default(),
        funds_by_channel: Section::default(),
        rates: Section::default(),
        shrinkage: Section::default(),
        acceptance: Section::default(),
        unsubstantiated: r.city.unsubstantiated.clone(),
        adjustments: r.adjustments.clone(),
    };
    let all_flagships_met = r.counties.iter().all(|c| flagships_met(c.flagships));
    let city_above = r.counties.iter().any(|c| c.flagships > FLAGSHIP_MAX)
        && r.counties.iter().all(|c| c.flagships >= FLAGSHIP_MIN);
    for (c, city) in with_city(r) {
        let county = (!city).then(|| c.county.clone());
        let flagship_met = if city { all_flagships_met } else { flagships_met(c.flagships) };
        let above = if city { city_above } else { c.flagships > FLAGSHIP_MAX };
        let mut row = projects_row(c, county.clone(), flagship_met);
        row.flagships_above_target = above;
        out.projects.push(row, city);
        add_fund_rows(catalog, &mut out, c, county.clone(), city);
        out.rates.push(rates_row(c, county.clone()), city);
        let shrinkage = ShrinkageRow {
            county: county.clone(),
            flags: c.shrinkage_flags,
            entitlement: c.judged_entitled,
            fair_share: c.fair_share,
            received: c.received,
            gap: c.shrinkage_gap,
            underfunding: c.underfunding,
        };
        out.shrinkage.push(shrinkage, city);
        out.acceptance.push(acceptance_row(c, county), city);
    }
    out
}

fn projects_row(c: &CountyReview, county: Option<String>, flagship_target_met: bool) -> ProjectsRow {
    ProjectsRow {
        county,
        projects: c.projects,
        new: c.new,
        continuing: c.continuing(),
        agri_projects: c.agri,
        agri_coverage: count_percent(c.agri, c.projects),
        agri_target_met: coverage_met(c.agri, c.projects, AGRI_TARGET_PERCENT),
        land_projects: c.land,
        land_coverage: count_percent(c.land, c.projects),
        land_target_met: coverage_met(c.land, c.projects, LAND_TARGET_PERCENT),
        flagships: c.flagships,
        flagship_target_met,
        flagships_above_target: false,
    }
}

/// A county's funds by level and by channel, each followed by their total (the city's rows
/// all sum the counties': they are subtotals).
fn add_fund_rows(
    catalog: &Catalog,
    out: &mut ReviewReport,
    c: &CountyReview,
    county: Option<String>,
    city: bool,
) {
    for (level, f) in &c.by_level {
        let year = c.year_by_level.get(level).map(YearFigures::from).unwrap_or_default();
        let row = LevelRow { county: county.clone(), level: Some(*level), figures: f.into(), year };
        out.funds_by_level.push(row, city);
    }
    for (key, f) in &c.by_channel {
        let channel = &key.1;
        let name = catalog.channel(channel).map_or(channel.clone(), |ch| ch.name.clone());
        let row = ChannelRow {
            county: county.clone(),
            channel: Some(name),
            figures: f.into(),
            year: c.year_by_channel.get(key).map(YearFigures::from).unwrap_or_default(),
            channel_code: Some(channel.clone()),
        };
        out.funds_by_channel.push(row, city);
    }
    let total: FundFigures = (&c.funds).into();
    let year: YearFigures = (&c.year).into();
    out.funds_by_level.push(LevelRow { county: county.clone(), level: None, figures: total, year }, true);
    let row = ChannelRow { county, channel: None, figures: total, year, channel_code: None };
    out.funds_by_channel.push(row, true);
}

fn rates_row(c: &CountyReview, county: Option<String>) -> RatesRow {
    let unspent = c.funds.appropriated - c.funds.lines.paid;
    RatesRow {
        county,
        appropriated: c.funds.appropriated,
        entitled: c.entitled,
        arrived: c.arrived(),
        paid: c.funds.lines.paid,
        unspent,
        arrival_rate: c.arrived().percent_of(c.entitled),
        spending_progress: c.funds.lines.paid.percent_of(c.arrived()),
        surplus_rate: unspent.percent_of(c.funds.appropriated),
    }
}

fn acceptance_row(c: &CountyReview, county: Option<String>) -> AcceptanceRow {
    let a = &c.acceptance;
    let n = |f: &dyn Fn(&Progress) -> bool| a.iter().filter(|p| f(p)).count();
    AcceptanceRow {
        county,
        projects: a.len(),
        items_required: a.iter().map(|p| p.items_required).sum(),
        items_passed: a.iter().map(|p| p.items_passed).sum(),
        overall_passed: n(&|p| p.overall.is_some()),
        county_passed: n(&|p| p.county_passed.is_some()),
        city_passed: n(&|p| p.city.is_some()),
        awards: n(&|p| p.city.as_ref().is_some_and(|c| c.2)),
    }
}
