//! The *robust text* of a message: the folded text with the ways real
//! senders write around filters undone. `literal`, `regex` and `word`
//! signatures are matched on the folded text (and skeleton) as before **and**
//! on the robust text (and its skeleton), with patterns put through the same
//! steps; so robust matching only ever adds matches. The full definition,
//! with examples, is in `docs/matching.md`; in short, on the folded text
//! (of the written text with its look-alike capitals and its letters drawn
//! in symbols read, step 0: `TlỀN` → `TIỀN`, `IÃI` → `LÃI`, `|<#0ản` →
//! `kh0ản`):
//!
//! 1. **Tokens and gaps.** A *token* is a maximal run of `a-z`, `0-9` and
//!    the leet symbols `@ $ €` that touch a letter `a-z` (or follow a leet
//!    digit after one, `kh0@`, or are linked to one by a single
//!    `. - _ * ~`: `q.u.@`; an `@` between leet digits, `7@1`; a `$`
//!    leading a leet word, `$@le`, `$4p`), and a `!` read as `i` (between
//!    two letters, before a leet digit and a letter, ending a word of
//!    consonants that it makes a syllable, in a word written in leetspeak
//!    or ending a spelled-out one: `t!n`, `v!3n`, `ph!`, `t4!`,
//!    `c-@-!`); a *gap* is what
//!    lies between tokens. A *joiner* is white space, `. - _ * ~ + / \ | '`,
//!    `·`, `•`, or any non-ASCII character that is neither alphabetic nor
//!    numeric (emoji, stars, hearts).
//! 2. **Spelled-out words.** A *run* is a sequence of one-character tokens
//!    linked by gaps made of joiners only (or a lone comma: `n,a,p`), with at least two letters (`a-z`
//!    or a leet symbol). In a run, a gap without white space, or with
//!    punctuation, joins its neighbours; a *loose* gap (white space and
//!    nothing else but symbols) joins them too when every gap of the run is
//!    loose (`n a p`), or when the tokens on both sides are spaced on their
//!    other side too (or end the run: `d o n h_a_n_g` → `don hang`), and
//!    is otherwise a word boundary (`n.a.p d.a.u` →
//!    `nap dau`, `n . a . p d . a . u` → `nap dau`). When every gap is
//!    loose, the run breaks where the written text had its widest gaps, if
//!    its gaps were not all as wide (white space counts one, a symbol two:
//!    `l ã i  s u ấ t` → `lai suat`; folding collapsed those spaces). A word
//!    of a run that is letters `a-z` and not one syllable is a *joined run*
//!    (`v a y t i ề n` → `vaytien`), where a `regex` is also tried in its
//!    spaceless form ([`RobustBuf::joined`]); its letters are written as
//!    they stand when they split into syllables as written
//!    (`c h ỉ s a u` → `chisau`, not `chiau`).
//! 3. **Other gaps.** A *splitter* (`. - _ * ~ '` and non-ASCII symbols,
//!    no white space) between the letters ending the text so far and a
//!    token of letters is dropped when the two make one Vietnamese syllable
//!    (docs/matching.md, step 2) and the same kind of gap does not also link the
//!    words around them (`va.y` → `vay`, `t-ien` → `tien`; not `vay-tien`,
//!    `nhan.qua.tri.an`). Any other gap between two tokens made of joiners and `< >
//!    =` only (`vay-tien`, `vay💰tien`, `vay 💰 tien`, `vay - tien - 50`,
//!    `nap >> the >> 100k`) becomes one space, unless it holds white space
//!    and a `.` or `'`, or white space and ASCII punctuation without the
//!    same separator in the gap before or after the next token (`lai suat
//!    => 6%`: a label), or lies between two digits (`0.5`, `0912-345`); any other gap
//!    (`ngay. goi`, the ends) is kept as written without its non-ASCII
//!    symbols. A link (`https://…`, its scheme's letters possibly
//!    leetspeak digits, `h77ps://`; `www.…`; a bare host
//!    such as `vnpost-hq.xyz/pay`) keeps every gap, its words rewritten
//!    one by one as a regex's literal pieces are (a top-level domain led
//!    by a leetspeak digit read: `.7op` → `.top`). White space is then
//!    collapsed and the ends trimmed.
//! 4. **Numeric tokens** (the first character a digit: `100k`, `5tr`,
//!    `0912345678`) are kept as written, their runs of one letter
//!    collapsed (`100kkk` → `100k`), except a token that is one of the
//!    leetspeak digits `0 1 3 4 5 7 8` followed by letters (leet symbols
//!    count as letters) and those digits only, with a letter and two or
//!    more letters or `0 1 3 4` after the first (`74i`), or a digit after
//!    a letter, with a vowel among its letters or one of
//!    `0 1 3 4` among its digits (`0ng`,
//!    `4nh`, `7r0ng`, `71en`, `7h3`), or one of `0 1 3 4` and `n` (`4n`),
//!    or a *marked* token (below) made of a leetspeak digit then letters
//!    and leetspeak digits (`5ố`), which is a word token; an *amount* (two
//!    digits or more, then letters without `a e i o u @ €`, other than
//!    `ng nh ch`, and no digit after a letter: `15tr`, `100kkk`, `100đ`;
//!    not `74ng`) never is, nor a time of day (`7h30`, `19h45`), but in a
//!    text written in leetspeak (two folded words or more with a leetspeak
//!    digit between letters) an amount of leetspeak digits then no
//!    unit is a word token (`74c`).
//! 5. **Word tokens** (the first character a letter or leet symbol) are
//!    rewritten: `@`→`a`, `$`→`s`, `€`→`e`, `!`→`i`. The digits ending the token
//!    are VNI marks, dropped, when there are at most three, all `1`–`9`,
//!    at most one of them `1`–`5`, and the token before them has a vowel
//!    `a e i o u y` once rewritten (`tien62`, `nha2`; not `nh4`, `tr0`)
//!    and a letter for each of their `6 7 8 9` to mark (`6` an `a e o`, `7`
//!    an `o u`, `8` an `a`, `9` a `d`; not `bi37`), unless a digit or leet
//!    symbol before them was read as a letter and they are all leetspeak
//!    digits (`g1a1`, `gi@1`); the `u` of a leading `qu` is no vowel here
//!    (`qu4`). A *marked* token (the folded form of a word written
//!    with a Vietnamese marked letter and a digit: `giả1`, `khó4`) has no
//!    VNI marks: its digits are all leetspeak. In an *accented* text (two
//!    written words or more with a marked letter), one final `4` after the
//!    vowels `u i o uy`, or `3` after `o u uy`, is leetspeak (`cu4` →
//!    `cua`; `lai4` stays VNI, `lai`).
//!    Other digits, left to right: a VNI mark is dropped (`6` right after
//!    `a e o`, `7` after `o u`, `8` after `a`, `9` after `d`, `1`–`5` right
//!    after a dropped mark: `tie6n`, `to61t`; `1`–`5` typed right after
//!    the vowel inside the syllable, before letters only: `gia3i`,
//!    `tru1ng`); any other digit is leetspeak (`0`→o, `1`→i, `3`→e, `4`→a,
//!    `5`→s, `7`→t, `8`→b, `9`→g; `2 6` stay).
//!    Then runs of one letter collapse to one (`vaaay` → `vay`, Telex `dd`,
//!    `ee`, `aa`, `oo`); Telex `w` is dropped after `a o u` and read as `u`
//!    after another letter, and leading a token of two letters or more
//!    with no other vowel than `u` (`wu`); runs collapse again; and a final Telex tone
//!    letter `s f r x j` is dropped when the token has three or more
//!    letters and the letter before it is a vowel or one of `c h m n p t g`
//!    (`tieenf` → `tien`, `nhaanj` → `nhan`, `dduwowcj` → `duoc`);
//!    otherwise, such a letter right after a vowel and followed, to the end
//!    of the token, only by vowels and at most one final `c ch m n ng nh p
//!    t` is dropped too (`tiefn` → `tien`, `nguwowfi` → `nguoi`), and runs
//!    collapse once more (`tiefen` → `tien`). Last, in a token of at most 8
//!    letters that is not one syllable, the `l`s after its first letter are
//!    read `i` when that makes it one (`tlen` → `tien`, `tal` → `tai`). In
//!    a text typed in leetspeak (a leet digit between a consonant and a
//!    letter somewhere: `m4t`), a token whose digits are all leet digits has
//!    no VNI mark when reading them all as letters makes it one syllable
//!    (`ru7` → `rut`), or, in a text not typed in VNI, when the VNI reading
//!    makes none either (`jackp07` → `jackpot`). Then teencode, where the token then reads one
//!    syllable: a leading `f` `j` `z` before a vowel is `ph` `gi` `d`, a
//!    leading `k` before `a u` is `c`, a leading `w` before `a e o y` `qu`,
//!    a `j` between a consonant and a vowel `i`, a final `k` (`ck`) after
//!    a vowel `c` (`ch`): `fí` → `phi`, `tjen` → `tien`, `trựk` → `truc`.
//!
//! The *robust skeleton* is the robust text with everything but `a-z0-9`
//! removed.
//!
//! A text written in leetspeak (step 4) has a *second reading*, its robust
//! text built again with every token of letters and leetspeak digits that
//! reads one syllable, or a listed loanword, with its digits letters read
//! so (`81` for `bị`, `g4m3` for `game`); so has a text where step 0 left
//! two pieces apart across a glued symbol that read one syllable or a
//! listed name joined (`kho🎰a1`, `Za💰lo`), joined there
//! ([`RobustBuf::build_second_reading`]). Signatures are matched on both.

use super::fold::is_pictograph;
use std::collections::{HashMap, HashSet};

/// Reusable scratch holding the robust text and robust skeleton of the last
/// folded text given to [`RobustBuf::build`]; allocation-free once grown.
#[derive(Clone, Debug, Default)]
pub struct RobustBuf {
    text: String,
    skeleton: String,
    items: Vec<Item>,
    word: Vec<char>,
    norm: Vec<u8>,
    chars: Vec<(usize, char)>,
    raw: String,
    tok: String,
    breaks: Vec<usize>,
    written: Written,
    /// The byte ranges, in `text`, of its joined runs ([`RobustBuf::joined`]).
    joined: Vec<(usize, usize)>,
    /// The byte ranges of the links of the folded text ([`link_spans`]).
    links: Vec<(usize, usize)>,
    /// `links` holds the links of the text being built (found for the
    /// one-pass path, which gave up: the four steps take them).
    links_ready: bool,
    /// A link as it is rewritten, to compare with the folded one.
    link: String,
    /// The written text with its look-alike capitals read (step 0), and
    /// that text folded; used only for a text that has some.
    capitals: String,
    capitals_folded: super::FoldBuf,
    /// Building the robust text of `capitals` (step 0 is done).
    in_capitals: bool,
    /// Building the second reading ([`RobustBuf::build_second_reading`]):
    /// with its tokens holding digits read again.
    second_digits: bool,
    /// Building the second reading: with every symbol glued between two
    /// pieces of letters dropped.
    second_glue: bool,
    /// The last build left a symbol glued between two pieces of letters
    /// that are words ([`glued_symbols`]: `Za💰lo`).
    unglued: bool,
    /// When step 0 of the last first reading read nothing: what it left in
    /// `unglued`. A second reading that is not of glued symbols asks step
    /// 0 the same question, and takes this answer.
    zero_unread: Option<bool>,
    /// Building the second reading: with the dot before a top-level domain
    /// kept also after words dressed as a host (`thue-hoan.cc`).
    second_host: bool,
    /// The last build wrote such a dot as a space ([`RobustBuf::gap`]).
    unhosted: bool,
    /// The first reading, kept while the second is built.
    first: String,
    /// A token's letters in the second reading ([`second_word`]).
    letters: Vec<char>,
    /// How many tokens holding a digit the last build read as words
    /// (`v4y`, `tien62`; [`counts_read`]; at most 255): only a text with
    /// one may have its digits read again in a second reading
    /// ([`RobustBuf::build_second_reading`]; the test before the costlier
    /// ones).
    digit_read: u8,
    /// Tests: every text through the four steps (the definition the
    /// one-pass path is held to).
    #[cfg(test)]
    general_only: bool,
}

/// What the robust text reads in the written text (the message before
/// folding), found once per text the first time it is asked: the words
/// written with a Vietnamese marked letter and a digit, folded (step 5: a
/// word written with a marked letter is not VNI-typed, so its digits are
/// leetspeak); and the letters spelled out one by one with white space
/// between them, folded, with where the widest gaps stood (step 2:
/// `l ã i  s u ấ t` is `lai suat`, which folding, collapsing white space,
/// no longer shows). Hashed: a long text asks once per token, each answer
/// in constant time.
#[derive(Clone, Debug, Default)]
struct Written {
    marked: HashSet<String>,
    marked_ready: bool,
    runs: HashMap<String, Vec<usize>>,
    runs_ready: bool,
    accented: Option<bool>,
    leety: Option<bool>,
    leet_typed: Option<bool>,
    vni_typed: Option<bool>,
    telex_typed: Option<bool>,
    /// Building the second reading: keep every loanword, in a text typed
    /// in Telex too ([`LOANWORDS`]).
    loans: bool,
    /// The build read a loanword as Telex (`sex` → `se`).
    unloaned: bool,
    /// The words, folded, after which the written text has a `!` ending a
    /// sentence ([`Written::exclaimed`]).
    exclaimed: HashSet<String>,
    /// The words, folded, written with a diacritic, after which the
    /// written text has a `!` that the text goes on after in lower case
    /// (`ngườ! nước`; [`Written::exclaimed`]).
    marked_bangs: HashSet<String>,
    exclaimed_ready: bool,
}

impl Written {
    fn reset(&mut self) {
        self.marked.clear();
        self.runs.clear();
        self.marked_ready = false;
        self.runs_ready = false;
        self.accented = None;
        self.leety = None;
        self.leet_typed = None;
        self.vni_typed = None;
        self.telex_typed = None;
        self.exclaimed.clear();
        self.marked_bangs.clear();
        self.exclaimed_ready = false;
    }

    /// The words of letters, folded, that `written` has right before a
    /// `!` ending a sentence: a word with a lower-case letter, the `!`
    /// followed by white space and a capital (`Nhận quà! Tặng`), so not
    /// the leetspeak `i` of a word that goes on (`ta! nha`, step 1); and
    /// those written with a diacritic before a `!` that white space and a
    /// lower-case letter or a digit follow (`ngườ! nước`, `lã! 5%`), whose
    /// `!` is an `i` in any text.
    fn exclaimed(&mut self, written: Option<&str>) -> (&HashSet<String>, &HashSet<String>) {
        if !self.exclaimed_ready {
            self.exclaimed_ready = true;
            if let Some(w) = written {
                for (p, _) in w.match_indices('!') {
                    let before = &w[..p];
                    let start = before
                        .char_indices()
                        .rev()
                        .take_while(|&(_, c)| c.is_alphabetic() || is_mark(c))
                        .last()
                        .map_or(p, |(k, _)| k);
                    let word = &w[start..p];
                    let mut after = w[p + 1..].chars().skip_while(|&c| c == '!');
                    let spaced = after.next().is_some_and(char::is_whitespace);
                    let capital = after
                        .find(|c| !c.is_whitespace())
                        .is_some_and(char::is_uppercase);
                    if spaced && capital && word.chars().any(char::is_lowercase) {
                        self.exclaimed.insert(super::fold(word));
                    }
                    let goes_on = w[p + 1..].chars().next().is_some_and(char::is_whitespace)
                        && w[p + 1..]
                            .chars()
                            .find(|c| !c.is_whitespace())
                            .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit());
                    if goes_on && !word.is_ascii() && word.chars().all(char::is_lowercase) {
                        self.marked_bangs.insert(super::fold(word));
                    }
                }
            }
        }
        (&self.exclaimed, &self.marked_bangs)
    }

    /// Whether `folded` has two words or more with a leetspeak digit
    /// between two letters (`c0ng`, `nh4p`), ending in two (`l01`) or in
    /// one after a leading consonant cluster (`nh4`), led by
    /// one that reads a syllable ([`leet_led_syllable`]: `7hong`), or
    /// with leet symbols that read one syllable ([`symbol_word`]: `nh@`,
    /// `c4!`): a text written in leetspeak, where a number's shape (`74c`,
    /// `71n`) hides a word too (step 4). (Read off the folded text, cached
    /// here with the answers from the written one.)
    fn leety(&mut self, folded: &str) -> bool {
        *self.leety.get_or_insert_with(|| {
            let leet_word = |b: &[u8]| {
                b.windows(3).enumerate().any(|(k, t)| {
                    t[0].is_ascii_lowercase()
                        && is_leet_digit(char::from(t[1]))
                        && (t[2].is_ascii_lowercase()
                            // Two different leetspeak digits: `v13n`
                            // (not a brand's `w88vn`).
                            || is_leet_digit(char::from(t[2]))
                                && t[2] != t[1]
                                && b.get(k + 3).is_some_and(u8::is_ascii_lowercase))
                }) || leet_ending(b)
            };
            let mut words = 0;
            for w in folded
                .as_bytes()
                .split(|&c| !(c.is_ascii_alphanumeric() || b"@$!".contains(&c)))
            {
                words += if symbol_word(w) {
                    1
                } else {
                    w.split(|c| !c.is_ascii_alphanumeric())
                        .filter(|p| leet_word(p) || leet_led_syllable(p))
                        .count()
                };
                if words >= 2 {
                    return true;
                }
            }
            false
        })
    }

    /// Whether `folded` has a word with a leetspeak digit (`0 1 3 4 5 7 8`)
    /// right after a consonant letter and before a letter (`m4t`, `c0ng`,
    /// `kh0a`), a `0` between two letters (`thu0ng`), an `@` after a
    /// consonant letter and before a letter, not in an address (`nh@n`), a
    /// `!` between two letters (`t!n`), or a `$` before a letter (`$o`):
    /// VNI typing never puts these there, so the text is typed in leetspeak
    /// and none of its digits is a VNI mark (step 5: `ru7 ti3n m4t` is `rut
    /// tien mat`, not `ru`).
    fn leet_typed(&mut self, folded: &str) -> bool {
        *self.leet_typed.get_or_insert_with(|| {
            let b = folded.as_bytes();
            b.windows(3).enumerate().any(|(k, t)| {
                let m = t[1];
                // Asked first: most windows have no digit or symbol inside.
                (m.is_ascii_digit() || m == b'@' || m == b'!')
                    && t[0].is_ascii_lowercase()
                    && (t[2].is_ascii_lowercase() || matches!(t[2], b'@' | b'$'))
                    && (!is_vowel(t[0]) && is_leet_digit(char::from(m))
                        // VNI has no `0`: between letters it is an `o`
                        // (`thu0ng`).
                        || m == b'0' && t[2].is_ascii_lowercase()
                        // `@` after a consonant, not in an address
                        // (`nh@n`; not `an@gmail.com`).
                        || m == b'@' && !is_vowel(t[0]) && !address_after(b, k + 2)
                        // `!` between letters (`t!n`).
                        || m == b'!')
            })
                // `$` before a letter (`$o`, `U$DT`; not `$5`).
                || memchr::memchr(b'$', b).is_some()
                    && b.windows(2).any(|t| t[0] == b'$' && t[1].is_ascii_lowercase())
                || folded
                    .as_bytes()
                    .split(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
                    .any(leet_led_syllable)
        })
    }

    /// Whether `folded` has a word with a `2` or `6` typed right after a
    /// vowel letter that follows a letter, and before a letter, a tone
    /// `1`-`5` or the word's end (`ta2i`, `nga2y`, `tie6n`, `ca65u`; not
    /// `a2`, a licence class):
    /// no leetspeak digit, a VNI mark; in a text typed so, `i3u` is a
    /// tone on `iu` (`xi3u` is `xỉu`, not `xieu`; step 5).
    fn vni_typed(&mut self, folded: &str) -> bool {
        *self.vni_typed.get_or_insert_with(|| {
            let b = folded.as_bytes();
            b.windows(2).enumerate().any(|(k, t)| {
                is_vowel(t[0])
                    && matches!(t[1], b'2' | b'6')
                    // A tone may follow a `6` (`ca65u`).
                    && !b.get(k + 2).is_some_and(|&c| c.is_ascii_digit() && !(b'1'..=b'5').contains(&c))
                    && k.checked_sub(1)
                        .and_then(|p| b.get(p))
                        .is_some_and(u8::is_ascii_lowercase)
            })
        })
    }

    /// Steps 3 to 5 on the word token `word` of `folded` (`matters`:
    /// [`mark_matters`]; `marked`: written with a marked letter) into `out`,
    /// counting it in `digit_read` when it holds a digit ([`counts_read`]).
    /// A token led by a digit is an amount with `o` for `0`
    /// ([`zero_amount`]: `5Ok`), or a number unless [`leet_led`] or
    /// [`loan_letters`] make it a word (`5tr`; not `0ng`); a word is read
    /// with what the text's typing says of it.
    #[allow(clippy::too_many_arguments)]
    fn read_token(
        &mut self,
        word: &[char],
        matters: bool,
        marked: bool,
        folded: &str,
        written: Option<&str>,
        out: &mut Vec<u8>,
        digit_read: &mut u8,
    ) {
        if word.first().is_some_and(char::is_ascii_digit) {
            if zero_amount(word, out) {
                return;
            }
            if !leet_led(word, marked, || self.leety(folded)) && loan_letters(word).is_none() {
                number(word, out);
                return;
            }
        }
        let accented = matters && leet_final_may(word) && self.accented(written);
        let leet = matters && !marked && leet_digits_only(word) && self.leet_typed(folded);
        let vni = (i3u(word) || o3_final(word) || u4i(word) || final_e_shape(word) || accented)
            && self.vni_typed(folded);
        let plain = leet && !self.vni_typed(folded);
        normalize_typed(word, marked, leet, plain, accented, vni, out);
        // A code of three capitals in a text written in lower case too (a
        // stock ticker, `mã VIX`) keeps its last letter, unless another
        // word ends in a Telex tone (`tài khoản BIJ khoas`).
        if let [a @ 'a'..='z', b @ 'a'..='z', c @ ('s' | 'f' | 'r' | 'x' | 'j')] = *word {
            if out.len() < 3
                && capital_code(written, [a, b, c])
                && telex_words(folded).all(|w| {
                    w.as_bytes() == [a, b, c].map(|c| c as u8)
                        || !w.ends_with(['s', 'f', 'r', 'x', 'j'])
                })
            {
                out.clear();
                out.extend([a, b, c].map(|c| c as u8));
            }
        }
        // A loanword stays one (`taxi` is no `tai`), but in a text typed in
        // Telex (`sex bij khoas`: `sẽ bị khóa`).
        if let Some((l, telex)) = loan_letters(word) {
            if !(marked || telex && !self.loans && self.telex_typed(folded)) {
                out.clear();
                out.extend_from_slice(l);
            } else if !marked {
                // The second reading keeps it (`sex`, `max`).
                self.unloaned = true;
            }
        }
        if counts_read(word) {
            *digit_read = digit_read.saturating_add(1);
        }
    }

    /// Whether `folded` has a word typed in Telex, other than one of the
    /// first [`TELEX_LOANWORDS`]: one led by `dd`, with `aa`, `ee`, `oo`, or `w` after
    /// `a o u`, or one that is no syllable but one with its last letter, a
    /// tone of `s f r x j`, dropped (`bij`, `khoas`; not `thanks`); or a
    /// word in leetspeak so typed ([`leet_telex_word`]: `k!chs`, `h04tj`).
    fn telex_typed(&mut self, folded: &str) -> bool {
        *self
            .telex_typed
            .get_or_insert_with(|| telex_words(folded).next().is_some() || leet_telex_word(folded))
    }

    /// Whether `written` has two words or more written with a Vietnamese
    /// marked letter (step 5: a text typed with its marks is not VNI-typed
    /// at the ends of its words, so `cu4` in `Đơn hàng cu4 bạn` is `cua`).
    fn accented(&mut self, written: Option<&str>) -> bool {
        let Some(written) = written.filter(|w| !w.is_ascii()) else {
            return false;
        };
        *self.accented.get_or_insert_with(|| {
            written
                .split(|c: char| !written_word_char(c))
                .filter(|w| w.chars().any(is_marked))
                .nth(1)
                .is_some()
        })
    }

    /// Whether the token `tok` of the folded text is a word written with a
    /// marked letter in `written`.
    fn marked(&mut self, written: Option<&str>, tok: &str) -> bool {
        let Some(written) = written.filter(|w| !w.is_ascii()) else {
            return false;
        };
        if !self.marked_ready {
            self.marked_ready = true;
            // The words of `written` (split at each character that is no
            // `written_word_char`) holding a marked letter and a numeric
            // character, in one pass: ASCII and the marked letters are
            // classed without the Unicode tables.
            let (mut start, mut marked, mut numeric) = (0, false, false);
            for (i, c) in written.char_indices() {
                let (word, m, n) = if c.is_ascii() {
                    let d = c.is_ascii_digit();
                    (
                        d || c.is_ascii_alphabetic() || LEET_SYMBOLS.contains(&c),
                        false,
                        d,
                    )
                } else if is_marked(c) {
                    (true, true, false)
                } else {
                    (written_word_char(c), false, c.is_numeric())
                };
                if word {
                    (marked, numeric) = (marked | m, numeric | n);
                    continue;
                }
                if marked && numeric {
                    self.marked.insert(super::fold(&written[start..i]));
                }
                (start, marked, numeric) = (i + c.len_utf8(), false, false);
            }
            if marked && numeric {
                self.marked.insert(super::fold(&written[start..]));
            }
        }
        self.marked.contains(tok)
    }

    /// Where the letters `letters` (a spelled-out run of the folded text,
    /// joined), written one by one in `written`, had their widest gaps,
    /// when not all were as wide: the counts of letters before each.
    fn word_breaks(&mut self, written: Option<&str>, letters: &str) -> Option<&[usize]> {
        let written = written?;
        if !self.runs_ready {
            self.runs_ready = true;
            spaced_runs(written, &mut self.runs);
        }
        self.runs.get(letters).map(Vec::as_slice)
    }
}

/// The words of `folded` typed in Telex ([`Written::telex_typed`]).
fn telex_words(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 2 && w.bytes().all(|c| c.is_ascii_lowercase()))
        .filter(|w| {
            let b = w.as_bytes();
            if LOANWORDS[..TELEX_LOANWORDS].contains(&b) {
                return false;
            }
            // A vowel doubled, not drawn out (`iphoneee`).
            let marks = b.starts_with(b"dd") && b.get(2) != Some(&b'd')
                || b.windows(2).enumerate().any(|(k, p)| {
                    matches!(p, b"aw" | b"ow" | b"uw")
                        || matches!(p, b"aa" | b"ee" | b"oo")
                            && b.get(k + 2) != Some(&p[0])
                            && (k == 0 || b[k - 1] != p[0])
                });
            marks
                || matches!(b, [.., p, b's' | b'f' | b'r' | b'x' | b'j']
                    if is_vowel(*p) || matches!(p, b'c' | b'h' | b'm' | b'n' | b'p' | b't' | b'g'))
                    && !is_syllable(b)
                    && is_syllable(&b[..b.len() - 1])
        })
}

/// Whether `folded` has a word in leetspeak typed in Telex: three to eight
/// of `a-z`, digits, `!` and `@`, with a digit or symbol, that reads no
/// syllable with every character a letter, but one with its last letter,
/// a Telex tone, dropped (`k!chs`, `h04tj`: `kich`, `hoat`; not a
/// loanword Telex would read, `s3x`).
fn leet_telex_word(folded: &str) -> bool {
    folded
        .as_bytes()
        .split(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'!' | b'@')))
        .any(|w| {
            (3..=8).contains(&w.len())
                && w.iter().any(u8::is_ascii_lowercase)
                && w.iter().any(|c| !c.is_ascii_lowercase())
                && !reads_syllable(w, true)
                && reads_syllable_toned(w)
                // Nor a loanword that Telex would read (`s3x`, `m@x`).
                && !{
                    let mut l = [0u8; 8];
                    for (o, &c) in l.iter_mut().zip(w) {
                        *o = leet_letter(c).unwrap_or(c);
                    }
                    LOANWORDS[..TELEX_LOANWORDS].contains(&&l[..w.len()])
                }
        })
}

/// Whether `written` has the word `code` in capitals (`VIX`), and a
/// lower-case letter elsewhere.
#[inline(never)]
fn capital_code(written: Option<&str>, code: [char; 3]) -> bool {
    let Some(w) = written else {
        return false;
    };
    let upper = code.map(|c| c.to_ascii_uppercase() as u8);
    let b = w.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c >= 0x80;
    w.bytes().any(|c| c.is_ascii_lowercase())
        && memchr::memmem::find_iter(b, &upper)
            .any(|at| !(at > 0 && word(b[at - 1]) || b.get(at + 3).is_some_and(|&c| word(c))))
}

/// A character of a written word: a letter or digit, a combining mark, a
/// leet symbol.
fn written_word_char(c: char) -> bool {
    !is_pictograph(c) && (c.is_alphanumeric() || is_mark(c) || LEET_SYMBOLS.contains(&c))
}

/// The runs of `written` made of one-character words (a letter or digit
/// with its combining marks, or a leet symbol) linked by gaps of white space
/// and non-ASCII symbols (emoji), whose gaps are not all as wide: their
/// letters folded and joined, and the counts of letters before each of the
/// widest gaps. A gap's width is its white-space characters, and two for
/// each symbol: `l ã i  s u ấ t` breaks after `lai`, `v  a  y 💰 t i ề n`
/// after `vay`; `v  a  y` does not break.
fn spaced_runs(written: &str, out: &mut HashMap<String, Vec<usize>>) {
    let mut letters = String::new();
    // The width of the gap before each letter but the first.
    let mut widths: Vec<usize> = Vec::new();
    let mut close = |letters: &mut String, widths: &mut Vec<usize>| {
        let (min, max) = (widths.iter().min(), widths.iter().max());
        if let (Some(&min), Some(&max)) = (min, max) {
            if min < max {
                let breaks = (0..widths.len())
                    .filter(|&i| widths[i] == max)
                    .map(|i| i + 1)
                    .collect();
                // The same letters twice: the first run decides.
                out.entry(std::mem::take(letters)).or_insert(breaks);
            }
        }
        letters.clear();
        widths.clear();
    };
    let mut rest = written;
    // The gap since the last one-character word, while it may link it to
    // the next: its width.
    let mut gap: Option<usize> = None;
    while !rest.is_empty() {
        let word_len = rest
            .char_indices()
            .find(|&(_, c)| !written_word_char(c))
            .map_or(rest.len(), |(i, _)| i);
        if word_len > 0 {
            let (word, after) = rest.split_at(word_len);
            // A digit joins no run through white space (as in the folded
            // text's runs): it ends the run before it.
            let single = word.chars().filter(|&c| !is_mark(c)).count() == 1
                && !word.starts_with(|c: char| c.is_ascii_digit());
            match gap {
                Some(w) if single => widths.push(w),
                _ => close(&mut letters, &mut widths),
            }
            if single {
                letters.push_str(&super::fold(word));
            }
            gap = single.then_some(0);
            rest = after;
            continue;
        }
        let gap_len = rest
            .char_indices()
            .find(|&(_, c)| written_word_char(c))
            .map_or(rest.len(), |(i, _)| i);
        let (g, after) = rest.split_at(gap_len);
        let loose = g.chars().any(char::is_whitespace)
            && g.chars().all(|c| c.is_whitespace() || is_symbol(c));
        gap = gap.filter(|_| loose).map(|_| {
            g.chars()
                .map(|c| if c.is_whitespace() { 1 } else { 2 })
                .sum()
        });
        rest = after;
    }
    close(&mut letters, &mut widths);
}

/// A combining mark of the Vietnamese tones and vowel marks.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// A letter carrying a Vietnamese mark (a tone, the circumflex, the breve,
/// the horn, or `đ`), precomposed or as a combining mark.
fn is_marked(c: char) -> bool {
    matches!(c,
        'À'..='Ö' | 'Ø'..='ö' | 'ø'..='ÿ'
        | 'Ă' | 'ă' | 'Đ' | 'đ' | 'Ĩ' | 'ĩ' | 'Ũ' | 'ũ' | 'Ơ' | 'ơ' | 'Ư' | 'ư'
        | '\u{1EA0}'..='\u{1EF9}')
        || is_mark(c)
}

#[derive(Clone, Copy, Debug)]
enum Item {
    /// A token: byte range in the folded text.
    Token(usize, usize),
    /// A gap: byte range in the folded text.
    Gap(usize, usize),
}

const LEET_SYMBOLS: [char; 3] = ['@', '$', '€'];

/// 1 for the bytes of a skeleton (`a-z0-9`).
static SKELETON_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_lowercase() as u8 | (b as u8).is_ascii_digit() as u8;
        b += 1;
    }
    t
};

/// Appends the skeleton of `text` (its `a-z0-9`) to `skeleton`.
fn push_skeleton(skeleton: &mut String, text: &str) {
    let mut sk = std::mem::take(skeleton).into_bytes();
    let start = sk.len();
    sk.resize(start + text.len(), 0);
    // Each byte written, the end moved past those kept: no branch on the
    // text.
    let mut k = 0;
    if let Some(dst) = sk.get_mut(start..) {
        for &b in text.as_bytes() {
            if let Some(d) = dst.get_mut(k) {
                *d = b;
            }
            k += usize::from(SKELETON_BYTE[usize::from(b)]);
        }
    }
    sk.truncate(start + k);
    // ASCII bytes only: always valid.
    *skeleton = String::from_utf8(sk).unwrap_or_default();
}

