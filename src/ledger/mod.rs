//! The write side of the ledger: register rows and entries, each checked against the rules
//! (`rules.rs`) before it is inserted, inside one `Tx`.
//!
//! A writer takes validated rows one at a time and answers `Added`, `Unchanged` (an identical
//! row is already recorded, so importing a file twice doubles nothing) or the problems that
//! refuse it. The caller decides to commit only when no row was refused, so a batch is all or
//! nothing. Recorded rows are never edited: a row that reuses a code with different content is
//! refused (R4), naming what differs.
//!
//! `EntryWriter` keeps the balances of the lines it touches in memory and stores them once, at
//! `finish`, so a large import costs one point lookup per new line, not per entry. The schema
//! re-checks each stored line against its appropriation, so `finish` stores the lines that
//! give money back before those that take it: every intermediate state is then valid too.

use crate::catalog::Catalog;
use crate::db::WriteRecord;
use crate::error::{Check, Problem};

mod acceptance;
mod adjust;
mod allocation;
mod amend;
mod approvals;
mod batch;
mod catalog;
mod contracts;
mod create;
mod entries;
mod letters;
mod period;
mod register;

pub use crate::pipeline::{Outcome, RowResult};
pub use acceptance::{record_acceptance, record_acceptance_row, record_award};
pub use adjust::AdjustmentWriter;
pub use allocation::commit_plan;
pub use amend::AmendmentWriter;
pub use approvals::{decide, set_approval};
pub use batch::{import_file, import_input, import_upload, What};
pub use catalog::{load_builtin_catalog, load_builtin_rules, CatalogWriter, RuleWriter};
pub use contracts::{amend_contract, pay_contract, pay_plan, ContractWriter, PayPlan, PlanLine, PlanPart};
pub use create::create_ledger;
pub use entries::EntryWriter;
pub use letters::LetterWriter;
pub use period::{close_year, reopen_year};
pub use register::{AppropriationWriter, ProjectWriter, SubprojectWriter};

/// Who writes and when: recorded on every row.
#[derive(Clone, Debug)]
pub struct Stamp {
    pub operator: String,
    pub recorded_at: String,
}

impl Stamp {
    pub fn now(operator: &str) -> Stamp {
        Stamp {
            operator: operator.to_string(),
            recorded_at: chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }

    /// The journal record of a write made under this stamp (`Tx::commit`).
    pub fn record<'a>(&'a self, command: &'a str, detail: &'a str, summary: &'a str) -> WriteRecord<'a> {
        WriteRecord {
            command,
            detail,
            summary,
            reason: "",
            operator: &self.operator,
            recorded_at: &self.recorded_at,
        }
    }
}

/// Lists the fields in which a re-imported row differs from the recorded one.
pub(super) struct Differences(Vec<String>);

impl Differences {
    pub(super) fn new() -> Differences {
        Differences(Vec::new())
    }

    pub(super) fn field<T: PartialEq + std::fmt::Display>(&mut self, name: &str, recorded: T, given: T) {
        if recorded != given {
            self.0.push(crate::tr!(
                "{name}：已记录 '{recorded}'，本次给出 '{given}'",
                "{name}: recorded '{recorded}', given '{given}'"
            ));
        }
    }

    /// `Unchanged` when nothing differs, else an R4 problem naming `what`.
    pub(super) fn outcome(self, what: &str) -> std::result::Result<Outcome, Vec<Problem>> {
        self.outcome_or(what, crate::lang::pick("请改为记一笔更正", "post a correction instead"))
    }

