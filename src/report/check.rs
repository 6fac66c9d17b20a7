//! The findings a reviewer should see (`check`), each one flag:
//!
//! - `shrinkage` (补助缩水): a sub-project has received less on a channel than its fair share
//!   (its standalone entitlement cut by the ratio its county's channel was funded by the day,
//!   see `report::entitlements`): the money was there and it did not get its part;
//! - `underfunded`: a county's appropriations on a channel fall short of the total standalone
//!   entitlement there — a shortfall at the source, not 缩水;
//! - `project_shrinkage`: a project's sub-projects' shrinkage summed channel by channel, never
//!   netted; `over_entitlement`: a sub-project received more than its entitlement on a channel;
//! - `mode_unsubstantiated`: a project whose content does not bear out its declared mode;
//!   `flagship_not_people`: a flagship whose mode is not 人;
//! - `unallocated`: an appropriation still has money available a year after it was issued;
//! - `unpaid`: money disbursed to an implementing body and not paid out a year after the last
//!   disbursement;
//! - `idle`: an appropriation with money not yet paid out and no movement for two years
//!   (结余 risk);
//! - `no_letter`: a sub-project not excluded (on the day, as amended) that no confirmation letter (确认书, Annex 2)
//!   names;
//! - `stale_pending`: an item waiting for approval (maker-checker) more than 30 days, its money
//!   reserved all the while; `overcommitted`: a sub-project whose contracts commit more than its
//!   entitlement or its allocated money (a warning: money may still arrive).
//!
//! The periods are fiscal practice, not policy text; they are constants here, named in each
//! message. Messages are in the reader's language (`crate::lang`).

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::{Activity, LineBalance, LineId, Mode, Status, StoredProject, StoredSubproject};
use crate::model::{StoredAdjustment, StoredAppropriation};
use crate::money::Fen;
use crate::report::entitlements::{self, Row};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Days after issue before available money is flagged as unallocated.
pub const UNALLOCATED_DAYS: i64 = 365;
/// Days after the last disbursement before held money is flagged as unpaid.
pub const UNPAID_DAYS: i64 = 365;
/// Days without any movement before an appropriation with money on it is flagged idle.
pub const IDLE_DAYS: i64 = 730;
/// Days an item may wait for approval before it is flagged.
pub const STALE_PENDING_DAYS: i64 = 30;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    /// The county, for a flag about a county's channel (`underfunded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    pub project: Option<String>,
    pub subproject: Option<String>,
    pub channel: Option<String>,
    pub appropriation: Option<String>,
    pub entitlement: Option<Fen>,
    /// The entitlement cut by the ratio the county's channel was funded (DOMAIN.md §5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fair_share: Option<Fen>,
    pub received: Option<Fen>,
    /// Shrinkage: fair share − received, when positive.
    pub gap: Option<Fen>,
    /// The part of the entitlement never issued to the county on the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub underfunding: Option<Fen>,
    /// What the county was issued on the channel by the day (`underfunded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<Fen>,
    #[serde(serialize_with = "super::ser::opt_percent")]
    pub gap_percent: Option<Decimal>,
    /// The money the flag is about where it is not a gap: unallocated on the line, not paid
    /// out of it, or held by the implementing body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Fen>,
    /// How long it has been so, in days, and since when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "super::ser::opt_date")]
    pub since: Option<NaiveDate>,
    pub message: String,
}

