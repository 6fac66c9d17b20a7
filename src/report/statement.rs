//! The per-department fund statement (部门资金报表) as data: one row per (sub-project,
//! channel) that has an entitlement or has moved — or, `By::Appropriation`, one per
//! (sub-project, channel, appropriation line) — with the period's movements, the balance at
//! its start and end, the standalone entitlement and the gap still open at its end.
//!
//! A row belongs to the department responsible for its sub-project's type (Annex 1's 责任部门,
//! also the Annex-3 row's), never to the channel's policy owner: 农村河道治理 is 市水利局's
//! though 生态补偿专项资金 pays it. A department that co-leads the type (联合牵头 in Annex 1,
//! 配合 in Annex 3; the catalogue's `co_lead`) lists the same rows again, marked
//! `Role::CoLead`, when the filter asks for them; such rows never count in a total, so the
//! grand total counts each row once.
//!
//! A period is a closed date range; either end may be open. Movements are the cumulative
//! balances at the end minus those the day before the start, so a reversal counts in the
//! period it is dated in, against the column of the kind it reverses. With no start the
//! opening balance is zero and the statement's totals equal `balances`.

use crate::catalog::Catalog;
use crate::db::{Db, LinesOf};
use crate::error::Result;
use crate::model::{Level, LineBalance, StoredAppropriation, StoredSubproject};
use crate::money::Fen;
use crate::report::entitlements;
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::{Serialize, Serializer};
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
    /// The department whose rows (and, with `co_led`, co-led rows) to keep.
    pub department: Option<String>,
    pub county: Option<String>,
    pub project: Option<String>,
    /// Also list each co-led row under its co-leading department (`Role::CoLead`).
    pub co_led: bool,
}

/// How finely the rows go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// One row per sub-project and channel.
    #[default]
    Subproject,
    /// One row per sub-project, channel and appropriation line (预算级次, 指标文号).
    Appropriation,
}

/// How a department stands to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 牵头: the department responsible for the sub-project's type (Annex 1).
    Lead,
    /// 联合牵头: a department co-leading the type (Annex 1 联合牵头, Annex 3 配合); its rows are
    /// listed, never counted in a total.
    CoLead,
}

impl Role {
    pub fn zh(self) -> &'static str {
        match self {
            Role::Lead => "牵头",
            Role::CoLead => "联合牵头",
        }
    }

    /// The English code, as JSON writes it.
    pub fn code(self) -> &'static str {
        match self {
            Role::Lead => "lead",
            Role::CoLead => "co_lead",
        }
    }
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
    /// The entitlement cut by the ratio the county's channel was funded by the period's end
    /// (`report::entitlements`).
    pub fair_share: Fen,
    /// Allocated − withdrawn − returned, cumulative to the period's end.
    pub received: Fen,
    /// Shrinkage (补助缩水): fair share not received by the period's end (never negative per row).
    pub gap: Fen,
    /// Entitlement never issued to the county on the channel by the period's end.
    pub underfunding: Fen,
}

impl Figures {
    pub fn add(&mut self, other: &Figures) {
        self.opening += other.opening;
        self.movement.add(&other.movement);
        self.balance += other.balance;
        self.entitlement += other.entitlement;
        self.fair_share += other.fair_share;
        self.received += other.received;
        self.gap += other.gap;
        self.underfunding += other.underfunding;
    }
}

/// An appropriation line (资金下达) as a split row names it; ordered by level, then issue date,
/// then code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineRef {
    pub level: Level,
    pub issued_on: NaiveDate,
    /// 指标编号.
    pub code: String,
    /// 指标文号.
    pub doc_no: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The department listing the row: the type's responsible department, or for a
    /// `Role::CoLead` row the co-leading one.
    pub department: String,
    pub role: Role,
    pub channel: String,
    pub project: String,
    pub project_name: String,
    pub county: String,
    pub subproject: String,
    pub type_code: String,
    /// The appropriation line, when the rows are split by line (`None` for a (sub-project,
    /// channel) with an entitlement and no line yet).
    pub line: Option<LineRef>,
    pub figures: Figures,
    /// Whether the row carries its (sub-project, channel)'s entitlement and gap: always, but
    /// on split rows only the first line of each (sub-project, channel) does (the others
    /// hold zero there), since neither is a figure of one appropriation line.
    pub carries_entitlement: bool,
}

