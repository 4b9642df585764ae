//! The resident size of an engine holding the DNC list (`CHANRAC_BENCH_DNC`
//! numbers, default 20,000,000), 10,000 identifiers and 5,200 signatures
//! (5,000 literal + 200 regex): the process's `VmRSS` before the data is
//! made and after the engine is built and the inputs dropped.
//!
//! `cargo run --release -p chanrac-benches --example engine_rss`

use chanrac::ident::Identifier;
use chanrac::policy::{Config, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::Engine;
use chanrac_benches::{dnc_of, mobile_numbers, scale};

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

fn main() {
    let n = scale::dnc();
    let before = scale::resident_bytes().unwrap_or(0);
    let dnc = {
        let listed = mobile_numbers(n, 11);
        dnc_of(&listed)
    };
    let dnc_bytes = dnc.as_bytes().len() as u64;
    let distinct = dnc.len();
    let mut reg = RegistryBuilder::new();
    for i in 0..5_000 {
        for id in [format!("BR{i:05}"), format!("0287{i:07}")] {
            reg.insert(
                Identifier::parse(&id).expect("a valid identifier"),
                Registration {
                    owner: format!("adv{:04}", i / 5).into(),
                    status: Status::Active,
                    valid_from: None,
                    valid_until: None,
                },
            )
            .expect("distinct identifiers");
        }
    }
    let registry = reg.build();
    let identifiers = registry.len();
    let (_, _, signatures) = chanrac_benches::bench_signatures();
    let count = signatures.len();
    let engine = Engine::new(
        PolicyBuilder::new()
            .dnc(dnc)
            .registry(registry)
            .signatures(signatures)
            .config(Config::default())
            .build(),
    );
    let after = scale::resident_bytes().unwrap_or(0);
    println!(
        "engine_rss: {n} DNC numbers ({:.1} MB DNC index, {:.2} bytes/number), {identifiers} identifiers, {count} signatures: resident {:.1} MB before, {:.1} MB after, engine {:.1} MB",
        mb(dnc_bytes),
        dnc_bytes as f64 / distinct.max(1) as f64,
        mb(before),
        mb(after),
        mb(after.saturating_sub(before))
    );
    // Still alive here: the figure is of a live engine.
    std::hint::black_box(&engine);
}
