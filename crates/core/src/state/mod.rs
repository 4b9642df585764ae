//! What the engine remembers between events: per (advertiser, recipient)
//! pair, the consent ledger (R7), the first counted registration message
//! (R6) and the counted ads per channel (R4, R5).
//!
//! **Lock-free.** Pairs live in one open-addressing table of 32-byte slots
//! (`table`): a key word — the advertiser's id (24 bits, see `names`) and
//! the recipient (40 bits) — and three value words, each updated by
//! compare-and-swap:
//!
//! | word | holds | rule |
//! |---|---|---|
//! | ledger | the latest consent (opt-in/opt-out and its second) and the second of the first counted registration message | R6, R7 |
//! | SMS | the newest counted ad SMS times, packed ([`frequency::Recent`]) | R4 |
//! | call | the newest counted ad call times, packed | R5 |
//!
//! A check reads the word it may change, then the ledger, decides, and
//! swaps its one word from the value it read to the new one; if another
//! thread changed it in between, the swap fails and the check decides again
//! on the new value. So two threads can never both be granted the one ad
//! call of the day for a pair (`tests/contention.rs` races many threads and
//! checks the exact count), and no check holds a lock or allocates — except
//! to give an advertiser the engine has never seen its id, once (see
//! `names`), and a growth the host left to the checks. Keys are hashed with
//! xxh3 under a per-process random seed so nobody can aim collisions at one
//! probe sequence. Times are kept to the second.
//!
//! **Growth, eviction, limits.** The table doubles by an incremental
//! migration that checks help with and never wait for. A host runs the
//! growth on its own thread with [`State::maintain`], so no check
//! allocates; otherwise the check that finds the table 70 % full does it.
//! Only the host's growths evict: judged by the host's clock, they leave
//! behind entries whose every word has expired (ads 25 h after their time,
//! opt-ins after [`StateConfig::retention_days`], at least
//! [`MIN_RETENTION_DAYS`]; opt-outs and registration marks never). A check's growth copies
//! everything, since an event's own time may be wrong (a clock 30 hours
//! fast must not expire yesterday's call). A live entry is never dropped to
//! make room: when the table cannot double (allocation failure or
//! [`StateConfig::max_bytes`]), `maintain` copies it into one of the same
//! size at most once an hour to reclaim what expired, and a new pair that
//! finds no slot meets [`OnFull`].

pub mod frequency;
pub mod journal;
mod migrate;
mod names;
mod table;

use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;

use crate::event::Channel;
use crate::number::Number;
use crate::policy::{ConsentState, Policy};

pub use frequency::Recent;
pub use table::Full;

use jiff::Timestamp;

/// Why [`State::check_and_count`] did not count an ad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotCounted {
    /// The cap is reached: the earliest time it allows another ad (`None`:
    /// never, a cap of 0).
    NotUntil(Option<Timestamp>),
    /// A new pair, and the state has no room for it (see [`OnFull`]).
    Full,
}

use frequency::{rel_secs, EPOCH_S};
use names::Names;
use table::{Found, Table, MOVED};

/// An advertiser as a check knows it: the name, and its id when the engine
/// resolved it already (from the map it publishes with the policy).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Adv<'a> {
    pub(crate) name: &'a str,
    pub(crate) id: Option<u32>,
}

impl<'a> Adv<'a> {
    pub(crate) fn named(name: &'a str) -> Adv<'a> {
        Adv { name, id: None }
    }
}

/// The index of the ledger word.
pub(crate) const LEDGER: usize = 0;

/// The index of a channel's history word.
#[inline]
pub(crate) fn history_word(channel: Channel) -> usize {
    match channel {
        Channel::Sms => 1,
        Channel::Call => 2,
    }
}

/// What a check does when its pair cannot be recorded because the state is
/// full (the table could not grow: allocation failed or
/// [`StateConfig::max_bytes`] was reached).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnFull {
    /// Fail closed (the default): an ad or registration message for a pair
    /// the engine cannot remember is blocked with `STATE_FULL`, since the
    /// caps and consent could not be enforced for it. Pairs already known
    /// are unaffected.
    #[default]
    Block,
    /// Fail open: such an ad is decided as if the pair had no history and
    /// delivered when that allows it, uncounted. Keeps traffic flowing at
    /// the risk of exceeding R4/R5 for those pairs; meant for carriers whose
    /// SLA outranks the cap, with an alarm on [`StateStats::full_events`].
    Deliver,
}

impl std::str::FromStr for OnFull {
    type Err = String;

    /// `block` or `deliver`, case-insensitively.
    fn from_str(s: &str) -> Result<OnFull, String> {
        if s.eq_ignore_ascii_case("block") {
            Ok(OnFull::Block)
        } else if s.eq_ignore_ascii_case("deliver") {
            Ok(OnFull::Deliver)
        } else {
            Err(format!(
                "unknown fail mode `{s}`: expected block or deliver"
            ))
        }
    }
}

