//! Text folding (docs/matching.md): the *folded text* and its *skeleton*.
//!
//! The folded text of a message is, in this order of effect:
//!
//! 1. **Unicode NFKC**: full-width `ＶＡＹ`, mathematical `𝐯𝐚𝐲`, circled `ⓥ`,
//!    ligatures `ﬁ`, the non-breaking space and the like become their plain
//!    forms.
//! 2. **Lower case** (`char::to_lowercase`).
//! 3. **Diacritics removed**: every mark of the combining diacritical blocks
//!    (U+0300–U+036F, U+1AB0–U+1AFF, U+1DC0–U+1DFF, U+20D0–U+20FF,
//!    U+FE20–U+FE2F) is dropped after canonical decomposition, so all the
//!    Vietnamese tone and vowel marks go (`ạ ả ã à á â ầ ấ ẩ ẫ ậ ă ằ … ơ ư ê` →
//!    base letter), and so do stray combining marks a spammer stacks on
//!    letters. `đ`/`Đ` (and the look-alike `Ð`, `ð`) become `d`.
//! 4. **Look-alike letters mapped to ASCII** (see the table below).
//! 5. **Zero-width and format characters dropped**: U+200B–U+200F, U+2060–U+2064,
//!    U+2066–U+206F, U+202A–U+202E, U+FEFF, the soft hyphen U+00AD, U+034F,
//!    U+061C, U+180B–U+180F, the variation selectors, the Hangul fillers
//!    (U+115F, U+1160, U+3164, U+FFA0), U+17B4/U+17B5, U+FFF9–U+FFFB and the
//!    tag characters; also the control characters that are not white space
//!    (C0, DEL, C1).
//! 6. **White space collapsed**: every run of white space (Unicode
//!    `White_Space`: space, tab, line breaks, NBSP, U+2000–U+200A, U+3000, …)
//!    becomes one space, and the ends are trimmed.
//!
//! The *skeleton* is the folded text with everything but `a-z0-9` removed, so
//! `V.A.Y T-I-Ề-N nhanh` and `vay tiền nhanh` share the skeleton
//! `vaytiennhanh`.
//!
//! # Look-alike table
//!
//! Mapped by the shape of each case, so an upper-case letter and its lower
//! case may map differently (Greek `Η` looks like `H`, `η` like `n`):
//!
//! | script | letters → ASCII |
//! |---|---|
//! | Cyrillic | `А а`→a, `В в ь`→b, `С с`→c, `Ԁ ԁ`→d, `Е е Ҽ ҽ Ҿ ҿ`→e, `Ԍ ԍ`→g, `Һ һ Н н`→h, `І і`→i, `Ј ј`→j, `К к`→k, `Ӏ ӏ`→l, `М м`→m, `п`→n, `О о`→o, `Р р`→p, `Ԛ ԛ`→q, `г Я я`→r, `Ѕ ѕ`→s, `Т т`→t, `Ѵ ѵ`→v, `Ԝ ԝ ѡ`→w, `Х х`→x, `У у Ү ү`→y |
//! | Greek | `Α α`→a, `Β β`→b, `Ϲ ϲ`→c, `Ε ε`→e, `Ϝ ϝ`→f, `Η`→h, `Ι ι`→i, `Ϳ ϳ`→j, `Κ κ`→k, `Μ`→m, `Ν η`→n, `Ο ο`→o, `Ρ ρ`→p, `Τ τ`→t, `υ μ`→u (and the micro sign `µ`), `ν`→v, `ω`→w, `Χ χ`→x, `Υ γ`→y, `Ζ`→z |
//! | Armenian | `ո`→n, `Ս ս`→u, `Օ օ`→o, `հ`→h, `զ գ`→q, `ց`→g, `Լ`→l |
//! | signs | `¥`→y, `¢`→c |
//! | Latin | `Đ đ Ð ð ɖ`→d, `Ł ł`→l, `Ø ø`→o, `ı ɩ`→i, `ƅ`→b, `ȷ`→j, `ɑ`→a, `ɡ`→g, and the small capitals `ᴀ ʙ ᴄ ᴅ ᴇ ɢ ʜ ɪ ᴊ ᴋ ʟ ᴍ ɴ ᴏ ᴘ ʀ ꜱ ᴛ ᴜ ᴠ ᴡ ʏ ᴢ` |
//! | negative circled and negative squared letters | `🅐`–`🅩` and `🅰`–`🆉` → a–z (NFKC leaves them) |
//! | full-width, mathematical, circled, parenthesised letters and digits | by NFKC |
//! | dashes | `‐ ‑ ‒ – — ― −` → `-` (so `0912–345–678` is still a contact number) |
//!
//! Letters of other scripts are kept (lower-cased): they never reach the
//! skeleton, which holds `a-z0-9` only.
//!
//! # Speed
//!
//! Pure-ASCII text takes a byte loop with no normalisation machinery. Other
//! text goes through a per-character table (built once per process, 256 KiB,
//! covering the Basic Multilingual Plane): every character whose NFKC does not
//! depend on its neighbours (precomposed and decomposed Vietnamese, Cyrillic,
//! Greek, full-width forms, punctuation, CJK, emoji, …) is folded by one
//! lookup. Only a text holding a character that can combine with its
//! neighbours under NFKC beyond the dropped diacritics (Hangul jamo, kana
//! voicing marks, Indic and Hebrew/Arabic points, …) takes the full streaming
//! NFKC. Once a [`FoldBuf`]'s buffers have grown, folding allocates nothing
//! (the streaming NFKC may allocate for a run of more than four combining
//! marks).
//!
//! Folding is idempotent: `fold(fold(x)) == fold(x)`.

use std::iter::once;
use std::sync::OnceLock;

