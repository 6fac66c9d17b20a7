//! The batch driver: read → parse each row → write it (the writer checks the rules) → collect
//! every problem with its location. A file is all or nothing: the caller commits only when
//! no row was refused.

use crate::error::{Check, Error, KeptProblems, Problem, Result, MAX_PROBLEMS_KEPT};
use crate::import::{shown_list, CsvInput, Row};
use crate::model::{NewAcceptance, NewAppropriation, NewEntry, NewProject, NewSubproject, Payment};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// What happened to one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Added,
    Unchanged,
    /// Submitted for a second person's approval (maker-checker): recorded as pending, with
    /// its money reserved, and not yet an entry.
    Pending,
}

/// The answer for one row: an outcome, or why it was refused. The outer `Result` is for
/// failures of the environment, which abort the whole batch.
pub type RowResult = Result<std::result::Result<Outcome, Vec<Problem>>>;

/// A row's unique code within its file (voucher, project code …), if it has one.
pub trait Keyed {
    /// Whether the writer itself refuses a key repeated within the file (the entries writer
    /// finds it in the ledger, recorded by this same import).
    const WRITER_FINDS_REPEATS: bool = false;
    fn key(&self) -> Option<&str>;
    /// The column holding the key.
    fn key_column(&self) -> &'static str {
        "code"
    }
}

macro_rules! keyed {
    ($t:ty, $field:ident, $column:literal) => {
        impl Keyed for $t {
            fn key(&self) -> Option<&str> {
                Some(&self.$field)
            }
            fn key_column(&self) -> &'static str {
                $column
            }
        }
    };
    ($t:ty) => {
        impl Keyed for $t {
            fn key(&self) -> Option<&str> {
                None
            }
        }
    };
}

keyed!(NewProject, code, "project");
keyed!(NewSubproject, code, "subproject");
keyed!(NewAppropriation, code, "appropriation");
impl Keyed for NewEntry {
    const WRITER_FINDS_REPEATS: bool = true;
    fn key(&self) -> Option<&str> {
        Some(&self.voucher)
    }
    fn key_column(&self) -> &'static str {
        "voucher"
    }
}
// A body's records may repeat a voucher once per sub-project; `import::RecordKeys` checks them.
keyed!(Payment);
keyed!(crate::catalog::Department, code, "department");
keyed!(crate::catalog::County, code, "county");
keyed!(crate::catalog::SubprojectType, code, "type");
keyed!(crate::catalog::Channel, code, "channel");
keyed!(crate::catalog::Designation);
keyed!(crate::subsidy::Rule);
keyed!(NewAcceptance);
keyed!(crate::model::AcceptanceRecord);
keyed!(crate::import::LetterLine);
keyed!(crate::import::ContractLine);

/// The keys seen so far in one file, each with the line it was first given on. A million
/// vouchers are a big file, so the keys share one text arena and the index holds only a hash,
/// an offset and a line (about 40 bytes a key rather than a `String` each); a hash that
/// matches a different key goes to a small overflow map, so the answer is always exact.
#[derive(Default)]
struct SeenKeys {
    text: String,
    /// Key hash → (offset in `text`, length, line).
    index: HashMap<u64, (u32, u32, u64), BuildHasherDefault<PassThrough>>,
    overflow: HashMap<String, u64>,
}

/// The index's keys are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

impl SeenKeys {
    /// Records `key` at `line`; returns the line it was first given on, if seen before.
    fn insert(&mut self, key: &str, line: u64) -> Option<u64> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(key, &mut h);
        let hash = std::hash::Hasher::finish(&h);
        match self.index.get(&hash) {
            None => match u32::try_from(self.text.len()) {
                Ok(start) if self.text.len() + key.len() <= u32::MAX as usize => {
                    self.text.push_str(key);
                    self.index.insert(hash, (start, key.len() as u32, line));
                    None
                }
                _ => self.overflow_insert(key, line),
            },
            Some(&(start, len, first)) => {
                let start = start as usize;
                if &self.text[start..start + len as usize] == key {
                    Some(first)
                } else {
                    self.overflow_insert(key, line)
                }
            }
        }
    }

    fn overflow_insert(&mut self, key: &str, line: u64) -> Option<u64> {
        match self.overflow.get(key) {
            Some(first) => Some(*first),
            None => {
                self.overflow.insert(key.to_string(), line);
                None
            }
        }
    }
}

#[cfg(test)]
mod seen_keys_tests {
    use super::*;

    #[test]
    fn a_repeated_key_names_its_first_line_and_a_hash_collision_is_not_a_repeat() {
        let mut seen = SeenKeys::default();
        assert_eq!(seen.insert("V-1", 2), None);
        assert_eq!(seen.insert("V-2", 3), None);
        assert_eq!(seen.insert("V-1", 9), Some(2));
        // Make "V-3" collide with "V-1": its hash slot points at V-1's text.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash("V-3", &mut h);
        seen.index.insert(std::hash::Hasher::finish(&h), (0, 3, 2));
        assert_eq!(seen.insert("V-3", 11), None, "a different key with the same hash is new");
        assert_eq!(seen.insert("V-3", 12), Some(11));
        assert_eq!(seen.insert("V-1", 13), Some(2));
    }
}

