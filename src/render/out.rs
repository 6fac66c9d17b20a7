//! `--out FILE`: where a report is written, and what writing it may never do.
//!
//! FILE never replaces an existing file unless `--force` is given; it never replaces the ledger
//! (nor its -wal, -shm or -journal file) even then, and it is never written through a symbolic
//! link (with or without `--force`: the simplest behaviour that cannot be turned against
//! another file). The report goes to a temporary file created fresh beside FILE, then is
//! linked into place (without `--force`, so a file that appeared meanwhile is not clobbered)
//! or renamed over FILE (with `--force`), so a failed export leaves neither a half-written
//! FILE nor the temporary file.

use crate::error::{shown_path, Check, Error, Problem, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A `--out` target.
#[derive(Clone, Debug)]
pub struct Out {
    pub path: PathBuf,
    /// `--force`: an existing file (not the ledger, not a link) may be replaced.
    pub force: bool,
    /// The ledger file, which is never replaced.
    pub ledger: PathBuf,
}

fn refuse(message: String) -> Error {
    Error::rejected(Problem::new(Check::File, message).column("--out"))
}

impl Out {
    /// Refuses a target that must not be written. Checked before a command does its work, so
    /// nothing is recorded for a report that cannot be written, and again when writing.
    pub fn check(&self) -> Result<()> {
        let shown = shown_path(&self.path);
        let Ok(meta) = self.path.symlink_metadata() else {
            let dir = self.dir();
            if !dir.is_dir() {
                let dir = shown_path(dir);
                let message = crate::tr!(
                    "无法写入 {shown}：目录 {dir} 不存在",
                    "cannot write {shown}: the directory {dir} does not exist"
                );
                return Err(refuse(message));
            }
            return Ok(());
        };
        let message = if meta.file_type().is_symlink() {
            crate::tr!(
                "{shown} 是符号链接；--out 从不通过链接写入，加 --force 也不会（请换一个文件名）",
                "{shown} is a symbolic link; --out never writes through a link, even with --force (choose another name)"
            )
        } else if meta.is_dir() {
            crate::tr!(
                "{shown} 是目录；--out 应指定要写入的文件",
                "{shown} is a directory; --out names the file to write"
            )
        } else if self.is_ledger() {
            crate::tr!(
                "{shown} 是账本文件（或其 -wal/-shm 文件）；--out 从不覆盖它，加 --force 也不会",
                "{shown} is the ledger (or one of its -wal/-shm files); --out never replaces it, even with --force"
            )
        } else if !self.force {
            crate::tr!(
                "{shown} 已存在；除非加 --force，--out 不会覆盖已有文件（或请换一个文件名）",
                "{shown} already exists; --out never replaces a file unless --force is given (or choose another name)"
            )
        } else {
            return Ok(());
        };
        Err(refuse(message))
    }

    fn dir(&self) -> &Path {
        self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    }

    /// Whether FILE is the ledger or one of its companion files (the same file on disk,
    /// whatever path names it: a hard link, `./`, `..`).
    fn is_ledger(&self) -> bool {
        ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
            let mut companion = self.ledger.as_os_str().to_owned();
            companion.push(suffix);
            same_file(&self.path, Path::new(&companion))
        })
    }

    /// Writes `data` to FILE, all of it or nothing.
    pub fn write(&self, data: &[u8]) -> Result<()> {
        self.check()?;
        let mut tmp = self.path.as_os_str().to_owned();
        tmp.push(format!(".fundledger-out-partial-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let written = self.write_via(&tmp, data);
        // Once linked or renamed, FILE holds the data; the temporary name goes either way.
        let _ = std::fs::remove_file(&tmp);
        written
    }

    fn write_via(&self, tmp: &Path, data: &[u8]) -> Result<()> {
        let cannot = |e: std::io::Error| {
            Error::Internal(format!(
                "cannot write {}: {e}; nothing was written to it",
                shown_path(&self.path)
            ))
        };
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(tmp).map_err(cannot)?;
        file.write_all(data).and_then(|_| file.sync_all()).map_err(cannot)?;
        drop(file);
        if self.force {
            return std::fs::rename(tmp, &self.path).map_err(cannot);
        }
        match std::fs::hard_link(tmp, &self.path) {
            Ok(()) => Ok(()),
            // FILE appeared meanwhile: the same refusal as if it had been there at the start.
            Err(_) if self.path.symlink_metadata().is_ok() => self.check(),
            // A file system without hard links (FAT on a USB stick): FILE is still absent.
            Err(_) => std::fs::rename(tmp, &self.path).map_err(cannot),
        }
    }
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