/// What a flag says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// A sub-project received less than its fair share on a channel (补助缩水).
    #[default]
    Shrinkage,
    /// A county's appropriations on a channel fall short of the entitlements there.
    Underfunded,
    /// A project's sub-projects' shrinkage, summed channel by channel (never netted).
    ProjectShrinkage,
    /// A sub-project received more on a channel than its standalone entitlement there.
    OverEntitlement,
    /// A project whose content does not bear out its declared mode.
    ModeUnsubstantiated,
    /// A project marked flagship whose mode is not 人.
    FlagshipNotPeople,
    /// An appropriation line still holds unallocated money long after it was issued.
    Unallocated,
    /// An appropriation line's money has not moved for a long time (结余 risk).
    Idle,
    /// Money disbursed to an implementing body is not paid out long after.
    Unpaid,
    /// A sub-project not excluded that no confirmation letter (确认书) names.
    NoLetter,
    /// An item waiting for approval longer than `STALE_PENDING_DAYS`.
    StalePending,
    /// A sub-project whose contracts commit more than its entitlement or its allocated money
    /// (a warning: money may still arrive).
    Overcommitted,
}

impl FlagKind {
    /// The JSON and CSV code.
    pub fn code(self) -> &'static str {
        match self {
            FlagKind::Shrinkage => "shrinkage",
            FlagKind::Underfunded => "underfunded",
            FlagKind::ProjectShrinkage => "project_shrinkage",
            FlagKind::OverEntitlement => "over_entitlement",
            FlagKind::ModeUnsubstantiated => "mode_unsubstantiated",
            FlagKind::FlagshipNotPeople => "flagship_not_people",
            FlagKind::Unallocated => "unallocated",
            FlagKind::Idle => "idle",
            FlagKind::Unpaid => "unpaid",
            FlagKind::NoLetter => "no_letter",
            FlagKind::StalePending => "stale_pending",
            FlagKind::Overcommitted => "overcommitted",
        }
    }
}

impl std::fmt::Display for FlagKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// What `check` found as of a day.
#[derive(Clone, Debug, Serialize)]
pub struct Findings {
    pub flags: Vec<Flag>,
    #[serde(serialize_with = "super::ser::date")]
    pub as_of: NaiveDate,
    /// Whether there is any flag (`check` exits 3 then).
    pub has_flags: bool,
}

/// Every flag as of `as_of` (see `check`), with the day and whether there is any.
pub fn findings(db: &Db, catalog: &Catalog, as_of: NaiveDate) -> Result<Findings> {
    let flags = check(db, catalog, as_of)?;
    Ok(Findings { has_flags: !flags.is_empty(), flags, as_of })
}

/// Every flag as of `as_of`, in a stable order: shrinkage by project, sub-project and
/// channel, then underfunded county channels, then project totals, then receipts over
/// entitlement, then appropriation findings by code, then sub-projects without a letter by
/// code, then projects whose mode their content or flagship mark does not bear out, then
/// items waiting too long for approval, then sub-projects whose contracts commit more than
/// they are entitled to or were allocated.
pub fn check(db: &Db, catalog: &Catalog, as_of: NaiveDate) -> Result<Vec<Flag>> {
    let subprojects = db.subprojects_as_of(as_of)?;
    let projects = db.projects_as_of(as_of)?;
    let money = Money {
        appropriations: db.appropriations()?,
        adjustments: db.adjustments()?,
        lines: db.line_sums_as_of(None)?,
    };
    let issued = entitlements::issued_from(&money.appropriations, &money.adjustments, as_of);
    let approved = entitlements::approval_dates(&projects);
    let mut rows = entitlements::figure(catalog, &db.rules()?, &approved, &subprojects);
    entitlements::receive_by_ids(&mut rows, &money.lines, &money.appropriations, &issued);
    // Flags are large (about 300 bytes) and a city has tens of thousands: room for about as
    // many as there are rows, lines and sub-projects is made once, and the findings with the
    // most flags (appropriations, letters) push theirs here, instead of vectors growing and
    // being copied (a profile had a third of `check` moving flags).
    let mut flags: Vec<Flag> = Vec::with_capacity(rows.len() + money.lines.len() + subprojects.len());
    flags.extend(rows.iter().filter(|r| r.shrinkage().is_positive()).map(|r| shrinkage(catalog, r)));
    flags.extend(underfunded(catalog, &rows, &issued));
    flags.extend(project_shrinkage(&rows));
    flags.extend(
        rows.iter()
            .filter(|r| r.entitlement.amount.is_positive() && r.received > r.entitlement.amount)
            .map(|r| over_entitlement(catalog, r)),
    );
    appropriation_flags(db, catalog, as_of, &money, &subprojects, &mut flags)?;
    no_letter(db, &subprojects, &mut flags)?;
    flags.extend(mode_unsubstantiated(catalog, &projects, &subprojects, as_of));
    flags.extend(flagship_not_people(&projects));
    flags.extend(stale_pending(db, &subprojects, as_of)?);
    flags.extend(overcommitted(db, &rows)?);
    Ok(flags)
}

