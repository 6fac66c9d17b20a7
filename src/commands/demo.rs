//! `demo`: build a fresh ledger from the built-in sample city (`fixtures/demo/`, embedded)
//! and print what a clerk wants to see first, including one write the rules refuse.
//!
//! The demo ledger is `fundledger-demo.db` in the current directory unless `--db` names
//! another file. An existing file there is replaced only if it is itself a demo ledger.

use super::Ctx;
use crate::db::remove_ledger_files;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::import::{self, CsvInput};
use crate::ledger::{import_input, What};
use crate::ledger::{EntryWriter, Stamp};
use crate::model::{Kind, NewEntry, Status};
use crate::render::{self, c, Report, Unit};

use std::collections::BTreeMap;
use std::path::PathBuf;

pub const DEMO_DB: &str = "fundledger-demo.db";

/// The demo's findings are judged on this day, so its output does not change with the clock.
const DEMO_AS_OF: &str = "2025-12-31";

const PROJECTS: &str = include_str!("../../fixtures/demo/projects.csv");
const SUBPROJECTS: &str = include_str!("../../fixtures/demo/subprojects.csv");
const APPROPRIATIONS: &str = include_str!("../../fixtures/demo/appropriations.csv");
const ENTRIES: &str = include_str!("../../fixtures/demo/entries.csv");
const ACCEPTANCES: &str = include_str!("../../fixtures/demo/acceptances.csv");
const VOUCHER_LINES: &str = include_str!("../../fixtures/demo/voucher-lines.csv");
const ADJUSTMENTS: &str = include_str!("../../fixtures/demo/adjustments.csv");
const LETTERS: &str = include_str!("../../fixtures/demo/letters.csv");
const AMENDMENTS: &str = include_str!("../../fixtures/demo/amendments.csv");
const CONTRACTS: &str = include_str!("../../fixtures/demo/contracts.csv");
const RECEIPTS: &str = include_str!("../../fixtures/demo/receipts-HN-2024-01.csv");

pub fn run(ctx: &Ctx) -> Result<u8> {
    let path = fresh_demo_ledger(ctx)?;
    let mut db = Db::open(&path)?;
    crate::outln!(
        "{}",
        crate::lang::pick(
            "fundledger 演示 —— 示例城市（嘉兴市，7 个县级行政区）；数字均为虚构。",
            "fundledger demo — an illustrative sample city (嘉兴市, 7 county-level divisions); figures are not real."
        )
    );
    let shown = crate::error::shown_path(&path);
    crate::outln!("{}\n", crate::tr!("账本：{shown}", "ledger: {shown}"));
    import_sample_files(&mut db, &ctx.operator)?;
    crate::outln!();
    print_overview(&db)?;
    crate::outln!(
        "\n{}",
        crate::lang::pick("各县市区、各资金类别结余（元）：", "Balances by county and fund channel (元):")
    );
    render::print(&county_channel_report(&db)?, ctx.options(Unit::Yuan), None)?;
    crate::outln!();
    show_refused_write(&mut db, &ctx.operator)?;
    let v = crate::verify::verify(&db, None)?;
    let (links, head, entries, lines, problems) =
        (v.links, crate::audit::short(&v.head), v.entries, v.lines, v.problems.len());
    crate::outln!(
        "\n{}",
        crate::tr!(
            "verify 校验：审计链共 {links} 环已逐环核对（链头 {head}）；{entries} 笔分录在 {lines} 条指标上重放，发现 {problems} 个问题。",
            "verify: audit chain of {links} links walked (head {head}); {entries} entries replayed over {lines} lines, {problems} problem(s)."
        )
    );
    show_shrinkage(&db, ctx)?;
    show_allocation_plan(&db, ctx)?;
    show_reports(&db, ctx)?;
    show_what_really_happens(&db, ctx)?;
    show_contracts_and_approval(&mut db, ctx)?;
    print_next_steps(&path);
    add_demo_users(&mut db, &path, &ctx.operator)?;
    Ok(0)
}

