//! Command-line arguments (clap) and dispatch. No logic lives here: each subcommand's
//! arguments are handed to its `run` in `commands/`.

use crate::commands::{self, Ctx, DEFAULT_DB};
use crate::error::{Check, Error, Problem, Result};
use crate::render::{Format, Lang, Out};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "fundledger",
    version,
    about = "土地综合整治“一块地”集成改革项目资金台账 / A strict ledger for the integrated funds of land-consolidation projects",
    long_about = "fundledger 按子项目和补助资金类别记录土地综合整治集成项目的指标、分配、拨付和支付，\
拒绝任何违反政策规则（渠道不乱、用途不变、集中投入）的写入：给出说明，不写入任何内容。\n\
退出码：0 成功；1 输入有误或违反规则（未写入任何内容）；2 用法错误；3 有发现的问题。\n\n\
fundledger keeps the appropriations, allocations, disbursements and payments of \
integrated land-consolidation projects per sub-project and fund channel, and refuses any write \
that breaks the policy's rules (渠道不乱、用途不变、集中投入) with a message and nothing written.\n\
Exit codes: 0 success; 1 bad input or a broken rule (nothing was written); 2 usage error; 3 findings.\n\n\
消息默认为中文；英文请加 --lang en. Messages are in Chinese by default; --lang en for English."
)]
pub struct Cli {
    /// The ledger file.
    #[arg(long, env = "FUNDLEDGER_DB", global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Who is writing; recorded on every write (default: the login name). It never filters
    /// what a command shows (`log --by NAME` does that).
    #[arg(long, env = "FUNDLEDGER_OPERATOR", global = true, value_name = "NAME")]
    pub operator: Option<String>,

    /// Output format for commands that print data (default: from the --out file's extension,
    /// .csv/.json/.xlsx, else table).
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// Write the output to FILE instead of stdout (CSV files get a UTF-8 BOM for Excel); an
    /// existing file is never replaced without --force. For `gen`, the directory.
    #[arg(long, global = true, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// With --out, replace an existing file (never the ledger, never through a symlink).
    #[arg(long, global = true)]
    pub force: bool,

