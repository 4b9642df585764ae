//! Robust matching and the new signature kinds (`docs/matching.md`):
//!
//! - the table of writing tricks and false-positive traps in
//!   `testdata/content/matching.tsv`, each row checked with robust matching
//!   on (`expect`) and off (`before`: what earlier releases did);
//! - every example of the "Examples" table of `docs/matching.md`;
//! - proptest: every match of the old matching is still a match (robust
//!   matching only adds);
//! - proptest: phrases written with the tricks (leetspeak, repeated
//!   letters, Telex, VNI, separators between letters, emoji between words)
//!   still match as `literal`, `regex` and `word` signatures.

#![allow(clippy::unwrap_used, clippy::panic)]

mod spam;

use chanrac::content::{fold, FoldBuf, SignatureKind, SignatureSet, SignatureSetBuilder};
use proptest::prelude::*;
use spam::{telex, vni};

fn one(kind: SignatureKind, pattern: &str, robust: bool) -> SignatureSet {
    let mut b = SignatureSetBuilder::new();
    b.robust(robust);
    b.add("s", kind, pattern);
    b.build().unwrap()
}

fn matches(set: &SignatureSet, text: &str) -> bool {
    let mut buf = FoldBuf::new();
    buf.fold(text);
    let mut hits = Vec::new();
    set.scan(&buf, &mut hits);
    assert_eq!(set.is_match(&buf), !hits.is_empty(), "{text}");
    !hits.is_empty()
}

#[test]
fn table_of_tricks_and_traps() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/content/matching.tsv"
    );
    let table = std::fs::read_to_string(path).unwrap();
    let mut rows = 0;
    let mut tricks = std::collections::BTreeMap::<String, usize>::new();
    for (n, line) in table.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') || line.starts_with("trick\t") {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "line {}: {line:?}", n + 1);
        let kind = SignatureKind::from_name(f[1]).unwrap();
        let (pattern, text) = (f[2], f[3]);
        let want = |s: &str| match s {
            "match" => Some(true),
            "no" => Some(false),
            "-" => None,
            other => panic!("line {}: bad expectation {other:?}", n + 1),
        };
        let now = matches(&one(kind, pattern, true), text);
        assert_eq!(
            Some(now),
            want(f[4]),
            "line {}: {kind} {pattern:?} in {text:?}",
            n + 1
        );
        if let Some(before) = want(f[5]) {
            assert_eq!(
                matches(&one(kind, pattern, false), text),
                before,
                "line {} (robust off): {kind} {pattern:?} in {text:?}",
                n + 1
            );
        }
        rows += 1;
        *tricks.entry(f[0].to_string()).or_default() += 1;
    }
    assert!(rows >= 50, "{rows} rows");
    for t in [
        "leet",
        "repeat",
        "telex",
        "vni",
        "separators",
        "emoji",
        "typo",
        "word",
        "diacritic",
        "ordinary",
    ] {
        assert!(tricks.contains_key(t), "no row for {t}");
    }
}

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
    "xổ số miền bắc",
    "đường dây nóng",
    "người nhận",
];

const FILLER: &[&str] = &[
    "mẹ", "ơi", "tối", "nay", "con", "về", "anh", "nhé", "50", "triệu", "0912", "345", "!", ",",
    "🎁", "100k", "0,5%", "free", "ship", "vay", "tiền", "zalo", "pay", "a", "b", "v.a.y",
];

/// One word written with trick `how`.
fn trick(word: &str, how: u8, seed: u8) -> String {
    let chars: Vec<char> = word.chars().collect();
    match how % 7 {
        // leetspeak on an inner vowel
        0 => {
            let folded: Vec<char> = fold(word).chars().collect();
            let mut out = String::new();
            let n = folded.len();
            let mut done = false;
            for (i, &c) in folded.iter().enumerate() {
                let leet = match c {
                    'a' => '4',
                    'e' => '3',
                    'i' => '1',
                    'o' => '0',
                    _ => c,
                };
                if !done && i > 0 && i + 1 < n && leet != c && seed.is_multiple_of(2) {
                    out.push(leet);
                    done = true;
                } else {
                    out.push(c);
                }
            }
            out
        }
        // every letter doubled, or one
        1 => chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if seed.is_multiple_of(2) || i == usize::from(seed) % chars.len() {
                    format!("{c}{c}")
                } else {
                    c.to_string()
                }
            })
            .collect(),
        // Telex, tone at the end
        2 => {
            let mut out = String::new();
            let mut tone = None;
            for &c in &chars {
                let (b, t) = telex(c);
                out.push_str(&b);
                tone = tone.or(t);
            }
            out.extend(tone);
            out
        }
        // VNI, marks where they are, tone at the end
        3 => {
            let mut out = String::new();
            let mut tone = None;
            for &c in &chars {
                let (b, t) = vni(c);
                out.push_str(&b);
                tone = tone.or(t);
            }
            out.extend(tone);
            out
        }
        // separators between letters
        4 => {
            let sep = [".", "-", "_", "*", "🔥"][usize::from(seed) % 5];
            chars
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(sep)
        }
        _ => word.to_string(),
    }
}

