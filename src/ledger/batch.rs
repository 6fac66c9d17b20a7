//! The batch driver per file kind: one CSV file through its parser and writer in one
//! transaction, all rows or none, journaled as `import KIND`. Used by `import` and the demo.

use super::{
    AdjustmentWriter, AmendmentWriter, AppropriationWriter, CatalogWriter, ContractWriter, EntryWriter,
    LetterWriter, ProjectWriter, RuleWriter, Stamp, SubprojectWriter,
};
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::import::{self, CsvInput};
use crate::pipeline::{self, Summary};
use std::path::Path;

/// What a file holds (the `import` command's KIND).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    Projects,
    Subprojects,
    Appropriations,
    Entries,
    Types,
    Channels,
    Designations,
    Counties,
    Departments,
    Rules,
    Acceptances,
    /// Appropriation adjustments (追加, 调减, 上级收回).
    Adjustments,
    Letters,
    /// Register amendments (a sub-project's or project's field changed from a date).
    Amendments,
    /// Contracts (合同), one row per covered sub-project with its share.
    Contracts,
}

impl What {
    /// The name the command line uses (`import entries …`).
    pub fn name(self) -> &'static str {
        match self {
            What::Projects => "projects",
            What::Subprojects => "subprojects",
            What::Appropriations => "appropriations",
            What::Entries => "entries",
            What::Types => "types",
            What::Channels => "channels",
            What::Designations => "designations",
            What::Counties => "counties",
            What::Departments => "departments",
            What::Rules => "rules",
            What::Acceptances => "acceptances",
            What::Adjustments => "adjustments",
            What::Letters => "letters",
            What::Amendments => "amendments",
            What::Contracts => "contracts",
        }
    }
}

/// Imports one file into the ledger, committing only if every row is accepted.
pub fn import_file(db: &mut Db, what: What, file: &Path, operator: &str) -> Result<Summary> {
    let mut input = CsvInput::open(file, columns(what))?;
    import_input(db, what, &mut input, operator)
}

/// Imports a file uploaded to the web application, named `name` in messages, as `operator`,
/// with entries limited to `scope` (a clerk's counties); all rows or none, as `import_file`.
pub fn import_upload(
    db: &mut Db,
    what: What,
    file: &Path,
    name: &str,
    operator: &str,
    scope: crate::model::UserScope,
    watch: Option<std::sync::Arc<crate::progress::Watch>>,
) -> Result<Summary> {
    let mut input = CsvInput::open_as(file, name, columns(what))?;
    input.watch = watch;
    db.set_foreign_keys(what != What::Entries)?;
    let imported = import_in_tx(db, what, &mut input, operator, Some(scope));
    db.set_foreign_keys(true)?;
    imported
}

/// The columns of a kind of file.
pub fn columns(what: What) -> &'static [import::Column] {
    match what {
        What::Projects => import::PROJECT_COLUMNS,
        What::Subprojects => import::SUBPROJECT_COLUMNS,
        What::Appropriations => import::APPROPRIATION_COLUMNS,
        What::Entries => import::ENTRY_COLUMNS,
        What::Types => import::TYPE_COLUMNS,
        What::Channels => import::CHANNEL_COLUMNS,
        What::Designations => import::DESIGNATION_COLUMNS,
        What::Counties => import::COUNTY_COLUMNS,
        What::Departments => import::DEPARTMENT_COLUMNS,
        What::Rules => import::RULE_COLUMNS,
        What::Acceptances => import::ACCEPTANCE_COLUMNS,
        What::Adjustments => import::ADJUSTMENT_COLUMNS,
        What::Letters => import::LETTER_COLUMNS,
        What::Amendments => import::AMENDMENT_COLUMNS,
        What::Contracts => import::CONTRACT_COLUMNS,
    }
}

/// Imports already-opened CSV input; shared by `import` and `demo`.
pub fn import_input(db: &mut Db, what: What, input: &mut CsvInput, operator: &str) -> Result<Summary> {
    if what != What::Entries {
        return import_in_tx(db, what, input, operator, None);
    }
    // The entries trigger checks every reference itself; SQLite's foreign keys would look
    // the same rows up again for each of a million entries. Off for this import only.
    db.set_foreign_keys(false)?;
    let imported = import_in_tx(db, what, input, operator, None);
    db.set_foreign_keys(true)?;
    imported
}

