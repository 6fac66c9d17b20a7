//! `catalog departments|counties|types|channels|designations`: list the reference data.

use super::Ctx;
use crate::db::Db;
use crate::error::Result;
use crate::render::{self, Doc, Unit};
use crate::report::catalog;

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
    let listing = match args.what {
        What::Departments => catalog::departments(&catalog),
        What::Counties => catalog::counties(&catalog),
        What::Types => catalog::types(&catalog),
        What::Channels => catalog::channels(&catalog),
        What::Designations => catalog::designations(&catalog),
        What::Rules => catalog::rules(&catalog, &db.rules()?),
    };
    let doc = || Doc { sections: vec![render::catalog::table(&listing)], ..Doc::default() };
    render::print_value(&listing, doc, ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
