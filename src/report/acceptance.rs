//! Acceptance progress per project (policy 四（四）): how many non-excluded sub-projects
//! passed their item acceptance, when the overall, county and city acceptances passed, and
//! the quality award (优质工程) the project won, whether recorded by `accept award` or, as
//! before it existed, with the city acceptance (`accept city --award`: that year, that
//! document).

use crate::catalog::Catalog;
use crate::model::{Stage, Status, Verdict};
use crate::model::{StoredAcceptance, StoredAward, StoredProject, StoredSubproject};
use chrono::{Datelike, NaiveDate};
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
    /// The quality award it won.
    pub award: Option<Award>,
}

/// A quality award (优质工程) as progress shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Award {
    pub year: i32,
    pub document: String,
    #[serde(serialize_with = "super::ser::opt_date")]
    pub date: Option<NaiveDate>,
}

impl Award {
    /// From when the award counts: the end of its year (a year's review counts the award of
    /// that year's selection, often announced in the next), or its date when earlier.
    fn counts_from(&self) -> NaiveDate {
        let year_end =
            NaiveDate::from_ymd_opt(self.year, 12, 31).expect("a recorded year is between 1900 and 9999");
        self.date.map_or(year_end, |d| d.min(year_end))
    }
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
/// failed. An award counts from the end of its year (or its date, when earlier).
pub fn progress(
    projects: &[StoredProject],
    subprojects: &[StoredSubproject],
    acceptances: &[StoredAcceptance],
    awards: &[StoredAward],
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
    // Each project's first passed acceptance of each stage, its first award and its
    // sub-projects, looked up by code: the city has thousands of projects.
    let mut first_passed: HashMap<(&str, Stage), &StoredAcceptance> = HashMap::new();
    for a in by_then.iter().filter(|a| a.verdict == Verdict::Passed) {
        first_passed.entry((a.project.as_str(), a.stage)).or_insert(a);
    }
    let mut first_award: HashMap<&str, &StoredAward> = HashMap::new();
    for w in awards {
        first_award.entry(w.project.as_str()).or_insert(w);
    }
    let mut required: HashMap<&str, Vec<&StoredSubproject>> = HashMap::new();
    for s in subprojects.iter().filter(|s| s.status != Status::Excluded) {
        required.entry(s.project_code.as_ref()).or_default().push(s);
    }
    let mut out: Vec<Progress> = projects
        .iter()
        .map(|p| {
            let code: &str = p.row.code.as_ref();
            let passed = |stage: Stage| first_passed.get(&(code, stage)).copied();
            let city = passed(Stage::City);
            let award = match city.filter(|c| c.award) {
                Some(c) => {
                    Some(Award { year: c.date.year(), document: c.document.clone(), date: Some(c.date) })
                }
                None => first_award
                    .get(code)
                    .map(|w| Award { year: w.year, document: w.document.clone(), date: w.date })
                    .filter(|w| as_of.is_none_or(|d| w.counts_from() <= d)),
            };
            let mut g = Progress {
                project: p.row.code.to_string(),
                county: p.row.county.clone(),
                overall: passed(Stage::Overall).map(|a| a.date),
                county_passed: passed(Stage::County).map(|a| a.date),
                city: city.map(|a| (a.date, a.batch.clone(), award.is_some())),
                award,
                ..Progress::default()
            };
            for s in required.get(code).map(Vec::as_slice).unwrap_or_default() {
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
    /// The award's selection year and document.
    pub award_year: Option<i32>,
    pub award_document: Option<String>,
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
            award: p.award.is_some(),
            award_year: p.award.as_ref().map(|w| w.year),
            award_document: p.award.as_ref().map(|w| w.document.clone()),
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
    /// The county bureau that organised an item acceptance (none on older records).
    pub bureau: Option<String>,
    #[serde(rename = "result", serialize_with = "verdict_code")]
    pub verdict: Verdict,
    #[serde(serialize_with = "super::ser::date")]
    pub date: NaiveDate,
    pub document: String,
    pub batch: String,
    pub award: bool,
    pub memo: String,
}

/// `acceptance --project P`: every acceptance recorded for the project, and the quality
/// award it won.
#[derive(Clone, Debug, Serialize)]
pub struct Records {
    pub project: String,
    pub acceptances: Vec<Record>,
    pub award: Option<AwardRecord>,
}

/// The quality award of `acceptance --project P`.
#[derive(Clone, Debug, Serialize)]
pub struct AwardRecord {
    #[serde(flatten)]
    pub award: Award,
    pub memo: String,
}

pub fn records(
    catalog: &Catalog,
    project: &str,
    stored: &[StoredAcceptance],
    awards: &[StoredAward],
) -> Records {
    let acceptances = stored
        .iter()
        .map(|a| Record {
            stage: a.stage,
            subproject: a.subproject.clone(),
            department: a
                .department
                .as_deref()
                .map(|d| catalog.department(d).map_or(d.to_string(), |d| d.name.clone())),
            bureau: a.bureau.clone(),
            verdict: a.verdict,
            date: a.date,
            document: a.document.clone(),
            batch: a.batch.clone(),
            award: a.award,
            memo: a.memo.clone(),
        })
        .collect();
    let award = match stored.iter().find(|a| a.stage == Stage::City && a.award) {
        Some(c) => Some(AwardRecord {
            award: Award { year: c.date.year(), document: c.document.clone(), date: Some(c.date) },
            memo: c.memo.clone(),
        }),
        None => awards.iter().find(|w| w.project == project).map(|w| AwardRecord {
            award: Award { year: w.year, document: w.document.clone(), date: w.date },
            memo: w.memo.clone(),
        }),
    };
    Records { project: project.to_string(), acceptances, award }
}