use unicode_normalization::char::{
    canonical_combining_class, decompose_canonical, decompose_compatible,
};
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Caller-owned, reusable scratch holding the folded text and skeleton of the
/// last folded message.
///
/// Keep one per thread (or per connection) and call [`FoldBuf::fold`] for each
/// message: once its buffers have grown to the longest message, folding
/// allocates nothing.
///
/// ```
/// use chanrac::content::FoldBuf;
/// let mut buf = FoldBuf::new();
/// buf.fold("  V.A.Y\u{200B} T-I-Ề-N   nhanh!! ");
/// assert_eq!(buf.folded(), "v.a.y t-i-e-n nhanh!!");
/// assert_eq!(buf.skeleton(), "vaytiennhanh");
/// ```
#[derive(Clone, Debug, Default)]
pub struct FoldBuf {
    folded: String,
    /// `a-z0-9` only: kept as bytes, read as a `str` where asked for
    /// ([`FoldBuf::skeleton`]); the scan reads the bytes, unchecked.
    skeleton: Vec<u8>,
    scratch: Vec<u8>,
    /// The text as given (for diacritic-sensitive signatures).
    text: String,
    stage: Stage,
}

/// The staging arrays of [`Out`], kept from one message to the next so
/// that they are not cleared for each (what is read of them was written
/// for the message at hand).
#[derive(Clone)]
struct Stage(Box<([u8; STAGE], [u8; STAGE])>);

impl Default for Stage {
    fn default() -> Stage {
        Stage(Box::new(([0; STAGE], [0; STAGE])))
    }
}

impl std::fmt::Debug for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stage").finish_non_exhaustive()
    }
}

impl FoldBuf {
    /// An empty buffer.
    pub fn new() -> FoldBuf {
        FoldBuf::default()
    }

    /// Folds `text`, replacing the previous contents.
    pub fn fold(&mut self, text: &str) {
        let mut fo = std::mem::take(&mut self.folded).into_bytes();
        let mut sk = std::mem::take(&mut self.skeleton);
        fo.clear();
        sk.clear();
        fold_into(text, &mut fo, &mut sk, &mut self.scratch, &mut self.stage);
        self.folded = into_string(fo);
        self.skeleton = sk;
        self.text.clear();
        self.text.push_str(text);
    }

    /// The last message as given, before folding.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The folded text of the last message.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// The skeleton (`a-z0-9` only) of the last message.
    pub fn skeleton(&self) -> &str {
        // ASCII by construction: the check cannot fail.
        std::str::from_utf8(&self.skeleton).unwrap_or_default()
    }

    /// The skeleton as bytes, as the scan reads it.
    pub(crate) fn skeleton_bytes(&self) -> &[u8] {
        &self.skeleton
    }
}

/// The folded text of `text` (allocates; see [`FoldBuf`] for the hot path).
///
/// ```
/// assert_eq!(chanrac::content::fold("ＶＡＹ  Tiền\tNHANH"), "vay tien nhanh");
/// ```
pub fn fold(text: &str) -> String {
    with_buf(text, |b| b.folded.clone())
}

/// Folds `text` in the thread's own buffer (its staging arrays made once,
/// not for each call) and returns what `f` takes from it.
fn with_buf<T>(text: &str, f: impl FnOnce(&FoldBuf) -> T) -> T {
    thread_local! {
        static BUF: std::cell::RefCell<FoldBuf> = std::cell::RefCell::new(FoldBuf::new());
    }
    BUF.with(|b| match b.try_borrow_mut() {
        Ok(mut b) => {
            b.fold(text);
            f(&b)
        }
        Err(_) => {
            let mut b = FoldBuf::new();
            b.fold(text);
            f(&b)
        }
    })
}

/// The skeleton of `text` (allocates; see [`FoldBuf`] for the hot path).
///
/// ```
/// assert_eq!(chanrac::content::skeleton("V.A.Y T-I-Ề-N nhanh"), "vaytiennhanh");
/// ```
pub fn skeleton(text: &str) -> String {
    with_buf(text, |b| b.skeleton().to_string())
}

/// Whether `c` can appear in folded text as itself (folding maps it to
/// itself). Used to reject regex literals that can never match.
pub(crate) fn is_fixed_point(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_uppercase() && !c.is_ascii_control();
    }
    let mut n = 0;
    let mut same = true;
    let ok = fold_char(c, &mut |o| {
        n += 1;
        same &= o == c;
    });
    ok && n == 1 && same
}

/// Our output is UTF-8 by construction; should that ever fail, the lossy
/// form is still better than a panic.
fn into_string(v: Vec<u8>) -> String {
    String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Folds `text` into the (empty) byte buffers.
fn fold_into(
    text: &str,
    fo: &mut Vec<u8>,
    sk: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    stage: &mut Stage,
) {
    if text.is_ascii() {
        fold_ascii(text.as_bytes(), fo, sk, stage);
        return;
    }
    let table = table();
    if fold_fast(table, text, fo, sk, stage) {
        return;
    }
    fo.clear();
    sk.clear();
    fold_slow(text, fo, sk);
    // The streaming path can leave neighbours that compose once a dropped
    // character between them is gone; fold again until stable (in practice
    // once) so that folding stays idempotent.
    for _ in 0..3 {
        match std::str::from_utf8(fo) {
            Ok(s) if has_context_char(table, s) => {}
            _ => break,
        }
        std::mem::swap(fo, scratch);
        fo.clear();
        sk.clear();
        match std::str::from_utf8(scratch) {
            Ok(prev) => fold_slow(prev, fo, sk),
            Err(_) => break,
        }
        if fo == scratch {
            break;
        }
    }
}

/// Byte classes of folded output (and of ASCII input): the output byte, and
/// flags. Bytes of non-ASCII output characters are kept as they are.
const KEEP: u16 = 1 << 8;
const SPACE: u16 = 1 << 9;
const ALNUM: u16 = 1 << 10;
const _: () = assert!(SPACE == 1 << 9 && ALNUM == 1 << 10); // Out::byte shifts by these
const BYTES: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'a'..=b'z' | b'0'..=b'9' => KEEP | ALNUM | c as u16,
            b'A'..=b'Z' => KEEP | ALNUM | (c | 0x20) as u16,
            b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' => KEEP | SPACE | b' ' as u16,
            0x00..=0x1F | 0x7F => 0,
            _ => KEEP | c as u16,
        };
        b += 1;
    }
    t
};

/// The staging buffers of [`Out`]: folded bytes are written there by index
/// (a power of two, so the index is masked instead of bounds-checked) and
/// moved to the output in blocks.
const STAGE: usize = 512;
/// The most bytes written between two [`Out::drain`] calls: one character's
/// folded form (at most 255 bytes from the table, [`WIDE`] beyond it) or a
/// block of ASCII.
const HALF: usize = STAGE / 2;
/// The longest folded form of a character beyond the table that the fast
/// path takes; a longer one goes to the streaming path.
const WIDE: usize = HALF;

