//! `post` and `reverse`: record one entry from the command line, through the same writer and
//! rules as an import.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::{Outcome, Stamp};
use crate::model::{self, AppropriationCode, Kind, NewEntry, SubprojectCode, Voucher};
use crate::money::Fen;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// allocate/分配, disburse/拨付, pay/支付, withdraw/收回, return/退回.
    #[arg(long)]
    pub kind: String,
    /// The appropriation line (指标编号).
    #[arg(long)]
    pub appropriation: String,
    /// The sub-project (子项目编号).
    #[arg(long)]
    pub subproject: String,
    /// Yuan, at most two decimals (1234.50, 1,234.50, ¥1,234.50).
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    /// The entry's date, YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
    /// The voucher number (凭证号); with --line, one line of it (a voucher's lines are
    /// recorded together: import a file to record several).
    #[arg(long)]
    pub voucher: String,
    /// The voucher's line (分录号).
    #[arg(long, default_value_t = 1, value_parser = crate::args::voucher_line)]
    pub line: u32,
    /// A memo (摘要).
    #[arg(long, default_value = "")]
    pub memo: String,
    /// The channel you expect the appropriation to carry; refused if it differs (R1).
    #[arg(long)]
    pub channel: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ReverseArgs {
    /// The voucher of the entry to reverse.
    pub original: String,
    /// Only this line of it (default: every line, each reversed by the same line of the new
    /// voucher).
    #[arg(long, value_parser = crate::args::voucher_line)]
    pub line: Option<u32>,
    /// The new voucher number for the reversal.
    #[arg(long)]
    pub voucher: String,
    /// Why the entry is reversed; recorded as the memo.
    #[arg(long)]
    pub reason: String,
    /// The reversal's date, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub date: Option<String>,
}

fn flag<T>(
    problems: &mut Vec<Problem>,
    column: &str,
    check: Check,
    r: std::result::Result<T, String>,
) -> Option<T> {
    r.map_err(|m| problems.push(Problem::new(check, m).column(column))).ok()
}

pub fn run(ctx: &Ctx, a: &Args) -> Result<u8> {
    let mut p = Vec::new();
    let kind = flag(
        &mut p,
        "--kind",
        Check::Format,
        Kind::parse(&a.kind).and_then(|k| match k {
            Kind::Reverse => Err(crate::lang::pick(
                "冲销分录请用 `fundledger reverse VOUCHER`",
                "use `fundledger reverse VOUCHER` to reverse an entry",
            )
            .to_string()),
            k => Ok(k),
        }),
    );
    let amount =
        flag(&mut p, "--amount", Check::R6, Fen::parse_positive(&a.amount).map_err(|e| e.to_string()));
    let date = flag(&mut p, "--date", Check::Format, crate::args::date(&a.date));
    let voucher = flag(&mut p, "--voucher", Check::Format, Voucher::parse_as(&a.voucher, "voucher"));
    let appropriation = flag(
        &mut p,
        "--appropriation",
        Check::Format,
        AppropriationCode::parse_as(&a.appropriation, "appropriation"),
    );
    let subproject =
        flag(&mut p, "--subproject", Check::Format, SubprojectCode::parse_as(&a.subproject, "subproject"));
    let memo = flag(&mut p, "--memo", Check::Format, model::parse_text(&a.memo, "memo", false));
    let (
        Some(kind),
        Some(amount),
        Some(date),
        Some(voucher),
        Some(appropriation),
        Some(subproject),
        Some(memo),
    ) = (kind, amount, date, voucher, appropriation, subproject, memo)
    else {
        return Err(Error::Rejected(p));
    };
    let entry = NewEntry {
        voucher,
        line: a.line,
        date,
        kind,
        appropriation: Some(appropriation),
        subproject: Some(subproject),
        amount: Some(amount),
        reverses: None,
        reverses_line: None,
        memo,
        channel_ref: a.channel.clone(),
    };
    record(ctx, &[entry])
}

pub fn run_reverse(ctx: &Ctx, a: &ReverseArgs) -> Result<u8> {
    let mut p = Vec::new();
    let date = match &a.date {
        Some(d) => flag(&mut p, "--date", Check::Format, crate::args::date(d)),
        None => Some(chrono::Local::now().date_naive()),
    };
    let voucher = flag(&mut p, "--voucher", Check::Format, Voucher::parse_as(&a.voucher, "voucher"));
    let original = flag(&mut p, "VOUCHER", Check::Format, Voucher::parse_as(&a.original, "voucher"));
    let reason = flag(&mut p, "--reason", Check::Format, model::parse_text(&a.reason, "reason", true));
    let (Some(date), Some(voucher), Some(original), Some(memo)) = (date, voucher, original, reason) else {
        return Err(Error::Rejected(p));
    };
    // One line, or every line of the original voucher, each reversed by the same line of
    // the new one.
    let lines = match a.line {
        Some(line) => vec![Some(line)],
        None => {
            crate::ledger::lines_to_reverse(&Db::open_snapshot(&ctx.db_path())?.voucher_lines(&original)?)
        }
    };
    let entries = crate::ledger::reversal(&original, &lines, &voucher, date, &memo);
    record(ctx, &entries)
}

/// Records a voucher's lines together, or nothing.
fn record(ctx: &Ctx, entries: &[NewEntry]) -> Result<u8> {
    let Some(entry) = entries.first() else { return Ok(0) };
    let mut db = Db::open(&ctx.db_path())?;
    let reversal = entry.kind == Kind::Reverse;
    // The writer names CSV columns; on the command line they are options (the entry a
    // reversal names is the VOUCHER argument, which has no option of its own).
    let as_option = |p: Problem| match p.column.as_deref() {
        None => p,
        Some("reverses") => p.column("VOUCHER"),
        Some("reverses_line") => p.column("--line"),
        // A reversal takes its line and amount from the original: a problem with them is the
        // original's, not an option's.
        Some("appropriation" | "subproject" | "amount" | "channel") if reversal => {
            Problem { column: None, ..p }
        }
        Some(column) => {
            let option = format!("--{column}");
            p.column(option)
        }
    };
    let command = if reversal { "reverse" } else { "post" };
    let done = crate::ledger::record_voucher(&mut db, entries, &Stamp::now(&ctx.operator), None, command)?
        .map_err(|problems| Error::Rejected(problems.into_iter().map(|(_, p)| as_option(p)).collect()))?;
    let outcome = done.outcome();
    let voucher = &entry.voucher;
    let shown = match entries.len() {
        1 => voucher.to_string(),
        n => crate::tr!("{voucher}（{n} 条分录）", "{voucher} ({n} lines)"),
    };
    let (kind, zh) = (entry.kind, entry.kind.zh());
    match outcome {
        Outcome::Added => {
            crate::outln!("{}", crate::tr!("已记录{zh} {shown}（{kind}）", "recorded {kind} {shown} ({zh})"))
        }
        Outcome::Pending => crate::outln!(
            "{}",
            crate::tr!(
                "{zh} {shown} 已提交审批，金额已预留；须由另一人 `fundledger approve` 后才生效（`fundledger pending` 列出待审批事项）",
                "{kind} {shown} is submitted for approval and its money reserved; it takes effect when someone else approves it (`fundledger approve`; `fundledger pending` lists what waits)"
            )
        ),
        Outcome::Unchanged => crate::outln!(
            "{}",
            crate::tr!(
                "{voucher} 已按相同内容记录过；未写入任何内容",
                "{voucher} is already recorded with the same content; nothing written"
            )
        ),
    }
    Ok(0)
}
