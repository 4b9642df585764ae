//! Behaviour signs of spam sources (rule S4, Circular 22/2021/TT-BTTTT Art.4):
//! "spam sources are recognised by behaviour: sending frequency; sources that
//! mostly send and rarely receive; the share of recipients with no prior
//! contact. For calls: call frequency, share of short calls, short gaps
//! between calls, share of never-called numbers."
//!
//! A [`BehaviorTracker`] keeps, per source number, counts over a sliding
//! window and a small memory of the numbers it contacted, and reports which
//! signs an event trips as [`BehaviorSigns`]. The engine turns any sign into
//! the `BEHAVIOR` reason with decision `flag` (delivered, reported).
//!
//! # The signs
//!
//! With the counts of the last [`window_seconds`](BehaviorConfig::window_seconds)
//! (the event just observed included):
//!
//! | sign | trips when | key (0 turns it off) |
//! |---|---|---|
//! | [`MESSAGE_RATE`](BehaviorSigns::MESSAGE_RATE) | SMS sent > max | `max_messages_per_window` |
//! | [`CALL_RATE`](BehaviorSigns::CALL_RATE) | calls made > max | `max_calls_per_window` |
//! | [`NEW_RECIPIENTS`](BehaviorSigns::NEW_RECIPIENTS) | events to numbers never contacted before ≥ share × events | `new_recipient_share` |
//! | [`SEND_RECEIVE_IMBALANCE`](BehaviorSigns::SEND_RECEIVE_IMBALANCE) | events sent > ratio × events received | `send_receive_ratio` |
//! | [`SHORT_CALLS`](BehaviorSigns::SHORT_CALLS) | calls shorter than `short_call_seconds` ≥ share × calls with a duration | `short_call_share` |
//! | [`SHORT_CALL_GAPS`](BehaviorSigns::SHORT_CALL_GAPS) | gaps between calls shorter than `short_gap_seconds` ≥ share × gaps | `short_gap_share` |
//!
//! The four ratio signs need at least [`min_events`](BehaviorConfig::min_events)
//! in their denominator within the window, so an ordinary subscriber who
//! sends a few messages is never flagged whatever the ratios.
//!
//! "Never contacted before" means not among the last 16 distinct numbers
//! this source sent to or called (SMS and calls alike), remembered for
//! `contact_memory_seconds` after the source was last seen.
//!
//! # Memory and threads
//!
//! State lives in a fixed-size, 8-way set-associative table of at most
//! [`max_sources`](BehaviorConfig::max_sources) entries of 232 bytes (the
//! default 100,000 sources is about 23 MB, allocated shard by shard on first
//! use). A new source takes a free or expired entry of its set, or else the
//! one seen least recently: steady spam sources stay, idle subscribers go.
//! The table is split into up to 64 shards, each behind a `parking_lot`
//! mutex held for a few dozen instructions; the tracker is `Send + Sync`.
//!
//! Counts are kept in 8 buckets of `window_seconds / 8` (rounded up), so the
//! window slides in eighths. Time is an input (never the clock) and hashes
//! use the fixed [`seed`](BehaviorConfig::seed): the same events in the same
//! order give the same signs, so a replay of last month's log is
//! reproducible.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use parking_lot::Mutex;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::number::Number;

