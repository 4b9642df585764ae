//! Live changes to the Do-Not-Call list.

use std::ffi::{c_char, c_int};

use chanrac_core::dnc::{DncChange, Scopes};
use chanrac_core::Number;

use crate::args::str_arg;
use crate::engine::{chanrac_engine, engine_count, engine_status, on_engine};
use crate::error::{chanrac_error, Error};

/// DNC scope bit: ad SMS and registration messages refused (`sms`, 5656
/// letter S).
pub const CHANRAC_SCOPE_SMS: c_int = 1;
/// DNC scope bit: ad calls refused (`call`, 5656 letter V).
pub const CHANRAC_SCOPE_CALL: c_int = 2;
/// Both DNC scopes (`all`).
pub const CHANRAC_SCOPE_ALL: c_int = 3;

/// A required number argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn number_arg(p: *const c_char) -> Result<Number, Error> {
    // SAFETY: forwarded from this function's contract.
    match unsafe { str_arg(p, "number") }?.trim() {
        "" => Err(Error::input("`number` is NULL or empty")),
        s => Number::parse(s).map_err(|e| Error::input(format!("bad number `{s}`: {e}"))),
    }
}

/// Applies one change; the body of chanrac_dnc_add() and chanrac_dnc_remove().
///
/// # Safety
/// As chanrac_dnc_add().
unsafe fn change(
    engine: *const chanrac_engine,
    number: *const c_char,
    scope: *const c_char,
    err: *mut *mut chanrac_error,
    make: fn(Scopes) -> DncChange,
) -> c_int {
    let body = |h: &chanrac_engine| {
        // SAFETY: `number` is NULL or NUL-terminated (contract).
        let n = unsafe { number_arg(number) }?;
        // SAFETY: `scope` is NULL or NUL-terminated (contract).
        let scopes = match unsafe { str_arg(scope, "scope") }?.trim() {
            "" => Scopes::ALL,
            s => Scopes::parse(s).ok_or_else(|| {
                Error::input(format!("unknown scope `{s}`: expected sms, call or all"))
            })?,
        };
        h.engine.update_dnc(&[(n, make(scopes))]);
        Ok(())
    };
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
}

/// Puts `number` on the DNC list for `scope` (`"sms"`, `"call"` or
/// `"all"`; NULL or empty means `"all"`), on top of the scopes it has: `DK
/// DNC` from 5656 or an operator feed. Takes effect for every check that
/// starts after this returns; no check waits.
///
/// Live changes are kept in memory, not in the state directory: the feed
/// is their record. chanrac_engine_reload() puts every change made live
/// since the engine was opened, merged (chanrac_dnc_merge()) or not, back
/// on top of the reloaded list, so a list exported before they arrived does
/// not undo them; call chanrac_dnc_discard() after reloading a list that
/// holds them (the `dnc.csv` that `chanrac inbox` writes).
///
/// Returns `CHANRAC_OK`, or `CHANRAC_ERR_INPUT` (a bad number or scope) with
/// `*err` set.
///
/// # Safety
/// `engine` is a live handle; `number` and `scope` are NULL or
/// NUL-terminated strings; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_add(
    engine: *const chanrac_engine,
    number: *const c_char,
    scope: *const c_char,
    err: *mut *mut chanrac_error,
) -> c_int {
    // SAFETY: the same contract.
    unsafe { change(engine, number, scope, err, DncChange::Add) }
}

/// Takes `scope` (`"sms"`, `"call"` or `"all"`; NULL or empty means
/// `"all"`) off `number`'s DNC scopes: `HUY DNC`. Otherwise as
/// chanrac_dnc_add().
///
/// # Safety
/// As chanrac_dnc_add().
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_remove(
    engine: *const chanrac_engine,
    number: *const c_char,
    scope: *const c_char,
    err: *mut *mut chanrac_error,
) -> c_int {
    // SAFETY: the same contract.
    unsafe { change(engine, number, scope, err, DncChange::Remove) }
}

/// The DNC scopes of `number` now (live changes included): `0` (not on the
/// list), `CHANRAC_SCOPE_SMS`, `CHANRAC_SCOPE_CALL` or `CHANRAC_SCOPE_ALL`;
/// `-1` on failure (a bad number), with `*err` set.
///
/// # Safety
/// `engine` is a live handle; `number` is NULL or a NUL-terminated string;
/// `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_lookup(
    engine: *const chanrac_engine,
    number: *const c_char,
    err: *mut *mut chanrac_error,
) -> c_int {
    let body = |h: &chanrac_engine| {
        // SAFETY: `number` is NULL or NUL-terminated (contract).
        let n = unsafe { number_arg(number) }?;
        Ok(c_int::from(h.engine.dnc().get(n).bits()))
    };
    // SAFETY: the same contract.
    unsafe { on_engine(engine, err, |_| -1, body) }
}

/// How many live DNC changes are not merged yet; `-1` on failure.
///
/// # Safety
/// `engine` is a live handle; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_pending(
    engine: *const chanrac_engine,
    err: *mut *mut chanrac_error,
) -> i64 {
    let body = |h: &chanrac_engine| Ok(h.engine.dnc().pending());
    // SAFETY: the same contract.
    unsafe { engine_count(engine, err, body) }
}

/// Folds the live DNC changes into a new compact list and publishes it, on
/// the calling thread (the library starts no thread: call it from one you
/// own, every few minutes or when chanrac_dnc_pending() passes a few
/// thousand). Checks go on meanwhile; changes made during the merge stay
/// pending. Merged changes stay live: a reload puts them back on top of the
/// reloaded list. Returns how many changes were merged, or `-1` on
/// failure.
///
/// # Safety
/// `engine` is a live handle; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_merge(
    engine: *const chanrac_engine,
    err: *mut *mut chanrac_error,
) -> i64 {
    let body = |h: &chanrac_engine| Ok(h.engine.merge_dnc());
    // SAFETY: the same contract.
    unsafe { engine_count(engine, err, body) }
}

/// Forgets every live DNC change, merged or not (after reloading a list
/// that already holds them): the list becomes the loaded policy's. Returns
/// `CHANRAC_OK`, or an error code with `*err` set.
///
/// # Safety
/// `engine` is a live handle; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_dnc_discard(
    engine: *const chanrac_engine,
    err: *mut *mut chanrac_error,
) -> c_int {
    let body = |h: &chanrac_engine| {
        h.engine.discard_dnc_changes();
        Ok(())
    };
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
}
