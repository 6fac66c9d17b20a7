//! `reconcile --project P [--payments FILE]`: the project's sub-project × channel matrix
//! (项目资金对账) for its implementing body and, given the body's own payment records (a CSV
//! from their Excel, UTF-8 or GB18030), a match against the ledger's payments. Exit 3 when
//! anything does not match.

use super::Ctx;
use crate::db::Db;
use crate::error::{exit, Error, Result};
use crate::import::{self, CsvInput};
use crate::ledger::Outcome;
use crate::model::Payment;
use crate::money::Fen;
use crate::render::{self, c, Cell, Doc, Lang, Report, Unit};
use crate::report::reconcile::{match_payments, Match, Status};
use crate::report::statement::{self, Filter, Period};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The project (项目编号).
    #[arg(long)]
    pub project: String,
    /// The implementing body's payment records: voucher, date, subproject, amount (凭证号,
    /// 日期, 子项目编号, 金额), UTF-8 or GB18030.
    #[arg(long, value_name = "FILE")]
    pub payments: Option<PathBuf>,
    /// Amount unit (display rounding only).
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    super::require_project(&db, &args.project)?;
    // Read the records first: a malformed file is reported before anything is printed.
    let records = match &args.payments {
        None => None,
        Some(path) => Some(read_payments(path)?),
    };
    let filter = Filter { project: Some(args.project.clone()), ..Filter::default() };
    let mut rows = statement::statement(&db, &catalog, Period::default(), &filter)?;
    let channel_seq =
        |code: &str| catalog.channels.iter().position(|ch| ch.code == code).unwrap_or(usize::MAX);
    rows.sort_by(|a, b| {
        (&a.subproject, channel_seq(&a.channel)).cmp(&(&b.subproject, channel_seq(&b.channel)))
    });

    let title = match ctx.lang {
        Lang::Zh => format!("项目资金对账 {}", args.project),
        Lang::En => format!("Project reconciliation {}", args.project),
    };
    let mut matrix = Report {
        title: match ctx.lang {
            Lang::Zh => "子项目 × 资金类别".into(),
            Lang::En => "Sub-project × channel".into(),
        },
        sheet: match ctx.lang {
            Lang::Zh => "资金明细".into(),
            Lang::En => "Funds".into(),
        },
        columns: [c("subproject", "子项目编号"), c("channel", "资金类别"), c("department", "部门")]
            .into_iter()
            .chain(render::statement::figure_columns(false))
            .collect(),
        notes: render::statement::figure_notes(false),
        json_key: "matrix",
        ..Report::default()
    };
    for r in &rows {
        let mut cells = vec![
            Cell::from(r.subproject.as_str()),
            Cell::from(catalog.channel(&r.channel).map_or(r.channel.clone(), |ch| ch.name.clone())),
            Cell::from(catalog.department(&r.department).map_or(r.department.clone(), |d| d.name.clone())),
        ];
        cells.extend(render::statement::figure_cells(&statement::Shown::new(&r.figures, false)));
        matrix.rows.push(cells);
    }
    let mut total = vec![Cell::Label { zh: "合计", en: "total" }, Cell::Empty, Cell::Empty];
    total.extend(render::statement::figure_cells(&statement::Shown::new(&statement::total(&rows), false)));
    matrix.totals = Some(total);

    let mut doc = Doc {
        title,
        fingerprint: Some({
            let f = db.fingerprint()?;
            render::Fingerprint { entries: f.entries, hash: f.hash }
        }),
        sections: vec![matrix],
        sheets: Vec::new(),
        nest: true,
    };
    let mut code = 0;
    if let Some(records) = records {
        let pays = db.project_payments(&args.project)?;
        // A voucher that is not one of this project's payments may still be in the ledger.
        let mut elsewhere = std::collections::HashMap::new();
        let ours: std::collections::HashSet<&str> = pays.iter().map(|p| p.voucher.as_str()).collect();
        for r in records.iter().filter(|r| !ours.contains(r.voucher.as_str())) {
            if let Some(e) = db.entry(&r.voucher)? {
                let note = match e.kind {
                    crate::model::Kind::Pay => {
                        format!(
                            "{} is a payment of sub-project {}, outside this project",
                            r.voucher, e.subproject
                        )
                    }
                    kind => format!(
                        "{} is a {kind} ({}) entry in the ledger, not a payment",
                        r.voucher,
                        kind.zh()
                    ),
                };
                elsewhere.insert(r.voucher.clone(), note);
            }
        }
        let other = |voucher: &str| elsewhere.get(voucher).cloned();
        let mut matches = match_payments(&pays, &records, other);
        // Name a sub-project code the project does not have: usually a typing slip.
        let ours: std::collections::HashSet<&str> = rows.iter().map(|r| r.subproject.as_str()).collect();
        for m in &mut matches {
            if let Some(r) = m.record.as_ref().filter(|r| !ours.contains(r.subproject.as_str())) {
                let sep = if m.note.is_empty() { "" } else { "; " };
                m.note =
                    format!("{}{sep}sub-project {} is not in project {}", m.note, r.subproject, args.project);
            }
        }
        if matches.iter().any(|m| m.status != Status::Matched) {
            code = exit::FLAGS;
        }
        let mut summary = summary_report(&matches, ctx.lang);
        if records.is_empty() {
            summary.notes.insert(0, "the payments file has a header but no rows".into());
        }
        doc.sections.push(summary);
        doc.sections.push(matches_report(&matches, ctx.lang));
    }
    render::print_doc(&doc, ctx.options(args.unit), ctx.out())?;
    Ok(code)
}