/// The money `check` looks at: the appropriations, their adjustments and every line's
/// maintained balance, by ids.
struct Money {
    appropriations: Vec<StoredAppropriation>,
    adjustments: Vec<StoredAdjustment>,
    lines: Vec<(LineId, LineBalance)>,
}

/// Each sub-project whose contracts (shares in force) commit more than its standalone
/// entitlement or more than the money allocated to it (received, over its channels): a
/// warning, since money may still arrive.
fn overcommitted(db: &Db, rows: &[Row]) -> Result<Vec<Flag>> {
    let mut committed: BTreeMap<(String, String), (Fen, Vec<String>)> = BTreeMap::new();
    for c in db.contracts(None)? {
        for s in &c.shares {
            let e = committed.entry((c.project.clone(), s.subproject.clone())).or_default();
            e.0 += s.share;
            e.1.push(c.code.clone());
        }
    }
    let mut totals: HashMap<&str, (Fen, Fen)> = HashMap::new();
    for r in rows {
        let t = totals.entry(r.subproject.as_str()).or_default();
        t.0 += r.entitlement.amount;
        t.1 += r.received;
    }
    let mut flags = Vec::new();
    for ((project, subproject), (committed, contracts)) in committed {
        let (entitlement, received) = totals.get(subproject.as_str()).copied().unwrap_or_default();
        if committed <= entitlement && committed <= received {
            continue;
        }
        let contracts = contracts.join(crate::lang::pick("、", ", "));
        let over = match (committed > entitlement, committed > received) {
            (true, true) => crate::tr!(
                "超过其单独补助应得额 {entitlement} 和已分配到位的资金 {received}",
                "more than its standalone entitlement {entitlement} and the {received} allocated to it"
            ),
            (true, false) => crate::tr!(
                "超过其单独补助应得额 {entitlement}",
                "more than its standalone entitlement {entitlement}"
            ),
            _ => crate::tr!("超过已分配到位的资金 {received}", "more than the {received} allocated to it"),
        };
        flags.push(Flag {
            kind: FlagKind::Overcommitted,
            project: Some(project),
            subproject: Some(subproject.clone()),
            entitlement: Some(entitlement),
            received: Some(received),
            amount: Some(committed),
            message: crate::tr!(
                "{subproject} 的合同（{contracts}）共承诺 {committed}，{over}（提示：资金可能尚未到位）",
                "{subproject}'s contracts ({contracts}) commit {committed}, {over} (a warning: money may still arrive)"
            ),
            ..Flag::default()
        });
    }
    Ok(flags)
}

