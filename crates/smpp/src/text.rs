//! Short-message text: the octets of `short_message` / `message_payload`
//! decoded by `data_coding` (SMPP 3.4 §5.2.19).
//!
//! | `data_coding` | alphabet | decoded as |
//! |---|---|---|
//! | `0x00` | SMSC default | GSM 03.38 7-bit default alphabet, one septet per octet (unpacked, as SMPP carries it), with the extension table behind `0x1B` |
//! | `0x01` | IA5 / ASCII | ASCII (octets above `0x7F` become U+FFFD) |
//! | `0x03` | Latin-1 | ISO-8859-1 |
//! | `0x08` | UCS-2 | big-endian 16-bit units, surrogate pairs joined (UTF-16BE) |
//! | `0x10..=0x3F`, `0xC0..=0xEF`, `0xF0..=0xFF` | GSM 03.38 coding groups | their alphabet bits: 7-bit, 8-bit or UCS-2 |
//! | anything else (binary, JIS, …) | | Latin-1, so the content rules still see every octet |
//!
//! Decoding never fails: a broken surrogate or a lone odd octet becomes
//! U+FFFD, so a malformed text is checked as what it looks like.

/// The alphabet a `data_coding` value selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alphabet {
    /// GSM 03.38 default alphabet, unpacked septets.
    Gsm7,
    /// IA5 / ASCII.
    Ascii,
    /// ISO-8859-1 (also used for 8-bit binary and unsupported codings).
    Latin1,
    /// UCS-2 / UTF-16 big-endian.
    Ucs2,
}

impl Alphabet {
    /// The alphabet of an SMPP `data_coding` value.
    pub fn of(data_coding: u8) -> Alphabet {
        match data_coding {
            0x00 => Alphabet::Gsm7,
            0x01 => Alphabet::Ascii,
            0x08 => Alphabet::Ucs2,
            // GSM 03.38 general data coding groups: bits 3..2 are the alphabet.
            0x10..=0x3F => match (data_coding >> 2) & 0b11 {
                0b00 => Alphabet::Gsm7,
                0b10 => Alphabet::Ucs2,
                _ => Alphabet::Latin1,
            },
            // Message waiting groups: discard/store with the default alphabet,
            // store with UCS-2.
            0xC0..=0xDF => Alphabet::Gsm7,
            0xE0..=0xEF => Alphabet::Ucs2,
            // Data coding / message class: bit 2 selects 8-bit data.
            0xF0..=0xFF if data_coding & 0b100 == 0 => Alphabet::Gsm7,
            _ => Alphabet::Latin1,
        }
    }
}

/// Decodes `bytes` as `data_coding` says, appending to `out`.
pub fn decode_into(data_coding: u8, bytes: &[u8], out: &mut String) {
    match Alphabet::of(data_coding) {
        Alphabet::Gsm7 => gsm7_into(bytes, out),
        Alphabet::Ascii => out.extend(bytes.iter().map(|&b| {
            if b.is_ascii() {
                char::from(b)
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })),
        Alphabet::Latin1 => out.extend(bytes.iter().map(|&b| char::from(b))),
        Alphabet::Ucs2 => ucs2_into(bytes, out),
    }
}

/// Decodes `bytes` as `data_coding` says.
///
/// ```
/// use chanrac_smpp::text::decode;
/// assert_eq!(decode(0x00, &[0x1B, 0x3C, 0x51, 0x43, 0x1B, 0x3E]), "[QC]");
/// assert_eq!(decode(0x08, &[0x00, 0x5B, 0x1E, 0xA1]), "[ạ");
/// assert_eq!(decode(0x03, &[0x43, 0xE9]), "Cé");
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

    #[test]
    fn latin1_ascii_and_binary() {
        assert_eq!(decode(0x03, b"caf\xe9"), "café");
        assert_eq!(decode(0x01, b"ok\xe9"), "ok\u{FFFD}");
        assert_eq!(decode(0x04, b"\x00\xff"), "\u{0}ÿ");
    }
}