fn is_letter(c: char) -> bool {
    c.is_ascii_lowercase()
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// A character of a gap that may link the letters of a spelled-out word.
pub(super) fn is_joiner(c: char) -> bool {
    match c {
        ' ' | '.' | '-' | '_' | '*' | '~' | '+' | '/' | '\\' | '|' | '\'' | '·' | '•' => true,
        c if c.is_ascii() => false,
        c => is_pictograph(c) || !c.is_alphanumeric(),
    }
}

/// A character of a gap between two words that makes it a word boundary
/// (step 3): a joiner, an arrow's `< > =` (`vay >> tien`, `nap => 100k`),
/// or a `^` or `#` that step 0 did not read as a letter (`nh4n^T1EN`,
/// `quy#BHTN`).
fn is_word_gap(c: char) -> bool {
    is_joiner(c) || matches!(c, '<' | '>' | '=' | '^' | '#')
}

/// A non-ASCII symbol (emoji and the like), dropped from kept gaps.
fn is_symbol(c: char) -> bool {
    is_pictograph(c) || !c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace()
}

impl RobustBuf {
    /// An empty buffer.
    pub fn new() -> RobustBuf {
        RobustBuf::default()
    }

    /// The robust text of the last folded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The robust skeleton (`a-z0-9` only) of the last folded text.
    pub fn skeleton(&self) -> &str {
        &self.skeleton
    }

    /// The *joined runs* of the last robust text, as byte ranges of
    /// [`RobustBuf::text`], in order: the words of letters `a-z` that a
    /// spelled-out run (step 2) became and that are not one Vietnamese
    /// syllable, so have lost the spaces between their syllables
    /// (`v a y t i e n` → `vaytien`; not `vay`, not `nap dau` from
    /// `n.a.p d.a.u`). A `regex` signature is also tried on them with its
    /// spaces made optional (docs/matching.md, "Joined runs").
    ///
    /// ```
    /// use chanrac::content::{FoldBuf, RobustBuf};
    /// let (mut buf, mut r) = (FoldBuf::new(), RobustBuf::new());
    /// buf.fold("v a y t i ề n 50 t r i ệ u");
    /// r.build_from(&buf);
    /// assert_eq!(r.text(), "vaytien 50 trieu");
    /// assert_eq!(r.joined(), &[(0, 7)]); // `vaytien`; `trieu` is one syllable
    /// ```
    pub fn joined(&self) -> &[(usize, usize)] {
        &self.joined
    }

    /// Computes the robust text and skeleton of `folded` (a folded text, as
    /// [`FoldBuf::folded`](super::FoldBuf::folded) gives).
    ///
    /// Without the written text, no word counts as written with a marked
    /// letter (step 5); [`RobustBuf::build_from`] has it.
    pub fn build(&mut self, folded: &str) {
        self.build_text(folded, None);
    }

    /// Computes the robust text and skeleton of the text last folded into
    /// `buf`, reading its written form for the words written with a marked
    /// letter (step 5).
    ///
    /// ```
    /// use chanrac::content::{FoldBuf, RobustBuf};
    /// let (mut buf, mut r) = (FoldBuf::new(), RobustBuf::new());
    /// buf.fold("giả1 ngân, lai4 suất");
    /// r.build_from(&buf);
    /// assert_eq!(r.text(), "giai ngan, lai suat"); // `giả1`: leetspeak
    /// r.build(buf.folded());
    /// assert_eq!(r.text(), "gia ngan, lai suat"); // marks unknown: VNI
    /// ```
    pub fn build_from(&mut self, buf: &super::FoldBuf) {
        self.build_text(buf.folded(), Some(buf.text()));
    }

    /// The *second reading* of a text written in leetspeak, or with
    /// symbols glued inside its words: when `folded`
    /// is such a text (one where the first reading read a token holding a
    /// digit as a word, no code of one letter and one digit: `tài khoản sẽ
    /// 81 kh0a`, `ho 7r0 lay lai 713n`), builds its robust text again with
    /// every token of
    /// letters, leetspeak digits, `9` and leet symbols that holds a digit
    /// and reads, with every digit a letter, one Vietnamese syllable or
    /// one of a few loanwords and acronyms, but for an amount in money
    /// (`81` → `bi`, `9141` → `giai`, `40` → `ao`, `g4m3` → `game`, `57k`
    /// → `stk`; `500k` stays), read so, and every amount whose
    /// unit has its `t` written `7` read with it (`57r` → `5tr`); and, when the first reading left two pieces of its written
    /// text apart across a glued symbol that read one syllable or a listed
    /// name joined (`kho🎰a1`, `Za💰lo`; step 0), with them
    /// joined; and, when the first reading read a loanword as Telex in a
    /// text typed in Telex (`sex` → `se`; step 3, loanwords), with it kept;
    /// and, when the first reading wrote as a space the dot before
    /// the top-level domain of words dressed as a host (`thue-hoan.cc`;
    /// step 2), with that dot kept (`thue hoan.c`); returns
    /// whether that text differs from the first
    /// reading's (`false`: the robust text is as it was). Asked right
    /// after the build of the same text (the first reading), whose
    /// findings it uses. The first reading
    /// keeps numbers (`v4y 70 tr1eu` matches `vay \d+ trieu`) and reads
    /// VNI where it may (`c01n` → `con`); a signature is matched on both,
    /// so the second only adds matches.
    ///
    /// ```
    /// use chanrac::content::{FoldBuf, RobustBuf};
    /// let (mut buf, mut r) = (FoldBuf::new(), RobustBuf::new());
    /// buf.fold("7ai kh04n se 81 kh0a");
    /// r.build_from(&buf);
    /// assert_eq!(r.text(), "tai khoan se 81 khoa");
    /// assert!(r.build_second_reading(buf.folded(), Some(buf.text())));
    /// assert_eq!(r.text(), "tai khoan se bi khoa");
    /// ```
    pub fn build_second_reading(&mut self, folded: &str, written: Option<&str>) -> bool {
        let digits = self.digit_read > 0 && self.reads_digits_again(folded);
        let loans = self.written.unloaned;
        if !digits && !self.unglued && !self.unhosted && !loans {
            return false;
        }
        let mut first = std::mem::take(&mut self.first);
        first.clear();
        first.push_str(if self.text.is_empty() {
            folded
        } else {
            &self.text
        });
        (self.second_digits, self.second_glue) = (digits, self.unglued);
        self.second_host = self.unhosted;
        self.written.loans = loans;
        self.text.clear();
        self.skeleton.clear();
        self.joined.clear();
        self.build_text(folded, written);
        (self.second_digits, self.second_glue) = (false, false);
        self.second_host = false;
        self.written.loans = false;
        let differs = self.text != first;
        self.first = first;
        differs
    }

    /// Whether the second reading reads tokens holding digits again (asked
    /// of a text where the first reading read a token holding a digit as
    /// a word, [`counts_read`]): the text has a token it reads
    /// ([`second_word`]) or an amount whose unit is in leetspeak
    /// ([`leet_unit`]).
    fn reads_digits_again(&mut self, folded: &str) -> bool {
        let (letters, norm) = (&mut self.letters, &mut self.norm);
        folded
            .as_bytes()
            .split(|c| !c.is_ascii_alphanumeric())
            .any(|t| leet_unit(t).is_some() || second_word(t, letters, norm))
    }

    fn build_text(&mut self, folded: &str, written: Option<&str>) {
        if self.build_or_own(folded, written) {
            self.text.push_str(folded);
            push_skeleton(&mut self.skeleton, folded);
        }
    }

    /// Builds the robust text of `folded` unless it finds on the way that
    /// the text is its own robust text: then returns `true` and leaves the
    /// text and skeleton empty. `false`: built (it may still equal
    /// `folded`). A text where the rewriting stays inside tokens
    /// ([`simple_text`]) is rewritten token by token, the rest copied, and
    /// only from its first changed token on; any other text goes through
    /// the four steps of the module docs.
    pub(crate) fn build_or_own(&mut self, folded: &str, written: Option<&str>) -> bool {
        self.text.clear();
        self.skeleton.clear();
        self.joined.clear();
        self.written.reset();
        if !self.in_capitals {
            self.digit_read = 0;
            if !self.second_glue {
                self.unglued = false;
            }
            if !self.second_host {
                self.unhosted = false;
            }
            if !self.written.loans {
                self.written.unloaned = false;
            }
        }
        // A second reading (not of glued symbols) asks step 0 what the
        // first asked: its answer is kept when it read nothing.
        let again = !self.in_capitals
            && !self.second_glue
            && (self.second_digits || self.second_host || self.written.loans);
        if !self.in_capitals && !again && !self.second_glue {
            self.zero_unread = None;
        }
        if let Some(unglued) = self.zero_unread.filter(|_| again && written.is_some()) {
            self.unglued = unglued;
        } else if let Some(w) = written.filter(|_| !self.in_capitals) {
            let mut capitals = std::mem::take(&mut self.capitals);
            let read = step_zero(w, &mut capitals, self.second_glue, &mut self.unglued);
            if !read && !again && !self.second_glue {
                self.zero_unread = Some(self.unglued);
            }
            if read {
                // Step 0: the robust text of the text with them read.
                let mut buf = std::mem::take(&mut self.capitals_folded);
                buf.fold(&capitals);
                self.in_capitals = true;
                self.build_text(buf.folded(), Some(&capitals));
                self.in_capitals = false;
                self.capitals_folded = buf;
                self.capitals = capitals;
                return false;
            }
            self.capitals = capitals;
        }
        // What the one-pass path reads before it may give up must not
        // count twice: the four steps read those tokens again.
        let digits_before = self.digit_read;
        // The second reading ([`RobustBuf::build_second_reading`]) of
        // glued symbols goes through the four steps; of digits, through
        // the one-pass path where it may, links aside.
        #[cfg(test)]
        let one_pass = !self.general_only;
        #[cfg(not(test))]
        let one_pass = true;
        if one_pass && self.second_digits && !self.second_glue {
            if let Some(own) = self.build_simple(folded, written, &[], false) {
                return own;
            }
        } else if one_pass && !(self.second_digits || self.second_glue) {
            match plain_own(folded.as_bytes()) {
                Plain::Own => return true,
                // Only words with a letter doubled to read (`uu dai`).
                Plain::Doubled => {
                    if let Some(own) = self.build_simple(folded, written, &[], true) {
                        return own;
                    }
                    self.text.clear();
                    self.digit_read = digits_before;
                }
                Plain::Unknown => {}
            }
            // A dot inside a run of words (`abc.com`) ends the one-pass
            // test of a text without links ([`dot_between_words`]): not
            // tried then.
            if !dot_between_words(folded.as_bytes()) {
                if let Some(own) = self.build_simple(folded, written, &[], false) {
                    return own;
                }
            }
            // Most links fail the one-pass test at their dots: their
            // spans found, a text simple around them is read in one pass
            // still, each link written as the four steps write it.
            if memchr::memchr2(b'.', b':', folded.as_bytes()).is_some() {
                let mut links = std::mem::take(&mut self.links);
                link_spans(folded, &mut links, &mut self.word, &mut self.norm);
                let built = if links.is_empty() {
                    None
                } else {
                    self.text.clear();
                    self.digit_read = digits_before;
                    self.build_simple(folded, written, &links, false)
                };
                self.links = links;
                if let Some(own) = built {
                    return own;
                }
                self.links_ready = true;
            }
        }
        self.text.clear();
        self.digit_read = digits_before;
        self.build_general(folded, written);
        false
    }

    /// The one-pass path of [`RobustBuf::build_or_own`]: `None` when
    /// `folded`, its `links` aside, is not a simple text ([`simple_text`]);
    /// otherwise whether it is its own robust text (the text and skeleton
    /// left empty) or, built, not. `doubled`: `folded` is a
    /// [`Plain::Doubled`] text, its words read by [`doubled_words`].
    fn build_simple(
        &mut self,
        folded: &str,
        written: Option<&str>,
        links: &[(usize, usize)],
        doubled: bool,
    ) -> Option<bool> {
        // A failed attempt leaves no trace but the caches of `Written`
        // (what the text is, read from it alone): whether a loanword was
        // read as Telex is restored with it.
        let unloaned = self.written.unloaned;
        // Borrowed field by field (not taken: `Written` is large, and a
        // default one costs a hasher seed for each of its sets).
        let word = &mut self.word;
        let norm = &mut self.norm;
        let marked = &mut self.written;
        let text = &mut self.text;
        let link = &mut self.link;
        let digit_read = &mut self.digit_read;
        let letters = &mut self.letters;
        let joined = &mut self.joined;
        let run = &mut self.tok;
        let second = self.second_digits;
        let mut last = 0;
        // As `flush_word` reads a word (`tok`, its characters in `word`)
        // into `norm`: in the second reading, a token holding digits read
        // again, else a number kept (`false`: the token as it is).
        let mut read = |word: &mut Vec<char>, tok: &str, norm: &mut Vec<u8>| {
            let again = second && read_again(word, || marked.vni_typed(folded), letters, norm);
            if !again {
                if second && tok.bytes().all(|c| c.is_ascii_digit()) {
                    return false;
                }
                let matters = mark_matters(word);
                let m = matters && marked.marked(written, tok);
                marked.read_token(word, matters, m, folded, written, norm, digit_read);
            }
            true
        };
        let piece = |a: usize, b: usize, piece: Piece| {
            let tok = folded.get(a..b).unwrap_or("");
            // The text since the last piece written, copied as it stands.
            let before = folded.get(last..a).unwrap_or("");
            match piece {
                Piece::Rewrite => {
                    word.clear();
                    word.extend(tok.chars());
                    if !read(word, tok, norm) || norm == tok.as_bytes() {
                        return true;
                    }
                    text.push_str(before);
                    text.extend(norm.iter().map(|&b| char::from(b)));
                }
                Piece::Run => {
                    // As `flush_run_word` writes a run.
                    text.push_str(before);
                    run.clear();
                    run.extend(tok.bytes().step_by(2).map(char::from));
                    word.clear();
                    word.extend(run.chars());
                    let start = text.len();
                    if read(word, run, norm) {
                        text.extend(norm.iter().map(|&b| char::from(b)));
                    } else {
                        text.push_str(run);
                    }
                    let letters = if (4..=MAX_SEGMENTED).contains(&run.len()) {
                        run.as_bytes()
                    } else {
                        &[]
                    };
                    join_run(text, start, letters, (word, norm), joined);
                }
                Piece::Link => {
                    link.clear();
                    write_link(tok, word, norm, link);
                    if link == tok {
                        return true;
                    }
                    text.push_str(before);
                    text.push_str(link);
                }
                Piece::Space => {
                    text.push_str(before);
                    text.push(' ');
                }
                Piece::Drop => text.push_str(before),
                Piece::Symbols => {
                    text.push_str(before);
                    for c in tok.bytes().filter(u8::is_ascii) {
                        if c != b' ' || !(text.is_empty() || text.ends_with(' ')) {
                            text.push(char::from(c));
                        }
                    }
                    if b == folded.len() {
                        text.truncate(text.trim_end_matches(' ').len());
                    }
                }
                Piece::Joiner(next_end) => {
                    text.push_str(before);
                    let after = folded.get(b..next_end).unwrap_or("");
                    if (is_splitter_gap(tok) || tok == "/")
                        && splits_syllable(text.as_bytes(), after)
                    {
                        return false;
                    }
                    text.push(' ');
                }
            }
            last = b;
            true
        };
        let ok = if doubled {
            doubled_words(folded.as_bytes(), piece)
        } else {
            simple_text(folded, links, second, piece)
        };
        if !ok {
            self.joined.clear();
            self.written.unloaned = unloaned;
            return None;
        }
        if last == 0 {
            // No token changed (a changed token ends after byte 0).
            return Some(true);
        }
        self.text.push_str(folded.get(last..).unwrap_or(""));
        push_skeleton(&mut self.skeleton, &self.text);
        Some(false)
    }

    /// [`RobustBuf::build`] by the four steps of the module docs.
    fn build_general(&mut self, folded: &str, written: Option<&str>) {
        self.tokenize(folded, written);
        let items = std::mem::take(&mut self.items);
        let mut links = std::mem::take(&mut self.links);
        if !std::mem::take(&mut self.links_ready) {
            link_spans(folded, &mut links, &mut self.word, &mut self.norm);
        }
        let mut next_link = 0;
        let mut i = 0;
        // Whether the last gap joined a split syllable.
        let mut last_joined = false;
        while i < items.len() {
            let (Item::Gap(at, _) | Item::Token(at, _)) = items[i];
            while links.get(next_link).is_some_and(|&(_, e)| e <= at) {
                next_link += 1;
            }
            if let Some(&(start, end)) = links.get(next_link).filter(|&&(s, _)| s <= at) {
                // A link: its words rewritten one by one, its punctuation
                // kept (`https://zalopay-verify.top` → `htp://zalopay-
                // verify.top`), as a regex's robust form rewrites its
                // literal pieces.
                let mut to = end;
                while let Some(&(Item::Gap(a, b) | Item::Token(a, b))) = items.get(i) {
                    if a >= end {
                        break;
                    }
                    to = to.max(b);
                    i += 1;
                }
                last_joined = false;
                self.link_text(folded.get(at.max(start)..end).unwrap_or(""));
                self.text.push_str(folded.get(end..to).unwrap_or(""));
                continue;
            }
            match items[i] {
                Item::Gap(a, b) => {
                    let prev = i.checked_sub(1).and_then(|p| token_at(&items, p));
                    let next = token_at(&items, i + 1);
                    // A spaced ASCII separator is one between words only
                    // when the same one links the next or previous pair too.
                    // (Asked only of such a gap: white space and ASCII
                    // punctuation.)
                    let sep = |k: Option<usize>| match k.and_then(|k| items.get(k)) {
                        Some(Item::Gap(x, y)) => folded.get(*x..*y).map(str::trim),
                        _ => None,
                    };
                    let g = folded.get(a..b).unwrap_or("");
                    let chained =
                        g.contains(' ') && g.bytes().any(|c| c.is_ascii_punctuation()) && {
                            let own = Some(g.trim());
                            sep(i.checked_sub(2)) == own || sep(Some(i + 2)) == own
                        };
                    // A splitter that also links the words before or
                    // after is a separator between words (`nhan.qua.tri.an`:
                    // not `trian`); the pieces of a spelled-out run before
                    // it do not count (`t.i.en`).
                    // Emoji count as the same kind only when they are the
                    // same (`tặn✅g👉ngay` → `tang ngay`; `tri💰an💰khach`
                    // stays). Not when it links a single letter after
                    // (`kho..á..n`, `G|IA|O`), nor after a syllable it
                    // joined itself.
                    let splitter_gap = |k: Option<usize>| match k.and_then(|k| items.get(k)) {
                        Some(Item::Gap(x, y)) => folded.get(*x..*y).is_some_and(|o| {
                            is_splitter_gap(o) && (o == g || o.is_ascii() && g.is_ascii())
                        }),
                        _ => false,
                    };
                    let prev_long = || {
                        prev.is_some_and(|(x, y)| {
                            folded.get(x..y).is_some_and(|t| t.chars().nth(1).is_some())
                        })
                    };
                    let long_after = || {
                        token_at(&items, i + 3).is_some_and(|(x, y)| {
                            folded.get(x..y).is_some_and(|t| t.chars().nth(1).is_some())
                        })
                    };
                    // A lone `/` splits too (`B/ắn C/á`), but never
                    // links other words (`2tr/ngà|y`).
                    let joined = (is_splitter_gap(g) || g == "/")
                        && !(!last_joined && prev_long() && splitter_gap(i.checked_sub(2)))
                        && !(long_after() && splitter_gap(Some(i + 2)))
                        && self.splits_syllable(folded, next)
                        // An initial split from its syllable by one space
                        // (`kh uyen` → `khuyen`; not `kho an`).
                        || g == " "
                            && prev
                                .and_then(|(x, y)| folded.get(x..y))
                                .is_some_and(|t| split_initial(t.as_bytes()))
                            // Before a vowel, as the quick test of a simple
                            // text asks (`ng he` stays).
                            && next
                                .and_then(|(x, _)| folded.as_bytes().get(x))
                                .is_some_and(|&c| is_vowel(c))
                            && self.splits_syllable(folded, next);
                    last_joined = joined;
                    if !joined {
                        self.gap(folded, a, b, prev, next, chained);
                    } else if next
                        .and_then(|(x, _)| folded.as_bytes().get(x))
                        .is_some_and(|&c| self.text.as_bytes().last() == Some(&c))
                    {
                        // A letter drawn out across the gap, written once
                        // as runs are (`chặ📦ặặn` → `chan`).
                        self.text.pop();
                    }
                    i += 1;
                }
                Item::Token(a, b) => {
                    let next = self.run_or_token(folded, written, &items, i, a, b);
                    // A spelled-out run took its gaps: none joined a syllable.
                    last_joined &= next == i + 1;
                    i = next;
                }
            }
        }
        self.items = items;
        self.links = links;
        // Collapse white space and trim.
        std::mem::swap(&mut self.raw, &mut self.text);
        self.text.clear();
        for w in self.raw.split(' ').filter(|w| !w.is_empty()) {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            self.text.push_str(w);
        }
        if !self.joined.is_empty() {
            // The joined runs move left by the spaces dropped before them
            // (none inside: they are letters).
            let (mut dropped, mut last_space, mut j) = (0, true, 0);
            for (at, b) in self.raw.bytes().enumerate() {
                while let Some(r) = self.joined.get_mut(j).filter(|r| r.0 <= at) {
                    *r = (r.0 - dropped, r.1 - dropped);
                    j += 1;
                }
                if b == b' ' && last_space {
                    dropped += 1;
                }
                last_space = b == b' ';
            }
        }
        push_skeleton(&mut self.skeleton, &self.text);
    }

    /// Writes the link `s` ([`write_link`]).
    fn link_text(&mut self, s: &str) {
        write_link(s, &mut self.word, &mut self.norm, &mut self.text);
    }

    fn tokenize(&mut self, folded: &str, written: Option<&str>) {
        self.items.clear();
        let mut chars = std::mem::take(&mut self.chars);
        chars.clear();
        chars.extend(folded.char_indices());
        // In a text typed in leetspeak, a `$` before a leetspeak digit is
        // an `s` too (`$1m`, `$0`).
        let dollar = folded.contains('$') && self.written.leet_typed(folded);
        // There, too, a `!` may lead a word (`!t` for `ít`).
        let bang = folded.contains('!') && self.written.leet_typed(folded);
        // And an `@` may lead a word of it and one leetspeak vowel that
        // read one syllable (`@0` for `ảo`).
        let at_sign = folded.contains('@') && self.written.leet_typed(folded);
        // And a `!` may end a word that goes on (`ta! nha`), unless the
        // written text ends a sentence there; in any text, after a word
        // written with a diacritic that the text goes on after in lower
        // case (`ngườ! nước`).
        let exclaimed = if folded.contains('!') {
            let (exclaimed, marked) = self.written.exclaimed(written);
            Some(Bangs {
                exclaimed,
                marked,
                leet: bang,
            })
        } else {
            None
        };
        // In the second reading, a `!` may end a token of digits that it
        // makes a word (`50!` → `soi`).
        let signs = Signs {
            bang,
            dollar,
            at_sign,
            bangs: exclaimed,
            second: self.second_digits,
        };
        let mut i = 0;
        let word_char = |k: usize| -> bool {
            let Some(&(_, c)) = chars.get(k) else {
                return false;
            };
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                return true;
            }
            // The rare symbols, out of line: this runs for every character.
            (c == '!' || LEET_SYMBOLS.contains(&c)) && symbol_in_word(&chars, k, folded, &signs)
        };
        while i < chars.len() {
            let start = chars[i].0;
            let w = word_char(i);
            let mut j = i + 1;
            while j < chars.len() && word_char(j) == w {
                j += 1;
            }
            let end = chars.get(j).map_or(folded.len(), |&(o, _)| o);
            self.items.push(if w {
                Item::Token(start, end)
            } else {
                Item::Gap(start, end)
            });
            i = j;
        }
        self.chars = chars;
    }

    /// Writes a spelled-out run starting at token `i`, or the token alone;
    /// returns the next item index.
    fn run_or_token(
        &mut self,
        s: &str,
        written: Option<&str>,
        items: &[Item],
        i: usize,
        a: usize,
        b: usize,
    ) -> usize {
        // Extend a run of one-character tokens linked by joiner gaps. Where
        // no white space links them, the first may be an initial consonant
        // cluster and the others a letter drawn out (`kh-ó-aaa`).
        let one = |a: usize, b: usize| {
            s.get(a..b).is_some_and(|t| {
                let mut c = t.chars();
                c.next().is_some() && c.next().is_none()
            })
        };
        let drawn = |a: usize, b: usize| {
            s.get(a..b).is_some_and(|t| {
                t.len() >= 2
                    && t.bytes()
                        .all(|c| c == t.as_bytes()[0] && c.is_ascii_lowercase())
            })
        };
        let initial = |a: usize, b: usize| {
            s.get(a..b)
                .is_some_and(|t| t.len() >= 2 && split_initial(t.as_bytes()))
        };
        // A head of two to four letters and leetspeak digits whose run of
        // single characters, linked without white space, reads one
        // syllable with it in a text typed in leetspeak (`NGU-0-I`,
        // `V1-3-C`): checked once the run is known.
        let head = (2..=4).contains(&(b - a))
            // Asked first: the next gap is one joiner (`-`, `.`), rare.
            && matches!(items.get(i + 1), Some(Item::Gap(ga, gb))
                if *gb == *ga + 1 && s.as_bytes().get(*ga).is_some_and(|&c| c != b' ' && is_joiner(char::from(c))))
            && !one(a, b)
            && !initial(a, b)
            && s.get(a..b).is_some_and(|t| {
                t.as_bytes()[0].is_ascii_lowercase()
                    && t.bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'@' | b'!'))
            });
        let mut end = i; // index of the last token of the run
        if one(a, b) || initial(a, b) || head {
            let mut k = i;
            while let (Some(Item::Gap(ga, gb)), Some(Item::Token(ta, tb))) =
                (items.get(k + 1), items.get(k + 2))
            {
                let g = s.get(*ga..*gb).unwrap_or("");
                // A lone comma links spelled-out letters too (`n,a,p`).
                let joiners = g == "," || g.chars().all(is_joiner);
                let tight = !g.chars().any(char::is_whitespace);
                let first_ok = k > i && !head || one(a, b) || tight;
                // A digit spaced on both sides (or at the end of the run)
                // is a number, not a letter: white space does not link it
                // (`m ứ c 2`, `đ ề 1 ă.n`, `v 4 y`; `t.r.1 4.n` and
                // `v.4.y` still do).
                let digit = |at: usize| match items.get(at) {
                    Some(Item::Token(a, b)) => {
                        *b == *a + 1 && s.as_bytes().get(*a).is_some_and(u8::is_ascii_digit)
                    }
                    _ => false,
                };
                let spaced_at = |at: usize| match items.get(at) {
                    Some(Item::Gap(a, b)) => s
                        .get(*a..*b)
                        .is_none_or(|g| g.chars().any(char::is_whitespace)),
                    _ => true,
                };
                let number =
                    |at: usize, other: Option<usize>| digit(at) && other.is_none_or(spaced_at);
                // Nor does it link a digit that a tight gap joins to more
                // digits, or that a `%` follows: a number (`chi 0,8%`,
                // `c.h.i 2.5`, `n h u a n 5%`).
                let led_number = |at: usize| {
                    digit(at)
                        && (!spaced_at(at + 1)
                            && matches!(items.get(at + 2), Some(Item::Token(a, _))
                                if s.as_bytes().get(*a).is_some_and(u8::is_ascii_digit))
                            || matches!(items.get(at + 1), Some(Item::Gap(a, _))
                                if s.as_bytes().get(*a) == Some(&b'%')))
                };
                // A dot after letters spelled with another splitter, before a
                // top-level domain spelled out, ends a host's name
                // (`h-o-c-b-o-n-g.v-i-p`): the run stops there.
                let host_dot = g == "."
                    && k > i
                    && matches!(items.get(i + 1), Some(Item::Gap(fa, fb))
                        if matches!(s.get(*fa..*fb), Some("-" | "_" | "*" | "~")))
                    && spelled_tld(s.as_bytes(), *ta);
                // A final of two letters ends a run linked without white
                // space (`kh-0-ng`, `th-4-ng`).
                let last = tight
                    && k > i
                    && matches!(s.get(*ta..*tb), Some("ng" | "nh" | "ch"))
                    && matches!(items.get(k), Some(Item::Token(pa, pb))
                        if *pb == *pa + 1 && s.as_bytes().get(*pa).is_some_and(|&c| is_vowel(c) || is_leet_digit(char::from(c))));
                if !joiners
                    || host_dot
                    || !first_ok
                    || !(one(*ta, *tb) || tight && drawn(*ta, *tb) || last)
                    || !tight
                        && (number(k, k.checked_sub(1))
                            || number(k + 2, Some(k + 3))
                            || led_number(k + 2))
                {
                    break;
                }
                k += 2;
                if last {
                    break;
                }
            }
            end = k;
        }
        if head && end > i && !(end >= i + 4 && self.leet_head_run(s, items, i, end)) {
            end = i;
        }
        let letters = (i..=end)
            .step_by(2)
            .filter(|&k| match items.get(k) {
                Some(Item::Token(ta, tb)) => s
                    .get(*ta..*tb)
                    .and_then(|t| t.chars().next())
                    .is_some_and(|c| is_letter(c) || LEET_SYMBOLS.contains(&c)),
                _ => false,
            })
            .count();
        // Leetspeak digits count as letters in a run of three or more with
        // a letter that reads one syllable (`H.4.1` → `hai`; not `0.5`,
        // `A.1.2`).
        let leet_run = || {
            letters > 0
                && end >= i + 4
                && run_bytes(s, items, i, end).is_some_and(|(w, n)| reads_syllable(&w[..n], false))
        };
        // In a text typed in leetspeak ([`Written::leet_typed`]), a letter
        // and a leetspeak digit without white space between them that read
        // one syllable are a word too (`h.3` for `hệ`, `V-1` for `vi`;
        // `Q.1` is no syllable, and elsewhere `A.1` stays).
        let leet_pair = || {
            let (Some(Item::Gap(ga, gb)), Some(Item::Token(ta, tb))) =
                (items.get(i + 1), items.get(i + 2))
            else {
                return false;
            };
            let pair = [
                s.as_bytes().get(a).copied().unwrap_or(0),
                s.as_bytes().get(*ta).copied().unwrap_or(0),
            ];
            end == i + 2
                && b == a + 1
                && *tb == *ta + 1
                && letters == 1
                && pair[0].is_ascii_lowercase()
                && is_leet_digit(char::from(pair[1]))
                && !s.get(*ga..*gb).unwrap_or(" ").contains(char::is_whitespace)
                && reads_syllable(&pair, false)
        };
        if end == i || letters < 2 && !leet_run() && !(leet_pair() && self.written.leet_typed(s)) {
            self.word.clear();
            self.word.extend(s.get(a..b).unwrap_or("").chars());
            self.flush_word(s, written);
            return i + 1;
        }
        // A loose gap: white space with nothing else but symbols (emoji).
        let spaced = |k: usize| match items.get(k) {
            Some(Item::Gap(ga, gb)) => s
                .get(*ga..*gb)
                .is_some_and(|g| g.contains(' ') && !g.chars().any(|c| c.is_ascii() && c != ' ')),
            _ => false,
        };
        let mixed = (i + 1..end).step_by(2).any(|k| !spaced(k));
        // In a mixed run, letters spaced on both sides are a spelled-out
        // word of their own (`d o n h_a_n_g` → `don hang`): a loose gap
        // between two such letters joins them.
        let alone = |t: usize| (t == i || spaced(t - 1)) && (t == end || spaced(t + 1));
        // There, when letters are also linked without white space, a
        // joiner with white space on both sides breaks words too (`n.o
        // h.u - b.a.n` → `no hu ban`; `v - a - y t - i - e - n` keeps them
        // as its letters' links).
        let tight_run = (i + 1..end).step_by(2).any(|k| {
            matches!(items.get(k), Some(Item::Gap(ga, gb))
                if s.get(*ga..*gb).is_some_and(|g| !g.contains(char::is_whitespace)))
        });
        let padded = |k: usize| match items.get(k) {
            Some(Item::Gap(ga, gb)) => s.get(*ga..*gb).is_some_and(|g| {
                g.len() >= 3 && g.starts_with(' ') && g.ends_with(' ') && g.chars().all(is_joiner)
            }),
            _ => false,
        };
        // Letters spaced one by one whose words a lone `/` separates (`t r
        // i ệ u/n g à y`): the `/` breaks words, the spaces join letters.
        let slashed = mixed && {
            let (mut slashes, mut loose, mut other) = (0usize, 0usize, false);
            for k in (i + 1..end).step_by(2) {
                if let Some(Item::Gap(ga, gb)) = items.get(k) {
                    match s.get(*ga..*gb) {
                        Some("/") => slashes += 1,
                        _ if spaced(k) => loose += 1,
                        _ => other = true,
                    }
                }
            }
            !other && slashes >= 1 && loose >= 3 * slashes
        };
        // All loose: the written text may show word breaks (two spaces).
        let mut breaks = std::mem::take(&mut self.breaks);
        breaks.clear();
        if !mixed {
            self.tok.clear();
            for k in (i..=end).step_by(2) {
                if let Some(Item::Token(ta, tb)) = items.get(k) {
                    self.tok.push_str(s.get(*ta..*tb).unwrap_or(""));
                }
            }
            if let Some(b) = self.written.word_breaks(written, &self.tok) {
                breaks.extend_from_slice(b);
            }
        }
        self.word.clear();
        // `breaks` ascends: the next one to meet.
        let mut next = breaks.iter().copied().peekable();
        for k in i..=end {
            match items.get(k) {
                Some(Item::Token(ta, tb)) => {
                    if next.next_if_eq(&((k - i) / 2)).is_some() {
                        self.flush_run_word(s, written);
                        self.text.push(' ');
                        self.word.clear();
                    }
                    self.word.extend(s.get(*ta..*tb).unwrap_or("").chars())
                }
                Some(Item::Gap(ga, gb)) if slashed && s.get(*ga..*gb) == Some("/") => {
                    self.flush_run_word(s, written);
                    self.text.push(' ');
                    self.word.clear();
                }
                // The loose gaps of such a run join its letters.
                Some(Item::Gap(..)) if slashed => {}
                Some(Item::Gap(..))
                    if mixed
                        && (spaced(k) || tight_run && padded(k))
                        && !(alone(k - 1) && alone(k + 1)) =>
                {
                    self.flush_run_word(s, written);
                    self.text.push(' ');
                    self.word.clear();
                }
                _ => {}
            }
        }
        self.flush_run_word(s, written);
        self.breaks = breaks;
        end + 1
    }

    /// Whether the tokens `i..=end` of `items` (a head and single
    /// characters) read one syllable written together: letters alone
    /// (`nu.ô.i`, `nu.o.c`), or, in a text typed in leetspeak, with digits
    /// and `@ !` as letters, a final Telex tone dropped (`NGU-0-I`,
    /// `CH@Y.J`, `n9.4.y.f`).
    fn leet_head_run(&mut self, s: &str, items: &[Item], i: usize, end: usize) -> bool {
        let Some((w, n)) = run_bytes(s, items, i, end) else {
            return false;
        };
        let w = &w[..n];
        reads_syllable(w, false) && w.iter().all(u8::is_ascii_lowercase)
            || (reads_syllable(w, false) || reads_syllable_toned(w)) && self.written.leet_typed(s)
    }

    /// [`RobustBuf::flush_word`] for a word of a spelled-out run: notes it
    /// as a joined run ([`RobustBuf::joined`]) when it is letters `a-z`
    /// that are not one syllable, written as [`segment_syllables`] reads
    /// them when it does.
    fn flush_run_word(&mut self, folded: &str, written: Option<&str>) {
        let start = self.text.len();
        // The run's letters, when they are letters `a-z` only (at most
        // `MAX_SEGMENTED`): read as syllables if not one.
        let mut letters = [0u8; MAX_SEGMENTED];
        let n = self.word.len();
        let plain =
            (4..=MAX_SEGMENTED).contains(&n) && self.word.iter().all(char::is_ascii_lowercase);
        if plain {
            for (o, &c) in letters.iter_mut().zip(&self.word) {
                *o = c as u8;
            }
        }
        self.flush_word(folded, written);
        let letters = if plain { &letters[..n] } else { &[] };
        join_run(
            &mut self.text,
            start,
            letters,
            (&mut self.word, &mut self.norm),
            &mut self.joined,
        );
    }

    /// Whether a splitter gap ([`is_splitter_gap`], asked by the caller)
    /// before the token `next` only splits one syllable (step 3: `va.y`,
    /// `t-iền`, `nh-anh`, `na.p`): it lies between the letters `a-z` ending the text written so far (a whole word: no
    /// digit before them) and a token of letters `a-z` only, which written
    /// together make one Vietnamese syllable ([`is_syllable`]). `vay-tien`
    /// and `bit.ly` do not (`vaytien`, `bitly`): there the gap stays a word
    /// boundary.
    fn splits_syllable(&self, s: &str, next: Option<(usize, usize)>) -> bool {
        next.and_then(|(a, b)| s.get(a..b))
            .is_some_and(|after| splits_syllable(self.text.as_bytes(), after))
    }

    fn gap(
        &mut self,
        s: &str,
        a: usize,
        b: usize,
        prev: Option<(usize, usize)>,
        next: Option<(usize, usize)>,
        chained: bool,
    ) {
        let g = s.get(a..b).unwrap_or("");
        let digit_before = prev
            .and_then(|(pa, pb)| s.get(pa..pb))
            .and_then(|t| t.chars().next_back())
            .is_some_and(|c| c.is_ascii_digit());
        let digit_after = next
            .and_then(|(na, nb)| s.get(na..nb))
            .and_then(|t| t.chars().next())
            .is_some_and(|c| c.is_ascii_digit());
        // A number before (`500~700`), not a word ending in a leetspeak
        // digit (`h0~7ro`: `ho tro`).
        let number_before = digit_before
            && prev
                .and_then(|(pa, pb)| s.get(pa..pb))
                .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_digit()));
        // Between two tokens, a gap of joiners that is free of white space
        // (`vay-tien`, `vay💰tien`) or holds only white space and symbols
        // (`vay 💰 tien`) is a word boundary; punctuation followed by a
        // space (`ngay. goi`) stays as written, as it does at the ends.
        let spaced = g.contains(' ');
        let stop = g.chars().any(|c| matches!(c, '.' | '\''));
        let boundary = prev.is_some()
            && next.is_some()
            && g.chars().all(is_word_gap)
            && !(spaced && stop)
            && !(spaced && !chained && g.chars().any(|c| c.is_ascii() && c != ' '))
            && !(number_before && digit_after);
        // A dot before a top-level domain stays one (`shopee-trian🔥.top`
        // → `shopee trian.top`): a host that did not read as a link. Not
        // in a phrase dotted word by word (`nhóm.tín.hiệu.forex`,
        // `nhan.qua.to`): the token before has no dot before it.
        let dotted = prev.is_some_and(|(pa, _)| s[..pa].ends_with('.'));
        let tld_after = || {
            next.is_some_and(|(na, nb)| {
                // It ends the host (`học.phí.bổ.sung` has no domain).
                let after = s.get(nb..).unwrap_or("").as_bytes();
                let end = match after {
                    [] => true,
                    [b'.' | b',' | b';' | b':' | b'!' | b'?' | b')', rest @ ..] => {
                        rest.first().is_none_or(u8::is_ascii_whitespace)
                    }
                    [c, ..] => c.is_ascii_whitespace() || *c == b'/',
                };
                end && s.get(na..nb).is_some_and(|t| tld_token(t.as_bytes()))
                    || prev.is_some_and(|(pa, pb)| {
                        pb > pa + 1 || s[..pa].ends_with(['-', '_', '*', '~'])
                    }) && spelled_tld(s.as_bytes(), na)
            })
        };
        // Words dressed as a host stay words (`v4y-t1en-nhanh.com`) but in
        // the second reading.
        let head_words = || {
            prev.is_some_and(|(_, pb)| {
                let start = s[..pb].rfind(char::is_whitespace).map_or(0, |p| p + 1);
                let head = s.get(start..pb).unwrap_or("");
                words_only(&format!("{head}.x"), &mut Vec::new(), &mut Vec::new())
            })
        };
        // A dot with white space before it, as links read it
        // (`shopee-quatang . top`), before a top-level domain; not after
        // words (`Xin chào . Top 10`), in either reading.
        let padded_dot = prev.is_some()
            && g.starts_with(char::is_whitespace)
            && g.trim() == "."
            && !dotted
            && !digit_before;
        if padded_dot && tld_after() && !head_words() {
            self.text.push('.');
            return;
        }
        if boundary {
            let tld = !spaced
                && !dotted
                && g.contains('.')
                && tld_after()
                && (self.second_host || {
                    let words = head_words();
                    self.unhosted |= words;
                    !words
                });
            self.text.push(if tld { '.' } else { ' ' });
            return;
        }
        for c in g.chars() {
            if !is_symbol(c) {
                self.text.push(c);
            }
        }
    }

    /// Normalises the token in `self.word` onto the text.
    fn flush_word(&mut self, folded: &str, written: Option<&str>) {
        let starts_with_digit = self.word.first().is_some_and(char::is_ascii_digit);
        if self.word.is_empty() {
            return;
        }
        if self.second_digits {
            let written_state = &mut self.written;
            if read_again(
                &mut self.word,
                || written_state.vni_typed(folded),
                &mut self.letters,
                &mut self.norm,
            ) {
                self.text.extend(self.norm.iter().map(|&b| char::from(b)));
                return;
            }
        }
        // A number of digits alone is its own rewriting (step 3 reads
        // digits as letters only beside letters).
        if self.word.iter().all(char::is_ascii_digit) {
            self.text.extend(self.word.iter());
            return;
        }
        // Most words are their own rewriting: asked first.
        if !starts_with_digit && self.word.len() >= 2 && self.word.iter().all(char::is_ascii) {
            self.norm.clear();
            self.norm.extend(self.word.iter().map(|&c| c as u8));
            if word_is_own(&self.norm) {
                self.text
                    .push_str(std::str::from_utf8(&self.norm).unwrap_or(""));
                return;
            }
        }
        let matters = mark_matters(&self.word);
        let marked = matters && {
            self.tok.clear();
            self.tok.extend(self.word.iter());
            self.written.marked(written, &self.tok)
        };
        self.written.read_token(
            &self.word,
            matters,
            marked,
            folded,
            written,
            &mut self.norm,
            &mut self.digit_read,
        );
        for &b in &self.norm {
            self.text.push(char::from(b));
        }
    }
}

