//! `reconcile --project P [--payments FILE] [--receipts FILE]`: the project's sub-project ×
//! channel matrix (项目资金对账) for its implementing body and, given the body's own records
//! (CSVs from their Excel, UTF-8 or GB18030), its payments matched against the ledger's
//! payments and its receipts against the ledger's disbursements (拨付). Exit 3 when anything
//! does not match.

use super::Ctx;
use crate::db::Db;
use crate::error::{exit, Error, Result};
use crate::import::{self, Column, CsvInput};
use crate::ledger::Outcome;
use crate::model::Payment;
use crate::pipeline;
use crate::render::{self, Unit};
use crate::report::reconcile::reconcile;
use std::path::{Path, PathBuf};

type ParseRecord = fn(&import::Row<'_>) -> std::result::Result<Payment, Vec<crate::error::Problem>>;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The project (项目编号).
    #[arg(long)]
    pub project: String,
    /// The implementing body's payment records: voucher (optional), date, subproject, amount
    /// (凭证号, 日期, 子项目编号, 金额), UTF-8 or GB18030.
    #[arg(long, value_name = "FILE")]
    pub payments: Option<PathBuf>,
    /// The implementing body's receipts (money received from the bureau): voucher (optional),
    /// date, subproject, amount (收款凭证号, 到账日期, 子项目编号, 到账金额), matched against the
    /// project's disbursements (拨付).
    #[arg(long, value_name = "FILE")]
    pub receipts: Option<PathBuf>,
    /// Amount unit (display rounding only).
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    crate::args::require_project(&db, &args.project)?;
    // Read the records first: a malformed file is reported before anything is printed.
    let payments = args
        .payments
        .as_deref()
        .map(|path| read_records(path, import::PAYMENT_COLUMNS, import::parse_payment))
        .transpose()?;
    let receipts = args
        .receipts
        .as_deref()
        .map(|path| read_records(path, import::RECEIPT_COLUMNS, import::parse_receipt))
        .transpose()?;
    let value = reconcile(&db, &catalog, &args.project, payments.as_deref(), receipts.as_deref())?;
    let title = render::reconcile::title(&value, ctx.lang);
    let doc = || render::reconcile::doc(&value, ctx.lang);
    render::print_titled(&title, &value, doc, ctx.options(args.unit), ctx.out())?;
    Ok(if value.mismatched { exit::FLAGS } else { 0 })
}

/// Reads a body's records file: every row parsed, a voucher given twice for one sub-project
/// refused.
fn read_records(path: &Path, columns: &'static [Column], parse: ParseRecord) -> Result<Vec<Payment>> {
    let mut records = Vec::new();
    let mut keys = import::RecordKeys::default();
    let result = CsvInput::open(path, columns).and_then(|mut input| {
        pipeline::run(&mut input, parse, |p| {
            if let Err(problems) = keys.check(p) {
                return Ok(Err(problems));
            }
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
