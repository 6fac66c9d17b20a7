//! The CSV edge: bytes from clerks' Excel files become validated rows, or located problems.
//!
//! Encodings: a pre-scan of the whole file (`scan`) decides between UTF-8 (with or without
//! BOM) and GB18030 (what Excel on Chinese Windows writes) and refuses a file that mixes them
//! or is neither; the rows are then streamed, GB18030 decoded as it is read. The pre-scan
//! also refuses an unclosed quote and an over-long row before the csv reader buffers it.
//! Headers match the English names case-insensitively or their Chinese aliases; unknown
//! columns are ignored and reported. Every bad field of every row is reported as
//! `file:line: column X: message [rule]`, never just the first. This module checks the shape
//! of each value; the ledger rules are checked by the writers in `ledger.rs`.

mod scan;

use crate::error::{echo, escaped, Check, Error, Problem, Result, MAX_PROBLEMS_KEPT};
use crate::model::{
    self, Kind, Level, Mode, NewAcceptance, NewAppropriation, NewEntry, NewProject, NewSubproject, Payment,
    Scope, Stage, Status, Verdict,
};
use crate::money::Fen;
use rust_decimal::Decimal;
use scan::Encoding;
pub use scan::MAX_CELLS;
use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

/// The largest CSV record accepted, in bytes (a row, not a cell).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
/// The most data rows one import accepts.
pub const MAX_ROWS: u64 = 20_000_000;

/// A column of an import format: its English name, Chinese aliases, and whether required.
pub struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

const fn col(name: &'static str, aliases: &'static [&'static str], required: bool) -> Column {
    Column { name, aliases, required }
}

pub const PROJECT_COLUMNS: &[Column] = &[
    col("project", &["项目编号"], true),
    col("name", &["项目名称"], true),
    col("county", &["县市区", "县（市、区）"], true),
    col("scope", &["项目区范围"], true),
    col("towns", &["镇街道", "镇（街道）"], false),
    col("villages", &["行政村"], false),
    col("implementing_body", &["实施主体"], true),
    col("mode", &["集成模式"], true),
    col("approved_on", &["立项日期"], true),
    col("flagship", &["精品示范工程"], false),
];

pub const SUBPROJECT_COLUMNS: &[Column] = &[
    col("subproject", &["子项目编号"], true),
    col("project", &["项目编号"], true),
    col("type", &["子项目类型"], true),
    col("status", &["确认状态"], true),
    col("quantity", &["建设规模"], false),
    col("unit", &["单位"], false),
    col("investment", &["计划投资"], true),
    col("letter", &["确认书"], false),
    col("standalone_amount", &["单独补助"], false),
    col("standalone_doc", &["单独补助依据"], false),
];

pub const APPROPRIATION_COLUMNS: &[Column] = &[
    col("appropriation", &["指标编号"], true),
    col("doc_no", &["指标文号"], true),
    col("channel", &["资金类别", "补助资金类别"], true),
    col("level", &["预算级次"], true),
    col("county", &["县市区", "县（市、区）"], true),
    col("issued_on", &["下达日期"], true),
    col("amount", &["金额"], true),
];

pub const ENTRY_COLUMNS: &[Column] = &[
    col("voucher", &["凭证号"], true),
    col("date", &["日期"], true),
    col("kind", &["类型"], true),
    col("appropriation", &["指标编号"], false),
    col("subproject", &["子项目编号"], false),
    col("amount", &["金额"], false),
    col("reverses", &["被冲销凭证号"], false),
    col("memo", &["摘要"], false),
    col("channel", &["资金类别"], false),
];

/// Turns each CRLF, and each lone CR (classic Mac line ends, as Excel 2011 for Mac writes
/// CSV), into LF and ends the input with a newline, so that the csv crate's position after a
/// record names its physical last line for every file Excel writes (the crate counts only
/// LF, its counts are off for CRLF, and a record's start position does not skip blank
/// lines). A line break inside a quoted cell becomes a space when validated
/// (`model::parse_text`), so the CR it loses does not matter.
struct LineEndsToLf {
    inner: BufReader<Box<dyn Read>>,
    pending_cr: bool,
    last: Option<u8>,
    finished: bool,
}

impl Read for LineEndsToLf {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        // Room for two bytes is needed to emit a held-back CR with its successor; the csv
        // crate always reads into a buffer of kilobytes.
        if out.len() < 2 {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "read buffer too small"));
        }
        let mut n = 0;
        while n + 2 <= out.len() {
            let avail = self.inner.fill_buf()?;
            let Some(&b) = avail.first() else {
                if std::mem::take(&mut self.pending_cr) {
                    out[n] = b'\n';
                    n += 1;
                    self.last = Some(b'\n');
                }
                if !self.finished && self.last.is_some_and(|l| l != b'\n') {
                    out[n] = b'\n';
                    n += 1;
                }
                self.finished = true;
                break;
            };
            self.inner.consume(1);
            if std::mem::take(&mut self.pending_cr) && b != b'\n' {
                // A lone CR ends a line, as it does for the csv crate's records.
                out[n] = b'\n';
                n += 1;
                self.last = Some(b'\n');
            }
            if b == b'\r' {
                self.pending_cr = true;
                continue;
            }
            out[n] = b;
            n += 1;
            self.last = Some(b);
        }
        Ok(n)
    }
}

