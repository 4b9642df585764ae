//! The built `chanrac-sip` over a plain UDP socket on 127.0.0.1:
//! retransmissions, malformed datagrams, the other methods, the caller
//! from P-Asserted-Identity, durable state across a SIGKILL, and live
//! policy reloads.

mod common;

use std::fs;
use std::path::Path;

use common::{
    consented, header, reason_text, status, write_policy, Client, Server, AD_CALLER, DNC_CALLEE,
    P2P_CALLER, SUSPENDED_CALLER,
};

/// Replaces a policy file the way an operator should: write aside, rename.
fn replace(path: &Path, contents: &str) {
    let tmp = path.with_extension("csv.tmp");
    fs::write(&tmp, contents).expect("write");
    fs::rename(&tmp, path).expect("rename");
}

fn server() -> (tempfile::TempDir, Server) {
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let server = Server::start(policy.path(), &[]);
    (policy, server)
}

#[test]
fn a_retransmission_gets_the_same_answer_and_counts_once() {
    let (_policy, server) = server();
    let c = Client::new(server.addr);
    let callee = consented(3);
    let invite = c.invite("retrans-1", 1, AD_CALLER, &callee, "");
    let first = c.ask(invite.as_bytes());
    let again = c.ask(invite.as_bytes());
    assert_eq!(status(&first), 302, "{first}");
    assert_eq!(
        first, again,
        "a retransmission gets the same answer, To tag included"
    );
    assert_eq!(
        header(&first, "Contact"),
        Some(format!("<sip:{callee}@{};user=phone>", server.addr).as_str())
    );
    // Proper SIP: the request's Via, From, Call-ID and CSeq; a To tag.
    assert!(first.starts_with("SIP/2.0 302 Moved Temporarily\r\n"));
    assert_eq!(header(&first, "Via"), header(&invite, "Via"));
    assert_eq!(header(&first, "From"), header(&invite, "From"));
    assert_eq!(header(&first, "Call-ID"), Some("retrans-1"));
    assert_eq!(header(&first, "CSeq"), Some("1 INVITE"));
    assert!(header(&first, "To").is_some_and(|t| t.contains(";tag=")));
    assert!(first.ends_with("Content-Length: 0\r\n\r\n"));

    // Counted once: a new call (new Call-ID) is the second ad call today.
    let second = c.ask(c.invite("retrans-2", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(status(&second), 603, "{second}");
    assert_eq!(reason_text(&second), Some("FREQUENCY"));
    assert_eq!(header(&second, "Retry-After"), Some("86400"));
    // And its retransmission is the same 603.
    let again = c.ask(c.invite("retrans-2", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(second, again);
}

#[test]
fn malformed_requests_get_400_and_garbage_is_dropped() {
    let (_policy, server) = server();
    let c = Client::new(server.addr);
    let me = c.local();
    let options = |cseq: u32| {
        format!(
            "OPTIONS sip:{addr} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK-o{cseq}\r\n\
             From: <sip:probe@{me}>;tag=p\r\nTo: <sip:{addr}>\r\nCall-ID: options-{cseq}\r\n\
             CSeq: {cseq} OPTIONS\r\nContent-Length: 0\r\n\r\n",
            addr = server.addr
        )
    };

    // An INVITE without CSeq.
    let invite = c.invite("bad-1", 1, AD_CALLER, &consented(4), "");
    let no_cseq: String = invite
        .split_inclusive("\r\n")
        .filter(|l| !l.starts_with("CSeq"))
        .collect();
    let r = c.ask(no_cseq.as_bytes());
    assert_eq!(status(&r), 400, "{r}");
    assert_eq!(header(&r, "Warning"), Some("399 chanrac \"missing CSeq\""));
    assert_eq!(header(&r, "Call-ID"), Some("bad-1"));

    // A bad request line, but a Via to answer to.
    let r = c.ask(format!("INVITE\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK-x\r\n\r\n").as_bytes());
    assert_eq!(status(&r), 400, "{r}");
    // A bad Request-URI.
    let r = c.ask(invite.replacen("INVITE sip:", "INVITE sip:@", 1).as_bytes());
    assert_eq!(status(&r), 400, "{r}");
    // Another scheme; a callee that is not a number; another SIP version.
    let r = c.ask(
        invite
            .replacen("INVITE sip:", "INVITE urn:service:", 1)
            .as_bytes(),
    );
    assert_eq!(status(&r), 416, "{r}");
    let r = c.ask(c.invite("bad-2", 1, AD_CALLER, "alice", "").as_bytes());
    assert_eq!(status(&r), 484, "{r}");
    let r = c.ask(invite.replacen("SIP/2.0\r\n", "SIP/3.0\r\n", 1).as_bytes());
    assert_eq!(status(&r), 505, "{r}");

    // An INVITE cut in half (no Call-ID, CSeq…) still has a Via: 400.
    let r = c.ask(&invite.as_bytes()[..invite.len() / 3]);
    assert_eq!(status(&r), 400, "{r}");

    // Garbage, a response, a keep-alive, a request without Via: no answer.
    // The next datagram that comes back must be the OPTIONS answer.
    let junk: Vec<Vec<u8>> = vec![
        vec![],
        b"\r\n\r\n".to_vec(),
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4\r\n\r\n".to_vec(),
        b"INVITE sip:1@h SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n".to_vec(),
        vec![0xff; 1500],
        (0u32..4096)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
    ];
    for j in &junk {
        c.send(j);
    }
    let r = c.ask(options(7).as_bytes());
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(header(&r, "CSeq"), Some("7 OPTIONS"));
    assert!(server.log().contains("listening"), "still running");
}

#[test]
fn other_methods() {
    let (_policy, server) = server();
    let c = Client::new(server.addr);
    let invite = c.invite("m-1", 1, P2P_CALLER, &consented(5), "");
    assert_eq!(status(&c.ask(invite.as_bytes())), 302);

    let with_method = |m: &str| {
        invite
            .replacen("INVITE sip:", &format!("{m} sip:"), 1)
            .replace("1 INVITE", &format!("1 {m}"))
    };
    // The ACK of the 302 is absorbed: the next answer is the CANCEL's.
    c.send(with_method("ACK").as_bytes());
    let r = c.ask(with_method("CANCEL").as_bytes());
    assert_eq!(
        (status(&r), header(&r, "CSeq")),
        (200, Some("1 CANCEL")),
        "{r}"
    );
    let r = c.ask(with_method("CANCEL").replace("m-1", "m-unknown").as_bytes());
    assert_eq!(status(&r), 481, "{r}");
    let r = c.ask(with_method("OPTIONS").as_bytes());
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(header(&r, "Allow"), Some("INVITE, ACK, CANCEL, OPTIONS"));
    let r = c.ask(with_method("BYE").as_bytes());
    assert_eq!(status(&r), 405, "{r}");
    assert_eq!(header(&r, "Allow"), Some("INVITE, ACK, CANCEL, OPTIONS"));
    let r = c.ask(with_method("FROBNICATE").as_bytes());
    assert_eq!(status(&r), 501, "{r}");
}

#[test]
fn callers_from_p_asserted_identity_and_the_rules_for_p2p() {
    let (_policy, server) = server();
    let c = Client::new(server.addr);
    // From says an ordinary number; the network asserts the ad number.
    let pai = format!(
        "P-Asserted-Identity: \"Shop X\" <sip:+84{}@carrier.vn>, <tel:+84{}>\r\n",
        &AD_CALLER[1..],
        &AD_CALLER[1..]
    );
    let r = c.ask(
        c.invite("pai-1", 1, P2P_CALLER, DNC_CALLEE, &pai)
            .as_bytes(),
    );
    assert_eq!((status(&r), reason_text(&r)), (603, Some("DNC")), "{r}");
    // Without it, the same call is p2p: the DNC list is about ads.
    let r = c.ask(c.invite("pai-2", 1, P2P_CALLER, DNC_CALLEE, "").as_bytes());
    assert_eq!(status(&r), 302, "{r}");
    // p2p from a suspended number (S2).
    let r = c.ask(
        c.invite("s2-1", 1, SUSPENDED_CALLER, &consented(6), "")
            .as_bytes(),
    );
    assert_eq!(
        (status(&r), reason_text(&r)),
        (603, Some("SUSPENDED_SOURCE")),
        "{r}"
    );
    // An ad call to a callee who never consented (R7).
    let r = c.ask(c.invite("r7-1", 1, AD_CALLER, "0912999999", "").as_bytes());
    assert_eq!(
        (status(&r), reason_text(&r)),
        (603, Some("NO_CONSENT")),
        "{r}"
    );
}

#[test]
fn counted_calls_survive_a_sigkill_with_state() {
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let state = tempfile::tempdir().expect("temp dir");
    let state_arg = state.path().to_str().expect("a UTF-8 temp path");
    let callee = consented(7);

    let server = Server::start(policy.path(), &["--state", state_arg]);
    let c = Client::new(server.addr);
    let r = c.ask(c.invite("st-1", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(status(&r), 302, "{r}");
    // The 302 left after its record was synced: SIGKILL loses nothing.
    server.kill();

    let server = Server::start(policy.path(), &["--state", state_arg]);
    server.wait_log("records=1", 0);
    let c = Client::new(server.addr);
    let r = c.ask(c.invite("st-2", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(
        (status(&r), reason_text(&r)),
        (603, Some("FREQUENCY")),
        "{r}"
    );
}

#[test]
fn reloads_on_change_and_on_sighup_and_keeps_the_old_policy_when_bad() {
    let (policy, server) = server();
    let c = Client::new(server.addr);
    let (a, b) = (consented(8), consented(9));
    let dnc = policy.path().join("dnc.csv");

    // A new DNC entry, picked up by polling.
    let from = server.log_len();
    replace(&dnc, &format!("number,scope\n{DNC_CALLEE},call\n{a},all\n"));
    let from = server.wait_log("policy reloaded (policy files changed)", from);
    let r = c.ask(c.invite("rl-1", 1, AD_CALLER, &a, "").as_bytes());
    assert_eq!((status(&r), reason_text(&r)), (603, Some("DNC")), "{r}");

    // A bad file: logged, the previous policy stays.
    replace(&dnc, "number,scope\n0912,email\n");
    let from = server.wait_log("failed, the previous policy stays", from);
    assert!(server.log().contains("dnc.csv"), "the error names the file");
    let r = c.ask(c.invite("rl-2", 1, AD_CALLER, &a, "").as_bytes());
    assert_eq!((status(&r), reason_text(&r)), (603, Some("DNC")), "{r}");

    // Fixed and reloaded by SIGHUP (polling may get there first; either
    // way the new list is in force once a reload is logged).
    replace(&dnc, &format!("number,scope\n{b},call\n"));
    server.signal("HUP");
    server.wait_log("policy reloaded (SIGHUP)", from);
    let r = c.ask(c.invite("rl-3", 1, AD_CALLER, &b, "").as_bytes());
    assert_eq!((status(&r), reason_text(&r)), (603, Some("DNC")), "{r}");
    let r = c.ask(c.invite("rl-4", 1, AD_CALLER, &a, "").as_bytes());
    assert_eq!(status(&r), 302, "{a} is off the list: {r}");
}

#[test]
fn an_anonymous_assertion_does_not_turn_an_ad_call_into_p2p() {
    let (_policy, server) = server();
    let c = Client::new(server.addr);
    for (i, pai) in [
        "P-Asserted-Identity: <sip:anonymous@anonymous.invalid>\r\n",
        "P-Asserted-Identity: \"Anonymous\" <sip:anonymous@anonymous.invalid>;x\r\n",
        "P-Asserted-Identity: <sip:@carrier.vn>\r\n",
        "P-Asserted-Identity: not a name-addr <\r\n",
    ]
    .iter()
    .enumerate()
    {
        let invite = c.invite(&format!("anon-{i}"), 1, AD_CALLER, DNC_CALLEE, pai);
        let r = c.ask(invite.as_bytes());
        assert_eq!(
            (status(&r), reason_text(&r)),
            (603, Some("DNC")),
            "{pai}: {r}"
        );
    }
}

#[test]
fn a_call_reusing_another_calls_call_id_is_checked_on_its_own() {
    let (_policy, server) = server();
    let c = Client::new(server.addr);
    let first = c.invite("reused", 1, AD_CALLER, &consented(10), "");
    let r = c.ask(first.as_bytes());
    assert_eq!(status(&r), 302, "{r}");
    // Another call (its own From tag and branch), same Call-ID and CSeq,
    // to a number on the DNC list.
    let other = c
        .invite("reused", 1, AD_CALLER, DNC_CALLEE, "")
        .replace("tag=from-reused", "tag=other")
        .replace("branch=z9hG4bK-reused-1", "branch=z9hG4bK-other");
    let r = c.ask(other.as_bytes());
    assert_eq!((status(&r), reason_text(&r)), (603, Some("DNC")), "{r}");
    // Same again, to the first callee: counted, so FREQUENCY.
    let r = c.ask(
        first
            .replace("tag=from-reused", "tag=third")
            .replace("branch=z9hG4bK-reused-1", "branch=z9hG4bK-third")
            .as_bytes(),
    );
    assert_eq!(
        (status(&r), reason_text(&r)),
        (603, Some("FREQUENCY")),
        "{r}"
    );
    // The first call's retransmission still gets its 302.
    assert_eq!(status(&c.ask(first.as_bytes())), 302);
}

#[test]
fn a_full_answer_cache_refuses_new_calls_but_answers_retransmissions() {
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let bytes = (3 * chanrac_sip::cache::ENTRY_BYTES).to_string();
    let server = Server::start(policy.path(), &["--answer-cache-bytes", &bytes]);
    let c = Client::new(server.addr);
    let first = c.invite("full-0", 1, AD_CALLER, &consented(11), "");
    let answer = c.ask(first.as_bytes());
    assert_eq!(status(&answer), 302, "{answer}");
    for i in 1..3 {
        let r = c.ask(
            c.invite(&format!("full-{i}"), 1, P2P_CALLER, &consented(12), "")
                .as_bytes(),
        );
        assert_eq!(status(&r), 302, "{r}");
    }
    for i in 3..50 {
        let r = c.ask(
            c.invite(&format!("full-{i}"), 1, P2P_CALLER, &consented(12), "")
                .as_bytes(),
        );
        assert_eq!(status(&r), 503, "{r}");
        assert!(r.starts_with("SIP/2.0 503 Service Unavailable\r\n"), "{r}");
        let retry: u64 = header(&r, "Retry-After")
            .and_then(|v| v.parse().ok())
            .expect("a Retry-After in seconds");
        assert!((1..=32).contains(&retry), "{r}");
    }
    // Re-checked, the ad call would be 603 FREQUENCY: it gets its 302.
    assert_eq!(c.ask(first.as_bytes()), answer);
    server.signal("TERM");
    server.wait_log("stopped", 0);
    let log = server.log();
    assert!(log.contains("checked=3"), "{log}");
    assert!(log.contains("overloaded=47"), "{log}");
    assert!(log.contains("retransmissions=1"), "{log}");
}

#[test]
fn warnings_about_bad_requests_are_rate_limited_and_counted() {
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let server = Server::start(policy.path(), &["--log-limit", "5"]);
    let c = Client::new(server.addr);
    const SENT: usize = 60;
    for i in 0..SENT {
        let invite = c.invite(&format!("noisy-{i}"), 1, AD_CALLER, DNC_CALLEE, "");
        let no_cseq: String = invite
            .split_inclusive("\r\n")
            .filter(|l| !l.starts_with("CSeq"))
            .collect();
        assert_eq!(status(&c.ask(no_cseq.as_bytes())), 400);
    }
    server.signal("TERM");
    server.wait_log("stopped", 0);
    let log = server.log();
    let lines: Vec<&str> = log.lines().collect();
    let written = lines
        .iter()
        .filter(|l| l.contains("bad request") && l.contains("missing CSeq"))
        .count();
    let summarised: usize = lines
        .iter()
        .filter_map(|l| l.split("suppressed ").nth(1))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!((5..SENT).contains(&written), "{written}: {log}");
    assert_eq!(written + summarised, SENT, "{log}");
    assert!(
        log.contains(&format!("log_suppressed={summarised}")),
        "{log}"
    );
}

#[test]
fn oversized_datagrams_and_header_floods_are_bounded() {
    let (_policy, server) = server();
    let c = Client::new(server.addr);
    // 300 header fields: dropped unanswered (the next answer is the OPTIONS').
    let flood = c.invite(
        "flood-1",
        1,
        P2P_CALLER,
        &consented(13),
        &"X-H: v\r\n".repeat(300),
    );
    c.send(flood.as_bytes());
    // A 60 KB request: one long header is fine; answered, not echoed beyond it.
    let big = c.invite(
        "big-1",
        1,
        P2P_CALLER,
        &consented(13),
        &format!("X-Big: {}\r\n", "\u{1ec7}".repeat(20_000)),
    );
    assert!(big.len() > 60_000);
    let r = c.ask(big.as_bytes());
    assert_eq!(status(&r), 302, "{r}");
    assert!(r.len() < 1_000, "the answer does not copy the padding");
    // The largest datagram UDP over IPv4 carries, garbage.
    c.send(&vec![b'A'; 65_507]);
    let opts = c
        .invite("after-1", 1, P2P_CALLER, &consented(13), "")
        .replacen("INVITE sip:", "OPTIONS sip:", 1)
        .replace("1 INVITE", "1 OPTIONS");
    let r = c.ask(opts.as_bytes());
    assert_eq!(status(&r), 200, "{r}");
}

#[test]
fn a_fixed_time_with_multibyte_characters_is_a_usage_error() {
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    for t in [
        "2026-03-02T10:00:0\u{e9}0",
        "2026-03-02T10:00:\u{1f600}+07:00",
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chanrac-sip"))
            .arg("--policy")
            .arg(policy.path())
            .args(["--listen", "127.0.0.1:0", "--fixed-time", t])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run chanrac-sip");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{t}: {err}");
        assert!(
            err.contains("--fixed-time") && !err.contains("panicked"),
            "{err}"
        );
    }
}
