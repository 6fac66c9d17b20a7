//! The field machinery: each cell of a row parsed by its column's kind, every problem kept.

use super::*;
use crate::error::{echo, Check, Problem, Result};
use crate::model;
use crate::money::{AmountError, AmountUnit, Fen};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Reads an amount cell in a unit: `Fen::parse_positive_in`, `Fen::parse_non_negative_in`.
pub type AmountParser = fn(&str, AmountUnit) -> Result<Fen, AmountError>;

/// Collects the problems of one row's fields.
pub struct Fields<'r, 'a> {
    row: &'r Row<'a>,
    columns: &'static [Column],
    pub problems: Vec<Problem>,
}

impl<'r, 'a> Fields<'r, 'a> {
    pub fn new(row: &'r Row<'a>, columns: &'static [Column]) -> Self {
        Fields { row, columns, problems: Vec::new() }
    }

    fn index(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("column {name} is declared in its format"))
    }

    /// Parses column `name` with `parse`, recording a problem of kind `check` on failure.
    pub fn parse<T>(
        &mut self,
        name: &str,
        check: Check,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let i = self.index(name);
        match parse(self.row.get(i)) {
            Ok(v) => Some(v),
            Err(message) => {
                let label = self.row.column_label(i, self.columns);
                self.problems.push(Problem::new(check, message).column(label));
                None
            }
        }
    }

    /// Like `parse`, but an empty cell gives `None` without a problem.
    pub fn optional<T>(
        &mut self,
        name: &str,
        check: Check,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let i = self.index(name);
        if self.row.opt(i).is_none() {
            return Some(None);
        }
        self.parse(name, check, parse).map(Some)
    }

    pub fn text(&mut self, name: &str, required: bool) -> Option<String> {
        self.parse(name, Check::Format, |v| model::parse_text(v, name, required))
    }

    /// A required name held to `max_chars` characters (the schema's limit for that column).
    pub fn name(&mut self, name: &str, max_chars: usize) -> Option<String> {
        self.parse(name, Check::Format, |v| model::parse_text_up_to(v, name, true, max_chars))
    }

    pub fn code(&mut self, name: &str) -> Option<String> {
        self.parse(name, Check::Format, |v| model::parse_code(v, name))
    }

    /// A code of a kind (`ProjectCode::parse_as` …), named in messages by its column.
    pub fn code_as<T>(&mut self, name: &str, make: fn(&str, &str) -> Result<T, String>) -> Option<T> {
        self.parse(name, Check::Format, |v| make(v, name))
    }

    /// An optional code of a kind: `Some(None)` when the cell is empty.
    pub fn optional_code_as<T>(
        &mut self,
        name: &str,
        make: fn(&str, &str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        self.optional(name, Check::Format, |v| make(v, name))
    }

    pub fn date(&mut self, name: &str) -> Option<chrono::NaiveDate> {
        self.parse(name, Check::Format, model::parse_date)
    }

    /// An amount in the unit the column's header states (yuan, or 万元), parsed exactly by
    /// `parse` (`Fen::parse_positive_in` …); a problem of R6 exact money when it is not one.
    pub fn amount(&mut self, name: &str, parse: AmountParser) -> Option<Fen> {
        let unit = self.row.unit(self.index(name));
        self.parse(name, Check::R6, |v| parse(v, unit).map_err(|e| e.to_string()))
    }

    /// Like `amount`, but an empty cell gives `Some(None)` without a problem.
    pub fn optional_amount(&mut self, name: &str, parse: AmountParser) -> Option<Option<Fen>> {
        let unit = self.row.unit(self.index(name));
        self.optional(name, Check::R6, |v| parse(v, unit).map_err(|e| e.to_string()))
    }

    /// Finishes the row: the value if every field parsed, else all its problems.
    pub fn finish<T>(self, value: Option<T>) -> std::result::Result<T, Vec<Problem>> {
        match value {
            Some(v) if self.problems.is_empty() => Ok(v),
            _ => Err(self.problems),
        }
    }
}

/// A list cell (`镇A;镇B`, also with Chinese separators), normalised to `;`.
pub(crate) fn parse_list(v: &str) -> Result<String, String> {
    let items: Vec<&str> = v.split([';', '；', '、']).map(str::trim).filter(|s| !s.is_empty()).collect();
    model::parse_text(&items.join(";"), "list", false)
}

/// A quantity: a non-negative decimal with at most four decimals.
pub(crate) fn parse_quantity(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Ok(String::new());
    }
    let plain = v.replace(',', "");
    match Decimal::from_str(&plain) {
        Ok(d) if d >= Decimal::ZERO && d.scale() <= 4 && !plain.contains(['e', 'E']) => {
            Ok(d.normalize().to_string())
        }
        _ => {
            let v = echo(v);
            Err(crate::tr!(
                "'{v}' 不是数量（不小于 0、最多 4 位小数的数）",
                "'{v}' is not a quantity (a number ≥ 0 with at most 4 decimals)"
            ))
        }
    }
}

/// A long text cell (policy basis): control characters refused, up to 2,000 characters.
pub(crate) fn parse_long_text(v: &str) -> Result<String, String> {
    if v.chars().count() > 2000 || v.chars().any(char::is_control) {
        return Err(crate::lang::pick(
            "文本超过 2000 个字符或含有控制字符",
            "the text is longer than 2000 characters or contains control characters",
        )
        .into());
    }
    Ok(v.to_string())
}

/// A percentage: a decimal in (0, 100] with at most four decimals.
pub(crate) fn parse_percent(v: &str) -> Result<Decimal, String> {
    let t = v.trim().trim_end_matches(['%', '％']);
    match Decimal::from_str(t) {
        Ok(d) if d > Decimal::ZERO && d <= Decimal::from(100) && d.scale() <= 4 => Ok(d.normalize()),
        _ => {
            let v = echo(v);
            Err(crate::tr!(
                "'{v}' 不是 0 到 100 之间的百分比（如 30 或 12.5）",
                "'{v}' is not a percentage between 0 and 100 (e.g. 30 or 12.5)"
            ))
        }
    }
}
