//! The only module that names rusqlite: open, pragmas, migrations, typed queries.
//!
//! A ledger is one SQLite file. Every open turns on `foreign_keys`, WAL and a busy handler;
//! migrations in `schema/` are embedded and applied in order (in one transaction with the
//! sealing of rows recorded before the audit chain), tracked by `PRAGMA user_version`, and
//! never edited once shipped. Writes go through `Tx`, an IMMEDIATE transaction that links every
//! row it inserts into the audit chain, journals the write and commits only when asked; it
//! rolls back when dropped, so a rejected import leaves the file as it was. Readers take one
//! snapshot (`Db::open_snapshot`). No rusqlite type leaves this module.

mod adjust;
mod amend;
mod approvals;
mod chain;
mod contracts;
mod entry_checks;
#[cfg(feature = "dev")]
mod floor;
mod letters;
mod open;
mod read;
mod users;
mod write;

use chain::*;
use read::*;

pub use adjust::AdjustmentInsert;
pub use amend::{AmendmentInsert, HeldMoney, MovedMoney};
pub use entry_checks::SetAsideChecks;
#[cfg(feature = "dev")]
pub use floor::floor_table;
pub use letters::{LetterInsert, StoredLetter, StoredLetterLine};
pub use open::remove_ledger_files;
pub use read::{movement_text, Counts, EntryFact, EntryFacts, LineYear, LinesOf};
pub use users::{UserAction, UserInsert};
pub use write::{AcceptanceInsert, AwardInsert, EntryInsert, EntryStatements, WriteRecord};

use crate::audit::{Canon, Hash, GENESIS};
use crate::catalog::{Catalog, Channel, County, Department, Designation, SubprojectType};
use crate::error::{shown_path, Error, Result};
use crate::model::{
    Activity, BalanceLine, Fingerprint, Kind, Level, LineBalance, LineId, Mode, NewAppropriation, NewProject,
    NewSubproject, PeriodAction, Scope, Stage, Status, StoredAcceptance, StoredAppropriation, StoredAward,
    StoredEntry, StoredProject, StoredSubproject, StoredWrite, Verdict, VoucherLine,
};
use crate::money::Fen;
use crate::subsidy::{self, Rule, Shape};
use chrono::{Datelike, NaiveDate};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rust_decimal::Decimal;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Embedded migrations, applied in order; index + 1 is the `user_version` after each.
const MIGRATIONS: &[&str] = &[
    include_str!("../../schema/0001_ledger.sql"),
    include_str!("../../schema/0002_subsidy_rules.sql"),
    include_str!("../../schema/0003_acceptance.sql"),
    include_str!("../../schema/0004_audit.sql"),
    include_str!("../../schema/0005_entry_checks.sql"),
    include_str!("../../schema/0006_every_date.sql"),
    include_str!("../../schema/0007_voucher_lines.sql"),
    include_str!("../../schema/0008_acceptance_award.sql"),
    include_str!("../../schema/0009_adjustments.sql"),
    include_str!("../../schema/0010_letters.sql"),
    include_str!("../../schema/0011_amendments.sql"),
    include_str!("../../schema/0012_acceptance_status_in_force.sql"),
    include_str!("../../schema/0013_users.sql"),
    include_str!("../../schema/0014_entries_by_subproject.sql"),
    include_str!("../../schema/0015_approvals.sql"),
    include_str!("../../schema/0016_contracts.sql"),
    include_str!("../../schema/0017_lines_by_county.sql"),
];

