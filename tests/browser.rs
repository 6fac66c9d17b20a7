//! Headless-browser tests of the web application (`fundledger serve`).
//!
//! Each test makes a fresh demo ledger (`fundledger demo` in a temporary directory), serves it on
//! a free port of 127.0.0.1, starts `/usr/bin/chromedriver` and drives a headless Chromium through
//! the real pages: signing in as each demo role, what each role sees and is refused, entries
//! posted and refused through the entry form, uploads with and without problems, a spreadsheet
//! downloaded with the browser's session cookie and checked against the command line's figures,
//! the implementing body's reconciliation upload, and signing out. Screenshots of the main pages
//! are written to `target/screenshots/*.png` for a human to look at.
//!
//! The browser is driven over the W3C WebDriver protocol with fantoccini, built without TLS on a
//! plain-HTTP hyper-util connector (`ClientBuilder::new(HttpConnector::new())`), since
//! chromedriver listens on 127.0.0.1. Each `Browser` owns a small tokio runtime and blocks on
//! every command, so the tests themselves are synchronous; the session is closed before
//! chromedriver (and the Chromium it started) is killed, also when a test fails.
//!
//! Enabling: the tests need Debian's `chromium`, `chromium-driver` and `fonts-wqy-microhei`
//! (`apt-get install chromium chromium-driver fonts-wqy-microhei`; `.ci/run` installs them).
//! Without them each test prints one "browser tests skipped" line and passes, unless the
//! environment variable `FUNDLEDGER_BROWSER_TESTS=required` is set (as `.ci/run` does), in which
//! case they fail. Run them alone with `cargo test --test browser`.

use std::collections::BTreeSet;
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const BIN: &str = env!("CARGO_BIN_EXE_fundledger");

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// Every role signs in, sees its own navigation and name, is refused (403 page) where it must be,
/// and signs out; a wrong password is refused on the sign-in page.
#[test]
fn each_role_sees_its_pages_and_is_refused_the_others() {
    let Some(app) = App::start() else { return };
    let b = Browser::start();

    // A wrong password: the sign-in page again, with the problem shown, and no session.
    b.goto(&app.url("/login"));
    b.screenshot("login");
    b.sign_in_form("nh-clerk", "not-the-password");
    assert!(b.exists("#problems"), "a wrong password should show #problems on the sign-in page");
    assert!(b.exists("#login"), "after a wrong password the sign-in form should be shown again");
    b.goto(&app.url("/"));
    assert!(b.current_url().contains("/login"), "without signing in, / should redirect to /login");

    let base = ["/", "/projects", "/reports/balances", "/reports/statement", "/reports/check"];
    let city = ["/reports/review", "/log", "/verify"];
    let writes = ["/entries/new", "/import", "/allocate"];
    let admin = ["/users"];

    struct Case<'a> {
        user: &'a str,
        label: &'a str,
        shown: Vec<&'a str>,
        hidden: Vec<&'a str>,
        open: Vec<&'a str>,
        refused: Vec<&'a str>,
    }
    let cases = [
        Case {
            user: "city-admin",
            label: "管理员",
            shown: [&base[..], &city, &writes, &admin].concat(),
            hidden: vec![],
            open: vec!["/users", "/reports/review?year=2025", "/projects/HN-2024-01", "/entries/new"],
            refused: vec![],
        },
        Case {
            user: "nh-clerk",
            label: "录入员",
            shown: [&base[..], &writes].concat(),
            hidden: [&city[..], &admin].concat(),
            open: vec!["/projects/NH-2024-01", "/entries/new", "/import"],
            refused: vec!["/projects/HN-2024-01", "/users", "/reports/review"],
        },
        Case {
            user: "hn-body",
            label: "实施主体",
            shown: base.to_vec(),
            hidden: [&city[..], &writes, &admin].concat(),
            open: vec!["/projects/HN-2024-01"],
            refused: vec!["/users", "/import", "/projects/NH-2024-01", "/reports/review"],
        },
        Case {
            user: "reviewer",
            label: "审阅人",
            shown: [&base[..], &city].concat(),
            hidden: [&writes[..], &admin].concat(),
            open: vec!["/reports/review?year=2025", "/log"],
            refused: vec!["/entries/new", "/users", "/import"],
        },
    ];

    for case in &cases {
        let user = case.user;
        b.sign_in(&app, user);
        let who = b.text("#who");
        assert!(
            who.starts_with(&format!("{user}（")) && who.contains(case.label),
            "#who for {user} should read `{user}（…{}…）`, got {who:?}",
            case.label
        );
        let nav = b.nav_links();
        for link in &case.shown {
            assert!(nav.contains(*link), "{user}'s navigation should link to {link}; it has {nav:?}");
        }
        for link in &case.hidden {
            assert!(!nav.contains(*link), "{user}'s navigation should not link to {link}; it has {nav:?}");
        }
        if user == "city-admin" {
            b.screenshot("dashboard-admin");
        }
        let cookie = b.session_cookie();
        for path in &case.open {
            let got = http_get(app.port, path, Some(&cookie));
            assert_eq!(got.status, 200, "{user} should be able to open {path}, got HTTP {}", got.status);
            b.goto(&app.url(path));
            assert!(!b.exists("#problems"), "{user} opening {path} should show no #problems");
            assert!(!b.text("h1").is_empty(), "{user} opening {path} should show a page title (h1)");
        }
        for path in &case.refused {
            let got = http_get(app.port, path, Some(&cookie));
            assert_eq!(
                got.status, 403,
                "{user} opening {path} should be refused with 403, got {}",
                got.status
            );
            b.goto(&app.url(path));
            assert!(b.exists("#problems"), "{user} opening {path}: the 403 page should explain in #problems");
            assert!(!b.text("#problems").is_empty(), "{user} opening {path}: #problems should not be empty");
        }
        if user == "hn-body" {
            b.goto(&app.url("/users"));
            b.screenshot("forbidden-body-users");
        }
        b.sign_out(&app);
    }
}

