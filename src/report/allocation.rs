//! The allocation plan of an appropriation line (`allocate`): what is still available on
//! it, divided among the eligible sub-projects of its county (the channel designates the
//! type; not excluded) — fair shares not yet received first, then the rest of the outstanding
//! standalone entitlements, then the remainder as asked — exact to the fen (`crate::allocate`). Recording the plan is the command's job;
//! the value says whether it was recorded, and under which vouchers.

use crate::allocate::{plan, Claim, Plan, Remainder};
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::Status;
use crate::model::StoredAppropriation;
use crate::money::Fen;
use crate::report::entitlements::entitlements;
use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub project: Option<String>,
    pub subproject: String,
    pub outstanding: Fen,
    /// The part of `outstanding` due first: fair share not yet received.
    pub due: Fen,
    pub for_entitlement: Fen,
    pub from_remainder: Fen,
    pub allocation: Fen,
    pub shortfall: Fen,
}

/// The plan's sums; the row's text keys are there, and `null`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub project: Option<String>,
    pub subproject: Option<String>,
    pub outstanding: Fen,
    pub due: Fen,
    pub for_entitlement: Fen,
    pub from_remainder: Fen,
    pub allocation: Fen,
    pub shortfall: Fen,
}

/// The allocations a committed plan recorded.
#[derive(Clone, Debug, Serialize)]
pub struct Recorded {
    pub vouchers: Vec<String>,
    #[serde(serialize_with = "super::ser::date")]
    pub date: NaiveDate,
    pub total: Fen,
}

#[derive(Clone, Debug, Serialize)]
pub struct AllocationPlan {
    pub rows: Vec<Row>,
    pub totals: Totals,
    pub appropriation: String,
    pub doc_no: String,
    /// The channel's name.
    pub channel: String,
    pub channel_code: String,
    pub county: String,
    pub issued: Fen,
    pub available: Fen,
    #[serde(serialize_with = "remainder_code")]
    pub remainder: Remainder,
    /// Left on the appropriation.
    pub held: Fen,
    /// Outstanding entitlements this plan leaves unmet.
    pub shortfall: Fen,
    /// `None` while it is only a plan.
    pub recorded: Option<Recorded>,
    #[serde(skip)]
    pub plan: Plan,
}

fn remainder_code<S: Serializer>(r: &Remainder, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(match r {
        Remainder::ProRata => "pro_rata",
        Remainder::Hold => "hold",
    })
}

/// The plan for an appropriation line, not recorded.
pub fn allocation_plan(db: &Db, a: &StoredAppropriation, remainder: Remainder) -> Result<AllocationPlan> {
    let catalog = db.catalog()?;
    // What the appropriation issued today: its amount and every adjustment (none is dated
    // after today).
    let today = chrono::Local::now().date_naive();
    let issued = crate::model::issued_as_of(a.amount, a.id, &db.adjustments()?, today);
    let (available, claims, projects) = claims(db, &catalog, a, issued)?;
    let p = plan(available, &claims, remainder);
    let rows: Vec<Row> = p
        .shares
        .iter()
        .map(|s| Row {
            project: projects.get(&s.subproject).cloned(),
            subproject: s.subproject.clone(),
            outstanding: s.outstanding,
            due: s.due,
            for_entitlement: s.for_entitlement,
            from_remainder: s.from_remainder,
            allocation: s.total(),
            shortfall: s.shortfall,
        })
        .collect();
    let totals = Totals {
        outstanding: rows.iter().map(|r| r.outstanding).sum(),
        due: rows.iter().map(|r| r.due).sum(),
        for_entitlement: rows.iter().map(|r| r.for_entitlement).sum(),
        from_remainder: rows.iter().map(|r| r.from_remainder).sum(),
        allocation: rows.iter().map(|r| r.allocation).sum(),
        shortfall: rows.iter().map(|r| r.shortfall).sum(),
        ..Totals::default()
    };
    Ok(AllocationPlan {
        rows,
        totals,
        appropriation: a.code.to_string(),
        doc_no: a.doc_no.clone(),
        channel: catalog.channel(&a.channel).map_or(a.channel.clone(), |c| c.name.clone()),
        channel_code: a.channel.clone(),
        county: a.county.clone(),
        issued,
        available,
        remainder,
        held: p.held,
        shortfall: p.shortfall,
        recorded: None,
        plan: p,
    })
}

/// What is available on the line, and one claim per eligible sub-project (with its project).
fn claims(
    db: &Db,
    catalog: &Catalog,
    a: &StoredAppropriation,
    issued: Fen,
) -> Result<(Fen, Vec<Claim>, HashMap<String, String>)> {
    let drawn = db.drawn_by_appropriation()?.get(a.code.as_str()).copied().unwrap_or_default();
    // The register as amended today: an amended exclusion, investment or standalone approval
    // counts.
    let today = chrono::Local::now().date_naive();
    // Outstanding entitlement, and what is due first: the fair share not yet received (the
    // shrinkage) with the county's channel as funded today, this appropriation included — so
    // dividing by the dues leaves no shrinkage.
    let owed: HashMap<String, (Fen, Fen)> = entitlements(db, catalog, today)?
        .into_iter()
        .filter(|r| r.channel == a.channel)
        .map(|r| (r.subproject.clone(), (r.outstanding(), r.shrinkage())))
        .collect();
    let mut projects = HashMap::new();
    let claims = db
        .subprojects_as_of(today)?
        .into_iter()
        .filter(|s| {
            s.county == a.county
                && s.status != Status::Excluded
                && catalog.designates(&a.channel, &s.type_code)
        })
        .map(|s| {
            projects.insert(s.code.to_string(), s.project_code.to_string());
            let (outstanding, due) = owed.get(s.code.as_str()).copied().unwrap_or_default();
            Claim { outstanding, due, investment: s.investment, subproject: s.code.into() }
        })
        .collect();
    Ok((issued - drawn, claims, projects))
}
