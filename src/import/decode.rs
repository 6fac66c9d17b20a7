//! Reading a CSV file: one encoding per file, line ends Excel writes, bounded rows, and
//! headers matched to a file kind's columns. A header may state its unit in brackets at its
//! end, as Excel sheets do: `金额（元）`, `amount (yuan)` (the default), or `金额（万元）`,
//! `amount (wan)`, which makes an amount column read in 万元 (and any other column refused,
//! rather than read as if the unit were not there).

use super::scan::Encoding;
use super::*;
use crate::error::{echo, escaped, Check, Error, KeptProblems, Problem, Result};
use crate::money::AmountUnit;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A column of an import format: its English name, Chinese aliases, whether required, and
/// whether it holds money (read in the unit its header states: yuan, or 万元).
pub struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
    pub money: bool,
}

pub(crate) const fn col(name: &'static str, aliases: &'static [&'static str], required: bool) -> Column {
    Column { name, aliases, required, money: false }
}

/// A money column: its cells are read with `Fields::amount`, in the unit the header states.
pub(crate) const fn money_col(
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
) -> Column {
    Column { name, aliases, required, money: true }
}

/// A format column found in a file: where, its header as written, and its amounts' unit.
#[derive(Clone, Debug)]
struct Mapped {
    index: usize,
    header: String,
    unit: AmountUnit,
}

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
    /// For each format column, the file column it was found in, if any.
    map: Vec<Option<Mapped>>,
    pub ignored_columns: Vec<String>,
    header_len: usize,
    /// The physical line of the header (blank lines may come before it).
    pub(crate) header_line: u64,
    /// The format's English column names, parallel to `map`.
    names: Vec<&'static str>,
    rows: u64,
    /// Problems of rows that could not be read as rows (misaligned cells).
    pub row_problems: KeptProblems,
    /// How many bytes there are to read (for the progress bar).
    total_bytes: u64,
    /// Someone following the import from another thread (the web's import page).
    pub watch: Option<std::sync::Arc<crate::progress::Watch>>,
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
        self.input.map[i].as_ref().and_then(|m| self.record.get(m.index)).map_or("", str::trim)
    }

    /// The unit column `i`'s header states for its amounts: yuan unless it says 万元.
    pub fn unit(&self, i: usize) -> AmountUnit {
        self.input.map[i].as_ref().map_or(AmountUnit::Yuan, |m| m.unit)
    }

    /// A non-empty value of column `i`, or `None`.
    pub fn opt(&self, i: usize) -> Option<&str> {
        Some(self.get(i)).filter(|v| !v.is_empty())
    }

    /// The column's name as the file spells it, with the English name when different.
    pub fn column_label(&self, i: usize, columns: &[Column]) -> String {
        label(self.input.map[i].as_ref(), columns[i].name)
    }
}

impl CsvInput {
    /// How many bytes of text the file holds (what the progress bar counts to).
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Opens a file: a pre-scan of the whole file decides its encoding and refuses what the
    /// csv reader would misread (an unclosed quote) or buffer whole (an over-long row), then
    /// the header is mapped to `columns` and the rows are streamed.
    pub fn open(path: &Path, columns: &[Column]) -> Result<CsvInput> {
        CsvInput::open_as(path, &path.display().to_string(), columns)
    }

