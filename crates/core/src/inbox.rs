//! The 5656 short code (Circular 22/2021 Art.5, Art.6): what subscribers text
//! to 5656, read the way people actually type it.
//!
//! | message | meaning | [`Command`] |
//! |---|---|---|
//! | `DK DNC` / `DK DNC S` / `DK DNC V` | join the Do-Not-Call list for both channels / SMS / calls | [`Command::DncJoin`] |
//! | `HUY DNC` / `HUY DNC S` / `HUY DNC V` | leave it, for both / SMS only / calls only | [`Command::DncLeave`] |
//! | `S [source][content]`, `S (source)(content)` | report a spam SMS | [`Command::Report`] with [`Channel::Sms`] |
//! | `V [source][content]`, `V (source)(content)` | report a spam call | [`Command::Report`] with [`Channel::Call`] |
//!
//! Anything else is a [`Rejection`] whose message tells a person what is
//! wrong. [`parse`] never panics and never fails otherwise: any string in,
//! a command or a reason out.
//!
//! # Tolerance
//!
//! Keywords are matched on the *folded* text ([`crate::content::fold()`]), so
//! case, Vietnamese diacritics (`HỦY`, `Huỷ`, `ĐK`, `Đăng ký`), full-width
//! letters (`ＤＫ ＤＮＣ`) and look-alike letters do not matter.
//!
//! **DNC commands** are read on the letters and digits alone: spaces and
//! punctuation between the words are optional (`DKDNC S`, `dk  dnc`,
//! `DK.DNC.V`, `DK DNC S.`). The verb is `DK` or `DANG KY` (join), `HUY`,
//! `HUY DK` or `HUY DANG KY` (leave); then `DNC`; then an optional channel:
//! nothing or `SV`/`VS` (both channels), `S` or `SMS` (SMS), `V` (calls).
//! People add words (Circular 22's syntax is typed loosely): words before the verb are skipped
//! (`Toi muon dang ky DNC`), and after the channel letters the first other
//! word ends the command (`DK DNC S nhe` joins for SMS; `HUY DNC 5656`
//! leaves both). A first word of one or two letters that is not a channel
//! (`DK DNC X`, `HUY DNC SS`) is rejected: it was meant as a channel, and a
//! wrong guess would change someone's list.
//!
//! **Reports** are `S` or `V`, then the source and the content, each in a
//! bracket pair:
//! - brackets `[ ]`, `( )`, `{ }`, their full-width forms (`［ ］`, `（ ）`)
//!   and `【 】`, `〔 〕`, `〖 〗`; an opening bracket may be closed by any
//!   closing one (`[0912345678)` is fine);
//! - spaces optional around the brackets (`S[0912345678][...]`,
//!   `V (…) (…)`), and a `:` or `-` may follow the letter (`S: [...]`);
//! - the source group nests, so a fixed number keeps its parentheses
//!   (`V [(024) 3812 3456][...]`); when the first group holds only an area
//!   code and digits follow it, the parentheses were part of the number:
//!   `V (024) 3812 3456 (goi moi mua dat)` reports `024 3812 3456`;
//! - the content runs to the *last* closing bracket of the message, so it
//!   may hold brackets of its own (`[[QC] Vay (lai 0%) :)]`); a final
//!   closing bracket that was forgotten is forgiven; content written
//!   without brackets after a bracketed source is taken as it is; a source
//!   written without brackets before a bracketed content is accepted when
//!   it is a valid number or brandname (`S 0912345678 [vay tien]`);
//! - text after the content's closing bracket is rejected, except `.`, `!`
//!   and `?`;
//! - the source must be a phone number in any written form (`0912 345 678`,
//!   `+84 912.345.678`, `0084-912-345-678`, `(024) 3812 3456`, full-width
//!   digits), a short code (`9029`) or a brandname (at most 11 characters of
//!   `A-Z a-z 0-9 - _ .` and space); it is kept as written, and
//!   [`Command::Report::reported`] holds what it identifies;
//! - the content may not be empty.
//!
//! **Both**: leading and trailing white space is ignored, and so is the
//! wrapping people copy from the instructions: `Soạn DK DNC gửi 5656`,
//! `soan tin S [..][..] gui den 5656`.
//!
//! # Examples
//!
//! ```
//! use chanrac::dnc::Scopes;
//! use chanrac::event::Channel;
//! use chanrac::inbox::{parse, Command, RejectKind};
//!
//! assert_eq!(parse("DK DNC").unwrap(), Command::DncJoin(Scopes::ALL));
//! assert_eq!(parse("dkdnc s").unwrap(), Command::DncJoin(Scopes::SMS));
//! assert_eq!(parse("Huỷ DNC v").unwrap(), Command::DncLeave(Scopes::CALL));
//! assert_eq!(parse("HỦY  DNC").unwrap(), Command::DncLeave(Scopes::ALL));
//! assert_eq!(parse("Soạn ĐK DNC S gửi 5656").unwrap(), Command::DncJoin(Scopes::SMS));
//!
//! match parse("S [0912 345 678][Vay tiền nhanh, lãi 0%]").unwrap() {
//!     Command::Report { channel, source, content, reported } => {
//!         assert_eq!(channel, Channel::Sms);
//!         assert_eq!(source, "0912 345 678");
//!         assert_eq!(content, "Vay tiền nhanh, lãi 0%");
//!         assert_eq!(reported.to_string(), "84912345678");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! match parse("V（0243 812 3456）（gọi làm phiền）").unwrap() {
//!     Command::Report { channel, reported, content, .. } => {
//!         assert_eq!(channel, Channel::Call);
//!         assert_eq!(reported.to_string(), "842438123456");
//!         assert_eq!(content, "gọi làm phiền");
//!     }
//!     other => panic!("{other:?}"),
//! }
//!
//! // People add words; a stray channel letter is not guessed at.
//! assert_eq!(parse("Tôi muốn DK DNC S nhé").unwrap(), Command::DncJoin(Scopes::SMS));
//! let e = parse("DK DNC X").unwrap_err();
//! assert_eq!(e.kind(), RejectKind::DncScope);
//! assert_eq!(e.to_string(), "unexpected `X` after `DNC`: expected nothing (both channels), `S` (SMS) or `V` (calls)");
//! assert_eq!(parse("S 0912345678 vay tien").unwrap_err().kind(), RejectKind::NoBrackets);
//! assert_eq!(parse("S [0912 345][spam]").unwrap_err().kind(), RejectKind::SourceInvalid);
//! assert_eq!(parse("xin chào").unwrap_err().kind(), RejectKind::Unknown);
//! ```

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::content::FoldBuf;
use crate::dnc::Scopes;
use crate::event::Channel;
use crate::ident::Identifier;

