//! Opening a ledger: identify the file before touching it, connect (read-write or read-only),
//! and bring an older schema up to date in one journaled transaction.

use super::*;

pub(super) fn not_a_ledger(path: &Path, why: &str) -> Error {
    let path = shown_path(path);
    let why = match why {
        "it is not a file" => crate::lang::pick("它不是文件", why),
        "the file is empty" => crate::lang::pick("文件是空的", why),
        "it is not an SQLite database" => crate::lang::pick("它不是 SQLite 数据库", why),
        "an SQLite database of another application" => {
            crate::lang::pick("是其他应用程序的 SQLite 数据库", why)
        }
        other => other,
    };
    Error::Internal(crate::tr!(
        "{path} 不是 fundledger 账本（{why}）；未作任何改动。请用 --db 指定账本，或用 `fundledger --db FILE init` 新建一个",
        "{path} is not a fundledger ledger ({why}); it was left as it is. Give the ledger with --db, or create one with `fundledger --db FILE init`"
    ))
}

/// A read-only connection to `path`, waiting for writers as every connection does.
///
/// A WAL ledger is read through its `-shm` index, which SQLite creates beside the file; on a
/// read-only disk (a ledger on a CD, a read-only mount of the archive) it cannot. When no
/// `-wal` file holds anything, nobody is writing and the file alone is the whole ledger, so it
/// is then opened as immutable, which needs no index.
pub(super) fn read_only(path: &Path) -> Result<Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let cannot = |e: rusqlite::Error| {
        let (path, e) = (shown_path(path), Error::from(e));
        Error::Internal(crate::tr!("无法打开账本 {path}：{e}", "cannot open ledger {path}: {e}"))
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
pub(super) fn index_unavailable(e: &rusqlite::Error) -> bool {
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
pub(super) fn wal_is_empty(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map_or(true, |m| m.len() == 0)
}

/// `path` percent-encoded for an SQLite `file:` URI.
pub(super) fn uri_path(path: &Path) -> String {
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
/// of it: the header and the schema are read through a read-only connection. Another
/// application's database, an empty file or a text file is refused before any pragma could
/// switch its journal mode or grow it.
pub(super) fn identify(path: &Path) -> Result<i64> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let p = shown_path(path);
            return Err(Error::Internal(crate::tr!(
                "{p} 处没有账本；请用 `fundledger --db {p} init` 新建一个",
                "no ledger at {p}; create one with `fundledger --db {p} init`"
            )));
        }
        Err(e) => {
            let p = shown_path(path);
            return Err(Error::Internal(crate::tr!("无法读取 {p}：{e}", "cannot read {p}: {e}")));
        }
    };
    if !meta.is_file() {
        return Err(not_a_ledger(path, "it is not a file"));
    }
    if meta.len() == 0 {
        return Err(not_a_ledger(path, "the file is empty"));
    }
    // The header is read by SQLite, never through a file handle of our own: closing any handle
    // to the file drops every POSIX lock this process holds on it, the locks of its open
    // connections included, and another process's connection closing then believes it is the
    // last, checkpoints and deletes the WAL this process is still writing to (the web server
    // opening a reader while a clerk's CLI write finished lost the server's next writes).
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
        _ => {
            let (p, e) = (shown_path(path), Error::from(e));
            Error::Internal(crate::tr!("无法读取账本 {p}：{e}", "cannot read the ledger {p}: {e}"))
        }
    })?;
    let recognised = id == LEDGER_APPLICATION_ID || (id == 0 && tables == 5 && (1..6).contains(&version));
    if !recognised {
        return Err(not_a_ledger(path, "an SQLite database of another application"));
    }
    if version > SCHEMA_VERSION {
        let p = shown_path(path);
        return Err(Error::Internal(crate::tr!(
            "{p} 由更新版本的 fundledger 写入（schema {version}）；请升级 fundledger",
            "{p} was written by a newer fundledger (schema {version}); upgrade fundledger"
        )));
    }
    Ok(version)
}

/// Prepared statements a connection keeps (rusqlite keeps 16 by default; the web server's
/// pages and writes, each on a connection kept between requests, use more than that).
const READ_STATEMENTS_KEPT: usize = 128;

