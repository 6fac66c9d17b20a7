//! Reading never writes, and a file that is not a ledger is never touched: reports and
//! `verify` open the ledger read-only (also on a read-only or full disk), a tampered ledger is
//! a finding and never a panic, an empty or deleted chain is never re-sealed, and of two
//! `init`s at once exactly one wins.

mod common;

use common::Ledger;
use rusqlite::Connection;
use std::path::Path;
use std::process::Command;

/// Every command that only reads, with the arguments it needs on the small ledger.
const READS: &[&[&str]] = &[
    &["balances"],
    &["balances", "--format", "json"],
    &["statement", "--year", "2024"],
    &["check"],
    &["review", "--year", "2024"],
    &["reconcile", "--project", "P-AGRI"],
    &["entitlements"],
    &["acceptance"],
    &["catalog", "types"],
    &["log"],
    &["verify"],
];

fn with_companions(db: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| {
            let p = format!("{}{s}", db.display());
            let bytes = std::fs::read(&p).ok();
            (p, bytes)
        })
        .collect()
}

#[test]
fn every_read_leaves_the_ledger_byte_identical() {
    let l = Ledger::small();
    let before = l.bytes();
    for args in READS {
        let r = l.run(args);
        assert!(r.code == 0 || r.code == 3, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(l.bytes() == before, "{args:?} changed the ledger file");
    }
}

#[test]
fn a_deleted_chain_and_journal_are_findings_and_never_resealed() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    // Delete the chain and the journal, then put the guards back so only the loss remains.
    conn.execute_batch(
        "DROP TRIGGER chain_no_delete; DELETE FROM chain;
         DROP TRIGGER writes_no_delete; DELETE FROM writes;
         CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain
         BEGIN SELECT RAISE(ABORT, 'R4: the audit chain is appended to, never edited'); END;
         CREATE TRIGGER writes_no_delete BEFORE DELETE ON writes
         BEGIN SELECT RAISE(ABORT, 'R4: the write journal is appended to, never edited'); END;",
    )
    .expect("tamper");
    drop(conn);
    let before = l.bytes();
    for _ in 0..2 {
        let r = l.run_en(&["verify"]);
        assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("no link in the audit chain"), "{}", r.stderr);
        assert!(l.bytes() == before, "verify changed the ledger");
    }
    // A write does not re-seal the old rows either.
    l.ok_en(&[
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
        "V-AFTER",
    ]);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("no link in the audit chain"), "{}", r.stderr);
}

#[test]
fn a_tampered_reversal_of_a_reversal_is_a_finding_not_a_panic() {
    let l = Ledger::small();
    l.ok_en(&["reverse", "V-004", "--voucher", "V-R1", "--reason", "录入错误", "--date", "2024-07-01"]);
    let conn = Connection::open(&l.db).expect("open");
    conn.execute_batch(
        "DROP TRIGGER entries_checked;
         INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, reverses_id, operator, recorded_at)
         SELECT 'V-R2', '2024-07-02', 'reverse', appropriation_id, subproject_id, amount_fen, id, 'x', '2024-07-02T09:00:00+08:00'
         FROM entries WHERE voucher = 'V-R1';
         INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, reverses_id, operator, recorded_at)
         SELECT 'V-R3', '2024-07-02', 'reverse', appropriation_id, subproject_id, amount_fen + 1, id, 'x', '2024-07-02T09:00:00+08:00'
         FROM entries WHERE voucher = 'V-001';",
    )
    .expect("tamper");
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(r.stderr.contains("entry V-R2: a reversal names V-R1 as reversed"), "{}", r.stderr);
    assert!(r.stderr.contains("entry V-R3: does not mirror the entry it reverses (V-001)"), "{}", r.stderr);
}

/// A reversal whose `reverses_id` holds text, as only the sqlite3 shell can write, names no
/// entry, and an entry whose appropriation id is text names no recorded line: findings, and
/// the rest of the report is still given.
#[test]
fn ids_that_are_not_row_ids_are_findings() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         DROP TRIGGER entries_checked;
         INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, reverses_id, operator, recorded_at)
         SELECT 'V-TEXT', '2024-07-02', 'reverse', appropriation_id, subproject_id, amount_fen, 'abc', 'x', '2024-07-02T09:00:00+08:00'
         FROM entries WHERE voucher = 'V-004';
         INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, operator, recorded_at)
         SELECT 'V-CODE', '2024-07-02', 'allocate', 'A-FARM-NH', subproject_id, 100, 'x', '2024-07-02T09:00:00+08:00'
         FROM entries WHERE voucher = 'V-004';",
    )
    .expect("tamper");
    drop(conn);
    l.finds_en(&[
        "entry V-TEXT: a reversal that names no entry it reverses",
        "entry V-CODE: names an appropriation or sub-project that is not recorded",
        "the trigger entries_checked is missing",
    ]);
}

