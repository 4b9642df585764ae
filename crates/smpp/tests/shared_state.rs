//! `chanrac-smpp --state redis://…`: several proxies on one store share the
//! caps, the consent ledger and the registration marks. Two real
//! `chanrac-smpp` processes (each with its own SMSC login, one sink SMSC)
//! on one real `redis-server`, and on a real 6-node Redis Cluster, race for
//! the same pairs: exactly three ad SMS per pair get through across both;
//! an opt-out received through one refuses the next ad through the other; a
//! registration message is first-and-only across both. Killing the store
//! blocks ads with `STATE_UNAVAILABLE` (the reject status), answers a
//! reply whose consent cannot be stored with `ESME_RX_T_APPN`, and the
//! same process answers right again once the store is back. Every check
//! gets a generous deadline, and the metrics show that none met
//! `STATE_UNAVAILABLE` where exact counts are asserted.
//!
//! Skipped (with a line on standard error) when `redis-server` is not
//! installed, unless `CHANRAC_REQUIRE_REDIS=1`.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use chanrac_smpp::pdu::status;
use chanrac_smpp::sink::Sink;
use chanrac_testkit::{RedisCluster, RedisServer};
use common::{
    ad, data_sm, metrics_addr, multi, payload, sme, until, value, Bind, Esme, ProxyProcess,
};
use rusmpp::{Command, Pdu};

/// A deadline no loaded test machine reaches while the store is up.
const GENEROUS_MS: &str = "2000";
/// Submits in flight per session (the proxy's default window).
const WINDOW: usize = 10;
/// The reject status (the proxy's default).
const REJECT: u32 = status::ESME_RSUBMITFAIL;

/// A recipient who consented to `shopvn`'s ads: `849130000NN`.
fn recipient(i: u32) -> String {
    format!("849130000{i:02}")
}

/// A policy for one proxy: the ad account `shopvn_ad` of `shopvn`, whose
/// sessions to the SMSC log in as `login` (each proxy its own, so a
/// subscriber's message reaches the proxy the test means), the brandname
/// `SHOPVN`, 40 consented recipients, and `policy_toml`.
fn policy(login: &str, policy_toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, body: &str| std::fs::write(dir.path().join(name), body).unwrap();
    w(
        "accounts.csv",
        &format!(
            "account,advertiser,class,password,upstream_system_id,upstream_password\n\
             shopvn_ad,shopvn,ad,secret1,{login},up\n"
        ),
    );
    w(
        "brandnames.csv",
        "identifier,advertiser,status,valid_from,valid_until\nSHOPVN,shopvn,active,2025-01-01,\n",
    );
    let mut consents = String::from("advertiser,recipient,state,time\n");
    for i in 0..40 {
        consents.push_str(&format!(
            "shopvn,{},optin,2026-01-01T00:00:00+07:00\n",
            recipient(i)
        ));
    }
    w("consents.csv", &consents);
    w("policy.toml", policy_toml);
    dir
}

/// Starts a proxy on the store `url` with a generous deadline (unless
/// `extra` sets one) and metrics; waits until the policy's consents are in
/// the store.
async fn on_store(
    policy: &std::path::Path,
    sink: &Sink,
    url: &str,
    extra: &[&str],
) -> ProxyProcess {
    let mut args = vec!["--state", url, "--metrics", "127.0.0.1:0"];
    if !extra.contains(&"--store-deadline-ms") {
        args.extend(["--store-deadline-ms", GENEROUS_MS]);
    }
    args.extend_from_slice(extra);
    let p = ProxyProcess::start(policy, sink.addr, &args).await;
    until(|| {
        p.stderr()
            .contains("policy consents stored in the shared state")
    })
    .await;
    p
}

/// An ESME bound as a transceiver to `shopvn_ad`.
impl Esme {
    async fn bound(port: u16) -> Esme {
        Esme::login(port, "shopvn_ad", "secret1", Bind::Trx).await
    }

