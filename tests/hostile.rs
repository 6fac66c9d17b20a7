//! Hostile input. Whatever bytes a clerk (or an attacker) hands `import`, fundledger must
//! never panic; it either accepts the file or refuses it with problems that each name where
//! they are (the file always, and the line for a problem in a row); and a refused import
//! leaves the ledger file byte-for-byte as it was. The amount, date, code, flag and tier
//! parsers never panic and read back what they print.
//!
//! The importer is driven through the library (`ledger::import_file` on a
//! file-backed ledger holding `fixtures/small/`), fast enough for thousands of cases; the
//! nastiest inputs also go through the real binary, which must exit 1 (not 101, a panic)
//! with a located message.
//!
//! # Case counts
//!
//! Each property runs its default number of cases (the `check(…)` calls below): 2,880 files
//! imported by the ten file properties and 6,400 strings given to the parsers, 9,280 cases in
//! all, which take 10–20 s in a debug build on two shared cores. For a bigger run set
//! `FUNDLEDGER_FUZZ_CASES`: a number `N` runs `N` cases per property, `xN` runs `N` times each
//! default, e.g.
//! `FUNDLEDGER_FUZZ_CASES=x20 cargo test --release --test hostile -- --nocapture` (each
//! property prints how many cases it ran). `PROPTEST_RNG_SEED=n` replays a run.

mod common;

use fundledger::db::Db;
use fundledger::error::{Check, Error, Problem};
use fundledger::import::{self as csv_import, CsvInput, MAX_RECORD_BYTES};
use fundledger::ledger::Outcome;
use fundledger::ledger::{import_file, What};
use fundledger::model::{self, Kind as EntryKind, Level, Mode, Scope, Stage, Status, Verdict};
use fundledger::money::{Fen, MAX_AMOUNT_FEN};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------
// Case counts

/// The number of cases for a property whose default is `default` (see the module docs).
fn cases(default: u32) -> u32 {
    let Ok(v) = std::env::var("FUNDLEDGER_FUZZ_CASES") else { return default };
    let v = v.trim();
    let parsed = match v.strip_prefix(['x', 'X']) {
        Some(factor) => factor.parse::<u32>().map(|f| default.saturating_mul(f)),
        None => v.parse::<u32>(),
    };
    parsed.unwrap_or_else(|_| panic!("FUNDLEDGER_FUZZ_CASES={v:?} is neither N nor xN"))
}

/// Runs `test` on `cases` values of `strategy`, failing with proptest's shrunk input.
fn check<S: Strategy>(
    name: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let n = cases(default_cases);
    // The properties name the English text of the messages (Chinese is the default).
    fundledger::lang::set(fundledger::lang::Lang::En);
    ACCEPTED.set(0);
    REFUSED.set(0);
    let config = Config { cases: n, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{name}: {e}");
    }
    let (accepted, refused) = (ACCEPTED.get(), REFUSED.get());
    if accepted + refused > 0 {
        eprintln!("{name}: {n} cases ({accepted} files accepted, {refused} refused)");
    } else {
        eprintln!("{name}: {n} cases");
    }
}

thread_local! {
    /// How many files this thread's property saw accepted and refused (reported, so a run
    /// that never gets past the header shows it).
    static ACCEPTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static REFUSED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

// ---------------------------------------------------------------------------------------
// What can be imported, and the fixture files that are valid examples of each

/// A CSV reader of fundledger: an import kind, or the payments file of `reconcile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    Import(What),
    Payments,
}

const READERS: [Reader; 16] = [
    Reader::Import(What::Projects),
    Reader::Import(What::Subprojects),
    Reader::Import(What::Appropriations),
    Reader::Import(What::Entries),
    Reader::Import(What::Types),
    Reader::Import(What::Channels),
    Reader::Import(What::Designations),
    Reader::Import(What::Counties),
    Reader::Import(What::Departments),
    Reader::Import(What::Rules),
    Reader::Import(What::Acceptances),
    Reader::Import(What::Adjustments),
    Reader::Import(What::Letters),
    Reader::Import(What::Amendments),
    Reader::Import(What::Contracts),
    Reader::Payments,
];

const SAMPLE_FILES: [(Reader, &str); 21] = [
    (Reader::Import(What::Projects), "small/projects.csv"),
    (Reader::Import(What::Projects), "demo/projects.csv"),
    (Reader::Import(What::Subprojects), "small/subprojects.csv"),
    (Reader::Import(What::Subprojects), "demo/subprojects.csv"),
    (Reader::Import(What::Appropriations), "small/appropriations.csv"),
    (Reader::Import(What::Appropriations), "demo/appropriations.csv"),
    (Reader::Import(What::Entries), "small/entries.csv"),
    (Reader::Import(What::Entries), "small/entries-more-gb18030.csv"),
    (Reader::Import(What::Entries), "demo/entries.csv"),
    (Reader::Import(What::Types), "catalog/types.csv"),
    (Reader::Import(What::Channels), "catalog/channels.csv"),
    (Reader::Import(What::Designations), "catalog/designations.csv"),
    (Reader::Import(What::Counties), "catalog/counties.csv"),
    (Reader::Import(What::Departments), "catalog/departments.csv"),
    (Reader::Import(What::Rules), "rules/rules.csv"),
    (Reader::Import(What::Acceptances), "demo/acceptances.csv"),
    (Reader::Import(What::Adjustments), "small/adjustments.csv"),
    (Reader::Import(What::Letters), "small/letters.csv"),
    (Reader::Import(What::Amendments), "small/amendments.csv"),
    (Reader::Import(What::Contracts), "small/contracts.csv"),
    (Reader::Payments, "demo/payments-HN-2024-01.csv"),
];

/// The most data rows kept when a sample is rebuilt cell by cell (keeps each case fast).
const SAMPLE_ROWS: usize = 12;

struct Sample {
    reader: Reader,
    path: &'static str,
    /// The file as stored.
    bytes: Vec<u8>,
    /// Its header and first `SAMPLE_ROWS` rows, decoded.
    table: Vec<Vec<String>>,
}

fn samples() -> &'static [Sample] {
    static SAMPLES: OnceLock<Vec<Sample>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        SAMPLE_FILES
            .iter()
            .map(|(reader, path)| {
                let bytes = std::fs::read(common::fixtures().join(path)).expect("fixture");
                let text = decode(&bytes);
                let mut table = Vec::new();
                let mut r =
                    csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
                for record in r.records().take(SAMPLE_ROWS + 1) {
                    table.push(record.expect("fixture is CSV").iter().map(str::to_string).collect());
                }
                Sample { reader: *reader, path, bytes, table }
            })
            .collect()
    })
}

fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// The index of the column whose header is one of `names`.
fn column_of(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.trim().trim_start_matches('\u{feff}')))
}