/// The schema this fundledger writes: the number of migrations.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
/// The schema that brought the audit chain; rows of older ledgers are sealed on upgrade.
const CHAIN_SCHEMA: i64 = 4;
/// `Db::entitlement_marks`: the last rowid of each table an entitlement is figured from.
pub type EntitlementMarks = [i64; 7];

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
pub fn disk_hint() -> &'static str {
    crate::lang::pick(
        "如果磁盘已满，请清理出空间后再运行该命令",
        "If the disk is full, free some space and run the command again",
    )
}

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
                crate::lang::pick(
                    "账本一直忙：其他 fundledger 进程持续写入超过一分钟；未写入任何内容，请重新运行该命令",
                    "the ledger stayed busy: other fundledger processes kept writing for over a minute; \
                     nothing was written, run the command again",
                )
                .to_string(),
            );
        }
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => Error::Internal(
                crate::lang::pick(
                    "此处无法写入账本（文件、所在目录或磁盘是只读的）；未写入任何内容。读取不受影响：报表和 verify 以只读方式打开它",
                    "the ledger cannot be written here (the file, its directory or the disk is read-only); nothing was written. Reading works: reports and verify open it read-only",
                )
                .to_string(),
            ),
            Some(rusqlite::ErrorCode::SystemIoFailure) => {
                let hint = disk_hint();
                Error::Internal(crate::tr!(
                    "账本所在磁盘无法写入或读取（{e}）；未写入任何内容。{hint}",
                    "the disk holding the ledger could not be written or read ({e}); nothing was written. {hint}"
                ))
            }
            Some(rusqlite::ErrorCode::DiskFull) => Error::Internal(
                crate::lang::pick(
                    "账本所在磁盘已满；未写入任何内容。请清理出空间后再运行该命令",
                    "the disk holding the ledger is full; nothing was written. Free some space and run the command again",
                )
                .to_string(),
            ),
            _ => Error::Internal(crate::tr!("账本数据库：{e}", "ledger database: {e}")),
        }
    }
}

/// An open ledger file.
pub struct Db {
    conn: Connection,
    /// What this connection keeps between reads while the rows it came from are unchanged.
    kept: Kept,
}

/// Rows a connection keeps between reads (the web server's connections answer many requests),
/// each with the marks it was read under, from tables that are only ever appended to.
#[derive(Default)]
struct Kept {
    /// The catalogue as last read from committed rows (`Db::catalog`).
    catalog: KeptCatalog,
    /// Every appropriation line, with the last row id of their table (`Db::appropriations_kept`).
    appropriations: KeptUnder<i64, Vec<StoredAppropriation>>,
}

/// A value with the marks it was read under (the last row ids of its tables).
type KeptUnder<M, T> = RefCell<Option<(M, Arc<T>)>>;

/// The value `kept` holds, if it was read under `marks`.
fn kept_under<M: PartialEq, T>(kept: &KeptUnder<M, T>, marks: &M) -> Option<Arc<T>> {
    kept.borrow().as_ref().filter(|(m, _)| m == marks).map(|(_, value)| value.clone())
}

/// The value `kept` holds if it was read under `marks`, else `read`'s, which `kept` then holds.
fn kept_or_read<M: PartialEq, T>(
    kept: &KeptUnder<M, T>,
    marks: M,
    read: impl FnOnce() -> Result<T>,
) -> Result<Arc<T>> {
    if let Some(value) = kept_under(kept, &marks) {
        return Ok(value);
    }
    let value = Arc::new(read()?);
    *kept.borrow_mut() = Some((marks, value.clone()));
    Ok(value)
}

/// The catalogue kept with the last row id of each of its tables. The catalogue is only ever
/// extended (its triggers refuse an edit or a delete), so equal marks mean equal rows, and
/// reading five marks replaces reading every row of five tables on each request of the web
/// application and each write.
type KeptCatalog = KeptUnder<CatalogMarks, Catalog>;

/// A write transaction. Dropping it without `commit` rolls everything back. Every row it
/// inserts is linked into the audit chain, and `commit` journals the write.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    chain: RefCell<ChainState>,
    /// The connection's kept catalogue: read here, replaced only on commit (a catalogue read
    /// inside a transaction may hold rows that a rollback takes back).
    kept: &'a KeptCatalog,
    /// A catalogue this transaction read afresh, kept once it commits.
    fresh: KeptCatalog,
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