/// Creates the demo ledger, replacing an earlier demo ledger but never anything else. The
/// demo writes its own file unless `--db` is given; a ledger named only by the
/// FUNDLEDGER_DB environment variable is the clerk's real one and is left alone.
fn fresh_demo_ledger(ctx: &Ctx) -> Result<PathBuf> {
    let from_env = std::env::var_os("FUNDLEDGER_DB").map(PathBuf::from);
    let path =
        ctx.db.clone().filter(|p| Some(p) != from_env.as_ref()).unwrap_or_else(|| PathBuf::from(DEMO_DB));
    if path.exists() {
        // A demo ledger of an older schema is upgraded by opening it for writing: it is about
        // to be replaced anyway. Anything else is only read.
        let origin = Db::open_snapshot(&path).or_else(|_| Db::open(&path)).and_then(|db| db.meta("origin"));
        let is_demo = origin.ok().flatten().as_deref() == Some("demo");
        if !is_demo {
            let shown = crate::error::shown_path(&path);
            return Err(Error::Internal(crate::tr!(
                "{shown} 已存在且不是演示账本；演示从不替换真实数据（请用 --db 另选文件）",
                "{shown} exists and is not a demo ledger; the demo never replaces real data (choose another --db)"
            )));
        }
        remove_ledger_files(&path)?;
    }
    crate::ledger::create_ledger(&path, &[("origin", "demo")], true, &ctx.operator)?;
    Ok(path)
}

/// Imports the sample city's files, as a clerk would with `import`.
fn import_sample_files(db: &mut Db, operator: &str) -> Result<()> {
    let files = [
        (What::Projects, "fixtures/demo/projects.csv", PROJECTS, import::PROJECT_COLUMNS),
        (What::Subprojects, "fixtures/demo/subprojects.csv", SUBPROJECTS, import::SUBPROJECT_COLUMNS),
        (
            What::Appropriations,
            "fixtures/demo/appropriations.csv",
            APPROPRIATIONS,
            import::APPROPRIATION_COLUMNS,
        ),
        (What::Entries, "fixtures/demo/entries.csv", ENTRIES, import::ENTRY_COLUMNS),
        (What::Acceptances, "fixtures/demo/acceptances.csv", ACCEPTANCES, import::ACCEPTANCE_COLUMNS),
        (What::Entries, "fixtures/demo/voucher-lines.csv", VOUCHER_LINES, import::ENTRY_COLUMNS),
        (What::Adjustments, "fixtures/demo/adjustments.csv", ADJUSTMENTS, import::ADJUSTMENT_COLUMNS),
        (What::Letters, "fixtures/demo/letters.csv", LETTERS, import::LETTER_COLUMNS),
        (What::Amendments, "fixtures/demo/amendments.csv", AMENDMENTS, import::AMENDMENT_COLUMNS),
        (What::Contracts, "fixtures/demo/contracts.csv", CONTRACTS, import::CONTRACT_COLUMNS),
    ];
    for (what, name, text, columns) in files {
        let mut input = CsvInput::from_text(name, text, columns)?;
        let s = import_input(db, what, &mut input, operator)?;
        let added = s.added;
        crate::outln!("{}", crate::tr!("已导入 {name}：{added} 行", "imported {name}: {added} rows"));
    }
    Ok(())
}

/// The demo's users, one per role: (name, role, counties, projects).
pub const DEMO_USERS: [(&str, crate::model::Role, &[&str], &[&str]); 4] = [
    ("city-admin", crate::model::Role::Admin, &[], &[]),
    ("nh-clerk", crate::model::Role::Clerk, &["南湖区"], &[]),
    ("hn-body", crate::model::Role::Body, &[], &["HN-2024-01"]),
    ("reviewer", crate::model::Role::Reviewer, &[], &[]),
];

