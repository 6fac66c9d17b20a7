//! `catalog departments|counties|types|channels|designations`: list the reference data.

use super::Ctx;
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::render::{self, c, Cell, Report, Unit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(value_enum)]
    pub what: What,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    Departments,
    Counties,
    Types,
    Channels,
    Designations,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let report = match args.what {
        What::Departments => departments(&catalog),
        What::Counties => counties(&catalog),
        What::Types => types(&catalog),
        What::Channels => channels(&catalog),
        What::Designations => designations(&catalog),
    };
    render::print(&report, ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}

fn yes(b: bool) -> Cell {
    Cell::from(if b { "√" } else { "" })
}

fn dept_name(catalog: &Catalog, code: &str) -> String {
    catalog.department(code).map_or(code.to_string(), |d| d.name.clone())
}

fn departments(catalog: &Catalog) -> Report {
    Report {
        columns: vec![c("department", "编号"), c("name", "责任部门"), c("name_en", "英文名称")],
        rows: catalog
            .departments
            .iter()
            .map(|d| vec![d.code.as_str().into(), d.name.as_str().into(), d.name_en.as_str().into()])
            .collect(),
        ..Report::default()
    }
}

fn counties(catalog: &Catalog) -> Report {
    Report {
        columns: vec![c("county", "编号"), c("name", "县市区"), c("name_en", "英文名称")],
        rows: catalog
            .counties
            .iter()
            .map(|d| vec![d.code.as_str().into(), d.name.as_str().into(), d.name_en.as_str().into()])
            .collect(),
        ..Report::default()
    }
}

fn types(catalog: &Catalog) -> Report {
    Report {
        columns: vec![
            c("type", "编号"),
            c("name", "子项目类型"),
            c("department", "责任部门"),
            c("agri", "农"),
            c("land", "地"),
            c("people", "人"),
            c("channels", "补助资金类别"),
            c("note", "备注"),
        ],
        rows: catalog
            .types
            .iter()
            .map(|t| {
                let channels: Vec<String> =
                    catalog.channels_for_type(&t.code).iter().map(|ch| ch.name.clone()).collect();
                let channels = match (channels.is_empty(), t.annex3.as_str()) {
                    (false, _) => channels.join("、"),
                    (true, "none") => "暂无".to_string(),
                    (true, _) => "—".to_string(),
                };
                vec![
                    t.code.as_str().into(),
                    t.name.as_str().into(),
                    dept_name(catalog, &t.department).into(),
                    yes(t.agri),
                    yes(t.land),
                    yes(t.people),
                    channels.into(),
                    t.note.as_str().into(),
                ]
            })
            .collect(),
        notes: vec![format!(
            "{} types: {} admissible under 农, {} under 地, {} under 人 (Annex 1)",
            catalog.types.len(),
            catalog.types.iter().filter(|t| t.agri).count(),
            catalog.types.iter().filter(|t| t.land).count(),
            catalog.types.iter().filter(|t| t.people).count()
        )],
        ..Report::default()
    }
}

fn channels(catalog: &Catalog) -> Report {
    Report {
        columns: vec![
            c("channel", "编号"),
            c("name", "补助资金类别"),
            c("policy_owner", "政策主管部门"),
            c("types", "可支付子项目类型"),
            c("basis", "支持政策"),
        ],
        rows: catalog
            .channels
            .iter()
            .map(|ch| {
                let types: Vec<String> =
                    catalog.types_for_channel(&ch.code).iter().map(|t| t.name.clone()).collect();
                vec![
                    ch.code.as_str().into(),
                    ch.name.as_str().into(),
                    dept_name(catalog, &ch.policy_owner).into(),
                    types.join("、").into(),
                    ch.basis.as_str().into(),
                ]
            })
            .collect(),
        ..Report::default()
    }
}

fn designations(catalog: &Catalog) -> Report {
    Report {
        columns: vec![
            c("channel", "补助资金类别"),
            c("type", "子项目类型"),
            c("note", "备注"),
            c("basis", "支持政策"),
        ],
        rows: catalog
            .designations
            .iter()
            .map(|d| {
                let ch = catalog.channel(&d.channel).map_or(d.channel.clone(), |x| x.name.clone());
                let t = catalog.subproject_type(&d.type_code).map_or(d.type_code.clone(), |x| x.name.clone());
                vec![ch.into(), t.into(), d.note.as_str().into(), d.basis.as_str().into()]
            })
            .collect(),
        ..Report::default()
    }
}
