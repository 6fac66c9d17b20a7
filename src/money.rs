//! Money: an exact count of fen (分, 0.01 yuan) in an `i128`.
//!
//! This module owns the only conversions between text and money. Input is yuan with at most
//! two decimals (`1234.5`, `1,234.50`, `¥1,234.50`, `￥1234`), or 万元 with at most six
//! (`12.345678` 万元 is 123,456.78 yuan; 1 万元 = 1,000,000 fen, so six decimals are exactly
//! the fen) where a file's header says so; anything that would need rounding (`12.345` yuan,
//! `0.0000001` 万元), scientific notation, `NaN` or an empty cell is refused, never guessed
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

/// The unit an amount is written in. Input in either is converted to fen exactly, or refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AmountUnit {
    /// 元: at most two decimals.
    #[default]
    Yuan,
    /// 万元 (10,000 yuan): at most six decimals, the sixth being the fen.
    Wan,
}

impl AmountUnit {
    /// How many decimals of this unit make one fen: 2 for yuan, 6 for 万元.
    const fn fen_places(self) -> usize {
        match self {
            AmountUnit::Yuan => 2,
            AmountUnit::Wan => 6,
        }
    }

    /// Fen in one of this unit: 100 for yuan, 1,000,000 for 万元.
    const fn fen_per_unit(self) -> i128 {
        match self {
            AmountUnit::Yuan => 100,
            AmountUnit::Wan => 1_000_000,
        }
    }
}

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
    /// Not an amount in 万元 (the header said the column is in 万元).
    NotAWanAmount(String),
    /// More than six decimals in 万元: not a whole number of fen.
    NotWholeFen(String),
    TooLarge(String),
    NotPositive(String),
    Negative(String),
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::Empty => f.write_str(crate::lang::pick("金额为空", "the amount is empty")),
            AmountError::TooLong => f.write_str(&crate::tr!(
                "金额超过 {MAX_AMOUNT_CHARS} 个字符",
                "the amount is longer than {MAX_AMOUNT_CHARS} characters"
            )),
            AmountError::NotANumber(s) => f.write_str(&crate::tr!(
                "'{s}' 不是以元为单位的金额（请写成如 1234.50、1,234.50 或 ¥1,234.50）",
                "'{s}' is not an amount in yuan (write e.g. 1234.50, 1,234.50 or ¥1,234.50)"
            )),
            AmountError::TooManyDecimals(s) => f.write_str(&crate::tr!(
                "'{s}' 超过两位小数；金额精确到分（R6）",
                "'{s}' has more than two decimals; amounts are exact to the fen (R6)"
            )),
            AmountError::NotAWanAmount(s) => f.write_str(&crate::tr!(
                "'{s}' 不是以万元为单位的金额（表头为万元；请写成如 12.345678 或 1,234.5）",
                "'{s}' is not an amount in 万元 (the header says 万元; write e.g. 12.345678 or 1,234.5)"
            )),
            AmountError::NotWholeFen(s) => f.write_str(&crate::tr!(
                "'{s}' 万元超过六位小数，不是整分（1 分 = 0.000001 万元）；金额精确到分（R6）",
                "'{s}' 万元 has more than six decimals, so it is not a whole number of fen \
                 (1 fen = 0.000001 万元); amounts are exact to the fen (R6)"
            )),
            AmountError::TooLarge(s) => {
                let max = Fen(MAX_AMOUNT_FEN);
                f.write_str(&crate::tr!(
                    "'{s}' 超过可接受的最大金额（{max} 元）",
                    "'{s}' exceeds the largest accepted amount ({max} yuan)"
                ))
            }
            AmountError::NotPositive(s) => {
                f.write_str(&crate::tr!("'{s}' 必须大于零", "'{s}' must be greater than zero"))
            }
            AmountError::Negative(s) => {
                f.write_str(&crate::tr!("'{s}' 不能为负数", "'{s}' must not be negative"))
            }
        }
    }
}

