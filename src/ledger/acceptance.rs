//! Recording an acceptance in the policy's order (四（四）): an item acceptance names a
//! non-excluded sub-project and is made by its lead (or co-lead) department; the overall
//! acceptance needs every non-excluded sub-project passed, on or before its date; county
//! acceptance needs the overall one passed, city acceptance the county's; a stage that passed
//! is not accepted again; nothing is dated before the project's approval or in the future.
//! An item acceptance names the county bureau that organised it. The quality award
//! (优质工程) is a later yearly selection: recorded once per project, only after its city
//! acceptance passed. Problems name the option they concern.

use super::{Outcome, RowResult, Stamp};
use crate::catalog::Catalog;
use crate::db::{AcceptanceInsert, AwardInsert, Tx};
use crate::error::{Check, Error, Problem};
use crate::lang::pick;
use crate::model::{
    AcceptanceRecord, NewAcceptance, NewAward, Stage, Status, StoredAcceptance, StoredAward, StoredProject,
    StoredSubproject, Verdict,
};
use chrono::Datelike;

/// Why checking stopped: the acceptance is refused, or the environment failed.
enum Stop {
    Refused(Problem),
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Failed(e)
    }
}

type Step<T> = std::result::Result<T, Stop>;

fn refuse<T>(check: Check, column: &str, message: String) -> Step<T> {
    Err(Stop::Refused(Problem::new(check, message).column(column)))
}

/// What an accepted record is stored under.
struct Accepted {
    project_id: i64,
    subproject_id: Option<i64>,
    department: Option<String>,
}

