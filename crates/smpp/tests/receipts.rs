//! Back to the ESME, over loopback through the proxy binary to the sink
//! SMSC: delivery receipts reach a session of the account that sent the
//! message (receiver or transceiver) and refer to the message_id it was
//! given; while the account has no session bound to receive, the SMSC gets
//! a temporary error and offers the receipt again; mobile-originated
//! messages reach the account whose upstream login they came in on; each
//! account binds upstream with its own login from `accounts.csv` (or the
//! ESME's own with `--upstream-pass-through`). Before, every `deliver_sm`
//! was acknowledged and dropped.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::Duration;

use chanrac_smpp::pdu::{self, status};
use chanrac_smpp::sink::Sink;
use chanrac_smpp::text::ucs2_encode;
use common::{ad, policy_dir, policy_with_logins, until, Bind, Esme, ProxyProcess};
use rusmpp::pdus::SubmitSm;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, Npi, RegisteredDelivery, Ton};
use rusmpp::Pdu;

impl Esme {
    /// Submits a message asking for a receipt; the message_id given.
    async fn submit(&mut self, to: &str, text: &str) -> String {
        let mut sm = ad(to, text);
        sm.registered_delivery = RegisteredDelivery::from(1);
        let seq = self.send(sm).await;
        let c = self.recv().await;
        assert_eq!(c.sequence_number(), seq);
        assert_eq!(u32::from(c.status()), status::ESME_ROK, "{c:?}");
        match c.pdu() {
            Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().to_string(),
            other => panic!("{other:?}"),
        }
    }

