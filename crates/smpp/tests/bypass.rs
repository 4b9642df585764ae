//! Ways around the content check, tried as a spammer would over loopback:
//! one recipient spelled three ways in one concatenated message, a part
//! sent after its message was decided, text in both `short_message` and
//! `message_payload` or in two payloads, every `data_coding` a handset
//! renders, and one account filling the reassembly memory. Each would have
//! delivered the spam phrase (or taken unbounded memory) before.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chanrac_smpp::pdu::status;
use chanrac_smpp::proxy::{Config, Proxy};
use chanrac_smpp::reassembly::ByteCaps;
use chanrac_smpp::sink::Sink;
use chanrac_smpp::text::{gsm7_encode, ucs2_encode};
use chanrac_smpp::upstream::UpstreamConfig;
use common::{policy_dir, submit, tlv, Bind, Esme, ProxyProcess};
use rusmpp::pdus::SubmitSm;
use rusmpp::types::COctetString;
use rusmpp::{Command, Pdu};

/// The policy of the other tests plus one spam signature.
fn spam_policy() -> tempfile::TempDir {
    let dir = policy_dir();
    std::fs::write(
        dir.path().join("signatures.csv"),
        "id,kind,pattern\nSPAM-VAY,literal,vay tiền nhanh\n",
    )
    .unwrap();
    dir
}

impl Esme {
    /// The answers to `n` requests, by sequence number: (status, message_id).
    async fn answers(&mut self, n: usize) -> Vec<(u32, u32, String)> {
        let mut out = Vec::new();
        for _ in 0..n {
            let c = self.recv().await;
            out.push((c.sequence_number(), u32::from(c.status()), message_id(&c)));
        }
        out.sort();
        out
    }
}

fn message_id(c: &Command) -> String {
    match c.pdu() {
        Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().to_string(),
        _ => String::new(),
    }
}

/// Part `seq` of `total` (8-bit reference) in UCS-2.
fn ucs2_part(to: &str, reference: u8, total: u8, seq: u8, text: &str) -> SubmitSm {
    let mut sm = vec![0x05, 0x00, 0x03, reference, total, seq];
    sm.extend(ucs2_encode(text));
    submit(to, 0x40, 0x08, &sm)
}

/// Part `seq` of `total` (16-bit reference) in UCS-2.
fn ucs2_part16(to: &str, reference: u16, total: u8, seq: u8, text: &str) -> SubmitSm {
    let mut sm = vec![0x06, 0x08, 0x04];
    sm.extend_from_slice(&reference.to_be_bytes());
    sm.extend_from_slice(&[total, seq]);
    sm.extend(ucs2_encode(text));
    submit(to, 0x40, 0x08, &sm)
}

