//! One module per subcommand: its arguments and its `run`. Shared context lives here.

pub mod allocate;
pub mod balances;
pub mod catalog;
pub mod check;
pub mod close;
pub mod demo;
pub mod entitlements;
pub mod import;
pub mod init;
pub mod post;
pub mod verify;

use crate::cli::Cli;
use crate::render::{Format, Lang, Options, Unit};
use std::path::{Path, PathBuf};

/// The default ledger file, in the current directory.
pub const DEFAULT_DB: &str = "fundledger.db";

/// What every command may need from the global options.
pub struct Ctx {
    pub db: Option<PathBuf>,
    pub operator: String,
    pub format: Format,
    pub lang: Lang,
    pub out: Option<PathBuf>,
}

impl Ctx {
    pub fn new(cli: &Cli) -> Ctx {
        let operator = cli
            .operator
            .clone()
            .map(|o| o.trim().chars().take(crate::model::MAX_CODE_CHARS).collect::<String>())
            .filter(|o| !o.is_empty())
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .unwrap_or_else(|| "unknown".to_string());
        Ctx { db: cli.db.clone(), operator, format: cli.format, lang: cli.lang, out: cli.out.clone() }
    }

    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
    }

    pub fn options(&self, unit: Unit) -> Options {
        Options { format: self.format, lang: self.lang, unit }
    }

    pub fn out(&self) -> Option<&Path> {
        self.out.as_deref()
    }
}
