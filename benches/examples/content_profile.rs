//! A fixed workload for `valgrind --tool=callgrind` (stable instruction
//! counts): the content scan of `content_scan` (5,000 literal + 200 regex
//! signatures over 4,096 Vietnamese SMS, folding included), after one warm-up
//! round so that the per-process fold table and the buffers are built
//! outside the measured calls.
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='content_profile::fold_round' \
//!     target/release/examples/content_profile
//! valgrind --tool=callgrind --toggle-collect='content_profile::scan_round' \
//!     target/release/examples/content_profile
//! ```
//!
//! Divide the collected instructions by the messages it prints (the
//! warm-up round runs the same functions, so it is collected too). With the
//! argument `robust-off`, the same signatures with robust matching off (the
//! baseline of `content_scan/5000_literals_200_regex_robust_off`); with
//! `links`, over the `links` bench's corpus (one message in five ending in
//! a link); with `ordinary`, over the 8,190 ordinary messages of
//! `testdata/content` (`content_scan/5000_literals_200_regex_ordinary`:
//! messages as people write them); to count folding and scanning
//! together, give both `--toggle-collect` options.

use std::hint::black_box;

use chanrac::content::{FoldBuf, SignatureSet};
use chanrac_benches::{links_corpus, ordinary_corpus, prefolded, sms_corpus};

const ROUNDS: usize = 4;

/// Folds every message once.
#[inline(never)]
fn fold_round(corpus: &[String], buf: &mut FoldBuf) -> usize {
    let mut n = 0;
    for m in corpus {
        buf.fold(black_box(m));
        n += buf.skeleton().len();
    }
    n
}

/// Scans every (already folded) message once.
#[inline(never)]
fn scan_round(set: &SignatureSet, folded: &[FoldBuf], hits: &mut Vec<u32>) -> usize {
    let mut n = 0;
    for f in folded {
        hits.clear();
        set.scan(black_box(f), hits);
        n += hits.len();
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let robust = !args.iter().any(|a| a == "robust-off");
    let (literals, _, set) = chanrac_benches::bench_signatures_with(robust);
    let corpus = if args.iter().any(|a| a == "links") {
        links_corpus(4_096)
    } else if args.iter().any(|a| a == "ordinary") {
        ordinary_corpus()
    } else {
        sms_corpus(4_096, &literals, 9)
    };
    let folded = prefolded(&corpus);
    let mut buf = FoldBuf::new();
    let mut hits = Vec::new();
    // Warm-up, not measured: the fold table, the buffers, the scan scratch.
    black_box(fold_round(&corpus, &mut buf));
    black_box(scan_round(&set, &folded, &mut hits));
    let (mut f, mut s) = (0, 0);
    for _ in 0..ROUNDS {
        f += fold_round(&corpus, &mut buf);
        s += scan_round(&set, &folded, &mut hits);
    }
    black_box((f, s));
    eprintln!(
        "content_profile: {} messages folded and scanned ({} rounds of {}, the warm-up \
         included), robust matching {}",
        (ROUNDS + 1) * corpus.len(),
        ROUNDS + 1,
        corpus.len(),
        if robust { "on" } else { "off" }
    );
}
