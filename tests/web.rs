//! The web application without a browser: the authorisation matrix over every route and
//! role, scope in every answer, CSRF, login throttling, session fixation, security headers,
//! body limits, escaping, and writes that record the signed-in user or nothing at all. Each
//! test runs the real `fundledger serve` on 127.0.0.1 and a free port, and speaks HTTP/1.1
//! to it over a plain socket.

mod common;

use common::{Ledger, BIN};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `fundledger serve`, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(l: &Ledger) -> Server {
        Server::start_with(l, &[], &[], "http")
    }

    /// `serve` on 127.0.0.1 and a free port with `extra` arguments and `env`, once it says
    /// where it listens (`scheme://ADDR/`).
    fn start_with(l: &Ledger, extra: &[&std::ffi::OsStr], env: &[(&str, &str)], scheme: &str) -> Server {
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(&l.db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start fundledger serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let prefix = format!("{scheme}://");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find(&prefix) {
                    let _ = tx.send(line[at + prefix.len()..].split('/').next().unwrap_or("").to_string());
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(20));
        let server = Server { child, addr: addr.unwrap_or_default() };
        assert!(server.addr.starts_with("127.0.0.1:"), "the server listens on loopback: {:?}", server.addr);
        server
    }
}

/// An HTTP answer.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One request over a fresh connection.
fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send head");
    // A refused body may be answered before it is all read: a broken pipe is an answer too.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 =
        lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Resp { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 4 + size..];
    }
    out
}

/// A signed-in user: the session cookie and its CSRF token.
struct Client {
    addr: String,
    cookie: String,
    csrf: String,
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(pairs).expect("form").into_bytes()
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("Content-Type", "application/json");

fn session_cookie(r: &Resp) -> Option<String> {
    let set = r.header("set-cookie")?;
    let pair = set.split(';').next()?;
    pair.starts_with("__Host-fundledger=").then(|| pair.to_string())
}

fn login(s: &Server, name: &str, password: &str) -> Client {
    let r = request(&s.addr, "POST", "/login", &[FORM], &form(&[("username", name), ("password", password)]));
    assert_eq!(r.status, 303, "{name} signs in: {}", r.text());
    let cookie = session_cookie(&r).expect("a session cookie at sign-in");
    let session = request(&s.addr, "GET", "/api/session", &[("Cookie", &cookie)], b"");
    assert_eq!(session.status, 200, "{}", session.text());
    let csrf = session.json()["csrf_token"].as_str().expect("csrf_token").to_string();
    Client { addr: s.addr.clone(), cookie, csrf }
}

impl Client {
    fn get(&self, path: &str) -> Resp {
        request(&self.addr, "GET", path, &[("Cookie", &self.cookie)], b"")
    }

    fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        request(&self.addr, "POST", path, &[FORM, ("Cookie", &self.cookie)], &form(&all))
    }

    fn post_json(&self, path: &str, body: &serde_json::Value) -> Resp {
        let headers = [JSON, ("Cookie", self.cookie.as_str()), ("X-CSRF-Token", self.csrf.as_str())];
        request(&self.addr, "POST", path, &headers, body.to_string().as_bytes())
    }
}

/// Runs fundledger with `stdin`.
/// Runs fundledger with `stdin`, which must succeed.
fn with_stdin(l: &Ledger, args: &[&str], stdin: &str) {
    let r = l.run_with_stdin(args, stdin);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
}

/// The small ledger (南湖区: P-AGRI, P-LAND; 嘉善县: P-PEOPLE) with a user of each role:
/// admin, clerk (南湖区), body (P-AGRI), reviewer; every password is `NAME-password`.
fn with_users() -> Ledger {
    let l = Ledger::small();
    let contracts = common::fixtures().join("small").join("contracts.csv");
    l.ok(&["import", "contracts", contracts.to_str().expect("utf-8 path")]);
    with_stdin(&l, &["user", "add", "admin", "--role", "admin", "--password-stdin"], "admin-password");
    with_stdin(
        &l,
        &["user", "add", "clerk", "--role", "clerk", "--county", "南湖区", "--password-stdin"],
        "clerk-password",
    );
    with_stdin(
        &l,
        &["user", "add", "body", "--role", "body", "--project", "P-AGRI", "--password-stdin"],
        "body-password",
    );
    with_stdin(
        &l,
        &["user", "add", "reviewer", "--role", "reviewer", "--password-stdin"],
        "reviewer-password",
    );
    l
}

fn sign_in(s: &Server, role: &str) -> Client {
    login(s, role, &format!("{role}-password"))
}

/// What the ledger says, as a reader sees it: what a refused write must leave unchanged.
fn ledger_state(l: &Ledger) -> String {
    l.ok(&["balances", "--format", "json"]) + &l.ok(&["log", "--format", "json"])
}

const ROLES: [&str; 4] = ["admin", "clerk", "body", "reviewer"];

#[test]
fn every_route_answers_each_role_as_its_policy_says() {
    let l = with_users();
    let s = Server::start(&l);
    let clients: Vec<(&str, Client)> = ROLES.iter().map(|r| (*r, sign_in(&s, r))).collect();
    let routes = fundledger::web::route_table();
    assert!(routes.len() >= 30, "the route table lists every route");
    for route in &routes {
        // Path parameters: the body's own project, and a user name that does not exist.
        // A contract of the body's project (HT-2024-001 covers S-FARM and S-GRAIN of P-AGRI).
        let code = if route.path.starts_with("/contracts/") { "HT-2024-001" } else { "P-AGRI" };
        let mut path =
            route.path.replace("{code}", code).replace("{name}", "nobody").replace("{id}", "unknown");
        if route.method == "GET" && path == "/entries" {
            path.push_str("?subproject=S-FARM"); // the entries behind one sub-project's figures
        }
        if route.path == "/logout" {
            continue; // signs the client out: tested on its own below
        }
        // Not signed in: only public routes answer; pages send to the sign-in page.
        let anonymous = match route.method {
            "GET" => request(&s.addr, "GET", &path, &[], b""),
            _ => request(&s.addr, "POST", &path, &[FORM], b"csrf=x"),
        };
        if route.policy == fundledger::web::Policy::Public {
            assert!(anonymous.status < 400 || anonymous.status == 401, "{path}: {}", anonymous.status);
            continue; // the sign-in page and the stylesheet answer everyone alike
        } else if route.method == "GET" && !route.path.starts_with("/api/") {
            assert_eq!(anonymous.status, 303, "{} {path} sends a stranger to sign in", route.method);
            assert_eq!(anonymous.header("location"), Some("/login"));
        } else {
            assert_eq!(anonymous.status, 401, "{} {path} without signing in", route.method);
        }
        for (role, c) in &clients {
            let r = match route.method {
                "GET" => c.get(&path),
                _ => c.post_form(&path, &[]),
            };
            let admitted = route.policy.admits(fundledger::model::Role::parse(role).expect("role"));
            // An import job nobody started is not found, for those who may follow one.
            let not_found_is_an_answer = route.path.contains("{id}");
            if admitted {
                assert!(
                    r.status != 401
                        && r.status != 403
                        && (r.status != 404 || not_found_is_an_answer)
                        && r.status < 500,
                    "{} {path} should admit {role}, answered {}: {}",
                    route.method,
                    r.status,
                    r.text().chars().take(300).collect::<String>()
                );
            } else {
                assert_eq!(r.status, 403, "{} {path} should refuse {role}", route.method);
            }
        }
    }
    // A path no route declares is not found, for everyone.
    assert_eq!(clients[0].1.get("/nowhere").status, 404);
    assert_eq!(request(&s.addr, "GET", "/nowhere", &[], b"").status, 404);
}