/// Another application's SQLite file, an empty file and a text file are refused by every
/// command, and left exactly as they were (no WAL switch, no growth, no companion files).
#[test]
fn a_file_that_is_not_a_ledger_is_refused_and_left_byte_identical() {
    let dir = tempfile::tempdir().expect("dir");
    let other = dir.path().join("other.db");
    {
        let conn = Connection::open(&other).expect("create");
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('x');",
        )
        .expect("other app's schema");
    }
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("empty");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "项目,金额\n").expect("text");
    let csv = common::fixtures().join("small").join("projects.csv");
    for file in [&other, &empty, &text] {
        let before = with_companions(file);
        for args in [
            &["balances"][..],
            &["verify"],
            &["statement", "--year", "2024"],
            &["import", "projects", csv.to_str().expect("path")],
            &[
                "post",
                "--kind",
                "pay",
                "--appropriation",
                "A",
                "--subproject",
                "S",
                "--amount",
                "1",
                "--date",
                "2024-01-01",
                "--voucher",
                "V",
            ],
            &["upgrade"],
            &["close", "--year", "2024"],
        ] {
            let o = Command::new(common::BIN).arg("--db").arg(file).args(args).output().expect("run");
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{args:?} on {}: {err}", file.display());
            assert!(err.contains("不是 fundledger 账本"), "{args:?}: {err}");
            assert_eq!(with_companions(file), before, "{args:?} touched {}", file.display());
        }
    }
    let conn = Connection::open(&other).expect("open");
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).expect("mode");
    assert_eq!(mode, "delete");
}

#[test]
fn of_several_inits_at_once_exactly_one_wins() {
    for round in 0..4 {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("race.db");
        let children: Vec<_> = (0..3)
            .map(|_| {
                Command::new(common::BIN)
                    .arg("--db")
                    .arg(&db)
                    .arg("init")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        let outcomes: Vec<_> = children.into_iter().map(|c| c.wait_with_output().expect("wait")).collect();
        let won = outcomes.iter().filter(|o| o.status.success()).count();
        assert_eq!(won, 1, "round {round}: {won} inits succeeded");
        for o in outcomes.iter().filter(|o| !o.status.success()) {
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("已存在"), "round {round}: {err}");
        }
        let verify = Command::new(common::BIN).arg("--db").arg(&db).arg("verify").output().expect("verify");
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".init-"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }
}

/// A small tmpfs of our own, where the test runs as root (as CI does); `None` elsewhere.
struct Mount(tempfile::TempDir);

impl Mount {
    fn new(size: &str) -> Option<Mount> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("skipped: mounting a tmpfs needs root (CI runs as root)");
            return None;
        }
        Some(Mount(dir))
    }

    fn remount_read_only(&self) {
        let o = Command::new("mount").args(["-o", "remount,ro"]).arg(self.0.path()).output().expect("mount");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).output();
    }
}

fn small_ledger_in(dir: &Path) -> Ledger {
    let l = Ledger { dir: tempfile::tempdir_in(dir).expect("dir"), db: dir.join("ledger.db") };
    l.ok_en(&["init"]);
    for kind in ["projects", "subprojects", "appropriations", "entries"] {
        let f = common::fixtures().join("small").join(format!("{kind}.csv"));
        l.ok_en(&["import", kind, f.to_str().expect("path")]);
    }
    l
}

#[test]
fn a_ledger_on_a_read_only_disk_reads_and_says_why_it_cannot_be_written() {
    let Some(mount) = Mount::new("8m") else { return };
    let l = small_ledger_in(mount.0.path());
    let before = l.bytes();
    mount.remount_read_only();
    for args in READS.iter().filter(|a| a[0] != "log") {
        let r = l.run(args);
        assert!(r.code == 0 || r.code == 3, "{args:?}: {}{}", r.stdout, r.stderr);
    }
    let r = l.run_en(&[
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
        "V-RO",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot write to the ledger") && r.stderr.contains("Read-only file system"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("not a fundledger ledger"), "{}", r.stderr);
    assert!(l.bytes() == before);
}

#[test]
fn a_full_disk_is_named_and_reads_still_work() {
    let Some(mount) = Mount::new("2m") else { return };
    let l = small_ledger_in(mount.0.path());
    let before = l.bytes();
    // Fill the disk.
    let filler = mount.0.path().join("filler");
    let mut f = std::fs::File::create(&filler).expect("filler");
    let chunk = vec![0u8; 4096];
    while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
    drop(f);
    let file = common::fixtures().join("small").join("entries-more-gb18030.csv");
    let r = l.run_en(&["import", "entries", file.to_str().expect("path")]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("is full"), "{}", r.stderr);
    assert!(l.bytes() == before, "a failed write changed the ledger");
    for args in [&["balances"][..], &["verify"]] {
        let r = l.run(args);
        assert_eq!(r.code, 0, "{args:?} on a full disk: {}", r.stderr);
    }
}
