//! Confirmation letters (集成部门项目确认书, Annex 2): `import letters`, `letter`, the
//! `no_letter` flag of `check`, and the database's own refusals.

mod common;

use common::{fixtures, Ledger};
use rusqlite::Connection;

const HEADER: &str = "letter,project,department,issued_on,subproject,status\n";

fn letters_csv() -> String {
    fixtures().join("small").join("letters.csv").to_str().expect("utf-8 path").to_string()
}

/// The small sample with its letters.
fn with_letters() -> Ledger {
    let l = Ledger::small();
    let out = l.ok_en(&["import", "letters", &letters_csv()]);
    assert!(out.contains("4 added, 0 already recorded"), "{out}");
    l
}

fn json(l: &Ledger, args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    serde_json::from_str(&l.ok_en(&a)).expect("JSON")
}

#[test]
fn a_letter_is_imported_once_and_printed_in_the_annex_2_layout() {
    let l = with_letters();
    let again = l.ok_en(&["import", "letters", &letters_csv()]);
    assert!(again.contains("0 added, 4 already recorded"), "{again}");
    let table = l.ok(&["letter", "--project", "P-AGRI"]);
    for text in [
        "土地综合整治项目集成部门项目确认书",
        "南湖区土地综合整治领导小组",
        "市农业农村局",
        "南湖区农业农村局确认书〔2024〕1号",
        "2024-01-10",
        "在建子项目",
        "拟同步建设子项目",
        "不开展建设子项目",
        "S-GRAIN",
        "粮食生产功能区建设",
        "亩",
    ] {
        assert!(table.contains(text), "{text} missing:\n{table}");
    }
    let v = json(&l, &["letter", "--project", "P-AGRI", "--department", "agri"]);
    let letters = v["letters"].as_array().expect("letters");
    assert_eq!(letters.len(), 1, "{v}");
    let first = &letters[0];
    assert_eq!(first["addressee"], "南湖区土地综合整治领导小组");
    assert_eq!(first["issued_on"], "2024-01-10");
    assert_eq!(first["ongoing"][0]["subproject"], "S-FARM");
    assert_eq!(first["ongoing"][0]["quantity"], "1200");
    assert_eq!(first["planned"][0]["subproject"], "S-GRAIN");
    assert_eq!(first["excluded"][0]["subproject"], "S-EXCL");
    assert_eq!(json(&l, &["letter", "--project", "P-AGRI"])["letters"].as_array().map(Vec::len), Some(2));
    l.ok_en(&["letter", "--project", "P-AGRI", "--out", "letter.xlsx"]);
    assert!(l.dir.path().join("letter.xlsx").metadata().expect("workbook written").len() > 0);
}

#[test]
fn a_letter_given_again_with_other_content_is_refused() {
    let l = with_letters();
    let changed = l.file(
        "changed.csv",
        &format!("{HEADER}南湖区水利局确认书〔2024〕2号,P-AGRI,water,2024-01-12,S-DREDGE,planned\n"),
    );
    l.refused_en(
        &["import", "letters", &changed],
        &["changed.csv:2", "column status", "already recorded", "letters are never edited", "R4"],
    );
    let redated = l.file(
        "redated.csv",
        &format!("{HEADER}南湖区水利局确认书〔2024〕2号,P-AGRI,water,2024-02-01,S-DREDGE,ongoing\n"),
    );
    l.refused_en(&["import", "letters", &redated], &["redated.csv:2", "dated 2024-01-12"]);
    let fewer = l.file(
        "fewer.csv",
        &format!("{HEADER}南湖区农业农村局确认书〔2024〕1号,P-AGRI,agri,2024-01-10,S-FARM,ongoing\n"),
    );
    l.refused_en(&["import", "letters", &fewer], &["fewer.csv:2", "also S-GRAIN, S-EXCL"]);
}

