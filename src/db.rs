//! The only module that names rusqlite: open, pragmas, migrations, typed queries.
//!
//! A ledger is one SQLite file. Every open turns on `foreign_keys`, WAL and a busy handler;
//! migrations in `schema/` are embedded and applied in order (in one transaction with the
//! sealing of rows recorded before the audit chain), tracked by `PRAGMA user_version`, and
//! never edited once shipped. Writes go through `Tx`, an IMMEDIATE transaction that links every
//! row it inserts into the audit chain, journals the write and commits only when asked; it
//! rolls back when dropped, so a rejected import leaves the file as it was. Readers take one
//! snapshot (`Db::open_snapshot`). No rusqlite type leaves this module.

use crate::audit::{Canon, Hash, GENESIS};
use crate::catalog::{Catalog, Channel, County, Department, Designation, SubprojectType};
use crate::error::{shown_path, Error, Result};
use crate::model::{
    Activity, Kind, Level, LineBalance, Mode, NewAppropriation, NewProject, NewSubproject, PeriodAction,
    Scope, Stage, Status, Verdict,
};
pub use crate::model::{
    BalanceLine, LineActivity, StoredAcceptance, StoredAppropriation, StoredEntry, StoredProject,
    StoredSubproject,
};
use crate::money::Fen;
use crate::subsidy::{self, Rule, Shape};
use chrono::{Datelike, NaiveDate};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rust_decimal::Decimal;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Embedded migrations, applied in order; index + 1 is the `user_version` after each.
const MIGRATIONS: &[&str] = &[
    include_str!("../schema/0001_ledger.sql"),
    include_str!("../schema/0002_subsidy_rules.sql"),
    include_str!("../schema/0003_acceptance.sql"),
    include_str!("../schema/0004_audit.sql"),
    include_str!("../schema/0005_entry_checks.sql"),
    include_str!("../schema/0006_every_date.sql"),
];

/// The schema this fundledger writes: the number of migrations.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
/// The schema that brought the audit chain; rows of older ledgers are sealed on upgrade.
const CHAIN_SCHEMA: i64 = 4;
/// `PRAGMA application_id` of a fundledger ledger ('FLDG', set by migration 6).
const LEDGER_APPLICATION_ID: i64 = 0x464C_4447;

/// The tables whose rows are chained, in the order an upgrade seals them. `writes` (the
/// journal) is chained too, by `Tx::commit`.
const CHAINED: [&str; 12] = [
    "departments",
    "counties",
    "subproject_types",
    "channels",
    "designations",
    "projects",
    "subprojects",
    "appropriations",
    "subsidy_rules",
    "period_events",
    "entries",
    "acceptances",
];

/// How long a writer waits for another process's transaction before SQLite answers busy
/// (in steps of `BUSY_STEP`).
const BUSY_STEPS: i32 = 400;
const BUSY_STEP: Duration = Duration::from_millis(50);

/// SQLite's busy handler: wait for the other writer, and after two seconds tell the clerk why
/// nothing is happening (a big import holds the ledger for a while).
fn wait_for_writer(attempt: i32) -> bool {
    if attempt == 40 {
        eprintln!("waiting for another fundledger write to this ledger to finish …");
    }
    std::thread::sleep(BUSY_STEP);
    attempt < BUSY_STEPS
}
/// How often a busy answer is retried (with backoff) before the clerk is told.
const BUSY_RETRIES: u32 = 8;

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Runs `f`, retrying while SQLite answers busy: the busy timeout covers ordinary waits for
/// another writer, and a bounded number of retries with backoff covers the moments SQLite
/// answers busy without waiting (WAL recovery, a checkpoint, switching to WAL).
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let mut attempt = 0;
    loop {
        match f() {
            Err(e) if is_busy(&e) && attempt < BUSY_RETRIES => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(25 << attempt.min(6)));
            }
            other => return other,
        }
    }
}

/// What to try when the disk fails a write; `diagnose_disk` names a full disk outright.
pub const DISK_HINT: &str = "If the disk is full, free some space and run the command again";

/// Whether the disk holding `ledger` is full: a 64 KiB probe file beside it cannot be written
/// (then removed). Used to name a full disk when SQLite reports only an I/O error.
pub fn disk_is_full(ledger: &Path) -> bool {
    let dir = ledger.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let probe = dir.join(format!(".fundledger-space-probe-{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &[0u8; 65536]).and_then(|_| f.sync_all()));
    let _ = std::fs::remove_file(&probe);
    matches!(written, Err(e) if e.kind() == std::io::ErrorKind::StorageFull)
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        if is_busy(&e) {
            return Error::Internal(
                "the ledger stayed busy: other fundledger processes kept writing for over a minute; \
                 nothing was written, run the command again"
                    .to_string(),
            );
        }
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => Error::Internal(
                "the ledger cannot be written here (the file, its directory or the disk is read-only); nothing was written. Reading works: reports and verify open it read-only"
                    .to_string(),
            ),
            Some(rusqlite::ErrorCode::SystemIoFailure) => Error::Internal(format!(
                "the disk holding the ledger could not be written or read ({e}); nothing was written. {DISK_HINT}"
            )),
            Some(rusqlite::ErrorCode::DiskFull) => Error::Internal(
                "the disk holding the ledger is full; nothing was written. Free some space and run the command again"
                    .to_string(),
            ),
            _ => Error::Internal(format!("ledger database: {e}")),
        }
    }
}

/// An open ledger file.
pub struct Db {
    conn: Connection,
}

/// A write transaction. Dropping it without `commit` rolls everything back. Every row it
/// inserts is linked into the audit chain, and `commit` journals the write.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    chain: RefCell<ChainState>,
}

/// The chain's tip as this transaction extends it.
#[derive(Default)]
struct ChainState {
    /// The last link (seq, hash), read when the first link is appended.
    tip: Option<(i64, Hash)>,
    /// The first link this transaction appended.
    first: Option<i64>,
    canon: Canon,
}

const LINK_INSERT: &str = "INSERT INTO chain (seq, tbl, rid, hash) VALUES (?1, ?2, ?3, ?4)";
const ENTRY_INSERT: &str = "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id,
    amount_fen, reverses_id, memo, operator, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// Prepared statements for a run of entry inserts, so that a million-row import does not look
/// each statement up in the cache by its text (`Tx::entry_statements`).
pub struct EntryStatements<'t> {
    exists: rusqlite::Statement<'t>,
    insert: rusqlite::Statement<'t>,
    link: rusqlite::Statement<'t>,
}

/// What `Tx::commit` records in the write journal (`fundledger log`).
#[derive(Clone, Debug, Default)]
pub struct WriteRecord<'a> {
    /// The command, e.g. `import entries`, `post`, `close`.
    pub command: &'a str,
    /// What it was given: a file name, a voucher, a year.
    pub detail: &'a str,
    /// What it recorded, e.g. `12 added, 3 unchanged`.
    pub summary: &'a str,
    /// Why, where the command asks (reopen).
    pub reason: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

/// An entry to insert; references are already resolved to ids.
pub struct EntryInsert<'a> {
    pub voucher: &'a str,
    pub date: NaiveDate,
    pub kind: Kind,
    pub appropriation_id: i64,
    pub subproject_id: i64,
    pub amount: Fen,
    pub reverses_id: Option<i64>,
    pub memo: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

/// A resolved acceptance to insert.
pub struct AcceptanceInsert<'a> {
    pub stage: Stage,
    pub project_id: i64,
    pub subproject_id: Option<i64>,
    pub department: Option<&'a str>,
    pub verdict: Verdict,
    pub date: NaiveDate,
    pub document: &'a str,
    pub batch: &'a str,
    pub award: bool,
    pub memo: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

const ACCEPTANCE_SELECT: &str = "SELECT a.id, a.stage, p.code, s.code, a.department, a.result,
    a.accepted_on, a.document, a.batch, a.award, a.memo
    FROM acceptances a
    JOIN projects p ON p.id = a.project_id
    LEFT JOIN subprojects s ON s.id = a.subproject_id";

fn acceptance_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAcceptance> {
    let stage: String = r.get(1)?;
    let verdict: String = r.get(5)?;
    let date: String = r.get(6)?;
    Ok(StoredAcceptance {
        id: r.get(0)?,
        stage: stored_enum(&stage, Stage::parse)?,
        project: r.get(2)?,
        subproject: r.get(3)?,
        department: r.get(4)?,
        verdict: stored_enum(&verdict, Verdict::parse)?,
        date: stored_date(&date)?,
        document: r.get(7)?,
        batch: r.get(8)?,
        award: r.get(9)?,
        memo: r.get(10)?,
    })
}

fn acceptances(conn: &Connection, project: Option<&str>) -> Result<Vec<StoredAcceptance>> {
    let sql = format!("{ACCEPTANCE_SELECT} WHERE ?1 IS NULL OR p.code = ?1 ORDER BY a.id");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([project], acceptance_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What a report was computed from (`Db::fingerprint`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub entries: i64,
    /// The first 16 hex digits of the audit chain's head.
    pub hash: String,
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} entries, chain head {}", self.entries, self.hash)
    }
}

/// A line's year: (appropriation id, sub-project id, year).
pub type LineYear = (i64, i64, i32);

/// One row of the write journal.
#[derive(Clone, Debug)]
pub struct StoredWrite {
    pub id: i64,
    pub command: String,
    pub detail: String,
    pub summary: String,
    pub reason: String,
    pub first_link: i64,
    pub last_link: i64,
    pub operator: String,
    pub recorded_at: String,
}

/// The benchmark's floor: `csv_file` parsed and inserted into a plain table of a new SQLite
/// file at `path`, in one transaction, with no checks, no indexes and no chain (the same
/// pragmas as a ledger). Returns the rows inserted.
pub fn floor_import(path: &Path, csv_file: &Path) -> Result<u64> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE plain (voucher TEXT, date TEXT, kind TEXT, appropriation TEXT, subproject TEXT,
                             amount TEXT, reverses TEXT, memo TEXT)",
    )?;
    let mut reader = csv::Reader::from_path(csv_file)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", csv_file.display())))?;
    let tx = conn.unchecked_transaction()?;
    let mut rows = 0u64;
    {
        let mut stmt = tx.prepare("INSERT INTO plain VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        let mut record = csv::StringRecord::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| Error::Internal(format!("{}: {e}", csv_file.display())))?
        {
            let cell = |i: usize| record.get(i).unwrap_or("");
            stmt.execute(params![cell(0), cell(1), cell(2), cell(3), cell(4), cell(5), cell(6), cell(7)])?;
            rows += 1;
        }
    }
    tx.commit()?;
    Ok(rows)
}