/// A CSV source opened with its header mapped to a format's columns.
pub struct CsvInput {
    /// How the file is named in messages.
    pub name: String,
    pub encoding: &'static str,
    reader: csv::Reader<Box<dyn Read>>,
    /// For each format column, the index of the file column and its header as written.
    map: Vec<Option<(usize, String)>>,
    pub ignored_columns: Vec<String>,
    header_len: usize,
    /// The physical line of the header (blank lines may come before it).
    header_line: u64,
    /// The format's English column names, parallel to `map`.
    names: Vec<&'static str>,
    rows: u64,
    /// Problems of rows that could not be read as rows (misaligned cells).
    pub row_problems: KeptProblems,
    /// How many bytes there are to read (for the progress bar).
    total_bytes: u64,
}

/// One data row, with accessors by format column.
pub struct Row<'a> {
    pub line: u64,
    record: &'a csv::StringRecord,
    input: &'a CsvInput,
}

impl Row<'_> {
    /// The trimmed text of format column `i`; empty when the file lacks an optional column.
    pub fn get(&self, i: usize) -> &str {
        self.input.map[i].as_ref().and_then(|(idx, _)| self.record.get(*idx)).map_or("", str::trim)
    }

    /// A non-empty value of column `i`, or `None`.
    pub fn opt(&self, i: usize) -> Option<&str> {
        Some(self.get(i)).filter(|v| !v.is_empty())
    }

    /// The column's name as the file spells it, with the English name when different.
    pub fn column_label(&self, i: usize, columns: &[Column]) -> String {
        let name = columns[i].name;
        match &self.input.map[i] {
            Some((_, header)) if header != name => format!("{header} ({name})"),
            _ => name.to_string(),
        }
    }
}

impl CsvInput {
    /// Opens a file: a pre-scan of the whole file decides its encoding and refuses what the
    /// csv reader would misread (an unclosed quote) or buffer whole (an over-long row), then
    /// the header is mapped to `columns` and the rows are streamed.
    pub fn open(path: &Path, columns: &[Column]) -> Result<CsvInput> {
        let name = path.display().to_string();
        let open = || {
            File::open(path).map(BufReader::new).map_err(|e| {
                Error::rejected(Problem::new(Check::File, format!("cannot read {}: {e}", escaped(&name))))
            })
        };
        let scanned = scan::scan(&name, open()?)?;
        let mut reader = open()?;
        let (source, encoding): (Box<dyn Read>, &'static str) = match scanned.encoding {
            Encoding::Utf8 { bom: true } => {
                reader.seek_relative(3)?;
                (Box::new(reader), "UTF-8 with BOM")
            }
            Encoding::Utf8 { bom: false } => (Box::new(reader), "UTF-8"),
            Encoding::Gb18030 => (Box::new(Gb18030Reader::new(reader)), "GB18030"),
        };
        let mut input = CsvInput::from_reader(name, encoding, source, columns)?;
        input.total_bytes = scanned.text_len;
        Ok(input)
    }

    /// Reads CSV text already in memory (the embedded catalogue).
    pub fn from_text(name: &str, text: &'static str, columns: &[Column]) -> Result<CsvInput> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        CsvInput::from_reader(name.to_string(), "UTF-8", Box::new(text.as_bytes()), columns)
    }

    fn from_reader(
        name: String,
        encoding: &'static str,
        source: Box<dyn Read>,
        columns: &[Column],
    ) -> Result<CsvInput> {
        let lf =
            LineEndsToLf { inner: BufReader::new(source), pending_cr: false, last: None, finished: false };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Box::new(lf) as Box<dyn Read>);
        let mut header = csv::StringRecord::new();
        let Some(header_line) = read_row(&mut reader, &name, &mut csv::ByteRecord::new(), &mut header)?
        else {
            return Err(file_problem(&name, "is empty; it needs a header row"));
        };
        let (map, ignored_columns) = map_header(&name, header_line, &header, columns)?;
        let header_len = header.len();
        let names = columns.iter().map(|c| c.name).collect();
        Ok(CsvInput {
            name,
            encoding,
            reader,
            map,
            ignored_columns,
            header_len,
            header_line,
            names,
            rows: 0,
            row_problems: KeptProblems::default(),
            total_bytes: 0,
        })
    }

    /// Renames a problem's English column name to the header as this file spells it.
    fn relabel(&self, mut p: Problem) -> Problem {
        let Some(i) = p.column.as_deref().and_then(|c| self.names.iter().position(|n| *n == c)) else {
            return p;
        };
        if let Some((_, header)) = &self.map[i] {
            if header != self.names[i] {
                p.column = Some(format!("{header} ({})", self.names[i]));
            }
        }
        p
    }

    /// Calls `f` on every non-empty data row, in file order.
    /// On a terminal, a progress bar follows big files.
    pub fn for_each_row(&mut self, mut f: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
        let mut raw = csv::ByteRecord::new();
        let mut record = csv::StringRecord::new();
        let progress =
            crate::progress::Progress::bytes(&format!("importing {}", escaped(&self.name)), self.total_bytes);
        loop {
            if self.rows.is_multiple_of(4096) {
                progress.set(self.reader.position().byte(), self.rows);
            }
            let Some(line) = read_row(&mut self.reader, &self.name, &mut raw, &mut record)? else {
                return Ok(());
            };
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            if record.iter().skip(self.header_len).any(|f| !f.trim().is_empty()) {
                let message = format!(
                    "the row has {} cells but the header has {}; a cell with a comma (e.g. 1,000.00) must be quoted",
                    record.len(),
                    self.header_len
                );
                self.row_problems.push(Problem::new(Check::File, message).at(&self.name, line));
                continue;
            }
            self.rows += 1;
            if self.rows > MAX_ROWS {
                return Err(file_problem(&self.name, &format!("has more than {MAX_ROWS} rows; split it")));
            }
            let row = Row { line, record: &record, input: self };
            f(&row)?;
        }
    }
}

