//! R5's period events: closing a year that has ended, and reopening a closed one with a
//! reason. Both are recorded facts (appended, chained, journaled), never edits.

use super::Stamp;
use crate::db::{Db, WriteRecord};
use crate::error::{Check, Error, Problem, Result};
use crate::model::PeriodAction;

/// Closes `year`: it must have ended and not be closed already.
pub fn close_year(db: &mut Db, year: i32, stamp: &Stamp) -> Result<()> {
    let tx = db.begin()?;
    let this_year = chrono::Datelike::year(&chrono::Local::now().date_naive());
    if year >= this_year {
        let message = crate::tr!(
            "{year} 年度尚未结束；年度在最后一天之后才能结账",
            "{year} has not ended yet; a year is closed after its last day"
        );
        return Err(Error::rejected(Problem::new(Check::R5, message).column("--year")));
    }
    if tx.closed_years()?.contains(&year) {
        return Err(Error::rejected(Problem::new(
            Check::R5,
            crate::tr!("{year} 年度已经结账", "{year} is already closed"),
        )));
    }
    tx.period_event(year, PeriodAction::Close, "", &stamp.operator, &stamp.recorded_at)?;
    let detail = year.to_string();
    tx.commit(&WriteRecord {
        command: "close",
        detail: &detail,
        summary: &format!("closed {year}"),
        operator: &stamp.operator,
        recorded_at: &stamp.recorded_at,
        ..WriteRecord::default()
    })
}

/// Reopens a closed `year`, recording why (`reason` is already checked text).
pub fn reopen_year(db: &mut Db, year: i32, reason: &str, stamp: &Stamp) -> Result<()> {
    let tx = db.begin()?;
    if !tx.closed_years()?.contains(&year) {
        let message = crate::tr!(
            "{year} 年度未结账，无需重新开账",
            "{year} is not closed, so there is nothing to reopen"
        );
        return Err(Error::rejected(Problem::new(Check::R5, message).column("--year")));
    }
    tx.period_event(year, PeriodAction::Reopen, reason, &stamp.operator, &stamp.recorded_at)?;
    let detail = year.to_string();
    tx.commit(&WriteRecord {
        command: "reopen",
        detail: &detail,
        summary: &format!("reopened {year}"),
        reason,
        operator: &stamp.operator,
        recorded_at: &stamp.recorded_at,
    })
}