const WRITE_SELECT: &str = "SELECT id, command, detail, summary, reason, first_link, last_link, operator,
    recorded_at FROM writes";

fn write_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredWrite> {
    Ok(StoredWrite {
        id: r.get(0)?,
        command: r.get(1)?,
        detail: r.get(2)?,
        summary: r.get(3)?,
        reason: r.get(4)?,
        first_link: r.get(5)?,
        last_link: r.get(6)?,
        operator: r.get(7)?,
        recorded_at: r.get(8)?,
    })
}

/// What `Db::walk_chain` found.
pub struct ChainWalk {
    pub links: u64,
    /// The last link's hash as stored.
    pub head: Hash,
    /// Each place where the stored rows and the chain disagree, in chain order.
    pub findings: Vec<String>,
    /// The link whose hash starts with the anchor asked for, if any.
    pub anchor_link: Option<i64>,
}

/// The chained tables other than `entries`, each with how a finding names one of its rows.
const REGISTER_LABELS: [(&str, &str); 12] = [
    ("departments", "code"),
    ("counties", "code"),
    ("subproject_types", "code"),
    ("channels", "code"),
    ("designations", "channel || '/' || type"),
    ("projects", "code"),
    ("subprojects", "code"),
    ("appropriations", "code"),
    ("subsidy_rules", "'#' || id"),
    ("period_events", "year || ' ' || action"),
    ("acceptances", "'#' || id"),
    ("writes", "'#' || id || ' (' || command || ' ' || detail || ')'"),
];

/// Reads a stored 32-byte hash; the schema's CHECK guarantees the length.
fn stored_hash(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Hash> {
    let bytes: Vec<u8> = r.get(i)?;
    bytes.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Blob,
            "hash is not 32 bytes".into(),
        )
    })
}

/// `YYYY-MM-DD`, as stored (formatted directly: chrono's strftime was a visible share of a big
/// import).
fn date_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Reads a stored date; the schema's CHECK guarantees the shape, so a failure is corruption.
fn stored_date(text: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// Each line's net movements per day, derived from the entries (reversals netted into the
/// column of the kind they reverse, on the reversal's own date) — what `line_days` must hold.
const DERIVED_LINE_DAYS: &str = "SELECT e.appropriation_id, e.subproject_id, e.date,
       sum(CASE coalesce(o.kind, e.kind) WHEN 'allocate' THEN m ELSE 0 END) AS allocated_fen,
       sum(CASE coalesce(o.kind, e.kind) WHEN 'withdraw' THEN m ELSE 0 END) AS withdrawn_fen,
       sum(CASE coalesce(o.kind, e.kind) WHEN 'disburse' THEN m ELSE 0 END) AS disbursed_fen,
       sum(CASE coalesce(o.kind, e.kind) WHEN 'return' THEN m ELSE 0 END) AS returned_fen,
       sum(CASE coalesce(o.kind, e.kind) WHEN 'pay' THEN m ELSE 0 END) AS paid_fen
FROM (SELECT e.*, CASE WHEN e.kind = 'reverse' THEN -e.amount_fen ELSE e.amount_fen END AS m
      FROM entries e) e
LEFT JOIN entries o ON o.id = e.reverses_id
GROUP BY 1, 2, 3";

/// `allocated 100.00, paid 30.00` (the non-zero columns), or `nothing`.
fn movement_text(b: &LineBalance) -> String {
    let parts: Vec<String> = [
        ("allocated", b.allocated),
        ("withdrawn", b.withdrawn),
        ("disbursed", b.disbursed),
        ("returned", b.returned),
        ("paid", b.paid),
    ]
    .iter()
    .filter(|(_, v)| *v != Fen::ZERO)
    .map(|(n, v)| format!("{n} {v}"))
    .collect();
    if parts.is_empty() {
        "nothing".to_string()
    } else {
        parts.join(", ")
    }
}

/// Reads a stored enum code; the schema's CHECK guarantees it, so a failure is corruption.
fn stored_enum<T>(text: &str, parse: fn(&str) -> Result<T, String>) -> rusqlite::Result<T> {
    parse(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

fn not_a_ledger(path: &Path, why: &str) -> Error {
    Error::Internal(format!(
        "{} is not a fundledger ledger ({why}); it was left as it is. Give the ledger with --db, or create one with `fundledger --db FILE init`",
        shown_path(path)
    ))
}

/// A read-only connection to `path`, waiting for writers as every connection does.
///
/// A WAL ledger is read through its `-shm` index, which SQLite creates beside the file; on a
/// read-only disk (a ledger on a CD, a read-only mount of the archive) it cannot. When no
/// `-wal` file holds anything, nobody is writing and the file alone is the whole ledger, so it
/// is then opened as immutable, which needs no index.
fn read_only(path: &Path) -> Result<Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let cannot = |e: rusqlite::Error| {
        Error::Internal(format!("cannot open ledger {}: {}", shown_path(path), Error::from(e)))
    };
    let conn = Connection::open_with_flags(path, flags).map_err(cannot)?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
        Err(e) if index_unavailable(&e) && wal_is_empty(path) => {
            drop(conn);
            let uri = format!("file:{}?immutable=1", uri_path(path));
            let conn = Connection::open_with_flags(uri, flags | rusqlite::OpenFlags::SQLITE_OPEN_URI)
                .map_err(cannot)?;
            Ok(conn)
        }
        _ => {
            conn.busy_handler(Some(wait_for_writer))?;
            Ok(conn)
        }
    }
}

/// Whether SQLite could not make the `-shm` index a WAL reader needs: a read-only disk
/// (cannot open), or a full one (an I/O error growing it).
fn index_unavailable(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(
            rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::SystemIoFailure
                | rusqlite::ErrorCode::DiskFull
        )
    )
}

/// Whether the ledger's `-wal` file is absent or empty (everything is in the file itself).
fn wal_is_empty(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map_or(true, |m| m.len() == 0)
}

/// `path` percent-encoded for an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for &b in absolute.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Tells whether `path` is a fundledger ledger, and of which schema, without changing a byte
/// of it: the SQLite header is read from the file, then the schema through a read-only
/// connection. Another application's database, an empty file or a text file is refused
/// before any pragma could switch its journal mode or grow it.
fn identify(path: &Path) -> Result<i64> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Internal(format!(
                "no ledger at {p}; create one with `fundledger --db {p} init`",
                p = shown_path(path)
            )))
        }
        Err(e) => return Err(Error::Internal(format!("cannot read {}: {e}", shown_path(path)))),
    };
    if !meta.is_file() {
        return Err(not_a_ledger(path, "it is not a file"));
    }
    if meta.len() == 0 {
        return Err(not_a_ledger(path, "the file is empty"));
    }
    let mut header = [0u8; 100];
    let read = std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header));
    if read.is_err() || !header.starts_with(b"SQLite format 3\0") {
        return Err(not_a_ledger(path, "it is not an SQLite database"));
    }
    let conn = read_only(path)?;
    let ours = |conn: &Connection| -> rusqlite::Result<(i64, i64, i64)> {
        let id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        // Ledgers from before migration 6 carry no application id: their own tables say it.
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'
               AND name IN ('meta', 'entries', 'appropriations', 'subprojects', 'line_balances')",
            [],
            |r| r.get(0),
        )?;
        Ok((id, version, tables))
    };
    let (id, version, tables) = ours(&conn).map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => not_a_ledger(path, "it is not an SQLite database"),
        _ => Error::Internal(format!("cannot read the ledger {}: {}", shown_path(path), Error::from(e))),
    })?;
    let recognised = id == LEDGER_APPLICATION_ID || (id == 0 && tables == 5 && (1..6).contains(&version));
    if !recognised {
        return Err(not_a_ledger(path, "an SQLite database of another application"));
    }
    if version > SCHEMA_VERSION {
        return Err(Error::Internal(format!(
            "{} was written by a newer fundledger (schema {version}); upgrade fundledger",
            shown_path(path)
        )));
    }
    Ok(version)
}

impl Db {
    /// Creates a new ledger file with the current schema. Refuses an existing file.
    pub fn create(path: &Path) -> Result<Db> {
        if path.symlink_metadata().is_ok() {
            return Err(Error::Internal(format!(
                "{} already exists; fundledger never overwrites a ledger (choose another --db)",
                shown_path(path)
            )));
        }
        let mut db = Db::connect(path)?;
        db.migrate()?;
        Ok(db)
    }