impl Row {
    /// Whether the row counts in totals: a co-led row is listed only.
    pub fn counts(&self) -> bool {
        self.role == Role::Lead
    }
}

/// A (sub-project, channel)'s balances at both ends of the period, per appropriation line
/// (by id) when split (`None` when not), and its entitlement.
struct Acc<'a> {
    subproject: &'a StoredSubproject,
    channel: &'a str,
    lines: BTreeMap<Option<i64>, (LineBalance, LineBalance)>,
    entitlement: Option<Fen>,
    fair_share: Fen,
}

impl<'a> Acc<'a> {
    /// Nothing on any line yet, and no entitlement.
    fn new(subproject: &'a StoredSubproject, channel: &'a str) -> Self {
        Acc { subproject, channel, lines: BTreeMap::new(), entitlement: None, fair_share: Fen(0) }
    }
}

/// The register a statement names its rows from, by ids: the sub-projects (of the county in
/// question, or all) and every appropriation.
struct Register<'a> {
    subprojects: FxHashMap<i64, &'a StoredSubproject>,
    appropriations: FxHashMap<i64, &'a StoredAppropriation>,
    /// Every appropriation, in the order read.
    appropriation_list: &'a [StoredAppropriation],
    /// Each channel's code by a number (the catalogue's, then any other an appropriation names).
    channels: FxHashMap<&'a str, usize>,
}

impl<'a> Register<'a> {
    fn new(
        catalog: &'a Catalog,
        subprojects: &'a [StoredSubproject],
        appropriations: &'a [StoredAppropriation],
    ) -> Self {
        let mut channels: FxHashMap<&str, usize> = FxHashMap::default();
        for code in catalog
            .channels
            .iter()
            .map(|c| c.code.as_str())
            .chain(appropriations.iter().map(|a| a.channel.as_str()))
        {
            let next = channels.len();
            channels.entry(code).or_insert(next);
        }
        Register {
            subprojects: subprojects.iter().map(|s| (s.id, s)).collect(),
            appropriations: appropriations.iter().map(|a| (a.id, a)).collect(),
            appropriation_list: appropriations,
            channels,
        }
    }
}

/// The statement's rows, one per (sub-project, channel) ([`statement_by`] with
/// `By::Subproject`).
pub fn statement(db: &Db, catalog: &Catalog, period: Period, filter: &Filter) -> Result<Vec<Row>> {
    statement_by(db, catalog, period, filter, By::Subproject)
}

