//! `allocate` laid out as a table: the line and what is available on it as the title, one
//! row per sub-project, their sums, and what was held back or recorded.

use super::{c, Cell, Report};
use crate::allocate::Remainder;
use crate::report::allocation::AllocationPlan;

/// The plan with its title and the note on what was held back (what the demo prints).
pub fn plan_table(p: &AllocationPlan) -> Report {
    let t = &p.totals;
    let (code, doc, channel, county) = (&p.appropriation, &p.doc_no, &p.channel, &p.county);
    let (issued, available) = (p.issued.yuan_grouped(), p.available.yuan_grouped());
    let remainder = match p.remainder {
        Remainder::ProRata => crate::lang::pick("按计划投资比例分配", "pro rata to planned investment"),
        Remainder::Hold => crate::lang::pick("留在指标上", "held on the appropriation"),
    };
    let title = crate::tr!(
        "指标 {code}（{doc}，{channel}，{county}）：下达 {issued}，可分配 {available}；余额：{remainder}",
        "appropriation {code} ({doc}, {channel}, {county}): {issued} issued, {available} available to allocate; remainder: {remainder}"
    );
    Report {
        title,
        columns: vec![
            c("project", "项目编号"),
            c("subproject", "子项目编号"),
            c("outstanding", "尚欠应得"),
            c("due", "应补公平份额"),
            c("for_entitlement", "按应得分配"),
            c("from_remainder", "余额分配"),
            c("allocation", "分配合计"),
            c("shortfall", "缺口"),
        ],
        rows: p
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.project.as_ref().map_or(Cell::Empty, |x| x.as_str().into()),
                    r.subproject.as_str().into(),
                    r.outstanding.into(),
                    r.due.into(),
                    r.for_entitlement.into(),
                    r.from_remainder.into(),
                    r.allocation.into(),
                    r.shortfall.into(),
                ]
            })
            .collect(),
        totals: Some(vec![
            super::balances::TOTAL,
            Cell::Empty,
            t.outstanding.into(),
            t.due.into(),
            t.for_entitlement.into(),
            t.from_remainder.into(),
            t.allocation.into(),
            t.shortfall.into(),
        ]),
        notes: {
            let (held, shortfall) = (p.held.yuan_grouped(), p.shortfall.yuan_grouped());
            vec![
                crate::tr!(
                    "应补公平份额：按本县该渠道已下达资金占单独补助应得总额的比例，子项目应得而尚未到位的部分；先补足公平份额，再补其余应得，最后按所选方式处理余额。",
                    "due: the fair share not yet received (the entitlement cut by the ratio the county's channel is funded); dues are met first, then the rest of the entitlements, then the remainder as asked."
                ),
                crate::tr!(
                    "留在指标上 {held}；尚欠应得未满足 {shortfall}。精确到分，按最大余数法分配；余数相同时给子项目编号较小者。",
                    "held back {held}; shortfall against outstanding entitlements {shortfall}. Exact to the fen by largest remainder; ties go to the smaller sub-project code."
                ),
            ]
        },
        ..Report::default()
    }
}

/// The plan, and whether it was recorded.
pub fn table(p: &AllocationPlan) -> Report {
    let mut report = plan_table(p);
    report.notes.push(match &p.recorded {
        None => crate::tr!(
            "这是分配方案，尚未写入（加 --commit 记账）",
            "this is a plan: nothing was written (add --commit to record it)"
        ),
        Some(r) => {
            let (n, date, total) = (r.vouchers.len(), r.date, r.total.yuan_grouped());
            crate::tr!(
                "已记录 {n} 笔分配，日期 {date}，合计 {total}",
                "recorded {n} allocation(s) dated {date}, {total} in all"
            )
        }
    });
    report
}