/// How the state is sized and what happens when it is full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateConfig {
    /// Slots of the first table (rounded up to a power of two). It grows
    /// by doubling; 16,384 by default (512 KiB).
    pub initial_slots: usize,
    /// An upper bound on the bytes of the tables (during a migration the
    /// old and the new table both count). `None` (the default): as much as
    /// the allocator gives.
    pub max_bytes: Option<usize>,
    /// What a check does when the state is full.
    pub on_full: OnFull,
    /// How long opt-ins are kept after their time, in days: 400 by
    /// default; a value under [`MIN_RETENTION_DAYS`] (a year, Decree 91
    /// Art.11) counts as that. Opt-outs and registration marks are never
    /// dropped (the law's bar on a second registration message, and a
    /// refusal, have no end).
    pub retention_days: u32,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            initial_slots: 1 << 14,
            max_bytes: None,
            on_full: OnFull::Block,
            retention_days: 400,
        }
    }
}

/// The latest consent event of a pair.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Consent {
    /// Opt-in or opt-out.
    pub state: ConsentState,
    /// Its time (whole seconds).
    pub time: Timestamp,
}

impl Consent {
    pub(crate) fn time_ms(self) -> i64 {
        self.time.as_millisecond()
    }
}

/// Everything remembered about one (advertiser, recipient) pair, decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairState {
    /// The latest consent event (records of `consents.csv` first, then events).
    pub consent: Option<Consent>,
    /// The time of the first counted registration message (whole seconds).
    pub first_registration: Option<Timestamp>,
    /// Counted ad SMS.
    pub sms: Recent,
    /// Counted ad calls.
    pub calls: Recent,
}

impl PairState {
    /// The pair as journal records (for compacting a journal or moving
    /// state between stores): opt-outs and registration marks however old,
    /// an opt-in newer than `retention_ms` before `now_ms`, and the counted
    /// ads of the last 24 hours. Replaying them gives the same verdicts.
    pub fn records(
        &self,
        advertiser: &str,
        recipient: Number,
        now_ms: i64,
        retention_ms: i64,
        out: &mut Vec<journal::Record>,
    ) {
        use journal::RecordKind;
        let keep_from = now_ms.saturating_sub(retention_ms);
        let ads_from = now_ms.saturating_sub(frequency::DAY_MS);
        let mut push = |kind, time_ms| {
            out.push(journal::Record {
                kind,
                advertiser: advertiser.to_string(),
                recipient,
                time_ms,
            })
        };
        // Opt-outs are kept however old (as the table keeps them).
        if let Some(c) = self
            .consent
            .filter(|c| c.time_ms() > keep_from || c.state == ConsentState::OptOut)
        {
            let kind = match c.state {
                ConsentState::OptIn => RecordKind::OptIn,
                ConsentState::OptOut => RecordKind::OptOut,
            };
            push(kind, c.time_ms());
        }
        // Registration marks too: the bar on a second one has no end.
        if let Some(t) = self.first_registration.map(|t| t.as_millisecond()) {
            push(RecordKind::Registration, t);
        }
        for t in self.sms.times_ms().filter(|&t| t > ads_from) {
            push(RecordKind::AdSms, t);
        }
        for t in self.calls.times_ms().filter(|&t| t > ads_from) {
            push(RecordKind::AdCall, t);
        }
    }

    /// The counted ads of one channel.
    pub fn recent(&self, channel: Channel) -> Recent {
        match channel {
            Channel::Sms => self.sms,
            Channel::Call => self.calls,
        }
    }
}

/// The ledger word: consent and the first registration, packed.
///
/// ```text
/// bit 63-62 consent state (0 none, 1 opt-in, 2 opt-out; 3 never: all ones is MOVED)
/// bit 61-31 consent second + 1 since 2020-01-01 UTC
/// bit 30-0  first registration second + 1 since 2020-01-01 UTC (0: none)
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ledger(u64);

const T31: u64 = (1 << 31) - 1;

/// Seconds since the epoch of the ledger's times, saturated (until 2088).
#[inline]
fn ledger_secs(t_ms: i64) -> u64 {
    (t_ms.div_euclid(1000) - EPOCH_S).clamp(0, T31 as i64 - 1) as u64
}

impl Ledger {
    #[inline]
    pub(crate) fn from_bits(w: u64) -> Ledger {
        Ledger(w)
    }

    #[inline]
    pub(crate) fn bits(self) -> u64 {
        self.0
    }

    #[inline]
    pub(crate) fn consent(self) -> Option<Consent> {
        let state = match self.0 >> 62 {
            1 => ConsentState::OptIn,
            2 => ConsentState::OptOut,
            _ => return None,
        };
        let t = ((self.0 >> 31) & T31) as i64 - 1;
        Some(Consent {
            state,
            time: Timestamp::from_second(t + EPOCH_S).unwrap_or_default(),
        })
    }

    /// The first registration, as Unix milliseconds.
    #[inline]
    pub(crate) fn registration_ms(self) -> Option<i64> {
        let r = self.0 & T31;
        (r != 0).then(|| (r as i64 - 1 + EPOCH_S) * 1000)
    }

    #[inline]
    pub(crate) fn with_consent(self, state: ConsentState, t_ms: i64) -> Ledger {
        let s: u64 = match state {
            ConsentState::OptIn => 1,
            ConsentState::OptOut => 2,
        };
        Ledger(s << 62 | (ledger_secs(t_ms) + 1) << 31 | (self.0 & T31))
    }

