//! The exports called from Rust as C would call them.

use std::ffi::{c_char, c_int, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr;

use chanrac_core::dnc::Scopes;
use chanrac_core::Reason;

use super::*;

fn example_policy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policy")
}

fn cpath(p: &Path) -> CString {
    CString::new(p.to_str().unwrap()).unwrap()
}

/// 2026-03-02 `h:m` in Vietnam, as Unix seconds.
fn at(h: i64, m: i64) -> i64 {
    1_772_384_400 + h * 3600 + m * 60
}

/// Owns the strings of a `chanrac_event`.
struct Ev {
    _strings: Vec<CString>,
    ev: chanrac_event,
}

impl Ev {
    fn new(
        t: i64,
        channel: &str,
        kind: &str,
        source: &str,
        adv: &str,
        rcpt: &str,
        text: &str,
    ) -> Ev {
        let strings: Vec<CString> = [channel, kind, source, adv, rcpt, text]
            .iter()
            .map(|s| CString::new(*s).unwrap())
            .collect();
        let mut ev = chanrac_event {
            unix_time: t,
            nanos: 0,
            channel: ptr::null(),
            kind: ptr::null(),
            source: ptr::null(),
            advertiser: ptr::null(),
            recipient: ptr::null(),
            text: ptr::null(),
            duration: -1,
        };
        let p: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        (
            ev.channel,
            ev.kind,
            ev.source,
            ev.advertiser,
            ev.recipient,
            ev.text,
        ) = (p[0], p[1], p[2], p[3], p[4], p[5]);
        Ev {
            _strings: strings,
            ev,
        }
    }

    fn ad(t: i64, rcpt: &str) -> Ev {
        Ev::new(
            t,
            "sms",
            "ad",
            "SHOPVN",
            "shopvn",
            rcpt,
            "[QC] ShopVN: giảm 10%",
        )
    }
}

struct Handle(*mut chanrac_engine);

impl Handle {
    fn open(policy: &Path, state: Option<&Path>) -> Result<Handle, (c_int, String)> {
        let policy = cpath(policy);
        let state = state.map(cpath);
        let mut err = ptr::null_mut();
        // SAFETY: valid strings (or NULL) and a writable error slot.
        let h = unsafe {
            chanrac_engine_open(
                policy.as_ptr(),
                state.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
                &mut err,
            )
        };
        if h.is_null() {
            Err(take(err))
        } else {
            assert!(err.is_null());
            Ok(Handle(h))
        }
    }

    fn check(&self, ev: &Ev) -> Result<chanrac_verdict, (c_int, String)> {
        // SAFETY: a live handle, an event with live strings, writable slots.
        verdict(|out, err| unsafe { chanrac_check(self.0, &ev.ev, out, err) })
    }

    /// chanrac_check_as(): `ev` with its channel and kind given as codes.
    fn check_as(
        &self,
        ev: &Ev,
        channel: chanrac_channel,
        kind: chanrac_kind,
    ) -> Result<chanrac_verdict, (c_int, String)> {
        // SAFETY: a live handle, an event with live strings, writable slots.
        verdict(|out, err| unsafe { chanrac_check_as(self.0, &ev.ev, channel, kind, out, err) })
    }
}

/// The verdict `check` writes, or its error (with bad input, `*out` is
/// untouched).
fn verdict(
    check: impl FnOnce(*mut chanrac_verdict, *mut *mut chanrac_error) -> c_int,
) -> Result<chanrac_verdict, (c_int, String)> {
    let mut out = chanrac_verdict {
        decision: -1,
        reasons: 0,
        retry_at: -1,
        counted: 0,
    };
    let mut err = ptr::null_mut();
    let rc = check(&mut out, &mut err);
    if rc == CHANRAC_OK {
        return Ok(out);
    }
    let e = take(err);
    assert_eq!(rc, e.0);
    if rc == CHANRAC_ERR_INPUT {
        assert_eq!(out.decision, -1, "untouched");
    }
    Err(e)
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle is live and freed once.
        unsafe { chanrac_engine_free(self.0) };
    }
}

// SAFETY: the engine is thread-safe (chanrac_engine: Send + Sync).
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

/// The code and message of an error, which is freed.
fn take(err: *mut chanrac_error) -> (c_int, String) {
    assert!(!err.is_null(), "an error was reported");
    // SAFETY: a live error from the library, freed right after.
    unsafe {
        let out = (
            chanrac_error_code(err),
            CStr::from_ptr(chanrac_error_message(err))
                .to_str()
                .unwrap()
                .to_string(),
        );
        chanrac_error_free(err);
        out
    }
}

fn codes(reasons: u32) -> String {
    let mut buf = [0 as c_char; 512];
    // SAFETY: `buf` is writable for its length.
    let n = unsafe { chanrac_reason_codes(reasons, buf.as_mut_ptr(), buf.len()) };
    // SAFETY: the function NUL-terminated `buf`.
    let s = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(n, s.len());
    s
}

#[test]
fn reason_constants_follow_the_core() {
    let consts = [
        (CHANRAC_REASON_DNC, Reason::Dnc),
        (CHANRAC_REASON_OUTSIDE_WINDOW, Reason::OutsideWindow),
        (CHANRAC_REASON_FREQUENCY, Reason::Frequency),
        (
            CHANRAC_REASON_REGISTRATION_REPEAT,
            Reason::RegistrationRepeat,
        ),
        (CHANRAC_REASON_LABEL, Reason::Label),
        (CHANRAC_REASON_NO_CONSENT, Reason::NoConsent),
        (CHANRAC_REASON_REFUSED, Reason::Refused),
        (CHANRAC_REASON_PHONE_SENDER, Reason::PhoneSender),
        (CHANRAC_REASON_BRAND_UNREGISTERED, Reason::BrandUnregistered),
        (CHANRAC_REASON_BRAND_OWNER, Reason::BrandOwner),
        (CHANRAC_REASON_BRAND_INACTIVE, Reason::BrandInactive),
        (CHANRAC_REASON_SPAM_SIGNATURE, Reason::SpamSignature),
        (CHANRAC_REASON_SUSPENDED_SOURCE, Reason::SuspendedSource),
        (CHANRAC_REASON_SUSPENDED_CONTACT, Reason::SuspendedContact),
        (CHANRAC_REASON_BEHAVIOR, Reason::Behavior),
        (CHANRAC_REASON_STATE_FULL, Reason::StateFull),
        (CHANRAC_REASON_URL_BLOCKED, Reason::UrlBlocked),
        (CHANRAC_REASON_URL_NOT_ALLOWED, Reason::UrlNotAllowed),
        (CHANRAC_REASON_LOOKALIKE, Reason::Lookalike),
        (CHANRAC_REASON_STATE_UNAVAILABLE, Reason::StateUnavailable),
    ];
    assert_eq!(consts.len(), Reason::ALL.len());
    assert_eq!(CHANRAC_REASON_COUNT as usize, Reason::ALL.len());
    for (i, r) in Reason::ALL.into_iter().enumerate() {
        assert_eq!(consts[i], (r.bit(), r));
        // SAFETY: a non-NULL result is a static C string.
        let code = unsafe { CStr::from_ptr(chanrac_reason_code(i as u32)) };
        assert_eq!(code.to_str().unwrap(), r.code());
    }
    assert!(chanrac_reason_code(CHANRAC_REASON_COUNT).is_null());
    assert!(chanrac_reason_code(u32::MAX).is_null());
    assert_eq!(CHANRAC_SCOPE_SMS, c_int::from(Scopes::SMS.bits()));
    assert_eq!(CHANRAC_SCOPE_CALL, c_int::from(Scopes::CALL.bits()));
    assert_eq!(CHANRAC_SCOPE_ALL, c_int::from(Scopes::ALL.bits()));
}

