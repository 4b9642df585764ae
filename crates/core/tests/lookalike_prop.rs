//! The look-alike lookup (`Lookalikes::find_part`: two walks over the FSTs
//! of keys, forwards and backwards) against its naive twin (every key
//! compared, `Lookalikes::find_linear`) and against the one-walk automaton,
//! at 1,000, 10,000 and 100,000 names made of the same syllables as the
//! parts (adversarial: the near-misses share long prefixes and suffixes
//! with many keys) and among random names.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use chanrac::content::links::DomainList;
use chanrac::content::lookalike::{Brand, Lookalikes};
use proptest::prelude::*;

const SYLLABLES: &[&str] = &[
    "viet", "com", "bank", "tech", "agri", "sacom", "tp", "mb", "vp", "shop", "mart", "pay",
    "zalo", "momo", "vina", "mobi", "tel", "sun", "star", "nam", "bac", "trung", "an", "binh",
    "phuc", "thanh", "long", "hung", "minh", "hoa", "land", "group", "home", "care", "go",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// `n` distinct names of 2 to 4 syllables.
fn syllable_names(n: usize, seed: u64) -> Vec<String> {
    names_of(n, seed, 2, 3)
}

/// `n` distinct names of `least` to `least + spread - 1` syllables.
fn names_of(n: usize, seed: u64, least: usize, spread: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < n {
        let k = least + rng.below(spread) as usize;
        let s: String = (0..k)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
            .collect();
        seen.insert(s);
    }
    seen.into_iter().collect()
}

/// `n` names of 3 to 16 letters from a small alphabet (digits too: they
/// are read as letters).
fn random_names(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let alphabet = b"abcdeiklmnost0138";
    (0..n)
        .map(|_| {
            let len = 3 + rng.below(14) as usize;
            (0..len)
                .map(|_| char::from(alphabet[rng.below(alphabet.len() as u64) as usize]))
                .collect()
        })
        .collect()
}

fn set(names: &[String]) -> Lookalikes {
    Lookalikes::new(
        names
            .iter()
            .map(|n| Brand {
                name: n.as_str().into(),
                owner: "".into(),
                domains: DomainList::default(),
            })
            .collect(),
    )
}

/// (names, their index) for sizes 1,000, 10,000 and 100,000, for 5,000
/// random names and for 2,000 long names (5 to 10 syllables: parts of
/// more than 24 letters take the FST walks).
fn sets() -> &'static [(Vec<String>, Lookalikes)] {
    static SETS: OnceLock<Vec<(Vec<String>, Lookalikes)>> = OnceLock::new();
    SETS.get_or_init(|| {
        let mut v: Vec<Vec<String>> = [1_000, 10_000, 100_000]
            .iter()
            .map(|&n| syllable_names(n, 5))
            .collect();
        v.push(random_names(5_000, 7));
        v.push(names_of(2_000, 9, 5, 6));
        v.into_iter()
            .map(|names| {
                let s = set(&names);
                (names, s)
            })
            .collect()
    })
}

/// `base` with up to four random edits (replace, insert, delete) from
/// `alphabet`.
fn edited(base: &str, edits: &[(u8, u8, u8)], alphabet: &[u8]) -> String {
    let mut q = base.as_bytes().to_vec();
    for &(kind, at, c) in edits {
        let at = usize::from(at) % (q.len() + 1);
        let c = alphabet[usize::from(c) % alphabet.len()];
        match kind % 3 {
            0 if at < q.len() => q[at] = c,
            1 => q.insert(at, c),
            _ if at < q.len() => {
                q.remove(at);
            }
            _ => {}
        }
    }
    String::from_utf8(q).unwrap()
}

fn found(f: impl FnOnce(&mut dyn FnMut(u32))) -> Vec<u32> {
    let mut v = Vec::new();
    f(&mut |i| v.push(i));
    v.sort_unstable();
    v.dedup();
    v
}

