//! Import behaviour a clerk relies on: encodings, Chinese headers, all-or-nothing, idempotence.

mod common;
use common::{fixtures, Ledger};

const ENTRY_ZH: &str = "凭证号,日期,类型,指标编号,子项目编号,金额,被冲销凭证号,摘要\r\n\
N-001,2024-07-01,拨付,A-FARM-NH,S-GRAIN,\"100,000.00\",,按进度拨付\r\n\
N-002,2024/07/02,支付,A-FARM-NH,S-GRAIN,¥40000,,工程款\r\n\
N-003,2024年7月3日,冲销,,,,N-002,冲销：重复支付\r\n";

#[test]
fn reads_gb18030_with_chinese_headers() {
    let l = Ledger::small();
    let (bytes, _, lossy) = encoding_rs::GB18030.encode(ENTRY_ZH);
    assert!(!lossy);
    let path = l.dir.path().join("gbk.csv");
    std::fs::write(&path, &bytes).expect("write");
    let out = l.ok_en(&["import", "entries", path.to_str().expect("path")]);
    assert!(out.contains("(GB18030): 3 added"), "{out}");
    assert_eq!(l.row("S-GRAIN", "disbursed"), "100000.00");
    assert_eq!(l.row("S-GRAIN", "paid"), "0.00");
}

#[test]
fn reads_utf8_with_bom_and_counts_reimported_rows_as_unchanged() {
    let l = Ledger::small();
    let path = l.file("bom.csv", &format!("\u{feff}{ENTRY_ZH}"));
    assert!(l.ok_en(&["import", "entries", &path]).contains("(UTF-8 with BOM): 3 added, 0 already recorded"));
    let (before, balances) = (l.bytes(), l.balances_json(&[]));
    let again = l.ok_en(&["import", "entries", &path]);
    assert!(again.contains("0 added, 3 already recorded (unchanged)"), "{again}");
    assert_eq!(l.balances_json(&[]), balances);
    assert!(l.bytes() == before, "re-importing identical rows must not change the ledger");
}

#[test]
fn importing_the_small_fixture_twice_doubles_nothing() {
    let l = Ledger::small();
    let before = l.balances_json(&[]);
    for kind in ["projects", "subprojects", "appropriations", "entries"] {
        let f = fixtures().join("small").join(format!("{kind}.csv"));
        let out = l.ok_en(&["import", kind, f.to_str().expect("path")]);
        assert!(out.contains(": 0 added"), "{out}");
    }
    assert_eq!(l.balances_json(&[]), before);
}

#[test]
fn one_bad_row_rejects_the_whole_file_and_lists_every_bad_row() {
    let l = Ledger::small();
    let path = l.file(
        "mixed.csv",
        "voucher,date,kind,appropriation,subproject,amount\n\
         M-1,2024-07-01,allocate,A-FARM-NH,S-GRAIN,100\n\
         M-2,2024-07-01,allocate,A-FARM-NH,S-DREDGE,100\n\
         M-3,2024-07-01,allocate,A-FARM-NH,S-GRAIN,100\n\
         M-4,2024-07-01,pay,A-FARM-NH,S-GRAIN,1\n",
    );
    let err = l.refused_en(
        &["import", "entries", &path],
        &["mixed.csv:3:", "[R2", "mixed.csv:5:", "[R3", "2 problems found"],
    );
    assert!(!err.contains("mixed.csv:2:") && !err.contains("mixed.csv:4:"), "{err}");
    assert_eq!(l.row("S-GRAIN", "allocated"), "300000.00");
}

#[test]
fn a_row_can_rely_on_rows_before_it_in_the_same_file() {
    let l = Ledger::small();
    let path = l.file(
        "chain.csv",
        "voucher,date,kind,appropriation,subproject,amount\n\
         K-1,2024-07-01,allocate,A-FARM-NH-C,S-FARM,250000.50\n\
         K-2,2024-07-02,disburse,A-FARM-NH-C,S-FARM,250000.50\n\
         K-3,2024-07-03,pay,A-FARM-NH-C,S-FARM,250000.50\n",
    );
    l.ok_en(&["import", "entries", &path]);
    let v = l.balances_json(&["--project", "P-AGRI"]);
    assert_eq!(v["totals"]["paid"], "500000.50");
    l.ok_en(&["verify"]);
}

#[test]
fn unknown_extra_columns_are_ignored_and_named() {
    let l = Ledger::new();
    let path = l.file(
        "p.csv",
        "序号,项目编号,项目名称,县市区,项目区范围,实施主体,集成模式,立项日期,精品示范工程,备注\n\
         1,P-1,测试项目,秀洲区,整镇域,王店镇人民政府,地,2024-01-01,否,无\n",
    );
    let out = l.ok_en(&["import", "projects", &path]);
    assert!(out.contains("1 added") && out.contains("ignored columns: 序号, 备注"), "{out}");
}

