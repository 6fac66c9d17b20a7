//! `verify`'s findings as a table (for CSV and workbooks; the terminal gets sentences).

use super::{c, Doc, Report};
use crate::report::verification::Verification;

pub fn doc(v: &Verification) -> Doc {
    let rows = v.findings.iter().map(|f| vec![f.check.into(), f.message.as_str().into()]).collect();
    let mut notes: Vec<String> = v.notices.iter().map(|n| crate::tr!("提示：{n}", "notice: {n}")).collect();
    notes.extend(v.anchor.clone());
    let (links, head, entries, lines) = (v.links, &v.head[..v.head.len().min(16)], v.entries, v.lines);
    let outcome = match v.verified {
        true => crate::lang::pick("核验通过", "verified"),
        false => crate::lang::pick("发现问题见上", "findings above"),
    };
    notes.push(crate::tr!(
        "审计链共 {links} 环已逐环核对（链头 {head}），{entries} 笔分录在 {lines} 条指标上重放：{outcome}",
        "{links} links walked (head {head}), {entries} entries replayed over {lines} lines: {outcome}"
    ));
    let report = Report {
        title: crate::lang::pick("核验", "verify").into(),
        columns: vec![c("check", "规则"), c("message", "发现")],
        rows,
        json_key: "findings",
        notes,
        ..Report::default()
    };
    Doc { sections: vec![report], ..Doc::default() }
}