/// Adds one user per role with a fresh random password, shows each password once, and says
/// how to serve the web application.
fn add_demo_users(db: &mut Db, path: &std::path::Path, operator: &str) -> Result<()> {
    crate::outln!(
        "\n{}",
        crate::lang::pick(
            "网页应用的演示用户（每个角色一个；密码只显示这一次）：",
            "Demo users of the web application, one per role (passwords are shown only this once):"
        )
    );
    let stamp = crate::ledger::Stamp::now(operator);
    for (name, role, counties, projects) in DEMO_USERS {
        let password = crate::users::generated_password()?;
        let counties: Vec<String> = counties.iter().map(|c| c.to_string()).collect();
        let projects: Vec<String> = projects.iter().map(|p| p.to_string()).collect();
        let new = crate::users::NewUser {
            name,
            role,
            counties: &counties,
            projects: &projects,
            password: &password,
            lang: crate::lang::current(),
        };
        crate::users::add_user(db, &new, &stamp)?;
        let scope: Vec<&str> = counties.iter().chain(&projects).map(String::as_str).collect();
        let role = match (crate::lang::current(), scope.is_empty()) {
            (crate::lang::Lang::Zh, true) => role.zh().to_string(),
            (crate::lang::Lang::Zh, false) => format!("{}：{}", role.zh(), scope.join("、")),
            (crate::lang::Lang::En, true) => role.code().to_string(),
            (crate::lang::Lang::En, false) => format!("{} of {}", role.code(), scope.join(", ")),
        };
        crate::outln!("  {name:<11} {:<24} {}", role, password.reveal());
    }
    let db = crate::error::shown_path(path);
    crate::outln!(
        "{}",
        crate::tr!(
            "启动网页应用：fundledger serve --db {db}，再用浏览器打开 http://127.0.0.1:8080/ ，以 nh-clerk（南湖区录入员）登录。",
            "Serve the web application: fundledger serve --db {db}, then open http://127.0.0.1:8080/ and sign in as nh-clerk (南湖区's clerk)."
        )
    );
    Ok(())
}

/// A payment on an EPC contract split over two sub-projects' channels, and an allocation
/// waiting for a second person's approval (maker-checker).
fn show_contracts_and_approval(db: &mut Db, ctx: &Ctx) -> Result<()> {
    let stamp = crate::ledger::Stamp::now(&ctx.operator);
    // 150,000.00 yuan, in fen.
    let amount = crate::money::Fen(15_000_000);
    let date = chrono::NaiveDate::from_ymd_opt(2025, 7, 15).unwrap_or_default();
    let voucher = crate::model::Voucher::stored("记-2025-1101".to_string());
    let memo = "工程总承包第一期进度款";
    let paid =
        crate::ledger::pay_contract(db, "HT-HN-2025-02", amount, date, &voucher, memo, None, &stamp, None)?;
    let (plan, _) = paid.map_err(|p| Error::Rejected(p.into_iter().map(|(_, p)| p).collect()))?;
    crate::outln!(
        "\n{}",
        crate::lang::pick(
            "合同付款 —— 工程总承包合同 HT-HN-2025-02 跨两个部门的子项目，一张凭证按分摊拆分、各从自己的资金渠道支付（`fundledger pay-contract`，`fundledger contracts --project HN-2024-01`）：",
            "A contract payment — EPC contract HT-HN-2025-02 spans two departments' sub-projects; one voucher split by share, each part paid from its own channel (`fundledger pay-contract`, `fundledger contracts --project HN-2024-01`):"
        )
    );
    render::print_doc(&render::contracts::plan(&plan, Some("")), ctx.options(Unit::Yuan), None)?;
    let setting = crate::model::ApprovalSetting { kinds: vec![crate::model::Kind::Allocate], above: None };
    crate::ledger::set_approval(db, &setting, &stamp)?;
    let entry = crate::model::NewEntry {
        voucher: crate::model::Voucher::stored("记-2025-1201".to_string()),
        line: 1,
        date: chrono::NaiveDate::from_ymd_opt(2025, 12, 15).unwrap_or_default(),
        kind: crate::model::Kind::Allocate,
        appropriation: Some(crate::model::AppropriationCode::stored("ZB-2025-XZ-002".to_string())),
        subproject: Some(crate::model::SubprojectCode::stored("XZ-2024-01-04".to_string())),
        amount: Some(crate::money::Fen(100_000_000)),
        reverses: None,
        reverses_line: None,
        memo: "年末追加分配".to_string(),
        channel_ref: None,
    };
    crate::ledger::record_voucher(db, &[entry], &stamp, None, "post")?
        .map_err(|p| Error::Rejected(p.into_iter().map(|(_, p)| p).collect()))?;
    let id = db.pending_items()?.last().map_or(0, |i| i.id);
    crate::outln!(
        "\n{}",
        crate::tr!(
            "双人复核 —— 已设置分配须由另一人审批（`fundledger approval --kinds allocate`）；一笔分配 1,000,000.00 已提交并预留资金，待审批事项 #{id}（`fundledger pending`；由提交人以外的人 `fundledger approve {id}`，或在网页上以 city-admin 登录后审批）。",
            "Maker-checker — allocations now need a second person (`fundledger approval --kinds allocate`); an allocation of 1,000,000.00 is submitted with its money reserved as pending item #{id} (`fundledger pending`; someone other than its maker runs `fundledger approve {id}`, or signs in to the web as city-admin to approve it)."
        )
    );
    Ok(())
}

