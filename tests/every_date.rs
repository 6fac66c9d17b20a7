//! R3 on every date, no entry after today, and totals that never wrap: writes that would make
//! the past overdrawn are refused (by fundledger, and by SQLite when fundledger is bypassed),
//! and `verify` replays the entries in date order with the same checks.

mod common;

use common::Ledger;
use rusqlite::Connection;

fn tomorrow() -> String {
    (chrono::Local::now().date_naive() + chrono::Days::new(1)).to_string()
}

fn post(
    kind: &str,
    appropriation: &str,
    subproject: &str,
    amount: &str,
    date: &str,
    voucher: &str,
) -> Vec<String> {
    [
        "post",
        "--kind",
        kind,
        "--appropriation",
        appropriation,
        "--subproject",
        subproject,
        "--amount",
        amount,
        "--date",
        date,
        "--voucher",
        voucher,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn a_back_dated_payment_cannot_spend_money_disbursed_later() {
    let l = Ledger::small();
    // S-FARM's first disbursement is dated 2024-04-01.
    let args = post("pay", "A-FARM-NH", "S-FARM", "100000", "2024-03-02", "V-BD1");
    l.refused_en(&common::strs(&args), &["R3", "2024-03-02", "disbursed and not yet paid"]);
    let statement = l.ok_en(&["statement", "--to", "2024-03-31", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&statement).expect("json");
    assert_eq!(v["totals"]["paid"], "0.00", "{statement}");
    l.ok_en(&["verify"]);
}

#[test]
fn a_back_dated_withdrawal_cannot_take_money_a_later_disbursement_used() {
    let l = Ledger::small();
    // S-FARM: 600,000 allocated on 03-10, 400,000 disbursed on 04-01. On 03-20, 500,000 is
    // undisbursed, but taking 300,000 back then leaves only 300,000 for the 04-01 disbursement.
    let args = post("withdraw", "A-FARM-NH", "S-FARM", "300000", "2024-03-20", "V-BD2");
    let err = l.refused_en(&common::strs(&args), &["R3", "on 2024-04-01", "later entries already use it"]);
    assert!(err.contains("allocated and not yet disbursed"), "{err}");
    // 200,000 fits on every date.
    l.ok_en(&common::strs(&post("withdraw", "A-FARM-NH", "S-FARM", "200000", "2024-03-20", "V-BD3")));
    l.ok_en(&["verify"]);
}

#[test]
fn a_back_dated_allocation_cannot_use_money_the_appropriation_only_gets_back_later() {
    let l = Ledger::small();
    // A-FARM-NH (1,000,000): 900,000 allocated on 03-10, so 100,000 is available from then
    // until the return of 50,000 on 05-20 and the withdrawal of 100,000 on 06-01.
    let args = post("allocate", "A-FARM-NH", "S-FARM", "120000", "2024-03-15", "V-BD4");
    l.refused_en(&common::strs(&args), &["R3", "100000.00 available on the appropriation on 2024-03-15"]);
    let args = post("allocate", "A-FARM-NH", "S-FARM", "100000.01", "2024-05-01", "V-BD5");
    l.refused_en(&common::strs(&args), &["R3", "available on the appropriation"]);
    l.ok_en(&common::strs(&post("allocate", "A-FARM-NH", "S-FARM", "100000", "2024-03-15", "V-BD6")));
    // Now nothing is available until 05-20: an allocation dated before it is refused even
    // though money is available today.
    let args = post("allocate", "A-FARM-NH", "S-GRAIN", "10000", "2024-04-15", "V-BD7");
    l.refused_en(&common::strs(&args), &["R3", "0.00 available on the appropriation on 2024-04-15"]);
    l.ok_en(&common::strs(&post("allocate", "A-FARM-NH", "S-GRAIN", "10000", "2024-07-15", "V-BD8")));
    l.ok_en(&["verify"]);
}

#[test]
fn a_file_that_back_dates_within_itself_is_refused_whole() {
    let l = Ledger::small();
    // Row 2 disburses the 200,000 still undisbursed on 07-01; row 3 withdraws 100,000 on
    // 06-15, which would leave the 07-01 disbursement uncovered.
    let file = l.file(
        "back.csv",
        "voucher,date,kind,appropriation,subproject,amount\n\
         V-B1,2024-07-01,disburse,A-FARM-NH,S-FARM,200000\n\
         V-B2,2024-06-15,withdraw,A-FARM-NH,S-FARM,100000\n",
    );
    let err = l.refused_en(&["import", "entries", &file], &["back.csv:3", "R3", "on 2024-07-01"]);
    assert!(!err.contains("back.csv:2"), "{err}");
}

#[test]
fn no_entry_is_dated_after_today_whatever_writes_it() {
    let l = Ledger::small();
    let day = tomorrow();
    let args = post("pay", "A-FARM-NH", "S-FARM", "1", &day, "V-F1");
    l.refused_en(&common::strs(&args), &["R3", "after today"]);
    let file = l.file(
        "future.csv",
        &format!("voucher,date,kind,appropriation,subproject,amount\nV-F2,{day},pay,A-FARM-NH,S-FARM,1\n"),
    );
    l.refused_en(&["import", "entries", &file], &["future.csv:2", "after today"]);
    l.refused_en(
        &["reverse", "V-004", "--voucher", "V-F3", "--reason", "错", "--date", &day],
        &["after today"],
    );
    l.refused_en(&["allocate", "--appropriation", "A-FARM-JS", "--commit", "--date", &day], &["after today"]);
}

/// SQLite refuses a back-dated overdraw itself when the Rust checks are bypassed: a day row
/// that would leave a line's held money negative on some date.
#[test]
fn sqlite_refuses_a_day_row_that_overdraws_the_past() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    let err = conn
        .execute(
            "INSERT INTO line_days (appropriation_id, subproject_id, date, paid_fen)
             SELECT a.id, s.id, '2024-03-02', 10000000 FROM appropriations a, subprojects s
             WHERE a.code = 'A-FARM-NH' AND s.code = 'S-FARM'",
            [],
        )
        .expect_err("a back-dated payment before any disbursement");
    assert!(err.to_string().contains("R3"), "{err}");
    let err = conn
        .execute(
            "INSERT INTO appropriation_days (appropriation_id, date, drawn_fen)
             SELECT id, '2024-03-05', 20000000 FROM appropriations WHERE code = 'A-FARM-NH'",
            [],
        )
        .expect_err("a back-dated allocation beyond the appropriation");
    assert!(err.to_string().contains("R3"), "{err}");
    let err = conn
        .execute(
            "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, operator, recorded_at)
             SELECT 'V-SQL', date('now', 'localtime', '+1 day'), 'pay', a.id, s.id, 100, 'x', 'x'
             FROM appropriations a, subprojects s WHERE a.code = 'A-FARM-NH' AND s.code = 'S-FARM'",
            [],
        )
        .expect_err("an entry dated tomorrow");
    assert!(err.to_string().contains("after today"), "{err}");
}

/// An entry slipped in behind fundledger's back that overdraws the past is found by
/// `verify`'s date-ordered replay, at the day it breaks.
#[test]
fn verify_replays_in_date_order_and_names_the_day_a_balance_went_negative() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    conn.execute(
        "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, operator, recorded_at)
         SELECT 'V-SLIP', '2024-03-12', 'pay', a.id, s.id, 10000000, '测试员', '2024-03-12T10:00:00+08:00'
         FROM appropriations a, subprojects s WHERE a.code = 'A-FARM-NH' AND s.code = 'S-FARM'",
        [],
    )
    .expect("the entry trigger checks R1, R2, R5 but not balances");
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("at the end of 2024-03-12 line A-FARM-NH / S-FARM has paid or returned 100000.00 more than was disbursed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("on 2024-03-12 differ from its entries"), "{}", r.stderr);
}

/// A line's running totals are bounded at write time (10^17 fen), and report totals are summed
/// in a type that cannot wrap: several lines near the bound print their exact sum.
#[test]
fn running_totals_are_bounded_and_report_totals_never_wrap() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    // Four lines of 3 × 10^18 fen each: their sum (1.2 × 10^19) is past i64, as only a
    // ledger edited behind fundledger's back can hold.
    conn.execute_batch(
        "DROP TRIGGER line_balances_within_appropriation_upd;
         UPDATE line_balances SET allocated_fen = 3000000000000000000, withdrawn_fen = 0,
                                  disbursed_fen = 0, returned_fen = 0, paid_fen = 0;",
    )
    .expect("tamper");
    drop(conn);
    let statement = l.run_en(&["statement", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&statement.stdout).expect("json");
    let lines = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["allocated"] == "30000000000000000.00")
        .count();
    let expected = format!("{}.00", 30_000_000_000_000_000u128 * lines as u128);
    assert!(lines >= 4, "{}", statement.stdout);
    assert_eq!(v["totals"]["allocated"], expected.as_str(), "{}", statement.stdout);
    let balances = l.ok_en(&["balances"]);
    assert!(balances.contains("120,000,000,000,000,000.00"), "a wrapped total:\n{balances}");
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("maintained balance"), "{}", r.stderr);
}

