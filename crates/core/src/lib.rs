#![doc = include_str!("../../../README.md")]
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
//! files into these types, and the adapters own sockets and clocks.
#![deny(missing_docs)]

pub mod actions;
pub mod behavior;
pub mod content;
pub mod dnc;
pub mod docs;
pub mod engine;
pub mod event;
pub(crate) mod hash;
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
