//! Properties of the allocator (`src/allocate.rs`): exact to the fen, never negative,
//! entitlements first, equal cut ratios in a shortage, independent of input order.

use fundledger::allocate::{plan, Claim, Remainder};
use fundledger::money::Fen;
use proptest::prelude::*;

fn claims() -> impl Strategy<Value = Vec<Claim>> {
    claims_due(false)
}

/// Claims whose due part is the whole outstanding entitlement, or (`partly`) any part of it.
fn claims_due(partly: bool) -> impl Strategy<Value = Vec<Claim>> {
    prop::collection::vec((0..2_000_000_000i128, 0..5_000_000_000i128, 0..=1000i128), 0..12).prop_map(
        move |v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (outstanding, investment, per_mille))| Claim {
                    subproject: format!("S{:02}", (i * 7) % 13 + i * 13),
                    outstanding: Fen(outstanding),
                    due: Fen(if partly { outstanding * per_mille / 1000 } else { outstanding }),
                    investment: Fen(investment),
                })
                .collect()
        },
    )
}

fn remainder() -> impl Strategy<Value = Remainder> {
    prop_oneof![Just(Remainder::ProRata), Just(Remainder::Hold)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parts_sum_exactly_and_none_is_negative(amount in 0..20_000_000_000i128, claims in claims(), r in remainder()) {
        let p = plan(Fen(amount), &claims, r);
        let given: i128 = p.shares.iter().map(|s| s.total().0).sum();
        prop_assert_eq!(given + p.held.0, amount);
        for s in &p.shares {
            prop_assert!(s.for_entitlement.0 >= 0 && s.from_remainder.0 >= 0 && s.shortfall.0 >= 0);
            prop_assert!(s.for_entitlement <= s.outstanding);
        }
        prop_assert!(p.held.0 >= 0);
    }

    #[test]
    fn when_money_suffices_no_entitlement_is_cut(claims in claims(), extra in 0..1_000_000_000i128, r in remainder()) {
        let owed: i128 = claims.iter().map(|c| c.outstanding.0).sum();
        let p = plan(Fen(owed + extra), &claims, r);
        prop_assert!(p.shares.iter().all(|s| s.for_entitlement == s.outstanding && s.shortfall == Fen(0)));
        prop_assert_eq!(p.shortfall, Fen(0));
        if r == Remainder::Hold {
            prop_assert_eq!(p.held, Fen(extra));
        }
    }

    #[test]
    fn in_a_shortage_every_claim_is_cut_by_the_same_ratio_within_a_fen(claims in claims(), frac in 0..1000i128) {
        let owed: i128 = claims.iter().map(|c| c.outstanding.0).sum();
        prop_assume!(owed > 0);
        let amount = owed * frac / 1000;
        prop_assume!(amount < owed);
        let p = plan(Fen(amount), &claims, Remainder::ProRata);
        prop_assert_eq!(p.held, Fen(0));
        for s in &p.shares {
            // |share − outstanding × amount ÷ owed| < 1 fen, in exact integers.
            let exact = s.outstanding.0 * amount;
            let diff = (s.for_entitlement.0 * owed - exact).abs();
            prop_assert!(diff < owed, "{:?}", s);
            prop_assert_eq!(s.from_remainder, Fen(0));
        }
    }

    #[test]
    fn dues_are_met_before_any_other_entitlement_and_cut_alike_when_short(claims in claims_due(true), frac in 0..1500i128) {
        let due: i128 = claims.iter().map(|c| c.due.0).sum();
        prop_assume!(due > 0);
        let amount = due * frac / 1000;
        let p = plan(Fen(amount), &claims, Remainder::Hold);
        for s in &p.shares {
            if amount >= due {
                // Every due is met; only then does the rest of an entitlement get money.
                prop_assert!(s.for_entitlement >= s.due, "{:?}", s);
            } else {
                // A shortage of dues: each gets due × amount ÷ Σ due within a fen, no more.
                let diff = (s.for_entitlement.0 * due - s.due.0 * amount).abs();
                prop_assert!(diff < due, "{:?}", s);
            }
        }
    }

    #[test]
    fn the_same_claims_in_any_order_give_the_same_plan(amount in 0..20_000_000_000i128, claims in claims(), r in remainder(), seed in any::<u64>()) {
        let mut shuffled = claims.clone();
        // A deterministic permutation derived from the seed.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.rotate_left(i as u32) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        prop_assert_eq!(plan(Fen(amount), &claims, r), plan(Fen(amount), &shuffled, r));
    }
}