fn print_next_steps(path: &std::path::Path) {
    let db = crate::error::shown_path(path);
    let try_next = crate::lang::pick("接下来可以试试：", "Try next:");
    // CJK characters take two columns in a terminal.
    let width: usize = try_next.chars().map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 }).sum();
    let pad = " ".repeat(width + 2);
    crate::outln!("\n{try_next}  fundledger --db {db} balances --county 南湖区");
    let next = [
        "statement --year 2025 --format xlsx --out statement-2025.xlsx".to_string(),
        "reconcile --project HN-2024-01 --payments fixtures/demo/payments-HN-2024-01.csv".to_string(),
        "reconcile --project HN-2024-01 --receipts fixtures/demo/receipts-HN-2024-01.csv".to_string(),
        "letter --project HN-2024-01".to_string(),
        "review --year 2025".to_string(),
        "entitlements --project NH-2024-01".to_string(),
        format!("check --as-of {DEMO_AS_OF}"),
    ];
    for command in next {
        crate::outln!("{pad}fundledger --db {db} {command}");
    }
}

fn print_overview(db: &Db) -> Result<()> {
    let n = db.counts()?;
    let (projects, subprojects, appropriations, entries) =
        (n.projects, n.subprojects, n.appropriations, n.entries);
    crate::outln!(
        "{}",
        crate::tr!(
            "集成项目 {projects} 个，子项目 {subprojects} 个，指标 {appropriations} 条，分录 {entries} 笔",
            "{projects} integrated projects, {subprojects} sub-projects, {appropriations} appropriation lines, {entries} entries"
        )
    );
    let kinds: Vec<String> = db
        .entry_counts_by_kind()?
        .iter()
        .map(|(k, n)| {
            let zh = k.zh();
            crate::tr!("{zh} {n}", "{k} {n}")
        })
        .collect();
    let kinds = kinds.join(crate::lang::pick("，", ", "));
    crate::outln!("{}", crate::tr!("各类分录：{kinds}", "entries by kind: {kinds}"));
    let mut modes: BTreeMap<&str, i64> = BTreeMap::new();
    for p in db.projects()? {
        *modes.entry(p.row.mode.zh()).or_default() += 1;
    }
    let modes: Vec<String> = modes.iter().map(|(m, n)| format!("{m} {n}")).collect();
    let modes = modes.join(crate::lang::pick("，", ", "));
    crate::outln!("{}", crate::tr!("各集成模式项目：{modes}", "projects by integration mode: {modes}"));
    Ok(())
}

