//! `bench`: the performance figures of README's performance section, in one run.
//!
//! It generates a city-scale dataset (`gen`), then, for each run, builds a fresh ledger and
//! times — as separate `fundledger` processes, the way a clerk runs them, each through the
//! hidden `measure` subcommand so that it reports its peak memory — the entries import
//! (entries/s and peak memory), `balances`, `statement`, `check`, `review` and `verify`, and
//! the floor (`dev::floor`): the same entries CSV inserted into a plain table with no checks;
//! then, on a ledger of the first nine tenths, the last tenth imported in order against as
//! many back-dated corrections (`dev::derive`). It prints every run, the median and the target
//! next to it. When `hledger` is installed, it also times `hledger -f city.journal bal -N` on
//! the same entries once, beside fundledger's `balances`.

use super::derive;
use super::measure::PEAK_PREFIX;
use crate::db::remove_ledger_files;
use crate::error::{Error, Result};
use crate::render::{c, Cell, Col, Report};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Entries generated.
    pub entries: u64,
    /// Runs; the median is reported.
    pub runs: u32,
    /// The generator's seed.
    pub seed: u64,
    /// Where the data and the ledgers go (default: a temporary directory, removed afterwards).
    pub dir: Option<PathBuf>,
}

/// The reports timed after each import, in the order they are printed.
const REPORTS: [&str; 5] = ["balances", "statement", "check", "review", "verify"];

const COLUMNS: [Col; 5] =
    [c("figure", "指标"), c("runs", "各次"), c("median", "中位数"), c("target", "目标"), c("met", "达标")];

/// Every run's figures, in run order.
#[derive(Default)]
struct Timings {
    /// Projects, sub-projects and appropriations imported.
    register: Vec<Duration>,
    import: Vec<Duration>,
    /// The entries import's peak memory, in KiB, where the system tells it.
    peak_kib: Vec<u64>,
    floor: Vec<Duration>,
    /// Per report, in `REPORTS` order.
    reports: [Vec<Duration>; 5],
    /// The last tenth of the entries imported in date order, and as many back-dated ones.
    in_order: Vec<Duration>,
    back_dated: Vec<Duration>,
    /// Entries in each of those two files.
    tenth: u64,
    /// `balances`' peak memory (KiB), per run.
    balances_peak_kib: Vec<u64>,
    /// `hledger bal -N` on the same entries: its time and peak memory (KiB), once.
    hledger: Option<(Duration, Option<u64>)>,
}

/// Runs the benchmark; the figures come back as a report for the caller to print.
pub fn run(options: &Options) -> Result<Report> {
    let (dir, temporary) = match &options.dir {
        Some(d) => (d.clone(), false),
        None => (std::env::temp_dir().join(format!("fundledger-bench-{}", std::process::id())), true),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Internal(format!("cannot create {}: {e}", crate::error::shown_path(&dir))))?;
    let result = bench(options, &dir);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// The benchmark's pipeline: data, the runs, the report.
fn bench(options: &Options, dir: &Path) -> Result<Report> {
    let data = ensure_dataset(options, dir)?;
    let split = derive::split_with_corrections(&data.join("entries.csv"), &fresh_dir(dir, "split")?)?;
    let mut timings = Timings { tenth: split.size, ..Timings::default() };
    for run in 1..=options.runs {
        eprintln!("run {run} of {} …", options.runs);
        one_run(dir, &data, run, &mut timings)?;
        if run < options.runs {
            remove_ledger_files(&dir.join(format!("run-{run}.db")))?;
        }
        back_dated_run(dir, &data, &split, &mut timings)?;
    }
    timings.hledger = hledger(dir, &data)?;
    Ok(report(options, &timings))
}

/// `dir/name`, emptied.
fn fresh_dir(dir: &Path, name: &str) -> Result<PathBuf> {
    let d = dir.join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d)
        .map_err(|e| Error::Internal(format!("cannot create {}: {e}", crate::error::shown_path(&d))))?;
    Ok(d)
}

/// The register and `entries` imported into a fresh ledger at `db`, untimed.
fn build(db: &Path, data: &Path, entries: &Path) -> Result<()> {
    remove_ledger_files(db)?;
    timed(db, &["init"], &[0])?;
    for kind in ["projects", "subprojects", "appropriations"] {
        let file = data.join(format!("{kind}.csv")).to_string_lossy().into_owned();
        timed(db, &["import", kind, &file], &[0])?;
    }
    timed(db, &["import", "entries", &entries.to_string_lossy()], &[0])?;
    Ok(())
}

