//! `upgrade`: bring a ledger written by an older fundledger to this one's schema, in one
//! journaled transaction. Reading never upgrades (a read opens the ledger read-only), so a
//! reviewer's report cannot change the file it reports on; the first write upgrades too.

use super::Ctx;
use crate::db::Db;
use crate::error::Result;

pub fn run(ctx: &Ctx) -> Result<u8> {
    let path = ctx.db_path();
    let shown = crate::error::shown_path(&path);
    match Db::upgrade(&path)? {
        None => {
            let v = crate::db::SCHEMA_VERSION;
            crate::outln!(
                "{}",
                crate::tr!("{shown} 已是最新（schema {v}）；无需升级", "{shown} is up to date (schema {v}); nothing to do")
            )
        }
        Some((from, to)) => crate::outln!(
            "{}",
            crate::tr!(
                "已将 {shown} 从 schema {from} 升级到 {to}；`fundledger log` 列出本次升级，`fundledger verify` 核验它",
                "upgraded {shown} from schema {from} to {to}; `fundledger log` lists the upgrade, `fundledger verify` checks it"
            )
        ),
    }
    Ok(0)
}
