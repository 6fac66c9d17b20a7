//! `verify`: run the verify engine (`crate::verify`) on a read-only snapshot and print what it
//! found. Each disagreement is a finding; findings exit with
//! code 3. Reopened years are reported, as auditors must see them.

use super::Ctx;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::render::{self, Format, Unit};
use crate::report::verification::verification;

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
    let value = verification(&db, args.head.as_ref().map(|h| h.0.as_slice()))?;
    let found = if value.verified { 0 } else { crate::error::exit::FLAGS };
    if ctx.format != Format::Table || ctx.out().is_some() {
        render::print_value(
            &value,
            || render::verification::doc(&value),
            ctx.options(Unit::Yuan),
            ctx.out(),
        )?;
        return Ok(found);
    }
    for n in &value.notices {
        crate::outln!("notice: {n}");
    }
    if let Some(a) = &value.anchor {
        crate::outln!("{a}");
    }
    if !value.verified {
        return Err(Error::Findings(value.problems));
    }
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    crate::outln!(
        "verified the audit chain ({}, head {}) and {} over {}: every row matches its link, and every balance re-derived from the entries matches",
        count(value.links, "link", "links"),
        &value.head[..16],
        count(value.entries, "entry", "entries"),
        count(value.lines as u64, "line", "lines"),
    );
    Ok(0)
}
