//! Shared spam templates (rule S1: mẫu tin nhắn rác, Decree 91/2020 and
//! Circular 22/2021 Art.4), compiled for matching at line rate.
//!
//! A signature is a `literal` or a `regex` (CONTRACT.md §1 `signatures.csv`,
//! §4):
//!
//! - **Literals** are matched on the *skeleton*: a literal matches when its
//!   skeleton (not empty) is a substring of the message's skeleton. All of
//!   them are compiled into **one** Aho–Corasick automaton searched once,
//!   overlapping, over the message skeleton, so every matching literal is
//!   found and ten thousand literals cost about what one does.
//! - **Regexes** are written for the *folded text* (lower case, no
//!   diacritics: `lai suat 0[.,]?\d*%`) and searched in it as written. They
//!   are compiled with Unicode classes **off** (`\d` is `[0-9]`, `\w` is
//!   `[0-9A-Za-z_]`, `.` any byte but `\n`), one small engine each.
//!
//! # Regex prefilter
//!
//! Running hundreds of regexes over every message would cost hundreds of
//! scans. Instead each regex's *required literals* are extracted from its
//! syntax tree: a set of strings one of which occurs in every match
//! (`lai suat 0[.,]?\d*%` requires `lai suat 0`; `(vay|muon) tien` requires
//! one of `vay tien`, `muon tien`). All of them go into a second
//! Aho–Corasick automaton searched once over the folded text; only the
//! regexes whose literal occurs are run. A regex with no usable required
//! literal (say `\d{3,}k`, where no string is forced) runs on every message:
//! keep those few ([`SignatureSet::unfiltered_regexes`] lists them so a
//! loader can warn).
//!
//! The same analysis rejects, at build time, a regex that can never match
//! folded text (an upper-case letter, a diacritic, a control character or
//! two spaces in a row in every branch) and one that matches the empty
//! string (it would match every message).
//!
//! # Threads
//!
//! [`SignatureSet`] is immutable, `Send + Sync` and searched through `&self`.
//! Each regex keeps its own search cache in `regex-automata`'s internal pool:
//! the thread that first used a regex gets it without synchronisation; other
//! threads take one from a small sharded stack (an uncontended mutex, taken
//! only for the few regexes the prefilter lets through).

use std::collections::HashMap;
use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_syntax::hir::{Class, Hir, HirKind, Repetition};

use super::fold::{is_fixed_point, skeleton, FoldBuf};

/// How a signature's pattern is matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureKind {
    /// `literal`: its skeleton is searched in the message skeleton.
    Literal,
    /// `regex`: searched in the folded text as written (ASCII classes).
    Regex,
}

