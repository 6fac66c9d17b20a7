//! `bench --serve`: the web application under load, on loopback only and bounded in time. A
//! `fundledger serve` child on a ledger (the demo city, then a generated city of `--entries`
//! entries); N clients signed in, most reading pages and the API of their county while the
//! others post entries through the JSON API. Reported: throughput, p50/p99 latency of reads
//! and of writes, errors, and lost writes (entries recorded ≠ 201s received).

use crate::db::Db;
use crate::error::{Error, Result};
use crate::render::{c, Cell, Col, Report};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Concurrent clients in all.
    pub clients: usize,
    /// Of them, how many post entries.
    pub writers: usize,
    /// How long the load lasts, per ledger.
    pub seconds: u64,
    /// Entries of the generated ledger (0: the demo ledger only).
    pub entries: u64,
    pub seed: u64,
    pub dir: Option<PathBuf>,
}

const COLUMNS: [Col; 4] = [c("figure", "指标"), c("value", "数值"), c("target", "目标"), c("met", "达标")];

const PASSWORD: &str = "load-bench-password";

pub fn run(options: &LoadOptions) -> Result<Report> {
    let (dir, temporary) = match &options.dir {
        Some(d) => (d.clone(), false),
        None => (std::env::temp_dir().join(format!("fundledger-load-{}", std::process::id())), true),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Internal(format!("cannot create {}: {e}", crate::error::shown_path(&dir))))?;
    let result = load_all(options, &dir);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn load_all(options: &LoadOptions, dir: &Path) -> Result<Report> {
    let mut rows = Vec::new();
    eprintln!("building the demo ledger …");
    let demo = demo_ledger(dir)?;
    rows.extend(load_one("demo", &demo, options)?);
    if options.entries > 0 {
        let big = super::bench::generated_ledger(dir, options.entries, options.seed)?;
        rows.extend(load_one(&format!("{} entries", options.entries), &big, options)?);
    }
    Ok(Report {
        title: format!(
            "fundledger bench --serve: {} clients ({} writing), {} s per ledger, loopback",
            options.clients, options.writers, options.seconds
        ),
        columns: COLUMNS.to_vec(),
        rows,
        json_key: "figures",
        notes: vec![
            "reads: the dashboard, a project page, a sub-project's entries, /api/balances and /api/session of the clerk's county; writes: POST /api/entries, one disbursement of 0.01 each from the line with the most undisbursed money".into(),
            "latency is measured by the client, per request over a new connection (connect included)".into(),
        ],
        ..Report::default()
    })
}

fn exe() -> Result<PathBuf> {
    std::env::current_exe().map_err(|e| Error::Internal(format!("cannot find the fundledger binary: {e}")))
}

fn demo_ledger(dir: &Path) -> Result<PathBuf> {
    let db = dir.join("fundledger-demo.db");
    let status = Command::new(exe()?)
        .arg("demo")
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| Error::Internal(format!("cannot run fundledger demo: {e}")))?;
    if !status.success() {
        return Err(Error::Internal("fundledger demo failed".into()));
    }
    Ok(db)
}

/// What the load needs of a ledger: the line (appropriation, sub-project) with the most money
/// allocated and not yet disbursed, which the writers disburse from a fen at a time (a
/// disbursement is recorded at once: the demo ledger makes allocations wait for approval),
/// its county, whose clerk they sign in as, and its project, which the readers read.
struct Target {
    county: String,
    appropriation: String,
    subproject: String,
    project: String,
}

fn target(db: &Path) -> Result<Target> {
    let db = Db::open_snapshot(db)?;
    let line = db
        .balance_lines()?
        .into_iter()
        .max_by_key(|l| l.balance.undisbursed())
        .filter(|l| l.balance.undisbursed() > crate::money::Fen::ZERO)
        .ok_or_else(|| Error::Internal("the ledger has no line with money to disburse".into()))?;
    Ok(Target {
        county: line.county,
        appropriation: line.appropriation,
        subproject: line.subproject,
        project: line.project,
    })
}

fn add_users(db: &Path, county: &str) -> Result<()> {
    let mut db = Db::open(db)?;
    let password = crate::users::Password::parse(PASSWORD).map_err(Error::rejected)?;
    let stamp = crate::ledger::Stamp::now("bench");
    let county = [county.to_string()];
    let new = crate::users::NewUser {
        name: "load-clerk",
        role: crate::model::Role::Clerk,
        counties: &county,
        projects: &[],
        password: &password,
        lang: crate::lang::Lang::Zh,
    };
    crate::users::add_user(&mut db, &new, &stamp)?;
    Ok(())
}

