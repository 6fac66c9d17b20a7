//! The versions of a sub-project or project (`history`): version 0 is its register row, and
//! each later version is the amendments of one document effective on one day, each change with
//! the value it replaced. Ordered by effective date and recording order, as the version in
//! force on a date is found.

use crate::db::Db;
use crate::error::Result;
use crate::model::{StoredProject, StoredSubproject, Subject, STANDALONE_PREFIX};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct History {
    pub subject: Subject,
    pub code: String,
    pub rows: Vec<Change>,
}

/// One field of one version: version 0 gives the register's value (`from` empty).
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub version: usize,
    #[serde(serialize_with = "super::ser::opt_date")]
    pub effective: Option<NaiveDate>,
    pub field: String,
    pub from: String,
    pub to: String,
    pub doc: String,
    pub reason: String,
    pub operator: String,
    pub recorded_at: String,
}

impl serde::Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// The register's fields of a sub-project, as amendments name them.
fn subproject_fields(s: &StoredSubproject) -> Vec<(String, String, String)> {
    let mut fields = vec![
        ("status".to_string(), s.status.code().to_string(), s.letter.clone()),
        ("quantity".to_string(), s.quantity.clone(), s.letter.clone()),
        ("unit".to_string(), s.unit.clone(), s.letter.clone()),
        ("investment".to_string(), s.investment.to_string(), s.letter.clone()),
    ];
    if let Some(amount) = s.standalone {
        fields.push(("standalone".to_string(), amount.to_string(), s.standalone_doc.clone()));
    }
    fields
}

/// The register's fields of a project, as amendments name them.
fn project_fields(p: &StoredProject) -> Vec<(String, String, String)> {
    let flagship = if p.row.flagship { "yes" } else { "no" };
    vec![
        ("flagship".to_string(), flagship.to_string(), String::new()),
        ("mode".to_string(), p.row.mode.code().to_string(), String::new()),
        ("implementing_body".to_string(), p.row.implementing_body.clone(), String::new()),
    ]
}

/// The history of `code` (a recorded sub-project or project), or `None` when it is not
/// recorded.
pub fn history(db: &Db, subject: Subject, code: &str) -> Result<Option<History>> {
    let register = match subject {
        Subject::Subproject => {
            db.subprojects()?.iter().find(|s| s.code.as_str() == code).map(subproject_fields)
        }
        Subject::Project => db.projects()?.iter().find(|p| p.row.code.as_str() == code).map(project_fields),
    };
    let Some(register) = register else { return Ok(None) };
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    let mut rows = Vec::new();
    for (field, value, doc) in register {
        current.insert(field.clone(), value.clone());
        let row = Change {
            version: 0,
            effective: None,
            field,
            from: String::new(),
            to: value,
            doc,
            reason: String::new(),
            operator: String::new(),
            recorded_at: String::new(),
        };
        rows.push(row);
    }
    let mut version = 0;
    let mut last: Option<(NaiveDate, String)> = None;
    for a in db.amendments_of(subject, code)? {
        let key = (a.effective, a.document.clone());
        if last.as_ref() != Some(&key) {
            version += 1;
            last = Some(key);
        }
        // A per-channel approval replaces the register's channelless one only on its channel.
        let from = current.get(&a.field).cloned().unwrap_or_default();
        current.insert(a.field.clone(), a.value.clone());
        debug_assert!(!a.field.starts_with(STANDALONE_PREFIX) || a.field.len() > STANDALONE_PREFIX.len());
        rows.push(Change {
            version,
            effective: Some(a.effective),
            field: a.field,
            from,
            to: a.value,
            doc: a.document,
            reason: a.reason,
            operator: a.operator,
            recorded_at: a.recorded_at,
        });
    }
    Ok(Some(History { subject, code: code.to_string(), rows }))
}
