//! Journal records: what the engine's state is made of, as bytes.
//!
//! Every state change is one [`Record`]: a consent event, a counted
//! registration message, a counted ad. A host that keeps state across
//! restarts appends [`Record::of_check`] after each check that counted and
//! replays the records into a new engine with [`crate::Engine::restore`].
//! Records hold the pair itself (advertiser and recipient), never its hash,
//! so a journal outlives the per-process hash seed.
//!
//! Encoding (little-endian): `len: u16` (of what follows, checksum included),
//! `tag: u8`, `time_ms: i64`, `recipient: u64` ([`Number::to_bits`]),
//! `advertiser: len-prefixed UTF-8 (u8 length)`, then the low 32 bits of the
//! xxh3 of everything before them. A torn or corrupt record decodes as
//! [`Decoded::Corrupt`]; a reader stops there (the tail a crash tore off).
//! The core does no I/O: `chanrac-store` owns the files.

use jiff::Timestamp;

use crate::event::{Channel, Event, Kind};
use crate::number::Number;
use crate::policy::{ConsentState, Policy};
use crate::verdict::Verdict;

/// One change to the engine's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// What changed.
    pub kind: RecordKind,
    /// The advertiser (resolved from the account).
    pub advertiser: String,
    /// The recipient.
    pub recipient: Number,
    /// When, in milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// What a [`Record`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// The recipient opted in.
    OptIn,
    /// The recipient opted out.
    OptOut,
    /// A counted registration message.
    Registration,
    /// A counted ad SMS.
    AdSms,
    /// A counted ad call.
    AdCall,
}

impl RecordKind {
    fn tag(self) -> u8 {
        match self {
            RecordKind::OptIn => 1,
            RecordKind::OptOut => 2,
            RecordKind::Registration => 3,
            RecordKind::AdSms => 4,
            RecordKind::AdCall => 5,
        }
    }

    fn from_tag(t: u8) -> Option<RecordKind> {
        Some(match t {
            1 => RecordKind::OptIn,
            2 => RecordKind::OptOut,
            3 => RecordKind::Registration,
            4 => RecordKind::AdSms,
            5 => RecordKind::AdCall,
            _ => return None,
        })
    }
}

/// The outcome of decoding one record.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A record and the bytes it took.
    Record(Record, usize),
    /// Not enough bytes for a whole record (a torn tail).
    Truncated,
    /// The bytes are not a valid record (checksum, tag, number or text).
    Corrupt,
}

const HEAD: usize = 2;
const FIXED: usize = 1 + 8 + 8 + 1;
const SUM: usize = 4;

impl Record {
    /// The record of a check that changed state, or `None` when it did not
    /// (`verdict.counted` false, or traffic the state does not track).
    pub fn of_check(policy: &Policy, ev: &Event<'_>, verdict: &Verdict) -> Option<Record> {
        if !verdict.counted {
            return None;
        }
        let mut recipient = ev.recipient;
        let kind = match (ev.kind, ev.channel) {
            // A reply sets the consent of its sender, the subscriber.
            (Kind::Reply, _) => {
                let crate::Sender::Number(n) = ev.source else {
                    return None;
                };
                recipient = n;
                match verdict.consent? {
                    ConsentState::OptIn => RecordKind::OptIn,
                    ConsentState::OptOut => RecordKind::OptOut,
                }
            }
            (Kind::OptIn, _) => RecordKind::OptIn,
            (Kind::OptOut, _) => RecordKind::OptOut,
            (Kind::Registration, _) => RecordKind::Registration,
            (Kind::Ad, Channel::Sms) => RecordKind::AdSms,
            (Kind::Ad, Channel::Call) => RecordKind::AdCall,
            _ => return None,
        };
        Some(Record {
            kind,
            advertiser: policy.resolve_advertiser(ev.advertiser).to_string(),
            recipient,
            time_ms: ev.time.as_millisecond(),
        })
    }

    /// The consent state this record sets, if it is a consent record.
    pub fn consent(&self) -> Option<ConsentState> {
        match self.kind {
            RecordKind::OptIn => Some(ConsentState::OptIn),
            RecordKind::OptOut => Some(ConsentState::OptOut),
            _ => None,
        }
    }

