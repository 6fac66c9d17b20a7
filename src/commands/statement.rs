//! `statement [--department D] [--year Y | --from D --to D] [--county C]`: the per-department
//! fund statement (部门资金报表): department → channel → project → sub-project, with project
//! and channel subtotals, department totals and a grand total. One sheet per department in
//! the .xlsx, after a summary sheet.

use super::Ctx;
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::model;
use crate::render::{self, c, Cell, Col, Doc, Lang, Report, Unit};
use crate::report::statement::{self, Figures, Filter, Period, Row};
use chrono::NaiveDate;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this department (code or name, e.g. 市农业农村局).
    #[arg(long)]
    pub department: Option<String>,
    /// A calendar year: movements from 1 January to 31 December.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub year: Option<i32>,
    /// First day of the period, YYYY-MM-DD (default: the first entry).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day of the period, YYYY-MM-DD (default: the last entry).
    #[arg(long)]
    pub to: Option<String>,
    /// Only this county (code or name).
    #[arg(long)]
    pub county: Option<String>,
    /// Amount unit (display rounding only; totals are summed in fen).
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let period = parse_period(args.year, args.from.as_deref(), args.to.as_deref())?;
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let department = match &args.department {
        None => None,
        Some(d) => Some(
            catalog
                .department(d)
                .ok_or_else(|| {
                    let known: Vec<String> =
                        catalog.departments.iter().map(|d| format!("{} ({})", d.name, d.code)).collect();
                    let message = format!("'{d}' is not a known department (known: {})", known.join(", "));
                    Error::BadRequest(vec![Problem::new(Check::Unknown, message).column("--department")])
                })?
                .code
                .clone(),
        ),
    };
    let county = super::resolve_county(&catalog, args.county.as_deref())?;
    let filter = Filter { department, county, project: None };
    let rows = statement::statement(&db, &catalog, period, &filter)?;
    let doc = document(&catalog, &rows, period, filter.county.as_deref(), ctx.lang, db.fingerprint()?);
    render::print_doc(&doc, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}

/// `--year`, or `--from`/`--to`, as a period; a reversed range is refused.
pub fn parse_period(year: Option<i32>, from: Option<&str>, to: Option<&str>) -> Result<Period> {
    if let Some(y) = year {
        return Period::year(y).filter(|_| (1900..=9999).contains(&y)).ok_or_else(|| {
            Error::BadRequest(vec![
                Problem::new(Check::Format, format!("'{y}' is not a year")).column("--year")
            ])
        });
    }
    let date = |flag: &str, v: Option<&str>| -> Result<Option<NaiveDate>> {
        v.map(|v| {
            model::parse_date(v)
                .map_err(|m| Error::BadRequest(vec![Problem::new(Check::Format, m).column(flag)]))
        })
        .transpose()
    };
    let period = Period { from: date("--from", from)?, to: date("--to", to)? };
    if let (Some(f), Some(t)) = (period.from, period.to) {
        if f > t {
            let message = format!("the period ends ({t}) before it starts ({f})");
            return Err(Error::BadRequest(vec![Problem::new(Check::Format, message).column("--to")]));
        }
    }
    Ok(period)
}

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

