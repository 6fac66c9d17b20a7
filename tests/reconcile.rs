//! `reconcile` as implementing bodies use it: their receipts matched against the project's
//! disbursements (拨付) and their payments against its payments; a ledger voucher per
//! sub-project over its lines; records without a voucher matched by sub-project, amount and a
//! date within 5 days; no record and no ledger voucher matched twice; a reversed
//! disbursement is no receipt; exit 0 when everything matches, 3 when anything does not.

mod common;

use common::{fixtures, Ledger};
use serde_json::Value;

const ENTRIES: &str = "voucher,date,kind,appropriation,subproject,amount,reverses,memo\n";

/// Runs `reconcile --project P-AGRI` with the given options as JSON; returns the exit code and
/// the value.
fn reconcile(l: &Ledger, options: &[&str]) -> (i32, Value) {
    let mut args = vec!["reconcile", "--project", "P-AGRI", "--format", "json"];
    args.extend(options);
    let r = l.run_en(&args);
    assert!(r.code == 0 || r.code == 3, "{args:?}: {}{}", r.stdout, r.stderr);
    (r.code, serde_json::from_str(&r.stdout).expect("json"))
}

/// The rows of one side as (status, matched_by, voucher), in report order.
fn rows(v: &Value, side: &str) -> Vec<(String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    v[side]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no {side} rows in {v}"))
        .iter()
        .map(|r| (text(&r["status"]), text(&r["matched_by"]), text(&r["voucher"])))
        .collect()
}

fn row(status: &str, by: &str, voucher: &str) -> (String, String, String) {
    (status.to_string(), by.to_string(), voucher.to_string())
}

fn notes(v: &Value, side: &str) -> String {
    v[side]["rows"].as_array().expect("rows").iter().map(|r| r["note"].to_string()).collect()
}

