//! Links in a message (`URL_BLOCKED`, `URL_NOT_ALLOWED`, `LOOKALIKE`): which
//! hosts a text links to, and the lists that judge them.
//!
//! # What counts as a link
//!
//! Read on the text in Unicode NFKC, lower-cased, after two rewritings that
//! undo the usual ways of hiding a link:
//!
//! - `[.]`, `(.)`, `{.}`, `(dot)` and `[dot]` are a dot; so is a dot with
//!   white space before it (`vietcombank . com`, `vietcombank .com`; a dot
//!   followed by a space alone is the end of a sentence);
//! - `hxxp` is `http` (`hxxps://`).
//!
//! Then a link is
//!
//! 1. an `http://` or `https://` URL: its host is what lies between the
//!    scheme and the first `/`, `?`, `#`, `\`, white space, quote, bracket or
//!    comma, without user-info (up to the last `@`) and port
//!    (`http://vietcombank.com.vn@evil.top:8080/x` → `evil.top`);
//! 2. a bare host: a run of letters, digits, `-` and dots, not touching `@`
//!    (e-mail addresses are not links), of two labels or more, none empty,
//!    that starts with `www.`, or is an IPv4 address (four numbers of at most
//!    255), or whose last label is a top-level domain of the IANA root zone
//!    (the one-label rules of the pinned Public Suffix List,
//!    `crates/core/data/public_suffix_list.dat`).
//!
//! Hosts are reported in IDNA A-label form: each label lower-cased (after
//! NFKC), a label with non-ASCII letters encoded as `xn--` + Punycode
//! (RFC 3492). A label Punycode cannot encode is kept as written,
//! lower-cased. Trailing dots are dropped.
//!
//! # Domain lists
//!
//! [`DomainList`] holds `domains.csv` rows and an advertiser's `domains`: a
//! *name* (`shopvn.vn`) matches itself and every host ending in `.name`
//! (`evilshopvn.vn` is not under `shopvn.vn`); `*.suffix` matches every host
//! ending in `.suffix`. Entries are compared in A-label form.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use memchr::memmem;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The pinned Public Suffix List (ICANN section).
const PSL: &str = include_str!("../../data/public_suffix_list.dat");

/// A set of names, hashed as the check path's maps are (xxh3, seeded).
type Names = HashSet<String, crate::hash::Seeded>;

struct Psl {
    rules: Names,
    wildcards: Names,
    exceptions: Names,
    tlds: Names,
    /// The folded form of every TLD's U-label (for [`may_link`]).
    folded_tlds: Names,
}

fn psl() -> &'static Psl {
    static PSL_SET: OnceLock<Psl> = OnceLock::new();
    PSL_SET.get_or_init(|| {
        let mut p = Psl {
            rules: Names::default(),
            wildcards: Names::default(),
            exceptions: Names::default(),
            tlds: Names::default(),
            folded_tlds: Names::default(),
        };
        for line in PSL.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with("//") {
                continue;
            }
            if let Some(rest) = line.strip_prefix('!') {
                p.exceptions.insert(host_to_ascii(rest));
            } else if let Some(rest) = line.strip_prefix("*.") {
                p.wildcards.insert(host_to_ascii(rest));
            } else {
                let h = host_to_ascii(line);
                if !h.contains('.') {
                    p.tlds.insert(h.clone());
                    p.folded_tlds.insert(super::fold(line));
                    p.folded_tlds.insert(h.clone());
                }
                p.rules.insert(h);
            }
        }
        p
    })
}

/// Whether a folded text may hold a link: it has `http`, `hxxp` or `www`,
/// or a dot (`.`, `。`, `｡`, or `dot`), possibly followed by white space
/// and a closing bracket, then a digit, a non-ASCII character or a label
/// one of whose prefixes is the folded form of a top-level domain. Every text with a link
/// passes (a proptest checks it); most without one are turned away in one
/// pass, so [`for_each_host`] runs on few messages.
pub fn may_link(folded: &str) -> bool {
    // Built once: a searcher costs more to build than to run on an SMS.
    static FINDERS: OnceLock<[memmem::Finder<'static>; 4]> = OnceLock::new();
    let [http, hxxp, www, dot] = FINDERS
        .get_or_init(|| [b"http".as_slice(), b"hxxp", b"www", b"dot"].map(memmem::Finder::new));
    let b = folded.as_bytes();
    if http.find(b).is_some() || hxxp.find(b).is_some() || www.find(b).is_some() {
        return true;
    }
    let tlds = &psl().folded_tlds;
    // The dots: `.`, and the lead bytes of `。` and `｡` (a lead byte is a
    // character's first, so `at` is a boundary).
    for at in memchr::memchr3_iter(b'.', 0xE3, 0xEF, b) {
        let Some(rest) = folded.get(at..) else {
            continue;
        };
        let Some(c @ ('.' | '\u{3002}' | '\u{FF61}')) = rest.chars().next() else {
            continue;
        };
        if label_may_link(rest.get(c.len_utf8()..).unwrap_or(""), tlds) {
            return true;
        }
    }
    // And `dot` spelled out.
    dot.find_iter(b)
        .any(|at| label_may_link(folded.get(at + 3..).unwrap_or(""), tlds))
}

/// Whether the text `after` a dot of [`may_link`] starts, past white space
/// and closing brackets, a label that a digit or a non-ASCII character
/// leads or one of whose prefixes is a folded top-level domain.
fn label_may_link(after: &str, tlds: &Names) -> bool {
    let after =
        after.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ']' | ')' | '}'));
    let label_len = after
        .find(|c: char| !(c.is_alphanumeric() || c == '-'))
        .unwrap_or(after.len());
    let label = &after[..label_len];
    match label.chars().next() {
        Some(c) if c.is_ascii_digit() || !c.is_ascii() => true,
        // Any prefix: folding drops invisible characters that end a
        // host in the text (`x.co\u{200B}zz` links to `x.co`).
        Some(_) => label
            .char_indices()
            .any(|(k, c)| tlds.contains(&label[..k + c.len_utf8()])),
        None => false,
    }
}

/// Whether `label` (lower case, A-label) is a top-level domain of the
/// pinned list.
pub fn is_tld(label: &str) -> bool {
    psl().tlds.contains(label)
}

