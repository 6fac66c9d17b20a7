//! The terminal view: a report's table (psql style, figures right-aligned, thousands
//! grouped), its title above and its notes below; a document is its sections one after
//! another under its title and the ledger's fingerprint.

use super::{Cell, Doc, Lang, Report, Unit};
use tabled::builder::Builder;
use tabled::settings::{object::Columns, Alignment, Style};

impl Report {
    pub fn to_table(&self, lang: Lang, unit: Unit) -> String {
        let mut b = Builder::default();
        b.push_record(self.headers(lang, unit));
        for row in self.rows.iter().chain(&self.totals) {
            // Text from outside (file names in the journal, names with a bidi control) is
            // escaped, so a table cannot drive the terminal that shows it.
            b.push_record(row.iter().map(|c| crate::error::escaped(&c.text(lang, unit, true)).into_owned()));
        }
        let mut table = b.build();
        table.with(Style::psql());
        for (i, _) in self.columns.iter().enumerate() {
            let money = self
                .rows
                .iter()
                .any(|r| matches!(r.get(i), Some(Cell::Money(_) | Cell::Int(_) | Cell::Percent(_))));
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
}

impl Doc {
    pub fn to_table(&self, lang: Lang, unit: Unit) -> String {
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&self.title);
            out.push('\n');
        }
        if let Some(line) = self.fingerprint_line(lang) {
            out.push_str(&line);
            out.push('\n');
        }
        for (i, section) in self.sections.iter().enumerate() {
            if i > 0 || !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&section.to_table(lang, unit));
        }
        out
    }
}
