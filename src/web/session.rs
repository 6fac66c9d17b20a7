//! The session store of the web application: a small SQLite file beside the ledger
//! (`LEDGER.sessions`), through the ledger's own rusqlite. Sessions are not records of the
//! ledger — they expire and are deleted at sign-out — so they never share its file, whose
//! rows are never deleted.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

/// The sessions file of a ledger.
pub fn path_for(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".sessions");
    PathBuf::from(name)
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens (or creates) the sessions file and drops the sessions already expired.
    pub fn open(path: &Path) -> crate::error::Result<SqliteStore> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS sessions (
                 id      TEXT PRIMARY KEY,
                 data    BLOB NOT NULL,
                 expires INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires);",
        )?;
        conn.execute(
            "DELETE FROM sessions WHERE expires < ?1",
            [OffsetDateTime::now_utc().unix_timestamp()],
        )?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    /// A store that lives in memory (tests).
    pub fn in_memory() -> crate::error::Result<SqliteStore> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(
            "CREATE TABLE sessions (id TEXT PRIMARY KEY, data BLOB NOT NULL, expires INTEGER NOT NULL);",
        )?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` on the store's connection, off the async threads (SQLite may wait for a lock).
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&conn).map_err(backend)
        })
        .await
        .map_err(backend)?
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = serde_json::to_vec(&record).map_err(|e| Error::Encode(e.to_string()))?;
        // A new id until one is free: a session is never written over another's.
        loop {
            let id = record.id.to_string();
            let expires = record.expiry_date.unix_timestamp();
            let data = data.clone();
            let now = OffsetDateTime::now_utc().unix_timestamp();
            let inserted = self
                .with(move |c| {
                    // Each new session also clears the expired ones.
                    c.execute("DELETE FROM sessions WHERE expires < ?1", [now])?;
                    c.execute(
                        "INSERT OR IGNORE INTO sessions (id, data, expires) VALUES (?1, ?2, ?3)",
                        params![id, data, expires],
                    )
                })
                .await?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = serde_json::to_vec(record).map_err(|e| Error::Encode(e.to_string()))?;
        let (id, expires) = (record.id.to_string(), record.expiry_date.unix_timestamp());
        self.with(move |c| {
            c.execute(
                "INSERT INTO sessions (id, data, expires) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires",
                params![id, data, expires],
            )
        })
        .await?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let id = id.to_string();
        let data: Option<Vec<u8>> = self
            .with(move |c| {
                c.query_row(
                    "SELECT data FROM sessions WHERE id = ?1 AND expires >= ?2",
                    params![id, now],
                    |r| r.get(0),
                )
                .optional()
            })
            .await?;
        data.map(|d| serde_json::from_slice(&d).map_err(|e| Error::Decode(e.to_string()))).transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let id = id.to_string();
        self.with(move |c| c.execute("DELETE FROM sessions WHERE id = ?1", [id])).await?;
        Ok(())
    }
}