/// The number of labels of `host`'s public suffix (A-labels, lower case),
/// by the Public Suffix List algorithm (the longest matching rule, an
/// exception rule winning; a host no rule covers has a one-label suffix).
///
/// ```
/// use chanrac::content::links::public_suffix_labels;
/// assert_eq!(public_suffix_labels("vietcombank.com.vn"), 2);
/// assert_eq!(public_suffix_labels("acb-vn.net"), 1);
/// assert_eq!(public_suffix_labels("www.ck"), 1);
/// ```
pub fn public_suffix_labels(host: &str) -> usize {
    let p = psl();
    // The labels from the `i`-th on, joined by their dots, are the host
    // from that label's first byte: each candidate is a slice, not a new
    // string.
    let n = host.split('.').count();
    let mut starts = std::iter::once(0)
        .chain(memchr::memchr_iter(b'.', host.as_bytes()).map(|d| d + 1))
        .peekable();
    let mut best = 1;
    let mut i = 0;
    while let Some(at) = starts.next() {
        let cand = host.get(at..).unwrap_or("");
        if p.exceptions.contains(cand) {
            return n - i - 1;
        }
        if p.rules.contains(cand) {
            best = best.max(n - i);
        }
        if let Some(&next) = starts.peek() {
            if p.wildcards.contains(host.get(next..).unwrap_or("")) {
                best = best.max(n - i);
            }
        }
        i += 1;
    }
    best.min(n)
}

/// The labels of `host` left of its public suffix (`vietcombank-vn.top` →
/// `["vietcombank-vn"]`).
pub fn labels_left_of_suffix(host: &str) -> Vec<&str> {
    let n = public_suffix_labels(host);
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let keep = labels.len().saturating_sub(n);
    labels.into_iter().take(keep).collect()
}

/// `host` in IDNA A-label form: NFKC, lower case, each non-ASCII label
/// Punycode-encoded with `xn--`; trailing dots dropped.
///
/// ```
/// use chanrac::content::links::host_to_ascii;
/// assert_eq!(host_to_ascii("VietcomBank.COM.vn."), "vietcombank.com.vn");
/// assert_eq!(host_to_ascii("bücher.de"), "xn--bcher-kva.de");
/// assert_eq!(host_to_ascii("ｅｘａｍｐｌｅ。ｃｏｍ"), "example.com");
/// ```
pub fn host_to_ascii(host: &str) -> String {
    // ASCII is its own NFKC, and its own IDNA once in lower case.
    if host.is_ascii() {
        let mut out = host.to_ascii_lowercase();
        out.truncate(out.trim_end_matches('.').len());
        return out;
    }
    let lowered: String = host
        .nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            c => c,
        })
        .collect();
    let trimmed = lowered.trim_end_matches('.');
    let mut out = String::with_capacity(trimmed.len());
    for (i, label) in trimmed.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        if label.is_ascii() {
            out.push_str(label);
        } else {
            match punycode(label) {
                Some(p) => {
                    out.push_str("xn--");
                    out.push_str(&p);
                }
                None => out.push_str(label),
            }
        }
    }
    out
}

/// Punycode (RFC 3492) of `input`; `None` on overflow.
pub fn punycode(input: &str) -> Option<String> {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
        delta = if first { delta / DAMP } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }
    fn digit(d: u32) -> char {
        // 0..25 → a..z, 26..35 → 0..9
        char::from_u32(if d < 26 { d + 97 } else { d + 22 }).unwrap_or('a')
    }
    let cps: Vec<u32> = input.chars().map(u32::from).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    let mut h = basic;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias) = (128u32, 0u32, 72u32);
    let total = cps.len() as u32;
    while h < total {
        let m = cps.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(h + 1)?)?;
        n = m;
        for &c in &cps {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, h + 1, h == basic);
                delta = 0;
                h += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(out)
}

/// Characters that end a URL's authority.
fn ends_authority(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '/' | '?'
                | '#'
                | '\\'
                | '"'
                | '\''
                | '<'
                | '>'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | ','
        )
}

/// Characters of a bare host.
#[inline]
fn host_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    }
    vietnamese_letter(c) || matches!(c, 'а'..='я') || c.is_alphanumeric()
}

/// Whether `c` is a letter of the Latin blocks Vietnamese is written in
/// (Latin-1 letters, Latin Extended-A and -B, Latin Extended Additional):
/// `char::is_alphanumeric` without its table search, for the letters most
/// texts here hold.
fn vietnamese_letter(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') && !matches!(c, '×' | '÷')
}

/// The text as links are read: NFKC, lower case, dots and schemes
/// un-hidden (see the module docs).
fn prepare(text: &str, out: &mut String) {
    out.clear();
    let lowered = lowered(text);
    let mut tmp = String::new();
    let hidden = unhide(&lowered, &mut tmp);
    if !hidden && !lowered.contains(" .") {
        // Nothing hidden (most texts): the lowered text as it is.
        *out = lowered;
        return;
    }
    if !hidden {
        tmp = lowered;
    }
    // A dot with white space before it joins its neighbours. Read by byte
    // offsets, the text copied in runs between the joins.
    let t = tmp.as_str();
    let white = |from: usize| {
        t.get(from..).map_or(from, |r| {
            from + r
                .char_indices()
                .find(|&(_, c)| !c.is_whitespace())
                .map_or(r.len(), |(k, _)| k)
        })
    };
    let (mut i, mut copied) = (0, 0);
    while let Some(c) = t.get(i..).and_then(|r| r.chars().next()) {
        // What precedes `c` in the output ends as the text before it does
        // (a join leaves a dot before a host character, never before white
        // space).
        if c.is_whitespace() && t[..i].chars().next_back().is_some_and(host_char) {
            let j = white(i);
            if t.get(j..).is_some_and(|r| r.starts_with('.')) {
                let k = white(j + 1);
                if t.get(k..)
                    .and_then(|r| r.chars().next())
                    .is_some_and(host_char)
                {
                    out.push_str(&t[copied..i]);
                    out.push('.');
                    (i, copied) = (k, k);
                    continue;
                }
            }
        }
        i += c.len_utf8();
    }
    out.push_str(&t[copied..]);
}

/// `text` in NFKC and lower case, `。` and `｡` read as dots.
fn lowered(text: &str) -> String {
    let mut lowered = String::with_capacity(text.len());
    // ASCII and the common letters lowered as they come (most texts hold
    // nothing else: such a text is in NFKC); from the first other
    // character on, the rest lowered so too when the NFKC quick check
    // says it is normalised already (an ASCII character or a common letter
    // before it is a starter NFKC keeps, which the check starts again
    // from), else the whole text normalised.
    let Some(i) = lower_into(text, 0, &mut lowered, false) else {
        return lowered;
    };
    if nfkc_quick_yes(text.get(i..).unwrap_or_default()) {
        lower_into(text, i, &mut lowered, true);
    } else {
        lowered.clear();
        lowered.extend(text.nfkc().flat_map(char::to_lowercase).map(|c| match c {
            '\u{3002}' | '\u{FF61}' => '.',
            c => c,
        }));
    }
    lowered
}