/// Thresholds of the behaviour rule S4: the `[behavior]` table of
/// `policy.toml`, every key optional (the field names are the keys).
///
/// ```toml
/// [behavior]
/// window_seconds = 3600
/// max_messages_per_window = 60
/// new_recipient_share = 0.9
/// ```
///
/// Deserializing checks the values ([`BehaviorConfig::validate`]); unknown
/// keys are an error.
#[derive(Clone, Debug, PartialEq)]
pub struct BehaviorConfig {
    /// Length of the sliding window, seconds (default 3600: "per hour").
    pub window_seconds: u32,
    /// SMS a source may send in the window before [`BehaviorSigns::MESSAGE_RATE`]
    /// (default 60; 0 turns the sign off).
    pub max_messages_per_window: u32,
    /// Calls a source may make in the window before [`BehaviorSigns::CALL_RATE`]
    /// (default 30; 0 turns the sign off).
    pub max_calls_per_window: u32,
    /// Events a ratio sign needs in its denominator within the window before
    /// it can trip (default 20; at least 1).
    pub min_events: u32,
    /// Share of events to numbers never contacted before that trips
    /// [`BehaviorSigns::NEW_RECIPIENTS`] (default 0.9; 0 turns it off).
    pub new_recipient_share: f64,
    /// Events sent per event received above which
    /// [`BehaviorSigns::SEND_RECEIVE_IMBALANCE`] trips (default 10; 0 turns it off).
    pub send_receive_ratio: f64,
    /// A call shorter than this is short, seconds (default 10).
    pub short_call_seconds: u32,
    /// Share of short calls, among calls with a known duration, that trips
    /// [`BehaviorSigns::SHORT_CALLS`] (default 0.7; 0 turns it off).
    pub short_call_share: f64,
    /// A gap between two calls of a source shorter than this is short,
    /// seconds (default 10).
    pub short_gap_seconds: u32,
    /// Share of short gaps that trips [`BehaviorSigns::SHORT_CALL_GAPS`]
    /// (default 0.8; 0 turns it off).
    pub short_gap_share: f64,
    /// How long a source's contacts are remembered after it was last seen,
    /// seconds (default 604800, 7 days).
    pub contact_memory_seconds: u32,
    /// Most sources tracked at once (default 100000; 1 to 100000000).
    pub max_sources: u32,
    /// Seed of the hashes (default fixed), so replays are reproducible.
    pub seed: u64,
}

impl Default for BehaviorConfig {
    fn default() -> BehaviorConfig {
        BehaviorConfig {
            window_seconds: 3600,
            max_messages_per_window: 60,
            max_calls_per_window: 30,
            min_events: 20,
            new_recipient_share: 0.9,
            send_receive_ratio: 10.0,
            short_call_seconds: 10,
            short_call_share: 0.7,
            short_gap_seconds: 10,
            short_gap_share: 0.8,
            contact_memory_seconds: 7 * 24 * 3600,
            max_sources: 100_000,
            seed: 0x6368_616e_7261_6321, // "chanrac!"
        }
    }
}

/// The largest `max_sources` accepted.
pub const MAX_SOURCES: u32 = 100_000_000;

impl BehaviorConfig {
    /// Checks every value: a window of at least one second, `min_events` at
    /// least 1, shares within 0..=1, a finite non-negative ratio,
    /// `max_sources` within 1..=100000000.
    pub fn validate(&self) -> Result<(), BehaviorConfigError> {
        let err =
            |field: &'static str, message: String| Err(BehaviorConfigError { field, message });
        if self.window_seconds == 0 {
            return err(
                "window_seconds",
                "`window_seconds` must be at least 1".into(),
            );
        }
        if self.min_events == 0 {
            return err("min_events", "`min_events` must be at least 1".into());
        }
        for (field, v) in [
            ("new_recipient_share", self.new_recipient_share),
            ("short_call_share", self.short_call_share),
            ("short_gap_share", self.short_gap_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return err(field, format!("`{field}` must be between 0 and 1, not {v}"));
            }
        }
        if !(self.send_receive_ratio.is_finite() && self.send_receive_ratio >= 0.0) {
            return err(
                "send_receive_ratio",
                format!(
                    "`send_receive_ratio` must be a number 0 or above, not {}",
                    self.send_receive_ratio
                ),
            );
        }
        if !(1..=MAX_SOURCES).contains(&self.max_sources) {
            return err(
                "max_sources",
                format!(
                    "`max_sources` must be between 1 and {MAX_SOURCES}, not {}",
                    self.max_sources
                ),
            );
        }
        Ok(())
    }

