//! Acceptance as the policy runs it (四（四）): the county bureau that organised each item
//! acceptance, and the quality award (优质工程) as a later yearly selection after city
//! acceptance — checked by fundledger, re-checked by SQLite, chained for `verify`.

mod common;

use common::Ledger;
use rusqlite::Connection;
use serde_json::Value;

/// fixtures/small with P-AGRI's items, overall and county acceptance passed.
fn county_accepted() -> Ledger {
    let l = Ledger::small();
    let file = l.file(
        "acc.csv",
        "stage,project,subproject,bureau,result,date,document\n\
         item,,S-FARM,南湖区农业农村局,passed,2025-01-05,南农验1号\n\
         item,,S-GRAIN,南湖区农业农村局,passed,2025-01-06,南农验2号\n\
         item,,S-DREDGE,南湖区水利局,passed,2025-01-07,南水验1号\n\
         overall,P-AGRI,,,passed,2025-03-01,整1号\n\
         county,P-AGRI,,,passed,2025-04-01,县1号\n",
    );
    l.ok_en(&["import", "acceptances", &file]);
    l
}

const CITY: &[&str] = &[
    "accept",
    "city",
    "--project",
    "P-AGRI",
    "--batch",
    "2025-1",
    "--result",
    "passed",
    "--date",
    "2025-05-01",
    "--doc",
    "市1号",
];

const AWARD: &[&str] = &[
    "accept",
    "award",
    "--project",
    "P-AGRI",
    "--year",
    "2025",
    "--doc",
    "嘉土整办〔2026〕2号",
    "--date",
    "2026-03-20",
];

fn json(l: &Ledger, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    serde_json::from_str(&l.ok_en(&a)).expect("json")
}

#[test]
fn the_award_follows_city_acceptance_once_and_is_shown_with_its_year_and_document() {
    let l = county_accepted();
    l.refused_en(
        AWARD,
        &["option --project", "selected among projects that passed 市级验收", "P-AGRI has not passed it"],
    );
    l.ok(CITY);
    let out = l.ok(AWARD);
    assert!(out.contains("已记录: P-AGRI 优质工程 2025 (嘉土整办〔2026〕2号)"), "{out}");
    let out = l.ok_en(AWARD);
    assert!(out.contains("already recorded"), "{out}");
    l.refused_en(
        &["accept", "award", "--project", "P-AGRI", "--year", "2025", "--doc", "另一文件"],
        &["P-AGRI already won the quality award (优质工程) of 2025 (嘉土整办〔2026〕2号, 2026-03-20)"],
    );
    let progress = json(&l, &["acceptance"]);
    let agri = &progress["projects"][0];
    assert_eq!(agri["project"], "P-AGRI");
    assert_eq!(agri["award"], true);
    assert_eq!(agri["award_year"], 2025);
    assert_eq!(agri["award_document"], "嘉土整办〔2026〕2号");
    let table = l.ok_en(&["acceptance"]);
    assert!(table.contains("嘉土整办〔2026〕2号") && table.contains("2025"), "{table}");
    let records = json(&l, &["acceptance", "--project", "P-AGRI"]);
    assert_eq!(records["award"]["year"], 2025);
    assert_eq!(records["award"]["date"], "2026-03-20");
    let table = l.ok(&["acceptance", "--project", "P-AGRI"]);
    assert!(table.contains("优质工程"), "{table}");
    l.ok_en(&["verify"]);
}

#[test]
fn an_award_for_a_year_before_city_acceptance_or_dated_before_it_is_refused() {
    let l = county_accepted();
    l.ok(CITY);
    l.refused_en(
        &["accept", "award", "--project", "P-AGRI", "--year", "2024", "--doc", "x"],
        &["option --year", "for 2025 or a later year"],
    );
    l.refused_en(
        &["accept", "award", "--project", "P-AGRI", "--year", "2025", "--doc", "x", "--date", "2025-04-30"],
        &["option --date", "before the project passed 市级验收 (2025-05-01)"],
    );
    l.refused_en(
        &["accept", "award", "--project", "P-NONE", "--year", "2025", "--doc", "x"],
        &["'P-NONE' is not recorded"],
    );
}

#[test]
fn the_award_at_city_acceptance_still_counts_and_is_not_won_twice() {
    let l = county_accepted();
    let mut city = CITY.to_vec();
    city.push("--award");
    l.ok_en(&city);
    let agri = &json(&l, &["acceptance"])["projects"][0];
    assert_eq!(agri["award"], true);
    assert_eq!(agri["award_year"], 2025);
    assert_eq!(agri["award_document"], "市1号");
    l.refused_en(
        AWARD,
        &["P-AGRI already won the quality award (优质工程) with its 市级验收 on 2025-05-01 (市1号)"],
    );
}

