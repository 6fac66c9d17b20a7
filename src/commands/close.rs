//! `close --year Y` and `reopen --year Y --reason TEXT`: R5's period events.
//!
//! A closed year accepts no entry dated in it. Reopening is possible, because real books
//! sometimes need a late correction, but it is a recorded event with a reason and an operator:
//! `log` lists it and `verify` reports it, so an auditor always sees that a year was reopened.

use super::Ctx;
use crate::db::{Db, WriteRecord};
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::Stamp;
use crate::model::PeriodAction;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The year to close.
    #[arg(long, value_parser = crate::args::year)]
    pub year: i32,
}

#[derive(clap::Args, Debug)]
pub struct ReopenArgs {
    /// The closed year to reopen.
    #[arg(long, value_parser = crate::args::year)]
    pub year: i32,
    /// Why the year is reopened (recorded, and shown by `log` and `verify`).
    #[arg(long)]
    pub reason: String,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    let stamp = Stamp::now(&ctx.operator);
    let tx = db.begin()?;
    let this_year = chrono::Datelike::year(&chrono::Local::now().date_naive());
    if args.year >= this_year {
        let message = format!("{} has not ended yet; a year is closed after its last day", args.year);
        return Err(Error::rejected(Problem::new(Check::R5, message).column("--year")));
    }
    if tx.closed_years()?.contains(&args.year) {
        return Err(Error::rejected(Problem::new(Check::R5, format!("{} is already closed", args.year))));
    }
    tx.period_event(args.year, PeriodAction::Close, "", &stamp.operator, &stamp.recorded_at)?;
    let year = args.year.to_string();
    tx.commit(&WriteRecord {
        command: "close",
        detail: &year,
        summary: &format!("closed {year}"),
        operator: &stamp.operator,
        recorded_at: &stamp.recorded_at,
        ..WriteRecord::default()
    })?;
    crate::outln!("closed {}: no entry dated in {} will be accepted", args.year, args.year);
    Ok(0)
}

pub fn run_reopen(ctx: &Ctx, args: &ReopenArgs) -> Result<u8> {
    if args.reason.trim().is_empty() {
        let message = "a reopen needs a reason; it is recorded and shown to auditors by `log` and `verify`";
        return Err(Error::rejected(Problem::new(Check::R5, message).column("--reason")));
    }
    let reason = crate::model::parse_text(&args.reason, "reason", true)
        .map_err(|m| Error::rejected(Problem::new(Check::Format, m).column("--reason")))?;
    let reason = reason.as_str();
    let mut db = Db::open(&ctx.db_path())?;
    let stamp = Stamp::now(&ctx.operator);
    let tx = db.begin()?;
    if !tx.closed_years()?.contains(&args.year) {
        let message = format!("{} is not closed, so there is nothing to reopen", args.year);
        return Err(Error::rejected(Problem::new(Check::R5, message).column("--year")));
    }
    tx.period_event(args.year, PeriodAction::Reopen, reason, &stamp.operator, &stamp.recorded_at)?;
    let year = args.year.to_string();
    tx.commit(&WriteRecord {
        command: "reopen",
        detail: &year,
        summary: &format!("reopened {year}"),
        reason,
        operator: &stamp.operator,
        recorded_at: &stamp.recorded_at,
    })?;
    crate::outln!(
        "reopened {}: entries dated in {} are accepted again until it is closed again; the reopen is recorded ({}, {})",
        args.year,
        args.year,
        stamp.operator,
        stamp.recorded_at
    );
    Ok(0)
}
