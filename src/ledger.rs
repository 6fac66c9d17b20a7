//! The write side of the ledger: register rows and entries, each checked against the rules
//! (`rules.rs`) before it is inserted, inside one `Tx`.
//!
//! A writer takes validated rows one at a time and answers `Added`, `Unchanged` (an identical
//! row is already recorded, so importing a file twice doubles nothing) or the problems that
//! refuse it. The caller decides to commit only when no row was refused, so a batch is all or
//! nothing. Recorded rows are never edited: a row that reuses a code with different content is
//! refused (R4), naming what differs.
//!
//! `EntryWriter` keeps the balances of the lines it touches in memory and stores them once, at
//! `finish`, so a large import costs one point lookup per new line, not per entry. The schema
//! re-checks each stored line against its appropriation, so `finish` stores the lines that
//! give money back before those that take it: every intermediate state is then valid too.

use crate::catalog::Catalog;
use crate::db::{
    AcceptanceInsert, EntryInsert, EntryStatements, StoredAppropriation, StoredEntry, StoredSubproject, Tx,
    WriteRecord,
};
use crate::error::{Check, Problem, Result};
use crate::model::{
    Activity, Direction, Flow, Kind, LineBalance, NewAcceptance, NewAppropriation, NewEntry, NewProject,
    NewSubproject, Stage, Status, Verdict,
};
use crate::money::Fen;
use crate::rules;
use chrono::Datelike;
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

pub use crate::pipeline::{Outcome, RowResult};

/// Who writes and when: recorded on every row.
#[derive(Clone, Debug)]
pub struct Stamp {
    pub operator: String,
    pub recorded_at: String,
}

impl Stamp {
    pub fn now(operator: &str) -> Stamp {
        Stamp {
            operator: operator.to_string(),
            recorded_at: chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }

    /// The journal record of a write made under this stamp (`Tx::commit`).
    pub fn record<'a>(&'a self, command: &'a str, detail: &'a str, summary: &'a str) -> WriteRecord<'a> {
        WriteRecord {
            command,
            detail,
            summary,
            reason: "",
            operator: &self.operator,
            recorded_at: &self.recorded_at,
        }
    }
}

/// Lists the fields in which a re-imported row differs from the recorded one.
struct Differences(Vec<String>);

impl Differences {
    fn new() -> Differences {
        Differences(Vec::new())
    }

    fn field<T: PartialEq + std::fmt::Display>(&mut self, name: &str, recorded: T, given: T) {
        if recorded != given {
            self.0.push(format!("{name}: recorded '{recorded}', given '{given}'"));
        }
    }

    /// `Unchanged` when nothing differs, else an R4 problem naming `what`.
    fn outcome(self, what: &str) -> std::result::Result<Outcome, Vec<Problem>> {
        if self.0.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        Err(vec![Problem::new(
            Check::R4,
            format!(
                "{what} is already recorded with different content ({}); recorded rows are never edited — post a correction instead",
                self.0.join("; ")
            ),
        )])
    }
}

/// Resolves a county reference (code or name) to its name.
fn county_name(catalog: &Catalog, reference: &str) -> std::result::Result<String, Problem> {
    catalog.county(reference).map(|c| c.name.clone()).ok_or_else(|| {
        Problem::new(
            Check::Unknown,
            format!("'{reference}' is not a known county (known: {})", catalog.county_names()),
        )
        .column("county")
    })
}

pub struct ProjectWriter<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub catalog: &'t Catalog,
    pub stamp: &'t Stamp,
}

impl ProjectWriter<'_, '_> {
    pub fn write(&mut self, p: &NewProject) -> RowResult {
        let county = match county_name(self.catalog, &p.county) {
            Ok(c) => c,
            Err(problem) => return Ok(Err(vec![problem])),
        };
        let p = NewProject { county, ..p.clone() };
        if let Some(old) = self.tx.find_project(&p.code)? {
            let mut d = Differences::new();
            let o = &old.row;
            d.field("name", &o.name, &p.name);
            d.field("county", &o.county, &p.county);
            d.field("scope", o.scope, p.scope);
            d.field("towns", &o.towns, &p.towns);
            d.field("villages", &o.villages, &p.villages);
            d.field("implementing_body", &o.implementing_body, &p.implementing_body);
            d.field("mode", o.mode, p.mode);
            d.field("approved_on", o.approved_on, p.approved_on);
            d.field("flagship", o.flagship, p.flagship);
            return Ok(d.outcome(&format!("project {}", p.code)));
        }
        self.tx.insert_project(&p, &self.stamp.operator, &self.stamp.recorded_at)?;
        Ok(Ok(Outcome::Added))
    }
}

pub struct SubprojectWriter<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub catalog: &'t Catalog,
    pub stamp: &'t Stamp,
}

impl SubprojectWriter<'_, '_> {
    pub fn write(&mut self, s: &NewSubproject) -> RowResult {
        let mut problems = Vec::new();
        let project = self.tx.find_project(&s.project)?;
        if project.is_none() {
            problems.push(
                Problem::new(
                    Check::Unknown,
                    format!("project '{}' is not recorded; import the projects file first", s.project),
                )
                .column("project"),
            );
        }
        let t = self.catalog.subproject_type(&s.type_ref);
        if t.is_none() {
            problems.push(
                Problem::new(
                    Check::Unknown,
                    format!(
                        "'{}' is not a known sub-project type (see `fundledger catalog types`; add new ones with `import types`)",
                        s.type_ref
                    ),
                )
                .column("type"),
            );
        }
        let (Some(project), Some(t)) = (project, t) else { return Ok(Err(problems)) };
        if let Err(problem) = rules::mode_admits(project.row.mode, t, &project.row.code) {
            return Ok(Err(vec![problem]));
        }
        if let Some(old) = self.tx.find_subproject(&s.code)? {
            let mut d = Differences::new();
            d.field("project", &old.project_code, &s.project);
            d.field("type", &old.type_code, &t.code);
            d.field("status", old.status, s.status);
            d.field("quantity", &old.quantity, &s.quantity);
            d.field("unit", &old.unit, &s.unit);
            d.field("investment", old.investment, s.investment);
            d.field("letter", &old.letter, &s.letter);
            d.field("standalone_amount", fen_or_empty(old.standalone), fen_or_empty(s.standalone));
            d.field("standalone_doc", &old.standalone_doc, &s.standalone_doc);
            return Ok(d.outcome(&format!("sub-project {}", s.code)));
        }
        let stamp = self.stamp;
        self.tx.insert_subproject(project.id, s, &t.code, &stamp.operator, &stamp.recorded_at)?;
        Ok(Ok(Outcome::Added))
    }
}

