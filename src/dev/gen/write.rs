//! The register's CSV files (projects, sub-projects, appropriations) with the importer's
//! English headers, and the file handling every writer shares: a new file only, never a
//! replaced one, recorded so that a failed run can remove it.

use super::calendar::date;
use super::funding::Appropriation;
use super::register::{Project, Subproject};
use super::world::World;
use crate::error::{Error, Result};
use crate::money::Fen;
use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

pub(super) const PROJECT_HEADER: [&str; 10] = [
    "project",
    "name",
    "county",
    "scope",
    "towns",
    "villages",
    "implementing_body",
    "mode",
    "approved_on",
    "flagship",
];
pub(super) const SUBPROJECT_HEADER: [&str; 10] = [
    "subproject",
    "project",
    "type",
    "status",
    "quantity",
    "unit",
    "investment",
    "letter",
    "standalone_amount",
    "standalone_doc",
];
pub(super) const APPROPRIATION_HEADER: [&str; 7] =
    ["appropriation", "doc_no", "channel", "level", "county", "issued_on", "amount"];
pub(super) const ENTRY_HEADER: [&str; 8] =
    ["voucher", "date", "kind", "appropriation", "subproject", "amount", "reverses", "memo"];

pub(super) type CsvOut = csv::Writer<BufWriter<File>>;

pub(super) fn write_failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("cannot write {}: {e}", crate::error::shown_path(path)))
}

/// Creates a new file (never replacing one) for CSV with `header`; records it in `created`
/// so that a failed run can remove what it wrote.
pub(super) fn create_csv(path: &Path, header: &[&str], created: &mut Vec<PathBuf>) -> Result<CsvOut> {
    let file =
        OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| write_failed(path, e))?;
    created.push(path.to_path_buf());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 20, file));
    w.write_record(header).map_err(|e| write_failed(path, e))?;
    Ok(w)
}

pub(super) fn finish_csv(path: &Path, mut w: CsvOut) -> Result<()> {
    w.flush().map_err(|e| write_failed(path, e))?;
    let inner = w.into_inner().map_err(|e| write_failed(path, e.error()))?;
    inner
        .into_inner()
        .map_err(|e| write_failed(path, e.error()))?
        .sync_all()
        .map_err(|e| write_failed(path, e))
}

pub(super) fn write_projects(
    path: &Path,
    world: &World,
    projects: &[Project],
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut w = create_csv(path, &PROJECT_HEADER, created)?;
    for p in projects {
        let approved = date(p.approved).to_string();
        w.write_record([
            p.code.as_str(),
            &p.name,
            &world.places[p.place].name,
            p.scope.code(),
            &p.towns.join(";"),
            &p.villages.join(";"),
            &p.body,
            p.mode.code(),
            &approved,
            if p.flagship { "yes" } else { "no" },
        ])
        .map_err(|e| write_failed(path, e))?;
    }
    finish_csv(path, w)
}

pub(super) fn write_subprojects(
    path: &Path,
    world: &World,
    projects: &[Project],
    subs: &[Subproject],
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut w = create_csv(path, &SUBPROJECT_HEADER, created)?;
    for s in subs {
        let ty = &world.types[s.type_index];
        let investment = Fen::from(s.investment).to_string();
        let (standalone, doc) = match &s.standalone {
            Some((amount, doc)) => (Fen::from(*amount).to_string(), doc.as_str()),
            None => (String::new(), ""),
        };
        w.write_record([
            s.code.as_str(),
            &projects[s.project].code,
            &ty.name,
            s.status.code(),
            &s.quantity,
            ty.profile.unit,
            &investment,
            &s.letter,
            &standalone,
            doc,
        ])
        .map_err(|e| write_failed(path, e))?;
    }
    finish_csv(path, w)
}

pub(super) fn write_appropriations(
    path: &Path,
    world: &World,
    apprs: &[Appropriation],
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut w = create_csv(path, &APPROPRIATION_HEADER, created)?;
    for a in apprs {
        let issued = date(a.issued).to_string();
        let amount = Fen::from(a.amount).to_string();
        w.write_record([
            a.code.as_str(),
            &a.doc_no,
            &world.channels[a.channel].name,
            a.level.code(),
            &world.places[a.place].name,
            &issued,
            &amount,
        ])
        .map_err(|e| write_failed(path, e))?;
    }
    finish_csv(path, w)
}
