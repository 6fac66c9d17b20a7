//! The per-department fund statement (部门资金报表) as data: one row per (sub-project,
//! channel) that has an entitlement or has moved, owned by the department that owns the
//! channel, with the period's movements, the balance at its start and end, the standalone
//! entitlement and the gap still open at its end.
//!
//! A period is a closed date range; either end may be open. Movements are the cumulative
//! balances at the end minus those the day before the start, so a reversal counts in the
//! period it is dated in, against the column of the kind it reverses. With no start the
//! opening balance is zero and the statement's totals equal `balances`.

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::LineBalance;
use crate::money::Fen;
use crate::report::entitlements;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A closed date range; `None` leaves that end open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            from: Some(NaiveDate::from_ymd_opt(year, 1, 1)?),
            to: Some(NaiveDate::from_ymd_opt(year, 12, 31)?),
        })
    }
}

/// Which rows to keep; every field is a resolved code (department, county name, project).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub department: Option<String>,
    pub county: Option<String>,
    pub project: Option<String>,
}

/// The figures of a row or of a group of rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Balance (allocated − withdrawn − returned − paid) the day before the period.
    pub opening: Fen,
    /// What moved in the period.
    pub movement: LineBalance,
    /// Balance at the end of the period: opening + the period's net movement.
    pub balance: Fen,
    pub entitlement: Fen,
    /// Entitlement not received by the end of the period (never negative per row).
    pub gap: Fen,
}

impl Figures {
    pub fn add(&mut self, other: &Figures) {
        self.opening += other.opening;
        self.movement.add(&other.movement);
        self.balance += other.balance;
        self.entitlement += other.entitlement;
        self.gap += other.gap;
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub department: String,
    pub channel: String,
    pub project: String,
    pub county: String,
    pub subproject: String,
    pub figures: Figures,
}

/// A (sub-project, channel)'s balances at both ends of the period and its entitlement.
#[derive(Default)]
struct Acc {
    county: String,
    opening: LineBalance,
    closing: LineBalance,
    entitlement: Fen,
    has_entitlement: bool,
}

/// (project, sub-project, channel).
type Key = (String, String, String);

/// The statement's rows in department, channel (catalogue order), project and sub-project
/// order.
pub fn statement(db: &Db, catalog: &Catalog, period: Period, filter: &Filter) -> Result<Vec<Row>> {
    let acc = accumulate(db, catalog, period)?;
    let department_seq: HashMap<&str, usize> =
        catalog.departments.iter().enumerate().map(|(i, d)| (d.code.as_str(), i)).collect();
    let channel_seq: HashMap<&str, usize> =
        catalog.channels.iter().enumerate().map(|(i, c)| (c.code.as_str(), i)).collect();
    let mut rows: Vec<(usize, usize, Row)> = Vec::new();
    for ((project, subproject, channel), a) in acc {
        let department = catalog.channel(&channel).map_or(String::new(), |c| c.policy_owner.clone());
        let keep = filter.department.as_ref().is_none_or(|d| *d == department)
            && filter.county.as_ref().is_none_or(|c| *c == a.county)
            && filter.project.as_ref().is_none_or(|p| *p == project);
        if !keep {
            continue;
        }
        let received = a.closing.drawn();
        let gap = if a.has_entitlement { Fen((a.entitlement - received).0.max(0)) } else { Fen(0) };
        let figures = Figures {
            opening: a.opening.balance(),
            movement: a.closing.since(&a.opening),
            balance: a.closing.balance(),
            entitlement: a.entitlement,
            gap,
        };
        let seq = (
            department_seq.get(department.as_str()).copied().unwrap_or(usize::MAX),
            channel_seq.get(channel.as_str()).copied().unwrap_or(usize::MAX),
        );
        rows.push((
            seq.0,
            seq.1,
            Row { department, channel, project, county: a.county, subproject, figures },
        ));
    }
    rows.sort_by(|a, b| {
        (a.0, a.1, &a.2.project, &a.2.subproject).cmp(&(b.0, b.1, &b.2.project, &b.2.subproject))
    });
    Ok(rows.into_iter().map(|(_, _, r)| r).collect())
}

/// Every (sub-project, channel) that moved by the period's end or has an entitlement from a
/// project approved by then, with its balances at both ends and its entitlement.
fn accumulate(db: &Db, catalog: &Catalog, period: Period) -> Result<BTreeMap<Key, Acc>> {
    let closing = db.balance_lines_as_of(period.to)?;
    let opening = match period.from.and_then(|d| d.pred_opt()) {
        Some(day_before) => db.balance_lines_as_of(Some(day_before))?,
        None => Vec::new(),
    };
    let approved: HashMap<String, NaiveDate> =
        db.projects()?.into_iter().map(|p| (p.row.code.into(), p.row.approved_on)).collect();
    let mut acc: BTreeMap<Key, Acc> = BTreeMap::new();
    for l in &closing {
        let a = acc.entry((l.project.clone(), l.subproject.clone(), l.channel.clone())).or_default();
        a.county = l.county.clone();
        a.closing.add(&l.balance);
    }
    for l in &opening {
        let a = acc.entry((l.project.clone(), l.subproject.clone(), l.channel.clone())).or_default();
        a.county = l.county.clone();
        a.opening.add(&l.balance);
    }
    for e in entitlements::entitlements_with(
        db,
        catalog,
        &closing,
        period.to.unwrap_or_else(|| chrono::Local::now().date_naive()),
    )? {
        let started = period.to.is_none_or(|to| approved.get(&e.project).is_some_and(|d| *d <= to));
        let moved = acc.contains_key(&(e.project.clone(), e.subproject.clone(), e.channel.clone()));
        if !started && !moved {
            continue;
        }
        let a = acc.entry((e.project, e.subproject, e.channel)).or_default();
        a.county = e.county;
        a.entitlement = e.entitlement.amount;
        a.has_entitlement = true;
    }
    Ok(acc)
}

/// The sum of the rows' figures.
pub fn total(rows: &[Row]) -> Figures {
    let mut t = Figures::default();
    for r in rows {
        t.add(&r.figures);
    }
    t
}

/// The amount columns of a line as printed: the opening balance only when the period has a
/// start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Shown {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening: Option<Fen>,
    pub allocated: Fen,
    pub withdrawn: Fen,
    pub disbursed: Fen,
    pub returned: Fen,
    pub paid: Fen,
    pub balance: Fen,
    pub entitlement: Fen,
    pub gap: Fen,
}

