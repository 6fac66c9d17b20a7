//! Amounts in 万元: a money column whose header says 万元 (`金额（万元）`, `amount (wan)`) is
//! read in 万元 and converted to fen exactly, or the whole file is refused; `--unit wan`
//! shows 万元 with two decimals and thousands separators, while JSON stays exact yuan.

mod common;
use common::Ledger;

/// Entries in 万元: 12.345678 万元 is 123,456.78 yuan, 0.000001 万元 one fen.
const ENTRIES_WAN: &str = "凭证号,日期,类型,指标编号,子项目编号,金额（万元）,摘要\r\n\
W-1,2024-07-01,分配,A-FARM-NH-C,S-FARM,12.345678,按万元录入\r\n\
W-2,2024-07-02,拨付,A-FARM-NH-C,S-FARM,¥0.000001,一分钱\r\n";

/// Writes `text` as `name`, GB18030-encoded when `gb18030`.
fn write(l: &Ledger, name: &str, text: &str, gb18030: bool) -> String {
    let path = l.dir.path().join(name);
    let bytes = if gb18030 {
        let (bytes, _, lossy) = encoding_rs::GB18030.encode(text);
        assert!(!lossy, "the text is GB18030");
        bytes.into_owned()
    } else {
        text.as_bytes().to_vec()
    };
    std::fs::write(&path, bytes).expect("write csv");
    path.to_str().expect("utf-8 path").to_string()
}

/// What `verify` says about the ledger: its audit head and its entry count.
fn verified(l: &Ledger) -> (String, u64) {
    let v: serde_json::Value = serde_json::from_str(&l.ok_en(&["verify", "--format", "json"])).expect("json");
    (v["head"].as_str().expect("head").to_string(), v["entries"].as_u64().expect("entries"))
}

#[test]
fn entries_in_wan_come_out_exact_to_the_fen_in_utf8_and_gb18030() {
    for (gb18030, encoding) in [(false, "UTF-8"), (true, "GB18030")] {
        let l = Ledger::small();
        let path = write(&l, "wan.csv", ENTRIES_WAN, gb18030);
        let out = l.ok_en(&["import", "entries", &path]);
        assert!(out.contains(&format!("({encoding}): 2 added")), "{out}");
        assert_eq!(l.row("S-FARM", "allocated"), "723456.78", "600,000 + 12.345678 万元 ({encoding})");
        assert_eq!(l.row("S-FARM", "disbursed"), "400000.01", "400,000 + 0.000001 万元 ({encoding})");
        let again = l.ok_en(&["import", "entries", &path]);
        assert!(again.contains("0 added, 2 already recorded"), "the same amounts, read again: {again}");
    }
}

#[test]
fn an_amount_that_is_not_a_whole_fen_in_wan_refuses_the_file_and_leaves_the_ledger_as_it_was() {
    for gb18030 in [false, true] {
        let l = Ledger::small();
        let before = (verified(&l), l.balances_json(&[]));
        let text = format!("{ENTRIES_WAN}W-3,2024-07-03,分配,A-FARM-NH-C,S-FARM,0.0000001,不足一分\r\n");
        let path = write(&l, "fraction.csv", &text, gb18030);
        l.refused_en(
            &["import", "entries", &path],
            &[
                "fraction.csv:4: column 金额（万元） (amount): '0.0000001' 万元 has more than six decimals, \
                 so it is not a whole number of fen",
                "[R6 exact money]",
            ],
        );
        assert_eq!((verified(&l), l.balances_json(&[])), before, "a refused file writes nothing");
    }
}

#[test]
fn every_money_column_reads_wan_where_its_header_says_so() {
    let l = Ledger::small();
    let appropriations = l.file(
        "a.csv",
        "appropriation,doc_no,channel,level,county,issued_on,amount (wan)\n\
         A-WAN,南财农〔2024〕9号,高标准农田专项资金,county,南湖区,2024-05-01,\"1,234.5\"\n",
    );
    l.ok_en(&["import", "appropriations", &appropriations]);
    let plan: serde_json::Value =
        serde_json::from_str(&l.ok_en(&["allocate", "--appropriation", "A-WAN", "--format", "json"]))
            .expect("json");
    assert_eq!(plan["issued"], "12345000.00", "1,234.5 万元");

    let subprojects = l.file(
        "s.csv",
        "subproject,project,type,status,quantity,unit,计划投资(万元),letter,单独补助（万元）,standalone_doc\n\
         S-WAN,P-AGRI,河道清淤,ongoing,3,km,360.5,确认书〔2024〕9号,50.123456,南水〔2024〕1号\n",
    );
    l.ok_en(&["import", "subprojects", &subprojects]);
    let statement: serde_json::Value =
        serde_json::from_str(&l.ok_en(&["statement", "--format", "json"])).expect("json");
    let row = statement["rows"].as_array().expect("rows").iter().find(|r| r["subproject"] == "S-WAN");
    assert_eq!(row.expect("S-WAN is listed")["entitlement"], "501234.56", "50.123456 万元");

    let rules = l.file(
        "r.csv",
        "channel,type,shape,rate(万元),unit,percent,cap（万元）,amount,tiers,valid_from,valid_to,source_doc,sample\n\
         高标准农田专项资金,高标准农田建设,per_unit,0.2,亩,,\"1,000\",,,2028-01-01,2028-12-31,嘉农〔2028〕1号,no\n",
    );
    l.ok_en(&["import", "rules", &rules]);
    let listed = l.ok_en(&["catalog", "rules", "--format", "json"]);
    assert!(listed.contains("2000.00 元/亩") && listed.contains("10000000.00"), "{listed}");

    // The body's payment V-004 of 250,000 yuan, written as 25 万元: reconcile finds it matches.
    let payments = l.file("p.csv", "voucher,date,subproject,支付金额（万元）\nV-004,2024-05-01,S-FARM,25\n");
    l.ok_en(&["reconcile", "--project", "P-AGRI", "--payments", &payments]);
}

#[test]
fn a_wan_header_on_a_column_that_holds_no_amount_is_refused() {
    let l = Ledger::small();
    let path = l.file(
        "dates.csv",
        "凭证号,日期（万元）,类型,指标编号,子项目编号,金额\nX-1,2024-07-01,分配,A-FARM-NH-C,S-FARM,1\n",
    );
    l.refused_en(
        &["import", "entries", &path],
        &["column '日期（万元）' says 万元, but date is not an amount"],
    );
}

#[test]
fn wan_output_has_two_grouped_decimals_and_json_stays_exact_yuan() {
    let l = Ledger::small();
    l.ok_en(&["import", "entries", &write(&l, "wan.csv", ENTRIES_WAN, false)]);
    let table = l.ok(&["statement", "--unit", "wan"]);
    for shown in ["分配（万元）", "72.35", "1,040.00", "四舍五入"] {
        assert!(table.contains(shown), "{shown:?} missing:\n{table}");
    }
    let csv = l.ok(&["statement", "--unit", "wan", "--format", "csv", "--lang", "en"]);
    assert!(
        csv.contains("allocated (10k yuan)") && csv.contains(",72.35,") && csv.contains("\"1,040.00\""),
        "{csv}"
    );
    let json = l.ok_en(&["statement", "--unit", "wan", "--format", "json"]);
    assert!(json.contains("\"allocated\": \"723456.78\""), "JSON is exact yuan whatever the unit:\n{json}");
}
