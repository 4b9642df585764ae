//! The proxy over raw TCP with hand-built PDUs: malformed input, session
//! rules, the window, reassembly timeout and duplicates, live reload.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use chanrac_smpp::pdu::{self, status};
use common::{policy_dir, submit, Esme, ProxyProcess};
use rusmpp::pdus::BindTransmitter;
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandStatus, Pdu};

impl Esme {
    async fn bind(&mut self, system_id: &str, password: &str) -> u32 {
        let b = BindTransmitter::builder()
            .system_id(COctetString::from_string(system_id.into()).unwrap())
            .password(COctetString::from_string(password.into()).unwrap())
            .build();
        self.send(b).await;
        u32::from(self.recv().await.status())
    }
}

fn status_of(c: &Command) -> u32 {
    u32::from(c.status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_pdus_and_session_rules() {
    let sink = chanrac_smpp::sink::Sink::start("127.0.0.1:0")
        .await
        .unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;

    // Unknown command id: generic_nack ESME_RINVCMDID with its sequence number.
    let mut p = vec![0, 0, 0, 16, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 7];
    e.raw(&p).await;
    let r = e.recv().await;
    assert!(matches!(r.pdu(), Some(Pdu::GenericNack)));
    assert_eq!(
        (status_of(&r), r.sequence_number()),
        (status::ESME_RINVCMDID, 7)
    );
    // A bad TLV in a submit_sm: ESME_RINVOPTPARSTREAM; the session lives on.
    let mut bad = pdu::encode(&Command::new(
        CommandStatus::EsmeRok,
        8,
        submit("84912000001", 0, 0, b"hi"),
    ));
    bad.extend_from_slice(&[0x04, 0x24, 0x00, 0x09, 0x41]);
    let len = u32::try_from(bad.len()).unwrap();
    bad[..4].copy_from_slice(&len.to_be_bytes());
    e.raw(&bad).await;
    let r = e.recv().await;
    assert_eq!(
        (status_of(&r), r.sequence_number()),
        (status::ESME_RINVOPTPARSTREAM, 8)
    );
    // submit_sm before bind.
    let s = e.send(submit("84912000001", 0, 0, b"[QC] hi")).await;
    let r = e.recv().await;
    assert_eq!(
        (status_of(&r), r.sequence_number()),
        (status::ESME_RINVBNDSTS, s)
    );
    // enquire_link works unbound.
    e.send(Pdu::EnquireLink).await;
    assert!(matches!(e.recv().await.pdu(), Some(Pdu::EnquireLinkResp)));
    // Unknown system_id, then a good bind, then a second bind.
    assert_eq!(e.bind("nobody", "x").await, status::ESME_RBINDFAIL);
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_RALYBND);
    // A UDH that runs past the message.
    e.send(submit("84912000001", 0x40, 0, &[0x09, 0x00, 0x03]))
        .await;
    assert_eq!(status_of(&e.recv().await), status::ESME_RINVESMCLASS);
    // An invalid destination.
    e.send(submit("12", 0, 0, b"x")).await;
    assert_eq!(status_of(&e.recv().await), status::ESME_RINVDSTADR);
    // A command_length over the cap: generic_nack ESME_RINVCMDLEN, then closed.
    p[..4].copy_from_slice(&0x0100_0000u32.to_be_bytes());
    p[4..8].copy_from_slice(&4u32.to_be_bytes());
    e.raw(&p).await;
    let r = e.recv().await;
    assert_eq!(status_of(&r), status::ESME_RINVCMDLEN);
    assert!(
        e.recv_or_closed().await.is_none(),
        "the connection is closed"
    );
    // The proxy is still serving.
    let mut e2 = Esme::connect(proxy.port).await;
    assert_eq!(e2.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    e2.send(Pdu::Unbind).await;
    assert!(matches!(e2.recv().await.pdu(), Some(Pdu::UnbindResp)));
    assert!(e2.recv_or_closed().await.is_none());
    assert!(sink.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reassembly_timeout_checks_what_arrived_and_answers_duplicates() {
    let sink = chanrac_smpp::sink::Sink::start("127.0.0.1:0")
        .await
        .unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--reassembly-timeout", "0.5"]).await;
    let mut e = Esme::connect(proxy.port).await;
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    // Part 1 of 3 (16-bit reference), sent twice; parts 2 and 3 never come.
    let mut sm = vec![0x06, 0x08, 0x04, 0xAB, 0xCD, 0x03, 0x01];
    sm.extend_from_slice(&chanrac_smpp::text::gsm7_encode("[QC] Part one").unwrap());
    let started = Instant::now();
    let a = e.send(submit("84912000001", 0x40, 0, &sm)).await;
    let b = e.send(submit("84912000001", 0x40, 0, &sm)).await;
    let r1 = e.recv().await;
    let r2 = e.recv().await;
    // Behaviour, not speed: the answers may not come before the 0.5 s
    // reassembly timeout (a slower machine only makes this wait longer).
    let held = started.elapsed();
    assert!(held >= Duration::from_millis(450), "held until the timeout");
    let mut got = [
        (r1.sequence_number(), status_of(&r1)),
        (r2.sequence_number(), status_of(&r2)),
    ];
    got.sort();
    assert_eq!(got, [(a, 0), (b, 0)]);
    let id = |c: &Command| match c.pdu() {
        Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().to_string(),
        _ => panic!("not a submit_sm_resp"),
    };
    assert_eq!(
        id(&r1),
        id(&r2),
        "the duplicate gets its original's message_id"
    );
    let up = sink.received();
    assert_eq!(up.len(), 1, "the duplicate is not forwarded: {up:#?}");
    assert_eq!(up[0].text, "[QC] Part one");
    assert_eq!(up[0].message_id, id(&r1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_beyond_ten_is_throttled() {
    // An SMSC that accepts the connection and never answers: every allowed
    // submit_sm stays in flight.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), addr, &["--window", "10"]).await;
    let mut e = Esme::connect(proxy.port).await;
    assert_eq!(e.bind("shopvn_care", "secret2").await, status::ESME_ROK);
    let mut last = 0;
    for _ in 0..11 {
        last = e
            .send(submit("84912000004", 0, 0, b"Your order shipped"))
            .await;
    }
    let r = e.recv().await;
    assert_eq!(
        (status_of(&r), r.sequence_number()),
        (status::ESME_RTHROTTLED, last)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_file_changes_reload_and_a_bad_policy_keeps_the_old_and_a_rename_counts() {
    let sink = chanrac_smpp::sink::Sink::start("127.0.0.1:0")
        .await
        .unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    let text = chanrac_smpp::text::gsm7_encode("[QC] Sale").unwrap();
    let ad = || submit("84912000005", 0, 0, &text);
    e.send(ad()).await;
    assert_eq!(status_of(&e.recv().await), 0);

    let dnc = dir.path().join("dnc.csv");
    std::fs::write(&dnc, "number,scope\n0912000009,sms\n0912000005,all\n").unwrap();
    proxy.logged("policy reloaded", 1).await;
    e.send(ad()).await;
    assert_eq!(status_of(&e.recv().await), 0x45, "now on the DNC list");

    std::fs::write(&dnc, "number,scope\n0912000005,email\n").unwrap();
    proxy.logged("keeping the old policy", 1).await;
    e.send(ad()).await;
    assert_eq!(status_of(&e.recv().await), 0x45, "old policy kept");
    assert_eq!(sink.received().len(), 1);

    // A good file renamed over the bad one, with its size and modification
    // time: only the inode tells them apart, and that is enough to reload.
    let bad = std::fs::metadata(&dnc).unwrap();
    let next = dir.path().join("dnc.csv.next");
    std::fs::write(&next, "number,scope\n84912000005,call\n").unwrap();
    let file = std::fs::File::options().write(true).open(&next).unwrap();
    file.set_modified(bad.modified().unwrap()).unwrap();
    drop(file);
    let good = std::fs::metadata(&next).unwrap();
    assert_eq!(
        (good.len(), good.modified().unwrap()),
        (bad.len(), bad.modified().unwrap())
    );
    std::fs::rename(&next, &dnc).unwrap();
    proxy.logged("policy reloaded", 2).await;
    e.send(ad()).await;
    assert_eq!(
        status_of(&e.recv().await),
        0,
        "on the DNC list for calls only now"
    );
    assert_eq!(sink.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_dir_keeps_counts_across_a_restart() {
    let sink = chanrac_smpp::sink::Sink::start("127.0.0.1:0")
        .await
        .unwrap();
    let dir = policy_dir();
    let state = tempfile::tempdir().unwrap();
    let state_arg = state.path().to_str().unwrap().to_string();
    let text = chanrac_smpp::text::gsm7_encode("[QC] Sale").unwrap();
    let ad = || submit("84912000007", 0, 0, &text);
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--state", &state_arg]).await;
    let mut e = Esme::connect(proxy.port).await;
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    for _ in 0..3 {
        e.send(ad()).await;
        assert_eq!(status_of(&e.recv().await), 0);
    }
    drop(e);
    proxy.terminate();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--state", &state_arg]).await;
    let mut e = Esme::connect(proxy.port).await;
    assert_eq!(e.bind("shopvn_ad", "secret1").await, status::ESME_ROK);
    e.send(ad()).await;
    assert_eq!(
        status_of(&e.recv().await),
        0x45,
        "FREQUENCY after the restart"
    );
    assert_eq!(sink.received().len(), 3);
}
