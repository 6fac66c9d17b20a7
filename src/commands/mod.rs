//! One module per subcommand: its arguments and its `run`. Shared context lives here.

pub mod accept;
pub mod allocate;
pub mod backup;
pub mod balances;
pub mod bench;
pub mod catalog;
pub mod check;
pub mod close;
pub mod demo;
pub mod entitlements;
pub mod gen;
pub mod import;
pub mod init;
pub mod log;
pub mod post;
pub mod reconcile;
pub mod review;
pub mod statement;
pub mod upgrade;
pub mod verify;

use crate::catalog::Catalog;
use crate::cli::Cli;
use crate::error::{Check, Error, Problem, Result};
use crate::render::{Format, Lang, Options, Out, Unit};
use std::path::{Path, PathBuf};

/// A login name from the environment, if it is usable as an operator.
fn login_name(var: &str) -> Option<String> {
    let v = std::env::var(var).ok()?;
    crate::model::parse_text_up_to(&v, "login name", true, crate::model::MAX_CODE_CHARS).ok()
}

/// The default ledger file, in the current directory.
pub const DEFAULT_DB: &str = "fundledger.db";

/// What every command may need from the global options.
pub struct Ctx {
    pub db: Option<PathBuf>,
    pub operator: String,
    /// The operator when `--operator` was given on the command line (not from the
    /// environment): `log` filters by it.
    pub operator_flag: Option<String>,
    pub format: Format,
    pub lang: Lang,
    /// `--out FILE` with `--force` and the ledger it must never replace.
    pub out: Option<Out>,
}

impl Ctx {
    pub fn new(cli: &Cli, operator_on_command_line: bool) -> Result<Ctx> {
        let given = match &cli.operator {
            Some(o) => Some(
                crate::model::parse_text_up_to(o, "operator", true, crate::model::MAX_CODE_CHARS).map_err(
                    |m| {
                        Error::rejected(
                            Problem::new(Check::Format, m).column("--operator (or FUNDLEDGER_OPERATOR)"),
                        )
                    },
                )?,
            ),
            None => None,
        };
        let operator = given
            .clone()
            .or_else(|| login_name("USER"))
            .or_else(|| login_name("LOGNAME"))
            .or_else(|| login_name("USERNAME"))
            .unwrap_or_else(|| "unknown".to_string());
        let operator_flag = given.filter(|_| operator_on_command_line);
        // Without --format, `--out report.xlsx` means a workbook (and .csv, .json likewise):
        // a table written into a file named .xlsx would not open in Excel.
        let by_extension =
            cli.out.as_ref().and_then(|p| p.extension()).and_then(|e| e.to_str()).and_then(|e| {
                match e.to_ascii_lowercase().as_str() {
                    "xlsx" => Some(Format::Xlsx),
                    "csv" => Some(Format::Csv),
                    "json" => Some(Format::Json),
                    _ => None,
                }
            });
        let format = cli.format.or(by_extension).unwrap_or(Format::Table);
        let db_path = cli.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
        let out = cli.out.clone().map(|path| Out { path, force: cli.force, ledger: db_path });
        // A report that cannot be written is refused before the command records anything
        // (`gen --out` names a directory and checks it itself).
        if let Some(out) = out.as_ref().filter(|_| !matches!(cli.command, crate::cli::Command::Gen(_))) {
            out.check()?;
        }
        Ok(Ctx { db: cli.db.clone(), operator, operator_flag, format, lang: cli.lang, out })
    }

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

/// A `--county` value (code or name) as the county's name; unknown names are refused with
/// the list of known ones.
pub fn resolve_county(catalog: &Catalog, county: Option<&str>) -> Result<Option<String>> {
    let Some(v) = county else { return Ok(None) };
    match catalog.county(v) {
        Some(c) => Ok(Some(c.name.clone())),
        None => {
            let message = format!("'{v}' is not a known county (known: {})", catalog.county_names());
            Err(Error::BadRequest(vec![Problem::new(Check::Unknown, message).column("--county")]))
        }
    }
}

/// Refuses a `--project` that is not recorded.
pub fn require_project(db: &crate::db::Db, project: &str) -> Result<()> {
    if db.projects()?.iter().any(|p| p.row.code == project) {
        return Ok(());
    }
    let problem =
        Problem::new(Check::Unknown, format!("project '{project}' is not recorded")).column("--project");
    Err(Error::BadRequest(vec![problem]))
}
