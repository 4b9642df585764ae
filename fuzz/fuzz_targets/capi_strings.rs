//! The C ABI's string arguments: any bytes, cut at NULs into C strings, as
//! the event fields, numbers, scopes and paths of the exported functions
//! (called through their Rust definitions, compiled here from
//! `crates/capi/src`). Never a panic — even one caught at the boundary
//! (`CHANRAC_ERR_INTERNAL`) aborts here, as libFuzzer's panic hook runs first
//! — and every failure comes with an error whose message is a C string.
#![no_main]
#![allow(dead_code, non_camel_case_types, clippy::missing_safety_doc)]

// The C ABI crate builds only a static and a shared library (no rlib), so
// its modules are compiled into this target as they are: every module of
// crates/capi/src/lib.rs but its tests belongs here.
extern crate chanrac as chanrac_core;

#[path = "../../crates/capi/src/args.rs"]
mod args;
#[path = "../../crates/capi/src/check.rs"]
mod check;
#[path = "../../crates/capi/src/dnc.rs"]
mod dnc;
#[path = "../../crates/capi/src/engine.rs"]
mod engine;
#[path = "../../crates/capi/src/error.rs"]
mod error;
#[path = "../../crates/capi/src/follow.rs"]
mod follow;
#[path = "../../crates/capi/src/stats.rs"]
mod stats;

use std::ffi::{c_char, c_int, CStr, CString};
use std::ptr;
use std::sync::OnceLock;

use check::*;
use dnc::*;
use engine::*;
use error::*;

/// One engine for the whole run, on the example policy (libFuzzer calls the
/// target from one thread).
struct Shared(*mut chanrac_engine);
// SAFETY: the engine is `Send + Sync` (asserted in engine.rs); the pointer
// is only ever used through the C ABI's thread-safe functions.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

fn shared() -> *const chanrac_engine {
    static ENGINE: OnceLock<Shared> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let path = CString::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/policy"))
                .unwrap_or_default();
            let mut err = ptr::null_mut();
            // SAFETY: a C string, no state directory, `err` writable.
            let e = unsafe { chanrac_engine_open(path.as_ptr(), ptr::null(), &mut err) };
            assert!(!e.is_null(), "the example policy opens");
            Shared(e)
        })
        .0
}

/// Reads and frees `err` (when set): a code of the table and a C string.
fn take(err: *mut chanrac_error, rc: i64) {
    if err.is_null() {
        return;
    }
    assert!(rc != 0, "an error with a success");
    // SAFETY: `err` came from the library and is freed once, here.
    unsafe {
        let code = chanrac_error_code(err);
        assert!((1..=4).contains(&code), "code {code}");
        assert!(code != CHANRAC_ERR_INTERNAL, "a panic was caught");
        let m = chanrac_error_message(err);
        assert!(!m.is_null());
        let _ = CStr::from_ptr(m).to_bytes().len();
        chanrac_error_free(err);
    }
}

