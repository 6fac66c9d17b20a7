//! `close --year Y`: close a year so that no entry dated in it is accepted (R5).

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::Stamp;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The year to close.
    #[arg(long, value_parser = clap::value_parser!(i32).range(1900..=9999))]
    pub year: i32,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    let stamp = Stamp::now(&ctx.operator);
    let tx = db.begin()?;
    let this_year = chrono::Datelike::year(&chrono::Local::now().date_naive());
    if args.year >= this_year {
        let message = format!(
            "{} has not ended yet; a year is closed after its last day (a close cannot be undone)",
            args.year
        );
        return Err(Error::rejected(Problem::new(Check::R5, message).column("--year")));
    }
    if tx.closed_years()?.contains(&args.year) {
        return Err(Error::rejected(Problem::new(Check::R5, format!("{} is already closed", args.year))));
    }
    tx.close_year(args.year, &stamp.operator, &stamp.recorded_at)?;
    tx.commit()?;
    crate::outln!("closed {}: no entry dated in {} will be accepted", args.year, args.year);
    Ok(0)
}
