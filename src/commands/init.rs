//! `init`: create a ledger file with the schema and the built-in catalogue.
//!
//! The file is built under a temporary name of its own and linked into place only when
//! complete and only if the path is still free, so an interrupted `init` never leaves a
//! half-made ledger behind, and of two `init`s at once exactly one wins.

use super::Ctx;
use crate::db::Db;
use crate::error::Result;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Load only sourced subsidy rules, not the illustrative samples (to import your own).
    #[arg(long)]
    pub no_sample_rules: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let path = ctx.db_path();
    crate::ledger::create_ledger(&path, &[], !args.no_sample_rules, &ctx.operator)?;
    let db = Db::open_snapshot(&path)?;
    let c = db.catalog()?;
    crate::outln!(
        "created ledger {}: {} departments, {} counties, {} sub-project types, {} fund channels, {} designations (Annexes 1 and 3), {} subsidy rules",
        crate::error::shown_path(&path),
        c.departments.len(),
        c.counties.len(),
        c.types.len(),
        c.channels.len(),
        c.designations.len(),
        db.rules()?.len()
    );
    Ok(0)
}
