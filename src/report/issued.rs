//! What was issued (指标下达) per department and channel, net of appropriation adjustments
//! (追加, 调减, 上级收回), for a statement's period and selection: what the lines issued, the
//! adjustments dated up to the period's end, and what that leaves; with the adjustments dated
//! within the period listed for a reviewer.
//!
//! Money is issued to a channel, not to a sub-project type, so the lines are per channel; a
//! channel is listed under the department responsible for the types it pays (Annex 3's
//! designations, Annex 1's 责任部门), the grouping the statement's rows use: 生态补偿专项资金
//! pays 农村河道治理 and is listed under 市水利局, though 市生态环境局 owns its fund rule. A
//! channel designated for types of several departments is listed under each (its issued
//! amount is then shown more than once, never split); one designated for no type falls back
//! to its policy owner. A co-leading department lists no channel for the rows it co-leads.

use super::statement::{Filter, Period};
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::money::Fen;
use serde::Serialize;
use std::collections::BTreeMap;

/// One channel under a department that its money pays for: its lines' issued amounts,
/// adjustments and net.
#[derive(Clone, Debug, Serialize)]
pub struct IssuedLine {
    pub department: String,
    pub channel: String,
    /// What the appropriation lines issued by the period's end said.
    pub original: Fen,
    /// The adjustments dated up to the period's end, summed (negative for cuts).
    pub adjusted: Fen,
    /// `original + adjusted`.
    pub issued: Fen,
    pub department_code: String,
    pub channel_code: String,
}

/// An adjustment dated within the period.
#[derive(Clone, Debug, Serialize)]
pub struct AdjustmentLine {
    pub appropriation: String,
    pub channel: String,
    pub county: String,
    pub amount: Fen,
    #[serde(serialize_with = "super::ser::date")]
    pub date: chrono::NaiveDate,
    pub document: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Issued {
    pub lines: Vec<IssuedLine>,
    pub adjustments: Vec<AdjustmentLine>,
}

/// The departments a channel's issued money is listed under: those responsible for the
/// types it pays, in catalogue order; its policy owner when it pays none.
pub fn departments_of_channel(catalog: &Catalog, channel: &str) -> Vec<String> {
    let paid: Vec<&str> = catalog.types_for_channel(channel).iter().map(|t| t.department.as_str()).collect();
    let mut departments: Vec<String> = catalog
        .departments
        .iter()
        .filter(|d| paid.contains(&d.code.as_str()))
        .map(|d| d.code.clone())
        .collect();
    if departments.is_empty() {
        departments.extend(catalog.channel(channel).map(|c| c.policy_owner.clone()));
    }
    departments
}

/// The issued amounts of the lines `filter` selects (by the departments responsible for the
/// types the channel pays, and by county), as of the period's end.
pub fn issued(db: &Db, catalog: &Catalog, period: Period, filter: &Filter) -> Result<Issued> {
    let adjustments = db.adjustments()?;
    let in_period =
        |d: chrono::NaiveDate| period.from.is_none_or(|f| d >= f) && period.to.is_none_or(|t| d <= t);
    let mut sums: BTreeMap<(usize, usize), IssuedLine> = BTreeMap::new();
    let mut listed = Vec::new();
    for a in db.appropriations()? {
        let departments: Vec<String> = departments_of_channel(catalog, &a.channel)
            .into_iter()
            .filter(|d| filter.department.as_ref().is_none_or(|f| f == d))
            .collect();
        let keep = !departments.is_empty()
            && filter.county.as_ref().is_none_or(|c| *c == a.county)
            && period.to.is_none_or(|t| a.issued_on <= t);
        if !keep {
            continue;
        }
        let mine = adjustments.iter().filter(|j| j.appropriation_id == a.id);
        let adjusted: Fen =
            mine.clone().filter(|j| period.to.is_none_or(|t| j.date <= t)).map(|j| j.amount).sum();
        let channel = catalog.channel(&a.channel).map_or(a.channel.clone(), |c| c.name.clone());
        for j in mine.filter(|j| in_period(j.date)) {
            listed.push(AdjustmentLine {
                appropriation: a.code.to_string(),
                channel: channel.clone(),
                county: a.county.clone(),
                amount: j.amount,
                date: j.date,
                document: j.document.clone(),
                reason: j.reason.clone(),
            });
        }
        for department in departments {
            let seq = (
                catalog.departments.iter().position(|d| d.code == department).unwrap_or(usize::MAX),
                catalog.channels.iter().position(|c| c.code == a.channel).unwrap_or(usize::MAX),
            );
            let line = sums.entry(seq).or_insert_with(|| IssuedLine {
                department: catalog.department(&department).map_or(department.clone(), |d| d.name.clone()),
                channel: channel.clone(),
                original: Fen::ZERO,
                adjusted: Fen::ZERO,
                issued: Fen::ZERO,
                department_code: department.clone(),
                channel_code: a.channel.clone(),
            });
            line.original += a.amount;
            line.adjusted += adjusted;
            line.issued = line.original + line.adjusted;
        }
    }
    listed.sort_by(|x, y| (x.date, &x.appropriation).cmp(&(y.date, &y.appropriation)));
    Ok(Issued { lines: sums.into_values().collect(), adjustments: listed })
}