    /// Opens an existing ledger for writing. The file is identified as a fundledger ledger
    /// before anything touches it; a ledger of an older schema is upgraded by this, its first
    /// write (journaled as `upgrade`).
    pub fn open(path: &Path) -> Result<Db> {
        let version = identify(path)?;
        // Opening for writing changes nothing; it tells a read-only file or disk apart from
        // SQLite's later "unable to open database file".
        if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
            return Err(Error::Internal(format!(
                "cannot write to the ledger {} ({e}); nothing was written. Reading works: reports and verify open it read-only",
                shown_path(path)
            )));
        }
        let mut db = Db::connect(path)?;
        if version < SCHEMA_VERSION {
            db.migrate()?;
        }
        Ok(db)
    }

    /// Opens a ledger for reading only, inside one read transaction: every query of the
    /// command then sees the same moment, however many clerks write meanwhile (WAL readers
    /// keep their snapshot). `verify` compares entries with balances, and a report prints a
    /// fingerprint with its figures; without a snapshot they could come from two moments.
    /// The connection is read-only, so no read can change the ledger; a ledger of an older
    /// schema is refused with the command that upgrades it.
    pub fn open_snapshot(path: &Path) -> Result<Db> {
        let version = identify(path)?;
        if version < SCHEMA_VERSION {
            return Err(Error::Internal(format!(
                "{p} is a ledger of schema {version}, older than this fundledger's {SCHEMA_VERSION}; reading never changes a ledger, so upgrade it first: `fundledger --db {p} upgrade` (or any write upgrades it)",
                p = shown_path(path)
            )));
        }
        let db = Db::connect_read_only(path)?;
        db.conn.execute_batch("BEGIN DEFERRED")?;
        // The snapshot starts with the first read; take it now.
        db.conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
        Ok(db)
    }

    /// Brings an older ledger up to date (`fundledger upgrade`); says what it did.
    pub fn upgrade(path: &Path) -> Result<Option<(i64, i64)>> {
        let version = identify(path)?;
        if version == SCHEMA_VERSION {
            return Ok(None);
        }
        let mut db = Db::connect(path)?;
        db.migrate()?;
        Ok(Some((version, SCHEMA_VERSION)))
    }

    /// An in-memory ledger for tests.
    pub fn in_memory() -> Result<Db> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut db = Db { conn };
        db.migrate()?;
        Ok(db)
    }

    fn connect(path: &Path) -> Result<Db> {
        let conn = Connection::open(path).map_err(|e| {
            Error::Internal(format!("cannot open ledger {}: {}", shown_path(path), Error::from(e)))
        })?;
        conn.busy_handler(Some(wait_for_writer))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 32 MiB of page cache (the default is 2 MiB): a big import touches the entries'
        // indexes all over, and re-reading pages from the OS dominated it.
        conn.pragma_update(None, "cache_size", -32768)?;
        Ok(Db { conn })
    }

    /// A read-only connection: SQLite itself refuses any write through it, and it sets no
    /// pragma that would persist (the journal mode stays as the ledger has it).
    fn connect_read_only(path: &Path) -> Result<Db> {
        let conn = read_only(path)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -32768)?;
        Ok(Db { conn })
    }

    fn user_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Brings the schema up to date, all in one write transaction: the version is re-read
    /// under the write lock, so two clerks opening an old ledger at once upgrade it once, and
    /// an upgrade cut short leaves the ledger as it was. Rows recorded before the audit chain
    /// existed (schema 3 and older) are sealed into it; a newer ledger whose chain is missing
    /// is never sealed again — that is a finding for `verify`, not something to paper over.
    fn migrate(&mut self) -> Result<()> {
        if self.user_version()? == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self.begin()?;
        let before: i64 = tx.tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if before == SCHEMA_VERSION {
            return Ok(());
        }
        for sql in MIGRATIONS.iter().skip(before as usize) {
            tx.tx.execute_batch(sql)?;
        }
        tx.tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        let mut sealed = 0u64;
        if before > 0 && before < CHAIN_SCHEMA {
            for table in CHAINED {
                let ids: Vec<i64> = tx
                    .tx
                    .prepare(&format!("SELECT rowid FROM {table} ORDER BY rowid"))?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for id in ids {
                    tx.link_row(table, id)?;
                    sealed += 1;
                }
            }
        }
        let at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        let summary = format!("sealed {sealed} rows recorded before the audit chain existed");
        let detail = format!("schema {before} to {SCHEMA_VERSION}");
        tx.commit(&WriteRecord {
            command: "upgrade",
            detail: &detail,
            summary: &summary,
            reason: "",
            operator: "fundledger",
            recorded_at: &at,
        })
    }

    /// BEGIN IMMEDIATE, waiting for other writers.
    fn begin_immediate(&self) -> Result<rusqlite::Transaction<'_>> {
        let conn = &self.conn;
        Ok(retry_busy(|| rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate))?)
    }

    /// Turns SQLite's foreign-key checks off (between transactions only: the pragma does
    /// nothing inside one), for a big entries import: the `entries_checked` trigger (migration
    /// 5) refuses an entry whose appropriation, sub-project or reversed entry is not recorded,
    /// so the foreign keys only looked the same rows up a second time. The caller turns them
    /// back on when the import's transaction has ended.
    pub fn set_foreign_keys(&mut self, on: bool) -> Result<()> {
        self.conn.pragma_update(None, "foreign_keys", if on { "ON" } else { "OFF" })?;
        Ok(())
    }

    /// Starts a write transaction; it holds the write lock until commit or drop.
    pub fn begin(&mut self) -> Result<Tx<'_>> {
        let tx = self.begin_immediate()?;
        Ok(Tx { tx, chain: RefCell::new(ChainState::default()) })
    }

    /// Reads the whole catalogue.
    pub fn catalog(&self) -> Result<Catalog> {
        read_catalog(&self.conn)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn closed_years(&self) -> Result<BTreeSet<i32>> {
        closed_years(&self.conn)
    }

    /// Every subsidy rule, in recording order.
    pub fn rules(&self) -> Result<Vec<Rule>> {
        rules(&self.conn)
    }

    /// Every maintained balance line with its names, in a stable order.
    pub fn balance_lines(&self) -> Result<Vec<BalanceLine>> {
        self.named_lines(
            "SELECT appropriation_id AS aid, subproject_id AS sid, allocated_fen AS allocated,
                    withdrawn_fen AS withdrawn, disbursed_fen AS disbursed, returned_fen AS returned,
                    paid_fen AS paid
             FROM line_balances",
            None,
        )
    }

    /// Every line's balance as of the end of `date`, summed from the entries dated up to it
    /// (reversals netted into the column of the kind they reverse); lines with no entry by
    /// then are absent. `None` means the maintained balances (all entries).
    ///
    /// Cheap cases read maintained state, O(lines): no date or a date on or after the latest
    /// entry (the maintained balances), and a 31 December (the per-year movements up to that
    /// year). Any other date sums the entries.
    pub fn balance_lines_as_of(&self, date: Option<NaiveDate>) -> Result<Vec<BalanceLine>> {
        let Some(date) = date else { return self.balance_lines() };
        let latest: Option<String> =
            self.conn.query_row("SELECT max(last_entry) FROM line_balances", [], |r| r.get(0))?;
        if latest.is_none_or(|latest| latest <= date_text(date)) {
            return self.balance_lines();
        }
        if (date.month(), date.day()) == (12, 31) {
            return self.named_lines(
                "SELECT appropriation_id AS aid, subproject_id AS sid, sum(allocated_fen) AS allocated,
                        sum(withdrawn_fen) AS withdrawn, sum(disbursed_fen) AS disbursed,
                        sum(returned_fen) AS returned, sum(paid_fen) AS paid
                 FROM line_years WHERE year <= CAST(?1 AS INTEGER)
                 GROUP BY appropriation_id, subproject_id",
                Some(date.year().to_string()),
            );
        }
        self.named_lines(
            "SELECT e.appropriation_id AS aid, e.subproject_id AS sid,
                    sum(CASE coalesce(o.kind, e.kind) WHEN 'allocate' THEN m ELSE 0 END) AS allocated,
                    sum(CASE coalesce(o.kind, e.kind) WHEN 'withdraw' THEN m ELSE 0 END) AS withdrawn,
                    sum(CASE coalesce(o.kind, e.kind) WHEN 'disburse' THEN m ELSE 0 END) AS disbursed,
                    sum(CASE coalesce(o.kind, e.kind) WHEN 'return' THEN m ELSE 0 END) AS returned,
                    sum(CASE coalesce(o.kind, e.kind) WHEN 'pay' THEN m ELSE 0 END) AS paid
             FROM (SELECT e.*, CASE WHEN e.kind = 'reverse' THEN -e.amount_fen ELSE e.amount_fen END AS m
                   FROM entries e WHERE e.date <= ?1) e
             LEFT JOIN entries o ON o.id = e.reverses_id
             GROUP BY e.appropriation_id, e.subproject_id",
            Some(date_text(date)),
        )
    }

    /// Lines from `source` (aid, sid and the five balance columns) with their names, in
    /// project, sub-project, channel and appropriation order.
    fn named_lines(&self, source: &str, date: Option<String>) -> Result<Vec<BalanceLine>> {
        let sql = format!(
            "SELECT p.code, p.county, s.code, s.type, a.channel, a.code,
                    x.allocated, x.withdrawn, x.disbursed, x.returned, x.paid
             FROM ({source}) x
             JOIN appropriations a ON a.id = x.aid
             JOIN subprojects s ON s.id = x.sid
             JOIN projects p ON p.id = s.project_id
             ORDER BY p.code, s.code, a.channel, a.code"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let params: Vec<String> = date.into_iter().collect();
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
            Ok(BalanceLine {
                project: r.get(0)?,
                county: r.get(1)?,
                subproject: r.get(2)?,
                type_code: r.get(3)?,
                channel: r.get(4)?,
                appropriation: r.get(5)?,
                balance: line_balance_from_row(r, 6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The ledger's fingerprint: the entry count and the audit chain's head, the hash of
    /// the last link, which covers every row recorded before it.
    pub fn fingerprint(&self) -> Result<Fingerprint> {
        let head = self
            .conn
            .query_row("SELECT hash FROM chain ORDER BY seq DESC LIMIT 1", [], |r| stored_hash(r, 0))
            .optional()?
            .unwrap_or(GENESIS);
        let entries = self.conn.query_row("SELECT count(*) FROM entries", [], |r| r.get(0))?;
        Ok(Fingerprint { entries, hash: crate::audit::short(&head) })
    }

    /// Copies the whole ledger to `dest` (a new file) with SQLite's online backup, in one
    /// step: the copy is the consistent state of one moment, and other processes go on
    /// writing meanwhile (WAL readers do not block writers).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        use rusqlite::backup::StepResult;
        let mut copy = Connection::open(dest)
            .map_err(|e| Error::Internal(format!("cannot create {}: {e}", dest.display())))?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
            let mut waits = 0;
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    StepResult::Busy | StepResult::Locked if waits < BUSY_RETRIES * 20 => {
                        waits += 1;
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    _ => {
                        return Err(Error::Internal(
                            "the ledger stayed busy for the whole backup; nothing was kept, run it again"
                                .into(),
                        ))
                    }
                }
            }
        }
        copy.close().map_err(|(_, e)| Error::from(e))?;
        Ok(())
    }

    /// The write journal, oldest first: writes recorded on or after `since` (by the date of
    /// their time stamp) and by `operator`, when given.
    pub fn writes(&self, since: Option<NaiveDate>, operator: Option<&str>) -> Result<Vec<StoredWrite>> {
        let sql = format!(
            "{WRITE_SELECT} WHERE (?1 IS NULL OR substr(recorded_at, 1, 10) >= ?1) AND (?2 IS NULL OR operator = ?2)
             ORDER BY id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![since.map(date_text), operator], write_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The write whose links include link `seq` (its own journal link is the one after
    /// `last_link`).
    pub fn write_of_link(&self, seq: i64) -> Result<Option<StoredWrite>> {
        let sql = format!("{WRITE_SELECT} WHERE first_link <= ?1 AND ?1 <= last_link + 1");
        Ok(self.conn.query_row(&sql, [seq], write_from_row).optional()?)
    }

    /// Every reopen of a year, oldest first: (year, reason, operator, time).
    pub fn reopens(&self) -> Result<Vec<(i32, String, String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT year, reason, operator, recorded_at FROM period_events WHERE action = 'reopen' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Walks the audit chain from its first link, recomputing every link from the stored row
    /// it names, and lists where the stored rows and the chain disagree: a row altered, a row
    /// removed, a row inserted without a link, links removed or reordered.
    ///
    /// With `anchor` (the leading bytes of a head printed earlier), it also finds the link
    /// whose hash starts with them.
    pub fn walk_chain(
        &self,
        progress: &crate::progress::Progress,
        anchor: Option<&[u8]>,
    ) -> Result<ChainWalk> {
        let mut walk = ChainWalk { links: 0, head: GENESIS, findings: Vec::new(), anchor_link: None };
        let mut canon = Canon::default();
        // Every chained row but the entries, by (table, rowid): its label and bytes.
        let mut register: HashMap<(String, i64), (String, Vec<u8>)> = HashMap::new();
        for (table, label) in REGISTER_LABELS {
            let mut stmt = self.conn.prepare(&format!("SELECT rowid, {label}, * FROM {table}"))?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                canon.start(table);
                canon_row(&mut canon, r, 2, columns)?;
                register.insert((table.to_string(), r.get(0)?), (lossy(r, 1)?, canon.bytes().to_vec()));
            }
        }
        let mut linked: BTreeSet<(String, i64)> = BTreeSet::new();
        let mut entry_stmt = self.conn.prepare("SELECT * FROM entries ORDER BY id")?;
        let entry_columns = entry_stmt.column_count();
        let mut entries = entry_stmt.query([])?;
        // The next stored entry not yet matched to a link: (id, voucher, bytes).
        let mut next_entry = |canon: &mut Canon| -> Result<Option<(i64, String, Vec<u8>)>> {
            let Some(r) = entries.next()? else { return Ok(None) };
            canon.start("entries");
            canon_row(canon, r, 0, entry_columns)?;
            Ok(Some((r.get(0)?, lossy(r, 1)?, canon.bytes().to_vec())))
        };
        let unlinked = |voucher: &str, id: i64| {
            format!(
                "entry {voucher} (id {id}) has no link in the audit chain: its link was removed, or the entry was inserted behind fundledger's back"
            )
        };
        let mut pending = next_entry(&mut canon)?;
        let mut last_voucher = String::from("(none)");
        let mut link_stmt = self.conn.prepare("SELECT seq, tbl, rid, hash FROM chain ORDER BY seq")?;
        let mut links = link_stmt.query([])?;
        let mut prev = GENESIS;
        let mut expected = 1i64;
        // A link that did not match: (its finding's subject, the hash its row gives). Decided
        // at the next link: if that one matches the stored hash, the row was altered; if it
        // matches the row's own hash, only the stored link was.
        let mut suspect: Option<(String, Hash)> = None;
        let mut after_gap = false;
        while let Some(r) = links.next()? {
            let seq: i64 = r.get(0)?;
            let table = lossy(r, 1)?;
            let rid: i64 = r.get(2)?;
            let stored = stored_hash(r, 3).unwrap_or_else(|_| {
                walk.findings
                    .push(format!("audit link {seq} does not hold a 32-byte hash: the chain was edited"));
                GENESIS
            });
            walk.links += 1;
            if anchor.is_some_and(|a| stored.starts_with(a)) && walk.anchor_link.is_none() {
                walk.anchor_link = Some(seq);
            }
            if walk.links.is_multiple_of(4096) {
                progress.rows_done(walk.links);
            }
            if seq != expected {
                walk.findings.push(if seq == expected + 1 {
                    format!("audit link {expected} is missing: it was removed from the chain")
                } else {
                    format!(
                        "audit links {expected}–{} are missing: they were removed from the chain",
                        seq - 1
                    )
                });
                after_gap = true;
            }
            expected = seq + 1;
            let row: Option<(String, Vec<u8>)> = if table == "entries" {
                while let Some((id, voucher, _)) = pending.as_ref().filter(|(id, _, _)| *id < rid) {
                    walk.findings.push(unlinked(voucher, *id));
                    pending = next_entry(&mut canon)?;
                }
                match pending.take() {
                    Some((id, voucher, bytes)) if id == rid => {
                        last_voucher = voucher.clone();
                        pending = next_entry(&mut canon)?;
                        Some((format!("entry {voucher}"), bytes))
                    }
                    other => {
                        pending = other;
                        walk.findings.push(match self.entry_voucher(rid)? {
                            Some(voucher) => format!(
                                "audit link {seq} names entry {voucher} (id {rid}) out of recording order: links were moved or added behind fundledger's back"
                            ),
                            None => format!(
                                "the entry recorded at link {seq} (id {rid}, after entry {last_voucher}) was removed"
                            ),
                        });
                        None
                    }
                }
            } else {
                let key = (table.clone(), rid);
                let found = register.remove(&key);
                if found.is_none() {
                    walk.findings.push(if linked.contains(&key) {
                        format!(
                            "audit link {seq} names {} again: links were added behind fundledger's back",
                            subject(&table, &rid.to_string())
                        )
                    } else {
                        format!("the {} row recorded at link {seq} (rowid {rid}) was removed", noun(&table))
                    });
                }
                linked.insert(key);
                found.map(|(label, bytes)| (subject(&table, &label), bytes))
            };
            let computed = row.as_ref().map(|(_, bytes)| crate::audit::link_bytes(&prev, bytes));
            if let Some((what, own)) = suspect.take() {
                let by_own = row.as_ref().map(|(_, bytes)| crate::audit::link_bytes(&own, bytes));
                walk.findings.push(if computed == Some(stored) {
                    format!("{what} was altered after it was recorded: it no longer matches its audit link")
                } else if by_own == Some(stored) {
                    format!("the audit link of {what} was altered: the row itself is as recorded")
                } else {
                    format!("{what} does not match the audit chain: it, or its link, was altered after it was recorded")
                });
                if by_own == Some(stored) {
                    prev = stored;
                    continue;
                }
            }
            if let (Some((label, bytes)), Some(computed)) = (&row, computed) {
                if computed != stored {
                    if after_gap {
                        walk.findings.push(format!(
                            "{label} (link {seq}) cannot be checked against the link before it, which is missing"
                        ));
                    } else {
                        let own = crate::audit::link_bytes(&prev, bytes);
                        suspect = Some((format!("{label} (link {seq})"), own));
                    }
                }
            }
            after_gap = false;
            prev = stored;
        }
        if let Some((what, _)) = suspect {
            walk.findings.push(format!(
                "{what} does not match the audit chain: it, or its link, was altered after it was recorded"
            ));
        }
        walk.head = prev;
        while let Some((id, voucher, _)) = pending {
            walk.findings.push(unlinked(&voucher, id));
            pending = next_entry(&mut canon)?;
        }
        let mut unlinked_rows: Vec<_> = register.into_iter().collect();
        unlinked_rows.sort_by(|a, b| a.0.cmp(&b.0));
        for ((table, rid), (label, _)) in unlinked_rows {
            walk.findings.push(format!(
                "{} (rowid {rid}) has no link in the audit chain: its link was removed, or it was inserted behind fundledger's back",
                subject(&table, &label)
            ));
        }
        Ok(walk)
    }

    /// Where this ledger's schema (tables, indexes, triggers) differs from the one
    /// fundledger's migrations create: a trigger dropped with the sqlite3 shell stops the
    /// database refusing edits, so `verify` names it.
    pub fn schema_differences(&self) -> Result<Vec<String>> {
        fn objects(conn: &Connection) -> Result<std::collections::BTreeMap<(String, String), String>> {
            let mut stmt = conn.prepare(
                "SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
            )?;
            let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        }
        let expected = objects(&Db::in_memory()?.conn)?;
        let actual = objects(&self.conn)?;
        let mut found = Vec::new();
        for ((kind, name), sql) in &expected {
            match actual.get(&(kind.clone(), name.clone())) {
                None => found.push(format!(
                    "the {kind} {name} is missing from the ledger's schema: it was dropped behind fundledger's back{}",
                    if kind == "trigger" { ", so the database no longer refuses what it guarded" } else { "" }
                )),
                Some(actual_sql) if actual_sql != sql => {
                    found.push(format!("the {kind} {name} differs from the one fundledger created"))
                }
                Some(_) => {}
            }
        }
        for (kind, name) in actual.keys().filter(|k| !expected.contains_key(k)) {
            found.push(format!("the ledger's schema has a {kind} {name} that fundledger did not create"));
        }
        Ok(found)
    }

    /// The voucher of entry `id`, if it exists.
    fn entry_voucher(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT voucher FROM entries WHERE id = ?1", [id], |r| lossy(r, 0))
            .optional()?)
    }

    /// The `pay` entries of a project's sub-projects, with the reversal that cancelled each.
    pub fn project_payments(&self, project: &str) -> Result<Vec<crate::report::reconcile::LedgerPay>> {
        let mut stmt = self.conn.prepare(
            "SELECT e.voucher, e.date, s.code, e.amount_fen, r.voucher
             FROM entries e
             JOIN subprojects s ON s.id = e.subproject_id
             JOIN projects p ON p.id = s.project_id
             LEFT JOIN entries r ON r.reverses_id = e.id
             WHERE p.code = ?1 AND e.kind = 'pay'
             ORDER BY e.voucher",
        )?;
        let rows = stmt.query_map([project], |r| {
            let date: String = r.get(1)?;
            Ok(crate::report::reconcile::LedgerPay {
                voucher: r.get(0)?,
                date: stored_date(&date)?,
                subproject: r.get(2)?,
                amount: r.get::<_, Fen>(3)?,
                reversed_by: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every acceptance (of one project, if given), in recording order.
    pub fn acceptances(&self, project: Option<&str>) -> Result<Vec<StoredAcceptance>> {
        acceptances(&self.conn, project)
    }

    /// One entry by its voucher.
    pub fn entry(&self, voucher: &str) -> Result<Option<StoredEntry>> {
        let sql = format!("{ENTRY_SELECT} WHERE e.voucher = ?1");
        Ok(self.conn.query_row(&sql, [voucher], entry_from_row).optional()?)
    }

    /// Maintained balances keyed by (appropriation id, sub-project id), for `verify`.
    pub fn maintained_balances(&self) -> Result<Vec<((i64, i64), LineBalance)>> {
        let mut stmt = self.conn.prepare(
            "SELECT appropriation_id, subproject_id, allocated_fen, withdrawn_fen,
                    disbursed_fen, returned_fen, paid_fen
             FROM line_balances ORDER BY appropriation_id, subproject_id",
        )?;
        let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), line_balance_from_row(r, 2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Calls `f` on every entry in recording order, streaming (for `verify`).
    /// Every entry in the order money moved: by date, and by recording order within a day.
    pub fn for_each_entry(&self, mut f: impl FnMut(StoredEntry)) -> Result<()> {
        let sql = format!("{ENTRY_SELECT} ORDER BY e.date, e.id");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(entry_from_row(r)?);
        }
        Ok(())
    }

    /// Every appropriation line, in code order.
    pub fn appropriations(&self) -> Result<Vec<StoredAppropriation>> {
        let sql = format!("{APPROPRIATION_SELECT} ORDER BY code");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], appropriation_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every sub-project with its project's county and mode, in code order.
    pub fn subprojects(&self) -> Result<Vec<StoredSubproject>> {
        let sql = format!("{SUBPROJECT_SELECT} ORDER BY s.code");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], subproject_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every project, in code order.
    pub fn projects(&self) -> Result<Vec<StoredProject>> {
        let sql = format!("{PROJECT_SELECT} ORDER BY code");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], project_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The date of the latest entry, if any.
    pub fn latest_entry(&self) -> Result<Option<NaiveDate>> {
        let latest: Option<String> =
            self.conn.query_row("SELECT max(last_entry) FROM line_balances", [], |r| r.get(0))?;
        Ok(latest.as_deref().map(stored_date).transpose()?)
    }

    /// How many links the audit chain has.
    pub fn chain_links(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT coalesce(max(seq), 0) FROM chain", [], |r| r.get(0))?)
    }

    /// Row counts of the register and the ledger: (projects, sub-projects, appropriations, entries).
    pub fn counts(&self) -> Result<(i64, i64, i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM subprojects),
                    (SELECT count(*) FROM appropriations), (SELECT count(*) FROM entries)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?)
    }

    /// What the lines of each appropriation take out of it, Σ(allocated − withdrawn − returned),
    /// keyed by appropriation code; lines never touched are absent (they draw nothing).
    pub fn drawn_by_appropriation(&self) -> Result<std::collections::HashMap<String, Fen>> {
        let mut stmt = self.conn.prepare(
            "SELECT a.code, sum(b.allocated_fen - b.withdrawn_fen - b.returned_fen)
             FROM line_balances b JOIN appropriations a ON a.id = b.appropriation_id
             GROUP BY b.appropriation_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, Fen>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Per line: the date of its latest entry and of its latest disbursement (maintained
    /// with the balances).
    pub fn line_activity(&self) -> Result<Vec<LineActivity>> {
        let mut stmt = self.conn.prepare(
            "SELECT a.code, s.code, b.last_entry, b.last_disbursed
             FROM line_balances b
             JOIN appropriations a ON a.id = b.appropriation_id
             JOIN subprojects s ON s.id = b.subproject_id
             WHERE b.last_entry IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| {
            let last: String = r.get(2)?;
            let disbursed: Option<String> = r.get(3)?;
            Ok(LineActivity {
                appropriation: r.get(0)?,
                subproject: r.get(1)?,
                last_entry: stored_date(&last)?,
                last_disbursement: disbursed.as_deref().map(stored_date).transpose()?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Maintained activity and per-year movements, keyed by (appropriation id, sub-project
    /// id), for `verify`.
    pub fn maintained_activity(&self) -> Result<Vec<((i64, i64), Activity)>> {
        let mut stmt = self.conn.prepare(
            "SELECT appropriation_id, subproject_id, last_entry, last_disbursed FROM line_balances",
        )?;
        let rows = stmt.query_map([], |r| {
            let last: Option<String> = r.get(2)?;
            let disbursed: Option<String> = r.get(3)?;
            Ok((
                (r.get(0)?, r.get(1)?),
                Activity {
                    last_entry: last.as_deref().map(stored_date).transpose()?,
                    last_disbursement: disbursed.as_deref().map(stored_date).transpose()?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Maintained movements per line and year, keyed by (appropriation id, sub-project id,
    /// year), for `verify`.
    pub fn maintained_years(&self) -> Result<Vec<(LineYear, LineBalance)>> {
        let mut stmt = self.conn.prepare(
            "SELECT appropriation_id, subproject_id, year, allocated_fen, withdrawn_fen,
                    disbursed_fen, returned_fen, paid_fen
             FROM line_years",
        )?;
        let rows =
            stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), line_balance_from_row(r, 3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Where the maintained day rows (`line_days`, `appropriation_days`) differ from what the
    /// entries give, for `verify`: at most `limit` sentences, each naming the line and day.
    /// Computed in SQL, so a million entries need no memory here.
    pub fn day_differences(&self, limit: usize) -> Result<Vec<String>> {
        let mut found = Vec::new();
        let mut lines = self.conn.prepare(&format!(
            "WITH derived AS ({DERIVED_LINE_DAYS})
             SELECT a.code, s.code, k.date, {cols}
             FROM (SELECT appropriation_id, subproject_id, date FROM derived
                   UNION SELECT appropriation_id, subproject_id, date FROM line_days) k
             LEFT JOIN derived d USING (appropriation_id, subproject_id, date)
             LEFT JOIN line_days l USING (appropriation_id, subproject_id, date)
             LEFT JOIN appropriations a ON a.id = k.appropriation_id
             LEFT JOIN subprojects s ON s.id = k.subproject_id
             WHERE {differ}
             ORDER BY k.date, k.appropriation_id, k.subproject_id LIMIT ?1",
            cols = "coalesce(l.allocated_fen, 0), coalesce(l.withdrawn_fen, 0), coalesce(l.disbursed_fen, 0),
                    coalesce(l.returned_fen, 0), coalesce(l.paid_fen, 0),
                    coalesce(d.allocated_fen, 0), coalesce(d.withdrawn_fen, 0), coalesce(d.disbursed_fen, 0),
                    coalesce(d.returned_fen, 0), coalesce(d.paid_fen, 0)",
            differ = "coalesce(l.allocated_fen, 0) <> coalesce(d.allocated_fen, 0)
                   OR coalesce(l.withdrawn_fen, 0) <> coalesce(d.withdrawn_fen, 0)
                   OR coalesce(l.disbursed_fen, 0) <> coalesce(d.disbursed_fen, 0)
                   OR coalesce(l.returned_fen, 0) <> coalesce(d.returned_fen, 0)
                   OR coalesce(l.paid_fen, 0) <> coalesce(d.paid_fen, 0)",
        ))?;
        let mut rows = lines.query([limit as i64])?;
        while let Some(r) = rows.next()? {
            let (a, s, day): (Option<String>, Option<String>, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let stored = line_balance_from_row(r, 3)?;
            let derived = line_balance_from_row(r, 8)?;
            found.push(format!(
                "the maintained movements of line {} / {} on {day} differ from its entries: stored {}, entries give {}",
                a.unwrap_or_else(|| "?".into()),
                s.unwrap_or_else(|| "?".into()),
                movement_text(&stored),
                movement_text(&derived),
            ));
        }
        let mut appropriations = self.conn.prepare(
            "WITH derived AS (SELECT appropriation_id, date,
                                     sum(allocated_fen - withdrawn_fen - returned_fen) AS drawn_fen
                              FROM line_days GROUP BY 1, 2)
             SELECT a.code, k.date, coalesce(p.drawn_fen, 0), coalesce(d.drawn_fen, 0)
             FROM (SELECT appropriation_id, date FROM derived UNION SELECT appropriation_id, date FROM appropriation_days) k
             LEFT JOIN derived d USING (appropriation_id, date)
             LEFT JOIN appropriation_days p USING (appropriation_id, date)
             LEFT JOIN appropriations a ON a.id = k.appropriation_id
             WHERE coalesce(p.drawn_fen, 0) <> coalesce(d.drawn_fen, 0)
             ORDER BY k.date, k.appropriation_id LIMIT ?1",
        )?;
        let mut rows = appropriations.query([limit as i64])?;
        while let Some(r) = rows.next()? {
            let (a, day): (Option<String>, String) = (r.get(0)?, r.get(1)?);
            found.push(format!(
                "what the lines drew from appropriation {} on {day} is kept as {}, but its lines' movements give {}",
                a.unwrap_or_else(|| "?".into()),
                r.get::<_, Fen>(2)?,
                r.get::<_, Fen>(3)?
            ));
        }
        Ok(found)
    }

    /// Entry counts per kind, in kind order.
    pub fn entry_counts_by_kind(&self) -> Result<Vec<(Kind, i64)>> {
        let mut stmt = self.conn.prepare("SELECT kind, count(*) FROM entries GROUP BY kind")?;
        let mut counts: Vec<(Kind, i64)> = stmt
            .query_map([], |r| {
                let kind: String = r.get(0)?;
                Ok((stored_enum(&kind, Kind::parse)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        counts.sort();
        Ok(counts)
    }
}

const RULE_SELECT: &str = "SELECT id, channel, type, shape, rate_fen, unit, percent, cap_fen, amount_fen,
    tiers, valid_from, valid_to, source_doc, sample FROM subsidy_rules ORDER BY id";

fn rules(conn: &Connection) -> Result<Vec<Rule>> {
    let mut stmt = conn.prepare(RULE_SELECT)?;
    let rows = stmt.query_map([], |r| {
        let shape: String = r.get(3)?;
        let corrupt = |what: &str| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, what.to_string().into())
        };
        let cap = r.get::<_, Option<Fen>>(7)?;
        let shape = match shape.as_str() {
            "per_unit" => Shape::PerUnit { rate: r.get::<_, Fen>(4)?, unit: r.get(5)?, cap },
            "share_of_investment" => {
                let p: String = r.get(6)?;
                Shape::ShareOfInvestment {
                    percent: Decimal::from_str(&p).map_err(|_| corrupt("percent"))?,
                    cap,
                }
            }
            "fixed" => Shape::Fixed { amount: r.get::<_, Fen>(8)? },
            _ => {
                let t: String = r.get(9)?;
                Shape::Tiered {
                    unit: r.get(5)?,
                    tiers: subsidy::parse_stored_tiers(&t).ok_or_else(|| corrupt("tiers"))?,
                }
            }
        };
        let from: String = r.get(10)?;
        let to: String = r.get(11)?;
        Ok(Rule {
            id: r.get(0)?,
            channel: r.get(1)?,
            type_code: r.get(2)?,
            shape,
            valid_from: stored_date(&from)?,
            valid_to: stored_date(&to)?,
            source_doc: r.get(12)?,
            sample: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The five balance columns of a row, starting at column `first`.
fn line_balance_from_row(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<LineBalance> {
    Ok(LineBalance {
        allocated: r.get::<_, Fen>(first)?,
        withdrawn: r.get::<_, Fen>(first + 1)?,
        disbursed: r.get::<_, Fen>(first + 2)?,
        returned: r.get::<_, Fen>(first + 3)?,
        paid: r.get::<_, Fen>(first + 4)?,
    })
}

/// The years whose latest period event is a close.
fn closed_years(conn: &Connection) -> Result<BTreeSet<i32>> {
    let mut stmt = conn.prepare(
        "SELECT year FROM period_events e
         WHERE action = 'close' AND id = (SELECT max(id) FROM period_events WHERE year = e.year)",
    )?;
    let years = stmt.query_map([], |r| r.get(0))?;
    Ok(years.collect::<rusqlite::Result<_>>()?)
}

const PROJECT_SELECT: &str = "SELECT id, code, name, county, scope, towns, villages,
    implementing_body, mode, approved_on, flagship FROM projects";

fn project_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredProject> {
    let scope: String = r.get(4)?;
    let mode: String = r.get(8)?;
    let approved: String = r.get(9)?;
    Ok(StoredProject {
        id: r.get(0)?,
        row: NewProject {
            code: r.get(1)?,
            name: r.get(2)?,
            county: r.get(3)?,
            scope: stored_enum(&scope, Scope::parse)?,
            towns: r.get(5)?,
            villages: r.get(6)?,
            implementing_body: r.get(7)?,
            mode: stored_enum(&mode, Mode::parse)?,
            approved_on: stored_date(&approved)?,
            flagship: r.get(10)?,
        },
    })
}

const SUBPROJECT_SELECT: &str = "SELECT s.id, s.code, p.code, p.county, p.mode, s.type,
    s.status, s.quantity, s.unit, s.investment_fen, s.letter, s.standalone_fen, s.standalone_doc
    FROM subprojects s JOIN projects p ON p.id = s.project_id";

fn subproject_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSubproject> {
    let mode: String = r.get(4)?;
    let status: String = r.get(6)?;
    Ok(StoredSubproject {
        id: r.get(0)?,
        code: r.get(1)?,
        project_code: r.get(2)?,
        county: r.get(3)?,
        mode: stored_enum(&mode, Mode::parse)?,
        type_code: r.get(5)?,
        status: stored_enum(&status, Status::parse)?,
        quantity: r.get(7)?,
        unit: r.get(8)?,
        investment: r.get::<_, Fen>(9)?,
        letter: r.get(10)?,
        standalone: r.get::<_, Option<Fen>>(11)?,
        standalone_doc: r.get(12)?,
    })
}

const APPROPRIATION_SELECT: &str =
    "SELECT id, code, doc_no, channel, level, county, issued_on, amount_fen FROM appropriations";

fn appropriation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAppropriation> {
    let level: String = r.get(4)?;
    let issued: String = r.get(6)?;
    Ok(StoredAppropriation {
        id: r.get(0)?,
        code: r.get(1)?,
        doc_no: r.get(2)?,
        channel: r.get(3)?,
        level: stored_enum(&level, Level::parse)?,
        county: r.get(5)?,
        issued_on: stored_date(&issued)?,
        amount: r.get::<_, Fen>(7)?,
    })
}

const ENTRY_SELECT: &str = "SELECT e.id, e.voucher, e.date, e.kind, e.appropriation_id, a.code,
    e.subproject_id, s.code, e.amount_fen, o.id, o.kind, o.voucher, e.memo,
    o.appropriation_id, o.subproject_id, o.amount_fen, o.date, e.recorded_at
    FROM entries e
    JOIN appropriations a ON a.id = e.appropriation_id
    JOIN subprojects s ON s.id = e.subproject_id
    LEFT JOIN entries o ON o.id = e.reverses_id";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEntry> {
    let date: String = r.get(2)?;
    let kind: String = r.get(3)?;
    let (reverses, original) = match r.get::<_, Option<i64>>(9)? {
        Some(id) => {
            let kind: String = r.get(10)?;
            let original_date: String = r.get(16)?;
            (
                Some((id, stored_enum(&kind, Kind::parse)?, r.get(11)?)),
                Some(((r.get(13)?, r.get(14)?), r.get::<_, Fen>(15)?, stored_date(&original_date)?)),
            )
        }
        None => (None, None),
    };
    // `recorded_at` starts with the local date (YYYY-MM-DD…); an unreadable one is `None`.
    let recorded_at: String = r.get(17)?;
    let recorded_on = recorded_at.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    Ok(StoredEntry {
        id: r.get(0)?,
        voucher: r.get(1)?,
        date: stored_date(&date)?,
        kind: stored_enum(&kind, Kind::parse)?,
        appropriation_id: r.get(4)?,
        appropriation: r.get(5)?,
        subproject_id: r.get(6)?,
        subproject: r.get(7)?,
        amount: r.get::<_, Fen>(8)?,
        reverses,
        original,
        memo: r.get(12)?,
        recorded_on,
    })
}

fn read_catalog(conn: &Connection) -> Result<Catalog> {
    let departments = conn
        .prepare("SELECT code, name, name_en FROM departments ORDER BY rowid")?
        .query_map([], |r| Ok(Department { code: r.get(0)?, name: r.get(1)?, name_en: r.get(2)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let counties = conn
        .prepare("SELECT code, name, name_en FROM counties ORDER BY rowid")?
        .query_map([], |r| Ok(County { code: r.get(0)?, name: r.get(1)?, name_en: r.get(2)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let types = conn
        .prepare(
            "SELECT code, name, name_en, department, agri, land, people, co_lead, annex3, note
             FROM subproject_types ORDER BY seq",
        )?
        .query_map([], |r| {
            Ok(SubprojectType {
                code: r.get(0)?,
                name: r.get(1)?,
                name_en: r.get(2)?,
                department: r.get(3)?,
                agri: r.get(4)?,
                land: r.get(5)?,
                people: r.get(6)?,
                co_lead: r.get(7)?,
                annex3: r.get(8)?,
                note: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let channels = conn
        .prepare("SELECT code, name, name_en, policy_owner, basis FROM channels ORDER BY seq")?
        .query_map([], |r| {
            Ok(Channel {
                code: r.get(0)?,
                name: r.get(1)?,
                name_en: r.get(2)?,
                policy_owner: r.get(3)?,
                basis: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let designations = conn
        .prepare("SELECT channel, type, note, basis FROM designations ORDER BY seq")?
        .query_map([], |r| {
            Ok(Designation { channel: r.get(0)?, type_code: r.get(1)?, note: r.get(2)?, basis: r.get(3)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Catalog::new(departments, counties, types, channels, designations))
}

/// Writes a stored row's columns `first..columns` into `c`, in schema order. fundledger
/// never stores a floating-point value; one put there behind its back is hashed by its bits,
/// so it shows as a mismatch rather than stopping `verify`.
fn canon_row(c: &mut Canon, r: &rusqlite::Row<'_>, first: usize, columns: usize) -> Result<()> {
    for i in first..columns {
        match r.get_ref(i)? {
            ValueRef::Null => c.null(),
            ValueRef::Integer(v) => c.int(v),
            ValueRef::Text(t) => c.text_bytes(t),
            ValueRef::Blob(b) => c.blob(b),
            ValueRef::Real(v) => c.real_bits(v.to_bits()),
        }
    }
    Ok(())
}

/// Column `i` as text, whatever was stored there (a label for a finding).
fn lossy(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    Ok(match r.get_ref(i)? {
        ValueRef::Null => String::new(),
        ValueRef::Integer(v) => v.to_string(),
        ValueRef::Real(_) => "(a number)".to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            crate::error::escaped(&String::from_utf8_lossy(t)).into_owned()
        }
    })
}

/// How a finding names a row of a chained table.
fn subject(table: &str, label: &str) -> String {
    format!("{} {label}", noun(table))
}

fn noun(table: &str) -> &str {
    match table {
        "departments" => "department",
        "counties" => "county",
        "subproject_types" => "sub-project type",
        "channels" => "channel",
        "designations" => "designation",
        "projects" => "project",
        "subprojects" => "sub-project",
        "appropriations" => "appropriation",
        "subsidy_rules" => "subsidy rule",
        "period_events" => "close/reopen record",
        "acceptances" => "acceptance",
        "writes" => "journal write",
        other => other,
    }
}

impl Tx<'_> {
    /// Journals the write (when it recorded anything) and commits.
    pub fn commit(self, w: &WriteRecord<'_>) -> Result<()> {
        let first = self.chain.borrow().first;
        if let Some(first) = first {
            let last = self.chain.borrow().tip.map_or(first, |(seq, _)| seq);
            self.tx.execute(
                "INSERT INTO writes (command, detail, summary, reason, first_link, last_link, operator,
                     recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![w.command, w.detail, w.summary, w.reason, first, last, w.operator, w.recorded_at],
            )?;
            self.link_row("writes", self.tx.last_insert_rowid())?;
        }
        Ok(self.tx.commit()?)
    }

    /// Appends the chain link of row `rid` of `table`, whose columns `fill` writes.
    fn append_link(&self, table: &str, rid: i64, fill: impl FnOnce(&mut Canon) -> Result<()>) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(LINK_INSERT)?;
        self.append_link_with(&mut stmt, table, rid, fill)
    }

    /// `append_link` with the link insert already prepared.
    fn append_link_with(
        &self,
        insert: &mut rusqlite::Statement<'_>,
        table: &str,
        rid: i64,
        fill: impl FnOnce(&mut Canon) -> Result<()>,
    ) -> Result<()> {
        let mut st = self.chain.borrow_mut();
        let (seq, prev) = match st.tip {
            Some(tip) => tip,
            None => self
                .tx
                .query_row("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1", [], |r| {
                    Ok((r.get(0)?, stored_hash(r, 1)?))
                })
                .optional()?
                .unwrap_or((0, GENESIS)),
        };
        st.canon.start(table);
        fill(&mut st.canon)?;
        let hash = st.canon.link(&prev);
        insert.execute(params![seq + 1, table, rid, &hash[..]])?;
        st.tip = Some((seq + 1, hash));
        st.first.get_or_insert(seq + 1);
        Ok(())
    }

    /// Links a row just inserted, reading it back as `verify` will.
    fn link_row(&self, table: &str, rid: i64) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(&format!("SELECT * FROM {table} WHERE rowid = ?1"))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query([rid])?;
        let row = rows
            .next()?
            .ok_or_else(|| Error::Internal(format!("row {rid} of {table} vanished while being recorded")))?;
        self.append_link(table, rid, |c| canon_row(c, row, 0, columns))
    }

    /// Links the row just inserted into `table`.
    fn link_last(&self, table: &str) -> Result<i64> {
        let rid = self.tx.last_insert_rowid();
        self.link_row(table, rid)?;
        Ok(rid)
    }

    pub fn catalog(&self) -> Result<Catalog> {
        read_catalog(&self.tx)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn insert_department(&self, d: &Department, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO departments (code, name, name_en, builtin) VALUES (?1, ?2, ?3, ?4)",
            params![d.code, d.name, d.name_en, builtin],
        )?;
        self.link_last("departments")?;
        Ok(())
    }

    pub fn insert_county(&self, c: &County, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO counties (code, name, name_en, builtin) VALUES (?1, ?2, ?3, ?4)",
            params![c.code, c.name, c.name_en, builtin],
        )?;
        self.link_last("counties")?;
        Ok(())
    }

    pub fn insert_type(&self, t: &SubprojectType, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO subproject_types (code, name, name_en, department, agri, land, people,
                 co_lead, annex3, note, builtin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                     (SELECT coalesce(max(seq), 0) + 1 FROM subproject_types))",
            params![
                t.code,
                t.name,
                t.name_en,
                t.department,
                t.agri,
                t.land,
                t.people,
                t.co_lead,
                t.annex3,
                t.note,
                builtin
            ],
        )?;
        self.link_last("subproject_types")?;
        Ok(())
    }

    pub fn insert_channel(&self, c: &Channel, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO channels (code, name, name_en, policy_owner, basis, builtin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce(max(seq), 0) + 1 FROM channels))",
            params![c.code, c.name, c.name_en, c.policy_owner, c.basis, builtin],
        )?;
        self.link_last("channels")?;
        Ok(())
    }

    pub fn insert_designation(&self, d: &Designation, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO designations (channel, type, note, basis, builtin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, (SELECT coalesce(max(seq), 0) + 1 FROM designations))",
            params![d.channel, d.type_code, d.note, d.basis, builtin],
        )?;
        self.link_last("designations")?;
        Ok(())
    }

    pub fn find_project(&self, code: &str) -> Result<Option<StoredProject>> {
        let sql = format!("{PROJECT_SELECT} WHERE code = ?1");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt.query_row([code], project_from_row).optional()?)
    }

    pub fn insert_project(&self, p: &NewProject, operator: &str, at: &str) -> Result<i64> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO projects (code, name, county, scope, towns, villages, implementing_body,
                 mode, approved_on, flagship, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        stmt.execute(params![
            p.code,
            p.name,
            p.county,
            p.scope.code(),
            p.towns,
            p.villages,
            p.implementing_body,
            p.mode.code(),
            date_text(p.approved_on),
            p.flagship,
            operator,
            at
        ])?;
        self.link_last("projects")
    }

    /// The sub-projects of one project, in code order.
    pub fn subprojects_of(&self, project: &str) -> Result<Vec<StoredSubproject>> {
        let sql = format!("{SUBPROJECT_SELECT} WHERE p.code = ?1 ORDER BY s.code");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map([project], subproject_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn find_subproject(&self, code: &str) -> Result<Option<StoredSubproject>> {
        let sql = format!("{SUBPROJECT_SELECT} WHERE s.code = ?1");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt.query_row([code], subproject_from_row).optional()?)
    }

    /// Inserts a sub-project whose type is already resolved to its code.
    pub fn insert_subproject(
        &self,
        project_id: i64,
        s: &NewSubproject,
        type_code: &str,
        operator: &str,
        at: &str,
    ) -> Result<i64> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO subprojects (code, project_id, type, status, quantity, unit,
                 investment_fen, letter, standalone_fen, standalone_doc, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        stmt.execute(params![
            s.code,
            project_id,
            type_code,
            s.status.code(),
            s.quantity,
            s.unit,
            s.investment,
            s.letter,
            s.standalone,
            s.standalone_doc,
            operator,
            at
        ])?;
        self.link_last("subprojects")
    }

    pub fn find_appropriation(&self, code: &str) -> Result<Option<StoredAppropriation>> {
        let sql = format!("{APPROPRIATION_SELECT} WHERE code = ?1");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt.query_row([code], appropriation_from_row).optional()?)
    }

    /// Inserts an appropriation whose channel is already resolved to its code.
    pub fn insert_appropriation(
        &self,
        a: &NewAppropriation,
        channel: &str,
        operator: &str,
        at: &str,
    ) -> Result<i64> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO appropriations (code, doc_no, channel, level, county, issued_on,
                 amount_fen, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        stmt.execute(params![
            a.code,
            a.doc_no,
            channel,
            a.level.code(),
            a.county,
            date_text(a.issued_on),
            a.amount,
            operator,
            at
        ])?;
        self.link_last("appropriations")
    }

    /// Every acceptance of one project, in recording order.
    pub fn acceptances(&self, project: &str) -> Result<Vec<StoredAcceptance>> {
        acceptances(&self.tx, Some(project))
    }

    pub fn insert_acceptance(&self, a: &AcceptanceInsert<'_>) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO acceptances (stage, project_id, subproject_id, department, result, accepted_on,
                 document, batch, award, memo, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                a.stage.code(),
                a.project_id,
                a.subproject_id,
                a.department,
                a.verdict.code(),
                date_text(a.date),
                a.document,
                a.batch,
                a.award,
                a.memo,
                a.operator,
                a.recorded_at
            ],
        )?;
        self.link_last("acceptances")
    }

    /// The id of the last recorded entry (0 when there is none).
    pub fn last_entry_id(&self) -> Result<i64> {
        Ok(self.tx.query_row("SELECT coalesce(max(id), 0) FROM entries", [], |r| r.get(0))?)
    }

    pub fn find_entry(&self, voucher: &str) -> Result<Option<StoredEntry>> {
        let sql = format!("{ENTRY_SELECT} WHERE e.voucher = ?1");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt.query_row([voucher], entry_from_row).optional()?)
    }

    /// The voucher of the reversal of entry `id`, if it has been reversed.
    pub fn reversed_by(&self, id: i64) -> Result<Option<String>> {
        let mut stmt = self.tx.prepare_cached("SELECT voucher FROM entries WHERE reverses_id = ?1")?;
        Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
    }

    /// The statements a run of entry inserts needs, prepared once (`EntryWriter`).
    pub fn entry_statements(&self) -> Result<EntryStatements<'_>> {
        Ok(EntryStatements {
            exists: self.tx.prepare("SELECT 1 FROM entries WHERE voucher = ?1")?,
            insert: self.tx.prepare(ENTRY_INSERT)?,
            link: self.tx.prepare(LINK_INSERT)?,
        })
    }

    /// Whether a voucher is recorded (an index lookup; `find_entry` reads the whole entry).
    pub fn voucher_recorded(&self, s: &mut EntryStatements<'_>, voucher: &str) -> Result<bool> {
        Ok(s.exists.exists([voucher])?)
    }

    /// Inserts an entry and links it into the audit chain.
    pub fn insert_entry(&self, s: &mut EntryStatements<'_>, e: &EntryInsert<'_>) -> Result<i64> {
        let date = date_text(e.date);
        s.insert.execute(params![
            e.voucher,
            date,
            e.kind.code(),
            e.appropriation_id,
            e.subproject_id,
            e.amount,
            e.reverses_id,
            e.memo,
            e.operator,
            e.recorded_at
        ])?;
        let id = self.tx.last_insert_rowid();
        // The columns of `entries` in schema order, as `SELECT *` gives them back to `verify`.
        self.append_link_with(&mut s.link, "entries", id, |c| {
            c.int(id);
            c.text(e.voucher);
            c.text(&date);
            c.text(e.kind.code());
            c.int(e.appropriation_id);
            c.int(e.subproject_id);
            c.int(i64::try_from(e.amount.0).expect("the insert above stored the amount as an i64"));
            c.opt_int(e.reverses_id);
            c.text(e.memo);
            c.text(e.operator);
            c.text(e.recorded_at);
            Ok(())
        })?;
        Ok(id)
    }

    pub fn line_balance(&self, appropriation_id: i64, subproject_id: i64) -> Result<LineBalance> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT allocated_fen, withdrawn_fen, disbursed_fen, returned_fen, paid_fen
             FROM line_balances WHERE appropriation_id = ?1 AND subproject_id = ?2",
        )?;
        let found = stmt
            .query_row(params![appropriation_id, subproject_id], |r| line_balance_from_row(r, 0))
            .optional()?;
        Ok(found.unwrap_or_default())
    }

    /// The line's net movement on each day after `date`, in date order (R3 on every date: a
    /// back-dated entry must leave every later day's balance non-negative).
    pub fn line_days_after(
        &self,
        appropriation_id: i64,
        subproject_id: i64,
        date: NaiveDate,
    ) -> Result<Vec<(NaiveDate, LineBalance)>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT date, allocated_fen, withdrawn_fen, disbursed_fen, returned_fen, paid_fen
             FROM line_days WHERE appropriation_id = ?1 AND subproject_id = ?2 AND date > ?3 ORDER BY date",
        )?;
        let rows = stmt.query_map(params![appropriation_id, subproject_id, date_text(date)], |r| {
            Ok((stored_date(&r.get::<_, String>(0)?)?, line_balance_from_row(r, 1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The last day the line moved, if ever.
    pub fn line_last_day(&self, appropriation_id: i64, subproject_id: i64) -> Result<Option<NaiveDate>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT max(date) FROM line_days WHERE appropriation_id = ?1 AND subproject_id = ?2",
        )?;
        let day: Option<String> = stmt.query_row(params![appropriation_id, subproject_id], |r| r.get(0))?;
        Ok(day.as_deref().map(stored_date).transpose()?)
    }

    /// The last day the appropriation's lines drew on it, if ever.
    pub fn appropriation_last_day(&self, appropriation_id: i64) -> Result<Option<NaiveDate>> {
        let mut stmt =
            self.tx.prepare_cached("SELECT max(date) FROM appropriation_days WHERE appropriation_id = ?1")?;
        let day: Option<String> = stmt.query_row([appropriation_id], |r| r.get(0))?;
        Ok(day.as_deref().map(stored_date).transpose()?)
    }

    /// What the appropriation's lines drew from it on each day after `date`, in date order.
    pub fn appropriation_days_after(
        &self,
        appropriation_id: i64,
        date: NaiveDate,
    ) -> Result<Vec<(NaiveDate, Fen)>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT date, drawn_fen FROM appropriation_days WHERE appropriation_id = ?1 AND date > ?2 ORDER BY date",
        )?;
        let rows = stmt.query_map(params![appropriation_id, date_text(date)], |r| {
            Ok((stored_date(&r.get::<_, String>(0)?)?, r.get::<_, Fen>(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds one entry's movement to its line's and its appropriation's day rows.
    pub fn add_day(
        &self,
        appropriation_id: i64,
        subproject_id: i64,
        date: NaiveDate,
        m: &LineBalance,
    ) -> Result<()> {
        let date = date_text(date);
        let mut line = self.tx.prepare_cached(
            "INSERT INTO line_days (appropriation_id, subproject_id, date, allocated_fen, withdrawn_fen,
                                    disbursed_fen, returned_fen, paid_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (appropriation_id, subproject_id, date) DO UPDATE SET
                 allocated_fen = allocated_fen + excluded.allocated_fen,
                 withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen,
                 disbursed_fen = disbursed_fen + excluded.disbursed_fen,
                 returned_fen = returned_fen + excluded.returned_fen,
                 paid_fen = paid_fen + excluded.paid_fen",
        )?;
        line.execute(params![
            appropriation_id,
            subproject_id,
            date,
            m.allocated,
            m.withdrawn,
            m.disbursed,
            m.returned,
            m.paid
        ])?;
        if m.drawn() != Fen::ZERO {
            let mut appropriation = self.tx.prepare_cached(
                "INSERT INTO appropriation_days (appropriation_id, date, drawn_fen) VALUES (?1, ?2, ?3)
                 ON CONFLICT (appropriation_id, date) DO UPDATE SET drawn_fen = drawn_fen + excluded.drawn_fen",
            )?;
            appropriation.execute(params![appropriation_id, date, m.drawn()])?;
        }
        Ok(())
    }

    /// What the lines of an appropriation take out of it: Σ(allocated − withdrawn − returned).
    pub fn appropriation_drawn(&self, appropriation_id: i64) -> Result<Fen> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT coalesce(sum(allocated_fen - withdrawn_fen - returned_fen), 0)
             FROM line_balances WHERE appropriation_id = ?1",
        )?;
        Ok(stmt.query_row([appropriation_id], |r| r.get::<_, Fen>(0))?)
    }

    /// Stores a line's balances and the dates of its latest entry and disbursement (kept
    /// when later than the given ones).
    pub fn store_line_balance(
        &self,
        appropriation_id: i64,
        subproject_id: i64,
        b: &LineBalance,
        activity: &Activity,
    ) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO line_balances (appropriation_id, subproject_id, allocated_fen,
                 withdrawn_fen, disbursed_fen, returned_fen, paid_fen, last_entry, last_disbursed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (appropriation_id, subproject_id) DO UPDATE SET
                 allocated_fen = excluded.allocated_fen, withdrawn_fen = excluded.withdrawn_fen,
                 disbursed_fen = excluded.disbursed_fen, returned_fen = excluded.returned_fen,
                 paid_fen = excluded.paid_fen,
                 last_entry = max(coalesce(last_entry, excluded.last_entry),
                                  coalesce(excluded.last_entry, last_entry)),
                 last_disbursed = max(coalesce(last_disbursed, excluded.last_disbursed),
                                      coalesce(excluded.last_disbursed, last_disbursed))",
        )?;
        stmt.execute(params![
            appropriation_id,
            subproject_id,
            b.allocated,
            b.withdrawn,
            b.disbursed,
            b.returned,
            b.paid,
            activity.last_entry.map(date_text),
            activity.last_disbursement.map(date_text)
        ])?;
        Ok(())
    }

    /// Adds one line's movements in one year to the per-year table.
    pub fn add_line_year(
        &self,
        appropriation_id: i64,
        subproject_id: i64,
        year: i32,
        m: &LineBalance,
    ) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO line_years (appropriation_id, subproject_id, year, allocated_fen,
                 withdrawn_fen, disbursed_fen, returned_fen, paid_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (appropriation_id, subproject_id, year) DO UPDATE SET
                 allocated_fen = allocated_fen + excluded.allocated_fen,
                 withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen,
                 disbursed_fen = disbursed_fen + excluded.disbursed_fen,
                 returned_fen = returned_fen + excluded.returned_fen,
                 paid_fen = paid_fen + excluded.paid_fen",
        )?;
        stmt.execute(params![
            appropriation_id,
            subproject_id,
            year,
            m.allocated,
            m.withdrawn,
            m.disbursed,
            m.returned,
            m.paid
        ])?;
        Ok(())
    }

    pub fn closed_years(&self) -> Result<BTreeSet<i32>> {
        closed_years(&self.tx)
    }

    pub fn rules(&self) -> Result<Vec<Rule>> {
        rules(&self.tx)
    }

    pub fn insert_rule(&self, rule: &Rule, builtin: bool, operator: &str, at: &str) -> Result<i64> {
        let (rate, unit, percent, cap, amount) = match &rule.shape {
            Shape::PerUnit { rate, unit, cap } => (Some(*rate), unit.clone(), None, *cap, None),
            Shape::ShareOfInvestment { percent, cap } => {
                (None, String::new(), Some(percent.to_string()), *cap, None)
            }
            Shape::Fixed { amount } => (None, String::new(), None, None, Some(*amount)),
            Shape::Tiered { unit, .. } => (None, unit.clone(), None, None, None),
        };
        self.tx.execute(
            "INSERT INTO subsidy_rules (channel, type, shape, rate_fen, unit, percent, cap_fen, amount_fen,
                 tiers, valid_from, valid_to, source_doc, sample, builtin, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                rule.channel,
                rule.type_code,
                rule.shape.code(),
                rate,
                unit,
                percent,
                cap,
                amount,
                rule.shape.tiers_text(),
                date_text(rule.valid_from),
                date_text(rule.valid_to),
                rule.source_doc,
                rule.sample,
                builtin,
                operator,
                at
            ],
        )?;
        self.link_last("subsidy_rules")
    }

    /// Records a close or a reopen of `year` (R5); the latest event of a year decides.
    pub fn period_event(
        &self,
        year: i32,
        action: PeriodAction,
        reason: &str,
        operator: &str,
        at: &str,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO period_events (year, action, reason, operator, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![year, action.code(), reason, operator, at],
        )?;
        self.link_last("period_events")?;
        Ok(())
    }
}

/// Money is stored as integer fen in SQLite's 64-bit INTEGER; fundledger's own bounds
/// (`MAX_AMOUNT_FEN` per amount, `MAX_RUNNING_FEN` per running total) keep every stored value
/// far inside it, so a value outside is a bug, refused rather than wrapped.
impl rusqlite::types::ToSql for Fen {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        i64::try_from(self.0)
            .map(rusqlite::types::ToSqlOutput::from)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    }
}

impl rusqlite::types::FromSql for Fen {
    fn column_result(value: ValueRef<'_>) -> rusqlite::types::FromSqlResult<Fen> {
        i64::column_result(value).map(|v| Fen(i128::from(v)))
    }
}
