//! `dnc_lookup`: the DNC list at carrier scale — by default 20,000,000
//! numbers over Vietnam's real mobile prefixes (`CHANRAC_BENCH_DNC` sets
//! another size; CI's smoke run uses 1,000,000) — looked up with a
//! 90%-absent mix: the list's index ([`chanrac::dnc::DncList`]) beside an
//! `fst::Map` of the same keys (the list's previous form), `HashSet<u64>`
//! and a sorted `Vec<u64>` (binary search), on the same numbers and queries.
//! Build times, sizes and bytes per number are printed once.
//!
//! `CHANRAC_BENCH_DNC_BITS=8,14` also benches the index built with those
//! bucket bits (by default the builder picks 12 to 14 from the density: 12
//! at 20M).

use std::collections::HashSet;
use std::time::Instant;

use chanrac::dnc::{DncBuilder, DncList, Scopes};
use chanrac_benches::{bench_each, mobile_numbers, query_mix};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn size() -> usize {
    std::env::var("CHANRAC_BENCH_DNC")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000_000)
}

fn extra_bits() -> Vec<u32> {
    std::env::var("CHANRAC_BENCH_DNC_BITS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn dnc_lookup(c: &mut Criterion) {
    let n = size();
    let listed = mobile_numbers(n, 11);
    let t = Instant::now();
    let mut builder = DncBuilder::new();
    for (i, n) in listed.iter().enumerate() {
        let s = match i % 4 {
            0 => Scopes::SMS,
            1 => Scopes::CALL,
            _ => Scopes::ALL,
        };
        builder.insert(*n, s);
    }
    let collect = t.elapsed();
    let build = |bits: Option<u32>| {
        let mut b = builder.clone();
        if let Some(bits) = bits {
            b.bucket_bits(bits);
        }
        let t = Instant::now();
        let dnc = b.build();
        (dnc, t.elapsed())
    };
    let (dnc, took) = build(None);
    let bytes = dnc.as_bytes().len();
    eprintln!(
        "dnc_lookup: {} numbers ({} distinct) collected in {:.2?}; index ({} bucket bits) \
         built (sort, merge, index) in {:.2?}: {} bytes, {:.3} bytes/number",
        n,
        dnc.len(),
        collect,
        dnc.bucket_bits(),
        took,
        bytes,
        bytes as f64 / dnc.len() as f64
    );
    let mut variants: Vec<(u32, DncList)> = vec![];
    for bits in extra_bits() {
        let (d, took) = build(Some(bits));
        let bytes = d.as_bytes().len();
        eprintln!(
            "dnc_lookup: index ({bits} bucket bits) built in {took:.2?}: {bytes} bytes, \
             {:.3} bytes/number",
            bytes as f64 / d.len() as f64
        );
        variants.push((bits, d));
    }
    // The same keys and values as an FST (big-endian packed numbers), as the
    // list was stored before the index.
    let t = Instant::now();
    let mut fst_b = fst::MapBuilder::memory();
    dnc.for_each(|n, s| {
        fst_b
            .insert(n.to_bits().to_be_bytes(), u64::from(s.bits()))
            .expect("sorted keys")
    });
    let fst = fst::Map::new(fst_b.into_inner().expect("in memory")).expect("just built");
    let fst_bytes = fst.as_fst().as_bytes().len();
    eprintln!(
        "dnc_lookup: FST of the same entries built (from the sorted stream) in {:.2?}: \
         {} bytes, {:.3} bytes/number",
        t.elapsed(),
        fst_bytes,
        fst_bytes as f64 / fst.len() as f64
    );
    drop(builder);

    const Q: usize = 1 << 16;
    let queries = query_mix(&listed, Q, 1, 12);
    let set: HashSet<u64> = listed.iter().map(|n| n.to_bits()).collect();
    let mut sorted: Vec<u64> = listed.iter().map(|n| n.to_bits()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    drop(listed);
    // The answers agree (outside the timed loops).
    for q in &queries {
        let want = set.contains(&q.to_bits());
        assert_eq!(!dnc.get(*q).is_empty(), want);
        assert_eq!(fst.get(q.to_bits().to_be_bytes()).is_some(), want);
    }

    let mut g = c.benchmark_group("dnc_lookup");
    g.throughput(Throughput::Elements(1));
    bench_each(&mut g, "index_90pct_absent", &queries, |q| dnc.get(q));
    for (bits, d) in &variants {
        bench_each(
            &mut g,
            format!("index_{bits}_bits_90pct_absent"),
            &queries,
            |q| d.get(q),
        );
    }
    bench_each(&mut g, "fst_90pct_absent", &queries, |q| {
        fst.get(q.to_bits().to_be_bytes())
    });
    bench_each(&mut g, "baseline_hashset_u64", &queries, |q| {
        set.contains(&q.to_bits())
    });
    bench_each(&mut g, "baseline_sorted_vec_u64", &queries, |q| {
        sorted.binary_search(&q.to_bits()).is_ok()
    });
    g.finish();
}

criterion_group!(benches, dnc_lookup);
criterion_main!(benches);
