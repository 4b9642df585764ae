//! Identifiers (tên định danh) and event sources.
//!
//! As docs/formats.md defines it, an identifier is either a number (registered for ad
//! calls; normalised) or an alphanumeric brandname: 1 to 11 characters of
//! `A-Z a-z 0-9 - _ .` and space, not digits only, compared
//! case-insensitively. A source is *numeric* when it is a number or short code.

use std::fmt;

use crate::number::{Number, NumberError};

/// The longest brandname, in characters (all ASCII).
pub const MAX_NAME: usize = 11;

/// An alphanumeric brandname, stored lower case so that comparisons are
/// case-insensitive. `Copy`, 12 bytes, no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name {
    len: u8,
    bytes: [u8; MAX_NAME],
}

/// Why a string is not a brandname.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// Empty after trimming.
    Empty,
    /// More than 11 characters.
    TooLong,
    /// A character outside `A-Z a-z 0-9 - _ .` and space.
    BadCharacter,
    /// Only digits: that would be a number, not a brandname.
    DigitsOnly,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::Empty => "empty identifier",
            NameError::TooLong => "a brandname has at most 11 characters",
            NameError::BadCharacter => "a brandname holds only `A-Z a-z 0-9 - _ .` and spaces",
            NameError::DigitsOnly => "a brandname is never digits only",
        })
    }
}

impl std::error::Error for NameError {}

impl Name {
    /// Parses a brandname (ends trimmed).
    pub fn parse(s: &str) -> Result<Name, NameError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        let b = s.as_bytes();
        if !b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b' '))
        {
            return Err(NameError::BadCharacter);
        }
        if b.len() > MAX_NAME {
            return Err(NameError::TooLong);
        }
        if b.iter().all(u8::is_ascii_digit) {
            return Err(NameError::DigitsOnly);
        }
        let mut bytes = [0u8; MAX_NAME];
        for (d, c) in bytes.iter_mut().zip(b) {
            *d = c.to_ascii_lowercase();
        }
        Ok(Name {
            len: b.len() as u8,
            bytes,
        })
    }

    /// The lower-case form.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({})", self.as_str())
    }
}

/// An issued identifier: a brandname or a number registered for ad calls.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Identifier {
    /// A number (normalised), e.g. a call-centre line registered for ad calls.
    Number(Number),
    /// An alphanumeric brandname.
    Name(Name),
}

/// One write per identifier (the registry is probed on every ad): a number
/// as its packed bits, a name as its length and bytes in 16 bytes.
impl std::hash::Hash for Identifier {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            Identifier::Number(n) => h.write_u64(n.to_bits()),
            Identifier::Name(n) => {
                let mut b = [0u8; 16];
                b[0] = 0xff;
                b[1] = n.len;
                b[2..2 + MAX_NAME].copy_from_slice(&n.bytes);
                h.write(&b);
            }
        }
    }
}

/// Why a string is not an identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentifierError {
    /// Looks like a number but is not a valid one.
    Number(NumberError),
    /// Not a valid brandname.
    Name(NameError),
}

impl fmt::Display for IdentifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentifierError::Number(e) => e.fmt(f),
            IdentifierError::Name(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for IdentifierError {}

/// Whether `s` is written like a number: only digits, separators and a
/// leading `+`, with at least one digit.
fn looks_numeric(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().any(u8::is_ascii_digit)
        && b.iter().enumerate().all(|(i, &c)| {
            c.is_ascii_digit()
                || matches!(c, b' ' | b'.' | b'-' | b'(' | b')' | b'\t')
                || (c == b'+' && i == 0)
        })
}

impl Identifier {
    /// Parses an identifier: a number when it is written like one (digits and
    /// separators), otherwise a brandname.
    ///
    /// ```
    /// use chanrac::ident::Identifier;
    /// assert!(matches!(Identifier::parse("024 7300 1234"), Ok(Identifier::Number(_))));
    /// assert!(matches!(Identifier::parse("ShopVN"), Ok(Identifier::Name(_))));
    /// assert_eq!(Identifier::parse("SHOPVN").unwrap(), Identifier::parse("shopvn").unwrap());
    /// assert!(Identifier::parse("Quá-dài-tên-này").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Identifier, IdentifierError> {
        let s = s.trim();
        if looks_numeric(s) {
            Number::parse(s)
                .map(Identifier::Number)
                .map_err(IdentifierError::Number)
        } else {
            Name::parse(s)
                .map(Identifier::Name)
                .map_err(IdentifierError::Name)
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Number(n) => n.fmt(f),
            Identifier::Name(n) => n.fmt(f),
        }
    }
}

/// The source of an event as the engine sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Sender {
    /// No source given (allowed for consent events; an ad with no source is
    /// treated as an unregistered identifier).
    None,
    /// A number or short code: a *numeric* source.
    Number(Number),
    /// A well-formed brandname.
    Name(Name),
    /// Alphanumeric but not a possible brandname (too long, other
    /// characters): it can never be registered.
    Unregistrable,
}

impl Sender {
    /// Classifies an event's `source` field. A source written like a number
    /// that is not a valid number is bad input (`Err`); any other text is a
    /// name, registered or not.
    pub fn parse(s: &str) -> Result<Sender, NumberError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(Sender::None);
        }
        if looks_numeric(s) {
            return Number::parse(s).map(Sender::Number);
        }
        Ok(match Name::parse(s) {
            Ok(n) => Sender::Name(n),
            Err(_) => Sender::Unregistrable,
        })
    }

    /// The number, when the source is numeric.
    pub fn number(self) -> Option<Number> {
        match self {
            Sender::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The source as a registry identifier, when it could be one.
    pub fn identifier(self) -> Option<Identifier> {
        match self {
            Sender::Number(n) => Some(Identifier::Number(n)),
            Sender::Name(n) => Some(Identifier::Name(n)),
            Sender::None | Sender::Unregistrable => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Name::parse(" Shop.VN_1 ").unwrap().as_str(), "shop.vn_1");
        assert_eq!(Name::parse("ABCDEFGHIJK").unwrap().as_str(), "abcdefghijk");
        assert_eq!(Name::parse("ABCDEFGHIJKL"), Err(NameError::TooLong));
        assert_eq!(Name::parse("12345"), Err(NameError::DigitsOnly));
        assert_eq!(Name::parse("Shop@VN"), Err(NameError::BadCharacter));
        assert_eq!(Name::parse("Điện"), Err(NameError::BadCharacter));
        assert_eq!(Name::parse(""), Err(NameError::Empty));
    }

    #[test]
    fn senders() {
        assert_eq!(Sender::parse(""), Ok(Sender::None));
        assert!(matches!(Sender::parse("0912345678"), Ok(Sender::Number(_))));
        assert!(matches!(
            Sender::parse("+84 912 345 678"),
            Ok(Sender::Number(_))
        ));
        assert!(matches!(Sender::parse("9029"), Ok(Sender::Number(_))));
        assert!(Sender::parse("0912 345").is_err());
        assert!(matches!(Sender::parse("VIETTEL"), Ok(Sender::Name(_))));
        assert_eq!(
            Sender::parse("VAY-TIEN-NHANH-24H"),
            Ok(Sender::Unregistrable)
        );
    }
}
