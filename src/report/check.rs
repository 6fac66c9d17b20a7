//! The findings a reviewer should see (`check`), each one flag:
//!
//! - `shrinkage` (补助缩水): a sub-project has received less on a channel than its standalone
//!   entitlement; `project_shrinkage`: a project's total received is below its total
//!   entitlement;
//! - `unallocated`: an appropriation still has money available a year after it was issued;
//! - `unpaid`: money disbursed to an implementing body and not paid out a year after the last
//!   disbursement;
//! - `idle`: an appropriation with money not yet paid out and no movement for two years
//!   (结余 risk);
//! - `no_letter`: a sub-project not excluded (on the day, as amended) that no confirmation letter (确认书, Annex 2)
//!   names.
//!
//! The periods are fiscal practice, not policy text; they are constants here, named in each
//! message.

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::{BalanceLine, LineActivity, Status};
use crate::money::Fen;
use crate::report::entitlements::{self, Row};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Days after issue before available money is flagged as unallocated.
pub const UNALLOCATED_DAYS: i64 = 365;
/// Days after the last disbursement before held money is flagged as unpaid.
pub const UNPAID_DAYS: i64 = 365;
/// Days without any movement before an appropriation with money on it is flagged idle.
pub const IDLE_DAYS: i64 = 730;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub project: Option<String>,
    pub subproject: Option<String>,
    pub channel: Option<String>,
    pub appropriation: Option<String>,
    pub entitlement: Option<Fen>,
    pub received: Option<Fen>,
    pub gap: Option<Fen>,
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
    /// A sub-project received less than its standalone entitlement on a channel (补助缩水).
    #[default]
    Shrinkage,
    /// A project's sub-projects' shrinkage, summed channel by channel (never netted).
    ProjectShrinkage,
    /// A sub-project received more on a channel than its standalone entitlement there.
    OverEntitlement,
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
}