impl SignatureKind {
    /// The `kind` column value: `literal` or `regex`.
    pub fn name(self) -> &'static str {
        match self {
            SignatureKind::Literal => "literal",
            SignatureKind::Regex => "regex",
        }
    }

    /// Parses a `kind` column value (trimmed, case-insensitive).
    pub fn from_name(s: &str) -> Option<SignatureKind> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("literal") {
            Some(SignatureKind::Literal)
        } else if s.eq_ignore_ascii_case("regex") {
            Some(SignatureKind::Regex)
        } else {
            None
        }
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
    /// called (0-based). An error about the set as a whole (the automaton
    /// would be too large) names the last signature.
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
        if self.sources.len() > u32::MAX as usize {
            return Err(self.error(self.sources.len() - 1, "too many signatures".into()));
        }
        let mut set = SignatureSet {
            sources: self.sources.clone(),
            ..SignatureSet::default()
        };
        // Literals: unique skeletons, each with the signatures sharing it.
        let mut skeletons: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut by_skeleton: HashMap<String, usize> = HashMap::new();
        // Regexes: compiled engines and their prefilter literals.
        let mut prefilter: Vec<Vec<u8>> = Vec::new();
        let mut prefilter_owner: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut prefilter_slots: Vec<Vec<u32>> = Vec::new();
        for (i, s) in self.sources.iter().enumerate() {
            let sig = i as u32;
            match s.kind {
                SignatureKind::Literal => {
                    let sk = skeleton(&s.pattern);
                    if sk.is_empty() {
                        return Err(self.error(
                            i,
                            "literal has no letters or digits, so its skeleton is empty".into(),
                        ));
                    }
                    let p = *by_skeleton.entry(sk.clone()).or_insert_with(|| {
                        skeletons.push(sk);
                        owners.push(Vec::new());
                        skeletons.len() - 1
                    });
                    owners[p].push(sig);
                }
                SignatureKind::Regex => {
                    let (re, required) = compile_regex(&s.pattern).map_err(|m| self.error(i, m))?;
                    let slot = set.regexes.len() as u32;
                    set.regexes.push(Compiled { sig, re });
                    match required {
                        Some(lits) => {
                            for lit in lits {
                                let p = *prefilter_owner.entry(lit.clone()).or_insert_with(|| {
                                    prefilter.push(lit);
                                    prefilter_slots.push(Vec::new());
                                    prefilter.len() - 1
                                });
                                prefilter_slots[p].push(slot);
                            }
                        }
                        None => set.unfiltered.push(slot),
                    }
                }
            }
        }
        let last = self.sources.len().saturating_sub(1);
        if !skeletons.is_empty() {
            set.literals = Some(automaton(&skeletons).map_err(|m| self.error(last, m))?);
            (set.literal_offsets, set.literal_sigs) = flatten(owners);
        }
        if !prefilter.is_empty() {
            set.prefilter = Some(automaton(&prefilter).map_err(|m| self.error(last, m))?);
            (set.prefilter_offsets, set.prefilter_slots) = flatten(prefilter_slots);
        }
        Ok(set)
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

/// Above this many pattern bytes the automata use aho-corasick's contiguous
/// NFA instead of a DFA (whose size is about 256 bytes per pattern byte).
const DFA_PATTERN_BYTES: usize = 256 * 1024;

