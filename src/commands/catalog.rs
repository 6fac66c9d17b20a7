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
    Rules,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let report = match args.what {
        What::Departments => departments(&catalog),
        What::Counties => counties(&catalog),
        What::Types => types(&catalog),
        What::Channels => channels(&catalog),
        What::Designations => designations(&catalog),
        What::Rules => rules(&catalog, &db.rules()?),
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

fn rules(catalog: &Catalog, rules: &[crate::subsidy::Rule]) -> Report {
    let samples = rules.iter().filter(|r| r.sample).count();
    Report {
        columns: vec![
            c("rule", "规则号"),
            c("channel", "补助资金类别"),
            c("type", "子项目类型"),
            c("shape", "规则形式"),
            c("terms", "标准"),
            c("valid_from", "生效日期"),
            c("valid_to", "失效日期"),
            c("source_doc", "依据文件"),
            c("sample", "示例"),
        ],
        rows: rules
            .iter()
            .map(|r| {
                let channel = catalog.channel(&r.channel).map_or(r.channel.clone(), |x| x.name.clone());
                let t = match &r.type_code {
                    Some(t) => catalog.subproject_type(t).map_or(t.clone(), |x| x.name.clone()),
                    None => "（该资金类别全部类型）all types".to_string(),
                };
                vec![
                    Cell::Int(r.id),
                    channel.into(),
                    t.into(),
                    r.shape.code().into(),
                    r.shape.describe().into(),
                    r.valid_from.to_string().into(),
                    r.valid_to.to_string().into(),
                    r.source_doc.as_str().into(),
                    (if r.sample { "yes 示例" } else { "no" }).into(),
                ]
            })
            .collect(),
        notes: vec![format!(
            "{} rules, {samples} of them illustrative samples (示例规则，非官方数字): entitlements computed from them are marked as such",
            rules.len()
        )],
        ..Report::default()
    }
}