    /// 界面语言（消息、说明、表格和 CSV 表头；JSON 键和规则标签 R1…R7 不变）/ Language of
    /// everything a person reads: messages, notes, table and CSV headers (JSON keys and rule
    /// tags stay English).
    #[arg(long, global = true, value_enum, default_value = "zh")]
    pub lang: Lang,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 新建账本文件：表结构、内置目录（附件1和附件3）和补助规则 / Create a ledger file with the schema, the built-in catalogue (Annexes 1 and 3) and subsidy rules.
    Init(commands::init::Args),
    /// 列出基础数据：部门、县市区、子项目类型、资金类别、资金用途、补助规则 / List the reference data: departments, counties, types, channels, designations, rules.
    Catalog(commands::catalog::Args),
    /// 导入 CSV 文件（UTF-8、带 BOM 的 UTF-8 或 GB18030），要么全部写入，要么都不写入 / Load a CSV file (UTF-8, UTF-8 with BOM or GB18030), all rows or none.
    Import(commands::import::Args),
    /// 记录一笔分录（分配、拨付、支付、收回、退回） / Record one entry (allocate, disburse, pay, withdraw, return).
    Post(commands::post::Args),
    /// 冲销：记录与之前某笔分录完全相反的分录 / Record the exact opposite of an earlier entry (冲销).
    Reverse(commands::post::ReverseArgs),
    /// 调整指标下达额：追加、调减或上级收回 / Adjust what an appropriation issued: 追加, 调减 or 上级收回.
    Adjust(commands::adjust::Args),
    /// 变更登记：依据文件，自某日起修改子项目或项目的字段 / Amend the register: change a sub-project's or project's fields from a date, under a document.
    Amend(commands::amend::Args),
    /// 列出子项目或项目的各个版本：登记行和每次变更 / List the versions of a sub-project or project: its register row and every amendment.
    History(commands::history::Args),
    /// 按项目、子项目和资金类别列出余额 / Balances per project, sub-project and channel.
    Balances(commands::balances::Args),
    /// 按子项目和资金类别列出单独补助应得额及已到位资金 / Standalone entitlements per sub-project and channel, with what was received.
    Entitlements(commands::entitlements::Args),
    /// 把指标分配给符合条件的子项目：编制方案（加 --commit 则记录） / Plan (and with --commit, record) the division of an appropriation among its eligible sub-projects.
    Allocate(commands::allocate::Args),
    /// 补助缩水及其他审计发现；有发现时退出码为 3 / Shrinkage flags (补助缩水) and other audit findings; exit 3 when there are any.
    Check(commands::check::Args),
    /// 部门资金报表，按年度或日期区间 / The per-department fund statement (部门资金报表), for a year or a date range.
    Statement(commands::statement::Args),
    /// 合同：各合同及各子项目的分摊、已付、未付，按资金类别，以及承诺与余额 / Contracts: price, paid and remaining per contract, sub-project and channel, with commitments beside balances.
    Contracts(commands::contract::ListArgs),
    /// 合同付款：按分摊拆分、从各子项目已拨付资金中支付，一张凭证（加 --commit 记录） / Pay a contract: split by share and paid from each sub-project's disbursed money, one voucher (with --commit, recorded).
    PayContract(commands::contract::PayArgs),
    /// 双人复核：设置哪些类型的分录须由另一人审批（--kinds，none 为关闭） / Maker-checker: which kinds of entry a second person approves (--kinds; none turns it off).
    Approval(commands::approval::SettingArgs),
    /// 列出待审批事项（--all 含已决定的） / List the items waiting for approval (--all: with those decided).
    Pending(commands::approval::PendingArgs),
    /// 批准待审批事项：其分录记账生效（须由提交人以外的人） / Approve a pending item: its lines are recorded and take effect (by someone other than its maker).
    Approve(commands::approval::ApproveArgs),
    /// 驳回待审批事项并写明原因：预留的资金释放 / Reject a pending item with a reason: the money it reserved is released.
    Reject(commands::approval::RejectArgs),
    /// 项目资金对账：子项目 × 资金类别矩阵，以及实施主体的支付和收款记录与台账的核对 / Reconcile a project: its sub-project × channel funds, and the implementing body's payment and receipt records against the ledger.
    Reconcile(commands::reconcile::Args),
    /// 记录验收：单项验收、整体验收、县级验收或市级验收 / Record an acceptance: item (单项验收), overall (整体验收), county (县级验收) or city (市级验收).
    Accept(commands::accept::Args),
    /// 项目的集成部门项目确认书（附件2格式） / A project's confirmation letters (集成部门项目确认书) in the Annex-2 layout.
    Letter(commands::letter::Args),
    /// 各项目的验收进度，或某个项目的验收记录 / Acceptance progress of every project, or one project's acceptance records.
    Acceptance(commands::accept::ListArgs),
    /// 年度绩效评价，按县市区和全市 / The annual performance review (年度绩效评价), per county and for the city.
    Review(commands::review::Args),
    /// 由分录重新推算每个余额，并按规则检查已存储的数据 / Re-derive every balance from the entries and check the rules over stored rows.
    Verify(commands::verify::Args),
    /// 年度结账：之后不再接受日期在该年度的分录（R5） / Close a year: no entry dated in it is accepted afterwards (R5).
    Close(commands::close::Args),
    /// 重新开账：须写明原因，`log` 和 `verify` 会向审计人员显示 / Reopen a closed year, with a reason that `log` and `verify` show to auditors.
    Reopen(commands::close::ReopenArgs),
    /// 写入日志：谁在何时记录了什么（`--since DATE`、`--by NAME`） / The write journal: who recorded what, and when (`--since DATE`, `--by NAME`).
    Log(commands::log::Args),
    /// 把旧版 fundledger 写的账本升级到当前表结构（读取从不升级） / Bring a ledger written by an older fundledger up to this one's schema (reads never do).
    Upgrade,
    /// 用 SQLite 在线备份把账本复制到 FILE，他人写入时也安全 / Copy the ledger to FILE with SQLite's online backup, safe while others write.
    Backup(commands::backup::Args),
    /// 用内置示例城市建立演示账本并展示其内容 / Build a demo ledger from the built-in sample city and show what it holds.
    Demo,
    /// 网页应用的用户：新增、列出、停用、改密码、发令牌 / The users of the web application: add, list, disable, passwd, token.
    User(commands::user::Args),
    /// 提供网页应用和 JSON 接口（默认只在 127.0.0.1:8080） / Serve the web application and the JSON API (on 127.0.0.1:8080 by default).
    Serve(commands::serve::Args),
    /// 在生成的全市规模账本上计时导入、报表和核验（见 README 性能一节） / Time imports, reports and verify on a generated city-scale ledger (README, Performance).
    #[cfg(feature = "dev")]
    Bench(commands::bench::Args),
    /// 把确定的、有效的全市规模数据（4 个 CSV 文件）写入 --out DIR，用于规模测试 / Write a deterministic, valid city-scale dataset (4 CSV files) into --out DIR, for scale tests.
    #[cfg(feature = "dev")]
    Gen(commands::gen::Args),
    /// Run a fundledger command and print its peak memory to stderr (bench's timed processes).
    #[cfg(feature = "dev")]
    #[command(hide = true)]
    Measure(crate::dev::measure::Args),
}