    /// The answer to request `seq` (a `deliver_sm` meanwhile is
    /// acknowledged).
    async fn answer(&mut self, seq: u32) -> Command {
        loop {
            let c = self.recv().await;
            if let Some(Pdu::DeliverSm(_)) = c.pdu() {
                self.ack(&c, status::ESME_ROK).await;
                continue;
            }
            assert_eq!(c.sequence_number(), seq, "{c:?}");
            return c;
        }
    }

    /// Submits every (recipient, text) from `SHOPVN`, [`WINDOW`] at a time;
    /// the status of each. A `deliver_sm` meanwhile is acknowledged.
    async fn submit_all(&mut self, msgs: &[(String, String)]) -> Vec<u32> {
        let mut statuses = vec![None; msgs.len()];
        for start in (0..msgs.len()).step_by(WINDOW) {
            let mut waiting = HashMap::new();
            for (i, (to, text)) in msgs.iter().enumerate().skip(start).take(WINDOW) {
                let seq = self.send(ad(to, text)).await;
                waiting.insert(seq, i);
            }
            while !waiting.is_empty() {
                let c = self.recv().await;
                match c.pdu() {
                    Some(Pdu::SubmitSmResp(_)) => {
                        if let Some(i) = waiting.remove(&c.sequence_number()) {
                            statuses[i] = Some(u32::from(c.status()));
                        }
                    }
                    Some(Pdu::DeliverSm(_)) => self.ack(&c, status::ESME_ROK).await,
                    _ => {}
                }
            }
        }
        statuses.into_iter().map(Option::unwrap).collect()
    }

    /// One message's status.
    async fn submit(&mut self, to: &str, text: &str) -> u32 {
        self.submit_all(&[(to.to_string(), text.to_string())]).await[0]
    }

    /// Waits for the next `deliver_sm`, acknowledges it; its text and
    /// source.
    async fn delivered(&mut self) -> (String, String) {
        loop {
            let c = self.recv().await;
            let Some(Pdu::DeliverSm(ds)) = c.pdu() else {
                continue;
            };
            let raw: &[u8] = ds.short_message().as_ref();
            let text = chanrac_smpp::text::decode(u8::from(ds.data_coding), raw);
            let from = ds.source_addr.as_str().to_string();
            self.ack(&c, status::ESME_ROK).await;
            return (text, from);
        }
    }
}

/// The proxy's `/metrics`.
async fn metrics(p: &ProxyProcess) -> String {
    let addr = metrics_addr(p).await;
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.split_once("\r\n\r\n").unwrap().1.to_string()
    })
    .await
    .unwrap()
}

/// How many checks met `STATE_UNAVAILABLE`, by the proxy's metrics.
async fn unavailable(p: &ProxyProcess) -> f64 {
    value(&metrics(p).await, "chanrac_state_store_unavailable_total")
}

/// Sends `per` ads to each recipient through each of the two ESMEs (each
/// on its own proxy), both at once; the statuses by recipient.
async fn race(
    esmes: &mut [Esme; 2],
    recipients: &[String],
    per: usize,
    tag: &str,
) -> BTreeMap<String, Vec<u32>> {
    let msgs = |s: usize| -> Vec<(String, String)> {
        recipients
            .iter()
            .flat_map(|r| (0..per).map(move |k| (r.clone(), format!("[QC] Ưu đãi {tag} {s} {k}"))))
            .collect()
    };
    let (ma, mb) = (msgs(0), msgs(1));
    let [ea, eb] = esmes;
    let (sa, sb) = tokio::join!(ea.submit_all(&ma), eb.submit_all(&mb));
    let mut by: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for ((to, _), st) in ma.iter().zip(sa).chain(mb.iter().zip(sb)) {
        by.entry(to.clone()).or_default().push(st);
    }
    by
}

