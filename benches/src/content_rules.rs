//! Every content rule on a text, as the engine's content scan runs them
//! (fold; the link prefilter, extraction, `domains.csv` and look-alikes;
//! the signatures with robust matching; the suspended contact numbers),
//! with the `links` bench's data: shared by `benches/links.rs`
//! (`content_all_rules`) and `examples/content_time.rs`.

use chanrac::content::links::{for_each_host, may_link, DomainAction, DomainList};
use chanrac::content::lookalike::{Brand, Lookalikes};
use chanrac::content::{for_each_contact, FoldBuf, SignatureSet};
use chanrac::number::Number;

use crate::Rng;

/// The syllables brand names are made of.
pub const SYLLABLES: &[&str] = &[
    "viet", "com", "bank", "tech", "agri", "sacom", "tp", "mb", "vp", "shop", "mart", "pay",
    "zalo", "momo", "vina", "mobi", "tel", "sun", "star", "nam", "bac", "trung", "an", "binh",
    "phuc", "thanh", "long", "hung", "minh", "hoa", "land", "group", "home", "care", "go",
];

/// `n` distinct brand names of 2 to 4 syllables, sorted.
pub fn brand_names(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut seen = std::collections::HashSet::new();
    while seen.len() < n {
        let k = 2 + rng.below(3) as usize;
        let s: String = (0..k)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
            .collect();
        seen.insert(s);
    }
    let mut v: Vec<String> = seen.into_iter().collect();
    v.sort();
    v
}

/// The protected brands of `names`, none with an owner or domains.
pub fn lookalikes_of(names: &[String]) -> Lookalikes {
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

/// The lists every content rule reads, and the scratch of a run.
pub struct ContentRules {
    /// The signatures (the `content_scan` ones, robust matching on).
    pub signatures: SignatureSet,
    /// 100,000 brand names and `vietcombank`, `bidv`, `acb`.
    pub brands: Lookalikes,
    /// `*.top`, `*.xyz` and `bit.ly` blocked.
    pub domains: DomainList,
    /// Two suspended contact numbers.
    pub suspended: std::collections::HashSet<Number>,
    buf: FoldBuf,
    hits: Vec<u32>,
    hosts: Vec<String>,
}

impl ContentRules {
    /// The lists of the `links` bench (building 100,000 names takes a few
    /// seconds).
    pub fn new() -> ContentRules {
        let (_, _, signatures) = crate::bench_signatures();
        let mut names = brand_names(100_000, 5);
        names.extend(["vietcombank", "bidv", "acb"].map(String::from));
        let mut domains = DomainList::default();
        for d in ["*.top", "*.xyz", "bit.ly"] {
            let _ = domains.insert(d, DomainAction::Block);
        }
        let suspended = ["0912 345 678", "0987 654 321"]
            .iter()
            .filter_map(|n| Number::parse(n).ok())
            .collect();
        ContentRules {
            signatures,
            brands: lookalikes_of(&names),
            domains,
            suspended,
            buf: FoldBuf::new(),
            hits: Vec::new(),
            hosts: Vec::new(),
        }
    }

    /// Every content rule on each text of `corpus`; the number of findings
    /// (blocked hosts, look-alikes, signatures, suspended contacts).
    pub fn run(&mut self, corpus: &[String]) -> usize {
        let mut n = 0;
        for m in corpus {
            self.buf.fold(std::hint::black_box(m));
            self.hosts.clear();
            if may_link(self.buf.folded()) {
                let hosts = &mut self.hosts;
                for_each_host(m, |h| {
                    if !hosts.iter().any(|x| x == h) {
                        hosts.push(h.to_string());
                    }
                });
                for h in &self.hosts {
                    match self.domains.get(h) {
                        Some(DomainAction::Allow) => continue,
                        Some(DomainAction::Block) => n += 1,
                        None => {}
                    }
                    n += self.brands.imitated_by_host(h).len();
                }
            }
            self.hits.clear();
            self.signatures.scan(&self.buf, &mut self.hits);
            n += self.hits.len();
            let suspended = &self.suspended;
            for_each_contact(self.buf.folded(), |c| {
                n += usize::from(suspended.contains(&c))
            });
        }
        n
    }
}

impl Default for ContentRules {
    fn default() -> ContentRules {
        ContentRules::new()
    }
}
