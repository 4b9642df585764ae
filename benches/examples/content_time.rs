//! A timing harness for the content workloads, steadier than criterion on
//! a shared machine: many short rounds (each five passes over the corpus),
//! the fastest and the median round printed in nanoseconds a message.
//! Alternate two builds and compare the fastest rounds:
//!
//! ```text
//! cargo build --release -p chanrac-benches --example content_time
//! ROUNDS=30 target/release/examples/content_time [WORKLOAD] [PART]
//! ```
//!
//! `WORKLOAD`: none, the `content_scan` corpus and signatures (robust
//! matching on); `robust-off`; `ordinary`, the ordinary messages of
//! `testdata/content`; `links`, the `links` bench's corpus (one message in
//! five with a link); `links all`, every content rule on it, as
//! `content_all_rules` runs them ([`ContentRules`]). With `only-links` or
//! `no-links`, only the messages of the `links` corpus with a link, or
//! without. `PART`: `fold` or `scan` (on texts folded beforehand) alone.
//! Run from a checkout (the ordinary messages are read from `testdata`).
//! CI runs each workload for one round (`ROUNDS=1`).

use std::hint::black_box;
use std::time::Instant;

use chanrac::content::FoldBuf;
use chanrac_benches::content_rules::ContentRules;
use chanrac_benches::{fold_and_scan, links_corpus, ordinary_corpus, prefolded, sms_corpus};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |s: &str| args.iter().any(|a| a == s);
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30)
        .max(1);
    let (literals, _, set) = chanrac_benches::bench_signatures_with(!has("robust-off"));
    let corpus = if has("links") {
        links_corpus(4_096)
    } else if has("ordinary") {
        ordinary_corpus()
    } else {
        sms_corpus(4_096, &literals, 9)
    };
    let corpus: Vec<String> = if has("only-links") {
        corpus.into_iter().step_by(5).collect()
    } else if has("no-links") {
        corpus
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % 5 != 0)
            .map(|(_, m)| m)
            .collect()
    } else {
        corpus
    };
    let folded = prefolded(&corpus);
    let mut rules = has("all").then(ContentRules::new);
    let (mut buf, mut hits) = (FoldBuf::new(), Vec::new());
    let mut times = Vec::with_capacity(rounds);
    // Three rounds first, not counted: buffers, tables, caches.
    for round in 0..rounds + 3 {
        let t = Instant::now();
        for _ in 0..5 {
            if let Some(rules) = rules.as_mut() {
                black_box(rules.run(&corpus));
            } else if has("fold") {
                for m in &corpus {
                    buf.fold(black_box(m));
                }
                black_box(buf.skeleton().len());
            } else if has("scan") {
                for f in &folded {
                    hits.clear();
                    set.scan(black_box(f), &mut hits);
                }
                black_box(hits.len());
            } else {
                black_box(fold_and_scan(&set, &corpus, &mut buf, &mut hits));
            }
        }
        if round >= 3 {
            times.push(t.elapsed().as_nanos() as f64 / (5 * corpus.len().max(1)) as f64);
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{:.1} {:.1} ns a message (fastest, median of {rounds} rounds; {} messages)",
        times[0],
        times[times.len() / 2],
        corpus.len()
    );
}
