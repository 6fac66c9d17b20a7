//! `statement [--department D] [--year Y | --from D --to D] [--county C] [--by subproject|appropriation]`:
//! the per-department fund statement (部门资金报表): department → channel → project →
//! sub-project (→ appropriation line with `--by appropriation`), with project and channel
//! subtotals, department totals and a grand total. A row belongs to the department
//! responsible for its sub-project's type; a co-leading department lists it again, marked
//! 联合牵头, outside its totals. One sheet per department in the .xlsx, after a summary sheet.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::render::{self, Unit};
use crate::report::statement::{self, By, Filter, Period};
use chrono::NaiveDate;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this department (code or name, e.g. 市农业农村局): the rows of the types it is
    /// responsible for, and those it co-leads (marked 联合牵头, outside its totals).
    #[arg(long)]
    pub department: Option<String>,
    /// A calendar year: movements from 1 January to 31 December.
    #[arg(long, conflicts_with_all = ["from", "to"], value_parser = crate::args::year)]
    pub year: Option<i32>,
    /// First day of the period, YYYY-MM-DD (default: the first entry).
    #[arg(long, value_parser = crate::args::date)]
    pub from: Option<NaiveDate>,
    /// Last day of the period, YYYY-MM-DD (default: the last entry).
    #[arg(long, value_parser = crate::args::date)]
    pub to: Option<NaiveDate>,
    /// Only this county (code or name).
    #[arg(long)]
    pub county: Option<String>,
    /// One row per sub-project and channel (`subproject`), or per sub-project, channel and
    /// appropriation line with its 预算级次 and 指标文号 (`appropriation`).
    #[arg(long, value_enum, default_value = "subproject")]
    pub by: By,
    /// Amount unit (display rounding only; totals are summed in fen).
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let period = parse_period(args.year, args.from, args.to)?;
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let department = crate::args::resolve_department(&catalog, args.department.as_deref())?;
    let county = crate::args::resolve_county(&catalog, args.county.as_deref())?;
    let filter = Filter { department, county, project: None, co_led: true };
    let rows = statement::statement_by(&db, &catalog, period, &filter, args.by)?;
    let issued = crate::report::issued::issued(&db, &catalog, period, &filter)?;
    let mut value = statement::report(&catalog, &rows, period, filter.county, args.by, db.fingerprint()?);
    value.issued = issued;
    let title = render::statement::title(&value, ctx.lang);
    let style = ctx.options(args.unit);
    let format = style.format;
    let doc = || render::statement::doc_for(&value, ctx.lang, format);
    render::print_titled(&title, &value, doc, style, ctx.out())?;
    Ok(0)
}

/// `--year`, or `--from`/`--to`, as a period; a reversed range is refused.
pub fn parse_period(year: Option<i32>, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Period> {
    if let Some(y) = year {
        let problem = || Problem::new(Check::Format, format!("'{y}' is not a year")).column("--year");
        return Period::year(y).ok_or_else(|| Error::BadRequest(vec![problem()]));
    }
    let period = Period { from, to };
    if let (Some(f), Some(t)) = (period.from, period.to) {
        if f > t {
            let message = crate::tr!(
                "期间结束日（{t}）早于开始日（{f}）",
                "the period ends ({t}) before it starts ({f})"
            );
            return Err(Error::BadRequest(vec![Problem::new(Check::Format, message).column("--to")]));
        }
    }
    Ok(period)
}