#[test]
fn reason_codes_write_like_snprintf() {
    assert_eq!(codes(0), "");
    assert_eq!(
        codes(CHANRAC_REASON_DNC | CHANRAC_REASON_LABEL),
        "DNC,LABEL"
    );
    assert_eq!(
        codes(CHANRAC_REASON_BEHAVIOR | 1 << 20 | 1 << 31),
        "BEHAVIOR"
    );
    let all = codes(u32::MAX);
    assert_eq!(all.split(',').count(), Reason::ALL.len());

    let r = CHANRAC_REASON_DNC | CHANRAC_REASON_LABEL; // "DNC,LABEL": 9
    for len in 0..12 {
        let mut buf = [b'#' as c_char; 12];
        // SAFETY: `buf` is writable for `len <= 12` bytes.
        let n = unsafe { chanrac_reason_codes(r, buf.as_mut_ptr(), len) };
        assert_eq!(n, 9);
        let bytes: Vec<u8> = buf.iter().map(|&c| c as u8).collect();
        if len == 0 {
            assert!(bytes.iter().all(|&b| b == b'#'));
        } else {
            let k = (len - 1).min(9);
            assert_eq!(&bytes[..k], &b"DNC,LABEL"[..k]);
            assert_eq!(bytes[k], 0);
            assert!(bytes[k + 1..].iter().all(|&b| b == b'#'), "len {len}");
        }
    }
    // SAFETY: NULL with any length writes nothing.
    assert_eq!(unsafe { chanrac_reason_codes(r, ptr::null_mut(), 64) }, 9);
}

