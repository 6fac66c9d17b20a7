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
            let s = sub
                .as_ref()
                .ok_or_else(|| refused("subproject", "an item acceptance names its sub-project"))?;
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
            return refuse(Check::Format, "subproject", "an item acceptance names its sub-project".into())
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
        return Err(Stop::Refused(Problem::not_recorded("project", &project_code).column("project")));
    };
    if a.date < project.row.approved_on {
        let message = format!("{} is before the project was approved ({})", a.date, project.row.approved_on);
        return refuse(Check::Format, "date", message);
    }
    if a.stage != Stage::Item && (a.subproject.is_some() || a.department.is_some() || a.bureau.is_some()) {
        let message = format!(
            "{} is of the whole project: leave the sub-project, department and bureau empty",
            a.stage.zh()
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
        let message = format!("{} is in the future; record an acceptance once it has happened", a.date);
        return refuse(Check::Format, "date", message);
    }
    let subject = a.subproject.as_deref();
    let latest = history
        .iter()
        .filter(|h| h.stage == a.stage && h.subproject.as_deref() == subject)
        .map(|h| h.date)
        .max();
    if let Some(latest) = latest.filter(|latest| a.date < *latest) {
        let message = format!("{} is before the {} already recorded for {latest}", a.date, a.stage.zh());
        return refuse(Check::Acceptance, "date", message);
    }
    if let Some(h) = passed(history, a.stage, sub.map(|s| s.code.as_str())) {
        let what = sub.map_or(project.row.code.to_string(), |s| s.code.to_string());
        let message = format!("{what} already passed {} on {} ({})", a.stage.zh(), h.date, h.document);
        return refuse(Check::Acceptance, if sub.is_some() { "subproject" } else { "project" }, message);
    }
    if a.stage != Stage::City && (!a.batch.is_empty() || a.award) {
        return refuse(
            Check::Format,
            "batch",
            "a batch and the quality award belong to city acceptance".into(),
        );
    }
    Ok(())
}

/// An item acceptance: the sub-project is not excluded and the department is its type's lead
/// or co-lead. Returns the department's code.
fn item_department(catalog: &Catalog, s: &StoredSubproject, a: &NewAcceptance) -> Step<String> {
    if s.status == Status::Excluded {
        return refuse(
            Check::R2,
            "subproject",
            format!("{} is excluded (不开展): it is not accepted", s.code),
        );
    }
    let t = catalog.subproject_type(&s.type_code);
    let lead = t.map(|t| t.department.clone()).unwrap_or_default();
    let co_lead = t.and_then(|t| t.co_lead.clone());
    let chosen = match &a.department {
        None => lead.clone(),
        Some(d) => match catalog.department(d) {
            Some(dep) => dep.code.clone(),
            None => return refuse(Check::Unknown, "department", format!("'{d}' is not a known department")),
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
    Ok(chosen)
}

/// 单项验收 is organised by a county-level department of the sub-project's own county: the
/// bureau is given, and its name starts with the county's (海宁市…, 南湖区…).
fn county_bureau(catalog: &Catalog, s: &StoredSubproject, bureau: Option<&str>) -> Step<()> {
    let lead = catalog.subproject_type(&s.type_code).and_then(|t| catalog.department(&t.department));
    let example =
        lead.map_or(String::new(), |d| format!(", e.g. {}{}", s.county, d.name.trim_start_matches('市')));
    match bureau {
        None => refuse(
            Check::Format,
            "bureau",
            format!("单项验收 is organised by a county bureau (县级主管部门) of {}: name it{example}", s.county),
        ),
        Some(b) if !b.starts_with(s.county.as_str()) => refuse(
            Check::Acceptance,
            "bureau",
            format!(
                "'{}' is not a bureau of {}: {}'s 单项验收 is organised by a county-level department of {}{example}",
                crate::error::echo(b),
                s.county,
                s.code,
                s.county
            ),
        ),
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
        let message = format!("project {project} has no non-excluded sub-project to accept");
        return refuse(Check::Acceptance, "project", message);
    }
    let missing: Vec<String> = required
        .iter()
        .filter_map(|s| match passed(history, Stage::Item, Some(&s.code)) {
            Some(h) if h.date <= a.date => None,
            Some(h) => Some(format!("{} (passed only on {})", s.code, h.date)),
            None => Some(s.code.to_string()),
        })
        .collect();
    if !missing.is_empty() {
        let message = format!(
            "整体验收 needs every non-excluded sub-project to pass 单项验收 first; not yet passed: {}",
            missing.join(", ")
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
            let message = format!("{} is dated before {} passed ({})", a.stage.zh(), before.zh(), h.date);
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
        return refuse(Check::Format, "award", "only a passed project can win the quality award".into());
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
        let message =
            format!("{} already won the quality award (优质工程) of {}{}", a.project, w.year, recorded(w));
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
        Some(d) => format!(" ({}, {d})", w.document),
        None => format!(" ({})", w.document),
    }
}

/// The award follows a passed city acceptance, is for its year or a later one (not one still
/// to come), and is not dated before it, before its year or in the future.
fn award_allowed(history: &[StoredAcceptance], a: &NewAward) -> std::result::Result<(), Problem> {
    let problem = |column: &str, message: String| Problem::new(Check::Acceptance, message).column(column);
    let Some(city) = passed(history, Stage::City, None) else {
        let message = format!(
            "the quality award (优质工程) is selected among projects that passed 市级验收; {} has not passed it",
            a.project
        );
        return Err(problem("project", message));
    };
    if city.award {
        let message = format!(
            "{} already won the quality award (优质工程) with its 市级验收 on {} ({})",
            a.project, city.date, city.document
        );
        return Err(problem("project", message));
    }
    let today = chrono::Local::now().date_naive();
    if a.year < city.date.year() || a.year > today.year() {
        let message = format!(
            "{} passed 市级验收 on {}: its award is for {} or a later year, not after {}",
            a.project,
            city.date,
            city.date.year(),
            today.year()
        );
        return Err(problem("year", message));
    }
    if let Some(d) = a.date {
        let message = if d < city.date {
            format!("{d} is before the project passed 市级验收 ({})", city.date)
        } else if d.year() < a.year {
            format!("{d} is before the {} selection could be made", a.year)
        } else if d > today {
            format!("{d} is in the future; record an award once it has been announced")
        } else {
            return Ok(());
        };
        return Err(problem("date", message));
    }
    Ok(())
}
