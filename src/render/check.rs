//! `check` laid out as a table: one row per flag, and how many there are as of the day.

use super::{c, Cell, Report};
use crate::report::check::{Findings, Flag, FlagKind};

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
            c("county", "县市区"),
            c("project", "项目编号"),
            c("subproject", "子项目编号"),
            c("channel", "资金类别"),
            c("appropriation", "指标编号"),
            c("entitlement", "单独补助应得"),
            c("issued", "已下达"),
            c("fair_share", "公平份额"),
            c("received", "已到位"),
            c("gap", "补助缩水"),
            c("gap_percent", "缩水比例%"),
            c("underfunding", "来源不足"),
            c("amount", "金额"),
            c("message", "说明"),
        ],
        rows: flags
            .iter()
            .map(|f| {
                vec![
                    f.kind.code().into(),
                    opt_text(&f.county),
                    opt_text(&f.project),
                    opt_text(&f.subproject),
                    opt_text(&f.channel),
                    opt_text(&f.appropriation),
                    opt_money(f.entitlement),
                    opt_money(f.issued),
                    opt_money(f.fair_share),
                    opt_money(f.received),
                    opt_money(f.gap),
                    f.gap_percent.map_or(Cell::Empty, |p| Cell::Text(format!("{p:.2}"))),
                    opt_money(f.underfunding),
                    opt_money(f.amount),
                    f.message.as_str().into(),
                ]
            })
            .collect(),
        ..Report::default()
    }
}

pub fn table(f: &Findings) -> Report {
    let mut report = flags_table(&f.flags);
    let (n, as_of) = (f.flags.len(), f.as_of);
    report.notes = vec![crate::tr!("截至 {as_of} 共 {n} 项", "{n} flag(s) as of {as_of}")];
    if f.flags
        .iter()
        .any(|x| matches!(x.kind, FlagKind::Shrinkage | FlagKind::ProjectShrinkage | FlagKind::Underfunded))
    {
        report.notes.extend(super::review::shrinkage_notes(&as_of.to_string()).into_iter().skip(1));
        report.notes.push(crate::tr!(
            "缩水比例% = 补助缩水 ÷ 公平份额；underfunded 行的已下达、应得为本县该资金类别的合计",
            "gap_percent = shrinkage ÷ fair share; on underfunded rows, issued and entitlement are the county's totals on the channel"
        ));
    }
    report
}