    /// `outcome`, with `instead` saying how to record the change (`amend` for a register row).
    pub(super) fn outcome_or(self, what: &str, instead: &str) -> std::result::Result<Outcome, Vec<Problem>> {
        if self.0.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        Err(vec![Problem::new(Check::R4, {
            let differences = self.0.join(crate::lang::pick("；", "; "));
            crate::tr!(
                    "{what} 已有记录，内容不同（{differences}）；已记录的行不能修改——{instead}",
                    "{what} is already recorded with different content ({differences}); recorded rows are never edited — {instead}"
                )
        })])
    }
}

/// Resolves a county reference (code or name) to its name.
pub(super) fn county_name(catalog: &Catalog, reference: &str) -> std::result::Result<String, Problem> {
    catalog.county(reference).map(|c| c.name.clone()).ok_or_else(|| {
        Problem::new(Check::Unknown, {
            let known = catalog.county_names();
            crate::tr!(
                "'{reference}' 不是已知的县市区（已知：{known}）",
                "'{reference}' is not a known county (known: {known})"
            )
        })
        .column("county")
    })
}

/// Which lines of a recorded voucher a reversal of all of it names: each line by number when
/// it has several, else the voucher whole (`None`).
pub fn lines_to_reverse(recorded: &[crate::model::StoredEntry]) -> Vec<Option<u32>> {
    if recorded.len() > 1 {
        recorded.iter().map(|e| Some(e.line)).collect()
    } else {
        vec![None]
    }
}

/// The entries reversing `original` by `voucher`: each of `lines` (see `lines_to_reverse`) by
/// the next line of the new voucher, all dated `date` with `memo` as the reason.
pub fn reversal(
    original: &crate::model::Voucher,
    lines: &[Option<u32>],
    voucher: &crate::model::Voucher,
    date: chrono::NaiveDate,
    memo: &str,
) -> Vec<crate::model::NewEntry> {
    lines
        .iter()
        .zip(1..)
        .map(|(original_line, line)| crate::model::NewEntry {
            voucher: voucher.clone(),
            line,
            date,
            kind: crate::model::Kind::Reverse,
            appropriation: None,
            subproject: None,
            amount: None,
            reverses: Some(original.clone()),
            reverses_line: *original_line,
            memo: memo.to_string(),
            channel_ref: None,
        })
        .collect()
}

/// What `record_voucher` refused: each problem with the voucher line of the entry it is about
/// (`None` for the voucher as a whole), for the caller to name as its user sees it.
pub type VoucherProblems = Vec<(Option<u32>, Problem)>;

/// What `record_voucher` did: how many lines it recorded as entries, and how many it
/// submitted for approval (both 0 when the voucher was recorded or submitted before with the
/// same content).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    pub added: usize,
    pub pending: usize,
}

impl Recorded {
    pub fn outcome(self) -> Outcome {
        match (self.added, self.pending) {
            (_, 1..) => Outcome::Pending,
            (1.., _) => Outcome::Added,
            _ => Outcome::Unchanged,
        }
    }
}

/// Records a voucher's lines together, or nothing, journaled as `command`: what it recorded,
/// or every problem. With a `scope` (a web user's), lines outside it are refused like any broken rule.
pub fn record_voucher(
    db: &mut crate::db::Db,
    entries: &[crate::model::NewEntry],
    stamp: &Stamp,
    scope: Option<crate::model::UserScope>,
    command: &str,
) -> crate::error::Result<std::result::Result<Recorded, VoucherProblems>> {
    let Some(first) = entries.first() else { return Ok(Ok(Recorded::default())) };
    let tx = db.begin()?;
    let catalog = tx.catalog()?;
    let mut w = EntryWriter::new(&tx, &catalog, stamp)?;
    if let Some(scope) = scope {
        w = w.within(scope);
    }
    let mut problems = Vec::new();
    let mut done = Recorded::default();
    for e in entries {
        match w.write(e)? {
            Ok(Outcome::Added) => done.added += 1,
            Ok(Outcome::Pending) => done.pending += 1,
            Ok(Outcome::Unchanged) => {}
            Err(p) => problems.extend(p.into_iter().map(|p| (Some(e.line), p))),
        }
    }
    problems.extend(w.incomplete_vouchers().into_iter().map(|(_, p)| (None, p)));
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    w.finish()?;
    let summary = match (done.added, done.pending) {
        (0, 0) => String::new(),
        (0, 1) => format!("submitted {} for approval", first.kind),
        (0, n) => format!("submitted {} for approval ({n} lines)", first.kind),
        (1, _) => format!("recorded {}", first.kind),
        (n, _) => format!("recorded {} ({n} lines)", first.kind),
    };
    tx.commit(&stamp.record(command, &first.voucher, &summary))?;
    Ok(Ok(done))
}
