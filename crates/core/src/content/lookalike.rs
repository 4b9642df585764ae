//! Look-alike brands (`LOOKALIKE`): a link host or an alphanumeric sender
//! name that imitates a protected brand.
//!
//! Exactly:
//!
//! - a brand's **keys** are the skeleton of its name with digits read as
//!   letters (`0`→o, `1`→i, `3`→e, `4`→a, `5`→s, `7`→t, `8`→b), and the same
//!   of each label of its domains left of the public suffix;
//! - a host's **parts** are its labels left of the public suffix, each also
//!   split at hyphens, read the same way (skeleton, digits as letters); a
//!   sender name has one part, its skeleton read the same way;
//! - a part imitates a brand when it is within the allowed Levenshtein
//!   distance of one of its keys: 0 for keys of at most 4 letters, 1 for 5
//!   to 8, 2 for 9 or more;
//! - unless the host is under one of the brand's domains, or the event's
//!   advertiser is the brand's owner.
//!
//! `vietc0mbank-vn.top` and `b1dv.xyz` imitate (`vietcombank`, `bidv`);
//! `b0dv.xyz` does not (`bodv` is one edit from the 4-letter key `bidv`);
//! neither do `vietcombank.com.vn` (the brand's domain) and `zalopay.vn`
//! (`zalopay` is two edits from the 4-letter key `zalo`).
//!
//! Keys of up to 4 letters are looked up exactly in an [`fst::Map`]. The
//! others are in two symmetric-deletion indexes, one per allowed distance
//! `k` (1 for keys of 5 to 8 letters, 2 for 9 or more): every string a key
//! leaves once at most `k` of its letters are deleted is filed under its
//! hash. A part and a key are within `k` edits only if they leave a common
//! string (a replaced letter deleted on both sides, an inserted one on the
//! side that has it), so a part looks up the strings it leaves (`1 + n` for
//! `n` letters, and `n (n - 1) / 2` more at distance 2) and the keys found
//! are checked with Myers' bit-parallel distance: the cost grows with the
//! part and with the keys near it, not with the number of brands. Parts
//! of more than `HASHED_PART` (24) letters, rare, walk FSTs of the keys of
//! 9 letters or more with a banded Levenshtein automaton instead
//! ([`Lookalikes::find_linear`] is the naive twin).

use fst::{Automaton, IntoStreamer, Map, MapBuilder, Streamer};

use super::links::{labels_left_of_suffix, DomainList};
use super::skeleton;

/// A protected brand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    /// The name as people write it (`Vietcombank`).
    pub name: Box<str>,
    /// Its owner advertiser (empty: none).
    pub owner: Box<str>,
    /// Its real domains.
    pub domains: DomainList,
}

/// The protected brands, indexed for look-alike queries.
#[derive(Clone, Debug, Default)]
pub struct Lookalikes {
    brands: Vec<Brand>,
    /// Key → the key's number.
    /// One FST per allowed distance (keys of up to 4 letters, 5 to 8, 9 or
    /// more), so that each is searched with its own distance only.
    keys: [Option<Map<Vec<u8>>>; 3],
    /// The keys of 9 letters or more written backwards, for the backward
    /// walk of [`Lookalikes::find_long_part`].
    rev: Option<Map<Vec<u8>>>,
    /// Per key, the brands it is a key of: key `i`'s are
    /// `brand_ids[brand_ends[i - 1]..brand_ends[i]]`.
    brand_ids: Vec<u32>,
    brand_ends: Vec<u32>,
    /// Every key's letters, one after the other (key `i` ends at
    /// `key_ends[i]`), to check the deletion index's candidates.
    key_bytes: Vec<u8>,
    key_ends: Vec<u32>,
    /// The deletion indexes of the keys of 5 to 8 letters (one deletion)
    /// and of 9 to `HASHED_PART + 2` (two deletions).
    deletions: [Deletions; 2],
}

/// A skeleton with digits read as letters.
pub fn read_as_letters(s: &str) -> String {
    if s.is_ascii() {
        // The skeleton of ASCII is its letters in lower case and its
        // digits (host labels, A-labels, always are): no folding buffer.
        return s
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| read(char::from(b.to_ascii_lowercase())))
            .collect();
    }
    skeleton(s).chars().map(read).collect()
}

/// A skeleton's character read as a letter (`0` → `o`, `4` → `a`).
fn read(c: char) -> char {
    match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        c => c,
    }
}