/// The clerk posts one good entry and one refused entry through the form, then imports a file
/// with problems (both listed, nothing written) and a good GB18030 file with Chinese headers;
/// the ledger (CLI and `/api/balances`) reflects exactly the accepted ones, each once the city's
/// admin has approved it (the demo makes allocations wait for a second person).
#[test]
fn clerk_posts_entries_and_imports_files() {
    let Some(app) = App::start() else { return };
    let b = Browser::start();
    b.sign_in(&app, "nh-clerk");
    let target = ("NH-2024-01-01", "高标准农田专项资金");
    assert_eq!(app.allocated(target), None, "the demo should have nothing allocated to {target:?} yet");

    // A refused entry first: paying more than was disbursed (rule R3).
    let before = app.snapshot();
    b.goto(&app.url("/entries/new"));
    b.fill_entry(
        "记-2025-T901",
        "2025-11-03",
        "浏览器测试：超支",
        "pay",
        "ZB-2025-NH-002",
        "NH-2024-01-02",
        "5000000",
    );
    let problems = b.text("#problems");
    assert!(
        problems.contains("R3"),
        "an over-payment should be refused under rule R3, #problems says {problems:?}"
    );
    assert!(b.exists("#entry"), "the refused entry's page should show the form again");
    assert!(!b.exists("#notice"), "a refused entry should show no success #notice");
    b.screenshot("entry-problems");
    app.assert_unchanged(&before, "after the refused over-payment");

    // A county clerk may not post to another county's sub-project: 403, nothing written.
    b.goto(&app.url("/entries/new"));
    b.fill_entry(
        "记-2025-T902",
        "2025-11-03",
        "浏览器测试：外县",
        "allocate",
        "ZB-2024-NH-004",
        "HN-2024-01-03",
        "1000",
    );
    assert!(b.exists("#problems"), "posting to a 海宁市 sub-project as nh-clerk should show #problems");
    assert!(
        !b.exists("#notice"),
        "posting to a 海宁市 sub-project as nh-clerk should show no success #notice"
    );
    app.assert_unchanged(&before, "after nh-clerk posted to a 海宁市 sub-project");

    // A good entry: the notice names the voucher, and the ledger shows the new allocation.
    b.goto(&app.url("/entries/new"));
    b.fill_entry(
        "记-2025-T903",
        "2025-11-03",
        "浏览器测试：分配",
        "allocate",
        "ZB-2024-NH-004",
        target.0,
        "100000.00",
    );
    assert!(!b.exists("#problems"), "the good entry should not be refused: {}", b.text_or_empty("#problems"));
    // The demo makes allocations wait for a second person: the clerk's voucher is submitted,
    // not recorded, until the city's admin approves it.
    let notice = b.text("#notice");
    assert!(
        notice.contains("记-2025-T903") && notice.contains("已提交审批"),
        "the notice after posting should name the voucher and say it awaits approval, got {notice:?}"
    );
    assert_eq!(app.allocated(target), None, "a pending allocation should not count as allocated yet");
    app.approve_as_admin("记-2025-T903", "nh-clerk");
    assert_eq!(
        app.allocated(target).as_deref(),
        Some("100000.00"),
        "once approved the CLI should show the posted allocation"
    );
    let api = http_get(app.port, "/api/balances", Some(&b.session_cookie()));
    assert_eq!(api.status, 200, "GET /api/balances with the browser's cookie should answer 200");
    let api: Value = serde_json::from_slice(&api.body).expect("/api/balances should answer JSON");
    assert!(
        api == app.cli_json(&["balances", "--county", "南湖区"]),
        "/api/balances for nh-clerk should equal the CLI's `balances --county 南湖区 --format json`"
    );

    // An upload with two bad lines: both listed with the file name and line, nothing written.
    let dir = tempfile::tempdir().expect("a temporary directory for the uploads");
    let bad = dir.path().join("bad-entries.csv");
    std::fs::write(
        &bad,
        "voucher,date,kind,appropriation,subproject,amount,reverses,memo\n\
         记-2025-T910,2025-11-05,allocate,ZB-2024-NH-005,NH-2024-01-01,1000.00,,好的一行\n\
         记-2025-T911,2025-13-05,allocate,ZB-2024-NH-005,NH-2024-01-01,1000.00,,日期有误\n\
         记-2025-T912,2025-11-05,allocate,ZB-2024-NH-005,NH-2024-01-01,12x.00,,金额有误\n",
    )
    .expect("writing the bad CSV");
    let before = app.snapshot();
    b.upload("/import", &app, &[("file", &bad)]);
    let problems = b.text("#problems");
    for (line, what) in [(3, "date"), (4, "amount")] {
        assert!(
            problems.contains("bad-entries.csv") && problems.contains(&line.to_string()),
            "#problems should list bad-entries.csv line {line} (the bad {what}), got {problems:?}"
        );
    }
    assert!(problems.contains("2025-13-05"), "#problems should quote the bad date, got {problems:?}");
    assert!(problems.contains("12x.00"), "#problems should quote the bad amount, got {problems:?}");
    b.screenshot("import-problems");
    app.assert_unchanged(&before, "after the upload with problems");

    // A good upload, GB18030-encoded, with the Chinese column names clerks' spreadsheets use.
    let good = dir.path().join("good-entries-gb18030.csv");
    let text = "凭证号,日期,类型,指标编号,子项目编号,金额,被冲销凭证号,摘要\r\n\
                记-2025-T920,2025-11-06,分配,ZB-2024-NH-005,NH-2024-01-01,\"50,000.00\",,浏览器测试：国标编码导入\r\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable, "the test CSV should be encodable in GB18030");
    assert!(std::str::from_utf8(&bytes).is_err(), "the GB18030 test file should not also be valid UTF-8");
    std::fs::write(&good, &bytes).expect("writing the GB18030 CSV");
    b.upload("/import", &app, &[("file", &good)]);
    assert!(!b.exists("#problems"), "the good GB18030 upload was refused: {}", b.text_or_empty("#problems"));
    let notice = b.text("#notice");
    assert!(
        notice.contains("新增 0 行") && notice.contains("1 行已提交审批"),
        "the import notice should say its one allocation was submitted for approval, got {notice:?}"
    );
    b.screenshot("import-result");
    app.approve_as_admin("记-2025-T920", "nh-clerk");
    assert_eq!(
        app.allocated(target).as_deref(),
        Some("150000.00"),
        "after the GB18030 import the CLI should show 100000.00 + 50000.00 allocated to {target:?}"
    );
    b.sign_out(&app);
}