/// The statement's rows in department (catalogue order), role (lead first), channel
/// (catalogue order), project, sub-project and appropriation-line order.
pub fn statement_by(db: &Db, catalog: &Catalog, period: Period, filter: &Filter, by: By) -> Result<Vec<Row>> {
    // Only the rows of one county are figured when the filter names one (or a project, which
    // lies in one): entitlements and fair shares are per county, so its rows are the same.
    // A project's lines are its own: what the county's other projects received changes none
    // of its figures.
    let county = match (&filter.county, &filter.project) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(p)) => db.project(p)?.map(|r| r.row.county),
        (None, None) => None,
    };
    // The sub-projects as in force at the period's end: their entitlements are figured from
    // those, and their codes, county and type (which no amendment changes) name the rows.
    let as_of = period.to.unwrap_or_else(|| chrono::Local::now().date_naive());
    let register_rows = entitlements::register_as_of(db, as_of, county.as_deref())?;
    let (projects, subprojects) = (&register_rows.0, &register_rows.1);
    let of = match (&filter.project, &county) {
        (Some(p), _) => LinesOf::Project(p),
        (None, Some(c)) => LinesOf::County(c),
        (None, None) => LinesOf::City,
    };
    let appropriations = db.appropriations_kept()?;
    let register = Register::new(catalog, subprojects, &appropriations);
    let approved = entitlements::approval_dates(projects);
    let standalone =
        entitlements::standalone_of(db, catalog, (as_of, county.as_deref()), projects, subprojects)?;
    let acc = accumulate(db, (period, as_of), by, of, (&register, &approved), standalone)?;
    let names: HashMap<&str, &str> =
        projects.iter().map(|p| (p.row.code.as_str(), p.row.name.as_str())).collect();
    let department_seq: HashMap<&str, usize> =
        catalog.departments.iter().enumerate().map(|(i, d)| (d.code.as_str(), i)).collect();
    let mut rows = Vec::new();
    for ((_, channel_seq), a) in acc {
        let s = a.subproject;
        let keep = filter.county.as_ref().is_none_or(|c| *c == s.county)
            && filter.project.as_ref().is_none_or(|p| p == s.project_code.as_str());
        if !keep {
            continue;
        }
        let kind = catalog.subproject_type(&s.type_code);
        let mut departments = vec![(kind.map_or("", |t| t.department.as_str()), Role::Lead)];
        if filter.co_led {
            departments.extend(kind.and_then(|t| t.co_lead.as_deref()).map(|d| (d, Role::CoLead)));
        }
        departments.retain(|(d, _)| filter.department.as_deref().is_none_or(|f| f == *d));
        if departments.is_empty() {
            continue;
        }
        let base = Row {
            department: String::new(),
            role: Role::Lead,
            channel: a.channel.to_string(),
            project_name: names.get(s.project_code.as_str()).map(|n| n.to_string()).unwrap_or_default(),
            project: s.project_code.to_string(),
            county: s.county.clone(),
            subproject: s.code.to_string(),
            type_code: s.type_code.clone(),
            line: None,
            figures: Figures::default(),
            carries_entitlement: true,
        };
        for row in split(&base, &a, &register) {
            let seq = |department: &str, role| {
                (department_seq.get(department).copied().unwrap_or(usize::MAX), role, channel_seq)
            };
            let Some((&(last, last_role), others)) = departments.split_last() else { continue };
            for &(department, role) in others {
                rows.push((
                    seq(department, role),
                    Row { department: department.to_string(), role, ..row.clone() },
                ));
            }
            rows.push((seq(last, last_role), Row { department: last.to_string(), role: last_role, ..row }));
        }
    }
    // The rows are large: their order is found by index, and each row is moved twice, not
    // as often as the sort would move it.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&i, &j| {
        let ((a_seq, a), (b_seq, b)) = (&rows[i], &rows[j]);
        (a_seq, &a.project, &a.subproject, &a.line).cmp(&(b_seq, &b.project, &b.subproject, &b.line))
    });
    let mut rows: Vec<Option<Row>> = rows.into_iter().map(|(_, row)| Some(row)).collect();
    Ok(order.into_iter().filter_map(|i| rows[i].take()).collect())
}

/// A (sub-project, channel)'s rows: one, or one per appropriation line in line order with
/// the entitlement and gap on the first.
fn split(base: &Row, a: &Acc, register: &Register) -> Vec<Row> {
    let mut parts: Vec<(Option<LineRef>, &LineBalance, &LineBalance)> = a
        .lines
        .iter()
        .map(|(id, (opening, closing))| {
            // Every balance line names a stored appropriation (a foreign key); were one
            // missing, its row would still show, by its id, last among the county lines.
            let line = id.map(|id| match register.appropriations.get(&id) {
                Some(a) => LineRef {
                    level: a.level,
                    issued_on: a.issued_on,
                    code: a.code.to_string(),
                    doc_no: a.doc_no.clone(),
                },
                None => LineRef {
                    level: Level::County,
                    issued_on: NaiveDate::MIN,
                    code: id.to_string(),
                    doc_no: String::new(),
                },
            });
            (line, opening, closing)
        })
        .collect();
    parts.sort_by(|x, y| x.0.cmp(&y.0));
    let none = LineBalance::default();
    if parts.is_empty() {
        parts.push((None, &none, &none));
    }
    let received: Fen = parts.iter().map(|(_, _, closing)| closing.drawn()).sum();
    let entitlement = a.entitlement.unwrap_or_default();
    let (gap, underfunding) = if a.entitlement.is_some() {
        (Fen((a.fair_share - received).0.max(0)), Fen((entitlement - a.fair_share).0.max(0)))
    } else {
        (Fen(0), Fen(0))
    };
    parts
        .into_iter()
        .enumerate()
        .map(|(i, (line, opening, closing))| {
            let first = i == 0;
            let figures = Figures {
                opening: opening.balance(),
                movement: closing.since(opening),
                balance: closing.balance(),
                entitlement: if first { entitlement } else { Fen(0) },
                fair_share: if first { a.fair_share } else { Fen(0) },
                received: if first { received } else { Fen(0) },
                gap: if first { gap } else { Fen(0) },
                underfunding: if first { underfunding } else { Fen(0) },
            };
            Row { line, figures, carries_entitlement: first, ..base.clone() }
        })
        .collect()
}

