//! What the ledger holds, as read back: ids are SQLite's, references spelled as codes.

use super::{
    AppropriationCode, Kind, Level, LineBalance, LineId, Mode, NewProject, ProjectCode, Stage, Status,
    SubprojectCode, Verdict, Voucher, VoucherLine,
};
use crate::money::Fen;
use chrono::NaiveDate;

/// A project as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredProject {
    pub id: i64,
    pub row: NewProject,
}

/// A sub-project as recorded, with what the ledger needs of its project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSubproject {
    pub id: i64,
    pub code: SubprojectCode,
    pub project_code: ProjectCode,
    pub county: String,
    pub mode: Mode,
    pub type_code: String,
    pub status: Status,
    pub quantity: String,
    pub unit: String,
    pub investment: Fen,
    pub letter: String,
    pub standalone: Option<Fen>,
    pub standalone_doc: String,
    /// Standalone subsidies approved per channel by amendment (channel code → amount and
    /// document); each wins over the rule on its channel only.
    pub standalone_by_channel: std::collections::BTreeMap<String, (Fen, String)>,
}

/// An appropriation line as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAppropriation {
    pub id: i64,
    pub code: AppropriationCode,
    pub doc_no: String,
    pub channel: String,
    pub level: Level,
    pub county: String,
    pub issued_on: NaiveDate,
    pub amount: Fen,
}

/// An entry as recorded, with its references spelled as codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: i64,
    pub voucher: Voucher,
    pub line: u32,
    pub date: NaiveDate,
    pub kind: Kind,
    pub appropriation_id: i64,
    pub appropriation: AppropriationCode,
    pub subproject_id: i64,
    pub subproject: SubprojectCode,
    pub amount: Fen,
    /// For a reversal: the original's id, kind and voucher line.
    pub reverses: Option<(i64, Kind, VoucherLine)>,
    /// For a reversal: the original's line, amount and
    /// date, which a reversal must mirror (`verify` checks it over stored rows).
    pub original: Option<(LineId, Fen, NaiveDate)>,
    pub memo: String,
    /// The day the entry was recorded (no entry is dated after it).
    pub recorded_on: Option<NaiveDate>,
}

impl StoredEntry {
    /// The voucher line the entry is.
    pub fn key(&self) -> VoucherLine {
        VoucherLine { voucher: self.voucher.clone(), line: self.line }
    }

    /// The line the entry moves money on.
    pub fn line(&self) -> LineId {
        LineId { appropriation: self.appropriation_id, subproject: self.subproject_id }
    }
}

/// One maintained balance line with the names reports need.
#[derive(Clone, Debug)]
pub struct BalanceLine {
    pub project: String,
    pub county: String,
    pub subproject: String,
    pub type_code: String,
    pub channel: String,
    pub appropriation: String,
    pub balance: LineBalance,
}

impl BalanceLine {
    /// The order balance lines are given in: project, sub-project, channel and appropriation
    /// codes, compared byte by byte as SQLite's BINARY collation compares them.
    pub fn order_key(&self) -> (&str, &str, &str, &str) {
        (&self.project, &self.subproject, &self.channel, &self.appropriation)
    }
}

/// An acceptance as recorded, references as codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAcceptance {
    pub id: i64,
    pub stage: Stage,
    pub project: String,
    pub subproject: Option<String>,
    pub department: Option<String>,
    /// The county bureau that organised an item acceptance (`None` on records made before
    /// fundledger asked for it).
    pub bureau: Option<String>,
    pub verdict: Verdict,
    pub date: NaiveDate,
    pub document: String,
    pub batch: String,
    pub award: bool,
    pub memo: String,
}

/// A quality award (优质工程) as recorded by `accept award`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAward {
    pub project: String,
    pub year: i32,
    pub document: String,
    pub date: Option<NaiveDate>,
    pub memo: String,
}

/// One record of the implementing body's own books: a payment it made (`reconcile
/// --payments`) or money it received (`--receipts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The voucher number, when the body's sheet carries one (the column may be absent or
    /// the cell empty).
    pub voucher: Option<String>,
    pub date: NaiveDate,
    pub subproject: String,
    pub amount: Fen,
    /// The line of the file it came from.
    pub line: u64,
}

/// A `pay` (or, for receipts, a `disburse`) voucher of the ledger as far as it concerns one
/// sub-project: the voucher's lines for that sub-project summed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerPay {
    pub voucher: String,
    pub date: NaiveDate,
    pub subproject: String,
    pub amount: Fen,
    /// The voucher's lines summed into this row.
    pub lines: Vec<u32>,
    /// The voucher of the reversal that cancelled these lines, if any.
    pub reversed_by: Option<String>,
}

/// One row of the write journal.
#[derive(Clone, Debug)]
pub struct StoredWrite {
    pub id: i64,
    pub command: String,
    pub detail: String,
    pub summary: String,
    pub reason: String,
    pub first_link: i64,
    pub last_link: i64,
    pub operator: String,
    pub recorded_at: String,
}

/// What a report was computed from (`Db::fingerprint`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub entries: i64,
    /// The first 16 hex digits of the audit chain's head.
    pub hash: String,
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} entries, chain head {}", self.entries, self.hash)
    }
}