/// Contracts and approvals: the implementing body reads its project's contract and cannot pay
/// it; the city's admin sees a plan refused for a sub-project without disbursed money (nothing
/// written), pays an EPC instalment by the plan shown, and approves, in the queue, the
/// allocation the demo left waiting for a second person.
#[test]
fn contract_payments_and_the_approval_queue() {
    let Some(app) = App::start() else { return };
    let b = Browser::start();
    b.sign_in(&app, "hn-body");
    b.goto(&app.url("/projects/HN-2024-01"));
    assert!(
        b.exists("a[href='/contracts/HT-HN-2025-02']"),
        "the project page of HN-2024-01 should link to its contract HT-HN-2025-02"
    );
    b.click("a[href='/contracts/HT-HN-2025-02']");
    let page = b.text("main");
    assert!(
        page.contains("记-2025-1101") && page.contains("浙江某工程总承包有限公司（示例）"),
        "the contract page should show its contractor and the demo's payment voucher, got {page:?}"
    );
    assert!(!b.exists("#pay"), "an implementing body should get no payment form");
    b.screenshot("contract-body");
    b.sign_out(&app);

    b.sign_in(&app, "city-admin");
    let before = app.snapshot();
    b.goto(&app.url("/contracts/HT-HN-2025-01"));
    b.type_into("#pay input[name=amount]", "100000");
    b.set_value("#pay input[name=date]", "2025-11-20");
    b.type_into("#pay input[name=voucher]", "记-2025-T950");
    b.click("#pay button[type=submit]");
    let problems = b.text("#problems");
    assert!(
        problems.contains("HN-2024-01-03") && problems.contains("R3"),
        "HN-2024-01-03 holds no disbursed money: the plan should be refused under R3, #problems says {problems:?}"
    );
    assert!(!b.exists("#commit"), "a plan that cannot be paid offers no commit");
    b.screenshot("contract-plan-refused");
    app.assert_unchanged(&before, "after a payment plan that cannot be paid");

    b.goto(&app.url("/contracts/HT-HN-2025-02"));
    b.type_into("#pay input[name=amount]", "50000");
    b.set_value("#pay input[name=date]", "2025-11-20");
    b.type_into("#pay input[name=voucher]", "记-2025-T951");
    b.type_into("#pay input[name=memo]", "浏览器测试：第二期进度款");
    b.click("#pay button[type=submit]");
    assert!(!b.exists("#problems"), "the EPC plan should be payable: {}", b.text_or_empty("#problems"));
    let plan = b.text("main");
    assert!(
        plan.contains("30,000.00") && plan.contains("20,000.00"),
        "50,000 split 3:2 by the shares 300,000 and 200,000, got {plan:?}"
    );
    b.screenshot("contract-plan");
    b.click("#commit button[type=submit]");
    let notice = b.text("#notice");
    assert!(notice.contains("记-2025-T951"), "the notice should name the voucher, got {notice:?}");
    b.screenshot("contract-paid");
    let contracts = app.cli_json(&["contracts", "--project", "HN-2024-01"]);
    let paid = contracts["contracts"]
        .as_array()
        .expect("contract rows")
        .iter()
        .find(|r| r["contract"] == "HT-HN-2025-02" && r["subproject"] == "HN-2024-01-02")
        .map(|r| r["paid"].clone());
    assert_eq!(paid, Some(json!("120000.00")), "90,000 by the demo and 30,000 now: {contracts}");

    b.goto(&app.url("/approvals"));
    assert!(b.exists("#approve-1"), "the admin's queue should offer to approve the demo's item #1");
    b.screenshot("approvals");
    assert_eq!(app.cli_json(&["pending"])["rows"].as_array().map(Vec::len), Some(1));
    b.click("#approve-1 button[type=submit]");
    let notice = b.text("#notice");
    assert!(notice.contains("#1"), "the notice should name the approved item, got {notice:?}");
    assert_eq!(app.cli_json(&["pending"])["rows"].as_array().map(Vec::len), Some(0));
    let all = app.cli_json(&["pending", "--all"]);
    assert_eq!(all["rows"][0]["status"], "approved", "{all}");
    assert_eq!(all["rows"][0]["checker"], "city-admin", "{all}");
    b.sign_out(&app);
}