/// Reads the next record that is not a blank line into `record`, and returns the physical
/// line it starts on, or `None` at the end of the input. A record longer than
/// `MAX_RECORD_BYTES`, or one that is not UTF-8 text (a GB18030 row in a file that starts as
/// UTF-8 with a BOM), is refused at its line. The bytes are checked here rather than by the
/// csv crate, whose error names the line where it began reading, before any blank lines.
fn read_row(
    reader: &mut csv::Reader<Box<dyn Read>>,
    name: &str,
    raw: &mut csv::ByteRecord,
    record: &mut csv::StringRecord,
) -> Result<Option<u64>> {
    match reader.read_byte_record(raw) {
        Ok(false) => return Ok(None),
        Ok(true) => {}
        Err(e) => return Err(csv_problem(name, e.position().map(csv::Position::line), &e)),
    }
    // The line after the record, less its own terminator, less the line breaks inside it.
    let inner_breaks: u64 = raw.iter().map(|f| f.iter().filter(|b| **b == b'\n').count() as u64).sum();
    let line = reader.position().line().saturating_sub(1 + inner_breaks).max(1);
    let refuse = |message: String| Err(Error::rejected(Problem::new(Check::File, message).at(name, line)));
    if raw.as_slice().len() > MAX_RECORD_BYTES {
        return refuse(format!("the row is longer than {MAX_RECORD_BYTES} bytes"));
    }
    record.clear();
    for field in raw.iter() {
        let Ok(text) = std::str::from_utf8(field) else {
            return refuse(
                "this row is not valid UTF-8 though the file starts as UTF-8; save the whole file as \"CSV UTF-8\""
                    .to_string(),
            );
        };
        record.push_field(text);
    }
    Ok(Some(line))
}

/// Decodes GB18030 as it is read, so a big file is never held whole. A file that is no
/// longer GB18030 text (it changed after the pre-scan) is an error.
struct Gb18030Reader {
    inner: BufReader<File>,
    decoder: encoding_rs::Decoder,
    done: bool,
}

impl Gb18030Reader {
    fn new(inner: BufReader<File>) -> Gb18030Reader {
        Gb18030Reader { inner, decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(), done: false }
    }
}

impl Read for Gb18030Reader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use encoding_rs::DecoderResult;
        while !self.done {
            let src = self.inner.fill_buf()?;
            let last = src.is_empty();
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(src, out, last);
            self.inner.consume(read);
            self.done = last && matches!(result, DecoderResult::InputEmpty);
            match result {
                DecoderResult::Malformed(..) => {
                    let message =
                        "the file is no longer GB18030 text (was it changed while it was imported?)";
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, message));
                }
                DecoderResult::OutputFull if written == 0 => {
                    let message = "read buffer too small";
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, message));
                }
                _ if written > 0 => return Ok(written),
                _ => {}
            }
        }
        Ok(0)
    }
}

fn file_problem(name: &str, what: &str) -> Error {
    Error::rejected(Problem::new(Check::File, format!("{name} {what}")))
}

/// A failure of the csv reader itself (reading the file), at the line it names if any.
fn csv_problem(name: &str, line: Option<u64>, e: &csv::Error) -> Error {
    let problem = Problem::new(Check::File, format!("cannot read the CSV: {e}"));
    Error::rejected(match line.filter(|l| *l > 0) {
        Some(line) => problem.at(name, line),
        None => Problem { file: Some(name.to_string()), ..problem },
    })
}

type HeaderMap = (Vec<Option<(usize, String)>>, Vec<String>);

/// The most items of a list (header cells, ignored columns) a message shows.
const MAX_LISTED: usize = 20;

/// `a, b, c`, or the first `MAX_LISTED` items and how many more.
fn shown_list(items: &[String]) -> String {
    let shown = items[..items.len().min(MAX_LISTED)].join(", ");
    match items.len().saturating_sub(MAX_LISTED) {
        0 => shown,
        n => format!("{shown} … and {n} more"),
    }
}

