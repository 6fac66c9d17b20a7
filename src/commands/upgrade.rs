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
        None => crate::outln!("{shown} is up to date (schema {}); nothing to do", crate::db::SCHEMA_VERSION),
        Some((from, to)) => crate::outln!(
            "upgraded {shown} from schema {from} to {to}; `fundledger log` lists the upgrade, `fundledger verify` checks it"
        ),
    }
    Ok(0)
}