/// Records one acceptance, or answers `Unchanged` when the same record is already there.
pub fn record_acceptance(tx: &Tx<'_>, catalog: &Catalog, a: &NewAcceptance, stamp: &Stamp) -> RowResult {
    let accepted = match check(tx, catalog, a) {
        Ok(Some(accepted)) => accepted,
        Ok(None) => return Ok(Ok(Outcome::Unchanged)),
        Err(Stop::Refused(p)) => return Ok(Err(vec![p])),
        Err(Stop::Failed(e)) => return Err(e),
    };
    tx.insert_acceptance(&AcceptanceInsert {
        stage: a.stage,
        project_id: accepted.project_id,
        subproject_id: accepted.subproject_id,
        department: accepted.department.as_deref(),
        bureau: a.bureau.as_deref(),
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

/// Every check, in the order a clerk would want them named; `None` when the same record is
/// already there.
fn check(tx: &Tx<'_>, catalog: &Catalog, a: &NewAcceptance) -> Step<Option<Accepted>> {
    let (sub, project) = subject(tx, a)?;
    let history = tx.acceptances(&project.row.code)?;
    let department = department_code(catalog, a, sub.as_ref());
    if history.iter().any(|h| same(h, a, department.as_deref())) {
        return Ok(None);
    }
    in_order_and_new(&history, a, sub.as_ref(), &project)?;
    if let (Stage::Item, Some(s)) = (a.stage, sub.as_ref()) {
        county_bureau(catalog, s, a.bureau.as_deref())?;
    }
    let whole =
        |project: StoredProject| Accepted { project_id: project.id, subproject_id: None, department: None };
    match a.stage {
        Stage::Item => {
            let s = sub.as_ref().ok_or_else(|| {
                refused(
                    "subproject",
                    pick("单项验收须写明子项目", "an item acceptance names its sub-project"),
                )
            })?;
            let department = item_department(catalog, s, a)?;
            Ok(Some(Accepted {
                project_id: project.id,
                subproject_id: Some(s.id),
                department: Some(department),
            }))
        }
        Stage::Overall => {
            items_passed(tx, &history, &project.row.code, a)?;
            Ok(Some(whole(project)))
        }
        Stage::County | Stage::City => {
            previous_stage_passed(&history, a)?;
            Ok(Some(whole(project)))
        }
    }
}

fn refused(column: &str, message: &str) -> Stop {
    Stop::Refused(Problem::new(Check::Format, message.to_string()).column(column))
}

/// The project and, for an item acceptance, the sub-project (whose project it names). A
/// whole-project stage names neither a sub-project nor a department.
fn subject(tx: &Tx<'_>, a: &NewAcceptance) -> Step<(Option<StoredSubproject>, StoredProject)> {
    let sub = match (&a.stage, &a.subproject) {
        (Stage::Item, None) => {
            return refuse(
                Check::Format,
                "subproject",
                pick("单项验收须写明子项目", "an item acceptance names its sub-project").into(),
            )
        }
        (Stage::Item, Some(code)) => match tx.find_subproject(code)? {
            None => {
                return Err(Stop::Refused(Problem::not_recorded("sub-project", code).column("subproject")))
            }
            // Judged by the status in force on the acceptance's date.
            Some(s) => Some(StoredSubproject { status: tx.status_as_of(&s, a.date)?, ..s }),
        },
        _ => None,
    };
    let project_code = match (&sub, &a.project) {
        (Some(s), Some(p)) if s.project_code != *p => {
            let (code, own) = (&s.code, &s.project_code);
            let message = crate::tr!(
                "子项目 {code} 属于项目 {own}，不是 {p}",
                "sub-project {code} belongs to project {own}, not {p}"
            );
            return refuse(Check::Unknown, "project", message);
        }
        (Some(s), _) => s.project_code.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            let stage = a.stage.zh();
            return refuse(
                Check::Format,
                "project",
                crate::tr!("{stage}须写明项目", "{stage} names its project"),
            );
        }
    };
    let Some(project) = tx.find_project(&project_code)? else {
        return Err(Stop::Refused(Problem::not_recorded("project", &project_code).column("project")));
    };
    if a.date < project.row.approved_on {
        let (date, approved) = (a.date, project.row.approved_on);
        let message = crate::tr!(
            "{date} 早于项目批复日期（{approved}）",
            "{date} is before the project was approved ({approved})"
        );
        return refuse(Check::Format, "date", message);
    }
    if a.stage != Stage::Item && (a.subproject.is_some() || a.department.is_some() || a.bureau.is_some()) {
        let stage = a.stage.zh();
        let message = crate::tr!(
            "{stage}针对整个项目：子项目、部门和组织单位应留空",
            "{stage} is of the whole project: leave the sub-project, department and bureau empty"
        );
        let column = match (&a.subproject, &a.department) {
            (Some(_), _) => "subproject",
            (None, Some(_)) => "department",
            (None, None) => "bureau",
        };
        return refuse(Check::Format, column, message);
    }
    Ok((sub, project))
}

/// The department an item acceptance is recorded under (as given, else the type's lead), to
/// compare with what is recorded.
fn department_code(catalog: &Catalog, a: &NewAcceptance, sub: Option<&StoredSubproject>) -> Option<String> {
    match (&a.stage, &a.department) {
        (Stage::Item, Some(d)) => catalog.department(d).map(|d| d.code.clone()),
        (Stage::Item, None) => {
            sub.and_then(|s| catalog.subproject_type(&s.type_code)).map(|t| t.department.clone())
        }
        _ => None,
    }
}

/// Whether `a` is the recorded `h` given again. A record given without its bureau (a file
/// from before fundledger asked for it) is the same as one recorded with any bureau.
fn same(h: &StoredAcceptance, a: &NewAcceptance, department: Option<&str>) -> bool {
    h.stage == a.stage
        && h.subproject.as_deref() == a.subproject.as_deref()
        && h.department.as_deref() == department
        && (a.bureau.is_none() || h.bureau == a.bureau)
        && h.verdict == a.verdict
        && h.date == a.date
        && h.document == a.document
        && h.batch == a.batch
        && h.award == a.award
}

/// The first passed record of a stage (for one sub-project, or any).
fn passed<'h>(
    history: &'h [StoredAcceptance],
    stage: Stage,
    subproject: Option<&str>,
) -> Option<&'h StoredAcceptance> {
    history.iter().find(|h| {
        h.stage == stage
            && h.verdict == Verdict::Passed
            && (subproject.is_none() || h.subproject.as_deref() == subproject)
    })
}

