//! The INVITE answers still due to retransmissions, so that a retransmitted
//! INVITE gets its first answer and is checked — and counted — once.
//!
//! Over UDP a client retransmits an INVITE until it gets a final answer
//! (RFC 3261 §17.1.1.2, Timer A), for at most Timer B = 64·T1 = 32 s; the
//! server side keeps its final answer for Timer H = 64·T1 = 32 s to absorb
//! them. This cache keeps each answer exactly that long ([`TTL`]), whatever
//! the load: an answer is never forgotten while a switch may still ask for
//! it again.
//!
//! **Keys** are the whole server transaction (RFC 3261 §17.2.3): `Call-ID`,
//! `CSeq` number, the `From` tag and the `branch` of the top `Via`
//! ([`Transaction`]), hashed to 128 bits with a seed drawn per cache (so a
//! peer cannot aim for collisions). A different call that reuses a
//! `Call-ID` is a different transaction and is checked on its own. Each
//! entry also keeps the numbers the answer was decided on ([`Kept`]): a
//! request reusing a transaction for another caller or callee is not a
//! retransmission, and the responder refuses it.
//!
//! **Memory** is bounded in bytes ([`AnswerCache::new`]): every entry holds
//! the same [`ENTRY_BYTES`] (its key, its answer and numbers, its place in
//! the expiry queue, the hash table's per-slot overhead), whatever the peer
//! sent, and [`AnswerCache::held_bytes`] counts them (the tables grow by
//! doubling, so what they allocate stays under twice the bound). When the bound is
//! reached by answers younger than [`TTL`], no answer is dropped early:
//! [`AnswerCache::room`] says *full* (with the time until the oldest one
//! expires), and the responder refuses new calls with `503 Service
//! Unavailable` and a `Retry-After` until then. Expired answers are
//! reclaimed on every call, and the tables shrink again when they are
//! mostly empty, returning their memory.
//!
//! The clock is the caller's monotonic [`Instant`] (an input, so that tests
//! can move it at will); a clock that steps back is taken as standing still.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::mem::size_of;
use std::time::{Duration, Instant};

use chanrac::Number;

use crate::responder::Answer;

/// How long an answer is kept: Timer B = Timer H = 64·T1 = 32 s (RFC 3261
/// §17), the longest a switch retransmits an INVITE.
pub const TTL: Duration = Duration::from_secs(32);

/// The default bound on the memory the cache holds: 64 MiB, about 600,000
/// answers, that is 20,000 new calls a second sustained for 32 s.
pub const DEFAULT_MAX_BYTES: usize = 64 << 20;

/// The bytes one kept answer takes: the hash table slot (key and
/// [`Kept`]) and its control byte, grown by the table's 7/8 load factor,
/// plus the slot in the expiry queue.
pub const ENTRY_BYTES: usize =
    (size_of::<(Key, Kept)>() + 1) * 8 / 7 + 1 + size_of::<(Instant, Key)>();

/// The tables are shrunk when they could hold more than this many times
/// the answers they hold (and more than [`SHRINK_FLOOR`] answers).
const SHRINK_RATIO: usize = 4;
/// Tables this small are never shrunk.
const SHRINK_FLOOR: usize = 1024;

/// What identifies a server transaction (RFC 3261 §17.2.3): what a
/// retransmission, and the `CANCEL` of an INVITE, repeat exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transaction<'a> {
    /// `Call-ID`.
    pub call_id: &'a str,
    /// The `CSeq` number.
    pub cseq: u32,
    /// The `tag` parameter of `From` (empty when it has none).
    pub from_tag: &'a str,
    /// The `branch` parameter of the top `Via` (empty when it has none).
    pub branch: &'a str,
}

/// The key of a transaction: a seeded 128-bit hash of its parts.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Key(u128);

/// What is kept for one transaction: the answer, and the numbers it was
/// decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kept {
    /// The final answer sent.
    pub answer: Answer,
    /// The caller it was decided for (`None`: no number).
    pub caller: Option<Number>,
    /// The callee it was decided for.
    pub callee: Number,
}

