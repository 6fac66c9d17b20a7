//! Standalone entitlements per (sub-project, channel), with what each has received.
//!
//! Every sub-project not excluded on the date in question has one row per channel designated
//! for its type (types with no channel have none), figured from the version of the
//! sub-project in force on that date (its amendments: investment, quantity, unit, standalone
//! approvals). The entitlement comes from `subsidy::entitlement`: a standalone amount approved
//! on that channel by amendment; else the register's standalone amount on the sub-project's
//! primary (first designated) channel; else the rule valid on its project's approval date. Received = allocated − withdrawn − returned on that
//! channel, over all appropriation lines, reversals netted.
//!
//! Each row also carries its **fair share** (DOMAIN.md §5): when what the county was issued
//! on the channel by the date falls short of the total entitlement on that channel in the
//! county, a stand-alone project would have been cut too, so the neutral baseline is the
//! entitlement cut by the same ratio — `issued × entitlement ÷ total`, divided among the
//! county's rows on the channel exact to the fen by largest remainder (the allocator divides
//! the same way, so an appropriation it divided leaves no shrinkage). **Shrinkage** (补助缩水) is
//! fair share − received when positive: money was there and this sub-project did not get its
//! part. **Underfunding** is entitlement − fair share: money that never came to the county.

use crate::catalog::Catalog;
use crate::db::{Db, LinesOf};
use crate::error::Result;
use crate::model::{BalanceLine, LineBalance, LineId, Status};
use crate::model::{StoredAdjustment, StoredAppropriation, StoredProject, StoredSubproject};
use crate::money::Fen;
use crate::subsidy::{self, Entitlement, Measure, Rule};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct Row {
    pub project: String,
    pub county: String,
    pub subproject_id: i64,
    pub subproject: String,
    pub type_code: String,
    pub channel: String,
    pub investment: Fen,
    pub entitlement: Entitlement,
    pub received: Fen,
    /// The entitlement cut by the ratio the county's channel was funded by the date.
    pub fair_share: Fen,
}

impl Row {
    /// Entitlement not yet received (never negative).
    pub fn outstanding(&self) -> Fen {
        positive(self.entitlement.amount - self.received)
    }

    /// Fair share not received (补助缩水): the money was there, this sub-project did not get it.
    pub fn shrinkage(&self) -> Fen {
        positive(self.fair_share - self.received)
    }

    /// The part of the entitlement the county was never issued on the channel.
    pub fn underfunding(&self) -> Fen {
        positive(self.entitlement.amount - self.fair_share)
    }
}

fn positive(f: Fen) -> Fen {
    Fen(f.0.max(0))
}

/// What each county was issued on each channel by `date`: appropriations issued by then,
/// with their adjustments dated by then.
pub fn issued_by_county_channel(db: &Db, date: NaiveDate) -> Result<HashMap<(String, String), Fen>> {
    Ok(issued_from(&db.appropriations_kept()?, &db.adjustments()?, date))
}

/// `issued_by_county_channel`, from the appropriations and adjustments already read.
pub fn issued_from(
    appropriations: &[StoredAppropriation],
    adjustments: &[StoredAdjustment],
    date: NaiveDate,
) -> HashMap<(String, String), Fen> {
    let mut issued: HashMap<(String, String), Fen> = HashMap::new();
    for a in appropriations.iter().filter(|a| a.issued_on <= date) {
        *issued.entry((a.county.clone(), a.channel.clone())).or_default() +=
            crate::model::issued_as_of(a.amount, a.id, adjustments, date);
    }
    issued
}

/// Sets every row's fair share: per county and channel, the rows' entitlements in full when
/// the county was issued at least their total, else `issued` divided among them in proportion
/// to their entitlements, exact to the fen (largest remainder, ties to the earlier row).
pub fn set_fair_shares(rows: &mut [Row], issued: &HashMap<(String, String), Fen>) {
    let mut groups: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        groups.entry((r.county.as_str(), r.channel.as_str())).or_default().push(i);
    }
    let mut shares = vec![Fen(0); rows.len()];
    for ((county, channel), members) in groups {
        let total: Fen = members.iter().map(|&i| rows[i].entitlement.amount).sum();
        let given = issued.get(&(county.to_string(), channel.to_string())).copied().unwrap_or_default();
        let given = positive(given);
        if given >= total {
            members.iter().for_each(|&i| shares[i] = rows[i].entitlement.amount);
            continue;
        }
        let weights: Vec<i128> = members.iter().map(|&i| rows[i].entitlement.amount.0.max(0)).collect();
        for (&i, part) in members.iter().zip(crate::allocate::divide(given.0, &weights)) {
            shares[i] = Fen(part);
        }
    }
    for (r, share) in rows.iter_mut().zip(shares) {
        r.fair_share = share;
    }
}