/// A `fundledger serve` child, killed when dropped.
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

fn serve(db: &Path) -> Result<Server> {
    let mut child = Command::new(exe()?)
        .arg("--db")
        .arg(db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Internal(format!("cannot start fundledger serve: {e}")))?;
    let stderr = child.stderr.take().ok_or_else(|| Error::Internal("no stderr".into()))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(std::result::Result::ok) {
            if let Some(at) = line.find("http://") {
                let _ = tx.send(line[at + 7..].split('/').next().unwrap_or("").to_string());
            }
        }
    });
    let mut server = Server { child, addr: String::new() };
    server.addr = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| Error::Internal("fundledger serve did not start within 30 s".into()))?;
    Ok(server)
}

struct Answer {
    status: u16,
    body: Vec<u8>,
    set_cookie: Option<String>,
}

fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("an incomplete HTTP answer"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let set_cookie = head
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .and_then(|l| l.split_once(':').map(|(_, v)| v.trim().split(';').next().unwrap_or("").to_string()));
    Ok(Answer { status, body: raw[split + 4..].to_vec(), set_cookie })
}

/// Signs in and returns the cookie and the CSRF token.
fn sign_in(addr: &str, name: &str) -> Result<(String, String)> {
    let body = format!("username={name}&password={PASSWORD}");
    let r = request(
        addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )?;
    let cookie = r
        .set_cookie
        .filter(|_| r.status == 303)
        .ok_or_else(|| Error::Internal(format!("{name} cannot sign in")))?;
    let s = request(addr, "GET", "/api/session", &[("Cookie", &cookie)], b"")?;
    let json: serde_json::Value =
        serde_json::from_slice(&s.body).map_err(|e| Error::Internal(format!("/api/session: {e}")))?;
    let csrf = json["csrf_token"].as_str().unwrap_or_default().to_string();
    Ok((cookie, csrf))
}

#[derive(Default)]
struct Tally {
    reads: Vec<Duration>,
    /// The reads again, by path (its index in the list of reads).
    by_path: Vec<Vec<Duration>>,
    writes: Vec<Duration>,
    created: u64,
    errors: u64,
}