/// A message to 5656 that was understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `DK DNC [S|V]`: add these scopes to the sender's DNC entry.
    DncJoin(Scopes),
    /// `HUY DNC [S|V]`: remove these scopes from the sender's DNC entry.
    DncLeave(Scopes),
    /// `S [source][content]` or `V [source][content]`: a spam report.
    Report {
        /// [`Channel::Sms`] for `S`, [`Channel::Call`] for `V`.
        channel: Channel,
        /// The source as written (trimmed).
        source: String,
        /// The content as written (trimmed), never empty.
        content: String,
        /// What the source identifies: a normalised number or short code,
        /// or a brandname.
        reported: Identifier,
    },
}

/// Why a message is not a 5656 command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectKind {
    /// Nothing but white space.
    Empty,
    /// Not one of the commands.
    Unknown,
    /// `DK` or `HUY` not followed by `DNC`.
    DncIncomplete,
    /// Something other than `S`, `V` or nothing after `DNC`.
    DncScope,
    /// A report without brackets around its source.
    NoBrackets,
    /// The source's opening bracket is never closed.
    SourceUnclosed,
    /// Empty source.
    SourceEmpty,
    /// The source is not a number, short code or brandname.
    SourceInvalid,
    /// A report with a source but no content.
    ContentMissing,
    /// Empty content.
    ContentEmpty,
    /// Words after the content's closing bracket.
    TrailingText,
}