impl std::error::Error for AmountError {}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Parses yuan text into fen, accepting any sign. See the module docs for the grammar.
    pub fn parse_yuan(text: &str) -> Result<Fen, AmountError> {
        Fen::parse_in(text, AmountUnit::Yuan)
    }

    /// Parses text in `unit` into fen exactly, accepting any sign: the grammar of yuan (sign,
    /// `¥`, thousands separators), with at most as many decimals as make one fen in `unit`.
    pub fn parse_in(text: &str, unit: AmountUnit) -> Result<Fen, AmountError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(AmountError::Empty);
        }
        if trimmed.chars().count() > MAX_AMOUNT_CHARS {
            return Err(AmountError::TooLong);
        }
        let not_a_number = || match unit {
            AmountUnit::Yuan => AmountError::NotANumber(trimmed.to_string()),
            AmountUnit::Wan => AmountError::NotAWanAmount(trimmed.to_string()),
        };
        let too_large = || AmountError::TooLarge(trimmed.to_string());
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
        if frac.len() > unit.fen_places() {
            return Err(match unit {
                AmountUnit::Yuan => AmountError::TooManyDecimals(trimmed.to_string()),
                AmountUnit::Wan => AmountError::NotWholeFen(trimmed.to_string()),
            });
        }
        let whole = decimal_digits(int_part.bytes().filter(|b| b.is_ascii_digit())).ok_or_else(too_large)?;
        // The decimals padded with zeros to the fen: `.5` yuan is 50 fen, `.5` 万元 500,000.
        let padding = std::iter::repeat_n(b'0', unit.fen_places() - frac.len());
        let frac_fen = decimal_digits(frac.bytes().chain(padding)).ok_or_else(too_large)?;
        let total = whole
            .checked_mul(unit.fen_per_unit())
            .and_then(|v| v.checked_add(frac_fen))
            .filter(|v| *v <= MAX_AMOUNT_FEN)
            .ok_or_else(too_large)?;
        Ok(Fen(if negative { -total } else { total }))
    }

    /// Parses yuan that must be strictly positive (an entry, an appropriation).
    pub fn parse_positive(text: &str) -> Result<Fen, AmountError> {
        Fen::parse_positive_in(text, AmountUnit::Yuan)
    }

    /// Parses yuan that may be zero but not negative (an investment, an entitlement).
    pub fn parse_non_negative(text: &str) -> Result<Fen, AmountError> {
        Fen::parse_non_negative_in(text, AmountUnit::Yuan)
    }

    /// Parses an amount in `unit` that must be strictly positive.
    pub fn parse_positive_in(text: &str, unit: AmountUnit) -> Result<Fen, AmountError> {
        let fen = Fen::parse_in(text, unit)?;
        if fen.0 <= 0 {
            return Err(AmountError::NotPositive(text.trim().to_string()));
        }
        Ok(fen)
    }

    /// Parses an amount in `unit` that may be zero but not negative.
    pub fn parse_non_negative_in(text: &str, unit: AmountUnit) -> Result<Fen, AmountError> {
        let fen = Fen::parse_in(text, unit)?;
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

    /// 万元 with two decimals and thousands separators (`1,234.57`), rounded half away from
    /// zero to the shown place (one hundred yuan); an amount that rounds to zero shows
    /// `0.00`. Display only: never sum these strings; totals are summed in fen first.
    pub fn wan(self) -> String {
        // Hundredths of 万元 are 10,000 fen each.
        let (quotient, remainder) = (self.0 / 10_000, self.0 % 10_000);
        let rounded = if remainder.abs() >= 5_000 { quotient + self.0.signum() } else { quotient };
        grouped_hundredths(rounded)
    }

    /// 万元 rounded half away from zero to four decimals (one yuan): display rounding only.
    pub fn to_wan_decimal(self) -> Decimal {
        to_decimal(self.0, 6).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
    }

    /// Yuan with thousands separators for terminal tables: `1,234,567.50`.
    pub fn yuan_grouped(self) -> String {
        grouped_hundredths(self.0)
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

/// A count of hundredths written with two decimals and thousands separators: `-1,234.50`.
fn grouped_hundredths(hundredths: i128) -> String {
    let plain = hundredths.unsigned_abs();
    let int = (plain / 100).to_string();
    let mut grouped = String::with_capacity(int.len() + int.len() / 3 + 4);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if hundredths < 0 { "-" } else { "" };
    format!("{sign}{grouped}.{:02}", plain % 100)
}

/// The number ASCII `digits` spell, or `None` past `MAX_AMOUNT_FEN` (so it cannot overflow).
fn decimal_digits(digits: impl Iterator<Item = u8>) -> Option<i128> {
    let mut value: i128 = 0;
    for b in digits {
        value = value.checked_mul(10)?.checked_add(i128::from(b - b'0')).filter(|v| *v <= MAX_AMOUNT_FEN)?;
    }
    Some(value)
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
    }

    #[test]
    fn wan_shows_two_decimals_grouped_and_rounds_half_away_from_zero() {
        assert_eq!(Fen(1_234_567_800).wan(), "1,234.57");
        assert_eq!(Fen(123_456_789).wan(), "123.46");
        assert_eq!(Fen(5_000).wan(), "0.01");
        assert_eq!(Fen(4_999).wan(), "0.00");
        assert_eq!(Fen(-5_000).wan(), "-0.01");
        assert_eq!(Fen(-4_999).wan(), "0.00", "a figure that rounds to zero has no sign");
        assert_eq!(Fen(-1_234_565_000).wan(), "-1,234.57");
        assert_eq!(Fen(MAX_AMOUNT_FEN).wan(), "100,000,000.00");
        assert_eq!(Fen::ZERO.wan(), "0.00");
    }

    #[test]
    fn wan_input_converts_exactly_to_fen() {
        let wan = |t: &str| Fen::parse_in(t, AmountUnit::Wan);
        assert_eq!(wan("12.345678"), Ok(Fen(12_345_678)), "12.345678 万元 is 123,456.78 yuan");
        assert_eq!(wan("1"), Ok(Fen(1_000_000)));
        assert_eq!(wan("0.000001"), Ok(Fen(1)), "one fen");
        assert_eq!(wan("0.5"), Ok(Fen(500_000)));
        assert_eq!(wan("1,234.5"), Ok(Fen(1_234_500_000)));
        assert_eq!(wan("¥1,234.567891"), Ok(Fen(1_234_567_891)));
        assert_eq!(wan(" ￥12 "), Ok(Fen(12_000_000)));
        assert_eq!(wan("-3.25"), Ok(Fen(-3_250_000)));
        assert_eq!(wan("100,000,000"), Ok(Fen(MAX_AMOUNT_FEN)), "the largest amount, in 万元");
        assert_eq!(Fen::parse_positive_in("0.01", AmountUnit::Wan), Ok(Fen(10_000)));
        assert_eq!(Fen::parse_non_negative_in("0", AmountUnit::Wan), Ok(Fen::ZERO));
    }

    #[test]
    fn wan_input_that_is_not_whole_fen_or_not_a_number_is_refused() {
        let wan = |t: &str| Fen::parse_in(t, AmountUnit::Wan);
        assert_eq!(wan("0.0000001"), Err(AmountError::NotWholeFen("0.0000001".into())));
        assert_eq!(wan("12.3456785"), Err(AmountError::NotWholeFen("12.3456785".into())));
        let message = wan("0.0000001").expect_err("refused").to_string();
        assert!(message.contains("不是整分") && message.ends_with("（R6）"), "{message}");
        for bad in ["", "NaN", "1e3", "12.", ".5", "1,23.00", "12,3456", "1.2.3", "abc", "--1", "1万"] {
            assert!(wan(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(wan("abc"), Err(AmountError::NotAWanAmount("abc".into())));
        assert!(matches!(wan("100,000,000.000001"), Err(AmountError::TooLarge(_))));
        assert!(matches!(wan("-100,000,000.000001"), Err(AmountError::TooLarge(_))));
        assert!(matches!(wan("99999999999999999999999999999"), Err(AmountError::TooLarge(_))));
        assert!(matches!(
            Fen::parse_positive_in("0.000000", AmountUnit::Wan),
            Err(AmountError::NotPositive(_))
        ));
        assert!(matches!(Fen::parse_positive_in("-1", AmountUnit::Wan), Err(AmountError::NotPositive(_))));
        assert!(matches!(
            Fen::parse_non_negative_in("-0.000001", AmountUnit::Wan),
            Err(AmountError::Negative(_))
        ));
    }

    #[test]
    fn yuan_and_wan_agree_on_every_amount_they_can_both_write() {
        for fen in [0, 1, 99, 100, 10_000, 123_456_789, MAX_AMOUNT_FEN] {
            let (whole_wan, fen_past) = (fen / 1_000_000, fen % 1_000_000);
            let as_wan = format!("{whole_wan}.{fen_past:06}");
            assert_eq!(Fen::parse_in(&as_wan, AmountUnit::Wan), Fen::parse_yuan(&Fen(fen).to_string()));
        }
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
