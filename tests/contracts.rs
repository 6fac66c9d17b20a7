//! Contracts (policy 四（三）): a unified tender over sub-projects of one department, an EPC
//! contract across departments within a project, paid voucher by voucher from each
//! sub-project's own channels, split by share to the fen, never beyond a share, all or nothing.

mod common;

use common::{strs, Ledger};

const ENTRIES: &str = "凭证号,分录号,日期,类型,指标编号,子项目编号,金额,摘要\n";
const CONTRACT_HEADER: &str = "合同编号,合同名称,中标单位,发包方式,签订日期,子项目编号,分摊金额\n";

/// The small city, with a third 市农业农村局 sub-project (S-FARM2) and money disbursed to all
/// three from both farmland lines: S-FARM holds 100,000 on A-FARM-NH and 80,000 on A-FARM-NH-C;
/// S-GRAIN and S-FARM2 50,000 and 80,000.
fn city() -> Ledger {
    let l = Ledger::small();
    let sub = l.file(
        "sub.csv",
        "subproject,project,type,status,quantity,unit,investment,letter,standalone_amount,standalone_doc\n\
         S-FARM2,P-AGRI,高标准农田建设,ongoing,500,亩,1500000,南湖区农业农村局确认书〔2024〕1号,,\n",
    );
    l.ok(&["import", "subprojects", &sub]);
    let money = l.file(
        "money.csv",
        &format!(
            "{ENTRIES}\
             M-1,1,2024-06-01,分配,A-FARM-NH-C,S-FARM,80000,\n\
             M-1,2,2024-06-01,分配,A-FARM-NH-C,S-GRAIN,80000,\n\
             M-1,3,2024-06-01,分配,A-FARM-NH-C,S-FARM2,80000,\n\
             M-2,1,2024-06-01,分配,A-FARM-NH,S-FARM2,50000,\n\
             M-3,1,2024-06-02,拨付,A-FARM-NH-C,S-FARM,80000,\n\
             M-3,2,2024-06-02,拨付,A-FARM-NH-C,S-GRAIN,80000,\n\
             M-3,3,2024-06-02,拨付,A-FARM-NH-C,S-FARM2,80000,\n\
             M-3,4,2024-06-02,拨付,A-FARM-NH,S-GRAIN,50000,\n\
             M-3,5,2024-06-02,拨付,A-FARM-NH,S-FARM2,50000,\n"
        ),
    );
    l.ok(&["import", "entries", &money]);
    l
}

fn unified(l: &Ledger) -> String {
    l.file(
        "unified.csv",
        &format!(
            "{CONTRACT_HEADER}\
             HT-2024-01,凤桥镇农田统一招标,嘉兴农建有限公司,统一招投标,2024-06-15,S-FARM,150000\n\
             HT-2024-01,凤桥镇农田统一招标,嘉兴农建有限公司,统一招投标,2024-06-15,S-GRAIN,90000\n\
             HT-2024-01,凤桥镇农田统一招标,嘉兴农建有限公司,统一招投标,2024-06-15,S-FARM2,60000\n"
        ),
    )
}