fn fen_or_empty(f: Option<Fen>) -> String {
    f.map(|f| f.to_string()).unwrap_or_default()
}

pub struct AppropriationWriter<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub catalog: &'t Catalog,
    pub stamp: &'t Stamp,
}

impl AppropriationWriter<'_, '_> {
    pub fn write(&mut self, a: &NewAppropriation) -> RowResult {
        let mut problems = Vec::new();
        let channel = self.catalog.channel(&a.channel_ref);
        if channel.is_none() {
            problems.push(
                Problem::new(
                    Check::Unknown,
                    format!(
                        "'{}' is not a known fund channel (see `fundledger catalog channels`)",
                        a.channel_ref
                    ),
                )
                .column("channel"),
            );
        }
        let county = county_name(self.catalog, &a.county).map_err(|p| problems.push(p)).ok();
        let (Some(channel), Some(county)) = (channel, county) else { return Ok(Err(problems)) };
        let a = NewAppropriation { county, ..a.clone() };
        if let Some(old) = self.tx.find_appropriation(&a.code)? {
            let mut d = Differences::new();
            d.field("doc_no", &old.doc_no, &a.doc_no);
            d.field("channel", &old.channel, &channel.code);
            d.field("level", old.level, a.level);
            d.field("county", &old.county, &a.county);
            d.field("issued_on", old.issued_on, a.issued_on);
            d.field("amount", old.amount, a.amount);
            return Ok(d.outcome(&format!("appropriation {}", a.code)));
        }
        let stamp = self.stamp;
        self.tx.insert_appropriation(&a, &channel.code, &stamp.operator, &stamp.recorded_at)?;
        Ok(Ok(Outcome::Added))
    }
}

/// The movement an entry makes, once a reversal is resolved to its original.
struct Movement {
    flow: Flow,
    direction: Direction,
    amount: Fen,
    appropriation: Rc<StoredAppropriation>,
    subproject: Rc<StoredSubproject>,
    reverses_id: Option<i64>,
}

pub struct EntryWriter<'t, 'c> {
    tx: &'t Tx<'c>,
    statements: EntryStatements<'t>,
    catalog: &'t Catalog,
    stamp: &'t Stamp,
    closed: BTreeSet<i32>,
    /// No entry may be dated after this day (R3).
    today: NaiveDate,
    /// The last day each touched line, and each touched appropriation, moved: an entry dated
    /// on or after it needs no look at later days (R3 on every date).
    line_last_day: HashMap<(i64, i64), Option<NaiveDate>>,
    appropriation_last_day: HashMap<i64, Option<NaiveDate>>,
    appropriations: HashMap<String, Rc<StoredAppropriation>>,
    subprojects: HashMap<String, Rc<StoredSubproject>>,
    lines: HashMap<(i64, i64), LineBalance>,
    /// The balance each touched line had when this writer first read it.
    stored: HashMap<(i64, i64), LineBalance>,
    drawn: HashMap<i64, Fen>,
    dirty: HashSet<(i64, i64)>,
    /// What this writer's entries add to each touched line's activity.
    activity: HashMap<(i64, i64), Activity>,
    /// What this writer's entries add to each line's movements per year.
    years: HashMap<(i64, i64, i32), LineBalance>,
    /// The last entry id before this writer's first insert.
    before: i64,
    /// The file line of each entry this writer recorded, in id order.
    file_lines: Vec<Option<u64>>,
    /// Entries this writer found already recorded and unchanged, by id, with their line.
    unchanged: HashMap<i64, Option<u64>>,
    /// Vouchers this writer refused, with their line (a refused import reports them all).
    refused: HashMap<String, u64>,
}

impl<'t, 'c> EntryWriter<'t, 'c> {
    pub fn new(tx: &'t Tx<'c>, catalog: &'t Catalog, stamp: &'t Stamp) -> Result<Self> {
        Ok(EntryWriter {
            tx,
            statements: tx.entry_statements()?,
            catalog,
            stamp,
            closed: tx.closed_years()?,
            today: chrono::Local::now().date_naive(),
            line_last_day: HashMap::new(),
            appropriation_last_day: HashMap::new(),
            appropriations: HashMap::new(),
            subprojects: HashMap::new(),
            lines: HashMap::new(),
            stored: HashMap::new(),
            drawn: HashMap::new(),
            dirty: HashSet::new(),
            activity: HashMap::new(),
            years: HashMap::new(),
            before: tx.last_entry_id()?,
            file_lines: Vec::new(),
            unchanged: HashMap::new(),
            refused: HashMap::new(),
        })
    }

    /// Checks and records one entry (not from a file).
    pub fn write(&mut self, e: &NewEntry) -> RowResult {
        self.write_at(e, None)
    }

