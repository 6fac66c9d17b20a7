//! One 记账凭证 carries several lines (分录): entries are keyed by (voucher, line). A voucher's
//! lines are recorded together or not at all; re-importing them is idempotent; a voucher given
//! again with other lines is refused; a reversal undoes one line or every line.

mod common;

use common::Ledger;

const HEADER: &str = "凭证号,分录号,日期,类型,指标编号,子项目编号,金额,摘要\n";
const TWO_LINES: &str = "记-2024-0701,1,2024-07-01,拨付,A-FARM-NH,S-FARM,100000,拨付两个子项目\n\
                         记-2024-0701,2,2024-07-01,拨付,A-FARM-NH,S-GRAIN,50000,拨付两个子项目\n";

fn disbursed(l: &Ledger, subproject: &str) -> String {
    l.row(subproject, "disbursed")
}

#[test]
fn a_voucher_with_two_lines_is_recorded_together_and_reimported_unchanged() {
    let l = Ledger::small();
    let file = l.file("two.csv", &format!("{HEADER}{TWO_LINES}"));
    let out = l.ok_en(&["import", "entries", &file]);
    assert!(out.contains("2 added"), "{out}");
    assert_eq!(disbursed(&l, "S-FARM"), "500000.00");
    assert_eq!(disbursed(&l, "S-GRAIN"), "50000.00");
    let again = l.ok_en(&["import", "entries", &file]);
    assert!(again.contains("0 added, 2 already recorded (unchanged)"), "{again}");
    // Given again with only one of its lines, or with a line it never had: refused.
    let one = l.file("one.csv", &format!("{HEADER}{}", TWO_LINES.lines().next().expect("line")));
    l.refused_en(
        &["import", "entries", &one],
        &["one.csv:2", "has 2 lines recorded, but only line(s) 1 are given", "R4"],
    );
    let third = l.file(
        "third.csv",
        &format!("{HEADER}{TWO_LINES}记-2024-0701,3,2024-07-01,拨付,A-FARM-NH,S-FARM,1,补一行\n"),
    );
    l.refused_en(
        &["import", "entries", &third],
        &["third.csv:4", "is already recorded with line(s) 1, 2", "line 3 cannot be added"],
    );
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_voucher_whose_one_line_breaks_a_rule_records_no_line() {
    let l = Ledger::small();
    // Line 2 disburses more than S-GRAIN holds undisbursed (300,000): the whole voucher, and
    // the whole file, is refused.
    let file = l.file(
        "over.csv",
        &format!(
            "{HEADER}记-2024-0702,1,2024-07-02,拨付,A-FARM-NH,S-FARM,100000,一\n记-2024-0702,2,2024-07-02,拨付,A-FARM-NH,S-GRAIN,300000.01,二\n"
        ),
    );
    l.refused_en(&["import", "entries", &file], &["over.csv:3", "R3"]);
    assert_eq!(disbursed(&l, "S-FARM"), "400000.00");
    // The same line twice in one file is a repeat; line numbers are whole numbers from 1.
    let twice = l.file(
        "twice.csv",
        &format!("{HEADER}V-T,1,2024-07-02,拨付,A-FARM-NH,S-FARM,1,一\nV-T,1,2024-07-02,拨付,A-FARM-NH,S-FARM,1,一\n"),
    );
    l.refused_en(
        &["import", "entries", &twice],
        &["twice.csv:3", "V-T appears again; it was first given on line 2"],
    );
    let zero = l.file("zero.csv", &format!("{HEADER}V-Z,0,2024-07-02,拨付,A-FARM-NH,S-FARM,1,一\n"));
    l.refused_en(
        &["import", "entries", &zero],
        &["zero.csv:2", "column 分录号 (line)", "'0' is not a voucher line"],
    );
}

#[test]
fn reverse_undoes_every_line_of_a_voucher_or_the_one_named() {
    let l = Ledger::small();
    let file = l.file("two.csv", &format!("{HEADER}{TWO_LINES}"));
    l.ok_en(&["import", "entries", &file]);
    // A CSV reversal of a voucher with several lines must name the line.
    let vague =
        l.file("vague.csv", "voucher,date,kind,reverses,memo\n冲-1,2024-07-03,reverse,记-2024-0701,冲销\n");
    l.refused_en(
        &["import", "entries", &vague],
        &["vague.csv:2", "has 2 lines: name the one this reverses in reverses_line"],
    );
    // One line from the command line.
    let out = l.ok_en(&[
        "reverse",
        "记-2024-0701",
        "--line",
        "2",
        "--voucher",
        "冲-2",
        "--reason",
        "子项目填错",
        "--date",
        "2024-07-03",
    ]);
    assert!(out.contains("recorded reverse 冲-2"), "{out}");
    assert_eq!(disbursed(&l, "S-GRAIN"), "0.00");
    assert_eq!(disbursed(&l, "S-FARM"), "500000.00");
    // The other line by CSV, naming it.
    let one = l.file(
        "one.csv",
        "voucher,date,kind,reverses,reverses_line,memo\n冲-3,2024-07-03,reverse,记-2024-0701,1,冲销\n",
    );
    l.ok_en(&["import", "entries", &one]);
    assert_eq!(disbursed(&l, "S-FARM"), "400000.00");
    // Every line at once, when --line is left out.
    let again =
        l.file("again.csv", &format!("{HEADER}{}", TWO_LINES.replace("记-2024-0701", "记-2024-0704")));
    l.ok_en(&["import", "entries", &again]);
    let out = l.ok_en(&[
        "reverse",
        "记-2024-0704",
        "--voucher",
        "冲-4",
        "--reason",
        "整张凭证作废",
        "--date",
        "2024-07-05",
    ]);
    assert!(out.contains("冲-4 (2 lines)"), "{out}");
    assert_eq!((disbursed(&l, "S-FARM"), disbursed(&l, "S-GRAIN")), ("400000.00".into(), "0.00".into()));
    l.refused_en(
        &[
            "reverse",
            "记-2024-0704",
            "--line",
            "1",
            "--voucher",
            "冲-5",
            "--reason",
            "再冲",
            "--date",
            "2024-07-05",
        ],
        &["was already reversed by 冲-4", "R4"],
    );
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn post_records_one_line_and_never_adds_a_line_to_a_recorded_voucher() {
    let l = Ledger::small();
    let post = |voucher: &str, line: &str| {
        let mut args = l.post("disburse", "A-FARM-NH", "S-FARM", "10", "2024-07-01", voucher);
        args.extend(["--line".to_string(), line.to_string()]);
        args
    };
    let args = post("记-9", "2");
    l.ok_en(&common::strs(&args));
    let args = post("记-9", "3");
    l.refused_en(&common::strs(&args), &["option --line", "already recorded with line(s) 2"]);
    let args = post("记-9", "2");
    let out = l.ok_en(&common::strs(&args));
    assert!(out.contains("already recorded with the same content"), "{out}");
}

/// SQLite keeps (voucher, line) unique itself.
#[test]
fn sqlite_refuses_a_second_entry_with_the_same_voucher_and_line() {
    let l = Ledger::small();
    let conn = rusqlite::Connection::open(&l.db).expect("open");
    let insert = |line: i64| {
        conn.execute(
            "INSERT INTO entries (voucher, line, date, kind, appropriation_id, subproject_id, amount_fen, operator, recorded_at)
             SELECT 'V-001', ?1, '2024-07-01', 'allocate', a.id, s.id, 100, 'sqlite3', '2024-07-01T10:00:00+08:00'
             FROM appropriations a, subprojects s WHERE a.code = 'A-FARM-NH' AND s.code = 'S-FARM'",
            [line],
        )
    };
    let err = insert(1).expect_err("V-001 line 1 exists");
    assert!(err.to_string().contains("UNIQUE constraint failed: entries.voucher, entries.line"), "{err}");
    assert_eq!(insert(2).expect("a second line of V-001 is a new entry"), 1);
}

/// `reconcile` matches a body's payment record against the voucher's lines summed.
#[test]
fn reconcile_matches_a_payment_voucher_over_its_lines() {
    let l = Ledger::small();
    let file = l.file(
        "pay.csv",
        &format!(
            "{HEADER}记-2024-0801,1,2024-08-01,支付,A-FARM-NH,S-FARM,30000,工程款\n记-2024-0801,2,2024-08-01,支付,A-FARM-NH,S-FARM,20000,监理费\n"
        ),
    );
    l.ok_en(&["import", "entries", &file]);
    let records = l.file(
        "records.csv",
        "凭证号,日期,子项目编号,金额\nV-004,2024-05-01,S-FARM,250000\n记-2024-0801,2024-08-01,S-FARM,50000\n",
    );
    let r = l.run_en(&["reconcile", "--project", "P-AGRI", "--payments", &records, "--format", "json"]);
    assert_eq!(r.code, 0, "every record matches: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("\"50000.00\""), "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let row = v["payments"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["voucher"] == "记-2024-0801")
        .expect("the two-line voucher's row");
    assert_eq!(row["ledger_lines"], serde_json::json!([1, 2]), "{row}");
}
