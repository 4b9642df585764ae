//! `peers_hyperscan` (feature `hyperscan`): the content scan of
//! `content_scan` (the same 5,000 literal + 200 regex signatures over the
//! same 4,096 SMS) beside Hyperscan (the `hyperscan` crate over Debian's
//! `libhyperscan-dev`) doing the same work on already-folded text, and the
//! naive fold + `contains`, in the same run.
//!
//! The same work: ours matches literals on the skeleton (folded text reduced
//! to `a-z0-9`) and regexes on the folded text. Hyperscan gets two block
//! databases: the 5,000 literal skeletons (plain `a-z0-9` strings) over the
//! skeleton, and the 200 regexes over the folded text, every pattern
//! `HS_FLAG_SINGLEMATCH` (each signature reported once per message, as ours
//! reports it). The texts are folded by our `FoldBuf` before the clock
//! starts for `hyperscan_prefolded`; `ours_fold_and_scan` includes the
//! folding, `ours_scan_prefolded` does not, and `hyperscan_fold_and_scan`
//! adds our folding to Hyperscan. The hits are compared once and the
//! difference printed.

use std::hint::black_box;

use chanrac::content::{skeleton, FoldBuf};
use chanrac_benches::{fold_and_contains, fold_and_scan, prefolded, sms_corpus};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hyperscan::prelude::*;

struct Hs {
    literals: BlockDatabase,
    regexes: BlockDatabase,
    lit_scratch: Scratch,
    re_scratch: Scratch,
}

impl Hs {
    fn new(skeletons: &[String], regexes: &[String]) -> Hs {
        let pats = |v: &[String], base: usize| -> Patterns {
            v.iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut p = Pattern::with_flags(p.as_str(), CompileFlags::SINGLEMATCH)
                        .expect("a pattern");
                    p.id = Some(base + i);
                    p
                })
                .collect()
        };
        let literals: BlockDatabase = pats(skeletons, 0).build().expect("hyperscan literals");
        let regexes: BlockDatabase = pats(regexes, skeletons.len())
            .build()
            .expect("hyperscan regexes");
        Hs {
            lit_scratch: literals.alloc_scratch().expect("scratch"),
            re_scratch: regexes.alloc_scratch().expect("scratch"),
            literals,
            regexes,
        }
    }

    /// The signature ids matching (folded, skeleton), appended to `out`.
    fn scan(&self, folded: &str, skeleton: &str, out: &mut Vec<u32>) {
        let mut push = |id: u32, _, _, _| {
            out.push(id);
            Matching::Continue
        };
        self.literals
            .scan(skeleton, &self.lit_scratch, &mut push)
            .expect("hyperscan scan");
        self.regexes
            .scan(folded, &self.re_scratch, &mut push)
            .expect("hyperscan scan");
    }
}

fn peers_hyperscan(c: &mut Criterion) {
    eprintln!(
        "peers_hyperscan: Hyperscan {}",
        hyperscan::version_str().to_string_lossy()
    );
    let (literals, regexes, set) = chanrac_benches::bench_signatures();
    let corpus = sms_corpus(4_096, &literals, 9);
    let skeletons: Vec<String> = literals.iter().map(|l| skeleton(l)).collect();
    let hs = Hs::new(&skeletons, &regexes);
    let folded = prefolded(&corpus);

    // Same hits? (Sorted per message; printed, not asserted.)
    let (mut ours_hits, mut hs_hits, mut differ) = (0, 0, 0);
    let (mut a, mut h) = (Vec::new(), Vec::new());
    for f in &folded {
        a.clear();
        h.clear();
        set.scan(f, &mut a);
        hs.scan(f.folded(), f.skeleton(), &mut h);
        a.sort_unstable();
        a.dedup();
        h.sort_unstable();
        h.dedup();
        ours_hits += a.len();
        hs_hits += h.len();
        differ += usize::from(a != h);
    }
    eprintln!(
        "peers_hyperscan: {} msgs, hits ours {ours_hits}, hyperscan {hs_hits}, messages whose hits differ {differ}",
        corpus.len()
    );

    let mut g = c.benchmark_group("content_peers");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    let mut buf = FoldBuf::new();
    let mut hits = Vec::new();
    g.bench_function("ours_fold_and_scan", |bch| {
        bch.iter(|| black_box(fold_and_scan(&set, &corpus, &mut buf, &mut hits)))
    });
    g.bench_function("ours_scan_prefolded", |bch| {
        bch.iter(|| {
            let mut n = 0;
            for f in &folded {
                hits.clear();
                set.scan(f, &mut hits);
                n += hits.len();
            }
            black_box(n)
        })
    });
    g.bench_function("hyperscan_prefolded", |bch| {
        bch.iter(|| {
            let mut n = 0;
            for f in &folded {
                hits.clear();
                hs.scan(f.folded(), f.skeleton(), &mut hits);
                n += hits.len();
            }
            black_box(n)
        })
    });
    g.bench_function("hyperscan_fold_and_scan", |bch| {
        bch.iter(|| {
            let mut n = 0;
            for m in &corpus {
                buf.fold(m);
                hits.clear();
                hs.scan(buf.folded(), buf.skeleton(), &mut hits);
                n += hits.len();
            }
            black_box(n)
        })
    });
    g.bench_function("baseline_naive_contains_5000_literals", |bch| {
        bch.iter(|| black_box(fold_and_contains(&skeletons, &corpus, &mut buf)))
    });
    g.finish();
}

criterion_group!(benches, peers_hyperscan);
criterion_main!(benches);
