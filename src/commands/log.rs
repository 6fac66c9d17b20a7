//! `log [--since DATE] [--by NAME]`: the write journal — every write that recorded something,
//! with who ran it, when, what it recorded and the audit-chain links it appended. Reopened
//! years show here with their reason. The global `--operator` (or `FUNDLEDGER_OPERATOR`)
//! only ever says who is writing; `--by` is the filter, so what `log` shows never depends on
//! the environment.

use super::Ctx;
use crate::db::Db;
use crate::error::Result;
use crate::render::{self, Unit};
use crate::report::journal::journal;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only writes on or after this date (YYYY-MM-DD, the date in each write's time stamp).
    #[arg(long, value_parser = crate::args::date)]
    pub since: Option<chrono::NaiveDate>,
    /// Only writes recorded by this operator (as `log` shows them; surrounding spaces are
    /// trimmed, as they are when an operator is recorded).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let writes = db.writes(args.since, args.by.as_deref().map(str::trim))?;
    let value = journal(&writes);
    render::print_value(&value, || render::journal::doc(&value), ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