/// The allowed distance for a key of `len` letters.
pub fn allowed_distance(len: usize) -> u8 {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

impl Lookalikes {
    /// Indexes `brands` (keys shorter than 3 letters are dropped: every
    /// two-letter label would imitate something).
    pub fn new(brands: Vec<Brand>) -> Lookalikes {
        let mut pairs: Vec<(String, u32)> = Vec::new();
        for (i, b) in brands.iter().enumerate() {
            let i = i as u32;
            pairs.push((read_as_letters(&b.name), i));
            for (d, _) in b.domains.entries() {
                let d = d.trim_start_matches("*.");
                let host = super::links::host_to_ascii(d);
                for l in labels_left_of_suffix(&host) {
                    pairs.push((read_as_letters(l), i));
                }
            }
        }
        pairs.retain(|(k, _)| k.len() >= 3);
        pairs.sort();
        pairs.dedup();
        let mut brand_ids: Vec<u32> = Vec::new();
        let mut brand_ends: Vec<u32> = Vec::new();
        let mut key_bytes: Vec<u8> = Vec::new();
        let mut key_ends: Vec<u32> = Vec::new();
        let mut builders = [
            MapBuilder::memory(),
            MapBuilder::memory(),
            MapBuilder::memory(),
        ];
        let mut last: Option<&str> = None;
        for (k, i) in &pairs {
            if last == Some(k.as_str()) {
                brand_ids.push(*i);
                if let Some(e) = brand_ends.last_mut() {
                    *e = brand_ids.len() as u32;
                }
                continue;
            }
            let class = usize::from(allowed_distance(k.len()));
            // Keys are sorted and distinct here, so insertion cannot fail.
            if let Some(b) = builders.get_mut(class) {
                let _ = b.insert(k, brand_ends.len() as u64);
            }
            brand_ids.push(*i);
            brand_ends.push(brand_ids.len() as u32);
            key_bytes.extend_from_slice(k.as_bytes());
            key_ends.push(key_bytes.len() as u32);
            last = Some(k);
        }
        let keys = builders.map(|b| b.into_inner().ok().and_then(|bytes| Map::new(bytes).ok()));
        let rev = (|| {
            let map = keys[2].as_ref()?;
            let mut backwards: Vec<(Vec<u8>, u64)> = Vec::with_capacity(map.len());
            let mut s = map.stream();
            while let Some((k, v)) = s.next() {
                backwards.push((k.iter().rev().copied().collect(), v));
            }
            backwards.sort_unstable();
            Map::from_iter(backwards).ok()
        })();
        let mut starts = 0;
        let key_list: Vec<&[u8]> = key_ends
            .iter()
            .map(|&e| {
                let k = key_bytes.get(starts..e as usize).unwrap_or_default();
                starts = e as usize;
                k
            })
            .collect();
        let deletions = [1u8, 2].map(|d| {
            Deletions::new(
                d,
                key_list
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| allowed_distance(k.len()) == d && k.len() <= HASHED_PART + 2),
            )
        });
        Lookalikes {
            key_bytes,
            key_ends,
            deletions,
            brands,
            keys,
            rev,
            brand_ids,
            brand_ends,
        }
    }

    /// How many brands.
    pub fn len(&self) -> usize {
        self.brands.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty()
    }

    /// Brand `i` (panics when out of range, like slice indexing).
    pub fn brand(&self, i: u32) -> &Brand {
        &self.brands[i as usize]
    }

    /// Every brand, in index order.
    pub fn brands(&self) -> &[Brand] {
        &self.brands
    }

    /// Calls `f` with every brand one of whose keys `part` (already read
    /// as letters) is within that key's allowed distance of (a brand may
    /// come more than once).
    ///
    /// Keys of up to 4 letters are looked up exactly in their FST; the
    /// others through their deletion index (parts of up to `HASHED_PART`
    /// letters: every key that shares a string with the part once each has
    /// lost at most its class's distance of letters, checked with
    /// [`distance`]) or, for longer parts, by two walks over the FSTs.
    pub fn find_part(&self, part: &str, mut f: impl FnMut(u32)) {
        let q = part.as_bytes();
        let n = q.len();
        if !(3..=MAX_PART).contains(&n) {
            return;
        }
        // Keys of up to 4 letters: exact. Keys of 5 to 8 letters: one edit,
        // so only parts of 4 to 9 letters. Keys of 9 or more: two edits,
        // so only parts of 7 or more.
        if n <= 4 {
            if let Some(v) = self.keys[0].as_ref().and_then(|m| m.get(part)) {
                self.emit(v, &mut f);
            }
        }
        // Parts of up to `HASHED_PART` letters: the deletion indexes.
        if n <= HASHED_PART {
            with_scratch(|sc| self.find_hashed(q, sc, &mut f));
            return;
        }
        self.find_long_part(q, &mut f);
    }

    /// [`Lookalikes::find_part`] for a part of at most `HASHED_PART`
    /// letters: its deletion indexes, with this thread's scratch.
    fn find_hashed(&self, q: &[u8], sc: &mut Scratch, f: &mut impl FnMut(u32)) {
        let n = q.len();
        let mut loaded = false;
        for (index, (lo, hi)) in self.deletions.iter().zip([(4, 9), (7, HASHED_PART)]) {
            if n < lo || n > hi {
                continue;
            }
            sc.cands.clear();
            index.candidates(q, &mut sc.hashes, &mut sc.spans, &mut sc.cands);
            if sc.cands.is_empty() {
                continue;
            }
            if !loaded {
                sc.myers.load(q);
                loaded = true;
            }
            // A key near the part comes from many of its strings: those
            // checked last are skipped (a direct-mapped memory; one that
            // was pushed out may be checked, and found, again).
            let mut seen = [u32::MAX; 64];
            for &id in &sc.cands {
                let slot = &mut seen[id as usize % 64];
                if *slot == id {
                    continue;
                }
                *slot = id;
                if sc.myers.distance(self.key(id), index.k) <= index.k {
                    self.emit(u64::from(id), f);
                }
            }
        }
        if loaded {
            sc.myers.unload(q);
        }
    }

    /// The letters of key `id`.
    fn key(&self, id: u32) -> &[u8] {
        let id = id as usize;
        let end = self.key_ends.get(id).map_or(0, |&e| e as usize);
        let start = match id.checked_sub(1) {
            Some(p) => self.key_ends.get(p).map_or(0, |&e| e as usize),
            None => 0,
        };
        self.key_bytes.get(start..end).unwrap_or_default()
    }

    /// The keys within two edits of a part longer than `HASHED_PART`
    /// letters, in two walks over the FSTs of the keys of 9 letters or
    /// more.
    ///
    /// Split the part into a front (its first `h = n / 2` letters) and the
    /// rest; an alignment of at most 2 edits spends `c` of them before it
    /// has read the whole front. The forward walk allows none there
    /// (`c = 0`: the key starts with the front, so the walk follows one
    /// path of the FST that far); the backward walk, over the keys and the
    /// part written backwards, allows at most one edit before it has read
    /// the rest (`c ≥ 1` leaves at most one for the rest). Both accept a
    /// key only when its whole distance is within 2.
    fn find_long_part(&self, q: &[u8], f: &mut impl FnMut(u32)) {
        let n = q.len();
        let mut backwards = [0u8; MAX_PART];
        for (b, &c) in backwards.iter_mut().zip(q.iter().rev()) {
            *b = c;
        }
        let backwards = backwards.get(..n).unwrap_or_default();
        let h = n / 2;
        if let Some(map) = &self.keys[2] {
            self.walk(map, &Lev::new(q, 2, h, 0), f);
        }
        if let Some(map) = &self.rev {
            self.walk(map, &Lev::new(backwards, 2, n - h + 1, 1), f);
        }
    }

    /// [`Lookalikes::find_part`] with one unrestricted walk a distance
    /// class (the plain Levenshtein automaton over the whole FST): the
    /// bench's baseline and a second twin in the tests.
    #[doc(hidden)]
    pub fn find_part_one_walk(&self, part: &str, mut f: impl FnMut(u32)) {
        let q = part.as_bytes();
        let n = q.len();
        if !(3..=MAX_PART).contains(&n) {
            return;
        }
        if n <= 4 {
            if let Some(v) = self.keys[0].as_ref().and_then(|m| m.get(part)) {
                self.emit(v, &mut f);
            }
        }
        for (class, lo, hi) in CLASSES {
            if n < lo || n > hi {
                continue;
            }
            if let Some(map) = &self.keys[class] {
                self.walk(map, &Lev::new(q, class as u8, 0, 0), &mut f);
            }
        }
    }

    fn walk(&self, map: &Map<Vec<u8>>, aut: &Lev<'_>, f: &mut impl FnMut(u32)) {
        let mut s = map.search(aut).into_stream();
        while let Some((_, v)) = s.next() {
            self.emit(v, f);
        }
    }

    /// The index's heap size in bytes (the FSTs, the deletion indexes, the
    /// keys' letters and brands; not the brands themselves).
    pub fn index_bytes(&self) -> usize {
        let fsts: usize = self
            .keys
            .iter()
            .chain(std::iter::once(&self.rev))
            .flatten()
            .map(|m| m.as_fst().as_bytes().len())
            .sum();
        let deletions: usize = self.deletions.iter().map(Deletions::bytes).sum();
        let lists = 4 * (self.brand_ids.capacity() + self.brand_ends.capacity());
        fsts + deletions + lists + self.key_bytes.capacity() + 4 * self.key_ends.capacity()
    }

    fn emit(&self, v: u64, f: &mut impl FnMut(u32)) {
        let v = v as usize;
        let end = self.brand_ends.get(v).map_or(0, |&e| e as usize);
        let start = match v.checked_sub(1) {
            Some(p) => self.brand_ends.get(p).map_or(0, |&e| e as usize),
            None => 0,
        };
        for &i in self.brand_ids.get(start..end).unwrap_or_default() {
            f(i);
        }
    }

    /// The naive twin of [`Lookalikes::find_part`]: every key compared.
    pub fn find_linear(&self, part: &str, mut f: impl FnMut(u32)) {
        if part.len() < 3 || part.len() > MAX_PART {
            return;
        }
        for id in 0..self.key_ends.len() as u32 {
            let k = self.key(id);
            if distance(k, part.as_bytes()) <= allowed_distance(k.len()) {
                self.emit(u64::from(id), &mut f);
            }
        }
    }

    /// The brands `host` (A-label, lower case) imitates, before the
    /// owner exemption: sorted, each once, without those `host` is under.
    pub fn imitated_by_host(&self, host: &str) -> Vec<u32> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        for label in labels_left_of_suffix(host) {
            let whole = read_as_letters(label);
            self.find_part(&whole, |i| out.push(i));
            if label.contains('-') {
                for piece in label.split('-') {
                    self.find_part(&read_as_letters(piece), |i| out.push(i));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&i| !self.brands[i as usize].domains.covers(host));
        out
    }

    /// The brands a sender name imitates (its skeleton read as letters),
    /// before the owner exemption; sorted, each once.
    pub fn imitated_by_name(&self, name: &str) -> Vec<u32> {
        let mut out = Vec::new();
        self.find_part(&read_as_letters(name), |i| out.push(i));
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Levenshtein distance between a key `a` and a part `b` (at most
/// `MAX_PART` letters), capped at 3; allocation-free.
pub fn distance(a: &[u8], b: &[u8]) -> u8 {
    if a.len().abs_diff(b.len()) > 2 || b.len() > MAX_PART {
        return 3;
    }
    let mut prev = [0u8; MAX_PART + 1];
    let mut cur = [0u8; MAX_PART + 1];
    for (j, d) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *d = j.min(3) as u8;
    }
    for (i, &x) in a.iter().enumerate() {
        cur[0] = (i + 1).min(3) as u8;
        for (j, &y) in b.iter().enumerate() {
            let sub = prev[j] + u8::from(x != y);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1).min(3);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The longest part looked up (a DNS label has at most 63 letters).
const MAX_PART: usize = 63;

/// The two searched classes: (allowed distance, shortest and longest part
/// that can be within it of one of their keys).
const CLASSES: [(usize, usize, usize); 2] = [(1, 4, 9), (2, 7, MAX_PART)];

/// Myers' bit-parallel edit distance (in Hyyrö's form) to one part of at
/// most 64 letters, its letters' positions precomputed once.
struct Myers {
    peq: [u64; 256],
    last: u64,
    len: usize,
}

impl Myers {
    /// An empty part (load one with [`Myers::load`]).
    fn empty() -> Myers {
        Myers {
            peq: [0; 256],
            last: 0,
            len: 0,
        }
    }

    /// Readies the distance to `part`; the last part loaded, if any, must
    /// have been unloaded.
    fn load(&mut self, part: &[u8]) {
        let len = part.len().min(64);
        for (i, &c) in part.iter().take(len).enumerate() {
            self.peq[usize::from(c)] |= 1 << i;
        }
        self.last = len.checked_sub(1).map_or(0, |l| 1 << l);
        self.len = len;
    }

    /// Clears what [`Myers::load`] of `part` set (a part's letters only,
    /// not the whole table).
    fn unload(&mut self, part: &[u8]) {
        for &c in part {
            self.peq[usize::from(c)] = 0;
        }
        (self.last, self.len) = (0, 0);
    }

    /// The Levenshtein distance between `key` and the part, or some value
    /// over `max` when it is over `max`.
    fn distance(&self, key: &[u8], max: u8) -> u8 {
        let max = usize::from(max);
        if key.len().abs_diff(self.len) > max {
            return u8::MAX;
        }
        if self.len == 0 {
            return key.len().min(255) as u8;
        }
        let mask = if self.len == 64 {
            u64::MAX
        } else {
            (1u64 << self.len) - 1
        };
        let (mut pv, mut mv) = (mask, 0u64);
        let mut score = self.len;
        for (read, &c) in key.iter().enumerate() {
            let eq = self.peq[usize::from(c)];
            let xv = eq | mv;
            let xh = (((eq & pv).wrapping_add(pv)) ^ pv) | eq;
            let mut ph = mv | !(xh | pv);
            let mut mh = pv & xh;
            if ph & self.last != 0 {
                score += 1;
            } else if mh & self.last != 0 {
                score -= 1;
            }
            ph = (ph << 1) | 1;
            mh <<= 1;
            pv = (mh | !(xv | ph)) & mask;
            mv = ph & xv & mask;
            // the last column changes by at most one a letter
            if score > max + (key.len() - read - 1) {
                return u8::MAX;
            }
        }
        score.min(255) as u8
    }
}

/// The longest part looked up in the deletion indexes (a part of `n`
/// letters has `1 + n + n (n - 1) / 2` strings with at most two letters
/// deleted; longer ones, rare, walk the FSTs).
const HASHED_PART: usize = 24;

/// The most strings a part of `HASHED_PART` letters leaves with at most
/// two letters deleted (the scratch's first size).
const MAX_VARIANTS: usize = 1 + HASHED_PART + HASHED_PART * (HASHED_PART - 1) / 2;

/// What a lookup of a part in the deletion indexes writes as it goes, kept
/// by each thread: a lookup then neither allocates nor clears kilobytes of
/// stack (the strings' hashes, their buckets, the distance's table).
struct Scratch {
    hashes: Vec<u64>,
    spans: Vec<(u32, u32)>,
    cands: Vec<u32>,
    myers: Myers,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            hashes: Vec::with_capacity(MAX_VARIANTS),
            spans: Vec::with_capacity(MAX_VARIANTS),
            cands: Vec::new(),
            myers: Myers::empty(),
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::new());
}

/// Runs `f` with this thread's scratch (a fresh one should it be in use,
/// as when a lookup's callback looks up another part).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut sc) => f(&mut sc),
        Err(_) => f(&mut Scratch::new()),
    })
}

/// A symmetric-deletion index of the keys of one distance class `k`: a
/// part and a key are within `k` edits only if deleting at most `k` letters
/// from each leaves the same string (a replaced letter is deleted on both
/// sides, an inserted one on one side), so every string a key leaves with
/// at most `k` letters deleted is filed under its 64-bit hash, and a part
/// looks up each of its own. Entries sorted by hash: `dir[b]..dir[b + 1]`
/// are those whose hash's top bits are `b`; an entry is the key's number
/// in its low `id_bits` and more bits of the hash above them. Hash
/// collisions only add candidates, which are checked with [`distance`].
#[derive(Clone, Debug, Default)]
struct Deletions {
    k: u8,
    dir: Vec<u32>,
    entries: Vec<u32>,
    shift: u32,
    id_bits: u32,
}

impl Deletions {
    fn new<'a>(k: u8, keys: impl Iterator<Item = (usize, &'a &'a [u8])>) -> Deletions {
        let keys: Vec<(u32, &[u8])> = keys.map(|(id, k)| (id as u32, *k)).collect();
        let count: usize = keys
            .iter()
            .map(|(_, key)| {
                let n = key.len();
                1 + n
                    + if k >= 2 {
                        n * n.saturating_sub(1) / 2
                    } else {
                        0
                    }
            })
            .sum();
        let most = keys.iter().map(|&(id, _)| id).max().unwrap_or(0);
        let id_bits = 32 - most.leading_zeros();
        let bits = (usize::BITS - (count / 8).max(1).leading_zeros()).clamp(1, 30);
        let shift = 64 - bits;
        let low = |h: u64| (h as u32).checked_shr(id_bits).map_or(0, |x| x << id_bits);
        // (top bits of the hash, entry)
        let mut packed: Vec<u64> = Vec::with_capacity(count);
        for &(id, key) in &keys {
            deleted::<{ MAX_PART + 3 }>(key, k, |h| {
                packed.push((h >> shift) << 32 | u64::from(low(h) | id))
            });
        }
        packed.sort_unstable();
        packed.dedup();
        let mut dir = Vec::with_capacity((1usize << bits) + 1);
        let mut at = 0usize;
        for b in 0..=(1u64 << bits) {
            while packed.get(at).is_some_and(|&e| e >> 32 < b) {
                at += 1;
            }
            dir.push(at as u32);
        }
        Deletions {
            k,
            dir,
            entries: packed.into_iter().map(|e| e as u32).collect(),
            shift,
            id_bits,
        }
    }

    /// Pushes the number of every key filed under one of the strings `q`
    /// leaves with at most `k` letters deleted (repeats included).
    /// `hashes` and `spans`: scratch (their contents are replaced). For a
    /// part of at most `HASHED_PART` letters.
    fn candidates(
        &self,
        q: &[u8],
        hashes: &mut Vec<u64>,
        spans: &mut Vec<(u32, u32)>,
        out: &mut Vec<u32>,
    ) {
        if self.entries.is_empty() {
            return;
        }
        let ids = 1u32.checked_shl(self.id_bits).map_or(u32::MAX, |x| x - 1);
        // Every hash first, then every bucket's bounds, then the buckets:
        // the loads of each stage do not wait for one another.
        hashes.clear();
        deleted::<{ HASHED_PART + 3 }>(q, self.k, |h| hashes.push(h));
        spans.clear();
        spans.extend(hashes.iter().map(|&h| {
            let b = (h >> self.shift) as usize;
            match (self.dir.get(b), self.dir.get(b + 1)) {
                (Some(&lo), Some(&hi)) => (lo, hi),
                _ => (0, 0),
            }
        }));
        for (&(lo, hi), &h) in spans.iter().zip(hashes.iter()) {
            // a bucket is sorted, so the entries with these hash bits are
            // together
            let want = h as u32 & !ids;
            let bucket = self
                .entries
                .get(lo as usize..hi as usize)
                .unwrap_or_default();
            let from = bucket.partition_point(|&e| e & !ids < want);
            for &e in bucket.get(from..).unwrap_or_default() {
                if e & !ids != want {
                    break;
                }
                out.push(e & ids);
            }
        }
    }

    fn bytes(&self) -> usize {
        4 * (self.dir.capacity() + self.entries.capacity())
    }
}

