//! `check [--as-of D]`: shrinkage flags (补助缩水) and other audit findings; exit 3 if any.

use super::Ctx;
use crate::db::Db;
use crate::error::{exit, Check, Error, Problem, Result};
use crate::model;
use crate::render::{self, Doc, Unit};
use crate::report::check::findings;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The day the findings are judged on, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let as_of = match &args.as_of {
        None => chrono::Local::now().date_naive(),
        Some(d) => model::parse_date(d)
            .map_err(|m| Error::BadRequest(vec![Problem::new(Check::Format, m).column("--as-of")]))?,
    };
    let db = Db::open_snapshot(&ctx.db_path())?;
    let found = findings(&db, &db.catalog()?, as_of)?;
    let doc = || Doc { sections: vec![render::check::table(&found)], ..Doc::default() };
    render::print_value(&found, doc, ctx.options(args.unit), ctx.out())?;
    Ok(if found.has_flags { exit::FLAGS } else { 0 })
}

pub use crate::render::check::flags_table as report;
