//! The audit chain's storage: appending a link for every row written, and reading links and
//! rows back in their canonical form for the walk `verify` makes.

use super::*;
use crate::audit::{subject, ChainedRegister, ChainedRow, Link};

pub(super) const LINK_INSERT: &str = "INSERT INTO chain (seq, tbl, rid, hash) VALUES (?1, ?2, ?3, ?4)";

/// The chained tables other than `entries`, each with how a finding names one of its rows.
pub(super) const REGISTER_LABELS: [(&str, &str); 27] = [
    ("departments", "code"),
    ("counties", "code"),
    ("subproject_types", "code"),
    ("channels", "code"),
    ("designations", "channel || '/' || type"),
    ("projects", "code"),
    ("subprojects", "code"),
    ("appropriations", "code"),
    ("subsidy_rules", "'#' || id"),
    ("period_events", "year || ' ' || action"),
    ("acceptances", "'#' || id"),
    (
        "acceptance_awards",
        "coalesce((SELECT code FROM projects WHERE id = project_id), '#' || id) || ' ' || year",
    ),
    ("acceptance_bureaus", "'of acceptance #' || acceptance_id"),
    (
        "adjustments",
        "coalesce((SELECT code FROM appropriations WHERE id = appropriation_id), '#' || id) || ' ' || document",
    ),
    ("letters", "code"),
    (
        "letter_lines",
        "coalesce((SELECT code FROM letters WHERE id = letter_id), '#' || letter_id) || ' on ' || coalesce((SELECT code FROM subprojects WHERE id = subproject_id), '#' || subproject_id)",
    ),
    (
        "amendments",
        "subject || ' ' || coalesce((SELECT code FROM subprojects WHERE id = subproject_id), (SELECT code FROM projects WHERE id = project_id), '#' || id) || ' ' || field || ' (' || document || ')'",
    ),
    ("approval_settings", "'#' || id || ' ' || kinds"),
    ("pending_items", "'#' || id || ' ' || voucher"),
    (
        "pending_lines",
        "coalesce((SELECT voucher FROM pending_items WHERE id = item_id), '#' || item_id) || ' line ' || line",
    ),
    (
        "pending_decisions",
        "coalesce((SELECT voucher FROM pending_items WHERE id = item_id), '#' || item_id) || ' ' || decision",
    ),
    ("contracts", "code"),
    (
        "contract_shares",
        "coalesce((SELECT code FROM contracts WHERE id = contract_id), '#' || contract_id) || ' on ' || coalesce((SELECT code FROM subprojects WHERE id = subproject_id), '#' || subproject_id)",
    ),
    (
        "contract_amendments",
        "coalesce((SELECT code FROM contracts WHERE id = contract_id), '#' || contract_id) || ' ' || document",
    ),
    ("contract_payments", "voucher"),
    ("user_events", "coalesce((SELECT name FROM users WHERE id = user_id), '#' || user_id) || ' ' || action"),
    ("writes", "'#' || id || ' (' || command || ' ' || detail || ')'"),
];

/// Reads a stored 32-byte hash; the schema's CHECK guarantees the length.
pub(super) fn stored_hash(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Hash> {
    let bytes: Vec<u8> = r.get(i)?;
    bytes.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Blob,
            "hash is not 32 bytes".into(),
        )
    })
}

