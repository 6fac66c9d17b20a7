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

/// A fresh ledger with one 嘉善县 project of three farmland sub-projects whose standalone
/// approvals total 600,000.00 on 高标准农田专项资金.
fn three_farmland_subprojects() -> common::Ledger {
    let l = common::Ledger::new();
    let projects = l.file(
        "p.csv",
        "project,name,county,scope,towns,villages,implementing_body,mode,approved_on,flagship\n\
         P-JS,姚庄镇项目,嘉善县,single_township,姚庄镇,村A,姚庄镇人民政府,agri,2024-01-10,no\n",
    );
    l.ok(&["import", "projects", &projects]);
    let subs = l.file(
        "s.csv",
        "subproject,project,type,status,quantity,unit,investment,standalone_amount,standalone_doc\n\
         S-1,P-JS,高标准农田建设,ongoing,100,亩,1000000,100000,嘉农〔2024〕1号\n\
         S-2,P-JS,高标准农田建设,ongoing,200,亩,2000000,200000,嘉农〔2024〕2号\n\
         S-3,P-JS,高标准农田建设,ongoing,300,亩,3000000,300000,嘉农〔2024〕3号\n",
    );
    l.ok(&["import", "subprojects", &subs]);
    l
}

fn appropriation(l: &common::Ledger, code: &str, issued_on: &str, amount: &str) {
    let file = l.file(
        &format!("{code}.csv"),
        &format!(
            "appropriation,doc_no,channel,level,county,issued_on,amount\n\
             {code},浙财农〔2024〕{code}号,高标准农田专项资金,provincial,嘉善县,{issued_on},{amount}\n"
        ),
    );
    l.ok(&["import", "appropriations", &file]);
}

