//! `entitlements [--project P]`: each sub-project's standalone entitlement per channel, where
//! it came from (rule or approved amount), what it has received, and what is outstanding —
//! from the register as amended on `--as-of` (default today).

use super::Ctx;
use crate::db::Db;
use crate::error::Result;
use crate::render::{self, Doc, Unit};
use crate::report::entitlements::listing;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this project (项目编号).
    #[arg(long)]
    pub project: Option<String>,
    /// Figure the entitlements from the register as amended on this day (default: today).
    #[arg(long, value_parser = crate::args::date)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    if let Some(p) = &args.project {
        crate::args::require_project(&db, p)?;
    }
    let as_of = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let listing = listing(&db, &catalog, args.project.as_deref(), as_of)?;
    let doc = || Doc { sections: vec![render::entitlements::table(&listing)], ..Doc::default() };
    render::print_value(&listing, doc, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}
