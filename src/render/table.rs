//! The terminal view: a report's table (psql style, figures right-aligned, thousands
//! grouped), its title above and its notes below; a document is its sections one after
//! another under its title and the ledger's fingerprint. In 万元 a last line says that the
//! figures are rounded for display and the totals summed in fen.

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
        let has_money = self.sections.iter().any(Report::has_money);
        if unit == Unit::Wan && has_money {
            out.push_str(wan_note(lang));
            out.push('\n');
        }
        out
    }
}

impl Report {
    fn has_money(&self) -> bool {
        self.rows.iter().chain(&self.totals).flatten().any(|c| matches!(c, Cell::Money(_)))
    }
}

/// Why rows shown in 万元 may not add up to their total to the last decimal.
fn wan_note(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => {
            "金额单位：万元，四舍五入显示两位小数；合计按分累加后再折算，各行之和与合计可能相差尾数。"
        }
        Lang::En => {
            "Amounts in 10k yuan (万元), rounded to two decimals for display; totals are summed in fen \
             before rounding, so the rows may differ from them in the last decimal."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{c, Cell, Doc, Lang, Report, Unit};
    use crate::money::Fen;

    #[test]
    fn wan_tables_show_two_grouped_decimals_and_say_they_are_rounded() {
        let rows = [Fen(1_234_565_000), Fen(4_999), Fen(-5_000)];
        let report = Report {
            columns: vec![c("amount", "金额")],
            rows: rows.iter().map(|f| vec![Cell::Money(*f)]).collect(),
            totals: Some(vec![Cell::Money(rows.iter().copied().sum())]),
            ..Report::default()
        };
        let doc = Doc { sections: vec![report], ..Doc::default() };
        let text = doc.to_table(Lang::Zh, Unit::Wan);
        for shown in ["金额（万元）", "1,234.57", " 0.00", "-0.01", "1,234.56", "四舍五入"] {
            assert!(text.contains(shown), "{shown:?} missing from\n{text}");
        }
        assert!(!doc.to_table(Lang::Zh, Unit::Yuan).contains("四舍五入"));
    }
}
