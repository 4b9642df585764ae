//! The engine handle: open, reload, keep state, free.

use std::ffi::{c_char, c_int};
use std::ptr;

use chanrac_core::state::journal::Record;
use chanrac_core::{Engine, Event, Policy, PolicyBuilder, Verdict};
use chanrac_store::{StateDir, Sync};
use parking_lot::Mutex;

use crate::args::path_arg;
use crate::error::{chanrac_error, guard, Error, CHANRAC_OK};

/// An engine: a policy, the live DNC list and the state (consent, counters,
/// registration marks), optionally kept in a state directory. Opaque; made
/// by chanrac_engine_open(), released by chanrac_engine_free().
///
/// Thread-safe: every function taking a `const chanrac_engine *` may be
/// called on one engine from many threads at once. Checks never wait for
/// one another (the policy is swapped atomically, counters are per pair);
/// only the journal appends of an engine with a state directory take a
/// lock, around the append and its `fdatasync`.
pub struct chanrac_engine {
    pub(crate) engine: Engine,
    /// The state directory, when the engine keeps one.
    state: Option<Mutex<StateDir>>,
    /// What chanrac_engine_stats() reports.
    pub(crate) counters: crate::stats::Counters,
}

// C threads share one handle: it must be `Send + Sync` (checked here, at
// compile time).
const _: () = {
    const fn shared<T: Send + std::marker::Sync>() {}
    shared::<chanrac_engine>();
};

impl chanrac_engine {
    /// Checks `ev` and, when the engine keeps state and the check counted,
    /// journals it. The verdict comes back even when journalling fails.
    pub(crate) fn check(&self, ev: &Event<'_>) -> (Verdict, Result<(), Error>) {
        let started = std::time::Instant::now();
        let Some(state) = &self.state else {
            let v = self.engine.check(ev);
            self.counters.checked(&v, started.elapsed(), true);
            return (v, Ok(()));
        };
        let policy = self.engine.policy();
        let v = self.engine.check(ev);
        let took = started.elapsed();
        let journalled = match Record::of_check(&policy, ev, &v) {
            Some(r) => state
                .lock()
                .append(&r)
                .map_err(|e| Error::state(format!("state: cannot journal the check: {e}"))),
            None => Ok(()),
        };
        self.counters.checked(&v, took, journalled.is_ok());
        (v, journalled)
    }
}

/// The engine behind a handle.
///
/// # Safety
/// `p` is NULL or a handle from [`chanrac_engine_open`] not yet freed.
pub(crate) unsafe fn engine_arg<'a>(p: *const chanrac_engine) -> Result<&'a chanrac_engine, Error> {
    // SAFETY: by this function's contract `p` is NULL or a live handle.
    unsafe { p.as_ref() }.ok_or_else(|| Error::null("engine"))
}

/// Loads the policy named by a `policy_path` argument.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
unsafe fn load(path: *const c_char) -> Result<Policy, Error> {
    // SAFETY: forwarded from this function's contract.
    let path = unsafe { path_arg(path, "policy_path") }?
        .ok_or_else(|| Error::input("`policy_path` is NULL or empty"))?;
    chanrac_policy::load(path).map_err(|e| Error::policy(e.to_string()))
}

/// Opens an engine on a policy: a policy directory (CONTRACT.md §1) or a
/// snapshot file made by `chanrac build`.
///
/// With `state_dir` (not NULL nor empty), the engine restores the state
/// (consent, registration marks, counters) kept in that directory, creating
/// it if needed, and journals every check that changes the state before
/// chanrac_check() returns (`fdatasync`: a crash loses nothing that was
/// answered). Live DNC changes are not part of that state: the list's own
/// feed (5656, dnc.csv) is their record. With NULL, the state lives in
/// memory only.
///
/// Starts no thread: a host may open the engine and then fork(); each
/// process then has its own copy of the state from the fork on (counts made
/// in one worker are not seen by another; give each its own engine, or
/// check in one process). Processes that share a state directory append
/// whole records to one journal, and a restart restores them all; only one
/// of them may call chanrac_state_compact().
///
/// One writer per state directory: the engine holds an exclusive lock on
/// `state_dir/lock` until chanrac_engine_free() (workers forked after the
/// open share it). While another process, or another engine of this one,
/// has the directory open, this fails at once with `CHANRAC_ERR_STATE` and
/// a message naming the directory and saying another process has it open.
///
/// Returns NULL on failure (`CHANRAC_ERR_INPUT`, `CHANRAC_ERR_POLICY` with
/// the file, line and column, or `CHANRAC_ERR_STATE`), with `*err` set.
///
/// # Safety
/// `policy_path` and `state_dir` are NULL or NUL-terminated strings; `err`
/// is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_engine_open(
    policy_path: *const c_char,
    state_dir: *const c_char,
    err: *mut *mut chanrac_error,
) -> *mut chanrac_engine {
    // SAFETY: forwarded from this function's contract.
    unsafe { open(policy_path, state_dir, CHANRAC_MODE_ENFORCE, err) }
}

