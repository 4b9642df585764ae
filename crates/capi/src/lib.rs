//! The C ABI of chanrac: `libchanrac.a` and `libchanrac.so`, declared by
//! `include/chanrac.h` (generated from this crate by cbindgen; the C
//! documentation lives there, and `examples/c/check.c` shows it in use).
//!
//! The functions are thin wrappers over [`chanrac_core::Engine`],
//! [`chanrac_policy::load`] and [`chanrac_store::StateDir`]; what this crate
//! adds is the boundary discipline, like `regex-capi`:
//!
//! - **No panic crosses into C.** Every export runs its body under
//!   [`std::panic::catch_unwind`] (`error::guard` / `error::catch`); a panic
//!   becomes `CHANRAC_ERR_INTERNAL` through the error out-parameter, or the
//!   function's failure value (NULL, `-1`). This needs the default
//!   `panic = "unwind"`: a host that builds the library with
//!   `panic = "abort"` gets an abort instead.
//! - **Errors through an out-parameter** (`chanrac_error **err`, NULL to
//!   ignore), with a `CHANRAC_ERR_*` code and a message.
//! - **Null pointers are checked** wherever the contract does not give NULL
//!   a meaning; NULL strings in an event read as empty.
//! - **Thread-safe**: one `chanrac_engine` serves many threads (it is
//!   `Send + Sync`, asserted at compile time); the locks are the
//!   `parking_lot::Mutex` around the state journal's appends and, with a
//!   shared store, the one around each process's store connection.
//! - **Fork-safe**: nothing starts a thread or holds a lock between calls,
//!   so a host may open the engine, then `fork()` its workers (Kamailio
//!   does); `examples/c/check.c` checks in a forked child. With a shared
//!   store (`redis://`) nothing connects at the open, and each process
//!   makes its own client (connection and write tokens) on its first
//!   check, so forked workers share the caps through the store;
//!   `tests/c/shared_state.c` races forked workers for the same pairs.
//!
//! Every `unsafe` block states why it is sound (`// SAFETY:`), and every
//! export documents its caller's obligations in a `# Safety` section.
#![deny(missing_docs)]
#![allow(non_camel_case_types)] // C names: `chanrac_engine`, `chanrac_event`

mod args;

// One group each, so that rustfmt keeps this order, which cbindgen follows
// in the header: the engine, checking, the live DNC list, following the DNC
// stream, errors, counters.
mod engine;

mod check;

mod dnc;

mod follow;

mod error;

mod stats;

pub use check::*;
pub use dnc::*;
pub use engine::*;
pub use error::*;
pub use follow::*;
pub use stats::*;

#[cfg(test)]
mod tests;