    /// Checks and records the entry given on `file_line` of the file being imported. A
    /// voucher this same run already took — recorded, found unchanged, or refused — is a
    /// repeat within the file, refused with the line it was first given on.
    pub fn write_at(&mut self, e: &NewEntry, file_line: Option<u64>) -> RowResult {
        if let Some(first) = self.refused.get(&e.voucher) {
            return Ok(Err(vec![repeat(&e.voucher, Some(*first))]));
        }
        let result = self.write_new(e, file_line)?;
        if result.is_err() {
            self.refused.entry(e.voucher.clone()).or_insert(file_line.unwrap_or(0));
        }
        Ok(result)
    }

    fn write_new(&mut self, e: &NewEntry, file_line: Option<u64>) -> RowResult {
        if !self.tx.voucher_recorded(&mut self.statements, &e.voucher)? {
            // A new voucher: the common case of a big import.
        } else if let Some(old) = self.tx.find_entry(&e.voucher)? {
            if old.id > self.before {
                let first =
                    usize::try_from(old.id - self.before - 1).ok().and_then(|i| self.file_lines.get(i));
                return Ok(Err(vec![repeat(&e.voucher, first.copied().flatten())]));
            }
            if let Some(first) = self.unchanged.get(&old.id) {
                return Ok(Err(vec![repeat(&e.voucher, *first)]));
            }
            let mut outcome = same_entry(&old, e);
            if let (Ok(_), Some(channel)) = (&outcome, &e.channel_ref) {
                if let Some(a) = self.appropriation(&old.appropriation)? {
                    if let Err(p) = rules::channel_matches(self.catalog, &a, channel) {
                        outcome = Err(vec![p]);
                    }
                }
            }
            if outcome.is_ok() {
                self.unchanged.insert(old.id, file_line);
            }
            return Ok(outcome);
        }
        let movement = match e.kind.flow() {
            Some(flow) => self.resolve_movement(e, flow)?,
            None => self.resolve_reversal(e)?,
        };
        let m = match movement {
            Ok(m) => m,
            Err(problems) => return Ok(Err(problems)),
        };
        let line_key = (m.appropriation.id, m.subproject.id);
        let line = self.line(line_key)?;
        let drawn = self.drawn(m.appropriation.id)?;
        let (a, s) = (&m.appropriation, &m.subproject);
        let mut checks =
            vec![rules::open_period(&self.closed, e.date), rules::not_in_future(e.date, self.today)];
        if let Some(c) = e.channel_ref.as_deref() {
            checks.push(rules::channel_matches(self.catalog, a, c));
        }
        let mut problems: Vec<Problem> = checks.into_iter().filter_map(Result::err).collect();
        problems.extend(rules::movement(self.catalog, a, s, e.date));
        if let Some(pool) = rules::Pool::drawn_by(m.flow, m.direction) {
            let lowest = self.lowest(pool, &m, e.date, &line, a.amount - drawn)?;
            problems.extend(
                rules::no_overdraw(m.flow, m.direction, m.amount, e.date, lowest, &a.code, &s.code).err(),
            );
        }
        let updated = line.checked_apply(m.flow, m.amount, m.direction);
        if updated.is_none() {
            problems.push(
                Problem::new(
                    Check::R6,
                    "the line's running totals would exceed the largest amount fundledger can hold",
                )
                .column("amount"),
            );
        }
        let Some(updated) = updated.filter(|_| problems.is_empty()) else { return Ok(Err(problems)) };
        self.tx
            .insert_entry(
                &mut self.statements,
                &EntryInsert {
                    voucher: &e.voucher,
                    date: e.date,
                    kind: e.kind,
                    appropriation_id: m.appropriation.id,
                    subproject_id: m.subproject.id,
                    amount: m.amount,
                    reverses_id: m.reverses_id,
                    memo: &e.memo,
                    operator: &self.stamp.operator,
                    recorded_at: &self.stamp.recorded_at,
                },
            )
            .map_err(|err| {
                crate::error::Error::Internal(format!("while recording voucher {}: {err}", e.voucher))
            })?;
        self.file_lines.push(file_line);
        let movement = updated.since(&line);
        self.moved_on(line_key, e.date, movement.drawn() != Fen::ZERO)?;
        self.tx.add_day(line_key.0, line_key.1, e.date, &movement)?;
        let drawn_after = drawn + (updated.drawn() - line.drawn());
        let activity = self.activity.entry(line_key).or_default();
        *activity = activity.after(e.kind, e.date);
        let year = self.years.entry((line_key.0, line_key.1, e.date.year())).or_default();
        *year = year.checked_apply(m.flow, m.amount, m.direction).ok_or_else(|| {
            crate::error::Error::Internal(format!("voucher {}: the year's movement overflows", e.voucher))
        })?;
        self.lines.insert(line_key, updated);
        self.drawn.insert(m.appropriation.id, drawn_after);
        self.dirty.insert(line_key);
        Ok(Ok(Outcome::Added))
    }

    /// Stores the balances of every line this writer changed: first the lines whose draw on
    /// their appropriation went down, then the others, so no intermediate sum exceeds it.
    pub fn finish(self) -> Result<()> {
        let mut keys: Vec<_> = self.dirty.into_iter().collect();
        keys.sort_unstable_by_key(|k| (self.lines[k].drawn() - self.stored[k].drawn(), *k));
        for key in keys {
            let activity = self.activity.get(&key).copied().unwrap_or_default();
            self.tx.store_line_balance(key.0, key.1, &self.lines[&key], &activity)?;
        }
        let mut years: Vec<_> = self.years.into_iter().collect();
        years.sort_unstable_by_key(|(k, _)| *k);
        for ((aid, sid, year), movement) in years {
            self.tx.add_line_year(aid, sid, year, &movement)?;
        }
        Ok(())
    }