fn written(phrase: &str, hows: &[u8], emoji: bool) -> String {
    let words: Vec<String> = phrase
        .split(' ')
        .enumerate()
        .map(|(i, w)| {
            let h = hows.get(i).copied().unwrap_or(6);
            trick(w, h, h / 7)
        })
        .collect();
    words.join(if emoji { " 💸 " } else { " " })
}

fn message() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(FILLER).prop_map(String::from),
        2 => (prop::sample::select(PHRASES), prop::collection::vec(any::<u8>(), 0..6), any::<bool>())
            .prop_map(|(p, h, e)| written(p, &h, e)),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.join(" "))
}

const REGEXES: &[&str] = &[
    r"vay tien \d+ trieu",
    r"lai suat 0[.,]?\d*%",
    r"(vay|muon) tien",
    r"free ship",
    r"ket ban zalo",
    r"uu dai",
    r"nhan (qua|thuong)",
    r"\d{3,}k",
    r"v\W*a\W*y",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every text matched before is matched after: the signatures the old
    /// matching (robust off) finds are all found with robust matching on.
    #[test]
    fn robust_matching_never_loses_a_match(
        lits in prop::sample::subsequence(PHRASES, 0..PHRASES.len()),
        res in prop::sample::subsequence(REGEXES, 0..REGEXES.len()),
        text in message(),
    ) {
        let build = |robust: bool| {
            let mut b = SignatureSetBuilder::new();
            b.robust(robust);
            for (i, l) in lits.iter().enumerate() {
                b.add(format!("l{i}"), SignatureKind::Literal, *l);
                b.add(format!("w{i}"), SignatureKind::Word, *l);
                b.add(format!("f{i}"), SignatureKind::Fuzzy, *l);
                b.add(format!("d{i}"), SignatureKind::Diacritic, *l);
            }
            for (i, r) in res.iter().enumerate() {
                b.add(format!("r{i}"), SignatureKind::Regex, *r);
            }
            b.build().unwrap()
        };
        let (old, new) = (build(false), build(true));
        let mut buf = FoldBuf::new();
        buf.fold(&text);
        let (mut before, mut after) = (Vec::new(), Vec::new());
        old.scan(&buf, &mut before);
        new.scan(&buf, &mut after);
        for s in &before {
            prop_assert!(after.contains(s), "{} lost on {:?}: {:?} -> {:?}", old.id(*s), text, before, after);
        }
        prop_assert_eq!(new.is_match(&buf), !after.is_empty());
        prop_assert_eq!(old.is_match(&buf), !before.is_empty());
    }

    /// A phrase written with the tricks matches as `literal`, as `regex`
    /// (its folded text) and as `word`.
    #[test]
    fn tricks_keep_matching(
        p in prop::sample::select(PHRASES),
        hows in prop::collection::vec(any::<u8>(), 0..6),
        emoji in any::<bool>(),
        before in prop::sample::select(FILLER),
        after in prop::sample::select(FILLER),
    ) {
        let text = format!("{before} {} {after}", written(p, &hows, emoji));
        for kind in [SignatureKind::Literal, SignatureKind::Word] {
            prop_assert!(matches(&one(kind, p, true), &text), "{} {:?} in {:?}", kind, p, text);
        }
        let re = fold(p);
        prop_assert!(matches(&one(SignatureKind::Regex, &re, true), &text), "regex {:?} in {:?}", re, text);
    }
}

/// The link and look-alike table `testdata/content/links.tsv`.
/// The code spans of one cell of a markdown table, in order (`\|` inside
/// a span is a `|`).
fn spans(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.replace("\\|", "|"))
        .collect()
}

/// Every example of the "Examples" table of docs/matching.md reads as the
/// table says: the docs are what another implementation would follow.
#[test]
fn the_documented_examples_hold() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/matching.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let table = doc
        .split("\n### Examples\n")
        .nth(1)
        .and_then(|t| t.split("\n### ").next())
        .unwrap();
    let mut checked = 0;
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        // A `\|` inside a span is no cell boundary.
        let cells: Vec<&str> = row.split(" | ").collect();
        let (written, robust) = (spans(cells[0]), cells.get(1).copied().unwrap_or(""));
        let expected = if robust.starts_with("unchanged") {
            written.iter().map(|w| fold(w)).collect()
        } else {
            spans(robust)
        };
        assert_eq!(written.len(), expected.len(), "row: {row}");
        for (w, e) in written.iter().zip(&expected) {
            assert_eq!(chanrac::content::robust_text(w), *e, "{w} (row: {row})");
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} examples read");
}

