//! `accept item|overall|county|city …`: record an acceptance (policy 四（四）), refused when
//! out of order; `accept award …`: the quality award (优质工程) of a project that passed city
//! acceptance; `acceptance [--project P]`: the progress of every project, or one project's
//! records.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::{self, Outcome, Stamp};
use crate::model::{self, NewAcceptance, NewAward, ProjectCode, Stage, SubprojectCode, Verdict};
use crate::render::{self, Doc, Unit};
use crate::report::acceptance::{progress, progress_list, records};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub stage: StageArgs,
}

#[derive(clap::Subcommand, Debug)]
pub enum StageArgs {
    /// 单项验收: a department accepts one sub-project.
    Item {
        /// The sub-project (子项目编号).
        #[arg(long)]
        subproject: String,
        /// The accepting department (default: the type's lead department; a co-lead may accept too).
        #[arg(long)]
        department: Option<String>,
        /// The county bureau that organised it (县级主管部门), e.g. 南湖区农业农村局.
        #[arg(long)]
        bureau: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// 整体验收: the project as a whole, once every non-excluded sub-project passed.
    Overall {
        /// The project (项目编号).
        #[arg(long)]
        project: String,
        #[command(flatten)]
        common: Common,
    },
    /// 县级验收: the county's acceptance, after the overall one passed.
    County {
        /// The project (项目编号).
        #[arg(long)]
        project: String,
        #[command(flatten)]
        common: Common,
    },
    /// 市级验收: the city's acceptance by batch, after the county's passed.
    City {
        /// The project (项目编号).
        #[arg(long)]
        project: String,
        /// The city's acceptance batch (批次), e.g. 2025-1.
        #[arg(long)]
        batch: String,
        /// The project won the city's quality award (优质工程) with this acceptance. Kept for
        /// ledgers that record it so; the award is a later selection: prefer `accept award`.
        #[arg(long)]
        award: bool,
        #[command(flatten)]
        common: Common,
    },
    /// 优质工程: the city's yearly quality award, after the project passed city acceptance.
    Award {
        /// The project (项目编号).
        #[arg(long)]
        project: String,
        /// The year of the selection (评选年度), e.g. 2025.
        #[arg(long)]
        year: String,
        /// The award document (文件), e.g. 嘉整治办〔2026〕2号.
        #[arg(long)]
        doc: String,
        /// The day the award was announced, YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        /// A note.
        #[arg(long, default_value = "")]
        memo: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct Common {
    /// passed/通过 or failed/不通过.
    #[arg(long)]
    pub result: String,
    /// The acceptance date, YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
    /// The acceptance document (验收文件), e.g. 嘉农验〔2025〕3号.
    #[arg(long)]
    pub doc: String,
    /// A note.
    #[arg(long, default_value = "")]
    pub memo: String,
}

fn bad(column: &str, message: String) -> Error {
    Error::rejected(Problem::new(Check::Format, message).column(column))
}

/// A refusal's columns named as the options a clerk gave.
fn as_options(problems: Vec<Problem>) -> Error {
    let as_option = |p: Problem| match p.column.clone() {
        Some(column) => p.column(format!("--{column}")),
        None => p,
    };
    Error::Rejected(problems.into_iter().map(as_option).collect())
}

fn run_award(ctx: &Ctx, a: &NewAward) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    let tx = db.begin()?;
    let stamp = Stamp::now(&ctx.operator);
    let outcome = ledger::record_award(&tx, a, &stamp)?.map_err(as_options)?;
    tx.commit(&stamp.record("accept", &a.project, &format!("award {}", a.year)))?;
    let verb = verb(outcome);
    crate::outln!("{verb}: {} 优质工程 {} ({})", a.project, a.year, a.document);
    Ok(0)
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let project = |p: &str| ProjectCode::parse_as(p, "project").map_err(|m| bad("--project", m));
    let (stage, project, subproject, (department, bureau), batch, award, common) = match &args.stage {
        StageArgs::Award { project: project_code, year, doc, date, memo } => {
            let a = NewAward {
                project: project(project_code)?,
                year: NewAward::parse_year(year).map_err(|m| bad("--year", m))?,
                document: model::parse_text(doc, "document", true).map_err(|m| bad("--doc", m))?,
                date: date.as_deref().map(crate::args::date).transpose().map_err(|m| bad("--date", m))?,
                memo: model::parse_text(memo, "memo", false).map_err(|m| bad("--memo", m))?,
            };
            return run_award(ctx, &a);
        }
        StageArgs::Item { subproject, department, bureau, common } => {
            let subproject =
                SubprojectCode::parse_as(subproject, "sub-project").map_err(|m| bad("--subproject", m))?;
            let bureau = bureau
                .as_deref()
                .map(|b| model::parse_text_up_to(b, "bureau", true, model::MAX_NAME_CHARS))
                .transpose()
                .map_err(|m| bad("--bureau", m))?;
            (Stage::Item, None, Some(subproject), (department.clone(), bureau), String::new(), false, common)
        }
        StageArgs::Overall { project: project_code, common } => {
            (Stage::Overall, Some(project(project_code)?), None, (None, None), String::new(), false, common)
        }
        StageArgs::County { project: project_code, common } => {
            (Stage::County, Some(project(project_code)?), None, (None, None), String::new(), false, common)
        }
        StageArgs::City { project: project_code, batch, award, common } => {
            let batch = model::parse_code(batch, "batch").map_err(|m| bad("--batch", m))?;
            (Stage::City, Some(project(project_code)?), None, (None, None), batch, *award, common)
        }
    };
    let a = NewAcceptance {
        stage,
        project,
        subproject,
        department,
        bureau,
        verdict: Verdict::parse(&common.result).map_err(|m| bad("--result", m))?,
        date: crate::args::date(&common.date).map_err(|m| bad("--date", m))?,
        document: model::parse_text(&common.doc, "document", true).map_err(|m| bad("--doc", m))?,
        batch,
        award,
        memo: model::parse_text(&common.memo, "memo", false).map_err(|m| bad("--memo", m))?,
    };
    let mut db = Db::open(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let tx = db.begin()?;
    let stamp = Stamp::now(&ctx.operator);
    let outcome = ledger::record_acceptance(&tx, &catalog, &a, &stamp)?.map_err(as_options)?;
    tx.commit(&stamp.record(
        "accept",
        &a.project.clone().unwrap_or_default(),
        &format!("{} {}", a.stage, a.verdict),
    ))?;
    let what = a.subproject.as_deref().or(a.project.as_deref()).unwrap_or_default();
    let verb = verb(outcome);
    let (stage, verdict, date, doc) = (a.stage.zh(), a.verdict.zh(), a.date, &a.document);
    crate::outln!(
        "{}",
        crate::tr!(
            "{verb}：{what} {stage}{verdict}，{date}（{doc}）",
            "{verb}: {what} {stage} {verdict} on {date} ({doc})"
        )
    );
    Ok(0)
}

/// What the clerk is told of a recorded acceptance or award.
fn verb(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Unchanged => crate::lang::pick("已有记录", "already recorded"),
        _ => crate::lang::pick("已记录", "recorded"),
    }
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// One project: every acceptance recorded for it.
    #[arg(long)]
    pub project: Option<String>,
    /// Only this county (code or name).
    #[arg(long)]
    pub county: Option<String>,
}

pub fn run_list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let county = crate::args::resolve_county(&catalog, args.county.as_deref())?;
    if let Some(p) = &args.project {
        crate::args::require_project(&db, p)?;
        let value = records(&catalog, p, &db.acceptances(Some(p))?, &db.awards(Some(p))?);
        let doc = || Doc { sections: vec![render::acceptance::records_table(&value)], ..Doc::default() };
        render::print_value(&value, doc, ctx.options(Unit::Yuan), ctx.out())?;
        return Ok(0);
    }
    let all = progress(&db.projects()?, &db.subprojects()?, &db.acceptances(None)?, &db.awards(None)?, None);
    let value = progress_list(&all, county.as_deref());
    let doc = || Doc { sections: vec![render::acceptance::progress_table(&value)], ..Doc::default() };
    render::print_value(&value, doc, ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