    /// The lowest `pool` stands on `date` or any later day, given where it stands now (after
    /// every recorded entry, this writer's included): the day rows after `date` say how it got
    /// there. An entry dated on or after the last one reads no row.
    fn lowest(
        &mut self,
        pool: rules::Pool,
        m: &Movement,
        date: NaiveDate,
        line: &LineBalance,
        available: Fen,
    ) -> Result<rules::Lowest> {
        let (aid, sid) = (m.appropriation.id, m.subproject.id);
        let now = match pool {
            rules::Pool::Available => available,
            rules::Pool::Undisbursed => line.undisbursed(),
            rules::Pool::Held => line.held(),
        };
        let last = match pool {
            rules::Pool::Available => self.last_day_of_appropriation(aid)?,
            _ => self.last_day_of_line((aid, sid))?,
        };
        if last.is_none_or(|last| date >= last) {
            // Dated on or after every day the pool moved (an ordinary import): it stands at
            // `now` from the entry's date on.
            return Ok(rules::Lowest { have: now, on: None });
        }
        Ok(match pool {
            rules::Pool::Available => {
                let later = self.tx.appropriation_days_after(aid, date)?;
                rules::lowest_ahead(available, later.iter().map(|(d, drawn)| (*d, -*drawn)))
            }
            rules::Pool::Undisbursed | rules::Pool::Held => {
                let later = self.tx.line_days_after(aid, sid, date)?;
                rules::lowest_ahead(now, later.iter().map(|(d, b)| (*d, pool.change(b))))
            }
        })
    }

    /// The last day the line moved, this writer's entries included.
    fn last_day_of_line(&mut self, key: (i64, i64)) -> Result<Option<NaiveDate>> {
        if let Some(d) = self.line_last_day.get(&key) {
            return Ok(*d);
        }
        let d = self.tx.line_last_day(key.0, key.1)?;
        self.line_last_day.insert(key, d);
        Ok(d)
    }

    /// The last day the appropriation's lines drew on it, this writer's entries included.
    fn last_day_of_appropriation(&mut self, id: i64) -> Result<Option<NaiveDate>> {
        if let Some(d) = self.appropriation_last_day.get(&id) {
            return Ok(*d);
        }
        let d = self.tx.appropriation_last_day(id)?;
        self.appropriation_last_day.insert(id, d);
        Ok(d)
    }

    /// Records that the line (and, when the movement draws on it, the appropriation) moved on
    /// `date`, after reading the stored last days so the newest stays known.
    fn moved_on(&mut self, key: (i64, i64), date: NaiveDate, drawn: bool) -> Result<()> {
        let line = self.last_day_of_line(key)?;
        self.line_last_day.insert(key, line.max(Some(date)));
        if drawn {
            let a = self.last_day_of_appropriation(key.0)?;
            self.appropriation_last_day.insert(key.0, a.max(Some(date)));
        }
        Ok(())
    }

    fn line(&mut self, key: (i64, i64)) -> Result<LineBalance> {
        if let Some(b) = self.lines.get(&key) {
            return Ok(*b);
        }
        let b = self.tx.line_balance(key.0, key.1)?;
        self.lines.insert(key, b);
        self.stored.insert(key, b);
        Ok(b)
    }

    fn drawn(&mut self, appropriation_id: i64) -> Result<Fen> {
        if let Some(d) = self.drawn.get(&appropriation_id) {
            return Ok(*d);
        }
        let d = self.tx.appropriation_drawn(appropriation_id)?;
        self.drawn.insert(appropriation_id, d);
        Ok(d)
    }

    fn appropriation(&mut self, code: &str) -> Result<Option<Rc<StoredAppropriation>>> {
        if let Some(a) = self.appropriations.get(code) {
            return Ok(Some(Rc::clone(a)));
        }
        let found = self.tx.find_appropriation(code)?.map(Rc::new);
        if let Some(a) = &found {
            self.appropriations.insert(code.to_string(), Rc::clone(a));
        }
        Ok(found)
    }

    fn subproject(&mut self, code: &str) -> Result<Option<Rc<StoredSubproject>>> {
        if let Some(s) = self.subprojects.get(code) {
            return Ok(Some(Rc::clone(s)));
        }
        let found = self.tx.find_subproject(code)?.map(Rc::new);
        if let Some(s) = &found {
            self.subprojects.insert(code.to_string(), Rc::clone(s));
        }
        Ok(found)
    }

    fn resolve_movement(
        &mut self,
        e: &NewEntry,
        flow: Flow,
    ) -> Result<std::result::Result<Movement, Vec<Problem>>> {
        let mut problems = Vec::new();
        if e.reverses.is_some() {
            problems.push(
                Problem::new(
                    Check::Format,
                    format!("only a reverse (冲销) entry names an entry it reverses; this one is {}", e.kind),
                )
                .column("reverses"),
            );
        }
        let missing = |column: &str| {
            Problem::new(Check::Format, format!("an entry of kind {} needs the {column}", e.kind))
                .column(column)
        };
        let amount = e.amount.ok_or_else(|| missing("amount")).map_err(|p| problems.push(p)).ok();
        let appropriation = match e.appropriation.as_deref() {
            None => {
                problems.push(missing("appropriation"));
                None
            }
            Some(code) => {
                let found = self.appropriation(code)?;
                if found.is_none() {
                    problems.push(unknown("appropriation", code, "import the appropriations file first"));
                }
                found
            }
        };
        let subproject = match e.subproject.as_deref() {
            None => {
                problems.push(missing("subproject"));
                None
            }
            Some(code) => {
                let found = self.subproject(code)?;
                if found.is_none() {
                    problems.push(unknown("subproject", code, "import the sub-projects file first"));
                }
                found
            }
        };
        Ok(match (amount, appropriation, subproject) {
            (Some(amount), Some(appropriation), Some(subproject)) if problems.is_empty() => Ok(Movement {
                flow,
                direction: Direction::Forward,
                amount,
                appropriation,
                subproject,
                reverses_id: None,
            }),
            _ => Err(problems),
        })
    }