    /// The next `deliver_sm`, answered with `answer`: its text and, for a
    /// receipt, the message_id it refers to.
    async fn delivered(&mut self, answer: u32) -> (String, Option<String>, String) {
        loop {
            let c = self.recv().await;
            let Some(Pdu::DeliverSm(ds)) = c.pdu() else {
                continue; // e.g. the proxy's enquire_link
            };
            self.ack(&c, answer).await;
            let raw: &[u8] = ds.short_message().as_ref();
            let text = chanrac_smpp::text::decode(u8::from(ds.data_coding), raw);
            return (
                text,
                pdu::receipted_id(ds),
                ds.source_addr.as_str().to_string(),
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_reach_the_account_that_sent_and_wait_for_it_to_bind() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_with_logins();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;

    // A transceiver: the receipt comes back on it, with the id it was given.
    let mut trx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Trx).await;
    let id = trx.submit("84912000001", "[QC] Ưu đãi").await;
    let (text, receipted, from) = trx.delivered(status::ESME_ROK).await;
    assert_eq!(receipted.as_deref(), Some(id.as_str()), "{text}");
    assert!(text.contains(&format!("id:{id} ")), "{text}");
    assert!(text.contains("stat:DELIVRD"), "{text}");
    assert_eq!(from, "84912000001");
    until(|| sink.receipts().contains(&(id.clone(), status::ESME_ROK))).await;
    // Each account on its own login upstream.
    assert_eq!(sink.received()[0].system_id, "smsc_ad");

    // A transmitter of the care account: no session of that account can
    // receive, so the SMSC is told to retry (never a lost receipt)...
    let mut tx = Esme::login(proxy.port, "shopvn_care", "secret2", Bind::Tx).await;
    let care_id = tx.submit("84912000002", "Đơn hàng 123 đã giao").await;
    until(|| {
        sink.receipts()
            .iter()
            .filter(|r| r.0 == care_id && r.1 == status::ESME_RX_T_APPN)
            .count()
            >= 2
    })
    .await;
    // ...and never to the other account's session (trx is not offered it).
    // Once a receiver of the care account binds, the next offer reaches it.
    let mut rx = Esme::login(proxy.port, "shopvn_care", "secret2", Bind::Rx).await;
    let (_, receipted, _) = rx.delivered(status::ESME_ROK).await;
    assert_eq!(receipted.as_deref(), Some(care_id.as_str()));
    until(|| {
        sink.receipts()
            .contains(&(care_id.clone(), status::ESME_ROK))
    })
    .await;
    assert_eq!(sink.received()[1].system_id, "smsc_care");
    // The ESME's own answer is relayed: a temporary error is the SMSC's.
    let id2 = trx.submit("84912000003", "[QC] Ưu đãi hai").await;
    let (_, receipted, _) = trx.delivered(status::ESME_RX_T_APPN).await;
    assert_eq!(receipted.as_deref(), Some(id2.as_str()));
    until(|| {
        sink.receipts()
            .contains(&(id2.clone(), status::ESME_RX_T_APPN))
    })
    .await;
    let (_, receipted, _) = trx.delivered(status::ESME_ROK).await;
    assert_eq!(receipted.as_deref(), Some(id2.as_str()));
    until(|| sink.receipts().contains(&(id2.clone(), status::ESME_ROK))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribers_message_reaches_the_account_of_its_login() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_with_logins();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    // The ad account binds a transmitter only: its upstream session comes
    // up, but an MO for it is answered with a temporary error.
    let _tx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Tx).await;
    let mut st = None;
    for _ in 0..400 {
        st = sink
            .deliver_mo("smsc_ad", "84912000005", "9029", "Xin chào")
            .await;
        if st.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(st, Some(status::ESME_RX_T_APPN));
    let mut rx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Rx).await;
    let mo = {
        let sink = sink.clone();
        tokio::spawn(async move {
            sink.deliver_mo("smsc_ad", "84912000005", "9029", "Xin chào")
                .await
        })
    };
    let (text, receipted, from) = rx.delivered(status::ESME_ROK).await;
    assert_eq!(
        (text.as_str(), receipted, from.as_str()),
        ("Xin chào", None, "84912000005")
    );
    assert_eq!(mo.await.unwrap(), Some(status::ESME_ROK));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_through_binds_upstream_with_the_esmes_own_login() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--upstream-pass-through"]).await;
    let mut trx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Trx).await;
    let id = trx.submit("84912000001", "[QC] Ưu đãi").await;
    assert_eq!(sink.received()[0].system_id, "shopvn_ad");
    let (_, receipted, _) = trx.delivered(status::ESME_ROK).await;
    assert_eq!(receipted, Some(id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_reply_reaches_the_esme_and_the_next_ad_is_refused() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_with_logins();
    let state = tempfile::tempdir().unwrap();
    let proxy = ProxyProcess::start(
        dir.path(),
        sink.addr,
        &["--state", state.path().to_str().unwrap()],
    )
    .await;
    let mut trx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Trx).await;
    // The subscriber had consented (consents.csv): the ad goes through.
    let id = trx.submit("84912000006", "[QC] Ưu đãi").await;
    let (_, receipted, _) = trx.delivered(status::ESME_ROK).await;
    assert_eq!(receipted, Some(id));
    // The subscriber replies "T C" to the advertiser's short code.
    let mo = {
        let sink = sink.clone();
        tokio::spawn(async move {
            sink.deliver_mo("smsc_ad", "84912000006", "9029", "T C")
                .await
        })
    };
    let (text, receipted, from) = trx.delivered(status::ESME_ROK).await;
    assert_eq!(
        (text.as_str(), receipted, from.as_str()),
        ("T C", None, "84912000006")
    );
    assert_eq!(mo.await.unwrap(), Some(status::ESME_ROK));
    // The next ad to that subscriber is refused (REFUSED), never forwarded.
    let sm = SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .dest_addr_ton(Ton::International)
        .destination_addr(COctetString::from_string("84912000006".into()).unwrap())
        .data_coding(DataCoding::from(0x08))
        .short_message(OctetString::from_vec(ucs2_encode("[QC] Ưu đãi hai")).unwrap())
        .build();
    let seq = trx.send(sm).await;
    let c = trx.recv().await;
    assert_eq!(
        (c.sequence_number(), u32::from(c.status())),
        (seq, status::ESME_RSUBMITFAIL)
    );
    assert_eq!(sink.received().len(), 1);
    let log = proxy.stderr();
    assert!(log.contains("REFUSED"), "{log}");
    // The refusal is in the state journal: it survives a restart.
    proxy.terminate();
    let proxy = ProxyProcess::start(
        dir.path(),
        sink.addr,
        &["--state", state.path().to_str().unwrap()],
    )
    .await;
    let mut trx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Tx).await;
    let sm = SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .destination_addr(COctetString::from_string("84912000006".into()).unwrap())
        .data_coding(DataCoding::from(0x08))
        .short_message(OctetString::from_vec(ucs2_encode("[QC] Ưu đãi ba")).unwrap())
        .build();
    let seq = trx.send(sm).await;
    let c = trx.recv().await;
    assert_eq!(
        (c.sequence_number(), u32::from(c.status())),
        (seq, status::ESME_RSUBMITFAIL)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_of_upstream_sessions_per_login() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_with_logins();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--upstream-sessions", "3"]).await;
    let mut trx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Trx).await;
    // Bound at once, all three, before any submit.
    until(|| sink.sessions_bound("smsc_ad") == 3).await;
    assert_eq!(sink.sessions_bound("smsc_care"), 0);
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(trx.submit(&format!("8491200000{n}"), "[QC] Ưu đãi").await);
    }
    // Each receipt comes back, whichever session the SMSC sent it on.
    let mut back = Vec::new();
    for _ in 0..3 {
        back.push(trx.delivered(status::ESME_ROK).await.1.unwrap());
    }
    back.sort();
    ids.sort();
    assert_eq!(back, ids);
    assert_eq!(sink.sessions_bound("smsc_ad"), 3, "no session reopened");
}

