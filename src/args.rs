//! Parsers shared by the commands' arguments, so an option means the same and fails the same
//! way in every command: a malformed `--year` or date is a usage error (exit 2) wherever it is
//! given; an unknown county or project is refused with the known ones named (exit 1).

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::model;
use chrono::NaiveDate;

/// `--year`: a four-digit year within `model::YEARS`.
pub fn year(v: &str) -> std::result::Result<i32, String> {
    v.trim().parse::<i32>().ok().filter(|y| model::YEARS.contains(y)).ok_or_else(|| {
        format!(
            "'{}' is not a year between {} and {}",
            crate::error::echo(v),
            model::YEARS.start(),
            model::YEARS.end()
        )
    })
}

/// A date option (`--date`, `--since`, `--from`, `--to`): `YYYY-MM-DD` or the forms clerks
/// type (`2024/3/15`, `2024年3月15日`).
pub fn date(v: &str) -> std::result::Result<NaiveDate, String> {
    model::parse_date(v)
}

/// `--line`: a voucher's line number (分录号).
pub fn voucher_line(v: &str) -> std::result::Result<u32, String> {
    model::parse_voucher_line(v)
}

/// A `--county` value (code or name) as the county's name; unknown names are refused with
/// the list of known ones.
pub fn resolve_county(catalog: &Catalog, county: Option<&str>) -> Result<Option<String>> {
    let Some(v) = county else { return Ok(None) };
    match catalog.county(v) {
        Some(c) => Ok(Some(c.name.clone())),
        None => {
            let message = format!("'{v}' is not a known county (known: {})", catalog.county_names());
            Err(Error::BadRequest(vec![Problem::new(Check::Unknown, message).column("--county")]))
        }
    }
}

/// Refuses a `--project` that is not recorded.
pub fn require_project(db: &Db, project: &str) -> Result<()> {
    if db.projects()?.iter().any(|p| p.row.code == project) {
        return Ok(());
    }
    Err(Error::BadRequest(vec![Problem::not_recorded("project", project).column("--project")]))
}
