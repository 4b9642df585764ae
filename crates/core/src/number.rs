//! Telephone numbers: normalisation to E.164 (`84…`) and short codes.
//!
//! As docs/formats.md defines it, a number is valid when, after dropping spaces, dots, dashes
//! and parentheses and rewriting a leading `+84`, `0084` or `0` as `84`, it is
//! `84` followed by 9 or 10 digits (mobile and fixed lines). Short codes (3 to
//! 6 digits, such as `5656`) are kept as written.
//!
//! A [`Number`] is a `Copy` value of 8 bytes: the digits packed into a `u64`
//! with their count, so it hashes and compares without allocation.

use std::fmt;

/// A normalised number (`84` + 9 or 10 digits) or a short code (3 to 6 digits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Number(u64);

/// The longest normalised number: `84` + 10 digits.
pub const MAX_DIGITS: usize = 12;

const LEN_SHIFT: u32 = 56;
const VALUE_MASK: u64 = (1 << LEN_SHIFT) - 1;

/// Why a string is not a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumberError {
    /// The string is empty (after trimming).
    Empty,
    /// A character other than a digit, a separator or a leading `+`.
    BadCharacter,
    /// The digits do not form `84` + 9 or 10 digits nor a short code.
    BadLength,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NumberError::Empty => "empty number",
            NumberError::BadCharacter => "a number holds only digits, a leading `+`, spaces, dots, dashes and parentheses",
            NumberError::BadLength => "not `84` followed by 9 or 10 digits (accepted: 0…, +84…, 84…, 0084…) nor a 3 to 6 digit short code",
        })
    }
}

impl std::error::Error for NumberError {}

/// The class of a number (QĐ 30/2021 step 2: reports are sorted by source; docs/cases.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumberClass {
    /// `84` + 9 digits: a mobile number.
    Mobile,
    /// `84` + 10 digits: a fixed line (area code `2xx`).
    Fixed,
    /// 3 to 6 digits: a short service code.
    ShortCode,
}

