//! The benchmark's floor: the same entries CSV parsed and inserted into a plain table, in one
//! transaction, with no checks, no chain and no maintained state (the same pragmas as a
//! ledger). What an import costs above it is what the ledger's checks cost.

use crate::error::{Error, Result};
use std::path::Path;

/// The entries file's columns, stored as text.
const COLUMNS: [&str; 8] =
    ["voucher", "date", "kind", "appropriation", "subproject", "amount", "reverses", "memo"];

/// `csv_file` parsed and inserted into a plain table of a new SQLite file at `path`. Returns
/// the rows inserted.
pub fn floor_import(path: &Path, csv_file: &Path) -> Result<u64> {
    let mut reader = csv::Reader::from_path(csv_file)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", csv_file.display())))?;
    crate::db::floor_table(path, COLUMNS, |insert| {
        let mut record = csv::StringRecord::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| Error::Internal(format!("{}: {e}", csv_file.display())))?
        {
            insert(std::array::from_fn(|i| record.get(i).unwrap_or("")))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::floor_import;

    #[test]
    fn the_floor_inserts_every_row_of_the_file_unchecked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let csv = dir.path().join("entries.csv");
        let text = "voucher,date,kind,appropriation,subproject,amount,reverses,memo\n\
                    记-2025-000001,2025-01-06,allocate,ZB-1,S-1,100.00,,\n\
                    not,a,checked,row,,-5,,\n";
        std::fs::write(&csv, text).expect("write CSV");
        let rows = floor_import(&dir.path().join("floor.db"), &csv);
        assert_eq!(rows.expect("the floor import runs"), 2);
    }
}