#[test]
fn decision_names_and_version() {
    let name = |d| {
        let p = chanrac_decision_name(d);
        // SAFETY: a non-NULL result is a static C string.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap())
    };
    assert_eq!(name(CHANRAC_ALLOW), Some("allow"));
    assert_eq!(name(CHANRAC_BLOCK), Some("block"));
    assert_eq!(name(CHANRAC_FLAG), Some("flag"));
    assert_eq!(name(3), None);
    assert_eq!(name(-1), None);
    // SAFETY: a static C string.
    let v = unsafe { CStr::from_ptr(chanrac_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn a_panic_becomes_an_internal_error() {
    let mut err = ptr::null_mut();
    // SAFETY: a writable error slot.
    let rc = unsafe {
        crate::error::guard(
            &mut err,
            |e| e.code,
            || -> Result<c_int, crate::error::Error> { panic!("boom at `x`") },
        )
    };
    assert_eq!(rc, CHANRAC_ERR_INTERNAL);
    let (code, msg) = take(err);
    assert_eq!(code, CHANRAC_ERR_INTERNAL);
    assert_eq!(msg, "internal error (a bug in chanrac): boom at `x`");
    // Without an error slot, and with a formatted message.
    // SAFETY: NULL error slot.
    let p = unsafe {
        crate::error::guard(
            ptr::null_mut(),
            |_| ptr::null_mut::<u8>(),
            || -> Result<*mut u8, crate::error::Error> { panic!("{}", 42) },
        )
    };
    assert!(p.is_null());
    assert_eq!(crate::error::catch(7, || panic!("no slot")), 7);
}

#[test]
fn null_pointers_are_errors_not_crashes() {
    let h = Handle::open(&example_policy(), None).unwrap();
    let ev = Ev::ad(at(9, 0), "0912345678");
    let mut out = chanrac_verdict {
        decision: -1,
        reasons: 0,
        retry_at: -1,
        counted: 0,
    };
    let mut err = ptr::null_mut();
    // SAFETY: each call has NULL where tested, valid pointers elsewhere.
    unsafe {
        assert_eq!(
            chanrac_check(ptr::null(), &ev.ev, &mut out, &mut err),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(take(err).1, "`engine` is NULL");
        err = ptr::null_mut();
        assert_eq!(
            chanrac_check(h.0, ptr::null(), &mut out, &mut err),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(take(err).1, "`event` is NULL");
        err = ptr::null_mut();
        assert_eq!(
            chanrac_check(h.0, &ev.ev, ptr::null_mut(), &mut err),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(take(err).1, "`out` is NULL");
        // A NULL error slot: the code alone.
        assert_eq!(
            chanrac_check(h.0, &ev.ev, ptr::null_mut(), ptr::null_mut()),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(out.decision, -1, "untouched");

        err = ptr::null_mut();
        assert!(chanrac_engine_open(ptr::null(), ptr::null(), &mut err).is_null());
        assert_eq!(
            take(err),
            (CHANRAC_ERR_INPUT, "`policy_path` is NULL or empty".into())
        );
        err = ptr::null_mut();
        assert_eq!(
            chanrac_engine_reload(h.0, ptr::null(), &mut err),
            CHANRAC_ERR_INPUT
        );
        take(err);
        err = ptr::null_mut();
        assert_eq!(
            chanrac_dnc_add(h.0, ptr::null(), ptr::null(), &mut err),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(take(err).1, "`number` is NULL or empty");
        assert_eq!(
            chanrac_dnc_lookup(ptr::null(), c"0912345678".as_ptr(), ptr::null_mut()),
            -1
        );
        assert_eq!(chanrac_dnc_merge(ptr::null(), ptr::null_mut()), -1);
        assert_eq!(chanrac_dnc_pending(ptr::null(), ptr::null_mut()), -1);
        assert_eq!(
            chanrac_dnc_discard(ptr::null(), ptr::null_mut()),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(
            chanrac_state_sync(ptr::null(), ptr::null_mut()),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(
            chanrac_state_compact(ptr::null(), 0, ptr::null_mut()),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(
            chanrac_state_maintain(ptr::null(), 0, ptr::null_mut()),
            CHANRAC_ERR_INPUT
        );

        assert_eq!(
            CStr::from_ptr(chanrac_error_message(ptr::null())).to_bytes(),
            b""
        );
        assert_eq!(chanrac_error_code(ptr::null()), CHANRAC_OK);
        chanrac_error_free(ptr::null_mut());
        chanrac_engine_free(ptr::null_mut());
        chanrac_event_init(ptr::null_mut());
    }
    // The handle still works.
    assert_eq!(h.check(&ev).unwrap().decision, CHANRAC_ALLOW);
}

#[test]
fn events_are_validated_as_event_files_are() {
    let h = Handle::open(&example_policy(), None).unwrap();
    let bad = |ev: Ev| h.check(&ev).unwrap_err();
    let t = at(9, 0);
    let e = bad(Ev::new(
        t,
        "call",
        "registration",
        "SHOPVN",
        "shopvn",
        "0912345678",
        "DKQC",
    ));
    assert_eq!(
        e,
        (
            CHANRAC_ERR_INPUT,
            "a `registration` event is SMS only, not `call`".into()
        )
    );
    let e = bad(Ev::new(
        t,
        "fax",
        "ad",
        "SHOPVN",
        "shopvn",
        "0912345678",
        "",
    ));
    assert_eq!(e.1, "unknown channel `fax`: expected sms or call");
    let e = bad(Ev::new(t, "", "ad", "SHOPVN", "shopvn", "0912345678", ""));
    assert_eq!(e.1, "`channel` is empty: expected sms or call");
    let e = bad(Ev::new(t, "sms", "", "SHOPVN", "shopvn", "0912345678", ""));
    assert!(e.1.starts_with("`kind` is empty"), "{}", e.1);
    let e = bad(Ev::new(t, "sms", "ad", "SHOPVN", "shopvn", "", ""));
    assert_eq!(e.1, "`recipient` is empty");
    let e = bad(Ev::new(
        t,
        "sms",
        "ad",
        "0909 12",
        "shopvn",
        "0912345678",
        "",
    ));
    assert!(
        e.1.starts_with("bad number `0909 12` in `source`: "),
        "{}",
        e.1
    );

    let mut ev = Ev::ad(t, "0912345678");
    ev.ev.nanos = 1_000_000_000;
    assert_eq!(bad(ev).1, "`nanos` 1000000000 is not below 1000000000");
    let e = bad(Ev::ad(i64::MAX, "0912345678"));
    assert_eq!(e.1, format!("`unix_time` {} is out of range", i64::MAX));
    let mut ev = Ev::new(t, "call", "p2p", "0981112233", "", "0987654321", "");
    ev.ev.duration = i64::from(u32::MAX) + 1;
    assert_eq!(bad(ev).1, "`duration` 4294967296 is too large");
    let ev = Ev::ad(t, "0912345678");
    let latin1 = [0xe9u8, 0];
    let mut ev2 = Ev::ad(t, "0912345678");
    ev2.ev.text = latin1.as_ptr().cast();
    assert_eq!(bad(ev2).1, "`text` is not valid UTF-8");

    // Case-insensitive names, padded fields, NULL strings, consent with no
    // channel; `chanrac_event_init` defaults.
    assert_eq!(h.check(&ev).unwrap().decision, CHANRAC_ALLOW);
    let mut ev = Ev::new(
        t,
        " SMS ",
        "AD",
        " SHOPVN ",
        " shopvn ",
        " 0912 345 678 ",
        "[QC] x",
    );
    ev.ev.nanos = 999_999_999;
    assert_eq!(h.check(&ev).unwrap().decision, CHANRAC_ALLOW);
    let mut optin = Ev::new(t, "", "optin", "", "shopvn", "0779123456", "");
    optin.ev.channel = ptr::null();
    optin.ev.source = ptr::null();
    optin.ev.text = ptr::null();
    let v = h.check(&optin).unwrap();
    assert_eq!((v.decision, v.reasons, v.counted), (CHANRAC_ALLOW, 0, 1));

    let mut init = Ev::ad(t, "0912345678").ev;
    // SAFETY: a writable event.
    unsafe { chanrac_event_init(&mut init) };
    assert!(init.kind.is_null() && init.text.is_null());
    assert_eq!((init.unix_time, init.nanos, init.duration), (0, 0, -1));
}

#[test]
fn verdicts_carry_reasons_and_retry_time() {
    let h = Handle::open(&example_policy(), None).unwrap();
    // e09: DNC; e01: before 07:00, several reasons at once.
    let v = h.check(&Ev::ad(at(8, 30), "0886543210")).unwrap();
    assert_eq!(
        (v.decision, v.reasons, v.retry_at, v.counted),
        (CHANRAC_BLOCK, CHANRAC_REASON_DNC, -1, 0)
    );
    let v = h
        .check(&Ev::new(
            at(6, 45),
            "sms",
            "ad",
            "SHOPVN",
            "shopvn",
            "0886543210",
            "QC",
        ))
        .unwrap();
    assert_eq!(codes(v.reasons), "DNC,OUTSIDE_WINDOW,LABEL");
    // Three ads, then the cap: retry when the first leaves the 24 h window.
    // The state keeps times to the second: 08:10:00.5 counts as 08:10:00.
    let mut first = Ev::ad(at(8, 10), "0912345678");
    first.ev.nanos = 500_000_000;
    assert_eq!(h.check(&first).unwrap().counted, 1);
    for t in [at(11, 30), at(12, 0)] {
        assert_eq!(
            h.check(&Ev::ad(t, "0912345678")).unwrap().decision,
            CHANRAC_ALLOW
        );
    }
    let v = h.check(&Ev::ad(at(13, 0), "0912345678")).unwrap();
    assert_eq!(v.reasons, CHANRAC_REASON_FREQUENCY);
    assert_eq!(v.retry_at, at(24 + 8, 10));
    assert_eq!(v.counted, 0);
}

#[test]
fn policy_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dnc.csv"),
        "number,scope\n0912345678,email\n",
    )
    .unwrap();
    let (code, msg) = Handle::open(dir.path(), None).err().unwrap();
    assert_eq!(code, CHANRAC_ERR_POLICY);
    assert!(
        msg.contains("dnc.csv:2: column 2 (scope): unknown scope `email`"),
        "{msg}"
    );

    // A reload that fails keeps the current policy.
    let h = Handle::open(&example_policy(), None).unwrap();
    let bad = cpath(dir.path());
    let mut err = ptr::null_mut();
    // SAFETY: a live handle, a valid string, a writable error slot.
    let got = unsafe { chanrac_engine_reload(h.0, bad.as_ptr(), &mut err) };
    assert_eq!(got, CHANRAC_ERR_POLICY);
    take(err);
    let v = h.check(&Ev::ad(at(8, 30), "0886543210")).unwrap();
    assert_eq!(v.reasons, CHANRAC_REASON_DNC);
}

#[test]
fn snapshot_files_open_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("policy.snap");
    let mut f = std::fs::File::create(&snap).unwrap();
    chanrac_policy::snapshot::write(&example_policy(), &mut f).unwrap();
    drop(f);
    let h = Handle::open(&snap, None).unwrap();
    assert_eq!(
        h.check(&Ev::ad(at(8, 30), "0886543210")).unwrap().reasons,
        CHANRAC_REASON_DNC
    );

    // Reload onto an empty policy directory: nothing on the DNC list, SHOPVN
    // unregistered (consent is state: the ledger keeps it).
    let empty = tempfile::tempdir().unwrap();
    let p = cpath(empty.path());
    // SAFETY: a live handle, a valid string, no error slot.
    let got = unsafe { chanrac_engine_reload(h.0, p.as_ptr(), ptr::null_mut()) };
    assert_eq!(got, CHANRAC_OK);
    let v = h.check(&Ev::ad(at(8, 31), "0886543210")).unwrap();
    assert_eq!(codes(v.reasons), "BRAND_UNREGISTERED");
    let p = cpath(&snap);
    // SAFETY: as above.
    let got = unsafe { chanrac_engine_reload(h.0, p.as_ptr(), ptr::null_mut()) };
    assert_eq!(got, CHANRAC_OK);
    assert_eq!(
        h.check(&Ev::ad(at(8, 32), "0886543210")).unwrap().reasons,
        CHANRAC_REASON_DNC
    );
}

#[test]
fn live_dnc_changes() {
    let h = Handle::open(&example_policy(), None).unwrap();
    let lookup = |n: &CStr| {
        // SAFETY: a live handle and a valid string.
        unsafe { chanrac_dnc_lookup(h.0, n.as_ptr(), ptr::null_mut()) }
    };
    let change = |add: bool, n: &CStr, scope: Option<&CStr>| {
        let scope = scope.map_or(ptr::null(), CStr::as_ptr);
        let mut err = ptr::null_mut();
        // SAFETY: a live handle, valid strings (or NULL), a writable slot.
        let rc = unsafe {
            if add {
                chanrac_dnc_add(h.0, n.as_ptr(), scope, &mut err)
            } else {
                chanrac_dnc_remove(h.0, n.as_ptr(), scope, &mut err)
            }
        };
        if rc == CHANRAC_OK {
            Ok(())
        } else {
            Err(take(err))
        }
    };
    assert_eq!(lookup(c"0886543210"), CHANRAC_SCOPE_SMS);
    assert_eq!(lookup(c"0912345678"), 0);
    change(true, c"+84 912 345 678", Some(c"CALL")).unwrap();
    assert_eq!(lookup(c"0912345678"), CHANRAC_SCOPE_CALL);
    change(true, c"0912345678", None).unwrap(); // NULL: all
    assert_eq!(lookup(c"0912345678"), CHANRAC_SCOPE_ALL);
    assert_eq!(
        h.check(&Ev::ad(at(9, 0), "0912345678")).unwrap().reasons,
        CHANRAC_REASON_DNC
    );
    change(false, c"0912345678", Some(c"sms")).unwrap();
    assert_eq!(lookup(c"0912345678"), CHANRAC_SCOPE_CALL);
    assert_eq!(h.check(&Ev::ad(at(9, 1), "0912345678")).unwrap().reasons, 0);
    change(false, c"0886543210", Some(c"")).unwrap(); // empty: all
    assert_eq!(lookup(c"0886543210"), 0);

    assert_eq!(
        change(true, c"0912345678", Some(c"email")).unwrap_err(),
        (
            CHANRAC_ERR_INPUT,
            "unknown scope `email`: expected sms, call or all".into()
        )
    );
    assert!(change(true, c"12", None)
        .unwrap_err()
        .1
        .starts_with("bad number `12`: "));
    let mut err = ptr::null_mut();
    // SAFETY: a live handle, a valid string, a writable slot.
    let got = unsafe { chanrac_dnc_lookup(h.0, c"x".as_ptr(), &mut err) };
    assert_eq!(got, -1);
    take(err);

    // SAFETY: each call has a live handle, no error slot.
    unsafe {
        assert_eq!(chanrac_dnc_pending(h.0, ptr::null_mut()), 2);
        assert_eq!(chanrac_dnc_merge(h.0, ptr::null_mut()), 2);
        assert_eq!(chanrac_dnc_pending(h.0, ptr::null_mut()), 0);
        assert_eq!(chanrac_dnc_merge(h.0, ptr::null_mut()), 0);
    }
    assert_eq!(lookup(c"0912345678"), CHANRAC_SCOPE_CALL);
    assert_eq!(lookup(c"0886543210"), 0);

    // Live changes, merged or pending, survive a reload; discard drops them.
    change(true, c"0987654321", Some(c"sms")).unwrap();
    let p = cpath(&example_policy());
    // SAFETY: each call has a live handle, a valid string, no error slot.
    unsafe {
        assert_eq!(
            chanrac_engine_reload(h.0, p.as_ptr(), ptr::null_mut()),
            CHANRAC_OK
        );
        assert_eq!(lookup(c"0987654321"), CHANRAC_SCOPE_SMS);
        assert_eq!(
            lookup(c"0912345678"),
            CHANRAC_SCOPE_CALL,
            "merged changes stay on top of the reloaded list"
        );
        assert_eq!(
            lookup(c"0886543210"),
            0,
            "a live HUY DNC is not undone by reloading an older list"
        );
        assert_eq!(chanrac_dnc_discard(h.0, ptr::null_mut()), CHANRAC_OK);
        assert_eq!(lookup(c"0987654321"), 0);
        assert_eq!(lookup(c"0912345678"), 0);
        assert_eq!(
            lookup(c"0886543210"),
            CHANRAC_SCOPE_SMS,
            "the policy's own list"
        );
    }
}

#[test]
fn state_survives_a_restart_and_compaction() {
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join("state");
    {
        let h = Handle::open(&example_policy(), Some(&dir)).unwrap();
        for t in [at(8, 0), at(9, 0), at(10, 0)] {
            let v = h.check(&Ev::ad(t, "0912345678")).unwrap();
            assert_eq!((v.decision, v.counted), (CHANRAC_ALLOW, 1));
        }
        // A consent event is journalled too.
        let optout = Ev::new(at(10, 30), "", "optout", "", "shopvn", "0987654321", "");
        assert_eq!(h.check(&optout).unwrap().counted, 1);
        // SAFETY: a live handle, no error slot.
        let got = unsafe { chanrac_state_sync(h.0, ptr::null_mut()) };
        assert_eq!(got, CHANRAC_OK);
    }
    let reopened = || Handle::open(&example_policy(), Some(&dir)).unwrap();
    {
        let h = reopened();
        let v = h.check(&Ev::ad(at(11, 0), "0912345678")).unwrap();
        assert_eq!(v.reasons, CHANRAC_REASON_FREQUENCY);
        assert_eq!(v.retry_at, at(24 + 8, 0));
        let v = h.check(&Ev::ad(at(11, 0), "0987654321")).unwrap();
        assert_eq!(v.reasons, CHANRAC_REASON_REFUSED);
        let mut err = ptr::null_mut();
        // SAFETY: each call has a live handle, a writable slot or none.
        unsafe {
            assert_eq!(
                chanrac_state_compact(h.0, at(12, 0), ptr::null_mut()),
                CHANRAC_OK
            );
            assert_eq!(
                chanrac_state_compact(h.0, i64::MAX, &mut err),
                CHANRAC_ERR_INPUT
            );
        }
        assert!(take(err).1.contains("`now_unix_time`"));
    }
    let h = reopened();
    assert_eq!(
        h.check(&Ev::ad(at(11, 1), "0912345678")).unwrap().reasons,
        CHANRAC_REASON_FREQUENCY
    );
    assert_eq!(
        h.check(&Ev::ad(at(11, 1), "0987654321")).unwrap().reasons,
        CHANRAC_REASON_REFUSED
    );
    // The next day the first ad has left the window.
    assert_eq!(
        h.check(&Ev::ad(at(24 + 8, 0), "0912345678"))
            .unwrap()
            .decision,
        CHANRAC_ALLOW
    );

    // Without a state directory, sync and compact do nothing.
    let plain = Handle::open(&example_policy(), None).unwrap();
    // SAFETY: each call has a live handle, no error slot.
    unsafe {
        assert_eq!(chanrac_state_sync(plain.0, ptr::null_mut()), CHANRAC_OK);
        assert_eq!(
            chanrac_state_compact(plain.0, at(12, 0), ptr::null_mut()),
            CHANRAC_OK
        );
        assert_eq!(
            chanrac_state_maintain(plain.0, at(12, 0), ptr::null_mut()),
            CHANRAC_OK
        );
        let mut err = ptr::null_mut();
        assert_eq!(
            chanrac_state_maintain(plain.0, i64::MAX, &mut err),
            CHANRAC_ERR_INPUT
        );
        chanrac_error_free(err);
    }

    // A state directory that cannot be created.
    let file = state.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let (code, msg) = Handle::open(&example_policy(), Some(&file.join("state")))
        .err()
        .unwrap();
    assert_eq!(code, CHANRAC_ERR_STATE);
    assert!(msg.starts_with("state: "), "{msg}");
}

#[test]
fn a_state_directory_open_elsewhere_is_err_state_until_freed() {
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join("state");
    let first = Handle::open(&example_policy(), Some(&dir)).unwrap();
    let (code, msg) = Handle::open(&example_policy(), Some(&dir)).err().unwrap();
    assert_eq!(code, CHANRAC_ERR_STATE);
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
    assert!(msg.contains("another process"), "{msg}");
    // The holder goes on counting; once freed, the next engine has it all.
    for t in [at(8, 0), at(9, 0), at(10, 0)] {
        let v = first.check(&Ev::ad(t, "0912345678")).unwrap();
        assert_eq!((v.decision, v.counted), (CHANRAC_ALLOW, 1));
    }
    drop(first);
    let next = Handle::open(&example_policy(), Some(&dir)).unwrap();
    let v = next.check(&Ev::ad(at(11, 0), "0912345678")).unwrap();
    assert_eq!(v.reasons, CHANRAC_REASON_FREQUENCY);
}

#[test]
fn one_engine_many_threads_exact_counts() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 25;
    let state = tempfile::tempdir().unwrap();
    let h = Handle::open(&example_policy(), Some(state.path())).unwrap();
    let allowed: usize = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|i| {
                let h = &h;
                s.spawn(move || {
                    (0..PER_THREAD)
                        .filter(|j| {
                            // Same pair, same time: the cap is 3.
                            let _ = (i, j);
                            let v = h.check(&Ev::ad(at(9, 0), "0912345678")).unwrap();
                            assert_eq!(v.counted == 1, v.decision == CHANRAC_ALLOW);
                            v.decision == CHANRAC_ALLOW
                        })
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert_eq!(allowed, 3);
    drop(h);
    // Exactly those three were journalled.
    let h = Handle::open(&example_policy(), Some(state.path())).unwrap();
    let v = h.check(&Ev::ad(at(10, 0), "0912345678")).unwrap();
    assert_eq!(v.reasons, CHANRAC_REASON_FREQUENCY);
}

/// Every string argument with multi-byte characters next to the places the
/// parsers cut (a time's offset, a number's separators, a scope's letters),
/// invalid UTF-8 and odd spaces: a verdict or `CHANRAC_ERR_INPUT` /
/// `CHANRAC_ERR_POLICY` with a readable message, never a caught panic
/// (`CHANRAC_ERR_INTERNAL`).
#[test]
fn odd_strings_in_every_argument_are_input_errors_never_panics() {
    let h = Handle::open(&example_policy(), None).unwrap();
    let odd: Vec<Vec<u8>> = [
        "é",
        "\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}",
        "2026-03-02T10:00:0\u{e9}0",
        "0912\u{e9}345678",
        "+84 \u{ff19}\u{ff11}\u{ff12} 345 678",
        "09123456\u{1f600}",
        "s\u{301}ms",
        "ad\u{200b}",
        "\u{a0}sms\u{a0}",
        "[QC] \u{1f600}\u{301}",
        " ",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .chain([vec![0xff, 0xfe], vec![b'0', b'9', 0xc3], vec![0xe1, 0xbb]])
    .collect();
    let base = ["sms", "ad", "SHOPVN", "shopvn", "0912345678", "[QC] a"];
    let mut checked = 0;
    for field in 0..base.len() {
        for s in &odd {
            let mut strings: Vec<CString> =
                base.iter().map(|b| CString::new(*b).unwrap()).collect();
            strings[field] = CString::new(s.clone()).unwrap();
            let mut ev = Ev::ad(at(10, 0), "0912345678");
            let p: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
            (
                ev.ev.channel,
                ev.ev.kind,
                ev.ev.source,
                ev.ev.advertiser,
                ev.ev.recipient,
                ev.ev.text,
            ) = (p[0], p[1], p[2], p[3], p[4], p[5]);
            match h.check(&ev) {
                Ok(v) => {
                    assert!(matches!(v.decision, 0..=2));
                    checked += 1;
                }
                Err((code, msg)) => {
                    assert_eq!(code, CHANRAC_ERR_INPUT, "field {field}, {s:?}: {msg}");
                }
            }
        }
    }
    // Text and advertiser take anything valid: those were checked.
    assert!(checked >= 2 * (odd.len() - 3), "{checked}");

    for s in &odd {
        let c = CString::new(s.clone()).unwrap();
        let sms = CString::new("sms").unwrap();
        let mut path = b"/nonexistent-chanrac-test/".to_vec();
        path.extend_from_slice(s);
        let path = CString::new(path).unwrap();
        // SAFETY: a live handle, live C strings, writable error slots.
        unsafe {
            for rc_err in [
                {
                    let mut err = ptr::null_mut();
                    (
                        chanrac_dnc_add(h.0, c.as_ptr(), sms.as_ptr(), &mut err),
                        err,
                    )
                },
                {
                    let mut err = ptr::null_mut();
                    let n = CString::new("0912345678").unwrap();
                    (
                        chanrac_dnc_remove(h.0, n.as_ptr(), c.as_ptr(), &mut err),
                        err,
                    )
                },
                {
                    let mut err = ptr::null_mut();
                    (chanrac_dnc_lookup(h.0, c.as_ptr(), &mut err), err)
                },
                {
                    let mut err = ptr::null_mut();
                    (chanrac_engine_reload(h.0, path.as_ptr(), &mut err), err)
                },
            ] {
                // Unicode spaces are trimmed (`\u{a0}sms\u{a0}` is a
                // scope): success is fine, a failure must say why.
                let (rc, err) = rc_err;
                if err.is_null() {
                    assert!(rc >= 0, "{s:?}");
                    continue;
                }
                let (code, msg) = take(err);
                assert!(
                    code == CHANRAC_ERR_INPUT || code == CHANRAC_ERR_POLICY,
                    "{s:?}: {code} {msg}"
                );
            }
        }
    }
}

#[test]
fn stats_count_checks_reasons_and_reloads() {
    let h = Handle::open(&example_policy(), None).unwrap();
    let mut want_blocked = [0u64; CHANRAC_STATS_REASONS];
    let mut want = [0u64; 3];
    // Ads to numbers in and out of the example's lists, at noon and at
    // night: allowed and blocked ones, with several reasons.
    for (i, rcpt) in ["0912345678", "0987654321", "0903000001", "0912000009"]
        .iter()
        .enumerate()
    {
        for t in [at(12, i as i64), at(23, i as i64)] {
            let v = h.check(&Ev::ad(t, rcpt)).unwrap();
            want[v.decision as usize] += 1;
            if v.decision == CHANRAC_BLOCK {
                for (b, w) in want_blocked.iter_mut().enumerate() {
                    *w += u64::from(v.reasons & (1 << b) != 0);
                }
            }
        }
    }
    let stats = |h: &Handle| {
        // SAFETY: zeroed is a valid chanrac_stats (integers and arrays).
        let mut s: chanrac_stats = unsafe { std::mem::zeroed() };
        let mut err = ptr::null_mut();
        // SAFETY: a live handle, a writable struct and error slot.
        let got = unsafe { chanrac_engine_stats(h.0, &mut s, &mut err) };
        assert_eq!(got, CHANRAC_OK);
        s
    };
    let s = stats(&h);
    assert_eq!(s.checks, 8);
    assert_eq!(
        [s.allowed, s.blocked, s.flagged],
        [want[0], want[1], want[2]]
    );
    assert!(s.blocked > 0, "the night ads are blocked");
    assert_eq!(s.reasons_blocked, want_blocked);
    assert_eq!(
        s.reasons_blocked[Reason::OutsideWindow as usize],
        4,
        "every night ad"
    );
    assert!(s.check_ns_total >= s.check_ns_max && s.check_ns_max > 0);
    assert!(s.dnc_numbers > 0 && s.state_slots > 0);
    assert_eq!((s.policy_generation, s.policy_reload_failures), (1, 0));
    assert!(s.policy_loaded_unix_ms > 1_700_000_000_000);

    // A reload, then a failed one.
    let p = cpath(&example_policy());
    // SAFETY: a live handle and a valid path.
    let got = unsafe { chanrac_engine_reload(h.0, p.as_ptr(), ptr::null_mut()) };
    assert_eq!(got, CHANRAC_OK);
    let bad = CString::new("/nonexistent/chanrac-policy").unwrap();
    // SAFETY: a live handle and a valid path.
    let got = unsafe { chanrac_engine_reload(h.0, bad.as_ptr(), ptr::null_mut()) };
    assert_ne!(got, CHANRAC_OK);
    let s = stats(&h);
    assert_eq!((s.policy_generation, s.policy_reload_failures), (2, 1));

    // NULL arguments are errors, not crashes.
    let mut err = ptr::null_mut();
    // SAFETY: NULL `out` is checked.
    let got = unsafe { chanrac_engine_stats(h.0, ptr::null_mut(), &mut err) };
    assert_eq!(got, take(err).0);
    assert_ne!(got, CHANRAC_OK);
}

#[test]
fn monitor_mode_flags_what_enforce_blocks() {
    let p = cpath(&example_policy());
    let open = |mode: c_int| {
        let mut err = ptr::null_mut();
        // SAFETY: a valid path, NULL state, a writable error slot.
        let h = unsafe { chanrac_engine_open_mode(p.as_ptr(), ptr::null(), mode, &mut err) };
        if h.is_null() {
            Err(take(err))
        } else {
            Ok(Handle(h))
        }
    };
    let enforce = open(CHANRAC_MODE_ENFORCE).unwrap();
    let monitor = open(CHANRAC_MODE_MONITOR).unwrap();
    let night = Ev::ad(at(23, 0), "0912345678");
    let e = enforce.check(&night).unwrap();
    let m = monitor.check(&night).unwrap();
    assert_eq!(e.decision, CHANRAC_BLOCK);
    assert_ne!(e.reasons & CHANRAC_REASON_OUTSIDE_WINDOW, 0);
    assert_eq!((m.decision, m.reasons), (CHANRAC_FLAG, e.reasons));
    assert!(open(CHANRAC_MODE_AUDIT).is_ok());
    let (code, msg) = open(7).map(|_| ()).unwrap_err();
    assert_eq!(code, CHANRAC_ERR_INPUT);
    assert!(msg.contains("unknown mode 7"), "{msg}");
}

/// The example policy with `require_consent = false`, in `dir`: ads need
/// no consent record, so an ad the store cannot count meets the fail mode.
fn policy_without_consent(dir: &Path) -> PathBuf {
    let to = dir.join("policy");
    std::fs::create_dir_all(&to).unwrap();
    for f in std::fs::read_dir(example_policy()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
    let toml = std::fs::read_to_string(to.join("policy.toml")).unwrap();
    assert!(toml.contains("require_consent = true"));
    let toml = toml.replace("require_consent = true", "require_consent = false");
    std::fs::write(to.join("policy.toml"), toml).unwrap();
    to
}

/// Opens an engine with `chanrac_engine_open_store`.
fn open_store(
    policy: &Path,
    state: &str,
    mode: c_int,
    deadline_ms: u32,
    on_error: c_int,
) -> Result<Handle, (c_int, String)> {
    let p = cpath(policy);
    let state = CString::new(state).unwrap();
    let mut err = ptr::null_mut();
    // SAFETY: valid strings and a writable error slot.
    let h = unsafe {
        chanrac_engine_open_store(
            p.as_ptr(),
            state.as_ptr(),
            mode,
            deadline_ms,
            on_error,
            &mut err,
        )
    };
    if h.is_null() {
        Err(take(err))
    } else {
        assert!(err.is_null());
        Ok(Handle(h))
    }
}

fn store_stats(h: &Handle) -> chanrac_store_stats {
    let mut s = chanrac_store_stats::default();
    let mut err = ptr::null_mut();
    // SAFETY: a live handle, a writable struct and error slot.
    let got = unsafe { chanrac_engine_store_stats(h.0, &mut s, &mut err) };
    assert_eq!(got, CHANRAC_OK);
    s
}

/// A port on 127.0.0.1 where nothing listens (bound a moment ago, then
/// released).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_bad_store_url_fails_to_open_with_a_clear_message() {
    for url in [
        "redis://:bad",
        "redis://host:notaport",
        "rediss://127.0.0.1:99999",
    ] {
        let (code, msg) = Handle::open(&example_policy(), Some(Path::new(url)))
            .err()
            .unwrap();
        assert_eq!(code, CHANRAC_ERR_INPUT, "{url}: {msg}");
        assert!(msg.starts_with("state: bad store URL"), "{url}: {msg}");
        assert!(msg.contains(url), "{url}: {msg}");
    }
    // The password of a URL never shows in the message.
    let (code, msg) = Handle::open(
        &example_policy(),
        Some(Path::new("redis://app:s3cret@127.0.0.1:bad")),
    )
    .err()
    .unwrap();
    assert_eq!(code, CHANRAC_ERR_INPUT);
    assert!(!msg.contains("s3cret") && msg.contains("app:***@"), "{msg}");
    // Not UTF-8 after the scheme.
    let p = cpath(&example_policy());
    let state = CString::new(&b"redis://127.0.0.1:6379/\xff"[..]).unwrap();
    let mut err = ptr::null_mut();
    // SAFETY: valid C strings and a writable error slot.
    let h = unsafe { chanrac_engine_open(p.as_ptr(), state.as_ptr(), &mut err) };
    assert!(h.is_null());
    let (code, msg) = take(err);
    assert_eq!(code, CHANRAC_ERR_INPUT);
    assert!(msg.contains("not valid UTF-8"), "{msg}");
}

#[test]
fn store_settings_are_checked() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let (code, msg) = open_store(&example_policy(), &url, CHANRAC_MODE_ENFORCE, 60_001, 0)
        .err()
        .unwrap();
    assert_eq!(code, CHANRAC_ERR_INPUT);
    assert!(msg.contains("`store_deadline_ms` 60001"), "{msg}");
    let (code, msg) = open_store(&example_policy(), &url, CHANRAC_MODE_ENFORCE, 0, 2)
        .err()
        .unwrap();
    assert_eq!(code, CHANRAC_ERR_INPUT);
    assert!(msg.contains("unknown `on_store_error` 2"), "{msg}");
    let (code, _) = open_store(&example_policy(), &url, 9, 0, 0).err().unwrap();
    assert_eq!(code, CHANRAC_ERR_INPUT);
    // Checked, then unused, with a directory or in memory.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(open_store(&example_policy(), d, CHANRAC_MODE_ENFORCE, 0, 1).is_ok());
    assert_eq!(
        open_store(&example_policy(), d, CHANRAC_MODE_ENFORCE, 60_001, 1)
            .err()
            .unwrap()
            .0,
        1
    );
    let h = open_store(&example_policy(), "", CHANRAC_MODE_ENFORCE, 0, 0).unwrap();
    assert_eq!(store_stats(&h), chanrac_store_stats::default());
}

#[test]
fn a_store_that_is_down_gives_state_unavailable_under_the_fail_mode() {
    // Nothing listens: the open succeeds (nothing is connected), each check
    // meets the fail mode.
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_without_consent(tmp.path());
    let ad = Ev::ad(at(9, 0), "0912345678");
    let block = Handle::open(&policy, Some(Path::new(&url))).unwrap();
    for _ in 0..3 {
        let v = block.check(&ad).unwrap();
        assert_eq!(v.decision, CHANRAC_BLOCK);
        assert_eq!(codes(v.reasons), "STATE_UNAVAILABLE");
        assert_eq!(v.counted, 0);
    }
    let s = store_stats(&block);
    assert_eq!((s.shared, s.checks, s.unavailable), (1, 0, 3));

    let deliver = open_store(
        &policy,
        &url,
        CHANRAC_MODE_ENFORCE,
        0,
        CHANRAC_ON_STORE_ERROR_DELIVER,
    )
    .unwrap();
    let v = deliver.check(&ad).unwrap();
    assert_eq!((v.decision, v.reasons, v.counted), (CHANRAC_ALLOW, 0, 0));
    assert_eq!(store_stats(&deliver).unavailable, 1);

    // Monitor mode delivers, whatever the fail mode says.
    let monitor = open_store(
        &policy,
        &url,
        CHANRAC_MODE_MONITOR,
        0,
        CHANRAC_ON_STORE_ERROR_BLOCK,
    )
    .unwrap();
    let v = monitor.check(&ad).unwrap();
    assert_ne!(v.decision, CHANRAC_BLOCK);
    assert_eq!(v.counted, 0);

    // Events the store is not needed for are decided as ever.
    let v = block.check(&Ev::ad(at(23, 0), "0912345678")).unwrap();
    assert_eq!(v.decision, CHANRAC_BLOCK);
    assert_ne!(v.reasons & CHANRAC_REASON_OUTSIDE_WINDOW, 0);
    let mut s = unsafe_zeroed_stats();
    // SAFETY: a live handle, a writable struct; errors ignored.
    let got = unsafe { chanrac_engine_stats(block.0, &mut s, ptr::null_mut()) };
    assert_eq!(got, CHANRAC_OK);
    assert_eq!(s.reasons_blocked[19], 3, "STATE_UNAVAILABLE, bit 19");
}

fn unsafe_zeroed_stats() -> chanrac_stats {
    // SAFETY: zeroed is a valid chanrac_stats (integers and arrays).
    unsafe { std::mem::zeroed() }
}

/// A store that accepts the connection and never answers: the check comes
/// back (with the fail mode) instead of hanging.
#[test]
fn a_store_that_never_answers_does_not_hang_the_check() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}", silent.local_addr().unwrap());
    // Accepted connections are kept open, unanswered, until the test ends.
    let keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in silent.incoming().take(4) {
            held.push(c);
        }
        held
    });
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_without_consent(tmp.path());
    let h = open_store(
        &policy,
        &url,
        CHANRAC_MODE_ENFORCE,
        100,
        CHANRAC_ON_STORE_ERROR_BLOCK,
    )
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let checker = std::thread::spawn(move || {
        for m in 0..2 {
            let v = h.check(&Ev::ad(at(9, m), "0912345678")).unwrap();
            tx.send(v).unwrap();
        }
    });
    for _ in 0..2 {
        // A generous bound that only a hang would exceed.
        let v = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the check came back");
        assert_eq!(v.decision, CHANRAC_BLOCK);
        assert_eq!(codes(v.reasons), "STATE_UNAVAILABLE");
    }
    checker.join().unwrap();
    drop(keep);
}

/// Two engines on one `redis-server` (as two processes would be): the caps,
/// the consent and the registration mark hold across both.
#[test]
fn two_engines_on_one_store_share_caps_and_consent() {
    let Some(redis) = chanrac_testkit::RedisServer::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_without_consent(tmp.path());
    let a = open_store(&policy, &redis.url(), CHANRAC_MODE_ENFORCE, 10_000, 0).unwrap();
    let b = open_store(&policy, &redis.url(), CHANRAC_MODE_ENFORCE, 10_000, 0).unwrap();
    // Three ad SMS per pair in 24 hours, whichever engine sends them.
    let rcpt = "0912345678";
    let got: Vec<_> = [&a, &b, &a, &b, &a]
        .iter()
        .enumerate()
        .map(|(i, h)| h.check(&Ev::ad(at(9, i as i64), rcpt)).unwrap())
        .map(|v| (v.decision, codes(v.reasons)))
        .collect();
    let allow = (CHANRAC_ALLOW, String::new());
    let freq = (CHANRAC_BLOCK, "FREQUENCY".to_string());
    assert_eq!(
        got,
        [allow.clone(), allow.clone(), allow, freq.clone(), freq]
    );

    // An opt-out through one engine is honoured by the other.
    let other = "0912000111";
    assert_eq!(
        b.check(&Ev::ad(at(9, 0), other)).unwrap().decision,
        CHANRAC_ALLOW
    );
    let optout = Ev::new(at(9, 5), "", "optout", "", "shopvn", other, "");
    assert_eq!(a.check(&optout).unwrap().counted, 1);
    let v = b.check(&Ev::ad(at(9, 10), other)).unwrap();
    assert_eq!(
        (v.decision, codes(v.reasons)),
        (CHANRAC_BLOCK, "REFUSED".into())
    );

    // The registration message is first-and-only across both.
    let dkqc = "DKQC ShopVN: Quý khách có đồng ý nhận tin nhắn quảng cáo từ ShopVN? \
                Soạn Y gửi 8079 để đồng ý";
    let reg = |t| {
        Ev::new(
            t,
            "sms",
            "registration",
            "SHOPVN",
            "shopvn",
            "0356000001",
            dkqc,
        )
    };
    assert_eq!(a.check(&reg(at(9, 0))).unwrap().decision, CHANRAC_ALLOW);
    let v = b.check(&reg(at(10, 0))).unwrap();
    assert_eq!(codes(v.reasons), "REGISTRATION_REPEAT");

    let (sa, sb) = (store_stats(&a), store_stats(&b));
    assert_eq!((sa.shared, sa.unavailable, sb.unavailable), (1, 0, 0));
    assert!(sa.checks >= 3 && sb.checks >= 3, "{sa:?} {sb:?}");
    // Nothing was counted in the engines' own tables: the pairs there are
    // the policy's consent records only, as in an engine that checked
    // nothing.
    let pairs = |h: &Handle| {
        let mut s = unsafe_zeroed_stats();
        // SAFETY: a live handle, a writable struct; errors ignored.
        let got = unsafe { chanrac_engine_stats(h.0, &mut s, ptr::null_mut()) };
        assert_eq!(got, CHANRAC_OK);
        s.state_pairs
    };
    let fresh = open_store(&policy, &redis.url(), CHANRAC_MODE_ENFORCE, 0, 0).unwrap();
    assert_eq!((pairs(&a), pairs(&b)), (pairs(&fresh), pairs(&fresh)));
}

/// The policy's consent records reach the store only when the host stores
/// them; then every engine on the store sees them.
#[test]
fn the_policy_consents_are_stored_on_request() {
    let Some(redis) = chanrac_testkit::RedisServer::start() else {
        return;
    };
    let seed = |h: &Handle| {
        let mut err = ptr::null_mut();
        // SAFETY: a live handle and a writable error slot.
        let n = unsafe { chanrac_state_seed_consents(h.0, &mut err) };
        if n < 0 {
            Err(take(err))
        } else {
            assert!(err.is_null());
            Ok(n)
        }
    };
    // consents.csv: shopvn holds an opt-in for 0912345678.
    let url = redis.url();
    let a = open_store(&example_policy(), &url, CHANRAC_MODE_ENFORCE, 10_000, 0).unwrap();
    let b = open_store(&example_policy(), &url, CHANRAC_MODE_ENFORCE, 10_000, 0).unwrap();
    let v = a.check(&Ev::ad(at(9, 0), "0912345678")).unwrap();
    assert_eq!(codes(v.reasons), "NO_CONSENT");
    let records = seed(&a).unwrap();
    // One per pair of examples/policy/consents.csv (0834556677's opt-out
    // replaces its opt-in).
    assert_eq!(records, 12);
    let v = b.check(&Ev::ad(at(9, 1), "0912345678")).unwrap();
    assert_eq!((v.decision, v.counted), (CHANRAC_ALLOW, 1));
    // Again: nothing changes (newer-only), and an opt-out made since stays.
    let optout = Ev::new(at(9, 2), "", "optout", "", "shopvn", "0912345678", "");
    assert_eq!(b.check(&optout).unwrap().counted, 1);
    assert_eq!(seed(&b).unwrap(), 12);
    let v = a.check(&Ev::ad(at(9, 3), "0912345678")).unwrap();
    assert_eq!(codes(v.reasons), "REFUSED");

    // Without a store: nothing to do.
    let local = Handle::open(&example_policy(), None).unwrap();
    assert_eq!(seed(&local).unwrap(), 0);
    // A store that is down: a state error naming it, password hidden.
    let down = format!("redis://app:s3cret@127.0.0.1:{}", closed_port());
    let h = open_store(&example_policy(), &down, CHANRAC_MODE_ENFORCE, 0, 0).unwrap();
    let (code, msg) = seed(&h).unwrap_err();
    assert_eq!(code, CHANRAC_ERR_STATE);
    assert!(
        msg.contains("redis://app:***@127.0.0.1:") && !msg.contains("s3cret"),
        "{msg}"
    );
}

/// A password (or an ACL user and its password) in the URL is used; a wrong
/// one is the fail mode, never an answer from the store.
#[test]
fn a_password_in_the_url_is_used() {
    let Some(redis) = chanrac_testkit::RedisServer::start_with(&["--requirepass", "s3cret"]) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_without_consent(tmp.path());
    let port = redis.port();
    for url in [
        format!("redis://:s3cret@127.0.0.1:{port}"),
        format!("redis://default:s3cret@127.0.0.1:{port}/0"),
    ] {
        let h = open_store(&policy, &url, CHANRAC_MODE_ENFORCE, 10_000, 0).unwrap();
        let v = h.check(&Ev::ad(at(9, 0), "0912000321")).unwrap();
        assert_eq!(v.reasons & CHANRAC_REASON_STATE_UNAVAILABLE, 0, "{url}");
        assert_eq!(store_stats(&h).unavailable, 0);
    }
    let wrong = format!("redis://:nope@127.0.0.1:{port}");
    let h = open_store(&policy, &wrong, CHANRAC_MODE_ENFORCE, 2_000, 0).unwrap();
    let v = h.check(&Ev::ad(at(10, 0), "0912000321")).unwrap();
    assert_eq!(codes(v.reasons), "STATE_UNAVAILABLE");
    // TLS is accepted at the open (connected, like any store, on first use).
    let tls = format!("rediss://127.0.0.1:{port}");
    assert!(open_store(&policy, &tls, CHANRAC_MODE_ENFORCE, 0, 0).is_ok());
}

/// `p`, a static C string from the library, or `None` for NULL.
fn static_str(p: *const c_char) -> Option<&'static str> {
    // SAFETY: the library returns NULL or a static NUL-terminated string.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap())
}

#[test]
fn channel_and_kind_codes_follow_the_core() {
    use chanrac_core::{Channel, Kind};
    // Every kind of the core has a code: a new one fails to compile here.
    let code = |k: Kind| match k {
        Kind::Ad => CHANRAC_KIND_AD,
        Kind::Registration => CHANRAC_KIND_REGISTRATION,
        Kind::Care => CHANRAC_KIND_CARE,
        Kind::P2p => CHANRAC_KIND_P2P,
        Kind::OptIn => CHANRAC_KIND_OPTIN,
        Kind::OptOut => CHANRAC_KIND_OPTOUT,
        Kind::Reply => CHANRAC_KIND_REPLY,
    };
    let kinds = [
        Kind::Ad,
        Kind::Registration,
        Kind::Care,
        Kind::P2p,
        Kind::OptIn,
        Kind::OptOut,
        Kind::Reply,
    ];
    for (i, k) in kinds.into_iter().enumerate() {
        assert_eq!(code(k), c_int::try_from(i + 1).unwrap(), "{k:?}");
        assert_eq!(static_str(chanrac_kind_name(code(k))), Some(k.name()));
    }
    let channel = |c: Channel| match c {
        Channel::Sms => CHANRAC_CHANNEL_SMS,
        Channel::Call => CHANRAC_CHANNEL_CALL,
    };
    for (i, c) in [Channel::Sms, Channel::Call].into_iter().enumerate() {
        assert_eq!(channel(c), c_int::try_from(i + 1).unwrap(), "{c:?}");
        assert_eq!(static_str(chanrac_channel_name(channel(c))), Some(c.name()));
    }
    for bad in [CHANRAC_CHANNEL_NONE, 3, -1, c_int::MIN, c_int::MAX] {
        assert_eq!(static_str(chanrac_channel_name(bad)), None, "{bad}");
    }
    for bad in [0, 8, -1, c_int::MIN, c_int::MAX] {
        assert_eq!(static_str(chanrac_kind_name(bad)), None, "{bad}");
    }
}

/// The fields of a line of examples/events.csv (quoted fields hold no
/// quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let (field, after) = match rest.strip_prefix('"') {
            Some(q) => {
                let end = q.find('"').unwrap();
                (&q[..end], &q[end + 1..])
            }
            None => rest.split_at(rest.find(',').unwrap_or(rest.len())),
        };
        fields.push(field.to_string());
        match after.strip_prefix(',') {
            Some(next) => rest = next,
            None => return fields,
        }
    }
}

/// The events of the example day, then consent events without a channel, a
/// reply and what follows them.
fn example_events() -> Vec<Ev> {
    let csv = std::fs::read_to_string(example_policy().join("../events.csv")).unwrap();
    let mut events: Vec<Ev> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let f = csv_fields(line);
            assert_eq!(f.len(), 8, "{line}");
            let t = chanrac_policy::events::parse_time(&f[1]).unwrap();
            Ev::new(t.as_second(), &f[2], &f[3], &f[4], &f[5], &f[6], &f[7])
        })
        .collect();
    assert!(events.len() > 40);
    let t = at(24 + 11, 0);
    events.extend([
        Ev::new(t, "", "optin", "", "shopvn", "0977888999", ""),
        Ev::ad(t + 60, "0977888999"),
        Ev::new(t + 120, "", "OptOut", "", "shopvn", "0977888999", ""),
        Ev::ad(t + 180, "0977888999"),
        Ev::new(t + 240, "sms", "reply", "0977888999", "shopvn", "8079", "Y"),
        Ev::ad(t + 300, "0977888999"),
        Ev::new(
            t + 360,
            "call",
            "care",
            "02873005678",
            "shopvn",
            "0912345678",
            "",
        ),
        Ev::new(
            t + 420,
            "call",
            "registration",
            "SHOPVN",
            "shopvn",
            "0912345678",
            "DKQC",
        ),
        Ev::new(
            t + 480,
            "sms",
            "ad",
            "SHOPVN",
            "shopvn",
            "091234567",
            "[QC] x",
        ),
    ]);
    events
}

