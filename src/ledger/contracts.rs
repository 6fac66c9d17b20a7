//! Contracts (policy 四（三）): recording them, amending a share, and paying one.
//!
//! A contract is given as one row per covered sub-project; its rows agree on name,
//! contractor, procurement and date. Every covered sub-project belongs to the contract's
//! project (an EPC contract may span departments within it; a unified tender covers types of
//! one lead department; a single contract covers one sub-project), none is excluded, and
//! every share is positive and exact to the fen. A contract is never edited: given again it
//! must say what was recorded, and a share changes only by an appended amendment.
//!
//! A payment splits its amount over the covered sub-projects by their shares in force (largest
//! remainder, exact to the fen), then pays each part from the sub-project's disbursed-but-unpaid
//! money, line by line, oldest appropriation first: one voucher, one `pay` line per
//! (sub-project, appropriation line), recorded through the entries writer, all or nothing.

use super::{EntryWriter, Outcome, Recorded, Stamp, VoucherProblems};
use crate::catalog::Catalog;
use crate::db::{Db, Tx};
use crate::error::{Check, Problem, Result};
use crate::import::ContractLine;
use crate::model::{HeldLine, Kind, NewEntry, Procurement, StoredContract, StoredSubproject, Voucher};
use crate::money::Fen;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// What a contract says of itself, as first given in this file.
struct Head {
    line: u64,
    name: String,
    contractor: String,
    procurement: Procurement,
    signed_on: NaiveDate,
    project: String,
    project_id: i64,
    /// The lead department of the first sub-project's type and that sub-project (unified).
    department: String,
    first: String,
    recorded: Option<StoredContract>,
    id: Option<i64>,
    named: BTreeSet<String>,
}

/// Records the rows of one file of contracts, inside one `Tx`.
pub struct ContractWriter<'a> {
    pub tx: &'a Tx<'a>,
    pub catalog: &'a Catalog,
    pub stamp: &'a Stamp,
    heads: HashMap<String, Head>,
    status_changes: HashMap<i64, Vec<(NaiveDate, crate::model::Status)>>,
    today: NaiveDate,
}

fn refuse(check: Check, column: &str, message: String) -> super::RowResult {
    Ok(Err(vec![Problem::new(check, message).column(column)]))
}

/// The lead department (code) of a sub-project's type.
fn lead(catalog: &Catalog, s: &StoredSubproject) -> String {
    catalog.subproject_type(&s.type_code).map_or_else(|| s.type_code.clone(), |t| t.department.clone())
}

fn department_name(catalog: &Catalog, code: &str) -> String {
    catalog.department(code).map_or(code.to_string(), |d| d.name.clone())
}

