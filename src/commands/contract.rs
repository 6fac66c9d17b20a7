//! `contracts [--project P]` (price, paid and remaining per contract, sub-project and channel,
//! with commitments beside balances) and `pay-contract` (plan a payment on a contract; with
//! `--commit`, record it as one voucher, all or nothing).

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::Stamp;
use crate::model::Voucher;
use crate::money::Fen;
use crate::render::{self, Unit};

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Only this project's contracts (项目编号).
    #[arg(long)]
    pub project: Option<String>,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

#[derive(clap::Args, Debug)]
pub struct PayArgs {
    /// The contract (合同编号).
    #[arg(long)]
    pub contract: String,
    /// The amount paid, in yuan.
    #[arg(long)]
    pub amount: String,
    /// The date of the payment, YYYY-MM-DD.
    #[arg(long, value_parser = crate::args::date)]
    pub date: chrono::NaiveDate,
    /// The voucher number (凭证号) the payment is recorded under.
    #[arg(long)]
    pub voucher: String,
    /// The memo (摘要) on each line.
    #[arg(long, default_value = "")]
    pub memo: String,
    /// Record the planned payment (without it, only the plan is shown).
    #[arg(long)]
    pub commit: bool,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run_list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    if let Some(p) = &args.project {
        crate::args::require_project(&db, p)?;
    }
    let value = crate::report::contracts::contracts(&db, args.project.as_deref())?;
    render::print_value(&value, || render::contracts::doc(&value), ctx.options(args.unit), ctx.out())?;
    Ok(0)
}

pub fn run_pay(ctx: &Ctx, args: &PayArgs) -> Result<u8> {
    let amount = Fen::parse_positive(&args.amount)
        .map_err(|e| Error::BadRequest(vec![Problem::new(Check::R6, e.to_string()).column("--amount")]))?;
    let voucher = crate::model::parse_code(&args.voucher, "voucher")
        .map(Voucher::stored)
        .map_err(|m| Error::BadRequest(vec![Problem::new(Check::Format, m).column("--voucher")]))?;
    let memo = crate::model::parse_text(&args.memo, "memo", false)
        .map_err(|m| Error::BadRequest(vec![Problem::new(Check::Format, m).column("--memo")]))?;
    if !args.commit {
        let db = Db::open_snapshot(&ctx.db_path())?;
        let plan =
            crate::ledger::pay_plan(&db, &args.contract, amount, args.date)?.map_err(Error::Rejected)?;
        return show(ctx, args, &plan, None);
    }
    let mut db = Db::open(&ctx.db_path())?;
    let stamp = Stamp::now(&ctx.operator);
    let (plan, done) = crate::ledger::pay_contract(
        &mut db,
        &args.contract,
        amount,
        args.date,
        &voucher,
        &memo,
        None,
        &stamp,
        None,
    )?
    .map_err(|problems| Error::Rejected(problems.into_iter().map(|(_, p)| p).collect()))?;
    let n = done.added + done.pending;
    let said = match done.pending {
        0 => crate::tr!("已记录凭证 {voucher}（{n} 条支付分录）", "recorded voucher {voucher} ({n} pay lines)"),
        _ => crate::tr!(
            "凭证 {voucher}（{n} 条支付分录）已提交审批，金额已预留；由另一人批准后生效",
            "voucher {voucher} ({n} pay lines) is submitted for approval and its money reserved; it takes effect when someone else approves it"
        ),
    };
    show(ctx, args, &plan, Some(&said))
}

fn show(ctx: &Ctx, args: &PayArgs, plan: &crate::ledger::PayPlan, said: Option<&str>) -> Result<u8> {
    render::print_value(plan, || render::contracts::plan(plan, said), ctx.options(args.unit), ctx.out())?;
    Ok(0)
}
