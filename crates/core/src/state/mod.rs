//! What the engine remembers between events: per (advertiser, recipient)
//! pair, the consent ledger (R7), the first counted registration message
//! (R6) and the counted ads per channel (R4, R5).
//!
//! Pairs live in a fixed number of shards, each a map behind its own
//! `parking_lot` mutex. One check locks exactly one shard for the few
//! instructions of its read-decide-commit step, so that two threads can never
//! both be granted the one ad call of the day for a pair. Keys are the pair
//! itself (advertiser, recipient), hashed with xxh3 under a per-process
//! random seed so nobody can aim collisions at one shard.

pub mod frequency;
pub mod journal;

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use parking_lot::Mutex;

use crate::event::Channel;
use crate::number::Number;
use crate::policy::{ConsentState, Policy};

pub use frequency::Recent;

const SHARDS: usize = 64;

/// The latest consent event of a pair.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Consent {
    /// Opt-in or opt-out.
    pub state: ConsentState,
    /// Its time, in milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// Everything remembered about one (advertiser, recipient) pair.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairState {
    /// The latest consent event (records of `consents.csv` first, then events).
    pub consent: Option<Consent>,
    /// The time of the first counted registration message (ms).
    pub first_registration_ms: Option<i64>,
    /// Counted ad SMS.
    pub sms: Recent,
    /// Counted ad calls.
    pub calls: Recent,
}

impl PairState {
    /// The counted ads of one channel.
    pub fn recent(&self, channel: Channel) -> &Recent {
        match channel {
            Channel::Sms => &self.sms,
            Channel::Call => &self.calls,
        }
    }

    /// The counted ads of one channel, mutable.
    pub fn recent_mut(&mut self, channel: Channel) -> &mut Recent {
        match channel {
            Channel::Sms => &mut self.sms,
            Channel::Call => &mut self.calls,
        }
    }
}

/// The key of a pair: the advertiser and the recipient, stored as written so
/// the state can be listed and journaled.
#[derive(Clone, Debug)]
struct PairKey {
    advertiser: Box<str>,
    recipient: Number,
}

/// A view of a pair key, so maps keyed by [`PairKey`] can be searched with a
/// borrowed `(&str, Number)` without allocating.
trait PairView {
    fn advertiser(&self) -> &str;
    fn recipient(&self) -> Number;
}

impl PairView for PairKey {
    fn advertiser(&self) -> &str {
        &self.advertiser
    }
    fn recipient(&self) -> Number {
        self.recipient
    }
}

impl PairView for (&str, Number) {
    fn advertiser(&self) -> &str {
        self.0
    }
    fn recipient(&self) -> Number {
        self.1
    }
}

impl<'a> std::borrow::Borrow<dyn PairView + 'a> for PairKey {
    fn borrow(&self) -> &(dyn PairView + 'a) {
        self
    }
}

impl Hash for dyn PairView + '_ {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.advertiser().hash(h);
        self.recipient().hash(h);
    }
}

impl PartialEq for dyn PairView + '_ {
    fn eq(&self, o: &Self) -> bool {
        self.recipient() == o.recipient() && self.advertiser() == o.advertiser()
    }
}

impl Eq for dyn PairView + '_ {}

impl Hash for PairKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (self as &dyn PairView).hash(h)
    }
}

impl PartialEq for PairKey {
    fn eq(&self, o: &Self) -> bool {
        (self as &dyn PairView) == (o as &dyn PairView)
    }
}

impl Eq for PairKey {}

/// xxh3 under a per-process seed.
#[derive(Clone)]
struct SeededXxh3(u64);

impl BuildHasher for SeededXxh3 {
    type Hasher = xxhash_rust::xxh3::Xxh3;
    fn build_hasher(&self) -> Self::Hasher {
        xxhash_rust::xxh3::Xxh3::with_seed(self.0)
    }
}

type Shard = HashMap<PairKey, PairState, SeededXxh3>;

/// The engine's per-pair state.
pub struct State {
    hasher: SeededXxh3,
    shards: Box<[Mutex<Shard>]>,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "State({} pairs)", self.len())
    }
}

fn random_seed() -> u64 {
    // std's RandomState is seeded from the OS once per process; no clock.
    std::collections::hash_map::RandomState::new().hash_one(0x0063_6861_6e72_6163_u64)
}

impl State {
    /// Empty state.
    pub fn new() -> State {
        let hasher = SeededXxh3(random_seed());
        let shards = (0..SHARDS)
            .map(|_| Mutex::new(HashMap::with_hasher(hasher.clone())))
            .collect();
        State { hasher, shards }
    }

    fn shard(&self, advertiser: &str, recipient: Number) -> &Mutex<Shard> {
        let h = self
            .hasher
            .hash_one(&(advertiser, recipient) as &dyn PairView);
        &self.shards[(h >> 58) as usize % SHARDS]
    }

    /// Runs `f` on the pair's state under its shard's lock; a new pair is
    /// stored only when `f` leaves something in it. This is the
    /// read-decide-commit step of a check: atomic for the pair.
    pub fn with_pair<R>(
        &self,
        advertiser: &str,
        recipient: Number,
        f: impl FnOnce(&mut PairState) -> R,
    ) -> R {
        let mut shard = self.shard(advertiser, recipient).lock();
        // Look up by borrowed key: a miss only allocates when the new pair
        // must be stored.
        if let Some(st) = shard.get_mut(&(advertiser, recipient) as &dyn PairView) {
            return f(st);
        }
        let mut st = PairState::default();
        let r = f(&mut st);
        if st != PairState::default() {
            let key = PairKey {
                advertiser: advertiser.into(),
                recipient,
            };
            shard.insert(key, st);
        }
        r
    }

    /// Reads a pair's state (a copy), if any.
    pub fn get(&self, advertiser: &str, recipient: Number) -> Option<PairState> {
        let shard = self.shard(advertiser, recipient).lock();
        shard
            .get(&(advertiser, recipient) as &dyn PairView)
            .cloned()
    }

    /// Seeds the consent ledger from a policy's `consents.csv` records: a
    /// record replaces the pair's consent when the pair has none or an older
    /// one.
    pub fn seed_consents(&self, policy: &Policy) {
        for c in policy.consents() {
            let time_ms = c.time.as_millisecond();
            self.with_pair(&c.advertiser, c.recipient, |st| {
                if st.consent.is_none_or(|old| old.time_ms <= time_ms) {
                    st.consent = Some(Consent {
                        state: c.state,
                        time_ms,
                    });
                }
            });
        }
    }

    /// How many pairs are remembered.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    /// Nothing remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Visits every pair (advertiser, recipient, state), shard by shard.
    pub fn for_each(&self, mut f: impl FnMut(&str, Number, &PairState)) {
        for s in self.shards.iter() {
            for (k, v) in s.lock().iter() {
                f(&k.advertiser, k.recipient, v);
            }
        }
    }
}
