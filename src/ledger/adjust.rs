//! The adjustments writer: 追加, 调减 and 上级收回 of an appropriation, each checked before it is
//! inserted. The issued amount on a date is the original amount plus the adjustments dated up
//! to it; an adjustment that would leave less issued than the appropriation's lines draw from
//! it (allocated − withdrawn − returned) on its date or any later day is refused (R3 on every
//! date), as are one dated before the appropriation was issued, in a closed year (R5) or after
//! today.
//!
//! An adjustment's identity is (appropriation, document): the same document with the same date
//! and amount is already recorded (unchanged, so a file imports twice without doubling), and
//! with another date or amount it is refused (R4: recorded rows are never edited).

use super::{Outcome, RowResult, Stamp};
use crate::db::{AdjustmentInsert, Tx};
use crate::error::{Check, Problem, Result};
use crate::model::{NewAdjustment, StoredAdjustment, StoredAppropriation};
use crate::money::Fen;
use crate::rules;
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};

pub struct AdjustmentWriter<'t, 'c> {
    tx: &'t Tx<'c>,
    stamp: &'t Stamp,
    closed: BTreeSet<i32>,
    /// No adjustment may be dated after this day (R3).
    today: NaiveDate,
    /// The adjustments this writer recorded, by (appropriation, document), with their file line.
    recorded: HashMap<(i64, String), Option<u64>>,
    /// The adjustments this writer found already recorded, likewise.
    unchanged: HashMap<(i64, String), Option<u64>>,
}

impl<'t, 'c> AdjustmentWriter<'t, 'c> {
    pub fn new(tx: &'t Tx<'c>, stamp: &'t Stamp) -> Result<Self> {
        Ok(AdjustmentWriter {
            tx,
            stamp,
            closed: tx.closed_years()?,
            today: chrono::Local::now().date_naive(),
            recorded: HashMap::new(),
            unchanged: HashMap::new(),
        })
    }

    /// Checks and records one adjustment (not from a file).
    pub fn write(&mut self, a: &NewAdjustment) -> RowResult {
        self.write_at(a, None)
    }