impl<'a> ContractWriter<'a> {
    pub fn new(tx: &'a Tx<'a>, catalog: &'a Catalog, stamp: &'a Stamp) -> Result<ContractWriter<'a>> {
        Ok(ContractWriter {
            tx,
            catalog,
            stamp,
            heads: HashMap::new(),
            status_changes: tx.status_changes()?,
            today: chrono::Local::now().date_naive(),
        })
    }

    /// Checks and records one row given on `line` of the file.
    pub fn write_at(&mut self, l: &ContractLine, line: u64) -> super::RowResult {
        let Some(sub) = self.tx.find_subproject(&l.subproject)? else {
            let code = &l.subproject;
            return refuse(
                Check::Unknown,
                "subproject",
                crate::tr!("子项目 {code} 未登记", "sub-project {code} is not recorded"),
            );
        };
        if !self.heads.contains_key(&l.contract) {
            match self.head(l, &sub, line)? {
                Ok(head) => self.heads.insert(l.contract.clone(), head),
                Err(p) => return Ok(Err(p)),
            };
        }
        let head = self.heads.get(&l.contract).expect("inserted above when first seen");
        if let Some(p) = disagreement(head, l) {
            return Ok(Err(vec![p]));
        }
        if head.named.contains(sub.code.as_str()) {
            let (contract, code) = (&l.contract, &sub.code);
            let message =
                crate::tr!("合同 {contract} 两次列出 {code}", "contract {contract} names {code} twice");
            return refuse(Check::R4, "subproject", message);
        }
        if let Some(recorded) = &head.recorded {
            let contract = &l.contract;
            let code = &sub.code;
            return Ok(match recorded.shares.iter().find(|s| s.subproject == sub.code.as_str()) {
                Some(s) if s.original == l.amount => {
                    self.named(l, &sub);
                    Ok(Outcome::Unchanged)
                }
                Some(s) => {
                    let (was, now) = (s.original, l.amount);
                    let message = crate::tr!(
                        "合同 {contract} 已记录 {code} 的分摊金额为 {was}，不是 {now}；合同不能修改：请用 `fundledger amend contract {contract} --subproject {code} --amount {now} --effective 日期 --doc 文号 --reason 原因` 记一笔变更",
                        "contract {contract} is recorded with {code}'s share {was}, not {now}; a contract is never edited: record an amendment with `fundledger amend contract {contract} --subproject {code} --amount {now} --effective DATE --doc DOCUMENT --reason TEXT`"
                    );
                    Err(vec![Problem::new(Check::R4, message).column("amount")])
                }
                None => {
                    let message = crate::tr!(
                        "合同 {contract} 已记录，不含 {code}；合同不能修改：增加子项目请用 `fundledger amend contract` 记一笔变更",
                        "contract {contract} is recorded without {code}; a contract is never edited: add a sub-project with an amendment (`fundledger amend contract`)"
                    );
                    Err(vec![Problem::new(Check::R4, message).column("subproject")])
                }
            });
        }
        if let Some(p) = self.covers(head, &l.contract, &sub, l.signed_on) {
            return Ok(Err(vec![p]));
        }
        let id = match head.id {
            Some(id) => id,
            None => {
                let at = (&self.stamp.operator, &self.stamp.recorded_at);
                let id = self.tx.insert_contract(
                    &l.contract,
                    &l.name,
                    &l.contractor,
                    l.procurement,
                    l.signed_on,
                    head.project_id,
                    at.0,
                    at.1,
                )?;
                self.heads.get_mut(&l.contract).expect("present").id = Some(id);
                id
            }
        };
        self.tx.insert_contract_share(id, sub.id, l.amount)?;
        self.named(l, &sub);
        Ok(Ok(Outcome::Added))
    }

    fn named(&mut self, l: &ContractLine, sub: &StoredSubproject) {
        if let Some(h) = self.heads.get_mut(&l.contract) {
            h.named.insert(sub.code.to_string());
        }
    }

    /// The problem of `contract` (as `head` says it is) covering `sub`, if any: another
    /// project, another lead department for a unified tender, a second sub-project for a
    /// single contract, an excluded sub-project.
    fn covers(&self, head: &Head, contract: &str, sub: &StoredSubproject, on: NaiveDate) -> Option<Problem> {
        let code = &sub.code;
        if sub.project_code.as_str() != head.project {
            let (own, project) = (&sub.project_code, &head.project);
            let message = match head.procurement {
                Procurement::Epc => crate::tr!(
                    "{code} 属于项目 {own}，不是 {project}：工程总承包合同只在一个项目之内（可以跨部门，不能跨项目）",
                    "{code} is of project {own}, not {project}: an EPC contract stays within one project (it may span departments, not projects)"
                ),
                _ => crate::tr!(
                    "{code} 属于项目 {own}，不是 {project}：合同只覆盖本项目的子项目",
                    "{code} is of project {own}, not {project}: a contract covers sub-projects of its own project only"
                ),
            };
            return Some(Problem::new(Check::Contract, message).column("subproject"));
        }
        if head.procurement == Procurement::Single && !head.named.is_empty() && head.id.is_some() {
            let first = &head.first;
            let message = crate::tr!(
                "单项发包合同 {contract} 只覆盖一个子项目（已有 {first}），不能再列 {code}：多个子项目请用统一招投标或工程总承包",
                "single contract {contract} covers one sub-project ({first}); it cannot also cover {code}: use unified or epc for several"
            );
            return Some(Problem::new(Check::Contract, message).column("subproject"));
        }
        if head.procurement == Procurement::Unified {
            let department = lead(self.catalog, sub);
            if department != head.department {
                let (theirs, ours, first) = (
                    department_name(self.catalog, &department),
                    department_name(self.catalog, &head.department),
                    &head.first,
                );
                let message = crate::tr!(
                    "{code} 的类型由{theirs}牵头，而合同 {contract} 的子项目（{first}）由{ours}牵头：统一招投标只合并同一主管部门的子项目（跨部门请用工程总承包）",
                    "{code}'s type is led by {theirs}, but contract {contract}'s sub-projects ({first}) are led by {ours}: a unified tender joins sub-projects of one competent department only (across departments, use epc)"
                );
                return Some(Problem::new(Check::Contract, message).column("subproject"));
            }
        }
        let changes = self.status_changes.get(&sub.id).map(Vec::as_slice);
        let on_signing = crate::model::with_status_on(sub, changes, on).status;
        let now = crate::model::with_status_on(sub, changes, self.today).status;
        if on_signing == crate::model::Status::Excluded || now == crate::model::Status::Excluded {
            let message = crate::tr!(
                "{code} 不开展建设（已排除），不能签订合同",
                "{code} is excluded (不开展): it is not contracted"
            );
            return Some(Problem::new(Check::R2, message).column("subproject"));
        }
        None
    }

    fn head(
        &mut self,
        l: &ContractLine,
        sub: &StoredSubproject,
        line: u64,
    ) -> Result<std::result::Result<Head, Vec<Problem>>> {
        if let Err(p) = crate::rules::not_in_future(l.signed_on, self.today) {
            return Ok(Err(vec![p.column("signed_on")]));
        }
        let recorded = self.tx.find_contract(&l.contract)?;
        let project = match &recorded {
            Some(c) => c.project.clone(),
            None => sub.project_code.to_string(),
        };
        let Some(p) = self.tx.find_project(&project)? else {
            return Ok(Err(vec![Problem::not_recorded("project", &project).column("subproject")]));
        };
        let first = recorded
            .as_ref()
            .and_then(|c| c.shares.first())
            .map_or(sub.code.to_string(), |s| s.subproject.clone());
        let department = match &recorded {
            Some(_) => match self.tx.find_subproject(&first)? {
                Some(s) => lead(self.catalog, &s),
                None => lead(self.catalog, sub),
            },
            None => lead(self.catalog, sub),
        };
        let (name, contractor, procurement, signed_on) = match &recorded {
            Some(c) => (c.name.clone(), c.contractor.clone(), c.procurement, c.signed_on),
            None => (l.name.clone(), l.contractor.clone(), l.procurement, l.signed_on),
        };
        Ok(Ok(Head {
            line,
            name,
            contractor,
            procurement,
            signed_on,
            project,
            project_id: p.id,
            department,
            first,
            recorded,
            id: None,
            named: BTreeSet::new(),
        }))
    }
}

