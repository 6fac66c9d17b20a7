//! `statement` laid out: one table for the terminal and CSV (department → channel → project
//! → sub-project with their subtotals and the grand total) and, for the workbook, a summary
//! sheet followed by one sheet per department.

use super::{c, Cell, Col, Doc, Lang, Report};
use crate::report::statement::{Line, Period, Shown, StatementReport, Subtotal};
use chrono::NaiveDate;

const DEPARTMENT_TOTAL: Cell = Cell::Label { zh: "部门合计", en: "department total" };
const CHANNEL_SUBTOTAL: Cell = Cell::Label { zh: "渠道小计", en: "channel subtotal" };
const PROJECT_SUBTOTAL: Cell = Cell::Label { zh: "项目小计", en: "project subtotal" };
const GRAND_TOTAL: Cell = Cell::Label { zh: "总计", en: "total" };

/// How the period reads in a title.
pub fn period_text(period: Period, lang: Lang) -> String {
    let year_of = |f: NaiveDate, t: NaiveDate| {
        use chrono::Datelike;
        (f.ordinal() == 1
            && t.year() == f.year()
            && t == NaiveDate::from_ymd_opt(f.year(), 12, 31).unwrap_or(t))
        .then(|| f.year())
    };
    match (period.from, period.to, lang) {
        (Some(f), Some(t), Lang::Zh) => match year_of(f, t) {
            Some(y) => format!("{y}年度"),
            None => format!("{f} 至 {t}"),
        },
        (Some(f), Some(t), Lang::En) => match year_of(f, t) {
            Some(y) => format!("year {y}"),
            None => format!("{f} to {t}"),
        },
        (Some(f), None, Lang::Zh) => format!("{f} 起"),
        (Some(f), None, Lang::En) => format!("from {f}"),
        (None, Some(t), Lang::Zh) => format!("截至 {t}"),
        (None, Some(t), Lang::En) => format!("up to {t}"),
        (None, None, Lang::Zh) => "全部期间".to_string(),
        (None, None, Lang::En) => "all periods".to_string(),
    }
}

pub fn title(s: &StatementReport, lang: Lang) -> String {
    let when = period_text(s.period, lang);
    match (lang, s.county.as_deref()) {
        (Lang::Zh, None) => format!("部门资金报表 {when}"),
        (Lang::Zh, Some(c)) => format!("部门资金报表 {c} {when}"),
        (Lang::En, None) => format!("Department fund statement, {when}"),
        (Lang::En, Some(c)) => format!("Department fund statement, {c}, {when}"),
    }
}

/// The amount columns, with the opening balance only when the period has a start.
pub fn figure_columns(with_opening: bool) -> Vec<Col> {
    let mut cols = Vec::new();
    if with_opening {
        cols.push(c("opening", "期初结余"));
    }
    cols.extend([
        c("allocated", "分配"),
        c("withdrawn", "收回"),
        c("disbursed", "拨付"),
        c("returned", "退回"),
        c("paid", "支付"),
        c("balance", if with_opening { "期末结余" } else { "结余" }),
        c("entitlement", "单独补助应得"),
        c("gap", "缩水差额"),
    ]);
    cols
}

pub fn figure_cells(f: &Shown) -> Vec<Cell> {
    let mut cells: Vec<Cell> = f.opening.into_iter().map(Cell::Money).collect();
    cells.extend([
        f.allocated.into(),
        f.withdrawn.into(),
        f.disbursed.into(),
        f.returned.into(),
        f.paid.into(),
        f.balance.into(),
        f.entitlement.into(),
        f.gap.into(),
    ]);
    cells
}

/// The notes every statement carries: what the columns mean.
pub fn figure_notes(with_opening: bool) -> Vec<String> {
    let mut notes = vec![
        "结余 balance = 分配 allocated − 收回 withdrawn − 退回 returned − 支付 paid (cumulative to the period's end)"
            .to_string(),
        "缩水差额 gap = 单独补助应得 entitlement − received (allocated − withdrawn − returned) to the period's end, when positive".to_string(),
        "单独补助应得 0.00: no rule or approved amount applies; `fundledger entitlements --project P` says why".to_string(),
    ];
    if with_opening {
        notes.push(
            "期末结余 closing = 期初结余 opening + the period's allocated − withdrawn − returned − paid"
                .into(),
        );
    }
    notes
}

fn columns(with_opening: bool) -> Vec<Col> {
    let mut cols = vec![
        c("department", "部门"),
        c("channel", "资金类别"),
        c("project", "项目编号"),
        c("subproject", "子项目编号"),
    ];
    cols.extend(figure_columns(with_opening));
    cols
}

fn text(v: &Option<String>) -> Cell {
    v.as_deref().map_or(Cell::Empty, Cell::from)
}