/// `accounts.csv` `upstream_sessions` sizes one account's pool, over the
/// flag's default; a reload that raises it grows the pool at the account's
/// next bind, the sessions it had kept as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_sizes_its_own_pool_of_upstream_sessions() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_with_logins();
    let accounts = |care: &str| {
        format!(
            "account,advertiser,class,password,upstream_system_id,upstream_password,upstream_sessions\n\
             shopvn_ad,shopvn,ad,secret1,smsc_ad,up1,3\n\
             shopvn_care,shopvn,care,secret2,smsc_care,up2,{care}\n"
        )
    };
    std::fs::write(dir.path().join("accounts.csv"), accounts("")).unwrap();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut ad = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Trx).await;
    let _care = Esme::login(proxy.port, "shopvn_care", "secret2", Bind::Trx).await;
    until(|| sink.sessions_bound("smsc_ad") == 3 && sink.sessions_bound("smsc_care") == 1).await;
    // The account's traffic goes over its own login, no session reopened.
    for n in 1..=6 {
        ad.submit(&format!("8491200000{n}"), "[QC] Ưu đãi").await;
    }
    let on_login = sink
        .received()
        .iter()
        .filter(|r| r.system_id == "smsc_ad")
        .count();
    assert_eq!(on_login, 6);
    assert_eq!(sink.sessions_bound("smsc_ad"), 3);
    // Two for care from now on: its next bind grows the pool (the policy
    // is reloaded within a second or two of the file's change).
    std::fs::write(dir.path().join("accounts.csv"), accounts("2")).unwrap();
    let mut grown = false;
    for _ in 0..60 {
        let _again = Esme::login(proxy.port, "shopvn_care", "secret2", Bind::Trx).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        if sink.sessions_bound("smsc_care") == 2 {
            grown = true;
            break;
        }
    }
    assert!(grown, "the care login's pool did not grow to 2");
    assert_eq!(
        sink.sessions_bound("smsc_ad"),
        3,
        "the other pool is untouched"
    );
}

