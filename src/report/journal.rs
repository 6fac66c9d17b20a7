//! The write journal as a report: every write that recorded something, with who ran it, when,
//! what it recorded and the audit-chain links it appended (the last one is the journal row
//! itself). Text from outside (file names, reasons) is held escaped, so no format can show a
//! control character.

use crate::error::escaped;
use crate::model::StoredWrite;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Journal {
    pub writes: Vec<JournalWrite>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JournalWrite {
    pub write: i64,
    pub recorded_at: String,
    pub operator: String,
    pub command: String,
    pub detail: String,
    pub summary: String,
    pub reason: String,
    /// The first and last audit-chain links the write appended, both included.
    pub first_link: i64,
    pub last_link: i64,
}

pub fn journal(writes: &[StoredWrite]) -> Journal {
    let text = |t: &str| escaped(t).into_owned();
    let writes = writes
        .iter()
        .map(|w| JournalWrite {
            write: w.id,
            recorded_at: text(&w.recorded_at),
            operator: text(&w.operator),
            command: text(&w.command),
            detail: text(&w.detail),
            summary: text(&w.summary),
            reason: text(&w.reason),
            first_link: w.first_link,
            // The journal row's own link follows the rows it recorded.
            last_link: w.last_link + 1,
        })
        .collect();
    Journal { writes }
}