    /// The record's time.
    pub fn time(&self) -> Option<Timestamp> {
        Timestamp::from_millisecond(self.time_ms).ok()
    }

    /// Appends the encoded record to `out`. Advertiser names longer than
    /// 255 bytes are cut at a character boundary (names are account ids).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut adv = self.advertiser.as_str();
        while adv.len() > 255 {
            let mut cut = 255;
            while !adv.is_char_boundary(cut) {
                cut -= 1;
            }
            adv = &adv[..cut];
        }
        let start = out.len();
        let len = FIXED + adv.len() + SUM;
        out.extend_from_slice(&(len as u16).to_le_bytes());
        out.push(self.kind.tag());
        out.extend_from_slice(&self.time_ms.to_le_bytes());
        out.extend_from_slice(&self.recipient.to_bits().to_le_bytes());
        out.push(adv.len() as u8);
        out.extend_from_slice(adv.as_bytes());
        let sum = xxhash_rust::xxh3::xxh3_64(&out[start..]) as u32;
        out.extend_from_slice(&sum.to_le_bytes());
    }

    /// Decodes one record from the start of `bytes`.
    pub fn decode(bytes: &[u8]) -> Decoded {
        let Some(len) = bytes
            .get(..HEAD)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
        else {
            return Decoded::Truncated;
        };
        if len < FIXED + SUM {
            return Decoded::Corrupt;
        }
        let Some(rec) = bytes.get(..HEAD + len) else {
            return Decoded::Truncated;
        };
        let (body, sum) = rec.split_at(HEAD + len - SUM);
        let want = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
        if xxhash_rust::xxh3::xxh3_64(body) as u32 != want {
            return Decoded::Corrupt;
        }
        let b = &body[HEAD..];
        let Some(kind) = RecordKind::from_tag(b[0]) else {
            return Decoded::Corrupt;
        };
        let mut i64b = [0u8; 8];
        i64b.copy_from_slice(&b[1..9]);
        let time_ms = i64::from_le_bytes(i64b);
        i64b.copy_from_slice(&b[9..17]);
        let Some(recipient) = Number::from_bits(u64::from_le_bytes(i64b)) else {
            return Decoded::Corrupt;
        };
        let alen = b[17] as usize;
        let Some(adv) = b.get(18..18 + alen) else {
            return Decoded::Corrupt;
        };
        if 18 + alen != b.len() {
            return Decoded::Corrupt;
        }
        let Ok(advertiser) = std::str::from_utf8(adv) else {
            return Decoded::Corrupt;
        };
        Decoded::Record(
            Record {
                kind,
                advertiser: advertiser.to_string(),
                recipient,
                time_ms,
            },
            HEAD + len,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: RecordKind, adv: &str) -> Record {
        Record {
            kind,
            advertiser: adv.into(),
            recipient: Number::parse("0912345678").unwrap(),
            time_ms: 1_772_420_400_123,
        }
    }

    #[test]
    fn round_trip_and_torn_tails() {
        let mut buf = vec![];
        let all = [
            rec(RecordKind::OptIn, "shopvn"),
            rec(RecordKind::AdCall, "ngân hàng"),
            rec(RecordKind::Registration, ""),
        ];
        for r in &all {
            r.encode(&mut buf);
        }
        let mut at = 0;
        for r in &all {
            match Record::decode(&buf[at..]) {
                Decoded::Record(got, n) => {
                    assert_eq!(&got, r);
                    at += n;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(at, buf.len());
        // Every cut of the last record is a torn tail or corrupt, never a record.
        let first = match Record::decode(&buf) {
            Decoded::Record(_, n) => n,
            _ => unreachable!(),
        };
        for cut in 0..first {
            assert!(!matches!(Record::decode(&buf[..cut]), Decoded::Record(..)));
        }
        // Any flipped bit is caught.
        for i in 0..first {
            let mut b = buf.clone();
            b[i] ^= 0x10;
            assert!(
                !matches!(Record::decode(&b), Decoded::Record(r, _) if r == all[0]),
                "byte {i}"
            );
        }
    }
}