/// Reports render for the city roles (with screenshots), the balances workbook downloaded with the
/// browser's session cookie agrees with the CLI, the project page offers its downloads, and the
/// implementing body's reconciliation upload shows its result.
#[test]
fn reports_downloads_and_reconciliation() {
    let Some(app) = App::start() else { return };
    let b = Browser::start();

    b.sign_in(&app, "city-admin");
    for (path, shot) in [
        ("/reports/statement?year=2025", "statement"),
        ("/reports/check", "check"),
        ("/reports/review?year=2025", "review"),
        ("/users", "users"),
        ("/projects/NH-2024-01", "project"),
    ] {
        b.goto(&app.url(path));
        assert!(!b.exists("#problems"), "city-admin opening {path} should show no #problems");
        assert!(b.count("table") > 0, "{path} should show at least one table");
        b.screenshot(shot);
    }

    // The project page: downloads at the top, money cells linking to the entries behind them.
    b.goto(&app.url("/projects/NH-2024-01"));
    let hrefs: Vec<String> = serde_json::from_value(
        b.exec("return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))", vec![]),
    )
    .expect("link hrefs");
    for format in ["format=xlsx", "format=csv"] {
        assert!(
            hrefs.iter().any(|h| h.ends_with(format)),
            "the project page should offer a {format} download"
        );
    }
    assert!(
        hrefs.iter().any(|h| h.starts_with("/entries?subproject=") && h.contains("channel=")),
        "the project page's money cells should link to /entries?subproject=…&channel=…"
    );
    let cookie = b.session_cookie();
    let xlsx_link = hrefs.iter().find(|h| h.ends_with("format=xlsx")).expect("checked above");
    let got = http_get(app.port, xlsx_link, Some(&cookie));
    assert_eq!(got.status, 200, "downloading {xlsx_link} should answer 200");
    assert!(
        got.header("content-disposition").is_some_and(|d| d.starts_with("attachment")),
        "{xlsx_link} should be an attachment, headers {:?}",
        got.headers
    );
    assert!(got.body.starts_with(b"PK"), "{xlsx_link} should be an .xlsx (zip) file");

    // The balances workbook, fetched with the browser's cookie, against the CLI's totals.
    let got = http_get(app.port, "/reports/balances?format=xlsx", Some(&cookie));
    assert_eq!(got.status, 200, "downloading the balances workbook should answer 200");
    let totals = workbook_totals(&got.body);
    let cli = app.cli_json(&["balances"]);
    for column in ["allocated", "disbursed", "paid", "balance"] {
        let want: f64 = cli["totals"][column]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("the CLI's balances JSON should have totals.{column}"));
        assert!(
            totals.iter().any(|t| (t - want).abs() < 0.005),
            "the balances workbook's 合计 row should contain the CLI's {column} total {want}, it has {totals:?}"
        );
    }
    let noauth = http_get(app.port, "/reports/balances?format=xlsx", None);
    assert_ne!(noauth.status, 200, "the balances workbook must not be served without a session");
    b.sign_out(&app);

    // The implementing body reconciles its own records against the ledger.
    b.sign_in(&app, "hn-body");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    b.upload(
        "/projects/HN-2024-01/reconcile",
        &app,
        &[
            ("payments", &fixtures.join("payments-HN-2024-01.csv")),
            ("receipts", &fixtures.join("receipts-HN-2024-01.csv")),
        ],
    );
    assert!(
        !b.exists("#problems"),
        "the body's reconciliation was refused: {}",
        b.text_or_empty("#problems")
    );
    assert!(b.count("table") > 0, "the reconciliation result should show tables");
    let h1 = b.text("h1");
    assert!(h1.contains("HN-2024-01"), "the reconciliation page title should name HN-2024-01, got {h1:?}");
    assert!(b.exists("#reconcile"), "the reconciliation result should offer the upload form again");
    b.screenshot("reconcile-result");
    b.sign_out(&app);
}

