//! The enforced rules R1–R7 (DOMAIN.md §3) as named, pure checks.
//!
//! Each check takes already-resolved values and returns the `Problem` a clerk sees when the
//! rule is broken. The ledger's writers (`ledger`) run them before every write; the schema checks
//! the same invariants again inside SQLite, and `verify` re-runs them over stored rows. These
//! functions never touch the database.

use crate::catalog::{Catalog, SubprojectType};
use crate::error::{Check, Problem};
use crate::lang::pick;
use crate::model::{Direction, Flow, LineBalance, Mode, Status, StoredAppropriation, StoredSubproject};
use crate::money::Fen;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeSet;

/// R1: an appropriation line serves the county it was issued to; its money never pays a
/// sub-project of another county.
pub fn same_county(a: &StoredAppropriation, s: &StoredSubproject) -> Result<(), Problem> {
    if a.county == s.county {
        return Ok(());
    }
    let (a_code, a_county, s_code, s_county) = (&a.code, &a.county, &s.code, &s.county);
    Err(Problem::new(
        Check::R1,
        crate::tr!(
            "指标 {a_code} 下达给{a_county}，但子项目 {s_code} 属于{s_county}；资金只能用于下达的县市区",
            "appropriation {a_code} was issued to {a_county}, but sub-project {s_code} is in {s_county}; money stays in the county it was issued to"
        ),
    ))
}

/// R1: the channel a clerk wrote on an entry must be the appropriation's own.
pub fn channel_matches(catalog: &Catalog, a: &StoredAppropriation, written: &str) -> Result<(), Problem> {
    match catalog.channel(written) {
        None => Err(Problem::new(
            Check::Unknown,
            crate::tr!("'{written}' 不是已知的补助资金类别", "'{written}' is not a known fund channel"),
        )
        .column("channel")),
        Some(c) if c.code == a.channel => Ok(()),
        Some(c) => {
            let (code, own, written) = (&a.code, channel_label(catalog, &a.channel), &c.name);
            Err(Problem::new(
                Check::R1,
                crate::tr!(
                    "指标 {code} 属于资金类别 {own}，不是 {written}；每笔金额只属于一个资金类别",
                    "appropriation {code} belongs to channel {own}, not {written}; an amount belongs to exactly one channel"
                ),
            )
            .column("channel"))
        }
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
    let allowed = if allowed.is_empty() { pick("无", "no type").to_string() } else { allowed.join("、") };
    let (channel, a_code, s_code) = (channel_label(catalog, &a.channel), &a.code, &s.code);
    let type_name = type_label(catalog, &s.type_code);
    Err(Problem::new(
        Check::R2,
        crate::tr!(
            "资金类别 {channel}（指标 {a_code}）不得用于{type_name}类子项目 {s_code}；它只用于：{allowed}",
            "channel {channel} (appropriation {a_code}) may not pay sub-project {s_code} of type {type_name}; it pays only: {allowed}"
        ),
    ))
}

/// R2: an excluded (不开展) sub-project receives nothing.
pub fn not_excluded(s: &StoredSubproject) -> Result<(), Problem> {
    if s.status != Status::Excluded {
        return Ok(());
    }
    Err(Problem::new(Check::R2, {
        let code = &s.code;
        crate::tr!(
            "子项目 {code} 已确认为不开展，不得安排任何资金",
            "sub-project {code} is confirmed as excluded (不开展) and receives nothing"
        )
    }))
}

/// R2: money given to a sub-project (from the appropriation) before an exclusion recorded
/// from a later day would stay on it once it is excluded; `changes` are its status changes.
pub fn not_excluded_later(
    s: &StoredSubproject,
    changes: &[(NaiveDate, Status)],
    date: NaiveDate,
) -> Result<(), Problem> {
    let Some((from, _)) = changes.iter().find(|(d, st)| *d > date && *st == Status::Excluded) else {
        return Ok(());
    };
    Err(Problem::new(Check::R2, {
        let code = &s.code;
        crate::tr!(
                "子项目 {code} 经变更自 {from} 起不开展；{date} 安排给它的资金将留在不开展的子项目上。请记到其他子项目",
                "sub-project {code} is excluded (不开展) from {from} by amendment; money given to it on {date} would stay on an excluded sub-project. Record it against another sub-project"
            )
    }))
}

/// R3: an entry cannot move money before the appropriation was issued.
pub fn after_issue(a: &StoredAppropriation, date: NaiveDate) -> Result<(), Problem> {
    if date >= a.issued_on {
        return Ok(());
    }
    Err(Problem::new(
        Check::Format,
        {
            let (code, issued) = (&a.code, a.issued_on);
            crate::tr!(
                "日期 {date} 早于指标 {code} 的下达日期 {issued}；资金到位前不能动用",
                "dated {date}, before appropriation {code} was issued on {issued}; money cannot move before it arrives"
            )
        },
    )
    .column("date"))
}

/// The balance a movement takes its money from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    /// Issued on the appropriation and not drawn by any line.
    Available,
    /// Allocated to the sub-project and not yet disbursed.
    Undisbursed,
    /// Disbursed to the implementing body and not yet paid or returned.
    Held,
}

