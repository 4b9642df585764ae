//! Errors through an out-parameter, and the wrapper that keeps panics on the
//! Rust side of the boundary.

use std::any::Any;
use std::ffi::{c_char, c_int, CString};
use std::panic::{self, AssertUnwindSafe};

/// Success.
pub const CHANRAC_OK: c_int = 0;
/// Bad input: a NULL or malformed argument, or an event the contract does
/// not allow (a bad number, an unknown kind or channel, a registration on
/// `call`, a time out of range).
pub const CHANRAC_ERR_INPUT: c_int = 1;
/// The policy could not be loaded (the message names the file, line and
/// column).
pub const CHANRAC_ERR_POLICY: c_int = 2;
/// The state directory could not be read or written.
pub const CHANRAC_ERR_STATE: c_int = 3;
/// A bug in chanrac: a Rust panic was caught at the boundary. The engine
/// is still usable; please report the message.
pub const CHANRAC_ERR_INTERNAL: c_int = 4;

/// An error: a code (`CHANRAC_ERR_*`) and a message. Functions that can fail
/// take a `chanrac_error **err`: when it is not NULL and the call fails,
/// `*err` is set to a new error, which the caller owns and releases with
/// chanrac_error_free(); on success `*err` is left as it was. Pass NULL to
/// ignore the details.
pub struct chanrac_error {
    code: c_int,
    message: CString,
}

/// A failure inside an export, before it becomes a [`chanrac_error`].
#[derive(Debug)]
pub(crate) struct Error {
    pub(crate) code: c_int,
    pub(crate) message: String,
}

impl Error {
    pub(crate) fn input(message: impl Into<String>) -> Error {
        Error {
            code: CHANRAC_ERR_INPUT,
            message: message.into(),
        }
    }

    pub(crate) fn policy(message: impl Into<String>) -> Error {
        Error {
            code: CHANRAC_ERR_POLICY,
            message: message.into(),
        }
    }

    pub(crate) fn state(message: impl Into<String>) -> Error {
        Error {
            code: CHANRAC_ERR_STATE,
            message: message.into(),
        }
    }

    /// A required pointer argument was NULL.
    pub(crate) fn null(what: &str) -> Error {
        Error::input(format!("`{what}` is NULL"))
    }

    fn panicked(payload: &(dyn Any + Send)) -> Error {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown cause");
        Error {
            code: CHANRAC_ERR_INTERNAL,
            message: format!("internal error (a bug in chanrac): {what}"),
        }
    }
}

/// Stores `e` in `*err` when `err` is not NULL.
///
/// # Safety
/// `err` is NULL or valid for writing one pointer.
unsafe fn report(err: *mut *mut chanrac_error, e: Error) {
    if err.is_null() {
        return;
    }
    // A message cannot hold a NUL (inputs arrive as C strings); be sure anyway.
    let message = CString::new(e.message.replace('\0', "\u{fffd}")).unwrap_or_default();
    let boxed = Box::into_raw(Box::new(chanrac_error {
        code: e.code,
        message,
    }));
    // SAFETY: `err` is not NULL and, by this function's contract, valid for
    // writing a pointer.
    unsafe { err.write(boxed) };
}

/// Runs the body of an export: a panic becomes a [`CHANRAC_ERR_INTERNAL`]
/// error, an `Err` is reported through `err`, and both return `fail(&e)`.
///
/// # Safety
/// `err` is NULL or valid for writing one pointer.
pub(crate) unsafe fn guard<T>(
    err: *mut *mut chanrac_error,
    fail: impl FnOnce(&Error) -> T,
    body: impl FnOnce() -> Result<T, Error>,
) -> T {
    let e = match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => return v,
        Ok(Err(e)) => e,
        Err(payload) => Error::panicked(&*payload),
    };
    let out = fail(&e);
    // SAFETY: forwarded from this function's contract.
    unsafe { report(err, e) };
    out
}

/// Runs the body of an export that has no error out-parameter: a panic
/// returns `fail`.
pub(crate) fn catch<T>(fail: T, body: impl FnOnce() -> T) -> T {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(fail)
}

/// The message of an error: lower case, no final period, user input in
/// backticks. Valid until the error is freed. Returns an empty string when
/// `err` is NULL.
///
/// # Safety
/// `err` is NULL or an error returned through a `chanrac_error **` and not
/// yet freed.
#[no_mangle]
pub unsafe extern "C" fn chanrac_error_message(err: *const chanrac_error) -> *const c_char {
    catch(c"".as_ptr(), || {
        // SAFETY: by the contract above, `err` is NULL or a live error.
        match unsafe { err.as_ref() } {
            Some(e) => e.message.as_ptr(),
            None => c"".as_ptr(),
        }
    })
}

/// The code of an error (`CHANRAC_ERR_*`); `CHANRAC_OK` when `err` is NULL.
///
/// # Safety
/// `err` is NULL or an error returned through a `chanrac_error **` and not
/// yet freed.
#[no_mangle]
pub unsafe extern "C" fn chanrac_error_code(err: *const chanrac_error) -> c_int {
    catch(CHANRAC_ERR_INTERNAL, || {
        // SAFETY: by the contract above, `err` is NULL or a live error.
        unsafe { err.as_ref() }.map_or(CHANRAC_OK, |e| e.code)
    })
}

/// Frees an error. NULL is allowed (nothing happens).
///
/// # Safety
/// `err` is NULL or an error returned through a `chanrac_error **`, not yet
/// freed; it must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn chanrac_error_free(err: *mut chanrac_error) {
    catch((), || {
        if !err.is_null() {
            // SAFETY: `err` came from `Box::into_raw` in `report` and, by the
            // contract above, is freed once.
            drop(unsafe { Box::from_raw(err) });
        }
    })
}
