//! `reconcile` laid out: the sub-project × channel matrix and, with the body's records, the
//! summary of the matching and the payments voucher by voucher (a sheet each).

use super::{c, Cell, Doc, Lang, Report};
use crate::report::reconcile::{Matrix, PaymentRow, ReconcileReport, Status, Summary};

const TOTAL: Cell = Cell::Label { zh: "合计", en: "total" };

fn status_cell(s: Status) -> Cell {
    Cell::Label { zh: s.zh(), en: s.code() }
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

pub fn title(r: &ReconcileReport, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("项目资金对账 {}", r.project),
        Lang::En => format!("Project reconciliation {}", r.project),
    }
}

pub fn doc(r: &ReconcileReport, lang: Lang) -> Doc {
    let mut sections = vec![matrix(&r.matrix, lang)];
    if let Some(s) = &r.summary {
        sections.push(summary(s, lang));
    }
    if let Some(p) = &r.payments {
        sections.push(payments(&p.rows, lang));
    }
    let fingerprint = r.fingerprint.clone();
    Doc { title: title(r, lang), fingerprint: Some(fingerprint), sections, sheets: Vec::new(), nest: true }
}

fn matrix(m: &Matrix, lang: Lang) -> Report {
    let text = |v: &Option<String>| v.as_deref().map_or(Cell::Empty, Cell::from);
    let mut report = Report {
        title: pick(lang, "子项目 × 资金类别", "Sub-project × channel"),
        sheet: pick(lang, "资金明细", "Funds"),
        columns: [c("subproject", "子项目编号"), c("channel", "资金类别"), c("department", "部门")]
            .into_iter()
            .chain(super::statement::figure_columns(false))
            .collect(),
        notes: super::statement::figure_notes(false),
        json_key: "matrix",
        ..Report::default()
    };
    for r in &m.rows {
        let mut cells = vec![text(&r.subproject), text(&r.channel), text(&r.department)];
        cells.extend(super::statement::figure_cells(&r.figures));
        report.rows.push(cells);
    }
    let mut total = vec![TOTAL, Cell::Empty, Cell::Empty];
    total.extend(super::statement::figure_cells(&m.totals.figures));
    report.totals = Some(total);
    report
}

fn summary(s: &Summary, lang: Lang) -> Report {
    let mut report = Report {
        title: pick(lang, "支付对账汇总", "Payments matched"),
        sheet: pick(lang, "对账汇总", "Summary"),
        columns: vec![
            c("status", "对账结果"),
            c("count", "笔数"),
            c("ledger_amount", "账本金额"),
            c("records_amount", "单位记录金额"),
        ],
        json_key: "summary",
        ..Report::default()
    };
    let cells = |label: Cell, r: &crate::report::reconcile::SummaryRow| {
        vec![label, Cell::Int(r.count as i64), r.ledger_amount.into(), r.records_amount.into()]
    };
    for r in &s.rows {
        report.rows.push(cells(r.status.map_or(TOTAL, status_cell), r));
    }
    report.totals = Some(cells(TOTAL, &s.totals));
    if s.no_records {
        report.notes.push("the payments file has a header but no rows".into());
    }
    report.notes.push(match (s.mismatches, lang) {
        (0, Lang::Zh) => "全部一致 every payment matches".into(),
        (0, Lang::En) => "every payment matches".into(),
        (n, Lang::Zh) => {
            format!("{n} 笔未对上（不一致、仅账本有、仅单位记录有）{n} payment(s) do not match; see the list")
        }
        (n, Lang::En) => format!("{n} payment(s) do not match; see the list"),
    });
    report
}

fn payments(rows: &[PaymentRow], lang: Lang) -> Report {
    let mut report = Report {
        title: pick(lang, "支付对账明细", "Payments, voucher by voucher"),
        sheet: pick(lang, "对账明细", "Payments"),
        columns: vec![
            c("status", "对账结果"),
            c("voucher", "凭证号"),
            c("ledger_date", "账本日期"),
            c("records_date", "单位记录日期"),
            c("ledger_subproject", "账本子项目"),
            c("records_subproject", "单位记录子项目"),
            c("ledger_amount", "账本金额"),
            c("records_amount", "单位记录金额"),
            c("note", "说明"),
        ],
        json_key: "payments",
        ..Report::default()
    };
    let date = |d: Option<chrono::NaiveDate>| d.map_or(Cell::Empty, |d| d.to_string().into());
    let text = |v: &Option<String>| v.as_deref().map_or(Cell::Empty, Cell::from);
    for m in rows {
        report.rows.push(vec![
            status_cell(m.status),
            Cell::from(m.voucher.as_str()),
            date(m.ledger_date),
            date(m.records_date),
            text(&m.ledger_subproject),
            text(&m.records_subproject),
            m.ledger_amount.map_or(Cell::Empty, Cell::Money),
            m.records_amount.map_or(Cell::Empty, Cell::Money),
            Cell::from(m.note.as_str()),
        ]);
    }
    report
}
