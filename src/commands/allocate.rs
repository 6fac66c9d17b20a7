//! `allocate --appropriation A [--commit] [--remainder pro-rata|hold] [--date D]`: plan how the
//! money still available on an appropriation line is divided among the eligible sub-projects
//! of its county (the channel designates the type; not excluded) — outstanding standalone
//! entitlements first, then the remainder as asked — and, with `--commit`, record the
//! allocations in one transaction through the same rule checks as any entry. Running it again
//! divides only what is still available, so nothing is allocated twice.

use super::Ctx;
use crate::allocate::Remainder;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ledger::{commit_plan, Stamp};
use crate::render::{self, Doc, Unit};
use crate::report::allocation::{allocation_plan, Recorded};

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
    #[arg(long, value_parser = crate::args::date)]
    pub date: Option<chrono::NaiveDate>,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let date = args.date.unwrap_or_else(|| chrono::Local::now().date_naive());
    let mut db = Db::open(&ctx.db_path())?;
    let a = db.appropriations()?.into_iter().find(|a| a.code == args.appropriation).ok_or_else(|| {
        Error::BadRequest(vec![
            Problem::not_recorded("appropriation", &args.appropriation).column("--appropriation")
        ])
    })?;
    let mut value = allocation_plan(&db, &a, args.remainder)?;
    if args.commit {
        let vouchers = commit_plan(&mut db, &a, &value.plan, date, &Stamp::now(&ctx.operator))?;
        value.recorded = Some(Recorded { vouchers, date, total: value.totals.allocation });
    }
    let doc = || Doc { sections: vec![render::allocation::table(&value)], ..Doc::default() };
    render::print_value(&value, doc, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}