/// Parses the command line. The language is set from `--lang` first, so that what clap's
/// value parsers say of a bad `--year` or date is in the reader's language too.
pub fn parse() -> Cli {
    crate::lang::set(lang_given(std::env::args_os().skip(1)));
    Cli::parse()
}

/// The language `--lang` names among raw arguments (the last one given), else the default.
fn lang_given(args: impl Iterator<Item = std::ffi::OsString>) -> Lang {
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let mut lang = Lang::default();
    for (i, a) in args.iter().enumerate() {
        let value = match a.strip_prefix("--lang=") {
            Some(v) => Some(v),
            None if a == "--lang" => args.get(i + 1).map(String::as_str),
            None => None,
        };
        match value {
            Some("en") => lang = Lang::En,
            Some("zh") => lang = Lang::Zh,
            _ => {}
        }
    }
    lang
}

/// Runs the parsed command; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let ctx = context(&cli)?;
    dispatch(&ctx, cli.command).map_err(|e| match e {
        // SQLite reports a full disk as an I/O error when it cannot grow its index files.
        crate::error::Error::Internal(m) if m.contains(crate::db::disk_hint()) && crate::db::disk_is_full(&ctx.db_path()) => {
            let path = crate::error::shown_path(&ctx.db_path());
            crate::error::Error::Internal(crate::tr!(
                "账本 {path} 所在磁盘已满；未写入任何内容。请清理出空间后再运行该命令",
                "the disk holding the ledger {path} is full; nothing was written. Free some space and run the command again"
            ))
        }
        other => other,
    })
}