/// Every (sub-project, channel) that moved by the period's end or has an entitlement from a
/// project approved by then, with its balances at both ends (per appropriation line when
/// split) and its entitlement; of the lines `of` names and the `entitlement_rows` of one
/// county (as standalone, nothing received yet) as of `as_of`, the period's end (`approved`
/// gives each of its projects' approval date), keyed by sub-project id and channel.
fn accumulate<'a>(
    db: &Db,
    (period, as_of): (Period, NaiveDate),
    by: By,
    of: LinesOf,
    (register, approved): (&Register<'a>, &HashMap<&str, NaiveDate>),
    mut entitlement_rows: Vec<entitlements::Row>,
) -> Result<FxHashMap<(i64, usize), Acc<'a>>> {
    let closing = db.line_sums_as_of_in(period.to, of)?;
    let opening = match period.from.and_then(|d| d.pred_opt()) {
        Some(day_before) => db.line_sums_as_of_in(Some(day_before), of)?,
        None => Vec::new(),
    };
    let mut acc: FxHashMap<(i64, usize), Acc> = FxHashMap::default();
    for (lines, closing_end) in [(&closing, true), (&opening, false)] {
        for (id, balance) in lines {
            let (Some(&s), Some(&a)) =
                (register.subprojects.get(&id.subproject), register.appropriations.get(&id.appropriation))
            else {
                continue;
            };
            let Some(&channel) = register.channels.get(a.channel.as_str()) else { continue };
            let x = acc.entry((s.id, channel)).or_insert_with(|| Acc::new(s, &a.channel));
            let line = match by {
                By::Subproject => None,
                By::Appropriation => Some(id.appropriation),
            };
            let (o, c) = x.lines.entry(line).or_default();
            let end = if closing_end { c } else { o };
            end.add(balance);
        }
    }
    let adjustments = db.adjustments()?;
    let issued = entitlements::issued_from(register.appropriation_list, &adjustments, as_of);
    entitlements::receive_by_ids(&mut entitlement_rows, &closing, register.appropriation_list, &issued);
    for e in entitlement_rows {
        let (Some(&s), Some((&code, &channel))) =
            (register.subprojects.get(&e.subproject_id), register.channels.get_key_value(e.channel.as_str()))
        else {
            continue;
        };
        let started = period.to.is_none_or(|to| approved.get(e.project.as_str()).is_some_and(|d| *d <= to));
        if !started && !acc.contains_key(&(s.id, channel)) {
            continue;
        }
        let x = acc.entry((s.id, channel)).or_insert_with(|| Acc::new(s, code));
        x.entitlement = Some(e.entitlement.amount);
        x.fair_share = e.fair_share;
    }
    Ok(acc)
}

/// The sum of the figures of the rows that count (co-led rows are listed only), so each
/// (sub-project, channel) counts once.
pub fn total(rows: &[Row]) -> Figures {
    sum(rows.iter().filter(|r| r.counts()))
}

/// The sum of the rows' figures, whichever their role.
fn sum<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Figures {
    let mut t = Figures::default();
    for r in rows {
        t.add(&r.figures);
    }
    t
}