fn county_channel_report(db: &Db) -> Result<Report> {
    let sums = crate::report::overview::by_county_and_channel(&*db.catalog()?, &db.balance_lines()?);
    let rows = sums
        .into_iter()
        .map(|s| {
            let mut row = vec![s.county.into(), s.channel.into()];
            row.extend(render::balances::money_cells(&s.balance));
            row
        })
        .collect();
    Ok(Report {
        columns: [c("county", "县市区"), c("channel", "资金类别")]
            .into_iter()
            .chain(render::balances::COLUMNS[3..].iter().cloned())
            .collect(),
        rows,
        ..Report::default()
    })
}

/// Tries to pay a river-dredging sub-project from farmland money, and prints the refusal.
fn show_refused_write(db: &mut Db, operator: &str) -> Result<()> {
    let subprojects = db.subprojects()?;
    let appropriations = db.appropriations()?;
    let target = subprojects
        .iter()
        .filter(|s| s.type_code == "river_dredging" && s.status != Status::Excluded)
        .find_map(|s| {
            appropriations
                .iter()
                .find(|a| a.channel == "high_standard_farmland_fund" && a.county == s.county)
                .map(|a| (s.clone(), a.clone()))
        });
    let Some((s, a)) = target else {
        crate::outln!(
            "{}",
            crate::lang::pick(
                "（演示数据中没有与高标准农田指标同县的河道清淤子项目）",
                "(the demo data has no river-dredging sub-project next to a farmland appropriation)"
            )
        );
        return Ok(());
    };
    let entry = NewEntry {
        voucher: crate::model::Voucher::stored("DEMO-REFUSED-1".into()),
        line: 1,
        date: a.issued_on,
        kind: Kind::Allocate,
        appropriation: Some(a.code.clone()),
        subproject: Some(s.code.clone()),
        amount: Some(crate::money::Fen(10_000_000)),
        reverses: None,
        reverses_line: None,
        memo: "把高标准农田资金用于河道清淤".into(),
        channel_ref: None,
    };
    let command = format!(
        "fundledger post --kind allocate --appropriation {} --subproject {} --amount 100000 --date {} --voucher DEMO-REFUSED-1",
        a.code, s.code, a.issued_on
    );
    crate::outln!("{}", crate::tr!("一次被拒绝的写入 —— `{command}`：", "A refused write — `{command}`:"));
    let (before, after) = {
        let before = db.counts()?.entries;
        let stamp = Stamp::now(operator);
        let tx = db.begin()?;
        let catalog = tx.catalog()?;
        let mut w = EntryWriter::new(&tx, &catalog, &stamp)?;
        match w.write(&entry)? {
            Err(problems) => {
                for p in problems {
                    crate::outln!("  {}{p}", crate::lang::pick("错误：", "error: "));
                }
            }
            Ok(_) => {
                let message = "the demo's refused write was accepted: the catalogue no longer keeps farmland money from river dredging (Annex 3)";
                return Err(crate::error::Error::Internal(message.into()));
            }
        }
        drop(w);
        drop(tx);
        (before, db.counts()?.entries)
    };
    crate::outln!(
        "  {}",
        crate::tr!(
            "未写入任何内容：写入前 {before} 笔分录，写入后 {after} 笔。",
            "nothing was written: {before} entries before, {after} after."
        )
    );
    Ok(())
}

