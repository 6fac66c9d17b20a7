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

/// Three 人-mode flagships in one county are above the policy's 1–2, not short of it.
#[test]
fn three_flagships_in_a_county_are_above_target() {
    let l = common::Ledger::small();
    let projects = l.file(
        "p.csv",
        "project,name,county,scope,towns,villages,implementing_body,mode,approved_on,flagship\n\
         P-F2,西塘镇项目,嘉善县,single_township,西塘镇,村A,西塘镇人民政府,people,2024-02-01,yes\n\
         P-F3,干窑镇项目,嘉善县,single_township,干窑镇,村B,干窑镇人民政府,people,2024-02-01,yes\n",
    );
    l.ok(&["import", "projects", &projects]);
    let subs = l.file(
        "s.csv",
        "subproject,project,type,status,quantity,unit,investment\n\
         S-F2,P-F2,老旧小区改造提升,ongoing,10,户,100000\n\
         S-F3,P-F3,老旧小区改造提升,ongoing,10,户,100000\n",
    );
    l.ok(&["import", "subprojects", &subs]);
    let out = l.ok(&["review", "--year", "2024", "--county", "嘉善县", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let row = &v["projects"]["rows"][0];
    assert_eq!(
        (row["flagships"].clone(), row["flagships_above_target"].clone()),
        (3.into(), true.into()),
        "{row}"
    );
    assert_eq!(row["flagship_target_met"], false, "{row}");
    let table = l.ok(&["review", "--year", "2024", "--county", "嘉善县"]);
    assert!(table.contains("超出目标"), "{table}");
}

/// A flagship is a 人-mode project: another mode marked flagship gets a warning from `check`.
#[test]
fn a_flagship_of_another_mode_is_flagged() {
    let l = common::Ledger::small();
    l.ok(&[
        "amend",
        "project",
        "P-AGRI",
        "--effective",
        "2025-01-02",
        "--doc",
        "嘉政办〔2025〕2号",
        "--reason",
        "列入精品示范工程",
        "--flagship",
        "yes",
    ]);
    let r = l.run(&["check", "--as-of", "2025-06-30", "--format", "json"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let flag = v["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .find(|f| f["kind"] == "flagship_not_people")
        .expect("the 农-mode flagship is flagged");
    assert_eq!(flag["project"], "P-AGRI", "{flag}");
    // Before the amendment it was not a flagship.
    let before = l.run(&["check", "--as-of", "2024-12-31", "--format", "json"]);
    assert!(!before.stdout.contains("flagship_not_people"), "{}", before.stdout);
}