#[test]
fn a_body_and_a_clerk_see_only_their_own_rows_in_every_answer() {
    let l = with_users();
    let s = Server::start(&l);
    let body = sign_in(&s, "body");
    let balances = body.get("/api/balances").json();
    let rows = balances["rows"].as_array().expect("rows");
    assert!(!rows.is_empty(), "the body sees its project's balances");
    assert!(rows.iter().all(|r| r["project"] == "P-AGRI"), "{balances}");
    let check = body.get("/api/check?as_of=2025-12-31").json();
    for f in check["flags"].as_array().expect("flags") {
        assert_eq!(f["project"], "P-AGRI", "a flag of another project reached the body: {f}");
    }
    for page in [
        "/reports/balances",
        "/reports/balances?format=csv",
        "/reports/check?as_of=2025-12-31",
        "/projects",
        "/",
    ] {
        let text = body.get(page).text();
        for other in ["P-LAND", "P-PEOPLE", "S-JS-FARM", "S-ROAD", "嘉善县"] {
            assert!(!text.contains(other), "{page} shows {other} to the body of P-AGRI");
        }
    }
    let statement = body.get("/api/statement?year=2024");
    assert_eq!(statement.status, 200, "{}", statement.text());
    assert!(
        !statement.text().contains("S-ROAD") && statement.text().contains("S-FARM"),
        "{}",
        statement.text()
    );
    assert_eq!(body.get("/projects/P-PEOPLE").status, 403);
    assert_eq!(body.get("/projects/P-LAND").status, 403);
    assert_eq!(body.get("/entries?subproject=S-ROAD").status, 403);
    assert_eq!(body.get("/projects/NO-SUCH").status, 404);
    assert_eq!(body.get("/entries?subproject=S-FARM").status, 200);

    let clerk = sign_in(&s, "clerk");
    let balances = clerk.get("/api/balances").json();
    let projects: std::collections::BTreeSet<&str> =
        balances["rows"].as_array().expect("rows").iter().filter_map(|r| r["project"].as_str()).collect();
    assert!(projects.contains("P-AGRI") && !projects.contains("P-PEOPLE"), "{projects:?}");
    assert_eq!(clerk.get("/projects/P-PEOPLE").status, 403);
    assert_eq!(clerk.get("/api/statement?year=2024&county=嘉善县").status, 403);
    let xlsx = clerk.get("/reports/statement?year=2024&format=xlsx");
    assert_eq!(xlsx.status, 200);
    assert!(
        xlsx.header("content-disposition").is_some_and(|d| d.starts_with("attachment")),
        "downloads are attachments"
    );
    assert!(xlsx.body.starts_with(b"PK"), "an .xlsx is a zip");

    // The reviewer reads everything and the city-wide review; the clerk does not.
    let reviewer = sign_in(&s, "reviewer");
    let all = reviewer.get("/api/balances").json();
    assert!(all["rows"].as_array().expect("rows").iter().any(|r| r["project"] == "P-PEOPLE"));
    assert_eq!(reviewer.get("/api/review?year=2024").status, 200);
    assert_eq!(clerk.get("/api/review?year=2024").status, 403);
}

#[test]
fn a_clerk_posting_outside_their_county_gets_403_and_nothing_is_written() {
    let l = with_users();
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let before = ledger_state(&l);
    let entry = serde_json::json!({
        "voucher": "W-OUT", "date": "2024-06-01", "kind": "allocate",
        "appropriation": "A-FARM-JS", "subproject": "S-JS-FARM", "amount": "100.00", "memo": "嘉善的子项目"
    });
    let r = clerk.post_json("/api/entries", &entry);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["problems"][0]["rule"], "access", "{}", r.text());
    // The same through the form, and through an upload of a file naming it.
    let r = clerk.post_form(
        "/entries",
        &[
            ("voucher", "W-OUT2"),
            ("date", "2024-06-01"),
            ("kind1", "allocate"),
            ("appropriation1", "A-FARM-JS"),
            ("subproject1", "S-JS-FARM"),
            ("amount1", "100"),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("未写入任何内容"), "the page says nothing was written");
    assert_eq!(ledger_state(&l), before, "a refused write changed the ledger");

    // Inside the county the same entry is recorded, under the clerk's name.
    let ok = serde_json::json!({
        "voucher": "W-IN", "date": "2024-06-01", "kind": "allocate",
        "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": "100.00", "memo": "南湖"
    });
    let r = clerk.post_json("/api/entries", &ok);
    assert_eq!(r.status, 201, "{}", r.text());
    let log = l.ok(&["log", "--format", "json"]);
    let log: serde_json::Value = serde_json::from_str(&log).expect("log JSON");
    let last = log["writes"].as_array().and_then(|w| w.last()).cloned().expect("a write");
    assert_eq!(last["operator"], "clerk", "the signed-in user is the operator: {last}");
    assert_eq!(last["command"], "web post", "{last}");
    // A broken rule answers 422 with every problem, and writes nothing.
    let before = ledger_state(&l);
    let bad = serde_json::json!({
        "voucher": "W-BAD", "date": "2024-13-01", "kind": "pay",
        "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": "1.234", "memo": ""
    });
    let r = clerk.post_json("/api/entries", &bad);
    assert_eq!(r.status, 422, "{}", r.text());
    let fields: Vec<String> =
        r.json()["problems"].as_array().expect("problems").iter().map(|p| p["field"].to_string()).collect();
    assert!(
        fields.iter().any(|f| f.contains("date")) && fields.iter().any(|f| f.contains("amount")),
        "{fields:?}"
    );
    let overdraw = serde_json::json!({
        "voucher": "W-OVER", "date": "2024-06-01", "kind": "pay",
        "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": "99999999.00"
    });
    let r = clerk.post_json("/api/entries", &overdraw);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["problems"][0]["rule"], "R3", "{}", r.text());
    assert_eq!(ledger_state(&l), before, "a refused write changed the ledger");
}

