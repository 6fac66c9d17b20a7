//! A project's confirmation letters (集成部门项目确认书, policy Annex 2) as data: for each
//! letter, its addressee (the county's 领导小组), the issuing department, number and date, and
//! the sub-projects it names in three groups: ongoing (在建), planned (拟同步建设) and
//! excluded (不开展建设), each with its type, quantity and unit.

use crate::catalog::Catalog;
use crate::db::{Db, StoredLetter};
use crate::error::Result;
use crate::model::{Status, StoredSubproject};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// The letter's title in the policy.
pub const TITLE: &str = "土地综合整治项目集成部门项目确认书";

/// A project's letters, by date and number.
#[derive(Clone, Debug, Serialize)]
pub struct Letters {
    pub project: String,
    pub project_name: String,
    pub county: String,
    pub letters: Vec<Letter>,
}

/// One letter in the Annex-2 layout.
#[derive(Clone, Debug, Serialize)]
pub struct Letter {
    pub title: &'static str,
    /// 〈county〉土地综合整治领导小组.
    pub addressee: String,
    pub letter: String,
    pub department_code: String,
    pub department: String,
    #[serde(serialize_with = "super::ser::date")]
    pub issued_on: NaiveDate,
    /// 在建子项目.
    pub ongoing: Vec<Item>,
    /// 拟同步建设子项目.
    pub planned: Vec<Item>,
    /// 不开展建设子项目.
    pub excluded: Vec<Item>,
}

/// A sub-project a letter names.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub subproject: String,
    pub type_code: String,
    pub type_name: String,
    pub quantity: String,
    pub unit: String,
}

/// The letters of `project` (a recorded project), only those of `department` (a catalogue
/// code) when given.
pub fn letters(db: &Db, catalog: &Catalog, project: &str, department: Option<&str>) -> Result<Letters> {
    let p = db.project(project)?;
    let (project_name, county) = p.map(|p| (p.row.name, p.row.county)).unwrap_or_default();
    // A letter names only sub-projects of its own project (SQLite holds that too).
    let subs: HashMap<String, StoredSubproject> =
        db.subprojects_of_project(project)?.into_iter().map(|s| (s.code.to_string(), s)).collect();
    let letters = db
        .letters(Some(project))?
        .into_iter()
        .filter(|l| department.is_none_or(|d| l.department == d))
        .map(|l| letter(catalog, &county, &subs, l))
        .collect();
    Ok(Letters { project: project.to_string(), project_name, county, letters })
}

fn letter(
    catalog: &Catalog,
    county: &str,
    subs: &HashMap<String, StoredSubproject>,
    l: StoredLetter,
) -> Letter {
    let mut out = Letter {
        title: TITLE,
        addressee: format!("{county}土地综合整治领导小组"),
        department: catalog.department(&l.department).map_or(l.department.clone(), |d| d.name.clone()),
        department_code: l.department,
        letter: l.code,
        issued_on: l.issued_on,
        ongoing: Vec::new(),
        planned: Vec::new(),
        excluded: Vec::new(),
    };
    for line in l.lines {
        let s = subs.get(&line.subproject);
        let type_code = s.map(|s| s.type_code.clone()).unwrap_or_default();
        let item = Item {
            type_name: catalog.subproject_type(&type_code).map_or(type_code.clone(), |t| t.name.clone()),
            type_code,
            quantity: s.map(|s| s.quantity.clone()).unwrap_or_default(),
            unit: s.map(|s| s.unit.clone()).unwrap_or_default(),
            subproject: line.subproject,
        };
        match line.status {
            Status::Ongoing => out.ongoing.push(item),
            Status::Planned => out.planned.push(item),
            Status::Excluded => out.excluded.push(item),
        }
    }
    for group in [&mut out.ongoing, &mut out.planned, &mut out.excluded] {
        group.sort_by(|a, b| a.subproject.cmp(&b.subproject));
    }
    out
}
