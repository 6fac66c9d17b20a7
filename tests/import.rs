//! Import behaviour a clerk relies on: encodings, Chinese headers, all-or-nothing, idempotence.

mod common;
use common::{fixtures, Ledger};

const ENTRY_ZH: &str = "凭证号,日期,类型,指标编号,子项目编号,金额,被冲销凭证号,摘要\r\n\
N-001,2024-07-01,拨付,A-FARM-NH,S-GRAIN,\"100,000.00\",,按进度拨付\r\n\
N-002,2024/07/02,支付,A-FARM-NH,S-GRAIN,¥40000,,工程款\r\n\
N-003,2024年7月3日,冲销,,,,N-002,冲销：重复支付\r\n";

#[test]
fn reads_gb18030_with_chinese_headers() {
    let l = Ledger::small();
    let (bytes, _, lossy) = encoding_rs::GB18030.encode(ENTRY_ZH);
    assert!(!lossy);
    let path = l.dir.path().join("gbk.csv");
    std::fs::write(&path, &bytes).expect("write");
    let out = l.ok(&["import", "entries", path.to_str().expect("path")]);
    assert!(out.contains("(GB18030): 3 added"), "{out}");
    assert_eq!(l.row("S-GRAIN", "disbursed"), "100000.00");
    assert_eq!(l.row("S-GRAIN", "paid"), "0.00");
}

#[test]
fn reads_utf8_with_bom_and_counts_reimported_rows_as_unchanged() {
    let l = Ledger::small();
    let path = l.file("bom.csv", &format!("\u{feff}{ENTRY_ZH}"));
    assert!(l.ok(&["import", "entries", &path]).contains("(UTF-8 with BOM): 3 added, 0 already recorded"));
    let (before, balances) = (l.bytes(), l.balances_json(&[]));
    let again = l.ok(&["import", "entries", &path]);
    assert!(again.contains("0 added, 3 already recorded (unchanged)"), "{again}");
    assert_eq!(l.balances_json(&[]), balances);
    assert!(l.bytes() == before, "re-importing identical rows must not change the ledger");
}

#[test]
fn importing_the_small_fixture_twice_doubles_nothing() {
    let l = Ledger::small();
    let before = l.balances_json(&[]);
    for kind in ["projects", "subprojects", "appropriations", "entries"] {
        let f = fixtures().join("small").join(format!("{kind}.csv"));
        let out = l.ok(&["import", kind, f.to_str().expect("path")]);
        assert!(out.contains(": 0 added"), "{out}");
    }
    assert_eq!(l.balances_json(&[]), before);
}

#[test]
fn one_bad_row_rejects_the_whole_file_and_lists_every_bad_row() {
    let l = Ledger::small();
    let path = l.file(
        "mixed.csv",
        "voucher,date,kind,appropriation,subproject,amount\n\
         M-1,2024-07-01,allocate,A-FARM-NH,S-GRAIN,100\n\
         M-2,2024-07-01,allocate,A-FARM-NH,S-DREDGE,100\n\
         M-3,2024-07-01,allocate,A-FARM-NH,S-GRAIN,100\n\
         M-4,2024-07-01,pay,A-FARM-NH,S-GRAIN,1\n",
    );
    let err = l.refused(
        &["import", "entries", &path],
        &["mixed.csv:3:", "[R2", "mixed.csv:5:", "[R3", "2 problems found"],
    );
    assert!(!err.contains("mixed.csv:2:") && !err.contains("mixed.csv:4:"), "{err}");
    assert_eq!(l.row("S-GRAIN", "allocated"), "300000.00");
}

#[test]
fn a_row_can_rely_on_rows_before_it_in_the_same_file() {
    let l = Ledger::small();
    let path = l.file(
        "chain.csv",
        "voucher,date,kind,appropriation,subproject,amount\n\
         K-1,2024-07-01,allocate,A-FARM-NH-C,S-FARM,250000.50\n\
         K-2,2024-07-02,disburse,A-FARM-NH-C,S-FARM,250000.50\n\
         K-3,2024-07-03,pay,A-FARM-NH-C,S-FARM,250000.50\n",
    );
    l.ok(&["import", "entries", &path]);
    let v = l.balances_json(&["--project", "P-AGRI"]);
    assert_eq!(v["totals"]["paid"], "500000.50");
    l.ok(&["verify"]);
}

#[test]
fn unknown_extra_columns_are_ignored_and_named() {
    let l = Ledger::new();
    let path = l.file(
        "p.csv",
        "序号,项目编号,项目名称,县市区,项目区范围,实施主体,集成模式,立项日期,精品示范工程,备注\n\
         1,P-1,测试项目,秀洲区,整镇域,王店镇人民政府,地,2024-01-01,否,无\n",
    );
    let out = l.ok(&["import", "projects", &path]);
    assert!(out.contains("1 added") && out.contains("ignored columns: 序号, 备注"), "{out}");
}

