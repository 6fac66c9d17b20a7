#![cfg(feature = "dev")]
//! `gen`: the generated city imports into a fresh ledger with no refusal, `verify` agrees, and
//! the balances equal a recompute from the generated entries; a seed always writes the same
//! bytes; existing files are never overwritten. `measure`, through which `bench` times its
//! processes, prints peak memory for the one command it runs and for no other run.

mod common;
use common::Ledger;
use fundledger::money::Fen;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

const FILES: [&str; 4] = ["projects.csv", "subprojects.csv", "appropriations.csv", "entries.csv"];

/// Runs `gen` into `dir` (relative to the ledger's directory) and returns the directory.
fn generate(l: &Ledger, dir: &str, entries: u64, projects: u32, seed: u64) -> PathBuf {
    let (entries, projects, seed) = (entries.to_string(), projects.to_string(), seed.to_string());
    let args = ["gen", "--entries", &entries, "--projects", &projects, "--seed", &seed, "--out", dir];
    l.ok_en(&args);
    l.dir.path().join(dir)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The rows of a generated CSV file as maps from column name to value.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("open generated CSV");
    let header = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a well-formed row");
            header.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// The balance columns, and the kind of entry that moves each.
const COLUMNS: [&str; 5] = ["allocated", "withdrawn", "disbursed", "returned", "paid"];
const KINDS: [&str; 5] = ["allocate", "withdraw", "disburse", "return", "pay"];

/// Balances per (project, sub-project, channel) recomputed from the generated files alone:
/// each entry adds to its kind's column, a reversal subtracts from its original's.
fn recompute(dir: &Path) -> BTreeMap<(String, String, String), [i128; 5]> {
    let channel_of: HashMap<String, String> = rows(&dir.join("appropriations.csv"))
        .into_iter()
        .map(|r| (r["appropriation"].clone(), r["channel"].clone()))
        .collect();
    let project_of: HashMap<String, String> = rows(&dir.join("subprojects.csv"))
        .into_iter()
        .map(|r| (r["subproject"].clone(), r["project"].clone()))
        .collect();
    let mut kind_of: HashMap<String, String> = HashMap::new();
    let mut lines = BTreeMap::new();
    let mut last_date = String::new();
    for e in rows(&dir.join("entries.csv")) {
        assert!(e["date"] >= last_date, "entries are in date order: {} after {last_date}", e["date"]);
        last_date = e["date"].clone();
        let amount = Fen::parse_positive(&e["amount"]).expect("a positive amount in yuan").0;
        let (kind, signed) = match e["kind"].as_str() {
            "reverse" => (kind_of[&e["reverses"]].clone(), -amount),
            kind => (kind.to_string(), amount),
        };
        kind_of.insert(e["voucher"].clone(), e["kind"].clone());
        let key = (
            project_of[&e["subproject"]].clone(),
            e["subproject"].clone(),
            channel_of[&e["appropriation"]].clone(),
        );
        let column = KINDS.iter().position(|k| *k == kind).expect("a movement kind");
        lines.entry(key).or_insert([0i128; 5])[column] += signed;
    }
    lines
}

fn amount(v: &serde_json::Value) -> i128 {
    Fen::parse_yuan(v.as_str().expect("amounts are strings")).expect("an amount").0
}

#[test]
fn a_generated_city_imports_without_refusal_and_its_balances_match_a_recompute() {
    let l = Ledger::new();
    let dir = generate(&l, "city", 20_000, 40, 7);
    for (kind, file) in ["projects", "subprojects", "appropriations", "entries"].iter().zip(FILES) {
        let out = l.ok_en(&["import", kind, dir.join(file).to_str().expect("utf-8 path")]);
        assert!(out.contains("0 already recorded"), "{out}");
    }
    assert!(l.ok_en(&["verify"]).contains(" and 20000 entries over "));

    let expected = recompute(&dir);
    let kinds: Vec<String> = rows(&dir.join("entries.csv")).into_iter().map(|e| e["kind"].clone()).collect();
    for kind in ["allocate", "disburse", "pay", "withdraw", "return", "reverse"] {
        assert!(kinds.iter().any(|k| k == kind), "the mix has {kind}");
    }
    let json = l.balances_json(&[]);
    let mut seen = BTreeMap::new();
    for row in json["rows"].as_array().expect("rows") {
        let key = [&row["project"], &row["subproject"], &row["channel"]]
            .map(|v| v.as_str().expect("text").to_string());
        seen.insert((key[0].clone(), key[1].clone(), key[2].clone()), COLUMNS.map(|c| amount(&row[c])));
    }
    assert_eq!(seen, expected, "balances per (project, sub-project, channel) match the recompute");
    let totals = &json["totals"];
    for (i, column) in COLUMNS.iter().enumerate() {
        let sum: i128 = expected.values().map(|v| v[i]).sum();
        assert_eq!(amount(&totals[column]), sum, "total {column}");
    }
    let balance: i128 = expected.values().map(|v| v[0] - v[1] - v[3] - v[4]).sum();
    assert_eq!(amount(&totals["balance"]), balance);
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_other_ones() {
    let l = Ledger::new();
    let a = generate(&l, "a", 5_000, 20, 42);
    let b = generate(&l, "b", 5_000, 20, 42);
    let c = generate(&l, "c", 5_000, 20, 43);
    for file in FILES {
        assert!(read(&a.join(file)) == read(&b.join(file)), "{file} differs for the same seed");
        assert!(read(&a.join(file)) != read(&c.join(file)), "{file} is the same for another seed");
    }
    let entries = read(&a.join("entries.csv"));
    assert_eq!(entries.iter().filter(|b| **b == b'\n').count(), 5_001, "a header and exactly 5,000 entries");
}

#[test]
fn gen_never_overwrites_a_file_and_writes_nothing_when_one_exists() {
    let l = Ledger::new();
    let dir = generate(&l, "city", 1_000, 5, 1);
    let before: Vec<Vec<u8>> = FILES.iter().map(|f| read(&dir.join(f))).collect();
    let r = l.run_en(&["gen", "--entries", "1000", "--projects", "5", "--seed", "2", "--out", "city"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("entries.csv already exists; gen never overwrites a file"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    let after: Vec<Vec<u8>> = FILES.iter().map(|f| read(&dir.join(f))).collect();
    assert!(before == after, "the existing files are unchanged");

    // One stray file is enough to refuse, and no other file is created beside it.
    let stray = l.file("appropriations.csv", "appropriation\n");
    let r = l.run_en(&["gen", "--entries", "10", "--projects", "1", "--out", "."]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("appropriations.csv already exists"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&stray).expect("stray file"), "appropriation\n");
    assert!(!l.dir.path().join("projects.csv").exists(), "nothing else was written");

    let r = l.run_en(&["gen", "--entries", "10"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("name it with --out DIR"), "{}", r.stderr);
}

#[test]
fn measure_runs_one_command_and_prints_its_peak_memory_and_no_other_run_does() {
    let l = Ledger::new();
    let db = l.db.to_str().expect("utf-8 path");
    let r = l.run_en(&["measure", "--", "--db", db, "balances", "--format", "csv"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, l.ok_en(&["balances", "--format", "csv"]), "the command's own output");
    if cfg!(target_os = "linux") {
        let peak = r.stderr.lines().find_map(|l| l.strip_prefix("peak memory KiB: "));
        assert!(peak.is_some_and(|kib| kib.parse::<u64>().is_ok_and(|k| k > 0)), "{}", r.stderr);
    }

    // The command's exit code is measure's; its message is printed once.
    let r = l.run_en(&["measure", "--", "--db", db, "import", "entries", "missing.csv"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("missing.csv") && r.stderr.contains("peak memory KiB: "), "{}", r.stderr);

    // An ordinary run never looks at memory, and measure is not offered to clerks.
    let r = l.run_en(&["balances"]);
    assert!(!r.stderr.contains("peak memory"), "{}", r.stderr);
    assert!(!l.ok_en(&["--help"]).contains("measure"));
}

/// What `bench` derives from a dataset: the back-dated corrections import with no refusal
/// onto the base, each dated before the base's last year, and leave every balance as it was;
/// the base and the in-order tail together are the dataset; the hledger journal has one
/// two-posting transaction per entry.
#[test]
fn the_derived_files_are_valid_back_dated_corrections_and_a_journal_of_the_same_entries() {
    let l = Ledger::new();
    let dir = generate(&l, "city", 20_000, 40, 7);
    let split_dir = l.dir.path().join("split");
    std::fs::create_dir(&split_dir).expect("split dir");
    let split = fundledger::dev::derive::split_with_corrections(&dir.join("entries.csv"), &split_dir)
        .expect("the split");
    assert_eq!(split.size, 2_000, "a tenth of the entries, in each timed file");
    let (base, tail, back) = (rows(&split.base), rows(&split.in_order), rows(&split.back_dated));
    assert_eq!((base.len(), tail.len(), back.len()), (18_000, 2_000, 2_000));
    let all = rows(&dir.join("entries.csv"));
    assert!(base.iter().chain(&tail).eq(all.iter()), "base then tail is the dataset, in order");
    let last_year = base.iter().map(|r| r["date"][..4].to_string()).max().expect("a year");
    assert!(back.iter().all(|r| r["date"][..4] < *last_year), "every correction is back-dated");
    for kind in ["projects", "subprojects", "appropriations"] {
        l.ok_en(&["import", kind, dir.join(format!("{kind}.csv")).to_str().expect("utf-8")]);
    }
    l.ok_en(&["import", "entries", split.base.to_str().expect("utf-8")]);
    let before = l.balances_json(&[]);
    let out = l.ok_en(&["import", "entries", split.back_dated.to_str().expect("utf-8")]);
    assert!(out.contains("2000 added"), "{out}");
    let after = l.balances_json(&[]);
    for column in ["allocated", "disbursed", "balance"] {
        assert_eq!(
            after["totals"][column], before["totals"][column],
            "a correction nets to nothing: {column}"
        );
    }
    // Each pair reversed a payment and paid it again.
    assert_eq!(amount(&after["totals"]["paid"]), amount(&before["totals"]["paid"]));

    let journal = l.dir.path().join("city.journal");
    let n = fundledger::dev::derive::write_journal(&dir.join("entries.csv"), &journal).expect("journal");
    assert_eq!(n, 20_000);
    let text = String::from_utf8(read(&journal)).expect("utf-8 journal");
    let first = &all[0];
    let expected = format!(
        "\n{} {} {}\n    line:{}:{}:{}  {}\n    appropriation:{}\n",
        first["date"],
        first["voucher"],
        first["memo"],
        first["appropriation"],
        first["subproject"],
        first["kind"],
        first["amount"],
        first["appropriation"]
    );
    assert!(text.contains(&expected), "the first entry as a transaction:\n{expected}");
    assert_eq!(text.matches("\n    appropriation:").count(), 20_000, "one balancing posting per entry");
}

/// A project's page and reconciliation read only its own lines and its county's
/// entitlements: each of its figures equals the city-wide report's for the same rows,
/// including fair shares where a county's channel was issued less than its entitlements.
#[test]
fn a_projects_figures_read_alone_equal_the_citys() {
    let l = Ledger::new();
    let dir = generate(&l, "city", 20_000, 40, 7);
    for (kind, file) in ["projects", "subprojects", "appropriations", "entries"].iter().zip(FILES) {
        l.ok_en(&["import", kind, dir.join(file).to_str().expect("utf-8 path")]);
    }
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        serde_json::from_str(&l.ok_en(&all)).expect("json")
    };
    let city = json(&["entitlements"]);
    let city_rows = city["rows"].as_array().expect("rows");
    let statement = json(&["statement"]);
    let statement_rows = statement["rows"].as_array().expect("rows");
    let short: Vec<&str> = city_rows
        .iter()
        .filter(|r| r["fair_share"] != r["entitlement"])
        .filter_map(|r| r["project"].as_str())
        .collect();
    assert!(!short.is_empty(), "some county's channel is issued less than its entitlements");
    let mut projects: Vec<&str> = city_rows.iter().filter_map(|r| r["project"].as_str()).collect();
    projects.dedup();
    let mut chosen: Vec<&str> = short.clone();
    chosen.extend(projects.iter().step_by(10));
    chosen.sort_unstable();
    chosen.dedup();
    for project in chosen {
        let alone = json(&["entitlements", "--project", project]);
        let expected: Vec<&serde_json::Value> =
            city_rows.iter().filter(|r| r["project"] == project).collect();
        let got: Vec<&serde_json::Value> = alone["rows"].as_array().expect("rows").iter().collect();
        assert_eq!(got, expected, "entitlements of {project}");

        let matrix = json(&["reconcile", "--project", project]);
        let rows = matrix["matrix"]["rows"].as_array().expect("matrix rows");
        let lead: Vec<&serde_json::Value> =
            statement_rows.iter().filter(|r| r["project"] == project && r["role"] == "lead").collect();
        assert_eq!(rows.len(), lead.len(), "matrix rows of {project}");
        for row in rows {
            let same = lead
                .iter()
                .find(|r| r["subproject"] == row["subproject"] && r["channel"] == row["channel"])
                .unwrap_or_else(|| panic!("{project}: {row} is in the city's statement"));
            for key in [
                "allocated",
                "withdrawn",
                "disbursed",
                "returned",
                "paid",
                "balance",
                "entitlement",
                "fair_share",
            ] {
                assert_eq!(row[key], same[key], "{project} {} {key}", row["subproject"]);
            }
        }
    }
}
