//! What was issued (指标下达) per department and channel, net of appropriation adjustments
//! (追加, 调减, 上级收回), for a statement's period and selection: what the lines issued, the
//! adjustments dated up to the period's end, and what that leaves; with the adjustments dated
//! within the period listed for a reviewer.

use super::statement::{Filter, Period};
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::money::Fen;
use serde::Serialize;
use std::collections::BTreeMap;

/// One department's channel: its lines' issued amounts, adjustments and net.
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

/// The issued amounts of the lines `filter` selects (by the department that owns the channel
/// and by county), as of the period's end.
pub fn issued(db: &Db, catalog: &Catalog, period: Period, filter: &Filter) -> Result<Issued> {
    let adjustments = db.adjustments()?;
    let in_period =
        |d: chrono::NaiveDate| period.from.is_none_or(|f| d >= f) && period.to.is_none_or(|t| d <= t);
    let mut sums: BTreeMap<(usize, usize), IssuedLine> = BTreeMap::new();
    let mut listed = Vec::new();
    for a in db.appropriations()? {
        let owner = catalog.channel(&a.channel).map_or(String::new(), |c| c.policy_owner.clone());
        let keep = filter.department.as_ref().is_none_or(|d| *d == owner)
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
        let seq = (
            catalog.departments.iter().position(|d| d.code == owner).unwrap_or(usize::MAX),
            catalog.channels.iter().position(|c| c.code == a.channel).unwrap_or(usize::MAX),
        );
        let line = sums.entry(seq).or_insert_with(|| IssuedLine {
            department: catalog.department(&owner).map_or(owner.clone(), |d| d.name.clone()),
            channel,
            original: Fen::ZERO,
            adjusted: Fen::ZERO,
            issued: Fen::ZERO,
            department_code: owner.clone(),
            channel_code: a.channel.clone(),
        });
        line.original += a.amount;
        line.adjusted += adjusted;
        line.issued = line.original + line.adjusted;
    }
    listed.sort_by(|x, y| (x.date, &x.appropriation).cmp(&(y.date, &y.appropriation)));
    Ok(Issued { lines: sums.into_values().collect(), adjustments: listed })
}
