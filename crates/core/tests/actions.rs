//! Per-rule actions (`[actions]`) and monitor mode through the engine:
//! decisions follow the actions, `off` codes are decided and counted as if
//! the rule did not exist, a policy swap changes actions live, and monitor
//! mode delivers everything with the reasons of audit mode.

mod common;

use chanrac::actions::{Action, Actions};
use chanrac::policy::{Config, ConsentState};
use chanrac::state::{OnFull, StateConfig};
use chanrac::{
    Channel, Decision, EngineBuilder, Event, Kind, Mode, Number, Policy, PolicyBuilder, Reason,
    Sender,
};
use jiff::Timestamp;

fn num(s: &str) -> Number {
    Number::parse(s).expect("a valid number")
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("a valid time")
}

/// The bank's policy with `actions`, consent for 0912345678.
fn policy(actions: Actions) -> Policy {
    let mut b = PolicyBuilder::new();
    b.registry(common::bank_registry());
    b.consent(
        "bank",
        num("0912345678"),
        ConsentState::OptIn,
        at("2026-03-01T00:00:00Z"),
    );
    b.config(Config {
        actions,
        ..Config::default()
    });
    b.build()
}

fn ad<'a>(t: &str, to: &str, text: &'a str) -> Event<'a> {
    Event::new(
        at(t),
        Channel::Sms,
        Kind::Ad,
        Sender::parse("BANKVN").expect("a sender"),
        num(to),
    )
    .with_advertiser("bank")
    .with_text(text)
}

fn with(pairs: &[(Reason, Action)]) -> Actions {
    let mut a = Actions::default();
    for (r, x) in pairs {
        a.set(*r, *x).expect("a settable action");
    }
    a
}

#[test]
fn flagged_reasons_deliver_and_count() {
    // A missing label flags instead of blocking: the ad is delivered,
    // reported, and counted toward the cap.
    let e = EngineBuilder::new().build(policy(with(&[(Reason::Label, Action::Flag)])));
    for (i, t) in ["02:00", "03:00", "04:00"].iter().enumerate() {
        let v = e.check(&ad(
            &format!("2026-03-02T{t}:00Z"),
            "0912345678",
            "no label",
        ));
        assert_eq!(v.decision, Decision::Flag, "ad {i}");
        assert_eq!(v.reasons.iter().collect::<Vec<_>>(), vec![Reason::Label]);
        assert!(v.counted, "a flagged ad is delivered and counted");
    }
    // The fourth breaks the cap (3 counted): FREQUENCY blocks.
    let v = e.check(&ad("2026-03-02T05:00:00Z", "0912345678", "no label"));
    assert_eq!(v.decision, Decision::Block);
    assert!(v.reasons.contains(Reason::Frequency) && v.reasons.contains(Reason::Label));
    assert!(v.retry_at.is_some());
    assert!(!v.counted);
}

#[test]
fn off_reasons_vanish_and_the_event_counts_as_if_the_rule_did_not_exist() {
    let e = EngineBuilder::new().build(policy(with(&[
        (Reason::Frequency, Action::Off),
        (Reason::NoConsent, Action::Off),
    ])));
    // No consent for 0987654321: NO_CONSENT is off, so the ad is allowed
    // and counted; after three, FREQUENCY is off too.
    for i in 0..5 {
        let v = e.check(&ad(
            &format!("2026-03-02T0{}:00:00Z", i + 1),
            "0987654321",
            "[QC] ok",
        ));
        assert_eq!(v.decision, Decision::Allow, "ad {i}: {v:?}");
        assert!(v.reasons.is_empty());
        assert!(v.retry_at.is_none(), "no retry time for a rule that is off");
        assert!(v.counted);
    }
    // A blocking reason still blocks, and the off ones stay unreported.
    let v = e.check(&ad("2026-03-02T06:00:00Z", "0987654321", "unlabelled"));
    assert_eq!(v.decision, Decision::Block);
    assert_eq!(v.reasons.iter().collect::<Vec<_>>(), vec![Reason::Label]);
}