/// Each item waiting for approval more than `STALE_PENDING_DAYS` days: its money is reserved
/// and moves nowhere until someone decides.
fn stale_pending(db: &Db, subprojects: &[StoredSubproject], as_of: NaiveDate) -> Result<Vec<Flag>> {
    let project_of: HashMap<&str, &str> =
        subprojects.iter().map(|s| (s.code.as_str(), s.project_code.as_str())).collect();
    let mut flags = Vec::new();
    for item in db.pending_items()?.into_iter().filter(|i| i.is_open()) {
        let Some(since) = item.submitted_on().filter(|d| *d <= as_of) else { continue };
        let days = (as_of - since).num_days();
        if days <= STALE_PENDING_DAYS {
            continue;
        }
        let first = item.lines.first();
        let (id, voucher, maker) = (item.id, &item.voucher, &item.maker);
        let total = item.total().yuan_grouped();
        flags.push(Flag {
            kind: FlagKind::StalePending,
            project: first.and_then(|l| project_of.get(l.subproject.as_str())).map(|p| p.to_string()),
            subproject: first.map(|l| l.subproject.to_string()),
            appropriation: first.map(|l| l.appropriation.to_string()),
            amount: Some(item.total()),
            days: Some(days),
            since: Some(since),
            message: crate::tr!(
                "待审批事项 #{id}（凭证 {voucher}，{maker} 提交，合计 {total}）已等待 {days} 天（超过 {STALE_PENDING_DAYS} 天）：其资金一直被预留，请批准或驳回",
                "pending item #{id} (voucher {voucher}, made by {maker}, {total} in all) has waited {days} days (more than {STALE_PENDING_DAYS}): its money stays reserved until someone approves or rejects it"
            ),
            ..Flag::default()
        });
    }
    Ok(flags)
}

/// What a project's non-excluded sub-projects bring to the modes (DOMAIN.md §6): 涉农 work (a
/// type ticked for 农), 涉地 work (ticked for 地, not for 农) and 人 work (ticked only for 人:
/// towns, communities, institutional innovation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Content {
    pub agri: bool,
    pub land: bool,
    pub people: bool,
}

impl Content {
    /// The content of each project, from its sub-projects (as in force on the day in question).
    pub fn of_projects(catalog: &Catalog, subprojects: &[StoredSubproject]) -> HashMap<String, Content> {
        let mut content: HashMap<String, Content> = HashMap::new();
        for s in subprojects.iter().filter(|s| s.status != Status::Excluded) {
            let Some(t) = catalog.subproject_type(&s.type_code) else { continue };
            let c = content.entry(s.project_code.to_string()).or_default();
            c.agri |= t.agri;
            c.land |= t.land && !t.agri;
            c.people |= t.people && !t.land && !t.agri;
        }
        content
    }

    /// Whether a project with this content counts toward 农 coverage (every mode admits it).
    pub fn counts_agri(self) -> bool {
        self.agri
    }

    /// Whether a project of `mode` with this content counts toward 地 coverage.
    pub fn counts_land(self, mode: Mode) -> bool {
        matches!(mode, Mode::Land | Mode::People) && self.land
    }

    /// What the declared `mode` needs and this content lacks, in the reader's language:
    /// 农 needs 涉农 work; 地 also 涉地 work; 人 also 人 work (the modes are nested).
    pub fn missing_for(self, mode: Mode) -> Vec<String> {
        let mut missing = Vec::new();
        if !self.agri {
            missing.push(
                crate::lang::pick("涉农子项目（附件1勾选“农”的类型）", "涉农 work (a type ticked for 农)")
                    .to_string(),
            );
        }
        if matches!(mode, Mode::Land | Mode::People) && !self.land {
            missing.push(
                crate::lang::pick(
                    "涉地子项目（勾选“地”而非“农”的类型）",
                    "涉地 work (a type ticked for 地, not for 农)",
                )
                .to_string(),
            );
        }
        if mode == Mode::People && !self.people {
            missing.push(
                crate::lang::pick(
                    "“人”的子项目（只勾选“人”的类型：城镇、社区、制度创新）",
                    "人 work (a type ticked only for 人: towns, communities, institutional innovation)",
                )
                .to_string(),
            );
        }
        missing
    }
}

