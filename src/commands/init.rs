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
    let (p, deps, counties, types) =
        (crate::error::shown_path(&path), c.departments.len(), c.counties.len(), c.types.len());
    let (channels, designations, rules) = (c.channels.len(), c.designations.len(), db.rules()?.len());
    crate::outln!(
        "{}",
        crate::tr!(
            "已新建账本 {p}：{deps} 个部门、{counties} 个县市区、{types} 种子项目类型、{channels} 个补助资金类别、{designations} 项资金用途（附件1和附件3）、{rules} 条补助规则",
            "created ledger {p}: {deps} departments, {counties} counties, {types} sub-project types, {channels} fund channels, {designations} designations (Annexes 1 and 3), {rules} subsidy rules"
        )
    );
    Ok(0)
}
