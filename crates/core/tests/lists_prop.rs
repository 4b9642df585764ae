//! Differential tests: each fast structure against a naive twin.
//! - the FST DNC list against a `BTreeMap<Number, Scopes>`;
//! - the sliding-window counter against a `Vec` of every counted timestamp.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use chanrac::dnc::{DncBuilder, Scopes};
use chanrac::number::Number;
use chanrac::state::frequency::{Recent, DAY_S, MAX_CAP};
use proptest::prelude::*;

/// Numbers from a small space so that queries often hit: mobile, fixed and
/// short codes.
fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        (0u64..2000)
            .prop_map(|n| Number::parse(&format!("09{:08}", n * 7919 % 100_000_000)).unwrap()),
        (0u64..500)
            .prop_map(|n| Number::parse(&format!("024{:08}", n * 104_729 % 100_000_000)).unwrap()),
        (100u64..1000).prop_map(|n| Number::parse(&n.to_string()).unwrap()),
    ]
}

fn scopes() -> impl Strategy<Value = Scopes> {
    prop_oneof![Just(Scopes::SMS), Just(Scopes::CALL), Just(Scopes::ALL)]
}

proptest! {
    #[test]
    fn fst_dnc_agrees_with_btreemap(
        entries in proptest::collection::vec((number(), scopes()), 0..300),
        queries in proptest::collection::vec(number(), 0..300),
    ) {
        let mut b = DncBuilder::new();
        let mut twin: BTreeMap<Number, Scopes> = BTreeMap::new();
        for (n, s) in &entries {
            b.insert(*n, *s);
            let e = twin.entry(*n).or_default();
            *e = e.union(*s);
        }
        let dnc = b.build();
        prop_assert_eq!(dnc.len(), twin.len());
        for q in queries.iter().chain(twin.keys()) {
            prop_assert_eq!(dnc.get(*q), twin.get(q).copied().unwrap_or_default());
        }
    }

    #[test]
    fn counter_agrees_with_every_timestamp(
        cap in 0u32..=3,
        steps in proptest::collection::vec((0i64..(3 * DAY_S), any::<bool>()), 1..200),
    ) {
        // Events in time order, as in a log or live traffic: the gaps are
        // random (seconds), often exactly on the 24 h boundary or zero.
        let mut t = 200_000_000i64;
        let mut recent = Recent::new();
        let mut all: Vec<i64> = vec![];
        for (gap, commit_anyway) in steps {
            let gap = match gap % 7 {
                0 => DAY_S,
                1 => 0,
                2 => DAY_S - 1,
                _ => gap / 97,
            };
            t += gap;
            let count_at = |u: i64| all.iter().filter(|&&x| u - DAY_S < x && x <= u).count();
            let naive_ok = count_at(t) < cap as usize;
            let got = recent.check(t, cap);
            prop_assert_eq!(got.is_ok(), naive_ok, "t={} all={:?} kept={:?}", t, all, recent);
            if let Err(retry) = got {
                if cap > 0 {
                    // At `retry` the count has dropped below the cap, and not
                    // a second before.
                    prop_assert!(count_at(retry) < cap as usize);
                    prop_assert!(count_at(retry - 1) >= cap as usize);
                }
            }
            // Enforce counts allowed ads; audit counts every ad.
            if naive_ok || commit_anyway {
                recent = recent.commit(t);
                all.push(t);
            }
            prop_assert!(recent.times_ms().count() <= MAX_CAP as usize);
            prop_assert_ne!(recent.bits(), u64::MAX);
        }
    }
}