#[test]
fn counties_and_channels_resolve_by_code_or_name_and_straight_quotes() {
    let l = Ledger::small();
    let path = l.file(
        "a.csv",
        "appropriation,doc_no,channel,level,county,issued_on,amount\n\
         A-Q,浙财建〔2024〕3号,\"\"\"四好农村路\"\"专项补助资金\",省,NH,2024-06-01,1000\n",
    );
    l.ok_en(&["import", "appropriations", &path]);
    // One type, two channels: the road sub-project takes money from both.
    for (appropriation, voucher) in [("A-Q", "Q-1"), ("A-ROAD-NH", "Q-2")] {
        l.ok_en(&common::strs(&l.post("allocate", appropriation, "S-ROAD", "1000", "2024-06-02", voucher)));
    }
    let v = l.balances_json(&["--channel", "rural_roads_fund"]);
    assert_eq!(v["rows"][0]["channel"], "“四好农村路”专项补助资金");
    assert_eq!(v["totals"]["allocated"], "1000.00");
}

#[test]
fn balances_filters_refuse_unknown_values_and_json_amounts_are_strings() {
    let l = Ledger::small();
    let r = l.run_en(&["balances", "--county", "南湖"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("'南湖' is not a known county (known: 南湖区, 秀洲区"), "{}", r.stderr);
    let r = l.run_en(&["balances", "--project", "P-NOPE"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("option --project: project 'P-NOPE' is not recorded"), "{}", r.stderr);
    let v = l.balances_json(&["--county", "嘉善县"]);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["subproject"], "S-JS-FARM");
    for key in ["allocated", "withdrawn", "disbursed", "returned", "paid", "balance"] {
        assert!(rows[0][key].is_string(), "{key} must be a string");
    }
    assert_eq!(rows[0]["balance"], "1500000.00");
}

#[test]
fn csv_out_has_a_bom_and_english_headers_on_request() {
    let l = Ledger::small();
    l.ok(&["balances", "--format", "csv", "--lang", "en", "--out", "b.csv"]);
    let bytes = std::fs::read(l.dir.path().join("b.csv")).expect("b.csv");
    assert!(
        bytes.starts_with(
            b"\xEF\xBB\xBFproject,subproject,channel,allocated,withdrawn,disbursed,returned,paid,balance\r\n"
        ) || bytes.starts_with(
            b"\xEF\xBB\xBFproject,subproject,channel,allocated,withdrawn,disbursed,returned,paid,balance\n"
        )
    );
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(
        text.contains(
            "P-AGRI,S-FARM,高标准农田专项资金,600000.00,0.00,400000.00,50000.00,250000.00,300000.00"
        ),
        "{text}"
    );
}

#[test]
fn commands_on_a_missing_ledger_say_how_to_create_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(common::BIN)
        .args(["--db", "nope.db", "balances"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("请用 `fundledger --db nope.db init` 新建一个"));
    assert!(!dir.path().join("nope.db").exists(), "a read must not create a ledger");
}

#[test]
fn a_gb18030_file_whose_first_64_kib_are_ascii_is_still_read_as_gb18030() {
    let l = Ledger::small();
    let mut text = String::from("voucher,date,kind,appropriation,subproject,amount,memo\r\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "W-{i:04},2024-07-01,allocate,A-FARM-NH-C,S-FARM,0.01,ascii memo padding\r\n"
        ));
    }
    text.push_str("W-9999,2024-07-01,allocate,A-FARM-NH-C,S-FARM,0.01,中文摘要\r\n");
    assert!(text.len() > 64 * 1024);
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let path = l.dir.path().join("late-gbk.csv");
    std::fs::write(&path, &bytes).expect("write");
    let out = l.ok_en(&["import", "entries", path.to_str().expect("path")]);
    assert!(out.contains("(GB18030): 2001 added"), "{out}");
}

#[test]
fn crlf_files_report_physical_line_numbers_even_with_line_breaks_in_cells() {
    let l = Ledger::small();
    let f = l.file(
        "crlf.csv",
        "voucher,date,kind,appropriation,subproject,amount,memo\r\n\
         L-1,2024-07-01,allocate,A-FARM-NH-C,S-FARM,1,\"第一行\r\n第二行\"\r\n\
         \r\n\
         L-2,2024-07-01,allocate,A-FARM-NH-C,S-FARM,x,\r\n",
    );
    l.refused_en(&["import", "entries", &f], &["crlf.csv:5: column amount: 'x' is not an amount"]);
}

