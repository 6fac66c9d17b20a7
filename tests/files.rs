//! Files fundledger names and writes: names from outside are shown escaped, `--out` never
//! replaces what it must not, and `backup` cleans up after a killed run.

mod common;
use common::Ledger;

/// ESC starting a colour sequence, and U+202E, which shows the rest of a line reversed.
const EVIL_NAME: &str = "a\u{1b}[31mb\u{202e}vsc.csv";

fn assert_escaped(what: &str, text: &str) {
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'), "{what} shows a raw control: {text:?}");
    assert!(text.contains("a\\u{1b}[31mb\\u{202e}vsc.csv"), "{what} lacks the escaped name: {text:?}");
}

#[test]
fn file_names_with_escape_sequences_and_bidi_controls_are_shown_escaped() {
    let l = Ledger::small();
    let good = l.file(
        EVIL_NAME,
        "voucher,date,kind,appropriation,subproject,amount\nE-1,2024-07-01,allocate,A-FARM-NH-C,S-FARM,1\n",
    );
    let out = l.ok_en(&["import", "entries", &good]);
    assert_escaped("the import summary", &out);
    for format in ["table", "csv"] {
        assert_escaped(&format!("log --format {format}"), &l.ok_en(&["log", "--format", format]));
    }
    let json: serde_json::Value = serde_json::from_str(&l.ok_en(&["log", "--format", "json"])).expect("JSON");
    let last = json["writes"].as_array().and_then(|w| w.last()).expect("a write");
    assert_escaped("log --format json", last["detail"].as_str().expect("detail"));
    let bad = l.file(EVIL_NAME, "voucher,date,kind\nE-2,2024-13-01,allocate\n");
    let err = l.refused_en(&["import", "entries", &bad], &[]);
    assert_escaped("the refusal", &err);
    let out = l.run_en(&["balances", "--out", &format!("new-{EVIL_NAME}")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_escaped("the --out message", &out.stderr);
}

/// `--out` onto the ledger is refused with and without `--force`; the ledger stays as it was
/// and still verifies. A hard link to the ledger is the ledger too.
#[test]
fn out_never_replaces_the_ledger() {
    let l = Ledger::small();
    let db = l.db.to_str().expect("path").to_string();
    let link = l.dir.path().join("same-ledger.csv");
    std::fs::hard_link(&l.db, &link).expect("hard link");
    let link = link.to_str().expect("path");
    for target in [db.as_str(), link, "./test.db"] {
        l.refused_en(&["balances", "--out", target], &["is the ledger", "--force"]);
        l.refused_en(
            &["balances", "--force", "--out", target],
            &["is the ledger", "never replaces it, even with --force"],
        );
    }
    l.ok_en(&["verify"]);
}

#[test]
fn out_replaces_an_existing_file_only_with_force() {
    let l = Ledger::small();
    let old = l.file("old.csv", "keep me");
    l.refused_en(&["balances", "--out", &old], &["old.csv already exists", "unless --force is given"]);
    assert_eq!(std::fs::read_to_string(&old).expect("read"), "keep me");
    l.ok_en(&["balances", "--force", "--out", &old]);
    assert!(std::fs::read_to_string(&old).expect("read").contains("S-FARM"));
    let leftovers: Vec<_> = std::fs::read_dir(l.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
}

#[cfg(unix)]
#[test]
fn out_never_writes_through_a_symbolic_link() {
    let l = Ledger::small();
    let target = l.file("target.csv", "keep me");
    let link = l.dir.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let dangling = l.dir.path().join("dangling.csv");
    std::os::unix::fs::symlink(l.dir.path().join("nowhere.csv"), &dangling).expect("symlink");
    for path in [&link, &dangling] {
        let path = path.to_str().expect("path");
        l.refused_en(&["balances", "--out", path], &["is a symbolic link"]);
        l.refused_en(&["balances", "--force", "--out", path], &["is a symbolic link", "even with --force"]);
    }
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "keep me");
    assert!(!l.dir.path().join("nowhere.csv").exists());
    let db_link = l.dir.path().join("db-link.csv");
    std::os::unix::fs::symlink(&l.db, &db_link).expect("symlink");
    l.refused_en(&["balances", "--force", "--out", db_link.to_str().expect("path")], &["symbolic link"]);
    l.ok_en(&["verify"]);
}

/// An export that cannot be written leaves no file, half-written or temporary, and says why.
#[test]
fn an_export_that_fails_leaves_nothing_behind() {
    let l = Ledger::small();
    let missing = l.dir.path().join("no-such-dir").join("report.xlsx");
    let err = l.refused_en(
        &["review", "--year", "2025", "--out", missing.to_str().expect("path")],
        &["report.xlsx: the directory", "no-such-dir does not exist"],
    );
    assert!(err.contains("option --out"), "{err}");
    assert!(!l.dir.path().join("no-such-dir").exists());
    // A write that commits is refused before it records anything when its report cannot be written.
    let plan = l.refused_en(
        &["allocate", "--appropriation", "A-FARM-NH-C", "--commit", "--out", missing.to_str().expect("path")],
        &["does not exist"],
    );
    assert!(!plan.contains("panicked"), "{plan}");
}

/// A killed backup leaves `FILE.fundledger-backup-partial-PID`; the next backup into that
/// directory removes it (and its -wal) once that process is gone, says so, and keeps the
/// partial copy of a backup still running.
#[cfg(target_os = "linux")]
#[test]
fn backup_removes_the_partial_copies_of_killed_backups() {
    let l = Ledger::small();
    let mut gone = std::process::Command::new("true").spawn().expect("spawn");
    let dead = gone.id();
    gone.wait().expect("wait");
    let stale = format!("old.db.fundledger-backup-partial-{dead}");
    l.file(&stale, "half a copy");
    l.file(&format!("{stale}-wal"), "half a wal");
    let running = format!("other.db.fundledger-backup-partial-{}", std::process::id());
    l.file(&running, "a copy in progress");
    let out = l.ok_en(&["backup", "new.db"]);
    assert!(out.contains("removed the partial copies of backups that were interrupted"), "{out}");
    assert!(out.contains(&stale), "{out}");
    assert!(!l.dir.path().join(&stale).exists() && !l.dir.path().join(format!("{stale}-wal")).exists());
    assert!(l.dir.path().join(&running).exists(), "a running backup's copy was removed");
    assert!(!out.contains(&running), "{out}");
    let names: Vec<String> = std::fs::read_dir(l.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("new.db"))
        .collect();
    assert_eq!(names, ["new.db"], "the backup's own partial copy is gone");
}
