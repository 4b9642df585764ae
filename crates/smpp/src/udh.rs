//! The User Data Header (3GPP TS 23.040 §9.2.3.24) at the start of
//! `short_message` when `esm_class` has the UDHI bit (`0x40`), and the
//! concatenation information it carries.
//!
//! Concatenation is read from the information elements `0x00` (8-bit
//! reference) and `0x08` (16-bit reference), or from the SMPP SAR TLVs
//! (`sar_msg_ref_num`, `sar_total_segments`, `sar_segment_seqnum`) built by
//! the caller with [`Concat::from_sar`].

use std::fmt;

/// The UDHI bit of `esm_class`.
pub const UDHI: u8 = 0x40;

/// One part of a concatenated message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Concat {
    /// The reference shared by every part (8-bit references are widened).
    pub reference: u16,
    /// Whether the reference came from a 16-bit element (a different
    /// reference space from the 8-bit one).
    pub wide: bool,
    /// How many parts the message has (1..=255).
    pub total: u8,
    /// This part's number (1..=total).
    pub seq: u8,
}

impl Concat {
    /// Concatenation from the SAR TLVs; `None` when a value is out of range.
    pub fn from_sar(reference: u16, total: u8, seq: u8) -> Option<Concat> {
        (total >= 1 && seq >= 1 && seq <= total).then_some(Concat {
            reference,
            wide: true,
            total,
            seq,
        })
    }
}

/// A malformed User Data Header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UdhError {
    /// The header length runs past the message.
    Truncated,
    /// An information element runs past the header.
    ElementOverrun,
    /// A concatenation element of the wrong length, with part 0, total 0
    /// or part > total, or a second concatenation element.
    BadConcat,
}

impl fmt::Display for UdhError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UdhError::Truncated => "user data header longer than the message",
            UdhError::ElementOverrun => "user data header element runs past the header",
            UdhError::BadConcat => "bad concatenation element",
        })
    }
}

impl std::error::Error for UdhError {}

/// A short message split into its header's concatenation info and its text
/// octets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserData<'a> {
    /// The concatenation element, if the header has one.
    pub concat: Option<Concat>,
    /// The octets after the header.
    pub payload: &'a [u8],
}

/// Splits `short_message` by `esm_class`: without the UDHI bit the whole
/// message is payload.
///
/// ```
/// use chanrac_smpp::udh::{split, Concat};
/// let ud = split(0x40, &[0x05, 0x00, 0x03, 0x2A, 0x03, 0x02, b'h', b'i']).unwrap();
/// assert_eq!(ud.concat, Some(Concat { reference: 0x2A, wide: false, total: 3, seq: 2 }));
/// assert_eq!(ud.payload, b"hi");
/// ```
pub fn split(esm_class: u8, short_message: &[u8]) -> Result<UserData<'_>, UdhError> {
    if esm_class & UDHI == 0 {
        return Ok(UserData {
            concat: None,
            payload: short_message,
        });
    }
    let (&udhl, rest) = short_message.split_first().ok_or(UdhError::Truncated)?;
    let udhl = usize::from(udhl);
    if rest.len() < udhl {
        return Err(UdhError::Truncated);
    }
    let (mut header, payload) = rest.split_at(udhl);
    let mut concat = None;
    while let Some((&iei, tail)) = header.split_first() {
        let (&len, tail) = tail.split_first().ok_or(UdhError::ElementOverrun)?;
        let len = usize::from(len);
        if tail.len() < len {
            return Err(UdhError::ElementOverrun);
        }
        let (data, tail) = tail.split_at(len);
        header = tail;
        let c = match (iei, data) {
            (0x00, &[r, total, seq]) => Some((u16::from(r), false, total, seq)),
            (0x08, &[r1, r2, total, seq]) => Some((u16::from_be_bytes([r1, r2]), true, total, seq)),
            (0x00 | 0x08, _) => return Err(UdhError::BadConcat),
            _ => None,
        };
        if let Some((reference, wide, total, seq)) = c {
            if total == 0 || seq == 0 || seq > total {
                return Err(UdhError::BadConcat);
            }
            // Two concatenation elements: receivers differ on which wins,
            // so the part could join a message the proxy did not check.
            if concat.is_some() {
                return Err(UdhError::BadConcat);
            }
            concat = Some(Concat {
                reference,
                wide,
                total,
                seq,
            });
        }
    }
    Ok(UserData { concat, payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_and_sixteen_bit_references() {
        let ud = split(0x40, &[0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, b'x']).unwrap();
        assert_eq!(
            ud.concat,
            Some(Concat {
                reference: 0x1234,
                wide: true,
                total: 2,
                seq: 1
            })
        );
        assert_eq!(ud.payload, b"x");
        // Another element before the concatenation one is skipped.
        let ud = split(
            0x43,
            &[0x08, 0x24, 0x01, 0x00, 0x00, 0x03, 0x07, 0x02, 0x02, b'y'],
        )
        .unwrap();
        assert_eq!(
            ud.concat,
            Some(Concat {
                reference: 7,
                wide: false,
                total: 2,
                seq: 2
            })
        );
        assert_eq!(ud.payload, b"y");
        // No UDHI: all payload, even if it looks like a header.
        let ud = split(0x00, &[0x05, 0x00, 0x03, 1, 2, 1]).unwrap();
        assert_eq!(ud.concat, None);
        assert_eq!(ud.payload.len(), 6);
        // A header with no concatenation element.
        let ud = split(0x40, &[0x00, b'z']).unwrap();
        assert_eq!((ud.concat, ud.payload), (None, &b"z"[..]));
    }

    #[test]
    fn malformed_headers() {
        assert_eq!(split(0x40, &[]), Err(UdhError::Truncated));
        assert_eq!(split(0x40, &[0x05, 0x00, 0x03]), Err(UdhError::Truncated));
        assert_eq!(
            split(0x40, &[0x02, 0x00, 0x03]),
            Err(UdhError::ElementOverrun)
        );
        assert_eq!(split(0x40, &[0x01, 0x00]), Err(UdhError::ElementOverrun));
        assert_eq!(
            split(0x40, &[0x04, 0x00, 0x02, 0x01, 0x01]),
            Err(UdhError::BadConcat)
        );
        assert_eq!(
            split(0x40, &[0x05, 0x00, 0x03, 0x01, 0x02, 0x03]),
            Err(UdhError::BadConcat)
        );
        assert_eq!(
            split(0x40, &[0x05, 0x00, 0x03, 0x01, 0x00, 0x00]),
            Err(UdhError::BadConcat)
        );
        assert_eq!(
            split(0x40, &[0x05, 0x00, 0x03, 0x01, 0x02, 0x00]),
            Err(UdhError::BadConcat)
        );
        // Two concatenation elements (8- and 16-bit): which one a handset
        // follows is not defined.
        assert_eq!(
            split(
                0x40,
                &[0x0B, 0x00, 0x03, 0x01, 0x02, 0x01, 0x08, 0x04, 0x00, 0x07, 0x02, 0x02, b'x']
            ),
            Err(UdhError::BadConcat)
        );
        assert_eq!(Concat::from_sar(1, 2, 3), None);
        assert!(Concat::from_sar(1, 2, 2).is_some());
    }
}
