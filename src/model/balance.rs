//! A line's balance columns and activity, and how one movement changes them.

use super::{Direction, Flow, Kind};
use crate::money::Fen;
use chrono::NaiveDate;

/// The largest running total of one balance column: 10^17 fen, so that sums of the five
/// columns over many lines stay far inside `i64`.
pub const MAX_RUNNING_FEN: i128 = 100_000_000_000_000_000;

/// When a line last moved (the dates `check` reads).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    pub last_entry: Option<NaiveDate>,
    pub last_disbursement: Option<NaiveDate>,
}

impl Activity {
    /// The activity after an entry of `kind` (a reversal's own kind) dated `date`.
    pub fn after(self, kind: Kind, date: NaiveDate) -> Activity {
        Activity {
            last_entry: self.last_entry.max(Some(date)),
            last_disbursement: if kind == Kind::Disburse {
                self.last_disbursement.max(Some(date))
            } else {
                self.last_disbursement
            },
        }
    }
}

/// The balance columns of one (appropriation, sub-project) line, reversals netted into the
/// column of the kind they reverse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LineBalance {
    pub allocated: Fen,
    pub withdrawn: Fen,
    pub disbursed: Fen,
    pub returned: Fen,
    pub paid: Fen,
}

impl LineBalance {
    /// Allocated to the sub-project and not yet disbursed.
    pub fn undisbursed(&self) -> Fen {
        self.allocated - self.withdrawn - self.disbursed
    }

    /// Disbursed to the implementing body and not yet paid or returned.
    pub fn held(&self) -> Fen {
        self.disbursed - self.returned - self.paid
    }

    /// What the line takes out of its appropriation; also what the sub-project has received
    /// for the shrinkage check (allocated − withdrawn − returned).
    pub fn drawn(&self) -> Fen {
        self.allocated - self.withdrawn - self.returned
    }

    /// Money still assigned to the line and not yet paid out (INTERFACE.md `balance`).
    pub fn balance(&self) -> Fen {
        self.allocated - self.withdrawn - self.returned - self.paid
    }

    /// The line after `amount` moved by `flow` in `direction`, or `None` if a running total
    /// would leave the range fundledger holds.
    pub fn checked_apply(&self, flow: Flow, amount: Fen, direction: Direction) -> Option<LineBalance> {
        let mut next = *self;
        let column = match flow {
            Flow::Allocate => &mut next.allocated,
            Flow::Withdraw => &mut next.withdrawn,
            Flow::Disburse => &mut next.disbursed,
            Flow::Return => &mut next.returned,
            Flow::Pay => &mut next.paid,
        };
        let signed = match direction {
            Direction::Forward => amount,
            Direction::Back => -amount,
        };
        *column = column.checked_add(signed)?;
        (column.0.abs() <= MAX_RUNNING_FEN).then_some(next)
    }

    /// The movement from `earlier` to `self`, column by column.
    pub fn since(&self, earlier: &LineBalance) -> LineBalance {
        LineBalance {
            allocated: self.allocated - earlier.allocated,
            withdrawn: self.withdrawn - earlier.withdrawn,
            disbursed: self.disbursed - earlier.disbursed,
            returned: self.returned - earlier.returned,
            paid: self.paid - earlier.paid,
        }
    }

    pub fn add(&mut self, other: &LineBalance) {
        self.allocated += other.allocated;
        self.withdrawn += other.withdrawn;
        self.disbursed += other.disbursed;
        self.returned += other.returned;
        self.paid += other.paid;
    }
}
