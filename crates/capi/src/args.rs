//! Reading C arguments: NUL-terminated strings, paths and out-parameters.

use std::ffi::{c_char, CStr};
use std::mem::MaybeUninit;
use std::path::Path;

use crate::error::Error;

/// A UTF-8 string argument; NULL reads as the empty string.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Ok("");
    }
    // SAFETY: `p` is not NULL and, by this function's contract, a
    // NUL-terminated string valid for `'a`.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str()
        .map_err(|_| Error::input(format!("`{what}` is not valid UTF-8")))
}

/// A path argument (any bytes on Unix); NULL and the empty string read as
/// `None`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn path_arg<'a>(p: *const c_char, what: &str) -> Result<Option<&'a Path>, Error> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: `p` is not NULL and, by this function's contract, a
    // NUL-terminated string valid for `'a`.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    if bytes.is_empty() {
        return Ok(None);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let _ = what;
        Ok(Some(Path::new(std::ffi::OsStr::from_bytes(bytes))))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes)
            .map(|s| Some(Path::new(s)))
            .map_err(|_| Error::input(format!("`{what}` is not valid UTF-8")))
    }
}

/// A required out-parameter, as the place it points to (written with
/// [`MaybeUninit::write`], never read); the input error naming it when it
/// is NULL.
///
/// # Safety
/// `p` is NULL or valid for writing a `T` (aligned, and used by nothing
/// else) for `'a`.
pub(crate) unsafe fn out_arg<'a, T>(
    p: *mut T,
    what: &str,
) -> Result<&'a mut MaybeUninit<T>, Error> {
    // SAFETY: `MaybeUninit<T>` has the layout of `T`, and by this
    // function's contract `p` is NULL or valid for writing one, unaliased.
    unsafe { p.cast::<MaybeUninit<T>>().as_mut() }.ok_or_else(|| Error::null(what))
}
