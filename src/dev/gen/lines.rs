//! Lines: each claim becomes an appropriation × sub-project line with a window of dates and
//! a budget of entries; the budgets add up to exactly the entries asked for.

use super::calendar::{date, last_day, weekday_from};
use super::funding::{Appropriation, Claim};
use super::plan::{plan, Memo, Planned, Posted};
use super::register::{Project, Subproject};
use super::rng::SplitMix64;
use super::{ENTRIES_PER_LINE, YUAN};
use crate::error::{Error, Result};
use crate::model::{Kind, LineBalance};
use chrono::Datelike;
use std::collections::BTreeMap;

/// An appropriation × sub-project line: its balances, its budget of entries and dates, and
/// what it posts next.
pub(super) struct Line {
    pub(super) appropriation: usize,
    pub(super) subproject: usize,
    pub(super) balance: LineBalance,
    /// What the line is meant to receive, in fen; allocations are drawn from it.
    pub(super) target: i64,
    pub(super) start: i32,
    pub(super) end: i32,
    /// Entries still to write, the planned one included.
    pub(super) remaining: u32,
    pub(super) next: Planned,
    /// The line's latest entry, while it is neither a reversal nor reversed.
    pub(super) reversible: Option<Posted>,
    /// After a reversal for a wrong amount, the corrected entry to post.
    pub(super) repost: Option<(Kind, i64)>,
    pub(super) tranches: u8,
}

/// Turns claims into lines: each claim takes one of its (county, channel, year)
/// appropriations; its dates open after the issue and the approval, for half a year to three.
pub(super) fn make_lines(
    rng: &mut SplitMix64,
    projects: &[Project],
    subs: &[Subproject],
    claims: &[Claim],
    apprs: &[Appropriation],
) -> Vec<Line> {
    let mut by_key: BTreeMap<(usize, usize, i32), Vec<usize>> = BTreeMap::new();
    for (i, a) in apprs.iter().enumerate() {
        by_key.entry((a.place, a.channel, date(a.issued).year())).or_default().push(i);
    }
    let mut claims_of = vec![0i64; subs.len()];
    for c in claims {
        claims_of[c.subproject] += 1;
    }
    // What each sub-project should receive in all: its approved standalone subsidy, else 30–60%
    // of its planned investment.
    let receivable: Vec<i64> = subs
        .iter()
        .map(|s| match &s.standalone {
            Some((amount, _)) => *amount,
            None => s.investment * rng.range(30, 60) / 100,
        })
        .collect();
    let mut lines = Vec::with_capacity(claims.len());
    for c in claims {
        let appropriation = rng.pick(&by_key[&(c.place, c.channel, c.year)]);
        let approved = projects[subs[c.subproject].project].approved;
        let start = weekday_from(apprs[appropriation].issued.max(approved + 1));
        let end = (start + rng.range(180, 1095) as i32).min(last_day());
        assert!(start <= last_day(), "approvals and issues end in early December of the last year");
        let share = receivable[c.subproject] / claims_of[c.subproject];
        let mut line = Line {
            appropriation,
            subproject: c.subproject,
            balance: LineBalance::default(),
            target: (share / (1000 * YUAN) * (1000 * YUAN)).max(10_000 * YUAN),
            start,
            end,
            remaining: 0,
            next: Planned {
                kind: Kind::Allocate,
                amount: 0,
                reverses: None,
                memo: Memo::FirstAllocation,
                within_days: 0,
            },
            reversible: None,
            repost: None,
            tranches: 0,
        };
        // An empty line can only be allocated to; the first allocation comes within a month.
        line.next = Planned { within_days: 30, ..plan(rng, &mut line) };
        lines.push(line);
    }
    lines
}

/// Shares `entries` among the lines, in proportion to their windows: all lines when there are
/// entries enough for `ENTRIES_PER_LINE` each, else a random subset of that many lines.
pub(super) fn assign_budgets(rng: &mut SplitMix64, lines: &mut [Line], entries: u64) -> Result<()> {
    if entries == 0 {
        return Ok(());
    }
    if lines.is_empty() {
        return Err(Error::Internal("no sub-project of the generated register can be funded".into()));
    }
    let n = lines.len() as u64;
    let active = if entries >= ENTRIES_PER_LINE * n { n } else { entries.div_ceil(ENTRIES_PER_LINE) };
    let mut order: Vec<usize> = (0..lines.len()).collect();
    for i in 0..active as usize {
        let j = i + rng.below((order.len() - i) as u64) as usize;
        order.swap(i, j);
    }
    let chosen = &order[..active as usize];
    let weights: Vec<u64> = chosen
        .iter()
        .map(|&i| (lines[i].end - lines[i].start + 30) as u64 * rng.range(50, 150) as u64)
        .collect();
    for (&i, part) in chosen.iter().zip(split(entries, &weights)) {
        lines[i].remaining = u32::try_from(part).expect("entries are at most MAX_ENTRIES, which fits u32");
    }
    Ok(())
}

/// Splits `total` in proportion to `weights` (not all zero), exact to the unit by largest
/// remainder, ties to the earlier index.
pub(super) fn split(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    assert!(sum > 0, "split needs a positive weight");
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let exact = u128::from(total) * u128::from(w);
        parts.push((exact / sum) as u64);
        remainders.push((exact % sum, i));
    }
    let short = total - parts.iter().sum::<u64>();
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take(short as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_exact_and_proportional() {
        assert_eq!(split(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(split(7, &[0, 5, 2]), vec![0, 5, 2]);
        let parts = split(1_000_003, &[3, 999, 17, 250_000, 1]);
        assert_eq!(parts.iter().sum::<u64>(), 1_000_003);
        assert_eq!(split(0, &[4, 2]), vec![0, 0]);
    }
}