/// A row that disagrees with its contract's first row (or with the recorded contract).
fn disagreement(head: &Head, l: &ContractLine) -> Option<Problem> {
    let mut d = super::Differences::new();
    d.field("name", head.name.as_str(), l.name.as_str());
    d.field("contractor", head.contractor.as_str(), l.contractor.as_str());
    d.field("procurement", head.procurement.code(), l.procurement.code());
    d.field("signed_on", head.signed_on, l.signed_on);
    let contract = &l.contract;
    let first = head.line;
    let what = match head.recorded {
        Some(_) => crate::tr!("合同 {contract}", "contract {contract}"),
        None => crate::tr!("合同 {contract}（第 {first} 行）", "contract {contract} (line {first})"),
    };
    d.outcome_or(
        &what,
        crate::lang::pick(
            "同一合同的各行须一致；修改请记变更",
            "a contract's rows agree; change it by an amendment",
        ),
    )
    .err()
    .and_then(|mut p| p.pop())
}

/// Records an amendment of one sub-project's share of a contract (or adds a sub-project to
/// it), from `effective`, under `document`, for `reason`. Returns whether it was new
/// (`Unchanged`: the same document recorded the same share before) or why it is refused.
#[allow(clippy::too_many_arguments)]
pub fn amend_contract(
    db: &mut Db,
    code: &str,
    subproject: &str,
    amount: Fen,
    effective: NaiveDate,
    document: &str,
    reason: &str,
    stamp: &Stamp,
) -> Result<std::result::Result<Outcome, Vec<Problem>>> {
    let tx = db.begin()?;
    let catalog = tx.catalog()?;
    let Some(c) = tx.find_contract(code)? else {
        return Ok(Err(vec![Problem::not_recorded("contract", code).column("CONTRACT")]));
    };
    let Some(sub) = tx.find_subproject(subproject)? else {
        return Ok(Err(vec![Problem::not_recorded("sub-project", subproject).column("--subproject")]));
    };
    if let Some(a) = c.amendments.iter().find(|a| a.document == document && a.subproject == sub.code.as_str())
    {
        if a.amount == amount && a.effective == effective {
            return Ok(Ok(Outcome::Unchanged));
        }
        let (was, from) = (a.amount, a.effective);
        let message = crate::tr!(
            "文件 {document} 已变更过合同 {code} 中 {subproject} 的分摊金额（{was}，{from} 起）；同一文件只记录一次",
            "document {document} already amended {subproject}'s share of contract {code} ({was}, from {from}); a document is recorded once"
        );
        return Ok(Err(vec![Problem::new(Check::R4, message).column("--doc")]));
    }
    let today = chrono::Local::now().date_naive();
    let mut problems = Vec::new();
    problems.extend(crate::rules::not_in_future(effective, today).err().map(|p| p.column("--effective")));
    if effective < c.signed_on {
        let signed = c.signed_on;
        problems.push(
            Problem::new(
                Check::Format,
                crate::tr!(
                    "变更日期 {effective} 早于合同签订日期 {signed}",
                    "the amendment's date {effective} is before the contract was signed ({signed})"
                ),
            )
            .column("--effective"),
        );
    }
    if reason.trim().is_empty() || document.trim().is_empty() {
        problems.push(Problem::new(
            Check::Format,
            crate::lang::pick("变更须写明依据文号和原因", "an amendment gives its document and reason")
                .to_string(),
        ));
    }
    let share = c.shares.iter().find(|s| s.subproject_id == sub.id);
    match share {
        Some(s) if amount < s.paid + s.pending => {
            let used = s.paid + s.pending;
            problems.push(
                Problem::new(
                    Check::Contract,
                    crate::tr!(
                        "{subproject} 在合同 {code} 下已支付（含待审批）{used}，分摊金额不能改为更少的 {amount}",
                        "{subproject} has {used} paid (pending included) on contract {code}: its share cannot become {amount}, less than that"
                    ),
                )
                .column("--amount"),
            );
        }
        Some(_) => {}
        None => {
            // A sub-project added to the contract keeps the contract's rules.
            let first = c.shares.first();
            let first_sub = match first {
                Some(f) => tx.find_subproject(&f.subproject)?,
                None => None,
            };
            let head = Head {
                line: 0,
                name: c.name.clone(),
                contractor: c.contractor.clone(),
                procurement: c.procurement,
                signed_on: c.signed_on,
                project: c.project.clone(),
                project_id: 0,
                department: first_sub.as_ref().map_or_else(|| lead(&catalog, &sub), |f| lead(&catalog, f)),
                first: first.map_or(String::new(), |f| f.subproject.clone()),
                recorded: None,
                id: Some(c.id),
                named: c.shares.iter().map(|s| s.subproject.clone()).collect(),
            };
            let w = ContractWriter::new(&tx, &catalog, stamp)?;
            problems.extend(w.covers(&head, code, &sub, effective));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    tx.insert_contract_amendment(
        c.id,
        sub.id,
        amount,
        effective,
        document,
        reason,
        &stamp.operator,
        &stamp.recorded_at,
    )?;
    let summary = format!("{subproject} share {amount} from {effective}");
    let mut record = stamp.record("amend contract", code, &summary);
    record.reason = reason;
    tx.commit(&record)?;
    Ok(Ok(Outcome::Added))
}

/// A payment on a contract, planned: each covered sub-project's part, and the lines paying it.
#[derive(Clone, Debug, Serialize)]
pub struct PayPlan {
    pub contract: String,
    pub amount: Fen,
    #[serde(serialize_with = "as_text")]
    pub date: NaiveDate,
    pub parts: Vec<PlanPart>,
}

/// A date as `YYYY-MM-DD` in JSON.
fn as_text<S: serde::Serializer>(d: &NaiveDate, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(d)
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanPart {
    pub subproject: String,
    pub share: Fen,
    /// Paid (and pending) on the contract before this payment.
    pub paid_before: Fen,
    pub part: Fen,
    pub lines: Vec<PlanLine>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanLine {
    /// The voucher line this becomes.
    pub line: u32,
    pub appropriation: String,
    /// The channel's name, and its code.
    pub channel: String,
    pub channel_code: String,
    /// Disbursed and not yet paid on the line before this payment.
    pub held: Fen,
    pub amount: Fen,
}

impl PayPlan {
    /// The voucher's lines: one `pay` per (sub-project, appropriation line).
    pub fn entries(&self, voucher: &Voucher, memo: &str) -> Vec<NewEntry> {
        self.parts
            .iter()
            .flat_map(|p| p.lines.iter().map(move |l| (p, l)))
            .map(|(p, l)| NewEntry {
                voucher: voucher.clone(),
                line: l.line,
                date: self.date,
                kind: Kind::Pay,
                appropriation: Some(crate::model::AppropriationCode::stored(l.appropriation.clone())),
                subproject: Some(crate::model::SubprojectCode::stored(p.subproject.clone())),
                amount: Some(l.amount),
                reverses: None,
                reverses_line: None,
                memo: memo.to_string(),
                channel_ref: None,
            })
            .collect()
    }

    /// A digest of what the plan pays, so a commit records exactly the plan that was shown.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(format!("{}|{}|{}", self.contract, self.amount, self.date));
        for p in &self.parts {
            for l in &p.lines {
                h.update(format!("|{}:{}:{}", p.subproject, l.appropriation, l.amount));
            }
        }
        h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// What a plan needs to read: the contract and the money each sub-project holds.
pub trait PlanSource {
    fn contract(&self, code: &str) -> Result<Option<StoredContract>>;
    fn held(&self, subproject_id: i64) -> Result<Vec<HeldLine>>;
}

impl PlanSource for Db {
    fn contract(&self, code: &str) -> Result<Option<StoredContract>> {
        self.find_contract(code)
    }
    fn held(&self, subproject_id: i64) -> Result<Vec<HeldLine>> {
        self.held_lines(subproject_id)
    }
}

impl PlanSource for Tx<'_> {
    fn contract(&self, code: &str) -> Result<Option<StoredContract>> {
        self.find_contract(code)
    }
    fn held(&self, subproject_id: i64) -> Result<Vec<HeldLine>> {
        self.held_lines(subproject_id)
    }
}

/// Plans paying `amount` on contract `code` dated `date`: its split by share (largest
/// remainder) and each part over the sub-project's lines, oldest issued first; or every
/// reason it cannot be paid (a part beyond what is left of a share, a sub-project short of
/// disbursed money, naming its channels).
pub fn pay_plan(
    src: &impl PlanSource,
    code: &str,
    amount: Fen,
    date: NaiveDate,
) -> Result<std::result::Result<PayPlan, Vec<Problem>>> {
    let Some(c) = src.contract(code)? else {
        return Ok(Err(vec![Problem::not_recorded("contract", code).column("--contract")]));
    };
    if date < c.signed_on {
        let signed = c.signed_on;
        let message = crate::tr!(
            "付款日期 {date} 早于合同 {code} 的签订日期 {signed}",
            "the payment's date {date} is before contract {code} was signed ({signed})"
        );
        return Ok(Err(vec![Problem::new(Check::Contract, message).column("--date")]));
    }
    let weights: Vec<i128> = c.shares.iter().map(|s| s.share.0).collect();
    let parts = crate::allocate::divide(amount.0, &weights);
    let mut problems = Vec::new();
    let mut planned = Vec::new();
    let mut next_line = 1u32;
    for (s, part) in c.shares.iter().zip(parts) {
        let part = Fen(part);
        if part == Fen::ZERO {
            continue;
        }
        let used = s.paid + s.pending;
        if used + part > s.share {
            let (sub, share, left) = (&s.subproject, s.share, s.remaining());
            problems.push(
                Problem::new(
                    Check::Contract,
                    crate::tr!(
                        "本次付款中 {sub} 的部分为 {part}，但它在合同 {code} 的分摊金额 {share} 中只剩 {left} 未付（已付及待审批 {used}）：一个子项目的合同付款不能超过其分摊金额",
                        "{sub}'s part of this payment is {part}, but only {left} of its {share} share of contract {code} is left ({used} paid or pending): a sub-project's payments on a contract never exceed its share"
                    ),
                )
                .column("--amount"),
            );
            continue;
        }
        let held = src.held(s.subproject_id)?;
        let mut lines = Vec::new();
        let mut left = part;
        for h in held.iter().filter(|h| h.held > Fen::ZERO) {
            if left == Fen::ZERO {
                break;
            }
            let take = left.min(h.held);
            lines.push(PlanLine {
                line: 0,
                appropriation: h.appropriation.clone(),
                channel: h.channel.clone(),
                channel_code: h.channel_code.clone(),
                held: h.held,
                amount: take,
            });
            left -= take;
        }
        if left > Fen::ZERO {
            let sub = &s.subproject;
            let have: Fen = held.iter().map(|h| h.held.max(Fen::ZERO)).sum();
            let by_channel = held
                .iter()
                .map(|h| format!("{} {} {}", h.channel, h.appropriation, h.held.max(Fen::ZERO)))
                .collect::<Vec<_>>()
                .join(crate::lang::pick("；", "; "));
            let by_channel =
                if by_channel.is_empty() { crate::lang::pick("无", "none").to_string() } else { by_channel };
            problems.push(
                Problem::new(
                    Check::R3,
                    crate::tr!(
                        "{sub} 的部分 {part} 超过它已拨付未支付的资金 {have}（按资金类别和指标：{by_channel}）：差 {left}；请先拨付",
                        "{sub}'s part {part} exceeds the {have} disbursed to it and not yet paid (by channel and appropriation: {by_channel}): {left} short; disburse first"
                    ),
                )
                .column("--amount"),
            );
            continue;
        }
        for l in &mut lines {
            l.line = next_line;
            next_line += 1;
        }
        planned.push(PlanPart {
            subproject: s.subproject.clone(),
            share: s.share,
            paid_before: used,
            part,
            lines,
        });
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Ok(PayPlan { contract: c.code, amount, date, parts: planned }))
}

/// Pays contract `code`: plans it inside the write (so the plan is the ledger's state), checks
/// it against `digest` when given (the plan the user saw), records the payment and its
/// voucher through the entries writer (within `scope`), all or nothing. Returns the plan and
/// what was recorded (lines submitted for approval when pay needs a second person).
#[allow(clippy::too_many_arguments)]
pub fn pay_contract(
    db: &mut Db,
    code: &str,
    amount: Fen,
    date: NaiveDate,
    voucher: &Voucher,
    memo: &str,
    digest: Option<&str>,
    stamp: &Stamp,
    scope: Option<crate::model::UserScope>,
) -> Result<std::result::Result<(PayPlan, Recorded), VoucherProblems>> {
    let tx = db.begin()?;
    let plan = match pay_plan(&tx, code, amount, date)? {
        Ok(plan) => plan,
        Err(problems) => return Ok(Err(problems.into_iter().map(|p| (None, p)).collect())),
    };
    if digest.is_some_and(|d| d != plan.digest()) {
        let message = crate::lang::pick(
            "付款方案在您查看之后已经改变（有人记了账）；请重新查看方案再确认",
            "the payment plan changed since you saw it (someone recorded entries); look at the plan again and confirm",
        );
        return Ok(Err(vec![(None, Problem::new(Check::R3, message.to_string()))]));
    }
    if tx.voucher_used(voucher)? {
        let message = crate::tr!(
            "凭证号 {voucher} 已经用过；合同付款用一个新凭证号",
            "voucher {voucher} is already used; a contract payment takes a new voucher number"
        );
        return Ok(Err(vec![(None, Problem::new(Check::R4, message).column("--voucher"))]));
    }
    let Some(c) = tx.find_contract(code)? else {
        return Ok(Err(vec![(None, Problem::not_recorded("contract", code).column("--contract"))]));
    };
    tx.insert_contract_payment(c.id, voucher, date, amount, &stamp.operator, &stamp.recorded_at)?;
    let catalog = tx.catalog()?;
    let mut w = EntryWriter::new(&tx, &catalog, stamp)?;
    if let Some(scope) = scope {
        w = w.within(scope);
    }
    let mut problems = Vec::new();
    let mut done = Recorded::default();
    for e in plan.entries(voucher, memo) {
        match w.write(&e)? {
            Ok(Outcome::Added) => done.added += 1,
            Ok(Outcome::Pending) => done.pending += 1,
            Ok(Outcome::Unchanged) => {}
            Err(p) => problems.extend(p.into_iter().map(|p| (Some(e.line), p))),
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    w.finish()?;
    let summary = format!("{code} {amount} ({} lines)", done.added + done.pending);
    tx.commit(&stamp.record("pay-contract", voucher, &summary))?;
    Ok(Ok((plan, done)))
}
