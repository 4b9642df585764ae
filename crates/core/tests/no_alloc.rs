//! The ad-call check path allocates nothing: a counting global allocator
//! watches `Engine::check` on ad calls to new and known pairs (the state
//! table sized up front, as a host does with `StateConfig::initial_slots`
//! or `Engine::maintain`), and on ad SMS without signature matches.

#![allow(clippy::unwrap_used, clippy::panic)]
// A counting global allocator is unsafe by its trait; test-only.
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chanrac::dnc::{DncBuilder, Scopes};
use chanrac::policy::{Config, PolicyBuilder};
use chanrac::state::StateConfig;
use chanrac::{Channel, Decision, EngineBuilder, Event, Kind, Number, Reason, Sender};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn ad_checks_do_not_allocate() {
    let mut dnc = DncBuilder::new();
    for i in 0..1000 {
        dnc.insert(Number::parse(&format!("0988{i:06}")).unwrap(), Scopes::ALL);
    }
    let config = Config {
        require_consent: false,
        ..Config::default()
    };
    let engine = EngineBuilder::new()
        .state(StateConfig {
            initial_slots: 1 << 16,
            ..StateConfig::default()
        })
        .build(
            PolicyBuilder::new()
                .registry(common::bank_registry())
                .dnc(dnc.build())
                .config(config)
                .build(),
        );
    let t = jiff::Timestamp::from_second(1_772_420_400).unwrap();
    let caller = Sender::parse("02473001234").unwrap();
    let brand = Sender::parse("BANKVN").unwrap();
    let recipients: Vec<Number> = (0..10_000)
        .map(|i| Number::parse(&format!("0912{i:06}")).unwrap())
        .collect();
    let listed = Number::parse("0988000007").unwrap();
    // Warm up thread-locals (the content cache: the registered brandname
    // is a protected brand, so SMS texts are read for links) and the
    // arc-swap debt list.
    let _ = engine
        .check(&Event::new(t, Channel::Call, Kind::Ad, caller, listed).with_advertiser("bank"));
    let _ = engine.check(
        &Event::new(t, Channel::Sms, Kind::Ad, brand, listed)
            .with_advertiser("bank")
            .with_text("[QC] Lai suat uu dai thang 3"),
    );

    ALLOCS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let mut allowed = 0;
    let mut blocked = 0;
    for round in 0..2 {
        for &r in &recipients {
            // New pairs in round 0, known (and capped) in round 1.
            let call = Event::new(t, Channel::Call, Kind::Ad, caller, r).with_advertiser("bank");
            let v = engine.check(&call);
            if round == 0 {
                allowed += usize::from(v.decision == Decision::Allow);
            } else {
                blocked += usize::from(v.reasons.contains(Reason::Frequency));
            }
            let sms = Event::new(t, Channel::Sms, Kind::Ad, brand, r)
                .with_advertiser("bank")
                .with_text("[QC] Lai suat uu dai thang 3");
            let _ = engine.check(&sms);
        }
        let v = engine
            .check(&Event::new(t, Channel::Call, Kind::Ad, caller, listed).with_advertiser("bank"));
        assert!(v.reasons.contains(Reason::Dnc));
    }
    COUNTING.store(false, Ordering::Relaxed);
    assert_eq!(
        ALLOCS.load(Ordering::Relaxed),
        0,
        "allocations on the check path"
    );
    assert_eq!((allowed, blocked), (10_000, 10_000));
}
