//! `entitlements [--project P]`: each sub-project's standalone entitlement per channel, where
//! it came from (rule or approved amount), what it has received, and what is outstanding.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::render::{self, c, Report, Unit};
use crate::report::entitlements::entitlements;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this project (项目编号).
    #[arg(long)]
    pub project: Option<String>,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    if let Some(p) = &args.project {
        if !db.projects()?.iter().any(|x| x.row.code == *p) {
            let problem =
                Problem::new(Check::Unknown, format!("project '{p}' is not recorded")).column("--project");
            return Err(Error::BadRequest(vec![problem]));
        }
    }
    let rows: Vec<_> = entitlements(&db, &catalog)?
        .into_iter()
        .filter(|r| args.project.as_ref().is_none_or(|p| *p == r.project))
        .collect();
    let samples = rows.iter().filter(|r| r.entitlement.basis.is_sample()).count();
    let total = |f: fn(&crate::report::entitlements::Row) -> crate::money::Fen| -> crate::money::Fen {
        rows.iter().map(f).sum()
    };
    let name = |code: &str| catalog.channel(code).map_or(code.to_string(), |ch| ch.name.clone());
    let type_name = |code: &str| catalog.subproject_type(code).map_or(code.to_string(), |t| t.name.clone());
    let report = Report {
        title: String::new(),
        columns: vec![
            c("project", "项目编号"),
            c("subproject", "子项目编号"),
            c("type", "子项目类型"),
            c("channel", "资金类别"),
            c("entitlement", "单独补助应得"),
            c("received", "已到位"),
            c("outstanding", "尚欠"),
            c("basis", "依据"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.project.as_str().into(),
                    r.subproject.as_str().into(),
                    type_name(&r.type_code).into(),
                    name(&r.channel).into(),
                    r.entitlement.amount.into(),
                    r.received.into(),
                    r.outstanding().into(),
                    r.entitlement.basis.describe().into(),
                ]
            })
            .collect(),
        totals: Some(vec![
            "合计 total".into(),
            render::Cell::Empty,
            render::Cell::Empty,
            render::Cell::Empty,
            total(|r| r.entitlement.amount).into(),
            total(|r| r.received).into(),
            total(|r| r.outstanding()).into(),
            render::Cell::Empty,
        ]),
        notes: vec![format!(
            "{} rows; {samples} use an illustrative sample rule (示例规则，非官方数字), not an official figure",
            rows.len()
        )],
        ..Report::default()
    };
    render::print(&report, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}
