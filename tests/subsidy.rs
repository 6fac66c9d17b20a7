//! Entitlements, the allocator command and `check`, on `fixtures/small/` with the built-in
//! (sample) rules. Every expected figure is computed by hand in the comments.

mod common;
use common::Ledger;
use serde_json::Value;

fn json(l: &Ledger, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let r = l.run_en(&a);
    assert!(r.code == 0 || r.code == 3, "{args:?}: {}{}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON")
}

fn rows<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().expect("array")
}

/// (subproject, channel, entitlement, received) of every entitlement row.
fn entitlement_rows(l: &Ledger) -> Vec<(String, String, String, String)> {
    rows(&json(l, &["entitlements"]), "rows")
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().expect(k).to_string();
            (s("subproject"), s("channel"), s("entitlement"), s("received"))
        })
        .collect()
}

fn t(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into())
}

#[test]
fn entitlements_follow_the_rules_and_the_approved_standalone_amount() {
    let l = Ledger::small();
    assert_eq!(
        entitlement_rows(&l),
        [
            // 12.5 km × 200,000.00 (cap 3,000,000.00); received 400,000.00.
            t("S-DREDGE", "“五水共治”专项补助资金", "2500000.00", "400000.00"),
            // 1,200 亩 × 3,000.00; received 600,000 − 50,000 returned.
            t("S-FARM", "高标准农田专项资金", "3600000.00", "550000.00"),
            // 800 亩 × 1,000.00 (type-specific rule of the same channel); the withdrawal was reversed.
            t("S-GRAIN", "高标准农田专项资金", "800000.00", "300000.00"),
            // The approved standalone amount wins on the primary channel …
            t("S-ROAD", "交通运输发展专项资金", "500000.00", "0.00"),
            // … and the type's second channel follows its rule: 8.2 km × 100,000.00.
            t("S-ROAD", "“四好农村路”专项补助资金", "820000.00", "0.00"),
            t("S-JS-FARM", "高标准农田专项资金", "6000000.00", "1500000.00"),
            // 30% of 2,000,000.00 planned investment. S-EXCL (excluded) has no row.
            t("S-JS-OLD", "老旧小区改造专项补助资金", "600000.00", "0.00"),
        ]
    );
    let table = l.ok(&["entitlements", "--project", "P-LAND"]);
    assert!(table.contains("单独立项批复补助额（嘉交〔2024〕7号）"), "{table}");
    assert!(table.contains("［示例数字，非官方］"), "{table}");
    let table = l.ok(&["--lang", "en", "entitlements", "--project", "P-LAND"]);
    assert!(table.contains("approved standalone amount 单独补助 (嘉交〔2024〕7号)"), "{table}");
    assert!(table.contains("[示例 sample figure]"), "{table}");
}