const REJECT: u32 = status::ESME_RSUBMITFAIL;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_recipient_spelled_three_ways_is_one_message() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = spam_policy();
    // The default 30 s reassembly timeout: parts that were not joined would
    // wait past the client's 20 s.
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_care", "secret2", Bind::Tx).await;
    // "vay tiền nhanh" split across three parts, the recipient written
    // 84…, 0… and +84 …, the reference as an 8- and a 16-bit element, sent
    // out of order.
    let a = e
        .send(ucs2_part("0912000001", 0x42, 3, 2, "n nhanh, "))
        .await;
    let b = e
        .send(ucs2_part16("+84 912 000 001", 0x42, 3, 3, "gọi ngay"))
        .await;
    let c = e
        .send(ucs2_part("84912000001", 0x42, 3, 1, "Xin chào, vay tiề"))
        .await;
    let got = e.answers(3).await;
    let want: Vec<_> = [a, b, c]
        .into_iter()
        .map(|s| (s, REJECT, String::new()))
        .collect();
    assert_eq!(got, want);
    // The same spellings with a harmless text: one message, delivered.
    let a = e
        .send(ucs2_part("0912000001", 0x43, 2, 2, "hẹn gặp lại"))
        .await;
    let b = e
        .send(ucs2_part("84912000001", 0x43, 2, 1, "Xin chào, "))
        .await;
    let got = e.answers(2).await;
    assert_eq!(
        got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(),
        [(a, 0), (b, 0)]
    );
    let up = sink.received();
    assert_eq!(up.len(), 2, "only the harmless message: {up:#?}");
    assert_eq!(up[0].text, "Xin chào, ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_part_is_checked_with_its_message() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = spam_policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--reassembly-timeout", "1"]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_care", "secret2", Bind::Tx).await;
    // Three messages whose last parts never come in time: the first ends in
    // the first half of the phrase, the second is harmless, the third is spam.
    let first = e
        .send(ucs2_part("84912000001", 1, 2, 1, "Xin chào, vay tiề"))
        .await;
    let harmless = e
        .send(ucs2_part("84912000002", 2, 2, 1, "Xin chào, "))
        .await;
    let spam = e
        .send(ucs2_part("84912000003", 3, 2, 1, "Vay tiền nhanh"))
        .await;
    // Answered at the timeout with the text that arrived.
    let got = e.answers(3).await;
    assert_eq!(
        got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(),
        [(first, 0), (harmless, 0), (spam, REJECT)]
    );
    assert_eq!(sink.received().len(), 2);
    let first_id = got[0].2.clone();

    // The rest of the phrase, late and written 0…: checked with part 1, so
    // the phrase is found.
    let late = e.send(ucs2_part("0912000001", 1, 2, 2, "n nhanh")).await;
    // A harmless late part of a harmless message: delivered.
    let ok = e
        .send(ucs2_part("84912000002", 2, 2, 2, "hẹn gặp lại"))
        .await;
    // Any late part of a blocked message: the message's decision.
    let blocked = e.send(ucs2_part("84912000003", 3, 2, 2, "chào")).await;
    // A retransmission of a delivered part: its first answer, not sent again.
    let again = e
        .send(ucs2_part("84912000001", 1, 2, 1, "Xin chào, vay tiề"))
        .await;
    let got = e.answers(4).await;
    assert_eq!(
        got,
        vec![
            (late, REJECT, String::new()),
            (ok, 0, got[1].2.clone()),
            (blocked, REJECT, String::new()),
            (again, 0, first_id),
        ]
    );
    let up = sink.received();
    assert_eq!(up.len(), 3, "{up:#?}");
    assert_eq!(up[2].text, "hẹn gặp lại");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_version_or_a_very_late_part_never_completes_the_phrase() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = spam_policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--reassembly-timeout", "1"]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_care", "secret2", Bind::Tx).await;
    // Parts 1 and 2 of 3 delivered at the timeout; part 3 never came.
    let to = "84912000001";
    let p1 = e.send(ucs2_part(to, 7, 3, 1, "Xin chào, ")).await;
    let p2 = e.send(ucs2_part(to, 7, 3, 2, "vay tiề")).await;
    let got = e.answers(2).await;
    assert_eq!(
        got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(),
        [(p1, 0), (p2, 0)]
    );
    // A second version of part 2, then part 3: a handset that keeps the
    // first version of a part shows "vay tiề" + "n nhanh". Whether these
    // come within the message's memory (checked with its text) or after it
    // (refused), part 3 is never delivered.
    let again = e.send(ucs2_part(to, 7, 3, 2, "chào bạn ")).await;
    let got = e.answers(1).await;
    assert_eq!(got[0].0, again);
    assert!([0, REJECT].contains(&got[0].1), "{got:?}");
    let p3 = e.send(ucs2_part(to, 7, 3, 3, "n nhanh")).await;
    let got = e.answers(1).await;
    assert_eq!((got[0].0, got[0].1), (p3, REJECT));

    // Another message, its last part sent well after its memory (twice
    // the timeout) ran out: refused, never checked alone.
    let q1 = e
        .send(ucs2_part("84912000002", 8, 2, 1, "Xin chào, vay tiề"))
        .await;
    let got = e.answers(1).await;
    assert_eq!((got[0].0, got[0].1), (q1, 0));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let q2 = e.send(ucs2_part("0912000002", 8, 2, 2, "n nhanh")).await;
    let got = e.answers(1).await;
    assert_eq!((got[0].0, got[0].1), (q2, REJECT));
    let up = sink.received();
    assert!(up.iter().all(|r| r.text != "n nhanh"), "{up:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_cannot_split_a_message() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = spam_policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &["--reassembly-timeout", "1"]).await;
    // The advertiser's ad and care accounts, both sending as SHOPVN: a
    // handset joins their parts by source, recipient and reference.
    let mut ad = Esme::connect(proxy.port).await;
    ad.bind_as("shopvn_ad", "secret1", Bind::Tx).await;
    let mut care = Esme::connect(proxy.port).await;
    care.bind_as("shopvn_care", "secret2", Bind::Tx).await;
    let first = ad
        .send(ucs2_part("84912000001", 5, 2, 1, "[QC] Shop VN: vay tiề"))
        .await;
    let second = care.send(ucs2_part("0912000001", 5, 2, 2, "n nhanh")).await;
    // Whichever part the proxy takes first starts the message; the other
    // account's part is refused (it would complete the phrase on the
    // handset, unchecked with the first), and the first, alone at its
    // timeout, is all that reaches the handset.
    let a = ad.answers(1).await;
    let c = care.answers(1).await;
    assert_eq!((a[0].0, c[0].0), (first, second));
    let mut statuses = [a[0].1, c[0].1];
    statuses.sort_unstable();
    assert_eq!(statuses, [0, status::ESME_RINVESMCLASS]);
    let up = sink.received();
    assert_eq!(up.len(), 1, "{up:#?}");
    let delivered = if a[0].1 == 0 {
        "[QC] Shop VN: vay tiề"
    } else {
        "n nhanh"
    };
    assert_eq!(up[0].text, delivered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_in_two_places_is_refused() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = spam_policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_care", "secret2", Bind::Tx).await;
    let spam = ucs2_encode("Vay tiền nhanh");
    let hello = ucs2_encode("Xin chào");
    // short_message harmless, message_payload spam.
    let both = e
        .send_with_tlvs(submit("84912000001", 0, 0x08, &hello), &tlv(0x0424, &spam))
        .await;
    // Two payloads: the spam first, a harmless one last.
    let mut two = tlv(0x0424, &spam);
    two.extend(tlv(0x0424, &hello));
    let twice = e
        .send_with_tlvs(submit("84912000001", 0, 0x08, &[]), &two)
        .await;
    // One payload alone is read: spam blocked, harmless delivered.
    let alone_spam = e
        .send_with_tlvs(submit("84912000001", 0, 0x08, &[]), &tlv(0x0424, &spam))
        .await;
    let alone_ok = e
        .send_with_tlvs(submit("84912000001", 0, 0x08, &[]), &tlv(0x0424, &hello))
        .await;
    // No text at all but a message predefined on the SMSC: unseen, refused.
    let mut canned = submit("84912000001", 0, 0x08, &[]);
    canned.sm_default_msg_id = 1;
    let predefined = e.send(canned).await;
    let got = e.answers(5).await;
    assert_eq!(
        got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(),
        [
            (both, status::ESME_ROPTPARNOTALLWD),
            (twice, status::ESME_ROPTPARNOTALLWD),
            (alone_spam, REJECT),
            (alone_ok, 0),
            (predefined, status::ESME_RINVDFTMSGID),
        ]
    );
    let up = sink.received();
    assert_eq!(up.len(), 1, "{up:#?}");
    assert_eq!(up[0].text, "Xin chào");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spam_is_found_in_every_data_coding() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = spam_policy();
    let proxy = ProxyProcess::start(dir.path(), sink.addr, &[]).await;
    let mut e = Esme::connect(proxy.port).await;
    e.bind_as("shopvn_care", "secret2", Bind::Tx).await;
    let ucs2 = ucs2_encode("Vay tiền nhanh");
    let gsm = gsm7_encode("Vay tien nhanh").unwrap();
    let octets = b"Vay tien nhanh".to_vec();
    let table: &[(u8, &[u8])] = &[
        (0x00, &gsm),
        (0x01, &octets),
        (0x03, &octets),
        (0x04, &octets),
        (0x08, &ucs2),
        (0x10, &gsm),
        (0x14, &octets),
        (0x18, &ucs2),
        (0x40, &gsm),
        (0x48, &ucs2),
        (0x58, &ucs2),
        (0x90, &gsm),
        (0xC0, &gsm),
        (0xD3, &gsm),
        (0xE0, &ucs2),
        (0xE9, &ucs2),
        (0xF0, &gsm),
        (0xF4, &octets),
        (0xF6, &octets),
    ];
    // One at a time (the session window is 10).
    let mut cases: Vec<(u8, Vec<u8>, u32)> = table
        .iter()
        .map(|(dc, bytes)| (*dc, bytes.to_vec(), REJECT))
        .collect();
    // Compressed text (23.038 bit 5) is refused: it cannot be read here.
    cases.push((0x2A, ucs2.clone(), status::ESME_RSUBMITFAIL));
    // A harmless UCS-2 text in the message-class group is delivered.
    cases.push((0x48, ucs2_encode("Xin chào"), 0));
    for (dc, bytes, want) in cases {
        e.send(submit("84912000001", 0, dc, &bytes)).await;
        let got = u32::from(e.recv().await.status());
        assert_eq!(got, want, "data_coding {dc:#04x}");
    }
    let up = sink.received();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].data_coding, 0x48);
}