impl Shown {
    pub fn new(f: &Figures, with_opening: bool) -> Shown {
        let m = &f.movement;
        Shown {
            opening: with_opening.then_some(f.opening),
            allocated: m.allocated,
            withdrawn: m.withdrawn,
            disbursed: m.disbursed,
            returned: m.returned,
            paid: m.paid,
            balance: f.balance,
            entitlement: f.entitlement,
            gap: f.gap,
        }
    }
}

/// What a subtotal line sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subtotal {
    /// A project's rows on one channel (printed when it has more than one).
    Project,
    /// A department's rows on one channel.
    Channel,
    /// A department's rows.
    Department,
}

/// A line of the statement: a sub-project's row, or a subtotal (whose finer keys are
/// `null`). Names as the reader knows them, codes beside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    pub department: Option<String>,
    pub channel: Option<String>,
    pub project: Option<String>,
    pub subproject: Option<String>,
    #[serde(flatten)]
    pub figures: Shown,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Subtotal>,
    pub department_code: Option<String>,
    pub channel_code: Option<String>,
}

/// The statement as `statement` prints it: its lines in printed order (each department's
/// channels, each channel's projects with their subtotals, the department total), and the
/// grand total. JSON lists the sub-projects' rows under `rows` and the subtotals under
/// `subtotals`, so summing `rows` counts nothing twice.
#[derive(Clone, Debug)]
pub struct StatementReport {
    pub fingerprint: crate::model::Fingerprint,
    pub period: Period,
    /// The county asked for (its name).
    pub county: Option<String>,
    pub lines: Vec<Line>,
    pub totals: Line,
    /// What was issued per department and channel, net of adjustments, and the adjustments
    /// dated in the period (`issued::issued`, set by the caller that reads the ledger).
    pub issued: super::issued::Issued,
}

