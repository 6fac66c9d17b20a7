//! The JSON view. A report value is serialised as it is (serde): its figures and judgements
//! with their types — money as yuan strings with two decimals, counts as numbers, judgements
//! as booleans, nothing missing as a display word. Tables without a report value of their own
//! (the benchmark's figures, the demo's overview) are written from their cells, keyed by
//! their columns.

use super::{Cell, Doc, Report};
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::{Map, Value};

/// A report value as pretty JSON with a final newline.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// `to_json`, written to `out` as it is made.
pub fn write_json<T: Serialize + ?Sized>(value: &T, out: &mut dyn std::io::Write) -> Result<()> {
    let failed = |e: &dyn std::fmt::Display| Error::Internal(format!("writing JSON: {e}"));
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| failed(&e))?;
    out.write_all(b"\n").map_err(|e| failed(&e))
}

/// A report value under the title it is printed with (the title leads, as in the table).
#[derive(Serialize)]
pub struct Titled<'a, T: Serialize> {
    pub title: &'a str,
    #[serde(flatten)]
    pub body: &'a T,
}

impl Cell {
    pub(super) fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Money(f) => Value::String(f.yuan()),
            Cell::Int(i) => Value::from(*i),
            Cell::Percent(p) => Value::String(format!("{p:.2}")),
            Cell::Label { en, .. } => Value::String(en.to_string()),
            Cell::Empty => Value::Null,
        }
    }
}

impl Report {
    pub fn to_json_value(&self) -> Value {
        self.json_with_rows_key(if self.json_key.is_empty() { "rows" } else { self.json_key })
    }

    pub(super) fn json_with_rows_key(&self, key: &str) -> Value {
        let object = |row: &Vec<Cell>| {
            let mut m = Map::new();
            for (col, cell) in self.columns.iter().zip(row) {
                m.insert(col.key.to_string(), cell.json());
            }
            Value::Object(m)
        };
        let mut top = Map::new();
        let (subtotals, rows): (Vec<_>, Vec<_>) =
            self.rows.iter().enumerate().partition(|(i, _)| self.subtotals.contains(i));
        top.insert(key.into(), Value::Array(rows.into_iter().map(|(_, r)| object(r)).collect()));
        if !subtotals.is_empty() {
            top.insert(
                "subtotals".into(),
                Value::Array(subtotals.into_iter().map(|(_, r)| object(r)).collect()),
            );
        }
        if let Some(t) = &self.totals {
            top.insert("totals".into(), object(t));
        }
        Value::Object(top)
    }
}

impl Doc {
    pub fn to_json_value(&self) -> Value {
        let mut top = Map::new();
        if !self.title.is_empty() {
            top.insert("title".into(), Value::String(self.title.clone()));
        }
        if let Some(f) = &self.fingerprint {
            top.insert("fingerprint".into(), serde_json::json!({"entries": f.entries, "hash": f.hash}));
        }
        match self.sections.as_slice() {
            [one] if !self.nest => {
                if let Value::Object(m) = one.to_json_value() {
                    top.extend(m);
                }
            }
            many => {
                // Each section under its key, its rows under `rows`.
                for section in many {
                    top.insert(section.json_key.to_string(), section.json_with_rows_key("rows"));
                }
            }
        }
        Value::Object(top)
    }
}