#[test]
fn default_actions_keep_the_old_decisions() {
    let e = EngineBuilder::new().build(policy(Actions::default()));
    let v = e.check(&ad("2026-03-02T02:00:00Z", "0987654321", "[QC] ok"));
    assert_eq!(v.decision, Decision::Block);
    assert_eq!(
        v.reasons.iter().collect::<Vec<_>>(),
        vec![Reason::NoConsent]
    );
    assert!(!v.counted);
}

#[test]
fn a_policy_swap_changes_actions_live() {
    let e = EngineBuilder::new().build(policy(Actions::default()));
    let unlabelled = || ad("2026-03-02T02:00:00Z", "0912345678", "no label");
    assert_eq!(e.check(&unlabelled()).decision, Decision::Block);
    e.swap(policy(with(&[(Reason::Label, Action::Flag)])));
    assert_eq!(e.check(&unlabelled()).decision, Decision::Flag);
    assert_eq!(
        e.decision([Reason::Label].into_iter().collect()),
        Decision::Flag
    );
    e.swap(policy(with(&[(Reason::Label, Action::Off)])));
    let v = e.check(&unlabelled());
    assert_eq!((v.decision, v.reasons.len()), (Decision::Allow, 0));
    e.swap(policy(Actions::default()));
    assert_eq!(e.check(&unlabelled()).decision, Decision::Block);
}

#[test]
fn monitor_mode_delivers_everything_with_the_reasons_of_audit() {
    let off = with(&[(Reason::Label, Action::Off)]);
    let events: Vec<(String, &str, &str)> = (0..6)
        .map(|i| {
            (
                format!("2026-03-02T0{}:00:00Z", i + 1),
                if i % 2 == 0 {
                    "0912345678"
                } else {
                    "0987654321"
                },
                if i % 3 == 0 { "no label" } else { "[QC] hi" },
            )
        })
        .collect();
    let audit = EngineBuilder::new().mode(Mode::Audit).build(policy(off));
    let monitor = EngineBuilder::new().mode(Mode::Monitor).build(policy(off));
    let mut reported = 0;
    for (t, to, text) in &events {
        let a = audit.check(&ad(t, to, text));
        let m = monitor.check(&ad(t, to, text));
        assert_eq!(m.reasons, a.reasons, "{t}");
        assert!(!m.reasons.contains(Reason::Label), "off stays off");
        assert!(m.is_delivered());
        assert_eq!(
            m.decision,
            if m.reasons.is_empty() {
                Decision::Allow
            } else {
                Decision::Flag
            }
        );
        assert!(m.counted, "counted as audit counts");
        reported += m.reasons.len();
    }
    assert!(reported > 0, "the day has reasons to report");
}

#[test]
fn monitor_mode_delivers_when_the_state_is_full() {
    // A small table, fail mode block: enforce blocks a new pair with
    // STATE_FULL, monitor delivers it uncounted.
    let small = StateConfig {
        initial_slots: 64,
        max_bytes: Some(64 * 32),
        on_full: OnFull::Block,
        ..StateConfig::default()
    };
    let acts = with(&[(Reason::NoConsent, Action::Off)]);
    let enforce = EngineBuilder::new()
        .state(small.clone())
        .build(policy(acts));
    let monitor = EngineBuilder::new()
        .mode(Mode::Monitor)
        .state(small)
        .build(policy(acts));
    let mut enforce_full = 0;
    for (i, to) in (0..100).map(|i| (i, format!("09123{i:05}"))) {
        let t = format!("2026-03-02T03:{:02}:00Z", i % 60);
        let v = enforce.check(&ad(&t, &to, "[QC] hi"));
        if v.reasons.contains(Reason::StateFull) {
            enforce_full += 1;
            assert_eq!(v.decision, Decision::Block);
        }
        let m = monitor.check(&ad(&t, &to, "[QC] hi"));
        assert!(!m.reasons.contains(Reason::StateFull), "{m:?}");
        assert!(m.is_delivered());
    }
    assert!(enforce_full > 0, "the table filled up");
}