/// A `submit_multi` goes to the SMSC one destination at a time, so the
/// SMSC gives each its own `message_id`; the ESME was given one (its
/// `submit_multi_resp`'s), as an SMSC taking the `submit_multi` whole would
/// have done. Every destination's receipt reaches it under that one id, in
/// the `receipted_message_id` TLV and in the text, and the SMSC's own ids
/// never leak; a blocked destination (on the DNC list) gets no receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_multis_receipts_all_refer_to_the_id_it_was_given() {
    use rusmpp::pdus::SubmitMulti;
    use rusmpp::values::{DestAddress, SmeAddress};
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_with_logins();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut trx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Trx).await;
    let dest = |to: &str| {
        DestAddress::SmeAddress(SmeAddress::new(
            Ton::International,
            Npi::Isdn,
            COctetString::from_string(to.into()).unwrap(),
        ))
    };
    let to = ["84912000001", "84912000002", "84912000009", "84912000003"];
    let multi = SubmitMulti::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr_npi(Npi::Unknown)
        .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
        .dest_address(to.iter().map(|t| dest(t)).collect())
        .registered_delivery(RegisteredDelivery::from(1))
        .data_coding(DataCoding::from(0x08))
        .short_message(OctetString::from_vec(ucs2_encode("[QC] Ưu đãi")).unwrap())
        .build();
    let seq = trx.send(multi).await;
    let given = loop {
        let c = trx.recv().await;
        if c.sequence_number() != seq {
            continue;
        }
        assert_eq!(u32::from(c.status()), status::ESME_ROK, "{c:?}");
        let Some(Pdu::SubmitMultiResp(r)) = c.pdu() else {
            panic!("{c:?}");
        };
        // The DNC destination, and only it, is listed as unsuccessful.
        assert_eq!(r.unsuccess_sme().len(), 1, "{r:?}");
        break r.message_id.as_str().to_string();
    };
    assert!(!given.is_empty());
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (text, receipted, from) = trx.delivered(status::ESME_ROK).await;
        assert_eq!(receipted.as_deref(), Some(given.as_str()), "{text}");
        assert!(text.starts_with(&format!("id:{given} ")), "{text}");
        seen.push(from);
    }
    seen.sort();
    assert_eq!(seen, ["84912000001", "84912000002", "84912000003"]);
    // The SMSC forwarded three messages under three ids of its own, and
    // each receipt was acknowledged to it under its own id.
    until(|| sink.receipts().len() == 3).await;
    let mut acked: Vec<String> = sink.receipts().into_iter().map(|(id, _)| id).collect();
    acked.sort();
    acked.dedup();
    assert_eq!(acked.len(), 3, "{acked:?}");
    assert!(acked.contains(&given));
}

/// With one SMSC login for every account (the default without
/// `upstream_system_id`), a subscriber's message is routed by the number or
/// short code it was sent to: the account that sends from it. Before,
/// two accounts on the login made every such message unroutable
/// (`ESME_RX_P_APPN`: lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_shared_login_a_reply_reaches_the_account_that_sends_from_its_number() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut trx = Esme::login(proxy.port, "shopvn_care", "secret2", Bind::Trx).await;
    // A subscriber's message to 9029 before any ad was sent from it: no
    // account is known to send from it, and two share the login.
    let mut st = None;
    for _ in 0..400 {
        st = sink
            .deliver_mo("chanrac", "84912000005", "9029", "Xin chào")
            .await;
        if st.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(st, Some(status::ESME_RX_P_APPN));
    // A customer-care message from the short code 9029.
    let mut sm = ad("84912000005", "Đơn hàng của bạn đã được giao");
    sm.source_addr_ton = Ton::National;
    sm.source_addr_npi = Npi::Isdn;
    sm.source_addr = COctetString::from_string("9029".into()).unwrap();
    let seq = trx.send(sm).await;
    let c = trx.recv().await;
    assert_eq!(c.sequence_number(), seq);
    assert_eq!(u32::from(c.status()), status::ESME_ROK, "{c:?}");
    // The subscriber answers it.
    let mo = {
        let sink = sink.clone();
        tokio::spawn(async move {
            sink.deliver_mo("chanrac", "84912000005", "9029", "Xin chào")
                .await
        })
    };
    let (text, receipted, from) = trx.delivered(status::ESME_ROK).await;
    assert_eq!(
        (text.as_str(), receipted, from.as_str()),
        ("Xin chào", None, "84912000005")
    );
    assert_eq!(mo.await.unwrap(), Some(status::ESME_ROK));
}