/// Appends `text` from byte `from` on in lower case to `out`, copied in
/// runs of what lowers to itself, ASCII eight bytes at a time. Any other
/// character than ASCII and the [`common_letter`]s is lowered by the
/// Unicode tables (`。` and `｡` read as dots) when `others`; else the
/// text is appended up to it and its offset returned.
fn lower_into(text: &str, from: usize, out: &mut String, others: bool) -> Option<usize> {
    let b = text.as_bytes();
    let (mut i, mut copied) = (from, from);
    while let Some(&c) = b.get(i) {
        if c < 0x80 {
            // Eight bytes at a time past ASCII with no capital.
            if let Some(w) = b.get(i..i + 8).and_then(|w| w.first_chunk::<8>()) {
                if ascii_without_capitals(u64::from_le_bytes(*w)) {
                    i += 8;
                    continue;
                }
            }
            if c.is_ascii_uppercase() {
                out.push_str(text.get(copied..i).unwrap_or_default());
                out.push(char::from(c.to_ascii_lowercase()));
                copied = i + 1;
            }
            i += 1;
            continue;
        }
        let common = common_letter_at(b, i);
        if let Some((len, true)) = common {
            // Its own lower case (most of them).
            i += len;
            continue;
        }
        if common.is_none() && !others {
            out.push_str(text.get(copied..i).unwrap_or_default());
            return Some(i);
        }
        let Some(c) = text.get(i..).and_then(|r| r.chars().next()) else {
            break;
        };
        let len = c.len_utf8();
        // The one character it lowers to (`None`: more than one).
        let l = common_lower(c).or_else(|| {
            let mut lower = c.to_lowercase();
            lower.next().filter(|_| lower.len() == 0)
        });
        if l != Some(c) || matches!(c, '\u{3002}' | '\u{FF61}') {
            out.push_str(text.get(copied..i).unwrap_or_default());
            match l {
                Some('\u{3002}' | '\u{FF61}') => out.push('.'),
                Some(l) => out.push(l),
                None => out.extend(c.to_lowercase()),
            }
            copied = i + len;
        }
        i += len;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    None
}

/// Whether the eight bytes of `x` are ASCII without a capital `A-Z`.
fn ascii_without_capitals(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Each byte below 0x80: adding `0x80 - b'A'` sets its high bit when it
    // is `A` or more, adding `0x80 - b'Z' - 1` when it is past `Z`; no
    // carry crosses a byte.
    let at_least_a = x.wrapping_add(ONES * u64::from(0x80 - b'A'));
    let past_z = x.wrapping_add(ONES * u64::from(0x80 - b'Z' - 1));
    x & HIGH == 0 && at_least_a & !past_z & HIGH == 0
}

/// The length in bytes of the [`common_letter`] whose UTF-8 starts at
/// byte `i` of `b` (a text's bytes), and whether it is its own lower case;
/// `None` for any other character. Read from the bytes (a test checks
/// every character).
fn common_letter_at(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let x = *b.get(i + 1)?;
    match *b.get(i)? {
        // Latin-1 `À`–`ÿ`: the capitals `À`–`Þ` but `×`.
        0xC3 => Some((2, x >= 0x9F || x == 0x97)),
        // `Ă ă Đ đ Ĩ ĩ`, `Ũ ũ`, `Ơ ơ Ư ư`.
        0xC4 if matches!(x, 0x82 | 0x83 | 0x90 | 0x91 | 0xA8 | 0xA9) => Some((2, x & 1 == 1)),
        0xC5 if matches!(x, 0xA8 | 0xA9) => Some((2, x == 0xA9)),
        0xC6 if matches!(x, 0xA0 | 0xA1 | 0xAF | 0xB0) => Some((2, x == 0xA1 || x == 0xB0)),
        // Cyrillic `Ѐ`–`я`, then `ѐ`–`џ`.
        0xD0 => Some((2, x >= 0xB0)),
        0xD1 if x <= 0x9F => Some((2, true)),
        // `Ạ ạ` … `Ỹ ỹ` (U+1EA0–U+1EF9), the capital even.
        0xE1 => {
            let y = *b.get(i + 2)?;
            let common = (x == 0xBA && y >= 0xA0) || (x == 0xBB && y <= 0xB9);
            common.then_some((3, y & 1 == 1))
        }
        _ => None,
    }
}

/// Whether the NFKC quick check answers yes for `text`, asked of its runs
/// of characters other than ASCII and the [`common_letter`]s only: each of
/// those is a starter NFKC keeps (quick check yes, combining class 0,
/// which the check starts again from), so the text's answer is yes
/// exactly when every run's is.
fn nfkc_quick_yes(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c < 0x80 {
            // Eight bytes at a time past ASCII.
            let w = b.get(i..i + 8).and_then(|w| w.first_chunk::<8>());
            i += match w {
                Some(w) if u64::from_le_bytes(*w) & 0x8080_8080_8080_8080 == 0 => 8,
                _ => 1,
            };
        } else if let Some((len, _)) = common_letter_at(b, i) {
            i += len;
        } else {
            // The run: this character and the next ones that are neither.
            let start = i;
            while let Some(c) = text.get(i..).and_then(|r| r.chars().next()) {
                if i > start && (c.is_ascii() || common_letter(c)) {
                    break;
                }
                i += c.len_utf8();
            }
            let run = text.get(start..i).unwrap_or_default();
            if run.is_empty() || is_nfkc_quick(run.chars()) != IsNormalized::Yes {
                return false;
            }
        }
    }
    true
}

/// Whether `c` is one of the letters most texts here hold beyond ASCII
/// (Latin-1's, the Vietnamese ones of Latin Extended-A and -B and of Latin
/// Extended Additional, basic Cyrillic): each is kept by NFKC (quick
/// check yes) and is a starter (combining class 0), so a run of them is
/// already NFKC without the table search (a test checks every one).
fn common_letter(c: char) -> bool {
    matches!(
        c,
        '\u{00C0}'..='\u{00FF}'
            | '\u{0102}'
            | '\u{0103}'
            | '\u{0110}'
            | '\u{0111}'
            | '\u{0128}'
            | '\u{0129}'
            | '\u{0168}'
            | '\u{0169}'
            | '\u{01A0}'
            | '\u{01A1}'
            | '\u{01AF}'
            | '\u{01B0}'
            | '\u{1EA0}'..='\u{1EF9}'
            | '\u{0400}'..='\u{045F}'
    )
}

