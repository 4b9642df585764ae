//! Differential test of the lock-free pair table against a `HashMap` of
//! plain values: random consent, registration and ad operations over a
//! small key space, on a table that starts tiny so it grows (and migrates)
//! many times along the way. After every operation the pair touched reads
//! back as the model says, and at the end a walk visits exactly the
//! model's pairs.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;

use chanrac::policy::ConsentState;
use chanrac::state::frequency::DAY_S;
use chanrac::state::{State, StateConfig};
use chanrac::{Channel, Number};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Consent(ConsentState, bool),
    Registration,
    Ad(Channel),
    CheckAndCount(Channel, u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<bool>(), any::<bool>()).prop_map(|(i, newer)| Op::Consent(
            if i {
                ConsentState::OptIn
            } else {
                ConsentState::OptOut
            },
            newer
        )),
        Just(Op::Registration),
        any::<bool>().prop_map(|s| Op::Ad(if s { Channel::Sms } else { Channel::Call })),
        (any::<bool>(), 0u32..=3).prop_map(|(s, cap)| Op::CheckAndCount(
            if s { Channel::Sms } else { Channel::Call },
            cap
        )),
    ]
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Model {
    consent: Option<(ConsentState, i64)>,
    registration: Option<i64>,
    sms: Vec<i64>,
    calls: Vec<i64>,
}

impl Model {
    fn ads(&mut self, c: Channel) -> &mut Vec<i64> {
        match c {
            Channel::Sms => &mut self.sms,
            Channel::Call => &mut self.calls,
        }
    }
}

/// The newest three, as the packed history keeps (all within a day here).
fn newest3(v: &[i64]) -> Vec<i64> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v[v.len().saturating_sub(3)..].to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn table_agrees_with_a_hash_map(
        ops in proptest::collection::vec(
            (0usize..4, 0u64..400, op(), 0i64..50),
            1..1500,
        ),
    ) {
        let state = State::with_config(StateConfig { initial_slots: 64, ..StateConfig::default() });
        let mut model: HashMap<(String, Number), Model> = HashMap::new();
        let advertisers = ["bank", "shopvn", "minhanh", "a-very-long-advertiser-name"];
        // Times climb by under a minute an op: 1500 ops stay under
        // 24 h, so nothing expires and eviction cannot differ from the model.
        let mut t = 1_772_420_400i64;
        for (a, r, op, gap) in ops {
            t += gap;
            let t_ms = jiff::Timestamp::from_second(t).unwrap();
            let adv = advertisers[a];
            let rcpt = Number::parse(&format!("0912{:06}", r * 7919 % 1_000_000)).unwrap();
            let m = model.entry((adv.to_string(), rcpt)).or_default();
            match op {
                Op::Consent(s, newer) => {
                    state.set_consent(adv, rcpt, s, t_ms, newer).unwrap();
                    if !newer || m.consent.is_none_or(|(_, old)| old <= t) {
                        m.consent = Some((s, t));
                    }
                }
                Op::Registration => {
                    state.mark_registration(adv, rcpt, t_ms).unwrap();
                    m.registration.get_or_insert(t);
                }
                Op::Ad(c) => {
                    state.count_ad(adv, rcpt, c, t_ms).unwrap();
                    m.ads(c).push(t);
                }
                Op::CheckAndCount(c, cap) => {
                    let n = m.ads(c).iter().filter(|&&x| t - DAY_S < x && x <= t).count();
                    let got = state.check_and_count(adv, rcpt, c, t_ms, cap);
                    prop_assert!(!matches!(got, Err(chanrac::state::NotCounted::Full)));
                    prop_assert_eq!(got.is_ok(), n < cap as usize);
                    if got.is_ok() {
                        m.ads(c).push(t);
                    }
                }
            }
            let want = m.clone();
            let got = state.get(adv, rcpt).unwrap_or_default();
            prop_assert_eq!(got.consent.map(|c| (c.state, c.time.as_second())), want.consent);
            prop_assert_eq!(got.first_registration.map(|x| x.as_second()), want.registration);
            let secs = |r: chanrac::state::Recent| r.times_ms().map(|x| x / 1000).collect::<Vec<_>>();
            prop_assert_eq!(secs(got.sms), newest3(&want.sms));
            prop_assert_eq!(secs(got.calls), newest3(&want.calls));
        }
        let live: usize = model.values().filter(|m| **m != Model::default()).count();
        let mut seen = 0;
        state.for_each(|adv, rcpt, st| {
            seen += 1;
            assert!(model.contains_key(&(adv.to_string(), rcpt)), "{adv} {rcpt:?} {st:?}");
        });
        prop_assert_eq!(seen, live);
    }
}