/// Notes the word of a spelled-out run written at `start` of `text` as a
/// joined run ([`RobustBuf::joined`]) when it is letters `a-z` that make
/// no syllable, rewritten as [`segment_syllables`] reads its `letters`
/// (the run's letters, when `a-z` only and 4 to [`MAX_SEGMENTED`] of
/// them; else empty). `scratch`: the word and bytes it may use.
fn join_run(
    text: &mut String,
    start: usize,
    letters: &[u8],
    scratch: (&mut Vec<char>, &mut Vec<u8>),
    joined: &mut Vec<(usize, usize)>,
) {
    let w = text.as_bytes().get(start..).unwrap_or(&[]);
    if w.len() >= 2 && w.iter().all(u8::is_ascii_lowercase) && !is_syllable(w) {
        if !letters.is_empty() {
            if let Some(seg) = segment_syllables(letters, scratch.0, scratch.1) {
                text.truncate(start);
                text.extend(seg.iter().map(|&b| char::from(b)));
            }
        }
        joined.push((start, text.len()));
    }
}

/// [`RobustBuf::splits_syllable`] of the text written so far, `text`,
/// and the token after the gap, `after`.
fn splits_syllable(text: &[u8], after: &str) -> bool {
    if !after.bytes().all(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let letters = text
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_lowercase())
        .count();
    let start = text.len() - letters;
    if letters == 0
        || start
            .checked_sub(1)
            .is_some_and(|p| text[p].is_ascii_digit())
    {
        return false;
    }
    let mut w = [0u8; 16];
    let (head, tail) = (&text[start..], after.as_bytes());
    if head.len() + tail.len() > w.len() {
        return false;
    }
    w[..head.len()].copy_from_slice(head);
    w[head.len()..head.len() + tail.len()].copy_from_slice(tail);
    let n = head.len() + tail.len();
    // A letter drawn out across the gap counts once (`chặ📦ặặn`), where
    // what follows is more than a letter (`Nhan🎉n.g.a.y` stays apart).
    is_syllable(&w[..n])
        || tail.len() >= 2 && {
            let mut m = 0;
            for k in 0..n {
                if m == 0 || w[m - 1] != w[k] {
                    w[m] = w[k];
                    m += 1;
                }
            }
            m < n && is_syllable(&w[..m])
        }
}

/// Step 3 in the second reading ([`RobustBuf::build_second_reading`]) of
/// the token `word`: an amount with its unit in leetspeak (`57r` →
/// `5tr`), or a token holding digits read as a word ([`second_word`]; in
/// a text typed in VNI, `vni`, a word's final digits are its tone,
/// `khoa1`, unless it reads a listed word). Writes the reading into
/// `norm` and says whether there is one. `letters`: scratch.
fn read_again(
    word: &mut [char],
    vni: impl FnOnce() -> bool,
    letters: &mut Vec<char>,
    norm: &mut Vec<u8>,
) -> bool {
    let mut t = [0u8; 8];
    let n = word.len();
    if n > t.len() || !word.iter().all(char::is_ascii) {
        return false;
    }
    for (o, &c) in t.iter_mut().zip(word.iter()) {
        *o = c as u8;
    }
    if let Some(k) = leet_unit(&t[..n]) {
        if let Some(c) = word.get_mut(k) {
            *c = 't';
        }
        number(word, norm);
        return true;
    }
    let vni = !word.first().is_some_and(char::is_ascii_digit) && vni();
    second_word(&t[..n], letters, norm) && (!vni || SECOND_WORDS.contains(&norm.as_slice()))
}

/// Writes the link `s`: each run of `a-z0-9` that starts with a letter
/// rewritten as a word (step 5, the text's typing aside), the rest as
/// it is.
fn write_link(s: &str, word: &mut Vec<char>, norm: &mut Vec<u8>, text: &mut String) {
    let mut joined = String::new();
    let s = if join_spelled_labels(s, &mut joined) {
        joined.as_str()
    } else {
        s
    };
    let b = s.as_bytes();
    // A host written in leetspeak, its top-level domain too (`.t0p`):
    // a part led by a leetspeak digit is read as a word would be
    // (`3tax` → `etax`; elsewhere `1xbet` stays).
    let host = s.split_once("://").map_or(s, |(_, h)| h);
    let host = host.split(['/', '?', '#', ':']).next().unwrap_or("");
    let leet_host = host.rsplit('.').next().is_some_and(|tld| {
        tld.bytes().any(|c| c.is_ascii_digit()) && leet_tld(tld.as_bytes()).is_some()
    });
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            let n = s[i..].chars().next().map_or(1, char::len_utf8);
            text.push_str(&s[i..i + n]);
            i += n;
            continue;
        }
        let end = b[i..]
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .map_or(b.len(), |p| i + p);
        let last = !b[end..].contains(&b'.');
        let tld = if last && b[i..end].iter().any(u8::is_ascii_digit) {
            leet_tld(&b[i..end])
        } else {
            None
        };
        if let Some(tld) = tld {
            // A top-level domain in leetspeak (`.7op`, `.c0m`).
            text.extend(tld[..end - i].iter().map(|&c| char::from(c)));
        } else if b[i].is_ascii_lowercase() {
            // A leetspeak digit after a letter, before a letter or
            // ending the run, is a letter (`h1tclub79` → `hitclub79`,
            // `l4z4d4`); the number of a name stays (`sunw1n68`,
            // `kub3t88`, `b52club88`).
            word.clear();
            for (k, &c) in b[i..end].iter().enumerate() {
                let inner = k > 0
                    && b[i + k - 1].is_ascii_lowercase()
                    && (i + k + 1 == end || b[i + k + 1].is_ascii_lowercase());
                let l = if inner { leet_letter(c) } else { None };
                word.push(char::from(l.unwrap_or(c)));
            }
            let tail = word.iter().rev().take_while(|c| c.is_ascii_digit());
            let (mut number, mut vowels) = (0, true);
            for &c in tail {
                number += 1;
                vowels &= matches!(c, '0' | '1' | '3' | '4');
            }
            if number >= 2 && !vowels {
                // A name ending in a number is kept (`b52club88`; not
                // `sh0p33`, leetspeak vowels).
                text.extend(word.iter());
            } else if let Some((l, _)) = loan_letters(word) {
                // A loanword stays one (`vneid-online.app`).
                text.extend(l.iter().map(|&c| char::from(c)));
            } else if end - i >= 2
                && b[i..end].iter().all(u8::is_ascii_lowercase)
                && word_is_own(&b[i..end])
            {
                // Its own rewriting (most parts of a host: `shopvn`, `bit`),
                // as `normalize_word` would leave it (a test holds the two
                // together), asked first.
                text.push_str(&s[i..end]);
            } else {
                normalize_word(word, false, false, false, norm);
                text.extend(norm.iter().map(|&c| char::from(c)));
            }
        } else if leet_host
            && end - i <= 8
            && with_chars(&b[i..end], |w| leet_led(w, false, || true))
        {
            word.clear();
            word.extend(s[i..end].chars());
            normalize_word(word, false, false, false, norm);
            text.extend(norm.iter().map(|&c| char::from(c)));
        } else if let Some(tld) = leet_tld(&b[i..end]) {
            // A top-level domain led by a leetspeak digit (`.7op`).
            text.extend(tld[..end - i].iter().map(|&c| char::from(c)));
        } else {
            text.push_str(&s[i..end]);
        }
        i = end;
    }
}

/// Whether `t` is an amount in đồng typed in VNI: digits, then `d9` (the
/// test of [`leet_led`], on bytes).
#[inline(never)]
fn vni_dong(t: Option<&[u8]>) -> bool {
    matches!(t, Some([digits @ .., b'd', b'9']) if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit))
}

/// Whether `word`, letters then digits only, ends in a number rather than
/// in leetspeak letters: three different digits or more (`sv388`), a digit
/// other than a vowel's (`0 1 3 4`) twice in a row (`vip88`, `kubet77`), a
/// digit that is no leetspeak (`sunvip68`), or two led by one that is no
/// vowel (`hitclub79`), or a code of two or three letters and three
/// digits or more, no VNI tail, that read no syllable (`vn1178`, `vj135`;
/// `z410` is leetspeak);
/// `l01`, `l011`, `kh04`, `c0d3`, `n000`, `ng041` are leetspeak, and so is
/// VNI's mark and tone typed last (`tien62`).
fn brand_number(word: &[char]) -> bool {
    // Most words end in a letter: one test.
    if !word.last().is_some_and(char::is_ascii_digit) {
        return false;
    }
    let Some(k) = word.iter().position(char::is_ascii_digit) else {
        return false;
    };
    let (letters, digits) = word.split_at(k);
    // A leading `$` is the leetspeak `s` of a name (`$V388`).
    let name = letters.strip_prefix(&['$']).unwrap_or(letters);
    if name.is_empty()
        || !name.iter().all(char::is_ascii_lowercase)
        || !digits.iter().all(char::is_ascii_digit)
        || digits.len() < 2
    {
        return false;
    }
    // A code: two or three letters, then three digits or more that are
    // no VNI marks (more than three, a `0`, two tones or more, a mark that
    // fits no letter) and that read no syllable as letters (a flight
    // `VN1178`, `VJ135`; `ng041` is `ngoai`, `dua975` VNI `dựa`).
    if (2..=3).contains(&name.len()) && digits.len() >= 3 {
        let tones = digits.iter().filter(|c| ('1'..='5').contains(*c)).count();
        let marks_fit = digits.iter().all(|&d| {
            ('1'..='5').contains(&d)
                || ('6'..='9').contains(&d)
                    && with_bytes(letters.iter().copied(), |w| vni_fits(d as u8, w))
        });
        let vni_tail = digits.len() <= 3 && tones <= 1 && marks_fit;
        if !vni_tail && !with_bytes(word.iter().copied(), |w| reads_syllable(w, true)) {
            return true;
        }
    }
    // VNI's mark and tone typed last (`tien62`, `tie62n` aside) is no
    // number: a tone `1`-`5` and a mark that fits a letter of the word.
    let vni = |m: char, t: char| {
        ('1'..='5').contains(&t)
            && ('6'..='9').contains(&m)
            && with_bytes(letters.iter().copied(), |w| vni_fits(m as u8, w))
    };
    if let [a, b] = digits {
        if vni(*a, *b) || vni(*b, *a) {
            return false;
        }
    }
    // A vowel drawn out counts once (`l011`, `n000`: `loi`, `no`).
    let vowel = |c: char| matches!(c, '0' | '1' | '3' | '4');
    let mut once = ['\0'; 3];
    let mut n = 0;
    for (k, &c) in digits.iter().enumerate() {
        if k > 0 && digits[k - 1] == c {
            if !vowel(c) {
                return true; // `88`, `77`
            }
            continue;
        }
        match once.get_mut(n) {
            Some(o) => *o = c,
            None => return true,
        }
        n += 1;
    }
    let once = &once[..n];
    !once.iter().all(|&c| is_leet_digit(c) || c == '9') || n >= 2 && !vowel(once[0])
}

/// A token that starts with a leetspeak digit for its first letter: one of
/// `0 1 3 4 5 7 8`, then letters `a-z` and those digits only, two or more
/// of them letters or a digit after a letter, with a vowel (a digit read as
/// a letter counts: `0 1 3 4` are vowels) (`0ng`, `4nh`, `7r0ng`, `71en`,
/// `7h3`; not `5tr`, `4g`, `100k`, `713n`, `0912345678`, nor an amount:
/// two digits or more then letters without `a e i o u`, `15tr`); or one of
/// `0 1 3 4` then `n` alone (`4n` for `ân`). In a word written with a
/// marked letter (`marked`), one letter is enough (`5ố`). In a text
/// written in leetspeak (`leety`, asked only of an amount's shape), an
/// amount made of leetspeak digits then no unit is a word too (`74c`).
fn leet_led(word: &[char], marked: bool, leety: impl FnOnce() -> bool) -> bool {
    if leet_acronym(word).is_some() {
        return true; // `07p` is `otp`
    }
    // A code of digits and one letter (`30A`, a licence plate's; `51F`)
    // that reads no syllable is no word (`10a` is `loa`, step 7).
    if let [digits @ .., l] = word {
        if digits.len() >= 2
            && digits.iter().all(char::is_ascii_digit)
            && l.is_ascii_lowercase()
            && word[0] != '1'
            && !with_bytes(word.iter().copied(), |w| reads_syllable(w, false))
        {
            return false;
        }
    }
    // An amount in đồng typed in VNI (`50.000d9`): `d9` is `đ`.
    if let [digits @ .., 'd', '9'] = word {
        if !digits.is_empty() && digits.iter().all(char::is_ascii_digit) {
            return false;
        }
    }
    let leet = |c: char| is_leet_digit(c);
    let letter = |c: char| c.is_ascii_lowercase() || LEET_SYMBOLS.contains(&c) || c == '!';
    let interleaved = word
        .windows(2)
        .any(|w| letter(w[0]) && w[1].is_ascii_digit());
    // An amount: two digits or more, then letters without a vowel
    // (`100k`, `15tr`, `100kkk`, `100đ`), but for the finals `ng nh ch`
    // (`74ng` is `tặng`).
    let letters = word
        .iter()
        .position(|&c| !c.is_ascii_digit())
        .and_then(|k| word.get(k..))
        .unwrap_or(&[]);
    let amount = word.get(1).is_some_and(char::is_ascii_digit)
        && !interleaved
        && !word
            .iter()
            .any(|c| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | '@' | '€'))
        && !matches!(letters, ['n', 'g'] | ['n', 'h'] | ['c', 'h']);
    // In a text written in leetspeak (`leety`), leetspeak digits then
    // letters that are no unit are a word (`74C` is `tac`).
    // So is one whose digits, all leetspeak, and letters read one syllable
    // of three letters or more (`713n`, `54p`: `tien`, `sap`; not `30p`).
    // A time of day: `7h30`, `19h45`; but for one that reads one syllable
    // in a text written in leetspeak (`7h47`: `that`).
    let time = matches!(word, [a, 'h', m, n] | [_, a, 'h', m, n]
        if a.is_ascii_digit() && m.is_ascii_digit() && n.is_ascii_digit())
        && word[0].is_ascii_digit();
    let syllable = (amount || time) && leet_syllable(word);
    let shaped = amount && (syllable || leet_shaped(word, letters.len()));
    // A leetspeak consonant and a vowel (`8A` for `bạ`, `5O` for `số`),
    // or a leetspeak vowel and a vowel that read one syllable (`4o` for
    // `ảo`, `0i` for `ơi`): a word in a text written in leetspeak, a code
    // elsewhere (`lớp 8A`, `4o`).
    let short = match word {
        // `8!` for `bị` (the tokenizer keeps such a `!` only there).
        ['5' | '7' | '8', '!'] => true,
        ['5' | '7' | '8', v] => v.is_ascii_lowercase() && is_vowel(*v as u8),
        ['0' | '1' | '3' | '4', v] if v.is_ascii_lowercase() && is_vowel(*v as u8) => {
            with_bytes(word.iter().copied(), |w| reads_syllable(w, false))
        }
        _ => false,
    };
    // A `9` (`g`) before a vowel, then letters and leetspeak digits with a
    // letter and a leetspeak digit, that read one syllable (`9i4` for
    // `giá`): a word there too (`9h`, `9tr` stay amounts everywhere, `910`
    // a number). In a word written with a marked letter, letters alone may
    // follow (`9ửi` for `gửi`).
    let symbol = |c: char| matches!(c, '!' | '@');
    let nine = matches!(word, ['9', tail @ ..]
        if tail.len() >= 2
            && u8::try_from(tail[0]).is_ok_and(|c| vowel_after_nine(c) || matches!(c, b'!' | b'@'))
            && tail.iter().all(|&c| c.is_ascii_lowercase() || leet(c) || symbol(c))
            // A letter: digits only stay a number (`910`).
            && tail.iter().any(|&c| c.is_ascii_lowercase() || symbol(c))
            && (marked || tail.iter().any(|&c| leet(c) || symbol(c))))
        && with_bytes(word.iter().copied(), reads_syllable_toned);
    let leety = (shaped || time && syllable || short || nine && !marked) && leety();
    let amount = amount && !(shaped && leety);
    let time = time && !(syllable && leety);
    match word {
        _ if (short || nine) && leety || nine && marked => true,
        _ if amount || time => false,
        // One digit and a unit of two letters or more: an amount or a
        // quantity (`3tr`, `1ty`, `4kg`), not `etr`.
        [_, unit @ ..] if unit.len() >= 2 && is_unit(unit) => false,
        // A `9` (`g`) may follow there too: `7rún9`, `1ư0n9`.
        [d, rest @ ..] if leet(*d) && marked => {
            rest.iter().any(|&c| letter(c))
                && rest.iter().all(|&c| letter(c) || leet(c) || c == '9')
        }
        // `4n` (`ân`), `0n`, `1n`, `3n`: a vowel and a final `n`.
        [d, 'n'] => matches!(d, '0' | '1' | '3' | '4'),
        // `9` (`g`) may follow: `7hu0n9`.
        [d, rest @ ..] if leet(*d) => {
            let leet = |c: char| leet(c) || c == '9';
            let letters = rest.iter().filter(|&&c| letter(c)).count();
            let vowel_digits = rest
                .iter()
                .filter(|c| matches!(c, '0' | '1' | '3' | '4'))
                .count();
            (interleaved || letters >= 1 && letters + vowel_digits >= 2)
                && rest.iter().all(|&c| letter(c) || leet(c))
                && word.iter().any(|&c| {
                    matches!(c, '0' | '1' | '3' | '4' | '@' | '€' | '!')
                        || (c.is_ascii_lowercase() && is_vowel(c as u8))
                })
        }
        // Any digit, `9` too, in a word with `! @ $` that reads one
        // syllable (`9!4m` → `giam`, `7@1` → `tai`): no amount has those
        // inside.
        _ => symbol_syllable(word),
    }
}

/// [`symbol_word`] of a token's characters.
fn symbol_syllable(word: &[char]) -> bool {
    with_bytes(word.iter().copied(), symbol_word)
}

/// Whether `w` has a letter (or is digits and `@` only, or a leetspeak
/// consonant digit and `!`: `8!`) and an `@` or
/// `$`, or a `!` and a leetspeak digit, and reads one syllable with each of
/// its characters a letter ([`reads_syllable`], all of them; led by a
/// digit, a final Telex tone dropped too): `9!4m`, `nh@`, `c4!`, `7@1`,
/// `9!4`, `7@!`, `9!4s`; not `qua!`, `ha!` (a `!` alone may end a
/// sentence), `h3h3!`.
fn symbol_word(w: &[u8]) -> bool {
    (w.iter().any(u8::is_ascii_lowercase)
        || w.iter().all(|&c| c == b'@' || c.is_ascii_digit())
        || matches!(w, [b'5' | b'7' | b'8', b'!'])
        // Led by a digit, then digits and symbols (`9!4`, `7@!`).
        || w.len() >= 3
            && w[0].is_ascii_digit()
            && w.iter().all(|&c| matches!(c, b'!' | b'@') || c.is_ascii_digit()))
        && (w.iter().any(|c| matches!(c, b'@' | b'$'))
            || w.contains(&b'!') && w.iter().any(|&c| is_leet_digit(char::from(c)) || c == b'9'))
        && (reads_syllable(w, true)
            || w.first().is_some_and(u8::is_ascii_digit) && reads_syllable_toned(w))
}

/// Whether `c`, right after a leading `9`, lets the token be a word
/// ([`leet_led`]; the quick test of a simple text asks the same): a vowel
/// letter or one of `0 1 3 4` (`9i4`, `9ui`; not `9h`, `99k`).
fn vowel_after_nine(c: u8) -> bool {
    is_vowel(c) || matches!(c, b'0' | b'1' | b'3' | b'4')
}

/// Whether the word `b` is letters then two leetspeak digits or more, and
/// reads one syllable with them letters (`l01`, `c40`: `loi`, `cao`; not
/// `k50`, `a54`): a word written in leetspeak, for [`Written::leety`].
/// So is a consonant cluster that leads a syllable and one leetspeak vowel
/// digit (`nh4`, `kh0`, `th1`: `nha`, `kho`, `thi`; not `m4`, `b1`, which
/// codes are too).
fn leet_ending(b: &[u8]) -> bool {
    let digits = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let letters = b.len() - digits;
    (digits >= 2 || digits == 1 && split_initial(&b[..letters]))
        && letters >= 1
        && b[..letters].iter().all(u8::is_ascii_lowercase)
        && reads_syllable(b, false)
}

/// Whether `word` (three to eight characters) reads one syllable with each
/// of its digits, all leetspeak digits, a letter (`713n` → `tien`, `7h47`
/// → `that`; not `30p`, `100k`).
fn leet_syllable(word: &[char]) -> bool {
    word.len() >= 3 && with_bytes(word.iter().copied(), |w| reads_syllable(w, false))
}

/// `test` of the characters `word` as bytes, when they are at most eight
/// and all one byte; else false.
fn with_bytes(word: impl ExactSizeIterator<Item = char>, test: impl FnOnce(&[u8]) -> bool) -> bool {
    let mut w = [0u8; 8];
    let n = word.len();
    if n > w.len() {
        return false;
    }
    for (o, c) in w.iter_mut().zip(word) {
        let Ok(c) = u8::try_from(c) else {
            return false;
        };
        *o = c;
    }
    test(&w[..n])
}

/// Whether `w`, at most eight characters, reads one syllable with each of
/// them its letter in leetspeak ([`leet_letter`]); `9` and `! @ $` only
/// when `all`.
fn reads_syllable(w: &[u8], all: bool) -> bool {
    if w.len() > 8 {
        return false;
    }
    let mut word = [0u8; 8];
    for (o, &c) in word.iter_mut().zip(w) {
        let l = match c {
            b'9' | b'!' | b'@' | b'$' if !all => None,
            c => leet_letter(c),
        };
        let Some(l) = l else {
            return false;
        };
        *o = l;
    }
    is_syllable(&word[..w.len()])
}

/// Whether `word`, an amount's shape with `letters` letters at its end,
/// may be leetspeak in a text written so: its digits all leetspeak, one of
/// them a vowel (`0 1 3 4`), and its letters no unit of an amount, a
/// quantity or a time (`k tr d h p m g gb mb kb km kg cm mm ml l x s t ty n
/// th`): `74c`; not `30k`, `15tr`, `10h`, `50m`.
fn leet_shaped(word: &[char], letters: usize) -> bool {
    let (digits, unit) = word.split_at(word.len() - letters);
    digits.iter().all(|&c| is_leet_digit(c))
        && digits.iter().any(|c| matches!(c, '0' | '1' | '3' | '4'))
        && !unit.is_empty()
        && !is_unit(unit)
}

/// Whether `unit` is a unit of an amount, a quantity or a time (`k tr d h
/// p m g gb mb kb km kg cm mm ml l x s t ty n th vnd usd`), its letters drawn out
/// or not (`kk`, `ttrrr`).
fn is_unit(unit: &[char]) -> bool {
    // Drawn out as words are (`50kk`, `1ttrrr`, `4GG`): runs of one letter
    // count once.
    let mut once = ['\0'; 3];
    let mut n = 0;
    for &c in unit {
        if n > 0 && once[n - 1] == c {
            continue;
        }
        match once.get_mut(n) {
            Some(o) => *o = c,
            None => return false,
        }
        n += 1;
    }
    matches!(
        &once[..n],
        ['k' | 'd' | 'h' | 'p' | 'm' | 'g' | 'l' | 'x' | 's' | 't' | 'n']
            | ['t', 'r' | 'y' | 'h']
            | ['g' | 'm' | 'k', 'b']
            | ['k', 'm' | 'g']
            | ['c' | 'm', 'm']
            | ['m', 'l']
            | ['v', 'n', 'd']
            | ['u', 's', 'd']
    )
}

/// The letter that `c` is in leetspeak: itself for `a-z`; `0`→o, `1`→i,
/// `3`→e, `4`→a, `5`→s, `7`→t, `8`→b, `9`→g, `@`→a, `$`→s, `!`→i; `None`
/// for anything else (`2`, `6`).
fn leet_letter(c: u8) -> Option<u8> {
    Some(match c {
        b'a'..=b'z' => c,
        b'0' => b'o',
        b'1' | b'!' => b'i',
        b'3' => b'e',
        b'4' | b'@' => b'a',
        b'5' | b'$' => b's',
        b'7' => b't',
        b'8' => b'b',
        b'9' => b'g',
        _ => return None,
    })
}

/// A digit that leetspeak reads as a letter: `0`→o, `1`→i, `3`→e, `4`→a,
/// `5`→s, `7`→t, `8`→b.
fn is_leet_digit(c: char) -> bool {
    matches!(c, '0' | '1' | '3' | '4' | '5' | '7' | '8')
}

/// The acronyms that scam texts write in leetspeak and that no other rule
/// reads, their letters making no Vietnamese syllable (step 5): `OTP`,
/// written `O7P`, `07P` (a `7` after an `o` is otherwise VNI's mark of
/// `ơ`, and a number led by `0` and a `7` stays a number); the insurance
/// funds `BHXH`, `BHYT`, `BHTN` (`8HXH`), the driving licence `GPLX` and
/// `CTV`, a collaborator (`C7V`).
const LEET_ACRONYMS: [&[u8]; 6] = [b"otp", b"bhxh", b"bhyt", b"bhtn", b"gplx", b"ctv"];

/// The loanwords and acronyms that the second reading of a text written
/// in leetspeak reads though they are no Vietnamese syllable
/// ([`second_word`]; as a word of their letters reads: `app` and `visa`
/// are the syllables `ap` and `via`): their leetspeak forms read otherwise
/// in the first (`g4m3` → `gam`, `c01n` → `con`, VNI tones) or stay
/// numbers (`57k`, `7ncn`, `351m`). Read as their letters spell them
/// (`351m` → `esim`, where a Telex tone would make `eim`).
const SECOND_WORDS: [&[u8]; 13] = [
    b"bitcoin", b"coin", b"crypto", b"esim", b"game", b"sale", b"sdt", b"sh", b"stk", b"tk",
    b"tncn", b"usdt", b"zalo",
];

/// Whether the token `t` (of a folded text) reads a word in the second
/// reading of a text written in leetspeak
/// ([`RobustBuf::build_second_reading`]), which it then leaves in `norm`
/// (`word` is scratch): `t` is two to eight letters `a-z`, leetspeak
/// digits, `9` and leet symbols `@ $ !`, with a digit, and, with every
/// digit and symbol a letter ([`leet_letter`]; a leading `9` before `u` a
/// `q`, a `6` after `n` a `g`) and then read as a word of letters is
/// ([`normalize_word`]: runs collapsed, Telex tones dropped), one
/// syllable or one of [`SECOND_WORDS`]: `81` → `bi`, `80` → `bo`, `40` →
/// `ao`, `9141` → `giai`, `7h30` → `theo`, `81j` → `bi`, `8400` → `bao`,
/// `g4m3` → `game`, `57kkk` → `stk`; not `18`, `5tr`, `sv388`, nor an
/// amount in money that reads a syllable (`500k`, `50d`).
fn second_word(t: &[u8], word: &mut Vec<char>, norm: &mut Vec<u8>) -> bool {
    let n = t.len();
    if !(2..=8).contains(&n) || !t.iter().any(u8::is_ascii_digit) {
        return false;
    }
    word.clear();
    for (k, &c) in t.iter().enumerate() {
        let before = k.checked_sub(1).and_then(|p| t.get(p));
        let l = match c {
            // `9u` leading a word is `qu` (`9uy` → `quy`, `9ua` → `qua`).
            b'9' if k == 0 && t.get(1) == Some(&b'u') => b'q',
            // `11` leading a word before a letter is `li` (`11en`).
            b'1' if k == 0
                && t.get(1) == Some(&b'1')
                && t.get(2).is_some_and(u8::is_ascii_lowercase) =>
            {
                b'l'
            }
            // A `6` after an `n` is `g` (`n6ay` → `ngay`, `cun6` → `cung`):
            // VNI puts its `6` after a vowel.
            b'6' if before == Some(&b'n') => b'g',
            b'2' | b'6' => return false,
            c => match leet_letter(c) {
                Some(l) => l,
                None => return false,
            },
        };
        word.push(char::from(l));
    }
    // A listed word as its letters spell it, which normalising would
    // change (`351m` → `esim`, not the Telex `eim`).
    let mut letters = [0u8; 8];
    for (o, &c) in letters.iter_mut().zip(word.iter()) {
        *o = c as u8;
    }
    if let Some(&w) = SECOND_WORDS.iter().find(|&&w| w == &letters[..n]) {
        norm.clear();
        norm.extend_from_slice(w);
        return true;
    }
    normalize_word(word, false, false, false, norm);
    if let Some((l, _)) = loan_letters(word) {
        // A loanword stays one (`v1544` → `visa`).
        norm.clear();
        norm.extend_from_slice(l);
        return true;
    }
    let mut listed = SECOND_WORDS.contains(&norm.as_slice());
    // A `1` may be an `l` (`101` → `loi`, `z410` → `zalo`): the first
    // that makes the word one.
    if !listed && !is_syllable(norm) {
        let ones = t
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c == b'1')
            .map(|(k, _)| k);
        for k in ones.take(2) {
            word[k] = 'l';
            normalize_word(word, false, false, false, norm);
            listed = SECOND_WORDS.contains(&norm.as_slice());
            if listed || is_syllable(norm) {
                break;
            }
            word[k] = 'i';
        }
        if !listed && !is_syllable(norm) {
            normalize_word(word, false, false, false, norm);
        }
    }
    // An amount in money stays one (`500k` is no `soc`, `5tr` no `str`):
    // a regex may want it beside words only this reading has.
    let digits = t.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut unit = [0u8; 3];
    let mut u = 0;
    for &c in &t[digits..] {
        if u > 0 && unit[u - 1] == c {
            continue;
        }
        if u == unit.len() || !c.is_ascii_lowercase() {
            u = usize::MAX;
            break;
        }
        unit[u] = c;
        u += 1;
    }
    let money = digits > 0
        && matches!(
            unit.get(..u),
            Some(b"k" | b"tr" | b"ty" | b"d" | b"vnd" | b"usd")
        );
    listed || !money && is_syllable(norm)
}

/// Whether the token `word`, read as a word, counts towards a second
/// reading ([`RobustBuf::build_second_reading`]): it holds a digit and is
/// no code of one letter and one digit (`M4`, `B1`, `A2`, which the first
/// reading reads `ma`, `bi`, `a` but a car or a licence class writes).
fn counts_read(word: &[char]) -> bool {
    word.len() > 2 && word.iter().any(char::is_ascii_digit)
}

/// Where the token `t` is an amount whose unit `tr` (triệu) or `ty` (tỷ)
/// has its `t` written `7`: digits, then `7r` or `7y`, then digits or
/// nothing (`57r`, `5007r`, `17r2` for `5tr`, `500tr`, `1tr2`); the
/// position of that `7`. Read so in the second reading
/// ([`RobustBuf::build_second_reading`]).
fn leet_unit(t: &[u8]) -> Option<usize> {
    let k = t.iter().position(|c| !c.is_ascii_digit())?;
    let (unit, rest) = (t.get(k.checked_sub(1)?..k + 1)?, t.get(k + 1..)?);
    (k >= 2 && matches!(unit, [b'7', b'r' | b'y']) && rest.iter().all(u8::is_ascii_digit))
        .then_some(k - 1)
}

/// Whether `b` from `at` spells out one of [`SPELLED_TLDS`] one letter at
/// a time, one splitter of `- . _ * ~` between them, and ends the host
/// there (`t-o-p`, `a.p.k`, `s*i*t*e` before white space or the end).
fn spelled_tld(b: &[u8], at: usize) -> bool {
    let letter = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'@' | b'!' | b'$');
    let mut w = [0u8; 8];
    let (mut n, mut k, mut splitter) = (0, at, None);
    while let Some(&c) = b.get(k).filter(|&&c| letter(c)) {
        if b.get(k + 1).is_some_and(|&d| letter(d)) || n == w.len() {
            return false;
        }
        w[n] = c;
        n += 1;
        k += 1;
        match b.get(k) {
            Some(&d @ (b'-' | b'.' | b'_' | b'*' | b'~'))
                if splitter.is_none_or(|s| s == d) && b.get(k + 1).is_some_and(|&e| letter(e)) =>
            {
                splitter = Some(d);
                k += 1;
            }
            _ => break,
        }
    }
    let end = b
        .get(k)
        .is_none_or(|c| c.is_ascii_whitespace() || matches!(c, b',' | b'/' | b')'));
    for c in &mut w[..n] {
        *c = leet_letter(*c).unwrap_or(*c);
    }
    n >= 3 && end && SPELLED_TLDS.contains(&&w[..n])
}

/// The top-level domains (and `apk`) that [`spelled_tld`] reads spelled
/// out: those of scam links; a word spelled out ends in many others
/// (`n.g.a.y`: `.gay`).
const SPELLED_TLDS: [&[u8]; 18] = [
    b"apk", b"asia", b"biz", b"cc", b"club", b"com", b"icu", b"info", b"link", b"net", b"online",
    b"org", b"shop", b"site", b"store", b"top", b"vip", b"xyz",
];

/// Whether the token `t` (of a folded text) reads a top-level domain
/// ([`super::links::is_tld`]) or `apk`, its leetspeak digits and `@`
/// letters and its letters drawn out or not (`top`, `t0p`, `toppp`, `@pk`,
/// `c0m`).
fn tld_token(t: &[u8]) -> bool {
    let mut w = [0u8; 12];
    if !(2..=w.len()).contains(&t.len()) {
        return false;
    }
    for (o, &c) in w.iter_mut().zip(t) {
        match leet_letter(c) {
            Some(l) => *o = l,
            None => return false,
        }
    }
    let w = &mut w[..t.len()];
    // And `apk`, an Android package, as scam links name them.
    let tld = |w: &[u8]| w == b"apk" || std::str::from_utf8(w).is_ok_and(super::links::is_tld);
    if tld(w) {
        return true;
    }
    let mut n = 0;
    for k in 0..w.len() {
        if n == 0 || w[n - 1] != w[k] {
            w[n] = w[k];
            n += 1;
        }
    }
    n < t.len() && tld(&w[..n])
}

/// `test` of the ASCII token `t` as characters (at most 8; `false` past).
fn with_chars(t: &[u8], test: impl FnOnce(&[char]) -> bool) -> bool {
    let mut w = ['\0'; 8];
    if t.len() > w.len() {
        return false;
    }
    for (o, &b) in w.iter_mut().zip(t) {
        *o = char::from(b);
    }
    test(&w[..t.len()])
}

/// The acronym of [`LEET_ACRONYMS`] that `word`, holding a digit, reads
/// with its digits read as leetspeak letters ([`leet_letter`]).
fn leet_acronym(word: &[char]) -> Option<&'static [u8]> {
    if word.len() > 4 || !word.iter().any(char::is_ascii_digit) {
        return None;
    }
    LEET_ACRONYMS.iter().copied().find(|a| {
        a.len() == word.len()
            && a.iter()
                .zip(word)
                .all(|(&l, &c)| u8::try_from(c).ok().and_then(leet_letter) == Some(l))
    })
}

