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

use sha2::{Digest, Sha256};

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
