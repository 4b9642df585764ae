//! Advertiser names as small numbers, so a pair fits one 64-bit key.
//!
//! Every name the engine has given an id sits in an immutable map published
//! with `arc-swap`, so a lookup takes no lock. The map has two levels: a
//! large base and a small delta of the names added since. A new name gets
//! the next id under a mutex that only writers take; it is published at once
//! by copying the delta (at most [`DELTA_MAX`] names), and the delta is
//! folded into a new base when it fills, so the cost per new name stays
//! small however many there are. Ids are never reused: the journal and the
//! table key outlive any policy. The engine seeds the names of every policy
//! at build and at each swap, so its checks mostly find theirs in the map
//! published with the policy and never come here.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use parking_lot::Mutex;

use crate::hash::Seeded;

/// Ids fit 24 bits (0 is never an id; all ones is reserved).
pub(super) const MAX_ID: u32 = (1 << 24) - 2;

/// The most names in the delta before it is folded into the base.
const DELTA_MAX: usize = 1024;

#[derive(Clone)]
struct Level {
    by_name: HashMap<Arc<str>, u32, Seeded>,
    /// `by_id[id - first]`.
    by_id: Vec<Arc<str>>,
    first: u32,
}

impl Level {
    fn new(seed: u64, first: u32) -> Level {
        Level {
            by_name: HashMap::with_hasher(Seeded::with_seed(seed)),
            by_id: Vec::new(),
            first,
        }
    }

    fn name(&self, id: u32) -> Option<&Arc<str>> {
        self.by_id.get(id.checked_sub(self.first)? as usize)
    }
}

struct Published {
    base: Arc<Level>,
    delta: Level,
}

impl Published {
    #[inline]
    fn get(&self, name: &str) -> Option<u32> {
        self.base
            .by_name
            .get(name)
            .or_else(|| self.delta.by_name.get(name))
            .copied()
    }

    fn next_id(&self) -> u32 {
        self.delta.first + self.delta.by_id.len() as u32
    }
}

pub(super) struct Names {
    published: ArcSwap<Published>,
    /// Taken by writers only: one new id at a time.
    writer: Mutex<()>,
    seed: u64,
}

impl Names {
    pub(super) fn new(seed: u64) -> Names {
        Names {
            published: ArcSwap::from_pointee(Published {
                base: Arc::new(Level::new(seed, 1)),
                delta: Level::new(seed, 1),
            }),
            writer: Mutex::new(()),
            seed,
        }
    }

    /// The id of `name`, if it has one. No lock.
    #[inline]
    pub(super) fn get(&self, name: &str) -> Option<u32> {
        self.published.load().get(name)
    }

    /// The id of `name`, given one if new; `None` when the ids ran out.
    #[inline]
    pub(super) fn id(&self, name: &str) -> Option<u32> {
        if let Some(id) = self.get(name) {
            return Some(id);
        }
        self.insert(std::iter::once(name)).ok()?;
        self.get(name)
    }

    /// Gives ids to every new name of `names` and publishes them.
    pub(super) fn insert<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Result<(), ()> {
        let _w = self.writer.lock();
        let cur = self.published.load_full();
        let mut base = cur.base.clone();
        let mut delta = cur.delta.clone();
        let mut full = false;
        let mut added = false;
        for name in names {
            if base.by_name.contains_key(name) || delta.by_name.contains_key(name) {
                continue;
            }
            let id = delta.first + delta.by_id.len() as u32;
            if id > MAX_ID {
                full = true;
                break;
            }
            let name: Arc<str> = name.into();
            delta.by_id.push(name.clone());
            delta.by_name.insert(name, id);
            added = true;
            if delta.by_id.len() >= DELTA_MAX {
                let mut b = Level::clone(&base);
                b.by_id.append(&mut delta.by_id);
                b.by_name.extend(delta.by_name.drain());
                base = Arc::new(b);
                delta = Level::new(self.seed, id + 1);
            }
        }
        if added {
            self.published.store(Arc::new(Published { base, delta }));
        }
        if full {
            Err(())
        } else {
            Ok(())
        }
    }

    /// The name of an id.
    pub(super) fn name(&self, id: u32) -> Option<Arc<str>> {
        let p = self.published.load();
        p.base.name(id).or_else(|| p.delta.name(id)).cloned()
    }

    pub(super) fn len(&self) -> usize {
        self.published.load().next_id() as usize - 1
    }

    /// Bytes held, roughly (names and map entries).
    pub(super) fn bytes(&self) -> usize {
        let p = self.published.load();
        let names: usize = p
            .base
            .by_id
            .iter()
            .chain(p.delta.by_id.iter())
            .map(|n| n.len() + 16)
            .sum();
        names * 2 + self.len() * 40
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_stable_and_survive_folding() {
        let names = Names::new(7);
        let many: Vec<String> = (0..3000).map(|i| format!("adv{i}")).collect();
        names.insert(many.iter().map(String::as_str)).unwrap();
        assert_eq!(names.len(), 3000);
        for (i, n) in many.iter().enumerate() {
            let id = names.get(n).unwrap();
            assert_eq!(id, i as u32 + 1);
            assert_eq!(names.name(id).as_deref(), Some(n.as_str()));
        }
        // One by one past another fold.
        for i in 3000..4100 {
            let n = format!("adv{i}");
            assert_eq!(names.id(&n), Some(i + 1));
            assert_eq!(names.id(&n), Some(i + 1));
        }
        assert_eq!(names.get("adv0"), Some(1));
        assert_eq!(names.get("nobody"), None);
        assert_eq!(names.name(0), None);
        assert_eq!(names.name(5000), None);
    }
}
