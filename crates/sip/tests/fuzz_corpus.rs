//! The fuzz entry point over a fixed corpus, so that it stays exercised in
//! CI (the fuzzer itself: `cd fuzz && cargo fuzz run -s none sip_message`).

use chanrac_sip::fuzz::sip_message;

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
