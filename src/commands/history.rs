//! `history subproject S` / `history project P`: the versions of a sub-project or project —
//! its register row and every amendment, each with the value it replaced.

use super::Ctx;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::model::Subject;
use crate::render::{self, Unit};
use crate::report::history::history;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(clap::Subcommand, Debug)]
pub enum What {
    /// The versions of a sub-project.
    Subproject {
        /// The sub-project (子项目编号).
        subproject: String,
    },
    /// The versions of a project.
    Project {
        /// The project (项目编号).
        project: String,
    },
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let (subject, code) = match &args.what {
        What::Subproject { subproject } => (Subject::Subproject, subproject),
        What::Project { project } => (Subject::Project, project),
    };
    let db = Db::open_snapshot(&ctx.db_path())?;
    let Some(value) = history(&db, subject, code)? else {
        let what = if subject == Subject::Project { "project" } else { "sub-project" };
        let problem = Problem::not_recorded(what, code).column(subject.code().to_uppercase());
        return Err(Error::BadRequest(vec![problem]));
    };
    render::print_value(&value, || render::history::doc(&value), ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
