//! The CSV view: the table's header and rows as Excel reads them. Text Excel would run as a
//! formula is made inert (`excel_safe`); money, counts and percentages are written as they
//! are. A document with several sections writes each under a title row; the fingerprint is
//! a last row.

use super::{excel_safe, excel_would_run, Cell, Doc, Lang, Report, Unit};
use crate::error::{Error, Result};
use std::io::Write;

fn written(e: std::io::Error) -> Error {
    Error::Internal(format!("writing CSV: {e}"))
}

impl Cell {
    /// The cell as CSV text, written into `text` (cleared first, so that a long report reuses
    /// one buffer): text Excel would run as a formula made inert (`excel_safe`), figures as
    /// they are.
    fn csv_into(&self, lang: Lang, unit: Unit, text: &mut String) {
        use std::fmt::Write as _;
        text.clear();
        match self {
            Cell::Text(s) => {
                if excel_would_run(s) {
                    text.push('\'');
                }
                text.push_str(s);
            }
            Cell::Label { .. } => text.push_str(&excel_safe(&self.text(lang, unit, false))),
            Cell::Money(f) if unit == Unit::Yuan => {
                // Writing into a String cannot fail.
                let _ = write!(text, "{f}");
            }
            Cell::Money(_) | Cell::Int(_) | Cell::Percent(_) | Cell::Empty => {
                text.push_str(&self.text(lang, unit, false))
            }
        }
    }
}

impl Report {
    pub fn to_csv(&self, lang: Lang, unit: Unit) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.write_csv(lang, unit, &mut out)?;
        Ok(out)
    }

    /// Writes the report's header and rows to `out` as CSV.
    fn write_csv(&self, lang: Lang, unit: Unit, out: &mut dyn Write) -> Result<()> {
        let csv_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(self.headers(lang, unit)).map_err(csv_err)?;
        let mut text = String::new();
        for row in self.rows.iter().chain(&self.totals) {
            for cell in row {
                cell.csv_into(lang, unit, &mut text);
                w.write_field(&text).map_err(csv_err)?;
            }
            w.write_record(None::<&[u8]>).map_err(csv_err)?;
        }
        w.flush().map_err(written)
    }
}

impl Doc {
    /// One section: its table, then the fingerprint as a last row. Several: each under a
    /// title row, separated by a blank row.
    pub fn to_csv(&self, lang: Lang, unit: Unit) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.write_csv(lang, unit, &mut out)?;
        Ok(out)
    }

    /// `to_csv`, written to `out` as it is made.
    pub fn write_csv(&self, lang: Lang, unit: Unit, out: &mut dyn Write) -> Result<()> {
        let single = self.sections.len() == 1;
        for (i, section) in self.sections.iter().enumerate() {
            if !single {
                if i > 0 {
                    out.write_all(b"\n").map_err(written)?;
                }
                out.write_all(&csv_line(&[section.title.as_str()])?).map_err(written)?;
            }
            section.write_csv(lang, unit, out)?;
        }
        if let Some(f) = &self.fingerprint {
            let (label, value) = match lang {
                Lang::Zh => ("账本指纹", format!("{} 笔分录，审计链头 {}", f.entries, f.hash)),
                Lang::En => ("ledger fingerprint", f.to_string()),
            };
            out.write_all(&csv_line(&[label, &value])?).map_err(written)?;
        }
        Ok(())
    }
}

fn csv_line(cells: &[&str]) -> Result<Vec<u8>> {
    let mut w = ::csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    w.write_record(cells.iter().map(|c| excel_safe(c)))
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))?;
    w.into_inner().map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}