/// A message the SMSC never saw is not counted: while the upstream link is
/// down, ads are answered `ESME_RSYSERR` (the gateway sends them again)
/// without being checked, so that they do not use up the recipient's
/// three ads a day. Before, each was checked and counted first, and the
/// fourth attempt was refused (`ESME_RSUBMITFAIL`, `FREQUENCY`) before the
/// SMSC had received any.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ads_refused_while_the_smsc_is_down_are_not_counted() {
    // A port with nothing listening, for the SMSC to come up on later.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), addr, &[]).await;
    let mut tx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Tx).await;
    let send = async |esme: &mut Esme| {
        let seq = esme.send(ad("84912000003", "[QC] Ưu đãi")).await;
        let c = esme.recv().await;
        assert_eq!(c.sequence_number(), seq);
        u32::from(c.status())
    };
    for _ in 0..5 {
        assert_eq!(send(&mut tx).await, status::ESME_RSYSERR);
    }
    let sink = Sink::start(&addr.to_string()).await.unwrap();
    // Once the link is back, the ad goes through: at most the first
    // attempt (before the link was known to be down) was counted.
    let mut accepted = 0;
    for _ in 0..400 {
        match send(&mut tx).await {
            status::ESME_ROK => {
                accepted += 1;
                if accepted == 2 {
                    break;
                }
            }
            st => assert_eq!(st, status::ESME_RSYSERR, "not refused by the policy"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(accepted, 2);
    assert_eq!(sink.received().len(), 2);
}

/// An ESME's `deliver_sm_resp` without a body (16 octets: the form an
/// error response often takes) answers the SMSC at once with its status;
/// before, it decoded to no PDU, was ignored, and the SMSC got
/// `ESME_RX_T_APPN` after the 10 s response timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deliver_sm_resp_without_a_body_is_relayed() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_with_logins();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut rx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Rx).await;
    let mo = {
        let sink = sink.clone();
        tokio::spawn(async move {
            for _ in 0..400 {
                let st = sink
                    .deliver_mo("smsc_ad", "84912000005", "9029", "Xin chào")
                    .await;
                if st.is_some() {
                    return st;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            None
        })
    };
    let c = loop {
        let c = rx.recv().await;
        if matches!(c.pdu(), Some(Pdu::DeliverSm(_))) {
            break c;
        }
    };
    let mut resp = Vec::new();
    for w in [
        16u32,
        0x8000_0005,
        status::ESME_RX_P_APPN,
        c.sequence_number(),
    ] {
        resp.extend_from_slice(&w.to_be_bytes());
    }
    rx.raw(&resp).await;
    // The ESME's own status: the response timeout would have given
    // `ESME_RX_T_APPN`.
    let st = tokio::time::timeout(Duration::from_secs(30), mo)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(st, Some(status::ESME_RX_P_APPN));
}

/// An ad the check allowed and the SMSC then refused (`ESME_RTHROTTLED`)
/// never reached the subscriber: its count is given back, so the gateway's
/// resends are not refused by the three-a-day cap. Before, three throttled
/// attempts used up the day and the fourth was refused (`FREQUENCY`)
/// although the SMSC had taken none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ads_the_smsc_throttled_are_not_counted() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut tx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Tx).await;
    let send = async |esme: &mut Esme| {
        let seq = esme.send(ad("84912000004", "[QC] Ưu đãi")).await;
        let c = esme.recv().await;
        assert_eq!(c.sequence_number(), seq);
        u32::from(c.status())
    };
    // The link up, then throttled four times.
    assert_eq!(send(&mut tx).await, status::ESME_ROK);
    sink.refuse_next(4, status::ESME_RTHROTTLED);
    for _ in 0..4 {
        assert_eq!(send(&mut tx).await, status::ESME_RTHROTTLED);
    }
    // Two more reach the subscriber (three in all), the next is refused.
    assert_eq!(send(&mut tx).await, status::ESME_ROK);
    assert_eq!(send(&mut tx).await, status::ESME_ROK);
    assert_eq!(send(&mut tx).await, status::ESME_RSUBMITFAIL);
    assert_eq!(sink.received().len(), 3);
}

/// A part of a concatenated message that the SMSC refused (throttled)
/// after the message was allowed is forwarded again when the gateway
/// resends it (it was checked with its message); before, every resend got
/// `ESME_RSYSERR` and the message never arrived whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_part_the_smsc_refused_is_forwarded_when_resent() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = policy_dir();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut tx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Tx).await;
    let part = |n: u8, text: &str| {
        let mut sm = vec![0x05, 0x00, 0x03, 0x2A, 2, n];
        sm.extend(ucs2_encode(text));
        common::submit("84912000007", 0x40, 0x08, &sm)
    };
    sink.refuse_after(1, 1, status::ESME_RTHROTTLED);
    let a = tx.send(part(1, "[QC] Ưu đãi ")).await;
    let b = tx.send(part(2, "cuối tuần")).await;
    let mut answers = std::collections::HashMap::new();
    for _ in 0..2 {
        let c = tx.recv().await;
        answers.insert(c.sequence_number(), u32::from(c.status()));
    }
    assert_eq!(answers[&a], status::ESME_ROK);
    assert_eq!(answers[&b], status::ESME_RTHROTTLED);
    // The gateway resends part 2.
    let b2 = tx.send(part(2, "cuối tuần")).await;
    let c = tx.recv().await;
    assert_eq!(c.sequence_number(), b2);
    assert_eq!(u32::from(c.status()), status::ESME_ROK, "{c:?}");
    let got = sink.received();
    assert_eq!(got.len(), 2, "both parts reached the SMSC once each");
    assert_eq!(got[1].text, "cuối tuần");
}

/// An SMSC that answers each `submit_sm` and sends its receipt right
/// behind the answer, in the same write (as fast simulators do).
async fn eager_smsc() -> std::net::SocketAddr {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut rd, mut wr) = s.into_split();
                let mut n = 0u32;
                while let Ok(Some(Ok(f))) = chanrac_smpp::wire::read_frame(&mut rd).await {
                    let Ok(cmd) = pdu::decode(&f) else { continue };
                    let seq = cmd.sequence_number();
                    let ok = rusmpp::CommandStatus::EsmeRok;
                    let sid = || COctetString::from_string("eager".into()).unwrap();
                    let out = match cmd.pdu() {
                        Some(Pdu::BindTransceiver(_)) => {
                            let r = rusmpp::pdus::BindTransceiverResp::builder()
                                .system_id(sid())
                                .build();
                            pdu::encode(&rusmpp::Command::new(ok, seq, r))
                        }
                        Some(Pdu::SubmitSm(sm)) => {
                            n += 1;
                            let id = format!("eager-{n}");
                            let r = rusmpp::pdus::SubmitSmResp::builder()
                                .message_id(COctetString::from_string(id.clone()).unwrap())
                                .build();
                            let mut out = pdu::encode(&rusmpp::Command::new(ok, seq, r));
                            let text = format!("id:{id} sub:001 dlvrd:001 stat:DELIVRD err:000");
                            let ds = rusmpp::pdus::DeliverSm::builder()
                                .source_addr(sm.destination_addr.clone())
                                .destination_addr(sm.source_addr.clone())
                                .esm_class(rusmpp::values::EsmClass::from(0x04))
                                .short_message(OctetString::from_vec(text.into_bytes()).unwrap())
                                .build();
                            out.extend(pdu::encode(&rusmpp::Command::new(ok, 1000 + n, ds)));
                            out
                        }
                        Some(Pdu::EnquireLink) => {
                            pdu::encode(&rusmpp::Command::new(ok, seq, Pdu::EnquireLinkResp))
                        }
                        _ => continue,
                    };
                    if wr.write_all(&out).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// The ESME gets each part's `submit_sm_resp` before the receipt the SMSC
/// sent right behind it, for a concatenated message too (checked and
/// forwarded by a task): a gateway such as Kannel drops a receipt for an
/// id it was not given yet. Before, the receipt could overtake the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_reaches_the_esme_before_the_receipt_behind_it() {
    let smsc = eager_smsc().await;
    let dir = policy_with_logins();
    let proxy = ProxyProcess::start(dir.path(), smsc, &[]).await;
    let mut trx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Trx).await;
    let part = |n: u8, text: &str| {
        let mut sm = vec![0x05, 0x00, 0x03, 0x33, 2, n];
        sm.extend(ucs2_encode(text));
        let mut s = common::submit("84912000008", 0x40, 0x08, &sm);
        s.registered_delivery = RegisteredDelivery::from(1);
        s
    };
    trx.send(part(1, "[QC] Ưu đãi ")).await;
    trx.send(part(2, "cuối tuần")).await;
    let mut given: Vec<String> = Vec::new();
    let mut receipts = 0;
    while receipts < 2 {
        let c = trx.recv().await;
        match c.pdu() {
            Some(Pdu::SubmitSmResp(r)) => {
                assert_eq!(u32::from(c.status()), status::ESME_ROK, "{c:?}");
                given.push(r.message_id().as_str().to_string());
            }
            Some(Pdu::DeliverSm(ds)) => {
                let id = pdu::receipted_id(ds).unwrap();
                assert!(given.contains(&id), "receipt for {id} before its answer");
                trx.ack(&c, status::ESME_ROK).await;
                receipts += 1;
            }
            _ => {}
        }
    }
}

