//! The reports on the demo ledger: golden files for `statement`, `reconcile` and `review` in
//! table, CSV and JSON; their .xlsx read back with calamine and every cell compared with the
//! JSON figures; cross-checks between reports; acceptance order; payment matching.
//! To accept a deliberate change of output: `FUNDLEDGER_BLESS=1 cargo test --test reports`.

mod common;
use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{fixtures, mask_chain_head, Ledger};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::str::FromStr;

/// The demo ledger, built by `fundledger demo` in a temporary directory.
fn demo() -> Ledger {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let l = Ledger { dir, db };
    l.ok(&["demo"]);
    l
}

fn golden(name: &str, actual: &str) {
    let actual = mask_chain_head(actual);
    let actual = actual.as_str();
    let path = fixtures().join("golden").join(name);
    if std::env::var_os("FUNDLEDGER_BLESS").is_some() {
        std::fs::write(&path, actual).expect("bless");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
    assert!(actual == expected, "{name} differs from the golden file:\n{actual}");
}

/// Runs a report in the three text formats against its golden files; returns the JSON.
fn goldens(l: &Ledger, stem: &str, args: &[&str], code: i32) -> Value {
    let mut json = Value::Null;
    for (format, ext) in [("table", "txt"), ("csv", "csv"), ("json", "json")] {
        let mut a = args.to_vec();
        a.extend(["--format", format]);
        let r = l.run(&a);
        assert_eq!(r.code, code, "{a:?}: {}", r.stderr);
        golden(&format!("{stem}.{ext}"), &r.stdout);
        if format == "json" {
            json = serde_json::from_str(&r.stdout).expect("valid JSON");
        }
    }
    json
}

const PERCENT_KEYS: [&str; 5] =
    ["agri_coverage", "land_coverage", "arrival_rate", "spending_progress", "surplus_rate"];

/// A cell as comparable text: numbers as exact decimals (percent cells, which Excel keeps as
/// fractions, scaled to percent), strings as they are, blanks as "".
fn sheet_value(key: &str, d: &Data) -> String {
    match d {
        Data::Float(f) => {
            let mut v = Decimal::from_str(&format!("{f:.6}")).expect("decimal");
            if PERCENT_KEYS.contains(&key) {
                v *= Decimal::ONE_HUNDRED;
            }
            v.round_dp(2).normalize().to_string()
        }
        Data::Int(i) => i.to_string(),
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("unexpected cell {other:?}"),
    }
}

fn json_value(v: &Value) -> String {
    match v {
        Value::String(s) => match Decimal::from_str(s) {
            Ok(d) if s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') => {
                d.normalize().to_string()
            }
            _ => s.clone(),
        },
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        // A list (a voucher's lines) shows as its items joined by commas.
        Value::Array(items) => items.iter().map(json_value).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn normalise(o: &Map<String, Value>) -> Vec<(String, String)> {
    o.iter().map(|(k, v)| (k.clone(), json_value(v))).collect()
}

/// Every sheet of a workbook written with `--lang en` (headers are the JSON keys) as rows of
/// (key, value), from the header row to the first blank row; also checks that money and
/// counts are numeric cells, not text.
/// A row as (key, value) pairs.
type Record = Vec<(String, String)>;

fn read_workbook(path: &std::path::Path) -> Vec<(String, Vec<Record>)> {
    let mut book: Xlsx<_> = open_workbook(path).expect("open workbook");
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        let rows: Vec<&[Data]> = range.rows().collect();
        // Row 0 is the title, row 1 the header.
        let header: Vec<String> = rows[1].iter().map(|d| d.to_string()).collect();
        let mut records = Vec::new();
        for row in &rows[2..] {
            if row.iter().all(|d| matches!(d, Data::Empty)) {
                break;
            }
            let record: Vec<(String, String)> = header
                .iter()
                .zip(row.iter())
                .filter(|(h, _)| !h.is_empty())
                .map(|(h, d)| {
                    if matches!(
                        h.as_str(),
                        "allocated" | "paid" | "balance" | "gap" | "appropriated" | "projects"
                    ) && !matches!(d, Data::Empty)
                    {
                        assert!(matches!(d, Data::Float(_)), "{name}: {h} is not a numeric cell: {d:?}");
                    }
                    (h.clone(), sheet_value(h, d))
                })
                .collect();
            records.push(record);
        }
        sheets.push((name, records));
    }
    sheets
}

fn sorted(mut v: Vec<Vec<(String, String)>>) -> Vec<Vec<(String, String)>> {
    for r in &mut v {
        r.retain(|(_, value)| !value.is_empty());
    }
    v.sort();
    v
}

fn rows_and_subtotals(section: &Value) -> Vec<Vec<(String, String)>> {
    let mut all: Vec<Vec<(String, String)>> = Vec::new();
    for key in ["rows", "co_led", "subtotals"] {
        if let Some(rows) = section[key].as_array() {
            all.extend(rows.iter().map(|r| normalise(&as_shown(r.as_object().expect("object")))));
        }
    }
    all
}

/// A statement's subtotal line as its sheet shows it: the first key it sums over names it.
fn statement_shown(o: &Map<String, Value>, subtotal: &Value) -> Map<String, Value> {
    let (key, label) = match subtotal.as_str() {
        Some("project") => ("subproject", "project subtotal"),
        Some("channel") => ("county", "channel subtotal"),
        Some("department") => ("channel", "department total"),
        Some("co_lead") => ("channel", "co-led subtotal (outside the totals)"),
        other => panic!("unexpected subtotal {other:?}"),
    };
    let mut out = Map::new();
    for (k, v) in o.iter().filter(|(k, _)| *k != "subtotal" && !k.ends_with("_code")) {
        out.insert(k.clone(), if k == key { Value::from(label) } else { v.clone() });
    }
    out
}

/// A JSON record of the review as its sheet shows it (`--lang en`): a judgement as met / not
/// met under the column's key, the city's `null` county as "city", and a `null` level or
/// channel as the county's "subtotal" or the city's "total"; codes the sheet does not show
/// are left out.
fn as_shown(o: &Map<String, Value>) -> Map<String, Value> {
    if let Some(subtotal) = o.get("subtotal") {
        return statement_shown(o, subtotal);
    }
    let city = o.get("county").is_some_and(Value::is_null);
    let above = o.get("flagships_above_target") == Some(&Value::Bool(true));
    let mut out = Map::new();
    for (k, v) in o {
        let (key, value) = match (k.as_str(), v) {
            (k, _) if k.ends_with("_code") => continue,
            // The sheet's flagship column says "above target" in place of met / not met.
            ("flagships_above_target", _) => continue,
            ("flagship_target_met", _) if above => {
                ("flagship_target".to_string(), Value::from("above target"))
            }
            (k, Value::Bool(b)) if k.ends_with("_target_met") => {
                (k.trim_end_matches("_met").to_string(), Value::from(if *b { "met" } else { "not met" }))
            }
            (k, Value::Null) if k.ends_with("_target_met") => {
                (k.trim_end_matches("_met").to_string(), Value::Null)
            }
            ("county", Value::Null) => (k.to_string(), Value::from("city")),
            ("level" | "channel", Value::Null) => {
                (k.to_string(), Value::from(if city { "total" } else { "subtotal" }))
            }
            _ => (k.clone(), v.clone()),
        };
        out.insert(key, value);
    }
    out
}

#[test]
fn statement_goldens_workbook_and_totals() {
    let l = demo();
    let json = goldens(&l, "demo-statement-2025", &["statement", "--year", "2025"], 0);
    assert_eq!(json["fingerprint"]["entries"], 536);
    let rows = json["rows"].as_array().expect("rows");
    assert!(rows.len() > 100, "{}", rows.len());
    // Every row and the totals keep the INTERFACE keys.
    for key in [
        "department",
        "channel",
        "project",
        "subproject",
        "allocated",
        "withdrawn",
        "disbursed",
        "returned",
        "paid",
        "balance",
        "entitlement",
        "gap",
    ] {
        assert!(rows[0].get(key).is_some(), "rows lack {key}");
        assert!(json["totals"].get(key).is_some(), "totals lack {key}");
    }

    // The workbook, in English so its headers are the JSON keys: one sheet per department
    // after the summary, each holding exactly that department's rows and subtotals.
    let xlsx = l.dir.path().join("statement.xlsx");
    l.ok(&[
        "statement",
        "--year",
        "2025",
        "--lang",
        "en",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    let en: Value =
        serde_json::from_str(&l.ok(&["statement", "--year", "2025", "--lang", "en", "--format", "json"]))
            .expect("json");
    let sheets = read_workbook(&xlsx);
    assert_eq!(sheets[0].0, "Summary");
    let mut by_department: HashMap<String, Vec<Vec<(String, String)>>> = HashMap::new();
    for r in rows_and_subtotals(&en) {
        let dept = r.iter().find(|(k, _)| k == "department").expect("department").1.clone();
        by_department.entry(dept).or_default().push(r);
    }
    assert_eq!(sheets.len(), by_department.len() + 1, "a sheet per department");
    for (name, records) in &sheets[1..] {
        let expected = by_department.remove(name).unwrap_or_else(|| panic!("no JSON rows for sheet {name}"));
        assert_eq!(sorted(records.clone()), sorted(expected), "sheet {name}");
    }
    // The summary: one row per department total, then the grand total, equal to the JSON.
    let summary = &sheets[0].1;
    let totals = normalise(en["totals"].as_object().expect("totals"));
    let last = summary.last().expect("total row");
    for (k, v) in last {
        if k != "department" {
            let want = &totals.iter().find(|(tk, _)| tk == k).expect("key").1;
            assert_eq!(v, want, "summary total {k}");
        }
    }

    // The Chinese workbook has the same figures under Chinese sheet names and headers; an
    // --out file named .xlsx is a workbook without --format.
    let zh = l.dir.path().join("statement-zh.xlsx");
    l.ok(&["statement", "--year", "2025", "--out", zh.to_str().unwrap()]);
    let book: Xlsx<_> = open_workbook(&zh).expect("open");
    let names = book.sheet_names();
    assert_eq!(names[0], "汇总");
    assert!(
        names.contains(&"市农业农村局".to_string()) && names.contains(&"市水利局".to_string()),
        "{names:?}"
    );
}

#[test]
fn statement_totals_equal_balances_and_review_funds_equal_the_statement() {
    for l in [Ledger::small(), demo()] {
        let balances = l.balances_json(&[]);
        let statement: Value = serde_json::from_str(&l.ok(&["statement", "--format", "json"])).expect("json");
        for key in ["allocated", "withdrawn", "disbursed", "returned", "paid", "balance"] {
            assert_eq!(statement["totals"][key], balances["totals"][key], "{key}");
        }
        for year in ["2024", "2025"] {
            let to = format!("{year}-12-31");
            let s: Value =
                serde_json::from_str(&l.ok(&["statement", "--to", &to, "--format", "json"])).expect("json");
            let r: Value =
                serde_json::from_str(&l.ok(&["review", "--year", year, "--format", "json"])).expect("json");
            let level_rows = r["funds_by_level"]["subtotals"].as_array().expect("subtotals");
            let city = level_rows.last().expect("the last subtotal is the city's (or the only county's)");
            for key in ["allocated", "withdrawn", "disbursed", "returned", "paid", "balance"] {
                assert_eq!(city[key], s["totals"][key], "{year} {key}");
            }
            let channel_city =
                r["funds_by_channel"]["subtotals"].as_array().expect("subtotals").last().cloned();
            assert_eq!(channel_city.expect("city")["paid"], s["totals"]["paid"]);
        }
    }
}

#[test]
fn a_period_statement_carries_the_opening_balance_to_the_closing_one() {
    // fixtures/small: V-006 withdraws 100,000.00 on 2024-06-01 and V-008 reverses it on
    // 2024-06-10. Up to 2024-06-05 the withdrawal counts; from 2024-06-06 the reversal nets
    // it out of the withdrawn column of that period.
    let l = Ledger::small();
    let s = |args: &[&str]| -> Value {
        let mut a = vec!["statement", "--format", "json", "--department", "市农业农村局"];
        a.extend(args);
        serde_json::from_str(&l.ok(&a)).expect("json")
    };
    let early = s(&["--to", "2024-06-05"]);
    let late = s(&["--from", "2024-06-06", "--to", "2024-12-31"]);
    let grain = |v: &Value| {
        v["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["subproject"] == "S-GRAIN")
            .cloned()
            .expect("S-GRAIN")
    };
    assert_eq!(grain(&early)["withdrawn"], "100000.00");
    assert_eq!(grain(&early)["balance"], "200000.00");
    assert_eq!(grain(&late)["opening"], "200000.00");
    assert_eq!(grain(&late)["withdrawn"], "-100000.00");
    assert_eq!(grain(&late)["balance"], "300000.00");
    // Without a start there is no opening column; the period totals move opening to closing.
    assert!(early["rows"][0].get("opening").is_none());
    let t = &late["totals"];
    let f = |k: &str| Decimal::from_str(t[k].as_str().expect("amount")).expect("decimal");
    assert_eq!(f("opening") + f("allocated") - f("withdrawn") - f("returned") - f("paid"), f("balance"));
    // A reversed range and an unknown department are refused.
    let r = l.run_en(&["statement", "--from", "2025-01-01", "--to", "2024-01-01"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("option --to") && r.stderr.contains("before it starts"), "{}", r.stderr);
    let r = l.run_en(&["statement", "--department", "市财政局"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("'市财政局' is not a known department") && r.stderr.contains("市水利局"),
        "{}",
        r.stderr
    );
    let r = l.run(&["statement", "--format", "xlsx"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--out FILE.xlsx"), "{}", r.stderr);
}

#[test]
fn reconcile_goldens_and_matching() {
    let l = demo();
    let payments = fixtures().join("demo").join("payments-HN-2024-01.csv");
    let p = payments.to_str().expect("utf-8");
    let json = goldens(
        &l,
        "demo-reconcile-HN-2024-01",
        &["reconcile", "--project", "HN-2024-01", "--payments", p],
        3,
    );
    let status = |v: &str| -> Vec<String> {
        json["payments"]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["status"] == v)
            .map(|r| r["voucher"].as_str().expect("voucher").to_string())
            .collect()
    };
    assert_eq!(status("differs"), ["记-2024-0121", "记-2025-0118"]);
    assert_eq!(status("ledger_only"), ["记-2025-0179"]);
    assert_eq!(status("records_only"), ["记-2024-0008", "记-2025-0901"]);
    assert_eq!(status("matched").len(), 11);
    // The demo's contract payment: one voucher over two sub-projects' lines, each matched
    // against the body's own line for its sub-project.
    let contract: Vec<String> = json["payments"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["voucher"] == "记-2025-1101")
        .map(|r| format!("{} {}", r["status"], r["ledger_subproject"]))
        .collect();
    assert_eq!(contract, [r#""matched" "HN-2024-01-02""#, r#""matched" "HN-2024-01-06""#]);
    // The workbook (in English, so headers are the JSON keys): a sheet per section, every
    // row, subtotal and total equal to the JSON.
    let xlsx = l.dir.path().join("reconcile.xlsx");
    let args = ["reconcile", "--project", "HN-2024-01", "--payments", p, "--lang", "en"];
    let mut with_out = args.to_vec();
    with_out.extend(["--out", xlsx.to_str().expect("utf-8")]);
    assert_eq!(l.run(&with_out).code, 3);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let en: Value = serde_json::from_str(&l.run(&json_args).stdout).expect("json");
    let sheets = read_workbook(&xlsx);
    let keys = ["matrix", "summary", "payments"];
    assert_eq!(sheets.len(), keys.len());
    for ((name, records), key) in sheets.iter().zip(keys) {
        let mut expected = rows_and_subtotals(&en[key]);
        if let Some(t) = en[key]["totals"].as_object() {
            // The totals row names itself in its first column, which is null in JSON.
            let mut shown: Map<String, Value> = t.clone();
            shown.retain(|k, _| !k.ends_with("_code"));
            if let Some((_, first)) = shown.iter_mut().next() {
                *first = Value::from("total");
            }
            expected.push(normalise(&shown));
        }
        assert_eq!(sorted(records.clone()), sorted(expected), "sheet {name} vs {key}");
    }
    // The matrix's totals are the project's balances.
    let b = l.balances_json(&["--project", "HN-2024-01"]);
    assert_eq!(json["matrix"]["totals"]["paid"], b["totals"]["paid"]);

    // Records that agree exit 0; without --payments only the matrix is shown.
    let clean = l
        .file("clean.csv", "凭证号,日期,子项目编号,金额\n记-2024-0056,2024-07-11,HN-2024-01-06,1053766.32\n");
    let r = l.run(&["reconcile", "--project", "HN-2024-01", "--payments", &clean, "--format", "json"]);
    assert_eq!(r.code, 3, "the ledger's other payments are missing from these records");
    assert_eq!(l.run(&["reconcile", "--project", "HN-2024-01"]).code, 0);

    // A code the project does not have is named as such.
    let typo =
        l.file("typo.csv", "凭证号,日期,子项目编号,金额\n记-2024-0056,2024-07-11,HN-2024-01-66,1053766.32\n");
    let r = l.run_en(&["reconcile", "--project", "HN-2024-01", "--payments", &typo]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("sub-project HN-2024-01-66 is not in project HN-2024-01"), "{}", r.stdout);

    // A malformed records file names its line and column; nothing is matched.
    let bad = l.file("bad.csv", "凭证号,日期,子项目编号,金额\n记-1,2024-07-11,HN-2024-01-06,12.345\n");
    let r = l.run(&["reconcile", "--project", "HN-2024-01", "--payments", &bad]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("bad.csv:2") && r.stderr.contains("金额"), "{}", r.stderr);
    let r = l.run_en(&["reconcile", "--project", "NO-SUCH"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("project 'NO-SUCH' is not recorded"), "{}", r.stderr);
}

#[test]
fn reconcile_matches_only_when_records_equal_the_ledger() {
    let l = Ledger::small();
    let records = l.file("mine.csv", "voucher,date,subproject,amount\nV-004,2024-05-01,S-FARM,250000\n");
    let r = l.run(&["reconcile", "--project", "P-AGRI", "--payments", &records, "--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["summary"]["rows"][0]["status"], "matched");
    assert_eq!(v["summary"]["rows"][0]["count"], 1);
    // GB18030 records with a wrong amount: exit 3 and the difference named.
    let (gbk, _, _) =
        encoding_rs::GB18030.encode("凭证号,日期,子项目编号,金额\nV-004,2024/5/1,S-FARM,\"250,000.10\"\n");
    let path = l.dir.path().join("gbk.csv");
    std::fs::write(&path, &gbk).expect("write");
    let r = l.run_en(&["reconcile", "--project", "P-AGRI", "--payments", path.to_str().unwrap()]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("ledger 250,000.00 vs records 250,000.10 (difference 0.10)"), "{}", r.stdout);
}

#[test]
fn review_goldens_and_workbook() {
    let l = demo();
    let json = goldens(&l, "demo-review-2025", &["review", "--year", "2025"], 0);
    for section in ["projects", "funds_by_level", "funds_by_channel", "rates", "shrinkage", "acceptance"] {
        assert!(json[section]["rows"].is_array(), "{section}");
    }
    // The rows are the counties' own; the city's are subtotals, so summing rows counts once.
    for section in ["funds_by_level", "funds_by_channel"] {
        let sum: Decimal = json[section]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| Decimal::from_str(r["paid"].as_str().expect("paid")).expect("decimal"))
            .sum();
        let city = json[section]["subtotals"].as_array().expect("subtotals").last().cloned().expect("city");
        assert_eq!(
            sum,
            Decimal::from_str(city["paid"].as_str().expect("paid")).expect("decimal"),
            "{section}"
        );
        assert!(json[section]["rows"].as_array().unwrap().iter().all(|r| r["county"] != "city"), "{section}");
    }
    // TX-2023-01 passed city acceptance in 2025 with the award.
    let city = json["acceptance"]["subtotals"].as_array().expect("city").last().cloned().expect("city row");
    assert_eq!(city["city_passed"], 1);
    assert_eq!(city["awards"], 1);
    // The formulas are stated in the output.
    let table = l.ok(&["review", "--year", "2025"]);
    assert!(table.contains("资金到位率 = 到位资金 ÷ 应补助"), "{table}");
    assert!(table.contains("结余率 = 指标结余 ÷ 指标下达"), "{table}");

    let xlsx = l.dir.path().join("review.xlsx");
    l.ok(&["review", "--year", "2025", "--lang", "en", "--format", "xlsx", "--out", xlsx.to_str().unwrap()]);
    let en: Value =
        serde_json::from_str(&l.ok(&["review", "--year", "2025", "--lang", "en", "--format", "json"]))
            .expect("json");
    let sheets = read_workbook(&xlsx);
    let keys = ["projects", "funds_by_level", "funds_by_channel", "rates", "shrinkage", "acceptance"];
    assert_eq!(sheets.len(), keys.len());
    for ((name, records), key) in sheets.iter().zip(keys) {
        assert_eq!(sorted(records.clone()), sorted(rows_and_subtotals(&en[key])), "sheet {name} vs {key}");
    }

    // One county: its figures, and a year before any project has none.
    let one: Value =
        serde_json::from_str(&l.ok(&["review", "--year", "2025", "--county", "桐乡市", "--format", "json"]))
            .expect("json");
    assert_eq!(one["projects"]["rows"].as_array().expect("rows").len(), 1);
    let early: Value =
        serde_json::from_str(&l.ok(&["review", "--year", "2020", "--format", "json"])).expect("json");
    assert_eq!(early["projects"]["subtotals"][0]["projects"], 0);
}

#[test]
fn the_fingerprint_is_the_chain_head_and_changes_with_every_write() {
    let l = Ledger::small();
    let fp = |l: &Ledger| -> Value {
        let v: Value = serde_json::from_str(&l.ok(&["statement", "--format", "json"])).expect("json");
        v["fingerprint"].clone()
    };
    let first = fp(&l);
    assert_eq!(first["entries"], 10);
    // Reading does not change it, and it is the head `verify` walks to.
    assert_eq!(fp(&l), first);
    let verified = l.ok_en(&["verify"]);
    assert!(verified.contains(&format!("head {})", first["hash"].as_str().expect("hash"))), "{verified}");
    // One more entry: different.
    l.ok(&[
        "post",
        "--kind",
        "pay",
        "--appropriation",
        "A-FARM-NH",
        "--subproject",
        "S-FARM",
        "--amount",
        "1",
        "--date",
        "2024-07-01",
        "--voucher",
        "V-100",
    ]);
    let after = fp(&l);
    assert_eq!(after["entries"], 11);
    assert_ne!(after["hash"], first["hash"]);
    let table = l.ok(&["review", "--year", "2024"]);
    assert!(
        table.contains(&format!("账本指纹：11 笔分录，审计链头 {}", after["hash"].as_str().unwrap())),
        "{table}"
    );
}

#[test]
fn acceptance_follows_the_policy_order() {
    let l = Ledger::small();
    // P-AGRI: S-FARM, S-GRAIN, S-DREDGE to accept; S-EXCL is excluded.
    // An item acceptance names the county bureau that organised it.
    fn accept<'a>(args: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["accept"];
        a.extend(args);
        if args[0] == "item" {
            a.extend(["--bureau", "南湖区农业农村局"]);
        }
        a.extend(["--lang", "en"]);
        a
    }
    l.refused(
        &accept(&[
            "overall",
            "--project",
            "P-AGRI",
            "--result",
            "passed",
            "--date",
            "2025-03-01",
            "--doc",
            "整",
        ]),
        &["not yet passed: S-DREDGE, S-FARM, S-GRAIN", "acceptance rules"],
    );
    l.refused(
        &accept(&[
            "item",
            "--subproject",
            "S-EXCL",
            "--result",
            "passed",
            "--date",
            "2025-01-05",
            "--doc",
            "x",
        ]),
        &["S-EXCL is excluded"],
    );
    l.refused(
        &accept(&[
            "item",
            "--subproject",
            "S-DREDGE",
            "--department",
            "市农业农村局",
            "--result",
            "passed",
            "--date",
            "2025-01-05",
            "--doc",
            "x",
        ]),
        &["option --department", "accepted by 市水利局, not 市农业农村局"],
    );
    l.refused(
        &accept(&[
            "item",
            "--subproject",
            "S-FARM",
            "--result",
            "maybe",
            "--date",
            "2025-01-05",
            "--doc",
            "x",
        ]),
        &["option --result", "passed/通过"],
    );
    l.refused(
        &accept(&[
            "county",
            "--project",
            "P-AGRI",
            "--result",
            "passed",
            "--date",
            "2025-03-01",
            "--doc",
            "县",
        ]),
        &["县级验收 needs 整体验收 passed first"],
    );
    for (s, d) in [("S-FARM", "2025-01-05"), ("S-GRAIN", "2025-01-06")] {
        l.ok(&accept(&["item", "--subproject", s, "--result", "通过", "--date", d, "--doc", "嘉农验1号"]));
    }
    l.ok(&accept(&[
        "item",
        "--subproject",
        "S-DREDGE",
        "--result",
        "不通过",
        "--date",
        "2025-01-07",
        "--doc",
        "水1",
    ]));
    l.refused(
        &accept(&[
            "overall",
            "--project",
            "P-AGRI",
            "--result",
            "passed",
            "--date",
            "2025-03-01",
            "--doc",
            "整",
        ]),
        &["not yet passed: S-DREDGE"],
    );
    l.ok(&accept(&[
        "item",
        "--subproject",
        "S-DREDGE",
        "--result",
        "passed",
        "--date",
        "2025-02-07",
        "--doc",
        "水2",
    ]));
    l.refused(
        &accept(&[
            "overall",
            "--project",
            "P-AGRI",
            "--result",
            "passed",
            "--date",
            "2025-02-01",
            "--doc",
            "整",
        ]),
        &["S-DREDGE (passed only on 2025-02-07)"],
    );
    l.ok(&accept(&[
        "overall",
        "--project",
        "P-AGRI",
        "--result",
        "passed",
        "--date",
        "2025-03-01",
        "--doc",
        "整",
    ]));
    l.refused(
        &accept(&[
            "overall",
            "--project",
            "P-AGRI",
            "--result",
            "passed",
            "--date",
            "2025-03-02",
            "--doc",
            "整2",
        ]),
        &["already passed 整体验收 on 2025-03-01"],
    );
    l.ok(&accept(&[
        "county",
        "--project",
        "P-AGRI",
        "--result",
        "passed",
        "--date",
        "2025-04-01",
        "--doc",
        "县",
    ]));
    l.refused(
        &accept(&[
            "city",
            "--project",
            "P-AGRI",
            "--batch",
            "2025-1",
            "--result",
            "passed",
            "--date",
            "2025-03-01",
            "--doc",
            "市",
        ]),
        &["市级验收 is dated before 县级验收 passed (2025-04-01)"],
    );
    l.ok(&accept(&[
        "city",
        "--project",
        "P-AGRI",
        "--batch",
        "2025-1",
        "--award",
        "--result",
        "passed",
        "--date",
        "2025-05-01",
        "--doc",
        "市",
    ]));
    let progress: Value = serde_json::from_str(&l.ok(&["acceptance", "--format", "json"])).expect("json");
    let agri = &progress["projects"][0];
    assert_eq!(agri["project"], "P-AGRI");
    assert_eq!(agri["items_required"], 3);
    assert_eq!(agri["items_passed"], 3);
    assert_eq!(agri["city_acceptance"], "2025-05-01");
    assert_eq!(agri["award"], true);
    let records: Value =
        serde_json::from_str(&l.ok(&["acceptance", "--project", "P-AGRI", "--format", "json"]))
            .expect("json");
    assert_eq!(records["acceptances"].as_array().expect("records").len(), 7, "the failed one is kept");
}

#[test]
fn acceptances_import_all_or_nothing_and_are_never_edited() {
    let l = Ledger::small();
    let good = l.file(
        "acc.csv",
        "验收环节,项目编号,子项目编号,组织单位,验收结果,验收日期,验收文件\n\
         单项验收,,S-JS-FARM,嘉善县农业农村局,通过,2025-01-05,善验1号\n\
         单项验收,,S-JS-OLD,嘉善县农业农村局,通过,2025-01-06,善验2号\n\
         整体验收,P-PEOPLE,,,通过,2025-02-01,善整1号\n",
    );
    let out = l.ok_en(&["import", "acceptances", &good]);
    assert!(out.contains("3 added"), "{out}");
    let out = l.ok_en(&["import", "acceptances", &good]);
    assert!(out.contains("0 added, 3 already recorded"), "{out}");
    // Out of order inside one file: the whole file is refused, naming the line.
    let bad = l.file(
        "bad.csv",
        "stage,project,subproject,bureau,result,date,document\n\
         item,,S-FARM,南湖区农业农村局,passed,2025-01-05,a\n\
         overall,P-AGRI,,,passed,2025-02-01,b\n",
    );
    l.refused_en(&["import", "acceptances", &bad], &["bad.csv:3", "not yet passed: S-DREDGE, S-GRAIN"]);
    // The schema refuses edits and deletions made behind fundledger's back.
    let conn = rusqlite::Connection::open(&l.db).expect("open");
    let err = conn.execute("UPDATE acceptances SET result = 'failed'", []).expect_err("immutable");
    assert!(err.to_string().contains("recorded fact"), "{err}");
    let err = conn.execute("DELETE FROM acceptances", []).expect_err("immutable");
    assert!(err.to_string().contains("recorded fact"), "{err}");
    // And an overall acceptance inserted directly for a project whose items did not pass.
    let err = conn
        .execute(
            "INSERT INTO acceptances (stage, project_id, result, accepted_on, document, operator, recorded_at)
             SELECT 'overall', id, 'passed', '2025-03-01', 'x', 'sql', 'now' FROM projects WHERE code = 'P-AGRI'",
            [],
        )
        .expect_err("trigger");
    assert!(err.to_string().contains("every non-excluded sub-project passed"), "{err}");
}

/// The review's year columns are the year's own movements: the city's issued, arrived and paid
/// in 2025 are the cumulative figures to 2025-12-31 less those to 2024-12-31.
#[test]
fn the_reviews_year_columns_are_the_difference_of_two_year_ends() {
    let l = demo();
    let review = |year: &str| -> Value {
        serde_json::from_str(&l.ok(&["review", "--year", year, "--format", "json"])).expect("json")
    };
    let (now, before) = (review("2025"), review("2024"));
    let city = |v: &Value| {
        v["funds_by_level"]["subtotals"].as_array().expect("subtotals").last().cloned().expect("city")
    };
    let d = |v: &Value, k: &str| {
        Decimal::from_str(v[k].as_str().unwrap_or_else(|| panic!("{k}"))).expect("decimal")
    };
    let (n, b) = (city(&now), city(&before));
    assert_eq!(d(&n, "year_appropriated"), d(&n, "appropriated") - d(&b, "appropriated"), "{n}");
    assert_eq!(d(&n, "year_paid"), d(&n, "paid") - d(&b, "paid"), "{n}");
    let arrived = |v: &Value| d(v, "allocated") - d(v, "withdrawn") - d(v, "returned");
    assert_eq!(d(&n, "year_arrived"), arrived(&n) - arrived(&b), "{n}");
    assert!(d(&n, "year_paid") > Decimal::ZERO, "the demo pays in 2025");
}

/// A JSON amount (a yuan string, or `null` for a blank) as a decimal.
fn amount(v: &Value) -> Decimal {
    v.as_str().map_or(Decimal::ZERO, |s| Decimal::from_str(s).expect("amount"))
}

const FIGURES: [&str; 11] = [
    "allocated",
    "withdrawn",
    "disbursed",
    "returned",
    "paid",
    "balance",
    "entitlement",
    "fair_share",
    "received",
    "gap",
    "underfunding",
];

/// The figures of `rows` summed per key.
fn summed<'a>(rows: impl IntoIterator<Item = &'a Value>) -> Vec<Decimal> {
    let mut sums = vec![Decimal::ZERO; FIGURES.len()];
    for r in rows {
        for (sum, key) in sums.iter_mut().zip(FIGURES) {
            *sum += amount(&r[key]);
        }
    }
    sums
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap_or_else(|| panic!("{key} is not a list"))
}

#[test]
fn statement_rows_belong_to_the_department_responsible_for_the_type() {
    let l = demo();
    let json = |args: &[&str]| -> Value {
        let mut a = vec!["statement", "--format", "json"];
        a.extend(args);
        serde_json::from_str(&l.ok(&a)).expect("json")
    };
    // 农村河道治理 is 市水利局's though 生态补偿专项资金 (市生态环境局's fund rule) pays it.
    let eco = json(&["--department", "市生态环境局"]);
    let river = |v: &Value, key: &str| {
        list(v, key).iter().filter(|r| r["type_code"] == "rural_river_management").count()
    };
    assert_eq!(river(&eco, "rows"), 0, "{eco}");
    assert!(list(&eco, "rows").iter().all(|r| r["department"] == "市生态环境局" && r["role"] == "lead"));
    assert!(list(&eco, "issued").iter().all(|i| i["channel_code"] != "eco_compensation_fund"), "{eco}");
    let water = json(&["--department", "市水利局"]);
    assert_eq!(river(&water, "rows"), 13, "{water}");
    assert!(list(&water, "rows").iter().all(|r| r["department"] == "市水利局"));
    assert!(list(&water, "issued").iter().any(|i| i["channel_code"] == "eco_compensation_fund"));

    // 市建设局 co-leads 历史文化传统村落保护利用: the rows are listed, marked, outside its totals.
    let construction = json(&["--department", "市建设局"]);
    let co_led = list(&construction, "co_led");
    assert!(!co_led.is_empty(), "{construction}");
    for r in co_led {
        assert_eq!(r["type_code"], "historic_village");
        assert_eq!((&r["department"], &r["role"]), (&Value::from("市建设局"), &Value::from("co_lead")));
    }
    assert!(list(&construction, "rows").iter().all(|r| r["type_code"] != "historic_village"));
    let subtotal = |v: &Value, kind: &str| -> Value {
        list(v, "subtotals").iter().find(|s| s["subtotal"] == kind).cloned().expect(kind)
    };
    let own = summed(list(&construction, "rows"));
    assert_eq!(summed([&construction["totals"]]), own, "the totals leave the co-led rows out");
    assert_eq!(summed([&subtotal(&construction, "department")]), own);
    assert_eq!(summed([&subtotal(&construction, "co_lead")]), summed(co_led));
    assert_ne!(summed(co_led), vec![Decimal::ZERO; FIGURES.len()], "the co-led row has figures");

    // The whole statement: each row once, the co-led ones again under the co-lead; summing
    // `rows` gives the totals, and the totals equal the ledger's balances.
    let all = json(&[]);
    let rows = list(&all, "rows");
    assert_eq!(summed(rows), summed([&all["totals"]]));
    let balances = l.balances_json(&[]);
    for key in ["allocated", "withdrawn", "disbursed", "returned", "paid", "balance"] {
        assert_eq!(all["totals"][key], balances["totals"][key], "{key}");
    }
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        assert!(seen.insert((r["subproject"].clone(), r["channel_code"].clone())), "twice: {r}");
    }
    for r in list(&all, "co_led") {
        let lead = rows
            .iter()
            .find(|x| x["subproject"] == r["subproject"] && x["channel_code"] == r["channel_code"])
            .expect("a co-led row is a lead row too");
        assert_eq!(lead["department"], "市农业农村局");
        assert_eq!(summed([lead]), summed([r]));
    }
}

#[test]
fn a_statement_by_appropriation_splits_rows_per_line_with_level_and_document() {
    let l = demo();
    let json = |args: &[&str]| -> Value {
        let mut a = vec!["statement", "--year", "2025", "--format", "json"];
        a.extend(args);
        serde_json::from_str(&l.ok(&a)).expect("json")
    };
    let whole = json(&[]);
    let split = json(&["--by", "appropriation"]);
    assert_eq!(split["by"], "appropriation");
    assert!(whole.get("by") == Some(&Value::from("subproject")) && whole["rows"][0].get("level").is_none());
    assert!(list(&split, "rows").len() > list(&whole, "rows").len());
    assert_eq!(summed([&split["totals"]]), summed([&whole["totals"]]));
    // Per (sub-project, channel), the split rows sum to the unsplit one (opening too).
    let key = |r: &Value| (r["subproject"].to_string(), r["channel_code"].to_string());
    let mut parts: HashMap<(String, String), Vec<&Value>> = HashMap::new();
    for r in list(&split, "rows") {
        parts.entry(key(r)).or_default().push(r);
    }
    for r in list(&whole, "rows") {
        let lines = parts.remove(&key(r)).unwrap_or_else(|| panic!("no split rows for {r}"));
        assert_eq!(summed(lines.iter().copied()), summed([r]), "{r}");
        let opening: Decimal = lines.iter().map(|x| amount(&x["opening"])).sum();
        assert_eq!(opening, amount(&r["opening"]));
        // The entitlement and gap belong to the (sub-project, channel): on its first line only.
        assert_eq!(lines[0]["entitlement"], r["entitlement"]);
        assert!(lines[1..]
            .iter()
            .all(|x| x["entitlement"].is_null() && x["gap"].is_null() && x["fair_share"].is_null()));
        for x in &lines {
            let moved = FIGURES[..6].iter().any(|k| amount(&x[*k]) != Decimal::ZERO)
                || amount(&x["opening"]) != Decimal::ZERO;
            if moved {
                assert!(
                    ["central", "provincial", "city", "county"]
                        .contains(&x["level"].as_str().expect("level")),
                    "{x}"
                );
                assert!(x["doc_no"].as_str().is_some_and(|d| d.contains('〔')), "{x}");
                assert!(x["appropriation"].is_string(), "{x}");
            }
        }
    }
    assert!(parts.is_empty(), "split rows without an unsplit row: {parts:?}");

    // The split lines show level and document as a bureau prints them.
    let csv = l.ok(&["statement", "--year", "2025", "--by", "appropriation", "--format", "csv"]);
    assert!(csv.contains(",省,浙财") || csv.contains(",中央,财"), "{csv}");
}

#[test]
fn statement_headers_and_notes_are_chinese_by_default_and_english_on_request() {
    let l = demo();
    let header = |args: &[&str]| -> String {
        let mut a = vec!["statement", "--department", "市建设局", "--format", "csv"];
        a.extend(args);
        l.ok(&a).lines().nth(1).expect("the header").to_string()
    };
    assert_eq!(
        header(&[]),
        "部门,角色,资金类别,县市区,项目编号,项目名称,子项目编号,子项目类型,分配,收回,拨付,退回,支付,结余,\
         单独补助应得,公平份额,累计到位,补助缩水,来源不足"
    );
    assert_eq!(
        header(&["--by", "appropriation", "--lang", "en"]),
        "department,role,channel,county,project,project_name,subproject,type,level,doc_no,appropriation,\
         allocated,withdrawn,disbursed,returned,paid,balance,entitlement,fair_share,received,gap,underfunding"
    );
    assert!(header(&["--by", "appropriation"]).contains(",子项目类型,预算级次,指标文号,指标编号,"));
    let csv = l.ok(&["statement", "--department", "市建设局", "--format", "csv"]);
    assert!(
        csv.contains(",联合牵头,和美乡村建设专项资金,") && csv.contains(",联合牵头小计（不计入合计）,"),
        "{csv}"
    );

    let zh = l.ok(&["statement", "--department", "市建设局", "--by", "appropriation"]);
    let en = l.ok(&["--lang", "en", "statement", "--department", "市建设局", "--by", "appropriation"]);
    for note in [
        "部门：子项目类型的责任部门",
        "角色：牵头",
        "预算级次、指标文号",
        "补助缩水 = 公平份额 − 累计到位",
        "指标下达到资金类别",
    ] {
        assert!(zh.contains(note), "{note} missing from\n{zh}");
    }
    for note in [
        "department: the department responsible",
        "role: lead",
        "level, doc_no",
        "gap (shrinkage, 补助缩水) = fair_share − received",
        "money is issued to a channel",
    ] {
        assert!(en.contains(note), "{note} missing from\n{en}");
        assert!(!zh.contains(note), "{note} in the Chinese statement");
    }
    assert!(en.contains("co_lead") && en.contains("co-led subtotal (outside the totals)"), "{en}");

    // JSON keys are English whatever the language.
    let v: Value = serde_json::from_str(&l.ok(&[
        "statement",
        "--department",
        "市建设局",
        "--by",
        "appropriation",
        "--format",
        "json",
    ]))
    .expect("json");
    for key in ["county", "project_name", "type", "level", "doc_no", "role", "type_code", "appropriation"] {
        assert!(v["rows"][0].get(key).is_some() && v["co_led"][0].get(key).is_some(), "{key}");
    }
}
