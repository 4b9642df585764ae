//! The hash of every map the check path reads: xxh3, one shot per `write`,
//! under a per-process random seed (so nobody can aim collisions at a
//! bucket), as a [`BuildHasher`] for `std`'s `HashMap`.
//!
//! `std`'s default (SipHash-1-3) costs ~100 instructions for a short key;
//! the streaming `xxhash_rust::xxh3::Xxh3` hasher buffers every write. A key
//! here is hashed in one or two writes (a string's bytes and its `0xff`
//! terminator, a number's `u64`), so chaining one-shot xxh3 calls through
//! the state is both cheaper and as well mixed.

use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The per-process seed: drawn from the OS once (std's `RandomState`); no
/// clock.
pub fn process_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        std::collections::hash_map::RandomState::new().hash_one(0x0063_6861_6e72_6163_u64)
    })
}

/// Builds [`SeededHasher`]s; `Default` takes the per-process seed.
#[derive(Clone, Copy, Debug)]
pub struct Seeded(u64);

impl Seeded {
    /// Under an explicit seed.
    pub fn with_seed(seed: u64) -> Seeded {
        Seeded(seed)
    }
}

impl Default for Seeded {
    fn default() -> Seeded {
        Seeded(process_seed())
    }
}

impl BuildHasher for Seeded {
    type Hasher = SeededHasher;
    #[inline]
    fn build_hasher(&self) -> SeededHasher {
        SeededHasher(self.0)
    }
}

/// xxh3 of each write, seeded by the state so far.
#[derive(Clone, Copy, Debug)]
pub struct SeededHasher(u64);

impl Hasher for SeededHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }

    #[inline]
    fn write_u8(&mut self, x: u8) {
        self.write_u64(u64::from(x));
    }

    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = xxh3_64_with_seed(&x.to_le_bytes(), self.0);
    }

    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` under [`Seeded`].
pub type Map<K, V> = std::collections::HashMap<K, V, Seeded>;
/// A `HashSet` under [`Seeded`].
pub type Set<K> = std::collections::HashSet<K, Seeded>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_equal_and_seeds_differ() {
        let a = Seeded::with_seed(1);
        let b = Seeded::with_seed(2);
        assert_eq!(a.hash_one("shopvn"), a.hash_one(String::from("shopvn")));
        assert_ne!(a.hash_one("shopvn"), b.hash_one("shopvn"));
        assert_ne!(a.hash_one(("ab", "c")), a.hash_one(("a", "bc")));
        let mut m: Map<Box<str>, u32> = Map::default();
        m.insert("bank".into(), 1);
        assert_eq!(m.get("bank"), Some(&1));
    }
}