    /// A copy with every out-of-range value brought into range (a bad share
    /// turns its sign off).
    fn sanitized(&self) -> BehaviorConfig {
        let share = |v: f64| if (0.0..=1.0).contains(&v) { v } else { 0.0 };
        BehaviorConfig {
            window_seconds: self.window_seconds.max(1),
            min_events: self.min_events.max(1),
            new_recipient_share: share(self.new_recipient_share),
            short_call_share: share(self.short_call_share),
            short_gap_share: share(self.short_gap_share),
            send_receive_ratio: if self.send_receive_ratio.is_finite()
                && self.send_receive_ratio >= 0.0
            {
                self.send_receive_ratio
            } else {
                0.0
            },
            max_sources: self.max_sources.clamp(1, MAX_SOURCES),
            ..self.clone()
        }
    }
}

/// A bad value in a [`BehaviorConfig`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BehaviorConfigError {
    field: &'static str,
    message: String,
}

impl BehaviorConfigError {
    /// The key (field) at fault.
    pub fn field(&self) -> &'static str {
        self.field
    }
}

impl fmt::Display for BehaviorConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BehaviorConfigError {}

/// Which behaviour signs an event tripped (a small `Copy` bitset).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct BehaviorSigns(u8);

impl BehaviorSigns {
    /// No sign.
    pub const NONE: BehaviorSigns = BehaviorSigns(0);
    /// Sending frequency: too many SMS in the window.
    pub const MESSAGE_RATE: BehaviorSigns = BehaviorSigns(1);
    /// Call frequency: too many calls in the window.
    pub const CALL_RATE: BehaviorSigns = BehaviorSigns(1 << 1);
    /// Most recipients (texted or called) had no prior contact.
    pub const NEW_RECIPIENTS: BehaviorSigns = BehaviorSigns(1 << 2);
    /// The source mostly sends and rarely receives.
    pub const SEND_RECEIVE_IMBALANCE: BehaviorSigns = BehaviorSigns(1 << 3);
    /// Most calls are very short.
    pub const SHORT_CALLS: BehaviorSigns = BehaviorSigns(1 << 4);
    /// Calls follow each other with short gaps.
    pub const SHORT_CALL_GAPS: BehaviorSigns = BehaviorSigns(1 << 5);

    const ALL: [(BehaviorSigns, &'static str); 6] = [
        (BehaviorSigns::MESSAGE_RATE, "message_rate"),
        (BehaviorSigns::CALL_RATE, "call_rate"),
        (BehaviorSigns::NEW_RECIPIENTS, "new_recipients"),
        (
            BehaviorSigns::SEND_RECEIVE_IMBALANCE,
            "send_receive_imbalance",
        ),
        (BehaviorSigns::SHORT_CALLS, "short_calls"),
        (BehaviorSigns::SHORT_CALL_GAPS, "short_call_gaps"),
    ];

    /// Whether any sign tripped.
    pub fn any(self) -> bool {
        self.0 != 0
    }

    /// Whether every sign of `other` is in `self`.
    pub fn contains(self, other: BehaviorSigns) -> bool {
        self.0 & other.0 == other.0
    }

    /// The raw bits.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The names of the signs (`message_rate`, `call_rate`,
    /// `new_recipients`, `send_receive_imbalance`, `short_calls`,
    /// `short_call_gaps`), for reports.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        BehaviorSigns::ALL
            .into_iter()
            .filter(move |(s, _)| self.contains(*s))
            .map(|(_, n)| n)
    }
}

impl BitOr for BehaviorSigns {
    type Output = BehaviorSigns;
    fn bitor(self, o: BehaviorSigns) -> BehaviorSigns {
        BehaviorSigns(self.0 | o.0)
    }
}

impl BitOrAssign for BehaviorSigns {
    fn bitor_assign(&mut self, o: BehaviorSigns) {
        self.0 |= o.0;
    }
}

