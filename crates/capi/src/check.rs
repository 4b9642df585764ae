//! Checking one event: the event and verdict structs, decisions and reason
//! codes.

use std::ffi::{c_char, c_int, CStr};
use std::ptr;

use chanrac_core::{Channel, Decision, Event, Kind, Number, Reason, Sender, Verdict};
use jiff::Timestamp;

use crate::args::{out_arg, str_arg};
use crate::engine::{chanrac_engine, engine_status};
use crate::error::{catch, chanrac_error, Error};

/// Decision: deliver.
pub const CHANRAC_ALLOW: c_int = 0;
/// Decision: do not deliver.
pub const CHANRAC_BLOCK: c_int = 1;
/// Decision: deliver, but report (reasons whose `[actions]` action is
/// `flag`); counts as allowed.
pub const CHANRAC_FLAG: c_int = 2;

/// How many reason codes there are: bits `0` to `CHANRAC_REASON_COUNT - 1`
/// of `chanrac_verdict.reasons`.
pub const CHANRAC_REASON_COUNT: u32 = 20;
/// `DNC` (R1): the recipient is on the Do-Not-Call list for the channel.
pub const CHANRAC_REASON_DNC: u32 = 1 << 0;
/// `OUTSIDE_WINDOW` (R2, R3, R6): outside the daily window.
pub const CHANRAC_REASON_OUTSIDE_WINDOW: u32 = 1 << 1;
/// `FREQUENCY` (R4, R5): the sliding 24 h cap is reached (see `retry_at`).
pub const CHANRAC_REASON_FREQUENCY: u32 = 1 << 2;
/// `REGISTRATION_REPEAT` (R6): a registration message was already sent.
pub const CHANRAC_REASON_REGISTRATION_REPEAT: u32 = 1 << 3;
/// `LABEL` (R6, R9): missing `[QC]`/`[AD]` label, or registration not
/// starting `DKQC`.
pub const CHANRAC_REASON_LABEL: u32 = 1 << 4;
/// `NO_CONSENT` (R7): no consent recorded.
pub const CHANRAC_REASON_NO_CONSENT: u32 = 1 << 5;
/// `REFUSED` (R7): opted out, or no reply to the registration message.
pub const CHANRAC_REASON_REFUSED: u32 = 1 << 6;
/// `PHONE_SENDER` (R8): ad SMS or registration from a phone number.
pub const CHANRAC_REASON_PHONE_SENDER: u32 = 1 << 7;
/// `BRAND_UNREGISTERED` (R8): identifier not in the registry.
pub const CHANRAC_REASON_BRAND_UNREGISTERED: u32 = 1 << 8;
/// `BRAND_OWNER` (R8): identifier issued to another advertiser.
pub const CHANRAC_REASON_BRAND_OWNER: u32 = 1 << 9;
/// `BRAND_INACTIVE` (R8): identifier revoked, suspended or outside its
/// validity.
pub const CHANRAC_REASON_BRAND_INACTIVE: u32 = 1 << 10;
/// `SPAM_SIGNATURE` (S1): the text matches a shared spam template.
pub const CHANRAC_REASON_SPAM_SIGNATURE: u32 = 1 << 11;
/// `SUSPENDED_SOURCE` (S2): numeric source on the suspension list.
pub const CHANRAC_REASON_SUSPENDED_SOURCE: u32 = 1 << 12;
/// `SUSPENDED_CONTACT` (S3): the text advertises a suspended number.
pub const CHANRAC_REASON_SUSPENDED_CONTACT: u32 = 1 << 13;
/// `BEHAVIOR` (S4): the source behaves like a spam source (flag only).
pub const CHANRAC_REASON_BEHAVIOR: u32 = 1 << 14;
/// `STATE_FULL` (R4/R5/R7 not verifiable): a new pair could not be tracked
/// because the engine's state is full; blocked (fail closed).
pub const CHANRAC_REASON_STATE_FULL: u32 = 1 << 15;
/// `URL_BLOCKED` (carrier anti-phishing measure): the text links to a host
/// blocked by `domains.csv`.
pub const CHANRAC_REASON_URL_BLOCKED: u32 = 1 << 16;
/// `URL_NOT_ALLOWED` (carrier anti-phishing measure): an ad or registration
/// links to a host outside the advertiser's `domains`.
pub const CHANRAC_REASON_URL_NOT_ALLOWED: u32 = 1 << 17;
/// `LOOKALIKE` (carrier anti-phishing measure, R8): a link host or sender
/// name imitates a protected brand.
pub const CHANRAC_REASON_LOOKALIKE: u32 = 1 << 18;
/// `STATE_UNAVAILABLE` (R4/R5/R7 not verifiable): the shared state store
/// (`redis://`) did not answer within its deadline; blocked (fail closed)
/// unless the engine was opened to deliver on store errors.
pub const CHANRAC_REASON_STATE_UNAVAILABLE: u32 = 1 << 19;