/// All entitlement rows as of `as_of`, in project, sub-project and catalogue channel order,
/// with what each has received over all entries.
pub fn entitlements(db: &Db, catalog: &Catalog, as_of: NaiveDate) -> Result<Vec<Row>> {
    entitlements_with(db, catalog, &db.balance_lines()?, as_of)
}

/// All entitlement rows of the sub-projects as in force on `as_of`, with what each has
/// received on the given lines (e.g. the lines as of that date).
pub fn entitlements_with(
    db: &Db,
    catalog: &Catalog,
    lines: &[BalanceLine],
    as_of: NaiveDate,
) -> Result<Vec<Row>> {
    entitlements_given(db, catalog, lines, as_of, &issued_by_county_channel(db, as_of)?)
}

/// As `entitlements_with`, with the fair shares figured from `issued` (what each county was
/// issued on each channel by `as_of`, see `issued_by_county_channel`), for a caller that
/// needs those sums too.
pub fn entitlements_given(
    db: &Db,
    catalog: &Catalog,
    lines: &[BalanceLine],
    as_of: NaiveDate,
    issued: &HashMap<(String, String), Fen>,
) -> Result<Vec<Row>> {
    entitlements_in(db, catalog, lines, as_of, issued, None)
}

/// As `entitlements_given`, for the sub-projects of one county only (all when `None`). Fair
/// shares are figured per county and channel, so a county's rows are the same either way.
pub fn entitlements_in(
    db: &Db,
    catalog: &Catalog,
    lines: &[BalanceLine],
    as_of: NaiveDate,
    issued: &HashMap<(String, String), Fen>,
    county: Option<&str>,
) -> Result<Vec<Row>> {
    let mut received: HashMap<(&str, &str), Fen> = HashMap::new();
    for l in lines {
        *received.entry((&l.subproject, &l.channel)).or_default() += l.balance.drawn();
    }
    let mut rows = standalone(db, catalog, as_of, county)?;
    for r in &mut rows {
        r.received = received.get(&(r.subproject.as_str(), r.channel.as_str())).copied().unwrap_or_default();
    }
    set_fair_shares(&mut rows, issued);
    Ok(rows)
}

/// The entitlement rows of the sub-projects (of one county, or all) as in force on `as_of`,
/// nothing received and no fair share yet (see `standalone_rows`), for the caller to fill in.
pub fn standalone(db: &Db, catalog: &Catalog, as_of: NaiveDate, county: Option<&str>) -> Result<Vec<Row>> {
    Ok(owned(standalone_rows(db, as_of, county, || figure_standalone(db, catalog, as_of, county))?))
}

/// `standalone`, for a caller that has read the sub-projects (of `county`, or all) as in
/// force on `as_of` and their projects: figured from those when nothing keeps the rows.
pub fn standalone_of(
    db: &Db,
    catalog: &Catalog,
    (as_of, county): (NaiveDate, Option<&str>),
    projects: &[StoredProject],
    subprojects: &[StoredSubproject],
) -> Result<Vec<Row>> {
    let rows = standalone_rows(db, as_of, county, || {
        Ok(figure(catalog, &db.rules()?, &approval_dates(projects), subprojects))
    })?;
    Ok(owned(rows))
}

/// The rows themselves: taken when nothing else keeps them, copied when the web's memo does.
fn owned(rows: std::sync::Arc<Vec<Row>>) -> Vec<Row> {
    std::sync::Arc::try_unwrap(rows).unwrap_or_else(|kept| kept.as_ref().clone())
}

/// The entitlement rows of the sub-projects (of one county, or all) as in force on `as_of`,
/// before anything received or fair: what the register, its amendments, the subsidy rules and
/// the catalogue give each sub-project on each channel, in project, sub-project and
/// catalogue channel order.
///
/// Those tables are only ever appended to, so the same last row in each means the same rows.
/// In the web server (`keep_between_requests`), the rows figured for its ledger are kept
/// (`MEMO`) and given again while none of those tables grew: its pages figure a county's
/// entitlements for every request, a county holds thousands of sub-projects, and entries do
/// not change them. A command figures them afresh (`figure_rows`).
fn standalone_rows(
    db: &Db,
    as_of: NaiveDate,
    county: Option<&str>,
    figure_rows: impl FnOnce() -> Result<Vec<Row>>,
) -> Result<std::sync::Arc<Vec<Row>>> {
    kept(&MEMO, db, as_of, county, figure_rows)
}

