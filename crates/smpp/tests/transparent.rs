//! The PDUs beyond `submit_sm`, over loopback through the proxy binary to
//! the sink SMSC: `submit_multi` (each destination its own check, blocked
//! ones in `unsuccess_sme`), `data_sm` (checked like `submit_sm`, SAR
//! concatenation included), malformed `submit_multi`, `replace_sm`
//! refused, `query_sm` / `cancel_sm` passed through for the account's own
//! message ids only. Before, every one of these got `generic_nack`.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use chanrac_smpp::pdu::{self, status};
use chanrac_smpp::sink::Sink;
use chanrac_smpp::text::ucs2_encode;
use common::{ad, data_sm, multi, payload, policy_dir, sme, Bind, Esme, ProxyProcess};
use rusmpp::pdus::{CancelSm, QuerySm, ReplaceSm};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DestAddress, DistributionListName, Ton};
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::AsyncWriteExt;

const REJECT: u32 = status::ESME_RSUBMITFAIL;

/// The common policy with two more DNC numbers and a spam signature.
fn policy() -> tempfile::TempDir {
    let dir = policy_dir();
    std::fs::write(
        dir.path().join("dnc.csv"),
        "number,scope\n0912000009,sms\n0912000002,sms\n0912000004,sms\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("signatures.csv"),
        "id,kind,pattern\nSPAM-VAY,literal,vay tiền nhanh\n",
    )
    .unwrap();
    dir
}

impl Esme {
    /// The answer to request `seq` (answers to others are not expected).
    async fn answer(&mut self, seq: u32) -> Command {
        let c = self.recv().await;
        assert_eq!(c.sequence_number(), seq, "{c:?}");
        c
    }
}

fn c21(s: &str) -> COctetString<1, 21> {
    COctetString::from_string(s.into()).unwrap()
}

fn status_of(c: &Command) -> u32 {
    u32::from(c.status())
}

