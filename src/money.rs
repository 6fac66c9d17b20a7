//! Money: an exact count of fen (分, 0.01 yuan) in an `i128`.
//!
//! This module owns the only conversions between text and money. Input is yuan with at most
//! two decimals (`1234.5`, `1,234.50`, `¥1,234.50`, `￥1234`); anything that would need
//! rounding (`12.345`), scientific notation, `NaN` or an empty cell is refused, never guessed
//! (R6). Output is yuan with exactly two decimals, or 万元 for display, where the rounding
//! (half away from zero, to the shown decimals) is stated and happens only in the text: sums
//! are always taken in fen. There is no floating point anywhere.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

/// The largest amount fundledger accepts in one cell: 1 trillion yuan (10^14 fen), far above
/// any real appropriation. Running totals are bounded separately (`MAX_RUNNING_FEN`).
pub const MAX_AMOUNT_FEN: i128 = 100_000_000_000_000;

/// The longest amount text accepted, in characters.
const MAX_AMOUNT_CHARS: usize = 32;

/// An exact amount of money in fen. May be negative (a gap, a net movement); stored amounts of
/// entries are always positive and checked as such where they are parsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(pub i128);

/// Why a text is not an amount. The message is written for a clerk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    TooLong,
    NotANumber(String),
    TooManyDecimals(String),
    TooLarge(String),
    NotPositive(String),
    Negative(String),
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::Empty => write!(f, "the amount is empty"),
            AmountError::TooLong => {
                write!(f, "the amount is longer than {MAX_AMOUNT_CHARS} characters")
            }
            AmountError::NotANumber(s) => {
                write!(f, "'{s}' is not an amount in yuan (write e.g. 1234.50, 1,234.50 or ¥1,234.50)")
            }
            AmountError::TooManyDecimals(s) => {
                write!(f, "'{s}' has more than two decimals; amounts are exact to the fen (R6)")
            }
            AmountError::TooLarge(s) => {
                write!(f, "'{s}' exceeds the largest accepted amount ({} yuan)", Fen(MAX_AMOUNT_FEN))
            }
            AmountError::NotPositive(s) => write!(f, "'{s}' must be greater than zero"),
            AmountError::Negative(s) => write!(f, "'{s}' must not be negative"),
        }
    }
}

impl std::error::Error for AmountError {}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Parses yuan text into fen, accepting any sign. See the module docs for the grammar.
    pub fn parse_yuan(text: &str) -> Result<Fen, AmountError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(AmountError::Empty);
        }
        if trimmed.chars().count() > MAX_AMOUNT_CHARS {
            return Err(AmountError::TooLong);
        }
        let not_a_number = || AmountError::NotANumber(trimmed.to_string());
        let (negative, unsigned) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let digits = unsigned.strip_prefix('¥').or_else(|| unsigned.strip_prefix('￥')).unwrap_or(unsigned);
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        if !valid_integer_part(int_part) {
            return Err(not_a_number());
        }
        let frac = frac_part.unwrap_or("");
        if frac_part.is_some() && frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_a_number());
        }
        if frac.len() > 2 {
            return Err(AmountError::TooManyDecimals(trimmed.to_string()));
        }
        let mut fen: i128 = 0;
        for b in int_part.bytes().filter(|b| b.is_ascii_digit()) {
            fen = fen
                .checked_mul(10)
                .and_then(|v| v.checked_add(i128::from(b - b'0')))
                .filter(|v| *v <= MAX_AMOUNT_FEN)
                .ok_or_else(|| AmountError::TooLarge(trimmed.to_string()))?;
        }
        let frac_fen = match frac.as_bytes() {
            [] => 0,
            [d] => i128::from(d - b'0') * 10,
            [d1, d2] => i128::from(d1 - b'0') * 10 + i128::from(d2 - b'0'),
            _ => unreachable!("frac.len() <= 2 was checked above"),
        };
        let total = fen
            .checked_mul(100)
            .and_then(|v| v.checked_add(frac_fen))
            .filter(|v| *v <= MAX_AMOUNT_FEN)
            .ok_or_else(|| AmountError::TooLarge(trimmed.to_string()))?;
        Ok(Fen(if negative { -total } else { total }))
    }

    /// Parses an amount that must be strictly positive (an entry, an appropriation).
    pub fn parse_positive(text: &str) -> Result<Fen, AmountError> {
        let fen = Fen::parse_yuan(text)?;
        if fen.0 <= 0 {
            return Err(AmountError::NotPositive(text.trim().to_string()));
        }
        Ok(fen)
    }

    /// Parses an amount that may be zero but not negative (an investment, an entitlement).
    pub fn parse_non_negative(text: &str) -> Result<Fen, AmountError> {
        let fen = Fen::parse_yuan(text)?;
        if fen.0 < 0 {
            return Err(AmountError::Negative(text.trim().to_string()));
        }
        Ok(fen)
    }

    /// The amount as an exact decimal number of yuan.
    pub fn to_yuan_decimal(self) -> Decimal {
        to_decimal(self.0, 2)
    }

    /// Yuan with exactly two decimals and no separators: `1234.50`, `-0.05`.
    pub fn yuan(self) -> String {
        self.to_string()
    }

    /// 万元 with four decimals (exact to the fen, since 1 fen = 0.000001 万元 rounds to the
    /// shown place half away from zero). Display only: never sum these strings.
    pub fn wan(self) -> String {
        format!("{:.4}", self.to_wan_decimal())
    }

    /// 万元 rounded half away from zero to four decimals (one yuan): display rounding only.
    pub fn to_wan_decimal(self) -> Decimal {
        to_decimal(self.0, 6).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
    }

    /// Yuan with thousands separators for terminal tables: `1,234,567.50`.
    pub fn yuan_grouped(self) -> String {
        let plain = self.0.unsigned_abs();
        let int = (plain / 100).to_string();
        let mut grouped = String::with_capacity(int.len() + int.len() / 3 + 4);
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{grouped}.{:02}", plain % 100)
    }

    /// `self / whole` as a percentage with two decimals, or `None` when `whole` is zero.
    pub fn percent_of(self, whole: Fen) -> Option<Decimal> {
        if whole.0 == 0 {
            return None;
        }
        let ratio =
            to_decimal(self.0, 0).checked_mul(Decimal::from(100))?.checked_div(to_decimal(whole.0, 0))?;
        Some(ratio.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Converts an exact decimal of yuan into fen, if it is whole fen and in range.
    pub fn from_yuan_decimal(yuan: Decimal) -> Option<Fen> {
        let fen = yuan.checked_mul(Decimal::from(100))?;
        if fen.fract() != Decimal::ZERO {
            return None;
        }
        fen.to_i128().filter(|v| v.abs() <= MAX_AMOUNT_FEN).map(Fen)
    }
}

/// `fen` as a decimal with `scale` places. Every figure fundledger shows is a stored amount
/// (at most `MAX_RUNNING_FEN`, 10^17 fen) or a sum of fewer rows than SQLite can hold, far
/// inside a `Decimal`'s 96 bits (7.9 × 10^28).
fn to_decimal(fen: i128, scale: u32) -> Decimal {
    Decimal::try_from_i128_with_scale(fen, scale).expect("sums of stored amounts stay within 96 bits")
}

/// `123`, `1,234`, `1,234,567`: digits with optional thousands separators in the right places.
fn valid_integer_part(int_part: &str) -> bool {
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return false;
    }
    if !int_part.contains(',') {
        return true;
    }
    let groups: Vec<&str> = int_part.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    first_ok && groups[1..].iter().all(|g| g.len() == 3)
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Fen {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fen::parse_yuan(s)
    }
}