/// Where the folded bytes go: staged in fixed arrays (written without
/// per-byte capacity or bounds checks), then appended to the output
/// vectors, with the white-space state.
///
/// Invariant: at most `HALF` bytes are written between two calls of
/// [`Out::drain`], which leaves fewer than `HALF` staged; so the stage
/// (`STAGE = 2 × HALF`) never overflows. The skeleton never holds more staged
/// bytes than the folded text (each of its bytes is a kept byte there).
struct Out<'a> {
    fo: &'a mut Vec<u8>,
    sk: &'a mut Vec<u8>,
    fs: &'a mut [u8; STAGE],
    ks: &'a mut [u8; STAGE],
    at: At,
}

/// Where the next staged bytes go: `j` in the folded text's stage, `k` in
/// the skeleton's; `after` is 1 when nothing was written yet or the last
/// byte written is a space (white space then adds nothing).
#[derive(Clone, Copy)]
struct At {
    j: usize,
    k: usize,
    after: usize,
}

impl<'a> Out<'a> {
    fn new(fo: &'a mut Vec<u8>, sk: &'a mut Vec<u8>, stage: &'a mut Stage) -> Out<'a> {
        fo.clear();
        sk.clear();
        let (fs, ks) = &mut *stage.0;
        Out {
            fo,
            sk,
            fs,
            ks,
            at: At {
                j: 0,
                k: 0,
                after: 1,
            },
        }
    }

    /// Writes one byte (ASCII input or folded output); see [`put`].
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        put(b, self.fs, self.ks, &mut self.at);
    }

    #[inline]
    fn char(&mut self, c: char) {
        let mut b = [0; 4];
        for &x in c.encode_utf8(&mut b).as_bytes() {
            self.byte(x);
        }
    }

    /// A run of ASCII input, eight bytes at a time where it can
    /// ([`put_ascii`]), moved out each time half the stage is used (the
    /// positions in locals, so that they stay in registers).
    fn ascii(&mut self, run: &[u8]) {
        let mut at = self.at;
        let mut i = 0;
        while i < run.len() {
            i += self.put_ascii(run, i, &mut at);
        }
        self.at = at;
    }

    /// [`put_ascii`] at `i` of `bytes` with the positions in `at` (a local
    /// of the caller's), moving the staged bytes out once half the stage is
    /// used; returns how many bytes it took.
    #[inline(always)]
    fn put_ascii(&mut self, bytes: &[u8], i: usize, at: &mut At) -> usize {
        let n = put_ascii(bytes, i, self.fs, self.ks, at);
        if at.j >= HALF {
            self.at = *at;
            self.flush();
            *at = self.at;
        }
        n
    }