    fn resolve_reversal(&mut self, e: &NewEntry) -> Result<std::result::Result<Movement, Vec<Problem>>> {
        let Some(voucher) = e.reverses.as_deref() else {
            return Ok(Err(vec![Problem::new(
                Check::R4,
                "a reverse (冲销) entry must name the voucher it reverses",
            )
            .column("reverses")]));
        };
        let Some(original) = self.tx.find_entry(voucher)? else {
            return Ok(Err(vec![unknown("reverses", voucher, "a reversal names a recorded voucher")]));
        };
        let Some(flow) = original.kind.flow() else {
            return Ok(Err(vec![Problem::new(
                Check::R4,
                format!("{voucher} is itself a reversal and cannot be reversed; post a new entry instead"),
            )
            .column("reverses")]));
        };
        if let Some(by) = self.tx.reversed_by(original.id)? {
            return Ok(Err(vec![Problem::new(
                Check::R4,
                format!("{voucher} was already reversed by {by}; an entry is reversed at most once"),
            )
            .column("reverses")]));
        }
        let mut problems = mirror_problems(&original, e);
        if e.date < original.date {
            problems.push(
                Problem::new(
                    Check::R4,
                    format!(
                        "a reversal cannot be dated {} before its original {voucher} ({})",
                        e.date, original.date
                    ),
                )
                .column("date"),
            );
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let appropriation = self.appropriation(&original.appropriation)?;
        let subproject = self.subproject(&original.subproject)?;
        let (Some(appropriation), Some(subproject)) = (appropriation, subproject) else {
            unreachable!("a recorded entry's appropriation and sub-project exist (foreign keys)")
        };
        Ok(Ok(Movement {
            flow,
            direction: Direction::Back,
            amount: original.amount,
            appropriation,
            subproject,
            reverses_id: Some(original.id),
        }))
    }
}

/// A voucher given twice in one file (or one batch).
fn repeat(voucher: &str, first: Option<u64>) -> Problem {
    let message = match first.filter(|l| *l > 0) {
        Some(first) => format!("{voucher} appears again; it was first given on line {first} of this file"),
        None => format!("{voucher} appears again in this batch"),
    };
    Problem::new(Check::R4, message).column("voucher")
}

fn unknown(column: &str, code: &str, hint: &str) -> Problem {
    Problem::new(Check::Unknown, format!("{column} '{code}' is not recorded ({hint})")).column(column)
}

/// A reversal's optional appropriation, sub-project and amount must be its original's.
fn mirror_problems(original: &StoredEntry, e: &NewEntry) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut mirror = |column: &str, given: Option<String>, recorded: String| {
        if let Some(given) = given.filter(|g| *g != recorded) {
            problems.push(
                Problem::new(
                    Check::R4,
                    format!(
                        "a reversal mirrors its original exactly: {} has {column} {recorded}, not {given}",
                        original.voucher
                    ),
                )
                .column(column),
            );
        }
    };
    mirror("appropriation", e.appropriation.clone(), original.appropriation.clone());
    mirror("subproject", e.subproject.clone(), original.subproject.clone());
    mirror("amount", e.amount.map(|a| a.to_string()), original.amount.to_string());
    problems
}

/// An entry whose voucher is already recorded: unchanged if identical, else refused (R4).
fn same_entry(old: &StoredEntry, e: &NewEntry) -> std::result::Result<Outcome, Vec<Problem>> {
    let mut d = Differences::new();
    d.field("date", old.date, e.date);
    d.field("kind", old.kind, e.kind);
    let reverses = old.reverses.as_ref().map(|r| r.2.clone()).unwrap_or_default();
    d.field("reverses", reverses, e.reverses.clone().unwrap_or_default());
    // Only a reversal may leave its mirrored columns empty; compare what was given.
    let mirrored = old.kind == Kind::Reverse;
    let opt = |v: Option<String>| v.unwrap_or_default();
    if e.appropriation.is_some() || !mirrored {
        d.field("appropriation", old.appropriation.clone(), opt(e.appropriation.clone()));
    }
    if e.subproject.is_some() || !mirrored {
        d.field("subproject", old.subproject.clone(), opt(e.subproject.clone()));
    }
    if e.amount.is_some() || !mirrored {
        d.field("amount", old.amount.to_string(), opt(e.amount.map(|a| a.to_string())));
    }
    d.field("memo", &old.memo, &e.memo);
    d.outcome(&format!("voucher {}", e.voucher)).map_err(|mut p| {
        p[0].column = Some("voucher".into());
        p
    })
}

/// Writes catalogue rows (built-in at `init`, or added by users). A row whose code is known is
/// unchanged when identical and refused (R4) when different; a new name under a new code is
/// added. References (department, channel, type) accept the code or the Chinese name.
pub struct CatalogWriter<'t, 'c> {
    tx: &'t Tx<'c>,
    catalog: Catalog,
    builtin: bool,
}

impl<'t, 'c> CatalogWriter<'t, 'c> {
    pub fn new(tx: &'t Tx<'c>, builtin: bool) -> Result<Self> {
        Ok(CatalogWriter { tx, catalog: tx.catalog()?, builtin })
    }

    fn refresh(&mut self) -> RowResult {
        self.catalog = self.tx.catalog()?;
        Ok(Ok(Outcome::Added))
    }

    fn department_code(&self, reference: &str, column: &str) -> std::result::Result<String, Problem> {
        self.catalog.department(reference).map(|d| d.code.clone()).ok_or_else(|| {
            Problem::new(Check::Unknown, format!("'{reference}' is not a known department")).column(column)
        })
    }

