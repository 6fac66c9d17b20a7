//! `close --year Y` and `reopen --year Y --reason TEXT`: R5's period events.
//!
//! A closed year accepts no entry dated in it. Reopening is possible, because real books
//! sometimes need a late correction, but it is a recorded event with a reason and an operator:
//! `log` lists it and `verify` reports it, so an auditor always sees that a year was reopened.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::{close_year, reopen_year, Stamp};

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
    close_year(&mut db, args.year, &Stamp::now(&ctx.operator))?;
    let year = args.year;
    crate::outln!(
        "{}",
        crate::tr!(
            "{year} 年度已结账：不再接受日期在该年度的分录",
            "closed {year}: no entry dated in {year} will be accepted"
        )
    );
    Ok(0)
}

pub fn run_reopen(ctx: &Ctx, args: &ReopenArgs) -> Result<u8> {
    if args.reason.trim().is_empty() {
        let message = crate::lang::pick(
            "重新开账需要写明原因；原因会被记录，并由 `log` 和 `verify` 向审计人员显示",
            "a reopen needs a reason; it is recorded and shown to auditors by `log` and `verify`",
        );
        return Err(Error::rejected(Problem::new(Check::R5, message).column("--reason")));
    }
    let reason = crate::model::parse_text(&args.reason, "reason", true)
        .map_err(|m| Error::rejected(Problem::new(Check::Format, m).column("--reason")))?;
    let mut db = Db::open(&ctx.db_path())?;
    let stamp = Stamp::now(&ctx.operator);
    reopen_year(&mut db, args.year, &reason, &stamp)?;
    let (year, operator, at) = (args.year, &stamp.operator, &stamp.recorded_at);
    crate::outln!(
        "{}",
        crate::tr!(
            "{year} 年度已重新开账：在再次结账前，重新接受日期在该年度的分录；本次重新开账已记录（{operator}，{at}）",
            "reopened {year}: entries dated in {year} are accepted again until it is closed again; the reopen is recorded ({operator}, {at})"
        )
    );
    Ok(0)
}
