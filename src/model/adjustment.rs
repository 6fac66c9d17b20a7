//! Appropriation adjustments (追加, 调减, 上级收回): a signed change to what an appropriation
//! issued, dated and documented. The issued amount on a date is the original amount plus the
//! adjustments dated up to it.

use super::AppropriationCode;
use crate::money::{AmountUnit, Fen};
use chrono::NaiveDate;

/// An adjustment as a clerk gives it, every field checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAdjustment {
    pub appropriation: AppropriationCode,
    /// Signed: positive for 追加, negative for 调减 and 上级收回; never zero.
    pub amount: Fen,
    pub date: NaiveDate,
    pub document: String,
    pub reason: String,
}

/// An adjustment as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAdjustment {
    pub id: i64,
    pub appropriation_id: i64,
    pub appropriation: AppropriationCode,
    pub amount: Fen,
    pub date: NaiveDate,
    pub document: String,
    pub reason: String,
    /// The day it was recorded (from its timestamp), when readable.
    pub recorded_on: Option<NaiveDate>,
}

impl StoredAdjustment {
    /// 追加 for an increase, 调减 for a decrease (上级收回 is a decrease too; the reason says which).
    pub fn zh(&self) -> &'static str {
        if self.amount.is_positive() {
            "追加"
        } else {
            "调减"
        }
    }
}

/// Parses a signed, non-zero adjustment amount in `unit`: `200000`, `+200000`, `-50,000.00`.
pub fn parse_adjustment_amount(text: &str, unit: AmountUnit) -> Result<Fen, String> {
    let trimmed = text.trim();
    let unsigned = match trimmed.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => trimmed,
        Some(rest) => rest,
        None => trimmed,
    };
    let fen = Fen::parse_in(unsigned, unit).map_err(|e| e.to_string())?;
    if fen == Fen::ZERO {
        return Err(format!(
            "'{}' adjusts nothing: give the change, positive for 追加 (e.g. 200000), negative for 调减 or 上级收回 (e.g. -50000)",
            crate::error::echo(trimmed)
        ));
    }
    Ok(fen)
}

/// What `adjustments` issued on `appropriation_id` up to the end of `date`, added to its
/// original `amount`.
pub fn issued_as_of(
    amount: Fen,
    appropriation_id: i64,
    adjustments: &[StoredAdjustment],
    date: NaiveDate,
) -> Fen {
    amount
        + adjustments
            .iter()
            .filter(|a| a.appropriation_id == appropriation_id && a.date <= date)
            .map(|a| a.amount)
            .sum::<Fen>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_signed_and_never_zero() {
        let y = AmountUnit::Yuan;
        assert_eq!(parse_adjustment_amount("+200000", y), Ok(Fen(20_000_000)));
        assert_eq!(parse_adjustment_amount("200000", y), Ok(Fen(20_000_000)));
        assert_eq!(parse_adjustment_amount("-50,000", y), Ok(Fen(-5_000_000)));
        assert!(parse_adjustment_amount("0", y).is_err());
        assert!(parse_adjustment_amount("-0.00", y).is_err());
        assert!(parse_adjustment_amount("+-5", y).is_err());
        assert!(parse_adjustment_amount("", y).is_err());
    }
}
