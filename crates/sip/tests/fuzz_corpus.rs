//! The fuzz entry point over a fixed corpus, so that it stays exercised in
//! CI (the fuzzer itself: `cd fuzz && cargo fuzz run -s none sip_message`).

use chanrac_sip::fuzz::{sip_message, sip_session};

const INVITE: &str = "INVITE sip:0912000001@switch SIP/2.0\r\n\
    Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-1\r\n\
    From: <sip:02473001234@switch>;tag=a\r\n\
    To: <sip:0912000001@switch>\r\n\
    Call-ID: c1\r\n\
    CSeq: 1 INVITE\r\n\
    Content-Length: 0\r\n\r\n";

#[test]
fn the_fuzz_entry_point_takes_the_corpus() {
    let mut samples: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\r\n\r\n".to_vec(),
        b"\xff\xfe\x00garbage".to_vec(),
        INVITE.as_bytes().to_vec(),
        INVITE.replace("0912000001@switch SIP", "0912000002@switch SIP").into_bytes(),
        INVITE.replace("02473001234", "0987654321").into_bytes(),
        INVITE.replace("CSeq: 1 INVITE\r\n", "").into_bytes(),
        INVITE.replace("INVITE sip:", "OPTIONS sip:").replace("1 INVITE", "1 OPTIONS").into_bytes(),
        INVITE.replace("INVITE sip:", "ACK sip:").replace("1 INVITE", "1 ACK").into_bytes(),
        INVITE.replace("INVITE sip:", "CANCEL sip:").replace("1 INVITE", "1 CANCEL").into_bytes(),
        INVITE.replace("INVITE sip:", "BYE sip:").replace("1 INVITE", "1 BYE").into_bytes(),
        INVITE.replace("sip:0912000001@switch SIP", "urn:x SIP").into_bytes(),
        INVITE.replace("To: <sip:0912000001@switch>", "To: \"unterminated <sip:x@y>").into_bytes(),
        INVITE.replace("Call-ID: c1", "Call-ID: c1\r\n continued").into_bytes(),
        INVITE.replace("Call-ID: c1", "P-Asserted-Identity: <tel:+842473001234>, \"a,b\" <sip:%2B84@h>").into_bytes(),
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n".to_vec(),
        b"INVITE\r\nVia: x\r\nTo: y\r\n\r\n".to_vec(),
        b"INVITE sip:%zz@h SIP/2.0\r\nv: a\r\ni: b\r\nf: <sip:1@h>\r\nt: sip:2@h\r\nCSeq: 9 INVITE\r\nl: 99\r\n\r\n".to_vec(),
    ];
    // Every prefix of the INVITE, too.
    samples.extend((0..INVITE.len()).map(|n| INVITE.as_bytes()[..n].to_vec()));
    for s in &samples {
        sip_message(s);
    }
}

/// A session record: a step byte (1 + quarter-seconds), a kind, a payload;
/// no zero byte but the separator.
fn record(quarters: u8, kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![quarters + 1, kind];
    r.extend_from_slice(payload);
    assert!(!r.contains(&0), "{r:?}");
    r.push(0);
    r
}

/// A templated request's field bytes: each is used modulo 8, 4 or 2, so
/// adding 16 keeps its meaning and keeps it off the separator.
fn fields(f: [u8; 7]) -> [u8; 7] {
    f.map(|v| v + 16)
}

#[test]
fn the_session_entry_point_takes_sessions() {
    let mut sessions: Vec<Vec<u8>> = vec![vec![], vec![3], vec![3, 0, 0, 0]];
    // Three answers kept: an ad call, retransmissions, a flood of new calls
    // (503), a CANCEL, a reused Call-ID, then 33 s later room again.
    let ad_call = fields([0, 0, 0, 0, 1, 0, 0]);
    let mut s = vec![3];
    s.extend(record(0, 1, &ad_call));
    s.extend(record(4, 1, &ad_call));
    for c in 1..8 {
        s.extend(record(1, 1, &fields([c, 1, c % 4, 1, 2, 1, 0])));
    }
    s.extend(record(0, 7, &ad_call));
    s.extend(record(0, 1, &fields([0, 1, 2, 0, 0, 0, 0])));
    s.extend(record(0, 1, &fields([0, 0, 0, 0, 0, 0, 0])));
    s.extend(record(40, 1, &ad_call));
    s.extend(record(132, 1, &fields([5, 0, 0, 0, 1, 0, 0])));
    s.extend(record(0, 1, &ad_call));
    s.extend(record(1, 2, INVITE.as_bytes()));
    s.extend(record(1, 2, INVITE.as_bytes()));
    s.extend(record(1, 2, b"\r\n\r\n"));
    sessions.push(s);
    // Pseudo-random sessions over the templates and a few raw datagrams.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 24) as u8
    };
    for _ in 0..300 {
        let mut s = vec![next()];
        for _ in 0..(next() % 40) {
            let step = next() % 8 + if next() % 16 == 0 { 128 } else { 1 };
            let kind = next() | 1;
            let payload: Vec<u8> = (0..7).map(|_| next().max(1)).collect();
            s.extend(record(step, kind, &payload));
        }
        sessions.push(s);
    }
    for s in &sessions {
        sip_session(s);
    }
}
