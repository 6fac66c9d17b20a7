//! `reconcile --project P [--payments FILE] [--receipts FILE]`: the project's sub-project ×
//! channel matrix (项目资金对账) for its implementing body and, given the body's own records
//! (CSVs from their Excel, UTF-8 or GB18030), its payments matched against the ledger's
//! payments and its receipts against the ledger's disbursements (拨付). Exit 3 when anything
//! does not match.

use super::Ctx;
use crate::db::Db;
use crate::error::{exit, Result};
use crate::import::{self, CsvInput};
use crate::pipeline;
use crate::render::{self, Unit};
use crate::report::reconcile::reconcile;
use std::path::PathBuf;

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
        .map(|path| {
            pipeline::read_records(CsvInput::open(path, import::PAYMENT_COLUMNS), import::parse_payment)
        })
        .transpose()?;
    let receipts = args
        .receipts
        .as_deref()
        .map(|path| {
            pipeline::read_records(CsvInput::open(path, import::RECEIPT_COLUMNS), import::parse_receipt)
        })
        .transpose()?;
    let value = reconcile(&db, &catalog, &args.project, payments.as_deref(), receipts.as_deref())?;
    let title = render::reconcile::title(&value, ctx.lang);
    let doc = || render::reconcile::doc(&value, ctx.lang);
    render::print_titled(&title, &value, doc, ctx.options(args.unit), ctx.out())?;
    Ok(if value.mismatched { exit::FLAGS } else { 0 })
}
