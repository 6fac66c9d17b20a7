//! Rendering: a report is plain data (`Report`); this module turns it into a terminal table,
//! CSV or JSON. Reports never format themselves, so every format shows the same figures.
//!
//! Money stays `Fen` until the last moment: tables group thousands, CSV writes plain yuan (or
//! 万元 when asked), JSON writes yuan strings with exactly two decimals and never floats. CSV
//! written to a file starts with a UTF-8 BOM so Excel opens the Chinese text correctly. Cells
//! that Excel would run as formulas are prefixed with `'` in CSV.

use crate::error::Result;
use crate::money::Fen;
use serde_json::{Map, Value};
use std::io::Write;
use std::path::Path;
use tabled::builder::Builder;
use tabled::settings::{object::Columns, Alignment, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

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
}

/// How to render.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub format: Format,
    pub lang: Lang,
    pub unit: Unit,
}

impl Cell {
    fn text(&self, unit: Unit, grouped: bool) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Money(f) => match (unit, grouped) {
                (Unit::Wan, _) => f.wan(),
                (Unit::Yuan, true) => f.yuan_grouped(),
                (Unit::Yuan, false) => f.yuan(),
            },
            Cell::Int(i) => i.to_string(),
            Cell::Empty => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Money(f) => Value::String(f.yuan()),
            Cell::Int(i) => Value::from(*i),
            Cell::Empty => Value::Null,
        }
    }
}

impl Report {
    fn headers(&self, lang: Lang, unit: Unit) -> Vec<String> {
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

    pub fn to_table(&self, lang: Lang, unit: Unit) -> String {
        let mut b = Builder::default();
        b.push_record(self.headers(lang, unit));
        for row in self.rows.iter().chain(&self.totals) {
            b.push_record(row.iter().map(|c| c.text(unit, true)));
        }
        let mut table = b.build();
        table.with(Style::psql());
        for (i, _) in self.columns.iter().enumerate() {
            let money =
                self.rows.iter().any(|r| matches!(r.get(i), Some(Cell::Money(_)) | Some(Cell::Int(_))));
            if money {
                table.modify(Columns::one(i), Alignment::right());
            }
        }
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&self.title);
            out.push('\n');
        }
        out.push_str(&table.to_string());
        out.push('\n');
        for note in &self.notes {
            out.push_str(note);
            out.push('\n');
        }
        out
    }

    pub fn to_csv(&self, lang: Lang, unit: Unit) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| crate::error::Error::Internal(format!("writing CSV: {e}"));
        w.write_record(self.headers(lang, unit)).map_err(csv_err)?;
        for row in self.rows.iter().chain(&self.totals) {
            w.write_record(row.iter().map(|c| excel_safe(&c.text(unit, false)))).map_err(csv_err)?;
        }
        w.into_inner().map_err(|e| crate::error::Error::Internal(format!("writing CSV: {e}")))
    }

    pub fn to_json_value(&self) -> Value {
        let object = |row: &Vec<Cell>| {
            let mut m = Map::new();
            for (col, cell) in self.columns.iter().zip(row) {
                m.insert(col.key.to_string(), cell.json());
            }
            Value::Object(m)
        };
        let mut top = Map::new();
        let key = if self.json_key.is_empty() { "rows" } else { self.json_key };
        top.insert(key.into(), Value::Array(self.rows.iter().map(object).collect()));
        if let Some(t) = &self.totals {
            top.insert("totals".into(), object(t));
        }
        Value::Object(top)
    }
}

/// Prefixes a cell Excel would evaluate as a formula, so exported text stays text.
pub fn excel_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '@', '\t', '\r']) || (s.starts_with('-') && Fen::parse_yuan(s).is_err()) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Writes to stdout; when the reader has gone away (`fundledger … | head`), exits quietly
/// instead of failing: every write has committed before anything is printed about it.
pub fn stdout_write(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
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

/// Where output goes: stdout, or a file (`--out`).
pub fn emit(out: Option<&Path>, bytes: &[u8], bom: bool) -> Result<()> {
    match out {
        None => stdout_write(bytes),
        Some(path) => {
            let mut data = Vec::with_capacity(bytes.len() + 3);
            if bom {
                data.extend_from_slice(b"\xEF\xBB\xBF");
            }
            data.extend_from_slice(bytes);
            std::fs::write(path, data).map_err(|e| {
                crate::error::Error::Internal(format!("cannot write {}: {e}", path.display()))
            })?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// Renders a report in the chosen format to stdout or `--out`.
pub fn print(report: &Report, style: Options, out: Option<&Path>) -> Result<()> {
    match style.format {
        Format::Table => emit(out, report.to_table(style.lang, style.unit).as_bytes(), false),
        Format::Csv => emit(out, &report.to_csv(style.lang, style.unit)?, out.is_some()),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&report.to_json_value())
                .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
            text.push('\n');
            emit(out, text.as_bytes(), false)
        }
    }
}