/// Whether the token `word` may read differently marked (step 5): it has
/// a letter, and a digit that may be a VNI mark unmarked (a final `1`–`9`,
/// an inner `6`–`9`) or, leading it, a leetspeak digit (or a `9` before
/// letters and leetspeak digits: `9ửi`, `91ảm`) that only a marked word
/// reads as a letter. Most tokens with digits (`100k`, `v4y`, `t1en`)
/// need not ask the written text.
fn mark_matters(word: &[char]) -> bool {
    let rest = word.get(1..).unwrap_or(&[]);
    let vni = word.last().is_some_and(|c| ('1'..='9').contains(c))
        || rest.iter().any(|c| ('6'..='9').contains(c))
        || (1..word.len()).any(|i| inner_vni_tone(word, i, true));
    let led = word.first().is_some_and(|&c| is_leet_digit(c))
        && rest
            .iter()
            .all(|&c| c.is_ascii_lowercase() || is_leet_digit(c) || LEET_SYMBOLS.contains(&c))
        && !leet_led(word, false, || false)
        // `9` before letters and leetspeak digits (`9ửi`, `91ảm`; not
        // `99k`).
        || word.first() == Some(&'9')
            && rest.len() >= 2
            && rest.iter().all(|&c| c.is_ascii_lowercase() || is_leet_digit(c));
    word.iter().any(char::is_ascii_lowercase) && (vni || led)
}

/// Whether `word` is an amount written with the letter `o` for the digit
/// `0`: a digit `1`–`9`, then digits and `o` (an `o` among them), then a
/// unit ([`is_unit`]) or none, the `o` shown a digit by a unit after the
/// number or by another `o` (`5ok`, `6ook`, `3oook`, `1o8k`, `5oo`; not
/// `5o`, `7oi`, `9o1`, which is `goi`, nor `1ok`, one `ok`).
fn zeros_as_letters(word: &[char]) -> bool {
    let Some((&first, rest)) = word.split_first() else {
        return false;
    };
    if !matches!(first, '1'..='9') {
        return false;
    }
    let body = rest
        .iter()
        .position(|&c| c != 'o' && !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, unit) = rest.split_at(body);
    let zeros = digits.iter().filter(|&&c| c == 'o').count();
    if zeros == 0 || !(unit.is_empty() || is_unit(unit) || unit == ['d', '9']) {
        return false;
    }
    // `1ok`: the word `ok` after a count, not `10k`.
    let ok = first == '1' && digits == ['o'] && unit == ['k'];
    !ok && (zeros >= 2 || !unit.is_empty())
}

/// Step 4 for an amount written with `o` for `0` ([`zeros_as_letters`]):
/// [`number`] with the `o` read `0` (`5ok` → `50k`, `6ook` → `600k`).
fn zero_amount(word: &[char], out: &mut Vec<u8>) -> bool {
    if !zeros_as_letters(word) {
        return false;
    }
    out.clear();
    out.extend(word.iter().map(|&c| if c == 'o' { b'0' } else { c as u8 }));
    if vni_dong(Some(out)) {
        out.pop();
    }
    collapse(out);
    true
}

/// Step 4 for a numeric token that is no word (`100kkk` → `100k`): kept as
/// written but for runs of one letter, which collapse, and a final `d9`
/// after digits, VNI for `đ`, which is `d` (`50.000d9` → `50.000d`).
fn number(word: &[char], out: &mut Vec<u8>) {
    out.clear();
    out.extend(word.iter().map(|&c| c as u8));
    if vni_dong(Some(out)) {
        out.pop();
    }
    collapse(out);
}

/// Whether the VNI key `d` has a letter to mark in `w`: `6` (â ê ô) an `a`,
/// `e` or `o`; `7` (ơ ư) an `o` or `u`; `8` (ă) an `a`; `9` (đ) a `d`;
/// tones `1`–`5` any (`bi37`, `m@7`: no VNI, leetspeak), but for `2 3 4`
/// (huyền, hỏi, ngã), which no syllable ending in `c ch p t` takes (`s1t3`
/// is `site`, not `sỉt`).
fn vni_fits(d: u8, w: &[u8]) -> bool {
    let has = |set: &[u8]| w.iter().any(|c| set.contains(c));
    match d {
        b'6' => has(b"aeo"),
        b'7' => has(b"ou"),
        b'8' => has(b"a"),
        b'9' => has(b"d"),
        b'2'..=b'4' => !matches!(w, [.., b'c' | b'p' | b't'] | [.., b'c', b'h']),
        _ => true,
    }
}

/// Whether `w` (ASCII) has a vowel `a e i o u y` that is not the `u` of a
/// leading `qu` (`qu4` is `qua` in leetspeak: `qu` takes no tone alone).
fn has_vowel(w: &[u8]) -> bool {
    w.iter()
        .enumerate()
        .any(|(i, &c)| is_vowel(c) && !(i == 1 && c == b'u' && w[0] == b'q'))
}

/// The tokens `i`, `i + 2`, … `end` of `items` (a spelled-out run of `s`)
/// written together, when that makes at most eight bytes: the bytes and
/// how many.
fn run_bytes(s: &str, items: &[Item], i: usize, end: usize) -> Option<([u8; 8], usize)> {
    let (mut w, mut n) = ([0u8; 8], 0);
    for k in (i..=end).step_by(2) {
        if let Some(Item::Token(ta, tb)) = items.get(k) {
            for &c in s.as_bytes().get(*ta..*tb).unwrap_or_default() {
                *w.get_mut(n)? = c;
                n += 1;
            }
        }
    }
    Some((w, n))
}

fn token_at(items: &[Item], k: usize) -> Option<(usize, usize)> {
    match items.get(k) {
        Some(Item::Token(a, b)) => Some((*a, *b)),
        _ => None,
    }
}

/// Step 5 of the module docs, for a word token (`a-z 0-9 @ $ €`, first
/// character not a digit), into `out` (ASCII). `marked`: the word was
/// written with a marked letter (`giả1`, `khó4`), so it is not VNI-typed
/// and each of its digits is leetspeak. `accented`: the text around it
/// was written with marked letters (two words or more), so a final digit
/// that makes a syllable's last vowel is leetspeak ([`leet_final`]: `cu4`).
/// `vni`: the text is typed in VNI ([`Written::vni_typed`]), so such a
/// digit stays a tone, and so does a `3` in `i3u` ([`inner_vni_tone`]).
pub(crate) fn normalize_word(
    word: &[char],
    marked: bool,
    accented: bool,
    vni: bool,
    out: &mut Vec<u8>,
) {
    // Letters ending in a number (`sv388`, `vip88`, `$v388`): kept, as
    // numbers are.
    if brand_number(word) {
        number(word, out);
        if let Some(s) = out.first_mut().filter(|s| **s == b'$') {
            *s = b's';
        }
        return;
    }
    out.clear();
    // Digits typed at the end of the word are VNI marks when they could be:
    // at most three of `1`-`9`, at most one tone `1`-`5`, after a part that
    // has a vowel.
    let tail = word.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let body = word.len() - tail;
    let tail_digits = word.get(body..).unwrap_or(&[]);
    let tail_may_be_vni = !marked
        && (1..=3).contains(&tail)
        && tail_digits.iter().all(|c| ('1'..='9').contains(c))
        && tail_digits
            .iter()
            .filter(|c| ('1'..='5').contains(*c))
            .count()
            <= 1;
    // Unless the word already reads a digit as a letter and those at the
    // end can be read so too (`g1a1`: leetspeak, not a VNI tone; `c0d3`
    // is `code`), but for a word that reads one syllable only without them
    // (`b@o3` is VNI `bảo`, `baoe` being none).
    let tail_leet = tail_digits
        .iter()
        .all(|c| matches!(c, '1' | '3' | '4' | '5' | '7' | '8' | '9'));
    // In an accented text a final digit that makes a syllable's last
    // vowel is leetspeak (`cu4`), but in one typed in VNI too (`vni`:
    // `Ta8ng ... nho3` is `nhỏ`).
    let tail_may_be_vni = tail_may_be_vni && !(accented && !vni && leet_final(word, body));
    let mut leet_inside = false;
    let mut after_vni = false;
    let mut vni_tail = false;
    for (i, &c) in word.iter().enumerate() {
        if i == body
            && tail_may_be_vni
            && !(leet_inside
                && tail_leet
                && (with_bytes(word.iter().copied(), |w| reads_syllable(w, true))
                    || !with_bytes(word[..body].iter().copied(), |w| reads_syllable(w, true))))
            && has_vowel(out)
            && tail_digits.iter().all(|&d| vni_fits(d as u8, out))
        {
            vni_tail = true;
            break;
        }
        leet_inside |= LEET_SYMBOLS.contains(&c);
        let b = match c {
            '@' => b'a',
            '$' => b's',
            '€' => b'e',
            '!' => b'i',
            c if c.is_ascii_lowercase() => c as u8,
            c if c.is_ascii_digit() => {
                let d = c as u8;
                let prev = out.last().copied();
                let vni = !marked
                    && match d {
                        b'6'..=b'9' => prev.is_some_and(|p| vni_fits(d, &[p])),
                        b'1'..=b'5' => after_vni || inner_vni_tone(word, i, vni),
                        _ => false,
                    };
                if vni {
                    after_vni = true;
                    continue;
                }
                leet_inside |= !matches!(d, b'2' | b'6');
                leet_letter(d).unwrap_or(d)
            }
            _ => continue,
        };
        after_vni = false;
        out.push(b);
    }
    collapse(out);
    // Telex `w`: after a, o, u it marks the vowel; elsewhere it is `ư`,
    // also leading a word with no other vowel than `u` (`wu` is `ưu`; not
    // `web`, `wow`).
    if out.first() == Some(&b'w')
        && out.len() >= 2
        && !out
            .iter()
            .any(|c| matches!(c, b'a' | b'e' | b'i' | b'o' | b'y'))
    {
        out[0] = b'u';
    }
    let mut w = 0;
    // Whether a `w` marked a vowel: the word was typed in Telex.
    let mut marked_w = false;
    for r in 0..out.len() {
        let b = out[r];
        if b == b'w' && w > 0 {
            let p = out[w - 1];
            if matches!(p, b'a' | b'o' | b'u') {
                marked_w = true;
                continue;
            }
            if p.is_ascii_lowercase() {
                out[w] = b'u';
                w += 1;
                continue;
            }
        }
        out[w] = b;
        w += 1;
    }
    out.truncate(w);
    collapse(out);
    // A tone ends a word of three letters or more (`as`, `is`, `or` are
    // words), or of two after a `w` that marked its vowel (`owr` is `ở`).
    let letters = out.iter().filter(|b| b.is_ascii_lowercase()).count();
    if letters >= 3 || letters == 2 && marked_w {
        if let [.., p, last] = out.as_slice() {
            let tone = matches!(last, b's' | b'f' | b'r' | b'x' | b'j');
            let before =
                is_vowel(*p) || matches!(p, b'c' | b'h' | b'm' | b'n' | b'p' | b't' | b'g');
            if tone && before {
                out.pop();
            } else if let Some(k) = inner_tone(out) {
                out.remove(k);
                // `tiefen`: the letters around the tone meet.
                collapse(out);
            }
        }
    }
    // An English word's final `e` (`cod3`, `siz3`, `lik3`, `onlin3`): one
    // `3` after letters, the last a consonant, that are no syllable.
    // Not in a text typed in VNI (`vni`: `khoan3` is `khoản`).
    let final_e = !vni && final_e_shape(word);
    if vni_tail
        && tail_leet
        && !is_syllable(out)
        && (final_e || out.get(1..).is_some_and(|t| t.contains(&b'l')))
    {
        // A VNI tone after what is no syllable, or one that only an `l`
        // read `i` makes one (`sal3`: `sải`), is a guess too many: its
        // digits are leetspeak (`code`, `size`, `like`, `sale`).
        return normalize_word(word, true, accented, vni, out);
    }
    l_for_i(out);
    // A leading `1` for `l`: `1àm` is `lam`, where `iam` is no syllable;
    // and a leading `11` before a letter for `li` (`11ên` → `lien`).
    if word.first() == Some(&'1') && out.first() == Some(&b'i') && !is_syllable(out) {
        out[0] = b'l';
        if !is_syllable(out) {
            out[0] = b'i';
        }
    } else if matches!(word, ['1', '1', c, ..] if c.is_alphabetic()) && out.first() == Some(&b'i') {
        out.insert(0, b'l');
        if !is_syllable(out) {
            out.remove(0);
        }
    }
    if teen_word(out) {
        teencode(out);
    }
}

/// Step 5, last: Vietnamese teencode, the letters that Vietnamese spelling
/// never writes there, read where the word then reads one syllable: a
/// leading `f` is `ph` (`fí` → `phi`), `j` before a vowel `gi` (`ja` →
/// `gia`, `ji` → `gi`), `z` `d` (`zon` → `don`), `k` before `a u` `c`
/// (`kan` → `can`; not before `o`: `ko`, `kông` are `không` as often as
/// `có`), `w` before `a e o y` `qu` (`wa` → `qua`) and before `u` and a
/// vowel `q` (`wuy` → `quy`); a `j` second, third
/// or fourth, between a consonant and a vowel, is `i` (`tjen` → `tien`); a final `k`
/// after a vowel is `c`, `ck` `ch` (`trựk` → `truc`, `ok` → `oc`). `zalo`,
/// `tiktok`, `free` and `web` read no syllable so and stay.
#[inline(never)]
fn teencode(out: &mut Vec<u8>) {
    let mut w = [0u8; 12];
    let mut n = 0;
    let mut put = |b: u8| {
        if let Some(slot) = w.get_mut(n) {
            *slot = b;
        }
        n += 1;
    };
    let vowel_at = |k: usize| out.get(k).is_some_and(|&c| is_vowel(c));
    let last = out.len().saturating_sub(1);
    for (k, &c) in out.iter().enumerate() {
        match c {
            b'f' if k == 0 && vowel_at(1) => {
                put(b'p');
                put(b'h');
            }
            b'j' if k == 0 && out.get(1) == Some(&b'i') => put(b'g'),
            b'j' if k == 0 && vowel_at(1) => {
                put(b'g');
                put(b'i');
            }
            b'j' if (1..=3).contains(&k) && !is_vowel(out[k - 1]) && vowel_at(k + 1) => put(b'i'),
            b'z' if k == 0 && vowel_at(1) => put(b'd'),
            b'k' if k == 0 && matches!(out.get(1), Some(b'a' | b'u')) => put(b'c'),
            b'w' if k == 0 && matches!(out.get(1), Some(b'a' | b'e' | b'o' | b'y')) => {
                put(b'q');
                put(b'u');
            }
            // `wuy`: the `w` for the `q` alone.
            b'w' if k == 0 && out.get(1) == Some(&b'u') && vowel_at(2) => put(b'q'),
            b'c' if k + 1 == last && out[last] == b'k' && k > 0 && is_vowel(out[k - 1]) => {
                put(b'c');
                put(b'h');
            }
            b'k' if k == last && k > 0 && out[k - 1] == b'c' && k >= 2 && is_vowel(out[k - 2]) => {}
            b'k' if k == last && k > 0 && is_vowel(out[k - 1]) => put(b'c'),
            _ => put(c),
        }
    }
    if let Some(read) = w.get(..n).filter(|r| is_syllable(r)) {
        out.clear();
        out.extend_from_slice(read);
    }
}

/// Whether `w` has a letter that [`teencode`] may read: a leading `f j z`
/// before a vowel, `k` before `a u`, `w` before `a e o y` or `u` and a
/// vowel, a `j` second,
/// third or fourth, or a final `k`. The quick test of a simple text asks
/// it of every word: a few comparisons, no loop.
#[inline(never)]
fn teen_word(w: &[u8]) -> bool {
    let [first, second, ..] = w else {
        return false;
    };
    let at = |k: usize| w.get(k).copied();
    match first {
        b'f' | b'j' | b'z' if is_vowel(*second) => true,
        b'k' if matches!(second, b'a' | b'u') => true,
        b'w' if matches!(second, b'a' | b'e' | b'o' | b'y') => true,
        b'w' if *second == b'u' && at(2).is_some_and(is_vowel) => true,
        _ => {
            *second == b'j'
                || at(2) == Some(b'j')
                || at(3) == Some(b'j')
                || at(w.len() - 1) == Some(b'k')
        }
    }
}

/// The loanwords that step 3 keeps as they are: read as Telex or with
/// their double letter collapsed, each would be a common Vietnamese
/// syllable (`taxi` → `tai`, as `tài`; `app` → `ap`, as `ấp`), so a
/// signature naming one would match that syllable. The first
/// [`TELEX_LOANWORDS`] are also how Telex types a common word (`sex` for
/// `sẽ`, `max` for `mã`): kept only in a text not typed in Telex.
const LOANWORDS: [&[u8]; 10] = [
    b"max", b"mix", b"sex", b"tax", b"app", b"apps", b"box", b"boss", b"taxi", b"visa",
];
const TELEX_LOANWORDS: usize = 4;
/// The length of the longest of [`LOANWORDS`].
const LONGEST_LOANWORD: usize = {
    let (mut k, mut n) = (0, 0);
    while k < LOANWORDS.len() {
        if LOANWORDS[k].len() > n {
            n = LOANWORDS[k].len();
        }
        k += 1;
    }
    n
};

/// The loanword of [`LOANWORDS`] that the token `word` is, its leetspeak
/// digits and symbols read as letters, drawn out or not (`s3x`, `v1$@`,
/// `4pp`, `sexxx`; a letter at least: `8055` stays a number), and whether it is one of the first
/// [`TELEX_LOANWORDS`].
pub(crate) fn loan_letters(word: &[char]) -> Option<(&'static [u8], bool)> {
    let mut w = [0u8; 12];
    // A number is none (`8055` is no `boss`).
    if !(3..=w.len()).contains(&word.len()) || !word.iter().any(char::is_ascii_lowercase) {
        return None;
    }
    for (o, &c) in w.iter_mut().zip(word) {
        *o = u8::try_from(c).ok().and_then(leet_letter)?;
    }
    let w = &w[..word.len()];
    let collapsed = |x: &[u8], out: &mut [u8; 12]| {
        let mut n = 0;
        for &b in x {
            if n == 0 || out[n - 1] != b {
                out[n] = b;
                n += 1;
            }
        }
        n
    };
    let (mut c, mut lc) = ([0u8; 12], [0u8; 12]);
    let n = collapsed(w, &mut c);
    // Most words are longer, drawn letters once, than every loanword, or
    // start with a letter none starts with: no match then.
    if n > LONGEST_LOANWORD || !LOANWORDS.iter().any(|l| l.first() == w.first()) {
        return None;
    }
    LOANWORDS
        .iter()
        .position(|l| {
            *l == w
                || w.len() > l.len() && {
                    let m = collapsed(l, &mut lc);
                    lc[..m] == c[..n]
                }
        })
        .map(|k| (LOANWORDS[k], k < TELEX_LOANWORDS))
}

/// Whether `word` is letters, the last a consonant, then one `3`: an
/// English word's final `e` (`cod3`), or a VNI tone in a text typed in
/// VNI.
fn final_e_shape(word: &[char]) -> bool {
    matches!(word, [head @ .., c, '3']
        if !is_vowel(*c as u8) && head.iter().chain([c]).all(char::is_ascii_lowercase))
}

/// Step 5, last: an `l` after the first letter of a word that is no
/// syllable is an `i` when the word reads as one syllable so (`tlen` →
/// `tien`, `nghlep` → `nghiep`, `tal` → `tai`; not `email`, `online`):
/// Vietnamese writes `l` only leading a syllable.
fn l_for_i(out: &mut [u8]) {
    let inner = |out: &[u8]| out.get(1..).is_some_and(|t| t.contains(&b'l'));
    if out.len() > 8 || !inner(out) || is_syllable(out) {
        return;
    }
    let mut ls = 0u8; // which bytes were `l` (at most 8)
    for (k, b) in out.iter_mut().enumerate().skip(1) {
        if *b == b'l' {
            *b = b'i';
            ls |= 1 << k;
        }
    }
    if !is_syllable(out) {
        for (k, b) in out.iter_mut().enumerate() {
            if ls & 1 << k != 0 {
                *b = b'l';
            }
        }
    }
}

/// Whether the gap `g` may split a syllable (step 3): one or more of `. -
/// _ * ~ ' | +` and non-ASCII symbols, without white space.
fn is_splitter_gap(g: &str) -> bool {
    !g.is_empty()
        && g.chars().all(|c| match c {
            '.' | '-' | '_' | '*' | '~' | '\'' | '·' | '•' | '|' | '+' => true,
            c if c.is_ascii() => false,
            c => is_pictograph(c) || !c.is_alphanumeric() && !c.is_whitespace(),
        })
}

/// Step 0 (docs/matching.md): reads in the written text `w`, one after the
/// other, the dots and schemes hidden in its links
/// ([`crate::content::links::unhide`]), its look-alike capitals
/// ([`look_alike_capitals`]), letters drawn in symbols
/// ([`symbol_letters`]), letters written as typographic symbols
/// ([`symbol_look_alikes`]) and symbols glued inside its words
/// ([`glued_symbols`]; `all` and `left` as there), into `out`; `false`
/// (and `out` to be ignored) when it reads none of them.
fn step_zero(w: &str, out: &mut String, all: bool, left: &mut bool) -> bool {
    // One pass says which of the readings below may find anything: most
    // texts have none of the bytes they look for but an `x`.
    let marks = zero_marks(w.as_bytes());
    // Dots and schemes hidden in a link (`acb-vn(.)top`, `hxxp`), rare.
    let mut unhidden = String::new();
    let w = if marks & Z_HIDE != 0 && crate::content::links::unhide(w, &mut unhidden) {
        unhidden.as_str()
    } else {
        w
    };
    let mut read = look_alike_capitals(w, out) || !unhidden.is_empty();
    if read && out.is_empty() {
        out.push_str(w);
    }
    // Letters drawn in symbols (`|<#0ản`, `|\|`), rare: most texts have
    // none of `| # ( \ > +` (unhiding adds none).
    if marks & Z_DRAW != 0 && may_draw_letters(w) {
        let mut drawn = String::new();
        if symbol_letters(if read { out.as_str() } else { w }, &mut drawn) {
            *out = drawn;
            read = true;
        }
    }
    // Letters written as typographic symbols (`†h0n6`), rarer.
    // (A text read above is looked at again whole.)
    let mut typo = String::new();
    if (read || marks & Z_SYMBOL != 0)
        && symbol_look_alikes(if read { out.as_str() } else { w }, &mut typo)
    {
        *out = typo;
        read = true;
    }
    // Symbols glued inside a word (`nga⚡yf`), rare: most texts have no
    // emoji.
    let mut glued = String::new();
    if (read || marks & Z_GLUED != 0)
        && glued_symbols(if read { out.as_str() } else { w }, &mut glued, all, left)
    {
        *out = glued;
        read = true;
    }
    read
}

/// The [`ZERO_MARKS`] of every byte of `w`, or-ed: in four lanes, so that
/// the bytes' table reads are not each kept waiting on the `or` before.
fn zero_marks(w: &[u8]) -> u8 {
    let mark = |b: u8| ZERO_MARKS[usize::from(b)];
    let mut lanes = [0u8; 4];
    let blocks = w.chunks_exact(4);
    let rest = blocks.remainder();
    for b in blocks {
        for (m, &x) in lanes.iter_mut().zip(b) {
            *m |= mark(x);
        }
    }
    rest.iter().fold(0, |m, &x| m | mark(x)) | lanes.iter().fold(0, |m, &x| m | x)
}

/// What [`step_zero`] may read, by the bytes of the written text that
/// each reading looks for: [`may_draw_letters`]'s symbols (`Z_DRAW`), the
/// brackets and `x` of a hidden dot or scheme ([`unhide`](crate::content::links::unhide): `Z_HIDE`), the
/// first bytes of the typographic symbols ([`symbol_look_alikes`]:
/// `Z_SYMBOL`) and of emoji ([`glued_symbols`]: `Z_GLUED`).
const Z_DRAW: u8 = 1;
const Z_HIDE: u8 = 2;
const Z_SYMBOL: u8 = 4;
const Z_GLUED: u8 = 8;

static ZERO_MARKS: [u8; 256] = {
    let mut t = [0u8; 256];
    let draw: &[u8] = b"|#(\\>+}^`";
    let mut k = 0;
    while k < draw.len() {
        t[draw[k] as usize] |= Z_DRAW;
        k += 1;
    }
    let hide: &[u8] = b"[({xX";
    let mut k = 0;
    while k < hide.len() {
        t[hide[k] as usize] |= Z_HIDE;
        k += 1;
    }
    t[0xC2] |= Z_SYMBOL;
    t[0xE2] |= Z_SYMBOL | Z_GLUED;
    t[0xF0] |= Z_GLUED;
    t
};

