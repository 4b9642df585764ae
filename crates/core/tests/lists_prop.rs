//! Differential tests: each fast structure against a naive twin.
//! - the DNC list's index against a `BTreeMap<Number, Scopes>`: lookups,
//!   iteration, reopening from bytes and merging live changes;
//! - the sliding-window counter against a `Vec` of every counted timestamp.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use chanrac::dnc::{DncBuilder, DncChange, DncList, DncView, Scopes};
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

/// Numbers of every shape the index stores differently: mobile numbers
/// clustered in a few buckets (dense segments), mobile numbers anywhere
/// under real prefixes (sparse: segments at some bucket sizes, exceptions at
/// others), fixed lines (`84` + 10 digits), short codes of 3 to 6 digits.
fn any_number() -> impl Strategy<Value = Number> {
    let prefix = prop_oneof![Just(32u64), Just(86), Just(90), Just(91), Just(99)];
    prop_oneof![
        (prefix.clone(), 0u64..4, 0u64..3000).prop_map(|(p, c, o)| {
            Number::parse(&format!("0{p}{:07}", c * 2_345_678 + o)).unwrap()
        }),
        (prefix, 0u64..10_000_000)
            .prop_map(|(p, v)| Number::parse(&format!("0{p}{v:07}")).unwrap()),
        (20u64..30, 0u64..100_000_000).prop_map(|(a, v)| Number::parse(&format!(
            "02{}{v:08}",
            a % 10
        ))
        .unwrap()),
        (3usize..=6, 0u64..1_000_000).prop_map(|(len, v)| {
            let v = v % 10u64.pow(len as u32);
            Number::parse(&format!("{v:0len$}")).unwrap()
        }),
    ]
}

/// The number whose key is next to `n`'s, when there is one.
fn neighbours(n: Number) -> impl Iterator<Item = Number> {
    let k = n.to_bits();
    [k.wrapping_sub(1), k + 1]
        .into_iter()
        .filter_map(Number::from_bits)
}

proptest! {
    #[test]
    fn small_dnc_agrees_with_btreemap(
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
    fn dnc_index_agrees_with_btreemap(
        entries in proptest::collection::vec((any_number(), scopes()), 0..2000),
        queries in proptest::collection::vec(any_number(), 0..500),
        bits in proptest::option::of(1u32..=14),
    ) {
        let mut b = DncBuilder::new();
        if let Some(bits) = bits {
            b.bucket_bits(bits);
        }
        let mut twin: BTreeMap<Number, Scopes> = BTreeMap::new();
        for (n, s) in &entries {
            b.insert(*n, *s);
            let e = twin.entry(*n).or_default();
            *e = e.union(*s);
        }
        let built = b.build();
        // The same bytes reopened (as a snapshot does) answer the same.
        let reopened = DncList::from_bytes(built.as_bytes().to_vec()).unwrap();
        for dnc in [&built, &reopened] {
            prop_assert_eq!(dnc.len(), twin.len());
            prop_assert_eq!(dnc.is_empty(), twin.is_empty());
            let listed = twin.keys().copied();
            for q in queries.iter().copied().chain(listed.clone()).chain(listed.flat_map(neighbours)) {
                prop_assert_eq!(dnc.get(q), twin.get(&q).copied().unwrap_or_default(), "{}", q);
            }
            let mut seen = vec![];
            dnc.for_each(|n, s| seen.push((n, s)));
            let want: Vec<(Number, Scopes)> = twin.iter().map(|(n, s)| (*n, *s)).collect();
            prop_assert_eq!(seen, want);
        }
    }

    #[test]
    fn merged_changes_agree_with_btreemap(
        entries in proptest::collection::vec((any_number(), scopes()), 0..1000),
        changes in proptest::collection::vec((any_number(), scopes(), any::<bool>()), 0..300),
    ) {
        let mut b = DncBuilder::new();
        let mut twin: BTreeMap<Number, Scopes> = BTreeMap::new();
        for (n, s) in &entries {
            b.insert(*n, *s);
            let e = twin.entry(*n).or_default();
            *e = e.union(*s);
        }
        let mut live = vec![];
        for (n, s, add) in &changes {
            let e = twin.entry(*n).or_default();
            if *add {
                *e = e.union(*s);
                live.push((*n, DncChange::Add(*s)));
            } else {
                *e = e.without(*s);
                live.push((*n, DncChange::Remove(*s)));
            }
        }
        twin.retain(|_, s| !s.is_empty());
        let view = DncView::new(b.build().into_shared()).with_changes(&live);
        let merged = view.merged();
        prop_assert_eq!(merged.len(), twin.len());
        let mut seen = vec![];
        merged.for_each(|n, s| seen.push((n, s)));
        let want: Vec<(Number, Scopes)> = twin.iter().map(|(n, s)| (*n, *s)).collect();
        prop_assert_eq!(seen, want);
        for (n, _, _) in &changes {
            prop_assert_eq!(merged.get(*n), view.get(*n));
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
