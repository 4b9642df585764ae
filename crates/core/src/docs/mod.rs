//! Long-form guides (documentation only; no code lives here).
//!
//! - [`embedding`]: linking the engine into carrier software — lifecycle,
//!   threads, live DNC updates, durable state, fork safety.
//! - [`library`]: the library beyond the first example — threads and
//!   policy swaps, the lock-free state, live DNC changes, durable state
//!   (the repository's `docs/library.md`, its examples run as doctests).
//! - [`deployment`]: running it — policy directories and snapshot files,
//!   reloads, state directories, the compliance tools around it.

pub mod deployment;
/// The repository's front page, compiled so that its example keeps running.
#[doc(hidden)]
#[doc = include_str!("../../../../README.md")]
pub mod readme {}
#[doc = include_str!("../../../../docs/library.md")]
pub mod library {}
pub mod embedding;
