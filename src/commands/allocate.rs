//! `allocate --appropriation A [--commit] [--remainder pro-rata|hold] [--date D]`: plan how the
//! money still available on an appropriation line is divided among the eligible sub-projects
//! of its county (the channel designates the type; not excluded) — outstanding standalone
//! entitlements first, then the remainder as asked — and, with `--commit`, record the
//! allocations in one transaction through the same rule checks as any entry. Running it again
//! divides only what is still available, so nothing is allocated twice.

use super::Ctx;
use crate::allocate::{plan, Claim, Plan, Remainder};
use crate::db::{Db, StoredAppropriation};
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::{EntryWriter, Stamp};
use crate::model::{self, Kind, NewEntry, Status};
use crate::money::Fen;
use crate::render::{self, c, Cell, Report, Unit};
use crate::report::entitlements::entitlements;
use std::collections::HashMap;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The appropriation line (指标编号) to divide.
    #[arg(long)]
    pub appropriation: String,
    /// Record the planned allocations (without it, only the plan is shown).
    #[arg(long)]
    pub commit: bool,
    /// What to do with money left after every outstanding entitlement is met.
    #[arg(long, value_enum, default_value = "hold")]
    pub remainder: Remainder,
    /// The date of the allocations, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub date: Option<String>,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let bad = |column: &str, message: String| {
        Error::BadRequest(vec![Problem::new(Check::Format, message).column(column)])
    };
    let date = match &args.date {
        None => chrono::Local::now().date_naive(),
        Some(d) => model::parse_date(d).map_err(|m| bad("--date", m))?,
    };
    let mut db = Db::open(&ctx.db_path())?;
    let a = db.appropriations()?.into_iter().find(|a| a.code == args.appropriation).ok_or_else(|| {
        bad("--appropriation", format!("appropriation '{}' is not recorded", args.appropriation))
    })?;
    let (p, mut report) = planned(&db, &a, args.remainder)?;
    if !args.commit {
        report.notes.push("this is a plan: nothing was written (add --commit to record it)".into());
        render::print(&report, ctx.options(args.unit), ctx.out())?;
        return Ok(0);
    }
    let recorded = commit(&mut db, &a, &p, date, &ctx.operator)?;
    report.notes.push(format!(
        "recorded {} allocation(s) dated {date}, {} in all",
        recorded.len(),
        p.shares.iter().map(|s| s.total()).sum::<Fen>().yuan_grouped()
    ));
    render::print(&report, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}

/// The plan for an appropriation and its report (title and notes included).
pub fn planned(db: &Db, a: &StoredAppropriation, remainder: Remainder) -> Result<(Plan, Report)> {
    let (available, claims, projects) = claims(db, a)?;
    let p = plan(available, &claims, remainder);
    let mut report = plan_report(&p, &projects);
    report.title = format!(
        "appropriation {} ({}, {}, {}): {} issued, {} available to allocate; remainder: {}",
        a.code,
        a.doc_no,
        db.catalog()?.channel(&a.channel).map_or(a.channel.clone(), |c| c.name.clone()),
        a.county,
        a.amount.yuan_grouped(),
        available.yuan_grouped(),
        match remainder {
            Remainder::ProRata => "pro rata to planned investment",
            Remainder::Hold => "held on the appropriation",
        }
    );
    report.notes.push(format!(
        "held back {}; shortfall against outstanding entitlements {}. Exact to the fen by largest remainder; ties go to the smaller sub-project code.",
        p.held.yuan_grouped(),
        p.shortfall.yuan_grouped()
    ));
    Ok((p, report))
}

/// What is available on the line, and one claim per eligible sub-project (with its project).
fn claims(db: &Db, a: &StoredAppropriation) -> Result<(Fen, Vec<Claim>, HashMap<String, String>)> {
    let catalog = db.catalog()?;
    let drawn = db.drawn_by_appropriation()?.get(&a.code).copied().unwrap_or_default();
    let outstanding: HashMap<String, Fen> = entitlements(db, &catalog)?
        .into_iter()
        .filter(|r| r.channel == a.channel)
        .map(|r| (r.subproject.clone(), r.outstanding()))
        .collect();
    let mut projects = HashMap::new();
    let claims = db
        .subprojects()?
        .into_iter()
        .filter(|s| {
            s.county == a.county
                && s.status != Status::Excluded
                && catalog.designates(&a.channel, &s.type_code)
        })
        .map(|s| {
            projects.insert(s.code.clone(), s.project_code.clone());
            Claim {
                outstanding: outstanding.get(&s.code).copied().unwrap_or_default(),
                investment: s.investment,
                subproject: s.code,
            }
        })
        .collect();
    Ok((a.amount - drawn, claims, projects))
}

fn plan_report(p: &Plan, projects: &HashMap<String, String>) -> Report {
    let total = |f: fn(&crate::allocate::Share) -> Fen| -> Fen { p.shares.iter().map(f).sum() };
    Report {
        columns: vec![
            c("project", "项目编号"),
            c("subproject", "子项目编号"),
            c("outstanding", "尚欠应得"),
            c("for_entitlement", "按应得分配"),
            c("from_remainder", "余额分配"),
            c("allocation", "分配合计"),
            c("shortfall", "缺口"),
        ],
        rows: p
            .shares
            .iter()
            .map(|s| {
                vec![
                    projects.get(&s.subproject).map_or(Cell::Empty, |x| x.as_str().into()),
                    s.subproject.as_str().into(),
                    s.outstanding.into(),
                    s.for_entitlement.into(),
                    s.from_remainder.into(),
                    s.total().into(),
                    s.shortfall.into(),
                ]
            })
            .collect(),
        totals: Some(vec![
            "合计 total".into(),
            Cell::Empty,
            total(|s| s.outstanding).into(),
            total(|s| s.for_entitlement).into(),
            total(|s| s.from_remainder).into(),
            total(|s| s.total()).into(),
            total(|s| s.shortfall).into(),
        ]),
        ..Report::default()
    }
}

/// Records the plan's allocations in one transaction; vouchers are `A-ALLOC-YYYYMMDD-NN`,
/// numbered past any already used.
fn commit(
    db: &mut Db,
    a: &StoredAppropriation,
    p: &Plan,
    date: chrono::NaiveDate,
    operator: &str,
) -> Result<Vec<String>> {
    let stamp = Stamp::now(operator);
    let tx = db.begin()?;
    let catalog = tx.catalog()?;
    let mut w = EntryWriter::new(&tx, &catalog, &stamp)?;
    let mut recorded = Vec::new();
    let mut n = 0;
    for s in p.shares.iter().filter(|s| s.total().is_positive()) {
        let voucher = loop {
            n += 1;
            let v = format!("{}-ALLOC-{}-{n:02}", a.code, date.format("%Y%m%d"));
            if tx.find_entry(&v)?.is_none() {
                break v;
            }
        };
        let entry = NewEntry {
            voucher: voucher.clone(),
            date,
            kind: Kind::Allocate,
            appropriation: Some(a.code.clone()),
            subproject: Some(s.subproject.clone()),
            amount: Some(s.total()),
            reverses: None,
            memo: "按单独补助应得分配 allocate --commit".into(),
            channel_ref: None,
        };
        w.write(&entry)?.map_err(Error::Rejected)?;
        recorded.push(voucher);
    }
    w.finish()?;
    let summary = format!("{} allocations recorded", recorded.len());
    tx.commit(&stamp.record("allocate --commit", &a.code, &summary))?;
    Ok(recorded)
}
