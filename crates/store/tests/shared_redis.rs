//! The shared state on a real `redis-server` and a real Redis Cluster on
//! loopback: exact caps when many checks race from several "processes"
//! (separate `SharedState`s, each with its own connection and hints),
//! consent and registration marks network-wide, expiry of keys, the fail
//! mode while the store is down, and recovery without a restart.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use chanrac::policy::{Config, ConsentState, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::state::OnFull;
use chanrac::{Channel, Engine, EngineBuilder, Event, Kind, Number, Reason, Sender, Verdict};
use chanrac_store::shared::{SharedConfig, SharedState};
use chanrac_testkit::{RedisCluster, RedisServer};

fn engine() -> Engine {
    let mut reg = RegistryBuilder::new();
    for id in ["02473001234", "BANKVN"] {
        reg.insert(
            chanrac::ident::Identifier::parse(id).unwrap(),
            Registration {
                owner: "bank".into(),
                status: Status::Active,
                valid_from: None,
                valid_until: None,
            },
        )
        .unwrap();
    }
    EngineBuilder::new().build(
        PolicyBuilder::new()
            .registry(reg.build())
            .config(Config {
                require_consent: false,
                ..Config::default()
            })
            .build(),
    )
}

fn config(prefix: &str) -> SharedConfig {
    SharedConfig {
        // Generous: a loaded machine must not turn an exact count into a
        // fail-mode answer (the tests also assert none happened).
        deadline: Duration::from_secs(3),
        prefix: prefix.into(),
        ..SharedConfig::default()
    }
}

/// 2026-03-02 10:00 +07:00.
const T0: i64 = 1_772_420_400;

fn at(s: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(s).unwrap()
}

fn rcpt(i: usize) -> Number {
    Number::parse(&format!("0912{i:06}")).unwrap()
}

fn ad(channel: Channel, r: Number, t: i64) -> Event<'static> {
    let (src, text) = match channel {
        Channel::Sms => ("BANKVN", "[QC] Lai suat uu dai"),
        Channel::Call => ("02473001234", ""),
    };
    Event::new(at(t), channel, Kind::Ad, Sender::parse(src).unwrap(), r)
        .with_advertiser("bank")
        .with_text(text)
}