fn pay(voucher: &str, amount: &str, date: &str) -> Vec<String> {
    [
        "pay-contract",
        "--contract",
        "HT-2024-01",
        "--amount",
        amount,
        "--date",
        date,
        "--voucher",
        voucher,
        "--commit",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn contracts_json(l: &Ledger) -> serde_json::Value {
    serde_json::from_str(&l.ok(&["contracts", "--format", "json"])).expect("contracts prints JSON")
}

fn share_row(v: &serde_json::Value, contract: &str, subproject: &str) -> serde_json::Value {
    v["contracts"]
        .as_array()
        .expect("contracts")
        .iter()
        .find(|r| r["contract"] == contract && r["subproject"] == subproject)
        .cloned()
        .unwrap_or_else(|| panic!("no row for {contract} {subproject}: {v}"))
}

/// The voucher's lines as (line, subproject, appropriation, amount), from the entries JSON.
fn lines(plan: &str) -> Vec<(u64, String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(plan).expect("plan JSON");
    v["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .flat_map(|p| {
            let sub = p["subproject"].as_str().expect("sub").to_string();
            p["lines"].as_array().expect("lines").iter().map(move |x| {
                (
                    x["line"].as_u64().expect("line"),
                    sub.clone(),
                    x["appropriation"].as_str().expect("appropriation").to_string(),
                    x["amount"].as_str().expect("amount").to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn a_unified_contract_is_paid_in_three_instalments_from_two_lines_each() {
    let l = city();
    let out = l.ok_en(&["import", "contracts", &unified(&l)]);
    assert!(out.contains("3 added"), "{out}");
    // A plan shows without writing anything.
    let before = l.bytes();
    let plan = l.ok(&[
        "pay-contract",
        "--contract",
        "HT-2024-01",
        "--amount",
        "100000",
        "--date",
        "2024-07-01",
        "--voucher",
        "付-1",
        "--format",
        "json",
    ]);
    assert!(l.bytes() == before, "a plan writes nothing");
    assert_eq!(
        lines(&plan),
        vec![
            (1, "S-FARM".into(), "A-FARM-NH".into(), "50000.00".into()),
            (2, "S-GRAIN".into(), "A-FARM-NH".into(), "30000.00".into()),
            (3, "S-FARM2".into(), "A-FARM-NH".into(), "20000.00".into()),
        ]
    );
    l.ok(&strs(&pay("付-1", "100000", "2024-07-01")));
    // The second instalment crosses from the older line to the newer one.
    let second = l.ok(&[&strs(&pay("付-2", "120000", "2024-08-01"))[..], &["--format", "json"]].concat());
    assert_eq!(
        lines(&second),
        vec![
            (1, "S-FARM".into(), "A-FARM-NH".into(), "50000.00".into()),
            (2, "S-FARM".into(), "A-FARM-NH-C".into(), "10000.00".into()),
            (3, "S-GRAIN".into(), "A-FARM-NH".into(), "20000.00".into()),
            (4, "S-GRAIN".into(), "A-FARM-NH-C".into(), "16000.00".into()),
            (5, "S-FARM2".into(), "A-FARM-NH".into(), "24000.00".into()),
        ]
    );
    let third = l.ok(&[&strs(&pay("付-3", "80000", "2024-09-01"))[..], &["--format", "json"]].concat());
    assert_eq!(lines(&third).len(), 4, "{third}");
    let v = contracts_json(&l);
    for (sub, share) in [("S-FARM", "150000.00"), ("S-GRAIN", "90000.00"), ("S-FARM2", "60000.00")] {
        let r = share_row(&v, "HT-2024-01", sub);
        assert_eq!(r["share"], share);
        assert_eq!(r["paid"], share, "{r}");
        assert_eq!(r["remaining"], "0.00");
    }
    // Paid per channel, and each sub-project from both lines of it.
    assert!(
        v["paid_by_channel"].as_array().expect("rows").iter().all(|r| r["channel"] == "高标准农田专项资金"),
        "{v}"
    );
    assert_eq!(v["payments"].as_array().expect("payments").len(), 3);
    // Nothing beyond a share: one fen more is refused, nothing written.
    l.refused_en(&strs(&pay("付-4", "0.01", "2024-09-02")), &["never exceed its share", "R"]);
    // The ledger's balances moved by exactly what was paid.
    assert_eq!(l.row("S-FARM", "paid"), "400000.00");
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_payment_short_of_money_is_refused_naming_the_subproject_and_channel() {
    let l = city();
    let epc = l.file(
        "epc.csv",
        &format!(
            "{CONTRACT_HEADER}\
             HT-EPC-1,凤桥镇全过程咨询+工程总承包,浙江某工程总承包公司,工程总承包,2024-06-20,S-FARM,100000\n\
             HT-EPC-1,凤桥镇全过程咨询+工程总承包,浙江某工程总承包公司,工程总承包,2024-06-20,S-DREDGE,100000\n"
        ),
    );
    // An EPC contract may span departments within one project.
    l.ok(&["import", "contracts", &epc]);
    // S-DREDGE has 400,000 allocated but nothing disbursed: its half cannot be paid.
    l.refused_en(
        &[
            "pay-contract",
            "--contract",
            "HT-EPC-1",
            "--amount",
            "20000",
            "--date",
            "2024-07-01",
            "--voucher",
            "付-E1",
            "--commit",
        ],
        &["S-DREDGE's part 10000.00 exceeds the 0.00 disbursed to it", "R3", "disburse first"],
    );
    // Once disbursed, the payment goes through; a reversal undoes all its lines.
    l.ok(&strs(&l.post("disburse", "A-WATER-NH", "S-DREDGE", "50000", "2024-06-25", "M-9")));
    l.ok(&[
        "pay-contract",
        "--contract",
        "HT-EPC-1",
        "--amount",
        "20000",
        "--date",
        "2024-07-01",
        "--voucher",
        "付-E1",
        "--commit",
    ]);
    let v = contracts_json(&l);
    assert_eq!(share_row(&v, "HT-EPC-1", "S-DREDGE")["paid"], "10000.00");
    l.ok(&["reverse", "付-E1", "--voucher", "冲-E1", "--reason", "付款有误", "--date", "2024-07-02"]);
    let v = contracts_json(&l);
    assert_eq!(share_row(&v, "HT-EPC-1", "S-DREDGE")["paid"], "0.00");
    assert_eq!(share_row(&v, "HT-EPC-1", "S-FARM")["paid"], "0.00");
    let payments = v["payments"].as_array().expect("payments");
    assert_eq!(payments[0]["status"], "reversed", "{v}");
    // Commitments: what contracts commit beside what each sub-project holds.
    let total = v["commitments"]
        .as_array()
        .expect("commitments")
        .iter()
        .find(|r| r["subproject"] == "S-DREDGE" && r["channel"] == "")
        .cloned()
        .expect("a total row for S-DREDGE");
    assert_eq!(total["committed"], "100000.00");
    assert_eq!(total["balance"], "400000.00");
    assert_eq!(total["free"], "300000.00");
    // A voucher number is used once.
    l.refused_en(
        &[
            "pay-contract",
            "--contract",
            "HT-EPC-1",
            "--amount",
            "20000",
            "--date",
            "2024-07-03",
            "--voucher",
            "付-E1",
            "--commit",
        ],
        &["already used"],
    );
}

#[test]
fn every_contract_rule_refuses_with_its_reason_and_writes_nothing() {
    let l = city();
    let cases: [(&str, &[&str]); 7] = [
        (
            "HT-X,统一招标,甲公司,unified,2024-06-15,S-FARM,100\nHT-X,统一招标,甲公司,unified,2024-06-15,S-DREDGE,100\n",
            &["x.csv:3", "S-DREDGE's type is led by", "a unified tender joins sub-projects of one competent department"],
        ),
        (
            "HT-X,总承包,乙公司,epc,2024-06-15,S-FARM,100\nHT-X,总承包,乙公司,epc,2024-06-15,S-ROAD,100\n",
            &["x.csv:3", "S-ROAD is of project P-LAND, not P-AGRI", "an EPC contract stays within one project"],
        ),
        ("HT-X,单项,丙公司,single,2024-06-15,S-EXCL,100\n", &["x.csv:2", "S-EXCL is excluded"]),
        (
            "HT-X,单项,丙公司,single,2024-06-15,S-FARM,100\nHT-X,单项,丙公司,single,2024-06-15,S-GRAIN,100\n",
            &["x.csv:3", "single contract HT-X covers one sub-project"],
        ),
        ("HT-X,单项,丙公司,single,2024-06-15,S-FARM,0\n", &["x.csv:2", "R6"]),
        ("HT-X,单项,丙公司,single,2024-06-15,S-FARM,100.001\n", &["x.csv:2", "R6"]),
        (
            "HT-X,统一招标,甲公司,unified,2024-06-15,S-FARM,100\nHT-X,统一招标,丁公司,unified,2024-06-15,S-GRAIN,100\n",
            &["x.csv:3", "contractor"],
        ),
    ];
    for (rows, fragments) in cases {
        let f = l.file("x.csv", &format!("{CONTRACT_HEADER}{rows}"));
        l.refused_en(&["import", "contracts", &f], fragments);
    }
    // Never edited: given again the same, unchanged; with another share, refused (amend it).
    let f = unified(&l);
    l.ok(&["import", "contracts", &f]);
    let again = l.ok_en(&["import", "contracts", &f]);
    assert!(again.contains("0 added, 3 already recorded"), "{again}");
    let text = std::fs::read_to_string(&f).expect("read");
    let changed = l.file("changed.csv", &text.replace("S-FARM2,60000", "S-FARM2,70000"));
    l.refused_en(&["import", "contracts", &changed], &["share 60000.00, not 70000.00", "amend contract"]);
    // The amendment: appended with its document and reason; the share in force changes.
    l.ok(&[
        "amend",
        "contract",
        "HT-2024-01",
        "--subproject",
        "S-FARM2",
        "--amount",
        "70000",
        "--effective",
        "2024-07-01",
        "--doc",
        "补充协议〔2024〕1号",
        "--reason",
        "增加工程量",
    ]);
    let v = contracts_json(&l);
    assert_eq!(share_row(&v, "HT-2024-01", "S-FARM2")["share"], "70000.00");
    // An amendment adding a sub-project of another department to a unified tender is refused.
    l.refused_en(
        &[
            "amend",
            "contract",
            "HT-2024-01",
            "--subproject",
            "S-DREDGE",
            "--amount",
            "1",
            "--effective",
            "2024-07-01",
            "--doc",
            "补充协议〔2024〕2号",
            "--reason",
            "并入",
        ],
        &["a unified tender joins sub-projects of one competent department"],
    );
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn check_warns_when_contracts_commit_more_than_was_allocated() {
    let l = city();
    let big = l.file(
        "big.csv",
        &format!("{CONTRACT_HEADER}HT-BIG,大合同,戊公司,single,2024-06-15,S-FARM2,200000\n"),
    );
    l.ok(&["import", "contracts", &big]);
    let r = l.run_en(&["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let flag = v["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .find(|f| f["kind"] == "overcommitted")
        .cloned()
        .expect("an overcommitted flag");
    assert_eq!(flag["subproject"], "S-FARM2");
    assert_eq!(flag["amount"], "200000.00");
    assert_eq!(flag["received"], "130000.00");
    assert!(flag["message"].as_str().is_some_and(|m| m.contains("HT-BIG")), "{flag}");
}

#[test]
fn contract_payments_can_wait_for_approval_and_reconcile_by_voucher_over_their_lines() {
    let l = city();
    l.ok(&["import", "contracts", &unified(&l)]);
    l.ok(&["approval", "--kinds", "pay"]);
    let out = l.ok_en(&strs(&pay("付-A", "100000", "2024-07-01")));
    assert!(out.contains("submitted for approval"), "{out}");
    let v = contracts_json(&l);
    assert_eq!(share_row(&v, "HT-2024-01", "S-FARM")["pending"], "50000.00");
    assert_eq!(share_row(&v, "HT-2024-01", "S-FARM")["paid"], "0.00");
    let p: serde_json::Value = serde_json::from_str(&l.ok(&["pending", "--format", "json"])).expect("JSON");
    let id = p["rows"][0]["id"].as_i64().expect("id").to_string();
    l.ok(&["approve", &id, "--operator", "复核员"]);
    let v = contracts_json(&l);
    assert_eq!(share_row(&v, "HT-2024-01", "S-FARM")["paid"], "50000.00");
    // The body's books know the one voucher number, per sub-project.
    let payments = l.file(
        "body.csv",
        "凭证号,日期,子项目编号,金额\nV-004,2024-05-01,S-FARM,250000\n付-A,2024-07-01,S-FARM,50000\n付-A,2024-07-01,S-GRAIN,30000\n付-A,2024-07-01,S-FARM2,20000\n",
    );
    let r = l.run(&["reconcile", "--project", "P-AGRI", "--payments", &payments, "--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
    assert_eq!(v["mismatched"], false, "{v}");
    let rows: Vec<&serde_json::Value> = v["payments"]["rows"]
        .as_array()
        .expect("payment matches")
        .iter()
        .filter(|r| r["voucher"] == "付-A")
        .collect();
    assert_eq!(rows.len(), 3, "{v}");
    for r in &rows {
        assert_eq!(r["status"], "matched", "{r}");
        assert_eq!(r["ledger_amount"], r["records_amount"], "{r}");
    }
    // The S-FARM part was paid by one line; the ledger names the line.
    let farm = rows.iter().find(|r| r["ledger_subproject"] == "S-FARM").expect("S-FARM");
    assert_eq!(farm["ledger_lines"], serde_json::json!([1]), "{farm}");
}
