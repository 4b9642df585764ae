//! Contact numbers printed in a message (docs/rules.md, rule S3; QĐ 128/2016
//! and QĐ 30/2021: the contact numbers advertised in spam are suspended too).
//!
//! # What counts as a contact number
//!
//! The text is read as *digit groups* (maximal runs of ASCII digits) joined
//! by exactly one space, dot or dash (`0912 345 678`, `0912.345.678`,
//! `0912-345-678`, `+84 912.345.678`). Two separators in a row, a comma, a
//! slash or a letter end the sequence. Within such a sequence, **every run of
//! whole consecutive groups** whose digits form a valid number (§1) is a
//! contact number:
//!
//! - *Whole groups only*: a number never starts or ends inside a group, so it
//!   never touches other digits (`0912345678999` holds no number).
//! - *Every run, not only the longest*: in `goi 0912 345 678 2 lan` the
//!   groups `0912 345 678` are a number (`84912345678`), and so, by the
//!   letter of §1, are all four groups (`849123456782`, a fixed-line form).
//!   Both are reported; a spammer cannot hide a number by writing a digit
//!   after it, and the extra candidate can only matter if it, too, is on the
//!   suspended list.
//! - *A leading `+`* counts when it stands right before the first group of
//!   the sequence: the number must then be `+84…` (`+84 912 345 678`);
//!   `+0912…` is not a valid number. Runs that start at a later group have no
//!   `+`.
//! - *Only full numbers* (`84` + 9 or 10 digits: mobile and fixed lines), not
//!   short codes. §1 calls a number valid when it normalises to `84` + 9 or 10
//!   digits and only *keeps* short codes as written where an identifier is
//!   expected; in running text every price, date and quantity (`5.000`,
//!   `2024`, `500`) would otherwise be a "short code". Suspended short codes
//!   are still caught as sources (S2).
//! - Letters may touch a number (`sdt0912345678`, `goi:0912345678`): §4 only
//!   forbids touching digits.
//!
//! `5.000.000 đồng` holds no number: `5000000`, `5000`, `000000`, … are not
//! valid. Parentheses are not separators here (§4 lists spaces, dots and
//! dashes), so `(091) 234 5678` yields nothing.
//!
//! The scan is a single pass over the bytes plus, per group, at most the
//! handful of following groups that fit in 14 digits; it allocates nothing.

use crate::number::Number;

/// The longest digit string that can normalise to a number: `0084` + 10.
const MAX_DIGITS: usize = 14;
/// The shortest: `0` + 9.
const MIN_DIGITS: usize = 10;

/// Calls `f` with every contact number in `folded` (the folded text of a
/// message, see [`crate::content::FoldBuf`]), in order of the first digit,
/// and for the same first digit shortest first. The same number may be
/// reported more than once. Never allocates, never panics.
///
/// ```
/// use chanrac::content::{fold, for_each_contact};
/// let mut found = Vec::new();
/// let text = fold("Gọi ngay 0912.345.678 hoặc +84 987 654 321, phí 5.000.000 đồng");
/// for_each_contact(&text, |n| found.push(n.to_string()));
/// assert_eq!(found, ["84912345678", "84987654321"]);
/// ```
pub fn for_each_contact(folded: &str, mut f: impl FnMut(Number)) {
    let b = folded.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i = next_digit(b, i + 1);
            continue;
        }
        // `i` starts a sequence of groups.
        let plus = i > 0 && b[i - 1] == b'+';
        let mut start = i;
        let mut first = true;
        loop {
            // Every valid form starts `0…`, `84…` or `+84…`.
            if matches!(b[start], b'0' | b'8') {
                candidates(b, start, plus && first, &mut f);
            }
            let end = group_end(b, start);
            match next_group(b, end) {
                Some(next) => {
                    start = next;
                    first = false;
                }
                None => {
                    i = end;
                    break;
                }
            }
        }
    }
}

/// The first position from `i` on where `b` holds an ASCII digit (or its
/// length): eight bytes at a time, a byte `c` being a digit when `c ^
/// 0x30 < 10`, tested in every byte at once (the lowest byte found is
/// exact: a borrow only runs on from a byte below 10).
fn next_digit(b: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    while let Some(w) = b.get(i..i + 8) {
        let x = w.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w)) ^ (0x30 * LO);
        let below_ten = x.wrapping_sub(10 * LO) & !x & (0x80 * LO);
        if below_ten != 0 {
            return i + below_ten.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    b.get(i..)
        .and_then(|rest| rest.iter().position(u8::is_ascii_digit))
        .map_or(b.len(), |p| i + p)
}

/// Every contact number in `folded`, collected (allocates; tests and tools).
pub fn contact_numbers(folded: &str) -> Vec<Number> {
    let mut v = Vec::new();
    for_each_contact(folded, |n| v.push(n));
    v
}

/// Tries the runs of whole groups starting with the group at `start`.
fn candidates(b: &[u8], start: usize, plus: bool, f: &mut impl FnMut(Number)) {
    let mut digits = [0u8; MAX_DIGITS];
    let mut n = 0;
    let mut g = start;
    loop {
        let end = group_end(b, g);
        let len = end - g;
        if n + len > MAX_DIGITS {
            return;
        }
        digits[n..n + len].copy_from_slice(&b[g..end]);
        n += len;
        // The shortest full number is `0` + 9 digits.
        if n >= MIN_DIGITS {
            if let Ok(num) = Number::from_digits(&digits[..n], plus) {
                if !num.is_short_code() {
                    f(num);
                }
            }
        }
        match next_group(b, end) {
            Some(next) => g = next,
            None => return,
        }
    }
}