/// Counts the `check` flags by kind and shows the five largest shrinkage gaps.
fn show_shrinkage(db: &Db, ctx: &Ctx) -> Result<()> {
    let as_of = crate::model::parse_date(DEMO_AS_OF).map_err(Error::Internal)?;
    let flags = crate::report::check::check(db, &*db.catalog()?, as_of)?;
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &flags {
        *kinds.entry(f.kind.code()).or_default() += 1;
    }
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let (count, kinds) = (flags.len(), kinds.join(", "));
    crate::outln!(
        "\n{}",
        crate::tr!(
            "`check` 截至 {DEMO_AS_OF}：提示 {count} 条（{kinds}）",
            "`check` as of {DEMO_AS_OF}: {count} flags ({kinds})"
        )
    );
    let mut shrinkage: Vec<_> =
        flags.into_iter().filter(|f| f.kind == crate::report::check::FlagKind::Shrinkage).collect();
    shrinkage.sort_by(|a, b| b.gap.cmp(&a.gap).then_with(|| a.subproject.cmp(&b.subproject)));
    shrinkage.truncate(5);
    crate::outln!(
        "{}",
        crate::lang::pick(
            "补助缩水最大的五个子项目（子项目实得少于公平份额）：",
            "The five largest 补助缩水 gaps (sub-project received less than its fair share):"
        )
    );
    let mut report = render::check::flags_table(&shrinkage);
    report.columns.truncate(9);
    for row in &mut report.rows {
        row.truncate(9);
    }
    render::print(&report, ctx.options(Unit::Yuan), None)
}

/// Plans (without recording) the division of the line with the most money still available.
fn show_allocation_plan(db: &Db, ctx: &Ctx) -> Result<()> {
    let drawn = db.drawn_by_appropriation()?;
    let available = |a: &crate::model::StoredAppropriation| {
        a.amount - drawn.get(a.code.as_str()).copied().unwrap_or_default()
    };
    let Some(a) = db
        .appropriations()?
        .into_iter()
        .max_by(|x, y| available(x).cmp(&available(y)).then(y.code.cmp(&x.code)))
    else {
        return Ok(());
    };
    let code = &a.code;
    crate::outln!(
        "\n{}",
        crate::tr!(
            "一份分配方案 —— `fundledger allocate --appropriation {code}`（加 --commit 才会记账）：",
            "An allocation plan — `fundledger allocate --appropriation {code}` (add --commit to record it):"
        )
    );
    let plan = crate::report::allocation::allocation_plan(db, &a, crate::allocate::Remainder::Hold)?;
    render::print(&render::allocation::plan_table(&plan), ctx.options(Unit::Yuan), None)
}