/// Enforce mode (chanrac_engine_open()): only allowed events change the
/// state.
pub const CHANRAC_MODE_ENFORCE: c_int = 0;
/// Audit mode: for logs of traffic already delivered, every ad and
/// registration changes the state whatever its verdict.
pub const CHANRAC_MODE_AUDIT: c_int = 1;
/// Monitor mode, a monitor-only rollout: every `block` action of the policy
/// becomes `flag` (every event is delivered, decision `CHANRAC_FLAG` with
/// its reasons) and a full state delivers; the reasons are those of audit
/// mode.
pub const CHANRAC_MODE_MONITOR: c_int = 2;

/// chanrac_engine_open() in `mode`: `CHANRAC_MODE_ENFORCE`,
/// `CHANRAC_MODE_AUDIT` or `CHANRAC_MODE_MONITOR`; another value is
/// `CHANRAC_ERR_INPUT`.
///
/// # Safety
/// As chanrac_engine_open().
#[no_mangle]
pub unsafe extern "C" fn chanrac_engine_open_mode(
    policy_path: *const c_char,
    state_dir: *const c_char,
    mode: c_int,
    err: *mut *mut chanrac_error,
) -> *mut chanrac_engine {
    // SAFETY: forwarded from this function's contract.
    unsafe { open(policy_path, state_dir, mode, err) }
}

/// Both openers.
///
/// # Safety
/// As chanrac_engine_open().
unsafe fn open(
    policy_path: *const c_char,
    state_dir: *const c_char,
    mode: c_int,
    err: *mut *mut chanrac_error,
) -> *mut chanrac_engine {
    let body = || {
        let mode = match mode {
            CHANRAC_MODE_ENFORCE => chanrac_core::Mode::Enforce,
            CHANRAC_MODE_AUDIT => chanrac_core::Mode::Audit,
            CHANRAC_MODE_MONITOR => chanrac_core::Mode::Monitor,
            m => return Err(Error::input(format!("unknown mode {m}"))),
        };
        let mut state_config = chanrac_core::state::StateConfig::default();
        if mode == chanrac_core::Mode::Monitor {
            state_config.on_full = chanrac_core::state::OnFull::Deliver;
        }
        // SAFETY: `policy_path` is NULL or a NUL-terminated string (contract).
        let policy = unsafe { load(policy_path) }?;
        let engine = chanrac_core::EngineBuilder::new()
            .mode(mode)
            .state(state_config)
            .build(policy);
        // SAFETY: `state_dir` is NULL or a NUL-terminated string (contract).
        let state = match unsafe { path_arg(state_dir, "state_dir") }? {
            None => None,
            Some(dir) => {
                let (dir, _) = StateDir::open(dir, &engine, Sync::Always)
                    .map_err(|e| Error::state(format!("state: {e}")))?;
                Some(Mutex::new(dir))
            }
        };
        Ok(Box::into_raw(Box::new(chanrac_engine {
            engine,
            state,
            counters: crate::stats::Counters::new(),
        })))
    };
    // SAFETY: `err` is NULL or writable (contract).
    unsafe { guard(err, |_| ptr::null_mut(), body) }
}

/// Frees an engine (syncing its state directory, if any). NULL is allowed.
///
/// # Safety
/// `engine` is NULL or a handle from chanrac_engine_open(), freed once, with
/// no other call on it running or made afterwards.
#[no_mangle]
pub unsafe extern "C" fn chanrac_engine_free(engine: *mut chanrac_engine) {
    crate::error::catch((), || {
        if !engine.is_null() {
            // SAFETY: the handle came from `Box::into_raw` in
            // `chanrac_engine_open` and, by the contract above, is freed once
            // and no longer used.
            drop(unsafe { Box::from_raw(engine) });
        }
    })
}

/// Loads a policy (directory or snapshot file) and swaps it in atomically:
/// checks running finish on the old policy, later ones see the new one, no
/// check waits. Every DNC change made live since the engine was opened
/// (merged or not) stays on top of the new list; see chanrac_dnc_discard().
/// On failure the engine keeps its current policy.
///
/// Returns `CHANRAC_OK`, or `CHANRAC_ERR_INPUT` / `CHANRAC_ERR_POLICY` with
/// `*err` set.
///
/// # Safety
/// `engine` is a live handle; `policy_path` is NULL or a NUL-terminated
/// string; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_engine_reload(
    engine: *const chanrac_engine,
    policy_path: *const c_char,
    err: *mut *mut chanrac_error,
) -> c_int {
    let body = || {
        // SAFETY: `engine` is NULL or a live handle (contract).
        let h = unsafe { engine_arg(engine) }?;
        // SAFETY: `policy_path` is NULL or a NUL-terminated string (contract).
        let policy = unsafe { load(policy_path) };
        h.counters.reloaded(policy.is_ok());
        h.engine.swap(policy?);
        Ok(CHANRAC_OK)
    };
    // SAFETY: `err` is NULL or writable (contract).
    unsafe { guard(err, |e| e.code, body) }
}

