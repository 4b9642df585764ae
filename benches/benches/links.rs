//! `links`: the link rules' costs, each beside its baseline in the same run.
//!
//! - `lookalike/{fst,one_walk,linear}/N`: one host part looked up among N
//!   protected names (1,000 to 100,000): the FSTs of keys searched in two
//!   walks (forwards with the part's front exact, backwards with at most
//!   one edit fewer before its back is read), beside one Levenshtein
//!   automaton walked over each whole FST and a linear scan of every key
//!   computing the same capped distance (the index's size is printed);
//! - `links/extract_every_text`: link extraction (hosts in A-label form) on
//!   every message of the SMS corpus, one message in five carrying a link;
//! - `links/fold_prefilter_extract`: as the engine does it: fold, the
//!   prefilter on the folded text, extraction where it lets the text
//!   through; beside `links/baseline_fold` (folding alone);
//! - `links/fold_prefilter_judge_100000_names`: the same plus `domains.csv`
//!   and the look-alike lookup of every host among 100,000 names;
//! - `content_all_rules/signatures_links_lookalikes_contacts`: every
//!   content rule on that corpus, as the engine runs them for a text (the
//!   `content_scan` signatures with robust matching too, and the suspended
//!   contact numbers), beside `baseline_signatures_only`.

use std::hint::black_box;

use chanrac::content::links::{for_each_host, may_link, DomainAction, DomainList};
use chanrac::content::FoldBuf;
use chanrac_benches::content_rules::{brand_names, lookalikes_of, ContentRules, SYLLABLES};
use chanrac_benches::{links_corpus, Rng};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Host parts to look up: a third near-misses of real names, the rest
/// ordinary labels.
fn parts(names: &[String], n: usize) -> Vec<String> {
    let mut rng = Rng::new(99);
    (0..n)
        .map(|i| {
            let base = &names[rng.below(names.len() as u64) as usize];
            if i % 3 == 0 {
                let mut b = base.clone().into_bytes();
                let at = rng.below(b.len() as u64) as usize;
                b[at] = b'a' + rng.below(26) as u8;
                String::from_utf8(b).unwrap_or_default()
            } else {
                let k = 1 + rng.below(3) as usize;
                (0..k)
                    .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
                    .collect::<String>()
                    + "x"
            }
        })
        .collect()
}

fn lookalike(c: &mut Criterion) {
    let mut g = c.benchmark_group("lookalike");
    // The linear scans at 10,000 and 100,000 names take seconds an
    // iteration.
    g.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let ns = brand_names(n, 5);
        let set = lookalikes_of(&ns);
        eprintln!("lookalike index of {n} names: {} bytes", set.index_bytes());
        let qs = parts(&ns, 1024);
        g.throughput(Throughput::Elements(qs.len() as u64));
        g.bench_with_input(BenchmarkId::new("fst", n), &qs, |b, qs| {
            b.iter(|| {
                let mut hits = 0;
                for q in qs {
                    set.find_part(black_box(q), |_| hits += 1);
                }
                black_box(hits)
            })
        });
        g.bench_with_input(BenchmarkId::new("one_walk", n), &qs, |b, qs| {
            b.iter(|| {
                let mut hits = 0;
                for q in qs {
                    set.find_part_one_walk(black_box(q), |_| hits += 1);
                }
                black_box(hits)
            })
        });
        if n <= 10_000 {
            g.bench_with_input(BenchmarkId::new("linear", n), &qs, |b, qs| {
                b.iter(|| {
                    let mut hits = 0;
                    for q in qs {
                        set.find_linear(black_box(q), |_| hits += 1);
                    }
                    black_box(hits)
                })
            });
        } else {
            // 100,000 keys a query: a few queries are enough to time it.
            let few: Vec<String> = qs.iter().take(32).cloned().collect();
            g.throughput(Throughput::Elements(few.len() as u64));
            g.bench_with_input(BenchmarkId::new("linear", n), &few, |b, qs| {
                b.iter(|| {
                    let mut hits = 0;
                    for q in qs {
                        set.find_linear(black_box(q), |_| hits += 1);
                    }
                    black_box(hits)
                })
            });
        }
    }
    g.finish();
}

fn links(c: &mut Criterion) {
    let corpus = links_corpus(4_096);
    let ns = brand_names(100_000, 5);
    let mut all = ns.clone();
    all.extend(["vietcombank", "bidv", "acb"].map(String::from));
    let set = lookalikes_of(&all);
    let mut domains = DomainList::default();
    for d in ["*.top", "*.xyz", "bit.ly"] {
        let _ = domains.insert(d, DomainAction::Block);
    }
    let mut g = c.benchmark_group("links");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    let mut buf = FoldBuf::new();
    g.bench_function("baseline_fold", |b| {
        b.iter(|| {
            for m in &corpus {
                buf.fold(black_box(m));
            }
            black_box(buf.skeleton().len())
        })
    });
    g.bench_function("extract_every_text", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &corpus {
                for_each_host(black_box(m), |h| n += h.len());
            }
            black_box(n)
        })
    });
    // As the engine does: fold, the prefilter on the folded text, and
    // extraction only where it lets the text through.
    g.bench_function("fold_prefilter_extract", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &corpus {
                buf.fold(black_box(m));
                if may_link(buf.folded()) {
                    for_each_host(m, |h| n += h.len());
                }
            }
            black_box(n)
        })
    });
    g.bench_function("fold_prefilter_judge_100000_names", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &corpus {
                buf.fold(black_box(m));
                if may_link(buf.folded()) {
                    for_each_host(m, |h| {
                        n += usize::from(domains.get(h) == Some(DomainAction::Block));
                        n += set.imitated_by_host(h).len();
                    });
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

/// Every content rule on the links corpus, as the engine's content scan
/// runs them for one text (fold; the link prefilter, extraction,
/// `domains.csv` and look-alikes among 100,000 names; the 5,000 literal +
/// 200 regex signatures with robust matching; the suspended contact
/// numbers), beside the signatures alone on the same corpus in the same
/// run: what "content with all of this on" costs a message.
fn all_rules(c: &mut Criterion) {
    let corpus = links_corpus(4_096);
    let mut rules = ContentRules::new();
    let mut g = c.benchmark_group("content_all_rules");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.bench_function("signatures_links_lookalikes_contacts", |b| {
        b.iter(|| black_box(rules.run(&corpus)))
    });
    let sigs = &rules.signatures;
    let mut buf = FoldBuf::new();
    let mut hits = Vec::new();
    g.bench_function("baseline_signatures_only", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &corpus {
                buf.fold(black_box(m));
                hits.clear();
                sigs.scan(&buf, &mut hits);
                n += hits.len();
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, lookalike, links, all_rules);
criterion_main!(benches);