/// Columns that hold a code (`model::parse_code`): a formula there must be refused.
fn code_columns(reader: Reader) -> &'static [&'static str] {
    match reader {
        Reader::Import(What::Projects) => &["project", "项目编号"],
        Reader::Import(What::Subprojects) => &["subproject", "子项目编号", "project", "项目编号"],
        Reader::Import(What::Appropriations) => &["appropriation", "指标编号"],
        Reader::Import(What::Entries) => &[
            "voucher",
            "凭证号",
            "appropriation",
            "指标编号",
            "subproject",
            "子项目编号",
            "reverses",
            "被冲销凭证号",
        ],
        Reader::Import(What::Types) => &["type", "类型编号"],
        Reader::Import(What::Channels) => &["channel", "资金类别编号"],
        Reader::Import(What::Counties) => &["county", "县市区编号"],
        Reader::Import(What::Departments) => &["department", "部门编号"],
        Reader::Import(What::Acceptances) => {
            &["project", "项目编号", "subproject", "子项目编号", "batch", "批次"]
        }
        Reader::Import(What::Adjustments) => &["appropriation", "指标编号"],
        Reader::Import(What::Letters) => &["project", "项目编号", "subproject", "子项目编号"],
        Reader::Import(What::Amendments) => &["code", "编号"],
        Reader::Import(What::Contracts) => &["subproject", "子项目编号"],
        Reader::Payments => &["voucher", "凭证号", "支付凭证号", "付款凭证号", "subproject", "子项目编号"],
        Reader::Import(What::Designations | What::Rules) => &[],
    }
}

/// A column and a value the row parser must refuse in it, for the location property.
fn poison(reader: Reader) -> (&'static [&'static str], &'static str) {
    const BAD_DATE: &str = "2024-02-30";
    match reader {
        Reader::Import(What::Projects) => (&["approved_on", "立项日期"], BAD_DATE),
        Reader::Import(What::Subprojects) => (&["status", "确认状态"], "开工"),
        Reader::Import(What::Appropriations) => (&["issued_on", "下达日期"], BAD_DATE),
        Reader::Import(What::Entries) => (&["date", "日期"], BAD_DATE),
        Reader::Import(What::Types) => (&["type"], "=BAD"),
        Reader::Import(What::Channels) => (&["channel"], "=BAD"),
        Reader::Import(What::Designations) => (&["note"], "bell\u{7}"),
        Reader::Import(What::Counties) => (&["county"], "=BAD"),
        Reader::Import(What::Departments) => (&["department"], "=BAD"),
        Reader::Import(What::Rules) => (&["valid_from"], BAD_DATE),
        Reader::Import(What::Acceptances) => (&["验收日期", "date"], BAD_DATE),
        Reader::Import(What::Adjustments) => (&["日期", "date"], BAD_DATE),
        Reader::Import(What::Letters) => (&["issued_on", "出具日期"], BAD_DATE),
        Reader::Import(What::Amendments) => (&["effective", "生效日期"], BAD_DATE),
        Reader::Import(What::Contracts) => (&["signed_on", "签订日期"], BAD_DATE),
        Reader::Payments => (&["支付日期", "date", "日期"], BAD_DATE),
    }
}

// ---------------------------------------------------------------------------------------
// Writing CSV files with a chosen line ending and encoding

#[derive(Clone, Copy, Debug)]
enum Eol {
    Lf,
    CrLf,
    /// Classic Mac OS and Excel 2011 for Mac.
    Cr,
}

