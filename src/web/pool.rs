//! The ledger's connections, kept open between requests: opening one means SQLite parses the
//! whole schema (its triggers are the rules' second check), which cost more than most reads.
//! Readers are read-only connections, each request one read transaction (a snapshot); the
//! one writer connection is taken by one write at a time (SQLite has one writer anyway).

use super::html::Failure;
use super::scope::Places;
use crate::db::Db;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Idle readers kept for the next requests.
const IDLE_READERS: usize = 16;

pub struct Pool {
    path: PathBuf,
    readers: Mutex<Vec<Db>>,
    writer: Mutex<Option<Db>>,
    /// Where each project, sub-project and line lies, with the register marks it was read at.
    places: Mutex<Option<(Marks, Arc<Places>)>>,
}

/// The register's last ids (`Db::register_marks`).
type Marks = (i64, i64, i64);

impl Pool {
    pub fn new(path: &Path) -> Pool {
        Pool {
            path: path.to_path_buf(),
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(None),
            places: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read-only connection inside a fresh read transaction, back to the pool when dropped.
    pub fn snapshot(&self) -> Result<Reader<'_>, Failure> {
        let idle = super::html::lock(&self.readers).pop();
        let db = match idle {
            Some(db) => db,
            None => Db::open_reader(&self.path)?,
        };
        db.begin_snapshot()?;
        Ok(Reader { pool: self, db: Some(db) })
    }

    /// The writer connection, for one write at a time. A write waits at most `WRITER_WAIT`
    /// for it (behind an import, say), then is refused with nothing written: it never starts
    /// after its request has been answered.
    pub fn writer(&self) -> Result<Writer<'_>, Failure> {
        let deadline = std::time::Instant::now() + WRITER_WAIT;
        let mut slot = loop {
            match self.writer.try_lock() {
                Ok(slot) => break slot,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(std::sync::TryLockError::WouldBlock) => return Err(Failure::Busy),
            }
        };
        if slot.is_none() {
            *slot = Some(Db::open(&self.path)?);
        }
        Ok(Writer { slot })
    }
}

/// How long a write waits for the writer connection (well within the request's timeout).
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Reader<'p> {
    pool: &'p Pool,
    db: Option<Db>,
}

impl Reader<'_> {
    /// Where each project, sub-project and line lies: read again only when the register grew.
    pub fn places(&self) -> Result<Arc<Places>, Failure> {
        let marks = self.register_marks()?;
        let mut cached = super::html::lock(&self.pool.places);
        if let Some((at, places)) = cached.as_ref() {
            if *at == marks {
                return Ok(places.clone());
            }
        }
        let places = Arc::new(Places::read(self)?);
        *cached = Some((marks, places.clone()));
        Ok(places)
    }
}

impl Deref for Reader<'_> {
    type Target = Db;

    fn deref(&self) -> &Db {
        self.db.as_ref().expect("a reader holds its connection until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            db.end_snapshot();
            let mut idle = super::html::lock(&self.pool.readers);
            if idle.len() < IDLE_READERS {
                idle.push(db);
            }
        }
    }
}

pub struct Writer<'p> {
    slot: MutexGuard<'p, Option<Db>>,
}

impl Deref for Writer<'_> {
    type Target = Db;

    fn deref(&self) -> &Db {
        self.slot.as_ref().expect("the writer slot is filled before it is handed out")
    }
}

impl DerefMut for Writer<'_> {
    fn deref_mut(&mut self) -> &mut Db {
        self.slot.as_mut().expect("the writer slot is filled before it is handed out")
    }
}
