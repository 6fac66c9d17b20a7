//! The allocator: divides an amount among claims, exact to the fen. Pure: no I/O.
//!
//! Outstanding entitlements come first, so integration never shrinks a subsidy while money
//! suffices. Each claim has two parts: what is `due` now (its fair share not yet received:
//! the entitlement cut by the ratio its county's channel is funded, see
//! `report::entitlements`), then the rest of its outstanding entitlement. Dues are met first;
//! then the rest; when money does not suffice for a stage, every claim of that stage is cut by
//! the same ratio (each gets `claim × money ÷ Σ claims`) and the shortfall is reported per
//! claim. Whatever is left after every claim is met is spread pro rata to planned investment,
//! or held back.
//!
//! Rounding is largest remainder: each part is first rounded down to the fen, then the fen
//! left over go one each to the parts with the largest dropped fractions; ties go to the
//! smaller sub-project code. The parts therefore sum exactly to the amount divided, and the
//! plan does not depend on the order the claims are given in.

use crate::money::Fen;
use std::cmp::Ordering;

/// What to do with money left after every outstanding entitlement is met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Remainder {
    /// Spread it pro rata to planned investment.
    ProRata,
    /// Keep it on the appropriation.
    Hold,
}

/// One eligible sub-project's claim on the appropriation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub subproject: String,
    /// Entitlement not yet received on this channel (never negative).
    pub outstanding: Fen,
    /// The part of `outstanding` due now: fair share not yet received (at most `outstanding`).
    pub due: Fen,
    /// Planned investment, the weight for the remainder.
    pub investment: Fen,
}

/// One sub-project's part of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub subproject: String,
    pub outstanding: Fen,
    pub due: Fen,
    /// Towards the outstanding entitlement (the due part first).
    pub for_entitlement: Fen,
    /// From the remainder, pro rata to investment.
    pub from_remainder: Fen,
    /// Outstanding entitlement left unmet by this plan.
    pub shortfall: Fen,
}

