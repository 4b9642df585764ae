//! Shared spam templates (rule S1: mẫu tin nhắn rác, Decree 91/2020 and
//! Circular 22/2021 Art.4), compiled for matching at line rate.
//!
//! A signature is a `literal` or a `regex` (`signatures.csv`, docs/formats.md;
//! docs/matching.md):
//!
//! - **Literals** are matched on the *skeleton*: a literal matches when its
//!   skeleton (not empty) is a substring of the message's skeleton.
//! - **Regexes** are written for the *folded text* (lower case, no
//!   diacritics: `lai suat 0[.,]?\d*%`) and searched in it as written. They
//!   are compiled with Unicode classes **off** (`\d` is `[0-9]`, `\w` is
//!   `[0-9A-Za-z_]`, `\s` ASCII white space, `.` any byte but `\n`), one
//!   small `regex-automata` engine each.
//!
//! # One pass over the skeleton
//!
//! A message is read once, as its skeleton, through one index holding every
//! literal's skeleton *and* every regex's required literals, so thousands of
//! literals cost about what one does:
//!
//! - Each string of 8 bytes or more is filed under an 8-byte *anchor* (the
//!   8 of its bytes that the fewest other strings share), each string of 4
//!   to 7 bytes under a 4-byte one, 2 or 3 bytes under a 2-byte one. The
//!   search loads the 8 bytes at every position of the skeleton as one
//!   integer, whose low 2, 4 and 8 bytes are the windows of the three
//!   widths, and tests one bit of each width's bitset (128 bits, 16 bytes,
//!   per anchor: about one false hit in 128); the rare hits are looked up in
//!   an open-addressed table, whose entry leads to the anchor's records
//!   (each literal's index, where the anchor starts in it, its length, and
//!   then its bytes, compared eight at a time).
//!   The reads at each position do not wait on each other, and those of a
//!   hit are two, where one Aho–Corasick DFA over thousands of Vietnamese
//!   phrases, which share most syllables with ordinary messages, walks
//!   megabytes of states (measured: about three times slower for 5,000
//!   literals). One-character literals are looked for directly. The robust
//!   forms' set (docs/matching.md, "The robust text") reads the same index:
//!   its strings are filed in it beside the plain set's.
//!
//! # Regex prefilter
//!
//! Running hundreds of regexes over every message would cost hundreds of
//! scans. Instead each regex's syntax tree is read for *required literals*:
//! up to four sets of strings such that every match contains a string of
//! each set. They are kept as skeletons, because where a string occurs in the
//! folded text its skeleton occurs in the message skeleton, and then pieces
//! that only match separators vanish: `(?i)vay[ .-]*tien[ .-]*nhanh` requires
//! `vaytiennhanh`; `lai suat 0[.,]?\d*%` requires `laisuat0`;
//! `(vay|muon) tien \d+ trieu` requires one of `vaytien`, `muontien` *and*
//! `trieu`. A set whose shortest string is shorter than the strongest
//! set's (counted up to 4) is left out: it filters little and costs a
//! tally at each occurrence (`vay \d+ (trieu|tr)` requires `vay`, not also
//! `tr`, which most Vietnamese messages hold). A regex runs only when a
//! string of every one of its sets was found in the pass above. A regex
//! with no usable required literal (every string needs 2 letters or
//! digits; say `\d{3,}k` or `[a-z]{15,}`) runs on every message: keep
//! those few ([`SignatureSet::unfiltered_regexes`] lists them so a loader
//! can warn).
//!
//! The same analysis finds, at build time, a regex that can never match
//! folded text (an upper-case letter, a diacritic, a control character or
//! two spaces in a row in every branch). A regex is searched (docs/matching.md) "as
//! written", so such a signature is loaded but never matches, like a literal
//! whose skeleton is empty ("its skeleton (not empty)"); both are listed by
//! [`SignatureSet::dead_signatures`] so a loader can warn. A regex that
//! matches the empty string is refused: it would match every message on the
//! network.
//!
//! # Threads
//!
//! [`SignatureSet`] is immutable, `Send + Sync` and searched through `&self`
//! with no lock of its own. Which required sets were found is tallied in a
//! small per-thread scratch (one byte per regex, reset after each message).
//! Each regex keeps its search cache in `regex-automata`'s internal pool: the
//! thread that first used a regex takes it without synchronisation, other
//! threads from a small sharded stack behind an uncontended mutex, and only
//! for the few regexes the prefilter lets through. (A caller-owned cache per
//! regex and thread would avoid even that, at the cost of an API every
//! caller must thread through; the pool is the better trade here.)

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, HirKind, Repetition};

use super::fold::{fold, is_fixed_point, skeleton, FoldBuf};
use super::robust::{
    collapse, is_joiner, loan_letters, normalize_word, robust_skeleton, robust_text, RobustBuf,
};
use super::toned::{toned_skeleton, toned_skeleton_into};

/// How a signature's pattern is matched (`docs/matching.md` has the exact
/// definitions and examples).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureKind {
    /// `literal`: its skeleton is searched in the message skeleton (and its
    /// robust skeleton in the message's robust skeleton).
    Literal,
    /// `regex`: searched in the folded text as written (ASCII classes), and
    /// in the robust text (on its joined runs, with its spaces optional).
    Regex,
    /// `word`: a word-aligned literal. The pattern's words (folded text
    /// split at white space, each word's skeleton, empty ones dropped) must
    /// be consecutive whole words of the message (same for the robust
    /// text): `bắn cá` does not match inside `bạn cần`, `zalo` not inside
    /// `ZaloPay`, but `B.Ắ.N C-Á` matches.
    Word,
    /// `diacritic`: a diacritic-sensitive literal: its toned skeleton (the
    /// skeleton keeping Vietnamese letters with their marks) is a substring
    /// of the message's (`bắn cá` does not match `bán cá`).
    Diacritic,
    /// `fuzzy`: a literal tolerating one edit: some substring of the message
    /// skeleton (or robust skeleton) is within one edit of the pattern's
    /// skeleton: a letter substituted, inserted or deleted, or two adjacent
    /// letters swapped (`đã bị khóa` matches `đã hi khóa` and `đã ib khóa`).
    /// Skeletons shorter than 6 are matched exactly, like `literal`.
    Fuzzy,
}

impl SignatureKind {
    /// Every kind, in column-value order.
    pub const ALL: [SignatureKind; 5] = [
        SignatureKind::Literal,
        SignatureKind::Regex,
        SignatureKind::Word,
        SignatureKind::Diacritic,
        SignatureKind::Fuzzy,
    ];

    /// The `kind` column value: `literal`, `regex`, `word`, `diacritic` or
    /// `fuzzy`.
    pub fn name(self) -> &'static str {
        match self {
            SignatureKind::Literal => "literal",
            SignatureKind::Regex => "regex",
            SignatureKind::Word => "word",
            SignatureKind::Diacritic => "diacritic",
            SignatureKind::Fuzzy => "fuzzy",
        }
    }

    /// Parses a `kind` column value (trimmed, case-insensitive).
    pub fn from_name(s: &str) -> Option<SignatureKind> {
        let s = s.trim();
        SignatureKind::ALL
            .into_iter()
            .find(|k| s.eq_ignore_ascii_case(k.name()))
    }
}

impl fmt::Display for SignatureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A signature that does not compile: which one (in the order added), its
/// id, and why (lower case, no final period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureError {
    index: usize,
    id: String,
    message: String,
}

impl SignatureError {
    /// The signature's position in the order [`SignatureSetBuilder::add`] was
    /// called (0-based).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The signature's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Why it does not compile.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "signature `{}`: {}", self.id, self.message)
    }
}

impl std::error::Error for SignatureError {}

#[derive(Clone, Debug)]
struct Source {
    id: Box<str>,
    kind: SignatureKind,
    pattern: Box<str>,
}

/// Collects signatures and compiles them into a [`SignatureSet`].
///
/// ```
/// use chanrac::content::{FoldBuf, SignatureKind, SignatureSetBuilder};
/// let mut b = SignatureSetBuilder::new();
/// b.add("vay-nhanh", SignatureKind::Literal, "vay tiền nhanh");
/// b.add("lai-0", SignatureKind::Regex, r"lai suat 0[.,]?\d*%");
/// let set = b.build()?;
/// let mut buf = FoldBuf::new();
/// buf.fold("V.A.Y T-I-Ề-N nhanh, LÃI SUẤT 0,5%/tháng");
/// let mut hits = Vec::new();
/// set.scan(&buf, &mut hits);
/// assert_eq!(hits, [0, 1]);
/// assert_eq!(set.id(1), "lai-0");
/// # Ok::<(), chanrac::content::SignatureError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SignatureSetBuilder {
    sources: Vec<Source>,
    /// Robust matching off: the folded text and skeleton only.
    plain: bool,
}

impl SignatureSetBuilder {
    /// An empty builder.
    pub fn new() -> SignatureSetBuilder {
        SignatureSetBuilder::default()
    }

    /// Adds a signature; its index in the built set is the number of
    /// signatures added before it.
    pub fn add(
        &mut self,
        id: impl Into<Box<str>>,
        kind: SignatureKind,
        pattern: impl Into<Box<str>>,
    ) -> &mut Self {
        self.sources.push(Source {
            id: id.into(),
            kind,
            pattern: pattern.into(),
        });
        self
    }

    /// Whether `literal`, `regex`, `word` and `fuzzy` signatures are also
    /// matched on the robust text (`docs/matching.md`); on by default. Off,
    /// a set matches exactly what the folded text and skeleton alone match
    /// (the matching of earlier releases, kept to compare against).
    pub fn robust(&mut self, on: bool) -> &mut Self {
        self.plain = !on;
        self
    }

    /// How many signatures were added.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether none were added.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Compiles every signature; the first that does not compile is the
    /// error. The builder can be reused.
    pub fn build(&self) -> Result<SignatureSet, SignatureError> {
        let (mut set, mut t) = self.build_one(false)?;
        if self.plain {
            set.finish(t);
            return Ok(set);
        }
        let (robust, rt) = self.build_one(true)?;
        // A text that is its own robust text can only match, on its robust
        // pass, the patterns that are not their own robust form: those are
        // added to the plain set's index, marked, and such a text is read
        // once.
        let same: Vec<bool> = self
            .sources
            .iter()
            .map(|s| match s.kind {
                SignatureKind::Literal | SignatureKind::Fuzzy => {
                    skeleton(&s.pattern) == robust_skeleton(&s.pattern)
                        || !robust_form_usable(&s.pattern)
                }
                SignatureKind::Word => {
                    word_string(&fold(&s.pattern)) == word_string(&robust_text(&s.pattern))
                }
                SignatureKind::Regex => regex_syntax::ParserBuilder::new()
                    .unicode(false)
                    .utf8(false)
                    .build()
                    .parse(&s.pattern)
                    .is_ok_and(|h| robustify(&h) == h),
                SignatureKind::Diacritic => true,
            })
            .collect();
        let changed: Vec<bool> = same.iter().map(|&x| !x).collect();
        // Filed in the plain set's index, marked: a text that is its own
        // robust text reads them in the same pass as the plain patterns
        // (its robust text and skeleton are the folded ones).
        for i in (0..changed.len()).filter(|&i| changed[i]) {
            self.add_source(&mut set, &mut t, i, true, true)?;
        }
        // One index for both passes: the robust set's strings are filed in
        // the plain set's (most are there already: a pattern's own robust
        // form, or filed above), the robust set's lists by their place
        // there. The second pass then reads tables the first has just
        // read, rather than a second index of its own, cold in the cache.
        let ids: Vec<usize> = rt.strings.into_iter().map(|s| t.id(s)).collect();
        let (mut sigs, mut keys) = (
            vec![Vec::new(); t.strings.len()],
            vec![Vec::new(); t.strings.len()],
        );
        for ((u, s), k) in ids.into_iter().zip(rt.sigs).zip(rt.keys) {
            if let (Some(to_s), Some(to_k)) = (sigs.get_mut(u), keys.get_mut(u)) {
                (*to_s, *to_k) = (s, k);
            }
        }
        set.finish(t);
        let mut robust = robust;
        robust.literals = Arc::clone(&set.literals);
        (robust.sig_offsets, robust.sigs) = flatten(sigs);
        (robust.key_offsets, robust.keys) = flatten(keys);
        robust.starts = changed;
        robust.spans_break = self
            .sources
            .iter()
            .map(|s| {
                let f = fold(&s.pattern);
                crosses_break(&f, 0, f.bytes().filter(u8::is_ascii_alphanumeric).count())
            })
            .collect();
        set.robust = Some(Box::new(robust));
        Ok(set)
    }

    /// The plain set, or (`robust`) the set of the robust forms of the
    /// patterns, matched on the robust text; its index still to be built
    /// from the returned strings ([`SignatureSet::finish`]).
    fn build_one(&self, robust: bool) -> Result<(SignatureSet, Interner), SignatureError> {
        if self.sources.len() >= 1 << 30 {
            return Err(self.error(self.sources.len() - 1, "too many signatures".into()));
        }
        let mut set = SignatureSet {
            sources: self.sources.clone(),
            ..SignatureSet::default()
        };
        // Every string searched in the message skeleton: literal
        // signatures' skeletons and the regexes' required literals, each
        // with the signatures it is and the (regex slot, required set) keys
        // it stands for.
        let mut t = Interner::default();
        for i in 0..self.sources.len() {
            self.add_source(&mut set, &mut t, i, robust, false)?;
        }
        Ok((set, t))
    }