    #[inline]
    pub(crate) fn with_registration(self, t_ms: i64) -> Ledger {
        Ledger(self.0 & !T31 | (ledger_secs(t_ms) + 1))
    }

    /// Whether nothing in it matters after `now` (seconds since the epoch):
    /// no opt-out, no registration mark (both are kept for ever: the law's
    /// bar has no end), and any opt-in older than `retention` seconds.
    fn expired(self, now: i64, retention: i64) -> bool {
        let horizon = now - retention;
        let old = |t_ms: i64| t_ms.div_euclid(1000) - EPOCH_S <= horizon;
        let consent_gone = match self.consent() {
            None => true,
            Some(c) => c.state == ConsentState::OptIn && old(c.time_ms()),
        };
        consent_gone && self.registration_ms().is_none()
    }
}

/// Counters of what the state has done, for monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateStats {
    /// Slots of the current table.
    pub slots: usize,
    /// Bytes of the live tables.
    pub bytes: usize,
    /// Advertiser names known.
    pub advertisers: usize,
    /// Tables grown into since start.
    pub migrations: u64,
    /// Events that met a full state (see [`OnFull`]).
    pub full_events: u64,
}

/// What [`State::maintain`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Maintenance {
    /// A new table was allocated: twice the size, or (at the memory limit)
    /// the same size, to leave what expired behind.
    pub grew: bool,
    /// Chunks of slots migrated by this call.
    pub chunks_migrated: usize,
    /// The table could not grow (allocation failed or the memory limit).
    pub full: bool,
}

/// The engine's per-pair state.
pub struct State {
    names: Names,
    current: ArcSwap<Table>,
    config: StateConfig,
    migrations: AtomicU64,
    full_events: AtomicU64,
    /// When a same-size reclaim last ran (seconds since the epoch).
    last_reclaim: std::sync::atomic::AtomicI64,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.current.load();
        write!(f, "State({} slots)", t.capacity())
    }
}

fn random_seed() -> u64 {
    crate::hash::process_seed()
}

/// The recipient as 40 bits: mobile and fixed numbers (84…, 11 or 12 digits)
/// as their value, short codes (3–6 digits) as `(digits − 2) · 10⁶ + value`.
#[inline]
fn recipient_code(n: Number) -> u64 {
    let bits = n.to_bits();
    let len = bits >> 56;
    let value = bits & ((1 << 56) - 1);
    if len >= 11 {
        value
    } else {
        (len - 2) * 1_000_000 + value
    }
}

fn recipient_of(code: u64) -> Option<Number> {
    let bits = if code >= 10_000_000_000 {
        let len = if code >= 100_000_000_000 { 12 } else { 11 };
        (len << 56) | code
    } else {
        ((code / 1_000_000 + 2) << 56) | (code % 1_000_000)
    };
    Number::from_bits(bits)
}

#[inline]
fn pair_key(id: u32, recipient: Number) -> u64 {
    u64::from(id) << 40 | recipient_code(recipient)
}

/// Opt-ins are kept at least this long, whatever
/// [`StateConfig::retention_days`] says (Decree 91 Art.11: a year).
pub const MIN_RETENTION_DAYS: u32 = 365;

impl State {
    /// Empty state, default configuration.
    pub fn new() -> State {
        State::with_config(StateConfig::default())
    }