/// The amount columns of a line as printed: the opening balance only when the period has a
/// start; the entitlement and gap `None` (blank, JSON `null`) on a split row that does not
/// carry them.
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
    pub entitlement: Option<Fen>,
    pub fair_share: Option<Fen>,
    pub received: Option<Fen>,
    pub gap: Option<Fen>,
    pub underfunding: Option<Fen>,
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
            entitlement: Some(f.entitlement),
            fair_share: Some(f.fair_share),
            received: Some(f.received),
            gap: Some(f.gap),
            underfunding: Some(f.underfunding),
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
    /// A department's rows (those it leads).
    Department,
    /// A department's co-led rows: listed, outside its total and the grand total.
    CoLead,
}

/// The appropriation-line columns of a statement split by line (`null` on a subtotal, and
/// on a row with an entitlement and no line yet).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineColumns {
    /// 预算级次, as its English code (`central`, `provincial`, `city`, `county`).
    #[serde(serialize_with = "level_code")]
    pub level: Option<Level>,
    /// 指标文号.
    pub doc_no: Option<String>,
    /// 指标编号.
    pub appropriation: Option<String>,
}

fn level_code<S: Serializer>(l: &Option<Level>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match l {
        Some(l) => s.serialize_str(l.code()),
        None => s.serialize_none(),
    }
}

fn role_code<S: Serializer>(r: &Option<Role>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match r {
        Some(r) => s.serialize_str(r.code()),
        None => s.serialize_none(),
    }
}

/// A line of the statement: a sub-project's row, or a subtotal (whose finer keys are
/// `null`). Names as the reader knows them, codes beside.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Line {
    pub department: Option<String>,
    /// `lead` (牵头) or `co_lead` (联合牵头); `null` on the grand total.
    #[serde(serialize_with = "role_code")]
    pub role: Option<Role>,
    pub channel: Option<String>,
    /// 县市区.
    pub county: Option<String>,
    pub project: Option<String>,
    /// 项目名称.
    pub project_name: Option<String>,
    pub subproject: Option<String>,
    /// 子项目类型: the type's name.
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    /// Present only when the statement is split by appropriation line.
    #[serde(flatten)]
    pub line: Option<LineColumns>,
    #[serde(flatten)]
    pub figures: Shown,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Subtotal>,
    pub department_code: Option<String>,
    pub channel_code: Option<String>,
    pub type_code: Option<String>,
}

/// The statement as `statement` prints it: its lines in printed order (each department's
/// channels, each channel's projects with their subtotals, the department total, then the
/// rows it co-leads with their own subtotal), and the grand total. JSON lists the rows a
/// department leads under `rows`, the co-led rows under `co_led` and the subtotals under
/// `subtotals`, so summing `rows` counts nothing twice and gives `totals`.
#[derive(Clone, Debug)]
pub struct StatementReport {
    pub fingerprint: crate::model::Fingerprint,
    pub period: Period,
    /// The county asked for (its name).
    pub county: Option<String>,
    pub by: By,
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
        let of = |subtotal: bool, role: Option<Role>| -> Vec<&Line> {
            self.lines
                .iter()
                .filter(|l| l.subtotal.is_some() == subtotal && (subtotal || l.role == role))
                .collect()
        };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("fingerprint", &Fp(&self.fingerprint))?;
        m.serialize_entry("from", &self.period.from.map(|d| d.to_string()))?;
        m.serialize_entry("to", &self.period.to.map(|d| d.to_string()))?;
        m.serialize_entry("county", &self.county)?;
        m.serialize_entry("by", &self.by)?;
        m.serialize_entry("rows", &of(false, Some(Role::Lead)))?;
        m.serialize_entry("co_led", &of(false, Some(Role::CoLead)))?;
        let subtotals = of(true, None);
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

/// The statement's rows (in `statement_by`'s order) laid out with their subtotals and totals.
pub fn report(
    catalog: &Catalog,
    rows: &[Row],
    period: Period,
    county: Option<String>,
    by: By,
    fingerprint: crate::model::Fingerprint,
) -> StatementReport {
    let layout = Layout { catalog, with_opening: period.from.is_some(), by };
    let mut lines = Vec::new();
    for dept_rows in rows.chunk_by(|a, b| a.department == b.department) {
        let (lead, co_led) = dept_rows.split_at(dept_rows.partition_point(|r| r.role == Role::Lead));
        if !lead.is_empty() {
            layout.department_lines(lead, &mut lines);
        }
        if !co_led.is_empty() {
            lines.extend(co_led.iter().map(|r| layout.row(r)));
            lines.push(Line { subtotal: Some(Subtotal::CoLead), ..layout.group(co_led, None, None) });
        }
    }
    let totals = Line { figures: Shown::new(&total(rows), layout.with_opening), ..layout.blank() };
    StatementReport { fingerprint, period, county, by, lines, totals, issued: Default::default() }
}

/// How rows become lines.
struct Layout<'a> {
    catalog: &'a Catalog,
    with_opening: bool,
    by: By,
}

