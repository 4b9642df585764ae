//! The policy engine of chanrac: every advertising SMS and call a Vietnamese
//! carrier carries is checked against Decree 91/2020/ND-CP before it reaches
//! the subscriber, and the verdict names every rule broken, with its legal
//! clause and fine band.
//!
//! Two paths. The **compile path** turns the carrier's lists (Do-Not-Call,
//! brandnames, advertisers, consents, signatures, links) into one immutable
//! [`Policy`]; `chanrac-policy` reads them from files. The **check path** is
//! [`Engine::check`]: an [`Event`] in, a [`Verdict`] out, in microseconds,
//! without a lock, an allocation on the common path, I/O or a clock — the
//! event carries its own time.
//!
//! ```
//! use chanrac::dnc::{DncBuilder, Scopes};
//! use chanrac::{Channel, Decision, Engine, Event, Kind, Number, PolicyBuilder, Reason, Sender};
//!
//! let mut dnc = DncBuilder::new();
//! dnc.insert(Number::parse("0912 345 678").unwrap(), Scopes::ALL);
//! let engine = Engine::new(PolicyBuilder::new().dnc(dnc.build()).build());
//!
//! let time = "2026-03-02T09:15:00+07:00".parse().unwrap();
//! let ad = Event::new(time, Channel::Sms, Kind::Ad, Sender::parse("SHOPVN").unwrap(),
//!                     Number::parse("+84912345678").unwrap())
//!     .with_advertiser("shopvn")
//!     .with_text("[QC] Giảm 50% toàn bộ giày dép. Từ chối QC soạn TC gửi 9029");
//! let verdict = engine.check(&ad);
//! assert_eq!(verdict.decision, Decision::Block);
//! assert!(verdict.reasons.contains(Reason::Dnc));               // R1
//! assert!(verdict.reasons.contains(Reason::BrandUnregistered)); // R8
//! ```
//!
//! # The crate at a glance
//!
//! | type | what it is |
//! |---|---|
//! | [`Engine`] | the policy engine: [`Engine::check`] → [`Verdict`], never failing; `Send + Sync` |
//! | [`Policy`], [`PolicyBuilder`] | the immutable compiled whole: lists, registry, signatures, [`policy::Config`] |
//! | [`Event`] | one SMS, call or consent event; time is a field, the engine never reads the clock |
//! | [`Verdict`], [`Reasons`], [`Decision`] | allow / block / flag, every reason, data to act on |
//! | [`Reason`], [`law`] | reason code → rule → legal clause → fine band, as data |
//! | [`dnc::DncList`] | the Do-Not-Call list: a compact sorted index of number → channel scopes, read in place |
//! | [`registry::Registry`] | brandnames and ad-call numbers: owner, status, validity |
//! | [`content`] | text folding, spam-template signatures, contact numbers (S1, S3) |
//! | [`behavior`] | behavioural signs of spam sources (S4) |
//! | [`state::State`] | consent ledger, registration marks, sliding 24 h counters |
//!
//! The core does no I/O: `chanrac-policy` reads policy directories and event
//! files into these types, `chanrac-store` keeps the state on disk or in a
//! shared Redis store ([`Engine::prepare`] splits a check for it), and the
//! adapters own sockets and clocks.
//!
//! # Read next
//!
//! - [`docs::embedding`]: linking the engine into carrier software;
//! - [`docs::library`]: threads, policy swaps, the lock-free state, live DNC
//!   changes, durable state;
//! - [`docs::deployment`]: policies, snapshots, reloads, state directories;
//! - the repository's `docs/`: the rules exactly (`rules.md`), the file
//!   formats (`formats.md`), one process or many nodes (`deployment.md`).
#![deny(missing_docs)]

pub mod actions;
pub mod behavior;
pub mod content;
pub mod dnc;
pub mod docs;
pub mod engine;
pub mod event;
pub mod hash;
pub mod ident;
pub mod inbox;
pub mod law;
pub mod number;
pub mod policy;
pub mod registry;
mod rules;
pub mod state;
pub mod verdict;
pub mod window;

pub use engine::{Engine, EngineBuilder, Mode, PairCheck, PairOutcome, PairWords, Prepared};
pub use event::{Channel, Event, Kind};
pub use ident::Sender;
pub use law::Reason;
pub use number::Number;
pub use policy::{Policy, PolicyBuilder};
pub use verdict::{Decision, Reasons, Verdict};