impl Number {
    /// Parses and normalises a number as docs/formats.md defines it.
    ///
    /// ```
    /// use chanrac::number::Number;
    /// for s in ["0912345678", "+84 912 345 678", "84912345678", "0084-912.345.678", "(091) 234 5678"] {
    ///     assert_eq!(Number::parse(s).unwrap().to_string(), "84912345678");
    /// }
    /// assert_eq!(Number::parse("5656").unwrap().to_string(), "5656");
    /// assert!(Number::parse("091234").is_ok()); // six digits: a short code, kept as written
    /// assert!(Number::parse("0912 34567").is_err()); // 0 + 8 digits
    /// ```
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(NumberError::Empty);
        }
        let mut digits = [0u8; 16];
        let mut n = 0usize;
        let mut plus = false;
        let mut separated = false;
        for (i, &b) in s.as_bytes().iter().enumerate() {
            match b {
                b'0'..=b'9' => {
                    if n == digits.len() {
                        return Err(NumberError::BadLength);
                    }
                    digits[n] = b;
                    n += 1;
                }
                b' ' | b'.' | b'-' | b'(' | b')' | b'\t' => separated = true,
                b'+' if i == 0 => plus = true,
                _ => return Err(NumberError::BadCharacter),
            }
        }
        if separated && (3..=6).contains(&n) {
            // A short code is written as it is: digits alone.
            return Err(NumberError::BadLength);
        }
        Number::from_digits(&digits[..n], plus)
    }

    /// Normalises a run of ASCII digits (separators already removed);
    /// `plus` says whether a `+` stood before them. Three to six digits
    /// without a `+` are a short code.
    pub fn from_digits(d: &[u8], plus: bool) -> Result<Number, NumberError> {
        if d.is_empty() {
            return Err(NumberError::Empty);
        }
        if !plus && (3..=6).contains(&d.len()) {
            return Ok(Number::pack(d));
        }
        // Rewrite the prefix to `84`: `+84…`, `0084…`, `84…` stay as their
        // `84…` tail; a single leading `0` becomes `84`.
        let national: &[u8] = if plus {
            match d.strip_prefix(b"84") {
                Some(rest) => rest,
                None => return Err(NumberError::BadLength),
            }
        } else if let Some(rest) = d.strip_prefix(b"0084") {
            rest
        } else if let Some(rest) = d.strip_prefix(b"84") {
            rest
        } else if let Some(rest) = d.strip_prefix(b"0") {
            rest
        } else {
            return Err(NumberError::BadLength);
        };
        if !(9..=10).contains(&national.len()) {
            return Err(NumberError::BadLength);
        }
        let mut buf = [0u8; MAX_DIGITS];
        buf[..2].copy_from_slice(b"84");
        buf[2..2 + national.len()].copy_from_slice(national);
        Ok(Number::pack(&buf[..2 + national.len()]))
    }

    fn pack(d: &[u8]) -> Number {
        debug_assert!(d.len() <= MAX_DIGITS && d.iter().all(u8::is_ascii_digit));
        let mut v = 0u64;
        for &b in d {
            v = v * 10 + u64::from(b - b'0');
        }
        Number((d.len() as u64) << LEN_SHIFT | v)
    }

    /// How many digits the normalised form has.
    pub fn len(self) -> usize {
        (self.0 >> LEN_SHIFT) as usize
    }

    /// Always false: a number has at least 3 digits.
    pub fn is_empty(self) -> bool {
        false
    }

    /// The class of this number.
    pub fn class(self) -> NumberClass {
        match self.len() {
            11 => NumberClass::Mobile,
            12 => NumberClass::Fixed,
            _ => NumberClass::ShortCode,
        }
    }

    /// A short code (3 to 6 digits, kept as written)?
    pub fn is_short_code(self) -> bool {
        self.len() <= 6
    }

    /// The packed value: the digit count in the top byte, the digits' value
    /// below. Stable across runs; used as a map key.
    pub fn to_bits(self) -> u64 {
        self.0
    }

    /// Rebuilds a number from [`Number::to_bits`]; `None` if the bits cannot
    /// come from a valid number.
    pub fn from_bits(bits: u64) -> Option<Number> {
        let len = (bits >> LEN_SHIFT) as usize;
        let value = bits & VALUE_MASK;
        let ok = match len {
            3..=6 => value < 10u64.pow(len as u32),
            11 | 12 => {
                let p = 10u64.pow(len as u32 - 2);
                value / p == 84
            }
            _ => false,
        };
        ok.then_some(Number(bits))
    }

    /// Writes the normalised digits into `buf` and returns them.
    pub fn write_digits(self, buf: &mut [u8; MAX_DIGITS]) -> &[u8] {
        let len = self.len();
        let mut v = self.0 & VALUE_MASK;
        for i in (0..len).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        &buf[..len]
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; MAX_DIGITS];
        let d = self.write_digits(&mut buf);
        // Digits are ASCII by construction.
        f.write_str(std::str::from_utf8(d).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl std::str::FromStr for Number {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Number, NumberError> {
        Number::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Result<String, NumberError> {
        Number::parse(s).map(|n| n.to_string())
    }

    #[test]
    fn every_written_form_normalises() {
        for s in [
            "0912345678",
            "+84912345678",
            "84912345678",
            "0084912345678",
            "091 234 5678",
            "091.234.5678",
            "091-234-5678",
            "+84 (91) 234-5678",
            " 0912345678 ",
        ] {
            assert_eq!(norm(s).as_deref(), Ok("84912345678"), "{s}");
        }
        assert_eq!(norm("02412345678").as_deref(), Ok("842412345678"));
        assert_eq!(norm("842412345678").unwrap().len(), 12);
        assert_eq!(
            Number::parse("02412345678").unwrap().class(),
            NumberClass::Fixed
        );
        assert_eq!(
            Number::parse("0912345678").unwrap().class(),
            NumberClass::Mobile
        );
    }

    #[test]
    fn short_codes_are_kept_as_written() {
        assert_eq!(norm("5656").as_deref(), Ok("5656"));
        assert_eq!(norm("9029").as_deref(), Ok("9029"));
        assert_eq!(norm("123").as_deref(), Ok("123"));
        assert_eq!(norm("012345").as_deref(), Ok("012345"));
        let sc = Number::parse("5656").unwrap();
        assert!(sc.is_short_code());
        assert_ne!(sc, Number::parse("05656").unwrap());
    }

    #[test]
    fn bad_numbers() {
        assert_eq!(norm(""), Err(NumberError::Empty));
        assert_eq!(norm("   "), Err(NumberError::Empty));
        assert_eq!(norm("12"), Err(NumberError::BadLength));
        assert_eq!(norm("0912abc678"), Err(NumberError::BadCharacter));
        assert_eq!(norm("09123456"), Err(NumberError::BadLength));
        assert_eq!(norm("+1 555 123 4567"), Err(NumberError::BadLength));
        assert_eq!(norm("912345678"), Err(NumberError::BadLength));
        assert_eq!(norm("849123456789012"), Err(NumberError::BadLength));
        assert_eq!(norm("09+12345678"), Err(NumberError::BadCharacter));
        assert_eq!(norm("+5656"), Err(NumberError::BadLength));
        assert_eq!(norm("0912 34"), Err(NumberError::BadLength));
        assert_eq!(norm("56-56"), Err(NumberError::BadLength));
    }

    #[test]
    fn bits_round_trip() {
        for s in ["0912345678", "02412345678", "5656", "012"] {
            let n = Number::parse(s).unwrap();
            assert_eq!(Number::from_bits(n.to_bits()), Some(n));
        }
        assert_eq!(Number::from_bits(0), None);
        assert_eq!(Number::from_bits(11 << 56 | 12345678901), None);
    }
}
