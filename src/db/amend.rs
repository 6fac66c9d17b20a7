//! Register amendments (migration 11): reading them, inserting one (linked into the audit
//! chain), the versions of sub-projects in force on a date, and what an exclusion must not
//! leave behind (money on the sub-project).

use super::*;
use crate::model::{StoredAmendment, Subject};
use std::collections::{HashMap, HashSet};

const AMENDMENT_SELECT: &str = "SELECT m.id, m.subject, coalesce(s.code, p.code, '?'), m.field, m.value,
    m.effective, m.document, m.reason, m.operator, m.recorded_at
    FROM amendments m LEFT JOIN subprojects s ON s.id = m.subproject_id
    LEFT JOIN projects p ON p.id = m.project_id";

fn amendment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAmendment> {
    let subject: String = r.get(1)?;
    let effective: String = r.get(5)?;
    Ok(StoredAmendment {
        id: r.get(0)?,
        subject: stored_enum(&subject, Subject::parse)?,
        code: r.get(2)?,
        field: r.get(3)?,
        value: r.get(4)?,
        effective: stored_date(&effective)?,
        document: r.get(6)?,
        reason: r.get(7)?,
        operator: r.get(8)?,
        recorded_at: r.get(9)?,
    })
}

fn amendments_where(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredAmendment>> {
    let sql = format!("{AMENDMENT_SELECT} {filter} ORDER BY m.effective, m.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, amendment_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The status changes of each sub-project, (effective, status) in effective and recording
/// order.
fn status_changes(conn: &Connection) -> Result<HashMap<i64, Vec<(NaiveDate, Status)>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT subproject_id, effective, value FROM amendments WHERE field = 'status' ORDER BY effective, id",
    )?;
    let mut rows = stmt.query([])?;
    let mut changes: HashMap<i64, Vec<(NaiveDate, Status)>> = HashMap::new();
    while let Some(r) = rows.next()? {
        let (date, status): (String, String) = (r.get(1)?, r.get(2)?);
        let entry = changes.entry(r.get(0)?).or_default();
        entry.push((stored_date(&date)?, stored_enum(&status, Status::parse)?));
    }
    Ok(changes)
}

/// An amendment resolved to its sub-project's or project's id, to insert.
pub struct AmendmentInsert<'a> {
    pub subject: Subject,
    pub id: i64,
    pub field: &'a str,
    pub value: &'a str,
    pub effective: NaiveDate,
    pub document: &'a str,
    pub reason: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

/// Money still on a sub-project's line: allocated and not disbursed, or disbursed and not yet
/// paid or returned.
pub struct HeldMoney {
    pub appropriation: String,
    pub undisbursed: Fen,
    pub held: Fen,
}

/// An entry dated on or after a day, as an exclusion's refusal names it.
pub struct MovedMoney {
    pub voucher: String,
    pub line: u32,
    pub kind: String,
    pub appropriation: String,
    pub amount: Fen,
    pub date: NaiveDate,
}

impl Db {
    /// Every amendment, in effective date and recording order.
    pub fn amendments(&self) -> Result<Vec<StoredAmendment>> {
        amendments_where(&self.conn, "", [])
    }

    /// The amendments of one sub-project or project, in effective date and recording order.
    pub fn amendments_of(&self, subject: Subject, code: &str) -> Result<Vec<StoredAmendment>> {
        let filter = match subject {
            Subject::Subproject => "WHERE m.subject = 'subproject' AND s.code = ?1",
            Subject::Project => "WHERE m.subject = 'project' AND p.code = ?1",
        };
        amendments_where(&self.conn, filter, [code])
    }

    /// The status changes of every sub-project (for `verify`'s replay of R2).
    pub fn status_changes(&self) -> Result<HashMap<i64, Vec<(NaiveDate, Status)>>> {
        status_changes(&self.conn)
    }

    /// Every sub-project as in force on `date`, in code order.
    pub fn subprojects_as_of(&self, date: NaiveDate) -> Result<Vec<StoredSubproject>> {
        self.subprojects_as_of_in(date, None)
    }

    /// `subprojects_as_of`, of one county only (all when `None`).
    pub fn subprojects_as_of_in(
        &self,
        date: NaiveDate,
        county: Option<&str>,
    ) -> Result<Vec<StoredSubproject>> {
        self.in_force(self.subprojects_in(county)?, date)
    }

    /// The sub-projects of one project as in force on `date`, in code order.
    pub fn subprojects_of_project_as_of(
        &self,
        project: &str,
        date: NaiveDate,
    ) -> Result<Vec<StoredSubproject>> {
        self.in_force(self.subprojects_of_project(project)?, date)
    }

    /// The sub-projects as the amendments in force on `date` make them. Only those an
    /// amendment names are looked at again (most are as registered).
    fn in_force(
        &self,
        mut subprojects: Vec<StoredSubproject>,
        date: NaiveDate,
    ) -> Result<Vec<StoredSubproject>> {
        let amendments = self.amendments()?;
        let named: HashSet<(Subject, &str)> =
            amendments.iter().map(|a| (a.subject, a.code.as_str())).collect();
        for s in &mut subprojects {
            if named.contains(&(Subject::Subproject, s.code.as_str()))
                || named.contains(&(Subject::Project, s.project_code.as_str()))
            {
                *s = crate::model::subproject_as_of(s, &amendments, date);
            }
        }
        Ok(subprojects)
    }

    /// Every project as in force on `date`, in code order.
    pub fn projects_as_of(&self, date: NaiveDate) -> Result<Vec<StoredProject>> {
        let amendments = self.amendments()?;
        let named: HashSet<&str> =
            amendments.iter().filter(|a| a.subject == Subject::Project).map(|a| a.code.as_str()).collect();
        let mut projects = self.projects()?;
        for p in &mut projects {
            if named.contains(p.row.code.as_str()) {
                *p = crate::model::project_as_of(p, &amendments, date);
            }
        }
        Ok(projects)
    }
}

impl Tx<'_> {
    /// The status changes of every sub-project (for the entries writer's R2).
    pub fn status_changes(&self) -> Result<HashMap<i64, Vec<(NaiveDate, Status)>>> {
        status_changes(&self.tx)
    }

    /// Every amendment, in effective date and recording order.
    pub fn amendments(&self) -> Result<Vec<StoredAmendment>> {
        amendments_where(&self.tx, "", [])
    }

    /// The status changes of one sub-project, in effective date and recording order.
    pub fn status_changes_of(&self, subproject_id: i64) -> Result<Vec<(NaiveDate, Status)>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT effective, value FROM amendments WHERE subproject_id = ?1 AND field = 'status' ORDER BY effective, id",
        )?;
        let mut rows = stmt.query([subproject_id])?;
        let mut changes = Vec::new();
        while let Some(r) = rows.next()? {
            let (date, status): (String, String) = (r.get(0)?, r.get(1)?);
            changes.push((stored_date(&date)?, stored_enum(&status, Status::parse)?));
        }
        Ok(changes)
    }

    /// A sub-project's status in force on `date`: its latest status amendment effective by
    /// then, else the register's.
    pub fn status_as_of(&self, s: &StoredSubproject, date: NaiveDate) -> Result<Status> {
        let changes = self.status_changes_of(s.id)?;
        Ok(changes.into_iter().rfind(|(d, _)| *d <= date).map_or(s.status, |(_, st)| st))
    }

    /// The money still on each of a sub-project's lines, by appropriation code.
    pub fn money_on_subproject(&self, subproject_id: i64) -> Result<Vec<HeldMoney>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT a.code, l.allocated_fen - l.withdrawn_fen - l.disbursed_fen, l.disbursed_fen - l.returned_fen - l.paid_fen
             FROM line_balances l JOIN appropriations a ON a.id = l.appropriation_id
             WHERE l.subproject_id = ?1 AND (l.allocated_fen - l.withdrawn_fen - l.disbursed_fen <> 0
                   OR l.disbursed_fen - l.returned_fen - l.paid_fen <> 0)
             ORDER BY a.code",
        )?;
        let rows = stmt.query_map([subproject_id], |r| {
            Ok(HeldMoney {
                appropriation: r.get(0)?,
                undisbursed: r.get::<_, Fen>(1)?,
                held: r.get::<_, Fen>(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The entries of a sub-project dated on or after `date`, in date order (at most `limit`).
    pub fn entries_of_subproject_since(
        &self,
        subproject_id: i64,
        date: NaiveDate,
        limit: usize,
    ) -> Result<Vec<MovedMoney>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT e.voucher, e.line, e.kind, a.code, e.amount_fen, e.date
             FROM entries e JOIN appropriations a ON a.id = e.appropriation_id
             WHERE e.subproject_id = ?1 AND e.date >= ?2 ORDER BY e.date, e.id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![subproject_id, date_text(date), limit as i64], |r| {
            let day: String = r.get(5)?;
            Ok(MovedMoney {
                voucher: r.get(0)?,
                line: r.get(1)?,
                kind: r.get(2)?,
                appropriation: r.get(3)?,
                amount: r.get::<_, Fen>(4)?,
                date: stored_date(&day)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Inserts an amendment and links it into the audit chain.
    pub fn insert_amendment(&self, a: &AmendmentInsert<'_>) -> Result<i64> {
        let (project_id, subproject_id) = match a.subject {
            Subject::Project => (Some(a.id), None),
            Subject::Subproject => (None, Some(a.id)),
        };
        self.tx.execute(
            "INSERT INTO amendments (subject, project_id, subproject_id, field, value, effective, document, reason, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                a.subject.code(),
                project_id,
                subproject_id,
                a.field,
                a.value,
                date_text(a.effective),
                a.document,
                a.reason,
                a.operator,
                a.recorded_at
            ],
        )?;
        self.link_last("amendments")
    }
}