impl fmt::Debug for BehaviorSigns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

// ---- the tracker -----------------------------------------------------------

/// Buckets of the sliding window.
const BUCKETS: usize = 8;
/// Recipients remembered per source.
const CONTACTS: usize = 16;
/// Ways of a set.
const WAYS: usize = 8;
/// Most shards.
const MAX_SHARDS: usize = 64;
/// `last_call` of a source that made no call.
const NO_CALL: i64 = i64::MIN;

#[derive(Clone, Copy, Default)]
struct Counts {
    messages: u16,
    calls: u16,
    new_recipients: u16,
    received: u16,
    timed_calls: u16,
    short_calls: u16,
    gaps: u16,
    short_gaps: u16,
}

#[derive(Clone, Copy, Default)]
struct Sums {
    messages: u32,
    calls: u32,
    new_recipients: u32,
    received: u32,
    timed_calls: u32,
    short_calls: u32,
    gaps: u32,
    short_gaps: u32,
}

fn bump(c: &mut u16) {
    *c = c.saturating_add(1);
}

#[derive(Clone, Copy)]
struct Slot {
    /// `Number::to_bits` of the source; 0 for a free slot.
    key: u64,
    last_seen: i64,
    /// Bucket number of the newest bucket.
    head: i64,
    last_call: i64,
    buckets: [Counts; BUCKETS],
    /// Fingerprints of recent recipients (0: none).
    contacts: [u32; CONTACTS],
    next_contact: u8,
}

const FREE: Slot = Slot {
    key: 0,
    last_seen: i64::MIN,
    head: 0,
    last_call: NO_CALL,
    buckets: [Counts {
        messages: 0,
        calls: 0,
        new_recipients: 0,
        received: 0,
        timed_calls: 0,
        short_calls: 0,
        gaps: 0,
        short_gaps: 0,
    }; BUCKETS],
    contacts: [0; CONTACTS],
    next_contact: 0,
};

impl Slot {
    fn reset(&mut self, key: u64, t: i64, width: i64) {
        *self = FREE;
        self.key = key;
        self.last_seen = t;
        self.head = t.div_euclid(width);
    }

    /// Slides the window to `t`; the bucket of `t`, unless `t` is older than
    /// the window.
    fn advance(&mut self, t: i64, width: i64) -> Option<usize> {
        let b = t.div_euclid(width);
        if b > self.head {
            let steps = b.saturating_sub(self.head);
            if steps >= BUCKETS as i64 {
                self.buckets = [Counts::default(); BUCKETS];
            } else {
                for k in 1..=steps {
                    self.buckets[(self.head + k).rem_euclid(BUCKETS as i64) as usize] =
                        Counts::default();
                }
            }
            self.head = b;
        }
        self.last_seen = self.last_seen.max(t);
        (self.head.saturating_sub(b) < BUCKETS as i64)
            .then(|| b.rem_euclid(BUCKETS as i64) as usize)
    }

    fn sums(&self) -> Sums {
        let mut s = Sums::default();
        for c in &self.buckets {
            s.messages += u32::from(c.messages);
            s.calls += u32::from(c.calls);
            s.new_recipients += u32::from(c.new_recipients);
            s.received += u32::from(c.received);
            s.timed_calls += u32::from(c.timed_calls);
            s.short_calls += u32::from(c.short_calls);
            s.gaps += u32::from(c.gaps);
            s.short_gaps += u32::from(c.short_gaps);
        }
        s
    }

    /// Remembers a recipient; whether it was new.
    fn contact(&mut self, fp: u32) -> bool {
        if self.contacts.contains(&fp) {
            return false;
        }
        self.contacts[self.next_contact as usize % CONTACTS] = fp;
        self.next_contact = ((self.next_contact as usize + 1) % CONTACTS) as u8;
        true
    }
}

