//! A pair in the store: its key, its value, and the compare-and-set that
//! commits a decision.
//!
//! **Key.** `PREFIX:{ADVERTISER|RECIPIENT}` — the braces are a hash tag, so
//! everything of a pair lives in one Cluster slot.
//!
//! **Value.** 32 bytes: the pair's three words ([`PairWords::to_bytes`]:
//! the ledger, the counted ad SMS, the counted ad calls) and an 8-byte token
//! naming the write that stored them. An absent key is a pair with no
//! history.
//!
//! **Compare-and-set.** The check decides on the value it believes
//! current ([`PairCheck::decide`], the same Rust as the local table's; the
//! decision is never in the store), then sends one command:
//! - nothing to write (a blocked ad, a repeat): `GET`, to confirm it
//!   decided on the current words — a blocked ad is blocked on the truth;
//! - a new pair: `SET key value NX [PXAT t]`, which fails if the key
//!   appeared meanwhile;
//! - otherwise the server-side script `CAS`: if the key holds exactly the
//!   value decided on, store the new value (with its expiry) and answer
//!   `1`; otherwise answer the value it holds.
//!
//! When the store holds something else, the check decides again on that.
//! Plain commands where they suffice keep the server's cost per check low
//! (a script call costs several times a `GET`).
//!
//! **Never twice.** Every write carries a fresh token. If a reply is lost
//! and the client sends the script again (a Cluster client does, during a
//! failover), the second run finds the value it wrote itself and answers it
//! back: the check sees its own token and knows it committed once.
//!
//! **Expiry.** From [`PairWords::keep_until_ms`]: none for a pair with an
//! opt-out or a registration mark (`SET` without an expiry also clears an
//! old one), else the later of that time and 25 hours from now (the
//! store's clock), so a replay of an old log never writes keys that vanish
//! at once.

use std::sync::atomic::{AtomicU64, Ordering};

use chanrac::{Number, PairCheck, PairOutcome, PairWords};

/// The value's length: the words and the token.
pub(crate) const VALUE_BYTES: usize = PairWords::BYTES + 8;

/// Ads and opt-ins are kept at least this long from now.
const MIN_KEEP_MS: i64 = 25 * 3_600_000;

/// The compare-and-set script (see the module docs).
pub(crate) const CAS_SCRIPT: &str = r"
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return cur end
if ARGV[2] ~= '' then
  if ARGV[3] == '' then
    redis.call('SET', KEYS[1], ARGV[2])
  else
    redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
  end
end
return 1
";

/// The key of a pair.
pub(crate) fn key(prefix: &str, advertiser: &str, recipient: Number) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + advertiser.len() + 20);
    k.extend_from_slice(prefix.as_bytes());
    k.extend_from_slice(b":{");
    k.extend_from_slice(advertiser.as_bytes());
    k.push(b'|');
    k.extend_from_slice(recipient.to_string().as_bytes());
    k.push(b'}');
    k
}

/// The advertiser and recipient of a pair's key.
pub(crate) fn parse_key(prefix: &str, key: &[u8]) -> Option<(String, Number)> {
    let key = std::str::from_utf8(key).ok()?;
    let inner = key
        .strip_prefix(prefix)?
        .strip_prefix(":{")?
        .strip_suffix('}')?;
    let (adv, digits) = inner.rsplit_once('|')?;
    Some((adv.to_string(), Number::parse(digits).ok()?))
}

/// The words of a stored value; `None` when it is not one of ours.
pub(crate) fn words_of(value: &[u8]) -> Option<PairWords> {
    match value.len() {
        0 => Some(PairWords::EMPTY),
        VALUE_BYTES => PairWords::from_bytes(&value[..PairWords::BYTES]),
        _ => None,
    }
}

/// A stored value: the words and a token.
pub(crate) fn value_of(words: PairWords, token: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(VALUE_BYTES);
    v.extend_from_slice(&words.to_bytes());
    v.extend_from_slice(&token.to_le_bytes());
    v
}

/// Tokens: unique per process (a random start) and per write.
pub(crate) struct Tokens(AtomicU64);

impl Tokens {
    pub(crate) fn new() -> Tokens {
        let seed = xxhash_rust::xxh3::xxh3_64(
            &[
                std::process::id().to_le_bytes().as_slice(),
                &std::hash::BuildHasher::hash_one(
                    &std::collections::hash_map::RandomState::new(),
                    0u64,
                )
                .to_le_bytes(),
                &now_ms().to_le_bytes(),
            ]
            .concat(),
        );
        Tokens(AtomicU64::new(seed))
    }

    /// A fresh token. The process id is mixed in at every call: a child
    /// forked from a process that already wrote continues its parent's
    /// sequence, and must not take the parent's writes for its own.
    pub(crate) fn next(&self) -> u64 {
        let n = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        n ^ u64::from(std::process::id()).rotate_left(40)
    }
}

/// The store's clock (Unix milliseconds).
pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// One try of a check: what to send, and what it means.
pub(crate) struct Attempt {
    pub(crate) expected: Vec<u8>,
    /// Empty: nothing to write (the script only confirms `expected`).
    pub(crate) new: Vec<u8>,
    /// Expiry (Unix ms) as the script's argument; empty: none.
    pub(crate) pxat: String,
    pub(crate) outcome: PairOutcome,
}

impl Attempt {
    /// Decides `check` on the value believed current.
    pub(crate) fn new(
        check: &PairCheck,
        current: &[u8],
        tokens: &Tokens,
        retention_days: u32,
    ) -> Result<Attempt, BadValue> {
        let words = words_of(current).ok_or(BadValue)?;
        let (outcome, next) = check.decide(words);
        let (new, pxat) = if next == words {
            (Vec::new(), String::new())
        } else {
            let pxat = match next.keep_until_ms(retention_days) {
                None => String::new(),
                Some(t) => t.max(now_ms().saturating_add(MIN_KEEP_MS)).to_string(),
            };
            (value_of(next, tokens.next()), pxat)
        };
        Ok(Attempt {
            expected: current.to_vec(),
            new,
            pxat,
            outcome,
        })
    }
}