fn map_header(name: &str, line: u64, header: &csv::StringRecord, columns: &[Column]) -> Result<HeaderMap> {
    let mut map: Vec<Option<(usize, String)>> = vec![None; columns.len()];
    let mut ignored = Vec::new();
    let mut problems = Vec::new();
    for (idx, raw) in header.iter().enumerate() {
        let h = raw.trim().trim_start_matches('\u{feff}');
        // Excel sheets often state the unit in the header: 金额（元）, amount (yuan).
        let h =
            ["（元）", "(元)", "(yuan)"].iter().fold(h, |h, unit| h.strip_suffix(unit).unwrap_or(h)).trim();
        if h.is_empty() {
            continue;
        }
        let found = columns.iter().position(|c| c.name.eq_ignore_ascii_case(h) || c.aliases.contains(&h));
        match found {
            None => ignored.push(echo(h)),
            Some(i) => match &map[i] {
                Some((_, first)) => problems.push(Problem::new(
                    Check::File,
                    format!("columns '{first}' and '{}' both give {}; keep one", echo(h), columns[i].name),
                )),
                None => map[i] = Some((idx, h.to_string())),
            },
        }
    }
    for (i, c) in columns.iter().enumerate() {
        if c.required && map[i].is_none() {
            problems.push(Problem::new(
                Check::File,
                format!(
                    "missing column {} ({}); the header has: {}",
                    c.name,
                    c.aliases.first().copied().unwrap_or(""),
                    shown_list(&header.iter().map(|h| echo(h.trim())).collect::<Vec<_>>())
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok((map, ignored))
    } else {
        Err(Error::Rejected(problems.into_iter().map(|p| p.at(name, line)).collect()))
    }
}

/// Collects the problems of one row's fields.
pub struct Fields<'r, 'a> {
    row: &'r Row<'a>,
    columns: &'static [Column],
    pub problems: Vec<Problem>,
}

impl<'r, 'a> Fields<'r, 'a> {
    pub fn new(row: &'r Row<'a>, columns: &'static [Column]) -> Self {
        Fields { row, columns, problems: Vec::new() }
    }

    fn index(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("column {name} is declared in its format"))
    }

    /// Parses column `name` with `parse`, recording a problem of kind `check` on failure.
    pub fn parse<T>(
        &mut self,
        name: &str,
        check: Check,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let i = self.index(name);
        match parse(self.row.get(i)) {
            Ok(v) => Some(v),
            Err(message) => {
                let label = self.row.column_label(i, self.columns);
                self.problems.push(Problem::new(check, message).column(label));
                None
            }
        }
    }

    /// Like `parse`, but an empty cell gives `None` without a problem.
    pub fn optional<T>(
        &mut self,
        name: &str,
        check: Check,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let i = self.index(name);
        if self.row.opt(i).is_none() {
            return Some(None);
        }
        self.parse(name, check, parse).map(Some)
    }

    pub fn text(&mut self, name: &str, required: bool) -> Option<String> {
        self.parse(name, Check::Format, |v| model::parse_text(v, name, required))
    }

    /// A required name held to `max_chars` characters (the schema's limit for that column).
    pub fn name(&mut self, name: &str, max_chars: usize) -> Option<String> {
        self.parse(name, Check::Format, |v| model::parse_text_up_to(v, name, true, max_chars))
    }

    pub fn code(&mut self, name: &str) -> Option<String> {
        self.parse(name, Check::Format, |v| model::parse_code(v, name))
    }

    pub fn date(&mut self, name: &str) -> Option<chrono::NaiveDate> {
        self.parse(name, Check::Format, model::parse_date)
    }

    pub fn amount(
        &mut self,
        name: &str,
        parse: fn(&str) -> Result<Fen, crate::money::AmountError>,
    ) -> Option<Fen> {
        self.parse(name, Check::R6, |v| parse(v).map_err(|e| e.to_string()))
    }

    /// Finishes the row: the value if every field parsed, else all its problems.
    pub fn finish<T>(self, value: Option<T>) -> std::result::Result<T, Vec<Problem>> {
        match value {
            Some(v) if self.problems.is_empty() => Ok(v),
            _ => Err(self.problems),
        }
    }
}

/// A list cell (`镇A;镇B`, also with Chinese separators), normalised to `;`.
fn parse_list(v: &str) -> Result<String, String> {
    let items: Vec<&str> = v.split([';', '；', '、']).map(str::trim).filter(|s| !s.is_empty()).collect();
    model::parse_text(&items.join(";"), "list", false)
}

/// A quantity: a non-negative decimal with at most four decimals.
fn parse_quantity(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Ok(String::new());
    }
    let plain = v.replace(',', "");
    match Decimal::from_str(&plain) {
        Ok(d) if d >= Decimal::ZERO && d.scale() <= 4 && !plain.contains(['e', 'E']) => {
            Ok(d.normalize().to_string())
        }
        _ => Err(format!("'{}' is not a quantity (a number ≥ 0 with at most 4 decimals)", echo(v))),
    }
}

pub fn parse_project(row: &Row<'_>) -> std::result::Result<NewProject, Vec<Problem>> {
    let mut f = Fields::new(row, PROJECT_COLUMNS);
    let code = f.code("project");
    let name = f.text("name", true);
    let county = f.text("county", true);
    let scope = f.parse("scope", Check::Format, Scope::parse);
    let towns = f.parse("towns", Check::Format, parse_list);
    let villages = f.parse("villages", Check::Format, parse_list);
    let body = f.text("implementing_body", true);
    let mode = f.parse("mode", Check::Format, Mode::parse);
    let approved_on = f.date("approved_on");
    let flagship = f.parse("flagship", Check::Format, model::parse_flag);
    let value = (|| {
        Some(NewProject {
            code: code?,
            name: name?,
            county: county?,
            scope: scope?,
            towns: towns?,
            villages: villages?,
            implementing_body: body?,
            mode: mode?,
            approved_on: approved_on?,
            flagship: flagship?,
        })
    })();
    f.finish(value)
}

pub fn parse_subproject(row: &Row<'_>) -> std::result::Result<NewSubproject, Vec<Problem>> {
    let mut f = Fields::new(row, SUBPROJECT_COLUMNS);
    let code = f.code("subproject");
    let project = f.code("project");
    let type_ref = f.text("type", true);
    let status = f.parse("status", Check::Format, Status::parse);
    let quantity = f.parse("quantity", Check::Format, parse_quantity);
    let unit = f.text("unit", false);
    let investment = f.amount("investment", Fen::parse_non_negative);
    let letter = f.text("letter", false);
    let standalone =
        f.optional("standalone_amount", Check::R6, |v| Fen::parse_non_negative(v).map_err(|e| e.to_string()));
    let standalone_doc = f.text("standalone_doc", false);
    if let (Some(Some(_)), Some(doc)) = (&standalone, &standalone_doc) {
        if doc.is_empty() {
            f.problems.push(
                Problem::new(
                    Check::Format,
                    "an approved standalone subsidy needs the document that approved it",
                )
                .column("standalone_doc"),
            );
        }
    }
    let value = (|| {
        Some(NewSubproject {
            code: code?,
            project: project?,
            type_ref: type_ref?,
            status: status?,
            quantity: quantity?,
            unit: unit?,
            investment: investment?,
            letter: letter?,
            standalone: standalone?,
            standalone_doc: standalone_doc?,
        })
    })();
    f.finish(value)
}

pub fn parse_appropriation(row: &Row<'_>) -> std::result::Result<NewAppropriation, Vec<Problem>> {
    let mut f = Fields::new(row, APPROPRIATION_COLUMNS);
    let code = f.code("appropriation");
    let doc_no = f.name("doc_no", model::MAX_NAME_CHARS);
    let channel_ref = f.text("channel", true);
    let level = f.parse("level", Check::Format, Level::parse);
    let county = f.text("county", true);
    let issued_on = f.date("issued_on");
    let amount = f.amount("amount", Fen::parse_positive);
    let value = (|| {
        Some(NewAppropriation {
            code: code?,
            doc_no: doc_no?,
            channel_ref: channel_ref?,
            level: level?,
            county: county?,
            issued_on: issued_on?,
            amount: amount?,
        })
    })();
    f.finish(value)
}

pub fn parse_entry(row: &Row<'_>) -> std::result::Result<NewEntry, Vec<Problem>> {
    let mut f = Fields::new(row, ENTRY_COLUMNS);
    let voucher = f.code("voucher");
    let date = f.date("date");
    let kind = f.parse("kind", Check::Format, Kind::parse);
    let appropriation = f.optional("appropriation", Check::Format, |v| model::parse_code(v, "appropriation"));
    let subproject = f.optional("subproject", Check::Format, |v| model::parse_code(v, "subproject"));
    let amount = f.optional("amount", Check::R6, |v| Fen::parse_positive(v).map_err(|e| e.to_string()));
    let reverses = f.optional("reverses", Check::Format, |v| model::parse_code(v, "reverses"));
    let memo = f.text("memo", false);
    let channel_ref = f.optional("channel", Check::Format, |v| model::parse_text(v, "channel", true));
    let value = (|| {
        Some(NewEntry {
            voucher: voucher?,
            date: date?,
            kind: kind?,
            appropriation: appropriation?,
            subproject: subproject?,
            amount: amount?,
            reverses: reverses?,
            memo: memo?,
            channel_ref: channel_ref?,
        })
    })();
    f.finish(value)
}

/// An implementing body's own payment records (`reconcile --payments`), as exported from
/// their Excel sheet.
pub const PAYMENT_COLUMNS: &[Column] = &[
    col("voucher", &["凭证号", "支付凭证号", "付款凭证号"], true),
    col("date", &["日期", "支付日期", "付款日期"], true),
    col("subproject", &["子项目编号"], true),
    col("amount", &["金额", "支付金额", "付款金额"], true),
];

pub fn parse_payment(row: &Row<'_>) -> std::result::Result<Payment, Vec<Problem>> {
    let mut f = Fields::new(row, PAYMENT_COLUMNS);
    let voucher = f.code("voucher");
    let date = f.date("date");
    let subproject = f.code("subproject");
    let amount = f.amount("amount", Fen::parse_positive);
    let value = (|| {
        Some(Payment {
            voucher: voucher?,
            date: date?,
            subproject: subproject?,
            amount: amount?,
            line: row.line,
        })
    })();
    f.finish(value)
}

/// Acceptance records (`import acceptances`): one row per acceptance, in the order they
/// happened (an overall acceptance after its sub-projects' item acceptances).
pub const ACCEPTANCE_COLUMNS: &[Column] = &[
    col("stage", &["验收环节", "验收类型"], true),
    col("project", &["项目编号"], false),
    col("subproject", &["子项目编号"], false),
    col("department", &["验收部门"], false),
    col("result", &["验收结果", "结果"], true),
    col("date", &["验收日期", "日期"], true),
    col("document", &["验收文件", "文号"], true),
    col("batch", &["批次"], false),
    col("award", &["优质工程"], false),
    col("memo", &["备注", "摘要"], false),
];

pub fn parse_acceptance(row: &Row<'_>) -> std::result::Result<NewAcceptance, Vec<Problem>> {
    let mut f = Fields::new(row, ACCEPTANCE_COLUMNS);
    let stage = f.parse("stage", Check::Format, Stage::parse);
    let project = f.optional("project", Check::Format, |v| model::parse_code(v, "project"));
    let subproject = f.optional("subproject", Check::Format, |v| model::parse_code(v, "subproject"));
    let department = f.optional("department", Check::Format, |v| model::parse_text(v, "department", true));
    let verdict = f.parse("result", Check::Format, Verdict::parse);
    let date = f.date("date");
    let document = f.text("document", true);
    let batch = f.optional("batch", Check::Format, |v| model::parse_code(v, "batch"));
    let award = f.optional("award", Check::Format, model::parse_flag);
    let memo = f.text("memo", false);
    let value = (|| {
        Some(NewAcceptance {
            stage: stage?,
            project: project?,
            subproject: subproject?,
            department: department?,
            verdict: verdict?,
            date: date?,
            document: document?,
            batch: batch?.unwrap_or_default(),
            award: award?.unwrap_or(false),
            memo: memo?,
        })
    })();
    f.finish(value)
}

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
keyed!(Payment, voucher, "voucher");
keyed!(crate::catalog::Department, code, "department");
keyed!(crate::catalog::County, code, "county");
keyed!(crate::catalog::SubprojectType, code, "type");
keyed!(crate::catalog::Channel, code, "channel");
keyed!(crate::catalog::Designation);
keyed!(crate::subsidy::Rule);
keyed!(NewAcceptance);

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

/// The problems of one file, kept up to `MAX_PROBLEMS_KEPT` (in file order, the first ones)
/// and the rest only counted, so a file of millions of bad rows cannot exhaust memory.
#[derive(Debug, Default)]
pub struct KeptProblems {
    pub kept: Vec<Problem>,
    pub dropped: u64,
}

impl KeptProblems {
    pub fn push(&mut self, p: Problem) {
        if self.kept.len() < MAX_PROBLEMS_KEPT {
            self.kept.push(p);
        } else {
            self.dropped += 1;
        }
    }
}

/// The result of one import.
#[derive(Debug, Default)]
pub struct Summary {
    pub added: u64,
    pub unchanged: u64,
    pub ignored_columns: Vec<String>,
    pub encoding: &'static str,
}

/// The pipeline for one file: read → parse each row → write it (the writer checks the rules)
/// → collect every problem with its location. Returns the summary, or all problems. The
/// caller commits only on success, so the file is all or nothing.
pub fn run<T: Keyed>(
    input: &mut CsvInput,
    parse: fn(&Row<'_>) -> std::result::Result<T, Vec<Problem>>,
    mut write: impl FnMut(&T) -> crate::ledger::RowResult,
) -> Result<Summary> {
    run_lines(input, parse, |value, _| write(value))
}

/// `run`, handing the writer each row's line as well. A type whose writer finds repeated keys
/// itself (`Keyed::WRITER_FINDS_REPEATS`) is not tracked here, so a million-row file's keys
/// are not held in memory.
pub fn run_lines<T: Keyed>(
    input: &mut CsvInput,
    parse: fn(&Row<'_>) -> std::result::Result<T, Vec<Problem>>,
    mut write: impl FnMut(&T, u64) -> crate::ledger::RowResult,
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
                    format!("{key} appears again; it was first given on line {first} of this file"),
                )
                .column(value.key_column())]),
                None => write(&value, row.line)?,
            },
            Err(p) => Err(p),
        };
        match outcome {
            Ok(crate::ledger::Outcome::Added) => summary.added += 1,
            Ok(crate::ledger::Outcome::Unchanged) => summary.unchanged += 1,
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
        let message = format!(
            "these columns were not recognised and were ignored: {} (see the column names in the README)",
            shown_list(&input.ignored_columns)
        );
        problems.push(Problem::new(Check::File, message).at(&name, input.header_line));
    }
    Err(Error::Rejected(problems))
}