/// The projects (of `county`, or all) and their sub-projects as in force on `as_of`: what
/// `crate::report::statement` reads of the register for every project page of the web
/// application. Kept as `standalone_rows` keeps its rows, from the same tables.
pub fn register_as_of(
    db: &Db,
    as_of: NaiveDate,
    county: Option<&str>,
) -> Result<std::sync::Arc<(Vec<StoredProject>, Vec<StoredSubproject>)>> {
    kept(&REGISTER, db, as_of, county, || {
        Ok((db.projects_in(county)?, db.subprojects_as_of_in(as_of, county)?))
    })
}

/// What `figure` makes of the ledger's register on `as_of` (of `county`, or all): kept in
/// `memo` while the tables it is figured from stay the same, in the web server only.
fn kept<T>(
    memo: &std::sync::Mutex<Memo<T>>,
    db: &Db,
    as_of: NaiveDate,
    county: Option<&str>,
    figure: impl FnOnce() -> Result<T>,
) -> Result<std::sync::Arc<T>> {
    let keep = KEEP.load(std::sync::atomic::Ordering::Relaxed);
    let key = match db.file().filter(|_| keep) {
        Some(file) => Some(MemoKey {
            file,
            created: db.created_at()?,
            marks: db.entitlement_marks()?,
            as_of,
            county: county.map(str::to_string),
        }),
        None => None,
    };
    if let Some(key) = &key {
        let memo = memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, rows)) = memo.iter().find(|(k, _)| k == key) {
            return Ok(rows.clone());
        }
    }
    let rows = std::sync::Arc::new(figure()?);
    if let Some(key) = key {
        let mut memo = memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Rows figured from older marks are never asked for again.
        memo.retain(|(k, _)| (&k.file, &k.created) != (&key.file, &key.created) || k.marks == key.marks);
        if memo.len() >= MEMO_KEPT {
            memo.remove(0);
        }
        memo.push((key, rows.clone()));
    }
    Ok(rows)
}

/// Keeps the standalone entitlement rows and the register as in force (`register_as_of`)
/// between calls, for the rest of the process (the web server, which serves one ledger file
/// while it runs).
pub fn keep_between_requests() {
    KEEP.store(true, std::sync::atomic::Ordering::Relaxed);
}