/// The cache is full of answers still due: no new one can be kept before
/// `retry_after` (when the oldest one expires).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full {
    /// How long until an answer expires and frees its room.
    pub retry_after: Duration,
}

/// Answers kept for [`TTL`], bounded in bytes.
#[derive(Debug)]
pub struct AnswerCache {
    map: HashMap<Key, Kept>,
    /// Insertion order, and so expiry order: each key of `map` once.
    order: VecDeque<(Instant, Key)>,
    /// The most answers kept at once (`max_bytes / ENTRY_BYTES`).
    max_entries: usize,
    max_bytes: usize,
    /// The latest time seen (a clock stepping back stands still).
    latest: Option<Instant>,
    seed: u64,
}

impl Default for AnswerCache {
    fn default() -> Self {
        AnswerCache::new(DEFAULT_MAX_BYTES)
    }
}

impl AnswerCache {
    /// A cache holding at most `max_bytes` of answers: `max_bytes /`
    /// [`ENTRY_BYTES`] of them (none when it is smaller than one entry).
    pub fn new(max_bytes: usize) -> AnswerCache {
        AnswerCache {
            map: HashMap::new(),
            order: VecDeque::new(),
            max_entries: max_bytes / ENTRY_BYTES,
            max_bytes,
            latest: None,
            seed: RandomState::new().build_hasher().finish(),
        }
    }

    /// The key of `tx` in this cache.
    pub fn key(&self, tx: &Transaction<'_>) -> Key {
        let mut h = xxhash_rust::xxh3::Xxh3::with_seed(self.seed);
        // Each part is length-prefixed, so no two transactions share bytes.
        for part in [tx.call_id, tx.from_tag, tx.branch] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update(&tx.cseq.to_le_bytes());
        Key(h.digest128())
    }

    /// `now`, never before a time already seen.
    fn clock(&mut self, now: Instant) -> Instant {
        let now = self.latest.map_or(now, |l| l.max(now));
        self.latest = Some(now);
        now
    }

    /// Drops the answers kept [`TTL`] or longer at `now`, and shrinks the
    /// tables when they are mostly empty.
    fn expire(&mut self, now: Instant) {
        let now = self.clock(now);
        let before = self.order.len();
        while let Some(&(at, key)) = self.order.front() {
            if now.saturating_duration_since(at) < TTL {
                break;
            }
            self.order.pop_front();
            self.map.remove(&key);
        }
        if self.order.len() < before {
            let len = self.map.len();
            let threshold = len.max(SHRINK_FLOOR).saturating_mul(SHRINK_RATIO);
            let keep = len.saturating_mul(2).max(SHRINK_FLOOR);
            if self.map.capacity() > threshold {
                self.map.shrink_to(keep);
            }
            if self.order.capacity() > threshold {
                self.order.shrink_to(keep);
            }
        }
    }

    /// The answer kept for `tx`, if any, at `now`.
    pub fn get(&mut self, tx: &Transaction<'_>, now: Instant) -> Option<Kept> {
        self.expire(now);
        self.map.get(&self.key(tx)).copied()
    }

    /// Whether a new answer can be kept at `now`; when not, how long until
    /// the oldest answer expires.
    pub fn room(&mut self, now: Instant) -> Result<(), Full> {
        self.room_beside(now, 0)
    }

    /// Whether a new answer can be kept at `now` beside `reserved` answers
    /// promised to checks still in flight (each will be kept when its check
    /// ends); when not, how long until the oldest answer expires.
    pub fn room_beside(&mut self, now: Instant, reserved: usize) -> Result<(), Full> {
        self.expire(now);
        if self.map.len().saturating_add(reserved) < self.max_entries {
            return Ok(());
        }
        let now = self.clock(now);
        let retry_after = self.order.front().map_or(TTL, |&(at, _)| {
            TTL.saturating_sub(now.saturating_duration_since(at))
        });
        Err(Full { retry_after })
    }