#[test]
fn an_item_acceptance_records_and_shows_its_county_bureau() {
    let l = Ledger::small();
    let item = [
        "accept",
        "item",
        "--subproject",
        "S-FARM",
        "--result",
        "passed",
        "--date",
        "2025-01-05",
        "--doc",
        "南农验1号",
    ];
    l.refused_en(&item, &["option --bureau", "county bureau"]);
    let mut with_bureau = item.to_vec();
    with_bureau.extend(["--bureau", "南湖区农业农村局"]);
    l.ok_en(&with_bureau);
    // Given again, with or without the bureau, it is the same record.
    assert!(l.ok_en(&with_bureau).contains("already recorded"));
    let records = json(&l, &["acceptance", "--project", "P-AGRI"]);
    let a = &records["acceptances"][0];
    assert_eq!(a["bureau"], "南湖区农业农村局");
    assert_eq!(a["department"], "市农业农村局", "the city department of the catalogue stays");
    let table = l.ok(&["acceptance", "--project", "P-AGRI"]);
    assert!(table.contains("组织单位") && table.contains("南湖区农业农村局"), "{table}");
    l.refused_en(
        &[
            "accept",
            "overall",
            "--project",
            "P-PEOPLE",
            "--result",
            "passed",
            "--date",
            "2025-03-01",
            "--doc",
            "x",
        ],
        &["needs every non-excluded sub-project"],
    );
    l.ok_en(&["verify"]);
}

#[test]
fn an_award_row_is_imported_with_the_acceptances() {
    let l = county_accepted();
    let file = l.file(
        "award.csv",
        "验收环节,项目编号,子项目编号,组织单位,验收结果,验收日期,验收文件,批次,年度,备注\n\
         市级验收,P-AGRI,,,通过,2025-05-01,市1号,2025-1,,\n\
         优质工程,P-AGRI,,,,2026-03-20,嘉土整办〔2026〕2号,,2025,首批\n",
    );
    assert!(l.ok_en(&["import", "acceptances", &file]).contains("2 added"));
    assert!(l.ok_en(&["import", "acceptances", &file]).contains("0 added, 2 already recorded"));
    assert_eq!(json(&l, &["acceptance"])["projects"][0]["award_year"], 2025);
    let bad = l.file(
        "bad.csv",
        "stage,project,bureau,result,date,document,year\naward,P-PEOPLE,嘉善县农业农村局,failed,,x,\n",
    );
    l.refused_en(
        &["import", "acceptances", &bad],
        &["bad.csv:2", "leaves bureau empty", "not a year", "only recorded when won"],
    );
}

#[test]
fn sqlite_refuses_an_award_written_behind_fundledgers_back_before_city_acceptance() {
    let l = county_accepted();
    let conn = Connection::open(&l.db).expect("open");
    let insert = "INSERT INTO acceptance_awards (project_id, year, document, operator, recorded_at)
                  SELECT id, 2025, 'x', 'sql', 'now' FROM projects WHERE code = 'P-AGRI'";
    let err = conn.execute(insert, []).expect_err("trigger");
    assert!(err.to_string().contains("follows a passed city acceptance"), "{err}");
    drop(conn);
    l.ok(CITY);
    l.ok(AWARD);
    let conn = Connection::open(&l.db).expect("open");
    let err = conn.execute("UPDATE acceptance_awards SET year = 2026", []).expect_err("immutable");
    assert!(err.to_string().contains("recorded fact"), "{err}");
    let err = conn.execute("DELETE FROM acceptance_bureaus", []).expect_err("immutable");
    assert!(err.to_string().contains("recorded fact"), "{err}");
    let err = conn
        .execute(
            "INSERT INTO acceptance_bureaus SELECT id, '县局' FROM acceptances WHERE stage = 'county'",
            [],
        )
        .expect_err("trigger");
    assert!(err.to_string().contains("item acceptances only"), "{err}");
}

#[test]
fn verify_names_a_tampered_award() {
    let l = county_accepted();
    l.ok(CITY);
    l.ok(AWARD);
    l.ok_en(&["verify"]);
    let conn = Connection::open(&l.db).expect("open");
    conn.execute_batch(
        "DROP TRIGGER acceptance_awards_no_update;
         UPDATE acceptance_awards SET document = '假文件';",
    )
    .expect("tamper");
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("quality award of P-AGRI 2025") && r.stderr.contains("altered"),
        "{}",
        r.stderr
    );
}

