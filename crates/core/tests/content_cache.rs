//! The per-thread cache of content verdicts: a text checked again, among
//! many others that share its slot, gives the verdict a fresh scan gives;
//! a swapped policy is answered under the new lists at once; texts too long
//! to cache are still scanned.

#![allow(clippy::unwrap_used)]

use chanrac::content::{contact_numbers, FoldBuf, SignatureKind, SignatureSetBuilder};
use chanrac::event::{Channel, Event, Kind};
use chanrac::ident::Sender;
use chanrac::law::Reason;
use chanrac::number::Number;
use chanrac::policy::{Config, Policy, PolicyBuilder};
use chanrac::{Engine, Verdict};

fn policy(signature: &str, suspended: &str) -> Policy {
    let mut b = SignatureSetBuilder::new();
    b.add("vay", SignatureKind::Literal, signature);
    b.add("lai-0", SignatureKind::Regex, r"lai suat 0[.,]?\d*%");
    PolicyBuilder::new()
        .signatures(b.build().unwrap())
        .suspend(Number::parse(suspended).unwrap())
        .config(Config {
            require_consent: false,
            ..Config::default()
        })
        .build()
}

/// The texts: clean, matching a signature, naming a suspended contact, and
/// both; 600 of them, so that each of the 64 slots is shared many times.
fn texts() -> Vec<String> {
    (0..600)
        .map(|i| {
            let mut t = format!("[QC] Khuyen mai so {i} cho quy khach");
            if i % 3 == 0 {
                t.push_str(", vay tiền nhanh");
            }
            if i % 5 == 0 {
                t.push_str(", lãi suất 0,5%");
            }
            if i % 7 == 0 {
                t.push_str(", gọi 0912.345.678");
            }
            if i % 11 == 0 {
                t.push_str(", gọi 0913 000 111");
            }
            t
        })
        .collect()
}

fn check(engine: &Engine, text: &str) -> Verdict {
    let t = jiff::Timestamp::from_second(1_772_420_400).unwrap(); // 10:00 in Hanoi
    let ev = Event::new(
        t,
        Channel::Sms,
        Kind::P2p,
        Sender::parse("0987654321").unwrap(),
        Number::parse("0912000001").unwrap(),
    )
    .with_text(text);
    engine.check(&ev)
}

/// The content part of a verdict.
fn content(v: &Verdict) -> (bool, bool, Vec<u32>, Option<Number>) {
    (
        v.reasons.contains(Reason::SpamSignature),
        v.reasons.contains(Reason::SuspendedContact),
        v.signatures.clone(),
        v.contact,
    )
}

#[test]
fn repeated_texts_get_the_verdict_of_a_fresh_scan() {
    let texts = texts();
    // The oracle: the rules run directly, outside the engine.
    let p = policy("vay tiền nhanh", "0912345678");
    let fresh: Vec<_> = texts
        .iter()
        .map(|t| {
            let mut buf = FoldBuf::new();
            buf.fold(t);
            let mut signatures = Vec::new();
            p.signatures().scan(&buf, &mut signatures);
            let contact = contact_numbers(buf.folded())
                .into_iter()
                .find(|&n| p.is_suspended(n));
            (
                !signatures.is_empty(),
                contact.is_some(),
                signatures,
                contact,
            )
        })
        .collect();
    assert!(fresh.iter().any(|c| c.0) && fresh.iter().any(|c| c.1));
    assert!(fresh.iter().any(|c| !c.0 && !c.1));

    let engine = Engine::new(policy("vay tiền nhanh", "0912345678"));
    for round in 0..3 {
        // Forwards, then backwards, then by a stride: slots are reused in
        // other orders each round.
        let order: Vec<usize> = match round {
            0 => (0..texts.len()).collect(),
            1 => (0..texts.len()).rev().collect(),
            _ => (0..texts.len()).map(|i| i * 7 % texts.len()).collect(),
        };
        for i in order {
            assert_eq!(
                content(&check(&engine, &texts[i])),
                fresh[i],
                "{}",
                texts[i]
            );
            // The same text twice in a row: the second is the cached one.
            assert_eq!(
                content(&check(&engine, &texts[i])),
                fresh[i],
                "{}",
                texts[i]
            );
        }
    }
}

#[test]
fn a_swapped_policy_is_answered_under_its_own_lists() {
    let engine = Engine::new(policy("vay tiền nhanh", "0912345678"));
    let spam = "[QC] vay tiền nhanh, gọi 0912.345.678";
    let v = check(&engine, spam);
    assert!(v.reasons.contains(Reason::SpamSignature));
    assert!(v.reasons.contains(Reason::SuspendedContact));
    assert_eq!(v.contact, Some(Number::parse("0912345678").unwrap()));

    // The new policy has another literal and another suspended number.
    engine.swap(policy("giải ngân trong ngày", "0913000111"));
    let v = check(&engine, spam);
    assert!(!v.reasons.contains(Reason::SpamSignature), "{v:?}");
    assert!(!v.reasons.contains(Reason::SuspendedContact), "{v:?}");
    assert!(v.signatures.is_empty() && v.contact.is_none());

    // Another engine on this thread with the first lists: its own answer.
    let other = Engine::new(policy("vay tiền nhanh", "0912345678"));
    let v = check(&other, spam);
    assert!(v.reasons.contains(Reason::SpamSignature));
    assert!(v.reasons.contains(Reason::SuspendedContact));
}

#[test]
fn long_texts_are_scanned_every_time() {
    let engine = Engine::new(policy("vay tiền nhanh", "0912345678"));
    let long = format!("[QC] {} vay tiền nhanh", "khuyen mai ".repeat(200));
    assert!(long.len() > 1024);
    for _ in 0..3 {
        let v = check(&engine, &long);
        assert!(v.reasons.contains(Reason::SpamSignature));
        assert_eq!(v.signatures.len(), 1);
    }
    let clean = format!("[QC] {}", "khuyen mai ".repeat(200));
    assert!(!check(&engine, &clean)
        .reasons
        .contains(Reason::SpamSignature));
}