/// Calls `f` with the hash of every string `s` (at most `MAX_PART + 2`
/// letters) leaves with at most `k` ≤ 2 letters deleted (the same string
/// more than once when deleting different letters leaves it).
fn deleted<const N: usize>(s: &[u8], k: u8, mut f: impl FnMut(u64)) {
    const B: u64 = 0x100_0000_01b3;
    let n = s.len().min(N - 1);
    // pre[t]: hash of s[..t]; pw[t]: B^t.
    let mut pre = [0u64; N];
    let mut pw = [1u64; N];
    for t in 0..n {
        pre[t + 1] = pre[t].wrapping_mul(B).wrapping_add(u64::from(s[t]) + 1);
        pw[t + 1] = pw[t].wrapping_mul(B);
    }
    // hash of s[a..b]
    let sub = |a: usize, b: usize| pre[b].wrapping_sub(pre[a].wrapping_mul(pw[b - a]));
    let fin = |h: u64, len: usize| {
        let mut x = h ^ ((len as u64) << 57);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    f(fin(pre[n], n));
    if k == 0 || n == 0 {
        return;
    }
    for i in 0..n {
        // s without s[i]
        let left = pre[i].wrapping_mul(pw[n - 1 - i]);
        f(fin(left.wrapping_add(sub(i + 1, n)), n - 1));
        if k < 2 {
            continue;
        }
        for j in i + 1..n {
            // s without s[i] and s[j]
            let h = pre[i]
                .wrapping_mul(pw[n - 2 - i])
                .wrapping_add(sub(i + 1, j).wrapping_mul(pw[n - 1 - j]))
                .wrapping_add(sub(j + 1, n));
            f(fin(h, n - 2));
        }
    }
}

/// A Levenshtein automaton over bytes (distance at most `max` ≤ 2): the
/// state is the key length read so far and the band of the dynamic
/// programme's row around the diagonal (entries `i - max ..= i + max`; the
/// others are over `max` anyway), so a transition costs `2 max + 1` steps
/// whatever the query's length; `None` once the band is all over `max`.
///
/// With a budget: the entries for the first `front` letters of the query
/// that are over `budget` count as over `max`, so only alignments that
/// spend at most `budget` edits before reading the whole front survive
/// (edits are never taken back along an alignment, so this is a cut of the
/// paths, not of the answer: a key accepted is still within `max`).
struct Lev<'a> {
    query: &'a [u8],
    max: u8,
    front: usize,
    budget: u8,
}