    /// Files signature `i` (its robust form when `robust`) in `t` and
    /// `set`; `own`: only for texts that are their own robust text.
    fn add_source(
        &self,
        set: &mut SignatureSet,
        t: &mut Interner,
        i: usize,
        robust: bool,
        own: bool,
    ) -> Result<(), SignatureError> {
        let Some(s) = self.sources.get(i) else {
            return Ok(());
        };
        let sig = i as u32;
        let skel = |p: &str| {
            if robust {
                robust_skeleton(p)
            } else {
                skeleton(p)
            }
        };
        let dead = |set: &mut SignatureSet| {
            if !own {
                set.dead.push(sig);
            }
        };
        let checked = |set: &mut SignatureSet, t: &mut Interner, check: Check, req: Vec<String>| {
            let slot = set.regexes.len() as u32;
            set.regexes.push(Compiled { sig, check });
            let usable = !req.is_empty() && req.iter().all(|r| r.len() >= MIN_LEN);
            if usable {
                set.need.push(1);
                for r in req {
                    let p = t.id(r);
                    t.keys(p, own).push(slot << 2);
                }
            } else {
                set.need.push(0);
                set.unfiltered_of(own).push(slot);
            }
        };
        match s.kind {
            SignatureKind::Word => {
                let text = if robust {
                    robust_text(&s.pattern)
                } else {
                    fold(&s.pattern)
                };
                let w = word_string(&text);
                if w.len() <= 2 {
                    dead(set);
                    return Ok(());
                }
                let sk: String = w.chars().filter(|c| *c != ' ').collect();
                // On a joined run, the words' letters as the run has them:
                // runs of one letter collapsed (`vaytienhanh`).
                let mut joined = sk.clone().into_bytes();
                collapse(&mut joined);
                let joined = String::from_utf8(joined).unwrap_or_default();
                let req = if robust && joined != sk && joined.len() >= MIN_LEN {
                    vec![sk, joined]
                } else {
                    vec![sk]
                };
                checked(set, t, Check::Word(w.into_bytes().into()), req);
            }
            SignatureKind::Diacritic => {
                let toned = toned_skeleton(&s.pattern);
                let sk = skeleton(&s.pattern);
                if robust || toned.is_empty() || sk.is_empty() {
                    // Exact by design: nothing to add on the robust text.
                    dead(set);
                    return Ok(());
                }
                checked(set, t, Check::Diacritic(toned.into()), vec![sk]);
            }
            SignatureKind::Fuzzy if skel(&s.pattern).len() >= FUZZY_MIN => {
                let sk = skel(&s.pattern);
                // One edit (a swap of two adjacent letters too) leaves
                // one side of the middle letter as it was.
                let half = sk.len() / 2;
                let req = vec![sk[..half].to_string(), sk[half + 1..].to_string()];
                checked(set, t, Check::Fuzzy(sk.into_bytes().into()), req);
            }
            SignatureKind::Literal | SignatureKind::Fuzzy => {
                if robust && !robust_form_usable(&s.pattern) {
                    // Too short once rewritten: matched as written only.
                    return Ok(());
                }
                let sk = skel(&s.pattern);
                if sk.is_empty() {
                    // "its skeleton (not empty)": it never matches.
                    dead(set);
                    return Ok(());
                }
                let p = t.id(sk);
                t.sigs(p, own).push(sig);
            }
            SignatureKind::Regex => {
                let Some((re, spaceless, cnf)) =
                    compile_regex(&s.pattern, robust).map_err(|m| self.error(i, m))?
                else {
                    // Searched as written, it can never match folded text.
                    dead(set);
                    return Ok(());
                };
                let slot = set.regexes.len() as u32;
                set.regexes.push(Compiled {
                    sig,
                    check: Check::Regex(re, spaceless.map(Box::new)),
                });
                set.need.push(cnf.len() as u8);
                if cnf.is_empty() {
                    set.unfiltered_of(own).push(slot);
                }
                for (k, lits) in cnf.into_iter().enumerate() {
                    for lit in lits {
                        // Required literals are skeletons: a-z0-9 only.
                        let p = t.id(String::from_utf8_lossy(&lit).into_owned());
                        t.keys(p, own).push(slot << 2 | k as u32);
                    }
                }
            }
        }
        Ok(())
    }

    fn error(&self, index: usize, message: String) -> SignatureError {
        SignatureError {
            index,
            id: self
                .sources
                .get(index)
                .map_or_else(String::new, |s| s.id.to_string()),
            message,
        }
    }
}

/// The strings searched in the skeleton, while building.
#[derive(Clone, Debug, Default)]
struct Interner {
    index: HashMap<String, usize>,
    strings: Vec<String>,
    sigs: Vec<Vec<u32>>,
    keys: Vec<Vec<u32>>,
    /// The same, for texts that are their own robust text only.
    own_sigs: Vec<Vec<u32>>,
    own_keys: Vec<Vec<u32>>,
}

impl Interner {
    fn id(&mut self, s: String) -> usize {
        if let Some(&p) = self.index.get(&s) {
            return p;
        }
        self.index.insert(s.clone(), self.strings.len());
        self.strings.push(s);
        self.sigs.push(Vec::new());
        self.keys.push(Vec::new());
        self.own_sigs.push(Vec::new());
        self.own_keys.push(Vec::new());
        self.strings.len() - 1
    }

    fn sigs(&mut self, p: usize, own: bool) -> &mut Vec<u32> {
        let lists = if own {
            &mut self.own_sigs
        } else {
            &mut self.sigs
        };
        &mut lists[p]
    }

    fn keys(&mut self, p: usize, own: bool) -> &mut Vec<u32> {
        let lists = if own {
            &mut self.own_keys
        } else {
            &mut self.keys
        };
        &mut lists[p]
    }
}

/// Lists of indices as (offsets, values): list `p` is
/// `values[offsets[p]..offsets[p + 1]]`.
fn flatten(lists: Vec<Vec<u32>>) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = Vec::with_capacity(lists.len() + 1);
    let mut values = Vec::new();
    offsets.push(0);
    for l in lists {
        values.extend(l);
        offsets.push(values.len() as u32);
    }
    (offsets, values)
}

/// Skeletons of `fuzzy` signatures at least this long tolerate one edit;
/// shorter ones are matched exactly (one edit in five letters is another
/// word).
pub const FUZZY_MIN: usize = 6;

#[derive(Clone, Debug)]
struct Compiled {
    sig: u32,
    check: Check,
}

/// What verifies a candidate signature once its required literals were
/// found in the skeleton.
#[derive(Clone, Debug)]
enum Check {
    /// Searched in the folded (or robust) text; in the robust set, with its
    /// spaceless form ([`spaceless`]) for the joined runs of the text.
    Regex(meta::Regex, Option<Box<meta::Regex>>),
    /// ` w1 w2 … ` searched in the text's word string ([`word_string`]).
    Word(Box<[u8]>),
    /// Searched in the toned skeleton of the text as given.
    Diacritic(Box<str>),
    /// Within one edit of a substring of the skeleton.
    Fuzzy(Box<[u8]>),
}

/// The words of a folded (or robust) text as ` w1 w2 … wn `: the text split
/// at white space, each part's skeleton, empty ones dropped, joined and
/// surrounded by single spaces (`" "` when there is no word).
pub(crate) fn word_string(folded: &str) -> String {
    let mut out = String::new();
    word_string_into(folded, &mut out);
    out
}

fn word_string_into(folded: &str, out: &mut String) {
    out.clear();
    out.push(' ');
    for w in folded.split(' ') {
        let before = out.len();
        out.extend(
            w.chars()
                .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        );
        if out.len() > before {
            out.push(' ');
        }
    }
}

/// Whether the words of a `word` signature (`w`: ` w1 w2 … `), written
/// together (runs of one letter collapsed, as in the run), occur in the
/// robust text `text` overlapping one of its joined runs
/// (docs/matching.md, "Joined runs"), from a word start or a place
/// inside the run to a word end or a place inside the run: a joined run has
/// lost the word boundaries inside it (`bắn cá` in `b ắ n c á 100k`, robust
/// `banca 100k`). `cat` is scratch.
fn words_on_joined_run(text: &str, w: &[u8], joined: &[(usize, usize)], cat: &mut Vec<u8>) -> bool {
    cat.clear();
    cat.extend(w.iter().filter(|&&b| b != b' '));
    if cat.is_empty() {
        return false;
    }
    if words_on_joined_run_as(text, joined, cat) {
        return true;
    }
    // A joined run may have collapsed the letter ending one word and
    // starting the next (`tien nhanh` → `tienhanh`; one read as syllables
    // keeps both, `tiennhanh`).
    let len = cat.len();
    collapse(cat);
    cat.len() < len && words_on_joined_run_as(text, joined, cat)
}

/// [`words_on_joined_run`] for the words written together as `cat`.
fn words_on_joined_run_as(text: &str, joined: &[(usize, usize)], cat: &[u8]) -> bool {
    let t = text.as_bytes();
    let inside = |p: usize| joined.iter().any(|&(a, b)| a < p && p < b);
    let alnum = |p: Option<&u8>| p.is_some_and(u8::is_ascii_alphanumeric);
    memchr::memmem::find_iter(t, cat).any(|s| {
        let e = s + cat.len();
        joined.iter().any(|&(a, b)| s < b && a < e)
            && (!alnum(s.checked_sub(1).and_then(|p| t.get(p))) || inside(s))
            && (!alnum(t.get(e)) || inside(e))
    })
}

/// Whether some substring of `hay` is within one edit of `p`: one
/// substitution, insertion or deletion, or two adjacent letters swapped
/// (optimal string alignment distance 1; bit-parallel, Wu–Manber with one
/// error and Hyyrö's transposition term; `p` of any length, in 64-letter
/// blocks through a plain dynamic programme beyond that).
fn within_one_edit(hay: &[u8], p: &[u8]) -> bool {
    let m = p.len();
    if m == 0 {
        return true;
    }
    if m > 64 {
        return within_one_edit_dp(hay, p);
    }
    let mut masks = [0u64; 256];
    for (i, &c) in p.iter().enumerate() {
        masks[usize::from(c)] |= 1 << i;
    }
    let hit = 1u64 << (m - 1);
    // r0: exact prefixes ending here (r0_before: one letter earlier); r1:
    // prefixes within one edit; prev: the mask of the letter before.
    let (mut r0, mut r0_before, mut r1, mut prev) = (0u64, 0u64, 1u64, 0u64);
    for &c in hay {
        let mask = masks[usize::from(c)];
        let old0 = r0;
        r0 = ((r0 << 1) | 1) & mask;
        // A swap: a prefix one letter shorter than the one before matched
        // exactly, then the two letters after it came in the other order.
        let swap = ((r0_before << 1) | 1) & (prev >> 1) & mask;
        // match, substitution, insertion (text letter extra), deletion
        // (pattern letter skipped), swap.
        r1 = (((r1 << 1) | 1) & mask) | ((old0 << 1) | 1) | old0 | ((r0 << 1) | 1) | (swap << 1);
        if (r0 | r1) & hit != 0 {
            return true;
        }
        (r0_before, prev) = (old0, mask);
    }
    false
}

