//! # Embedding the engine
//!
//! The engine is a value you own: build it once, share it between threads,
//! check events, swap its policy, and persist what it counts.
//!
//! ## Lifecycle
//!
//! ```
//! use chanrac::dnc::{DncBuilder, DncChange, Scopes};
//! use chanrac::ident::Identifier;
//! use chanrac::registry::{Registration, RegistryBuilder, Status};
//! use chanrac::{Channel, Decision, EngineBuilder, Event, Kind, Mode, Number, PolicyBuilder, Reason, Sender};
//!
//! // 1. The compile path: lists → a Policy. (A host usually calls
//! //    `chanrac_policy::load(path)` on a directory or a snapshot file.)
//! let mut registry = RegistryBuilder::new();
//! registry.insert(
//!     Identifier::parse("02473001234").unwrap(),
//!     Registration { owner: "bank".into(), status: Status::Active, valid_from: None, valid_until: None },
//! ).unwrap();
//! let mut policy = PolicyBuilder::new();
//! policy.registry(registry.build());
//! let t0: jiff::Timestamp = "2026-03-02T01:00:00Z".parse().unwrap(); // 08:00 in Vietnam
//! policy.consent("bank", Number::parse("0912345678").unwrap(), chanrac::policy::ConsentState::OptIn, t0);
//!
//! // 2. One engine for the whole process (it is Send + Sync).
//! let engine = EngineBuilder::new().mode(Mode::Enforce).build(policy.build());
//!
//! // 3. The check path: the adapter stamps the time; the engine never
//! //    reads the clock, never fails, never blocks on another check.
//! let call = |minutes: i64| {
//!     let t = t0 + jiff::SignedDuration::from_mins(60 + minutes); // 09:00 + m
//!     Event::new(t, Channel::Call, Kind::Ad, Sender::parse("02473001234").unwrap(),
//!                Number::parse("0912345678").unwrap())
//!         .with_advertiser("bank")
//! };
//! assert_eq!(engine.check(&call(0)).decision, Decision::Allow);
//! let second = engine.check(&call(5));
//! assert_eq!(second.decision, Decision::Block);
//! assert!(second.reasons.contains(Reason::Frequency)); // R5: one ad call a day
//! assert!(second.retry_at.is_some());                 // when the cap reopens
//!
//! // 4. Live DNC changes take effect for the next check.
//! let n = Number::parse("0987654321").unwrap();
//! engine.update_dnc(&[(n, DncChange::Add(Scopes::CALL))]);
//! let to_n = Event::new(t0 + jiff::SignedDuration::from_hours(2), Channel::Call, Kind::Ad,
//!                       Sender::parse("02473001234").unwrap(), n).with_advertiser("bank");
//! assert!(engine.check(&to_n).reasons.contains(Reason::Dnc));
//! ```
//!
//! ## Threads
//!
//! [`Engine::check`](crate::Engine::check) takes `&self`: put the engine in
//! an `Arc` (or a `static`) and call it from every worker. The policy is an
//! immutable snapshot behind `arc-swap`: loading it is a few atomic
//! operations, and [`Engine::swap`](crate::Engine::swap) replaces it while
//! checks run, without making any of them wait. The state rules (R4–R7)
//! run as one read-decide-commit step on the (advertiser, recipient) pair:
//! a compare-and-swap on one 64-bit word of the pair's slot in a lock-free
//! table ([`crate::state`]), retried on the new value when another thread
//! got there first, so two threads can never both be granted the one ad
//! call of the day to a number (`tests/contention.rs` checks the exact
//! counts with 6–8 threads, also while the table grows). No check takes a
//! lock or allocates (`tests/no_alloc.rs`) once the advertiser is known and
//! the table has room.
//!
//! Each thread that checks SMS text keeps its own scratch: the folding
//! buffers, and the content verdicts (S1, S3) of the last 1,024 texts it
//! checked, so that a campaign's one text sent to many recipients is folded
//! and scanned once (about 100 KB a thread, plus the texts, at most 1 KiB
//! each; keyed by the policy, so a swap takes effect on the next check).
//!
//! ## Sizing the state, and when it is full
//!
//! The pair table starts at [`StateConfig::initial_slots`](crate::state::StateConfig)
//! (32 bytes a slot; a national deployment sizes it for its pairs up front)
//! and doubles when half full. Call [`Engine::maintain`](crate::Engine::maintain)
//! from a thread you own, every second or so, and the growth (an allocation
//! and a migration) happens there; otherwise the check that finds the table
//! 70 % full allocates it and every check migrates 64 slots until done.
//! The host's growths (judged by the clock it passes) drop expired entries:
//! ads 25 h after their time, opt-ins and registration marks after
//! `retention_days` (400 by default, at least 365; opt-outs never); a
//! check's growth copies everything. A live entry is never dropped to make
//! room. If the table cannot grow (the allocator refuses, or `max_bytes`),
//! `maintain` reclaims what expired into a table of the same size at most
//! once an hour, and a new pair that finds no slot is handled by
//! [`OnFull`](crate::state::OnFull): `Block` (the default) blocks its ads with
//! `STATE_FULL`, `Deliver` lets them through uncounted; watch
//! [`StateStats::full_events`](crate::state::StateStats).
//!
//! ```
//! use chanrac::state::{OnFull, StateConfig};
//! use chanrac::{EngineBuilder, Policy};
//!
//! let engine = EngineBuilder::new()
//!     .state(StateConfig {
//!         initial_slots: 1 << 20,          // 32 MiB: about 500,000 pairs before the first growth
//!         max_bytes: Some(8 << 30),        // never more than 8 GiB of tables
//!         on_full: OnFull::Block,
//!         ..StateConfig::default()
//!     })
//!     .build(Policy::default());
//! // On the host's maintenance thread, with the host's clock:
//! let m = engine.maintain(jiff::Timestamp::now());
//! assert!(!m.full);
//! ```
//!
//! ## Live DNC updates
//!
//! [`Engine::update_dnc`](crate::Engine::update_dnc) applies `DK DNC` /
//! `HUY DNC` at once through a small overlay on the base list;
//! [`Engine::merge_dnc`](crate::Engine::merge_dnc) folds the overlay into a
//! new list (a sorted merge, about a second at 20M numbers) **on the
//! calling thread**. Call it from a thread you own, every
//! few minutes or when [`DncView::pending`](crate::dnc::DncView::pending)
//! grows past a few thousand.
//!
//! ## Durable state
//!
//! The engine keeps consent, registration marks and counters in memory. To
//! keep them across restarts, append
//! [`Record::of_check`](crate::state::journal::Record::of_check) to a
//! `chanrac_store::StateDir` after every check that returns one, and open
//! the directory (which restores it) before taking traffic. With
//! `Durability::Always` nothing acknowledged is lost in a crash.
//!
//! ## Fork safety
//!
//! Nothing in this crate starts a thread: building an engine, loading a
//! policy, checking and swapping run on the caller's threads only. A host
//! that forks its workers after loading (Kamailio, many SMSCs) may build the
//! engine before `fork()`; each child then has its own copy of the state
//! (share counts between children by giving each its own engine and state
//! directory, or by running the engine in one process behind the SMPP or SIP
//! adapter).
