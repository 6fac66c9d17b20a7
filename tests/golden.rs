//! Golden tests: the whole output of every report command, in table and JSON (and CSV where a
//! clerk opens it in Excel), compared byte for byte with `fixtures/golden/`, and the exact
//! exit code of each run. Most run on the `fixtures/small/` ledger, whose key figures are
//! hand-computed in `tests/subsidy.rs`; acceptance progress runs on the demo ledger, which
//! records acceptances. (`statement`, `reconcile` and `review` on the demo ledger are in
//! `tests/reports.rs`.) To accept a deliberate change of output, run
//! `FUNDLEDGER_BLESS=1 cargo test --test golden` and review the diff.

mod common;
use common::{fixtures, Ledger};

/// Runs `args` once per format and compares each output with `golden/{stem}.{ext}`; every run
/// must exit with `code`.
fn goldens(l: &Ledger, stem: &str, args: &[&str], formats: &[&str], code: i32) {
    for format in formats {
        let ext = match *format {
            "table" => "txt",
            other => other,
        };
        let mut a = args.to_vec();
        a.extend(["--format", format]);
        let r = l.run(&a);
        assert_eq!(r.code, code, "{a:?} exits {}, not {code}: {}", r.code, r.stderr);
        let name = format!("{stem}.{ext}");
        let path = fixtures().join("golden").join(&name);
        if std::env::var_os("FUNDLEDGER_BLESS").is_some() {
            std::fs::write(&path, &r.stdout).expect("bless");
        }
        let expected =
            std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
        assert!(r.stdout == expected, "{name} differs from the golden file:\n{}", r.stdout);
    }
}

const ALL: &[&str] = &["table", "csv", "json"];

#[test]
fn balances_match_their_golden_files() {
    let l = Ledger::small();
    goldens(&l, "small-balances", &["balances"], ALL, 0);
    goldens(&l, "small-balances-P-AGRI", &["balances", "--project", "P-AGRI"], &["table", "json"], 0);
}

#[test]
fn entitlements_match_their_golden_files() {
    let l = Ledger::small();
    goldens(&l, "small-entitlements", &["entitlements"], ALL, 0);
}

/// `check` exits 3 when it has findings, 0 when it has none.
#[test]
fn check_matches_its_golden_files_and_exit_codes() {
    let l = Ledger::small();
    goldens(&l, "small-check-2026-06-30", &["check", "--as-of", "2026-06-30"], ALL, 3);
    let empty = Ledger::new();
    goldens(&empty, "empty-check", &["check", "--as-of", "2026-06-30"], &["table", "json"], 0);
}

#[test]
fn allocation_plans_match_their_golden_files() {
    let l = Ledger::small();
    goldens(
        &l,
        "small-allocate-A-FARM-NH-pro-rata",
        &["allocate", "--appropriation", "A-FARM-NH", "--remainder", "pro-rata"],
        ALL,
        0,
    );
    goldens(
        &l,
        "small-allocate-A-FARM-NH-hold",
        &["allocate", "--appropriation", "A-FARM-NH"],
        &["table", "json"],
        0,
    );
}

#[test]
fn catalog_listings_match_their_golden_files() {
    let l = Ledger::new();
    for what in ["departments", "counties", "types", "channels", "designations", "rules"] {
        goldens(&l, &format!("catalog-{what}"), &["catalog", what], &["table", "json"], 0);
    }
}

#[test]
fn acceptance_progress_matches_its_golden_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let l = Ledger { dir, db };
    l.ok(&["demo"]);
    goldens(&l, "demo-acceptance", &["acceptance"], ALL, 0);
    goldens(
        &l,
        "demo-acceptance-TX-2023-01",
        &["acceptance", "--project", "TX-2023-01"],
        &["table", "json"],
        0,
    );
}
