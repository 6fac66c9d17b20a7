//! Confirmation letters (migration 10): reading a project's letters, and recording one letter
//! and its lines, each row linked into the audit chain.

use super::*;

/// A confirmation letter as recorded, with the sub-projects it names in recording order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLetter {
    pub code: String,
    pub project: String,
    /// The issuing department's catalogue code.
    pub department: String,
    pub issued_on: NaiveDate,
    pub lines: Vec<StoredLetterLine>,
}

/// One sub-project a letter names, and the status it confirms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLetterLine {
    pub subproject: String,
    pub status: Status,
}

/// A resolved letter to insert (its project and department checked by the writer).
pub struct LetterInsert<'a> {
    pub code: &'a str,
    pub project_id: i64,
    pub department: &'a str,
    pub issued_on: NaiveDate,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

/// The letters (of one project, or with one code), by date and code, each with its lines.
fn letters(conn: &Connection, project: Option<&str>, code: Option<&str>) -> Result<Vec<StoredLetter>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.code, p.code, l.department, l.issued_on
         FROM letters l JOIN projects p ON p.id = l.project_id
         WHERE (?1 IS NULL OR p.code = ?1) AND (?2 IS NULL OR l.code = ?2)
         ORDER BY l.issued_on, l.code",
    )?;
    let heads = stmt.query_map(params![project, code], |r| {
        let date: String = r.get(4)?;
        Ok((
            r.get::<_, i64>(0)?,
            StoredLetter {
                code: r.get(1)?,
                project: r.get(2)?,
                department: r.get(3)?,
                issued_on: stored_date(&date)?,
                lines: Vec::new(),
            },
        ))
    })?;
    let heads: Vec<(i64, StoredLetter)> = heads.collect::<rusqlite::Result<_>>()?;
    let mut line_stmt = conn.prepare_cached(
        "SELECT s.code, x.status FROM letter_lines x JOIN subprojects s ON s.id = x.subproject_id
         WHERE x.letter_id = ?1 ORDER BY x.id",
    )?;
    let mut out = Vec::with_capacity(heads.len());
    for (id, mut letter) in heads {
        let lines = line_stmt.query_map([id], |r| {
            let status: String = r.get(1)?;
            Ok(StoredLetterLine { subproject: r.get(0)?, status: stored_enum(&status, Status::parse)? })
        })?;
        letter.lines = lines.collect::<rusqlite::Result<_>>()?;
        out.push(letter);
    }
    Ok(out)
}

impl Db {
    /// Every confirmation letter (of one project, if given), by date and code.
    pub fn letters(&self, project: Option<&str>) -> Result<Vec<StoredLetter>> {
        letters(&self.conn, project, None)
    }
}

impl Tx<'_> {
    /// The letter recorded under `code`, if any.
    pub fn find_letter(&self, code: &str) -> Result<Option<StoredLetter>> {
        Ok(letters(&self.tx, None, Some(code))?.pop())
    }

    /// Records a letter's head; returns its id.
    pub fn insert_letter(&self, l: &LetterInsert<'_>) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO letters (code, project_id, department, issued_on, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![l.code, l.project_id, l.department, date_text(l.issued_on), l.operator, l.recorded_at],
        )?;
        self.link_last("letters")
    }

    /// The id of the letter recorded under `code`, if any.
    pub fn letter_id(&self, code: &str) -> Result<Option<i64>> {
        Ok(self.tx.query_row("SELECT id FROM letters WHERE code = ?1", [code], |r| r.get(0)).optional()?)
    }

    /// Records one sub-project a letter names.
    pub fn insert_letter_line(&self, letter_id: i64, subproject_id: i64, status: Status) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO letter_lines (letter_id, subproject_id, status) VALUES (?1, ?2, ?3)",
            params![letter_id, subproject_id, status.code()],
        )?;
        self.link_last("letter_lines")
    }
}