/// Not in the future; not before the latest record of the same stage and subject (a pass
/// cannot be dated before the failure it follows); not a stage already passed; a batch and
/// the award only at city acceptance.
fn in_order_and_new(
    history: &[StoredAcceptance],
    a: &NewAcceptance,
    sub: Option<&StoredSubproject>,
    project: &StoredProject,
) -> Step<()> {
    if a.date > chrono::Local::now().date_naive() {
        let date = a.date;
        let message = crate::tr!(
            "{date} 是将来的日期；验收完成后再记录",
            "{date} is in the future; record an acceptance once it has happened"
        );
        return refuse(Check::Format, "date", message);
    }
    let subject = a.subproject.as_deref();
    let latest = history
        .iter()
        .filter(|h| h.stage == a.stage && h.subproject.as_deref() == subject)
        .map(|h| h.date)
        .max();
    if let Some(latest) = latest.filter(|latest| a.date < *latest) {
        let (date, stage) = (a.date, a.stage.zh());
        let message = crate::tr!(
            "{date} 早于已记录的 {latest} 的{stage}",
            "{date} is before the {stage} already recorded for {latest}"
        );
        return refuse(Check::Acceptance, "date", message);
    }
    if let Some(h) = passed(history, a.stage, sub.map(|s| s.code.as_str())) {
        let what = sub.map_or(project.row.code.to_string(), |s| s.code.to_string());
        let (stage, date, doc) = (a.stage.zh(), h.date, &h.document);
        let message = crate::tr!(
            "{what} 已于 {date} 通过{stage}（{doc}）",
            "{what} already passed {stage} on {date} ({doc})"
        );
        return refuse(Check::Acceptance, if sub.is_some() { "subproject" } else { "project" }, message);
    }
    if a.stage != Stage::City && (!a.batch.is_empty() || a.award) {
        return refuse(
            Check::Format,
            "batch",
            pick("批次和优质工程只属于市级验收", "a batch and the quality award belong to city acceptance")
                .into(),
        );
    }
    Ok(())
}

/// An item acceptance: the sub-project is not excluded and the department is its type's lead
/// or co-lead. Returns the department's code.
fn item_department(catalog: &Catalog, s: &StoredSubproject, a: &NewAcceptance) -> Step<String> {
    if s.status == Status::Excluded {
        return refuse(Check::R2, "subproject", {
            let code = &s.code;
            crate::tr!("{code} 不开展，不进行验收", "{code} is excluded (不开展): it is not accepted")
        });
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
                    crate::tr!("'{d}' 不是已知的部门", "'{d}' is not a known department"),
                )
            }
        },
    };
    if chosen != lead && co_lead.as_deref() != Some(chosen.as_str()) {
        let name = |c: &str| catalog.department(c).map_or(c.to_string(), |d| d.name.clone());
        let (code, type_name) = (&s.code, t.map_or(s.type_code.as_str(), |t| t.name.as_str()));
        let (lead, chosen) = (name(&lead), name(&chosen));
        let or = co_lead.as_deref().map_or(String::new(), |c| {
            let c = name(c);
            crate::tr!("或{c}", " or {c}")
        });
        let message = crate::tr!(
            "{code}（{type_name}）由{lead}{or}验收，不是{chosen}",
            "{code} ({type_name}) is accepted by {lead}{or}, not {chosen}"
        );
        return refuse(Check::Acceptance, "department", message);
    }
    Ok(chosen)
}

