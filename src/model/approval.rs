//! Four-eyes approval (maker-checker): which movements wait for a second person, and the
//! items waiting.

use super::{AppropriationCode, Decision, Kind, SubprojectCode, Voucher};
use crate::money::Fen;
use chrono::NaiveDate;

/// Which entry kinds need a second person's approval (the latest `approval` setting).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApprovalSetting {
    pub kinds: Vec<Kind>,
    /// Only lines of more than this amount need approval; `None`: every line of the kinds.
    pub above: Option<Fen>,
}

impl ApprovalSetting {
    /// Whether a new line of `kind` moving `amount` waits for approval.
    pub fn needs(&self, kind: Kind, amount: Fen) -> bool {
        kind != Kind::Reverse && self.kinds.contains(&kind) && self.above.is_none_or(|above| amount > above)
    }

    /// The kinds as stored: comma-separated codes.
    pub fn kinds_code(&self) -> String {
        self.kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
    }
}

/// One line of a pending voucher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingLine {
    pub line: u32,
    pub date: NaiveDate,
    pub kind: Kind,
    pub appropriation_id: i64,
    pub appropriation: AppropriationCode,
    pub subproject_id: i64,
    pub subproject: SubprojectCode,
    pub amount: Fen,
    pub memo: String,
}

/// A voucher submitted for approval, with its lines and, once decided, the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingItem {
    pub id: i64,
    pub voucher: Voucher,
    pub maker: String,
    pub submitted_at: String,
    pub lines: Vec<PendingLine>,
    pub decided: Option<Decided>,
}

/// What was decided on an item, by whom and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    pub decision: Decision,
    pub reason: String,
    pub checker: String,
    pub decided_at: String,
}

impl PendingItem {
    pub fn is_open(&self) -> bool {
        self.decided.is_none()
    }

    /// The day it was submitted (the date part of `submitted_at`).
    pub fn submitted_on(&self) -> Option<NaiveDate> {
        self.submitted_at.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }

    pub fn total(&self) -> Fen {
        self.lines.iter().map(|l| l.amount).sum()
    }
}

/// The pool a pending line reserves its amount on (as stored in `reservations.pool`).
pub fn reserved_pool(kind: Kind) -> &'static str {
    match kind {
        Kind::Allocate => "available",
        Kind::Disburse | Kind::Withdraw => "undisbursed",
        Kind::Pay | Kind::Return | Kind::Reverse => "held",
    }
}
