//! Subsidy rules and standalone entitlements (DOMAIN.md §5). Pure: no I/O.
//!
//! A rule says what one channel would pay a sub-project (optionally only of one type) as a
//! separate project: a rate per unit of its quantity, a share of its planned investment, a
//! fixed amount, or an amount by grade (tier). A sub-project's standalone entitlement on a
//! channel comes from the rule valid on its project's approval date — a type-specific rule
//! before a channel-wide one — unless the sub-project carries an approved standalone amount,
//! which wins. Amounts are rounded to the fen half away from zero, once, at the end.

use crate::error::echo;
use crate::money::Fen;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::str::FromStr;

/// Named grades of the 永久基本农田集中连片整治 tiers, as quantity thresholds in 亩.
pub const GRADES: &[(&str, i64)] = &[("百亩方", 100), ("千亩方", 1_000), ("万亩方", 10_000)];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `rate` per unit of quantity, optionally capped.
    PerUnit { rate: Fen, unit: String, cap: Option<Fen> },
    /// `percent` of planned investment, optionally capped.
    ShareOfInvestment { percent: Decimal, cap: Option<Fen> },
    /// A fixed amount per sub-project.
    Fixed { amount: Fen },
    /// The amount of the highest tier whose threshold the quantity reaches.
    Tiered { unit: String, tiers: Vec<(Decimal, Fen)> },
}

impl Shape {
    pub fn code(&self) -> &'static str {
        match self {
            Shape::PerUnit { .. } => "per_unit",
            Shape::ShareOfInvestment { .. } => "share_of_investment",
            Shape::Fixed { .. } => "fixed",
            Shape::Tiered { .. } => "tiered",
        }
    }

    /// A short description for listings: `3000.00 元/亩`, `30% of investment, cap …`.
    pub fn describe(&self) -> String {
        let cap = |c: &Option<Fen>| c.map(|c| crate::tr!("，封顶 {c}", ", cap {c}")).unwrap_or_default();
        match self {
            Shape::PerUnit { rate, unit, cap: c } => format!("{rate} 元/{unit}{}", cap(c)),
            Shape::ShareOfInvestment { percent, cap: c } => {
                let cap = cap(c);
                crate::tr!("投资额的 {percent}%{cap}", "{percent}% of investment{cap}")
            }
            Shape::Fixed { amount } => crate::tr!("每个子项目 {amount}", "{amount} per sub-project"),
            Shape::Tiered { unit, tiers } => {
                let t: Vec<String> = tiers.iter().map(|(q, a)| format!("≥{q}{unit}: {a}")).collect();
                t.join("; ")
            }
        }
    }

    /// The tiers as stored: `threshold=fen;…`.
    pub fn tiers_text(&self) -> String {
        match self {
            Shape::Tiered { tiers, .. } => {
                tiers.iter().map(|(q, a)| format!("{q}={}", a.0)).collect::<Vec<_>>().join(";")
            }
            _ => String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: i64,
    pub channel: String,
    /// `None`: the rule applies to every type the channel pays.
    pub type_code: Option<String>,
    pub shape: Shape,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub source_doc: String,
    /// The figure is illustrative, not from a published source.
    pub sample: bool,
}

impl Rule {
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && date <= self.valid_to
    }

    /// Whether two rules would both apply to the same channel, type and day.
    pub fn overlaps(&self, other: &Rule) -> bool {
        self.channel == other.channel
            && self.type_code == other.type_code
            && self.valid_from <= other.valid_to
            && other.valid_from <= self.valid_to
    }
}

/// What the rule needs to know about a sub-project.
pub struct Measure<'a> {
    pub quantity: &'a str,
    pub unit: &'a str,
    pub investment: Fen,
}