    /// A new row's name must not be another row's code or name, and its code must not be
    /// another row's name: clerks refer to rows by either, so both must stay unambiguous.
    /// `by_name` and `by_code` are the codes the new name and the new code already resolve to.
    fn name_taken(
        &self,
        what: &str,
        code: &str,
        by_name: Option<String>,
        by_code: Option<String>,
        name: &str,
    ) -> Option<Vec<Problem>> {
        let clash = |other: Option<String>, text: &str| {
            other.filter(|c| c != code).map(|c| {
                let message = format!(
                    "{what} '{text}' is already used by {what} {c}; codes and names must be unambiguous"
                );
                vec![Problem::new(Check::R4, message)]
            })
        };
        clash(by_name, name).or_else(|| clash(by_code, code))
    }

    pub fn write_department(&mut self, d: &crate::catalog::Department) -> RowResult {
        if let Some(old) = self.catalog.department(&d.code).filter(|o| o.code == d.code) {
            let mut diff = Differences::new();
            diff.field("name", &old.name, &d.name);
            diff.field("name_en", &old.name_en, &d.name_en);
            return Ok(diff.outcome(&format!("department {}", d.code)));
        }
        let by_name = self.catalog.department(&d.name).map(|o| o.code.clone());
        let by_code = self.catalog.department(&d.code).map(|o| o.code.clone());
        if let Some(p) = self.name_taken("department", &d.code, by_name, by_code, &d.name) {
            return Ok(Err(p));
        }
        self.tx.insert_department(d, self.builtin)?;
        self.refresh()
    }

    pub fn write_county(&mut self, c: &crate::catalog::County) -> RowResult {
        if let Some(old) = self.catalog.county(&c.code).filter(|o| o.code == c.code) {
            let mut diff = Differences::new();
            diff.field("name", &old.name, &c.name);
            diff.field("name_en", &old.name_en, &c.name_en);
            return Ok(diff.outcome(&format!("county {}", c.code)));
        }
        let by_name = self.catalog.county(&c.name).map(|o| o.code.clone());
        let by_code = self.catalog.county(&c.code).map(|o| o.code.clone());
        if let Some(p) = self.name_taken("county", &c.code, by_name, by_code, &c.name) {
            return Ok(Err(p));
        }
        self.tx.insert_county(c, self.builtin)?;
        self.refresh()
    }

    pub fn write_type(&mut self, t: &crate::catalog::SubprojectType) -> RowResult {
        let mut problems = Vec::new();
        let department = self.department_code(&t.department, "department").map_err(|p| problems.push(p)).ok();
        let co_lead = match &t.co_lead {
            None => Some(None),
            Some(r) => self.department_code(r, "co_lead").map(Some).map_err(|p| problems.push(p)).ok(),
        };
        let (Some(department), Some(co_lead)) = (department, co_lead) else { return Ok(Err(problems)) };
        let t = crate::catalog::SubprojectType { department, co_lead, ..t.clone() };
        if let Some(old) = self.catalog.subproject_type(&t.code).filter(|o| o.code == t.code) {
            let mut diff = Differences::new();
            diff.field("name", &old.name, &t.name);
            diff.field("department", &old.department, &t.department);
            diff.field("modes", old.modes_zh(), t.modes_zh());
            diff.field(
                "co_lead",
                old.co_lead.clone().unwrap_or_default(),
                t.co_lead.clone().unwrap_or_default(),
            );
            return Ok(diff.outcome(&format!("sub-project type {}", t.code)));
        }
        let by_name = self.catalog.subproject_type(&t.name).map(|o| o.code.clone());
        let by_code = self.catalog.subproject_type(&t.code).map(|o| o.code.clone());
        if let Some(p) = self.name_taken("sub-project type", &t.code, by_name, by_code, &t.name) {
            return Ok(Err(p));
        }
        self.tx.insert_type(&t, self.builtin)?;
        self.refresh()
    }

    pub fn write_channel(&mut self, c: &crate::catalog::Channel) -> RowResult {
        let owner = match self.department_code(&c.policy_owner, "policy_owner") {
            Ok(o) => o,
            Err(p) => return Ok(Err(vec![p])),
        };
        let c = crate::catalog::Channel { policy_owner: owner, ..c.clone() };
        if let Some(old) = self.catalog.channel(&c.code).filter(|o| o.code == c.code) {
            let mut diff = Differences::new();
            diff.field("name", &old.name, &c.name);
            diff.field("policy_owner", &old.policy_owner, &c.policy_owner);
            diff.field("basis", &old.basis, &c.basis);
            diff.field("name_en", &old.name_en, &c.name_en);
            return Ok(diff.outcome(&format!("channel {}", c.code)));
        }
        let by_name = self.catalog.channel(&c.name).map(|o| o.code.clone());
        let by_code = self.catalog.channel(&c.code).map(|o| o.code.clone());
        if let Some(p) = self.name_taken("channel", &c.code, by_name, by_code, &c.name) {
            return Ok(Err(p));
        }
        self.tx.insert_channel(&c, self.builtin)?;
        self.refresh()
    }

    pub fn write_designation(&mut self, d: &crate::catalog::Designation) -> RowResult {
        let mut problems = Vec::new();
        let channel = self.catalog.channel(&d.channel).map(|c| c.code.clone());
        if channel.is_none() {
            problems.push(
                Problem::new(Check::Unknown, format!("'{}' is not a known fund channel", d.channel))
                    .column("channel"),
            );
        }
        let type_code = self.catalog.subproject_type(&d.type_code).map(|t| t.code.clone());
        if type_code.is_none() {
            problems.push(
                Problem::new(Check::Unknown, format!("'{}' is not a known sub-project type", d.type_code))
                    .column("type"),
            );
        }
        let (Some(channel), Some(type_code)) = (channel, type_code) else { return Ok(Err(problems)) };
        let recorded =
            self.catalog.designations.iter().find(|x| x.channel == channel && x.type_code == type_code);
        if let Some(old) = recorded {
            let mut diff = Differences::new();
            diff.field("note", &old.note, &d.note);
            diff.field("basis", &old.basis, &d.basis);
            return Ok(diff.outcome(&format!("designation {channel} → {type_code}")));
        }
        let d = crate::catalog::Designation { channel, type_code, ..d.clone() };
        self.tx.insert_designation(&d, self.builtin)?;
        self.refresh()
    }
}

