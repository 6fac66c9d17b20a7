//! The enforced rules R1–R7 (DOMAIN.md §3) as named, pure checks.
//!
//! Each check takes already-resolved values and returns the `Problem` a clerk sees when the
//! rule is broken. The ledger (`ledger.rs`) runs them before every write; the schema checks
//! the same invariants again inside SQLite, and `verify` re-runs them over stored rows. These
//! functions never touch the database.

use crate::catalog::{Catalog, SubprojectType};
use crate::db::{StoredAppropriation, StoredSubproject};
use crate::error::{Check, Problem};
use crate::model::{Kind, LineBalance, Mode, Status};
use crate::money::Fen;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeSet;

/// R1: an appropriation line serves the county it was issued to; its money never pays a
/// sub-project of another county.
pub fn same_county(a: &StoredAppropriation, s: &StoredSubproject) -> Result<(), Problem> {
    if a.county == s.county {
        return Ok(());
    }
    Err(Problem::new(
        Check::R1,
        format!(
            "appropriation {} was issued to {}, but sub-project {} is in {}; money stays in the county it was issued to",
            a.code, a.county, s.code, s.county
        ),
    ))
}

/// R1: the channel a clerk wrote on an entry must be the appropriation's own.
pub fn channel_matches(catalog: &Catalog, a: &StoredAppropriation, written: &str) -> Result<(), Problem> {
    match catalog.channel(written) {
        None => Err(Problem::new(Check::Unknown, format!("'{written}' is not a known fund channel"))
            .column("channel")),
        Some(c) if c.code == a.channel => Ok(()),
        Some(c) => Err(Problem::new(
            Check::R1,
            format!(
                "appropriation {} belongs to channel {}, not {}; an amount belongs to exactly one channel",
                a.code,
                channel_label(catalog, &a.channel),
                c.name
            ),
        )
        .column("channel")),
    }
}

/// R2: a channel pays only the sub-project types Annex 3 (or a user rule) designates.
pub fn designated_use(
    catalog: &Catalog,
    a: &StoredAppropriation,
    s: &StoredSubproject,
) -> Result<(), Problem> {
    if catalog.designates(&a.channel, &s.type_code) {
        return Ok(());
    }
    let allowed: Vec<String> = catalog.types_for_channel(&a.channel).iter().map(|t| t.name.clone()).collect();
    let allowed = if allowed.is_empty() { "no type".to_string() } else { allowed.join("、") };
    Err(Problem::new(
        Check::R2,
        format!(
            "channel {} (appropriation {}) may not pay sub-project {} of type {}; it pays only: {}",
            channel_label(catalog, &a.channel),
            a.code,
            s.code,
            type_label(catalog, &s.type_code),
            allowed
        ),
    ))
}

/// R2: an excluded (不开展) sub-project receives nothing.
pub fn not_excluded(s: &StoredSubproject) -> Result<(), Problem> {
    if s.status != Status::Excluded {
        return Ok(());
    }
    Err(Problem::new(
        Check::R2,
        format!("sub-project {} is confirmed as excluded (不开展) and receives nothing", s.code),
    ))
}

/// R3: an entry cannot move money before the appropriation was issued.
pub fn after_issue(a: &StoredAppropriation, date: NaiveDate) -> Result<(), Problem> {
    if date >= a.issued_on {
        return Ok(());
    }
    Err(Problem::new(
        Check::Format,
        format!(
            "dated {date}, before appropriation {} was issued on {}; money cannot move before it arrives",
            a.code, a.issued_on
        ),
    )
    .column("date"))
}

/// R3: the movement `kind` of `amount` (`sign` −1 when reversing it) keeps every balance of
/// the line and of its appropriation non-negative.
pub fn no_overdraw(
    kind: Kind,
    sign: i64,
    amount: Fen,
    line: &LineBalance,
    available: Fen,
    appropriation: &str,
    subproject: &str,
) -> Result<(), Problem> {
    // Which pool the money leaves: the appropriation, the undisbursed or the held balance.
    let (pool, have) = match (kind, sign) {
        (Kind::Allocate, 1) | (Kind::Withdraw, -1) | (Kind::Return, -1) => {
            ("available on the appropriation", available)
        }
        (Kind::Disburse, 1) | (Kind::Withdraw, 1) | (Kind::Allocate, -1) => {
            ("allocated and not yet disbursed", line.undisbursed())
        }
        (Kind::Pay, 1) | (Kind::Return, 1) | (Kind::Disburse, -1) => {
            ("disbursed and not yet paid", line.held())
        }
        (Kind::Pay, -1) => return Ok(()),
        _ => unreachable!("kind {kind} with sign {sign} is never applied"),
    };
    if amount <= have {
        return Ok(());
    }
    let doing = if sign < 0 { format!("reversing this {kind}") } else { kind.to_string() };
    Err(Problem::new(
        Check::R3,
        format!(
            "{doing} of {amount} on appropriation {appropriation} / sub-project {subproject} exceeds the {have} {pool}"
        ),
    )
    .column("amount"))
}

/// The checks every movement of money must pass — before it is recorded (`ledger.rs`) and
/// again over stored rows (`verify`): R1 county, R2 designated use and exclusion, the issue
/// date, and R3 for the pool the money leaves (`available` on the appropriation).
#[allow(clippy::too_many_arguments)]
pub fn movement(
    catalog: &Catalog,
    a: &StoredAppropriation,
    s: &StoredSubproject,
    date: NaiveDate,
    kind: Kind,
    sign: i64,
    amount: Fen,
    line: &LineBalance,
    available: Fen,
) -> Vec<Problem> {
    [
        after_issue(a, date),
        same_county(a, s),
        designated_use(catalog, a, s),
        not_excluded(s),
        no_overdraw(kind, sign, amount, line, available, &a.code, &s.code),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect()
}

/// R5: no entry dated in a closed year.
pub fn open_period(closed: &BTreeSet<i32>, date: NaiveDate) -> Result<(), Problem> {
    if !closed.contains(&date.year()) {
        return Ok(());
    }
    Err(Problem::new(
        Check::R5,
        format!("{} is closed; no entry dated {date} is accepted (date it in an open year)", date.year()),
    )
    .column("date"))
}

/// R7: a sub-project's type must be ticked (Annex 1) for its project's declared mode.
pub fn mode_admits(mode: Mode, t: &SubprojectType, project: &str) -> Result<(), Problem> {
    if mode.admits(t.ticks()) {
        return Ok(());
    }
    Err(Problem::new(
        Check::R7,
        format!(
            "type {} is not admissible in project {}'s {}-mode ({}) integration; Annex 1 ticks it for {} only",
            t.name,
            project,
            mode,
            mode.zh(),
            t.modes_zh()
        ),
    )
    .column("type"))
}

fn channel_label(catalog: &Catalog, code: &str) -> String {
    catalog.channel(code).map_or_else(|| code.to_string(), |c| c.name.clone())
}

fn type_label(catalog: &Catalog, code: &str) -> String {
    catalog.subproject_type(code).map_or_else(|| code.to_string(), |t| t.name.clone())
}
