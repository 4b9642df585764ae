//! Deterministic data for the benches: numbers over Vietnam's real mobile
//! prefixes (`data/vn_numbering.csv`), policies and event mixes.

pub mod content_rules;
pub mod events;
pub mod pairs;
#[cfg(feature = "redis")]
pub mod redis_peer;
pub mod scale;

use chanrac::dnc::{DncBuilder, Scopes};
use chanrac::number::Number;

/// Vietnam's numbering plan, as shipped in `shared/data`.
pub const NUMBERING: &str = include_str!("../data/vn_numbering.csv");

/// The mobile prefixes (`032`, `086`, …) without the leading 0.
pub fn mobile_prefixes() -> Vec<u64> {
    NUMBERING
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(",mobile,"))
        .filter_map(|l| l.split(',').next())
        .filter_map(|p| p.trim_start_matches('0').parse().ok())
        .collect()
}

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// `n` distinct-ish random mobile numbers (`84` + prefix + 7 digits).
pub fn mobile_numbers(n: usize, seed: u64) -> Vec<Number> {
    let prefixes = mobile_prefixes();
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let p = prefixes[rng.below(prefixes.len() as u64) as usize];
            let s = format!("84{p}{:07}", rng.below(10_000_000));
            Number::parse(&s).expect("generated numbers are valid")
        })
        .collect()
}

/// A DNC list of `numbers`, scopes mixed.
pub fn dnc_of(numbers: &[Number]) -> chanrac::dnc::DncList {
    let mut b = DncBuilder::new();
    for (i, n) in numbers.iter().enumerate() {
        let s = match i % 4 {
            0 => Scopes::SMS,
            1 => Scopes::CALL,
            _ => Scopes::ALL,
        };
        b.insert(*n, s);
    }
    b.build()
}

/// Queries of which `present_per_10` in ten are on the list.
pub fn query_mix(on_list: &[Number], n: usize, present_per_10: u64, seed: u64) -> Vec<Number> {
    let mut rng = Rng::new(seed);
    let absent = mobile_numbers(n, seed ^ 0xABCD);
    (0..n)
        .map(|i| {
            if rng.below(10) < present_per_10 {
                on_list[rng.below(on_list.len() as u64) as usize]
            } else {
                absent[i]
            }
        })
        .collect()
}

/// Words of Vietnamese ad and spam SMS, with their tones.
const WORDS: &[&str] = &[
    "vay",
    "tiền",
    "nhanh",
    "lãi",
    "suất",
    "ưu",
    "đãi",
    "khuyến",
    "mãi",
    "giảm",
    "giá",
    "trúng",
    "thưởng",
    "nhận",
    "quà",
    "miễn",
    "phí",
    "đăng",
    "ký",
    "gói",
    "cước",
    "data",
    "tốc",
    "độ",
    "cao",
    "căn",
    "hộ",
    "chung",
    "cư",
    "đất",
    "nền",
    "sổ",
    "đỏ",
    "bất",
    "động",
    "sản",
    "cá",
    "độ",
    "bóng",
    "đá",
    "nhà",
    "cái",
    "uy",
    "tín",
    "hoàn",
    "tiền",
    "thẻ",
    "tín",
    "dụng",
    "ngân",
    "hàng",
    "hỗ",
    "trợ",
    "giải",
    "ngân",
    "trong",
    "ngày",
    "không",
    "thế",
    "chấp",
    "chỉ",
    "cần",
    "căn",
    "cước",
    "công",
    "dân",
    "liên",
    "hệ",
    "gọi",
    "ngay",
    "soạn",
    "tin",
    "gửi",
    "tháng",
    "năm",
    "khách",
    "hàng",
    "mới",
    "cơ",
    "hội",
    "duy",
    "nhất",
    "hôm",
    "nay",
];

/// Drops Vietnamese tones (a crude stand-in for people typing without them).
pub fn strip_tones(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ'
            | 'ẩ' | 'ẫ' | 'ậ' => 'a',
            'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' => {
                'e'
            }
            'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' => 'i',
            'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ'
            | 'ở' | 'ỡ' | 'ợ' => 'o',
            'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' => {
                'u'
            }
            'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
            'đ' => 'd',
            c => c,
        })
        .collect()
}

/// `n` literal signatures: distinct phrases of 3 to 5 words.
pub fn literal_signatures(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let k = 3 + rng.below(3) as usize;
        let phrase: Vec<&str> = (0..k)
            .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
            .collect();
        let p = phrase.join(" ");
        if seen.insert(strip_tones(&p)) {
            out.push(p);
        }
    }
    out
}

/// The signature set every content bench uses: 5,000 literal (seed 7) and
/// 200 regex (seed 8) signatures, ids `lit-N` and `re-N`; with the sources.
pub fn bench_signatures() -> (Vec<String>, Vec<String>, chanrac::content::SignatureSet) {
    bench_signatures_with(true)
}

/// [`bench_signatures`] with robust matching on or off (`docs/matching.md`),
/// to compare them in one run.
pub fn bench_signatures_with(
    robust: bool,
) -> (Vec<String>, Vec<String>, chanrac::content::SignatureSet) {
    use chanrac::content::{SignatureKind, SignatureSetBuilder};
    let literals = literal_signatures(5_000, 7);
    let regexes = regex_signatures(200, 8);
    let mut b = SignatureSetBuilder::new();
    b.robust(robust);
    for (i, l) in literals.iter().enumerate() {
        b.add(
            format!("lit-{i}").as_str(),
            SignatureKind::Literal,
            l.as_str(),
        );
    }
    for (i, r) in regexes.iter().enumerate() {
        b.add(format!("re-{i}").as_str(), SignatureKind::Regex, r.as_str());
    }
    let set = b.build().expect("bench signatures compile");
    (literals, regexes, set)
}

