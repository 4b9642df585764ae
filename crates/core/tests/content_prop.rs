//! Differential property tests of the content rules (S1, S3, S4): every fast
//! structure against a naive twin.
//!
//! - the literal automaton against `str::contains` on skeletons;
//! - the prefiltered regexes against each regex run alone on the folded text;
//! - contact extraction against a brute-force enumeration of digit runs;
//! - folding is idempotent;
//! - the behaviour tracker stays within its memory bound.

#![allow(clippy::unwrap_used)]

use chanrac::behavior::{BehaviorConfig, BehaviorTracker};
use chanrac::content::{
    contact_numbers, fold, skeleton, FoldBuf, SignatureKind, SignatureSetBuilder,
};
use chanrac::number::Number;
use proptest::prelude::*;
use regex_automata::meta;
use regex_automata::util::syntax;

/// Vietnamese spam phrases and ordinary words.
const PHRASES: &[&str] = &[
    "vay tiền nhanh",
    "giải ngân trong ngày",
    "không cần thế chấp",
    "lãi suất ưu đãi",
    "trúng thưởng",
    "nhận quà tri ân",
    "kết bạn zalo",
    "tuyển cộng tác viên",
    "làm việc tại nhà",
    "đăng ký ngay",
    "sim số đẹp",
    "khuyến mãi đặc biệt",
    "tài khoản của bạn bị khóa",
    "bấm vào đường link",
    "xổ số",
];

const WORDS: &[&str] = &[
    "mẹ",
    "ơi",
    "tối",
    "nay",
    "con",
    "về",
    "muộn",
    "anh",
    "nhớ",
    "mua",
    "sữa",
    "cho",
    "bé",
    "nhé",
    "họp",
    "lớp",
    "thứ",
    "bảy",
    "quán",
    "cũ",
    "chúc",
    "mừng",
    "năm",
    "mới",
    "tiền",
    "nhà",
    "tháng",
    "đá",
    "bóng",
    "không",
    "vay",
    "nhanh",
    "ngày",
    "số",
    "gọi",
    "0912",
    "345",
    "678",
    "5.000",
    "đồng",
    "%",
    "!",
    ",",
    "...",
    "0,5",
    "lãi",
    "suất",
    "0",
    "triệu",
    "zalo",
    "link",
    "http://x.y",
    "🎁",
    "Việt",
    "Nam",
];

/// Regexes written for folded text, as an operator would.
const REGEXES: &[&str] = &[
    r"lai suat 0[.,]?\d*%",
    r"\d+ ?(trieu|tr)\b",
    r"(vay|muon) tien",
    r"goi (ngay )?0\d{9}",
    r"(?i)zalo[: ]*0\d+",
    r"tien nha thang \d+",
    r"\bsim so\b",
    r"[a-z]{12,}",
    r"http://\S+",
    r"x.{0,3}so",
    r"(?:khuyen mai|uu dai) (dac biet|lon)",
    r"nhanh\W+\d",
    r"(?i)vay[ .-]*tien[ .-]*nhanh",
    r"v\W*a\W*y\W*t\W*i\W*e\W*n",
    r"lai\s*suat\s*0[.,]?\d*\s*%",
    r"(?:so|sim)\s?\d{3,}",
    r"\d\d[^a-z]{0,3}%",
];

fn naive_regex(p: &str) -> meta::Regex {
    meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build(p)
        .expect("test regexes compile")
}

/// One way a spammer hides a character.
fn disguise(c: char, how: u8) -> String {
    let look_alike = match c {
        'a' => Some('а'),
        'e' => Some('е'),
        'o' => Some('о'),
        'p' => Some('р'),
        'c' => Some('с'),
        'y' => Some('у'),
        'x' => Some('х'),
        'i' => Some('і'),
        _ => None,
    };
    match how % 9 {
        0 => c.to_string(),
        1 => c.to_uppercase().collect(),
        2 => format!("{c}."),
        3 => format!("{c}-"),
        4 => format!("{c}\u{200B}"),
        5 => look_alike.map_or_else(|| c.to_string(), |l| l.to_string()),
        6 => match c {
            // full width
            'a'..='z' => char::from_u32(c as u32 - 'a' as u32 + 0xFF41)
                .map_or(c.to_string(), |f| f.to_string()),
            _ => c.to_string(),
        },
        7 => match c {
            // add a diacritic (combining) to a plain letter
            'a'..='z' => format!("{c}\u{0301}"),
            _ => c.to_string(),
        },
        _ => format!("{c}\u{00AD}"),
    }
}

fn obfuscate(phrase: &str, hows: &[u8]) -> String {
    phrase
        .chars()
        .enumerate()
        .map(|(i, c)| disguise(c, hows.get(i).copied().unwrap_or(0)))
        .collect()
}