fn read_payments(path: &std::path::Path) -> Result<Vec<Payment>> {
    let mut records = Vec::new();
    let result = CsvInput::open(path, import::PAYMENT_COLUMNS).and_then(|mut input| {
        import::run(&mut input, import::parse_payment, |p| {
            records.push(p.clone());
            Ok(Ok(Outcome::Added))
        })
    });
    match result {
        Ok(_) => Ok(records),
        // Nothing is written by `reconcile`: a bad file is a bad request, not a refused write.
        Err(Error::Rejected(problems)) => Err(Error::BadRequest(problems)),
        Err(e) => Err(e),
    }
}

fn status_cell(s: Status) -> Cell {
    Cell::Label { zh: s.zh(), en: s.code() }
}

fn summary_report(matches: &[Match], lang: Lang) -> Report {
    let mut report = Report {
        title: match lang {
            Lang::Zh => "支付对账汇总".into(),
            Lang::En => "Payments matched".into(),
        },
        sheet: match lang {
            Lang::Zh => "对账汇总".into(),
            Lang::En => "Summary".into(),
        },
        columns: vec![
            c("status", "对账结果"),
            c("count", "笔数"),
            c("ledger_amount", "账本金额"),
            c("records_amount", "单位记录金额"),
        ],
        json_key: "summary",
        ..Report::default()
    };
    for status in [Status::Matched, Status::Differs, Status::LedgerOnly, Status::RecordsOnly] {
        let of: Vec<&Match> = matches.iter().filter(|m| m.status == status).collect();
        let ledger: Fen = of.iter().filter_map(|m| m.ledger.as_ref().map(|l| l.amount)).sum();
        let records: Fen = of.iter().filter_map(|m| m.record.as_ref().map(|r| r.amount)).sum();
        report.rows.push(vec![
            status_cell(status),
            Cell::Int(of.len() as i64),
            ledger.into(),
            records.into(),
        ]);
    }
    let ledger: Fen = matches.iter().filter_map(|m| m.ledger.as_ref().map(|l| l.amount)).sum();
    let records: Fen = matches.iter().filter_map(|m| m.record.as_ref().map(|r| r.amount)).sum();
    report.totals = Some(vec![
        Cell::Label { zh: "合计", en: "total" },
        Cell::Int(matches.len() as i64),
        ledger.into(),
        records.into(),
    ]);
    let mismatches = matches.iter().filter(|m| m.status != Status::Matched).count();
    report.notes.push(match (mismatches, lang) {
        (0, Lang::Zh) => "全部一致 every payment matches".into(),
        (0, Lang::En) => "every payment matches".into(),
        (n, Lang::Zh) => {
            format!("{n} 笔未对上（不一致、仅账本有、仅单位记录有）{n} payment(s) do not match; see the list")
        }
        (n, Lang::En) => format!("{n} payment(s) do not match; see the list"),
    });
    report
}

fn matches_report(matches: &[Match], lang: Lang) -> Report {
    let mut report = Report {
        title: match lang {
            Lang::Zh => "支付对账明细".into(),
            Lang::En => "Payments, voucher by voucher".into(),
        },
        sheet: match lang {
            Lang::Zh => "对账明细".into(),
            Lang::En => "Payments".into(),
        },
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
    for m in matches {
        let l = m.ledger.as_ref();
        let r = m.record.as_ref();
        report.rows.push(vec![
            status_cell(m.status),
            Cell::from(m.voucher.as_str()),
            l.map_or(Cell::Empty, |l| l.date.to_string().into()),
            r.map_or(Cell::Empty, |r| r.date.to_string().into()),
            l.map_or(Cell::Empty, |l| l.subproject.as_str().into()),
            r.map_or(Cell::Empty, |r| r.subproject.as_str().into()),
            l.map_or(Cell::Empty, |l| l.amount.into()),
            r.map_or(Cell::Empty, |r| r.amount.into()),
            Cell::from(m.note.as_str()),
        ]);
    }
    report
}
