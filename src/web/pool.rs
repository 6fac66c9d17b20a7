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
        let idle = self.readers.lock().map_err(Failure::internal)?.pop();
        let db = match idle {
            Some(db) => db,
            None => Db::open_reader(&self.path)?,
        };
        db.begin_snapshot()?;
        Ok(Reader { pool: self, db: Some(db) })
    }

    /// The writer connection, for one write at a time.
    pub fn writer(&self) -> Result<Writer<'_>, Failure> {
        let mut slot = self.writer.lock().map_err(Failure::internal)?;
        if slot.is_none() {
            *slot = Some(Db::open(&self.path)?);
        }
        Ok(Writer { slot })
    }
}

pub struct Reader<'p> {
    pool: &'p Pool,
    db: Option<Db>,
}

impl Reader<'_> {
    /// Where each project, sub-project and line lies: read again only when the register grew.
    pub fn places(&self) -> Result<Arc<Places>, Failure> {
        let marks = self.register_marks()?;
        let mut cached = self.pool.places.lock().map_err(Failure::internal)?;
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
            if let Ok(mut idle) = self.pool.readers.lock() {
                if idle.len() < IDLE_READERS {
                    idle.push(db);
                }
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
