//! `bench`: the performance figures of README's performance section, in one run.
//!
//! It generates a city-scale dataset (`gen`), then, for each run, builds a fresh ledger and
//! times — as separate `fundledger` processes, the way a clerk runs them — the entries import
//! (entries/s and peak memory), `balances`, `statement`, `check`, `review` and `verify`, and
//! the floor: the same entries CSV parsed and inserted into a plain table in one transaction
//! with no checks. It prints every run, the median and the target next to it.

use super::init::remove_ledger_files;
use super::Ctx;
use crate::error::{Error, Result};
use crate::render::{self, c, Cell, Col, Report, Unit};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in a child's environment, it makes the process print its peak memory on exit.
pub const PEAK_ENV: &str = "FUNDLEDGER_PEAK_MEMORY";
const PEAK_PREFIX: &str = "peak memory KiB: ";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many entries to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub entries: u64,
    /// How many runs (the median is reported).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub runs: u32,
    /// The generator's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to keep the data and the ledgers (default: a new directory under the system's
    /// temporary directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints this process's peak resident memory (Linux: VmHWM in /proc/self/status) to stderr.
pub fn report_peak_memory() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kib) = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    {
        eprintln!("{PEAK_PREFIX}{kib}");
    }
}

/// One timed child process.
struct Timed {
    elapsed: Duration,
    peak_kib: Option<u64>,
}

fn exe() -> Result<PathBuf> {
    std::env::current_exe().map_err(|e| Error::Internal(format!("cannot find the fundledger binary: {e}")))
}

