//! Golden tests: whole JSON outputs of `entitlements`, `check` and `allocate` on the
//! `fixtures/small/` ledger, compared with `fixtures/golden/`. The key figures in them are
//! hand-computed in `tests/subsidy.rs`. To accept a deliberate change of output, run
//! `FUNDLEDGER_BLESS=1 cargo test --test golden` and review the diff.

mod common;
use common::{fixtures, Ledger};

fn golden(l: &Ledger, name: &str, args: &[&str]) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let r = l.run(&a);
    assert!(r.code == 0 || r.code == 3, "{args:?}: {}", r.stderr);
    let path = fixtures().join("golden").join(name);
    if std::env::var_os("FUNDLEDGER_BLESS").is_some() {
        std::fs::write(&path, &r.stdout).expect("bless");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
    assert!(r.stdout == expected, "{name} differs from the golden file:\n{}", r.stdout);
}

#[test]
fn entitlements_check_and_allocate_match_their_golden_files() {
    let l = Ledger::small();
    golden(&l, "small-entitlements.json", &["entitlements"]);
    golden(&l, "small-check-2026-06-30.json", &["check", "--as-of", "2026-06-30"]);
    golden(
        &l,
        "small-allocate-A-FARM-NH-pro-rata.json",
        &["allocate", "--appropriation", "A-FARM-NH", "--remainder", "pro-rata"],
    );
}