#[test]
fn writes_need_the_csrf_token_with_a_cookie_and_a_bearer_token_needs_none() {
    let l = with_users();
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let before = ledger_state(&l);
    let entry = serde_json::json!({
        "voucher": "W-CSRF", "date": "2024-06-01", "kind": "allocate",
        "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": "1.00"
    });
    let no_token = request(
        &s.addr,
        "POST",
        "/api/entries",
        &[JSON, ("Cookie", &clerk.cookie)],
        entry.to_string().as_bytes(),
    );
    assert_eq!(no_token.status, 403, "{}", no_token.text());
    let wrong = request(
        &s.addr,
        "POST",
        "/api/entries",
        &[JSON, ("Cookie", &clerk.cookie), ("X-CSRF-Token", "00")],
        entry.to_string().as_bytes(),
    );
    assert_eq!(wrong.status, 403);
    let form_without = request(
        &s.addr,
        "POST",
        "/entries",
        &[FORM, ("Cookie", &clerk.cookie)],
        &form(&[("voucher", "W-F"), ("date", "2024-06-01"), ("kind1", "allocate")]),
    );
    assert_eq!(form_without.status, 403);
    assert_eq!(ledger_state(&l), before, "a write without its CSRF token changed the ledger");

    // A script with a bearer token needs no CSRF token; a wrong token is refused outright.
    let token = {
        let out = Command::new(BIN)
            .arg("--db")
            .arg(&l.db)
            .args(["user", "token", "clerk"])
            .output()
            .expect("token");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .find(|w| w.len() == 64)
            .expect("a token")
            .to_string()
    };
    let auth = format!("Bearer {token}");
    let r = request(
        &s.addr,
        "POST",
        "/api/entries",
        &[JSON, ("Authorization", &auth)],
        entry.to_string().as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let bad = request(&s.addr, "GET", "/api/balances", &[("Authorization", "Bearer 1234")], b"");
    assert_eq!(bad.status, 401);
}

#[test]
fn login_is_throttled_per_user_without_saying_whether_the_user_exists() {
    let l = with_users();
    let s = Server::start(&l);
    let attempt = |name: &str| {
        request(
            &s.addr,
            "POST",
            "/login",
            &[FORM],
            &form(&[("username", name), ("password", "wrong-password")]),
        )
    };
    let known = attempt("clerk");
    let unknown = attempt("no-such-user");
    assert_eq!(known.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(known.text(), unknown.text(), "a wrong password and an unknown user read the same");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(attempt("clerk").status);
    }
    assert!(statuses.contains(&429), "repeated failures are throttled: {statuses:?}");
    // The right password is throttled too while the limit holds.
    let r = request(
        &s.addr,
        "POST",
        "/login",
        &[FORM],
        &form(&[("username", "clerk"), ("password", "clerk-password")]),
    );
    assert_eq!(r.status, 429, "a throttled name cannot sign in even with its password");
    let mut unknown_statuses = Vec::new();
    for _ in 0..6 {
        unknown_statuses.push(attempt("no-such-user").status);
    }
    assert!(unknown_statuses.contains(&429), "an unknown user is throttled alike: {unknown_statuses:?}");
}

#[test]
fn sign_in_gives_a_new_session_and_sign_out_ends_it() {
    let l = with_users();
    let s = Server::start(&l);
    // A session id planted before sign-in is not the one after it.
    let planted = "__Host-fundledger=planted-by-an-attacker";
    let r = request(
        &s.addr,
        "POST",
        "/login",
        &[FORM, ("Cookie", planted)],
        &form(&[("username", "admin"), ("password", "admin-password")]),
    );
    assert_eq!(r.status, 303);
    let cookie = session_cookie(&r).expect("a new session cookie");
    assert_ne!(cookie, planted);
    assert_eq!(
        request(&s.addr, "GET", "/", &[("Cookie", planted)], b"").status,
        303,
        "the planted id is not signed in"
    );
    // The cookie's attributes.
    let set = r.header("set-cookie").expect("set-cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set.contains(attribute), "the session cookie lacks {attribute}: {set}");
    }
    assert!(!set.contains("Domain"), "a __Host- cookie has no Domain: {set}");
    // Signing in again as another user on the same browser changes the id again.
    let again = request(
        &s.addr,
        "POST",
        "/login",
        &[FORM, ("Cookie", &cookie)],
        &form(&[("username", "clerk"), ("password", "clerk-password")]),
    );
    assert_eq!(again.status, 303);
    let second = session_cookie(&again);
    assert!(second.as_deref().is_some_and(|c| c != cookie), "a second sign-in gets a new id");
    // Sign-out deletes the session: the old cookie no longer works.
    let admin = login(&s, "admin", "admin-password");
    let out = admin.post_form("/logout", &[]);
    assert_eq!(out.status, 303);
    assert_eq!(admin.get("/api/session").status, 401, "the session ended at sign-out");
    // A user disabled while signed in is signed out at once.
    let clerk = sign_in(&s, "clerk");
    assert_eq!(clerk.get("/api/session").status, 200);
    let disabled = Command::new(BIN)
        .arg("--db")
        .arg(&l.db)
        .args(["user", "disable", "clerk"])
        .output()
        .expect("disable");
    assert!(disabled.status.success());
    assert_eq!(clerk.get("/api/session").status, 401, "a disabled user's session stops working");
}

#[test]
fn every_answer_carries_the_security_headers() {
    let l = with_users();
    let s = Server::start(&l);
    let admin = sign_in(&s, "admin");
    for r in [
        request(&s.addr, "GET", "/login", &[], b""),
        admin.get("/"),
        admin.get("/api/balances"),
        admin.get("/nowhere"),
    ] {
        let csp = r.header("content-security-policy").expect("a CSP");
        for directive in
            ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]
        {
            assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
        }
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert!(r.header("referrer-policy").is_some());
    }
}

#[test]
fn bodies_over_their_limit_are_refused_with_413() {
    let l = with_users();
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let memo = "备".repeat(120_000);
    let big = serde_json::json!({"voucher": "W-BIG", "date": "2024-06-01", "kind": "allocate", "memo": memo});
    assert_eq!(clerk.post_json("/api/entries", &big).status, 413, "a JSON body over 256 KiB");
    let huge = vec![b'a'; 21 * 1024 * 1024];
    let boundary = "----fundledger";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n",
        clerk.csrf
    )
    .into_bytes();
    body.extend_from_slice(&huge);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let r = request(
        &s.addr,
        "POST",
        "/import",
        &[("Content-Type", &content_type), ("Cookie", &clerk.cookie)],
        &body,
    );
    assert_eq!(r.status, 413, "an upload over 20 MiB");
}