/// A receipt the ESME leaves unanswered is never held for good: once
/// `--upstream-response-timeout` passes the SMSC gets `ESME_RX_T_APPN`, and
/// offers it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_the_esme_leaves_unanswered_is_offered_again() {
    let mut u = Unanswered::start("0.5").await;
    // Read and not answered: the SMSC is told to retry by the timeout...
    until(|| temporary(&u.sink, &u.id) == 1).await;
    // ...offers it again, and this time it is answered.
    let (_, receipted, _) = u.trx.delivered(status::ESME_ROK).await;
    assert_eq!(receipted.as_deref(), Some(u.id.as_str()));
    until(|| {
        u.sink
            .receipts()
            .contains(&(u.id.clone(), status::ESME_ROK))
    })
    .await;
}

/// A receipt waiting for the ESME's answer when its session ends gets
/// `ESME_RX_T_APPN` at once (not at the response timeout, a minute here),
/// and the next session bound to receive gets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_pending_when_the_session_ends_is_offered_again() {
    let Unanswered {
        sink,
        proxy,
        trx,
        id,
        _dir,
    } = Unanswered::start("60").await;
    drop(trx);
    until(|| temporary(&sink, &id) >= 1).await;
    let mut rx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Rx).await;
    let (_, receipted, _) = rx.delivered(status::ESME_ROK).await;
    assert_eq!(receipted.as_deref(), Some(id.as_str()));
    until(|| sink.receipts().contains(&(id.clone(), status::ESME_ROK))).await;
}

