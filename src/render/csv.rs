//! The CSV view: the table's header and rows as Excel reads them. Text Excel would run as a
//! formula is made inert (`excel_safe`); money, counts and percentages are written as they
//! are. A document with several sections writes each under a title row; the fingerprint is
//! a last row.

use super::{excel_safe, Cell, Doc, Lang, Report, Unit};
use crate::error::{Error, Result};

impl Cell {
    /// The cell as CSV text: text Excel would run as a formula made inert (`excel_safe`),
    /// figures as they are.
    pub(super) fn csv(&self, lang: Lang, unit: Unit) -> String {
        match self {
            Cell::Text(_) | Cell::Label { .. } => excel_safe(&self.text(lang, unit, false)),
            Cell::Money(_) | Cell::Int(_) | Cell::Percent(_) | Cell::Empty => self.text(lang, unit, false),
        }
    }
}

impl Report {
    pub fn to_csv(&self, lang: Lang, unit: Unit) -> Result<Vec<u8>> {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        w.write_record(self.headers(lang, unit)).map_err(csv_err)?;
        for row in self.rows.iter().chain(&self.totals) {
            w.write_record(row.iter().map(|c| c.csv(lang, unit))).map_err(csv_err)?;
        }
        w.into_inner().map_err(|e| Error::Internal(format!("writing CSV: {e}")))
    }
}

impl Doc {
    /// One section: its table, then the fingerprint as a last row. Several: each under a
    /// title row, separated by a blank row.
    pub fn to_csv(&self, lang: Lang, unit: Unit) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let single = self.sections.len() == 1;
        for (i, section) in self.sections.iter().enumerate() {
            if !single {
                if i > 0 {
                    out.extend_from_slice(b"\n");
                }
                out.extend_from_slice(&csv_line(&[section.title.as_str()])?);
            }
            out.extend_from_slice(&section.to_csv(lang, unit)?);
        }
        if let Some(f) = &self.fingerprint {
            let (label, value) = match lang {
                Lang::Zh => ("账本指纹", format!("{} 笔分录，审计链头 {}", f.entries, f.hash)),
                Lang::En => ("ledger fingerprint", f.to_string()),
            };
            out.extend_from_slice(&csv_line(&[label, &value])?);
        }
        Ok(out)
    }
}

fn csv_line(cells: &[&str]) -> Result<Vec<u8>> {
    let mut w = ::csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    w.write_record(cells.iter().map(|c| excel_safe(c)))
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))?;
    w.into_inner().map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}