/// Each project (not excluded from the register's view on the day) whose non-excluded
/// sub-projects do not bear out its declared mode.
fn mode_unsubstantiated(
    catalog: &Catalog,
    projects: &[StoredProject],
    subprojects: &[StoredSubproject],
    as_of: NaiveDate,
) -> Vec<Flag> {
    let content = Content::of_projects(catalog, subprojects);
    let mut projects: Vec<&StoredProject> = projects.iter().filter(|p| p.row.approved_on <= as_of).collect();
    projects.sort_by(|a, b| a.row.code.cmp(&b.row.code));
    projects
        .into_iter()
        .filter_map(|p| {
            let missing = content.get(p.row.code.as_str()).copied().unwrap_or_default().missing_for(p.row.mode);
            if missing.is_empty() {
                return None;
            }
            let (code, mode) = (&p.row.code, p.row.mode.zh());
            let missing = missing.join(crate::lang::pick("、", ", "));
            Some(Flag {
                kind: FlagKind::ModeUnsubstantiated,
                county: Some(p.row.county.clone()),
                project: Some(code.to_string()),
                message: crate::tr!(
                    "项目 {code} 申报为“{mode}”模式，但未整合{missing}：内容不足以支撑所报模式，相应覆盖率不计入",
                    "project {code} is declared {mode}-mode but integrates no {missing}: its content does not bear out the mode, and it does not count toward that coverage"
                ),
                ..Flag::default()
            })
        })
        .collect()
}

/// A flagship (精品示范工程) is a 人-mode project (policy 二（三）): one of another mode marked
/// flagship is flagged, and not counted toward the review's flagship target.
fn flagship_not_people(projects: &[StoredProject]) -> Vec<Flag> {
    projects
        .iter()
        .filter(|p| p.row.flagship && p.row.mode != Mode::People)
        .map(|p| {
            let (code, zh, mode) = (&p.row.code, p.row.mode.zh(), p.row.mode);
            Flag {
                kind: FlagKind::FlagshipNotPeople,
                project: Some(code.to_string()),
                message: crate::tr!(
                    "项目 {code} 标为精品示范工程，但模式为“{zh}”：精品示范工程应为“人”模式，年度评价不计入",
                    "project {code} is marked 精品示范工程 but its mode is {zh} ({mode}): flagships are 人-mode projects, so the review does not count it"
                ),
                ..Flag::default()
            }
        })
        .collect()
}

/// Each sub-project not excluded in the register that no confirmation letter names.
fn no_letter(db: &Db, subprojects: &[StoredSubproject], flags: &mut Vec<Flag>) -> Result<()> {
    let named: std::collections::HashSet<String> =
        db.letters(None)?.into_iter().flat_map(|l| l.lines).map(|x| x.subproject).collect();
    for s in subprojects.iter().filter(|s| s.status != Status::Excluded && !named.contains(s.code.as_str())) {
        let (code, status) = (&s.code, s.status.zh());
        flags.push(Flag {
            kind: FlagKind::NoLetter,
            project: Some(s.project_code.to_string()),
            subproject: Some(code.to_string()),
            message: crate::tr!(
                "{code}（{status}）没有任何确认书（附件2）列明：请用 `import letters` 录入主管部门出具的确认书",
                "no confirmation letter (确认书) names {code} ({status}): record the competent department's letter with `import letters`"
            ),
            ..Flag::default()
        });
    }
    Ok(())
}

fn channel_name(catalog: &Catalog, code: &str) -> String {
    catalog.channel(code).map_or(code.to_string(), |c| c.name.clone())
}

fn percent(p: Option<Decimal>) -> String {
    p.map(|p| format!("{p:.2}")).unwrap_or_default()
}

