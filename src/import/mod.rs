//! The CSV edge: bytes from clerks' Excel files become validated rows, or located problems.
//!
//! Encodings: a pre-scan of the whole file (`scan`) decides between UTF-8 (with or without
//! BOM) and GB18030 (what Excel on Chinese Windows writes) and refuses a file that mixes them
//! or is neither; the rows are then streamed, GB18030 decoded as it is read. The pre-scan
//! also refuses an unclosed quote and an over-long row before the csv reader buffers it.
//! Headers match the English names case-insensitively or their Chinese aliases; unknown
//! columns are ignored and reported. Every bad field of every row is reported as
//! `file:line: column X: message [rule]`, never just the first. This module checks the shape
//! of each value; the ledger rules are checked by the writers in `ledger`, and `pipeline` drives
//! a file's rows through them. This module knows nothing of either.
//!
//! `decode` reads a file and maps its header, `fields` parses cells by kind, and one module
//! per file kind holds its columns and row parser: `register`, `entries`, `payments`,
//! `catalog` (with subsidy rules), `adjustments`, `amendments`, `letters`.

mod adjustments;
mod amendments;
mod catalog;
mod contracts;
mod decode;
mod entries;
mod fields;
mod letters;
mod payments;
mod register;
mod scan;

pub use scan::MAX_CELLS;

/// The largest CSV record accepted, in bytes (a row, not a cell).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
/// The most data rows one import accepts.
pub const MAX_ROWS: u64 = 20_000_000;

pub use adjustments::*;
pub use amendments::*;
pub use catalog::*;
pub use contracts::*;
pub use decode::*;
pub use entries::*;
pub use fields::*;
pub use letters::*;
pub use payments::*;
pub use register::*;
