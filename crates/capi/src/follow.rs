//! Following the DNC stream: the DNC changes published on any node
//! (`chanrac inbox --publish`, `chanrac dnc add --publish`) applied to this
//! engine's live DNC list, on a thread the host owns.

use std::ffi::{c_char, c_int};
use std::ptr;

use chanrac_store::shared::dnc::{
    start_position, stream_key, BlockingFollower, EntryId, FollowConfig, MERGE_AT,
};
use chanrac_store::shared::StoreError;

use crate::args::str_arg;
use crate::engine::{chanrac_engine, engine_status, on_engine};
use crate::error::{catch, chanrac_error, Error, CHANRAC_OK};

/// A follower of the DNC stream: where it stands and how to stop it. Made
/// by chanrac_dnc_follower_new(), run by chanrac_dnc_follow(), released by
/// chanrac_dnc_follower_free(). Opaque.
///
/// Thread-safe: chanrac_dnc_follow_stop(), chanrac_dnc_follower_position()
/// and chanrac_dnc_follower_applied() may be called from any thread while
/// chanrac_dnc_follow() runs on another.
pub struct chanrac_dnc_follower {
    inner: BlockingFollower,
}

/// The follower behind a handle.
///
/// # Safety
/// `p` is NULL or a live handle from [`chanrac_dnc_follower_new`].
unsafe fn follower_arg<'a>(p: *const chanrac_dnc_follower) -> Result<&'a BlockingFollower, Error> {
    // SAFETY: by this function's contract `p` is NULL or a live handle.
    unsafe { p.as_ref() }
        .map(|f| &f.inner)
        .ok_or_else(|| Error::null("follower"))
}

/// A follower of the DNC stream in the store at `url` (`redis://HOST:PORT`,
/// `rediss://…`, a password or ACL user in the URL; several
/// comma-separated seed nodes for a Redis Cluster), for `engine`. Opens
/// nothing and starts no thread: run it with chanrac_dnc_follow() on a
/// thread of yours.
///
/// The stream's key is `PREFIX:dnc`, with `prefix` NULL or empty meaning
/// `chanrac`. It is read from after the entry id `from`
/// (`MILLISECONDS-SEQUENCE`, e.g. `"0-0"` for the beginning); NULL or empty
/// means where the engine's policy stands: the position recorded in a
/// snapshot built with `chanrac build --dnc-stream` of this stream, else
/// `0-0` (a policy directory's list, then every change again, in order,
/// which gives the same list). Either way nothing is missed and nothing
/// applied twice.
///
/// Returns NULL on failure (`CHANRAC_ERR_INPUT`: a bad URL or `from`), with
/// `*err` set.
///
/// # Safety
/// `engine` is a live handle; `url`, `prefix` and `from` are NULL or
/// NUL-terminated strings; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_follower_new(
    engine: *const chanrac_engine,
    url: *const c_char,
    prefix: *const c_char,
    from: *const c_char,
    err: *mut *mut chanrac_error,
) -> *mut chanrac_dnc_follower {
    let body = |h: &chanrac_engine| {
        // SAFETY: the strings are NULL or NUL-terminated (contract).
        let (url, prefix, from) = unsafe {
            (
                str_arg(url, "url")?.trim(),
                str_arg(prefix, "prefix")?.trim(),
                str_arg(from, "from")?.trim(),
            )
        };
        if url.is_empty() {
            return Err(Error::input("`url` is NULL or empty"));
        }
        let prefix = if prefix.is_empty() { "chanrac" } else { prefix };
        let from = if from.is_empty() {
            start_position(&h.engine.policy(), &stream_key(prefix))
        } else {
            from.parse::<EntryId>().map_err(Error::input)?
        };
        let inner = BlockingFollower::new(
            url,
            FollowConfig {
                prefix: prefix.into(),
                from,
                // A stop is noticed within about this.
                block: std::time::Duration::from_millis(500),
                ..FollowConfig::default()
            },
        )
        .map_err(|e| Error::input(e.to_string()))?;
        Ok(Box::into_raw(Box::new(chanrac_dnc_follower { inner })))
    };
    // SAFETY: the same contract.
    unsafe { on_engine(engine, err, |_| ptr::null_mut(), body) }
}