#[test]
fn a_write_that_would_take_a_running_total_past_the_bound_is_refused() {
    let l = Ledger::new();
    let dir = common::fixtures().join("small");
    for kind in ["projects", "subprojects"] {
        l.ok_en(&["import", kind, dir.join(format!("{kind}.csv")).to_str().expect("path")]);
    }
    let appropriations = l.file(
        "big.csv",
        "appropriation,doc_no,channel,level,county,issued_on,amount\n\
         A-BIG,浙财农〔2024〕1号,高标准农田专项资金,provincial,南湖区,2024-03-01,1000000000000\n",
    );
    l.ok_en(&["import", "appropriations", &appropriations]);
    // 1,000 allocations and withdrawals of 10^14 fen take the allocated column to its bound.
    let mut csv = String::from("voucher,date,kind,appropriation,subproject,amount\n");
    for i in 0..1000 {
        csv.push_str(&format!("A{i},2024-03-10,allocate,A-BIG,S-FARM,1000000000000\n"));
        csv.push_str(&format!("W{i},2024-03-10,withdraw,A-BIG,S-FARM,1000000000000\n"));
    }
    let file = l.file("cycle.csv", &csv);
    l.ok_en(&["import", "entries", &file]);
    let args = post("allocate", "A-BIG", "S-FARM", "0.01", "2024-03-11", "V-OVER");
    l.refused_en(&common::strs(&args), &["R6", "largest amount fundledger can hold"]);
    l.ok_en(&["verify"]);
}

