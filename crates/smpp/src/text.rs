//! Short-message text: the octets of `short_message` / `message_payload`
//! decoded by `data_coding` (SMPP 3.4 §5.2.19, 3GPP TS 23.038 §4) as the
//! handset renders them.
//!
//! | `data_coding` | alphabet | decoded as |
//! |---|---|---|
//! | `0x00` | SMSC default | GSM 03.38 7-bit default alphabet, one septet per octet (unpacked, as SMPP carries it), with the extension table behind `0x1B` |
//! | `0x01` | IA5 / ASCII | ASCII (octets above `0x7F` become U+FFFD); but a text holding a control octet other than tab, line feed and carriage return (`0x00`–`0x08`, `0x0B`, `0x0C`, `0x0E`–`0x1F`) is GSM 03.38 labelled IA5, as some ESME libraries send it (node-smpp: `@` as `0x00`, `[` as `0x1B 0x3C`), and is read as `0x00` is, but for `0x24` and `0x40`, which stay `$` and `@` |
//! | `0x02`, `0x04` | 8-bit binary | Latin-1, so the content rules still see every octet |
//! | `0x03` | Latin-1 | ISO-8859-1 |
//! | `0x05`–`0x07`, `0x09`–`0x0F` | JIS, Cyrillic, Hebrew, pictogram, ISO-2022-JP, KS C 5601, reserved | Latin-1 (their ASCII range is ASCII) |
//! | `0x08` | UCS-2 | big-endian 16-bit units, surrogate pairs joined (UTF-16BE) |
//! | `0x10`–`0x3F` | 23.038 general data coding (`00xx xxxx`) | bits 3–2: `00` GSM 7-bit, `01` 8-bit (Latin-1), `10` UCS-2, `11` reserved (GSM 7-bit, as 23.038 tells receivers); bit 5 set = compressed: [`Alphabet::Compressed`], refused by the proxy |
//! | `0x40`–`0x7F` | 23.038 automatic deletion group (`01xx xxxx`) | as the general group (so `0x48` is UCS-2) |
//! | `0x80`–`0xBF` | 23.038 reserved groups | GSM 7-bit (23.038: reserved codings are read as the default alphabet) |
//! | `0xC0`–`0xDF` | message waiting, discard / store | GSM 7-bit |
//! | `0xE0`–`0xEF` | message waiting, store, UCS-2 | UCS-2 |
//! | `0xF0`–`0xFF` | data coding / message class | bit 2: `0` GSM 7-bit, `1` 8-bit (Latin-1) |
//!
//! Decoding never fails: a broken surrogate or a lone odd octet becomes
//! U+FFFD, so a malformed text is checked as what it looks like. A
//! concatenated message is decoded by [`message_text`]: each part by its own
//! `data_coding`, consecutive parts of one coding as one run of octets (a
//! UCS-2 character or a GSM escape split between parts is joined).

/// The alphabet a `data_coding` value selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alphabet {
    /// GSM 03.38 default alphabet, unpacked septets.
    Gsm7,
    /// IA5 / ASCII.
    Ascii,
    /// ISO-8859-1 (also used for unsupported codings).
    Latin1,
    /// 8-bit data: read as Latin-1 so every octet is checked.
    Binary,
    /// UCS-2 / UTF-16 big-endian.
    Ucs2,
    /// 23.038 compressed text: a handset that decompresses it shows what
    /// cannot be checked here, so the proxy refuses it (decoded as Latin-1).
    Compressed,
}

impl Alphabet {
    /// The alphabet of an SMPP `data_coding` value (see the module table).
    pub fn of(data_coding: u8) -> Alphabet {
        match data_coding {
            0x00 => Alphabet::Gsm7,
            0x01 => Alphabet::Ascii,
            0x02 | 0x04 => Alphabet::Binary,
            0x08 => Alphabet::Ucs2,
            0x03 | 0x05..=0x07 | 0x09..=0x0F => Alphabet::Latin1,
            // 23.038 general data coding (00xx xxxx) and automatic deletion
            // (01xx xxxx) groups: bit 5 compressed, bits 3..2 the alphabet.
            0x10..=0x7F if data_coding & 0x20 != 0 => Alphabet::Compressed,
            0x10..=0x7F => match (data_coding >> 2) & 0b11 {
                0b01 => Alphabet::Binary,
                0b10 => Alphabet::Ucs2,
                _ => Alphabet::Gsm7,
            },
            // Reserved groups: the default alphabet (23.038 §4).
            0x80..=0xBF => Alphabet::Gsm7,
            // Message waiting groups: discard/store with the default alphabet,
            // store with UCS-2.
            0xC0..=0xDF => Alphabet::Gsm7,
            0xE0..=0xEF => Alphabet::Ucs2,
            // Data coding / message class: bit 2 selects 8-bit data.
            _ if data_coding & 0b100 == 0 => Alphabet::Gsm7,
            _ => Alphabet::Binary,
        }
    }
}

