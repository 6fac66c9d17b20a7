//! Four-eyes approval from the command line: `approval --kinds …` (the city turns it on or
//! off), `pending` (what waits), `approve ID` and `reject ID --reason TEXT` (by someone other
//! than the maker). The operator is the shell's (`--operator`, or the login name); in the web
//! application only the admin approves, as the signed-in user.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::Stamp;
use crate::model::{ApprovalSetting, Decision, Kind};
use crate::money::Fen;
use crate::render::{self, Unit};

#[derive(clap::Args, Debug)]
pub struct SettingArgs {
    /// The entry kinds that need a second person, comma-separated (allocate,disburse,pay,
    /// withdraw,return; 分配,拨付…), or `none` to turn approval off. Without it, the setting in
    /// force is shown.
    #[arg(long)]
    pub kinds: Option<String>,
    /// Only lines of more than this amount (yuan) need approval.
    #[arg(long)]
    pub above: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct PendingArgs {
    /// Every item ever submitted, with its decision, not only those waiting.
    #[arg(long)]
    pub all: bool,
    /// Amount unit in table and CSV output.
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

#[derive(clap::Args, Debug)]
pub struct ApproveArgs {
    /// The pending item's number (编号, from `pending`).
    pub id: i64,
}

#[derive(clap::Args, Debug)]
pub struct RejectArgs {
    /// The pending item's number (编号, from `pending`).
    pub id: i64,
    /// Why it is rejected (驳回原因).
    #[arg(long)]
    pub reason: String,
}

/// Parses `--kinds`: entry kinds but reversals, or `none`.
pub fn parse_kinds(text: &str) -> std::result::Result<Vec<Kind>, Problem> {
    if text.trim().eq_ignore_ascii_case("none") || text.trim() == "无" {
        return Ok(Vec::new());
    }
    let mut kinds = Vec::new();
    for part in text.split([',', '，', '、']).map(str::trim).filter(|p| !p.is_empty()) {
        let kind = Kind::parse(part).map_err(|e| Problem::new(Check::Format, e).column("--kinds"))?;
        if kind == Kind::Reverse {
            let message = crate::lang::pick(
                "冲销只撤销已生效的分录，不提交审批",
                "a reversal only undoes an entry that took effect; it is not submitted for approval",
            );
            return Err(Problem::new(Check::Format, message.to_string()).column("--kinds"));
        }
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        let message = crate::lang::pick(
            "--kinds 需要至少一种类型，或 none",
            "--kinds needs at least one kind, or none",
        );
        return Err(Problem::new(Check::Format, message.to_string()).column("--kinds"));
    }
    Ok(kinds)
}

pub fn run_setting(ctx: &Ctx, args: &SettingArgs) -> Result<u8> {
    let Some(kinds) = &args.kinds else {
        let db = Db::open_snapshot(&ctx.db_path())?;
        crate::outln!("{}", crate::report::approvals::describe(&db.approval_setting()?));
        return Ok(0);
    };
    let kinds = parse_kinds(kinds).map_err(|p| Error::BadRequest(vec![p]))?;
    let above = match &args.above {
        None => None,
        Some(a) => Some(Fen::parse_non_negative(a).map_err(|e| {
            Error::BadRequest(vec![Problem::new(Check::R6, e.to_string()).column("--above")])
        })?),
    };
    let setting = ApprovalSetting { kinds, above };
    let mut db = Db::open(&ctx.db_path())?;
    crate::ledger::set_approval(&mut db, &setting, &Stamp::now(&ctx.operator))?;
    crate::outln!("{}", crate::report::approvals::describe(&setting));
    Ok(0)
}

pub fn run_pending(ctx: &Ctx, args: &PendingArgs) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let value = crate::report::approvals::pending(&db, args.all)?;
    render::print_value(&value, || render::approvals::doc(&value), ctx.options(args.unit), ctx.out())?;
    Ok(0)
}

pub fn run_approve(ctx: &Ctx, args: &ApproveArgs) -> Result<u8> {
    decide(ctx, args.id, Decision::Approve, "")
}

pub fn run_reject(ctx: &Ctx, args: &RejectArgs) -> Result<u8> {
    decide(ctx, args.id, Decision::Reject, &args.reason)
}

fn decide(ctx: &Ctx, id: i64, decision: Decision, reason: &str) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    let item = crate::ledger::decide(&mut db, id, decision, reason, &Stamp::now(&ctx.operator))?
        .map_err(Error::Rejected)?;
    let (voucher, n, total, maker) =
        (&item.voucher, item.lines.len(), item.total().yuan_grouped(), &item.maker);
    let said = match decision {
        Decision::Approve => crate::tr!(
            "已批准待审批事项 #{id}：凭证 {voucher}（{n} 条分录，合计 {total}，提交人 {maker}）已记账生效",
            "approved pending item #{id}: voucher {voucher} ({n} lines, {total} in all, made by {maker}) is recorded and in effect"
        ),
        Decision::Reject => crate::tr!(
            "已驳回待审批事项 #{id}：凭证 {voucher}（{n} 条分录，合计 {total}，提交人 {maker}），预留的资金已释放",
            "rejected pending item #{id}: voucher {voucher} ({n} lines, {total} in all, made by {maker}); the money it reserved is released"
        ),
    };
    crate::outln!("{said}");
    Ok(0)
}