/// The reason codes as C strings, by bit index.
static REASON_CODES: [&CStr; Reason::ALL.len()] = [
    c"DNC",
    c"OUTSIDE_WINDOW",
    c"FREQUENCY",
    c"REGISTRATION_REPEAT",
    c"LABEL",
    c"NO_CONSENT",
    c"REFUSED",
    c"PHONE_SENDER",
    c"BRAND_UNREGISTERED",
    c"BRAND_OWNER",
    c"BRAND_INACTIVE",
    c"SPAM_SIGNATURE",
    c"SUSPENDED_SOURCE",
    c"SUSPENDED_CONTACT",
    c"BEHAVIOR",
    c"STATE_FULL",
    c"URL_BLOCKED",
    c"URL_NOT_ALLOWED",
    c"LOOKALIKE",
    c"STATE_UNAVAILABLE",
];

/// An event's channel as chanrac_check_as() takes it: a
/// `CHANRAC_CHANNEL_*` constant.
pub type chanrac_channel = c_int;
/// No channel: allowed only with `CHANRAC_KIND_OPTIN` and
/// `CHANRAC_KIND_OPTOUT`, as an empty `channel` string is.
pub const CHANRAC_CHANNEL_NONE: chanrac_channel = 0;
/// `"sms"`.
pub const CHANRAC_CHANNEL_SMS: chanrac_channel = 1;
/// `"call"`.
pub const CHANRAC_CHANNEL_CALL: chanrac_channel = 2;

/// An event's kind as chanrac_check_as() takes it: a `CHANRAC_KIND_*`
/// constant.
pub type chanrac_kind = c_int;
/// `"ad"`: an advertisement (ad SMS or ad call).
pub const CHANRAC_KIND_AD: chanrac_kind = 1;
/// `"registration"`: the first-and-only registration message (`DKQC …`;
/// SMS only).
pub const CHANRAC_KIND_REGISTRATION: chanrac_kind = 2;
/// `"care"`: customer care, not advertising.
pub const CHANRAC_KIND_CARE: chanrac_kind = 3;
/// `"p2p"`: ordinary subscriber traffic.
pub const CHANRAC_KIND_P2P: chanrac_kind = 4;
/// `"optin"`: the recipient consented to the advertiser's ads (not
/// traffic).
pub const CHANRAC_KIND_OPTIN: chanrac_kind = 5;
/// `"optout"`: the recipient withdrew consent (not traffic).
pub const CHANRAC_KIND_OPTOUT: chanrac_kind = 6;
/// `"reply"`: an SMS from a subscriber (the source) to an advertiser (its
/// account and short code); never blocked, a `yes` or `no` reply records
/// consent or refusal.
pub const CHANRAC_KIND_REPLY: chanrac_kind = 7;

/// The channels by code, with their names.
const CHANNELS: [(chanrac_channel, Channel, &CStr); 2] = [
    (CHANRAC_CHANNEL_SMS, Channel::Sms, c"sms"),
    (CHANRAC_CHANNEL_CALL, Channel::Call, c"call"),
];

/// The kinds by code, with their names.
const KINDS: [(chanrac_kind, Kind, &CStr); 7] = [
    (CHANRAC_KIND_AD, Kind::Ad, c"ad"),
    (
        CHANRAC_KIND_REGISTRATION,
        Kind::Registration,
        c"registration",
    ),
    (CHANRAC_KIND_CARE, Kind::Care, c"care"),
    (CHANRAC_KIND_P2P, Kind::P2p, c"p2p"),
    (CHANRAC_KIND_OPTIN, Kind::OptIn, c"optin"),
    (CHANRAC_KIND_OPTOUT, Kind::OptOut, c"optout"),
    (CHANRAC_KIND_REPLY, Kind::Reply, c"reply"),
];

