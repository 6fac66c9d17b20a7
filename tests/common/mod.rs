//! Test harness: runs the real `fundledger` binary against a ledger in a temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_fundledger");

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub struct Ledger {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().expect("fundledger exits normally, never by a signal"),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Ledger {
    /// A fresh ledger with the built-in catalogue.
    pub fn new() -> Ledger {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("test.db");
        let l = Ledger { dir, db };
        l.ok(&["init"]);
        l
    }

    /// A ledger holding `fixtures/small/` (3 projects, 7 sub-projects, 5 lines, 10 entries).
    pub fn small() -> Ledger {
        let l = Ledger::new();
        for kind in ["projects", "subprojects", "appropriations", "entries"] {
            let f = fixtures().join("small").join(format!("{kind}.csv"));
            l.ok(&["import", kind, f.to_str().expect("utf-8 path")]);
        }
        l
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Command::new(BIN)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .current_dir(self.dir.path())
            .env("FUNDLEDGER_OPERATOR", "测试员")
            .output()
            .expect("run fundledger")
            .into()
    }

    /// Runs with `--lang en`: for tests about the English text of messages.
    /// Runs fundledger on this ledger with `stdin` as its standard input (a password).
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        use std::io::Write;
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .current_dir(self.dir.path())
            .env("FUNDLEDGER_OPERATOR", "测试员")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run fundledger");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        child.wait_with_output().expect("fundledger finishes").into()
    }

    pub fn run_en(&self, args: &[&str]) -> Run {
        let mut a = args.to_vec();
        a.extend(["--lang", "en"]);
        self.run(&a)
    }

    /// `ok` with `--lang en`.
    pub fn ok_en(&self, args: &[&str]) -> String {
        let mut a = args.to_vec();
        a.extend(["--lang", "en"]);
        self.ok(&a)
    }

    /// `refused` with `--lang en`: the English fragments of a refusal.
    pub fn refused_en(&self, args: &[&str], fragments: &[&str]) -> String {
        let mut a = args.to_vec();
        a.extend(["--lang", "en"]);
        self.refused(&a, fragments)
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "fundledger {args:?} failed:\n{}{}", r.stdout, r.stderr);
        r.stdout
    }

    /// Runs a write that must be refused: exit 1, every fragment in stderr, and the ledger file
    /// byte-for-byte as it was.
    pub fn refused(&self, args: &[&str], fragments: &[&str]) -> String {
        let before = self.bytes();
        let r = self.run(args);
        assert_eq!(r.code, 1, "fundledger {args:?} should be refused:\n{}{}", r.stdout, r.stderr);
        for f in fragments {
            assert!(r.stderr.contains(f), "stderr lacks {f:?}:\n{}", r.stderr);
        }
        let said_nothing_written = if args.windows(2).any(|w| w == ["--lang", "en"]) {
            "nothing was written"
        } else {
            "未写入任何内容"
        };
        assert!(r.stderr.contains(said_nothing_written), "{}", r.stderr);
        assert!(self.bytes() == before, "the ledger file changed after a refused write {args:?}");
        r.stderr
    }

    /// Runs `verify --lang en`, which must find something (exit 3) and print every fragment;
    /// returns stderr.
    pub fn finds_en(&self, fragments: &[&str]) -> String {
        let r = self.run_en(&["verify"]);
        assert_eq!(r.code, 3, "verify should have findings:\n{}{}", r.stdout, r.stderr);
        for f in fragments {
            assert!(r.stderr.contains(f), "stderr lacks {f:?}:\n{}", r.stderr);
        }
        r.stderr
    }

    /// The ledger file's bytes (the WAL is checkpointed when each process closes it).
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.db).expect("read ledger")
    }

    /// Writes a CSV file into the ledger's directory and returns its path.
    pub fn file(&self, name: &str, content: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).expect("write csv");
        p.to_str().expect("utf-8 path").to_string()
    }

    pub fn balances_json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["balances", "--format", "json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).expect("balances prints JSON")
    }

    /// The `balance` of one (sub-project, channel) row, as the JSON string.
    pub fn row(&self, subproject: &str, key: &str) -> String {
        let v = self.balances_json(&[]);
        let rows = v["rows"].as_array().expect("rows");
        let row = rows
            .iter()
            .find(|r| r["subproject"] == subproject)
            .unwrap_or_else(|| panic!("no row for {subproject}"));
        row[key].as_str().expect("string amount").to_string()
    }

    pub fn post(
        &self,
        kind: &str,
        appropriation: &str,
        subproject: &str,
        amount: &str,
        date: &str,
        voucher: &str,
    ) -> Vec<String> {
        [
            "post",
            "--kind",
            kind,
            "--appropriation",
            appropriation,
            "--subproject",
            subproject,
            "--amount",
            amount,
            "--date",
            date,
            "--voucher",
            voucher,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
}

pub fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The ledger fingerprint's chain head, replaced by `#`s: it covers when and by whom each row
/// was recorded, so it differs between runs and goldens hold it masked.
pub fn mask_chain_head(text: &str) -> String {
    let mut out = text.to_string();
    for marker in ["chain head ", "审计链头 ", "\"hash\": \""] {
        let mut from = 0;
        while let Some(i) = out[from..].find(marker) {
            let start = from + i + marker.len();
            let end = (start + 16).min(out.len());
            out.replace_range(start..end, "################");
            from = end;
        }
    }
    out
}