/// Step 0, look-alike capitals (docs/matching.md): writes into `out` the
/// written text `w` with them read, and says whether it has any (`out` is
/// then complete; otherwise it is left empty). A word here is a maximal run
/// of letters and combining marks. In a word with two upper-case letters or
/// more and no lower-case letter but `l`, each `l` is an `I` (`TlỀN` →
/// `TIỀN`, `LlNK` → `LINK`); a word not after a digit that starts with `I` then a vowel,
/// whose folded form starts with `ii` (written `II`, only when it then
/// reads one syllable: not the drawn-out `IID`), or is neither one
/// syllable nor `ia` and is one with `l` for its `i`, starts with an `L`
/// (`IÃI` → `LÃI`, `Iãi` → `Lãi`, `Iink` → `Link`, `IIÊN` → `LIÊN`; not
/// `IA`, `ÍT`, `IN`, `Iphone`). Only words holding an `l` next to a capital
/// or starting with an `I` are looked at (found with `memchr`): most texts
/// cost one fast pass.
fn look_alike_capitals(w: &str, out: &mut String) -> bool {
    out.clear();
    let word_char = |c: char| c.is_alphabetic() || is_mark(c);
    let (mut copied, mut judged) = (0, 0);
    for at in memchr::memchr2_iter(b'l', b'I', w.as_bytes()) {
        if at < judged {
            continue;
        }
        // Cheap tests first: an `l` next to a capital, an `I` starting a
        // word.
        let (prev, next) = (w[..at].chars().next_back(), w[at + 1..].chars().next());
        let ell = w.as_bytes()[at] == b'l';
        let inner = !ell && prev.is_some_and(char::is_lowercase);
        let worth = if ell {
            prev.is_some_and(char::is_uppercase) || next.is_some_and(char::is_uppercase)
        } else if inner {
            true
        } else {
            // Not after a digit either: `D9IE6M3` (VNI for `ĐIỂM`) is one
            // token, its `IE` no word of its own.
            !prev.is_some_and(|c| word_char(c) || c.is_ascii_digit() || LEET_SYMBOLS.contains(&c))
        };
        if !worth {
            continue;
        }
        let start = w[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| word_char(c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = w[at..]
            .char_indices()
            .find(|&(_, c)| !word_char(c))
            .map_or(w.len(), |(i, _)| at + i);
        let word = &w[start..end];
        let fixed = if ell {
            judged = end;
            let (mut upper, mut other_lower) = (0, false);
            for c in word.chars().filter(|c| c.is_alphabetic()) {
                upper += usize::from(c.is_uppercase());
                other_lower |= c.is_lowercase() && c != 'l';
            }
            (upper >= 2 && !other_lower).then(|| word.replace('l', "I"))
        } else if inner {
            judged = end;
            inner_capital_i(word)
        } else {
            // One allocation: the folded word, then its `i` made an `l`.
            let mut f = super::fold(word).into_bytes();
            let leads = f.len() >= 2 && is_vowel(f[1]) && f != b"ia";
            // No word starts with `ii` (`Iink`); but `II` may be an `I`
            // drawn out (`IID`, `IIELTS`): an `L` only where it then reads
            // one syllable (`IIÊN`).
            let ii = f.starts_with(b"ii");
            let drawn = word.as_bytes().get(1) == Some(&b'I');
            let syllable = is_syllable(&f);
            if let Some(first) = f.first_mut() {
                *first = b'l';
            }
            let l_syllable = is_syllable(&f);
            (leads && (ii && (!drawn || l_syllable) || !syllable && l_syllable))
                .then(|| format!("L{}", &word[1..]))
        };
        if let Some(fixed) = fixed {
            judged = end;
            out.push_str(&w[copied..start]);
            out.push_str(&fixed);
            copied = end;
        }
    }
    finish_reading(w, copied, out)
}

/// Words of links and calls to action that spam writes with an `I` for an
/// inner `l` (`cIick`, `onIine`).
const INNER_L_WORDS: &[&[u8]] = &[
    b"click",
    b"clip",
    b"online",
    b"hotline",
    b"link",
    b"email",
    b"gmail",
    b"mail",
    b"sale",
    b"slot",
    b"play",
    b"plus",
    b"lucky",
    b"deal",
    b"bill",
    b"apple",
    b"telegram",
    b"live",
    b"flash",
    b"global",
    b"vinaphone",
];

/// Look-alike capitals: `word`, lower case but for an `I` after a
/// lower-case letter (and maybe its first letter), with each such `I` an
/// `l`, when that makes one of [`INNER_L_WORDS`] (`cIick` → `click`,
/// `OnIine` → `Online`; not `kIa`, `ĐIện`).
fn inner_capital_i(word: &str) -> Option<String> {
    let mut fixed = String::with_capacity(word.len());
    let mut prev: Option<char> = None;
    for (k, c) in word.chars().enumerate() {
        let inner_i = c == 'I' && prev.is_some_and(char::is_lowercase);
        if c.is_uppercase() && k > 0 && !inner_i {
            return None;
        }
        fixed.push(if inner_i { 'l' } else { c });
        prev = Some(c);
    }
    let folded = super::fold(&fixed);
    INNER_L_WORDS.contains(&folded.as_bytes()).then_some(fixed)
}

/// Ends a reading of step 0 that wrote into `out` the written text `w`
/// up to byte `copied`, with what it read: completes `out` and says `true`
/// when it read anything (`copied` moved), or leaves it empty.
fn finish_reading(w: &str, copied: usize, out: &mut String) -> bool {
    if copied == 0 {
        out.clear();
        return false;
    }
    out.push_str(&w[copied..]);
    true
}

/// Step 0 too, letters drawn in symbols (docs/matching.md): writes into
/// `out` the written text `w` with them read, and says whether it has any.
/// A *word character* is a letter, a mark, a digit or one of `@ $ !`; a
/// `(` *opens a parenthesis* when a `)` follows it before any other `(`.
/// A text draws letters in symbols when it has one of these signs: `|<`
/// after or before a word character (or before `#`); a `#` between two,
/// one of them a letter (`p#ú7`); a `|` leading a word that reads one
/// syllable with it an `l` (`|àm`, `|0n9`, `|ỗ`); a `#` after a `(` that
/// opens no parenthesis and before a word character (`(#ỉ`); or a `(`
/// that opens none before a `#` or between two word characters. In such a
/// text:
///
/// - `|<` next to a word character or before `#` is `k` (`|<#oản` →
///   `khoản`, `B4n|<`);
/// - `#` next to a word character (or after `(`, `|<`) is `h` (`7#0n9`,
///   `tín#`, `#0`);
/// - a `(` that opens no parenthesis is `c` before a word character or
///   `#` (after more `(`: `((CD`), and after one, ending a word, where the
///   word reads one syllable with it a `c` (`trắ(` → `trắc`; not `quá((`);
/// - `|` is `l` leading a word that reads one syllable with it an `l`, or
///   of two word characters or more; or between word characters when one
///   of the two pieces it links has two or more and the two do not read
///   one syllable joined (`Za|o` → `Zalo`; not `giả|i`, nor the
///   spelled-out `l|ư|u`).
fn symbol_letters(w: &str, out: &mut String) -> bool {
    out.clear();
    let (chars, glyphs) = read_glyphs(w);
    let at = |k: Option<usize>| k.and_then(|k| chars.get(k)).copied();
    let word = |k: Option<usize>| {
        at(k).is_some_and(|c| c.is_alphanumeric() || is_mark(c) || matches!(c, '@' | '$' | '!'))
    };
    let letter = |k: Option<usize>| at(k).is_some_and(char::is_alphabetic);
    let kay = |k: usize| {
        at(Some(k)) == Some('|')
            && at(Some(k + 1)) == Some('<')
            && (word(Some(k + 2)) || at(Some(k + 2)) == Some('#') || word(k.checked_sub(1)))
    };
    // The run of word characters ending before `k` / starting at `k`.
    let piece_before = |k: usize| (0..k).rev().take_while(|&j| word(Some(j))).count();
    let piece_after = |k: usize| (k..chars.len()).take_while(|&j| word(Some(j))).count();
    // The `before` characters before the symbol at `k`, `mid` for it, and
    // the `after` characters after it, folded.
    let around = |k: usize, before: usize, mid: Option<char>, after: usize| {
        let mut piece: String = chars[k - before..k].iter().collect();
        piece.extend(mid);
        piece.extend(&chars[k + 1..k + 1 + after]);
        super::fold(&piece).into_bytes()
    };
    // A `|` leading a word that reads one syllable with it an `l`.
    let ell = |k: usize| {
        let n = piece_after(k + 1);
        !word(k.checked_sub(1))
            && (1..=7).contains(&n)
            && reads_syllable(&around(k, 0, Some('l'), n), true)
    };
    // Whether the `(` at `k` opens a parenthesis.
    let paren = |k: usize| {
        chars
            .get(k + 1..)
            .unwrap_or_default()
            .iter()
            .find(|&&c| c == '(' || c == ')')
            == Some(&')')
    };
    // A `+` for `t` where the word reads one syllable with it (`+h0ng`,
    // `b!3+`; not `1+1`, `Zalo+Viber`, `C++`, nor between the letters of
    // a word spelled out, `t+h+a+n+h`).
    let tee = |k: usize| {
        let (before, after) = (piece_before(k), piece_after(k + 1));
        (before > 0 || after > 0) && !(before == 1 && after == 1) && before + after < 8 && {
            let f = around(k, before, Some('t'), after);
            f.iter().any(|&c| c.is_ascii_lowercase() && c != b't') && reads_syllable(&f, true)
        }
    };
    // A `#` between a lower-case letter and a capital separates two words
    // (`quy#BHTN`), as the case shows.
    let case_turn = |k: usize| {
        k.checked_sub(1)
            .and_then(|p| at(Some(p)))
            .is_some_and(char::is_lowercase)
            && at(Some(k + 1)).is_some_and(char::is_uppercase)
    };
    let drawn = glyphs
        || (0..chars.len()).any(|k| match chars[k] {
            '+' => tee(k),
            '|' => kay(k) || ell(k),
            '#' => {
                let (p, n) = (k.checked_sub(1), Some(k + 1));
                !case_turn(k)
                    && (word(p) && word(n) && (letter(p) || letter(n))
                        || at(p) == Some('(') && !p.is_some_and(paren) && word(n))
            }
            '(' => {
                !paren(k)
                    && (at(Some(k + 1)) == Some('#') || word(k.checked_sub(1)) && word(Some(k + 1)))
            }
            _ => false,
        });
    if !drawn {
        return false;
    }
    let mut k = 0;
    while let Some(c) = at(Some(k)) {
        let prev = k.checked_sub(1);
        let read = match c {
            '|' if kay(k) => {
                k += 1; // the `<`
                Some('k')
            }
            '#' if !case_turn(k)
                && (word(prev) || word(Some(k + 1)) || matches!(at(prev), Some('(' | '<'))) =>
            {
                Some('h')
            }
            '(' if !paren(k) => {
                // At most four (`((CD`): a long run of `(` costs no more
                // than a short one.
                let n = (k..chars.len().min(k + 4))
                    .take_while(|&j| chars[j] == '(')
                    .count();
                let next = k + n;
                let opens = word(Some(next)) || at(Some(next)) == Some('#');
                // Ending a word: the word as read so far, and a `c`.
                let ends = || {
                    n == 1 && word(prev) && !word(Some(next)) && {
                        let head = out
                            .char_indices()
                            .rev()
                            .take_while(|&(_, c)| c.is_alphanumeric() || is_mark(c))
                            .last()
                            .map_or(out.len(), |(i, _)| i);
                        let mut f = super::fold(&out[head..]).into_bytes();
                        f.push(b'c');
                        reads_syllable(&f, true)
                    }
                };
                (opens || ends()).then_some('c')
            }
            '+' if tee(k) => Some('t'),
            '|' if word(Some(k + 1)) => {
                let (before, after) = (piece_before(k), piece_after(k + 1));
                let joined = || is_syllable(&around(k, before, None, after));
                let l = if before == 0 {
                    after >= 2 || ell(k)
                } else {
                    (before >= 2 || after >= 2) && !joined()
                };
                l.then_some('l')
            }
            _ => None,
        };
        out.push(read.unwrap_or(c));
        k += 1;
    }
    true
}

/// Step 0 too, symbols glued inside a word (docs/matching.md): writes into
/// `out` the written text `w` with them read, and says whether it has any.
/// `‼` and `⁉` are emoji here, not two punctuation marks (`k‼️.hoan`,
/// `N-‼️‼️0`). A run of symbols (emoji and the like, with the invisible
/// characters among or before them; no white space, no ASCII, none of
/// General Punctuation but `‼ ⁉`) between two word characters (a letter,
/// a mark, a digit, `@ $ ! €`) is dropped, joining the pieces around it,
/// when neither piece is linked on to more letters by punctuation or
/// symbols (`tài🔥x.ỉ.u` stays), a piece is not a word of its own
/// ([`reads_word`]), and either neither is or the two read one word
/// joined: `US🔥DT` → `USDT`, `nga⚡yf` → `ngayf` (Telex for `ngày`),
/// `c💰a6p1` → `ca6p1` (VNI for `cấp`), `7À🏆1` → `7À1`, `SVV🔥🔥VV388`.
/// Not between two words (`vay💰tien`, `tri💰an`), nor where a piece is a
/// number (`100k🔥free`, `zalo📞0912`), nor where the pieces, both not
/// words, are more than ten characters together. With `all` (the second
/// reading), also where [`glue`] joins them there, linked on or not;
/// `left` is set when the first reading leaves such pieces apart.
fn glued_symbols(w: &str, out: &mut String, all: bool, left: &mut bool) -> bool {
    out.clear();
    let word_char = |c: char| written_word_char(c) || c == '!';
    // Invisible characters, which folding drops, go with the run around
    // them (`nga\u{200B}⚡yf`, the joiners of `👨‍💻`).
    let invisible = |c: char| {
        matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
        )
    };
    // Emoji and the like; not the dashes, quotes, bullets and dots of
    // General Punctuation (`ABC–XYZ`, `McDonald’s`), but `‼ ⁉`.
    let symbol = |c: char| {
        is_symbol(c)
            && !word_char(c)
            && !invisible(c)
            && (!('\u{2000}'..='\u{206F}').contains(&c) || matches!(c, '‼' | '⁉'))
    };
    let in_run = |c: char| symbol(c) || invisible(c);
    // What may link a piece on to more letters: punctuation or symbols,
    // never a word character (so a scan stops at the next word).
    let splits = |c: char| (c.is_ascii_punctuation() || in_run(c)) && !word_char(c);
    let (mut copied, mut skip_to) = (0, 0);
    // Most emoji and `‼ ⁉` start with one of these bytes (U+1F000 and
    // up, U+2000 to U+2FFF), never inside a character: only there is a run
    // looked at, and most texts have none.
    for p in memchr::memchr2_iter(0xF0, 0xE2, w.as_bytes()) {
        if p < skip_to {
            continue;
        }
        let Some(c) = w[p..].chars().next() else {
            continue;
        };
        // Asked first: most emoji stand between words, after a space.
        let glued_before = || {
            w[..p]
                .chars()
                .rev()
                .find(|&i| !invisible(i))
                .is_some_and(word_char)
        };
        if symbol(c) && glued_before() {
            let run = p - w[..p]
                .chars()
                .rev()
                .take_while(|&i| invisible(i))
                .map(char::len_utf8)
                .sum::<usize>();
            let end = p + w[p..]
                .chars()
                .take_while(|&s| in_run(s))
                .map(char::len_utf8)
                .sum::<usize>();
            skip_to = end;
            let len = |s: &mut dyn Iterator<Item = char>| {
                s.take_while(|&c| word_char(c))
                    .map(char::len_utf8)
                    .sum::<usize>()
            };
            let start = run - len(&mut w[..run].chars().rev());
            let stop = end + len(&mut w[end..].chars());
            // A piece that punctuation or symbols link on to more word
            // characters is part of a word spelled out (`tài🔥x.ỉ.u`,
            // `Nhan🎉n.g.a.y`): left alone.
            let linked = |s: &mut dyn Iterator<Item = char>| {
                let mut s = s.skip_while(|&c| splits(c)).peekable();
                s.peek().is_some_and(|&c| word_char(c))
            };
            let linked_before = w[..start].chars().next_back().is_some_and(splits)
                && linked(&mut w[..start].chars().rev());
            let linked_after =
                w[stop..].chars().next().is_some_and(splits) && linked(&mut w[stop..].chars());
            let (join, second) = if start < run && stop > end {
                glue(&w[start..run], &w[end..stop])
            } else {
                (false, false)
            };
            // The second reading joins a piece linked on too (`tố✅c` in
            // `cấp✅tố✅c`).
            let join = join && !linked_before && !linked_after;
            *left |= second && !join;
            if join || second && all {
                out.push_str(&w[copied..run]);
                copied = end;
                continue;
            }
        }
        // Not glued (nor is the rest of its run): its `‼ ⁉` are read as
        // emoji.
        let end = skip_to.max(p + c.len_utf8());
        for (k, d) in w[p..end].char_indices() {
            if matches!(d, '‼' | '⁉') {
                out.push_str(&w[copied..p + k]);
                out.push(if d == '‼' { '❗' } else { '❓' });
                copied = p + k + d.len_utf8();
            }
        }
        skip_to = end;
    }
    finish_reading(w, copied, out)
}

/// Whether the pieces `l` and `r` of a word split by a glued symbol are one
/// word ([`glued_symbols`]), and whether they are in the second reading
/// ([`RobustBuf::build_second_reading`]): also two words that read one
/// syllable joined (`kho🎰a1` → `khoa1`, VNI for `khóa`) and two pieces
/// that read one of [`GLUED_WORDS`] (`Za💰lo`, `iPho🎁ne`).
fn glue(l: &str, r: &str) -> (bool, bool) {
    let (fl, fr) = (super::fold(l), super::fold(r));
    let number = |f: &str| {
        f.as_bytes().first().is_some_and(u8::is_ascii_digit)
            && f.bytes().filter(u8::is_ascii_digit).count() >= 2
    };
    if !fl.is_ascii() || !fr.is_ascii() || number(&fl) || number(&fr) {
        return (false, false);
    }
    let marked = l.chars().chain(r.chars()).any(is_marked);
    let (word_l, word_r) = (reads_word(&fl, marked), reads_word(&fr, marked));
    let joined = fl + &fr;
    let one = reads_word(&joined, marked);
    let join = !(word_l && word_r) && (!word_l && !word_r && joined.len() <= 10 || one);
    (join, join || one || GLUED_WORDS.contains(&joined.as_str()))
}

/// The names that the second reading joins across a glued symbol though
/// they read no syllable ([`glue`]): brands and loanwords that scam texts
/// break with an emoji (`Za💰lo`, `Mo💜Mo`, `iPho🎁ne`), where two words
/// glued so otherwise stay two (`vay💰tiền`, `tri💰ân`).
const GLUED_WORDS: [&str; 16] = [
    "binance",
    "facebook",
    "iphone",
    "lazada",
    "mobifone",
    "momo",
    "online",
    "shopee",
    "telegram",
    "tiktok",
    "usdt",
    "vietcombank",
    "viettel",
    "vinaphone",
    "vneid",
    "zalo",
];

/// Whether the folded piece `f` reads one syllable: in leetspeak
/// ([`reads_syllable`]), or as step 5 reads a word (Telex, VNI, letters
/// drawn out); `marked`: written with a marked letter, so its digits are
/// leetspeak.
fn reads_word(f: &str, marked: bool) -> bool {
    let b = f.as_bytes();
    // Digits alone are no word here: a leetspeak letter or a mark split
    // off (`d9ai💰4`, `7À🏆1`).
    if b.is_empty() || b.len() > 12 || b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if reads_syllable(b, true) {
        return true;
    }
    if !b[0].is_ascii_lowercase() {
        return false;
    }
    let word: Vec<char> = f.chars().collect();
    let mut out = Vec::new();
    normalize_word(&word, marked, false, false, &mut out);
    collapse(&mut out);
    is_syllable(&out)
}

/// Step 0 too, letters written as typographic symbols (docs/matching.md):
/// writes into `out` the written text `w` with them read, and says whether
/// it has any. Next to a letter, a run of `†` is `t`, `£` is `l`, `§` is
/// `s`, `©` is `c` (`†h0n6`, `C©©D`, `lự©`); a run of `®` before a letter
/// is `r` (`®út`; not `Zalo®`); a `°` after a letter is `o` (`s°`,
/// `th°ng`; not `30°C`).
fn symbol_look_alikes(w: &str, out: &mut String) -> bool {
    out.clear();
    let letter = |c: Option<char>| c.is_some_and(|c| c.is_alphabetic() || is_mark(c));
    let (mut copied, mut skip_to) = (0, 0);
    // All but `†` are two bytes led by 0xC2, `†` three led by 0xE2; most
    // texts have neither.
    for p in memchr::memchr2_iter(0xC2, 0xE2, w.as_bytes()) {
        if p < skip_to {
            continue;
        }
        let Some(c) = w[p..].chars().next() else {
            continue;
        };
        let l = match c {
            '†' => 't',
            '£' => 'l',
            '§' => 's',
            '©' => 'c',
            '®' => 'r',
            '°' => 'o',
            _ => continue,
        };
        let n = w[p..].chars().take_while(|&d| d == c).count();
        let end = p + n * c.len_utf8();
        skip_to = end;
        let (prev, next) = (w[..p].chars().next_back(), w[end..].chars().next());
        let yes = match c {
            '®' => letter(next),
            '°' => letter(prev),
            _ => letter(prev) || letter(next),
        };
        if yes {
            out.push_str(&w[copied..p]);
            out.extend(std::iter::repeat_n(l, n));
            copied = end;
        }
    }
    finish_reading(w, copied, out)
}

/// Letters drawn in several symbols, longest first (step 0).
const GLYPHS: [(&str, char); 26] = [
    ("|\\/|", 'm'),
    ("\\/\\/", 'w'),
    ("/\\/\\", 'm'),
    ("|-|", 'h'),
    ("|\\|", 'n'),
    ("|_|", 'u'),
    ("/\\/", 'n'),
    ("\\^/", 'w'),
    ("\\/", 'v'),
    ("/\\", 'a'),
    ("|)", 'd'),
    ("|_", 'l'),
    ("|2", 'r'),
    ("><", 'x'),
    ("|3", 'b'),
    ("|*", 'p'),
    ("|°", 'p'),
    ("|>", 'p'),
    ("()", 'o'),
    ("|<", 'k'),
    ("|{", 'k'),
    ("}{", 'h'),
    ("|=", 'f'),
    ("_|", 'j'),
    ("^/", 'n'),
    ("`/", 'y'),
];

/// The characters of `w` with its letters drawn in several symbols read
/// ([`GLYPHS`]: `|\/|` `\/\/` `/\/\` `|-|` `|\|` `|_|` `/\/` `\^/` `\/` `/\`
/// `|)` `|_` `|2` `><` `|3` `|*` `|°` `|>` `()` `|<` `|{` `}{` `|=` `_|`
/// `^/` `` `/ `` for `m w m h n u n w v a d l r x b p p p o k k h f j n y`),
/// and whether it has any: a glyph touching a letter, a digit, one of `@ $
/// ! €` or another glyph read on either side (`|\|hận` → `nhận`, `ba|\|` → `ban`; not `hi
/// ><`, `a /\ b`).
fn read_glyphs(w: &str) -> (Vec<char>, bool) {
    let chars: Vec<char> = w.chars().collect();
    if !w
        .bytes()
        .any(|b| matches!(b, b'|' | b'\\' | b'>' | b'(' | b'}' | b'^' | b'`'))
    {
        return (chars, false);
    }
    let glyph_at = |k: usize| {
        GLYPHS.iter().find(|(g, _)| {
            g.chars()
                .enumerate()
                .all(|(i, c)| chars.get(k + i) == Some(&c))
        })
    };
    let alnum = |k: Option<usize>| {
        k.and_then(|k| chars.get(k)).is_some_and(|&c| {
            c.is_alphanumeric() || is_mark(c) || matches!(c, '@' | '$' | '!' | '€')
        })
    };
    let mut out = Vec::with_capacity(chars.len());
    let mut any = false;
    let mut k = 0;
    // Whether the last character written was a glyph read.
    let mut after_read = false;
    while let Some(&c) = chars.get(k) {
        if let Some(&(g, l)) = glyph_at(k) {
            let n = g.chars().count();
            if alnum(k.checked_sub(1))
                || after_read
                || alnum(Some(k + n))
                || glyph_at(k + n).is_some()
            {
                out.push(l);
                any = true;
                after_read = true;
                k += n;
                continue;
            }
        }
        after_read = false;
        out.push(c);
        k += 1;
    }
    (out, any)
}

/// Whether the leet symbol at `k` of `chars` belongs to a token (step 1):
/// it is next to a letter `a-z`, or follows one to three leetspeak digits
/// and symbols that follow a letter (`kh0@`, `v1$@`), or is linked to a letter by one splitter of a
/// spelled-out word (`q.u.@`).
#[inline(never)]
fn leet_symbol_in_word(chars: &[(usize, char)], k: usize) -> bool {
    let at = |k: Option<usize>| k.and_then(|k| chars.get(k)).map(|&(_, c)| c);
    let letter = |k: Option<usize>| at(k).is_some_and(is_letter);
    let splitter =
        |k: Option<usize>| at(k).is_some_and(|c| matches!(c, '.' | '-' | '_' | '*' | '~'));
    let leet = |k: Option<usize>| at(k).is_some_and(is_leet_digit);
    // A symbol drawn out counts once (`nhu@@@n`, `QU@@`): its neighbours
    // are those of the run.
    let this = at(Some(k));
    let (mut s, mut e) = (k, k);
    while s > 0 && at(Some(s - 1)) == this {
        s -= 1;
    }
    while at(Some(e + 1)) == this {
        e += 1;
    }
    // A leet symbol after a letter stands for one too (`d!@`, `g!@!`).
    let symbol_after_letter = |k: Option<usize>| {
        at(k).is_some_and(|c| matches!(c, '!' | '@' | '$'))
            && letter(k.and_then(|k| k.checked_sub(1)))
    };
    letter(s.checked_sub(1))
        || letter(Some(e + 1))
        || s == e && symbol_after_letter(s.checked_sub(1))
        || leet(s.checked_sub(1)) && letter(s.checked_sub(2))
        // After two or three leetspeak digits and symbols that follow a
        // letter (`v1$@`, `kh0@$`).
        || (2..=3).any(|n| {
            (1..=n).all(|d| {
                at(s.checked_sub(d)).is_some_and(|c| is_leet_digit(c) || matches!(c, '!' | '@' | '$'))
            }) && letter(s.checked_sub(n + 1))
        })
        || splitter(s.checked_sub(1)) && letter(s.checked_sub(2))
        || splitter(Some(e + 1)) && letter(Some(e + 2))
        // Spelled out beside a leetspeak digit spelled out (`d.1.@`).
        || splitter(s.checked_sub(1))
            && leet(s.checked_sub(2))
            && at(s.checked_sub(3)) == at(s.checked_sub(1))
        || splitter(Some(e + 1)) && leet(Some(e + 2)) && at(Some(e + 3)) == at(Some(e + 1))
        || s == e && leet(k.checked_sub(1)) && leet(Some(k + 1)) && digits_at_syllable(chars, k)
}

/// What a text's symbols may be in step 1 ([`symbol_in_word`]). `bang`,
/// `dollar`, `at_sign`: the text is typed in leetspeak and has that
/// symbol; `bangs`: its words before a `!`, when it has one
/// ([`Written::exclaimed`]); `second`: the second reading of its digits
/// ([`RobustBuf::build_second_reading`]).
struct Signs<'a> {
    bang: bool,
    dollar: bool,
    at_sign: bool,
    bangs: Option<Bangs<'a>>,
    second: bool,
}

/// Whether the `!` or leet symbol at `k` of `chars` (of `folded`) is a
/// word character (step 1), given what the text's symbols may be.
#[inline(never)]
fn symbol_in_word(chars: &[(usize, char)], k: usize, folded: &str, signs: &Signs<'_>) -> bool {
    let Some(&(at, c)) = chars.get(k) else {
        return false;
    };
    // In a text typed in leetspeak, a short token led by a digit, its
    // symbols read as letters, that reads one syllable (`9!@` → `gia`,
    // `7@!` → `tai`, `9!4` → `gia`).
    if matches!(c, '!' | '@')
        && (signs.bang || signs.at_sign)
        && symbol_led_by_digit(folded.as_bytes(), at)
    {
        return true;
    }
    if c == '!' {
        // Its neighbours are letters only if ASCII: bytes suffice.
        let b = folded.as_bytes();
        return inner_bang(b, at)
            || signs.bang && (leading_bang(b, at) || digit_bang(b, at))
            || iphone_bang(b, at)
            || signs
                .bangs
                .as_ref()
                .is_some_and(|e| trailing_bang(b, at, e))
            || signs.second && second_bang(b, at);
    }
    leet_symbol_in_word(chars, k)
        || c == '$' && dollar_leads(chars, k, signs.dollar)
        || c == '@' && signs.at_sign && at_leads(chars, k)
}

/// Whether the `!` or `@` at byte `i` of the folded text `b` is in a
/// token of two to four characters between white space or the text's
/// ends, led by a leetspeak digit or `9`, then letters `a-z`, leetspeak
/// digits, `!` and `@`, with an `@` or an inner `!` (digits then a `!` stay
/// a number in the first reading: `50!`, which the second reads `soi`),
/// that reads one syllable with every character a letter, or does once a
/// final Telex tone is dropped (`9!@` → `gia`, `7@!` → `tai`, `9!4s` →
/// `gia`; not `5@!`, `10!`). Step 1 keeps such symbols in the token; the
/// one-pass test gives such a text to the four steps.
fn symbol_led_by_digit(b: &[u8], i: usize) -> bool {
    let part = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'!' | b'@');
    let start = b[..i].iter().rposition(|c| !part(c)).map_or(0, |p| p + 1);
    let end = b[i..]
        .iter()
        .position(|c| !part(c))
        .map_or(b.len(), |p| i + p);
    let bounded = |c: Option<&u8>| c.is_none_or(|&c| c == b' ');
    let run = &b[start..end];
    let inner = run
        .iter()
        .enumerate()
        .any(|(p, &c)| c == b'@' || c == b'!' && p + 1 < run.len());
    inner
        && (2..=4).contains(&(end - start))
        && bounded(start.checked_sub(1).and_then(|p| b.get(p)))
        && bounded(b.get(end))
        && b.get(start)
            .is_some_and(|&c| is_leet_digit(char::from(c)) || c == b'9')
        && reads_syllable_toned(&b[start..end])
}

/// [`reads_syllable`] with every character a letter, or so once a final
/// Telex tone is dropped (`9!@s` → `gia`).
fn reads_syllable_toned(w: &[u8]) -> bool {
    reads_syllable(w, true)
        || matches!(w, [rest @ .., b's' | b'f' | b'r' | b'x' | b'j'] if rest.len() >= 2 && reads_syllable(rest, true))
}

/// Whether the `@` at `k` of `chars` leads a word of it and one leetspeak
/// vowel digit that read one syllable (`@0`, `@1`; not `@10`, `a@0`).
fn at_leads(chars: &[(usize, char)], k: usize) -> bool {
    let at = |k: Option<usize>| k.and_then(|k| chars.get(k)).map(|&(_, c)| c);
    let word =
        |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || LEET_SYMBOLS.contains(&c));
    match at(Some(k + 1)) {
        Some(d @ ('0' | '1' | '3' | '4')) => {
            !word(at(k.checked_sub(1)))
                && !word(at(Some(k + 2)))
                && reads_syllable(&[b'@', d as u8], true)
        }
        _ => false,
    }
}

/// The bounds (`start..end` of `chars`) of the run of characters `part`
/// takes around `k`.
fn run_around(chars: &[(usize, char)], k: usize, part: impl Fn(char) -> bool) -> (usize, usize) {
    let start = chars[..k]
        .iter()
        .rposition(|&(_, c)| !part(c))
        .map_or(0, |p| p + 1);
    let end = chars[k..]
        .iter()
        .position(|&(_, c)| !part(c))
        .map_or(chars.len(), |p| k + p);
    (start, end)
}

/// Whether the `@` at `k` of `chars`, between leetspeak digits, makes with
/// the digits around it one syllable read in leetspeak (`7@1` → `tai`).
fn digits_at_syllable(chars: &[(usize, char)], k: usize) -> bool {
    let (start, end) = run_around(chars, k, |c| c.is_ascii_digit() || c == '@');
    let run = &chars[start..end];
    run.iter().filter(|&&(_, c)| c == '@').count() == 1
        && with_bytes(run.iter().map(|&(_, c)| c), |w| reads_syllable(w, true))
}

/// Whether the host `host` is words linked by dots or dashes, a
/// top-level domain stuck on, not a link ([`link_spans`]): every part
/// before the last reads one syllable once rewritten (`v4y-t1en-nhanh.com`,
/// `nhan.qua.to`, `gi.ai`), unless it is one part on a domain mostly a
/// link's (`bit.ly`). `word` and `norm` are scratch.
fn words_only(host: &str, word: &mut Vec<char>, norm: &mut Vec<u8>) -> bool {
    let host = host.strip_prefix("www.").unwrap_or(host);
    let Some((head, tld)) = host.rsplit_once('.') else {
        return false;
    };
    let one_part = !head.contains(['.', '-']);
    if one_part && matches!(tld, "com" | "net" | "top" | "vip" | "ly" | "tv") {
        return false;
    }
    head.split(['.', '-']).all(|p| {
        word.clear();
        word.extend(p.chars());
        p.as_bytes().first().is_some_and(u8::is_ascii_lowercase) && {
            normalize_word(word, false, false, false, norm);
            is_syllable(norm)
        }
    })
}

/// The byte ranges of the links of `folded` (the robust text keeps their
/// punctuation): from `http://`, `https://` or `www.` to the next white
/// space; and bare hosts, runs of `a-z0-9`, `-` and dots of two labels or
/// more, each of two characters or more (not a spelled-out `v.a.y`), whose
/// last is a top-level domain (`vnpost-hq.xyz`), with the path after a
/// `/` that follows them; neither when the host's parts before its
/// top-level domain each read one syllable once rewritten, unless it is
/// one part on `com net top vip ly tv` (`v4y-t1en-nhanh.com`, `gi.ai`,
/// `nhan.qua.to` are words; `bit.ly` a link). Trailing punctuation is left out
/// (`abc.com,`). A handle, too: an `@` leading five or more of
/// `a-z0-9_` with a `_` or a digit, or that do not read one syllable with
/// it (`@dautu_cungthay`; not `@nh`).
#[inline(never)]
fn link_spans(
    folded: &str,
    out: &mut Vec<(usize, usize)>,
    word: &mut Vec<char>,
    norm: &mut Vec<u8>,
) {
    link_spans_in::<false>(folded, out, word, norm);
}

/// [`link_spans`], reading only the stretches between spaces that hold a
/// `.`, `:` or `@` unless `EVERY`.
#[inline(always)]
fn link_spans_in<const EVERY: bool>(
    folded: &str,
    out: &mut Vec<(usize, usize)>,
    word: &mut Vec<char>,
    norm: &mut Vec<u8>,
) {
    out.clear();
    let b = folded.as_bytes();
    // Words linked by dots or dashes, a top-level domain stuck on, are
    // words, not a link: every part before the last reads one syllable
    // once rewritten (`v4y-t1en-nhanh.com`, `nhan.qua.to`, `gi.ai`); but
    // a one-part host on a domain mostly a link's is one (`bit.ly`).
    let mut words_only = |host: &str| words_only(host, word, norm);
    let to_space = |i: usize| {
        b[i..]
            .iter()
            .position(|c| *c == b' ')
            .map_or(b.len(), |p| i + p)
    };
    let trimmed = |s: usize, mut e: usize| {
        while e > s
            && matches!(
                b[e - 1],
                b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'-'
            )
        {
            e -= 1;
        }
        e
    };
    let host_byte = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.';
    // Every link, handle and host holds a `.`, `:` or `@` and no space,
    // and what is read from a position ends before the next space (which
    // is read on its own): only the stretches between spaces that hold
    // one of those are read, byte by byte.
    // (`EVERY`: every stretch read, as the definition has it.)
    let mut i = 0;
    while let Some(p) = if EVERY {
        (i < b.len()).then_some(i)
    } else {
        b.get(i..)
            .and_then(|r| memchr::memchr3(b'.', b':', b'@', r))
            .map(|p| i + p)
    } {
        i = memchr::memrchr(b' ', &b[i..p]).map_or(i, |s| i + s + 1);
        let stretch_end = memchr::memchr(b' ', &b[p..]).map_or(b.len(), |e| p + e);
        while i < stretch_end {
            let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
            let rest = &b[i..];
            if word_start && link_start(rest) {
                let e = trimmed(i, to_space(i));
                let url = &folded[i..e];
                let host = url.split_once("://").map_or(url, |(_, h)| h);
                let host = host.split(['/', '?', '#', ':']).next().unwrap_or("");
                if !words_only(host) {
                    out.push((i, e));
                    i = e.max(i + 1);
                    continue;
                }
            }
            if b[i] == b'@'
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b"@$!".contains(&b[i - 1])))
            {
                // A handle (`@dautu_cungthay`, `@fxvietnam2025`): five or more
                // of `a-z0-9_`, with a `_` or a digit, or not one syllable with
                // the `@` an `a` (not `@nh`, `@n` for `anh`, `ân`).
                let n = b[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || **c == b'_')
                    .count();
                let run = &b[i + 1..i + 1 + n];
                let handle = n >= 5
                    && (run.iter().any(|c| *c == b'_' || c.is_ascii_digit())
                        || !reads_syllable(&b[i..=i + n], true));
                if handle {
                    let e = trimmed(i, i + 1 + n);
                    out.push((i, e));
                    i = e.max(i + 1);
                    continue;
                }
            }
            if word_start && b[i].is_ascii_alphanumeric() {
                // A bare host? (One pass to its end, noting a dot.)
                let (mut end, mut dot) = (i, false);
                while let Some(&c) = b.get(end).filter(|&&c| host_byte(c)) {
                    dot |= c == b'.';
                    end += 1;
                }
                let host_end = trimmed(i, end);
                let host = &folded[i..host_end];
                if !dot || !host.contains('.') {
                    i = end.max(i + 1);
                    continue;
                }
                let (head, tld) = host.rsplit_once('.').unwrap_or(("", host));
                // A top-level domain in leetspeak (`.c0m`, `.v1p`, `.n37`) after a
                // head with a letter (not `12.5m`).
                let leet = || {
                    tld.bytes().any(|c| c.is_ascii_digit())
                        && head.bytes().any(|c| c.is_ascii_lowercase())
                        && leet_tld(tld.as_bytes()).is_some()
                };
                if host.split('.').all(|l| l.len() >= 2)
                    && (tld.bytes().all(|c| c.is_ascii_lowercase()) && super::links::is_tld(tld)
                        || leet())
                    && !words_only(host)
                    && b.get(end) != Some(&b'@')
                    && (i == 0 || b[i - 1] != b'@')
                {
                    let e = if host_end == end && b.get(end) == Some(&b'/') {
                        trimmed(i, to_space(end))
                    } else {
                        host_end
                    };
                    out.push((i, e));
                    i = e.max(i + 1);
                    continue;
                }
                i = end.max(i + 1);
                continue;
            }
            i += 1;
        }
        // The space that ends the stretch.
        i = stretch_end + 1;
    }
}

/// The top-level domain that the piece `p` of a link, led by a digit,
/// reads with its leetspeak digits letters (`7op` → `top`, `c0m` is read
/// as a word), if it has a letter and reads one ([`super::links::is_tld`]);
/// its first `p.len()` bytes.
fn leet_tld(p: &[u8]) -> Option<[u8; 8]> {
    let mut w = [0u8; 8];
    if p.len() < 2 || p.len() > w.len() || !p.iter().any(u8::is_ascii_lowercase) {
        return None;
    }
    for (o, &c) in w.iter_mut().zip(p) {
        *o = leet_letter(c).filter(|_| c.is_ascii_alphanumeric())?;
    }
    let tld = std::str::from_utf8(&w[..p.len()]).ok()?;
    super::links::is_tld(tld).then_some(w)
}

/// Whether `rest` (of a folded text) starts a link: `www.`, or `http` or
/// `https` then `://`, their letters possibly leetspeak digits
/// (`h77ps://`, `http5://`: [`leet_letter`]).
fn link_start(rest: &[u8]) -> bool {
    // Asked at every word's start: most start with neither letter.
    match rest.first() {
        Some(b'w') => return rest.starts_with(b"www."),
        Some(b'h') => {}
        _ => return false,
    }
    let Some(k) = rest.iter().take(6).position(|&c| c == b':') else {
        return false;
    };
    let mut w = [0u8; 5];
    rest.get(k..).is_some_and(|r| r.starts_with(b"://"))
        && k <= w.len()
        && rest[..k].iter().zip(w.iter_mut()).all(|(&c, o)| {
            // Letters and leetspeak digits only: `http$` stays (its
            // host's `@` and `!` read better as words than as a link's).
            let l = leet_letter(c).filter(|_| c.is_ascii_alphanumeric());
            l.map(|l| *o = l).is_some()
        })
        && matches!(&w[..k], b"http" | b"https")
}

/// Whether the `$` at `k` of `chars` leads a word written in leetspeak
/// (step 1): before an `@` of a word (`$@le`), before a `!` and a letter
/// (`$!m`), or before a leetspeak
/// vowel digit (`0 1 3 4`) and a letter (`$4p`, `$1m`); in a text typed in
/// leetspeak (`leet_typed`), before any leetspeak digit (`$0`). Not before
/// an amount (`$10`, `$5k`).
fn dollar_leads(chars: &[(usize, char)], k: usize, leet_typed: bool) -> bool {
    let at = |k: usize| chars.get(k).map(|&(_, c)| c);
    match at(k + 1) {
        Some('@') => leet_symbol_in_word(chars, k + 1),
        // `$!m`, `$!eu`: before a leetspeak `i` and a letter.
        Some('!') => at(k + 2).is_some_and(is_letter),
        Some(d) if is_leet_digit(d) => {
            leet_typed || matches!(d, '0' | '1' | '3' | '4') && at(k + 2).is_some_and(is_letter)
        }
        _ => false,
    }
}

/// Whether `w` (letters `a-z`) is one Vietnamese syllable written without
/// its marks: an initial consonant (`b c ch d g gh gi h k kh l m n ng ngh
/// nh p ph qu r s t th tr v x`, or none), a vowel group a syllable has
/// (`a`, `oa`, `uye`, `ieu`, ...; none after `gi`: `gin`), and a final
/// (`c ch m n ng nh p t`, or none), none after a group that ends in `i o u
/// y` (but `uy uo oo`) or is `ia ua uya` (but `n t ng` after `ua`, `uâ`
/// there: `tuan`, `suat`), `nh ch` only after `a e i oa uy ue` (and `y`
/// after `qu`), and one after `ie ye uo uye oo`:
/// `vay`, `tien`, `nhanh`, `nap`, `the`, `quynh`; not `vaytien`, `bitly`,
/// `email`, `tp`, `iam`, `tie`, `tienh`.
fn is_syllable(w: &[u8]) -> bool {
    // Every initial that `w` starts with (at most one of each length) is
    // tried: `ngh`, `ng` and `n` for `nghe`.
    (0..=w.len().min(3)).any(|n| {
        let (init, rest) = w.split_at(n);
        let initial = matches!(
            init,
            b"ngh"
                | b"ng"
                | b"nh"
                | b"ch"
                | b"gh"
                | b"gi"
                | b"kh"
                | b"ph"
                | b"qu"
                | b"th"
                | b"tr"
                | b"b"
                | b"c"
                | b"d"
                | b"g"
                | b"h"
                | b"k"
                | b"l"
                | b"m"
                | b"n"
                | b"p"
                | b"r"
                | b"s"
                | b"t"
                | b"v"
                | b"x"
                | b""
        );
        if !initial {
            return false;
        }
        let v = rest.iter().take_while(|&&c| is_vowel(c)).count();
        let (vowels, fin) = rest.split_at(v);
        let vowels_ok = matches!(
            vowels,
            b"a" | b"e"
                | b"i"
                | b"o"
                | b"u"
                | b"y"
                | b"ai"
                | b"ao"
                | b"au"
                | b"ay"
                | b"eo"
                | b"eu"
                | b"ia"
                | b"ie"
                | b"iu"
                | b"oa"
                | b"oe"
                | b"oi"
                | b"oo"
                | b"ua"
                | b"ue"
                | b"ui"
                | b"uo"
                | b"uu"
                | b"uy"
                | b"ye"
                | b"ieu"
                | b"yeu"
                | b"oai"
                | b"oay"
                | b"oao"
                | b"oeo"
                | b"uay"
                | b"uoi"
                | b"uou"
                | b"uya"
                | b"uye"
                | b"uyu"
                | b"uau"
                | b"ueu"
                | b"uai"
        ) || (vowels.is_empty() && init == b"gi");
        let final_ok = match fin {
            b"" => !matches!(vowels, b"ie" | b"ye" | b"uo" | b"uye" | b"oo"),
            // `ua` is `uâ` before `n t ng` (`tuan`, `suat`, `khuang`).
            b"n" | b"ng" | b"t" if vowels == b"ua" => true,
            // `nh ch` end only `a ê i oa uy uê` (`anh`, `tinh`, `huynh`,
            // `quynh`; `tienh` is no syllable).
            b"nh" | b"ch" => {
                matches!(vowels, b"a" | b"e" | b"i" | b"oa" | b"uy" | b"ue")
                    || init == b"qu" && vowels == b"y"
            }
            b"c" | b"m" | b"n" | b"ng" | b"p" | b"t" => !no_final(vowels),
            _ => false,
        };
        vowels_ok && final_ok
    })
}

/// Whether the vowel group `v` ends its syllable: a group ending in a
/// semivowel `i o u y` (but `uy`, `uo`, `oo`: `uyen`, `uoc`, `xoong`), and
/// `ia ua uya`.
fn no_final(v: &[u8]) -> bool {
    v.len() >= 2
        && (matches!(v.last(), Some(b'i' | b'o' | b'u' | b'y'))
            && !matches!(v, b"uy" | b"uo" | b"oo")
            || matches!(v, b"ia" | b"ua" | b"uya"))
}

/// Whether `word` ends with one `3` or `4` after a letter, which
/// [`leet_final`] may read as leetspeak (so whether the text is accented
/// is worth asking).
fn leet_final_may(word: &[char]) -> bool {
    matches!(word, [.., l, '3' | '4'] if l.is_ascii_lowercase())
}

/// Whether the one digit ending `word` (at `body`, after letters) reads
/// better as a leetspeak vowel than as a VNI tone in a text typed with its
/// marks: `4` (`a`) after the vowels `u i o uy` (`cu4`, `qu4`, `hoa`: a
/// syllable ending `ua ia oa uya`; not `lai4`, which is `lãi`), `3` (`e`)
/// after `o u uy` (`kho3`: `khoe`; not `the3`, `thẻ`).
fn leet_final(word: &[char], body: usize) -> bool {
    let (Some(&d), [.., _]) = (word.get(body), word.get(..body).unwrap_or(&[])) else {
        return false;
    };
    if word.len() != body + 1 {
        return false;
    }
    let head = &word[..body];
    let run = head
        .iter()
        .rev()
        .take_while(|&&c| c.is_ascii_lowercase() && is_vowel(c as u8))
        .count();
    let vowels = &head[body - run..];
    // The `u` of a leading `qu`, the `i` of a leading `gi` count as vowels
    // here: `qu4` is `qua`, `gi4` is `gia`.
    match d {
        '4' => matches!(vowels, ['u'] | ['i'] | ['o'] | ['u', 'y']),
        '3' => matches!(vowels, ['o'] | ['u'] | ['u', 'y']),
        _ => false,
    }
}