/// Exactly three ad SMS per recipient went through across the proxies
/// (`ESME_ROK`), every other one got the reject status, and the SMSC
/// received exactly three per recipient.
fn assert_three_per_pair(by: &BTreeMap<String, Vec<u32>>, sent: usize, sink: &Sink, before: usize) {
    for (to, st) in by {
        assert_eq!(st.len(), sent, "{to}");
        let ok = st.iter().filter(|&&s| s == status::ESME_ROK).count();
        assert_eq!(
            ok, 3,
            "{to}: {ok} ad SMS through across the proxies: {st:?}"
        );
        assert!(
            st.iter().all(|&s| s == status::ESME_ROK || s == REJECT),
            "{to}: {st:?}"
        );
    }
    let received = sink.received();
    let received = &received[before..];
    for to in by.keys() {
        let n = received.iter().filter(|r| &r.destination == to).count();
        assert_eq!(n, 3, "{to}: the SMSC received {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_proxies_on_one_store_let_three_ad_sms_per_pair_through() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let (pa, pb) = (policy("smsc_a", ""), policy("smsc_b", ""));
    let a = on_store(pa.path(), &sink, &redis.url(), &[]).await;
    let b = on_store(pb.path(), &sink, &redis.url(), &[]).await;
    let mut esmes = [Esme::bound(a.port).await, Esme::bound(b.port).await];
    let recipients: Vec<String> = (0..20).map(recipient).collect();

    // Five ads per pair through each proxy, both at once.
    let by = race(&mut esmes, &recipients, 5, "race").await;
    assert_eq!(unavailable(&a).await + unavailable(&b).await, 0.0);
    assert_three_per_pair(&by, 10, &sink, 0);

    // The counts are the store's: a proxy started now refuses them too.
    drop(a);
    let c = on_store(pa.path(), &sink, &redis.url(), &[]).await;
    let mut esme = Esme::bound(c.port).await;
    for to in &recipients[..5] {
        assert_eq!(esme.submit(to, "[QC] Ưu đãi lại").await, REJECT, "{to}");
    }
    // The store's counters are served, and the metrics pass promtool.
    let m = metrics(&c).await;
    assert!(value(&m, "chanrac_state_store_checks_total") >= 5.0, "{m}");
    assert_eq!(
        value(&m, "chanrac_state_store_unavailable_total"),
        0.0,
        "{m}"
    );
    chanrac_testkit::promtool_check(&m);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_message_counts_in_the_store() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let (pa, pb) = (policy("smsc_a", ""), policy("smsc_b", ""));
    let a = on_store(pa.path(), &sink, &redis.url(), &[]).await;
    let b = on_store(pb.path(), &sink, &redis.url(), &[]).await;
    let mut at_a = Esme::bound(a.port).await;
    let mut at_b = Esme::bound(b.port).await;
    let (r, other) = (recipient(11), recipient(12));

    // Through A: a submit_sm, a data_sm, and a message of two data_sm
    // joined by SAR TLVs (checked and counted once): three ad SMS.
    assert_eq!(at_a.submit(&r, "[QC] Một").await, status::ESME_ROK);
    let seq = at_a
        .send_with_tlvs(data_sm(&r), &payload("[QC] Hai", None))
        .await;
    let c = at_a.answer(seq).await;
    assert!(matches!(c.pdu(), Some(Pdu::DataSmResp(_))), "{c:?}");
    assert_eq!(u32::from(c.status()), status::ESME_ROK);
    let p1 = at_a
        .send_with_tlvs(data_sm(&r), &payload("[QC] Ba, phần ", Some((0x77, 2, 1))))
        .await;
    let p2 = at_a
        .send_with_tlvs(data_sm(&r), &payload("một và hai", Some((0x77, 2, 2))))
        .await;
    let mut got = HashMap::new();
    for _ in 0..2 {
        let c = at_a.recv().await;
        got.insert(c.sequence_number(), u32::from(c.status()));
    }
    assert_eq!(got.get(&p1), Some(&status::ESME_ROK), "{got:?}");
    assert_eq!(got.get(&p2), Some(&status::ESME_ROK), "{got:?}");

    // Through B, whose own table never saw the pair: a submit_multi to it
    // and to another recipient delivers the other only.
    let seq = at_b
        .send(multi(vec![sme(&r), sme(&other)], "[QC] Bốn"))
        .await;
    let c = at_b.answer(seq).await;
    assert_eq!(u32::from(c.status()), status::ESME_ROK, "{c:?}");
    let Some(Pdu::SubmitMultiResp(resp)) = c.pdu() else {
        panic!("not a submit_multi_resp: {c:?}")
    };
    let failed: Vec<(String, u32)> = resp
        .unsuccess_sme()
        .iter()
        .map(|u| {
            (
                u.destination_addr.as_str().to_string(),
                u32::from(u.error_status_code),
            )
        })
        .collect();
    assert_eq!(failed, [(r.clone(), REJECT)]);
    // A data_sm and a submit_sm through B: refused too.
    let seq = at_b
        .send_with_tlvs(data_sm(&r), &payload("[QC] Năm", None))
        .await;
    assert_eq!(u32::from(at_b.answer(seq).await.status()), REJECT);
    assert_eq!(at_b.submit(&r, "[QC] Sáu").await, REJECT);
    // The SMSC got the three counted messages (four parts) and the other
    // recipient's one.
    let to_r = sink
        .received()
        .iter()
        .filter(|g| g.destination == r)
        .count();
    assert_eq!(to_r, 4);
    assert_eq!(unavailable(&a).await + unavailable(&b).await, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opt_out_and_a_registration_through_one_proxy_hold_on_the_other() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let (pa, pb) = (policy("smsc_a", ""), policy("smsc_b", ""));
    let a = on_store(pa.path(), &sink, &redis.url(), &[]).await;
    let b = on_store(pb.path(), &sink, &redis.url(), &[]).await;
    let mut at_a = Esme::bound(a.port).await;
    let mut at_b = Esme::bound(b.port).await;
    until(|| sink.sessions_bound("smsc_a") > 0).await;

    // The subscriber consented: an ad through B goes through.
    let subscriber = recipient(7);
    assert_eq!(
        at_b.submit(&subscriber, "[QC] Ưu đãi").await,
        status::ESME_ROK
    );
    // They reply "TC" (refuse) to the advertiser; the reply comes in
    // through A.
    let mo = {
        let (sink, from) = (sink.clone(), subscriber.clone());
        tokio::spawn(async move { sink.deliver_mo("smsc_a", &from, "9029", "TC").await })
    };
    let (text, from) = at_a.delivered().await;
    assert_eq!((text.as_str(), from.as_str()), ("TC", subscriber.as_str()));
    assert_eq!(mo.await.unwrap(), Some(status::ESME_ROK));
    // The next ad through B is refused (REFUSED), never forwarded.
    let forwarded = sink.received().len();
    assert_eq!(at_b.submit(&subscriber, "[QC] Ưu đãi hai").await, REJECT);
    assert_eq!(sink.received().len(), forwarded);
    until(|| b.stderr().contains("REFUSED")).await;

    // A registration message through A; a second one to the same
    // subscriber through B is a repeat.
    let new = "84913999001";
    let reg = "DKQC ShopVN tra loi CO de nhan uu dai";
    assert_eq!(at_a.submit(new, reg).await, status::ESME_ROK);
    assert_eq!(at_b.submit(new, reg).await, REJECT);
    until(|| b.stderr().contains("REGISTRATION_REPEAT")).await;
    assert_eq!(at_a.submit(new, reg).await, REJECT);
    assert_eq!(unavailable(&a).await + unavailable(&b).await, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_store_blocks_ads_and_retries_replies_then_recovers_without_a_restart() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    // No consent needed: the cap is the only rule an ad's pair state
    // decides, so an ad the store cannot answer has STATE_UNAVAILABLE as
    // its only reason.
    let pa = policy("smsc_a", "require_consent = false\n");
    let a = on_store(
        pa.path(),
        &sink,
        &redis.url(),
        &["--store-deadline-ms", "300"],
    )
    .await;
    let mut esme = Esme::bound(a.port).await;
    until(|| sink.sessions_bound("smsc_a") > 0).await;
    assert_eq!(
        esme.submit(&recipient(1), "[QC] Một").await,
        status::ESME_ROK
    );

    redis.kill();
    // Ads get the reject status (STATE_UNAVAILABLE), within the deadline.
    for i in 0..4 {
        assert_eq!(
            esme.submit(&recipient(2), &format!("[QC] Hai {i}")).await,
            REJECT
        );
    }
    let m = metrics(&a).await;
    assert!(
        value(&m, "chanrac_state_store_unavailable_total") >= 4.0,
        "{m}"
    );
    assert!(
        value(
            &m,
            "chanrac_check_reasons_total{channel=\"sms\",kind=\"ad\",reason=\"STATE_UNAVAILABLE\",decision=\"block\"}"
        ) >= 4.0,
        "{m}"
    );
    let forwarded = sink.received().len();
    // A subscriber's refusal cannot be stored: the SMSC is told to deliver
    // it again (ESME_RX_T_APPN), and the ESME does not see it yet.
    let subscriber = recipient(3);
    assert_eq!(
        sink.deliver_mo("smsc_a", &subscriber, "9029", "TC").await,
        Some(status::ESME_RX_T_APPN)
    );

    // Back (empty: the test server keeps nothing). The same process
    // answers right again once its connection is back.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut i = 0;
    loop {
        i += 1;
        match esme.submit(&recipient(4), &format!("[QC] Bốn {i}")).await {
            status::ESME_ROK => break,
            REJECT if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("after the restart: status {other:#x}"),
        }
    }
    assert_eq!(sink.received().len(), forwarded + 1);
    // The SMSC delivers the refusal again: now it is stored, and the
    // subscriber's next ad is refused.
    let mo = {
        let (sink, from) = (sink.clone(), subscriber.clone());
        tokio::spawn(async move { sink.deliver_mo("smsc_a", &from, "9029", "TC").await })
    };
    let (text, _) = esme.delivered().await;
    assert_eq!(text, "TC");
    assert_eq!(mo.await.unwrap(), Some(status::ESME_ROK));
    assert_eq!(esme.submit(&subscriber, "[QC] Năm").await, REJECT);
    until(|| a.stderr().contains("REFUSED")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_and_monitor_forward_uncounted_while_the_store_is_down() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    redis.kill();
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let pa = policy("smsc_a", "require_consent = false\n");
    let url = redis.url();
    // Started while the store is down: a warning, not an exit.
    let deliver = ProxyProcess::start(
        pa.path(),
        sink.addr,
        &[
            "--state",
            &url,
            "--store-deadline-ms",
            "300",
            "--on-store-error",
            "deliver",
        ],
    )
    .await;
    assert!(
        deliver
            .stderr()
            .contains("shared state store not answering yet"),
        "{}",
        deliver.stderr()
    );
    let monitor = ProxyProcess::start(
        pa.path(),
        sink.addr,
        &[
            "--state",
            &url,
            "--store-deadline-ms",
            "300",
            "--mode",
            "monitor",
        ],
    )
    .await;
    let block = ProxyProcess::start(
        pa.path(),
        sink.addr,
        &["--state", &url, "--store-deadline-ms", "300"],
    )
    .await;
    let r = recipient(20);
    // Four ads to one pair through each: `deliver` and monitor forward
    // them all (uncounted, so no cap applies), `block` none.
    for (p, want) in [
        (&deliver, status::ESME_ROK),
        (&monitor, status::ESME_ROK),
        (&block, REJECT),
    ] {
        let mut e = Esme::bound(p.port).await;
        for i in 0..4 {
            assert_eq!(e.submit(&r, &format!("[QC] Ưu đãi {i}")).await, want);
        }
    }
    assert_eq!(
        sink.received()
            .iter()
            .filter(|g| g.destination == r)
            .count(),
        8
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_proxies_on_a_cluster_let_three_ad_sms_per_pair_through_a_failover() {
    let Some(cluster) = RedisCluster::start() else {
        return;
    };
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let seeds = cluster.urls().join(",");
    let (pa, pb) = (policy("smsc_a", ""), policy("smsc_b", ""));
    let a = on_store(pa.path(), &sink, &seeds, &[]).await;
    let b = on_store(pb.path(), &sink, &seeds, &[]).await;
    let mut esmes = [Esme::bound(a.port).await, Esme::bound(b.port).await];
    let recipients: Vec<String> = (0..20).map(recipient).collect();
    let by = race(&mut esmes, &recipients, 4, "cluster").await;
    assert_eq!(unavailable(&a).await + unavailable(&b).await, 0.0);
    assert_three_per_pair(&by, 8, &sink, 0);
    // The pairs are spread over the cluster's masters.
    let mut masters = std::collections::HashSet::new();
    for to in &recipients {
        let key = format!("chanrac:{{shopvn|{to}}}");
        let slot = cluster
            .cmd(&["CLUSTER", "KEYSLOT", &key])
            .unwrap()
            .as_int()
            .unwrap();
        masters.insert(slot * 3 / 16384);
        assert_eq!(
            cluster.cmd(&["EXISTS", &key]).unwrap().as_int(),
            Some(1),
            "{key}"
        );
    }
    assert!(masters.len() > 1, "{masters:?}");

    // A master dies while ads keep coming; its replica takes over. An ad
    // the store did not answer was refused (and may or may not have been
    // counted), so a pair never gets more than three.
    let failover = tokio::task::spawn_blocking(move || {
        let mut cluster = cluster;
        let promoted = cluster.kill_master(0);
        (cluster, promoted)
    });
    let mut during = BTreeMap::new();
    let mut next = 20;
    while !failover.is_finished() && next < 30 {
        let pair = vec![recipient(next), recipient(next + 1)];
        next += 2;
        for (to, st) in race(&mut esmes, &pair, 2, "during").await {
            during.insert(to, st);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    eprintln!(
        "during the failover: {} of {} ads refused",
        during.values().flatten().filter(|&&s| s == REJECT).count(),
        during.values().flatten().count()
    );
    let (_cluster, promoted) = failover.await.unwrap();
    for (to, st) in &during {
        let ok = st.iter().filter(|&&s| s == status::ESME_ROK).count();
        assert!(ok <= 3, "{to}: {ok} through: {st:?}");
    }
    // Both proxies' checks resume by themselves (no restart) ...
    for (i, e) in esmes.iter_mut().enumerate() {
        let to = recipient(38 + i as u32);
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut k = 0;
        while e.submit(&to, &format!("[QC] Thử {k}")).await != status::ESME_ROK {
            assert!(
                Instant::now() < deadline,
                "proxy {i}: no ad through 30 s after the failover to {promoted}"
            );
            k += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // ... and are exact again on every slot, the promoted replica's too.
    let before = unavailable(&a).await + unavailable(&b).await;
    let after: Vec<String> = (30..36).map(recipient).collect();
    let sent = sink.received().len();
    let by = race(&mut esmes, &after, 4, "after").await;
    assert_eq!(unavailable(&a).await + unavailable(&b).await, before);
    assert_three_per_pair(&by, 8, &sink, sent);
}

/// On a shared store too, an ad the SMSC refused (throttled) after the
/// check allowed it has its count given back in the store, so the
/// gateway's resends are not refused by the three-a-day cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ads_the_smsc_throttled_are_given_back_in_the_store() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sink = Sink::start("127.0.0.1:0").await.unwrap();
    let pa = policy("smsc_a", "");
    let p = on_store(pa.path(), &sink, &redis.url(), &[]).await;
    let mut esme = Esme::bound(p.port).await;
    let to = recipient(30);
    assert_eq!(esme.submit(&to, "[QC] Ưu đãi").await, status::ESME_ROK);
    sink.refuse_next(4, status::ESME_RTHROTTLED);
    for _ in 0..4 {
        assert_eq!(
            esme.submit(&to, "[QC] Ưu đãi").await,
            status::ESME_RTHROTTLED
        );
    }
    assert_eq!(esme.submit(&to, "[QC] Ưu đãi").await, status::ESME_ROK);
    assert_eq!(esme.submit(&to, "[QC] Ưu đãi").await, status::ESME_ROK);
    assert_eq!(esme.submit(&to, "[QC] Ưu đãi").await, REJECT);
    assert_eq!(sink.received().len(), 3);
}
