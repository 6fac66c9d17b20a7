//! What `verify` found, as a report: the chain walked, the entries replayed, an earlier head
//! found (or not), the reopened years auditors must see, and every finding with its rule.

use crate::db::Db;
use crate::error::{Check, Problem, Result};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// No finding: every row matches its link and every balance its entries.
    pub verified: bool,
    pub links: u64,
    /// The chain's head (64 hex digits); reports print its first 16.
    pub head: String,
    pub entries: u64,
    pub lines: usize,
    /// Where an earlier head (`--head`) was found, said in a sentence.
    pub anchor: Option<String>,
    /// Reopened years, each in a sentence.
    pub notices: Vec<String>,
    pub findings: Vec<Finding>,
    /// The findings as problems, for the terminal's error list.
    #[serde(skip)]
    pub problems: Vec<Problem>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The rule's label, e.g. `审计链 audit chain`.
    pub check: &'static str,
    pub message: String,
}

/// Runs the verify engine on `db` and gathers what an auditor reads; `head` is an earlier
/// fingerprint to look for on the chain.
pub fn verification(db: &Db, head: Option<&[u8]>) -> Result<Verification> {
    let mut report = crate::verify::verify(db, head)?;
    let closed = db.closed_years()?;
    let notices: Vec<String> = db
        .reopens()?
        .into_iter()
        .map(|(year, reason, operator, at)| {
            let state = if closed.contains(&year) { "closed again since" } else { "still open" };
            format!("{year} was reopened by {operator} at {at} ({state}): {reason}")
        })
        .collect();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut anchor = None;
    if let Some(head) = head {
        match report.anchor_link {
            Some(seq) => {
                let write = db.write_of_link(seq)?;
                let when = write.map_or(String::new(), |w| format!(", write #{} ({}, {})", w.id, w.command, w.recorded_at));
                anchor = Some(format!(
                    "the chain passes through {} at link {seq}{when}: nothing recorded up to it has changed; {} links were recorded after it",
                    hex(head),
                    report.links as i64 - seq
                ));
            }
            None => report.problems.insert(
                0,
                Problem::new(
                    Check::Audit,
                    format!(
                        "no link of the audit chain has the head {}: the history it stood for was changed (or the head was copied wrong)",
                        hex(head)
                    ),
                ),
            ),
        }
    }
    let findings = report
        .problems
        .iter()
        .map(|p| Finding { check: p.check.label(), message: p.message.clone() })
        .collect();
    Ok(Verification {
        verified: report.problems.is_empty(),
        links: report.links,
        head: crate::audit::hex(&report.head),
        entries: report.entries,
        lines: report.lines,
        anchor,
        notices,
        findings,
        problems: report.problems,
    })
}
