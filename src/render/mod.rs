//! Rendering: a report is a typed value (`crate::report`); this module shows it. JSON is the
//! value itself, serialised (`json.rs`). For the terminal, CSV and Excel, the report's own
//! layout file (`balances.rs`, `statement.rs`, …) lays the value out as a `Report` table, or a
//! `Doc` of several, which the view files turn into text (`table.rs`), CSV (`csv.rs`) or a
//! workbook (`xlsx.rs`). Reports never format themselves, so every format shows the same
//! figures, and this module never reads the ledger.
//!
//! Money stays `Fen` until the last moment: tables group thousands, CSV writes plain yuan, or
//! with `--unit wan` both write 万元 with two decimals and thousands separators (`1,234.57`,
//! rounded for display only, which a table's last line says; totals are summed in fen before
//! they are rounded). JSON writes yuan strings with exactly two decimals and never floats. CSV
//! written to a file starts with a UTF-8 BOM so Excel opens the Chinese text correctly. A
//! text cell that Excel would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
//! CR: OWASP's list) is prefixed with `'` in CSV; money, counts and percentages are never
//! prefixed, so `-5.00` stays a number. JSON keeps text verbatim. .xlsx cells are typed: text
//! is written as a string cell, never a formula. In .xlsx, money is a numeric cell with a two-decimal
//! format (Excel's cells are binary floating point; the value written is the decimal yuan
//! figure, and every total is summed in fen before it is written).

mod csv;
pub mod json;
mod out;
mod table;
mod xlsx;

pub mod acceptance;
pub mod allocation;
pub mod approvals;
pub mod balances;
pub mod catalog;
pub mod check;
pub mod contracts;
pub mod entitlements;
pub mod history;
pub mod journal;
pub mod letters;
pub mod reconcile;
pub mod review;
pub mod statement;
pub mod users;
pub mod verification;

pub use out::Out;

use crate::error::{Error, Result};
use crate::money::Fen;
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    /// An Excel workbook (needs `--out FILE.xlsx`).
    Xlsx,
}

pub use crate::lang::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Unit {
    Yuan,
    Wan,
}

/// A column: its JSON key (also the English header) and its Chinese header.
#[derive(Clone, Debug)]
pub struct Col {
    pub key: &'static str,
    pub zh: &'static str,
}

pub const fn c(key: &'static str, zh: &'static str) -> Col {
    Col { key, zh }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Money(Fen),
    Int(i64),
    /// A percentage with two decimals (`87.50` means 87.50%); JSON writes it as a string.
    Percent(rust_decimal::Decimal),
    /// A fixed label in both languages (a subtotal's name): the header language picks one.
    Label {
        zh: &'static str,
        en: &'static str,
    },
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<Fen> for Cell {
    fn from(f: Fen) -> Cell {
        Cell::Money(f)
    }
}

/// A table of figures: rows, and optionally a totals row.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub title: String,
    pub columns: Vec<Col>,
    pub rows: Vec<Vec<Cell>>,
    pub totals: Option<Vec<Cell>>,
    /// Lines printed under a table (not in CSV or JSON).
    pub notes: Vec<String>,
    /// The JSON key of the rows (default `rows`).
    pub json_key: &'static str,
    /// Indices of rows that are subtotals: bold in tables and workbooks, and listed under
    /// `subtotals` in JSON rather than among the rows, so summing `rows` counts nothing twice.
    pub subtotals: BTreeSet<usize>,
    /// The worksheet name in a workbook (default: the title).
    pub sheet: String,
}

/// How to render.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub format: Format,
    pub lang: Lang,
    pub unit: Unit,
}

impl Cell {
    pub(crate) fn text(&self, lang: Lang, unit: Unit, grouped: bool) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Label { zh, en } => match lang {
                Lang::Zh => zh.to_string(),
                Lang::En => en.to_string(),
            },
            Cell::Money(f) => match (unit, grouped) {
                (Unit::Wan, _) => f.wan(),
                (Unit::Yuan, true) => f.yuan_grouped(),
                (Unit::Yuan, false) => f.yuan(),
            },
            Cell::Int(i) => i.to_string(),
            Cell::Percent(p) => format!("{p:.2}%"),
            Cell::Empty => String::new(),
        }
    }
}

impl Report {
    /// Appends a row; a subtotal row is marked as one.
    pub fn push(&mut self, cells: Vec<Cell>, subtotal: bool) {
        if subtotal {
            self.subtotals.insert(self.rows.len());
        }
        self.rows.push(cells);
    }

    pub(crate) fn headers(&self, lang: Lang, unit: Unit) -> Vec<String> {
        let suffix = match (unit, lang) {
            (Unit::Wan, Lang::Zh) => "（万元）",
            (Unit::Wan, Lang::En) => " (10k yuan)",
            _ => "",
        };
        self.columns
            .iter()
            .enumerate()
            .map(|(i, col)| {
                let name = match lang {
                    Lang::Zh => col.zh.to_string(),
                    Lang::En => col.key.to_string(),
                };
                let is_money =
                    self.rows.iter().chain(&self.totals).any(|r| matches!(r.get(i), Some(Cell::Money(_))));
                if is_money {
                    format!("{name}{suffix}")
                } else {
                    name
                }
            })
            .collect()
    }
}

