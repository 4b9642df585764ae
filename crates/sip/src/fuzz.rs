//! The entry point of the fuzz target `fuzz/fuzz_targets/sip_message.rs`,
//! also run over a fixed corpus by `tests/fuzz_corpus.rs`.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chanrac::Engine;

use crate::message::{self, Echo, StartLine};
use crate::responder::Responder;

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
    let policy = chanrac_policy::load_files(Path::new("fuzz"), &POLICY)
        .expect("the fuzz policy is fixed and valid");
    let mut r = Responder::new(Arc::new(Engine::new(policy)));
    let time: jiff::Timestamp = "2026-03-02T09:15:00+07:00"
        .parse()
        .expect("a fixed valid time");
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
    let Some(reply) = first.reply else { return };
    let request = message::parse(data).expect("only SIP messages are answered");
    let echo = Echo::of(&request);
    let response = message::parse(&reply).expect("a response parses");
    assert!(matches!(response.start, StartLine::Response { .. }));
    assert_eq!(response.defect, None);
    assert_eq!(Echo::of(&response).vias, echo.vias);
    assert_eq!(response.header("call-id"), echo.call_id);
    assert_eq!(response.header("cseq"), echo.cseq);
    assert_eq!(response.header("content-length"), Some("0"));
    assert!(response.body.is_empty());
}