/// One back-dated comparison: a ledger of the base (nine tenths), copied twice; the last tenth
/// imported in order into one copy, the corrections into the other, each timed.
fn back_dated_run(dir: &Path, data: &Path, split: &derive::Split, t: &mut Timings) -> Result<()> {
    let base = dir.join("base.db");
    build(&base, data, &split.base)?;
    for (name, file, times) in
        [("in-order", &split.in_order, &mut t.in_order), ("back-dated", &split.back_dated, &mut t.back_dated)]
    {
        let db = dir.join(format!("{name}.db"));
        remove_ledger_files(&db)?;
        // The base's last connection closed, so the file alone holds it (no -wal to copy).
        std::fs::copy(&base, &db)
            .map_err(|e| Error::Internal(format!("cannot copy the base ledger: {e}")))?;
        times.push(timed(&db, &["import", "entries", &file.to_string_lossy()], &[0])?.elapsed);
        remove_ledger_files(&db)?;
    }
    remove_ledger_files(&base)
}

/// `hledger -f city.journal bal -N` on the dataset's entries, timed once with its peak memory,
/// when `hledger` is on the PATH; `None` when it is not.
fn hledger(dir: &Path, data: &Path) -> Result<Option<(Duration, Option<u64>)>> {
    let found = Command::new("hledger").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !found.is_ok_and(|s| s.success()) {
        eprintln!("hledger is not installed: the side-by-side comparison is skipped");
        return Ok(None);
    }
    let journal = fresh_dir(dir, "journal")?.join("city.journal");
    derive::write_journal(&data.join("entries.csv"), &journal)?;
    eprintln!("hledger -f {} bal -N …", crate::error::shown_path(&journal));
    let started = Instant::now();
    let mut child = Command::new("hledger")
        .arg("-f")
        .arg(&journal)
        .args(["bal", "-N"])
        .stdout(Stdio::null())
        // Not piped: a pipe nobody reads while it runs could fill and stall it.
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Error::Internal(format!("cannot run hledger: {e}")))?;
    // Its high-water mark, read from /proc while it runs (it only grows).
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = None;
    let status = loop {
        if let Some(kib) =
            std::fs::read_to_string(&status_file).ok().as_deref().and_then(super::measure::vm_hwm)
        {
            peak = Some(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::Internal(format!("waiting for hledger: {e}"))),
        }
    };
    let elapsed = started.elapsed();
    if !status.success() {
        let journal = crate::error::shown_path(&journal);
        return Err(Error::Internal(format!(
            "hledger failed on {journal} ({status}); run `hledger -f {journal} bal -N` to see why"
        )));
    }
    Ok(Some((elapsed, peak)))
}

/// The generated dataset's directory in `dir`, generated by `fundledger gen` unless an earlier
/// bench of the same size and seed left it there.
fn ensure_dataset(options: &Options, dir: &Path) -> Result<PathBuf> {
    let data = dir.join(format!("data-{}-{}", options.entries, options.seed));
    if data.join("entries.csv").exists() {
        return Ok(data);
    }
    eprintln!("generating {} entries into {} …", options.entries, crate::error::shown_path(&data));
    let (n, seed) = (options.entries.to_string(), options.seed.to_string());
    let status = Command::new(exe()?)
        .args(["gen", "--entries", &n, "--seed", &seed, "--out"])
        .arg(&data)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| Error::Internal(format!("cannot run fundledger gen: {e}")))?;
    if !status.success() {
        return Err(Error::Internal("fundledger gen failed".into()));
    }
    Ok(data)
}

/// A ledger of `entries` generated entries in `dir` (for `bench --serve`), built as a run does.
pub fn generated_ledger(dir: &Path, entries: u64, seed: u64) -> Result<PathBuf> {
    let options = Options { entries, runs: 1, seed, dir: Some(dir.to_path_buf()) };
    let data = ensure_dataset(&options, dir)?;
    let db = dir.join(format!("served-{entries}.db"));
    remove_ledger_files(&db)?;
    timed(&db, &["init"], &[0])?;
    for kind in ["projects", "subprojects", "appropriations", "entries"] {
        eprintln!("importing {kind} …");
        let file = data.join(format!("{kind}.csv")).to_string_lossy().into_owned();
        timed(&db, &["import", kind, &file], &[0])?;
    }
    Ok(db)
}