/// The codes of an event's channel and kind strings, as a C caller that
/// moved to chanrac_check_as() would give them.
fn codes_of(ev: &Ev) -> (chanrac_channel, chanrac_kind) {
    // SAFETY: the event's strings are live C strings.
    let (channel, kind) = unsafe { (CStr::from_ptr(ev.ev.channel), CStr::from_ptr(ev.ev.kind)) };
    let channel = match chanrac_core::Channel::parse(channel.to_str().unwrap()) {
        Some(chanrac_core::Channel::Sms) => CHANRAC_CHANNEL_SMS,
        Some(chanrac_core::Channel::Call) => CHANRAC_CHANNEL_CALL,
        None => CHANRAC_CHANNEL_NONE,
    };
    let kind = (1..=CHANRAC_KIND_REPLY)
        .find(|&k| {
            static_str(chanrac_kind_name(k)).unwrap()
                == kind.to_str().unwrap().trim().to_ascii_lowercase()
        })
        .unwrap();
    (channel, kind)
}

#[test]
fn check_as_gives_the_verdicts_of_check() {
    // Two engines fed the same events, one by strings and one by codes:
    // the same verdicts, counts and errors all along (the state they keep
    // included).
    let by_name = Handle::open(&example_policy(), None).unwrap();
    let by_code = Handle::open(&example_policy(), None).unwrap();
    let not_utf8 = [0xffu8, 0];
    let (mut blocked, mut errors, mut counted) = (0, 0, 0);
    for (i, mut ev) in example_events().into_iter().enumerate() {
        let (channel, kind) = codes_of(&ev);
        let named = by_name.check(&ev);
        // The strings are not read: not even their encoding is checked.
        ev.ev.channel = not_utf8.as_ptr().cast();
        ev.ev.kind = if i % 2 == 0 {
            ptr::null()
        } else {
            not_utf8.as_ptr().cast()
        };
        let coded = by_code.check_as(&ev, channel, kind);
        assert_eq!(named, coded, "channel {channel}, kind {kind}");
        match named {
            Ok(v) => {
                blocked += usize::from(v.decision == CHANRAC_BLOCK);
                counted += usize::from(v.counted == 1);
            }
            Err(_) => errors += 1,
        }
    }
    // Not vacuous: blocks for many reasons, counts, and bad events.
    assert!(blocked >= 15 && counted >= 15, "{blocked} {counted}");
    assert_eq!(errors, 2);
    let stats = |h: &Handle| {
        let mut s = unsafe_zeroed_stats();
        // SAFETY: a live handle and a writable struct.
        let rc = unsafe { chanrac_engine_stats(h.0, &mut s, ptr::null_mut()) };
        assert_eq!(rc, CHANRAC_OK);
        (s.checks, s.blocked, s.reasons_blocked, s.state_pairs)
    };
    assert_eq!(stats(&by_name), stats(&by_code));
}