impl Share {
    pub fn total(&self) -> Fen {
        self.for_entitlement + self.from_remainder
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub amount: Fen,
    /// Sorted by sub-project code.
    pub shares: Vec<Share>,
    /// Left on the appropriation (remainder held, or nobody to give it to).
    pub held: Fen,
    pub shortfall: Fen,
}

/// Divides `amount` among `claims`. Claims must name distinct sub-projects and carry
/// non-negative figures; `amount` must not be negative.
pub fn plan(amount: Fen, claims: &[Claim], remainder: Remainder) -> Plan {
    assert!(amount.0 >= 0, "the allocator divides a non-negative amount");
    let mut claims: Vec<&Claim> = claims.iter().collect();
    claims.sort_by(|a, b| a.subproject.cmp(&b.subproject));
    assert!(claims.windows(2).all(|w| w[0].subproject != w[1].subproject), "one claim per sub-project");
    assert!(
        claims.iter().all(|c| c.outstanding.0 >= 0 && c.due.0 >= 0 && c.investment.0 >= 0),
        "claims are non-negative"
    );

    let due: Vec<i128> = claims.iter().map(|c| c.due.0.min(c.outstanding.0)).collect();
    let first = meet(amount.0, &due);
    let rest: Vec<i128> = claims.iter().zip(&first).map(|(c, f)| c.outstanding.0 - f).collect();
    let second = meet(amount.0 - first.iter().sum::<i128>(), &rest);
    let for_entitlement: Vec<i128> = first.iter().zip(&second).map(|(a, b)| a + b).collect();
    let left = amount.0 - for_entitlement.iter().sum::<i128>();
    let weights: Vec<i128> = claims.iter().map(|c| c.investment.0).collect();
    let from_remainder = match remainder {
        Remainder::ProRata if left > 0 && weights.iter().any(|w| *w > 0) => divide(left, &weights),
        _ => vec![0; claims.len()],
    };
    let given: i128 = for_entitlement.iter().chain(&from_remainder).sum();
    let shares: Vec<Share> = claims
        .iter()
        .zip(for_entitlement.iter().zip(&from_remainder))
        .zip(&due)
        .map(|((c, (e, r)), d)| Share {
            subproject: c.subproject.clone(),
            outstanding: c.outstanding,
            due: Fen(*d),
            for_entitlement: Fen(*e),
            from_remainder: Fen(*r),
            shortfall: Fen(c.outstanding.0 - e),
        })
        .collect();
    let shortfall = shares.iter().map(|s| s.shortfall).sum();
    Plan { amount, shares, held: Fen(amount.0 - given), shortfall }
}

/// Every claim in full when `money` suffices, else `money` divided in proportion to them.
fn meet(money: i128, claims: &[i128]) -> Vec<i128> {
    if money >= claims.iter().sum::<i128>() {
        claims.to_vec()
    } else {
        divide(money, claims)
    }
}

/// Splits `total` fen in proportion to `weights` by largest remainder; the parts sum to
/// `total` exactly when any weight is positive (else every part is zero). Ties in the dropped
/// fraction go to the earlier index (the callers sort by sub-project code).
pub fn divide(total: i128, weights: &[i128]) -> Vec<i128> {
    let sum: i128 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut parts = Vec::with_capacity(weights.len());
    let mut fractions = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        // Weights and totals are amounts (at most 10^17 fen), so the product fits in i128.
        let exact = w * total;
        parts.push(exact / sum);
        fractions.push((exact % sum, i));
    }
    let mut left = total - parts.iter().sum::<i128>();
    fractions.sort_by(|a, b| match b.0.cmp(&a.0) {
        Ordering::Equal => a.1.cmp(&b.1),
        other => other,
    });
    for (_, i) in fractions {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    assert_eq!(left, 0, "largest remainder hands out fewer fen than there are parts");
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(code: &str, outstanding: i128, investment: i128) -> Claim {
        Claim {
            subproject: code.into(),
            outstanding: Fen(outstanding),
            due: Fen(outstanding),
            investment: Fen(investment),
        }
    }

    #[test]
    fn dues_come_before_the_rest_of_the_entitlements() {
        // 90.00 for A (owed 100.00, due 60.00) and B (owed 30.00, due 30.00): both dues are
        // met (90.00), nothing is left for A's other 40.00.
        let a = Claim { due: Fen(6_000), ..claim("A", 10_000, 1) };
        let p = plan(Fen(9_000), &[a, claim("B", 3_000, 1)], Remainder::Hold);
        let got: Vec<i128> = p.shares.iter().map(|s| s.for_entitlement.0).collect();
        assert_eq!(got, [6_000, 3_000]);
        assert_eq!((p.shortfall, p.held), (Fen(4_000), Fen(0)));
        // 100.00: the dues, then 10.00 of A's rest.
        let p = plan(
            Fen(10_000),
            &[Claim { due: Fen(6_000), ..claim("A", 10_000, 1) }, claim("B", 3_000, 1)],
            Remainder::Hold,
        );
        assert_eq!(p.shares[0].for_entitlement, Fen(7_000));
    }

    #[test]
    fn hand_computed_shortage_is_cut_by_the_same_ratio() {
        // 100.00 for claims of 60.00, 30.00 and 30.00 (120.00): ratio 5/6 →
        // 50.00, 25.00, 25.00 exactly; shortfalls 10.00, 5.00, 5.00.
        let p = plan(
            Fen(10_000),
            &[claim("B", 3_000, 1), claim("A", 6_000, 1), claim("C", 3_000, 1)],
            Remainder::ProRata,
        );
        let got: Vec<(String, i128, i128)> =
            p.shares.iter().map(|s| (s.subproject.clone(), s.for_entitlement.0, s.shortfall.0)).collect();
        assert_eq!(got, [("A".into(), 5_000, 1_000), ("B".into(), 2_500, 500), ("C".into(), 2_500, 500)]);
        assert_eq!((p.held, p.shortfall), (Fen(0), Fen(2_000)));
    }

    #[test]
    fn a_fen_that_cannot_be_split_goes_to_the_largest_fraction_then_the_smaller_code() {
        // 0.10 in three equal parts: 0.04, 0.03, 0.03 — the extra fen to the first code.
        assert_eq!(divide(10, &[1, 1, 1]), [4, 3, 3]);
        // 0.05 by weights 1:2 → 1.67 / 3.33: floors 1 and 3, fractions 2/3 and 1/3.
        assert_eq!(divide(5, &[1, 2]), [2, 3]);
    }

    #[test]
    fn remainder_goes_pro_rata_to_investment_or_is_held() {
        let claims = [claim("A", 1_000, 300), claim("B", 0, 100)];
        let p = plan(Fen(2_000), &claims, Remainder::ProRata);
        assert_eq!(p.shares[0].total(), Fen(1_750));
        assert_eq!(p.shares[1].total(), Fen(250));
        assert_eq!(p.held, Fen(0));
        let h = plan(Fen(2_000), &claims, Remainder::Hold);
        assert_eq!((h.shares[0].total(), h.shares[1].total(), h.held), (Fen(1_000), Fen(0), Fen(1_000)));
    }
}