    /// `open`, naming the file `name` in every message (an upload, by its own name).
    pub fn open_as(path: &Path, name: &str, columns: &[Column]) -> Result<CsvInput> {
        let name = name.to_string();
        let open = || {
            File::open(path).map(BufReader::new).map_err(|e| {
                let name = escaped(&name);
                Error::rejected(Problem::new(
                    Check::File,
                    crate::tr!("无法读取 {name}：{e}", "cannot read {name}: {e}"),
                ))
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
            return Err(file_problem(
                &name,
                &crate::tr!("是空文件；需要一行表头", "is empty; it needs a header row"),
            ));
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
            watch: None,
        })
    }

    /// Renames a problem's English column name to the header as this file spells it.
    pub(crate) fn relabel(&self, mut p: Problem) -> Problem {
        let Some(i) = p.column.as_deref().and_then(|c| self.names.iter().position(|n| *n == c)) else {
            return p;
        };
        p.column = Some(label(self.map[i].as_ref(), self.names[i]));
        p
    }

    /// Calls `f` on every non-empty data row, in file order.
    /// On a terminal, a progress bar follows big files.
    pub fn for_each_row(&mut self, mut f: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
        let mut raw = csv::ByteRecord::new();
        let mut record = csv::StringRecord::new();
        let progress = {
            let name = escaped(&self.name);
            crate::progress::Progress::bytes(
                &crate::tr!("正在导入 {name}", "importing {name}"),
                self.total_bytes,
            )
        };
        loop {
            if self.rows.is_multiple_of(4096) {
                progress.set(self.reader.position().byte(), self.rows);
                if let Some(watch) = &self.watch {
                    watch.set(self.reader.position().byte(), self.total_bytes, self.rows);
                }
            }
            let Some(line) = read_row(&mut self.reader, &self.name, &mut raw, &mut record)? else {
                return Ok(());
            };
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            if record.iter().skip(self.header_len).any(|f| !f.trim().is_empty()) {
                let (cells, header) = (record.len(), self.header_len);
                let message = crate::tr!(
                    "该行有 {cells} 个单元格，但表头只有 {header} 列；含逗号的单元格（如 1,000.00）必须加引号",
                    "the row has {cells} cells but the header has {header}; a cell with a comma (e.g. 1,000.00) must be quoted"
                );
                self.row_problems.push(Problem::new(Check::File, message).at(&self.name, line));
                continue;
            }
            self.rows += 1;
            if self.rows > MAX_ROWS {
                return Err(file_problem(
                    &self.name,
                    &crate::tr!(
                        "超过 {MAX_ROWS} 行；请拆分后导入",
                        "has more than {MAX_ROWS} rows; split it"
                    ),
                ));
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
        return refuse(crate::tr!(
            "该行超过 {MAX_RECORD_BYTES} 字节",
            "the row is longer than {MAX_RECORD_BYTES} bytes"
        ));
    }
    record.clear();
    for field in raw.iter() {
        let Ok(text) = std::str::from_utf8(field) else {
            return refuse(crate::tr!(
                "文件开头是 UTF-8，但这一行不是有效的 UTF-8；请把整个文件另存为“CSV UTF-8”",
                "this row is not valid UTF-8 though the file starts as UTF-8; save the whole file as \"CSV UTF-8\""
            ));
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
                    let message = crate::lang::pick(
                        "文件已不再是 GB18030 文本（导入期间被改动了吗？）",
                        "the file is no longer GB18030 text (was it changed while it was imported?)",
                    );
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

pub(crate) fn file_problem(name: &str, what: &str) -> Error {
    Error::rejected(Problem::new(Check::File, format!("{name} {what}")))
}

/// A failure of the csv reader itself (reading the file), at the line it names if any.
pub(crate) fn csv_problem(name: &str, line: Option<u64>, e: &csv::Error) -> Error {
    let problem = Problem::new(Check::File, crate::tr!("无法读取该 CSV：{e}", "cannot read the CSV: {e}"));
    Error::rejected(match line.filter(|l| *l > 0) {
        Some(line) => problem.at(name, line),
        None => Problem { file: Some(name.to_string()), ..problem },
    })
}

/// A column's name in messages: the header as the file writes it (with its unit), followed
/// by the English name unless the header is that name.
fn label(mapped: Option<&Mapped>, name: &str) -> String {
    match mapped {
        Some(m) if !split_unit(&m.header).0.eq_ignore_ascii_case(name) => format!("{} ({name})", m.header),
        Some(m) => m.header.clone(),
        None => name.to_string(),
    }
}

/// A header without the unit it states in brackets at its end, and that unit:
/// `金额（万元）` is (`金额`, 万元), `amount (yuan)` is (`amount`, yuan). Brackets that hold no
/// unit are part of the name (`县（市、区）`).
fn split_unit(header: &str) -> (&str, Option<AmountUnit>) {
    let Some(inner_end) = header.strip_suffix([')', '）']) else {
        return (header, None);
    };
    let Some(open) = inner_end.rfind(['(', '（']) else {
        return (header, None);
    };
    let bracket_len = inner_end[open..].chars().next().map_or(1, char::len_utf8);
    let unit = inner_end[open + bracket_len..].trim().to_lowercase();
    let unit = match unit.as_str() {
        "元" | "yuan" => AmountUnit::Yuan,
        "万元" | "wan" | "10k yuan" => AmountUnit::Wan,
        _ => return (header, None),
    };
    (inner_end[..open].trim_end(), Some(unit))
}

type HeaderMap = (Vec<Option<Mapped>>, Vec<String>);

/// The most items of a list (header cells, ignored columns) a message shows.
const MAX_LISTED: usize = 20;

/// `a, b, c`, or the first `MAX_LISTED` items and how many more.
pub(crate) fn shown_list(items: &[String]) -> String {
    let shown = items[..items.len().min(MAX_LISTED)].join(", ");
    match items.len().saturating_sub(MAX_LISTED) {
        0 => shown,
        n => crate::tr!("{shown} …… 另有 {n} 个", "{shown} … and {n} more"),
    }
}

fn map_header(name: &str, line: u64, header: &csv::StringRecord, columns: &[Column]) -> Result<HeaderMap> {
    let mut map: Vec<Option<Mapped>> = vec![None; columns.len()];
    let mut ignored = Vec::new();
    let mut problems = Vec::new();
    for (index, raw) in header.iter().enumerate() {
        let written = raw.trim().trim_start_matches('\u{feff}').trim();
        // Excel sheets often state the unit in the header: 金额（元）, 金额（万元）, amount (yuan).
        let (h, unit) = split_unit(written);
        if h.is_empty() {
            continue;
        }
        let found = columns.iter().position(|c| c.name.eq_ignore_ascii_case(h) || c.aliases.contains(&h));
        let Some(i) = found else {
            ignored.push(echo(written));
            continue;
        };
        if let Some(first) = &map[i] {
            problems.push(Problem::new(Check::File, {
                let (a, b, c) = (echo(&first.header), echo(written), columns[i].name);
                crate::tr!(
                    "列 '{a}' 和 '{b}' 都是 {c}；请只保留一列",
                    "columns '{a}' and '{b}' both give {c}; keep one"
                )
            }));
            continue;
        }
        if unit == Some(AmountUnit::Wan) && !columns[i].money {
            problems.push(Problem::new(
                Check::File,
                {
                    let (w, c) = (echo(written), columns[i].name);
                    crate::tr!(
                        "列 '{w}' 标明万元，但 {c} 不是按万元读取的金额；请去掉表头中的单位",
                        "column '{w}' says 万元, but {c} is not an amount read in 万元; remove the unit from the header"
                    )
                },
            ));
            continue;
        }
        map[i] = Some(Mapped { index, header: written.to_string(), unit: unit.unwrap_or_default() });
    }
    for (i, c) in columns.iter().enumerate() {
        if c.required && map[i].is_none() {
            problems.push(Problem::new(Check::File, {
                let (name, zh) = (c.name, c.aliases.first().copied().unwrap_or(""));
                let has = shown_list(&header.iter().map(|h| echo(h.trim())).collect::<Vec<_>>());
                crate::tr!(
                    "缺少列 {zh}（{name}）；表头为：{has}",
                    "missing column {name} ({zh}); the header has: {has}"
                )
            }));
        }
    }
    if problems.is_empty() {
        Ok((map, ignored))
    } else {
        Err(Error::Rejected(problems.into_iter().map(|p| p.at(name, line)).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cells: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(cells.to_vec())
    }

    const MONEY: &[Column] = &[col("date", &["日期"], true), money_col("amount", &["金额"], false)];

    #[test]
    fn a_header_states_its_unit_in_brackets_at_its_end() {
        use AmountUnit::{Wan, Yuan};
        for (written, base, unit) in [
            ("金额（万元）", "金额", Some(Wan)),
            ("金额(万元)", "金额", Some(Wan)),
            ("金额 (万元）", "金额", Some(Wan)),
            ("amount (wan)", "amount", Some(Wan)),
            ("Amount (WAN)", "Amount", Some(Wan)),
            ("amount(万元)", "amount", Some(Wan)),
            ("amount (10k yuan)", "amount", Some(Wan)),
            ("金额（元）", "金额", Some(Yuan)),
            ("amount (yuan)", "amount", Some(Yuan)),
            ("金额", "金额", None),
            ("县（市、区）", "县（市、区）", None),
            ("金额（亩）", "金额（亩）", None),
            ("（万元）", "", Some(Wan)),
        ] {
            assert_eq!(split_unit(written), (base, unit), "{written}");
        }
    }

    #[test]
    fn a_money_column_in_wan_is_read_in_wan_and_others_refuse_it() {
        // The English text of the messages (the Chinese is the default).
        crate::lang::set(crate::lang::Lang::En);
        let (map, ignored) =
            map_header("f.csv", 1, &header(&["日期", "金额（万元）"]), MONEY).expect("mapped");
        assert!(ignored.is_empty());
        let amount = map[1].as_ref().expect("amount found");
        assert_eq!((amount.unit, amount.header.as_str()), (AmountUnit::Wan, "金额（万元）"));
        assert_eq!(label(Some(amount), "amount"), "金额（万元） (amount)");
        let (map, _) = map_header("f.csv", 1, &header(&["date", "amount (wan)"]), MONEY).expect("mapped");
        assert_eq!(label(map[1].as_ref(), "amount"), "amount (wan)");
        let (map, _) = map_header("f.csv", 1, &header(&["日期(元)", "金额"]), MONEY).expect("mapped");
        assert_eq!(map[1].as_ref().map(|m| m.unit), Some(AmountUnit::Yuan));

        let err = map_header("f.csv", 1, &header(&["日期（万元）", "金额"]), MONEY).expect_err("refused");
        assert!(err.to_string().contains("says 万元, but date is not an amount"), "{err}");
        let err =
            map_header("f.csv", 1, &header(&["日期", "金额（元）", "金额（万元）"]), MONEY).expect_err("two");
        assert!(err.to_string().contains("'金额（元）' and '金额（万元）' both give amount"), "{err}");
    }
}
