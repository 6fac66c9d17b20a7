//! `backup FILE`: a consistent copy of the ledger, taken with SQLite's online backup while
//! other clerks may be writing, then checked (audit chain and balances).
//!
//! The copy is written beside FILE under a temporary name created fresh (never an existing
//! file), and linked to FILE only if FILE still does not exist, so no file is ever
//! overwritten. A copy with findings is kept too — it is the state of the ledger, and may be
//! evidence — and the command exits 3. Restoring is copying the file back while nobody writes
//! (README, "Backup and restore").

use super::Ctx;
use crate::db::Db;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The backup file to create (never overwritten).
    pub file: PathBuf,
}

fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let dest = &args.file;
    if dest.is_dir() {
        return Err(Error::Internal(format!(
            "{} is a directory; give the backup a file name, e.g. {}",
            crate::error::shown_path(dest),
            crate::error::shown_path(&dest.join("ledger-backup.db"))
        )));
    }
    if exists(dest) {
        return Err(Error::Internal(format!(
            "{} already exists; a backup never overwrites a file (choose a new name, e.g. with the date)",
            crate::error::shown_path(dest)
        )));
    }
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Error::Internal(format!(
            "the directory {} does not exist",
            crate::error::shown_path(parent)
        )));
    }
    let db = Db::open(&ctx.db_path())?;
    let mut tmp = dest.as_os_str().to_owned();
    tmp.push(format!(".partial-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(|e| {
        Error::Internal(format!("cannot create {} for the copy: {e}", crate::error::shown_path(&tmp)))
    })?;
    let copied = copy_and_check(&db, &tmp, dest);
    // The temporary name goes either way: once linked, FILE holds the copy.
    let _ = super::init::remove_ledger_files(&tmp);
    let (fingerprint, report) = copied?;
    let restore = format!(
        "To restore: stop every clerk's fundledger, delete {db}-wal and {db}-shm if present, then copy {dest} over {db}",
        db = crate::error::shown_path(&ctx.db_path()),
        dest = crate::error::shown_path(dest)
    );
    if report.problems.is_empty() {
        crate::outln!(
            "backed up {} to {} ({fingerprint}); the copy verifies.",
            crate::error::shown_path(&ctx.db_path()),
            crate::error::shown_path(dest)
        );
        crate::outln!("{restore}");
        return Ok(0);
    }
    crate::outln!(
        "backed up {} to {} ({fingerprint}), but the copy does not verify: it has the ledger's findings, listed below. The copy is kept as evidence; run `fundledger verify` on the ledger.",
        crate::error::shown_path(&ctx.db_path()),
        crate::error::shown_path(dest)
    );
    Err(Error::Findings(report.problems))
}

/// Copies the ledger into `tmp`, checks the copy, and links it to `dest`.
fn copy_and_check(
    db: &Db,
    tmp: &Path,
    dest: &Path,
) -> Result<(crate::db::Fingerprint, super::verify::VerifyReport)> {
    db.backup_to(tmp)?;
    let copy = Db::open_snapshot(tmp)?;
    let report = super::verify::verify(&copy, None)?;
    let fingerprint = copy.fingerprint()?;
    drop(copy);
    // A hard link fails if `dest` appeared meanwhile, where a rename would replace it.
    std::fs::hard_link(tmp, dest).map_err(|e| {
        Error::Internal(format!(
            "cannot create {}: {e}; nothing was overwritten",
            crate::error::shown_path(dest)
        ))
    })?;
    Ok((fingerprint, report))
}
