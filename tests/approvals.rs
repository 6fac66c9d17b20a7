//! Four-eyes approval (maker-checker): movements of the chosen kinds are submitted, reserve
//! their money, take effect only when someone other than the maker approves them, and are
//! released by a rejection with its reason; everything stays on the record and in the chain.

mod common;

use common::{strs, Ledger};

/// A-FARM-NH has 1,000,000 issued and 850,000 drawn: 150,000 available.
fn allocate(l: &Ledger, voucher: &str, amount: &str) -> Vec<String> {
    l.post("allocate", "A-FARM-NH", "S-FARM", amount, "2024-07-01", voucher)
}

fn pending_json(l: &Ledger, all: bool) -> serde_json::Value {
    let mut args = vec!["pending", "--format", "json"];
    if all {
        args.push("--all");
    }
    serde_json::from_str(&l.ok(&args)).expect("pending prints JSON")
}

fn as_checker(args: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    a.extend(["--operator".to_string(), "复核员".to_string()]);
    a
}

#[test]
fn an_allocation_waits_reserves_and_takes_effect_only_when_someone_else_approves_it() {
    let l = Ledger::small();
    let out = l.ok_en(&["approval", "--kinds", "allocate"]);
    assert!(out.contains("a second person approves: allocate (every line)"), "{out}");
    let allocated_before = l.row("S-FARM", "allocated");

    let out = l.ok_en(&strs(&allocate(&l, "V-AP-1", "100000")));
    assert!(out.contains("submitted for approval"), "{out}");
    // Not in effect: the balances do not move.
    assert_eq!(l.row("S-FARM", "allocated"), allocated_before);
    let p = pending_json(&l, false);
    let rows = p["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{p}");
    let row = &rows[0];
    assert_eq!(row["voucher"], "V-AP-1");
    assert_eq!(row["kind"], "allocate");
    assert_eq!(row["appropriation"], "A-FARM-NH");
    assert_eq!(row["subproject"], "S-FARM");
    assert_eq!(row["amount"], "100000.00");
    assert_eq!(row["maker"], "测试员");
    assert!(row["submitted_at"].as_str().is_some_and(|s| s.len() >= 19), "{row}");
    let id = row["id"].as_i64().expect("id").to_string();

    // The reservation counts: 150,000 available less 100,000 reserved leaves 50,000.
    l.refused_en(
        &strs(&allocate(&l, "V-AP-2", "60000")),
        &["R3", "after the 100000.00 reserved by items pending approval"],
    );
    // The same item cannot be submitted twice: given again it is unchanged; changed, refused.
    let again = l.ok_en(&strs(&allocate(&l, "V-AP-1", "100000")));
    assert!(again.contains("already recorded with the same content"), "{again}");
    l.refused_en(&strs(&allocate(&l, "V-AP-1", "90000")), &["V-AP-1", "already submitted for approval"]);

    // Four eyes: the maker cannot approve their own item.
    l.refused_en(&["approve", &id], &["its maker cannot approve or reject it"]);
    let out = l.ok_en(&as_checker(&["approve", &id]).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.contains("approved pending item"), "{out}");
    assert_eq!(l.row("S-FARM", "allocated"), "700000.00");
    // Decided once.
    l.refused_en(
        &as_checker(&["approve", &id]).iter().map(String::as_str).collect::<Vec<_>>(),
        &["already approved by 复核员"],
    );
    assert!(pending_json(&l, false)["rows"].as_array().expect("rows").is_empty());
    let all = pending_json(&l, true);
    assert_eq!(all["rows"][0]["status"], "approved", "{all}");
    assert_eq!(all["rows"][0]["checker"], "复核员", "{all}");
    // The approved entry is the maker's, under the same voucher; the journal names both.
    let log = l.ok_en(&["log"]);
    assert!(log.contains("approve") && log.contains("复核员"), "{log}");
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_rejection_gives_its_reason_releases_the_money_and_uses_up_the_voucher() {
    let l = Ledger::small();
    l.ok(&["approval", "--kinds", "allocate,withdraw", "--above", "1000"]);
    // 1,000 or less takes effect at once.
    let out = l.ok_en(&strs(&allocate(&l, "V-SMALL", "1000")));
    assert!(out.contains("recorded allocate"), "{out}");
    l.ok(&strs(&allocate(&l, "V-AP-3", "149000")));
    let id = pending_json(&l, false)["rows"][0]["id"].as_i64().expect("id").to_string();
    l.refused_en(
        &as_checker(&["reject", &id, "--reason", " "]).iter().map(String::as_str).collect::<Vec<_>>(),
        &["a rejection gives its reason"],
    );
    let out = l.ok_en(
        &as_checker(&["reject", &id, "--reason", "金额与批复不符"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(out.contains("the money it reserved is released"), "{out}");
    // Released: the whole 149,000 can be allocated again, under a new voucher.
    l.refused_en(&strs(&allocate(&l, "V-AP-3", "149000")), &["was rejected by 复核员", "金额与批复不符"]);
    let out = l.ok_en(&strs(&allocate(&l, "V-AP-4", "149000")));
    assert!(out.contains("submitted for approval"), "{out}");
    let all = pending_json(&l, true);
    let rejected = all["rows"].as_array().expect("rows").iter().find(|r| r["voucher"] == "V-AP-3").cloned();
    let rejected = rejected.expect("the rejected item stays on the record");
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["reason"], "金额与批复不符");
    // Turning approval off leaves what waits waiting; new entries take effect at once.
    l.ok(&["approval", "--kinds", "none"]);
    let out = l.ok_en(&strs(&l.post("disburse", "A-FARM-NH", "S-GRAIN", "1000", "2024-07-02", "V-OFF")));
    assert!(out.contains("recorded disburse"), "{out}");
    assert_eq!(pending_json(&l, false)["rows"].as_array().expect("rows").len(), 1);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn an_import_submits_its_vouchers_and_a_voucher_is_pending_or_recorded_whole() {
    let l = Ledger::small();
    l.ok(&["approval", "--kinds", "pay"]);
    let file = l.file(
        "pay.csv",
        "凭证号,分录号,日期,类型,指标编号,子项目编号,金额,摘要\n\
         记-P-1,1,2024-07-01,支付,A-FARM-NH,S-FARM,10000,工程款\n\
         记-P-1,2,2024-07-01,支付,A-FARM-NH,S-FARM,5000,监理费\n\
         记-D-1,1,2024-07-01,拨付,A-FARM-NH,S-GRAIN,2000,拨付\n",
    );
    let out = l.ok_en(&["import", "entries", &file]);
    assert!(out.contains("1 added") && out.contains("2 submitted for approval"), "{out}");
    let again = l.ok_en(&["import", "entries", &file]);
    assert!(again.contains("0 added, 3 already recorded (unchanged)"), "{again}");
    let p = pending_json(&l, false);
    let rows = p["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], rows[1]["id"], "a voucher's lines are one item: {p}");
    // A voucher recorded at once cannot take a line that would wait.
    let mixed = l.file(
        "mixed.csv",
        "凭证号,分录号,日期,类型,指标编号,子项目编号,金额,摘要\n\
         记-M-1,1,2024-07-01,拨付,A-FARM-NH,S-GRAIN,100,拨付\n\
         记-M-1,2,2024-07-01,支付,A-FARM-NH,S-FARM,100,支付\n",
    );
    l.refused_en(
        &["import", "entries", &mixed],
        &["mixed.csv:3", "waits for approval whole or is recorded whole"],
    );
}

#[test]
fn items_waiting_more_than_thirty_days_are_flagged_by_check() {
    let l = Ledger::small();
    l.ok(&["approval", "--kinds", "allocate"]);
    l.ok(&strs(&allocate(&l, "V-AP-5", "100")));
    let today = chrono::Local::now().date_naive();
    let flags = |days: i64| -> Vec<serde_json::Value> {
        let as_of = (today + chrono::Duration::days(days)).to_string();
        let r = l.run(&["check", "--as-of", &as_of, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("check prints JSON");
        v["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .filter(|f| f["kind"] == "stale_pending")
            .cloned()
            .collect()
    };
    assert!(flags(30).is_empty());
    let stale = flags(31);
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0]["days"], 31);
    assert_eq!(stale[0]["subproject"], "S-FARM");
    assert!(stale[0]["message"].as_str().is_some_and(|m| m.contains("V-AP-5")), "{stale:?}");
}

#[test]
fn sqlite_itself_refuses_a_reservation_beyond_the_money_and_a_self_approval() {
    let l = Ledger::small();
    l.ok(&["approval", "--kinds", "allocate"]);
    l.ok(&strs(&allocate(&l, "V-AP-6", "150000")));
    let conn = rusqlite::Connection::open(&l.db).expect("open");
    conn.execute("INSERT INTO pending_items (voucher, maker, submitted_at) VALUES ('V-SQL', 'x', '2024-07-01T00:00:00+08:00')", [])
        .expect("a head alone reserves nothing");
    let err = conn
        .execute(
            "INSERT INTO pending_lines (item_id, line, date, kind, appropriation_id, subproject_id, amount_fen)
             SELECT p.id, 1, '2024-07-01', 'allocate', a.id, s.id, 1 FROM pending_items p, appropriations a, subprojects s
             WHERE p.voucher = 'V-SQL' AND a.code = 'A-FARM-NH' AND s.code = 'S-FARM'",
            [],
        )
        .expect_err("one fen more than is left is refused");
    assert!(err.to_string().contains("R3: pending items would reserve more"), "{err}");
    let err = conn
        .execute(
            "INSERT INTO pending_decisions (item_id, decision, checker, decided_at)
             SELECT id, 'approve', maker, '2024-07-02T00:00:00+08:00' FROM pending_items WHERE voucher = 'V-AP-6'",
            [],
        )
        .expect_err("the maker's own approval is refused");
    assert!(err.to_string().contains("four eyes"), "{err}");
    // A stored balance taking reserved money is refused by SQLite too.
    let err = conn
        .execute(
            "UPDATE line_balances SET allocated_fen = allocated_fen + 100
             WHERE appropriation_id = (SELECT id FROM appropriations WHERE code = 'A-FARM-NH')
               AND subproject_id = (SELECT id FROM subprojects WHERE code = 'S-GRAIN')",
            [],
        )
        .expect_err("a balance taking reserved money is refused");
    assert!(err.to_string().contains("reserved by a pending item"), "{err}");
}

#[test]
fn concurrent_makers_and_checkers_never_overdraw() {
    let l = Ledger::small();
    l.ok(&["approval", "--kinds", "allocate"]);
    // Eight makers each ask for 40,000 of the 150,000 available while a checker approves
    // whatever waits: at most three can ever be reserved or allocated.
    let bin = env!("CARGO_BIN_EXE_fundledger");
    let db = l.db.to_str().expect("utf-8 path").to_string();
    let mut children = Vec::new();
    for i in 0..8 {
        let voucher = format!("V-RACE-{i}");
        children.push(
            std::process::Command::new(bin)
                .args(["--db", &db, "--operator", &format!("maker{i}"), "post", "--kind", "allocate"])
                .args(["--appropriation", "A-FARM-NH", "--subproject", "S-FARM", "--amount", "40000"])
                .args(["--date", "2024-07-01", "--voucher", &voucher])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn maker"),
        );
        // A checker races the makers, approving items as they appear.
        let approver = std::process::Command::new(bin)
            .args(["--db", &db, "--operator", "复核员", "approve", &(i / 2 + 1).to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn checker");
        children.push(approver);
    }
    for mut c in children {
        c.wait().expect("child ends");
    }
    let all = pending_json(&l, true);
    let submitted = all["rows"].as_array().expect("rows").len();
    assert!(submitted <= 3, "at most 3 × 40,000 fit in 150,000: {all}");
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let farm = l.row("S-FARM", "allocated");
    assert!(
        ["600000.00", "640000.00", "680000.00", "720000.00"].contains(&farm.as_str()),
        "S-FARM allocated {farm}"
    );
    // Approve what still waits; the appropriation is never overdrawn.
    for row in all["rows"].as_array().expect("rows").iter().filter(|r| r["status"] == "pending") {
        let id = row["id"].as_i64().expect("id").to_string();
        l.ok(&as_checker(&["approve", &id]).iter().map(String::as_str).collect::<Vec<_>>());
    }
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let allocated = l.row("S-FARM", "allocated");
    let expected = format!("{}.00", 600_000 + 40_000 * submitted);
    assert_eq!(allocated, expected, "every submitted item approved, none beyond the money");
}