    /// Moves the staged bytes out once half the stage is used.
    #[inline(always)]
    fn drain(&mut self) {
        if self.at.j >= HALF {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.fo
            .extend_from_slice(self.fs.get(..self.at.j).unwrap_or(&self.fs[..]));
        self.sk
            .extend_from_slice(self.ks.get(..self.at.k).unwrap_or(&self.ks[..]));
        (self.at.j, self.at.k) = (0, 0);
    }

    /// Moves the rest out, without a trailing space.
    fn finish(mut self) {
        self.flush();
        if self.fo.last() == Some(&b' ') {
            self.fo.pop();
        }
    }
}

/// Writes one byte of ASCII input or folded output at the staged positions
/// `at.j` (folded) and `at.k` (skeleton). A dropped byte (an ASCII control
/// character: folded output never holds one) is skipped by a branch; a kept
/// one is written without data-dependent branches: it is stored, and the
/// positions advance past the bytes that stay. Whether white space follows
/// white space (`at.after`) depends on the input alone, so the loop carries no
/// chain through memory.
#[inline(always)]
fn put(b: u8, fs: &mut [u8; STAGE], ks: &mut [u8; STAGE], at: &mut At) {
    let e = BYTES[usize::from(b)];
    if e & KEEP == 0 {
        return;
    }
    let space = usize::from(e >> 9) & 1;
    fs[at.j % STAGE] = e as u8;
    at.j += 1 - (space & at.after);
    ks[at.k % STAGE] = e as u8;
    at.k += usize::from(e >> 10) & 1;
    at.after = space;
}

/// Bytes of a `u64` read little-endian (byte 0 first): the low and the
/// high bit of each.
const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` in `lo..=hi` (`hi < 0x80`), exact for
/// the bytes before its first non-ASCII byte: each sum stays below `0x100`
/// in an ASCII byte, so no carry reaches the next byte; a non-ASCII byte's
/// carry reaches only bytes after it.
#[inline(always)]
const fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
    let above_lo = x.wrapping_add((0x80 - lo as u64) * LO);
    let above_hi = x.wrapping_add((0x80 - (hi as u64 + 1)) * LO);
    above_lo & !above_hi & HI
}

/// Folds the ASCII bytes at the start of the 8 bytes `x` (little-endian,
/// so the first byte of the text is the low byte) as [`put`] would one by
/// one, up to the first that is not ASCII, a control character (dropped,
/// or white space other than a space) or a space after white space; says
/// how many it folded (0 when the first is such a byte: [`put`] takes it).
///
/// Without a branch on the bytes: the bytes are lower-cased and stored
/// whole at `j` (those past the ones folded are written over later), and
/// each at `k` plus the number of letters and digits before it, so that
/// each letter or digit lands after the one before it (the other bytes
/// are written over by the next).
#[inline(always)]
fn put8(x: u64, fs: &mut [u8; STAGE], ks: &mut [u8; STAGE], at: &mut At) -> usize {
    // Exact in the bytes before the first non-ASCII one (see `in_range`).
    let control = (!x.wrapping_add(0x60 * LO) | x.wrapping_add(LO)) & HI;
    let space = !(x ^ (0x20 * LO)).wrapping_add(0x7F * LO) & HI;
    let after_space = space << 8 | (at.after as u64) << 7;
    let stop = x & HI | control | space & after_space;
    let n = stop.trailing_zeros() as usize / 8;
    let (Some(f), Some(s)) = (fs.get_mut(at.j..at.j + 8), ks.get_mut(at.k..at.k + 8)) else {
        return 0;
    };
    if n == 0 {
        return 0;
    }
    let lower = x | in_range(x, b'A', b'Z') >> 2;
    let before = (stop & stop.wrapping_neg()).wrapping_sub(1);
    let alnum = (in_range(lower, b'a', b'z') | in_range(x, b'0', b'9')) & before;
    f.copy_from_slice(&lower.to_le_bytes());
    at.j += n;
    // In byte i, the letters and digits up to byte i (at most 8).
    let ones = alnum >> 7;
    let upto = ones.wrapping_mul(LO);
    let before_it = upto - ones;
    for (i, b) in lower.to_le_bytes().into_iter().enumerate() {
        s[(before_it >> (8 * i)) as usize & 7] = b;
    }
    at.k += (upto >> 56) as usize;
    at.after = (space >> (8 * n - 1)) as usize & 1;
    n
}

/// Folds the ASCII byte at `i` of `bytes` and those after it that
/// [`put8`] takes with it; returns how many.
#[inline(always)]
fn put_ascii(
    bytes: &[u8],
    i: usize,
    fs: &mut [u8; STAGE],
    ks: &mut [u8; STAGE],
    at: &mut At,
) -> usize {
    let x = match bytes.get(i..i + 8) {
        Some(w) => w.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w)),
        None => tail8(bytes.get(i..).unwrap_or_default()),
    };
    match put8(x, fs, ks, at) {
        0 => {
            put(bytes.get(i).copied().unwrap_or(0), fs, ks, at);
            1
        }
        n => n,
    }
}

/// The last bytes of a text (fewer than 8) as [`put8`] reads them, the
/// bytes past the end non-ASCII so that it stops there.
#[inline]
fn tail8(rest: &[u8]) -> u64 {
    let mut w = [0x80u8; 8];
    w.iter_mut().zip(rest).for_each(|(w, &b)| *w = b);
    u64::from_le_bytes(w)
}

fn fold_ascii(text: &[u8], fo: &mut Vec<u8>, sk: &mut Vec<u8>, stage: &mut Stage) {
    let mut out = Out::new(fo, sk, stage);
    out.ascii(text);
    out.finish();
}

/// Folds character by character through the table; false (with partial
/// output) when a character needs its neighbours for NFKC.
fn fold_fast(
    table: &Table,
    text: &str,
    fo: &mut Vec<u8>,
    sk: &mut Vec<u8>,
    stage: &mut Stage,
) -> bool {
    let bytes = text.as_bytes();
    let mut out = Out::new(fo, sk, stage);
    // The positions in locals while the bytes are ASCII, so that they stay
    // in registers; in `out` around a non-ASCII character. ASCII eight
    // bytes at a time ([`put8`]): a branch on each byte's kind went the
    // wrong way at the end of most runs of ASCII between marked letters.
    let mut at = out.at;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            i += out.put_ascii(bytes, i, &mut at);
            continue;
        }
        out.at = at;
        let (cp, n) = decode(bytes, i);
        if !fold_one(table, cp, &mut out) {
            return false;
        }
        out.drain();
        at = out.at;
        i += n;
    }
    out.at = at;
    out.finish();
    true
}

/// Folds one non-ASCII character on its own (at most `HALF` bytes out);
/// false when it needs its neighbours.
#[inline]
fn fold_one(table: &Table, cp: u32, out: &mut Out<'_>) -> bool {
    if cp > 0xFFFF {
        // Beyond the table (mathematical and enclosed letters, emoji).
        let mut wide = [0u8; WIDE];
        return match fold_wide(cp, &mut wide).and_then(|len| wide.get(..len)) {
            Some(s) => {
                s.iter().for_each(|&x| out.byte(x));
                true
            }
            None => false,
        };
    }
    let e = table.entries.get(cp as usize).copied().unwrap_or(CONTEXT);
    match e & KIND_MASK {
        DROP => true,
        CHAR => {
            let o = e & CHAR_MASK;
            if o < 0x80 {
                out.byte(o as u8); // most Vietnamese letters: one ASCII byte
                true
            } else if let Some(o) = char::from_u32(o) {
                out.char(o);
                true
            } else {
                false
            }
        }
        STR => {
            let off = (e & OFF_MASK) as usize;
            let len = ((e >> LEN_SHIFT) & 0xFF) as usize;
            match table.arena.as_bytes().get(off..off + len) {
                Some(s) => {
                    s.iter().for_each(|&x| out.byte(x));
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

/// The folded UTF-8 of a character beyond the Basic Multilingual Plane, in
/// `buf`: its length, or `None` when it needs its neighbours or is longer
/// than `buf`.
fn fold_wide(cp: u32, buf: &mut [u8]) -> Option<usize> {
    let c = char::from_u32(cp)?;
    let mut len = 0;
    let ok = fold_char(c, &mut |o| {
        let mut b = [0; 4];
        for &x in o.encode_utf8(&mut b).as_bytes() {
            if let Some(y) = buf.get_mut(len) {
                *y = x;
            }
            len += 1;
        }
    });
    (ok && len <= buf.len()).then_some(len)
}

/// The code point starting at byte `i` of valid UTF-8 (a `&str`'s bytes),
/// and its length in bytes. Without a branch on the length: Vietnamese text
/// mixes two-byte letters (`ư`, `đ`, `à`) and three-byte ones (`ạ`, `ệ`)
/// in no order a predictor could learn, so the three decodings are all
/// computed and one chosen by masks.
#[inline(always)]
fn decode(bytes: &[u8], i: usize) -> (u32, usize) {
    let at = |d: usize| u32::from(bytes.get(i + d).copied().unwrap_or(0x80) & 0x3F);
    let b = u32::from(bytes.get(i).copied().unwrap_or(0));
    let (three, four) = (u32::from(b >= 0xE0), u32::from(b >= 0xF0));
    let n = 2 + three + four;
    let two = (b & 0x7F >> n) << 6 | at(1);
    let (m3, m4) = (three.wrapping_neg(), four.wrapping_neg());
    let long = two << 6 | at(2);
    let longer = long << 6 | at(3);
    let cp = two & !m3 | long & m3 & !m4 | longer & m4;
    (cp, n as usize)
}

/// Output by push, for the streaming path.
struct Sink<'a> {
    fo: &'a mut Vec<u8>,
    sk: &'a mut Vec<u8>,
    after_space: bool,
}

impl Sink<'_> {
    fn push(&mut self, c: char) {
        let mut b = [0; 4];
        for &x in c.encode_utf8(&mut b).as_bytes() {
            let e = BYTES[usize::from(x)];
            let space = e & SPACE != 0;
            if e & KEEP != 0 && !(space && self.after_space) {
                self.fo.push(e as u8);
                self.after_space = space;
            }
            if e & ALNUM != 0 {
                self.sk.push(e as u8);
            }
        }
    }
}

/// The reference path: streaming NFKC of the text without the dropped
/// characters, then per character the rest of the folding.
fn fold_slow(text: &str, fo: &mut Vec<u8>, sk: &mut Vec<u8>) {
    let mut sink = Sink {
        fo,
        sk,
        after_space: true,
    };
    for n in text
        .chars()
        .filter(|&c| !is_dropped(c))
        .map(before_nfkc)
        .nfkc()
    {
        post(n, &mut |o| sink.push(o));
    }
    if sink.fo.last() == Some(&b' ') {
        sink.fo.pop();
    }
}

fn has_context_char(table: &Table, s: &str) -> bool {
    s.chars().any(|c| {
        let cp = c as u32;
        if cp < 0x80 {
            false
        } else if cp <= 0xFFFF {
            table.entries.get(cp as usize).copied().unwrap_or(CONTEXT) & KIND_MASK == CONTEXT
        } else {
            needs_context(c)
        }
    })
}

// ---- the per-character table -------------------------------------------

/// Entry kinds (top 3 bits).
const KIND_MASK: u32 = 0b111 << 29;
const DROP: u32 = 0;
const CHAR: u32 = 1 << 29;
const STR: u32 = 2 << 29;
const CONTEXT: u32 = 3 << 29;
const CHAR_MASK: u32 = (1 << 21) - 1;
const OFF_MASK: u32 = (1 << 20) - 1;
const LEN_SHIFT: u32 = 20;

/// For each BMP code point, what it folds to when NFKC does not need its
/// neighbours: nothing, one character, a string in `arena`, or `CONTEXT`.
struct Table {
    entries: Box<[u32]>,
    arena: String,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

fn build_table() -> Table {
    let mut entries = vec![CONTEXT; 0x1_0000].into_boxed_slice();
    let mut arena = String::new();
    let mut out = String::new();
    for (cp, slot) in entries.iter_mut().enumerate() {
        let Some(c) = char::from_u32(cp as u32) else {
            continue; // surrogates never occur in a &str
        };
        out.clear();
        if !fold_char(c, &mut |o| out.push(o)) {
            continue;
        }
        let mut chars = out.chars();
        *slot = match (chars.next(), chars.next()) {
            (None, _) => DROP,
            (Some(o), None) => CHAR | o as u32,
            (Some(_), Some(_)) => {
                let off = arena.len();
                arena.push_str(&out);
                if out.len() <= 0xFF && off <= OFF_MASK as usize {
                    STR | (out.len() as u32) << LEN_SHIFT | off as u32
                } else {
                    CONTEXT
                }
            }
        };
    }
    Table { entries, arena }
}

// ---- the folding of one character ----------------------------------------

/// Folds one character on its own, emitting its folded form (`' '` for white
/// space). Returns false, emitting nothing, when NFKC of `c` depends on its
/// neighbours.
pub(crate) fn fold_char(c: char, emit: &mut impl FnMut(char)) -> bool {
    if is_dropped(c) {
        return true;
    }
    let c = before_nfkc(c);
    if c.is_whitespace() {
        emit(' ');
        return true;
    }
    if c.is_ascii() {
        emit(c.to_ascii_lowercase());
        return true;
    }
    if needs_context(c) {
        return false;
    }
    if is_nfkc_quick(once(c)) == IsNormalized::Yes {
        post(c, emit);
    } else {
        for n in once(c).nfkc() {
            post(n, emit);
        }
    }
    true
}

/// The look-alikes that NFKC would make other letters: the lunate sigma
/// `ϲ Ϲ`, a `c` to the eye, is `σ Σ` to NFKC.
fn before_nfkc(c: char) -> char {
    match c {
        'ϲ' | 'Ϲ' => 'c',
        c => c,
    }
}

/// Whether NFKC of `c` may depend on the characters around it: `c` is a
/// combining character outside the dropped diacritic blocks, may compose
/// with the character before it, or decomposes to one that may.
fn needs_context(c: char) -> bool {
    if canonical_combining_class(c) != 0 {
        return true;
    }
    match is_nfkc_quick(once(c)) {
        IsNormalized::Yes => false,
        IsNormalized::Maybe => true,
        IsNormalized::No => {
            let mut first = None;
            decompose_compatible(c, |d| {
                if first.is_none() {
                    first = Some(d);
                }
            });
            match first {
                Some(f) if f != c => {
                    !is_dropped(f)
                        && (canonical_combining_class(f) != 0
                            || is_nfkc_quick(once(f)) == IsNormalized::Maybe)
                }
                _ => false,
            }
        }
    }
}

/// Everything after NFKC for one NFKC character: drop, white space, lower
/// case, diacritics, look-alikes.
fn post(n: char, emit: &mut impl FnMut(char)) {
    if is_dropped(n) {
        return;
    }
    if n.is_whitespace() {
        emit(' ');
        return;
    }
    if n.is_ascii() {
        emit(n.to_ascii_lowercase());
        return;
    }
    if let Some(a) = look_alike(n) {
        emit(a);
        return;
    }
    // Pictographs (most emoji) stay as they are: none has a mark or a case
    // (a test asks each), and the tables are slow for them.
    if n > '\u{FFFF}' && is_pictograph(n) {
        emit(n);
        return;
    }
    let parts = strip_marks(n);
    for &d in parts.as_slice() {
        base(d, emit);
    }
}

/// The miscellaneous symbols and pictographs most emoji are (U+2600 to
/// U+26FF, U+1F300 to U+1FAFF): none is a letter, a digit, a mark or white
/// space, and none above U+FFFF is a look-alike or has a mark or a case
/// (tests ask the Unicode tables of each), so the tables, slow for these,
/// need not be asked.
pub(super) fn is_pictograph(c: char) -> bool {
    matches!(c, '\u{2600}'..='\u{26FF}' | '\u{1F300}'..='\u{1FAFF}')
}

/// A base letter (no diacritics left): look-alike or lower case.
fn base(d: char, emit: &mut impl FnMut(char)) {
    if d.is_ascii() {
        emit(d.to_ascii_lowercase());
        return;
    }
    if let Some(a) = look_alike(d) {
        emit(a);
        return;
    }
    for l in d.to_lowercase() {
        if is_dropped(l) {
            continue; // `İ` lower-cases to `i` + U+0307
        }
        if l.is_whitespace() {
            emit(' ');
        } else if l.is_ascii() {
            emit(l);
        } else if let Some(a) = look_alike(l) {
            emit(a);
        } else {
            for &p in strip_marks(l).as_slice() {
                emit(look_alike(p).unwrap_or(p));
            }
        }
    }
}

/// Up to 8 characters, on the stack.
struct Chars {
    buf: [char; 8],
    len: usize,
}

impl Chars {
    fn as_slice(&self) -> &[char] {
        &self.buf[..self.len]
    }
}

/// The canonical decomposition of `c` without its diacritic marks, or `c`
/// itself when it has none (so Hangul syllables stay composed).
fn strip_marks(c: char) -> Chars {
    let mut parts = Chars {
        buf: ['\0'; 8],
        len: 0,
    };
    let mut marks = false;
    decompose_canonical(c, |d| {
        if is_mark(d) || is_dropped(d) {
            marks = true;
        } else if parts.len < parts.buf.len() {
            parts.buf[parts.len] = d;
            parts.len += 1;
        }
    });
    if !marks {
        parts.buf[0] = c;
        parts.len = 1;
    }
    parts
}

/// Combining diacritical marks: dropped with the Vietnamese diacritics.
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Characters folding drops: diacritic marks, zero-width and format
/// characters, invisible fillers, and control characters that are not white
/// space.
fn is_dropped(c: char) -> bool {
    match c {
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{85}' => false,
        '\0'..='\u{1F}' | '\u{7F}'..='\u{9F}' => true,
        ' '..='\u{7E}' => false,
        '\u{AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{17B4}'
        | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}' => true,
        _ => is_mark(c),
    }
}

/// Letters that look like ASCII ones (and dashes that look like `-`).
fn look_alike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'А' | 'а' => 'a',
        'В' | 'в' | 'ь' => 'b',
        'С' | 'с' => 'c',
        'Ԁ' | 'ԁ' => 'd',
        'Е' | 'е' => 'e',
        'Һ' | 'һ' | 'Н' | 'н' => 'h',
        'І' | 'і' => 'i',
        'Ј' | 'ј' => 'j',
        'К' | 'к' => 'k',
        'Ӏ' | 'ӏ' => 'l',
        'М' | 'м' => 'm',
        'п' => 'n',
        'О' | 'о' => 'o',
        'Р' | 'р' => 'p',
        'Ԛ' | 'ԛ' => 'q',
        'г' | 'Я' | 'я' => 'r',
        'Ѕ' | 'ѕ' => 's',
        'Т' | 'т' => 't',
        'Ԝ' | 'ԝ' | 'ѡ' => 'w',
        'Х' | 'х' => 'x',
        'У' | 'у' | 'Ү' | 'ү' => 'y',
        // Greek
        'Α' | 'α' => 'a',
        'Β' | 'β' => 'b',
        'Ε' | 'ε' => 'e',
        'Η' => 'h',
        'Ι' | 'ι' => 'i',
        'Ϳ' | 'ϳ' => 'j',
        'Κ' | 'κ' => 'k',
        'Μ' => 'm',
        'Ν' | 'η' => 'n',
        'Ο' | 'ο' => 'o',
        'Ρ' | 'ρ' => 'p',
        'Τ' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ω' => 'w',
        'Χ' | 'χ' => 'x',
        'Υ' | 'γ' => 'y',
        'Ζ' => 'z',
        'μ' | 'µ' => 'u',
        'Ϝ' | 'ϝ' => 'f',
        // Cyrillic izhitsa, the e and the Komi sje with a descender
        'Ѵ' | 'ѵ' => 'v',
        'Ҽ' | 'ҽ' | 'Ҿ' | 'ҿ' => 'e',
        'Ԍ' | 'ԍ' => 'g',
        // Armenian
        'ո' => 'n',
        'Ս' | 'ս' => 'u',
        'Օ' | 'օ' => 'o',
        'հ' => 'h',
        'զ' | 'գ' => 'q',
        'ց' => 'g',
        'Լ' => 'l',
        // Negative circled and negative squared capitals (`🅐`, `🅰`: the
        // fancy-font generators' letters), which NFKC leaves as they are
        c @ ('\u{1F150}'..='\u{1F169}' | '\u{1F170}'..='\u{1F189}') => {
            let first = if c >= '\u{1F170}' { 0x1F170 } else { 0x1F150 };
            char::from(b'a' + u8::try_from(u32::from(c) - first).ok()?)
        }
        // The yen sign, a `Y` with bars (`U¥ T1N`, `L¥`); the cent sign,
        // a `c` with a bar (`¢hào`)
        '¥' => 'y',
        '¢' => 'c',
        // Latin letters without a decomposition
        'Đ' | 'đ' | 'Ð' | 'ð' | 'ɖ' => 'd',
        'Ł' | 'ł' => 'l',
        'Ø' | 'ø' => 'o',
        'ı' | 'ɩ' => 'i',
        'ƅ' => 'b',
        'ȷ' => 'j',
        'ɑ' => 'a',
        'ɡ' => 'g',
        // small capitals
        'ᴀ' => 'a',
        'ʙ' => 'b',
        'ᴄ' => 'c',
        'ᴅ' => 'd',
        'ᴇ' => 'e',
        'ɢ' => 'g',
        'ʜ' => 'h',
        'ɪ' => 'i',
        'ᴊ' => 'j',
        'ᴋ' => 'k',
        'ʟ' => 'l',
        'ᴍ' => 'm',
        'ɴ' => 'n',
        'ᴏ' => 'o',
        'ᴘ' => 'p',
        'ʀ' => 'r',
        'ꜱ' => 's',
        'ᴛ' => 't',
        'ᴜ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ʏ' => 'y',
        'ᴢ' => 'z',
        // dashes
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn slow(text: &str) -> String {
        let (mut f, mut k) = (Vec::new(), Vec::new());
        fold_slow(text, &mut f, &mut k);
        String::from_utf8(f).unwrap()
    }

    /// Each pictograph [`post`] keeps as it is would be kept by the rest
    /// of `post` too: not dropped, no white space, no look-alike, no mark,
    /// its own lower case.
    #[test]
    fn pictographs_fold_to_themselves() {
        for c in ('\u{10000}'..='\u{1FFFF}').filter(|&c| is_pictograph(c)) {
            assert!(
                !is_dropped(c) && !c.is_whitespace() && look_alike(c).is_none(),
                "{c:?}"
            );
            assert_eq!(strip_marks(c).as_slice(), &[c], "{c:?}");
            assert!(c.to_lowercase().eq([c]), "{c:?}");
        }
    }

    /// The fast path's output, if it does not need the streaming one.
    fn fast(text: &str) -> Option<String> {
        let (mut f, mut k) = (Vec::new(), Vec::new());
        fold_fast(table(), text, &mut f, &mut k, &mut Stage::default())
            .then(|| String::from_utf8(f).unwrap())
    }

    #[test]
    fn vietnamese_diacritics_go() {
        let cases = [
            ("Vay tiền nhanh", "vay tien nhanh"),
            ("ĐĂNG KÝ NGAY", "dang ky ngay"),
            ("đ Đ", "d d"),
            (
                "ạ ả ã à á â ầ ấ ẩ ẫ ậ ă ằ ắ ẳ ẵ ặ",
                "a a a a a a a a a a a a a a a a a",
            ),
            (
                "ơ ờ ớ ở ỡ ợ ư ừ ứ ử ữ ự ê ề ế ể ễ ệ",
                "o o o o o o u u u u u u e e e e e e",
            ),
            (
                "ỳ ý ỷ ỹ ỵ Ỳ Ý Ỷ Ỹ Ỵ ì í ỉ ĩ ị",
                "y y y y y y y y y y i i i i i",
            ),
            ("Lãi suất 0%", "lai suat 0%"),
            ("Khuyến mãi ĐẶC BIỆT", "khuyen mai dac biet"),
        ];
        for (text, want) in cases {
            assert_eq!(fold(text), want, "{text}");
        }
    }

    #[test]
    fn decomposed_vietnamese_folds_like_precomposed() {
        // e + dot below + circumflex, a + breve + acute: NFD input.
        let nfd: String = "Tiền lãi".nfd().collect();
        assert_ne!(nfd, "Tiền lãi");
        assert_eq!(fold(&nfd), "tien lai");
        assert_eq!(fold("e\u{0302}\u{0323}"), "e");
    }

    #[test]
    fn look_alikes_and_widths() {
        assert_eq!(fold("vау tiеn"), "vay tien"); // Cyrillic а у е
        assert_eq!(fold("ＶＡＹ ｔｉｅｎ"), "vay tien");
        assert_eq!(fold("ΗΟΤ ΚΑΡΑ"), "hot kapa");
        assert_eq!(fold("ᴠᴀʏ ᴛɪᴇ̂̀ɴ"), "vay tien");
        assert_eq!(fold("𝐯𝐚𝐲 ⓣⓘⓔⓝ"), "vay tien");
        assert_eq!(fold("ﬁnance"), "finance");
        assert_eq!(fold("0912–345—678"), "0912-345-678");
        assert_eq!(fold("İstanbul"), "istanbul");
        // Look-alikes NFKC would make other letters.
        assert_eq!(fold("ϹϹϹD diϲh"), "cccd dich");
        assert_eq!(slow("ϹϹϹD diϲh"), "cccd dich");
        assert_eq!(fold("ҽɩգԍƅϝ"), "eiqgbf");
        // Negative circled and squared letters, which NFKC leaves as they
        // are, with the combining marks a generator stacks on them.
        assert_eq!(fold("🆅🅽🅴🅸🅳 🅐🅩 🅰🆉"), "vneid az az");
        assert_eq!(slow("🆅🅽🅴🅸🅳 🅐🅩 🅰🆉"), "vneid az az");
        assert_eq!(fold("t🅷🅾̂́🅽🅶"), "thong");
        assert_eq!(fold("🆊"), "\u{1F18A}"); // past the range: a sign
    }

    #[test]
    fn invisible_characters_and_white_space() {
        assert_eq!(
            fold("v\u{200B}a\u{200D}y\u{FEFF} t\u{00AD}i\u{2060}e\u{200C}n"),
            "vay tien"
        );
        assert_eq!(
            fold("\u{3000} a\u{00A0}\u{00A0}b\r\n\tc \u{2028} "),
            "a b c"
        );
        assert_eq!(fold("a\u{0}b\u{7}c\u{9F}d"), "abcd");
        assert_eq!(fold("   "), "");
        assert_eq!(fold(""), "");
        assert_eq!(fold("a \u{200B} b"), "a b");
        assert_eq!(fold("❤\u{FE0F} 👍"), "❤ 👍");
    }

    #[test]
    fn skeleton_keeps_ascii_letters_and_digits() {
        assert_eq!(skeleton("V.A.Y T-I-Ề-N nhanh"), "vaytiennhanh");
        assert_eq!(skeleton("Gọi: 0912.345.678!"), "goi0912345678");
        assert_eq!(skeleton("Привет 世界"), "npbet");
    }

    #[test]
    fn other_scripts_are_kept() {
        assert_eq!(fold("世界 ภาษาไทย"), "世界 ภาษาไทย");
        // Hangul: jamo compose under NFKC; folding is idempotent.
        let k = fold("\u{1100}\u{1161}\u{11A8} 한국어");
        assert_eq!(k, "각 한국어");
        assert_eq!(fold(&k), k);
    }

    #[test]
    fn buffers_are_reused() {
        let mut buf = FoldBuf::new();
        buf.fold("Một tin nhắn khá dài với nhiều dấu tiếng Việt, để bộ đệm lớn lên");
        let (fc, sc) = (buf.folded.capacity(), buf.skeleton.capacity());
        buf.fold("ngắn");
        assert_eq!(buf.folded(), "ngan");
        assert_eq!((buf.folded.capacity(), buf.skeleton.capacity()), (fc, sc));
    }

    /// The lemma behind idempotence: every character folding emits for a
    /// BMP character folds to itself on its own.
    #[test]
    fn every_output_character_is_a_fixed_point() {
        let t = table();
        for cp in 0..0x1_0000u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let mut outs = Vec::new();
            if is_nfkc_quick(once(c)) != IsNormalized::No {
                post(c, &mut |o| outs.push(o)); // c may come out of NFKC
            }
            if fold_char(c, &mut |_| {}) {
                fold_char(c, &mut |o| outs.push(o));
            }
            for o in outs {
                if o == ' ' {
                    continue;
                }
                let oc = o as u32;
                if oc < 0x80 {
                    assert!(
                        !o.is_ascii_uppercase() && !o.is_ascii_control(),
                        "{c:?} -> {o:?}"
                    );
                    continue;
                }
                if oc > 0xFFFF {
                    continue;
                }
                let e = t.entries[oc as usize];
                assert!(
                    e == CHAR | oc || e & KIND_MASK == CONTEXT,
                    "{c:?} -> {o:?} -> {e:#x}"
                );
            }
        }
    }

    #[test]
    fn table_agrees_with_streaming_nfkc() {
        let t = table();
        for cp in 0x80..0x1_0000u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            if t.entries[cp as usize] & KIND_MASK == CONTEXT {
                continue;
            }
            let s = c.to_string();
            assert_eq!(fast(&s), Some(slow(&s)), "{c:?}");
        }
    }

    /// Long expansions (U+FDFA folds to 33 bytes out of 3) grow the buffers
    /// as they come, and the fast path still agrees with the streaming one;
    /// so do characters beyond the table (U+1F12B, `𝐯`) and U+3250.
    #[test]
    fn long_expansions_grow_the_buffers() {
        for (text, grows) in [
            ("\u{FDFA}".repeat(200), true),
            ("a \u{FDFA} ".repeat(100), true),
            (
                format!("{}{}", "x".repeat(300), "\u{FDFA}".repeat(40)),
                true,
            ),
            ("\u{3250}\u{1F12B}𝐯".repeat(100), false),
        ] {
            let f = fast(&text).expect("no character here needs its neighbours");
            assert_eq!(f, slow(&text));
            assert_eq!(
                f.len() > 2 * text.len(),
                grows,
                "{} of {}",
                f.len(),
                text.len()
            );
        }
    }

    fn texty() -> impl Strategy<Value = String> {
        let fixed = [
            "a",
            "Đ",
            "ệ",
            "e\u{0323}\u{0302}",
            "\u{0301}",
            "\u{200B}",
            " ",
            "\u{00A0}",
            "Ｖ",
            "а",
            "Η",
            "\u{1100}",
            "\u{1161}",
            "\u{11A8}",
            "가",
            "\u{3099}",
            "か",
            "ｶ",
            "ﾞ",
            "\u{05B4}",
            "\u{05B0}",
            "İ",
            "ﬃ",
            "…",
            "9",
            "\t",
            "\u{0345}",
            "\u{0F77}",
            "\u{0E49}",
            "\u{093C}",
        ];
        let piece = prop_oneof![
            3 => prop::sample::select(fixed.to_vec()).prop_map(String::from),
            1 => any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_streaming_nfkc(s in texty()) {
            if let Some(f) = fast(&s) {
                prop_assert_eq!(f, slow(&s));
            }
        }

        /// Texts longer than the staging buffers, so that they are moved
        /// out in blocks mid-text (after ASCII, after an expansion).
        #[test]
        fn long_texts_agree_with_streaming_nfkc(
            parts in prop::collection::vec(
                prop_oneof![texty(), "[a-zA-Z0-9 .%-]{0,40}", Just("\u{FDFA}".to_string())],
                0..40,
            )
        ) {
            let s = parts.concat();
            if let Some(f) = fast(&s) {
                prop_assert_eq!(f, slow(&s));
            }
            let mut buf = FoldBuf::new();
            buf.fold(&s);
            if s.is_ascii() {
                prop_assert_eq!(buf.folded(), slow(&s));
            }
            prop_assert_eq!(
                buf.skeleton(),
                buf.folded().replace(|c: char| !c.is_ascii_alphanumeric(), "")
            );
        }

        /// Eight ASCII bytes at a time ([`put8`]): every kind of byte at
        /// every offset of a block, runs of white space across blocks,
        /// texts longer than half the stage.
        #[test]
        fn blocks_of_ascii_agree_with_streaming_nfkc(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "a", "Z", "q", "0", "9", " ", "  ", "\t", "\n", "\x7f", "\x00", "\x1f",
                    ".", "@", "[", "`", "{", "~", "/", ":", "ệ", "Đ", "\u{200B}", "💰",
                    "vay tien", "NHANH ", " LH 0912",
                ]),
                0..160,
            )
        ) {
            let s = parts.concat();
            let mut buf = FoldBuf::new();
            buf.fold(&s);
            prop_assert_eq!(buf.folded(), slow(&s));
            prop_assert_eq!(
                buf.skeleton(),
                buf.folded().replace(|c: char| !c.is_ascii_alphanumeric(), "")
            );
        }

        #[test]
        fn idempotent_on_tricky_text(s in texty()) {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert_eq!(skeleton(&once), skeleton(&s));
        }

        #[test]
        fn ascii_path_agrees_with_streaming_nfkc(s in "[ -~\t\n\r\x00-\x1f]{0,40}") {
            let mut buf = FoldBuf::new();
            buf.fold(&s);
            prop_assert_eq!(buf.folded(), slow(&s));
            prop_assert_eq!(buf.skeleton(), buf.folded().replace(|c: char| !c.is_ascii_alphanumeric(), ""));
        }
    }
}
