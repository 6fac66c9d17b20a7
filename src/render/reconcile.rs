//! `reconcile` laid out: the sub-project × channel matrix and, with the body's records, the
//! summary of the matching and the pairs voucher by voucher, for payments and for receipts
//! (a sheet each).

use super::{c, Cell, Doc, Lang, Report};
use crate::report::reconcile::{MatchedBy, Matches, Matrix, ReconcileReport, Side, Status, Summary};

const TOTAL: Cell = Cell::Label { zh: "合计", en: "total" };

fn status_cell(s: Status) -> Cell {
    Cell::Label { zh: s.zh(), en: s.code() }
}

fn matched_by_cell(m: Option<MatchedBy>) -> Cell {
    m.map_or(Cell::Empty, |m| Cell::Label { zh: m.zh(), en: m.code() })
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
        sections.push(summary(Side::Payments, s, lang));
    }
    if let Some(p) = &r.payments {
        sections.push(pairs(Side::Payments, p, lang));
    }
    if let Some(s) = &r.receipts_summary {
        sections.push(summary(Side::Receipts, s, lang));
    }
    if let Some(p) = &r.receipts {
        sections.push(pairs(Side::Receipts, p, lang));
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
        notes: super::statement::figure_notes(false, lang),
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

fn summary(side: Side, s: &Summary, lang: Lang) -> Report {
    let (title, sheet, json_key) = match side {
        Side::Payments => {
            (pick(lang, "支付对账汇总", "Payments matched"), pick(lang, "对账汇总", "Summary"), "summary")
        }
        Side::Receipts => (
            pick(lang, "到账对账汇总", "Receipts matched"),
            pick(lang, "到账汇总", "Receipts summary"),
            "receipts_summary",
        ),
    };
    let mut report = Report {
        title,
        sheet,
        columns: vec![
            c("status", "对账结果"),
            c("count", "笔数"),
            c("ledger_amount", "账本金额"),
            c("records_amount", "单位记录金额"),
        ],
        json_key,
        ..Report::default()
    };
    let cells = |label: Cell, r: &crate::report::reconcile::SummaryRow| {
        vec![label, Cell::Int(r.count as i64), r.ledger_amount.into(), r.records_amount.into()]
    };
    for r in &s.rows {
        report.rows.push(cells(r.status.map_or(TOTAL, status_cell), r));
    }
    report.totals = Some(cells(TOTAL, &s.totals));
    let (file, one, zh) = match side {
        Side::Payments => ("payments", "payment", "笔"),
        Side::Receipts => ("receipts", "receipt", "笔到账"),
    };
    if s.no_records {
        report
            .notes
            .push(crate::tr!("{file} 文件只有表头，没有数据行", "the {file} file has a header but no rows"));
    }
    report.notes.push(match (s.mismatches, lang) {
        (0, Lang::Zh) => "全部一致".to_string(),
        (0, Lang::En) => format!("every {one} matches"),
        (n, Lang::Zh) => format!("{n} {zh}未对上（不一致、仅账本有、仅单位记录有），见明细"),
        (n, Lang::En) => format!("{n} {one}(s) do not match; see the list"),
    });
    report
}

fn pairs(side: Side, m: &Matches, lang: Lang) -> Report {
    let (title, sheet, json_key) = match side {
        Side::Payments => (
            pick(lang, "支付对账明细", "Payments, voucher by voucher"),
            pick(lang, "对账明细", "Payments"),
            "payments",
        ),
        Side::Receipts => (
            pick(lang, "到账对账明细", "Receipts, voucher by voucher"),
            pick(lang, "到账明细", "Receipts"),
            "receipts",
        ),
    };
    let mut report = Report {
        title,
        sheet,
        columns: vec![
            c("status", "对账结果"),
            c("matched_by", "对账依据"),
            c("voucher", "凭证号"),
            c("ledger_lines", "分录号"),
            c("ledger_date", "账本日期"),
            c("records_date", "单位记录日期"),
            c("ledger_subproject", "账本子项目"),
            c("records_subproject", "单位记录子项目"),
            c("ledger_amount", "账本金额"),
            c("records_amount", "单位记录金额"),
            c("note", "说明"),
        ],
        json_key,
        ..Report::default()
    };
    let date = |d: Option<chrono::NaiveDate>| d.map_or(Cell::Empty, |d| d.to_string().into());
    let text = |v: &Option<String>| v.as_deref().map_or(Cell::Empty, Cell::from);
    for r in &m.rows {
        report.rows.push(vec![
            status_cell(r.status),
            matched_by_cell(r.matched_by),
            Cell::from(r.voucher.as_str()),
            match r.ledger_lines.as_slice() {
                [] => Cell::Empty,
                lines => Cell::from(lines.iter().map(u32::to_string).collect::<Vec<_>>().join(",")),
            },
            date(r.ledger_date),
            date(r.records_date),
            text(&r.ledger_subproject),
            text(&r.records_subproject),
            r.ledger_amount.map_or(Cell::Empty, Cell::Money),
            r.records_amount.map_or(Cell::Empty, Cell::Money),
            Cell::from(r.note.as_str()),
        ]);
    }
    if m.without_voucher > 0 {
        let (n, days) = (m.without_voucher, m.date_window_days);
        report.notes.push(match lang {
            Lang::Zh => format!(
                "{n} 条单位记录无凭证号，按子项目、金额相同且日期相差不超过 {days} 天对应（日期最近者优先，其次凭证号最早者）"
            ),
            Lang::En => format!(
                "{n} record(s) carry no voucher: matched by sub-project, exact amount and a date within {days} days (closest date first, then earliest voucher)"
            ),
        });
    }
    report
}
