//! Parsers of the plain values every file and option carries: flags, dates, codes, text.

use crate::error::echo;
use chrono::NaiveDate;

/// Parses `yes`/`no`/是/否/`true`/`false`/`1`/`0`/√ and empty as no.
pub fn parse_flag(text: &str) -> Result<bool, String> {
    match text.trim() {
        t if ["yes", "y", "true", "1"].iter().any(|v| t.eq_ignore_ascii_case(v)) => Ok(true),
        "是" | "√" | "✓" => Ok(true),
        t if ["no", "n", "false", "0", ""].iter().any(|v| t.eq_ignore_ascii_case(v)) => Ok(false),
        "否" => Ok(false),
        t => Err(format!("'{}' is not yes/no (是/否)", echo(t))),
    }
}

/// Parses `YYYY-MM-DD`, also `YYYY/MM/DD` and `YYYY.MM.DD` as Excel may write them, and
/// `YYYY年MM月DD日`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the date is empty".to_string());
    }
    let normalised: String = t.replace(['年', '月', '/', '.'], "-").replace('日', "");
    NaiveDate::parse_from_str(&normalised, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| format!("'{}' is not a date (write YYYY-MM-DD, e.g. 2024-03-15)", echo(t)))
}

/// A voucher's line number (分录号): a whole number from 1 to `MAX_VOUCHER_LINES`.
pub fn parse_voucher_line(text: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().ok().filter(|n| (1..=super::MAX_VOUCHER_LINES).contains(n)).ok_or_else(|| {
        format!(
            "'{}' is not a voucher line (a whole number from 1 to {})",
            echo(text.trim()),
            super::MAX_VOUCHER_LINES
        )
    })
}

/// The years a date or `--year` may name.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Longest accepted text in a code column (project, voucher …).
pub const MAX_CODE_CHARS: usize = 40;
/// Longest accepted free text (names, memos).
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest accepted name of a department, sub-project type or fund channel, and document
/// number of an appropriation (the schema's `CHECK (length(…) BETWEEN 1 AND 100)`).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest accepted county name (the schema's limit).
pub const MAX_COUNTY_NAME_CHARS: usize = 40;

/// Validates a user-chosen code: 1–40 characters, no control characters, no leading `=+-@`
/// (a cell Excel would run as a formula).
pub fn parse_code(text: &str, what: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if t.chars().count() > MAX_CODE_CHARS {
        return Err(format!("the {what} '{}' is longer than {MAX_CODE_CHARS} characters", echo(t)));
    }
    if t.chars().any(char::is_control) {
        return Err(format!("the {what} contains a control character"));
    }
    if let Some((at, c)) =
        t.chars().enumerate().find(|(_, c)| c.is_whitespace() || crate::error::invisible(*c).is_some())
    {
        let kind = crate::error::invisible(c).unwrap_or("a space");
        return Err(format!(
            "the {what} '{}' contains U+{:04X} ({kind}) at character {}; codes take visible characters only, or two codes would look the same",
            echo(t),
            u32::from(c),
            at + 1
        ));
    }
    if t.starts_with(['=', '+', '-', '@']) {
        return Err(format!("the {what} '{t}' may not start with = + - or @"));
    }
    Ok(t.to_string())
}

/// Validates free text: at most `MAX_TEXT_CHARS` and no control characters. A line break
/// inside a cell (Alt+Enter in Excel) becomes a space.
pub fn parse_text(text: &str, what: &str, required: bool) -> Result<String, String> {
    parse_text_up_to(text, what, required, MAX_TEXT_CHARS)
}

/// Like `parse_text`, with a column's own limit of `max_chars` characters (a name the schema
/// holds to fewer characters than free text).
pub fn parse_text_up_to(text: &str, what: &str, required: bool, max_chars: usize) -> Result<String, String> {
    let joined = text.replace("\r\n", " ").replace(['\r', '\n'], " ");
    let t = joined.trim();
    if required && t.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if t.chars().count() > max_chars {
        return Err(format!("the {what} is longer than {max_chars} characters"));
    }
    if t.chars().any(char::is_control) {
        return Err(format!("the {what} contains a control character"));
    }
    if let Some((at, c)) = t.chars().enumerate().find(|(_, c)| crate::error::invisible(*c).is_some()) {
        return Err(format!(
            "the {what} contains U+{:04X} ({}) at character {}; text may not hide characters that change how it reads",
            u32::from(c),
            crate::error::invisible(c).unwrap_or_default(),
            at + 1
        ));
    }
    Ok(t.to_string())
}
