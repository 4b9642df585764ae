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
    g.finish();
}

criterion_group!(benches, engine_check);
criterion_main!(benches);
