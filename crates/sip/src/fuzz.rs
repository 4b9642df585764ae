//! The entry points of the fuzz targets `sip_message` (one datagram) and
//! `sip_session` (a sequence of datagrams over time), also run over a fixed
//! corpus by `tests/fuzz_corpus.rs`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chanrac::Engine;

use crate::cache::{AnswerCache, ENTRY_BYTES, TTL};
use crate::message::{self, Echo, StartLine};
use crate::responder::{Outcome, Responder};

/// A small fixed policy: one registered ad-call number, one DNC callee,
/// one consent.
const POLICY: [(&str, &[u8]); 3] = [
    (
        "brandnames.csv",
        b"identifier,advertiser,status,valid_from,valid_until\n02473001234,shopx,active,,\n",
    ),
    ("dnc.csv", b"number,scope\n0912000001,call\n"),
    (
        "consents.csv",
        b"advertiser,recipient,state,time\nshopx,0912000002,optin,2026-01-01T00:00:00+07:00\n",
    ),
];

/// Parses `data` as a SIP datagram and answers it twice with a responder
/// over a small fixed policy. Never panics, and:
/// - every answer parses back as a response whose `Via`s, `Call-ID` and
///   `CSeq` are the request's, with `Content-Length: 0`;
/// - the second answer (a retransmission) is byte for byte the first, and
///   is never counted.
pub fn sip_message(data: &[u8]) {
    let mut r = Responder::new(engine());
    let time = time();
    let now = Instant::now();
    let first = r.handle(data, time, now);
    let again = r.handle(data, time, now);
    assert_eq!(
        first.reply, again.reply,
        "a retransmission gets the same answer"
    );
    assert!(
        again.record.is_none(),
        "a retransmission is not counted again"
    );
    if let Some(reply) = &first.reply {
        check_reply(data, reply);
    }
}

fn engine() -> Arc<Engine> {
    let policy = chanrac_policy::load_files(Path::new("fuzz"), &POLICY)
        .expect("the fuzz policy is fixed and valid");
    Arc::new(Engine::new(policy))
}

fn time() -> jiff::Timestamp {
    "2026-03-02T09:15:00+07:00"
        .parse()
        .expect("a fixed valid time")
}

/// `reply` parses back as a response to `request`: its `Via`s, `Call-ID`
/// and `CSeq`, `Content-Length: 0` and no body.
fn check_reply(request: &[u8], reply: &[u8]) {
    let request = message::parse(request).expect("only SIP messages are answered");
    let echo = Echo::of(&request);
    let response = message::parse(reply).expect("a response parses");
    assert!(matches!(response.start, StartLine::Response { .. }));
    assert_eq!(response.defect, None);
    assert_eq!(Echo::of(&response).vias, echo.vias);
    assert_eq!(response.header("call-id"), echo.call_id);
    assert_eq!(response.header("cseq"), echo.cseq);
    assert_eq!(response.header("content-length"), Some("0"));
    assert!(response.body.is_empty());
}

/// One request of a session built from a few bytes, so that the fuzzer
/// reaches retransmissions, reused `Call-ID`s, CANCELs and a full cache
/// without having to spell a whole INVITE.
fn template(kind: u8, p: &[u8]) -> Vec<u8> {
    let at = |i: usize| p.get(i).copied().unwrap_or(0);
    let method =
        ["INVITE", "INVITE", "INVITE", "CANCEL", "ACK", "OPTIONS"][usize::from(kind >> 1) % 6];
    let caller =
        ["02473001234", "0987654321", "anonymous", "%2B842473001234"][usize::from(at(3)) % 4];
    let callee = ["0912000001", "0912000002", "0912000003", "alice"][usize::from(at(4)) % 4];
    let pai = [
        "",
        "P-Asserted-Identity: <sip:anonymous@anonymous.invalid>\r\n",
        "P-Asserted-Identity: <tel:+842473001234>\r\n",
        "P-Asserted-Identity: \"x\" <sip:0987654321@h>, <sip:@h>\r\n",
    ][usize::from(at(5)) % 4];
    format!(
        "{method} sip:{callee}@switch SIP/2.0\r\n\
         Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-{b}\r\n\
         From: <sip:{caller}@switch>;tag=t{t}\r\n\
         To: <sip:{callee}@switch>\r\n\
         {pai}\
         Call-ID: c{c}\r\n\
         CSeq: {n} {method}\r\n\
         Content-Length: 0\r\n\r\n",
        c = at(0) % 8,
        t = at(1) % 4,
        b = at(2) % 4,
        n = 1 + at(6) % 2,
    )
    .into_bytes()
}

/// A session of datagrams through one responder whose answer cache holds
/// `data[0] % 16` answers, the clock moving forward between datagrams.
/// The rest of `data` is records separated by `0x00`: a record is a time
/// step byte (1 + the step in 250 ms), a kind byte, then either a raw
/// datagram (even kind) or a few bytes picking a templated request (odd
/// kind; each field is a byte modulo its choices). Never panics,
/// and:
/// - every answer parses back as a response to its request;
/// - the cache never holds more than its bound, counted in bytes;
/// - a datagram checked at time t and sent again before t + 32 s gets the
///   same answer, byte for byte, as a retransmission, never counted again;
/// - a call is refused `503` only when the cache is full.
pub fn sip_session(data: &[u8]) {
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let max_bytes = usize::from(size % 16) * ENTRY_BYTES;
    let mut r = Responder::with_cache(engine(), AnswerCache::new(max_bytes));
    let time = time();
    let mut now = Instant::now();
    // Checked datagrams: when, and the answer.
    let mut checked: HashMap<Vec<u8>, (Instant, Vec<u8>, Outcome)> = HashMap::new();
    for record in rest.split(|&b| b == 0) {
        let [step, kind, payload @ ..] = record else {
            continue;
        };
        now += Duration::from_millis(250 * u64::from(step.saturating_sub(1)));
        let datagram = if kind & 1 == 1 {
            template(*kind, payload)
        } else {
            payload.to_vec()
        };
        let h = r.handle(&datagram, time, now);
        let cache = r.cache();
        assert!(cache.held_bytes() <= max_bytes);
        assert_eq!(cache.held_bytes(), cache.len() * ENTRY_BYTES);
        if let Some(reply) = &h.reply {
            check_reply(&datagram, reply);
        }
        if h.record.is_some() {
            assert!(matches!(h.outcome, Outcome::Checked(_)));
        }
        if h.outcome == Outcome::Overloaded {
            assert_eq!(cache.len(), cache.max_entries());
        }
        match checked.get(&datagram) {
            Some((at, reply, Outcome::Checked(code))) if now.duration_since(*at) < TTL => {
                assert_eq!(h.outcome, Outcome::Retransmission(*code));
                assert_eq!(h.reply.as_ref(), Some(reply));
                assert!(h.record.is_none());
            }
            _ => {
                if let (Outcome::Checked(_), Some(reply)) = (h.outcome, h.reply) {
                    checked.insert(datagram, (now, reply, h.outcome));
                }
            }
        }
    }
}
