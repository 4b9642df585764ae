//! A real `redis-server`: start, commands through the RESP helper, kill,
//! restart.
#![allow(clippy::unwrap_used, clippy::panic)]

use chanrac_testkit::{cmd, Connection, RedisServer, RespValue};

#[test]
fn set_get_kill_restart() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let port = server.port();
    assert_eq!(server.url(), format!("redis://127.0.0.1:{port}"));
    assert_ne!(port, 6379);

    assert_eq!(cmd(port, &["PING"]).unwrap().as_str(), Some("PONG"));
    assert_eq!(
        cmd(port, &["SET", "k", "v", "PX", "60000"])
            .unwrap()
            .as_str(),
        Some("OK")
    );
    assert_eq!(
        cmd(port, &["GET", "k"]).unwrap(),
        RespValue::Bulk(b"v".to_vec())
    );
    let pttl = cmd(port, &["PTTL", "k"]).unwrap().as_int().unwrap();
    assert!(pttl > 0 && pttl <= 60_000, "PTTL {pttl}");
    assert!(
        cmd(port, &["MEMORY", "USAGE", "k"])
            .unwrap()
            .as_int()
            .unwrap()
            > 0
    );
    assert!(cmd(port, &["GET", "missing"]).unwrap().is_nil());
    assert_eq!(
        cmd(port, &["XADD", "s", "*", "f", "1"])
            .unwrap()
            .as_str()
            .map(|id| id.contains('-')),
        Some(true)
    );
    assert_eq!(cmd(port, &["XLEN", "s"]).unwrap(), RespValue::Integer(1));
    let err = cmd(port, &["NOSUCHCOMMAND"]).unwrap();
    assert!(
        err.as_error().is_some_and(|e| e.starts_with("ERR")),
        "{err}"
    );
    // No persistence: the server was started without RDB snapshots or AOF.
    let save = cmd(port, &["CONFIG", "GET", "save"]).unwrap();
    assert_eq!(
        save,
        RespValue::Array(vec![
            RespValue::Bulk(b"save".to_vec()),
            RespValue::Bulk(Vec::new())
        ])
    );

    server.kill();
    let refused = cmd(port, &["PING"]).unwrap_err();
    assert!(refused.contains("refused"), "{refused}");
    server.kill(); // idempotent

    server.restart();
    assert_eq!(server.port(), port);
    assert_eq!(cmd(port, &["PING"]).unwrap().as_str(), Some("PONG"));
    // Killed without persistence: it comes back empty.
    assert!(cmd(port, &["GET", "k"]).unwrap().is_nil());
}

#[test]
fn extra_arguments_apply_and_servers_do_not_share_ports() {
    // A password (`--requirepass`): only an authenticated connection gets in.
    let Some(server) = RedisServer::start_with(&["--requirepass", "s3cret"]) else {
        return;
    };
    let Some(other) = RedisServer::start() else {
        return;
    };
    assert_ne!(server.port(), other.port());
    let mut conn = Connection::open(server.port()).unwrap();
    assert!(conn
        .cmd(&["GET", "k"])
        .unwrap()
        .as_error()
        .is_some_and(|e| e.starts_with("NOAUTH")));
    assert_eq!(conn.cmd(&["AUTH", "s3cret"]).unwrap().as_str(), Some("OK"));
    assert_eq!(conn.cmd(&["SET", "k", "v"]).unwrap().as_str(), Some("OK"));
    assert_eq!(
        conn.cmd(&["GET", "k"]).unwrap(),
        RespValue::Bulk(b"v".to_vec())
    );
    let denied = cmd(server.port(), &["GET", "k"]).unwrap();
    assert!(
        denied.as_error().is_some_and(|e| e.starts_with("NOAUTH")),
        "{denied}"
    );
    assert_eq!(cmd(other.port(), &["GET", "k"]).unwrap(), RespValue::Nil);
    let port = server.port();
    drop(server);
    assert!(cmd(port, &["PING"]).is_err(), "a dropped server is killed");
}