// ---------------------------------------------------------------------------------------------
// The application under test
// ---------------------------------------------------------------------------------------------

/// A demo ledger in a temporary directory, served on a free port; the server dies with it.
struct App {
    dir: tempfile::TempDir,
    db: PathBuf,
    port: u16,
    passwords: Vec<(String, String)>,
    server: ChildGuard,
}

/// What the ledger looked like, to prove a refused write wrote nothing.
struct Snapshot {
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
    balances: Value,
}

impl App {
    /// The application, or `None` (after printing why) when the browser is not installed.
    fn start() -> Option<App> {
        if !browser_available() {
            return None;
        }
        let dir = tempfile::tempdir().expect("a temporary directory for the demo ledger");
        let demo = Command::new(BIN)
            .arg("demo")
            .current_dir(dir.path())
            .output()
            .expect("running `fundledger demo`");
        assert!(demo.status.success(), "`fundledger demo` failed: {}", String::from_utf8_lossy(&demo.stderr));
        let stdout = String::from_utf8_lossy(&demo.stdout);
        let passwords: Vec<(String, String)> = ["city-admin", "nh-clerk", "hn-body", "reviewer"]
            .iter()
            .map(|user| {
                let line = stdout
                    .lines()
                    .find(|l| l.split_whitespace().next() == Some(user))
                    .unwrap_or_else(|| panic!("`fundledger demo` should print a password for {user}"));
                let password = line.split_whitespace().last().expect("a non-empty line").to_string();
                (user.to_string(), password)
            })
            .collect();
        let db = dir.path().join("fundledger-demo.db");
        assert!(db.exists(), "`fundledger demo` should create {}", db.display());

        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(&db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting `fundledger serve`");
        let stderr = child.stderr.take().expect("the server's stderr");
        let server = ChildGuard(child);
        let (tx, rx) = mpsc::channel();
        // Keeps draining stderr for the server's whole life, so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(port) = served_port(&line) {
                        break port;
                    }
                    seen.push(line);
                }
                Err(_) => {
                    panic!("`fundledger serve` did not print its http://127.0.0.1:PORT/ in 20 s: {seen:?}")
                }
            }
        };
        Some(App { dir, db, port, passwords, server })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn password(&self, user: &str) -> &str {
        let found = self.passwords.iter().find(|(u, _)| u == user);
        &found.unwrap_or_else(|| panic!("no demo password for {user}")).1
    }

    /// The CLI's `--format json` output of a read-only command on this ledger.
    fn cli_json(&self, args: &[&str]) -> Value {
        let out = Command::new(BIN)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .args(["--format", "json"])
            .current_dir(self.dir.path())
            .output()
            .expect("running the CLI");
        assert!(
            out.status.success(),
            "`fundledger {args:?}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("`fundledger {args:?}` printed bad JSON: {e}"))
    }

    /// What the CLI says is allocated to (sub-project, channel), if it has a balance row.
    /// Approves, as the city's admin on the server's shell, the pending item of `voucher`,
    /// checking first that `maker` submitted it.
    fn approve_as_admin(&self, voucher: &str, maker: &str) {
        let pending = self.cli_json(&["pending"]);
        let rows = pending["rows"].as_array().expect("pending JSON has rows");
        let item = rows
            .iter()
            .find(|r| r["voucher"] == voucher)
            .unwrap_or_else(|| panic!("`pending` should list voucher {voucher}, got {pending}"));
        assert_eq!(item["maker"], maker, "the pending item of {voucher} should name its maker");
        let id = item["id"].to_string();
        let out = Command::new(BIN)
            .arg("--db")
            .arg(&self.db)
            .args(["--operator", "city-admin", "approve", &id])
            .current_dir(self.dir.path())
            .output()
            .expect("running `fundledger approve`");
        assert!(
            out.status.success(),
            "`fundledger approve {id}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn allocated(&self, (subproject, channel): (&str, &str)) -> Option<String> {
        let balances = self.cli_json(&["balances", "--county", "南湖区"]);
        let rows = balances["rows"].as_array().expect("balances JSON has rows");
        rows.iter()
            .find(|r| r["subproject"] == subproject && r["channel"] == channel)
            .map(|r| r["allocated"].as_str().expect("allocated is a string").to_string())
    }

    fn snapshot(&self) -> Snapshot {
        let files = ["", "-wal"]
            .iter()
            .map(|suffix| {
                let mut path = self.db.clone().into_os_string();
                path.push(suffix);
                let path = PathBuf::from(path);
                let bytes = std::fs::read(&path).ok();
                (path, bytes)
            })
            .collect();
        Snapshot { files, balances: self.cli_json(&["balances"]) }
    }

    fn assert_unchanged(&self, before: &Snapshot, when: &str) {
        assert_eq!(self.cli_json(&["balances"]), before.balances, "the CLI's balances changed {when}");
        for (path, bytes) in &before.files {
            let now = std::fs::read(path).ok();
            assert!(now == *bytes, "the ledger file {} changed {when}", path.display());
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.server.kill();
    }
}

/// The port in the server's `… http://127.0.0.1:PORT/ …` line.
fn served_port(line: &str) -> Option<u16> {
    let rest = &line[line.find("http://127.0.0.1:")? + "http://127.0.0.1:".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether Chromium and chromedriver are installed; when not, fails if they are required and
/// otherwise prints the one skip line.
fn browser_available() -> bool {
    let missing = [CHROMIUM, CHROMEDRIVER].iter().any(|p| !Path::new(p).exists());
    if !missing {
        return true;
    }
    let hint =
        "apt-get install chromium chromium-driver fonts-wqy-microhei, or run .ci/run, which installs them";
    if std::env::var("FUNDLEDGER_BROWSER_TESTS").as_deref() == Ok("required") {
        panic!("FUNDLEDGER_BROWSER_TESTS=required but Chromium not found at {CHROMIUM} / {CHROMEDRIVER} ({hint})");
    }
    println!("browser tests skipped: Chromium not found ({hint})");
    false
}

/// Reads the first sheet of an .xlsx and returns the numbers on its 合计 (total) row.
fn workbook_totals(bytes: &[u8]) -> Vec<f64> {
    use calamine::{Data, Reader, Xlsx};
    let mut book =
        Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("the download should open as .xlsx");
    let sheet = book.sheet_names().first().cloned().expect("the workbook should have a sheet");
    let range = book.worksheet_range(&sheet).expect("the first sheet should be readable");
    let row = range
        .rows()
        .find(|r| r.iter().any(|c| matches!(c, Data::String(s) if s.trim() == "合计")))
        .unwrap_or_else(|| panic!("sheet {sheet:?} should have a 合计 row"));
    row.iter()
        .filter_map(|c| match c {
            Data::Float(f) => Some(*f),
            Data::Int(i) => Some(*i as f64),
            Data::String(s) => s.replace(',', "").parse().ok(),
            _ => None,
        })
        .collect()
}

/// Kills (and reaps) a child process when dropped.
struct ChildGuard(Child);

impl ChildGuard {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/// A headless Chromium session through a chromedriver of its own; both end when dropped.
///
/// fantoccini is asynchronous: the browser owns a single-threaded tokio runtime and blocks on
/// each command, so the tests stay synchronous. Every command is bounded by [`COMMAND_TIMEOUT`].
struct Browser {
    rt: tokio::runtime::Runtime,
    /// `None` only once the session has been closed (in `drop`).
    client: Option<Client>,
    driver: GroupGuard,
    _profile: tempfile::TempDir,
}

/// The longest any one WebDriver command may take (page loads are bounded at 30 s by WebDriver).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

impl Browser {
    fn start() -> Browser {
        let driver_port = free_port();
        // In a process group of its own, so the Chromium it starts can be ended with it.
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={driver_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("starting chromedriver");
        let driver = GroupGuard(ChildGuard(child));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", driver_port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {driver_port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("a temporary Chromium profile");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--window-size=1400,1000".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "timeouts": {"pageLoad": 30000, "script": 10000, "implicit": 0},
        });
        let Value::Object(caps) = caps else { unreachable!("a JSON object") };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime for fantoccini");
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let webdriver = format!("http://127.0.0.1:{driver_port}");
        let connect = builder.connect(&webdriver);
        let client = match rt.block_on(async { tokio::time::timeout(COMMAND_TIMEOUT, connect).await }) {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!("chromedriver could not start Chromium: {e}"),
            Err(_) => panic!("chromedriver did not start Chromium within {COMMAND_TIMEOUT:?}"),
        };
        Browser { rt, client: Some(client), driver, _profile: profile }
    }

    /// Runs one fantoccini command on this session; panics with WebDriver's message if it fails
    /// or takes longer than [`COMMAND_TIMEOUT`].
    fn run<'a, T, F>(&'a self, what: &str, command: impl FnOnce(&'a Client) -> F) -> T
    where
        F: Future<Output = Result<T, CmdError>>,
    {
        let client = self.client.as_ref().expect("the session is open until the browser is dropped");
        match self.rt.block_on(async { tokio::time::timeout(COMMAND_TIMEOUT, command(client)).await }) {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => panic!("WebDriver {what} failed: {e}"),
            Err(_) => panic!("WebDriver {what} took longer than {COMMAND_TIMEOUT:?}"),
        }
    }

    fn goto(&self, url: &str) {
        self.run(&format!("goto {url}"), |c| c.goto(url));
    }

    fn current_url(&self) -> String {
        self.run("current_url", |c| c.current_url()).to_string()
    }

    fn find_all(&self, css: &str) -> Vec<Element> {
        self.run(&format!("find_all {css:?}"), |c| c.find_all(Locator::Css(css)))
    }

    fn find(&self, css: &str) -> Element {
        let url = self.current_url();
        self.find_all(css).into_iter().next().unwrap_or_else(|| panic!("no element {css:?} on {url}"))
    }

    fn exists(&self, css: &str) -> bool {
        !self.find_all(css).is_empty()
    }

    fn count(&self, css: &str) -> usize {
        self.find_all(css).len()
    }

    /// The rendered text of the first element matching `css`.
    fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.run(&format!("text of {css:?}"), |_| element.text())
    }

    fn text_or_empty(&self, css: &str) -> String {
        if self.exists(css) {
            self.text(css)
        } else {
            String::new()
        }
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.run(&format!("send_keys to {css:?}"), |_| element.send_keys(text));
    }

    /// Clicks a link or a form's button (every click here leads to a page) and waits, bounded
    /// by [`COMMAND_TIMEOUT`], until the page it leads to has loaded: WebDriver's click may
    /// return before the navigation starts, and the old page would then be read as the new.
    fn click(&self, css: &str) {
        let element = self.find(css);
        self.exec("window.__fundledgerLeft = true; return true;", vec![]);
        self.run(&format!("click on {css:?}"), |_| element.click());
        let deadline = std::time::Instant::now() + COMMAND_TIMEOUT;
        let loaded = "return window.__fundledgerLeft === undefined && document.readyState === 'complete';";
        loop {
            // While the page changes a script may fail ("document unloaded"): that is not yet.
            let client = self.client.as_ref().expect("the session is open until the browser is dropped");
            let done = self.rt.block_on(async {
                tokio::time::timeout(COMMAND_TIMEOUT, client.execute(loaded, vec![])).await
            });
            if matches!(done, Ok(Ok(Value::Bool(true)))) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the page after clicking {css:?} did not load within {COMMAND_TIMEOUT:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn exec(&self, script: &str, args: Vec<Value>) -> Value {
        self.run("execute", |c| c.execute(script, args))
    }

    /// Sets a form field's value by script (dates and selects, which typing handles badly).
    fn set_value(&self, css: &str, value: &str) {
        let script = "const e = document.querySelector(arguments[0]); if (!e) return false; \
                      e.value = arguments[1]; return e.value === arguments[1];";
        let set = self.exec(script, vec![json!(css), json!(value)]);
        assert_eq!(set, json!(true), "could not set {css:?} to {value:?}");
    }

    fn nav_links(&self) -> BTreeSet<String> {
        let script =
            "return Array.from(document.querySelectorAll('header nav a')).map(a => a.getAttribute('href'))";
        serde_json::from_value(self.exec(script, vec![])).expect("nav hrefs")
    }

    /// Submits the sign-in form on the current page.
    fn sign_in_form(&self, user: &str, password: &str) {
        self.type_into("#login input[name=username]", user);
        self.type_into("#login input[name=password]", password);
        self.click("#login button[type=submit]");
    }

    /// Signs in as a demo user and checks the dashboard (not the sign-in page) is shown.
    fn sign_in(&self, app: &App, user: &str) {
        self.goto(&app.url("/login"));
        self.sign_in_form(user, app.password(user));
        self.goto(&app.url("/"));
        let url = self.current_url();
        assert!(
            !url.contains("/login") && self.exists("#who"),
            "{user} should be signed in and see the dashboard at /, but the browser is at {url} \
             (does Chromium keep the __Host-fundledger cookie?)"
        );
    }

    fn sign_out(&self, app: &App) {
        self.goto(&app.url("/"));
        self.click("#logout button[type=submit]");
        self.goto(&app.url("/"));
        let url = self.current_url();
        assert!(
            url.contains("/login"),
            "after signing out, / should redirect to /login, the browser is at {url}"
        );
    }

    /// The `name=value` of the session cookie, read through WebDriver (it is HttpOnly).
    fn session_cookie(&self) -> String {
        let cookies = self.run("get_all_cookies", |c| c.get_all_cookies());
        let cookie = cookies.iter().find(|c| c.name() == "__Host-fundledger");
        let cookie =
            cookie.unwrap_or_else(|| panic!("the browser should hold __Host-fundledger, it has {cookies:?}"));
        format!("__Host-fundledger={}", cookie.value())
    }

    /// Fills the entry form's header and first line and submits it.
    #[allow(clippy::too_many_arguments)]
    fn fill_entry(
        &self,
        voucher: &str,
        date: &str,
        memo: &str,
        kind: &str,
        appropriation: &str,
        subproject: &str,
        amount: &str,
    ) {
        self.type_into("#entry [name=voucher]", voucher);
        self.set_value("#entry [name=date]", date);
        self.type_into("#entry [name=memo]", memo);
        self.set_value("#entry [name=kind1]", kind);
        self.type_into("#entry [name=appropriation1]", appropriation);
        self.type_into("#entry [name=subproject1]", subproject);
        self.type_into("#entry [name=amount1]", amount);
        self.click("#entry button[type=submit]");
    }

    /// Opens `path`, puts each file into the named file input of its only form, and submits.
    fn upload(&self, path: &str, app: &App, files: &[(&str, &Path)]) {
        self.goto(&app.url(path));
        for (name, file) in files {
            let file = file.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            self.type_into(&format!("main form input[type=file][name={name}]"), &file.to_string_lossy());
        }
        self.click("main form[enctype='multipart/form-data'] button[type=submit]");
    }

    /// Writes a PNG of the viewport to `target/screenshots/{name}.png`.
    fn screenshot(&self, name: &str) {
        let png = self.run("screenshot", |c| c.screenshot());
        assert!(png.starts_with(b"\x89PNG"), "the screenshot of {name} should be a PNG");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("creating target/screenshots");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("writing a screenshot");
    }
}

impl Drop for Browser {
    /// Closes the WebDriver session (bounded, errors ignored: this also runs while a failed test
    /// unwinds), then kills chromedriver's process group.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self
                .rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(10), client.close()).await });
        }
        self.driver.kill();
    }
}

/// Kills a process and its whole process group (chromedriver and the Chromium it started) when
/// dropped, so a failed test leaves no browser behind.
struct GroupGuard(ChildGuard);

impl GroupGuard {
    fn kill(&mut self) {
        let group = format!("-{}", self.0 .0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        self.0.kill();
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    listener.local_addr().expect("the bound address").port()
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client (downloads from the application on 127.0.0.1)
// ---------------------------------------------------------------------------------------------

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A GET on the application, with the session cookie if given.
fn http_get(port: u16, path: &str, cookie: Option<&str>) -> HttpResponse {
    http_get_inner(port, path, cookie).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn http_get_inner(port: u16, path: &str, cookie: Option<&str>) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        request.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    // Read by Content-Length or chunking, else to the end of the connection.
    let mut reader = BufReader::new(stream);
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status =
        status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad(&status_line))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let mut response = HttpResponse { status, headers, body: Vec::new() };
    if response.header("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = size.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            response.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = response.header("content-length") {
        let length: usize = length.parse().map_err(|_| bad("bad Content-Length"))?;
        response.body = vec![0; length];
        reader.read_exact(&mut response.body)?;
    } else {
        reader.read_to_end(&mut response.body)?;
    }
    Ok(response)
}
