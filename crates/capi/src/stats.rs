//! Counters of an engine, for hosts with their own metrics system (the
//! counters `chanrac-smpp` and `chanrac-sip` serve with `--metrics`).

use std::ffi::c_int;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use chanrac_core::{Decision, Verdict};

use crate::args::out_arg;
use crate::engine::{chanrac_engine, engine_status};
use crate::error::chanrac_error;

/// How many reason slots `chanrac_stats` has: indexes `0` to
/// `CHANRAC_STATS_REASONS - 1` are reason bits (see chanrac_reason_code());
/// those at or above `CHANRAC_REASON_COUNT` stay 0.
pub const CHANRAC_STATS_REASONS: usize = 32;

/// What an engine counted since it was opened, and what it holds now, as
/// chanrac_engine_stats() fills it. Counters only grow; the state and DNC
/// figures are read at the time of the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct chanrac_stats {
    /// Events checked by chanrac_check().
    pub checks: u64,
    /// … allowed (no reason).
    pub allowed: u64,
    /// … blocked.
    pub blocked: u64,
    /// … flagged (delivered and reported).
    pub flagged: u64,
    /// Per reason bit: events blocked that had this reason.
    pub reasons_blocked: [u64; CHANRAC_STATS_REASONS],
    /// Per reason bit: events delivered (flagged) that had this reason:
    /// what would have been blocked under a `flag` action or in monitor mode.
    pub reasons_flagged: [u64; CHANRAC_STATS_REASONS],
    /// Sum of the checks' durations, in nanoseconds (with `checks`, the mean).
    pub check_ns_total: u64,
    /// The longest check, in nanoseconds.
    pub check_ns_max: u64,
    /// Checks whose state journal append failed (engine with a state
    /// directory).
    pub journal_errors: u64,
    /// (advertiser, recipient) pairs remembered now (a walk of the table).
    pub state_pairs: u64,
    /// Slots of the state table now.
    pub state_slots: u64,
    /// Bytes of the state tables now.
    pub state_bytes: u64,
    /// Events that met a full state (decided by the fail mode).
    pub state_full_events: u64,
    /// State tables grown into.
    pub state_migrations: u64,
    /// Numbers on the DNC list the policy loaded.
    pub dnc_numbers: u64,
    /// Live DNC changes not yet merged (chanrac_dnc_merge()).
    pub dnc_pending_changes: u64,
    /// Policies loaded: 1 after chanrac_engine_open(), plus each successful
    /// chanrac_engine_reload().
    pub policy_generation: u64,
    /// When the policy in force was loaded, Unix time in milliseconds.
    pub policy_loaded_unix_ms: i64,
    /// chanrac_engine_reload() calls that failed (the policy stayed).
    pub policy_reload_failures: u64,
}