    /// Keeps `kept` for `tx` from `now` until [`TTL`] later. A transaction
    /// already kept keeps its first answer. When the cache is full of
    /// answers still due, nothing is dropped and [`Full`] is returned.
    pub fn insert(&mut self, tx: &Transaction<'_>, kept: Kept, now: Instant) -> Result<(), Full> {
        self.insert_key(self.key(tx), kept, now)
    }

    /// [`insert`](Self::insert) by the transaction's [`key`](Self::key).
    pub fn insert_key(&mut self, key: Key, kept: Kept, now: Instant) -> Result<(), Full> {
        self.expire(now);
        if self.map.contains_key(&key) {
            return Ok(());
        }
        self.room(now)?;
        let now = self.clock(now);
        self.map.insert(key, kept);
        self.order.push_back((now, key));
        Ok(())
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// No answer kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The bytes the kept answers hold: [`len`](Self::len) ×
    /// [`ENTRY_BYTES`], never above [`max_bytes`](Self::max_bytes).
    pub fn held_bytes(&self) -> usize {
        self.map.len() * ENTRY_BYTES
    }

    /// The bytes the tables have allocated (their capacity, used or not):
    /// at most about twice [`held_bytes`](Self::held_bytes) while answers
    /// come in, and back down once they expire.
    pub fn allocated_bytes(&self) -> usize {
        (self.map.capacity() * (size_of::<(Key, Kept)>() + 1)) * 8 / 7
            + self.order.capacity() * size_of::<(Instant, Key)>()
    }

    /// The bound given to [`new`](Self::new).
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// The most answers kept at once.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx<'a>(call_id: &'a str, cseq: u32, from_tag: &'a str, branch: &'a str) -> Transaction<'a> {
        Transaction {
            call_id,
            cseq,
            from_tag,
            branch,
        }
    }

    fn kept(n: u64) -> Kept {
        Kept {
            answer: Answer::Redirect,
            caller: None,
            callee: Number::parse(&format!("0912{n:06}")).expect("a valid number"),
        }
    }

    #[test]
    fn keys_cover_the_whole_transaction() {
        let c = AnswerCache::new(DEFAULT_MAX_BYTES);
        let base = tx("c1", 1, "t1", "z9hG4bK1");
        let k = c.key(&base);
        assert_eq!(k, c.key(&tx("c1", 1, "t1", "z9hG4bK1")));
        for other in [
            tx("c2", 1, "t1", "z9hG4bK1"),
            tx("c1", 2, "t1", "z9hG4bK1"),
            tx("c1", 1, "t2", "z9hG4bK1"),
            tx("c1", 1, "t1", "z9hG4bK2"),
            // Moving bytes from one part to the next is another key.
            tx("c1t", 1, "1", "z9hG4bK1"),
            tx("c1", 1, "t1z", "9hG4bK1"),
        ] {
            assert_ne!(k, c.key(&other), "{other:?}");
        }
    }

    #[test]
    fn kept_for_exactly_the_ttl_then_reclaimed() {
        let t0 = Instant::now();
        let mut c = AnswerCache::new(DEFAULT_MAX_BYTES);
        let a = tx("a", 1, "t", "b");
        c.insert(&a, kept(1), t0).expect("room");
        // A second insert keeps the first answer.
        c.insert(&a, kept(2), t0 + Duration::from_secs(1))
            .expect("room");
        let just_before = t0 + TTL - Duration::from_millis(1);
        assert_eq!(c.get(&a, just_before), Some(kept(1)));
        assert_eq!(c.held_bytes(), ENTRY_BYTES);
        assert_eq!(c.get(&a, t0 + TTL), None);
        assert!(c.is_empty());
        assert_eq!(c.held_bytes(), 0);
        // A clock stepping back does not bring it back.
        assert_eq!(c.get(&a, t0), None);
    }