struct Shard {
    /// `sets × WAYS` slots, allocated on first use.
    slots: Vec<Slot>,
}

/// Per-source behaviour state (rule S4); see the [module](self) docs.
/// `Send + Sync`: share one between threads.
///
/// ```
/// use chanrac::behavior::{BehaviorConfig, BehaviorSigns, BehaviorTracker};
/// use chanrac::number::Number;
///
/// let tracker = BehaviorTracker::new(BehaviorConfig::default());
/// let spammer = Number::parse("0912345678").unwrap();
/// let mut last = BehaviorSigns::NONE;
/// for i in 0..61u64 {
///     let victim = Number::parse(&format!("09870{i:05}")).unwrap();
///     last = tracker.observe(spammer, victim, false, 1_770_000_000 + i as i64, None);
/// }
/// assert!(last.contains(BehaviorSigns::MESSAGE_RATE | BehaviorSigns::NEW_RECIPIENTS));
///
/// // A subscriber texting a friend a few times is not flagged.
/// let (a, b) = (Number::parse("0911111111").unwrap(), Number::parse("0922222222").unwrap());
/// for i in 0..5 {
///     assert!(!tracker.observe(a, b, false, 1_770_000_000 + i, None).any());
/// }
/// ```
pub struct BehaviorTracker {
    config: BehaviorConfig,
    shards: Box<[Mutex<Shard>]>,
    sets_per_shard: usize,
    /// Bucket width, seconds.
    width: i64,
    /// Seconds after which an idle source is forgotten.
    retain: i64,
}

impl fmt::Debug for BehaviorTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BehaviorTracker")
            .field("config", &self.config)
            .field("capacity", &self.capacity())
            .finish()
    }
}

impl BehaviorTracker {
    /// A tracker with `config`. Out-of-range values are brought into range
    /// (call [`BehaviorConfig::validate`] to report them instead).
    pub fn new(config: BehaviorConfig) -> BehaviorTracker {
        let config = config.sanitized();
        let total_sets = (config.max_sources as usize / WAYS).max(1);
        let shards = prev_power_of_two(total_sets.min(MAX_SHARDS));
        let sets_per_shard = total_sets / shards;
        let width = i64::from(config.window_seconds.div_ceil(BUCKETS as u32).max(1));
        let retain = i64::from(config.window_seconds.max(config.contact_memory_seconds));
        BehaviorTracker {
            shards: (0..shards)
                .map(|_| Mutex::new(Shard { slots: Vec::new() }))
                .collect(),
            sets_per_shard,
            width,
            retain,
            config,
        }
    }

    /// The configuration in force (after range checks).
    pub fn config(&self) -> &BehaviorConfig {
        &self.config
    }

    /// Most sources tracked at once: `max_sources` rounded down to a
    /// multiple of 8, and at least 8.
    pub fn capacity(&self) -> usize {
        self.shards.len() * self.sets_per_shard * WAYS
    }