impl<'a> Lev<'a> {
    fn new(query: &'a [u8], max: u8, front: usize, budget: u8) -> Lev<'a> {
        let max = max.min(2);
        Lev {
            query,
            max,
            front,
            budget: budget.min(max),
        }
    }

    fn cap(&self) -> u8 {
        self.max + 1
    }

    /// Entry `v` for query length `j`, capped, the front's budget applied.
    fn bound(&self, j: usize, v: u8) -> u8 {
        if j < self.front && v > self.budget {
            self.cap()
        } else {
            v.min(self.cap())
        }
    }
}

/// The band: `depth` key bytes read; `d[t]` is the row's entry for query
/// length `depth - max + t`.
#[derive(Clone, Copy)]
struct Band {
    depth: usize,
    d: [u8; 5],
}

impl Automaton for Lev<'_> {
    type State = Option<Band>;

    fn start(&self) -> Self::State {
        let k = usize::from(self.max);
        let mut d = [self.cap(); 5];
        for (t, e) in d.iter_mut().enumerate().take(2 * k + 1) {
            // query length t - k at depth 0: distance t - k.
            if t >= k && t - k <= self.query.len() {
                *e = self.bound(t - k, (t - k).min(8) as u8);
            }
        }
        Some(Band { depth: 0, d })
    }