impl FlagKind {
    /// The JSON and CSV code.
    pub fn code(self) -> &'static str {
        match self {
            FlagKind::Shrinkage => "shrinkage",
            FlagKind::ProjectShrinkage => "project_shrinkage",
            FlagKind::OverEntitlement => "over_entitlement",
            FlagKind::FlagshipNotPeople => "flagship_not_people",
            FlagKind::Unallocated => "unallocated",
            FlagKind::Idle => "idle",
            FlagKind::Unpaid => "unpaid",
            FlagKind::NoLetter => "no_letter",
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
/// channel, then project totals, then receipts over entitlement, then appropriation findings
/// by code, then sub-projects without a letter by code.
pub fn check(db: &Db, catalog: &Catalog, as_of: NaiveDate) -> Result<Vec<Flag>> {
    let rows = entitlements::entitlements(db, catalog, as_of)?;
    let mut flags: Vec<Flag> =
        rows.iter().filter(|r| r.gap().is_positive()).map(|r| shrinkage(catalog, r)).collect();
    flags.extend(project_shrinkage(&rows));
    flags.extend(
        rows.iter()
            .filter(|r| r.entitlement.amount.is_positive() && r.received > r.entitlement.amount)
            .map(|r| over_entitlement(catalog, r)),
    );
    flags.extend(appropriation_flags(db, catalog, as_of)?);
    flags.extend(no_letter(db, as_of)?);
    flags.extend(flagship_not_people(db, as_of)?);
    Ok(flags)
}

/// A flagship (精品示范工程) is a 人-mode project (policy 二（三）): one of another mode marked
/// flagship is flagged, and not counted toward the review's flagship target.
fn flagship_not_people(db: &Db, as_of: NaiveDate) -> Result<Vec<Flag>> {
    Ok(db
        .projects_as_of(as_of)?
        .into_iter()
        .filter(|p| p.row.flagship && p.row.mode != crate::model::Mode::People)
        .map(|p| Flag {
            kind: FlagKind::FlagshipNotPeople,
            project: Some(p.row.code.to_string()),
            message: format!(
                "project {} is marked 精品示范工程 but its mode is {} ({}): flagships are 人-mode projects, so the review does not count it",
                p.row.code,
                p.row.mode.zh(),
                p.row.mode
            ),
            ..Flag::default()
        })
        .collect())
}

/// Each sub-project not excluded in the register that no confirmation letter names.
fn no_letter(db: &Db, as_of: NaiveDate) -> Result<Vec<Flag>> {
    let named: std::collections::HashSet<String> =
        db.letters(None)?.into_iter().flat_map(|l| l.lines).map(|x| x.subproject).collect();
    Ok(db
        .subprojects_as_of(as_of)?
        .into_iter()
        .filter(|s| s.status != Status::Excluded && !named.contains(s.code.as_str()))
        .map(|s| Flag {
            kind: FlagKind::NoLetter,
            project: Some(s.project_code.to_string()),
            subproject: Some(s.code.to_string()),
            message: format!(
                "no confirmation letter (确认书) names {} ({}): record the competent department's letter with `import letters`",
                s.code,
                s.status.zh()
            ),
            ..Flag::default()
        })
        .collect())
}

fn channel_name(catalog: &Catalog, code: &str) -> String {
    catalog.channel(code).map_or(code.to_string(), |c| c.name.clone())
}

fn shrinkage(catalog: &Catalog, r: &Row) -> Flag {
    let percent = r.gap().percent_of(r.entitlement.amount);
    let sample =
        if r.entitlement.basis.is_sample() { " (entitlement from an illustrative sample rule)" } else { "" };
    let channel = channel_name(catalog, &r.channel);
    Flag {
        kind: FlagKind::Shrinkage,
        project: Some(r.project.clone()),
        subproject: Some(r.subproject.clone()),
        channel: Some(channel.clone()),
        appropriation: None,
        entitlement: Some(r.entitlement.amount),
        received: Some(r.received),
        gap: Some(r.gap()),
        gap_percent: percent,
        amount: None,
        days: None,
        since: None,
        message: format!(
            "补助缩水: {} received {} of its standalone entitlement {} on {channel}, {} short ({}%){sample}",
            r.subproject,
            r.received.yuan_grouped(),
            r.entitlement.amount.yuan_grouped(),
            r.gap().yuan_grouped(),
            percent.map(|p| format!("{p:.2}")).unwrap_or_default()
        ),
    }
}

/// A project's shrinkage: the sum of its sub-projects' shrinkage, channel by channel. Money a
/// sub-project received beyond its entitlement on one channel never makes up for another's
/// shortfall (渠道不乱): it is flagged on its own (`over_entitlement`).
fn project_shrinkage(rows: &[Row]) -> Vec<Flag> {
    // Per project: (entitlements, received, the sub-projects' gaps summed).
    let mut totals: BTreeMap<&str, (Fen, Fen, Fen)> = BTreeMap::new();
    for r in rows {
        let t = totals.entry(&r.project).or_default();
        t.0 += r.entitlement.amount;
        t.1 += r.received;
        if r.gap().is_positive() {
            t.2 += r.gap();
        }
    }
    totals
        .into_iter()
        .filter(|(_, (_, _, gap))| gap.is_positive())
        .map(|(project, (e, r, gap))| {
            let percent = gap.percent_of(e);
            Flag {
                kind: FlagKind::ProjectShrinkage,
                project: Some(project.to_string()),
                entitlement: Some(e),
                received: Some(r),
                gap: Some(gap),
                gap_percent: percent,
                message: format!(
                    "补助缩水: project {project}'s sub-projects received {} less than their standalone entitlements, channel by channel ({}%; received {} of {}, surpluses on other channels not netted)",
                    gap.yuan_grouped(),
                    percent.map(|p| format!("{p:.2}")).unwrap_or_default(),
                    r.yuan_grouped(),
                    e.yuan_grouped()
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
    Flag {
        kind: FlagKind::OverEntitlement,
        project: Some(r.project.clone()),
        subproject: Some(r.subproject.clone()),
        channel: Some(channel.clone()),
        entitlement: Some(r.entitlement.amount),
        received: Some(r.received),
        amount: Some(over),
        message: format!(
            "{} received {} on {channel}, {} more than its standalone entitlement {}: it does not make up for another channel's shortfall",
            r.subproject,
            r.received.yuan_grouped(),
            over.yuan_grouped(),
            r.entitlement.amount.yuan_grouped()
        ),
        ..Flag::default()
    }
}

fn appropriation_flags(db: &Db, catalog: &Catalog, as_of: NaiveDate) -> Result<Vec<Flag>> {
    let lines = db.balance_lines()?;
    let mut lines_of: HashMap<&str, Vec<&BalanceLine>> = HashMap::new();
    for l in &lines {
        lines_of.entry(l.appropriation.as_str()).or_default().push(l);
    }
    let activity: HashMap<(String, String), LineActivity> = db
        .line_activity()?
        .into_iter()
        .map(|x| ((x.appropriation.clone(), x.subproject.clone()), x))
        .collect();
    let mut flags = Vec::new();
    let adjustments = db.adjustments()?;
    for a in db.appropriations()? {
        let own = lines_of.remove(a.code.as_str()).unwrap_or_default();
        let drawn: Fen = own.iter().map(|l| l.balance.drawn()).sum();
        let paid: Fen = own.iter().map(|l| l.balance.paid).sum();
        // What it issued by then: its amount and the adjustments dated up to it.
        let issued = crate::model::issued_as_of(a.amount, a.id, &adjustments, as_of);
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
                message: format!(
                    "appropriation {} ({}, {channel}) issued {} still has {} unallocated after {age} days (more than {UNALLOCATED_DAYS})",
                    a.code, a.doc_no, a.issued_on, available.yuan_grouped()
                ),
                ..base.clone()
            });
        }
        let last = own
            .iter()
            .filter_map(|l| activity.get(&(a.code.to_string(), l.subproject.clone())))
            .map(|x| x.last_entry)
            .max()
            .unwrap_or(a.issued_on);
        let idle = (as_of - last).num_days();
        if (issued - paid).is_positive() && idle >= IDLE_DAYS {
            flags.push(Flag {
                kind: FlagKind::Idle,
                amount: Some(issued - paid),
                days: Some(idle),
                since: Some(last),
                message: format!(
                    "appropriation {} ({channel}) has {} not paid out and no movement since {last} ({idle} days; 结余 risk)",
                    a.code,
                    (issued - paid).yuan_grouped()
                ),
                ..base.clone()
            });
        }
        flags.extend(unpaid_flags(&a.code, &own, &activity, as_of, &base));
    }
    Ok(flags)
}

/// Money disbursed from appropriation `code` to an implementing body and not paid out more
/// than `UNPAID_DAYS` after the last disbursement, per line.
fn unpaid_flags(
    code: &str,
    own: &[&BalanceLine],
    activity: &HashMap<(String, String), LineActivity>,
    as_of: NaiveDate,
    base: &Flag,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    for l in own.iter().filter(|l| l.balance.held().is_positive()) {
        let disbursed =
            activity.get(&(code.to_string(), l.subproject.clone())).and_then(|x| x.last_disbursement);
        let Some(disbursed) = disbursed else { continue };
        let days = (as_of - disbursed).num_days();
        if days > UNPAID_DAYS {
            flags.push(Flag {
                kind: FlagKind::Unpaid,
                amount: Some(l.balance.held()),
                days: Some(days),
                since: Some(disbursed),
                project: Some(l.project.clone()),
                subproject: Some(l.subproject.clone()),
                message: format!(
                    "{} disbursed to sub-project {} from {code} is not paid out {days} days after the last disbursement on {disbursed}",
                    l.balance.held().yuan_grouped(),
                    l.subproject
                ),
                ..base.clone()
            });
        }
    }
    flags
}