    /// Checks and records the adjustment given on `file_line` of the file being imported.
    pub fn write_at(&mut self, a: &NewAdjustment, file_line: Option<u64>) -> RowResult {
        let Some(appropriation) = self.tx.find_appropriation(&a.appropriation)? else {
            let problem = Problem::not_recorded("appropriation", &a.appropriation)
                .hint(crate::lang::pick("请先导入指标文件", "import the appropriations file first"));
            return Ok(Err(vec![problem.column("appropriation")]));
        };
        let key = (appropriation.id, a.document.clone());
        if let Some(first) = self.recorded.get(&key).or_else(|| self.unchanged.get(&key)) {
            return Ok(Err(vec![repeat(a, *first)]));
        }
        let recorded = self.tx.adjustments_of(appropriation.id)?;
        if let Some(old) = recorded.iter().find(|r| r.document == a.document) {
            let outcome = same_adjustment(old, a);
            if outcome.is_ok() {
                self.unchanged.insert(key, file_line);
            }
            return Ok(outcome);
        }
        let mut problems: Vec<Problem> =
            [rules::open_period(&self.closed, a.date), rules::not_in_future(a.date, self.today)]
                .into_iter()
                .filter_map(std::result::Result::err)
                .collect();
        problems.extend(after_issue(&appropriation, a.date).err());
        if problems.is_empty() && a.amount < Fen::ZERO {
            problems.extend(self.keeps_issued(&appropriation, &recorded, a)?.err());
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        self.tx.insert_adjustment(&AdjustmentInsert {
            appropriation_id: appropriation.id,
            date: a.date,
            amount: a.amount,
            document: &a.document,
            reason: &a.reason,
            operator: &self.stamp.operator,
            recorded_at: &self.stamp.recorded_at,
        })?;
        self.recorded.insert(key, file_line);
        Ok(Ok(Outcome::Added))
    }

    /// R3 on every date: after a decrease dated `a.date`, what is issued on that day and every
    /// later one still covers what the lines draw by then.
    fn keeps_issued(
        &self,
        appropriation: &StoredAppropriation,
        recorded: &[StoredAdjustment],
        a: &NewAdjustment,
    ) -> Result<std::result::Result<(), Problem>> {
        let id = appropriation.id;
        let adjusted: Fen = recorded.iter().map(|r| r.amount).sum();
        // Money reserved by items pending approval counts as drawn (R3 counts pending).
        let available = appropriation.amount + adjusted
            - self.tx.appropriation_drawn(id)?
            - self.tx.reserved_available(id)?;
        let later = self.tx.appropriation_days_after(id, a.date)?;
        let lowest = rules::lowest_ahead(available, later.iter().map(|(d, net)| (*d, -*net)));
        Ok(shortfall(appropriation, recorded, a, lowest))
    }
}

/// The refusal of a decrease that leaves the appropriation short on some day, naming the day,
/// what would be issued and drawn then, and by how much it falls short.
fn shortfall(
    appropriation: &StoredAppropriation,
    recorded: &[StoredAdjustment],
    a: &NewAdjustment,
    lowest: rules::Lowest,
) -> std::result::Result<(), Problem> {
    let left = lowest.have + a.amount;
    if left >= Fen::ZERO {
        return Ok(());
    }
    let day = lowest.on.unwrap_or(a.date);
    let issued_before = crate::model::issued_as_of(appropriation.amount, appropriation.id, recorded, day);
    let drawn = issued_before - lowest.have;
    let (amount, date, code) = (a.amount, a.date, &appropriation.code);
    let (issued, short, most) = (issued_before + a.amount, -left, lowest.have.max(Fen::ZERO));
    let message = if day == a.date {
        crate::tr!(
            "日期为 {date} 的调减 {amount} 将使指标 {code} 在 {day} 的下达额只剩 {issued}，少于届时已从中分配的 {drawn}（分配 − 收回 − 退回）：缺 {short}。请先收回分配，或最多调减 {most}（R3 每一天都成立）",
            "调减 of {amount} dated {date} on appropriation {code} would leave {issued} issued on {day}, less than the {drawn} allocated from it by then (allocated − withdrawn − returned): {short} short. Withdraw allocations first, or take back at most {most} (R3 on every date)"
        )
    } else {
        crate::tr!(
            "日期为 {date} 的调减 {amount} 将使指标 {code} 在 {day}（之后的一天）的下达额只剩 {issued}，少于届时已从中分配的 {drawn}（分配 − 收回 − 退回）：缺 {short}。请先收回分配，或最多调减 {most}（R3 每一天都成立）",
            "调减 of {amount} dated {date} on appropriation {code} would leave {issued} issued on {day} (a later day), less than the {drawn} allocated from it by then (allocated − withdrawn − returned): {short} short. Withdraw allocations first, or take back at most {most} (R3 on every date)"
        )
    };
    Err(Problem::new(Check::R3, message).column("amount"))
}

/// An adjustment cannot be dated before its appropriation was issued.
fn after_issue(a: &StoredAppropriation, date: NaiveDate) -> std::result::Result<(), Problem> {
    if date >= a.issued_on {
        return Ok(());
    }
    let (code, issued) = (&a.code, a.issued_on);
    let message = crate::tr!(
        "日期 {date} 早于指标 {code} 的下达日期 {issued}；调整只能在它所调整的下达之后",
        "dated {date}, before appropriation {code} was issued on {issued}; an adjustment follows the issue it changes"
    );
    Err(Problem::new(Check::Format, message).column("date"))
}

/// Unchanged when the recorded adjustment under the same document has the same date and
/// amount; refused (R4) otherwise.
fn same_adjustment(old: &StoredAdjustment, a: &NewAdjustment) -> std::result::Result<Outcome, Vec<Problem>> {
    if old.date == a.date && old.amount == a.amount {
        return Ok(Outcome::Unchanged);
    }
    let (doc, code) = (crate::error::echo(&a.document), &a.appropriation);
    let (old_amount, old_date, amount, date) = (old.amount, old.date, a.amount, a.date);
    let message = crate::tr!(
        "文件 {doc} 已于 {old_date} 将指标 {code} 调整 {old_amount}；本次给出的是 {date} 调整 {amount}。已记录的调整不能修改：如需更正，请以更正文件再记一笔调整",
        "document {doc} already adjusted appropriation {code} by {old_amount} on {old_date}; given {amount} on {date}. Recorded adjustments are never edited: to correct it, record another adjustment under the correcting document"
    );
    Err(vec![Problem::new(Check::R4, message).column("doc")])
}

/// The same adjustment given twice in one import.
fn repeat(a: &NewAdjustment, first: Option<u64>) -> Problem {
    let at =
        first.map_or_else(String::new, |l| crate::tr!("（第 {l} 行已给出）", " (first given on line {l})"));
    let (doc, code) = (crate::error::echo(&a.document), &a.appropriation);
    let message = crate::tr!(
        "文件 {doc} 在本次导入中第二次调整指标 {code}{at}；一个文件只调整一个指标一次",
        "document {doc} adjusts appropriation {code} a second time in this import{at}; one document adjusts an appropriation once"
    );
    Problem::new(Check::R4, message).column("doc")
}

/// An adjustment's identity is (appropriation, document), not one column: the writer finds a
/// repeat within a file itself.
impl crate::pipeline::Keyed for NewAdjustment {
    fn key(&self) -> Option<&str> {
        None
    }
}