#[test]
fn check_as_refuses_unknown_codes() {
    let h = Handle::open(&example_policy(), None).unwrap();
    let ad = Ev::ad(at(9, 0), "0912345678");
    for channel in [3, 7, -1, c_int::MIN, c_int::MAX] {
        let e = h.check_as(&ad, channel, CHANRAC_KIND_AD).unwrap_err();
        assert_eq!(
            e,
            (
                CHANRAC_ERR_INPUT,
                format!(
                    "unknown channel {channel}: expected CHANRAC_CHANNEL_SMS (1) or \
                     CHANRAC_CHANNEL_CALL (2)"
                )
            )
        );
    }
    for kind in [0, 8, -1, c_int::MIN, c_int::MAX] {
        // The kind is judged first, as the strings are.
        let e = h.check_as(&ad, 9, kind).unwrap_err();
        assert_eq!(
            e,
            (
                CHANRAC_ERR_INPUT,
                format!(
                    "unknown kind {kind}: expected CHANRAC_KIND_AD (1) to CHANRAC_KIND_REPLY (7)"
                )
            )
        );
    }
    // No channel: only for consent events, which count as an empty string
    // does.
    for kind in [
        CHANRAC_KIND_AD,
        CHANRAC_KIND_REGISTRATION,
        CHANRAC_KIND_CARE,
        CHANRAC_KIND_P2P,
        CHANRAC_KIND_REPLY,
    ] {
        let e = h.check_as(&ad, CHANRAC_CHANNEL_NONE, kind).unwrap_err();
        assert_eq!(
            e,
            (
                CHANRAC_ERR_INPUT,
                "`channel` is CHANRAC_CHANNEL_NONE (0), allowed only for optin and optout: \
                 expected CHANRAC_CHANNEL_SMS (1) or CHANRAC_CHANNEL_CALL (2)"
                    .into()
            ),
            "kind {kind}"
        );
    }
    let other = Handle::open(&example_policy(), None).unwrap();
    let consent = Ev::new(at(9, 0), "", "optout", "", "shopvn", "0912345678", "");
    for kind in [CHANRAC_KIND_OPTIN, CHANRAC_KIND_OPTOUT] {
        let v = h.check_as(&consent, CHANRAC_CHANNEL_NONE, kind).unwrap();
        assert_eq!((v.decision, v.reasons, v.counted), (CHANRAC_ALLOW, 0, 1));
    }
    // Both engines now hold the opt-out: the next ad is refused by each.
    other.check(&consent).unwrap();
    let after = Ev::ad(at(9, 5), "0912345678");
    let v = h.check(&after).unwrap();
    assert_eq!(other.check(&after).unwrap(), v);
    assert_eq!(codes(v.reasons), "REFUSED");
    // An unknown channel string is an error even for consent; an unknown
    // code too.
    let e = h.check_as(&consent, 5, CHANRAC_KIND_OPTOUT).unwrap_err();
    assert!(e.1.starts_with("unknown channel 5: "), "{}", e.1);
    let e = h
        .check_as(&ad, CHANRAC_CHANNEL_CALL, CHANRAC_KIND_REGISTRATION)
        .unwrap_err();
    assert_eq!(e.1, "a `registration` event is SMS only, not `call`");

    // NULL pointers, as chanrac_check().
    let mut out = chanrac_verdict {
        decision: -1,
        reasons: 0,
        retry_at: -1,
        counted: 0,
    };
    let mut err = ptr::null_mut();
    let (sms, kind) = (CHANRAC_CHANNEL_SMS, CHANRAC_KIND_AD);
    // SAFETY: each call has NULL where tested, valid pointers elsewhere.
    unsafe {
        assert_eq!(
            chanrac_check_as(ptr::null(), &ad.ev, sms, kind, &mut out, &mut err),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(take(err).1, "`engine` is NULL");
        err = ptr::null_mut();
        assert_eq!(
            chanrac_check_as(h.0, ptr::null(), sms, kind, &mut out, &mut err),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(take(err).1, "`event` is NULL");
        err = ptr::null_mut();
        assert_eq!(
            chanrac_check_as(h.0, &ad.ev, sms, kind, ptr::null_mut(), &mut err),
            CHANRAC_ERR_INPUT
        );
        assert_eq!(take(err).1, "`out` is NULL");
        assert_eq!(
            chanrac_check_as(h.0, &ad.ev, 7, kind, &mut out, ptr::null_mut()),
            CHANRAC_ERR_INPUT
        );
    }
    assert_eq!(out.decision, -1, "untouched");
}
