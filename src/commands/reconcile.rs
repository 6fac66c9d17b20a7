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
use crate::pipeline;
use crate::render::{self, Unit};
use crate::report::reconcile::reconcile;
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
    crate::args::require_project(&db, &args.project)?;
    // Read the records first: a malformed file is reported before anything is printed.
    let records = match &args.payments {
        None => None,
        Some(path) => Some(read_payments(path)?),
    };
    let value = reconcile(&db, &catalog, &args.project, records.as_deref())?;
    let title = render::reconcile::title(&value, ctx.lang);
    let doc = || render::reconcile::doc(&value, ctx.lang);
    render::print_titled(&title, &value, doc, ctx.options(args.unit), ctx.out())?;
    Ok(if value.mismatched { exit::FLAGS } else { 0 })
}

fn read_payments(path: &std::path::Path) -> Result<Vec<Payment>> {
    let mut records = Vec::new();
    let result = CsvInput::open(path, import::PAYMENT_COLUMNS).and_then(|mut input| {
        pipeline::run(&mut input, import::parse_payment, |p| {
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
