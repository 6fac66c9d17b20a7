//! `demo` builds the sample city from scratch in the current directory and shows a refusal.

mod common;

fn demo(dir: &std::path::Path) -> (i32, String, String) {
    demo_with(dir, &[])
}

fn demo_with(dir: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(common::BIN)
        .arg("demo")
        .args(extra)
        .current_dir(dir)
        .output()
        .expect("run demo");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn demo_builds_the_sample_city_and_shows_a_refused_write() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, out, err) = demo(dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("集成项目 26 个，子项目 190 个，指标 72 条，分录 534 笔"), "{out}");
    assert!(out.contains("冲销 12") && out.contains("退回 10"), "{out}");
    for county in ["南湖区", "秀洲区", "嘉善县", "海盐县", "海宁市", "平湖市", "桐乡市"]
    {
        assert!(out.contains(county), "{county} missing");
    }
    assert!(out.contains("不得用于河道清淤类子项目") && out.contains("[R2 用途不变]"), "{out}");
    assert!(out.contains("未写入任何内容：写入前 534 笔分录，写入后 534 笔。"), "{out}");
    assert!(out.contains("环已逐环核对（链头 ") && out.contains("534 笔分录在"), "{out}");
    assert!(out.contains("发现 0 个问题。"), "{out}");
    assert!(out.contains("`check` 截至 2025-12-31：") && out.contains("shrinkage "), "{out}");
    assert!(out.contains("补助缩水最大的五个子项目（子项目实得少于公平份额）"), "{out}");
    assert!(out.contains("一份分配方案 —— `fundledger allocate --appropriation"), "{out}");
    assert!(out.contains("精确到分，按最大余数法分配"), "{out}");
    assert!(out.contains("部门资金报表，市水利局，2025年度："), "{out}");
    assert!(out.contains("部门资金报表 2025年度") && out.contains(" 市水利局 | 牵头 | 部门合计"), "{out}");
    assert!(
        out.contains("2025年度 土地综合整治项目集成 绩效评价 全市") && out.contains("资金到位率"),
        "{out}"
    );
    assert!(out.contains("账本指纹"), "{out}");
    // What really happens: a voucher with two lines, adjustments, a letter, receipts.
    assert!(out.contains("记-2025-0951 第2行：分配 ZB-2025-HN-003 → HN-2024-02-01 200,000.00"), "{out}");
    assert!(out.contains("ZB-2024-HN-007 -200,000.00，2025-11-20，依据 浙财资环〔2025〕41号"), "{out}");
    assert!(
        out.contains("土地综合整治项目集成部门项目确认书")
            && out.contains("不开展建设子项目 | HN-2024-01-04"),
        "{out}"
    );
    assert!(out.contains("（`reconcile --receipts`）：比对 11 行，2 行不符"), "{out}");
    assert!(
        out.contains("HN-2024-01-05 standalone:rural_roads_fund → 0.00，自 2025-03-01 起（海交〔2025〕6号）"),
        "{out}"
    );
    assert!(
        out.contains("接下来可以试试：  fundledger --db fundledger-demo.db balances --county 南湖区"),
        "{out}"
    );
    // Running it again rebuilds the demo ledger rather than doubling it.
    let (code, again, _) = demo(dir.path());
    assert_eq!(code, 0);
    assert!(again.contains("分录 534 笔"), "{again}");
}

#[test]
fn demo_headings_are_chinese_by_default_and_english_with_lang_en() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, zh, err) = demo(dir.path());
    assert_eq!(code, 0, "{zh}{err}");
    let (code, en, err) = demo_with(dir.path(), &["--lang", "en"]);
    assert_eq!(code, 0, "{en}{err}");
    let headings = [
        ("各县市区、各资金类别结余（元）：", "Balances by county and fund channel (元):"),
        ("一次被拒绝的写入 —— `fundledger post", "A refused write — `fundledger post"),
        ("已导入 fixtures/demo/projects.csv：26 行", "imported fixtures/demo/projects.csv: 26 rows"),
        (
            "补助缩水最大的五个子项目（子项目实得少于公平份额）：",
            "The five largest 补助缩水 gaps (sub-project received less than its fair share):",
        ),
        ("部门资金报表，市水利局，2025年度：", "Department fund statement (部门资金报表), 市水利局, 2025:"),
        ("如实记录发生的业务 —— 一张凭证，两行", "Recording what really happens — one voucher, two lines"),
        ("接下来可以试试：", "Try next:"),
    ];
    for (chinese, english) in headings {
        assert!(zh.contains(chinese), "{chinese:?} missing:\n{zh}");
        assert!(!zh.contains(english), "{english:?} in the Chinese demo:\n{zh}");
        assert!(en.contains(english), "{english:?} missing:\n{en}");
        assert!(!en.contains(chinese), "{chinese:?} in the English demo:\n{en}");
    }
    assert!(
        en.contains("26 integrated projects, 190 sub-projects, 72 appropriation lines, 534 entries"),
        "{en}"
    );
    assert!(en.contains("nothing was written: 534 entries before, 534 after."), "{en}");
    assert!(en.contains("记-2025-0951 line 2: 分配 ZB-2025-HN-003 → HN-2024-02-01 200,000.00"), "{en}");
    assert!(en.contains("(`reconcile --receipts`): 11 rows compared, 2 not matching"), "{en}");
    assert!(en.contains("Try next:  fundledger --db fundledger-demo.db balances --county 南湖区"), "{en}");
}

#[test]
fn demo_never_replaces_a_real_ledger() {
    let dir = tempfile::tempdir().expect("tmp");
    let real = dir.path().join("fundledger-demo.db");
    let init =
        std::process::Command::new(common::BIN).arg("--db").arg(&real).arg("init").output().expect("init");
    assert!(init.status.success());
    let before = std::fs::read(&real).expect("read");
    let (code, _, err) = demo(dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("不是演示账本"), "{err}");
    assert!(std::fs::read(&real).expect("read") == before);
}

#[test]
fn output_into_a_closed_pipe_exits_quietly_instead_of_panicking() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut child = std::process::Command::new(common::BIN)
        .arg("demo")
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader goes away at once, like `| head -0`
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn reports_written_as_they_are_made_exit_quietly_into_a_closed_pipe() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, _, err) = demo(dir.path());
    assert_eq!(code, 0, "{err}");
    let db = dir.path().join("fundledger-demo.db");
    for format in ["csv", "json"] {
        let mut child = std::process::Command::new(common::BIN)
            .arg("--db")
            .arg(&db)
            .args(["check", "--as-of", "2025-12-31", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("error"), "{format}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
    }
}
