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

/// The most reader connections open at once for pages and API answers: one per core (at
/// least two). Each request reads on one; a request that finds them all busy waits for one to
/// come back rather than opening another, which would parse the whole schema again only to
/// compete for the same cores, and leave the writes that queue behind them no core at all.
fn readers() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get).max(2)
}

/// The reader connections that only find who is asking (a user by session or token): a
/// lookup of one row, which must not wait behind the pages' reads, or every write would.
const IDENTITY_READERS: usize = 2;

pub struct Pool {
    path: PathBuf,
    /// The readers of pages and answers, and those of who is asking.
    readers: Lane,
    identity: Lane,
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

/// Reader connections for one kind of read, at most `most` open at once.
struct Lane {
    /// Idle connections, and how many are open in all (idle or lent out).
    readers: Mutex<Readers>,
    /// Woken when a reader comes back.
    reader_back: std::sync::Condvar,
    most: usize,
}

#[derive(Default)]
struct Readers {
    idle: Vec<Db>,
    open: usize,
}

impl Lane {
    fn new(most: usize) -> Lane {
        Lane { readers: Mutex::new(Readers::default()), reader_back: std::sync::Condvar::new(), most }
    }

    /// One reader fewer is open (a new one failed to open).
    fn reader_closed(&self) {
        super::html::lock(&self.readers).open -= 1;
        self.reader_back.notify_one();
    }
}

/// The register's last ids (`Db::register_marks`).
type Marks = (i64, i64, i64);

impl Pool {
    pub fn new(path: &Path) -> Pool {
        Pool {
            path: path.to_path_buf(),
            readers: Lane::new(readers()),
            identity: Lane::new(IDENTITY_READERS),
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

    /// A read-only connection inside a fresh read transaction, back to the pool when dropped:
    /// an idle one, else a new one while fewer than one per core (`readers`) are open, else the first to come
    /// back.
    pub fn snapshot(&self) -> Result<Reader<'_>, Failure> {
        self.snapshot_in(&self.readers)
    }

    /// `snapshot`, on the readers kept for finding who is asking (`IDENTITY_READERS`).
    pub fn identity_snapshot(&self) -> Result<Reader<'_>, Failure> {
        self.snapshot_in(&self.identity)
    }

    fn snapshot_in<'p>(&'p self, lane: &'p Lane) -> Result<Reader<'p>, Failure> {
        let db = {
            let readers = super::html::lock(&lane.readers);
            let mut readers = lane
                .reader_back
                .wait_while(readers, |r| r.idle.is_empty() && r.open >= lane.most)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match readers.idle.pop() {
                Some(db) => Some(db),
                None => {
                    readers.open += 1;
                    None
                }
            }
        };
        let db = match db {
            Some(db) => db,
            None => match Db::open_reader(&self.path) {
                Ok(db) => db,
                Err(e) => {
                    lane.reader_closed();
                    return Err(e.into());
                }
            },
        };
        // Handed to the reader first, so that it goes back to the pool (or is counted closed)
        // whatever happens next.
        let reader = Reader { pool: self, lane, db: Some(db) };
        reader.begin_snapshot()?;
        Ok(reader)
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
    lane: &'p Lane,
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
            super::html::lock(&self.lane.readers).idle.push(db);
            self.lane.reader_back.notify_one();
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
        assert_eq!(
            super::super::html::lock(&pool.readers.readers).idle.len(),
            1,
            "the reader went back to the pool"
        );
        let _again = pool.snapshot().expect("the same reader");
        let readers = super::super::html::lock(&pool.readers.readers);
        assert_eq!((readers.idle.len(), readers.open), (0, 1), "and was taken again, not a second opened");
    }

    #[test]
    fn a_request_waits_for_a_reader_when_all_are_lent_out() {
        let (_dir, path) = ledger();
        let pool = Pool::new(&path);
        let held: Vec<_> = (0..pool.readers.most).map(|_| pool.snapshot().expect("a reader")).collect();
        let (done, finished) = std::sync::mpsc::channel();
        let pool = &pool;
        std::thread::scope(|s| {
            s.spawn(move || {
                let reader = pool.snapshot().expect("a reader, once one is back");
                drop(reader);
                done.send(()).expect("the test waits");
            });
            let waited = finished.recv_timeout(std::time::Duration::from_millis(200));
            assert!(waited.is_err(), "no connection was opened beyond the {} lent out", pool.readers.most);
            drop(held);
            finished.recv_timeout(std::time::Duration::from_secs(20)).expect("it got a reader given back");
        });
        assert_eq!(
            super::super::html::lock(&pool.readers.readers).open,
            pool.readers.most,
            "never more than one per core open"
        );
    }

    #[test]
    fn who_is_asking_is_found_while_every_page_reader_is_busy() {
        let (_dir, path) = ledger();
        let pool = Pool::new(&path);
        let held: Vec<_> = (0..pool.readers.most).map(|_| pool.snapshot().expect("a reader")).collect();
        let (found, answer) = std::sync::mpsc::channel();
        let pool = &pool;
        std::thread::scope(|s| {
            s.spawn(move || {
                let identity = pool.identity_snapshot().expect("a reader of its own");
                drop(identity);
                found.send(()).expect("the test waits");
            });
            let at_once = answer.recv_timeout(std::time::Duration::from_secs(5));
            // Given back either way, so that a waiting lookup ends and the test reports.
            drop(held);
            assert!(at_once.is_ok(), "the lookup waited for a page reader");
        });
        assert_eq!(
            super::super::html::lock(&pool.readers.readers).idle.len(),
            pool.readers.most,
            "each went back to its lane"
        );
        assert_eq!(super::super::html::lock(&pool.identity.readers).idle.len(), 1);
    }
}
