//! A fixed workload for `valgrind --tool=callgrind` (stable instruction
//! counts): the frequency bench's ad calls (grants over `CHANRAC_BENCH_PAIRS`
//! pairs, then as many refused repeats), then ad SMS against a DNC list of
//! `CHANRAC_BENCH_DNC` numbers, as in `engine_check`.
//!
//! `valgrind --tool=callgrind target/release/examples/check_profile`

use std::hint::black_box;

use chanrac::ident::{Identifier, Sender};
use chanrac::policy::{Config, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::{Channel, Engine, Event, Kind};
use chanrac_benches::pairs::{morning, Pairs};
use chanrac_benches::{dnc_of, mobile_numbers, query_mix, scale};

fn main() {
    let pairs = Pairs::new(scale::pairs());
    let engine = pairs.engine();
    for round in 0..2 {
        for k in 0..pairs.len() {
            black_box(engine.check(&pairs.ad_call(k, morning())));
        }
        eprintln!(
            "check_profile: ad calls, round {round}, {} pairs",
            pairs.len()
        );
    }
    let listed = mobile_numbers(scale::dnc(), 1);
    let queries = query_mix(&listed, 1 << 16, 1, 2);
    let mut reg = RegistryBuilder::new();
    reg.insert(
        Identifier::parse("SHOPVN").expect("a valid identifier"),
        Registration {
            owner: "shopvn".into(),
            status: Status::Active,
            valid_from: None,
            valid_until: None,
        },
    )
    .expect("one identifier");
    let engine = Engine::new(
        PolicyBuilder::new()
            .dnc(dnc_of(&listed))
            .registry(reg.build())
            .config(Config::default())
            .build(),
    );
    let brand = Sender::parse("SHOPVN").expect("a valid sender");
    for q in &queries {
        let ev = Event::new(morning(), Channel::Sms, Kind::Ad, brand, *q)
            .with_advertiser("shopvn")
            .with_text("[QC] Giam 50% cho don hang dau tien. Tu choi QC soan TC gui 9029");
        black_box(engine.check(&ev));
    }
    eprintln!("check_profile: {} ad SMS", queries.len());
}
