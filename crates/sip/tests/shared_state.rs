//! `chanrac-sip --state redis://…`: several processes on one store share
//! the caps. Two real `chanrac-sip` processes on one real `redis-server`
//! (and on a real 6-node Redis Cluster) race for the same pairs: exactly one
//! ad call per pair gets through across both; killing the store gives
//! `603 STATE_UNAVAILABLE` (no crash, no hang) and the answers are right
//! again once it is back, without restarting the responder; a Cluster
//! master failing over to its replica costs at most the checks of the
//! failover. Every store check gets a generous deadline, and exact counts
//! are asserted only where no answer met `STATE_UNAVAILABLE`.
//!
//! Skipped (with a line on standard error) when `redis-server` is not
//! installed, unless `CHANRAC_REQUIRE_REDIS=1`.

#![allow(clippy::panic)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use chanrac_testkit::{RedisCluster, RedisServer};
use common::*;

/// A deadline no loaded test machine reaches while the store is up.
const GENEROUS_MS: &str = "2000";

/// One answer: the call it answers, its status and its `Reason` text.
#[derive(Clone, Debug)]
struct Answer {
    call_id: String,
    callee: String,
    status: u16,
    reason: Option<String>,
}

/// Starts `chanrac-sip` on the store at `url` with a generous deadline
/// (unless `extra` sets one).
fn on_store(policy: &std::path::Path, url: &str, extra: &[&str]) -> Server {
    let mut args = vec!["--state", url];
    if !extra.contains(&"--store-deadline-ms") {
        args.extend(["--store-deadline-ms", GENEROUS_MS]);
    }
    args.extend_from_slice(extra);
    let server = Server::start(policy, &args);
    server.wait_log("shared state store connected", 0);
    server.wait_log("policy consents stored in the shared state", 0);
    server
}

/// Sends the ad calls `calls` (Call-ID, callee) to `server` all at once
/// from one socket, then collects one answer per call, sending the calls
/// still unanswered again (the same transaction, as a switch's Timer A
/// does) every 500 ms, for at most 20 s. Returns the answers by Call-ID.
fn burst(server: SocketAddr, calls: &[(String, String)]) -> HashMap<String, Answer> {
    let client = Client::new(server);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    let me = sock
        .local_addr()
        .unwrap_or_else(|e| panic!("local address: {e}"));
    let invites: Vec<(String, String, String)> = calls
        .iter()
        .map(|(id, callee)| {
            // `Client::invite` writes its own address in `Via`: ours instead.
            let text = client
                .invite(id, 1, AD_CALLER, callee, "")
                .replace(&client.local().to_string(), &me.to_string());
            (id.clone(), callee.clone(), text)
        })
        .collect();
    let mut answers: HashMap<String, Answer> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 65_536];
    while answers.len() < invites.len() {
        assert!(
            Instant::now() < deadline,
            "{} of {} calls unanswered after 20 s",
            invites.len() - answers.len(),
            invites.len()
        );
        for (id, _, text) in invites.iter().filter(|c| !answers.contains_key(&c.0)) {
            sock.send_to(text.as_bytes(), server)
                .unwrap_or_else(|e| panic!("send {id}: {e}"));
        }
        let round = Instant::now() + Duration::from_millis(500);
        while answers.len() < invites.len() && Instant::now() < round {
            let Ok((n, _)) = sock.recv_from(&mut buf) else {
                break;
            };
            let r = String::from_utf8_lossy(&buf[..n]).into_owned();
            let Some(id) = header(&r, "Call-ID").map(str::to_string) else {
                panic!("an answer without Call-ID: {r}");
            };
            let Some((_, callee, _)) = invites.iter().find(|c| c.0 == id) else {
                panic!("an answer to a call never sent: {r}");
            };
            let a = Answer {
                call_id: id.clone(),
                callee: callee.clone(),
                status: status(&r),
                reason: reason_text(&r).map(str::to_string),
            };
            // A retransmission's answer is the first one, byte for byte
            // the same decision.
            if let Some(before) = answers.get(&id) {
                assert_eq!(
                    (before.status, &before.reason),
                    (a.status, &a.reason),
                    "{id}"
                );
            }
            answers.insert(id, a);
        }
    }
    answers
}

