//! `check` laid out as a table: one row per flag, and how many there are as of the day.

use super::{c, Cell, Report};
use crate::report::check::{Findings, Flag};

fn opt_text(v: &Option<String>) -> Cell {
    v.as_ref().map_or(Cell::Empty, |s| s.as_str().into())
}

fn opt_money(v: Option<crate::money::Fen>) -> Cell {
    v.map_or(Cell::Empty, Cell::Money)
}

/// The flags as a table (also the demo's list of the largest gaps).
pub fn flags_table(flags: &[Flag]) -> Report {
    Report {
        json_key: "flags",
        columns: vec![
            c("kind", "类型"),
            c("project", "项目编号"),
            c("subproject", "子项目编号"),
            c("channel", "资金类别"),
            c("appropriation", "指标编号"),
            c("entitlement", "单独补助应得"),
            c("received", "已到位"),
            c("gap", "缺口"),
            c("gap_percent", "缺口比例%"),
            c("message", "说明"),
        ],
        rows: flags
            .iter()
            .map(|f| {
                vec![
                    f.kind.code().into(),
                    opt_text(&f.project),
                    opt_text(&f.subproject),
                    opt_text(&f.channel),
                    opt_text(&f.appropriation),
                    opt_money(f.entitlement),
                    opt_money(f.received),
                    opt_money(f.gap),
                    f.gap_percent.map_or(Cell::Empty, |p| Cell::Text(format!("{p:.2}"))),
                    f.message.as_str().into(),
                ]
            })
            .collect(),
        ..Report::default()
    }
}

pub fn table(f: &Findings) -> Report {
    let mut report = flags_table(&f.flags);
    report.notes.push(format!("{} flag(s) as of {}", f.flags.len(), f.as_of));
    report
}