/// A proxy answering the SMSC after `--upstream-response-timeout
/// timeout`, and a transceiver of the ad account that sent an ad asking for
/// a receipt (its `message_id`: `id`) and has read the receipt without
/// answering it.
struct Unanswered {
    sink: Sink,
    proxy: ProxyProcess,
    trx: Esme,
    id: String,
    _dir: tempfile::TempDir,
}

impl Unanswered {
    async fn start(timeout: &str) -> Unanswered {
        let sink = Sink::start("127.0.0.1:0").await.unwrap();
        let dir = policy_with_logins();
        let proxy = ProxyProcess::start(
            dir.path(),
            sink.addr,
            &["--upstream-response-timeout", timeout],
        )
        .await;
        let mut trx = Esme::login(proxy.port, "shopvn_ad", "secret1", Bind::Trx).await;
        let id = trx.submit("84912000001", "[QC] Ưu đãi").await;
        while !matches!(trx.recv().await.pdu(), Some(Pdu::DeliverSm(_))) {}
        Unanswered {
            sink,
            proxy,
            trx,
            id,
            _dir: dir,
        }
    }
}

/// How many times the SMSC was told to offer the receipt for `id` again.
fn temporary(sink: &Sink, id: &str) -> usize {
    sink.receipts()
        .iter()
        .filter(|r| r.0 == id && r.1 == status::ESME_RX_T_APPN)
        .count()
}