fn flags(l: &common::Ledger, as_of: &str) -> Vec<serde_json::Value> {
    let r = l.run(&["check", "--as-of", as_of, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("check prints JSON");
    v["flags"].as_array().expect("flags").clone()
}

fn of_kind<'a>(flags: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    flags.iter().filter(|f| f["kind"] == kind).collect()
}

/// Money short at the source is underfunding, not shrinkage; an appropriation divided by
/// `allocate --commit` leaves no shrinkage on its channel, however many arrive and whatever
/// their amounts; money given to one sub-project only is shrinkage for the others.
#[test]
fn the_allocator_and_the_check_agree_on_fair_shares() {
    let l = three_farmland_subprojects();
    // Nothing issued: the whole 600,000.00 is underfunding, nobody's shrinkage.
    let f = flags(&l, "2024-12-31");
    assert!(of_kind(&f, "shrinkage").is_empty(), "{f:?}");
    let under = of_kind(&f, "underfunded");
    assert_eq!(under.len(), 1, "{f:?}");
    assert_eq!(
        (under[0]["county"].as_str(), under[0]["underfunding"].as_str()),
        (Some("嘉善县"), Some("600000.00"))
    );

    // 300,000.00 arrives and is divided: fair shares 50,000 / 100,000 / 150,000, all received.
    appropriation(&l, "A1", "2024-03-01", "300000");
    l.ok(&["allocate", "--appropriation", "A1", "--commit", "--date", "2024-03-05"]);
    let f = flags(&l, "2024-12-31");
    assert!(of_kind(&f, "shrinkage").is_empty(), "{f:?}");
    assert!(of_kind(&f, "project_shrinkage").is_empty(), "{f:?}");
    assert_eq!(of_kind(&f, "underfunded")[0]["underfunding"], "300000.00");
    let listing: serde_json::Value =
        serde_json::from_str(&l.ok(&["entitlements", "--as-of", "2024-12-31", "--format", "json"]))
            .expect("json");
    let fair: Vec<&str> =
        listing["rows"].as_array().expect("rows").iter().map(|r| r["fair_share"].as_str().unwrap()).collect();
    assert_eq!(fair, ["50000.00", "100000.00", "150000.00"]);

    // An odd amount: 100,000.01 more, divided exactly to the fen, still no shrinkage.
    appropriation(&l, "A2", "2024-06-01", "100000.01");
    l.ok(&["allocate", "--appropriation", "A2", "--commit", "--date", "2024-06-02"]);
    let f = flags(&l, "2024-12-31");
    assert!(of_kind(&f, "shrinkage").is_empty(), "{f:?}");
    assert_eq!(of_kind(&f, "underfunded")[0]["underfunding"], "199999.99");

    // A third appropriation a clerk gives wholly to S-3: S-1 and S-2 lose their part of it.
    appropriation(&l, "A3", "2024-09-01", "60000");
    l.ok(&l
        .post("allocate", "A3", "S-3", "60000", "2024-09-02", "V-S3")
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    let f = flags(&l, "2024-12-31");
    let shrunk: Vec<(&str, &str)> = of_kind(&f, "shrinkage")
        .iter()
        .map(|x| (x["subproject"].as_str().unwrap(), x["gap"].as_str().unwrap()))
        .collect();
    // Fair shares of 460,000.01 by 1:2:3 are 76,666.67 / 153,333.34 / 230,000.00 (largest
    // remainder); S-1 and S-2 received 66,666.67 and 133,333.34 of the first two lines.
    assert_eq!(shrunk, [("S-1", "10000.00"), ("S-2", "20000.00")], "{f:?}");
    let project = of_kind(&f, "project_shrinkage");
    assert_eq!(project[0]["gap"], "30000.00", "{f:?}");
    let over = of_kind(&f, "over_entitlement");
    assert!(over.is_empty(), "S-3 is over its fair share, not over its entitlement: {f:?}");
}

/// Coverage counts content, not declarations: a 人-mode project whose only sub-project is
/// 制度创新 counts toward neither 农 nor 地, and `check` says its content does not bear out
/// its mode; `entitlements` says why it has no entitlement row.
#[test]
fn a_declaration_alone_counts_for_no_coverage() {
    let l = common::Ledger::new();
    let projects = l.file(
        "p.csv",
        "project,name,county,scope,towns,villages,implementing_body,mode,approved_on,flagship\n\
         P-RULES,大云镇项目,嘉善县,single_township,大云镇,村A,大云镇人民政府,people,2024-01-10,no\n\
         P-FULL,西塘镇项目,嘉善县,single_township,西塘镇,村B,西塘镇人民政府,land,2024-01-10,no\n",
    );
    l.ok(&["import", "projects", &projects]);
    let subs = l.file(
        "s.csv",
        "subproject,project,type,status,quantity,unit,investment\n\
         S-RULES,P-RULES,制度创新,ongoing,1,项,100000\n\
         S-FARM,P-FULL,高标准农田建设,ongoing,100,亩,1000000\n\
         S-ROAD,P-FULL,A级景区村庄创建,ongoing,1,个,500000\n",
    );
    l.ok(&["import", "subprojects", &subs]);
    let review: serde_json::Value =
        serde_json::from_str(&l.ok(&["review", "--year", "2024", "--county", "嘉善县", "--format", "json"]))
            .expect("json");
    let row = &review["projects"]["rows"][0];
    assert_eq!(
        (row["projects"].clone(), row["agri_projects"].clone(), row["land_projects"].clone()),
        (2.into(), 1.into(), 1.into()),
        "{row}"
    );
    let listed = review["unsubstantiated"].as_array().expect("unsubstantiated");
    assert_eq!(listed.len(), 1, "{review}");
    assert_eq!(listed[0]["project"], "P-RULES");

    let f = flags(&l, "2024-12-31");
    let found = of_kind(&f, "mode_unsubstantiated");
    assert_eq!(found.len(), 1, "{f:?}");
    assert_eq!(found[0]["project"], "P-RULES");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("涉农") && message.contains("涉地") && !message.contains("“人”的子项目"),
        "{message}"
    );

    // No channel pays 制度创新 (no Annex-3 row) or A级景区村庄创建 (Annex 3: 暂无).
    let out = l.ok(&["entitlements", "--project", "P-RULES"]);
    assert!(out.contains("S-RULES 无应得行") && out.contains("附件3没有"), "{out}");
    let out = l.ok(&["--lang", "en", "entitlements", "--project", "P-FULL"]);
    assert!(out.contains("S-ROAD has no entitlement row") && out.contains("暂无"), "{out}");
}