fn load_one(name: &str, db: &Path, options: &LoadOptions) -> Result<Vec<Vec<Cell>>> {
    let t = target(db)?;
    add_users(db, &t.county)?;
    let server = serve(db)?;
    let (cookie, csrf) = sign_in(&server.addr, "load-clerk")?;
    eprintln!("{name}: {} clients for {} s on {} …", options.clients, options.seconds, server.addr);
    let reads: Vec<String> = vec![
        "/".into(),
        format!("/projects/{}", t.project),
        format!("/entries?subproject={}", t.subproject),
        "/api/balances".into(),
        "/api/session".into(),
    ];
    // Each read once, alone, before the load: what one page costs on this ledger.
    let mut alone = Vec::new();
    for path in &reads {
        let started = Instant::now();
        let ok =
            request(&server.addr, "GET", path, &[("Cookie", &cookie)], b"").is_ok_and(|a| a.status == 200);
        let took = if ok { ms(started.elapsed()) } else { "failed".to_string() };
        alone.push(vec![
            Cell::from(format!("{name}: {path} alone")),
            Cell::from(took),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let mut handles = Vec::new();
    for client in 0..options.clients {
        let (addr, cookie, csrf, stop) = (server.addr.clone(), cookie.clone(), csrf.clone(), stop.clone());
        let (reads, appropriation, subproject) =
            (reads.clone(), t.appropriation.clone(), t.subproject.clone());
        let writer = client < options.writers;
        handles.push(std::thread::spawn(move || {
            let mut tally = Tally { by_path: vec![Vec::new(); reads.len()], ..Tally::default() };
            let today = chrono::Local::now().date_naive().to_string();
            let mut n = 0u64;
            while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
                n += 1;
                let started = Instant::now();
                if writer {
                    let entry = serde_json::json!({
                        "voucher": format!("LOAD-{client}-{n}"), "date": today, "kind": "disburse",
                        "appropriation": appropriation, "subproject": subproject, "amount": "0.01",
                        "memo": "bench --serve"
                    });
                    let headers =
                        [("Content-Type", "application/json"), ("Cookie", &cookie), ("X-CSRF-Token", &csrf)];
                    match request(&addr, "POST", "/api/entries", &headers, entry.to_string().as_bytes()) {
                        Ok(a) if a.status == 201 => {
                            tally.created += 1;
                            tally.writes.push(started.elapsed());
                        }
                        _ => tally.errors += 1,
                    }
                } else {
                    let at = usize::try_from(n).unwrap_or(0) % reads.len();
                    match request(&addr, "GET", &reads[at], &[("Cookie", &cookie)], b"") {
                        Ok(a) if a.status == 200 => {
                            let took = started.elapsed();
                            tally.reads.push(took);
                            tally.by_path[at].push(took);
                        }
                        _ => tally.errors += 1,
                    }
                }
            }
            tally
        }));
    }
    let started = Instant::now();
    let mut all = Tally { by_path: vec![Vec::new(); reads.len()], ..Tally::default() };
    for h in handles {
        let t = h.join().map_err(|_| Error::Internal("a load client panicked".into()))?;
        all.reads.extend(t.reads);
        for (mine, theirs) in all.by_path.iter_mut().zip(t.by_path) {
            mine.extend(theirs);
        }
        all.writes.extend(t.writes);
        all.created += t.created;
        all.errors += t.errors;
    }
    let elapsed = started.elapsed();
    drop(server);
    let recorded: u64 = Db::open_snapshot(db)?.count_vouchers_like("LOAD-%")?;
    alone.extend(figures(name, &mut all, elapsed, recorded));
    for (path, times) in reads.iter().zip(&mut all.by_path) {
        times.sort();
        alone.push(vec![
            Cell::from(format!("{name}: {path} p50 / p99 under load")),
            Cell::from(format!("{} / {}", ms(percentile(times, 50)), ms(percentile(times, 99)))),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    Ok(alone)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// `12.3 ms`
fn ms(d: Duration) -> String {
    let tenths = d.as_micros() / 100;
    format!("{}.{} ms", tenths / 10, tenths % 10)
}

/// How many per second, `n` over `d`.
fn per_second(n: u64, d: Duration) -> u64 {
    u64::try_from(u128::from(n) * 1000 / d.as_millis().max(1)).unwrap_or(u64::MAX)
}

fn yes(met: bool) -> Cell {
    Cell::from(if met { "yes 是" } else { "NO 否" })
}

fn figures(name: &str, t: &mut Tally, elapsed: Duration, recorded: u64) -> Vec<Vec<Cell>> {
    t.reads.sort();
    t.writes.sort();
    let read_p99 = percentile(&t.reads, 99);
    let writes_per_s = per_second(t.created, elapsed);
    vec![
        vec![
            Cell::from(format!("{name}: reads/s")),
            Cell::Int(per_second(t.reads.len() as u64, elapsed) as i64),
            Cell::Empty,
            Cell::Empty,
        ],
        vec![
            Cell::from(format!("{name}: read p50")),
            Cell::from(ms(percentile(&t.reads, 50))),
            Cell::Empty,
            Cell::Empty,
        ],
        vec![
            Cell::from(format!("{name}: read p99")),
            Cell::from(ms(read_p99)),
            Cell::from("< 50 ms"),
            yes(!t.reads.is_empty() && read_p99 < Duration::from_millis(50)),
        ],
        vec![
            Cell::from(format!("{name}: writes/s")),
            Cell::Int(writes_per_s as i64),
            Cell::from("≥ 200"),
            yes(writes_per_s >= 200),
        ],
        vec![
            Cell::from(format!("{name}: write p50")),
            Cell::from(ms(percentile(&t.writes, 50))),
            Cell::Empty,
            Cell::Empty,
        ],
        vec![
            Cell::from(format!("{name}: write p99")),
            Cell::from(ms(percentile(&t.writes, 99))),
            Cell::Empty,
            Cell::Empty,
        ],
        vec![
            Cell::from(format!("{name}: errors")),
            Cell::Int(t.errors as i64),
            Cell::from("0"),
            yes(t.errors == 0),
        ],
        vec![
            Cell::from(format!("{name}: lost writes (201s − recorded)")),
            Cell::Int(t.created as i64 - recorded as i64),
            Cell::from("0"),
            yes(t.created == recorded),
        ],
    ]
}
