//! Files derived from a generated `entries.csv`, for the benchmark's comparisons:
//!
//! - `write_journal`: the same entries as an hledger journal, so that `hledger -f city.journal
//!   bal -N` and fundledger's `balances` sum the very same movements. Each entry is one
//!   transaction of two postings: the amount to its line's account for its kind
//!   (`line:APPROPRIATION:SUBPROJECT:KIND`) and the balancing posting to its appropriation
//!   (`appropriation:APPROPRIATION`).
//! - `split_with_corrections`: an in-order import and a back-dated one of the same size on
//!   the same ledger. The first N − M entries are the base; the last M are the in-order
//!   file; the back-dated file holds M/2 corrections of payments recorded in earlier years,
//!   each a reversal and the payment recorded again on the same day (net nothing on every
//!   later date, so every rule holds, yet each entry is dated years before the ledger's last).
//!
//! Both stream the CSV; the corrections keep only the reversed vouchers and the chosen
//! payments in memory.

use crate::error::{Error, Result};
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

/// One generated entry, as `gen` writes it (English headers, INTERFACE.md).
#[derive(Debug, Clone, serde::Deserialize)]
struct Row {
    voucher: String,
    date: String,
    kind: String,
    appropriation: String,
    subproject: String,
    amount: String,
    reverses: String,
    memo: String,
}

fn cannot(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("{}: {e}", crate::error::shown_path(path)))
}

fn rows(path: &Path) -> Result<impl Iterator<Item = Result<Row>> + '_> {
    let reader = csv::Reader::from_path(path).map_err(|e| cannot(path, e))?;
    Ok(reader.into_deserialize::<Row>().map(move |r| r.map_err(|e| cannot(path, e))))
}

fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>> {
    let file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| cannot(path, e))?;
    Ok(std::io::BufWriter::with_capacity(1 << 20, file))
}

/// Writes `entries` (a generated entries CSV) as an hledger journal at `out`, which must not
/// exist; returns the number of transactions.
pub fn write_journal(entries: &Path, out: &Path) -> Result<u64> {
    let mut w = create(out)?;
    let mut n = 0;
    let io = |e: std::io::Error| cannot(out, e);
    writeln!(w, "; fundledger gen: each entry posted to its line's account for its kind").map_err(io)?;
    for row in rows(entries)? {
        let r = row?;
        // Descriptions and account names must not carry the journal's own syntax.
        let memo: String = r.memo.chars().filter(|c| !matches!(c, ';' | '\n' | '\r')).collect();
        writeln!(
            w,
            "\n{} {} {}\n    line:{}:{}:{}  {}\n    appropriation:{}",
            r.date, r.voucher, memo, r.appropriation, r.subproject, r.kind, r.amount, r.appropriation
        )
        .map_err(io)?;
        n += 1;
    }
    w.flush().map_err(io)?;
    Ok(n)
}

/// The three files of the back-dated comparison (see the module's documentation).
pub struct Split {
    pub base: std::path::PathBuf,
    pub in_order: std::path::PathBuf,
    pub back_dated: std::path::PathBuf,
    /// Entries in each of the two timed files.
    pub size: u64,
}

/// Splits `entries` (N rows) into `base` (the first N − M), `in_order` (the last M) and
/// `back_dated` (M corrections of base payments dated before `last_year`), in `dir`. M is a
/// tenth of N, even.
pub fn split_with_corrections(entries: &Path, dir: &Path) -> Result<Split> {
    let total = rows(entries)?.count() as u64;
    let size = (total / 10) & !1;
    let keep = total - size;
    let mut reversed = HashSet::new();
    let mut last_year = String::new();
    for (i, row) in rows(entries)?.enumerate() {
        let r = row?;
        if (i as u64) < keep && !r.reverses.is_empty() {
            reversed.insert(r.reverses.clone());
        }
        if r.date.len() >= 4 && r.date[..4] > *last_year {
            last_year = r.date[..4].to_string();
        }
    }
    // Every k-th payment of the base recorded before the last year, never reversed.
    let eligible = |r: &Row| r.kind == "pay" && r.date[..4] < *last_year && !reversed.contains(&r.voucher);
    let mut candidates = 0u64;
    for row in rows(entries)?.take(keep as usize) {
        candidates += u64::from(eligible(&row?));
    }
    let pairs = size / 2;
    if candidates < pairs || pairs == 0 {
        return Err(Error::Internal(format!(
            "the dataset has {candidates} earlier payments, fewer than the {pairs} corrections the comparison needs"
        )));
    }
    let step = candidates / pairs;
    let split = Split {
        base: dir.join("base.csv"),
        in_order: dir.join("in-order.csv"),
        back_dated: dir.join("back-dated.csv"),
        size,
    };
    let header = "voucher,date,kind,appropriation,subproject,amount,reverses,memo\n";
    let (mut base, mut tail, mut back) =
        (create(&split.base)?, create(&split.in_order)?, create(&split.back_dated)?);
    for (w, path) in [(&mut base, &split.base), (&mut tail, &split.in_order), (&mut back, &split.back_dated)]
    {
        w.write_all(header.as_bytes()).map_err(|e| cannot(path, e))?;
    }
    let (mut seen, mut written) = (0u64, 0u64);
    for (i, row) in rows(entries)?.enumerate() {
        let r = row?;
        let out = if (i as u64) < keep { &mut base } else { &mut tail };
        let line = csv_line(&r);
        out.write_all(line.as_bytes()).map_err(|e| cannot(&split.base, e))?;
        if (i as u64) < keep && eligible(&r) {
            if seen % step == 0 && written < pairs {
                let reversal = Row {
                    voucher: format!("冲-{}", r.voucher),
                    kind: "reverse".into(),
                    reverses: r.voucher.clone(),
                    memo: "更正：冲销".into(),
                    ..r.clone()
                };
                let again =
                    Row {
                        voucher: format!("更-{}", r.voucher), memo: "更正：重新支付".into(), ..r.clone()
                    };
                for c in [reversal, again] {
                    back.write_all(csv_line(&c).as_bytes()).map_err(|e| cannot(&split.back_dated, e))?;
                }
                written += 1;
            }
            seen += 1;
        }
    }
    for (w, path) in [(&mut base, &split.base), (&mut tail, &split.in_order), (&mut back, &split.back_dated)]
    {
        w.flush().map_err(|e| cannot(path, e))?;
    }
    Ok(split)
}

/// A row as a CSV line; generated values hold no quote, comma or line break but the memo might.
fn csv_line(r: &Row) -> String {
    let memo = if r.memo.contains([',', '"', '\n']) {
        format!("\"{}\"", r.memo.replace('"', "\"\""))
    } else {
        r.memo.clone()
    };
    format!(
        "{},{},{},{},{},{},{},{}\n",
        r.voucher, r.date, r.kind, r.appropriation, r.subproject, r.amount, r.reverses, memo
    )
}
