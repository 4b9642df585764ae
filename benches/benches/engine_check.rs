//! `engine_check`: a full ad-SMS check (R1–R9, S2; no signatures) against a
//! 1,000,000-number DNC list, beside a bare `HashSet<u64>` lookup on the same
//! list and queries (the "one hash lookup" yardstick), in the same run.

use std::collections::HashSet;
use std::hint::black_box;

use chanrac::event::{Channel, Event, Kind};
use chanrac::ident::{Identifier, Sender};
use chanrac::policy::{Config, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::Engine;
use chanrac_benches::{dnc_of, mobile_numbers, query_mix};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const LIST: usize = 1_000_000;
const QUERIES: usize = 1 << 16;

fn engine_check(c: &mut Criterion) {
    let listed = mobile_numbers(LIST, 1);
    let queries = query_mix(&listed, QUERIES, 1, 2); // 90% absent
    let mut reg = RegistryBuilder::new();
    reg.insert(
        Identifier::parse("SHOPVN").unwrap(),
        Registration {
            owner: "shopvn".into(),
            status: Status::Active,
            valid_from: None,
            valid_until: None,
        },
    )
    .unwrap();
    let mut pb = PolicyBuilder::new();
    // No consent records: the consent rule is on, so most ads end NO_CONSENT;
    // the path through every rule is the same either way.
    pb.dnc(dnc_of(&listed))
        .registry(reg.build())
        .config(Config::default());
    let engine = Engine::new(pb.build());
    let t0: jiff::Timestamp = "2026-03-02T09:00:00+07:00".parse().unwrap();
    let brand = Sender::parse("SHOPVN").unwrap();

    let set: HashSet<u64> = listed.iter().map(|n| n.to_bits()).collect();

    let mut g = c.benchmark_group("engine_check");
    g.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    g.bench_function("ad_sms_1M_dnc", |b| {
        b.iter(|| {
            i = (i + 1) & (QUERIES - 1);
            let ev = Event::new(t0, Channel::Sms, Kind::Ad, brand, queries[i])
                .with_advertiser("shopvn")
                .with_text("[QC] Giam 50% cho don hang dau tien. Tu choi QC soan TC gui 9029");
            black_box(engine.check(black_box(&ev)))
        })
    });
    let mut j = 0usize;
    g.bench_function("baseline_hashset_u64_lookup", |b| {
        b.iter(|| {
            j = (j + 1) & (QUERIES - 1);
            black_box(set.contains(&black_box(queries[j]).to_bits()))
        })
    });
    // Throughput with 1 and 2 threads sharing one engine (iter_custom: each
    // thread runs `iters / threads` checks; the time is the wall clock of
    // the slowest), over distinct recipients so the threads contend only on
    // the shared policy and state structures, as in an SMSC.
    let engine = std::sync::Arc::new(engine);
    let queries = std::sync::Arc::new(queries);
    for threads in [1usize, 2] {
        g.bench_function(format!("ad_sms_1M_dnc_{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                let per = (iters as usize).div_ceil(threads);
                let start = std::time::Instant::now();
                std::thread::scope(|s| {
                    for k in 0..threads {
                        let (engine, queries) = (&engine, &queries);
                        s.spawn(move || {
                            for n in 0..per {
                                let q = queries[(n * threads + k) & (QUERIES - 1)];
                                let ev = Event::new(t0, Channel::Sms, Kind::Ad, brand, q)
                                    .with_advertiser("shopvn")
                                    .with_text("[QC] Giam 50% cho don hang dau tien. Tu choi QC soan TC gui 9029");
                                black_box(engine.check(&ev));
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, engine_check);
criterion_main!(benches);