impl Db {
    /// Every chained row but the entries, by (table, rowid), with how a finding names it and
    /// its canonical bytes.
    pub fn chained_register_rows(&self) -> Result<ChainedRegister> {
        let mut canon = Canon::default();
        let mut register = ChainedRegister::new();
        for (table, label) in REGISTER_LABELS {
            let mut stmt = self.conn.prepare(&format!("SELECT rowid, {label}, * FROM {table}"))?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                canon.start(table);
                canon_row(&mut canon, r, 2, columns)?;
                let row = ChainedRow {
                    id: r.get(0)?,
                    label: subject(table, &lossy(r, 1)?),
                    bytes: canon.bytes().to_vec(),
                };
                register.insert((table.to_string(), row.id), row);
            }
        }
        Ok(register)
    }

    /// Hands `f` two cursors read side by side: the audit chain's links in order, and the
    /// entries in recording order (each named "entry VOUCHER", with its canonical bytes).
    pub fn with_chain_cursors<R>(
        &self,
        f: impl FnOnce(
            &mut dyn Iterator<Item = Result<Link>>,
            &mut dyn Iterator<Item = Result<ChainedRow>>,
        ) -> Result<R>,
    ) -> Result<R> {
        let mut entry_stmt = self.conn.prepare("SELECT * FROM entries ORDER BY id")?;
        let entry_columns = entry_stmt.column_count();
        // `line` (migration 7) is the last column; a line-1 entry is hashed without it.
        let line_column = line_column(&entry_stmt);
        let mut entry_rows = entry_stmt.query([])?;
        let mut canon = Canon::default();
        let mut entries = std::iter::from_fn(|| {
            let mut row = |r: &rusqlite::Row<'_>| -> Result<ChainedRow> {
                canon.start("entries");
                canon_entry(&mut canon, r, entry_columns, line_column)?;
                Ok(ChainedRow {
                    id: r.get(0)?,
                    label: {
                        let voucher = lossy(r, 1)?;
                        crate::tr!("分录 {voucher}", "entry {voucher}")
                    },
                    bytes: canon.bytes().to_vec(),
                })
            };
            match entry_rows.next() {
                Ok(Some(r)) => Some(row(r)),
                Ok(None) => None,
                Err(e) => Some(Err(e.into())),
            }
        });
        let mut link_stmt = self.conn.prepare("SELECT seq, tbl, rid, hash FROM chain ORDER BY seq")?;
        let mut link_rows = link_stmt.query([])?;
        let mut links = std::iter::from_fn(|| {
            let link = |r: &rusqlite::Row<'_>| -> Result<Link> {
                Ok(Link { seq: r.get(0)?, table: lossy(r, 1)?, rid: r.get(2)?, hash: stored_hash(r, 3).ok() })
            };
            match link_rows.next() {
                Ok(Some(r)) => Some(link(r)),
                Ok(None) => None,
                Err(e) => Some(Err(e.into())),
            }
        });
        f(&mut links, &mut entries)
    }

    /// Where this ledger's schema (tables, indexes, triggers) differs from the one
    /// fundledger's migrations create: a trigger dropped with the sqlite3 shell stops the
    /// database refusing edits, so `verify` names it.
    pub fn schema_differences(&self) -> Result<Vec<String>> {
        pub(super) fn objects(
            conn: &Connection,
        ) -> Result<std::collections::BTreeMap<(String, String), String>> {
            let mut stmt = conn.prepare(
                "SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
            )?;
            let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        }
        let expected = objects(&Db::in_memory()?.conn)?;
        let actual = objects(&self.conn)?;
        let mut found = Vec::new();
        for ((kind, name), sql) in &expected {
            match actual.get(&(kind.clone(), name.clone())) {
                None => {
                    let then = match kind == "trigger" {
                        true => crate::lang::pick(
                            "，数据库不再拒绝它所防范的写入",
                            ", so the database no longer refuses what it guarded",
                        ),
                        false => "",
                    };
                    found.push(crate::tr!(
                        "账本结构中缺少 {kind} {name}：它被绕过 fundledger 删除了{then}",
                        "the {kind} {name} is missing from the ledger's schema: it was dropped behind fundledger's back{then}"
                    ))
                }
                Some(actual_sql) if actual_sql != sql => found.push(crate::tr!(
                    "{kind} {name} 与 fundledger 创建的不同",
                    "the {kind} {name} differs from the one fundledger created"
                )),
                Some(_) => {}
            }
        }
        for (kind, name) in actual.keys().filter(|k| !expected.contains_key(k)) {
            found.push(crate::tr!(
                "账本结构中有一个不是 fundledger 创建的 {kind} {name}",
                "the ledger's schema has a {kind} {name} that fundledger did not create"
            ));
        }
        Ok(found)
    }
}

