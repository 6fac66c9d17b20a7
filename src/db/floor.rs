//! Storage for the benchmark's floor (`dev::floor`): a plain table in a new SQLite file, with a
//! ledger's pragmas and nothing else — no checks, no indexes, no chain, no maintained state.
//! Developer tooling; no product command calls it.

use super::*;

/// Creates a new SQLite file at `path` holding one table `plain` of text `columns`, and
/// inserts, in one transaction, every row `fill` hands to the `insert` it is given (each row
/// as many cells as columns). Returns the rows inserted.
pub fn floor_table<const N: usize>(
    path: &Path,
    columns: [&str; N],
    fill: impl FnOnce(&mut dyn FnMut([&str; N]) -> Result<()>) -> Result<()>,
) -> Result<u64> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(&format!("CREATE TABLE plain ({} TEXT)", columns.join(" TEXT, ")))?;
    let tx = conn.unchecked_transaction()?;
    let mut rows = 0u64;
    {
        let marks: Vec<String> = (1..=N).map(|i| format!("?{i}")).collect();
        let mut stmt = tx.prepare(&format!("INSERT INTO plain VALUES ({})", marks.join(", ")))?;
        fill(&mut |cells| {
            stmt.execute(rusqlite::params_from_iter(cells))?;
            rows += 1;
            Ok(())
        })?;
    }
    tx.commit()?;
    Ok(rows)
}