static KEEP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What one memo of `standalone_rows` or `register_as_of` was figured from: the ledger (its file and when it was
/// created), the marks of the tables the rows come from, the date and the county.
#[derive(PartialEq, Eq)]
struct MemoKey {
    file: String,
    created: Option<String>,
    marks: crate::db::EntitlementMarks,
    as_of: NaiveDate,
    county: Option<String>,
}

/// The sets of rows kept: every county of a city, the city, a few dates.
const MEMO_KEPT: usize = 32;

type Memo<T> = Vec<(MemoKey, std::sync::Arc<T>)>;

static MEMO: std::sync::Mutex<Memo<Vec<Row>>> = std::sync::Mutex::new(Vec::new());

static REGISTER: std::sync::Mutex<Memo<(Vec<StoredProject>, Vec<StoredSubproject>)>> =
    std::sync::Mutex::new(Vec::new());

fn figure_standalone(db: &Db, catalog: &Catalog, as_of: NaiveDate, county: Option<&str>) -> Result<Vec<Row>> {
    let rules = db.rules()?;
    let projects = db.projects()?;
    let approved = approval_dates(&projects);
    Ok(figure(catalog, &rules, &approved, &db.subprojects_as_of_in(as_of, county)?))
}

/// Each project's approval date, by its code (for `figure`).
pub fn approval_dates(projects: &[StoredProject]) -> HashMap<&str, NaiveDate> {
    projects.iter().map(|p| (p.row.code.as_str(), p.row.approved_on)).collect()
}

/// The entitlement rows of `subprojects` (as in force on the date in question; those excluded
/// have none), from the subsidy `rules` and their projects' approval dates, in project,
/// sub-project and catalogue channel order; nothing received, no fair share yet.
pub fn figure(
    catalog: &Catalog,
    rules: &[Rule],
    approved: &HashMap<&str, NaiveDate>,
    subprojects: &[StoredSubproject],
) -> Vec<Row> {
    let mut included: Vec<&StoredSubproject> =
        subprojects.iter().filter(|s| s.status != Status::Excluded).collect();
    included.sort_by(|a, b| (&a.project_code, &a.code).cmp(&(&b.project_code, &b.code)));
    // Sized once: the rows are large and many (a city's are tens of megabytes), and a vector
    // that doubles as it grows touches about twice that memory.
    let mut rows =
        Vec::with_capacity(included.iter().map(|s| catalog.channel_count_for_type(&s.type_code)).sum());
    for s in included {
        let Some(&approved_on) = approved.get(s.project_code.as_str()) else { continue };
        let measure = Measure { quantity: &s.quantity, unit: &s.unit, investment: s.investment };
        let register = s.standalone.map(|a| (a, s.standalone_doc.as_str()));
        for (i, channel) in catalog.channels_for_type(&s.type_code).into_iter().enumerate() {
            let amended = s.standalone_by_channel.get(&channel.code).map(|(a, doc)| (*a, doc.as_str()));
            let standalone = amended.or(register.filter(|_| i == 0));
            let e = subsidy::entitlement(
                rules,
                &channel.code,
                &s.type_code,
                approved_on,
                &measure,
                standalone,
                true,
            );
            rows.push(Row {
                project: s.project_code.to_string(),
                county: s.county.clone(),
                subproject_id: s.id,
                subproject: s.code.to_string(),
                type_code: s.type_code.clone(),
                channel: channel.code.clone(),
                investment: s.investment,
                received: Fen(0),
                entitlement: e,
                fair_share: Fen(0),
            });
        }
    }
    rows
}

/// Sets what each of `rows` received on `lines` (by ids; `appropriations` give each line's
/// channel), then their fair shares of `issued`.
pub fn receive_by_ids(
    rows: &mut [Row],
    lines: &[(LineId, LineBalance)],
    appropriations: &[StoredAppropriation],
    issued: &HashMap<(String, String), Fen>,
) {
    let channel_of: FxHashMap<i64, &str> =
        appropriations.iter().map(|a| (a.id, a.channel.as_str())).collect();
    let mut received: FxHashMap<(i64, &str), Fen> = FxHashMap::default();
    for (line, balance) in lines {
        if let Some(&channel) = channel_of.get(&line.appropriation) {
            *received.entry((line.subproject, channel)).or_default() += balance.drawn();
        }
    }
    for r in rows.iter_mut() {
        r.received = received.get(&(r.subproject_id, r.channel.as_str())).copied().unwrap_or_default();
    }
    set_fair_shares(rows, issued);
}

/// One row of the `entitlements` listing: names as the reader knows them, codes beside.
#[derive(Clone, Debug, Serialize)]
pub struct Listed {
    pub project: String,
    pub subproject: String,
    /// The sub-project type's name.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The channel's name.
    pub channel: String,
    pub entitlement: Fen,
    /// The entitlement cut by the ratio the county's channel is funded by the day.
    pub fair_share: Fen,
    pub received: Fen,
    pub outstanding: Fen,
    /// Fair share not received (补助缩水).
    pub shrinkage: Fen,
    /// Entitlement never issued to the county on the channel.
    pub underfunding: Fen,
    /// Where the entitlement comes from, in words.
    pub basis: String,
    /// The entitlement comes from an illustrative sample rule, not an official figure.
    pub sample: bool,
    pub type_code: String,
    pub channel_code: String,
    /// Where the entitlement comes from, as data.
    pub basis_detail: subsidy::Basis,
}

/// The listing's sums; the row's text keys are there, and `null`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ListedTotals {
    pub project: Option<String>,
    pub subproject: Option<String>,
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub channel: Option<String>,
    pub entitlement: Fen,
    pub fair_share: Fen,
    pub received: Fen,
    pub outstanding: Fen,
    pub shrinkage: Fen,
    pub underfunding: Fen,
    pub basis: Option<String>,
}

/// A sub-project whose type no channel pays: why it has no entitlement row.
#[derive(Clone, Debug, Serialize)]
pub struct WithoutChannel {
    pub project: String,
    pub subproject: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub type_code: String,
    /// `none` (Annex 3 says 暂无), `absent` (Annex 3 has no row for the type), `user` (a type
    /// added to the catalogue with no channel designated).
    pub annex3: String,
    pub reason: String,
}

/// The `entitlements` report: every row (of one project, or all), their sums and how many
/// rows rest on a sample rule.
#[derive(Clone, Debug, Serialize)]
pub struct Listing {
    pub rows: Vec<Listed>,
    pub totals: ListedTotals,
    pub samples: usize,
    /// Sub-projects (not excluded) with no entitlement row because no channel pays their type.
    pub without_channel: Vec<WithoutChannel>,
}

