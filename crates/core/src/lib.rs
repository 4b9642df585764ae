//! chanrac ("chặn rác", stop the spam): checks advertising SMS and calls
//! against Vietnam's Decree 91/2020/ND-CP, in-line, in microseconds.
//!
//! (overview written below once the content module lands)
#![deny(missing_docs)]

pub mod behavior;
pub mod content;
pub mod dnc;
pub mod engine;
pub mod event;
pub mod ident;
pub mod law;
pub mod number;
pub mod policy;
pub mod registry;
pub mod state;
pub mod verdict;
pub mod window;

pub use engine::{Engine, EngineBuilder, Mode};
pub use event::{Channel, Event, Kind};
pub use ident::Sender;
pub use law::Reason;
pub use number::Number;
pub use policy::{Policy, PolicyBuilder};
pub use verdict::{Decision, Reasons, Verdict};