/// Several "nodes" (each its own engine and `SharedState`) race many tasks
/// over the same pairs; returns the allowed count and every verdict.
async fn race(
    url: &str,
    prefix: &str,
    channel: Channel,
    pairs: usize,
    tries: usize,
) -> (usize, Vec<Verdict>) {
    let nodes: Vec<(Arc<Engine>, SharedState)> = (0..3)
        .map(|_| {
            (
                Arc::new(engine()),
                SharedState::new(url, config(prefix)).unwrap(),
            )
        })
        .collect();
    let mut tasks = Vec::new();
    for (n, (e, s)) in nodes.iter().enumerate() {
        for k in 0..4 {
            let (e, s) = (e.clone(), s.clone());
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                for i in 0..tries {
                    let r = rcpt((i * 7 + k * 13 + n) % pairs);
                    // All at one instant, as live traffic stamped by
                    // synchronised clocks (the packed history is exact
                    // for events in time order).
                    out.push(s.check(&e, &ad(channel, r, T0)).await);
                }
                out
            }));
        }
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let allowed = all.iter().filter(|v| v.decision.is_delivered()).count();
    for v in &all {
        assert!(
            !v.reasons.contains(Reason::StateUnavailable),
            "the store answered every check in time"
        );
        if !v.decision.is_delivered() {
            assert_eq!(
                v.reasons.iter().collect::<Vec<_>>(),
                vec![Reason::Frequency]
            );
        }
    }
    (allowed, all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caps_are_exact_across_nodes_on_one_server() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (calls, all) = race(&redis.url(), "t1", Channel::Call, 40, 60).await;
    assert_eq!(calls, 40, "exactly one ad call per pair across all nodes");
    assert_eq!(all.len(), 3 * 4 * 60);
    let (sms, _) = race(&redis.url(), "t1", Channel::Sms, 40, 60).await;
    assert_eq!(sms, 120, "exactly three ad SMS per pair across all nodes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_and_registration_are_network_wide() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (a, b) = (engine(), engine());
    let sa = SharedState::new(&redis.url(), config("t2")).unwrap();
    let sb = SharedState::new(&redis.url(), config("t2")).unwrap();
    let r = rcpt(1);
    // An opt-out through node A...
    let out = Event::new(
        at(T0),
        Channel::Sms,
        Kind::OptOut,
        Sender::parse("BANKVN").unwrap(),
        r,
    )
    .with_advertiser("bank");
    assert!(sa.check(&a, &out).await.counted);
    // ...refuses the next ad through node B.
    let v = sb.check(&b, &ad(Channel::Sms, r, T0 + 60)).await;
    assert!(v.reasons.contains(Reason::Refused), "{v:?}");
    // The first registration message through B; a second through A repeats.
    let r2 = rcpt(2);
    let reg = |t| {
        Event::new(
            at(t),
            Channel::Sms,
            Kind::Registration,
            Sender::parse("BANKVN").unwrap(),
            r2,
        )
        .with_advertiser("bank")
        .with_text("DKQC nhan tin uu dai")
    };
    let first = sb.check(&b, &reg(T0)).await;
    assert!(first.decision.is_delivered() && first.counted, "{first:?}");
    let second = sa.check(&a, &reg(T0 + 3600)).await;
    assert!(
        second.reasons.contains(Reason::RegistrationRepeat),
        "{second:?}"
    );
    // What is stored decodes as the local table would hold it.
    let st = sa.get("bank", r).await.unwrap().unwrap().state();
    assert_eq!(st.consent.unwrap().state, ConsentState::OptOut);
    assert_eq!(sa.stats().unavailable + sb.stats().unavailable, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_expire_as_the_law_allows_and_never_sooner_than_a_day() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let e = engine();
    let s = SharedState::new(&redis.url(), config("t3")).unwrap();
    // An ad from a log a year old: its key still lives at least 25 h.
    let old = T0 - 365 * 86_400;
    assert!(s.check(&e, &ad(Channel::Call, rcpt(1), old)).await.counted);
    let key = format!("t3:{{bank|{}}}", rcpt(1));
    let pttl = chanrac_testkit::cmd(redis.port(), &["PTTL", &key])
        .unwrap()
        .as_int()
        .unwrap();
    assert!(
        pttl > 24 * 3_600_000 && pttl <= 25 * 3_600_000,
        "pttl {pttl}"
    );
    // An opt-out never expires, even on a pair that had an expiry.
    let out = Event::new(
        at(old + 10),
        Channel::Call,
        Kind::OptOut,
        Sender::parse("02473001234").unwrap(),
        rcpt(1),
    )
    .with_advertiser("bank");
    assert!(s.check(&e, &out).await.counted);
    let pttl = chanrac_testkit::cmd(redis.port(), &["PTTL", &key])
        .unwrap()
        .as_int()
        .unwrap();
    assert_eq!(pttl, -1, "an opt-out is kept for ever");
    // The value is the documented 32 bytes.
    let len = chanrac_testkit::cmd(redis.port(), &["STRLEN", &key])
        .unwrap()
        .as_int()
        .unwrap();
    assert_eq!(len, 32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_store_gives_the_fail_mode_and_checks_resume_when_it_is_back() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let e = engine();
    let mut cfg = config("t4");
    cfg.deadline = Duration::from_millis(300);
    let block = SharedState::new(&redis.url(), cfg.clone()).unwrap();
    let deliver = SharedState::new(
        &redis.url(),
        SharedConfig {
            on_error: OnFull::Deliver,
            ..cfg
        },
    )
    .unwrap();
    assert!(
        block
            .check(&e, &ad(Channel::Call, rcpt(1), T0))
            .await
            .counted
    );
    assert!(
        deliver
            .check(&e, &ad(Channel::Call, rcpt(9), T0))
            .await
            .counted
    );
    redis.kill();
    for i in 0..5 {
        let v = block.check(&e, &ad(Channel::Call, rcpt(2), T0 + i)).await;
        assert_eq!(
            v.reasons.iter().collect::<Vec<_>>(),
            vec![Reason::StateUnavailable]
        );
        assert!(!v.decision.is_delivered() && !v.counted);
        let v = deliver.check(&e, &ad(Channel::Call, rcpt(3), T0 + i)).await;
        assert!(
            v.decision.is_delivered() && !v.counted && v.reasons.is_empty(),
            "{v:?}"
        );
    }
    assert!(block.stats().unavailable >= 5);
    redis.restart();
    // Back (the restarted server is empty): the same node answers again,
    // without a restart, and counts exactly.
    let mut answered = None;
    for _ in 0..100 {
        let v = block.check(&e, &ad(Channel::Call, rcpt(4), T0)).await;
        if !v.reasons.contains(Reason::StateUnavailable) {
            answered = Some(v);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let v = answered.expect("the store answers again once it is back");
    assert!(v.decision.is_delivered() && v.counted);
    let again = block.check(&e, &ad(Channel::Call, rcpt(4), T0 + 1)).await;
    assert_eq!(
        again.reasons.iter().collect::<Vec<_>>(),
        vec![Reason::Frequency]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caps_are_exact_on_a_cluster_and_survive_a_failover() {
    let Some(mut cluster) = RedisCluster::start() else {
        return;
    };
    let seeds = cluster.urls().join(",");
    let (calls, _) = race(&seeds, "t5", Channel::Call, 60, 40).await;
    assert_eq!(calls, 60, "exactly one ad call per pair across all nodes");
    // A single seed URL is enough: the cluster is found by asking it.
    let (sms, _) = race(&cluster.urls()[0], "t5", Channel::Sms, 30, 40).await;
    assert_eq!(sms, 90);
    // Pairs spread over every master (hash tags keep each pair in one slot).
    let slots: std::collections::HashSet<i64> = (0..30)
        .map(|i| {
            let key = format!("t5:{{bank|{}}}", rcpt(i));
            cluster
                .cmd(&["CLUSTER", "KEYSLOT", &key])
                .unwrap()
                .as_int()
                .unwrap()
                / 5462
        })
        .collect();
    assert!(slots.len() > 1, "pairs land on several masters");
    // A master fails over to its replica: after it, checks resume, and
    // what the promoted replica holds still bars a second call.
    cluster.kill_master(0);
    let e = engine();
    let s = SharedState::new(&cluster.urls().join(","), config("t5")).unwrap();
    let mut repeats = 0;
    for i in 0..60 {
        let v = s.check(&e, &ad(Channel::Call, rcpt(i), T0 + 100)).await;
        assert!(!v.reasons.contains(Reason::StateUnavailable), "{v:?}");
        if v.reasons.contains(Reason::Frequency) {
            repeats += 1;
        }
    }
    // Replication is asynchronous: a write acknowledged just before the
    // kill may be missing on the replica; with the race long over, the
    // replica has them all.
    assert_eq!(repeats, 60, "the promoted replicas hold every counted call");
}

/// `rediss://` (TLS, here a self-signed certificate: `#insecure` skips the
/// verification) and a password and ACL user in the URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_and_an_acl_user_in_the_url() {
    // The ACL user: `redis://user:password@host:port`.
    let Some(redis) = RedisServer::start_with(&[
        "--user", "chanrac", "on", ">s3cret", "~*", "+@all", "--user", "default", "off",
    ]) else {
        return;
    };
    let e = engine();
    let url = redis.url().replace("redis://", "redis://chanrac:s3cret@");
    let s = SharedState::new(&url, config("acl")).unwrap();
    assert!(s.check(&e, &ad(Channel::Call, rcpt(1), T0)).await.counted);
    let v = s.check(&e, &ad(Channel::Call, rcpt(1), T0 + 1)).await;
    assert_eq!(
        v.reasons.iter().collect::<Vec<_>>(),
        vec![Reason::Frequency]
    );
    // A wrong password: the fail mode, and a message that hides it.
    let bad = redis.url().replace("redis://", "redis://chanrac:wrong@");
    let s = SharedState::new(&bad, config("acl")).unwrap();
    assert!(!s.display().contains("wrong"), "{}", s.display());
    let v = s.check(&e, &ad(Channel::Call, rcpt(2), T0)).await;
    assert!(v.reasons.contains(Reason::StateUnavailable));

    // TLS: a server with only a TLS port.
    let Some(openssl) = which("openssl") else {
        assert!(
            std::env::var("CHANRAC_REQUIRE_REDIS").is_err(),
            "openssl is needed for the TLS test"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ok = std::process::Command::new(openssl)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(dir.path().join("key.pem"))
        .arg("-out")
        .arg(dir.path().join("cert.pem"))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = std::process::Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--tls-port", &port.to_string(), "--tls-auth-clients", "no"])
        .arg("--tls-cert-file")
        .arg(dir.path().join("cert.pem"))
        .arg("--tls-key-file")
        .arg(dir.path().join("key.pem"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("rediss://127.0.0.1:{port}/#insecure");
    let s = SharedState::new(&url, config("tls")).unwrap();
    let mut connected = false;
    let mut last = String::new();
    for _ in 0..100 {
        match s.connect().await {
            Ok(()) => {
                connected = true;
                break;
            }
            Err(e) => {
                if !last.contains(&e.to_string()) {
                    last.push_str(&format!("{e}; "));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let checked = if connected {
        let first = s.check(&e, &ad(Channel::Call, rcpt(3), T0)).await;
        let second = s.check(&e, &ad(Channel::Call, rcpt(3), T0 + 1)).await;
        Some((first, second))
    } else {
        None
    };
    let _ = server.kill();
    let _ = server.wait();
    let (first, second) = checked.unwrap_or_else(|| panic!("the TLS server answers: {last}"));
    assert!(first.counted, "{first:?}");
    assert_eq!(
        second.reasons.iter().collect::<Vec<_>>(),
        vec![Reason::Frequency]
    );
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}