fn agree(s: &Lookalikes, q: &str, linear: bool) -> Result<(), TestCaseError> {
    let fast = found(|f| s.find_part(q, f));
    let one = found(|f| s.find_part_one_walk(q, f));
    prop_assert_eq!(&fast, &one, "one walk: {:?}", q);
    if linear {
        let slow = found(|f| s.find_linear(q, f));
        prop_assert_eq!(&fast, &slow, "linear: {:?}", q);
    }
    Ok(())
}

/// How to make a part: (a name's number, edits, syllables, which of the
/// three ways).
type Recipe = (usize, Vec<(u8, u8, u8)>, Vec<u8>, u8);

/// A part to look up: a name with edits, syllables run together, or a
/// random string.
fn part(names: usize) -> impl Strategy<Value = Recipe> {
    (
        0..names,
        prop::collection::vec(any::<(u8, u8, u8)>(), 0..5),
        prop::collection::vec(0..SYLLABLES.len() as u8, 1..5),
        0u8..3,
    )
}

fn make(names: &[String], p: &Recipe) -> String {
    let (i, edits, syl, how) = p;
    match how {
        0 => edited(&names[*i], edits, b"abcdeghiklmnoprstuvz0134"),
        1 => {
            let s: String = syl.iter().map(|&x| SYLLABLES[usize::from(x)]).collect();
            edited(&s, &edits[..edits.len().min(1)], b"xaeiou")
        }
        _ => edits
            .iter()
            .flat_map(|&(a, b, c)| [a, b, c])
            .map(|x| char::from(b"abcdeiklmnost"[usize::from(x) % 13]))
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Against the linear scan among 1,000 and 10,000 syllable names,
    /// 5,000 random ones and 2,000 long ones.
    #[test]
    fn same_as_linear_scan(which in 0usize..4, p in part(1_000)) {
        let (names, s) = &sets()[[0, 1, 3, 4][which]];
        let q = make(names, &p);
        agree(s, &q, true)?;
    }

    /// Among 100,000 names, against the one-walk automaton (the linear
    /// scan is too slow for many cases in a debug build; it is checked on
    /// a few below).
    #[test]
    fn same_as_one_walk_100000(p in part(100_000)) {
        let (names, s) = &sets()[2];
        let q = make(names, &p);
        agree(s, &q, false)?;
    }
}

#[test]
fn same_as_linear_scan_100000() {
    let (names, s) = &sets()[2];
    let mut rng = Rng(17);
    for _ in 0..40 {
        let p = (
            rng.below(names.len() as u64) as usize,
            (0..rng.below(4))
                .map(|_| {
                    (
                        rng.below(256) as u8,
                        rng.below(256) as u8,
                        rng.below(256) as u8,
                    )
                })
                .collect(),
            vec![
                rng.below(35) as u8,
                rng.below(35) as u8,
                rng.below(35) as u8,
            ],
            rng.below(2) as u8,
        );
        let q = make(names, &p);
        agree(s, &q, true).unwrap();
    }
}

/// Every key found from itself and from each of its one-edit neighbours
/// that its class allows (an exhaustive check on a small set).
#[test]
fn every_neighbour_of_every_key() {
    let names = syllable_names(300, 3);
    let s = set(&names);
    for n in &names {
        let k = chanrac::content::lookalike::read_as_letters(n);
        let d = chanrac::content::lookalike::allowed_distance(k.len());
        let mut parts = vec![k.clone()];
        if d >= 1 {
            for at in 0..=k.len() {
                for c in [b'a', b'n', b'x'] {
                    parts.push(edited(&k, &[(1, at as u8, 0)], &[c]));
                    parts.push(edited(&k, &[(0, at as u8, 0)], &[c]));
                }
                parts.push(edited(&k, &[(2, at as u8, 0)], b"a"));
            }
        }
        for q in parts {
            agree(&s, &q, true).unwrap();
        }
    }
}
