//! Excel workbooks: one worksheet per report, a bold frozen header row, money as numeric
//! cells with a thousands-and-decimals format, bold subtotal and total rows, and column
//! widths that fit Chinese text (a CJK character is two columns wide).

use super::{Cell, Lang, Report, Unit};
use crate::error::{Error, Result};
use rust_xlsxwriter::{Format as XFormat, FormatBorder, Workbook, Worksheet, XlsxError};
use std::collections::HashSet;

/// Excel's limit on a worksheet name, in characters.
const MAX_SHEET_NAME: usize = 31;

fn xlsx_err(e: XlsxError) -> Error {
    Error::Internal(format!("writing the workbook: {e}"))
}

/// Formats shared by every sheet.
struct Styles {
    title: XFormat,
    header: XFormat,
    money: XFormat,
    money_bold: XFormat,
    int: XFormat,
    int_bold: XFormat,
    percent: XFormat,
    percent_bold: XFormat,
    text_bold: XFormat,
    note: XFormat,
}

impl Styles {
    fn new(unit: Unit) -> Styles {
        let money = match unit {
            Unit::Yuan => "#,##0.00",
            // The cell holds the exact figure; Excel shows it to two decimals, as the table does.
            Unit::Wan => "#,##0.00",
        };
        let total = |f: XFormat| f.set_bold().set_border_top(FormatBorder::Thin);
        Styles {
            title: XFormat::new().set_bold().set_font_size(14),
            header: XFormat::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color("#DDEBF7")
                .set_border_bottom(FormatBorder::Thin),
            money: XFormat::new().set_num_format(money),
            money_bold: total(XFormat::new().set_num_format(money)),
            int: XFormat::new().set_num_format("0"),
            int_bold: total(XFormat::new().set_num_format("0")),
            percent: XFormat::new().set_num_format("0.00%"),
            percent_bold: total(XFormat::new().set_num_format("0.00%")),
            text_bold: total(XFormat::new()),
            note: XFormat::new().set_italic().set_font_color("#595959"),
        }
    }
}

/// The width of text in Excel columns: CJK and full-width characters count two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 }).sum()
}

/// A worksheet name Excel accepts and no other sheet of the book has.
fn sheet_name(wanted: &str, taken: &mut HashSet<String>) -> String {
    let clean: String = wanted
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect::<String>()
        .trim()
        .to_string();
    let base: String = if clean.is_empty() { "Sheet".to_string() } else { clean };
    let mut n = 1;
    loop {
        let suffix = if n == 1 { String::new() } else { format!(" ({n})") };
        let keep = MAX_SHEET_NAME - suffix.chars().count();
        // Excel refuses a name that starts or ends with an apostrophe; trim after cutting.
        let cut: String = base.chars().take(keep).collect();
        let cut = match cut.trim_matches('\'').trim() {
            "" => "Sheet",
            c => c,
        };
        let name = format!("{cut}{suffix}");
        if taken.insert(name.to_lowercase()) {
            return name;
        }
        n += 1;
    }
}

/// Writes `reports` as the sheets of one workbook, `footer` lines under each table.
pub fn workbook(reports: &[&Report], lang: Lang, unit: Unit, footer: &[String]) -> Result<Vec<u8>> {
    let styles = Styles::new(unit);
    let mut book = Workbook::new();
    let mut taken = HashSet::new();
    for report in reports {
        let wanted = if report.sheet.is_empty() { &report.title } else { &report.sheet };
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(wanted, &mut taken)).map_err(xlsx_err)?;
        write_sheet(sheet, report, lang, unit, footer, &styles).map_err(xlsx_err)?;
    }
    if reports.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer().map_err(xlsx_err)
}

fn write_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    lang: Lang,
    unit: Unit,
    footer: &[String],
    styles: &Styles,
) -> std::result::Result<(), XlsxError> {
    let headers = report.headers(lang, unit);
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h).min(24)).collect();
    let mut row: u32 = 0;
    if !report.title.is_empty() {
        sheet.write_string_with_format(row, 0, &report.title, &styles.title)?;
        row += 1;
    }
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, header, &styles.header)?;
    }
    row += 1;
    sheet.set_freeze_panes(row, 0)?;
    let body = report.rows.iter().enumerate().map(|(i, r)| (r, report.subtotals.contains(&i)));
    for (cells, bold) in body.chain(report.totals.iter().map(|t| (t, true))) {
        for (col, cell) in cells.iter().enumerate() {
            write_cell(sheet, (row, col as u16), cell, bold, (lang, unit), styles)?;
            if let Some(w) = widths.get_mut(col) {
                *w = (*w).max(display_width(&cell.text(lang, unit, true)));
            }
        }
        row += 1;
    }
    row += 1;
    for line in report.notes.iter().chain(footer) {
        sheet.write_string_with_format(row, 0, line, &styles.note)?;
        row += 1;
    }
    // Column widths are in Excel's character units (an f64 in its API), not money.
    for (col, w) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, (*w + 2).clamp(6, 60) as f64)?;
    }
    Ok(())
}

/// Writes one cell: money, counts and percentages as typed numbers, text as a string (never a
/// formula); totals and subtotals in bold.
fn write_cell(
    sheet: &mut Worksheet,
    (row, c): (u32, u16),
    cell: &Cell,
    bold: bool,
    (lang, unit): (Lang, Unit),
    styles: &Styles,
) -> std::result::Result<(), XlsxError> {
    match cell {
        Cell::Money(f) => {
            let value = match unit {
                Unit::Yuan => f.to_yuan_decimal(),
                Unit::Wan => f.to_wan_decimal(),
            };
            sheet.write_with_format(row, c, value, if bold { &styles.money_bold } else { &styles.money })?;
        }
        Cell::Int(i) => {
            // A count (projects, payments), not money: Excel numbers are f64.
            sheet.write_with_format(row, c, *i as f64, if bold { &styles.int_bold } else { &styles.int })?;
        }
        Cell::Percent(p) => {
            // Excel keeps a percentage as a fraction: 87.50% is 0.875.
            let fraction = *p / rust_decimal::Decimal::ONE_HUNDRED;
            sheet.write_with_format(
                row,
                c,
                fraction,
                if bold { &styles.percent_bold } else { &styles.percent },
            )?;
        }
        Cell::Empty if bold => {
            sheet.write_blank(row, c, &styles.text_bold)?;
        }
        Cell::Empty => {}
        text => {
            let t = text.text(lang, unit, false);
            if bold {
                sheet.write_string_with_format(row, c, &t, &styles.text_bold)?;
            } else {
                sheet.write_string(row, c, &t)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_cleaned_cut_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(sheet_name("市自然资源和规划局", &mut taken), "市自然资源和规划局");
        assert_eq!(sheet_name("市自然资源和规划局", &mut taken), "市自然资源和规划局 (2)");
        assert_eq!(sheet_name("a/b:c[d]", &mut taken), "abcd");
        let long = "x".repeat(40);
        let name = sheet_name(&long, &mut taken);
        assert_eq!(name.chars().count(), MAX_SHEET_NAME);
        let again = sheet_name(&long, &mut taken);
        assert_eq!(again.chars().count(), MAX_SHEET_NAME);
        assert!(again.ends_with(" (2)"));
        assert_eq!(sheet_name("", &mut taken), "Sheet");
        let quoted = format!("{}'x", "y".repeat(30));
        assert_eq!(sheet_name(&quoted, &mut taken), "y".repeat(30));
    }

    #[test]
    fn chinese_characters_are_two_columns_wide() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("南湖区"), 6);
        assert_eq!(display_width("1,234.50"), 8);
    }
}