/// The `entitlements` report of every project, or only of `project`.
pub fn listing(db: &Db, catalog: &Catalog, project: Option<&str>, as_of: NaiveDate) -> Result<Listing> {
    let name = |code: &str| catalog.channel(code).map_or(code.to_string(), |ch| ch.name.clone());
    let type_name = |code: &str| catalog.subproject_type(code).map_or(code.to_string(), |t| t.name.clone());
    // A project's rows need only its county's entitlements (fair shares are figured per
    // county, from entitlements and what was issued) and its own lines (what it received).
    let county = match project {
        Some(p) => db.project(p)?.map(|r| r.row.county),
        None => None,
    };
    let lines: Vec<BalanceLine> = db.balance_lines_in(project.map_or(LinesOf::City, LinesOf::Project))?;
    let issued = issued_by_county_channel(db, as_of)?;
    let rows: Vec<Listed> = entitlements_in(db, catalog, &lines, as_of, &issued, county.as_deref())?
        .into_iter()
        .filter(|r| project.is_none_or(|p| p == r.project))
        .map(|r| Listed {
            type_name: type_name(&r.type_code),
            channel: name(&r.channel),
            entitlement: r.entitlement.amount,
            fair_share: r.fair_share,
            received: r.received,
            outstanding: r.outstanding(),
            shrinkage: r.shrinkage(),
            underfunding: r.underfunding(),
            basis: r.entitlement.basis.describe(),
            sample: r.entitlement.basis.is_sample(),
            basis_detail: r.entitlement.basis,
            project: r.project,
            subproject: r.subproject,
            type_code: r.type_code,
            channel_code: r.channel,
        })
        .collect();
    let totals = ListedTotals {
        entitlement: rows.iter().map(|r| r.entitlement).sum(),
        fair_share: rows.iter().map(|r| r.fair_share).sum(),
        received: rows.iter().map(|r| r.received).sum(),
        outstanding: rows.iter().map(|r| r.outstanding).sum(),
        shrinkage: rows.iter().map(|r| r.shrinkage).sum(),
        underfunding: rows.iter().map(|r| r.underfunding).sum(),
        ..ListedTotals::default()
    };
    let samples = rows.iter().filter(|r| r.sample).count();
    let without_channel = without_channel(db, catalog, project, as_of)?;
    Ok(Listing { rows, totals, samples, without_channel })
}

/// The sub-projects (not excluded on `as_of`) whose type no channel pays, with why.
fn without_channel(
    db: &Db,
    catalog: &Catalog,
    project: Option<&str>,
    as_of: NaiveDate,
) -> Result<Vec<WithoutChannel>> {
    let mut subprojects = match project {
        Some(p) => db.subprojects_of_project_as_of(p, as_of)?,
        None => db.subprojects_as_of(as_of)?,
    };
    subprojects.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(subprojects
        .into_iter()
        .filter(|s| s.status != Status::Excluded && project.is_none_or(|p| p == s.project_code.as_str()))
        .filter(|s| catalog.channels_for_type(&s.type_code).is_empty())
        .map(|s| {
            let t = catalog.subproject_type(&s.type_code);
            let annex3 = t.map_or("absent".to_string(), |t| t.annex3.clone());
            let name = t.map_or(s.type_code.clone(), |t| t.name.clone());
            let reason = match annex3.as_str() {
                "none" => crate::tr!(
                    "附件3对“{name}”的补助资金类别为“暂无”：没有渠道按单独立项补助，故无应得",
                    "Annex 3 gives 暂无 (none yet) as the channel for {name}: no channel subsidises it stand-alone, so there is no entitlement"
                ),
                "user" => crate::tr!(
                    "“{name}”为新增类型，尚未指定补助资金类别：用 `import catalog` 指定后才有应得",
                    "{name} is a type added to the catalogue with no channel designated: designate one with `import catalog` for an entitlement"
                ),
                _ => crate::tr!(
                    "附件3没有“{name}”一行：没有渠道按单独立项补助，故无应得",
                    "Annex 3 has no row for {name}: no channel subsidises it stand-alone, so there is no entitlement"
                ),
            };
            WithoutChannel {
                project: s.project_code.to_string(),
                subproject: s.code.to_string(),
                type_name: name,
                type_code: s.type_code,
                annex3,
                reason,
            }
        })
        .collect())
}
