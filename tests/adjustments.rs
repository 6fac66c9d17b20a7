//! Appropriation adjustments (追加, 调减, 上级收回): the issued amount on a date is the original
//! plus the adjustments dated up to it, and R3 holds against it on every date — checked by
//! fundledger before a write, by SQLite for a row inserted behind its back, and by `verify`.
//!
//! In `fixtures/small`, A-FARM-NH issued 1,000,000 on 2024-03-01 and its lines draw 900,000 from
//! 03-10, 850,000 from 05-20 (a return), 750,000 from 06-01 (a withdrawal) and 850,000 again
//! from 06-10 (the withdrawal reversed). A-WATER-NH issued 400,000, all allocated on 04-01.

mod common;

use common::{strs, Ledger};
use rusqlite::Connection;

fn adjust(appropriation: &str, by: &str, date: &str, doc: &str, reason: &str) -> Vec<String> {
    ["adjust", "appropriation", appropriation, "--by", by, "--date", date, "--doc", doc, "--reason", reason]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

const HEADER: &str = "指标编号,金额,日期,依据文号,原因\n";

#[test]
fn a_top_up_funds_allocations_dated_on_or_after_it_only() {
    let l = Ledger::small();
    let out =
        l.ok_en(&strs(&adjust("A-WATER-NH", "+200000", "2024-06-15", "嘉财农〔2024〕60号", "追加清淤资金")));
    assert!(out.contains("追加"), "{out}");
    // A 追加 dated June does not fund an allocation dated May.
    let may = l.post("allocate", "A-WATER-NH", "S-DREDGE", "100000", "2024-05-10", "V-A1");
    l.refused_en(&strs(&may), &["R3", "0.00 available on the appropriation"]);
    let june = l.post("allocate", "A-WATER-NH", "S-DREDGE", "200000", "2024-06-20", "V-A2");
    l.ok_en(&strs(&june));
    let more = l.post("allocate", "A-WATER-NH", "S-DREDGE", "0.01", "2024-06-21", "V-A3");
    l.refused_en(&strs(&more), &["R3", "0.00 available on the appropriation"]);
    l.ok_en(&["verify"]);
}

#[test]
fn a_cut_is_refused_when_it_leaves_less_than_is_allocated_today() {
    let l = Ledger::small();
    let args = adjust("A-FARM-NH", "-200000", "2024-07-01", "浙财农〔2024〕70号", "调减");
    l.refused_en(
        &strs(&args),
        &["R3", "A-FARM-NH", "800000.00 issued on 2024-07-01", "850000.00 allocated", "50000.00 short"],
    );
}

#[test]
fn a_back_dated_cut_is_refused_when_it_would_have_left_less_on_an_earlier_date() {
    let l = Ledger::small();
    // 150,000 would be fine today (850,000 drawn), but on 03-15 the lines drew 900,000.
    let args = adjust("A-FARM-NH", "-150000", "2024-03-15", "浙财农〔2024〕71号", "调减");
    l.refused_en(
        &strs(&args),
        &["R3", "A-FARM-NH", "on 2024-03-15", "900000.00 allocated", "50000.00 short"],
    );
    // Dated 2024-05-25, after the return of 05-20, 850,000 issued covers every later day.
    l.ok_en(&strs(&adjust("A-FARM-NH", "-150000", "2024-05-25", "浙财农〔2024〕71号", "调减")));
    l.ok_en(&["verify"]);
}

#[test]
fn taking_back_unallocated_money_is_accepted_and_reports_show_it() {
    let l = Ledger::small();
    let out =
        l.ok_en(&strs(&adjust("A-FARM-NH", "-150000", "2024-07-01", "浙财农〔2024〕72号", "上级收回结余")));
    assert!(out.contains("调减"), "{out}");
    // Nothing is left to allocate.
    let args = l.post("allocate", "A-FARM-NH", "S-FARM", "0.01", "2024-07-02", "V-R1");
    l.refused_en(&strs(&args), &["R3", "0.00 available on the appropriation"]);
    let plan = l.ok(&["allocate", "--appropriation", "A-FARM-NH"]);
    assert!(plan.contains("下达 850,000.00，可分配 0.00"), "{plan}");
    // The review's appropriated money is net of it, and lists it.
    let review: serde_json::Value = serde_json::from_str(&l.ok_en(&[
        "review",
        "--year",
        "2024",
        "--county",
        "南湖区",
        "--format",
        "json",
    ]))
    .expect("review prints JSON");
    let listed = &review["adjustments"][0];
    assert_eq!(listed["appropriation"], "A-FARM-NH", "{review}");
    assert_eq!(listed["amount"], "-150000.00", "{review}");
    let table = l.ok(&["review", "--year", "2024"]);
    assert!(
        table.contains("指标下达已扣除本年调整：南湖区 A-FARM-NH 2024-07-01 调减 -150,000.00"),
        "{table}"
    );
    let table = l.ok(&["--lang", "en", "review", "--year", "2024"]);
    assert!(table.contains("net of the year's adjustments: 南湖区 A-FARM-NH 调减 -150,000.00"), "{table}");
    // The statement shows what each channel issued net of adjustments, and lists the period's.
    let statement: serde_json::Value = serde_json::from_str(&l.ok_en(&[
        "statement",
        "--year",
        "2024",
        "--county",
        "南湖区",
        "--department",
        "市农业农村局",
        "--format",
        "json",
    ]))
    .expect("statement prints JSON");
    let farm = &statement["issued"][0];
    assert_eq!(
        (
            farm["channel_code"].clone(),
            farm["original"].clone(),
            farm["adjusted"].clone(),
            farm["issued"].clone()
        ),
        ("high_standard_farmland_fund".into(), "1250000.50".into(), "-150000.00".into(), "1100000.50".into()),
        "{statement}"
    );
    assert_eq!(statement["adjustments"][0]["document"], "浙财农〔2024〕72号", "{statement}");
    l.ok_en(&["verify"]);
}

#[test]
fn an_adjustment_before_issue_in_the_future_or_of_zero_is_refused() {
    let l = Ledger::small();
    l.refused_en(
        &strs(&adjust("A-FARM-NH", "1000", "2024-02-01", "D-1", "x")),
        &["before appropriation A-FARM-NH was issued"],
    );
    let tomorrow = (chrono::Local::now().date_naive() + chrono::Days::new(1)).to_string();
    l.refused_en(&strs(&adjust("A-FARM-NH", "1000", &tomorrow, "D-2", "x")), &["R3", "after today"]);
    l.refused_en(&strs(&adjust("A-FARM-NH", "0", "2024-07-01", "D-3", "x")), &["--by", "adjusts nothing"]);
    l.refused_en(
        &strs(&adjust("A-NONE", "1000", "2024-07-01", "D-4", "x")),
        &["appropriation 'A-NONE' is not recorded"],
    );
}

#[test]
fn an_import_with_bad_rows_lists_every_problem_and_writes_nothing() {
    let l = Ledger::small();
    let file = l.file(
        "adj.csv",
        &format!(
            "{HEADER}A-WATER-NH,100000,2024-06-15,D-OK,追加\nA-FARM-NH,-200000,2024-07-01,D-CUT,调减\nA-NONE,5,2024-07-01,D-X,追加\nA-FARM-NH,abc,2024-07-01,D-Y,追加\nA-FARM-NH,5,2024-07-01,D-Z,\n"
        ),
    );
    l.refused_en(
        &["import", "adjustments", &file],
        &["adj.csv:3", "50000.00 short", "adj.csv:4", "A-NONE", "adj.csv:5", "金额", "adj.csv:6", "原因"],
    );
}

#[test]
fn reimporting_the_same_adjustments_is_idempotent_and_a_changed_one_is_refused() {
    let l = Ledger::small();
    let rows = "A-WATER-NH,10,2024-06-15,D-1,追加\nA-FARM-NH,-100000,2024-07-01,D-2,上级收回\n";
    let file = l.file("adj.csv", &format!("{HEADER}{rows}"));
    let out = l.ok_en(&["import", "adjustments", &file]);
    assert!(out.contains("2 added, 0 already recorded"), "{out}");
    let out = l.ok_en(&["import", "adjustments", &file]);
    assert!(out.contains("0 added, 2 already recorded"), "{out}");
    // Amounts in 万元 convert exactly.
    let wan =
        l.file("wan.csv", "指标编号,金额（万元）,日期,依据文号,原因\nA-WATER-NH,0.001,2024-06-15,D-1,追加\n");
    let out = l.ok_en(&["import", "adjustments", &wan]);
    assert!(out.contains("0 added, 1 already recorded"), "{out}");
    let changed = l.file("changed.csv", &format!("{HEADER}A-FARM-NH,-100000,2024-07-02,D-2,上级收回\n"));
    l.refused_en(&["import", "adjustments", &changed], &["changed.csv:2", "R4", "D-2", "already adjusted"]);
    let twice = l.file(
        "twice.csv",
        &format!("{HEADER}A-FARM-NH,-1,2024-07-02,D-3,x\nA-FARM-NH,-1,2024-07-02,D-3,x\n"),
    );
    l.refused_en(&["import", "adjustments", &twice], &["twice.csv:3", "first given on line 2"]);
    l.ok_en(&["verify"]);
}

#[test]
fn sqlite_refuses_an_adjustment_inserted_directly_that_breaks_r3() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    let insert = |date: &str, fen: i64, doc: &str| {
        conn.execute(
            "INSERT INTO adjustments (appropriation_id, date, amount_fen, document, reason, operator, recorded_at)
             VALUES ((SELECT id FROM appropriations WHERE code = 'A-FARM-NH'), ?1, ?2, ?3, 'x', 'x', '2024-07-01T00:00:00+08:00')",
            rusqlite::params![date, fen, doc],
        )
    };
    // Back-dated: short on 03-20 only.
    let err = insert("2024-03-20", -15_000_000, "S-1").expect_err("R3 on an earlier date");
    assert!(err.to_string().contains("R3"), "{err}");
    // Today's position: short on the last day.
    let err = insert("2024-07-01", -20_000_000, "S-2").expect_err("R3 today");
    assert!(err.to_string().contains("R3"), "{err}");
    assert_eq!(insert("2024-07-01", -15_000_000, "S-3").expect("fits"), 1);
    let err = conn.execute("DELETE FROM adjustments", []).expect_err("R4");
    assert!(err.to_string().contains("R4"), "{err}");
}

#[test]
fn verify_names_a_tampered_adjustment() {
    let l = Ledger::small();
    l.ok_en(&strs(&adjust("A-FARM-NH", "-100000", "2024-07-01", "浙财农〔2024〕73号", "上级收回")));
    l.ok_en(&["verify"]);
    let conn = Connection::open(&l.db).expect("open");
    conn.execute_batch(
        "DROP TRIGGER adjustments_no_update;
         UPDATE adjustments SET amount_fen = -20000000;
         UPDATE appropriation_days SET adjusted_fen = -20000000 WHERE adjusted_fen <> 0;",
    )
    .expect("tamper");
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("adjustment of appropriation A-FARM-NH 浙财农〔2024〕73号"), "{}", r.stderr);
    assert!(r.stderr.contains("850000.00 allocated from it, more than its 800000.00"), "{}", r.stderr);
}