/// Writes subsidy rules. References accept codes or names; a type-specific rule must follow a
/// designation (a rule cannot widen R2); a rule overlapping another for the same channel, type
/// and days is refused; an identical rule already recorded is unchanged.
pub struct RuleWriter<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub catalog: &'t Catalog,
    pub stamp: &'t Stamp,
    pub builtin: bool,
    pub rules: Vec<crate::subsidy::Rule>,
}

impl RuleWriter<'_, '_> {
    pub fn write(&mut self, rule: &crate::subsidy::Rule) -> RowResult {
        let mut problems = Vec::new();
        let channel = self.catalog.channel(&rule.channel).map(|c| c.code.clone());
        if channel.is_none() {
            problems.push(
                Problem::new(Check::Unknown, format!("'{}' is not a known fund channel", rule.channel))
                    .column("channel"),
            );
        }
        let type_code = match &rule.type_code {
            None => Some(None),
            Some(t) => match self.catalog.subproject_type(t) {
                Some(t) => Some(Some(t.code.clone())),
                None => {
                    problems.push(
                        Problem::new(Check::Unknown, format!("'{t}' is not a known sub-project type"))
                            .column("type"),
                    );
                    None
                }
            },
        };
        let (Some(channel), Some(type_code)) = (channel, type_code) else { return Ok(Err(problems)) };
        if let Some(t) = &type_code {
            if !self.catalog.designates(&channel, t) {
                let message = format!(
                    "channel {} is not designated to pay type {t}; a rule cannot widen its use",
                    rule.channel
                );
                return Ok(Err(vec![Problem::new(Check::R2, message).column("type")]));
            }
        }
        let rule = crate::subsidy::Rule { channel, type_code, ..rule.clone() };
        let same = |r: &crate::subsidy::Rule| crate::subsidy::Rule { id: 0, ..r.clone() } == rule;
        if self.rules.iter().any(same) {
            return Ok(Ok(Outcome::Unchanged));
        }
        if let Some(other) = self.rules.iter().find(|r| r.overlaps(&rule)) {
            let message = format!(
                "rule #{} ({}, {} to {}) already applies to channel {} and {} on some of these days; give the new rule dates that do not overlap",
                other.id,
                other.shape.describe(),
                other.valid_from,
                other.valid_to,
                rule.channel,
                rule.type_code.as_deref().map_or("every type".to_string(), |t| format!("type {t}"))
            );
            return Ok(Err(vec![Problem::new(Check::Overlap, message).column("valid_from")]));
        }
        let id = self.tx.insert_rule(&rule, self.builtin, &self.stamp.operator, &self.stamp.recorded_at)?;
        self.rules.push(crate::subsidy::Rule { id, ..rule });
        Ok(Ok(Outcome::Added))
    }
}

