//! `log [--since DATE] [--by NAME]`: the write journal — every write that recorded something,
//! with who ran it, when, what it recorded and the audit-chain links it appended. Reopened
//! years show here with their reason. The global `--operator` (or `FUNDLEDGER_OPERATOR`)
//! only ever says who is writing; `--by` is the filter, so what `log` shows never depends on
//! the environment.

use super::Ctx;
use crate::db::Db;
use crate::error::{escaped, Result};
use crate::render::{self, c, Cell, Col, Doc, Report, Unit};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only writes on or after this date (YYYY-MM-DD, the date in each write's time stamp).
    #[arg(long, value_parser = crate::args::date)]
    pub since: Option<chrono::NaiveDate>,
    /// Only writes recorded by this operator (as `log` shows them; surrounding spaces are
    /// trimmed, as they are when an operator is recorded).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

const COLUMNS: [Col; 8] = [
    c("write", "序号"),
    c("recorded_at", "时间"),
    c("operator", "操作员"),
    c("command", "命令"),
    c("detail", "对象"),
    c("summary", "结果"),
    c("reason", "原因"),
    c("links", "审计链节"),
];

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let writes = db.writes(args.since, args.by.as_deref().map(str::trim))?;
    let rows = writes
        .iter()
        .map(|w| {
            // The journal holds text from outside as it was given (a file name may hold an
            // ESC sequence or a bidi control); every format shows it escaped.
            let text = |t: &str| Cell::from(escaped(t).into_owned());
            vec![
                Cell::Int(w.id),
                text(&w.recorded_at),
                text(&w.operator),
                text(&w.command),
                text(&w.detail),
                text(&w.summary),
                text(&w.reason),
                Cell::from(format!("{}–{}", w.first_link, w.last_link + 1)),
            ]
        })
        .collect();
    let report = Report {
        title: "写入记录 write journal".into(),
        columns: COLUMNS.to_vec(),
        rows,
        json_key: "writes",
        notes: vec![format!(
            "{} write{} shown; each write's links include the journal row itself (the last one)",
            writes.len(),
            if writes.len() == 1 { "" } else { "s" }
        )],
        ..Report::default()
    };
    // No fingerprint row: the journal is a list scripts read as a plain table.
    let doc = Doc { sections: vec![report], ..Doc::default() };
    render::print_doc(&doc, ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