fn data_sm_id(c: &Command) -> String {
    match c.pdu() {
        Some(Pdu::DataSmResp(r)) => r.message_id().as_str().to_string(),
        other => panic!("not a data_sm_resp: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_multi_delivers_the_allowed_and_lists_the_blocked() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_ad", "secret1", Bind::Tx).await;

    // Five destinations, two of them (…002, …004) on the DNC list.
    let to: Vec<String> = (1..=5).map(|n| format!("8491200000{n}")).collect();
    let seq = e
        .send(multi(
            to.iter().map(|t| sme(t)).collect(),
            "[QC] Ưu đãi cuối tuần",
        ))
        .await;
    let c = e.answer(seq).await;
    assert_eq!(status_of(&c), status::ESME_ROK, "{c:?}");
    let Some(Pdu::SubmitMultiResp(r)) = c.pdu() else {
        panic!("not a submit_multi_resp: {c:?}")
    };
    let mut failed: Vec<(String, u32)> = r
        .unsuccess_sme()
        .iter()
        .map(|u| {
            (
                u.destination_addr.as_str().to_string(),
                u32::from(u.error_status_code),
            )
        })
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            ("84912000002".to_string(), REJECT),
            ("84912000004".to_string(), REJECT)
        ]
    );
    let up = sink.received();
    let mut dests: Vec<&str> = up.iter().map(|g| g.destination.as_str()).collect();
    dests.sort_unstable();
    assert_eq!(dests, ["84912000001", "84912000003", "84912000005"]);
    assert!(up.iter().all(|g| g.text == "[QC] Ưu đãi cuối tuần"));
    // The message_id is one the SMSC gave for a forwarded destination (the
    // first it returned: the destinations are forwarded concurrently, so
    // which one that is depends on scheduling).
    assert!(
        up.iter().any(|g| g.message_id == r.message_id.as_str()),
        "{:?} not among {up:?}",
        r.message_id
    );

    // Every destination blocked: the whole PDU gets the reject status.
    let seq = e
        .send(multi(
            vec![sme("84912000002"), sme("84912000004")],
            "[QC] Ưu đãi",
        ))
        .await;
    assert_eq!(status_of(&e.answer(seq).await), REJECT);
    // Spam to allowed destinations: each checked, each blocked.
    let seq = e
        .send(multi(
            vec![sme("84912000006"), sme("84912000007")],
            "[QC] vay tiền nhanh",
        ))
        .await;
    let c = e.answer(seq).await;
    assert_eq!(status_of(&c), REJECT);
    assert_eq!(sink.received().len(), 3, "nothing blocked was forwarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_submit_multi_gets_an_error_never_a_crash() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_ad", "secret1", Bind::Tx).await;

    // A distribution list: its members cannot be checked.
    let dl = DestAddress::DistributionListName(DistributionListName::new(c21("everyone")));
    let seq = e.send(multi(vec![sme("84912000001"), dl], "[QC] x")).await;
    assert_eq!(status_of(&e.answer(seq).await), status::ESME_RINVDESTFLAG);
    // No destination.
    let seq = e.send(multi(Vec::new(), "[QC] x")).await;
    assert_eq!(status_of(&e.answer(seq).await), status::ESME_RINVNUMDESTS);
    // 255 destinations: more than SMPP allows.
    let many = (0..255).map(|n| sme(&format!("8491{n:07}"))).collect();
    let seq = e.send(multi(many, "[QC] x")).await;
    assert_eq!(status_of(&e.answer(seq).await), status::ESME_RINVNUMDESTS);
    // number_of_dests says 5, one follows: an error status, session kept.
    let mut b = pdu::encode(&Command::new(
        CommandStatus::EsmeRok,
        77,
        multi(vec![sme("84912000001")], "[QC] x"),
    ));
    // header 16 + service_type 1 + ton, npi 2 + "SHOPVN\0" 7.
    assert_eq!(b[26], 1);
    b[26] = 5;
    e.s.write_all(&b).await.unwrap();
    let c = e.answer(77).await;
    assert_ne!(status_of(&c), status::ESME_ROK, "{c:?}");
    // Still serving.
    let seq = e.send(Pdu::EnquireLink).await;
    assert!(matches!(
        e.answer(seq).await.pdu(),
        Some(Pdu::EnquireLinkResp)
    ));
    assert!(sink.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sm_is_checked_like_submit_sm() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_ad", "secret1", Bind::Tx).await;

    // The spam phrase in message_payload.
    let seq = e
        .send_with_tlvs(
            data_sm("84912000001"),
            &payload("[QC] vay tiền nhanh", None),
        )
        .await;
    let c = e.answer(seq).await;
    assert!(matches!(c.pdu(), Some(Pdu::DataSmResp(_))), "{c:?}");
    assert_eq!(status_of(&c), REJECT);
    // The phrase split over two data_sm joined by SAR TLVs.
    let a = e
        .send_with_tlvs(
            data_sm("84912000003"),
            &payload("[QC] vay tiề", Some((0x99, 2, 1))),
        )
        .await;
    let b = e
        .send_with_tlvs(
            data_sm("84912000003"),
            &payload("n nhanh", Some((0x99, 2, 2))),
        )
        .await;
    let mut got = [e.recv().await, e.recv().await];
    got.sort_by_key(Command::sequence_number);
    assert_eq!(
        got.iter()
            .map(|c| (c.sequence_number(), status_of(c)))
            .collect::<Vec<_>>(),
        [(a, REJECT), (b, REJECT)]
    );
    // A DNC destination.
    let seq = e
        .send_with_tlvs(data_sm("84912000002"), &payload("[QC] Ưu đãi", None))
        .await;
    assert_eq!(status_of(&e.answer(seq).await), REJECT);
    // Two payloads: ambiguous, refused.
    let mut two = payload("[QC] a", None);
    two.extend(payload("[QC] b", None));
    let seq = e.send_with_tlvs(data_sm("84912000005"), &two).await;
    assert_eq!(
        status_of(&e.answer(seq).await),
        status::ESME_ROPTPARNOTALLWD
    );
    assert!(sink.received().is_empty(), "{:#?}", sink.received());

    // A harmless one: forwarded, answered with the SMSC's message_id.
    let seq = e
        .send_with_tlvs(data_sm("84912000005"), &payload("[QC] Ưu đãi", None))
        .await;
    let c = e.answer(seq).await;
    assert_eq!(status_of(&c), status::ESME_ROK);
    let up = sink.received();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].text, "[QC] Ưu đãi");
    assert_eq!(up[0].destination, "84912000005");
    assert_eq!(data_sm_id(&c), up[0].message_id);
}

