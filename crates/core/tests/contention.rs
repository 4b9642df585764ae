//! Under contention, the caps are exact: many threads racing for the one ad
//! call of the day to a pair get exactly one grant, and for ad SMS exactly
//! three; no grant is lost or doubled.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chanrac::ident::Identifier;
use chanrac::policy::{Config, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::{Channel, Decision, Engine, Event, Kind, Number, Reason, Sender};

fn engine() -> Engine {
    let mut reg = RegistryBuilder::new();
    for (id, owner) in [("02473001234", "bank"), ("BANKVN", "bank")] {
        reg.insert(
            Identifier::parse(id).unwrap(),
            Registration {
                owner: owner.into(),
                status: Status::Active,
                valid_from: None,
                valid_until: None,
            },
        )
        .unwrap();
    }
    let config = Config {
        require_consent: false,
        ..Config::default()
    };
    Engine::new(
        PolicyBuilder::new()
            .registry(reg.build())
            .config(config)
            .build(),
    )
}

fn race(
    channel: Channel,
    source: &str,
    text: &'static str,
    threads: usize,
    tries: usize,
) -> (usize, usize) {
    let engine = Arc::new(engine());
    let granted = Arc::new(AtomicUsize::new(0));
    let frequency = Arc::new(AtomicUsize::new(0));
    let source = Sender::parse(source).unwrap();
    let recipients: Vec<Number> = (0..50)
        .map(|i| Number::parse(&format!("09120000{i:02}")).unwrap())
        .collect();
    let handles: Vec<_> = (0..threads)
        .map(|k| {
            let (engine, granted, frequency, recipients) = (
                engine.clone(),
                granted.clone(),
                frequency.clone(),
                recipients.clone(),
            );
            std::thread::spawn(move || {
                for i in 0..tries {
                    // Every thread walks the same recipients in a different
                    // order, all at the same instant.
                    let r = recipients[(i * 7 + k * 13) % recipients.len()];
                    let t = jiff::Timestamp::from_second(1_772_420_400).unwrap();
                    let ev = Event::new(t, channel, Kind::Ad, source, r)
                        .with_advertiser("bank")
                        .with_text(text);
                    let v = engine.check(&ev);
                    match v.decision {
                        Decision::Allow => {
                            granted.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            assert_eq!(
                                v.reasons.iter().collect::<Vec<_>>(),
                                vec![Reason::Frequency]
                            );
                            frequency.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    (
        granted.load(Ordering::Relaxed),
        frequency.load(Ordering::Relaxed),
    )
}

#[test]
fn one_ad_call_per_pair_under_contention() {
    let (granted, blocked) = race(Channel::Call, "02473001234", "", 8, 2_000);
    assert_eq!(granted, 50, "exactly one call per recipient");
    assert_eq!(granted + blocked, 8 * 2_000);
}

#[test]
fn three_ad_sms_per_pair_under_contention() {
    let (granted, blocked) = race(Channel::Sms, "BANKVN", "[QC] Lai suat uu dai", 8, 2_000);
    assert_eq!(granted, 150, "exactly three SMS per recipient");
    assert_eq!(granted + blocked, 8 * 2_000);
}

#[test]
fn dnc_changes_take_effect_at_once_while_checks_run() {
    use chanrac::dnc::{DncChange, Scopes};
    use std::sync::atomic::AtomicBool;

    let engine = Arc::new(engine());
    let stop = Arc::new(AtomicBool::new(false));
    let target = Number::parse("0988000111").unwrap();
    let t = jiff::Timestamp::from_second(1_772_420_400).unwrap();
    // Readers check ad SMS to other numbers while a writer changes the list.
    let readers: Vec<_> = (0..3)
        .map(|k| {
            let (engine, stop) = (engine.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let r = Number::parse(&format!("09770{k}{:04}", n % 10_000)).unwrap();
                    let ev = Event::new(
                        t,
                        Channel::Sms,
                        Kind::Ad,
                        Sender::parse("BANKVN").unwrap(),
                        r,
                    )
                    .with_advertiser("bank")
                    .with_text("[QC] x");
                    assert!(!engine.check(&ev).reasons.contains(Reason::Dnc));
                    n += 1;
                }
            })
        })
        .collect();
    let ad = |r: Number| {
        Event::new(
            t,
            Channel::Sms,
            Kind::Ad,
            Sender::parse("BANKVN").unwrap(),
            r,
        )
        .with_advertiser("bank")
        .with_text("[QC] x")
    };
    for round in 0..200 {
        engine.update_dnc(&[(target, DncChange::Add(Scopes::SMS))]);
        assert!(
            engine.check(&ad(target)).reasons.contains(Reason::Dnc),
            "round {round}"
        );
        engine.update_dnc(&[(target, DncChange::Remove(Scopes::ALL))]);
        assert!(
            !engine.check(&ad(target)).reasons.contains(Reason::Dnc),
            "round {round}"
        );
        if round % 50 == 0 {
            engine.merge_dnc();
        }
    }
    engine.update_dnc(&[(target, DncChange::Add(Scopes::ALL))]);
    assert_eq!(engine.merge_dnc(), 1);
    assert_eq!(engine.dnc().pending(), 0);
    assert_eq!(engine.dnc().get(target), Scopes::ALL);
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
}

#[test]
fn live_dnc_changes_survive_merge_and_reload_until_discarded() {
    use chanrac::dnc::{DncChange, Scopes};
    let engine = engine();
    let n = Number::parse("0988000222").unwrap();
    engine.update_dnc(&[(n, DncChange::Add(Scopes::ALL))]);
    assert_eq!(engine.merge_dnc(), 1);
    // A reload from lists that predate the change does not undo it.
    engine.swap(PolicyBuilder::new().build());
    assert_eq!(engine.dnc().get(n), Scopes::ALL);
    engine.merge_dnc();
    engine.swap(PolicyBuilder::new().build());
    assert_eq!(engine.dnc().get(n), Scopes::ALL);
    // Once the host reloads a list that holds the changes, it discards them.
    engine.discard_dnc_changes();
    assert_eq!(engine.dnc().get(n), Scopes::NONE);
    assert_eq!(engine.dnc().live_changes(), 0);
}
