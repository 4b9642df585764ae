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
//! The keys are held in three [`fst::Map`]s, one per allowed distance (keys
//! of up to 4 letters, 5 to 8, 9 or more); a part is looked up exactly in
//! the first, with a one-edit Levenshtein automaton in the second (parts of
//! 4 to 9 letters) and a two-edit one in the third (parts of 7 or more),
//! each walked over its FST; so the cost grows with the part, not with the
//! number of brands ([`Lookalikes::find_linear`] is the naive twin).

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
    /// Key → index into `lists`.
    /// One FST per allowed distance (keys of up to 4 letters, 5 to 8, 9 or
    /// more), so that each is searched with its own distance only.
    keys: [Option<Map<Vec<u8>>>; 3],
    /// Per key, the brands it is a key of.
    lists: Vec<Vec<u32>>,
    /// Every key, for the linear twin.
    plain: Vec<(Box<str>, u32)>,
}

/// A skeleton with digits read as letters.
pub fn read_as_letters(s: &str) -> String {
    skeleton(s)
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '8' => 'b',
            c => c,
        })
        .collect()
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
        let mut lists: Vec<Vec<u32>> = Vec::new();
        let mut builders = [
            MapBuilder::memory(),
            MapBuilder::memory(),
            MapBuilder::memory(),
        ];
        let mut last: Option<&str> = None;
        for (k, i) in &pairs {
            if last == Some(k.as_str()) {
                if let Some(l) = lists.last_mut() {
                    l.push(*i);
                }
                continue;
            }
            let class = usize::from(allowed_distance(k.len()));
            // Keys are sorted and distinct here, so insertion cannot fail.
            if let Some(b) = builders.get_mut(class) {
                let _ = b.insert(k, lists.len() as u64);
            }
            lists.push(vec![*i]);
            last = Some(k);
        }
        let keys = builders.map(|b| b.into_inner().ok().and_then(|bytes| Map::new(bytes).ok()));
        Lookalikes {
            plain: pairs.iter().map(|(k, i)| (k.as_str().into(), *i)).collect(),
            brands,
            keys,
            lists,
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
    pub fn find_part(&self, part: &str, mut f: impl FnMut(u32)) {
        let n = part.len();
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
        for (class, lo, hi) in [(1usize, 4usize, 9usize), (2, 7, MAX_PART)] {
            if n < lo || n > hi {
                continue;
            }
            let Some(map) = &self.keys[class] else {
                continue;
            };
            let aut = Lev::new(part.as_bytes(), class as u8);
            let mut s = map.search(&aut).into_stream();
            while let Some((_, v)) = s.next() {
                self.emit(v, &mut f);
            }
        }
    }

    fn emit(&self, v: u64, f: &mut impl FnMut(u32)) {
        if let Some(l) = self.lists.get(v as usize) {
            l.iter().for_each(|&i| f(i));
        }
    }

    /// The naive twin of [`Lookalikes::find_part`]: every key compared.
    pub fn find_linear(&self, part: &str, mut f: impl FnMut(u32)) {
        if part.len() < 3 || part.len() > MAX_PART {
            return;
        }
        for (k, i) in &self.plain {
            if distance(k.as_bytes(), part.as_bytes()) <= allowed_distance(k.len()) {
                f(*i);
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

/// A Levenshtein automaton over bytes (distance at most `max` ≤ 2): the
/// state is the key length read so far and the band of the dynamic
/// programme's row around the diagonal (entries `i - max ..= i + max`; the
/// others are over `max` anyway), so a transition costs `2 max + 1` steps
/// whatever the query's length; `None` once the band is all over `max`.
struct Lev<'a> {
    query: &'a [u8],
    max: u8,
}

impl<'a> Lev<'a> {
    fn new(query: &'a [u8], max: u8) -> Lev<'a> {
        Lev {
            query,
            max: max.min(2),
        }
    }

    fn cap(&self) -> u8 {
        self.max + 1
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
                *e = ((t - k) as u8).min(self.cap());
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
            d[t] = v.min(cap);
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
            b.sort_unstable();
            assert_eq!(a, b, "{q}");
        }
    }
}