/// The end of the digit group starting at `g`.
fn group_end(b: &[u8], g: usize) -> usize {
    let mut e = g;
    while e < b.len() && b[e].is_ascii_digit() {
        e += 1;
    }
    e
}

/// The start of the group joined to the group ending at `end`, if any.
fn next_group(b: &[u8], end: usize) -> Option<usize> {
    match (b.get(end), b.get(end + 1)) {
        (Some(b' ' | b'.' | b'-'), Some(d)) if d.is_ascii_digit() => Some(end + 1),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::content::fold;

    fn found(text: &str) -> Vec<String> {
        contact_numbers(&fold(text))
            .iter()
            .map(|n| n.to_string())
            .collect()
    }

    #[test]
    fn the_contract_examples() {
        for s in [
            "0912 345 678",
            "+84 912.345.678",
            "0912.345.678",
            "0912-345-678",
            "0912345678",
        ] {
            assert_eq!(found(s), ["84912345678"], "{s}");
        }
        assert!(found("5.000.000 đồng").is_empty());
        assert!(found("5.000 đ, 2024, 500k, 1900").is_empty());
    }

    #[test]
    fn written_forms() {
        assert_eq!(found("LH: 0084 912 345 678"), ["84912345678"]);
        assert_eq!(found("84912345678"), ["84912345678"]);
        assert_eq!(found("goi0912345678ngay"), ["84912345678"]);
        assert_eq!(found("Hotline 024.3456.7890"), ["842434567890"]);
        assert_eq!(found("ＳĐＴ ０９１２ ３４５ ６７８"), ["84912345678"]); // full width
        assert_eq!(found("0912–345–678"), ["84912345678"]); // en dashes fold to `-`
        assert_eq!(
            found("a 0912 345 678. b 0987.654.321."),
            ["84912345678", "84987654321"]
        );
    }

    #[test]
    fn groups_must_be_joined_by_one_separator() {
        // Folding collapses the double space, so this one is a number...
        assert_eq!(found("0912  345 678"), ["84912345678"]);
        // ...but two separators in a row are not.
        assert!(found("0912.-345.678").is_empty());
        assert!(found("0912, 345, 678").is_empty());
        assert!(found("(091) 234 5678").is_empty());
        assert!(found("091/234/5678").is_empty());
    }

    #[test]
    fn never_inside_a_longer_digit_run() {
        assert!(found("0912345678999").is_empty());
        assert!(found("10912345678").is_empty());
        assert_eq!(found("1.0912.345.678"), ["84912345678"]);
    }

    #[test]
    fn sub_runs_of_whole_groups() {
        // All four groups form 0 + 10 digits, a fixed-line form; the first
        // three form the mobile number.
        assert_eq!(
            found("goi 0912 345 678 2 lan"),
            ["84912345678", "849123456782"]
        );
        assert_eq!(found("goi 0912 345 678 ngay 5"), ["84912345678"]);
        assert_eq!(
            found("0912 345 678 0987 654 321"),
            ["84912345678", "84987654321"]
        );
    }

    #[test]
    fn the_plus_sign() {
        assert_eq!(found("+84912345678"), ["84912345678"]);
        assert!(found("+0912345678").is_empty());
        assert_eq!(found("+ 84912345678"), ["84912345678"]); // `+` not touching: plain 84…
        assert!(found("+1 555 123 4567").is_empty());
    }

    #[test]
    fn short_codes_are_not_contacts() {
        assert!(found("soan DK gui 9029").is_empty());
        assert!(found("nhan 5656").is_empty());
    }

    #[test]
    fn next_digit_finds_the_first_digit() {
        let texts: [&[u8]; 6] = [
            b"goi ngay 0912",
            b"abcdefghijklmnopqrstuvwxyz9",
            b"////////:::::::::0",
            b"\xff\x80\xc3\xa0 \x2f\x3a 7 tr",
            b"no digit here at all, none",
            b"",
        ];
        for t in texts {
            for i in 0..=t.len() {
                let expected = t[i..]
                    .iter()
                    .position(u8::is_ascii_digit)
                    .map_or(t.len(), |p| i + p);
                assert_eq!(next_digit(t, i), expected, "{t:?} from {i}");
            }
        }
        // Every byte value at every place of a word, before a digit.
        for c in 0..=255u8 {
            for at in 0..8 {
                let mut t = [b'x'; 9];
                t[at] = c;
                t[8] = b'5';
                let expected = if c.is_ascii_digit() { at } else { 8 };
                assert_eq!(next_digit(&t, 0), expected, "{c:#x} at {at}");
            }
        }
    }

    #[test]
    fn odd_input_never_panics() {
        for s in [
            "",
            "+",
            "0",
            "-0",
            "0-",
            "0 ",
            " 0",
            "+0+0",
            "999999999999999999999999",
            "٣٤٥",
        ] {
            let _ = found(s);
            let _ = contact_numbers(s);
        }
    }
}