/// Whether the digit at `i` of the word token `word` is a VNI tone typed
/// inside the syllable, right after its vowel (`gia3i`, `tru1ng`,
/// `kho1a`): a digit `1`-`5` right after a vowel written as a letter (not
/// the `i` of a leading `gi` nor the `u` of a leading `qu`, drawn out or
/// not: `gii4o`), followed, to
/// the end of the token, by letters only: vowels then at most one final
/// (`c ch m n ng nh p t`). `1 2 5` always are; `3` is leetspeak `e` after
/// `i y o` before a consonant (`ti3n`, `chuy3n`; after `o` not in a text
/// typed in VNI, `vni`: `pho3ng` is `phỏng`) and after `i y` before
/// `u` (`hi3u`); `4` is leetspeak `a` after `o u i` before a consonant
/// (`su4t`, `to4n`; not `vi4nh`, `vĩnh`) and after `o u` before `i y`
/// (`lo4i`; not in a text typed in VNI, `vni`: `mu4i` is `mũi`).
fn inner_vni_tone(word: &[char], i: usize, vni: bool) -> bool {
    let (Some(&d), Some(&prev)) = (word.get(i), i.checked_sub(1).and_then(|p| word.get(p))) else {
        return false;
    };
    // Asked of every character (`mark_matters`): only a tone goes on.
    if !('1'..='5').contains(&d) {
        return false;
    }
    // A leetspeak vowel after a letter is that vowel (`kh01a`: `khóa`).
    let leet_vowel = i >= 2 && word.get(i - 2).is_some_and(char::is_ascii_lowercase);
    let prev = match prev {
        '0' if leet_vowel => 'o',
        '3' if leet_vowel => 'e',
        '4' if leet_vowel => 'a',
        p => p,
    };
    if !(prev.is_ascii_lowercase() && is_vowel(prev as u8)) {
        return false;
    }
    // Letters drawn out count once (`ggii4o`).
    let (mut lead, mut n) = ([' '; 2], 0);
    let gq = matches!(word.first(), Some('g' | 'q'));
    for &c in word.get(..i).filter(|_| gq).unwrap_or_default() {
        if n > 0 && lead[n - 1] == c {
            continue;
        }
        if n == 2 {
            n = 3;
            break;
        }
        lead[n] = c;
        n += 1;
    }
    if n == 2 && matches!(lead, ['g', 'i'] | ['q', 'u']) {
        return false;
    }
    let rest = word.get(i + 1..).unwrap_or(&[]);
    if rest.is_empty() || !rest.iter().all(char::is_ascii_lowercase) {
        return false;
    }
    let vowels = rest.iter().take_while(|&&c| is_vowel(c as u8)).count();
    // The final, a letter drawn out counting once (`ha2nggg`).
    let (mut fin, mut m) = (['\0'; 2], 0);
    for &c in &rest[vowels..] {
        if m > 0 && fin[m - 1] == c {
            continue;
        }
        if m == 2 {
            return false;
        }
        fin[m] = c;
        m += 1;
    }
    let fin = &fin[..m];
    if !matches!(
        fin,
        [] | ['c'] | ['m'] | ['n'] | ['p'] | ['t'] | ['c', 'h'] | ['n', 'g'] | ['n', 'h']
    ) {
        return false;
    }
    let next_vowel = vowels > 0;
    let next = rest[0];
    match d {
        '1' | '2' | '5' => true,
        // After `u` before a consonant it is VNI `hỏi` (`khu3ng`: `khủng`):
        // `uê` takes a final almost never (`quên` leads with `qu`).
        // `i3u` is `iêu` but in a text typed in VNI (`vni`), where it is
        // the tone of `iu` (`xi3u`: `xỉu`); `ti3n` is `tien` even there
        // (`tỉn` is no word a VNI typist means); `ti3nh` is `tỉnh`, since
        // `iê` takes no `nh` or `ch`.
        '3' => {
            let no_e = matches!(prev, 'i' | 'y') && matches!(fin, ['n', 'h'] | ['c', 'h']);
            // In a text typed in VNI, `o3` before a final is the tone
            // (`pho3ng` is `phỏng`: `oe` takes a final almost never).
            let e_before_final =
                (matches!(prev, 'i' | 'y') || prev == 'o' && !vni) && !next_vowel && !no_e;
            let ieu = matches!(prev, 'i' | 'y') && next == 'u' && !vni;
            !(e_before_final || ieu)
        }
        // `vi4nh` is `vĩnh`, as `ti3nh` is `tỉnh`: `ia` takes no `nh`, `ch`.
        '4' => {
            let no_a = matches!(prev, 'i' | 'y') && matches!(fin, ['n', 'h'] | ['c', 'h']);
            let a_before_final = matches!(prev, 'o' | 'u' | 'i') && !next_vowel && !no_a;
            // `oai`, `uay` but in a text typed in VNI (`mu4i` is `mũi`).
            let a_before_vowel = matches!(prev, 'o' | 'u') && matches!(next, 'i' | 'y') && !vni;
            !(a_before_final || a_before_vowel)
        }
        _ => false,
    }
}

/// A Telex tone letter typed inside the syllable, right after a vowel:
/// the position of `s f r x j` after a vowel when what follows it to the
/// end of the token is vowels then at most one final (`c ch m n ng nh p
/// t`), not nothing (`tiefn`, `nhajn`, `nguofi`).
fn inner_tone(w: &[u8]) -> Option<usize> {
    let k = w.iter().enumerate().position(|(i, &c)| {
        i >= 1 && matches!(c, b's' | b'f' | b'r' | b'x' | b'j') && is_vowel(w[i - 1])
    })?;
    let rest = w.get(k + 1..)?;
    if rest.is_empty() {
        return None;
    }
    let vowels = rest.iter().take_while(|&&c| is_vowel(c)).count();
    let fin = &rest[vowels..];
    let final_ok = matches!(
        fin,
        [] | [b'c']
            | [b'm']
            | [b'n']
            | [b'p']
            | [b't']
            | [b'c', b'h']
            | [b'n', b'g']
            | [b'n', b'h']
    );
    final_ok.then_some(k)
}

/// Runs of one letter (not digit) collapse to one.
pub(crate) fn collapse(v: &mut Vec<u8>) {
    let mut w = 0;
    for r in 0..v.len() {
        let b = v[r];
        if w > 0 && v[w - 1] == b && b.is_ascii_lowercase() {
            continue;
        }
        v[w] = b;
        w += 1;
    }
    v.truncate(w);
}

/// Whether `folded` (a folded text) is certainly its own robust text: it is
/// ASCII and has none of what the robust text rewrites (a digit or `@ $`
/// in a word, a doubled letter, a `w` after a letter, a Telex tone
/// letter, a one-letter word that could start a spelled-out run, a gap of
/// joiners without white space between two words), nor `| # ( \\ > +`,
/// which may draw letters in the written text (step 0). `false` means
/// "maybe not": build the robust text. No allocation.
pub fn is_own_robust_text(folded: &str) -> bool {
    let mut own = true;
    simple_text(folded, &[], false, |_, _, _| {
        own = false;
        true
    }) && own
        && !may_draw_letters(folded)
}

/// Whether `s` holds one of `| # ( \ > + } ^` or a backtick, the symbols
/// that step 0 may read as letters ([`symbol_letters`]): most texts have
/// none.
fn may_draw_letters(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr3(b'|', b'#', b'(', b).is_some()
        || memchr::memchr3(b'\\', b'>', b'+', b).is_some()
        || memchr::memchr3(b'}', b'^', b'`', b).is_some()
}

/// Whether the word token `tok` (`a-z0-9`, a letter first, two bytes or
/// more) is its own rewriting by step 3: no digit, no doubled letter, no
/// `w` after a letter, no Telex tone, nothing [`teencode`] may read.
fn word_is_own(tok: &[u8]) -> bool {
    if teen_word(tok) {
        return false;
    }
    let mut p = 0u8;
    let mut tone_inside = false;
    for &c in tok {
        if c == p || c == b'w' || !c.is_ascii_lowercase() || (c == b'l' && p != 0) {
            return false;
        }
        tone_inside |= matches!(c, b's' | b'f' | b'r' | b'x' | b'j') && is_vowel(p);
        p = c;
    }
    match tok {
        [_, .., p, last] => {
            let tone = matches!(last, b's' | b'f' | b'r' | b'x' | b'j');
            let before =
                is_vowel(*p) || matches!(p, b'c' | b'h' | b'm' | b'n' | b'p' | b't' | b'g');
            !((tone && before) || (tone_inside && inner_tone(tok).is_some()))
        }
        _ => true,
    }
}

/// What [`simple_text`] makes of a piece of the text (it says nothing of
/// a token that is its own rewriting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    /// A token that step 3 or 4 may rewrite.
    Rewrite,
    /// A link of the spans given ([`link_spans`]), written as step 1
    /// writes links ([`write_link`]).
    Link,
    /// A gap of white space and symbols (emoji) between two tokens,
    /// written as one space.
    Space,
    /// A gap of white space and symbols at an end of the text, dropped.
    Drop,
    /// A gap holding symbols and ASCII punctuation that step 3 keeps
    /// ([`kept_gap`]), or any gap holding symbols at an end of the text:
    /// written without its symbols, white space collapsed, none at the
    /// text's ends.
    Symbols,
    /// A spelled-out run of single letters `a-z` linked by one splitter,
    /// the same each time (`v.a.y`, `n-h-a`): written as step 3 writes a
    /// run, its letters as one word, read as syllables and noted as a
    /// joined run when they make none ([`RobustBuf::joined`]).
    Run,
    /// A gap of joiners without white space (`ong/ba`, `part-time`)
    /// between two tokens of two characters or more, the second ending at
    /// the byte given: written as one space unless it splits a syllable
    /// ([`splits_syllable`]; then the text is not simple).
    Joiner(usize),
}

/// The codes of bytes for [`plain_own`]: the classes of [`CLASS`] that
/// its rules tell apart. `P_END` stands before and after the text.
const P_END: u8 = 0;
/// Punctuation that links nothing: not a joiner, not `@ $ !`.
const P_NEUTRAL: u8 = 1;
const P_SPACE: u8 = 2;
const P_DOT: u8 = 3;
const P_DIGIT: u8 = 4;
/// The letters without a code of their own.
const P_CONSONANT: u8 = 5;
/// `h g`: the last letters of the initials split from their syllable
/// (`kh uyen`; `tr` ends in a tone letter).
const P_HG: u8 = 6;
/// `s r x`, the tone letters not failed outright (`f j` are).
const P_TONE: u8 = 7;
const P_K: u8 = 8;
const P_L: u8 = 9;
/// `a u`, after which a leading `k` is teencode (`ko`, `ku`).
const P_AU: u8 = 10;
/// `e i o y`.
const P_VOWEL: u8 = 11;
/// Whatever [`plain_own`] leaves to [`simple_text`]: non-ASCII, capitals,
/// control characters, `@ $ !`, every joiner but the space and the dot,
/// `< > = ^ #`, and `w f j z` (the letters of Telex's `w` and teencode).
const P_FAIL: u8 = 12;
/// `/ -`, joiners that may stand between two numbers (`5/7`,
/// `0912-345`), and nowhere else.
const P_NUMBER_JOINER: u8 = 13;

/// The code of each byte ([`plain_own`]).
static PLAIN_CODE: [u8; 256] = {
    let mut t = [P_FAIL; 256];
    let mut c = 0x21;
    while c < 0x7F {
        t[c] = P_NEUTRAL;
        c += 1;
    }
    let mut c = b'a';
    while c <= b'z' {
        t[c as usize] = P_CONSONANT;
        c += 1;
    }
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = P_DIGIT;
        c += 1;
    }
    t[b' ' as usize] = P_SPACE;
    t[b'.' as usize] = P_DOT;
    t[b'h' as usize] = P_HG;
    t[b'g' as usize] = P_HG;
    t[b's' as usize] = P_TONE;
    t[b'r' as usize] = P_TONE;
    t[b'x' as usize] = P_TONE;
    t[b'k' as usize] = P_K;
    t[b'l' as usize] = P_L;
    t[b'a' as usize] = P_AU;
    t[b'u' as usize] = P_AU;
    t[b'e' as usize] = P_VOWEL;
    t[b'i' as usize] = P_VOWEL;
    t[b'o' as usize] = P_VOWEL;
    t[b'y' as usize] = P_VOWEL;
    let fail: &[u8] = b"@$!_*~+\\|'<>=^#wfjzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut k = 0;
    while k < fail.len() {
        t[fail[k] as usize] = P_FAIL;
        k += 1;
    }
    t[b'/' as usize] = P_NUMBER_JOINER;
    t[b'-' as usize] = P_NUMBER_JOINER;
    t
};

/// What a window of three codes tells [`plain_own`].
const PLAIN_FAILS: u8 = 1;
/// An initial may be split from its syllable here: [`split_initial_before`]
/// decides.
const PLAIN_SPLIT: u8 = 2;
/// A letter doubled: its word is rewritten ([`Plain::Doubled`]).
const PLAIN_DOUBLED: u8 = 4;

/// What the quick test of a plain text ([`plain_own`]) says of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plain {
    /// [`simple_text`] returns `true` without calling its `token`: the
    /// text is its own robust text.
    Own,
    /// Plain but for words with a letter doubled (`uu dai`, `nhaanh`):
    /// [`simple_text`] returns `true` and calls its `token` on those words
    /// alone, each a [`Piece::Rewrite`], as [`doubled_words`] does (unless
    /// that gives up).
    Doubled,
    /// Nothing said: [`simple_text`] decides.
    Unknown,
}

const fn p_letter(x: u8) -> bool {
    x >= P_CONSONANT && x <= P_VOWEL
}

const fn p_alnum(x: u8) -> bool {
    x == P_DIGIT || p_letter(x)
}

const fn p_vowel(x: u8) -> bool {
    x == P_AU || x == P_VOWEL
}

/// The rules of [`plain_own`] for the codes `a b c` of three bytes in a
/// row (`a` first).
const fn plain_rule(a: u8, b: u8, c: u8) -> u8 {
    let fails = c == P_FAIL
        // White space at an end, or two in a row.
        || (b == P_SPACE && (c == P_SPACE || c == P_END))
        || (b == P_END && c == P_SPACE)
        // A digit and a letter in one token.
        || (p_letter(b) && c == P_DIGIT)
        || (b == P_DIGIT && p_letter(c))
        // A dot only after a word, before white space or the end, or
        // between two numbers (`2.500`); `/` and `-` only there.
        || (c == P_DOT && !p_alnum(b))
        || (b == P_DOT && c != P_SPACE && c != P_END && !(a == P_DIGIT && c == P_DIGIT))
        || (c == P_NUMBER_JOINER && b != P_DIGIT)
        || (b == P_NUMBER_JOINER && c != P_DIGIT)
        // A one-letter token.
        || (!p_alnum(a) && p_letter(b) && !p_alnum(c))
        // A tone letter ending a word or after a vowel.
        || (p_letter(a) && b == P_TONE && !p_alnum(c))
        || (p_vowel(b) && c == P_TONE)
        // `l` after a letter, `k` ending a word (`ok`); `ka`, `ku` leading
        // one.
        || (p_letter(b) && c == P_L)
        || (p_letter(a) && b == P_K && !p_alnum(c))
        || (!p_alnum(a) && b == P_K && c == P_AU);
    if fails {
        PLAIN_FAILS
    } else if a == P_HG && b == P_SPACE && p_vowel(c) {
        PLAIN_SPLIT
    } else {
        0
    }
}

/// [`plain_rule`] for every window, indexed by `a << 9 | b << 5 | c << 1 |
/// same`, where `same` says that the last two bytes are the same byte: a
/// letter doubled is noted ([`PLAIN_DOUBLED`]).
static PLAIN_RULES: [u8; 8192] = {
    let mut t = [0u8; 8192];
    let mut i = 0;
    while i < 8192 {
        let (a, b, c) = ((i >> 9) as u8, ((i >> 5) & 15) as u8, ((i >> 1) & 15) as u8);
        t[i] = plain_rule(a, b, c);
        if i & 1 == 1 && p_letter(c) {
            t[i] |= PLAIN_DOUBLED;
        }
        i += 1;
    }
    t
};

/// Whether `folded` is, by a quick test, a simple text with no token
/// that step 3 or 4 may rewrite ([`Plain::Own`]: [`simple_text`] then
/// returns `true` without calling its `token`, so the text is its own
/// robust text), or one whose only such tokens are words with a letter
/// doubled ([`Plain::Doubled`]). [`Plain::Unknown`] says nothing:
/// [`simple_text`] decides. Most texts are plain:
/// words of lower-case letters and numbers between single spaces and
/// punctuation that links nothing, no letter doubled, no `w f j z`, no
/// tone letter ending a word or after a vowel, no `l` after a letter nor
/// `k` ending a word, no dot but one ending a sentence or inside a number,
/// and no `/` or `-` but inside a number.
///
/// Each byte is read through two tables, without a branch that depends
/// on the text: the code of the byte ([`PLAIN_CODE`]), then the rules
/// for it and the two bytes before it, and whether it repeats the byte
/// before ([`PLAIN_RULES`]). Only an initial that may be split from its
/// syllable (`kh uyen`) sends the text to a second look.
fn plain_own(folded: &[u8]) -> Plain {
    let Some(found) = plain_found(folded) else {
        return Plain::Unknown;
    };
    if found & PLAIN_FAILS != 0 {
        return Plain::Unknown;
    }
    // A word starting with a vowel after an initial split from its
    // syllable by one space, as `simple_text` tests it.
    if found & PLAIN_SPLIT != 0
        && folded.windows(3).enumerate().any(|(i, w)| {
            w[0].is_ascii_alphanumeric()
                && w[1] == b' '
                && is_vowel(w[2])
                && split_initial_before(folded, i + 1)
        })
    {
        Plain::Unknown
    } else if found & PLAIN_DOUBLED != 0 {
        Plain::Doubled
    } else {
        Plain::Own
    }
}

/// What the rules of [`plain_own`] find in the windows of `folded`, or-ed;
/// `None` when, partway, one has already failed.
fn plain_found(folded: &[u8]) -> Option<u8> {
    // Each byte's window is the last one shifted on: a chain of three
    // steps a byte. The two halves of the text are read side by side, two
    // chains at once; the second starts from the last two bytes of the
    // first half, as reading on would have.
    let code = |c: u8| usize::from(PLAIN_CODE[usize::from(c)]);
    let end = usize::from(P_END);
    let (front, back) = folded.split_at(folded.len() / 2);
    let (mut w1, mut p1) = (end << 4 | end, 0u8);
    let (mut w2, mut p2) = match *front {
        [.., x, y] => (code(x) << 4 | code(y), y),
        [y] => (end << 4 | code(y), y),
        [] => (end << 4 | end, 0),
    };
    let mut found = 0u8;
    let step = |w: &mut usize, p: &mut u8, c: u8| {
        *w = (*w << 4 | code(c)) & 0xFFF;
        let rule = PLAIN_RULES[*w << 1 | usize::from(c == *p)];
        *p = c;
        rule
    };
    // By blocks, to stop early in a text that is not plain.
    for (f, b) in front.chunks(16).zip(back.chunks(16)) {
        for (&x, &y) in f.iter().zip(b) {
            found |= step(&mut w1, &mut p1, x) | step(&mut w2, &mut p2, y);
        }
        if found & PLAIN_FAILS != 0 {
            return None;
        }
    }
    // The back half is the longer by at most one byte.
    for &y in back.get(front.len()..).unwrap_or_default() {
        found |= step(&mut w2, &mut p2, y);
    }
    Some(found | PLAIN_RULES[((w2 << 4 | end) & 0xFFF) << 1])
}

/// Calls `token(start, end, Piece::Rewrite)` on each word of `folded` (a
/// [`Plain::Doubled`] text) with a letter doubled, in order, as
/// [`simple_text`] would; `false` (giving up, possibly after some calls)
/// at a word of one letter drawn out (`uu`) after anything but a space,
/// which may end a spelled-out run (`kh,aa`), or when `token` gives up.
fn doubled_words(folded: &[u8], mut token: impl FnMut(usize, usize, Piece) -> bool) -> bool {
    let mut from = 0;
    // Each doubled letter found, then the word around it.
    while let Some(at) = folded.get(from..).and_then(|rest| {
        rest.windows(2)
            .position(|w| w[0] == w[1] && w[0].is_ascii_lowercase())
    }) {
        let i = from + at;
        let (start, end) = (token_start(folded, i), token_end(folded, i));
        let word = &folded[start..end];
        if word.iter().all(|&c| c == word[0]) && start > 0 && folded[start - 1] != b' ' {
            return false;
        }
        if !token(start, end, Piece::Rewrite) {
            return false;
        }
        from = end;
    }
    true
}

/// Reads `folded` (a folded text) token by token (`a-z0-9` runs), calling
/// `token(start, end, piece)`, in order, on each span of `links` (the
/// links of the text, [`link_spans`]: one piece, [`Piece::Link`], when
/// white space or the text's start is before it and white space, the end
/// or punctuation a link leaves out after it), on each token that step 3
/// or 4 of the robust text may change ([`Piece::Rewrite`]: a word token
/// with a digit, a doubled letter, a `w` after a letter or a Telex tone; a
/// number led by a leetspeak digit; a one-letter word), and on each gap
/// that step 3 writes otherwise than as it stands: symbols (emoji) in
/// white space ([`Piece::Space`] between tokens, [`Piece::Drop`] at an
/// end), symbols beside punctuation kept ([`Piece::Symbols`]), joiners
/// and symbols without white space between two words ([`Piece::Joiner`],
/// `ong/ba`, `part-time`, `vay💰tien`), and a spaced joiner that also
/// links the pair before or after (`a - b - c`, [`Piece::Space`]).
/// `token` returns `false` to give up. Returns `false`, possibly before
/// the end, unless the text is *simple* (its links aside): ASCII but for
/// symbols in gaps (none beside a link), without `@ $`, without spaces at
/// its ends or two in a row, without a one-letter word linked to a token
/// of one character (no spelled-out run can form), a letter drawn out
/// after a comma or joiner (`kh,aa`), an initial split from its syllable
/// (`kh uyen`) or joiners that split a syllable (`va-y`), and with every
/// other gap between tokens that step 2 would turn into a space already a
/// single space. The robust text of a simple text is the text with each
/// token, link and gap passed to `token` rewritten alone (one not passed
/// is its own rewriting).
fn simple_text(
    folded: &str,
    links: &[(usize, usize)],
    second: bool,
    token: impl FnMut(usize, usize, Piece) -> bool,
) -> bool {
    simple_text_from(folded, links, second, true, token)
}

/// [`simple_text`]; `skip`: the plain text before the first link is not
/// read byte by byte when the quick test says what reading it would do
/// ([`plain_before_link`]). The tests compare both ways.
fn simple_text_from(
    folded: &str,
    links: &[(usize, usize)],
    second: bool,
    skip: bool,
    mut token: impl FnMut(usize, usize, Piece) -> bool,
) -> bool {
    let b = folded.as_bytes();
    let n = b.len();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let class = |c: u8| CLASS[usize::from(c)];
    // Whether a gap may link the tokens around it into a spelled-out run
    // (step 3: a lone comma, or joiners and symbols only).
    let links_run = |g: &[u8]| g == b"," || g.iter().all(|&c| class(c) & JOINER != 0 || c >= 0x80);
    let mut i = 0;
    let (mut prev_start, mut prev_end) = (0, usize::MAX);
    // The gap before the token before (empty when none).
    let mut prev_gap = (0, 0);
    // A plain text before the first link (most texts with a link): read
    // on from its last token, as if read up to there.
    if skip && !second {
        if let Some(at) = plain_before_link(b, links) {
            if at.doubled && !doubled_words(&b[..at.end], &mut token) {
                return false;
            }
            // The gap before that token (`prev_gap`) is read only at a
            // spaced gap of joiners, which a plain text has none of before
            // the link: left as it is.
            (prev_start, prev_end) = (at.start, at.end);
            i = at.end;
        }
    }
    // Whether the piece before was a link.
    let mut prev_link = false;
    let mut next_link = 0;
    // Whether the gap being read holds a symbol (emoji).
    let mut symbols = false;
    // A gap holding a symbol: white space and symbols only, written as
    // one space between two tokens (step 3: a word boundary) and dropped
    // at an end; a space in it between tokens (without one, step 2 may
    // join the tokens around it).
    let symbol_gap = |gap: &[u8], between: bool| {
        gap.iter().all(|&c| c == b' ' || c >= 0x80) && (!between || gap.contains(&b' '))
    };
    while i < n {
        let c = b[i];
        let k = class(c);
        if k & (LOWER | DIGIT_L) == 0 {
            if c >= 0x80 {
                // A symbol, dropped from a gap as step 3 drops it; not a
                // letter of another script, nor `€`, which may be a word's
                // letter.
                let Some(ch) = folded.get(i..).and_then(|r| r.chars().next()) else {
                    return false;
                };
                if !is_symbol(ch) || LEET_SYMBOLS.contains(&ch) {
                    return false;
                }
                symbols = true;
                i += ch.len_utf8();
                continue;
            }
            if k & BAD != 0
                || (c == b'!'
                    // In the second reading a `!` may end a token of
                    // digits that it makes a word (`50!` → `soi`).
                    && (second
                        || inner_bang(b, i)
                        || leading_bang(b, i)
                        || digit_bang(b, i)
                        || symbol_led_by_digit(b, i)
                        || iphone_bang(b, i)
                        || trailing_bang_word(b, i).is_some()))
            {
                return false;
            }
            i += 1;
            continue;
        }
        let start = i;
        // The gap before this token (the gap before the token before it
        // is `prev_gap`).
        let this_gap = (if prev_end == usize::MAX { 0 } else { prev_end }, start);
        // A word starting with a vowel after an initial split from its
        // syllable by one space (`kh uyen`): step 2 joins them.
        if k & VOWEL != 0
            && prev_end.checked_add(1) == Some(start)
            && b.get(prev_end) == Some(&b' ')
            && split_initial_before(b, prev_end)
        {
            return false;
        }
        if std::mem::take(&mut symbols) {
            let from = if prev_end == usize::MAX { 0 } else { prev_end };
            let between = prev_end != usize::MAX;
            let gap = b.get(from..start).unwrap_or(&[]);
            // Not beside a link, whose step writes what follows it.
            if prev_link || links.iter().any(|&(s, _)| s == start) {
                return false;
            }
            let piece = if symbol_gap(gap, between) {
                if between {
                    Piece::Space
                } else {
                    Piece::Drop
                }
            } else if !between || kept_gap(gap) {
                Piece::Symbols
            } else {
                // Symbols (and joiners) without white space between two
                // words: a word boundary unless they split a syllable,
                // as a joiner (`internet⏰nha`; `cu💰ng` goes to the four
                // steps). Not between numbers, which they glue.
                let next_end = token_end(b, start);
                let next = &b[start..next_end];
                let joiner = gap.iter().all(|&c| {
                    c >= 0x80 || class(c) & JOINER != 0 && !matches!(c, b' ' | b'.' | b'\'')
                });
                if !joiner
                    || prev_end - prev_start < 2
                    || next.len() < 2
                    || next.iter().all(|&c| c == next[0])
                    || b[prev_start].is_ascii_digit()
                        && b[prev_end - 1].is_ascii_digit()
                        && c.is_ascii_digit()
                {
                    return false;
                }
                Piece::Joiner(next_end)
            };
            if !token(from, start, piece) {
                return false;
            }
        } else if prev_end != usize::MAX && !(start == prev_end + 1 && b[prev_end] == b' ') {
            let gap = b.get(prev_end..start).unwrap_or(&[]);
            let joiners = gap
                .iter()
                .all(|&c| class(c) & JOINER != 0 || matches!(c, b'<' | b'>' | b'=' | b'^' | b'#'));
            let spaced = gap.contains(&b' ');
            let stop = gap.iter().any(|&c| matches!(c, b'.' | b'\''));
            // Between two numbers (`500~700`; not `h0~7ro`, nor after a
            // link that starts and ends with a digit, `0a.i0 -0`).
            let digits = !prev_link
                && b[prev_start].is_ascii_digit()
                && b[prev_end - 1].is_ascii_digit()
                && c.is_ascii_digit();
            // The token after the gap, to its first non-alphanumeric.
            let next_end = token_end(b, start);
            let next = &b[start..next_end];
            if gap.windows(2).any(|w| w == b"  ") {
                return false;
            }
            // A letter drawn out (`aa`) after a comma or joiners without
            // white space may end a spelled-out run (`kh,aa`, `kh-aa`).
            if !spaced
                && (joiners || gap == b",")
                && next.len() >= 2
                && next.iter().all(|&c| c == next[0] && c.is_ascii_lowercase())
            {
                return false;
            }
            if joiners && !(spaced && stop) && !digits {
                // Joiners between words (no dot, no apostrophe, no link
                // beside): without white space, a word boundary unless
                // they split a syllable ([`Piece::Joiner`]); with it, kept
                // as written unless the same separator links the pair of
                // tokens before or after (`a - b - c`: then one space).
                if stop || prev_link || links.iter().any(|&(s, _)| s == start) {
                    return false;
                }
                if spaced {
                    let own = trim_white(gap);
                    let after_end = b[next_end..]
                        .iter()
                        .position(|&c| class(c) & (LOWER | DIGIT_L) != 0)
                        .map_or(n, |p| next_end + p);
                    let chained = |(x, y): (usize, usize)| {
                        y > x && b.get(x..y).is_some_and(|g| trim_white(g) == own)
                    };
                    if (chained(prev_gap) || chained((next_end, after_end)))
                        && !token(prev_end, start, Piece::Space)
                    {
                        return false;
                    }
                } else if prev_end - prev_start < 2
                    || next.len() < 2
                    || !token(prev_end, start, Piece::Joiner(next_end))
                {
                    return false;
                }
            }
            // A top-level domain in leetspeak after a dot (`b5.4c`): a
            // link, which step 1 finds.
            if digits && gap.contains(&b'.') && leet_tld(next).is_some() {
                return false;
            }
            // A dot with white space before it, before a top-level domain
            // (`shopee-quatang . top`): step 2 may keep it a dot.
            if gap.first() == Some(&b' ')
                && gap.iter().filter(|&&c| c != b' ').eq(b".")
                && !b[prev_end - 1].is_ascii_digit()
                && tld_token(next)
            {
                return false;
            }
        }
        // A link of `links` starting here: one piece, after white space
        // (or at the start) and before white space, the end, or the
        // punctuation [`link_spans`] leaves out of a link.
        while links.get(next_link).is_some_and(|&(s, _)| s < start) {
            next_link += 1;
        }
        if let Some(&(_, end)) = links.get(next_link).filter(|&&(s, _)| s == start) {
            let after = b.get(end..).unwrap_or(&[]);
            let tail = after.iter().position(|&c| c == b' ').unwrap_or(after.len());
            let clean = after[..tail]
                .iter()
                .all(|c| matches!(c, b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'-'));
            if !(start == 0 || b[start - 1] == b' ') || !clean {
                return false;
            }
            // A token of one character before a link led by one: step 3
            // may spell a run out across them (`0 a-cc.5g`).
            if prev_end != usize::MAX
                && prev_end - prev_start == 1
                && !prev_link
                && b.get(prev_end..start).is_some_and(links_run)
                && b.get(start + 1)
                    .is_none_or(|&c| class(c) & (LOWER | DIGIT_L) == 0)
            {
                return false;
            }
            if !token(start, end, Piece::Link) {
                return false;
            }
            (prev_start, prev_end) = (start, end);
            prev_gap = this_gap;
            prev_link = true;
            i = end;
            continue;
        }
        i += 1;
        let rewrite = if k & LOWER != 0 {
            // Step 3 leaves the word alone (`word_is_own`, fused).
            // Bits only: a digit or `w` after the first letter, a tone
            // letter after a vowel (`VOWEL >> 1` is `TONE`), a letter
            // repeated.
            let (mut p, mut kp) = (c, k);
            // A leading `w` may be `ư` (`wu`).
            let mut flags = k & (W | TEEN);
            let mut same = false;
            while let Some(&c) = b.get(i) {
                let kc = class(c);
                if kc & (LOWER | DIGIT_L) == 0 {
                    break;
                }
                flags |= (kc & (DIGIT_L | W | TEEN)) | (kc & (kp >> 1) & TONE);
                same |= c == p;
                (p, kp) = (c, kc);
                i += 1;
            }
            let own = flags & (DIGIT_L | W) == 0 && !same;
            let tone_inside = flags & TONE != 0;
            let tok = b.get(start..i).unwrap_or(&[]);
            if tok.len() == 1 {
                // A one-letter word joins no spelled-out run when each
                // gap beside it that may link a run (a lone comma, or
                // joiners and symbols only) holds white space and has a
                // longer token on its other side (`o quay`, `dau r, a`):
                // step 3 reads it alone. Not beside a token of one
                // character so linked (`k a`, `a 5`), nor linked to one
                // without white space (`a,ll`: a letter drawn out).
                // A digit alone with white space (or an end) on both sides
                // is a number that links no run (`thu 6 t tra`).
                let white = |g: &[u8]| g.iter().any(|&c| c.is_ascii_whitespace());
                let prev_one = prev_end != usize::MAX
                    && b.get(prev_end..start).is_some_and(|g| {
                        links_run(g)
                            && (prev_end - prev_start == 1
                                && !(b[prev_start].is_ascii_digit()
                                    && white(g)
                                    && (prev_gap.1 == 0
                                        || b.get(prev_gap.0..prev_gap.1).is_some_and(white)))
                                || !g.contains(&b' '))
                    });
                let next_one = |from: usize| {
                    b.get(from..)
                        .and_then(|rest| {
                            let s = rest
                                .iter()
                                .position(|&c| class(c) & (LOWER | DIGIT_L) != 0)?;
                            let len = rest[s..]
                                .iter()
                                .position(|&c| class(c) & (LOWER | DIGIT_L) == 0)
                                .unwrap_or(rest.len() - s);
                            let g = &rest[..s];
                            let after = &rest[s + len..];
                            let gap_after = after
                                .iter()
                                .position(|&c| class(c) & (LOWER | DIGIT_L) != 0)
                                .map_or(after, |e| &after[..e]);
                            let number = rest[s].is_ascii_digit()
                                && white(g)
                                && (gap_after.is_empty() || white(gap_after));
                            Some(links_run(g) && (len == 1 && !number || !g.contains(&b' ')))
                        })
                        .unwrap_or(false)
                };
                if prev_one {
                    return false;
                }
                // A spelled-out run (`v.a.y`): one piece, when it goes no
                // further (as a one-letter word) and holds no link.
                if let Some(end) = spelled_run(b, start) {
                    if next_one(end) || links.iter().any(|&(s, e)| s < end && e > start) {
                        return false;
                    }
                    if !token(start, end, Piece::Run) {
                        return false;
                    }
                    (prev_start, prev_end) = (start, end);
                    // Its last splitter is the gap before its last letter.
                    prev_gap = (end - 2, end - 1);
                    prev_link = false;
                    i = end;
                    continue;
                }
                if next_one(i) || !token(start, i, Piece::Rewrite) {
                    return false;
                }
                (prev_start, prev_end) = (start, i);
                prev_gap = this_gap;
                prev_link = false;
                continue;
            }
            // `teen_word` only for a word with one of `f j z k`.
            !own || (flags & TEEN != 0 && teen_word(tok))
                || match tok {
                    [_, .., p, last] => {
                        (class(*last) & TONE != 0 && class(*p) & (VOWEL | BEFORE_TONE) != 0)
                            || tone_inside && inner_tone(tok).is_some()
                    }
                    _ => false,
                }
        } else {
            let mut letters = 0usize;
            let mut same = false;
            let mut zero = false;
            while i < n && class(b[i]) & (LOWER | DIGIT_L) != 0 {
                letters += usize::from(class(b[i]) & LOWER != 0);
                same |= class(b[i]) & LOWER != 0 && b[i] == b[i - 1];
                // An `o` for a `0` (`5ok`): `zero_amount` decides.
                zero |= b[i] == b'o';
                i += 1;
            }
            // A leetspeak digit or `9` leading letters may be a word
            // (`0ng`, `7r0ng`, `9i4`); `leet_led` decides. A number's repeated letters
            // collapse (`100kkk`).
            // A `9` only before a vowel (`9i4`, `9ui`; not `9h`, `9tr`, `99k`).
            // Or an acronym in leetspeak (`9plx` is `gplx`).
            let nine = c == b'9'
                && (b.get(start + 1).copied().is_some_and(vowel_after_nine)
                    || with_chars(&b[start..i], |w| leet_acronym(w).is_some()));
            // VNI's `đ` after an amount (`500d9`): `number` drops its `9`.
            let dong = b.get(i.wrapping_sub(1)) == Some(&b'9') && vni_dong(b.get(start..i));
            ((is_leet_digit(char::from(c)) || nine) && letters >= 1)
                || same
                || dong
                || zero
                // The second reading reads digits again (`81` → `bi`).
                || second
        };
        if rewrite && !token(start, i, Piece::Rewrite) {
            return false;
        }
        (prev_start, prev_end) = (start, i);
        prev_gap = this_gap;
        prev_link = false;
    }
    if symbols {
        // The text ends in a gap holding a symbol (or is one).
        let from = if prev_end == usize::MAX { 0 } else { prev_end };
        let piece = if symbol_gap(b.get(from..).unwrap_or(&[]), false) {
            Piece::Drop
        } else {
            Piece::Symbols
        };
        if prev_link || !token(from, n, piece) {
            return false;
        }
    }
    true
}

/// Where [`simple_text`] may read on from in a text with links: the last
/// token of the text before the first link.
#[derive(Clone, Copy, Debug)]
struct PlainBefore {
    /// The token's bounds.
    start: usize,
    end: usize,
    /// Its words with a letter doubled are read by [`doubled_words`].
    doubled: bool,
}