/// Writes and syncs the state journal. Every counted check is already
/// synced before chanrac_check() returns, so this is only needed before
/// handing the directory to another program. Does nothing and returns
/// `CHANRAC_OK` when the engine keeps no state directory.
///
/// # Safety
/// `engine` is a live handle; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_state_sync(
    engine: *const chanrac_engine,
    err: *mut *mut chanrac_error,
) -> c_int {
    let body = || {
        // SAFETY: `engine` is NULL or a live handle (contract).
        let h = unsafe { engine_arg(engine) }?;
        if let Some(state) = &h.state {
            state
                .lock()
                .sync()
                .map_err(|e| Error::state(format!("state: cannot sync the journal: {e}")))?;
        }
        Ok(CHANRAC_OK)
    };
    // SAFETY: `err` is NULL or writable (contract).
    unsafe { guard(err, |e| e.code, body) }
}

/// Compacts the state directory as of `now_unix_time` (seconds; the engine
/// never reads the clock): rotates the journal and folds what it replaced
/// into a new snapshot, dropping ads older than 24 hours and consent and
/// registration marks older than 400 days. Safe against a crash at any
/// point. Checks that need to journal wait while it runs: call it at a quiet
/// moment (daily, say). Does nothing and returns `CHANRAC_OK` when the
/// engine keeps no state directory.
///
/// # Safety
/// `engine` is a live handle; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_state_compact(
    engine: *const chanrac_engine,
    now_unix_time: i64,
    err: *mut *mut chanrac_error,
) -> c_int {
    let body = || {
        // SAFETY: `engine` is NULL or a live handle (contract).
        let h = unsafe { engine_arg(engine) }?;
        let now = unix_time(now_unix_time)?;
        if let Some(state) = &h.state {
            // The fold needs the caps only: the journalled records are the
            // state (consents.csv is seeded again at every open).
            let policy = PolicyBuilder::new()
                .config(h.engine.policy().config().clone())
                .build();
            state
                .lock()
                .compact(policy, now)
                .map_err(|e| Error::state(format!("state: cannot compact: {e}")))?;
        }
        Ok(CHANRAC_OK)
    };
    // SAFETY: `err` is NULL or writable (contract).
    unsafe { guard(err, |e| e.code, body) }
}

/// Runs the state table's upkeep on the calling thread, judging expiry at
/// `now_unix_time` (seconds; the engine never reads the clock): when the
/// table of (advertiser, recipient) pairs is half full it allocates one twice
/// the size and migrates into it, so that no chanrac_check() has to. Call
/// it every second or so from a thread the host owns (the library starts
/// none); without it, checks do the same work in small steps. Checks on
/// other threads go on meanwhile. Returns `CHANRAC_ERR_STATE` when the table
/// could not grow (the allocator refused): new pairs then meet the fail
/// mode (their ads are blocked with `CHANRAC_REASON_STATE_FULL`).
///
/// # Safety
/// `engine` is a live handle; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_state_maintain(
    engine: *const chanrac_engine,
    now_unix_time: i64,
    err: *mut *mut chanrac_error,
) -> c_int {
    let body = || {
        // SAFETY: `engine` is NULL or a live handle (contract).
        let h = unsafe { engine_arg(engine) }?;
        let now = unix_time(now_unix_time)?;
        if h.engine.maintain(now).full {
            return Err(Error::state(format!(
                "state: the pair table cannot grow: {:?}",
                h.engine.state().stats()
            )));
        }
        Ok(CHANRAC_OK)
    };
    // SAFETY: `err` is NULL or writable (contract).
    unsafe { guard(err, |e| e.code, body) }
}

/// `now_unix_time` as a timestamp, or the input error naming it.
fn unix_time(now_unix_time: i64) -> Result<jiff::Timestamp, Error> {
    jiff::Timestamp::from_second(now_unix_time)
        .map_err(|_| Error::input(format!("`now_unix_time` {now_unix_time} is out of range")))
}

/// The library's version (`"0.1.0"`), a static string.
#[no_mangle]
pub extern "C" fn chanrac_version() -> *const c_char {
    crate::error::catch(std::ptr::null(), || {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}
