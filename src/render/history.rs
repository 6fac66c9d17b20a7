//! The versions of a sub-project or project as one table: version 0 is the register row, each
//! later version the changes one document made from its effective date.

use super::{c, Cell, Doc, Report};
use crate::report::history::History;

pub fn doc(h: &History) -> Doc {
    let rows = h
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::Int(r.version as i64),
                r.effective.map_or(Cell::Label { zh: "登记", en: "register" }, |d| d.to_string().into()),
                r.field.as_str().into(),
                r.from.as_str().into(),
                r.to.as_str().into(),
                r.doc.as_str().into(),
                r.reason.as_str().into(),
                r.operator.as_str().into(),
            ]
        })
        .collect();
    let report = Report {
        title: {
            let (subject, zh, code) = (&h.subject, h.subject.zh(), &h.code);
            crate::tr!("{zh} {code} 变更记录", "{subject} {code} — versions")
        },
        columns: vec![
            c("version", "版本"),
            c("effective", "生效日期"),
            c("field", "字段"),
            c("from", "原值"),
            c("to", "新值"),
            c("doc", "依据文号"),
            c("reason", "原因"),
            c("operator", "操作人"),
        ],
        rows,
        notes: vec![crate::lang::pick(
            "版本 0 为登记时的记录；每项变更自其生效日期起适用",
            "version 0 is the register row; each amendment applies from its effective date",
        )
        .into()],
        ..Report::default()
    };
    Doc { sections: vec![report], ..Doc::default() }
}