impl Eol {
    fn text(self) -> &'static str {
        match self {
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
            Eol::Cr => "\r",
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Enc {
    Utf8,
    Utf8Bom,
    Gb18030,
}

fn eol() -> impl Strategy<Value = Eol> {
    prop_oneof![Just(Eol::Lf), Just(Eol::CrLf), Just(Eol::Cr)]
}

fn enc() -> impl Strategy<Value = Enc> {
    prop_oneof![Just(Enc::Utf8), Just(Enc::Utf8Bom), Just(Enc::Gb18030)]
}

fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

fn render(table: &[Vec<String>], eol: Eol) -> String {
    let mut out = String::new();
    for row in table {
        out.push_str(&row.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
        out.push_str(eol.text());
    }
    out
}

fn encode(text: &str, enc: Enc) -> Vec<u8> {
    match enc {
        Enc::Utf8 => text.as_bytes().to_vec(),
        Enc::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Enc::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
    }
}

/// Line breaks in a text, counting CRLF, LF and a lone CR as one each (as editors do).
fn breaks(text: &[u8]) -> u64 {
    let mut n = 0;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {
                n += 1;
                i += 1;
            }
            b'\r' | b'\n' => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}

/// The physical line on which row `r` of `table` starts (the header is row 0, line 1).
fn line_of(table: &[Vec<String>], r: usize) -> u64 {
    1 + table[..r].iter().map(|row| 1 + row.iter().map(|c| breaks(c.as_bytes())).sum::<u64>()).sum::<u64>()
}

// ---------------------------------------------------------------------------------------
// The target: a file-backed ledger holding fixtures/small, and the contract of one import

struct Target {
    _dir: tempfile::TempDir,
    db: PathBuf,
    input: PathBuf,
    /// The ledger file as it was after loading fixtures/small.
    pristine: Vec<u8>,
}

/// What one import did.
#[derive(Debug)]
enum Attempt {
    Accepted,
    Refused(Vec<Problem>),
}

impl Target {
    fn small() -> Target {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("ledger.db");
        fundledger::ledger::create_ledger(&db, &[], true, "fixture").expect("init");
        let mut ledger = Db::open(&db).expect("open");
        for (what, file) in [
            (What::Projects, "projects"),
            (What::Subprojects, "subprojects"),
            (What::Appropriations, "appropriations"),
            (What::Entries, "entries"),
        ] {
            let path = common::fixtures().join("small").join(format!("{file}.csv"));
            import_file(&mut ledger, what, &path, "fixture").expect("fixtures/small imports");
        }
        drop(ledger);
        let pristine = std::fs::read(&db).expect("ledger bytes");
        let input = dir.path().join("hostile.csv");
        Target { _dir: dir, db, input, pristine }
    }

    fn name(&self) -> String {
        self.input.display().to_string()
    }

    /// Imports `bytes` with `reader` and checks the contract: no panic (the runner catches
    /// one), accepted (then `verify` agrees and the ledger is restored for the next case) or
    /// refused with located problems and the ledger file unchanged.
    fn attempt(&self, reader: Reader, bytes: &[u8]) -> Result<Attempt, TestCaseError> {
        std::fs::write(&self.input, bytes).expect("write input");
        let result = match reader {
            Reader::Import(what) => {
                let mut db = Db::open(&self.db).expect("open ledger");
                let result = import_file(&mut db, what, &self.input, "fuzz");
                if result.is_ok() {
                    let report = fundledger::verify::verify(&db, None).expect("verify");
                    prop_assert!(report.problems.is_empty(), "verify after an import: {:?}", report.problems);
                }
                result.map(|_| ())
            }
            Reader::Payments => read_payments(&self.input),
        };
        let after = std::fs::read(&self.db).expect("ledger bytes");
        match result {
            Ok(()) => {
                if after != self.pristine {
                    std::fs::write(&self.db, &self.pristine).expect("restore the ledger");
                }
                ACCEPTED.set(ACCEPTED.get() + 1);
                Ok(Attempt::Accepted)
            }
            Err(Error::Rejected(problems)) => {
                located(&self.name(), bytes, &problems).map_err(TestCaseError::fail)?;
                prop_assert!(after == self.pristine, "a refused import changed the ledger file");
                REFUSED.set(REFUSED.get() + 1);
                Ok(Attempt::Refused(problems))
            }
            Err(e) => {
                Err(TestCaseError::fail(format!("neither accepted nor refused with located problems: {e}")))
            }
        }
    }
}

/// Reads a payments file as `reconcile --payments` does.
fn read_payments(path: &Path) -> Result<(), Error> {
    let mut input = CsvInput::open(path, csv_import::PAYMENT_COLUMNS)?;
    fundledger::pipeline::run(&mut input, csv_import::parse_payment, |_| Ok(Ok(Outcome::Added))).map(|_| ())
}

/// The longest a problem may print, in characters.
const MAX_SHOWN_CHARS: usize = 2_000;

/// Every problem names the file; one in a row (a column, or any rule) names its line, and
/// that line exists in the file.
fn located(name: &str, bytes: &[u8], problems: &[Problem]) -> Result<(), String> {
    if problems.is_empty() {
        return Err("refused without a problem".into());
    }
    let last_line = 1 + breaks(bytes);
    for p in problems {
        let shown = p.to_string();
        if !shown.contains(name) {
            return Err(format!("the problem does not name the file: {shown}"));
        }
        if p.message.trim().is_empty() {
            return Err(format!("the problem says nothing: {shown}"));
        }
        // A cell's bytes echoed raw could drive the clerk's terminal (ESC sequences) or bury
        // the message under a 64 KiB cell.
        if shown.chars().any(char::is_control) {
            return Err(format!("the problem echoes a control character: {shown:?}"));
        }
        if shown.chars().count() > MAX_SHOWN_CHARS {
            return Err(format!("the problem is {} characters long: {shown:.300}…", shown.chars().count()));
        }
        let in_row = p.column.is_some() || p.check != Check::File;
        match p.line {
            None if in_row => return Err(format!("a problem in a row without its line: {shown}")),
            Some(l) if l == 0 || l > last_line => {
                return Err(format!("line {l} is not in the file (it has {last_line} lines): {shown}"))
            }
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Hostile pieces

const FORMULAS: &[&str] = &[
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "=1+1",
    "=cmd|' /C calc'!A0",
    "\t=1",
    "\r=1",
];

const NUMBERS: &[&str] = &[
    "99999999999999999999.99",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "92233720368547758.07",
    "1000000000000.00",
    "1000000000000.01",
    "1,000,000,000,000",
    "1e3",
    "1E-2",
    "NaN",
    "inf",
    "-0",
    "-0.00",
    "0",
    "１２３",
    "１２３．４５",
    "٣",
    "0x10",
    "1_000",
    "+5",
    "¥-5",
    "-¥5",
    "--5",
    "5-",
    "12.345",
    ".5",
    "5.",
    "1,23",
    "¥",
    "-",
    " ",
    "100%",
    "1e400",
    "340282366920938463463374607431768211456",
];

/// Text that mixes encodings and control bytes, as raw bytes.
fn nasty_bytes() -> impl Strategy<Value = Vec<u8>> {
    let gb = encoding_rs::GB18030.encode("凤桥镇支付").0.into_owned();
    prop_oneof![
        Just(gb),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\x00".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\xFF\xFE".to_vec()),
        Just(b"\xC3".to_vec()),
        Just(b"\xE4\xBD".to_vec()),
        Just(b"\xC0\xAF".to_vec()),
        Just(b"\xED\xA0\x80".to_vec()),
        Just(b"\x81\x30".to_vec()),
        Just(b"\"".to_vec()),
        Just(b",".to_vec()),
        Just(b"\n".to_vec()),
        Just("支付".as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..8),
    ]
}

const SOUP_TOKENS: &[&str] = &[
    ",",
    ",",
    "\n",
    "\r\n",
    "\r",
    "\"",
    "\"\"",
    "2024-03-01",
    "V-001",
    "A-FARM-NH",
    "S-FARM",
    "allocate",
    "支付",
];

/// Tokens that make random files look enough like CSV to get past the header.
fn csv_soup(reader: Reader) -> impl Strategy<Value = Vec<u8>> {
    let header: Vec<String> = samples()
        .iter()
        .filter(|s| s.reader == reader)
        .flat_map(|s| s.table[0].clone())
        .chain(["amount", "date", "memo", "金额", "日期"].map(String::from))
        .collect();
    let token = prop_oneof![
        3 => prop::sample::select(header),
        2 => prop::sample::select(NUMBERS).prop_map(String::from),
        1 => prop::sample::select(FORMULAS).prop_map(String::from),
        2 => prop::sample::select(SOUP_TOKENS).prop_map(String::from),
    ]
    .prop_map(String::into_bytes);
    let piece = prop_oneof![6 => token, 1 => nasty_bytes()];
    prop::collection::vec(piece, 0..80).prop_map(|v| v.concat())
}

fn reader() -> impl Strategy<Value = Reader> {
    prop::sample::select(READERS.to_vec())
}

fn sample_index() -> impl Strategy<Value = usize> {
    0..SAMPLE_FILES.len()
}

/// A sample's table, as owned rows.
fn table_of(s: &Sample) -> Vec<Vec<String>> {
    s.table.clone()
}

// ---------------------------------------------------------------------------------------
// The file properties

#[test]
fn random_bytes_as_a_whole_file() {
    let t = Target::small();
    let strategy = (reader(), prop::collection::vec(any::<u8>(), 0..2048));
    check("random bytes", 192, strategy, |(reader, bytes)| t.attempt(reader, &bytes).map(|_| ()));
}

#[test]
fn random_csv_like_soup() {
    let t = Target::small();
    let strategy = reader().prop_flat_map(|r| (Just(r), csv_soup(r), any::<bool>()));
    check("csv soup", 384, strategy, |(reader, soup, with_header)| {
        let mut bytes = Vec::new();
        if with_header {
            let sample = samples().iter().find(|s| s.reader == reader).expect("a sample per reader");
            bytes.extend(render(&sample.table[..1], Eol::Lf).into_bytes());
        }
        bytes.extend(soup);
        t.attempt(reader, &bytes).map(|_| ())
    });
}

#[test]
fn valid_files_truncated_at_any_byte() {
    let t = Target::small();
    let strategy = (sample_index(), any::<prop::sample::Index>());
    check("truncated files", 256, strategy, |(i, cut)| {
        let s = &samples()[i];
        let bytes = &s.bytes[..cut.index(s.bytes.len() + 1)];
        t.attempt(s.reader, bytes).map(|_| ())
    });
}

#[derive(Clone, Debug)]
enum Misalign {
    DropCells(usize),
    AddCells(Vec<String>),
    OnlyFirstCell,
    EmptyRow(usize),
}

#[test]
fn rows_with_missing_or_extra_cells() {
    let t = Target::small();
    let op = prop_oneof![
        (1..6usize).prop_map(Misalign::DropCells),
        prop::collection::vec(prop_oneof![Just(String::new()), "[a-z0-9,\"]{0,6}"], 1..4)
            .prop_map(Misalign::AddCells),
        Just(Misalign::OnlyFirstCell),
        (0..3usize).prop_map(Misalign::EmptyRow),
    ];
    let strategy = (sample_index(), any::<prop::sample::Index>(), op, eol(), enc());
    check("missing and extra cells", 256, strategy, |(i, row, op, eol, enc)| {
        let s = &samples()[i];
        let mut table = table_of(s);
        let r = row.index(table.len());
        let cells = &mut table[r];
        match op {
            Misalign::DropCells(n) => cells.truncate(cells.len().saturating_sub(n)),
            Misalign::AddCells(extra) => cells.extend(extra),
            Misalign::OnlyFirstCell => cells.truncate(1),
            Misalign::EmptyRow(n) => *cells = vec![String::new(); n],
        }
        t.attempt(s.reader, &encode(&render(&table, eol), enc)).map(|_| ())
    });
}

#[derive(Clone, Debug)]
enum Huge {
    /// A cell past the row limit: `extra` bytes more than MAX_RECORD_BYTES, in ASCII or CJK.
    Cell {
        extra: usize,
        cjk: bool,
    },
    Number(&'static str),
    /// A header cell past the row limit.
    Header(usize),
}

#[test]
fn huge_fields_and_huge_numbers_in_every_column() {
    let t = Target::small();
    let huge = prop_oneof![
        1 => (0..64usize, any::<bool>()).prop_map(|(extra, cjk)| Huge::Cell { extra, cjk }),
        6 => prop::sample::select(NUMBERS).prop_map(Huge::Number),
        1 => (0..64usize).prop_map(Huge::Header),
    ];
    let strategy = (sample_index(), any::<prop::sample::Index>(), any::<prop::sample::Index>(), huge);
    check("huge fields and numbers", 256, strategy, |(i, row, col, huge)| {
        let s = &samples()[i];
        let mut table = table_of(s);
        let r = 1 + row.index(table.len() - 1);
        let c = col.index(table[0].len());
        let mut expect_refused = false;
        match huge {
            Huge::Cell { extra, cjk } => {
                let unit = if cjk { "中" } else { "x" };
                table[r][c] = unit.repeat((MAX_RECORD_BYTES + extra) / unit.len() + 1);
                expect_refused = true;
            }
            Huge::Number(n) => table[r][c] = n.to_string(),
            Huge::Header(extra) => {
                table[0][c] = "h".repeat(MAX_RECORD_BYTES + extra + 1);
                expect_refused = true;
            }
        }
        let outcome = t.attempt(s.reader, render(&table, Eol::Lf).as_bytes())?;
        if expect_refused {
            prop_assert!(matches!(outcome, Attempt::Refused(_)), "an over-long row or header was accepted");
        }
        Ok(())
    });
}

#[derive(Clone, Debug)]
enum Mix {
    /// Raw bytes inserted at a fraction of the way through the data rows.
    Insert(Vec<u8>),
    /// Every line ending replaced by a lone CR.
    LoneCr,
    /// A valid UTF-8 head longer than the sniff window, then a GB18030 row.
    LongHeadThenGb,
    /// A valid UTF-8 head longer than the sniff window, then invalid UTF-8.
    LongHeadThenGarbage(Vec<u8>),
}

#[test]
fn mixed_encodings_nul_bytes_and_stray_line_breaks() {
    let t = Target::small();
    let mix = prop_oneof![
        5 => prop::collection::vec(nasty_bytes(), 1..4).prop_map(|v| Mix::Insert(v.concat())),
        1 => Just(Mix::LoneCr),
        1 => Just(Mix::LongHeadThenGb),
        1 => nasty_bytes().prop_map(Mix::LongHeadThenGarbage),
    ];
    let strategy = (sample_index(), mix, any::<prop::sample::Index>(), enc());
    check("mixed encodings", 256, strategy, |(i, mix, at, enc)| {
        let s = &samples()[i];
        let table = table_of(s);
        let head_len = encode(&render(&table[..1], Eol::Lf), enc).len();
        let mut bytes = encode(&render(&table, Eol::Lf), enc);
        match mix {
            Mix::Insert(raw) => {
                let pos = head_len + at.index(bytes.len() - head_len + 1);
                bytes.splice(pos..pos, raw);
            }
            Mix::LoneCr => bytes = bytes.iter().map(|b| if *b == b'\n' { b'\r' } else { *b }).collect(),
            Mix::LongHeadThenGb | Mix::LongHeadThenGarbage(_) => {
                // Blank rows are skipped, so they pad the head past the sniff window.
                bytes.extend(std::iter::repeat_n(b'\n', 70_000));
                let mut row = table[1].clone();
                let last = row.len() - 1;
                row[last] = "凤桥镇".into();
                let tail = match mix {
                    Mix::LongHeadThenGarbage(raw) => raw,
                    _ => encode(&render(&[row], Eol::Lf), Enc::Gb18030),
                };
                bytes.extend(tail);
            }
        }
        t.attempt(s.reader, &bytes).map(|_| ())
    });
}

#[test]
fn formula_looking_cells_in_every_column() {
    let t = Target::small();
    let strategy = (
        sample_index(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        prop::sample::select(FORMULAS),
        eol(),
        enc(),
    );
    check("formula cells", 384, strategy, |(i, row, col, formula, eol, enc)| {
        let s = &samples()[i];
        let mut table = table_of(s);
        let r = 1 + row.index(table.len() - 1);
        let c = col.index(table[0].len());
        while table[r].len() <= c {
            table[r].push(String::new());
        }
        table[r][c] = formula.to_string();
        let header = table[0][c].trim().trim_start_matches('\u{feff}').to_string();
        let outcome = t.attempt(s.reader, &encode(&render(&table, eol), enc))?;
        if code_columns(s.reader).contains(&header.as_str()) {
            let line = line_of(&table, r);
            let Attempt::Refused(problems) = outcome else {
                return Err(TestCaseError::fail(format!(
                    "{formula:?} was accepted as a code in column {header}"
                )));
            };
            prop_assert!(
                has_problem_at(&problems, line, &header),
                "no problem at line {} column {}: {:?}",
                line,
                header,
                problems
            );
        }
        Ok(())
    });
}

/// Whether a problem is at `line` in the column headed `header`.
fn has_problem_at(problems: &[Problem], line: u64, header: &str) -> bool {
    problems.iter().any(|p| p.line == Some(line) && p.column.as_deref().is_some_and(|c| c.contains(header)))
}

/// A new row of each reader that the ledger holding fixtures/small accepts as it is
/// (`fresh_rows_are_accepted_as_they_are` checks that), so a hostile cell in it reaches the
/// writers and the schema rather than stopping at "already recorded with different content".
fn fresh_rows(reader: Reader) -> [&'static str; 2] {
    match reader {
        Reader::Import(What::Projects) => [
            "project,name,county,scope,towns,villages,implementing_body,mode,approved_on,flagship",
            "P-NEW,新项目,南湖区,single_township,凤桥镇,永红村,凤桥镇人民政府,agri,2024-01-05,no",
        ],
        Reader::Import(What::Subprojects) => [
            "subproject,project,type,status,quantity,unit,investment,letter,standalone_amount,standalone_doc",
            "S-NEW,P-AGRI,高标准农田建设,ongoing,100,亩,1000.00,确认书,500,单独补助批复",
        ],
        Reader::Import(What::Appropriations) => [
            "appropriation,doc_no,channel,level,county,issued_on,amount",
            "A-NEW,浙财农〔2024〕99号,高标准农田专项资金,provincial,南湖区,2024-03-01,1000.00",
        ],
        Reader::Import(What::Entries) => [
            "voucher,date,kind,appropriation,subproject,amount,reverses,memo,channel",
            "V-NEW,2024-06-01,allocate,A-FARM-NH,S-FARM,100.00,,摘要,高标准农田专项资金",
        ],
        Reader::Import(What::Types) => [
            "type,name,name_en,department,agri,land,people,co_lead,annex3,note",
            "T-NEW,新类型,New type,nrp,no,yes,yes,,user,备注",
        ],
        Reader::Import(What::Channels) => {
            ["channel,name,name_en,policy_owner,basis", "CH-NEW,新资金,New fund,nrp,依据"]
        }
        Reader::Import(What::Designations) => {
            ["channel,type,note,basis", "village_trees_fund,farmland_consolidation,备注,依据"]
        }
        Reader::Import(What::Counties) => ["county,name,name_en", "C-NEW,新县,New county"],
        Reader::Import(What::Departments) => ["department,name,name_en", "D-NEW,新部门,New department"],
        Reader::Import(What::Rules) => [
            "channel,type,shape,rate,unit,percent,cap,amount,tiers,valid_from,valid_to,source_doc,sample",
            "village_trees_fund,village_trees,per_unit,1500,亩,,100000,,,2030-01-01,2030-12-31,文件,no",
        ],
        Reader::Import(What::Adjustments) => [
            "appropriation,amount,date,doc,reason",
            "A-FARM-NH,-100.00,2024-07-01,浙财农〔2024〕99号,上级收回",
        ],
        Reader::Import(What::Acceptances) => [
            "stage,project,subproject,department,bureau,result,date,document,batch,award,memo",
            "item,,S-FARM,,南湖区农业农村局,failed,2025-03-10,验〔2025〕1号,,,备注",
        ],
        Reader::Import(What::Letters) => [
            "letter,project,department,issued_on,subproject,status",
            "L-NEW,P-LAND,transport,2024-02-10,S-ROAD,ongoing",
        ],
        Reader::Import(What::Amendments) => [
            "subject,code,field,value,effective,doc,reason",
            "subproject,S-GRAIN,quantity,900,2024-07-01,南农〔2024〕99号,规模调整",
        ],
        Reader::Import(What::Contracts) => [
            "contract,name,contractor,procurement,signed_on,subproject,amount",
            "HT-NEW,新合同,新公司,single,2024-06-01,S-ROAD,100.00",
        ],
        Reader::Payments => ["voucher,date,subproject,amount", "V-NEW,2024-07-11,S-FARM,100.00"],
    }
}

/// Character counts either side of every length limit in the schema and the parsers.
const LENGTHS: &[usize] = &[1, 32, 33, 40, 41, 60, 61, 100, 101, 200, 201, 300, 301, 2000, 2001];

const DATES: &[&str] = &[
    "9999-12-31",
    "10000-01-01",
    "1900-01-01",
    "1899-12-31",
    "0001-01-01",
    "2024-02-29",
    "2023-02-29",
    "+2024-01-01",
    "-2024-01-01",
    "20240101",
    "2024年13月1日",
    "2024-1-1日日",
    "2024--01-01",
    "２０２４-０１-０１",
];

const ODD_TEXTS: &[&str] = &[
    "", " ", "\u{feff}", "\u{0}", "a\u{0}b", "\u{200b}", "\u{3000}", "是", "否", "√", "yes", "NO", "\"\"",
    "a\r\nb",
];

fn hostile_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(NUMBERS).prop_map(String::from),
        2 => prop::sample::select(FORMULAS).prop_map(String::from),
        2 => (prop::sample::select(LENGTHS), any::<bool>())
            .prop_map(|(n, cjk)| if cjk { "中".repeat(n) } else { "x".repeat(n) }),
        2 => prop::sample::select(DATES).prop_map(String::from),
        2 => prop::sample::select(ODD_TEXTS).prop_map(String::from),
        2 => "\\PC{0,12}",
        1 => any::<String>(),
    ]
}

#[test]
fn fresh_rows_are_accepted_as_they_are() {
    let t = Target::small();
    for reader in READERS {
        let [header, row] = fresh_rows(reader);
        let outcome = t.attempt(reader, format!("{header}\n{row}\n").as_bytes()).expect("the contract holds");
        assert!(matches!(outcome, Attempt::Accepted), "{reader:?}: {outcome:?}");
    }
}

#[test]
fn fresh_rows_with_a_hostile_cell() {
    let t = Target::small();
    let strategy = (reader(), any::<prop::sample::Index>(), hostile_cell(), 1..3usize, eol(), enc());
    check("fresh rows", 512, strategy, |(reader, col, cell, copies, eol, enc)| {
        let [header, row] = fresh_rows(reader);
        let mut table: Vec<Vec<String>> =
            [header, row].iter().map(|l| l.split(',').map(String::from).collect()).collect();
        let c = col.index(table[0].len());
        table[1][c] = cell;
        for _ in 1..copies {
            table.push(table[1].clone());
        }
        t.attempt(reader, &encode(&render(&table, eol), enc)).map(|_| ())
    });
}

/// A refused cell is reported on the physical line where its row starts, whatever the line
/// endings, blank lines and multi-line cells before it.
#[test]
fn a_bad_cell_is_reported_on_its_physical_line() {
    let t = Target::small();
    let strategy = (
        sample_index(),
        any::<prop::sample::Index>(),
        prop::collection::vec((any::<prop::sample::Index>(), 1..3usize), 0..4),
        prop::option::of((
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            "[a-z]{0,3}(\r\n|\n|\r)[a-z]{0,3}",
        )),
        eol(),
        enc(),
    );
    check("physical lines", 256, strategy, |(i, row, blanks, multiline, eol, enc)| {
        let s = &samples()[i];
        let mut table = table_of(s);
        let (names, bad) = poison(s.reader);
        let Some(c) = column_of(&table[0], names) else {
            return Err(TestCaseError::fail(format!("{} has none of the columns {names:?}", s.path)));
        };
        let mut r = 1 + row.index(table.len() - 1);
        table[r][c] = bad.to_string();
        let header = table[0][c].trim().trim_start_matches('\u{feff}').to_string();
        if let Some((at_row, at_col, text)) = multiline {
            let mr = 1 + at_row.index(table.len() - 1);
            let mc = at_col.index(table[mr].len());
            if mc != c {
                table[mr][mc] = text;
            }
        }
        for (at, n) in blanks {
            // Blank lines anywhere, before the header too.
            let pos = at.index(table.len() + 1);
            for _ in 0..n {
                table.insert(pos, vec![String::new()]);
            }
            if pos <= r {
                r += n;
            }
        }
        let line = line_of(&table, r);
        let outcome = t.attempt(s.reader, &encode(&render(&table, eol), enc))?;
        let Attempt::Refused(problems) = outcome else {
            return Err(TestCaseError::fail(format!("{bad:?} in column {header} was accepted")));
        };
        prop_assert!(
            has_problem_at(&problems, line, &header),
            "no problem at line {} column {}: {:?}",
            line,
            header,
            problems
        );
        Ok(())
    });
}

/// A GB18030 row in a file that starts as UTF-8 with a BOM (streamed, so found only when
/// read) is refused on its own physical line.
#[test]
fn a_row_in_another_encoding_is_reported_on_its_line() {
    let t = Target::small();
    let strategy = (
        sample_index(),
        any::<prop::sample::Index>(),
        prop::collection::vec((any::<prop::sample::Index>(), 1..3usize), 0..4),
        eol(),
    );
    check("row in another encoding", 128, strategy, |(i, row, blanks, eol)| {
        let s = &samples()[i];
        let mut table = table_of(s);
        let mut r = 1 + row.index(table.len() - 1);
        for (at, n) in blanks {
            let pos = at.index(table.len() + 1);
            for _ in 0..n {
                table.insert(pos, vec![String::new()]);
            }
            if pos <= r {
                r += n;
            }
        }
        let mut odd = table[r].clone();
        odd.push("凤桥镇".into());
        let mut bytes = encode(&render(&table[..r], eol), Enc::Utf8Bom);
        bytes.extend(encode(&render(&[odd], eol), Enc::Gb18030));
        bytes.extend(encode(&render(&table[r + 1..], eol), Enc::Utf8));
        let line = line_of(&table, r);
        let Attempt::Refused(problems) = t.attempt(s.reader, &bytes)? else {
            return Err(TestCaseError::fail("a GB18030 row in a UTF-8 file was accepted"));
        };
        prop_assert!(
            problems.iter().any(|p| p.line == Some(line) && p.message.contains("not valid UTF-8")),
            "no encoding problem at line {}: {:?}",
            line,
            problems
        );
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// The parsers

/// Strings that look like what clerks type into amount and date cells, plus anything.
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[-+ ¥￥]{0,2}[0-9,]{0,22}(\\.[0-9]{0,4})?[ ]?",
        1 => "[0-9０-９eE.,+\\-NaIinf%]{0,12}",
        1 => prop::sample::select(NUMBERS).prop_map(String::from),
        2 => any::<String>(),
    ]
}

fn dateish() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[+-]?[0-9]{1,6}[-/.年][0-9]{1,3}[-/.月][0-9]{1,3}日?",
        1 => "[0-9年月日/.\\- ]{0,14}",
        1 => any::<String>(),
    ]
}

#[test]
fn amounts_never_panic_and_read_back_what_they_print() {
    check("amount parser", 2048, numberish(), |s| {
        let parsed = Fen::parse_yuan(&s);
        if let Ok(f) = parsed {
            prop_assert!(f.0.abs() <= MAX_AMOUNT_FEN, "{s:?} gave {f:?}");
            prop_assert_eq!(Fen::parse_yuan(&f.yuan()), Ok(f));
            prop_assert_eq!(Fen::parse_yuan(&f.yuan_grouped()), Ok(f));
            prop_assert_eq!(Fen::from_yuan_decimal(f.to_yuan_decimal()), Some(f));
            prop_assert!(!s.contains(['e', 'E', 'N', 'n']), "{s:?} is not an amount clerks write");
        }
        prop_assert_eq!(Fen::parse_positive(&s).is_ok(), parsed.as_ref().is_ok_and(|f| f.0 > 0));
        prop_assert_eq!(Fen::parse_non_negative(&s).is_ok(), parsed.as_ref().is_ok_and(|f| f.0 >= 0));
        Ok(())
    });
}

#[test]
fn dates_never_panic_and_read_back_what_they_print() {
    check("date parser", 2048, dateish(), |s| {
        if let Ok(d) = model::parse_date(&s) {
            prop_assert!((1900..=9999).contains(&chrono::Datelike::year(&d)), "{s:?} gave {d}");
            prop_assert_eq!(model::parse_date(&d.to_string()), Ok(d));
        }
        Ok(())
    });
}

/// Parses `text` with every code enum; each that accepts it must read back its own code and
/// Chinese label as the same value.
fn enums_read_back(text: &str) -> Result<(), TestCaseError> {
    macro_rules! each {
        ($($t:ty),+) => {$(
            if let Ok(v) = <$t>::parse(text) {
                prop_assert_eq!(<$t>::parse(v.code()), Ok(v));
                prop_assert_eq!(<$t>::parse(v.zh()), Ok(v));
                prop_assert_eq!(<$t>::parse(&v.to_string()), Ok(v));
            }
        )+};
    }
    each!(Mode, Scope, Status, Level, EntryKind, Stage, Verdict);
    Ok(())
}

#[test]
fn codes_texts_flags_and_enums_never_panic_and_are_stable() {
    let words: Vec<String> = [
        Mode::ALL.iter().flat_map(|v| [v.code(), v.zh()]).collect::<Vec<_>>(),
        Status::ALL.iter().flat_map(|v| [v.code(), v.zh()]).collect(),
        EntryKind::ALL.iter().flat_map(|v| [v.code(), v.zh()]).collect(),
        Stage::ALL.iter().flat_map(|v| [v.code(), v.zh()]).collect(),
    ]
    .concat()
    .into_iter()
    .map(String::from)
    .collect();
    let text = prop_oneof![
        2 => any::<String>(),
        1 => (prop::sample::select(words), "[ \t\u{3000}]{0,2}", any::<bool>())
            .prop_map(|(w, pad, upper)| {
                let w = if upper { w.to_uppercase() } else { w };
                format!("{pad}{w}{pad}")
            }),
        1 => (prop::sample::select(FORMULAS), "[a-z]{0,3}").prop_map(|(f, s)| format!("{f}{s}")),
    ];
    check("code, text, flag and enum parsers", 2304, text, |s| {
        enums_read_back(&s)?;
        if let Ok(code) = model::parse_code(&s, "code") {
            prop_assert!(!code.starts_with(['=', '+', '-', '@']), "{code:?} would run as a formula");
            prop_assert!(!code.chars().any(char::is_control));
            prop_assert_eq!(model::parse_code(&code, "code"), Ok(code.clone()));
        }
        if let Ok(t) = model::parse_text(&s, "text", false) {
            prop_assert!(!t.chars().any(char::is_control));
            prop_assert_eq!(model::parse_text(&t, "text", false), Ok(t.clone()));
        }
        if let Ok(b) = model::parse_flag(&s) {
            prop_assert_eq!(model::parse_flag(if b { "yes" } else { "no" }), Ok(b));
        }
        if let Ok(tiers) = fundledger::subsidy::parse_tiers(&s) {
            let printed: Vec<String> = tiers.iter().map(|(q, a)| format!("{q}={a}")).collect();
            prop_assert_eq!(fundledger::subsidy::parse_tiers(&printed.join(";")), Ok(tiers));
        }
        Ok(())
    });
}

#[test]
fn every_enum_value_reads_back_from_its_code_and_label() {
    macro_rules! each {
        ($($t:ty),+) => {$(
            for v in <$t>::ALL {
                assert_eq!(<$t>::parse(v.code()), Ok(*v));
                assert_eq!(<$t>::parse(&v.code().to_uppercase()), Ok(*v));
                assert_eq!(<$t>::parse(v.zh()), Ok(*v));
            }
        )+};
    }
    each!(Mode, Scope, Status, Level, EntryKind, Stage, Verdict);
}

// ---------------------------------------------------------------------------------------
// Regressions: what the fuzzing found, each input as it was found

/// The one problem of a refused import, asserted to be at `line` and to mention `fragment`.
fn refused_at(t: &Target, reader: Reader, text: &[u8], line: u64, fragment: &str) {
    // The fragments are the English text of the messages (Chinese is the default).
    fundledger::lang::set(fundledger::lang::Lang::En);
    let outcome = t.attempt(reader, text).unwrap_or_else(|e| panic!("{e}"));
    let Attempt::Refused(problems) = outcome else { panic!("accepted: {}", String::from_utf8_lossy(text)) };
    assert!(
        problems.iter().any(|p| p.line == Some(line) && p.to_string().contains(fragment)),
        "no problem at line {line} with {fragment:?}: {problems:#?}"
    );
}

/// Found by `a_bad_cell_is_reported_on_its_physical_line`: with lone-CR line ends (Excel 2011
/// for Mac) every problem was reported on line 1.
#[test]
fn regression_lone_cr_line_ends_count_as_lines() {
    let t = Target::small();
    let text = "project,name,county,scope,implementing_body,mode,approved_on\r\
                P-1,甲,南湖区,single_township,镇政府,agri,2024-01-01\r\
                P-2,乙,南湖区,single_township,镇政府,agri,2024-02-30\r";
    refused_at(&t, Reader::Import(What::Projects), text.as_bytes(), 3, "'2024-02-30' is not a date");
}

/// Found by `huge_fields_and_huge_numbers_in_every_column`: a header row of any length was
/// read, and an over-long header cell of an optional column only ignored.
#[test]
fn regression_an_overlong_header_is_refused_at_its_line() {
    let t = Target::small();
    let text = format!("\nvoucher,date,kind,{}\nV-1,2024-06-01,pay\n", "h".repeat(MAX_RECORD_BYTES + 1));
    refused_at(&t, Reader::Import(What::Entries), text.as_bytes(), 2, "longer than 65536 bytes");
}

/// Found by `random_csv_like_soup` (and `fresh_rows_with_a_hostile_cell`): a county name of
/// 41 characters, or a department, type or channel name or document number of 101, passed the
/// 200-character text check and then broke the schema's CHECK: an internal error with no
/// file or line instead of a located refusal.
#[test]
fn regression_names_longer_than_the_schema_holds_are_refused_at_their_line() {
    let t = Target::small();
    let long = |n: usize| "名".repeat(n);
    let cases = [
        (What::Counties, format!("county,name\nC-1,{}\n", long(41)), "longer than 40 characters"),
        (What::Departments, format!("department,name\nD-1,{}\n", long(101)), "longer than 100 characters"),
        (
            What::Types,
            format!("type,name,department,agri,land,people\nT-1,{},nrp,no,no,yes\n", long(101)),
            "longer than 100 characters",
        ),
        (
            What::Channels,
            format!("channel,name,policy_owner\nCH-1,{},nrp\n", long(101)),
            "longer than 100 characters",
        ),
        (
            What::Appropriations,
            format!(
                "appropriation,doc_no,channel,level,county,issued_on,amount\n\
                 A-1,{},高标准农田专项资金,provincial,南湖区,2024-03-01,1.00\n",
                long(101)
            ),
            "longer than 100 characters",
        ),
    ];
    for (what, text, fragment) in cases {
        refused_at(&t, Reader::Import(what), text.as_bytes(), 2, fragment);
        // At the limit the row is accepted.
        let at_limit = text.replace(&long(41), &long(40)).replace(&long(101), &long(100));
        let outcome = t.attempt(Reader::Import(what), at_limit.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(outcome, Attempt::Accepted), "{what:?} at the limit: {outcome:?}");
    }
}

/// Found while checking lines: blank lines before the header moved every header problem to
/// line 1, and a GB18030 row in a UTF-8-with-BOM file was reported where the blank lines
/// before it began.
#[test]
fn regression_blank_lines_do_not_shift_header_and_encoding_problems() {
    let t = Target::small();
    refused_at(&t, Reader::Import(What::Projects), b"\n\nproject,name\n", 3, "missing column county");
    let mut text =
        b"\xEF\xBB\xBFvoucher,date,kind,appropriation,subproject,amount,reverses,memo\n\n\n".to_vec();
    text.extend(encoding_rs::GB18030.encode(&format!("{PAY_ROW}凤桥镇\n")).0.iter());
    refused_at(&t, Reader::Import(What::Entries), &text, 4, "not valid UTF-8");
}

/// Found once problems were checked for what they print: a cell's control characters (a NUL,
/// a line break in a quoted cell, an ESC that drives the terminal) were echoed raw, and a
/// 2,000-character code was quoted whole.
#[test]
fn regression_messages_escape_control_characters_and_cut_long_cells() {
    let t = Target::small();
    let rules = "channel,type,shape,rate,unit,percent,cap,amount,tiers,valid_from,valid_to,source_doc,sample\n\
                 village_trees_fund,village_trees,sha\0re_of_investment,,,,,,,2030-01-01,2030-12-31,文件,no\n";
    refused_at(
        &t,
        Reader::Import(What::Rules),
        rules.as_bytes(),
        2,
        "'sha\\u{0}re_of_investment' is not a rule shape",
    );
    refused_at(
        &t,
        Reader::Import(What::Projects),
        b"\0project,name\n",
        1,
        "the header has: \\u{0}project, name",
    );
    let entries = "voucher,date,kind\nV-1,\"\x1b[2J\n2024-01-01\",pay\n";
    refused_at(
        &t,
        Reader::Import(What::Entries),
        entries.as_bytes(),
        2,
        "'\\u{1b}[2J\\n2024-01-01' is not a date",
    );
    let [header, _] = fresh_rows(Reader::Import(What::Subprojects));
    let long = format!("{header}\n{},P-AGRI,高标准农田建设,ongoing,1,亩,1,,,\n", "x".repeat(2000));
    refused_at(
        &t,
        Reader::Import(What::Subprojects),
        long.as_bytes(),
        2,
        &format!("'{}…' is longer than 40", "x".repeat(60)),
    );
}

// ---------------------------------------------------------------------------------------
// The real binary on the nastiest inputs: exit 1 with a located message, ledger unchanged

#[test]
fn the_binary_refuses_the_nastiest_inputs_with_located_messages() {
    let l = common::Ledger::small();
    let entries = |rows: &str| format!("{ENTRY_HEADER}\n{rows}").into_bytes();
    let fixture = |name: &str| std::fs::read(common::fixtures().join("small").join(name)).expect("fixture");
    let gb_row = encoding_rs::GB18030.encode(&format!("{PAY_ROW}凤桥镇\n")).0.into_owned();
    // A GB18030 file cut after the first byte of a two-byte character in its first data row.
    let cut_gb18030 = {
        let bytes = fixture("entries-more-gb18030.csv");
        let row = bytes.iter().position(|b| *b == b'\n').expect("a header line") + 1;
        let lead = row + bytes[row..].iter().position(|b| *b >= 0x81).expect("a Chinese character");
        bytes[..=lead].to_vec()
    };
    let lone_cr = String::from_utf8(fixture("projects.csv")).expect("UTF-8 fixture");
    let lone_cr = lone_cr.replace("2024-02-01", "2024-02-30").replace('\n', "\r").into_bytes();
    let nul_in_code = "project,name,county,scope,implementing_body,mode,approved_on\n\
                       P-\0X,甲,南湖区,single_township,镇政府,agri,2024-01-01\n";
    let cases: Vec<(&str, &str, Vec<u8>, Vec<&str>)> = vec![
        ("random.csv", "entries", b"\x00\xFF\xFE\x00voucher,\x00\x81\x30\xC3".to_vec(), vec!["random.csv"]),
        (
            "huge-cell.csv",
            "entries",
            entries(&format!("{PAY_ROW}ok\n{PAY_ROW}{}\n", "x".repeat(MAX_RECORD_BYTES + 1))),
            vec!["huge-cell.csv:3:", "longer than"],
        ),
        (
            "bom-then-gb18030.csv",
            "entries",
            [b"\xEF\xBB\xBF".as_slice(), ENTRY_HEADER.as_bytes(), b"\n", &gb_row].concat(),
            vec!["bom-then-gb18030.csv:2:", "not valid UTF-8"],
        ),
        (
            "formula-voucher.csv",
            "entries",
            entries(&format!(
                "{}\n",
                PAY_ROW.replacen("V-900", "\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"", 1)
            )),
            vec!["formula-voucher.csv:2:", "may not start with"],
        ),
        (
            "huge-amount.csv",
            "entries",
            entries(&format!("{}\n", PAY_ROW.replace("1.00", "99999999999999999999.99"))),
            vec!["huge-amount.csv:2:", "exceeds the largest accepted amount"],
        ),
        ("cut-gb18030.csv", "entries", cut_gb18030, vec!["cut-gb18030.csv", "neither UTF-8 nor GB18030"]),
        ("lone-cr.csv", "projects", lone_cr, vec!["lone-cr.csv:3:", "'2024-02-30' is not a date"]),
        (
            "escape-in-date.csv",
            "entries",
            entries(&format!("{}\n", PAY_ROW.replace("2024-06-01", "\x1b[2J2024-06-01"))),
            vec!["escape-in-date.csv:2:", "'\\u{1b}[2J2024-06-01' is not a date"],
        ),
        ("nul-in-code.csv", "projects", nul_in_code.into(), vec!["nul-in-code.csv:2:", "control character"]),
    ];
    for (name, kind, bytes, fragments) in cases {
        let path = l.dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write input");
        let stderr = l.refused_en(&["import", kind, path.to_str().expect("utf-8 path")], &fragments);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(
            !stderr.chars().any(|c| c.is_control() && c != '\n'),
            "{name} echoes a control character: {stderr:?}"
        );
    }
}

const ENTRY_HEADER: &str = "voucher,date,kind,appropriation,subproject,amount,reverses,memo";
/// A payment row of fixtures/small, all but its memo.
const PAY_ROW: &str = "V-900,2024-06-01,pay,A-FARM-NH,S-FARM,1.00,,";

// ---------------------------------------------------------------------------------------
// Formula injection on export: text a clerk typed is never run by Excel
//
// No report prints an entry's memo or a project's name; the acceptance records print the
// acceptance's memo and document, and the catalogue prints department names, so those carry
// the formula here.

const EVIL: &str = "=HYPERLINK(\"http://evil\",\"点我\")";

/// A ledger holding fixtures/small, an item acceptance whose memo and document look like
/// formulas, and a department whose name is one.
fn ledger_with_formula_text() -> common::Ledger {
    let l = common::Ledger::small();
    let quoted = format!("\"{}\"", EVIL.replace('"', "\"\""));
    let acceptances = l.file(
        "acceptances.csv",
        &format!(
            "stage,subproject,bureau,result,date,document,memo\nitem,S-FARM,南湖区农业农村局,passed,2025-03-10,@SUM(A1),{quoted}\n"
        ),
    );
    l.ok_en(&["import", "acceptances", &acceptances]);
    let departments = l.file("departments.csv", &format!("department,name,name_en\nD-EVIL,{quoted},-1+2\n"));
    l.ok_en(&["import", "departments", &departments]);
    l
}

/// The CSV a command prints, as rows of cells (header first).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    r.records().map(|rec| rec.expect("CSV row").iter().map(str::to_string).collect()).collect()
}

/// The row of `rows` that has `cell` in column `key` (by English header).
fn csv_row<'a>(rows: &'a [Vec<String>], key: &str, cell: &str) -> &'a [String] {
    let i = rows[0].iter().position(|h| h == key).unwrap_or_else(|| panic!("no column {key}: {:?}", rows[0]));
    rows.iter()
        .find(|r| r.get(i).is_some_and(|c| c == cell))
        .unwrap_or_else(|| panic!("no row with {key} {cell}"))
}

fn column(rows: &[Vec<String>], row: &[String], key: &str) -> String {
    let i = rows[0].iter().position(|h| h == key).unwrap_or_else(|| panic!("no column {key}"));
    row[i].clone()
}

/// Every cell of the workbook's first sheet (values as calamine reads them), and whether
/// any cell holds a formula.
fn workbook_cells(path: &Path) -> (Vec<Vec<calamine::Data>>, bool) {
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).expect("open workbook");
    let sheet = book.sheet_names()[0].clone();
    let values = book.worksheet_range(&sheet).expect("sheet").rows().map(<[_]>::to_vec).collect();
    let formulas = book.worksheet_formula(&sheet).expect("formulas");
    let any_formula = formulas.rows().flatten().any(|f| !f.is_empty());
    (values, any_formula)
}

fn xlsx_has_text(cells: &[Vec<calamine::Data>], text: &str) -> bool {
    cells.iter().flatten().any(|d| matches!(d, calamine::Data::String(s) if s == text))
}

#[test]
fn acceptance_memos_that_look_like_formulas_stay_text_in_csv_and_xlsx() {
    let l = ledger_with_formula_text();
    let list = ["--lang", "en", "acceptance", "--project", "P-AGRI"];

    let csv = l.ok_en(&[&list[..], &["--format", "csv"]].concat());
    let rows = csv_rows(&csv);
    let row = csv_row(&rows, "subproject", "S-FARM");
    assert_eq!(column(&rows, row, "memo"), format!("'{EVIL}"), "{csv}");
    assert_eq!(column(&rows, row, "document"), "'@SUM(A1)", "{csv}");
    assert_eq!(column(&rows, row, "date"), "2025-03-10", "{csv}");

    let json: serde_json::Value =
        serde_json::from_str(&l.ok_en(&[&list[..], &["--format", "json"]].concat())).expect("JSON");
    assert_eq!(json["acceptances"][0]["memo"], EVIL, "JSON keeps text verbatim: {json}");

    let out = l.dir.path().join("acceptances.xlsx");
    l.ok_en(&[&list[..], &["--out", out.to_str().expect("utf-8 path")]].concat());
    let (cells, any_formula) = workbook_cells(&out);
    assert!(!any_formula, "the workbook holds a formula: {cells:?}");
    assert!(xlsx_has_text(&cells, EVIL), "the memo is not a string cell equal to the text: {cells:?}");
    assert!(xlsx_has_text(&cells, "@SUM(A1)"), "{cells:?}");
}

#[test]
fn catalogue_names_that_look_like_formulas_stay_text_in_csv_and_xlsx() {
    let l = ledger_with_formula_text();
    let csv = l.ok(&["--lang", "en", "catalog", "departments", "--format", "csv"]);
    let rows = csv_rows(&csv);
    let row = csv_row(&rows, "department", "D-EVIL");
    assert_eq!(column(&rows, row, "name"), format!("'{EVIL}"), "{csv}");
    assert_eq!(column(&rows, row, "name_en"), "'-1+2", "{csv}");

    let out = l.dir.path().join("departments.xlsx");
    l.ok_en(&["catalog", "departments", "--out", out.to_str().expect("utf-8 path")]);
    let (cells, any_formula) = workbook_cells(&out);
    assert!(!any_formula, "the workbook holds a formula: {cells:?}");
    assert!(xlsx_has_text(&cells, EVIL) && xlsx_has_text(&cells, "-1+2"), "{cells:?}");
}