impl Db {
    /// Creates a new ledger file with the current schema. Refuses an existing file.
    pub fn create(path: &Path) -> Result<Db> {
        if path.symlink_metadata().is_ok() {
            let p = shown_path(path);
            return Err(Error::Internal(crate::tr!(
                "{p} 已存在；fundledger 从不覆盖账本（请换一个 --db）",
                "{p} already exists; fundledger never overwrites a ledger (choose another --db)"
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
            let p = shown_path(path);
            return Err(Error::Internal(crate::tr!(
                "{p} 是 schema {version} 的账本，比本 fundledger 的 {SCHEMA_VERSION} 旧；读取从不改动账本，请先升级：`fundledger --db {p} upgrade`（任何写入也会升级它）",
                "{p} is a ledger of schema {version}, older than this fundledger's {SCHEMA_VERSION}; reading never changes a ledger, so upgrade it first: `fundledger --db {p} upgrade` (or any write upgrades it)"
            )));
        }
        let db = Db::connect_read_only(path)?;
        db.begin_snapshot()?;
        Ok(db)
    }

    /// Opens a ledger read-only, as `open_snapshot`, but without starting its read: a
    /// connection kept open between reads (the web application's), each read one
    /// `begin_snapshot` … `end_snapshot`. Keeping it open spares parsing the schema per read.
    pub fn open_reader(path: &Path) -> Result<Db> {
        let db = Db::open_snapshot(path)?;
        db.end_snapshot();
        Ok(db)
    }

    /// A second read-only connection that sees the same moment as this one, to read two
    /// things at once (`verify` walks the chain while it replays the entries). `None` for a
    /// ledger in memory, or when a write landed in between: the ledger only grows, so the same
    /// last chain link and the same last entry mean the same ledger.
    pub fn twin(&self) -> Result<Option<Db>> {
        let Some(path) = self.file().map(std::path::PathBuf::from) else { return Ok(None) };
        let twin = Db::open_snapshot(&path)?;
        let moment = |db: &Db| -> Result<(u64, i64)> {
            Ok((
                db.chain_links()?,
                db.conn.query_row("SELECT coalesce(max(id), 0) FROM entries", [], |r| r.get(0))?,
            ))
        };
        Ok((moment(self)? == moment(&twin)?).then_some(twin))
    }

    /// Starts one read transaction: every query until `end_snapshot` sees the same moment.
    pub fn begin_snapshot(&self) -> Result<()> {
        // Statements kept prepared: the web server begins and ends a snapshot per request.
        self.conn.prepare_cached("BEGIN DEFERRED")?.execute([])?;
        // The snapshot starts with the first read; take it now.
        self.conn
            .prepare_cached("SELECT 1 FROM sqlite_master LIMIT 1")?
            .query_row([], |_| Ok(()))
            .optional()?;
        Ok(())
    }

    /// Ends the read `begin_snapshot` started (a read-only connection has nothing to commit).
    pub fn end_snapshot(&self) {
        let _ = self.conn.prepare_cached("ROLLBACK").and_then(|mut s| s.execute([]));
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
        let mut db = Db { conn, kept: Kept::default() };
        db.migrate()?;
        Ok(db)
    }

    fn connect(path: &Path) -> Result<Db> {
        let conn = Connection::open(path).map_err(|e| {
            let (p, e) = (shown_path(path), Error::from(e));
            Error::Internal(crate::tr!("无法打开账本 {p}：{e}", "cannot open ledger {p}: {e}"))
        })?;
        // SQLite opens a file it may not write (its mode, or a read-only disk) read-only; say so
        // before a pragma fails with a vaguer message. Asking SQLite, not opening the file
        // ourselves: closing a handle of our own would drop this process's locks on it.
        if conn.is_readonly(rusqlite::DatabaseName::Main)? {
            let (p, e) = (shown_path(path), why_not_writable(path));
            return Err(Error::Internal(crate::tr!(
                "无法写入账本 {p}（{e}）；未写入任何内容。读取不受影响：报表和 verify 以只读方式打开它",
                "cannot write to the ledger {p} ({e}); nothing was written. Reading works: reports and verify open it read-only"
            )));
        }
        conn.busy_handler(Some(wait_for_writer))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 32 MiB of page cache (the default is 2 MiB): a big import touches the entries'
        // indexes all over, and re-reading pages from the OS dominated it.
        conn.pragma_update(None, "cache_size", -32768)?;
        conn.set_prepared_statement_cache_capacity(READ_STATEMENTS_KEPT);
        Ok(Db { conn, kept: Kept::default() })
    }

    /// A read-only connection: SQLite itself refuses any write through it, and it sets no
    /// pragma that would persist (the journal mode stays as the ledger has it).
    fn connect_read_only(path: &Path) -> Result<Db> {
        let conn = read_only(path)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -32768)?;
        // A reader kept by the web server answers many requests: its reads are prepared once.
        conn.set_prepared_statement_cache_capacity(READ_STATEMENTS_KEPT);
        Ok(Db { conn, kept: Kept::default() })
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
        // A migration that rebuilds a table (7: entries keyed by voucher and line) must not
        // have SQLite check foreign keys while the old and the new table both exist; the
        // transaction checks them all before it commits instead.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let result = self.migrate_unchecked();
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        result
    }

    fn migrate_unchecked(&mut self) -> Result<()> {
        let tx = self.begin()?;
        let before: i64 = tx.tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if before == SCHEMA_VERSION {
            return Ok(());
        }
        for sql in MIGRATIONS.iter().skip(before as usize) {
            tx.tx.execute_batch(sql)?;
        }
        let broken: Option<String> =
            tx.tx.query_row("PRAGMA foreign_key_check", [], |r| r.get(0)).optional()?;
        if let Some(table) = broken {
            return Err(Error::Internal(crate::tr!(
                "升级账本会使 {table} 中的一行指向不存在的行；未作任何改动",
                "upgrading the ledger would leave a row of {table} naming a row that does not exist; nothing was changed"
            )));
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
        let Db { conn, kept } = self;
        let tx = begin_immediate(conn)?;
        Ok(Tx {
            tx,
            chain: RefCell::new(ChainState::default()),
            kept: &kept.catalog,
            fresh: RefCell::new(None),
        })
    }
}

/// BEGIN IMMEDIATE, waiting for other writers.
fn begin_immediate(conn: &Connection) -> Result<rusqlite::Transaction<'_>> {
    Ok(retry_busy(|| rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate))?)
}

/// Why `path` cannot be written (the system's words: "Read-only file system", "Permission
/// denied"), asked with access(2), which opens nothing.
fn why_not_writable(path: &Path) -> String {
    match rustix::fs::access(path, rustix::fs::Access::WRITE_OK) {
        Err(e) => std::io::Error::from(e).to_string(),
        Ok(()) => crate::lang::pick("只读", "read-only").to_string(),
    }
}

/// Removes a ledger file and its WAL companions, if present.
pub fn remove_ledger_files(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