impl RejectKind {
    /// A stable short name (`unknown`, `dnc_scope`, …).
    pub fn code(self) -> &'static str {
        match self {
            RejectKind::Empty => "empty",
            RejectKind::Unknown => "unknown",
            RejectKind::DncIncomplete => "dnc_incomplete",
            RejectKind::DncScope => "dnc_scope",
            RejectKind::NoBrackets => "no_brackets",
            RejectKind::SourceUnclosed => "source_unclosed",
            RejectKind::SourceEmpty => "source_empty",
            RejectKind::SourceInvalid => "source_invalid",
            RejectKind::ContentMissing => "content_missing",
            RejectKind::ContentEmpty => "content_empty",
            RejectKind::TrailingText => "trailing_text",
        }
    }
}

/// A message that is not a 5656 command, and why, in words a person can act
/// on (lower case, the offending text in backticks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    kind: RejectKind,
    message: String,
}

impl Rejection {
    fn new(kind: RejectKind, message: impl Into<String>) -> Rejection {
        Rejection {
            kind,
            message: message.into(),
        }
    }

    /// What kind of problem.
    pub fn kind(&self) -> RejectKind {
        self.kind
    }

    /// The reason, for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rejection {}

const EXPECTED: &str =
    "expected `DK DNC [S|V]`, `HUY DNC [S|V]`, `S [source][content]` or `V [source][content]`";

/// The DNC verbs on the skeleton, longest first (`huydk` before `huy`), and
/// whether each joins (`true`) or leaves the list.
const VERBS: [(&str, bool); 5] = [
    ("huydangky", false),
    ("huydk", false),
    ("huy", false),
    ("dangky", true),
    ("dk", true),
];

/// Reads a message sent to 5656. See the [module docs](self) for what is
/// tolerated.
pub fn parse(text: &str) -> Result<Command, Rejection> {
    let s = Stream::new(text);
    let (mut lo, mut hi) = s.trim(0, s.len());
    if lo == hi {
        return Err(Rejection::new(RejectKind::Empty, "empty message"));
    }
    (lo, hi) = s.strip_wrapping(lo, hi);
    let (skel, map) = s.skeleton(lo, hi);
    for (verb, join) in VERBS {
        if let Some(rest) = skel.strip_prefix(verb) {
            return dnc(&s, rest, skel.len() - rest.len(), &map, hi, join);
        }
    }
    let letter = s.chars[lo];
    let is_report =
        matches!(letter, 's' | 'v') && s.chars.get(lo + 1).is_none_or(|c| !c.is_alphanumeric());
    if !is_report {
        // Words before the command: a verb right before `DNC`.
        for (p, _) in skel.match_indices("dnc") {
            let before = &skel[..p];
            for (verb, join) in VERBS {
                if before.ends_with(verb) {
                    return dnc(&s, &skel[p..], p, &map, hi, join);
                }
            }
        }
    }
    if is_report {
        let channel = if letter == 's' {
            Channel::Sms
        } else {
            Channel::Call
        };
        return report(&s, channel, lo + 1, hi);
    }
    Err(Rejection::new(
        RejectKind::Unknown,
        format!("not a 5656 command: {EXPECTED}"),
    ))
}

/// `DK DNC …` / `HUY DNC …`, read on the skeleton: `rest` is what follows
/// the verb, starting at skeleton index `at`.
fn dnc(
    s: &Stream<'_>,
    rest: &str,
    at: usize,
    map: &[usize],
    hi: usize,
    join: bool,
) -> Result<Command, Rejection> {
    let verb = if join { "DK" } else { "HUY" };
    if !rest.starts_with("dnc") {
        return Err(Rejection::new(
            RejectKind::DncIncomplete,
            format!("`{verb}` must be followed by `DNC`: expected `{verb} DNC`, `{verb} DNC S` or `{verb} DNC V`"),
        ));
    }
    // The channel words right after `DNC` (glued or not: `DNCS`), then the
    // first other word ends the command.
    let from = map.get(at + 3).copied().unwrap_or(hi);
    let mut scopes = Scopes::NONE;
    let mut i = from;
    let mut first = true;
    while i < hi {
        i = s.skip(i, hi, |c| !c.is_alphanumeric());
        let end = s.skip(i, hi, char::is_alphanumeric);
        if end == i {
            break;
        }
        let word: String = s.chars[i..end].iter().collect();
        match word.as_str() {
            "s" | "sms" => scopes = scopes.union(Scopes::SMS),
            "v" => scopes = scopes.union(Scopes::CALL),
            "sv" | "vs" => scopes = Scopes::ALL,
            w if first && w.chars().count() <= 2 => {
                let tail = s.original(i, hi);
                return Err(Rejection::new(
                    RejectKind::DncScope,
                    format!("unexpected `{tail}` after `DNC`: expected nothing (both channels), `S` (SMS) or `V` (calls)"),
                ));
            }
            _ => break,
        }
        first = false;
        i = end;
    }
    if scopes.is_empty() {
        scopes = Scopes::ALL;
    }
    Ok(if join {
        Command::DncJoin(scopes)
    } else {
        Command::DncLeave(scopes)
    })
}

/// `S`/`V` then `[source][content]`, from unit `i` (just after the letter).
fn report(s: &Stream<'_>, channel: Channel, mut i: usize, hi: usize) -> Result<Command, Rejection> {
    let letter = if channel == Channel::Sms { 'S' } else { 'V' };
    let no_brackets = || {
        Rejection::new(
            RejectKind::NoBrackets,
            format!("put the source and the content in brackets: `{letter} [source][content]`"),
        )
    };
    i = s.skip(i, hi, |c| c == ' ' || c == ':' || c == '-');
    if i == hi {
        return Err(Rejection::new(
            RejectKind::ContentMissing,
            format!("missing the source and the content: `{letter} [source][content]`"),
        ));
    }
    // The source, and the unit where what follows it starts.
    let (source, reported, after) = if is_open(s.chars[i]) {
        let Some(close) = s.matching(i, hi) else {
            return Err(Rejection::new(
                RejectKind::SourceUnclosed,
                "the bracket around the source is never closed",
            ));
        };
        let inner = s.original_between(i, close);
        match area_code_number(s, i, close, hi, inner) {
            Some((src, id, next)) => (src, id, next),
            None => {
                let id = source_identifier(inner)?;
                (inner.to_string(), id, close + 1)
            }
        }
    } else {
        // `S 0912345678 [content]`: an unbracketed source, accepted only
        // when it is a valid identifier before a bracketed content.
        let Some(open) = (i..hi).find(|&j| is_open(s.chars[j])) else {
            return Err(no_brackets());
        };
        let src = s.original(i, open).trim();
        let id = source_identifier(src).map_err(|_| no_brackets())?;
        (src.to_string(), id, open)
    };
    let k = s.skip(after, hi, |c| matches!(c, ' ' | ':' | '-' | ','));
    if k == hi {
        return Err(Rejection::new(
            RejectKind::ContentMissing,
            format!("missing the content: `{letter} [source][content]`"),
        ));
    }
    // The content's text and its units (to tell whether anything visible
    // is in it: zero-width characters alone do not make a content).
    let (content, units) = if is_open(s.chars[k]) {
        let end = s.trim_back(k + 1, hi, |c| matches!(c, ' ' | '.' | '!' | '?'));
        if end > k + 1 && is_close(s.chars[end - 1]) {
            (s.original_between(k, end - 1), k + 1..end - 1)
        } else {
            match s.matching(k, hi) {
                // The closing bracket was forgotten.
                None => (s.original(k + 1, hi).trim(), k + 1..hi),
                Some(close) => {
                    let tail = s.original(close + 1, hi).trim();
                    return Err(Rejection::new(
                        RejectKind::TrailingText,
                        format!("unexpected `{tail}` after the content's closing bracket"),
                    ));
                }
            }
        }
    } else {
        (s.original(k, hi).trim(), k..hi)
    };
    if content.is_empty() || units.clone().all(|j| s.chars[j] == ' ') {
        return Err(Rejection::new(
            RejectKind::ContentEmpty,
            "empty content: write what the spam said",
        ));
    }
    Ok(Command::Report {
        channel,
        source,
        content: content.to_string(),
        reported,
    })
}

/// `V (024) 3812 3456 (…)`: a first group holding only an area code
/// (`0…` or `+…`, at most 4 digits) followed by digits outside it is one
/// number with its area code in parentheses. Returns the source as written,
/// the number, and the unit after it.
fn area_code_number(
    s: &Stream<'_>,
    open: usize,
    close: usize,
    hi: usize,
    inner: &str,
) -> Option<(String, Identifier, usize)> {
    let inner = inner.nfkc().collect::<String>();
    let inner = inner.trim();
    let digits = inner.strip_prefix('+').unwrap_or(inner);
    let area = (inner.starts_with('0') || inner.starts_with('+'))
        && (1..=4).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit());
    if !area {
        return None;
    }
    let next = (close + 1..hi).find(|&j| is_open(s.chars[j])).unwrap_or(hi);
    let run = &s.chars[close + 1..next];
    let numeric = run.iter().any(char::is_ascii_digit)
        && run
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-'));
    if !numeric {
        return None;
    }
    let written = s.original(open, next).trim();
    match source_identifier(written) {
        Ok(id @ Identifier::Number(n)) if !n.is_short_code() => {
            Some((written.to_string(), id, next))
        }
        _ => None,
    }
}

