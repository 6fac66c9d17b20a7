//! `entitlements` laid out as a table: one row per sub-project and channel, their sums, and
//! how many rows rest on a sample rule.

use super::{c, Cell, Report};
use crate::report::entitlements::Listing;

pub fn table(l: &Listing) -> Report {
    Report {
        columns: vec![
            c("project", "项目编号"),
            c("subproject", "子项目编号"),
            c("type", "子项目类型"),
            c("channel", "资金类别"),
            c("entitlement", "单独补助应得"),
            c("fair_share", "公平份额"),
            c("received", "已到位"),
            c("outstanding", "尚欠"),
            c("shrinkage", "补助缩水"),
            c("underfunding", "来源不足"),
            c("basis", "依据"),
        ],
        rows: l
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.project.as_str().into(),
                    r.subproject.as_str().into(),
                    r.type_name.as_str().into(),
                    r.channel.as_str().into(),
                    r.entitlement.into(),
                    r.fair_share.into(),
                    r.received.into(),
                    r.outstanding.into(),
                    r.shrinkage.into(),
                    r.underfunding.into(),
                    r.basis.as_str().into(),
                ]
            })
            .collect(),
        totals: Some(vec![
            super::balances::TOTAL,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            l.totals.entitlement.into(),
            l.totals.fair_share.into(),
            l.totals.received.into(),
            l.totals.outstanding.into(),
            l.totals.shrinkage.into(),
            l.totals.underfunding.into(),
            Cell::Empty,
        ]),
        notes: notes(l),
        ..Report::default()
    }
}

fn notes(l: &Listing) -> Vec<String> {
    let (n, samples) = (l.rows.len(), l.samples);
    let mut notes = vec![crate::tr!(
        "共 {n} 行；其中 {samples} 行按示例规则测算（示例数字，非官方）",
        "{n} rows; {samples} use an illustrative sample rule (示例规则), not an official figure"
    )];
    notes.extend(super::review::shrinkage_notes("").into_iter().skip(1));
    notes.push(crate::tr!("尚欠 = 单独补助应得 − 已到位", "outstanding = entitlement − received"));
    for w in &l.without_channel {
        let (sub, reason) = (&w.subproject, &w.reason);
        notes.push(crate::tr!("{sub} 无应得行：{reason}", "{sub} has no entitlement row: {reason}"));
    }
    notes
}
