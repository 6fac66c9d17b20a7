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
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "verify should find the tampering:\n{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("[audit chain]"), "{}", r.stderr);
    r.stderr
}

/// The first finding line `verify` printed.
fn first_finding(stderr: &str) -> &str {
    stderr.lines().find(|l| l.contains("audit chain")).expect("a finding line")
}

#[test]
fn an_untouched_ledger_verifies_and_reports_print_the_chain_head() {
    let l = Ledger::small();
    let out = l.ok_en(&["verify"]);
    assert!(out.contains("verified the audit chain"), "{out}");
    let head = out.split("head ").nth(1).expect("head").split(')').next().expect("head").to_string();
    assert_eq!(head.len(), 16);
    let statement = l.ok_en(&["statement"]);
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
    assert!(first.contains("entry V-004 (link 131) was altered after it was recorded"), "{err}");
    assert!(err.contains("the ledger file was changed outside fundledger"), "{err}");
    assert!(
        !err.contains("maintained balance"),
        "balances were made to match; only the chain sees it:\n{err}"
    );
}

/// The maintained movements of each year of a line that moved in two years are compared with
/// its entries year by year: an edit to one year's row is named with that year, and only it.
#[test]
fn an_edited_year_of_a_line_is_named_by_its_year() {
    let l = Ledger::small();
    l.ok_en(&common::strs(&l.post("disburse", "A-FARM-NH", "S-FARM", "1000", "2025-02-01", "V-2025")));
    l.ok_en(&["verify"]);
    let conn = Connection::open(&l.db).expect("open ledger with SQLite");
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'line_years'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("triggers");
    for t in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {t}")).expect("drop");
    }
    conn.execute_batch(
        "UPDATE line_years SET disbursed_fen = disbursed_fen + 100
          WHERE year = 2025 AND (appropriation_id, subproject_id) =
                (SELECT appropriation_id, subproject_id FROM entries WHERE voucher = 'V-2025')",
    )
    .expect("tamper");
    drop(conn);
    let err = l.finds_en(&[
        "the maintained 2025 movements of line A-FARM-NH / S-FARM differ from its entries: disbursed: stored 1001.00, entries give 1000.00",
    ]);
    assert!(!err.contains("2024 movements"), "{err}");
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
    assert!(first.contains("project P-AGRI (link 110) was altered after it was recorded"), "{err}");
}

#[test]
fn a_removed_link_and_an_edited_link_are_caught() {
    let l = Ledger::small();
    tamper(&l, "DROP TRIGGER chain_no_delete; DELETE FROM chain WHERE seq = 5;");
    let err = verify_fails(&l);
    assert!(first_finding(&err).contains("audit link 5 is missing"), "{err}");

    let l = Ledger::small();
    tamper(
        &l,
        "DROP TRIGGER chain_no_update;
         UPDATE chain SET hash = zeroblob(32) WHERE seq = (SELECT max(seq) FROM chain WHERE tbl = 'entries');",
    );
    let err = verify_fails(&l);
    assert!(first_finding(&err).contains("the audit link of entry V-010"), "{err}");
    assert!(first_finding(&err).contains("the row itself is as recorded"), "{err}");
}

#[test]
fn the_journal_lists_each_write_with_its_operator_and_filters() {
    let l = Ledger::small();
    let r = std::process::Command::new(common::BIN)
        .args(["--db", l.db.to_str().expect("path"), "--operator", "王会计", "close", "--year", "2024"])
        .output()
        .expect("run");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let log: serde_json::Value = serde_json::from_str(&l.ok_en(&["log", "--format", "json"])).expect("json");
    let writes = log["writes"].as_array().expect("writes");
    let commands: Vec<&str> = writes.iter().map(|w| w["command"].as_str().expect("command")).collect();
    assert_eq!(
        commands,
        ["init", "import projects", "import subprojects", "import appropriations", "import entries", "close"]
    );
    assert_eq!(writes[4]["summary"], "10 added, 0 unchanged");
    assert_eq!(writes[0]["operator"], "测试员");
    // Links are numbers, and the writes' links follow each other without a gap.
    assert_eq!(writes[0]["first_link"], 1);
    for pair in writes.windows(2) {
        let last = pair[0]["last_link"].as_i64().expect("last_link is a number");
        assert_eq!(pair[1]["first_link"].as_i64(), Some(last + 1), "{pair:?}");
    }
    let mine: serde_json::Value =
        serde_json::from_str(&l.ok_en(&["log", "--by", "王会计", "--format", "json"])).expect("json");
    assert_eq!(mine["writes"].as_array().expect("writes").len(), 1);
    assert_eq!(mine["writes"][0]["detail"], "2024");
    let later: serde_json::Value =
        serde_json::from_str(&l.ok_en(&["log", "--since", "2999-01-01", "--format", "json"])).expect("json");
    assert!(later["writes"].as_array().expect("writes").is_empty());
    // A write that records nothing new is not journaled.
    let f = common::fixtures().join("small").join("entries.csv");
    l.ok_en(&["import", "entries", f.to_str().expect("path")]);
    let again: serde_json::Value =
        serde_json::from_str(&l.ok_en(&["log", "--format", "json"])).expect("json");
    assert_eq!(again["writes"].as_array().expect("writes").len(), 6);
}