#[test]
fn receipts_are_matched_against_disbursements_by_voucher() {
    let l = Ledger::small();
    // V-003 disbursed 400,000 to S-FARM on 2024-04-01; 万元 headers are read exactly.
    let receipts = l.file(
        "receipts.csv",
        "收款凭证号,到账日期,子项目编号,到账金额（万元）\nV-003,2024-04-01,S-FARM,40\n",
    );
    let (code, v) = reconcile(&l, &["--receipts", &receipts]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(rows(&v, "receipts"), [row("matched", "voucher", "V-003")]);
    assert_eq!(v["receipts_summary"]["mismatches"], 0);
    assert!(v.get("payments").is_none() && v.get("summary").is_none(), "no payments were given");
    // A pay voucher named as a receipt is not a disbursement.
    let wrong = l.file(
        "wrong.csv",
        "凭证号,日期,子项目编号,金额\nV-003,2024-04-01,S-FARM,400000\nV-004,2024-05-01,S-FARM,250000\n",
    );
    let (code, v) = reconcile(&l, &["--receipts", &wrong]);
    assert_eq!(code, 3);
    assert!(
        notes(&v, "receipts").contains("V-004 is a pay (支付) entry in the ledger, not a disbursement"),
        "{v}"
    );
}

#[test]
fn a_voucher_with_lines_on_two_sub_projects_is_matched_per_sub_project() {
    let l = Ledger::small();
    let lines = fixtures().join("small").join("entries-voucher-lines.csv");
    l.ok_en(&["import", "entries", lines.to_str().expect("utf-8")]);
    // 记-2025-0220 disburses 100,000 to S-FARM and 50,000 to S-GRAIN: the body lists it once
    // per sub-project.
    let receipts = l.file(
        "receipts.csv",
        "凭证号,日期,子项目编号,金额\nV-003,2024-04-01,S-FARM,400000\n记-2025-0220,2025-02-20,S-GRAIN,50000\n记-2025-0220,2025-02-20,S-FARM,100000\n",
    );
    let (code, v) = reconcile(&l, &["--receipts", &receipts]);
    assert_eq!(code, 0, "{v}");
    let matched = row("matched", "voucher", "记-2025-0220");
    assert_eq!(rows(&v, "receipts"), [row("matched", "voucher", "V-003"), matched.clone(), matched]);
    // The same voucher and sub-project twice in one file is refused, naming the first line.
    let twice = l.file(
        "twice.csv",
        "凭证号,日期,子项目编号,金额\n记-2025-0220,2025-02-20,S-FARM,100000\n记-2025-0220,2025-02-20,S-FARM,100000\n",
    );
    let r = l.run_en(&["reconcile", "--project", "P-AGRI", "--receipts", &twice]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("twice.csv:3"), "{}", r.stderr);
    assert!(
        r.stderr.contains("appears again for sub-project S-FARM; it was first given on line 2"),
        "{}",
        r.stderr
    );
    // Payments may repeat a voucher for another sub-project too.
    let pays = l.file(
        "pays.csv",
        "凭证号,日期,子项目编号,金额\nV-004,2024-05-01,S-FARM,250000\nV-004,2024-05-01,S-GRAIN,1\n",
    );
    let (code, v) = reconcile(&l, &["--payments", &pays]);
    assert_eq!(code, 3);
    assert_eq!(rows(&v, "payments"), [row("records_only", "", "V-004"), row("matched", "voucher", "V-004")]);
    assert!(notes(&v, "payments")
        .contains("every line of the ledger's payment V-004 is matched to another record"));
}

#[test]
fn records_without_a_voucher_match_by_sub_project_amount_and_a_date_within_five_days() {
    let l = Ledger::small();
    // No voucher column at all; V-003 is dated 2024-04-01.
    for (date, code) in
        [("2024-04-01", 0), ("2024-04-06", 0), ("2024-03-27", 0), ("2024-04-07", 3), ("2024-03-26", 3)]
    {
        let receipts = l.file("r.csv", &format!("到账日期,子项目编号,到账金额\n{date},S-FARM,400000\n"));
        let (got, v) = reconcile(&l, &["--receipts", &receipts]);
        assert_eq!(got, code, "{date}: {v}");
        if code == 0 {
            assert_eq!(rows(&v, "receipts"), [row("matched", "subproject_amount_date", "V-003")], "{date}");
            assert_eq!(v["receipts"]["without_voucher"], 1);
        } else {
            assert_eq!(rows(&v, "receipts"), [row("ledger_only", "", "V-003"), row("records_only", "", "")]);
            assert!(notes(&v, "receipts").contains("more than 5"), "{v}");
        }
    }
    // Another amount or another sub-project is no match; an empty voucher cell is no voucher.
    let receipts = l.file(
        "other.csv",
        "凭证号,日期,子项目编号,金额\n,2024-04-01,S-FARM,400000.01\n,2024-04-01,S-GRAIN,400000\n,2024-04-02,S-FARM,400000\n",
    );
    let (code, v) = reconcile(&l, &["--receipts", &receipts]);
    assert_eq!(code, 3);
    let got = rows(&v, "receipts");
    assert_eq!(got.iter().filter(|r| r.0 == "records_only").count(), 2, "{got:?}");
    assert!(got.contains(&row("matched", "subproject_amount_date", "V-003")), "{got:?}");
    // The table says which rule matched, in Chinese.
    let r = l.run(&["reconcile", "--project", "P-AGRI", "--receipts", &receipts]);
    assert!(r.stdout.contains("按子项目、金额、日期") && r.stdout.contains("对账依据"), "{}", r.stdout);
}

#[test]
fn one_record_is_never_matched_twice() {
    let l = Ledger::small();
    // Two equal payments on one day; the body's sheet lists one, without a voucher.
    let pays = l.file(
        "pays.csv",
        &format!("{ENTRIES}V-P2,2024-07-01,pay,A-FARM-NH,S-FARM,20000,,工程款\nV-P1,2024-07-01,pay,A-FARM-NH,S-FARM,20000,,工程款\n"),
    );
    l.ok_en(&["import", "entries", &pays]);
    let records =
        l.file("records.csv", "日期,子项目编号,金额\n2024-05-01,S-FARM,250000\n2024-07-02,S-FARM,20000\n");
    let (code, v) = reconcile(&l, &["--payments", &records]);
    assert_eq!(code, 3, "the second payment is missing from the records");
    let sad = "subproject_amount_date";
    assert_eq!(
        rows(&v, "payments"),
        [row("ledger_only", "", "V-P2"), row("matched", sad, "V-004"), row("matched", sad, "V-P1")]
    );
    assert!(notes(&v, "payments").contains("2 ledger payments fit (V-P1, V-P2)"), "{v}");
    // Two equal records and one payment: one record stays unmatched.
    let records = l.file(
        "twice.csv",
        "日期,子项目编号,金额\n2024-05-01,S-FARM,250000\n2024-05-01,S-FARM,250000\n2024-07-01,S-FARM,20000\n2024-07-01,S-FARM,20000\n",
    );
    let (code, v) = reconcile(&l, &["--payments", &records]);
    assert_eq!(code, 3);
    assert_eq!(
        rows(&v, "payments"),
        [
            row("records_only", "", ""),
            row("matched", sad, "V-004"),
            row("matched", sad, "V-P1"),
            row("matched", sad, "V-P2")
        ]
    );
    assert!(notes(&v, "payments").contains("(V-004) are paired with other records"), "{v}");
    assert_eq!(v["summary"]["rows"][0]["count"], 3);
}

#[test]
fn a_reversed_disbursement_is_not_a_receipt() {
    let l = Ledger::small();
    let entries = l.file(
        "entries.csv",
        &format!("{ENTRIES}V-D9,2024-07-01,disburse,A-FARM-NH,S-FARM,10000,,拨付\nV-R9,2024-07-02,reverse,,,,V-D9,冲销：录入错误\n"),
    );
    l.ok_en(&["import", "entries", &entries]);
    let receipts = l.file(
        "receipts.csv",
        "凭证号,日期,子项目编号,金额\nV-003,2024-04-01,S-FARM,400000\nV-D9,2024-07-01,S-FARM,10000\n,2024-07-01,S-FARM,10000\n",
    );
    let (code, v) = reconcile(&l, &["--receipts", &receipts]);
    assert_eq!(code, 3);
    assert_eq!(
        rows(&v, "receipts"),
        [row("records_only", "", ""), row("records_only", "", "V-D9"), row("matched", "voucher", "V-003")]
    );
    let notes = notes(&v, "receipts");
    assert!(notes.contains("the ledger's disbursement V-D9 was reversed by V-R9"), "{notes}");
    assert!(notes.contains("V-D9 of the same sub-project, amount and date was reversed by V-R9"), "{notes}");
}

#[test]
fn exit_codes_cover_payments_and_receipts_together() {
    let l = Ledger::small();
    let pays = l.file("pays.csv", "凭证号,日期,子项目编号,金额\nV-004,2024-05-01,S-FARM,250000\n");
    let good = l.file("good.csv", "凭证号,日期,子项目编号,金额\nV-003,2024-04-01,S-FARM,400000\n");
    let bad = l.file("bad.csv", "凭证号,日期,子项目编号,金额\nV-003,2024-04-01,S-FARM,399999\n");
    let (code, v) = reconcile(&l, &["--payments", &pays, "--receipts", &good]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["mismatched"], false);
    let (code, v) = reconcile(&l, &["--payments", &pays, "--receipts", &bad]);
    assert_eq!(code, 3, "a receipt that differs is a mismatch");
    assert_eq!(v["mismatched"], true);
    assert_eq!(v["summary"]["mismatches"], 0);
    assert_eq!(v["receipts_summary"]["mismatches"], 1);
    // A malformed receipts file: exit 1 naming line and column, nothing printed.
    let broken = l.file("broken.csv", "凭证号,日期,子项目编号,金额\nV-003,2024-04-31,S-FARM,400000\n");
    let r = l.run_en(&["reconcile", "--project", "P-AGRI", "--receipts", &broken]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("broken.csv:2") && r.stdout.is_empty(), "{}{}", r.stdout, r.stderr);
}

/// The README's command on the demo ledger: six receipts without a voucher found by
/// sub-project, amount and date, one of them too late to match.
#[test]
fn the_demo_receipts_reconcile_as_the_readme_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    let l = Ledger { db: dir.path().join("demo.db"), dir };
    l.ok_en(&["demo"]);
    let receipts = fixtures().join("demo").join("receipts-HN-2024-01.csv");
    let args = [
        "reconcile",
        "--project",
        "HN-2024-01",
        "--receipts",
        receipts.to_str().expect("utf-8"),
        "--format",
        "json",
    ];
    let r = l.run_en(&args);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let got = rows(&v, "receipts");
    let count = |status: &str, by: &str| got.iter().filter(|r| r.0 == status && r.1 == by).count();
    assert_eq!(count("matched", "voucher"), 4, "{got:?}");
    assert_eq!(count("matched", "subproject_amount_date"), 5, "{got:?}");
    assert_eq!(got[0], row("ledger_only", "", "记-2024-0111"));
    assert_eq!(got[1], row("records_only", "", ""));
    assert!(notes(&v, "receipts").contains("is dated 2024-08-21 (9 days apart, more than 5)"));
}