/// A key holds a value that is not a pair's (another program wrote it).
#[derive(Debug)]
pub(crate) struct BadValue;

/// Which command an attempt needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Nothing to write: `GET` and compare.
    Confirm,
    /// A new pair: `SET NX`.
    Create,
    /// The `CAS` script.
    Swap,
}

impl Attempt {
    pub(crate) fn op(&self) -> Op {
        if self.new.is_empty() {
            Op::Confirm
        } else if self.expected.is_empty() {
            Op::Create
        } else {
            Op::Swap
        }
    }

    /// `SET key new NX [PXAT t]`.
    pub(crate) fn create(&self, key: &[u8]) -> redis::Cmd {
        let mut c = redis::cmd("SET");
        c.arg(key).arg(&self.new[..]).arg("NX");
        if !self.pxat.is_empty() {
            c.arg("PXAT").arg(&self.pxat);
        }
        c
    }

    /// What a `GET` of the key means for this attempt.
    pub(crate) fn confirm(&self, held: Option<Vec<u8>>) -> Reply {
        let held = held.unwrap_or_default();
        if held == self.expected {
            Reply::Done
        } else {
            Reply::Conflict(held)
        }
    }
}

/// What the store answered.
pub(crate) enum Reply {
    /// Committed (or confirmed).
    Done,
    /// The key holds this value instead.
    Conflict(Vec<u8>),
}

impl Reply {
    pub(crate) fn from_value(v: redis::Value) -> Result<Reply, String> {
        match v {
            redis::Value::Int(1) => Ok(Reply::Done),
            redis::Value::BulkString(b) => Ok(Reply::Conflict(b)),
            redis::Value::SimpleString(s) => Ok(Reply::Conflict(s.into_bytes())),
            redis::Value::Okay => Ok(Reply::Conflict(b"OK".to_vec())),
            other => Err(format!("unexpected script reply {other:?}")),
        }
    }
}

/// After a reply: done (with the value now stored), or try again on the
/// value the store holds.
pub(crate) enum Next {
    Done(Vec<u8>),
    Retry(Vec<u8>),
}

/// Interprets the script's reply to `a`.
pub(crate) fn settle(a: &Attempt, reply: Reply) -> Next {
    match reply {
        Reply::Done => Next::Done(if a.new.is_empty() {
            a.expected.clone()
        } else {
            a.new.clone()
        }),
        // Our own write, answered back after a resend: committed once.
        Reply::Conflict(cur) if !a.new.is_empty() && cur == a.new => Next::Done(cur),
        Reply::Conflict(cur) => Next::Retry(cur),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn attempt(expected: &[u8], new: &[u8]) -> Attempt {
        let e = chanrac::Engine::new(chanrac::PolicyBuilder::new().build());
        let r = chanrac::state::journal::Record {
            kind: chanrac::state::journal::RecordKind::AdCall,
            advertiser: "a".into(),
            recipient: Number::parse("0912000001").unwrap(),
            time_ms: 1_772_420_400_000,
        };
        let (outcome, _) = e.restore_check(&r).decide(PairWords::EMPTY);
        Attempt {
            expected: expected.to_vec(),
            new: new.to_vec(),
            pxat: String::new(),
            outcome,
        }
    }

    /// The script run twice with the same arguments (a resend after a lost
    /// reply) writes once; the second run answers the value the first
    /// wrote, which `settle` recognises by its token as our own commit.
    #[test]
    fn a_resent_compare_and_set_commits_once() {
        let Some(redis) = chanrac_testkit::RedisServer::start() else {
            return;
        };
        let tokens = Tokens::new();
        let words = PairWords::from_bytes(&[7u8; 24]).unwrap();
        let new = value_of(words, tokens.next());
        let run = || {
            chanrac_testkit::cmd(
                redis.port(),
                &[
                    b"EVAL".as_slice(),
                    CAS_SCRIPT.as_bytes(),
                    b"1",
                    b"k",
                    b"",
                    &new,
                    b"",
                ],
            )
            .unwrap()
        };
        let first = run();
        assert_eq!(first.as_int(), Some(1));
        let second = run();
        let chanrac_testkit::RespValue::Bulk(cur) = second else {
            panic!("a conflict answers the value held: {second:?}");
        };
        assert_eq!(cur, new);
        let a = attempt(b"", &new);
        assert!(matches!(settle(&a, Reply::Conflict(cur)), Next::Done(v) if v == new));
        // Someone else's value is a conflict to decide again on.
        let other = value_of(words, tokens.next());
        assert!(matches!(settle(&a, Reply::Conflict(other.clone())), Next::Retry(v) if v == other));
    }

    #[test]
    fn keys_put_a_pair_in_one_slot_and_values_round_trip() {
        let k = key("chanrac", "bank", Number::parse("0912345678").unwrap());
        assert_eq!(k, b"chanrac:{bank|84912345678}");
        assert_eq!(
            parse_key("chanrac", &k),
            Some(("bank".to_string(), Number::parse("0912345678").unwrap()))
        );
        assert_eq!(parse_key("other", &k), None);
        let w = PairWords::from_bytes(&[1u8; 24]).unwrap();
        assert_eq!(words_of(&value_of(w, 9)), Some(w));
        assert_eq!(words_of(b""), Some(PairWords::EMPTY));
        assert_eq!(words_of(b"not a pair"), None);
    }
}