#[test]
fn headers_may_carry_the_yuan_unit_and_unknown_headers_are_named_on_refusal() {
    let l = Ledger::small();
    let ok = l.file(
        "unit.csv",
        "凭证号,日期,类型,指标编号,子项目编号,金额（元）\nU-1,2024-07-01,分配,A-FARM-NH-C,S-FARM,100\n",
    );
    l.ok_en(&["import", "entries", &ok]);
    // A unit fundledger does not know is not guessed at: the column is not recognised.
    let bad = l.file(
        "usd.csv",
        "凭证号,日期,类型,指标编号,子项目编号,金额（美元）\nU-2,2024-07-01,分配,A-FARM-NH-C,S-FARM,100\n",
    );
    l.refused_en(
        &["import", "entries", &bad],
        &["needs the amount", "these columns were not recognised and were ignored: 金额（美元）"],
    );
}

const ENTRY_HEADER: &str = "voucher,date,kind,appropriation,subproject,amount,reverses,memo";

/// A quote left open at the end of a row would read every later row into that cell: refused at
/// the line where the quote opened, whether the file ends inside it or goes on past the row limit.
#[test]
fn a_quote_left_open_is_refused_at_the_line_it_opened() {
    let l = Ledger::small();
    let f = l.file(
        "open-quote.csv",
        &format!(
            "{ENTRY_HEADER}\r\nQ-1,2024-07-01,allocate,A-FARM-NH-C,S-FARM,1,,\"补记\r\n\
             Q-2,2024-07-01,allocate,A-FARM-NH-C,S-FARM,2,,ok\r\n"
        ),
    );
    l.refused_en(
        &["import", "entries", &f],
        &["open-quote.csv:2: the quote that opens cell 8", "never closed"],
    );
    let mut long = format!("{ENTRY_HEADER}\nQ-1,2024-07-01,allocate,A-FARM-NH-C,S-FARM,1,,\"补记\n");
    for i in 2..3000 {
        long.push_str(&format!("Q-{i},2024-07-01,allocate,A-FARM-NH-C,S-FARM,1,,memo\n"));
    }
    long.push_str("Q-9,2024-07-01,allocate,A-FARM-NH-C,S-FARM,1,,\"closed\"\"here\"\n");
    let f = l.file("open-quote-long.csv", &long);
    l.refused_en(
        &["import", "entries", &f],
        &[
            "open-quote-long.csv:2: the row is longer than 65536 bytes",
            "the quote that opens cell 8 on line 2",
        ],
    );
}

/// A file partly UTF-8 and partly GB18030 would be read as mojibake in one of them: refused at
/// the first line in the other encoding, wherever it is (also past the first 64 KiB).
#[test]
fn a_file_mixing_utf8_and_gb18030_is_refused_at_the_first_line_in_the_other_encoding() {
    let l = Ledger::small();
    let row = |i: usize, memo: &str| format!("X-{i},2024-07-01,allocate,A-FARM-NH-C,S-FARM,1,,{memo}\n");
    let gb = |text: &str| encoding_rs::GB18030.encode(text).0.into_owned();
    let write = |name: &str, bytes: &[u8]| {
        let p = l.dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p.to_str().expect("path").to_string()
    };
    let utf8_then_gb =
        [format!("{ENTRY_HEADER}\n{}", row(1, "补记")).into_bytes(), gb(&row(2, "补记"))].concat();
    let f = write("utf8-then-gb.csv", &utf8_then_gb);
    l.refused_en(
        &["import", "entries", &f],
        &["utf8-then-gb.csv:3: line 3 is GB18030 but line 2 before it is UTF-8; save the whole file in one encoding"],
    );
    let gb_then_utf8 =
        [gb(&format!("{ENTRY_HEADER}\n{}", row(1, "补记"))), row(2, "补记").into_bytes()].concat();
    let f = write("gb-then-utf8.csv", &gb_then_utf8);
    l.refused_en(
        &["import", "entries", &f],
        &["gb-then-utf8.csv:3: line 3 is UTF-8 but line 2 before it is GB18030"],
    );
    // The GB18030 rows start after the first 64 KiB of a UTF-8 file.
    let mut late = format!("{ENTRY_HEADER}\n{}", row(0, "中文"));
    (1..2000).for_each(|i| late.push_str(&row(i, "ascii memo padding")));
    assert!(late.len() > 64 * 1024);
    let late = [late.into_bytes(), gb(&row(5000, "补记"))].concat();
    let f = write("late-gb.csv", &late);
    l.refused_en(
        &["import", "entries", &f],
        &["late-gb.csv:2002: line 2002 is GB18030 but line 2 before it is UTF-8"],
    );
}

