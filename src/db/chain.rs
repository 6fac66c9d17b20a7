//! The audit chain's storage: appending a link for every row written, and reading links and
//! rows back in their canonical form for the walk `verify` makes.

use super::*;

pub(super) const LINK_INSERT: &str = "INSERT INTO chain (seq, tbl, rid, hash) VALUES (?1, ?2, ?3, ?4)";

/// What `Db::walk_chain` found.
pub struct ChainWalk {
    pub links: u64,
    /// The last link's hash as stored.
    pub head: Hash,
    /// Each place where the stored rows and the chain disagree, in chain order.
    pub findings: Vec<String>,
    /// The link whose hash starts with the anchor asked for, if any.
    pub anchor_link: Option<i64>,
}

/// The chained tables other than `entries`, each with how a finding names one of its rows.
pub(super) const REGISTER_LABELS: [(&str, &str); 12] = [
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
    /// Walks the audit chain from its first link, recomputing every link from the stored row
    /// it names, and lists where the stored rows and the chain disagree: a row altered, a row
    /// removed, a row inserted without a link, links removed or reordered.
    ///
    /// With `anchor` (the leading bytes of a head printed earlier), it also finds the link
    /// whose hash starts with them.
    pub fn walk_chain(
        &self,
        progress: &crate::progress::Progress,
        anchor: Option<&[u8]>,
    ) -> Result<ChainWalk> {
        let mut walk = ChainWalk { links: 0, head: GENESIS, findings: Vec::new(), anchor_link: None };
        let mut canon = Canon::default();
        // Every chained row but the entries, by (table, rowid): its label and bytes.
        let mut register: HashMap<(String, i64), (String, Vec<u8>)> = HashMap::new();
        for (table, label) in REGISTER_LABELS {
            let mut stmt = self.conn.prepare(&format!("SELECT rowid, {label}, * FROM {table}"))?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                canon.start(table);
                canon_row(&mut canon, r, 2, columns)?;
                register.insert((table.to_string(), r.get(0)?), (lossy(r, 1)?, canon.bytes().to_vec()));
            }
        }
        let mut linked: BTreeSet<(String, i64)> = BTreeSet::new();
        let mut entry_stmt = self.conn.prepare("SELECT * FROM entries ORDER BY id")?;
        let entry_columns = entry_stmt.column_count();
        let mut entries = entry_stmt.query([])?;
        // The next stored entry not yet matched to a link: (id, voucher, bytes).
        let mut next_entry = |canon: &mut Canon| -> Result<Option<(i64, String, Vec<u8>)>> {
            let Some(r) = entries.next()? else { return Ok(None) };
            canon.start("entries");
            canon_row(canon, r, 0, entry_columns)?;
            Ok(Some((r.get(0)?, lossy(r, 1)?, canon.bytes().to_vec())))
        };
        let unlinked = |voucher: &str, id: i64| {
            format!(
                "entry {voucher} (id {id}) has no link in the audit chain: its link was removed, or the entry was inserted behind fundledger's back"
            )
        };
        let mut pending = next_entry(&mut canon)?;
        let mut last_voucher = String::from("(none)");
        let mut link_stmt = self.conn.prepare("SELECT seq, tbl, rid, hash FROM chain ORDER BY seq")?;
        let mut links = link_stmt.query([])?;
        let mut prev = GENESIS;
        let mut expected = 1i64;
        // A link that did not match: (its finding's subject, the hash its row gives). Decided
        // at the next link: if that one matches the stored hash, the row was altered; if it
        // matches the row's own hash, only the stored link was.
        let mut suspect: Option<(String, Hash)> = None;
        let mut after_gap = false;
        while let Some(r) = links.next()? {
            let seq: i64 = r.get(0)?;
            let table = lossy(r, 1)?;
            let rid: i64 = r.get(2)?;
            let stored = stored_hash(r, 3).unwrap_or_else(|_| {
                walk.findings
                    .push(format!("audit link {seq} does not hold a 32-byte hash: the chain was edited"));
                GENESIS
            });
            walk.links += 1;
            if anchor.is_some_and(|a| stored.starts_with(a)) && walk.anchor_link.is_none() {
                walk.anchor_link = Some(seq);
            }
            if walk.links.is_multiple_of(4096) {
                progress.rows_done(walk.links);
            }
            if seq != expected {
                walk.findings.push(if seq == expected + 1 {
                    format!("audit link {expected} is missing: it was removed from the chain")
                } else {
                    format!(
                        "audit links {expected}–{} are missing: they were removed from the chain",
                        seq - 1
                    )
                });
                after_gap = true;
            }
            expected = seq + 1;
            let row: Option<(String, Vec<u8>)> = if table == "entries" {
                while let Some((id, voucher, _)) = pending.as_ref().filter(|(id, _, _)| *id < rid) {
                    walk.findings.push(unlinked(voucher, *id));
                    pending = next_entry(&mut canon)?;
                }
                match pending.take() {
                    Some((id, voucher, bytes)) if id == rid => {
                        last_voucher = voucher.clone();
                        pending = next_entry(&mut canon)?;
                        Some((format!("entry {voucher}"), bytes))
                    }
                    other => {
                        pending = other;
                        walk.findings.push(match self.entry_voucher(rid)? {
                            Some(voucher) => format!(
                                "audit link {seq} names entry {voucher} (id {rid}) out of recording order: links were moved or added behind fundledger's back"
                            ),
                            None => format!(
                                "the entry recorded at link {seq} (id {rid}, after entry {last_voucher}) was removed"
                            ),
                        });
                        None
                    }
                }
            } else {
                let key = (table.clone(), rid);
                let found = register.remove(&key);
                if found.is_none() {
                    walk.findings.push(if linked.contains(&key) {
                        format!(
                            "audit link {seq} names {} again: links were added behind fundledger's back",
                            subject(&table, &rid.to_string())
                        )
                    } else {
                        format!("the {} row recorded at link {seq} (rowid {rid}) was removed", noun(&table))
                    });
                }
                linked.insert(key);
                found.map(|(label, bytes)| (subject(&table, &label), bytes))
            };
            let computed = row.as_ref().map(|(_, bytes)| crate::audit::link_bytes(&prev, bytes));
            if let Some((what, own)) = suspect.take() {
                let by_own = row.as_ref().map(|(_, bytes)| crate::audit::link_bytes(&own, bytes));
                walk.findings.push(if computed == Some(stored) {
                    format!("{what} was altered after it was recorded: it no longer matches its audit link")
                } else if by_own == Some(stored) {
                    format!("the audit link of {what} was altered: the row itself is as recorded")
                } else {
                    format!("{what} does not match the audit chain: it, or its link, was altered after it was recorded")
                });
                if by_own == Some(stored) {
                    prev = stored;
                    continue;
                }
            }
            if let (Some((label, bytes)), Some(computed)) = (&row, computed) {
                if computed != stored {
                    if after_gap {
                        walk.findings.push(format!(
                            "{label} (link {seq}) cannot be checked against the link before it, which is missing"
                        ));
                    } else {
                        let own = crate::audit::link_bytes(&prev, bytes);
                        suspect = Some((format!("{label} (link {seq})"), own));
                    }
                }
            }
            after_gap = false;
            prev = stored;
        }
        if let Some((what, _)) = suspect {
            walk.findings.push(format!(
                "{what} does not match the audit chain: it, or its link, was altered after it was recorded"
            ));
        }
        walk.head = prev;
        while let Some((id, voucher, _)) = pending {
            walk.findings.push(unlinked(&voucher, id));
            pending = next_entry(&mut canon)?;
        }
        let mut unlinked_rows: Vec<_> = register.into_iter().collect();
        unlinked_rows.sort_by(|a, b| a.0.cmp(&b.0));
        for ((table, rid), (label, _)) in unlinked_rows {
            walk.findings.push(format!(
                "{} (rowid {rid}) has no link in the audit chain: its link was removed, or it was inserted behind fundledger's back",
                subject(&table, &label)
            ));
        }
        Ok(walk)
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
                None => found.push(format!(
                    "the {kind} {name} is missing from the ledger's schema: it was dropped behind fundledger's back{}",
                    if kind == "trigger" { ", so the database no longer refuses what it guarded" } else { "" }
                )),
                Some(actual_sql) if actual_sql != sql => {
                    found.push(format!("the {kind} {name} differs from the one fundledger created"))
                }
                Some(_) => {}
            }
        }
        for (kind, name) in actual.keys().filter(|k| !expected.contains_key(k)) {
            found.push(format!("the ledger's schema has a {kind} {name} that fundledger did not create"));
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

/// How a finding names a row of a chained table.
pub(super) fn subject(table: &str, label: &str) -> String {
    format!("{} {label}", noun(table))
}

pub(super) fn noun(table: &str) -> &str {
    match table {
        "departments" => "department",
        "counties" => "county",
        "subproject_types" => "sub-project type",
        "channels" => "channel",
        "designations" => "designation",
        "projects" => "project",
        "subprojects" => "sub-project",
        "appropriations" => "appropriation",
        "subsidy_rules" => "subsidy rule",
        "period_events" => "close/reopen record",
        "acceptances" => "acceptance",
        "writes" => "journal write",
        other => other,
    }
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
        let mut rows = stmt.query([rid])?;
        let row = rows
            .next()?
            .ok_or_else(|| Error::Internal(format!("row {rid} of {table} vanished while being recorded")))?;
        self.append_link(table, rid, |c| canon_row(c, row, 0, columns))
    }

    /// Links the row just inserted into `table`.
    pub(super) fn link_last(&self, table: &str) -> Result<i64> {
        let rid = self.tx.last_insert_rowid();
        self.link_row(table, rid)?;
        Ok(rid)
    }
}