/// Prefixes text that Excel would evaluate as a formula with `'`, so it stays text. Only for
/// text: a figure is written by `Cell::csv` as it is, however it starts.
pub fn excel_safe(s: &str) -> String {
    if excel_would_run(s) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Whether Excel would run `s` as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return).
pub(crate) fn excel_would_run(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Writes to stdout; when the reader has gone away (`fundledger … | head`), exits quietly
/// instead of failing: every write has committed before anything is printed about it.
pub fn stdout_write(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        stdout_failed(&e);
    }
}

fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to stdout: {e}");
    std::process::exit(1);
}

/// Standard output for a report written as it is made (a CSV or JSON of tens of megabytes is
/// never held whole in memory); a failed write is handled as `stdout_write` handles it.
struct Stdout(std::io::StdoutLock<'static>);

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).or_else(|e| stdout_failed(&e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().or_else(|e| stdout_failed(&e))
    }
}

/// Where output goes, written by `write` as it is made: stdout through a buffer, or a file
/// (`--out`, written whole once made, as `emit` writes it).
fn stream(out: Option<&Out>, bom: bool, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    match out {
        None => {
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, Stdout(std::io::stdout().lock()));
            write(&mut stdout)?;
            stdout.flush().map_err(|e| Error::Internal(format!("writing to stdout: {e}")))
        }
        Some(_) => {
            let mut bytes = Vec::new();
            write(&mut bytes)?;
            emit(out, &bytes, bom)
        }
    }
}

/// `println!` for command output, through `stdout_write`.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::render::stdout_write(b"\n")
    };
    ($($arg:tt)*) => {
        $crate::render::stdout_write(format!("{}\n", format_args!($($arg)*)).as_bytes())
    };
}

/// Where output goes: stdout, or a file (`--out`, see `Out` for what it never replaces).
pub fn emit(out: Option<&Out>, bytes: &[u8], bom: bool) -> Result<()> {
    match out {
        None => stdout_write(bytes),
        Some(out) => {
            let mut data = Vec::with_capacity(bytes.len() + 3);
            if bom {
                data.extend_from_slice(b"\xEF\xBB\xBF");
            }
            data.extend_from_slice(bytes);
            out.write(&data)?;
            eprintln!("wrote {}", crate::error::shown_path(&out.path));
        }
    }
    Ok(())
}

/// Renders a report in the chosen format to stdout or `--out`.
pub fn print(report: &Report, style: Options, out: Option<&Out>) -> Result<()> {
    let doc = Doc { sections: vec![report.clone()], ..Doc::default() };
    print_doc(&doc, style, out)
}

pub use crate::model::Fingerprint;

/// Several reports printed together (a multi-part report), with the fingerprint of the
/// ledger they were computed from.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    pub title: String,
    pub fingerprint: Option<Fingerprint>,
    /// Printed one after another; in JSON a single section is the whole document, several
    /// are keyed by their `json_key`.
    pub sections: Vec<Report>,
    /// The workbook's sheets when they differ from the sections (e.g. one per department).
    pub sheets: Vec<Report>,
    /// Key every section in JSON even when there is one, for a document whose sections
    /// vary (reconcile without `--payments`), so its JSON keeps one shape.
    pub nest: bool,
}

impl Doc {
    fn fingerprint_line(&self, lang: Lang) -> Option<String> {
        self.fingerprint.as_ref().map(|f| match lang {
            Lang::Zh => format!("账本指纹：{} 笔分录，审计链头 {}", f.entries, f.hash),
            Lang::En => format!("ledger fingerprint: {f}"),
        })
    }

    pub fn to_xlsx(&self, lang: Lang, unit: Unit) -> Result<Vec<u8>> {
        let mut sheets = if self.sheets.is_empty() { self.sections.clone() } else { self.sheets.clone() };
        // Each sheet names what it is part of: a sheet printed on its own still says which
        // report, year and project it comes from.
        for sheet in &mut sheets {
            if !self.title.is_empty() && !sheet.title.starts_with(&self.title) {
                sheet.title = match sheet.title.as_str() {
                    "" => self.title.clone(),
                    t => format!("{} — {t}", self.title),
                };
            }
        }
        let footer: Vec<String> = self.fingerprint_line(lang).into_iter().collect();
        xlsx::workbook(&sheets.iter().collect::<Vec<_>>(), lang, unit, &footer)
    }
}

/// Renders a report value: JSON is the value itself (serde); the other formats show the
/// layout `doc` makes of it.
pub fn print_value<T: Serialize>(
    value: &T,
    doc: impl FnOnce() -> Doc,
    style: Options,
    out: Option<&Out>,
) -> Result<()> {
    match style.format {
        Format::Json => stream(out, false, |w| json::write_json(value, w)),
        _ => print_doc(&doc(), style, out),
    }
}

