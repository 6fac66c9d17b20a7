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
    /// Whether a write holds the writer, and the waiters' wake-up when it lets go: a write
    /// waits for its turn at most `WRITER_WAIT` (std's mutex cannot time out a wait).
    writing: Mutex<bool>,
    turn: std::sync::Condvar,
    /// How long a write waits for its turn.
    wait: std::time::Duration,
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
            writing: Mutex::new(false),
            turn: std::sync::Condvar::new(),
            wait: WRITER_WAIT,
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
        {
            let writing = super::html::lock(&self.writing);
            let (mut writing, waited) = self
                .turn
                .wait_timeout_while(writing, self.wait, |busy| *busy)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if waited.timed_out() && *writing {
                return Err(Failure::Busy);
            }
            *writing = true;
        }
        // The turn is ours: this lock is uncontended. If opening fails, the turn is given back.
        let turn = Turn { pool: self };
        let mut slot = super::html::lock(&self.writer);
        if slot.is_none() {
            *slot = Some(Db::open(&self.path)?);
        }
        Ok(Writer { slot, _turn: turn })
    }
}

/// A write's turn at the writer, given back (and the next waiter woken) when dropped.
struct Turn<'p> {
    pool: &'p Pool,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        *super::html::lock(&self.pool.writing) = false;
        self.pool.turn.notify_one();
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
    // Dropped first: the connection is released before the turn is given back.
    slot: MutexGuard<'p, Option<Db>>,
    _turn: Turn<'p>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("pool.db");
        Db::create(&path).expect("a ledger");
        (dir, path)
    }

    #[test]
    fn a_write_waits_its_turn_then_is_refused_when_the_writer_stays_busy() {
        let (_dir, path) = ledger();
        let pool = Pool { wait: std::time::Duration::from_millis(200), ..Pool::new(&path) };
        let first = pool.writer().expect("the writer is free");
        let started = std::time::Instant::now();
        assert!(
            matches!(pool.writer(), Err(Failure::Busy)),
            "a second write while the first holds the writer"
        );
        assert!(started.elapsed() >= std::time::Duration::from_millis(200), "it waited its turn first");
        drop(first);
        assert!(pool.writer().is_ok(), "the turn is given back when a write ends");
    }

    #[test]
    fn a_waiting_write_gets_its_turn_as_soon_as_the_writer_is_free() {
        let (_dir, path) = ledger();
        let pool = Pool { wait: std::time::Duration::from_secs(20), ..Pool::new(&path) };
        std::thread::scope(|s| {
            let first = pool.writer().expect("the writer is free");
            let waiter = s.spawn(|| pool.writer().map(|_| ()).is_ok());
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(first);
            assert!(waiter.join().expect("the waiter finishes"), "the waiting write got the writer");
        });
    }

    #[test]
    fn readers_are_kept_for_the_next_request() {
        let (_dir, path) = ledger();
        let pool = Pool::new(&path);
        drop(pool.snapshot().expect("a reader"));
        assert_eq!(super::super::html::lock(&pool.readers).len(), 1, "the reader went back to the pool");
        let _again = pool.snapshot().expect("the same reader");
        assert_eq!(super::super::html::lock(&pool.readers).len(), 0, "and was taken again");
    }
}
