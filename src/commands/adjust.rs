//! `adjust appropriation A --by AMOUNT --date D --doc DOC --reason TEXT`: record a 追加 (a
//! positive amount), 调减 or 上级收回 (a negative one) of an appropriation, through the same
//! writer and rules as `import adjustments`.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::{AdjustmentWriter, Outcome, Stamp};
use crate::model::{self, AppropriationCode, NewAdjustment};
use crate::money::AmountUnit;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(clap::Subcommand, Debug)]
pub enum What {
    /// Change what an appropriation issued: 追加 (--by 200000), 调减 or 上级收回 (--by -50000).
    Appropriation {
        /// The appropriation line (指标编号).
        appropriation: String,
        /// The change in yuan, signed: positive for 追加, negative for 调减 or 上级收回.
        #[arg(long, allow_hyphen_values = true)]
        by: String,
        /// The adjustment's date (the date of its document), YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The document that adjusts it (依据文号), e.g. 浙财农〔2024〕56号.
        #[arg(long)]
        doc: String,
        /// Why (原因), e.g. 上级收回结余资金.
        #[arg(long)]
        reason: String,
    },
}

fn flag<T>(
    problems: &mut Vec<Problem>,
    option: &str,
    check: Check,
    r: std::result::Result<T, String>,
) -> Option<T> {
    r.map_err(|m| problems.push(Problem::new(check, m).column(option))).ok()
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let What::Appropriation { appropriation, by, date, doc, reason } = &args.what;
    let mut p = Vec::new();
    let code = flag(
        &mut p,
        "APPROPRIATION",
        Check::Format,
        AppropriationCode::parse_as(appropriation, "appropriation"),
    );
    let amount = flag(&mut p, "--by", Check::R6, model::parse_adjustment_amount(by, AmountUnit::Yuan));
    let date = flag(&mut p, "--date", Check::Format, crate::args::date(date));
    let document = flag(
        &mut p,
        "--doc",
        Check::Format,
        model::parse_text_up_to(doc, "doc", true, model::MAX_NAME_CHARS),
    );
    let reason = flag(&mut p, "--reason", Check::Format, model::parse_text(reason, "reason", true));
    let (Some(appropriation), Some(amount), Some(date), Some(document), Some(reason)) =
        (code, amount, date, document, reason)
    else {
        return Err(Error::Rejected(p));
    };
    let a = NewAdjustment { appropriation, amount, date, document, reason };
    record(ctx, &a)
}

fn record(ctx: &Ctx, a: &NewAdjustment) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    let stamp = Stamp::now(&ctx.operator);
    let tx = db.begin()?;
    let mut w = AdjustmentWriter::new(&tx, &stamp)?;
    let as_option = |p: Problem| match p.column.as_deref() {
        Some("appropriation") => p.column("APPROPRIATION"),
        Some("amount") => p.column("--by"),
        Some(column) => {
            let option = format!("--{column}");
            p.column(option)
        }
        None => p,
    };
    let outcome = w.write(a)?.map_err(|p| Error::Rejected(p.into_iter().map(as_option).collect()))?;
    let kind = if a.amount.is_positive() { "追加" } else { "调减" };
    let summary = match outcome {
        Outcome::Added => format!("{kind} {}", a.amount),
        Outcome::Unchanged | Outcome::Pending => String::new(),
    };
    tx.commit(&stamp.record("adjust", &a.appropriation, &summary))?;
    match outcome {
        Outcome::Added => {
            let (amount, code, date, doc) = (a.amount, &a.appropriation, a.date, &a.document);
            crate::outln!(
                "{}",
                crate::tr!(
                    "已记录指标 {code} 的{kind} {amount}，日期 {date}（{doc}）",
                    "recorded {kind} of {amount} on appropriation {code} dated {date} ({doc})"
                )
            )
        }
        Outcome::Unchanged | Outcome::Pending => {
            let (doc, code) = (&a.document, &a.appropriation);
            crate::outln!(
                "{}",
                crate::tr!(
                    "指标 {code} 的调整 {doc} 已按相同日期和金额记录过；未写入任何内容",
                    "the adjustment {doc} of appropriation {code} is already recorded with the same date and amount; nothing written"
                )
            )
        }
    }
    Ok(0)
}
