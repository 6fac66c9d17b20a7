//! `letter --project P [--department D]`: a project's confirmation letters
//! (集成部门项目确认书) in the Annex-2 layout: table, JSON (the report value) or a workbook.

use super::Ctx;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::render::{self, Unit};
use crate::report::letters::letters;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The project (项目编号).
    #[arg(long)]
    pub project: String,
    /// Only the letters of this department (出具部门: code or name).
    #[arg(long)]
    pub department: Option<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    crate::args::require_project(&db, &args.project)?;
    let department = match &args.department {
        None => None,
        Some(d) => match catalog.department(d) {
            Some(dep) => Some(dep.code.clone()),
            None => {
                let message =
                    crate::tr!("'{d}' 不是目录中的部门", "'{d}' is not a department of the catalogue");
                return Err(Error::BadRequest(vec![
                    Problem::new(crate::error::Check::Unknown, message).column("--department")
                ]));
            }
        },
    };
    let value = letters(&db, &catalog, &args.project, department.as_deref())?;
    render::print_value(&value, || render::letters::doc(&value), ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
