//! Acceptance progress per project (policy 四（四）): how many non-excluded sub-projects
//! passed their item acceptance, and when the overall, county and city acceptances passed.

use crate::catalog::Catalog;
use crate::model::{Stage, Status, Verdict};
use crate::model::{StoredAcceptance, StoredProject, StoredSubproject};
use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use std::collections::HashMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub project: String,
    pub county: String,
    /// Non-excluded sub-projects, each needing an item acceptance.
    pub items_required: usize,
    pub items_passed: usize,
    pub items_failed: usize,
    pub overall: Option<NaiveDate>,
    pub county_passed: Option<NaiveDate>,
    /// Date and batch of the city acceptance, and whether it won the quality award.
    pub city: Option<(NaiveDate, String, bool)>,
}

impl Progress {
    /// The furthest stage passed, as of `day` (inclusive).
    pub fn stage_as_of(&self, day: NaiveDate) -> Option<Stage> {
        if self.city.as_ref().is_some_and(|c| c.0 <= day) {
            Some(Stage::City)
        } else if self.county_passed.is_some_and(|d| d <= day) {
            Some(Stage::County)
        } else if self.overall.is_some_and(|d| d <= day) {
            Some(Stage::Overall)
        } else {
            None
        }
    }
}

/// Progress of every project, in project code order. Items count what passed on or before
/// `as_of` (all, when `None`); a sub-project that failed and has not passed since counts as
/// failed.
pub fn progress(
    projects: &[StoredProject],
    subprojects: &[StoredSubproject],
    acceptances: &[StoredAcceptance],
    as_of: Option<NaiveDate>,
) -> Vec<Progress> {
    let by_then: Vec<&StoredAcceptance> =
        acceptances.iter().filter(|a| as_of.is_none_or(|d| a.date <= d)).collect();
    let mut item: HashMap<&str, Verdict> = HashMap::new();
    for a in by_then.iter().filter(|a| a.stage == Stage::Item) {
        if let Some(s) = &a.subproject {
            let v = item.entry(s.as_str()).or_insert(a.verdict);
            if a.verdict == Verdict::Passed {
                *v = Verdict::Passed;
            }
        }
    }
    let mut out: Vec<Progress> = projects
        .iter()
        .map(|p| {
            let passed = |stage: Stage| {
                by_then
                    .iter()
                    .find(|a| a.project == p.row.code && a.stage == stage && a.verdict == Verdict::Passed)
            };
            let mut g = Progress {
                project: p.row.code.to_string(),
                county: p.row.county.clone(),
                overall: passed(Stage::Overall).map(|a| a.date),
                county_passed: passed(Stage::County).map(|a| a.date),
                city: passed(Stage::City).map(|a| (a.date, a.batch.clone(), a.award)),
                ..Progress::default()
            };
            for s in
                subprojects.iter().filter(|s| s.project_code == p.row.code && s.status != Status::Excluded)
            {
                g.items_required += 1;
                match item.get(s.code.as_str()) {
                    Some(Verdict::Passed) => g.items_passed += 1,
                    Some(Verdict::Failed) => g.items_failed += 1,
                    None => {}
                }
            }
            g
        })
        .collect();
    out.sort_by(|a, b| a.project.cmp(&b.project));
    out
}

/// One project's line of the `acceptance` listing.
#[derive(Clone, Debug, Serialize)]
pub struct ProgressRow {
    pub project: String,
    pub county: String,
    pub items_required: usize,
    pub items_passed: usize,
    pub items_failed: usize,
    #[serde(serialize_with = "super::ser::opt_date")]
    pub overall: Option<NaiveDate>,
    #[serde(serialize_with = "super::ser::opt_date")]
    pub county_acceptance: Option<NaiveDate>,
    #[serde(serialize_with = "super::ser::opt_date")]
    pub city_acceptance: Option<NaiveDate>,
    pub batch: Option<String>,
    /// Won the city's quality award (优质工程).
    pub award: bool,
}

/// `acceptance`: the progress of every project (of one county, or all).
#[derive(Clone, Debug, Serialize)]
pub struct ProgressList {
    pub projects: Vec<ProgressRow>,
}

pub fn progress_list(progress: &[Progress], county: Option<&str>) -> ProgressList {
    let projects = progress
        .iter()
        .filter(|p| county.is_none_or(|c| c == p.county))
        .map(|p| ProgressRow {
            project: p.project.clone(),
            county: p.county.clone(),
            items_required: p.items_required,
            items_passed: p.items_passed,
            items_failed: p.items_failed,
            overall: p.overall,
            county_acceptance: p.county_passed,
            city_acceptance: p.city.as_ref().map(|c| c.0),
            batch: p.city.as_ref().map(|c| c.1.clone()),
            award: p.city.as_ref().is_some_and(|c| c.2),
        })
        .collect();
    ProgressList { projects }
}

fn stage_code<S: Serializer>(v: &Stage, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.code())
}

fn verdict_code<S: Serializer>(v: &Verdict, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.code())
}

/// One recorded acceptance of a project.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    #[serde(serialize_with = "stage_code")]
    pub stage: Stage,
    pub subproject: Option<String>,
    /// The accepting department's name.
    pub department: Option<String>,
    #[serde(rename = "result", serialize_with = "verdict_code")]
    pub verdict: Verdict,
    #[serde(serialize_with = "super::ser::date")]
    pub date: NaiveDate,
    pub document: String,
    pub batch: String,
    pub award: bool,
    pub memo: String,
}

/// `acceptance --project P`: every acceptance recorded for the project.
#[derive(Clone, Debug, Serialize)]
pub struct Records {
    pub project: String,
    pub acceptances: Vec<Record>,
}

pub fn records(catalog: &Catalog, project: &str, stored: &[StoredAcceptance]) -> Records {
    let acceptances = stored
        .iter()
        .map(|a| Record {
            stage: a.stage,
            subproject: a.subproject.clone(),
            department: a
                .department
                .as_deref()
                .map(|d| catalog.department(d).map_or(d.to_string(), |d| d.name.clone())),
            verdict: a.verdict,
            date: a.date,
            document: a.document.clone(),
            batch: a.batch.clone(),
            award: a.award,
            memo: a.memo.clone(),
        })
        .collect();
    Records { project: project.to_string(), acceptances }
}