/// One run: a fresh ledger, the register and entries imported, the reports, the floor.
fn one_run(dir: &Path, data: &Path, run: u32, t: &mut Timings) -> Result<()> {
    let file = |name: &str| data.join(name).to_string_lossy().into_owned();
    let db = dir.join(format!("run-{run}.db"));
    remove_ledger_files(&db)?;
    timed(&db, &["init"], &[0])?;
    let started = Instant::now();
    for kind in ["projects", "subprojects", "appropriations"] {
        timed(&db, &["import", kind, &file(&format!("{kind}.csv"))], &[0])?;
    }
    t.register.push(started.elapsed());
    let import = timed(&db, &["import", "entries", &file("entries.csv")], &[0])?;
    t.import.push(import.elapsed);
    t.peak_kib.extend(import.peak_kib);
    time_reports(&db, t)?;
    let plain = dir.join(format!("floor-{run}.db"));
    remove_ledger_files(&plain)?;
    let started = Instant::now();
    super::floor::floor_import(&plain, &data.join("entries.csv"))?;
    t.floor.push(started.elapsed());
    remove_ledger_files(&plain)
}

/// Times each of `REPORTS` on the ledger; statement and review are for its latest year.
fn time_reports(db: &Path, t: &mut Timings) -> Result<()> {
    let year = crate::db::Db::open(db)?
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
        // Exit 3 (findings) is a report's answer, not a failure.
        let run = timed(db, plan, &[0, 3])?;
        t.reports[i].push(run.elapsed);
        if i == 0 {
            t.balances_peak_kib.extend(run.peak_kib);
        }
    }
    Ok(())
}

/// One timed child process.
struct Timed {
    elapsed: Duration,
    peak_kib: Option<u64>,
}

fn exe() -> Result<PathBuf> {
    std::env::current_exe().map_err(|e| Error::Internal(format!("cannot find the fundledger binary: {e}")))
}