/// The ordinary messages of `testdata/content` (every `ordinary*.txt`,
/// at the top and in each set's directory, in a fixed order): messages
/// as people write them, for the content benches beside the synthetic
/// corpus.
pub fn ordinary_corpus() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/content");
    let mut files = Vec::new();
    let entries = std::fs::read_dir(&root).expect("testdata/content");
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files.extend(
                std::fs::read_dir(&p)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        } else {
            files.push(p);
        }
    }
    files.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("ordinary") && n.ends_with(".txt"))
    });
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .expect("an ordinary messages file")
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Folds and scans every message of `corpus` with `set`, as the engine
/// does for S1; returns the number of hits (for `black_box`).
pub fn fold_and_scan(
    set: &chanrac::content::SignatureSet,
    corpus: &[String],
    buf: &mut chanrac::content::FoldBuf,
    hits: &mut Vec<u32>,
) -> usize {
    let mut n = 0;
    for m in corpus {
        buf.fold(m);
        hits.clear();
        set.scan(buf, hits);
        n += hits.len();
    }
    n
}

/// Benches `f` over `queries` in turn, one query an iteration (each through
/// `black_box`; the index wraps, so `queries.len()` is a power of two).
pub fn bench_each<T: Copy, R>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: impl Into<String>,
    queries: &[T],
    mut f: impl FnMut(T) -> R,
) {
    assert!(queries.len().is_power_of_two(), "a power of two of queries");
    let mask = queries.len() - 1;
    let mut i = 0;
    g.bench_function(id.into(), |b| {
        b.iter(|| {
            i = (i + 1) & mask;
            std::hint::black_box(f(std::hint::black_box(queries[i])))
        })
    });
}

/// Each message of `corpus` folded into a buffer of its own (for scans of
/// already-folded text).
pub fn prefolded(corpus: &[String]) -> Vec<chanrac::content::FoldBuf> {
    corpus
        .iter()
        .map(|m| {
            let mut f = chanrac::content::FoldBuf::new();
            f.fold(m);
            f
        })
        .collect()
}

/// The `links` bench's corpus: [`sms_corpus`] of `n` messages (seed 9,
/// the content signatures' phrases), one in five ending in one of five
/// links (a bank look-alike, a shop, a shortener, a one-letter-off host,
/// a hidden scheme and dot).
pub fn links_corpus(n: usize) -> Vec<String> {
    let (literals, _, _) = bench_signatures();
    let hosts = [
        "vietcombank-vn.top",
        "shopvn.vn/sale",
        "https://bit.ly/3xYz",
        "b1dv.xyz",
        "hxxp://acb-vn[.]net/login",
    ];
    sms_corpus(n, &literals, 9)
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            if i % 5 == 0 {
                format!("{m} {}", hosts[i / 5 % hosts.len()])
            } else {
                m
            }
        })
        .collect()
}

/// The naive baseline: folds each message and tries every literal skeleton
/// with `str::contains`; returns the number of hits.
pub fn fold_and_contains(
    skeletons: &[String],
    corpus: &[String],
    buf: &mut chanrac::content::FoldBuf,
) -> usize {
    let mut n = 0;
    for m in corpus {
        buf.fold(m);
        let sk = buf.skeleton();
        n += skeletons.iter().filter(|s| sk.contains(s.as_str())).count();
    }
    n
}

/// `n` regex signatures over folded text, of the shapes shared spam lists
/// use: amounts, rates, phone numbers after a keyword.
pub fn regex_signatures(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let shapes = [
        r"vay \d{1,3} ?(trieu|tr)\b",
        r"lai suat 0[.,]?\d*%",
        r"goi ngay 0\d{9}",
        r"trung thuong \d+ ?(trieu|tr|k)",
        r"nap the \d+k",
        r"chiet khau \d{1,2}%",
        r"ca do .{0,20}uy tin",
        r"dat nen .{0,30}so do",
    ];
    (0..n)
        .map(|i| {
            let w1 = strip_tones(WORDS[rng.below(WORDS.len() as u64) as usize]);
            let w2 = strip_tones(WORDS[rng.below(WORDS.len() as u64) as usize]);
            format!("{w1} {w2} {}", shapes[i % shapes.len()])
        })
        .collect()
}

/// A corpus of `n` realistic 70–160 character SMS: ads with and without
/// tones, some obfuscated (dots between letters, look-alike letters,
/// zero-width spaces), a few that quote a signature phrase.
pub fn sms_corpus(n: usize, signatures: &[String], seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let mut s = String::from(if i % 3 == 0 { "[QC] " } else { "" });
            while s.chars().count() < 70 + rng.below(80) as usize {
                s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
                s.push(' ');
                if rng.below(8) == 0 {
                    s.push_str(&format!("{}% ", rng.below(100)));
                }
            }
            if i % 50 == 0 {
                s.push_str(&signatures[rng.below(signatures.len() as u64) as usize]);
            }
            s.push_str(" LH 0912 345 678");
            match i % 4 {
                0 => strip_tones(&s),
                1 => s.replace('a', "а").replace('o', "о"), // Cyrillic look-alikes
                2 => s.replace("vay", "V.A.Y").replace("tiền", "t\u{200B}iền"),
                _ => s,
            }
        })
        .collect()
}
