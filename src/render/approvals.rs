//! Items submitted for approval, as a table: one row per voucher line.

use super::{c, Cell, Doc, Report};
use crate::report::approvals::Pending;

pub fn doc(p: &Pending) -> Doc {
    let rows = p
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::Int(r.id),
                r.voucher.as_str().into(),
                Cell::Int(i64::from(r.line)),
                r.date.as_str().into(),
                crate::model::Kind::parse(&r.kind).map_or(r.kind.clone(), |k| k.zh().to_string()).into(),
                r.appropriation.as_str().into(),
                r.subproject.as_str().into(),
                Cell::Money(r.amount),
                r.maker.as_str().into(),
                r.submitted_at.as_str().into(),
                status_label(r.status),
                r.checker.clone().unwrap_or_default().into(),
                r.reason.clone().unwrap_or_default().into(),
            ]
        })
        .collect::<Vec<_>>();
    let notes = match rows.is_empty() {
        true => vec![crate::lang::pick("没有待审批事项", "nothing is waiting for approval").to_string()],
        false => vec![crate::lang::pick(
            "批准：fundledger approve 编号；驳回：fundledger reject 编号 --reason 原因（须由提交人以外的人办理）",
            "approve: fundledger approve ID; reject: fundledger reject ID --reason TEXT (by someone other than the maker)",
        )
        .to_string()],
    };
    Doc {
        sections: vec![Report {
            title: crate::lang::pick("待审批事项", "Items pending approval").to_string(),
            columns: vec![
                c("id", "编号"),
                c("voucher", "凭证号"),
                c("line", "分录号"),
                c("date", "日期"),
                c("kind", "类型"),
                c("appropriation", "指标编号"),
                c("subproject", "子项目编号"),
                c("amount", "金额"),
                c("maker", "提交人"),
                c("submitted_at", "提交时间"),
                c("status", "状态"),
                c("checker", "审批人"),
                c("reason", "驳回原因"),
            ],
            rows,
            notes,
            json_key: "rows",
            sheet: "待审批".to_string(),
            ..Report::default()
        }],
        ..Doc::default()
    }
}

fn status_label(status: &str) -> Cell {
    match status {
        "approved" => Cell::Label { zh: "已批准", en: "approved" },
        "rejected" => Cell::Label { zh: "已驳回", en: "rejected" },
        _ => Cell::Label { zh: "待审批", en: "pending" },
    }
}
