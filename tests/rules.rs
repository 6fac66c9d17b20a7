//! Every rule R1–R7, each with a write that is refused (ledger file unchanged) and one that is
//! accepted, through the real binary. State of `fixtures/small/` after import:
//! A-FARM-NH (1,000,000.00, 南湖区): S-FARM allocated 600k, disbursed 400k, paid 250k,
//! returned 50k; S-GRAIN allocated 300k (its withdrawal reversed) → 150,000.00 available.

mod common;
use common::{strs, Ledger};

#[test]
fn r1_refuses_money_crossing_counties_and_accepts_the_home_county() {
    let l = Ledger::small();
    // A-FARM-JS was issued to 嘉善县; S-FARM is in 南湖区.
    l.refused_en(
        &strs(&l.post("allocate", "A-FARM-JS", "S-FARM", "100", "2024-07-01", "X-1")),
        &["appropriation A-FARM-JS was issued to 嘉善县, but sub-project S-FARM is in 南湖区", "[R1"],
    );
    l.ok_en(&strs(&l.post("allocate", "A-FARM-JS", "S-JS-FARM", "100", "2024-07-01", "X-1")));
    assert_eq!(l.row("S-JS-FARM", "allocated"), "1500100.00");
}

#[test]
fn r1_refuses_an_entry_whose_written_channel_is_not_the_appropriations() {
    let l = Ledger::small();
    let mut args = l.post("allocate", "A-FARM-NH", "S-FARM", "100", "2024-07-01", "X-1");
    args.extend(["--channel".to_string(), "“五水共治”专项补助资金".to_string()]);
    l.refused_en(
        &strs(&args),
        &["appropriation A-FARM-NH belongs to channel 高标准农田专项资金, not “五水共治”专项补助资金", "[R1"],
    );
    args.pop();
    args.push("高标准农田专项资金".into());
    l.ok_en(&strs(&args));
}

#[test]
fn r2_refuses_a_channel_paying_a_type_it_does_not_designate() {
    let l = Ledger::small();
    l.refused_en(
        &strs(&l.post("allocate", "A-FARM-NH", "S-DREDGE", "100", "2024-07-01", "X-1")),
        &["channel 高标准农田专项资金 (appropriation A-FARM-NH) may not pay sub-project S-DREDGE of type 河道清淤", "[R2"],
    );
    // The same channel pays grain production zones (one channel, several types).
    l.ok_en(&strs(&l.post("allocate", "A-FARM-NH", "S-GRAIN", "100", "2024-07-01", "X-1")));
}

#[test]
fn r2_refuses_anything_for_an_excluded_subproject() {
    let l = Ledger::small();
    l.refused_en(
        &strs(&l.post("allocate", "A-FARM-NH", "S-EXCL", "100", "2024-07-01", "X-1")),
        &["sub-project S-EXCL is confirmed as excluded (不开展) and receives nothing", "[R2"],
    );
}

#[test]
fn r3_refuses_every_overdraw_and_accepts_exactly_what_is_there() {
    let l = Ledger::small();
    l.refused_en(
        &strs(&l.post("allocate", "A-FARM-NH", "S-FARM", "150000.01", "2024-07-01", "X-1")),
        &["allocate of 150000.01 on appropriation A-FARM-NH / sub-project S-FARM exceeds the 150000.00 available on the appropriation", "[R3"],
    );
    l.refused_en(
        &strs(&l.post("disburse", "A-FARM-NH", "S-FARM", "200000.01", "2024-07-01", "X-1")),
        &["exceeds the 200000.00 allocated and not yet disbursed"],
    );
    l.refused_en(
        &strs(&l.post("pay", "A-FARM-NH", "S-FARM", "100000.01", "2024-07-01", "X-1")),
        &["exceeds the 100000.00 disbursed and not yet paid"],
    );
    l.refused_en(
        &strs(&l.post("return", "A-FARM-NH", "S-FARM", "100000.01", "2024-07-01", "X-1")),
        &["exceeds the 100000.00 disbursed and not yet paid"],
    );
    l.refused_en(
        &strs(&l.post("withdraw", "A-FARM-NH", "S-FARM", "200000.01", "2024-07-01", "X-1")),
        &["exceeds the 200000.00 allocated"],
    );
    l.ok_en(&strs(&l.post("allocate", "A-FARM-NH", "S-FARM", "150000.00", "2024-07-01", "X-1")));
    l.ok_en(&strs(&l.post("pay", "A-FARM-NH", "S-FARM", "100000", "2024-07-01", "X-2")));
    assert_eq!(l.row("S-FARM", "balance"), "350000.00"); // 750k − 50k returned − 350k paid
    l.refused_en(
        &strs(&l.post("allocate", "A-FARM-NH", "S-GRAIN", "0.01", "2024-07-01", "X-3")),
        &["exceeds the 0.00 available"],
    );
    l.ok_en(&["verify"]);
}