fn automaton<P: AsRef<[u8]>>(patterns: &[P]) -> Result<AhoCorasick, String> {
    let bytes: usize = patterns.iter().map(|p| p.as_ref().len()).sum();
    let kind = (bytes <= DFA_PATTERN_BYTES).then_some(AhoCorasickKind::DFA);
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(kind)
        .build(patterns)
        .map_err(|e| format!("the signature set is too large to compile: {e}"))
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

#[derive(Clone, Debug)]
struct Compiled {
    sig: u32,
    re: meta::Regex,
}

/// Compiled signatures: immutable, `Send + Sync`, searched through `&self`
/// from any number of threads.
#[derive(Clone, Debug, Default)]
pub struct SignatureSet {
    sources: Vec<Source>,
    /// Unique literal skeletons, searched in the message skeleton.
    literals: Option<AhoCorasick>,
    literal_offsets: Vec<u32>,
    literal_sigs: Vec<u32>,
    /// Regex engines (slots), in the order added.
    regexes: Vec<Compiled>,
    /// Required literals of the regexes, searched in the folded text.
    prefilter: Option<AhoCorasick>,
    prefilter_offsets: Vec<u32>,
    prefilter_slots: Vec<u32>,
    /// Regex slots without a required literal: run on every message.
    unfiltered: Vec<u32>,
}

impl SignatureSet {
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

    /// The regex signatures that have no required literal and so run on
    /// every message (keep them few).
    pub fn unfiltered_regexes(&self) -> impl Iterator<Item = u32> + '_ {
        self.unfiltered
            .iter()
            .filter_map(|&s| self.regexes.get(s as usize).map(|c| c.sig))
    }

    /// Appends the index of every signature matching the message folded in
    /// `buf`, each once, the appended indices sorted. Allocates only when
    /// `out` must grow.
    pub fn scan(&self, buf: &FoldBuf, out: &mut Vec<u32>) {
        let start = out.len();
        if let Some(ac) = &self.literals {
            if let Ok(it) = ac.try_find_overlapping_iter(buf.skeleton()) {
                for m in it {
                    out.extend_from_slice(list(
                        &self.literal_offsets,
                        &self.literal_sigs,
                        m.pattern().as_usize(),
                    ));
                }
            }
        }
        // Candidate regex slots, then keep those that match, as signatures.
        let folded = buf.folded();
        let cand = out.len();
        if let Some(ac) = &self.prefilter {
            if let Ok(it) = ac.try_find_overlapping_iter(folded) {
                for m in it {
                    out.extend_from_slice(list(
                        &self.prefilter_offsets,
                        &self.prefilter_slots,
                        m.pattern().as_usize(),
                    ));
                }
            }
        }
        out.extend_from_slice(&self.unfiltered);
        sort_dedup(out, cand);
        let mut w = cand;
        for r in cand..out.len() {
            if let Some(c) = self.regexes.get(out[r] as usize) {
                if c.re.is_match(folded) {
                    out[w] = c.sig;
                    w += 1;
                }
            }
        }
        out.truncate(w);
        sort_dedup(out, start);
    }

    /// Whether any signature matches the message folded in `buf`; stops at
    /// the first match. Never allocates.
    pub fn is_match(&self, buf: &FoldBuf) -> bool {
        if let Some(ac) = &self.literals {
            if let Ok(Some(_)) = ac.try_find(Input::new(buf.skeleton()).earliest(true)) {
                return true;
            }
        }
        let folded = buf.folded();
        // Regexes already tried (the same literal may occur many times).
        let mut tried = [u32::MAX; 16];
        let mut n = 0;
        if let Some(ac) = &self.prefilter {
            if let Ok(it) = ac.try_find_overlapping_iter(folded) {
                for m in it {
                    for &slot in list(
                        &self.prefilter_offsets,
                        &self.prefilter_slots,
                        m.pattern().as_usize(),
                    ) {
                        if tried.contains(&slot) {
                            continue;
                        }
                        tried[n % tried.len()] = slot;
                        n += 1;
                        if self
                            .regexes
                            .get(slot as usize)
                            .is_some_and(|c| c.re.is_match(folded))
                        {
                            return true;
                        }
                    }
                }
            }
        }
        self.unfiltered.iter().any(|&slot| {
            self.regexes
                .get(slot as usize)
                .is_some_and(|c| c.re.is_match(folded))
        })
    }
}

fn list<'a>(offsets: &[u32], values: &'a [u32], p: usize) -> &'a [u32] {
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

// ---- regex compilation and required literals ------------------------------

/// Compiles one regex for folded text; returns the engine and its required
/// literals (`None`: no usable literal, always run).
fn compile_regex(pattern: &str) -> Result<(meta::Regex, Option<Strings>), String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(syntax_error)?;
    let lits = analyze(&hir);
    if matches!(lits, Lits::Never) {
        return Err(
            "regex can never match folded text, which is lower case without diacritics, \
                    control characters or repeated spaces (write `vay tien`, not `Vay tiền`)"
                .into(),
        );
    }
    if hir.properties().minimum_len() == Some(0) {
        return Err("regex matches the empty string, so it would match every message".into());
    }
    let re = meta::Regex::builder()
        .configure(meta::Regex::config().which_captures(WhichCaptures::None))
        .build_from_hir(&hir)
        .map_err(|e| format!("cannot compile regex: {e}"))?;
    Ok((re, required(lits)))
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

/// A set of byte strings (literal alternatives).
type Strings = Vec<Vec<u8>>;

/// At most this many alternatives in a literal set.
const MAX_ALTS: usize = 32;
/// Literals grow no longer than this (a prefix of a required string is
/// required too).
const MAX_LEN: usize = 48;
/// Classes of at most this many members join neighbouring literals (`\d`,
/// `[.,]`).
const MAX_CLASS: usize = 10;

