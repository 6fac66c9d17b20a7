//! Recording an allocation plan (`allocate --commit`): one single-line voucher per
//! sub-project that gets money, through the same entries writer and rules as an import.

use super::{EntryWriter, Stamp};
use crate::allocate::Plan;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::{Kind, NewEntry, StoredAppropriation, SubprojectCode, Voucher};
use chrono::NaiveDate;

/// Records the plan's allocations in one transaction; vouchers are `A-ALLOC-YYYYMMDD-NN`,
/// numbered past any already used.
pub fn commit_plan(
    db: &mut Db,
    a: &StoredAppropriation,
    p: &Plan,
    date: NaiveDate,
    stamp: &Stamp,
) -> Result<Vec<String>> {
    let tx = db.begin()?;
    let catalog = tx.catalog()?;
    let mut w = EntryWriter::new(&tx, &catalog, stamp)?;
    let mut recorded = Vec::new();
    let mut n = 0;
    for s in p.shares.iter().filter(|s| s.total().is_positive()) {
        let voucher = loop {
            n += 1;
            let v = format!("{}-ALLOC-{}-{n:02}", a.code, date.format("%Y%m%d"));
            if tx.voucher_entries(&v)?.is_empty() {
                break v;
            }
        };
        let entry = NewEntry {
            // A voucher fundledger numbers itself (up to 58 characters; the schema allows 60).
            voucher: Voucher::stored(voucher.clone()),
            line: 1,
            date,
            kind: Kind::Allocate,
            appropriation: Some(a.code.clone()),
            subproject: Some(SubprojectCode::stored(s.subproject.clone())),
            amount: Some(s.total()),
            reverses: None,
            reverses_line: None,
            memo: "按单独补助应得分配 allocate --commit".into(),
            channel_ref: None,
        };
        w.write(&entry)?.map_err(Error::Rejected)?;
        recorded.push(voucher);
    }
    w.finish()?;
    let summary = format!("{} allocations recorded", recorded.len());
    tx.commit(&stamp.record("allocate --commit", &a.code, &summary))?;
    Ok(recorded)
}
