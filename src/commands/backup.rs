//! `backup FILE`: a consistent copy of the ledger, taken with SQLite's online backup while
//! other clerks may be writing, then checked (audit chain and balances) before it is kept.
//!
//! Restoring is copying the file back while nobody writes (README, "Backup and restore").

use super::Ctx;
use crate::db::Db;
use crate::error::{Error, Result};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The backup file to create (never overwritten).
    pub file: PathBuf,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let dest = &args.file;
    if dest.exists() {
        return Err(Error::Internal(format!(
            "{} already exists; a backup never overwrites a file (choose a new name, e.g. with the date)",
            dest.display()
        )));
    }
    let db = Db::open(&ctx.db_path())?;
    let mut tmp = dest.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let checked = (|| {
        db.backup_to(&tmp)?;
        let copy = Db::open(&tmp)?;
        let report = super::verify::verify(&copy)?;
        if !report.problems.is_empty() {
            let first = report.problems[0].message.clone();
            return Err(Error::Internal(format!(
                "the copy does not verify ({} findings, the first: {first}); the ledger itself needs `fundledger verify`",
                report.problems.len()
            )));
        }
        let fingerprint = copy.fingerprint()?;
        drop(copy);
        for suffix in ["-wal", "-shm"] {
            let mut side = tmp.as_os_str().to_owned();
            side.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(side));
        }
        std::fs::rename(&tmp, dest)
            .map_err(|e| Error::Internal(format!("cannot rename the copy to {}: {e}", dest.display())))?;
        Ok(fingerprint)
    })();
    let fingerprint = match checked {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    crate::outln!(
        "backed up {} to {} ({fingerprint}); the copy verifies. To restore: stop all writers, then copy {} over {}",
        ctx.db_path().display(),
        dest.display(),
        dest.display(),
        ctx.db_path().display()
    );
    Ok(0)
}