fn shrinkage(catalog: &Catalog, r: &Row) -> Flag {
    let gap = r.shrinkage();
    let pct = gap.percent_of(r.fair_share);
    let sample = if r.entitlement.basis.is_sample() {
        crate::lang::pick("（应得按示例规则测算）", " (entitlement from an illustrative sample rule)")
    } else {
        ""
    };
    let channel = channel_name(catalog, &r.channel);
    let (sub, received, entitled, fair, short, under) = (
        &r.subproject,
        r.received.yuan_grouped(),
        r.entitlement.amount.yuan_grouped(),
        r.fair_share.yuan_grouped(),
        gap.yuan_grouped(),
        r.underfunding().yuan_grouped(),
    );
    let p = percent(pct);
    let apart = if r.underfunding().is_positive() {
        crate::tr!("；来源不足 {under} 另计", "; underfunding at the source {under} is counted apart")
    } else {
        String::new()
    };
    Flag {
        kind: FlagKind::Shrinkage,
        county: Some(r.county.clone()),
        project: Some(r.project.clone()),
        subproject: Some(sub.clone()),
        channel: Some(channel.clone()),
        entitlement: Some(r.entitlement.amount),
        fair_share: Some(r.fair_share),
        received: Some(r.received),
        gap: Some(gap),
        gap_percent: pct,
        underfunding: Some(r.underfunding()),
        message: crate::tr!(
            "补助缩水：{sub} 在{channel}上单独补助应得 {entitled}，按本县该资金类别下达比例的公平份额 {fair}，实际到位 {received}，少 {short}（公平份额的 {p}%）{apart}{sample}",
            "补助缩水: {sub} received {received} on {channel} against a fair share of {fair} (standalone entitlement {entitled}), {short} short ({p}% of the fair share){apart}{sample}"
        ),
        ..Flag::default()
    }
}

/// Each county × channel whose appropriations by the day fall short of the total standalone
/// entitlement of the county's sub-projects on it: underfunding at the source, not shrinkage.
fn underfunded(catalog: &Catalog, rows: &[Row], issued: &HashMap<(String, String), Fen>) -> Vec<Flag> {
    // Per (county, channel): entitlements, received, rows.
    let mut totals: BTreeMap<(&str, &str), (Fen, Fen, usize)> = BTreeMap::new();
    for r in rows {
        let t = totals.entry((&r.county, &r.channel)).or_default();
        t.0 += r.entitlement.amount;
        t.1 += r.received;
        t.2 += 1;
    }
    totals
        .into_iter()
        .filter_map(|((county, code), (entitled, received, n))| {
            let given = issued.get(&(county.to_string(), code.to_string())).copied().unwrap_or_default();
            let short = entitled - Fen(given.0.max(0));
            if !short.is_positive() {
                return None;
            }
            let pct = short.percent_of(entitled);
            let channel = channel_name(catalog, code);
            let (e, g, s, p) = (entitled.yuan_grouped(), given.yuan_grouped(), short.yuan_grouped(), percent(pct));
            Some(Flag {
                kind: FlagKind::Underfunded,
                county: Some(county.to_string()),
                channel: Some(channel.clone()),
                entitlement: Some(entitled),
                received: Some(received),
                issued: Some(given),
                underfunding: Some(short),
                message: crate::tr!(
                    "资金来源不足：{county}{channel}已下达 {g}，本县 {n} 个子项目单独补助应得合计 {e}，差 {s}（{p}%）；这不是补助缩水，各子项目按公平份额衡量",
                    "underfunded: {county} was issued {g} on {channel} against {e} of standalone entitlements of its {n} sub-project row(s), {s} short ({p}%); this is not 缩水: each sub-project is judged against its fair share"
                ),
                ..Flag::default()
            })
        })
        .collect()
}