impl StatementReport {
    pub fn with_opening(&self) -> bool {
        self.period.from.is_some()
    }
}

impl Serialize for StatementReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(Serialize)]
        struct Fp<'a>(#[serde(serialize_with = "super::ser::fingerprint")] &'a crate::model::Fingerprint);
        let (subtotals, rows): (Vec<&Line>, Vec<&Line>) =
            self.lines.iter().partition(|l| l.subtotal.is_some());
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("fingerprint", &Fp(&self.fingerprint))?;
        m.serialize_entry("from", &self.period.from.map(|d| d.to_string()))?;
        m.serialize_entry("to", &self.period.to.map(|d| d.to_string()))?;
        m.serialize_entry("county", &self.county)?;
        m.serialize_entry("rows", &rows)?;
        if !subtotals.is_empty() {
            m.serialize_entry("subtotals", &subtotals)?;
        }
        m.serialize_entry("totals", &self.totals)?;
        m.serialize_entry("issued", &self.issued.lines)?;
        if !self.issued.adjustments.is_empty() {
            m.serialize_entry("adjustments", &self.issued.adjustments)?;
        }
        m.end()
    }
}

/// The statement's rows laid out with their subtotals and totals.
pub fn report(
    catalog: &Catalog,
    rows: &[Row],
    period: Period,
    county: Option<String>,
    fingerprint: crate::model::Fingerprint,
) -> StatementReport {
    let with_opening = period.from.is_some();
    let mut lines = Vec::new();
    for dept_rows in rows.chunk_by(|a, b| a.department == b.department) {
        department_lines(catalog, dept_rows, with_opening, &mut lines);
    }
    let totals = Line {
        department: None,
        channel: None,
        project: None,
        subproject: None,
        figures: Shown::new(&total(rows), with_opening),
        subtotal: None,
        department_code: None,
        channel_code: None,
    };
    StatementReport { fingerprint, period, county, lines, totals, issued: Default::default() }
}

/// One department's lines: per channel its projects' rows, a project subtotal for a project
/// with more than one row on the channel, the channel subtotal; then the department total.
fn department_lines(catalog: &Catalog, rows: &[Row], with_opening: bool, out: &mut Vec<Line>) {
    let code = &rows[0].department;
    let dept = catalog.department(code).map_or(code.clone(), |d| d.name.clone());
    let line = |channel: Option<&str>, project: Option<&str>, subproject: Option<&str>, rows: &[Row]| Line {
        department: Some(dept.clone()),
        channel: channel.map(|ch| catalog.channel(ch).map_or(ch.to_string(), |c| c.name.clone())),
        project: project.map(str::to_string),
        subproject: subproject.map(str::to_string),
        figures: Shown::new(&total(rows), with_opening),
        subtotal: None,
        department_code: Some(code.clone()),
        channel_code: channel.map(str::to_string),
    };
    for channel_rows in rows.chunk_by(|a, b| a.channel == b.channel) {
        let channel = channel_rows[0].channel.as_str();
        for project_rows in channel_rows.chunk_by(|a, b| a.project == b.project) {
            for r in project_rows {
                out.push(line(Some(channel), Some(&r.project), Some(&r.subproject), std::slice::from_ref(r)));
            }
            if project_rows.len() > 1 {
                let project = Some(project_rows[0].project.as_str());
                out.push(Line {
                    subtotal: Some(Subtotal::Project),
                    ..line(Some(channel), project, None, project_rows)
                });
            }
        }
        out.push(Line { subtotal: Some(Subtotal::Channel), ..line(Some(channel), None, None, channel_rows) });
    }
    out.push(Line { subtotal: Some(Subtotal::Department), ..line(None, None, None, rows) });
}