/// Sends every server `per` ad calls to each callee in `callees`, all
/// servers at once (one thread each); every answer.
fn race(servers: &[&Server], callees: &[String], per: usize, tag: &str) -> Vec<Answer> {
    let start = Arc::new(Barrier::new(servers.len()));
    let threads: Vec<_> = servers
        .iter()
        .enumerate()
        .map(|(s, server)| {
            let calls: Vec<(String, String)> = callees
                .iter()
                .flat_map(|c| (0..per).map(move |k| (format!("{tag}-{s}-{c}-{k}"), c.clone())))
                .collect();
            let (addr, start) = (server.addr, start.clone());
            thread::spawn(move || {
                start.wait();
                burst(addr, &calls)
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| {
            t.join()
                .unwrap_or_else(|_| panic!("a sender thread failed"))
                .into_values()
        })
        .collect()
}

/// The answers by callee.
fn by_callee(answers: &[Answer]) -> BTreeMap<String, Vec<&Answer>> {
    let mut m: BTreeMap<String, Vec<&Answer>> = BTreeMap::new();
    for a in answers {
        m.entry(a.callee.clone()).or_default().push(a);
    }
    m
}

/// Whether the store failed this call's check: `STATE_UNAVAILABLE` (a
/// check the store does not answer in time), or `NO_CONSENT` for a callee
/// who consented (every callee of these tests), which happens only while
/// the policy's consents are not yet in a store that just came back.
fn unavailable(a: &Answer) -> bool {
    a.reason
        .as_deref()
        .is_some_and(|r| r.contains("STATE_UNAVAILABLE") || r.contains("NO_CONSENT"))
}

/// Exactly one `302` per callee, every other answer `603 FREQUENCY`, none
/// `STATE_UNAVAILABLE`.
fn assert_exactly_one_per_pair(answers: &[Answer], callees: &[String], per_pair: usize) {
    assert!(
        !answers.iter().any(unavailable),
        "an answer met STATE_UNAVAILABLE with a {GENEROUS_MS} ms deadline: {:?}",
        answers.iter().find(|a| unavailable(a))
    );
    let calls: std::collections::HashSet<&str> =
        answers.iter().map(|a| a.call_id.as_str()).collect();
    assert_eq!(calls.len(), answers.len(), "one answer per call");
    let m = by_callee(answers);
    assert_eq!(m.len(), callees.len());
    for (callee, got) in &m {
        assert_eq!(got.len(), per_pair, "{callee}");
        let delivered: Vec<_> = got.iter().filter(|a| a.status == 302).collect();
        assert_eq!(
            delivered.len(),
            1,
            "{callee}: {} ad calls delivered across the processes: {got:?}",
            delivered.len()
        );
        for a in got.iter().filter(|a| a.status != 302) {
            assert_eq!(
                (a.status, a.reason.as_deref()),
                (603, Some("FREQUENCY")),
                "{a:?}"
            );
        }
    }
}

/// The store's key of `shopx`'s pair with `callee` (a national number).
fn pair_key(callee: &str) -> String {
    format!("chanrac:{{shopx|84{}}}", &callee[1..])
}

#[test]
fn two_responders_on_one_store_let_one_ad_call_per_pair_through() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    let a = on_store(policy.path(), &redis.url(), &[]);
    let b = on_store(policy.path(), &redis.url(), &[]);
    let callees: Vec<String> = (0..30).map(consented).collect();

    // Three calls per pair from each process, both processes at once.
    let answers = race(&[&a, &b], &callees, 3, "race");
    assert_exactly_one_per_pair(&answers, &callees, 6);
    // The winners are spread over both processes, and every pair is in
    // the store (not in either process).
    for callee in &callees {
        let exists = chanrac_testkit::cmd(redis.port(), &["EXISTS", &pair_key(callee)])
            .unwrap_or_else(|e| panic!("EXISTS: {e}"));
        assert_eq!(exists.as_int(), Some(1), "{callee}");
    }

    // A restarted responder keeps the caps: the state is the store's.
    drop(a);
    let c = on_store(policy.path(), &redis.url(), &[]);
    let again = race(&[&c, &b], &callees[..5], 1, "again");
    assert_eq!(again.len(), 10);
    for x in &again {
        assert_eq!(
            (x.status, x.reason.as_deref()),
            (603, Some("FREQUENCY")),
            "{x:?}"
        );
    }
    // p2p calls touch no state and are never capped.
    let client = Client::new(b.addr);
    for i in 0..3 {
        let r = client.ask(
            client
                .invite(&format!("p2p-{i}"), 1, P2P_CALLER, &callees[0], "")
                .as_bytes(),
        );
        assert_eq!(status(&r), 302, "{r}");
    }
}

#[test]
fn a_store_killed_mid_traffic_gives_state_unavailable_then_recovers_without_a_restart() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    // No consent needed: the cap is the only rule a call's pair state
    // decides, so a call the store cannot answer has STATE_UNAVAILABLE as
    // its only reason.
    std::fs::write(
        policy.path().join("policy.toml"),
        "require_consent = false\n",
    )
    .unwrap_or_else(|e| panic!("write policy.toml: {e}"));
    // A short deadline: while the store is down each check waits this long.
    let sip = on_store(
        policy.path(),
        &redis.url(),
        &["--store-deadline-ms", "300", "--metrics", "127.0.0.1:0"],
    );
    let client = Client::new(sip.addr);
    let ask = |id: &str, callee: &str| {
        let r = client.ask(client.invite(id, 1, AD_CALLER, callee, "").as_bytes());
        (status(&r), reason_text(&r).map(str::to_string))
    };
    assert_eq!(ask("up-1", &consented(1)), (302, None));

    redis.kill();
    // Every ad call now meets the fail mode (block): 603 STATE_UNAVAILABLE,
    // answered within the deadline, the responder alive.
    for i in 0..5 {
        let (code, reason) = ask(&format!("down-{i}"), &consented(2));
        assert_eq!(
            (code, reason.as_deref()),
            (603, Some("STATE_UNAVAILABLE")),
            "down-{i}"
        );
    }
    // A pair already capped cannot be read either: refused for the store.
    let (code, reason) = ask("down-capped", &consented(1));
    assert_eq!((code, reason.as_deref()), (603, Some("STATE_UNAVAILABLE")));
    // p2p calls need no state.
    let r = client.ask(
        client
            .invite("down-p2p", 1, P2P_CALLER, &consented(2), "")
            .as_bytes(),
    );
    assert_eq!(status(&r), 302, "{r}");

    // Back (empty: no persistence in the test server). The same process
    // answers right again once its connection is back.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut i = 0;
    loop {
        i += 1;
        match ask(&format!("back-{i}"), &consented(3)) {
            (302, None) => break,
            (603, Some(r)) if r == "STATE_UNAVAILABLE" && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(100));
            }
            other => panic!("after the restart: {other:?}"),
        }
    }
    assert_eq!(
        ask("back-capped", &consented(3)),
        (603, Some("FREQUENCY".to_string()))
    );
    // Counted in the metrics.
    let log = sip.log();
    let metrics: SocketAddr = log
        .lines()
        .find_map(|l| l.split("serving metrics on http ").nth(1))
        .and_then(|a| a.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metrics address in the log:\n{log}"));
    let body = http_get(metrics, "/metrics");
    let unavailable = sample(&body, "chanrac_state_store_unavailable_total");
    assert!(unavailable >= 6.0, "{unavailable}\n{body}");
    assert!(
        sample(&body, "chanrac_state_store_checks_total") >= 3.0,
        "{body}"
    );
    chanrac_testkit::promtool_check(&body);
}