/// The entry of `code` in `table`.
fn by_code<T: Copy>(
    table: &[(c_int, T, &'static CStr)],
    code: c_int,
) -> Option<(T, &'static CStr)> {
    table
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(_, v, name)| (v, name))
}

/// One event to check (the fields of an event file, docs/formats.md).
/// Strings are UTF-8 and NUL-terminated; NULL reads as the empty string.
/// The engine reads them during chanrac_check() only and keeps none.
/// chanrac_event_init() sets the defaults (`duration` -1: unknown; a zeroed
/// struct says 0 seconds).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct chanrac_event {
    /// When the event happened, in seconds since the Unix epoch (UTC). The
    /// engine never reads the clock: stamp events as they arrive.
    pub unix_time: i64,
    /// Nanoseconds past `unix_time`: `0` to `999999999`.
    pub nanos: u32,
    /// `"sms"` or `"call"`, case-insensitive; may be empty for `optin` and
    /// `optout`. chanrac_check_as() ignores it.
    pub channel: *const c_char,
    /// `"ad"`, `"registration"` (SMS only), `"care"`, `"p2p"`, `"optin"`,
    /// `"optout"` or `"reply"`, case-insensitive. chanrac_check_as()
    /// ignores it.
    pub kind: *const c_char,
    /// The sender: a brandname, a number or a short code (empty: none). A
    /// source written only with digits and separators must be a valid
    /// number or short code.
    pub source: *const c_char,
    /// The advertiser account (an SMPP account of the policy stands for its
    /// advertiser); empty for p2p.
    pub advertiser: *const c_char,
    /// The called or texted number, in any usual form (`0912 345 678`,
    /// `+84912345678`) or a short code. Required.
    pub recipient: *const c_char,
    /// The SMS text (ignored for calls).
    pub text: *const c_char,
    /// Call duration in seconds; negative (`-1`) when unknown.
    pub duration: i64,
}

/// The engine's answer for one event.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct chanrac_verdict {
    /// `CHANRAC_ALLOW`, `CHANRAC_BLOCK` or `CHANRAC_FLAG`.
    pub decision: c_int,
    /// Every rule the event breaks: bit `n` is reason `n` in the order of
    /// the rule table (`CHANRAC_REASON_*`; codes by chanrac_reason_code()
    /// and chanrac_reason_codes()). Zero when allowed.
    pub reasons: u32,
    /// With `CHANRAC_REASON_FREQUENCY`: the earliest time (Unix seconds,
    /// rounded up) at which the cap allows another ad to this number;
    /// otherwise `-1`.
    pub retry_at: i64,
    /// `1` when the event changed the engine's state (it was counted, or it
    /// is a consent event), else `0`.
    pub counted: c_int,
}

impl chanrac_verdict {
    fn of(v: &Verdict) -> chanrac_verdict {
        chanrac_verdict {
            decision: match v.decision {
                Decision::Allow => CHANRAC_ALLOW,
                Decision::Block => CHANRAC_BLOCK,
                Decision::Flag => CHANRAC_FLAG,
            },
            reasons: v.reasons.bits(),
            retry_at: v.retry_at.map_or(-1, |t| {
                let ms = t.as_millisecond();
                ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
            }),
            counted: c_int::from(v.counted),
        }
    }
}

/// An event's channel and kind: its own strings (chanrac_check()), or
/// codes given beside it (chanrac_check_as()).
enum Given<'a> {
    Names {
        channel: &'a str,
        kind: &'a str,
    },
    Codes {
        channel: chanrac_channel,
        kind: chanrac_kind,
    },
}