#[test]
fn counties_and_channels_resolve_by_code_or_name_and_straight_quotes() {
    let l = Ledger::small();
    let path = l.file(
        "a.csv",
        "appropriation,doc_no,channel,level,county,issued_on,amount\n\
         A-Q,浙财建〔2024〕3号,\"\"\"四好农村路\"\"专项补助资金\",省,NH,2024-06-01,1000\n",
    );
    l.ok(&["import", "appropriations", &path]);
    // One type, two channels: the road sub-project takes money from both.
    for (appropriation, voucher) in [("A-Q", "Q-1"), ("A-ROAD-NH", "Q-2")] {
        l.ok(&common::strs(&l.post("allocate", appropriation, "S-ROAD", "1000", "2024-06-02", voucher)));
    }
    let v = l.balances_json(&["--channel", "rural_roads_fund"]);
    assert_eq!(v["rows"][0]["channel"], "“四好农村路”专项补助资金");
    assert_eq!(v["totals"]["allocated"], "1000.00");
}

#[test]
fn balances_filters_refuse_unknown_values_and_json_amounts_are_strings() {
    let l = Ledger::small();
    let r = l.run(&["balances", "--county", "南湖"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("'南湖' is not a known county (known: 南湖区, 秀洲区"), "{}", r.stderr);
    let r = l.run(&["balances", "--project", "P-NOPE"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("option --project: project 'P-NOPE' is not recorded"), "{}", r.stderr);
    let v = l.balances_json(&["--county", "嘉善县"]);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["subproject"], "S-JS-FARM");
    for key in ["allocated", "withdrawn", "disbursed", "returned", "paid", "balance"] {
        assert!(rows[0][key].is_string(), "{key} must be a string");
    }
    assert_eq!(rows[0]["balance"], "1500000.00");
}

#[test]
fn csv_out_has_a_bom_and_english_headers_on_request() {
    let l = Ledger::small();
    l.ok(&["balances", "--format", "csv", "--lang", "en", "--out", "b.csv"]);
    let bytes = std::fs::read(l.dir.path().join("b.csv")).expect("b.csv");
    assert!(
        bytes.starts_with(
            b"\xEF\xBB\xBFproject,subproject,channel,allocated,withdrawn,disbursed,returned,paid,balance\r\n"
        ) || bytes.starts_with(
            b"\xEF\xBB\xBFproject,subproject,channel,allocated,withdrawn,disbursed,returned,paid,balance\n"
        )
    );
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(
        text.contains(
            "P-AGRI,S-FARM,高标准农田专项资金,600000.00,0.00,400000.00,50000.00,250000.00,300000.00"
        ),
        "{text}"
    );
}

#[test]
fn commands_on_a_missing_ledger_say_how_to_create_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(common::BIN)
        .args(["--db", "nope.db", "balances"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("create one with `fundledger --db nope.db init`"));
    assert!(!dir.path().join("nope.db").exists(), "a read must not create a ledger");
}

#[test]
fn a_gb18030_file_whose_first_64_kib_are_ascii_is_still_read_as_gb18030() {
    let l = Ledger::small();
    let mut text = String::from("voucher,date,kind,appropriation,subproject,amount,memo\r\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "W-{i:04},2024-07-01,allocate,A-FARM-NH-C,S-FARM,0.01,ascii memo padding\r\n"
        ));
    }
    text.push_str("W-9999,2024-07-01,allocate,A-FARM-NH-C,S-FARM,0.01,中文摘要\r\n");
    assert!(text.len() > 64 * 1024);
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let path = l.dir.path().join("late-gbk.csv");
    std::fs::write(&path, &bytes).expect("write");
    let out = l.ok(&["import", "entries", path.to_str().expect("path")]);
    assert!(out.contains("(GB18030): 2001 added"), "{out}");
}

#[test]
fn crlf_files_report_physical_line_numbers_even_with_line_breaks_in_cells() {
    let l = Ledger::small();
    let f = l.file(
        "crlf.csv",
        "voucher,date,kind,appropriation,subproject,amount,memo\r\n\
         L-1,2024-07-01,allocate,A-FARM-NH-C,S-FARM,1,\"第一行\r\n第二行\"\r\n\
         \r\n\
         L-2,2024-07-01,allocate,A-FARM-NH-C,S-FARM,x,\r\n",
    );
    l.refused(&["import", "entries", &f], &["crlf.csv:5: column amount: 'x' is not an amount"]);
}

#[test]
fn headers_may_carry_the_yuan_unit_and_unknown_headers_are_named_on_refusal() {
    let l = Ledger::small();
    let ok = l.file(
        "unit.csv",
        "凭证号,日期,类型,指标编号,子项目编号,金额（元）\nU-1,2024-07-01,分配,A-FARM-NH-C,S-FARM,100\n",
    );
    l.ok(&["import", "entries", &ok]);
    let bad = l.file(
        "wan.csv",
        "凭证号,日期,类型,指标编号,子项目编号,金额（万元）\nU-2,2024-07-01,分配,A-FARM-NH-C,S-FARM,100\n",
    );
    l.refused(
        &["import", "entries", &bad],
        &["needs the amount", "these columns were not recognised and were ignored: 金额（万元）"],
    );
}
