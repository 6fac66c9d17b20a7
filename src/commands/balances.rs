//! `balances`: per (project, sub-project, channel) — allocated, withdrawn, disbursed,
//! returned, paid, balance — summed over appropriation lines from the maintained balances.

use super::Ctx;
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::render::{self, Doc, Unit};
use crate::report::balances::{balances, Filter};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this project (项目编号).
    #[arg(long)]
    pub project: Option<String>,
    /// Only this county (code or name).
    #[arg(long)]
    pub county: Option<String>,
    /// Only this channel (code or name).
    #[arg(long)]
    pub channel: Option<String>,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let filter = resolve(&catalog, args)?;
    if let Some(p) = &args.project {
        crate::args::require_project(&db, p)?;
    }
    let value = balances(&catalog, &db.balance_lines()?, &filter);
    let doc = || Doc { sections: vec![render::balances::table(&value)], ..Doc::default() };
    render::print_value(&value, doc, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}

fn resolve(catalog: &Catalog, args: &Args) -> Result<Filter> {
    let county = crate::args::resolve_county(catalog, args.county.as_deref())?;
    let channel = crate::args::resolve_channel(catalog, args.channel.as_deref())?;
    Ok(Filter { project: args.project.clone(), county, channel })
}
