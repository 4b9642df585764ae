//! A fixed workload for `valgrind --tool=callgrind` (stable instruction
//! counts): the link rules of the `links` bench as the engine runs them
//! (the prefilter on the folded text, then extraction, `domains.csv` and
//! the look-alike lookup of every host) over its 4,096 SMS, one in five
//! with a link, after one warm-up round. Folding is done before the
//! measured calls.
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='links_profile::judge_round' \
//!     target/release/examples/links_profile
//! ```
//!
//! Divide the collected instructions by the messages it prints (the
//! warm-up round included). With the argument `prefilter`, the prefilter
//! alone.

use std::hint::black_box;

use chanrac::content::links::{for_each_host, may_link, DomainAction, DomainList};
use chanrac::content::lookalike::{Brand, Lookalikes};
use chanrac::content::FoldBuf;
use chanrac_benches::{links_corpus, prefolded};

const ROUNDS: usize = 4;

/// The link rules over every (already folded) message once.
#[inline(never)]
fn judge_round(
    folded: &[FoldBuf],
    domains: &DomainList,
    brands: &Lookalikes,
    prefilter_only: bool,
) -> usize {
    let mut n = 0;
    for f in folded {
        if may_link(black_box(f.folded())) {
            n += 1;
            if prefilter_only {
                continue;
            }
            for_each_host(f.text(), |h| {
                n += usize::from(domains.get(h) == Some(DomainAction::Block));
                n += brands.imitated_by_host(h).len();
            });
        }
    }
    n
}

fn main() {
    let prefilter_only = std::env::args().nth(1).as_deref() == Some("prefilter");
    let corpus = links_corpus(4_096);
    let folded = prefolded(&corpus);
    let brands = Lookalikes::new(
        [
            "vietcombank",
            "bidv",
            "acb",
            "techcombank",
            "zalopay",
            "momo",
        ]
        .iter()
        .map(|n| Brand {
            name: (*n).into(),
            owner: "".into(),
            domains: DomainList::default(),
        })
        .collect(),
    );
    let mut domains = DomainList::default();
    for d in ["*.top", "*.xyz", "bit.ly"] {
        let _ = domains.insert(d, DomainAction::Block);
    }
    let mut n = judge_round(&folded, &domains, &brands, prefilter_only);
    for _ in 0..ROUNDS {
        n += judge_round(&folded, &domains, &brands, prefilter_only);
    }
    eprintln!(
        "links_profile: {} messages judged ({} rounds of {}, the warm-up included){}; {n} passed \
         the prefilter or were judged",
        (ROUNDS + 1) * corpus.len(),
        ROUNDS + 1,
        corpus.len(),
        if prefilter_only {
            ", the prefilter alone"
        } else {
            ""
        }
    );
}
