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
    let out = l.ok(&["import", "entries", &good]);
    assert_escaped("the import summary", &out);
    for format in ["table", "csv"] {
        assert_escaped(&format!("log --format {format}"), &l.ok(&["log", "--format", format]));
    }
    let json: serde_json::Value = serde_json::from_str(&l.ok(&["log", "--format", "json"])).expect("JSON");
    let last = json["writes"].as_array().and_then(|w| w.last()).expect("a write");
    assert_escaped("log --format json", last["detail"].as_str().expect("detail"));
    let bad = l.file(EVIL_NAME, "voucher,date,kind\nE-2,2024-13-01,allocate\n");
    let err = l.refused(&["import", "entries", &bad], &[]);
    assert_escaped("the refusal", &err);
    let out = l.run(&["balances", "--out", &format!("new-{EVIL_NAME}")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_escaped("the --out message", &out.stderr);
}
