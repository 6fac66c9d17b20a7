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
            c("received", "已到位"),
            c("outstanding", "尚欠"),
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
                    r.received.into(),
                    r.outstanding.into(),
                    r.basis.as_str().into(),
                ]
            })
            .collect(),
        totals: Some(vec![
            super::balances::TOTAL.into(),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            l.totals.entitlement.into(),
            l.totals.received.into(),
            l.totals.outstanding.into(),
            Cell::Empty,
        ]),
        notes: vec![format!(
            "{} rows; {} use an illustrative sample rule (示例规则，非官方数字), not an official figure",
            l.rows.len(),
            l.samples
        )],
        ..Report::default()
    }
}