impl Layout<'_> {
    /// A line with every key `null` (the split columns present when split).
    fn blank(&self) -> Line {
        Line { line: (self.by == By::Appropriation).then(LineColumns::default), ..Line::default() }
    }

    fn department_name(&self, code: &str) -> String {
        self.catalog.department(code).map_or(code.to_string(), |d| d.name.clone())
    }

    fn channel_name(&self, code: &str) -> String {
        self.catalog.channel(code).map_or(code.to_string(), |c| c.name.clone())
    }

    /// A sub-project's row.
    fn row(&self, r: &Row) -> Line {
        let mut figures = Shown::new(&r.figures, self.with_opening);
        if !r.carries_entitlement {
            (figures.entitlement, figures.fair_share, figures.received) = (None, None, None);
            (figures.gap, figures.underfunding) = (None, None);
        }
        let line = (self.by == By::Appropriation).then(|| LineColumns {
            level: r.line.as_ref().map(|l| l.level),
            doc_no: r.line.as_ref().map(|l| l.doc_no.clone()),
            appropriation: r.line.as_ref().map(|l| l.code.clone()),
        });
        Line {
            department: Some(self.department_name(&r.department)),
            role: Some(r.role),
            channel: Some(self.channel_name(&r.channel)),
            county: Some(r.county.clone()),
            project: Some(r.project.clone()),
            project_name: Some(r.project_name.clone()),
            subproject: Some(r.subproject.clone()),
            type_name: Some(
                self.catalog.subproject_type(&r.type_code).map_or(r.type_code.clone(), |t| t.name.clone()),
            ),
            line,
            figures,
            subtotal: None,
            department_code: Some(r.department.clone()),
            channel_code: Some(r.channel.clone()),
            type_code: Some(r.type_code.clone()),
        }
    }

    /// A subtotal of `rows` (one department's, of one role): on one channel when given, of
    /// one project when given.
    fn group(&self, rows: &[Row], channel: Option<&str>, project: Option<&Row>) -> Line {
        let first = &rows[0];
        Line {
            department: Some(self.department_name(&first.department)),
            role: Some(first.role),
            channel: channel.map(|c| self.channel_name(c)),
            county: project.map(|p| p.county.clone()),
            project: project.map(|p| p.project.clone()),
            project_name: project.map(|p| p.project_name.clone()),
            figures: Shown::new(&sum(rows), self.with_opening),
            department_code: Some(first.department.clone()),
            channel_code: channel.map(str::to_string),
            ..self.blank()
        }
    }

    /// One department's own rows: per channel its projects' rows, a project subtotal for a
    /// project with more than one row on the channel, the channel subtotal; then the
    /// department total.
    fn department_lines(&self, rows: &[Row], out: &mut Vec<Line>) {
        for channel_rows in rows.chunk_by(|a, b| a.channel == b.channel) {
            let channel = channel_rows[0].channel.as_str();
            for project_rows in channel_rows.chunk_by(|a, b| a.project == b.project) {
                out.extend(project_rows.iter().map(|r| self.row(r)));
                if project_rows.len() > 1 {
                    let project = Some(&project_rows[0]);
                    out.push(Line {
                        subtotal: Some(Subtotal::Project),
                        ..self.group(project_rows, Some(channel), project)
                    });
                }
            }
            out.push(Line {
                subtotal: Some(Subtotal::Channel),
                ..self.group(channel_rows, Some(channel), None)
            });
        }
        out.push(Line { subtotal: Some(Subtotal::Department), ..self.group(rows, None, None) });
    }
}