    /// Sources (and receivers) currently held (locks every shard in turn).
    pub fn tracked_sources(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().slots.iter().filter(|s| s.key != 0).count())
            .sum()
    }

    /// Records an SMS (`is_call` false) or call from `source` to `recipient`
    /// at `time_unix_secs` (a call's `duration_secs` if known) and returns the
    /// signs the source now shows.
    pub fn observe(
        &self,
        source: Number,
        recipient: Number,
        is_call: bool,
        time_unix_secs: i64,
        duration_secs: Option<u32>,
    ) -> BehaviorSigns {
        let t = time_unix_secs;
        let fp =
            (xxh3_64_with_seed(&recipient.to_bits().to_le_bytes(), self.config.seed) as u32) | 1;
        let c = &self.config;
        self.with_slot(source, t, |slot, width| {
            let bucket = slot.advance(t, width);
            let new = slot.contact(fp);
            let gap = (is_call
                && slot.last_call != NO_CALL
                && t.saturating_sub(slot.last_call) <= i64::from(c.window_seconds))
            .then(|| t.saturating_sub(slot.last_call).max(0));
            if is_call {
                slot.last_call = slot.last_call.max(t);
            }
            if let Some(b) = bucket {
                let b = &mut slot.buckets[b];
                if new {
                    bump(&mut b.new_recipients);
                }
                if is_call {
                    bump(&mut b.calls);
                    if let Some(d) = duration_secs {
                        bump(&mut b.timed_calls);
                        if d < c.short_call_seconds {
                            bump(&mut b.short_calls);
                        }
                    }
                    if let Some(g) = gap {
                        bump(&mut b.gaps);
                        if g < i64::from(c.short_gap_seconds) {
                            bump(&mut b.short_gaps);
                        }
                    }
                } else {
                    bump(&mut b.messages);
                }
            }
            self.signs(&slot.sums())
        })
    }

    /// Records that `number` received an SMS or call at `time_unix_secs` (the
    /// engine calls it for the recipient of p2p traffic), so a number that
    /// receives is not taken for a pure sender.
    pub fn record_received(&self, number: Number, time_unix_secs: i64) {
        self.with_slot(number, time_unix_secs, |slot, width| {
            if let Some(b) = slot.advance(time_unix_secs, width) {
                bump(&mut slot.buckets[b].received);
            }
        });
    }

    fn signs(&self, s: &Sums) -> BehaviorSigns {
        let c = &self.config;
        let mut signs = BehaviorSigns::NONE;
        if c.max_messages_per_window > 0 && s.messages > c.max_messages_per_window {
            signs |= BehaviorSigns::MESSAGE_RATE;
        }
        if c.max_calls_per_window > 0 && s.calls > c.max_calls_per_window {
            signs |= BehaviorSigns::CALL_RATE;
        }
        let at_least = |share: f64, part: u32, whole: u32| {
            share > 0.0 && whole >= c.min_events && f64::from(part) >= share * f64::from(whole)
        };
        let events = s.messages + s.calls;
        if at_least(c.new_recipient_share, s.new_recipients, events) {
            signs |= BehaviorSigns::NEW_RECIPIENTS;
        }
        if c.send_receive_ratio > 0.0
            && events >= c.min_events
            && f64::from(events) > c.send_receive_ratio * f64::from(s.received)
        {
            signs |= BehaviorSigns::SEND_RECEIVE_IMBALANCE;
        }
        if at_least(c.short_call_share, s.short_calls, s.timed_calls) {
            signs |= BehaviorSigns::SHORT_CALLS;
        }
        if at_least(c.short_gap_share, s.short_gaps, s.gaps) {
            signs |= BehaviorSigns::SHORT_CALL_GAPS;
        }
        signs
    }

    /// Runs `f` on the slot of `number` (found, or taken from a free,
    /// expired or least recently seen slot of its set), under its shard's
    /// lock.
    fn with_slot<R>(&self, number: Number, t: i64, f: impl FnOnce(&mut Slot, i64) -> R) -> R {
        let key = number.to_bits();
        let h = xxh3_64_with_seed(&key.to_le_bytes(), self.config.seed);
        let shard = (h as usize) & (self.shards.len() - 1);
        let set = ((h >> 32) as usize) % self.sets_per_shard;
        let mut guard = self.shards[shard].lock();
        if guard.slots.is_empty() {
            guard.slots = vec![FREE; self.sets_per_shard * WAYS];
        }
        let ways = &mut guard.slots[set * WAYS..(set + 1) * WAYS];
        let way = match ways.iter().position(|s| s.key == key) {
            Some(w) => {
                if t.saturating_sub(ways[w].last_seen) > self.retain {
                    ways[w].reset(key, t, self.width);
                }
                w
            }
            None => {
                let w = ways.iter().position(|s| s.key == 0).unwrap_or_else(|| {
                    // The least recently seen; ties: the first.
                    let mut best = 0;
                    for (i, s) in ways.iter().enumerate() {
                        if s.last_seen < ways[best].last_seen {
                            best = i;
                        }
                    }
                    best
                });
                ways[w].reset(key, t, self.width);
                w
            }
        };
        f(&mut ways[way], self.width)
    }
}