pub const DEPARTMENT_COLUMNS: &[Column] = &[
    col("department", &["部门编号"], true),
    col("name", &["部门名称", "责任部门"], true),
    col("name_en", &["英文名称"], false),
];

pub const COUNTY_COLUMNS: &[Column] = &[
    col("county", &["县市区编号"], true),
    col("name", &["县市区", "名称"], true),
    col("name_en", &["英文名称"], false),
];

pub const TYPE_COLUMNS: &[Column] = &[
    col("type", &["类型编号"], true),
    col("name", &["子项目类型", "工程子项目"], true),
    col("name_en", &["英文名称"], false),
    col("department", &["责任部门"], true),
    col("agri", &["以“农”为核心", "农"], true),
    col("land", &["以“地”为核心", "地"], true),
    col("people", &["以“人”为核心", "人"], true),
    col("co_lead", &["联合牵头"], false),
    col("annex3", &["附件3"], false),
    col("note", &["备注"], false),
];

pub const CHANNEL_COLUMNS: &[Column] = &[
    col("channel", &["资金类别编号"], true),
    col("name", &["补助资金类别", "资金类别"], true),
    col("name_en", &["英文名称"], false),
    col("policy_owner", &["政策主管部门"], true),
    col("basis", &["支持政策"], false),
];

