//! `allocate` laid out as a table: the line and what is available on it as the title, one
//! row per sub-project, their sums, and what was held back or recorded.

use super::{c, Cell, Report};
use crate::allocate::Remainder;
use crate::report::allocation::AllocationPlan;

/// The plan with its title and the note on what was held back (what the demo prints).
pub fn plan_table(p: &AllocationPlan) -> Report {
    let t = &p.totals;
    let title = format!(
        "appropriation {} ({}, {}, {}): {} issued, {} available to allocate; remainder: {}",
        p.appropriation,
        p.doc_no,
        p.channel,
        p.county,
        p.issued.yuan_grouped(),
        p.available.yuan_grouped(),
        match p.remainder {
            Remainder::ProRata => "pro rata to planned investment",
            Remainder::Hold => "held on the appropriation",
        }
    );
    Report {
        title,
        columns: vec![
            c("project", "项目编号"),
            c("subproject", "子项目编号"),
            c("outstanding", "尚欠应得"),
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
                    r.for_entitlement.into(),
                    r.from_remainder.into(),
                    r.allocation.into(),
                    r.shortfall.into(),
                ]
            })
            .collect(),
        totals: Some(vec![
            super::balances::TOTAL.into(),
            Cell::Empty,
            t.outstanding.into(),
            t.for_entitlement.into(),
            t.from_remainder.into(),
            t.allocation.into(),
            t.shortfall.into(),
        ]),
        notes: vec![format!(
            "held back {}; shortfall against outstanding entitlements {}. Exact to the fen by largest remainder; ties go to the smaller sub-project code.",
            p.held.yuan_grouped(),
            p.shortfall.yuan_grouped()
        )],
        ..Report::default()
    }
}

/// The plan, and whether it was recorded.
pub fn table(p: &AllocationPlan) -> Report {
    let mut report = plan_table(p);
    report.notes.push(match &p.recorded {
        None => "this is a plan: nothing was written (add --commit to record it)".into(),
        Some(r) => format!(
            "recorded {} allocation(s) dated {}, {} in all",
            r.vouchers.len(),
            r.date,
            r.total.yuan_grouped()
        ),
    });
    report
}
