//! `review --year Y [--county C]`: the annual performance review (年度绩效评价) — projects
//! and mode coverage against the targets, flagships, funds by level and by channel, the
//! three rates with their formulas, shrinkage flags and acceptance progress; per county and
//! for the city. Table, CSV, JSON and .xlsx (one sheet per section).

use super::Ctx;
use crate::db::Db;
use crate::error::Result;
use crate::render::{self, Unit};
use crate::report::review::{self};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The year under review.
    #[arg(long, value_parser = crate::args::year)]
    pub year: i32,
    /// Only this county (code or name).
    #[arg(long)]
    pub county: Option<String>,
    /// Amount unit (display rounding only; totals are summed in fen).
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let county = crate::args::resolve_county(&catalog, args.county.as_deref())?;
    let r = review::review(&db, &catalog, args.year, county.as_deref())?;
    let value = review::assess(&catalog, &r, db.fingerprint()?);
    let title = render::review::title(&value, ctx.lang);
    let doc = || render::review::doc(&value, ctx.lang);
    render::print_titled(&title, &value, doc, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}
