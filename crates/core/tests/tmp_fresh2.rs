#![allow(clippy::unwrap_used)]
mod spam;
use chanrac::content::{robust_text, SignatureKind, SignatureSet, SignatureSetBuilder};
use spam::{hits, LITERALS, REGEXES};

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

#[test]
fn fresh2() {
    let (on, off) = (set(true), set(false));
    let cases = std::fs::read_to_string("/tmp/fresh2/cases.tsv").unwrap();
    let mut per: std::collections::BTreeMap<String, (usize, usize, usize)> = Default::default();
    let mut misses = Vec::new();
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 3 {
            eprintln!("bad line {line:?}");
            continue;
        }
        let (trick, target, msg) = (f[0], f[1], f[2]);
        let a = hits(&on, msg).iter().any(|h| h == target);
        let b = hits(&off, msg).iter().any(|h| h == target);
        let e = per.entry(trick.to_string()).or_default();
        e.0 += 1;
        e.1 += a as usize;
        e.2 += b as usize;
        if !a {
            misses.push(format!(
                "[{trick}] {target} {msg}\n    robust: {}",
                robust_text(msg)
            ));
        }
    }
    for (t, (n, a, b)) in &per {
        eprintln!(
            "{t}: {n} cases, on {a} ({:.0} %), off {b}",
            100.0 * *a as f64 / *n as f64
        );
    }
    for m in &misses {
        eprintln!("{m}");
    }
    let ord = std::fs::read_to_string("/tmp/fresh2/ordinary.txt").unwrap();
    let mut fp = 0;
    for l in ord.lines().filter(|l| !l.trim().is_empty()) {
        let a = hits(&on, l);
        let b = hits(&off, l);
        if a != b {
            fp += 1;
            eprintln!(
                "FP robust-only {a:?} vs {b:?}: {l}\n    robust: {}",
                robust_text(l)
            );
        } else if !a.is_empty() {
            eprintln!("plain hit {a:?}: {l}");
        }
    }
    eprintln!("robust-only FP messages: {fp}");
}