/// A project's shrinkage: the sum of its sub-projects' shrinkage, channel by channel. Money a
/// sub-project received beyond its fair share on one channel never makes up for another's
/// shortfall (渠道不乱): beyond the entitlement it is flagged on its own (`over_entitlement`).
fn project_shrinkage(rows: &[Row]) -> Vec<Flag> {
    // Per project: (entitlements, fair shares, received, shrinkage summed, underfunding).
    let mut totals: BTreeMap<&str, [Fen; 5]> = BTreeMap::new();
    let county: HashMap<&str, &str> = rows.iter().map(|r| (r.project.as_str(), r.county.as_str())).collect();
    for r in rows {
        let t = totals.entry(&r.project).or_default();
        t[0] += r.entitlement.amount;
        t[1] += r.fair_share;
        t[2] += r.received;
        t[3] += r.shrinkage();
        t[4] += r.underfunding();
    }
    totals
        .into_iter()
        .filter(|(_, t)| t[3].is_positive())
        .map(|(project, [e, fair, r, gap, under])| {
            let pct = gap.percent_of(fair);
            let (gs, p, rs, fs, es, us) =
                (gap.yuan_grouped(), percent(pct), r.yuan_grouped(), fair.yuan_grouped(), e.yuan_grouped(), under.yuan_grouped());
            Flag {
                kind: FlagKind::ProjectShrinkage,
                county: county.get(project).map(|c| c.to_string()),
                project: Some(project.to_string()),
                entitlement: Some(e),
                fair_share: Some(fair),
                received: Some(r),
                gap: Some(gap),
                gap_percent: pct,
                underfunding: Some(under),
                message: crate::tr!(
                    "补助缩水：项目 {project} 各子项目按渠道逐一计算少得 {gs}（公平份额的 {p}%；到位 {rs}，公平份额 {fs}，单独补助应得 {es}；某渠道多得不抵其他渠道少得；来源不足 {us} 另计）",
                    "补助缩水: project {project}'s sub-projects received {gs} less than their fair shares, channel by channel ({p}%; received {rs} of fair shares {fs}, entitlements {es}; surpluses on other channels not netted; underfunding at the source {us} counted apart)"
                ),
                ..Flag::default()
            }
        })
        .collect()
}

/// A sub-project that received more on a channel than its standalone entitlement there.
fn over_entitlement(catalog: &Catalog, r: &Row) -> Flag {
    let channel = channel_name(catalog, &r.channel);
    let over = r.received - r.entitlement.amount;
    let (sub, received, o, e) =
        (&r.subproject, r.received.yuan_grouped(), over.yuan_grouped(), r.entitlement.amount.yuan_grouped());
    Flag {
        kind: FlagKind::OverEntitlement,
        county: Some(r.county.clone()),
        project: Some(r.project.clone()),
        subproject: Some(sub.clone()),
        channel: Some(channel.clone()),
        entitlement: Some(r.entitlement.amount),
        fair_share: Some(r.fair_share),
        received: Some(r.received),
        amount: Some(over),
        message: crate::tr!(
            "{sub} 在{channel}上到位 {received}，超出单独补助应得 {e} 共 {o}：可能占用了其他子项目的资金，且不能抵补其他渠道的缺口",
            "{sub} received {received} on {channel}, {o} more than its standalone entitlement {e}: another sub-project's money may have gone there, and it does not make up for another channel's shortfall"
        ),
        ..Flag::default()
    }
}