/// Runs `fundledger measure -- --db DB ARGS…`, stdout discarded; exit codes in `ok` count as
/// success. The peak memory is the line `measure` prints to stderr.
fn timed(db: &Path, args: &[&str], ok: &[i32]) -> Result<Timed> {
    let started = Instant::now();
    let out = Command::new(exe()?)
        .args(["measure", "--", "--db"])
        .arg(db)
        .args(args)
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

/// The figures as a report: the import against its floor and targets, the back-dated import,
/// the reports, and hledger beside `balances`.
fn report(options: &Options, t: &Timings) -> Report {
    let mut rows = import_rows(options.entries, t);
    rows.extend(back_dated_rows(t));
    rows.extend(report_rows(t));
    rows.extend(hledger_rows(t));
    Report {
        title: format!(
            "fundledger bench: {} entries, seed {}, {} runs (median)",
            options.entries, options.seed, options.runs
        ),
        columns: COLUMNS.to_vec(),
        rows,
        json_key: "figures",
        notes: vec![
            "each figure is a separate fundledger process, output discarded; statement and review are for the latest year".into(),
        ],
        ..Report::default()
    }
}

/// The import's targets (issue 17): entries/s, the ratio to the floor, peak memory.
const IMPORT_RATE: u64 = 250_000;
const FLOOR_RATIO_PERCENT: u128 = 250;
const IMPORT_PEAK_MIB: u64 = 150;
/// A back-dated import's time, at most this many times an in-order one of the same size.
const BACK_DATED_RATIO_PERCENT: u128 = 500;
/// Each report's limit at a million entries; `verify`'s.
const REPORT_LIMIT: Duration = Duration::from_millis(150);
const VERIFY_LIMIT: Duration = Duration::from_millis(2500);

/// The entries import (time, rate, floor, ratio, peak memory) and the register import.
fn import_rows(n: u64, t: &Timings) -> Vec<Vec<Cell>> {
    let (mi, mf) = (median(&t.import), median(&t.floor));
    let joined = |v: Vec<String>| Cell::from(v.join(", "));
    let mut rows = vec![
        row(format!("import {n} entries (every rule checked)"), &t.import, None),
        vec![
            Cell::from("  entries/s"),
            joined(t.import.iter().map(|d| rate(n, *d).to_string()).collect()),
            Cell::Int(rate(n, mi) as i64),
            Cell::from(format!("≥ {IMPORT_RATE}")),
            yes(rate(n, mi) >= IMPORT_RATE),
        ],
        row("floor: same CSV into a plain table, no checks".into(), &t.floor, None),
        vec![
            Cell::from("  import ÷ floor"),
            joined(t.import.iter().zip(&t.floor).map(|(a, b)| ratio(*a, *b)).collect()),
            Cell::from(ratio(mi, mf)),
            Cell::from(format!("≤ {}.{}×", FLOOR_RATIO_PERCENT / 100, FLOOR_RATIO_PERCENT % 100 / 10)),
            yes(mi.as_micros() * 100 / mf.as_micros().max(1) <= FLOOR_RATIO_PERCENT),
        ],
    ];
    if !t.peak_kib.is_empty() {
        let mut sorted = t.peak_kib.clone();
        sorted.sort();
        let mib = sorted[sorted.len() / 2] / 1024;
        rows.push(vec![
            Cell::from("  import peak memory (MiB)"),
            joined(t.peak_kib.iter().map(|k| (k / 1024).to_string()).collect()),
            Cell::Int(mib as i64),
            Cell::from(format!("< {IMPORT_PEAK_MIB}")),
            yes(mib < IMPORT_PEAK_MIB),
        ]);
    }
    let register = "register import (projects, sub-projects, appropriations)";
    rows.push(row(register.into(), &t.register, None));
    rows
}

/// The last tenth in date order and as many back-dated corrections, on the same ledger.
fn back_dated_rows(t: &Timings) -> Vec<Vec<Cell>> {
    if t.in_order.is_empty() {
        return Vec::new();
    }
    let (a, b) = (median(&t.back_dated), median(&t.in_order));
    let joined =
        t.back_dated.iter().zip(&t.in_order).map(|(a, b)| ratio(*a, *b)).collect::<Vec<_>>().join(", ");
    vec![
        row(
            format!("import {} entries in date order onto the other nine tenths", t.tenth),
            &t.in_order,
            None,
        ),
        row(
            format!("import {} back-dated corrections (earlier years) instead", t.tenth),
            &t.back_dated,
            None,
        ),
        vec![
            Cell::from("  back-dated ÷ in order"),
            Cell::from(joined),
            Cell::from(ratio(a, b)),
            Cell::from(format!("≤ {}×", BACK_DATED_RATIO_PERCENT / 100)),
            yes(a.as_micros() * 100 / b.as_micros().max(1) <= BACK_DATED_RATIO_PERCENT),
        ],
    ]
}

/// Each report against its limit.
fn report_rows(t: &Timings) -> Vec<Vec<Cell>> {
    REPORTS
        .iter()
        .zip(&t.reports)
        .map(|(name, times)| {
            let limit = if *name == "verify" { VERIFY_LIMIT } else { REPORT_LIMIT };
            row(name.to_string(), times, Some(limit))
        })
        .collect()
}

/// hledger's balance report on the same entries beside fundledger's `balances`.
fn hledger_rows(t: &Timings) -> Vec<Vec<Cell>> {
    let Some((elapsed, peak)) = t.hledger else {
        return vec![vec![
            Cell::from("hledger -f city.journal bal -N"),
            Cell::from("not installed: not measured"),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ]];
    };
    let balances = median(&t.reports[0]);
    let mut rows = vec![
        row("hledger -f city.journal bal -N (same entries, once)".into(), &[elapsed], None),
        vec![
            Cell::from("  hledger ÷ fundledger balances"),
            Cell::Empty,
            Cell::from(ratio(elapsed, balances)),
            Cell::Empty,
            Cell::Empty,
        ],
    ];
    let mut fundledger = t.balances_peak_kib.clone();
    fundledger.sort();
    if let (Some(kib), Some(ours)) = (peak, fundledger.get(fundledger.len() / 2)) {
        rows.push(vec![
            Cell::from("  peak memory (MiB): hledger, fundledger balances"),
            Cell::Empty,
            Cell::from(format!("{}, {}", kib / 1024, ours / 1024)),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    rows
}

/// A figure's row: every run, the median, and with a `limit`, the target and whether it is met.
fn row(figure: String, times: &[Duration], limit: Option<Duration>) -> Vec<Cell> {
    let runs = times.iter().map(|d| seconds(*d)).collect::<Vec<_>>().join(", ");
    let m = median(times);
    let (target, met) = match limit {
        Some(limit) => (Cell::from(format!("< {}", seconds(limit))), yes(m < limit)),
        None => (Cell::from(""), Cell::Empty),
    };
    vec![Cell::from(figure), Cell::from(runs), Cell::from(seconds(m)), target, met]
}

fn yes(met: bool) -> Cell {
    Cell::from(if met { "yes 是" } else { "NO 否" })
}

/// `1.234 s`
fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
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
