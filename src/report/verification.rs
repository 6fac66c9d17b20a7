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
            let state = match closed.contains(&year) {
                true => crate::lang::pick("此后已再次结账", "closed again since"),
                false => crate::lang::pick("仍未结账", "still open"),
            };
            crate::tr!(
                "{year} 年由 {operator} 于 {at} 重新开账（{state}）：{reason}",
                "{year} was reopened by {operator} at {at} ({state}): {reason}"
            )
        })
        .collect();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut anchor = None;
    if let Some(head) = head {
        match report.anchor_link {
            Some(seq) => {
                let write = db.write_of_link(seq)?;
                let when = write.map_or(String::new(), |w| {
                    let (id, command, at) = (w.id, &w.command, &w.recorded_at);
                    crate::tr!("，第 {id} 次写入（{command}，{at}）", ", write #{id} ({command}, {at})")
                });
                let (head, after) = (hex(head), report.links as i64 - seq);
                anchor = Some(crate::tr!(
                    "审计链经过 {head}，在第 {seq} 环{when}：此前记录的内容都没有改变；其后又记录了 {after} 环",
                    "the chain passes through {head} at link {seq}{when}: nothing recorded up to it has changed; {after} links were recorded after it"
                ));
            }
            None => report.problems.insert(
                0,
                Problem::new(
                    Check::Audit,
                    {
                        let head = hex(head);
                        crate::tr!(
                            "审计链中没有链头为 {head} 的环：它所代表的历史被改动过（或链头抄错了）",
                            "no link of the audit chain has the head {head}: the history it stood for was changed (or the head was copied wrong)"
                        )
                    },
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
