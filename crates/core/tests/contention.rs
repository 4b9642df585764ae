//! Under contention, the caps are exact: many threads racing for the one ad
//! call of the day to a pair get exactly one grant, and for ad SMS exactly
//! three; no grant is lost or doubled.

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
