//! One module per subcommand: its arguments and its `run`. Shared context lives here.

pub mod accept;
pub mod adjust;
pub mod allocate;
pub mod amend;
pub mod approval;
pub mod backup;
pub mod balances;
#[cfg(feature = "dev")]
pub mod bench;
pub mod catalog;
pub mod check;
pub mod close;
pub mod contract;
pub mod demo;
pub mod entitlements;
#[cfg(feature = "dev")]
pub mod gen;
pub mod history;
pub mod import;
pub mod init;
pub mod letter;
pub mod log;
pub mod post;
pub mod reconcile;
pub mod review;
pub mod serve;
pub mod statement;
pub mod upgrade;
pub mod user;
pub mod verify;

use crate::render::{Format, Lang, Options, Out, Unit};
use std::path::{Path, PathBuf};

/// The default ledger file, in the current directory.
pub const DEFAULT_DB: &str = "fundledger.db";

/// What every command may need from the global options.
pub struct Ctx {
    pub db: Option<PathBuf>,
    pub operator: String,
    pub format: Format,
    pub lang: Lang,
    /// `--out FILE` with `--force` and the ledger it must never replace.
    pub out: Option<Out>,
}

impl Ctx {
    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
    }

    pub fn options(&self, unit: Unit) -> Options {
        Options { format: self.format, lang: self.lang, unit }
    }

    pub fn out(&self) -> Option<&Out> {
        self.out.as_ref()
    }

    /// The `--out` path as given (`gen`'s directory).
    pub fn out_path(&self) -> Option<&Path> {
        self.out.as_ref().map(|o| o.path.as_path())
    }
}
