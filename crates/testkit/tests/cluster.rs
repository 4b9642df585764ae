//! A real Redis Cluster: six nodes, three masters, failover of a killed
//! master.
#![allow(clippy::unwrap_used, clippy::panic)]

use chanrac_testkit::{cmd, RedisCluster, RespValue};

#[test]
fn cluster_starts_and_fails_over() {
    let Some(mut cluster) = RedisCluster::start() else {
        return;
    };
    let ports = cluster.ports();
    assert_eq!(ports.len(), 6);
    assert_eq!(cluster.urls().len(), 6);
    assert!(cluster
        .urls()
        .iter()
        .all(|u| u.starts_with("redis://127.0.0.1:")));
    for &port in &ports {
        assert!((20_000..=29_000).contains(&port), "{port}");
        let info = cmd(port, &["CLUSTER", "INFO"]).unwrap();
        assert!(
            info.as_str().unwrap().contains("cluster_state:ok"),
            "{info}"
        );
    }
    let masters = cluster.masters();
    assert_eq!(masters.len(), 3);

    // A key of the first master's slots (slot 0 is served by masters[0]).
    let key = (0..10_000)
        .map(|i| format!("k{i}"))
        .find(|k| {
            let slot = cmd(ports[0], &["CLUSTER", "KEYSLOT", k.as_str()]).unwrap();
            owner(&cluster, slot.as_int().unwrap()) == masters[0]
        })
        .unwrap();
    assert_eq!(
        cluster.cmd(&["SET", key.as_str(), "1"]).unwrap().as_str(),
        Some("OK")
    );
    assert_eq!(
        cluster.cmd(&["GET", key.as_str()]).unwrap(),
        RespValue::Bulk(b"1".to_vec())
    );

    let promoted = cluster.kill_master(0);
    assert!(cmd(masters[0], &["PING"]).is_err(), "the master is dead");
    assert!(!masters.contains(&promoted));
    assert_eq!(cluster.ports().len(), 5);
    let now = cluster.masters();
    assert_eq!(now.len(), 3);
    assert_eq!(
        now[0], promoted,
        "the replica serves the killed master's slots"
    );
    for &port in &cluster.ports() {
        let info = cmd(port, &["CLUSTER", "INFO"]).unwrap();
        assert!(
            info.as_str().unwrap().contains("cluster_state:ok"),
            "{info}"
        );
    }
    // The key's slot is writable again, on the promoted replica.
    assert_eq!(
        cluster.cmd(&["SET", key.as_str(), "2"]).unwrap().as_str(),
        Some("OK")
    );
    assert_eq!(
        cmd(promoted, &["GET", key.as_str()]).unwrap(),
        RespValue::Bulk(b"2".to_vec())
    );
}

/// The port of the master serving `slot`, from `CLUSTER SLOTS`.
fn owner(cluster: &RedisCluster, slot: i64) -> u16 {
    let RespValue::Array(ranges) = cluster.cmd(&["CLUSTER", "SLOTS"]).unwrap() else {
        panic!("CLUSTER SLOTS is an array");
    };
    for range in ranges {
        let RespValue::Array(r) = range else { continue };
        let (lo, hi) = (r[0].as_int().unwrap(), r[1].as_int().unwrap());
        if (lo..=hi).contains(&slot) {
            let RespValue::Array(master) = &r[2] else {
                continue;
            };
            return u16::try_from(master[1].as_int().unwrap()).unwrap();
        }
    }
    panic!("slot {slot} is not served");
}