pub const DESIGNATION_COLUMNS: &[Column] = &[
    col("channel", &["补助资金类别", "资金类别"], true),
    col("type", &["子项目类型", "工程子项目"], true),
    col("note", &["备注"], false),
    col("basis", &["支持政策"], false),
];

/// A long text cell (policy basis): control characters refused, up to 2,000 characters.
fn parse_long_text(v: &str) -> Result<String, String> {
    if v.chars().count() > 2000 || v.chars().any(char::is_control) {
        return Err("the text is longer than 2000 characters or contains control characters".into());
    }
    Ok(v.to_string())
}

pub fn parse_department(row: &Row<'_>) -> std::result::Result<crate::catalog::Department, Vec<Problem>> {
    let mut f = Fields::new(row, DEPARTMENT_COLUMNS);
    let code = f.code("department");
    let name = f.name("name", model::MAX_NAME_CHARS);
    let name_en = f.text("name_en", false);
    let value = (|| Some(crate::catalog::Department { code: code?, name: name?, name_en: name_en? }))();
    f.finish(value)
}

pub fn parse_county(row: &Row<'_>) -> std::result::Result<crate::catalog::County, Vec<Problem>> {
    let mut f = Fields::new(row, COUNTY_COLUMNS);
    let code = f.code("county");
    let name = f.name("name", model::MAX_COUNTY_NAME_CHARS);
    let name_en = f.text("name_en", false);
    let value = (|| Some(crate::catalog::County { code: code?, name: name?, name_en: name_en? }))();
    f.finish(value)
}