/// The last token of the text before the first of `links` (a space apart
/// from it), when that text is plain ([`plain_own`] says [`Plain::Own`],
/// or [`Plain::Doubled`] and [`doubled_words`] does not give up in it):
/// [`simple_text`] reads such a text as it reads it alone, calling its
/// `token` on its words with a letter doubled, if any, and nothing else,
/// and then, from the end of its last token on, reads what follows as
/// it would have.
///
/// Nothing it decides there depends on what follows the text but at its
/// last token, which a plain text reads alike before the end and before
/// white space (no one-letter word, no joiner, no symbol; a dot only
/// before white space or the end); the gap after that token and the
/// link are read by [`simple_text`] from the state given here.
fn plain_before_link(b: &[u8], links: &[(usize, usize)]) -> Option<PlainBefore> {
    let &(s, _) = links.first()?;
    let before = b.get(..s.checked_sub(1)?)?;
    if b.get(s - 1) != Some(&b' ') {
        return None;
    }
    let doubled = match plain_own(before) {
        Plain::Own => false,
        Plain::Doubled => true,
        Plain::Unknown => return None,
    };
    if doubled && !doubled_words(before, |_, _, _| true) {
        return None;
    }
    let end = before.iter().rposition(u8::is_ascii_alphanumeric)? + 1;
    Some(PlainBefore {
        start: token_start(before, end),
        end,
        doubled,
    })
}

/// Whether `b` (a folded text) has a dot with a letter or digit before it
/// and a token of two characters or more, led by a letter, after it
/// (`shop.vn`, `abc.com`): [`simple_text`] without links gives up there.
/// The token before ends at the dot and the next starts after it (no
/// spelled-out run takes them: the letter after the dot is not alone),
/// and a gap of a dot alone between words, not numbers, fails its test.
fn dot_between_words(b: &[u8]) -> bool {
    let token = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    memchr::memchr_iter(b'.', b).any(|p| {
        p > 0
            && token(b[p - 1])
            && b.get(p + 1).is_some_and(u8::is_ascii_lowercase)
            && b.get(p + 2).copied().is_some_and(token)
    })
}

/// The end of the spelled-out run starting at byte `start` of `b`, a
/// letter of one character: single letters `a-z` linked by one splitter,
/// the same each time (`v.a.y`, `n-h-a`, `d_i`); `None` when the letter
/// is not followed by such a splitter and letter.
fn spelled_run(b: &[u8], start: usize) -> Option<usize> {
    let sep = *b.get(start + 1)?;
    if !matches!(sep, b'.' | b'-' | b'_' | b'*' | b'~' | b'+' | b'|') {
        return None;
    }
    let mut end = start + 1;
    while b.get(end) == Some(&sep)
        && b.get(end + 1).is_some_and(u8::is_ascii_lowercase)
        && !b.get(end + 2).is_some_and(u8::is_ascii_alphanumeric)
    {
        end += 2;
    }
    (end > start + 1).then_some(end)
}

/// Whether step 3 keeps the gap `g` between two tokens as written (its
/// symbols dropped): it holds a character that makes no word boundary
/// ([`is_word_gap`]: `,` `!` `?` `:`), or white space and a `.` or `'`
/// (`ngay. 🎉 goi`). Asked of gaps of white space, ASCII punctuation and
/// symbols that hold both of the latter.
fn kept_gap(g: &[u8]) -> bool {
    g.iter()
        .any(|&c| c.is_ascii() && !is_word_gap(char::from(c)))
        || g.contains(&b' ') && g.iter().any(|&c| matches!(c, b'.' | b'\''))
}

/// `g` without the white space at its ends (as [`str::trim`] on ASCII).
fn trim_white(mut g: &[u8]) -> &[u8] {
    while let [c, rest @ ..] = g {
        if !(c.is_ascii() && char::from(*c).is_whitespace()) {
            break;
        }
        g = rest;
    }
    while let [rest @ .., c] = g {
        if !(c.is_ascii() && char::from(*c).is_whitespace()) {
            break;
        }
        g = rest;
    }
    g
}

/// [`normalize_word`] in a text typed in leetspeak (`leet`: the word's
/// digits all leetspeak digits, [`Written::leet_typed`]): the digits are
/// read as letters, none as a VNI mark, when that makes the word one
/// syllable (`ru7` → `rut`), or, when the text is not typed in VNI either
/// (`plain`), when reading them as anywhere makes none (`jackp07` →
/// `jackpot`, not `jackpo`; `ru7a3` stays `rua`); otherwise as anywhere
/// (`ky1` → `ky`).
fn normalize_typed(
    word: &[char],
    marked: bool,
    leet: bool,
    plain: bool,
    accented: bool,
    vni: bool,
    out: &mut Vec<u8>,
) {
    if let Some(a) = leet_acronym(word) {
        out.clear();
        out.extend_from_slice(a); // `o7p` is `otp`, not VNI's `ơp`
        return;
    }
    // Every character read as a letter, none dropped: `tro75` is no
    // `trots` that a Telex tone `s` shortens to `trot`, but VNI `trợ`.
    // Not in a text typed in VNI too, for the words it decides (`xi3u`).
    // Letters drawn out count once (`gii4o` is `giao`, `cccu4` `cua`).
    if leet && !vni {
        normalize_word(word, true, accented, vni, out);
        let drawn_out = || {
            word.iter().any(char::is_ascii_digit)
                && out.len() == 1 + word.windows(2).filter(|p| p[0] != p[1]).count()
        };
        if out.len() == word.len() || drawn_out() {
            if is_syllable(out) {
                return;
            }
            // In a text not typed in VNI, a word that reads no syllable
            // either way keeps its digits as letters (`jackp07`).
            let mut all = [0u8; 24];
            if plain && out.len() <= all.len() {
                let n = out.len();
                all[..n].copy_from_slice(out);
                normalize_word(word, marked, accented, vni, out);
                if !is_syllable(out) {
                    out.clear();
                    out.extend_from_slice(&all[..n]);
                }
                return;
            }
        }
    }
    normalize_word(word, marked, accented, vni, out);
}

/// Whether `word` ends in `o3` and a final (`pho3ng`, `ho3ng`, `mo3t`): a
/// tone in a text typed in VNI, where [`inner_vni_tone`] reads it so.
fn o3_final(word: &[char]) -> bool {
    word.windows(2).enumerate().any(|(k, t)| {
        t == ['o', '3']
            && matches!(
                word.get(k + 2..),
                Some(['c' | 'm' | 'n' | 'p' | 't'] | ['c', 'h'] | ['n', 'g'] | ['n', 'h'])
            )
    })
}

/// Whether `word` has `o4i`, `u4i`, `o4y` or `u4y` (`mu4i`, `lo4i`): a
/// tone in a text typed in VNI (`mũi`), where [`inner_vni_tone`] reads it
/// so; elsewhere leetspeak (`loai`).
fn u4i(word: &[char]) -> bool {
    word.windows(3)
        .any(|t| matches!(t[0], 'o' | 'u') && t[1] == '4' && matches!(t[2], 'i' | 'y'))
}

/// Whether `word` has `i3u` or `y3u` (a tone, or `iêu`, by the text's
/// typing: [`inner_vni_tone`]).
fn i3u(word: &[char]) -> bool {
    word.windows(3)
        .any(|t| matches!(t[0], 'i' | 'y') && t[1] == '3' && t[2] == 'u')
}

/// Whether `w` is a consonant cluster of two or three letters that starts
/// a syllable and is no word alone (`ch gh kh ng ngh nh ph th tr`): before
/// one space and a word starting with a vowel, an initial split from its
/// syllable (`kh uyen`) when the two make one syllable (step 2).
fn split_initial(w: &[u8]) -> bool {
    matches!(
        w,
        b"ch" | b"gh" | b"kh" | b"ng" | b"ngh" | b"nh" | b"ph" | b"th" | b"tr"
    )
}

/// Whether the word of `b` ending at `end` is an initial split from its
/// syllable ([`split_initial`]).
#[inline(never)]
fn split_initial_before(b: &[u8], end: usize) -> bool {
    b.get(token_start(b, end)..end).is_some_and(split_initial)
}

/// The start of the token (`a-z0-9` run) of `b` that ends at, or holds the
/// byte before, `at`.
fn token_start(b: &[u8], at: usize) -> usize {
    b.get(..at)
        .unwrap_or_default()
        .iter()
        .rposition(|c| !c.is_ascii_alphanumeric())
        .map_or(0, |k| k + 1)
}

/// The end of the token (`a-z0-9` run) of `b` that starts at, or holds,
/// `at`.
fn token_end(b: &[u8], at: usize) -> usize {
    b.get(at..)
        .unwrap_or_default()
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .map_or(b.len(), |p| at + p)
}

/// The most letters of a spelled-out run that [`segment_syllables`] reads.
const MAX_SEGMENTED: usize = 32;

/// The letters `w` of a spelled-out run that make no syllable, read as
/// syllables one after another (step 2: `c h ỉ s a u` → `chisau`, not
/// `chiau`, whose `s` a Telex tone took): the split into pieces that each
/// read one syllable as written, letters drawn out counting once (`v a a a
/// y t i e n` → `vaytien`), with the fewest pieces, then the longest last
/// pieces; the pieces written together, drawn letters once. `None` when
/// there is no such split: no piece is read as Telex, VNI or leetspeak
/// ([`normalize_word`] must leave it as it is, drawn letters aside: `c a s
/// i n o` is `ca si no`, not `casi no` for `cai no`; `g i r l` stays).
/// `word`, `out`: scratch.
fn segment_syllables<'a>(w: &[u8], word: &mut Vec<char>, out: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    const MAX_PIECE: usize = 8;
    // best[i]: (pieces, length of the last piece) for w[..i].
    let mut best = [(u8::MAX, 0u8); MAX_SEGMENTED + 1];
    best[0] = (0, 0);
    let mut once = [0u8; MAX_PIECE];
    for i in 0..w.len() {
        let pieces = best[i].0;
        if pieces == u8::MAX {
            continue;
        }
        for j in i + 1..=(i + MAX_PIECE).min(w.len()) {
            let piece = &w[i..j];
            let mut n = 0;
            drawn_once(piece, |c| {
                once[n] = c;
                n += 1;
            });
            if !is_syllable(&once[..n]) {
                continue;
            }
            word.clear();
            word.extend(piece.iter().map(|&c| char::from(c)));
            normalize_word(word, false, false, false, out);
            // Ties go to the split found first: the longer last piece.
            if *out == once[..n] && pieces + 1 < best[j].0 {
                best[j] = (pieces + 1, (j - i) as u8);
            }
        }
    }
    if best[w.len()].0 == u8::MAX {
        return None;
    }
    // The cuts, from the end.
    let mut cuts = [0usize; MAX_SEGMENTED];
    let (mut k, mut at) = (0, w.len());
    while at > 0 {
        cuts[k] = at;
        k += 1;
        at -= usize::from(best[at].1);
    }
    out.clear();
    let mut from = 0;
    for &to in cuts[..k].iter().rev() {
        drawn_once(&w[from..to], |c| out.push(c));
        from = to;
    }
    Some(out.as_slice())
}

/// Calls `f` with each byte of `piece`, a run of one byte once.
fn drawn_once(piece: &[u8], mut f: impl FnMut(u8)) {
    for (k, &c) in piece.iter().enumerate() {
        if k == 0 || piece[k - 1] != c {
            f(c);
        }
    }
}

/// Whether the letters and digits of `b` from `at` are followed by a dot
/// and a letter or digit: a host, as after the `@` of an e-mail address.
fn address_after(b: &[u8], at: usize) -> bool {
    let rest = b.get(at..).unwrap_or_default();
    let end = rest
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    rest.get(end) == Some(&b'.') && rest.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)
}

/// Whether `w` is a word of three letters or more led by one leetspeak
/// digit, the rest letters, that reads one syllable with that digit a
/// letter (`7ien`, `7huc`, `5ao`; not `5tr`, `3ngay`, `10k`): a sign, like
/// a leet digit after a consonant, that a text is typed in leetspeak.
fn leet_led_syllable(b: &[u8]) -> bool {
    let (Some(&d), Some(rest)) = (b.first(), b.get(1..)) else {
        return false;
    };
    d.is_ascii_digit()
        && (2..=7).contains(&rest.len())
        && rest.iter().all(u8::is_ascii_lowercase)
        && reads_syllable(b, false)
}

/// Whether every digit of `word` is a leetspeak digit (`0 1 3 4 5 7 8`,
/// or `9` for `g`: `dun9`): in a text typed in leetspeak, such a word is
/// read with no VNI mark when that makes it one syllable; one with a `2`
/// or `6` may have one (`so61`).
fn leet_digits_only(word: &[char]) -> bool {
    word.iter()
        .filter(|c| c.is_ascii_digit())
        .all(|&c| is_leet_digit(c) || c == '9')
}

/// The link `s` with the letters it spells out one by one joined, into
/// `out` (`false`, `out` untouched, when it spells none): a run of two or
/// more single letters or digits, each between a `-` or `_` and the next
/// one, the same splitter all along, loses its splitters
/// (`l-a-z-a-d-a-hoantien.cc` → `lazada-hoantien.cc`, `shop-v-n.c-c` →
/// `shop-vn.cc`; not `vn-pay.com`).
fn join_spelled_labels(s: &str, out: &mut String) -> bool {
    let b = s.as_bytes();
    if !b.iter().any(|&c| c == b'-' || c == b'_') {
        return false;
    }
    let single = |k: usize| {
        b[k].is_ascii_alphanumeric()
            && !(k > 0 && b[k - 1].is_ascii_alphanumeric())
            && !b.get(k + 1).is_some_and(u8::is_ascii_alphanumeric)
    };
    // The splitters to drop: between two single characters.
    let mut drop = Vec::new();
    let mut k = 0;
    while k + 2 < b.len() {
        if single(k) && matches!(b[k + 1], b'-' | b'_') && single(k + 2) {
            let splitter = b[k + 1];
            drop.push(k + 1);
            k += 2;
            while k + 2 < b.len() && b[k + 1] == splitter && single(k + 2) {
                drop.push(k + 1);
                k += 2;
            }
        }
        k += 1;
    }
    if drop.is_empty() {
        return false;
    }
    out.clear();
    let mut last = 0;
    for d in drop {
        out.push_str(&s[last..d]);
        last = d + 1;
    }
    out.push_str(&s[last..]);
    true
}

/// Whether byte `i` of `b` is a `!` read as a leetspeak `i` (a word
/// character of step 1): between two letters `a-z` (`t!n`), between a
/// letter and a leetspeak digit before a letter (`v!3n`), ending a word of
/// at most three consonants that reads one syllable with an `i` (`ph!`,
/// `b!`, `tr!`; not `nhanh!`, `qua!`, `ok!`) or a word with an inner `!`
/// ([`bang_word_ends`]: `g!a!`), or in a word written in leetspeak
/// ([`leet_bang_word`]: `t4!`, `7!3n`).
fn inner_bang(b: &[u8], i: usize) -> bool {
    let after_letter = i
        .checked_sub(1)
        .and_then(|p| b.get(p))
        .is_some_and(u8::is_ascii_lowercase);
    if b.get(i) != Some(&b'!') {
        return false;
    }
    if !after_letter {
        // After a leetspeak digit, in a word written in leetspeak (`t4!`,
        // `7!3n`); or the last letter of a spelled-out word (`c-@-!`,
        // `n*g*u*0*!`); or between a letter's leetspeak digit and a letter
        // (`VN3!D`).
        let digit_after_letter = i >= 2
            && is_leet_digit(char::from(b[i - 1]))
            && b[i - 2].is_ascii_lowercase()
            && b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
        return leet_bang_word(b, i) || spelled_bang(b, i) || digit_after_letter;
    }
    match b.get(i + 1) {
        Some(n) if n.is_ascii_lowercase() => true,
        // Before a leetspeak digit and a letter: `v!3n`, `ngh!3p`; or in
        // a word written in leetspeak (`g!4`, `g!4!`).
        Some(&n) if is_leet_digit(char::from(n)) => {
            b.get(i + 2).is_some_and(u8::is_ascii_lowercase) || leet_bang_word(b, i)
        }
        Some(n) if n.is_ascii_alphanumeric() => false,
        // Ending a word that has a `!` between two letters, when every
        // `!` an `i` makes it one syllable (`g!ả!` → `giai`), or a word
        // written in leetspeak (`n9u0!` → `nguoi`).
        _ if bang_word_ends(b, i) || leet_bang_word(b, i) => true,
        // Ending a word of consonants only.
        _ => {
            let start = b[..i]
                .iter()
                .rposition(|c| !c.is_ascii_lowercase())
                .map_or(0, |p| p + 1);
            let w = &b[start..i];
            let digit_before = start
                .checked_sub(1)
                .and_then(|p| b.get(p))
                .is_some_and(u8::is_ascii_digit);
            let mut with_i = [0u8; 4];
            w.len() <= 3 && !digit_before && !w.iter().any(|&c| is_vowel(c)) && {
                with_i[..w.len()].copy_from_slice(w);
                with_i[w.len()] = b'i';
                is_syllable(&with_i[..=w.len()])
            }
        }
    }
}

/// Whether the `!` at `i` of `b` leads a word: at the text's start or after
/// a character that is no letter, digit or `@ $ !`, before one to three
/// letters `a-z` that end the word and read one syllable after an `i`
/// (`!t` → `it`, `!ch` → `ich`; not `!ok`, `!!`). The tokenizer takes it
/// so only in a text typed in leetspeak.
fn leading_bang(b: &[u8], i: usize) -> bool {
    if b.get(i) != Some(&b'!') {
        return false;
    }
    let lead = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b"@$!".contains(&b[i - 1]));
    let n = b[i + 1..]
        .iter()
        .take_while(|c| c.is_ascii_lowercase())
        .count();
    let ends = !b
        .get(i + 1 + n)
        .is_some_and(|c| c.is_ascii_alphanumeric() || b"@$!".contains(c));
    let mut w = [b'i'; 4];
    lead && (1..=3).contains(&n) && ends && {
        w[1..=n].copy_from_slice(&b[i + 1..=i + n]);
        is_syllable(&w[..=n])
    }
}

/// Whether the `!` at `i` of `b` leads `phone` or `pad`, in leetspeak or
/// not, a prize scam's `!Phone` (`iPhone`), in any text.
fn iphone_bang(b: &[u8], i: usize) -> bool {
    if b.get(i) != Some(&b'!') {
        return false;
    }
    let lead = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b"@$!".contains(&b[i - 1]));
    let rest = b.get(i + 1..).unwrap_or_default();
    lead && [&b"phone"[..], b"pad"].iter().any(|w| {
        // In leetspeak too (`!PH0NE`).
        rest.len() >= w.len()
            && w.iter()
                .zip(rest)
                .all(|(&l, &c)| c == l || c.is_ascii_digit() && leet_letter(c) == Some(l))
            && !rest.get(w.len()).is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// Whether the `!` at `i` of `b` follows one leetspeak consonant digit that
/// leads a word, and ends that word: `8!` → `bi`, `7!` → `ti`, `5!` →
/// `si` (not `8!!`, `18!`). The tokenizer takes it so only in a text typed
/// in leetspeak: elsewhere `lớp 8!` is a number and an exclamation.
fn digit_bang(b: &[u8], i: usize) -> bool {
    let at = |k: Option<usize>| k.and_then(|k| b.get(k)).copied();
    let word = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || b"@$!".contains(&c));
    at(Some(i)) == Some(b'!')
        && matches!(at(i.checked_sub(1)), Some(b'5' | b'7' | b'8'))
        && !word(at(i.checked_sub(2)))
        && !word(at(Some(i + 1)))
}

/// Whether the `!` at `i` of `b` ends, in the second reading
/// ([`RobustBuf::build_second_reading`]), a token led by a digit that it
/// makes a word there ([`second_word`]): `50!` → `soi`, `$0!` → `soi`
/// (the `$` already an `s`), `8!` → `bi`; not `100!`, `50!!`, `5!a`.
fn second_bang(b: &[u8], i: usize) -> bool {
    let part = |c: &u8| c.is_ascii_alphanumeric() || b"@$".contains(c);
    let start = b[..i].iter().rposition(|c| !part(c)).map_or(0, |p| p + 1);
    let token = &b[start..=i];
    if !token
        .first()
        .is_some_and(|c| c.is_ascii_digit() || *c == b'$')
        || b.get(i + 1).is_some_and(|c| part(c) || *c == b'!')
    {
        return false;
    }
    let mut t = [0u8; 8];
    let Some(t) = t.get_mut(..token.len()) else {
        return false;
    };
    t.copy_from_slice(token);
    if t[0] == b'$' {
        t[0] = b's';
    }
    second_word(t, &mut Vec::new(), &mut Vec::new())
}

/// The words before the `!`s of a text ([`Written::exclaimed`]) and
/// whether it is typed in leetspeak, for [`trailing_bang`].
struct Bangs<'a> {
    exclaimed: &'a HashSet<String>,
    marked: &'a HashSet<String>,
    leet: bool,
}

/// Whether the `!` at `i` of `b` ends a word of one to seven letters `a-z`
/// that reads one syllable with an `i` and goes on, white space and a
/// letter or digit after it (`ta! nha` → `tai nha`, `nguo! than` → `nguoi
/// than`): in a text typed in leetspeak, the word not in `exclaimed`
/// ([`Written::exclaimed`]: `qua! Tặng` stays); in any text, a word
/// written with a diacritic that the written text goes on after in lower
/// case (`ngườ! nước`, `lã! 5%`; not `quá! Mai`).
fn trailing_bang(b: &[u8], i: usize, bangs: &Bangs<'_>) -> bool {
    trailing_bang_word(b, i).is_some_and(|word| {
        std::str::from_utf8(word)
            .is_ok_and(|t| bangs.marked.contains(t) || bangs.leet && !bangs.exclaimed.contains(t))
    })
}

/// The word that the `!` at `i` of `b` may end as its `i`
/// ([`trailing_bang`]), by its shape alone.
fn trailing_bang_word(b: &[u8], i: usize) -> Option<&[u8]> {
    if b.get(i) != Some(&b'!') {
        return None;
    }
    let start = b[..i]
        .iter()
        .rposition(|c| !c.is_ascii_lowercase())
        .map_or(0, |p| p + 1);
    let word = &b[start..i];
    let whole =
        start == 0 || !(b[start - 1].is_ascii_alphanumeric() || b"@$!".contains(&b[start - 1]));
    let goes_on = b.get(i + 1) == Some(&b' ')
        && b.get(i + 2)
            .is_some_and(|c| c.is_ascii_alphanumeric() || b"@$".contains(c));
    let mut w = [b'i'; 8];
    (whole && goes_on && (1..=7).contains(&word.len()) && {
        w[..word.len()].copy_from_slice(word);
        is_syllable(&w[..=word.len()])
    })
    .then_some(word)
}

/// Whether the `!` at `i` of `b` ends a spelled-out word: after a splitter
/// (`. - _ * ~`) between it and a letter, leetspeak digit or `@`, the same
/// splitter before that (`c-@-!`, `n*g*u*0*!`), and no letter or digit
/// after it.
fn spelled_bang(b: &[u8], i: usize) -> bool {
    let at = |k: Option<usize>| k.and_then(|k| b.get(k)).copied();
    let Some(s) = at(i.checked_sub(1)) else {
        return false;
    };
    matches!(s, b'.' | b'-' | b'_' | b'*' | b'~')
        && at(i.checked_sub(2))
            .is_some_and(|c| c.is_ascii_lowercase() || c == b'@' || is_leet_digit(char::from(c)))
        && at(i.checked_sub(3)) == Some(s)
        && !at(Some(i + 1)).is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Whether the `!` at `i` of `b` ends a word of letters and `!` that has
/// a `!` between two letters (`g!a!`), when it reads one syllable with
/// every `!` an `i` (`giai`; not `h!h!`, `nhanh!!`).
fn bang_word_ends(b: &[u8], i: usize) -> bool {
    let start = b[..i]
        .iter()
        .rposition(|&c| !(c.is_ascii_lowercase() || c == b'!'))
        .map_or(0, |p| p + 1);
    let w = &b[start..=i];
    let inner = w
        .windows(3)
        .any(|t| t[1] == b'!' && t[0].is_ascii_lowercase() && t[2].is_ascii_lowercase());
    inner && w.first().is_some_and(u8::is_ascii_lowercase) && reads_syllable(w, true)
}

/// Whether the `!` at `i` of `b` is in a word written in leetspeak that it
/// makes one syllable read as an `i`: the run of letters, digits, `@ $ !`
/// around it has a letter and a leetspeak digit, `9` or `@ $`, its digits are
/// all leetspeak digits or `9`, and it reads one syllable of at most eight
/// letters with each of them a letter (`t4!` → `tai`, `n9u0!` → `nguoi`,
/// `7!3n` → `tien`, `9!ữ` → `giu`; not `qua!`, `50k!`, `h3h3!`).
fn leet_bang_word(b: &[u8], i: usize) -> bool {
    let part = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || b"@$!".contains(c);
    let start = b[..i].iter().rposition(|c| !part(c)).map_or(0, |p| p + 1);
    let end = b[i..]
        .iter()
        .position(|c| !part(c))
        .map_or(b.len(), |p| i + p);
    let w = &b[start..end];
    if w.len() > 8
        || !w.iter().any(u8::is_ascii_lowercase)
        || !w
            .iter()
            .any(|&c| is_leet_digit(char::from(c)) || matches!(c, b'@' | b'$' | b'9'))
    {
        return false;
    }
    reads_syllable(w, true)
}

const LOWER: u16 = 1;
/// `0-9`, and `l`: after a word's first letter, either makes the word one
/// that step 5 may rewrite (a digit; an `l` that may be an `i`).
const DIGIT_L: u16 = 2;
/// Non-ASCII, `@`, `$`: not a simple text.
const BAD: u16 = 4;
const JOINER: u16 = 8;
/// `s f r x j`.
const TONE: u16 = 16;
const VOWEL: u16 = 32;
/// `c h m n p t g`: a final Telex tone may follow them.
const BEFORE_TONE: u16 = 64;
/// `w`.
const W: u16 = 128;
/// `f j z k`: with `w`, the letters [`teen_word`] looks for.
const TEEN: u16 = 256;
const _: () = assert!(VOWEL >> 1 == TONE);

/// The classes of each byte, for [`simple_text`].
static CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut k = 0;
        if b.is_ascii_lowercase() {
            k |= LOWER;
        }
        if b.is_ascii_digit() || b == b'l' {
            k |= DIGIT_L;
        }
        if b >= 0x80 || b == b'@' || b == b'$' {
            k |= BAD;
        }
        if matches!(
            b,
            b' ' | b'.' | b'-' | b'_' | b'*' | b'~' | b'+' | b'/' | b'\\' | b'|' | b'\''
        ) {
            k |= JOINER;
        }
        if matches!(b, b's' | b'f' | b'r' | b'x' | b'j') {
            k |= TONE;
        }
        if matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y') {
            k |= VOWEL;
        }
        if matches!(b, b'c' | b'h' | b'm' | b'n' | b'p' | b't' | b'g') {
            k |= BEFORE_TONE;
        }
        if b == b'w' {
            k |= W;
        }
        if matches!(b, b'f' | b'j' | b'z' | b'k') {
            k |= TEEN;
        }
        t[c] = k;
        c += 1;
    }
    t
};

/// The robust text of `text` (folds it first; allocates).
///
/// ```
/// use chanrac::content::robust_text;
/// assert_eq!(robust_text("V4Y T1ỀN nhaaanh"), "vay tien nhanh");
/// assert_eq!(robust_text("tieenf nhaanj"), "tien nhan");
/// assert_eq!(robust_text("n.a.p d.a.u 100k 🎁 ngay"), "nap dau 100k ngay");
/// assert_eq!(robust_text("lãi suất 0,5%"), "lai suat 0,5%");
/// ```
pub fn robust_text(text: &str) -> String {
    let mut r = RobustBuf::new();
    r.build_text(&super::fold(text), Some(text));
    r.text
}

