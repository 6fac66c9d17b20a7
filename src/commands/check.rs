//! `check [--as-of D]`: shrinkage flags (补助缩水) and other audit findings; exit 3 if any.

use super::Ctx;
use crate::db::Db;
use crate::error::{exit, Check, Error, Problem, Result};
use crate::model;
use crate::render::{self, c, Cell, Report, Unit};
use crate::report::check::{check, Flag};

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
    let flags = check(&db, &db.catalog()?, as_of)?;
    let mut report = report(&flags);
    report.notes.push(format!("{} flag(s) as of {as_of}", flags.len()));
    render::print(&report, ctx.options(args.unit), ctx.out())?;
    Ok(if flags.is_empty() { 0 } else { exit::FLAGS })
}

fn opt_text(v: &Option<String>) -> Cell {
    v.as_ref().map_or(Cell::Empty, |s| s.as_str().into())
}

fn opt_money(v: Option<crate::money::Fen>) -> Cell {
    v.map_or(Cell::Empty, Cell::Money)
}

pub fn report(flags: &[Flag]) -> Report {
    Report {
        json_key: "flags",
        columns: vec![
            c("kind", "类型"),
            c("project", "项目编号"),
            c("subproject", "子项目编号"),
            c("channel", "资金类别"),
            c("appropriation", "指标编号"),
            c("entitlement", "单独补助应得"),
            c("received", "已到位"),
            c("gap", "缺口"),
            c("gap_percent", "缺口比例%"),
            c("message", "说明"),
        ],
        rows: flags
            .iter()
            .map(|f| {
                vec![
                    f.kind.into(),
                    opt_text(&f.project),
                    opt_text(&f.subproject),
                    opt_text(&f.channel),
                    opt_text(&f.appropriation),
                    opt_money(f.entitlement),
                    opt_money(f.received),
                    opt_money(f.gap),
                    f.gap_percent.map_or(Cell::Empty, |p| Cell::Text(format!("{p:.2}"))),
                    f.message.as_str().into(),
                ]
            })
            .collect(),
        ..Report::default()
    }
}
