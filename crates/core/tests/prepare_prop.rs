//! The rules are written once: a check split for a shared store
//! ([`Engine::prepare`] → [`PairCheck::decide`] on the pair's words →
//! [`PairCheck::finish`]) gives exactly the verdicts of [`Engine::check`]
//! on the local table, for random sequences of ads, calls, registration
//! messages, consent events and replies over a few pairs, in every mode.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use chanrac::policy::{Config, PolicyBuilder};
use chanrac::state::OnFull;
use chanrac::{
    Channel, Engine, EngineBuilder, Event, Kind, Mode, Number, PairWords, Prepared, Sender, Verdict,
};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Op {
    AdSms,
    AdCall,
    Registration,
    OptIn,
    OptOut,
    Reply(&'static str),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::AdSms),
        2 => Just(Op::AdCall),
        2 => Just(Op::Registration),
        1 => Just(Op::OptIn),
        1 => Just(Op::OptOut),
        1 => prop_oneof![Just("Y"), Just("co"), Just("TC"), Just("khong"), Just("hello")]
            .prop_map(Op::Reply),
    ]
}

fn engine(mode: Mode, require_consent: bool) -> Engine {
    let config = Config {
        require_consent,
        ..Config::default()
    };
    EngineBuilder::new().mode(mode).build(
        PolicyBuilder::new()
            .registry(common::bank_registry())
            .config(config)
            .build(),
    )
}

/// `prepare` + `decide` over a map of words, as a store does it.
fn shared_check(
    e: &Engine,
    store: &mut HashMap<(String, Number), PairWords>,
    ev: &Event<'_>,
) -> Verdict {
    match e.prepare(ev) {
        Prepared::Done(v) => v,
        Prepared::Pair(pc) => {
            let key = (pc.advertiser().to_string(), pc.recipient());
            let words = store.get(&key).copied().unwrap_or_default();
            let (out, next) = pc.decide(words);
            if next != words {
                store.insert(key, next);
            }
            pc.finish(out)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn prepared_checks_agree_with_local_checks(
        mode in prop_oneof![Just(Mode::Enforce), Just(Mode::Audit), Just(Mode::Monitor)],
        require_consent in any::<bool>(),
        ops in proptest::collection::vec((op(), 0usize..3, 0i64..7_200), 1..200),
    ) {
        let local = engine(mode, require_consent);
        let shared = engine(mode, require_consent);
        let mut store = HashMap::new();
        // 2026-03-02 08:00 +07:00, moving forward by up to 2 h a step.
        let mut t = 1_772_413_200i64;
        let recipients: Vec<Number> = (0..3)
            .map(|i| Number::parse(&format!("091200000{i}")).unwrap())
            .collect();
        for (op, who, dt) in ops {
            t += dt;
            let time = jiff::Timestamp::from_second(t).unwrap();
            let r = recipients[who];
            let brand = Sender::parse("BANKVN").unwrap();
            let ev = match op {
                Op::AdSms => Event::new(time, Channel::Sms, Kind::Ad, brand, r)
                    .with_text("[QC] Lai suat uu dai"),
                Op::AdCall => Event::new(time, Channel::Call, Kind::Ad, Sender::parse("02473001234").unwrap(), r),
                Op::Registration => Event::new(time, Channel::Sms, Kind::Registration, brand, r)
                    .with_text("DKQC nhan tin uu dai"),
                Op::OptIn => Event::new(time, Channel::Sms, Kind::OptIn, brand, r),
                Op::OptOut => Event::new(time, Channel::Sms, Kind::OptOut, brand, r),
                Op::Reply(text) => Event::new(time, Channel::Sms, Kind::Reply, Sender::Number(r), Number::parse("8085").unwrap())
                    .with_text(text),
            }
            .with_advertiser("bank");
            let a = local.check(&ev);
            let b = shared_check(&shared, &mut store, &ev);
            prop_assert_eq!(&a, &b, "event {:?}", ev);
        }
        // The stored words are the local table's, pair by pair.
        for ((adv, rcpt), words) in &store {
            prop_assert_eq!(local.state().get(adv, *rcpt).unwrap_or_default(), words.state());
        }
    }
}

/// A store that does not answer: an ad that nothing else blocks is blocked
/// with STATE_UNAVAILABLE under `block` and delivered uncounted under
/// `deliver`; in monitor mode it is always delivered. The pair's consent is
/// unknown, so a policy that requires consent does not make it NO_CONSENT.
#[test]
fn an_unavailable_store_follows_the_fail_mode() {
    let t = jiff::Timestamp::from_second(1_772_413_200).unwrap();
    let r = Number::parse("0912000000").unwrap();
    let ev = Event::new(
        t,
        Channel::Sms,
        Kind::Ad,
        Sender::parse("BANKVN").unwrap(),
        r,
    )
    .with_advertiser("bank")
    .with_text("[QC] Lai suat uu dai");
    for (mode, on_error, blocked) in [
        (Mode::Enforce, OnFull::Block, true),
        (Mode::Enforce, OnFull::Deliver, false),
        (Mode::Monitor, OnFull::Block, false),
    ] {
        for require_consent in [false, true] {
            let e = engine(mode, require_consent);
            let Prepared::Pair(pc) = e.prepare(&ev) else {
                panic!("an ad has a state step");
            };
            let v = pc.unavailable(on_error);
            assert!(!v.counted);
            assert_eq!(v.decision.is_delivered(), !blocked, "{mode:?} {on_error:?}");
            let want: Vec<chanrac::Reason> = if blocked {
                vec![chanrac::Reason::StateUnavailable]
            } else {
                vec![]
            };
            assert_eq!(
                v.reasons.iter().collect::<Vec<_>>(),
                want,
                "{mode:?} {on_error:?}"
            );
        }
    }
}