/// Rounds yuan to whole fen, half away from zero.
fn to_fen(yuan: Decimal) -> Option<Fen> {
    Fen::from_yuan_decimal(yuan.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

fn capped(amount: Fen, cap: Option<Fen>) -> Fen {
    cap.map_or(amount, |c| amount.min(c))
}

/// Applies a rule's shape to a sub-project, or says why it cannot.
pub fn evaluate(shape: &Shape, m: &Measure<'_>) -> Result<Fen, String> {
    let quantity = || {
        Decimal::from_str(m.quantity).map_err(|_| {
            crate::lang::pick("子项目没有建设规模", "the sub-project has no quantity (建设规模)").to_string()
        })
    };
    let same_unit = |unit: &str| {
        if unit.is_empty() || unit == m.unit {
            Ok(())
        } else {
            let theirs = m.unit;
            Err(crate::tr!(
                "规则按{unit}计，子项目建设规模单位为{theirs}",
                "the rule is per {unit}, the sub-project is measured in {theirs}"
            ))
        }
    };
    let too_large = || {
        crate::lang::pick(
            "应得金额超出可记录的最大金额",
            "the entitlement exceeds the largest accepted amount",
        )
        .to_string()
    };
    match shape {
        Shape::PerUnit { rate, unit, cap } => {
            same_unit(unit)?;
            let amount =
                quantity()?.checked_mul(rate.to_yuan_decimal()).and_then(to_fen).ok_or_else(too_large)?;
            Ok(capped(amount, *cap))
        }
        Shape::ShareOfInvestment { percent, cap } => {
            let share = m.investment.to_yuan_decimal().checked_mul(*percent).map(|x| x / Decimal::from(100));
            Ok(capped(share.and_then(to_fen).ok_or_else(too_large)?, *cap))
        }
        Shape::Fixed { amount } => Ok(*amount),
        Shape::Tiered { unit, tiers } => {
            same_unit(unit)?;
            let q = quantity()?;
            Ok(tiers.iter().rev().find(|(threshold, _)| q >= *threshold).map_or(Fen::ZERO, |(_, a)| *a))
        }
    }
}

/// Parses `百亩方=500000;千亩方=2000000` or `100=500000;1000=2000000` (amounts in yuan).
pub fn parse_tiers(text: &str) -> Result<Vec<(Decimal, Fen)>, String> {
    let mut tiers = Vec::new();
    for part in text.split([';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let (grade, amount) = part.split_once('=').ok_or_else(|| {
            let part = echo(part);
            crate::tr!("分档 '{part}' 不是“档次=金额”", "tier '{part}' is not grade=amount")
        })?;
        let grade = grade.trim();
        let threshold = match GRADES.iter().find(|(name, _)| *name == grade) {
            Some((_, q)) => Decimal::from(*q),
            None => Decimal::from_str(grade).map_err(|_| {
                let grade = echo(grade);
                crate::tr!(
                    "分档档次 '{grade}' 既不是数量，也不是百亩方、千亩方、万亩方之一",
                    "tier grade '{grade}' is neither a quantity nor one of 百亩方, 千亩方, 万亩方"
                )
            })?,
        };
        let amount = Fen::parse_positive(amount).map_err(|e| {
            let part = echo(part);
            crate::tr!("分档 '{part}'：{e}", "tier '{part}': {e}")
        })?;
        tiers.push((threshold, amount));
    }
    if tiers.is_empty() {
        return Err(crate::lang::pick(
            "分档规则需要分档（档次=金额;…）",
            "a tiered rule needs tiers (grade=amount;…)",
        )
        .into());
    }
    tiers.sort_by_key(|t| t.0);
    if tiers.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(crate::lang::pick("两个分档的档次相同", "two tiers have the same grade").into());
    }
    Ok(tiers)
}

/// Parses stored tiers (`threshold=fen;…`).
pub fn parse_stored_tiers(text: &str) -> Option<Vec<(Decimal, Fen)>> {
    text.split(';')
        .map(|p| {
            let (q, f) = p.split_once('=')?;
            Some((Decimal::from_str(q).ok()?, Fen(f.parse().ok()?)))
        })
        .collect()
}

/// Where an entitlement comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Basis {
    /// An approved standalone amount recorded on the sub-project (wins over any rule).
    Standalone { doc: String },
    /// A subsidy rule.
    Rule { rule_id: i64, source_doc: String, sample: bool, description: String },
    /// A rule exists but cannot be applied (e.g. the units differ): no entitlement.
    NotApplicable { rule_id: i64, reason: String },
    /// No rule is valid for this channel and type on the approval date: no entitlement.
    NoRule,
}

