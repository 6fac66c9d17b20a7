//! What the generator picks from: the built-in catalogue (loaded by the same loader `init`
//! uses) joined with the illustrative city of `city` — each county's towns, each type's
//! sizes and weight, each channel's budget levels.

use super::city::{
    Funding, Geography, Profile, DEFAULT_FUNDING, DEFAULT_PROFILE, FUNDING, GEOGRAPHY, PROFILES,
};
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::load_builtin_catalog;
use crate::model::Mode;

/// A county of the catalogue with its geography.
pub(super) struct Place {
    pub(super) name: String,
    pub(super) code: String,
    pub(super) geo: &'static Geography,
}

/// A sub-project type of the catalogue, with the channels that may pay it (R2).
pub(super) struct TypeInfo {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) department: String,
    pub(super) department_name: String,
    pub(super) modes: [bool; 3],
    pub(super) channels: Vec<usize>,
    pub(super) profile: &'static Profile,
}

pub(super) struct ChannelInfo {
    pub(super) name: String,
    pub(super) funding: &'static Funding,
}

/// What the generator needs of the catalogue.
pub(super) struct World {
    pub(super) places: Vec<Place>,
    pub(super) types: Vec<TypeInfo>,
    pub(super) channels: Vec<ChannelInfo>,
}

/// The built-in catalogue (Annexes 1 and 3) exactly as a fresh ledger holds it: `init`'s own
/// loader writes it into an in-memory database, which is read back and dropped unsaved.
pub(super) fn builtin_catalog() -> Result<Catalog> {
    let mut db = Db::in_memory()?;
    let tx = db.begin()?;
    load_builtin_catalog(&tx)?;
    Ok(std::sync::Arc::unwrap_or_clone(tx.catalog()?))
}

impl World {
    pub(super) fn new(catalog: &Catalog) -> Result<World> {
        let mut places = Vec::new();
        for c in &catalog.counties {
            let geo = GEOGRAPHY.iter().find(|g| g.county == c.code).ok_or_else(|| {
                Error::Internal(format!("gen has no towns for county {} ({})", c.name, c.code))
            })?;
            places.push(Place { name: c.name.clone(), code: c.code.clone(), geo });
        }
        let channels: Vec<ChannelInfo> = catalog
            .channels
            .iter()
            .map(|c| ChannelInfo {
                name: c.name.clone(),
                funding: FUNDING.iter().find(|f| f.channel == c.code).unwrap_or(&DEFAULT_FUNDING),
            })
            .collect();
        let types = catalog
            .types
            .iter()
            .map(|t| TypeInfo {
                code: t.code.clone(),
                name: t.name.clone(),
                department: t.department.clone(),
                department_name: catalog
                    .department(&t.department)
                    .map_or_else(|| t.department.clone(), |d| d.name.clone()),
                modes: [t.agri, t.land, t.people],
                channels: (0..catalog.channels.len())
                    .filter(|&i| catalog.designates(&catalog.channels[i].code, &t.code))
                    .collect(),
                profile: PROFILES.iter().find(|p| p.type_code == t.code).unwrap_or(&DEFAULT_PROFILE),
            })
            .collect();
        Ok(World { places, types, channels })
    }

    pub(super) fn type_index(&self, code: &str) -> Option<usize> {
        self.types.iter().position(|t| t.code == code)
    }
}

pub(super) fn mode_index(mode: Mode) -> usize {
    match mode {
        Mode::Agri => 0,
        Mode::Land => 1,
        Mode::People => 2,
    }
}
