//! Holding the parts of a concatenated SMS until the message is whole
//! (CONTRACT.md §6): a concatenated SMS is one message, checked and counted
//! once.
//!
//! A [`Reassembler`] is a plain data structure (no clock, no I/O): the caller
//! passes the time in milliseconds, inserts parts under a key (the proxy uses
//! system_id, source, destination and reference) and gets back a
//! [`Message`] when the last part arrives, or from [`Reassembler::expire`]
//! when the reassembly timeout passes first (then the message holds what
//! arrived). Every part inserted comes out exactly once: in a message, as a
//! duplicate inside a message, or rejected at once.
//!
//! Memory is bounded: at most `max_parts` parts are held in all, beyond
//! that a part is rejected with [`Reject::Full`].

use std::collections::HashMap;
use std::hash::Hash;

use crate::udh::Concat;

/// Why a part was not held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    /// The reassembler holds `max_parts` parts already.
    Full,
    /// The part's total differs from the total of the parts before it under
    /// the same key.
    InconsistentTotal,
}

/// A message ready to be checked: its parts in order (all of them, unless
/// the timeout expired first), and any duplicates that arrived meanwhile.
#[derive(Debug, PartialEq, Eq)]
pub struct Message<T> {
    /// The parts that arrived, by part number, each once.
    pub parts: Vec<(u8, T)>,
    /// Parts whose number had already arrived (retransmissions): they get
    /// the message's decision but are never forwarded.
    pub duplicates: Vec<(u8, T)>,
    /// The number of parts the message announced.
    pub total: u8,
    /// When the first part arrived (ms, as passed to `insert`).
    pub started_ms: u64,
}

impl<T> Message<T> {
    /// Whether every part arrived.
    pub fn is_complete(&self) -> bool {
        self.parts.len() == usize::from(self.total)
    }
}

/// What [`Reassembler::insert`] did with a part.
#[derive(Debug, PartialEq, Eq)]
pub enum Insert<T> {
    /// Held until the rest arrives or the timeout.
    Held,
    /// That was the last missing part: the whole message.
    Complete(Message<T>),
    /// Not held; answer it on its own.
    Rejected(T, Reject),
}

struct Group<T> {
    started_ms: u64,
    total: u8,
    parts: Vec<Option<T>>,
    arrived: usize,
    duplicates: Vec<(u8, T)>,
}

impl<T> Group<T> {
    fn into_message(self) -> Message<T> {
        Message {
            parts: self
                .parts
                .into_iter()
                .enumerate()
                .filter_map(|(i, p)| p.map(|p| (u8::try_from(i + 1).unwrap_or(u8::MAX), p)))
                .collect(),
            duplicates: self.duplicates,
            total: self.total,
            started_ms: self.started_ms,
        }
    }

    fn held(&self) -> usize {
        self.arrived + self.duplicates.len()
    }
}

/// Holds parts of concatenated messages by key. See the module docs.
pub struct Reassembler<K, T> {
    groups: HashMap<K, Group<T>>,
    timeout_ms: u64,
    max_parts: usize,
    held: usize,
}

impl<K, T> std::fmt::Debug for Reassembler<K, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reassembler")
            .field("groups", &self.groups.len())
            .field("held", &self.held)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_parts", &self.max_parts)
            .finish()
    }
}

impl<K: Hash + Eq, T> Reassembler<K, T> {
    /// A reassembler that gives up waiting `timeout_ms` after a message's
    /// first part and holds at most `max_parts` parts in all.
    pub fn new(timeout_ms: u64, max_parts: usize) -> Reassembler<K, T> {
        Reassembler {
            groups: HashMap::new(),
            timeout_ms,
            max_parts,
            held: 0,
        }
    }

    /// How many parts are held.
    pub fn held(&self) -> usize {
        self.held
    }

    /// How many messages are incomplete.
    pub fn pending(&self) -> usize {
        self.groups.len()
    }

    /// Inserts part `concat.seq` of `concat.total` under `key`, arriving at
    /// `now_ms`. A one-part message completes at once.
    pub fn insert(&mut self, key: K, concat: Concat, part: T, now_ms: u64) -> Insert<T> {
        let total = concat.total.max(1);
        let seq = concat.seq.clamp(1, total);
        if self.held >= self.max_parts {
            return Insert::Rejected(part, Reject::Full);
        }
        let group = self.groups.entry(key);
        use std::collections::hash_map::Entry;
        let mut group = match group {
            Entry::Occupied(o) => {
                if o.get().total != total {
                    return Insert::Rejected(part, Reject::InconsistentTotal);
                }
                o
            }
            Entry::Vacant(v) => v.insert_entry(Group {
                started_ms: now_ms,
                total,
                parts: (0..total).map(|_| None).collect(),
                arrived: 0,
                duplicates: Vec::new(),
            }),
        };
        let g = group.get_mut();
        self.held += 1;
        match g.parts.get_mut(usize::from(seq - 1)) {
            Some(slot @ None) => {
                *slot = Some(part);
                g.arrived += 1;
            }
            _ => g.duplicates.push((seq, part)),
        }
        if g.arrived == usize::from(total) {
            let g = group.remove();
            self.held -= g.held();
            Insert::Complete(g.into_message())
        } else {
            Insert::Held
        }
    }

    /// The messages whose timeout passed at `now_ms`, with the parts that
    /// arrived, oldest first.
    pub fn expire(&mut self, now_ms: u64) -> Vec<Message<T>> {
        let timeout = self.timeout_ms;
        let mut out: Vec<Message<T>> = Vec::new();
        if !self
            .groups
            .values()
            .any(|g| now_ms.saturating_sub(g.started_ms) >= timeout)
        {
            return out;
        }
        let groups = std::mem::take(&mut self.groups);
        for (k, g) in groups {
            if now_ms.saturating_sub(g.started_ms) >= timeout {
                self.held -= g.held();
                out.push(g.into_message());
            } else {
                self.groups.insert(k, g);
            }
        }
        out.sort_by_key(|m| m.started_ms);
        out
    }

