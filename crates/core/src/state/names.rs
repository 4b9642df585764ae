//! Advertiser names as small numbers, so a pair fits one 64-bit key.
//!
//! The names the engine knows — every advertiser of the policy, seeded at
//! build and at each swap — sit in an immutable map published with
//! `arc-swap`: a check looks its advertiser up with no lock. A name never seen
//! before gets the next id under a mutex (once), and the published map is
//! rebuilt when the names added since make up an eighth of it, so the cost
//! per new name stays constant; until then, lookups of those few new names
//! take the mutex. Ids are never reused: the journal and the table key
//! outlive any policy.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use parking_lot::Mutex;

use crate::hash::Seeded;

/// Ids fit 24 bits (0 is never an id; all ones is reserved).
pub(super) const MAX_ID: u32 = (1 << 24) - 2;

#[derive(Clone)]
struct Map {
    by_name: HashMap<Arc<str>, u32, Seeded>,
    /// `by_id[id - 1]`.
    by_id: Vec<Arc<str>>,
}

pub(super) struct Names {
    published: ArcSwap<Map>,
    /// Every name, the newest not yet published included.
    all: Mutex<Map>,
}

impl Names {
    pub(super) fn new(seed: u64) -> Names {
        let m = Map {
            by_name: HashMap::with_hasher(Seeded::with_seed(seed)),
            by_id: Vec::new(),
        };
        Names {
            published: ArcSwap::from_pointee(m.clone()),
            all: Mutex::new(m),
        }
    }

    /// The id of `name`, if it has one.
    #[inline]
    pub(super) fn get(&self, name: &str) -> Option<u32> {
        if let Some(&id) = self.published.load().by_name.get(name) {
            return Some(id);
        }
        self.all.lock().by_name.get(name).copied()
    }

    /// The id of `name`, given one if new; `None` when the ids ran out.
    #[inline]
    pub(super) fn id(&self, name: &str) -> Option<u32> {
        if let Some(&id) = self.published.load().by_name.get(name) {
            return Some(id);
        }
        self.insert(std::iter::once(name)).ok()?;
        self.all.lock().by_name.get(name).copied()
    }

    /// Gives ids to every new name of `names`, then publishes when due.
    pub(super) fn insert<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Result<(), ()> {
        let mut all = self.all.lock();
        let mut full = false;
        for name in names {
            if all.by_name.contains_key(name) {
                continue;
            }
            let id = all.by_id.len() as u32 + 1;
            if id > MAX_ID {
                full = true;
                break;
            }
            let name: Arc<str> = name.into();
            all.by_id.push(name.clone());
            all.by_name.insert(name, id);
        }
        let published = self.published.load().by_id.len();
        if all.by_id.len() > published && (all.by_id.len() - published) * 8 > published {
            self.published.store(Arc::new(all.clone()));
        }
        if full {
            Err(())
        } else {
            Ok(())
        }
    }

    /// The name of an id.
    pub(super) fn name(&self, id: u32) -> Option<Arc<str>> {
        let i = (id as usize).checked_sub(1)?;
        if let Some(n) = self.published.load().by_id.get(i) {
            return Some(n.clone());
        }
        self.all.lock().by_id.get(i).cloned()
    }

    pub(super) fn len(&self) -> usize {
        self.all.lock().by_id.len()
    }

    /// Bytes held, roughly (names and map entries).
    pub(super) fn bytes(&self) -> usize {
        let all = self.all.lock();
        let names: usize = all.by_id.iter().map(|n| n.len() + 16).sum();
        names * 2 + all.by_id.len() * 40
    }
}