fn i64_at(d: &[u8], at: usize) -> i64 {
    d.get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, i64::from_le_bytes)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // op, then unix_time (8), nanos (4), duration (8), then the strings.
    let Some((&op, rest)) = data.split_first() else {
        return;
    };
    let unix_time = i64_at(rest, 0);
    let nanos = rest
        .get(8..12)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes);
    let duration = i64_at(rest, 12);
    let strings: Vec<CString> = rest
        .get(20..)
        .unwrap_or_default()
        .split(|&b| b == 0)
        .filter_map(|s| CString::new(s).ok())
        .collect();
    // A missing string is NULL, as C callers may pass.
    let s = |i: usize| -> *const c_char { strings.get(i).map_or(ptr::null(), |c| c.as_ptr()) };
    let e = shared();
    let mut err: *mut chanrac_error = ptr::null_mut();
    let rc: i64;
    // SAFETY: every pointer is NULL or a live C string of `strings`, the
    // engine is live, `err` and the outputs are writable.
    unsafe {
        match op % 8 {
            0 | 1 => {
                let mut ev = std::mem::zeroed::<chanrac_event>();
                chanrac_event_init(&mut ev);
                ev.unix_time = if op & 0x80 == 0 {
                    1_772_420_400 + unix_time.rem_euclid(86_400 * 3)
                } else {
                    unix_time
                };
                ev.nanos = nanos;
                ev.duration = duration;
                (ev.channel, ev.kind, ev.source) = (s(0), s(1), s(2));
                (ev.advertiser, ev.recipient, ev.text) = (s(3), s(4), s(5));
                let mut out = std::mem::zeroed::<chanrac_verdict>();
                rc = if op & 0x40 == 0 {
                    i64::from(chanrac_check(e, &ev, &mut out, &mut err))
                } else {
                    // chanrac_check_as: any channel (0 to 3) and kind (-1 to
                    // 254) as C passes them, the strings ignored.
                    let channel = c_int::from((op >> 3) & 3);
                    let kind = c_int::try_from(duration.rem_euclid(256)).unwrap_or(0) - 1;
                    i64::from(chanrac_check_as(e, &ev, channel, kind, &mut out, &mut err))
                };
                if rc == i64::from(CHANRAC_OK) {
                    assert!(!chanrac_decision_name(out.decision).is_null());
                    let mut buf = [0 as c_char; 64];
                    let n = chanrac_reason_codes(out.reasons, buf.as_mut_ptr(), buf.len());
                    assert!(n < 400);
                }
            }
            2 => rc = i64::from(chanrac_dnc_add(e, s(0), s(1), &mut err)),
            3 => rc = i64::from(chanrac_dnc_remove(e, s(0), s(1), &mut err)),
            4 => {
                rc = i64::from(chanrac_dnc_lookup(e, s(0), &mut err));
                assert!((-1..=3).contains(&rc));
            }
            5 => {
                // A path under a directory that does not exist: the bytes
                // reach the loader, no file is ever read or made.
                let mut p = b"/nonexistent-chanrac-fuzz/".to_vec();
                p.extend_from_slice(strings.first().map_or(&b""[..], |c| c.as_bytes()));
                let p = CString::new(p).unwrap_or_default();
                // With 0x40, the second string as a store URL: parsed (and
                // its password kept out of the message), never connected,
                // as the open fails on the URL or the missing policy.
                let mut url = if op & 0x20 == 0 {
                    b"redis://".to_vec()
                } else {
                    b"rediss://".to_vec()
                };
                url.extend_from_slice(strings.get(1).map_or(&b""[..], |c| c.as_bytes()));
                let url = CString::new(url).unwrap_or_default();
                let state = if op & 0x40 == 0 {
                    ptr::null()
                } else {
                    url.as_ptr()
                };
                rc = if op & 0x80 == 0 {
                    i64::from(chanrac_engine_reload(e, p.as_ptr(), &mut err))
                } else {
                    let o = chanrac_engine_open(p.as_ptr(), state, &mut err);
                    chanrac_engine_free(o);
                    i64::from(o.is_null())
                };
                assert!(rc != 0, "a path that does not exist loads");
            }
            6 => {
                let mut buf = [0 as c_char; 32];
                let len = usize::from(op >> 3) % (buf.len() + 1);
                let reasons = u32::try_from(unix_time & 0xffff_ffff).unwrap_or(0);
                let n = chanrac_reason_codes(reasons, buf.as_mut_ptr(), len);
                if len > 0 {
                    assert_eq!(
                        CStr::from_ptr(buf.as_ptr()).to_bytes().len(),
                        n.min(len - 1)
                    );
                }
                let _ = chanrac_reason_code(nanos);
                let _ = chanrac_decision_name(nanos as i32);
                rc = 0;
            }
            _ => {
                rc = i64::from(chanrac_state_maintain(e, unix_time, &mut err));
                if chanrac_dnc_pending(e, ptr::null_mut()) > 1_000 {
                    chanrac_dnc_merge(e, ptr::null_mut());
                    chanrac_dnc_discard(e, ptr::null_mut());
                }
            }
        }
    }
    take(err, rc);
});