/// Records one acceptance after checking the policy's order (四（四）): an item acceptance
/// names a non-excluded sub-project and is made by its lead (or co-lead) department; the
/// overall acceptance needs every non-excluded sub-project passed, on or before its date;
/// county acceptance needs the overall one passed, city acceptance the county's; a stage that
/// passed is not accepted again; nothing is dated before the project's approval. Problems
/// name the option they concern.
pub fn record_acceptance(tx: &Tx<'_>, catalog: &Catalog, a: &NewAcceptance, stamp: &Stamp) -> RowResult {
    let refuse = |check: Check, column: &str, message: String| {
        Ok(Err(vec![Problem::new(check, message).column(column)]))
    };
    // The project, and for an item acceptance the sub-project (whose project it names).
    let sub = match (&a.stage, &a.subproject) {
        (Stage::Item, None) => {
            return refuse(Check::Format, "subproject", "an item acceptance names its sub-project".into())
        }
        (Stage::Item, Some(code)) => match tx.find_subproject(code)? {
            None => {
                return refuse(Check::Unknown, "subproject", format!("sub-project '{code}' is not recorded"))
            }
            Some(s) => Some(s),
        },
        _ => None,
    };
    let project_code = match (&sub, &a.project) {
        (Some(s), Some(p)) if s.project_code != *p => {
            let message = format!("sub-project {} belongs to project {}, not {p}", s.code, s.project_code);
            return refuse(Check::Unknown, "project", message);
        }
        (Some(s), _) => s.project_code.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            return refuse(Check::Format, "project", format!("{} names its project", a.stage.zh()))
        }
    };
    let Some(project) = tx.find_project(&project_code)? else {
        return refuse(Check::Unknown, "project", format!("project '{project_code}' is not recorded"));
    };
    if a.date < project.row.approved_on {
        let message = format!("{} is before the project was approved ({})", a.date, project.row.approved_on);
        return refuse(Check::Format, "date", message);
    }
    let history = tx.acceptances(&project_code)?;
    if a.stage != Stage::Item && (a.subproject.is_some() || a.department.is_some()) {
        let message =
            format!("{} is of the whole project: leave the sub-project and department empty", a.stage.zh());
        return refuse(
            Check::Format,
            if a.subproject.is_some() { "subproject" } else { "department" },
            message,
        );
    }
    let department_code = match (&a.stage, &a.department) {
        (Stage::Item, Some(d)) => catalog.department(d).map(|d| d.code.clone()),
        (Stage::Item, None) => {
            sub.as_ref().and_then(|s| catalog.subproject_type(&s.type_code)).map(|t| t.department.clone())
        }
        _ => None,
    };
    let same = |h: &&crate::db::StoredAcceptance| {
        h.stage == a.stage
            && h.subproject == a.subproject
            && h.department == department_code
            && h.verdict == a.verdict
            && h.date == a.date
            && h.document == a.document
            && h.batch == a.batch
            && h.award == a.award
    };
    if history.iter().any(|h| same(&h)) {
        return Ok(Ok(Outcome::Unchanged));
    }
    if a.date > chrono::Local::now().date_naive() {
        return refuse(
            Check::Format,
            "date",
            format!("{} is in the future; record an acceptance once it has happened", a.date),
        );
    }
    // Records of one stage and subject follow each other in time: a pass cannot be dated
    // before the failure it follows (a mistyped date would otherwise reorder the history).
    let subject = a.subproject.as_deref();
    if let Some(latest) = history
        .iter()
        .filter(|h| h.stage == a.stage && h.subproject.as_deref() == subject)
        .map(|h| h.date)
        .max()
    {
        if a.date < latest {
            let message = format!("{} is before the {} already recorded for {latest}", a.date, a.stage.zh());
            return refuse(Check::Acceptance, "date", message);
        }
    }
    let passed = |stage: Stage, subproject: Option<&str>| {
        history.iter().find(|h| {
            h.stage == stage
                && h.verdict == Verdict::Passed
                && (subproject.is_none() || h.subproject.as_deref() == subproject)
        })
    };
    if let Some(h) = passed(a.stage, sub.as_ref().map(|s| s.code.as_str())) {
        let what = sub.as_ref().map_or(project_code.clone(), |s| s.code.clone());
        let message = format!("{what} already passed {} on {} ({})", a.stage.zh(), h.date, h.document);
        let column = if sub.is_some() { "subproject" } else { "project" };
        return refuse(Check::Acceptance, column, message);
    }
    if a.stage != Stage::City && (!a.batch.is_empty() || a.award) {
        return refuse(
            Check::Format,
            "batch",
            "a batch and the quality award belong to city acceptance".into(),
        );
    }
    let mut department = None;
    let mut subproject_id = None;
    match a.stage {
        Stage::Item => {
            let s = sub.as_ref().expect("item acceptance has its sub-project");
            if s.status == Status::Excluded {
                let message = format!("{} is excluded (不开展): it is not accepted", s.code);
                return refuse(Check::R2, "subproject", message);
            }
            let t = catalog.subproject_type(&s.type_code);
            let lead = t.map(|t| t.department.clone()).unwrap_or_default();
            let co_lead = t.and_then(|t| t.co_lead.clone());
            let chosen = match &a.department {
                None => lead.clone(),
                Some(d) => match catalog.department(d) {
                    Some(dep) => dep.code.clone(),
                    None => {
                        return refuse(
                            Check::Unknown,
                            "department",
                            format!("'{d}' is not a known department"),
                        )
                    }
                },
            };
            if chosen != lead && co_lead.as_deref() != Some(chosen.as_str()) {
                let name = |c: &str| catalog.department(c).map_or(c.to_string(), |d| d.name.clone());
                let message = format!(
                    "{} ({}) is accepted by {}{}, not {}",
                    s.code,
                    t.map_or(s.type_code.as_str(), |t| t.name.as_str()),
                    name(&lead),
                    co_lead.as_deref().map_or(String::new(), |c| format!(" or {}", name(c))),
                    name(&chosen)
                );
                return refuse(Check::Acceptance, "department", message);
            }
            department = Some(chosen);
            subproject_id = Some(s.id);
        }
        Stage::Overall => {
            let mut missing = Vec::new();
            let required: Vec<StoredSubproject> = tx
                .subprojects_of(&project_code)?
                .into_iter()
                .filter(|s| s.status != Status::Excluded)
                .collect();
            if required.is_empty() {
                let message = format!("project {project_code} has no non-excluded sub-project to accept");
                return refuse(Check::Acceptance, "project", message);
            }
            for s in &required {
                match passed(Stage::Item, Some(&s.code)) {
                    Some(h) if h.date <= a.date => {}
                    Some(h) => missing.push(format!("{} (passed only on {})", s.code, h.date)),
                    None => missing.push(s.code.clone()),
                }
            }
            if !missing.is_empty() {
                let message = format!(
                    "整体验收 needs every non-excluded sub-project to pass 单项验收 first; not yet passed: {}",
                    missing.join(", ")
                );
                return refuse(Check::Acceptance, "project", message);
            }
        }
        Stage::County | Stage::City => {
            let before = if a.stage == Stage::County { Stage::Overall } else { Stage::County };
            match passed(before, None) {
                Some(h) if h.date <= a.date => {}
                Some(h) => {
                    let message =
                        format!("{} is dated before {} passed ({})", a.stage.zh(), before.zh(), h.date);
                    return refuse(Check::Acceptance, "date", message);
                }
                None => {
                    let message = format!("{} needs {} passed first", a.stage.zh(), before.zh());
                    return refuse(Check::Acceptance, "project", message);
                }
            }
            if a.stage == Stage::City && a.batch.is_empty() {
                return refuse(Check::Format, "batch", "city acceptance is by batch: give --batch".into());
            }
            if a.award && a.verdict != Verdict::Passed {
                return refuse(
                    Check::Format,
                    "award",
                    "only a passed project can win the quality award".into(),
                );
            }
        }
    }
    tx.insert_acceptance(&AcceptanceInsert {
        stage: a.stage,
        project_id: project.id,
        subproject_id,
        department: department.as_deref(),
        verdict: a.verdict,
        date: a.date,
        document: &a.document,
        batch: &a.batch,
        award: a.award,
        memo: &a.memo,
        operator: &stamp.operator,
        recorded_at: &stamp.recorded_at,
    })?;
    Ok(Ok(Outcome::Added))
}