/// One account filling the reassembly memory with first parts of 255-part
/// messages: refused once its byte cap is hit, the bytes accounted stay
/// within the caps, and another account's concatenated message goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_cannot_fill_the_reassembly_memory() {
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let dir = spam_policy();
    let caps = ByteCaps {
        held: 2 << 20,
        per_account: 1 << 20,
        remembered: 1 << 20,
        remembered_per_account: 1 << 20,
    };
    let proxy = Proxy::new(Config {
        policy: dir.path().to_path_buf(),
        upstream: UpstreamConfig {
            addr: sink.addr.to_string(),
            system_id: "chanrac".into(),
            password: "pw".into(),
            ..Default::default()
        },
        reject_status: REJECT,
        pass_through_login: false,
        state: None,
        fixed_time: Some("2026-03-02T09:15:00+07:00".parse().unwrap()),
        // Held parts leave the window; the refused ones are answered at
        // once, but the flood is sent before reading any answer.
        window: 100_000,
        reassembly_timeout: Duration::from_secs(600),
        reassembly_bytes: caps,
        state_config: Default::default(),
        peer_limits: Default::default(),
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(Arc::clone(&proxy).serve(listener));

    let mut flood = Esme::connect(port).await;
    flood.bind_as("shopvn_care", "secret2", Bind::Tx).await;
    let words: String = "Xin chào quý khách ".repeat(3).chars().take(57).collect();
    let text = ucs2_encode(&words);
    let n: u16 = 4_000;
    for reference in 0..n {
        // 16-bit references: every part a new message.
        let mut sm = vec![0x06, 0x08, 0x04];
        sm.extend_from_slice(&reference.to_be_bytes());
        sm.extend_from_slice(&[255, 1]);
        sm.extend_from_slice(&text);
        flood.send(submit("84912000001", 0x40, 0x08, &sm)).await;
    }
    // Held parts are not answered; refused ones are, at once.
    let mut refused = 0usize;
    while refused + proxy.held_parts() < usize::from(n) {
        let c = flood.recv().await;
        assert_eq!(u32::from(c.status()), status::ESME_RMSGQFUL);
        refused += 1;
    }
    let held = proxy.held_parts();
    assert!(refused > 0 && held > 100, "held {held}, refused {refused}");
    assert!(
        proxy.held_bytes() <= caps.per_account,
        "{}",
        proxy.held_bytes()
    );
    // Most of the account's share is used: the accounting is not a toy.
    assert!(proxy.held_bytes() > caps.per_account / 2);

    // The other account still gets its concatenated message through.
    let mut other = Esme::connect(port).await;
    other.bind_as("shopvn_ad", "secret1", Bind::Tx).await;
    let p2 = other
        .send(ucs2_part("84912000002", 9, 2, 2, " ưu đãi hôm nay"))
        .await;
    let p1 = other
        .send(ucs2_part("84912000002", 9, 2, 1, "[QC] Shop VN:"))
        .await;
    let got = other.answers(2).await;
    assert_eq!(
        got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(),
        [(p2, 0), (p1, 0)]
    );
    assert_eq!(sink.received().len(), 2);
    assert_eq!(proxy.held_parts(), held);
}

mod split {
    //! Splitting any message into parts, in any order and with any spelling
    //! of the recipient, gives the whole message's text and decision.
    use super::*;
    use chanrac::ident::Name;
    use chanrac::{Channel, Engine, Event, Kind, Number, Sender};
    use chanrac_smpp::reassembly::{Insert, Limits, MessageKey, Reassembler, SourceKey};
    use chanrac_smpp::text::message_text;
    use chanrac_smpp::udh::Concat;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "Xin",
        "chào",
        "quý",
        "khách",
        "ưu",
        "đãi",
        "hôm",
        "nay",
        "vay",
        "tiền",
        "nhanh",
        "tien",
        "[QC]",
        "{50%}",
        "😀",
        "gọi",
        "0912000009",
    ];

    fn spellings(n: u32) -> [String; 4] {
        [
            format!("84912{n:06}"),
            format!("0912{n:06}"),
            format!("+84912{n:06}"),
            format!("+84 912 {:03} {:03}", n / 1000, n % 1000),
        ]
    }

    fn engine() -> Engine {
        let dir = spam_policy();
        Engine::new(chanrac_policy::load(dir.path()).unwrap())
    }

    fn verdict(engine: &Engine, text: &str) -> chanrac::Decision {
        let time = "2026-03-02T09:15:00+07:00".parse().unwrap();
        let ev = Event::new(
            time,
            Channel::Sms,
            Kind::Care,
            Sender::Name(Name::parse("SHOPVN").unwrap()),
            Number::parse("84912000001").unwrap(),
        )
        .with_advertiser("shopvn_care")
        .with_text(text);
        engine.check(&ev).decision
    }

    /// A message: words (the spam phrase inserted or not), a coding, the
    /// octet positions it is cut at, the order the parts are sent in, and
    /// the spelling of each part's recipient and sender.
    fn message() -> impl Strategy<Value = (String, u8, Vec<usize>, Vec<usize>, Vec<usize>)> {
        (
            prop::collection::vec(0..WORDS.len(), 0..14),
            any::<Option<prop::sample::Index>>(),
            prop::sample::select(vec![0x00u8, 0x10, 0xF0, 0xC0, 0x08, 0x18, 0x48, 0xE0]),
            1usize..8,
        )
            .prop_flat_map(|(words, spam, dc, parts)| {
                let mut w: Vec<&str> = words.iter().map(|&i| WORDS[i]).collect();
                if let Some(at) = spam {
                    let at = at.index(w.len() + 1);
                    w.insert(at, "Vay tiền nhanh");
                }
                let mut text = w.join(" ");
                let gsm = matches!(dc, 0x00 | 0x10 | 0xF0 | 0xC0);
                if gsm {
                    // GSM 7-bit: the letters without their marks.
                    text = chanrac::content::fold::fold(&text);
                    text.retain(|c| gsm7_encode(&c.to_string()).is_some());
                }
                let len = if gsm {
                    gsm7_encode(&text).map_or(0, |b| b.len())
                } else {
                    ucs2_encode(&text).len()
                };
                (
                    Just(text),
                    Just(dc),
                    prop::collection::vec(0..=len, parts - 1),
                    Just((0..parts).collect::<Vec<_>>()).prop_shuffle(),
                    prop::collection::vec(0usize..4, parts),
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn any_split_any_order_any_spelling_is_the_whole_message(
            (text, dc, mut cuts, order, spelling) in message()
        ) {
            let octets = if matches!(dc, 0x00 | 0x10 | 0xF0 | 0xC0) {
                gsm7_encode(&text).unwrap()
            } else {
                ucs2_encode(&text)
            };
            cuts.sort_unstable();
            let mut bounds = vec![0];
            bounds.extend(cuts);
            bounds.push(octets.len());
            let chunks: Vec<&[u8]> = bounds.windows(2).map(|w| &octets[w[0]..w[1]]).collect();
            let total = u8::try_from(chunks.len()).unwrap();
            let mut r: Reassembler<MessageKey, (u8, Vec<u8>), ()> =
                Reassembler::new(Limits::with_timeout(30_000));
            let senders = ["SHOPVN", "shopvn", "ShopVN", " SHOPVN"];
            let mut whole = None;
            for (n, &i) in order.iter().enumerate() {
                let to = &spellings(1)[spelling[i]];
                let from = senders[spelling[i]];
                let key = MessageKey {
                    source: SourceKey::of(Sender::parse(from).unwrap(), from),
                    destination: Number::parse(to).unwrap(),
                    reference: 7,
                };
                let seq = u8::try_from(i + 1).unwrap();
                // The reference written as an 8- or a 16-bit element.
                let c = Concat { reference: 7, wide: spelling[i] % 2 == 0, total, seq };
                match r.insert(key, "shopvn_care", c, (dc, chunks[i].to_vec()), 10, n as u64) {
                    Insert::Held => prop_assert!(n + 1 < order.len()),
                    Insert::Complete(m) => {
                        prop_assert_eq!(n + 1, order.len());
                        whole = Some(m);
                    }
                    other => prop_assert!(false, "{:?}", other),
                }
            }
            let m = whole.unwrap();
            prop_assert!(m.is_complete());
            let joined = message_text(m.parts.iter().map(|(_, (dc, b))| (*dc, b.as_slice())));
            prop_assert_eq!(&joined, &text);
            let engine = engine();
            prop_assert_eq!(verdict(&engine, &joined), verdict(&engine, &text));
        }
    }

    /// One proxy (in this process, on loopback) for every case of the
    /// end-to-end property.
    struct Shared {
        rt: tokio::runtime::Runtime,
        port: u16,
        sink: Sink,
        next_ref: std::sync::atomic::AtomicU16,
    }

    fn shared() -> &'static Shared {
        static SHARED: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let dir = Box::leak(Box::new(spam_policy()));
            let (port, sink) = rt.block_on(async {
                let sink = Sink::start("127.0.0.1:0").await.unwrap();
                let proxy = Proxy::new(Config {
                    policy: dir.path().to_path_buf(),
                    upstream: UpstreamConfig {
                        addr: sink.addr.to_string(),
                        system_id: "chanrac".into(),
                        password: "pw".into(),
                        ..Default::default()
                    },
                    reject_status: REJECT,
                    pass_through_login: false,
                    state: None,
                    fixed_time: Some("2026-03-02T09:15:00+07:00".parse().unwrap()),
                    window: 10,
                    reassembly_timeout: Duration::from_secs(600),
                    reassembly_bytes: ByteCaps::default(),
                    state_config: Default::default(),
                    peer_limits: Default::default(),
                })
                .unwrap();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let port = listener.local_addr().unwrap().port();
                tokio::spawn(proxy.serve(listener));
                (port, sink)
            });
            Shared {
                rt,
                port,
                sink,
                next_ref: std::sync::atomic::AtomicU16::new(1),
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        /// Through the proxy: every part of a split message, sent in any
        /// order with any spelling of sender and recipient, gets the whole
        /// message's decision, and only an allowed message reaches the SMSC.
        #[test]
        fn through_the_proxy_every_part_gets_the_whole_decision(
            (text, dc, mut cuts, order, spelling) in message()
        ) {
            let sh = shared();
            let octets = if matches!(dc, 0x00 | 0x10 | 0xF0 | 0xC0) {
                gsm7_encode(&text).unwrap()
            } else {
                ucs2_encode(&text)
            };
            cuts.sort_unstable();
            let mut bounds = vec![0];
            bounds.extend(cuts);
            bounds.push(octets.len());
            let chunks: Vec<Vec<u8>> =
                bounds.windows(2).map(|w| octets[w[0]..w[1]].to_vec()).collect();
            let total = u8::try_from(chunks.len()).unwrap();
            let want = match verdict(&engine(), &text) {
                chanrac::Decision::Block => REJECT,
                _ => 0,
            };
            let reference = sh.next_ref.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let before = sh.sink.received().len();
            let got = sh.rt.block_on(async {
                let mut e = Esme::connect(sh.port).await;
                e.bind_as("shopvn_care", "secret2", Bind::Tx).await;
                let senders = ["SHOPVN", "shopvn", "ShopVN", " SHOPVN"];
                for &i in &order {
                    let mut sm = vec![0x06, 0x08, 0x04];
                    sm.extend_from_slice(&reference.to_be_bytes());
                    sm.extend_from_slice(&[total, u8::try_from(i + 1).unwrap()]);
                    sm.extend_from_slice(&chunks[i]);
                    let mut pdu = submit(&spellings(1)[spelling[i]], 0x40, dc, &sm);
                    pdu.source_addr =
                        COctetString::from_string(senders[spelling[i]].into()).unwrap();
                    e.send(pdu).await;
                }
                e.answers(order.len()).await
            });
            prop_assert!(got.iter().all(|g| g.1 == want), "want {}: {:?}", want, got);
            let delivered = sh.sink.received().len() - before;
            prop_assert_eq!(delivered, if want == 0 { order.len() } else { 0 });
        }
    }

    /// The property is not vacuous: the phrase split across parts blocks,
    /// and the parts alone would not.
    #[test]
    fn the_phrase_split_across_parts_blocks_the_whole_only() {
        let engine = engine();
        assert_eq!(
            verdict(&engine, "Xin chào, vay tiền nhanh"),
            chanrac::Decision::Block
        );
        assert_eq!(
            verdict(&engine, "Xin chào, vay tiề"),
            chanrac::Decision::Allow
        );
        assert_eq!(verdict(&engine, "n nhanh"), chanrac::Decision::Allow);
        let spelled: Vec<Number> = spellings(1)
            .iter()
            .map(|s| Number::parse(s).unwrap())
            .collect();
        assert!(spelled.iter().all(|n| *n == spelled[0]));
    }
}