/// The lower case of a [`common_letter`] that is one character, by the
/// layout of its block (`None`: ask the Unicode tables). A test checks
/// every one against [`char::to_lowercase`].
fn common_lower(c: char) -> Option<char> {
    let u = u32::from(c);
    let l = match u {
        // Latin-1 capitals are 0x20 below their small letters (`×`, `÷`
        // are their own).
        0xD7 | 0xDF..=0xFF => u,
        0xC0..=0xDE => u + 0x20,
        // Pairs, the capital even (`Ă ă`, `Đ đ`, `Ĩ ĩ`, `Ũ ũ`, `Ạ ạ` … `Ỹ ỹ`).
        0x102 | 0x110 | 0x128 | 0x168 | 0x1A0 | 0x1EA0..=0x1EF9 => u | 1,
        0x103 | 0x111 | 0x129 | 0x169 | 0x1A1 | 0x1B0 => u,
        // `Ư ư`: the capital odd.
        0x1AF => 0x1B0,
        // Cyrillic: `Ѐ`–`Џ` 0x50 below, `А`–`Я` 0x20 below their small ones.
        0x400..=0x40F => u + 0x50,
        0x410..=0x42F => u + 0x20,
        0x430..=0x45F => u,
        _ => return None,
    };
    char::from_u32(l)
}

/// The hidden dots and schemes of a link: each is read as the second.
const HIDDEN: [(&str, &str); 6] = [
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("(dot)", "."),
    ("[dot]", "."),
    ("hxxp", "http"),
];

/// `text` with its hidden dots and schemes (`[.]`, `(.)`, `{.}`, `(dot)`,
/// `[dot]`, `hxxp` starting a word, in any case) read as a dot and `http`, into `out`;
/// `false` (and `out` untouched) when it has none. Links are read so, and
/// so is the robust text of signatures (`acb-vn(.)top` → `acb-vn.top`).
///
/// ```
/// use chanrac::content::links::unhide;
/// let mut out = String::new();
/// assert!(unhide("vào hxxps://acb-vn(DOT)net hoặc vcb[.]top", &mut out));
/// assert_eq!(out, "vào https://acb-vn.net hoặc vcb.top");
/// assert!(!unhide("[QC] giảm 50% (đến 31/12)", &mut out));
/// assert!(!unhide("mã MHXXP", &mut out));
/// ```
pub fn unhide(text: &str, out: &mut String) -> bool {
    let b = text.as_bytes();
    // Most texts have neither a bracket before a dot or a `d`, nor an `x`
    // between an `h` and an `x` (`[QC]` is common; `(.)`, `hxxp` rare).
    let byte = |k: usize| b.get(k).copied().unwrap_or(0);
    let dotted = memchr::memchr3_iter(b'[', b'(', b'{', b)
        .any(|k| matches!(byte(k + 1), b'.' | b'd' | b'D'));
    let scheme = || {
        memchr::memchr2_iter(b'x', b'X', b).any(|k| {
            k > 0 && matches!(byte(k - 1), b'h' | b'H') && matches!(byte(k + 1), b'x' | b'X')
        })
    };
    if !dotted && !scheme() {
        return false;
    }
    let at = |i: usize| -> Option<(usize, &'static str)> {
        HIDDEN.iter().find_map(|&(from, to)| {
            b.get(i..i + from.len())
                .filter(|s| s.eq_ignore_ascii_case(from.as_bytes()))
                .map(|_| (from.len(), to))
        })
    };
    let mut i = 0;
    let mut last = 0;
    let mut found = false;
    while i < b.len() {
        // `hxxp` only where a word starts (not in `mhxxp`).
        let starts = |i: usize| {
            !matches!(b[i], b'h' | b'H')
                || !text[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        };
        // Each hidden form has a `.`, `d` or `x` second (most words
        // starting with `h` do not).
        if matches!(b[i], b'[' | b'(' | b'{' | b'h' | b'H')
            && matches!(b.get(i + 1), Some(b'.' | b'd' | b'D' | b'x' | b'X'))
            && starts(i)
        {
            if let Some((n, to)) = at(i) {
                if !found {
                    out.clear();
                    found = true;
                }
                out.push_str(&text[last..i]);
                out.push_str(to);
                i += n;
                last = i;
                continue;
            }
        }
        i += 1;
    }
    if found {
        out.push_str(&text[last..]);
    }
    found
}

/// Calls `f` with the host (A-label form) of every link in `text`, in
/// order of appearance (a host linked twice is reported twice).
///
/// ```
/// use chanrac::content::links::hosts;
/// assert_eq!(hosts("Vào http://vietcombank.com.vn@evil.top:8080/login ngay"), ["evil.top"]);
/// assert_eq!(hosts("truy cập vietcombank-vn[.]top hoặc hxxps://acb-vn(dot)net/x"),
///            ["vietcombank-vn.top", "acb-vn.net"]);
/// assert_eq!(hosts("mail cho abc@gmail.com, 5.000.000 đồng"), Vec::<String>::new());
/// assert_eq!(hosts("www.shopvn ok, 10.0.0.1 và bit . ly/abc"), ["www.shopvn", "10.0.0.1", "bit.ly"]);
/// ```
pub fn for_each_host(text: &str, mut f: impl FnMut(&str)) {
    // Every link has a dot, written or spelled: most messages have neither
    // and cost one pass, without allocating.
    if text.is_ascii() && !text.contains('.') && !text.contains("dot") {
        return;
    }
    let mut w = String::new();
    prepare(text, &mut w);
    // Read by byte offsets, a character decoded where one starts (ASCII,
    // most of them, without decoding).
    let at = |o: usize| -> Option<char> {
        match w.as_bytes().get(o) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            Some(_) => w.get(o..).and_then(|r| r.chars().next()),
            None => None,
        }
    };
    let before = |o: usize| w.get(..o).and_then(|r| r.chars().next_back());
    // Every link holds a `.` or `:` and no space, and what is read from a
    // position ends before the next space (which is read on its own):
    // only the stretches between spaces that hold one are read, character
    // by character.
    let wb = w.as_bytes();
    let mut off = 0;
    while let Some(p) = wb
        .get(off..)
        .and_then(|r| memchr::memchr2(b'.', b':', r))
        .map(|p| off + p)
    {
        off = memchr::memrchr(b' ', &wb[off..p]).map_or(off, |s| off + s + 1);
        let stretch_end = memchr::memchr(b' ', &wb[p..]).map_or(wb.len(), |e| p + e);
        while let Some(c) = at(off).filter(|_| off < stretch_end) {
            // 1. URLs with a scheme.
            if c == 'h' {
                let rest = &w[off..];
                if let Some(s) = ["http://", "https://"]
                    .into_iter()
                    .find(|s| rest.starts_with(s))
                {
                    let start = off + s.len();
                    let auth_len = w[start..].find(ends_authority).unwrap_or(w.len() - start);
                    let auth = &w[start..start + auth_len];
                    let after_user = auth.rsplit('@').next().unwrap_or(auth);
                    let host = match after_user.rfind(':') {
                        Some(p) => &after_user[..p],
                        None => after_user,
                    };
                    let host = host.trim_end_matches('.');
                    if !host.is_empty() {
                        f(&host_to_ascii(host));
                    }
                    off = start + auth_len;
                    continue;
                }
            }
            // 2. Bare hosts: a run of host characters and dots that does not
            // start after `@` or inside a word.
            let run_char = |c: char| c == '.' || host_char(c);
            if !run_char(c) || before(off).is_some_and(|p| p == '@' || host_char(p)) {
                off += c.len_utf8();
                continue;
            }
            let mut end = off;
            while let Some(c) = at(end).filter(|&c| run_char(c)) {
                end += c.len_utf8();
            }
            let run = w[off..end].trim_matches('.');
            let followed_by_at = at(end) == Some('@');
            off = end;
            // A word (no dot) is no host: most runs, asked before splitting.
            if followed_by_at || !run.contains('.') {
                continue;
            }
            if run.split('.').any(str::is_empty) {
                continue;
            }
            // The last label decides (a TLD), unless the run starts with
            // `www.` or may be an IPv4 address; an ASCII one needs no IDNA.
            let last = run.rsplit('.').next().unwrap_or("");
            let digits = run.bytes().all(|b| b == b'.' || b.is_ascii_digit());
            if !run.starts_with("www.") && !digits && last.is_ascii() && !is_tld(last) {
                continue;
            }
            let ipv4 = run.split('.').count() == 4
                && run.split('.').all(|l| {
                    l.len() <= 3
                        && l.bytes().all(|b| b.is_ascii_digit())
                        && l.parse::<u16>().is_ok_and(|n| n <= 255)
                });
            let host = host_to_ascii(run);
            let tld = host.rsplit('.').next().unwrap_or("");
            if run.starts_with("www.") || ipv4 || is_tld(tld) {
                f(&host);
            }
        }
        // The space that ends the stretch.
        off = stretch_end + 1;
    }
}