pub fn figure_cells(f: &Figures, with_opening: bool) -> Vec<Cell> {
    let mut cells = Vec::new();
    if with_opening {
        cells.push(f.opening.into());
    }
    let m = &f.movement;
    cells.extend([
        m.allocated.into(),
        m.withdrawn.into(),
        m.disbursed.into(),
        m.returned.into(),
        m.paid.into(),
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

fn department_name(catalog: &Catalog, code: &str) -> String {
    catalog.department(code).map_or(code.to_string(), |d| d.name.clone())
}

fn channel_name(catalog: &Catalog, code: &str) -> String {
    catalog.channel(code).map_or(code.to_string(), |c| c.name.clone())
}

const DEPARTMENT_TOTAL: Cell = Cell::Label { zh: "部门合计", en: "department total" };
const CHANNEL_SUBTOTAL: Cell = Cell::Label { zh: "渠道小计", en: "channel subtotal" };
const PROJECT_SUBTOTAL: Cell = Cell::Label { zh: "项目小计", en: "project subtotal" };
const GRAND_TOTAL: Cell = Cell::Label { zh: "总计", en: "total" };

/// The rows of one department with project subtotals (for projects with more than one row
/// on a channel), channel subtotals and, unless `total_row` is false, the department total.
fn department_rows(catalog: &Catalog, rows: &[Row], with_opening: bool, out: &mut Report, total_row: bool) {
    let dept = department_name(catalog, &rows[0].department);
    for channel_rows in rows.chunk_by(|a, b| a.channel == b.channel) {
        let channel = channel_name(catalog, &channel_rows[0].channel);
        for project_rows in channel_rows.chunk_by(|a, b| a.project == b.project) {
            for r in project_rows {
                let mut cells = vec![
                    Cell::from(dept.as_str()),
                    Cell::from(channel.as_str()),
                    Cell::from(r.project.as_str()),
                    Cell::from(r.subproject.as_str()),
                ];
                cells.extend(figure_cells(&r.figures, with_opening));
                out.push(cells, false);
            }
            if project_rows.len() > 1 {
                let mut cells = vec![
                    Cell::from(dept.as_str()),
                    Cell::from(channel.as_str()),
                    Cell::from(project_rows[0].project.as_str()),
                    PROJECT_SUBTOTAL,
                ];
                cells.extend(figure_cells(&statement::total(project_rows), with_opening));
                out.push(cells, true);
            }
        }
        let mut cells =
            vec![Cell::from(dept.as_str()), Cell::from(channel.as_str()), CHANNEL_SUBTOTAL, Cell::Empty];
        cells.extend(figure_cells(&statement::total(channel_rows), with_opening));
        out.push(cells, true);
    }
    if total_row {
        let mut cells = vec![Cell::from(dept.as_str()), DEPARTMENT_TOTAL, Cell::Empty, Cell::Empty];
        cells.extend(figure_cells(&statement::total(rows), with_opening));
        out.push(cells, true);
    }
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

/// The statement as a document: one table for the terminal, CSV and JSON, and for the
/// workbook a summary sheet followed by one sheet per department.
pub fn document(
    catalog: &Catalog,
    rows: &[Row],
    period: Period,
    county: Option<&str>,
    lang: Lang,
    fingerprint: crate::db::Fingerprint,
) -> Doc {
    let with_opening = period.from.is_some();
    let when = period_text(period, lang);
    let title = match (lang, county) {
        (Lang::Zh, None) => format!("部门资金报表 {when}"),
        (Lang::Zh, Some(c)) => format!("部门资金报表 {c} {when}"),
        (Lang::En, None) => format!("Department fund statement, {when}"),
        (Lang::En, Some(c)) => format!("Department fund statement, {c}, {when}"),
    };
    let totals = |rows: &[Row], label: Cell| {
        let mut cells = vec![label, Cell::Empty, Cell::Empty, Cell::Empty];
        cells.extend(figure_cells(&statement::total(rows), with_opening));
        cells
    };

    let mut all = Report {
        title: String::new(),
        columns: columns(with_opening),
        notes: figure_notes(with_opening),
        ..Report::default()
    };
    let mut sheets = Vec::new();
    let departments: Vec<&[Row]> = rows.chunk_by(|a, b| a.department == b.department).collect();
    for dept_rows in &departments {
        department_rows(catalog, dept_rows, with_opening, &mut all, true);
        let name = department_name(catalog, &dept_rows[0].department);
        let mut sheet = Report {
            title: format!("{title} — {name}"),
            sheet: name.clone(),
            columns: columns(with_opening),
            notes: figure_notes(with_opening),
            ..Report::default()
        };
        department_rows(catalog, dept_rows, with_opening, &mut sheet, false);
        let mut total = vec![Cell::from(name), DEPARTMENT_TOTAL, Cell::Empty, Cell::Empty];
        total.extend(figure_cells(&statement::total(dept_rows), with_opening));
        sheet.totals = Some(total);
        sheets.push(sheet);
    }
    all.totals = Some(totals(rows, GRAND_TOTAL));
    if rows.is_empty() {
        all.notes.insert(0, "no sub-project has an entitlement or a movement for this selection".into());
    }

    let mut summary = Report {
        title: title.clone(),
        sheet: match lang {
            Lang::Zh => "汇总".into(),
            Lang::En => "Summary".into(),
        },
        columns: {
            let mut cols = vec![c("department", "部门")];
            cols.extend(figure_columns(with_opening));
            cols
        },
        notes: figure_notes(with_opening),
        ..Report::default()
    };
    for dept_rows in &departments {
        let mut cells = vec![Cell::from(department_name(catalog, &dept_rows[0].department))];
        cells.extend(figure_cells(&statement::total(dept_rows), with_opening));
        summary.rows.push(cells);
    }
    let mut grand = vec![GRAND_TOTAL];
    grand.extend(figure_cells(&statement::total(rows), with_opening));
    summary.totals = Some(grand);
    let mut workbook = vec![summary];
    workbook.extend(sheets);

    Doc {
        title,
        fingerprint: Some(render::Fingerprint { entries: fingerprint.entries, hash: fingerprint.hash }),
        sections: vec![all],
        sheets: workbook,
        nest: false,
    }
}