/// The running counters inside an engine handle.
#[derive(Debug)]
pub(crate) struct Counters {
    decisions: [AtomicU64; 3],
    blocked: [AtomicU64; CHANRAC_STATS_REASONS],
    flagged: [AtomicU64; CHANRAC_STATS_REASONS],
    ns_total: AtomicU64,
    ns_max: AtomicU64,
    journal_errors: AtomicU64,
    generation: AtomicU64,
    loaded_ms: AtomicI64,
    reload_failures: AtomicU64,
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl Counters {
    /// Fresh counters, the policy loaded once, now.
    pub(crate) fn new() -> Counters {
        Counters {
            decisions: Default::default(),
            blocked: std::array::from_fn(|_| AtomicU64::new(0)),
            flagged: std::array::from_fn(|_| AtomicU64::new(0)),
            ns_total: AtomicU64::new(0),
            ns_max: AtomicU64::new(0),
            journal_errors: AtomicU64::new(0),
            generation: AtomicU64::new(1),
            loaded_ms: AtomicI64::new(now_ms()),
            reload_failures: AtomicU64::new(0),
        }
    }

    /// Counts one check.
    pub(crate) fn checked(&self, v: &Verdict, took: Duration, journalled: bool) {
        let r = Ordering::Relaxed;
        let d = match v.decision {
            Decision::Allow => 0,
            Decision::Block => 1,
            Decision::Flag => 2,
        };
        self.decisions[d].fetch_add(1, r);
        if d != 0 {
            let per = if d == 1 { &self.blocked } else { &self.flagged };
            let bits = u64::from(v.reasons.bits());
            for (i, c) in per.iter().enumerate() {
                if bits & (1 << i) != 0 {
                    c.fetch_add(1, r);
                }
            }
        }
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.ns_total.fetch_add(ns, r);
        self.ns_max.fetch_max(ns, r);
        if !journalled {
            self.journal_errors.fetch_add(1, r);
        }
    }

    /// Counts a reload.
    pub(crate) fn reloaded(&self, ok: bool) {
        if ok {
            self.generation.fetch_add(1, Ordering::Relaxed);
            self.loaded_ms.store(now_ms(), Ordering::Relaxed);
        } else {
            self.reload_failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Fills `*out` with the engine's counters (see `chanrac_stats`). Walks the
/// state table to count its pairs: call it from a metrics thread every few
/// seconds, not per check.
///
/// Returns `CHANRAC_OK`, or `CHANRAC_ERR_INPUT` (NULL `engine` or `out`)
/// with `*err` set.
///
/// # Safety
/// `engine` is a live handle; `out` is NULL or valid for writing a
/// `chanrac_stats`; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_engine_stats(
    engine: *const chanrac_engine,
    out: *mut chanrac_stats,
    err: *mut *mut chanrac_error,
) -> c_int {
    // SAFETY: the same contract.
    unsafe { fill(engine, out, err, chanrac_stats::of) }
}

impl chanrac_stats {
    /// The counters of `h` now.
    fn of(h: &chanrac_engine) -> chanrac_stats {
        let c = &h.counters;
        let r = Ordering::Relaxed;
        let state = h.engine.state();
        let st = state.stats();
        let dnc = h.engine.dnc();
        let n = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
        chanrac_stats {
            checks: c.decisions.iter().map(|d| d.load(r)).sum(),
            allowed: c.decisions[0].load(r),
            blocked: c.decisions[1].load(r),
            flagged: c.decisions[2].load(r),
            reasons_blocked: std::array::from_fn(|i| c.blocked[i].load(r)),
            reasons_flagged: std::array::from_fn(|i| c.flagged[i].load(r)),
            check_ns_total: c.ns_total.load(r),
            check_ns_max: c.ns_max.load(r),
            journal_errors: c.journal_errors.load(r),
            state_pairs: n(state.len()),
            state_slots: n(st.slots),
            state_bytes: n(st.bytes),
            state_full_events: st.full_events,
            state_migrations: st.migrations,
            dnc_numbers: n(dnc.base().len()),
            dnc_pending_changes: n(dnc.pending()),
            policy_generation: c.generation.load(r),
            policy_loaded_unix_ms: c.loaded_ms.load(r),
            policy_reload_failures: c.reload_failures.load(r),
        }
    }
}

/// The body of the exports that fill `*out` from the engine: `make`'s
/// result.
///
/// # Safety
/// `engine` is NULL or a live handle; `out` is NULL or valid for writing a
/// `T`; `err` is NULL or valid for writing a pointer.
unsafe fn fill<T>(
    engine: *const chanrac_engine,
    out: *mut T,
    err: *mut *mut chanrac_error,
    make: impl FnOnce(&chanrac_engine) -> T,
) -> c_int {
    let body = |h: &chanrac_engine| {
        // SAFETY: `out` is NULL or writable (contract).
        let out = unsafe { out_arg(out, "out") }?;
        out.write(make(h));
        Ok(())
    };
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
}

/// What an engine's shared store (a `redis://` state) did in this process,
/// as chanrac_engine_store_stats() fills it. Each process counts its own
/// checks: a worker forked after its parent checked on the store counts
/// from 0 from its first check. Counters only grow.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct chanrac_store_stats {
    /// `1` when the engine keeps its state in a shared store, else `0` (and
    /// every counter `0`).
    pub shared: c_int,
    /// Checks whose state step the store committed or confirmed.
    pub checks: u64,
    /// Tries that met a value another check had just written, and were
    /// decided again on it (races between processes, nodes or threads).
    pub conflicts: u64,
    /// Checks the store did not answer within the deadline: they got the
    /// fail mode and `CHANRAC_REASON_STATE_UNAVAILABLE` (see
    /// chanrac_engine_open_store()).
    pub unavailable: u64,
}

/// Fills `*out` with the counters of the engine's shared store in this
/// process (see `chanrac_store_stats`); for an engine without a store, with
/// `shared` 0 and zeros. Reads counters only: nothing is asked of the store.
///
/// Returns `CHANRAC_OK`, or `CHANRAC_ERR_INPUT` (NULL `engine` or `out`)
/// with `*err` set.
///
/// # Safety
/// `engine` is a live handle; `out` is NULL or valid for writing a
/// `chanrac_store_stats`; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_engine_store_stats(
    engine: *const chanrac_engine,
    out: *mut chanrac_store_stats,
    err: *mut *mut chanrac_error,
) -> c_int {
    let make = |h: &chanrac_engine| {
        h.store_stats()
            .map_or_else(chanrac_store_stats::default, |s| chanrac_store_stats {
                shared: 1,
                checks: s.checks,
                conflicts: s.conflicts,
                unavailable: s.unavailable,
            })
    };
    // SAFETY: the same contract.
    unsafe { fill(engine, out, err, make) }
}
