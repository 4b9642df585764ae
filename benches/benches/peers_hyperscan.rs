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
//!
//! The same patterns: ours also matches the robust forms of the patterns on
//! the robust text of each message that is not its own (docs/matching.md).
//! `hyperscan_robust_*` give Hyperscan those too — two more databases, the
//! literals' robust skeletons and the regexes' robust forms
//! ([`robust_regex`], with `(?-u:` read as `(?:`: Hyperscan has no `u`
//! flag), scanned over the robust text and skeleton of each message whose
//! robust text differs from its folded text — built before the clock starts
//! for `hyperscan_robust_prefolded`, by our `RobustBuf` inside it for
//! `hyperscan_robust_fold_and_scan`; a message that is its own robust text
//! is read once by a third database of the plain patterns and the robust
//! forms that differ from them, as ours reads it. Their hits must then be
//! ours.

use std::hint::black_box;

use chanrac::content::signatures::robust_regex;
use chanrac::content::{robust_skeleton, skeleton, FoldBuf, RobustBuf};
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
    /// Literal skeletons and regexes, each with its signature's id.
    fn new(skeletons: &[(usize, String)], regexes: &[(usize, String)]) -> Hs {
        let pats = |v: &[(usize, String)]| -> Patterns {
            v.iter()
                .map(|(id, p)| {
                    let mut p = Pattern::with_flags(p.as_str(), CompileFlags::SINGLEMATCH)
                        .expect("a pattern");
                    p.id = Some(*id);
                    p
                })
                .collect()
        };
        let literals: BlockDatabase = pats(skeletons).build().expect("hyperscan literals");
        let regexes: BlockDatabase = pats(regexes).build().expect("hyperscan regexes");
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

/// The same patterns as ours on one message: the plain ones on its folded
/// text and the robust forms on its robust text when that differs (`r`);
/// otherwise one pass of both over the folded text.
fn hs_same(
    hs: &Hs,
    hs_robust: &Hs,
    hs_own: &Hs,
    f: &FoldBuf,
    r: Option<&(String, String)>,
    out: &mut Vec<u32>,
) {
    match r {
        Some((text, sk)) => {
            hs.scan(f.folded(), f.skeleton(), out);
            hs_robust.scan(text, sk, out);
        }
        None => hs_own.scan(f.folded(), f.skeleton(), out),
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
    let n = skeletons.len();
    let plain_lits: Vec<(usize, String)> = skeletons.iter().cloned().enumerate().collect();
    let plain_res: Vec<(usize, String)> = regexes
        .iter()
        .enumerate()
        .map(|(j, r)| (n + j, r.clone()))
        .collect();
    let hs = Hs::new(&plain_lits, &plain_res);
    let folded = prefolded(&corpus);
    // The robust forms, under the same ids (an empty robust skeleton
    // matches nothing and is left out).
    let robust_lits: Vec<(usize, String)> = literals
        .iter()
        .map(|l| robust_skeleton(l))
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let robust_res: Vec<(usize, String)> = regexes
        .iter()
        .enumerate()
        .map(|(j, r)| {
            let form = robust_regex(r).expect("a bench regex parses");
            (n + j, form.replace("(?-u:", "(?:"))
        })
        .collect();
    let hs_robust = Hs::new(&robust_lits, &robust_res);
    // A message that is its own robust text is read once, by the plain
    // patterns and the robust forms that differ from them, as ours does.
    let differing = |plain: &[(usize, String)], robust: &[(usize, String)]| {
        let mut all = plain.to_vec();
        all.extend(robust.iter().filter(|r| !plain.contains(r)).cloned());
        all
    };
    let hs_own = Hs::new(
        &differing(&plain_lits, &robust_lits),
        &differing(&plain_res, &robust_res),
    );
    // Each message's robust text and skeleton, when it differs.
    let robust_texts: Vec<Option<(String, String)>> = folded
        .iter()
        .map(|f| {
            let mut r = RobustBuf::new();
            r.build_from(f);
            (r.text() != f.folded()).then(|| (r.text().to_string(), r.skeleton().to_string()))
        })
        .collect();
    let changed = robust_texts.iter().filter(|r| r.is_some()).count();
    eprintln!(
        "peers_hyperscan: {changed} of {} messages have a robust text that differs from their folded text",
        corpus.len()
    );

    // Same hits? (Sorted per message; printed, not asserted.)
    let (mut ours_hits, mut hs_hits, mut differ) = (0, 0, 0);
    let (mut robust_hits, mut robust_differ) = (0, 0);
    let (mut a, mut h) = (Vec::new(), Vec::new());
    for (f, r) in folded.iter().zip(&robust_texts) {
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
        h.clear();
        hs_same(&hs, &hs_robust, &hs_own, f, r.as_ref(), &mut h);
        h.sort_unstable();
        h.dedup();
        robust_hits += h.len();
        robust_differ += usize::from(a != h);
    }
    eprintln!(
        "peers_hyperscan: {} msgs, hits ours {ours_hits}, hyperscan {hs_hits} (plain patterns; messages whose hits differ {differ}), hyperscan with the robust forms {robust_hits} (messages whose hits differ {robust_differ})",
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
    g.bench_function("hyperscan_robust_prefolded", |bch| {
        bch.iter(|| {
            let mut n = 0;
            for (f, r) in folded.iter().zip(&robust_texts) {
                hits.clear();
                hs_same(&hs, &hs_robust, &hs_own, f, r.as_ref(), &mut hits);
                n += hits.len();
            }
            black_box(n)
        })
    });
    let mut rb = RobustBuf::new();
    g.bench_function("hyperscan_robust_fold_and_scan", |bch| {
        bch.iter(|| {
            let mut n = 0;
            for m in &corpus {
                buf.fold(m);
                hits.clear();
                rb.build_from(&buf);
                if rb.text() != buf.folded() {
                    hs.scan(buf.folded(), buf.skeleton(), &mut hits);
                    hs_robust.scan(rb.text(), rb.skeleton(), &mut hits);
                } else {
                    hs_own.scan(buf.folded(), buf.skeleton(), &mut hits);
                }
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
