//! The generator's calendar: dates as day numbers for cheap arithmetic, and the weekdays
//! finance bureaus work on. Nothing is dated after 31 December of `LAST_YEAR`.

use super::rng::SplitMix64;
use super::LAST_YEAR;
use chrono::{Datelike, NaiveDate, Weekday};

/// Dates are handled as day numbers (days since 0001-01-01, day 1) for cheap arithmetic.
pub(super) fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

pub(super) fn date(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).expect("day numbers stay within the years generated")
}

pub(super) fn ymd(y: i32, m: u32, d: u32) -> i32 {
    day(NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date"))
}

/// The last day an entry may carry: 31 December of the last year, a Wednesday, so moving a
/// weekend day to the next Monday never passes it.
pub(super) fn last_day() -> i32 {
    ymd(LAST_YEAR, 12, 31)
}

/// Finance bureaus work on weekdays: a Saturday or Sunday becomes the next Monday.
pub(super) fn weekday_from(n: i32) -> i32 {
    match date(n).weekday() {
        Weekday::Sat => n + 2,
        Weekday::Sun => n + 1,
        _ => n,
    }
}

/// A weekday in `lo..=hi`'s neighbourhood: a random day in the range, moved off the weekend.
pub(super) fn random_weekday(rng: &mut SplitMix64, lo: i32, hi: i32) -> i32 {
    weekday_from(rng.range(i64::from(lo), i64::from(hi)) as i32)
}