    fn is_match(&self, state: &Self::State) -> bool {
        let Some(b) = state else {
            return false;
        };
        let k = usize::from(self.max);
        // the entry for the whole query: t = m - depth + k
        (self.query.len() + k)
            .checked_sub(b.depth)
            .filter(|&t| t <= 2 * k)
            .is_some_and(|t| b.d[t] <= self.max)
    }

    fn can_match(&self, state: &Self::State) -> bool {
        state.is_some()
    }

    fn accept(&self, state: &Self::State, byte: u8) -> Self::State {
        let b = state.as_ref()?;
        let k = usize::from(self.max);
        let cap = self.cap();
        let depth = b.depth + 1;
        let mut d = [cap; 5];
        let mut best = cap;
        for t in 0..=2 * k {
            // query length j of the new entry
            let Some(j) = (depth + t).checked_sub(k) else {
                continue;
            };
            if j > self.query.len() {
                break;
            }
            let v = if j == 0 {
                (depth.min(usize::from(cap))) as u8
            } else {
                let diag = b.d[t] + u8::from(self.query[j - 1] != byte);
                let up = b.d.get(t + 1).copied().filter(|_| t < 2 * k).unwrap_or(cap) + 1;
                let left = if t >= 1 { d[t - 1] } else { cap } + 1;
                diag.min(up).min(left)
            };
            d[t] = self.bound(j, v);
            best = best.min(d[t]);
        }
        (best <= self.max).then_some(Band { depth, d })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::content::links::DomainAction;

    fn brand(name: &str, owner: &str, domains: &[&str]) -> Brand {
        let mut d = DomainList::default();
        for x in domains {
            d.insert(x, DomainAction::Allow).unwrap();
        }
        Brand {
            name: name.into(),
            owner: owner.into(),
            domains: d,
        }
    }

    fn set() -> Lookalikes {
        Lookalikes::new(vec![
            brand("Vietcombank", "vcb", &["vietcombank.com.vn"]),
            brand("BIDV", "bidv", &["bidv.com.vn"]),
            brand("ACB", "acb", &["acb.com.vn"]),
            brand("Zalo", "vng", &["zalo.me"]),
        ])
    }

    #[test]
    fn contract_examples() {
        let s = set();
        assert_eq!(s.imitated_by_host("vietc0mbank-vn.top"), [0]);
        assert_eq!(s.imitated_by_host("vietcombank-vn.top"), [0]);
        assert_eq!(s.imitated_by_host("b1dv.xyz"), [1]);
        assert_eq!(s.imitated_by_host("b0dv.xyz"), Vec::<u32>::new());
        assert_eq!(s.imitated_by_host("vietcombank.com.vn"), Vec::<u32>::new());
        assert_eq!(
            s.imitated_by_host("ebank.vietcombank.com.vn"),
            Vec::<u32>::new()
        );
        assert_eq!(s.imitated_by_host("zalopay.vn"), Vec::<u32>::new());
        assert_eq!(s.imitated_by_host("acb-vn.net"), [2]);
        assert_eq!(s.imitated_by_host("vietcornbank.xyz"), [0]);
        assert_eq!(s.imitated_by_name("VIETC0MBANK"), [0]);
        assert_eq!(s.imitated_by_name("BIDV"), [1]);
        assert_eq!(s.imitated_by_name("SHOPVN"), Vec::<u32>::new());
    }

    proptest::proptest! {
        /// ASCII is read as letters as its skeleton is.
        #[test]
        fn ascii_read_as_its_skeleton(s in "[ -~]{0,32}") {
            let general: String = skeleton(&s).chars().map(read).collect();
            proptest::prop_assert_eq!(read_as_letters(&s), general);
        }
    }

    /// A lookup from inside another's callback (which holds the thread's
    /// scratch) finds what it finds alone, and leaves the outer one's
    /// answers as they were.
    #[test]
    fn nested_lookups_agree() {
        let s = Lookalikes::new(
            ["vietcombank", "techcombank", "agribank", "vietinbank"]
                .iter()
                .map(|n| brand(n, "", &[]))
                .collect(),
        );
        let alone = |q: &str| {
            let mut v = Vec::new();
            s.find_part(q, |i| v.push(i));
            v
        };
        let (outer, inner) = (alone("vietcombamk"), alone("agribamk"));
        let (mut got_outer, mut got_inner) = (Vec::new(), Vec::new());
        s.find_part("vietcombamk", |i| {
            got_outer.push(i);
            s.find_part("agribamk", |j| got_inner.push(j));
        });
        assert_eq!(got_outer, outer);
        assert!(!outer.is_empty() && !inner.is_empty());
        assert_eq!(got_inner, inner.repeat(outer.len()));
    }

    #[test]
    fn automaton_agrees_with_linear_scan() {
        let names = [
            "vietcombank",
            "techcombank",
            "bidv",
            "acb",
            "agribank",
            "vietinbank",
            "mbbank",
            "tpbank",
            "sacombank",
            "zalo",
            "momo",
            "viettel",
            "vinaphone",
            "shopee",
            "lazada",
        ];
        let s = Lookalikes::new(names.iter().map(|n| brand(n, "", &[])).collect());
        let mut seed = 11u64;
        let alphabet = b"abcdeiklmnopstvz";
        for _ in 0..3000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let base = names[(seed >> 33) as usize % names.len()]
                .as_bytes()
                .to_vec();
            let mut q = base.clone();
            for e in 0..((seed >> 40) % 4) {
                let at = ((seed >> (8 * e)) as usize) % (q.len() + 1);
                let c = alphabet[((seed >> (3 * e + 5)) as usize) % alphabet.len()];
                match (seed >> (e + 50)) % 3 {
                    0 if at < q.len() => q[at] = c,
                    1 => q.insert(at, c),
                    _ if at < q.len() => {
                        q.remove(at);
                    }
                    _ => {}
                }
            }
            let q = String::from_utf8(q).unwrap();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            s.find_part(&q, |i| a.push(i));
            s.find_linear(&q, |i| b.push(i));
            a.sort_unstable();
            a.dedup();
            b.sort_unstable();
            b.dedup();
            assert_eq!(a, b, "{q}");
        }
    }
}