/// A ledger from before the audit chain (schema 3) with an item acceptance (no bureau) and a
/// city acceptance that won the award upgrades, verifies, and reads its records as they were.
#[test]
fn an_old_ledgers_acceptances_upgrade_and_stay_readable() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("old.db");
    let conn = Connection::open(&db).expect("create");
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    for m in ["0001_ledger.sql", "0002_subsidy_rules.sql", "0003_acceptance.sql"] {
        conn.execute_batch(&std::fs::read_to_string(schema.join(m)).expect("migration")).expect(m);
    }
    conn.execute_batch(
        "PRAGMA user_version = 3;
         INSERT INTO departments VALUES ('nrp', '农业农村局', '', 1);
         INSERT INTO counties VALUES ('NH', '南湖区', '', 1);
         INSERT INTO subproject_types VALUES ('farm', '高标准农田建设', '', 'nrp', 1, 1, 1, NULL, 'listed', '', 1, 1);
         INSERT INTO projects VALUES (1, 'P-OLD', '旧项目', '南湖区', 'single_township', '', '', '镇政府', 'agri',
                                      '2023-01-01', 0, '老会计', '2023-01-02T09:00:00+08:00');
         INSERT INTO subprojects VALUES (1, 'S-OLD', 1, 'farm', 'ongoing', '100', '亩', 100000, '', NULL, '',
                                         '老会计', '2023-01-02T09:00:00+08:00');
         INSERT INTO acceptances (stage, project_id, subproject_id, department, result, accepted_on, document,
                                  batch, award, operator, recorded_at)
              VALUES ('item', 1, 1, 'nrp', 'passed', '2024-01-05', '验1', '', 0, '老会计', 't'),
                     ('overall', 1, NULL, NULL, 'passed', '2024-02-05', '整1', '', 0, '老会计', 't'),
                     ('county', 1, NULL, NULL, 'passed', '2024-03-05', '县1', '', 0, '老会计', 't'),
                     ('city', 1, NULL, NULL, 'passed', '2024-04-05', '市1', '2024-1', 1, '老会计', 't');",
    )
    .expect("old rows");
    drop(conn);
    let l = Ledger { dir, db };
    l.ok_en(&["upgrade"]);
    l.ok_en(&["verify"]);
    let records = json(&l, &["acceptance", "--project", "P-OLD"]);
    assert_eq!(records["acceptances"][0]["bureau"], Value::Null);
    assert_eq!(records["award"]["year"], 2024);
    assert_eq!(records["award"]["document"], "市1");
    l.refused_en(
        &["accept", "award", "--project", "P-OLD", "--year", "2024", "--doc", "x"],
        &["already won"],
    );
}

/// Acceptance judges a sub-project by the status in force on its date: one excluded by
/// amendment is not accepted and does not hold up the overall acceptance (in fundledger and
/// in SQLite's triggers). A bureau is one of the sub-project's own county.
#[test]
fn a_subproject_excluded_by_amendment_is_not_accepted_and_does_not_hold_up_the_project() {
    let l = Ledger::small();
    let withdraw = l.post("withdraw", "A-FARM-NH", "S-GRAIN", "300000", "2024-07-01", "V-W1");
    l.ok_en(&common::strs(&withdraw));
    l.ok_en(&[
        "amend",
        "subproject",
        "S-GRAIN",
        "--effective",
        "2024-07-02",
        "--doc",
        "南农〔2024〕20号",
        "--reason",
        "不开展",
        "--status",
        "excluded",
    ]);
    let item = |sub: &str, bureau: &str| {
        vec![
            "accept".to_string(),
            "item".into(),
            "--subproject".into(),
            sub.into(),
            "--bureau".into(),
            bureau.into(),
            "--result".into(),
            "通过".into(),
            "--date".into(),
            "2024-08-01".into(),
            "--doc".into(),
            format!("南验〔2024〕{sub}"),
        ]
    };
    l.refused_en(
        &common::strs(&item("S-FARM", "海宁市农业农村局")),
        &["'海宁市农业农村局' is not a bureau of 南湖区", "e.g. 南湖区农业农村局"],
    );
    l.refused_en(&common::strs(&item("S-GRAIN", "南湖区农业农村局")), &["S-GRAIN is excluded"]);
    l.ok_en(&common::strs(&item("S-FARM", "南湖区农业农村局")));
    l.ok_en(&common::strs(&item("S-DREDGE", "南湖区水利局")));
    l.ok_en(&[
        "accept",
        "overall",
        "--project",
        "P-AGRI",
        "--result",
        "通过",
        "--date",
        "2024-08-10",
        "--doc",
        "南整验〔2024〕1号",
    ]);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}
