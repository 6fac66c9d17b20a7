//! Recording confirmation letters (集成部门项目确认书, policy Annex 2). A letter is given as
//! one row per sub-project it names; its rows agree on project, department and date. Every
//! sub-project belongs to the letter's project and is of a type the issuing department leads
//! or co-leads (the catalogue). A letter is never edited: given again, it must say exactly
//! what was recorded (then nothing is written), else it is refused (R4).
//!
//! A sub-project's status follows its latest letter or amendment: a new letter that gives a
//! sub-project another status than the one in force on the letter's date records that change
//! as a status amendment effective that day (document: the letter's number), through the
//! amendments writer, so the same rules hold — a sub-project still holding money is not
//! excluded, and nothing is amended in a closed year.

use super::{AmendmentWriter, Outcome, RowResult, Stamp};
use crate::catalog::Catalog;
use crate::db::{LetterInsert, StoredLetter, Tx};
use crate::error::{Check, Problem, Result};
use crate::import::LetterLine;
use crate::model::{Field, NewAmendment, Subject};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};

/// What a letter says of itself, as first given in this file.
struct Head {
    line: u64,
    project: String,
    project_id: i64,
    department: String,
    issued_on: NaiveDate,
    /// The letter as already recorded, when it is given again.
    recorded: Option<StoredLetter>,
    /// Its id once its head is written (new letters only).
    id: Option<i64>,
    /// The sub-projects this file's rows name.
    named: BTreeSet<String>,
}

/// Records the rows of one file of letters, inside one `Tx`.
pub struct LetterWriter<'a> {
    pub tx: &'a Tx<'a>,
    pub catalog: &'a Catalog,
    pub stamp: &'a Stamp,
    heads: HashMap<String, Head>,
}

fn refuse(check: Check, column: &str, message: String) -> RowResult {
    Ok(Err(vec![Problem::new(check, message).column(column)]))
}