#[test]
fn a_reopened_year_takes_entries_again_and_auditors_see_why() {
    let l = Ledger::small();
    l.ok_en(&["close", "--year", "2024"]);
    let late = |date: &str, voucher: &str| l.post("pay", "A-FARM-NH", "S-FARM", "1", date, voucher);
    l.refused_en(&common::strs(&late("2024-12-30", "V-LATE")), &["option --date: 2024 is closed", "R5"]);
    l.refused_en(&["reopen", "--year", "2024", "--reason", "  "], &["needs a reason"]);
    l.refused_en(&["reopen", "--year", "2023", "--reason", "x"], &["2023 is not closed"]);
    l.ok_en(&["reopen", "--year", "2024", "--reason", "补记12月工程款（县财政局2025第3号）"]);
    l.ok_en(&common::strs(&late("2024-12-30", "V-LATE")));
    l.ok_en(&["close", "--year", "2024"]);
    l.refused_en(&common::strs(&late("2024-12-31", "V-LATER")), &["R5"]);
    let out = l.ok_en(&["verify"]);
    assert!(out.contains("notice: 2024 was reopened by 测试员") && out.contains("补记12月工程款"), "{out}");
    let log = l.ok_en(&["log", "--format", "csv"]);
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
    let out = l.ok_en(&["backup", copy_arg]);
    assert!(out.contains("the copy verifies"), "{out}");
    let original = l.ok_en(&["balances", "--format", "json"]);
    let at = |db: &str, args: &[&str]| {
        let o = std::process::Command::new(common::BIN).arg("--db").arg(db).args(args).output().expect("run");
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned())
    };
    assert_eq!(at(copy_arg, &["balances", "--format", "json"]), (Some(0), original));
    let head = |db: &str| {
        let (code, out) = at(db, &["verify", "--lang", "en"]);
        assert_eq!(code, Some(0), "{out}");
        out.split("head ").nth(1).expect("head")[..16].to_string()
    };
    assert_eq!(head(copy_arg), head(l.db.to_str().expect("path")));
    let r = l.run_en(&["backup", copy_arg]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("never overwrites"), "{}", r.stderr);
}

/// A schema-3 ledger, as fundledger wrote them before the chain (migrations 1–3 and rows in
/// the shape those versions wrote), then the migrations in `then` applied by hand, as an
/// upgrade cut short after them would leave it.
fn old_ledger(dir: &std::path::Path, then: &[&str]) -> std::path::PathBuf {
    let db = dir.join("old.db");
    let conn = Connection::open(&db).expect("create");
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    for m in ["0001_ledger.sql", "0002_subsidy_rules.sql", "0003_acceptance.sql"] {
        conn.execute_batch(&std::fs::read_to_string(schema.join(m)).expect("migration")).expect(m);
    }
    conn.execute_batch(
        "PRAGMA user_version = 3;
         INSERT INTO departments VALUES ('nrp', '农业农村局', '', 1);
         INSERT INTO counties VALUES ('NH', '南湖区', '', 1);
         INSERT INTO subproject_types VALUES ('farm', '高标准农田建设', '', 'nrp', 1, 1, 1, NULL, 'listed', '', 1, 1);
         INSERT INTO channels VALUES ('farm_fund', '高标准农田专项资金', '', 'nrp', '', 1, 1);
         INSERT INTO designations VALUES ('farm_fund', 'farm', '', '', 1, 1);
         INSERT INTO projects VALUES (1, 'P-OLD', '旧项目', '南湖区', 'single_township', '', '', '镇政府', 'agri',
                                      '2023-01-01', 0, '老会计', '2023-01-02T09:00:00+08:00');
         INSERT INTO subprojects VALUES (1, 'S-OLD', 1, 'farm', 'ongoing', '100', '亩', 100000, '', NULL, '',
                                         '老会计', '2023-01-02T09:00:00+08:00');
         INSERT INTO appropriations VALUES (1, 'A-OLD', '浙财〔2023〕1号', 'farm_fund', 'provincial', '南湖区',
                                            '2023-02-01', 5000000, '老会计', '2023-02-02T09:00:00+08:00');
         INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, memo, operator, recorded_at)
              VALUES ('V-OLD-1', '2023-03-01', 'allocate', 1, 1, 3000000, '', '老会计', '2023-03-01T09:00:00+08:00'),
                     ('V-OLD-2', '2023-04-01', 'disburse', 1, 1, 1000000, '', '老会计', '2023-04-01T09:00:00+08:00');
         INSERT INTO line_balances (appropriation_id, subproject_id, allocated_fen, disbursed_fen) VALUES (1, 1, 3000000, 1000000);
         INSERT INTO closed_years VALUES (2023, '老会计', '2024-01-05T09:00:00+08:00');",
    )
    .expect("old rows");
    for (i, m) in then.iter().enumerate() {
        conn.execute_batch(&std::fs::read_to_string(schema.join(m)).expect("migration")).expect(m);
        conn.pragma_update(None, "user_version", 4 + i as i64).expect("version");
    }
    db
}