/// `YYYY-MM-DD`, as stored (formatted directly: chrono's strftime was a visible share of a big
/// import).
fn date_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Reads a stored date; the schema's CHECK guarantees the shape, so a failure is corruption.
fn stored_date(text: &str) -> rusqlite::Result<NaiveDate> {
    ymd(text).ok_or_else(|| {
        let e = format!("'{}' is not a date of the form YYYY-MM-DD", crate::error::echo(text));
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

/// `YYYY-MM-DD` read directly, as `date_text` writes it (chrono's format parser was a visible
/// share of `verify`, which reads two dates of each of a million entries).
fn ymd(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(i32::try_from(number(&b[..4])?).ok()?, number(&b[5..7])?, number(&b[8..10])?)
}

/// Reads a stored enum code; the schema's CHECK guarantees it, so a failure is corruption.
fn stored_enum<T>(text: &str, parse: fn(&str) -> Result<T, String>) -> rusqlite::Result<T> {
    parse(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
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

/// Codes are stored as their text and read back as they are stored.
macro_rules! code_sql {
    ($($t:ty),*) => {$(
        impl rusqlite::types::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $t {
            fn column_result(v: ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                <String as rusqlite::types::FromSql>::column_result(v).map(<$t>::stored)
            }
        }
    )*};
}

code_sql!(
    crate::model::ProjectCode,
    crate::model::SubprojectCode,
    crate::model::AppropriationCode,
    crate::model::Voucher
);

/// Ledgers built from the project's fixture files, for the tests of this layer.
#[cfg(test)]
pub(crate) mod fixture {
    use super::Db;
    use crate::ledger::{create_ledger, import_file, What};
    use std::path::Path;

    /// A new ledger in `dir` with `files` of `fixtures/{name}/` imported, in the order given.
    pub(crate) fn ledger(dir: &Path, name: &str, files: &[(What, &str)]) -> Db {
        let path = dir.join(format!("{name}.db"));
        create_ledger(&path, &[], false, "测试员").expect("a new ledger");
        let mut db = Db::open(&path).expect("open");
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
        for &(what, file) in files {
            import_file(&mut db, what, &folder.join(file), "测试员").expect(file);
        }
        db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A channel added by hand, as a catalogue import adds one (its row is not what the test
    /// is about).
    fn add_channel(tx: &Tx<'_>, code: &str, name: &str) {
        tx.tx
            .execute(
                "INSERT INTO channels (code, name, policy_owner, builtin, seq)
                 VALUES (?1, ?2, (SELECT code FROM departments LIMIT 1), 0, 1000)",
                rusqlite::params![code, name],
            )
            .expect("a channel");
    }

    #[test]
    fn the_kept_catalogue_is_read_again_once_extended_and_never_keeps_a_rolled_back_row() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("catalogue.db");
        crate::ledger::create_ledger(&path, &[], false, "测试员").expect("a new ledger");
        let mut db = Db::open(&path).expect("open");
        let first = db.catalog().expect("catalogue");
        assert!(Arc::ptr_eq(&first, &db.catalog().expect("catalogue")), "kept while unchanged");
        {
            let tx = db.begin().expect("begin");
            add_channel(&tx, "X-ROLLED-BACK", "回滚的资金");
            assert!(
                tx.catalog().expect("catalogue").channel("X-ROLLED-BACK").is_some(),
                "a transaction sees its own rows"
            );
        } // dropped: rolled back
          // The next channel takes the rolled-back row's id: the same marks, other rows.
        let tx = db.begin().expect("begin");
        add_channel(&tx, "X-KEPT", "保留的资金");
        let seen = tx.catalog().expect("catalogue");
        assert!(seen.channel("X-KEPT").is_some() && seen.channel("X-ROLLED-BACK").is_none());
        tx.commit(&WriteRecord::default()).expect("commit");
        let after = db.catalog().expect("catalogue");
        assert!(after.channel("X-KEPT").is_some() && after.channel("X-ROLLED-BACK").is_none());
        assert!(Arc::ptr_eq(&after, &seen), "kept once committed");
        // Another connection extends it: this one reads it again.
        let mut other = Db::open(&path).expect("open");
        let tx = other.begin().expect("begin");
        add_channel(&tx, "X-ELSEWHERE", "别处的资金");
        tx.commit(&WriteRecord::default()).expect("commit");
        assert!(db.catalog().expect("catalogue").channel("X-ELSEWHERE").is_some());
    }

    #[test]
    fn ymd_reads_what_date_text_writes_and_nothing_else() {
        for (y, m, d) in [(2016, 1, 1), (2024, 2, 29), (2025, 12, 31), (9999, 12, 31), (1, 1, 1)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
            assert_eq!(ymd(&date_text(date)), Some(date), "{date}");
        }
        for text in ["2025-02-29", "2024-13-01", "2024-2-05", "2024-02-5x", "2024/02/05", "", "2024-02-051"] {
            assert_eq!(ymd(text), None, "{text:?}");
            assert!(stored_date(text).is_err(), "{text:?}");
        }
    }
}