#[test]
fn r3_refuses_a_reversal_that_would_overdraw() {
    let l = Ledger::small();
    // Pay out everything S-FARM holds, then reversing its disbursement (V-003) has nothing to take back.
    l.ok_en(&strs(&l.post("pay", "A-FARM-NH", "S-FARM", "100000", "2024-07-01", "X-1")));
    l.refused_en(
        &["reverse", "V-003", "--voucher", "X-2", "--reason", "错误", "--date", "2024-07-02"],
        &["reversing this disburse of 400000.00 on appropriation A-FARM-NH / sub-project S-FARM exceeds the 0.00 disbursed and not yet paid"],
    );
}

#[test]
fn r4_a_reversal_names_its_original_reverses_it_once_and_is_never_reversed() {
    let l = Ledger::small();
    l.ok_en(&["reverse", "V-004", "--voucher", "R-1", "--reason", "金额录入错误", "--date", "2024-07-01"]);
    assert_eq!(l.row("S-FARM", "paid"), "0.00");
    l.refused_en(
        &["reverse", "V-004", "--voucher", "R-2", "--reason", "again", "--date", "2024-07-01"],
        &["V-004 was already reversed by R-1", "[R4"],
    );
    l.refused_en(
        &["reverse", "R-1", "--voucher", "R-3", "--reason", "undo", "--date", "2024-07-01"],
        &["R-1 is itself a reversal and cannot be reversed"],
    );
    l.refused_en(
        &["reverse", "V-001", "--voucher", "R-4", "--reason", "早于原凭证", "--date", "2024-03-01"],
        &["a reversal cannot be dated 2024-03-01 before its original V-001 (2024-03-10)"],
    );
    l.refused_en(
        &["reverse", "V-404", "--voucher", "R-5", "--reason", "x", "--date", "2024-07-01"],
        &["voucher 'V-404' is not recorded"],
    );
}

#[test]
fn r4_a_reused_voucher_with_other_content_is_refused_and_an_identical_one_is_unchanged() {
    let l = Ledger::small();
    l.refused_en(
        &strs(&l.post("allocate", "A-FARM-NH", "S-FARM", "600001", "2024-03-10", "V-001")),
        &["voucher V-001 is already recorded with different content (amount: recorded '600000.00', given '600001.00'", "[R4"],
    );
    let mut same = l.post("allocate", "A-FARM-NH", "S-FARM", "600000", "2024-03-10", "V-001");
    same.extend(["--memo".to_string(), "分配高标准农田资金".to_string()]);
    let out = l.ok_en(&strs(&same));
    assert!(out.contains("already recorded with the same content"), "{out}");
}

#[test]
fn r4_the_database_itself_refuses_edits_and_deletes() {
    let l = Ledger::small();
    let conn = rusqlite::Connection::open(&l.db).expect("open ledger");
    for sql in [
        "UPDATE entries SET amount_fen = 1 WHERE voucher = 'V-001'",
        "DELETE FROM entries WHERE voucher = 'V-001'",
        "UPDATE appropriations SET amount_fen = 1",
        "DELETE FROM subprojects",
        "UPDATE projects SET mode = 'people'",
        "DELETE FROM designations WHERE channel = 'high_standard_farmland_fund'",
        "UPDATE subproject_types SET agri = 1",
    ] {
        let err = conn.execute(sql, []).expect_err(sql);
        assert!(err.to_string().contains("R4"), "{sql}: {err}");
    }
}

#[test]
fn r5_refuses_entries_dated_in_a_closed_year() {
    let l = Ledger::small();
    l.refused_en(&["close", "--year", "2999"], &["2999 has not ended yet"]);
    l.ok_en(&["close", "--year", "2024"]);
    l.refused_en(
        &strs(&l.post("allocate", "A-FARM-NH", "S-FARM", "100", "2024-12-31", "X-1")),
        &["2024 is closed; no entry dated 2024-12-31 is accepted", "[R5"],
    );
    l.refused_en(&["close", "--year", "2024"], &["2024 is already closed"]);
    l.ok_en(&strs(&l.post("allocate", "A-FARM-NH", "S-FARM", "100", "2025-01-02", "X-1")));
}

#[test]
fn r6_refuses_inexact_amounts_and_accepts_clerk_formats() {
    let l = Ledger::small();
    for (bad, why) in [
        ("12.345", "more than two decimals"),
        ("1e3", "is not an amount"),
        ("NaN", "is not an amount"),
        ("0", "must be greater than zero"),
    ] {
        l.refused_en(
            &strs(&l.post("allocate", "A-FARM-NH", "S-FARM", bad, "2024-07-01", "X-1")),
            &[why, "[R6"],
        );
    }
    l.ok_en(&strs(&l.post("allocate", "A-FARM-NH", "S-FARM", "¥1,234.50", "2024-07-01", "X-1")));
    assert_eq!(l.row("S-FARM", "allocated"), "601234.50");
}

