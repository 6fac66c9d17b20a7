//! Register amendments: a sub-project's or project's field changes from an effective date under
//! a document, appended, never an edit. Figures as of a date use the version in force then; an
//! amendment that would make recorded money break a rule is refused, naming the money — by
//! fundledger before a write, by SQLite for a row inserted behind its back, and by `verify`.
//!
//! In `fixtures/small`, S-DREDGE holds 400,000 allocated from A-WATER-NH on 2024-04-01 and
//! nothing else moved on it; S-ROAD (四好农村路, two channels) carries a register standalone
//! amount of 500,000; S-JS-OLD (老旧小区改造提升, P-PEOPLE) is planned and holds nothing.

mod common;

use common::{strs, Ledger};
use rusqlite::Connection;

fn amend(subject: &str, code: &str, effective: &str, doc: &str, fields: &[&str]) -> Vec<String> {
    let mut args: Vec<String> =
        ["amend", subject, code, "--effective", effective, "--doc", doc, "--reason", "依文调整"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    args.extend(fields.iter().map(|s| s.to_string()));
    args
}

fn entitlement(l: &Ledger, subproject: &str, channel: &str, as_of: &str) -> String {
    let out = l.ok_en(&["entitlements", "--as-of", as_of, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("entitlements prints JSON");
    let rows = v["rows"].as_array().expect("rows");
    let row = rows
        .iter()
        .find(|r| r["subproject"] == subproject && r["channel_code"] == channel)
        .unwrap_or_else(|| panic!("no row {subproject}/{channel} in {out}"));
    row["entitlement"].as_str().expect("amount").to_string()
}

const HEADER: &str = "对象,编号,字段,新值,生效日期,依据文号,原因\n";

#[test]
fn an_exclusion_is_refused_while_money_is_held_and_accepted_once_it_is_withdrawn() {
    let l = Ledger::small();
    let exclude = amend("subproject", "S-DREDGE", "2024-07-01", "南水〔2024〕5号", &["--status", "不开展"]);
    l.refused_en(&strs(&exclude), &["R2", "S-DREDGE", "A-WATER-NH", "400000.00 allocated and not disbursed"]);
    l.ok_en(&strs(&l.post("withdraw", "A-WATER-NH", "S-DREDGE", "400000", "2024-06-20", "V-W1")));
    let out = l.ok_en(&strs(&exclude));
    assert!(out.contains("status = excluded"), "{out}");
    // Entries dated on or after the exclusion are refused.
    let after = l.post("allocate", "A-WATER-NH", "S-DREDGE", "1000", "2024-07-01", "V-A1");
    l.refused_en(&strs(&after), &["R2", "S-DREDGE", "excluded"]);
    // One dated before it would leave money on the excluded sub-project.
    let before = l.post("allocate", "A-WATER-NH", "S-DREDGE", "1000", "2024-06-25", "V-A2");
    l.refused_en(
        &strs(&before),
        &["R2", "excluded (不开展) from 2024-07-01", "would stay on an excluded sub-project"],
    );
    // An exclusion dated before money moved is refused, naming the entry.
    let early = amend("subproject", "S-DREDGE", "2024-06-01", "南水〔2024〕6号", &["--status", "excluded"]);
    l.refused_en(
        &strs(&early),
        &["R2", "withdraw 400000.00 of S-DREDGE on appropriation A-WATER-NH dated 2024-06-20"],
    );
    l.ok_en(&["verify"]);
}

/// The small ledger with S-DREDGE's money withdrawn on 2024-06-20 and S-DREDGE excluded by
/// amendment from 2024-07-01.
fn dredging_excluded_from_july() -> Ledger {
    let l = Ledger::small();
    l.ok_en(&strs(&l.post("withdraw", "A-WATER-NH", "S-DREDGE", "400000", "2024-06-20", "V-W1")));
    l.ok_en(&strs(&amend(
        "subproject",
        "S-DREDGE",
        "2024-07-01",
        "南水〔2024〕5号",
        &["--status", "excluded"],
    )));
    l
}

/// `verify` replays every entry with the checks a write makes, each entry on its own date: a
/// line that earlier entries passed on is checked again once its sub-project is excluded, and
/// a line that broke R1 is named for every entry on it, each by its voucher line.
#[test]
fn verify_checks_each_entry_of_a_line_on_its_own_date_and_status() {
    let l = dredging_excluded_from_july();
    l.ok_en(&["verify"]);
    let conn = Connection::open(&l.db).expect("open");
    conn.execute_batch(
        "DROP TRIGGER entries_checked;
         INSERT INTO entries (voucher, line, date, kind, appropriation_id, subproject_id, amount_fen, memo, operator, recorded_at)
         SELECT 'V-LATE', 1, '2024-07-05', 'allocate', a.id, s.id, 100, '', 'x', '2024-07-05T09:00:00+08:00'
         FROM appropriations a, subprojects s WHERE a.code = 'A-WATER-NH' AND s.code = 'S-DREDGE';
         INSERT INTO entries (voucher, line, date, kind, appropriation_id, subproject_id, amount_fen, memo, operator, recorded_at)
         SELECT 'V-CROSS', n, '2024-07-06', 'allocate', a.id, s.id, 100, '', 'x', '2024-07-06T09:00:00+08:00'
         FROM appropriations a, subprojects s, (SELECT 1 AS n UNION ALL SELECT 2)
         WHERE a.code = 'A-FARM-JS' AND s.code = 'S-FARM';",
    )
    .expect("tamper");
    drop(conn);
    l.finds_en(&[
        "entry V-LATE: sub-project S-DREDGE is confirmed as excluded (不开展) and receives nothing",
        "entry V-CROSS: appropriation A-FARM-JS was issued to 嘉善县, but sub-project S-FARM is in 南湖区",
        "entry V-CROSS line 2: appropriation A-FARM-JS was issued to 嘉善县, but sub-project S-FARM is in 南湖区",
    ]);
}

#[test]
fn sqlite_refuses_an_entry_after_an_exclusion_and_an_exclusion_before_an_entry() {
    let l = dredging_excluded_from_july();
    let conn = Connection::open(&l.db).expect("open");
    let insert = |date: &str| {
        conn.execute(
            "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, memo, operator, recorded_at)
             SELECT 'V-SQL-' || ?1, ?1, 'allocate', a.id, s.id, 100, '', 'x', 'x'
             FROM appropriations a, subprojects s WHERE a.code = 'A-WATER-NH' AND s.code = 'S-DREDGE'",
            [date],
        )
    };
    // The status in force on the entry's date decides.
    assert_eq!(insert("2024-06-30").expect("not yet excluded"), 1);
    let err = insert("2024-07-01").expect_err("R2");
    assert!(err.to_string().contains("R2"), "{err}");
    let err = conn
        .execute(
            "INSERT INTO amendments (subject, subproject_id, field, value, effective, document, reason, operator, recorded_at)
             SELECT 'subproject', id, 'status', 'excluded', '2024-03-01', 'D', 'r', 'x', 'x' FROM subprojects WHERE code = 'S-FARM'",
            [],
        )
        .expect_err("R2");
    assert!(err.to_string().contains("R2"), "{err}");
    let err = conn.execute("DELETE FROM amendments", []).expect_err("R4");
    assert!(err.to_string().contains("R4"), "{err}");
    drop(conn);
    // The allocation of 06-30, inserted behind fundledger's back, stays on S-DREDGE.
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(
            "sub-project S-DREDGE is excluded (不开展) by amendment, yet appropriation A-WATER-NH has 1.00"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn an_investment_amendment_changes_the_entitlement_from_its_date_only() {
    let l = Ledger::small();
    let csv = "subproject,project,type,status,quantity,unit,investment,letter\n\
               S-VIL,P-PEOPLE,农村人居环境整治提升,ongoing,1,项,5000000,嘉善县农业农村局确认书〔2024〕6号\n";
    l.ok_en(&["import", "subprojects", &l.file("vil.csv", csv)]);
    l.ok_en(&strs(&amend(
        "subproject",
        "S-VIL",
        "2024-09-01",
        "嘉善发改〔2024〕3号",
        &["--investment", "10,000,000"],
    )));
    let channel = "harmonious_village_fund";
    let before = entitlement(&l, "S-VIL", channel, "2024-08-31");
    let after = entitlement(&l, "S-VIL", channel, "2024-09-01");
    assert_eq!((before.as_str(), after.as_str()), ("1000000.00", "2000000.00"));
}

#[test]
fn a_standalone_approval_applies_to_its_own_channel_only() {
    let l = Ledger::small();
    // The register's 500,000 (no channel) applies to the first channel, the rule to the second.
    assert_eq!(entitlement(&l, "S-ROAD", "transport_development_fund", "2024-10-01"), "500000.00");
    assert_eq!(entitlement(&l, "S-ROAD", "rural_roads_fund", "2024-10-01"), "820000.00");
    let args = amend(
        "subproject",
        "S-ROAD",
        "2024-09-01",
        "嘉交〔2024〕19号",
        &["--standalone", "rural_roads_fund=0"],
    );
    l.ok_en(&strs(&args));
    assert_eq!(entitlement(&l, "S-ROAD", "rural_roads_fund", "2024-10-01"), "0.00");
    assert_eq!(entitlement(&l, "S-ROAD", "transport_development_fund", "2024-10-01"), "500000.00");
    let args = amend(
        "subproject",
        "S-ROAD",
        "2024-09-15",
        "嘉交〔2024〕20号",
        &["--standalone", "交通运输发展专项资金=2000000"],
    );
    l.ok_en(&strs(&args));
    assert_eq!(entitlement(&l, "S-ROAD", "transport_development_fund", "2024-10-01"), "2000000.00");
    assert_eq!(entitlement(&l, "S-ROAD", "rural_roads_fund", "2024-10-01"), "0.00");
    assert_eq!(entitlement(&l, "S-ROAD", "rural_roads_fund", "2024-08-31"), "820000.00");
    // A channel that does not pay the type is refused (R2).
    let args = amend(
        "subproject",
        "S-ROAD",
        "2024-09-15",
        "嘉交〔2024〕21号",
        &["--standalone", "高标准农田专项资金=1"],
    );
    l.refused_en(&strs(&args), &["R2", "does not pay sub-project S-ROAD"]);
}

#[test]
fn importing_amendments_twice_doubles_nothing_and_another_value_is_refused() {
    let l = Ledger::small();
    let rows = "子项目,S-GRAIN,状态,在建,2024-07-01,南农〔2024〕11号,开工\n\
                项目,P-AGRI,精品示范工程,是,2024-08-01,嘉政〔2024〕2号,列入精品示范\n";
    let f = l.file("amend.csv", &format!("{HEADER}{rows}"));
    let out = l.ok_en(&["import", "amendments", &f]);
    assert!(out.contains("2 added, 0 already recorded"), "{out}");
    let out = l.ok_en(&["import", "amendments", &f]);
    assert!(out.contains("0 added, 2 already recorded"), "{out}");
    let changed = l.file(
        "changed.csv",
        &format!("{HEADER}子项目,S-GRAIN,状态,拟同步建设,2024-07-01,南农〔2024〕11号,开工\n"),
    );
    l.refused_en(
        &["import", "amendments", &changed],
        &["changed.csv:2", "R4", "南农〔2024〕11号", "'ongoing'"],
    );
    let bad = l.file(
        "bad.csv",
        &format!("{HEADER}子项目,S-NONE,状态,在建,2024-07-01,D1,r\n子项目,S-GRAIN,名称,x,2024-07-01,D2,r\n项目,P-AGRI,status,在建,2024-07-01,D3,r\n子项目,S-GRAIN,quantity,900,2099-01-01,D4,r\n"),
    );
    l.refused_en(
        &["import", "amendments", &bad],
        &[
            "bad.csv:2",
            "S-NONE",
            "bad.csv:3",
            "'名称' is not a field",
            "bad.csv:4",
            "field of a subproject",
            "bad.csv:5",
            "after today",
        ],
    );
}

#[test]
fn history_lists_the_versions() {
    let l = Ledger::small();
    l.ok_en(&strs(&amend(
        "subproject",
        "S-GRAIN",
        "2024-07-01",
        "南农〔2024〕11号",
        &["--status", "在建", "--quantity", "900"],
    )));
    l.ok_en(&strs(&amend("subproject", "S-GRAIN", "2024-09-01", "南农〔2024〕12号", &["--quantity", "950"])));
    let v: serde_json::Value =
        serde_json::from_str(&l.ok_en(&["history", "subproject", "S-GRAIN", "--format", "json"]))
            .expect("JSON");
    let rows = v["rows"].as_array().expect("rows");
    let changes: Vec<(u64, &str, &str, &str)> = rows
        .iter()
        .filter(|r| r["version"] != 0)
        .map(|r| {
            let s = |k: &str| r[k].as_str().expect("text");
            (r["version"].as_u64().expect("n"), s("field"), s("from"), s("to"))
        })
        .collect();
    assert_eq!(
        changes,
        [(1, "status", "planned", "ongoing"), (1, "quantity", "800", "900"), (2, "quantity", "900", "950")]
    );
    let table = l.ok_en(&["history", "subproject", "S-GRAIN"]);
    assert!(table.contains("南农〔2024〕12号"), "{table}");
    l.ok_en(&strs(&amend("project", "P-AGRI", "2024-08-01", "嘉政〔2024〕2号", &["--flagship", "yes"])));
    let table = l.ok_en(&["history", "project", "P-AGRI"]);
    assert!(table.contains("flagship") && table.contains("嘉政〔2024〕2号"), "{table}");
    let r = l.run_en(&["history", "subproject", "S-NONE"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_mode_that_would_make_a_sub_project_inadmissible_is_refused_naming_it() {
    let l = Ledger::small();
    let args = amend("project", "P-PEOPLE", "2024-08-01", "嘉善〔2024〕10号", &["--mode", "agri"]);
    l.refused_en(&strs(&args), &["R7", "S-JS-OLD"]);
    // Once S-JS-OLD is excluded, the mode admits every sub-project left.
    l.ok_en(&strs(&amend(
        "subproject",
        "S-JS-OLD",
        "2024-07-01",
        "嘉善〔2024〕9号",
        &["--status", "excluded"],
    )));
    l.ok_en(&strs(&args));
}

#[test]
fn amendments_in_the_future_or_a_closed_year_are_refused() {
    let l = Ledger::small();
    let future = amend("subproject", "S-GRAIN", "2099-01-01", "D-F", &["--quantity", "1"]);
    l.refused_en(&strs(&future), &["--effective", "after today"]);
    l.ok_en(&["close", "--year", "2024"]);
    let closed = amend("subproject", "S-GRAIN", "2024-12-01", "D-C", &["--quantity", "1"]);
    l.refused_en(&strs(&closed), &["R5", "2024 is closed"]);
}

#[test]
fn reimporting_a_changed_register_row_points_to_amend() {
    let l = Ledger::small();
    let csv = std::fs::read_to_string(common::fixtures().join("small/subprojects.csv")).expect("fixture");
    let changed = csv.replace(
        "S-GRAIN,P-AGRI,grain_production_zone,planned",
        "S-GRAIN,P-AGRI,grain_production_zone,excluded",
    );
    let f = l.file("subprojects.csv", &changed);
    l.refused_en(&["import", "subprojects", &f], &["R4", "S-GRAIN", "fundledger amend subproject S-GRAIN"]);
}

#[test]
fn verify_names_a_tampered_amendment() {
    let l = Ledger::small();
    l.ok_en(&strs(&amend("subproject", "S-GRAIN", "2024-07-01", "南农〔2024〕11号", &["--quantity", "900"])));
    l.ok_en(&["verify"]);
    let conn = Connection::open(&l.db).expect("open");
    conn.execute_batch("DROP TRIGGER amendments_no_update; UPDATE amendments SET value = '9000';")
        .expect("tamper");
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("amendment of subproject S-GRAIN quantity (南农〔2024〕11号)"), "{}", r.stderr);
}

#[test]
fn the_review_counts_a_flagship_designated_by_the_end_of_the_year() {
    let l = Ledger::small();
    let flagships = |year: &str| -> u64 {
        let out = l.ok_en(&["review", "--year", year, "--county", "南湖区", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("review prints JSON");
        v["projects"]["rows"][0]["flagships"].as_u64().unwrap_or_else(|| panic!("flagships in {out}"))
    };
    assert_eq!(flagships("2024"), 0);
    l.ok_en(&strs(&amend(
        "project",
        "P-LAND",
        "2025-02-01",
        "嘉政办〔2025〕3号",
        &["--mode", "people", "--flagship", "yes"],
    )));
    assert_eq!(flagships("2024"), 0);
    assert_eq!(flagships("2025"), 1);
}

#[test]
fn the_allocation_plan_leaves_out_a_sub_project_excluded_by_amendment() {
    let l = Ledger::small();
    let csv = "subproject,project,type,status,quantity,unit,investment,letter\n\
               S-FARM2,P-AGRI,高标准农田建设,planned,100,亩,300000,南湖区农业农村局确认书〔2024〕1号\n";
    l.ok_en(&["import", "subprojects", &l.file("farm2.csv", csv)]);
    let plan = l.ok_en(&["allocate", "--appropriation", "A-FARM-NH-C"]);
    assert!(plan.contains("S-FARM2"), "{plan}");
    l.ok_en(&strs(&amend(
        "subproject",
        "S-FARM2",
        "2024-06-01",
        "南农〔2024〕13号",
        &["--status", "excluded"],
    )));
    let plan = l.ok_en(&["allocate", "--appropriation", "A-FARM-NH-C"]);
    assert!(!plan.contains("S-FARM2"), "{plan}");
    // `check` asks for a letter for it before the exclusion, not after.
    let no_letter = |as_of: &str| {
        let r = l.run_en(&["check", "--as-of", as_of, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("check prints JSON");
        let flags = v["flags"].as_array().expect("flags").clone();
        flags.iter().any(|f| f["kind"] == "no_letter" && f["subproject"] == "S-FARM2")
    };
    assert!(no_letter("2024-05-31"));
    assert!(!no_letter("2024-06-01"));
}
