//! `content_scan`: 5,000 literal + 200 regex signatures over realistic
//! Vietnamese SMS (with and without tones, some obfuscated), folding
//! included, beside the naive baseline in the same run (fold, then
//! `str::contains` for each literal skeleton) and aho-corasick over the
//! literal skeletons alone. The same signatures over the ordinary
//! messages of `testdata/content`, robust matching on and off. Also
//! folding alone, for pure-ASCII and for Vietnamese text.

use std::hint::black_box;

use chanrac::content::{skeleton, FoldBuf};
use chanrac_benches::{fold_and_contains, fold_and_scan, sms_corpus, strip_tones};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn content_scan(c: &mut Criterion) {
    let (literals, _, set) = chanrac_benches::bench_signatures();
    let corpus = sms_corpus(4_096, &literals, 9);
    let bytes: usize = corpus.iter().map(String::len).sum();
    let skeletons: Vec<String> = literals.iter().map(|l| skeleton(l)).collect();

    let mut g = c.benchmark_group("content_scan");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    let mut buf = FoldBuf::new();
    let mut hits = Vec::new();
    g.bench_function("5000_literals_200_regex", |bch| {
        bch.iter(|| black_box(fold_and_scan(&set, &corpus, &mut buf, &mut hits)))
    });
    // The same signatures with robust matching off (the matching of
    // earlier releases): what robust matching costs, in the same run.
    let (_, _, plain) = chanrac_benches::bench_signatures_with(false);
    g.bench_function("5000_literals_200_regex_robust_off", |bch| {
        bch.iter(|| black_box(fold_and_scan(&plain, &corpus, &mut buf, &mut hits)))
    });
    // The literal half through aho-corasick (the crate's default automaton,
    // overlapping matches over the skeleton), for the choice of a
    // hand-written literal index in `content::signatures`.
    let ac = aho_corasick::AhoCorasick::new(&skeletons).expect("automaton");
    g.bench_function("baseline_aho_corasick_5000_literals", |bch| {
        bch.iter(|| {
            let mut n = 0;
            for m in &corpus {
                buf.fold(m);
                n += ac.find_overlapping_iter(buf.skeleton()).count();
            }
            black_box(n)
        })
    });
    g.bench_function("baseline_naive_contains_5000_literals", |bch| {
        bch.iter(|| black_box(fold_and_contains(&skeletons, &corpus, &mut buf)))
    });
    // Messages as people write them: the ordinary messages of
    // `testdata/content` (8,190, hand-written: chat, bank and shop notices,
    // abbreviations, emoji, dates and prices), which the synthetic corpus
    // above flatters.
    let ordinary = chanrac_benches::ordinary_corpus();
    g.throughput(Throughput::Elements(ordinary.len() as u64));
    g.bench_function("5000_literals_200_regex_ordinary", |bch| {
        bch.iter(|| black_box(fold_and_scan(&set, &ordinary, &mut buf, &mut hits)))
    });
    g.bench_function("5000_literals_200_regex_ordinary_robust_off", |bch| {
        bch.iter(|| black_box(fold_and_scan(&plain, &ordinary, &mut buf, &mut hits)))
    });
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("5000_literals_200_regex_bytes", |bch| {
        bch.iter(|| black_box(fold_and_scan(&set, &corpus, &mut buf, &mut hits)))
    });
    g.finish();

    let ascii: Vec<String> = corpus
        .iter()
        .map(|m| strip_tones(m).replace(['а', 'о'], "a"))
        .filter(|m| m.is_ascii())
        .collect();
    let ascii_bytes: usize = ascii.iter().map(String::len).sum();
    let mut g = c.benchmark_group("fold");
    g.throughput(Throughput::Bytes(ascii_bytes as u64));
    g.bench_function("ascii", |bch| {
        bch.iter(|| {
            for m in &ascii {
                buf.fold(black_box(m));
            }
            black_box(buf.skeleton().len())
        })
    });
    let viet: Vec<&String> = corpus.iter().skip(3).step_by(4).collect();
    let viet_bytes: usize = viet.iter().map(|m| m.len()).sum();
    g.throughput(Throughput::Bytes(viet_bytes as u64));
    g.bench_function("vietnamese", |bch| {
        bch.iter(|| {
            for m in &viet {
                buf.fold(black_box(m));
            }
            black_box(buf.skeleton().len())
        })
    });
    g.finish();
}

criterion_group!(benches, content_scan);
criterion_main!(benches);