/// The plain dynamic programme behind [`within_one_edit`] (semi-global
/// optimal string alignment, capped at 2).
fn within_one_edit_dp(hay: &[u8], p: &[u8]) -> bool {
    let m = p.len();
    let mut before: Vec<u8> = vec![2; m + 1];
    let mut prev: Vec<u8> = (0..=m).map(|i| i.min(2) as u8).collect();
    let mut cur = vec![0u8; m + 1];
    if prev.get(m).is_some_and(|&d| d <= 1) {
        return true;
    }
    let mut last = None;
    for &c in hay {
        cur[0] = 0;
        for j in 1..=m {
            let sub = prev[j - 1] + u8::from(p[j - 1] != c);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1).min(2);
            if j >= 2 && last == Some(p[j - 1]) && p[j - 2] == c {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        if cur[m] <= 1 {
            return true;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
        last = Some(c);
    }
    false
}

/// Compiled signatures: immutable, `Send + Sync`, searched through `&self`
/// from any number of threads.
#[derive(Clone, Debug, Default)]
pub struct SignatureSet {
    sources: Vec<Source>,
    /// Every string searched in the message skeleton (the robust forms'
    /// set shares the plain set's: its strings are filed there too).
    literals: Arc<LiteralIndex>,
    /// Per string, the literal signatures it is.
    sig_offsets: Vec<u32>,
    sigs: Vec<u32>,
    /// Per string, the regex keys (`slot << 2 | required set`) it stands for.
    key_offsets: Vec<u32>,
    keys: Vec<u32>,
    /// Regex engines (slots), in the order added.
    regexes: Vec<Compiled>,
    /// Per regex slot, how many required sets must all be found.
    need: Vec<u8>,
    /// Regex slots without a required literal: run on every message.
    unfiltered: Vec<u32>,
    /// Per string, the signatures (robust forms of patterns that are not
    /// their own robust form) it is, and the regex keys it stands for, for
    /// a text that is its own robust text only.
    own_sig_offsets: Vec<u32>,
    own_sigs: Vec<u32>,
    own_key_offsets: Vec<u32>,
    own_keys: Vec<u32>,
    /// The unfiltered regex slots of those.
    own_unfiltered: Vec<u32>,
    /// Signatures that can never match (empty skeleton; regex impossible on
    /// folded text).
    dead: Vec<u32>,
    /// The same signatures in their robust forms, matched on the robust
    /// text (`None` inside that set).
    robust: Option<Box<SignatureSet>>,
    /// In the robust forms' set, per signature: its robust form differs
    /// from its pattern, so a literal match of it counts only where it
    /// starts a word of the robust text ([`starts_word`]); a pattern that
    /// is its own robust form matches anywhere, as on the folded text.
    /// Empty in the plain set.
    starts: Vec<bool>,
    /// In the robust forms' set, per signature: its pattern holds a mark
    /// that ends a clause between two words (`thất lạc, nhận`), so its
    /// match may cross one ([`crosses_break`]). Empty in the plain set.
    spans_break: Vec<bool>,
}

/// What one pass of a set reads: the text (folded or robust), its
/// skeleton, and the text as given (for `diacritic` signatures; `None` on
/// the robust pass).
#[derive(Clone, Copy)]
struct Hay<'a> {
    text: &'a str,
    skeleton: &'a [u8],
    original: Option<&'a str>,
    /// The joined runs of a robust text ([`RobustBuf::joined`]); empty on
    /// the folded text.
    joined: &'a [(usize, usize)],
}

impl<'a> Hay<'a> {
    /// The robust text last built in `rb`.
    fn robust(rb: &'a RobustBuf) -> Hay<'a> {
        Hay {
            text: rb.text(),
            skeleton: rb.skeleton().as_bytes(),
            original: None,
            joined: rb.joined(),
        }
    }
}

impl SignatureSet {
    /// Builds the index of the strings of `t`.
    fn finish(&mut self, t: Interner) {
        self.literals = Arc::new(LiteralIndex::build(t.strings));
        (self.sig_offsets, self.sigs) = flatten(t.sigs);
        (self.key_offsets, self.keys) = flatten(t.keys);
        (self.own_sig_offsets, self.own_sigs) = flatten(t.own_sigs);
        (self.own_key_offsets, self.own_keys) = flatten(t.own_keys);
    }

    fn unfiltered_of(&mut self, own: bool) -> &mut Vec<u32> {
        if own {
            &mut self.own_unfiltered
        } else {
            &mut self.unfiltered
        }
    }

    /// How many signatures.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The id of signature `index`.
    ///
    /// # Panics
    ///
    /// When `index >= self.len()`, like slice indexing.
    pub fn id(&self, index: u32) -> &str {
        &self.sources[index as usize].id
    }

    /// The kind of signature `index` (panics like [`SignatureSet::id`]).
    pub fn kind(&self, index: u32) -> SignatureKind {
        self.sources[index as usize].kind
    }

    /// The pattern of signature `index` as written, so a snapshot can
    /// rebuild the set (panics like [`SignatureSet::id`]).
    pub fn pattern(&self, index: u32) -> &str {
        &self.sources[index as usize].pattern
    }

    /// Every signature as `(id, kind, pattern)`, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, SignatureKind, &str)> + '_ {
        self.sources.iter().map(|s| (&*s.id, s.kind, &*s.pattern))
    }

    /// The signatures that can never match: literals with no letter or
    /// digit, regexes that need an upper-case letter, a diacritic, a control
    /// character or a double space, which folded text never has. A loader
    /// warns about them (`vay tien`, not `Vay tiền`).
    pub fn dead_signatures(&self) -> impl Iterator<Item = u32> + '_ {
        self.dead.iter().copied()
    }

    /// The regex signatures that have no required literal and so run on
    /// every message (keep them few).
    pub fn unfiltered_regexes(&self) -> impl Iterator<Item = u32> + '_ {
        self.unfiltered
            .iter()
            .filter_map(|&s| self.regexes.get(s as usize).map(|c| c.sig))
    }

    /// Appends the index of every signature matching the message folded in
    /// `buf`, each once, the appended indices sorted. Allocates only when
    /// `out` (or the thread's scratch) must grow.
    pub fn scan(&self, buf: &FoldBuf, out: &mut Vec<u32>) {
        with_scratch(|sc| {
            let start = out.len();
            let hay = Hay {
                text: buf.folded(),
                skeleton: buf.skeleton_bytes(),
                original: Some(buf.text()),
                joined: &[],
            };
            let Some(robust) = &self.robust else {
                self.scan_with(sc, hay, out, false);
                return;
            };
            // Most messages are their own robust text: nothing to build,
            // one pass.
            let mut rb = sc.robust.take().unwrap_or_default();
            let own = rb.build_or_own(buf.folded(), Some(buf.text())) || rb.text() == buf.folded();
            self.scan_with(sc, hay, out, own);
            if !own {
                robust.scan_with(sc, Hay::robust(&rb), out, false);
            }
            // A text in leetspeak or with emoji glued inside its words may
            // have a second reading (`81` read `bi`, `Za💰lo` `zalo`).
            let second = rb.build_second_reading(buf.folded(), Some(buf.text()));
            if second {
                robust.scan_with(sc, Hay::robust(&rb), out, false);
            }
            if !own || second {
                sort_dedup(out, start);
            }
            sc.robust = Some(rb);
        });
    }

    /// Whether candidate `slot` matches `hay`.
    fn check(&self, sc: &mut Scratch, slot: u32, hay: Hay<'_>) -> bool {
        let Some(c) = self.regexes.get(slot as usize) else {
            return false;
        };
        match &c.check {
            Check::Regex(re, spaceless) => {
                re.is_match(hay.text)
                    || spaceless
                        .as_ref()
                        .is_some_and(|re| on_joined_run(re, hay.text, hay.joined))
            }
            Check::Word(w) => {
                if !sc.words_ready {
                    word_string_into(hay.text, &mut sc.words);
                    sc.words_ready = true;
                }
                contains(sc.words.as_bytes(), w)
                    || (!hay.joined.is_empty()
                        && words_on_joined_run(hay.text, w, hay.joined, &mut sc.joined_words))
            }
            Check::Diacritic(t) => match hay.original {
                Some(original) => {
                    if !sc.toned_ready {
                        sc.toned.clear();
                        toned_skeleton_into(original, &mut sc.toned);
                        sc.toned_ready = true;
                    }
                    sc.toned.contains(&**t)
                }
                None => false,
            },
            Check::Fuzzy(p) => within_one_edit(hay.skeleton, p),
        }
    }

    /// One pass over `hay`; `own`: the text is its own robust text, so the
    /// robust forms filed for such texts are read too.
    fn scan_with(&self, sc: &mut Scratch, hay: Hay<'_>, out: &mut Vec<u32>, own: bool) {
        let start = out.len();
        sc.prepare(self.need.len());
        self.literals.find(hay.skeleton, |lit, at| {
            let sigs = list(&self.sig_offsets, &self.sigs, lit);
            if self.starts.is_empty() {
                out.extend_from_slice(sigs);
            } else if !sigs.is_empty() {
                let (mut word, mut crosses) = (None, None);
                for &sig in sigs {
                    if (!self.needs_start(sig)
                        || *word.get_or_insert_with(|| starts_word(hay.text, at)))
                        && (self.may_span_break(sig)
                            || !*crosses
                                .get_or_insert_with(|| self.crosses_break(hay.text, lit, at)))
                    {
                        out.push(sig);
                    }
                }
            }
            for &key in list(&self.key_offsets, &self.keys, lit) {
                if let Some(slot) = sc.found(key, &self.need) {
                    sc.candidates.push(slot);
                }
            }
            if own {
                let sigs = list(&self.own_sig_offsets, &self.own_sigs, lit);
                if !sigs.is_empty() && starts_word(hay.text, at) {
                    let crosses = self.crosses_break(hay.text, lit, at);
                    out.extend(
                        sigs.iter()
                            .filter(|&&sig| !crosses || self.may_span_break(sig)),
                    );
                }
                for &key in list(&self.own_key_offsets, &self.own_keys, lit) {
                    if let Some(slot) = sc.found(key, &self.need) {
                        sc.candidates.push(slot);
                    }
                }
            }
            false
        });
        sc.reset();
        sc.candidates.extend_from_slice(&self.unfiltered);
        if own {
            sc.candidates.extend_from_slice(&self.own_unfiltered);
        }
        let candidates = std::mem::take(&mut sc.candidates);
        for &slot in &candidates {
            if self.check(sc, slot, hay) {
                if let Some(c) = self.regexes.get(slot as usize) {
                    out.push(c.sig);
                }
            }
        }
        sc.candidates = candidates;
        sc.candidates.clear();
        sc.words_ready = false;
        sc.toned_ready = false;
        sort_dedup(out, start);
    }

    /// Whether any signature matches the message folded in `buf`; stops at
    /// the first match. Never allocates (once the thread's scratch has
    /// grown).
    pub fn is_match(&self, buf: &FoldBuf) -> bool {
        with_scratch(|sc| {
            let hay = Hay {
                text: buf.folded(),
                skeleton: buf.skeleton_bytes(),
                original: Some(buf.text()),
                joined: &[],
            };
            let Some(robust) = &self.robust else {
                return self.is_match_with(sc, hay, false);
            };
            let mut rb = sc.robust.take().unwrap_or_default();
            let own = rb.build_or_own(buf.folded(), Some(buf.text())) || rb.text() == buf.folded();
            let found = if own {
                self.is_match_with(sc, hay, true)
            } else {
                self.is_match_with(sc, hay, false)
                    || robust.is_match_with(sc, Hay::robust(&rb), false)
            } || rb.build_second_reading(buf.folded(), Some(buf.text()))
                && robust.is_match_with(sc, Hay::robust(&rb), false);
            sc.robust = Some(rb);
            found
        })
    }

    /// Whether the match of string `lit` at skeleton position `at` of
    /// `text` spans a punctuation mark that ends a clause: a robust form
    /// counts only inside one clause ([`crosses_break`]).
    fn crosses_break(&self, text: &str, lit: u32, at: usize) -> bool {
        let len = self.literals.lens.get(lit as usize).copied().unwrap_or(0);
        crosses_break(text, at, len as usize)
    }

    /// Whether `sig`'s pattern itself crosses a clause break
    /// ([`SignatureSet::spans_break`]).
    fn may_span_break(&self, sig: u32) -> bool {
        self.spans_break.get(sig as usize).copied().unwrap_or(false)
    }

    /// Whether a literal match of `sig` counts only at a word start
    /// ([`SignatureSet::starts`]).
    fn needs_start(&self, sig: u32) -> bool {
        self.starts.get(sig as usize).copied().unwrap_or(false)
    }

    fn is_match_with(&self, sc: &mut Scratch, hay: Hay<'_>, own: bool) -> bool {
        sc.prepare(self.need.len());
        let found = self.literals.find(hay.skeleton, |lit, at| {
            let sigs = list(&self.sig_offsets, &self.sigs, lit);
            // The plain set's own patterns: anywhere, across anything.
            if self.starts.is_empty() && !sigs.is_empty() {
                return true;
            }
            let own_sigs = if own {
                list(&self.own_sig_offsets, &self.own_sigs, lit)
            } else {
                &[]
            };
            if !sigs.is_empty() || !own_sigs.is_empty() {
                // As `scan_with` files them: a signature needing a word
                // start (all of the own ones) counts only at one, and one
                // whose pattern crosses no clause break only within one.
                let start = starts_word(hay.text, at);
                let crosses = self.crosses_break(hay.text, lit, at);
                let counts = |sig: u32, needs_start: bool| {
                    (!needs_start || start) && (!crosses || self.may_span_break(sig))
                };
                if sigs.iter().any(|&sig| counts(sig, self.needs_start(sig)))
                    || own_sigs.iter().any(|&sig| counts(sig, true))
                {
                    return true;
                }
            }
            for &key in list(&self.key_offsets, &self.keys, lit) {
                if let Some(slot) = sc.found(key, &self.need) {
                    sc.candidates.push(slot);
                }
            }
            if own {
                for &key in list(&self.own_key_offsets, &self.own_keys, lit) {
                    if let Some(slot) = sc.found(key, &self.need) {
                        sc.candidates.push(slot);
                    }
                }
            }
            false
        });
        sc.reset();
        let mut any = found;
        if !any {
            sc.candidates.extend_from_slice(&self.unfiltered);
            if own {
                sc.candidates.extend_from_slice(&self.own_unfiltered);
            }
            let candidates = std::mem::take(&mut sc.candidates);
            any = candidates.iter().any(|&slot| self.check(sc, slot, hay));
            sc.candidates = candidates;
        }
        sc.candidates.clear();
        sc.words_ready = false;
        sc.toned_ready = false;
        any
    }
}