fn appropriation_flags(
    db: &Db,
    catalog: &Catalog,
    as_of: NaiveDate,
    money: &Money,
    subprojects: &[StoredSubproject],
    flags: &mut Vec<Flag>,
) -> Result<()> {
    let subproject: FxHashMap<i64, &StoredSubproject> = subprojects.iter().map(|s| (s.id, s)).collect();
    let mut lines_of: FxHashMap<i64, Vec<Line>> = FxHashMap::default();
    for (id, balance) in &money.lines {
        let Some(s) = subproject.get(&id.subproject) else { continue };
        lines_of.entry(id.appropriation).or_default().push(Line {
            id: *id,
            subproject: s,
            balance: *balance,
        });
    }
    let activity: FxHashMap<LineId, Activity> = db.maintained_activity()?.into_iter().collect();
    for a in &money.appropriations {
        let mut own = lines_of.remove(&a.id).unwrap_or_default();
        own.sort_by(|x, y| {
            (&x.subproject.project_code, &x.subproject.code)
                .cmp(&(&y.subproject.project_code, &y.subproject.code))
        });
        let drawn: Fen = own.iter().map(|l| l.balance.drawn()).sum();
        let paid: Fen = own.iter().map(|l| l.balance.paid).sum();
        // What it issued by then: its amount and the adjustments dated up to it.
        let issued = crate::model::issued_as_of(a.amount, a.id, &money.adjustments, as_of);
        let available = issued - drawn;
        let channel = channel_name(catalog, &a.channel);
        let base = Flag {
            appropriation: Some(a.code.to_string()),
            channel: Some(channel.clone()),
            ..Flag::default()
        };
        let age = (as_of - a.issued_on).num_days();
        if available.is_positive() && age > UNALLOCATED_DAYS {
            flags.push(Flag {
                kind: FlagKind::Unallocated,
                amount: Some(available),
                days: Some(age),
                since: Some(a.issued_on),
                message: {
                    let (code, doc, on, left) = (&a.code, &a.doc_no, a.issued_on, available.yuan_grouped());
                    crate::tr!(
                        "指标 {code}（{doc}，{channel}）于 {on} 下达，{age} 天后（超过 {UNALLOCATED_DAYS} 天）仍有 {left} 未分配",
                        "appropriation {code} ({doc}, {channel}) issued {on} still has {left} unallocated after {age} days (more than {UNALLOCATED_DAYS})"
                    )
                },
                ..base.clone()
            });
        }
        let last = own.iter().filter_map(|l| activity.get(&l.id)?.last_entry).max().unwrap_or(a.issued_on);
        let idle = (as_of - last).num_days();
        if (issued - paid).is_positive() && idle >= IDLE_DAYS {
            flags.push(Flag {
                kind: FlagKind::Idle,
                amount: Some(issued - paid),
                days: Some(idle),
                since: Some(last),
                message: {
                    let (code, unpaid) = (&a.code, (issued - paid).yuan_grouped());
                    crate::tr!(
                        "指标 {code}（{channel}）尚有 {unpaid} 未支付，自 {last} 起 {idle} 天无资金变动（结余风险）",
                        "appropriation {code} ({channel}) has {unpaid} not paid out and no movement since {last} ({idle} days; 结余 risk)"
                    )
                },
                ..base.clone()
            });
        }
        unpaid_flags(&a.code, &own, &activity, as_of, &base, flags);
    }
    Ok(())
}

/// One line of an appropriation, for its flags: its ids, its sub-project and its balance.
struct Line<'a> {
    id: LineId,
    subproject: &'a StoredSubproject,
    balance: LineBalance,
}

/// Money disbursed from appropriation `code` to an implementing body and not paid out more
/// than `UNPAID_DAYS` after the last disbursement, per line.
fn unpaid_flags(
    code: &str,
    own: &[Line],
    activity: &FxHashMap<LineId, Activity>,
    as_of: NaiveDate,
    base: &Flag,
    flags: &mut Vec<Flag>,
) {
    for l in own.iter().filter(|l| l.balance.held().is_positive()) {
        let disbursed = activity.get(&l.id).and_then(|x| x.last_disbursement);
        let Some(disbursed) = disbursed else { continue };
        let days = (as_of - disbursed).num_days();
        if days > UNPAID_DAYS {
            flags.push(Flag {
                kind: FlagKind::Unpaid,
                amount: Some(l.balance.held()),
                days: Some(days),
                since: Some(disbursed),
                project: Some(l.subproject.project_code.to_string()),
                subproject: Some(l.subproject.code.to_string()),
                message: {
                    let (held, sub) = (l.balance.held().yuan_grouped(), &l.subproject.code);
                    crate::tr!(
                        "指标 {code} 拨付给子项目 {sub} 的 {held}，自最后一次拨付（{disbursed}）起 {days} 天仍未支付",
                        "{held} disbursed to sub-project {sub} from {code} is not paid out {days} days after the last disbursement on {disbursed}"
                    )
                },
                ..base.clone()
            });
        }
    }
}
