//! A second held-out check of robust matching (docs/matching.md, "The robust
//! text"), on data written apart from the implementation and from
//! `obfuscation_independent.rs`: 160 whole spam messages, 20 for each of
//! eight tricks (leetspeak, repeated letters, Telex, VNI, separators, emoji,
//! look-alike capitals, mixtures), each disguising the phrase of one of the
//! same 24 literal and 8 regex signatures
//! (`testdata/content/obfuscation_fresh.tsv`: trick, target, message), and
//! 150 ordinary messages (teencode, notices, OTPs, deliveries, messages
//! that talk about loans and prizes innocently;
//! `testdata/content/ordinary_fresh.txt`).
//!
//! A case counts as detected when its target signature fires. At its first
//! reading (after the joined runs and the capitals of step 0, before `l`
//! for `i` and `kh0@`), robust matching detected 156 of the 160 (97.5 %;
//! robust off: 37) and added no hit on the ordinary messages. The test
//! fails if a trick falls below its floor (the share measured when the
//! floor was set) or if robust matching adds a hit on an ordinary message.
//!
//! `cargo test -p chanrac --test obfuscation_fresh -- --nocapture`
#![allow(clippy::unwrap_used, clippy::panic)]

mod spam;

use chanrac::content::{robust_text, SignatureKind, SignatureSet, SignatureSetBuilder};
use spam::{hits, LITERALS, REGEXES};

/// Per trick, the share (percent) detected with robust matching on: a floor
/// against regressions, as measured when it was set.
const FLOORS: &[(&str, f64)] = &[
    ("leet", 100.0),
    ("repeated", 100.0),
    ("telex", 100.0),
    ("vni", 100.0),
    ("separators", 100.0),
    ("emoji", 100.0),
    ("capitals", 100.0),
    ("mixtures", 100.0),
];

fn set(robust: bool) -> SignatureSet {
    let mut b = SignatureSetBuilder::new();
    b.robust(robust);
    for (i, l) in LITERALS.iter().enumerate() {
        b.add(format!("L{i}"), SignatureKind::Literal, *l);
    }
    for (i, (r, _)) in REGEXES.iter().enumerate() {
        b.add(format!("R{i}"), SignatureKind::Regex, *r);
    }
    b.build().unwrap()
}

fn data(name: &str) -> String {
    let path = format!(
        "{}/../../testdata/content/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_trick_keeps_its_detections_and_ordinary_messages_gain_no_hit() {
    let (on, off) = (set(true), set(false));
    let cases = data("obfuscation_fresh.tsv");
    println!("| trick | cases | robust on | robust off |\n|---|---|---|---|");
    let mut below = Vec::new();
    let (mut all, mut all_on, mut all_off) = (0, 0, 0);
    for &(trick, floor) in FLOORS {
        let (mut n, mut n_on, mut n_off) = (0, 0, 0);
        for (line, row) in cases.lines().enumerate() {
            let f: Vec<&str> = row.split('\t').collect();
            let [t, target, message] = f[..] else {
                panic!("obfuscation_fresh.tsv line {}: not 3 columns", line + 1);
            };
            assert!(
                FLOORS.iter().any(|(k, _)| *k == t),
                "line {}: trick {t}",
                line + 1
            );
            if t != trick {
                continue;
            }
            n += 1;
            let got = hits(&on, message).iter().any(|h| h == target);
            n_on += usize::from(got);
            n_off += usize::from(hits(&off, message).iter().any(|h| h == target));
            if !got {
                println!(
                    "miss [{trick}] {target}: {message}\n    robust: {}",
                    robust_text(message)
                );
            }
        }
        assert!(n > 0, "no case of {trick}");
        let share = 100.0 * n_on as f64 / n as f64;
        println!(
            "| {trick} | {n} | {n_on} ({share:.0} %) | {n_off} ({:.0} %) |",
            100.0 * n_off as f64 / n as f64
        );
        if share < floor {
            below.push(format!("{trick}: {share:.1} % < {floor} %"));
        }
        (all, all_on, all_off) = (all + n, all_on + n_on, all_off + n_off);
    }
    println!("| all | {all} | {all_on} | {all_off} |");
    let ordinary = data("ordinary_fresh.txt");
    let mut added = Vec::new();
    for message in ordinary.lines().filter(|l| !l.trim().is_empty()) {
        let (a, b) = (hits(&on, message), hits(&off, message));
        if a != b {
            added.push(format!("{a:?} (off: {b:?}): {message}"));
        }
    }
    println!(
        "ordinary messages: {}; robust matching adds hits on {}",
        ordinary.lines().count(),
        added.len()
    );
    assert!(below.is_empty(), "below the floor: {below:?}");
    assert!(
        added.is_empty(),
        "robust-only hits on ordinary messages: {added:#?}"
    );
}