/// Per-thread scratch of the regex prefilter: which required sets of each
/// regex were found in the current message (all zero between messages), the
/// regexes touched, and the candidates to run.
#[derive(Default)]
struct Scratch {
    sets: Vec<u8>,
    touched: Vec<u32>,
    candidates: Vec<u32>,
    /// The robust text of the current message (boxed: taken out while the
    /// rest of the scratch is lent, a pointer moves, not the buffer).
    robust: Option<Box<RobustBuf>>,
    /// The word string of the text being checked, when `words_ready`.
    words: String,
    words_ready: bool,
    /// The toned skeleton of the message, when `toned_ready`.
    toned: String,
    toned_ready: bool,
    /// A `word` signature's words written together ([`words_on_joined_run`]).
    joined_words: Vec<u8>,
}

impl Scratch {
    fn prepare(&mut self, regexes: usize) {
        if self.sets.len() < regexes {
            self.sets.resize(regexes, 0);
        }
    }

    /// Records a found required literal (`key` = `slot << 2 | set`); the
    /// slot when that completes its regex's sets (once per message).
    #[inline]
    fn found(&mut self, key: u32, need: &[u8]) -> Option<u32> {
        let slot = key >> 2;
        let (Some(sets), Some(&need)) = (self.sets.get_mut(slot as usize), need.get(slot as usize))
        else {
            return None;
        };
        let now = *sets | 1 << (key & 3);
        if now == *sets {
            return None;
        }
        if *sets == 0 {
            self.touched.push(slot);
        }
        *sets = now;
        (now.count_ones() == u32::from(need)).then_some(slot)
    }

    /// Back to all zero.
    fn reset(&mut self) {
        for &slot in &self.touched {
            if let Some(sets) = self.sets.get_mut(slot as usize) {
                *sets = 0;
            }
        }
        self.touched.clear();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch (a fresh one should it be in use:
/// no search calls back into another, so that never happens).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut sc) => f(&mut sc),
        Err(_) => f(&mut Scratch::default()),
    })
}

fn list<'a>(offsets: &[u32], values: &'a [u32], p: u32) -> &'a [u32] {
    let p = p as usize;
    match (offsets.get(p), offsets.get(p + 1)) {
        (Some(&a), Some(&b)) => values.get(a as usize..b as usize).unwrap_or(&[]),
        _ => &[],
    }
}

/// Sorts and deduplicates `v[start..]` in place.
fn sort_dedup(v: &mut Vec<u32>, start: usize) {
    let tail = &mut v[start..];
    tail.sort_unstable();
    let mut w = start;
    for r in start..v.len() {
        if w == start || v[w - 1] != v[r] {
            v[w] = v[r];
            w += 1;
        }
    }
    v.truncate(w);
}

// ---- the literal index ------------------------------------------------------

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// Every string searched in a message skeleton (literal signatures and the
/// regexes' required literals), in one pass: see the module docs. Strings
/// of 8 or more bytes are filed under 8-byte anchors, of 4 to 7 under 4-byte
/// ones, of 2 or 3 under 2-byte ones; single characters are looked for
/// directly.
#[derive(Clone, Debug, Default)]
struct LiteralIndex {
    /// The length of each string (its bytes are in the tiers).
    lens: Vec<u32>,
    /// Strings of one character: (the character, the string).
    single: Vec<(u8, u32)>,
    /// Strings of 8 bytes or more.
    long: Tier,
    /// Strings of 4 to 7 bytes.
    mid: Tier,
    /// Strings of 2 or 3 bytes.
    small: Tier,
}

/// The literals found through anchors of one width.
#[derive(Clone, Debug, Default)]
struct Tier {
    /// One bit per anchor hash.
    filter: Box<[u64]>,
    filter_shift: u32,
    /// Anchors, open addressing (a power of two long; key 0 is free).
    slots: Box<[Anchor]>,
    /// The literals, grouped by anchor, each a record of [`HEADER`] bytes
    /// (the literal's index, where its anchor starts in it and its length,
    /// `u32` each, little-endian) and then its bytes: a hit reads
    /// the record and the bytes it compares from one place, most often
    /// one cache line, rather than through a pointer to each literal.
    records: Vec<u8>,
}

/// The bytes of a record's header in [`Tier::records`].
const HEADER: usize = 12;

#[derive(Clone, Copy, Debug, Default)]
struct Anchor {
    key: u64,
    start: u32,
    end: u32,
}

/// The `W` bytes of `l` at `off` as a key (never 0: skeleton bytes are
/// letters and digits).
fn key_at<const W: usize>(l: &[u8], off: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(w) = l.get(off..off + W) {
        a[..W].copy_from_slice(w);
    }
    u64::from_le_bytes(a)
}

/// The home slot of anchor `key` in a table of `cap` slots (a power of
/// two): the top bits of a second hash, independent of the filter's (a
/// window the filter lets through wrongly then mostly lands on a free
/// slot), and moved by every byte of the key (the low bits of a product
/// depend on the key's low bytes alone, so anchors alike in their first
/// bytes would crowd together).
#[inline(always)]
fn slot_of(key: u64, cap: usize) -> usize {
    const MUL2: u64 = 0xD6E8_FEB8_6659_FD93;
    let h = (key ^ key >> 29).wrapping_mul(MUL2);
    (h.checked_shr(64 - cap.trailing_zeros()).unwrap_or(0)) as usize
}

impl Tier {
    /// Anchors every literal of `ids` (each at least `W` bytes long).
    fn build<const W: usize>(literals: &[Box<[u8]>], ids: &[u32]) -> Tier {
        if ids.is_empty() {
            return Tier::default();
        }
        let mut by_key: BTreeMap<u64, Vec<(u32, u32)>> = BTreeMap::new();
        for &id in ids {
            let l = &literals[id as usize];
            let mut best = (usize::MAX, 0, 0);
            for off in 0..=l.len() - W {
                let key = key_at::<W>(l, off);
                let shared = by_key.get(&key).map_or(0, Vec::len);
                if shared < best.0 {
                    best = (shared, key, off);
                }
            }
            by_key.entry(best.1).or_default().push((id, best.2 as u32));
        }
        // 128 bits an anchor: a false hit about once in 128 asks, each a
        // read of the slots, often a branch the wrong way; 32 bits let four
        // times as many through and ran 4-6 % slower (the filter, larger
        // than the first-level cache either way, is read at every position
        // without the reads waiting on each other).
        let bits = (by_key.len() * 128)
            .next_power_of_two()
            .clamp(1 << 12, 1 << 24);
        let filter_shift = 64 - bits.trailing_zeros();
        let mut filter = vec![0u64; bits / 64].into_boxed_slice();
        let cap = (by_key.len() * 2).next_power_of_two().max(16);
        let mut slots = vec![Anchor::default(); cap].into_boxed_slice();
        let mut records = Vec::new();
        for (key, list) in by_key {
            let h = key.wrapping_mul(MUL);
            let b = (h >> filter_shift) as usize;
            filter[b >> 6] |= 1 << (b & 63);
            let mut s = slot_of(key, cap);
            while slots[s].key != 0 {
                s = (s + 1) & (cap - 1);
            }
            let start = records.len() as u32;
            for (lit, off) in list {
                let l = &literals[lit as usize];
                for field in [lit, off, l.len() as u32] {
                    records.extend_from_slice(&field.to_le_bytes());
                }
                records.extend_from_slice(l);
            }
            slots[s] = Anchor {
                key,
                start,
                end: records.len() as u32,
            };
        }
        Tier {
            filter,
            filter_shift,
            slots,
            records,
        }
    }

    /// Whether no string is filed here.
    fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Whether the bitset may hold the anchor of hash `h` (a false hit
    /// in about 1 %, never a false miss).
    #[inline(always)]
    fn may_hold(&self, h: u64) -> bool {
        let b = (h >> self.filter_shift) as usize;
        self.filter
            .get(b >> 6)
            .is_some_and(|x| x >> (b & 63) & 1 != 0)
    }

    /// Calls `f` with every literal of this tier whose anchor is `key`,
    /// read at skeleton position `i`, and that occurs there, until it
    /// returns true; returns whether it did. Out of line: the
    /// bitsets let about one ask in eighteen through (a position and a
    /// tier; the content bench's corpus, real hits included).
    #[inline(never)]
    fn hits_at<const W: usize>(
        &self,
        sk: &[u8],
        i: usize,
        key: u64,
        f: &mut impl FnMut(u32, usize) -> bool,
    ) -> bool {
        let mask = self.slots.len().wrapping_sub(1);
        let mut s = slot_of(key, self.slots.len());
        while let Some(a) = self.slots.get(s) {
            if a.key == key {
                let mut list = self
                    .records
                    .get(a.start as usize..a.end as usize)
                    .unwrap_or_default();
                while let Some((header, rest)) = list.split_first_chunk::<HEADER>() {
                    let [l0, l1, l2, l3, o0, o1, o2, o3, n0, n1, n2, n3] = *header;
                    let lit = u32::from_le_bytes([l0, l1, l2, l3]);
                    let off = u32::from_le_bytes([o0, o1, o2, o3]) as usize;
                    let len = u32::from_le_bytes([n0, n1, n2, n3]) as usize;
                    let (l, next) = rest.split_at_checked(len).unwrap_or_default();
                    list = next;
                    let Some(at) = i.checked_sub(off) else {
                        continue;
                    };
                    // The anchor may be all of it; else the bytes compared.
                    let hit = len == W || sk.get(at..at + len).is_some_and(|h| same(h, l));
                    if hit && f(lit, at) {
                        return true;
                    }
                }
                return false;
            }
            if a.key == 0 {
                return false;
            }
            s = (s + 1) & mask;
        }
        false
    }
}

/// The fewest characters a literal's robust skeleton needs, when it
/// differs from its skeleton, to be matched on the robust text: shorter,
/// the rewriting makes a common string of it (`sex` reads `se`, which every
/// `sẽ` and `sếp` holds; `free` reads `fre`, as in `fresh`).
pub const ROBUST_MIN_LEN: usize = 4;

/// Whether a `literal` (or `fuzzy`) pattern's robust form is matched on
/// the robust text: it is its own, or its robust skeleton has
/// [`ROBUST_MIN_LEN`] characters or more.
fn robust_form_usable(pattern: &str) -> bool {
    let r = robust_skeleton(pattern);
    r.len() >= ROBUST_MIN_LEN || r == skeleton(pattern)
}

/// Whether the skeleton position `at` of `text` (the `at`-th of its
/// `a-z0-9` bytes) starts a word: it follows no letter or digit. The match
/// of a robust form that differs from its pattern must (docs/matching.md,
/// "The robust text"): rewriting the pattern must not make it match the end
/// of one word and the next (`lâu dài` does not hold `ưu đãi`, robust
/// `udai`). Read only on such a match, which is rare: linear in `text`.
fn starts_word(text: &str, at: usize) -> bool {
    let b = text.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut n = 0;
    for (j, &c) in b.iter().enumerate() {
        if alnum(c) {
            if n == at {
                return j == 0 || !alnum(b[j - 1]);
            }
            n += 1;
        }
    }
    false
}

/// Whether the `len` skeleton bytes of `text` from skeleton position `at`
/// (the `at`-th of its `a-z0-9` bytes) have, between two of them, one of
/// `, . ; ! ?` that is not between two digits (`0.5`, `1,000`). A match
/// that only the robust text finds must not (docs/matching.md, "The robust
/// text"): drawn-out letters collapsing must not join the end of one
/// clause to the next (`Gì vậyyy, nhanh lên` does not hold `vay nhanh`),
/// while the folded text keeps matching across anything, as before. Read
/// only on such a match, which is rare: linear in `text`.
fn crosses_break(text: &str, at: usize, len: usize) -> bool {
    let b = text.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let end = at + len;
    let mut n = 0;
    let mut prev: Option<u8> = None;
    let mut mark = false;
    for &c in b {
        if alnum(c) {
            if n > at
                && n < end
                && mark
                && !(prev.is_some_and(|p| p.is_ascii_digit()) && c.is_ascii_digit())
            {
                return true;
            }
            n += 1;
            if n >= end {
                return false;
            }
            prev = Some(c);
            mark = false;
        } else if n > at && matches!(c, b',' | b'.' | b';' | b'!' | b'?') {
            mark = true;
        }
    }
    false
}

/// Whether `a` and `b`, of the same length, are the same bytes: eight
/// (or four) at a time, the last eight (or four) overlapping those before
/// (literals are short: a call to `memcmp` or a loop by byte costs more).
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    #[inline(always)]
    fn u64_at(s: &[u8], i: usize) -> u64 {
        s.get(i..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map_or(0, |w| u64::from_le_bytes(*w))
    }
    #[inline(always)]
    fn u32_at(s: &[u8], i: usize) -> u32 {
        s.get(i..)
            .and_then(<[u8]>::first_chunk::<4>)
            .map_or(0, |w| u32::from_le_bytes(*w))
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let differ = |i: usize| u64_at(a, i) ^ u64_at(b, i);
    if (8..=32).contains(&n) {
        // Four words, the later ones moved back to end at the end (a
        // loop's exit would go the wrong way as often as lengths change).
        let last = n - 8;
        differ(0) | differ(last.min(8)) | differ(last.min(16)) | differ(last) == 0
    } else if n > 32 {
        (0..n - 8).step_by(8).all(|i| differ(i) == 0) && differ(n - 8) == 0
    } else if n >= 4 {
        u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4)
    } else {
        a == b
    }
}

impl LiteralIndex {
    fn build(strings: Vec<String>) -> LiteralIndex {
        let literals: Vec<Box<[u8]>> = strings
            .into_iter()
            .map(|s| s.into_bytes().into_boxed_slice())
            .collect();
        let (mut single, mut small, mut mid, mut long) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (id, l) in literals.iter().enumerate() {
            match l.len() {
                0 => {}
                1 => single.push((l[0], id as u32)),
                2..=3 => small.push(id as u32),
                4..=7 => mid.push(id as u32),
                _ => long.push(id as u32),
            }
        }
        LiteralIndex {
            single,
            long: Tier::build::<8>(&literals, &long),
            mid: Tier::build::<4>(&literals, &mid),
            small: Tier::build::<2>(&literals, &small),
            lens: literals.iter().map(|l| l.len() as u32).collect(),
        }
    }

