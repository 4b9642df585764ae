//! The INVITE answers of the last few minutes, so that a retransmitted
//! INVITE (same `Call-ID` and `CSeq`) gets the same answer and is checked —
//! and counted — once.
//!
//! Over UDP a client retransmits an INVITE until it gets a final answer
//! (RFC 3261 §17.1.1.2, Timer A), for at most Timer B = 64·T1 = 32 s; the
//! server side keeps its final answer for Timer H = 32 s to absorb them.
//! This cache keeps each answer for [`TTL`] (a generous margin over both)
//! and at most [`CAPACITY`] answers: when full, the oldest answer goes first.
//! Keys are a 128-bit hash of `Call-ID` and the `CSeq` number, so an entry
//! has a fixed size whatever the client sends; memory stays bounded at a few
//! megabytes. The clock is the caller's monotonic [`Instant`].

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::responder::Answer;

/// How long an answer is kept: 3 minutes, beyond Timer B and H (32 s).
pub const TTL: Duration = Duration::from_secs(180);

/// At most this many answers are kept (about 10 MB). At 100,000 calls in
/// 3 minutes (555 calls/s) older answers leave before their time; answers
/// stay at least 32 s (Timer B) up to about 3,000 calls/s.
pub const CAPACITY: usize = 100_000;

/// The key of a transaction: a hash of `Call-ID` and `CSeq` number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Key(u128);

impl Key {
    /// The key of `call_id` with sequence number `cseq`.
    pub fn new(call_id: &str, cseq: u32) -> Key {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(call_id.as_bytes());
        h.update(&[0xff]);
        h.update(&cseq.to_le_bytes());
        Key(h.digest128())
    }
}

/// Recent answers, bounded in time and count.
#[derive(Debug)]
pub struct AnswerCache {
    map: HashMap<Key, Answer>,
    /// Insertion order (and so expiry order): each key of `map` once.
    order: VecDeque<(Instant, Key)>,
    ttl: Duration,
    capacity: usize,
}

impl Default for AnswerCache {
    fn default() -> Self {
        AnswerCache::new(TTL, CAPACITY)
    }
}

impl AnswerCache {
    /// A cache keeping answers `ttl`, at most `capacity` of them (at least 1).
    pub fn new(ttl: Duration, capacity: usize) -> AnswerCache {
        AnswerCache {
            map: HashMap::new(),
            order: VecDeque::new(),
            ttl,
            capacity: capacity.max(1),
        }
    }

    /// Drops the answers older than the TTL at `now`.
    fn expire(&mut self, now: Instant) {
        while let Some(&(at, key)) = self.order.front() {
            if now.saturating_duration_since(at) < self.ttl {
                break;
            }
            self.order.pop_front();
            self.map.remove(&key);
        }
    }

    /// The answer kept for `key`, if any, at `now`.
    pub fn get(&mut self, key: Key, now: Instant) -> Option<Answer> {
        self.expire(now);
        self.map.get(&key).cloned()
    }

    /// Keeps `answer` for `key` from `now` (a key already kept keeps its
    /// first answer). Returns whether an answer younger than the TTL had to
    /// leave to make room.
    pub fn insert(&mut self, key: Key, answer: Answer, now: Instant) -> bool {
        self.expire(now);
        if self.map.contains_key(&key) {
            return false;
        }
        let mut evicted = false;
        while self.map.len() >= self.capacity {
            match self.order.pop_front() {
                Some((_, old)) => {
                    self.map.remove(&old);
                    evicted = true;
                }
                None => break,
            }
        }
        self.map.insert(key, answer);
        self.order.push_back((now, key));
        evicted
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// No answer kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_then_expires_then_evicts() {
        let t0 = Instant::now();
        let mut c = AnswerCache::new(Duration::from_secs(10), 2);
        let (a, b, d) = (Key::new("a", 1), Key::new("a", 2), Key::new("d", 1));
        assert_ne!(a, b);
        assert!(!c.insert(a, Answer::Redirect, t0));
        assert_eq!(
            c.get(a, t0 + Duration::from_secs(9)),
            Some(Answer::Redirect)
        );
        assert_eq!(c.get(a, t0 + Duration::from_secs(10)), None);
        assert!(c.is_empty());
        let t1 = t0 + Duration::from_secs(20);
        c.insert(a, Answer::Redirect, t1);
        c.insert(b, Answer::Redirect, t1);
        assert!(c.insert(d, Answer::Redirect, t1), "full: the oldest leaves");
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(a, t1), None);
        assert!(c.get(b, t1).is_some() && c.get(d, t1).is_some());
        assert_eq!(c.order.len(), c.map.len());
    }
}