/// The text of a concatenated message from its parts' `(data_coding,
/// octets)` in order: consecutive parts of one `data_coding` are decoded as
/// one run, a change of coding starts a new run.
///
/// ```
/// use chanrac_smpp::text::message_text;
/// // "ạ" (U+1EA1) split between two UCS-2 parts, then a GSM part.
/// let parts = [(0x08, &[0x00, 0x5B, 0x1E][..]), (0x08, &[0xA1][..]), (0x00, &[0x41][..])];
/// assert_eq!(message_text(parts), "[ạA");
/// ```
pub fn message_text<'a>(parts: impl IntoIterator<Item = (u8, &'a [u8])>) -> String {
    let mut out = String::new();
    // The run of octets of one coding: borrowed while it is one part (the
    // usual message: decoded without a copy), else gathered in `run`.
    let mut one: Option<&[u8]> = None;
    let mut run: Vec<u8> = Vec::new();
    let mut coding = None;
    for (dc, octets) in parts {
        if coding.is_some_and(|c| c != dc) {
            if let Some(c) = coding {
                decode_into(c, one.take().unwrap_or(&run), &mut out);
            }
            run.clear();
        }
        coding = Some(dc);
        match one.take() {
            None if run.is_empty() => one = Some(octets),
            Some(first) => {
                run.extend_from_slice(first);
                run.extend_from_slice(octets);
            }
            None => run.extend_from_slice(octets),
        }
    }
    if let Some(c) = coding {
        decode_into(c, one.unwrap_or(&run), &mut out);
    }
    out
}