    /// Calls `f` with the index of every literal occurring in `sk` (at least
    /// once; for most, once per occurrence) until `f` returns true; returns
    /// whether it did.
    #[inline]
    fn find(&self, sk: &[u8], mut f: impl FnMut(u32, usize) -> bool) -> bool {
        for &(c, id) in &self.single {
            // One character: its first occurrence only.
            if let Some(at) = sk.iter().position(|&b| b == c) {
                if f(id, at) {
                    return true;
                }
            }
        }
        // A pass that probes only the tiers that hold strings (most sets
        // have no string of 2 or 3 bytes: the probe of that tier, at every
        // position, would find nothing).
        let (l, m, s) = (
            !self.long.is_empty(),
            !self.mid.is_empty(),
            !self.small.is_empty(),
        );
        match (l, m, s) {
            (true, true, true) => self.pass::<true, true, true>(sk, &mut f),
            (true, true, false) => self.pass::<true, true, false>(sk, &mut f),
            (true, false, true) => self.pass::<true, false, true>(sk, &mut f),
            (true, false, false) => self.pass::<true, false, false>(sk, &mut f),
            (false, true, true) => self.pass::<false, true, true>(sk, &mut f),
            (false, true, false) => self.pass::<false, true, false>(sk, &mut f),
            (false, false, true) => self.pass::<false, false, true>(sk, &mut f),
            (false, false, false) => false,
        }
    }

    /// One pass over `sk` probing the tiers `L` (long), `M` (mid) and `S`
    /// (small), the three widths read from one load at each position: the
    /// 2-, 4- and 8-byte windows starting there are the low bytes of the
    /// same integer (zero past the end, which no anchor holds).
    #[inline(always)]
    fn pass<const L: bool, const M: bool, const S: bool>(
        &self,
        sk: &[u8],
        f: &mut impl FnMut(u32, usize) -> bool,
    ) -> bool {
        let body = sk.len().saturating_sub(7);
        for (i, w) in sk.windows(8).enumerate() {
            let x = w.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
            if self.probe::<L, M, S>(sk, i, x, f) {
                return true;
            }
        }
        // The last 7 positions (all of a shorter skeleton), zero-padded.
        let mut x = sk
            .get(body..)
            .unwrap_or_default()
            .iter()
            .rev()
            .fold(0, |x, &b| x << 8 | u64::from(b));
        for i in body..sk.len() {
            if self.probe::<L, M, S>(sk, i, x, f) {
                return true;
            }
            x >>= 8;
        }
        false
    }

    /// The strings of the tiers `L`, `M`, `S` anchored at skeleton position
    /// `i`, whose next 8 bytes (zero past the end) are `x`: see
    /// [`LiteralIndex::pass`].
    #[inline(always)]
    fn probe<const L: bool, const M: bool, const S: bool>(
        &self,
        sk: &[u8],
        i: usize,
        x: u64,
        f: &mut impl FnMut(u32, usize) -> bool,
    ) -> bool {
        let (k8, k4, k2) = (x, x & 0xFFFF_FFFF, x & 0xFFFF);
        (L && self.long.may_hold(k8.wrapping_mul(MUL)) && self.long.hits_at::<8>(sk, i, k8, f))
            || (M && self.mid.may_hold(k4.wrapping_mul(MUL)) && self.mid.hits_at::<4>(sk, i, k4, f))
            || (S
                && self.small.may_hold(k2.wrapping_mul(MUL))
                && self.small.hits_at::<2>(sk, i, k2, f))
    }
}

// ---- regex compilation and required literals ------------------------------

/// A set of byte strings (literal alternatives).
type Strings = Vec<Vec<u8>>;

/// Compiles one regex for folded text (`robust`: its robust form, for the
/// robust text); returns the engine, the engine of its spaceless form
/// (robust only, when it differs and cannot match the empty string) and its
/// required literal sets (a conjunction: one string of every set occurs in
/// every match; empty: no usable literal, always run), or `None` when it
/// can never match folded text.
type CompiledRegex = (meta::Regex, Option<meta::Regex>, Vec<Strings>);

fn compile_regex(pattern: &str, robust: bool) -> Result<Option<CompiledRegex>, String> {
    let mut hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(syntax_error)?;
    if robust {
        hir = robustify(&hir);
    }
    if matches!(analyze(&hir, Mode::Folded), Lits::Never) {
        return Ok(None);
    }
    if hir.properties().minimum_len() == Some(0) {
        return Err("regex matches the empty string, so it would match every message".into());
    }
    // Matches are only asked where they are (`find_iter`) of the spaceless
    // form, which so needs the implicit group of the whole match.
    let build = |hir: &Hir, captures: WhichCaptures| {
        meta::Regex::builder()
            .configure(meta::Regex::config().which_captures(captures))
            .build_from_hir(hir)
            .map_err(|e| format!("cannot compile regex: {e}"))
    };
    let re = build(&hir, WhichCaptures::None)?;
    let loose = if robust {
        let loose = spaceless(&hir);
        match loose.properties().minimum_len() {
            Some(n) if n > 0 && loose != hir => Some(loose),
            _ => None,
        }
    } else {
        None
    };
    // The spaceless form matches wherever the regex does, so its required
    // literals serve both (they differ only where it lets a doubled
    // letter go: `vaytiennhanh` or `vaytienhanh`).
    let required = cnf(analyze(loose.as_ref().unwrap_or(&hir), Mode::Skeleton));
    let loose = loose
        .map(|h| build(&h, WhichCaptures::Implicit))
        .transpose()?;
    Ok(Some((re, loose, required)))
}

/// Whether `re` matches `text` where it overlaps one of the `joined` runs
/// (byte ranges): some leftmost-first match of it does.
fn on_joined_run(re: &meta::Regex, text: &str, joined: &[(usize, usize)]) -> bool {
    !joined.is_empty()
        && re
            .find_iter(text)
            .any(|m| joined.iter().any(|&(a, b)| m.start() < b && a < m.end()))
}

/// The *spaceless form* of a robust regex (docs/matching.md, "Joined
/// runs"), tried on the joined runs of a robust text (`vaytien`, from
/// `v a y t i e n`), which lost the spaces between their syllables: every
/// white-space byte of a literal is made optional, and so is every class
/// of white space and ASCII punctuation that holds white space (`\s`,
/// `[ .-]`), a repetition of either may repeat zero times, and the word
/// boundary assertions (`\b`, `\B`) are dropped; a space between two
/// same letters of a literal also lets the second go, since the run
/// collapsed them (`tien nhanh` → `tien(?: ?n)?hanh`). `vay tien \d+
/// trieu` becomes `vay ?tien ?\d+ ?trieu`.
fn spaceless(hir: &Hir) -> Hir {
    let optional = |h: Hir| {
        Hir::repetition(Repetition {
            min: 0,
            max: Some(1),
            greedy: true,
            sub: Box::new(h),
        })
    };
    match hir.kind() {
        HirKind::Literal(l) => {
            let mut parts = Vec::new();
            let mut run = Vec::new();
            let bytes = &l.0;
            let mut k = 0;
            while let Some(&b) = bytes.get(k) {
                k += 1;
                if !is_space(b) {
                    run.push(b);
                    continue;
                }
                if !run.is_empty() {
                    parts.push(Hir::literal(std::mem::take(&mut run)));
                }
                let (before, after) = (k.checked_sub(2).and_then(|p| bytes.get(p)), bytes.get(k));
                match (before, after) {
                    // A letter ending one word and starting the next: a
                    // joined run has them once (`tien nhanh`, `tienhanh`).
                    (Some(&x), Some(&y)) if x == y && x.is_ascii_lowercase() => {
                        parts.push(optional(Hir::concat(vec![
                            optional(Hir::literal([b])),
                            Hir::literal([y]),
                        ])));
                        k += 1;
                    }
                    _ => parts.push(optional(Hir::literal([b]))),
                }
            }
            if !run.is_empty() {
                parts.push(Hir::literal(run));
            }
            Hir::concat(parts)
        }
        HirKind::Class(c) if separator_class(c) => optional(hir.clone()),
        HirKind::Look(look) => {
            use regex_syntax::hir::Look;
            match look {
                Look::Start
                | Look::End
                | Look::StartLF
                | Look::EndLF
                | Look::StartCRLF
                | Look::EndCRLF => hir.clone(),
                _ => Hir::empty(),
            }
        }
        HirKind::Repetition(r) => {
            let separator = match r.sub.kind() {
                HirKind::Literal(l) => l.0.iter().all(|&b| is_space(b)),
                HirKind::Class(c) => separator_class(c),
                _ => false,
            };
            if separator {
                Hir::repetition(Repetition {
                    min: 0,
                    ..r.clone()
                })
            } else {
                Hir::repetition(Repetition {
                    sub: Box::new(spaceless(&r.sub)),
                    ..r.clone()
                })
            }
        }
        HirKind::Concat(hs) => Hir::concat(hs.iter().map(spaceless).collect()),
        HirKind::Alternation(hs) => Hir::alternation(
            hs.iter()
                .map(|h| {
                    // A branch loosened down to one or two letters (`\.cc\b`
                    // → `[ .]?c`, `www\.` → `w[ .]?`) would match almost
                    // anywhere after the run: it keeps its separators.
                    let l = spaceless(h);
                    match l.properties().minimum_len() {
                        Some(n) if n < MIN_LOOSE_BRANCH && l != *h => h.clone(),
                        _ => l,
                    }
                })
                .collect(),
        ),
        HirKind::Capture(c) => Hir::capture(regex_syntax::hir::Capture {
            sub: Box::new(spaceless(&c.sub)),
            ..c.clone()
        }),
        _ => hir.clone(),
    }
}

/// The fewest bytes a loosened alternative of a spaceless form may match.
const MIN_LOOSE_BRANCH: usize = 3;

/// Whether `b` is ASCII white space as `\s` has it (vertical tab included).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// Whether class `c` is made of white space and ASCII punctuation only,
/// with some white space (`\s`, `[ .-]`; not `[.,]`, not `.`).
fn separator_class(c: &Class) -> bool {
    let sep = |b: u32| u8::try_from(b).is_ok_and(|b| is_space(b) || b.is_ascii_punctuation());
    let space = |b: u32| u8::try_from(b).is_ok_and(is_space);
    let ranges: Vec<(u32, u32)> = match c {
        Class::Bytes(cb) => cb
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        Class::Unicode(cu) => cu
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
    };
    ranges.iter().all(|&(a, b)| (a..=b).all(sep)) && ranges.iter().any(|&(a, b)| (a..=b).any(space))
}

/// The robust form of a `regex` signature's pattern (docs/matching.md,
/// "The robust text"): the regex that robust matching searches in the
/// robust text, written out in `regex-syntax`'s syntax (classes spelled out,
/// groups non-capturing), for analysts and for other engines given the same
/// patterns. `Err`: the pattern does not parse (the message the builder
/// would give).
///
/// ```
/// use chanrac::content::signatures::robust_regex;
/// assert_eq!(robust_regex("free ship").unwrap(), "(?:fre ship)");
/// assert_eq!(robust_regex(r"uu dai \d+%").unwrap(), "(?:(?:u dai )(?-u:[0-9])+%)");
/// ```
pub fn robust_regex(pattern: &str) -> Result<String, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(syntax_error)?;
    Ok(robustify(&hir).to_string())
}

/// Whether `b` is an ASCII joiner other than white space (the robust
/// text's [`is_joiner`]): between two words of the robust text it is a
/// space (`400k/ngay` reads `400k ngay`).
fn ascii_joiner(b: u8) -> bool {
    b != b' ' && b.is_ascii() && is_joiner(char::from(b))
}