fn import_in_tx(
    db: &mut Db,
    what: What,
    input: &mut CsvInput,
    operator: &str,
    scope: Option<crate::model::UserScope>,
) -> Result<Summary> {
    let stamp = Stamp::now(operator);
    let tx = db.begin()?;
    let catalog = tx.catalog()?;
    let summary = match what {
        What::Projects => {
            let mut w = ProjectWriter { tx: &tx, catalog: &catalog, stamp: &stamp };
            pipeline::run(input, import::parse_project, |p| w.write(p))?
        }
        What::Subprojects => {
            let mut w = SubprojectWriter { tx: &tx, catalog: &catalog, stamp: &stamp };
            pipeline::run(input, import::parse_subproject, |s| w.write(s))?
        }
        What::Appropriations => {
            let mut w = AppropriationWriter { tx: &tx, catalog: &catalog, stamp: &stamp };
            pipeline::run(input, import::parse_appropriation, |a| w.write(a))?
        }
        What::Entries => {
            // A file that adds a sixteenth or more to the ledger (an entry line is rarely under
            // 128 bytes): the index by sub-project is built once at the end, not row by row.
            let large = input.total_bytes() / 128 >= u64::try_from(tx.last_entry_id()?).unwrap_or(0) / 16;
            let mut w = EntryWriter::new(&tx, &catalog, &stamp)?;
            if large {
                w = w.building_indexes_at_the_end();
            }
            if let Some(scope) = scope {
                w = w.within(scope);
            }
            let summary =
                pipeline::run_lines(input, import::parse_entry, |e, line| w.write_at(e, Some(line)))?;
            refuse_after_the_file(
                input,
                w.incomplete_vouchers().into_iter().map(|(l, p)| (l.unwrap_or(0), p)),
            )?;
            w.finish()?;
            summary
        }
        What::Types => {
            let mut w = CatalogWriter::new(&tx, false)?;
            pipeline::run(input, import::parse_type, |t| w.write_type(t))?
        }
        What::Channels => {
            let mut w = CatalogWriter::new(&tx, false)?;
            pipeline::run(input, import::parse_channel, |c| w.write_channel(c))?
        }
        What::Designations => {
            let mut w = CatalogWriter::new(&tx, false)?;
            pipeline::run(input, import::parse_designation, |d| w.write_designation(d))?
        }
        What::Counties => {
            let mut w = CatalogWriter::new(&tx, false)?;
            pipeline::run(input, import::parse_county, |c| w.write_county(c))?
        }
        What::Departments => {
            let mut w = CatalogWriter::new(&tx, false)?;
            pipeline::run(input, import::parse_department, |d| w.write_department(d))?
        }
        What::Rules => {
            let rules = tx.rules()?;
            let mut w = RuleWriter { tx: &tx, catalog: &catalog, stamp: &stamp, builtin: false, rules };
            pipeline::run(input, import::parse_rule, |r| w.write(r))?
        }
        What::Acceptances => pipeline::run(input, import::parse_acceptance, |a| {
            crate::ledger::record_acceptance_row(&tx, &catalog, a, &stamp)
        })?,
        What::Adjustments => {
            let mut w = AdjustmentWriter::new(&tx, &stamp)?;
            pipeline::run_lines(input, import::parse_adjustment, |a, line| w.write_at(a, Some(line)))?
        }
        What::Amendments => {
            let mut w = AmendmentWriter::new(&tx, &catalog, &stamp)?;
            pipeline::run_lines(input, import::parse_amendment, |a, line| w.write_at(a, Some(line)))?
        }
        What::Contracts => {
            let mut w = ContractWriter::new(&tx, &catalog, &stamp)?;
            pipeline::run_lines(input, import::parse_contract, |c, line| w.write_at(c, line))?
        }
        What::Letters => {
            let mut w = LetterWriter::new(&tx, &catalog, &stamp);
            let summary = pipeline::run_lines(input, import::parse_letter, |l, line| w.write_at(l, line))?;
            refuse_after_the_file(input, w.incomplete_letters())?;
            summary
        }
    };
    let command = format!("import {}", what.name());
    let detail = input.name.clone();
    let mut counts = format!("{} added, {} unchanged", summary.added, summary.unchanged);
    if summary.pending > 0 {
        counts.push_str(&format!(", {} pending approval", summary.pending));
    }
    tx.commit(&stamp.record(&command, &detail, &counts))?;
    Ok(summary)
}

/// The problems only the whole file shows (a voucher or a letter given again with fewer lines
/// than recorded), each at the file line that first gave it: the file is refused.
fn refuse_after_the_file(input: &CsvInput, found: impl IntoIterator<Item = (u64, Problem)>) -> Result<()> {
    let problems: Vec<Problem> =
        found.into_iter().map(|(line, p)| input.relabel(p.at(&input.name, line))).collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Rejected(problems))
    }
}
