//! `backup FILE`: a consistent copy of the ledger, taken with SQLite's online backup while
//! other clerks may be writing, then checked (audit chain and balances).
//!
//! The copy is written beside FILE under a temporary name created fresh (never an existing
//! file), `FILE.fundledger-backup-partial-PID`, and linked to FILE only if FILE still does not
//! exist, so no file is ever overwritten. A backup that was killed leaves its partial copy;
//! the next backup into the same directory removes it once its process is gone. A copy with findings is kept too — it is the state of the ledger, and may be
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

/// What a copy in progress is called beside FILE: `FILE.fundledger-backup-partial-PID`.
const PARTIAL: &str = ".fundledger-backup-partial-";

/// The PID in the name of a partial copy (or of its -wal/-shm/-journal file), if it is one.
fn partial_pid(name: &str) -> Option<u32> {
    let name = ["-wal", "-shm", "-journal"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
    let (_, pid) = name.rsplit_once(PARTIAL)?;
    pid.bytes().all(|b| b.is_ascii_digit()).then(|| pid.parse().ok()).flatten()
}

/// Whether process `pid` still runs: on Linux, whether /proc knows it; elsewhere unknown.
fn alive(pid: u32) -> Option<bool> {
    cfg!(target_os = "linux").then(|| Path::new("/proc").join(pid.to_string()).exists())
}

/// Removes the partial copies beside FILE left by backups that were killed (their process is
/// gone), and says so; where that cannot be known, names them for the user to remove.
fn clean_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let (mut removed, mut unknown) = (Vec::new(), Vec::new());
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = partial_pid(&name) else { continue };
        if pid == std::process::id() || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        match alive(pid) {
            Some(false) if std::fs::remove_file(entry.path()).is_ok() => removed.push(entry.path()),
            Some(true) => {}
            _ => unknown.push(entry.path()),
        }
    }
    let list =
        |paths: &[PathBuf]| paths.iter().map(|p| crate::error::shown_path(p)).collect::<Vec<_>>().join(", ");
    if !removed.is_empty() {
        let removed = list(&removed);
        crate::outln!(
            "{}",
            crate::tr!(
                "已删除中断的备份留下的不完整副本：{removed}",
                "removed the partial copies of backups that were interrupted: {removed}"
            )
        );
    }
    if !unknown.is_empty() {
        let unknown = list(&unknown);
        crate::outln!(
            "{}",
            crate::tr!(
                "可能留有中断的备份的不完整副本（如没有备份正在运行，请删除）：{unknown}",
                "partial copies of interrupted backups may be left (remove them if no backup is running): {unknown}"
            )
        );
    }
}

fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let dest = &args.file;
    if dest.is_dir() {
        let (d, e) =
            (crate::error::shown_path(dest), crate::error::shown_path(&dest.join("ledger-backup.db")));
        return Err(Error::Internal(crate::tr!(
            "{d} 是目录；请给备份一个文件名，如 {e}",
            "{d} is a directory; give the backup a file name, e.g. {e}"
        )));
    }
    if exists(dest) {
        let d = crate::error::shown_path(dest);
        return Err(Error::Internal(crate::tr!(
            "{d} 已存在；备份从不覆盖文件（请换一个新名字，如加上日期）",
            "{d} already exists; a backup never overwrites a file (choose a new name, e.g. with the date)"
        )));
    }
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        let d = crate::error::shown_path(parent);
        return Err(Error::Internal(crate::tr!("目录 {d} 不存在", "the directory {d} does not exist")));
    }
    clean_stale_partials(parent);
    let db = Db::open(&ctx.db_path())?;
    let mut tmp = dest.as_os_str().to_owned();
    tmp.push(format!("{PARTIAL}{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(|e| {
        let t = crate::error::shown_path(&tmp);
        Error::Internal(crate::tr!("无法创建副本文件 {t}：{e}", "cannot create {t} for the copy: {e}"))
    })?;
    let copied = copy_and_check(&db, &tmp, dest);
    // The temporary name goes either way: once linked, FILE holds the copy.
    let _ = crate::db::remove_ledger_files(&tmp);
    let (fingerprint, report) = copied?;
    let (db, dest) = (crate::error::shown_path(&ctx.db_path()), crate::error::shown_path(dest));
    let restore = crate::tr!(
        "恢复方法：停止所有人的 fundledger，如有 {db}-wal 和 {db}-shm 则删除，再用 {dest} 覆盖 {db}",
        "To restore: stop every clerk's fundledger, delete {db}-wal and {db}-shm if present, then copy {dest} over {db}"
    );
    if report.problems.is_empty() {
        crate::outln!(
            "{}",
            crate::tr!(
                "已将 {db} 备份到 {dest}（{fingerprint}）；副本核验通过。",
                "backed up {db} to {dest} ({fingerprint}); the copy verifies."
            )
        );
        crate::outln!("{restore}");
        return Ok(0);
    }
    crate::outln!(
        "{}",
        crate::tr!(
            "已将 {db} 备份到 {dest}（{fingerprint}），但副本核验未通过：它带有账本的问题，列在下面。副本留作证据；请对账本运行 `fundledger verify`。",
            "backed up {db} to {dest} ({fingerprint}), but the copy does not verify: it has the ledger's findings, listed below. The copy is kept as evidence; run `fundledger verify` on the ledger."
        )
    );
    Err(Error::Findings(report.problems))
}

/// Copies the ledger into `tmp`, checks the copy, and links it to `dest`.
fn copy_and_check(
    db: &Db,
    tmp: &Path,
    dest: &Path,
) -> Result<(crate::model::Fingerprint, crate::verify::VerifyReport)> {
    db.backup_to(tmp)?;
    let copy = Db::open_snapshot(tmp)?;
    let report = crate::verify::verify(&copy, None)?;
    let fingerprint = copy.fingerprint()?;
    drop(copy);
    // A hard link fails if `dest` appeared meanwhile, where a rename would replace it.
    std::fs::hard_link(tmp, dest).map_err(|e| {
        let d = crate::error::shown_path(dest);
        Error::Internal(crate::tr!(
            "无法创建 {d}：{e}；未覆盖任何文件",
            "cannot create {d}: {e}; nothing was overwritten"
        ))
    })?;
    Ok((fingerprint, report))
}