/// The regex for the robust text: each literal piece of it rewritten the
/// way the robust text rewrites its words (`docs/matching.md`: the runs of
/// `a-z0-9` starting with a letter go through the word rewriting, so
/// `free ship` becomes `fre ship`, `uu dai` becomes `u dai`), and each
/// joiner it names, in a literal or a class, a space too (`k/ngay` also
/// matches `k ngay`, `vay[.-]tien` also `vay tien`).
fn robustify(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Literal(l) if l.0.iter().any(|&b| ascii_joiner(b)) => {
            let mut parts = Vec::new();
            for piece in l.0.split_inclusive(|&b| ascii_joiner(b)) {
                let (body, joiner) = match piece.split_last() {
                    Some((&j, body)) if ascii_joiner(j) => (body, Some(j)),
                    _ => (piece, None),
                };
                if !body.is_empty() {
                    parts.push(robustify(&Hir::literal(body)));
                }
                if let Some(j) = joiner {
                    parts.push(Hir::class(Class::Bytes(ClassBytes::new([
                        ClassBytesRange::new(j, j),
                        ClassBytesRange::new(b' ', b' '),
                    ]))));
                }
            }
            Hir::concat(parts)
        }
        // A class of joiners (letters, digits and white space aside):
        // `[.-]`, `[/|]`; not `[.,]`, which reads numbers (`0.5`, `0,5`),
        // where the robust text keeps the mark.
        HirKind::Class(Class::Bytes(cb))
            if cb.iter().any(|r| (r.start()..=r.end()).any(ascii_joiner))
                && cb.iter().all(|r| {
                    (r.start()..=r.end()).all(|b| {
                        ascii_joiner(b) || b.is_ascii_alphanumeric() || b.is_ascii_whitespace()
                    })
                }) =>
        {
            let mut cb = cb.clone();
            cb.union(&ClassBytes::new([ClassBytesRange::new(b' ', b' ')]));
            Hir::class(Class::Bytes(cb))
        }
        HirKind::Literal(l) => {
            let mut out = Vec::with_capacity(l.0.len());
            let mut word: Vec<char> = Vec::new();
            let mut norm = Vec::new();
            let mut flush = |word: &mut Vec<char>, out: &mut Vec<u8>| {
                if let Some((l, _)) = loan_letters(word) {
                    // A loanword stays one, as in the robust text.
                    out.extend_from_slice(l);
                } else if word.first().is_some_and(|c| c.is_ascii_lowercase()) {
                    normalize_word(word, false, false, false, &mut norm);
                    out.extend_from_slice(&norm);
                } else {
                    out.extend(word.iter().map(|&c| c as u8));
                }
                word.clear();
            };
            for &b in l.0.iter() {
                if b.is_ascii_lowercase() || b.is_ascii_digit() {
                    word.push(char::from(b));
                } else {
                    flush(&mut word, &mut out);
                    out.push(b);
                }
            }
            flush(&mut word, &mut out);
            Hir::literal(out)
        }
        HirKind::Concat(hs) => {
            let mut out = Vec::with_capacity(hs.len());
            let mut k = 0;
            while let Some(h) = hs.get(k) {
                k += 1;
                // A host's dot, after a repeated class (`[a-z0-9-]+\.(top|cc)`,
                // `\S+\.vn`): a dot, or a space before what follows it as a
                // whole word. A link keeps its dots in the robust text, but a
                // host disguised past reading as one (`bidv.s1t3`) has a
                // space there; and a space before a word's start would let
                // `\.cc`, whose robust form is `c`, match `mai con`.
                let host_dot = k >= 2
                    && matches!(hs[k - 2].kind(), HirKind::Repetition(r)
                        if matches!(r.sub.kind(), HirKind::Class(_)));
                if host_dot && starts_with_dot(h) {
                    if let Some(name) = out.pop() {
                        out.push(unspaced_end(name));
                    }
                }
                match h.kind() {
                    HirKind::Literal(l) if host_dot && l.0.first() == Some(&b'.') => {
                        let after = match l.0.get(1..).filter(|r| !r.is_empty()) {
                            Some(rest) => Some(Hir::literal(rest)),
                            None => hs.get(k).inspect(|_| k += 1).cloned(),
                        };
                        let after = after.map_or_else(Hir::empty, |a| robustify(&a));
                        out.push(Hir::concat(vec![Hir::literal(*b"."), after]));
                    }
                    // The dot as one of several ways of writing it
                    // (`(?:\.|\[\.\]|\(\.\))`): a dot too.
                    _ if host_dot => out.push(host_dot_alternatives(h)),
                    _ => out.push(robustify(h)),
                }
            }
            Hir::concat(out)
        }
        HirKind::Alternation(hs) => Hir::alternation(hs.iter().map(robustify).collect()),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(robustify(&r.sub)),
            ..r.clone()
        }),
        HirKind::Capture(c) => Hir::capture(regex_syntax::hir::Capture {
            sub: Box::new(robustify(&c.sub)),
            ..c.clone()
        }),
        _ => hir.clone(),
    }
}

/// Whether `h` is a dot, or a group or alternation with a branch that
/// starts with one (a host's dot, after its repeated class).
fn starts_with_dot(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Literal(l) => l.0.first() == Some(&b'.'),
        HirKind::Concat(hs) => hs.first().is_some_and(starts_with_dot),
        HirKind::Alternation(hs) => hs.iter().any(starts_with_dot),
        HirKind::Capture(c) => starts_with_dot(&c.sub),
        _ => false,
    }
}

/// A host's name before its dot (the robust form of a repeated class, to
/// which robust matching gave a space: `[a-z0-9-]+` reads `shopee
/// trian.top`): its last character no space, since no host ends so
/// (`nha .C`, in `dum c nha .C ve`, is no host `nha .cc`).
fn unspaced_end(name: Hir) -> Hir {
    let HirKind::Repetition(r) = name.kind() else {
        return name;
    };
    let HirKind::Class(Class::Bytes(class)) = r.sub.kind() else {
        return name;
    };
    let space = ClassBytes::new([ClassBytesRange::new(b' ', b' ')]);
    let mut tail = class.clone();
    tail.difference(&space);
    if r.min == 0 || tail == *class || tail.ranges().is_empty() {
        return name;
    }
    Hir::concat(vec![
        Hir::repetition(Repetition {
            min: r.min - 1,
            max: r.max.map(|m| m - 1),
            greedy: r.greedy,
            sub: r.sub.clone(),
        }),
        Hir::class(Class::Bytes(tail)),
    ])
}

/// The robust form of a group or alternation after a host's repeated
/// class: every alternative that starts with a dot keeps it a dot (not a
/// space), the rest of it robust as usual.
fn host_dot_alternatives(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Literal(l) if l.0.first() == Some(&b'.') => {
            let rest = l.0.get(1..).unwrap_or_default();
            Hir::concat(vec![Hir::literal(*b"."), robustify(&Hir::literal(rest))])
        }
        HirKind::Concat(hs) => match hs.split_first() {
            Some((first, rest)) if matches!(first.kind(), HirKind::Literal(l) if l.0.first() == Some(&b'.')) => {
                Hir::concat(
                    std::iter::once(host_dot_alternatives(first))
                        .chain(rest.iter().map(robustify))
                        .collect(),
                )
            }
            _ => robustify(h),
        },
        HirKind::Alternation(hs) => {
            Hir::alternation(hs.iter().map(host_dot_alternatives).collect())
        }
        HirKind::Capture(c) => Hir::capture(regex_syntax::hir::Capture {
            sub: Box::new(host_dot_alternatives(&c.sub)),
            ..c.clone()
        }),
        _ => robustify(h),
    }
}

fn syntax_error(e: regex_syntax::Error) -> String {
    match e {
        regex_syntax::Error::Parse(e) => {
            format!(
                "bad regex at column {}: {}",
                e.span().start.column,
                e.kind()
            )
        }
        regex_syntax::Error::Translate(e) => {
            format!(
                "bad regex at column {}: {}",
                e.span().start.column,
                e.kind()
            )
        }
        e => format!("bad regex: {e}"),
    }
}

/// At most this many alternatives in a literal set.
const MAX_ALTS: usize = 32;
/// Literals grow no longer than this (a prefix of a required string is
/// required too).
const MAX_LEN: usize = 48;
/// Classes of at most this many members join neighbouring literals (`\d`,
/// `[.,]`).
const MAX_CLASS: usize = 10;
/// Shortest prefilter literal (letters and digits).
const MIN_LEN: usize = 2;
/// At most this many required sets per regex (the prefilter keys hold the
/// set number in 2 bits).
const MAX_SETS: usize = 4;
/// A regex's required sets whose shortest string is shorter than its
/// strongest set's, counted up to this length, are left out of the
/// prefilter ([`strongest`]).
const STRONG_LEN: usize = 4;

/// What the strings matched by a piece of regex look like, restricted to
/// strings that can occur in folded text.
#[derive(Clone, Debug, PartialEq)]
enum Lits {
    /// Can never match folded text.
    Never,
    /// Matches exactly one of these strings.
    Exact(Strings),
    /// Every match contains a string of each of these sets (none: unknown).
    Inexact(Vec<Strings>),
}

/// What [`analyze`] describes: the strings a piece of regex matches in the
/// folded text, or their skeletons (what the prefilter searches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Folded,
    Skeleton,
}

fn analyze(h: &Hir, mode: Mode) -> Lits {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits::Exact(vec![Vec::new()]),
        HirKind::Literal(l) if !possible(&l.0) => Lits::Never,
        HirKind::Literal(l) => Lits::Exact(vec![match mode {
            Mode::Folded => l.0.to_vec(),
            Mode::Skeleton => {
                l.0.iter()
                    .copied()
                    .filter(u8::is_ascii_alphanumeric)
                    .collect()
            }
        }]),
        HirKind::Class(c) => class(c, mode),
        HirKind::Capture(c) => analyze(&c.sub, mode),
        HirKind::Repetition(r) => repetition(r, mode),
        HirKind::Concat(hs) => concat(hs, mode),
        HirKind::Alternation(hs) => alternation(hs, mode),
    }
}

/// Whether `s` can occur in folded text: no upper case, no control
/// characters, no two spaces in a row, no character folding would change.
fn possible(s: &[u8]) -> bool {
    if s.iter()
        .any(|&b| b.is_ascii_uppercase() || b.is_ascii_control())
        || s.windows(2).any(|w| w == b"  ")
    {
        return false;
    }
    match std::str::from_utf8(s) {
        Ok(s) => s.chars().all(|c| c.is_ascii() || is_fixed_point(c)),
        Err(_) => true, // raw bytes: not judged
    }
}

fn class(c: &Class, mode: Mode) -> Lits {
    let mut members: Strings = Vec::new();
    // In the skeleton, every member but a letter or digit is nothing.
    let mut push = |m: &[u8]| {
        members.push(match mode {
            Mode::Skeleton if !(m.len() == 1 && m[0].is_ascii_alphanumeric()) => Vec::new(),
            _ => m.to_vec(),
        })
    };
    match c {
        Class::Bytes(cb) => {
            for r in cb.iter() {
                for b in r.start()..=r.end() {
                    if b >= 0x80 || possible(&[b]) {
                        push(&[b]);
                    }
                }
            }
        }
        Class::Unicode(cu) => {
            let total: u64 = cu
                .iter()
                .map(|r| u64::from(r.end() as u32 - r.start() as u32) + 1)
                .sum();
            if total > 512 {
                return Lits::Inexact(Vec::new());
            }
            for r in cu.iter() {
                for c in r.start()..=r.end() {
                    let mut b = [0; 4];
                    let s = c.encode_utf8(&mut b).as_bytes();
                    if possible(s) {
                        push(s);
                    }
                }
            }
        }
    }
    members.sort();
    members.dedup();
    match members.len() {
        0 => Lits::Never,
        n if n <= MAX_CLASS => Lits::Exact(members),
        _ => Lits::Inexact(Vec::new()),
    }
}

fn repetition(r: &Repetition, mode: Mode) -> Lits {
    let sub = analyze(&r.sub, mode);
    match sub {
        Lits::Never if r.min == 0 => Lits::Exact(vec![Vec::new()]),
        Lits::Never => Lits::Never,
        // Only ever empty (separators, in the skeleton): so is any repetition.
        Lits::Exact(s) if s.iter().all(Vec::is_empty) => Lits::Exact(vec![Vec::new()]),
        Lits::Exact(mut s) if r.min == 0 && r.max == Some(1) => {
            if !s.iter().any(Vec::is_empty) {
                s.push(Vec::new());
            }
            if s.len() <= MAX_ALTS {
                Lits::Exact(s)
            } else {
                Lits::Inexact(Vec::new())
            }
        }
        Lits::Exact(s) if r.max == Some(r.min) && r.min <= 4 => {
            let mut run = vec![Vec::new()];
            for _ in 0..r.min {
                match product(&run, &s, mode) {
                    Some(p) if p.is_empty() => return Lits::Never,
                    Some(p) => run = p,
                    None => return Lits::Inexact(cnf(Lits::Exact(s))),
                }
            }
            Lits::Exact(run)
        }
        _ if r.min == 0 => Lits::Inexact(Vec::new()),
        sub => Lits::Inexact(cnf(sub)),
    }
}

fn concat(hs: &[Hir], mode: Mode) -> Lits {
    let mut run: Strings = vec![Vec::new()];
    let mut exact = true;
    let mut sets: Vec<Strings> = Vec::new();
    for h in hs {
        match analyze(h, mode) {
            Lits::Never => return Lits::Never,
            Lits::Exact(e) => match product(&run, &e, mode) {
                Some(p) if p.is_empty() => return Lits::Never,
                Some(p) => run = p,
                None => {
                    sets.push(std::mem::replace(&mut run, e));
                    exact = false;
                }
            },
            Lits::Inexact(c) => {
                sets.push(std::mem::replace(&mut run, vec![Vec::new()]));
                sets.extend(c);
                exact = false;
            }
        }
    }
    if exact {
        return Lits::Exact(run);
    }
    sets.push(run);
    Lits::Inexact(strongest(sets))
}

