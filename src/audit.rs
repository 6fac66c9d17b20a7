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
    let (zh, en) = match table {
        "departments" => ("部门", "department"),
        "counties" => ("县市区", "county"),
        "subproject_types" => ("子项目类型", "sub-project type"),
        "channels" => ("资金类别", "channel"),
        "designations" => ("资金用途", "designation"),
        "projects" => ("项目", "project"),
        "subprojects" => ("子项目", "sub-project"),
        "appropriations" => ("指标", "appropriation"),
        "subsidy_rules" => ("补助规则", "subsidy rule"),
        "period_events" => ("结账/重新开账记录", "close/reopen record"),
        "acceptances" => ("验收", "acceptance"),
        "acceptance_awards" => ("优质工程", "quality award of"),
        "acceptance_bureaus" => ("县级组织单位", "county bureau"),
        "adjustments" => ("指标调整", "adjustment of appropriation"),
        "letters" => ("确认书", "confirmation letter"),
        "letter_lines" => ("确认书明细行", "line of confirmation letter"),
        "amendments" => ("变更", "amendment of"),
        "user_events" => ("用户变更", "change of user"),
        "approval_settings" => ("审批设置", "approval setting"),
        "contracts" => ("合同", "contract"),
        "contract_shares" => ("合同分摊", "share of contract"),
        "contract_amendments" => ("合同变更", "amendment of contract"),
        "contract_payments" => ("合同付款", "payment of contract"),
        "pending_items" => ("待审批事项", "pending item"),
        "pending_lines" => ("待审批分录", "pending line"),
        "pending_decisions" => ("审批决定", "decision on"),
        "writes" => ("写入记录", "journal write"),
        other => (other, other),
    };
    crate::lang::pick(zh, en)
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
        last_voucher: crate::lang::pick("分录（无）", "entry (none)").to_string(),
        prev: GENESIS,
        expected: 1,
        suspect: None,
        after_gap: false,
    };
    for link in links {
        let link = link?;
        let stored = link.hash.unwrap_or_else(|| {
            let seq = link.seq;
            w.walk.findings.push(crate::tr!(
                "审计链第 {seq} 环存的不是 32 字节的哈希：审计链被改动过",
                "audit link {seq} does not hold a 32-byte hash: the chain was edited"
            ));
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

/// A row whose link does not match, when it cannot be told which of the two was altered.
fn not_matching(what: &str) -> String {
    crate::tr!(
        "{what}与审计链不一致：它或它的环在记录后被改动",
        "{what} does not match the audit chain: it, or its link, was altered after it was recorded"
    )
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
        let (label, id) = (&entry.label, entry.id);
        self.walk.findings.push(crate::tr!(
            "{label}（id {id}）在审计链中没有对应的环：它的环被删除了，或该分录是绕过 fundledger 插入的",
            "{label} (id {id}) has no link in the audit chain: its link was removed, or the entry was inserted behind fundledger's back"
        ));
    }

    fn check_sequence(&mut self, seq: i64) {
        let expected = self.expected;
        if seq != expected {
            self.walk.findings.push(if seq == expected + 1 {
                crate::tr!(
                    "审计链第 {expected} 环缺失：它已被从链中删除",
                    "audit link {expected} is missing: it was removed from the chain"
                )
            } else {
                let last = seq - 1;
                crate::tr!(
                    "审计链第 {expected}–{last} 环缺失：它们已被从链中删除",
                    "audit links {expected}–{last} are missing: they were removed from the chain"
                )
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
                    Some(voucher) => crate::tr!(
                        "审计链第 {seq} 环指向的分录 {voucher}（id {rid}）不在记录顺序上：有环被绕过 fundledger 移动或添加",
                        "audit link {seq} names entry {voucher} (id {rid}) out of recording order: links were moved or added behind fundledger's back"
                    ),
                    None => {
                        let last = &self.last_voucher;
                        crate::tr!(
                            "审计链第 {seq} 环记录的分录（id {rid}，在 {last} 之后）已被删除",
                            "the entry recorded at link {seq} (id {rid}, after {last}) was removed"
                        )
                    }
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
                let what = subject(&link.table, &rid.to_string());
                crate::tr!(
                    "审计链第 {seq} 环再次指向{what}：有环被绕过 fundledger 添加",
                    "audit link {seq} names {what} again: links were added behind fundledger's back"
                )
            } else {
                let noun = noun(&link.table);
                crate::tr!(
                    "审计链第 {seq} 环记录的{noun}（rowid {rid}）已被删除",
                    "the {noun} row recorded at link {seq} (rowid {rid}) was removed"
                )
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
                crate::tr!(
                    "{what}在记录后被改动：与它的审计链环不再一致",
                    "{what} was altered after it was recorded: it no longer matches its audit link"
                )
            } else if by_own == Some(stored) {
                crate::tr!(
                    "{what}的审计链环被改动：该行本身与记录时一致",
                    "the audit link of {what} was altered: the row itself is as recorded"
                )
            } else {
                not_matching(&what)
            });
            if by_own == Some(stored) {
                self.prev = stored;
                return;
            }
        }
        if let (Some(row), Some(computed)) = (&row, computed) {
            if computed != stored {
                let (label, seq) = (&row.label, link.seq);
                let at = crate::tr!("{label}（审计链第 {seq} 环）", "{label} (link {seq})");
                if self.after_gap {
                    self.walk.findings.push(crate::tr!(
                        "{at}无法与前一环核对：前一环已缺失",
                        "{at} cannot be checked against the link before it, which is missing"
                    ));
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
            self.walk.findings.push(not_matching(&what));
        }
        self.walk.head = self.prev;
        while let Some(entry) = self.pending.take() {
            self.unlinked_entry(&entry);
            self.next_entry()?;
        }
        let mut unlinked: Vec<_> = std::mem::take(&mut self.register).into_iter().collect();
        unlinked.sort_by(|a, b| a.0.cmp(&b.0));
        for ((_, rid), row) in unlinked {
            let label = &row.label;
            self.walk.findings.push(crate::tr!(
                "{label}（rowid {rid}）在审计链中没有对应的环：它的环被删除了，或该行是绕过 fundledger 插入的",
                "{label} (rowid {rid}) has no link in the audit chain: its link was removed, or it was inserted behind fundledger's back"
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