fn c65(s: &str) -> COctetString<1, 65> {
    COctetString::from_string(s.into()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_is_refused_query_and_cancel_pass_for_own_ids() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_ad", "secret1", Bind::Tx).await;
    let seq = e.send(ad("84912000001", "[QC] Ưu đãi")).await;
    let c = e.answer(seq).await;
    assert_eq!(status_of(&c), status::ESME_ROK);
    let Some(Pdu::SubmitSmResp(r)) = c.pdu() else {
        panic!("{c:?}")
    };
    let id = r.message_id().as_str().to_string();
    assert!(id.starts_with("sink-"));

    // replace_sm would put new text on the SMSC unchecked: refused.
    let replace = ReplaceSm::builder()
        .message_id(c65(&id))
        .source_addr(c21("SHOPVN"))
        .short_message(OctetString::from_vec(ucs2_encode("vay tiền nhanh")).unwrap())
        .build();
    let seq = e.send(replace).await;
    let c = e.answer(seq).await;
    assert!(matches!(c.pdu(), Some(Pdu::ReplaceSmResp)), "{c:?}");
    assert_eq!(status_of(&c), status::ESME_RREPLACEFAIL);

    // query_sm for its own message: the SMSC's answer.
    let query = |id: &str| {
        QuerySm::builder()
            .message_id(c65(id))
            .source_addr_ton(Ton::Alphanumeric)
            .source_addr(c21("SHOPVN"))
            .build()
    };
    let seq = e.send(query(&id)).await;
    let c = e.answer(seq).await;
    assert_eq!(status_of(&c), status::ESME_ROK, "{c:?}");
    let Some(Pdu::QuerySmResp(q)) = c.pdu() else {
        panic!("{c:?}")
    };
    assert_eq!(q.message_id.as_str(), id);
    assert_eq!(q.message_state, rusmpp::values::MessageState::Delivered);
    // An id it was never given.
    let seq = e.send(query("sink-999")).await;
    assert_eq!(status_of(&e.answer(seq).await), status::ESME_RINVMSGID);

    // Another account cannot query or cancel it.
    let mut care = Esme::connect(proxy.port).await;
    care.bind_as("shopvn_care", "secret2", Bind::Tx).await;
    let seq = care.send(query(&id)).await;
    assert_eq!(status_of(&care.answer(seq).await), status::ESME_RINVMSGID);
    let cancel = |id: &str| {
        CancelSm::builder()
            .message_id(c65(id))
            .source_addr_ton(Ton::Alphanumeric)
            .source_addr(c21("SHOPVN"))
            .dest_addr_ton(Ton::International)
            .destination_addr(c21("84912000001"))
            .build()
    };
    let seq = care.send(cancel(&id)).await;
    let c = care.answer(seq).await;
    assert!(matches!(c.pdu(), Some(Pdu::CancelSmResp)), "{c:?}");
    assert_eq!(status_of(&c), status::ESME_RINVMSGID);
    // Its own account can.
    let seq = e.send(cancel(&id)).await;
    let c = e.answer(seq).await;
    assert_eq!(status_of(&c), status::ESME_ROK, "{c:?}");
    // Cancelling by addresses alone (no message_id) is refused.
    let seq = e.send(cancel("")).await;
    assert_eq!(status_of(&e.answer(seq).await), status::ESME_RCANCELFAIL);
    assert_eq!(sink.received().len(), 1, "only the submit_sm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_submit_sm_reaches_the_smsc_octet_for_octet() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_ad", "secret1", Bind::Tx).await;

    // A vendor-specific TLV the proxy knows nothing of, and a standard one
    // (user_message_reference), in an order of the ESME's choosing.
    let mut tlvs = common::tlv(0x1401, b"carrier-private");
    tlvs.extend(common::tlv(0x0204, &[0x12, 0x34]));
    let seq = e
        .send_with_tlvs(ad("84912000005", "[QC] Ưu đãi"), &tlvs)
        .await;
    let c = e.answer(seq).await;
    assert_eq!(status_of(&c), status::ESME_ROK, "{c:?}");

    let mut sent = pdu::encode(&Command::new(
        CommandStatus::EsmeRok,
        seq,
        ad("84912000005", "[QC] Ưu đãi"),
    ));
    sent.extend_from_slice(&tlvs);
    let len = u32::try_from(sent.len()).unwrap();
    sent[..4].copy_from_slice(&len.to_be_bytes());
    let up = sink.received();
    assert_eq!(up.len(), 1);
    let got = &up[0].pdu;
    // Everything but the sequence number, which is the upstream session's.
    assert_eq!(got.len(), sent.len());
    assert_eq!(got[..12], sent[..12]);
    assert_eq!(got[16..], sent[16..]);
}