fn alternation(hs: &[Hir], mode: Mode) -> Lits {
    let mut parts = Vec::with_capacity(hs.len());
    for h in hs {
        match analyze(h, mode) {
            Lits::Never => {}
            l => parts.push(l),
        }
    }
    if parts.is_empty() {
        return Lits::Never;
    }
    if parts.iter().all(|p| matches!(p, Lits::Exact(_))) {
        let mut all: Strings = Vec::new();
        for p in &parts {
            if let Lits::Exact(s) = p {
                all.extend(s.iter().cloned());
            }
        }
        all.sort();
        all.dedup();
        if all.len() <= MAX_ALTS {
            return Lits::Exact(all);
        }
    }
    // Each branch's best set, united: one of them occurs in every match.
    let mut all = Vec::new();
    for p in parts {
        match cnf(p).into_iter().next() {
            Some(best) => all.extend(best),
            None => return Lits::Inexact(Vec::new()),
        }
    }
    let all = minimize(all);
    if all.len() <= MAX_ALTS {
        Lits::Inexact(vec![all])
    } else {
        Lits::Inexact(Vec::new())
    }
}

/// Every concatenation of a string of `a` with one of `b` (that can occur
/// in folded text, in that mode); `None` when there would be too many or too
/// long.
fn product(a: &[Vec<u8>], b: &[Vec<u8>], mode: Mode) -> Option<Strings> {
    if a.len().saturating_mul(b.len()) > MAX_ALTS {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            if x.len() + y.len() > MAX_LEN {
                return None;
            }
            let mut s = Vec::with_capacity(x.len() + y.len());
            s.extend_from_slice(x);
            s.extend_from_slice(y);
            if mode == Mode::Skeleton || possible(&s) {
                out.push(s);
            }
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// The usable required sets of `l`, strongest first.
fn cnf(l: Lits) -> Vec<Strings> {
    match l {
        Lits::Never => Vec::new(),
        Lits::Exact(s) => strongest(vec![s]),
        Lits::Inexact(c) => c,
    }
}

/// How selective a required set is: longest shortest string, then fewest
/// strings.
fn score(set: &Strings) -> (usize, std::cmp::Reverse<usize>) {
    (
        set.iter().map(Vec::len).min().unwrap_or(0),
        std::cmp::Reverse(set.len()),
    )
}

/// Whether a required set is worth a place in the prefilter: every string
/// has at least [`MIN_LEN`] letters or digits (a set like the ten digits
/// would be found in almost every message).
fn usable(set: &Strings) -> bool {
    !set.is_empty() && set.iter().all(|s| s.len() >= MIN_LEN)
}

/// The skeleton of a string of folded text: its ASCII letters and digits.
/// Where a string occurs in the folded text, its skeleton occurs in the
/// message skeleton, so required sets are searched there, in the same pass
/// as the literal signatures.
fn skeletonize(set: Strings) -> Strings {
    set.into_iter()
        .map(|mut s| {
            s.retain(u8::is_ascii_alphanumeric);
            s
        })
        .collect()
}

/// The usable sets, as skeletons, minimized, strongest first, without those
/// another kept set implies, at most [`MAX_SETS`].
fn strongest(sets: Vec<Strings>) -> Vec<Strings> {
    let mut sets: Vec<Strings> = sets
        .into_iter()
        .map(|s| minimize(skeletonize(s)))
        .filter(usable)
        .collect();
    sets.sort_by(|a, b| score(b).cmp(&score(a)).then_with(|| a.cmp(b)));
    let mut keep: Vec<Strings> = Vec::new();
    // A set of shorter strings than the strongest's (counted up to
    // [`STRONG_LEN`]) filters little (`tr` occurs in most Vietnamese
    // messages) and costs a tally at each occurrence: left out.
    let floor = sets.first().map_or(0, |s| score(s).0.min(STRONG_LEN));
    for s in sets {
        // `t` implies `s` when every string of `t` contains one of `s`.
        let implied = keep
            .iter()
            .any(|t| t.iter().all(|x| s.iter().any(|y| contains(x, y))));
        if !implied && keep.len() < MAX_SETS && score(&s).0 >= floor {
            keep.push(s);
        }
    }
    keep
}

/// Drops every string that contains another one of the set: requiring
/// `{a, xay}` is requiring `{a}`.
fn minimize(mut set: Strings) -> Strings {
    set.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    set.dedup();
    let mut keep: Strings = Vec::with_capacity(set.len());
    for s in set {
        if !keep.iter().any(|k| contains(&s, k)) {
            keep.push(s);
        }
    }
    keep
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A literal longer than 65,535 bytes keeps its whole length and
    /// anchor offset in its record: a text holding only a part of it does
    /// not match.
    #[test]
    fn long_literals_are_compared_whole() {
        let long = "ab".repeat(35_001);
        let mut b = SignatureSetBuilder::new();
        b.robust(false);
        b.add("long", SignatureKind::Literal, long.as_str());
        let set = b.build().unwrap();
        let hits = |text: &str| {
            let mut buf = FoldBuf::new();
            buf.fold(text);
            let mut out = Vec::new();
            set.scan(&buf, &mut out);
            out
        };
        assert_eq!(hits(&long), [0]);
        assert!(hits(&"ab".repeat(2_300)).is_empty());
        assert!(hits(&"ab".repeat(35_000)).is_empty());
    }

    /// `same` by words agrees with `==` at every length (the four-word
    /// path to 32 bytes, the loop beyond), a byte changed anywhere.
    #[test]
    fn same_compares_every_byte() {
        let a: Vec<u8> = (0..80u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=a.len() {
            let x = &a[..n];
            assert!(same(x, x), "{n}");
            for at in 0..n {
                let mut y = x.to_vec();
                y[at] = b'0';
                assert!(!same(x, &y), "{n} {at}");
            }
            if n > 0 {
                assert!(!same(x, &a[..n - 1]), "{n}");
            }
        }
    }

    /// The spaceless form of `p`'s robust form, as a regex string; `None`
    /// when it has none.
    fn loose(p: &str) -> Option<String> {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(p)
            .unwrap();
        let (_, l, _) = compile_regex(p, true).unwrap().unwrap();
        l.map(|_| spaceless(&robustify(&hir)).to_string())
    }

    #[test]
    fn spaceless_forms_make_separators_optional_and_keep_the_rest() {
        let m = |p: &str, t: &str| {
            let l = loose(p).unwrap_or_else(|| panic!("no spaceless form: {p}"));
            regex_automata::meta::Regex::new(&l).unwrap().is_match(t)
        };
        assert!(m(r"vay (tien|von) \d+ trieu", "vaytien 50 trieu"));
        assert!(m(r"vay (tien|von) \d+ trieu", "vaytien50trieu"));
        assert!(m(r"vay\s+tien", "vaytien"));
        assert!(m(r"vay[ .-]tien", "vaytien"));
        assert!(m(r"\bnap the\b", "xnapthex"));
        assert!(m(r"vay tien nhanh", "vaytienhanh"));
        assert!(m(r"vay tien nhanh", "vay tien nhanh"));
        assert!(m(r"vay tien nhanh", "vaytiennhanh"));
        // Anchors stay; a class without white space stays required.
        assert!(!m(r"^vay tien", "x vaytien"));
        assert!(!m(r"lai suat 0[.,]5%", "laisuat05%"));
        // Nothing to loosen: no spaceless form.
        assert_eq!(loose(r"vaytien"), None);
        assert_eq!(loose(r"\d+k"), None);
        // An alternative loosened to a letter or two keeps its separators.
        let tld = r"vay tien[a-z ]{0,60}(\.cc\b|www\.|https?://)";
        assert!(m(tld, "vaytien ma .c"));
        assert!(m(tld, "vaytienhtp:x"));
        assert!(!m(tld, "vaytien ma xac"));
        assert!(!m(tld, "vaytien ma www"));
        // One that would match the empty string is not used.
        assert_eq!(loose(r"\s+"), None);
        assert_eq!(loose(r"(?: |-)+"), None);
    }

    #[test]
    fn word_signatures_see_inside_a_joined_run() {
        let words = set(&[
            ("a", SignatureKind::Word, "bắn cá"),
            ("b", SignatureKind::Word, "vay tiền nhanh"),
        ]);
        assert_eq!(hits(&words, "b ắ n c á đổi thưởng"), [0]);
        // The run collapsed `nn` (`vaytienhanh`).
        assert_eq!(hits(&words, "v a y t i ề n n h a n h 50tr"), [1]);
        assert_eq!(hits(&words, "Gọi ngay: x v a y t i e n n h a n h"), [1]);
        // Glued as written, or not on a run: a word is still a word.
        assert!(hits(&words, "bancá đổi thưởng, ZaloPay").is_empty());
        assert!(hits(&words, "a b c bancadoi").is_empty());
        let regex = set(&[("a", Regex, r"vay tien nhanh \d+")]);
        assert_eq!(hits(&regex, "v a y t i ề n n h a n h 50"), [0]);
    }

    #[test]
    fn a_spaceless_match_counts_only_on_a_joined_run() {
        let set = set(&[
            ("a", Regex, r"vay (tien|von) \d+ trieu"),
            ("b", Regex, r"nap the"),
        ]);
        assert_eq!(hits(&set, "v a y t i ề n 50 t r i ệ u, gọi ngay"), [0]);
        assert_eq!(hits(&set, "Gọi ngay: n.a.p.t.h.e 💰 100k"), [1]);
        // The joined run `xyz` is elsewhere: `vaytien` is written so.
        assert!(hits(&set, "x y z vaytien 50 trieu").is_empty());
        assert!(hits(&set, "ghé vaytien.vn nhé, napthe.vn").is_empty());
    }

    /// The required literal sets of a regex, as strings.
    fn req(p: &str) -> Vec<Vec<String>> {
        compile_regex(p, false)
            .unwrap()
            .unwrap()
            .2
            .into_iter()
            .map(|set| {
                set.into_iter()
                    .map(|s| String::from_utf8(s).unwrap())
                    .collect()
            })
            .collect()
    }

    fn set(sigs: &[(&str, SignatureKind, &str)]) -> SignatureSet {
        let mut b = SignatureSetBuilder::new();
        for &(id, k, p) in sigs {
            b.add(id, k, p);
        }
        b.build().unwrap()
    }

    fn hits(set: &SignatureSet, text: &str) -> Vec<u32> {
        let mut buf = FoldBuf::new();
        buf.fold(text);
        let mut out = Vec::new();
        set.scan(&buf, &mut out);
        assert_eq!(set.is_match(&buf), !out.is_empty(), "{text}");
        out
    }

    use SignatureKind::{Literal, Regex};

    #[test]
    fn required_literals() {
        // Required literals are searched as skeletons.
        assert_eq!(req(r"lai suat 0[.,]?\d*%"), [vec!["laisuat0"]]);
        assert_eq!(req(r"(vay|muon) tien"), [vec!["vaytien", "muontien"]]);
        assert_eq!(req(r"\d+ trieu"), [vec!["trieu"]]);
        assert_eq!(req(r"(?i)VAY\s+nhanh"), [vec!["vaynhanh"]]);
        assert_eq!(req(r"\bgoi ngay\b"), [vec!["goingay"]]);
        assert_eq!(req(r"(?:x|y)(?:1|2)z"), [vec!["x1z", "x2z", "y1z", "y2z"]]);
        // Single letters or digits are no use.
        assert!(req(r"\d{3,}k").is_empty());
        assert!(req(r"\d+%").is_empty());
        // A set implied by a stronger one is dropped.
        assert_eq!(req(r"vay tien.*vay"), [vec!["vaytien"]]);
        // At most four sets.
        assert_eq!(req(r"aaaa.*bbbbb.*cccc.*dddddd.*eeee").len(), 4);
        // Shorter strings than the strongest set's (counted up to 4) are
        // left out: `tr` is in most messages.
        assert_eq!(req(r"vay \d{1,3} ?(trieu|tr)\b"), [vec!["vay"]]);
        assert_eq!(
            req(r"aaa.*bbbb.*ccc.*ddddd.*ee"),
            [vec!["ddddd"], vec!["bbbb"]]
        );
        assert_eq!(req(r"ab.*cde.*fg"), [vec!["cde"]]);
        assert_eq!(req(r"ab.*fg"), [vec!["ab"], vec!["fg"]]);
        assert!(req(r"[a-z]{12,}").is_empty());
        assert!(req(r"x|[a-z]{12,}").is_empty());
        assert_eq!(req(r"(?:vay|Muon) tien"), [vec!["vaytien"]]);
        assert_eq!(req(r"(?:vay.*tien|muon\d+tien)"), [vec!["muon", "tien"]]);
        // Separators vanish from the skeleton, so obfuscation-tolerant
        // regexes still get one long literal.
        assert_eq!(req(r"(?i)vay[ .-]*tien[ .-]*nhanh"), [vec!["vaytiennhanh"]]);
        assert_eq!(req(r"v\W*a\W*y\W*t\W*i\W*e\W*n"), [vec!["vaytien"]]);
        assert_eq!(req(r"lai\s*suat\s*0[.,]?\d*\s*%"), [vec!["laisuat0"]]);
        assert_eq!(req(r"zalo[: ]*0\d{9}"), [vec!["zalo0"]]);
    }

    #[test]
    fn regexes_that_can_never_match_load_dead() {
        for p in [
            "Vay tien",
            "lãi suất",
            "vay  tien",
            r"[A-Z]+",
            "a\tb",
            "(?:Vay|VAY) tien",
        ] {
            assert!(compile_regex(p, false).unwrap().is_none(), "{p}");
        }
        assert!(compile_regex("(?i)Vay tien", false).unwrap().is_some());
        assert!(compile_regex("[A-Za-z]+ tien", false).unwrap().is_some());
        let mut b = SignatureSetBuilder::new();
        b.add("up", Regex, "Lai Suat 0%");
        b.add("dots", Literal, "...!!!");
        b.add("ok", Literal, "lai suat");
        let set = b.build().unwrap();
        assert_eq!(set.dead_signatures().collect::<Vec<_>>(), [0, 1]);
        let mut buf = FoldBuf::new();
        buf.fold("Lai Suat 0% ... !!!");
        let mut hits = vec![];
        set.scan(&buf, &mut hits);
        assert_eq!(hits, [2]);
    }

    #[test]
    fn build_errors_name_the_signature() {
        let mut b = SignatureSetBuilder::new();
        b.add("ok", Literal, "vay tiền");
        b.add("bad", Regex, "lai (suat");
        let e = b.build().unwrap_err();
        assert_eq!((e.index(), e.id()), (1, "bad"));
        assert_eq!(e.message(), "bad regex at column 5: unclosed group");
        assert_eq!(
            e.to_string(),
            "signature `bad`: bad regex at column 5: unclosed group"
        );

        let mut b = SignatureSetBuilder::new();
        b.add("a", Literal, "x");
        b.add("empty", Regex, "a*");
        let e = b.build().unwrap_err();
        assert_eq!(e.index(), 1);
        assert!(e.message().contains("empty string"), "{e}");
    }

    #[test]
    fn literals_match_on_the_skeleton() {
        let s = set(&[
            ("vay", Literal, "vay tiền nhanh"),
            ("vay-dup", Literal, "VAY-TIEN-NHANH"),
            ("zalo", Literal, "kết bạn zalo"),
            ("nhanh", Literal, "nhanh"),
        ]);
        assert_eq!(hits(&s, "V.A.Y T-I-Ề-N nhanh"), [0, 1, 3]);
        assert_eq!(hits(&s, "vау tiеn nhanh"), [0, 1, 3]);
        assert_eq!(hits(&s, "ＶＡＹ tiền\u{200B} nhanh"), [0, 1, 3]);
        assert_eq!(hits(&s, "Kết bạn Zalo để vay tiền nhanh"), [0, 1, 2, 3]);
        assert_eq!(hits(&s, "Chúc mừng sinh nhật em"), Vec::<u32>::new());
    }

    #[test]
    fn regexes_match_on_the_folded_text() {
        let s = set(&[
            ("lai", Regex, r"lai suat 0[.,]?\d*%"),
            ("trieu", Regex, r"\d+ trieu"),
            ("free", Regex, r"\d{3,}k"),
            ("lit", Literal, "nhan ngay"),
            ("long", Regex, r"[a-z]{15,}"),
        ]);
        assert_eq!(s.unfiltered_regexes().collect::<Vec<_>>(), [2, 4]);
        assert_eq!(hits(&s, "Lãi suất 0,5% — nhận ngay 50 TRIỆU"), [0, 1, 3]);
        assert_eq!(hits(&s, "giam 500k"), [2]);
        assert_eq!(hits(&s, "supercalifragilistic"), [4]);
        assert_eq!(hits(&s, "lai suat cao"), Vec::<u32>::new());
        // Appends: earlier contents stay.
        let mut buf = FoldBuf::new();
        buf.fold("giam 500k");
        let mut out = vec![99];
        s.scan(&buf, &mut out);
        assert_eq!(out, [99, 2]);
    }

    #[test]
    fn a_string_can_be_a_literal_and_a_required_literal() {
        let s = set(&[
            ("re", Regex, r"vay tien \d+ trieu"),
            ("lit", Literal, "Vay Tiền"),
            ("re2", Regex, r"vay tien nhanh|tien vay"),
        ]);
        assert_eq!(hits(&s, "vay tien 50 trieu"), [0, 1]);
        assert_eq!(hits(&s, "vaytien 50 trieu"), [1]);
        assert_eq!(hits(&s, "tien vay"), [2]);
        // The robust text reads `vay-tien` as two words `vay tien`.
        assert_eq!(hits(&s, "vay-tien nhanh"), [1, 2]);
        assert_eq!(hits(&s, "vay:tien nhanh"), [1]);
    }

    #[test]
    fn new_kinds() {
        use SignatureKind::{Diacritic, Fuzzy, Word};
        let s = set(&[
            ("ban-ca", Word, "bắn cá"),
            ("zalo", Word, "zalo"),
            ("ban-ca-toned", Diacritic, "bắn cá"),
            ("khoa", Fuzzy, "đã bị khóa"),
            ("short", Fuzzy, "otp"),
        ]);
        assert_eq!(hits(&s, "Bắn cá đổi thưởng"), [0, 2]);
        assert_eq!(hits(&s, "B.Ắ.N  C-Á online"), [0, 2]);
        assert_eq!(hits(&s, "bạn cần gì"), Vec::<u32>::new());
        assert_eq!(hits(&s, "bán cá tươi"), [0]);
        assert_eq!(hits(&s, "kết bạn Zalo nhé"), [1]);
        assert_eq!(hits(&s, "thanh toán ZaloPay"), Vec::<u32>::new());
        assert_eq!(hits(&s, "tài khoản đã hi khóa"), [3]);
        assert_eq!(hits(&s, "tài khoản đã bị khóa"), [3]);
        assert_eq!(hits(&s, "tài khoản đã bbị khóa"), [3]);
        assert_eq!(hits(&s, "tài khoản đã ị khóa"), [3]);
        assert_eq!(hits(&s, "tài khoản đã mở khóa"), Vec::<u32>::new());
        assert_eq!(hits(&s, "ma otp"), [4]);
        assert_eq!(hits(&s, "ma ozp"), Vec::<u32>::new());
        assert_eq!(s.kind(0), Word);
    }

    #[test]
    fn one_edit_agrees_with_dynamic_programme() {
        let pats: [&[u8]; 4] = [b"dabikhoa", b"abcabc", b"aaaaaa", b"xyzxyzq"];
        let mut hay = Vec::new();
        let mut seed = 7u64;
        for _ in 0..4000 {
            hay.clear();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = (seed >> 60) as usize + 2;
            for k in 0..n {
                let x = seed.rotate_left(k as u32 * 7) >> 58;
                hay.push(b"abcdikoxyzq"[(x % 11) as usize]);
            }
            // Half the time, two adjacent letters of a pattern, swapped.
            if seed & 1 == 1 {
                let p = pats[(seed >> 8) as usize % pats.len()];
                let k = (seed >> 16) as usize % (p.len() - 1);
                let mut q = p.to_vec();
                q.swap(k, k + 1);
                hay.extend_from_slice(&q);
            }
            for p in pats {
                assert_eq!(
                    within_one_edit(&hay, p),
                    within_one_edit_dp(&hay, p),
                    "{:?} in {:?}",
                    std::str::from_utf8(p),
                    std::str::from_utf8(&hay)
                );
            }
        }
        // Swaps of two adjacent letters, each one edit.
        assert!(within_one_edit(b"xxadbikhoaxx", b"dabikhoa"));
        assert!(within_one_edit(b"dabikhao", b"dabikhoa"));
        assert!(within_one_edit(b"dabkihoa", b"dabikhoa"));
        assert!(!within_one_edit(b"adbikhao", b"dabikhoa"));
        assert!(!within_one_edit(b"dbaikhao", b"dabikhoa"));
        let long = [b'a'; 70];
        let mut hay = long.to_vec();
        hay[30] = b'b';
        assert!(within_one_edit(&hay, &long));
        hay[40] = b'b';
        assert!(!within_one_edit(&hay, &long));
    }

    /// The robust scan by its definition: the plain pass on the folded
    /// text and the robust set's pass on the robust text, always built.
    fn reference_hits(set: &SignatureSet, text: &str) -> Vec<u32> {
        let mut buf = FoldBuf::new();
        buf.fold(text);
        let mut out = Vec::new();
        let hay = Hay {
            text: buf.folded(),
            skeleton: buf.skeleton_bytes(),
            original: Some(buf.text()),
            joined: &[],
        };
        with_scratch(|sc| {
            set.scan_with(sc, hay, &mut out, false);
            if let Some(robust) = &set.robust {
                let mut rb = RobustBuf::new();
                rb.build_from(&buf);
                robust.scan_with(sc, Hay::robust(&rb), &mut out, false);
                if rb.build_second_reading(buf.folded(), Some(buf.text())) {
                    robust.scan_with(sc, Hay::robust(&rb), &mut out, false);
                }
            }
        });
        sort_dedup(&mut out, 0);
        out
    }

    const TWIN_SIGS: &[(SignatureKind, &str)] = &[
        (Literal, "ưu đãi lớn"),
        (Literal, "ưu đãi"),
        (Literal, "vay tiền nhanh"),
        (Literal, "khuyến mãi"),
        (Literal, "tieenf"),
        (Literal, "xoong nồi"),
        (Literal, "sms"),
        (Literal, "u dai"),
        (Regex, r"uu dai \d+%"),
        (Regex, r"u dai"),
        (Regex, r"vay \d+ ?tr"),
        (Regex, r"free ship"),
        (Regex, r"nap the \d+k"),
        (Regex, r"(?i)vay[ .-]*tien"),
        (Regex, r"\d{3,}k"),
        (SignatureKind::Word, "ưu đãi"),
        (SignatureKind::Word, "sms"),
        (SignatureKind::Word, "vay tiền"),
        (SignatureKind::Fuzzy, "khuyến mãi lớn"),
        (SignatureKind::Fuzzy, "ưu đãi lớn"),
        (SignatureKind::Diacritic, "ưu đãi"),
    ];

    const TWIN_WORDS: &[&str] = &[
        "ưu", "uu", "u", "tu", "đãi", "dai", "lớn", "vay", "v4y", "V.A.Y", "tiền", "tieenf",
        "nhanh", "nhaanh", "khuyến", "mãi", "xoong", "nồi", "sms", "free", "ship", "nạp", "thẻ",
        "100k", "50%", "5tr", "0ng", "muua", "w", "tw", "💰", "lh", "0912", "-", ".", ":",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// The scan (shortcut, one pass for texts that are their own robust
        /// text) finds exactly what the definition does.
        #[test]
        fn robust_scan_agrees_with_its_definition(
            sigs in proptest::sample::subsequence(TWIN_SIGS, 0..TWIN_SIGS.len()),
            words in proptest::collection::vec(
                (proptest::sample::select(TWIN_WORDS), proptest::sample::select(&[" ", " ", "", "-", " 💰 ", ". "][..])),
                0..14,
            ),
        ) {
            let mut b = SignatureSetBuilder::new();
            for (i, &(k, p)) in sigs.iter().enumerate() {
                b.add(format!("s{i}"), k, p);
            }
            let set = b.build().unwrap();
            let text: String = words.iter().map(|(w, g)| format!("{w}{g}")).collect();
            let want = reference_hits(&set, &text);
            proptest::prop_assert_eq!(hits(&set, &text), want, "{}", text);
        }
    }

    #[test]
    fn empty_set_matches_nothing() {
        let s = SignatureSet::default();
        assert!(s.is_empty());
        assert_eq!(hits(&s, "vay tien nhanh"), Vec::<u32>::new());
    }

    #[test]
    fn accessors_and_kinds() {
        let s = set(&[("a", Literal, "Vay Tiền"), ("b", Regex, "x+y")]);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s.id(0), s.kind(0), s.pattern(0)),
            ("a", Literal, "Vay Tiền")
        );
        assert_eq!((s.id(1), s.kind(1), s.pattern(1)), ("b", Regex, "x+y"));
        assert_eq!(s.iter().count(), 2);
        assert_eq!(SignatureKind::from_name(" REGEX "), Some(Regex));
        assert_eq!(SignatureKind::from_name("Literal"), Some(Literal));
        assert_eq!(SignatureKind::from_name("glob"), None);
        assert_eq!(Regex.to_string(), "regex");
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<SignatureSet>();
        check::<FoldBuf>();
    }

    #[test]
    fn many_threads_share_one_set() {
        let s = std::sync::Arc::new(set(&[
            ("lai", Regex, r"lai suat 0[.,]?\d*%"),
            ("v", Literal, "vay tien"),
        ]));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let s = s.clone();
                std::thread::spawn(move || {
                    let mut buf = FoldBuf::new();
                    let mut out = Vec::new();
                    for i in 0..200 {
                        buf.fold(&format!("Vay tiền lãi suất 0.{i}%"));
                        out.clear();
                        s.scan(&buf, &mut out);
                        assert_eq!(out, [0, 1]);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}