fn dispatch(ctx: &Ctx, command: Command) -> Result<u8> {
    match command {
        Command::Init(args) => commands::init::run(ctx, &args),
        Command::Catalog(args) => commands::catalog::run(ctx, &args),
        Command::Import(args) => commands::import::run(ctx, &args),
        Command::Post(args) => commands::post::run(ctx, &args),
        Command::Reverse(args) => commands::post::run_reverse(ctx, &args),
        Command::Adjust(args) => commands::adjust::run(ctx, &args),
        Command::Amend(args) => commands::amend::run(ctx, &args),
        Command::History(args) => commands::history::run(ctx, &args),
        Command::Balances(args) => commands::balances::run(ctx, &args),
        Command::Entitlements(args) => commands::entitlements::run(ctx, &args),
        Command::Allocate(args) => commands::allocate::run(ctx, &args),
        Command::Check(args) => commands::check::run(ctx, &args),
        Command::Statement(args) => commands::statement::run(ctx, &args),
        Command::Reconcile(args) => commands::reconcile::run(ctx, &args),
        Command::Contracts(args) => commands::contract::run_list(ctx, &args),
        Command::PayContract(args) => commands::contract::run_pay(ctx, &args),
        Command::Approval(args) => commands::approval::run_setting(ctx, &args),
        Command::Pending(args) => commands::approval::run_pending(ctx, &args),
        Command::Approve(args) => commands::approval::run_approve(ctx, &args),
        Command::Reject(args) => commands::approval::run_reject(ctx, &args),
        Command::Accept(args) => commands::accept::run(ctx, &args),
        Command::Acceptance(args) => commands::accept::run_list(ctx, &args),
        Command::Letter(args) => commands::letter::run(ctx, &args),
        Command::Review(args) => commands::review::run(ctx, &args),
        Command::Verify(args) => commands::verify::run(ctx, &args),
        Command::Close(args) => commands::close::run(ctx, &args),
        Command::Reopen(args) => commands::close::run_reopen(ctx, &args),
        Command::Log(args) => commands::log::run(ctx, &args),
        Command::Backup(args) => commands::backup::run(ctx, &args),
        Command::Upgrade => commands::upgrade::run(ctx),
        Command::Demo => commands::demo::run(ctx),
        Command::User(args) => commands::user::run(ctx, &args),
        Command::Serve(args) => commands::serve::run(ctx, &args),
        #[cfg(feature = "dev")]
        Command::Bench(args) => commands::bench::run(ctx, &args),
        #[cfg(feature = "dev")]
        Command::Gen(args) => commands::gen::run(ctx, &args),
        #[cfg(feature = "dev")]
        Command::Measure(args) => {
            // The measured command line is parsed as a whole and run in this process.
            let argv = std::iter::once(std::ffi::OsString::from("fundledger")).chain(args.command);
            let result = run(Cli::parse_from(argv));
            crate::dev::measure::print_peak();
            result
        }
    }
}

/// The context every command runs in, from the global options.
fn context(cli: &Cli) -> Result<Ctx> {
    crate::lang::set(cli.lang);
    let given = match &cli.operator {
        Some(o) => {
            Some(crate::model::parse_text_up_to(o, "operator", true, crate::model::MAX_CODE_CHARS).map_err(
                |m| {
                    Error::rejected(
                        Problem::new(Check::Format, m).column("--operator (or FUNDLEDGER_OPERATOR)"),
                    )
                },
            )?)
        }
        None => None,
    };
    let operator = given
        .clone()
        .or_else(|| login_name("USER"))
        .or_else(|| login_name("LOGNAME"))
        .or_else(|| login_name("USERNAME"))
        .unwrap_or_else(|| "unknown".to_string());
    // Without --format, `--out report.xlsx` means a workbook (and .csv, .json likewise):
    // a table written into a file named .xlsx would not open in Excel.
    let by_extension = cli.out.as_ref().and_then(|p| p.extension()).and_then(|e| e.to_str()).and_then(|e| {
        match e.to_ascii_lowercase().as_str() {
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    });
    let format = cli.format.or(by_extension).unwrap_or(Format::Table);
    let db_path = cli.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    let out = cli.out.clone().map(|path| Out { path, force: cli.force, ledger: db_path });
    // A report that cannot be written is refused before the command records anything
    // (`gen --out` names a directory and checks it itself).
    #[cfg(feature = "dev")]
    let names_a_directory = matches!(cli.command, Command::Gen(_));
    #[cfg(not(feature = "dev"))]
    let names_a_directory = false;
    if let Some(out) = out.as_ref().filter(|_| !names_a_directory) {
        out.check()?;
    }
    Ok(Ctx { db: cli.db.clone(), operator, format, lang: cli.lang, out })
}

/// A login name from the environment, if it is usable as an operator.
fn login_name(var: &str) -> Option<String> {
    let v = std::env::var(var).ok()?;
    crate::model::parse_text_up_to(&v, "login name", true, crate::model::MAX_CODE_CHARS).ok()
}
