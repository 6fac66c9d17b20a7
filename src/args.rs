//! Parsers shared by the commands' arguments, so an option means the same and fails the same
//! way in every command: a malformed `--year` or date option of a report is a usage error
//! (exit 2) wherever it is given; an unknown county, department, channel or project is refused
//! with the known ones named (exit 1). The options of a write (`post`, `reverse`, `accept`)
//! are a row given on the command line: they are parsed like a file's row, every bad one
//! listed at once and exit 1, as an import reports its rows.

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::model;
use chrono::NaiveDate;

/// `--year`: a four-digit year within `model::YEARS`.
pub fn year(v: &str) -> std::result::Result<i32, String> {
    v.trim().parse::<i32>().ok().filter(|y| model::YEARS.contains(y)).ok_or_else(|| {
        let (v, from, to) = (crate::error::echo(v), model::YEARS.start(), model::YEARS.end());
        crate::tr!("'{v}' 不是 {from} 至 {to} 之间的年份", "'{v}' is not a year between {from} and {to}")
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
            let known = catalog.county_names();
            let message = crate::tr!(
                "'{v}' 不是已知的县市区（已知：{known}）",
                "'{v}' is not a known county (known: {known})"
            );
            Err(Error::BadRequest(vec![Problem::new(Check::Unknown, message).column("--county")]))
        }
    }
}

/// A `--department` value (code or name) as the department's code; unknown ones are refused
/// with the list of known ones.
pub fn resolve_department(catalog: &Catalog, department: Option<&str>) -> Result<Option<String>> {
    let Some(v) = department else { return Ok(None) };
    match catalog.department(v) {
        Some(d) => Ok(Some(d.code.clone())),
        None => {
            let known: Vec<String> =
                catalog.departments.iter().map(|d| format!("{} ({})", d.name, d.code)).collect();
            let known = known.join(", ");
            let message = crate::tr!(
                "'{v}' 不是已知的部门（已知：{known}）",
                "'{v}' is not a known department (known: {known})"
            );
            Err(Error::BadRequest(vec![Problem::new(Check::Unknown, message).column("--department")]))
        }
    }
}

/// A `--channel` value (code or name) as the channel's code; unknown ones are refused with the
/// list of known ones.
pub fn resolve_channel(catalog: &Catalog, channel: Option<&str>) -> Result<Option<String>> {
    let Some(v) = channel else { return Ok(None) };
    match catalog.channel(v) {
        Some(c) => Ok(Some(c.code.clone())),
        None => {
            let known: Vec<&str> = catalog.channels.iter().map(|c| c.name.as_str()).collect();
            let known = known.join(", ");
            let message = crate::tr!(
                "'{v}' 不是已知的补助资金类别（已知：{known}）",
                "'{v}' is not a known fund channel (known: {known})"
            );
            Err(Error::BadRequest(vec![Problem::new(Check::Unknown, message).column("--channel")]))
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