/// What a reported source identifies: a number in any written form
/// (full-width digits too), a short code, or a brandname.
pub fn source_identifier(source: &str) -> Result<Identifier, Rejection> {
    let source = source.trim();
    if source.is_empty() {
        return Err(Rejection::new(
            RejectKind::SourceEmpty,
            "empty source: write the number or brandname that sent the spam",
        ));
    }
    let nfkc: String = source.nfkc().collect();
    Identifier::parse(&nfkc).map_err(|e| {
        Rejection::new(
            RejectKind::SourceInvalid,
            format!("source `{source}` is not a phone number, short code or brandname: {e}"),
        )
    })
}

fn is_open(c: char) -> bool {
    matches!(c, '[' | '(' | '{' | '【' | '〔' | '〖')
}

fn is_close(c: char) -> bool {
    matches!(c, ']' | ')' | '}' | '】' | '〕' | '〗')
}

/// The message folded character by character, each folded character
/// remembering the bytes of the original character it came from, so that
/// keywords are read on folded text and the source and content are cut
/// from the original.
struct Stream<'a> {
    text: &'a str,
    /// Folded characters; white space is `' '`.
    chars: Vec<char>,
    /// Byte range in `text` of the original character of each.
    spans: Vec<(usize, usize)>,
}

impl<'a> Stream<'a> {
    fn new(text: &'a str) -> Stream<'a> {
        let mut chars = Vec::with_capacity(text.len());
        let mut spans = Vec::with_capacity(text.len());
        let mut buf = FoldBuf::new();
        let mut one = [0u8; 4];
        for (b, c) in text.char_indices() {
            let span = (b, b + c.len_utf8());
            if c.is_whitespace() {
                chars.push(' ');
                spans.push(span);
            } else if c.is_ascii() {
                if !c.is_ascii_control() {
                    chars.push(c.to_ascii_lowercase());
                    spans.push(span);
                }
            } else {
                buf.fold(c.encode_utf8(&mut one));
                for f in buf.folded().chars() {
                    chars.push(f);
                    spans.push(span);
                }
            }
        }
        Stream { text, chars, spans }
    }

    fn len(&self) -> usize {
        self.chars.len()
    }

    /// `[lo, hi)` without white space at either end.
    fn trim(&self, lo: usize, hi: usize) -> (usize, usize) {
        let lo = self.skip(lo, hi, |c| c == ' ');
        (lo, self.trim_back(lo, hi, |c| c == ' '))
    }

    /// The first unit at or after `i` (before `hi`) not matching `f`.
    fn skip(&self, mut i: usize, hi: usize, f: impl Fn(char) -> bool) -> usize {
        while i < hi && f(self.chars[i]) {
            i += 1;
        }
        i
    }

    /// `hi` moved back over units matching `f`, not before `lo`.
    fn trim_back(&self, lo: usize, mut hi: usize, f: impl Fn(char) -> bool) -> usize {
        while hi > lo && f(self.chars[hi - 1]) {
            hi -= 1;
        }
        hi
    }

    /// Whether the word `w` starts at `i` and ends before `hi` at a word
    /// boundary; the unit after it.
    fn word_at(&self, i: usize, hi: usize, w: &str) -> Option<usize> {
        let n = w.chars().count();
        let end = i.checked_add(n).filter(|&e| e <= hi)?;
        let same = self.chars[i..end].iter().copied().eq(w.chars());
        let boundary = end == hi || !self.chars[end].is_alphanumeric();
        (same && boundary).then_some(end)
    }

    /// Whether the word `w` ends at `hi` and starts after `lo` at a word
    /// boundary; the unit where it starts.
    fn word_before(&self, lo: usize, hi: usize, w: &str) -> Option<usize> {
        let n = w.chars().count();
        let start = hi.checked_sub(n).filter(|&s| s >= lo)?;
        let same = self.chars[start..hi].iter().copied().eq(w.chars());
        let boundary = start == lo || !self.chars[start - 1].is_alphanumeric();
        (same && boundary).then_some(start)
    }

    /// Drops `Soạn [tin]` in front and `gửi [đến|tới] 5656` at the end, as
    /// copied from the instructions, when something is left between them.
    fn strip_wrapping(&self, lo: usize, hi: usize) -> (usize, usize) {
        let mut a = lo;
        if let Some(e) = self.word_at(lo, hi, "soan") {
            let mut e = self.skip(e, hi, |c| c == ' ' || c == ':');
            if let Some(t) = self.word_at(e, hi, "tin") {
                e = self.skip(t, hi, |c| c == ' ' || c == ':');
            }
            if e > lo + 4 && e < hi {
                a = e;
            }
        }
        let mut b = hi;
        let end = self.trim_back(a, hi, |c| matches!(c, ' ' | '.' | '!'));
        if let Some(k) = self.word_before(a, end, "5656") {
            let k2 = self.trim_back(a, k, |c| c == ' ');
            if k2 < k {
                let k3 = self
                    .word_before(a, k2, "den")
                    .or_else(|| self.word_before(a, k2, "toi"))
                    .map_or(k2, |x| self.trim_back(a, x, |c| c == ' '));
                if let Some(g) = self.word_before(a, k3, "gui") {
                    let g = self.trim_back(a, g, |c| c == ' ');
                    if g > a {
                        b = g;
                    }
                }
            }
        }
        (a, b)
    }

    /// The letters and digits of `[lo, hi)` and, for each, its unit.
    fn skeleton(&self, lo: usize, hi: usize) -> (String, Vec<usize>) {
        let mut s = String::new();
        let mut map = Vec::new();
        for i in lo..hi {
            let c = self.chars[i];
            if c.is_alphanumeric() {
                s.push(c);
                // Non-ASCII letters take more than one byte: map every byte.
                map.extend(std::iter::repeat_n(i, c.len_utf8()));
            }
        }
        (s, map)
    }

    /// The unit of the bracket closing the one opened at `open` (brackets
    /// of any shape nest), before `hi`.
    fn matching(&self, open: usize, hi: usize) -> Option<usize> {
        let mut depth = 0usize;
        for j in open..hi {
            let c = self.chars[j];
            if is_open(c) {
                depth += 1;
            } else if is_close(c) {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(j);
                }
            }
        }
        None
    }