/// Decodes `bytes` as `data_coding` says, appending to `out`.
pub fn decode_into(data_coding: u8, bytes: &[u8], out: &mut String) {
    // At least one UTF-8 octet per character: grown once, not per push.
    out.reserve(bytes.len());
    match Alphabet::of(data_coding) {
        Alphabet::Gsm7 => gsm7_into(bytes, out),
        Alphabet::Ascii if gsm_labelled_ia5(bytes) => {
            // But `$` and `@` stay themselves: GSM's `¤` and `¡` at those
            // octets are no Vietnamese text, while a control octet added to
            // true ASCII must not turn a leetspeak `v@y` into `v¡y`.
            let start = out.len();
            gsm7_into(bytes, out);
            if out[start..].contains(['¡', '¤']) {
                let tail = out.split_off(start);
                out.push_str(&tail.replace('¡', "@").replace('¤', "$"));
            }
        }
        Alphabet::Ascii => out.extend(bytes.iter().map(|&b| {
            if b.is_ascii() {
                char::from(b)
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })),
        Alphabet::Latin1 | Alphabet::Binary | Alphabet::Compressed => {
            out.extend(bytes.iter().map(|&b| char::from(b)))
        }
        Alphabet::Ucs2 => ucs2_into(bytes, out),
    }
}

/// Whether IA5 text is GSM 03.38 under the wrong label: it holds a control
/// octet that IA5 text does not carry but a GSM septet is (`0x00` `@`,
/// `0x02` `$`, `0x11` `_`, `0x1B` the escape …). Tab, line feed and
/// carriage return read alike either way (line feed and carriage return)
/// or are plausible IA5 (tab), so they do not count. Read as ASCII, such a
/// text would lose its `@` and `$` (`v@y` would read `vy`) and show `<QC>`
/// for the `[QC]` the handset shows.
fn gsm_labelled_ia5(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

/// Decodes `bytes` as `data_coding` says.
///
/// ```
/// use chanrac_smpp::text::decode;
/// assert_eq!(decode(0x00, &[0x1B, 0x3C, 0x51, 0x43, 0x1B, 0x3E]), "[QC]");
/// assert_eq!(decode(0x08, &[0x00, 0x5B, 0x1E, 0xA1]), "[ạ");
/// assert_eq!(decode(0x03, &[0x43, 0xE9]), "Cé");
/// // IA5: ASCII, unless it holds GSM's control septets (node-smpp's `[QC] v@y`).
/// assert_eq!(decode(0x01, b"[QC] v@y"), "[QC] v@y");
/// assert_eq!(decode(0x01, b"\x1B<QC\x1B> v\x00y"), "[QC] v@y");
/// ```
pub fn decode(data_coding: u8, bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    decode_into(data_coding, bytes, &mut s);
    s
}

/// The GSM 03.38 default alphabet, indexed by septet.
const GSM_BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The GSM 03.38 extension table (after the escape septet `0x1B`).
fn gsm_extension(septet: u8) -> Option<char> {
    Some(match septet {
        0x0A => '\u{0C}',
        0x14 => '^',
        0x28 => '{',
        0x29 => '}',
        0x2F => '\\',
        0x3C => '[',
        0x3D => '~',
        0x3E => ']',
        0x40 => '|',
        0x65 => '€',
        _ => return None,
    })
}

fn gsm_basic(septet: u8) -> char {
    GSM_BASIC[usize::from(septet & 0x7F)]
}

/// GSM 03.38 7-bit default alphabet, one septet per octet (the top bit is
/// ignored), with the extension table. An escape followed by a septet the
/// extension table lacks shows that septet from the default alphabet (as
/// 03.38 asks of receivers); a trailing escape is dropped.
pub fn gsm7_into(bytes: &[u8], out: &mut String) {
    let mut rest = bytes;
    while !rest.is_empty() {
        // A run of septets that read as the same ASCII character (most of
        // a Latin text) is copied as it is.
        let run = rest.iter().take_while(|&&b| gsm_is_ascii(b)).count();
        if run > 0 {
            let (same, after) = rest.split_at(run);
            if let Ok(same) = std::str::from_utf8(same) {
                out.push_str(same);
            }
            rest = after;
            continue;
        }
        match rest {
            [s, e, after @ ..] if s & 0x7F == 0x1B => {
                let e = e & 0x7F;
                out.push(gsm_extension(e).unwrap_or_else(|| gsm_basic(e)));
                rest = after;
            }
            // A trailing escape is dropped.
            [s] if s & 0x7F == 0x1B => rest = &[],
            [s, after @ ..] => {
                out.push(gsm_basic(*s));
                rest = after;
            }
            [] => {}
        }
    }
}

/// Whether octet `b` is a septet (top bit clear) that GSM 03.38 reads as
/// the ASCII character of the same code: letters, digits, the space and
/// the punctuation both tables share.
fn gsm_is_ascii(b: u8) -> bool {
    matches!(b, 0x20..=0x23 | 0x25..=0x3F | 0x41..=0x5A | 0x61..=0x7A)
}

/// UCS-2 big-endian, with UTF-16 surrogate pairs joined; broken surrogates
/// and an odd last octet become U+FFFD.
pub fn ucs2_into(bytes: &[u8], out: &mut String) {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]));
    out.extend(char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)));
    if bytes.len() % 2 == 1 {
        out.push(char::REPLACEMENT_CHARACTER);
    }
}

/// Encodes `text` in the GSM 03.38 default alphabet, unpacked, with the
/// extension table; `None` when a character is outside both tables. Used by
/// tests and the sink to build messages.
pub fn gsm7_encode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(i) = GSM_BASIC.iter().position(|&b| b == c && c != '\u{1B}') {
            out.push(i as u8);
        } else if let Some(e) = (0u8..0x80).find(|&e| gsm_extension(e) == Some(c)) {
            out.extend_from_slice(&[0x1B, e]);
        } else {
            return None;
        }
    }
    Some(out)
}