impl<'a> LetterWriter<'a> {
    pub fn new(tx: &'a Tx<'a>, catalog: &'a Catalog, stamp: &'a Stamp) -> LetterWriter<'a> {
        LetterWriter { tx, catalog, stamp, heads: HashMap::new() }
    }

    /// Checks and records one row given on `line` of the file.
    pub fn write_at(&mut self, l: &LetterLine, line: u64) -> RowResult {
        let Some(department) = self.catalog.department(&l.department) else {
            let d = &l.department;
            let message = crate::tr!("'{d}' 不是目录中的部门", "'{d}' is not a department of the catalogue");
            return refuse(Check::Unknown, "department", message);
        };
        let department = department.code.clone();
        if !self.heads.contains_key(&l.letter) {
            match self.head(l, &department, line)? {
                Ok(head) => self.heads.insert(l.letter.clone(), head),
                Err(p) => return Ok(Err(p)),
            };
        }
        let head = self.heads.get_mut(&l.letter).expect("inserted above when first seen");
        if let Some(refused) = disagreement(head, l, &department) {
            return Ok(Err(vec![refused]));
        }
        let Some(sub) = self.tx.find_subproject(&l.subproject)? else {
            return refuse(Check::Unknown, "subproject", {
                let code = &l.subproject;
                crate::tr!("子项目 {code} 未登记", "sub-project {code} is not recorded")
            });
        };
        if sub.project_code.as_str() != head.project {
            let (code, own, letter_project) = (&sub.code, &sub.project_code, &head.project);
            let message = crate::tr!(
                "{code} 是项目 {own} 的子项目，不是 {letter_project} 的：确认书只列本项目的子项目",
                "{code} is a sub-project of {own}, not of {letter_project}: a letter names only its own project's sub-projects"
            );
            return refuse(Check::Letter, "subproject", message);
        }
        let t = self.catalog.subproject_type(&sub.type_code);
        let leads =
            t.is_some_and(|t| t.department == department || t.co_lead.as_deref() == Some(&department));
        if !leads {
            let name = |c: &str| self.catalog.department(c).map_or(c.to_string(), |d| d.name.clone());
            let (code, type_name) = (&sub.code, t.map_or(sub.type_code.as_str(), |t| t.name.as_str()));
            let lead = t.map_or(String::new(), |t| name(&t.department));
            let or = t.and_then(|t| t.co_lead.as_deref()).map_or(String::new(), |c| {
                let c = name(c);
                crate::tr!("或{c}", " or {c}")
            });
            let given = name(&department);
            let message = crate::tr!(
                "{code}（{type_name}）由{lead}{or}牵头，不是{given}：部门只确认自己牵头或配合的类型",
                "{code} ({type_name}) is led by {lead}{or}, not {given}: a department confirms only the types it leads or co-leads"
            );
            return refuse(Check::Letter, "department", message);
        }
        if !head.named.insert(sub.code.to_string()) {
            let (letter, code) = (&l.letter, &sub.code);
            let message = crate::tr!("确认书 {letter} 两次列出 {code}", "letter {letter} names {code} twice");
            return refuse(Check::R4, "subproject", message);
        }
        if let Some(recorded) = &head.recorded {
            return Ok(match recorded.lines.iter().find(|x| x.subproject == sub.code.as_str()) {
                Some(x) if x.status == l.status => Ok(Outcome::Unchanged),
                Some(x) => Err(vec![edited(&l.letter, {
                    let (code, was, now) = (&sub.code, x.status.zh(), l.status.zh());
                    crate::tr!("{code} 为{was}，不是{now}", "{code} as {was}, not {now}")
                })
                .column("status")]),
                None => {
                    let code = &sub.code;
                    Err(vec![edited(&l.letter, crate::tr!("不含 {code}", "no {code}")).column("subproject")])
                }
            });
        }
        let id = match head.id {
            Some(id) => id,
            None => {
                let id = self.tx.insert_letter(&LetterInsert {
                    code: &l.letter,
                    project_id: head.project_id,
                    department: &department,
                    issued_on: head.issued_on,
                    operator: &self.stamp.operator,
                    recorded_at: &self.stamp.recorded_at,
                })?;
                head.id = Some(id);
                id
            }
        };
        self.tx.insert_letter_line(id, sub.id, l.status)?;
        self.follow_status(l, &sub)
    }

    /// Records the letter's status for `sub` as an amendment when it differs from the one in
    /// force on the letter's date.
    fn follow_status(&self, l: &LetterLine, sub: &crate::model::StoredSubproject) -> RowResult {
        let in_force = self.tx.status_as_of(sub, l.issued_on)?;
        if in_force == l.status {
            return Ok(Ok(Outcome::Added));
        }
        let amendment = NewAmendment {
            subject: Subject::Subproject,
            code: sub.code.to_string(),
            field: Field::Status,
            value: l.status.code().to_string(),
            effective: l.issued_on,
            document: l.letter.clone(),
            reason: format!("确认书 {}: {} → {}", l.letter, in_force.zh(), l.status.zh()),
        };
        let mut w = AmendmentWriter::new(self.tx, self.catalog, self.stamp)?;
        Ok(match w.write_at(&amendment, None)? {
            Ok(_) => Ok(Outcome::Added),
            Err(problems) => Err(problems
                .into_iter()
                .map(|p| {
                    let (code, status, why) = (&sub.code, l.status.zh(), &p.message);
                    let message = crate::tr!(
                        "确认书将 {code} 改为{status}，但{why}",
                        "the letter changes {code} to {status}, but {why}"
                    );
                    Problem { message, ..p }.column("status")
                })
                .collect()),
        })
    }

    /// A letter first given on `line`: its project, and what is recorded under its number.
    fn head(
        &self,
        l: &LetterLine,
        department: &str,
        line: u64,
    ) -> Result<std::result::Result<Head, Vec<Problem>>> {
        let Some(project) = self.tx.find_project(&l.project)? else {
            let code = &l.project;
            let message = crate::tr!("项目 {code} 未登记", "project {code} is not recorded");
            return Ok(Err(vec![Problem::new(Check::Unknown, message).column("project")]));
        };
        let recorded = self.tx.find_letter(&l.letter)?;
        if let Some(r) = &recorded {
            if r.project != l.project.as_str() || r.department != department || r.issued_on != l.issued_on {
                let (project, department, date) = (&r.project, &r.department, r.issued_on);
                let said = crate::tr!(
                    "项目 {project}、部门 {department}、日期 {date}",
                    "project {project}, department {department}, dated {date}"
                );
                return Ok(Err(vec![edited(&l.letter, said).column("letter")]));
            }
        }
        Ok(Ok(Head {
            line,
            project: l.project.to_string(),
            project_id: project.id,
            department: department.to_string(),
            issued_on: l.issued_on,
            recorded,
            id: None,
            named: BTreeSet::new(),
        }))
    }

    /// The letters recorded before this file that it gives with fewer sub-projects than they
    /// name, each at the line that first gave it.
    pub fn incomplete_letters(&self) -> Vec<(u64, Problem)> {
        let mut problems: Vec<(u64, Problem)> = self
            .heads
            .iter()
            .filter_map(|(code, h)| {
                let recorded = h.recorded.as_ref()?;
                let missing: Vec<&str> = recorded
                    .lines
                    .iter()
                    .map(|x| x.subproject.as_str())
                    .filter(|s| !h.named.contains(*s))
                    .collect();
                (!missing.is_empty()).then(|| {
                    let missing = missing.join(", ");
                    (
                        h.line,
                        edited(code, crate::tr!("还有 {missing}", "also {missing}")).column("subproject"),
                    )
                })
            })
            .collect();
        problems.sort_by_key(|(line, _)| *line);
        problems
    }
}

/// A row that disagrees with its letter's first row, naming the column.
fn disagreement(head: &Head, l: &LetterLine, department: &str) -> Option<Problem> {
    let (column, given, first) = if l.project.as_str() != head.project {
        ("project", l.project.to_string(), head.project.clone())
    } else if department != head.department {
        ("department", department.to_string(), head.department.clone())
    } else if l.issued_on != head.issued_on {
        ("issued_on", l.issued_on.to_string(), head.issued_on.to_string())
    } else {
        return None;
    };
    let (letter, line) = (&l.letter, head.line);
    let message = crate::tr!(
        "确认书 {letter} 第 {line} 行为 {first}，此处为 {given}：同一确认书各行的项目、部门和日期必须一致",
        "letter {letter} says {first} on line {line}, here {given}: a letter's rows agree on project, department and date"
    );
    Some(Problem::new(Check::Letter, message).column(column))
}

/// Refuses a letter number given again with other content.
fn edited(letter: &str, recorded: String) -> Problem {
    Problem::new(
        Check::R4,
        crate::tr!(
            "确认书 {letter} 已记录为{recorded}；确认书不能修改：请以新的编号记录新确认书",
            "letter {letter} is already recorded with {recorded}; letters are never edited: record the new letter under its own number"
        ),
    )
}
