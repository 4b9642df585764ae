//! `engine_check`: a full ad-SMS check without content (R1–R9, S2; a
//! labelled text, no signatures loaded: the content scan is measured by
//! `content_scan`) and a full ad-call check against the DNC list at
//! carrier scale (`CHANRAC_BENCH_DNC` numbers, default 20,000,000; CI's
//! smoke run uses 1,000,000), beside a bare `HashSet<u64>` lookup on the
//! same list and queries (the "one hash lookup" yardstick of issue #7), in
//! the same run; then 1 and 2 threads sharing one engine.

use std::collections::HashSet;
use std::hint::black_box;

use chanrac::event::{Channel, Event, Kind};
use chanrac::ident::{Identifier, Sender};
use chanrac::policy::{Config, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::Engine;
use chanrac_benches::{bench_each, dnc_of, mobile_numbers, query_mix, scale};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const QUERIES: usize = 1 << 16;
/// An ad with its label.
const AD_TEXT: &str = "[QC] Giam 50% cho don hang dau tien. Tu choi QC soan TC gui 9029";

fn engine_check(c: &mut Criterion) {
    let n = scale::dnc();
    let listed = mobile_numbers(n, 1);
    let queries = query_mix(&listed, QUERIES, 1, 2); // 90% absent
    let mut reg = RegistryBuilder::new();
    for id in ["SHOPVN", "02473001234"] {
        reg.insert(
            Identifier::parse(id).unwrap(),
            Registration {
                owner: "shopvn".into(),
                status: Status::Active,
                valid_from: None,
                valid_until: None,
            },
        )
        .unwrap();
    }
    let mut pb = PolicyBuilder::new();
    // No consent records: the consent rule is on, so most ads end NO_CONSENT;
    // the path through every rule is the same either way.
    pb.dnc(dnc_of(&listed))
        .registry(reg.build())
        .config(Config::default());
    let engine = Engine::new(pb.build());
    let set: HashSet<u64> = listed.iter().map(|n| n.to_bits()).collect();
    drop(listed);
    eprintln!("engine_check: {n} numbers on the DNC list");
    // 09:00 in Hanoi: inside the SMS and the call window.
    let t0: jiff::Timestamp = "2026-03-02T09:00:00+07:00".parse().unwrap();
    let brand = Sender::parse("SHOPVN").unwrap();
    let caller = Sender::parse("02473001234").unwrap();
    let sms = |q| {
        Event::new(t0, Channel::Sms, Kind::Ad, brand, q)
            .with_advertiser("shopvn")
            .with_text(AD_TEXT)
    };
    let call = |q| Event::new(t0, Channel::Call, Kind::Ad, caller, q).with_advertiser("shopvn");

    let mut g = c.benchmark_group("engine_check");
    g.throughput(Throughput::Elements(1));
    bench_each(&mut g, "ad_sms", &queries, |q| {
        engine.check(black_box(&sms(q)))
    });
    bench_each(&mut g, "ad_call", &queries, |q| {
        engine.check(black_box(&call(q)))
    });
    bench_each(&mut g, "baseline_hashset_u64_lookup", &queries, |q| {
        set.contains(&q.to_bits())
    });
    // Throughput with 1 and 2 threads sharing one engine (iter_custom: each
    // thread runs `iters / threads` checks; the time is the wall clock of
    // the slowest), over distinct recipients so the threads contend only on
    // the shared policy and state structures, as in an SMSC. The hash set
    // runs in the same harness.
    for threads in [1usize, 2] {
        for what in ["ad_sms", "ad_call", "baseline_hashset_u64_lookup"] {
            g.bench_function(format!("{what}_{threads}_threads"), |b| {
                b.iter_custom(|iters| {
                    let per = (iters as usize).div_ceil(threads);
                    let start = std::time::Instant::now();
                    std::thread::scope(|s| {
                        for k in 0..threads {
                            let (engine, queries, set) = (&engine, &queries, &set);
                            s.spawn(move || {
                                for n in 0..per {
                                    let q = queries[(n * threads + k) & (QUERIES - 1)];
                                    match what {
                                        "ad_sms" => {
                                            black_box(engine.check(&sms(q)));
                                        }
                                        "ad_call" => {
                                            black_box(engine.check(&call(q)));
                                        }
                                        _ => {
                                            black_box(set.contains(&black_box(q).to_bits()));
                                        }
                                    }
                                }
                            });
                        }
                    });
                    start.elapsed()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, engine_check);
criterion_main!(benches);
