//! The DNC stream on a real `redis-server` on loopback: what a publisher
//! appends, a follower applies to its engine, in order, from its position;
//! a malformed entry is skipped; a follower comes back by itself when the
//! store is killed and restarted; a blocking follower stops when asked.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chanrac::dnc::{DncChange, Scopes};
use chanrac::{Engine, Number, Policy};
use chanrac_store::shared::dnc::{
    BlockingFollower, DncEntry, EntryId, FollowConfig, FollowStatus, Follower, Publisher,
};
use chanrac_testkit::RedisServer;

fn n(s: &str) -> Number {
    Number::parse(s).unwrap()
}

fn entry(number: &str, change: DncChange) -> DncEntry {
    DncEntry {
        number: n(number),
        change,
        time: Some("2026-03-02T02:15:00Z".parse().unwrap()),
        source: "operator".into(),
    }
}

fn publisher(url: &str, prefix: &str) -> Publisher {
    Publisher::connect(url, prefix, Duration::from_secs(3)).unwrap()
}

/// Waits (at most 20 s) until the follower has applied up to `id`.
fn wait_for(status: &FollowStatus, id: EntryId) {
    let until = Instant::now() + Duration::from_secs(20);
    while status.position() < id {
        assert!(
            Instant::now() < until,
            "the follower stayed at {} (waiting for {id})",
            status.position()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_follower_applies_what_is_published_in_order_and_comes_back_after_a_restart() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let mut p = publisher(&url, "t1");
    assert_eq!(p.key(), "t1:dnc");
    let ids = p
        .publish(&[
            entry("0912345678", DncChange::Add(Scopes::ALL)),
            entry("0912345678", DncChange::Remove(Scopes::SMS)),
            entry("0900000001", DncChange::Add(Scopes::SMS)),
        ])
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // Another implementation's entry, and a malformed one.
    let raw = chanrac_testkit::cmd(
        redis.port(),
        &[
            "XADD",
            "t1:dnc",
            "*",
            "scope",
            "call",
            "change",
            "add",
            "number",
            "+84 987 654 321",
            "source",
            "crm",
        ],
    )
    .unwrap();
    assert!(raw.as_str().is_some(), "{raw:?}");
    let bad = chanrac_testkit::cmd(
        redis.port(),
        &[
            "XADD",
            "t1:dnc",
            "*",
            "number",
            "0911111111",
            "change",
            "shout",
            "scope",
            "all",
        ],
    )
    .unwrap();
    let bad = EntryId::parse(bad.as_str().unwrap()).unwrap();

    let engine = Arc::new(Engine::new(Policy::default()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let follower = Follower::new(
        &url,
        FollowConfig {
            prefix: "t1".into(),
            block: Duration::from_millis(200),
            ..FollowConfig::default()
        },
    )
    .unwrap();
    let status = follower.status();
    let task = rt.spawn(follower.follow(engine.clone()));
    wait_for(&status, bad);
    assert_eq!((status.applied(), status.skipped()), (4, 1));
    let dnc = engine.dnc();
    assert_eq!(dnc.get(n("0912345678")), Scopes::CALL);
    assert_eq!(dnc.get(n("0900000001")), Scopes::SMS);
    assert_eq!(dnc.get(n("0987654321")), Scopes::CALL);
    assert!(dnc.get(n("0911111111")).is_empty());
    assert!(status.connected());

    // The whole stream, as `chanrac build --dnc-stream` reads it.
    let all = p.read_all().unwrap();
    assert_eq!((all.entries, all.skipped, all.last), (5, 1, bad));
    assert_eq!(all.changes.len(), 4);
    assert_eq!(&*all.mark().key, "t1:dnc");
    assert_eq!(&*all.mark().id, bad.to_string());

    // The store goes away and comes back (empty: no persistence here).
    redis.kill();
    let until = Instant::now() + Duration::from_secs(20);
    while status.connected() {
        assert!(Instant::now() < until, "the follower never noticed");
        std::thread::sleep(Duration::from_millis(20));
    }
    redis.restart();
    let mut p = publisher(&url, "t1");
    let ids = p
        .publish(&[entry("0922222222", DncChange::Add(Scopes::CALL))])
        .unwrap();
    wait_for(&status, ids[0]);
    assert_eq!(engine.dnc().get(n("0922222222")), Scopes::CALL);
    assert_eq!(status.applied(), 5);
    task.abort();
}

#[test]
fn a_follower_starts_after_its_position_and_a_blocking_one_stops_when_asked() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let mut p = publisher(&url, "t2");
    let first = p
        .publish(&[entry("0912345678", DncChange::Add(Scopes::ALL))])
        .unwrap();
    let later = p
        .publish(&[entry("0900000001", DncChange::Add(Scopes::CALL))])
        .unwrap();

    let engine = Engine::new(Policy::default());
    let follower = Arc::new(
        BlockingFollower::new(
            &url,
            FollowConfig {
                prefix: "t2".into(),
                from: first[0],
                block: Duration::from_millis(100),
                ..FollowConfig::default()
            },
        )
        .unwrap(),
    );
    let status = follower.status();
    assert_eq!(status.position(), first[0]);
    std::thread::scope(|s| {
        let f = follower.clone();
        let engine = &engine;
        let runner = s.spawn(move || f.run(|c| engine.update_dnc(c)));
        wait_for(&status, later[0]);
        // Entries up to the position were not read again.
        assert!(engine.dnc().get(n("0912345678")).is_empty());
        assert_eq!(engine.dnc().get(n("0900000001")), Scopes::CALL);
        let more = p
            .publish(&[entry("0900000001", DncChange::Remove(Scopes::CALL))])
            .unwrap();
        wait_for(&status, more[0]);
        assert!(engine.dnc().get(n("0900000001")).is_empty());
        follower.stop();
        runner.join().unwrap().unwrap();
    });
    assert_eq!(status.applied(), 2);

    // A key that is not a stream: an error retrying cannot fix, returned.
    chanrac_testkit::cmd(redis.port(), &["SET", "t3:dnc", "x"]).unwrap();
    let wrong = BlockingFollower::new(
        &url,
        FollowConfig {
            prefix: "t3".into(),
            ..FollowConfig::default()
        },
    )
    .unwrap();
    let e = wrong.run(|_| {}).unwrap_err();
    assert!(e.to_string().contains("WRONGTYPE"), "{e}");
}

#[test]
fn the_stream_works_on_a_redis_cluster() {
    let Some(cluster) = chanrac_testkit::RedisCluster::start() else {
        return;
    };
    let url = cluster.urls().join(",");
    let mut p = publisher(&url, "c1");
    let ids = p
        .publish(&[
            entry("0912345678", DncChange::Add(Scopes::ALL)),
            entry("0912345678", DncChange::Remove(Scopes::CALL)),
        ])
        .unwrap();
    assert_eq!(ids.len(), 2);
    let engine = Arc::new(Engine::new(Policy::default()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let follower = Follower::new(
        &url,
        FollowConfig {
            prefix: "c1".into(),
            block: Duration::from_millis(200),
            ..FollowConfig::default()
        },
    )
    .unwrap();
    let status = follower.status();
    let task = rt.spawn(follower.follow(engine.clone()));
    wait_for(&status, ids[1]);
    assert_eq!(engine.dnc().get(n("0912345678")), Scopes::SMS);
    // Published while it follows, read by a blocking follower too.
    let more = p
        .publish(&[entry("0900000001", DncChange::Add(Scopes::CALL))])
        .unwrap();
    wait_for(&status, more[0]);
    assert_eq!(engine.dnc().get(n("0900000001")), Scopes::CALL);
    let all = p.read_all().unwrap();
    assert_eq!((all.entries, all.last), (3, more[0]));
    let blocking = BlockingFollower::new(
        &url,
        FollowConfig {
            prefix: "c1".into(),
            from: ids[1],
            block: Duration::from_millis(100),
            ..FollowConfig::default()
        },
    )
    .unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let runner = s.spawn(|| blocking.run(|c| seen.lock().unwrap().extend_from_slice(c)));
        wait_for(&blocking.status(), more[0]);
        blocking.stop();
        runner.join().unwrap().unwrap();
    });
    assert_eq!(
        *seen.lock().unwrap(),
        [(n("0900000001"), DncChange::Add(Scopes::CALL))]
    );
    task.abort();
}
