//! State survives restarts and compaction: the same events give the same
//! verdicts whether or not the engine was restarted in between.

#![allow(clippy::unwrap_used, clippy::panic)]

use chanrac::ident::Identifier;
use chanrac::policy::{Config, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::state::journal::Record;
use chanrac::{Channel, Decision, Engine, Event, Kind, Number, Policy, Reason, Sender};
use chanrac_store::{Durability, StateDir};

fn policy() -> Policy {
    let mut reg = RegistryBuilder::new();
    for id in ["02473001234", "BANKVN"] {
        reg.insert(
            Identifier::parse(id).unwrap(),
            Registration {
                owner: "bank".into(),
                status: Status::Active,
                valid_from: None,
                valid_until: None,
            },
        )
        .unwrap();
    }
    PolicyBuilder::new()
        .registry(reg.build())
        .config(Config::default())
        .build()
}

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn ev<'a>(t: &str, ch: Channel, kind: Kind, src: &str, to: &str) -> Event<'a> {
    Event::new(
        at(t),
        ch,
        kind,
        Sender::parse(src).unwrap(),
        Number::parse(to).unwrap(),
    )
    .with_advertiser("bank")
    .with_text(if kind == Kind::Registration {
        "DKQC Ngan hang BANK"
    } else {
        "[QC] Lai suat uu dai"
    })
}

/// Checks `e` and journals it when it counted.
fn check(engine: &Engine, dir: &mut StateDir, e: &Event<'_>) -> (Decision, Vec<Reason>) {
    let v = engine.check(e);
    if let Some(r) = Record::of_check(&engine.policy(), e, &v) {
        dir.append(&r).unwrap();
    }
    (v.decision, v.reasons.iter().collect())
}

#[test]
fn restart_keeps_calls_consent_and_registrations() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let engine = Engine::new(policy());
        let (mut dir, stats) = StateDir::open(tmp.path(), &engine, Durability::Always).unwrap();
        assert_eq!(stats.records, 0);
        let optin = ev(
            "2026-03-02T08:00:00+07:00",
            Channel::Sms,
            Kind::OptIn,
            "",
            "0912345678",
        );
        check(&engine, &mut dir, &optin);
        let call = ev(
            "2026-03-02T09:00:00+07:00",
            Channel::Call,
            Kind::Ad,
            "02473001234",
            "0912345678",
        );
        assert_eq!(check(&engine, &mut dir, &call).0, Decision::Allow);
        let reg = ev(
            "2026-03-02T09:00:00+07:00",
            Channel::Sms,
            Kind::Registration,
            "BANKVN",
            "0987654321",
        );
        assert_eq!(check(&engine, &mut dir, &reg).0, Decision::Allow);
    }
    // A new process: the second call of the day is still refused, the
    // consent is still there, the registration still counted.
    let engine = Engine::new(policy());
    let (mut dir, stats) = StateDir::open(tmp.path(), &engine, Durability::Always).unwrap();
    assert_eq!(stats.records, 3);
    let call = ev(
        "2026-03-02T10:00:00+07:00",
        Channel::Call,
        Kind::Ad,
        "02473001234",
        "0912345678",
    );
    assert_eq!(
        check(&engine, &mut dir, &call),
        (Decision::Block, vec![Reason::Frequency])
    );
    let sms = ev(
        "2026-03-02T10:00:00+07:00",
        Channel::Sms,
        Kind::Ad,
        "BANKVN",
        "0912345678",
    );
    assert_eq!(check(&engine, &mut dir, &sms).0, Decision::Allow);
    let reg = ev(
        "2026-03-03T10:00:00+07:00",
        Channel::Sms,
        Kind::Registration,
        "BANKVN",
        "0987654321",
    );
    let (d, r) = check(&engine, &mut dir, &reg);
    assert_eq!(d, Decision::Block);
    assert!(
        r.contains(&Reason::RegistrationRepeat) && r.contains(&Reason::Refused),
        "{r:?}"
    );

    // Compaction folds the files; a restart after it sees the same state,
    // minus ads older than 24 hours.
    dir.compact(policy(), at("2026-03-02T12:00:00+07:00"))
        .unwrap();
    let next = ev(
        "2026-03-02T11:00:00+07:00",
        Channel::Sms,
        Kind::Ad,
        "BANKVN",
        "0912345678",
    );
    assert_eq!(check(&engine, &mut dir, &next).0, Decision::Allow);
    drop(dir);
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != chanrac_store::LOCK_FILE)
        .collect();
    assert_eq!(names.len(), 2, "one snapshot and one journal: {names:?}");
    let engine2 = Engine::new(policy());
    let (mut dir2, stats) = StateDir::open(tmp.path(), &engine2, Durability::Manual).unwrap();
    assert_eq!(stats.snapshot, Some(1));
    for (t, ch, kind, src, to) in [
        (
            "2026-03-02T13:00:00+07:00",
            Channel::Call,
            Kind::Ad,
            "02473001234",
            "0912345678",
        ),
        (
            "2026-03-02T13:00:00+07:00",
            Channel::Sms,
            Kind::Ad,
            "BANKVN",
            "0912345678",
        ),
        (
            "2026-03-02T13:00:00+07:00",
            Channel::Sms,
            Kind::Ad,
            "BANKVN",
            "0912345678",
        ),
        (
            "2026-03-03T13:00:00+07:00",
            Channel::Sms,
            Kind::Registration,
            "BANKVN",
            "0987654321",
        ),
    ] {
        let e = ev(t, ch, kind, src, to);
        assert_eq!(engine.check(&e), engine2.check(&e), "{t} {kind:?}");
        let _ = &mut dir2;
    }
}

#[test]
fn a_torn_tail_is_cut_and_garbage_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let engine = Engine::new(policy());
        let (mut dir, _) = StateDir::open(tmp.path(), &engine, Durability::Always).unwrap();
        let optin = ev(
            "2026-03-02T08:00:00+07:00",
            Channel::Sms,
            Kind::OptIn,
            "",
            "0912345678",
        );
        check(&engine, &mut dir, &optin);
        let call = ev(
            "2026-03-02T09:00:00+07:00",
            Channel::Call,
            Kind::Ad,
            "02473001234",
            "0912345678",
        );
        assert_eq!(check(&engine, &mut dir, &call).0, Decision::Allow);
    }
    let j = tmp.path().join("journal-0.log");
    let mut bytes = std::fs::read(&j).unwrap();
    let whole = bytes.len();
    let tail = bytes[8..20].to_vec();
    bytes.extend_from_slice(&tail);
    std::fs::write(&j, &bytes).unwrap();
    let engine = Engine::new(policy());
    let (_, stats) = StateDir::open(tmp.path(), &engine, Durability::Always).unwrap();
    assert_eq!(stats.records, 2);
    assert_eq!(stats.torn_bytes, 12);
    assert_eq!(std::fs::metadata(&j).unwrap().len() as usize, whole);

    std::fs::write(&j, b"not a journal at all").unwrap();
    let e = StateDir::open(tmp.path(), &Engine::new(policy()), Durability::Always).unwrap_err();
    assert!(
        e.to_string()
            .contains("journal-0.log: not a chanrac journal"),
        "{e}"
    );
}
