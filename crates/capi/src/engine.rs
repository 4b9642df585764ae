//! The engine handle: open, reload, keep state, free.

use std::ffi::{c_char, c_int};
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use chanrac_core::state::journal::Record;
use chanrac_core::{Engine, Event, Policy, PolicyBuilder, Verdict};
use chanrac_store::shared::{BlockingState, SharedConfig, SharedStats, StoreError, Target};
use chanrac_store::{Durability, StateDir};
use parking_lot::Mutex;

use crate::args::path_arg;
use crate::error::{chanrac_error, guard, Error, CHANRAC_OK};

/// An engine: a policy, the live DNC list and the state (consent, counters,
/// registration marks), in memory, kept in a state directory, or shared by
/// every process in a store (`redis://`). Opaque; made by
/// chanrac_engine_open(), released by chanrac_engine_free().
///
/// Thread-safe: every function taking a `const chanrac_engine *` may be
/// called on one engine from many threads at once. Checks never wait for
/// one another (the policy is swapped atomically, counters are per pair);
/// only the journal appends of an engine with a state directory take a
/// lock, around the append and its `fdatasync`, and the checks of one
/// process on a shared store take turns on that process's one connection.
pub struct chanrac_engine {
    pub(crate) engine: Engine,
    /// Where the state is kept.
    state: State,
    /// What chanrac_engine_stats() reports.
    pub(crate) counters: crate::stats::Counters,
}

// C threads share one handle: it must be `Send + Sync` (checked here, at
// compile time).
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<chanrac_engine>();
};

/// Where an engine keeps its state.
enum State {
    /// In memory only (a state argument NULL or empty).
    Memory,
    /// A state directory: the journal, with its exclusive lock.
    Dir(Mutex<StateDir>),
    /// A shared store (`redis://…`), connected on first use in each
    /// process.
    Shared(Box<Shared>),
}

/// A shared store with one client per process. A worker forked after its
/// parent used the store makes a client of its own on its first check:
/// its own connection, and its own write tokens, which must differ from
/// every other process's (a write recognised by its token as one's own is
/// taken as committed), and its own counters.
struct Shared {
    url: String,
    config: SharedConfig,
    /// The process that made the client, and the client.
    client: Mutex<(u32, Arc<BlockingState>)>,
}

impl Shared {
    /// Parses `url`; connects nothing.
    fn new(url: &str, config: SharedConfig) -> Result<Shared, StoreError> {
        let client = BlockingState::new(url, config.clone())?;
        Ok(Shared {
            url: url.to_string(),
            config,
            client: Mutex::new((std::process::id(), Arc::new(client))),
        })
    }

    /// The store's URL, password hidden: `redis://user:***@host:port`.
    fn display(&self) -> String {
        let parts: Vec<String> = self
            .url
            .split(',')
            .map(|part| {
                let Some((scheme, rest)) = part.split_once("://") else {
                    return part.to_string();
                };
                let end = rest.find('/').unwrap_or(rest.len());
                match rest[..end].rsplit_once('@') {
                    Some((cred, host)) => {
                        let user = cred.split_once(':').map_or("", |(u, _)| u);
                        format!("{scheme}://{user}:***@{host}{}", &rest[end..])
                    }
                    None => part.to_string(),
                }
            })
            .collect();
        parts.join(",")
    }

    /// This process's client, made now in a process forked since.
    fn client(&self) -> Arc<BlockingState> {
        let pid = std::process::id();
        let mut c = self.client.lock();
        if c.0 != pid {
            // The URL parsed at the open: it parses again.
            if let Ok(fresh) = BlockingState::new(&self.url, self.config.clone()) {
                *c = (pid, Arc::new(fresh));
            }
        }
        Arc::clone(&c.1)
    }
}