impl Given<'_> {
    /// The kind, and the channel (`None` when empty or 0); or the input
    /// error naming the bad value.
    fn parse(&self) -> Result<(Kind, Option<Channel>), Error> {
        match *self {
            Given::Names { channel, kind } => {
                let kind = match kind.trim() {
                    "" => return Err(Error::input(
                        "`kind` is empty: expected ad, registration, care, p2p, optin or optout",
                    )),
                    k => Kind::parse(k).ok_or_else(|| {
                        Error::input(format!(
                            "unknown kind `{k}`: expected ad, registration, care, p2p, optin or \
                             optout"
                        ))
                    })?,
                };
                let channel = match channel.trim() {
                    "" => None,
                    ch => Some(Channel::parse(ch).ok_or_else(|| {
                        Error::input(format!("unknown channel `{ch}`: expected sms or call"))
                    })?),
                };
                Ok((kind, channel))
            }
            Given::Codes { channel, kind } => {
                let (kind, _) = by_code(&KINDS, kind).ok_or_else(|| {
                    Error::input(format!(
                        "unknown kind {kind}: expected CHANRAC_KIND_AD ({CHANRAC_KIND_AD}) to \
                         CHANRAC_KIND_REPLY ({CHANRAC_KIND_REPLY})"
                    ))
                })?;
                let channel = match channel {
                    CHANRAC_CHANNEL_NONE => None,
                    ch => Some(by_code(&CHANNELS, ch).map(|(c, _)| c).ok_or_else(|| {
                        Error::input(format!(
                            "unknown channel {ch}: expected CHANRAC_CHANNEL_SMS \
                             ({CHANRAC_CHANNEL_SMS}) or CHANRAC_CHANNEL_CALL \
                             ({CHANRAC_CHANNEL_CALL})"
                        ))
                    })?),
                };
                Ok((kind, channel))
            }
        }
    }

    /// The kind and channel: no channel is allowed for consent events only
    /// (and stands for `sms`).
    fn kind_and_channel(&self) -> Result<(Kind, Channel), Error> {
        match self.parse()? {
            (kind, Some(channel)) => Ok((kind, channel)),
            (kind, None) if kind.is_consent() => Ok((kind, Channel::Sms)),
            (_, None) => Err(Error::input(match self {
                Given::Names { .. } => "`channel` is empty: expected sms or call",
                Given::Codes { .. } => {
                    "`channel` is CHANRAC_CHANNEL_NONE (0), allowed only for optin and optout: \
                     expected CHANRAC_CHANNEL_SMS (1) or CHANRAC_CHANNEL_CALL (2)"
                }
            })),
        }
    }
}

/// The strings of a [`chanrac_event`], read.
struct Fields<'a> {
    given: Given<'a>,
    source: &'a str,
    advertiser: &'a str,
    recipient: &'a str,
    text: &'a str,
}

impl<'a> Fields<'a> {
    /// Reads the strings of `c`; its channel and kind too unless `codes`
    /// gives them.
    ///
    /// # Safety
    /// Every string pointer of `c` is NULL or a NUL-terminated string valid
    /// for `'a`.
    unsafe fn read(
        c: &chanrac_event,
        codes: Option<(chanrac_channel, chanrac_kind)>,
    ) -> Result<Fields<'a>, Error> {
        let given = match codes {
            Some((channel, kind)) => Given::Codes { channel, kind },
            None => Given::Names {
                // SAFETY: forwarded from this function's contract, here and below.
                channel: unsafe { str_arg(c.channel, "channel") }?,
                // SAFETY: as above.
                kind: unsafe { str_arg(c.kind, "kind") }?,
            },
        };
        Ok(Fields {
            given,
            // SAFETY: as above.
            source: unsafe { str_arg(c.source, "source") }?,
            // SAFETY: as above.
            advertiser: unsafe { str_arg(c.advertiser, "advertiser") }?,
            // SAFETY: as above.
            recipient: unsafe { str_arg(c.recipient, "recipient") }?,
            // SAFETY: as above.
            text: unsafe { str_arg(c.text, "text") }?,
        })
    }

    /// The event, validated as the event files are (docs/formats.md).
    fn event(&self, c: &chanrac_event) -> Result<Event<'a>, Error> {
        let (kind, channel) = self.given.kind_and_channel()?;
        let time = i32::try_from(c.nanos)
            .ok()
            .filter(|&n| n < 1_000_000_000)
            .ok_or_else(|| Error::input(format!("`nanos` {} is not below 1000000000", c.nanos)))
            .and_then(|n| {
                Timestamp::new(c.unix_time, n).map_err(|_| {
                    Error::input(format!("`unix_time` {} is out of range", c.unix_time))
                })
            })?;
        let recipient = match self.recipient.trim() {
            "" => return Err(Error::input("`recipient` is empty")),
            r => Number::parse(r)
                .map_err(|e| Error::input(format!("bad number `{r}` in `recipient`: {e}")))?,
        };
        let source = Sender::parse(self.source).map_err(|e| {
            Error::input(format!(
                "bad number `{}` in `source`: {e}",
                self.source.trim()
            ))
        })?;
        let mut ev = Event::new(time, channel, kind, source, recipient)
            .with_advertiser(self.advertiser.trim())
            .with_text(self.text);
        if c.duration >= 0 {
            let d = u32::try_from(c.duration)
                .map_err(|_| Error::input(format!("`duration` {} is too large", c.duration)))?;
            ev = ev.with_duration(d);
        }
        ev.validate().map_err(|e| Error::input(e.to_string()))?;
        Ok(ev)
    }
}