/// Follows the stream on the calling thread: reads each new entry as it is
/// appended and applies it to `engine`'s live DNC list (as
/// chanrac_dnc_add() and chanrac_dnc_remove() do), in order; a change is in
/// force for every check that starts after the follower's position
/// (chanrac_dnc_follower_position()) reaches its entry. An entry that
/// cannot be applied (a bad number, an unknown change) is skipped. Past a
/// few thousand pending changes, this thread merges them into the list
/// (chanrac_dnc_merge()), checks going on meanwhile. Blocks
/// until chanrac_dnc_follow_stop() is called (then returns `CHANRAC_OK`
/// within about half a second), or until an error that retrying cannot fix
/// (`CHANRAC_ERR_STATE`: the key holds something that is not a stream, the
/// store refuses the login), with `*err` set. A store that is down, slow or
/// failing over is retried with backoff (100 ms doubling to 2 s) and
/// followed again from the position when it is back.
///
/// The library starts no thread: run this on one you own, in the process
/// whose checks need the changes (each process has its own copy of the
/// live list: forked workers each run their own, started after the fork),
/// with its own follower. `engine` and
/// `follower` must stay alive until it returns. Once stopped, a follower
/// stays stopped (this returns at once): make a new one from its position
/// to follow again.
///
/// The changes it applies are live changes like any other: they stay on
/// top of the list across chanrac_engine_reload(), and
/// chanrac_dnc_discard() forgets them, so a host that follows the stream
/// does not call chanrac_dnc_discard() (a snapshot built with `chanrac
/// build --dnc-stream` holds only the entries up to its position).
///
/// # Safety
/// `engine` and `follower` are live handles; `err` is NULL or valid for
/// writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_follow(
    engine: *const chanrac_engine,
    follower: *const chanrac_dnc_follower,
    err: *mut *mut chanrac_error,
) -> c_int {
    let body = |h: &chanrac_engine| {
        // SAFETY: `follower` is NULL or a live handle (contract).
        let f = unsafe { follower_arg(follower) }?;
        f.run(|changes| {
            h.engine.update_dnc(changes);
            if h.engine.dnc().pending() >= MERGE_AT {
                h.engine.merge_dnc();
            }
        })
        .map_err(|e: StoreError| {
            Error::state(format!("cannot follow the DNC stream `{}`: {e}", f.key()))
        })
    };
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
}

/// Asks chanrac_dnc_follow() running with `follower` (on another thread)
/// to return; safe to call before it starts, or more than once. Returns
/// `CHANRAC_OK`, or `CHANRAC_ERR_INPUT` when `follower` is NULL.
///
/// # Safety
/// `follower` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_follow_stop(follower: *const chanrac_dnc_follower) -> c_int {
    catch(crate::error::CHANRAC_ERR_INTERNAL, || {
        // SAFETY: `follower` is NULL or a live handle (contract).
        match unsafe { follower_arg(follower) } {
            Ok(f) => {
                f.stop();
                CHANRAC_OK
            }
            Err(e) => e.code,
        }
    })
}

/// Where `follower` stands: the id of the last entry applied, as its two
/// numbers (`*ms`-`*seq`; `0`-`0` before the first). Every change up to it
/// is in force. Either pointer may be NULL. Returns `CHANRAC_OK`, or
/// `CHANRAC_ERR_INPUT` when `follower` is NULL.
///
/// # Safety
/// `follower` is NULL or a live handle; `ms` and `seq` are NULL or valid
/// for writing a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_follower_position(
    follower: *const chanrac_dnc_follower,
    ms: *mut u64,
    seq: *mut u64,
) -> c_int {
    catch(crate::error::CHANRAC_ERR_INTERNAL, || {
        // SAFETY: `follower` is NULL or a live handle (contract).
        let f = match unsafe { follower_arg(follower) } {
            Ok(f) => f,
            Err(e) => return e.code,
        };
        let p = f.status().position();
        // SAFETY: each pointer is NULL or writable (contract).
        unsafe {
            if let Some(out) = ms.as_mut() {
                *out = p.ms;
            }
            if let Some(out) = seq.as_mut() {
                *out = p.seq;
            }
        }
        CHANRAC_OK
    })
}

/// How many stream entries `follower` has applied since it was made (`0`
/// when `follower` is NULL).
///
/// # Safety
/// `follower` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_follower_applied(
    follower: *const chanrac_dnc_follower,
) -> u64 {
    catch(0, || {
        // SAFETY: `follower` is NULL or a live handle (contract).
        unsafe { follower_arg(follower) }.map_or(0, |f| f.status().applied())
    })
}

/// Releases a follower. Call it only after chanrac_dnc_follow() has
/// returned (stop it first). NULL is ignored.
///
/// # Safety
/// `follower` is NULL or a handle from chanrac_dnc_follower_new() not yet
/// freed, which nothing uses any more.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_follower_free(follower: *mut chanrac_dnc_follower) {
    catch((), || {
        if !follower.is_null() {
            // SAFETY: `follower` came from `Box::into_raw` in
            // chanrac_dnc_follower_new() and is freed once (contract).
            drop(unsafe { Box::from_raw(follower) });
        }
    })
}