impl Pool {
    /// The pool `flow` in `direction` takes money from; `None` for moving a payment back,
    /// which only gives money back.
    pub fn drawn_by(flow: Flow, direction: Direction) -> Option<Pool> {
        use Direction::{Back, Forward};
        match (flow, direction) {
            (Flow::Allocate, Forward) | (Flow::Withdraw, Back) | (Flow::Return, Back) => {
                Some(Pool::Available)
            }
            (Flow::Disburse, Forward) | (Flow::Withdraw, Forward) | (Flow::Allocate, Back) => {
                Some(Pool::Undisbursed)
            }
            (Flow::Pay, Forward) | (Flow::Return, Forward) | (Flow::Disburse, Back) => Some(Pool::Held),
            (Flow::Pay, Back) => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Pool::Available => pick("指标可用余额", "available on the appropriation"),
            Pool::Undisbursed => pick("已分配未拨付余额", "allocated and not yet disbursed"),
            Pool::Held => pick("已拨付未支付余额", "disbursed and not yet paid"),
        }
    }

    /// What a line's net movement adds to this pool (for `Available`, the appropriation's
    /// side: what the line drew, negated).
    pub fn change(self, m: &LineBalance) -> Fen {
        match self {
            Pool::Available => -m.drawn(),
            Pool::Undisbursed => m.undisbursed(),
            Pool::Held => m.held(),
        }
    }
}

/// The lowest a pool stands from one date on: on that date, or on a later day (`on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lowest {
    pub have: Fen,
    pub on: Option<NaiveDate>,
    /// What pending items (maker-checker) hold back of the pool, already taken off `have`.
    pub reserved: Fen,
}

impl Lowest {
    /// The lowest with `reserved` held back by pending items.
    pub fn less_reserved(self, reserved: Fen) -> Lowest {
        Lowest { have: self.have - reserved, reserved: self.reserved + reserved, ..self }
    }
}

/// The lowest of a pool that stands at `now` after every recorded day, over the day the
/// entry is dated and each later day: `later` holds the pool's net change on each day after
/// the entry's date, in date order (empty for an entry dated on or after the last one, the
/// common case, where the lowest is simply `now`).
pub fn lowest_ahead(now: Fen, later: impl IntoIterator<Item = (NaiveDate, Fen)> + Clone) -> Lowest {
    let mut level = now - later.clone().into_iter().map(|(_, d)| d).sum::<Fen>();
    let mut lowest = Lowest { have: level, on: None, reserved: Fen::ZERO };
    for (day, change) in later {
        level += change;
        if level < lowest.have {
            lowest = Lowest { have: level, on: Some(day), reserved: Fen::ZERO };
        }
    }
    lowest
}