/// Encodes `text` as UCS-2 big-endian (UTF-16BE: characters outside the
/// BMP as surrogate pairs).
pub fn ucs2_encode(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`gsm7_into`] as it was first written, one septet at a time.
    fn gsm7_plain(bytes: &[u8]) -> String {
        let mut out = String::new();
        let mut it = bytes.iter().map(|b| b & 0x7F);
        while let Some(s) = it.next() {
            if s == 0x1B {
                if let Some(e) = it.next() {
                    out.push(gsm_extension(e).unwrap_or_else(|| gsm_basic(e)));
                }
            } else {
                out.push(gsm_basic(s));
            }
        }
        out
    }

    /// Copying runs of ASCII reads every octet string as the septet-by-
    /// septet decoding does: every octet, every pair, every triple with an
    /// escape or an ASCII octet around it, and mixed runs.
    #[test]
    fn gsm7_runs_read_as_septet_by_septet() {
        let same = |b: &[u8]| {
            let mut fast = String::new();
            gsm7_into(b, &mut fast);
            assert_eq!(fast, gsm7_plain(b), "{b:02x?}");
        };
        same(&[]);
        for a in 0..=255u8 {
            same(&[a]);
            for b in 0..=255u8 {
                same(&[a, b]);
                same(&[a, 0x1B, b]);
                same(&[b'Q', a, b, b'C']);
            }
        }
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..2000 {
            let len = usize::try_from(x % 40).unwrap_or(0);
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Mostly ASCII letters, some of anything.
                v.push(match x % 4 {
                    0 => (x >> 8) as u8,
                    _ => b'a' + ((x >> 8) % 26) as u8,
                });
            }
            same(&v);
        }
    }

    #[test]
    fn gsm7_basic_and_extension() {
        let bytes = gsm7_encode("[QC] Giảm").map(|_| ()).is_none();
        assert!(bytes, "ả is not in GSM 03.38");
        let text = "[QC] {50%} ~ |x| \\ ^ € @£$¥ Ωß ¿¡ §";
        let enc = gsm7_encode(text).expect("gsm");
        assert_eq!(&enc[..2], &[0x1B, 0x3C]);
        assert_eq!(decode(0x00, &enc), text);
        // Form feed from the extension table.
        assert_eq!(decode(0x00, &[0x1B, 0x0A]), "\u{0C}");
        // Unknown extension: the basic character; trailing escape dropped.
        assert_eq!(decode(0x00, &[0x1B, 0x41, 0x1B]), "A");
        // Top bit ignored.
        assert_eq!(decode(0x00, &[0xC1]), "A");
        // Coding groups.
        assert_eq!(decode(0xF0, &enc), text);
        assert_eq!(decode(0x11, &enc), text);
    }

    #[test]
    fn ucs2_with_surrogate_pairs() {
        let text = "[QC] Khuyến mãi 😀 đặc biệt 𝄞";
        let enc = ucs2_encode(text);
        assert_eq!(decode(0x08, &enc), text);
        assert_eq!(decode(0x18, &enc), text);
        // 😀 = D83D DE00
        assert_eq!(decode(0x08, &[0xD8, 0x3D, 0xDE, 0x00]), "😀");
        // Lone high surrogate, lone low surrogate, odd trailing octet.
        assert_eq!(decode(0x08, &[0xD8, 0x3D, 0x00, 0x41]), "\u{FFFD}A");
        assert_eq!(decode(0x08, &[0xDE, 0x00]), "\u{FFFD}");
        assert_eq!(decode(0x08, &[0x00, 0x41, 0x00]), "A\u{FFFD}");
    }

    /// Every data_coding value, encoded as 23.038 / SMPP 3.4 say a handset
    /// reads it: Vietnamese spam is found in the decoded text.
    #[test]
    fn every_data_coding_is_read_as_the_handset_reads_it() {
        let accented = "[QC] Vay tiền nhanh, lãi suất 0%";
        let plain = "[QC] Vay tien nhanh, lai suat 0%";
        // (range, how the handset reads it), written from the tables.
        #[derive(Clone, Copy, Debug, PartialEq)]
        enum Hs {
            Gsm,
            Ascii,
            Octets,
            Ucs2,
            Refused,
        }
        let table: &[(std::ops::RangeInclusive<u8>, Hs)] = &[
            (0x00..=0x00, Hs::Gsm),
            (0x01..=0x01, Hs::Ascii),
            (0x02..=0x07, Hs::Octets),
            (0x08..=0x08, Hs::Ucs2),
            (0x09..=0x0F, Hs::Octets),
        ];
        let general = |dc: u8| -> Hs {
            if dc & 0x20 != 0 {
                return Hs::Refused;
            }
            match (dc >> 2) & 3 {
                1 => Hs::Octets,
                2 => Hs::Ucs2,
                _ => Hs::Gsm,
            }
        };
        for dc in 0..=255u8 {
            let hs = match dc {
                0x00..=0x0F => table.iter().find(|(r, _)| r.contains(&dc)).map(|t| t.1),
                0x10..=0x7F => Some(general(dc)),
                0x80..=0xDF => Some(Hs::Gsm),
                0xE0..=0xEF => Some(Hs::Ucs2),
                _ if dc & 4 != 0 => Some(Hs::Octets),
                _ => Some(Hs::Gsm),
            };
            let Some(hs) = hs else {
                panic!("{dc:#04x} not in the table")
            };
            let a = Alphabet::of(dc);
            let (bytes, want) = match hs {
                Hs::Gsm => {
                    assert_eq!(a, Alphabet::Gsm7, "{dc:#04x}");
                    (gsm7_encode(plain).expect("gsm"), plain)
                }
                Hs::Ascii => (plain.as_bytes().to_vec(), plain),
                Hs::Octets => {
                    assert!(
                        matches!(a, Alphabet::Latin1 | Alphabet::Binary),
                        "{dc:#04x}"
                    );
                    (plain.as_bytes().to_vec(), plain)
                }
                Hs::Ucs2 => {
                    assert_eq!(a, Alphabet::Ucs2, "{dc:#04x}");
                    (ucs2_encode(accented), accented)
                }
                Hs::Refused => {
                    assert_eq!(a, Alphabet::Compressed, "{dc:#04x}");
                    continue;
                }
            };
            let got = decode(dc, &bytes);
            assert!(got.contains(want), "{dc:#04x}: {got:?}");
        }
        // The issue's case: 0x48 (automatic deletion group, UCS-2).
        assert_eq!(decode(0x48, &ucs2_encode(accented)), accented);
    }

    #[test]
    fn message_text_decodes_each_coding_run() {
        let a = ucs2_encode("Vay tiền ");
        let b = gsm7_encode("nhanh").expect("gsm");
        // A UCS-2 unit split at an odd octet between two parts.
        let parts = [(0x08u8, &a[..5]), (0x08, &a[5..]), (0x00, &b[..])];
        assert_eq!(message_text(parts), "Vay tiền nhanh");
        // A GSM escape split between two parts.
        let e = gsm7_encode("[QC]").expect("gsm");
        assert_eq!(message_text([(0x00u8, &e[..1]), (0x00, &e[1..])]), "[QC]");
        assert_eq!(message_text(std::iter::empty()), "");
    }

    #[test]
    fn latin1_ascii_and_binary() {
        assert_eq!(decode(0x03, b"caf\xe9"), "café");
        assert_eq!(decode(0x01, b"ok\xe9"), "ok\u{FFFD}");
        assert_eq!(decode(0x04, b"\x00\xff"), "\u{0}ÿ");
    }

    /// IA5 text holding GSM's control septets is GSM 03.38 under the IA5
    /// label (node-smpp sends every text that fits GSM 03.38 so): read as
    /// GSM, its `@`, `$`, `_` and escaped `[ ] { } ~ € |` are what the
    /// handset shows. Tab, line feed and carriage return alone keep the
    /// ASCII reading, and so does true ASCII's `[QC] v@y $5`.
    #[test]
    fn ia5_holding_gsm_septets_is_read_as_gsm() {
        let gsm = gsm7_encode("[QC] v@y $5 t_t {x} ~ € |").expect("gsm");
        assert!(gsm.contains(&0x00) && gsm.contains(&0x1B));
        assert_eq!(decode(0x01, &gsm), "[QC] v@y $5 t_t {x} ~ € |");
        assert_eq!(decode(0x01, b"[QC] v@y $5"), "[QC] v@y $5");
        assert_eq!(decode(0x01, b"a\tb\r\n[c]"), "a\tb\r\n[c]");
        // One GSM septet anywhere makes it GSM: ASCII's `[` is then `Ä`, as
        // the same ESME would never have sent it unescaped.
        assert_eq!(decode(0x01, b"\x00 [x]"), "@ ÄxÑ");
        // But `@` and `$` stay: a control octet slipped into true ASCII
        // does not hide a leetspeak `v@y` or `$ale` as `v¡y`, `¤ale`.
        assert_eq!(decode(0x01, b"\x07v@y $ale"), "ìv@y $ale");
        // Parts of one coding are one run: an escape split between two
        // IA5-labelled parts is joined.
        let e = gsm7_encode("[QC] ok").expect("gsm");
        assert_eq!(
            message_text([(0x01u8, &e[..1]), (0x01, &e[1..])]),
            "[QC] ok"
        );
    }
}
