//! A project's shrinkage is its sub-projects' shrinkage summed channel by channel, never netted
//! against a surplus elsewhere (渠道不乱); receiving more than the entitlement is its own flag.

mod common;

use rust_decimal::Decimal;
use std::str::FromStr;

fn yuan(v: &serde_json::Value) -> Decimal {
    Decimal::from_str(v.as_str().expect("an amount")).expect("a decimal")
}

#[test]
fn project_shrinkage_is_the_sum_of_its_subprojects_gaps_and_surpluses_are_flagged_apart() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = |args: &[&str]| {
        std::process::Command::new(common::BIN).args(args).current_dir(dir.path()).output().expect("run")
    };
    assert!(run(&["demo"]).status.success());
    let out = run(&["--db", "fundledger-demo.db", "check", "--as-of", "2025-12-31", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let flags = v["flags"].as_array().expect("flags");
    let of = |kind: &str, project: &str| -> Vec<&serde_json::Value> {
        flags.iter().filter(|f| f["kind"] == kind && f["project"] == project).collect()
    };
    let mut checked = 0;
    for p in flags.iter().filter(|f| f["kind"] == "project_shrinkage") {
        let project = p["project"].as_str().expect("project");
        let sum: Decimal = of("shrinkage", project).iter().map(|f| yuan(&f["gap"])).sum();
        assert_eq!(yuan(&p["gap"]), sum, "{project}: {p}");
        checked += 1;
    }
    assert!(checked > 10, "the demo has many projects with shrinkage");
    // HN-2024-01-01 received 13,419,000.00 against an entitlement of 3,000,000.00.
    let over = of("over_entitlement", "HN-2024-01");
    let future = over.iter().find(|f| f["subproject"] == "HN-2024-01-01").expect("HN-2024-01-01 is over");
    assert_eq!(future["amount"], "10419000.00", "{future}");
}
