//! Standalone entitlements per (sub-project, channel), with what each has received.
//!
//! Every sub-project not excluded on the date in question has one row per channel designated
//! for its type (types with no channel have none), figured from the version of the
//! sub-project in force on that date (its amendments: investment, quantity, unit, standalone
//! approvals). The entitlement comes from `subsidy::entitlement`: a standalone amount approved
//! on that channel by amendment; else the register's standalone amount on the sub-project's
//! primary (first designated) channel; else the rule valid on its project's approval date. Received = allocated − withdrawn − returned on that
//! channel, over all appropriation lines, reversals netted.

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::BalanceLine;
use crate::model::Status;
use crate::money::Fen;
use crate::subsidy::{self, Entitlement, Measure};
use chrono::NaiveDate;
use serde::Serialize;
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

/// All entitlement rows as of `as_of`, in project, sub-project and catalogue channel order,
/// with what each has received over all entries.
pub fn entitlements(db: &Db, catalog: &Catalog, as_of: NaiveDate) -> Result<Vec<Row>> {
    entitlements_with(db, catalog, &db.balance_lines()?, as_of)
}

/// All entitlement rows of the sub-projects as in force on `as_of`, with what each has
/// received on the given lines (e.g. the lines as of that date).
pub fn entitlements_with(
    db: &Db,
    catalog: &Catalog,
    lines: &[BalanceLine],
    as_of: NaiveDate,
) -> Result<Vec<Row>> {
    let rules = db.rules()?;
    let approved: HashMap<String, chrono::NaiveDate> =
        db.projects()?.into_iter().map(|p| (p.row.code.into(), p.row.approved_on)).collect();
    let mut received: HashMap<(&str, &str), Fen> = HashMap::new();
    for l in lines {
        *received.entry((&l.subproject, &l.channel)).or_default() += l.balance.drawn();
    }
    let mut subprojects = db.subprojects_as_of(as_of)?;
    subprojects.sort_by(|a, b| (&a.project_code, &a.code).cmp(&(&b.project_code, &b.code)));
    let mut rows = Vec::new();
    for s in subprojects.iter().filter(|s| s.status != Status::Excluded) {
        let measure = Measure { quantity: &s.quantity, unit: &s.unit, investment: s.investment };
        let register = s.standalone.map(|a| (a, s.standalone_doc.as_str()));
        for (i, channel) in catalog.channels_for_type(&s.type_code).into_iter().enumerate() {
            let approved_on = approved[s.project_code.as_str()];
            let amended = s.standalone_by_channel.get(&channel.code).map(|(a, doc)| (*a, doc.as_str()));
            let standalone = amended.or(register.filter(|_| i == 0));
            let e = subsidy::entitlement(
                &rules,
                &channel.code,
                &s.type_code,
                approved_on,
                &measure,
                standalone,
                true,
            );
            rows.push(Row {
                project: s.project_code.to_string(),
                county: s.county.clone(),
                subproject: s.code.to_string(),
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

/// One row of the `entitlements` listing: names as the reader knows them, codes beside.
#[derive(Clone, Debug, Serialize)]
pub struct Listed {
    pub project: String,
    pub subproject: String,
    /// The sub-project type's name.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The channel's name.
    pub channel: String,
    pub entitlement: Fen,
    pub received: Fen,
    pub outstanding: Fen,
    /// Where the entitlement comes from, in words.
    pub basis: String,
    /// The entitlement comes from an illustrative sample rule, not an official figure.
    pub sample: bool,
    pub type_code: String,
    pub channel_code: String,
    /// Where the entitlement comes from, as data.
    pub basis_detail: subsidy::Basis,
}

/// The listing's sums; the row's text keys are there, and `null`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ListedTotals {
    pub project: Option<String>,
    pub subproject: Option<String>,
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub channel: Option<String>,
    pub entitlement: Fen,
    pub received: Fen,
    pub outstanding: Fen,
    pub basis: Option<String>,
}

/// The `entitlements` report: every row (of one project, or all), their sums and how many
/// rows rest on a sample rule.
#[derive(Clone, Debug, Serialize)]
pub struct Listing {
    pub rows: Vec<Listed>,
    pub totals: ListedTotals,
    pub samples: usize,
}

/// The `entitlements` report of every project, or only of `project`.
pub fn listing(db: &Db, catalog: &Catalog, project: Option<&str>, as_of: NaiveDate) -> Result<Listing> {
    let name = |code: &str| catalog.channel(code).map_or(code.to_string(), |ch| ch.name.clone());
    let type_name = |code: &str| catalog.subproject_type(code).map_or(code.to_string(), |t| t.name.clone());
    let rows: Vec<Listed> = entitlements(db, catalog, as_of)?
        .into_iter()
        .filter(|r| project.is_none_or(|p| p == r.project))
        .map(|r| Listed {
            type_name: type_name(&r.type_code),
            channel: name(&r.channel),
            entitlement: r.entitlement.amount,
            received: r.received,
            outstanding: r.outstanding(),
            basis: r.entitlement.basis.describe(),
            sample: r.entitlement.basis.is_sample(),
            basis_detail: r.entitlement.basis,
            project: r.project,
            subproject: r.subproject,
            type_code: r.type_code,
            channel_code: r.channel,
        })
        .collect();
    let totals = ListedTotals {
        entitlement: rows.iter().map(|r| r.entitlement).sum(),
        received: rows.iter().map(|r| r.received).sum(),
        outstanding: rows.iter().map(|r| r.outstanding).sum(),
        ..ListedTotals::default()
    };
    let samples = rows.iter().filter(|r| r.sample).count();
    Ok(Listing { rows, totals, samples })
}
