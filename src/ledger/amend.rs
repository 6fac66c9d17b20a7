//! The amendments writer: a sub-project's or project's field changed from an effective date
//! under a document (DOMAIN.md §4), each checked before it is inserted. Refused: an amendment
//! effective after today or in a closed year (R5); a standalone approval on a channel that
//! does not pay the sub-project's type (R2); an exclusion (不开展) of a sub-project that still
//! holds money or on which money moved on or after the effective date (R2: an excluded
//! sub-project receives nothing — the refusal names the money); a mode that would make a
//! non-excluded sub-project of the project inadmissible (R7, naming it).
//!
//! An amendment's identity is (subject, code, field, document): the same again with the same
//! value and effective date is already recorded (unchanged, so a file imports twice without
//! doubling); with another value or date it is refused (R4).

use super::{Outcome, RowResult, Stamp};
use crate::catalog::Catalog;
use crate::db::{AmendmentInsert, Tx};
use crate::error::{echo, Check, Problem, Result};
use crate::model::{Field, Mode, NewAmendment, Status, StoredAmendment, Subject};
use crate::rules;
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};

/// How many entries an exclusion's refusal lists.
const MAX_NAMED_ENTRIES: usize = 5;

/// The (subject, code, field, document) that identifies an amendment.
type Key = (Subject, String, String, String);

pub struct AmendmentWriter<'t, 'c> {
    tx: &'t Tx<'c>,
    catalog: &'t Catalog,
    stamp: &'t Stamp,
    closed: BTreeSet<i32>,
    /// No amendment may be effective after this day.
    today: NaiveDate,
    /// The amendments this writer recorded or found unchanged, with their file line.
    seen: HashMap<Key, Option<u64>>,
}

/// What an amendment changes, resolved: its id and (for a sub-project) its type and status
/// changes, with the field's canonical code.
struct Target {
    id: i64,
    field: String,
}

impl<'t, 'c> AmendmentWriter<'t, 'c> {
    pub fn new(tx: &'t Tx<'c>, catalog: &'t Catalog, stamp: &'t Stamp) -> Result<Self> {
        Ok(AmendmentWriter {
            tx,
            catalog,
            stamp,
            closed: tx.closed_years()?,
            today: chrono::Local::now().date_naive(),
            seen: HashMap::new(),
        })
    }