impl Basis {
    pub fn describe(&self) -> String {
        match self {
            Basis::Standalone { doc } => {
                crate::tr!("单独立项批复补助额（{doc}）", "approved standalone amount 单独补助 ({doc})")
            }
            Basis::Rule { rule_id, source_doc, sample, description } => {
                let s = if *sample {
                    crate::lang::pick("［示例数字，非官方］", " [示例 sample figure]")
                } else {
                    ""
                };
                crate::tr!(
                    "规则 #{rule_id}：{description}——{source_doc}{s}",
                    "rule #{rule_id}: {description} — {source_doc}{s}"
                )
            }
            Basis::NotApplicable { rule_id, reason } => {
                crate::tr!("规则 #{rule_id} 不适用：{reason}", "rule #{rule_id} does not apply: {reason}")
            }
            Basis::NoRule => {
                crate::lang::pick("立项日无有效补助规则", "no subsidy rule valid on the approval date")
                    .to_string()
            }
        }
    }

    pub fn is_sample(&self) -> bool {
        matches!(self, Basis::Rule { sample: true, .. })
    }
}

/// A sub-project's standalone entitlement on one channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entitlement {
    pub amount: Fen,
    pub basis: Basis,
}

/// The entitlement of a sub-project of `type_code` on `channel`.
///
/// `standalone` applies to the first channel designated for the type (the sub-project's
/// primary channel, `primary`); other channels of a two-channel type follow their rules.
pub fn entitlement(
    rules: &[Rule],
    channel: &str,
    type_code: &str,
    approved_on: NaiveDate,
    measure: &Measure<'_>,
    standalone: Option<(Fen, &str)>,
    primary: bool,
) -> Entitlement {
    if let (Some((amount, doc)), true) = (standalone, primary) {
        return Entitlement { amount, basis: Basis::Standalone { doc: doc.to_string() } };
    }
    let valid = |r: &&Rule| r.channel == channel && r.valid_on(approved_on);
    let rule = rules
        .iter()
        .filter(valid)
        .find(|r| r.type_code.as_deref() == Some(type_code))
        .or_else(|| rules.iter().filter(valid).find(|r| r.type_code.is_none()));
    let Some(rule) = rule else { return Entitlement { amount: Fen::ZERO, basis: Basis::NoRule } };
    match evaluate(&rule.shape, measure) {
        Ok(amount) => Entitlement {
            amount,
            basis: Basis::Rule {
                rule_id: rule.id,
                source_doc: rule.source_doc.clone(),
                sample: rule.sample,
                description: rule.shape.describe(),
            },
        },
        Err(reason) => {
            Entitlement { amount: Fen::ZERO, basis: Basis::NotApplicable { rule_id: rule.id, reason } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(quantity: &str, unit: &str, investment: i64) -> Measure<'static> {
        Measure {
            quantity: Box::leak(quantity.into()),
            unit: Box::leak(unit.into()),
            investment: Fen::from(investment),
        }
    }

    #[test]
    fn per_unit_rounds_once_half_away_from_zero_and_caps() {
        let shape = Shape::PerUnit { rate: Fen(150_000), unit: "亩".into(), cap: None };
        // 12.3456 亩 × 1500.00 = 18518.40 exactly.
        assert_eq!(evaluate(&shape, &m("12.3456", "亩", 0)), Ok(Fen(1_851_840)));
        let shape = Shape::PerUnit { rate: Fen(333), unit: "亩".into(), cap: Some(Fen(1_000)) };
        // 0.5 × 3.33 = 1.665 → 1.67.
        assert_eq!(evaluate(&shape, &m("0.5", "亩", 0)), Ok(Fen(167)));
        assert_eq!(evaluate(&shape, &m("100", "亩", 0)), Ok(Fen(1_000)));
        assert!(evaluate(&shape, &m("1", "个", 0)).unwrap_err().contains("规则按亩计"));
    }

    #[test]
    fn share_of_investment_and_tiers() {
        let shape = Shape::ShareOfInvestment { percent: Decimal::from(30), cap: Some(Fen(100_000_000)) };
        assert_eq!(evaluate(&shape, &m("", "", 123_456_789)), Ok(Fen(37_037_037)));
        let tiers = parse_tiers("百亩方=500000;千亩方=2000000;万亩方=8000000").expect("tiers");
        let shape = Shape::Tiered { unit: "亩".into(), tiers };
        assert_eq!(evaluate(&shape, &m("99.99", "亩", 0)), Ok(Fen::ZERO));
        assert_eq!(evaluate(&shape, &m("1000", "亩", 0)), Ok(Fen(200_000_000)));
        assert_eq!(evaluate(&shape, &m("20000", "亩", 0)), Ok(Fen(800_000_000)));
        assert!(parse_tiers("十亩方=1").is_err());
    }
}