    /// Every held message, whole or not (at shutdown).
    pub fn drain(&mut self) -> Vec<Message<T>> {
        self.held = 0;
        let mut out: Vec<_> = self.groups.drain().map(|(_, g)| g.into_message()).collect();
        out.sort_by_key(|m| m.started_ms);
        out
    }
}

/// Fuzz entry point: drives a reassembler with operations read from `data`
/// (4 bytes each: key, total, part number, time step) and checks that every
/// part comes out exactly once and the held count stays within its bound.
pub fn fuzz_reassembly(data: &[u8]) {
    let mut r: Reassembler<u8, usize> = Reassembler::new(1_000, 64);
    let mut now = 0u64;
    let mut seen = vec![0u8; data.len() / 4];
    let out = |m: Message<usize>, seen: &mut Vec<u8>| {
        assert!(m.parts.windows(2).all(|w| w[0].0 < w[1].0));
        for (_, id) in m.parts.into_iter().chain(m.duplicates) {
            seen[id] += 1;
        }
    };
    for (id, op) in data.chunks_exact(4).enumerate() {
        now += u64::from(op[3]) * 10;
        let (total, seq) = (op[1] % 8, op[2] % 9);
        let concat = Concat {
            reference: 0,
            wide: false,
            total,
            seq,
        };
        match r.insert(op[0] % 4, concat, id, now) {
            Insert::Held => {}
            Insert::Complete(m) => {
                assert!(m.is_complete());
                out(m, &mut seen);
            }
            Insert::Rejected(id, _) => seen[id] += 1,
        }
        assert!(r.held() <= 64);
        for m in r.expire(now) {
            out(m, &mut seen);
        }
    }
    for m in r.drain() {
        out(m, &mut seen);
    }
    assert!(seen.iter().all(|&n| n == 1), "a part lost or duplicated");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(total: u8, seq: u8) -> Concat {
        Concat {
            reference: 9,
            wide: false,
            total,
            seq,
        }
    }

    #[test]
    fn out_of_order_parts_complete_in_order() {
        let mut r = Reassembler::new(30_000, 100);
        assert_eq!(r.insert("k", c(3, 3), "c", 0), Insert::Held);
        assert_eq!(r.insert("k", c(3, 1), "a", 5), Insert::Held);
        assert_eq!(r.held(), 2);
        let Insert::Complete(m) = r.insert("k", c(3, 2), "b", 9) else {
            panic!("not complete")
        };
        assert_eq!(m.parts, vec![(1, "a"), (2, "b"), (3, "c")]);
        assert!(m.is_complete());
        assert_eq!(m.started_ms, 0);
        assert_eq!((r.held(), r.pending()), (0, 0));
    }

    #[test]
    fn keys_are_separate_and_single_parts_complete_at_once() {
        let mut r = Reassembler::new(30_000, 100);
        assert_eq!(r.insert(1, c(2, 1), "a1", 0), Insert::Held);
        assert_eq!(r.insert(2, c(2, 2), "b2", 0), Insert::Held);
        let Insert::Complete(m) = r.insert(3, c(1, 1), "solo", 0) else {
            panic!()
        };
        assert_eq!(m.parts, vec![(1, "solo")]);
        assert_eq!(r.pending(), 2);
    }

    #[test]
    fn duplicates_ride_along_and_are_not_parts() {
        let mut r = Reassembler::new(30_000, 100);
        assert_eq!(r.insert("k", c(2, 1), "a", 0), Insert::Held);
        assert_eq!(r.insert("k", c(2, 1), "a-again", 1), Insert::Held);
        assert_eq!(r.held(), 2);
        let Insert::Complete(m) = r.insert("k", c(2, 2), "b", 2) else {
            panic!()
        };
        assert_eq!(m.parts, vec![(1, "a"), (2, "b")]);
        assert_eq!(m.duplicates, vec![(1, "a-again")]);
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn timeout_releases_what_arrived() {
        let mut r = Reassembler::new(30_000, 100);
        assert_eq!(r.insert("old", c(3, 1), "a", 0), Insert::Held);
        assert_eq!(r.insert("old", c(3, 3), "c", 10_000), Insert::Held);
        assert_eq!(r.insert("new", c(2, 1), "x", 20_000), Insert::Held);
        assert!(r.expire(29_999).is_empty());
        let out = r.expire(30_000);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].parts, vec![(1, "a"), (3, "c")]);
        assert!(!out[0].is_complete());
        assert_eq!((r.held(), r.pending()), (1, 1));
        assert_eq!(r.expire(50_000).len(), 1);
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn bounded_and_consistent() {
        let mut r = Reassembler::new(30_000, 2);
        assert_eq!(r.insert(1, c(3, 1), 'a', 0), Insert::Held);
        assert_eq!(
            r.insert(1, c(4, 2), 'b', 0),
            Insert::Rejected('b', Reject::InconsistentTotal)
        );
        assert_eq!(r.insert(2, c(3, 1), 'c', 0), Insert::Held);
        assert_eq!(
            r.insert(3, c(3, 1), 'd', 0),
            Insert::Rejected('d', Reject::Full)
        );
        assert_eq!(r.drain().len(), 2);
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn fuzz_entry_runs() {
        fuzz_reassembly(&[]);
        fuzz_reassembly(&[
            1, 3, 1, 0, 1, 3, 3, 0, 1, 3, 2, 200, 0, 0, 0, 0, 2, 5, 9, 255,
        ]);
        let data: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect();
        fuzz_reassembly(&data);
    }
}
