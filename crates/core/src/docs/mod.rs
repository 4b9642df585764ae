//! Long-form guides (documentation only; no code lives here).
//!
//! - [`embedding`]: linking the engine into carrier software — lifecycle,
//!   threads, live DNC updates, durable state, fork safety.
//! - [`deployment`]: running it — policy directories and snapshot files,
//!   reloads, state directories, the compliance tools around it.

pub mod deployment;
pub mod embedding;
