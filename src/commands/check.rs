//! `check [--as-of D]`: shrinkage flags (补助缩水) and other audit findings; exit 3 if any.

use super::Ctx;
use crate::db::Db;
use crate::error::{exit, Result};
use crate::render::{self, Doc, Unit};
use crate::report::check::findings;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The day the findings are judged on, YYYY-MM-DD (default: today).
    #[arg(long, value_parser = crate::args::date)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let as_of = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let db = Db::open_snapshot(&ctx.db_path())?;
    let found = findings(&db, &*db.catalog()?, as_of)?;
    let doc = || Doc { sections: vec![render::check::table(&found)], ..Doc::default() };
    render::print_value(&found, doc, ctx.options(args.unit), ctx.out())?;
    Ok(if found.has_flags { exit::FLAGS } else { 0 })
}
