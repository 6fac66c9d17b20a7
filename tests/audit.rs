//! The audit chain: `verify` catches rows changed behind fundledger's back through raw SQL
//! (as with the sqlite3 shell), each tamper in its own test, and names the first row hit.
//! Also the write journal (`log`), reopening a closed year and `backup`.

mod common;

use common::Ledger;
use rusqlite::Connection;

/// Opens the ledger file directly, as someone with the sqlite3 shell would, and runs `sql`.
fn tamper(l: &Ledger, sql: &str) {
    let conn = Connection::open(&l.db).expect("open ledger with SQLite");
    conn.execute_batch(sql).expect("tamper");
}

/// Runs `verify`, expects findings (exit 3) and returns stderr.
fn verify_fails(l: &Ledger) -> String {
    let r = l.run(&["verify"]);
    assert_eq!(r.code, 3, "verify should find the tampering:\n{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("审计链 audit chain"), "{}", r.stderr);
    r.stderr
}

/// The first finding line `verify` printed.
fn first_finding(stderr: &str) -> &str {
    stderr.lines().find(|l| l.contains("audit chain")).expect("a finding line")
}

#[test]
fn an_untouched_ledger_verifies_and_reports_print_the_chain_head() {
    let l = Ledger::small();
    let out = l.ok(&["verify"]);
    assert!(out.contains("verified the audit chain"), "{out}");
    let head = out.split("head ").nth(1).expect("head").split(')').next().expect("head").to_string();
    assert_eq!(head.len(), 16);
    let statement = l.ok(&["statement"]);
    assert!(statement.contains(&format!("10 entries, chain head {head}")), "{statement}");
}

#[test]
fn an_edited_amount_is_caught_even_when_the_balances_are_edited_to_match() {
    let l = Ledger::small();
    tamper(
        &l,
        "DROP TRIGGER entries_no_update;
         UPDATE entries SET amount_fen = amount_fen - 10000000 WHERE voucher = 'V-004';
         UPDATE line_balances SET paid_fen = paid_fen - 10000000
          WHERE (appropriation_id, subproject_id) =
                (SELECT appropriation_id, subproject_id FROM entries WHERE voucher = 'V-004');
         UPDATE line_years SET paid_fen = paid_fen - 10000000
          WHERE (appropriation_id, subproject_id, year) =
                (SELECT appropriation_id, subproject_id, 2024 FROM entries WHERE voucher = 'V-004');",
    );
    let err = verify_fails(&l);
    let first = first_finding(&err);
    assert!(first.contains("entry V-004") && first.contains("altered"), "{err}");
    assert!(
        !err.contains("maintained balance"),
        "balances were made to match; only the chain sees it:\n{err}"
    );
}

#[test]
fn a_deleted_entry_is_caught_and_located_after_the_entry_before_it() {
    let l = Ledger::small();
    tamper(
        &l,
        "DROP TRIGGER entries_no_delete;
         DELETE FROM entries WHERE voucher = 'V-007';
         DELETE FROM line_balances WHERE (appropriation_id, subproject_id) NOT IN
             (SELECT appropriation_id, subproject_id FROM entries);
         DELETE FROM line_years WHERE (appropriation_id, subproject_id) NOT IN
             (SELECT appropriation_id, subproject_id FROM entries);",
    );
    let err = verify_fails(&l);
    let first = first_finding(&err);
    assert!(first.contains("was removed") && first.contains("after entry V-006"), "{err}");
}

#[test]
fn an_inserted_entry_is_caught_even_when_it_obeys_every_rule() {
    let l = Ledger::small();
    // A payment the triggers accept (same line as V-004, within what was disbursed), with the
    // maintained balances adjusted, so only the chain can tell.
    tamper(
        &l,
        "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, memo,
                              operator, recorded_at)
         SELECT 'V-GHOST', '2024-05-02', 'pay', appropriation_id, subproject_id, 100, '', '测试员', recorded_at
         FROM entries WHERE voucher = 'V-004';
         UPDATE line_balances SET paid_fen = paid_fen + 100
          WHERE (appropriation_id, subproject_id) =
                (SELECT appropriation_id, subproject_id FROM entries WHERE voucher = 'V-004');
         UPDATE line_years SET paid_fen = paid_fen + 100
          WHERE (appropriation_id, subproject_id, year) =
                (SELECT appropriation_id, subproject_id, 2024 FROM entries WHERE voucher = 'V-004');",
    );
    let err = verify_fails(&l);
    let first = first_finding(&err);
    assert!(first.contains("entry V-GHOST") && first.contains("inserted"), "{err}");
}

#[test]
fn a_swapped_order_is_caught() {
    let l = Ledger::small();
    // Swap the recording positions of V-002 and V-003 (neither is referenced by a reversal).
    tamper(
        &l,
        "DROP TRIGGER entries_no_update;
         UPDATE entries SET id = -2 WHERE voucher = 'V-002';
         UPDATE entries SET id = 2 WHERE voucher = 'V-003';
         UPDATE entries SET id = 3 WHERE voucher = 'V-002';",
    );
    let conn = Connection::open(&l.db).expect("open");
    let order: Vec<String> = conn
        .prepare("SELECT voucher FROM entries ORDER BY id LIMIT 3")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(order, ["V-001", "V-003", "V-002"], "the tamper swapped the two entries");
    drop(conn);
    let err = verify_fails(&l);
    let first = first_finding(&err);
    assert!(first.contains("V-003") || first.contains("V-002"), "{err}");
}

