//! The write journal as a plain table (no fingerprint row: scripts read it as a list).

use super::{c, Cell, Col, Doc, Report};
use crate::report::journal::Journal;

const COLUMNS: [Col; 8] = [
    c("write", "序号"),
    c("recorded_at", "时间"),
    c("operator", "操作员"),
    c("command", "命令"),
    c("detail", "对象"),
    c("summary", "结果"),
    c("reason", "原因"),
    c("links", "审计链节"),
];

pub fn doc(j: &Journal) -> Doc {
    let rows = j
        .writes
        .iter()
        .map(|w| {
            vec![
                Cell::Int(w.write),
                w.recorded_at.as_str().into(),
                w.operator.as_str().into(),
                w.command.as_str().into(),
                w.detail.as_str().into(),
                w.summary.as_str().into(),
                w.reason.as_str().into(),
                Cell::from(format!("{}–{}", w.first_link, w.last_link)),
            ]
        })
        .collect();
    let n = j.writes.len();
    let report = Report {
        title: crate::lang::pick("写入记录", "write journal").into(),
        columns: COLUMNS.to_vec(),
        rows,
        json_key: "writes",
        notes: vec![{
            let s = if n == 1 { "" } else { "s" };
            crate::tr!(
                "共 {n} 次写入；每次写入的审计链节包括写入记录本身（最后一节）",
                "{n} write{s} shown; each write's links include the journal row itself (the last one)"
            )
        }],
        ..Report::default()
    };
    Doc { sections: vec![report], ..Doc::default() }
}