/// Writes a stored row's columns `first..columns` into `c`, in schema order. fundledger
/// never stores a floating-point value; one put there behind its back is hashed by its bits,
/// so it shows as a mismatch rather than stopping `verify`.
pub(super) fn canon_row(c: &mut Canon, r: &rusqlite::Row<'_>, first: usize, columns: usize) -> Result<()> {
    for i in first..columns {
        match r.get_ref(i)? {
            ValueRef::Null => c.null(),
            ValueRef::Integer(v) => c.int(v),
            ValueRef::Text(t) => c.text_bytes(t),
            ValueRef::Blob(b) => c.blob(b),
            ValueRef::Real(v) => c.real_bits(v.to_bits()),
        }
    }
    Ok(())
}

/// Where `entries.line` (migration 7, the last column) is in a `SELECT *` of entries.
pub(super) fn line_column(stmt: &rusqlite::Statement<'_>) -> Option<usize> {
    stmt.column_count().checked_sub(1).filter(|i| stmt.column_name(*i).ok() == Some("line"))
}

/// An entry's columns as its link hashes them: a line-1 entry without its `line`, as entries
/// were hashed before vouchers had lines, so links recorded earlier still verify. Other
/// tables pass `None` and hash every column.
pub(super) fn canon_entry(
    c: &mut Canon,
    r: &rusqlite::Row<'_>,
    columns: usize,
    line_column: Option<usize>,
) -> Result<()> {
    canon_row(c, r, 0, line_column.unwrap_or(columns))?;
    if let Some(i) = line_column {
        if r.get_ref(i)? != ValueRef::Integer(1) {
            canon_row(c, r, i, i + 1)?;
        }
    }
    Ok(())
}

/// Column `i` as text, whatever was stored there (a label for a finding).
pub(super) fn lossy(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    Ok(match r.get_ref(i)? {
        ValueRef::Null => String::new(),
        ValueRef::Integer(v) => v.to_string(),
        ValueRef::Real(_) => "(a number)".to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            crate::error::escaped(&String::from_utf8_lossy(t)).into_owned()
        }
    })
}

impl Tx<'_> {
    /// Appends the chain link of row `rid` of `table`, whose columns `fill` writes.
    pub(super) fn append_link(
        &self,
        table: &str,
        rid: i64,
        fill: impl FnOnce(&mut Canon) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(LINK_INSERT)?;
        self.append_link_with(&mut stmt, table, rid, fill)
    }

    /// `append_link` with the link insert already prepared.
    pub(super) fn append_link_with(
        &self,
        insert: &mut rusqlite::Statement<'_>,
        table: &str,
        rid: i64,
        fill: impl FnOnce(&mut Canon) -> Result<()>,
    ) -> Result<()> {
        let mut st = self.chain.borrow_mut();
        let (seq, prev) = match st.tip {
            Some(tip) => tip,
            None => self
                .tx
                .query_row("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1", [], |r| {
                    Ok((r.get(0)?, stored_hash(r, 1)?))
                })
                .optional()?
                .unwrap_or((0, GENESIS)),
        };
        st.canon.start(table);
        fill(&mut st.canon)?;
        let hash = st.canon.link(&prev);
        insert.execute(params![seq + 1, table, rid, &hash[..]])?;
        st.tip = Some((seq + 1, hash));
        st.first.get_or_insert(seq + 1);
        Ok(())
    }

    /// Links a row just inserted, reading it back as `verify` will.
    pub(super) fn link_row(&self, table: &str, rid: i64) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(&format!("SELECT * FROM {table} WHERE rowid = ?1"))?;
        let columns = stmt.column_count();
        let line = if table == "entries" { line_column(&stmt) } else { None };
        let mut rows = stmt.query([rid])?;
        let row = rows
            .next()?
            .ok_or_else(|| Error::Internal(format!("row {rid} of {table} vanished while being recorded")))?;
        self.append_link(table, rid, |c| canon_entry(c, row, columns, line))
    }

    /// Links the row just inserted into `table`.
    pub(super) fn link_last(&self, table: &str) -> Result<i64> {
        let rid = self.tx.last_insert_rowid();
        self.link_row(table, rid)?;
        Ok(rid)
    }
}
