//! Rows as clerks give them, after every field was checked: what the writers take.

use super::{
    AppropriationCode, Kind, Level, Mode, ProjectCode, Scope, Stage, Status, SubprojectCode, Verdict, Voucher,
};
use crate::money::Fen;
use chrono::NaiveDate;

/// An integrated land-consolidation project (土地综合整治项目).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProject {
    pub code: ProjectCode,
    pub name: String,
    pub county: String,
    pub scope: Scope,
    pub towns: String,
    pub villages: String,
    pub implementing_body: String,
    pub mode: Mode,
    pub approved_on: NaiveDate,
    pub flagship: bool,
}

/// A sub-project (子项目). `type_ref` is resolved against the catalogue by the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubproject {
    pub code: SubprojectCode,
    pub project: ProjectCode,
    pub type_ref: String,
    pub status: Status,
    pub quantity: String,
    pub unit: String,
    pub investment: Fen,
    pub letter: String,
    pub standalone: Option<Fen>,
    pub standalone_doc: String,
}

/// An appropriation line (资金下达): one channel, one level, one recipient county.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAppropriation {
    pub code: AppropriationCode,
    pub doc_no: String,
    pub channel_ref: String,
    pub level: Level,
    pub county: String,
    pub issued_on: NaiveDate,
    pub amount: Fen,
}

/// An acceptance as a clerk records it. `subproject`, `department` and `bureau` are for item
/// acceptance only (the department defaults to the type's lead department; the county bureau
/// that organised it is required of a new record); `batch` and `award` for city acceptance
/// only (`award` is the older way to record the quality award; see `NewAward`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAcceptance {
    pub stage: Stage,
    pub project: Option<ProjectCode>,
    pub subproject: Option<SubprojectCode>,
    pub department: Option<String>,
    pub bureau: Option<String>,
    pub verdict: Verdict,
    pub date: NaiveDate,
    pub document: String,
    pub batch: String,
    pub award: bool,
    pub memo: String,
}

/// The city's quality award (优质工程) as a clerk records it: the yearly selection it won, its
/// document, and the day it was announced when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAward {
    pub project: ProjectCode,
    pub year: i32,
    pub document: String,
    pub date: Option<NaiveDate>,
    pub memo: String,
}

impl NewAward {
    /// The selection's year: four digits.
    pub fn parse_year(v: &str) -> Result<i32, String> {
        match v.trim().parse::<i32>() {
            Ok(y) if (1900..=9999).contains(&y) => Ok(y),
            _ => Err(format!("'{}' is not a year (e.g. 2025)", crate::error::echo(v.trim()))),
        }
    }
}

/// One row of an acceptances file: an acceptance, or a quality award (stage `award`/优质工程).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AcceptanceRecord {
    Stage(NewAcceptance),
    Award(NewAward),
}

/// One ledger entry as written by a clerk. For `reverse`, `reverses` names the original and
/// the appropriation, sub-project and amount may be left empty (they are the original's).
/// One ledger entry — one line of a voucher — as written by a clerk. For `reverse`,
/// `reverses` (and `reverses_line` when the original voucher has several lines) names the
/// original, and the appropriation, sub-project and amount may be left empty (they are the
/// original's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntry {
    pub voucher: Voucher,
    /// The voucher's line (分录号), from 1.
    pub line: u32,
    pub date: NaiveDate,
    pub kind: Kind,
    pub appropriation: Option<AppropriationCode>,
    pub subproject: Option<SubprojectCode>,
    pub amount: Option<Fen>,
    pub reverses: Option<Voucher>,
    pub reverses_line: Option<u32>,
    pub memo: String,
    /// Optional channel the clerk expects the appropriation to carry (R1 cross-check).
    pub channel_ref: Option<String>,
}
