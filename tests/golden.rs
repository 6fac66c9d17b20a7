//! Golden tests: the whole output of every report command, in table and JSON (and CSV where a
//! clerk opens it in Excel), compared byte for byte with `fixtures/golden/`, and the exact
//! exit code of each run. Most run on the `fixtures/small/` ledger, whose key figures are
//! hand-computed in `tests/subsidy.rs`; acceptance progress runs on the demo ledger, which
//! records acceptances. (`statement`, `reconcile` and `review` on the demo ledger, with their
//! workbooks, are in `tests/reports.rs`.) The audit chain's head covers when each row was
//! recorded, so it differs between runs: goldens hold it masked. To accept a deliberate
//! change of output, run `FUNDLEDGER_BLESS=1 cargo test --test golden` and review the diff.

mod common;
use common::{fixtures, mask_chain_head, Ledger};

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
        let actual = mask_chain_head(&r.stdout);
        let name = format!("{stem}.{ext}");
        let path = fixtures().join("golden").join(&name);
        if std::env::var_os("FUNDLEDGER_BLESS").is_some() {
            std::fs::write(&path, &actual).expect("bless");
        }
        let expected =
            std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
        assert!(actual == expected, "{name} differs from the golden file:\n{actual}");
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

#[test]
fn statements_match_their_golden_files() {
    let l = Ledger::small();
    goldens(&l, "small-statement", &["statement"], ALL, 0);
    // A period with a start carries the opening balance.
    goldens(
        &l,
        "small-statement-2024-06",
        &["statement", "--from", "2024-06-01", "--to", "2024-06-30"],
        ALL,
        0,
    );
    goldens(
        &l,
        "small-statement-water-en",
        &["--lang", "en", "statement", "--department", "water"],
        &["table", "json"],
        0,
    );
}

/// `reconcile` exits 3 when a payment or receipt does not match, 0 when every one does or none
/// is given.
#[test]
fn reconciliations_match_their_golden_files_and_exit_codes() {
    let l = Ledger::small();
    goldens(&l, "small-reconcile-P-AGRI", &["reconcile", "--project", "P-AGRI"], &["table", "json"], 0);
    let matching = l.file("matching.csv", "voucher,date,subproject,amount\nV-004,2024-05-01,S-FARM,250000\n");
    let args = ["reconcile", "--project", "P-AGRI", "--payments", matching.as_str()];
    goldens(&l, "small-reconcile-P-AGRI-matching", &args, &["table", "json"], 0);
    let differing = l.file(
        "differing.csv",
        "voucher,date,subproject,amount\nV-004,2024-05-02,S-FARM,250000.10\nV-099,2024-05-03,S-FARM,10\nV-001,2024-03-10,S-FARM,600000\n",
    );
    let args = ["reconcile", "--project", "P-AGRI", "--payments", differing.as_str()];
    goldens(&l, "small-reconcile-P-AGRI-differing", &args, ALL, 3);
    // Receipts without a voucher, found by sub-project, amount and a date 2 days later.
    let receipts = l.file("receipts.csv", "到账日期,子项目编号,到账金额\n2024-04-03,S-FARM,400000\n");
    let args = [
        "reconcile",
        "--project",
        "P-AGRI",
        "--payments",
        matching.as_str(),
        "--receipts",
        receipts.as_str(),
    ];
    goldens(&l, "small-reconcile-P-AGRI-receipts", &args, ALL, 0);
}

#[test]
fn reviews_match_their_golden_files() {
    let l = Ledger::small();
    goldens(&l, "small-review-2024", &["review", "--year", "2024"], ALL, 0);
    goldens(
        &l,
        "small-review-2024-NH",
        &["review", "--year", "2024", "--county", "南湖区"],
        &["table", "json"],
        0,
    );
}

/// A recorded time (`2026-12-02T09:03:49+08:00`), replaced by `#`s: the journal holds when
/// each write happened.
fn mask_times(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let shape = |w: &[u8]| {
        w.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 | 22 => *b == b':',
            19 => *b == b'+' || *b == b'-',
            _ => b.is_ascii_digit(),
        })
    };
    let mut i = 0;
    while i + 25 <= bytes.len() {
        if shape(&bytes[i..i + 25]) {
            out[i..i + 25].fill(b'#');
            i += 25;
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect("only ASCII was replaced")
}

/// The write journal lists every write of the small ledger, times masked and the checkout's
/// directory written `<repo>` (the table pads to the path's width, so only CSV and JSON).
#[test]
fn the_journal_matches_its_golden_files() {
    let l = Ledger::small();
    for (format, ext) in [("csv", "csv"), ("json", "json")] {
        let r = l.run(&["log", "--format", format]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let actual = mask_times(&r.stdout).replace(env!("CARGO_MANIFEST_DIR"), "<repo>");
        let path = fixtures().join("golden").join(format!("small-log.{ext}"));
        if std::env::var_os("FUNDLEDGER_BLESS").is_some() {
            std::fs::write(&path, &actual).expect("bless");
        }
        let expected =
            std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
        assert!(actual == expected, "small-log.{ext} differs from the golden file:\n{actual}");
    }
    assert_eq!(mask_times("at 2026-12-02T09:03:49+08:00."), "at #########################.");
}