    #[test]
    fn full_of_answers_still_due_refuses_rather_than_forgets() {
        let t0 = Instant::now();
        let mut c = AnswerCache::new(3 * ENTRY_BYTES + ENTRY_BYTES / 2);
        assert_eq!(c.max_entries(), 3);
        let names: Vec<String> = (0..4).map(|i| format!("call-{i}")).collect();
        for (i, n) in names.iter().take(3).enumerate() {
            let at = t0 + Duration::from_secs(i as u64);
            c.insert(&tx(n, 1, "t", "b"), kept(i as u64), at)
                .expect("room");
        }
        assert_eq!(c.held_bytes(), 3 * ENTRY_BYTES);
        assert!(c.held_bytes() <= c.max_bytes());
        let later = t0 + Duration::from_secs(10);
        let full = Full {
            retry_after: TTL - Duration::from_secs(10),
        };
        assert_eq!(c.room(later), Err(full));
        assert_eq!(
            c.insert(&tx(&names[3], 1, "t", "b"), kept(3), later),
            Err(full)
        );
        // Every answer is still there.
        for (i, n) in names.iter().take(3).enumerate() {
            assert_eq!(c.get(&tx(n, 1, "t", "b"), later), Some(kept(i as u64)));
        }
        // The oldest expires at t0 + TTL: room for exactly one.
        let t1 = t0 + TTL;
        assert_eq!(c.room(t1), Ok(()));
        c.insert(&tx(&names[3], 1, "t", "b"), kept(3), t1)
            .expect("room");
        assert_eq!(c.get(&tx(&names[0], 1, "t", "b"), t1), None);
        assert_eq!(c.len(), 3);
        assert_eq!(
            c.room(t1),
            Err(Full {
                retry_after: Duration::from_secs(1)
            })
        );
    }

    #[test]
    fn a_cache_smaller_than_an_entry_keeps_nothing() {
        let t0 = Instant::now();
        let mut c = AnswerCache::new(ENTRY_BYTES - 1);
        assert_eq!(
            c.insert(&tx("a", 1, "t", "b"), kept(1), t0),
            Err(Full { retry_after: TTL })
        );
        assert!(c.is_empty());
    }

    /// The tables grow by doubling, so what they allocate is above what
    /// the answers hold (measured: 1.16× at 100 answers, 1.52× at 1 MiB,
    /// 1.69× at 3 MiB with 107-byte entries), but never twice the bound.
    #[test]
    fn allocations_stay_within_twice_the_bound_when_full() {
        let t0 = Instant::now();
        for max_bytes in [100 * ENTRY_BYTES, 1 << 20, 3 << 20] {
            let mut c = AnswerCache::new(max_bytes);
            let mut i = 0u64;
            while c.room(t0).is_ok() {
                let id = format!("call-{i}");
                c.insert(&tx(&id, 1, "t", "b"), kept(i), t0).expect("room");
                i += 1;
            }
            assert_eq!(c.len(), max_bytes / ENTRY_BYTES);
            assert!(c.held_bytes() <= max_bytes);
            let allocated = c.allocated_bytes();
            assert!(
                allocated <= 2 * max_bytes,
                "{allocated} bytes allocated for a bound of {max_bytes}"
            );
        }
    }

    #[test]
    fn memory_is_returned_after_expiry() {
        let t0 = Instant::now();
        let mut c = AnswerCache::new(DEFAULT_MAX_BYTES);
        let names: Vec<String> = (0..50_000).map(|i| format!("call-{i}")).collect();
        for (i, n) in names.iter().enumerate() {
            c.insert(&tx(n, 1, "t", "b"), kept(i as u64), t0)
                .expect("room");
        }
        assert_eq!(c.held_bytes(), 50_000 * ENTRY_BYTES);
        let grown = c.allocated_bytes();
        assert!(grown >= c.held_bytes() / 2, "{grown}");
        // 32 s later one new call: everything else is reclaimed.
        let t1 = t0 + TTL;
        c.insert(&tx("late", 1, "t", "b"), kept(1), t1)
            .expect("room");
        assert_eq!(c.len(), 1);
        assert_eq!(c.held_bytes(), ENTRY_BYTES);
        let shrunk = c.allocated_bytes();
        assert!(shrunk * 10 < grown, "{shrunk} of {grown}");
    }
}
