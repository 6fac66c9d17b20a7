//! The benchmark's floor: the same entries CSV into a plain table, with no checks, no chain and
//! no maintained state. Developer tooling (`bench`); no product command calls it.

use super::*;

/// The benchmark's floor: `csv_file` parsed and inserted into a plain table of a new SQLite
/// file at `path`, in one transaction, with no checks, no indexes and no chain (the same
/// pragmas as a ledger). Returns the rows inserted.
pub fn floor_import(path: &Path, csv_file: &Path) -> Result<u64> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE plain (voucher TEXT, date TEXT, kind TEXT, appropriation TEXT, subproject TEXT,
                             amount TEXT, reverses TEXT, memo TEXT)",
    )?;
    let mut reader = csv::Reader::from_path(csv_file)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", csv_file.display())))?;
    let tx = conn.unchecked_transaction()?;
    let mut rows = 0u64;
    {
        let mut stmt = tx.prepare("INSERT INTO plain VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        let mut record = csv::StringRecord::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| Error::Internal(format!("{}: {e}", csv_file.display())))?
        {
            let cell = |i: usize| record.get(i).unwrap_or("");
            stmt.execute(params![cell(0), cell(1), cell(2), cell(3), cell(4), cell(5), cell(6), cell(7)])?;
            rows += 1;
        }
    }
    tx.commit()?;
    Ok(rows)
}
