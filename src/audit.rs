//! The audit chain's hashing: how a recorded row is turned into bytes and linked to the row
//! recorded before it.
//!
//! Every recorded row (catalogue, register, rules, acceptances, period events, entries and the
//! write journal) gets one link, in recording order:
//!
//! ```text
//! hash(n) = SHA-256( hash(n−1) ‖ table name ‖ every column of the row, in schema order )
//! ```
//!
//! with `hash(0)` = 32 zero bytes. Each column is written with a one-byte tag (0 null,
//! 1 integer as 8 little-endian bytes, 2 text and 3 blob, each with its length first), so no
//! two different rows encode alike. Operator and time are columns, so they are covered too.
//! `verify` recomputes every link from the stored rows; the last link's hash is the ledger's
//! fingerprint, which reports print.
//!
//! `walk` is that check: it reads the links and the rows through cursors the storage hands it
//! (`Db::with_chain_cursors`), so the algorithm and its findings live here and only `db`
//! speaks SQL.

use crate::error::Result;
use crate::progress::Progress;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};

/// A link's hash.
pub type Hash = [u8; 32];

/// The hash before the first link.
pub const GENESIS: Hash = [0; 32];

/// The canonical bytes of one row, built column by column.
#[derive(Default)]
pub struct Canon {
    bytes: Vec<u8>,
}

impl Canon {
    /// Starts a row of `table` (the buffer is reused between rows).
    pub fn start(&mut self, table: &str) {
        self.bytes.clear();
        self.text(table);
    }

    pub fn null(&mut self) {
        self.bytes.push(0);
    }

