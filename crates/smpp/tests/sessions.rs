//! Whole sessions of arbitrary input through `Proxy::serve_stream`: valid
//! PDUs (binds right and wrong, submits, concatenated parts, `data_sm`,
//! `submit_multi` with any number of destinations, a distribution list or a
//! `number_of_dests` that lies, `query_sm`, enquire_link, unbind, unknown
//! commands) mixed with junk and bad lengths, cut into
//! arbitrary writes. The session never panics, ends once the client is
//! gone, answers only well-formed PDUs, and leaves nothing queued.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::Duration;

use chanrac_smpp::limits::PeerLimits;
use chanrac_smpp::pdu::{self, status};
use chanrac_smpp::proxy::{Config, Proxy};
use chanrac_smpp::upstream::UpstreamConfig;
use chanrac_smpp::wire::read_frame;
use proptest::prelude::*;
use rusmpp::pdus::{BindTransceiver, DataSm, QuerySm, SubmitMulti, SubmitSm};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{
    DataCoding, DestAddress, DistributionListName, EsmClass, Npi, SmeAddress, Ton,
};
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::AsyncWriteExt;

fn encode(seq: u32, pdu: impl Into<Pdu>) -> Vec<u8> {
    pdu::encode(&Command::new(CommandStatus::EsmeRok, seq, pdu))
}

fn bind(password: &str) -> Vec<u8> {
    encode(
        1,
        BindTransceiver::builder()
            .system_id(COctetString::from_string("shopvn_ad".into()).unwrap())
            .password(COctetString::from_string(password.into()).unwrap())
            .build(),
    )
}

fn submit(seq: u32, udh: Option<(u8, u8, u8)>, text: &[u8]) -> Vec<u8> {
    let mut sm = text.to_vec();
    let mut esm = 0u8;
    if let Some((reference, total, part)) = udh {
        let mut h = vec![5, 0, 3, reference, total, part];
        h.extend_from_slice(&sm);
        sm = h;
        esm = 0x40;
    }
    let s = SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr_npi(Npi::Unknown)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_string("84912000001".into()).unwrap())
        .esm_class(EsmClass::from(esm))
        .data_coding(DataCoding::from(0))
        .short_message(OctetString::from_vec(sm).unwrap())
        .build();
    encode(seq, s)
}

/// A `data_sm` with `text` in `message_payload`.
fn data_sm(seq: u32, text: &[u8]) -> Vec<u8> {
    let d = DataSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .destination_addr(COctetString::from_string("84912000001".into()).unwrap())
        .build();
    let mut b = encode(seq, d);
    b.extend_from_slice(&0x0424u16.to_be_bytes());
    b.extend_from_slice(&(text.len() as u16).to_be_bytes());
    b.extend_from_slice(text);
    let len = b.len() as u32;
    b[..4].copy_from_slice(&len.to_be_bytes());
    b
}

/// A `submit_multi` to `n` destinations (the `dl`-th a distribution list),
/// its `number_of_dests` octet then set to `count` when given.
fn submit_multi(seq: u32, n: usize, dl: Option<usize>, count: Option<u8>, text: &[u8]) -> Vec<u8> {
    let dests = (0..n)
        .map(|i| {
            if dl == Some(i) {
                DestAddress::DistributionListName(DistributionListName::new(
                    COctetString::from_string("all".into()).unwrap(),
                ))
            } else {
                DestAddress::SmeAddress(SmeAddress::new(
                    Ton::International,
                    Npi::Isdn,
                    COctetString::from_string(format!("8491200000{i}")).unwrap(),
                ))
            }
        })
        .collect();
    let m = SubmitMulti::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .dest_address(dests)
        .short_message(OctetString::from_vec(text.to_vec()).unwrap())
        .build();
    let mut b = encode(seq, m);
    if let Some(c) = count {
        // header 16, service_type 1, ton and npi 2, "SHOPVN\0" 7.
        b[26] = c;
    }
    b
}