/// Sets every field of `*event` to its default: times 0, strings NULL,
/// `duration` -1 (unknown). NULL is allowed (nothing happens).
///
/// # Safety
/// `event` is NULL or valid for writing a `chanrac_event`.
#[no_mangle]
pub unsafe extern "C" fn chanrac_event_init(event: *mut chanrac_event) {
    if event.is_null() {
        return;
    }
    let init = chanrac_event {
        unix_time: 0,
        nanos: 0,
        channel: ptr::null(),
        kind: ptr::null(),
        source: ptr::null(),
        advertiser: ptr::null(),
        recipient: ptr::null(),
        text: ptr::null(),
        duration: -1,
    };
    // SAFETY: `event` is not NULL and, by the contract above, writable.
    catch((), || unsafe { event.write(init) });
}

/// Checks one event against the current policy and state, and counts it
/// when it changes the state (enforce mode: allowed ads and
/// registrations, and consent events). Checks never wait for one another;
/// with a state directory, a check that counts waits for its record's
/// `fdatasync`.
///
/// Returns `CHANRAC_OK` with the verdict in `*out`; `CHANRAC_ERR_INPUT` for
/// a bad event (a bad number, an unknown kind or channel, a registration on
/// `call`…) with `*out` untouched and nothing counted; `CHANRAC_ERR_STATE`
/// when the check was made and `*out` holds its verdict but its record could
/// not be journalled (it counts in memory, but would be lost in a restart).
/// `*err` is set on every failure.
///
/// # Safety
/// `engine` is a live handle; `event` points to a `chanrac_event` whose
/// strings are NULL or NUL-terminated; `out` is valid for writing a
/// `chanrac_verdict`; `err` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn chanrac_check(
    engine: *const chanrac_engine,
    event: *const chanrac_event,
    out: *mut chanrac_verdict,
    err: *mut *mut chanrac_error,
) -> c_int {
    // SAFETY: the same contract.
    unsafe { check(engine, event, None, out, err) }
}

/// chanrac_check() with the event's channel and kind given as constants
/// instead of strings (no string to parse): `channel` is
/// `CHANRAC_CHANNEL_SMS` or `CHANRAC_CHANNEL_CALL` (`CHANRAC_CHANNEL_NONE`,
/// 0, only with `CHANRAC_KIND_OPTIN` or `CHANRAC_KIND_OPTOUT`, as an empty
/// `channel` string), `kind` a `CHANRAC_KIND_*` constant. The event's own
/// `channel` and `kind` strings are ignored (they may be NULL). Another
/// value is `CHANRAC_ERR_INPUT` (`"unknown channel 7: …"`). Otherwise as
/// chanrac_check(), with the same verdicts for the same events.
///
/// # Safety
/// As chanrac_check().
#[no_mangle]
pub unsafe extern "C" fn chanrac_check_as(
    engine: *const chanrac_engine,
    event: *const chanrac_event,
    channel: chanrac_channel,
    kind: chanrac_kind,
    out: *mut chanrac_verdict,
    err: *mut *mut chanrac_error,
) -> c_int {
    // SAFETY: the same contract as chanrac_check().
    unsafe { check(engine, event, Some((channel, kind)), out, err) }
}