    /// The original text of units `[a, b)`.
    fn original(&self, a: usize, b: usize) -> &'a str {
        if a >= b || b > self.spans.len() {
            return "";
        }
        self.slice(self.spans[a].0, self.spans[b - 1].1)
    }

    /// The original text strictly between the brackets at units `open` and
    /// `close`, trimmed.
    fn original_between(&self, open: usize, close: usize) -> &'a str {
        match (self.spans.get(open), self.spans.get(close)) {
            (Some(o), Some(c)) => self.slice(o.1, c.0).trim(),
            _ => "",
        }
    }

    fn slice(&self, a: usize, b: usize) -> &'a str {
        if a >= b {
            return "";
        }
        self.text.get(a..b).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(text: &str) -> (Channel, String, String, String) {
        match parse(text) {
            Ok(Command::Report {
                channel,
                source,
                content,
                reported,
            }) => (channel, source, content, reported.to_string()),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn dnc_forms() {
        for (t, want) in [
            ("DK DNC", Command::DncJoin(Scopes::ALL)),
            ("dkdnc", Command::DncJoin(Scopes::ALL)),
            ("DKDNC S", Command::DncJoin(Scopes::SMS)),
            ("dk  dnc   v", Command::DncJoin(Scopes::CALL)),
            ("Đăng ký DNC", Command::DncJoin(Scopes::ALL)),
            ("HUY DNC S", Command::DncLeave(Scopes::SMS)),
            ("Huỷ DNC v", Command::DncLeave(Scopes::CALL)),
            ("hủy đăng ký dnc", Command::DncLeave(Scopes::ALL)),
            ("ＤＫ ＤＮＣ Ｓ", Command::DncJoin(Scopes::SMS)),
            ("soan DK DNC gui 5656", Command::DncJoin(Scopes::ALL)),
        ] {
            assert_eq!(parse(t), Ok(want), "{t}");
        }
    }

    #[test]
    fn reports() {
        let (c, s, x, r) = report("S [0912 345 678][Vay tien nhanh]");
        assert_eq!(
            (c, s.as_str(), x.as_str(), r.as_str()),
            (
                Channel::Sms,
                "0912 345 678",
                "Vay tien nhanh",
                "84912345678"
            )
        );
        let (c, _, x, r) = report("V(0243 812 3456)(goi lam phien)");
        assert_eq!(
            (c, x.as_str(), r.as_str()),
            (Channel::Call, "goi lam phien", "842438123456")
        );
        let (_, s, x, r) = report("V (024) 3812 3456 (moi mua dat)");
        assert_eq!(
            (s.as_str(), x.as_str(), r.as_str()),
            ("(024) 3812 3456", "moi mua dat", "842438123456")
        );
        let (_, _, x, _) = report("s[VIETTEL][[QC] Khuyen mai (50%) :)]");
        assert_eq!(x, "[QC] Khuyen mai (50%) :)");
        let (_, _, x, _) = report("S [9029][trung thuong");
        assert_eq!(x, "trung thuong");
        assert_eq!(
            parse("S [0912345678][\u{200b}\u{feff}]").map_err(|e| e.kind()),
            Err(RejectKind::ContentEmpty)
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "",
            "S",
            "S [",
            "S []",
            "S [][",
            "S [0912345678][",
            "S [0912345678]",
            "V ((((",
            "V ))))",
            "⑴⑵",
            "S ⑴⑵",
            "S (⑴)(⑵)",
            "\u{0301}\u{0301}",
            "s\u{200b}[0912345678]\u{200b}[x]",
            "soan",
            "soan gui 5656",
            "gui 5656",
            "DK DNC gui 5656",
            "S [0912345678][\u{200b}]",
        ] {
            let _ = parse(t);
        }
    }
}