#[test]
fn every_bad_row_is_named_and_nothing_is_written() {
    let l = Ledger::small();
    let bad = l.file(
        "bad.csv",
        &format!(
            "{HEADER}L-1,P-AGRI,agri,2024-01-10,S-FARM,ongoing\n\
             L-1,P-AGRI,agri,2024-01-11,S-GRAIN,planned\n\
             L-1,P-AGRI,agri,2024-01-10,S-ROAD,ongoing\n\
             L-2,P-AGRI,water,2024-01-10,S-FARM,ongoing\n\
             L-3,P-AGRI,无此部门,2024-01-10,S-FARM,开工\n"
        ),
    );
    let err = l.refused_en(
        &["import", "letters", &bad],
        &[
            "bad.csv:3: column issued_on",
            "rows agree on project, department and date",
            "bad.csv:4: column subproject: S-ROAD is a sub-project of P-LAND, not of P-AGRI",
            "bad.csv:5: column department: S-FARM (高标准农田建设) is led by 市农业农村局, not 市水利局",
            "bad.csv:6: column status",
        ],
    );
    assert!(err.contains("[confirmation letters]"), "{err}");
}

#[test]
fn check_lists_a_sub_project_without_a_letter_until_one_names_it() {
    let l = Ledger::small();
    let flags = |l: &Ledger| -> Vec<String> {
        let r = l.run_en(&["check", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        v["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .filter(|f| f["kind"] == "no_letter")
            .map(|f| f["subproject"].as_str().expect("a sub-project").to_string())
            .collect()
    };
    let before = flags(&l);
    assert!(before.contains(&"S-FARM".to_string()) && before.contains(&"S-DREDGE".to_string()), "{before:?}");
    assert!(!before.contains(&"S-EXCL".to_string()), "an excluded sub-project needs no letter: {before:?}");
    l.ok_en(&["import", "letters", &letters_csv()]);
    let after = flags(&l);
    for named in ["S-FARM", "S-GRAIN", "S-DREDGE"] {
        assert!(!after.contains(&named.to_string()), "{named} is named by a letter: {after:?}");
    }
    assert!(after.contains(&"S-ROAD".to_string()), "{after:?}");
}

#[test]
fn sqlite_refuses_a_letter_line_of_another_project_and_edits() {
    let l = with_letters();
    let conn = Connection::open(&l.db).expect("open");
    let err = conn
        .execute(
            "INSERT INTO letter_lines (letter_id, subproject_id, status)
             SELECT l.id, s.id, 'ongoing' FROM letters l, subprojects s
             WHERE l.code = '南湖区水利局确认书〔2024〕2号' AND s.code = 'S-ROAD'",
            [],
        )
        .expect_err("trigger");
    assert!(err.to_string().contains("only sub-projects of its own project"), "{err}");
    let err = conn.execute("UPDATE letter_lines SET status = 'excluded'", []).expect_err("immutable");
    assert!(err.to_string().contains("never edited"), "{err}");
    let err = conn.execute("DELETE FROM letters", []).expect_err("immutable");
    assert!(err.to_string().contains("never edited"), "{err}");
}

#[test]
fn verify_names_a_tampered_letter() {
    let l = with_letters();
    l.ok_en(&["verify"]);
    let conn = Connection::open(&l.db).expect("open");
    conn.execute_batch(
        "DROP TRIGGER letters_no_update;
         UPDATE letters SET issued_on = '2024-03-01' WHERE code = '南湖区水利局确认书〔2024〕2号';",
    )
    .expect("tamper");
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("confirmation letter 南湖区水利局确认书〔2024〕2号")
            && r.stderr.contains("altered"),
        "{}",
        r.stderr
    );
}

/// A sub-project's status follows its latest letter: a letter that gives another status than
/// the one in force records it as a status amendment effective on the letter's date, with the
/// same protections (a sub-project still holding money is not excluded).
#[test]
fn a_letter_that_changes_a_status_amends_the_subproject() {
    let l = with_letters();
    let later = l.file(
        "later.csv",
        &format!("{HEADER}南湖区农业农村局确认书〔2025〕7号,P-AGRI,市农业农村局,2025-02-01,S-GRAIN,在建\n"),
    );
    l.ok_en(&["import", "letters", &later]);
    let history = json(&l, &["history", "subproject", "S-GRAIN"]);
    let text = history.to_string();
    assert!(text.contains("南湖区农业农村局确认书〔2025〕7号") && text.contains("ongoing"), "{text}");
    // S-FARM holds money: a letter excluding it is refused, and nothing of the file is written.
    let exclude = l.file(
        "exclude.csv",
        &format!("{HEADER}南湖区农业农村局确认书〔2025〕8号,P-AGRI,市农业农村局,2025-02-02,S-FARM,不开展\n"),
    );
    l.refused_en(
        &["import", "letters", &exclude],
        &["exclude.csv:2", "the letter changes S-FARM to 不开展, but"],
    );
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}