fn chunk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (any::<u32>(), prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(s, t)| data_sm(s, &t)),
        3 => (any::<u32>(), 0usize..6, prop::option::of(0usize..6), prop::option::of(any::<u8>()),
              prop::collection::vec(32u8..127, 0..20))
            .prop_map(|(s, n, dl, count, t)| submit_multi(s, n, dl, count, &t)),
        1 => any::<u32>().prop_map(|s| encode(s, QuerySm::builder()
            .message_id(COctetString::from_string("sink-1".into()).unwrap())
            .build())),
        2 => Just(bind("secret1")),
        2 => Just(bind("wrong")),
        3 => any::<u32>().prop_map(|s| encode(s, Pdu::EnquireLink)),
        1 => any::<u32>().prop_map(|s| encode(s, Pdu::EnquireLinkResp)),
        4 => (any::<u32>(), prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(s, t)| submit(s, None, &t)),
        4 => (any::<u32>(), 0u8..3, 1u8..4, 0u8..5, prop::collection::vec(32u8..127, 0..40))
            .prop_map(|(s, r, total, part, t)| submit(s, Some((r, total, part)), &t)),
        2 => (any::<u32>(), any::<u32>()).prop_map(|(id, s)| {
            let mut b = encode(s, Pdu::EnquireLink);
            b[4..8].copy_from_slice(&id.to_be_bytes());
            b
        }),
        // A well-framed PDU of any command with a junk body.
        3 => (any::<u32>(), any::<u32>(), prop::collection::vec(any::<u8>(), 0..64)).prop_map(
            |(id, s, body)| {
                let mut b = encode(s, Pdu::EnquireLink);
                b[0..4].copy_from_slice(&(16 + body.len() as u32).to_be_bytes());
                b[4..8].copy_from_slice(&id.to_be_bytes());
                b.extend_from_slice(&body);
                b
            }
        ),
        // A header whose length is anything, then junk.
        1 => (any::<u32>(), prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(len, junk)| {
            let mut b = len.to_be_bytes().to_vec();
            b.extend_from_slice(&junk);
            b
        }),
        1 => Just(encode(9, Pdu::Unbind)),
    ]
}

/// Runs one session over an in-memory pipe: the stream written in pieces
/// of the given sizes, then the client's half closed for writing.
fn run(stream: Vec<u8>, cuts: Vec<usize>) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = common::policy_dir();
        let proxy = Proxy::new(Config {
            policy: dir.path().to_path_buf(),
            upstream: UpstreamConfig {
                // Nothing listens: allowed messages get ESME_RSYSERR.
                addr: "127.0.0.1:9".into(),
                connect_timeout: Duration::from_secs(1),
                bind_timeout: Duration::from_secs(1),
                ..Default::default()
            },
            reject_status: status::ESME_RSUBMITFAIL,
            pass_through_login: false,
            state: None,
            fixed_time: Some("2026-03-02T09:15:00+07:00".parse().unwrap()),
            window: 4,
            reassembly_timeout: Duration::from_secs(5),
            reassembly_bytes: Default::default(),
            state_config: Default::default(),
            peer_limits: PeerLimits {
                max_queued_bytes: 512,
                ..PeerLimits::default()
            },
        })
        .unwrap();
        let (client, server) = tokio::io::duplex(256);
        let (srd, swr) = tokio::io::split(server);
        let session = tokio::spawn(proxy.clone().serve_stream(
            srd,
            swr,
            "10.0.0.1:5000".parse().unwrap(),
        ));
        let (mut crd, mut cwr) = tokio::io::split(client);
        let writer = tokio::spawn(async move {
            let mut at = 0;
            for c in cuts.into_iter().chain(std::iter::repeat(64)) {
                if at >= stream.len() {
                    break;
                }
                let end = (at + c.max(1)).min(stream.len());
                if cwr.write_all(&stream[at..end]).await.is_err() {
                    return;
                }
                at = end;
            }
            let _ = cwr.shutdown().await;
        });
        loop {
            match read_frame(&mut crd).await {
                Ok(Some(Ok(f))) => {
                    let c = pdu::decode(&f);
                    prop_assert!(c.is_ok(), "the proxy sent a malformed PDU: {f:?}");
                }
                Ok(Some(Err(n))) => prop_assert!(false, "the proxy sent a bad length: {n:?}"),
                Ok(None) | Err(_) => break,
            }
        }
        writer.abort();
        let ended = tokio::time::timeout(Duration::from_secs(3600), session).await;
        prop_assert!(ended.is_ok(), "the session outlived its client");
        prop_assert!(ended.unwrap().is_ok(), "the session panicked");
        prop_assert_eq!(proxy.stats().queued_bytes, 0);
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_session_ends_cleanly(
        chunks in prop::collection::vec(chunk(), 0..40),
        cuts in prop::collection::vec(1usize..300, 0..40),
    ) {
        run(chunks.concat(), cuts)?;
    }
}
