//! `balances` laid out as a table: one row per (project, sub-project, channel) and a total.

use super::{c, Cell, Col, Report};
use crate::model::LineBalance;
use crate::report::balances::{Balances, Figures};

pub const COLUMNS: [Col; 9] = [
    c("project", "项目编号"),
    c("subproject", "子项目编号"),
    c("channel", "资金类别"),
    c("allocated", "分配"),
    c("withdrawn", "收回"),
    c("disbursed", "拨付"),
    c("returned", "退回"),
    c("paid", "支付"),
    c("balance", "结余"),
];

/// The label of a grand-total row in tables (never in JSON).
pub const TOTAL: Cell = Cell::Label { zh: "合计", en: "total" };

pub fn figure_cells(f: &Figures) -> Vec<Cell> {
    vec![
        f.allocated.into(),
        f.withdrawn.into(),
        f.disbursed.into(),
        f.returned.into(),
        f.paid.into(),
        f.balance.into(),
    ]
}

pub fn money_cells(b: &LineBalance) -> Vec<Cell> {
    figure_cells(&b.into())
}

pub fn table(b: &Balances) -> Report {
    let rows = b
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                Cell::from(r.project.as_str()),
                Cell::from(r.subproject.as_str()),
                Cell::from(r.channel.as_str()),
            ];
            row.extend(figure_cells(&r.figures));
            row
        })
        .collect();
    let mut totals = vec![TOTAL, Cell::Empty, Cell::Empty];
    totals.extend(figure_cells(&b.totals.figures));
    Report {
        columns: COLUMNS.to_vec(),
        rows,
        totals: Some(totals),
        notes: vec![
            "balance = allocated − withdrawn − returned − paid (结余 = 分配 − 收回 − 退回 − 支付)".into()
        ],
        ..Report::default()
    }
}
