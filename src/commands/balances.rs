//! `balances`: per (project, sub-project, channel) — allocated, withdrawn, disbursed,
//! returned, paid, balance — summed over appropriation lines from the maintained balances.

use super::Ctx;
use crate::catalog::Catalog;
use crate::db::{BalanceLine, Db};
use crate::error::{Check, Error, Problem, Result};
use crate::model::LineBalance;
use crate::render::{self, c, Cell, Col, Report, Unit};
use std::collections::BTreeMap;

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

pub const COLUMNS: [Col; 9] = [
    c("project", "项目编号"),
    c("subproject", "子项目编号"),
    c("channel", "资金类别"),
    c("allocated", "分配"),
    c("withdrawn", "收回"),
    c("disbursed", "拨付"),
    c("returned", "退回"),
    c("paid", "支付"),
    c("balance", "结余"),
];

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let filter = Filter::resolve(&catalog, args)?;
    if let Some(p) = &args.project {
        if !db.projects()?.iter().any(|x| x.row.code == *p) {
            let problem = Problem::new(Check::Unknown, format!("project '{p}' is not recorded"));
            return Err(Error::BadRequest(vec![problem.column("--project")]));
        }
    }
    let lines: Vec<BalanceLine> = db.balance_lines()?.into_iter().filter(|l| filter.keeps(l)).collect();
    let report = report(&catalog, &lines);
    render::print(&report, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}

struct Filter {
    project: Option<String>,
    county: Option<String>,
    channel: Option<String>,
}

impl Filter {
    fn resolve(catalog: &Catalog, args: &Args) -> Result<Filter> {
        let unknown = |what: &str, v: &str, known: String| {
            let message = format!("'{v}' is not a known {what} (known: {known})");
            Error::BadRequest(vec![Problem::new(Check::Unknown, message)])
        };
        let channels = || catalog.channels.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
        let county = match &args.county {
            None => None,
            Some(v) => Some(
                catalog.county(v).ok_or_else(|| unknown("county", v, catalog.county_names()))?.name.clone(),
            ),
        };
        let channel = match &args.channel {
            None => None,
            Some(v) => {
                Some(catalog.channel(v).ok_or_else(|| unknown("fund channel", v, channels()))?.code.clone())
            }
        };
        Ok(Filter { project: args.project.clone(), county, channel })
    }

    fn keeps(&self, l: &BalanceLine) -> bool {
        self.project.as_ref().is_none_or(|p| *p == l.project)
            && self.county.as_ref().is_none_or(|c| *c == l.county)
            && self.channel.as_ref().is_none_or(|c| *c == l.channel)
    }
}

/// Sums lines per (project, sub-project, channel), in project, sub-project, catalogue order.
pub fn report(catalog: &Catalog, lines: &[BalanceLine]) -> Report {
    let seq: BTreeMap<&str, usize> =
        catalog.channels.iter().enumerate().map(|(i, ch)| (ch.code.as_str(), i)).collect();
    let mut sums: BTreeMap<(&str, &str, usize, &str), LineBalance> = BTreeMap::new();
    for l in lines {
        let key = (
            l.project.as_str(),
            l.subproject.as_str(),
            seq.get(l.channel.as_str()).copied().unwrap_or(usize::MAX),
            l.channel.as_str(),
        );
        sums.entry(key).or_default().add(&l.balance);
    }
    let mut total = LineBalance::default();
    let rows = sums
        .iter()
        .map(|((project, subproject, _, channel), b)| {
            total.add(b);
            let name = catalog.channel(channel).map_or(channel.to_string(), |ch| ch.name.clone());
            let mut row = vec![Cell::from(*project), Cell::from(*subproject), Cell::from(name)];
            row.extend(money_cells(b));
            row
        })
        .collect();
    let mut totals = vec![Cell::from("合计 total"), Cell::Empty, Cell::Empty];
    totals.extend(money_cells(&total));
    Report {
        title: String::new(),
        columns: COLUMNS.to_vec(),
        rows,
        totals: Some(totals),
        notes: vec![
            "balance = allocated − withdrawn − returned − paid (结余 = 分配 − 收回 − 退回 − 支付)".into()
        ],
        ..Report::default()
    }
}

pub fn money_cells(b: &LineBalance) -> Vec<Cell> {
    vec![
        b.allocated.into(),
        b.withdrawn.into(),
        b.disbursed.into(),
        b.returned.into(),
        b.paid.into(),
        b.balance().into(),
    ]
}