/// A department statement and the review summary, as the finance bureau would send them.
/// A voucher with two lines, appropriation adjustments, a confirmation letter and an
/// implementing body's receipts reconciled, as a county clerk records them.
fn show_what_really_happens(db: &Db, ctx: &Ctx) -> Result<()> {
    crate::outln!(
        "\n{}",
        crate::lang::pick(
            "如实记录发生的业务 —— 一张凭证，两行（fixtures/demo/voucher-lines.csv）：",
            "Recording what really happens — one voucher, two lines (fixtures/demo/voucher-lines.csv):"
        )
    );
    for e in db.voucher_lines("记-2025-0951")? {
        let (voucher, line, kind, appropriation, subproject, amount) =
            (&e.voucher, e.line, e.kind.zh(), &e.appropriation, &e.subproject, e.amount.yuan_grouped());
        crate::outln!(
            "  {}",
            crate::tr!(
                "{voucher} 第{line}行：{kind} {appropriation} → {subproject} {amount}",
                "{voucher} line {line}: {kind} {appropriation} → {subproject} {amount}"
            )
        );
    }
    crate::outln!(
        "{}",
        crate::lang::pick(
            "指标调整（追加 / 上级收回，fixtures/demo/adjustments.csv）：",
            "Appropriation adjustments (追加 / 上级收回, fixtures/demo/adjustments.csv):"
        )
    );
    for a in db.adjustments()? {
        let (appropriation, amount, date, document, reason) =
            (&a.appropriation, a.amount.yuan_grouped(), &a.date, &a.document, &a.reason);
        crate::outln!(
            "  {}",
            crate::tr!(
                "{appropriation} {amount}，{date}，依据 {document}：{reason}",
                "{appropriation} {amount} on {date} by {document}: {reason}"
            )
        );
    }
    crate::outln!(
        "{}",
        crate::lang::pick(
            "登记变更（从不修改原记录；fixtures/demo/amendments.csv，`fundledger history subproject S`）：",
            "Register amendments (never edits; fixtures/demo/amendments.csv, `fundledger history subproject S`):"
        )
    );
    for a in db.amendments()? {
        let (code, field, value, effective, document, reason) =
            (&a.code, &a.field, &a.value, &a.effective, &a.document, &a.reason);
        crate::outln!(
            "  {}",
            crate::tr!(
                "{code} {field} → {value}，自 {effective} 起（{document}）：{reason}",
                "{code} {field} → {value} from {effective} ({document}): {reason}"
            )
        );
    }
    let catalog = db.catalog()?;
    crate::outln!(
        "\n{}",
        crate::lang::pick(
            "HN-2024-01 的部门项目确认书（附件2，`fundledger letter --project HN-2024-01`）：",
            "Confirmation letters of HN-2024-01 (Annex 2, `fundledger letter --project HN-2024-01`):"
        )
    );
    let letters = crate::report::letters::letters(db, &catalog, "HN-2024-01", None)?;
    render::print_doc(&render::letters::doc(&letters), ctx.options(Unit::Yuan), None)?;
    let receipts = crate::pipeline::read_records(
        CsvInput::from_text("fixtures/demo/receipts-HN-2024-01.csv", RECEIPTS, import::RECEIPT_COLUMNS),
        import::parse_receipt,
    )?;
    let r = crate::report::reconcile::reconcile(db, &catalog, "HN-2024-01", None, Some(&receipts))?;
    if let Some(s) = &r.receipts_summary {
        let (count, mismatches) = (s.totals.count, s.mismatches);
        crate::outln!(
            "\n{}",
            crate::tr!(
                "HN-2024-01 实施单位的收款记录与财政局拨付核对（`reconcile --receipts`）：比对 {count} 行，{mismatches} 行不符",
                "The body's receipts of HN-2024-01 against the bureau's 拨付 (`reconcile --receipts`): {count} rows compared, {mismatches} not matching"
            )
        );
    }
    Ok(())
}

fn show_reports(db: &Db, ctx: &Ctx) -> Result<()> {
    use crate::report::{review, statement};
    let catalog = db.catalog()?;
    let fingerprint = db.fingerprint()?;
    let year = 2025;
    let period =
        statement::Period::year(year).ok_or_else(|| Error::Internal(format!("{year} is not a year")))?;
    let filter =
        statement::Filter { department: Some("water".into()), co_led: true, ..statement::Filter::default() };
    let rows = statement::statement(db, &catalog, period, &filter)?;
    let by = statement::By::Subproject;
    let mut value = statement::report(&catalog, &rows, period, None, by, fingerprint.clone());
    value.issued = crate::report::issued::issued(db, &catalog, period, &filter)?;
    let doc = render::statement::doc(&value, ctx.lang);
    crate::outln!(
        "\n{}",
        crate::tr!(
            "部门资金报表，市水利局，{year}年度：",
            "Department fund statement (部门资金报表), 市水利局, {year}:"
        )
    );
    render::print_doc(&doc, ctx.options(Unit::Wan), None)?;

    let r = review::review(db, &catalog, year, None)?;
    let mut doc = render::review::doc(&review::assess(&catalog, &r, fingerprint), ctx.lang);
    doc.sections.retain(|s| ["projects", "rates", "acceptance"].contains(&s.json_key));
    crate::outln!(
        "\n{}",
        crate::tr!(
            "{year}年度绩效评价摘要（`review --year {year}` 显示全文）：",
            "Annual performance review (年度绩效评价) {year}, summary (`review --year {year}` shows all of it):"
        )
    );
    render::print_doc(&doc, ctx.options(Unit::Wan), None)
}