/// The robust skeleton of `text` (folds it first; allocates).
///
/// ```
/// assert_eq!(chanrac::content::robust_skeleton("kh0a tàii khoảnn"), "khoataikhoan");
/// ```
pub fn robust_skeleton(text: &str) -> String {
    let mut r = RobustBuf::new();
    r.build_text(&super::fold(text), Some(text));
    r.skeleton
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`is_syllable`] as its docs list it: the reference of the proptest.
    fn is_syllable_by_lists(w: &[u8]) -> bool {
        const INITIALS: [&[u8]; 27] = [
            b"ngh", b"ng", b"nh", b"ch", b"gh", b"gi", b"kh", b"ph", b"qu", b"th", b"tr", b"b",
            b"c", b"d", b"g", b"h", b"k", b"l", b"m", b"n", b"p", b"r", b"s", b"t", b"v", b"x",
            b"",
        ];
        const VOWELS: [&[u8]; 41] = [
            b"a", b"e", b"i", b"o", b"u", b"y", b"ai", b"ao", b"au", b"ay", b"eo", b"eu", b"ia",
            b"ie", b"iu", b"oa", b"oe", b"oi", b"oo", b"ua", b"ue", b"ui", b"uo", b"uu", b"uy",
            b"ye", b"ieu", b"yeu", b"oai", b"oay", b"oao", b"oeo", b"uay", b"uoi", b"uou", b"uya",
            b"uye", b"uyu", b"uau", b"ueu", b"uai",
        ];
        const FINALS: [&[u8]; 9] = [b"", b"c", b"ch", b"m", b"n", b"ng", b"nh", b"p", b"t"];
        INITIALS.iter().any(|init| {
            let Some(rest) = w.strip_prefix(*init) else {
                return false;
            };
            let v = rest.iter().take_while(|&&c| is_vowel(c)).count();
            let (vowels, fin) = rest.split_at(v);
            let vowels_ok = VOWELS.contains(&vowels) || (vowels.is_empty() && *init == b"gi");
            // Groups that end their syllable, and groups that need a final.
            const OPEN: [&[u8]; 26] = [
                b"ai", b"ao", b"au", b"ay", b"eo", b"eu", b"ia", b"iu", b"oi", b"ua", b"ui", b"uu",
                b"ieu", b"yeu", b"oai", b"oay", b"oao", b"oeo", b"uay", b"uoi", b"uou", b"uya",
                b"uyu", b"uau", b"ueu", b"uai",
            ];
            const CLOSED: [&[u8]; 5] = [b"ie", b"ye", b"uo", b"uye", b"oo"];
            // The groups `nh ch` end.
            const PALATAL: [&[u8]; 6] = [b"a", b"e", b"i", b"oa", b"uy", b"ue"];
            let final_ok = if fin.is_empty() {
                !CLOSED.contains(&vowels)
            } else if fin == b"nh" || fin == b"ch" {
                PALATAL.contains(&vowels) || *init == b"qu" && vowels == b"y"
            } else {
                // `ua` is `uâ` before `n t ng` (`tuan`, `suat`).
                !OPEN.contains(&vowels)
                    || vowels == b"ua" && [&b"n"[..], b"t", b"ng"].contains(&fin)
            };
            vowels_ok && FINALS.contains(&fin) && final_ok
        })
    }

    proptest! {
        #[test]
        fn is_syllable_is_its_definition(w in "[aeiouybcdghklmnpqrstvx]{0,8}") {
            prop_assert_eq!(is_syllable(w.as_bytes()), is_syllable_by_lists(w.as_bytes()), "{}", w);
        }

        #[test]
        fn is_syllable_is_its_definition_on_syllable_shapes(
            w in "(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{0,3}(c|ch|m|n|ng|nh|p|t)?",
        ) {
            prop_assert_eq!(is_syllable(w.as_bytes()), is_syllable_by_lists(w.as_bytes()), "{}", w);
        }
    }

    #[test]
    fn look_alike_capitals_are_read_where_capitals_show_them() {
        let read = |w: &str| {
            let mut out = String::new();
            look_alike_capitals(w, &mut out).then_some(out)
        };
        assert_eq!(read("IÃI SUẤT").as_deref(), Some("LÃI SUẤT"));
        assert_eq!(
            read("vay Iãi thấp, IIÊN hệ").as_deref(),
            Some("vay Lãi thấp, LIÊN hệ")
        );
        assert_eq!(read("VAY TlỀN, LlNK").as_deref(), Some("VAY TIỀN, LINK"));
        assert_eq!(read("IÃI TlỀN").as_deref(), Some("LÃI TIỀN"));
        assert_eq!(read("đường Iink").as_deref(), Some("đường Link"));
        for w in [
            "ÍT NHẤT",
            "IN ẤN",
            "IA",
            "IPHONE 15",
            "Iphone",
            "GIẢI",
            "Tôi là Linh",
            "I",
            "",
            "gọi Tlền",
            "Lãi suất thấp, liên hệ",
            "l",
        ] {
            assert_eq!(read(w), None, "{w}");
        }
    }

    #[test]
    fn an_inner_l_is_read_i_where_only_i_makes_a_syllable() {
        let read = |w: &str| {
            let mut out = w.as_bytes().to_vec();
            l_for_i(&mut out);
            String::from_utf8(out).unwrap()
        };
        for (w, r) in [
            ("tlen", "tien"),
            ("nghlep", "nghiep"),
            ("tal", "tai"),
            ("chla", "chia"),
        ] {
            assert_eq!(read(w), r);
        }
        for w in ["email", "online", "hotel", "lai", "clip", "film", "tlx"] {
            assert_eq!(read(w), w);
        }
    }

    #[test]
    fn is_syllable_examples() {
        for w in [
            "vay", "tien", "nhanh", "nap", "the", "nghieng", "gin", "quyen", "a", "quynh", "huynh",
            "thach", "tinh", "khoanh", "chenh",
        ] {
            assert!(is_syllable(w.as_bytes()), "{w}");
        }
        for w in [
            "vaytien", "bitly", "email", "tp", "", "thunhap", "iam", "tie", "ain", "kuo", "tienh",
            "onh", "uch",
        ] {
            assert!(!is_syllable(w.as_bytes()), "{w}");
        }
    }

    /// The general builder alone.
    fn general(folded: &str, written: Option<&str>) -> (String, String) {
        let mut r = RobustBuf::new();
        r.build_general(folded, written);
        (r.text, r.skeleton)
    }

    /// No pictograph ([`is_pictograph`]) is a letter, a digit, a mark or white
    /// space: its fast answer is the Unicode tables' answer.
    #[test]
    fn pictographs_are_symbols() {
        for c in ('\u{2600}'..='\u{26FF}').chain('\u{1F300}'..='\u{1FAFF}') {
            assert!(is_pictograph(c));
            assert!(
                !c.is_alphanumeric() && !c.is_whitespace() && !is_mark(c),
                "{c:?}"
            );
        }
    }

    /// Texts where the one-pass path and the four steps once parted, or
    /// that show what the one-pass path now reads: both write the same.
    #[test]
    fn one_pass_cases_build_as_defined() {
        for (text, robust) in [
            ("kh,aa", "kha"),
            ("abc kh,aa", "abc kha"),
            ("-0 a-cc.5g", "-0 ac.sg"),
            (
                "so bhxh cua ong/ba da duoc chot",
                "so bhxh cua ong ba da duoc chot",
            ),
            ("cuoc 90.000d/30 ngay 12/10", "cuoc 90.000d 30 ngay 12/10"),
            ("kh-uyen mai", "khuyen mai"),
            ("ab - cd - ef", "ab cd ef"),
            ("mai - 0911610238", "mai - 0911610238"),
            ("roi 😅 nha,😅☕ 45k 🥰🍜🙏", "roi nha, 45k"),
            ("ngay. 🎉 goi", "ngay. goi"),
            ("a oi e den r, a ra", "a oi e den r, a ra"),
            ("internet⏰nha ⏰ minh", "internet nha minh"),
            ("cu💰ng an", "cung an"),
            ("tin qua v.a.y 27% dung", "tin qua vay 27% dung"),
            ("ab n-h-a-n-q-u-a cd", "ab nhanqua cd"),
            ("ab v-a-y - cd", "ab vay cd"),
            ("d.i c.h.o.i", "di choi"),
            (
                "cho t muon 200k, thu 6 t tra nha",
                "cho t muon 200k, thu 6 t tra nha",
            ),
            ("thu 7 a. 5 t", "thu 7 a. 5 t"),
            ("-0 -a-a 0", "-oa 0"),
            // Plain but for doubled letters (`Plain::Doubled`).
            ("uu dai lon cho thue bao", "u dai lon cho thue bao"),
            (
                "goi ngay, nhaanh tay 50% nhe",
                "goi ngay, nhanh tay 50% nhe",
            ),
            ("ab,uu dai", "ab,u dai"),
            ("xoong noi cuu tro", "xong noi cu tro"),
        ] {
            let folded = crate::content::fold(text);
            let mut drawn = String::new();
            let (t, sk) = if step_zero(text, &mut drawn, false, &mut false) {
                general(&crate::content::fold(&drawn), Some(&drawn))
            } else {
                general(&folded, Some(text))
            };
            assert_eq!(t, robust, "{text:?}");
            let mut r = RobustBuf::new();
            if r.build_or_own(&folded, Some(text)) {
                assert_eq!(folded, robust, "{text:?}");
            } else {
                assert_eq!((r.text(), r.skeleton()), (robust, sk.as_str()), "{text:?}");
            }
            let mut g = RobustBuf::new();
            g.build_general(&folded, Some(text));
            assert_eq!(r.joined(), g.joined(), "{text:?}");
        }
        let mut r = RobustBuf::new();
        r.build_text("ab n-h-a-n-q-u-a cd", None);
        assert_eq!(r.joined(), &[(3, 10)]); // `nhanqua`
    }

    const WORDS: &[&str] = &[
        "ưu",
        "uu",
        "u",
        "ở",
        "ạ",
        "81",
        "80",
        "7h30",
        "9141",
        "57r",
        "50!",
        "kh04n",
        "khoa1",
        "🎉",
        "❤",
        "👍👍",
        "«",
        "€",
        "中",
        "k",
        "r",
        "e",
        "j",
        "s",
        "9",
        "kh",
        "ch",
        "đãi",
        "lớn",
        "vay",
        "v4y",
        "V.A.Y",
        "tiền",
        "tieenf",
        "tiefn",
        "nhanh",
        "nhaanh",
        "xoong",
        "sms",
        "casino",
        "100k",
        "50%",
        "5tr",
        "4g",
        "0ng",
        "4nh",
        "7ngay",
        "muua",
        "w",
        "tw",
        "dduwowcj",
        "tie6n2",
        "nh4",
        "💰",
        "lh",
        "0912",
        "-",
        ".",
        ":",
        "@",
        "v@y",
        "$ieu",
        "ab",
        "xyz",
        "giả1",
        "khó4",
        "5ố",
        "qu4",
        "tà1",
        "mặ7",
        "lai4",
        "9i4",
        "9ửi",
        "910",
        "9h3",
        "8a",
        "4o",
        "0i",
        "D9IE6M3",
        "d o n",
        "h_a_n_g",
        "m ứ c 2",
        "t.r.1 4.n",
        "sv388",
        "vip88",
        "hitclub79",
        "50kk",
        "1ttrrr",
        "000d9",
        "7hông",
        "$4p",
        "c4!",
        "!t",
        "nh@",
        "ta2i",
        "xi3u",
        "dun9",
        "kh-ó-aaa",
        "H.4.1",
        "a.com",
        "bit.ly/x",
        "@ab_cd",
        "9plx",
        "8hxh",
        "c7v",
        "5!",
        "vietcombank-vn.top",
        "https://bit.ly/3xyz",
        "shopvn.vn/sale",
        "www.vay-t1en.net",
        "b1dv.xyz",
        "go88vn.win",
        "4gr1b4nk-sinhtrachoc.top",
        "h77ps://acb.vn/x",
        "abc.com,",
        "nhan.qua.to",
        "ng",
        "nh",
        "n-h-a",
        "5",
        "7",
        "d.i",
        "t*u",
        "c|a|m",
        "v.a.y.",
        "a.n.h",
        "k.h.o.a",
        "t-i-e-n",
        "q_u_a",
        "aa",
        "ooo",
        "ong",
        "ba",
        "an",
        "part",
        "time",
        "gb",
        "thang",
        "30a",
        "xxx",
        "1h",
        "t4",
        "90.000d",
        "uyen",
        "hoa",
        "chặ",
        "ặặn",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The quick test of a word token never says "own" wrongly (it may
        /// send a word that is its own rewriting, `a9a`, to be rewritten).
        #[test]
        fn word_is_own_is_exact(tok in "[a-z][a-z0-9]{1,7}|[a-z][sfrxjwaeiouyhnct]{1,6}") {
            let chars: Vec<char> = tok.chars().collect();
            let mut norm = Vec::new();
            normalize_word(&chars, false, false, false, &mut norm);
            if word_is_own(tok.as_bytes()) {
                prop_assert_eq!(norm, tok.as_bytes(), "{}", tok);
            }
        }

        /// The written text changes the robust text only through marked
        /// words, spelled-out letters spaced unevenly and look-alike
        /// capitals (step 0, which needs an `l` or an `I`), a code of
        /// three capitals (`VIX`) and a hidden scheme (`hxxp`): an ASCII
        /// text with no two white-space characters in a row, without `l`,
        /// `I`, such a code or `hxxp`, reads the same from its folded text
        /// alone.
        #[test]
        fn the_written_text_matters_only_for_marks_and_spacing(
            text in "[a-km-zA-HJ-Z0-9 .,@$-]{0,40}",
        ) {
            // No two white-space characters in a row (not rejected:
            // shrinking would mostly make such texts).
            let mut text = text;
            while text.contains("  ") {
                text = text.replace("  ", " ");
            }
            // Nor a code of three capitals that a Telex tone would end
            // (`VIX`), which the capitals keep.
            prop_assume!(!text.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
                w.len() == 3
                    && w.bytes().all(|c| c.is_ascii_uppercase())
                    && w.ends_with(['S', 'F', 'R', 'X', 'J'])
            }));
            // Nor a hidden scheme (`hxxp`), which step 0 reads as `http`.
            prop_assume!(!text.to_ascii_lowercase().contains("hxxp"));
            let mut buf = crate::content::FoldBuf::new();
            buf.fold(&text);
            let (mut a, mut b) = (RobustBuf::new(), RobustBuf::new());
            a.build_from(&buf);
            b.build(buf.folded());
            prop_assert_eq!(a.text(), b.text(), "{:?}", text);
            prop_assert_eq!(a.skeleton(), b.skeleton());
        }

        /// A token of digits alone reads as itself in any text (the four
        /// steps write it without reading it): leetspeak, VNI, Telex or
        /// marked around it, in the first reading.
        #[test]
        fn numbers_read_as_themselves(
            digits in "[0-9]{1,9}",
            before in "[a-z0-9 .!@$-]{0,30}",
            after in "[a-z0-9 .!@$-]{0,30}",
            marks in any::<bool>(),
        ) {
            let folded = format!("{before} {digits} {after}");
            let written = if marks { format!("Đơn {folded} nhé") } else { folded.clone() };
            let word: Vec<char> = digits.chars().collect();
            let matters = mark_matters(&word);
            let mut w = Written::default();
            let marked = matters && w.marked(Some(&written), &digits);
            let (mut out, mut read) = (Vec::new(), 0u8);
            w.read_token(&word, matters, marked, &folded, Some(&written), &mut out, &mut read);
            prop_assert_eq!(out, digits.as_bytes(), "{:?}", folded);
        }

        /// The builder for texts rewritten token by token agrees with the
        /// four steps, and the shortcut is its special case.
        #[test]
        fn simple_texts_build_as_defined(
            text in prop_oneof![
                "[a-z0-9 .,:%!?@$/'*_~+|-]{0,40}",
                "[a-zw0-9 .-]{0,20}",
                "[a-z0-9 ]{0,30}",
                prop::collection::vec(
                    (prop::sample::select(WORDS), prop::sample::select(&[" ", " ", "", "-", " - ", ". ", " 💰 ", "  ", "🎉 ", " 🎉", " 🎉🎉 ", "🎉", ", 🎉 ", "/", "-", "_", "*", "~", "+", "|", "\\", "=>", "#", ",", " -", "- ", " +", " / ", "-/", "!🎉", "🎉,", ". 🎉 ", "🎉!", "? 😂", " 🎉-", "-🎉", ":🎉 ", ", ", "&", " (", ") "][..])),
                    0..12,
                ).prop_map(|v| v.into_iter().map(|(w, g)| format!("{w}{g}")).collect::<String>()),
            ]
        ) {
            let folded = crate::content::fold(&text);
            let mut r = RobustBuf::new();
            r.build_text(&folded, Some(&text));
            // Step 0 first, where it reads letters drawn in symbols (`|!@`),
            // glued symbols (`sms💰d`) and the rest.
            let mut drawn = String::new();
            let read = step_zero(&text, &mut drawn, false, &mut false);
            let (t, sk) = if read {
                general(&crate::content::fold(&drawn), Some(&drawn))
            } else {
                general(&folded, Some(&text))
            };
            prop_assert_eq!(r.text(), &t, "{:?}", folded);
            prop_assert_eq!(r.skeleton(), &sk, "{:?}", folded);
            if is_own_robust_text(&folded) && !read {
                prop_assert_eq!(&t, &folded);
            }
            let mut lazy = RobustBuf::new();
            if lazy.build_or_own(&folded, Some(&text)) {
                prop_assert_eq!(&t, &folded);
                prop_assert_eq!(lazy.text(), "");
            } else {
                prop_assert_eq!(lazy.text(), &t);
                prop_assert_eq!(lazy.skeleton(), &sk);
            }
            // And it counts the digits read as words as the four steps do
            // (the second reading asks).
            if !read {
                let mut g = RobustBuf::new();
                g.build_general(&folded, Some(&text));
                prop_assert_eq!(lazy.digit_read, g.digit_read, "{:?}", folded);
                // And notes the same joined runs.
                prop_assert_eq!(r.joined(), g.joined(), "{:?}", folded);
            }
            // The second reading, in one pass where it may, reads as the
            // four steps read.
            let mut a = RobustBuf::new();
            a.build_text(&folded, Some(&text));
            let second = a.build_second_reading(&folded, Some(&text));
            let mut g = RobustBuf::new();
            g.general_only = true;
            g.build_text(&folded, Some(&text));
            prop_assert_eq!(second, g.build_second_reading(&folded, Some(&text)), "{:?}", folded);
            prop_assert_eq!(a.text(), g.text(), "{:?}", folded);
            prop_assert_eq!(a.skeleton(), g.skeleton(), "{:?}", folded);
            // Step 0's answer kept from the first reading is the one it
            // would give again.
            let mut c = RobustBuf::new();
            c.build_text(&folded, Some(&text));
            c.zero_unread = None;
            prop_assert_eq!(second, c.build_second_reading(&folded, Some(&text)), "{:?}", folded);
            prop_assert_eq!(a.text(), c.text(), "{:?}", folded);
        }

        /// The words written with a mark and a numeric character
        /// ([`Written::marked`]) are those of its definition: `written`
        /// split at each character that is no [`written_word_char`].
        #[test]
        fn marked_words_as_defined(
            written in "([a-zA-Z0-9 .,@$€!/]|[ảạăằắâầấđêềếôồốơờớưừứũĩỹÀÉĐ]|\u{0301}|[①²½Ⅻ٣💰])*",
        ) {
            let mut w = Written::default();
            w.marked(Some(&written), "x");
            let mut expected = HashSet::new();
            if !written.is_ascii() {
                for word in written.split(|c: char| !written_word_char(c)) {
                    if word.chars().any(is_marked) && word.chars().any(char::is_numeric) {
                        expected.insert(crate::content::fold(word));
                    }
                }
            }
            prop_assert_eq!(&w.marked, &expected, "{:?}", written);
        }

        /// The quick test of a plain text ([`plain_own`]) never says so of
        /// a text that the one-pass test would give up on or rewrite: on
        /// texts folded and not, of the letters and marks its rules tell
        /// apart, and of words in every writing.
        #[test]
        fn plain_texts_are_simple_and_their_own(
            text in prop_oneof![
                "[a-z0-9 .,:%!?()\\[\\]A-Z@$-]{0,40}",
                "[aeiouyhgklsrxnct .,0-9]{0,30}",
                "([a-z]{1,4}[ .,]{1,2}){0,10}",
                prop::collection::vec(
                    (prop::sample::select(WORDS), prop::sample::select(&[" ", " ", ", ", ". ", ".", "%", "", "  "][..])),
                    0..12,
                ).prop_map(|v| v.into_iter().map(|(w, g)| format!("{w}{g}")).collect::<String>()),
            ]
        ) {
            for t in [crate::content::fold(&text), text] {
                let verdict = plain_agrees(&t);
                prop_assert!(verdict.is_ok(), "{:?}", verdict);
            }
        }
    }

    /// [`plain_own`]'s windows read in one chain, byte after byte: what
    /// the two halves read side by side must find.
    fn plain_found_in_one_chain(folded: &[u8]) -> u8 {
        let mut window = usize::from(P_END) << 4 | usize::from(P_END);
        let (mut found, mut prev) = (0u8, 0u8);
        for &c in folded {
            window = (window << 4 | usize::from(PLAIN_CODE[usize::from(c)])) & 0xFFF;
            found |= PLAIN_RULES[window << 1 | usize::from(c == prev)];
            prev = c;
        }
        found | PLAIN_RULES[((window << 4 | usize::from(P_END)) & 0xFFF) << 1]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The two halves of [`plain_own`] find what one chain finds, at
        /// every length (the halves meeting anywhere in a block, the back
        /// one a byte longer or not).
        #[test]
        fn plain_own_halves_read_as_one_chain(
            text in prop_oneof![
                "[a-z0-9 .,:%!?()A-Z@$/-]{0,200}",
                "([a-z]{1,4}[ .,]{1,2}){0,40}",
                "[auoe sxk.0-9]{0,70}",
            ]
        ) {
            let one = plain_found_in_one_chain(text.as_bytes());
            match plain_found(text.as_bytes()) {
                None => prop_assert!(one & PLAIN_FAILS != 0, "{:?}", text),
                Some(two) => prop_assert_eq!(two, one, "{:?}", text),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// [`simple_text`] without links gives up on every text that
        /// [`dot_between_words`] picks (so the one-pass path need not try
        /// it): hosts, spelled-out runs, numbers, symbols and white space
        /// around the dots.
        #[test]
        fn dot_between_words_fails_the_one_pass_test(
            text in prop_oneof![
                "[a-z0-9 .,:%!?()@/-]{0,60}",
                "([a-z0-9]{1,3}[ .,-]{1,2}){0,16}",
                "[a-c1 .]{0,30}",
                (
                    "([a-z]{1,6} ){0,5}",
                    "[a-z0-9]{1,8}([.-][a-z0-9]{1,6}){0,2}\\.[a-z]{2,4}(/[a-z]{0,4})?",
                    "( [a-z0-9]{1,5}){0,4}",
                ).prop_map(|(a, h, b)| format!("{a}{h}{b}")),
                prop::collection::vec(
                    (prop::sample::select(WORDS), prop::sample::select(&[" ", ".", ". ", "-", "💰", " 🎁 ", ".."][..])),
                    0..10,
                ).prop_map(|v| v.into_iter().map(|(w, g)| format!("{w}{g}")).collect::<String>()),
            ]
        ) {
            for t in [crate::content::fold(&text), text] {
                if dot_between_words(t.as_bytes()) {
                    prop_assert!(!simple_text(&t, &[], false, |_, _, _| true), "{:?}", t);
                }
            }
        }
    }

    /// [`simple_text`] on `folded` with its links, reading the plain text
    /// before the first link byte by byte or not (`skip`): its answer and
    /// the pieces it passed on.
    fn pieces(folded: &str, skip: bool) -> (bool, Vec<(usize, usize, Piece)>) {
        let (mut links, mut word, mut norm) = (Vec::new(), Vec::new(), Vec::new());
        link_spans(folded, &mut links, &mut word, &mut norm);
        let mut seen = Vec::new();
        let ok = simple_text_from(folded, &links, false, skip, |a, b, p| {
            seen.push((a, b, p));
            true
        });
        (ok, seen)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The one-pass test of a text with links reads the plain text
        /// before the first link as it reads it byte by byte
        /// ([`plain_before_link`]): the same answer and pieces, over words
        /// in every writing, numbers, doubled letters, punctuation and
        /// symbols before and after hosts, URLs and hidden dots.
        #[test]
        fn plain_text_before_a_link_is_read_as_byte_by_byte(
            before in prop_oneof![
                "[a-z0-9 .,:%!?()@/-]{0,40}",
                "([a-z]{1,4}[ .,!]{1,2}){0,8}",
                "(([a-z]{2,5}|[0-9]{1,4}|uu|ee)[ .,]{0,1} ){0,6}([a-z]{1,5}|[0-9]{1,4})[.,]?",
                "[auoekhgn sxl.,0-9]{0,30}",
                prop::collection::vec(
                    (prop::sample::select(WORDS), prop::sample::select(&[" ", " ", ", ", ". ", "!", "", "-", " - ", "  ", " 💰 ", "..."][..])),
                    0..10,
                ).prop_map(|v| v.into_iter().map(|(w, g)| format!("{w}{g}")).collect::<String>()),
            ],
            gap in prop::sample::select(&[" ", " ", "  ", ". ", ", ", "! ", "-", " - ", " 🎉 ", ""][..]),
            link in prop_oneof![
                "[a-z0-9]{1,8}([.-][a-z0-9]{1,6}){0,2}\\.[a-z]{2,4}(/[a-z0-9]{0,4})?",
                "[a-z0-9]-[a-z0-9]{1,4}\\.[a-z0-9]{1,3}",
                prop::sample::select(&["vietcombank-vn.top", "https://bit.ly/3xYz", "hxxp://acb-vn[.]net/login", "b1dv.xyz", "shopvn.vn/sale", "acb.vn", "uu.vn", "kh.vn", "a.vn", "0.5g", "www.zalo.me", "Vay.Tien.vn"][..]).prop_map(String::from),
            ],
            after in prop_oneof![
                Just(String::new()),
                "[.,;:!?)-]{0,2}( [a-z0-9]{1,5}){0,4}",
                prop::collection::vec(
                    (prop::sample::select(&[" ", ", ", "! ", " 🎉 ", "."][..]), prop::sample::select(WORDS)),
                    0..4,
                ).prop_map(|v| v.into_iter().map(|(g, w)| format!("{g}{w}")).collect::<String>()),
            ],
        ) {
            let text = format!("{before}{gap}{link}{after}");
            for t in [crate::content::fold(&text), text] {
                prop_assert_eq!(pieces(&t, true), pieces(&t, false), "{:?}", t);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// [`link_spans`] reading only the stretches between spaces that
        /// hold a `.`, `:` or `@` finds what reading every stretch finds.
        #[test]
        fn link_spans_read_only_stretches_with_links(
            text in prop_oneof![
                "[a-z0-9 .:@/_-]{0,60}",
                "(([a-z]{1,6}|[a-z0-9]{2,8}[.][a-z]{2,3}|https?://[a-z.]{0,8}|@[a-z_0-9]{0,7}|www[.][a-z]{2,5})[ ,.!]{1,2}){0,8}",
                prop::collection::vec(
                    (prop::sample::select(WORDS), prop::sample::select(&[" ", ".", ". ", "-", ".com ", ".vn/", "@", ": ", "://"][..])),
                    0..10,
                ).prop_map(|v| v.into_iter().map(|(w, g)| format!("{w}{g}")).collect::<String>()),
            ]
        ) {
            let t = crate::content::fold(&text);
            let (mut word, mut norm) = (Vec::new(), Vec::new());
            let (mut some, mut every) = (Vec::new(), Vec::new());
            link_spans(&t, &mut some, &mut word, &mut norm);
            link_spans_in::<true>(&t, &mut every, &mut word, &mut norm);
            prop_assert_eq!(some, every, "{:?}", t);
        }
    }

    /// What [`plain_own`] says of `t`, checked against the one-pass test:
    /// of a [`Plain::Own`] text, that [`simple_text`] reads it whole and
    /// calls `token` on nothing; of a [`Plain::Doubled`] one that
    /// [`doubled_words`] does not give up on, that [`simple_text`] reads
    /// it whole and calls `token` on the same pieces.
    fn plain_agrees(t: &str) -> Result<Plain, String> {
        let verdict = plain_own(t.as_bytes());
        let mut expected = Vec::new();
        let checked = match verdict {
            Plain::Own => true,
            Plain::Doubled => doubled_words(t.as_bytes(), |a, b, piece| {
                expected.push((a, b, piece));
                true
            }),
            Plain::Unknown => false,
        };
        if checked {
            let mut touched = Vec::new();
            let simple = simple_text(t, &[], false, |a, b, piece| {
                touched.push((a, b, piece));
                true
            });
            if !simple || touched != expected {
                return Err(format!(
                    "{t:?}: {verdict:?}, simple {simple}, {touched:?} against {expected:?}"
                ));
            }
        }
        Ok(verdict)
    }

    /// [`plain_own`] on every message of the test data, folded: when it
    /// says plain (or plain but for doubled letters), the one-pass test
    /// agrees; and it says so of most ordinary messages (the point of it).
    #[test]
    fn plain_texts_of_the_test_data() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/content");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).expect("testdata/content") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "tsv" || x == "txt") {
                    files.push(p);
                }
            }
        }
        let (mut lines, mut plain, mut ordinary, mut ordinary_plain) = (0, 0, 0, 0);
        let mut doubled = 0;
        for f in &files {
            let is_ordinary = f.to_string_lossy().contains("ordinary");
            for line in std::fs::read_to_string(f).expect("read").lines() {
                let text = line.rsplit('\t').next().unwrap_or(line);
                let folded = crate::content::fold(text);
                lines += 1;
                ordinary += usize::from(is_ordinary);
                match plain_agrees(&folded) {
                    Ok(Plain::Own) => {
                        plain += 1;
                        ordinary_plain += usize::from(is_ordinary);
                    }
                    Ok(Plain::Doubled) => doubled += 1,
                    Ok(Plain::Unknown) => {}
                    Err(e) => panic!("{e}"),
                }
            }
        }
        assert!(
            lines > 10_000 && plain > 0 && doubled > 0,
            "{lines} lines, {plain} plain, {doubled} plain but for doubled letters"
        );
        // A sixth of the ordinary messages at least (about a fifth when
        // written; most of the rest have a token to rewrite, `ko`, `100k`,
        // or a link).
        assert!(
            ordinary_plain * 6 > ordinary,
            "{ordinary_plain} of {ordinary}"
        );
    }

    proptest::proptest! {
        /// A word step 3 leaves alone ([`word_is_own`]) is its own
        /// normalisation without the text's typing (the quick path of
        /// [`write_link`]).
        #[test]
        fn own_words_normalise_to_themselves(w in prop_oneof![
            "[a-z]{2,12}",
            "[bcdghklmnpqrstvxz]{0,3}[aeiouy]{1,3}[cghmnpt]{0,2}",
        ]) {
            if word_is_own(w.as_bytes()) {
                let word: Vec<char> = w.chars().collect();
                let mut norm = Vec::new();
                normalize_word(&word, false, false, false, &mut norm);
                prop_assert_eq!(norm.as_slice(), w.as_bytes());
            }
        }
    }

    /// One token read as a word is enough for a second reading; a number
    /// kept, or digits alone, are not.
    #[test]
    fn one_token_gives_a_second_reading() {
        let second = |text: &str| {
            let mut buf = crate::content::FoldBuf::new();
            buf.fold(text);
            let mut r = RobustBuf::new();
            r.build_from(&buf);
            r.build_second_reading(buf.folded(), Some(buf.text()))
                .then(|| r.text().to_string())
        };
        assert_eq!(
            second("tài khoản sẽ 81 kh0a").as_deref(),
            Some("tai khoan se bi khoa")
        );
        // A number kept is no sign of leetspeak: `51m` is 51 metres
        // elsewhere, `57K` an amount.
        assert_eq!(second("51m số đẹp"), None);
        assert_eq!(second("qua 57K: 0071"), None);
        assert_eq!(second("nhà số 81 cắt tóc"), None);
        assert_eq!(second("vay 50 triệu"), None);
    }

    /// A text simple but for its links is read in one pass, each link as
    /// the four steps write it: the same robust text.
    #[test]
    fn links_in_a_simple_text_read_as_defined() {
        for text in [
            "nhan qua tai vietcombank-vn.top ngay",
            "truy cap https://bit.ly/3xYz de nhan",
            "mua tai shopvn.vn/sale, gia tot",
            "v4y t1en nhanh www.vay-t1en.net lh 0912",
            "b1dv.xyz",
            "ttienn thuong go88vn.win.",
            "dang nhap h77ps://acb.vn/x ngay",
            "xem 4gr1b4nk-sinhtrachoc.top truoc 18h",
            "nhan.qua.to tai abc.com",
            "lien he abc.com!",
            "tai x.vn",
        ] {
            let folded = crate::content::fold(text);
            let mut r = RobustBuf::new();
            r.build_text(&folded, Some(text));
            let (t, sk) = general(&folded, Some(text));
            assert_eq!(r.text(), t, "{text:?}");
            assert_eq!(r.skeleton(), sk, "{text:?}");
        }
    }

    /// A text the one-pass path gives up on part-way counts the digits it
    /// read as words once, as the four steps alone do.
    #[test]
    fn digit_reads_count_once_when_the_quick_path_gives_up() {
        for text in [
            "v4y t1en nhanh n.h.a.n.h",
            "kh0a t4i kh0an v.a.y",
            "v4y t1en",
        ] {
            let folded = crate::content::fold(text);
            let mut a = RobustBuf::new();
            a.build_or_own(&folded, Some(text));
            let mut b = RobustBuf::new();
            b.build_general(&folded, Some(text));
            assert_eq!(a.digit_read, b.digit_read, "{text:?}");
        }
    }

    #[test]
    fn tricks() {
        let cases = [
            ("v4y t1ền", "vay tien"),
            ("tr0 cấp", "tro cap"),
            ("kh0a", "khoa"),
            ("vvay ttienn nhhanh", "vay tien nhanh"),
            ("tieenf nhaanj", "tien nhan"),
            ("dduwowcj nguwowif", "duoc nguoi"),
            ("tiefn nhajn nguwowfi", "tien nhan nguoi"),
            ("casino first", "casino first"),
            ("tie6n2 nha6n5", "tien nhan"),
            ("n.a.p d.a.u 100k", "nap dau 100k"),
            ("n a p", "nap"),
            ("n . a . p d . a . u", "nap dau"),
            ("v 😀 a 😀 y", "vay"),
            ("v.4.y", "vay"),
            ("0ng 4nh 5tr 4g 100k 7ngay", "ong anh 5tr 4g 100k tngay"),
            ("vay💰tiền 🎁 nhanh", "vay tien nhanh"),
            ("v😀a😀y", "vay"),
            ("v@y $ieu", "vay sieu"),
            ("lãi suất 0.5%!", "lai suat 0.5%!"),
            ("gọi 0912-345-678", "goi 0912-345-678"),
            ("zalo: 0912", "zalo: 0912"),
            ("chúc mừng sinh nhật", "chuc mung sinh nhat"),
            ("", ""),
            ("  🎁  ", ""),
            // A word written with a marked letter is not VNI-typed.
            ("giả1 ngân", "giai ngan"),
            ("khó4 tà1 mặ7", "khoa tai mat"),
            ("sim 5ố đẹp", "sim so dep"),
            ("nhận qu4 tri ân", "nhan qua tri an"),
            // Without one, final digits stay VNI marks.
            ("gia1 lai4 suất", "gia lai suat"),
            // Amounts stay numbers; their repeated letters collapse.
            ("nạppp thẻ 100kkk, 15tr, 100đ", "nap the 100k, 15tr, 100d"),
            ("0ng 100kg 71en", "ong 100kg tien"),
            // A VNI key with nothing to mark is leetspeak; so are the
            // digits after a leet symbol read as a letter.
            ("bi37 ma7 gi@1 $u@7 74ng 7@c", "biet mat giai suat tang tac"),
            // A time of day is no leetspeak.
            ("7h30 19h45 7h3", "7h30 19h45 the"),
            // Two spaces between spelled-out words, one between letters.
            (
                "l ã i  s u ấ t  0%  t h á n g  đ ầ u",
                "lai suat 0% thang dau",
            ),
            ("n a p  d a u", "nap dau"),
            ("v  a  y 💰 t i ề n", "vay tien"),
            // A VNI tone typed right after its vowel, inside the word.
            (
                "gia3i nga2y tru1ng ta1c kho1a cu3a",
                "giai ngay trung tac khoa cua",
            ),
            ("khoa3n ru1t ba5n", "khoan rut ban"),
            // Leetspeak where a tone could not stand there.
            (
                "ti3n vi3c chuy3n hi3u su4t to4n lo4i qu4y gi4i",
                "tien viec chuyen hieu suat toan loai quay giai",
            ),
            // A leading leet digit with one letter, the digits after it
            // read as vowels; amounts and times stay.
            ("74i 74c 713n 741 10a", "tai 74c 713n 741 loa"),
            // `9` for `g` but after `d`; Telex `w` leading a word; the
            // letters around a dropped tone letter meet.
            ("thuon9 d9a", "thuong da"),
            ("wu dda tiefen web", "u da tien web"),
            // Separators with spaces around them, and arrows, between words.
            ("vay - tien - 50 - trieu", "vay tien 50 trieu"),
            (
                "rut | tien | nhanh, nap >> the >> 100k",
                "rut tien nhanh, nap the 100k",
            ),
            // One alone is a label's arrow or dash, kept as written.
            (
                "lai suat => 6%, thu nhap - 18 trieu",
                "lai suat => 6%, thu nhap - 18 trieu",
            ),
            // A lone `w` (teencode for `qua`) is no `u`.
            ("dep w, dai toi goi", "dep w, dai toi goi"),
            ("ngay. goi thu 2 - 4 - 6", "ngay. goi thu 2 - 4 - 6"),
        ];
        for (text, want) in cases {
            assert_eq!(robust_text(text), want, "{text}");
        }
    }

    #[test]
    fn otp_in_leetspeak_reads_otp() {
        for text in ["ma O7P", "ma 07P", "ma 0TP", "m4 o7p cu4 b4n"] {
            assert!(
                robust_text(text).contains("otp"),
                "{text}: {}",
                robust_text(text)
            );
        }
        // A number that is no acronym stays one.
        assert_eq!(robust_text("so 070 va 07"), "so 070 va 07");
    }

    /// The robust text of `text`, its written form known.
    fn first_reading(text: &str) -> String {
        both_readings(text).0
    }

    /// The robust text of `text`, its written form known, and its second
    /// reading if it has one that differs.
    fn both_readings(text: &str) -> (String, Option<String>) {
        let (mut buf, mut r) = (super::super::FoldBuf::new(), RobustBuf::new());
        buf.fold(text);
        r.build_from(&buf);
        let first = r.text().to_owned();
        let again = r.build_second_reading(buf.folded(), Some(buf.text()));
        (first, again.then(|| r.text().to_owned()))
    }

    #[test]
    fn links_hidden_or_in_leetspeak_read_as_links() {
        for (text, read) in [
            // Hidden dots and schemes, as links are read.
            ("vao vnpt-cccd(.)top nhe", "vao vnpt-cd.top nhe"),
            ("tai sieuhu88[.]com", "tai sieuhu88.com"),
            ("hxxps://acb-vn(dot)net", "htp://acb-vn.net"),
            // Only a scheme that starts a word.
            ("ma mhxxp nhe", "ma mhxp nhe"),
            // Letters spelled out in a link, joined.
            ("l-a-z-a-d-a-hoantien.cc", "lazada-hoantien.c"),
            ("vao vn-pay.com", "vao vn-pay.com"),
            // A top-level domain in leetspeak; a leetspeak digit between
            // letters, not a name's number.
            ("tai sunw1n68.v1p nhe", "tai sunwin68.vip nhe"),
            ("tai kub3t88.n37 nhe", "tai kubet88.net nhe"),
            ("tai l4z4d4-tri4n.cc", "tai lazada-trian.c"),
            ("vao b52club88.vip nhe", "vao b52club88.vip nhe"),
            ("vao 1xbet.com nhe", "vao 1xbet.com nhe"),
            ("gia 12.5m thoi", "gia 12.5m thoi"),
        ] {
            assert_eq!(first_reading(text), read, "{text}");
        }
    }

    #[test]
    fn loanwords_stay_but_in_a_text_typed_in_telex() {
        let read = |w: &str| {
            let w: Vec<char> = w.chars().collect();
            loan_letters(&w).map(|(l, telex)| (std::str::from_utf8(l).unwrap_or(""), telex))
        };
        assert_eq!(read("taxi"), Some(("taxi", false)));
        assert_eq!(read("s3xxx"), Some(("sex", true)));
        assert_eq!(read("v1$@"), Some(("visa", false)));
        assert_eq!(read("4pp"), Some(("app", false)));
        assert_eq!(read("tai"), None);
        assert_eq!(read("se"), None);
        // A number is none, in a text with a leetspeak digit too.
        assert_eq!(read("8055"), None);
        assert_eq!(both_readings("0 8055 "), ("0 8055".into(), None));
        assert_eq!(
            both_readings("Gọi taxi về nhà"),
            ("goi taxi ve nha".into(), None)
        );
        assert_eq!(both_readings("clip sẽ gửi"), ("clip se gui".into(), None));
        assert_eq!(
            both_readings("Taif khoanr sex bij khoas"),
            (
                "tai khoan se bi khoa".into(),
                Some("tai khoan sex bi khoa".into())
            )
        );
    }

    #[test]
    fn a_bang_ending_a_marked_word_that_goes_on_is_an_i() {
        for (text, read) in [
            ("có ngườ! nước ngoà! gửi quà", "co nguoi nuoc ngoai gui qua"),
            ("sàn Exness, lã! 5%/ngày", "san exne, lai 5%/ngay"),
            // A sentence ends there.
            ("Hay quá! Mai gặp nhé", "hay qua! mai gap nhe"),
            // No diacritic, not in leetspeak.
            ("hay qua! mai gap nhe", "hay qua! mai gap nhe"),
            // `g!4`, `g!4!`, `v1$@` in leetspeak.
            ("thuoc g!4 truyen, g!4! ng4n", "thuoc gia truyen, giai ngan"),
            ("b40 d4u v1$@ nh@t", "bao dau visa nhat"),
            ("4cc 11ên Quân", "ac lien quan"),
        ] {
            assert_eq!(first_reading(text), read, "{text}");
        }
    }

    /// The second reading: only in a text written in leetspeak, only
    /// tokens with a digit that read one syllable or a listed word; the
    /// first reading is left as it was when there is none.
    #[test]
    fn tokens_read_again_in_the_second_reading_only() {
        let second = both_readings;
        let cases = [
            (
                "7ai kh04n se 81 kh0a",
                "tai khoan se 81 khoa",
                Some("tai khoan se bi khoa"),
            ),
            (
                "chuy3n phi nh4n 9141 ngay",
                "chuyen phi nhan 9141 ngay",
                Some("chuyen phi nhan giai ngay"),
            ),
            // `70` reads `to` in the second; the first keeps the amount.
            (
                "v4y 70 tr1eu, 18 th4ng",
                "vay 70 trieu, 18 thang",
                Some("vay to trieu, 18 thang"),
            ),
            // Not written in leetspeak: no second reading.
            ("nha so 81 cat toc", "nha so 81 cat toc", None),
            // `40` is `ao`; `18`, `100k` read no syllable.
            (
                "v4y 18 tr1eu 40 ngay, 100k",
                "vay 18 trieu 40 ngay, 100k",
                Some("vay 18 trieu ao ngay, 100k"),
            ),
            (
                "d4u tu t13n 18 c01n",
                "dau tu tien 18 con",
                Some("dau tu tien 18 coin"),
            ),
            // A text in leetspeak with nothing to read again.
            ("v4y 18 tr1eu 100k", "vay 18 trieu 100k", None),
            // An amount's unit in leetspeak.
            (
                "h0 7r0 v4y 5007r, 1u0ng 17r2",
                "ho tro vay 5007r, luong 17r2",
                Some("ho tro vay 500tr, luong 1tr2"),
            ),
            // Pieces glued by an emoji that read a listed name, or one
            // syllable, joined; two words otherwise stay two.
            (
                "ket ban Za💰lo 0912345678",
                "ket ban da lo 0912345678",
                Some("ket ban zalo 0912345678"),
            ),
            (
                "bi5 kho🎰a1 2 chie6u2",
                "bi kho a 2 chieu",
                Some("bi khoa 2 chieu"),
            ),
            ("vay💰tiền nhanh", "vay tien nhanh", None),
            ("Nhận💰quà💰tri💰ân", "nhan qua tri an", None),
            // A `!` ending a token of digits (`50!`, `$0!`); a `1` that
            // only an `l` makes a word (`101`, `z410`).
            (
                "50! ke0 m!en phi, d4y l4 c4u",
                "50! keo mien phi, day la cau",
                Some("soi keo mien phi, day la cau"),
            ),
            (
                "d0n h4ng b1 101 th4nh t04n, k37 b4n Z410",
                "don hang bi 101 thanh toan, ket ban zaio",
                Some("don hang bi loi thanh toan, ket ban zalo"),
            ),
        ];
        for (text, first, again) in cases {
            let (f, a) = second(text);
            assert_eq!(f, first, "{text}");
            assert_eq!(a.as_deref(), again, "{text}");
        }
        let read = |t: &str| {
            let (mut letters, mut norm) = (Vec::new(), Vec::new());
            second_word(t.as_bytes(), &mut letters, &mut norm).then_some(norm)
        };
        assert_eq!(read("81").as_deref(), Some(&b"bi"[..]));
        assert_eq!(read("40").as_deref(), Some(&b"ao"[..]));
        assert_eq!(read("g4m3").as_deref(), Some(&b"game"[..]));
        assert_eq!(read("57k").as_deref(), Some(&b"stk"[..]));
        assert_eq!(read("57kkk").as_deref(), Some(&b"stk"[..]));
        assert_eq!(read("81j").as_deref(), Some(&b"bi"[..]));
        assert_eq!(read("8400").as_deref(), Some(&b"bao"[..]));
        assert_eq!(read("v!$4").as_deref(), Some(&b"visa"[..]));
        assert_eq!(read("101").as_deref(), Some(&b"loi"[..]));
        assert_eq!(read("11en").as_deref(), Some(&b"lien"[..]));
        for t in [
            "18", "82", "77", "100k", "5tr", "sv388", "kh0a1234", "tien", "v4y#", "500k", "50d",
        ] {
            assert_eq!(read(t), None, "{t}");
        }
    }
}