impl chanrac_engine {
    /// Checks `ev` and, when the engine keeps state and the check counted,
    /// journals it. The verdict comes back even when journalling fails.
    pub(crate) fn check(&self, ev: &Event<'_>) -> (Verdict, Result<(), Error>) {
        let started = std::time::Instant::now();
        let state = match &self.state {
            State::Memory => {
                let v = self.engine.check(ev);
                self.counters.checked(&v, started.elapsed(), true);
                return (v, Ok(()));
            }
            State::Shared(store) => {
                // Never fails: a store that does not answer in time gives
                // the fail mode and STATE_UNAVAILABLE.
                let v = store.client().check(&self.engine, ev);
                self.counters.checked(&v, started.elapsed(), true);
                return (v, Ok(()));
            }
            State::Dir(state) => state,
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

    /// Runs `f` on the state directory when the engine keeps one; its error
    /// is `CHANRAC_ERR_STATE`, "state: cannot WHAT: …".
    fn with_dir(
        &self,
        what: &str,
        f: impl FnOnce(&mut StateDir) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        match &self.state {
            State::Dir(dir) => {
                f(&mut dir.lock()).map_err(|e| Error::state(format!("state: cannot {what}: {e}")))
            }
            State::Memory | State::Shared(_) => Ok(()),
        }
    }

    /// The shared store's counters in this process; `None` when the engine
    /// keeps no shared store.
    pub(crate) fn store_stats(&self) -> Option<SharedStats> {
        match &self.state {
            State::Shared(store) => Some(store.client().stats()),
            State::Memory | State::Dir(_) => None,
        }
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

/// Runs the body of an export on an engine, under [`guard`]: `body` on the
/// engine behind `engine` (the input error when it is NULL).
///
/// # Safety
/// `engine` is NULL or a live handle; `err` is NULL or valid for writing a
/// pointer.
pub(crate) unsafe fn on_engine<T>(
    engine: *const chanrac_engine,
    err: *mut *mut chanrac_error,
    fail: impl FnOnce(&Error) -> T,
    body: impl FnOnce(&chanrac_engine) -> Result<T, Error>,
) -> T {
    // SAFETY: `engine` is NULL or a live handle (contract).
    let body = || body(unsafe { engine_arg(engine) }?);
    // SAFETY: `err` is NULL or writable (contract).
    unsafe { guard(err, fail, body) }
}

/// [`on_engine`] for an export that returns a status: `CHANRAC_OK`, or the
/// error's code.
///
/// # Safety
/// As [`on_engine`].
pub(crate) unsafe fn engine_status(
    engine: *const chanrac_engine,
    err: *mut *mut chanrac_error,
    body: impl FnOnce(&chanrac_engine) -> Result<(), Error>,
) -> c_int {
    let body = |h: &chanrac_engine| body(h).map(|()| CHANRAC_OK);
    // SAFETY: forwarded from this function's contract.
    unsafe { on_engine(engine, err, |e| e.code, body) }
}

/// [`on_engine`] for an export that returns a count: the count, or `-1`.
///
/// # Safety
/// As [`on_engine`].
pub(crate) unsafe fn engine_count(
    engine: *const chanrac_engine,
    err: *mut *mut chanrac_error,
    body: impl FnOnce(&chanrac_engine) -> Result<usize, Error>,
) -> i64 {
    let body = |h: &chanrac_engine| body(h).map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    // SAFETY: forwarded from this function's contract.
    unsafe { on_engine(engine, err, |_| -1, body) }
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

/// Opens an engine on a policy: a policy directory (docs/formats.md) or a
/// snapshot file made by `chanrac build`. `state` says where the state
/// (consent, registration marks, counters) is kept: NULL or empty, a
/// directory, or a store URL.
///
/// **NULL or empty**: the state lives in memory only.
///
/// **A directory**: the engine restores the state kept in that directory,
/// creating it if needed, and journals every check that changes the state
/// before chanrac_check() returns (`fdatasync`: a crash loses nothing that
/// was answered). Live DNC changes are not part of that state: the list's
/// own feed (5656, dnc.csv) is their record.
///
/// One writer per state directory: the engine holds an exclusive lock on
/// `state/lock` until chanrac_engine_free() (workers forked after the open
/// share it). While another process, or another engine of this one, has the
/// directory open, this fails at once with `CHANRAC_ERR_STATE` and a message
/// naming the directory and saying another process has it open.
///
/// **A store URL**, `redis://[USER:PASSWORD@]HOST:PORT[/DB]` or `rediss://…`
/// (TLS), or several separated by commas (seed nodes of a Redis Cluster; a
/// single node in cluster mode is detected too): the state is shared with
/// every process and node that uses the same store, so the caps (one ad
/// call, three ad SMS per pair in 24 hours), the consent ledger and the
/// first-and-only registration message hold across all of them. Nothing is
/// connected here (a bad URL fails at once with `CHANRAC_ERR_INPUT`; a store
/// that is down does not): each process connects on its first check, and
/// again after an error, by itself. A host may therefore open the engine,
/// then fork() its workers: each worker opens its own connection and all
/// share the caps (a connection the parent opened is never used by a
/// child). The checks of one process take turns on its connection. Every
/// check waits for the store at most the store deadline (50 ms here; see
/// chanrac_engine_open_store()); when the store does not answer in time
/// (down, slow, failing over), an ad or registration that needed it is
/// blocked with `CHANRAC_REASON_STATE_UNAVAILABLE` (fail closed), and
/// chanrac_engine_store_stats() counts it. A check answered so may or may
/// not have been counted; none is ever counted twice. The policy's consent
/// records (`consents.csv`) reach the store through
/// chanrac_state_seed_consents(), which one process calls after the open.
///
/// Without a store, the library starts no thread: a host may open the
/// engine and then fork(), and each process then has its own copy of the
/// state from the fork on (counts made in one worker are not seen by
/// another; give each its own engine, or use a store). Processes that share
/// a state directory append whole records to one journal, and a restart
/// restores them all; only one of them may call chanrac_state_compact().
///
/// Returns NULL on failure (`CHANRAC_ERR_INPUT`, `CHANRAC_ERR_POLICY` with
/// the file, line and column, or `CHANRAC_ERR_STATE`), with `*err` set.
///
/// # Safety
/// `policy_path` and `state` are NULL or NUL-terminated strings; `err` is
/// NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_engine_open(
    policy_path: *const c_char,
    state: *const c_char,
    err: *mut *mut chanrac_error,
) -> *mut chanrac_engine {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        open(
            policy_path,
            state,
            CHANRAC_MODE_ENFORCE,
            Store::DEFAULT,
            err,
        )
    }
}

/// Enforce mode (chanrac_engine_open()): only allowed events change the
/// state.
pub const CHANRAC_MODE_ENFORCE: c_int = 0;
/// Audit mode: for logs of traffic already delivered, every ad and
/// registration changes the state whatever its verdict.
pub const CHANRAC_MODE_AUDIT: c_int = 1;
/// Monitor mode, a monitor-only rollout: every `block` action of the policy
/// becomes `flag` (every event is delivered, decision `CHANRAC_FLAG` with
/// its reasons) and a full state, or a store that does not answer,
/// delivers; the reasons are those of audit mode.
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
    state: *const c_char,
    mode: c_int,
    err: *mut *mut chanrac_error,
) -> *mut chanrac_engine {
    // SAFETY: forwarded from this function's contract.
    unsafe { open(policy_path, state, mode, Store::DEFAULT, err) }
}

/// On a store error (chanrac_engine_open_store()): an ad or registration
/// whose count or consent the store could not give in time is blocked with
/// `CHANRAC_REASON_STATE_UNAVAILABLE` (fail closed). The default.
pub const CHANRAC_ON_STORE_ERROR_BLOCK: c_int = 0;
/// On a store error: it is delivered, uncounted (fail open); the verdict
/// has no reason, and chanrac_engine_store_stats() counts it.
pub const CHANRAC_ON_STORE_ERROR_DELIVER: c_int = 1;

/// The store deadline chanrac_engine_open() uses, in milliseconds.
pub const CHANRAC_STORE_DEADLINE_MS_DEFAULT: u32 = 50;
/// The longest store deadline chanrac_engine_open_store() takes, in
/// milliseconds (one minute).
pub const CHANRAC_STORE_DEADLINE_MS_MAX: u32 = 60_000;

/// chanrac_engine_open_mode() with the shared store's settings, which apply
/// when `state` is a store URL (and are checked, then unused, otherwise):
///
/// - `store_deadline_ms`: the longest a check waits for the store, its
///   connection and retries included, in milliseconds; `0` means the
///   default, `CHANRAC_STORE_DEADLINE_MS_DEFAULT` (50 ms); at most
///   `CHANRAC_STORE_DEADLINE_MS_MAX`. A check never blocks much longer.
/// - `on_store_error`: what a check gets when the store does not answer in
///   time: `CHANRAC_ON_STORE_ERROR_BLOCK` (the default of
///   chanrac_engine_open()) or `CHANRAC_ON_STORE_ERROR_DELIVER`. In monitor
///   mode such a check is always delivered.
///
/// Another mode, a deadline above the maximum or another fail mode is
/// `CHANRAC_ERR_INPUT`.
///
/// # Safety
/// As chanrac_engine_open().
#[no_mangle]
pub unsafe extern "C" fn chanrac_engine_open_store(
    policy_path: *const c_char,
    state: *const c_char,
    mode: c_int,
    store_deadline_ms: u32,
    on_store_error: c_int,
    err: *mut *mut chanrac_error,
) -> *mut chanrac_engine {
    let store = Store {
        deadline_ms: store_deadline_ms,
        on_error: on_store_error,
    };
    // SAFETY: forwarded from this function's contract.
    unsafe { open(policy_path, state, mode, store, err) }
}

/// The shared store's settings, as the C caller gave them.
#[derive(Clone, Copy)]
struct Store {
    deadline_ms: u32,
    on_error: c_int,
}

impl Store {
    const DEFAULT: Store = Store {
        deadline_ms: 0,
        on_error: CHANRAC_ON_STORE_ERROR_BLOCK,
    };

    /// The store's configuration, or the input error naming the bad value.
    fn config(self) -> Result<SharedConfig, Error> {
        let deadline = match self.deadline_ms {
            0 => CHANRAC_STORE_DEADLINE_MS_DEFAULT,
            ms if ms <= CHANRAC_STORE_DEADLINE_MS_MAX => ms,
            ms => {
                return Err(Error::input(format!(
                    "`store_deadline_ms` {ms} is above {CHANRAC_STORE_DEADLINE_MS_MAX}"
                )))
            }
        };
        let on_error = match self.on_error {
            CHANRAC_ON_STORE_ERROR_BLOCK => chanrac_core::state::OnFull::Block,
            CHANRAC_ON_STORE_ERROR_DELIVER => chanrac_core::state::OnFull::Deliver,
            v => {
                return Err(Error::input(format!(
                    "unknown `on_store_error` {v}: expected CHANRAC_ON_STORE_ERROR_BLOCK (0) \
                     or CHANRAC_ON_STORE_ERROR_DELIVER (1)"
                )))
            }
        };
        Ok(SharedConfig {
            deadline: Duration::from_millis(u64::from(deadline)),
            on_error,
            ..SharedConfig::default()
        })
    }
}

/// The `state` argument of the openers, read.
enum StateArg<'a> {
    Memory,
    Dir(&'a std::path::Path),
    /// A store, not connected.
    Shared(Box<Shared>),
}

/// Reads a `state` argument: NULL or empty, a store URL (parsed, not
/// connected) or a directory.
///
/// # Safety
/// `state` is NULL or a NUL-terminated string that outlives `'a`.
unsafe fn state_arg<'a>(state: *const c_char, config: SharedConfig) -> Result<StateArg<'a>, Error> {
    // SAFETY: forwarded from this function's contract.
    let Some(path) = (unsafe { path_arg(state, "state") })? else {
        return Ok(StateArg::Memory);
    };
    let bytes = path.as_os_str().as_encoded_bytes();
    if !(bytes.starts_with(b"redis://") || bytes.starts_with(b"rediss://")) {
        return Ok(StateArg::Dir(path));
    }
    let url = path
        .to_str()
        .ok_or_else(|| Error::input("the store URL in `state` is not valid UTF-8"))?;
    debug_assert!(Target::is_url(url));
    Shared::new(url, config)
        .map(|s| StateArg::Shared(Box::new(s)))
        .map_err(|e| Error::input(format!("state: {}", redact(&e.to_string(), url))))
}

/// `message` with the password of every part of `url` replaced by `***`.
fn redact(message: &str, url: &str) -> String {
    let mut out = message.to_string();
    for part in url.split(',') {
        let Some((_, rest)) = part.split_once("://") else {
            continue;
        };
        // The user information ends at the last `@` before the path.
        let authority = rest.split('/').next().unwrap_or(rest);
        let Some((cred, _)) = authority.rsplit_once('@') else {
            continue;
        };
        let secret = cred.split_once(':').map_or(cred, |(_, p)| p);
        if !secret.is_empty() {
            out = out.replace(secret, "***");
        }
    }
    out
}

/// Every opener.
///
/// # Safety
/// As chanrac_engine_open().
unsafe fn open(
    policy_path: *const c_char,
    state: *const c_char,
    mode: c_int,
    store: Store,
    err: *mut *mut chanrac_error,
) -> *mut chanrac_engine {
    let body = || {
        let mode = match mode {
            CHANRAC_MODE_ENFORCE => chanrac_core::Mode::Enforce,
            CHANRAC_MODE_AUDIT => chanrac_core::Mode::Audit,
            CHANRAC_MODE_MONITOR => chanrac_core::Mode::Monitor,
            m => return Err(Error::input(format!("unknown mode {m}"))),
        };
        let mut store_config = store.config()?;
        let mut state_config = chanrac_core::state::StateConfig::default();
        if mode == chanrac_core::Mode::Monitor {
            state_config.on_full = chanrac_core::state::OnFull::Deliver;
            store_config.on_error = chanrac_core::state::OnFull::Deliver;
        }
        // A bad URL fails before the policy is read (nothing is connected).
        // SAFETY: `state` is NULL or a NUL-terminated string (contract).
        let state_arg = unsafe { state_arg(state, store_config) }?;
        // SAFETY: `policy_path` is NULL or a NUL-terminated string (contract).
        let policy = unsafe { load(policy_path) }?;
        let engine = chanrac_core::EngineBuilder::new()
            .mode(mode)
            .state(state_config)
            .build(policy);
        let state = match state_arg {
            StateArg::Memory => State::Memory,
            StateArg::Shared(store) => State::Shared(store),
            StateArg::Dir(dir) => {
                let (dir, _) = StateDir::open(dir, &engine, Durability::Always)
                    .map_err(|e| Error::state(format!("state: {e}")))?;
                State::Dir(Mutex::new(dir))
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
    let body = |h: &chanrac_engine| {
        // SAFETY: `policy_path` is NULL or a NUL-terminated string (contract).
        let policy = unsafe { load(policy_path) };
        h.counters.reloaded(policy.is_ok());
        h.engine.swap(policy?);
        Ok(())
    };
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
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
    let body = |h: &chanrac_engine| h.with_dir("sync the journal", StateDir::sync);
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
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
    let body = |h: &chanrac_engine| {
        let now = unix_time(now_unix_time)?;
        h.with_dir("compact", |dir| {
            // The fold needs the caps only: the journalled records are the
            // state (consents.csv is seeded again at every open).
            let policy = PolicyBuilder::new()
                .config(h.engine.policy().config().clone())
                .build();
            dir.compact(policy, now)
        })
    };
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
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
    let body = |h: &chanrac_engine| {
        let now = unix_time(now_unix_time)?;
        if h.engine.maintain(now).full {
            return Err(Error::state(format!(
                "state: the pair table cannot grow: {:?}",
                h.engine.state().stats()
            )));
        }
        Ok(())
    };
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
}

/// With a store (`redis://`), stores the consent records of the engine's
/// policy (`consents.csv`) in the store, each only where it is newer than
/// the pair's consent there, and returns how many records were sent. Checks
/// read consent from the store only: until this has run once against the
/// store, an ad that needs the policy's consent gets
/// `CHANRAC_REASON_NO_CONSENT`. Call it once after chanrac_engine_open()
/// and after every chanrac_engine_reload() that changed the consent
/// records, from any one process (the store is shared: not from every
/// forked worker). It connects (in the calling process) and makes one
/// round trip per record, each within the store deadline; running it again
/// changes nothing, so after an error the host simply calls it again.
///
/// Without a store it does nothing and returns 0: the engine's own table
/// takes the policy's consents at the open and at each reload.
///
/// Returns the count, or -1 with `*err` set (`CHANRAC_ERR_STATE` when the
/// store did not take a record in time; the records before it are stored).
///
/// # Safety
/// `engine` is a live handle; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_state_seed_consents(
    engine: *const chanrac_engine,
    err: *mut *mut chanrac_error,
) -> i64 {
    let body = |h: &chanrac_engine| {
        let State::Shared(store) = &h.state else {
            return Ok(0);
        };
        let n = store.client().seed_consents(&h.engine).map_err(|e| {
            Error::state(format!(
                "state: cannot store the policy's consents in {}: {e}",
                store.display()
            ))
        })?;
        Ok(n)
    };
    // SAFETY: the same contract.
    unsafe { engine_count(engine, err, body) }
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
