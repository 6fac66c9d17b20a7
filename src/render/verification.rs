//! `verify`'s findings as a table (for CSV and workbooks; the terminal gets sentences).

use super::{c, Doc, Report};
use crate::report::verification::Verification;

pub fn doc(v: &Verification) -> Doc {
    let rows = v.findings.iter().map(|f| vec![f.check.into(), f.message.as_str().into()]).collect();
    let mut notes: Vec<String> = v.notices.iter().map(|n| format!("notice: {n}")).collect();
    notes.extend(v.anchor.clone());
    notes.push(format!(
        "{} links walked (head {}), {} entries replayed over {} lines: {}",
        v.links,
        &v.head[..v.head.len().min(16)],
        v.entries,
        v.lines,
        if v.verified { "verified" } else { "findings above" }
    ));
    let report = Report {
        title: "核验 verify".into(),
        columns: vec![c("check", "规则"), c("message", "发现")],
        rows,
        json_key: "findings",
        notes,
        ..Report::default()
    };
    Doc { sections: vec![report], ..Doc::default() }
}
