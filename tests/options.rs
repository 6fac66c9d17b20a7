//! Options mean the same in every command: a malformed or out-of-range year or date is a
//! usage error (exit 2) wherever it is given, naming the option and the accepted form, and
//! nothing is written.

mod common;

use common::Ledger;

#[test]
fn a_year_out_of_range_is_a_usage_error_in_every_command_that_takes_one() {
    let l = Ledger::small();
    for args in [
        ["close", "--year", "10000"],
        ["reopen", "--year", "1899"],
        ["review", "--year", "10000"],
        ["statement", "--year", "10000"],
    ] {
        let mut full = args.to_vec();
        if args[0] == "reopen" {
            full.extend(["--reason", "x"]);
        }
        let r = l.run_en(&full);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("'--year <YEAR>'") && r.stderr.contains("is not a year between 1900 and 9999"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_malformed_date_option_is_a_usage_error_naming_the_option() {
    let l = Ledger::small();
    for (args, option) in [
        (vec!["statement", "--from", "2024-13-01"], "--from"),
        (vec!["statement", "--from", "2024-01-01", "--to", "2024-02-30"], "--to"),
        (vec!["check", "--as-of", "yesterday"], "--as-of"),
        (vec!["log", "--since", "2024.13.1"], "--since"),
        (vec!["allocate", "--appropriation", "A-FARM-JS", "--date", "2024-00-10"], "--date"),
    ] {
        let r = l.run_en(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("'{option} <")) && r.stderr.contains("is not a date"),
            "{}",
            r.stderr
        );
    }
    // The forms clerks type are dates too.
    let r = l.run_en(&["check", "--as-of", "2024年6月1日", "--format", "json"]);
    assert_eq!(r.code, 3, "the small ledger has findings on that day: {}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["as_of"], "2024-06-01");
}