/// A file of millions of bad rows keeps the first 1,000 problems and counts the rest.
#[test]
fn a_file_of_many_bad_rows_lists_the_first_problems_and_counts_the_rest() {
    let l = Ledger::small();
    let mut text = format!("{ENTRY_HEADER}\n");
    (0..3000).for_each(|i| text.push_str(&format!("B-{i},2024-13-01,allocate,A-FARM-NH-C,S-FARM,1,,\n")));
    let f = l.file("bad-rows.csv", &text);
    let err = l.refused_en(
        &["import", "entries", &f],
        &[
            "bad-rows.csv:2: column date",
            "error: … and 2800 more",
            "only the first 1000 problems are kept (the other 2000 are counted, not listed)",
            "3000 problems found; nothing was written",
        ],
    );
    assert!(!err.contains("bad-rows.csv:1002:"), "{err}");
}

/// Runs an import that must be refused with `fragment`, and on Linux checks that the process
/// never holds 100 MiB: its address space is capped (an allocation past it would abort the
/// process) and its peak resident size is sampled while it runs.
fn refused_in_bounded_memory(l: &Ledger, file: &str, fragment: &str) {
    const LIMIT_KIB: u64 = 100 * 1024;
    let mut cmd = if cfg!(target_os = "linux") {
        let mut c = std::process::Command::new("sh");
        c.args(["-c", &format!("ulimit -v {LIMIT_KIB} && exec \"$0\" \"$@\""), common::BIN]);
        c
    } else {
        std::process::Command::new(common::BIN)
    };
    cmd.arg("--db").arg(&l.db).args(["import", "entries", file, "--lang", "en"]);
    let mut child = cmd.stderr(std::process::Stdio::piped()).spawn().expect("spawn");
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    while child.try_wait().expect("wait").is_none() {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        let hwm =
            text.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().strip_suffix("kB"));
        peak_kib = peak_kib.max(hwm.and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0));
    }
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(fragment), "stderr lacks {fragment:?}: {stderr}");
    assert!(peak_kib < LIMIT_KIB, "the import's resident size peaked at {peak_kib} KiB");
}

#[test]
fn a_20_mb_row_is_refused_in_bounded_memory() {
    let l = Ledger::small();
    let commas = l.dir.path().join("commas.csv");
    std::fs::write(&commas, format!("{ENTRY_HEADER}\n{}\n", ",".repeat(20 << 20))).expect("write");
    refused_in_bounded_memory(
        &l,
        commas.to_str().expect("path"),
        "commas.csv:2: the row has more than 1000 cells",
    );
    let line = l.dir.path().join("one-line.csv");
    std::fs::write(&line, format!("{ENTRY_HEADER},{}", "x".repeat(20 << 20))).expect("write");
    refused_in_bounded_memory(
        &l,
        line.to_str().expect("path"),
        "one-line.csv:1: the row is longer than 65536 bytes",
    );
}

/// The same bad import, read by a Chinese clerk (the default) and with `--lang en`: both name
/// the file, the line, the column, the value given and the rule broken, in their language.
#[test]
fn a_refused_import_speaks_chinese_by_default_and_english_on_request() {
    let l = Ledger::small();
    let bad = l.file(
        "bad.csv",
        "凭证号,日期,类型,指标编号,子项目编号,金额\nB-1,2024-05-01,allocate,A-FARM-NH,S-FARM,12.345\n",
    );
    let zh = l.refused(&["import", "entries", &bad], &[]);
    for fragment in ["bad.csv:2:", "列 金额 (amount)", "'12.345'", "超过两位小数", "[R6 金额精确到分]"]
    {
        assert!(zh.contains(fragment), "the Chinese message lacks {fragment:?}:\n{zh}");
    }
    assert!(zh.starts_with("错误: ") && zh.contains("发现 1 个问题；未写入任何内容"), "{zh}");
    assert!(!zh.contains("has more than two decimals"), "English in the Chinese message:\n{zh}");
    let en = l.refused_en(&["import", "entries", &bad], &[]);
    for fragment in
        ["bad.csv:2:", "column 金额 (amount)", "'12.345'", "more than two decimals", "[R6 exact money]"]
    {
        assert!(en.contains(fragment), "the English message lacks {fragment:?}:\n{en}");
    }
    assert!(en.starts_with("error: ") && en.contains("1 problem found; nothing was written"), "{en}");
    // A broken rule is named by its tag in both languages.
    let overdraw = l.file(
        "over.csv",
        "凭证号,日期,类型,指标编号,子项目编号,金额\nB-2,2024-05-01,allocate,A-FARM-NH,S-FARM,99999999\n",
    );
    let zh = l.refused(
        &["import", "entries", &overdraw],
        &["over.csv:2:", "列 金额 (amount)", "99999999.00", "[R3 不得超支]"],
    );
    assert!(zh.contains("A-FARM-NH") && zh.contains("S-FARM"), "{zh}");
    l.refused_en(
        &["import", "entries", &overdraw],
        &["over.csv:2:", "column 金额 (amount)", "99999999.00", "[R3 no overdraw]"],
    );
}
