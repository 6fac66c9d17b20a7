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
        return Err(crate::tr!(
            "'{t}' 不是审计链头：请给出报表上打印的 16 位十六进制数",
            "'{t}' is not a chain head: give the 16 hex digits a report printed"
        ));
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
        crate::outln!("{}: {n}", crate::lang::pick("提示", "notice"));
    }
    if let Some(a) = &value.anchor {
        crate::outln!("{a}");
    }
    if !value.verified {
        return Err(Error::Findings(value.problems));
    }
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let head = &value.head[..16];
    let text = match crate::lang::current() {
        crate::lang::Lang::Zh => {
            let (links, entries, lines) = (value.links, value.entries, value.lines);
            format!(
                "已核验审计链（{links} 环，链头 {head}）及 {lines} 条指标/子项目明细上的 {entries} 笔分录：每一行都与其链环相符，由分录重新推算的每个余额都相符"
            )
        }
        crate::lang::Lang::En => {
            let (links, entries, lines) = (
                count(value.links, "link", "links"),
                count(value.entries, "entry", "entries"),
                count(value.lines as u64, "line", "lines"),
            );
            format!(
                "verified the audit chain ({links}, head {head}) and {entries} over {lines}: every row matches its link, and every balance re-derived from the entries matches"
            )
        }
    };
    crate::outln!("{text}");
    Ok(0)
}