/// A line's cells: a subtotal names itself in the first column it sums over.
fn line_cells(l: &Line) -> Vec<Cell> {
    let mut cells = match l.subtotal {
        None => vec![text(&l.department), text(&l.channel), text(&l.project), text(&l.subproject)],
        Some(Subtotal::Project) => {
            vec![text(&l.department), text(&l.channel), text(&l.project), PROJECT_SUBTOTAL]
        }
        Some(Subtotal::Channel) => vec![text(&l.department), text(&l.channel), CHANNEL_SUBTOTAL, Cell::Empty],
        Some(Subtotal::Department) => vec![text(&l.department), DEPARTMENT_TOTAL, Cell::Empty, Cell::Empty],
    };
    cells.extend(figure_cells(&l.figures));
    cells
}

/// The statement as a document: one table for the terminal and CSV, and for the workbook a
/// summary sheet followed by one sheet per department.
pub fn doc(s: &StatementReport, lang: Lang) -> Doc {
    let with_opening = s.with_opening();
    let title = title(s, lang);
    let mut all =
        Report { columns: columns(with_opening), notes: figure_notes(with_opening), ..Report::default() };
    for l in &s.lines {
        all.push(line_cells(l), l.subtotal.is_some());
    }
    let mut totals = vec![GRAND_TOTAL, Cell::Empty, Cell::Empty, Cell::Empty];
    totals.extend(figure_cells(&s.totals.figures));
    all.totals = Some(totals);
    if s.lines.is_empty() {
        all.notes.insert(0, "no sub-project has an entitlement or a movement for this selection".into());
    }
    let mut workbook = vec![summary(s, &title, lang)];
    for dept in s.lines.split_inclusive(|l| l.subtotal == Some(Subtotal::Department)) {
        workbook.push(department_sheet(dept, &title, with_opening));
    }
    let fingerprint = s.fingerprint.clone();
    let sections = vec![all, issued_table(&s.issued)];
    Doc { title, fingerprint: Some(fingerprint), sections, sheets: workbook, nest: false }
}

/// What was issued per department and channel, net of adjustments, with the period's
/// adjustments in the notes.
fn issued_table(i: &crate::report::issued::Issued) -> Report {
    let mut report = Report {
        title: "指标下达（含调整）issued, net of adjustments".into(),
        columns: vec![
            c("department", "部门"),
            c("channel", "资金类别"),
            c("original", "下达"),
            c("adjusted", "调整"),
            c("issued", "下达净额"),
        ],
        json_key: "issued",
        ..Report::default()
    };
    for l in &i.lines {
        report.rows.push(vec![
            l.department.as_str().into(),
            l.channel.as_str().into(),
            Cell::Money(l.original),
            Cell::Money(l.adjusted),
            Cell::Money(l.issued),
        ]);
    }
    report.notes = i
        .adjustments
        .iter()
        .map(|a| {
            format!(
                "{} {} {} ({}, {}): {} on {} — {}",
                a.county,
                a.appropriation,
                a.channel,
                a.document,
                if a.amount.is_positive() { "追加" } else { "调减" },
                a.amount.yuan_grouped(),
                a.date,
                a.reason
            )
        })
        .collect();
    report
}

/// One department's sheet: its lines, its total as the totals row.
fn department_sheet(lines: &[Line], title: &str, with_opening: bool) -> Report {
    let name = lines[0].department.clone().unwrap_or_default();
    let mut sheet = Report {
        title: format!("{title} — {name}"),
        sheet: name,
        columns: columns(with_opening),
        notes: figure_notes(with_opening),
        ..Report::default()
    };
    let (total, rows) = lines.split_last().expect("a department has its total line");
    for l in rows {
        sheet.push(line_cells(l), l.subtotal.is_some());
    }
    sheet.totals = Some(line_cells(total));
    sheet
}

/// The summary sheet: one row per department total, and the grand total.
fn summary(s: &StatementReport, title: &str, lang: Lang) -> Report {
    let with_opening = s.with_opening();
    let mut cols = vec![c("department", "部门")];
    cols.extend(figure_columns(with_opening));
    let mut summary = Report {
        title: title.to_string(),
        sheet: match lang {
            Lang::Zh => "汇总".into(),
            Lang::En => "Summary".into(),
        },
        columns: cols,
        notes: figure_notes(with_opening),
        ..Report::default()
    };
    for l in s.lines.iter().filter(|l| l.subtotal == Some(Subtotal::Department)) {
        let mut cells = vec![text(&l.department)];
        cells.extend(figure_cells(&l.figures));
        summary.rows.push(cells);
    }
    let mut grand = vec![GRAND_TOTAL];
    grand.extend(figure_cells(&s.totals.figures));
    summary.totals = Some(grand);
    summary
}