/// 单项验收 is organised by a county-level department of the sub-project's own county: the
/// bureau is given, and its name starts with the county's (海宁市…, 南湖区…).
fn county_bureau(catalog: &Catalog, s: &StoredSubproject, bureau: Option<&str>) -> Step<()> {
    let lead = catalog.subproject_type(&s.type_code).and_then(|t| catalog.department(&t.department));
    let example = lead.map_or(String::new(), |d| {
        let (county, dep) = (&s.county, d.name.trim_start_matches('市'));
        crate::tr!("，如{county}{dep}", ", e.g. {county}{dep}")
    });
    let (county, code) = (&s.county, &s.code);
    match bureau {
        None => refuse(
            Check::Format,
            "bureau",
            crate::tr!(
                "单项验收由{county}的县级主管部门组织：请写明组织单位{example}",
                "单项验收 is organised by a county bureau (县级主管部门) of {county}: name it{example}"
            ),
        ),
        Some(b) if !b.starts_with(s.county.as_str()) => refuse(Check::Acceptance, "bureau", {
            let b = crate::error::echo(b);
            crate::tr!(
                    "'{b}' 不是{county}的部门：{code} 的单项验收由{county}的县级主管部门组织{example}",
                    "'{b}' is not a bureau of {county}: {code}'s 单项验收 is organised by a county-level department of {county}{example}"
                )
        }),
        Some(_) => Ok(()),
    }
}

/// The overall acceptance: every non-excluded sub-project passed its item acceptance on or
/// before this date.
fn items_passed(tx: &Tx<'_>, history: &[StoredAcceptance], project: &str, a: &NewAcceptance) -> Step<()> {
    let mut required = Vec::new();
    for s in tx.subprojects_of(project)? {
        if tx.status_as_of(&s, a.date)? != Status::Excluded {
            required.push(s);
        }
    }
    if required.is_empty() {
        let message = crate::tr!(
            "项目 {project} 没有需要验收的（未不开展的）子项目",
            "project {project} has no non-excluded sub-project to accept"
        );
        return refuse(Check::Acceptance, "project", message);
    }
    let missing: Vec<String> = required
        .iter()
        .filter_map(|s| match passed(history, Stage::Item, Some(&s.code)) {
            Some(h) if h.date <= a.date => None,
            Some(h) => {
                let (code, date) = (&s.code, h.date);
                Some(crate::tr!("{code}（{date} 才通过）", "{code} (passed only on {date})"))
            }
            None => Some(s.code.to_string()),
        })
        .collect();
    if !missing.is_empty() {
        let missing = missing.join(", ");
        let message = crate::tr!(
            "整体验收须先通过所有开展的子项目的单项验收；尚未通过：{missing}",
            "整体验收 needs every non-excluded sub-project to pass 单项验收 first; not yet passed: {missing}"
        );
        return refuse(Check::Acceptance, "project", message);
    }
    Ok(())
}

/// County acceptance after the overall one passed, city acceptance after the county's; city
/// acceptance is by batch, and only a passed project can win the quality award.
fn previous_stage_passed(history: &[StoredAcceptance], a: &NewAcceptance) -> Step<()> {
    let before = if a.stage == Stage::County { Stage::Overall } else { Stage::County };
    match passed(history, before, None) {
        Some(h) if h.date <= a.date => {}
        Some(h) => {
            let (stage, before, date) = (a.stage.zh(), before.zh(), h.date);
            let message = crate::tr!(
                "{stage}的日期早于{before}通过的日期（{date}）",
                "{stage} is dated before {before} passed ({date})"
            );
            return refuse(Check::Acceptance, "date", message);
        }
        None => {
            let (stage, before) = (a.stage.zh(), before.zh());
            let message = crate::tr!("{stage}须先通过{before}", "{stage} needs {before} passed first");
            return refuse(Check::Acceptance, "project", message);
        }
    }
    if a.stage == Stage::City && a.batch.is_empty() {
        return refuse(
            Check::Format,
            "batch",
            pick("市级验收按批次进行：请给出 --batch", "city acceptance is by batch: give --batch").into(),
        );
    }
    if a.award && a.verdict != Verdict::Passed {
        return refuse(
            Check::Format,
            "award",
            pick("只有验收通过的项目才能评为优质工程", "only a passed project can win the quality award")
                .into(),
        );
    }
    Ok(())
}

/// Records one row of an acceptances file: an acceptance, or a quality award.
pub fn record_acceptance_row(
    tx: &Tx<'_>,
    catalog: &Catalog,
    row: &AcceptanceRecord,
    stamp: &Stamp,
) -> RowResult {
    match row {
        AcceptanceRecord::Stage(a) => record_acceptance(tx, catalog, a, stamp),
        AcceptanceRecord::Award(a) => record_award(tx, a, stamp),
    }
}