/// A type row; `department` and `co_lead` hold references the writer resolves.
pub fn parse_type(row: &Row<'_>) -> std::result::Result<crate::catalog::SubprojectType, Vec<Problem>> {
    let mut f = Fields::new(row, TYPE_COLUMNS);
    let code = f.code("type");
    let name = f.name("name", model::MAX_NAME_CHARS);
    let name_en = f.text("name_en", false);
    let department = f.text("department", true);
    let agri = f.parse("agri", Check::Format, model::parse_flag);
    let land = f.parse("land", Check::Format, model::parse_flag);
    let people = f.parse("people", Check::Format, model::parse_flag);
    let co_lead = f.optional("co_lead", Check::Format, |v| model::parse_text(v, "co_lead", true));
    let annex3 = f.parse("annex3", Check::Format, |v| match v {
        "" => Ok("user".to_string()),
        "listed" | "none" | "absent" | "user" => Ok(v.to_string()),
        _ => Err(format!("'{}' is not one of listed, none, absent, user", echo(v))),
    });
    let note = f.text("note", false);
    if let (Some(a), Some(l), Some(p)) = (agri, land, people) {
        if (a && !l) || (l && !p) {
            f.problems.push(Problem::new(
                Check::R7,
                "the modes are nested (农 ⊂ 地 ⊂ 人): a type ticked for 农 must be ticked for 地, and 地 for 人",
            ));
        }
    }
    let value = (|| {
        Some(crate::catalog::SubprojectType {
            code: code?,
            name: name?,
            name_en: name_en?,
            department: department?,
            agri: agri?,
            land: land?,
            people: people?,
            co_lead: co_lead?,
            annex3: annex3?,
            note: note?,
        })
    })();
    f.finish(value)
}

pub fn parse_channel(row: &Row<'_>) -> std::result::Result<crate::catalog::Channel, Vec<Problem>> {
    let mut f = Fields::new(row, CHANNEL_COLUMNS);
    let code = f.code("channel");
    let name = f.name("name", model::MAX_NAME_CHARS);
    let name_en = f.text("name_en", false);
    let policy_owner = f.text("policy_owner", true);
    let basis = f.parse("basis", Check::Format, parse_long_text);
    let value = (|| {
        Some(crate::catalog::Channel {
            code: code?,
            name: name?,
            name_en: name_en?,
            policy_owner: policy_owner?,
            basis: basis?,
        })
    })();
    f.finish(value)
}

pub fn parse_designation(row: &Row<'_>) -> std::result::Result<crate::catalog::Designation, Vec<Problem>> {
    let mut f = Fields::new(row, DESIGNATION_COLUMNS);
    let channel = f.text("channel", true);
    let type_code = f.text("type", true);
    let note = f.text("note", false);
    let basis = f.parse("basis", Check::Format, parse_long_text);
    let value = (|| {
        Some(crate::catalog::Designation {
            channel: channel?,
            type_code: type_code?,
            note: note?,
            basis: basis?,
        })
    })();
    f.finish(value)
}

