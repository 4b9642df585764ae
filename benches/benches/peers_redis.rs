//! `peers_redis` (feature `redis`): the DNC lookup beside Redis
//! `SISMEMBER` on a local `redis-server` holding the same list, plain (one
//! round trip per lookup) and pipelined ×16 (one round trip per 16
//! lookups; the figure is per 16), and beside our `DncList::get` and a
//! `HashSet<u64>` in the same run, on the same numbers and queries as
//! `dnc_lookup` (list seed 11, 90%-absent queries seed 12).
//!
//! The list is `CHANRAC_BENCH_REDIS_DNC` numbers (default: the DNC size,
//! `CHANRAC_BENCH_DNC`, 20,000,000), loaded once with pipelined `SADD` and
//! kept between runs (the set key names the size). Skips with a message when
//! no server answers at `CHANRAC_REDIS_URL`.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Instant;

use chanrac_benches::{bench_each, dnc_of, mobile_numbers, query_mix, redis_peer, scale};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn peers_redis(c: &mut Criterion) {
    let Some(mut con) = redis_peer::connect("peers_redis") else {
        return;
    };
    let n = scale::redis_dnc();
    let listed = mobile_numbers(n, 11);
    const Q: usize = 1 << 16;
    let queries = query_mix(&listed, Q, 1, 12);
    let key = format!("chanrac:dnc:{n}:seed11");
    let t = Instant::now();
    let card = redis_peer::load_set(&mut con, &key, &listed).expect("redis SADD");
    let used: String = redis::cmd("INFO")
        .arg("memory")
        .query::<String>(&mut con)
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("used_memory:").map(str::to_string))
        })
        .unwrap_or_default();
    eprintln!(
        "peers_redis: {n} numbers, {card} in the Redis set `{key}` (ready in {:.2?}), redis used_memory {used} bytes ({:.1} bytes/number)",
        t.elapsed(),
        used.trim().parse::<f64>().unwrap_or(0.0) / card.max(1) as f64
    );
    let dnc = dnc_of(&listed);
    let set: HashSet<u64> = listed.iter().map(|n| n.to_bits()).collect();
    drop(listed);
    let members: Vec<String> = queries.iter().map(|q| redis_peer::member(*q)).collect();

    let mut g = c.benchmark_group("dnc_peers");
    g.throughput(Throughput::Elements(1));
    bench_each(&mut g, "ours_dnc_get", &queries, |q| dnc.get(q));
    bench_each(&mut g, "baseline_hashset_u64", &queries, |q| {
        set.contains(&q.to_bits())
    });
    let mut k = 0;
    let mut present = 0u64;
    g.bench_function("redis_sismember", |b| {
        b.iter(|| {
            k = (k + 1) & (Q - 1);
            let hit: bool = redis::cmd("SISMEMBER")
                .arg(&key)
                .arg(&members[k])
                .query(&mut con)
                .expect("redis SISMEMBER");
            present += hit as u64;
            hit
        })
    });
    g.throughput(Throughput::Elements(16));
    let mut m = 0;
    g.bench_function("redis_sismember_pipelined_x16", |b| {
        b.iter(|| {
            let mut p = redis::pipe();
            for _ in 0..16 {
                m = (m + 1) & (Q - 1);
                p.cmd("SISMEMBER").arg(&key).arg(&members[m]);
            }
            let hits: Vec<bool> = p.query(&mut con).expect("redis pipelined SISMEMBER");
            black_box(hits)
        })
    });
    g.finish();
    // The same answers as ours, for every query.
    let differ = queries
        .iter()
        .zip(&members)
        .take(4_096)
        .filter(|(q, s)| {
            let r: bool = redis::cmd("SISMEMBER")
                .arg(&key)
                .arg(s.as_str())
                .query(&mut con)
                .unwrap_or(false);
            let ours = !dnc.get(**q).is_empty();
            r != ours
        })
        .count();
    eprintln!("peers_redis: Redis and ours disagree on {differ} of 4096 queries");
}

criterion_group!(benches, peers_redis);
criterion_main!(benches);