/// R3 on every date: `amount` moved by `flow` in `direction`, dated `date`, keeps the pool
/// it draws on non-negative on its date and every later day.
pub fn no_overdraw(
    flow: Flow,
    direction: Direction,
    amount: Fen,
    date: NaiveDate,
    lowest: Lowest,
    appropriation: &str,
    subproject: &str,
) -> Result<(), Problem> {
    let Some(pool) = Pool::drawn_by(flow, direction) else { return Ok(()) };
    if amount <= lowest.have {
        return Ok(());
    }
    let zh_kind = flow.kind().zh();
    let doing = match direction {
        Direction::Back => crate::tr!("冲销这笔{zh_kind}", "reversing this {flow}"),
        Direction::Forward => pick(zh_kind.to_string(), flow.to_string()),
    };
    let (have, label) = (lowest.have, pool.label());
    let reserved = lowest.reserved;
    let reserved = match reserved > Fen::ZERO {
        true => crate::tr!(
            "（已扣除待审批事项预留的 {reserved}）",
            " (after the {reserved} reserved by items pending approval)"
        ),
        false => String::new(),
    };
    let message = match lowest.on {
        None => crate::tr!(
            "{doing} {amount}（指标 {appropriation} / 子项目 {subproject}）超过 {date} 的{label} {have}{reserved}",
            "{doing} of {amount} on appropriation {appropriation} / sub-project {subproject} exceeds the {have} {label} on {date}{reserved}"
        ),
        Some(day) => crate::tr!(
            "日期为 {date} 的{doing} {amount}（指标 {appropriation} / 子项目 {subproject}）将透支{label}：{day} 该余额只剩 {have}{reserved}，因为之后的分录已经用了它（R3 在每一天都成立，补记的分录不能花掉之后才到位的资金）",
            "{doing} of {amount} dated {date} on appropriation {appropriation} / sub-project {subproject} would overdraw the money {label}: on {day} only {have} is left of it{reserved}, because later entries already use it (R3 holds on every date, so a back-dated entry cannot spend money that arrives later)"
        ),
    };
    Err(Problem::new(Check::R3, message).column("amount"))
}

/// R3: no entry is dated after the day it is recorded (`today`).
pub fn not_in_future(date: NaiveDate, today: NaiveDate) -> Result<(), Problem> {
    if date <= today {
        return Ok(());
    }
    Err(Problem::new(
        Check::R3,
        crate::tr!(
            "日期 {date} 晚于今天（{today}）；资金发生时才记账，不能提前记",
            "dated {date}, after today ({today}); money is recorded when it moves, never ahead of it"
        ),
    )
    .column("date"))
}

/// The checks every movement of money must pass whatever the balances — before it is
/// recorded (`ledger`) and again over stored rows (`verify`): R1 county, R2 designated
/// use and exclusion, and the issue date.
pub fn movement(
    catalog: &Catalog,
    a: &StoredAppropriation,
    s: &StoredSubproject,
    date: NaiveDate,
) -> Vec<Problem> {
    [after_issue(a, date), same_county(a, s), designated_use(catalog, a, s), not_excluded(s)]
        .into_iter()
        .filter_map(Result::err)
        .collect()
}

/// R5: no entry dated in a closed year.
pub fn open_period(closed: &BTreeSet<i32>, date: NaiveDate) -> Result<(), Problem> {
    if !closed.contains(&date.year()) {
        return Ok(());
    }
    Err(Problem::new(Check::R5, {
        let year = date.year();
        crate::tr!(
            "{year} 年度已结账；不接受日期为 {date} 的分录（请记在未结账的年度）",
            "{year} is closed; no entry dated {date} is accepted (date it in an open year)"
        )
    })
    .column("date"))
}

/// R7: a sub-project's type must be ticked (Annex 1) for its project's declared mode.
pub fn mode_admits(mode: Mode, t: &SubprojectType, project: &str) -> Result<(), Problem> {
    if mode.admits(t.ticks()) {
        return Ok(());
    }
    Err(Problem::new(
        Check::R7,
        {
            let (name, zh, modes) = (&t.name, mode.zh(), t.modes_zh());
            crate::tr!(
                "{name}不能纳入项目 {project} 以“{zh}”为核心的集成模式；附件1只在 {modes} 模式下勾选它",
                "type {name} is not admissible in project {project}'s {mode}-mode ({zh}) integration; Annex 1 ticks it for {modes} only"
            )
        },
    )
    .column("type"))
}

fn channel_label(catalog: &Catalog, code: &str) -> String {
    catalog.channel(code).map_or_else(|| code.to_string(), |c| c.name.clone())
}

fn type_label(catalog: &Catalog, code: &str) -> String {
    catalog.subproject_type(code).map_or_else(|| code.to_string(), |t| t.name.clone())
}