/// The result of one import.
#[derive(Debug, Default)]
pub struct Summary {
    pub added: u64,
    pub unchanged: u64,
    /// Rows submitted for approval rather than recorded (maker-checker).
    pub pending: u64,
    pub ignored_columns: Vec<String>,
    pub encoding: &'static str,
}

/// The pipeline for one file: read → parse each row → write it (the writer checks the rules)
/// → collect every problem with its location. Returns the summary, or all problems. The
/// caller commits only on success, so the file is all or nothing.
pub fn run<T: Keyed>(
    input: &mut CsvInput,
    parse: fn(&Row<'_>) -> std::result::Result<T, Vec<Problem>>,
    mut write: impl FnMut(&T) -> RowResult,
) -> Result<Summary> {
    run_lines(input, parse, |value, _| write(value))
}

/// `run`, handing the writer each row's line as well. A type whose writer finds repeated keys
/// itself (`Keyed::WRITER_FINDS_REPEATS`) is not tracked here, so a million-row file's keys
/// are not held in memory.
pub fn run_lines<T: Keyed>(
    input: &mut CsvInput,
    parse: fn(&Row<'_>) -> std::result::Result<T, Vec<Problem>>,
    mut write: impl FnMut(&T, u64) -> RowResult,
) -> Result<Summary> {
    let mut summary = Summary {
        ignored_columns: input.ignored_columns.clone(),
        encoding: input.encoding,
        ..Summary::default()
    };
    let name = input.name.clone();
    let mut located = KeptProblems::default();
    let mut seen = SeenKeys::default();
    input.for_each_row(|row| {
        let outcome = match parse(row) {
            Ok(value) => match value
                .key()
                .filter(|_| !T::WRITER_FINDS_REPEATS)
                .and_then(|k| seen.insert(k, row.line).map(|first| (k, first)))
            {
                Some((key, first)) => Err(vec![Problem::new(
                    Check::R4,
                    crate::tr!(
                        "{key} 重复出现；本文件第 {first} 行已经给出过",
                        "{key} appears again; it was first given on line {first} of this file"
                    ),
                )
                .column(value.key_column())]),
                None => write(&value, row.line)?,
            },
            Err(p) => Err(p),
        };
        match outcome {
            Ok(Outcome::Added) => summary.added += 1,
            Ok(Outcome::Unchanged) => summary.unchanged += 1,
            Ok(Outcome::Pending) => summary.pending += 1,
            Err(p) => p.into_iter().for_each(|p| located.push(p.at(&name, row.line))),
        }
        Ok(())
    })?;
    let mut unlisted = located.dropped + input.row_problems.dropped;
    let mut problems: Vec<Problem> = located.kept.into_iter().map(|p| input.relabel(p)).collect();
    problems.append(&mut input.row_problems.kept);
    problems.sort_by_key(|p| p.line);
    if problems.is_empty() {
        return Ok(summary);
    }
    if problems.len() > MAX_PROBLEMS_KEPT {
        unlisted += (problems.len() - MAX_PROBLEMS_KEPT) as u64;
        problems.truncate(MAX_PROBLEMS_KEPT);
    }
    if unlisted > 0 {
        problems.push(Problem::unlisted(&name, unlisted));
    }
    if !input.ignored_columns.is_empty() {
        let columns = shown_list(&input.ignored_columns);
        let message = crate::tr!(
            "以下列无法识别，已忽略：{columns}（列名见 README）",
            "these columns were not recognised and were ignored: {columns} (see the column names in the README)"
        );
        problems.push(Problem::new(Check::File, message).at(&name, input.header_line));
    }
    Err(Error::Rejected(problems))
}

/// Reads an implementing body's records file (`reconcile --payments`/`--receipts`): every row
/// parsed, a voucher given twice for one sub-project refused. Nothing is written from it, so
/// a bad file is a bad request, not a refused write.
pub fn read_records(
    input: Result<CsvInput>,
    parse: fn(&Row<'_>) -> std::result::Result<Payment, Vec<Problem>>,
) -> Result<Vec<Payment>> {
    let mut records = Vec::new();
    let mut keys = crate::import::RecordKeys::default();
    let result = input.and_then(|mut input| {
        run(&mut input, parse, |p| {
            if let Err(problems) = keys.check(p) {
                return Ok(Err(problems));
            }
            records.push(p.clone());
            Ok(Ok(Outcome::Added))
        })
    });
    match result {
        Ok(_) => Ok(records),
        Err(Error::Rejected(problems)) => Err(Error::BadRequest(problems)),
        Err(e) => Err(e),
    }
}