#[test]
fn what_users_typed_is_shown_as_text_never_run() {
    let l = with_users();
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let entry = serde_json::json!({
        "voucher": "W-XSS", "date": "2024-06-01", "kind": "allocate", "appropriation": "A-FARM-NH",
        "subproject": "S-FARM", "amount": "1.00", "memo": "<script>alert('x')</script>"
    });
    assert_eq!(clerk.post_json("/api/entries", &entry).status, 201);
    let page = clerk.get("/entries?subproject=S-FARM").text();
    assert!(page.contains("&#60;script&#62;alert"), "the memo is shown escaped");
    assert!(!page.contains("<script>alert"), "the memo never runs");
    // The entries behind a figure download as CSV, the memo as it was typed.
    let csv = clerk.get("/entries?subproject=S-FARM&format=csv");
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-disposition").is_some_and(|d| d.contains("entries.csv")), "an attachment");
    let text = csv.text();
    assert!(text.contains("凭证号") && text.contains("<script>alert('x')</script>"), "{text}");
    // A refused form shows what was typed, escaped too.
    let r = clerk.post_form("/entries", &[("voucher", "\"><script>x</script>"), ("date", "nope")]);
    assert_eq!(r.status, 422);
    assert!(!r.text().contains("<script>x</script>"), "a typed value is never markup");
}

#[test]
fn uploads_are_all_or_nothing_and_name_every_problem() {
    let l = with_users();
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let upload = |name: &str, bytes: &[u8]| {
        let boundary = "----fundledger-upload";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nentries\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            csrf = clerk.csrf
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        request(
            &s.addr,
            "POST",
            "/import",
            &[("Content-Type", &content_type), ("Cookie", &clerk.cookie)],
            &body,
        )
    };
    let before = ledger_state(&l);
    let bad = "凭证号,日期,类型,指标编号,子项目编号,金额,冲销凭证,摘要\n\
               U-1,2024-06-01,allocate,A-FARM-NH,S-FARM,10.00,,好的一行\n\
               U-2,2024-06-31,allocate,A-FARM-NH,S-FARM,10.00,,日期错\n\
               U-3,2024-06-01,allocate,A-FARM-NH,S-FARM,1.005,,金额错\n\
               U-4,2024-06-01,allocate,A-FARM-JS,S-JS-FARM,10.00,,别县\n";
    let r = upload("分配.csv", bad.as_bytes());
    assert!(r.status == 403 || r.status == 422, "{}", r.status);
    let text = r.text();
    for line in ["分配.csv:3", "分配.csv:4", "分配.csv:5"] {
        assert!(text.contains(line), "the page names {line}:\n{text}");
    }
    assert_eq!(ledger_state(&l), before, "a refused upload changed the ledger");
    // A good file in GB18030, and the same entries as an .xlsx workbook.
    let good = "凭证号,日期,类型,指标编号,子项目编号,金额,冲销凭证,摘要\nU-5,2024-06-01,allocate,A-FARM-NH,S-FARM,10.00,,国标编码\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(good);
    let r = upload("分配-gbk.csv", &gb);
    assert_eq!(r.status, 303, "{}", r.text());
    let page = clerk.get("/import").text();
    assert!(page.contains("新增 1 行") && page.contains("GB18030"), "{page}");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = ["凭证号", "日期", "类型", "指标编号", "子项目编号", "金额", "冲销凭证", "摘要"];
    for (i, h) in header.iter().enumerate() {
        sheet.write_string(0, u16::try_from(i).expect("column"), *h).expect("header");
    }
    for (i, v) in ["U-6", "2024-06-02", "allocate", "A-FARM-NH", "S-FARM"].iter().enumerate() {
        sheet.write_string(1, u16::try_from(i).expect("column"), *v).expect("cell");
    }
    sheet.write_number(1, 5, 12.5).expect("amount");
    sheet.write_string(1, 7, "Excel 上传").expect("memo");
    let bytes = book.save_to_buffer().expect("workbook");
    let r = upload("分配.xlsx", &bytes);
    assert_eq!(r.status, 303, "{}", r.text());
    let entries = clerk.get("/entries?subproject=S-FARM").text();
    assert!(
        entries.contains("U-6") && entries.contains("12.50"),
        "the workbook's entry is recorded: {entries}"
    );
}

#[test]
fn a_sub_projects_entries_are_shown_a_page_at_a_time_and_download_whole() {
    let l = with_users();
    // 250 more allocations of S-FARM after the fixture's: three pages of 100.
    let mut csv = String::from("voucher,date,kind,appropriation,subproject,amount,reverses,memo\n");
    for i in 0..250 {
        csv.push_str(&format!("PG-{i:03},2024-06-{:02},allocate,A-FARM-NH,S-FARM,0.01,,分页\n", 1 + i / 10));
    }
    l.ok(&["import", "entries", &l.file("paged.csv", &csv)]);
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    // Every voucher of S-FARM in the order money moved, from the download (asked from page 2).
    let download = clerk.get("/entries?subproject=S-FARM&page=2&format=csv").text();
    let vouchers: Vec<String> = download
        .lines()
        .skip(1) // the header; the fingerprint is a last row, not a voucher
        .filter_map(|l| l.split(',').next())
        .filter(|v| v.starts_with("PG-") || v.starts_with("V-"))
        .map(str::to_string)
        .collect();
    assert!(vouchers.len() > 250 && vouchers.len() <= 300, "{}", vouchers.len());
    assert_eq!(vouchers.iter().filter(|v| v.starts_with("PG-")).count(), 250, "the download holds them all");
    let shows = |page: &str, v: &str| clerk.get(page).text().contains(&format!(">{v}<"));
    let pages = [
        "/entries?subproject=S-FARM",
        "/entries?subproject=S-FARM&page=2",
        "/entries?subproject=S-FARM&page=3",
    ];
    for (i, page) in pages.iter().enumerate() {
        let text = clerk.get(page).text();
        let on = |v: &String| text.contains(&format!(">{v}<"));
        let (from, to) = (i * 100, ((i + 1) * 100).min(vouchers.len()));
        assert!(vouchers[from..to].iter().all(on), "{page} shows entries {from}..{to}");
        assert!(
            vouchers.iter().take(from).chain(vouchers.iter().skip(to)).all(|v| !on(v)),
            "{page} shows only its own"
        );
        assert!(text.contains(&format!("第 {} 页，共 3 页", i + 1)), "{page}");
    }
    assert!(shows("/entries?subproject=S-FARM&page=99", "PG-249"), "a page past the end shows the last");
    let last = clerk.get("/entries?subproject=S-FARM&page=3").text();
    assert!(last.contains("page=2") && last.contains("上一页") && !last.contains("下一页"), "{last}");
    let first = clerk.get("/entries?subproject=S-FARM").text();
    assert!(first.contains("page=2") && first.contains("下一页") && !first.contains("上一页"));
    let second = clerk.get("/entries?subproject=S-FARM&page=2").text();
    assert!(
        second.contains("/entries?subproject=S-FARM&#38;format=csv")
            && !second.contains("page=2&#38;subproject"),
        "the downloads of page 2 hold every page: {second}"
    );
    // On one channel: the same three pages on S-FARM's own, none on a channel it has nothing on.
    let farmland = "/entries?subproject=S-FARM&channel=high_standard_farmland_fund";
    assert!(clerk.get(farmland).text().contains("第 1 页，共 3 页"), "the farmland channel");
    let waters = clerk.get("/entries?subproject=S-FARM&channel=five_waters_fund").text();
    assert!(!waters.contains("PG-") && !waters.contains("共 3 页"), "{waters}");
    // Only a download leaves pages out; any other format is the page.
    let other = clerk.get("/entries?subproject=S-FARM&format=html").text();
    assert!(other.contains("第 1 页，共 3 页") && !other.contains(">PG-249<"), "{other}");
    let r = clerk.get("/entries?subproject=S-FARM&page=x");
    assert_eq!(r.status, 422);
    assert!(r.text().contains("页码 x 不是正整数"), "{}", r.text());
}