/// `print_value` for a report printed under a title (a multi-part document): JSON is the
/// value with the title first.
pub fn print_titled<T: Serialize>(
    title: &str,
    value: &T,
    doc: impl FnOnce() -> Doc,
    style: Options,
    out: Option<&Out>,
) -> Result<()> {
    print_value(&json::Titled { title, body: value }, doc, style, out)
}

/// Renders a document in the chosen format to stdout or `--out`.
pub fn print_doc(doc: &Doc, style: Options, out: Option<&Out>) -> Result<()> {
    match style.format {
        Format::Table => emit(out, doc.to_table(style.lang, style.unit).as_bytes(), false),
        Format::Csv => stream(out, out.is_some(), |w| doc.write_csv(style.lang, style.unit, w)),
        Format::Json => stream(out, false, |w| json::write_json(&doc.to_json_value(), w)),
        Format::Xlsx => {
            let Some(path) = out else {
                let problem = crate::error::Problem::new(
                    crate::error::Check::Format,
                    "an Excel workbook is written to a file: add --out FILE.xlsx".to_string(),
                )
                .column("--format");
                return Err(Error::BadRequest(vec![problem]));
            };
            emit(Some(path), &doc.to_xlsx(style.lang, style.unit)?, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORMULAS: [&str; 7] =
        ["=HYPERLINK(\"http://evil\",\"点我\")", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "-5.00"];

    fn csv_cells(report: &Report, unit: Unit) -> Vec<Vec<String>> {
        let bytes = report.to_csv(Lang::En, unit).expect("CSV");
        let mut reader = ::csv::ReaderBuilder::new().has_headers(true).from_reader(bytes.as_slice());
        reader.records().map(|r| r.expect("CSV row").iter().map(str::to_string).collect()).collect()
    }

    #[test]
    fn csv_makes_text_that_starts_like_a_formula_inert() {
        let report = Report {
            columns: FORMULAS.iter().map(|_| c("text", "文本")).chain([c("plain", "普通")]).collect(),
            rows: vec![FORMULAS
                .iter()
                .map(|f| Cell::from(*f))
                .chain([Cell::from("南湖区 = 嘉兴")])
                .collect()],
            ..Report::default()
        };
        let rows = csv_cells(&report, Unit::Yuan);
        let expected: Vec<String> =
            FORMULAS.iter().map(|f| format!("'{f}")).chain(["南湖区 = 嘉兴".to_string()]).collect();
        assert_eq!(rows, vec![expected]);
    }

    #[test]
    fn csv_leaves_figures_alone_however_they_start() {
        let figures = vec![
            Cell::Money(Fen(-500_000)),
            Cell::Money(Fen(-500)),
            Cell::Int(-3),
            Cell::Percent(rust_decimal::Decimal::new(-512, 2)),
        ];
        let report = Report {
            columns: vec![c("a", "a"), c("b", "b"), c("c", "c"), c("d", "d")],
            rows: vec![figures.clone()],
            totals: Some(figures),
            ..Report::default()
        };
        let yuan = vec!["-5000.00", "-5.00", "-3", "-5.12%"];
        assert_eq!(csv_cells(&report, Unit::Yuan), vec![yuan.clone(), yuan]);
        let wan = vec!["-0.50", "0.00", "-3", "-5.12%"];
        assert_eq!(csv_cells(&report, Unit::Wan), vec![wan.clone(), wan]);
    }

    /// Formula-looking text is a string cell and never a formula; negative money is a number.
    #[test]
    fn xlsx_writes_text_as_strings_and_money_as_numbers() {
        use calamine::Reader as _;
        let report = Report {
            title: "t".into(),
            columns: FORMULAS.iter().map(|_| c("text", "文本")).chain([c("amount", "金额")]).collect(),
            rows: vec![FORMULAS.iter().map(|f| Cell::from(*f)).chain([Cell::Money(Fen(-500))]).collect()],
            ..Report::default()
        };
        let doc = Doc { sections: vec![report], ..Doc::default() };
        let bytes = doc.to_xlsx(Lang::En, Unit::Yuan).expect("workbook");
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("read back");
        let sheet = book.sheet_names()[0].clone();
        let formulas = book.worksheet_formula(&sheet).expect("formulas");
        assert!(formulas.rows().flatten().all(String::is_empty), "a cell holds a formula");
        let range = book.worksheet_range(&sheet).expect("values");
        let row = range.rows().nth(2).expect("the data row");
        for (cell, text) in row.iter().zip(FORMULAS) {
            assert_eq!(cell, &calamine::Data::String(text.to_string()));
        }
        assert_eq!(row[FORMULAS.len()], calamine::Data::Float(-5.0));
    }

    #[test]
    fn json_keeps_text_verbatim() {
        let report = Report {
            columns: vec![c("memo", "摘要"), c("amount", "金额")],
            rows: vec![vec![Cell::from(FORMULAS[0]), Cell::Money(Fen(-500))]],
            ..Report::default()
        };
        let json = report.to_json_value();
        assert_eq!(json["rows"][0]["memo"], FORMULAS[0]);
        assert_eq!(json["rows"][0]["amount"], "-5.00");
    }
}