fn message() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(String::from),
        1 => (prop::sample::select(PHRASES), prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(p, h)| obfuscate(p, &h)),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..20).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// (a) The automata (literal and prefiltered regex) against naive twins.
    #[test]
    fn signatures_agree_with_naive_twins(
        lits in prop::sample::subsequence(PHRASES, 0..PHRASES.len()),
        res in prop::sample::subsequence(REGEXES, 0..REGEXES.len()),
        text in message(),
    ) {
        let mut b = SignatureSetBuilder::new();
        // The naive twins are of the folded text and skeleton alone; robust
        // matching (which only adds) is tested in `content_robust.rs`.
        b.robust(false);
        for (i, l) in lits.iter().enumerate() {
            b.add(format!("l{i}"), SignatureKind::Literal, *l);
        }
        for (i, r) in res.iter().enumerate() {
            b.add(format!("r{i}"), SignatureKind::Regex, *r);
        }
        let set = b.build().unwrap();
        let mut buf = FoldBuf::new();
        buf.fold(&text);
        let mut got = Vec::new();
        set.scan(&buf, &mut got);

        let sk = skeleton(&text);
        let folded = fold(&text);
        let mut want = Vec::new();
        for (i, l) in lits.iter().enumerate() {
            if sk.contains(&skeleton(l)) {
                want.push(i as u32);
            }
        }
        for (i, r) in res.iter().enumerate() {
            if naive_regex(r).is_match(&folded) {
                want.push((lits.len() + i) as u32);
            }
        }
        prop_assert_eq!(&got, &want, "text {:?} folded {:?}", text, folded);
        prop_assert_eq!(set.is_match(&buf), !want.is_empty());
    }

    /// (a) Many literals sharing syllables (anchors shared, short and long
    /// skeletons) against the naive twin.
    #[test]
    fn many_literals_agree_with_naive_twin(
        lits in prop::collection::vec(prop::collection::vec(prop::sample::select(WORDS), 1..5), 1..300),
        text in message(),
    ) {
        let lits: Vec<String> = lits.into_iter().map(|w| w.join(" ")).collect();
        let mut b = SignatureSetBuilder::new();
        b.robust(false);
        let mut kept = Vec::new();
        for l in &lits {
            if !skeleton(l).is_empty() {
                b.add(l.as_str(), SignatureKind::Literal, l.as_str());
                kept.push(l);
            }
        }
        let set = b.build().unwrap();
        let mut buf = FoldBuf::new();
        buf.fold(&text);
        let mut got = Vec::new();
        set.scan(&buf, &mut got);
        let sk = skeleton(&text);
        let want: Vec<u32> = (0..kept.len() as u32).filter(|&i| sk.contains(&skeleton(kept[i as usize]))).collect();
        prop_assert_eq!(&got, &want, "skeleton {:?}", sk);
        prop_assert_eq!(set.is_match(&buf), !want.is_empty());
    }

    /// (a) Every obfuscation of a phrase still matches it.
    #[test]
    fn obfuscated_phrases_match(p in prop::sample::select(PHRASES), hows in prop::collection::vec(any::<u8>(), 0..40),
                                before in "[a-z ]{0,10}", after in "[a-z ]{0,10}") {
        let mut b = SignatureSetBuilder::new();
        b.add("p", SignatureKind::Literal, p);
        let set = b.build().unwrap();
        let text = format!("{before}{}{after}", obfuscate(p, &hows));
        let mut buf = FoldBuf::new();
        buf.fold(&text);
        prop_assert!(set.is_match(&buf), "{:?} -> {:?}", text, buf.skeleton());
    }

    /// (b) Folding is idempotent, on arbitrary and on Vietnamese-like text.
    #[test]
    fn folding_is_idempotent(s in any::<String>()) {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f.clone());
        prop_assert!(!f.starts_with(' ') && !f.ends_with(' ') && !f.contains("  "));
        prop_assert!(skeleton(&s).bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }

    #[test]
    fn folding_is_idempotent_on_messages(s in message()) {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f.clone());
        prop_assert_eq!(skeleton(&f), skeleton(&s));
    }

    /// (c) Contact extraction never panics, yields only valid full numbers,
    /// and agrees with a brute-force enumeration of digit runs.
    #[test]
    fn contacts_are_valid_and_complete(s in "[0-9 .+a-]{0,40}", t in any::<String>()) {
        for text in [s.as_str(), t.as_str(), &fold(&s)] {
            let got = contact_numbers(text);
            for n in &got {
                prop_assert!(!n.is_short_code());
                prop_assert_eq!(Number::from_bits(n.to_bits()), Some(*n));
                prop_assert_eq!(Number::parse(&n.to_string()).ok(), Some(*n));
            }
            prop_assert_eq!(got, brute_force_contacts(text));
        }
    }

    /// (d) The tracker's memory stays bounded however many sources.
    #[test]
    fn behavior_memory_is_bounded(max in 1u32..300, events in prop::collection::vec((0u64..5000, 0u64..5000, any::<bool>(), 0i64..100_000), 1..1500)) {
        let t = BehaviorTracker::new(BehaviorConfig { max_sources: max, ..BehaviorConfig::default() });
        prop_assert!(t.capacity() <= (max as usize).max(8));
        for (src, dst, call, time) in events {
            let s = Number::parse(&format!("09{src:08}")).unwrap();
            let d = Number::parse(&format!("09{dst:08}")).unwrap();
            t.observe(s, d, call, time, call.then_some((time % 60) as u32));
            t.record_received(d, time);
        }
        prop_assert!(t.tracked_sources() <= t.capacity());
    }
}

/// Every substring made of whole digit groups joined by single separators,
/// parsed by [`Number::parse`], in order of start then end.
fn brute_force_contacts(text: &str) -> Vec<Number> {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut out = Vec::new();
    for i in 0..b.len() {
        if !digit(i) || (i > 0 && digit(i - 1)) {
            continue;
        }
        let plus = i > 0 && b[i - 1] == b'+';
        for j in i + 1..=b.len() {
            if !digit(j - 1) || digit(j) {
                continue;
            }
            let run = &b[i..j];
            let joined = run.iter().enumerate().all(|(k, c)| {
                c.is_ascii_digit()
                    || (matches!(c, b' ' | b'.' | b'-') && digit(i + k - 1) && digit(i + k + 1))
            });
            if !joined {
                continue;
            }
            let Ok(s) = std::str::from_utf8(run) else {
                continue;
            };
            let written = if plus { format!("+{s}") } else { s.to_string() };
            if let Ok(n) = Number::parse(&written) {
                if !n.is_short_code() {
                    out.push(n);
                }
            }
        }
    }
    out
}