#[test]
fn table_of_links_and_lookalikes() {
    use chanrac::content::links::{hosts, DomainAction, DomainList};
    use chanrac::content::lookalike::{Brand, Lookalikes};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/content/links.tsv"
    );
    let table = std::fs::read_to_string(path).unwrap();
    let rows: Vec<(usize, Vec<&str>)> = table
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with("kind\t"))
        .map(|(n, l)| (n + 1, l.split('\t').collect()))
        .collect();
    let mut brands = Vec::new();
    for (_, f) in rows.iter().filter(|(_, f)| f[0] == "brand") {
        let mut d = DomainList::default();
        for x in f[2].split_whitespace() {
            d.insert(x, DomainAction::Allow).unwrap();
        }
        brands.push(Brand {
            name: f[1].into(),
            owner: "".into(),
            domains: d,
        });
    }
    let set = Lookalikes::new(brands);
    let (mut h, mut l) = (0, 0);
    for (n, f) in &rows {
        assert_eq!(f.len(), 3, "line {n}");
        let want: Vec<&str> = match f[2] {
            "-" => vec![],
            w => w.split(' ').collect(),
        };
        match f[0] {
            "brand" => {}
            "hosts" => {
                assert_eq!(hosts(f[1]), want, "line {n}: {:?}", f[1]);
                h += 1;
            }
            "lookalike" => {
                let found = match f[1].strip_prefix("name:") {
                    Some(name) => set.imitated_by_name(name),
                    None => set.imitated_by_host(f[1]),
                };
                let names: Vec<&str> = found.iter().map(|&b| &*set.brand(b).name).collect();
                assert_eq!(names, want, "line {n}: {:?}", f[1]);
                l += 1;
            }
            k => panic!("line {n}: unknown kind {k}"),
        }
    }
    assert!(h >= 15 && l >= 15, "{h} host rows, {l} look-alike rows");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The shortcut that skips building the robust text is only taken when
    /// the robust text is the folded text.
    #[test]
    fn own_robust_text_shortcut_is_exact(
        text in prop_oneof![
            "[a-z0-9 .,:%!?@$/'*_~+|-]{0,40}",
            "[a-zw0-9 .-]{0,20}",
            message(),
        ]
    ) {
        let folded = fold(&text);
        if chanrac::content::robust::is_own_robust_text(&folded) {
            prop_assert_eq!(chanrac::content::robust_text(&text), folded);
        }
    }
}

#[test]
fn ordinary_messages_take_the_shortcut() {
    for m in [
        "Mẹ ơi tối nay con về muộn",
        "Họp lớp thứ bảy lúc 7 giờ, quán cũ nhé!",
        "Chuyển khoản 5.000.000 đồng rồi nhé. Gọi 0912 345 678",
        "Lãi suất tiết kiệm 5,5% một năm",
    ] {
        assert!(
            chanrac::content::robust::is_own_robust_text(&fold(m)),
            "{m}"
        );
    }
    for m in [
        "v4y tiền",
        "vaaay",
        "n.a.p",
        "tieenf",
        "vay-tien",
        "vay 💰 tien",
    ] {
        assert!(
            !chanrac::content::robust::is_own_robust_text(&fold(m)),
            "{m}"
        );
    }
}

fn linkish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(vec![
            "vietcombank-vn", "b1dv", "acb", "shop", "việt", "中国", "ЕVIL", "ｅｖｉｌ", "www",
            "http://", "hxxps://", "user@", ":8080", "/x?y#z", "192", "168", "1", "10", "xn--p1ai",
        ])
        .prop_map(String::from),
        3 => prop::sample::select(vec![
            ".", "[.]", "(.)", "(dot)", "[dot]", " . ", " .", ". ", "。", "．", "@", " ", "-",
        ])
        .prop_map(String::from),
        2 => prop::sample::select(vec![
            "top", "vn", "com", "net", "xyz", "TOP", "ｔｏｐ", "com.vn", "рф", "中国", "公司",
            "vietnam", "bank",
        ])
        .prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// The prefilter on the folded text lets every text with a link
    /// through.
    #[test]
    fn link_prefilter_never_drops_a_link(text in prop_oneof![linkish(), message()]) {
        let hosts = chanrac::content::links::hosts(&text);
        if !hosts.is_empty() {
            prop_assert!(
                chanrac::content::links::may_link(&fold(&text)),
                "{:?} has {:?}; folded {:?}", text, hosts, fold(&text)
            );
        }
    }
}
