//! The reference data as `catalog` lists it: departments, counties, sub-project types,
//! channels, designations and subsidy rules, with codes resolved to names beside the codes.

use crate::catalog::{Catalog, County, Department};
use crate::subsidy::Rule;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct DepartmentRow {
    pub department: String,
    pub name: String,
    pub name_en: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CountyRow {
    pub county: String,
    pub name: String,
    pub name_en: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TypeRow {
    #[serde(rename = "type")]
    pub type_code: String,
    pub name: String,
    /// The lead department's name.
    pub department: String,
    /// Admissible under 农, 地, 人 (Annex 1).
    pub agri: bool,
    pub land: bool,
    pub people: bool,
    /// The names of the channels that pay it (none when Annex 3 names none: see `annex3`).
    pub channels: Vec<String>,
    pub note: String,
    pub department_code: String,
    /// What Annex 3 says: `listed`, `none` (暂无), `absent`, `user`.
    pub annex3: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChannelRow {
    pub channel: String,
    pub name: String,
    /// The policy owner's name.
    pub policy_owner: String,
    /// The names of the types it pays.
    pub types: Vec<String>,
    /// Every policy document behind the channel (the Annex-3 rows' together).
    pub basis: String,
    pub policy_owner_code: String,
    /// Each designated type with the basis of its own Annex-3 row: a document supporting one
    /// row (历史文化传统村落保护利用's) is not the basis of the channel's other types.
    pub designations: Vec<TypeBasis>,
}

/// A channel's designated type and the policy basis of that Annex-3 row.
#[derive(Clone, Debug, Serialize)]
pub struct TypeBasis {
    /// The type's name.
    #[serde(rename = "type")]
    pub type_name: String,
    pub type_code: String,
    pub basis: String,
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct DesignationRow {
    /// The channel's name.
    pub channel: String,
    /// The type's name.
    #[serde(rename = "type")]
    pub type_name: String,
    pub note: String,
    pub basis: String,
    pub channel_code: String,
    pub type_code: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleRow {
    pub rule: i64,
    /// The channel's name.
    pub channel: String,
    /// The type's name; `null` when the rule applies to every type the channel pays.
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub shape: &'static str,
    pub terms: String,
    #[serde(serialize_with = "super::ser::date")]
    pub valid_from: NaiveDate,
    #[serde(serialize_with = "super::ser::date")]
    pub valid_to: NaiveDate,
    pub source_doc: String,
    /// The figure is illustrative, not official.
    pub sample: bool,
    pub channel_code: String,
    pub type_code: Option<String>,
}

/// One `catalog` listing; JSON gives its rows under `rows`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Listing {
    Departments { rows: Vec<DepartmentRow> },
    Counties { rows: Vec<CountyRow> },
    Types { rows: Vec<TypeRow> },
    Channels { rows: Vec<ChannelRow> },
    Designations { rows: Vec<DesignationRow> },
    Rules { rows: Vec<RuleRow> },
}

fn dept_name(catalog: &Catalog, code: &str) -> String {
    catalog.department(code).map_or(code.to_string(), |d| d.name.clone())
}

fn channel_name(catalog: &Catalog, code: &str) -> String {
    catalog.channel(code).map_or(code.to_string(), |x| x.name.clone())
}

fn type_name(catalog: &Catalog, code: &str) -> String {
    catalog.subproject_type(code).map_or(code.to_string(), |x| x.name.clone())
}

pub fn departments(catalog: &Catalog) -> Listing {
    let row = |d: &Department| DepartmentRow {
        department: d.code.clone(),
        name: d.name.clone(),
        name_en: d.name_en.clone(),
    };
    Listing::Departments { rows: catalog.departments.iter().map(row).collect() }
}

pub fn counties(catalog: &Catalog) -> Listing {
    let row =
        |d: &County| CountyRow { county: d.code.clone(), name: d.name.clone(), name_en: d.name_en.clone() };
    Listing::Counties { rows: catalog.counties.iter().map(row).collect() }
}

pub fn types(catalog: &Catalog) -> Listing {
    let rows = catalog
        .types
        .iter()
        .map(|t| TypeRow {
            type_code: t.code.clone(),
            name: t.name.clone(),
            department: dept_name(catalog, &t.department),
            agri: t.agri,
            land: t.land,
            people: t.people,
            channels: catalog.channels_for_type(&t.code).iter().map(|ch| ch.name.clone()).collect(),
            note: t.note.clone(),
            department_code: t.department.clone(),
            annex3: t.annex3.clone(),
        })
        .collect();
    Listing::Types { rows }
}

pub fn channels(catalog: &Catalog) -> Listing {
    let rows = catalog
        .channels
        .iter()
        .map(|ch| ChannelRow {
            channel: ch.code.clone(),
            name: ch.name.clone(),
            policy_owner: dept_name(catalog, &ch.policy_owner),
            types: catalog.types_for_channel(&ch.code).iter().map(|t| t.name.clone()).collect(),
            basis: ch.basis.clone(),
            policy_owner_code: ch.policy_owner.clone(),
            designations: catalog
                .designations
                .iter()
                .filter(|d| d.channel == ch.code)
                .map(|d| TypeBasis {
                    type_name: type_name(catalog, &d.type_code),
                    type_code: d.type_code.clone(),
                    basis: if d.basis.is_empty() { ch.basis.clone() } else { d.basis.clone() },
                    note: d.note.clone(),
                })
                .collect(),
        })
        .collect();
    Listing::Channels { rows }
}

pub fn designations(catalog: &Catalog) -> Listing {
    let rows = catalog
        .designations
        .iter()
        .map(|d| DesignationRow {
            channel: channel_name(catalog, &d.channel),
            type_name: type_name(catalog, &d.type_code),
            note: d.note.clone(),
            basis: d.basis.clone(),
            channel_code: d.channel.clone(),
            type_code: d.type_code.clone(),
        })
        .collect();
    Listing::Designations { rows }
}

pub fn rules(catalog: &Catalog, rules: &[Rule]) -> Listing {
    let rows = rules
        .iter()
        .map(|r| RuleRow {
            rule: r.id,
            channel: channel_name(catalog, &r.channel),
            type_name: r.type_code.as_deref().map(|t| type_name(catalog, t)),
            shape: r.shape.code(),
            terms: r.shape.describe(),
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            source_doc: r.source_doc.clone(),
            sample: r.sample,
            channel_code: r.channel.clone(),
            type_code: r.type_code.clone(),
        })
        .collect();
    Listing::Rules { rows }
}