/// `verify` compares every kept day row with what the entries give, both ways: a day row
/// altered, one that no entry gives, and an appropriation's drawn total altered are each
/// named with the line (or appropriation) and the day, the earliest first.
#[test]
fn verify_names_every_altered_or_invented_day_row() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('line_days', 'appropriation_days')")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    for t in &triggers {
        conn.execute(&format!("DROP TRIGGER {t}"), []).expect("drop a day-row trigger");
    }
    // The earliest day row: its payment column raised by 1.00.
    conn.execute(
        "UPDATE line_days SET paid_fen = paid_fen + 100
         WHERE (appropriation_id, subproject_id, date) =
               (SELECT appropriation_id, subproject_id, date FROM line_days ORDER BY date LIMIT 1)",
        [],
    )
    .expect("a day row altered");
    conn.execute(
        "INSERT INTO line_days (appropriation_id, subproject_id, date, allocated_fen)
         SELECT a.id, s.id, '2024-12-30', 500 FROM appropriations a, subprojects s
         WHERE a.code = 'A-FARM-NH' AND s.code = 'S-FARM'",
        [],
    )
    .expect("a day row no entry gives");
    conn.execute(
        "UPDATE appropriation_days SET drawn_fen = drawn_fen + 700
         WHERE date = (SELECT min(date) FROM appropriation_days WHERE drawn_fen <> 0)",
        [],
    )
    .expect("an appropriation's day altered");
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    for expected in [
        "paid 1.00, entries give",
        "on 2024-12-30 differ from its entries: stored allocated 5.00, entries give nothing",
        "is kept as",
    ] {
        assert!(r.stderr.contains(expected), "verify should say {expected:?}:\n{}", r.stderr);
    }
}
