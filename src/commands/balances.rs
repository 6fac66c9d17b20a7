//! `balances`: per (project, sub-project, channel) — allocated, withdrawn, disbursed,
//! returned, paid, balance — summed over appropriation lines from the maintained balances.

use super::Ctx;
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
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
    let unknown = |what: &str, v: &str, known: String| {
        let message = format!("'{v}' is not a known {what} (known: {known})");
        Error::BadRequest(vec![Problem::new(Check::Unknown, message)])
    };
    let channels = || catalog.channels.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    let county = match &args.county {
        None => None,
        Some(v) => {
            Some(catalog.county(v).ok_or_else(|| unknown("county", v, catalog.county_names()))?.name.clone())
        }
    };
    let channel = match &args.channel {
        None => None,
        Some(v) => {
            Some(catalog.channel(v).ok_or_else(|| unknown("fund channel", v, channels()))?.code.clone())
        }
    };
    Ok(Filter { project: args.project.clone(), county, channel })
}
