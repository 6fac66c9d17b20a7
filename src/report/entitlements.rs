//! Standalone entitlements per (sub-project, channel), with what each has received.
//!
//! Every non-excluded sub-project has one row per channel designated for its type (types with
//! no channel have none). The entitlement comes from `subsidy::entitlement`: the approved
//! standalone amount on the sub-project's primary (first designated) channel, else the rule
//! valid on its project's approval date. Received = allocated − withdrawn − returned on that
//! channel, over all appropriation lines, reversals netted.

use crate::catalog::Catalog;
use crate::db::{BalanceLine, Db};
use crate::error::Result;
use crate::model::Status;
use crate::money::Fen;
use crate::subsidy::{self, Entitlement, Measure};
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct Row {
    pub project: String,
    pub county: String,
    pub subproject: String,
    pub type_code: String,
    pub channel: String,
    pub investment: Fen,
    pub entitlement: Entitlement,
    pub received: Fen,
}

impl Row {
    /// Entitlement not yet received (never negative).
    pub fn outstanding(&self) -> Fen {
        Fen((self.entitlement.amount - self.received).0.max(0))
    }

    /// Entitlement minus received, when positive: the shrinkage.
    pub fn gap(&self) -> Fen {
        self.outstanding()
    }
}

/// All entitlement rows, in project, sub-project and catalogue channel order, with what
/// each has received over all entries.
pub fn entitlements(db: &Db, catalog: &Catalog) -> Result<Vec<Row>> {
    entitlements_with(db, catalog, &db.balance_lines()?)
}

/// All entitlement rows, with what each has received on the given lines (e.g. the lines as
/// of a date).
pub fn entitlements_with(db: &Db, catalog: &Catalog, lines: &[BalanceLine]) -> Result<Vec<Row>> {
    let rules = db.rules()?;
    let approved: HashMap<String, chrono::NaiveDate> =
        db.projects()?.into_iter().map(|p| (p.row.code, p.row.approved_on)).collect();
    let mut received: HashMap<(&str, &str), Fen> = HashMap::new();
    for l in lines {
        *received.entry((&l.subproject, &l.channel)).or_default() += l.balance.drawn();
    }
    let mut subprojects = db.subprojects()?;
    subprojects.sort_by(|a, b| (&a.project_code, &a.code).cmp(&(&b.project_code, &b.code)));
    let mut rows = Vec::new();
    for s in subprojects.iter().filter(|s| s.status != Status::Excluded) {
        let measure = Measure { quantity: &s.quantity, unit: &s.unit, investment: s.investment };
        let standalone = s.standalone.map(|a| (a, s.standalone_doc.as_str()));
        for (i, channel) in catalog.channels_for_type(&s.type_code).into_iter().enumerate() {
            let approved_on = approved[&s.project_code];
            let e = subsidy::entitlement(
                &rules,
                &channel.code,
                &s.type_code,
                approved_on,
                &measure,
                standalone,
                i == 0,
            );
            rows.push(Row {
                project: s.project_code.clone(),
                county: s.county.clone(),
                subproject: s.code.clone(),
                type_code: s.type_code.clone(),
                channel: channel.code.clone(),
                investment: s.investment,
                received: received
                    .get(&(s.code.as_str(), channel.code.as_str()))
                    .copied()
                    .unwrap_or_default(),
                entitlement: e,
            });
        }
    }
    Ok(rows)
}
