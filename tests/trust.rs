//! Trust under stress: several clerks' processes writing one ledger at once, and imports
//! killed with SIGKILL at random points.
//!
//! Sizes are kept small for CI; run bigger with, e.g.,
//! `FUNDLEDGER_WRITERS=8 FUNDLEDGER_POSTS=50 FUNDLEDGER_KILLS=100 FUNDLEDGER_KILL_BATCH=50000 cargo test --release --test trust -- --nocapture`.

mod common;

use common::{Ledger, BIN};
use rusqlite::Connection;
use std::process::Command;
use std::time::{Duration, Instant};

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// How many entries with each voucher prefix the ledger holds, and how many vouchers repeat.
fn count_prefix(l: &Ledger, prefix: &str) -> i64 {
    let conn = Connection::open(&l.db).expect("open");
    conn.query_row("SELECT count(*) FROM entries WHERE voucher LIKE ?1 || '%'", [prefix], |r| r.get(0))
        .expect("count")
}

fn entries_csv(prefix: &str, n: usize) -> String {
    let mut csv = String::from("voucher,date,kind,appropriation,subproject,amount,memo\n");
    for i in 0..n {
        csv.push_str(&format!("{prefix}{i:06},2024-06-01,allocate,A-FARM-NH-C,S-GRAIN,0.01,批量分配\n"));
    }
    csv
}

#[test]
fn concurrent_writers_lose_nothing_and_never_see_a_locked_database() {
    let writers = knob("FUNDLEDGER_WRITERS", 4);
    let posts = knob("FUNDLEDGER_POSTS", 10);
    let per_file = 200;
    let l = Ledger::small();
    let files: Vec<String> = (0..writers)
        .map(|w| l.file(&format!("w{w}.csv"), &entries_csv(&format!("W{w}-F-"), per_file)))
        .collect();
    let backup = l.dir.path().join("during.db");
    let started = Instant::now();
    let writing = std::sync::atomic::AtomicBool::new(true);
    let outputs: Vec<Vec<common::Run>> = std::thread::scope(|scope| {
        // An auditor verifying while the clerks write: each verify sees one moment, so it
        // never takes a half-written state for tampering.
        let auditor = scope.spawn(|| {
            let mut verified = 0;
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                let v = l.run_en(&["verify"]);
                assert_eq!(v.code, 0, "verify during writes: {}{}", v.stdout, v.stderr);
                verified += 1;
            }
            verified
        });
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (l, file) = (&l, &files[w]);
                scope.spawn(move || {
                    let mut runs = Vec::new();
                    for p in 0..posts {
                        let voucher = format!("W{w}-P-{p:03}");
                        let kind = ["allocate", "disburse", "pay"][p % 3];
                        runs.push(l.run_en(&[
                            "post",
                            "--kind",
                            kind,
                            "--appropriation",
                            "A-FARM-NH-C",
                            "--subproject",
                            "S-FARM",
                            "--amount",
                            "1.00",
                            "--date",
                            "2024-07-01",
                            "--voucher",
                            &voucher,
                        ]));
                        if p == posts / 2 {
                            runs.push(l.run_en(&["import", "entries", file]));
                        }
                    }
                    runs
                })
            })
            .collect();
        // A backup taken while the clerks write.
        std::thread::sleep(Duration::from_millis(100));
        let b = l.run_en(&["backup", backup.to_str().expect("path")]);
        assert_eq!(b.code, 0, "backup during writes: {}", b.stderr);
        let outputs = handles.into_iter().map(|h| h.join().expect("writer thread")).collect();
        writing.store(false, std::sync::atomic::Ordering::Relaxed);
        let verified = auditor.join().expect("auditor thread");
        eprintln!("{verified} verifies ran during the writes, all clean");
        outputs
    });
    eprintln!(
        "{writers} writers × ({posts} posts + 1 import of {per_file}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for run in outputs.iter().flatten() {
        assert!(
            !run.stderr.contains("locked") && !run.stderr.contains("busy"),
            "a writer saw the lock: {}",
            run.stderr
        );
    }
    // Posts alternate allocate, disburse, pay of 1.00 on one shared line; with several
    // writers a disbursement may come before enough allocations — a refusal by R3, never a
    // lost write. Every accepted post and every import is in the ledger exactly once.
    let mut accepted = 0;
    for (w, runs) in outputs.iter().enumerate() {
        for run in runs {
            match run.code {
                0 => accepted += 1,
                1 => assert!(run.stderr.contains("R3"), "writer {w}: unexpected refusal: {}", run.stderr),
                other => panic!("writer {w} exited {other}: {}", run.stderr),
            }
        }
        assert_eq!(count_prefix(&l, &format!("W{w}-F-")), per_file as i64, "writer {w}'s import");
    }
    let conn = Connection::open(&l.db).expect("open");
    let (entries, distinct): (i64, i64) = conn
        .query_row("SELECT count(*), count(DISTINCT voucher) FROM entries", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("count");
    let imports = writers as i64;
    assert_eq!(entries, distinct, "a voucher appears twice");
    assert_eq!(entries, 10 + (accepted - imports) + imports * per_file as i64);
    let journaled: i64 = conn
        .query_row("SELECT count(*) FROM writes WHERE command IN ('post', 'import entries')", [], |r| {
            r.get(0)
        })
        .expect("writes");
    assert_eq!(journaled, accepted + 1, "one journal row per accepted write (+ the fixture import)");
    drop(conn);
    l.ok_en(&["verify"]);
    let copy = Command::new(BIN).arg("--db").arg(&backup).arg("verify").output().expect("verify the backup");
    assert!(copy.status.success(), "{}", String::from_utf8_lossy(&copy.stderr));
}

/// A tiny deterministic generator for the kill points.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn imports_killed_at_random_points_are_wholly_present_or_wholly_absent() {
    let kills = knob("FUNDLEDGER_KILLS", 12);
    let batch = knob("FUNDLEDGER_KILL_BATCH", 4000);
    let seed = knob("FUNDLEDGER_KILL_SEED", 20261129) as u64;
    let l = Ledger::small();
    // How long a whole import takes here, to spread the kills over it.
    let first = l.file("b-time.csv", &entries_csv("T-", batch));
    let started = Instant::now();
    l.ok_en(&["import", "entries", &first]);
    let full = started.elapsed();
    let mut rng = Lcg(seed);
    let (mut present, mut absent) = (0, 0);
    for k in 0..kills {
        let prefix = format!("K{k:03}-");
        let file = l.file(&format!("b{k}.csv"), &entries_csv(&prefix, batch));
        let mut child = Command::new(BIN)
            .args(["--db", l.db.to_str().expect("path"), "import", "entries", &file])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn import");
        let at = Duration::from_micros(rng.below(full.as_micros() as u64 * 5 / 4));
        std::thread::sleep(at);
        child.kill().ok(); // SIGKILL; the import may already have finished.
        child.wait().expect("reap");
        match count_prefix(&l, &prefix) {
            0 => absent += 1,
            n if n == batch as i64 => present += 1,
            n => panic!("kill {k} at {at:?} left {n} of {batch} entries of one import"),
        }
        let v = l.run_en(&["verify"]);
        assert_eq!(v.code, 0, "verify after kill {k} at {at:?}: {}{}", v.stdout, v.stderr);
    }
    eprintln!(
        "{kills} SIGKILLs (seed {seed}) over imports of {batch} entries taking {:.0} ms: {present} wholly present, {absent} wholly absent",
        full.as_secs_f64() * 1000.0
    );
    assert_eq!(present + absent, kills);
}