impl From<i64> for Fen {
    fn from(fen: i64) -> Fen {
        Fen(i128::from(fen))
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0 + rhs.0)
    }
}

impl AddAssign for Fen {
    fn add_assign(&mut self, rhs: Fen) {
        self.0 += rhs.0;
    }
}

impl Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        Fen(self.0 - rhs.0)
    }
}

impl SubAssign for Fen {
    fn sub_assign(&mut self, rhs: Fen) {
        self.0 -= rhs.0;
    }
}

impl Neg for Fen {
    type Output = Fen;
    fn neg(self) -> Fen {
        Fen(-self.0)
    }
}

impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, Add::add)
    }
}

/// JSON writes amounts as strings with exactly two decimals, never as numbers.
impl serde::Serialize for Fen {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_forms_clerks_write() {
        assert_eq!(Fen::parse_yuan("1234.5"), Ok(Fen(123_450)));
        assert_eq!(Fen::parse_yuan("1,234.50"), Ok(Fen(123_450)));
        assert_eq!(Fen::parse_yuan("¥1,234.50"), Ok(Fen(123_450)));
        assert_eq!(Fen::parse_yuan("￥1234"), Ok(Fen(123_400)));
        assert_eq!(Fen::parse_yuan(" 0.01 "), Ok(Fen(1)));
        assert_eq!(Fen::parse_yuan("-5.05"), Ok(Fen(-505)));
        assert_eq!(Fen::parse_yuan("1,234,567.89"), Ok(Fen(123_456_789)));
    }

    #[test]
    fn refuses_anything_that_would_need_a_guess() {
        for bad in ["", "  ", "NaN", "1e3", "12.", ".5", "1,23.00", "12,3456", "1.2.3", "abc"] {
            assert!(Fen::parse_yuan(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Fen::parse_yuan("12.345"), Err(AmountError::TooManyDecimals("12.345".into())));
        assert!(matches!(Fen::parse_yuan("99999999999999999999"), Err(AmountError::TooLarge(_))));
        assert!(matches!(Fen::parse_positive("0"), Err(AmountError::NotPositive(_))));
        assert!(matches!(Fen::parse_non_negative("-1"), Err(AmountError::Negative(_))));
    }

    #[test]
    fn formats_yuan_and_wan_exactly() {
        assert_eq!(Fen(123_450).to_string(), "1234.50");
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(Fen(123_456_789).yuan_grouped(), "1,234,567.89");
        assert_eq!(Fen(-100).yuan_grouped(), "-1.00");
        assert_eq!(Fen(123_456_789).wan(), "123.4568");
        assert_eq!(Fen(50).wan(), "0.0001");
        assert_eq!(Fen(49).wan(), "0.0000");
    }

    #[test]
    fn percent_is_exact_and_none_for_zero_whole() {
        assert_eq!(Fen(1).percent_of(Fen(3)), Some(Decimal::new(3333, 2)));
        assert_eq!(Fen(1).percent_of(Fen::ZERO), None);
    }

    #[test]
    fn round_trips_through_text() {
        for fen in [0, 1, 99, 100, 123_456_789, MAX_AMOUNT_FEN] {
            assert_eq!(Fen::parse_yuan(&Fen(fen).to_string()), Ok(Fen(fen)));
        }
    }
}