/// Records the quality award (优质工程) of a project that passed city acceptance, or answers
/// `Unchanged` when the same award is already recorded. A project wins it once: a second,
/// different award is refused, as is one after `accept city --award` recorded it.
pub fn record_award(tx: &Tx<'_>, a: &NewAward, stamp: &Stamp) -> RowResult {
    let Some(project) = tx.find_project(&a.project)? else {
        return Ok(Err(vec![Problem::not_recorded("project", &a.project).column("project")]));
    };
    let awards = tx.awards(&a.project)?;
    if let Some(w) = awards.first() {
        if w.year == a.year && w.document == a.document && w.date == a.date {
            return Ok(Ok(Outcome::Unchanged));
        }
        let (project, year, recorded) = (&a.project, w.year, recorded(w));
        let message = crate::tr!(
            "{project} 已评为 {year} 年度优质工程{recorded}",
            "{project} already won the quality award (优质工程) of {year}{recorded}"
        );
        return Ok(Err(vec![Problem::new(Check::Acceptance, message).column("project")]));
    }
    let history = tx.acceptances(&a.project)?;
    if let Err(p) = award_allowed(&history, a) {
        return Ok(Err(vec![p]));
    }
    tx.insert_award(&AwardInsert {
        project_id: project.id,
        year: a.year,
        document: &a.document,
        date: a.date,
        memo: &a.memo,
        operator: &stamp.operator,
        recorded_at: &stamp.recorded_at,
    })?;
    Ok(Ok(Outcome::Added))
}

/// How an award is named in a refusal: its document and date.
fn recorded(w: &StoredAward) -> String {
    match w.date {
        Some(d) => pick(format!("（{}，{d}）", w.document), format!(" ({}, {d})", w.document)),
        None => pick(format!("（{}）", w.document), format!(" ({})", w.document)),
    }
}

/// The award follows a passed city acceptance, is for its year or a later one (not one still
/// to come), and is not dated before it, before its year or in the future.
fn award_allowed(history: &[StoredAcceptance], a: &NewAward) -> std::result::Result<(), Problem> {
    let problem = |column: &str, message: String| Problem::new(Check::Acceptance, message).column(column);
    let Some(city) = passed(history, Stage::City, None) else {
        let project = &a.project;
        let message = crate::tr!(
            "优质工程从通过市级验收的项目中评选；{project} 尚未通过市级验收",
            "the quality award (优质工程) is selected among projects that passed 市级验收; {project} has not passed it"
        );
        return Err(problem("project", message));
    };
    if city.award {
        let (project, date, doc) = (&a.project, city.date, &city.document);
        let message = crate::tr!(
            "{project} 已在 {date} 的市级验收中评为优质工程（{doc}）",
            "{project} already won the quality award (优质工程) with its 市级验收 on {date} ({doc})"
        );
        return Err(problem("project", message));
    }
    let today = chrono::Local::now().date_naive();
    if a.year < city.date.year() || a.year > today.year() {
        let (project, date, from, to) = (&a.project, city.date, city.date.year(), today.year());
        let message = crate::tr!(
            "{project} 于 {date} 通过市级验收：优质工程年度应为 {from} 年或之后，且不晚于 {to} 年",
            "{project} passed 市级验收 on {date}: its award is for {from} or a later year, not after {to}"
        );
        return Err(problem("year", message));
    }
    if let Some(d) = a.date {
        let message = if d < city.date {
            let city = city.date;
            crate::tr!(
                "{d} 早于项目通过市级验收的日期（{city}）",
                "{d} is before the project passed 市级验收 ({city})"
            )
        } else if d.year() < a.year {
            let year = a.year;
            crate::tr!(
                "{d} 早于 {year} 年度评选可能进行的时间",
                "{d} is before the {year} selection could be made"
            )
        } else if d > today {
            crate::tr!(
                "{d} 是将来的日期；公布后再记录优质工程",
                "{d} is in the future; record an award once it has been announced"
            )
        } else {
            return Ok(());
        };
        return Err(problem("date", message));
    }
    Ok(())
}