#[test]
fn reading_pages_never_writes_the_ledger() {
    let l = with_users();
    let s = Server::start(&l);
    let admin = sign_in(&s, "admin");
    let before = l.bytes();
    for page in [
        "/",
        "/projects",
        "/projects/P-AGRI",
        "/entries?subproject=S-FARM",
        "/reports/balances",
        "/reports/statement?year=2024",
        "/reports/check",
        "/reports/review?year=2024",
        "/log",
        "/verify",
        "/users",
        "/allocate?appropriation=A-FARM-NH",
        "/api/balances",
    ] {
        let r = admin.get(page);
        assert_eq!(r.status, 200, "{page}: {}", r.text().chars().take(300).collect::<String>());
    }
    assert!(l.bytes() == before, "reading pages changed the ledger file");
}

#[test]
fn the_allocation_plan_is_committed_as_shown_or_not_at_all() {
    let l = with_users();
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let page = clerk.get("/allocate?appropriation=A-FARM-NH-C&remainder=hold").text();
    let digest = page
        .split("name=\"plan\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the plan's fingerprint is in the commit form")
        .to_string();
    let before = ledger_state(&l);
    let stale = clerk.post_form(
        "/allocate",
        &[("appropriation", "A-FARM-NH-C"), ("remainder", "hold"), ("plan", "0000"), ("date", "2024-06-01")],
    );
    assert_eq!(stale.status, 422, "a plan other than the one shown is refused");
    assert_eq!(ledger_state(&l), before);
    let r = clerk.post_form(
        "/allocate",
        &[("appropriation", "A-FARM-NH-C"), ("remainder", "hold"), ("plan", &digest), ("date", "2024-06-01")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_ne!(ledger_state(&l), before, "the committed plan is recorded");
    // 嘉善县's line is not the clerk's to allocate.
    assert_eq!(clerk.get("/allocate?appropriation=A-FARM-JS").status, 403);
}

#[test]
fn serve_refuses_an_address_off_loopback() {
    let l = Ledger::small();
    let r = l.run(&["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("127.0.0.1"), "{}", r.stderr);
}

#[test]
fn with_a_certificate_it_serves_https() {
    use rustls::pki_types::pem::PemObject;
    let l = Ledger::small();
    let tls = common::fixtures().join("tls");
    let (cert, key) = (tls.join("cert.pem"), tls.join("key.pem"));
    let extra = [
        std::ffi::OsStr::new("--tls-cert"),
        cert.as_os_str(),
        std::ffi::OsStr::new("--tls-key"),
        key.as_os_str(),
    ];
    let server = Server::start_with(&l, &extra, &[], "https");
    let addr = server.addr.clone();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(
            rustls::pki_types::CertificateDer::from_pem_file(tls.join("ca.pem"))
                .expect("the fixture certificate"),
        )
        .expect("a root");
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("a server name");
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("a TLS client");
    let socket = TcpStream::connect(&addr).expect("connect");
    socket.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut stream = rustls::StreamOwned::new(connection, socket);
    let request = format!("GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send over TLS");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("登录"), "the sign-in page over HTTPS");
    drop(server);
    // Off loopback, HTTP alone is refused; a certificate that is not PEM is named.
    let bad = l.file("bad.pem", "not a certificate");
    let r = l.run(&["serve", "--listen", "127.0.0.1:0", "--tls-cert", &bad, "--tls-key", &bad]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("bad.pem"), "{}", r.stderr);
}

#[test]
fn an_import_that_takes_long_is_followed_on_its_own_page() {
    let l = with_users();
    // The server answers every upload with the page that follows it, as it does a big one.
    let s = Server::start_with(&l, &[], &[("FUNDLEDGER_IMPORT_WAIT_MS", "0")], "http");
    let clerk = sign_in(&s, "clerk");
    let boundary = "----fundledger-job";
    let csv =
        "voucher,date,kind,appropriation,subproject,amount\nJ-1,2024-06-01,allocate,A-FARM-NH,S-FARM,5.00\n";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nentries\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"j.csv\"\r\n\r\n{csv}\r\n--{boundary}--\r\n",
        clerk.csrf
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let r = request(
        &s.addr,
        "POST",
        "/import",
        &[("Content-Type", &content_type), ("Cookie", &clerk.cookie)],
        body.as_bytes(),
    );
    assert_eq!(r.status, 303);
    let job = r.header("location").expect("a location").to_string();
    assert!(job.starts_with("/import/jobs/"), "{job}");
    // Another user cannot follow it.
    let admin = sign_in(&s, "admin");
    assert_eq!(admin.get(&job).status, 404, "a job is its owner's alone");
    // The page shows progress (refreshing itself) until the import ends, then its result.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let finished = loop {
        let page = clerk.get(&job);
        if page.status == 303 {
            break page;
        }
        assert_eq!(page.status, 200, "{}", page.text());
        assert!(page.text().contains("http-equiv=\"refresh\""), "a running import's page refreshes itself");
        assert!(std::time::Instant::now() < deadline, "the import did not finish in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(finished.header("location"), Some("/import"));
    assert!(clerk.get("/import").text().contains("新增 1 行"), "the result is shown once the import ends");
    assert_eq!(clerk.get(&job).status, 404, "a finished job is forgotten");
}

#[test]
fn the_admin_closes_and_reopens_a_year_on_the_web() {
    let l = with_users();
    let s = Server::start(&l);
    let admin = sign_in(&s, "admin");
    let r = admin.post_form("/years/close", &[("year", "2024")]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(admin.get("/years").text().contains("2024"), "the closed year is listed");
    let clerk = sign_in(&s, "clerk");
    let entry = serde_json::json!({
        "voucher": "Y-1", "date": "2024-06-01", "kind": "allocate",
        "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": "1.00"
    });
    let refused = clerk.post_json("/api/entries", &entry);
    assert_eq!(refused.status, 422);
    assert_eq!(refused.json()["problems"][0]["rule"], "R5", "{}", refused.text());
    let no_reason = admin.post_form("/years/reopen", &[("year", "2024"), ("reason", " ")]);
    assert_eq!(no_reason.status, 422, "a reopen needs a reason");
    let r = admin.post_form("/years/reopen", &[("year", "2024"), ("reason", "补录审计调整")]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(clerk.post_json("/api/entries", &entry).status, 201);
    let log = l.ok(&["log", "--format", "json"]);
    assert!(log.contains("\"operator\": \"admin\"") || log.contains("\"operator\":\"admin\""), "{log}");
}

#[test]
fn the_sign_in_page_speaks_english_on_request_and_the_session_keeps_it() {
    let l = with_users();
    let s = Server::start(&l);
    let zh = request(&s.addr, "GET", "/login", &[], b"").text();
    assert!(
        zh.contains("登录") && zh.contains("English"),
        "the sign-in page is Chinese, with a link to English"
    );
    let en = request(&s.addr, "GET", "/login?lang=en", &[], b"").text();
    assert!(en.contains("Sign in") && !en.contains("用户名"), "{en}");
    let wrong = request(
        &s.addr,
        "POST",
        "/login",
        &[FORM],
        &form(&[("username", "clerk"), ("password", "wrong-password"), ("lang", "en")]),
    );
    assert!(wrong.text().contains("wrong user name or password"), "{}", wrong.text());
    let r = request(
        &s.addr,
        "POST",
        "/login",
        &[FORM],
        &form(&[("username", "clerk"), ("password", "clerk-password"), ("lang", "en")]),
    );
    let cookie = session_cookie(&r).expect("signed in");
    let page = request(&s.addr, "GET", "/", &[("Cookie", &cookie)], b"").text();
    assert!(page.contains("Dashboard") && !page.contains("首页"), "the session speaks English");
    // The same user signed in from the Chinese page reads Chinese.
    let zh_page = sign_in(&s, "clerk").get("/").text();
    assert!(zh_page.contains("首页"), "a user added in Chinese reads Chinese");
}

/// A multipart body of `fields` and one file, with its content type.
fn multipart(fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> (String, Vec<u8>) {
    let boundary = "----fundledger-form";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .bytes(),
        );
    }
    let (name, filename, bytes) = file;
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\r\n").bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn nothing_of_another_project_leaks_through_reconciliation_or_a_reversal() {
    let l = with_users();
    let s = Server::start(&l);
    // The body of P-AGRI lists a voucher of 嘉善县's P-PEOPLE among its payments.
    let body = sign_in(&s, "body");
    let payments =
        "voucher,date,subproject,amount\nV-004,2024-05-01,S-FARM,250000\nV-010,2024-06-01,S-FARM,1000000\n";
    let (content_type, form) =
        multipart(&[("csrf", &body.csrf)], ("payments", "payments.csv", payments.as_bytes()));
    let r = request(
        &s.addr,
        "POST",
        "/projects/P-AGRI/reconcile",
        &[("Content-Type", &content_type), ("Cookie", &body.cookie)],
        &form,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("V-004"), "the body's own payment is matched");
    let text = r.text();
    assert!(text.contains("V-010"), "the unknown voucher is listed as not matched");
    // Before: "V-010 在账本中是拨付分录，不是支付" told the body what another project recorded.
    assert!(
        !text.contains("在账本中") && !text.contains("S-JS-FARM"),
        "another project's voucher is described:\n{text}"
    );
    // A clerk of 南湖区 reversing a 嘉善县 voucher learns nothing of it: not its date, not its lines.
    let clerk = sign_in(&s, "clerk");
    let r = clerk.post_form(
        "/entries/reverse",
        &[("original", "V-010"), ("voucher", "R-1"), ("date", "2000-01-02"), ("reason", "探测")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(!r.text().contains("2024-06-01") && !r.text().contains("S-JS-FARM"), "{}", r.text());
}

#[test]
fn amounts_in_json_are_exact_or_refused() {
    let l = with_users();
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let entry = |voucher: &str, amount: serde_json::Value| {
        serde_json::json!({"voucher": voucher, "date": "2024-06-01", "kind": "allocate",
            "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": amount})
    };
    // A JSON decimal passes through binary floating point: refused, with how to write it.
    let r = clerk.post_json("/api/entries", &entry("J-1", serde_json::json!(12.34)));
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["problems"][0]["field"], "amount");
    assert_eq!(
        clerk.post_json("/api/entries", &entry("J-2", serde_json::json!(12))).status,
        201,
        "whole yuan"
    );
    assert_eq!(
        clerk.post_json("/api/entries", &entry("J-3", serde_json::json!("12.34"))).status,
        201,
        "a string"
    );
}

#[test]
fn a_form_posted_from_another_site_is_refused_and_methods_are_answered_properly() {
    let l = with_users();
    let s = Server::start(&l);
    let login = form(&[("username", "clerk"), ("password", "clerk-password")]);
    let cross = request(&s.addr, "POST", "/login", &[FORM, ("Sec-Fetch-Site", "cross-site")], &login);
    assert_eq!(cross.status, 403, "a sign-in posted from another site");
    assert!(session_cookie(&cross).is_none(), "no session for it");
    let origin = request(&s.addr, "POST", "/login", &[FORM, ("Origin", "https://evil.example")], &login);
    assert_eq!(origin.status, 403, "a sign-in from another origin");
    let same = format!("http://{}", s.addr);
    let ok = request(
        &s.addr,
        "POST",
        "/login",
        &[FORM, ("Origin", &same), ("Sec-Fetch-Site", "same-origin")],
        &login,
    );
    assert_eq!(ok.status, 303, "a sign-in from the application's own page");
    let clerk = sign_in(&s, "clerk");
    assert_eq!(request(&s.addr, "HEAD", "/", &[("Cookie", &clerk.cookie)], b"").status, 200, "HEAD as GET");
    assert_eq!(request(&s.addr, "PUT", "/entries", &[("Cookie", &clerk.cookie)], b"").status, 405);
}

/// The digest in a commit form's hidden `plan` field.
fn plan_digest(page: &str) -> String {
    page.split("name=\"plan\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the plan's fingerprint is in the commit form")
        .to_string()
}

#[test]
fn a_contract_is_paid_on_the_web_by_the_plan_shown_and_only_in_the_clerks_county() {
    let l = with_users();
    // S-GRAIN needs disbursed money for its part.
    l.ok(&common::strs(&l.post("disburse", "A-FARM-NH", "S-GRAIN", "100000", "2024-06-01", "D-1")));
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let page = clerk.get("/contracts/HT-2024-001");
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("嘉兴农建有限公司") && text.contains("300,000.00"), "{text}");
    let q = "/contracts/HT-2024-001?amount=50000&date=2024-07-01&voucher=W-PAY-1&memo=%E8%BF%9B%E5%BA%A6%E6%AC%BE";
    let plan = clerk.get(q).text();
    assert!(plan.contains("30,000.00") && plan.contains("20,000.00"), "split 3:2 by share: {plan}");
    let digest = plan_digest(&plan);
    let before = ledger_state(&l);
    let form = |digest: &str| {
        vec![
            ("amount", "50000".to_string()),
            ("date", "2024-07-01".to_string()),
            ("voucher", "W-PAY-1".to_string()),
            ("memo", "进度款".to_string()),
            ("plan", digest.to_string()),
        ]
    };
    let pairs = |v: &[(&'static str, String)]| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let stale = pairs(&form("0000"));
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(clerk.post_form("/contracts/HT-2024-001/pay", &stale).status, 422);
    assert_eq!(ledger_state(&l), before, "a plan other than the one shown writes nothing");
    let good = pairs(&form(&digest));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = clerk.post_form("/contracts/HT-2024-001/pay", &good);
    assert_eq!(r.status, 303, "{}", r.text());
    let v: serde_json::Value =
        serde_json::from_str(&l.ok(&["contracts", "--format", "json"])).expect("contracts JSON");
    let farm = v["contracts"].as_array().expect("rows").iter().find(|r| r["subproject"] == "S-FARM").cloned();
    assert_eq!(farm.expect("S-FARM")["paid"], "30000.00");
    let log = l.ok(&["log", "--format", "json"]);
    assert!(log.contains("\"pay-contract\"") && log.contains("\"clerk\""), "{log}");
    // The body reads its project's contract; nobody but writers pays.
    let body = sign_in(&s, "body");
    assert_eq!(body.get("/contracts/HT-2024-001").status, 200);
    assert_eq!(body.post_form("/contracts/HT-2024-001/pay", &good).status, 403);
    assert_eq!(clerk.get("/contracts/NO-SUCH").status, 404);
}

#[test]
fn the_approval_queue_lets_the_admin_decide_what_others_submitted_but_never_their_own() {
    let l = with_users();
    l.ok(&["approval", "--kinds", "allocate"]);
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    let entry = serde_json::json!({
        "voucher": "W-AP-1", "date": "2024-06-01", "kind": "allocate",
        "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": "1000.00", "memo": "待审批"
    });
    let r = clerk.post_json("/api/entries", &entry);
    assert_eq!(r.status, 202, "submitted, not yet recorded: {}", r.text());
    assert_eq!(r.json()["pending"], 1);
    // The maker sees it waiting, on the queue and on the project page, with nothing to decide.
    let queue = clerk.get("/approvals").text();
    assert!(queue.contains("W-AP-1") && !queue.contains("/approvals/1/approve"), "{queue}");
    assert!(clerk.get("/projects/P-AGRI").text().contains("W-AP-1"));
    assert_eq!(clerk.post_form("/approvals/1/approve", &[]).status, 403);
    // An uploaded file of allocations is submitted the same way, and stays submitted.
    let file = "凭证号,日期,类型,指标编号,子项目编号,金额,冲销凭证,摘要\nW-AP-3,2024-06-01,allocate,A-FARM-NH,S-FARM,10.00,,上传待审批\n";
    let (content_type, form) =
        multipart(&[("csrf", &clerk.csrf), ("kind", "entries")], ("file", "待审批.csv", file.as_bytes()));
    let r = request(
        &s.addr,
        "POST",
        "/import",
        &[("Content-Type", &content_type), ("Cookie", &clerk.cookie)],
        &form,
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(clerk.get("/import").text().contains("1 行已提交审批"), "the notice says it was submitted");
    let pending = l.ok(&["pending", "--format", "json"]);
    assert!(pending.contains("W-AP-3"), "the uploaded allocation waits for approval: {pending}");
    let admin = sign_in(&s, "admin");
    let queue = admin.get("/approvals").text();
    assert!(queue.contains("/approvals/1/approve") && queue.contains("/approvals/1/reject"), "{queue}");
    let before = l.row("S-FARM", "allocated");
    assert_eq!(admin.post_form("/approvals/1/reject", &[("reason", " ")]).status, 422);
    let r = admin.post_form("/approvals/1/approve", &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_ne!(l.row("S-FARM", "allocated"), before, "approved: the allocation took effect");
    // The admin's own item is another's to decide: four eyes.
    let own = serde_json::json!({
        "voucher": "W-AP-2", "date": "2024-06-01", "kind": "allocate",
        "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": "1000.00"
    });
    assert_eq!(admin.post_json("/api/entries", &own).status, 202);
    let before = ledger_state(&l);
    let r = admin.post_form("/approvals/3/approve", &[]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("双人复核"), "{}", r.text());
    assert_eq!(ledger_state(&l), before);
}

/// The server keeps its connections open while clerks write from the shell beside it: a CLI
/// write ending must never take the server's next writes with it. (Opening the ledger file
/// outside SQLite, then closing it, dropped the server's locks; the CLI's connection, closing,
/// believed itself the last, and deleted the WAL the server went on writing to.)
#[test]
fn the_servers_writes_outlive_a_cli_write_beside_it() {
    let l = with_users();
    let s = Server::start(&l);
    let clerk = sign_in(&s, "clerk");
    assert_eq!(clerk.get("/").status, 200, "a page, read through one of the server's connections");
    let entry = |voucher: &str| {
        serde_json::json!({
            "voucher": voucher, "date": "2024-06-01", "kind": "allocate",
            "appropriation": "A-FARM-NH", "subproject": "S-FARM", "amount": "10.00", "memo": "服务器写入"
        })
    };
    assert_eq!(clerk.post_json("/api/entries", &entry("W-LOCK-1")).status, 201);
    l.ok(&[
        "post",
        "--kind",
        "allocate",
        "--appropriation",
        "A-FARM-NH",
        "--subproject",
        "S-FARM",
        "--amount",
        "10",
        "--date",
        "2024-06-01",
        "--voucher",
        "CLI-LOCK-1",
    ]);
    assert_eq!(clerk.post_json("/api/entries", &entry("W-LOCK-2")).status, 201);
    let log = l.ok(&["log", "--format", "json"]);
    for voucher in ["W-LOCK-1", "CLI-LOCK-1", "W-LOCK-2"] {
        assert!(log.contains(voucher), "the CLI should see {voucher} recorded: {log}");
    }
    drop(s);
    assert!(l.ok(&["log", "--format", "json"]).contains("W-LOCK-2"), "W-LOCK-2 should outlive the server");
    assert_eq!(l.run(&["verify"]).code, 0, "the ledger verifies after writes from both");
}

/// The server keeps each county's standalone entitlements between requests; an amendment
/// recorded beside it (here by the command line) is shown at the next request.
#[test]
fn the_project_page_follows_an_amendment_recorded_beside_the_server() {
    let l = with_users();
    let s = Server::start(&l);
    let admin = sign_in(&s, "admin");
    let road = |c: &Client| -> String {
        let page = c.get("/projects/P-LAND?format=csv");
        assert_eq!(page.status, 200, "{}", page.text());
        let text = page.text();
        text.lines().filter(|line| line.contains("S-ROAD")).collect::<Vec<_>>().join("\n")
    };
    let before = road(&admin);
    assert!(before.contains("820000.00"), "the rule's entitlement on the second channel:\n{before}");
    l.ok_en(&[
        "amend",
        "subproject",
        "S-ROAD",
        "--effective",
        "2024-09-01",
        "--doc",
        "嘉交〔2024〕19号",
        "--reason",
        "依文调整",
        "--standalone",
        "rural_roads_fund=0",
    ]);
    let after = road(&admin);
    assert!(!after.contains("820000.00"), "the amendment is shown at the next request:\n{after}");
    assert_ne!(before, after);
}

/// The server keeps what a project page reads of the register (each county's projects and
/// sub-projects as in force, every appropriation line) between requests; a sub-project, a
/// line and money recorded beside it are shown at the next request.
#[test]
fn the_project_page_follows_a_sub_project_and_a_line_added_beside_the_server() {
    let l = with_users();
    let s = Server::start(&l);
    let admin = sign_in(&s, "admin");
    let page = || {
        let r = admin.get("/projects/P-LAND?format=csv");
        assert_eq!(r.status, 200, "{}", r.text());
        r.text()
    };
    // Asked more often than the server has readers: each reader has kept what it read.
    for _ in 0..4 {
        let before = page();
        assert!(!before.contains("S-ROAD-2"), "{before}");
    }
    let sub = "subproject,project,type,status,quantity,unit,investment,letter,standalone_amount,standalone_doc\n\
               S-ROAD-2,P-LAND,\"\"\"四好农村路\"\"建设\",ongoing,3.1,km,1550000,南湖区交通运输局确认书〔2024〕3号,,\n";
    l.ok(&["import", "subprojects", &l.file("more-subprojects.csv", sub)]);
    let line = "appropriation,doc_no,channel,level,county,issued_on,amount\n\
                A-ROAD-NH-2,财建〔2024〕46号,transport_development_fund,central,南湖区,2024-04-02,123456.78\n";
    l.ok(&["import", "appropriations", &l.file("more-lines.csv", line)]);
    let entry = "voucher,date,kind,appropriation,subproject,amount,reverses,memo\n\
                 V-ROAD-2,2024-04-03,allocate,A-ROAD-NH-2,S-ROAD-2,23456.78,,新线新子项目\n";
    l.ok(&["import", "entries", &l.file("more-entries.csv", entry)]);
    for _ in 0..4 {
        let after = page();
        // Its allocation from the new line, in the reconciliation matrix.
        assert!(after.contains("\nS-ROAD-2,交通运输发展专项资金,市交通运输局,23456.78,"), "{after}");
        // The county's fair shares on the channel: the 300,000.00 issued before and the new
        // line's 123,456.78 divided among the entitlements.
        assert!(after.contains("\n合计,,,,2870000.00,423456.78,"), "{after}");
    }
}

/// The dashboard's counts of open findings are the user's own, however the city's were
/// computed first and kept: by an admin, then a body, a clerk and the body again, each sees
/// the counts of exactly the flags `/api/check` gives them today.
#[test]
fn the_dashboards_findings_are_each_users_own_whoever_asked_first() {
    let l = with_users();
    let s = Server::start(&l);
    let mut seen = Vec::new();
    for role in ["admin", "body", "clerk", "body", "reviewer"] {
        let client = sign_in(&s, role);
        let flags = client.get("/api/check").json();
        let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
        for f in flags["flags"].as_array().expect("flags") {
            *kinds.entry(f["kind"].as_str().expect("kind").to_string()).or_default() += 1;
        }
        assert!(!kinds.is_empty(), "{role} has findings to count");
        let counts: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        let expected = format!("待处理的检查发现：{}", counts.join(", "));
        let page = client.get("/").text();
        assert!(page.contains(&expected), "{role}'s dashboard says otherwise than {expected}");
        seen.push(expected);
    }
    assert_ne!(seen[0], seen[1], "the admin and the body see different findings");
    assert_ne!(seen[1], seen[2], "the body and the clerk see different findings");
}

/// Fen from a decimal amount as shown ("1,234.50") or given in JSON ("1234.50").
fn fen(text: &str) -> i64 {
    let digits: String = text.chars().filter(|c| *c != ',').collect();
    let (yuan, cents) = digits.split_once('.').unwrap_or((&digits, "00"));
    let sign = if yuan.starts_with('-') { -1 } else { 1 };
    let yuan: i64 = yuan.trim_start_matches('-').parse().unwrap_or_else(|_| panic!("an amount: {text}"));
    sign * (yuan * 100 + cents.parse::<i64>().unwrap_or_else(|_| panic!("an amount: {text}")))
}

/// The dashboard's balances by county and channel are the sums of the rows `/api/balances`
/// gives the same user: all the city's for the admin, the county's for its clerk, the
/// project's for its body.
#[test]
fn the_dashboards_balances_sum_what_the_user_may_read() {
    let l = with_users();
    let s = Server::start(&l);
    let county = |project: &str| if project == "P-PEOPLE" { "嘉善县" } else { "南湖区" };
    for role in ["admin", "clerk", "body"] {
        let client = sign_in(&s, role);
        let mut expected: std::collections::BTreeMap<(String, String), [i64; 4]> = Default::default();
        for r in client.get("/api/balances").json()["rows"].as_array().expect("rows") {
            let key = (
                county(r["project"].as_str().expect("project")).to_string(),
                r["channel"].as_str().expect("channel").to_string(),
            );
            let sums = expected.entry(key).or_default();
            for (i, column) in ["allocated", "disbursed", "paid", "balance"].iter().enumerate() {
                sums[i] += fen(r[column].as_str().expect("amount"));
            }
        }
        let page = client.get("/").text().replace('\n', " ");
        let table =
            page.split("<tbody>").nth(1).and_then(|t| t.split("</tbody>").next()).expect("the balance table");
        let mut shown: std::collections::BTreeMap<(String, String), [i64; 4]> = Default::default();
        for row in table.split("<tr>").skip(1) {
            let cells: Vec<&str> = row
                .split("<td")
                .skip(1)
                .filter_map(|c| c.split_once('>').and_then(|(_, rest)| rest.split("</td>").next()))
                .collect();
            assert_eq!(cells.len(), 6, "{row}");
            shown.insert(
                (cells[0].to_string(), cells[1].to_string()),
                [fen(cells[2]), fen(cells[3]), fen(cells[4]), fen(cells[5])],
            );
        }
        assert!(!shown.is_empty(), "{role} sees balances");
        assert_eq!(shown, expected, "{role}'s dashboard");
    }
}