#[test]
fn r7_refuses_a_type_not_ticked_for_the_projects_mode() {
    let l = Ledger::small();
    let header = "subproject,project,type,status,investment\n";
    let bad = l.file("bad.csv", &format!("{header}S-NEW,P-AGRI,未来社区建设,planned,100\n"));
    l.refused_en(&["import", "subprojects", &bad], &["type 未来社区建设 is not admissible in project P-AGRI's agri-mode (农) integration; Annex 1 ticks it for 人 only", "[R7"]);
    // 地-mode admits 农村人居环境整治提升 (ticked 地 and 人) but 农-mode does not.
    let land = l.file("land.csv", &format!("{header}S-NEW,P-LAND,农村人居环境整治提升,planned,100\n"));
    l.ok_en(&["import", "subprojects", &land]);
    let agri = l.file("agri.csv", &format!("{header}S-NEW2,P-AGRI,农村人居环境整治提升,planned,100\n"));
    l.refused_en(&["import", "subprojects", &agri], &["ticks it for 地/人 only"]);
}

#[test]
fn r7_the_database_itself_refuses_an_inadmissible_subproject() {
    let l = Ledger::small();
    let conn = rusqlite::Connection::open(&l.db).expect("open ledger");
    let err = conn
        .execute(
            "INSERT INTO subprojects (code, project_id, type, status, investment_fen, operator, recorded_at)
             SELECT 'S-SQL', id, 'future_community', 'planned', 0, 'sql', 'now' FROM projects WHERE code = 'P-AGRI'",
            [],
        )
        .expect_err("R7 trigger");
    assert!(err.to_string().contains("R7"), "{err}");
}

#[test]
fn verify_finds_a_maintained_balance_that_disagrees_with_the_entries() {
    let l = Ledger::small();
    assert!(l.ok_en(&["verify"]).contains("and 10 entries over 4 lines"));
    let conn = rusqlite::Connection::open(&l.db).expect("open ledger");
    conn.execute(
        "UPDATE line_balances SET paid_fen = paid_fen - 100 WHERE subproject_id = (SELECT id FROM subprojects WHERE code = 'S-FARM')",
        [],
    )
    .expect("tamper");
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(
        r.stderr.contains("the maintained balance of line A-FARM-NH / S-FARM differs from its entries: paid: stored 249999.00, entries give 250000.00"),
        "{}",
        r.stderr
    );
}

#[test]
fn r3_a_batch_that_frees_money_and_reallocates_it_is_accepted() {
    // Regression: line balances were stored in id order, so the schema saw the new
    // allocation before the reversal that made room for it and refused a valid file.
    let l = Ledger::small();
    let fix = l.file(
        "fix.csv",
        "voucher,date,kind,appropriation,subproject,amount,reverses,memo\n\
         R-1,2024-07-01,reverse,,,,V-002,分错子项目\n\
         R-2,2024-07-01,allocate,A-FARM-NH,S-FARM,300000,,改分配\n\
         R-3,2024-07-02,withdraw,A-FARM-NH,S-FARM,100000,,追减\n\
         R-4,2024-07-02,allocate,A-FARM-NH,S-GRAIN,250000,,重新分配\n",
    );
    l.ok_en(&["import", "entries", &fix]);
    assert_eq!(l.row("S-FARM", "allocated"), "900000.00");
    assert_eq!(l.row("S-GRAIN", "allocated"), "250000.00");
    l.ok_en(&["verify"]);
}

#[test]
fn r4_a_reimported_entry_missing_its_columns_is_not_taken_as_unchanged() {
    let l = Ledger::small();
    let f = l.file("v.csv", "voucher,date,kind,appropriation,subproject,amount,memo\nV-001,2024-03-10,allocate,,,,分配高标准农田资金\n");
    l.refused_en(&["import", "entries", &f], &["voucher V-001 is already recorded with different content (appropriation: recorded 'A-FARM-NH', given ''"]);
}

#[test]
fn r4_an_identical_row_repeated_within_one_file_is_refused() {
    let l = Ledger::small();
    let row = "D-1,2024-07-01,allocate,A-FARM-NH-C,S-FARM,100,粘贴重复";
    let f =
        l.file("dup.csv", &format!("voucher,date,kind,appropriation,subproject,amount,memo\n{row}\n{row}\n"));
    l.refused_en(
        &["import", "entries", &f],
        &["dup.csv:3: column voucher: D-1 appears again; it was first given on line 2 of this file"],
    );
}

#[test]
fn r4_a_voucher_repeated_within_one_file_is_refused_however_the_first_fared() {
    let l = Ledger::small();
    let header = "voucher,date,kind,appropriation,subproject,amount,memo\n";
    // Already recorded, twice in the file: the first is unchanged, the second a repeat.
    let row = "V-001,2024-03-10,allocate,A-FARM-NH,S-FARM,600000,分配高标准农田资金";
    let f = l.file("again.csv", &format!("{header}{row}\n{row}\n"));
    l.refused_en(
        &["import", "entries", &f],
        &["again.csv:3: column voucher: V-001 appears again; it was first given on line 2 of this file"],
    );
    // Refused the first time (over the appropriation), given again: named as a repeat too.
    let big = "D-2,2024-07-01,allocate,A-FARM-NH-C,S-FARM,999999999,超额";
    let f = l.file("refused.csv", &format!("{header}{big}\n{big}\n"));
    l.refused_en(
        &["import", "entries", &f],
        &["refused.csv:2:", "refused.csv:3: column voucher: D-2 appears again; it was first given on line 2"],
    );
}
