//! Creating a ledger: the file is built under a temporary name of its own and linked into
//! place only when complete and only if the path is still free, so an interrupted `init`
//! never leaves a half-made ledger behind, and of two `init`s at once exactly one wins.

use super::{load_builtin_catalog, load_builtin_rules, Stamp};
use crate::db::{remove_ledger_files, Db};
use crate::error::{Error, Result};
use std::path::Path;

/// Creates a complete ledger at `path` (refusing an existing file), with the built-in
/// catalogue and the given meta facts.
pub fn create_ledger(path: &Path, meta: &[(&str, &str)], sample_rules: bool, operator: &str) -> Result<()> {
    let exists = || {
        let path = crate::error::shown_path(path);
        Error::Internal(crate::tr!(
            "{path} 已存在；fundledger 从不覆盖账本（请换一个 --db）",
            "{path} already exists; fundledger never overwrites a ledger (choose another --db)"
        ))
    };
    if path.symlink_metadata().is_ok() {
        return Err(exists());
    }
    // A name of this process's own: two `init`s of one path never build in the same file.
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".init-{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    remove_ledger_files(&tmp)?;
    let built = (|| {
        let mut db = Db::create(&tmp)?;
        let tx = db.begin()?;
        load_builtin_catalog(&tx)?;
        load_builtin_rules(&tx, sample_rules)?;
        tx.set_meta("created_at", &Stamp::now("").recorded_at)?;
        for (k, v) in meta {
            tx.set_meta(k, v)?;
        }
        let stamp = Stamp::now(operator);
        tx.commit(&stamp.record("init", "", "built-in catalogue and subsidy rules"))?;
        drop(db);
        // A hard link fails when `path` exists, where a rename would replace it: of two
        // `init`s at once exactly one links its complete ledger, the other is told it exists.
        std::fs::hard_link(&tmp, path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => exists(),
            _ => Error::from(e),
        })
    })();
    remove_ledger_files(&tmp)?;
    built
}