#[test]
fn while_the_store_is_slow_other_calls_are_answered_and_a_retransmission_is_checked_once() {
    let Some(redis) = RedisServer::start_with(&["--enable-debug-command", "yes"]) else {
        return;
    };
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    let sip = on_store(
        policy.path(),
        &redis.url(),
        &["--store-deadline-ms", "10000", "--metrics", "127.0.0.1:0"],
    );
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    let me = sock.local_addr().unwrap_or_else(|e| panic!("address: {e}"));
    let client = Client::new(sip.addr);
    let invite = |id: &str, caller: &str, callee: &str| {
        client
            .invite(id, 1, caller, callee, "")
            .replace(&client.local().to_string(), &me.to_string())
    };
    let mut buf = [0u8; 65_536];
    let mut next = |sock: &UdpSocket| {
        let (n, _) = sock
            .recv_from(&mut buf)
            .unwrap_or_else(|e| panic!("no answer: {e}"));
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let send = |text: &str| {
        sock.send_to(text.as_bytes(), sip.addr)
            .unwrap_or_else(|e| panic!("send: {e}"));
    };
    send(&invite("warm", AD_CALLER, &consented(1)));
    assert_eq!(status(&next(&sock)), 302);
    let log = sip.log();
    let metrics: SocketAddr = log
        .lines()
        .find_map(|l| l.split("serving metrics on http ").nth(1))
        .and_then(|a| a.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metrics address in the log:\n{log}"));
    let store_checks = || {
        sample(
            &http_get(metrics, "/metrics"),
            "chanrac_state_store_checks_total",
        )
    };
    let checks_before = store_checks();

    // The store stops answering for 1.5 s (one command holds it).
    let port = redis.port();
    let sleeper = thread::spawn(move || chanrac_testkit::cmd(port, &["DEBUG", "SLEEP", "1.5"]));
    thread::sleep(Duration::from_millis(300));
    // An ad call waits for the store; its retransmissions meanwhile are
    // absorbed; a p2p call (no state) is answered while it waits.
    let slow = invite("slow", AD_CALLER, &consented(2));
    send(&slow);
    thread::sleep(Duration::from_millis(100));
    send(&slow);
    send(&slow);
    send(&invite("quick", P2P_CALLER, &consented(2)));
    let first = next(&sock);
    assert_eq!(
        (header(&first, "Call-ID"), status(&first)),
        (Some("quick"), 302),
        "{first}"
    );
    let second = next(&sock);
    assert_eq!(
        (header(&second, "Call-ID"), status(&second)),
        (Some("slow"), 302),
        "{second}"
    );
    // One answer for the three copies.
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    assert!(sock.recv_from(&mut [0u8; 2048]).is_err(), "a second answer");
    sleeper
        .join()
        .unwrap_or_else(|_| panic!("DEBUG SLEEP"))
        .unwrap_or_else(|e| panic!("DEBUG SLEEP: {e}"));
    // A later retransmission gets the same answer from the cache.
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    send(&slow);
    let again = next(&sock);
    assert_eq!(status(&again), 302, "{again}");
    assert_eq!(again, second, "the same answer, byte for byte");

    let body = http_get(metrics, "/metrics");
    let datagrams = |outcome: &str| {
        sample(
            &body,
            &format!("chanrac_sip_datagrams_total{{outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(datagrams("checked"), 3.0, "{body}");
    assert_eq!(datagrams("retransmission"), 3.0, "{body}");
    // One state step for the slow call's three copies (the p2p call has
    // none).
    assert_eq!(
        sample(&body, "chanrac_state_store_checks_total") - checks_before,
        1.0,
        "{body}"
    );
    assert_eq!(
        sample(&body, "chanrac_state_store_unavailable_total"),
        0.0,
        "{body}"
    );
}

#[test]
fn a_consent_added_to_the_policy_reaches_the_store_on_reload() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    let sip = on_store(policy.path(), &redis.url(), &[]);
    let client = Client::new(sip.addr);
    let newcomer = "0912000199";
    let r = client.ask(
        client
            .invite("before", 1, AD_CALLER, newcomer, "")
            .as_bytes(),
    );
    assert_eq!(
        (status(&r), reason_text(&r)),
        (603, Some("NO_CONSENT")),
        "{r}"
    );

    let seen = sip.log_len();
    let consents = policy.path().join("consents.csv");
    let mut text =
        std::fs::read_to_string(&consents).unwrap_or_else(|e| panic!("read consents: {e}"));
    text.push_str(&format!(
        "shopx,{newcomer},optin,2026-03-01T08:00:00+07:00\n"
    ));
    std::fs::write(&consents, text).unwrap_or_else(|e| panic!("write consents: {e}"));
    sip.signal("HUP");
    sip.wait_log("policy consents stored in the shared state", seen);
    let r = client.ask(
        client
            .invite("after", 1, AD_CALLER, newcomer, "")
            .as_bytes(),
    );
    assert_eq!(status(&r), 302, "{r}");
    // In the store, for every other process too.
    let exists = chanrac_testkit::cmd(redis.port(), &["EXISTS", &pair_key(newcomer)])
        .unwrap_or_else(|e| panic!("EXISTS: {e}"));
    assert_eq!(exists.as_int(), Some(1));
}

#[test]
fn a_store_that_comes_after_the_responder_is_used_once_it_answers() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    redis.kill();
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    // Not an exit: a warning, and calls meet the fail mode meanwhile.
    let sip = Server::start(
        policy.path(),
        &["--state", &redis.url(), "--store-deadline-ms", "300"],
    );
    sip.wait_log("shared state store not answering yet", 0);
    let client = Client::new(sip.addr);
    let callee = consented(5);
    let r = client.ask(client.invite("early", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(status(&r), 603, "{r}");

    // The store comes: the policy's consents are stored (retried in the
    // background), then the consented pair's first ad call goes through.
    redis.restart();
    sip.wait_log("policy consents stored in the shared state", 0);
    let mut i = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        i += 1;
        let r = client.ask(
            client
                .invite(&format!("later-{i}"), 1, AD_CALLER, &callee, "")
                .as_bytes(),
        );
        if status(&r) == 302 {
            break;
        }
        assert!(Instant::now() < deadline, "{r}");
        thread::sleep(Duration::from_millis(100));
    }
    let r = client.ask(
        client
            .invite("capped", 1, AD_CALLER, &callee, "")
            .as_bytes(),
    );
    assert_eq!(
        (status(&r), reason_text(&r)),
        (603, Some("FREQUENCY")),
        "{r}"
    );
}

#[test]
fn two_responders_on_a_cluster_keep_the_cap_through_a_master_failover() {
    let Some(mut cluster) = RedisCluster::start() else {
        return;
    };
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    write_policy(policy.path());
    let seeds = cluster.urls().join(",");
    let a = on_store(policy.path(), &seeds, &[]);
    let b = on_store(policy.path(), &seeds, &[]);

    // Before: exact.
    let before: Vec<String> = (0..12).map(consented).collect();
    let answers = race(&[&a, &b], &before, 2, "before");
    assert_exactly_one_per_pair(&answers, &before, 4);

    // During: calls keep coming while a master dies and its replica takes
    // over. A pair whose answers met STATE_UNAVAILABLE may have lost its
    // one call; a pair whose answers did not is exact.
    let during: Vec<String> = (12..24).map(consented).collect();
    let traffic = {
        let (aa, ba, during) = (a.addr, b.addr, during.clone());
        thread::spawn(move || {
            let mut all = Vec::new();
            for (i, callee) in during.iter().enumerate() {
                let start = Arc::new(Barrier::new(2));
                let ts: Vec<_> = [aa, ba]
                    .into_iter()
                    .enumerate()
                    .map(|(s, addr)| {
                        let calls = vec![(format!("during-{s}-{i}"), callee.clone())];
                        let start = start.clone();
                        thread::spawn(move || {
                            start.wait();
                            burst(addr, &calls)
                        })
                    })
                    .collect();
                for t in ts {
                    all.extend(
                        t.join()
                            .unwrap_or_else(|_| panic!("a sender failed"))
                            .into_values(),
                    );
                }
                thread::sleep(Duration::from_millis(250));
            }
            all
        })
    };
    thread::sleep(Duration::from_millis(500));
    let promoted = cluster.kill_master(0);
    let during_answers = traffic
        .join()
        .unwrap_or_else(|_| panic!("the traffic thread failed"));
    eprintln!(
        "during the failover: {} of {} answers met the store's failure",
        during_answers.iter().filter(|a| unavailable(a)).count(),
        during_answers.len()
    );
    for (callee, got) in by_callee(&during_answers) {
        let delivered = got.iter().filter(|a| a.status == 302).count();
        if got.iter().any(|a| unavailable(a)) {
            assert!(delivered <= 1, "{callee}: {got:?}");
        } else {
            assert_eq!(delivered, 1, "{callee}: {got:?}");
        }
    }

    // After: both processes' checks resume by themselves (no restart)...
    let deadline = Instant::now() + Duration::from_secs(30);
    for (s, server) in [&a, &b].into_iter().enumerate() {
        let client = Client::new(server.addr);
        let mut i = 0;
        loop {
            i += 1;
            let callee = consented(38 + s as u32);
            let r = client.ask(
                client
                    .invite(&format!("probe-{s}-{i}"), 1, AD_CALLER, &callee, "")
                    .as_bytes(),
            );
            let failed = reason_text(&r)
                .is_some_and(|t| t.contains("STATE_UNAVAILABLE") || t.contains("NO_CONSENT"));
            if !failed {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "process {s}: still STATE_UNAVAILABLE 30 s after the failover to {promoted}"
            );
            thread::sleep(Duration::from_millis(200));
        }
    }
    // ... exact again, on every slot, the promoted replica's included ...
    let after: Vec<String> = (24..36).map(consented).collect();
    let answers = race(&[&a, &b], &after, 2, "after");
    assert_exactly_one_per_pair(&answers, &after, 4);
    // ... and the pairs counted before the failover are still capped.
    let again = race(&[&a, &b], &before, 1, "capped");
    for x in &again {
        assert_eq!(
            (x.status, x.reason.as_deref()),
            (603, Some("FREQUENCY")),
            "{x:?}"
        );
    }
}

/// `GET path` over HTTP/1.1: the body.
fn http_get(addr: SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s =
        std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut out = String::new();
    s.read_to_string(&mut out)
        .unwrap_or_else(|e| panic!("read: {e}"));
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// The value of the sample named exactly `series`, 0 when absent.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}