/// The hosts of every link in `text` (allocates; see [`for_each_host`]).
pub fn hosts(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    for_each_host(text, |h| v.push(h.to_string()));
    v
}

/// What a `domains.csv` row does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DomainAction {
    /// `block`: links to it are `URL_BLOCKED`.
    Block,
    /// `allow`: never blocked, allowed in every advertiser's ads.
    Allow,
}

impl DomainAction {
    /// `block` or `allow`.
    pub fn name(self) -> &'static str {
        match self {
            DomainAction::Block => "block",
            DomainAction::Allow => "allow",
        }
    }

    /// Parses an `action` value (trimmed, case-insensitive; empty is
    /// `block`).
    pub fn from_name(s: &str) -> Option<DomainAction> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("block") {
            Some(DomainAction::Block)
        } else if s.eq_ignore_ascii_case("allow") {
            Some(DomainAction::Allow)
        } else {
            None
        }
    }
}

/// Names and `*.suffix` rules, each with an action; looked up by host.
///
/// ```
/// use chanrac::content::links::{DomainAction, DomainList};
/// let mut d = DomainList::default();
/// d.insert("*.top", DomainAction::Block).unwrap();
/// d.insert("shopvn.vn", DomainAction::Allow).unwrap();
/// assert_eq!(d.get("evil.top"), Some(DomainAction::Block));
/// assert_eq!(d.get("m.shopvn.vn"), Some(DomainAction::Allow));
/// assert_eq!(d.get("evilshopvn.vn"), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainList {
    names: BTreeMap<String, DomainAction>,
    suffixes: BTreeMap<String, DomainAction>,
    /// The entries as given, in order, for snapshots and reports.
    entries: Vec<(String, DomainAction)>,
}