/// The body of chanrac_check() and chanrac_check_as(): the event's channel
/// and kind are `codes`, or its strings when `None`.
///
/// # Safety
/// As chanrac_check().
unsafe fn check(
    engine: *const chanrac_engine,
    event: *const chanrac_event,
    codes: Option<(chanrac_channel, chanrac_kind)>,
    out: *mut chanrac_verdict,
    err: *mut *mut chanrac_error,
) -> c_int {
    let body = |h: &chanrac_engine| {
        // SAFETY: `event` is NULL or points to a `chanrac_event` (contract).
        let c = unsafe { event.as_ref() }.ok_or_else(|| Error::null("event"))?;
        // SAFETY: `out` is NULL or writable (contract).
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: the event's strings are NULL or NUL-terminated (contract).
        let fields = unsafe { Fields::read(c, codes) }?;
        let (verdict, journalled) = h.check(&fields.event(c)?);
        out.write(chanrac_verdict::of(&verdict));
        journalled
    };
    // SAFETY: the same contract.
    unsafe { engine_status(engine, err, body) }
}

/// The name of a `CHANRAC_CHANNEL_*` constant (`"sms"`, `"call"`), a
/// static string; NULL for any other value (`CHANRAC_CHANNEL_NONE`
/// included).
#[no_mangle]
pub extern "C" fn chanrac_channel_name(channel: chanrac_channel) -> *const c_char {
    catch(ptr::null(), || {
        by_code(&CHANNELS, channel).map_or(ptr::null(), |(_, name)| name.as_ptr())
    })
}

/// The name of a `CHANRAC_KIND_*` constant (`"ad"`, `"registration"`…), a
/// static string; NULL for any other value.
#[no_mangle]
pub extern "C" fn chanrac_kind_name(kind: chanrac_kind) -> *const c_char {
    catch(ptr::null(), || {
        by_code(&KINDS, kind).map_or(ptr::null(), |(_, name)| name.as_ptr())
    })
}

/// The code of reason bit `bit_index` (`0` gives `"DNC"`, `1`
/// `"OUTSIDE_WINDOW"`…), a static string; NULL when `bit_index` is not
/// below `CHANRAC_REASON_COUNT`.
#[no_mangle]
pub extern "C" fn chanrac_reason_code(bit_index: u32) -> *const c_char {
    catch(ptr::null(), || {
        usize::try_from(bit_index)
            .ok()
            .and_then(|i| REASON_CODES.get(i))
            .map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// Writes the codes of the reasons in `reasons` into `buf`, comma-separated
/// in bit order (`"DNC,LABEL"`), NUL-terminated, as snprintf() does: at most
/// `len - 1` characters and a NUL when `len > 0`. Unknown bits are ignored.
/// Returns the length of the whole list (without the NUL); a result `>= len`
/// means it was cut. `buf` may be NULL when `len` is 0 (to measure).
///
/// # Safety
/// `buf` is NULL or valid for writing `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn chanrac_reason_codes(reasons: u32, buf: *mut c_char, len: usize) -> usize {
    // SAFETY: `buf` is NULL or valid for `len` bytes (contract).
    catch(0, || unsafe { write_codes(reasons, buf, len) })
}

/// The body of [`chanrac_reason_codes`].
///
/// # Safety
/// As [`chanrac_reason_codes`].
unsafe fn write_codes(reasons: u32, buf: *mut c_char, len: usize) -> usize {
    let room = if buf.is_null() { 0 } else { len };
    let mut n = 0usize;
    let codes = REASON_CODES
        .iter()
        .enumerate()
        .filter(|(i, _)| reasons & (1 << i) != 0);
    for (k, (_, code)) in codes.enumerate() {
        let sep: &[u8] = if k > 0 { b"," } else { b"" };
        for &b in sep.iter().chain(code.to_bytes()) {
            if n + 1 < room {
                // SAFETY: `n + 1 < room <= len`, and `buf` is valid for
                // `len` bytes (contract).
                unsafe { buf.add(n).write(b as c_char) };
            }
            n += 1;
        }
    }
    if room > 0 {
        // SAFETY: `n.min(room - 1) < room <= len`, and `buf` is valid for
        // `len` bytes (contract).
        unsafe { buf.add(n.min(room - 1)).write(0) };
    }
    n
}

/// `"allow"`, `"block"` or `"flag"` for a `CHANRAC_*` decision, a static
/// string; NULL for any other value.
#[no_mangle]
pub extern "C" fn chanrac_decision_name(decision: c_int) -> *const c_char {
    catch(ptr::null(), || match decision {
        CHANRAC_ALLOW => c"allow".as_ptr(),
        CHANRAC_BLOCK => c"block".as_ptr(),
        CHANRAC_FLAG => c"flag".as_ptr(),
        _ => ptr::null(),
    })
}
