//! Runs every `fixtures/invalid/KIND-*.csv` against a ledger holding `fixtures/small/`: each
//! import must be refused (exit 1), print every fragment of its `.expected` file, and leave the
//! ledger file byte-for-byte unchanged.

mod common;
use common::{fixtures, Ledger};

#[test]
fn every_invalid_fixture_is_refused_with_its_expected_messages() {
    let l = Ledger::small();
    let dir = fixtures().join("invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/invalid")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "expected the invalid fixtures, found {}", cases.len());
    for csv in cases {
        let name = csv.file_name().and_then(|n| n.to_str()).expect("file name").to_string();
        let kind = name.split('-').next().expect("KIND-description.csv");
        let expected = std::fs::read_to_string(csv.with_extension("expected"))
            .unwrap_or_else(|_| panic!("{name} has no .expected file"));
        let fragments: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(!fragments.is_empty(), "{name}.expected is empty");
        l.refused(&["import", kind, csv.to_str().expect("utf-8 path")], &fragments);
    }
}