#[test]
fn an_edited_register_row_is_caught() {
    let l = Ledger::small();
    tamper(
        &l,
        "DROP TRIGGER projects_no_update;
         UPDATE projects SET implementing_body = '某某公司' WHERE code = (SELECT min(code) FROM projects);",
    );
    let err = verify_fails(&l);
    let first = first_finding(&err);
    assert!(first.contains("projects ") && first.contains("altered"), "{err}");
}

#[test]
fn a_removed_link_and_an_edited_link_are_caught() {
    let l = Ledger::small();
    tamper(&l, "DROP TRIGGER chain_no_delete; DELETE FROM chain WHERE seq = 5;");
    let err = verify_fails(&l);
    assert!(err.contains("links 5–5 are missing"), "{err}");

    let l = Ledger::small();
    tamper(
        &l,
        "DROP TRIGGER chain_no_update;
         UPDATE chain SET hash = zeroblob(32) WHERE seq = (SELECT max(seq) FROM chain WHERE tbl = 'entries');",
    );
    let err = verify_fails(&l);
    assert!(first_finding(&err).contains("entry V-010"), "{err}");
}

#[test]
fn the_journal_lists_each_write_with_its_operator_and_filters() {
    let l = Ledger::small();
    let r = std::process::Command::new(common::BIN)
        .args(["--db", l.db.to_str().expect("path"), "--operator", "王会计", "close", "--year", "2024"])
        .output()
        .expect("run");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let log: serde_json::Value = serde_json::from_str(&l.ok(&["log", "--format", "json"])).expect("json");
    let writes = log["writes"].as_array().expect("writes");
    let commands: Vec<&str> = writes.iter().map(|w| w["command"].as_str().expect("command")).collect();
    assert_eq!(
        commands,
        ["init", "import projects", "import subprojects", "import appropriations", "import entries", "close"]
    );
    assert_eq!(writes[4]["summary"], "10 added, 0 unchanged");
    assert_eq!(writes[0]["operator"], "测试员");
    let mine: serde_json::Value =
        serde_json::from_str(&l.ok(&["log", "--operator", "王会计", "--format", "json"])).expect("json");
    assert_eq!(mine["writes"].as_array().expect("writes").len(), 1);
    assert_eq!(mine["writes"][0]["detail"], "2024");
    let later: serde_json::Value =
        serde_json::from_str(&l.ok(&["log", "--since", "2999-01-01", "--format", "json"])).expect("json");
    assert!(later["writes"].as_array().expect("writes").is_empty());
    // A write that records nothing new is not journaled.
    let f = common::fixtures().join("small").join("entries.csv");
    l.ok(&["import", "entries", f.to_str().expect("path")]);
    let again: serde_json::Value = serde_json::from_str(&l.ok(&["log", "--format", "json"])).expect("json");
    assert_eq!(again["writes"].as_array().expect("writes").len(), 6);
}

/// `post` of a one-yuan payment on S-FARM, dated `date`.
fn late_pay<'a>(date: &'a str, voucher: &'a str) -> [&'a str; 13] {
    [
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
        date,
        "--voucher",
        voucher,
    ]
}

#[test]
fn a_reopened_year_takes_entries_again_and_auditors_see_why() {
    let l = Ledger::small();
    l.ok(&["close", "--year", "2024"]);
    l.refused(&late_pay("2024-12-30", "V-LATE"), &["R5"]);
    l.refused(&["reopen", "--year", "2024", "--reason", "  "], &["needs a reason"]);
    l.refused(&["reopen", "--year", "2023", "--reason", "x"], &["2023 is not closed"]);
    l.ok(&["reopen", "--year", "2024", "--reason", "补记12月工程款（县财政局2025第3号）"]);
    l.post("pay", "A-FARM-NH", "S-FARM", "1", "2024-12-30", "V-LATE");
    l.ok(&["close", "--year", "2024"]);
    l.refused(&late_pay("2024-12-31", "V-LATER"), &["R5"]);
    let out = l.ok(&["verify"]);
    assert!(out.contains("notice: 2024 was reopened by 测试员") && out.contains("补记12月工程款"), "{out}");
    let log = l.ok(&["log", "--format", "csv"]);
    assert!(log.contains("reopen,2024,reopened 2024,补记12月工程款（县财政局2025第3号）"), "{log}");
    // The schema refuses a reopen of an open year even through raw SQL.
    let conn = Connection::open(&l.db).expect("open");
    let raw = conn.execute(
        "INSERT INTO period_events (year, action, reason, operator, recorded_at) VALUES (2023, 'reopen', 'x', 'x', 'x')",
        [],
    );
    assert!(raw.is_err_and(|e| e.to_string().contains("R5")));
}

#[test]
fn a_backup_is_a_verified_copy_and_never_overwrites() {
    let l = Ledger::small();
    let copy = l.dir.path().join("backup-2026-11-29.db");
    let copy_arg = copy.to_str().expect("path");
    let out = l.ok(&["backup", copy_arg]);
    assert!(out.contains("the copy verifies"), "{out}");
    let original = l.ok(&["balances", "--format", "json"]);
    let at = |db: &str, args: &[&str]| {
        let o = std::process::Command::new(common::BIN).arg("--db").arg(db).args(args).output().expect("run");
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned())
    };
    assert_eq!(at(copy_arg, &["balances", "--format", "json"]), (Some(0), original));
    let head = |db: &str| {
        let (code, out) = at(db, &["verify"]);
        assert_eq!(code, Some(0), "{out}");
        out.split("head ").nth(1).expect("head")[..16].to_string()
    };
    assert_eq!(head(copy_arg), head(l.db.to_str().expect("path")));
    let r = l.run(&["backup", copy_arg]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("never overwrites"), "{}", r.stderr);
}