#[test]
fn allocate_plans_by_hand_computed_shares_and_commits_them_once() {
    let l = Ledger::small();
    // A-FARM-NH-C: 250,000.50 for outstanding S-FARM 3,050,000 and S-GRAIN 500,000 (shortage).
    // Only these two are eligible: S-EXCL has the same type but is excluded, S-DREDGE's type
    // is not one the farmland channel pays, S-JS-FARM is in another county.
    // 南湖区 was issued 1,250,000.50 on the channel against entitlements of 4,400,000 (S-FARM
    // 3,600,000, S-GRAIN 800,000): fair shares 1,022,727.68 and 227,272.82. S-GRAIN has
    // received 300,000 (more than its share), S-FARM 550,000: only S-FARM is due (472,727.68),
    // and gets the whole 250,000.50.
    let plan = json(&l, &["allocate", "--appropriation", "A-FARM-NH-C"]);
    let got: Vec<(String, String, String)> = rows(&plan, "rows")
        .iter()
        .map(|r| {
            (
                r["subproject"].as_str().expect("s").into(),
                r["allocation"].as_str().expect("a").into(),
                r["shortfall"].as_str().expect("f").into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("S-FARM".into(), "250000.50".into(), "2799999.50".into()),
            ("S-GRAIN".into(), "0.00".into(), "500000.00".into())
        ]
    );
    assert_eq!(plan["totals"]["allocation"], "250000.50");
    // The plan alone writes nothing.
    assert_eq!(l.row("S-GRAIN", "allocated"), "300000.00");
    l.ok_en(&["allocate", "--appropriation", "A-FARM-NH-C", "--commit", "--date", "2024-08-01"]);
    let v = l.balances_json(&["--project", "P-AGRI"]);
    let grain: i64 = rows(&v, "rows")
        .iter()
        .filter(|r| r["subproject"] == "S-GRAIN")
        .map(|r| r["allocated"].as_str().expect("a").replace('.', "").parse::<i64>().expect("fen"))
        .sum();
    assert_eq!(grain, 30_000_000, "300,000.00 and nothing more");
    let due: Vec<&str> = rows(&plan, "rows").iter().map(|r| r["due"].as_str().expect("due")).collect();
    assert_eq!(due, ["472727.68", "0.00"]);
    // Running it again divides only what is left: nothing.
    let again = json(&l, &["allocate", "--appropriation", "A-FARM-NH-C"]);
    assert_eq!(again["totals"]["allocation"], "0.00");
    l.ok_en(&["allocate", "--appropriation", "A-FARM-NH-C", "--commit", "--date", "2024-08-02"]);
    assert_eq!(l.balances_json(&[])["totals"]["allocated"], "3050000.50");
    l.ok_en(&["verify"]);
}

fn add_appropriation(l: &Ledger, code: &str, amount: &str) {
    let f = l.file(
        &format!("{code}.csv"),
        &format!("appropriation,doc_no,channel,level,county,issued_on,amount\n{code},浙财农〔2024〕77号,高标准农田专项资金,省,南湖区,2024-08-01,{amount}\n"),
    );
    l.ok_en(&["import", "appropriations", &f]);
}

fn shrinkage(l: &Ledger) -> Vec<(String, String)> {
    let v = json(l, &["check", "--as-of", "2024-09-01"]);
    rows(&v, "flags")
        .iter()
        .filter(|f| f["kind"] == "shrinkage")
        .map(|f| {
            (f["subproject"].as_str().expect("s").to_string(), f["gap"].as_str().expect("gap").to_string())
        })
        .collect()
}

#[test]
fn a_committed_allocation_that_covers_entitlements_clears_their_shrinkage_flags() {
    let l = Ledger::small();
    // Fair share 1,022,727.68 (see above) − 550,000 received.
    assert!(shrinkage(&l).contains(&("S-FARM".into(), "472727.68".into())), "{:?}", shrinkage(&l));
    // Outstanding on the farmland channel in 南湖区: 3,050,000 + 500,000 = 3,550,000.
    add_appropriation(&l, "A-BIG", "5000000");
    let out = l.ok(&["allocate", "--appropriation", "A-BIG", "--commit", "--date", "2024-08-15"]);
    assert!(out.contains("留在指标上 1,450,000.00"), "{out}");
    let flags = shrinkage(&l);
    assert!(flags.iter().all(|(s, _)| s != "S-FARM" && s != "S-GRAIN"), "{flags:?}");
    // S-DREDGE received all 400,000 南湖区 was issued on its channel: short of its 2,500,000
    // entitlement, but that is underfunding at the source, not shrinkage.
    assert!(flags.iter().all(|(s, _)| s != "S-DREDGE"), "{flags:?}");
    let v = json(&l, &["check", "--as-of", "2024-09-01"]);
    let under: Vec<(&str, &str)> = rows(&v, "flags")
        .iter()
        .filter(|f| f["kind"] == "underfunded" && f["county"] == "南湖区")
        .map(|f| (f["channel"].as_str().expect("channel"), f["underfunding"].as_str().expect("amount")))
        .collect();
    assert!(under.contains(&("“五水共治”专项补助资金", "2100000.00")), "{under:?}");
}

#[test]
fn money_given_beyond_a_fair_share_is_another_subprojects_shrinkage_to_the_fen() {
    let l = Ledger::small();
    // 南湖区's farmland channel gets 355,000 more: 1,605,000.50 issued against 4,400,000 of
    // entitlements. Fair shares by largest remainder: S-FARM 160,500,050 × 9/11 fen =
    // 131,318,222.27 → 1,313,182.23 (it takes the spare fen), S-GRAIN 291,818.27.
    add_appropriation(&l, "A-SHORT", "355000");
    // Every fen issued is divided: A-FARM-NH-C, A-SHORT, and what A-FARM-NH still holds
    // (150,000: 900,000 allocated, 50,000 returned). S-GRAIN is past its fair share, so it all
    // goes to S-FARM: 550,000 + 250,000.50 + 355,000 + 150,000 = 1,305,000.50.
    for a in ["A-FARM-NH-C", "A-SHORT", "A-FARM-NH"] {
        l.ok(&["allocate", "--appropriation", a, "--commit", "--date", "2024-08-15"]);
    }
    // With S-DREDGE's 400,000 on another channel.
    assert_eq!(l.balances_json(&["--project", "P-AGRI"])["totals"]["allocated"], "2055000.50");
    // The 8,181.73 S-GRAIN received beyond its fair share in March is S-FARM's shrinkage.
    let flags: Vec<(String, String)> =
        shrinkage(&l).into_iter().filter(|(s, _)| s == "S-FARM" || s == "S-GRAIN").collect();
    assert_eq!(flags, [("S-FARM".to_string(), "8181.73".to_string())], "{flags:?}");
    let v = json(&l, &["check", "--as-of", "2024-09-01"]);
    let farm = rows(&v, "flags")
        .iter()
        .find(|f| f["kind"] == "shrinkage" && f["subproject"] == "S-FARM")
        .expect("flag");
    for key in [
        "kind",
        "project",
        "subproject",
        "channel",
        "entitlement",
        "fair_share",
        "received",
        "gap",
        "underfunding",
        "message",
    ] {
        assert!(!farm[key].is_null(), "{key}");
    }
    assert_eq!(farm["fair_share"], "1313182.23");
    assert_eq!(farm["underfunding"], "2286817.77", "3,600,000 − 1,313,182.23");
    assert_eq!(farm["gap_percent"], "0.62", "8,181.73 ÷ 1,313,182.23");
}

#[test]
fn the_remainder_goes_pro_rata_to_investment_when_asked() {
    let l = Ledger::small();
    add_appropriation(&l, "A-BIG", "5000000");
    // 1,450,000 left after entitlements; investments 3,600,000 : 2,400,000 = 3 : 2.
    let plan = json(&l, &["allocate", "--appropriation", "A-BIG", "--remainder", "pro-rata"]);
    let remainder: Vec<&str> =
        rows(&plan, "rows").iter().map(|r| r["from_remainder"].as_str().expect("r")).collect();
    assert_eq!(remainder, ["870000.00", "580000.00"]);
    assert_eq!(plan["totals"]["allocation"], "5000000.00");
}

#[test]
fn check_exits_3_with_flags_and_0_without() {
    let l = Ledger::small();
    assert_eq!(l.run_en(&["check", "--as-of", "2024-09-01"]).code, 3);
    let empty = Ledger::new();
    let r = empty.run_en(&["check", "--as-of", "2024-09-01"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Appropriation findings: A-FARM-JS is half unallocated 400+ days after issue, and its
    // disbursed money unpaid more than a year.
    let v = json(&l, &["--lang", "en", "check", "--as-of", "2025-06-30"]);
    let kinds: Vec<(&str, &str)> = rows(&v, "flags")
        .iter()
        .filter(|f| f["appropriation"] == "A-FARM-JS")
        .map(|f| (f["kind"].as_str().expect("kind"), f["message"].as_str().expect("m")))
        .collect();
    assert!(
        kinds.iter().any(|(k, m)| *k == "unallocated" && m.contains("500,000.00 unallocated after 486 days")),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(k, m)| *k == "unpaid" && m.contains("1,000,000.00 disbursed to sub-project S-JS-FARM")),
        "{kinds:?}"
    );
}

#[test]
fn rules_import_refuses_overlaps_and_widening_and_lists_samples() {
    let l = Ledger::small();
    let header =
        "channel,type,shape,rate,unit,percent,cap,amount,tiers,valid_from,valid_to,source_doc,sample\n";
    let overlap = l.file("o.csv", &format!("{header}高标准农田专项资金,高标准农田建设,per_unit,2000,亩,,,,,2025-01-01,2025-12-31,嘉农〔2025〕1号,no\n"));
    l.refused_en(
        &["import", "rules", &overlap],
        &["rule #6 (3000.00 元/亩, 2023-01-01 to 2027-12-31) already applies", "[overlapping rule]"],
    );
    let widen = l.file(
        "w.csv",
        &format!("{header}高标准农田专项资金,河道清淤,fixed,,,,,100,,2028-01-01,2028-12-31,x,no\n"),
    );
    l.refused_en(&["import", "rules", &widen], &["is not designated to pay type river_dredging", "[R2"]);
    let shape =
        l.file("s.csv", &format!("{header}高标准农田专项资金,,fixed,5,,,,,,2028-01-01,2028-12-31,x,no\n"));
    l.refused_en(
        &["import", "rules", &shape],
        &["a fixed rule takes no rate", "a fixed rule needs the amount"],
    );
    let later = l.file("later.csv", &format!("{header}高标准农田专项资金,高标准农田建设,per_unit,2000,亩,,,,,2028-01-01,2028-12-31,嘉农〔2028〕1号,no\n"));
    l.ok_en(&["import", "rules", &later]);
    let listed = l.ok_en(&["catalog", "rules"]);
    assert!(listed.contains("22 rules, 20 of them illustrative samples"), "{listed}");
}
