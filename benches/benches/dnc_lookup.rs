//! `dnc_lookup`: the DNC list at carrier scale — by default 20,000,000
//! numbers over Vietnam's real mobile prefixes (`CHANRAC_BENCH_DNC` sets
//! another size; CI's smoke run uses 1,000,000) — looked up with a
//! 90%-absent mix, beside `HashSet<u64>` and a sorted `Vec<u64>` (binary
//! search) on the same numbers and queries. Build time, FST size and bytes
//! per number are printed once.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Instant;

use chanrac_benches::{dnc_of, mobile_numbers, query_mix};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn size() -> usize {
    std::env::var("CHANRAC_BENCH_DNC")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000_000)
}

fn dnc_lookup(c: &mut Criterion) {
    let n = size();
    let listed = mobile_numbers(n, 11);
    let t = Instant::now();
    let dnc = dnc_of(&listed);
    let build = t.elapsed();
    let fst_bytes = dnc.as_bytes().len();
    eprintln!(
        "dnc_lookup: {} numbers ({} distinct), FST built in {:.2?}, {} bytes, {:.2} bytes/number",
        n,
        dnc.len(),
        build,
        fst_bytes,
        fst_bytes as f64 / dnc.len() as f64
    );
    const Q: usize = 1 << 16;
    let queries = query_mix(&listed, Q, 1, 12);
    let set: HashSet<u64> = listed.iter().map(|n| n.to_bits()).collect();
    let mut sorted: Vec<u64> = listed.iter().map(|n| n.to_bits()).collect();
    sorted.sort_unstable();
    sorted.dedup();

    let mut g = c.benchmark_group("dnc_lookup");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("fst_90pct_absent", |b| {
        b.iter(|| {
            i = (i + 1) & (Q - 1);
            black_box(dnc.get(black_box(queries[i])))
        })
    });
    let mut j = 0;
    g.bench_function("baseline_hashset_u64", |b| {
        b.iter(|| {
            j = (j + 1) & (Q - 1);
            black_box(set.contains(&black_box(queries[j]).to_bits()))
        })
    });
    let mut k = 0;
    g.bench_function("baseline_sorted_vec_u64", |b| {
        b.iter(|| {
            k = (k + 1) & (Q - 1);
            black_box(
                sorted
                    .binary_search(&black_box(queries[k]).to_bits())
                    .is_ok(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, dnc_lookup);
criterion_main!(benches);
