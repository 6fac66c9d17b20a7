//! The planner: a line's next entry, chosen among the movements its balances allow (R3), and
//! a reversal only of the line's latest entry (R4); `post` applies an entry to its line and
//! appropriation as the ledger will, and checks the balances the importer will check.

use super::calendar::{last_day, weekday_from};
use super::city::{PAY_MEMOS, RETURN_MEMOS, WITHDRAW_MEMOS};
use super::funding::Appropriation;
use super::lines::Line;
use super::rng::SplitMix64;
use super::{fen64, YUAN};
use crate::model::{Direction, Kind};
use crate::money::Fen;

/// One planned or posted movement's memo.
#[derive(Clone, Copy, Debug)]
pub(super) enum Memo {
    Text(&'static str),
    /// 分配省级补助指标: the line's first allocation names its appropriation's level.
    FirstAllocation,
    /// 按进度拨付第三期.
    Tranche(u8),
}

/// An entry the line will post next; its voucher is numbered when it is written.
#[derive(Clone, Copy, Debug)]
pub(super) struct Planned {
    pub(super) kind: Kind,
    pub(super) amount: i64,
    pub(super) reverses: Option<Posted>,
    pub(super) memo: Memo,
    /// The most days it may wait after the line's previous entry (a correction comes soon).
    pub(super) within_days: i64,
}

/// A posted entry a reversal may name: its voucher (year and number), kind and amount.
#[derive(Clone, Copy, Debug)]
pub(super) struct Posted {
    pub(super) year: i32,
    pub(super) number: u32,
    pub(super) kind: Kind,
    pub(super) amount: i64,
}

/// `percent` (a random value in `lo..=hi`) of `pool`, rounded down to `step`; the whole pool
/// when that rounds to nothing.
pub(super) fn share_of(rng: &mut SplitMix64, pool: i64, lo: i64, hi: i64, step: i64) -> i64 {
    let part = pool * rng.range(lo, hi) / 100 / step * step;
    if part > 0 {
        part
    } else {
        pool
    }
}

/// The line's next entry, chosen among the movements its balances allow: mostly
/// disbursements and payments, an allocation when the money is spent (or now and then a top-up),
/// and a few withdrawals, returns and reversals of the latest entry.
pub(super) fn plan(rng: &mut SplitMix64, line: &mut Line) -> Planned {
    let undisbursed = fen64(line.balance.undisbursed());
    let held = fen64(line.balance.held());
    if let Some((kind, amount)) = line.repost.take() {
        if let Some(p) = repost(rng, kind, amount, undisbursed, held) {
            return p;
        }
    }
    let idle = undisbursed == 0 && held == 0;
    let weights = [
        if idle { 100 } else { 3 },
        if undisbursed > 0 { 30 } else { 0 },
        if held > 0 { 48 } else { 0 },
        if undisbursed > 0 { 3 } else { 0 },
        if held > 0 { 2 } else { 0 },
        if line.reversible.is_some() { 2 } else { 0 },
    ];
    let normal = |kind, amount, memo| Planned { kind, amount, reverses: None, memo, within_days: i64::MAX };
    match Kind::ALL[rng.weighted(&weights)] {
        Kind::Allocate => {
            let (lo, hi, memo) = if line.balance.allocated.0 == 0 {
                (60, 100, Memo::FirstAllocation)
            } else {
                (10, 40, Memo::Text(rng.pick(&["追加分配", "追加分配", "调整追加分配"])))
            };
            let step = 1000 * YUAN;
            normal(Kind::Allocate, (line.target * rng.range(lo, hi) / 100 / step * step).max(step), memo)
        }
        Kind::Disburse => {
            line.tranches = line.tranches.saturating_add(1);
            let amount = if undisbursed <= 50_000 * YUAN || rng.chance(30) {
                undisbursed
            } else {
                share_of(rng, undisbursed, 20, 70, 100 * YUAN)
            };
            normal(Kind::Disburse, amount, Memo::Tranche(line.tranches))
        }
        Kind::Pay => {
            let amount = if held <= 20_000 * YUAN || rng.chance(30) {
                held
            } else {
                // Contractors' invoices come to the fen.
                (held * rng.range(10, 80) / 100 - rng.range(0, 99)).max(1)
            };
            normal(Kind::Pay, amount, Memo::Text(rng.pick(&PAY_MEMOS)))
        }
        Kind::Withdraw => {
            let amount =
                if rng.chance(35) { undisbursed } else { share_of(rng, undisbursed, 20, 70, 1000 * YUAN) };
            normal(Kind::Withdraw, amount, Memo::Text(rng.pick(&WITHDRAW_MEMOS)))
        }
        Kind::Return => {
            let (amount, memo) = if rng.chance(40) {
                (held, RETURN_MEMOS[0])
            } else {
                (share_of(rng, held, 10, 50, 100 * YUAN), rng.pick(&RETURN_MEMOS[1..]))
            };
            normal(Kind::Return, amount, Memo::Text(memo))
        }
        Kind::Reverse => reversal(rng, line),
    }
}

/// Reverses the line's latest entry: undoing it returns the line to the balances it had
/// before that entry, which were valid. A wrong amount is posted again, corrected.
pub(super) fn reversal(rng: &mut SplitMix64, line: &mut Line) -> Planned {
    let original = line.reversible.expect("a reversal is planned only when the latest entry is reversible");
    let memo = if rng.chance(60) {
        line.repost = Some((original.kind, original.amount));
        "冲销：金额录入错误"
    } else {
        rng.pick(&["冲销：重复录入", "冲销：凭证作废"])
    };
    Planned {
        kind: Kind::Reverse,
        amount: original.amount,
        reverses: Some(original),
        memo: Memo::Text(memo),
        within_days: 10,
    }
}

/// The corrected entry after a reversal: the same kind, an amount within 20% of the reversed
/// one, as far as the line's balances allow.
pub(super) fn repost(
    rng: &mut SplitMix64,
    kind: Kind,
    amount: i64,
    undisbursed: i64,
    held: i64,
) -> Option<Planned> {
    let (room, step) = match kind {
        Kind::Allocate => (i64::MAX, 1000 * YUAN),
        Kind::Disburse => (undisbursed, 100 * YUAN),
        Kind::Pay => (held, 1),
        Kind::Withdraw => (undisbursed, 100 * YUAN),
        Kind::Return => (held, YUAN),
        Kind::Reverse => unreachable!("a reversal is never reversed"),
    };
    let corrected = (amount * rng.range(80, 120) / 100).min(room) / step * step;
    let corrected = if corrected > 0 { corrected } else { amount.min(room) };
    (corrected > 0).then_some(Planned {
        kind,
        amount: corrected,
        reverses: None,
        memo: Memo::Text("更正后重新录入"),
        within_days: 3,
    })
}

/// The day of the line's next entry: spread so that the entries still to come fit before the
/// line's window closes, and never after the last day.
pub(super) fn next_day(rng: &mut SplitMix64, line: &Line, today: i32) -> i32 {
    let room = i64::from((line.end - today).max(0));
    let gap = (2 * room / (i64::from(line.remaining) + 1)).min(line.next.within_days);
    let next = weekday_from(today + rng.range(0, gap) as i32);
    assert!(next <= last_day(), "a weekday on or before the last day exists after every earlier day");
    next
}

/// Applies a planned entry to its line and appropriation, as the ledger does (a reversal as
/// its original's kind, negated), and checks the balances the importer will check.
pub(super) fn post(line: &mut Line, a: &mut Appropriation, p: &Planned, year: i32, number: u32) {
    let (kind, direction) = match p.reverses {
        Some(original) => (original.kind, Direction::Back),
        None => (p.kind, Direction::Forward),
    };
    let before = line.balance;
    let after = before
        .checked_apply(
            kind.flow().expect("a planned entry and its original move money"),
            Fen::from(p.amount),
            direction,
        )
        .expect("generated running totals stay far below MAX_RUNNING_FEN");
    assert!(p.amount > 0, "every entry moves a positive amount");
    assert!(
        after.undisbursed() >= Fen::ZERO && after.held() >= Fen::ZERO,
        "the plan keeps the line's balances valid"
    );
    line.balance = after;
    a.drawn += fen64(after.drawn() - before.drawn());
    a.peak = a.peak.max(a.drawn);
    line.reversible = match p.reverses {
        Some(_) => None,
        None => Some(Posted { year, number, kind: p.kind, amount: p.amount }),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::gen::calendar::{date, ymd};
    use crate::dev::gen::entries::kind_index;
    use crate::model::{Level, LineBalance};
    use chrono::{Datelike, Weekday};

    fn test_line(target: i64) -> Line {
        let next = Planned {
            kind: Kind::Allocate,
            amount: 0,
            reverses: None,
            memo: Memo::FirstAllocation,
            within_days: 0,
        };
        Line {
            appropriation: 0,
            subproject: 0,
            balance: LineBalance::default(),
            target,
            start: ymd(2020, 1, 6),
            end: last_day(),
            remaining: 100_000,
            next,
            reversible: None,
            repost: None,
            tranches: 0,
        }
    }

    #[test]
    fn a_lines_plans_keep_its_balances_valid_and_amounts_in_whole_fen() {
        let mut rng = SplitMix64::new(11);
        let mut line = test_line(1_234_000 * YUAN);
        let mut a = Appropriation {
            code: String::new(),
            doc_no: String::new(),
            channel: 0,
            level: Level::City,
            place: 0,
            issued: 0,
            drawn: 0,
            peak: 0,
            amount: 0,
        };
        let mut kinds = [0u64; 6];
        let mut latest: Option<(u32, Kind, i64)> = None;
        for number in 1..=100_000u32 {
            let p = plan(&mut rng, &mut line);
            assert!(p.amount > 0 && Fen::from(p.amount).to_string().parse::<Fen>().is_ok());
            if p.kind == Kind::Allocate {
                assert_eq!(p.amount % (1000 * YUAN), 0, "allocations are whole thousands of yuan");
            }
            if let Some(original) = p.reverses {
                let (n, kind, amount) = latest.expect("a reversal follows a posted entry");
                assert_eq!((original.number, original.kind, original.amount), (n, kind, amount));
            }
            post(&mut line, &mut a, &p, 2020, number);
            latest = (p.kind != Kind::Reverse).then_some((number, p.kind, p.amount));
            kinds[kind_index(p.kind)] += 1;
            assert!(fen64(line.balance.undisbursed()) >= 0 && fen64(line.balance.held()) >= 0);
            assert!(a.drawn <= a.peak && a.drawn == fen64(line.balance.drawn()));
        }
        assert!(kinds.iter().all(|&n| n > 0), "every kind occurs: {kinds:?}");
    }

    #[test]
    fn next_days_are_weekdays_in_order_and_never_after_the_last_day() {
        let mut rng = SplitMix64::new(5);
        let mut line = test_line(100_000 * YUAN);
        line.next.within_days = i64::MAX;
        let mut today = line.start;
        for remaining in (1..=2000u32).rev() {
            line.remaining = remaining;
            let next = next_day(&mut rng, &line, today);
            assert!(next >= today && next <= last_day());
            assert!(!matches!(date(next).weekday(), Weekday::Sat | Weekday::Sun));
            today = next;
        }
    }
}