#[test]
fn a_ledger_from_before_the_audit_chain_is_sealed_on_upgrade_and_keeps_its_closes() {
    let dir = tempfile::tempdir().expect("dir");
    upgraded_ledger_verifies(&old_ledger(dir.path(), &[]));
}

/// A ledger of schema 5 whose chain is empty had its chain deleted (or came from an upgrade
/// cut short before upgrades were one transaction): it is never sealed again, by a read or by
/// an upgrade, and `verify` reports every unlinked row.
#[test]
fn a_chain_deleted_behind_fundledgers_back_is_never_resealed() {
    let dir = tempfile::tempdir().expect("dir");
    let db = old_ledger(dir.path(), &["0004_audit.sql", "0005_entry_checks.sql"]);
    let l = Ledger { dir, db };
    let before = l.bytes();
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("upgrade"), "{}", r.stderr);
    assert!(l.bytes() == before, "a read changed the ledger");
    l.ok_en(&["upgrade"]);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("V-OLD-1") && r.stderr.contains("no link in the audit chain"), "{}", r.stderr);
}

fn upgraded_ledger_verifies(db: &std::path::Path) {
    let run = |args: &[&str]| {
        let o = std::process::Command::new(common::BIN).arg("--db").arg(db).args(args).output().expect("run");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // Reading never upgrades: the file stays byte-identical and the clerk is told what to do.
    let before = std::fs::read(db).expect("read");
    let (code, _, err) = run(&["verify"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("schema 3") && err.contains("upgrade"), "{err}");
    assert_eq!(std::fs::read(db).expect("read"), before, "a read changed the ledger");
    let (code, out, err) = run(&["upgrade", "--lang", "en"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("from schema 3 to"), "{out}");
    let (code, out, err) = run(&["verify", "--lang", "en"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("and 2 entries over 1 line:"), "{out}");
    let (_, log, _) = run(&["log", "--format", "csv"]);
    // Upgraded to the newest schema: one per migration file.
    let newest = std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema"))
        .expect("schema")
        .count();
    assert!(
        log.contains(&format!(
            "upgrade,schema 3 to {newest},sealed 11 rows recorded before the audit chain existed"
        )),
        "{log}"
    );
    // The 2023 close carried over into the period events.
    let (code, _, err) = run(&[
        "post",
        "--kind",
        "pay",
        "--appropriation",
        "A-OLD",
        "--subproject",
        "S-OLD",
        "--amount",
        "1",
        "--date",
        "2023-12-01",
        "--voucher",
        "V-NEW",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("R5"), "{err}");
    // Year-end figures for the sealed history come from the per-year table the upgrade built
    // (a later entry makes 2023-12-31 a date before the last entry).
    let (code, _, err) = run(&[
        "post",
        "--kind",
        "allocate",
        "--appropriation",
        "A-OLD",
        "--subproject",
        "S-OLD",
        "--amount",
        "5000",
        "--date",
        "2024-02-01",
        "--voucher",
        "V-NEW",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let totals = |year: &str| {
        let (_, statement, _) = run(&["statement", "--year", year, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&statement).expect("json");
        (v["totals"]["allocated"].clone(), v["totals"]["disbursed"].clone(), v["totals"]["balance"].clone())
    };
    assert_eq!(totals("2023"), ("30000.00".into(), "10000.00".into(), "30000.00".into()));
    assert_eq!(totals("2024"), ("5000.00".into(), "0.00".into(), "35000.00".into()));
    assert_eq!(run(&["verify"]).0, Some(0));
}

#[test]
fn a_dropped_trigger_is_caught_even_when_no_row_changed() {
    let l = Ledger::small();
    tamper(&l, "DROP TRIGGER entries_no_update;");
    let err = verify_fails(&l);
    assert!(
        first_finding(&err).contains("the trigger entries_no_update is missing from the ledger's schema"),
        "{err}"
    );
}

#[test]
fn operators_and_reasons_are_plain_text_and_the_log_filter_matches_what_was_recorded() {
    let l = Ledger::small();
    let with_operator = |operator: &str, args: &[&str]| {
        let o = std::process::Command::new(common::BIN)
            .arg("--db")
            .arg(&l.db)
            .arg("--operator")
            .arg(operator)
            .args(["--lang", "en"])
            .args(args)
            .output()
            .expect("run");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, _, err) = with_operator("ev\u{1b}[2Jil", &["close", "--year", "2020"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the operator contains a control character"), "{err}");
    let (code, _, err) = with_operator("   ", &["close", "--year", "2020"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the operator is empty"), "{err}");
    l.ok_en(&["close", "--year", "2020"]);
    l.refused_en(
        &["reopen", "--year", "2020", "--reason", "补记\u{1b}[2J"],
        &["the reason contains a control character"],
    );
    // Recorded trimmed; the filter trims the same way.
    let (code, _, err) = with_operator(" 王会计 ", &["close", "--year", "2019"]);
    assert_eq!(code, Some(0), "{err}");
    let out = l.ok_en(&["log", "--by", " 王会计 ", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let writes = v["writes"].as_array().expect("writes");
    assert_eq!(writes.len(), 1, "{out}");
    assert_eq!(writes[0]["operator"], "王会计");
    assert!(v.get("fingerprint").is_none(), "the journal is a plain list");
}

#[test]
fn a_head_printed_on_an_earlier_report_anchors_the_history_before_it() {
    let l = Ledger::small();
    let statement: serde_json::Value =
        serde_json::from_str(&l.ok_en(&["statement", "--format", "json"])).expect("json");
    let head = statement["fingerprint"]["hash"].as_str().expect("hash").to_string();
    l.ok_en(&common::strs(&l.post("pay", "A-FARM-NH", "S-FARM", "1", "2024-07-01", "V-AFTER")));
    let out = l.ok_en(&["verify", "--head", &head]);
    assert!(out.contains(&format!("the chain passes through {head} at link 138")), "{out}");
    assert!(out.contains("links were recorded after it"), "{out}");
    let r = l.run_en(&["verify", "--head", "0123456789abcdef"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        first_finding(&r.stderr).contains("no link of the audit chain has the head 0123456789abcdef"),
        "{}",
        r.stderr
    );
    let json: serde_json::Value =
        serde_json::from_str(&l.run_en(&["verify", "--format", "json"]).stdout).expect("verify prints JSON");
    assert_eq!(json["verified"], true);
    assert_eq!(json["entries"], 11);
    // Someone rewrites the whole chain after editing an early entry: the old head is gone.
    tamper(&l, "DROP TRIGGER chain_no_update; UPDATE chain SET hash = randomblob(32) WHERE seq >= 130;");
    let r = l.run_en(&["verify", "--head", &head, "--format", "json"]);
    assert_eq!(r.code, 3);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(json["verified"], false);
    assert!(json["findings"][0]["message"].as_str().expect("message").contains(&head), "{}", r.stdout);
}

/// `verify`'s result is a report like the others: `--out` writes it (JSON by the file's name),
/// and CSV lists the findings with their rule.
#[test]
fn verify_writes_its_result_to_a_file_and_as_csv() {
    let l = Ledger::small();
    let out = l.dir.path().join("verify.json");
    let r = l.run_en(&["verify", "--out", out.to_str().expect("path")]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
    assert_eq!(v["verified"], true);
    assert_eq!(v["head"].as_str().map(str::len), Some(64));
    let conn = Connection::open(&l.db).expect("open");
    conn.execute("DROP TRIGGER entries_no_update", []).expect("drop a trigger behind fundledger's back");
    drop(conn);
    let r = l.run_en(&["verify", "--format", "csv"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("check,message") || r.stdout.starts_with("规则,发现"), "{}", r.stdout);
    assert!(r.stdout.contains("entries_no_update"), "{}", r.stdout);
}