fn prev_power_of_two(n: usize) -> usize {
    if n <= 1 {
        1
    } else {
        1 << (usize::BITS - 1 - n.leading_zeros())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn num(i: u64) -> Number {
        Number::parse(&format!("09{:08}", i % 100_000_000)).unwrap()
    }

    const T0: i64 = 1_770_000_000;

    fn config() -> BehaviorConfig {
        BehaviorConfig {
            max_messages_per_window: 10,
            max_calls_per_window: 10,
            min_events: 5,
            ..BehaviorConfig::default()
        }
    }

    #[test]
    fn slot_size_is_as_documented() {
        assert_eq!(std::mem::size_of::<Slot>(), 232);
    }

    #[test]
    fn message_rate_over_the_window() {
        let t = BehaviorTracker::new(config());
        let src = num(1);
        for i in 0..10 {
            // Same recipient, replying: only the rate can trip.
            t.record_received(src, T0 + i);
            assert!(!t.observe(src, num(2), false, T0 + i, None).any(), "{i}");
        }
        assert_eq!(
            t.observe(src, num(2), false, T0 + 10, None),
            BehaviorSigns::MESSAGE_RATE
        );
        // Two hours later the window is empty again.
        assert!(!t.observe(src, num(2), false, T0 + 7200, None).any());
    }

    #[test]
    fn new_recipients_and_imbalance() {
        let t = BehaviorTracker::new(config());
        let src = num(1);
        let mut s = BehaviorSigns::NONE;
        for i in 0..5 {
            s = t.observe(src, num(100 + i), false, T0 + i as i64, None);
            if i < 4 {
                assert!(!s.any(), "min_events not reached at {i}");
            }
        }
        assert_eq!(
            s,
            BehaviorSigns::NEW_RECIPIENTS | BehaviorSigns::SEND_RECEIVE_IMBALANCE
        );
        assert_eq!(
            s.names().collect::<Vec<_>>(),
            ["new_recipients", "send_receive_imbalance"]
        );
    }

    #[test]
    fn known_contacts_are_not_new() {
        let t = BehaviorTracker::new(config());
        let src = num(1);
        // Day one: five friends, and they reply.
        for i in 0..5 {
            t.observe(src, num(100 + i), false, T0 + i as i64, None);
            t.record_received(src, T0 + i as i64);
        }
        // Day two: the same friends, many times; some reply.
        for k in 0..10 {
            if k % 2 == 0 {
                t.record_received(src, T0 + 86_400 + k as i64);
            }
            let s = t.observe(src, num(100 + k % 5), false, T0 + 86_400 + k as i64, None);
            assert!(!s.any(), "{k}: {s:?}");
        }
    }

    #[test]
    fn call_signs() {
        let t = BehaviorTracker::new(config());
        let src = num(1);
        let mut s = BehaviorSigns::NONE;
        for i in 0..6 {
            // Same callee, 3-second calls every 5 seconds.
            s = t.observe(src, num(2), true, T0 + 5 * i, Some(3));
            t.record_received(src, T0 + 5 * i);
        }
        assert_eq!(
            s,
            BehaviorSigns::SHORT_CALLS | BehaviorSigns::SHORT_CALL_GAPS
        );
        // Long calls, long gaps: nothing.
        let other = num(3);
        for i in 0..8 {
            s = t.observe(other, num(4), true, T0 + 600 * i, Some(300));
            t.record_received(other, T0 + 600 * i);
        }
        assert!(!s.any(), "{s:?}");
    }

    #[test]
    fn ordinary_subscribers_are_never_flagged_by_ratios() {
        let t = BehaviorTracker::new(BehaviorConfig::default());
        // 19 messages to 19 strangers, 19 short calls: under min_events.
        for i in 0..19 {
            assert!(!t
                .observe(num(1), num(1000 + i), false, T0 + i as i64, None)
                .any());
            assert!(!t
                .observe(num(2), num(2000 + i), true, T0 + i as i64, Some(1))
                .any());
        }
    }

    #[test]
    fn signs_can_be_turned_off() {
        let c = BehaviorConfig {
            max_messages_per_window: 0,
            new_recipient_share: 0.0,
            send_receive_ratio: 0.0,
            ..config()
        };
        let t = BehaviorTracker::new(c);
        for i in 0..100 {
            assert!(!t.observe(num(1), num(100 + i), false, T0, None).any());
        }
    }

    #[test]
    fn deterministic() {
        let run = || {
            let t = BehaviorTracker::new(BehaviorConfig {
                max_sources: 64,
                ..config()
            });
            let mut out = Vec::new();
            for i in 0..2000u64 {
                let s = t.observe(
                    num(i % 97),
                    num(i % 13),
                    i % 3 == 0,
                    T0 + (i as i64) * 7,
                    Some((i % 20) as u32),
                );
                out.push(s.bits());
            }
            out
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn capacity_is_bounded() {
        for max in [1, 7, 8, 9, 100, 1000, 100_000] {
            let t = BehaviorTracker::new(BehaviorConfig {
                max_sources: max,
                ..config()
            });
            assert!(t.capacity() <= (max as usize).max(WAYS), "{max}");
            assert!(t.capacity() * 2 > max as usize, "{max}: {}", t.capacity());
            for i in 0..3000 {
                t.observe(num(i), num(i + 1), false, T0 + i as i64, None);
                t.record_received(num(i + 1), T0 + i as i64);
            }
            assert!(t.tracked_sources() <= t.capacity());
        }
    }

    #[test]
    fn odd_times_never_panic() {
        let t = BehaviorTracker::new(config());
        for time in [i64::MIN, -1, 0, i64::MAX, T0, i64::MIN + 1, i64::MAX - 1] {
            t.observe(num(1), num(2), true, time, Some(u32::MAX));
            t.observe(num(1), num(2), false, time, None);
            t.record_received(num(1), time);
        }
    }

    #[test]
    fn validation() {
        assert_eq!(BehaviorConfig::default().validate(), Ok(()));
        let bad = [
            BehaviorConfig {
                window_seconds: 0,
                ..BehaviorConfig::default()
            },
            BehaviorConfig {
                new_recipient_share: 1.5,
                ..BehaviorConfig::default()
            },
            BehaviorConfig {
                short_gap_share: f64::NAN,
                ..BehaviorConfig::default()
            },
            BehaviorConfig {
                send_receive_ratio: -1.0,
                ..BehaviorConfig::default()
            },
            BehaviorConfig {
                max_sources: 0,
                ..BehaviorConfig::default()
            },
            BehaviorConfig {
                min_events: 0,
                ..BehaviorConfig::default()
            },
        ];
        for c in bad {
            let e = c.validate().unwrap_err();
            assert!(e.to_string().contains(e.field()), "{e}");
            // The tracker still works on the same values.
            let _ = BehaviorTracker::new(c).observe(num(1), num(2), false, T0, None);
        }
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<BehaviorTracker>();
    }

    #[test]
    fn threads_share_a_tracker() {
        let t = std::sync::Arc::new(BehaviorTracker::new(config()));
        let hs: Vec<_> = (0..4u64)
            .map(|k| {
                let t = t.clone();
                std::thread::spawn(move || {
                    for i in 0..1000u64 {
                        t.observe(
                            num(k * 10_000 + i % 50),
                            num(i),
                            i % 2 == 0,
                            T0 + i as i64,
                            Some(5),
                        );
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert!(t.tracked_sources() <= t.capacity());
    }
}
