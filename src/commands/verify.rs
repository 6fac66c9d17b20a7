//! `verify`: run the verify engine (`crate::verify`) on a read-only snapshot and print what it
//! found. Each disagreement is a finding; findings exit with
//! code 3. Reopened years are reported, as auditors must see them.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::verify::verify;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A fingerprint printed earlier (on a report, by `backup` or `verify`): check that the
    /// chain still passes through it, i.e. nothing recorded before it has changed since.
    #[arg(long, value_name = "HEX", value_parser = parse_head)]
    pub head: Option<Head>,
}

/// The leading bytes of a chain head.
#[derive(Clone, Debug)]
pub struct Head(pub Vec<u8>);

/// 8 to 64 hex digits, an even count (reports print 16).
fn parse_head(text: &str) -> std::result::Result<Head, String> {
    let t = text.trim();
    if !(8..=64).contains(&t.len()) || !t.len().is_multiple_of(2) || !t.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(format!("'{t}' is not a chain head: give the 16 hex digits a report printed"));
    }
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect::<std::result::Result<_, _>>()
        .map(Head)
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let mut report = verify(&db, args.head.as_ref().map(|h| h.0.as_slice()))?;
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
    if let Some(Head(head)) = &args.head {
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
    if ctx.format == crate::render::Format::Json {
        let v = serde_json::json!({
            "verified": report.problems.is_empty(),
            "links": report.links,
            "head": crate::audit::hex(&report.head),
            "entries": report.entries,
            "lines": report.lines,
            "anchor": anchor,
            "notices": notices,
            "findings": report.problems.iter().map(|p| serde_json::json!({
                "check": p.check.label(),
                "message": p.message,
            })).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&v).map_err(|e| Error::Internal(e.to_string()))?);
        return Ok(if report.problems.is_empty() { 0 } else { crate::error::exit::FLAGS });
    }
    for n in &notices {
        crate::outln!("notice: {n}");
    }
    if let Some(a) = &anchor {
        crate::outln!("{a}");
    }
    if !report.problems.is_empty() {
        return Err(Error::Findings(report.problems));
    }
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    crate::outln!(
        "verified the audit chain ({}, head {}) and {} over {}: every row matches its link, and every balance re-derived from the entries matches",
        count(report.links, "link", "links"),
        crate::audit::short(&report.head),
        count(report.entries, "entry", "entries"),
        count(report.lines as u64, "line", "lines"),
    );
    Ok(0)
}