    /// Empty state. If even the first table cannot be allocated, the state
    /// starts with the smallest one.
    pub fn with_config(config: StateConfig) -> State {
        let seed = random_seed();
        let table = Table::try_new(config.initial_slots, seed, table::NO_EVICTION)
            .or_else(|| Table::try_new(table::CHUNK, seed, table::NO_EVICTION))
            .unwrap_or_else(|| {
                // The allocator cannot give 2 KiB: nothing else would work
                // either.
                std::process::abort()
            });
        State {
            names: Names::new(seed),
            current: ArcSwap::from_pointee(table),
            config,
            migrations: AtomicU64::new(0),
            full_events: AtomicU64::new(0),
            last_reclaim: std::sync::atomic::AtomicI64::new(i64::MIN / 2),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &StateConfig {
        &self.config
    }

    /// The one atomic read-decide-commit step of a check on a pair: reads
    /// word `target` and then word `other` (`LEDGER`, or `target` itself),
    /// calls `f(target, other)`, and swaps `target` to the value `f` returns
    /// (if any) unless it changed meanwhile, in which case `f` runs again on
    /// the new values. A pair not in the table reads as zeros and is
    /// inserted only when `f` writes.
    pub(crate) fn transact<R>(
        &self,
        advertiser: Adv<'_>,
        recipient: Number,
        target: usize,
        other: usize,
        mut f: impl FnMut(u64, u64) -> (R, Option<u64>),
    ) -> Result<R, Full> {
        let cur = self.current.load();
        let r = self.transact_in(&cur, advertiser, recipient, target, other, &mut f);
        self.after_op(&cur);
        if r.is_err() {
            self.full_events.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    fn transact_in<R>(
        &self,
        t: &Table,
        advertiser: Adv<'_>,
        recipient: Number,
        target: usize,
        other: usize,
        f: &mut impl FnMut(u64, u64) -> (R, Option<u64>),
    ) -> Result<R, Full> {
        let mut grow = |x: &Table, wait: bool| self.grow(x, None, wait);
        let id = advertiser.id.or_else(|| self.names.get(advertiser.name));
        let mut at = match id {
            Some(id) => {
                let key = pair_key(id, recipient);
                match t.find(key, t.hash(key), false, &mut grow)? {
                    Found::At(ft, fi) => Some((ft, fi, key)),
                    Found::Absent => None,
                }
            }
            None => None,
        };
        loop {
            let Some((ft, fi, key)) = at else {
                let (r, new) = f(0, 0);
                if new.is_none() {
                    return Ok(r);
                }
                let id = match id {
                    Some(id) => id,
                    None => self.names.id(advertiser.name).ok_or(Full)?,
                };
                let key = pair_key(id, recipient);
                match t.find(key, t.hash(key), true, &mut grow)? {
                    Found::At(ft, fi) => at = Some((ft, fi, key)),
                    Found::Absent => return Err(Full),
                }
                continue;
            };
            // Read without claiming: a pair whose words were all dropped by
            // a migration reads as zeros, and is inserted again only to write.
            let found = self.resolve(ft, fi, key, target, false)?;
            let tv = found.map_or(0, |(_, v)| v);
            let ov = if other == target {
                tv
            } else {
                self.resolve(ft, fi, key, other, false)?
                    .map_or(0, |(_, v)| v)
            };
            let (r, new) = f(tv, ov);
            let Some(nv) = new.filter(|&nv| nv != tv) else {
                return Ok(r);
            };
            let (word, now) = match found {
                Some(x) => x,
                None => self.resolve(ft, fi, key, target, true)?.ok_or(Full)?,
            };
            // `now != tv`: someone wrote it since the read; decide again.
            if now == tv
                && word
                    .compare_exchange(tv, nv, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                return Ok(r);
            }
        }
    }

    /// Records a consent event: with `newer_only`, only when the pair has
    /// no consent or an older (or equally old) one.
    pub fn set_consent(
        &self,
        advertiser: &str,
        recipient: Number,
        state: ConsentState,
        time: Timestamp,
        newer_only: bool,
    ) -> Result<(), Full> {
        self.set_consent_ms(
            advertiser,
            recipient,
            state,
            time.as_millisecond(),
            newer_only,
        )
    }

    pub(crate) fn set_consent_ms(
        &self,
        advertiser: &str,
        recipient: Number,
        state: ConsentState,
        time_ms: i64,
        newer_only: bool,
    ) -> Result<(), Full> {
        self.consent_of(
            Adv::named(advertiser),
            recipient,
            state,
            time_ms,
            newer_only,
        )
    }

    pub(crate) fn consent_of(
        &self,
        advertiser: Adv<'_>,
        recipient: Number,
        state: ConsentState,
        time_ms: i64,
        newer_only: bool,
    ) -> Result<(), Full> {
        self.transact(advertiser, recipient, LEDGER, LEDGER, |w, _| {
            let l = Ledger(w);
            let keep = newer_only
                && l.consent()
                    .is_some_and(|c| c.time_ms().div_euclid(1000) > time_ms.div_euclid(1000));
            ((), (!keep).then(|| l.with_consent(state, time_ms).bits()))
        })
    }

    /// Records a counted registration message (the earliest one is kept).
    pub fn mark_registration(
        &self,
        advertiser: &str,
        recipient: Number,
        time: Timestamp,
    ) -> Result<(), Full> {
        self.mark_registration_ms(advertiser, recipient, time.as_millisecond())
    }

    pub(crate) fn mark_registration_ms(
        &self,
        advertiser: &str,
        recipient: Number,
        time_ms: i64,
    ) -> Result<(), Full> {
        self.transact(Adv::named(advertiser), recipient, LEDGER, LEDGER, |w, _| {
            let l = Ledger(w);
            let keep = l
                .registration_ms()
                .is_some_and(|r| r.div_euclid(1000) <= time_ms.div_euclid(1000));
            ((), (!keep).then(|| l.with_registration(time_ms).bits()))
        })
    }

    /// Records a counted ad of `channel`.
    pub fn count_ad(
        &self,
        advertiser: &str,
        recipient: Number,
        channel: Channel,
        time: Timestamp,
    ) -> Result<(), Full> {
        self.count_ad_ms(advertiser, recipient, channel, time.as_millisecond())
    }

    pub(crate) fn count_ad_ms(
        &self,
        advertiser: &str,
        recipient: Number,
        channel: Channel,
        time_ms: i64,
    ) -> Result<(), Full> {
        let w = history_word(channel);
        self.transact(Adv::named(advertiser), recipient, w, w, |v, _| {
            (
                (),
                Some(Recent::from_bits(v).commit(rel_secs(time_ms)).bits()),
            )
        })
    }

    /// Gives back an ad of `channel` counted at `time` by a check (or
    /// [`State::count_ad`]) that never reached the subscriber: the
    /// carrier's SMSC refused it after the check allowed it. `Ok(true)`
    /// when such an ad was counted and is no longer; `Ok(false)` when none
    /// at `time` is kept (given back already, or older than the 24 hours
    /// kept). The next ad to the recipient is checked as if it had never
    /// been sent.
    ///
    /// ```
    /// use chanrac::state::State;
    /// use chanrac::{Channel, Number};
    /// let state = State::new();
    /// let to = Number::parse("0912345678").unwrap();
    /// let t = |s: i64| jiff::Timestamp::from_second(1_780_000_000 + s).unwrap();
    /// for s in 0..3 {
    ///     state.check_and_count("shopvn", to, Channel::Sms, t(s), 3).unwrap();
    /// }
    /// assert!(state.check_and_count("shopvn", to, Channel::Sms, t(10), 3).is_err());
    /// // The SMSC refused the second one: given back.
    /// assert_eq!(state.uncount_ad("shopvn", to, Channel::Sms, t(1)), Ok(true));
    /// assert_eq!(state.uncount_ad("shopvn", to, Channel::Sms, t(1)), Ok(false));
    /// assert!(state.check_and_count("shopvn", to, Channel::Sms, t(10), 3).is_ok());
    /// ```
    pub fn uncount_ad(
        &self,
        advertiser: &str,
        recipient: Number,
        channel: Channel,
        time: Timestamp,
    ) -> Result<bool, Full> {
        let w = history_word(channel);
        let t = rel_secs(time.as_millisecond());
        self.transact(
            Adv::named(advertiser),
            recipient,
            w,
            w,
            |v, _| match Recent::from_bits(v).without(t) {
                Some(r) => (true, Some(r.bits())),
                None => (false, None),
            },
        )
    }

    /// The frequency rule alone (R4/R5) as one atomic check-and-commit: an ad
    /// of `channel` at `time` is counted when fewer than `cap` (at most
    /// [`frequency::MAX_CAP`]) are counted in the 24 h before it; otherwise
    /// [`NotCounted::NotUntil`] says when the cap next allows one. What
    /// [`crate::Engine::check`] does for R4/R5, without the other rules —
    /// a keyed rate limiter with a sliding 24-hour window, in the manner of
    /// `governor`'s `NotUntil`.
    pub fn check_and_count(
        &self,
        advertiser: &str,
        recipient: Number,
        channel: Channel,
        time: Timestamp,
        cap: u32,
    ) -> Result<(), NotCounted> {
        match self.check_and_count_ms(advertiser, recipient, channel, time.as_millisecond(), cap) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(at_ms)) => Err(NotCounted::NotUntil(
                (cap > 0)
                    .then(|| Timestamp::from_millisecond(at_ms).ok())
                    .flatten(),
            )),
            Err(Full) => Err(NotCounted::Full),
        }
    }

    pub(crate) fn check_and_count_ms(
        &self,
        advertiser: &str,
        recipient: Number,
        channel: Channel,
        time_ms: i64,
        cap: u32,
    ) -> Result<Result<(), i64>, Full> {
        let w = history_word(channel);
        let t = rel_secs(time_ms);
        self.transact(Adv::named(advertiser), recipient, w, w, |v, _| {
            let h = Recent::from_bits(v);
            match h.check(t, cap) {
                Ok(()) => (Ok(()), Some(h.commit(t).bits())),
                Err(at) => (Err(frequency::unix_ms(at.min(i64::MAX / 2000))), None),
            }
        })
    }

    /// Seeds the consent ledger from a policy's `consents.csv` records: a
    /// record replaces the pair's consent when the pair has none or an older
    /// one. Also gives every advertiser the policy names an id, so their
    /// checks never take the new-name path. Returns how many records could
    /// not be stored (the state is full).
    pub fn seed_consents(&self, policy: &Policy) -> usize {
        let names = policy
            .advertisers()
            .map(|(a, _)| a)
            .chain(policy.accounts().map(|(_, a)| &*a.advertiser))
            .chain(policy.registry().iter().map(|(_, r)| &*r.owner))
            .chain(policy.consents().iter().map(|c| &*c.advertiser));
        let _ = self.names.insert(names);
        let mut lost = 0;
        for c in policy.consents() {
            let t = c.time.as_millisecond();
            if self
                .set_consent_ms(&c.advertiser, c.recipient, c.state, t, true)
                .is_err()
            {
                lost += 1;
            }
        }
        lost
    }

    /// The id of an advertiser, given one if new (`None`: ids ran out).
    pub(crate) fn advertiser_id(&self, name: &str) -> Option<u32> {
        self.names.id(name)
    }

    /// Reads a pair's state, if any.
    pub fn get(&self, advertiser: &str, recipient: Number) -> Option<PairState> {
        let id = self.names.get(advertiser)?;
        let key = pair_key(id, recipient);
        let cur = self.current.load();
        let found = cur
            .find(key, cur.hash(key), false, &mut |_, _| Err(Full))
            .ok()?;
        let Found::At(t, i) = found else {
            return None;
        };
        let st = self.decode(t, i, key);
        (st != PairState::default()).then_some(st)
    }

    fn decode(&self, t: &Table, i: usize, key: u64) -> PairState {
        let read = |w| {
            self.resolve(t, i, key, w, false)
                .ok()
                .flatten()
                .map_or(0, |(_, v)| v)
        };
        let l = Ledger(read(LEDGER));
        PairState {
            consent: l.consent(),
            first_registration: l
                .registration_ms()
                .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
            sms: Recent::from_bits(read(1)),
            calls: Recent::from_bits(read(2)),
        }
    }

    /// Runs the table's upkeep on the calling thread (a host calls it from a
    /// thread it owns, every second or so; the engine starts none): grows
    /// the table when it is half full, and finishes any migration, judging
    /// expiry at `now_ms` (Unix milliseconds, the host's clock). Checks then
    /// never allocate.
    pub fn maintain(&self, now: Timestamp) -> Maintenance {
        self.maintain_ms(now.as_millisecond())
    }

    pub(crate) fn maintain_ms(&self, now_ms: i64) -> Maintenance {
        let now = rel_secs(now_ms);
        let mut m = Maintenance::default();
        loop {
            let cur = self.current.load_full();
            if let Some(next) = cur.successor() {
                while self.help(&cur) {
                    m.chunks_migrated += 1;
                }
                if let Some(range) = cur.take_deferred() {
                    // A chunk that found no room before: try it again.
                    self.migrate_chunk(&cur, range);
                    m.chunks_migrated += 1;
                    if cur.has_deferred() {
                        m.full = true;
                        return m;
                    }
                    continue;
                }
                if cur.migrated() {
                    self.current.compare_and_swap(&cur, next.clone());
                    continue;
                }
                // Another thread holds the last chunks; they finish them.
                return m;
            }
            if cur.wants_growth() {
                match self.grow(&cur, Some(now), true) {
                    Ok(()) => {
                        m.grew = true;
                        continue;
                    }
                    Err(Full) => m.full = true,
                }
            }
            return m;
        }
    }

    /// How many pairs are remembered (a walk over the table).
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.for_each(|_, _, _| n += 1);
        n
    }

    /// Nothing remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Visits every pair (advertiser, recipient, state), each once. Pairs
    /// inserted while it runs may or may not be visited. It walks the
    /// current table and its successors, if a migration runs (or could not
    /// finish): a key of a successor that an earlier table holds too was
    /// visited there already, its words read wherever they live now.
    pub fn for_each(&self, mut f: impl FnMut(&str, Number, &PairState)) {
        let first = self.current.load_full();
        let mut tables: Vec<&Table> = vec![&first];
        while let Some(next) = tables.last().and_then(|t| t.successor()) {
            tables.push(next);
        }
        for (n, t) in tables.iter().enumerate() {
            for i in 0..t.capacity() {
                let key = t.key_at(i);
                if key == table::EMPTY || key == MOVED {
                    continue;
                }
                let seen = tables[..n].iter().any(|e| {
                    matches!(
                        e.find(key, e.hash(key), false, &mut |_, _| Err(Full)),
                        Ok(Found::At(at, _)) if std::ptr::eq(at, *e)
                    )
                });
                if seen {
                    continue;
                }
                let st = self.decode(t, i, key);
                if st == PairState::default() {
                    continue;
                }
                let (Some(name), Some(rcpt)) = (
                    self.names.name((key >> 40) as u32),
                    recipient_of(key & ((1 << 40) - 1)),
                ) else {
                    continue;
                };
                f(&name, rcpt, &st);
            }
        }
    }

    /// Counters for monitoring.
    pub fn stats(&self) -> StateStats {
        let cur = self.current.load();
        let mut bytes = cur.bytes();
        if let Some(next) = cur.successor() {
            bytes += next.bytes();
        }
        StateStats {
            slots: cur.capacity(),
            bytes: bytes + self.names.bytes(),
            advertisers: self.names.len(),
            migrations: self.migrations.load(Ordering::Relaxed),
            full_events: self.full_events.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::frequency::DAY_S;
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn check_and_count_is_the_sliding_cap() {
        let s = State::new();
        let r = n("0912345678");
        let t = 1_772_420_400_000;
        assert_eq!(
            s.check_and_count_ms("a", r, Channel::Call, t, 1),
            Ok(Ok(()))
        );
        assert_eq!(
            s.check_and_count_ms("a", r, Channel::Call, t + 5_000, 1),
            Ok(Err(t + 86_400_000))
        );
        // Another advertiser, another channel: their own caps.
        assert_eq!(
            s.check_and_count_ms("b", r, Channel::Call, t, 1),
            Ok(Ok(()))
        );
        assert_eq!(s.check_and_count_ms("a", r, Channel::Sms, t, 3), Ok(Ok(())));
        assert_eq!(
            s.check_and_count_ms("a", r, Channel::Call, t + 86_400_000, 1),
            Ok(Ok(()))
        );
    }

    #[test]
    fn recipient_codes_round_trip() {
        for s in [
            "0912345678",
            "02471234567",
            "5656",
            "113",
            "999999",
            "84999999999",
        ] {
            let x = n(s);
            let c = recipient_code(x);
            assert!(c < 1 << 40);
            assert_eq!(recipient_of(c), Some(x), "{s}");
        }
    }

    #[test]
    fn ledger_packs_consent_and_registration() {
        let t = 1_772_420_400_000;
        let l = Ledger::default().with_registration(t);
        assert_eq!(l.consent(), None);
        assert_eq!(l.registration_ms(), Some(t));
        let l = l.with_consent(ConsentState::OptOut, t + 5000);
        assert_eq!(l.registration_ms(), Some(t));
        assert_eq!(
            l.consent(),
            Some(Consent {
                state: ConsentState::OptOut,
                time: Timestamp::from_millisecond(t + 5000).unwrap()
            })
        );
        assert_ne!(l.bits(), MOVED);
        assert!(!l.expired(rel_secs(t) + 10_000 * DAY_S, 400 * DAY_S));
        let l = Ledger::default().with_consent(ConsentState::OptIn, t);
        assert!(l.expired(rel_secs(t) + 401 * DAY_S, 400 * DAY_S));
        assert!(!l.expired(rel_secs(t) + 399 * DAY_S, 400 * DAY_S));
    }

    #[test]
    fn a_probe_run_filled_under_half_full_grows_the_table() {
        // Keys that crowd one region fill a probe run long before the
        // table is half full, as a successor filled by its predecessor's
        // full runs does: the insert that finds the run full grows the
        // table instead of meeting a full state.
        let s = State::with_config(StateConfig {
            initial_slots: 1024,
            ..StateConfig::default()
        });
        let id = s.advertiser_id("adv").unwrap();
        let cur = s.current.load_full();
        let crowded: Vec<Number> = (0..2_000_000u64)
            .map(|i| Number::parse(&format!("0912{i:06}")).unwrap())
            .filter(|&r| {
                let key = pair_key(id, r);
                (cur.hash(key) as usize & (cur.capacity() - 1)) < 16
            })
            .take(200)
            .collect();
        assert_eq!(crowded.len(), 200);
        let t = 1_772_420_400_000;
        for &r in &crowded {
            assert_eq!(s.count_ad_ms("adv", r, Channel::Sms, t), Ok(()));
        }
        let stats = s.stats();
        assert!(stats.migrations >= 1, "{stats:?}");
        assert_eq!(stats.full_events, 0);
        assert_eq!(s.len(), 200);
        for &r in &crowded {
            assert!(s.get("adv", r).is_some());
        }
    }

    #[test]
    fn grows_and_keeps_every_live_pair() {
        let s = State::with_config(StateConfig {
            initial_slots: 64,
            ..StateConfig::default()
        });
        let t = 1_772_420_400_000;
        for i in 0..5000u64 {
            let r = Number::parse(&format!("0912{:06}", i)).unwrap();
            s.count_ad_ms("adv", r, Channel::Call, t).unwrap();
        }
        assert!(s.stats().migrations >= 6, "{:?}", s.stats());
        assert_eq!(s.len(), 5000);
        for i in 0..5000u64 {
            let r = Number::parse(&format!("0912{:06}", i)).unwrap();
            let st = s.get("adv", r).unwrap();
            assert_eq!(st.calls.times_ms().collect::<Vec<_>>(), vec![t]);
        }
    }

    #[test]
    fn maintain_grows_before_checks_would_have_to() {
        let s = State::with_config(StateConfig {
            initial_slots: 128,
            ..StateConfig::default()
        });
        let t = 1_772_420_400_000;
        // 80 of 128 slots: over half (the host's cue), under 70 % (a
        // check's).
        for i in 0..80u64 {
            let r = Number::parse(&format!("0916{:06}", i)).unwrap();
            s.count_ad_ms("adv", r, Channel::Sms, t).unwrap();
        }
        assert_eq!(s.stats().migrations, 0);
        let m = s.maintain_ms(t);
        assert!(m.grew && !m.full, "{m:?}");
        assert_eq!(m.chunks_migrated, 2);
        assert_eq!(s.stats().slots, 256);
        assert_eq!(s.maintain_ms(t), Maintenance::default());
        assert_eq!(s.len(), 80);
    }

    /// Counts ads to new pairs at `at_ms`, 200 or more, until the table is
    /// half full with no migration under way, so that the host's upkeep
    /// grows it (when the checks' own growths come depends on the
    /// per-process hash seed); returns how many.
    fn fill_until_the_host_grows(s: &State, at_ms: i64) -> usize {
        for i in 0..4_000u64 {
            let r = Number::parse(&format!("0914{:06}", i)).unwrap();
            s.count_ad_ms("adv", r, Channel::Sms, at_ms).unwrap();
            let cur = s.current.load_full();
            if i >= 199 && cur.successor().is_none() && cur.wants_growth() {
                return usize::try_from(i).unwrap() + 1;
            }
        }
        panic!("the table never waited half full for the host");
    }

    #[test]
    fn migration_drops_only_expired_pairs() {
        let s = State::with_config(StateConfig {
            initial_slots: 64,
            ..StateConfig::default()
        });
        let day0 = 1_772_420_400_000;
        // 20 pairs of day 0: ads only (expire), one opt-out (kept).
        for i in 0..20u64 {
            let r = Number::parse(&format!("0913{:06}", i)).unwrap();
            s.count_ad_ms("adv", r, Channel::Sms, day0).unwrap();
        }
        let kept = n("0913000000");
        s.set_consent_ms("adv", kept, ConsentState::OptOut, day0, false)
            .unwrap();
        // Three days later, enough new pairs to make it grow: the checks'
        // own growths copy everything; the host's (`maintain`, with its
        // clock) drops what expired.
        let day3 = day0 + 3 * 86_400_000;
        let added = fill_until_the_host_grows(&s, day3);
        assert_eq!(s.len(), 20 + added);
        assert!(s.maintain_ms(day3).grew);
        assert_eq!(s.len(), 1 + added);
        let st = s.get("adv", kept).unwrap();
        assert_eq!(st.consent.unwrap().state, ConsentState::OptOut);
        assert!(st.sms.is_empty());
    }

    #[test]
    fn registration_marks_and_opt_outs_are_never_evicted() {
        let s = State::with_config(StateConfig {
            initial_slots: 64,
            ..StateConfig::default()
        });
        let day0 = 1_772_420_400_000;
        let (reg, out, opt_in) = (n("0913000001"), n("0913000002"), n("0913000003"));
        s.mark_registration_ms("adv", reg, day0).unwrap();
        s.set_consent_ms("adv", out, ConsentState::OptOut, day0, false)
            .unwrap();
        s.set_consent_ms("adv", opt_in, ConsentState::OptIn, day0, false)
            .unwrap();
        // Three years later (past any retention), a growth by the host.
        let later = day0 + 3 * 365 * 86_400_000;
        fill_until_the_host_grows(&s, later);
        assert!(s.maintain_ms(later).grew);
        assert_eq!(
            s.get("adv", reg)
                .unwrap()
                .first_registration
                .map(|t| t.as_millisecond()),
            Some(day0)
        );
        assert_eq!(
            s.get("adv", out).unwrap().consent.unwrap().state,
            ConsentState::OptOut
        );
        assert_eq!(s.get("adv", opt_in), None, "an old opt-in is forgotten");
    }

    #[test]
    fn an_event_dated_in_the_future_never_evicts() {
        // A pair's one call of the day, then a flood of new pairs whose
        // events carry a clock 30 hours fast: the growths they cause must
        // not judge the first call expired.
        let s = State::with_config(StateConfig {
            initial_slots: 64,
            ..StateConfig::default()
        });
        let t0 = 1_772_420_400_000;
        let p = n("0912000001");
        assert_eq!(
            s.check_and_count_ms("adv", p, Channel::Call, t0, 1),
            Ok(Ok(()))
        );
        for i in 0..2000u64 {
            let r = Number::parse(&format!("0918{:06}", i)).unwrap();
            s.count_ad_ms("adv", r, Channel::Call, t0 + 30 * 3_600_000)
                .unwrap();
        }
        assert!(s.stats().migrations >= 4);
        assert_eq!(
            s.check_and_count_ms("adv", p, Channel::Call, t0 + 3_600_000, 1),
            Ok(Err(t0 + 86_400_000))
        );
    }

    #[test]
    fn at_the_memory_limit_maintain_reclaims_what_expired() {
        // Room for two tables of 64 slots, never one of 128.
        let s = State::with_config(StateConfig {
            initial_slots: 64,
            max_bytes: Some(2 * 64 * 32),
            ..StateConfig::default()
        });
        let day0 = 1_772_420_400_000;
        let mut stored = 0;
        for i in 0..64u64 {
            let r = Number::parse(&format!("0919{:06}", i)).unwrap();
            stored += usize::from(s.count_ad_ms("adv", r, Channel::Sms, day0).is_ok());
        }
        assert!(stored >= 32);
        let r = n("0919999999");
        assert_eq!(s.count_ad_ms("adv", r, Channel::Sms, day0), Err(Full));
        // The same day nothing has expired: a reclaim pass (at most one an
        // hour) keeps every pair, and the state stays full.
        let m = s.maintain_ms(day0);
        assert!(m.full, "{m:?}");
        assert_eq!(s.len(), stored);
        assert_eq!(s.count_ad_ms("adv", r, Channel::Sms, day0), Err(Full));
        // Two days on, the host's maintain copies the table into one of the
        // same size, leaving the expired pairs behind.
        let day2 = day0 + 2 * 86_400_000;
        assert!(s.maintain_ms(day2).grew);
        assert_eq!(s.len(), 0);
        assert_eq!(s.count_ad_ms("adv", r, Channel::Sms, day2), Ok(()));
        assert_eq!(s.stats().slots, 64);
    }

    #[test]
    fn memory_limit_gives_full_and_never_forgets() {
        let s = State::with_config(StateConfig {
            initial_slots: 64,
            max_bytes: Some(64 * 32),
            ..StateConfig::default()
        });
        let t = 1_772_420_400_000;
        let mut stored = vec![];
        let mut full = 0;
        for i in 0..200u64 {
            let r = Number::parse(&format!("0915{:06}", i)).unwrap();
            match s.count_ad_ms("adv", r, Channel::Sms, t) {
                Ok(()) => stored.push(r),
                Err(Full) => full += 1,
            }
        }
        assert!(full > 0);
        assert_eq!(s.stats().full_events, full);
        assert_eq!(s.len(), stored.len());
        for r in stored {
            // Known pairs still update.
            s.count_ad_ms("adv", r, Channel::Sms, t + 1000).unwrap();
            assert_eq!(s.get("adv", r).unwrap().sms.times_ms().count(), 2);
        }
    }
}