pub const RULE_COLUMNS: &[Column] = &[
    col("channel", &["资金类别", "补助资金类别"], true),
    col("type", &["子项目类型"], false),
    col("shape", &["规则形式"], true),
    col("rate", &["单价"], false),
    col("unit", &["单位"], false),
    col("percent", &["比例"], false),
    col("cap", &["封顶"], false),
    col("amount", &["定额", "金额"], false),
    col("tiers", &["分档"], false),
    col("valid_from", &["生效日期"], true),
    col("valid_to", &["失效日期"], true),
    col("source_doc", &["依据文件", "依据"], true),
    col("sample", &["示例"], true),
];

/// A percentage: a decimal in (0, 100] with at most four decimals.
fn parse_percent(v: &str) -> Result<Decimal, String> {
    let t = v.trim().trim_end_matches(['%', '％']);
    match Decimal::from_str(t) {
        Ok(d) if d > Decimal::ZERO && d <= Decimal::from(100) && d.scale() <= 4 => Ok(d.normalize()),
        _ => Err(format!("'{}' is not a percentage between 0 and 100 (e.g. 30 or 12.5)", echo(v))),
    }
}

/// A subsidy rule row. `channel` and `type_code` hold the references as written; the writer
/// resolves them.
pub fn parse_rule(row: &Row<'_>) -> std::result::Result<crate::subsidy::Rule, Vec<Problem>> {
    use crate::subsidy::{parse_tiers, Rule, Shape};
    let mut f = Fields::new(row, RULE_COLUMNS);
    let channel = f.text("channel", true);
    let type_ref = f.optional("type", Check::Format, |v| model::parse_text(v, "type", true));
    let shape_code = f.parse("shape", Check::Format, |v| match v {
        "per_unit" | "按单价" => Ok("per_unit"),
        "share_of_investment" | "按投资比例" => Ok("share_of_investment"),
        "fixed" | "定额" => Ok("fixed"),
        "tiered" | "分档" => Ok("tiered"),
        _ => Err(format!("'{}' is not a rule shape (per_unit, share_of_investment, fixed, tiered)", echo(v))),
    });
    let rate = f.optional("rate", Check::R6, |v| Fen::parse_positive(v).map_err(|e| e.to_string()));
    let unit = f.text("unit", false);
    let percent = f.optional("percent", Check::Format, parse_percent);
    let cap = f.optional("cap", Check::R6, |v| Fen::parse_positive(v).map_err(|e| e.to_string()));
    let amount = f.optional("amount", Check::R6, |v| Fen::parse_positive(v).map_err(|e| e.to_string()));
    let tiers = f.optional("tiers", Check::Format, parse_tiers);
    let valid_from = f.date("valid_from");
    let valid_to = f.date("valid_to");
    let source_doc = f.text("source_doc", true);
    let sample = f.parse("sample", Check::Format, model::parse_flag);
    let mut shape_problem = |column: &str, message: String| {
        f.problems.push(Problem::new(Check::Format, message).column(column.to_string()));
    };
    let shape = match (shape_code, &rate, &percent, &amount, &tiers) {
        (Some(code), Some(rate), Some(percent), Some(amount), Some(tiers)) => {
            let given = [
                ("rate", rate.is_some()),
                ("percent", percent.is_some()),
                ("amount", amount.is_some()),
                ("tiers", tiers.is_some()),
            ];
            let needs = match code {
                "per_unit" => "rate",
                "share_of_investment" => "percent",
                "fixed" => "amount",
                _ => "tiers",
            };
            for (column, present) in given {
                if present != (column == needs) {
                    let message = if present {
                        format!("a {code} rule takes no {column}")
                    } else {
                        format!("a {code} rule needs the {column}")
                    };
                    shape_problem(column, message);
                }
            }
            if (code == "fixed" || code == "tiered") && cap.is_some_and(|c| c.is_some()) {
                shape_problem("cap", format!("a {code} rule takes no cap"));
            }
            let cap = cap.flatten();
            let unit = unit.clone().unwrap_or_default();
            match code {
                "per_unit" => rate.map(|rate| Shape::PerUnit { rate, unit, cap }),
                "share_of_investment" => percent.map(|percent| Shape::ShareOfInvestment { percent, cap }),
                "fixed" => amount.map(|amount| Shape::Fixed { amount }),
                _ => tiers.clone().map(|tiers| Shape::Tiered { unit, tiers }),
            }
        }
        _ => None,
    };
    if let (Some(from), Some(to)) = (valid_from, valid_to) {
        if from > to {
            f.problems.push(
                Problem::new(Check::Format, format!("valid_from {from} is after valid_to {to}"))
                    .column("valid_to"),
            );
        }
    }
    let value = (|| {
        Some(Rule {
            id: 0,
            channel: channel?,
            type_code: type_ref?,
            shape: shape?,
            valid_from: valid_from?,
            valid_to: valid_to?,
            source_doc: source_doc?,
            sample: sample?,
        })
    })();
    f.finish(value)
}
