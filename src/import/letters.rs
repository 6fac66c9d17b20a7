//! Confirmation letters (`import letters`, 集成部门项目确认书, policy Annex 2): one row per
//! (letter, sub-project). This module checks each cell's shape; that a letter's rows agree,
//! that its sub-projects belong to its project and that its department leads their types are
//! the ledger's rules, checked by `ledger::letters`.

use super::*;
use crate::error::{Check, Problem};
use crate::model::{self, ProjectCode, Status, SubprojectCode};

pub const LETTER_COLUMNS: &[Column] = &[
    col("letter", &["确认书编号", "确认书"], true),
    col("project", &["项目编号"], true),
    col("department", &["出具部门", "部门"], true),
    col("issued_on", &["出具日期", "日期"], true),
    col("subproject", &["子项目编号"], true),
    col("status", &["状态", "建设状态"], true),
];

/// One row of a letter: which sub-project it names and with what status, and the letter's
/// own fields (repeated on each of its rows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterLine {
    pub letter: String,
    pub project: ProjectCode,
    /// A catalogue department, by code or name, as the clerk wrote it.
    pub department: String,
    pub issued_on: chrono::NaiveDate,
    pub subproject: SubprojectCode,
    pub status: Status,
}

pub fn parse_letter(row: &Row<'_>) -> std::result::Result<LetterLine, Vec<Problem>> {
    let mut f = Fields::new(row, LETTER_COLUMNS);
    let letter = f.parse("letter", Check::Format, |v| {
        model::parse_text_up_to(v, "letter", true, model::MAX_NAME_CHARS)
    });
    let project = f.code_as("project", ProjectCode::parse_as);
    let department = f.name("department", model::MAX_NAME_CHARS);
    let issued_on = f.date("issued_on");
    let subproject = f.code_as("subproject", SubprojectCode::parse_as);
    let status = f.parse("status", Check::Format, Status::parse);
    let value = (|| {
        Some(LetterLine {
            letter: letter?,
            project: project?,
            department: department?,
            issued_on: issued_on?,
            subproject: subproject?,
            status: status?,
        })
    })();
    f.finish(value)
}
