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
        t => {
            let t = echo(t);
            Err(crate::tr!("'{t}' 不是 是/否（yes/no）", "'{t}' is not yes/no (是/否)"))
        }
    }
}

/// Parses `YYYY-MM-DD`, also `YYYY/MM/DD` and `YYYY.MM.DD` as Excel may write them, and
/// `YYYY年MM月DD日`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(crate::lang::pick("日期为空", "the date is empty").to_string());
    }
    let normalised: String = t.replace(['年', '月', '/', '.'], "-").replace('日', "");
    NaiveDate::parse_from_str(&normalised, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            let t = echo(t);
            crate::tr!(
                "'{t}' 不是日期（请写成 YYYY-MM-DD，如 2024-03-15）",
                "'{t}' is not a date (write YYYY-MM-DD, e.g. 2024-03-15)"
            )
        })
}

/// A voucher's line number (分录号): a whole number from 1 to `MAX_VOUCHER_LINES`.
pub fn parse_voucher_line(text: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().ok().filter(|n| (1..=super::MAX_VOUCHER_LINES).contains(n)).ok_or_else(|| {
        let (t, max) = (echo(text.trim()), super::MAX_VOUCHER_LINES);
        crate::tr!(
            "'{t}' 不是分录号（1 到 {max} 之间的整数）",
            "'{t}' is not a voucher line (a whole number from 1 to {max})"
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
        return Err(crate::tr!("{what} 为空", "the {what} is empty"));
    }
    if t.chars().count() > MAX_CODE_CHARS {
        let t = echo(t);
        return Err(crate::tr!(
            "{what} '{t}' 超过 {MAX_CODE_CHARS} 个字符",
            "the {what} '{t}' is longer than {MAX_CODE_CHARS} characters"
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(crate::tr!("{what} 含有控制字符", "the {what} contains a control character"));
    }
    if let Some((at, c)) =
        t.chars().enumerate().find(|(_, c)| c.is_whitespace() || crate::error::invisible(*c).is_some())
    {
        let kind = crate::error::invisible(c).unwrap_or(crate::lang::pick("空格", "a space"));
        let (t, u, at) = (echo(t), format!("U+{:04X}", u32::from(c)), at + 1);
        return Err(crate::tr!(
            "{what} '{t}' 的第 {at} 个字符是 {u}（{kind}）；编码只能用可见字符，否则两个编码会看起来一样",
            "the {what} '{t}' contains {u} ({kind}) at character {at}; codes take visible characters only, or two codes would look the same"
        ));
    }
    if t.starts_with(['=', '+', '-', '@']) {
        return Err(crate::tr!(
            "{what} '{t}' 不能以 = + - 或 @ 开头",
            "the {what} '{t}' may not start with = + - or @"
        ));
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
        return Err(crate::tr!("{what} 为空", "the {what} is empty"));
    }
    if t.chars().count() > max_chars {
        return Err(crate::tr!(
            "{what} 超过 {max_chars} 个字符",
            "the {what} is longer than {max_chars} characters"
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(crate::tr!("{what} 含有控制字符", "the {what} contains a control character"));
    }
    if let Some((at, c)) = t.chars().enumerate().find(|(_, c)| crate::error::invisible(*c).is_some()) {
        let (u, kind, at) =
            (format!("U+{:04X}", u32::from(c)), crate::error::invisible(c).unwrap_or_default(), at + 1);
        return Err(crate::tr!(
            "{what} 的第 {at} 个字符是 {u}（{kind}）；文本不能隐藏会改变阅读方式的字符",
            "the {what} contains {u} ({kind}) at character {at}; text may not hide characters that change how it reads"
        ));
    }
    Ok(t.to_string())
}