    /// Checks and records one amendment given on `file_line` of a file (or `None`).
    pub fn write_at(&mut self, a: &NewAmendment, file_line: Option<u64>) -> RowResult {
        let target = match self.resolve(a)? {
            Ok(t) => t,
            Err(p) => return Ok(Err(vec![p])),
        };
        let key = (a.subject, a.code.clone(), target.field.clone(), a.document.clone());
        if let Some(first) = self.seen.get(&key) {
            return Ok(Err(vec![repeat(a, &target.field, *first)]));
        }
        let recorded = self.tx.amendments()?;
        let same = |r: &&StoredAmendment| {
            r.subject == a.subject && r.code == a.code && r.field == target.field && r.document == a.document
        };
        if let Some(old) = recorded.iter().find(same) {
            let outcome = same_amendment(old, a);
            if outcome.is_ok() {
                self.seen.insert(key, file_line);
            }
            return Ok(outcome);
        }
        let mut problems = self.dated(a.effective);
        if problems.is_empty() {
            problems.extend(self.keeps_money(a, &target, &recorded)?);
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        self.tx.insert_amendment(&AmendmentInsert {
            subject: a.subject,
            id: target.id,
            field: &target.field,
            value: &a.value,
            effective: a.effective,
            document: &a.document,
            reason: &a.reason,
            operator: &self.stamp.operator,
            recorded_at: &self.stamp.recorded_at,
        })?;
        self.seen.insert(key, file_line);
        Ok(Ok(Outcome::Added))
    }

    /// The sub-project or project the amendment names, and its field with a standalone
    /// channel resolved to the channel's code (R2: the channel must pay the type).
    fn resolve(&self, a: &NewAmendment) -> Result<std::result::Result<Target, Problem>> {
        if a.field.subject() != a.subject {
            let (field, owner, given) = (a.field.code(), a.field.subject(), a.subject);
            let (owner_zh, given_zh) = (owner.zh(), given.zh());
            let message = crate::tr!(
                "{field} 是{owner_zh}的字段，不是{given_zh}的（见 `fundledger amend {owner} --help`）",
                "{field} is a field of a {owner}, not of a {given} (see `fundledger amend {owner} --help`)"
            );
            return Ok(Err(Problem::new(Check::Format, message).column("field")));
        }
        if a.subject == Subject::Project {
            return Ok(match self.tx.find_project(&a.code)? {
                Some(p) => Ok(Target { id: p.id, field: a.field.code() }),
                None => Err(Problem::not_recorded("project", &a.code)
                    .hint(crate::lang::pick("请先导入项目文件", "import the projects file first"))
                    .column("code")),
            });
        }
        let Some(s) = self.tx.find_subproject(&a.code)? else {
            let p = Problem::not_recorded("sub-project", &a.code)
                .hint(crate::lang::pick("请先导入子项目文件", "import the sub-projects file first"));
            return Ok(Err(p.column("code")));
        };
        let Field::Standalone(reference) = &a.field else {
            return Ok(Ok(Target { id: s.id, field: a.field.code() }));
        };
        let Some(channel) = self.catalog.channel(reference) else {
            let reference = echo(reference);
            let message = crate::tr!(
                "'{reference}' 不是目录中的补助资金类别（见 `fundledger catalog channels`）",
                "'{reference}' is not a channel of the catalogue (see `fundledger catalog channels`)"
            );
            return Ok(Err(Problem::new(Check::Unknown, message).column("field")));
        };
        let pays = self.catalog.channels_for_type(&s.type_code);
        if !pays.iter().any(|c| c.code == channel.code) {
            let names: Vec<&str> = pays.iter().map(|c| c.name.as_str()).collect();
            let (name, code, type_code) = (&channel.name, &s.code, &s.type_code);
            let by = if names.is_empty() {
                crate::lang::pick("无", "no channel").to_string()
            } else {
                names.join(", ")
            };
            let message = crate::tr!(
                "资金类别 {name} 不用于{type_code}类子项目 {code}，因此不能在该类别上核定单独补助；该类型由以下资金类别支付：{by}",
                "channel {name} does not pay sub-project {code} of type {type_code}, so no standalone subsidy is approved on it; its type is paid by: {by}"
            );
            return Ok(Err(Problem::new(Check::R2, message).column("field")));
        }
        Ok(Ok(Target { id: s.id, field: Field::Standalone(channel.code.clone()).code() }))
    }

    /// No amendment effective after today or in a closed year.
    fn dated(&self, effective: NaiveDate) -> Vec<Problem> {
        let mut problems = Vec::new();
        if rules::not_in_future(effective, self.today).is_err() {
            let today = self.today;
            let message = crate::tr!(
                "生效日期 {effective} 晚于今天（{today}）；变更在其文件生效后才记录",
                "effective {effective}, after today ({today}); an amendment is recorded once its document takes effect"
            );
            problems.push(Problem::new(Check::R3, message).column("effective"));
        }
        if rules::open_period(&self.closed, effective).is_err() {
            let year = effective.format("%Y");
            let message = crate::tr!(
                "{year} 年度已结账；不接受生效日期为 {effective} 的变更（请定在未结账的年度）",
                "{year} is closed; no amendment effective {effective} is accepted (date it in an open year)"
            );
            problems.push(Problem::new(Check::R5, message).column("effective"));
        }
        problems
    }

    /// The rules recorded money must still keep after the amendment: an exclusion leaves no
    /// money on the sub-project (R2), a mode admits every non-excluded sub-project (R7).
    fn keeps_money(
        &self,
        a: &NewAmendment,
        target: &Target,
        recorded: &[StoredAmendment],
    ) -> Result<Vec<Problem>> {
        match a.field {
            Field::Status if a.value == Status::Excluded.code() => self.nothing_held(a, target.id),
            Field::Mode => self.mode_admits_all(a, recorded),
            _ => Ok(Vec::new()),
        }
    }

    /// R2: excluding a sub-project is refused while it holds money, or when money moved on it
    /// on or after the effective date; the refusal names the money.
    fn nothing_held(&self, a: &NewAmendment, subproject_id: i64) -> Result<Vec<Problem>> {
        let mut named = Vec::new();
        for m in self.tx.money_on_subproject(subproject_id)? {
            let (code, undisbursed, held) = (&m.appropriation, m.undisbursed, m.held);
            named.push(crate::tr!(
                "指标 {code}：已分配未拨付 {undisbursed}，已拨付未支付 {held}",
                "appropriation {code}: {undisbursed} allocated and not disbursed, {held} disbursed and not paid"
            ));
        }
        for e in self.tx.entries_of_subproject_since(subproject_id, a.effective, MAX_NAMED_ENTRIES)? {
            let (kind, amount, code, appropriation, date, voucher, line) =
                (&e.kind, e.amount, &a.code, &e.appropriation, e.date, &e.voucher, e.line);
            let kind_zh = crate::model::Kind::parse(kind).map_or(kind.as_str(), |k| k.zh());
            named.push(crate::tr!(
                "{date} 在指标 {appropriation} 上对 {code} {kind_zh} {amount}（凭证 {voucher} 第 {line} 条分录）",
                "{kind} {amount} of {code} on appropriation {appropriation} dated {date} (voucher {voucher} line {line})"
            ));
        }
        if named.is_empty() {
            return Ok(Vec::new());
        }
        let (code, effective, named) = (&a.code, a.effective, named.join(crate::lang::pick("；", "; ")));
        let message = crate::tr!(
            "子项目 {code} 不能自 {effective} 起改为不开展：不开展的子项目不得安排资金，而它上面记有资金——{named}。请先收回或退回这些资金；不开展只能在该子项目最后一笔资金变动之后生效",
            "sub-project {code} cannot be excluded (不开展) from {effective}: an excluded sub-project receives nothing, and money is recorded on it — {named}. Withdraw (收回) or return (退回) the money first; an exclusion takes effect only after the last movement of money on the sub-project"
        );
        Ok(vec![Problem::new(Check::R2, message).column("value")])
    }

    /// R7: the new mode must admit every sub-project of the project not excluded on the
    /// effective date.
    fn mode_admits_all(&self, a: &NewAmendment, recorded: &[StoredAmendment]) -> Result<Vec<Problem>> {
        let mode = Mode::parse(&a.value).map_err(crate::error::Error::Internal)?;
        let mut problems = Vec::new();
        for s in self.tx.subprojects_of(&a.code)? {
            let s = crate::model::subproject_as_of(&s, recorded, a.effective);
            if s.status == Status::Excluded {
                continue;
            }
            let Some(t) = self.catalog.subproject_type(&s.type_code) else { continue };
            if let Err(p) = rules::mode_admits(mode, t, &a.code) {
                let (effective, code, why, zh) = (a.effective, &s.code, &p.message, mode.zh());
                let message = crate::tr!(
                    "集成模式不能自 {effective} 起改为以“{zh}”为核心：子项目 {code}：{why}",
                    "the mode cannot change to {mode} from {effective}: sub-project {code}: {why}"
                );
                problems.push(Problem::new(Check::R7, message).column("value"));
            }
        }
        Ok(problems)
    }
}

/// Unchanged when the recorded amendment under the same document has the same value and
/// effective date; refused (R4) otherwise.
fn same_amendment(old: &StoredAmendment, a: &NewAmendment) -> std::result::Result<Outcome, Vec<Problem>> {
    if old.value == a.value && old.effective == a.effective {
        return Ok(Outcome::Unchanged);
    }
    let (doc, field, subject, subject_zh, code) =
        (echo(&a.document), &old.field, a.subject, a.subject.zh(), &a.code);
    let (old_value, old_effective, value, effective) = (&old.value, old.effective, &a.value, a.effective);
    let message = crate::tr!(
        "文件 {doc} 已将{subject_zh} {code} 的 {field} 变更为 '{old_value}'，自 {old_effective} 起生效；本次给出的是 '{value}'，自 {effective} 起生效。已记录的变更不能修改：如需更正，请以更正文件再记一笔变更",
        "document {doc} already amended {field} of {subject} {code} to '{old_value}' effective {old_effective}; given '{value}' effective {effective}. Recorded amendments are never edited: to correct it, record another amendment under the correcting document"
    );
    Err(vec![Problem::new(Check::R4, message).column("doc")])
}

/// The same amendment given twice in one import.
fn repeat(a: &NewAmendment, field: &str, first: Option<u64>) -> Problem {
    let at =
        first.map_or_else(String::new, |l| crate::tr!("（第 {l} 行已给出）", " (first given on line {l})"));
    let (doc, subject, subject_zh, code) = (echo(&a.document), a.subject, a.subject.zh(), &a.code);
    let message = crate::tr!(
        "文件 {doc} 在本次导入中第二次变更{subject_zh} {code} 的 {field}{at}；一个文件只变更一个字段一次",
        "document {doc} amends {field} of {subject} {code} a second time in this import{at}; one document changes a field once"
    );
    Problem::new(Check::R4, message).column("doc")
}

/// An amendment's identity is (subject, code, field, document), not one column: the writer
/// finds a repeat within a file itself.
impl crate::pipeline::Keyed for NewAmendment {
    fn key(&self) -> Option<&str> {
        None
    }
}
