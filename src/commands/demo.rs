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
const RECEIPTS: &str = include_str!("../../fixtures/demo/receipts-HN-2024-01.csv");

pub fn run(ctx: &Ctx) -> Result<u8> {
    let path = fresh_demo_ledger(ctx)?;
    let mut db = Db::open(&path)?;
    crate::outln!("fundledger demo — an illustrative sample city (嘉兴市, 7 county-level divisions); figures are not real.");
    crate::outln!("ledger: {}\n", crate::error::shown_path(&path));
    import_sample_files(&mut db, &ctx.operator)?;
    crate::outln!();
    print_overview(&db)?;
    crate::outln!("\nBalances by county and fund channel (元):");
    render::print(&county_channel_report(&db)?, ctx.options(Unit::Yuan), None)?;
    crate::outln!();
    show_refused_write(&mut db, &ctx.operator)?;
    let v = crate::verify::verify(&db, None)?;
    crate::outln!(
        "\nverify: audit chain of {} links walked (head {}); {} entries replayed over {} lines, {} problem(s).",
        v.links,
        crate::audit::short(&v.head),
        v.entries,
        v.lines,
        v.problems.len()
    );
    show_shrinkage(&db, ctx)?;
    show_allocation_plan(&db, ctx)?;
    show_reports(&db, ctx)?;
    show_what_really_happens(&db, ctx)?;
    print_next_steps(&path);
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
            return Err(Error::Internal(format!(
                "{} exists and is not a demo ledger; the demo never replaces real data (choose another --db)",
                crate::error::shown_path(&path)
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
    ];
    for (what, name, text, columns) in files {
        let mut input = CsvInput::from_text(name, text, columns)?;
        let s = import_input(db, what, &mut input, operator)?;
        crate::outln!("imported {name}: {} rows", s.added);
    }
    Ok(())
}

fn print_next_steps(path: &std::path::Path) {
    let db = crate::error::shown_path(path);
    crate::outln!("\nTry next:  fundledger --db {db} balances --county 南湖区");
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
        crate::outln!("           fundledger --db {db} {command}");
    }
}

fn print_overview(db: &Db) -> Result<()> {
    let n = db.counts()?;
    crate::outln!(
        "{} integrated projects, {} sub-projects, {} appropriation lines, {} entries",
        n.projects,
        n.subprojects,
        n.appropriations,
        n.entries
    );
    let kinds: Vec<String> =
        db.entry_counts_by_kind()?.iter().map(|(k, n)| format!("{} {} {n}", k.zh(), k)).collect();
    crate::outln!("entries by kind: {}", kinds.join(", "));
    let mut modes: BTreeMap<&str, i64> = BTreeMap::new();
    for p in db.projects()? {
        *modes.entry(p.row.mode.zh()).or_default() += 1;
    }
    let modes: Vec<String> = modes.iter().map(|(m, n)| format!("{m} {n}")).collect();
    crate::outln!("projects by integration mode: {}", modes.join(", "));
    Ok(())
}

fn county_channel_report(db: &Db) -> Result<Report> {
    let sums = crate::report::overview::by_county_and_channel(&db.catalog()?, &db.balance_lines()?);
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
        crate::outln!("(the demo data has no river-dredging sub-project next to a farmland appropriation)");
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
    crate::outln!(
        "A refused write — `fundledger post --kind allocate --appropriation {} --subproject {} --amount 100000 --date {} --voucher DEMO-REFUSED-1`:",
        a.code, s.code, a.issued_on
    );
    let (before, after) = {
        let before = db.counts()?.entries;
        let stamp = Stamp::now(operator);
        let tx = db.begin()?;
        let catalog = tx.catalog()?;
        let mut w = EntryWriter::new(&tx, &catalog, &stamp)?;
        match w.write(&entry)? {
            Err(problems) => {
                for p in problems {
                    crate::outln!("  error: {p}");
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
    crate::outln!("  nothing was written: {before} entries before, {after} after.");
    Ok(())
}

/// Counts the `check` flags by kind and shows the five largest shrinkage gaps.
fn show_shrinkage(db: &Db, ctx: &Ctx) -> Result<()> {
    let as_of = crate::model::parse_date(DEMO_AS_OF).map_err(Error::Internal)?;
    let flags = crate::report::check::check(db, &db.catalog()?, as_of)?;
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &flags {
        *kinds.entry(f.kind.code()).or_default() += 1;
    }
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    crate::outln!("\n`check` as of {DEMO_AS_OF}: {} flags ({})", flags.len(), kinds.join(", "));
    let mut shrinkage: Vec<_> =
        flags.into_iter().filter(|f| f.kind == crate::report::check::FlagKind::Shrinkage).collect();
    shrinkage.sort_by(|a, b| b.gap.cmp(&a.gap).then_with(|| a.subproject.cmp(&b.subproject)));
    shrinkage.truncate(5);
    crate::outln!(
        "The five largest 补助缩水 gaps (sub-project received less than its standalone entitlement):"
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
    crate::outln!(
        "\nAn allocation plan — `fundledger allocate --appropriation {}` (add --commit to record it):",
        a.code
    );
    let plan = crate::report::allocation::allocation_plan(db, &a, crate::allocate::Remainder::Hold)?;
    render::print(&render::allocation::plan_table(&plan), ctx.options(Unit::Yuan), None)
}

/// A department statement and the review summary, as the finance bureau would send them.
/// A voucher with two lines, appropriation adjustments, a confirmation letter and an
/// implementing body's receipts reconciled, as a county clerk records them.
fn show_what_really_happens(db: &Db, ctx: &Ctx) -> Result<()> {
    crate::outln!(
        "\nRecording what really happens — one voucher, two lines (fixtures/demo/voucher-lines.csv):"
    );
    for e in db.voucher_lines("记-2025-0951")? {
        crate::outln!(
            "  {} line {}: {} {} → {} {}",
            e.voucher,
            e.line,
            e.kind.zh(),
            e.appropriation,
            e.subproject,
            e.amount.yuan_grouped()
        );
    }
    crate::outln!("Appropriation adjustments (追加 / 上级收回, fixtures/demo/adjustments.csv):");
    for a in db.adjustments()? {
        crate::outln!(
            "  {} {} on {} by {}: {}",
            a.appropriation,
            a.amount.yuan_grouped(),
            a.date,
            a.document,
            a.reason
        );
    }
    crate::outln!(
        "Register amendments (never edits; fixtures/demo/amendments.csv, `fundledger history subproject S`):"
    );
    for a in db.amendments()? {
        crate::outln!(
            "  {} {} → {} from {} ({}): {}",
            a.code,
            a.field,
            a.value,
            a.effective,
            a.document,
            a.reason
        );
    }
    let catalog = db.catalog()?;
    crate::outln!(
        "\nConfirmation letters of HN-2024-01 (Annex 2, `fundledger letter --project HN-2024-01`):"
    );
    let letters = crate::report::letters::letters(db, &catalog, "HN-2024-01", None)?;
    render::print_doc(&render::letters::doc(&letters), ctx.options(Unit::Yuan), None)?;
    let receipts = crate::pipeline::read_records(
        CsvInput::from_text("fixtures/demo/receipts-HN-2024-01.csv", RECEIPTS, import::RECEIPT_COLUMNS),
        import::parse_receipt,
    )?;
    let r = crate::report::reconcile::reconcile(db, &catalog, "HN-2024-01", None, Some(&receipts))?;
    if let Some(s) = &r.receipts_summary {
        crate::outln!(
            "\nThe body's receipts of HN-2024-01 against the bureau's 拨付 (`reconcile --receipts`): {} rows compared, {} not matching",
            s.totals.count,
            s.mismatches
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
    crate::outln!("\nDepartment fund statement (部门资金报表), 市水利局, {year}:");
    render::print_doc(&doc, ctx.options(Unit::Wan), None)?;

    let r = review::review(db, &catalog, year, None)?;
    let mut doc = render::review::doc(&review::assess(&catalog, &r, fingerprint), ctx.lang);
    doc.sections.retain(|s| ["projects", "rates", "acceptance"].contains(&s.json_key));
    crate::outln!("\nAnnual performance review (年度绩效评价) {year}, summary (`review --year {year}` shows all of it):");
    render::print_doc(&doc, ctx.options(Unit::Wan), None)
}
