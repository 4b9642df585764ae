//! Deterministic data for the benches: numbers over Vietnam's real mobile
//! prefixes (`data/vn_numbering.csv`), policies and event mixes.

use chanrac::dnc::{DncBuilder, Scopes};
use chanrac::number::Number;

/// Vietnam's numbering plan, as shipped in `shared/data`.
pub const NUMBERING: &str = include_str!("../data/vn_numbering.csv");

/// The mobile prefixes (`032`, `086`, …) without the leading 0.
pub fn mobile_prefixes() -> Vec<u64> {
    NUMBERING
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(",mobile,"))
        .filter_map(|l| l.split(',').next())
        .filter_map(|p| p.trim_start_matches('0').parse().ok())
        .collect()
}

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// `n` distinct-ish random mobile numbers (`84` + prefix + 7 digits).
pub fn mobile_numbers(n: usize, seed: u64) -> Vec<Number> {
    let prefixes = mobile_prefixes();
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let p = prefixes[rng.below(prefixes.len() as u64) as usize];
            let s = format!("84{p}{:07}", rng.below(10_000_000));
            Number::parse(&s).expect("generated numbers are valid")
        })
        .collect()
}

/// A DNC list of `numbers`, scopes mixed.
pub fn dnc_of(numbers: &[Number]) -> chanrac::dnc::DncList {
    let mut b = DncBuilder::new();
    for (i, n) in numbers.iter().enumerate() {
        let s = match i % 4 {
            0 => Scopes::SMS,
            1 => Scopes::CALL,
            _ => Scopes::ALL,
        };
        b.insert(*n, s);
    }
    b.build()
}

/// Queries of which `present_per_10` in ten are on the list.
pub fn query_mix(on_list: &[Number], n: usize, present_per_10: u64, seed: u64) -> Vec<Number> {
    let mut rng = Rng::new(seed);
    let absent = mobile_numbers(n, seed ^ 0xABCD);
    (0..n)
        .map(|i| {
            if rng.below(10) < present_per_10 {
                on_list[rng.below(on_list.len() as u64) as usize]
            } else {
                absent[i]
            }
        })
        .collect()
}