/// What the strings matched by a piece of regex look like, restricted to
/// strings that can occur in folded text.
#[derive(Clone, Debug, PartialEq)]
enum Lits {
    /// Can never match folded text.
    Never,
    /// Matches exactly one of these strings.
    Exact(Vec<Vec<u8>>),
    /// Every match contains one of these strings (`None`: unknown).
    Inexact(Option<Vec<Vec<u8>>>),
}

fn analyze(h: &Hir) -> Lits {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits::Exact(vec![Vec::new()]),
        HirKind::Literal(l) => {
            if possible(&l.0) {
                Lits::Exact(vec![l.0.to_vec()])
            } else {
                Lits::Never
            }
        }
        HirKind::Class(c) => class(c),
        HirKind::Capture(c) => analyze(&c.sub),
        HirKind::Repetition(r) => repetition(r),
        HirKind::Concat(hs) => concat(hs),
        HirKind::Alternation(hs) => alternation(hs),
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

fn class(c: &Class) -> Lits {
    let mut members: Vec<Vec<u8>> = Vec::new();
    match c {
        Class::Bytes(cb) => {
            for r in cb.iter() {
                for b in r.start()..=r.end() {
                    if b >= 0x80 || possible(&[b]) {
                        members.push(vec![b]);
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
                return Lits::Inexact(None);
            }
            for r in cu.iter() {
                for c in r.start()..=r.end() {
                    let mut b = [0; 4];
                    let s = c.encode_utf8(&mut b).as_bytes();
                    if possible(s) {
                        members.push(s.to_vec());
                    }
                }
            }
        }
    }
    match members.len() {
        0 => Lits::Never,
        n if n <= MAX_CLASS => Lits::Exact(members),
        _ => Lits::Inexact(None),
    }
}

fn repetition(r: &Repetition) -> Lits {
    let sub = analyze(&r.sub);
    match sub {
        Lits::Never if r.min == 0 => Lits::Exact(vec![Vec::new()]),
        Lits::Never => Lits::Never,
        Lits::Exact(mut s) if r.min == 0 && r.max == Some(1) => {
            if !s.iter().any(Vec::is_empty) {
                s.push(Vec::new());
            }
            if s.len() <= MAX_ALTS {
                Lits::Exact(s)
            } else {
                Lits::Inexact(None)
            }
        }
        Lits::Exact(s) if r.max == Some(r.min) && r.min <= 4 => {
            let mut run = vec![Vec::new()];
            for _ in 0..r.min {
                match product(&run, &s) {
                    Some(p) if p.is_empty() => return Lits::Never,
                    Some(p) => run = p,
                    None => return Lits::Inexact(required(Lits::Exact(s))),
                }
            }
            Lits::Exact(run)
        }
        _ if r.min == 0 => Lits::Inexact(None),
        sub => Lits::Inexact(required(sub)),
    }
}

fn concat(hs: &[Hir]) -> Lits {
    let mut run: Vec<Vec<u8>> = vec![Vec::new()];
    let mut exact = true;
    let mut candidates: Vec<Vec<Vec<u8>>> = Vec::new();
    for h in hs {
        match analyze(h) {
            Lits::Never => return Lits::Never,
            Lits::Exact(e) => match product(&run, &e) {
                Some(p) if p.is_empty() => return Lits::Never,
                Some(p) => run = p,
                None => {
                    candidates.push(std::mem::replace(&mut run, e));
                    exact = false;
                }
            },
            Lits::Inexact(r) => {
                candidates.push(std::mem::replace(&mut run, vec![Vec::new()]));
                candidates.extend(r);
                exact = false;
            }
        }
    }
    if exact {
        return Lits::Exact(run);
    }
    candidates.push(run);
    Lits::Inexact(best(candidates))
}

fn alternation(hs: &[Hir]) -> Lits {
    let mut parts = Vec::with_capacity(hs.len());
    for h in hs {
        match analyze(h) {
            Lits::Never => {}
            l => parts.push(l),
        }
    }
    if parts.is_empty() {
        return Lits::Never;
    }
    if parts.iter().all(|p| matches!(p, Lits::Exact(_))) {
        let mut all: Vec<Vec<u8>> = Vec::new();
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
    let mut all = Vec::new();
    for p in parts {
        match required(p) {
            Some(r) => all.extend(r),
            None => return Lits::Inexact(None),
        }
    }
    let all = minimize(all);
    Lits::Inexact((all.len() <= MAX_ALTS).then_some(all))
}

/// Every concatenation of a string of `a` with one of `b` that can occur in
/// folded text; `None` when there would be too many or too long.
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
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
            if possible(&s) {
                out.push(s);
            }
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// The required literal set of `l`, if it has a usable one (no empty string).
fn required(l: Lits) -> Option<Vec<Vec<u8>>> {
    match l {
        Lits::Never => None,
        Lits::Exact(s) => best(vec![s]),
        Lits::Inexact(r) => r,
    }
}

/// The best usable candidate: longest shortest string, then fewest strings.
fn best(candidates: Vec<Vec<Vec<u8>>>) -> Option<Vec<Vec<u8>>> {
    candidates
        .into_iter()
        .map(minimize)
        .filter(|c| !c.is_empty() && c.iter().all(|s| !s.is_empty()))
        .max_by_key(|c| {
            (
                c.iter().map(Vec::len).min().unwrap_or(0),
                std::cmp::Reverse(c.len()),
            )
        })
}

/// Drops every string that contains another one of the set: requiring
/// `{a, xay}` is requiring `{a}`.
fn minimize(mut set: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    set.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    set.dedup();
    let mut keep: Vec<Vec<u8>> = Vec::with_capacity(set.len());
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

    fn req(p: &str) -> Option<Vec<String>> {
        compile_regex(p).unwrap().1.map(|v| {
            v.into_iter()
                .map(|s| String::from_utf8(s).unwrap())
                .collect()
        })
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
        assert_eq!(req(r"lai suat 0[.,]?\d*%"), Some(vec!["lai suat 0".into()]));
        assert_eq!(
            req(r"(vay|muon) tien"),
            Some(vec!["vay tien".into(), "muon tien".into()])
        );
        assert_eq!(req(r"\d+ trieu"), Some(vec![" trieu".into()]));
        assert_eq!(req(r"(?i)VAY\s+nhanh"), Some(vec!["nhanh".into()]));
        assert_eq!(req(r"\bgoi ngay\b"), Some(vec!["goi ngay".into()]));
        assert_eq!(
            req(r"(?:x|y)(?:1|2)z"),
            Some(vec!["x1z".into(), "x2z".into(), "y1z".into(), "y2z".into()])
        );
        assert_eq!(req(r"\d{3,}k"), Some(vec!["k".into()]));
        assert_eq!(req(r"[a-z]{12,}"), None);
        assert_eq!(req(r"x|[a-z]{12,}"), None);
        assert_eq!(req(r"(?:vay|Muon) tien"), Some(vec!["vay tien".into()]));
    }

    #[test]
    fn regexes_that_can_never_match_are_errors() {
        for p in [
            "Vay tien",
            "lãi suất",
            "vay  tien",
            r"[A-Z]+",
            "a\tb",
            "(?:Vay|VAY) tien",
        ] {
            let e = compile_regex(p).unwrap_err();
            assert!(e.contains("never match"), "{p}: {e}");
        }
        assert!(compile_regex("(?i)Vay tien").is_ok());
        assert!(compile_regex("[A-Za-z]+ tien").is_ok());
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
        b.add("dots", Literal, "...!!!");
        let e = b.build().unwrap_err();
        assert_eq!((e.index(), e.id()), (0, "dots"));
        assert!(e.message().contains("skeleton is empty"), "{e}");

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
        assert_eq!(s.unfiltered_regexes().collect::<Vec<_>>(), [4]);
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