/// Runs `fundledger --db DB ARGS…`, stdout discarded; exit codes in `ok` count as success.
fn timed(db: &Path, args: &[&str], ok: &[i32]) -> Result<Timed> {
    let started = Instant::now();
    let out = Command::new(exe()?)
        .arg("--db")
        .arg(db)
        .args(args)
        .env(PEAK_ENV, "1")
        .env_remove("FUNDLEDGER_OPERATOR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::Internal(format!("cannot run fundledger {}: {e}", args.join(" "))))?;
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.code().is_some_and(|c| ok.contains(&c)) {
        return Err(Error::Internal(format!(
            "fundledger {} failed during the benchmark:\n{stderr}",
            args.join(" ")
        )));
    }
    let peak_kib = stderr.lines().find_map(|l| l.strip_prefix(PEAK_PREFIX)).and_then(|v| v.parse().ok());
    Ok(Timed { elapsed, peak_kib })
}

/// `1.234 s`
fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Entries per second over `d`.
fn rate(entries: u64, d: Duration) -> u64 {
    (entries as u128 * 1000 / d.as_millis().max(1)) as u64
}

/// `2.41×`, from two durations, to two decimals.
fn ratio(a: Duration, b: Duration) -> String {
    let hundredths = a.as_micros() * 100 / b.as_micros().max(1);
    format!("{}.{:02}×", hundredths / 100, hundredths % 100)
}

const COLUMNS: [Col; 5] =
    [c("figure", "指标"), c("runs", "各次"), c("median", "中位数"), c("target", "目标"), c("met", "达标")];

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let (dir, temporary) = match &args.dir {
        Some(d) => (d.clone(), false),
        None => (std::env::temp_dir().join(format!("fundledger-bench-{}", std::process::id())), true),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Internal(format!("cannot create {}: {e}", crate::error::shown_path(&dir))))?;
    let result = bench(ctx, args, &dir);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn bench(ctx: &Ctx, args: &Args, dir: &Path) -> Result<u8> {
    let data = dir.join(format!("data-{}-{}", args.entries, args.seed));
    let entries_csv = data.join("entries.csv");
    if !entries_csv.exists() {
        eprintln!("generating {} entries into {} …", args.entries, crate::error::shown_path(&data));
        let n = args.entries.to_string();
        let seed = args.seed.to_string();
        let status = Command::new(exe()?)
            .args(["gen", "--entries", &n, "--seed", &seed, "--out"])
            .arg(&data)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| Error::Internal(format!("cannot run fundledger gen: {e}")))?;
        if !status.success() {
            return Err(Error::Internal("fundledger gen failed".into()));
        }
    }
    let file = |name: &str| data.join(name).to_string_lossy().into_owned();
    let mut import = Vec::new();
    let mut peaks = Vec::new();
    let mut floor = Vec::new();
    let mut register = Vec::new();
    let names = ["balances", "statement", "check", "review", "verify"];
    let mut reports: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    for run in 1..=args.runs {
        eprintln!("run {run} of {} …", args.runs);
        let db = dir.join(format!("run-{run}.db"));
        remove_ledger_files(&db)?;
        timed(&db, &["init"], &[0])?;
        let started = Instant::now();
        for kind in ["projects", "subprojects", "appropriations"] {
            timed(&db, &["import", kind, &file(&format!("{kind}.csv"))], &[0])?;
        }
        register.push(started.elapsed());
        let t = timed(&db, &["import", "entries", &file("entries.csv")], &[0])?;
        import.push(t.elapsed);
        peaks.extend(t.peak_kib);
        let year = crate::db::Db::open(&db)?
            .latest_entry()?
            .map_or_else(|| "2025".to_string(), |d| d.format("%Y").to_string());
        let plans: [&[&str]; 5] = [
            &["balances", "--format", "csv"],
            &["statement", "--year", &year, "--format", "csv"],
            &["check", "--format", "csv"],
            &["review", "--year", &year, "--format", "csv"],
            &["verify"],
        ];
        for (i, plan) in plans.iter().enumerate() {
            reports[i].push(timed(&db, plan, &[0, 3])?.elapsed);
        }
        let plain = dir.join(format!("floor-{run}.db"));
        remove_ledger_files(&plain)?;
        let started = Instant::now();
        crate::db::floor_import(&plain, &entries_csv)?;
        floor.push(started.elapsed());
        remove_ledger_files(&plain)?;
        if run < args.runs {
            remove_ledger_files(&db)?;
        }
    }
    let n = args.entries;
    let runs = |v: &[Duration]| v.iter().map(|d| seconds(*d)).collect::<Vec<_>>().join(", ");
    let yes = |b: bool| Cell::from(if b { "yes 是" } else { "NO 否" });
    let mut rows = Vec::new();
    let (mi, mf) = (median(import.clone()), median(floor.clone()));
    rows.push(vec![
        Cell::from(format!("import {n} entries (every rule checked)")),
        Cell::from(runs(&import)),
        Cell::from(seconds(mi)),
        Cell::from(""),
        Cell::Empty,
    ]);
    rows.push(vec![
        Cell::from("  entries/s"),
        Cell::from(import.iter().map(|d| rate(n, *d).to_string()).collect::<Vec<_>>().join(", ")),
        Cell::Int(rate(n, mi) as i64),
        Cell::from("≥ 150000"),
        yes(rate(n, mi) >= 150_000),
    ]);
    rows.push(vec![
        Cell::from("floor: same CSV into a plain table, no checks"),
        Cell::from(runs(&floor)),
        Cell::from(seconds(mf)),
        Cell::from(""),
        Cell::Empty,
    ]);
    let hundredths = mi.as_micros() * 100 / mf.as_micros().max(1);
    rows.push(vec![
        Cell::from("  import ÷ floor"),
        Cell::from(import.iter().zip(&floor).map(|(a, b)| ratio(*a, *b)).collect::<Vec<_>>().join(", ")),
        Cell::from(ratio(mi, mf)),
        Cell::from("≤ 3×"),
        yes(hundredths <= 300),
    ]);
    if !peaks.is_empty() {
        let mut sorted = peaks.clone();
        sorted.sort();
        let mib = sorted[sorted.len() / 2] / 1024;
        rows.push(vec![
            Cell::from("  import peak memory (MiB)"),
            Cell::from(peaks.iter().map(|k| (k / 1024).to_string()).collect::<Vec<_>>().join(", ")),
            Cell::Int(mib as i64),
            Cell::from("< 200"),
            yes(mib < 200),
        ]);
    }
    rows.push(vec![
        Cell::from("register import (projects, sub-projects, appropriations)"),
        Cell::from(runs(&register)),
        Cell::from(seconds(median(register.clone()))),
        Cell::from(""),
        Cell::Empty,
    ]);
    for (name, times) in names.iter().zip(&reports) {
        let m = median(times.clone());
        let limit = if *name == "verify" { Duration::from_secs(5) } else { Duration::from_secs(1) };
        rows.push(vec![
            Cell::from(*name),
            Cell::from(runs(times)),
            Cell::from(seconds(m)),
            Cell::from(format!("< {}", seconds(limit))),
            yes(m < limit),
        ]);
    }
    let report = Report {
        title: format!("fundledger bench: {n} entries, seed {}, {} runs (median)", args.seed, args.runs),
        columns: COLUMNS.to_vec(),
        rows,
        json_key: "figures",
        notes: vec![
            "each figure is a separate fundledger process, output discarded; statement and review are for the latest year".into(),
        ],
        ..Report::default()
    };
    render::print(&report, ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}