    pub fn int(&mut self, v: i64) {
        self.bytes.push(1);
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub fn text(&mut self, v: &str) {
        self.tagged(2, v.as_bytes());
    }

    /// Text as SQLite hands it back (bytes that should be UTF-8).
    pub fn text_bytes(&mut self, v: &[u8]) {
        self.tagged(2, v);
    }

    /// A floating-point value's bits (fundledger stores none; see `db::canon_row`).
    pub fn real_bits(&mut self, bits: u64) {
        self.bytes.push(4);
        self.bytes.extend_from_slice(&bits.to_le_bytes());
    }

    pub fn blob(&mut self, v: &[u8]) {
        self.tagged(3, v);
    }

    pub fn opt_int(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    fn tagged(&mut self, tag: u8, v: &[u8]) {
        self.bytes.push(tag);
        self.bytes.extend_from_slice(&(v.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(v);
    }

    /// The row's bytes so far.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The link's hash: this row chained after `prev`.
    pub fn link(&self, prev: &Hash) -> Hash {
        let mut h = Sha256::new();
        h.update(prev);
        h.update(&self.bytes);
        h.finalize().into()
    }
}

/// The link's hash for a row whose canonical bytes were kept.
pub fn link_bytes(prev: &Hash, bytes: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(bytes);
    h.finalize().into()
}

/// The first 16 hex digits of a hash, as reports print it.
pub fn short(hash: &Hash) -> String {
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// All 64 hex digits.
pub fn hex(hash: &Hash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a finding names a row of a chained table.
pub fn subject(table: &str, label: &str) -> String {
    format!("{} {label}", noun(table))
}

pub fn noun(table: &str) -> &str {
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
        "acceptance_awards" => "quality award of",
        "acceptance_bureaus" => "county bureau",
        "adjustments" => "adjustment of appropriation",
        "letters" => "confirmation letter",
        "letter_lines" => "line of confirmation letter",
        "amendments" => "amendment of",
        "user_events" => "change of user",
        "writes" => "journal write",
        other => other,
    }
}

/// A link of the audit chain as stored; `hash` is `None` when the stored value is not a
/// 32-byte hash.
pub struct Link {
    pub seq: i64,
    pub table: String,
    pub rid: i64,
    pub hash: Option<Hash>,
}

/// A chained row as stored: its id (rowid), how a finding names it, its canonical bytes.
pub struct ChainedRow {
    pub id: i64,
    pub label: String,
    pub bytes: Vec<u8>,
}

/// Every chained row but the entries, by (table, rowid).
pub type ChainedRegister = HashMap<(String, i64), ChainedRow>;

/// What a walk of the audit chain found.
pub struct ChainWalk {
    pub links: u64,
    /// The last link's hash as stored.
    pub head: Hash,
    /// Each place where the stored rows and the chain disagree, in chain order.
    pub findings: Vec<String>,
    /// The link whose hash starts with the anchor asked for, if any.
    pub anchor_link: Option<i64>,
}

/// What the walk reads: the links, the entries in recording order, the other chained rows,
/// and a way to name an entry that a link points to out of order.
pub struct ChainSource<'a> {
    pub links: &'a mut dyn Iterator<Item = Result<Link>>,
    pub entries: &'a mut dyn Iterator<Item = Result<ChainedRow>>,
    pub register: ChainedRegister,
    pub voucher_of: &'a dyn Fn(i64) -> Result<Option<String>>,
}

/// Walks the audit chain from its first link, recomputing every link from the stored row it
/// names, and lists where the stored rows and the chain disagree: a row altered, a row
/// removed, a row inserted without a link, links removed or reordered. With `anchor` (the
/// leading bytes of a head printed earlier), it also finds the link whose hash starts with
/// them.
pub fn walk(source: ChainSource<'_>, progress: &Progress, anchor: Option<&[u8]>) -> Result<ChainWalk> {
    let ChainSource { links, entries, register, voucher_of } = source;
    let mut w = Walker {
        walk: ChainWalk { links: 0, head: GENESIS, findings: Vec::new(), anchor_link: None },
        pending: entries.next().transpose()?,
        entries,
        register,
        linked: BTreeSet::new(),
        last_voucher: String::from("entry (none)"),
        prev: GENESIS,
        expected: 1,
        suspect: None,
        after_gap: false,
    };
    for link in links {
        let link = link?;
        let stored = link.hash.unwrap_or_else(|| {
            w.walk
                .findings
                .push(format!("audit link {} does not hold a 32-byte hash: the chain was edited", link.seq));
            GENESIS
        });
        w.walk.links += 1;
        if anchor.is_some_and(|a| stored.starts_with(a)) && w.walk.anchor_link.is_none() {
            w.walk.anchor_link = Some(link.seq);
        }
        if w.walk.links.is_multiple_of(4096) {
            progress.rows_done(w.walk.links);
        }
        w.check_sequence(link.seq);
        let row =
            if link.table == "entries" { w.entry_at(&link, voucher_of)? } else { w.register_row_at(&link) };
        w.compare(row, &link, stored);
    }
    w.finish()
}

/// The walk's state between links.
struct Walker<'a> {
    walk: ChainWalk,
    entries: &'a mut dyn Iterator<Item = Result<ChainedRow>>,
    /// The next stored entry not yet matched to a link.
    pending: Option<ChainedRow>,
    register: ChainedRegister,
    /// The register rows already met on the chain.
    linked: BTreeSet<(String, i64)>,
    last_voucher: String,
    prev: Hash,
    expected: i64,
    /// A link that did not match: (its finding's subject, the hash its row gives). Decided at
    /// the next link: if that one matches the stored hash, the row was altered; if it matches
    /// the row's own hash, only the stored link was.
    suspect: Option<(String, Hash)>,
    after_gap: bool,
}

impl Walker<'_> {
    fn next_entry(&mut self) -> Result<()> {
        self.pending = self.entries.next().transpose()?;
        Ok(())
    }

    fn unlinked_entry(&mut self, entry: &ChainedRow) {
        self.walk.findings.push(format!(
            "{} (id {}) has no link in the audit chain: its link was removed, or the entry was inserted behind fundledger's back",
            entry.label, entry.id
        ));
    }

    fn check_sequence(&mut self, seq: i64) {
        let expected = self.expected;
        if seq != expected {
            self.walk.findings.push(if seq == expected + 1 {
                format!("audit link {expected} is missing: it was removed from the chain")
            } else {
                format!("audit links {expected}–{} are missing: they were removed from the chain", seq - 1)
            });
            self.after_gap = true;
        }
        self.expected = seq + 1;
    }

    /// The entry a link names: the next one in recording order, after listing the entries
    /// before it that have no link.
    fn entry_at(
        &mut self,
        link: &Link,
        voucher_of: &dyn Fn(i64) -> Result<Option<String>>,
    ) -> Result<Option<ChainedRow>> {
        while let Some(entry) = self.pending.take() {
            if entry.id >= link.rid {
                self.pending = Some(entry);
                break;
            }
            self.unlinked_entry(&entry);
            self.next_entry()?;
        }
        match self.pending.take() {
            Some(entry) if entry.id == link.rid => {
                self.last_voucher = entry.label.clone();
                self.next_entry()?;
                Ok(Some(entry))
            }
            other => {
                self.pending = other;
                let (seq, rid) = (link.seq, link.rid);
                self.walk.findings.push(match voucher_of(rid)? {
                    Some(voucher) => format!(
                        "audit link {seq} names entry {voucher} (id {rid}) out of recording order: links were moved or added behind fundledger's back"
                    ),
                    None => format!(
                        "the entry recorded at link {seq} (id {rid}, after {}) was removed",
                        self.last_voucher
                    ),
                });
                Ok(None)
            }
        }
    }

    fn register_row_at(&mut self, link: &Link) -> Option<ChainedRow> {
        let key = (link.table.clone(), link.rid);
        let found = self.register.remove(&key);
        if found.is_none() {
            let (seq, rid) = (link.seq, link.rid);
            self.walk.findings.push(if self.linked.contains(&key) {
                format!(
                    "audit link {seq} names {} again: links were added behind fundledger's back",
                    subject(&link.table, &rid.to_string())
                )
            } else {
                format!("the {} row recorded at link {seq} (rowid {rid}) was removed", noun(&link.table))
            });
        }
        self.linked.insert(key);
        found
    }

    /// Recomputes the link from its row and the link before, and decides an earlier
    /// mismatch.
    fn compare(&mut self, row: Option<ChainedRow>, link: &Link, stored: Hash) {
        let computed = row.as_ref().map(|r| link_bytes(&self.prev, &r.bytes));
        if let Some((what, own)) = self.suspect.take() {
            let by_own = row.as_ref().map(|r| link_bytes(&own, &r.bytes));
            self.walk.findings.push(if computed == Some(stored) {
                format!("{what} was altered after it was recorded: it no longer matches its audit link")
            } else if by_own == Some(stored) {
                format!("the audit link of {what} was altered: the row itself is as recorded")
            } else {
                format!("{what} does not match the audit chain: it, or its link, was altered after it was recorded")
            });
            if by_own == Some(stored) {
                self.prev = stored;
                return;
            }
        }
        if let (Some(row), Some(computed)) = (&row, computed) {
            if computed != stored {
                let at = format!("{} (link {})", row.label, link.seq);
                if self.after_gap {
                    self.walk
                        .findings
                        .push(format!("{at} cannot be checked against the link before it, which is missing"));
                } else {
                    self.suspect = Some((at, link_bytes(&self.prev, &row.bytes)));
                }
            }
        }
        self.after_gap = false;
        self.prev = stored;
    }

    /// After the last link: an undecided mismatch, and every row no link named.
    fn finish(mut self) -> Result<ChainWalk> {
        if let Some((what, _)) = self.suspect.take() {
            self.walk.findings.push(format!(
                "{what} does not match the audit chain: it, or its link, was altered after it was recorded"
            ));
        }
        self.walk.head = self.prev;
        while let Some(entry) = self.pending.take() {
            self.unlinked_entry(&entry);
            self.next_entry()?;
        }
        let mut unlinked: Vec<_> = std::mem::take(&mut self.register).into_iter().collect();
        unlinked.sort_by(|a, b| a.0.cmp(&b.0));
        for ((_, rid), row) in unlinked {
            self.walk.findings.push(format!(
                "{} (rowid {rid}) has no link in the audit chain: its link was removed, or it was inserted behind fundledger's back",
                row.label
            ));
        }
        Ok(self.walk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(table: &str, f: impl FnOnce(&mut Canon)) -> Hash {
        let mut c = Canon::default();
        c.start(table);
        f(&mut c);
        c.link(&GENESIS)
    }

    #[test]
    fn different_rows_hash_differently_even_when_their_text_concatenates_alike() {
        let a = row("entries", |c| {
            c.text("ab");
            c.text("c");
        });
        let b = row("entries", |c| {
            c.text("a");
            c.text("bc");
        });
        assert_ne!(a, b);
        let null = row("entries", |c| c.null());
        let empty = row("entries", |c| c.text(""));
        let zero = row("entries", |c| c.int(0));
        assert!(null != empty && empty != zero && null != zero);
        assert_ne!(row("entries", |c| c.int(1)), row("projects", |c| c.int(1)));
    }

    #[test]
    fn a_link_depends_on_the_previous_one() {
        let mut c = Canon::default();
        c.start("entries");
        c.int(7);
        assert_ne!(c.link(&GENESIS), c.link(&[1; 32]));
        assert_eq!(c.link(&GENESIS), c.link(&GENESIS));
        assert_eq!(short(&GENESIS), "0000000000000000");
        assert_eq!(hex(&GENESIS).len(), 64);
    }
}
