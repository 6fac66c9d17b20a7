//! The reference catalogue: departments, counties, sub-project types (Annex 1), fund channels
//! and their designated types (Annex 3).
//!
//! The built-in catalogue ships as CSV under `fixtures/catalog/`, embedded in the binary and
//! loaded at `init`; users extend it with `import types|channels|designations|counties`. This
//! module holds the in-memory form and resolves a reference written by a clerk (the ASCII code
//! or the Chinese name) to its code. It never reads files or the database itself.

use crate::model::{Mode, ModeTicks};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The built-in catalogue CSVs, embedded so `init` works anywhere.
pub mod builtin {
    pub const DEPARTMENTS: &str = include_str!("../fixtures/catalog/departments.csv");
    pub const COUNTIES: &str = include_str!("../fixtures/catalog/counties.csv");
    pub const TYPES: &str = include_str!("../fixtures/catalog/types.csv");
    pub const CHANNELS: &str = include_str!("../fixtures/catalog/channels.csv");
    pub const DESIGNATIONS: &str = include_str!("../fixtures/catalog/designations.csv");
    pub const RULES: &str = include_str!("../fixtures/rules/rules.csv");
}

#[derive(Clone, Debug, Serialize)]
pub struct Department {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct County {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

/// A sub-project type (Annex 1 row), with its department and mode ticks.
#[derive(Clone, Debug, Serialize)]
pub struct SubprojectType {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub department: String,
    pub agri: bool,
    pub land: bool,
    pub people: bool,
    pub co_lead: Option<String>,
    /// `listed` (Annex 3 names a channel), `none` (暂无), `absent` (no row), `user` (added).
    pub annex3: String,
    pub note: String,
}

impl SubprojectType {
    pub fn ticks(&self) -> ModeTicks {
        ModeTicks { agri: self.agri, land: self.land, people: self.people }
    }

    /// The modes this type is admissible under, as 农/地/人 text.
    pub fn modes_zh(&self) -> String {
        Mode::ALL.iter().filter(|m| m.admits(self.ticks())).map(|m| m.zh()).collect::<Vec<_>>().join("/")
    }
}

/// A fund channel (补助资金类别) with its policy owner and policy basis.
#[derive(Clone, Debug, Serialize)]
pub struct Channel {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub policy_owner: String,
    pub basis: String,
}

/// One Annex-3 designation: `channel` may pay sub-projects of `type`.
#[derive(Clone, Debug, Serialize)]
pub struct Designation {
    pub channel: String,
    #[serde(rename = "type")]
    pub type_code: String,
    pub note: String,
    pub basis: String,
}

/// The whole catalogue, in catalogue order.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub departments: Vec<Department>,
    pub counties: Vec<County>,
    pub types: Vec<SubprojectType>,
    pub channels: Vec<Channel>,
    pub designations: Vec<Designation>,
    /// The designations as channel → the types it may pay (looked up without allocating).
    designated: HashMap<String, HashSet<String>>,
    /// Each type's designated channels, as positions in `channels` (catalogue order).
    channels_of_type: HashMap<String, Vec<usize>>,
    index: HashMap<(Table, String), usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Table {
    Department,
    County,
    Type,
    Channel,
}

impl Catalog {
    pub fn new(
        departments: Vec<Department>,
        counties: Vec<County>,
        types: Vec<SubprojectType>,
        channels: Vec<Channel>,
        designations: Vec<Designation>,
    ) -> Catalog {
        let mut index = HashMap::new();
        let mut add = |table: Table, code: &str, name: &str, i: usize| {
            index.insert((table, code.to_string()), i);
            index.insert((table, name.to_string()), i);
        };
        for (i, d) in departments.iter().enumerate() {
            add(Table::Department, &d.code, &d.name, i);
        }
        for (i, c) in counties.iter().enumerate() {
            add(Table::County, &c.code, &c.name, i);
        }
        for (i, t) in types.iter().enumerate() {
            add(Table::Type, &t.code, &t.name, i);
        }
        for (i, c) in channels.iter().enumerate() {
            add(Table::Channel, &c.code, &c.name, i);
        }
        let mut designated: HashMap<String, HashSet<String>> = HashMap::new();
        for d in &designations {
            designated.entry(d.channel.clone()).or_default().insert(d.type_code.clone());
        }
        let mut channels_of_type: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in channels.iter().enumerate() {
            for t in designated.get(&c.code).into_iter().flatten() {
                channels_of_type.entry(t.clone()).or_default().push(i);
            }
        }
        Catalog { departments, counties, types, channels, designations, designated, channels_of_type, index }
    }

    fn find(&self, table: Table, reference: &str) -> Option<usize> {
        let r = reference.trim();
        self.index
            .get(&(table, r.to_string()))
            .or_else(|| self.index.get(&(table, normalise_quotes(r))))
            .copied()
    }

    pub fn department(&self, reference: &str) -> Option<&Department> {
        self.find(Table::Department, reference).map(|i| &self.departments[i])
    }

    pub fn county(&self, reference: &str) -> Option<&County> {
        self.find(Table::County, reference).map(|i| &self.counties[i])
    }

    pub fn subproject_type(&self, reference: &str) -> Option<&SubprojectType> {
        self.find(Table::Type, reference).map(|i| &self.types[i])
    }

    pub fn channel(&self, reference: &str) -> Option<&Channel> {
        self.find(Table::Channel, reference).map(|i| &self.channels[i])
    }

    /// R2: whether `channel` is designated to pay sub-projects of `type_code`.
    pub fn designates(&self, channel: &str, type_code: &str) -> bool {
        self.designated.get(channel).is_some_and(|types| types.contains(type_code))
    }

    /// The channels designated for a type, in catalogue order.
    /// How many channels `channels_for_type` gives (without making the list).
    pub fn channel_count_for_type(&self, type_code: &str) -> usize {
        self.channels_of_type.get(type_code).map_or(0, Vec::len)
    }

    pub fn channels_for_type(&self, type_code: &str) -> Vec<&Channel> {
        let positions = self.channels_of_type.get(type_code).map_or(&[][..], Vec::as_slice);
        positions.iter().filter_map(|&i| self.channels.get(i)).collect()
    }

    /// The types a channel may pay, in catalogue order.
    pub fn types_for_channel(&self, channel: &str) -> Vec<&SubprojectType> {
        self.types.iter().filter(|t| self.designates(channel, &t.code)).collect()
    }

    /// A short list of valid references for an error message.
    pub fn county_names(&self) -> String {
        self.counties.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// Clerks type the policy's Chinese quotes “ ” as ASCII `"` or full-width ＂; the canonical
/// names use “ ”. Rewrites straight quotes to alternating “ and ” so both spellings resolve.
fn normalise_quotes(text: &str) -> String {
    let mut open = true;
    text.chars()
        .map(|c| match c {
            '"' | '＂' => {
                let q = if open { '“' } else { '”' };
                open = !open;
                q
            }
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::normalise_quotes;

    #[test]
    fn straight_quotes_resolve_to_the_policy_quotes() {
        assert_eq!(normalise_quotes("\"四好农村路\"建设"), "“四好农村路”建设");
        assert_eq!(normalise_quotes("耕地\"非农化\"\"非粮化\"整治"), "耕地“非农化”“非粮化”整治");
    }
}