impl DomainList {
    /// Adds `domain` (a name, or `*.suffix`); an error (lower case) when it
    /// is not a host name. A name listed twice keeps `allow` if either row
    /// allows.
    pub fn insert(&mut self, domain: &str, action: DomainAction) -> Result<(), String> {
        let d = domain.trim();
        let (wild, name) = match d.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, d),
        };
        let host = host_to_ascii(name);
        if host.is_empty()
            || host.split('.').any(str::is_empty)
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || !c.is_ascii())
        {
            return Err(format!("`{d}` is not a domain name"));
        }
        let map = if wild {
            &mut self.suffixes
        } else {
            &mut self.names
        };
        let e = map.entry(host).or_insert(action);
        if action == DomainAction::Allow {
            *e = DomainAction::Allow;
        }
        self.entries.push((d.to_string(), action));
        Ok(())
    }

    /// Whether no entry was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries as added (domain as written, action).
    pub fn entries(&self) -> &[(String, DomainAction)] {
        &self.entries
    }

    /// The action for `host` (A-label, lower case): `allow` when any
    /// matching entry allows, else `block` when one blocks, else `None`.
    pub fn get(&self, host: &str) -> Option<DomainAction> {
        let mut found = None;
        let mut note = |a: Option<&DomainAction>| {
            if let Some(&a) = a {
                if found != Some(DomainAction::Allow) {
                    found = Some(a);
                }
            }
        };
        note(self.names.get(host));
        let mut rest = host;
        while let Some(p) = rest.find('.') {
            rest = &rest[p + 1..];
            note(self.names.get(rest));
            note(self.suffixes.get(rest));
        }
        found
    }

    /// Whether `host` is under an entry (whatever its action).
    pub fn covers(&self, host: &str) -> bool {
        self.get(host).is_some()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// [`for_each_host`] as it was written before it read by byte offsets
    /// (every character collected first): the definition the faster one
    /// is held to.
    fn reference_for_each_host(text: &str, mut f: impl FnMut(&str)) {
        // Every link has a dot, written or spelled: most messages have neither
        // and cost one pass, without allocating.
        if text.is_ascii() && !text.contains('.') && !text.contains("dot") {
            return;
        }
        let mut w = String::new();
        prepare(text, &mut w);
        // Sized once (collecting grows it from a quarter of the bytes).
        let mut chars: Vec<(usize, char)> = Vec::with_capacity(w.len());
        chars.extend(w.char_indices());
        let at = |k: usize| chars.get(k).map(|&(_, c)| c);
        let mut i = 0;
        while i < chars.len() {
            let off = chars[i].0;
            let rest = &w[off..];
            // 1. URLs with a scheme.
            let scheme = ["http://", "https://"]
                .into_iter()
                .find(|s| rest.starts_with(s));
            if let Some(s) = scheme {
                let start = off + s.len();
                let auth_len = w[start..].find(ends_authority).unwrap_or(w.len() - start);
                let auth = &w[start..start + auth_len];
                let after_user = auth.rsplit('@').next().unwrap_or(auth);
                let host = match after_user.rfind(':') {
                    Some(p) => &after_user[..p],
                    None => after_user,
                };
                let host = host.trim_end_matches('.');
                if !host.is_empty() {
                    f(&host_to_ascii(host));
                }
                let end = start + auth_len;
                while i < chars.len() && chars[i].0 < end {
                    i += 1;
                }
                continue;
            }
            // 2. Bare hosts.
            let c = chars[i].1;
            if !(host_char(c) || c == '.')
                || i.checked_sub(1)
                    .and_then(at)
                    .is_some_and(|p| p == '@' || host_char(p))
            {
                i += 1;
                continue;
            }
            let mut j = i;
            while at(j).is_some_and(|c| host_char(c) || c == '.') {
                j += 1;
            }
            let end = chars.get(j).map_or(w.len(), |&(o, _)| o);
            let run = w[off..end].trim_matches('.');
            let followed_by_at = at(j) == Some('@');
            i = j.max(i + 1);
            // A word (no dot) is no host: most runs, asked before splitting.
            if followed_by_at || !run.contains('.') {
                continue;
            }
            let labels: Vec<&str> = run.split('.').collect();
            if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
                continue;
            }
            // The last label decides (a TLD), unless the run starts with
            // `www.` or may be an IPv4 address; an ASCII one needs no IDNA.
            let last = labels.last().copied().unwrap_or("");
            let digits = labels.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit()));
            if !run.starts_with("www.") && !digits && last.is_ascii() && !is_tld(last) {
                continue;
            }
            let ipv4 = labels.len() == 4
                && labels.iter().all(|l| {
                    l.len() <= 3
                        && l.bytes().all(|b| b.is_ascii_digit())
                        && l.parse::<u16>().is_ok_and(|n| n <= 255)
                });
            let host = host_to_ascii(run);
            let tld = host.rsplit('.').next().unwrap_or("");
            if run.starts_with("www.") || ipv4 || is_tld(tld) {
                f(&host);
            }
        }
    }

    /// [`public_suffix_labels`] as first written (every candidate joined
    /// anew).
    fn reference_suffix_labels(host: &str) -> usize {
        let p = psl();
        let labels: Vec<&str> = host.split('.').collect();
        let n = labels.len();
        let mut best = 1;
        for i in 0..n {
            let cand = labels[i..].join(".");
            if p.exceptions.contains(&cand) {
                return n - i - 1;
            }
            if p.rules.contains(&cand) {
                best = best.max(n - i);
            }
            if i + 1 < n && p.wildcards.contains(&labels[i + 1..].join(".")) {
                best = best.max(n - i);
            }
        }
        best.min(n)
    }

    proptest::proptest! {
        /// The public suffix is counted as the reference counts it, wild
        /// cards and exceptions included.
        #[test]
        fn suffix_labels_as_the_reference(
            labels in proptest::collection::vec(proptest::sample::select(&[
                "", "www", "city", "kawasaki", "jp", "ck", "com", "vn", "co", "uk", "gov",
                "acb-vn", "top", "xn--p1ai", "bd", "mm", "er", "x",
            ][..]), 0..6),
        ) {
            let host = labels.join(".");
            proptest::prop_assert_eq!(
                public_suffix_labels(&host),
                reference_suffix_labels(&host),
                "{:?}", host
            );
        }

        /// The extraction finds the hosts the reference finds, in order.
        #[test]
        fn hosts_as_the_reference_finds_them(
            pieces in proptest::collection::vec(proptest::sample::select(&[
                "http://", "https://", "hxxps://", "HTTP://", "www.", ".", ". ", " . ", " .", "..",
                "@", ":", ":8080", "/", "/x.vn", "?", "#", "-", " ", "  ", ",", "(.)", "[.]", "(dot)",
                "dot", "\u{3002}", "\u{FF0E}", "vn", "com", "top", "xyz", "bit", "ly", "acb",
                "vietcombank", "shop", "ngân", "hàng", "tiền", "Việt", "ĐT", "0912", "10", "255",
                "256", "1", "а", "ｗｗｗ", "ｈｔｔｐ：／／", "\u{200B}", "x", "h", "http", "user@",
                "'", "\"", "<", ">", "]", ")", "\u{00A0}", "🎁", "\u{FE0F}", "\u{FF0E}com",
            ][..]), 0..14),
        ) {
            let text: String = pieces.concat();
            let (mut fast, mut reference) = (Vec::new(), Vec::new());
            for_each_host(&text, |h| fast.push(h.to_string()));
            reference_for_each_host(&text, |h| reference.push(h.to_string()));
            proptest::prop_assert_eq!(fast, reference, "{:?}", text);
        }

        /// The same, over texts of words, hosts, URLs, handles and
        /// addresses between spaces and punctuation, in both cases, with
        /// Vietnamese and Cyrillic letters.
        #[test]
        fn hosts_among_words_as_the_reference_finds_them(
            text in proptest::prop_oneof![
                "[a-zA-Z0-9 .:@/_\\-\\[\\]()]{0,60}",
                "(([a-z]{1,6}|[a-zA-Z0-9]{2,8}[.][a-zA-Z]{2,3}|[hH][tTxX]{2}[pP][sS]?://[a-z.@:0-9]{0,12}|[a-z]{1,5}@[a-z]{2,5}[.]com|[wW]{3}[.][a-z]{2,5}|[a-z]{2,6} [.] ?[a-z]{2,3}|[a-z]{2,6}[(\\[{][dD.][oO]?[tT]?[)\\]}][a-z]{2,3})[ ,.!\t]{1,2}){0,8}",
                "(([a-zăđươÀẠỆĐƯa-z]{1,6}|[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}|[a-zđA-ZĐ]{2,6}[.](vn|top|com|xyz|VN)/[a-z]{0,4}|[а-яА-Я]{2,5}[.]com)[ \u{3000}\u{A0}。:💰\u{FE0F}\u{200B}]{1,2}){0,8}",
            ]
        ) {
            let (mut fast, mut reference) = (Vec::new(), Vec::new());
            for_each_host(&text, |h| fast.push(h.to_string()));
            reference_for_each_host(&text, |h| reference.push(h.to_string()));
            proptest::prop_assert_eq!(fast, reference, "{:?}", text);
        }
    }

    /// [`prepare`] as it was first written (the hidden forms tried at
    /// every bracket and every `h` starting a word, the dots joined over
    /// the characters collected): the definition the faster one is held to.
    fn reference_prepare(text: &str) -> String {
        let lowered = lowered(text);
        let (b, mut unhidden, mut last, mut i) = (lowered.as_bytes(), String::new(), 0, 0);
        while i < b.len() {
            let starts = !matches!(b[i], b'h' | b'H')
                || !lowered[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            let hidden = HIDDEN.iter().find(|(from, _)| {
                starts
                    && b.get(i..i + from.len())
                        .is_some_and(|s| s.eq_ignore_ascii_case(from.as_bytes()))
            });
            match hidden {
                Some((from, to)) => {
                    unhidden.push_str(&lowered[last..i]);
                    unhidden.push_str(to);
                    i += from.len();
                    last = i;
                }
                None => i += 1,
            }
        }
        let hidden = last > 0;
        unhidden.push_str(&lowered[last..]);
        if !hidden && !lowered.contains(" .") {
            return lowered;
        }
        let chars: Vec<char> = unhidden.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() && out.chars().next_back().is_some_and(host_char) {
                let j = i + chars[i..].iter().take_while(|c| c.is_whitespace()).count();
                if chars.get(j) == Some(&'.') {
                    let k = j
                        + 1
                        + chars[j + 1..]
                            .iter()
                            .take_while(|c| c.is_whitespace())
                            .count();
                    if chars.get(k).copied().is_some_and(host_char) {
                        out.push('.');
                        i = k;
                        continue;
                    }
                }
            }
            out.push(c);
            i += 1;
        }
        out
    }

    proptest::proptest! {
        /// Links are read on the text prepared as the reference prepares
        /// it: hidden dots and schemes, dots after white space, in both
        /// cases, among Vietnamese words.
        #[test]
        fn prepared_as_the_reference_prepares(
            pieces in proptest::collection::vec(proptest::sample::select(&[
                "[.]", "(.)", "{.}", "(dot)", "[DOT]", "(Dot)", "[d", "(x", "hxxp", "HXXPS://", "mhxxp",
                "h", "x", "hx", "xx", "p", ".", " . ", " .", ".  ", "\t.", "\u{3000}.", "\u{2028}",
                " ", "  ", "acb", "vn", "com", "ngân", "hàng", "Hội", "ĐT", "0", "-", "@", "\u{200B}", "🎁",
            ][..]), 0..16),
        ) {
            let text: String = pieces.concat();
            let mut w = String::new();
            prepare(&text, &mut w);
            proptest::prop_assert_eq!(w, reference_prepare(&text), "{:?}", text);
        }
    }

    /// The quick range of host characters agrees with the table search
    /// it goes before, over every character of it.
    #[test]
    fn vietnamese_letters_are_alphanumeric() {
        for c in ('\u{00C0}'..='\u{024F}').chain('\u{1E00}'..='\u{1EFF}') {
            assert_eq!(vietnamese_letter(c), c.is_alphanumeric(), "{c:?}");
        }
        assert!(('а'..='я').all(char::is_alphanumeric));
    }

    /// Every common letter is a starter NFKC keeps, and its quick lower
    /// case is the Unicode one.
    #[test]
    fn common_letters_are_normalised_starters() {
        use unicode_normalization::char::canonical_combining_class;
        let mut n = 0;
        for c in ('\u{80}'..='\u{2FFF}').filter(|&c| common_letter(c)) {
            assert_eq!(
                is_nfkc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "{c:?}"
            );
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            let mut lower = c.to_lowercase();
            let one = lower.next().filter(|_| lower.next().is_none());
            assert_eq!(common_lower(c), one, "{c:?}");
            n += 1;
        }
        assert_eq!(n, 64 + 12 + 90 + 96);
    }

    /// The quick check asked run by run answers as asked of the whole
    /// text.
    #[test]
    fn quick_check_by_runs() {
        for t in [
            "Vay tiền nhanh",
            "e\u{0301}a\u{0301}",
            "a\u{0323}\u{0302}b",
            "a\u{0302}\u{0323}b",
            "ｖａｙ 。com",
            "x\u{0301}\u{0323} y",
            "ﬁ ok",
            "",
        ] {
            let whole = is_nfkc_quick(t.chars()) == IsNormalized::Yes;
            assert_eq!(nfkc_quick_yes(t), whole, "{t:?}");
        }
    }

    proptest::proptest! {
        /// The quick paths of the lowering (ASCII, already NFKC) read as
        /// the general one: NFKC, lower case, the two dots.
        #[test]
        fn lowering_reads_as_normalised(
            text in "[a-zA-Z0-9 .\u{3002}\u{FF61}\u{FF56}\u{FF41}\u{FB01}\u{00C0}-\u{00FF}\u{0102}\u{0103}\u{0110}\u{0111}\u{01A0}\u{01A1}\u{01AF}\u{01B0}\u{1EA0}-\u{1EF9}\u{0300}\u{0301}\u{0303}\u{0309}\u{0323}\u{200B}\u{0400}-\u{045F}\u{0128}\u{0129}\u{0168}\u{0169}\u{0391}-\u{03A9}\u{1F381}\u{00D7}]{0,40}",
        ) {
            let general: String = text
                .nfkc()
                .flat_map(char::to_lowercase)
                .map(|c| match c {
                    '\u{3002}' | '\u{FF61}' => '.',
                    c => c,
                })
                .collect();
            proptest::prop_assert_eq!(lowered(&text), general);
        }

        /// The quick check asked of the runs that are neither ASCII nor
        /// common letters answers as asked of the whole text.
        #[test]
        fn quick_check_of_runs_as_of_the_whole(
            text in "[a-zA-Z0-9 .\u{3002}\u{FF61}\u{FF56}\u{FB01}\u{00C0}-\u{00FF}\u{0102}\u{0103}\u{01AF}\u{01B0}\u{1EA0}-\u{1EF9}\u{0300}\u{0301}\u{0323}\u{200B}\u{0400}-\u{045F}\u{0391}-\u{03A9}\u{1F381}]{0,40}",
        ) {
            let whole = is_nfkc_quick(text.chars()) == IsNormalized::Yes;
            proptest::prop_assert_eq!(nfkc_quick_yes(&text), whole, "{:?}", text);
        }
    }

    /// The common letters read from their bytes are those of
    /// [`common_letter`], their own lower case where [`common_lower`]
    /// says so; and eight bytes are ASCII without a capital exactly when
    /// each is.
    #[test]
    fn common_letters_read_from_bytes() {
        for c in (0x80..0x11000).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let expected = common_letter(c).then(|| (c.len_utf8(), common_lower(c) == Some(c)));
            assert_eq!(common_letter_at(bytes, 0), expected, "{c:?}");
        }
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut w = *b"abcdefgh";
                w[at] = b;
                let each = w.iter().all(|&x| x.is_ascii() && !x.is_ascii_uppercase());
                assert_eq!(
                    ascii_without_capitals(u64::from_le_bytes(w)),
                    each,
                    "{b} at {at}"
                );
            }
        }
    }

    /// An ASCII host reads as the general path reads it.
    #[test]
    fn ascii_hosts_read_as_normalised() {
        for h in [
            "VietcomBank.COM.vn.",
            "a..b.",
            "bit.ly",
            "X-Y.Top..",
            "...",
            "",
        ] {
            let general: String = h.nfkc().flat_map(char::to_lowercase).collect();
            assert_eq!(host_to_ascii(h), general.trim_end_matches('.'), "{h:?}");
        }
    }

    #[test]
    fn punycode_rfc_vectors() {
        assert_eq!(punycode("bücher").unwrap(), "bcher-kva");
        assert_eq!(punycode("münchen").unwrap(), "mnchen-3ya");
        // RFC 3492 7.1 (D), Vietnamese.
        assert_eq!(
            punycode("TạisaohọkhôngthểchỉnóitiếngViệt").unwrap(),
            "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g"
        );
        assert_eq!(
            punycode("他们为什么不说中文").unwrap(),
            "ihqwcrb4cv8a8dqg056pqjye"
        );
    }

    #[test]
    fn links_and_not_links() {
        let cases: &[(&str, &[&str])] = &[
            ("http://vietcombank.com.vn@evil.top/x", &["evil.top"]),
            ("HTTPS://Example.COM:443/path?q#f", &["example.com"]),
            ("hxxp://b0dv.xyz", &["b0dv.xyz"]),
            ("vào vietcombank-vn.top để nhận", &["vietcombank-vn.top"]),
            ("acb-vn[.]net", &["acb-vn.net"]),
            ("acb-vn(.)net", &["acb-vn.net"]),
            ("acb-vn(dot)net", &["acb-vn.net"]),
            ("acb-vn . net", &["acb-vn.net"]),
            ("acb-vn .net", &["acb-vn.net"]),
            ("www.abc", &["www.abc"]),
            ("1.2.3.4", &["1.2.3.4"]),
            ("vіetcombank.com", &["xn--vetcombank-x2i.com"]), // Cyrillic і
            ("việt.vn", &["xn--vit-5kz.vn"]),
            ("ＥＶＩＬ．ＴＯＰ", &["evil.top"]),
            ("abc@gmail.com", &[]),
            ("5.000.000 đồng", &[]),
            ("lãi suất 0.5%", &[]),
            ("Xin chào. Hẹn gặp", &[]),
            ("n.a.p d.a.u", &[]),
            ("v.a.y t.i.e.n", &[]),
            ("1.2.3", &[]),
            ("300.1.1.1", &[]),
            ("", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(hosts(text), *want, "{text}");
        }
    }

    #[test]
    fn prefilter() {
        use crate::content::fold;
        for t in [
            "vào vietcombank-vn.top",
            "acb-vn (dot) net",
            "acb-vn [.] net",
            "ip 10.0.0.1",
            "http://x",
            "www",
            "việt.vn",
            "a。中国",
            "ＥＶＩＬ．ＴＯＰ",
        ] {
            assert!(may_link(&fold(t)), "{t}");
        }
        for t in [
            "Mẹ ơi tối nay con về muộn",
            "Xin chào. Hẹn gặp lại",
            "đã nhận, cảm ơn.",
            "abc.qqq",
        ] {
            assert!(!may_link(&fold(t)), "{t}");
        }
    }

    #[test]
    fn public_suffix() {
        assert_eq!(labels_left_of_suffix("vietcombank.com.vn"), ["vietcombank"]);
        assert_eq!(
            labels_left_of_suffix("a.b.vietcombank-vn.top"),
            ["a", "b", "vietcombank-vn"]
        );
        assert_eq!(labels_left_of_suffix("top"), Vec::<&str>::new());
        assert!(is_tld("top") && is_tld("vn") && is_tld("com") && !is_tld("000"));
    }

    #[test]
    fn domain_lists() {
        let mut d = DomainList::default();
        d.insert("*.top", DomainAction::Block).unwrap();
        d.insert("bit.ly", DomainAction::Block).unwrap();
        d.insert("good.top", DomainAction::Allow).unwrap();
        d.insert("Bücher.DE", DomainAction::Block).unwrap();
        assert_eq!(d.get("evil.top"), Some(DomainAction::Block));
        assert_eq!(d.get("top"), None);
        assert_eq!(d.get("good.top"), Some(DomainAction::Allow));
        assert_eq!(d.get("x.good.top"), Some(DomainAction::Allow));
        assert_eq!(d.get("bit.ly"), Some(DomainAction::Block));
        assert_eq!(d.get("xbit.ly"), None);
        assert_eq!(d.get("xn--bcher-kva.de"), Some(DomainAction::Block));
        assert!(d.insert("bad host", DomainAction::Block).is_err());
        assert!(d.insert("", DomainAction::Block).is_err());
        assert!(d.insert("a..b", DomainAction::Block).is_err());
    }
}
